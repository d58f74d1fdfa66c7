"""Uploading a document or photo to a case, and downloading it again.

The upload is a multipart form on the case page (CSRF-checked like every post); a refusal — a
file that is not JPEG, PNG, WEBP or PDF by its bytes, one over the size limit, a photo that does
not decode or has too many pixels — shows the error page with its Chinese reason. A photo is
stored, and so downloaded, without its EXIF/GPS metadata (decision 0008). A download is always
``Content-Disposition: attachment`` with the type sniffed at upload and ``nosniff``, so a file a
user sent can never run as a page of this site.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from jingzhun.services.attachments import add_attachment, open_attachment
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId, SettingsDep

router = APIRouter()


@router.post("/cases/{case_id}/attachments")
def upload(
    case_id: str,
    session: PostingSession,
    engine: EngineDep,
    cfg: SettingsDep,
    rid: RequestId,
    document_key: Annotated[str, Form(max_length=40)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    stream = file.file if file is not None and file.filename else None
    filename = file.filename or "" if file is not None else ""
    add_attachment(engine, cfg, session.actor, case_id, document_key, filename, stream, request_id=rid)
    return RedirectResponse(f"/cases/{quote(case_id)}?done={quote('已上传材料')}", status_code=303)


@router.get("/attachments/{attachment_id}")
def download(
    attachment_id: str, session: CurrentSession, engine: EngineDep, cfg: SettingsDep, rid: RequestId
) -> Response:
    meta, path = open_attachment(engine, cfg, session.actor, attachment_id, request_id=rid)
    return FileResponse(
        path,
        media_type=meta.content_type,
        filename=meta.filename,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )
