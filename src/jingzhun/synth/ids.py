"""Vectorised GB 11643-1999 resident ID numbers for millions of people.

Why vectorised: the per-row builder :func:`jingzhun.domain.ids.make_resident_id` formats and
validates one person at a time, which is right for a form but far too slow for a province.
Here the 17 digits are one int64 per person, split into a digit matrix; the ISO 7064
MOD 11-2 check is a matrix product with the weights; the 18 ASCII bytes per person go to
Arrow as one buffer. The domain builder remains the reference: tests check every ID we make
with :class:`jingzhun.domain.ids.ResidentId`.

Uniqueness: the 3-digit sequence is the rank of a person among everyone sharing the same
address code, birth date and sex (odd for men, even for women), shifted by an offset that
depends only on that key so that sequences do not all start at 001.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from jingzhun.domain.ids import ID_CHECK_CHARS, ID_WEIGHTS
from jingzhun.synth.arrays import rank_within, run_sizes
from jingzhun.synth.dates import civil_from_days, days_from_civil, from_datetime64, is_leap, to_datetime64
from jingzhun.synth.text import ascii_rows, digit_matrix

_CHECK_BYTES = np.frombuffer(ID_CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_SLOTS_PER_SEX = 499  # male sequences 001…997 (odd), female 002…998 (even)


def birth_dates(rng: np.random.Generator, age: np.ndarray, as_of: dt.date) -> np.ndarray:
    """A birth date for each age such that the age on ``as_of`` is exactly ``age``.

    The date lies in (anniversary(age + 1), anniversary(age)], anniversaries counted back from
    ``as_of``; 29 February counts as the 28th in common years.
    """
    years = as_of.year - age.astype(np.int64)
    latest = _anniversary(years, as_of)
    earliest_excl = _anniversary(years - 1, as_of)
    back = (rng.random(len(age)) * (latest - earliest_excl)).astype(np.int64)
    return to_datetime64(latest - back)


def _anniversary(years: np.ndarray, as_of: dt.date) -> np.ndarray:
    """Day numbers of ``as_of``'s month and day in each of ``years``."""
    day = np.full(len(years), as_of.day, dtype=np.int64)
    if (as_of.month, as_of.day) == (2, 29):
        day = np.where(is_leap(years), 29, 28)
    return days_from_civil(years, as_of.month, day)


def ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of datetime64[D] values, as int64 arrays."""
    return civil_from_days(from_datetime64(dates))


def ages_on(birth: np.ndarray, day: dt.date) -> np.ndarray:
    """Whole years on ``day`` (a birthday counts on the day itself), as in ResidentId.age_on."""
    y, m, d = ymd(birth)
    before = (m > day.month) | ((m == day.month) & (d > day.day))
    return np.asarray(day.year - y - before, dtype=np.int16)


def sequence_numbers(address: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
    """The 3-digit sequence (1…998) making each (address, birth date, sex) key unique."""
    day = from_datetime64(birth)
    key = (address.astype(np.int64) * 100_000 + (day + 40_000)) * 2 + male.astype(np.int64)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    rank = rank_within(sorted_key)
    size = run_sizes(sorted_key)
    if size.max(initial=0) > _SLOTS_PER_SEX:
        raise ValueError("more than 499 people share an address code, birth date and sex")
    # A key-dependent offset spreads sequences over the range (as police stations do).
    mixed = sorted_key.astype(np.uint64) * np.uint64(2_654_435_761)  # wraps mod 2**64 by design
    offset = (mixed % (_SLOTS_PER_SEX - size + 1).astype(np.uint64)).astype(np.int64)
    slot = np.empty_like(rank)
    slot[order] = offset + rank
    return np.where(male, 2 * slot + 1, 2 * slot + 2)


def resident_ids(address: np.ndarray, birth: np.ndarray, male: np.ndarray, name: str = "person_id") -> pl.Series:
    """18-character resident ID numbers, unique across the input."""
    seq = sequence_numbers(address, birth, male)
    return build_ids(address, birth, seq, name)


def build_ids(address: np.ndarray, birth: np.ndarray, seq: np.ndarray, name: str = "person_id") -> pl.Series:
    """IDs from given parts: 6-digit address code, birth date and 3-digit sequence."""
    y, m, d = ymd(birth)
    first17 = (address.astype(np.int64) * 10**8 + y * 10_000 + m * 100 + d) * 1_000 + seq.astype(np.int64)
    digits = digit_matrix(first17, 17)
    total = np.zeros(len(first17), dtype=np.int32)
    for k, weight in enumerate(ID_WEIGHTS):  # 17 column passes, not one pass per person
        total += digits[:, k].astype(np.int32) * weight
    check = _CHECK_BYTES[total % 11]
    chars = np.empty((len(first17), 18), dtype=np.uint8)
    chars[:, :17] = digits + ord("0")
    chars[:, 17] = check
    return ascii_rows(chars, name)
