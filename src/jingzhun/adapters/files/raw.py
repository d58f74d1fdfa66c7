"""What a file reader hands to the importer: every cell as text, with source row numbers.

Readers never judge values; they only find the header, map aliases to canonical names and
keep every data row (blank lines excepted) so the importer can account for each one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl


@dataclass(slots=True)
class RawTable:
    """One table read from one file.

    ``frame`` has a ``_row`` column (Int64, the 1-based row number in the source file or
    sheet, header included, so "第 5 行" is what the user sees in Excel) and one Utf8 column per
    recognised canonical column; cells are stripped strings, empty cells are null.
    """

    table: str  # canonical table name, e.g. "members"
    path: Path
    frame: pl.DataFrame
    encoding: str | None = None  # "utf-8", "utf-8-sig", "gb18030"; None for XLSX/Parquet
    sheet: str | None = None
    header_row: int = 1
    unknown_columns: list[str] = field(default_factory=list)  # headers we did not recognise
    missing_required: list[str] = field(default_factory=list)  # canonical names absent

    @property
    def rows(self) -> int:
        return self.frame.height


class FileReadError(Exception):
    """The file as a whole cannot be read (corrupt, wrong type, no recognisable header)."""

    def __init__(self, path: Path, code: str, message: str) -> None:
        super().__init__(f"{path}: {code}: {message}")
        self.path = path
        self.code = code
        self.message = message
