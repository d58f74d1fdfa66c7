"""Uploaded photos re-encoded without their metadata (PIPL Art. 6 minimum necessary; GB/T 35273-2020).

A cadre's phone writes into every photo where the household lives (EXIF GPS), which phone took
it (make, model, serial number), when, and often a thumbnail, XMP and IPTC blocks, a maker note,
an ICC profile naming the vendor and, after the image itself, a motion-photo video. None of that
is needed to see a medical bill or a house, so the photo is decoded and written again from its
pixels alone: the EXIF orientation is applied to the pixels first (so a portrait shot is not
shown sideways once the tag is gone), an embedded colour profile is converted to sRGB and
dropped, and the encoder is given nothing but the pixels (Pillow's writers otherwise copy a
JPEG comment or a PNG's ICC profile from the decoded image). The format is kept: JPEG at
quality 90 with the original chroma subsampling, PNG lossless, WEBP lossless if it was.

A file that only claims to be an image is refused (``ATTACHMENT_UNREADABLE``), and so is one
that declares more pixels than the limit (``ATTACHMENT_TOO_LARGE_PIXELS``), judged from the
header before a single pixel is decoded: a few hundred bytes of PNG can declare 10 billion
pixels (a decompression bomb), and decoding costs about 4 bytes per pixel, twice over while the
orientation is applied. Pillow's own ``Image.MAX_IMAGE_PIXELS`` check (about 89 million, an
error at twice that) stays in force underneath and is refused the same way; it is a process-wide
value, so it is not lowered here for one caller's limit.
"""

from __future__ import annotations

import io

from PIL import Image, ImageCms, ImageOps, JpegImagePlugin

from jingzhun.domain.errors import DomainError

CLEANED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
JPEG_QUALITY = 90
WEBP_QUALITY = 90
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_KEPT_INFO = ("transparency",)  # a palette or single-colour transparency is pixels, not metadata


def clean_image(data: bytes, content_type: str, *, max_pixels: int) -> bytes:
    """``data`` (a JPEG, PNG or WEBP by its magic bytes) re-encoded from its pixels, in the same format."""
    image = _decoded(data, content_type, max_pixels=max_pixels)
    subsampling = JpegImagePlugin.get_sampling(image) if isinstance(image, JpegImagePlugin.JpegImageFile) else -1
    _upright(image)
    _to_srgb(image)
    image.info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
    out = io.BytesIO()
    fmt = _FORMATS[content_type]
    if fmt == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=subsampling)
    elif fmt == "WEBP" and _webp_is_lossless(data):
        image.save(out, "WEBP", lossless=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def _decoded(data: bytes, content_type: str, *, max_pixels: int) -> Image.Image:
    """The first (primary) image of ``data``, fully decoded; refused if it does not decode or is too big."""
    label = _FORMATS[content_type]
    try:
        image = Image.open(io.BytesIO(data), formats=[_FORMATS[content_type]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # the warning raises under -W error
        raise _too_many_pixels(None, max_pixels) from None
    except Exception:  # a hostile file may fail any way the parser can; none of them is our bug
        raise _unreadable(label) from None
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels((width, height), max_pixels)
    if getattr(image, "is_animated", False) and image.format != "MPO":  # an MPO's extra frames are previews
        raise DomainError("ATTACHMENT_ANIMATED", "不能上传动图，请上传照片或扫描件")
    try:
        image.load()  # decodes only the first frame: an MPO's depth map or gain map is left behind
    except Exception:
        raise _unreadable(label) from None
    return image


def _upright(image: Image.Image) -> None:
    """Turn the pixels as the EXIF orientation says; a broken EXIF block counts as no orientation."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # unreadable metadata does not make the photo unreadable; it is dropped anyway
        return  # (Pillow only warns about a corrupt EXIF block; under -W error that warning lands here)


def _to_srgb(image: Image.Image) -> None:
    """Convert an RGB(A) image with an embedded ICC profile to sRGB, so the colours hold without it."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), inPlace=True)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):  # a broken profile: the pixels as they are
        return


def _webp_is_lossless(data: bytes) -> bool:
    """Whether the WEBP's image chunk is VP8L (lossless) rather than VP8 (lossy), walking the RIFF chunks."""
    pos = 12
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if tag in (b"VP8L", b"VP8 "):
            return tag == b"VP8L"
        pos += 8 + size + (size & 1)
    return False


def _unreadable(label: str) -> DomainError:
    message = f"文件不是可以打开的 {label} 图片（可能已损坏），请重新拍摄或导出后再上传"
    return DomainError("ATTACHMENT_UNREADABLE", message)


def _too_many_pixels(size: tuple[int, int] | None, max_pixels: int) -> DomainError:
    shown = f"（{size[0]}×{size[1]}）" if size else ""
    return DomainError(
        "ATTACHMENT_TOO_LARGE_PIXELS",
        f"图片像素过多{shown}，上限为 {max_pixels / 1_000_000:g} 百万像素，请调低分辨率或压缩后再上传",
    )
