from decimal import Decimal

import pytest

from jingzhun.domain.errors import DomainError
from jingzhun.domain.money import fen_to_yuan, format_yuan, per_capita_fen, yuan_to_fen


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        ("1234.5", 123450),
        ("1,234.50", 123450),
        ("-300", -30000),
        ("0.07", 7),
        (12, 1200),
        ("8700元", 870000),
        (Decimal("0.10"), 10),
    ],
)
def test_parses_yuan_to_integer_fen(raw, fen):
    assert yuan_to_fen(raw) == fen


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1.234", "AMOUNT_PRECISION"),
        ("abc", "AMOUNT_NOT_NUMERIC"),
        ("NaN", "AMOUNT_NOT_NUMERIC"),
        (True, "AMOUNT_NOT_NUMERIC"),
    ],
)
def test_refuses_amounts_it_would_have_to_guess(raw, code):
    with pytest.raises(DomainError) as e:
        yuan_to_fen(raw)
    assert e.value.code == code


def test_round_trip_and_display():
    assert fen_to_yuan(791_234) == Decimal("7912.34")
    assert format_yuan(791_250) == "7,913 元"
    assert format_yuan(791_234, decimals=True) == "7,912.34 元"


@pytest.mark.parametrize(("total", "n", "expected"), [(1000, 3, 333), (1001, 2, 501), (-1001, 2, -501), (0, 4, 0)])
def test_per_capita_rounds_half_up_symmetrically(total, n, expected):
    assert per_capita_fen(total, n) == expected


def test_per_capita_of_an_empty_household_is_an_error():
    with pytest.raises(DomainError):
        per_capita_fen(100, 0)
