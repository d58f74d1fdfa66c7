"""CSV reading: encoding detection, header search, and a fast path that keeps exact row numbers.

Why two parsers: polars parses millions of rows in about a second, but it silently pads short
rows and counts records rather than lines; the standard ``csv`` module is slow but keeps every
malformed row together with the line it starts on, which is what "第 N 行" must point at.

So the fast path first proves cheaply, on the raw lines, that every physical line after the
header is one record (no quoted field spans lines, every quote encloses a whole field); then the
row number is the line number, polars parses the values, and the few lines whose field count is
wrong are re-parsed one by one with the csv module to get their surplus cells. Files that fail
the proof (multi-line quoted fields, stray quotes) go wholly through the csv module: correct,
about ten times slower. Nothing is ever type-inferred: "00123" stays "00123".
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import polars as pl

from jingzhun.adapters.files.headers import (
    ERROR,
    EXTRA,
    FIELD_COUNT,
    FILE_ENCODING,
    FILE_UNREADABLE,
    HEADER_SCAN_ROWS,
    ROW,
    WHITESPACE,
    HeaderMatch,
    cell_column,
    find_header,
    missing_required,
    no_header_error,
    raise_for_duplicates,
    shape_frame,
)
from jingzhun.adapters.files.raw import FileReadError, RawTable
from jingzhun.domain.exchange import Table

UTF8 = "utf-8"
UTF8_SIG = "utf-8-sig"
GB18030 = "gb18030"  # a superset of GBK and GB2312: what Excel "CSV" writes on Chinese Windows
DELIMITERS = (",", "\t")
_CHUNK = 1 << 22
_SAMPLE_BYTES = 1 << 20
_LINE_SEPARATORS = ("\x1f", "\x1e", "\x1d", "\x1c")  # a byte absent from the body splits lines
_BLANK_LINE = {",": r"^[\s,]*$", "\t": r"^\s*$"}  # Rust regex: \s is Unicode White_Space
_DELIMITER_RE = {",": ",", "\t": r"\t"}
_QUOTED_FIELD = r'"(?:[^"]|"")*"'
_MARK = "\x00"  # stands for a quoted field; NUL never occurs, detect_encoding refuses it
_MARK_RE = r"\x00"


class EncodingError(ValueError):
    """The bytes are not UTF-8 (with or without BOM) nor GB18030; the message is Chinese."""


def _decodes(data: bytes, encoding: str) -> bool:
    """Strict decode in chunks, so validating a 300 MB file never holds a 600 MB ``str``."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    view = memoryview(data)
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(view[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(data: bytes) -> str:
    """ "utf-8-sig" (BOM), "utf-8" or "gb18030", whichever decodes strictly, in that order.

    UTF-8 is tried before GB18030 because Chinese text in GBK is almost never valid UTF-8, while
    short UTF-8 text can happen to be valid GB18030. UTF-16 and binary data are refused.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EncodingError("文件是 UTF-16 编码（Excel 的“Unicode 文本”），请另存为 UTF-8 或 GBK 的 CSV")
    if b"\x00" in data:
        raise EncodingError("文件含有二进制内容（NUL 字节），不是文本 CSV；Excel 文件请使用 .xlsx 扩展名")
    if data.startswith(codecs.BOM_UTF8):
        if _decodes(data, UTF8):
            return UTF8_SIG
    elif _decodes(data, UTF8):
        return UTF8
    elif _decodes(data, GB18030):
        return GB18030
    raise EncodingError("无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030，请另存为 UTF-8 的 CSV")


def _to_utf8(data: bytes, encoding: str) -> bytes:
    """UTF-8 bytes without BOM, with classic-Mac CR line ends turned into LF."""
    if encoding == UTF8_SIG:
        data = data[len(codecs.BOM_UTF8) :]
    elif encoding == GB18030:
        data = data.decode(GB18030).encode(UTF8)
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")
    return data


def _records(text: str, delimiter: str, first_line: int = 1) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of each record; lines are 1-based and split on LF only."""
    reader = csv.reader(io.StringIO(text, newline="\n"), delimiter=delimiter)
    consumed = 0
    try:
        for cells in reader:
            yield first_line + consumed, first_line + reader.line_num - 1, cells
            consumed = reader.line_num
    except csv.Error as exc:
        raise _CsvSyntaxError(first_line + consumed, str(exc)) from exc


class _CsvSyntaxError(Exception):
    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


@dataclass(frozen=True, slots=True)
class _Layout:
    delimiter: str
    match: HeaderMatch
    header_line: int  # 1-based line where the header record starts
    header_end_line: int  # last line of the header record (data start on the next line)
    fields: int  # number of fields in the header record


def _sample(data: bytes) -> str:
    """The first megabyte, cut at a line end: plenty for 20 rows, cheap for a 3 GB file."""
    if len(data) <= _SAMPLE_BYTES:
        return data.decode(UTF8)
    cut = data.rfind(b"\n", 0, _SAMPLE_BYTES)
    return data[: cut + 1 if cut >= 0 else _SAMPLE_BYTES].decode(UTF8, errors="ignore")


def _find_layout(path: Path, sample: str, table: Table) -> _Layout:
    """Try each delimiter on the first 20 records; keep the one recognising most headers."""
    best: _Layout | None = None
    for delimiter in DELIMITERS:
        records = list(islice(_records(sample, delimiter), HEADER_SCAN_ROWS))
        match = find_header((cells for _, _, cells in records), table)
        if match is None or (best is not None and match.recognised <= best.match.recognised):
            continue
        first, last, cells = records[match.row_index]
        best = _Layout(delimiter, match, first, last, len(cells))
    if best is None:
        raise no_header_error(path, table)
    raise_for_duplicates(path, best.match, best.header_line, table)
    return best


def _line_offset(data: bytes, lines: int) -> int:
    """Byte offset just after the first ``lines`` lines."""
    offset = 0
    for _ in range(lines):
        end = data.find(b"\n", offset)
        if end < 0:
            return len(data)
        offset = end + 1
    return offset


def _physical_lines(body: bytes) -> pl.Series | None:
    """Every line of ``body`` (LF-split, CR stripped) as a String series, quotes ignored."""
    separator = next((s for s in _LINE_SEPARATORS if s.encode() not in body), None)
    if separator is None or not body:
        return None
    try:
        frame = pl.read_csv(
            body,
            has_header=False,
            separator=separator,
            quote_char=None,
            infer_schema=False,
            new_columns=["line"],
            empty_string_is_null=False,
        )
    except pl.exceptions.PolarsError:
        return None
    return frame["line"]


def _line_shapes(lines: pl.Series, delimiter: str) -> tuple[pl.Series, pl.Series] | None:
    """Field count and blankness of each line, or None if any quote is not a whole field.

    A quoted field that starts and ends at field boundaries is parsed alike by polars and the csv
    module; a stray quote may open a field that runs over several lines, which only the csv
    module numbers correctly, so it sends the whole file down the slow path.
    """
    marked = lines
    if lines.str.contains('"', literal=True).any():
        marked = lines.str.replace_all(_QUOTED_FIELD, _MARK)
        other = _DELIMITER_RE[delimiter]
        glued = f"[^{other}{_MARK_RE}]{_MARK_RE}|{_MARK_RE}[^{other}{_MARK_RE}]"
        if (marked.str.contains('"', literal=True) | marked.str.contains(glued)).any():
            return None
    fields = marked.str.count_matches(delimiter, literal=True) + 1
    return fields, marked.str.contains(_BLANK_LINE[delimiter])


def _parse_polars(body: bytes, layout: _Layout) -> pl.DataFrame | None:
    """All lines as ``layout.fields`` text columns (short lines padded, long ones truncated).

    A synthetic header line fixes the column count; polars would otherwise take it from the
    first data line, which may be blank or ragged.
    """
    header = layout.delimiter.join(cell_column(i) for i in range(layout.fields)).encode() + b"\n"
    try:
        return pl.read_csv(
            header + body,
            separator=layout.delimiter,
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError:
        return None


def _read_fast(body: bytes, layout: _Layout) -> pl.DataFrame | None:
    """Polars parse with line numbers, the few ragged lines re-parsed by the csv module.

    Returns None (use :func:`_read_robust`) unless every physical line is one record.
    """
    lines = _physical_lines(body)
    shapes = None if lines is None else _line_shapes(lines, layout.delimiter)
    frame = None if shapes is None else _parse_polars(body, layout)
    if lines is None or shapes is None or frame is None or frame.height != lines.len():
        return None
    first_line = layout.header_end_line + 1
    frame = frame.with_row_index(ROW, offset=first_line).with_columns(pl.col(ROW).cast(pl.Int64))
    fields, blank = shapes
    irregular = ~blank & (fields != layout.fields)
    if not irregular.any():
        return frame
    index = irregular.arg_true()
    try:
        cells = [next(csv.reader([line], delimiter=layout.delimiter)) for line in lines.gather(index)]
    except csv.Error:
        return None
    patch = _collect(zip((index + first_line).to_list(), cells, strict=True), layout)
    regular = frame.filter(~irregular).with_columns(
        pl.lit(None, dtype=pl.String).alias(EXTRA), pl.lit(None, dtype=pl.String).alias(ERROR)
    )
    return pl.concat([regular, patch]).sort(ROW)


def _collect(records: Iterable[tuple[int, list[str]]], layout: _Layout) -> pl.DataFrame:
    """Raw frame from parsed records: pads short rows, keeps surplus cells, skips blank ones."""
    width, delimiter = layout.fields, layout.delimiter
    essential = layout.match.width  # cells up to the last named header must be present
    rows: list[int] = []
    table: list[list[str | None]] = []
    extras: list[str | None] = []
    errors: list[str | None] = []
    for line, cells in records:
        if not "".join(cells).strip(WHITESPACE):
            continue
        surplus = cells[width:]
        extra = delimiter.join(surplus) if "".join(surplus).strip(WHITESPACE) else None
        rows.append(line)
        extras.append(extra)
        errors.append(FIELD_COUNT if extra is not None or len(cells) < essential else None)
        padded: list[str | None] = [*cells[:width], *[None] * (width - len(cells))]
        table.append(padded)
    names = [cell_column(i) for i in range(width)]
    frame = pl.DataFrame(table, schema=dict.fromkeys(names, pl.String), orient="row")
    return frame.select(
        pl.Series(ROW, rows, dtype=pl.Int64),
        *names,
        pl.Series(EXTRA, extras, dtype=pl.String),
        pl.Series(ERROR, errors, dtype=pl.String),
    )


def _read_robust(body: bytes, layout: _Layout) -> pl.DataFrame:
    """Standard-library parse of the whole body: exact for multi-line quoted fields."""
    records = _records(body.decode(UTF8), layout.delimiter, layout.header_end_line + 1)
    return _collect(((first, cells) for first, _last, cells in records), layout)


def read_csv(path: Path, table: Table) -> RawTable:
    """Read a CSV (comma or tab) into a RawTable; see the module docstring for the two paths."""
    data = path.read_bytes()
    try:
        encoding = detect_encoding(data)
    except EncodingError as exc:
        raise FileReadError(path, FILE_ENCODING, str(exc)) from exc
    text = _to_utf8(data, encoding)
    try:
        layout = _find_layout(path, _sample(text), table)
        body = text[_line_offset(text, layout.header_end_line) :]
        raw = _read_fast(body, layout)
        if raw is None:
            raw = _read_robust(body, layout)
    except _CsvSyntaxError as exc:
        message = f"CSV 格式错误（第 {exc.line} 行附近）：{exc.detail}"
        raise FileReadError(path, FILE_UNREADABLE, message) from exc
    return RawTable(
        table=table.name,
        path=path,
        frame=shape_frame(raw, layout.match, table),
        encoding=encoding,
        header_row=layout.header_line,
        unknown_columns=layout.match.unknown,
        missing_required=missing_required(layout.match, table),
    )
