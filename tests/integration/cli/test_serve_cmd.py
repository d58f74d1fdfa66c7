"""``jingzhun serve``: several worker processes on PostgreSQL, refused on the embedded SQLite store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from jingzhun.cli.main import app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.postgres
def test_two_workers_start_together_on_an_empty_database_and_both_serve(pg_url: str, tmp_path: Path) -> None:
    # Both workers migrate the empty store at start; without the advisory lock one of them died
    # creating a table the other had just created.
    port = _free_port()
    env = {**os.environ, "JINGZHUN_DATABASE_URL": pg_url, "JINGZHUN_DATA_DIR": str(tmp_path)}
    jingzhun = Path(sys.executable).parent / "jingzhun"  # the installed command, as an operator runs it
    proc = subprocess.Popen(
        [str(jingzhun), "serve", "--workers", "2", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        answers = []
        deadline = time.monotonic() + 60
        while len(answers) < 20 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    answers.append(r.status)
            except OSError:
                time.sleep(0.2)
        assert answers == [200] * 20, answers
        assert proc.poll() is None  # the supervisor is still up
        engine = create_engine(pg_url)
        with engine.connect() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        engine.dispose()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err and "Child process" not in err, err  # no worker died at start


def test_several_workers_on_the_embedded_sqlite_store_are_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JINGZHUN_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2 and "SQLite" in result.output
