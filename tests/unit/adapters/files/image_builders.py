"""Build the photos a cadre's phone really sends, in memory (no real photos in git).

``phone_jpeg`` carries what a phone writes: GPS coordinates of the household, make, model and
serial number, the time, an orientation tag 6 (held sideways), a thumbnail in EXIF's IFD1, XMP,
an IPTC block, an ICC profile, a comment and a motion-photo trailer after the image. The pixels
are a red left half and a blue right half, so the turn the orientation asks for can be seen.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

MAKE, MODEL, SERIAL = "HUAWEI-TESTMAKE", "TESTMODEL-P60", "SN-8812345"
GPS_LATITUDE = (25.0, 40.0, 12.34)  # 25°40'12.34" N: a household's home
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description GPSLatitude="25,40.2N"/></x:xmpmeta>'
LEAKS = (MAKE.encode(), MODEL.encode(), SERIAL.encode(), b"Exif", b"GPS", b"xmpmeta", b"IPTC-VILLAGE", b"MotionPhoto")


def halves(width: int = 64, height: int = 32, mode: str = "RGB") -> Image.Image:
    """Red on the left half, blue on the right."""
    image = Image.new(mode, (width, height), "red")
    image.paste(Image.new(mode, (width - width // 2, height), "blue"), (width // 2, 0))
    return image


def phone_exif(orientation: int = 6, *, thumbnail: bytes | None = None) -> bytes:
    """An APP1 EXIF payload (``Exif\\0\\0`` + TIFF): GPS, make/model/serial, time and, if given, a thumbnail."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = MAKE, MODEL, orientation  # Make, Model, Orientation
    exif[0x0132] = "2026:11:02 09:15:00"  # DateTime
    sub = exif.get_ifd(0x8769)  # Exif IFD
    sub[0xA431], sub[0x9003] = SERIAL, "2026:11:02 09:15:00"  # BodySerialNumber, DateTimeOriginal
    gps = exif.get_ifd(0x8825)  # GPS IFD
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LATITUDE, "E", (101.0, 52.0, 1.0)
    tiff = exif.tobytes()[6:]
    if thumbnail is not None:
        tiff = _with_ifd1_thumbnail(tiff, thumbnail)
    return b"Exif\x00\x00" + tiff


def _with_ifd1_thumbnail(tiff: bytes, thumbnail: bytes) -> bytes:
    """Append IFD1 (a JPEG thumbnail) to a TIFF block and point IFD0's next-IFD field at it."""
    e = "<" if tiff[:2] == b"II" else ">"
    (ifd0,) = struct.unpack_from(e + "I", tiff, 4)
    (count,) = struct.unpack_from(e + "H", tiff, ifd0)
    next_field = ifd0 + 2 + 12 * count
    body = bytearray(tiff + b"\x00" * (len(tiff) % 2))
    ifd1 = len(body)
    data_at = ifd1 + 2 + 3 * 12 + 4
    body += struct.pack(e + "H", 3)
    body += struct.pack(e + "HHIHH", 0x0103, 3, 1, 6, 0)  # Compression: JPEG (a SHORT, left-justified)
    body += struct.pack(e + "HHII", 0x0201, 4, 1, data_at)  # JPEGInterchangeFormat
    body += struct.pack(e + "HHII", 0x0202, 4, 1, len(thumbnail))  # JPEGInterchangeFormatLength
    body += struct.pack(e + "I", 0) + thumbnail
    struct.pack_into(e + "I", body, next_field, ifd1)
    return bytes(body)


def iptc_marker() -> bytes:
    """An APP13 Photoshop/IPTC segment with a caption naming the village."""
    caption = b"IPTC-VILLAGE caption"
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def phone_jpeg(width: int = 64, height: int = 32) -> bytes:
    """A JPEG as a phone writes it: every metadata block above, orientation 6, and a trailer after EOI."""
    thumb = io.BytesIO()
    halves(16, 8).save(thumb, "JPEG")
    out = io.BytesIO()
    halves(width, height).save(
        out, "JPEG", quality=95, exif=phone_exif(6, thumbnail=thumb.getvalue()), xmp=XMP,
        icc_profile=srgb_icc(), comment=b"TESTMAKE comment", extra=iptc_marker(), subsampling=0,
    )  # fmt: skip
    return out.getvalue() + b"MotionPhoto_Data\x00" + b"\x00" * 64  # a video would follow here


def png_with_text(image: Image.Image | None = None) -> bytes:
    """A PNG with tEXt, zTXt and iTXt chunks (a caption, a comment, XMP) and an eXIf chunk."""
    info = PngInfo()
    info.add_text("Author", MAKE)  # Latin-1: a tEXt chunk
    info.add_text("Comment", f"{MAKE} 村委会")  # not Latin-1: written as iTXt
    info.add_text("Software", MODEL, zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), lang="zh", tkey="元数据")
    out = io.BytesIO()
    (image or halves()).save(out, "PNG", pnginfo=info, exif=phone_exif(1))
    return out.getvalue()


def webp_with_exif(*, lossless: bool) -> bytes:
    out = io.BytesIO()
    halves().save(out, "WEBP", lossless=lossless, exif=phone_exif(6), xmp=XMP, icc_profile=srgb_icc())
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` grey pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_chunks(data: bytes) -> list[bytes]:
    """The chunk types of a PNG, in order."""
    kinds, pos = [], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kinds.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return kinds


def riff_chunks(data: bytes) -> list[bytes]:
    """The top-level chunk tags of a WEBP (RIFF) file, in order."""
    kinds, pos = [], 12
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        kinds.append(data[pos : pos + 4])
        pos += 8 + size + (size & 1)
    return kinds
