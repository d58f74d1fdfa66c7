"""Account commands that the web and the API depend on: web passwords and API tokens."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from jingzhun import bootstrap
from jingzhun.cli.main import app
from jingzhun.services.auth import actor_for_token, login

runner = CliRunner()


def run(*args: str, code: int = 0, **env: str) -> str:
    result = runner.invoke(app, list(args), env=env or None)
    assert result.exit_code == code, result.output
    return result.output


def test_an_administrator_sets_a_password_and_issues_an_api_token(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path))
    run("user", "add", "admin", "--role", "administrator", "--jurisdiction", "532328", "--name", "管理员")
    run("user", "add", "sys", "--role", "department_data_officer", "--jurisdiction", "532328", "--name", "医保交换",
        "--as", "admin")  # fmt: skip
    run("user", "passwd", "sys", "--as", "admin", JINGZHUN_NEW_PASSWORD="correct horse 2026")
    run("user", "passwd", "sys", "--as", "admin", code=1, JINGZHUN_NEW_PASSWORD="1234")  # too weak
    out = run("user", "token", "sys", "--name", "医保局数据交换", "--days", "30", "--as", "admin")
    token = re.search(r"jz_[A-Za-z0-9_-]+", out)
    assert token is not None
    with bootstrap.open_store() as engine:
        assert actor_for_token(engine, token.group(0)).actor_id == "sys"
        cfg = bootstrap.settings()
        assert login(engine, "sys", "correct horse 2026", cfg).actor.actor_id == "sys"
    run("user", "token", "sys", "--name", "x", "--as", "sys", code=1)  # only an administrator issues tokens
