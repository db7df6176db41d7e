"""Read a quiz export from an LMS: one row per student, one column per answer.

Two reports are known by their headers, so that most exports need nothing else:

- Moodle's quiz "Responses" report: identity columns (`First name`, `Last name`,
  `Email address`, and `Username` or `ID number` where the site shows them), the attempt's
  state and times, then `Response 1`, `Response 2`, ... in the quiz's order;
- Canvas's quiz "Student Analysis" report: `name`, `id`, `sis_id`, `section`, ...,
  `submitted`, then for each question a column `<question id>: <question text>` followed by
  its points, then `n correct`, `n incorrect`, `score`.

By default the N-th answer column answers the N-th item of the rubric (in the rubric's
order); a mapping file (`ColumnMap`, `--columns FILE`) names the column of each item instead,
and says which column names the student in an export of another shape. Each row is one
submission; a row that cannot be read is the `SubmissionError` of that row alone.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import FileProblemsError, Problem, SubmissionError
from grader.model import Rubric, Submission, SubmittedAnswer
from grader.submissions.tables import Cell, Row, Table, read_table
from grader.yaml_source import Fields, Scalar, read_yaml_file

MAX_CELL_CHARS = 20_000  # an answer; an explanation of a page is a few thousand
EXPORT_SUFFIXES = (".csv", ".xlsx")
# The roster's columns that an export can fill, and so match on (see `grader.roster`).
ID_KEYS = ("email", "username", "sis_id", "canvas_id")


class ColumnMapError(FileProblemsError):
    """A mapping file that cannot be used; nothing is graded."""

    kind = "column mapping"
    exit_code = 2


def _fold(header: str) -> str:
    return " ".join(header.split()).casefold()


# --- The reports we know ----------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """How one LMS report lays out its columns."""

    name: str  # as a mapping file's `report:` names it
    title: str
    ids: dict[str, tuple[str, ...]]  # a roster key -> the headers that hold it (any case)
    student: tuple[str, ...]  # the roster keys whose column names the student, best first
    answer_header: re.Pattern[str]  # an answer column; group 1 is its number or question id
    no_answer: tuple[str, ...] = ()  # what the report writes in a cell for no response

    def columns_of(self, header: tuple[str, ...], key: str) -> int | None:
        wanted = {_fold(name) for name in self.ids.get(key, ())}
        return next((i for i, name in enumerate(header) if _fold(name) in wanted), None)

    def answer_columns(self, header: tuple[str, ...]) -> list[int]:
        found = [(i, self.answer_header.fullmatch(name.strip())) for i, name in enumerate(header)]
        columns = [(i, match) for i, match in found if match]
        if self.name == "moodle":  # `Response 2` comes after `Response 1` whatever the order
            columns.sort(key=lambda entry: int(entry[1].group(1)))
        return [i for i, _ in columns]

    def recognises(self, header: tuple[str, ...]) -> bool:
        has_id = any(self.columns_of(header, key) is not None for key in self.student)
        return has_id and bool(self.answer_columns(header))


MOODLE = Report(
    name="moodle",
    title="Moodle's quiz Responses report",
    ids={
        "username": ("Username",),
        "email": ("Email address", "Email"),
        "sis_id": ("ID number",),
    },
    student=("username", "email", "sis_id"),
    answer_header=re.compile(r"Response (\d{1,4})", re.IGNORECASE),
    no_answer=("-",),
)
CANVAS = Report(
    name="canvas",
    title="Canvas's quiz Student Analysis report",
    ids={"canvas_id": ("id",), "sis_id": ("sis_id",)},
    student=("sis_id", "canvas_id"),
    answer_header=re.compile(r"(\d{1,20}):.*", re.DOTALL),
)
REPORTS = {report.name: report for report in (MOODLE, CANVAS)}


# --- A mapping file ----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    """What a mapping file says: the report's layout to start from, the column naming the
    student, columns of ids a roster can match, and the column of each item."""

    path: str
    report: Report | None = None
    student: str | None = None
    ids: dict[str, str] = field(default_factory=dict)  # roster key -> header
    columns: dict[str, str] = field(default_factory=dict)  # header or question id -> item id


def read_column_map(path: Path, rubric: Rubric) -> ColumnMap:
    """Read a mapping file (YAML), checking every item it names against the rubric; raise
    `ColumnMapError` listing every problem."""
    root = read_yaml_file(path, ColumnMapError)
    problems: list[Problem] = []
    fields = Fields(root, "", problems)
    report_name = fields.choice("report", tuple(REPORTS), "report", required=False)
    student = fields.text("student", required=False)
    ids_entry = fields.mapping("ids", required=False)
    columns_entry = fields.mapping("columns", required=False)
    fields.finish()
    ids: dict[str, str] = {}
    if ids_entry is not None:
        for key, (line, node) in ids_entry[1].entries.items():
            if key not in ID_KEYS:
                problems.append(Problem(line, f"ids.{key}", f"use one of {', '.join(ID_KEYS)}"))
            elif not isinstance(node, Scalar) or not isinstance(node.value, str | int):
                problems.append(Problem(line, f"ids.{key}", "expected a column's header"))
            else:
                ids[key] = str(node.raw if node.plain else node.value)
    columns: dict[str, str] = {}
    if columns_entry is not None:
        claimed: dict[str, str] = {}
        for header, (line, node) in columns_entry[1].entries.items():
            item = node.value if isinstance(node, Scalar) else None
            if not isinstance(item, str) or item not in rubric.items:
                problems.append(
                    Problem(
                        line,
                        f"columns.{header}",
                        f"expected an item of the rubric ({', '.join(rubric.items)}), "
                        f"found {item!r}",
                    )
                )
            elif item in claimed:
                problems.append(
                    Problem(
                        line, f"columns.{header}", f"{item} is given column {claimed[item]!r} too"
                    )
                )
            else:
                claimed[item] = header
                columns[header] = item
    report = REPORTS.get(report_name) if report_name else None
    if report is None and (student is None or not columns) and not problems:
        problems.append(
            Problem(
                root.line,
                "",
                "without `report: moodle` or `report: canvas`, give `student:` (the column "
                "naming the student) and `columns:` (the column of each item)",
            )
        )
    if problems:
        raise ColumnMapError(path, problems)
    return ColumnMap(str(path), report, student, ids, columns)


# --- Reading an export -------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where, in one export's header, each thing is."""

    report: Report | None
    student: tuple[int, ...]  # columns naming the student, the first non-empty one wins
    ids: dict[str, int]  # roster key -> column
    answers: dict[int, str]  # column -> item id


def _is_grades_csv(header: tuple[str, ...]) -> bool:
    folded = [_fold(name) for name in header]
    return bool(folded) and folded[0] == "student" and "rubric sha256" in folded


def _layout(table: Table, rubric: Rubric, mapping: ColumnMap | None) -> Layout:
    """Where the student and each answer are, or `ValueError` saying why it cannot be told."""
    header = table.header
    report = mapping.report if mapping and mapping.report else None
    if report is None:
        report = next((r for r in REPORTS.values() if r.recognises(header)), None)
    if report is None and mapping is None:
        if _is_grades_csv(header):
            raise ValueError(
                "is a grades.csv written by grader (marks, not answers); grade the students' "
                "answers instead"
            )
        raise ValueError(
            "is not an export grader knows: its header matches neither "
            f"{MOODLE.title} (an id column such as 'Email address' and 'Response 1', "
            f"'Response 2', ...) nor {CANVAS.title} ('id', 'sis_id' and '<question id>: "
            "<question text>' columns); give a mapping file with --columns (see "
            "docs/lms-exports.md)"
        )
    ids: dict[str, int] = {}
    if report is not None:
        for key in report.ids:
            column = report.columns_of(header, key)
            if column is not None:
                ids[key] = column
    for key, name in (mapping.ids if mapping else {}).items():
        ids[key] = _column_named(header, name, None)
    if mapping and mapping.student:
        student = (_column_named(header, mapping.student, None),)
    else:
        assert report is not None  # a mapping without a report names the student
        student = tuple(ids[key] for key in report.student if key in ids)
        if not student:
            names = ", ".join(repr(n) for key in report.student for n in report.ids[key])
            raise ValueError(
                f"has no column naming the student ({names}); add one to the report, or "
                "name it with `student:` in a mapping file"
            )
    if mapping and mapping.columns:
        answers = {
            _column_named(header, name, report): item for name, item in mapping.columns.items()
        }
    else:
        assert report is not None
        columns = report.answer_columns(header)
        items = list(rubric.items)
        if len(columns) != len(items):
            shown = ", ".join(repr(header[c][:40]) for c in columns[:12])
            raise ValueError(
                f"has {len(columns)} answer columns ({shown}) but the rubric has "
                f"{len(items)} items ({', '.join(items)}); give a mapping file with --columns "
                "naming the column of each item"
            )
        answers = dict(zip(columns, items, strict=True))
    return Layout(report, student, ids, answers)


def _column_named(header: tuple[str, ...], name: str, report: Report | None) -> int:
    """The one column whose header is `name` (any case and spacing), or, in a Canvas report,
    whose question id is `name`."""
    wanted = _fold(name)
    found = [i for i, cell in enumerate(header) if _fold(cell) == wanted]
    if not found and report is not None:
        for i, cell in enumerate(header):
            match = report.answer_header.fullmatch(cell.strip())
            if match and report is CANVAS and match.group(1) == name.strip():
                found.append(i)
    if not found:
        raise ValueError(f"has no column {name!r}, which the mapping file names")
    if len(found) > 1:
        raise ValueError(f"has {len(found)} columns {name!r}; a mapping must name one")
    return found[0]


def load_export(path: Path, rubric: Rubric, mapping: ColumnMap | None = None) -> list:
    """Every row of an export as a `Submission` of the rubric's question, or the
    `SubmissionError` of that row; a file that cannot be used at all is one error."""
    try:
        table = read_table(path, SubmissionError)
    except SubmissionError as error:
        return [error]
    try:
        layout = _layout(table, rubric, mapping)
    except ValueError as error:
        where = f" (with {mapping.path})" if mapping else ""
        return [SubmissionError(path, [Problem(None, "", f"{error}{where}")])]
    loaded: list = []
    for row in table.rows:
        # A misaligned row is never taken for a summary: its cells are not where they seem.
        if row.blank or (not row.misaligned and _summary_row(row, layout)):
            continue
        loaded.append(_submission(path, rubric, table, layout, row))
    return loaded


def _summary_row(row: Row, layout: Layout) -> bool:
    """A row naming no one and holding no answer (an LMS's "Overall average" line)."""
    no_one = all(not row.cell(c).text.strip() for c in (*layout.student, *layout.ids.values()))
    no_answer = all(not row.cell(c).text.strip() for c in layout.answers)
    return no_one and no_answer


# What a student id may not hold, from any source: it goes to pages, CSV files and terminals.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _submission(
    path: Path, rubric: Rubric, table: Table, layout: Layout, row: Row
) -> Submission | SubmissionError:
    source = f"{path} row {row.number}" + (f" (line {row.line})" if row.line else "")
    if row.misaligned:  # its id and answers may be another column's: none is read
        return SubmissionError(source, [Problem(None, "", row.misaligned)])
    problems: list[Problem] = []

    def identity(column: int) -> str:
        cell = row.cell(column)
        name = table.header[column]
        if cell.formula:
            problems.append(Problem(None, name, "is a spreadsheet formula, not an id"))
            return ""
        text = cell.text.strip()
        if CONTROL_CHARACTER.search(text):
            problems.append(Problem(None, name, "holds a control character or a line break"))
            return ""
        return text

    # A column may both name the student and be an id (Moodle's `Email address`): each is
    # read once, so that its problem is said once.
    read = {c: identity(c) for c in dict.fromkeys((*layout.student, *layout.ids.values()))}
    student = next((read[c] for c in layout.student if read[c]), "")
    ids = tuple((key, read[c]) for key, c in layout.ids.items() if read[c])
    if not student and not problems:
        names = " or ".join(repr(table.header[c]) for c in layout.student)
        problems.append(Problem(None, names, "is empty: the row does not say who the student is"))
    if problems:
        return SubmissionError(source, problems)
    answers = {
        item: _answer(row.cell(column), table.header[column], row.number, layout.report)
        for column, item in layout.answers.items()
    }
    return Submission(
        student=student,
        question=rubric.id,
        source=source,
        answers=answers,
        identities=ids,
    )


def _answer(cell: Cell, column: str, number: int, report: Report | None) -> SubmittedAnswer:
    shown = _fold(column)[:40]
    if cell.formula:
        return SubmittedAnswer(
            None,
            number,
            f"the cell in column {shown!r} is a spreadsheet formula, not an answer as typed; "
            "it was not evaluated",
        )
    text = cell.text
    if len(text) > MAX_CELL_CHARS:
        return SubmittedAnswer(
            None,
            number,
            f"the cell in column {shown!r} is {len(text)} characters long; the limit is "
            f"{MAX_CELL_CHARS}",
        )
    # Canvas follows an equation image with a copy of it for screen readers: the image says it.
    text = _HIDDEN_COPY.sub(r"\1", text)
    if _MATHML.search(text):
        # Its fractions, roots and powers are in its tags, which `html_text` would drop.
        return SubmittedAnswer(
            text.strip(),
            number,
            unread="Your answer holds an equation written in MathML (a <math> element, shown "
            "as your answer), which the grader does not read; an instructor will read it.",
        )
    text = html_text(text).strip()
    if report is not None and text in report.no_answer:
        text = ""
    return SubmittedAnswer(text or None, number)


# --- Rich-text answers ---------------------------------------------------------------------

# A cell is HTML (Canvas's rich-text editor; a Moodle essay in HTML format) where it holds a
# tag of an element an editor writes, or an entity; otherwise it is kept as typed (`a < b`).
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|br|ol|ul|li|pre|img|strong|em|b|i|u|s|sub|sup|h[1-6]|table|tbody|thead"
    r"|tr|td|th|blockquote|code|font|a|hr|del|strike|math)(?=[\s/>])[^<>]{0,2000}>",
    re.I,
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,7});", re.I)
_MATHML = re.compile(r"<math(?=[\s>])", re.I)
_HIDDEN_COPY = re.compile(
    r'(<img\b[^<>]{0,2000}data-equation-content="[^<>]{0,2000}>)\s*'
    r'<span class="hidden-readable">[^<]{0,2000}(?:<(?!/span>)[^<]{0,2000}){0,2000}</span>',
    re.I,
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,10})?[^<>]{0,2000}>")
_BREAKS = {"br", "p", "div", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
_EQUATION_CONTENT = re.compile(r'data-equation-content="([^"]{0,2000})"', re.I)
# The editor's superscript and subscript buttons: `P<sup>2</sup>` is P² as a marker reads it, not
# P2 (an unclosed one leaves a brace open, which the reader refuses, to a person).
_SCRIPTS = {("sup", ""): "^{", ("sub", ""): "_{", ("sup", "/"): "}", ("sub", "/"): "}"}


def html_text(text: str) -> str:
    """An answer's cell as its text, whichever LMS wrote it: where it holds HTML (a tag an
    editor writes, anywhere in it, or an entity), paragraphs, headings and breaks become line
    breaks, an equation image becomes the LaTeX it shows, a superscript or subscript is
    written `^{…}` or `_{…}`, other tags are dropped and entities decoded. A cell with no
    such tag nor entity is kept as it is (`a < b`)."""
    if not (_HTML_TAG.search(text) or _ENTITY.search(text)):
        return text

    def replace(match: re.Match[str]) -> str:
        closing, name = match.group(1), (match.group(2) or "").lower()
        if name == "img":
            content = _EQUATION_CONTENT.search(match.group(0))
            return f" {content.group(1)} " if content else ""
        if name in _BREAKS and (closing or name == "br"):
            return "\n"
        return _SCRIPTS.get((name, closing), "")

    # One pass: what a replacement inserts is never scanned again.
    return html.unescape(_TAG.sub(replace, text)).replace("\xa0", " ")
