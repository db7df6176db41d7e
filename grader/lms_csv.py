"""The marks as CSV for an LMS gradebook import: one row per student, each naming the version
of the rubric (its SHA-256) the row was graded under."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from grader.exam import (
    QuestionClass,
    Sheet,
    exam_max_total,
    exam_total,
    failed_student,
    sheets,
    unread_students,
    weighted_total,
)
from grader.model import Batch, FileFailure, Rubric, SubmissionResult
from grader.report import marks_text, part_marks
from grader.roster import Roster


def grades_csv(
    rubric: Rubric,
    batch: Batch,
    versions: Mapping[str, str] | None = None,
    roster: Roster | None = None,
    results: Iterable[SubmissionResult] | None = None,
) -> str:
    """One row per student: per-part marks, the total, how many of the student's items await
    review (their marks are provisional: an LMS import must not take them as final), and the
    rubric's SHA-256 the row was graded under (`versions` maps students to it; by default
    `rubric`'s). With a `roster`, every roster column but `id` follows the student (name,
    email, section, LMS ids, ...), empty for a student not on it. Every field is quoted, and
    no field can start a spreadsheet formula, wherever a spreadsheet splits it. `results`:
    the students' results as they are read (by default the batch's), each once."""
    buffer = io.StringIO()
    writer = grades_csv_writer(buffer)
    writer.writerow(grades_csv_header(rubric, roster))
    students = []
    for result in batch.results if results is None else results:
        writer.writerow(grades_csv_row(rubric, result, versions, roster))
        students.append(result.student)
    graded = failed_among(batch.failures, students)
    for row in unread_rows(rubric, batch.failures, graded, roster):
        writer.writerow(row)
    return buffer.getvalue()


def failed_among(failures: Sequence[FileFailure], students: Iterable[str]) -> set[str]:
    """Those of `students` (each with a row of their own) whom a file that could not be graded
    names (`failed_student`), casefolded: the `graded` of `unread_rows`, made of the few a
    failed file names rather than a set of the whole class."""
    failed = {s.casefold() for f in failures if (s := failed_student(f)) is not None}
    return {folded for student in students if (folded := student.casefold()) in failed}


def unread_rows(
    rubric: Rubric,
    failures: Sequence[FileFailure],
    graded: Collection[str],
    roster: Roster | None = None,
) -> list[list[str]]:
    """A row for each student whose file could not be graded (`failed_student`: named after
    the file) and who has no row of their own (`graded`, casefolded): every mark empty, never
    0, and every item awaiting review, so that an LMS import neither lacks the student nor
    takes a mark for them; no rubric version, since nothing was graded."""
    extra = roster.extra_columns if roster is not None else ()
    items = sum(len(part.items) for part in rubric.parts)
    rows = []
    for student in unread_students(failures, graded):
        entry = roster.entry(student) if roster is not None else None
        rows.append(
            [
                no_formula(student),
                *(no_formula(entry.fields.get(column, "") if entry else "") for column in extra),
                *("" for _ in rubric.parts),
                "",
                str(items),
                "",
            ]
        )
    return rows


def grades_csv_writer(handle: TextIO):
    """The CSV writer of grades.csv (every field quoted, one line feed a row) onto `handle`,
    for a caller that writes the rows one student at a time (`grades_csv_row`)."""
    return csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)


def grades_csv_header(rubric: Rubric, roster: Roster | None = None) -> list[str]:
    extra = roster.extra_columns if roster is not None else ()
    header = [
        "student",
        *extra,
        *(f"part {p.key} ({marks_text(p.marks)})" for p in rubric.parts),
        f"total ({marks_text(rubric.max_total)})",
        "awaiting review",
        "rubric sha256",
    ]
    return [no_formula(cell) for cell in header]


def grades_csv_row(
    rubric: Rubric,
    result: SubmissionResult,
    versions: Mapping[str, str] | None = None,
    roster: Roster | None = None,
) -> list[str]:
    """One student's row of grades.csv (`grades_csv`). A held result's marks (`result.held`:
    an earlier run's, or of one of two files named after the student) are left empty, never
    taken as this run's; its items count as awaiting review."""
    extra = roster.extra_columns if roster is not None else ()
    entry = roster.entry(result.student) if roster is not None else None
    marks = [*part_marks(rubric, result), result.total]
    return [
        no_formula(result.student),
        *(no_formula(entry.fields.get(column, "") if entry else "") for column in extra),
        # a class's marks and rubric versions are few: each guarded once
        *("" if result.held else _no_formula_kept(marks_text(m)) for m in marks),
        str(result.awaiting_review),  # its marks are provisional until a person has decided
        _no_formula_kept((versions or {}).get(result.student, rubric.sha256)),
    ]


# A spreadsheet runs a cell that starts with = + - @ as a formula. Quoting keeps a field whole
# only for an importer that honours quotes; one that splits on ';', a tab or spaces makes a new
# cell after each of them. So a formula start after any separator is neutralised too, by an
# apostrophe that spreadsheets read as "text follows".
_FORMULA_START = re.compile(r'(^|[\s,;|"])(?=[=+\-@])')
_CONTROL_START = ("\t", "\r", "\n")


def no_formula(cell: str) -> str:
    """`cell` with an apostrophe before every place a spreadsheet could start a formula."""
    guarded = _FORMULA_START.sub(r"\1'", cell)
    return "'" + guarded if guarded.startswith(_CONTROL_START) else guarded


@functools.lru_cache(maxsize=4096)
def _no_formula_kept(cell: str) -> str:
    """`no_formula(cell)`, remembered: for the cells a class repeats (marks, versions)."""
    return no_formula(cell)


# --- exams and the LMS import layouts ----------------------------------------------------------


def exam_grades_csv(
    classes: list[QuestionClass],
    roster: Roster | None = None,
    all_sheets: Iterable[Sheet] | None = None,
) -> str:
    """One row per student of the exam: the weighted marks of each question, the exam total,
    how many items await review (their marks are provisional), and the rubric version each
    question was graded under. A question a student has no submission for is empty; so is
    the total of a student with a question held for review (`exam_total`). A
    student whose file could not be graded (`unread_students`) and who has no result in any
    question still has a row: every mark and the total empty (never 0), that question's
    items awaiting review, no rubric version. A student with a result in one question and a
    file that could not be graded in another has that question empty and its items awaiting
    review too (`sheets`), so that an import never takes their partial total as final.
    `all_sheets`: the sheets as they are read (by default `sheets(classes, unread=True)`)."""
    if all_sheets is None:
        all_sheets = sheets(classes, unread=True)
    return _csv(
        [
            exam_grades_csv_header(classes, roster),
            *(exam_grades_csv_row(classes, sheet, roster) for sheet in all_sheets),
        ]
    )


def exam_grades_csv_header(classes: list[QuestionClass], roster: Roster | None) -> list[str]:
    """The exam's grades.csv's first row (`exam_grades_csv`)."""
    extra = roster.extra_columns if roster is not None else ()
    return [
        "student",
        *extra,
        *(f"{k.question.label} ({marks_text(k.max_total)})" for k in classes),
        f"total ({marks_text(exam_max_total(classes))})",
        "awaiting review",
        *(f"{k.question.label} rubric sha256" for k in classes),
    ]


def exam_grades_csv_row(
    classes: list[QuestionClass], sheet: Sheet, roster: Roster | None
) -> list[str]:
    """A student's row of the exam's grades.csv (`exam_grades_csv`), its fields as they are
    (`exam_csv_writer` makes them safe for a spreadsheet)."""
    extra = roster.extra_columns if roster is not None else ()
    entry = roster.entry(sheet.student) if roster is not None else None
    total = exam_total(sheet, classes)
    return [
        sheet.student,
        *((entry.fields.get(column, "") if entry else "") for column in extra),
        *(_weighted(sheet, k) for k in classes),
        "" if total is None else marks_text(total),
        str(sheet.awaiting_review),
        *(
            k.versions.get(sheet.student, k.rubric.sha256)
            if sheet.results[k.question.question]
            else ""
            for k in classes
        ),
    ]


def _weighted(sheet: Sheet, klass: QuestionClass) -> str:
    result = sheet.results[klass.question.question]
    if result is None or result.held:  # a held result's marks are not this run's
        return ""
    return marks_text(result.total * klass.question.weight)


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    write = exam_csv_writer(buffer)
    for row in rows:
        write(row)
    return buffer.getvalue()


def exam_csv_writer(handle: TextIO) -> Callable[[list[str]], object]:
    """What writes a row of the exam's CSV files onto `handle`: every field quoted, none able
    to start a spreadsheet formula (`no_formula`), one line feed a row."""
    writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
    return lambda row: writer.writerow([no_formula(cell) for cell in row])


AWAITING = "awaiting review"


@dataclass(frozen=True)
class LmsFile:
    """An LMS import file and what the instructor must know before uploading it: each mark
    left out because it is provisional, each student the LMS could not match."""

    text: str
    notes: tuple[str, ...]
    pending: tuple[str, ...]  # the marks left out because they await review, one line each
    students: int = 0  # the students the file holds a row for
    unmatched: int = 0  # the students left out: the roster gives them none of `matched_by`
    matched_by: tuple[str, ...] = ()  # the roster columns the LMS matches a student by


# The roster columns each layout matches a student by (gradescope needs none), and how many
# rows its header takes.
MATCHED_BY = {
    "canvas": ("canvas_id", "sis_id", "username"),
    "moodle": ("email", "sis_id"),
    "blackboard": ("username",),
    "gradescope": (),
}
HEADER_ROWS = {"canvas": 2, "moodle": 1, "blackboard": 1, "gradescope": 1}


def lms_csv(
    layout: str,
    classes: list[QuestionClass],
    roster: Roster | None,
    all_sheets: Iterable[Sheet] | None = None,
) -> LmsFile:
    """The exam's marks in `layout`, one column per question headed by its `column` (its LMS
    column, else its label: two questions never share a column), its marks weighted. A
    question with an item awaiting review is never exported as a final mark: its cell is left
    empty, and flagged in the layout's status column where the LMS has one (Moodle,
    Gradescope) and in the notes; so is every question of a student whose file for it could
    not be graded (`sheets`' unread: such a student is listed even with no result at all).
    Students are joined to the roster for the LMS's ids; a
    student the LMS could not match (no such id in the roster) is left out and named in the
    notes."""
    writer = {
        "canvas": _canvas,
        "moodle": _moodle,
        "blackboard": _blackboard,
        "gradescope": _gradescope,
    }[layout]
    notes: list[str] = []  # the writer's (a student the LMS cannot match), then the absent
    pending: list[str] = []
    absent: list[str] = []
    read = 0

    def noted(all_sheets: Iterable[Sheet]) -> Iterator[Sheet]:
        """The sheets, each one's questions left empty noted as it passes to the writer."""
        nonlocal read
        for sheet in all_sheets:
            read += 1
            for klass in classes:
                question = klass.question.question
                if sheet.pending(question):
                    pending.append(
                        f"{sheet.student}: {klass.question.label} left empty, {AWAITING} "
                        f"({_waiting(sheet, klass)})"
                    )
                elif sheet.results[question] is None:
                    absent.append(
                        f"{sheet.student}: {klass.question.label} left empty, no submission"
                    )
            yield sheet

    if all_sheets is None:  # the sheets as they are read, by default the classes'
        all_sheets = sheets(classes, unread=True)
    rows = writer(noted(all_sheets), classes, roster, notes)
    students = len(rows) - HEADER_ROWS[layout]
    return LmsFile(
        _csv(rows),
        tuple(pending + notes + absent),
        tuple(pending),
        students,
        read - students,
        MATCHED_BY[layout],
    )


def _cell(sheet: Sheet, klass: QuestionClass) -> str:
    """A question's weighted mark, or empty while it is provisional or was never submitted."""
    return "" if sheet.pending(klass.question.question) else _weighted(sheet, klass)


def _field(roster: Roster | None, student: str, column: str) -> str:
    entry = roster.entry(student) if roster is not None else None
    return entry.fields.get(column, "") if entry is not None else ""


def _matched(
    roster: Roster | None, sheet: Sheet, columns: tuple[str, ...], layout: str, notes: list[str]
) -> bool:
    if any(_field(roster, sheet.student, column) for column in columns):
        return True
    notes.append(
        f"{sheet.student}: left out, {layout} cannot match them: the roster gives them no "
        + " or ".join(columns)
    )
    return False


def _canvas(all_sheets, classes, roster, notes) -> list[list[str]]:
    """Canvas's Gradebook import: `Student`, `ID`, `SIS User ID`, `SIS Login ID`, `Section`,
    then one column per assignment; a second row `Points Possible` gives what each is worth.
    Canvas matches a row by its ID, SIS User ID or SIS Login ID."""
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    rows = [
        [*header, *(k.question.column for k in classes)],
        ["Points Possible", "", "", "", "", *(marks_text(k.max_total) for k in classes)],
    ]
    for sheet in all_sheets:
        if not _matched(roster, sheet, MATCHED_BY["canvas"], "Canvas", notes):
            continue
        ids = [_field(roster, sheet.student, c) for c in ("canvas_id", "sis_id", "username")]
        rows.append(
            [
                _field(roster, sheet.student, "name") or sheet.student,
                *ids,
                _field(roster, sheet.student, "section"),
                *(_cell(sheet, k) for k in classes),
            ]
        )
    return rows


def _moodle(all_sheets, classes, roster, notes) -> list[list[str]]:
    """Moodle's grade import from CSV: an identifier column the import maps to a user field
    (`Email address` to email, `ID number` to idnumber), then per question a grade column and
    a feedback column to map to the grade item and its feedback; `Status` is left unmapped."""
    header = ["Full name", "Email address", "ID number"]
    for k in classes:
        header += [k.question.column, f"{k.question.column} feedback"]
    rows = [[*header, "Status"]]
    for sheet in all_sheets:
        if not _matched(roster, sheet, MATCHED_BY["moodle"], "Moodle", notes):
            continue
        cells = []
        for k in classes:
            cells += [_cell(sheet, k), _feedback(sheet, k)]
        rows.append(
            [
                _field(roster, sheet.student, "name") or sheet.student,
                _field(roster, sheet.student, "email"),
                _field(roster, sheet.student, "sis_id"),
                *cells,
                _status(sheet, classes),
            ]
        )
    return rows


def _blackboard(all_sheets, classes, roster, notes) -> list[list[str]]:
    """Blackboard's Grade Center upload (Work Offline): `Username` identifies the student, and
    every other column is a grade column, matched by the column id after `|` in its header
    (a header without one makes a new column); every field is quoted."""
    rows = [["Username", *(k.question.column for k in classes)]]
    for sheet in all_sheets:
        if not _matched(roster, sheet, MATCHED_BY["blackboard"], "Blackboard", notes):
            continue
        username = _field(roster, sheet.student, "username")
        rows.append([username, *(_cell(sheet, k) for k in classes)])
    return rows


def _gradescope(all_sheets, classes, roster, notes) -> list[list[str]]:
    """The layout of Gradescope's score export: `Name`, `SID`, `Email`, `Sections`, a column per
    question with its points, `Total Score`, `Max Points` and `Status`."""
    rows = [
        [
            "Name",
            "SID",
            "Email",
            "Sections",
            *(f"{k.question.column} ({marks_text(k.max_total)} pts)" for k in classes),
            "Total Score",
            "Max Points",
            "Status",
        ]
    ]
    for sheet in all_sheets:
        pending = sheet.awaiting_review > 0
        rows.append(
            [
                _field(roster, sheet.student, "name") or sheet.student,
                _field(roster, sheet.student, "sis_id") or sheet.student,
                _field(roster, sheet.student, "email"),
                _field(roster, sheet.student, "section"),
                *(_cell(sheet, k) for k in classes),
                "" if pending else marks_text(weighted_total(sheet, classes)),
                marks_text(exam_max_total(classes)),
                _status(sheet, classes),
            ]
        )
    return rows


def _waiting(sheet: Sheet, klass: QuestionClass) -> str:
    """What of `klass` awaits review: its items, or its file, which could not be graded."""
    result = sheet.results[klass.question.question]
    if result is None:
        return "the file could not be graded"
    if result.held:
        return "a file named after the student could not be graded; the marks held are not final"
    return ", ".join(sheet.pending(klass.question.question))


def _status(sheet: Sheet, classes: list[QuestionClass]) -> str:
    waiting = [
        f"{k.question.label}: {_waiting(sheet, k)}"
        for k in classes
        if sheet.pending(k.question.question)
    ]
    if waiting:
        return f"{AWAITING} ({'; '.join(waiting)})"
    if any(sheet.results[k.question.question] is None for k in classes):
        return "missing"
    return "graded"


def _feedback(sheet: Sheet, klass: QuestionClass) -> str:
    """A line for the LMS's feedback: the marks of each part, or what awaits review."""
    result = sheet.results[klass.question.question]
    if sheet.pending(klass.question.question):
        return f"{AWAITING}: {_waiting(sheet, klass)}; the marks will follow"
    if result is None:
        return "no submission"
    parts = part_marks(klass.rubric, result)
    return ", ".join(
        f"({p.key}) {marks_text(m)}/{marks_text(p.marks)}"
        for p, m in zip(klass.rubric.parts, parts, strict=True)
    )
