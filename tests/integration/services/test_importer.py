"""Import of registry directories into the real store (SQLite file and PostgreSQL server)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from jingzhun.adapters.db import registry_store
from jingzhun.adapters.db import tables as t
from jingzhun.services.importer import ImportSourceError, run_import

from .helpers import read_csv, snapshot, synthetic_registry, write_csv


def count(engine: Engine, table) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(table)) or 0


def test_a_clean_synthetic_county_is_accepted_whole(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg")
    report = run_import(src, engine)
    assert report.committed and report.rows_rejected == 0
    members = read_csv(src / "registry" / "members.csv")
    assert report.tables["members"].inserted == members.height == count(engine, t.members)
    assert report.tables["households"].read == count(engine, t.households)
    assert report.tables["events"].accepted == count(engine, t.events)
    report.check_conservation()


def test_reimporting_the_same_files_creates_no_duplicates(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg")
    run_import(src, engine)
    before = {name: count(engine, tb) for name, tb in t.REGISTRY_STORE.items()}
    again = run_import(src, engine)
    assert {name: count(engine, tb) for name, tb in t.REGISTRY_STORE.items()} == before
    assert all(c.inserted == 0 and c.updated == 0 for c in again.tables.values())
    assert again.tables["members"].unchanged == before["members"]
    assert count(engine, t.record_history) == 0


def test_an_update_keeps_the_replaced_version_in_history(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg")
    run_import(src, engine)
    income_path = src / "registry" / "income.csv"
    income = read_csv(income_path)
    target = income["household_id"][0], income["period_end"][0]
    old_wage = income["wage"][0]
    changed = income.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("12345.67")).otherwise(pl.col("wage")).alias("wage")
    )
    write_csv(changed, income_path)
    report = run_import(src, engine)
    assert report.tables["income"].updated == 1 and report.tables["income"].unchanged == income.height - 1
    with engine.connect() as c:
        row = c.execute(
            select(t.income).where(t.income.c.household_id == target[0], t.income.c.period_end == target[1])
        ).one()
        hist = c.execute(select(t.record_history)).all()
    assert row.wage_fen == 1_234_567 and row.version == 2 and row.import_id == report.import_id
    assert len(hist) == 1 and hist[0].table_name == "income" and hist[0].version == 1
    assert hist[0].record_key == f"{target[0]}|{target[1]}"
    old = json.loads(hist[0].data)
    assert old["wage_fen"] == round(float(old_wage) * 100)


def test_broken_rows_are_rejected_with_row_field_code_and_reason(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=50)
    reg = src / "registry"
    members = read_csv(reg / "members.csv")
    other_hh = members["household_id"][-1]
    pid = members["person_id"]
    bad_checksum = pid[0][:17] + ("0" if pid[0][17] != "0" else "1")
    impossible_birth = pid[1][:10] + "0230" + pid[1][14:]
    edits = {
        0: {"person_id": bad_checksum},
        1: {"person_id": impossible_birth},
        2: {"household_id": "NO-SUCH-HOUSEHOLD"},
        3: {"labor_capacity": "strong"},
        4: {"work_months": "many"},
    }
    rows = members.to_dicts()
    for i, change in edits.items():
        rows[i].update(change)
    dup = dict(rows[5])
    dup["household_id"] = other_hh if other_hh != rows[5]["household_id"] else members["household_id"][0]
    dup["relation"] = "other"
    rows.append(dup)  # the same person in a second household
    write_csv(pl.DataFrame(rows), reg / "members.csv")
    income = read_csv(reg / "income.csv").to_dicts()
    income[0]["wage"] = "-5"
    income[1]["transfer"] = "about 300"
    write_csv(pl.DataFrame(income), reg / "income.csv")
    households = read_csv(reg / "households.csv").to_dicts()
    households[0]["division_code"] = "999999101201"
    write_csv(pl.DataFrame(households), reg / "households.csv")

    report = run_import(src, engine)
    rejects = report.rejects
    assert rejects is not None
    by_row = {(r["_file"], r["_row"], r["code"]) for r in rejects.to_dicts()}
    for line, code in [
        (2, "ID_CHECKSUM"),
        (3, "ID_BIRTHDATE"),
        (4, "UNKNOWN_HOUSEHOLD"),
        (5, "ENUM_INVALID"),
        (6, "INT_INVALID"),
        (7, "PERSON_IN_TWO_HOUSEHOLDS"),
        (len(rows) + 1, "PERSON_IN_TWO_HOUSEHOLDS"),
    ]:
        assert ("members.csv", line, code) in by_row, (line, code)
    assert ("income.csv", 2, "AMOUNT_NEGATIVE") in by_row
    assert ("income.csv", 3, "AMOUNT_NOT_NUMERIC") in by_row
    assert ("households.csv", 2, "DIVISION_UNKNOWN") in by_row
    enum_msg = rejects.filter(pl.col("code") == "ENUM_INVALID")["message"][0]
    assert "strong" in enum_msg and "ordinary(普通劳动力)" in enum_msg
    # Members of the rejected household are rejected with the reason, not silently dropped.
    assert "HOUSEHOLD_REJECTED" in set(rejects["code"])
    # Conservation, table by table, and nothing unmasked in the messages.
    report.check_conservation()
    assert report.tables["members"].read == len(rows)
    assert not any(p in m for m in rejects["message"] for p in members["person_id"])
    assert count(engine, t.import_rejects) == rejects.height


def test_a_file_that_cannot_be_read_writes_nothing(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=30)
    run_import(src, engine)
    before = snapshot(engine)
    (src / "registry" / "conditions.csv").unlink()
    (src / "registry" / "conditions.xlsx").write_bytes(b"this is not a zip file")
    report = run_import(src, engine)
    assert not report.committed and report.file_errors[0]["code"] == "FILE_UNREADABLE"
    assert snapshot(engine) == before


def test_a_missing_required_column_rejects_every_row_of_that_file(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=30)
    path = src / "registry" / "conditions.csv"
    write_csv(read_csv(path).drop("water_safe"), path)
    report = run_import(src, engine)
    assert report.tables["conditions"].rejected == report.tables["conditions"].read > 0
    assert set(report.rejects.filter(pl.col("_file") == "conditions.csv")["code"]) == {"COLUMN_MISSING"}
    assert report.tables["households"].rejected == 0


def test_gbk_csv_with_chinese_headers_is_read_and_reported(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=30)
    path = src / "registry" / "households.csv"
    frame = read_csv(path).rename(
        {"household_id": "户编号", "division_code": "行政区划代码", "alleviated": "是否脱贫户"}
    )
    frame = frame.with_columns(pl.col("是否脱贫户").replace({"true": "是", "false": "否"}))
    write_csv(frame, path, encoding="gbk")
    report = run_import(src, engine)
    info = next(f for f in report.files if f.table == "households")
    assert info.encoding == "gb18030"
    assert report.tables["households"].rejected == 0 and report.tables["households"].inserted == 30


def test_a_failure_midway_leaves_the_store_exactly_as_before(engine, tmp_path, monkeypatch):
    src = synthetic_registry(tmp_path / "reg", households=40)
    run_import(src, engine)
    before = snapshot(engine)
    income = read_csv(src / "registry" / "income.csv")
    write_csv(income.with_columns(pl.lit("1.00").alias("property")), src / "registry" / "income.csv")
    real = registry_store.upsert

    def fail_on_conditions(conn, name, batch, **kw):
        if name == "conditions":  # after households, members and income were written
            raise OSError(28, "No space left on device")
        return real(conn, name, batch, **kw)

    monkeypatch.setattr(registry_store, "upsert", fail_on_conditions)
    with pytest.raises(OSError):
        run_import(src, engine)
    assert snapshot(engine) == before


def test_an_empty_directory_is_a_usage_error(engine, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportSourceError):
        run_import(tmp_path / "empty", engine)
    with pytest.raises(ImportSourceError):
        run_import(tmp_path / "missing", engine)


def test_an_event_naming_nobody_is_rejected_and_unknown_types_are_kept(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=30)
    path = src / "feeds" / "events.csv"
    events = read_csv(path)
    first = events.head(1).with_columns(
        pl.lit(None, pl.Utf8).alias("person_id"),
        pl.lit(None, pl.Utf8).alias("household_id"),
        pl.lit("ZZ-1").alias("event_id"),
    )
    odd = events.head(1).with_columns(pl.lit("pension_change").alias("event_type"), pl.lit("ZZ-2").alias("event_id"))
    write_csv(pl.concat([events, first, odd]), path)
    report = run_import(src, engine)
    codes = report.rejects.filter(pl.col("_file") == "events.csv")["code"].to_list()
    assert codes == ["SUBJECT_MISSING"]
    assert any("pension_change" in n for n in report.notes)
    with engine.connect() as c:
        kept = c.execute(select(t.events.c.known_type).where(t.events.c.event_id == "ZZ-2")).scalar_one()
    assert kept is False


def test_an_import_leaves_the_planner_statistics_of_what_it_wrote_up_to_date(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=60)
    assert run_import(src, engine).committed
    with engine.connect() as c:
        if engine.dialect.name == "sqlite":
            analysed = set(c.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1").scalars())
        else:
            analysed = set(
                c.exec_driver_sql("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL").scalars()
            )
    assert {"households", "members", "income"} <= analysed
