"""What every CSV export of the pages shares: cells Excel will not run as formulas.

A value starting with ``= + - @`` (or a tab or carriage return) is a formula to Excel and WPS;
names typed by users, messages and reasons reach these files, so every cell is prefixed with
``'`` when it would start one (OWASP "CSV injection"). ``None`` is an empty cell.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
