import datetime as dt
import hashlib

from jingzhun.domain.audit import GENESIS, AuditEvent, chain_hash, verify_chain


def sha(data: bytes) -> bytes:  # any 32-byte hash will do for the chain logic
    return hashlib.sha256(data).digest()


def event(seq: int, action: str = "person.read") -> AuditEvent:
    at = dt.datetime(2026, 11, 29, 8, 0, seq, tzinfo=dt.UTC)
    return AuditEvent(seq, at, "cadre-1", "village_cadre", "532328101201", action, f"person:{seq}", "ok")


def chain(n: int) -> list[tuple[AuditEvent, bytes]]:
    out, previous = [], GENESIS
    for i in range(1, n + 1):
        e = event(i)
        previous = chain_hash(previous, e, sha)
        out.append((e, previous))
    return out


def test_an_untouched_chain_verifies():
    rows = chain(5)
    assert verify_chain(rows, sha, head=(5, rows[-1][1])) == []


def test_canonical_form_is_stable_and_utc():
    beijing = dt.timezone(dt.timedelta(hours=8))
    a = AuditEvent(1, dt.datetime(2026, 11, 29, 16, 0, tzinfo=beijing), "a", "r", "j", "x", "y", "ok")
    b = AuditEvent(1, dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC), "a", "r", "j", "x", "y", "ok")
    assert a.canonical() == b.canonical()
    assert b'"at":"2026-11-29T08:00:00.000000Z"' in a.canonical()


def test_an_edited_event_is_detected_at_its_sequence():
    rows = chain(5)
    e, h = rows[2]
    rows[2] = (AuditEvent(e.seq, e.at, e.actor, e.role, e.jurisdiction, e.action, "person:999", e.result), h)
    problems = verify_chain(rows, sha, head=(5, rows[-1][1]))
    assert [(p.seq, p.code) for p in problems] == [(3, "AUDIT_HASH")]


def test_a_deleted_event_is_detected():
    rows = chain(5)
    del rows[1]
    codes = {p.code for p in verify_chain(rows, sha, head=(5, rows[-1][1]))}
    assert {"AUDIT_GAP", "AUDIT_HASH"} <= codes


def test_swapped_events_are_detected():
    rows = chain(5)
    rows[1], rows[2] = rows[2], rows[1]
    assert verify_chain(rows, sha, head=(5, rows[-1][1]))


def test_a_truncated_tail_is_detected_against_the_head():
    rows = chain(5)
    head = (5, rows[-1][1])
    problems = verify_chain(rows[:3], sha, head=head)
    assert [p.code for p in problems] == ["AUDIT_TRUNCATED"]
