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
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.errors import FileProblemsError, Problem, SubmissionError
from grader.model import Rubric, Submission, SubmittedAnswer
from grader.submissions.mathml_text import MATHML_UNREAD, MathReader
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
    state_header: str | None = None  # the column saying whether the attempt was submitted

    def state_column(self, header: tuple[str, ...]) -> int | None:
        if self.state_header is None:
            return None
        wanted = _fold(self.state_header)
        return next((i for i, name in enumerate(header) if _fold(name) == wanted), None)

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
    state_header="State",
)
CANVAS = Report(
    name="canvas",
    title="Canvas's quiz Student Analysis report",
    ids={"canvas_id": ("id",), "sis_id": ("sis_id",)},
    student=("sis_id", "canvas_id"),
    answer_header=re.compile(r"(\d{1,20}):.*", re.DOTALL),
    state_header="submitted",
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
    state: int | None = None  # the column of the attempt's state, where the report has one


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
    state = report.state_column(header) if report is not None else None
    return Layout(report, student, ids, answers, state)


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
    return _submitted_attempts(loaded)


@dataclass(frozen=True)
class ExportIds:
    """Which columns name the students of one export and whether its institutional id column
    (`sis_id`: Moodle's `ID number`, Canvas's `sis_id`, a mapping's `ids: sis_id:`) is filled:
    what `grader.student_keys` decides an exam's student keys from."""

    path: Path
    report: str  # the report's title
    naming: tuple[str, ...]  # the headers of the columns naming a student, the first non-empty
    naming_keys: tuple[str, ...]  # each one's roster key, or `column:<header>` if none
    id_column: str | None  # the header of its `sis_id` column, if it has one
    rows: int  # rows naming someone
    without_id: int  # of those, rows whose id column is empty


def export_ids(path: Path, rubric: Rubric, mapping: ColumnMap | None = None) -> ExportIds | None:
    """What an export names its students by (`ExportIds`), read as `load_export` reads it; None
    for a file that is not an export that can be read (its rows are failures when graded)."""
    try:
        table = read_table(path, SubmissionError)
        layout = _layout(table, rubric, mapping)
    except (SubmissionError, ValueError):
        return None
    keys = {column: key for key, column in layout.ids.items()}
    naming_keys = tuple(
        keys.get(column, f"column:{_fold(table.header[column])}") for column in layout.student
    )
    id_at = layout.ids.get("sis_id")
    rows = without_id = 0
    for row in table.rows:
        if row.blank or row.misaligned or _summary_row(row, layout):
            continue
        if not any(row.cell(column).text.strip() for column in layout.student):
            continue  # a row naming no one is a failure of its own
        rows += 1
        if id_at is None or not row.cell(id_at).text.strip():
            without_id += 1
    return ExportIds(
        path,
        layout.report.title if layout.report is not None else "the LMS export",
        tuple(table.header[column] for column in layout.student),
        naming_keys,
        table.header[id_at] if id_at is not None else None,
        rows,
        without_id,
    )


def _submitted_attempts(loaded: list) -> list:
    """The rows, with a student's unfinished attempts left out where the student has a
    finished one in the export (which is their submission, saying so). A student whose every
    attempt is unfinished keeps them, held for an instructor (`Submission.held`)."""
    finished: dict[str, list[Submission]] = {}
    for entry in loaded:
        if isinstance(entry, Submission) and entry.held is None:
            finished.setdefault(entry.student.casefold(), []).append(entry)
    passed_over: dict[str, list[Submission]] = {}
    kept: list = []
    for entry in loaded:
        if (
            isinstance(entry, Submission)
            and entry.held is not None
            and entry.student.casefold() in finished
        ):
            passed_over.setdefault(entry.student.casefold(), []).append(entry)
        else:
            kept.append(entry)
    if not passed_over:
        return loaded
    result = []
    for entry in kept:
        others = (
            passed_over.get(entry.student.casefold()) if isinstance(entry, Submission) else None
        )
        if others:
            notes = tuple(
                f"{other.source} is another attempt of this student's, not graded: {other.held}"
                f" ({entry.source}, a submitted attempt, is graded instead)"
                for other in others
            )
            entry = replace(entry, notes=(*entry.notes, *notes))
        result.append(entry)
    return result


# The states of Moodle's quiz attempts as its reports write them, and what each means for
# grading: a finished (or submitted) attempt is the student's submission; the others were never
# submitted, and whether their saved answers count is the instructor's call. A site in another
# language writes its own words: those of Moodle's language packs for French, German, Spanish,
# Italian, Portuguese and Dutch (mod/quiz/lang/*/quiz.php: `statefinished`, `stateinprogress`,
# `stateoverdue`, `stateabandoned`) are known too.
MOODLE_FINISHED = (
    "finished",
    "submitted",
    *("terminé", "beendet", "finalizado", "completato", "terminada", "beëindigd"),
)
_IN_PROGRESS = "it was still in progress when the export was made"
_OVERDUE = "its time ran out before it was submitted (it is in its grace period)"
_NEVER_SUBMITTED = "its answers were saved but it was never submitted"
MOODLE_UNFINISHED = {
    "in progress": _IN_PROGRESS,
    "overdue": _OVERDUE,
    "never submitted": _NEVER_SUBMITTED,
    "not yet started": "it was never started",
    **dict.fromkeys(
        ("en cours", "in bearbeitung", "en curso", "in svolgimento", "em progresso", "bezig"),
        _IN_PROGRESS,
    ),
    **dict.fromkeys(
        ("en retard", "überfällig", "atrasado", "fuori tempo massimo", "expiradas", "te laat"),
        _OVERDUE,
    ),
    **dict.fromkeys(
        (
            *("jamais remis", "nie abgeschlossen", "nunca envió", "mai inviati"),
            *("nunca submetidas", "nooit ingestuurd"),
        ),
        _NEVER_SUBMITTED,
    ),
}


def _held(report: Report | None, state: str) -> str | None:
    """Why an attempt whose state column says `state` is not simply graded, or None when it
    was submitted."""
    if report is CANVAS:
        if state:
            return None
        return (
            "Canvas gives this attempt no submission time (its `submitted` column is empty): "
            "it was not submitted"
        )
    folded = unicodedata.normalize("NFC", _fold(state))
    if folded in MOODLE_FINISHED:
        return None
    if folded in MOODLE_UNFINISHED:
        return (
            f"Moodle records this attempt as {state!r} (its State column): "
            f"{MOODLE_UNFINISHED[folded]}"
        )
    if not state:
        return (
            "Moodle's State column says nothing for this attempt, not 'Finished': whether it "
            "was submitted is not known"
        )
    return (
        f"Moodle's State column says {state!r} for this attempt, a word the grader does not "
        "know (it knows Moodle's words in English, French, German, Spanish, Italian, "
        "Portuguese and Dutch): whether it was submitted is not known (where it is the site's "
        "word for 'Finished', writing Finished in the export's State column and grading it "
        "again grades it)"
    )


def _summary_row(row: Row, layout: Layout) -> bool:
    """A row naming no one and holding no answer (an LMS's "Overall average" line)."""
    no_one = all(not row.cell(c).text.strip() for c in (*layout.student, *layout.ids.values()))
    no_answer = all(not row.cell(c).text.strip() for c in layout.answers)
    return no_one and no_answer


# What a student id may not hold, from any source: it goes to pages, CSV files and terminals.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# Between an export's path and a row's number in the row's source: `m3.csv row 3`.
ROW = " row "


def export_of(source: str) -> str:
    """The export a row's source (`_submission`) is of: `m3.csv` of `m3.csv row 3`."""
    return source.rsplit(ROW, 1)[0]


def _submission(
    path: Path, rubric: Rubric, table: Table, layout: Layout, row: Row
) -> Submission | SubmissionError:
    source = f"{path}{ROW}{row.number}" + (f" (line {row.line})" if row.line else "")
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
    if row.misaligned:  # its id and answers may be another column's: none is graded
        # who its id cells name where the header puts them, for the gradebook to confirm
        named = student if student and not problems else None
        return SubmissionError(source, [Problem(None, "", row.misaligned)], named)
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
    held = None
    if layout.state is not None:
        held = _held(layout.report, row.cell(layout.state).text.strip())
    return Submission(
        student=student,
        question=rubric.id,
        source=source,
        answers=answers,
        identities=ids,
        lms_report=layout.report.title if layout.report is not None else "the LMS export",
        held=held,
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
    notes: tuple[str, ...] = ()
    rich = read_rich_text(text)
    if rich.unread is not None:
        return SubmittedAnswer(rich.text, number, unread=rich.unread)
    text, notes = rich.text.strip(), rich.notes
    if report is not None and text in report.no_answer:
        text = ""
    return SubmittedAnswer(
        text or None, number, reading_notes=notes if text else (), attachment=rich.attachment
    )


# --- Rich-text answers ---------------------------------------------------------------------

# A cell is HTML (Canvas's rich-text editor; a Moodle essay in HTML format) where it holds a
# tag of an element an editor writes, or an entity; otherwise it is kept as typed (`a < b`).
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|br|ol|ul|li|pre|img|strong|em|b|i|u|s|sub|sup|h[1-6]|table|tbody|thead"
    r"|tr|td|th|blockquote|code|font|a|hr|del|strike|math|iframe|video|audio|object|embed)"
    r"(?=[\s/>])[^<>]{0,2000}>",
    re.I,
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,7});", re.I)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,10})?[^<>]{0,2000}>")
_BREAKS = {"br", "p", "div", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
_EQUATION_CONTENT = re.compile(r'data-equation-content="([^"]{0,2000})"', re.I)
_ALT = re.compile(r'alt="([^"]{0,200})"', re.I)
_TITLE = re.compile(r'title="([^"]{0,200})"', re.I)
# A link to a file the student uploaded (Canvas's file-upload answer, a file attached in the
# editor): Canvas's own class for it, a course file's address, or an address of a document's
# or a picture's name. Its text is the file's name, not an answer.
_FILE_LINK = re.compile(
    r'\bclass="[^"]{0,200}\binstructure_file_link\b|\bhref="[^"?#]{0,2000}(?:/files/\d|'
    r"\.(?:pdf|docx?|odt|rtf|txt|tex|pages|png|jpe?g|gif|heic|webp|bmp|tiff?|mp[34]|m4a|mov"
    r'|wav|zip|ipynb|py|xlsx?|pptx?)(?:["?#]))',
    re.I,
)
# A link to anything else (a page, a shared drive's file): its text is read, and what it links
# to, which may be the working or the answer, is said to be unread.
_HREF = re.compile(r'\bhref="([^"]{1,2000})"', re.I)
_HIDDEN = re.compile(r'class="[^"]{0,200}\bhidden-readable\b', re.I)
# The editor's superscript and subscript buttons: `P<sup>2</sup>` is P² as a marker reads it, not
# P2 (an unclosed one leaves a brace open, which the reader refuses, to a person).
_SCRIPTS = {("sup", ""): "^{", ("sub", ""): "_{", ("sup", "/"): "}", ("sub", "/"): "}"}
# What a person must look at: a photo of working, a recording (Canvas's media comments).
_MEDIA = {
    "img": "an image",
    "iframe": "a recording",
    "video": "a recording",
    "audio": "a recording",
}
_MEDIA.update(object="an embedded file", embed="an embedded file")


@dataclass(frozen=True)
class RichText:
    """A rich-text answer as its text, with how it was read and what in it was not read."""

    text: str
    notes: tuple[str, ...] = ()
    unread: str | None = None  # why a person must read the cell: the text is not the answer
    # What the text comes with that the grader does not read ("an image (IMG_2041.jpg)"): a
    # photo of the working, a recording, an attached file, which may hold the real answer.
    attachment: str | None = None


def html_text(text: str) -> str:
    """An answer's cell as its text, whichever LMS wrote it (see `read_rich_text`)."""
    return read_rich_text(text).text


def read_rich_text(text: str) -> RichText:
    """An answer's cell as its text, whichever LMS wrote it, where it holds HTML (a tag an
    editor writes, anywhere in it, or an entity): paragraphs, headings and breaks become
    line breaks, an equation image becomes the LaTeX it shows (and the hidden MathML copy
    Canvas puts after it for screen readers is dropped), MathML is read by
    `grader.submissions.mathml_text`, a superscript or subscript is written `^{…}` or `_{…}`,
    other tags are dropped and entities decoded. A cell with no such tag nor entity is kept as
    it is (`a < b`).

    Never the leftover text of markup that carries the maths's structure: MathML that cannot
    be read, and an answer that is only an image or a recording, are `unread`, for a person."""
    if not (_HTML_TAG.search(text) or _ENTITY.search(text)):
        return RichText(text)
    out: list[str] = []
    notes: list[str] = []
    media: list[str] = []
    after_equation = False  # only spaces since an equation image: its hidden copy may follow
    skip = 0  # inside a hidden copy: the depth of its spans
    maths: MathReader | None = None
    link: list[str] | None = None  # inside a link to a file: the text shown, its name
    link_title = ""  # the name the link's title gives, if any
    position = 0
    for match in _TAG.finditer(text):
        data = text[position : match.start()]
        position = match.end()
        closing, name = match.group(1), (match.group(2) or "").lower()
        if maths is not None:
            maths.data(data)
            if name == "math" and closing:
                read = maths.result()
                if read.text is None:
                    return RichText(text, unread=read.unread)
                out.append(f" {read.text} ")
                notes.append(f"read the MathML in your answer as {read.text}")
                maths = None
            else:
                maths.tag(name, bool(closing), match.group(0))
            continue
        if skip:
            if name == "span":
                skip += -1 if closing else 1
            continue
        if link is not None:
            link.append(html.unescape(data))
            if name == "a" and closing:
                media.append(_attached_file(link_title or "".join(link)))
                out.append("\n")  # what is either side of it are pieces of their own
                link = None
            continue
        if data.strip():
            after_equation = False
        out.append(html.unescape(data))
        if name == "span" and not closing and after_equation and _HIDDEN.search(match.group(0)):
            skip = 1
            continue
        after_equation = after_equation and name in ("span", "")
        if name == "math" and not closing:
            maths = MathReader()
        elif name == "a" and not closing and _FILE_LINK.search(match.group(0)):
            title = _TITLE.search(match.group(0))
            link_title = html.unescape(title.group(1)) if title else ""
            link = []
        elif name == "a" and not closing and (href := _HREF.search(match.group(0))):
            address = html.unescape(href.group(1)).strip()[:200]
            notes.append(
                f"did not open the link in your answer ({address}): what it links to was not read"
            )
        elif name == "img" and not closing:
            content = _EQUATION_CONTENT.search(match.group(0))
            if content:
                out.append(f" {html.unescape(content.group(1))} ")
                after_equation = True
            else:
                alt = _ALT.search(match.group(0))
                named = html.unescape(alt.group(1)).strip() if alt else ""
                media.append(_MEDIA[name] + (f" ({named})" if named else ""))
                out.append("\n")  # as a line break: never one product across a photo
        elif name in _MEDIA and not closing:
            media.append(_MEDIA[name])
            out.append("\n")
        elif name in _BREAKS and (closing or name == "br"):
            out.append("\n")
        else:
            out.append(_SCRIPTS.get((name, closing), ""))
    if maths is not None:
        return RichText(text, unread=f"{MATHML_UNREAD} (<math> is never closed)")
    if link is not None:  # a link never closed: what follows it is its text
        media.append(_attached_file(link_title or html.unescape(text[position:])))
        position = len(text)
    out.append(html.unescape(text[position:]))
    read = "".join(out).replace("\xa0", " ")
    shown = ", ".join(dict.fromkeys(media)) or None
    if shown and not read.strip():
        return RichText(
            text,
            unread=f"Your answer is {shown}, which the grader does not read: an instructor will "
            "look at it",
        )
    return RichText(read, tuple(notes), attachment=shown)


def _attached_file(name: str) -> str:
    named = " ".join(name.split())[:200]
    return "an attached file" + (f" ({named})" if named else "")
