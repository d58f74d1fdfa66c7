"""Case work from the command line, end to end on a synthetic county: accounts, leads, the procedure.

One synthetic county (synth + import, accounts for every role, one screening run) is built once
per module and copied for each test, so every test starts from the same store and can change it.

Times: ``case act``, ``case lead`` and ``case objection`` take ``--at`` (Beijing time, never
later than now), and the procedure below is dated with fixed times from 2026-11-02, so the
notice period and the deadline counts do not depend on the day the tests run. The screening
cases are received at the current time, so the walk and the deadline test use their own dated
leads.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from click.testing import Result
from typer.testing import CliRunner

from jingzhun.cli.main import app

runner = CliRunner()

CASE_ID = re.compile(r"C[0-9a-f]{12}")
FULL_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
AS_OF = "2026-11-01"


def invoke(*args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
    """Run one command; it must exit with ``code`` and not by an unexpected exception."""
    result: Result = runner.invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, f"jingzhun {' '.join(args)} → {result.exit_code}\n{result.output}"
    return result.output


def refused(*args: str, reason: str) -> str:
    """A command the service refuses: exit 1 and the stable code on the terminal."""
    out = invoke(*args, code=1)
    assert f"✗ {reason}" in out, out
    return out


def table_row(output: str, first_cell: str) -> list[str]:
    """The cells of the rich table row whose first cell is ``first_cell``."""
    for cells in table_rows(output):
        if cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in\n{output}")


def table_rows(output: str) -> list[list[str]]:
    """Every row of every rich table in ``output`` (a wrapped row's continuation lines left out)."""
    rows = ([c.strip() for c in line.split("│")[1:-1]] for line in output.splitlines() if line.startswith("│"))
    return [cells for cells in rows if cells and cells[0]]


def case_ids(output: str) -> set[str]:
    return set(CASE_ID.findall(output))


@dataclass
class County:
    """A built county on disk: where it is, and the places and accounts the tests use."""

    root: Path
    county: str  # 6-digit code
    village_a: str
    village_b: str
    households: dict[str, list[str]]  # village code → household ids
    flagged: set[str]  # households the screening run warned about
    intake: str = ""  # what the first ``case from-screening`` printed
    users: dict[str, str] = field(default_factory=dict)  # account → role

    @property
    def township_a(self) -> str:
        return self.village_a[:9] + "000"

    @property
    def township_b(self) -> str:
        return self.village_b[:9] + "000"

    @property
    def warnings(self) -> Path:
        return self.root / "warnings.parquet"

    def members_of(self, household_id: str) -> list[str]:
        members = pl.read_csv(self.root / "reg" / "registry" / "members.csv", infer_schema=False)
        return members.filter(pl.col("household_id") == household_id)["person_id"].to_list()


def _use(mp: pytest.MonkeyPatch, root: Path) -> None:
    mp.setenv("JINGZHUN_DATA_DIR", str(root / "data"))
    mp.setenv("JINGZHUN_DATABASE_URL", f"sqlite:///{root / 'data' / 'store.sqlite'}")
    mp.setenv("COLUMNS", "200")  # rich wraps tables at 80 columns otherwise
    mp.delenv("JINGZHUN_USER", raising=False)


def _pick_villages(households: pl.DataFrame, flagged: set[str]) -> tuple[str, str, dict[str, list[str]]]:
    """Village A: most warnings, at least two households; village B: warnings, another township."""
    by_village: dict[str, list[str]] = {}
    for hid, code in households.select("household_id", "division_code").iter_rows():
        by_village.setdefault(code, []).append(hid)
    ranked = sorted(by_village, key=lambda v: (-len(flagged.intersection(by_village[v])), v))
    village_a = next(v for v in ranked if len(by_village[v]) >= 2)
    village_b = next(v for v in ranked if v[:9] != village_a[:9] and flagged.intersection(by_village[v]))
    return village_a, village_b, {v: sorted(h) for v, h in by_village.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[County, County]:
    """The county before and after its screening warnings were taken in as leads (two copies)."""
    root = tmp_path_factory.mktemp("county")
    with pytest.MonkeyPatch.context() as mp:
        _use(mp, root)
        invoke("synth", "--out", str(root / "reg"), "--households", "200", "--seed", "7")
        invoke("import", str(root / "reg"), "--report-dir", str(root / "reports"))
        households = pl.read_csv(root / "reg" / "registry" / "households.csv", infer_schema=False)
        invoke("screen", "--from-store", "--as-of", AS_OF, "--out", str(root / "warnings.parquet"))
        flagged = set(pl.read_parquet(root / "warnings.parquet")["household_id"].to_list())
        village_a, village_b, by_village = _pick_villages(households, flagged)
        county = County(root, village_a[:6], village_a, village_b, by_village, flagged)
        accounts = {
            "cadre_a": ("village_cadre", village_a, "甲村干部"),
            "cadre_b": ("village_cadre", village_b, "乙村干部"),
            "town_a": ("township_reviewer", county.township_a, "乡镇审核人"),
            "county_head": ("county_approver", county.county, "县级审批人"),
            "data_officer": ("department_data_officer", county.county, "部门数据专员"),
            "auditor": ("auditor", county.county, "审计员"),
        }
        invoke("user", "add", "admin", "--role", "administrator", "--jurisdiction", county.county, "--name", "管理员")
        for user, (role, where, name) in accounts.items():
            invoke("user", "add", user, "--role", role, "--jurisdiction", where, "--name", name, "--as", "admin")
        county.users = {"admin": "administrator"} | {u: r for u, (r, _, _) in accounts.items()}

        screened_root = tmp_path_factory.mktemp("screened") / "county"
        shutil.copytree(root, screened_root)
        _use(mp, screened_root)
        intake = invoke("case", "from-screening", str(screened_root / "warnings.parquet"), "--as", "data_officer")
        screened = County(**{**county.__dict__, "root": screened_root, "intake": intake})
    return county, screened


def _copy(template: County, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> County:
    root = tmp_path / "county"
    shutil.copytree(template.root, root)
    _use(monkeypatch, root)
    return County(**{**template.__dict__, "root": root})


@pytest.fixture
def county(built: tuple[County, County], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> County:
    """The county with its accounts and no cases yet."""
    return _copy(built[0], tmp_path, monkeypatch)


@pytest.fixture
def screened(built: tuple[County, County], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> County:
    """The county after the data officer took in the screening warnings (one case per flagged household)."""
    return _copy(built[1], tmp_path, monkeypatch)


# --- accounts ---------------------------------------------------------------------------------


def test_the_first_account_of_an_empty_store_must_be_an_administrator(tmp_path, monkeypatch):
    _use(monkeypatch, tmp_path)
    first_cadre = ("user", "add", "cadre", "--role", "village_cadre", "--jurisdiction", "532328", "--name", "张三")
    refused(*first_cadre, reason="PERMISSION_DENIED")
    out = invoke("user", "add", "admin", "--role", "administrator", "--jurisdiction", "532328", "--name", "管理员")
    assert "已创建账号 admin" in out and "532328000000" in out
    second = ("user", "add", "admin2", "--role", "administrator", "--jurisdiction", "532328", "--name", "李四")
    refused(*second, reason="PERMISSION_DENIED")  # only the very first account needs no --as
    invoke(*second, "--as", "admin")


def test_the_administrator_lists_and_deactivates_accounts(county):
    out = invoke("user", "list", "--as", "admin")
    assert "账号（7）" in out
    for user in county.users:
        assert table_row(out, user)[-1] == "有效"
    assert table_row(out, "cadre_a")[3] == county.village_a
    invoke("user", "list", code=2)  # no acting account
    invoke("user", "list", env={"JINGZHUN_USER": "admin"})  # the environment names it instead
    refused("user", "list", "--as", "cadre_a", reason="PERMISSION_DENIED")
    again = ("user", "add", "cadre_a", "--role", "village_cadre", "--jurisdiction", county.village_a, "--name", "重名")
    refused(*again, "--as", "admin", reason="USER_EXISTS")

    assert "已停用 cadre_b" in invoke("user", "deactivate", "cadre_b", "--as", "admin")
    assert table_row(invoke("user", "list", "--as", "admin"), "cadre_b")[-1] == "停用"
    refused("case", "list", "--as", "cadre_b", reason="USER_NOT_FOUND")
    refused("user", "deactivate", "nobody", "--as", "admin", reason="USER_NOT_FOUND")


# --- screening warnings become cases ----------------------------------------------------------


def test_screening_warnings_become_one_case_per_household_and_a_rerun_adds_nothing(screened):
    n = len(screened.flagged)
    assert n > 0
    assert table_row(screened.intake, "读入预警")[1] == str(n)
    assert table_row(screened.intake, "新立案")[1] == str(n)
    assert table_row(screened.intake, "此前已受理（未重复）")[1] == "0"
    assert table_row(screened.intake, "不在辖区或库中无此户")[1] == "0"

    again = invoke("case", "from-screening", str(screened.warnings), "--as", "data_officer")
    assert table_row(again, "新立案")[1] == "0" and table_row(again, "并入未结案件")[1] == "0"
    assert table_row(again, "此前已受理（未重复）")[1] == str(n)

    as_csv = screened.root / "warnings.csv"  # the same run written as CSV yields the same leads
    invoke("screen", "--from-store", "--as-of", AS_OF, "--out", str(as_csv))
    from_csv = invoke("case", "from-screening", str(as_csv), "--as", "data_officer")
    assert table_row(from_csv, "新立案")[1] == "0"
    assert table_row(from_csv, "此前已受理（未重复）")[1] == str(n)


def test_a_village_cadre_queue_holds_only_the_cases_of_their_village(screened):
    out = invoke("case", "list", "--as", "cadre_a")
    flagged_a = screened.flagged.intersection(screened.households[screened.village_a])
    listed = set(re.findall(r"\b\d{16}\b", out))
    assert listed == flagged_a
    assert f"案件（{len(flagged_a)}）" in out and "线索受理" in out
    whole = invoke("case", "list", "--as", "county_head", "--limit", "1000")
    assert f"案件（{len(screened.flagged)}）" in whole


def test_a_cadre_of_another_village_cannot_see_or_touch_a_case(screened):
    queue = invoke("case", "list", "--as", "cadre_a")
    case = sorted(case_ids(queue))[0]
    household = table_row(queue, case)[1]
    refused("case", "show", case, "--as", "cadre_b", reason="CASE_NOT_FOUND")
    refused("case", "act", case, "accept", "--as", "cadre_b", reason="CASE_NOT_FOUND")
    refused("household", "show", household, "--as", "cadre_b", reason="HOUSEHOLD_NOT_FOUND")
    lead = ("case", "lead", "--household", household, "--channel", "cadre_screening", "--source", "走访")
    refused(*lead, "--as", "cadre_b", reason="HOUSEHOLD_NOT_FOUND")
    assert case not in invoke("case", "list", "--as", "cadre_b")
    assert case in invoke("case", "list", "--as", "town_a")  # the township sees its villages


# --- the identification procedure, step by step -----------------------------------------------


def test_a_case_walks_the_whole_identification_procedure(county):
    household = county.households[county.village_a][0]

    def act(user: str, action: str, *opts: str) -> str:
        return invoke("case", "act", case, action, *opts, "--as", user)

    def act_refused(user: str, action: str, *opts: str, reason: str) -> str:
        return refused("case", "act", case, action, *opts, "--as", user, reason=reason)

    opened = invoke(
        "case", "lead", "--household", household, "--channel", "self_declaration", "--source", "12317 热线",
        "--at", "2026-11-02T09:00", "--as", "cadre_a",
    )  # fmt: skip
    assert "农户自主申报线索已受理" in opened and "1 条线索" in opened
    (case,) = case_ids(opened)
    merged = invoke(
        "case", "lead", "--household", household, "--channel", "department_warning", "--source", "医保局推送",
        "--department", "medical_insurance", "--category", "sudden_hardship", "--risk", "01",
        "--at", "2026-11-02T11:00", "--as", "data_officer",
    )  # fmt: skip
    assert case_ids(merged) == {case} and "2 条线索" in merged
    assert case in invoke("case", "list", "--today", "2026-11-02", "--as", "cadre_a")

    act("town_a", "accept", "--at", "2026-11-02T14:00")
    act_refused(
        "cadre_a", "submit_verification", "--evidence", "verification_form", "--category", "marginal_at_risk",
        "--risk", "01", "--at", "2026-11-03T10:00", reason="EVIDENCE_MISSING",
    )  # fmt: skip  # the signed 承诺授权书 is missing
    act(
        "cadre_a", "submit_verification", "--evidence", "verification_form", "--evidence", "signed_consent",
        "--category", "marginal_at_risk", "--risk", "01", "--risk", "07", "--at", "2026-11-03T10:00",
    )  # fmt: skip
    act_refused("cadre_a", "complete_comparison", "--evidence", "asset_comparison", reason="ROLE_NOT_ALLOWED")
    act("data_officer", "complete_comparison", "--evidence", "asset_comparison", "--at", "2026-11-04T10:00")
    out = act("cadre_a", "pass_village_review", "--evidence", "village_review_minutes", "--at", "2026-11-05T19:00")
    assert "→ publicizing" in out

    # 公示 from 2026-11-05 (day 1) to 2026-11-09 (day 5): the last day is still too early
    early = act_refused(
        "cadre_a", "close_publicity", "--evidence", "publicity_record", "--at", "2026-11-09T18:00",
        reason="NOTICE_PERIOD",
    )  # fmt: skip
    assert "2026-11-09" in early and "2026-11-10" in early
    raised = invoke(
        "case", "objection", case, "--summary", "村民反映该户有车", "--at", "2026-11-07T10:00", "--as", "cadre_a"
    )  # fmt: skip
    assert "异议 O1：已登记" in raised
    act_refused(
        "cadre_a", "close_publicity", "--evidence", "publicity_record", "--at", "2026-11-10T09:00",
        reason="OBJECTION_OPEN",
    )  # fmt: skip
    refused("case", "objection", case, "--answer-to", "O1", "--answer", "核实", "--as", "auditor",
            reason="PERMISSION_DENIED")  # fmt: skip
    answered = invoke(
        "case", "objection", case, "--answer-to", "O1", "--answer", "经核实为借用亲属车辆",
        "--at", "2026-11-10T10:00", "--as", "town_a",
    )  # fmt: skip
    assert "异议 O1：已答复" in answered
    closed = act("cadre_a", "close_publicity", "--evidence", "publicity_record", "--at", "2026-11-10T11:00")
    assert "→ township_review" in closed
    act_refused(  # a time ahead of the clock is refused: a notice cannot be "served" in advance
        "town_a", "approve", "--evidence", "township_review_opinion", "--at", "2099-01-01T09:00",
        reason="TIME_IN_FUTURE",
    )  # fmt: skip

    # separation of duties: a cadre cannot approve; whoever took a step of this pass cannot review it
    act_refused("cadre_a", "approve", "--evidence", "township_review_opinion", reason="ROLE_NOT_ALLOWED")
    act_refused("town_a", "approve", "--evidence", "township_review_opinion", reason="SELF_APPROVAL")
    invoke(
        "user", "add", "town_a2", "--role", "township_reviewer", "--jurisdiction", county.township_a,
        "--name", "乡镇审核人二", "--as", "admin",
    )  # fmt: skip
    assert "→ county_approval" in act("town_a2", "approve", "--evidence", "township_review_opinion")
    act_refused("county_head", "approve", reason="EVIDENCE_MISSING")
    assert "→ announced" in act("county_head", "approve", "--evidence", "county_approval_document")
    assert "→ monitoring" in act("cadre_a", "register", "--evidence", "announcement_record")
    act_refused("county_head", "approve", "--evidence", "county_approval_document", reason="WORKFLOW_NOT_ALLOWED")

    shown = invoke("case", "show", case, "--as", "cadre_a")
    assert "环节：监测帮扶" in shown and "类别：marginal_at_risk" in shown and "风险：01、07" in shown
    assert "农户自主申报" in shown and "部门筛查预警" in shown
    steps = [
        ("1", "accept", "town_a"),
        ("2", "submit_verification", "cadre_a"),
        ("3", "complete_comparison", "data_officer"),
        ("4", "pass_village_review", "cadre_a"),
        ("5", "close_publicity", "cadre_a"),
        ("6", "approve", "town_a2"),
        ("7", "approve", "county_head"),
        ("8", "register", "cadre_a"),
    ]  # refused attempts leave no trace in the timeline
    for seq, action, user in steps:
        row = table_row(shown, seq)
        assert row[1] == action and row[3].startswith(user), row
    assert table_row(shown, "4")[4] == "2026-11-05 19:00"  # entered and shown in Beijing time
    assert [row[0] for row in table_rows(shown) if len(row) == 6 and row[0].isdigit()] == [s for s, _, _ in steps]

    failed = invoke("audit", "log", "--result", "failed", "--as", "auditor")
    assert "NOTICE_PERIOD" in failed and "OBJECTION_OPEN" in failed and "EVIDENCE_MISSING" in failed
    denied = invoke("audit", "log", "--result", "denied", "--as", "auditor")
    assert "ROLE_NOT_ALLOWED" in denied and "SELF_APPROVAL" in denied
    assert "审计链完整" in invoke("audit", "verify")


# --- deadlines ----------------------------------------------------------------------------------


def test_the_daily_overdue_report_counts_late_cases_per_township_and_county(county):
    a1, a2 = county.households[county.village_a][:2]
    (b1,) = county.households[county.village_b][:1]
    leads = ((a1, "cadre_a", "2026-11-02"), (a2, "cadre_a", "2026-11-16"), (b1, "cadre_b", "2026-11-14"))
    opened = {}
    for household, user, day in leads:
        out = invoke(
            "case", "lead", "--household", household, "--channel", "cadre_screening", "--source", "干部走访",
            "--at", f"{day}T09:00", "--as", user,
        )  # fmt: skip
        (opened[household],) = case_ids(out)

    # on 2026-11-18 — 线索受理 is due 2 days after the lead: a1 is 14 days late (red),
    # b1 2 days late (orange), a2 is due that very day (yellow)
    report = invoke("case", "overdue", "--date", "2026-11-18", "--as", "county_head")
    assert "2026-11-18 期限统计" in report
    columns = slice(2, 8)  # 层级, 程序中, 临期, 超期（橙）, 严重超期（红）, 无法计算
    assert table_row(report, county.county + "000000")[columns] == ["县", "3", "1", "1", "1", "0"]
    assert table_row(report, county.township_a)[columns] == ["乡镇", "2", "1", "0", "1", "0"]
    assert table_row(report, county.township_b)[columns] == ["乡镇", "1", "0", "1", "0", "0"]
    township_rows = [line for line in report.splitlines() if "│ 乡镇 │" in line]
    assert len(township_rows) == 2  # only townships with cases in a procedure

    town = invoke("case", "overdue", "--date", "2026-11-18", "--as", "town_a")
    assert table_row(town, county.township_a)[columns] == ["乡镇", "2", "1", "0", "1", "0"]
    assert county.county + "000000" not in town and county.township_b not in town

    late_a = invoke("case", "list", "--overdue", "--today", "2026-11-18", "--as", "cadre_a")
    assert "超期案件（1）" in late_a and case_ids(late_a) == {opened[a1]}
    assert "严重超期" in table_row(late_a, opened[a1])[-1]
    late_all = invoke("case", "list", "--overdue", "--today", "2026-11-18", "--as", "county_head")
    assert case_ids(late_all) == {opened[a1], opened[b1]}
    queue = invoke("case", "list", "--today", "2026-11-18", "--as", "cadre_a")
    assert case_ids(queue) == {opened[a1], opened[a2]} and "临期" in table_row(queue, opened[a2])[-1]
    assert "超期案件（0）" in invoke("case", "list", "--overdue", "--today", "2026-11-03", "--as", "county_head")
    refused("case", "overdue", "--date", "2026-11-18", "--as", "auditor", reason="PERMISSION_DENIED")


# --- person records: masked, scoped, audited --------------------------------------------------


def test_a_household_is_shown_masked_and_every_read_is_audited(county):
    household = county.households[county.village_a][0]
    ids = county.members_of(household)
    assert ids
    for _ in range(2):
        out = invoke("household", "show", household, "--as", "cadre_a")
        assert f"户 {household}" in out and f"家庭成员（{len(ids)}）" in out
        assert not FULL_ID_NUMBER.search(out), out
        assert not any(pid in out for pid in ids)
        assert f"{ids[0][:4]}**********{ids[0][-4:]}" in out
    refused("household", "show", household, "--as", "auditor", reason="PERMISSION_DENIED")
    refused("household", "show", household, "--as", "admin", reason="PERMISSION_DENIED")

    log = invoke("audit", "log", "--as", "auditor")
    reads = [line for line in log.splitlines() if "household.read" in line and f"household:{household}" in line]
    assert sum("cadre_a" in line and "│ ok" in line for line in reads) == 2
    assert sum("auditor" in line and "denied" in line for line in reads) == 1
    assert not FULL_ID_NUMBER.search(log)
    denied = invoke("audit", "log", "--result", "denied", "--as", "auditor")
    assert {row[6] for row in table_rows(denied) if row[0].isdigit()} == {"denied"}
    refused("audit", "log", "--as", "cadre_a", reason="PERMISSION_DENIED")
    assert "审计链完整" in invoke("audit", "verify")
