"""Optional feed noise: a few events of a type that no department vocabulary lists.

Why: the exchange contract says unknown event types are kept and reported, not dropped, so
the importer and the screening engine need inputs that contain some. Feeds are clean by
default; ``generate(..., noise=True)`` appends about 0.05% extra ``pension_change`` events
from 人社, numbered after that department's regular events so ids stay unique per source.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from jingzhun.domain.vocab import Department
from jingzhun.synth.events import SOURCE_PREFIX
from jingzhun.synth.text import fixed_digits
from jingzhun.synth.window import Window

UNKNOWN_EVENT_TYPE = "pension_change"
NOISE_SHARE = 0.0005


def add_unknown_events(
    rng: np.random.Generator, events: pl.DataFrame, person_ids: pl.Series, window: Window
) -> pl.DataFrame:
    """``events`` plus a few person-level events of an unknown type, appended at the end."""
    n = max(1, round(NOISE_SHARE * events.height))
    # Pension changes concern people of pension age: born 60 or more years before as-of.
    born = person_ids.str.slice(6, 4).cast(pl.Int32)
    elderly = person_ids.filter(born <= window.as_of.year - 60)
    pool = elderly if len(elderly) else person_ids
    source = Department.HUMAN_RESOURCES
    first = events.filter(pl.col("source") == source.value).height + 1
    numbers = fixed_digits(np.arange(first, first + n), 8, "n")
    extra = pl.DataFrame(
        {
            "event_id": (SOURCE_PREFIX[source] + numbers).alias("event_id"),
            "source": [source.value] * n,
            "person_id": pool.gather(rng.integers(0, len(pool), n)),
            "household_id": pl.Series([None] * n, dtype=pl.String),
            "event_type": [UNKNOWN_EVENT_TYPE] * n,
            "event_date": pl.Series(window.random_dates(rng, n)).cast(pl.Date),
            "amount": pl.Series([None] * n, dtype=pl.Float64),
            "detail": ["养老金待遇调整"] * n,
        }
    )
    return pl.concat([events, extra.select(events.columns)])
