"""YAML pack file → validated ``LoadedPack``, every problem located as FILE:LINE: field.

PyYAML's composer keeps the line of every node; we index those lines by document path
(``("params", "monitoring_threshold", "amount_yuan")``, ``("rules", 3, "when")``) before
constructing plain Python data, then map each pydantic error location back to the nearest
indexed path. All problems of a file are collected, not only the first, so an officer fixes
a file in one pass. Duplicate keys — which PyYAML would silently resolve to the last one —
are errors here, because a pack with two ``effective_to`` lines is ambiguous.

Per-file checks live here (schema, dates, amounts, rule-condition syntax, duplicate rule ids
and risk codes); checks that need the ``extends`` chain (names, inherited rules, overlaps)
are in ``resolve``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jingzhun.domain.rules import Expr
from jingzhun.policy.errors import Issue, PolicyError
from jingzhun.policy.expressions import ExpressionError, parse_condition
from jingzhun.policy.measure_schema import LoadedMeasure, load_measures
from jingzhun.policy.schema import CriterionSpec, PackSpec, Problem, RuleSpec, parse_params, pydantic_message

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Locator:
    """Document path → line, for one file."""

    file: str
    lines: dict[Loc, int] = field(repr=False)

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc`` or of its nearest enclosing node that is in the file."""
        for n in range(len(loc), -1, -1):
            line = self.lines.get(loc[:n])
            if line is not None:
                return line
        return None

    def issue(self, loc: Loc, code: str, message: str) -> Issue:
        return Issue(code, message, self.file, self.line_of(loc), field_name(loc))


@dataclass(frozen=True, slots=True)
class LoadedPack:
    """A pack file that passed the per-file checks, with what resolution needs precomputed."""

    spec: PackSpec
    params: dict[str, int]  # resolved names (``*_fen`` for amounts) → integers
    param_notes: dict[str, str]  # resolved name → how it was derived ("2 × 低保 815 元/月 × 12 = …")
    conditions: dict[str, Expr]  # rule id → parsed ``when`` (syntax checked; names checked per chain)
    where: Locator
    measures: tuple[LoadedMeasure, ...] = ()  # the ``measures`` section, checked per file
    criteria: dict[str, Expr] = field(default_factory=dict)  # elimination criterion id → parsed ``when``

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def file(self) -> str:
        return self.where.file

    def issue(self, loc: Loc, code: str, message: str) -> Issue:
        return self.where.issue(loc, code, message)

    def rule_loc(self, rule_id: str, key: str = "id") -> Loc:
        """Where a rule of this pack is written (for chain-level errors about it)."""
        for i, r in enumerate(self.spec.rules):
            if r.id == rule_id:
                return ("rules", i, key)
        return ("rules",)


def field_name(loc: Loc) -> str:
    """``("rules", 3, "when")`` → ``rules[3].when``; pydantic's union branch tags are dropped."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in part or part in ("str", "function-after", "function-before"):
            continue
        else:
            out += ("." if out else "") + part
    return out


def load_file(path: Path | str) -> LoadedPack:
    """Read and validate one pack file; raise ``PolicyError`` listing every problem in it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError("POLICY_NOT_FOUND", f"无法读取政策包文件：{e}", file=str(p)) from None
    return load_text(text, str(p))


def load_text(text: str, file: str) -> LoadedPack:
    data, lines = _parse_yaml(text, file)
    where = Locator(file, lines)
    problems: list[Problem] = []
    try:
        spec = PackSpec.model_validate(data)
    except ValidationError as e:
        problems = [Problem(tuple(err["loc"]), "POLICY_SCHEMA", pydantic_message(err)) for err in e.errors()]
        raise _error(problems, where) from None
    params, notes, param_problems = parse_params(spec.params)
    problems += param_problems
    problems += _date_problems(spec)
    conditions, rule_problems = _rule_problems(spec)
    problems += rule_problems
    criteria, criterion_problems = _criterion_problems(spec)
    problems += criterion_problems
    measures, measure_problems = load_measures(spec.measures)
    problems += measure_problems
    codes = [t.code for t in spec.risk_types or ()]
    problems += [
        Problem(("risk_types", i, "code"), "POLICY_SCHEMA", f"风险代码 {c} 重复")
        for i, c in enumerate(codes)
        if c in codes[:i]
    ]
    if problems:
        raise _error(problems, where)
    return LoadedPack(spec, params, notes, conditions, where, tuple(measures), criteria)


def _error(problems: Sequence[Problem], where: Locator) -> PolicyError:
    return PolicyError.of([where.issue(p.loc, p.code, p.message) for p in problems])


def _date_problems(spec: PackSpec) -> list[Problem]:
    if spec.effective_to is not None and spec.effective_to < spec.effective_from:
        msg = f"effective_to {spec.effective_to} 早于 effective_from {spec.effective_from}"
        return [Problem(("effective_to",), "POLICY_SCHEMA", msg)]
    return []


def _rule_problems(spec: PackSpec) -> tuple[dict[str, Expr], list[Problem]]:
    return _conditions(spec.rules, "rules", "规则")


def _criterion_problems(spec: PackSpec) -> tuple[dict[str, Expr], list[Problem]]:
    return _conditions(spec.elimination, "elimination", "消除条件")


def _conditions(
    entries: Sequence[RuleSpec | CriterionSpec], section: str, what: str
) -> tuple[dict[str, Expr], list[Problem]]:
    """Each entry's ``when`` parsed, by id; a repeated id or a condition that does not parse is a problem."""
    conditions: dict[str, Expr] = {}
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.id in seen:
            problems.append(Problem((section, i, "id"), "POLICY_SCHEMA", f"{what} {entry.id} 在本文件中重复"))
        seen.add(entry.id)
        if entry.when is not None:
            try:
                conditions[entry.id] = parse_condition(entry.when, entry.id)
            except ExpressionError as e:
                problems.append(Problem((section, i, "when"), e.code, e.message))
    return conditions, problems


class _Loader(yaml.SafeLoader):
    """SafeLoader whose impossible dates (2025-13-01) are located errors, not bare ValueErrors."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as e:
            raise yaml.constructor.ConstructorError(
                None, None, f"日期无效：{node.value}（{e}）", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicyError("POLICY_YAML", "文件为空", file=file, line=1)
        lines: dict[Loc, int] = {(): node.start_mark.line + 1}
        duplicates: list[Issue] = []
        _index(node, (), lines, duplicates, file)
        if duplicates:
            raise PolicyError.of(duplicates)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise PolicyError("POLICY_YAML", f"YAML 语法错误：{e.problem or e}", file=file, line=line) from None
    except yaml.YAMLError as e:
        raise PolicyError("POLICY_YAML", f"YAML 语法错误：{e}", file=file) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise PolicyError("POLICY_YAML", "文件顶层应为映射（id: …, version: … 等）", file=file, line=1)
    return data, lines


def _index(node: yaml.Node, path: Loc, lines: dict[Loc, int], duplicates: list[Issue], file: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                duplicates.append(Issue("POLICY_YAML", f"键 {key} 重复", file, line, field_name((*path, key))))
            seen.add(key)
            lines[(*path, key)] = line
            _index(value_node, (*path, key), lines, duplicates, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _index(item, (*path, i), lines, duplicates, file)
