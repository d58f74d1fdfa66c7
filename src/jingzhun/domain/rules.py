"""Rule expressions as a small typed tree, and their evaluation with SQL semantics.

Policy packs write identification rules as SQL-like boolean expressions over named household
features and policy parameters, e.g. ``net_income_fen < monitoring_threshold_fen * members``.
The policy loader parses them (with sqlglot) into *this* tree, allowing only known names and
a fixed set of operators, so a policy file can never inject SQL or code. Two evaluators use
the tree: ``evaluate`` here (pure Python, one household) and the DuckDB engine, which prints
the tree back as SQL. Both follow SQL's three-valued logic: a comparison with NULL is NULL,
and a rule whose condition is NULL does not fire.

Arithmetic is on integers only (amounts are fen), so both evaluators agree exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

Value = int | bool | None


class Op(StrEnum):
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    EQ = "="
    NE = "<>"
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    ADD = "+"
    SUB = "-"
    MUL = "*"
    NEG = "NEG"
    IS_NULL = "IS NULL"
    IS_NOT_NULL = "IS NOT NULL"
    COALESCE = "COALESCE"
    GREATEST = "GREATEST"
    LEAST = "LEAST"


@dataclass(frozen=True, slots=True)
class Name:
    """A feature of the household or a parameter of the policy."""

    name: str


@dataclass(frozen=True, slots=True)
class Const:
    value: int | bool | None


@dataclass(frozen=True, slots=True)
class Call:
    op: Op
    args: tuple[Expr, ...]


Expr = Name | Const | Call

COMPARISONS = {Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE}
ARITHMETIC = {Op.ADD, Op.SUB, Op.MUL}


def names_in(expr: Expr) -> set[str]:
    """Every feature or parameter name the expression reads."""
    if isinstance(expr, Name):
        return {expr.name}
    if isinstance(expr, Call):
        out: set[str] = set()
        for a in expr.args:
            out |= names_in(a)
        return out
    return set()


def evaluate(expr: Expr, env: Mapping[str, Value]) -> Value:
    """Evaluate with SQL semantics (NULL propagates; AND/OR use three-valued logic)."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Name):
        return env[expr.name]
    op, args = expr.op, expr.args
    if op is Op.AND:
        return _and([evaluate(a, env) for a in args])
    if op is Op.OR:
        return _or([evaluate(a, env) for a in args])
    if op is Op.NOT:
        v = evaluate(args[0], env)
        return None if v is None else not v
    if op is Op.IS_NULL:
        return evaluate(args[0], env) is None
    if op is Op.IS_NOT_NULL:
        return evaluate(args[0], env) is not None
    values = [evaluate(a, env) for a in args]
    if op is Op.COALESCE:
        return next((v for v in values if v is not None), None)
    if op in (Op.GREATEST, Op.LEAST):
        present = [int(v) for v in values if v is not None]  # SQL ignores NULL arguments here
        if not present:
            return None
        return max(present) if op is Op.GREATEST else min(present)
    if any(v is None for v in values):
        return None
    ints = [int(v) for v in values]  # type: ignore[arg-type]
    if op is Op.NEG:
        return -ints[0]
    a, b = ints
    return _binary(op, a, b)


def _binary(op: Op, a: int, b: int) -> Value:
    match op:
        case Op.ADD:
            return a + b
        case Op.SUB:
            return a - b
        case Op.MUL:
            return a * b
        case Op.EQ:
            return a == b
        case Op.NE:
            return a != b
        case Op.LT:
            return a < b
        case Op.LE:
            return a <= b
        case Op.GT:
            return a > b
        case Op.GE:
            return a >= b
    raise ValueError(f"not a binary operator: {op}")


def _and(values: list[Value]) -> Value:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def _or(values: list[Value]) -> Value:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def to_sql(expr: Expr) -> str:
    """The expression as SQL (DuckDB/PostgreSQL syntax), fully parenthesised.

    Names are emitted as quoted identifiers and constants as integer literals, so the output
    cannot contain anything the tree did not allow.
    """
    if isinstance(expr, Const):
        if expr.value is None:
            return "NULL"
        if isinstance(expr.value, bool):
            return "TRUE" if expr.value else "FALSE"
        return f"CAST({int(expr.value)} AS BIGINT)"
    if isinstance(expr, Name):
        return '"' + expr.name.replace('"', "") + '"'
    op, args = expr.op, [to_sql(a) for a in expr.args]
    if op in (Op.AND, Op.OR):
        return "(" + f" {op.value} ".join(args) + ")"
    if op is Op.NOT:
        return f"(NOT {args[0]})"
    if op is Op.NEG:
        return f"(-{args[0]})"
    if op in (Op.IS_NULL, Op.IS_NOT_NULL):
        return f"({args[0]} {op.value})"
    if op in (Op.COALESCE, Op.GREATEST, Op.LEAST):
        return f"{op.value}({', '.join(args)})"
    return f"({args[0]} {op.value} {args[1]})"
