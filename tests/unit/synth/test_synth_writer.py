"""Writing the exchange layout: registry/ and feeds/, CSV and Parquet, read back intact."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jingzhun.domain.exchange import EVENTS, REGISTRY_TABLES
from jingzhun.synth import SynthResult, write

SPEC = {t.name: [c.name for c in t.columns] for t in (*REGISTRY_TABLES, EVENTS)}


def _frames(result: SynthResult) -> dict[str, pl.DataFrame]:
    return {**result.registry(), "events": result.events}


def _path(root: Path, name: str, fmt: str) -> Path:
    return root / ("feeds" if name == "events" else "registry") / f"{name}.{fmt}"


def test_tables_use_the_exchange_column_names(demo: SynthResult) -> None:
    for name, frame in _frames(demo).items():
        assert frame.columns == SPEC[name], name


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip(demo: SynthResult, tmp_path: Path, fmt: str) -> None:
    written = write(demo, tmp_path, fmt)
    assert sorted(written) == sorted(_path(tmp_path, n, fmt) for n in SPEC)
    for name, frame in _frames(demo).items():
        path = _path(tmp_path, name, fmt)
        back = pl.read_csv(path, infer_schema=False) if fmt == "csv" else pl.read_parquet(path)
        assert back.height == frame.height, name
        assert back.columns == SPEC[name], name
        if fmt == "parquet":
            assert_frame_equal(back, frame)


def test_csv_is_utf8_with_two_decimal_amounts(demo: SynthResult, tmp_path: Path) -> None:
    write(demo, tmp_path, "csv")
    text = (tmp_path / "registry" / "households.csv").read_text("utf-8")
    assert text.startswith("household_id,division_code,alleviated,alleviated_year,address,phone\n")
    assert "元谋县" in text
    income = pl.read_csv(tmp_path / "registry" / "income.csv", infer_schema=False)
    assert income["wage"].str.contains(r"^-?\d+\.\d{2}$").all()
    assert income["period_end"].str.contains(r"^\d{4}-\d{2}$").all()
    members = pl.read_csv(tmp_path / "registry" / "members.csv", infer_schema=False)
    assert members["person_id"].str.contains(r"^\d{17}[\dX]$").all()
    assert set(members["medical_insured"].unique().to_list()) == {"true", "false"}


def test_unknown_format_is_rejected(demo: SynthResult, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        write(demo, tmp_path, "xlsx")
