"""The household features of ``domain/features.py``, computed for every household in DuckDB.

One SQL statement over the validated registry and feed tables (registered from Arrow, or read
straight from Parquet) produces one row per household with every feature of ``FEATURES``.
Each definition mirrors the pure ``household_features``; the parity test compares them on
tens of thousands of generated households.
"""

from __future__ import annotations

import datetime as dt

from jingzhun.domain.features import COMPULSORY_AGES, months_before
from jingzhun.domain.household import income_window_end

ABLE = "('skilled', 'ordinary', 'weak')"


def features_sql(as_of: dt.date, lookback_months: int) -> str:
    """SQL selecting the feature row of every household (tables: households, members, income,
    conditions, events)."""
    window = income_window_end(as_of)
    prev = window.shift(-12)
    start = months_before(as_of, lookback_months)
    young, old = COMPULSORY_AGES
    return f"""
WITH
mem AS MATERIALIZED (
    SELECT m.person_id, m.household_id, m.health, m.schooling,
           coalesce(m.labor_capacity IN {ABLE}, false) AS able,
           coalesce(m.medical_insured, true) AS insured
    FROM members m
),
ev AS (  -- events in the lookback window, each placed in its household
    SELECT e.event_type, e.person_id, coalesce(mm.household_id, e.household_id) AS household_id,
           e.amount, mm.able
    FROM events e LEFT JOIN mem mm ON mm.person_id = e.person_id
    WHERE e.event_date > DATE '{start.isoformat()}' AND e.event_date <= DATE '{as_of.isoformat()}'
      AND (mm.person_id IS NOT NULL OR e.person_id IS NULL)
),
mem_agg AS (
    SELECT household_id,
           count(*) AS members,
           count(*) FILTER (WHERE able) AS able_labourers,
           count(*) FILTER (WHERE NOT insured) AS uninsured,
           count(*) FILTER (WHERE health = 'serious') AS serious_illness,
           count(*) FILTER (WHERE health = 'chronic') AS chronic_illness,
           count(*) FILTER (WHERE health = 'disabled') AS disabled
    FROM mem GROUP BY household_id
),
med_person AS (
    SELECT household_id, person_id, sum(coalesce(amount, 0)) AS fen
    FROM ev WHERE event_type = 'medical_expense' AND person_id IS NOT NULL
    GROUP BY household_id, person_id
),
med AS (
    SELECT household_id, max(fen) AS max_person_medical_fen, sum(fen) AS medical_events_fen
    FROM med_person GROUP BY household_id
),
dropout_people AS (
    SELECT household_id, person_id FROM (
        -- the age on the assessment day, from the birth date inside the ID number (digits 7–14)
        SELECT household_id, person_id, CAST(substr(person_id, 7, 4) AS INTEGER) AS birth_year,
               CAST(substr(person_id, 11, 4) AS INTEGER) AS bmd
        FROM mem WHERE schooling = 'dropout'
    )
    WHERE {as_of.year} - birth_year - CASE WHEN bmd > {as_of.month * 100 + as_of.day} THEN 1 ELSE 0 END
          BETWEEN {young} AND {old}
    UNION
    SELECT household_id, person_id FROM ev WHERE event_type = 'dropout' AND person_id IS NOT NULL
),
drop_agg AS (SELECT household_id, count(*) AS dropouts FROM dropout_people GROUP BY household_id),
labour_deaths AS (  -- rare rows: a DISTINCT aggregate over every household's events costs far more
    SELECT household_id, count(DISTINCT person_id) AS labourer_deaths
    FROM ev WHERE event_type = 'death' AND able GROUP BY household_id
),
ev_agg AS (
    SELECT household_id,
           count(*) FILTER (WHERE event_type = 'house_unsafe') AS house_unsafe_events,
           coalesce(max(amount) FILTER (WHERE event_type = 'water_outage'), 0) // 100 AS water_outage_days,
           coalesce(sum(amount) FILTER (WHERE event_type = 'disaster_loss'), 0) AS disaster_loss_fen,
           count(*) FILTER (WHERE event_type = 'death') AS deaths,
           count(*) FILTER (WHERE event_type = 'disability_certified') AS new_disabilities,
           count(*) FILTER (WHERE event_type = 'serious_injury') AS serious_injuries,
           count(*) FILTER (WHERE event_type = 'job_loss') AS job_losses,
           count(*) FILTER (WHERE event_type = 'business_failure') AS business_failures,
           coalesce(sum(amount) FILTER (WHERE event_type = 'business_failure'), 0) AS business_loss_fen,
           count(*) FILTER (WHERE event_type = 'dibao_enrolled') AS dibao_enrolments,
           count(*) FILTER (WHERE event_type = 'tekun_enrolled') AS tekun_enrolments,
           count(*) FILTER (WHERE event_type = 'temporary_assistance') AS temporary_assistance
    FROM ev WHERE household_id IS NOT NULL GROUP BY household_id
),
inc AS (
    SELECT household_id, period_end,
           coalesce(wage, 0) + coalesce(business_net, 0) + coalesce(property, 0) + coalesce(transfer, 0) AS net,
           coalesce(medical_self_paid, 0) AS medical, coalesce(education_self_paid, 0) AS education
    FROM income WHERE period_end IN ('{window}', '{prev}')
),
base AS (
    SELECT h.household_id, h.division_code, h.alleviated,
           coalesce(a.members, 0) AS members, coalesce(a.able_labourers, 0) AS able_labourers,
           cur.net AS net_income_fen, pre.net AS prev_net_income_fen,
           cur.medical AS medical_self_paid_fen, cur.education AS education_self_paid_fen,
           coalesce(med.max_person_medical_fen, 0) AS max_person_medical_fen,
           coalesce(med.medical_events_fen, 0) AS medical_events_fen,
           coalesce(d.dropouts, 0) AS dropouts,
           coalesce(a.uninsured, 0) AS uninsured,
           (NOT coalesce(c.housing_safe, true)) OR coalesce(e.house_unsafe_events, 0) > 0 AS housing_unsafe,
           NOT coalesce(c.water_safe, true) AS water_unsafe,
           coalesce(e.water_outage_days, 0) AS water_outage_days,
           coalesce(e.disaster_loss_fen, 0) AS disaster_loss_fen,
           coalesce(e.deaths, 0) AS deaths,
           coalesce(ld.labourer_deaths, 0) AS labourer_deaths,
           coalesce(a.serious_illness, 0) AS serious_illness,
           coalesce(a.chronic_illness, 0) AS chronic_illness,
           coalesce(a.disabled, 0) AS disabled,
           coalesce(e.new_disabilities, 0) AS new_disabilities,
           coalesce(e.serious_injuries, 0) AS serious_injuries,
           coalesce(e.job_losses, 0) AS job_losses,
           coalesce(e.business_failures, 0) AS business_failures,
           coalesce(e.business_loss_fen, 0) AS business_loss_fen,
           coalesce(e.dibao_enrolments, 0) AS dibao_enrolments,
           coalesce(e.tekun_enrolments, 0) AS tekun_enrolments,
           coalesce(e.temporary_assistance, 0) AS temporary_assistance
    FROM households h
    LEFT JOIN mem_agg a USING (household_id)
    LEFT JOIN (SELECT * FROM inc WHERE period_end = '{window}') cur USING (household_id)
    LEFT JOIN (SELECT * FROM inc WHERE period_end = '{prev}') pre USING (household_id)
    LEFT JOIN conditions c USING (household_id)
    LEFT JOIN med USING (household_id)
    LEFT JOIN drop_agg d USING (household_id)
    LEFT JOIN ev_agg e USING (household_id)
    LEFT JOIN labour_deaths ld USING (household_id)
)
SELECT *,
       {_per_capita("net_income_fen")} AS per_capita_income_fen,
       {_per_capita("prev_net_income_fen")} AS prev_per_capita_income_fen
FROM base
"""


def _per_capita(total: str) -> str:
    """Half-up (away from zero) rounding of total/members, as ``domain.money.per_capita_fen``."""
    return (
        f"CASE WHEN members > 0 AND {total} IS NOT NULL THEN "
        f"sign({total}) * ((2 * abs({total}) + members) // (2 * members)) END"
    )
