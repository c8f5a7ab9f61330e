"""Reading a PMS export (CSV) with every mistake located by line and column.

Hotel systems export in the desk PC's encoding: UTF-8 (with or without BOM) and GB18030 are
read. The first row names the columns, in English or Chinese; each reader passes its own
column names and spellings; columns without a title are ignored. Problems are
`bot.org.orgfile.Problem`s, gathered all at once and raised together as `OrgFileError`, so the
CLI reports them as it does for the staff list ("Nothing was changed.").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.org.orgfile import OrgFileError, Problem

_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
"""2026-12-01, 2026/12/1, 2026.12.01; a time after the date (PMS exports add one) is ignored."""
_YES = frozenset({"1", "y", "yes", "true", "x", "是", "有", "√", "✓"})
_NO = frozenset({"", "0", "n", "no", "false", "否", "无", "-"})


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]


@dataclass
class CsvTable:
    source: str
    columns: dict[str, int]
    """Column name → its position in the file (1-based), as the header gave them."""
    rows: list[CsvRow] = field(default_factory=list)

    def where(self, column: str) -> str:
        """How a problem names a column: "column 3 (extension)"."""
        return f"column {self.columns[column]} ({column})" if column in self.columns else f"({column})"


def read_csv(path: str | Path, spellings: Mapping[str, tuple[str, ...]], required: tuple[str, ...] = ()) -> CsvTable:
    """The rows of a CSV file, header names mapped to `spellings`' keys; blank lines skipped."""
    source = str(path)
    text = _decode(Path(path).read_bytes(), source)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise OrgFileError([Problem("(header)", 1, "the file is empty")], source)
    table = CsvTable(source, _header_columns(header, spellings, required, source))
    names = [_spelled(h, spellings) for h in header]
    problems: list[Problem] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(names) and any(v.strip() for v in values[len(names):]):
            problems.append(Problem(f"column {len(names) + 1}", reader.line_num,
                                    f"{len(values)} cells but the header has {len(names)}"))
            continue
        cells = {name: value.strip() for name, value in zip(names, values) if name}
        table.rows.append(CsvRow(reader.line_num, {name: cells.get(name, "") for name in table.columns}))
    if problems:
        raise OrgFileError(problems, source)
    return table


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")  # spreadsheets saved on Chinese Windows
        except UnicodeDecodeError:
            raise OrgFileError([Problem("(file)", None, "neither UTF-8 nor GB18030 text")], source) from None


def _spelled(header: str, spellings: Mapping[str, tuple[str, ...]]) -> str | None:
    wanted = header.strip().lower()
    return next((name for name, words in spellings.items() if wanted in words), None)


def _header_columns(header: list[str], spellings: Mapping[str, tuple[str, ...]], required: tuple[str, ...],
                    source: str) -> dict[str, int]:
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for position, title in enumerate(header, start=1):
        if not title.strip():
            continue  # a spreadsheet's trailing empty columns
        name = _spelled(title, spellings)
        if name is None:
            known = ", ".join(word for words in spellings.values() for word in words)
            problems.append(Problem(f"column {position} ({title.strip()!r})", 1, f"unknown column (known: {known})"))
        elif name in columns:
            problems.append(Problem(f"column {position} ({title.strip()!r})", 1,
                                    f"the column {name} is already column {columns[name]}"))
        else:
            columns[name] = position
    missing = [name for name in required if name not in columns]
    if missing:
        problems.append(Problem("(header)", 1, f"missing column(s): {', '.join(missing)}"))
    if problems:
        raise OrgFileError(problems, source)
    return columns


class Cells:
    """One row's values, read as text, dates or yes/no; a bad value adds a located `Problem`."""

    def __init__(self, table: CsvTable, row: CsvRow, problems: list[Problem]) -> None:
        self.table, self.row, self.problems = table, row, problems

    def present(self, column: str) -> bool:
        return column in self.table.columns

    def raw(self, column: str) -> str:
        return self.row.values.get(column, "")

    def error(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.table.where(column), self.row.line, message))

    def text(self, column: str, limit: int, pattern: re.Pattern[str] | None = None, what: str = "") -> str | None:
        """The cell on one line, None when empty; too long or not matching `pattern` is a problem."""
        value = " ".join(self.raw(column).split())
        if not value:
            return None
        if len(value) > limit:
            self.error(column, f"too long ({len(value)} characters, at most {limit})")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.error(column, f"{value!r} is not {what}")
            return None
        return value

    def date(self, column: str) -> dt.date | None:
        value = self.raw(column)
        if not value:
            self.error(column, "a date is needed (YYYY-MM-DD)")
            return None
        found = _DATE.fullmatch(value)
        if found:
            try:
                return dt.date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError:
                pass
        self.error(column, f"{value!r} is not a date (YYYY-MM-DD)")
        return None

    def flag(self, column: str) -> bool | None:
        value = self.raw(column).lower()
        if value in _YES:
            return True
        if value in _NO:
            return False
        self.error(column, f"{self.raw(column)!r} is neither yes nor no (yes/no, 1/0, 是/否; empty is no)")
        return None

