"""Helpers for import tests: small synthetic registries on disk, planted incomes and store snapshots."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.synth import generate, write

# A case taken through the green channel (先帮后评) and the visit that confirmed risks 07 and 01:
# the shortest road to a case that may be planned for. Pass each step to ``act_on_case``.
GREEN_CHANNEL_STEPS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("accept", {}),
    ("green_channel", {"reason": "因病急需救助，先帮后评"}),
    ("resume", {}),
    ("submit_verification", {"evidence": ["verification_form", "signed_consent"],
                             "category": MonitoringCategory.UNSTABLE_ALLEVIATED, "risk_codes": ["07", "01"]}),
)  # fmt: skip


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


def plant_income(src: Path, household_id: str, period_end: str, per_person_fen: int) -> int:
    """Rewrite one household's income window in a registry on disk: all of it transfers, ``per_person_fen`` a head.

    Returns the household's size (its members in ``members.csv``). Re-import the directory to plant it in a store.
    """
    size = read_csv(src / "registry" / "members.csv").filter(pl.col("household_id") == household_id).height
    income = read_csv(src / "registry" / "income.csv")
    row = (pl.col("household_id") == household_id) & (pl.col("period_end") == period_end)
    assert income.filter(row).height == 1, (household_id, period_end)
    total = str(Decimal(per_person_fen * size) / 100)
    income = income.with_columns(
        *(pl.when(row).then(pl.lit("0")).otherwise(pl.col(c)).alias(c) for c in ("wage", "business_net", "property")),
        pl.when(row).then(pl.lit(total)).otherwise(pl.col("transfer")).alias("transfer"),
    )
    income.write_csv(src / "registry" / "income.csv")
    return size
