"""Writing a synthetic result as a registry directory and a feeds directory.

Why these choices: the layout is the exchange contract (``registry/{divisions,households,
members,income,conditions}`` and ``feeds/events``), so the importer reads our output exactly as
it reads a county's. CSV is UTF-8 with a header and amounts printed with two decimals, so
``12.5`` appears as ``12.50`` as in a finance sheet; Parquet is zstd-compressed. Both are
byte-for-byte reproducible for the same result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import polars as pl

from jingzhun.synth.build import SynthResult

Format = Literal["csv", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "parquet")


def write(result: SynthResult, out_dir: Path | str, fmt: Format | str = "csv") -> list[Path]:
    """Write every table under ``out_dir``; returns the files written, registry first."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {list(FORMATS)}")
    root = Path(out_dir)
    (root / "registry").mkdir(parents=True, exist_ok=True)
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    targets = [(root / "registry" / name, frame) for name, frame in result.registry().items()]
    targets.append((root / "feeds" / "events", result.events))
    written = []
    for stem, frame in targets:
        path = stem.with_suffix(f".{fmt}")
        _write_one(frame, path, fmt)
        written.append(path)
    return written


def _write_one(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.write_csv(path, float_precision=2, date_format="%Y-%m-%d")
    else:
        frame.write_parquet(path, compression="zstd", statistics=True)
