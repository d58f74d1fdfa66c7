"""Who may do what: permissions per role, and the jurisdiction a user's scope covers.

Least privilege and separation of duties (等保 2.0 level 3, ``shared/design/security.md``): the
administrator manages accounts but reads no person record and moves no case; the auditor reads
the audit log and nothing else; an assistance partner sees nothing of the registry until plans
assign it households (issue 6). Which *workflow step* a role may take is the workflow's business
(``workflow.TransitionRule.roles``); this table only says whether the role works on cases at all.

Scope is a division-code prefix (``scope_prefix``): a village user sees one village, a township
user its villages, and so on. Services put the prefix inside their queries, so out of scope is
simply *not found* — a user never learns that a record exists elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import DivisionCode, DivisionLevel
from jingzhun.domain.workflow import Role

ROLE_LABELS: Mapping[Role, str] = MappingProxyType(
    {
        Role.VILLAGE_CADRE: "村干部/帮扶联系人",
        Role.TOWNSHIP_REVIEWER: "乡镇审核人",
        Role.COUNTY_APPROVER: "县级审批人",
        Role.DEPARTMENT_DATA_OFFICER: "部门数据专员",
        Role.ASSISTANCE_PARTNER: "帮扶力量",
        Role.AUDITOR: "审计员",
        Role.ADMINISTRATOR: "管理员",
    }
)


class Permission(StrEnum):
    CASE_READ = "case.read"  # see cases and their timelines
    CASE_ACT = "case.act"  # take workflow steps (the workflow says which)
    LEAD_CREATE = "lead.create"  # record a lead from any channel
    HOUSEHOLD_READ = "household.read"  # read a household and its members (person records), masked
    PERSON_UNMASK = "person.unmask"  # see full ID numbers and phones, with a reason, audited
    AUDIT_READ = "audit.read"  # read the audit log
    USER_MANAGE = "user.manage"  # create and deactivate accounts
    DEADLINE_REPORT = "deadline.report"  # run and read the overdue report
    PLAN_READ = "plan.read"  # read a household's plan (一户一策) and its recommendations
    PLAN_EDIT = "plan.edit"  # add, change and move plan measures; record effect reviews
    CHAIN_REPORT = "chain.report"  # run and read the assistance chain's duplicate/omission checks


_CASEWORK = frozenset(
    {
        Permission.CASE_READ,
        Permission.CASE_ACT,
        Permission.LEAD_CREATE,
        Permission.HOUSEHOLD_READ,
        Permission.DEADLINE_REPORT,
        Permission.PLAN_READ,
        Permission.CHAIN_REPORT,
    }
)
# Plans are made by the caseworkers who know the household; the department officer reads them
# and the chain report (a duplicate is often a department's record) but does not plan.
_PLANNING = frozenset({Permission.PLAN_EDIT})
# Full ID numbers are needed for payments, insurance and school records — by the caseworkers who
# file them, not by the department officer, who compares data by its own systems.
_UNMASK = frozenset({Permission.PERSON_UNMASK})

GRANTS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.VILLAGE_CADRE: _CASEWORK | _UNMASK | _PLANNING,
        Role.TOWNSHIP_REVIEWER: _CASEWORK | _UNMASK | _PLANNING,
        Role.COUNTY_APPROVER: _CASEWORK | _UNMASK | _PLANNING,
        Role.DEPARTMENT_DATA_OFFICER: _CASEWORK,
        Role.ASSISTANCE_PARTNER: frozenset(),
        Role.AUDITOR: frozenset({Permission.AUDIT_READ}),
        Role.ADMINISTRATOR: frozenset({Permission.USER_MANAGE}),
    }
)

# Denials that are about who asks (audited as "denied"), as opposed to a refused step ("failed").
ACCESS_CODES = frozenset(
    {
        "PERMISSION_DENIED",
        "ROLE_NOT_ALLOWED",
        "SELF_APPROVAL",
        "CASE_NOT_FOUND",
        "HOUSEHOLD_NOT_FOUND",
        "VILLAGE_NOT_FOUND",
        "ATTACHMENT_NOT_FOUND",
        "PLAN_NOT_FOUND",
    }
)


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS.get(role, frozenset())


def require(role: Role, permission: Permission) -> None:
    """Raise PERMISSION_DENIED unless ``role`` holds ``permission``."""
    if not allows(role, permission):
        raise DomainError("PERMISSION_DENIED", f"角色 {role.value} 无权执行 {permission.value}")


def scope_prefix(jurisdiction: str) -> str:
    """``532328000000`` → ``532328``: the division-code prefix a jurisdiction covers.

    The prefix is the code cut at its level (2, 4, 6, 9 or 12 digits), so ``532328100000``
    (a township) covers ``532328100xxx`` and not ``5323281`` followed by anything else.
    """
    code = DivisionCode(jurisdiction.ljust(12, "0"))  # "532328" and "532328000000" are the same county
    return code.value[: _SPANS[code.level]]


_SPANS = {
    DivisionLevel.PROVINCE: 2,
    DivisionLevel.PREFECTURE: 4,
    DivisionLevel.COUNTY: 6,
    DivisionLevel.TOWNSHIP: 9,
    DivisionLevel.VILLAGE: 12,
}


def within(outer: str, inner: str) -> bool:
    """Whether jurisdiction ``inner`` lies inside ``outer`` (both 12-digit codes)."""
    return scope_prefix(inner).startswith(scope_prefix(outer))
