"""Rules across rows and tables of one import, as set operations over the validated frames.

Each function takes the rows that passed cell validation and returns error lines
(``_file, _row, field, code, message``). Rejection, never silent repair: when two rows
disagree we cannot know which is right, so both go back to the village with the reason.
"""

from __future__ import annotations

import polars as pl

from jingzhun.adapters.engine.validate import ERROR_SCHEMA, concat_errors, mask_id_expr, row_errors
from jingzhun.domain.exchange import Table

_EMPTY = pl.DataFrame(schema=ERROR_SCHEMA)


def _key_text(key: tuple[str, ...]) -> pl.Expr:
    parts = [mask_id_expr(pl.col(k)) if k == "person_id" else pl.col(k).cast(pl.Utf8) for k in key]
    return pl.concat_str(parts, separator="/")


def duplicate_errors(rows: pl.DataFrame, table: Table) -> pl.DataFrame:
    """The same key twice in one import.

    Identical rows: the first is kept, the others are rejected as repeats. Rows that differ:
    all are rejected (a person listed in two households is the important case).
    """
    key = list(table.key)
    if rows.height == 0:
        return _EMPTY
    data_cols = [c for c in rows.columns if c not in ("_file", "_row")]
    dup = rows.filter(pl.len().over(key) > 1)
    if dup.height == 0:
        return _EMPTY
    dup = dup.sort(["_file", "_row"]).with_columns(
        pl.struct(data_cols).n_unique().over(key).alias("_variants"),
        pl.int_range(pl.len()).over(key).alias("_rank"),
        (pl.col("_file") + pl.lit(" 第") + pl.col("_row").cast(pl.Utf8) + pl.lit("行")).alias("_where"),
    )
    dup = dup.with_columns(
        pl.col("_where").first().over(key).alias("_first"),
        pl.col("_where").str.join("、").over(key).alias("_all"),
    )
    key_label = "/".join(table.column(k).aliases[0] if table.column(k).aliases else k for k in key)
    repeats = dup.filter((pl.col("_variants") == 1) & (pl.col("_rank") > 0))
    conflicts = dup.filter(pl.col("_variants") > 1)
    out = [
        _errors(
            repeats,
            key[0],
            "DUPLICATE_ROW",
            pl.lit(f"{key_label} ")
            + _key_text(table.key)
            + pl.lit(" 与")
            + pl.col("_first")
            + pl.lit("完全重复，本行未导入"),
        ),
    ]
    if "person_id" in key and "household_id" in data_cols:
        two_homes = conflicts.filter(pl.col("household_id").n_unique().over(key) > 1)
        conflicts = conflicts.filter(pl.col("household_id").n_unique().over(key) == 1)
        out.append(
            _errors(
                two_homes,
                "person_id",
                "PERSON_IN_TWO_HOUSEHOLDS",
                pl.lit("身份证号 ")
                + _key_text(table.key)
                + pl.lit(" 同时出现在多个家庭中（")
                + pl.col("household_id").unique().sort().str.join("、").over(key)
                + pl.lit("），见")
                + pl.col("_all"),
            )
        )
    out.append(
        _errors(
            conflicts,
            key[0],
            "DUPLICATE_KEY",
            pl.lit(f"{key_label} ") + _key_text(table.key) + pl.lit(" 出现多次且内容不同，见") + pl.col("_all"),
        )
    )
    return concat_errors([o for o in out if o.height])


def household_reference_errors(rows: pl.DataFrame, known: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
    """Members, income and conditions must belong to a household in the store or this import.

    ``known`` and ``rejected`` are one-column frames of household ids (joins, not Python sets:
    a province has millions of them).
    """
    hid = pl.col("household_id")
    missing = rows.join(known, on="household_id", how="anti")
    if missing.height == 0:
        return _EMPTY
    of_rejected = missing.join(rejected, on="household_id", how="semi")
    out = [
        _errors(
            of_rejected,
            "household_id",
            "HOUSEHOLD_REJECTED",
            pl.lit("所属农户（户编号 ") + hid + pl.lit("）在农户信息中被拒绝，请先修正该户"),
        ),
        _errors(
            missing.join(rejected, on="household_id", how="anti"),
            "household_id",
            "UNKNOWN_HOUSEHOLD",
            pl.lit("户编号 ") + hid + pl.lit(" 不在农户信息中（本次导入和库中都没有）"),
        ),
    ]
    return concat_errors([o for o in out if o.height])


def other_household_errors(rows: pl.DataFrame, existing: pl.DataFrame) -> pl.DataFrame:
    """A person already registered in another household is not moved by an import."""
    if existing.height == 0 or rows.height == 0:
        return _EMPTY
    moved = rows.join(existing.rename({"household_id": "_stored_hh"}), on="person_id").filter(
        pl.col("household_id") != pl.col("_stored_hh")
    )
    return _errors(
        moved,
        "person_id",
        "PERSON_IN_OTHER_HOUSEHOLD",
        pl.lit("身份证号 ")
        + mask_id_expr(pl.col("person_id"))
        + pl.lit(" 已登记在户 ")
        + pl.col("_stored_hh")
        + pl.lit("，不能通过导入改到户 ")
        + pl.col("household_id")
        + pl.lit("；迁户请办理家庭成员变更"),
    )


def multiple_head_errors(rows: pl.DataFrame) -> pl.DataFrame:
    """A household has one head (户主); two head rows in one import are both rejected."""
    heads = rows.filter(pl.col("relation") == "head")
    many = heads.filter(pl.len().over("household_id") > 1)
    return _errors(
        many,
        "relation",
        "MULTIPLE_HEADS",
        pl.lit("户编号 ") + pl.col("household_id") + pl.lit(" 有多名户主，请核实与户主关系"),
    )


def _errors(rows: pl.DataFrame, field: str, code: str, message: pl.Expr) -> pl.DataFrame:
    return row_errors(rows, field, code, message) if rows.height else _EMPTY


def event_subject_errors(rows: pl.DataFrame) -> pl.DataFrame:
    """A department event must name a person or a household, or nobody can act on it."""
    missing = rows.filter(pl.col("person_id").is_null() & pl.col("household_id").is_null())
    return _errors(missing, "person_id", "SUBJECT_MISSING", pl.lit("部门数据必须填写公民身份号码或户编号之一"))
