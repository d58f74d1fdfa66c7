"""Case procedures as versioned YAML: the file format, and ``load_workflow`` → ``WorkflowDefinition``.

The steps, roles, evidence, notice period and time limits of identification and risk
elimination (policy notes §4, §5) differ between provinces and change with notices, so they are
policy data like the screening packs (``docs/policy-guide.md``): shipped national defaults in
``jingzhun/policy/workflows/*.yaml``, each with an id, a quoted version and an effective date,
and comments citing the sources.

A file is checked in two layers and every problem is reported as ``FILE:LINE: field: CODE
message``: the shape (pydantic; unknown fields, unquoted versions, unknown roles →
POLICY_SCHEMA), then the soundness of the procedure (``domain.workflow.definition_problems``:
undefined states, a transition that would skip a step, a read-only role acting →
WORKFLOW_DEFINITION). Every transition later records the workflow id, version and the content
hash computed here (sha256 over the validated content, so comments and layout do not count).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, WorkflowDefinition, definition_problems
from jingzhun.policy.errors import Issue, PolicyError
from jingzhun.policy.loader import Locator, _parse_yaml
from jingzhun.policy.schema import pydantic_message

NAME = r"^[a-z][a-z0-9_]{0,62}$"
SUFFIXES = (".yaml", ".yml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DurationSpec(_Strict):
    days: StrictInt = Field(ge=0, le=3660)
    kind: Literal["calendar", "working"] = "calendar"


class StateSpec(_Strict):
    label: StrictStr
    kind: Literal["procedure", "open", "closed"] = "procedure"
    deadline: DurationSpec | None = None
    allows_measures: StrictBool = False


class TransitionSpec(_Strict):
    action: str = Field(pattern=NAME)
    label: StrictStr = ""
    from_: list[str] = Field(alias="from", min_length=1)
    to: StrictStr
    roles: list[Role] = Field(min_length=1)
    evidence: list[str] = Field(default_factory=list)
    reason: StrictBool = False
    review: StrictBool = False
    decision: StrictBool = False
    sets_codes: StrictBool = False
    after_notice: StrictBool = False


class NoticeSpec(DurationSpec):
    state: StrictStr
    first_day_counts: StrictBool = True
    answer_roles: list[Role] = Field(default_factory=list)


class DeadlineSpec(DurationSpec):
    starts_at: StrictStr | None = None
    stops_at: list[str] = Field(min_length=1)


class WarningsSpec(_Strict):
    due_soon: DurationSpec
    escalate_after: DurationSpec


class WorkflowSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,62}$")
    version: StrictStr
    title: StrictStr
    effective_from: dt.date
    effective_to: dt.date | None
    document: StrictStr = ""
    max_risk_codes: StrictInt = Field(default=5, ge=1, le=5)
    initial: StrictStr
    path: list[str] = Field(min_length=1)
    states: dict[str, StateSpec] = Field(min_length=1)
    notice: NoticeSpec | None = None
    deadline: DeadlineSpec | None = None
    warnings: WarningsSpec | None = None
    transitions: list[TransitionSpec] = Field(min_length=1)


def content_hash(spec: WorkflowSpec) -> str:
    canonical = json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_workflow_text(text: str, file: str) -> WorkflowDefinition:
    """Validate one workflow file's text; raise ``PolicyError`` listing every problem in it."""
    data, lines = _parse_yaml(text, file)
    where = Locator(file, lines)
    try:
        spec = WorkflowSpec.model_validate(data)
    except ValidationError as e:
        raise PolicyError.of(
            [where.issue(tuple(err["loc"]), "POLICY_SCHEMA", pydantic_message(err)) for err in e.errors()]
        ) from None
    plain = spec.model_dump(mode="python", by_alias=True, exclude_none=True)
    try:
        wf = WorkflowDefinition.from_dict(plain, content_hash=content_hash(spec), check=False)
    except DomainError as e:  # the shape passed pydantic, so this is a value the domain refuses
        line = where.line_of(())
        raise PolicyError("WORKFLOW_DEFINITION", e.message, file=file, line=line, field=e.field or "") from None
    problems = definition_problems(wf)
    if problems:
        raise PolicyError.of([where.issue(p.loc, "WORKFLOW_DEFINITION", p.message) for p in problems])
    return wf


def _is_path(path_or_id: str | Path) -> bool:
    return isinstance(path_or_id, Path) or str(path_or_id).endswith(SUFFIXES) or "/" in str(path_or_id)


def load_workflow(path_or_id: str | Path) -> WorkflowDefinition:
    """A workflow from a YAML file, or a shipped one by id (``identification``, ``elimination``)."""
    if _is_path(path_or_id):
        p = Path(path_or_id)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise PolicyError("POLICY_NOT_FOUND", f"无法读取程序定义文件：{e}", file=str(p)) from None
        return load_workflow_text(text, str(p))
    shipped = shipped_workflows()
    if path_or_id not in shipped:
        known = "、".join(sorted(shipped))
        raise PolicyError("POLICY_NOT_FOUND", f"没有 id 为 {path_or_id} 的程序定义（内置：{known}）")
    return shipped[str(path_or_id)]


@cache
def shipped_workflows() -> Mapping[str, WorkflowDefinition]:
    """The workflows in ``jingzhun/policy/workflows``; a broken shipped file is a release bug and raises."""
    root = resources.files("jingzhun.policy").joinpath("workflows")
    out: dict[str, WorkflowDefinition] = {}
    issues: list[Issue] = []
    for entry in sorted(root.iterdir(), key=lambda t: t.name):
        if entry.is_file() and entry.name.endswith(SUFFIXES):
            try:
                wf = load_workflow_text(entry.read_text(encoding="utf-8"), str(entry))
            except PolicyError as e:
                issues += e.issues
                continue
            if wf.id in out:
                issues.append(Issue("POLICY_SCHEMA", f"程序定义 id {wf.id} 重复", str(entry)))
            out[wf.id] = wf
    if issues:
        raise PolicyError.of(issues)
    return MappingProxyType(out)
