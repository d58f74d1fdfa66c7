"""How the plan page and the API name a household member without putting an ID number on the wire.

A person measure (micro-credit, a public-welfare job) is for one member, and the service takes
that member's ID number. A page or an API answer shows only the masked number, so a form or a
request names the member by its *number* in the household as the plan view lists it (1, 2, …,
in ID order) and, from a page, the masked ID beside it as a check: should the household's
members change between drawing the form and posting it, the number would name someone else,
and the check refuses it instead (MEMBER_CHANGED).
"""

from __future__ import annotations

from dataclasses import dataclass

from jingzhun.domain.errors import DomainError
from jingzhun.services.plans import PlanView


@dataclass(frozen=True, slots=True)
class MemberRef:
    number: int
    person_id: str  # never shown: only for the service call
    name: str
    masked: str


def members_of(view: PlanView) -> list[MemberRef]:
    """The household's members, numbered from 1 in the order the plan view lists them (by ID)."""
    return [
        MemberRef(n, pid, name, view.masked_ids.get(pid, ""))
        for n, (pid, name) in enumerate(view.member_names.items(), 1)
    ]


def numbers_of(view: PlanView) -> dict[str, int]:
    """Person id → member number."""
    return {m.person_id: m.number for m in members_of(view)}


def person_of(view: PlanView, number: int, masked: str | None = None) -> str:
    """The ID number of member ``number``; with ``masked``, only if that member's masked ID is still the one given."""
    found = next((m for m in members_of(view) if m.number == number), None)
    if found is None:
        raise DomainError("MEMBER_UNKNOWN", f"本户没有第 {number} 位成员", field="member")
    if masked is not None and masked != found.masked:
        raise DomainError("MEMBER_CHANGED", "本户成员已有变化，请刷新页面后重新选择", field="member")
    return found.person_id
