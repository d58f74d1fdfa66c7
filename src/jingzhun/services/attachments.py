"""Documents and photos attached to a case: upload, list, and download — scoped and audited.

A cadre photographs the 排查表 during the 入户核实 visit or scans the household's signed
承诺授权书 and attaches it under the workflow's document key (``domain/documents.py``). The file
goes to disk first (``adapters/files/attachment_store.py``: sniffed type, size limit, a photo
re-encoded without its EXIF/GPS metadata, atomic write), then its row and the ``attachment.add``
event are written in one transaction; if that transaction fails the file is removed, so there
is never a row without its file nor an unrecorded file. An attachment is a person document (a
signature, a face, an ID card on the table), so each download is an ``attachment.read`` event,
and out of scope is *not found*.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, insert, select

from jingzhun.adapters.db import case_store
from jingzhun.adapters.db import tables as t
from jingzhun.adapters.files.attachment_store import AttachmentStore
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.services import auditing
from jingzhun.settings import Settings

_DOCUMENT_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_DIGIT_RUN = re.compile(r"\d{11}")
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_FILENAME = 120


@dataclass(frozen=True, slots=True)
class Attachment:
    attachment_id: str
    case_id: str
    document_key: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime


def store_of(cfg: Settings) -> AttachmentStore:
    return AttachmentStore(cfg.data_dir / "attachments")


def clean_filename(name: str) -> str:
    """The name to show: the last path part, NFC, no control or path characters, at most 120 characters."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = _UNSAFE_IN_NAME.sub("_", base).strip(" .")
    if len(base) > MAX_FILENAME:  # keep the extension, cut the stem
        stem, dot, ext = base.rpartition(".")
        base = stem[: MAX_FILENAME - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else base[:MAX_FILENAME]
    return base or "附件"


def new_attachment_id() -> str:
    """A random hex id without an 11-digit run, so the audit trail's phone masking never touches it."""
    while _DIGIT_RUN.search(candidate := uuid.uuid4().hex):
        pass
    return candidate


def add_attachment(
    engine: Engine,
    cfg: Settings,
    actor: Actor,
    case_id: str,
    document_key: str,
    filename: str,
    stream: BinaryIO | None,
    *,
    request_id: str = "",
    now: dt.datetime | None = None,
) -> Attachment:
    """Attach a file to an open case in the actor's scope; the file is refused unless its bytes are an allowed type.

    A photo is stored without its metadata, so the returned size and hash are those of the stored bytes.
    """
    store = store_of(cfg)
    with auditing.refusals_audited(engine, actor, "attachment.add", f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        with engine.connect() as conn:
            _open_case(conn, actor, case_id)
        if not _DOCUMENT_KEY.fullmatch(document_key or ""):
            raise DomainError("ATTACHMENT_DOCUMENT_KEY", "请选择材料类别", field="document_key")
        if stream is None:
            raise DomainError("ATTACHMENT_MISSING", "请选择要上传的文件", field="file")
        attachment_id = new_attachment_id()
        saved = store.save(case_id, attachment_id, stream, max_bytes=cfg.attachment_max_bytes,
                           allowed=cfg.attachment_types, max_pixels=cfg.attachment_max_pixels)  # fmt: skip
        row = Attachment(
            attachment_id, case_id, document_key, clean_filename(filename), saved.content_type, saved.size_bytes,
            saved.sha256, actor.actor_id, now or dt.datetime.now(dt.UTC),
        )  # fmt: skip
        try:
            with engine.begin() as conn:
                _open_case(conn, actor, case_id)  # still open and in scope when the row is written
                conn.execute(insert(t.attachments).values(**_columns(row), stored_path=saved.relative_path))
                detail = {"attachment_id": attachment_id, "document_key": document_key, "sha256": saved.sha256,
                          "content_type": saved.content_type, "size_bytes": saved.size_bytes}  # fmt: skip
                auditing.record(conn, actor, "attachment.add", f"case:{case_id}", detail, request_id=request_id)
        except BaseException:
            store.remove(saved.relative_path)
            raise
    return row


def list_attachments(engine: Engine, actor: Actor, case_id: str) -> list[Attachment]:
    """The case's attachments, oldest first (a list of names and keys, like the work queue: not audited)."""
    require(actor.role, Permission.CASE_READ)
    a = t.attachments.c
    with engine.connect() as conn:
        case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
        rows = conn.execute(
            select(t.attachments).where(a.case_id == case_id).order_by(a.uploaded_at, a.attachment_id)
        ).all()
    return [_attachment(r) for r in rows]


def open_attachment(
    engine: Engine, cfg: Settings, actor: Actor, attachment_id: str, *, request_id: str = ""
) -> tuple[Attachment, Path]:
    """One attachment in the actor's scope and the path of its file; the read is an audited event."""
    a, c = t.attachments.c, t.cases.c
    with auditing.refusals_audited(engine, actor, "attachment.read", f"attachment:{attachment_id}", request_id):
        require(actor.role, Permission.CASE_READ)
        with engine.begin() as conn:
            found = conn.execute(
                select(t.attachments)
                .join(t.cases, c.case_id == a.case_id)
                .where(a.attachment_id == attachment_id, c.division_code.startswith(scope_prefix(actor.jurisdiction)))
            ).first()
            if found is None:
                raise DomainError("ATTACHMENT_NOT_FOUND", "找不到该附件")
            path = store_of(cfg).path_of(found.stored_path)
            if not path.is_file():
                raise DomainError("ATTACHMENT_FILE_MISSING", "附件文件在服务器上缺失，请联系管理员")
            meta = _attachment(found)
            detail = {"attachment_id": attachment_id, "document_key": meta.document_key}
            auditing.record_read(conn, actor, "attachment.read", f"case:{meta.case_id}", detail, request_id=request_id)
    return meta, path


def _open_case(conn: Connection, actor: Actor, case_id: str) -> None:
    stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
    if stored.case.closed:
        raise DomainError("CASE_CLOSED", f"案件 {case_id} 已结束，不能再添加材料")


def _columns(row: Attachment) -> dict[str, object]:
    return {
        "attachment_id": row.attachment_id, "case_id": row.case_id, "document_key": row.document_key,
        "filename": row.filename, "content_type": row.content_type, "size_bytes": row.size_bytes,
        "sha256": row.sha256, "uploaded_by": row.uploaded_by, "uploaded_at": row.uploaded_at,
    }  # fmt: skip


def _attachment(row: Any) -> Attachment:
    at: dt.datetime = row.uploaded_at
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    return Attachment(
        row.attachment_id, row.case_id, row.document_key, row.filename, row.content_type, int(row.size_bytes),
        row.sha256, row.uploaded_by, at,
    )  # fmt: skip
