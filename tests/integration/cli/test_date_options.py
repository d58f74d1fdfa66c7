"""Every command that takes a date refuses a typo the same way: exit 2, the option named, no traceback.

Before the shared ``cli.dates`` some commands raised ``ValueError`` from ``fromisoformat`` and
``follow-up due --today 9999-12-31`` answered with an empty list; the dates are read before the
store is opened, so an empty data directory is enough here.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from jingzhun.cli.main import app

runner = CliRunner()

COMMANDS = [
    ["case", "list", "--today"],
    ["case", "show", "C-1", "--today"],
    ["case", "overdue", "--date"],
    ["case", "act", "C-1", "approve", "--at"],
    ["plan", "show", "C-1", "--today"],
    ["elimination", "candidates", "--as-of"],
    ["follow-up", "due", "--today"],
    ["follow-up", "record", "C-1", "--note", "走访", "--visited-on"],
    ["supervision", "report", "--today"],
    ["chain", "check", "--day"],
    ["audit", "log", "--since"],
]


@pytest.fixture(autouse=True)
def _empty_store(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JINGZHUN_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite'}")
    monkeypatch.setenv("COLUMNS", "250")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_malformed_date_is_a_usage_error_naming_the_option(command: list[str]):
    result = runner.invoke(app, [*command, "2026-13-01", "--as", "nobody"])
    assert result.exit_code == 2, result.output
    assert command[-1] in result.output and "YYYY-MM-DD" in result.output
    assert not isinstance(result.exception, ValueError) and "Traceback" not in result.output


@pytest.mark.parametrize("command", [c for c in COMMANDS if c[0] in ("follow-up", "supervision", "elimination")],
                         ids=lambda c: " ".join(c[:2]))  # fmt: skip
def test_a_day_outside_the_reports_range_is_refused_rather_than_answered_empty(command: list[str]):
    result = runner.invoke(app, [*command, "9999-12-31", "--as", "nobody"])
    assert result.exit_code == 2 and "超出范围" in result.output, result.output
