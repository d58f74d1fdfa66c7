"""The SQL of the assistance-chain checks: coverage, the feed ledger, and the three rules.

Each statement mirrors one function of ``domain.chain`` / ``domain.chain_omissions`` and is
built from the catalogue (a handful of measures), never from the rows: the per-measure parts
(term dates, eligibility conditions through ``domain.rules.to_sql``, parameters) become CASE
branches and constants, so one set-based query answers for the whole county. The messages are
assembled from the domain's own templates (``message_parts``), so both engines word a finding
identically.

Relations read: ``chain_ledger`` (plan entries and feed records, ``LEDGER_SCHEMA``),
``chain_measures`` / ``chain_addresses`` / ``chain_feed_map`` / ``chain_risk_labels`` (the
catalogue as tables, see ``chain_duckdb.register_catalogue``), ``monitored``, ``events``,
``members``, ``households``, and the fact tables of ``chain_facts``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from jingzhun.domain.chain import PLAN_OFFICE, ChainRule, FindingKind, message_parts
from jingzhun.domain.measures import FACTS, Measure, Period, Target
from jingzhun.domain.rules import names_in, to_sql


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def day_lit(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def day_text(expr: str) -> str:
    return f"strftime({expr}, '%Y-%m-%d')"


def message_sql(rule: str, fields: Mapping[str, str]) -> str:
    """The rule's Chinese message as a SQL expression; ``fields`` are VARCHAR expressions."""
    parts = [fields[t] if is_field else lit(t) for t, is_field in message_parts(rule) if t]
    return "concat(" + ", ".join(parts) + ")"


def who_sql(household: str, person: str) -> str:
    masked = f"left({person}, 4) || repeat('*', length({person}) - 8) || right({person}, 4)"
    return (
        f"CASE WHEN {person} IS NULL THEN '户 ' || {household} "
        f"WHEN length({person}) >= 8 THEN '成员 ' || {masked} ELSE '成员 ' || {person} END"
    )


# ---------------------------------------------------------------- coverage


def _term_sql(starts: Sequence[tuple[int, int]], x: str) -> tuple[str, str]:
    """First and last day of the term containing ``x`` (term starts as (month, day), sorted)."""
    md = f"(month({x}) * 100 + day({x}))"
    first = " ".join(f"WHEN {md} >= {m * 100 + d} THEN make_date(year({x}), {m}, {d})" for m, d in reversed(starts))
    lm, ld = starts[-1]
    fm, fd = starts[0]
    nxt = " ".join(f"WHEN {md} < {m * 100 + d} THEN make_date(year({x}), {m}, {d})" for m, d in starts)
    return (
        f"CASE {first} ELSE make_date(year({x}) - 1, {lm}, {ld}) END",
        f"(CASE {nxt} ELSE make_date(year({x}) + 1, {fm}, {fd}) END - 1)",
    )


def coverage_sql(catalogue: Sequence[Measure], row: str = "l", m: str = "m") -> tuple[str, str]:
    """First and last covered day of ledger row ``row`` joined with its measure row ``m`` (``chain.coverage``)."""
    start, until = f"{row}.start", f'coalesce({row}."end", {row}.start)'
    first = [
        f"WHEN {m}.period = '{Period.SPAN.value}' THEN {start}",
        f"WHEN {m}.period = '{Period.MONTH.value}' THEN make_date(year({start}), month({start}), 1)",
    ]
    last = [
        f"""WHEN {m}.period = '{Period.SPAN.value}'
            THEN coalesce({row}."end", CAST({start} + to_months({m}.coverage_months) AS DATE) - 1)""",
        f"WHEN {m}.period = '{Period.MONTH.value}' THEN last_day({until})",
    ]
    for measure in catalogue:
        if measure.period is Period.TERM and measure.assess_on:
            starts = sorted(measure.assess_on)
            when = f"WHEN {m}.measure_id = {lit(measure.measure_id)}"
            first.append(f"{when} THEN {_term_sql(starts, start)[0]}")
            last.append(f"{when} THEN {_term_sql(starts, until)[1]}")
    return (
        "CASE " + " ".join(first) + f" ELSE make_date(year({start}), 1, 1) END",
        "CASE " + " ".join(last) + f" ELSE make_date(year({until}), 12, 31) END",
    )


def covered_sql(catalogue: Sequence[Measure]) -> str:
    """Every ledger entry of a known measure with its beneficiary, key and covered days (``covered_entries``)."""
    first, last = coverage_sql(catalogue)
    return f"""
SELECT * FROM (
    SELECT l.entry_id, l.household_id, coalesce(l.division_code, '') AS division_code, l.measure_id, l.start,
           CASE WHEN m.target = '{Target.PERSON.value}' THEN l.person_id END AS person_id,
           m.key, m.label, m.provider, m.office,
           {first} AS first_day, {last} AS last_day
    FROM chain_ledger l JOIN chain_measures m USING (measure_id)
) WHERE first_day <= last_day
"""


def events_ledger_sql() -> str:
    """Department records of a catalogue measure as ledger rows (``domain.chain.entries_from_events``)."""
    return """
SELECT e.source || ':' || e.event_id AS entry_id, e.source, e.event_id AS record_id,
       h.household_id, e.person_id, f.measure_id, e.event_date AS start, CAST(NULL AS DATE) AS "end",
       CAST(e.amount AS BIGINT) AS amount_fen, f.provider, h.division_code
FROM events e
JOIN chain_feed_map f ON f.event_type = e.event_type
LEFT JOIN members mm ON mm.person_id = e.person_id
JOIN households h ON h.household_id = CASE WHEN e.person_id IS NULL THEN e.household_id ELSE mm.household_id END
"""


# ---------------------------------------------------------------- the three rules

_RUN_ORDER = "ORDER BY first_day, last_day, entry_id"
_WHO_PART = "PARTITION BY by_household, who_id, key"


def duplicates_sql() -> str:
    """Runs of overlapping coverage per beneficiary and key, two entries or more (``find_duplicates``)."""
    fields = {
        "who": who_sql("household_id", "person_id"),
        "measure": "label",
        "day_from": day_text("day_from"),
        "day_to": day_text("day_to"),
        "count": "CAST(n AS VARCHAR)",
        "records": "array_to_string(record_ids, '、')",
    }
    head = "(list({0} " + _RUN_ORDER + "))[1] AS {0}"
    return f"""
WITH
keyed AS (SELECT *, person_id IS NULL AS by_household, coalesce(person_id, household_id) AS who_id FROM chain_covered),
swept AS (
    SELECT *, max(last_day) OVER ({_WHO_PART} {_RUN_ORDER} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM keyed
),
runs AS (
    SELECT *, sum(CASE WHEN reach IS NULL OR first_day > reach THEN 1 ELSE 0 END)
                  OVER ({_WHO_PART} {_RUN_ORDER} ROWS UNBOUNDED PRECEDING) AS run
    FROM swept
),
dup AS (
    SELECT count(*) AS n, list(entry_id {_RUN_ORDER}) AS record_ids,
           {", ".join(head.format(c) for c in ("household_id", "person_id", "measure_id", "label", "provider"))},
           {", ".join(head.format(c) for c in ("office", "division_code"))},
           list_sort(list(first_day))[2] AS day_from, list_reverse_sort(list(last_day))[2] AS day_to
    FROM runs GROUP BY by_household, who_id, key, run HAVING count(*) >= 2
)
SELECT '{FindingKind.DUPLICATE.value}' AS kind, '{ChainRule.DUPLICATE.value}' AS rule_id, household_id, person_id,
       measure_id, CAST(NULL AS VARCHAR) AS risk_code, record_ids, day_from, day_to, provider, office,
       substr(division_code, 1, 9) AS township_code, {message_sql(ChainRule.DUPLICATE, fields)} AS message
FROM dup
"""


def risks_sql(check_day: dt.date, deadline_days: int) -> str:
    """Confirmed risks past the deadline with no addressing entry (``find_risks_without_measure``)."""
    check = day_lit(check_day)
    fields = {
        "who": who_sql("r.household_id", "NULL"),
        "risk": "r.risk_code || coalesce('（' || rl.label || '）', '')",
        "identified_on": day_text("r.identified_on"),
        "days": "CAST(r.days AS VARCHAR)",
        "deadline": lit(str(deadline_days)),
    }
    return f"""
WITH
mon AS (SELECT row_number() OVER () AS rid, * FROM monitored),
risks AS (
    SELECT DISTINCT rid, household_id, division_code, case_id, identified_on, days, risk_code FROM (
        SELECT rid, household_id, division_code, case_id, identified_on,
               date_diff('day', identified_on, {check}) AS days, unnest(risk_codes) AS risk_code
        FROM mon
    ) WHERE days > {int(deadline_days)}
),
helped AS (
    SELECT DISTINCT r.rid, r.risk_code
    FROM risks r
    JOIN chain_covered c ON c.household_id = r.household_id AND c.start <= {check} AND c.last_day >= r.identified_on
    JOIN chain_addresses a ON a.measure_id = c.measure_id
    WHERE a.address IS NULL OR a.address = r.risk_code
       OR (length(a.address) = 2 AND substr(r.risk_code, 1, 2) = a.address)
)
SELECT '{FindingKind.OMISSION.value}' AS kind, '{ChainRule.RISK_WITHOUT_MEASURE.value}' AS rule_id, r.household_id,
       CAST(NULL AS VARCHAR) AS person_id, CAST(NULL AS VARCHAR) AS measure_id, r.risk_code,
       CASE WHEN coalesce(r.case_id, '') = '' THEN CAST([] AS VARCHAR[]) ELSE [r.case_id] END AS record_ids,
       r.identified_on AS day_from, {check} AS day_to, {lit(PLAN_OFFICE.value)} AS provider,
       {lit(PLAN_OFFICE.label)} AS office, substr(r.division_code, 1, 9) AS township_code,
       {message_sql(ChainRule.RISK_WITHOUT_MEASURE, fields)} AS message
FROM risks r
LEFT JOIN chain_risk_labels rl ON rl.code = r.risk_code
WHERE NOT EXISTS (SELECT 1 FROM helped h WHERE h.rid = r.rid AND h.risk_code = r.risk_code)
"""


def entitlement_sql(
    measure: Measure, params: Mapping[str, int], *, check_day: dt.date, person_facts: str, household_facts: str
) -> str:
    """Everyone eligible for one entitlement measure without an entry of its key covering the day.

    ``person_facts`` / ``household_facts`` name relations of ``chain_facts`` (the household's
    on the measure's status day). The environment is the one ``check_eligibility`` builds:
    facts over the measure's parameters over the policy's.
    """
    env = {**params, **measure.params}
    names = sorted({n for c in measure.conditions for n in names_in(c.when)} - FACTS.keys())
    missing = [n for n in names if n not in env]
    if missing:
        raise KeyError(f"措施 {measure.measure_id} 的条件引用了未定义的参数：{'、'.join(missing)}")
    prm = ", ".join(f'CAST({int(env[n])} AS BIGINT) AS "{n}"' for n in names) or "1 AS __no_params"
    eligible = " AND ".join(f"({to_sql(c.when)})" for c in measure.conditions) or "TRUE"
    check, day = day_lit(check_day), measure.status_day(check_day)
    person = measure.target is Target.PERSON
    if person:
        source = f"(SELECT * FROM {person_facts} JOIN {household_facts} USING (household_id))"
        match = "c.person_id = f.person_id"
    else:
        source = household_facts
        match = "c.person_id IS NULL AND c.household_id = f.household_id"
    pid = "f.person_id" if person else "CAST(NULL AS VARCHAR)"
    fields = {
        "who": who_sql("f.household_id", pid),
        "measure": lit(measure.label),
        "status_day": lit(day.isoformat()),
        "check_day": lit(check_day.isoformat()),
    }
    return f"""
SELECT '{FindingKind.OMISSION.value}' AS kind, '{ChainRule.ENTITLEMENT_MISSED.value}' AS rule_id, f.household_id,
       {pid} AS person_id, {lit(measure.measure_id)} AS measure_id, CAST(NULL AS VARCHAR) AS risk_code,
       CAST([] AS VARCHAR[]) AS record_ids, {day_lit(day)} AS day_from, {check} AS day_to,
       {lit(measure.provider.value)} AS provider, {lit(measure.provider.label)} AS office,
       substr(f.division_code, 1, 9) AS township_code, {message_sql(ChainRule.ENTITLEMENT_MISSED, fields)} AS message
FROM {source} f CROSS JOIN (SELECT {prm}) prm
WHERE ({eligible}) IS TRUE
  AND NOT EXISTS (
      SELECT 1 FROM chain_covered c
      WHERE c.key = {lit(measure.key)} AND {match} AND c.first_day <= {check} AND c.last_day >= {check}
  )
"""
