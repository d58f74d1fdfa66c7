"""The operational store's tables (SQLAlchemy 2 Core metadata; Alembic migrates them).

Registry tables keep the *current* version of each record with a ``version`` counter; every
replaced version is kept in ``record_history`` as JSON, so an update never loses what the
registry said before (who changed it is the ``import_id`` → ``imports`` row).
Amounts are integer fen (``*_fen``). Types are portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def _versioned() -> list[Column[object]]:
    return [
        Column("version", Integer, nullable=False, server_default="1"),
        Column("import_id", String(32), ForeignKey("imports.import_id"), nullable=True),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    ]


imports = Table(
    "imports",
    metadata,
    Column("import_id", String(32), primary_key=True),
    Column("source", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_accepted", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: per-table counts, encodings, files
)

divisions = Table(
    "divisions",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("level", String(12), nullable=False),
    Column("parent_code", String(12), nullable=True, index=True),
    *_versioned(),
)

households = Table(
    "households",
    metadata,
    Column("household_id", String(40), primary_key=True),
    Column("division_code", String(12), nullable=False, index=True),
    Column("alleviated", Boolean, nullable=False),
    Column("alleviated_year", Integer, nullable=True),
    Column("address", Text, nullable=True),
    Column("phone", String(32), nullable=True),
    *_versioned(),
)

members = Table(
    "members",
    metadata,
    Column("person_id", String(18), primary_key=True),
    Column("household_id", String(40), ForeignKey("households.household_id"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("relation", String(16), nullable=False),
    Column("health", String(16), nullable=True),
    Column("disability_grade", Integer, nullable=True),
    Column("labor_capacity", String(16), nullable=True),
    Column("schooling", String(16), nullable=True),
    Column("medical_insured", Boolean, nullable=True),
    Column("work_months", Integer, nullable=True),
    *_versioned(),
)

income = Table(
    "income",
    metadata,
    Column("household_id", String(40), ForeignKey("households.household_id"), primary_key=True),
    Column("period_end", String(7), primary_key=True),
    Column("wage_fen", BigInteger, nullable=True),
    Column("business_net_fen", BigInteger, nullable=True),
    Column("property_fen", BigInteger, nullable=True),
    Column("transfer_fen", BigInteger, nullable=True),
    Column("medical_self_paid_fen", BigInteger, nullable=True),
    Column("education_self_paid_fen", BigInteger, nullable=True),
    *_versioned(),
)

conditions = Table(
    "conditions",
    metadata,
    Column("household_id", String(40), ForeignKey("households.household_id"), primary_key=True),
    Column("housing_safe", Boolean, nullable=False),
    Column("water_safe", Boolean, nullable=False),
    Column("assessed_on", Date, nullable=True),
    *_versioned(),
)

events = Table(
    "events",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("person_id", String(18), nullable=True, index=True),
    Column("household_id", String(40), nullable=True, index=True),
    Column("event_type", String(40), nullable=False),
    Column("known_type", Boolean, nullable=False),
    Column("event_date", Date, nullable=False),
    Column("amount_fen", BigInteger, nullable=True),
    Column("detail", Text, nullable=True),
    *_versioned(),
)

record_history = Table(
    "record_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("table_name", String(32), nullable=False),
    Column("record_key", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    Column("data", Text, nullable=False),  # the replaced row as JSON
    Column("replaced_at", DateTime(timezone=True), nullable=False),
    Column("replaced_by_import", String(32), ForeignKey("imports.import_id"), nullable=False),
    Index("ix_record_history_lookup", "table_name", "record_key"),
)

import_rejects = Table(
    "import_rejects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("import_id", String(32), ForeignKey("imports.import_id"), nullable=False, index=True),
    Column("file", Text, nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("row", Integer, nullable=False),
    Column("field", String(40), nullable=False),
    Column("code", String(40), nullable=False),
    Column("message", Text, nullable=False),
)

# Store table ↔ exchange table, and the store's key columns (used by the importer).
REGISTRY_STORE = {
    "divisions": divisions,
    "households": households,
    "members": members,
    "income": income,
    "conditions": conditions,
    "events": events,
}

# The audit trail (domain/audit.py): one row per event, hash-chained; the head row records the
# last (seq, hash) so a cut-off tail is detected too.
def _event_columns() -> list[Column[Any]]:
    """What an audit event says (``domain.audit.AuditEvent`` but its place in the chain)."""
    return [
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor", String(64), nullable=False),
        Column("role", String(32), nullable=False),
        Column("jurisdiction", String(12), nullable=False),
        Column("action", String(64), nullable=False),
        Column("record", String(120), nullable=False),
        Column("result", String(16), nullable=False),
        Column("request_id", String(64), nullable=False),
        Column("detail", Text, nullable=False),
    ]


audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    *_event_columns(),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Events committed while another transaction held the chain's head (PostgreSQL under load):
# written with the action they record, chained into audit_events by the sealer moments later
# (adapters/db/audit_store.py, decision 0010). Empty whenever the store is quiet.
audit_inbox = Table(
    "audit_inbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    *_event_columns(),
)

# Cases: the aggregate as one JSON document (domain/cases.py), with the columns queries filter on.
# The partial unique index is the store's own guarantee of one open case per household.
cases = Table(
    "cases",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("household_id", String(40), ForeignKey("households.household_id"), nullable=False, index=True),
    Column("division_code", String(12), nullable=False, index=True),
    Column("workflow_id", String(40), nullable=False),
    Column("state", String(40), nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
    # The earliest due date among the case's running time limits (procedure or step): the work
    # queue sorts on it and "overdue" is ``due_on < today`` in SQL; NULL when nothing is running.
    Column("due_on", Date, nullable=True, index=True),
    Index(
        "uq_cases_one_open_per_household",
        "household_id",
        unique=True,
        sqlite_where=text("NOT closed"),
        postgresql_where=text("NOT closed"),
    ),
    # The work queue's order over open cases: a county or province reads its first page off the
    # first index in order; a village or township finds its few cases through the second.
    Index("ix_cases_open_queue", "due_on", "opened_at", "case_id", postgresql_where=text("NOT closed")),
    Index(
        "ix_cases_open_queue_by_division",
        "division_code",
        "due_on",
        "opened_at",
        "case_id",
        postgresql_where=text("NOT closed"),
    ),
)

# Each lead once (its id is deterministic for screening output, so a re-run adds nothing), with
# the case it was merged into: the merge is auditable and a lead is never counted twice.
case_leads = Table(
    "case_leads",
    metadata,
    Column("lead_id", String(80), primary_key=True),
    Column("case_id", String(40), ForeignKey("cases.case_id"), nullable=False, index=True),
    Column("household_id", String(40), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# Accounts: one role and one jurisdiction each (a person with two roles has two accounts, so
# separation of duties holds per account). The password hash is for the web login (issue 5).
users = Table(
    "users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("display_name", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("jurisdiction", String(12), nullable=False, index=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True), nullable=True),
)

# The daily deadline job: per township and county, how many cases in a procedure are due soon,
# overdue (orange), seriously overdue (red) or not yet datable on that day — one row per (day, division).
overdue_daily = Table(
    "overdue_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("division_code", String(12), primary_key=True),
    Column("level", String(12), nullable=False),
    Column("in_procedure", Integer, nullable=False),
    Column("due_soon", Integer, nullable=False),
    Column("overdue", Integer, nullable=False),
    Column("escalated", Integer, nullable=False),
    Column("undated", Integer, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
)

# Web sessions, kept in the store so that logout, idle timeout and deactivation take effect at
# once (a signed cookie alone cannot be revoked). Only a hash of the token is stored.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False),
)

# Tokens for systems calling the REST API (a department's exchange job, say): one account each,
# so the same role, scope and audit apply. Only a hash of the token is stored.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.user_id"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked", Boolean, nullable=False),
)

# Files attached to a case (a signed consent scan, a photo of the visit form), by the workflow's
# document key. The file itself lives under ``data_dir/attachments/<case_id>/<attachment_id>``;
# the row keeps what was sniffed from its bytes (never the client's content type) and its SHA-256.
attachments = Table(
    "attachments",
    metadata,
    Column("attachment_id", String(32), primary_key=True),
    Column("case_id", String(40), ForeignKey("cases.case_id"), nullable=False, index=True),
    Column("document_key", String(40), nullable=False),
    Column("filename", String(120), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("stored_path", String(200), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
)

# Visit drafts: what one caseworker typed into a step's form and saved before taking the step
# (decision 0009). One per case and author; the form's values as JSON (size-capped), with the
# case's state and number of recorded steps when it was saved, so a draft of a case that has
# moved on is shown, never silently applied. Deleted with the step it was for, or on request.
visit_drafts = Table(
    "visit_drafts",
    metadata,
    Column("case_id", String(40), ForeignKey("cases.case_id"), primary_key=True),
    Column("author_id", String(64), primary_key=True),
    Column("action", String(48), nullable=False),
    Column("document", Text, nullable=False),
    Column("case_state", String(40), nullable=False),
    Column("case_steps", Integer, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

# Household plans (一户一策, domain/plans.py): the aggregate — items, every version, reviews — as
# one JSON document per monitoring case, saved with optimistic locking like a case.
plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(40), primary_key=True),
    Column("case_id", String(40), ForeignKey("cases.case_id"), nullable=False, unique=True),
    Column("household_id", String(40), ForeignKey("households.household_id"), nullable=False, index=True),
    Column("division_code", String(12), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),
)

# The plan items as rows, rewritten with their plan in the same transaction: what the assistance
# chain's county-wide checks and the county report read in bulk, without parsing documents.
plan_items = Table(
    "plan_items",
    metadata,
    Column("plan_id", String(40), ForeignKey("plans.plan_id"), primary_key=True),
    Column("item_id", String(16), primary_key=True),
    Column("household_id", String(40), nullable=False, index=True),
    Column("division_code", String(12), nullable=False, index=True),
    Column("person_id", String(18), nullable=True, index=True),
    Column("measure_id", String(64), nullable=False),
    Column("risk_codes", String(64), nullable=False),  # comma-separated
    Column("status", String(16), nullable=False),
    Column("start_on", Date, nullable=True),
    Column("end_on", Date, nullable=True),
    Column("amount_fen", BigInteger, nullable=True),
    Column("provider", String(40), nullable=False),
    Column("fund_source", Text, nullable=False),
)

# 帮扶联系人: who is responsible for a household (四个不摘: 摘帽不摘责任). One row per assignment,
# ended rather than deleted, so who was responsible on a day can always be answered. The helper
# is an account when they use the system (their work queue shows their households' follow-ups).
helper_assignments = Table(
    "helper_assignments",
    metadata,
    Column("assignment_id", String(40), primary_key=True),
    Column("household_id", String(40), ForeignKey("households.household_id"), nullable=False, index=True),
    Column("division_code", String(12), nullable=False, index=True),
    Column("helper_name", String(64), nullable=False),
    Column("helper_user_id", String(64), nullable=True, index=True),
    Column("unit", String(200), nullable=False),  # 帮扶单位: a designated unit, work team, partner …
    Column("assigned_on", Date, nullable=False),
    Column("assigned_by", String(64), nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("ended_by", String(64), nullable=True),
    Column("end_reason", Text, nullable=True),
)

# 回访: a visit to a household whose risk was eliminated, and what it found. A visit that finds a
# new risk names the lead it raised (which re-enters identification, linked to the case).
follow_ups = Table(
    "follow_ups",
    metadata,
    Column("follow_up_id", String(40), primary_key=True),
    Column("case_id", String(40), ForeignKey("cases.case_id"), nullable=False, index=True),
    Column("household_id", String(40), nullable=False, index=True),
    Column("division_code", String(12), nullable=False, index=True),
    Column("visited_on", Date, nullable=False),
    Column("visited_by", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("finding", String(16), nullable=False),  # stable | new_risk
    Column("risk_codes", String(64), nullable=False),  # comma-separated, those suspected (new_risk)
    Column("note", Text, nullable=False),
    Column("lead_id", String(64), nullable=True),
)
