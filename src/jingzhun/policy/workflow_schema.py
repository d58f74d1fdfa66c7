"""Case procedures as versioned YAML: the file format, overrides, and ``load_workflow`` → ``WorkflowDefinition``.

The steps, roles, evidence, notice period and time limits of identification and risk
elimination (policy notes §4, §5) differ between provinces and change with notices, so they are
policy data like the screening packs (``docs/policy-guide.md``): shipped national defaults in
``jingzhun/policy/workflows/*.yaml``, each with an id, a quoted version and an effective date,
and comments citing the sources.

A province that changes only a few things (Anhui and Hainan: 20 working days for the whole
procedure) writes an **override** instead of a copy, so a later fix to the national steps
reaches it: ``extends: identification`` plus its own ``scope``, ``version``, ``title``,
``document`` and window, and only the content keys it changes. Top-level keys replace the
base's (``deadline``, ``notice``, ``warnings``, ``path``, ``transitions`` whole); ``states`` is
merged per state name (a state given replaces that state, ``null`` removes it). The result keeps
the base's id — it is the same procedure — and is validated exactly like a full file. Which
base an override extends is decided in ``workflow_registry``.

A file is checked in two layers and every problem is reported as ``FILE:LINE: field: CODE
message``: the shape (pydantic; unknown fields, unquoted versions, unknown roles →
POLICY_SCHEMA), then the soundness of the procedure (``domain.workflow.definition_problems``:
undefined states, a transition that would skip a step, a read-only role acting →
WORKFLOW_DEFINITION). A problem in an override's merged result is reported in the override
file: at the key it wrote, or at its ``extends`` line when the key came from the base. Every
transition later records the workflow id, version and the content hash computed here (sha256
over the validated — for an override, merged — content, so comments and layout do not count).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, WorkflowDefinition, definition_problems
from jingzhun.policy.errors import Issue, PolicyError
from jingzhun.policy.loader import Loc, Locator, _parse_yaml, field_name
from jingzhun.policy.schema import pydantic_message

NAME = r"^[a-z][a-z0-9_]{0,62}$"
WORKFLOW_ID = r"^[a-z][a-z0-9_-]{1,62}$"
VERSION = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$"  # it is part of the key: no spaces, no "@"
SUFFIXES = (".yaml", ".yml")


def _scope(value: str) -> str:
    """A division-code prefix; ``340000`` for Anhui is refused, since no household code starts with it."""
    if value and (not value.isdigit() or len(value) not in (2, 4, 6, 9, 12)):
        raise ValueError(f'scope 应为 2、4、6、9 或 12 位区划代码前缀（安徽写 "34"），实际为 {value!r}')
    last = {2: value[:2], 4: value[2:], 6: value[4:], 9: value[6:], 12: value[9:]}.get(len(value), "1")
    if value and set(last) == {"0"}:
        short = value.rstrip("0")
        raise ValueError(f"scope 写区划代码的前缀，不补零：{value!r} 应写作 {short[: len(short) + len(short) % 2]!r}")
    return value


def _not_blank(message: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value.strip():
            raise ValueError(message)
        return value

    return AfterValidator(check)


Scope = Annotated[StrictStr, AfterValidator(_scope)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DurationSpec(_Strict):
    days: StrictInt = Field(ge=0, le=3660)
    kind: Literal["calendar", "working"] = "calendar"
    roll_forward: StrictBool = False  # 民法典第二百零三条: a last day off work moves to the next workday

    @model_validator(mode="after")
    def _roll_only_calendar_days(self) -> DurationSpec:
        if self.roll_forward and self.kind == "working":
            raise ValueError("roll_forward 只适用于 kind: calendar（按工作日计算的期限本来就止于工作日）")
        return self


class StateSpec(_Strict):
    label: StrictStr
    kind: Literal["procedure", "open", "closed"] = "procedure"
    deadline: DurationSpec | None = None
    allows_measures: StrictBool = False
    risk_eliminated: StrictBool = False


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
    after_tracking: StrictBool = False
    gate: Literal["elimination"] | None = None  # a check the service makes before the step (the criteria)


class TrackingSpec(_Strict):
    """先跟踪、再脱钩: the state a case is tracked in, and for how many months at least."""

    state: StrictStr
    months: StrictInt = Field(ge=0, le=120)


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
    id: str = Field(pattern=WORKFLOW_ID)
    scope: Scope = ""
    version: str = Field(pattern=VERSION)
    title: StrictStr
    effective_from: dt.date
    effective_to: dt.date | None
    document: StrictStr = ""
    max_risk_codes: StrictInt = Field(default=5, ge=1, le=5)
    initial: StrictStr
    path: list[str] = Field(min_length=1)
    states: dict[str, StateSpec] = Field(min_length=1)
    notice: NoticeSpec | None = None
    tracking: TrackingSpec | None = None
    deadline: DeadlineSpec | None = None
    warnings: WarningsSpec | None = None
    transitions: list[TransitionSpec] = Field(min_length=1)


class OverrideSpec(_Strict):
    """A provincial (or county) variant: what identifies it, and only the content it changes."""

    extends: str = Field(pattern=WORKFLOW_ID)  # the base's id, which the variant keeps
    scope: Annotated[Scope, _not_blank("覆盖文件是地方变体，scope 不能为空（全国程序请写完整的文件）")]
    version: str = Field(pattern=VERSION)
    title: StrictStr
    effective_from: dt.date
    effective_to: dt.date | None
    document: Annotated[StrictStr, _not_blank("写明地方变体所依据的文件")]  # a variant exists because of one
    max_risk_codes: StrictInt | None = Field(default=None, ge=1, le=5)
    initial: StrictStr | None = None
    path: list[str] | None = Field(default=None, min_length=1)
    states: dict[str, StateSpec | None] | None = None
    notice: NoticeSpec | None = None
    tracking: TrackingSpec | None = None
    deadline: DeadlineSpec | None = None
    warnings: WarningsSpec | None = None
    transitions: list[TransitionSpec] | None = Field(default=None, min_length=1)


@dataclass(frozen=True, slots=True)
class WorkflowFile:
    """One workflow file, parsed and shape-checked: a full definition, or an override (``extends``)."""

    data: dict[str, Any]
    where: Locator
    override: OverrideSpec | None = None

    @property
    def file(self) -> str:
        return self.where.file

    def issue(self, loc: Loc, code: str, message: str) -> Issue:
        """An issue in this file; for an override, a key it did not write (id included) is shown at ``extends``."""
        if self.override is None:
            return self.where.issue(loc, code, message)
        at: Loc = loc if loc[:1] in self.where.lines else ("extends",)
        return Issue(code, message, self.file, self.where.line_of(at), field_name(loc))


# Fields added after workflows were released, with their defaults: hashed only when a file sets
# them, so the content hash of every released definition — which cases and transitions record —
# stays what it was (``tests/unit/policy/test_workflow_versions.py``).
LATER_FIELDS: dict[str, dict[str, Any]] = {
    "": {"tracking": None},
    "states": {"risk_eliminated": False},
    "transitions": {"after_tracking": False, "gate": None},
}


def _without_later_defaults(data: dict[str, Any]) -> dict[str, Any]:
    def drop(item: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if not (k in defaults and v == defaults[k])}

    out = drop(data, LATER_FIELDS[""])
    out["states"] = {k: drop(v, LATER_FIELDS["states"]) for k, v in out["states"].items()}
    out["transitions"] = [drop(t, LATER_FIELDS["transitions"]) for t in out["transitions"]]
    return out


def content_hash(spec: WorkflowSpec) -> str:
    data = _without_later_defaults(spec.model_dump(mode="json", by_alias=True))
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_workflow_text(text: str, file: str) -> WorkflowFile:
    """Parse one file and check an override's own shape (a full file's is checked by ``build_workflow``)."""
    data, lines = _parse_yaml(text, file)
    source = WorkflowFile(data, Locator(file, lines))
    if "extends" not in data:
        return source
    try:
        override = OverrideSpec.model_validate(data)
    except ValidationError as e:
        raise _schema_error(e, source) from None
    return WorkflowFile(data, source.where, override)


def merge_override(base: WorkflowSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """The base's content with the override's keys over it: ``states`` per name, the rest whole."""
    out = base.model_dump(mode="python", by_alias=True)
    out["id"] = data["extends"]
    for key, value in data.items():
        if key == "extends":
            continue
        if key == "states" and isinstance(value, Mapping):
            states = {**out["states"], **value}
            value = {name: state for name, state in states.items() if state is not None}
        out[key] = value
    return out


def build_workflow(source: WorkflowFile, base: WorkflowSpec | None = None) -> tuple[WorkflowSpec, WorkflowDefinition]:
    """Validate a full file, or an override merged over ``base``; every problem located in ``source``."""
    if source.override is not None and base is None:
        raise ValueError("an override is built over its base")  # a caller's bug, not a policy problem
    data = source.data if base is None else merge_override(base, source.data)
    try:
        spec = WorkflowSpec.model_validate(data)
    except ValidationError as e:
        raise _schema_error(e, source) from None
    plain = spec.model_dump(mode="python", by_alias=True, exclude_none=True)
    try:
        wf = WorkflowDefinition.from_dict(plain, content_hash=content_hash(spec), check=False)
    except DomainError as e:  # the shape passed pydantic, so this is a value the domain refuses
        top = (e.field or "").split(".")[0].split("[")[0]  # located at its top-level key, named in full
        issue = source.issue((top,) if top else (), "WORKFLOW_DEFINITION", e.message)
        raise PolicyError.of([replace(issue, field=e.field or issue.field)]) from None
    problems = definition_problems(wf)
    if problems:
        raise PolicyError.of([source.issue(p.loc, "WORKFLOW_DEFINITION", p.message) for p in problems])
    return spec, wf


def _schema_error(e: ValidationError, source: WorkflowFile) -> PolicyError:
    return PolicyError.of(
        [source.issue(tuple(err["loc"]), "POLICY_SCHEMA", pydantic_message(err)) for err in e.errors()]
    )


def load_workflow_text(
    text: str, file: str, *, base_of: Callable[[WorkflowFile], WorkflowSpec] | None = None
) -> WorkflowDefinition:
    """Validate one workflow file's text; raise ``PolicyError`` listing every problem in it.

    An override is merged over the base ``base_of`` picks; by default the shipped definition it
    extends (``workflow_registry.WorkflowSet.base_for``).
    """
    source = read_workflow_text(text, file)
    if source.override is None:
        return build_workflow(source)[1]
    if base_of is None:
        # imported here, not at the top: the registry is built from this module's loaders
        from jingzhun.policy.workflow_registry import shipped_set

        base_of = shipped_set().base_for
    return build_workflow(source, base_of(source))[1]


def _is_path(path_or_id: str | Path) -> bool:
    return isinstance(path_or_id, Path) or str(path_or_id).endswith(SUFFIXES) or "/" in str(path_or_id)


def load_workflow(path_or_id: str | Path) -> WorkflowDefinition:
    """A workflow from a YAML file, or the shipped **national** one by id (``identification``, ``elimination``).

    For the definition that applies to a place on a day use ``workflow_registry.resolve_workflow``.
    """
    if _is_path(path_or_id):
        p = Path(path_or_id)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise PolicyError("POLICY_NOT_FOUND", f"无法读取程序定义文件：{e}", file=str(p)) from None
        return load_workflow_text(text, str(p))
    from jingzhun.policy.workflow_registry import shipped_set  # not at the top: see load_workflow_text

    return shipped_set().national(str(path_or_id))


def shipped_workflows() -> Mapping[str, WorkflowDefinition]:
    """Shipped id → its national definition (kept for callers that predate provincial variants)."""
    from jingzhun.policy.workflow_registry import shipped_workflows as national  # see load_workflow_text

    return national()
