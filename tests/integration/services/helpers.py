"""Helpers for import tests: small synthetic registries on disk and store snapshots."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from jingzhun.adapters.db import tables as t
from jingzhun.synth import generate, write


def synthetic_registry(out: Path, households: int = 200, seed: int = 7, fmt: str = "csv", province: str = "53") -> Path:
    """A synthetic county on disk. Two registries of one province share household and person
    ids (the same county, numbered the same way), so tests that add one registry to another
    use different provinces."""
    write(generate(households=households, seed=seed, province=province), out, fmt)
    return out


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every store table, in a stable order — equal snapshots mean an unchanged store."""
    out = {}
    with engine.connect() as conn:
        for table in (*t.REGISTRY_STORE.values(), t.record_history, t.imports, t.import_rejects):
            cols = [c for c in table.columns if c.name not in ("id",)]
            rows = conn.execute(select(*cols)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def read_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def write_csv(frame: pl.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    text = frame.write_csv()
    if encoding == "utf-8-sig":
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    else:
        path.write_bytes(text.encode(encoding))
