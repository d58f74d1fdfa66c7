"""The audit chain in the real store: written with each import, tampering detected by verify."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.cli.main import app
from jingzhun.services.importer import run_import

from .helpers import synthetic_registry


def test_sm3_matches_the_standard_test_vector():
    # GB/T 32905-2016 example 1: SM3("abc")
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def _three_imports(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=20)
    for _ in range(3):
        run_import(src, engine)


def test_each_import_appends_one_event_and_the_chain_verifies(engine, tmp_path):
    _three_imports(engine, tmp_path)
    count, problems = audit_store.verify(engine, sm3)
    assert count == 3 and problems == []
    with engine.connect() as c:
        actions = c.execute(select(t.audit_events.c.action).order_by(t.audit_events.c.seq)).scalars().all()
    assert actions == ["registry.import"] * 3


def test_edit_delete_swap_and_truncate_are_each_detected(engine, tmp_path):
    _three_imports(engine, tmp_path)
    e = t.audit_events
    with engine.begin() as c:
        c.execute(update(e).where(e.c.seq == 2).values(actor="someone-else"))
    assert [p.code for p in audit_store.verify(engine, sm3)[1]] == ["AUDIT_HASH"]
    with engine.begin() as c:
        c.execute(delete(e))
    _three_imports(engine, tmp_path / "again")
    with engine.begin() as c:
        c.execute(delete(e).where(e.c.seq == 2))
    assert {"AUDIT_GAP", "AUDIT_HASH"} <= {p.code for p in audit_store.verify(engine, sm3)[1]}


def test_truncation_and_swap_on_a_fresh_chain(engine, tmp_path):
    _three_imports(engine, tmp_path)
    e = t.audit_events
    with engine.begin() as c:
        rows = {r.seq: r for r in c.execute(select(e)).all()}
        c.execute(update(e).where(e.c.seq == 1).values(record=rows[2].record, hash=rows[2].hash))
        c.execute(update(e).where(e.c.seq == 2).values(record=rows[1].record, hash=rows[1].hash))
    assert audit_store.verify(engine, sm3)[1]
    with engine.begin() as c:  # put them back: intact again
        c.execute(update(e).where(e.c.seq == 1).values(record=rows[1].record, hash=rows[1].hash))
        c.execute(update(e).where(e.c.seq == 2).values(record=rows[2].record, hash=rows[2].hash))
    assert audit_store.verify(engine, sm3)[1] == []
    with engine.begin() as c:
        c.execute(delete(e).where(e.c.seq == 3))
    assert [p.code for p in audit_store.verify(engine, sm3)[1]] == ["AUDIT_TRUNCATED"]


def test_audit_verify_command_exit_codes(engine, tmp_path, monkeypatch, store_url):
    monkeypatch.setenv("JINGZHUN_DATABASE_URL", store_url)
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    _three_imports(engine, tmp_path)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "3" in ok.output
    with engine.begin() as c:
        c.execute(update(t.audit_events).where(t.audit_events.c.seq == 1).values(result="denied"))
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 1
