"""The tamper-evident audit trail: every event chained to the one before it.

``h_n = H(h_{n-1} ‖ canonical(e_n))`` with ``h_0`` = 32 zero bytes, over a gap-free sequence
(``shared/design/security.md`` goal 5). ``H`` is SM3 (GB/T 32905) in production — injected,
so the domain stays free of crypto libraries and a certified module can replace it. The
canonical form is UTF-8 JSON with sorted keys and no spaces; times are UTC ISO-8601 with
microseconds. Editing, deleting, swapping or truncating rows breaks the chain at a place
``verify_chain`` names (truncation at the tail is caught against the recorded head).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

Hasher = Callable[[bytes], bytes]
GENESIS = bytes(32)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who did what to which record, when, from where, with what result (等保 2.0 audit)."""

    seq: int
    at: dt.datetime  # timezone-aware
    actor: str
    role: str
    jurisdiction: str
    action: str  # e.g. "registry.import", "person.read", "case.approve"
    record: str  # e.g. "import:20261129T…", "person:5323**********0021", "case:…"
    result: str  # "ok" | "denied" | "failed"
    request_id: str = ""
    detail: str = ""  # short JSON text; never an unmasked ID number

    def canonical(self) -> bytes:
        data = asdict(self)
        at = self.at.astimezone(dt.UTC)
        data["at"] = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def chain_hash(previous: bytes, event: AuditEvent, hasher: Hasher) -> bytes:
    return hasher(previous + event.canonical())


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    code: str  # AUDIT_GAP, AUDIT_HASH, AUDIT_TRUNCATED
    message: str


def verify_chain(
    rows: Iterable[tuple[AuditEvent, bytes]], hasher: Hasher, *, head: tuple[int, bytes] | None = None
) -> list[ChainProblem]:
    """Check a stored chain: sequence 1, 2, 3 … without gaps, each stored hash recomputed.

    ``head`` is the last (seq, hash) recorded elsewhere (the store's chain head); without it a
    cut-off tail cannot be told from a short log.
    """
    problems: list[ChainProblem] = []
    previous, expected_seq, last = GENESIS, 1, (0, GENESIS)
    for event, stored in rows:
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, "AUDIT_GAP", f"审计序号应为 {expected_seq}，实际为 {event.seq}"))
        digest = chain_hash(previous, event, hasher)
        if digest != stored:
            problems.append(
                ChainProblem(event.seq, "AUDIT_HASH", f"第 {event.seq} 条审计记录的哈希不符：记录被改动、删除或调换")
            )
        previous, expected_seq, last = stored, event.seq + 1, (event.seq, stored)
    if head is not None and head != last:
        problems.append(
            ChainProblem(head[0], "AUDIT_TRUNCATED", f"审计链应止于第 {head[0]} 条，实际止于第 {last[0]} 条")
        )
    return problems
