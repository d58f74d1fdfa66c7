"""Attachments to a case: sniffed types, the size limit, photos without metadata, scope, permission, audit, and
no orphan files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
import time

import pytest
from PIL import Image
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services import attachments as service
from jingzhun.services.attachments import add_attachment, clean_filename, list_attachments, open_attachment
from jingzhun.services.cases import act_on_case, receive_lead
from jingzhun.services.importer import run_import
from jingzhun.settings import Settings
from tests.unit.adapters.files.image_builders import LEAKS, halves, phone_jpeg, png_declaring, png_with_text

from .helpers import read_csv, synthetic_registry

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
GARBAGE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4  # a JPEG's header, then noise


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    halves().save(out, fmt)
    return out.getvalue()


@pytest.fixture
def place(engine, tmp_path):
    """Two villages' cadres, each with an open case in their village, and attachments under tmp_path."""
    src = synthetic_registry(tmp_path / "reg", households=30)
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv").select("household_id", "division_code")
    villages = sorted(set(hh["division_code"]))
    a, b = villages[0], villages[-1]
    first = {v: hh.filter(hh["division_code"] == v)["household_id"][0] for v in (a, b)}
    cadre_a, cadre_b = Actor("cadre_a", Role.VILLAGE_CADRE, a), Actor("cadre_b", Role.VILLAGE_CADRE, b)
    case_a = receive_lead(engine, Lead("S-a", first[a], Channel.SELF_DECLARATION, T0, "申报"), cadre_a).case_id
    case_b = receive_lead(engine, Lead("S-b", first[b], Channel.SELF_DECLARATION, T0, "申报"), cadre_b).case_id
    cfg = Settings(data_dir=tmp_path / "data", attachment_max_bytes=64 * 1024)
    return cfg, cadre_a, cadre_b, case_a, case_b


def events(engine, action):
    e = t.audit_events.c
    with engine.connect() as c:
        return c.execute(select(e.actor, e.record, e.result, e.detail).where(e.action == action).order_by(e.seq)).all()


def files_under(cfg: Settings) -> list[str]:
    root = cfg.data_dir / "attachments"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_file_is_typed_by_its_bytes_and_comes_back_unchanged(engine, place):
    cfg, cadre_a, _, case_a, _ = place
    added = add_attachment(engine, cfg, cadre_a, case_a, "signed_consent", "承诺书.jpg", io.BytesIO(PDF))
    assert added.content_type == "application/pdf"  # a .jpg name with PDF bytes is a PDF
    assert (added.filename, added.size_bytes, added.sha256) == ("承诺书.jpg", len(PDF), hashlib.sha256(PDF).hexdigest())
    meta, path = open_attachment(engine, cfg, cadre_a, added.attachment_id)
    assert meta == added
    assert hashlib.sha256(path.read_bytes()).hexdigest() == added.sha256
    assert path == cfg.data_dir / "attachments" / case_a / added.attachment_id  # never the client's name
    assert [x.attachment_id for x in list_attachments(engine, cadre_a, case_a)] == [added.attachment_id]
    assert [(r.actor, r.record, r.result) for r in events(engine, "attachment.add")] == [
        ("cadre_a", f"case:{case_a}", "ok")
    ]
    assert [(r.actor, r.record, r.result) for r in events(engine, "attachment.read")] == [
        ("cadre_a", f"case:{case_a}", "ok")
    ]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepts_jpeg_png_and_webp(engine, place, fmt):
    cfg, cadre_a, _, case_a, _ = place
    added = add_attachment(engine, cfg, cadre_a, case_a, "verification_form", "photo", io.BytesIO(image(fmt)))
    assert added.content_type == f"image/{fmt.lower()}"
    _, path = open_attachment(engine, cfg, cadre_a, added.attachment_id)
    with Image.open(path) as stored:
        assert stored.format == fmt


def test_a_photo_is_stored_without_its_metadata_and_described_by_the_stored_bytes(engine, place):
    cfg, cadre_a, _, case_a, _ = place
    sent = phone_jpeg(64, 32)
    added = add_attachment(engine, cfg, cadre_a, case_a, "verification_form", "IMG_0001.jpg", io.BytesIO(sent))
    meta, path = open_attachment(engine, cfg, cadre_a, added.attachment_id)
    stored = path.read_bytes()
    assert stored != sent and [leak for leak in LEAKS if leak in stored] == []
    with Image.open(path) as photo:
        photo.load()
        assert (photo.format, photo.size, dict(photo.getexif())) == ("JPEG", (32, 64), {})  # upright, no EXIF
    assert (meta.size_bytes, meta.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    assert (added.size_bytes, added.sha256) == (meta.size_bytes, meta.sha256)
    with engine.connect() as c:
        row = c.execute(select(t.attachments.c.size_bytes, t.attachments.c.sha256)).one()
    assert tuple(row) == (len(stored), hashlib.sha256(stored).hexdigest())
    (event,) = events(engine, "attachment.add")
    assert json.loads(event.detail)["sha256"] == hashlib.sha256(stored).hexdigest()
    assert files_under(cfg) == [f"{case_a}/{added.attachment_id}"]  # no temporary copy of the original


def test_a_png_is_stored_without_its_text_chunks(engine, place):
    cfg, cadre_a, _, case_a, _ = place
    added = add_attachment(engine, cfg, cadre_a, case_a, "verification_form", "scan.png", io.BytesIO(png_with_text()))
    _, path = open_attachment(engine, cfg, cadre_a, added.attachment_id)
    stored = path.read_bytes()
    assert b"tEXt" not in stored and b"iTXt" not in stored and b"eXIf" not in stored
    with Image.open(path) as photo:
        assert photo.tobytes() == halves().tobytes()  # lossless


@pytest.mark.parametrize(
    "data, code",
    [
        (GARBAGE_JPEG, "ATTACHMENT_UNREADABLE"),
        (png_declaring(100_000, 100_000), "ATTACHMENT_TOO_LARGE_PIXELS"),  # 10 billion pixels in 74 bytes
        (png_declaring(8_000, 6_000), "ATTACHMENT_TOO_LARGE_PIXELS"),  # 48 MP: over the 40 MP default
    ],
    ids=["jpeg-header-then-garbage", "decompression-bomb", "over-the-pixel-limit"],
)
def test_refuses_an_image_that_does_not_decode_or_is_too_big_and_keeps_nothing(engine, place, data, code):
    cfg, cadre_a, _, case_a, _ = place
    started = time.perf_counter()
    with pytest.raises(DomainError) as e:
        add_attachment(engine, cfg, cadre_a, case_a, "verification_form", "photo.jpg", io.BytesIO(data))
    assert time.perf_counter() - started < 5  # refused from the header, not after decoding billions of pixels
    assert e.value.code == code
    assert files_under(cfg) == []
    with engine.connect() as c:
        assert c.execute(select(t.attachments)).all() == []
    assert [(r.result, r.detail) for r in events(engine, "attachment.add")] == [("failed", json.dumps({"code": code}))]


def noisy_jpeg(quality: int) -> bytes:
    rng = random.Random(5)
    noise = Image.frombytes("RGB", (160, 160), bytes(rng.randrange(256) for _ in range(160 * 160 * 3)))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_the_size_limit_is_on_the_bytes_received_not_on_the_cleaned_photo(engine, place):
    cfg, cadre_a, _, case_a, _ = place
    sent = noisy_jpeg(quality=10)  # re-encoding at quality 90 makes it bigger
    cfg = cfg.model_copy(update={"attachment_max_bytes": len(sent)})
    added = add_attachment(engine, cfg, cadre_a, case_a, "verification_form", "photo.jpg", io.BytesIO(sent))
    assert added.size_bytes > cfg.attachment_max_bytes  # accepted: what the sender sent was within the limit
    with pytest.raises(DomainError) as e:
        add_attachment(engine, cfg, cadre_a, case_a, "verification_form", "photo.jpg", io.BytesIO(sent + b"\x00"))
    assert e.value.code == "ATTACHMENT_TOO_LARGE"


@pytest.mark.parametrize(
    "name, data",
    [
        ("photo.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("scan.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),  # a Windows program
        ("form.pdf", b"GIF89a" + b"\x00" * 64),  # an image type that is not allowed
        ("tiny.jpg", b"\xff\xd8"),  # shorter than any magic number
    ],
)
def test_refuses_what_is_not_an_allowed_type_whatever_its_name(engine, place, name, data):
    cfg, cadre_a, _, case_a, _ = place
    with pytest.raises(DomainError) as e:
        add_attachment(engine, cfg, cadre_a, case_a, "signed_consent", name, io.BytesIO(data))
    assert e.value.code == "ATTACHMENT_TYPE"
    assert files_under(cfg) == []  # no temporary file is left behind
    assert [(r.result, r.detail) for r in events(engine, "attachment.add")] == [
        ("failed", '{"code": "ATTACHMENT_TYPE"}')
    ]


class Endless(io.RawIOBase):
    """A stream that never ends: the limit must stop the read, not the end of the upload."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        chunk = (b"%PDF-" + b"0" * (n - 5)) if self.served == 0 else b"0" * n
        self.served += len(chunk)
        return chunk


def test_refuses_a_file_over_the_limit_and_stops_reading_at_it(engine, place):
    cfg, cadre_a, _, case_a, _ = place
    stream = Endless()
    with pytest.raises(DomainError) as e:
        add_attachment(engine, cfg, cadre_a, case_a, "signed_consent", "big.pdf", stream)  # type: ignore[arg-type]
    assert e.value.code == "ATTACHMENT_TOO_LARGE"
    assert stream.served <= cfg.attachment_max_bytes + 64 * 1024
    assert files_under(cfg) == []
    exact = PDF + b"0" * (cfg.attachment_max_bytes - len(PDF))
    assert add_attachment(
        engine, cfg, cadre_a, case_a, "signed_consent", "ok.pdf", io.BytesIO(exact)
    ).size_bytes == len(exact)


def test_refuses_an_empty_file_and_a_missing_document_key(engine, place):
    cfg, cadre_a, _, case_a, _ = place
    with pytest.raises(DomainError) as e:
        add_attachment(engine, cfg, cadre_a, case_a, "signed_consent", "x.pdf", io.BytesIO(b""))
    assert e.value.code == "ATTACHMENT_EMPTY"
    with pytest.raises(DomainError) as e:
        add_attachment(engine, cfg, cadre_a, case_a, "../etc", "x.pdf", io.BytesIO(PDF))
    assert e.value.code == "ATTACHMENT_DOCUMENT_KEY"
    assert files_under(cfg) == []


def test_another_village_finds_neither_the_case_nor_its_attachment(engine, place):
    cfg, cadre_a, cadre_b, case_a, _ = place
    added = add_attachment(engine, cfg, cadre_a, case_a, "signed_consent", "a.pdf", io.BytesIO(PDF))
    with pytest.raises(DomainError) as e:
        add_attachment(engine, cfg, cadre_b, case_a, "signed_consent", "b.pdf", io.BytesIO(PDF))
    assert e.value.code == "CASE_NOT_FOUND"
    with pytest.raises(DomainError) as e:
        list_attachments(engine, cadre_b, case_a)
    assert e.value.code == "CASE_NOT_FOUND"
    with pytest.raises(DomainError) as e:
        open_attachment(engine, cfg, cadre_b, added.attachment_id)
    assert e.value.code == "ATTACHMENT_NOT_FOUND"
    assert [r.result for r in events(engine, "attachment.read")] == ["denied"]
    assert files_under(cfg) == [f"{case_a}/{added.attachment_id}"]


def test_the_auditor_may_neither_upload_nor_download(engine, place):
    cfg, cadre_a, _, case_a, _ = place
    auditor = Actor("auditor", Role.AUDITOR, cadre_a.jurisdiction[:6] + "000000")
    added = add_attachment(engine, cfg, cadre_a, case_a, "signed_consent", "a.pdf", io.BytesIO(PDF))
    for attempt in (
        lambda: add_attachment(engine, cfg, auditor, case_a, "signed_consent", "b.pdf", io.BytesIO(PDF)),
        lambda: open_attachment(engine, cfg, auditor, added.attachment_id),
        lambda: list_attachments(engine, auditor, case_a),
    ):
        with pytest.raises(DomainError) as e:
            attempt()
        assert e.value.code == "PERMISSION_DENIED"
    assert [(r.actor, r.result) for r in events(engine, "attachment.add")][-1] == ("auditor", "denied")
    assert [(r.actor, r.result) for r in events(engine, "attachment.read")] == [("auditor", "denied")]


def test_a_closed_case_takes_no_more_attachments(engine, place):
    cfg, cadre_a, _, case_a, _ = place
    act_on_case(engine, case_a, "invalidate", cadre_a, reason="重复线索")
    with pytest.raises(DomainError) as e:
        add_attachment(engine, cfg, cadre_a, case_a, "signed_consent", "a.pdf", io.BytesIO(PDF))
    assert e.value.code == "CASE_CLOSED"
    assert files_under(cfg) == []


def test_the_file_is_removed_when_the_database_write_fails(engine, place, monkeypatch):
    cfg, cadre_a, _, case_a, _ = place

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(service.auditing, "record", broken)
    with pytest.raises(RuntimeError):
        add_attachment(engine, cfg, cadre_a, case_a, "signed_consent", "a.pdf", io.BytesIO(PDF))
    assert files_under(cfg) == []
    with engine.connect() as c:
        assert c.execute(select(t.attachments)).all() == []


def test_the_shown_name_is_cleaned_and_bounded():
    assert clean_filename("C:\\Users\\张三\\承诺书.pdf") == "承诺书.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename('a"b<c>\x00.jpg') == "a_b_c__.jpg"
    assert clean_filename("..") == "附件"
    long = clean_filename("长" * 300 + ".jpeg")
    assert len(long) == 120 and long.endswith(".jpeg")
