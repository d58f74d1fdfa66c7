"""Uploading a scan on the case page and downloading it: CSRF, sniffed type, a photo without its metadata,
safe download headers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from jingzhun.domain.documents import DOCUMENT_LABELS
from jingzhun.services.attachments import list_attachments
from jingzhun.services.users import actor_of
from jingzhun.web.app import create_app
from tests.unit.adapters.files.image_builders import LEAKS, phone_jpeg

from .conftest import login

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


@pytest.fixture
def client(county, tmp_path) -> Iterator[TestClient]:
    cfg = county.settings.model_copy(update={"data_dir": tmp_path / "data"})
    with TestClient(create_app(county.engine, cfg), follow_redirects=False) as c:
        yield c


def upload(client, case_id, csrf, name="承诺书.jpg", data=PDF, key="signed_consent"):
    form = {"document_key": key} | ({"csrf_token": csrf} if csrf else {})
    return client.post(f"/cases/{case_id}/attachments", data=form, files={"file": (name, data, "image/jpeg")})


def test_a_cadre_uploads_a_scan_and_downloads_it_unchanged(county, client):
    case_id = county.cases_a[0]
    csrf = login(client, "cadre_a")
    page = client.get(f"/cases/{case_id}")
    assert 'enctype="multipart/form-data"' in page.text and DOCUMENT_LABELS["signed_consent"] in page.text
    response = upload(client, case_id, csrf)
    assert response.status_code == 303
    assert unquote(response.headers["location"]) == f"/cases/{case_id}?done=已上传材料"
    page = client.get(f"/cases/{case_id}")
    assert "承诺书.jpg" in page.text
    marker = 'href="/attachments/'
    start = page.text.index(marker) + len(marker)
    attachment_id = page.text[start : page.text.index('"', start)]
    got = client.get(f"/attachments/{attachment_id}")
    assert got.status_code == 200
    assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(PDF).hexdigest()
    assert got.headers["content-type"] == "application/pdf"  # sniffed, not the client's image/jpeg
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"


def test_a_phone_photo_is_downloaded_without_its_gps_and_phone_details(county, client):
    case_id = county.cases_a[0]
    csrf = login(client, "cadre_a")
    response = upload(client, case_id, csrf, name="IMG_0001.jpg", data=phone_jpeg(), key="verification_form")
    assert response.status_code == 303
    (stored,) = list_attachments(county.engine, actor_of(county.engine, "cadre_a"), case_id)
    got = client.get(f"/attachments/{stored.attachment_id}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert [leak for leak in LEAKS if leak in got.content] == []
    assert (len(got.content), hashlib.sha256(got.content).hexdigest()) == (stored.size_bytes, stored.sha256)


def test_a_file_that_only_claims_to_be_a_photo_is_refused_with_the_reason(county, client):
    csrf = login(client, "cadre_a")
    response = upload(client, county.cases_a[0], csrf, name="photo.jpg", data=b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    assert response.status_code == 422
    assert "可能已损坏" in response.text


def test_an_upload_without_the_csrf_token_is_refused(county, client, tmp_path):
    login(client, "cadre_a")
    response = upload(client, county.cases_a[0], csrf="")
    assert response.status_code == 403
    assert not (tmp_path / "data" / "attachments").exists()


def test_a_page_disguised_as_a_photo_is_refused_with_the_reason(county, client):
    csrf = login(client, "cadre_a")
    response = upload(client, county.cases_a[0], csrf, name="photo.jpg", data=b"<html><script>alert(1)</script>")
    assert response.status_code == 422
    assert "只能上传" in response.text


def test_another_village_cannot_download_it(county, client):
    case_id = county.cases_a[0]
    csrf = login(client, "cadre_a")
    upload(client, case_id, csrf)
    attachment_id = list_attachments(county.engine, actor_of(county.engine, "cadre_a"), case_id)[0].attachment_id
    client.post("/logout", data={"csrf_token": csrf})
    login(client, "cadre_b")
    assert client.get(f"/attachments/{attachment_id}").status_code == 404
