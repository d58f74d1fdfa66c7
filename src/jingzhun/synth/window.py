"""The 12-month observation window that incomes and department events refer to.

Why a separate object: policy measures per-capita income over the 12 months before the
assessment month (policy-notes §1), and department events are pulled with the same 12-month
lookback. Deriving both from one ``as_of`` day keeps income and feeds consistent, and the
previous window (12 months earlier) lets later features see income drops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jingzhun.domain.household import YearMonth, income_window_end

DEFAULT_AS_OF = dt.date(2026, 11, 1)


@dataclass(frozen=True, slots=True)
class Window:
    """Months ``start``…``period_end`` inclusive: the 12 full months before ``as_of``'s month."""

    as_of: dt.date
    period_end: YearMonth

    @classmethod
    def before(cls, as_of: dt.date) -> Window:
        return cls(as_of=as_of, period_end=income_window_end(as_of))

    @property
    def first_day(self) -> dt.date:
        return self.period_end.shift(-11).first_day()

    @property
    def last_day(self) -> dt.date:
        return self.period_end.shift(1).first_day() - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def previous_period_end(self) -> YearMonth:
        return self.period_end.shift(-12)

    def dates(self, offsets: np.ndarray) -> np.ndarray:
        """datetime64[D] values ``offsets`` days after the first day of the window."""
        return np.datetime64(self.first_day, "D") + np.asarray(offsets, dtype=np.int64).astype("timedelta64[D]")

    def random_dates(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` dates drawn uniformly over the window."""
        return self.dates(rng.integers(0, self.days, size=n))
