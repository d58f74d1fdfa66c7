"""Calendar arithmetic on int64 day numbers, for millions of dates at once.

Why not numpy's datetime64 unit casts: converting datetime64[D] to years and months goes
through slow generic casting (over a second for three million birth dates). Howard Hinnant's
civil-from-days algorithms do the same with a dozen integer operations per element.
Day numbers count from 1970-01-01, as datetime64[D] does, so the two convert by a view.
"""

from __future__ import annotations

import numpy as np


def is_leap(year: np.ndarray) -> np.ndarray:
    return np.asarray(((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0), dtype=bool)


def days_from_civil(year: np.ndarray, month: np.ndarray | int, day: np.ndarray | int) -> np.ndarray:
    """Day number (days since 1970-01-01) of proleptic Gregorian dates."""
    y = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    m = np.asarray(month, dtype=np.int64)
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + np.asarray(day, dtype=np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return np.asarray(era * 146_097 + doe - 719_468, dtype=np.int64)


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day (int64 arrays) of day numbers."""
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def to_datetime64(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).view("datetime64[D]")


def from_datetime64(dates: np.ndarray) -> np.ndarray:
    return np.asarray(dates, dtype="datetime64[D]").view(np.int64)
