"""Read a spreadsheet an LMS downloads (CSV, or .xlsx with openpyxl) into a header and rows of
text, bounded before anything is kept.

Every cell is hostile: a file is at most `MAX_EXPORT_BYTES` (an .xlsx also at most
`MAX_XLSX_UNPACKED` bytes unpacked, so a zip bomb is refused before it is opened), a table at
most `MAX_ROWS` rows and `MAX_COLUMNS` columns. A cell is kept as the text it holds, whatever
it is; a spreadsheet formula is never evaluated and its cached value never read: the cell is
marked, and the loader decides what that means. Rows are numbered as a spreadsheet shows
them, the header being row 1.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from grader.errors import FileProblemsError, Problem

MAX_EXPORT_BYTES = 10_000_000  # a class of a thousand, each with a page of explanation
MAX_XLSX_UNPACKED = 100_000_000
MAX_ROWS = 10_000
MAX_COLUMNS = 1_000
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "a comma", ";": "a semicolon", "\t": "a tab"}


@dataclass(frozen=True)
class Cell:
    text: str
    formula: bool = False  # an .xlsx formula cell: `text` is the formula, never its value


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    line: int | None  # the line of a CSV file where the row starts, when it is not `number`
    cells: tuple[Cell, ...]
    # Why no cell of the row can be trusted to be under its header, or None: a CSV row split
    # into more or fewer cells than the header (a separator left unquoted in one cell moves
    # every cell after it one column on). The loader refuses such a row rather than guess.
    misaligned: str | None = None

    def cell(self, column: int) -> Cell:
        return self.cells[column] if column < len(self.cells) else Cell("")

    @property
    def blank(self) -> bool:
        return all(not cell.text.strip() for cell in self.cells)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]


def read_table(path: Path, error: type[FileProblemsError]) -> Table:
    """The table in `path` (by its suffix: .xlsx, else CSV), or `error` saying why not."""
    data = _read_bounded_bytes(path, error)
    if path.suffix.lower() == ".xlsx":
        return _xlsx_table(path, data, error)
    return _csv_table(path, _decode(path, data, error), error)


def _read_bounded_bytes(path: Path, error: type[FileProblemsError]) -> bytes:
    """A regular file, never through a symbolic link, at most MAX_EXPORT_BYTES."""

    def refuse(message: str) -> FileProblemsError:
        return error(path, [Problem(None, "", message)])

    try:
        info = os.lstat(path)
    except OSError as exc:
        raise refuse(f"cannot read it: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise refuse("is a symbolic link; links are not followed")
    if not stat.S_ISREG(info.st_mode):
        raise refuse("is not a regular file")
    if info.st_size > MAX_EXPORT_BYTES:
        raise refuse(f"is {info.st_size} bytes; the limit for an export is {MAX_EXPORT_BYTES}")
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        with os.fdopen(os.open(path, flags), "rb") as handle:
            data = handle.read(MAX_EXPORT_BYTES + 1)
    except OSError as exc:
        raise refuse(f"cannot read it: {exc.strerror}") from None
    if len(data) > MAX_EXPORT_BYTES:
        raise refuse(f"is larger than {MAX_EXPORT_BYTES} bytes")
    return data


def _decode(path: Path, data: bytes, error: type[FileProblemsError]) -> str:
    """UTF-8 (with or without a BOM), or UTF-16 with its BOM, as Excel saves "Unicode text"."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise error(path, [Problem(None, "", "is not valid UTF-16")]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            path,
            [Problem(line, "", f"is not valid UTF-8 (byte {exc.start}); save it as UTF-8 CSV")],
        ) from None


def _delimiter(text: str) -> str:
    """The separator `text` is written with: the one under which the most rows have as many
    cells as the header; then the one splitting the header into the most cells; then a comma.

    LMSs write commas; a spreadsheet saving in some locales writes semicolons, and Excel's
    "Unicode text" tabs, leaving the commas of a question's text unquoted, so the header
    alone cannot tell: at commas, such a header splits into more cells than at tabs, and no
    row agrees with it. A separator that leaves the header one cell is not the file's."""

    def fit(delimiter: str) -> tuple[int, int, bool] | None:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            width = len(next(reader, []))
            if width < 2:
                return None
            rows = sum(1 for record in reader if len(record) == width)
        except csv.Error:
            return None
        return rows, width, delimiter == ","

    fits = {delimiter: fit(delimiter) for delimiter in DELIMITERS}
    found = {delimiter: score for delimiter, score in fits.items() if score is not None}
    return max(found, key=found.__getitem__) if found else ","


def _csv_table(path: Path, text: str, error: type[FileProblemsError]) -> Table:
    def refuse(line: int | None, message: str) -> FileProblemsError:
        return error(path, [Problem(line, "", message)])

    # The file is bounded already, so no cell can exceed it; csv's own limit (128 KiB) would
    # stop the whole file at one long cell, which the loader refuses alone instead.
    previous_limit = csv.field_size_limit(MAX_EXPORT_BYTES)
    rows: list[Row] = []
    header: list[str] | None = None
    try:
        delimiter = _delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        start = 1
        for number, record in enumerate(reader, start=1):
            if len(record) > MAX_COLUMNS:
                raise refuse(
                    start, f"row {number} has {len(record)} columns; the limit is {MAX_COLUMNS}"
                )
            if header is None:
                header = record
            else:
                if len(rows) >= MAX_ROWS:
                    raise refuse(start, f"has more than {MAX_ROWS} rows")
                cells = tuple(Cell(value) for value in record)
                misaligned = None
                if record and len(record) != len(header):
                    misaligned = _misaligned(len(record), len(header), delimiter)
                rows.append(Row(number, start if start != number else None, cells, misaligned))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise refuse(reader.line_num, f"is not valid CSV: {exc}") from None
    finally:
        csv.field_size_limit(previous_limit)
    if not header or not any(cell.strip() for cell in header):
        raise refuse(None, "is empty: an export starts with a header row")
    return Table(tuple(header), tuple(rows))


def _misaligned(cells: int, columns: int, delimiter: str) -> str:
    return (
        f"has {cells} cells where the header has {columns}, so they cannot be matched to its "
        f"columns: a cell holding {_DELIMITER_NAMES[delimiter]} outside quotes splits in two "
        "(a stray quote joins cells); quote that cell, or correct the row"
    )


def _xlsx_table(path: Path, data: bytes, error: type[FileProblemsError]) -> Table:
    def refuse(message: str) -> FileProblemsError:
        return error(path, [Problem(None, "", message)])

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refuse(
            "is not an .xlsx workbook (not a zip archive); save it as .xlsx or CSV"
        ) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise refuse(f"unpacks to {unpacked} bytes; the limit is {MAX_XLSX_UNPACKED}")
    from openpyxl import load_workbook  # imported here: only an .xlsx needs it

    try:
        # read_only streams the sheet; data_only=False gives a formula as written, so no
        # value cached by whoever saved the file is ever taken for the student's answer.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise refuse(f"cannot be read as an .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise refuse("has no worksheet")
        header: tuple[str, ...] | None = None
        rows: list[Row] = []
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                if len(cells) > MAX_COLUMNS:
                    raise refuse(
                        f"row {number} has {len(cells)} columns; the limit is {MAX_COLUMNS}"
                    )
                row = tuple(_xlsx_cell(cell) for cell in cells)
                if header is None:
                    header = tuple(cell.text for cell in row)
                    continue
                if len(rows) >= MAX_ROWS:
                    raise refuse(f"has more than {MAX_ROWS} rows")
                rows.append(Row(number, None, row))
        except FileProblemsError:
            raise
        except Exception as exc:
            raise refuse(f"cannot be read as an .xlsx workbook ({type(exc).__name__})") from None
    finally:
        workbook.close()
    if not header or not any(text.strip() for text in header):
        raise refuse("is empty: an export starts with a header row")
    # A sheet's trailing empty rows (formatting only) are not submissions.
    while rows and rows[-1].blank:
        rows.pop()
    return Table(header, tuple(rows))


def _xlsx_cell(cell: object) -> Cell:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return Cell(str(getattr(value, "text", value) or ""), formula=True)
    return Cell(_cell_text(value))


def _cell_text(value: object) -> str:
    """A cell's value as the text a person typed: 600 not 600.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
