"""Screening the store gives the same warnings as screening the files it was imported from,
and the same inputs give byte-identical output."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from jingzhun import bootstrap
from jingzhun.services.importer import run_import
from jingzhun.services.screening import (
    frames_of_households,
    load_store_tables,
    screen_files,
    screen_store,
    write_outputs,
)

from .helpers import synthetic_registry

AS_OF = dt.date(2026, 11, 1)


def test_store_and_files_give_the_same_warnings(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=600, seed=21)
    assert run_import(src, engine, today=AS_OF).committed
    resolve = bootstrap.policy_resolver()
    from_files = screen_files(src / "registry", src / "feeds", AS_OF, resolve)
    from_store = screen_store(engine, AS_OF, resolve)
    assert from_files.warnings is not None and from_store.warnings is not None
    assert from_files.flagged > 50
    assert from_store.warnings.equals(from_files.warnings)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_the_same_inputs_give_byte_identical_output(tmp_path, suffix):
    src = synthetic_registry(tmp_path / "reg", households=400, seed=22)
    outs = []
    for k in range(2):
        outcome = screen_files(src / "registry", src / "feeds", AS_OF, bootstrap.policy_resolver())
        out = tmp_path / f"run{k}" / f"warnings{suffix}"
        write_outputs(outcome, out)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 1000


def test_jsonl_keeps_evidence_as_an_object_and_csv_joins_lists(tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=300, seed=23)
    outcome = screen_files(src / "registry", src / "feeds", AS_OF, bootstrap.policy_resolver())
    write_outputs(outcome, tmp_path / "w.jsonl")
    first = pl.read_ndjson(tmp_path / "w.jsonl", infer_schema_length=None).row(0, named=True)
    assert isinstance(first["evidence"], dict) and isinstance(first["reasons"], list)
    write_outputs(outcome, tmp_path / "w.csv")
    assert (tmp_path / "w.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "w.rejects.csv").exists()


def test_the_frames_of_some_households_keep_their_members_and_their_events(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=200, seed=23)
    assert run_import(src, engine, today=AS_OF).committed
    tables = load_store_tables(engine)
    some = tables["households"]["household_id"].to_list()[::7]
    part = frames_of_households(tables, some)
    assert sorted(part["households"]["household_id"].to_list()) == sorted(some)
    for name in ("members", "income", "conditions"):
        assert set(part[name]["household_id"].to_list()) <= set(some)
        assert part[name].height == tables[name].filter(pl.col("household_id").is_in(some)).height
    people = set(part["members"]["person_id"].to_list())
    events = tables["events"].to_dicts()
    mine = [e for e in events if e["person_id"] in people or (e["person_id"] is None and e["household_id"] in some)]
    assert len(mine) > 0 and sorted(part["events"]["event_id"].to_list()) == sorted(e["event_id"] for e in mine)
