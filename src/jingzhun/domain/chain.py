"""The assistance chain (一户（人）一条救助链): one ledger of everything a household and its members receive.

Why a ledger across programmes: a household is helped by its plan (一户一策) and, at the same
time, by civil affairs (dibao, tekun, temporary assistance), medical insurance (medical
assistance) and education (subsidies), each in its own system. Only side by side do two
mistakes show (policy notes §7, "Deduplication" in the implications): the same need covered
twice in one period — *duplicates* — and help that should be there and is not — *omissions*.

Entries come from plan items (``source="plan"``, the caller passes items that started and were
not cancelled) and from department records arriving as feeds (``entries_from_events``: an event
whose type is one of a catalogue measure's ``feed_events``). Each entry covers a span of days
(``coverage``) by its measure's ``Period``; entries with the same ``Measure.key`` for the same
beneficiary whose spans share at least one day are duplicates.

Three rules, each finding naming the records and the office responsible (the measure's provider
and the household's township): ``CHAIN_DUPLICATE``; ``CHAIN_RISK_WITHOUT_MEASURE`` (a confirmed
risk of a monitored household with no measure addressing it more than ``measure_deadline_days``
after identification); ``CHAIN_ENTITLEMENT_MISSED`` (an ``entitlement`` measure, e.g. Yulu:
someone eligible on the check day — household status on ``Measure.status_day`` — without an
entry of that key covering the day). The omission checks live in ``chain_omissions``; both
modules are the reference the columnar checks (``adapters/engine/chain_duckdb.py``) are
parity-tested against.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from jingzhun.domain.features import DepartmentEvent, months_before
from jingzhun.domain.measures import Measure, Period, Provider, Target

PLAN_SOURCE = "plan"
# Whoever makes the plan answers for a risk left without any measure: the rural-revitalisation office.
PLAN_OFFICE = Provider.AGRICULTURE


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One grant: a plan item or a department record (amount in fen)."""

    entry_id: str  # unique in the ledger; a feed record's is "source:event_id"
    source: str  # "plan" or a department code
    record_id: str  # the id in its own system: plan item, event id
    household_id: str
    person_id: str | None
    measure_id: str
    start: dt.date
    end: dt.date | None = None
    amount_fen: int | None = None
    provider: str = ""
    division_code: str = ""  # the household's village code


class FindingKind(StrEnum):
    DUPLICATE = "duplicate"
    OMISSION = "omission"


class ChainRule(StrEnum):
    DUPLICATE = "CHAIN_DUPLICATE"
    RISK_WITHOUT_MEASURE = "CHAIN_RISK_WITHOUT_MEASURE"
    ENTITLEMENT_MISSED = "CHAIN_ENTITLEMENT_MISSED"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in the chain; the columnar engine returns exactly these columns."""

    kind: str
    rule_id: str
    household_id: str
    person_id: str | None
    measure_id: str | None
    risk_code: str | None
    record_ids: tuple[str, ...]  # the entries involved (duplicates), or the monitoring case
    day_from: dt.date  # duplicate: the doubly covered stretch; omission: from identification / status day
    day_to: dt.date  # … to the check day
    provider: str  # the office responsible: a Provider code …
    office: str  # … its Chinese label …
    township_code: str  # … in this township (the first 9 digits of the division code)
    message: str


FINDING_FIELDS = tuple(Finding.__dataclass_fields__)

# One wording per rule; {field} placeholders are filled the same way by both engines.
MESSAGES: Mapping[str, str] = {
    ChainRule.DUPLICATE: (
        "{who}的“{measure}”在 {day_from} 至 {day_to} 重复享受：同一需求同期有 {count} 条记录（{records}）"
    ),
    ChainRule.RISK_WITHOUT_MEASURE: (
        "{who}的风险“{risk}”于 {identified_on} 认定，已过 {days} 天（期限 {deadline} 天），仍没有针对该风险的帮扶措施"
    ),
    ChainRule.ENTITLEMENT_MISSED: (
        "{who}符合“{measure}”的全部条件（户的状态按 {status_day} 判断），但没有覆盖 {check_day} 的记录（应享未享）"
    ),
}


def message_parts(rule: str) -> list[tuple[str, bool]]:
    """The rule's wording as (text, is_field) pieces, so SQL can build the same string."""
    out: list[tuple[str, bool]] = []
    text, i = MESSAGES[rule], 0
    while (j := text.find("{", i)) >= 0:
        k = text.index("}", j)
        out += [(text[i:j], False), (text[j + 1 : k], True)]
        i = k + 1
    return [*out, (text[i:], False)]


def render_message(rule: str, values: Mapping[str, object]) -> str:
    return "".join(str(values[t]) if is_field else t for t, is_field in message_parts(rule))


def mask_id(person_id: str) -> str:
    """A resident ID as messages show it: the first and last four characters (GB/T 35273 §7.2)."""
    return person_id[:4] + "*" * (len(person_id) - 8) + person_id[-4:] if len(person_id) >= 8 else person_id


def who(household_id: str, person_id: str | None) -> str:
    return f"成员 {mask_id(person_id)}" if person_id else f"户 {household_id}"


# ---------------------------------------------------------------- coverage


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's length (as SQL intervals do)."""
    return months_before(day, -months)


def period_bounds(measure: Measure, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of ``measure`` that contains ``day`` (TERM, YEAR or MONTH), first and last day."""
    if measure.period is Period.TERM and measure.assess_on:
        starts = sorted(measure.assess_on)
        days = [dt.date(y, m, d) for y in (day.year - 1, day.year, day.year + 1) for m, d in starts]
        first = max(s for s in days if s <= day)
        return first, min(s for s in days if s > day) - dt.timedelta(days=1)
    if measure.period is Period.MONTH:
        return day.replace(day=1), add_months(day.replace(day=1), 1) - dt.timedelta(days=1)
    return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)  # YEAR (and a TERM without term dates)


def coverage(measure: Measure, entry: LedgerEntry) -> tuple[dt.date, dt.date]:
    """The days one grant covers, both ends included.

    SPAN: ``start``…``end``, or ``coverage_months`` from the start when no end is known (a
    department record says when, not until when). TERM/YEAR/MONTH: the period containing the
    start — through the period containing ``end`` when an entry names several periods.
    A span ending before it starts covers nothing (``last < first``) and is never compared.
    """
    if measure.period is Period.SPAN:
        if entry.end is not None:
            return entry.start, entry.end
        return entry.start, add_months(entry.start, measure.coverage_months) - dt.timedelta(days=1)
    first, _ = period_bounds(measure, entry.start)
    _, last = period_bounds(measure, entry.end if entry.end is not None else entry.start)
    return first, last


def beneficiary_person(measure: Measure, entry: LedgerEntry) -> str | None:
    """Whose grant it is: the person for a person measure, else the household (None)."""
    return entry.person_id if measure.target is Target.PERSON else None


def entries_from_events(
    events: Iterable[DepartmentEvent],
    catalogue: Sequence[Measure],
    homes: Mapping[str, str],
    divisions: Mapping[str, str],
) -> list[LedgerEntry]:
    """Department records of a catalogue measure as ledger entries.

    ``homes``: person id → household id (the registry places a person's record, as the
    screening does; a record about an unknown person is left out); ``divisions``: household id
    → village code (a household record of an unknown household is left out). An event type
    listed by several measures belongs to the first in catalogue order.
    """
    by_type: dict[str, Measure] = {}
    for m in catalogue:
        for t in m.feed_events:
            by_type.setdefault(t, m)
    out = []
    for e in events:
        found = by_type.get(e.event_type)
        if found is None:
            continue
        m = found
        home = homes.get(e.person_id) if e.person_id is not None else e.household_id
        if home is None or home not in divisions:
            continue
        out.append(
            LedgerEntry(
                f"{e.source}:{e.event_id}", e.source, e.event_id, home, e.person_id, m.measure_id,
                e.event_date, None, e.amount_fen, m.provider.value, divisions[home],
            )
        )  # fmt: skip
    return out


# ---------------------------------------------------------------- duplicates


@dataclass(frozen=True, slots=True)
class Covered:
    first: dt.date
    last: dt.date
    entry: LedgerEntry
    measure: Measure
    person_id: str | None  # the beneficiary


def covered_entries(entries: Iterable[LedgerEntry], catalogue: Sequence[Measure]) -> list[Covered]:
    measures = {m.measure_id: m for m in catalogue}
    out = []
    for e in entries:
        m = measures.get(e.measure_id)
        if m is None:
            continue
        first, last = coverage(m, e)
        if first <= last:
            out.append(Covered(first, last, e, m, beneficiary_person(m, e)))
    return out


def find_duplicates(entries: Iterable[LedgerEntry], catalogue: Sequence[Measure]) -> list[Finding]:
    """Same beneficiary, same ``Measure.key``, coverage sharing a day: one finding per overlapping run.

    Entries of a beneficiary and key are swept in order of their first day; a run continues while
    the next entry starts on or before the latest last day so far (sharing one day counts, the
    day after does not). The finding spans the days covered twice at least — from the second
    start to the second-latest end — and is charged to the run's first entry's measure.
    """
    groups: dict[tuple[str, str, str], list[Covered]] = defaultdict(list)
    for c in covered_entries(entries, catalogue):
        who_key = ("P", c.person_id) if c.person_id is not None else ("H", c.entry.household_id)
        groups[(*who_key, c.measure.key)].append(c)
    findings = []
    for group in groups.values():
        group.sort(key=lambda c: (c.first, c.last, c.entry.entry_id))
        run: list[Covered] = []
        reach = dt.date.min  # the latest last day of the run so far
        for c in group:
            if run and c.first > reach:
                findings += _duplicate(run)
                run = []
            run.append(c)
            reach = max(reach, c.last)
        findings += _duplicate(run)
    return sort_findings(findings)


def _duplicate(run: list[Covered]) -> list[Finding]:
    if len(run) < 2:
        return []
    head = run[0]
    day_from = sorted(c.first for c in run)[1]
    day_to = sorted((c.last for c in run), reverse=True)[1]
    ids = tuple(c.entry.entry_id for c in run)
    values = {
        "who": who(head.entry.household_id, head.person_id),
        "measure": head.measure.label,
        "day_from": day_from,
        "day_to": day_to,
        "count": len(run),
        "records": "、".join(ids),
    }
    return [
        make_finding(ChainRule.DUPLICATE, head.entry.household_id, head.person_id, head.measure, None, ids,
                     day_from, day_to, head.measure.provider, head.entry.division_code, values)
    ]  # fmt: skip


# ---------------------------------------------------------------- findings


def make_finding(
    rule: ChainRule,
    household_id: str,
    person_id: str | None,
    measure: Measure | None,
    risk_code: str | None,
    record_ids: tuple[str, ...],
    day_from: dt.date,
    day_to: dt.date,
    provider: Provider,
    division_code: str,
    values: Mapping[str, object],
) -> Finding:
    kind = FindingKind.DUPLICATE if rule is ChainRule.DUPLICATE else FindingKind.OMISSION
    return Finding(
        kind.value, rule.value, household_id, person_id, measure.measure_id if measure else None, risk_code,
        record_ids, day_from, day_to, provider.value, provider.label, division_code[:9],
        render_message(rule, values),
    )  # fmt: skip


def finding_sort_key(f: Finding) -> tuple[str, str, str, str, str, dt.date, tuple[str, ...]]:
    """The order both engines return findings in."""
    return (
        f.rule_id,
        f.household_id,
        f.person_id or "",
        f.measure_id or "",
        f.risk_code or "",
        f.day_from,
        f.record_ids,
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_sort_key)
