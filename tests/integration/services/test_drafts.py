"""Visit drafts on SQLite and PostgreSQL: one per case and author, scoped, audited, gone with the step."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services import auditing
from jingzhun.services import drafts as service
from jingzhun.services.cases import act_on_case, receive_lead, view_case
from jingzhun.services.drafts import discard_draft, read_draft, save_draft
from jingzhun.services.importer import run_import

from .helpers import read_csv, synthetic_registry

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
TYPED = "户主 2026 年 10 月住院，自付 3.2 万元；儿子在昆明务工"


@pytest.fixture
def place(engine, tmp_path):
    """A case in village A at the household visit (入户核实), and the people around it."""
    src = synthetic_registry(tmp_path / "reg", households=30)
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv").select("household_id", "division_code")
    villages = sorted(set(hh["division_code"]))
    a, b = villages[0], villages[-1]
    household = hh.filter(hh["division_code"] == a)["household_id"][0]
    people = {
        "cadre_a": Actor("cadre_a", Role.VILLAGE_CADRE, a),
        "cadre_a2": Actor("cadre_a2", Role.VILLAGE_CADRE, a),  # a second contact person of the same village
        "cadre_b": Actor("cadre_b", Role.VILLAGE_CADRE, b),
        "town": Actor("town", Role.TOWNSHIP_REVIEWER, a[:9] + "000"),
        "data": Actor("data", Role.DEPARTMENT_DATA_OFFICER, a[:6] + "000000"),
        "auditor": Actor("auditor", Role.AUDITOR, a[:6] + "000000"),
        "admin": Actor("admin", Role.ADMINISTRATOR, a[:6] + "000000"),
    }
    lead = Lead("S-1", household, Channel.SELF_DECLARATION, T0, "申报")
    case_id = receive_lead(engine, lead, people["cadre_a"]).case_id
    act_on_case(engine, case_id, "accept", people["cadre_a"], at=T0 + dt.timedelta(hours=1))
    return case_id, people


def visit(**kw):
    return {"action": "submit_verification", **kw}


def events(engine, action):
    e = t.audit_events.c
    with engine.connect() as c:
        return c.execute(select(e.actor, e.result, e.detail).where(e.action == action).order_by(e.seq)).all()


def stored_drafts(engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(t.visit_drafts)).scalar_one())


def test_a_saved_draft_comes_back_to_its_author_as_typed(engine, place):
    case_id, p = place
    saved = save_draft(
        engine, case_id, p["cadre_a"], **visit(category="marginal_at_risk", risk_codes=["01", "03"],
                                               evidence=["signed_consent"], reason=TYPED),
    )  # fmt: skip
    assert saved.problems == () and not saved.stale
    back = read_draft(engine, case_id, p["cadre_a"])
    assert back is not None and back.draft == saved.draft
    d = back.draft
    assert (d.action, d.category, d.risk_codes, d.evidence, d.reason) == (
        "submit_verification", MonitoringCategory.MARGINAL_AT_RISK, ("01", "03"), ("signed_consent",), TYPED,
    )  # fmt: skip
    assert back.action_label == "提交入户核实" and back.state_label == "入户核实"
    assert back.saved_at.tzinfo is not None and abs(back.saved_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_only_the_author_sees_a_draft(engine, place):
    case_id, p = place
    save_draft(engine, case_id, p["cadre_a"], **visit(reason=TYPED))
    assert read_draft(engine, case_id, p["cadre_a2"]) is None  # same village, same case, not theirs
    assert read_draft(engine, case_id, p["town"]) is None
    save_draft(engine, case_id, p["cadre_a2"], **visit(reason="另一位联系人的记录"))
    mine, theirs = read_draft(engine, case_id, p["cadre_a"]), read_draft(engine, case_id, p["cadre_a2"])
    assert mine is not None and theirs is not None
    assert (mine.draft.reason, theirs.draft.reason) == (TYPED, "另一位联系人的记录")


def test_saving_again_replaces_the_authors_draft(engine, place):
    case_id, p = place
    save_draft(engine, case_id, p["cadre_a"], **visit(risk_codes=["01"], reason="第一次"))
    save_draft(engine, case_id, p["cadre_a"], **visit(risk_codes=["03"], reason="第二次"))
    back = read_draft(engine, case_id, p["cadre_a"])
    assert back is not None and (back.draft.risk_codes, back.draft.reason) == (("03",), "第二次")
    assert stored_drafts(engine) == 1


def test_another_village_is_not_found_and_the_auditor_and_administrator_are_refused(engine, place):
    case_id, p = place
    save_draft(engine, case_id, p["cadre_a"], **visit(reason=TYPED))
    for who, code in (("cadre_b", "CASE_NOT_FOUND"), ("auditor", "PERMISSION_DENIED"), ("admin", "PERMISSION_DENIED")):
        for attempt in (
            lambda a: save_draft(engine, case_id, a, **visit()),
            lambda a: read_draft(engine, case_id, a),
            lambda a: discard_draft(engine, case_id, a),
        ):
            with pytest.raises(DomainError) as e:
                attempt(p[who])
            assert e.value.code == code, who
    refused = [(r.actor, r.result) for a in ("case.draft_save", "case.draft_read", "case.draft_discard")
               for r in events(engine, a) if r.result != "ok"]  # fmt: skip
    assert refused == [(w, "denied") for w in ("cadre_b", "auditor", "admin")] * 3
    back = read_draft(engine, case_id, p["cadre_a"])
    assert back is not None and back.draft.reason == TYPED


def test_save_read_and_discard_are_audited_without_what_was_typed(engine, place):
    case_id, p = place
    save_draft(engine, case_id, p["cadre_a"], **visit(category="sudden_hardship", risk_codes=["01"], reason=TYPED))
    read_draft(engine, case_id, p["cadre_a"])
    assert discard_draft(engine, case_id, p["cadre_a"]) is True
    assert discard_draft(engine, case_id, p["cadre_a"]) is False  # nothing left: nothing read or written
    assert read_draft(engine, case_id, p["cadre_a"]) is None
    saves, reads, discards = (events(engine, f"case.draft_{x}") for x in ("save", "read", "discard"))
    assert [(r.actor, r.result) for r in saves + reads + discards] == [("cadre_a", "ok")] * 3
    assert json.loads(saves[0].detail) == {
        "action": "submit_verification", "state": "verifying", "steps": 1,
        "filled": ["category", "risk_codes", "reason"], "left_out": [],
    }  # fmt: skip
    assert json.loads(discards[0].detail) == {"why": "discarded", "action": "submit_verification"}
    for row in saves + reads + discards:
        assert "住院" not in row.detail and "sudden_hardship" not in row.detail


def test_an_audit_failure_saves_no_draft(engine, place, monkeypatch):
    case_id, p = place

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(auditing.audit_store, "append", broken)
    with pytest.raises(RuntimeError):
        save_draft(engine, case_id, p["cadre_a"], **visit(reason=TYPED))
    monkeypatch.undo()
    assert stored_drafts(engine) == 0


def test_a_bad_value_is_left_out_and_the_rest_of_the_draft_is_saved(engine, place):
    case_id, p = place
    typed = visit(category="marginal_at_risk", risk_codes=["01", "X9"], evidence=["signed_consent", "no"], reason=TYPED)
    saved = save_draft(engine, case_id, p["cadre_a"], **typed)
    assert [x.code for x in saved.problems] == ["RISK_CODE_UNKNOWN", "EVIDENCE_UNKNOWN"]
    back = read_draft(engine, case_id, p["cadre_a"])
    assert back is not None and back.problems == ()
    assert (back.draft.risk_codes, back.draft.evidence, back.draft.reason) == (("01",), ("signed_consent",), TYPED)
    left_out = json.loads(events(engine, "case.draft_save")[0].detail)["left_out"]
    assert left_out == ["RISK_CODE_UNKNOWN", "EVIDENCE_UNKNOWN"]


@pytest.mark.parametrize(
    ("who", "kw", "code"),
    [
        ("cadre_a", {"action": "approve"}, "DRAFT_ACTION_INVALID"),  # a step, but not of 入户核实
        ("cadre_a", {"action": "x" * 200}, "DRAFT_ACTION_INVALID"),
        ("data", {"action": "submit_verification"}, "ROLE_NOT_ALLOWED"),
        ("cadre_a", {"action": "submit_verification", "reason": "字" * 2001}, "DRAFT_TOO_LARGE"),
    ],
)
def test_a_draft_of_a_step_that_is_not_open_or_too_long_is_refused_and_audited(engine, place, who, kw, code):
    case_id, p = place
    with pytest.raises(DomainError) as e:
        save_draft(engine, case_id, p[who], **kw)
    assert e.value.code == code and e.value.message
    assert stored_drafts(engine) == 0
    assert [(r.actor, json.loads(r.detail)["code"]) for r in events(engine, "case.draft_save")] == [(who, code)]


def test_taking_the_step_discards_the_authors_draft_in_the_same_transaction(engine, place):
    case_id, p = place
    save_draft(engine, case_id, p["cadre_a"], **visit(category="marginal_at_risk", risk_codes=["01"]))
    save_draft(engine, case_id, p["cadre_a2"], **visit(reason="另一位联系人的记录"))
    with pytest.raises(DomainError):  # a refused step keeps the draft
        act_on_case(engine, case_id, "submit_verification", p["cadre_a"], evidence=["verification_form"],
                    category=MonitoringCategory.MARGINAL_AT_RISK, risk_codes=["01"])  # fmt: skip
    assert read_draft(engine, case_id, p["cadre_a"]) is not None
    act_on_case(engine, case_id, "submit_verification", p["cadre_a"], evidence=["verification_form", "signed_consent"],
                category=MonitoringCategory.MARGINAL_AT_RISK, risk_codes=["01"])  # fmt: skip
    assert read_draft(engine, case_id, p["cadre_a"]) is None
    step = [json.loads(r.detail) for r in events(engine, "case.draft_discard")]
    assert step == [{"why": "step", "step": "submit_verification", "action": "submit_verification"}]
    other = read_draft(engine, case_id, p["cadre_a2"])  # someone else's draft stays, and says the case moved on
    assert other is not None and other.stale and other.state_label == "信息比对"
    assert other.saved_state_label == "入户核实"


def test_a_step_whose_draft_cannot_be_removed_is_not_taken(engine, place, monkeypatch):
    case_id, p = place
    save_draft(engine, case_id, p["cadre_a"], **visit(reason=TYPED))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service.draft_store, "remove", broken)
    with pytest.raises(RuntimeError):
        act_on_case(engine, case_id, "invalidate", p["cadre_a"], reason="重复申报")
    monkeypatch.undo()
    assert view_case(engine, case_id, p["cadre_a"]).case.state == "verifying"
    assert events(engine, "case.invalidate") == []


def test_a_draft_of_a_case_that_moved_on_is_stale_and_a_closed_case_takes_no_new_draft(engine, place):
    case_id, p = place
    save_draft(engine, case_id, p["cadre_a2"], **visit(reason=TYPED))
    act_on_case(engine, case_id, "invalidate", p["cadre_a"], reason="线索重复")
    back = read_draft(engine, case_id, p["cadre_a2"])
    assert back is not None and back.stale and back.draft.reason == TYPED  # shown, not lost, not applied
    with pytest.raises(DomainError) as e:
        save_draft(engine, case_id, p["cadre_a2"], **visit())
    assert e.value.code == "CASE_CLOSED"
    assert discard_draft(engine, case_id, p["cadre_a2"]) is True
