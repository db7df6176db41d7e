"""HTML and CSV for an exam of several questions: one page per student for the whole exam, the
exam overview, and each question's own overview in a folder of its own.

A student's exam page shows each question as the question's student page does (the `parts`
block of student.html, rendered with the same context), under the exam's totals: a question
with an answer awaiting review is shown as awaiting review, never as its provisional marks.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, NamedTuple

from markupsafe import Markup

from grader import page_processes
from grader.exam import (
    Exam,
    QuestionClass,
    Sheet,
    exam_max_total,
    exam_total,
    settled_total,
    unread_students,
)
from grader.html_report import (
    INSTRUCTOR_FOLDER,
    STUDENTS_FOLDER,
    TABLE_MARK,
    ClassOverview,
    ClassRenderer,
    Summary,
    _environment,
    _json_head,
    _page_processes,
    copy_math_font,
    remove_stale_pages,
    student_context,
    student_pages,
    summary_of,
)
from grader.lms_csv import (
    exam_csv_writer,
    exam_grades_csv_header,
    exam_grades_csv_row,
    failed_among,
    grades_csv_header,
    grades_csv_row,
    grades_csv_writer,
    unread_rows,
)
from grader.model import SubmissionResult
from grader.page_processes import ExamPageProcesses
from grader.report import OUTPUT_NAMES, FolderWriter, safe_file_stem
from grader.roster import Roster, fold


def exam_title(exam: Exam, classes: list[QuestionClass]) -> str:
    return exam.title or exam.id or " + ".join(k.question.label for k in classes)


def question_folders(classes: list[QuestionClass]) -> dict[str, str]:
    """Each question's folder under instructor/: its id where that is a safe, distinct name,
    else a safe stem and a digest of the id."""
    folders: dict[str, str] = {}
    used: set[str] = set()
    for klass in classes:
        question = klass.question.question
        name = safe_file_stem(question)
        if name != question or name.lower() in used or name in OUTPUT_NAMES:
            name = f"{name}-{hashlib.sha256(question.encode()).hexdigest()[:10]}"
        used.add(name.lower())
        folders[question] = name
    return folders


def render_parts(klass: QuestionClass, sheet: Sheet, anchor: str) -> Markup:
    """One question of a student's page, as student.html shows it (`_items.html`'s
    `question_parts`), with every id in it prefixed by `anchor` so that two questions' parts
    never share one."""
    result = sheet.results[klass.question.question]
    context = student_context(klass.rubric, result)
    items = _environment().get_template("_items.html").module
    # The macro's output is our template's, autoescaped: markup as it stands.
    return Markup(  # noqa: S704
        items.question_parts(
            context["rubric"], result, context["part_marks"], context["prompts"], anchor
        )
    )


def render_exam_student(exam: Exam, classes: list[QuestionClass], sheet: Sheet) -> str:
    questions = []
    for number, klass in enumerate(classes, start=1):
        result = sheet.results[klass.question.question]
        anchor = f"q{number}"
        questions.append(
            {
                "id": klass.question.question,
                "label": klass.question.label,
                "title": klass.rubric.title,
                "anchor": anchor,
                "result": result,
                "pending": [_item_label(klass, i) for i in sheet.pending(klass.question.question)],
                "settled": sheet.settled(klass.question.question),
                "max": klass.rubric.max_total,
                "weight": klass.question.weight,
                "weighted": sheet.settled(klass.question.question) * klass.question.weight,
                "weighted_max": klass.max_total,
                "parts": render_parts(klass, sheet, f"{anchor}-") if result else Markup(""),
            }
        )
    return (
        _environment()
        .get_template("exam_student.html")
        .render(
            title=exam_title(exam, classes),
            sheet=sheet,
            questions=questions,
            total=settled_total(sheet, classes),
            max_total=exam_max_total(classes),
            awaiting=sheet.awaiting_review,
        )
    )


def _item_label(klass: QuestionClass, item_id: str) -> str:
    """An item as a student knows it: its part and name, "(d) formula"."""
    item = klass.rubric.items.get(item_id)
    return f"({item.part}) {item.key}" if item is not None else item_id


class ExamSource(NamedTuple):
    """Where an exam's report reads its students, a chunk at a time, so that no question's
    class is held whole: `rows(question)`, the question's students in its order (each a
    tuple, the student's id first: `gradebook.stored_submissions`'s rows), and
    `results(question, rows)`, the results of some of those rows, in their order, each a
    SubmissionResult with its overrides applied or, for a student whose stored rows are
    damaged, the text that says so (that student left out of the question, as
    `gradebook.load_batch` leaves them)."""

    rows: Callable[[str], Iterable[tuple]]
    results: Callable[[str, Sequence[tuple]], Sequence[SubmissionResult | str]]

    def each(
        self, question: str, on_damaged: Callable[[str], None] | None = None
    ) -> Iterator[SubmissionResult]:
        """The question's results in its order, read EXAM_CHUNK students at a time; a damaged
        student's text said to `on_damaged`, the student left out."""
        rows = iter(self.rows(question))
        while chunk := list(itertools.islice(rows, EXAM_CHUNK)):
            for result in self.results(question, chunk):
                if not isinstance(result, str):
                    yield result
                elif on_damaged is not None:
                    on_damaged(result)


def batch_source(classes: list[QuestionClass]) -> ExamSource:
    """The `ExamSource` of classes held whole (their batches' results)."""
    held = {klass.question.question: klass.batch.results for klass in classes}
    return ExamSource(
        lambda question: ((result.student, index) for index, result in enumerate(held[question])),
        lambda question, rows: [held[question][row[1]] for row in rows],
    )


EXAM_CHUNK = 256  # students of an exam's report read at a time


class ExamStudents:
    """The exam's students in the order first met (`exam.sheets`'s), by the id folded: each
    one's spelling (the first question's), their row in each question, and the items of a
    question whose file of theirs could not be graded (`unread_students`); a student with
    no result in any question comes after the others (`unread`). Ids and rows only: the
    results are read a chunk at a time (`sheets`). A student is placed and spelled by their
    rows, before any is read: one whose row of the first question is damaged (left out of it,
    said on stderr) keeps that question's place and spelling (a class held whole placed them
    by their next question's row); one whose every row is damaged has no sheet and no page."""

    def __init__(self, classes: list[QuestionClass], source: ExamSource):
        self.classes = classes
        self.spelled: dict[str, str] = {}  # folded id -> spelling
        self.rows: dict[str, dict[str, tuple]] = {}  # question -> folded id -> row
        for klass in classes:
            rows = self.rows[klass.question.question] = {}
            for row in source.rows(klass.question.question):
                key = fold(row[0])
                self.spelled.setdefault(key, row[0])
                rows[key] = row
        self.graded = len(self.spelled)  # the first ones: a result somewhere
        self.failed: dict[str, dict[str, tuple[str, ...]]] = {}
        for klass in classes:
            items = tuple(item.id for part in klass.rubric.parts for item in part.items)
            for student in unread_students(klass.batch.failures, ()):
                key = fold(student)
                self.spelled.setdefault(key, student)
                self.failed.setdefault(key, {})[klass.question.question] = items

    def pages(self) -> dict[str, str]:
        """Each student's page name by spelling (`html_report.student_pages`, as a question's),
        the students with a result."""
        return student_pages(itertools.islice(self.spelled.values(), self.graded))

    def sheets(
        self, source: ExamSource, on_damaged: Callable[[str], None] | None
    ) -> Iterator[list[Sheet]]:
        """The exam's sheets (`exam.sheets(classes, unread=True)`'s), EXAM_CHUNK at a time,
        each question's results of a chunk read together; a damaged row said to
        `on_damaged`, its student's question left out (and the student, when that leaves
        them nothing)."""
        keys = list(self.spelled)
        for start in range(0, len(keys), EXAM_CHUNK):
            chunk = keys[start : start + EXAM_CHUNK]
            found: dict[str, dict[str, SubmissionResult]] = {}
            for question, rows in self.rows.items():
                mine = [key for key in chunk if key in rows]
                results = source.results(question, [rows[key] for key in mine]) if mine else ()
                for key, result in zip(mine, results, strict=True):
                    if isinstance(result, str):
                        if on_damaged is not None:
                            on_damaged(result)
                    else:
                        found.setdefault(key, {})[question] = result
            sheets = []
            for key in chunk:
                results, failed = found.get(key, {}), self.failed.get(key, {})
                if not results and key not in self.failed:
                    continue  # every row of theirs damaged: not in the exam, as before
                sheets.append(
                    Sheet(
                        self.spelled[key],
                        {
                            k.question.question: results.get(k.question.question)
                            for k in self.classes
                        },
                        {q: items for q, items in failed.items() if q not in results},
                    )
                )
            yield sheets


def _exam_row(sheet: Sheet, classes: list[QuestionClass], page: str | None) -> dict:
    """A student's row of the exam overview's table."""
    return {
        "sheet": sheet,
        "page": page,  # none for a student whose every file failed
        "total": exam_total(sheet, classes),
        # a question held for review: no final exam total, in no statistic
        "held": any(r is not None and r.held for r in sheet.results.values()),
        "cells": [
            {
                "result": sheet.results[k.question.question],
                "pending": bool(sheet.pending(k.question.question)),
                "weighted": (
                    sheet.results[k.question.question].total * k.question.weight
                    if sheet.results[k.question.question]
                    else 0.0
                ),
            }
            for k in classes
        ],
    }


def _exam_index_pieces(
    exam: Exam,
    classes: list[QuestionClass],
    summaries: list[Summary],
    missing: list[int],
    folders: dict[str, str],
    rows: IO[str],
    count: int,
    totals: array,
    held: int,
    awaiting: int,
) -> Iterator[str]:
    """The exam overview in pieces, as `ClassOverview.render_pieces` writes a question's: the
    page around its students' table, with a mark in the table's place, then the table's
    rows (`rows`, a file of them, rendered as they came) a block at a time."""
    questions = [
        {
            "id": k.question.question,
            "label": k.question.label,
            "title": k.rubric.title,
            "overview": f"{folders[k.question.question]}/index.html",
            "weight": k.question.weight,
            "max": k.rubric.max_total,
            "weighted_max": k.max_total,
            "summary": summary,
            "missing": absent,
        }
        for k, summary, absent in zip(classes, summaries, missing, strict=True)
    ]
    summary = summary_of(totals, 0, held)
    page = (
        _environment()
        .get_template("exam_index.html")
        .render(
            title=exam_title(exam, classes),
            questions=questions,
            student_count=count,
            student_rows=Markup(TABLE_MARK),
            mean=summary.mean,
            held=summary.held_text(),
            max_total=exam_max_total(classes),
            awaiting=awaiting,
            missing=sum(missing),
            notes=list(dict.fromkeys(note for k in classes for note in k.notes)),
        )
    )
    before, _, after = page.partition(TABLE_MARK)  # a "<" is in no escaped text
    yield before
    rows.seek(0)
    while block := rows.read(1 << 16):
        yield block
    yield after


def _write_question(
    klass: QuestionClass,
    number: int,
    source: ExamSource,
    link: Callable[[str], str],
    roster: Roster | None,
    exam_json: IO[str],
    writer: FolderWriter,
) -> tuple[Summary, list[str]]:
    """A question's overview, grades.csv and results.json in its folder (`writer`'s), as a
    question graded alone has them (each item linked to the exam page's, `q{number}-`), its
    students read a chunk at a time in the question's order; its entry of the exam's
    results.json written to `exam_json` meanwhile. The question's summary, for the exam
    overview, and its students (those whose rows are not damaged), in order."""
    rubric, failures, versions = klass.rubric, klass.batch.failures, klass.versions
    shown = ClassOverview(rubric, anchor_prefix=f"q{number}-")
    renderer = ClassRenderer(rubric)
    head = _json_head(rubric, failures)
    students: list[str] = []
    grades = grades_csv_writer(writer.stream("grades.csv"))
    grades.writerow(grades_csv_header(rubric, roster))
    results_json = writer.stream("results.json")
    results_json.write(head)
    weight = json.dumps(klass.question.weight)
    name = json.dumps(klass.question.label, ensure_ascii=False)
    exam_json.write(f'{{"weight": {weight}, "name": {name}, {head[1:]}')
    # a damaged student left out, said once, by the exam's pass (`ExamStudents.sheets`)
    for result in source.each(klass.question.question):
        grades.writerow(grades_csv_row(rubric, result, versions, roster))
        entry = renderer.result_json(result, versions)
        separator = ",\n  " if students else ""
        results_json.write(separator + entry)
        exam_json.write(separator + entry)
        shown.add(result, link(result.student))
        students.append(result.student)
    for row in unread_rows(rubric, failures, failed_among(failures, students), roster):
        grades.writerow(row)  # a file that could not be graded: awaiting review
    results_json.write("\n]}\n")
    exam_json.write("\n]}")
    writer.stream("index.html").writelines(shown.render_pieces(failures))
    return summary_of(shown.totals, shown.review, shown.held), students


class ExamWritten(NamedTuple):
    """What `write_exam_report` wrote: how many files, and each question's students (by
    question), in its order."""

    count: int
    students: dict[str, list[str]]


def write_exam_report(
    exam: Exam,
    classes: list[QuestionClass],
    out_dir: Path,
    roster: Roster | None = None,
    source: ExamSource | None = None,
    on_damaged: Callable[[str], None] | None = None,
    processes: int | None = None,
) -> ExamWritten:
    """`DIR/students/<page>.html`, one per student for the whole exam (pages of ours for
    students no longer in the gradebook removed); `DIR/instructor/index.html` (the exam
    overview), `grades.csv` (the exam's marks) and `results.json`; and for each question
    `DIR/instructor/<question>/` with its overview, CSV and JSON as for a single question.
    The students are read from `source` (by default the classes' batches) a chunk at a
    time, and no class is held whole: each question's files in one pass over its students,
    then the pages, the exam's CSV and its overview's rows in one pass over the exam's
    (the rows set aside in a temporary file until the overview is written). Each folder's
    files are put in place together once written (`FolderWriter`); the math font goes in
    `fonts/` beside each folder of pages. The pages of an exam of `PROCESSES_FROM` students or
    more are rendered and written by `processes` child processes (`ExamPageProcesses`; by
    default one per usable core, none on a single core), the same files."""
    source = source or batch_source(classes)
    students_folder, instructor = out_dir / STUDENTS_FOLDER, out_dir / INSTRUCTOR_FOLDER
    students = ExamStudents(classes, source)
    pages = students.pages()
    spelled = students.spelled
    folders = question_folders(classes)
    written: list[Path] = []
    kept: set[str] = set()  # the pages written
    with contextlib.ExitStack() as question_writers, FolderWriter(instructor) as top:
        exam_json = top.stream("results.json")
        title = json.dumps(exam.title, ensure_ascii=False)
        exam_json.write(
            f'{{"exam": {json.dumps(exam.id, ensure_ascii=False)}, "title": {title}, "questions": ['
        )
        summaries, graded = [], {}

        def link(student: str) -> str:
            # the exam page of the student, as the sheet spells them
            name = pages[spelled.get(fold(student), student)]
            return f"../../{STUDENTS_FOLDER}/{name}"

        for number, klass in enumerate(classes, start=1):
            folder = instructor / folders[klass.question.question]
            if number > 1:
                exam_json.write(", ")
            # put in place with the rest, once the pages are written: an interruption
            # leaves every file of the last report as it was
            writer = question_writers.enter_context(FolderWriter(folder))
            summary, graded[klass.question.question] = _write_question(
                klass, number, source, link, roster, exam_json, writer
            )
            summaries.append(summary)
            written += [folder / name for name in ("index.html", "grades.csv", "results.json")]
        exam_json.write("]}\n")
        write_row = exam_csv_writer(top.stream("grades.csv"))
        write_row(exam_grades_csv_header(classes, roster))
        missing = [0] * len(classes)
        totals, held, awaiting, count = array("d"), 0, 0, 0
        row_of = _environment().get_template("_exam_student_row.html").module.exam_student_row
        # the pages of a large exam rendered and written by children, as a question's are
        processes = _page_processes(processes)
        with (
            tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rows,
            FolderWriter(students_folder) as page_writer,
            contextlib.ExitStack() as beside,
        ):
            children = None
            if processes and students.graded >= page_processes.PROCESSES_FROM:
                with contextlib.suppress(OSError):  # none could be started: in this process
                    children = beside.enter_context(
                        ExamPageProcesses(exam, classes, page_writer, processes)
                    )
            for sheets in students.sheets(source, on_damaged):
                for sheet in sheets:
                    page = pages.get(sheet.student) if any(sheet.results.values()) else None
                    if page is not None:
                        if children is not None:
                            children.write(page, sheet)
                        else:
                            page_writer.write(page, render_exam_student(exam, classes, sheet))
                        kept.add(page)
                    write_row(exam_grades_csv_row(classes, sheet, roster))
                    row = _exam_row(
                        sheet, classes, None if page is None else f"../{STUDENTS_FOLDER}/{page}"
                    )
                    rows.write(f"  {row_of(row)}\n")
                    count += 1
                    if row["held"]:
                        held += 1
                    elif row["total"] is not None:
                        totals.append(row["total"])
                    awaiting += sheet.awaiting_review
                    for index, k in enumerate(classes):
                        question = k.question.question
                        if sheet.results[question] is None and not sheet.pending(question):
                            missing[index] += 1
            if children is not None:
                children.finish()
            beside.close()  # the children stopped and reaped before the pages are put in place
            top.stream("index.html").writelines(
                _exam_index_pieces(
                    exam, classes, summaries, missing, folders, rows, count, totals, held, awaiting
                )
            )
    written += [instructor / name for name in ("index.html", "grades.csv", "results.json")]
    # the pages of the students read (one whose every row is damaged has none: an old page of
    # theirs is removed, as before)
    remove_stale_pages(students_folder, kept)
    for folder in (students_folder, instructor, *(instructor / f for f in folders.values())):
        written += copy_math_font(folder)
    return ExamWritten(len(written) + len(kept), graded)
