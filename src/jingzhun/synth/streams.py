"""Named random streams: one independent PCG64 generator per concern.

Why: if every step drew from one shared generator, adding a draw to the health model would
shift every later number (incomes, events) and make diffs between versions unreadable. A
stream keyed by (seed, name) keeps each concern's randomness stable on its own. The key is a
CRC-32 of the name, not Python's ``hash``, which is salted per process.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for concern ``name`` under ``seed`` (seed must be ≥ 0)."""
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, key])))
