"""Hand-made households screened as a caseworker would expect from the policy notes.

Each household is one case: just below, at and above the threshold in two provinces (Yunnan
8,700 yuan, Liaoning 2022 7,260 yuan); a 200,000-yuan medical bill above the threshold; a
compulsory-age dropout; the death of the only labourer; a disaster loss; an income collapse;
a household with nothing wrong; and a broken input row.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from jingzhun.cli.main import app

from .handmade import HH, Person, write_registry

runner = CliRunner()
YUNNAN = "532328101201"
LIAONING = "211224101201"  # 昌图县
ADULT = dt.date(1980, 3, 1)


def family(n: int = 3, labor: str = "ordinary") -> list[Person]:
    people = [Person("户主", "head", ADULT, labor=labor), Person("配偶", "spouse", dt.date(1982, 5, 5), labor=labor)]
    people += [Person(f"子女{i}", "child", dt.date(2004, 1, 1 + i), labor=labor) for i in range(n - 2)]
    return people


def invoke_screen(root: Path, as_of: str, out: Path):  # type: ignore[no-untyped-def]
    """``jingzhun screen`` over a hand-made registry, as a user types it."""
    args = ["--registry", str(root / "registry"), "--feeds", str(root / "feeds"), "--as-of", as_of, "--out", str(out)]
    return runner.invoke(app, ["screen", *args])


def run_screen(tmp_path: Path, households: list[HH], as_of: str, period_end: str, prev: str) -> tuple[int, dict, Path]:
    root = write_registry(tmp_path / "in", households, period_end, prev)
    out = tmp_path / "out" / "warnings.jsonl"
    result = invoke_screen(root, as_of, out)
    rows = {}
    if out.exists():
        for line in out.read_text("utf-8").splitlines():
            rec = json.loads(line)
            rows[rec["household_id"]] = rec
    return result.exit_code, rows, out


def yunnan_cases() -> list[HH]:
    return [
        HH("YN-BELOW", YUNNAN, False, family(), {"wage": "26099.99"}),
        HH("YN-AT", YUNNAN, False, family(), {"wage": "26100.00"}),
        HH("YN-ABOVE", YUNNAN, False, family(), {"wage": "26100.01"}),
        HH("YN-ALLEV-BELOW", YUNNAN, True, family(), {"wage": "12000"}),
        HH(
            "YN-MEDICAL",
            YUNNAN,
            False,
            family(),
            {"wage": "90000"},
            events=[
                {
                    "source": "medical_insurance",
                    "event_type": "medical_expense",
                    "event_date": "2026-08-10",
                    "amount": "200000",
                    "person": "0",
                }
            ],
        ),
        HH(
            "YN-DROPOUT",
            YUNNAN,
            False,
            [*family(2), Person("孩子", "child", dt.date(2014, 2, 1), labor="none", schooling="dropout")],
            {"wage": "60000"},
        ),
        HH(
            "YN-DEATH",
            YUNNAN,
            False,
            [
                Person("户主", "head", ADULT, labor="ordinary"),
                Person("配偶", "spouse", ADULT, labor="none", health="serious"),
            ],
            {"wage": "40000"},
            events=[{"source": "public_security", "event_type": "death", "event_date": "2026-09-01", "person": "0"}],
        ),
        HH(
            "YN-DISASTER",
            YUNNAN,
            False,
            family(),
            {"wage": "40000", "business_net": "20000"},
            events=[
                {
                    "source": "emergency",
                    "event_type": "disaster_loss",
                    "event_date": "2026-07-15",
                    "amount": "60000",
                    "detail": "洪涝",
                }
            ],
        ),
        HH(
            "YN-COLLAPSE",
            YUNNAN,
            False,
            family(),
            {"wage": "30000"},
            prev_income={"wage": "90000"},
            events=[{"source": "human_resources", "event_type": "job_loss", "event_date": "2026-03-01", "person": "0"}],
        ),
        HH("YN-FINE", YUNNAN, False, family(), {"wage": "60000"}, prev_income={"wage": "58000"}),
    ]


@pytest.fixture
def yunnan(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    return run_screen(tmp_path, yunnan_cases(), "2026-11-01", "2026-10", "2025-10")


def test_threshold_boundaries_are_exact(yunnan):
    code, rows, _ = yunnan
    assert code == 0
    below = rows["YN-BELOW"]
    assert below["category"] == "marginal_at_risk"
    assert "INCOME_BELOW_THRESHOLD" in below["rule_ids"]
    assert any("8,700" in r and "8,700 元" in r for r in below["reasons"]), below["reasons"]
    assert below["evidence"]["monitoring_threshold_fen"] == 870_000
    assert "YN-AT" not in rows and "YN-ABOVE" not in rows  # equal to the threshold is not below it


def test_alleviated_household_below_is_unstable_alleviated(yunnan):
    _, rows, _ = yunnan
    assert rows["YN-ALLEV-BELOW"]["category"] == "unstable_alleviated"
    assert any("4,000 元" in r for r in rows["YN-ALLEV-BELOW"]["reasons"])


def test_large_medical_bill_above_threshold_is_sudden_hardship_due_to_illness(yunnan):
    _, rows, _ = yunnan
    med = rows["YN-MEDICAL"]
    assert med["category"] == "sudden_hardship"
    assert med["risk_codes"][0] == "01"
    assert any("200,000" in r for r in med["reasons"])
    assert med["evidence"]["max_person_medical_fen"] == 20_000_000


def test_dropout_is_flagged_for_a_visit_with_the_education_risk(yunnan):
    _, rows, _ = yunnan
    d = rows["YN-DROPOUT"]
    assert d["category"] is None  # income above the threshold: the visit decides
    assert "09" in d["risk_codes"] and any(r.startswith("DROPOUT") for r in d["rule_ids"])


def test_death_of_the_only_labourer_is_sudden_hardship_lacking_labour(yunnan):
    _, rows, _ = yunnan
    d = rows["YN-DEATH"]
    assert d["category"] == "sudden_hardship"
    assert "04" in d["risk_codes"]
    assert "LABOURER_DEATH" in d["rule_ids"]


def test_disaster_loss_is_sudden_hardship_due_to_disaster(yunnan):
    _, rows, _ = yunnan
    d = rows["YN-DISASTER"]
    assert d["category"] == "sudden_hardship"
    assert any(c.startswith("02") for c in d["risk_codes"])
    assert any("60,000" in r for r in d["reasons"])


def test_income_collapse_is_sudden_hardship(yunnan):
    _, rows, _ = yunnan
    d = rows["YN-COLLAPSE"]
    assert d["category"] == "sudden_hardship" and "INCOME_COLLAPSE" in d["rule_ids"]
    assert "07" in d["risk_codes"]


def test_a_household_with_nothing_wrong_is_not_flagged(yunnan):
    _, rows, _ = yunnan
    assert "YN-FINE" not in rows


def test_every_warning_names_its_policy_and_window(yunnan):
    _, rows, _ = yunnan
    for rec in rows.values():
        assert rec["policy_id"].startswith("cn-53") and rec["policy_version"] and rec["policy_hash"]
        assert rec["as_of"] == "2026-11-01" and rec["income_window"] == "2026-10"


def test_liaoning_2022_boundaries_under_its_own_threshold(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    cases = [
        HH("LN-BELOW", LIAONING, True, family(2), {"wage": "14519.98"}),  # 7,259.99 each
        HH("LN-AT", LIAONING, True, family(2), {"wage": "14520"}),
        HH("LN-ABOVE", LIAONING, True, family(2), {"wage": "14520.02"}),
    ]
    code, rows, _ = run_screen(tmp_path, cases, "2022-11-01", "2022-10", "2021-10")
    assert code == 0
    assert set(rows) == {"LN-BELOW"}
    assert rows["LN-BELOW"]["category"] == "unstable_alleviated"
    assert rows["LN-BELOW"]["evidence"]["monitoring_threshold_fen"] == 726_000


def test_broken_rows_are_rejected_beside_the_output_with_exit_code_3(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    root = write_registry(tmp_path / "in", yunnan_cases(), "2026-10", "2025-10")
    members = pl.read_csv(root / "registry" / "members.csv", infer_schema=False)
    pid = members["person_id"][0]
    members = members.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(pid[:17] + ("1" if pid[17] != "1" else "2")))
        .otherwise(pl.col("person_id"))
        .alias("person_id")
    )
    members.write_csv(root / "registry" / "members.csv")
    out = tmp_path / "w.csv"
    result = invoke_screen(root, "2026-11-01", out)
    assert result.exit_code == 3, result.output
    rejects = pl.read_csv(tmp_path / "w.rejects.csv", infer_schema=False)
    assert rejects.filter(pl.col("row") == "2")["code"].to_list() == ["ID_CHECKSUM"]
    assert out.exists()


def test_a_province_without_a_threshold_is_reported_not_guessed(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    cases = [HH("GZ-1", "522301101201", False, family(), {"wage": "1000"})]  # Guizhou: no pack shipped
    code, rows, out = run_screen(tmp_path, cases, "2026-11-01", "2026-10", "2025-10")
    assert code == 3 and rows == {}
    rejects = [json.loads(x) for x in out.with_name("warnings.rejects.jsonl").read_text("utf-8").splitlines()]
    assert rejects[0]["code"] == "POLICY_NO_THRESHOLD"


def test_usage_errors_exit_2(tmp_path):
    assert (
        runner.invoke(
            app, ["screen", "--registry", str(tmp_path), "--as-of", "2026-13-01", "--out", str(tmp_path / "x.csv")]
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            app,
            ["screen", "--registry", str(tmp_path / "none"), "--as-of", "2026-11-01", "--out", str(tmp_path / "x.csv")],
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            app, ["screen", "--registry", str(tmp_path), "--as-of", "2026-11-01", "--out", str(tmp_path / "x.txt")]
        ).exit_code
        == 2
    )
