"""Batch screening: registry and feed files (or the store) in, one warning file out.

The use case behind ``jingzhun screen`` (contract in ``shared/design/architecture.md``):

* inputs are validated exactly as an import validates them (``registry_validation``) — a bad
  row is rejected with row, field, code and message into a sibling ``*.rejects.*`` file, never
  silently dropped or repaired; the screening itself runs on the accepted rows;
* every household is screened under the policy in force for its place on the assessment
  day (or under one explicit ``--policy``); a place without a monitoring threshold in force
  is reported per household (``POLICY_NO_THRESHOLD``), not guessed;
* output: one row per flagged household, sorted, byte-identical for the same inputs.

Exit codes (``ScreenOutcome.exit_code``): 0 ok · 1 failure · 2 usage · 3 done, rows rejected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
from sqlalchemy import Engine, select

from jingzhun.adapters.engine.screen_duckdb import OUTPUT_SCHEMA, screen
from jingzhun.adapters.engine.validate import ERROR_SCHEMA, Reference, validate
from jingzhun.adapters.files.raw import RawTable
from jingzhun.domain.exchange import CONDITIONS, EVENTS, HOUSEHOLDS, INCOME, MEMBERS, Table
from jingzhun.domain.household import income_window_end
from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.services.import_report import FileInfo
from jingzhun.services.registry_validation import NO_STORE, SourceError, read_dirs, sorted_rejects, validate_all

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_REJECTS = 0, 1, 2, 3
SCREEN_TABLES: tuple[Table, ...] = (HOUSEHOLDS, MEMBERS, INCOME, CONDITIONS, EVENTS)
Resolver = Callable[[str, dt.date], ResolvedPolicy]


@dataclass(slots=True)
class ScreenOutcome:
    as_of: dt.date
    households: int = 0
    flagged: int = 0
    rows_read: int = 0
    rows_rejected: int = 0
    warnings: pl.DataFrame | None = None
    rejects: pl.DataFrame | None = None
    files: list[FileInfo] = field(default_factory=list)
    file_errors: list[dict[str, str]] = field(default_factory=list)
    unresolved: dict[str, tuple[str, str]] = field(default_factory=dict)
    out: Path | None = None
    rejects_path: Path | None = None

    @property
    def exit_code(self) -> int:
        if self.file_errors:
            return EXIT_FAILURE
        return EXIT_REJECTS if self.rows_rejected else EXIT_OK


def _empty(table: Table) -> pl.DataFrame:
    return pl.DataFrame(schema={c.name: pl.Utf8 for c in table.columns})


def screen_files(registry: Path, feeds: Path | None, as_of: dt.date, resolve: Resolver) -> ScreenOutcome:
    """Validate the files and screen the accepted rows (nothing is written)."""
    outcome = ScreenOutcome(as_of)
    raws: dict[str, list[RawTable]] = read_dirs(registry, feeds, outcome, tables=SCREEN_TABLES)
    if outcome.file_errors:
        return outcome
    if "households" not in raws or "members" not in raws:
        raise SourceError(f"{registry} 中缺少 households 或 members 表，无法筛查")
    # The assessment day plays "today": a person born after it cannot be in the registry.
    candidates = validate_all(raws, as_of, NO_STORE)
    outcome.rows_read = sum(c.read for c in candidates.values())
    typed = {t.name: candidates[t.name].accepted() if t.name in candidates else _typed_empty(t) for t in SCREEN_TABLES}
    result = screen({k: v.drop("_file", "_row", strict=False) for k, v in typed.items()}, as_of, resolve)
    policy_rejects = _policy_rejects(typed["households"], result.unresolved)
    rejects = pl.concat([sorted_rejects(candidates), policy_rejects]).sort(["_file", "_row", "field"])
    outcome.rejects = rejects
    outcome.rows_rejected = rejects.select("_file", "_row").unique().height
    _finish(outcome, result.warnings, result.households, result.unresolved)
    return outcome


def _typed_empty(table: Table) -> pl.DataFrame:
    """A missing optional table (income, conditions, events) is an empty one, correctly typed."""
    frame = _empty(table).with_columns(pl.lit(None, pl.Utf8).alias("_file"), pl.lit(None, pl.Int64).alias("_row"))
    return validate(frame, table, Reference.load()).typed


def _policy_rejects(households: pl.DataFrame, unresolved: dict[str, tuple[str, str]]) -> pl.DataFrame:
    if not unresolved:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    county = pl.col("division_code").str.slice(0, 6)
    hit = households.filter(county.is_in(list(unresolved)))
    codes = {c: v[0] for c, v in unresolved.items()}
    messages = {c: v[1] for c, v in unresolved.items()}
    return hit.select(
        pl.col("_file"),
        pl.col("_row"),
        pl.lit("division_code").alias("field"),
        county.replace_strict(codes, return_dtype=pl.Utf8).alias("code"),
        county.replace_strict(messages, return_dtype=pl.Utf8).alias("message"),
    ).cast(ERROR_SCHEMA)  # type: ignore[arg-type]


def _finish(
    outcome: ScreenOutcome, warnings: pl.DataFrame, households: int, unresolved: dict[str, tuple[str, str]]
) -> None:
    outcome.warnings = warnings.with_columns(pl.lit(str(income_window_end(outcome.as_of))).alias("income_window"))
    outcome.households = households
    outcome.flagged = warnings.height
    outcome.unresolved = unresolved


def screen_store(engine: Engine, as_of: dt.date, resolve: Resolver) -> ScreenOutcome:
    """Screen the households in the store: the same engine over the store's current rows."""
    outcome = ScreenOutcome(as_of)
    tables = load_store_tables(engine)
    result = screen(tables, as_of, resolve)
    outcome.rows_read = sum(f.height for f in tables.values())
    _finish(outcome, result.warnings, result.households, result.unresolved)
    if result.unresolved_households is not None and result.unresolved_households.height:
        outcome.rejects = result.unresolved_households.select(
            pl.lit("store:households").alias("_file"),
            pl.lit(None, pl.Int64).alias("_row"),
            pl.lit("division_code").alias("field"),
            pl.lit("POLICY_NO_THRESHOLD").alias("code"),
            (pl.lit("户 ") + pl.col("household_id") + pl.lit(" 所在地没有生效的监测标准")).alias("message"),
        )
        outcome.rows_rejected = outcome.rejects.height
    return outcome


def frames_of_households(tables: Mapping[str, pl.DataFrame], households: Iterable[str]) -> dict[str, pl.DataFrame]:
    """The registry frames cut to ``households``: their rows, their members', and the events that go
    with them (an event goes with the member it names, else with its household), as the engine places them.

    The ids are passed to polars as a list: a Series of the column's own type is ambiguous to
    ``is_in`` (polars 2 warns, from its own code, so the tests' warning filter does not see it).
    """
    ids = sorted(set(households))
    keyed = ("households", "members", "income", "conditions")
    out = {name: tables[name].filter(pl.col("household_id").is_in(ids)) for name in keyed}
    out["events"] = tables["events"].filter(
        pl.col("person_id").is_in(out["members"]["person_id"].to_list())
        | (pl.col("person_id").is_null() & pl.col("household_id").is_in(ids))
    )
    return out


def load_store_tables(engine: Engine, *, scope: str = "") -> dict[str, pl.DataFrame]:
    """The store's registry tables as frames with the exchange column names (amounts in fen).

    Read through SQLAlchemy's typed columns, so SQLite's text dates and 0/1 booleans come back
    as dates and booleans, exactly as PostgreSQL's do. ``scope``: only the households whose
    division code starts with it, their members, incomes, conditions and events (an event
    belongs where the engine places it: with the member it names, else the household).
    """
    from jingzhun.adapters.db import tables as t

    h, m, i, c, e = t.households.c, t.members.c, t.income.c, t.conditions.c, t.events.c
    queries = {
        "households": select(h.household_id, h.division_code, h.alleviated, h.alleviated_year),
        "members": select(
            m.person_id,
            m.household_id,
            m.name,
            m.relation,
            m.health,
            m.disability_grade,
            m.labor_capacity,
            m.schooling,
            m.medical_insured,
            m.work_months,
        ),
        "income": select(
            i.household_id,
            i.period_end,
            i.wage_fen.label("wage"),
            i.business_net_fen.label("business_net"),
            i.property_fen.label("property"),
            i.transfer_fen.label("transfer"),
            i.medical_self_paid_fen.label("medical_self_paid"),
            i.education_self_paid_fen.label("education_self_paid"),
        ),
        "conditions": select(c.household_id, c.housing_safe, c.water_safe, c.assessed_on),
        "events": select(
            e.event_id,
            e.source,
            e.person_id,
            e.household_id,
            e.event_type,
            e.event_date,
            e.amount_fen.label("amount"),
            e.detail,
        ),
    }
    schemas = {
        tb.name: validate(
            _empty(tb).with_columns(pl.lit(None, pl.Utf8).alias("_file"), pl.lit(None, pl.Int64).alias("_row")),
            tb,
            Reference.load(),
        )
        .typed.drop("_file", "_row")
        .schema
        for tb in SCREEN_TABLES
    }
    if scope:
        homes = select(h.household_id).where(h.division_code.startswith(scope))
        people = select(m.person_id).where(m.household_id.in_(homes))
        for name, key in (("households", h.household_id), ("members", m.household_id), ("income", i.household_id),
                          ("conditions", c.household_id)):  # fmt: skip
            queries[name] = queries[name].where(key.in_(homes))
        queries["events"] = queries["events"].where(
            e.person_id.in_(people) | (e.person_id.is_(None) & e.household_id.in_(homes))
        )
    out = {}
    with engine.connect() as conn:
        for name, query in queries.items():
            rows = conn.execute(query).all()
            schema = {col.name: schemas[name][col.name] for col in query.selected_columns}
            out[name] = pl.DataFrame(rows, schema=schema, orient="row")
    return out


def write_outputs(outcome: ScreenOutcome, out: Path) -> None:
    """Write the warnings to ``out`` (.parquet, .csv or .jsonl) and the rejects beside it."""
    assert outcome.warnings is not None
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    w = outcome.warnings.select([*OUTPUT_SCHEMA, "income_window"])
    rejects = (outcome.rejects if outcome.rejects is not None else pl.DataFrame(schema=ERROR_SCHEMA)).rename(
        {"_file": "file", "_row": "row"}
    )
    rejects_path = out.with_name(f"{out.stem}.rejects{out.suffix}")
    if suffix == ".parquet":
        w.write_parquet(out)
        rejects.write_parquet(rejects_path)
    elif suffix == ".csv":
        flat = w.with_columns(
            pl.col("risk_codes").list.join("|"), pl.col("rule_ids").list.join("|"), pl.col("reasons").list.join("；")
        )
        out.write_bytes(b"\xef\xbb\xbf" + flat.write_csv().encode("utf-8"))
        rejects_path.write_bytes(b"\xef\xbb\xbf" + rejects.write_csv().encode("utf-8"))
    elif suffix == ".jsonl":
        _write_jsonl(w, out, json_columns=("evidence",))
        _write_jsonl(rejects, rejects_path)
    else:
        raise SourceError(f"不支持的输出格式 {out.suffix}（可用 .parquet、.csv、.jsonl）")
    outcome.out, outcome.rejects_path = out, rejects_path


def _write_jsonl(frame: pl.DataFrame, path: Path, json_columns: tuple[str, ...] = ()) -> None:
    """One JSON object per line; ``json_columns`` hold JSON text and are embedded as objects."""
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        cols = ", ".join(f'CAST("{c}" AS JSON) AS "{c}"' if c in json_columns else f'"{c}"' for c in frame.columns)
        target = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT {cols} FROM frame) TO '{target}' (FORMAT json)")
    finally:
        con.close()
