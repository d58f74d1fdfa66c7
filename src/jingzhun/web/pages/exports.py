"""What every CSV export of the pages shares: the file's form, and cells Excel will not run as formulas.

A value starting with ``= + - @`` (or a tab or carriage return) is a formula to Excel and WPS;
names typed by users, messages and reasons reach these files, so every cell is prefixed with
``'`` when it would start one (OWASP "CSV injection"). ``None`` is an empty cell.

The file is UTF-8 with a byte-order mark (Excel on a Chinese Windows reads it as UTF-8 only
then), CRLF rows, a header row, and is sent as an attachment under a dated name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from fastapi.responses import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(columns: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    """The header and the rows, every cell through ``csv_cell``, as the bytes of the file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_attachment(name: str, columns: Iterable[str], rows: Iterable[Iterable[object]]) -> Response:
    """A download named ``name`` (ASCII: it goes into the header as is)."""
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(csv_bytes(columns, rows), media_type="text/csv; charset=utf-8", headers=headers)
