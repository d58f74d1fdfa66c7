"""The documents a procedure step may require, by key, with the names cadres know them by.

Workflow files name documents by key (``evidence: [verification_form, signed_consent]``); pages,
checklists and the timeline show these names. An unknown key is shown as itself, so a
province's own document still works before it is added here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DOCUMENT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "verification_form": "防止返贫动态监测排查表（入户核实）",
        "signed_consent": "承诺授权书（农户签字）",
        "asset_comparison": "信息比对结果（车辆、房产、工商、财政供养等）",
        "village_review_minutes": "村级民主评议记录",
        "publicity_record": "公示记录（含公示照片、起止日期）",
        "township_review_opinion": "乡镇审核意见",
        "county_approval_document": "县级审批文件",
        "announcement_record": "结果公告记录",
        "rejection_notice": "不予纳入告知书（书面告知农户）",
        "withdrawal_statement": "农户撤回申请书",
        "elimination_verification_form": "风险消除入户核实表",
        "tracking_record": "跟踪监测记录",
    }
)


def document_label(key: str) -> str:
    return DOCUMENT_LABELS.get(key, key)
