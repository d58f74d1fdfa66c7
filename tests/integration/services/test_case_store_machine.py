"""Random people working random cases through the services never break the procedure in the real store.

The store-level twin of ``tests/property/test_case_workflow_machine.py`` (security goal 8). A
Hypothesis state machine drives ``receive_lead``, ``act_on_case``, ``record_objection``,
``view_case`` and ``list_cases`` against a migrated store holding a small synthetic county, on
SQLite and on the running PostgreSQL. Actors differ in role and jurisdiction — two villages of
one township, a village of another township, the township and county levels, a county
elsewhere; one person (``cadre-a``) also reviews for the township, one reviewer (``town-a1``)
also approves for the county; an assistance partner and an auditor, who may do no case work.
Leads come from the three channels for four households, and now and then a lead is sent again;
actions are mostly the next steps the case's stored workflow offers (mostly forward), sometimes
anything at all, with documents or reasons missing now and then; a diligent clerk pushes a case
several steps forward (waiting out the notice, or trying on its last day); someone who already
acted in the pass tries to review it; someone entitled tries a later step of the path now;
objections come during the notice and are answered, upheld now and then; time only moves
forward (2025–2026, the Chinese working-day calendar, never past the real clock).

Every check reads the store back, never the machine's memory:

* after each step: at most one open case per household (an SQL count); every stored case is
  consistent (document vs. columns, its leads index, its household's division) and its history
  is allowed by the workflow it stored — chained from the initial state, no skipped level, no
  self-approval within a pass, the notice ran its full period with every objection answered
  and none upheld;
* after each call: a refusal left every case and lead row unchanged and wrote exactly one audit
  event, ``denied`` for an access refusal and ``failed`` otherwise; a success changed only its
  own case as the call says and wrote exactly one ``ok`` event; an actor outside the household's
  jurisdiction never gets a case (CASE_NOT_FOUND / HOUSEHOLD_NOT_FOUND), one inside is never
  told "not found", and an entitled one's lead and case read always go through; a retried lead
  changes nothing and writes one ``case.lead_retry`` event; the work queue lists exactly the
  cases of the actor's jurisdiction (a list is not a person read: its events are not counted);
* at the end of each run: the audit chain verifies, and each case has exactly one ``ok`` event
  per recorded transition, in order.

The store is built once per backend (migrate and import); each run of the machine starts by
emptying the case tables and cutting the audit chain back to its head after the import.
``SETTINGS`` (60 runs of up to 60 steps) keeps each backend near 10 s (SQLite) and 15–30 s
(PostgreSQL) on a 2-core machine.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Connection, Engine, delete, func, select, update

from jingzhun.adapters.calendar_cn import ChineseWorkingCalendar
from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store, case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import ACCESS_CODES, Permission, allows, scope_prefix
from jingzhun.domain.cases import Actor, Case, Channel, Lead
from jingzhun.domain.categories import DEFAULT_RISK_TYPES, MonitoringCategory
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, WorkflowDefinition
from jingzhun.policy.workflow_registry import shipped_workflow_list, workflow_by_key
from jingzhun.services.auditing import mask_ref
from jingzhun.services.cases import act_on_case, receive_lead, record_objection, view_case
from jingzhun.services.deadlines import list_cases
from jingzhun.services.importer import run_import

from .helpers import read_csv, synthetic_registry

CALENDAR = ChineseWorkingCalendar()
START = dt.datetime(2025, 9, 20, 1, 0, tzinfo=dt.UTC)  # the National Day week lies ahead: 调休 and holidays
# Time stops here: inside the holiday calendar's years, and in the past (a future time is TIME_IN_FUTURE).
LATEST = dt.datetime(2026, 9, 30, 1, 0, tzinfo=dt.UTC)
COUNTY = "532328000000"
FAR_COUNTY = "530102000000"  # a county of the same province with nothing in this store
NOT_FOUND = frozenset({"CASE_NOT_FOUND", "HOUSEHOLD_NOT_FOUND"})
IDENTIFICATIONS = [w for w in shipped_workflow_list() if w.id == "identification"]
ACTIONS = sorted({r.action for w in IDENTIFICATIONS for r in w.transitions})
DOCUMENTS = sorted({k for w in IDENTIFICATIONS for r in w.transitions for k in r.evidence})
RISK_CODES = [x.code for x in DEFAULT_RISK_TYPES]
# Audit actions of a case that are not workflow transitions.
NOT_TRANSITIONS = frozenset(
    {"case.open", "case.merge_lead", "case.lead_retry", "case.read", "case.objection", "case.objection_answer"}
)

SETTINGS = settings(
    max_examples=60,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class County:
    """The store, four households (two in village A, one in village B of the same township, one
    in township C) with their villages, the actors, and the audit head right after the import."""

    engine: Engine
    households: dict[str, str]
    actors: tuple[Actor, ...]
    audit_base: tuple[int, str]


@pytest.fixture
def county(engine: Engine, tmp_path) -> County:
    src = synthetic_registry(tmp_path / "reg", households=120)
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv").select("household_id", "division_code").sort("household_id")
    by_village: dict[str, list[str]] = {}
    for household, village in hh.iter_rows():
        by_village.setdefault(village, []).append(household)
    va = next(v for v in sorted(by_village) if len(by_village[v]) >= 2)
    vb = next(v for v in sorted(by_village) if v != va and v[:9] == va[:9])
    vc = next(v for v in sorted(by_village) if v[:9] != va[:9])
    households = {by_village[va][0]: va, by_village[va][1]: va, by_village[vb][0]: vb, by_village[vc][0]: vc}
    ta, tc = va[:9] + "000", vc[:9] + "000"
    actors = (
        Actor("cadre-a", Role.VILLAGE_CADRE, va),
        Actor("cadre-b", Role.VILLAGE_CADRE, vb),
        Actor("cadre-c", Role.VILLAGE_CADRE, vc),
        Actor("data-1", Role.DEPARTMENT_DATA_OFFICER, COUNTY),
        Actor("town-a1", Role.TOWNSHIP_REVIEWER, ta),
        Actor("town-a2", Role.TOWNSHIP_REVIEWER, ta),
        Actor("town-c", Role.TOWNSHIP_REVIEWER, tc),
        Actor("county-1", Role.COUNTY_APPROVER, COUNTY),
        Actor("cadre-a", Role.TOWNSHIP_REVIEWER, ta),  # the cadre of village A also reviews for the township
        Actor("town-a1", Role.COUNTY_APPROVER, COUNTY),  # a township reviewer also approves for the county
        Actor("partner", Role.ASSISTANCE_PARTNER, COUNTY),
        Actor("auditor", Role.AUDITOR, COUNTY),
        Actor("far-1", Role.COUNTY_APPROVER, FAR_COUNTY),
    )
    with engine.connect() as c:
        seq, digest = c.execute(select(t.audit_head.c.seq, t.audit_head.c.hash)).one()
    return County(engine, households, actors, (int(seq), str(digest)))


CALLS: Counter[str] = Counter()  # service calls the machine made, by outcome


def action_of(error: DomainError | None) -> str:
    return "done" if error is None else "refused"


def test_random_casework_through_the_services_keeps_every_invariant_in_the_store(county: County) -> None:
    CALLS.clear()
    run_state_machine_as_test(lambda: CaseStoreMachine(county), settings=SETTINGS)
    # the invariants are asserted inside the machine; here: it really drove the store both ways
    assert CALLS["done"] > 0 and CALLS["refused"] > 0, CALLS


# --- Reading the store back -------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    household_id: str
    division_code: str
    workflow_id: str
    state: str
    closed: bool
    version: int
    document: str
    due_on: dt.date | None


def _cases(conn: Connection) -> dict[str, CaseRow]:
    c = t.cases.c
    query = select(
        c.case_id, c.household_id, c.division_code, c.workflow_id, c.state, c.closed, c.version, c.document, c.due_on
    )
    return {r.case_id: CaseRow(*r[1:]) for r in conn.execute(query)}


def _leads(conn: Connection) -> set[tuple[str, str, str]]:
    k = t.case_leads.c
    return {(a, b, c) for a, b, c in conn.execute(select(k.lead_id, k.case_id, k.household_id))}


def _audit_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(t.audit_events.c.seq), 0))).scalar_one())


def case_rows(engine: Engine) -> dict[str, CaseRow]:
    with engine.connect() as conn:
        return _cases(conn)


@dataclass(frozen=True)
class Snapshot:
    """The case and lead rows, the last audit seq, and the events after ``since`` — read in one go."""

    cases: dict[str, CaseRow]
    leads: set[tuple[str, str, str]]
    seq: int
    events: list[Any]


def snapshot(engine: Engine, since: int | None = None) -> Snapshot:
    e = t.audit_events.c
    with engine.connect() as conn:
        events: list[Any] = []
        if since is not None:
            columns = (e.seq, e.actor, e.role, e.action, e.record, e.result, e.detail)
            events = list(conn.execute(select(*columns).where(e.seq > since).order_by(e.seq)))
        return Snapshot(_cases(conn), _leads(conn), _audit_seq(conn), events)


def case_ref(case_id: str) -> str:
    """The audit record of a case, as the services write it: a case id is never masked (``auditing.mask_ref``)."""
    return mask_ref(f"case:{case_id}")


def reset(county: County) -> None:
    """Empty the case tables and cut the audit chain back to where the import left it."""
    seq, digest = county.audit_base
    with county.engine.begin() as c:
        c.execute(delete(t.case_leads))
        c.execute(delete(t.cases))
        c.execute(delete(t.overdue_daily))
        c.execute(delete(t.audit_events).where(t.audit_events.c.seq > seq))
        c.execute(update(t.audit_head).where(t.audit_head.c.id == 1).values(seq=seq, hash=digest))


# --- Invariants of one stored history (small versions of the domain machine's) ----------------


def check_history(case: Case, wf: WorkflowDefinition) -> None:
    """Chained from the initial state, each step allowed by ``wf``, no level skipped, no self-approval,
    the notice respected."""
    state, last = wf.initial, case.opened_at
    # each objection names the posting of its notice, and the name survives the stored document
    assert all(1 <= o.notice_seq <= len(case.history) for o in case.objections), case.objections
    for k, tr in enumerate(case.history):
        r = wf.rule(tr.action, tr.source)
        assert r is not None and r.target == tr.target and tr.source == state, f"{case.case_id}: {tr} not allowed"
        assert tr.seq == k + 1 and tr.actor_id and tr.actor_role in r.roles
        assert tr.at.tzinfo is not None and tr.at.utcoffset() == dt.timedelta(0) and tr.at >= last
        assert set(r.evidence) <= set(tr.evidence) and (tr.reason or not r.needs_reason)
        assert (tr.policy_id, tr.policy_version, tr.policy_hash) == (wf.id, wf.version, wf.content_hash)
        assert tr.review == r.review and tr.decision == r.decision
        if tr.target in wf.path:  # no skipped level: steps 0..j of the path, in order, right before
            j = wf.path.index(tr.target)
            assert k >= j and [x.target for x in case.history[k - j : k + 1]] == list(wf.path[: j + 1]), (
                f"{case.case_id}: {tr.target} reached skipping a level"
            )
        if tr.review:  # no self-approval: the reviewer did not act earlier in this pass
            starts = [i for i in range(k) if case.history[i].target == wf.path[0]]
            earlier = case.history[starts[-1] if starts else 0 : k]
            assert tr.actor_id not in {x.actor_id for x in earlier}, f"{case.case_id}: self-approval by {tr.actor_id}"
        if r.after_notice:  # the notice ran its full period, every objection answered, none upheld
            posted = case.history[k - 1]
            assert local_date(tr.at) > wf.notice_last_day(local_date(posted.at), CALENDAR)
            during = [o for o in case.objections if o.notice_seq == posted.seq]  # kept in the stored document
            assert all(o.answered_at is not None and o.answered_at <= tr.at for o in during)
            assert not any(o.upheld for o in during)
        state, last = tr.target, tr.at
    assert case.state == state and case.closed == wf.is_closed(state)


# --- The machine --------------------------------------------------------------------------------


@dataclass
class Outcome:
    result: Any
    error: DomainError | None
    before: dict[str, CaseRow]
    after: dict[str, CaseRow]
    leads_before: set[tuple[str, str, str]]
    leads_after: set[tuple[str, str, str]]
    events: list[Any]

    def only_changed(self, case_id: str) -> tuple[CaseRow | None, CaseRow]:
        """The row before (None if new) and after; every other case row must be as it was."""
        others_before = {k: v for k, v in self.before.items() if k != case_id}
        others_after = {k: v for k, v in self.after.items() if k != case_id}
        assert others_after == others_before, f"a call on {case_id} changed other cases"
        return self.before.get(case_id), self.after[case_id]


class CaseStoreMachine(RuleBasedStateMachine):
    def __init__(self, county: County) -> None:
        super().__init__()
        reset(county)
        self.county, self.engine = county, county.engine
        self.households = sorted(county.households)
        h = t.households.c
        with self.engine.connect() as conn:  # the registry's division of each household (it does not change)
            self.divisions = dict(
                conn.execute(select(h.household_id, h.division_code).where(h.household_id.in_(self.households))).all()
            )
        self.now = START
        self.leads: list[Lead] = []
        self.case_ids: list[str] = []  # which ids exist, to draw from; their state is always read from the store

    # -- helpers

    def division_of_case(self, case_id: str) -> str:
        return case_rows(self.engine)[case_id].division_code

    def in_scope(self, actor: Actor, division: str) -> bool:
        return division.startswith(scope_prefix(actor.jurisdiction))

    def lead_takers(self, village: str) -> list[Actor]:
        return [a for a in self.county.actors if allows(a.role, Permission.LEAD_CREATE) and self.in_scope(a, village)]

    def draw_actor(self, data: st.DataObject, fitting: list[Actor]) -> Actor:
        """Mostly someone fitting (if anyone is), now and then anybody at all."""
        if fitting and data.draw(st.integers(0, 9), label="fitting?"):
            return data.draw(st.sampled_from(fitting), label="actor")
        return data.draw(st.sampled_from(self.county.actors), label="actor")

    def perform(
        self, call: Callable[[], Any], actor: Actor, division: str, permission: Permission, refused_as: str
    ) -> Outcome:
        """Run one service call and check what every call must: refusals audited and harmless, scope kept."""
        first = snapshot(self.engine)
        before, leads_before = first.cases, first.leads
        try:
            result, error = call(), None
        except DomainError as e:
            result, error = None, e
        then = snapshot(self.engine, since=first.seq)
        CALLS[action_of(error)] += 1
        out = Outcome(result, error, before, then.cases, leads_before, then.leads, then.events)
        permitted, inside = allows(actor.role, permission), self.in_scope(actor, division)
        if error is None:
            assert permitted and inside, f"{actor} got through {refused_as} outside their permission or scope"
            return out
        event(f"{refused_as} refused: {error.code}")
        assert out.after == before and out.leads_after == leads_before, f"refused ({error.code}) but the store changed"
        expected = "denied" if error.code in ACCESS_CODES else "failed"
        assert [(e.action, e.result, e.actor) for e in out.events] == [(refused_as, expected, actor.actor_id)]
        assert json.loads(out.events[0].detail) == {"code": error.code}
        if not permitted:
            assert error.code == "PERMISSION_DENIED"
        elif not inside:
            assert error.code in NOT_FOUND, f"out of scope must be not found, got {error.code}"
        else:
            assert error.code not in NOT_FOUND, f"{actor} is in scope but got {error.code}"
        return out

    def check_one_ok_event(self, out: Outcome, action: str, case_id: str, actor: Actor) -> dict[str, Any]:
        assert [(e.action, e.result, e.record, e.actor, e.role) for e in out.events] == [
            (action, "ok", case_ref(case_id), actor.actor_id, actor.role.value)
        ], f"expected one ok {action} event"
        return dict(json.loads(out.events[0].detail))

    # -- leads

    @rule(data=st.data(), channel=st.sampled_from(list(Channel)))
    def receive_a_lead(self, data: st.DataObject, channel: Channel) -> None:
        household = data.draw(st.sampled_from(self.households), label="household")
        village = self.county.households[household]
        actor = self.draw_actor(data, self.lead_takers(village))
        suggested = data.draw(st.none() | st.sampled_from(list(MonitoringCategory)), label="suggested category")
        codes = tuple(data.draw(st.lists(st.sampled_from(RISK_CODES), max_size=3, unique=True), label="codes"))
        lead = Lead(
            f"L{len(self.leads) + 1}", household, channel, self.now, source="测试",
            department="medical_insurance" if channel is Channel.DEPARTMENT_WARNING else "",
            suggested_category=suggested, suggested_risk_codes=codes,
        )  # fmt: skip
        self.leads.append(lead)
        self.deliver(lead, actor)

    @rule(data=st.data())
    def send_a_lead_again(self, data: st.DataObject) -> None:
        """A retry: the same lead (same id) arrives again; it must change nothing."""
        if not self.leads:
            return
        lead = data.draw(st.sampled_from(self.leads), label="lead")
        village = self.county.households[lead.household_id]
        self.deliver(lead, self.draw_actor(data, self.lead_takers(village)))

    def deliver(self, lead: Lead, actor: Actor) -> None:
        village = self.county.households[lead.household_id]
        out = self.perform(
            lambda: receive_lead(self.engine, lead, actor, calendar=CALENDAR),
            actor,
            village,
            Permission.LEAD_CREATE,
            "case.lead",
        )
        if out.error is not None:  # a lead from someone entitled is never lost
            assert not (allows(actor.role, Permission.LEAD_CREATE) and self.in_scope(actor, village)), out.error
            return
        case: Case = out.result
        known = {lead_id: case_id for lead_id, case_id, _ in out.leads_before}
        if lead.lead_id in known:  # a retry (a lead refused before is new when it comes again)
            event("lead retried")
            assert case.case_id == known[lead.lead_id] and out.after == out.before
            assert out.leads_after == out.leads_before
            # a retry returns the case it went into: a case read, so one ok event
            assert [(e.action, e.result) for e in out.events] == [("case.lead_retry", "ok")]
            return
        assert out.leads_after == out.leads_before | {(lead.lead_id, case.case_id, lead.household_id)}
        was_open = [k for k, r in out.before.items() if r.household_id == lead.household_id and not r.closed]
        old, new = out.only_changed(case.case_id)
        doc = case_store.from_document(new.document)
        assert new.household_id == lead.household_id and new.division_code == village and not new.closed
        assert doc.leads[-1] == lead and new.document == case_store.to_document(case)
        if was_open:
            event("lead merged")
            assert was_open == [case.case_id] and old is not None and new.version == old.version + 1
            assert case_store.from_document(old.document).leads == doc.leads[:-1]
            detail = self.check_one_ok_event(out, "case.merge_lead", case.case_id, actor)
        else:
            event("case opened")
            assert old is None and new.version == 1 and doc.leads == [lead] and doc.history == []
            assert new.state == workflow_by_key(new.workflow_id).initial
            detail = self.check_one_ok_event(out, "case.open", case.case_id, actor)
            self.case_ids.append(case.case_id)
        assert detail["lead"] == lead.lead_id and detail["channel"] == lead.channel.value

    # -- time

    @rule(hours=st.integers(0, 24 * 7))
    def time_passes(self, hours: int) -> None:
        self.wait(dt.timedelta(hours=hours))

    def wait(self, how_long: dt.timedelta) -> None:
        """Time only moves forward, and not past LATEST."""
        if how_long > dt.timedelta(0):
            self.now = min(self.now + how_long, max(self.now, LATEST))

    # -- workflow steps

    def act(
        self,
        case_id: str,
        action: str,
        actor: Actor,
        evidence: list[str],
        reason: str,
        category: MonitoringCategory | None,
        codes: list[str] | None,
    ) -> bool:
        division = self.division_of_case(case_id)

        def call() -> Case:
            kw = {"evidence": evidence, "reason": reason, "category": category, "risk_codes": codes}
            return act_on_case(self.engine, case_id, action, actor, at=self.now, calendar=CALENDAR, **kw)

        out = self.perform(call, actor, division, Permission.CASE_ACT, f"case.{action}")
        if out.error is not None:
            return False
        old, new = out.only_changed(case_id)
        assert old is not None and new.version == old.version + 1
        before, after = case_store.from_document(old.document), case_store.from_document(new.document)
        assert after.history[:-1] == before.history and len(after.history) == len(before.history) + 1
        tr = after.history[-1]
        assert (tr.action, tr.actor_id, tr.actor_role, tr.at) == (action, actor.actor_id, actor.role, self.now)
        assert new.document == case_store.to_document(out.result)
        detail = self.check_one_ok_event(out, f"case.{action}", case_id, actor)
        assert (detail["from"], detail["to"]) == (tr.source, tr.target)
        event(f"reached {tr.target}")
        return True

    def stored(self, case_id: str) -> tuple[Case, WorkflowDefinition, str]:
        row = case_rows(self.engine)[case_id]
        return case_store.from_document(row.document), workflow_by_key(row.workflow_id), row.division_code

    @rule(data=st.data())
    def follow_the_procedure(self, data: st.DataObject) -> None:
        """One of the steps the stored workflow offers now — mostly forward — by mostly the right person."""
        if not self.case_ids:
            return
        case_id = data.draw(st.sampled_from(self.case_ids), label="case")
        case, wf, division = self.stored(case_id)
        rules = wf.rules_from(case.state)
        if not rules:
            return
        forward = [r for r in rules if r.target in wf.path]
        r = data.draw(st.sampled_from(forward if forward and data.draw(st.integers(0, 3)) else rules), label="rule")
        fitting = [a for a in self.county.actors if a.role in r.roles and self.in_scope(a, division)]
        actor = self.draw_actor(data, fitting)
        evidence = list(r.evidence)
        if evidence and not data.draw(st.integers(0, 6), label="drop a document?"):
            evidence.remove(data.draw(st.sampled_from(evidence)))
        reason = "" if not data.draw(st.integers(0, 9), label="reason?") else "理由"
        category, codes = None, None
        if r.sets_codes:
            category = data.draw(st.sampled_from(list(MonitoringCategory)))
            codes = data.draw(st.lists(st.sampled_from(RISK_CODES), min_size=1, max_size=5, unique=True))
        self.act(case_id, r.action, actor, evidence, reason, category, codes)

    @rule(data=st.data(), steps=st.integers(1, 4))
    def diligent_clerk(self, data: st.DataObject, steps: int) -> None:
        """Entitled people who have not touched the file take the next steps, a day apart, with every document."""
        open_ids = [k for k in self.case_ids if not case_rows(self.engine)[k].closed]
        if not open_ids:
            return
        case_id = data.draw(st.sampled_from(open_ids), label="case")
        for _ in range(steps):
            case, wf, division = self.stored(case_id)
            forward = [r for r in wf.rules_from(case.state) if r.target in wf.path]
            if not forward:
                return
            r = forward[0]
            if r.after_notice:  # wait for the notice to end, or (refused) try on its last day
                last_day = wf.notice_last_day(local_date(case.entered_at()), CALENDAR)
                day = last_day + dt.timedelta(days=data.draw(st.integers(0, 1), label="after the notice?"))
                self.wait(dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC) - self.now)  # 09:00 in Beijing
            touched = {x.actor_id for x in case.current_pass(wf)} if r.review else set()
            fit = [a for a in self.county.actors if a.role in r.roles and self.in_scope(a, division)]
            fresh = [a for a in fit if a.actor_id not in touched]
            actor = data.draw(st.sampled_from(fresh or fit or list(self.county.actors)), label="clerk")
            codes = (MonitoringCategory.MARGINAL_AT_RISK, ["01"]) if r.sets_codes else (None, None)
            if not self.act(case_id, r.action, actor, list(r.evidence), "理由", *codes):
                return
            self.wait(dt.timedelta(days=1))

    @rule(data=st.data())
    def review_by_someone_who_already_acted(self, data: st.DataObject) -> None:
        """A review or approval by a person who took an earlier step of this pass, in another role."""
        if not self.case_ids:
            return
        case_id = data.draw(st.sampled_from(self.case_ids), label="case")
        case, wf, division = self.stored(case_id)
        touched = {x.actor_id for x in case.current_pass(wf)}
        reviews = [r for r in wf.rules_from(case.state) if r.review]
        if not reviews or case.closed:
            return
        r = data.draw(st.sampled_from(reviews), label="review")
        fit = [a for a in self.county.actors if a.role in r.roles and self.in_scope(a, division)]
        own = [a for a in fit if a.actor_id in touched]
        if not own:
            return
        actor = data.draw(st.sampled_from(own), label="reviewer")
        category, codes = (MonitoringCategory.MARGINAL_AT_RISK, ["01"]) if r.sets_codes else (None, None)
        assert not self.act(case_id, r.action, actor, list(r.evidence), "理由", category, codes), "self-approval"

    @rule(data=st.data())
    def skip_ahead(self, data: st.DataObject) -> None:
        """A later step taken now — by the right person, with every document — must not skip a level."""
        if not self.case_ids:
            return
        case_id = data.draw(st.sampled_from(self.case_ids), label="case")
        case, wf, division = self.stored(case_id)
        other = [r for r in wf.transitions if case.state not in r.sources]
        ahead = [r for r in other if r.target in wf.path]  # mostly a step of the path
        r = data.draw(st.sampled_from(ahead if data.draw(st.integers(0, 3)) else other), label="later step")
        fit = [a for a in self.county.actors if a.role in r.roles and self.in_scope(a, division)]
        actor = data.draw(st.sampled_from(fit or list(self.county.actors)), label="actor")
        codes = (MonitoringCategory.MARGINAL_AT_RISK, ["01"]) if r.sets_codes else (None, None)
        self.act(case_id, r.action, actor, list(r.evidence), "理由", *codes)  # the invariants judge a success

    @rule(data=st.data())
    def act_at_random(self, data: st.DataObject) -> None:
        if not self.case_ids:
            return
        case_id = data.draw(st.sampled_from(self.case_ids), label="case")
        action = data.draw(st.sampled_from(ACTIONS), label="action")
        actor = data.draw(st.sampled_from(self.county.actors), label="actor")
        evidence = data.draw(st.lists(st.sampled_from(DOCUMENTS), max_size=4), label="evidence")
        category = data.draw(st.none() | st.sampled_from(list(MonitoringCategory)), label="category")
        codes = data.draw(st.none() | st.lists(st.sampled_from([*RISK_CODES, "08"]), max_size=7), label="codes")
        reason = data.draw(st.sampled_from(["", "理由"]), label="reason")
        self.act(case_id, action, actor, evidence, reason, category, codes)

    @rule(data=st.data())
    def object_during_the_notice(self, data: st.DataObject) -> None:
        """An objection during the notice (or, refused, outside it), recorded by mostly the right person."""
        if not self.case_ids:
            return
        rows = case_rows(self.engine)
        noticed = [k for k in self.case_ids if rows[k].state == "publicizing"]
        case_id = data.draw(st.sampled_from(noticed or self.case_ids), label="case")
        self.objection(data, case_id, {"summary": "群众反映收入不实"})

    @rule(data=st.data())
    def answer_an_objection(self, data: st.DataObject) -> None:
        """The answer to an open objection (now and then to one that does not exist): upheld now and then."""
        rows = case_rows(self.engine)
        pending = {
            k: [o.objection_id for o in case_store.from_document(r.document).objections if o.is_open]
            for k, r in rows.items()
        }
        waiting = sorted(k for k, ids in pending.items() if ids)
        if not waiting:
            return
        case_id = data.draw(st.sampled_from(waiting), label="case")
        oid = data.draw(st.sampled_from(pending[case_id]) if data.draw(st.integers(0, 4)) else st.just("O0"))
        upheld = not data.draw(st.integers(0, 4), label="upheld?")
        self.objection(data, case_id, {"answer_to": oid, "answer": "已核实答复", "upheld": upheld})

    def objection(self, data: st.DataObject, case_id: str, kwargs: dict[str, Any]) -> None:
        _, wf, division = self.stored(case_id)
        answer_roles = wf.notice.answer_roles if wf.notice else frozenset()
        actor = self.draw_actor(
            data, [a for a in self.county.actors if a.role in answer_roles and self.in_scope(a, division)]
        )
        action = "case.objection_answer" if "answer_to" in kwargs else "case.objection"
        out = self.perform(
            lambda: record_objection(self.engine, case_id, actor, at=self.now, **kwargs),
            actor,
            division,
            Permission.CASE_ACT,
            action,
        )
        if out.error is not None:
            return
        old, new = out.only_changed(case_id)
        assert old is not None and new.version == old.version + 1 and new.state == old.state
        before, after = case_store.from_document(old.document), case_store.from_document(new.document)
        assert after.history == before.history and after.objections != before.objections
        detail = self.check_one_ok_event(out, action, case_id, actor)
        event(f"{action} ok (upheld={detail['upheld']})")

    # -- reading

    @rule(data=st.data())
    def look_at_a_case(self, data: st.DataObject) -> None:
        if not self.case_ids:
            return
        case_id = data.draw(st.sampled_from(self.case_ids), label="case")
        actor = data.draw(st.sampled_from(self.county.actors), label="reader")
        row = case_rows(self.engine)[case_id]
        out = self.perform(
            lambda: view_case(self.engine, case_id, actor, today=local_date(self.now), calendar=CALENDAR),
            actor,
            row.division_code,
            Permission.CASE_READ,
            "case.read",
        )
        if out.error is not None:  # whoever may read cases reads every case of their jurisdiction
            assert not (allows(actor.role, Permission.CASE_READ) and self.in_scope(actor, row.division_code)), out.error
            return
        assert out.after == out.before and out.leads_after == out.leads_before
        view = out.result
        assert case_store.to_document(view.case) == row.document and view.workflow.key == row.workflow_id
        assert view.division_code == row.division_code
        self.check_one_ok_event(out, "case.read", case_id, actor)

    @rule(data=st.data(), include_closed=st.booleans())
    def work_queue(self, data: st.DataObject, include_closed: bool) -> None:
        """The queue shows exactly the (open) cases of the actor's jurisdiction."""
        actor = data.draw(st.sampled_from(self.county.actors), label="reader")
        if not allows(actor.role, Permission.CASE_READ):
            with pytest.raises(DomainError) as e:
                list_cases(self.engine, actor, today=local_date(self.now), include_closed=include_closed)
            assert e.value.code == "PERMISSION_DENIED"
            return
        queue = list_cases(self.engine, actor, today=local_date(self.now), include_closed=include_closed)
        expected = {
            k
            for k, r in case_rows(self.engine).items()
            if self.in_scope(actor, r.division_code) and (include_closed or not r.closed)
        }
        assert sorted(q.case_id for q in queue) == sorted(expected)

    # -- invariants, read back from the store

    @invariant()
    def the_store_keeps_every_invariant(self) -> None:
        c = t.cases.c
        twice = select(c.household_id).where(c.closed.is_(False)).group_by(c.household_id).having(func.count() > 1)
        with self.engine.connect() as conn:
            assert conn.execute(twice).all() == [], "a household with two open cases"
            rows, leads = _cases(conn), _leads(conn)
        for case_id, row in rows.items():
            case = case_store.from_document(row.document)
            wf = workflow_by_key(row.workflow_id)
            assert case.case_id == case_id and case.household_id == row.household_id
            assert (case.state, case.closed) == (row.state, row.closed), f"{case_id}: columns disagree with document"
            assert row.division_code == self.divisions[row.household_id]
            assert {x.lead_id for x in case.leads} == {lead for lead, k, _ in leads if k == case_id}
            assert row.version >= 1 + len(case.history)
            check_history(case, wf)

    def teardown(self) -> None:
        count, problems = audit_store.verify(self.engine, sm3)
        assert problems == [] and count == snapshot(self.engine).seq
        e = t.audit_events.c
        with self.engine.connect() as conn:
            query = select(e.record, e.action, e.detail).where(e.result == "ok", e.action.startswith("case."))
            ok = conn.execute(query.order_by(e.seq)).all()
        for case_id, row in case_rows(self.engine).items():
            steps = [
                (a, json.loads(d)["from"], json.loads(d)["to"])
                for r, a, d in ok
                if r == case_ref(case_id) and a not in NOT_TRANSITIONS
            ]
            history = case_store.from_document(row.document).history
            assert steps == [(f"case.{x.action}", x.source, x.target) for x in history], f"{case_id}: audit vs history"
