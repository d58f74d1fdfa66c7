"""The household page and the API's household: per-capita income against the threshold, and the live warning.

Expectations come from the inputs, not from the code under test: a household's income is
planted in the registry files before they are imported, and what it should be warned of is
what the DuckDB engine (``jingzhun screen``'s path) says about those same files on the same day.
The day a household is screened on is the server's China-local today; the tests pin it to the
synthetic county's assessment day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from jingzhun import bootstrap
from jingzhun.adapters.db import tables as t
from jingzhun.domain.categories import MonitoringCategory, risk_table
from jingzhun.services import households as household_service
from jingzhun.services.auth import create_api_token
from jingzhun.services.importer import run_import
from jingzhun.services.screening import screen_files
from jingzhun.services.users import actor_of
from jingzhun.synth import DEFAULT_AS_OF
from jingzhun.web.app import create_app

from ..services.helpers import plant_income, read_csv
from .conftest import County, login

AS_OF = DEFAULT_AS_OF
WINDOW = f"{AS_OF.year}-{AS_OF.month - 1:02d}"
BEFORE_ANY_YUNNAN_PACK = dt.date(2022, 6, 1)  # only the national pack, which sets no threshold
TAG = re.compile(r"<[^>]+>")


def on_day(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(household_service, "assessment_day", lambda: day)


def whole_yuan(fen: int) -> str:
    return f"{(Decimal(fen) / 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP):,} 元"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", TAG.sub("", html))


def registry(tmp_path: Path) -> Path:
    return tmp_path / "reg"  # where the ``county`` fixture wrote the registry it imported


def engine_rows(src: Path, on: dt.date) -> dict[str, dict[str, object]]:
    outcome = screen_files(src / "registry", src / "feeds", on, bootstrap.policy_resolver())
    assert outcome.warnings is not None
    return {r["household_id"]: r for r in outcome.warnings.iter_rows(named=True)}


def reads(county: County) -> list[tuple[str, str]]:
    e = t.audit_events.c
    with county.engine.connect() as c:
        return [tuple(r) for r in c.execute(select(e.actor, e.record).where(e.action == "household.read"))]


@pytest.fixture
def planted(county: County, tmp_path: Path) -> tuple[str, int, int]:
    """A village-A household whose income was re-imported at half the threshold a head: (id, fen a head, threshold)."""
    src = registry(tmp_path)
    household = county.households_a[0]
    threshold = bootstrap.policy_resolver()(county.village_a, AS_OF).monitoring_threshold_fen
    per_person = threshold // 2
    plant_income(src, household, WINDOW, per_person)
    assert run_import(src, county.engine, today=AS_OF).committed
    return household, per_person, threshold


def test_a_household_below_the_threshold_shows_its_figure_the_standard_and_the_engines_reasons(
    app_client, county, tmp_path, planted, monkeypatch
):
    household, per_person, threshold = planted
    on_day(monkeypatch, AS_OF)
    expected = engine_rows(registry(tmp_path), AS_OF)[household]
    login(app_client, "cadre_a")
    page = app_client.get(f"/households/{household}")
    assert page.status_code == 200
    text = text_of(page.text)
    policy = f"（政策 {expected['policy_id']} {expected['policy_version']}）"
    assert f"人均纯收入 {whole_yuan(per_person)} / 监测标准 {whole_yuan(threshold)}{policy}" in text
    assert 'class="badge st-red">低于监测标准' in page.text
    assert MonitoringCategory(str(expected["category"])).label in text
    labels = risk_table(bootstrap.policy_resolver()(county.village_a, AS_OF).risk_types)
    for code in expected["risk_codes"]:  # type: ignore[attr-defined]
        assert f"{code} {labels[code].label}" in text
    for line in expected["reasons"]:  # type: ignore[attr-defined]
        assert f"<li>{escape(line)}</li>" in page.text
    assert f"至 {WINDOW}" in text
    assert reads(county) == [("cadre_a", f"household:{household}")]


def test_a_household_the_engine_does_not_flag_is_marked_not_below_and_shows_no_warning(
    app_client, county, tmp_path, monkeypatch
):
    on_day(monkeypatch, AS_OF)
    flagged = engine_rows(registry(tmp_path), AS_OF)
    with_income = set(
        read_csv(registry(tmp_path) / "registry" / "income.csv").filter(pl.col("period_end") == WINDOW)["household_id"]
    )
    quiet = [h for h in county.households_a if h not in flagged and h in with_income]
    assert quiet, "village A has a household the engine leaves alone"
    login(app_client, "cadre_a")
    page = app_client.get(f"/households/{quiet[0]}")
    assert page.status_code == 200
    assert 'class="badge st-green">不低于监测标准' in page.text and "st-red" not in page.text
    assert "本户未触发预警" in page.text and 'class="warn"' not in page.text


def test_a_place_and_day_without_a_threshold_in_force_says_so_instead_of_failing(app_client, county, monkeypatch):
    on_day(monkeypatch, BEFORE_ANY_YUNNAN_PACK)
    login(app_client, "cadre_a")
    page = app_client.get(f"/households/{county.households_a[0]}")
    assert page.status_code == 200
    assert "本地未配置监测标准" in page.text and "未作预警判断" in page.text
    assert "st-red" not in page.text and "st-green" not in page.text


def test_a_month_whose_incomes_are_not_imported_yet_is_named_and_the_newest_window_assessed(
    app_client, api, county, planted, monkeypatch
):
    household, per_person, _ = planted
    next_month = dt.date(AS_OF.year + (AS_OF.month == 12), AS_OF.month % 12 + 1, 12)
    on_day(monkeypatch, next_month)
    missing = f"{AS_OF.year}-{AS_OF.month:02d}"  # next month's window ends with this month: not in the files
    login(app_client, "cadre_a")
    text = text_of(app_client.get(f"/households/{household}").text)
    assert f"截至 {missing} 的收入尚未导入" in text and f"评估日 {AS_OF.isoformat()}" in text
    assert whole_yuan(per_person) in text and "低于监测标准" in text
    a = api.get(f"/households/{household}", headers=bearer(county, "cadre_a")).json()["assessment"]
    assert a["missing_window"] == missing and a["as_of"] == AS_OF.isoformat() and a["window_end"] == WINDOW
    assert a["per_capita_income_fen"] == per_person and a["below_threshold"] is True


@pytest.fixture
def api(county: County):
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


def bearer(county: County, user_id: str) -> dict[str, str]:
    token = create_api_token(county.engine, user_id, "test", by=actor_of(county.engine, "admin"))
    return {"Authorization": f"Bearer {token}"}


def test_the_api_household_carries_the_assessment_and_the_warning_as_the_engine_decides(
    api, county, tmp_path, planted, monkeypatch
):
    household, per_person, threshold = planted
    on_day(monkeypatch, AS_OF)
    expected = engine_rows(registry(tmp_path), AS_OF)[household]
    response = api.get(f"/households/{household}", headers=bearer(county, "cadre_a"))
    assert response.status_code == 200, response.text
    a = response.json()["assessment"]
    assert a["as_of"] == AS_OF.isoformat() and a["window_end"] == WINDOW and a["window_start"] < WINDOW
    assert a["per_capita_income_fen"] == per_person and a["threshold_fen"] == threshold
    assert a["below_threshold"] is True and a["no_policy_reason"] is None
    assert a["policy"] == {"id": expected["policy_id"], "version": expected["policy_version"],
                           "hash": expected["policy_hash"]}  # fmt: skip
    w = a["warning"]
    assert w["category"] == expected["category"]
    assert w["category_label"] == MonitoringCategory(str(expected["category"])).label
    assert [r["code"] for r in w["risk_codes"]] == expected["risk_codes"]
    assert w["rule_ids"] == expected["rule_ids"] and w["reasons"] == expected["reasons"]
    assert w["evidence"] == json.loads(str(expected["evidence"]))
    assert reads(county) == [("cadre_a", f"household:{household}")]


def test_the_api_says_plainly_when_no_threshold_is_in_force(api, county, monkeypatch):
    on_day(monkeypatch, BEFORE_ANY_YUNNAN_PACK)
    response = api.get(f"/households/{county.households_a[0]}", headers=bearer(county, "cadre_a"))
    assert response.status_code == 200, response.text
    a = response.json()["assessment"]
    assert a["policy"] is None and a["threshold_fen"] is None and a["warning"] is None and a["below_threshold"] is None
    assert "监测标准" in a["no_policy_reason"]


def test_the_schema_describes_the_assessment_and_its_warning(api):
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    household = schemas["HouseholdOut"]
    assert "assessment" in household["required"]
    assert {"per_capita_income_fen", "threshold_fen", "policy", "below_threshold", "warning"} <= set(
        schemas["Assessment"]["properties"]
    )
    assert {"category", "risk_codes", "rule_ids", "reasons", "evidence"} <= set(schemas["LiveWarning"]["properties"])
