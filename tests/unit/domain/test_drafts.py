"""Visit drafts in the domain: every value that can be kept is kept; the ones that cannot are named."""

from __future__ import annotations

import pytest

from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.drafts import MAX_REASON_CHARS, CasePoint, VisitDraft, clean_draft, is_stale
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, TransitionRule

VISIT = TransitionRule(
    action="submit_verification", label="提交入户核实", sources=frozenset({"verifying"}), target="comparing",
    roles=frozenset({Role.VILLAGE_CADRE}), evidence=("verification_form", "signed_consent"), sets_codes=True,
)  # fmt: skip
ACCEPT = TransitionRule("accept", "受理线索", frozenset({"lead"}), "verifying", frozenset({Role.VILLAGE_CADRE}))


def test_a_half_filled_visit_form_is_a_valid_draft():
    draft, problems = clean_draft(VISIT, category="marginal_at_risk", risk_codes=["01"], evidence=["signed_consent"])
    assert problems == ()
    assert draft == VisitDraft("submit_verification", MonitoringCategory.MARGINAL_AT_RISK, ("01",), ("signed_consent",))


def test_an_empty_draft_is_kept_too():
    draft, problems = clean_draft(VISIT)
    assert (draft, problems) == (VisitDraft("submit_verification"), ())


def test_the_reason_is_kept_exactly_as_typed():
    typed = "  户主住院，\n儿子外出务工  "
    assert clean_draft(VISIT, reason=typed)[0].reason == typed


def test_an_unknown_risk_code_is_left_out_and_named_while_the_rest_is_kept():
    draft, problems = clean_draft(
        VISIT, category="sudden_hardship", risk_codes=["01", "88", "01", "03"], evidence=["verification_form"],
        reason="因病",
    )  # fmt: skip
    assert draft.risk_codes == ("01", "03") and draft.category is MonitoringCategory.SUDDEN_HARDSHIP
    assert draft.evidence == ("verification_form",) and draft.reason == "因病"
    assert [(p.code, p.field) for p in problems] == [("RISK_CODE_UNKNOWN", "risk_codes")]
    assert "88" in problems[0].message and "未保存" in problems[0].message


def test_an_unknown_category_is_left_out_and_named():
    draft, problems = clean_draft(VISIT, category="rich", risk_codes=["01"])
    assert draft.category is None and draft.risk_codes == ("01",)
    assert [p.code for p in problems] == ["CATEGORY_UNKNOWN"]


def test_a_document_the_step_does_not_ask_for_is_left_out():
    draft, problems = clean_draft(VISIT, evidence=["signed_consent", "county_approval_document"])
    assert draft.evidence == ("signed_consent",)
    assert [p.code for p in problems] == ["EVIDENCE_UNKNOWN"] and "县级审批文件" in problems[0].message


def test_codes_on_a_step_that_does_not_set_them_are_left_out():
    draft, problems = clean_draft(ACCEPT, category="marginal_at_risk", risk_codes=["01"], reason="已电话联系")
    assert draft == VisitDraft("accept", reason="已电话联系")
    assert [p.code for p in problems] == ["CODES_NOT_ALLOWED"]


def test_more_risk_codes_than_a_step_allows_are_kept_for_the_step_to_refuse():
    codes = ["01", "03", "04", "05", "06", "07"]
    draft, problems = clean_draft(VISIT, risk_codes=codes)
    assert draft.risk_codes == tuple(codes) and problems == ()


def test_a_reason_longer_than_the_form_allows_is_refused_with_its_length():
    with pytest.raises(DomainError) as e:
        clean_draft(VISIT, reason="字" * (MAX_REASON_CHARS + 1))
    assert e.value.code == "DRAFT_TOO_LARGE" and str(MAX_REASON_CHARS + 1) in e.value.message


def test_a_draft_is_stale_once_any_step_was_recorded_even_back_to_the_same_state():
    saved = CasePoint("verifying", 1)
    assert not is_stale(saved, CasePoint("verifying", 1))
    assert is_stale(saved, CasePoint("comparing", 2))
    assert is_stale(saved, CasePoint("verifying", 4))  # returned and resumed: the visit is to be redone
