"""Small vectorised helpers on sorted integer arrays, shared by the generator's modules.

Why: several steps need "the position of each row within its group" (the household sequence
in a village, the parent's rank in a household, the ID sequence within people sharing an
address code, birth date and sex). Doing it once, with a cumulative maximum over group
starts, keeps those steps free of per-row Python loops.
"""

from __future__ import annotations

import numpy as np


def group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """True where a new run of equal values begins (input sorted)."""
    n = len(sorted_keys)
    if n == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]], dtype=bool)


def rank_within(sorted_keys: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run of equal values (input sorted)."""
    starts = group_starts(sorted_keys)
    idx = np.arange(len(sorted_keys))
    return idx - np.maximum.accumulate(np.where(starts, idx, 0))


def run_sizes(sorted_keys: np.ndarray) -> np.ndarray:
    """For each element, the length of the run of equal values it belongs to."""
    starts = np.flatnonzero(group_starts(sorted_keys))
    lengths = np.diff(np.r_[starts, len(sorted_keys)])
    return np.repeat(lengths, lengths)
