"""Header normalisation and header-row choice, independent of any file format."""

from __future__ import annotations

import pytest

from jingzhun.adapters.files.headers import alias_index, find_header, match_header, normalise_header
from jingzhun.domain.exchange import HOUSEHOLDS, INCOME, MEMBERS, REGISTRY_TABLES


@pytest.mark.parametrize(
    ("header", "key"),
    [
        (" 户 编 号 ", "户编号"),
        ("＊户编号", "户编号"),
        ("户编号*", "户编号"),
        ("工资性收入（元）", "工资性收入"),
        ("工资性收入 ( 元 ) *", "工资性收入"),
        ("Household_ID", "household_id"),
        ("ＨＯＵＳＥＨＯＬＤ＿ＩＤ", "household_id"),
        ("\ufeff户编号", "户编号"),
        ("近１２个月务工月数", "近12个月务工月数"),
    ],
)
def test_normalise_header(header, key):
    assert normalise_header(header) == key


def test_other_units_are_not_stripped():
    """(万元) must not become 工资性收入: the amounts would be 10 000 times too small."""
    assert normalise_header("工资性收入（万元）") not in alias_index(INCOME)


def test_aliases_do_not_collide_within_a_table():
    for table in REGISTRY_TABLES:
        names = [normalise_header(n) for c in table.columns for n in (c.name, *c.aliases)]
        assert len(names) == len(set(names)), table.name


def test_the_row_with_most_recognised_headers_wins():
    rows = [
        ["农户信息表"],
        ["户编号", "说明"],  # one match: not a header for a table needing several columns
        ["户编号", "行政区划代码", "是否脱贫户"],
        ["户编号", "行政区划代码", "是否脱贫户"],  # a repeat does not displace the first
    ]
    match = find_header(rows, HOUSEHOLDS)
    assert match is not None and match.row_index == 2


def test_match_records_unknown_and_duplicates_without_raising():
    match = match_header(["户编号", None, "  ", "备注", "户号", "备注"], MEMBERS)
    assert match.positions == {"household_id": 0}
    assert match.unknown == ["备注"]
    assert [(d.first, d.second) for d in match.duplicates] == [("户编号", "户号")]
    assert match.width == 6
