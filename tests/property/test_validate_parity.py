"""The columnar validators and the pure domain value objects agree on every input.

Hypothesis draws valid IDs and amounts and damages them in the ways people do (a wrong
digit, a swapped pair, a lower-case x, a bad date, a third decimal, stray text); both sides
must reach the same verdict and the same error code.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.adapters.engine.validate import Reference, validate
from jingzhun.domain.errors import DomainError
from jingzhun.domain.exchange import Column, Kind, Table
from jingzhun.domain.ids import ResidentId, make_resident_id
from jingzhun.domain.money import yuan_to_fen

REF = Reference.load(today=dt.date(9999, 12, 31))
ID_TABLE = Table("t", "t", ("v",), (Column("v", Kind.RESIDENT_ID),))
MONEY_TABLE = Table("t", "t", ("v",), (Column("v", Kind.MONEY),))
DOMAIN_ID_CODES = {"ID_FORMAT", "ID_BIRTHDATE", "ID_CHECKSUM"}


def _columnar(values: list[str], table: Table) -> tuple[pl.DataFrame, dict[int, list[str]]]:
    frame = pl.DataFrame({"_file": ["f"] * len(values), "_row": list(range(len(values))), "v": values})
    v = validate(frame, table, REF)
    codes: dict[int, list[str]] = {}
    for row, code in v.errors.select("_row", "code").iter_rows():
        codes.setdefault(row, []).append(code)
    return v.typed, codes


valid_ids = st.builds(
    lambda code, day, seq: make_resident_id(code, day, seq).value,
    st.sampled_from(["532328", "110105", "441900", "532301", "652101"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2026, 11, 1)),
    st.integers(0, 999),
)


@st.composite
def damaged_ids(draw: st.DrawFn) -> str:
    value = draw(valid_ids)
    how = draw(st.sampled_from(["keep", "digit", "swap", "lower", "month", "short", "junk"]))
    i = draw(st.integers(0, 16))
    if how == "digit":
        value = value[:i] + str((int(value[i]) + draw(st.integers(1, 9))) % 10) + value[i + 1 :]
    elif how == "swap":
        value = value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    elif how == "lower":
        value = value.lower()
    elif how == "month":
        value = (
            value[:10]
            + draw(st.sampled_from(["13", "00", "02"]))
            + draw(st.sampled_from(["30", "31", "00"]))
            + value[14:]
        )
    elif how == "short":
        value = value[:i]
    elif how == "junk":
        value = draw(st.text("0123456789Xx-", min_size=1, max_size=20))
    return value


@settings(max_examples=300, deadline=None)
@given(st.lists(damaged_ids(), min_size=1, max_size=30))
def test_resident_id_verdicts_agree(values):
    _, codes = _columnar(values, ID_TABLE)
    for row, value in enumerate(values):
        try:
            ResidentId.parse(value)
            domain = None
        except DomainError as e:
            domain = e.code
        columnar = [c for c in codes.get(row, []) if c in DOMAIN_ID_CODES]
        assert (columnar[0] if columnar else None) == domain, value


amount_text = st.one_of(
    st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False).map(str),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False).map(str),
    st.integers(-(10**9), 10**9).map(lambda n: f"{n:,}"),
    st.text("0123456789.,-元 e+", min_size=1, max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(amount_text, min_size=1, max_size=30))
def test_amount_verdicts_and_values_agree(values):
    values = [v for v in values if v.strip() and v.strip(" ,，") != ""]
    if not values:
        return
    typed, codes = _columnar(values, MONEY_TABLE)
    for row, value in enumerate(values):
        try:
            fen = yuan_to_fen(value)
            domain = None
        except DomainError as e:
            fen, domain = None, e.code
        columnar = codes.get(row, [])
        assert (columnar[0] if columnar else None) == domain, value
        if domain is None:
            assert typed["v"][row] == fen, value
