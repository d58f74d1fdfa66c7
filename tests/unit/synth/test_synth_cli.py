"""``jingzhun synth``: options, files and the closing summary."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jingzhun.cli.main import app

runner = CliRunner()


def test_synth_writes_registry_and_feeds(tmp_path: Path) -> None:
    out = tmp_path / "county"
    args = ["synth", "--households", "800", "--seed", "3", "--out", str(out), "--format", "parquet"]
    result = runner.invoke(app, [*args, "--profile", "ordinary", "--as-of", "2026-06-15"])
    assert result.exit_code == 0, result.output
    assert (out / "registry" / "members.parquet").is_file()
    assert (out / "feeds" / "events.parquet").is_file()
    assert "800" in result.output
    assert "2026-05" in result.output  # the income window ends the month before --as-of


def test_synth_defaults_to_csv(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--households", "300", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "registry" / "households.csv").is_file()


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    for extra in (
        ["--format", "xml"],
        ["--profile", "rich"],
        ["--as-of", "2026-13-01"],
        ["--province", "99"],
    ):
        result = runner.invoke(app, ["synth", "--households", "100", "--out", str(tmp_path), *extra])
        assert result.exit_code == 2, (extra, result.output)
    assert runner.invoke(app, ["synth", "--households", "10"]).exit_code == 2  # --out is required
