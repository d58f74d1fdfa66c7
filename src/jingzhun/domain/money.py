"""Money as integer fen (分): exact, comparable, no floating-point drift.

Amounts arrive as yuan with up to two decimals ("1234.5", "1,234.50", "-300"); they are parsed
with ``Decimal`` and stored as ``int`` fen. A third decimal is an error, not a rounding: a
registry figure with 0.001 yuan is a data-entry mistake a cadre should see.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from jingzhun.domain.errors import DomainError

Fen = int
FEN_PER_YUAN = 100
# Plain decimal notation only: "1e5" or "+5" in a registry cell is an Excel artefact or a typo.
_AMOUNT_RE = re.compile(r"^-?\d{1,13}(\.\d+)?$")
_SEPARATORS_RE = re.compile(r"[,，\s]")


def yuan_to_fen(raw: str | int | float | Decimal) -> Fen:
    """Parse a yuan amount to integer fen; at most two decimals, thousands separators allowed."""
    if isinstance(raw, bool):
        raise DomainError("AMOUNT_NOT_NUMERIC", "金额必须是数字")
    if isinstance(raw, int):
        return raw * FEN_PER_YUAN
    text = _SEPARATORS_RE.sub("", str(raw))
    text = text.removesuffix("元")
    if not _AMOUNT_RE.match(text):
        raise DomainError("AMOUNT_NOT_NUMERIC", f"金额“{raw}”不是数字（元，最多两位小数）")
    value = Decimal(text)
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise DomainError("AMOUNT_PRECISION", f"金额“{raw}”超过两位小数")
    return int(fen)


def fen_to_yuan(fen: Fen) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: Fen, *, decimals: bool = False) -> str:
    """Chinese display, e.g. ``7,912 元`` (rounded half-up to whole yuan unless ``decimals``)."""
    y = fen_to_yuan(fen)
    if decimals:
        return f"{y:,.2f} 元"
    return f"{y.quantize(Decimal('1'), rounding=ROUND_HALF_UP):,} 元"


def per_capita_fen(total: Fen, persons: int) -> Fen:
    """Per-capita amount rounded half-up to the fen (for display and storage).

    Threshold comparisons must not use this rounded value: compare ``total`` with
    ``threshold * persons`` instead, which is exact.
    """
    if persons <= 0:
        raise DomainError("HOUSEHOLD_EMPTY", "家庭人口数必须大于0")
    q, r = divmod(abs(total), persons)
    if 2 * r >= persons:
        q += 1
    return q if total >= 0 else -q
