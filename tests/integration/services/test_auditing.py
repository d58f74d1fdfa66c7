"""The auditor's view of the trail (``services.auditing``): scope, filters, keyset pages, export, the chain check."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services.auditing import LogFilter, entry, export_log, read_log, verify_chain

AUDITOR = Actor("auditor", Role.AUDITOR, "532328000000")
CADRE = Actor("cadre", Role.VILLAGE_CADRE, "532328101201")
FAR = Actor("far", Role.VILLAGE_CADRE, "530102001001")  # another county


def seed(engine, actor: Actor, action: str, n: int = 1, *, at: dt.datetime | None = None) -> None:
    with engine.begin() as conn:
        for _ in range(n):
            audit_store.append(conn, sm3, entry(actor, action, "case:C0123456789ab"), at=at)


def logged(engine, action: str) -> list[tuple[str, str, dict[str, object]]]:
    e = t.audit_events.c
    with engine.connect() as c:
        rows = c.execute(select(e.actor, e.result, e.detail).where(e.action == action).order_by(e.seq)).all()
    return [(r.actor, r.result, json.loads(r.detail or "{}")) for r in rows]


def test_pages_follow_the_sequence_and_a_new_event_does_not_shift_them(engine):
    seed(engine, CADRE, "case.read", 12)
    seed(engine, FAR, "case.read", 3)
    first = read_log(engine, AUDITOR, limit=5)
    assert [e.seq for e in first.events] == [12, 11, 10, 9, 8] and first.next_before == 8
    seed(engine, CADRE, "case.read")
    second = read_log(engine, AUDITOR, before_seq=first.next_before, limit=5)
    assert [e.seq for e in second.events] == [7, 6, 5, 4, 3] and second.next_before == 3
    last = read_log(engine, AUDITOR, before_seq=3, limit=5)
    assert [e.seq for e in last.events] == [2, 1] and last.next_before is None
    assert {e.actor for e in read_log(engine, AUDITOR, limit=1000).events} == {"cadre", "auditor"}  # not "far"
    assert [d for _, _, d in logged(engine, "audit.read")][:3] == [{"rows": 5}, {"rows": 5, "before": 8},
                                                                   {"rows": 2, "before": 3}]  # fmt: skip


def test_an_action_is_a_literal_prefix_and_the_day_is_beijings(engine):
    seed(engine, CADRE, "user.set_password")
    seed(engine, CADRE, "user.setXpassword")
    seed(engine, CADRE, "case.read", at=dt.datetime(2026, 11, 2, 17, 0, tzinfo=dt.UTC))  # 11-03 01:00 in Beijing
    actions = [e.action for e in read_log(engine, AUDITOR, LogFilter(action="user.set_")).events]
    assert actions == ["user.set_password"]  # "_" is not a wildcard
    day = dt.datetime(2026, 11, 3, tzinfo=CHINA_TZ)
    reads = LogFilter(since=day, action="case.")
    assert [e.action for e in read_log(engine, AUDITOR, reads).events] == ["case.read"]
    assert read_log(engine, AUDITOR, LogFilter(since=day + dt.timedelta(days=1), action="case.")).events == []
    with pytest.raises(DomainError) as e:
        LogFilter(result="maybe")
    assert e.value.code == "AUDIT_FILTER_INVALID"


def test_only_the_auditor_reads_exports_or_checks_and_each_refusal_is_audited(engine):
    seed(engine, CADRE, "case.read", 3)
    for use_case in (read_log, export_log, verify_chain):
        with pytest.raises(DomainError) as e:
            use_case(engine, CADRE)
        assert e.value.code == "PERMISSION_DENIED"
    for action in ("audit.read", "audit.export", "audit.verify"):
        assert logged(engine, action) == [("cadre", "denied", {"code": "PERMISSION_DENIED"})]
    exported = export_log(engine, AUDITOR, LogFilter(actor="cadre", action="case."))
    assert len(exported) == 3
    assert logged(engine, "audit.export")[-1] == ("auditor", "ok", {"rows": 3, "actor": "cadre", "action": "case."})


def test_the_check_names_an_edited_event_and_is_itself_recorded(engine):
    seed(engine, CADRE, "case.read", 4)
    assert verify_chain(engine, AUDITOR).problems == []
    with engine.begin() as c:
        c.execute(update(t.audit_events).where(t.audit_events.c.seq == 2).values(actor="someone"))
    status = verify_chain(engine, AUDITOR)
    assert status.count == 5 and [(p.seq, p.code) for p in status.problems] == [(2, "AUDIT_HASH")]
    assert [d for _, _, d in logged(engine, "audit.verify")] == [
        {"events": 4, "problems": 0, "seqs": []}, {"events": 5, "problems": 1, "seqs": [2]}
    ]  # fmt: skip
