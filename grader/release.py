"""`grader release`: the students' pages alone, in a folder to hand out, and a manifest that
maps each student to their file for the upload.

What is written is what students may see and nothing else: one page per student (no overview,
no CSV, no other student's data), named from the student's id alone so a name never changes
between releases. A student with an answer awaiting review is withheld by default, since their
marks are not final; released anyway (`include_pending`), those answers show as awaiting review.
Pages of ours left by an earlier release for students withheld now are removed.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.exam import Exam, QuestionClass
from grader.exam_report import ExamSource, ExamStudents, batch_source, render_exam_student
from grader.html_report import ClassRenderer, copy_math_font, remove_stale_pages
from grader.lms_csv import no_formula
from grader.report import FolderWriter, write_atomically
from grader.roster import Roster

MANIFEST_CSV = "manifest.csv"
MANIFEST_JSON = "manifest.json"
ROSTER_COLUMNS = ("name", "email", "username", "sis_id", "canvas_id", "section")


@dataclass
class Release:
    released: list[tuple[str, str, int]] = field(default_factory=list)  # student, file, pending
    withheld: list[tuple[str, list[str]]] = field(default_factory=list)  # student, items


def release_pages(
    exam: Exam,
    classes: list[QuestionClass],
    to: Path,
    include_pending: bool = False,
    roster: Roster | None = None,
    source: ExamSource | None = None,
    on_damaged: Callable[[str], None] | None = None,
) -> Release:
    """Write each releasable student's page to `to`, and the manifests; what was released and
    what was withheld. One question: the question's student page; several: the exam page.
    The students are read from `source` (by default the classes' batches) a chunk at a time
    (`exam_report.ExamStudents`), as the exam's report reads them: no class is held whole."""
    outcome = Release()
    source = source or batch_source(classes)
    students = ExamStudents(classes, source)
    pages = students.pages()
    # one question's pages as the report renders them (the same bytes, what students share
    # made once); the folder locked and tidied once, the pages synced together and put in
    # place together when all are written (an interruption leaves the last release whole)
    renderer = ClassRenderer(classes[0].rubric) if len(classes) == 1 else None
    with FolderWriter(to) as writer:
        for sheet in itertools.chain.from_iterable(students.sheets(source, on_damaged)):
            if not any(sheet.results.values()):
                continue  # every file of theirs failed: no page to release
            waiting = [
                f"{klass.question.question} {item}"
                for klass in classes
                for item in sheet.pending(klass.question.question)
            ]
            if waiting and not include_pending:
                outcome.withheld.append((sheet.student, waiting))
                continue
            if renderer is not None:
                page = renderer.page(sheet.results[classes[0].question.question])
            else:
                page = render_exam_student(exam, classes, sheet)
            writer.write(pages[sheet.student], page)
            outcome.released.append((sheet.student, pages[sheet.student], len(waiting)))
    remove_stale_pages(to, {name for _, name, _ in outcome.released})
    copy_math_font(to)  # the pages load it from `fonts/` beside them
    columns = [c for c in ROSTER_COLUMNS if roster is not None and c in roster.columns]
    write_atomically(to / MANIFEST_CSV, _manifest_csv(outcome, columns, roster))
    write_atomically(to / MANIFEST_JSON, _manifest_json(exam, classes, outcome, columns, roster))
    return outcome


def _roster_fields(roster: Roster | None, student: str, columns: list[str]) -> dict[str, str]:
    entry = roster.entry(student) if roster is not None else None
    return {column: (entry.fields.get(column, "") if entry else "") for column in columns}


def _manifest_csv(outcome: Release, columns: list[str], roster: Roster | None) -> str:
    """One row per released page: the student, the file, whether any of it awaits review, and
    the roster's ids for matching the student in the LMS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["student", "file", "status", *columns])
    for student, name, waiting in outcome.released:
        status = f"{waiting} awaiting review" if waiting else "final"
        fields = _roster_fields(roster, student, columns)
        writer.writerow([no_formula(c) for c in (student, name, status, *fields.values())])
    return buffer.getvalue()


def _manifest_json(
    exam: Exam,
    classes: list[QuestionClass],
    outcome: Release,
    columns: list[str],
    roster: Roster | None,
) -> str:
    data = {
        "exam": exam.id,
        "questions": [klass.question.question for klass in classes],
        "released": [
            {
                "student": student,
                "file": name,
                "awaiting_review": waiting,
                **_roster_fields(roster, student, columns),
            }
            for student, name, waiting in outcome.released
        ],
        "withheld": [
            {"student": student, "awaiting_review": items} for student, items in outcome.withheld
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
