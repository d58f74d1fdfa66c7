"""The import report: what was read, accepted and rejected, file by file and row by row.

Conservation is the point: for every table, ``read == accepted + rejected``. The report is
printed by the CLI and written as CSV (rejects, one line per broken cell, opens in Excel
with the BOM) and JSON (the summary) so a county officer can send it back to the village.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl


@dataclass(slots=True)
class FileInfo:
    path: str
    table: str
    rows: int
    encoding: str | None
    sheet: str | None
    header_row: int
    unknown_columns: list[str]
    missing_required: list[str]


@dataclass(slots=True)
class TableCounts:
    read: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass(slots=True)
class ImportReport:
    import_id: str
    source: str
    files: list[FileInfo] = field(default_factory=list)
    tables: dict[str, TableCounts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    file_errors: list[dict[str, str]] = field(default_factory=list)
    rejects: pl.DataFrame | None = None  # _file, _row, field, code, message
    committed: bool = False

    @property
    def rows_read(self) -> int:
        return sum(c.read for c in self.tables.values())

    @property
    def rows_accepted(self) -> int:
        return sum(c.accepted for c in self.tables.values())

    @property
    def rows_rejected(self) -> int:
        return sum(c.rejected for c in self.tables.values())

    def check_conservation(self) -> None:
        """Every row read is accepted or rejected — never lost, never counted twice."""
        for name, c in self.tables.items():
            if c.read != c.accepted + c.rejected:
                raise AssertionError(f"{name}: read {c.read} != accepted {c.accepted} + rejected {c.rejected}")

    def summary(self) -> dict[str, object]:
        return {
            "import_id": self.import_id,
            "source": self.source,
            "committed": self.committed,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "tables": {k: {**asdict(v), "accepted": v.accepted} for k, v in self.tables.items()},
            "files": [asdict(f) for f in self.files],
            "file_errors": self.file_errors,
            "notes": self.notes,
        }

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write ``import-<id>.json`` and ``import-<id>.rejects.csv``; return both paths."""
        directory.mkdir(parents=True, exist_ok=True)
        summary_path = directory / f"import-{self.import_id}.json"
        rejects_path = directory / f"import-{self.import_id}.rejects.csv"
        summary_path.write_text(json.dumps(self.summary(), ensure_ascii=False, indent=2), encoding="utf-8")
        frame = (
            self.rejects
            if self.rejects is not None
            else pl.DataFrame(
                schema={"_file": pl.Utf8, "_row": pl.Int64, "field": pl.Utf8, "code": pl.Utf8, "message": pl.Utf8}
            )
        )
        out = frame.rename({"_file": "file", "_row": "row"})
        rejects_path.write_bytes(b"\xef\xbb\xbf" + out.write_csv().encode("utf-8"))
        return summary_path, rejects_path
