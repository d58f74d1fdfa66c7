"""Photos re-encoded without their metadata: EXIF, GPS, XMP, IPTC, ICC, text chunks and thumbnails gone."""

from __future__ import annotations

import io
import time

import pytest
from PIL import ExifTags, Image, JpegImagePlugin

from jingzhun.adapters.files.image_cleaning import clean_image
from jingzhun.domain.errors import DomainError

from .image_builders import (
    GPS_LATITUDE,
    LEAKS,
    MAKE,
    halves,
    phone_jpeg,
    png_chunks,
    png_declaring,
    png_with_text,
    riff_chunks,
    webp_with_exif,
)

LIMIT = 40_000_000


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()  # the stored photo still decodes
    return image


def test_the_phone_jpeg_really_carries_what_a_phone_writes():
    source = Image.open(io.BytesIO(phone_jpeg()))
    exif = source.getexif()
    assert exif[ExifTags.Base.Make] == MAKE and exif[ExifTags.Base.Orientation] == 6
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == GPS_LATITUDE
    assert ExifTags.Base.JpegIFOffset in exif.get_ifd(ExifTags.IFD.IFD1)  # the thumbnail
    assert {"exif", "xmp", "photoshop", "icc_profile", "comment"} <= source.info.keys()
    assert phone_jpeg().count(b"\xff\xd8\xff") == 2  # the photo and its thumbnail


def test_a_phone_jpeg_loses_every_metadata_block_and_its_thumbnail():
    cleaned = clean_image(phone_jpeg(), "image/jpeg", max_pixels=LIMIT)
    image = reopened(cleaned)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert [leak for leak in LEAKS if leak in cleaned] == []
    assert cleaned.count(b"\xff\xd8\xff") == 1  # no embedded thumbnail
    assert [marker for marker, _ in image.applist] == ["APP0"]  # JFIF only: no APP1/2/13, no COM
    assert image.info.keys() <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
    assert cleaned.endswith(b"\xff\xd9")  # the motion-photo trailer after the image is gone too


def test_the_pixels_are_turned_as_orientation_6_said():
    image = reopened(clean_image(phone_jpeg(64, 32), "image/jpeg", max_pixels=LIMIT))
    assert image.size == (32, 64)  # width and height swapped
    top, bottom = image.getpixel((16, 4)), image.getpixel((16, 60))
    assert top[0] > 200 and top[2] < 50  # the left half (red) is now on top: turned 90° clockwise
    assert bottom[2] > 200 and bottom[0] < 50


@pytest.mark.parametrize("subsampling", [0, 2])  # 4:4:4 and 4:2:0
def test_a_jpeg_keeps_its_chroma_subsampling(subsampling):
    out = io.BytesIO()
    halves().save(out, "JPEG", quality=95, subsampling=subsampling)
    image = reopened(clean_image(out.getvalue(), "image/jpeg", max_pixels=LIMIT))
    assert JpegImagePlugin.get_sampling(image) == subsampling


def test_a_png_loses_its_text_and_exif_chunks_and_keeps_its_pixels_exactly():
    source = png_with_text()
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf"} <= set(png_chunks(source))
    cleaned = clean_image(source, "image/png", max_pixels=LIMIT)
    assert png_chunks(cleaned) == [b"IHDR", b"IDAT", b"IEND"]
    assert MAKE.encode() not in cleaned
    image = reopened(cleaned)
    assert image.info == {} and dict(image.getexif()) == {}
    assert image.tobytes() == halves().tobytes()  # lossless


def test_a_palette_png_keeps_its_palette_and_transparency():
    palette = halves().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    palette.info["transparency"] = 0
    cleaned = clean_image(png_with_text(palette), "image/png", max_pixels=LIMIT)
    image = reopened(cleaned)
    assert image.mode == "P" and image.info == {"transparency": 0}
    assert image.convert("RGBA").tobytes() == palette.convert("RGBA").tobytes()
    assert b"tEXt" not in png_chunks(cleaned)


@pytest.mark.parametrize("lossless", [True, False])
def test_a_webp_loses_its_exif_xmp_and_icc_and_keeps_its_kind(lossless):
    source = webp_with_exif(lossless=lossless)
    assert {b"EXIF", b"XMP ", b"ICCP"} <= set(riff_chunks(source))
    cleaned = clean_image(source, "image/webp", max_pixels=LIMIT)
    assert riff_chunks(cleaned) == [b"VP8L" if lossless else b"VP8 "]
    assert [leak for leak in LEAKS if leak in cleaned] == []
    image = reopened(cleaned)
    assert image.format == "WEBP" and dict(image.getexif()) == {}
    assert image.size == (32, 64)  # its orientation 6 applied
    if lossless:
        assert image.convert("RGB").tobytes() == halves().transpose(Image.Transpose.ROTATE_270).tobytes()


def test_an_mpo_keeps_only_its_primary_image():
    out = io.BytesIO()
    halves().save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (20, 10), "green")])
    cleaned = clean_image(out.getvalue(), "image/jpeg", max_pixels=LIMIT)
    image = reopened(cleaned)
    assert (image.format, image.size, getattr(image, "n_frames", 1)) == ("JPEG", (64, 32), 1)
    assert cleaned.count(b"\xff\xd8\xff") == 1 and b"MPF" not in cleaned


def test_a_broken_exif_block_does_not_make_the_photo_unreadable():
    out = io.BytesIO()
    halves().save(out, "JPEG", exif=b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" + MAKE.encode())
    with pytest.warns(UserWarning, match="Corrupt EXIF"):  # Pillow warns (as in production) and reads on
        cleaned = clean_image(out.getvalue(), "image/jpeg", max_pixels=LIMIT)
    assert reopened(cleaned).size == (64, 32) and MAKE.encode() not in cleaned


def truncated_jpeg() -> bytes:
    data = phone_jpeg(256, 256)
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "content_type, data",
    [
        ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8),  # a JPEG header, then garbage
        ("image/jpeg", truncated_jpeg()),
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        ("image/webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32),
    ],
    ids=["jpeg-garbage", "jpeg-truncated", "png-garbage", "webp-garbage"],
)
def test_refuses_a_file_that_claims_an_image_type_but_does_not_decode(content_type, data):
    with pytest.raises(DomainError) as e:
        clean_image(data, content_type, max_pixels=LIMIT)
    assert e.value.code == "ATTACHMENT_UNREADABLE"
    assert "图片" in e.value.message


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (10_000, 10_000), (8_000, 6_000)])
def test_refuses_a_decompression_bomb_from_its_header_without_decoding_it(width, height):
    bomb = png_declaring(width, height)
    assert len(bomb) < 200
    started = time.perf_counter()
    with pytest.raises(DomainError) as e:
        clean_image(bomb, "image/png", max_pixels=LIMIT)
    assert time.perf_counter() - started < 0.5
    assert e.value.code == "ATTACHMENT_TOO_LARGE_PIXELS"
    assert "40 百万像素" in e.value.message


def test_the_pixel_limit_is_the_callers():
    with pytest.raises(DomainError) as e:
        clean_image(phone_jpeg(64, 32), "image/jpeg", max_pixels=64 * 32 - 1)
    assert e.value.code == "ATTACHMENT_TOO_LARGE_PIXELS" and "64×32" in e.value.message
    assert reopened(clean_image(phone_jpeg(64, 32), "image/jpeg", max_pixels=64 * 32)).size == (32, 64)


def test_refuses_an_animated_png():
    out = io.BytesIO()
    halves().save(out, "PNG", save_all=True, append_images=[Image.new("RGB", (64, 32), "green")])
    with pytest.raises(DomainError) as e:
        clean_image(out.getvalue(), "image/png", max_pixels=LIMIT)
    assert e.value.code == "ATTACHMENT_ANIMATED"
