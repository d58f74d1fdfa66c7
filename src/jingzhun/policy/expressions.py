"""Rule conditions: SQL-like text in a pack → the ``domain.rules`` tree, allowing nothing else.

A policy officer writes ``net_income_fen < monitoring_threshold_fen * members``; the engine
runs it inside DuckDB. That makes the ``when`` field an injection surface, so it is read in
three closed steps, each refusing what it does not know:

1. a character whitelist (letters, digits, ``_``, blanks, ``( ) , + - * < > = !``): no
   ``;``, quotes, comments, ``/``, ``.``, ``::``, ``$``/``?`` placeholders can get through;
2. sqlglot parses exactly one expression;
3. a walk over the tree converts the allowed node types (AND OR NOT, comparisons, + - *,
   unary minus, IS [NOT] NULL, COALESCE/GREATEST/LEAST, integer and TRUE/FALSE/NULL
   literals, bare identifiers) and rejects every other node.

The result is re-printed by ``domain.rules.to_sql`` with quoted names and integer casts, so
the SQL the engine runs contains nothing the tree did not allow. A light type check (bool vs
int) then catches ``members AND alleviated`` style slips before a screening run does.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from jingzhun.domain.rules import ARITHMETIC, COMPARISONS, Call, Const, Expr, Name, Op, names_in

MAX_LEN = 2000
_ALLOWED_CHARS = re.compile(r"[A-Za-z0-9_\s(),+\-*<>=!]")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INT_LITERAL = re.compile(r"^\d+$")
_MAX_LITERAL = 2**62

_BINARY: dict[type[exp.Expression], Op] = {
    exp.And: Op.AND,
    exp.Or: Op.OR,
    exp.EQ: Op.EQ,
    exp.NEQ: Op.NE,
    exp.LT: Op.LT,
    exp.LTE: Op.LE,
    exp.GT: Op.GT,
    exp.GTE: Op.GE,
    exp.Add: Op.ADD,
    exp.Sub: Op.SUB,
    exp.Mul: Op.MUL,
}
_FUNCS: dict[type[exp.Expression], Op] = {exp.Coalesce: Op.COALESCE, exp.Greatest: Op.GREATEST, exp.Least: Op.LEAST}


class ExpressionError(ValueError):
    """A condition outside the grammar (``RULE_EXPRESSION``) or naming an unknown name (``RULE_UNKNOWN_NAME``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_condition(text: str, rule_id: str) -> Expr:
    """Parse a rule's ``when`` text into the domain tree, or raise ``ExpressionError``."""

    def bad(what: str) -> ExpressionError:
        return ExpressionError("RULE_EXPRESSION", f"规则 {rule_id} 的条件含有不允许的内容 “{what}”")

    if not text.strip():
        raise ExpressionError("RULE_EXPRESSION", f"规则 {rule_id} 的条件为空")
    if len(text) > MAX_LEN:
        raise ExpressionError("RULE_EXPRESSION", f"规则 {rule_id} 的条件过长（超过 {MAX_LEN} 个字符）")
    for ch in text:
        if not _ALLOWED_CHARS.fullmatch(ch):
            raise bad(ch)
    if "--" in text:
        raise bad("--")
    try:
        trees = sqlglot.parse(text, read="duckdb")
    except (ParseError, TokenError) as e:
        raise ExpressionError("RULE_EXPRESSION", f"规则 {rule_id} 的条件无法解析：{_first_line(e)}") from None
    if len(trees) != 1 or trees[0] is None:
        raise bad(text.strip())
    return _convert(trees[0], bad)


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _convert(node: Any, bad: Callable[[str], ExpressionError]) -> Expr:
    """One sqlglot node → the domain tree (``node`` is ``Any``: sqlglot's base class differs by version)."""
    if node.comments:
        raise bad("注释")
    t = type(node)
    if t is exp.Paren:
        return _convert(node.this, bad)
    if t in _BINARY:
        return Call(_BINARY[t], (_convert(node.this, bad), _convert(node.expression, bad)))
    if t is exp.Not:
        inner = node.this
        if type(inner) is exp.Is and type(inner.expression) is exp.Null:
            return Call(Op.IS_NOT_NULL, (_convert(inner.this, bad),))
        return Call(Op.NOT, (_convert(inner, bad),))
    if t is exp.Is:
        if type(node.expression) is not exp.Null:
            raise bad(node.sql(dialect="duckdb"))
        return Call(Op.IS_NULL, (_convert(node.this, bad),))
    if t is exp.Neg:
        inner_expr = _convert(node.this, bad)
        if (
            isinstance(inner_expr, Const)
            and isinstance(inner_expr.value, int)
            and not isinstance(inner_expr.value, bool)
        ):
            return Const(-inner_expr.value)
        return Call(Op.NEG, (inner_expr,))
    if t in _FUNCS:
        args = [node.this, *node.expressions]
        if any(a is None for a in args) or len(args) < 2 or any(k for k, v in node.args.items() if _extra_arg(k, v)):
            raise bad(node.sql(dialect="duckdb"))
        return Call(_FUNCS[t], tuple(_convert(a, bad) for a in args))
    if t is exp.Column:
        ident = node.this
        if node.table or not isinstance(ident, exp.Identifier) or ident.quoted or not _IDENT.match(ident.name):
            raise bad(node.sql(dialect="duckdb"))
        return Name(ident.name)
    if t is exp.Literal:
        raw = str(node.this)
        if node.is_string or not _INT_LITERAL.match(raw) or int(raw) > _MAX_LITERAL:
            raise bad(raw)
        return Const(int(raw))
    if t is exp.Boolean:
        return Const(bool(node.this))
    if t is exp.Null:
        return Const(None)
    if isinstance(node, exp.Anonymous):
        token = str(node.name)
    elif isinstance(node, exp.Func):
        token = node.sql_name()
    else:
        token = node.sql(dialect="duckdb")
    raise bad(token[:60])


def _extra_arg(key: str, value: object) -> bool:
    """GREATEST/LEAST carry sqlglot's own ``ignore_nulls`` flag; anything else is unexpected."""
    return key not in ("this", "expressions", "ignore_nulls") and value not in (None, False, [])


# --- names and types -------------------------------------------------------------------------

Kind = str  # "bool" | "int" | "null"


def check_names(expr: Expr, rule_id: str, allowed: Mapping[str, Kind]) -> None:
    """Every name must be a feature or a parameter; the condition must be boolean."""
    unknown = sorted(names_in(expr) - set(allowed))
    if unknown:
        raise ExpressionError(
            "RULE_UNKNOWN_NAME",
            f"规则 {rule_id} 的条件使用了未知名称 {', '.join(unknown)}；可用的名称：{', '.join(sorted(allowed))}",
        )
    kind = _kind(expr, rule_id, allowed)
    if kind == "int":
        raise ExpressionError("RULE_EXPRESSION", f"规则 {rule_id} 的条件须为真/假判断，不能是数值")


def _kind(e: Expr, rule_id: str, env: Mapping[str, Kind]) -> Kind:
    if isinstance(e, Const):
        return "null" if e.value is None else "bool" if isinstance(e.value, bool) else "int"
    if isinstance(e, Name):
        return env[e.name]
    kinds = [_kind(a, rule_id, env) for a in e.args]

    def need(want: Kind) -> None:
        for k in kinds:
            if k not in (want, "null"):
                shown = to_text(e)
                raise ExpressionError(
                    "RULE_EXPRESSION",
                    f"规则 {rule_id}：“{shown}” 中的运算需要{'真/假值' if want == 'bool' else '数值'}",
                )

    if e.op in (Op.AND, Op.OR, Op.NOT):
        need("bool")
        return "bool"
    if e.op in (Op.IS_NULL, Op.IS_NOT_NULL):
        return "bool"
    if e.op in COMPARISONS:
        if e.op in (Op.EQ, Op.NE) and "bool" in kinds:
            need("bool")
        else:
            need("int")
        return "bool"
    if e.op in ARITHMETIC or e.op is Op.NEG:
        need("int")
        return "int"
    # COALESCE / GREATEST / LEAST: all arguments of one kind
    real = {k for k in kinds if k != "null"}
    if len(real) > 1 or (e.op is not Op.COALESCE and real == {"bool"}):
        raise ExpressionError("RULE_EXPRESSION", f"规则 {rule_id}：{e.op.value} 的参数类型不一致")
    return real.pop() if real else "null"


# --- printing ---------------------------------------------------------------------------------

_PRECEDENCE = {Op.OR: 1, Op.AND: 2, Op.NOT: 3, Op.IS_NULL: 4, Op.IS_NOT_NULL: 4, Op.ADD: 6, Op.SUB: 6, Op.MUL: 7}
_PRECEDENCE.update(dict.fromkeys(COMPARISONS, 5))


def to_text(e: Expr, parent: int = 0) -> str:
    """The condition as readable text in the pack's own syntax (minimal parentheses).

    ``parse_condition(to_text(e))`` gives ``e`` back; used by ``policy show`` and in messages.
    """
    if isinstance(e, Const):
        if e.value is None or isinstance(e.value, bool):
            return {None: "NULL", True: "TRUE", False: "FALSE"}[e.value]
        # a negative operand is bracketed: "a - -1" would start a SQL comment
        return f"({e.value})" if e.value < 0 and parent else str(e.value)
    if isinstance(e, Name):
        return e.name
    if e.op in (Op.COALESCE, Op.GREATEST, Op.LEAST):
        return f"{e.op.value}({', '.join(to_text(a) for a in e.args)})"
    if e.op is Op.NEG:
        out = f"-{to_text(e.args[0], 8)}"
        return f"({out})" if parent else out
    p = _PRECEDENCE[e.op]
    if e.op is Op.NOT:
        out = f"NOT {to_text(e.args[0], p)}"
    elif e.op in (Op.IS_NULL, Op.IS_NOT_NULL):
        out = f"{to_text(e.args[0], p + 1)} {e.op.value}"
    else:
        left, right = e.args
        # left-associative operators: the right operand needs brackets at equal precedence
        out = f"{_operand(left, p, e.op)} {e.op.value} {_operand(right, p + 1, e.op)}"
    # comparisons do not chain: (a < b) = c keeps its brackets
    return f"({out})" if p < parent or p == parent == 5 else out


def _operand(child: Expr, parent: int, op: Op) -> str:
    """AND inside OR is bracketed although it binds tighter: a policy officer should not need
    to know SQL precedence to read a rule."""
    text = to_text(child, parent)
    if op is Op.OR and isinstance(child, Call) and child.op is Op.AND:
        return f"({text})"
    return text


# --- reason templates ------------------------------------------------------------------------


def check_reason(template: str, rule_id: str, names: set[str]) -> None:
    """Placeholders must be known names, or ``<x>_yuan`` where ``<x>_fen`` is known."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as e:
        raise ExpressionError("POLICY_SCHEMA", f"规则 {rule_id} 的 reason 花括号不匹配：{e}") from None
    allowed = names | {n.removesuffix("_fen") + "_yuan" for n in names if n.endswith("_fen")}
    # no format specs or conversions: the engine fills placeholders with preformatted text
    bad = sorted({f"{{{f}}}" for _, f, spec, conv in parts if f is not None and (f not in allowed or spec or conv)})
    if bad:
        raise ExpressionError(
            "RULE_UNKNOWN_NAME",
            f"规则 {rule_id} 的 reason 使用了未知占位符 {', '.join(bad)}"
            "（可用：特征名、参数名，或 x_fen 对应的 x_yuan）",
        )
