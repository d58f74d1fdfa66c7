"""Uploaded documents on disk: ``<root>/<case_id>/<attachment_id>``, typed by their own bytes.

The client's filename never reaches the path (it is kept, sanitised, in the database only), so an
upload cannot climb out of its folder or overwrite another file. The type is sniffed from the
magic bytes — a browser's ``Content-Type`` and the name's extension are whatever the sender says
— and only the types the settings allow are kept. The upload is read in chunks and refused as
soon as it passes the size limit, and written to a temporary file in the target folder that
``os.replace`` moves into place, so a crash leaves either the whole file or none of it. A JPEG,
PNG or WEBP is stored re-encoded without its metadata (GPS, phone, time; ``image_cleaning``), a
PDF as it came (decision 0008).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import tempfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from jingzhun.adapters.files.image_cleaning import CLEANED_TYPES, clean_image
from jingzhun.domain.errors import DomainError

CHUNK = 64 * 1024
_HEAD = 16  # enough bytes to tell every accepted type apart
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

TYPE_LABELS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "application/pdf": "PDF"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file announce (JPEG, PNG, WEBP, PDF), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass(frozen=True, slots=True)
class StoredFile:
    relative_path: str  # "<case_id>/<attachment_id>", relative to the store's root
    content_type: str
    size_bytes: int
    sha256: str


def _segment(value: str) -> str:
    if not _SAFE_NAME.fullmatch(value):
        raise ValueError(f"unsafe path segment {value!r}")  # ids are ours; this is a programming error
    return value


class AttachmentStore:
    """Files under one root folder (``Settings.data_dir / "attachments"``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(
        self,
        case_id: str,
        attachment_id: str,
        stream: BinaryIO,
        *,
        max_bytes: int,
        allowed: Collection[str],
        max_pixels: int,
    ) -> StoredFile:
        """Copy ``stream`` into place, a photo without its metadata; refuse an empty, oversized, not-allowed
        or undecodable file (nothing is left behind).

        The size limit applies to the bytes received, as they are read: it bounds what the server
        reads, holds and decodes, and it is the size the sender can see and change. A photo is then
        re-encoded (``image_cleaning``) in memory, so its location never reaches the data folder,
        and the stored size and hash are those of the cleaned bytes.
        """
        folder = self.root / _segment(case_id)
        relative = f"{case_id}/{_segment(attachment_id)}"
        chunks = _limited(stream, max_bytes)
        head, first = _head(chunks)
        content_type = _checked(head, allowed)
        body: Iterator[bytes] = itertools.chain(first, chunks)
        if content_type in CLEANED_TYPES:
            body = iter([clean_image(b"".join(body), content_type, max_pixels=max_pixels)])
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".upload-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                size, digest = _write(body, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.root / relative)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        return StoredFile(relative, content_type, size, digest)

    def path_of(self, relative_path: str) -> Path:
        case_id, _, attachment_id = relative_path.partition("/")
        return self.root / _segment(case_id) / _segment(attachment_id)

    def remove(self, relative_path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_of(relative_path).unlink()


def _limited(stream: BinaryIO, max_bytes: int) -> Iterator[bytes]:
    """The stream's chunks, stopping with ``ATTACHMENT_TOO_LARGE`` as soon as they pass ``max_bytes``."""
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise DomainError("ATTACHMENT_TOO_LARGE", f"文件超过 {_megabytes(max_bytes)}，请压缩或分页后再上传")
        yield chunk


def _head(chunks: Iterator[bytes]) -> tuple[bytes, list[bytes]]:
    """The first ``_HEAD`` bytes (fewer if the file is shorter) and the chunks read to get them."""
    head, first = b"", []
    for chunk in chunks:
        first.append(chunk)
        head += chunk[: _HEAD - len(head)]
        if len(head) >= _HEAD:
            break
    if not first:
        raise DomainError("ATTACHMENT_EMPTY", "文件为空，请重新选择")
    return head, first


def _write(chunks: Iterable[bytes], out: BinaryIO) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        size += len(chunk)
        digest.update(chunk)
        out.write(chunk)
    return size, digest.hexdigest()


def _checked(head: bytes, allowed: Collection[str]) -> str:
    content_type = sniff(head)
    if content_type is None or content_type not in allowed:
        kinds = "、".join(TYPE_LABELS.get(a, a) for a in sorted(allowed))
        raise DomainError("ATTACHMENT_TYPE", f"只能上传 {kinds} 格式的照片或扫描件")
    return content_type


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n} 字节"
