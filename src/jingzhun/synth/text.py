"""Building millions of strings without a Python loop.

Why: formatting three million ID numbers with f-strings costs seconds; writing their ASCII
bytes into one numpy matrix and handing Arrow the buffer costs milliseconds. Chinese text
(names, addresses) is assembled from small vocabularies by index with polars ``gather`` and
``concat_str``, which also run in native code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]

_ZERO = ord("0")


_CHUNK = 4
# Digits of every number below 10,000, one row each: splitting a number into 4-digit chunks
# and gathering rows of this table is several times faster than 17 divisions per number.
_CHUNK_DIGITS = ((np.arange(10**_CHUNK)[:, None] // 10 ** np.arange(_CHUNK - 1, -1, -1)[None, :]) % 10).astype(np.uint8)


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits of non-negative integers, most significant first, shape (n, width)."""
    v = np.asarray(values, dtype=np.int64)
    if v.size and (v.min() < 0 or (width < 19 and v.max() >= 10**width)):
        raise ValueError(f"values do not fit in {width} decimal digits")
    n_chunks = -(-width // _CHUNK)
    out = np.empty((len(v), n_chunks * _CHUNK), dtype=np.uint8)
    rest = v
    for c in range(n_chunks - 1, -1, -1):  # one pass per 4-digit chunk, not per number
        rest, chunk = np.divmod(rest, 10**_CHUNK)
        out[:, c * _CHUNK : (c + 1) * _CHUNK] = _CHUNK_DIGITS[chunk]
    return out[:, n_chunks * _CHUNK - width :]


def ascii_rows(matrix: np.ndarray, name: str) -> pl.Series:
    """A string Series whose i-th value is the ASCII bytes of row i of ``matrix``."""
    m = np.ascontiguousarray(matrix, dtype=np.uint8)
    n, width = m.shape
    offsets = (np.arange(n + 1, dtype=np.int64) * width).astype(np.int64)
    arr = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(m.tobytes())]
    )
    series = pl.from_arrow(arr)
    if not isinstance(series, pl.Series):  # from_arrow returns a Series for an Array
        raise TypeError("expected a Series from an Arrow array")
    return series.cast(pl.String).rename(name)


def fixed_digits(values: np.ndarray, width: int, name: str) -> pl.Series:
    """Zero-padded decimal strings, e.g. ``fixed_digits([7], 3)`` → ``"007"``."""
    return ascii_rows(digit_matrix(values, width) + _ZERO, name)


def pick(vocabulary: Sequence[str], index: np.ndarray, name: str) -> pl.Series:
    """``vocabulary[index[i]]`` for every i, as a string Series."""
    return pl.Series(name, list(vocabulary), dtype=pl.String).gather(np.asarray(index, dtype=np.int64))
