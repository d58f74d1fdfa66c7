"""The eligibility facts (``domain.measures.FACTS``) of every person and household, in DuckDB.

Why a columnar copy: the chain's entitlement check asks "who is eligible?" of a whole county at
once, and the answer must be what ``domain.eligibility.person_facts`` / ``household_facts``
would say one household at a time (parity-tested). Inputs are the validated registry tables
(``households``, ``members``, ``income``, ``conditions``; amounts in fen) and a ``status``
table — one row per (day, household): ``monitored``, ``eliminated``, ``category``,
``receives_dibao``, ``receives_tekun`` — where a household without a row has the default status.

Missing registry values read as the import's defaults do: no labour capacity recorded is no
labour, no health is healthy, no schooling is not in school, no row of conditions is safe.
"""

from __future__ import annotations

import datetime as dt

from jingzhun.adapters.engine.screen_features import ABLE
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.household import income_window_end


def person_facts_sql(day: dt.date) -> str:
    """One row per member: person_id, household_id and every person fact on ``day``."""
    md = day.month * 100 + day.day
    labour = "coalesce(labor_capacity, 'none')"
    health = "coalesce(health, 'healthy')"
    school = "coalesce(schooling, 'none')"
    return f"""
SELECT person_id, household_id,
       -- the age from the birth date inside the ID (digits 7–14), a birthday counting on the day
       {day.year} - CAST(substr(person_id, 7, 4) AS BIGINT)
           - CASE WHEN CAST(substr(person_id, 11, 4) AS INTEGER) > {md} THEN 1 ELSE 0 END AS age,
       CAST(substr(person_id, 17, 1) AS INTEGER) % 2 = 0 AS is_female,
       {labour} IN {ABLE} AS able_to_work,
       {labour} IN ('lost', 'none') AS lost_labour,
       CAST(coalesce(disability_grade, 0) AS BIGINT) AS disability_grade,
       {health} = 'disabled' OR disability_grade IS NOT NULL AS is_disabled,
       {health} = 'serious' AS has_serious_illness,
       {health} = 'chronic' AS has_chronic_illness,
       {school} IN ('primary', 'junior') AS in_compulsory_school,
       {school} = 'senior' AS in_senior_school,
       {school} = 'vocational' AS in_vocational_school,
       {school} = 'college' AS in_college,
       CAST(coalesce(work_months, 0) AS BIGINT) AS work_months
FROM members
"""


def household_facts_sql(day: dt.date) -> str:
    """One row per household: household_id, division_code and every household fact on ``day``.

    Income from the newest window ending by the month before ``day`` (``chain_omissions.income_window_on``).
    """
    end = income_window_end(day)
    return f"""
WITH
mem AS (
    SELECT household_id, count(*) AS members,
           count(*) FILTER (WHERE coalesce(labor_capacity, 'none') IN {ABLE}) AS able_labourers
    FROM members GROUP BY household_id
),
win AS (
    SELECT household_id, max(period_end) AS period_end FROM income WHERE period_end <= '{end}' GROUP BY household_id
),
inc AS (
    SELECT i.household_id,
           coalesce(i.wage, 0) + coalesce(i.business_net, 0) + coalesce(i.property, 0) + coalesce(i.transfer, 0) AS net,
           coalesce(i.medical_self_paid, 0) AS medical
    FROM income i JOIN win w ON w.household_id = i.household_id AND w.period_end = i.period_end
),
st AS (SELECT * FROM status WHERE day = DATE '{day.isoformat()}'),
base AS (
    SELECT h.household_id, h.division_code,
           CAST(coalesce(a.members, 0) AS BIGINT) AS members,
           CAST(coalesce(a.able_labourers, 0) AS BIGINT) AS able_labourers,
           coalesce(a.members, 0) > 0 AND coalesce(a.able_labourers, 0) = 0 AS no_labour_household,
           coalesce(h.alleviated, false) AS alleviated,
           coalesce(st.monitored, false) AS monitored,
           coalesce(st.eliminated, false) AS eliminated,
           coalesce(st.category = '{MonitoringCategory.SUDDEN_HARDSHIP.value}', false) AS sudden_hardship,
           NOT coalesce(c.housing_safe, true) AS housing_unsafe,
           NOT coalesce(c.water_safe, true) AS water_unsafe,
           CAST(inc.net AS BIGINT) AS net_income_fen,
           CAST(inc.medical AS BIGINT) AS medical_self_paid_fen,
           coalesce(st.receives_dibao, false) AS receives_dibao,
           coalesce(st.receives_tekun, false) AS receives_tekun
    FROM households h
    LEFT JOIN mem a USING (household_id)
    LEFT JOIN inc USING (household_id)
    LEFT JOIN conditions c USING (household_id)
    LEFT JOIN st USING (household_id)
)
-- per-capita rounded half-up (away from zero), as domain.money.per_capita_fen
SELECT *, CAST(CASE WHEN members > 0 AND net_income_fen IS NOT NULL
                    THEN sign(net_income_fen) * ((2 * abs(net_income_fen) + members) // (2 * members)) END
               AS BIGINT) AS per_capita_income_fen
FROM base
"""
