"""Finding a CJK font to embed in a PDF: configured, a known system path, or fontconfig.

A PDF that names a Chinese font without embedding it prints as boxes on a township's office
PC, so a notice is only rendered with a real font file embedded (fpdf2 subsets it to the
characters used, which keeps a page of names small). fpdf2 (≥ 2.7) reads TrueType and
CFF-based OpenType fonts and faces inside a collection (``.ttc``), so Debian's
``fonts-noto-cjk`` (``NotoSansCJK-Regular.ttc``, face 2 is Simplified Chinese) works as is.

Order: ``JINGZHUN_CJK_FONT`` (``/path/font.ttc`` or ``/path/font.ttc#2`` for a face), then the
paths the common packages install, then ``fc-list :lang=zh-cn``. A candidate counts only if
its character map covers the characters every notice prints. A configured path that does not
work is an error, not a reason to fall back silently. None found: FONT_MISSING.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError  # type: ignore[import-untyped]

from jingzhun.domain.errors import DomainError

ENV = "JINGZHUN_CJK_FONT"
PROBE = "防止返贫致贫对象识别公示村乡镇人民政府户主姓名序号监测类别"  # what every notice prints

# Regular faces first: Noto Sans CJK (fonts-noto-cjk on Debian and Ubuntu; Fedora and Arch
# paths), then Noto Serif CJK, WenQuanYi and AR PL.
KNOWN_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
MISSING = "未找到可嵌入的中文字体：请安装 fonts-noto-cjk，或用环境变量 JINGZHUN_CJK_FONT 指定字体文件"


@dataclass(frozen=True, slots=True)
class CjkFont:
    """A font file and, for a collection, the face to use (0 for a plain TTF/OTF)."""

    path: Path
    index: int = 0


def find_cjk_font(environ: Mapping[str, str] | None = None) -> CjkFont:
    """The CJK font to embed (see the module docstring for the order); FONT_MISSING if none."""
    configured = (os.environ if environ is None else environ).get(ENV, "").strip()
    return _find(configured)


@lru_cache(maxsize=8)
def _find(configured: str) -> CjkFont:
    if configured:
        path, _, face = configured.partition("#")
        found = _usable(Path(path), int(face) if face.isdigit() else None)
        if found is None:
            raise DomainError("FONT_MISSING", f"{ENV}={configured} 不是可用的中文字体文件（应覆盖常用汉字）")
        return found
    for candidate, index in _candidates():
        found = _usable(candidate, index)
        if found is not None:
            return found
    raise DomainError("FONT_MISSING", MISSING)


def _candidates() -> Iterator[tuple[Path, int | None]]:
    for known in KNOWN_PATHS:
        yield Path(known), None
    yield from _fontconfig()


def _fontconfig() -> Iterator[tuple[Path, int | None]]:
    """Chinese fonts fontconfig knows, sans and regular first (fc-list may be absent)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return
    try:
        out = subprocess.run(
            [fc_list, "-f", "%{file}|%{index}|%{family[0]}|%{style[0]}\n", ":lang=zh-cn"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return
    rows = [line.split("|") for line in out.splitlines() if line.count("|") == 3]

    def rank(row: list[str]) -> tuple[bool, bool, bool, bool]:
        family, style = row[2].lower(), row[3].lower()
        return "regular" not in style, "mono" in family, "sans" not in family, " sc" not in family

    for file, index, _family, _style in sorted(rows, key=rank):
        if file.lower().endswith((".ttf", ".otf", ".ttc", ".otc")):
            yield Path(file), int(index) if index.isdigit() else None


def _usable(path: Path, index: int | None) -> CjkFont | None:
    """``path`` (face ``index``, or the best face of a collection) if it covers PROBE."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as file:  # opened here, so a file that is no font is closed all the same
            if index is not None or path.suffix.lower() not in (".ttc", ".otc"):
                face = index or 0
                return CjkFont(path, face) if _covers(TTFont(file, fontNumber=face, lazy=True)) else None
            collection = TTCollection(file, lazy=True)
            return next((CjkFont(path, i) for i in _preferred(collection.fonts) if _covers(collection.fonts[i])), None)
    except (OSError, TTLibError, ValueError, LookupError, AssertionError, struct.error):  # not a font we can read
        return None


def _preferred(fonts: Iterable[TTFont]) -> list[int]:
    """Face numbers of a collection, Simplified Chinese (``SC``) faces first, monospaced last."""

    def rank(item: tuple[int, TTFont]) -> tuple[bool, bool, int]:
        name = str(item[1]["name"].getDebugName(1) or "")
        return " SC" not in name and "GB" not in name, "Mono" in name, item[0]

    return [i for i, _ in sorted(enumerate(fonts), key=rank)]


def _covers(font: TTFont) -> bool:
    cmap = font.getBestCmap() or {}
    return all(ord(ch) in cmap for ch in PROBE)
