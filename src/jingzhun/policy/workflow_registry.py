"""Which case procedure applies: the shipped workflow definitions by place and day, and by key.

Several definitions share an id — the national identification procedure and the Anhui and
Hainan variants (policy notes §4: the whole procedure within 20 working days [L]), and later
versions of each. A case is opened under the one in force on the day of its first lead whose
scope is the longest prefix of the household's division code (a county variant beats its
province's, which beats the national one) — ``resolve_workflow`` — and stores its ``key``
(``identification@34@2024.1``); ``workflow_by_key`` finds that exact definition again, so a
new version never changes the rules of a procedure already running.

An override's base is chosen the same way, once, when the files are loaded: the definition
with the id it ``extends``, in force on its ``effective_from``, whose scope is the longest
*proper* prefix of its own (so a county variant builds on its province's variant when there is
one). The override's window must lie inside the base's: when the base is replaced by a new
version, the province writes a new override instead of silently inheriting a different one.

Checked when the set is built, so a bad file fails the release and not a case: every file
loads; each override finds its base; no two definitions share a key (POLICY_SCHEMA); no two of
the same id and scope are in force on the same day (POLICY_OVERLAP — otherwise the choice would
depend on file order).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.domain.workflow import WorkflowDefinition
from jingzhun.policy.errors import Issue, PolicyError
from jingzhun.policy.workflow_schema import SUFFIXES, WorkflowFile, WorkflowSpec, build_workflow, read_workflow_text


@dataclass(frozen=True, slots=True)
class Entry:
    """One loaded definition with its validated content (a later override merges over ``spec``)."""

    spec: WorkflowSpec
    definition: WorkflowDefinition
    source: WorkflowFile


class WorkflowSet:
    """An immutable, checked set of workflow definitions. Build with ``build_workflow_set``."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        issues = set_problems(entries)
        if issues:
            raise PolicyError.of(issues)
        order = sorted(entries, key=lambda e: (e.definition.id, e.definition.scope, e.definition.effective_from))
        self._entries = tuple(order)
        self._by_key = {e.definition.key: e.definition for e in order}

    @property
    def definitions(self) -> tuple[WorkflowDefinition, ...]:
        return tuple(e.definition for e in self._entries)

    def resolve(self, workflow_id: str, division_code: str, on: dt.date) -> WorkflowDefinition:
        """The definition of ``workflow_id`` in force on ``on`` with the most specific scope containing the place."""
        if isinstance(on, dt.datetime):
            raise TypeError("resolve takes a date; convert a timestamp with domain.deadlines.local_date")
        code = division_code.strip()
        if code and (not code.isdigit() or len(code) not in (2, 4, 6, 9, 12)):
            raise PolicyError("POLICY_NOT_FOUND", f"区划代码“{division_code}”无效：应为 2、4、6、9 或 12 位数字")
        fits = [w for w in self.definitions if w.id == workflow_id and w.in_force(on) and code.startswith(w.scope)]
        if not fits:
            place = f"区划 {code}" if code else "全国"
            raise PolicyError("POLICY_NOT_FOUND", f"{on} 没有适用于{place}的程序定义 {workflow_id}（{self._known()}）")
        return max(fits, key=lambda w: len(w.scope))

    def by_key(self, key: str) -> WorkflowDefinition:
        try:
            return self._by_key[key]
        except KeyError:
            message = f"找不到程序定义 {key}：本版本没有内置该程序版本（{self._known()}）"
            raise PolicyError("POLICY_NOT_FOUND", message) from None

    def national(self, workflow_id: str) -> WorkflowDefinition:
        """The national definition of an id: the one in force today (China), else the latest."""
        own = [w for w in self.definitions if w.id == workflow_id and not w.scope]
        if not own:
            raise PolicyError("POLICY_NOT_FOUND", f"没有 id 为 {workflow_id} 的全国程序定义（{self._known()}）")
        today = dt.datetime.now(CHINA_TZ).date()
        return next((w for w in own if w.in_force(today)), own[-1])

    def base_for(self, source: WorkflowFile) -> WorkflowSpec:
        """The content an override merges over; POLICY_EXTENDS located in the override when there is none."""
        return _base(self._entries, source).spec

    def _known(self) -> str:
        return "内置：" + "、".join(self._by_key)


def set_problems(entries: Sequence[Entry]) -> list[Issue]:
    """Duplicate keys, and definitions of one id and scope whose windows overlap."""
    issues: list[Issue] = []
    seen: dict[str, Entry] = {}
    for e in entries:
        key = e.definition.key
        if key in seen:
            message = f"程序定义 {key} 重复（另见 {seen[key].source.file}）：同一范围的新版本须使用新的 version"
            issues.append(e.source.issue(("version",), "POLICY_SCHEMA", message))
        seen.setdefault(key, e)
    groups: dict[tuple[str, str], list[Entry]] = {}
    for e in seen.values():
        groups.setdefault((e.definition.id, e.definition.scope), []).append(e)
    for group in groups.values():
        group.sort(key=lambda e: e.definition.effective_from)
        for before, after in itertools.pairwise(group):
            end = before.definition.effective_to
            if end is None or end >= after.definition.effective_from:
                message = (
                    f"与 {before.definition.key}（{before.source.file}）的生效期重叠："
                    "同一程序、同一范围在同一天只能有一个版本生效"
                )
                issues.append(after.source.issue(("effective_from",), "POLICY_OVERLAP", message))
    return issues


def _base(entries: Iterable[Entry], source: WorkflowFile) -> Entry:
    over = source.override
    if over is None:
        raise ValueError("only an override has a base")  # a caller's bug, not a policy problem
    fits = [
        e
        for e in entries
        if e.definition.id == over.extends
        and len(e.definition.scope) < len(over.scope)
        and over.scope.startswith(e.definition.scope)
        and e.definition.in_force(over.effective_from)
    ]
    if not fits:
        message = f"没有在 {over.effective_from} 生效、范围包含 {over.scope} 的上级程序定义 {over.extends}"
        raise PolicyError.of([source.issue(("extends",), "POLICY_EXTENDS", message)])
    base = max(fits, key=lambda e: len(e.definition.scope))
    end = base.definition.effective_to
    if end is not None and (over.effective_to is None or over.effective_to > end):
        message = (
            f"上级程序定义 {base.definition.key} 只到 {end} 有效，本文件的 effective_to 不能晚于它"
            "（上级换版后请为新版另写一份覆盖文件）"
        )
        raise PolicyError.of([source.issue(("effective_to",), "POLICY_EXTENDS", message)])
    return base


def build_workflow_set(sources: Iterable[tuple[str, str]]) -> WorkflowSet:
    """Load ``(text, file name)`` pairs — full files first, then overrides from the widest scope down.

    Every problem of every file is collected before raising, so a release shows them all at once.
    """
    files: list[WorkflowFile] = []
    issues: list[Issue] = []
    for text, name in sources:
        try:
            files.append(read_workflow_text(text, name))
        except PolicyError as e:
            issues += e.issues
    entries: list[Entry] = []
    overrides = sorted((f for f in files if f.override), key=lambda f: len(f.override.scope) if f.override else 0)
    for f in [f for f in files if f.override is None] + overrides:
        try:
            base = _base(entries, f).spec if f.override is not None else None
            spec, wf = build_workflow(f, base)
        except PolicyError as e:
            issues += e.issues
            continue
        entries.append(Entry(spec, wf, f))
    if issues:
        raise PolicyError.of(issues)
    return WorkflowSet(entries)


@cache
def shipped_set() -> WorkflowSet:
    """The definitions in ``jingzhun/policy/workflows``; a broken shipped file is a release bug and raises."""
    root = resources.files("jingzhun.policy").joinpath("workflows")
    files = sorted((e for e in root.iterdir() if e.is_file() and e.name.endswith(SUFFIXES)), key=lambda t: t.name)
    return build_workflow_set((f.read_text(encoding="utf-8"), str(f)) for f in files)


def resolve_workflow(workflow_id: str, division_code: str, on: dt.date) -> WorkflowDefinition:
    """The shipped definition a case at ``division_code`` opened on ``on`` follows ("" for national)."""
    return shipped_set().resolve(workflow_id, division_code, on)


def workflow_by_key(key: str) -> WorkflowDefinition:
    """The exact shipped definition a case stored the key of (``WorkflowDefinition.key``)."""
    return shipped_set().by_key(key)


def identified_under(phases: Sequence[str], workflow_key: str) -> WorkflowDefinition:
    """The workflow a case was identified under: its first phase (``Case.phases``), else its current one.

    When a case has moved on (identification → elimination) its identification day, and so
    whether it was monitored on a day, is read against the workflow that identified it.
    """
    return workflow_by_key(phases[0] if phases else workflow_key)


def shipped_workflow_list() -> tuple[WorkflowDefinition, ...]:
    """Every shipped definition, national and local, every version; ordered by id, scope and date."""
    return shipped_set().definitions


@cache
def shipped_workflows() -> Mapping[str, WorkflowDefinition]:
    """Shipped id → its national definition (``WorkflowSet.national``)."""
    s = shipped_set()
    return MappingProxyType({w.id: s.national(w.id) for w in s.definitions if not w.scope})
