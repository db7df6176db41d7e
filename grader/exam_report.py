"""HTML and CSV for an exam of several questions: one page per student for the whole exam, the
exam overview, and each question's own overview in a folder of its own.

A student's exam page shows each question as the question's student page does (the `parts`
block of student.html, rendered with the same context), under the exam's totals: a question
with an answer awaiting review is shown as awaiting review, never as its provisional marks.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from markupsafe import Markup

from grader.exam import (
    Exam,
    QuestionClass,
    Sheet,
    exam_max_total,
    exam_total,
    settled_total,
    sheets,
)
from grader.html_report import (
    INSTRUCTOR_FOLDER,
    STUDENTS_FOLDER,
    _environment,
    copy_math_font,
    remove_stale_pages,
    render_index,
    student_context,
    summarise,
    summary_of,
)
from grader.lms_csv import exam_grades_csv, grades_csv
from grader.report import (
    OUTPUT_NAMES,
    FolderWriter,
    batch_json,
    page_name,
    safe_file_stem,
    tidy_folder,
    write_if_changed,
)
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


def sheet_pages(all_sheets: list[Sheet]) -> dict[str, str]:
    """Each student's page name (`report.page_name`: from the id alone, stable)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for sheet in all_sheets:
        name = page_name(sheet.student)
        if name.lower() in used:
            name = page_name(sheet.student, digest_length=64)
        used.add(name.lower())
        names[sheet.student] = name
    return names


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


def render_exam_index(
    exam: Exam,
    classes: list[QuestionClass],
    all_sheets: list[Sheet],
    pages: dict[str, str],
    folders: dict[str, str],
) -> str:
    questions = [
        {
            "id": k.question.question,
            "label": k.question.label,
            "title": k.rubric.title,
            "overview": f"{folders[k.question.question]}/index.html",
            "weight": k.question.weight,
            "max": k.rubric.max_total,
            "weighted_max": k.max_total,
            "summary": summarise(k.batch),
            "missing": sum(
                1
                for s in all_sheets
                if s.results[k.question.question] is None and not s.pending(k.question.question)
            ),
        }
        for k in classes
    ]
    rows = [
        {
            "sheet": sheet,
            "page": pages.get(sheet.student),  # none for a student whose every file failed
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
        for sheet in all_sheets
    ]
    totals = [row["total"] for row in rows if row["total"] is not None]
    held = [row["held"] for row in rows]
    summary = summary_of(totals, 0, sum(held))
    return (
        _environment()
        .get_template("exam_index.html")
        .render(
            title=exam_title(exam, classes),
            questions=questions,
            students=rows,
            mean=summary.mean,
            held=summary.held_text(),
            max_total=exam_max_total(classes),
            awaiting=sum(sheet.awaiting_review for sheet in all_sheets),
            missing=sum(q["missing"] for q in questions),
            notes=list(dict.fromkeys(note for k in classes for note in k.notes)),
        )
    )


def exam_results_json(
    exam: Exam, classes: list[QuestionClass], built: list[dict] | None = None
) -> str:
    """The exam and each question's results, as `results.json` holds one question's; `built`
    is each class's `batch_json` when the caller has made it already."""
    built = built or [batch_json(k.rubric, k.batch, k.versions) for k in classes]
    data = {
        "exam": exam.id,
        "title": exam.title,
        "questions": [
            {
                "weight": k.question.weight,
                "name": k.question.label,
                **results,
            }
            for k, results in zip(classes, built, strict=True)
        ],
    }
    return json.dumps(data, ensure_ascii=False) + "\n"


def write_exam_report(
    exam: Exam, classes: list[QuestionClass], out_dir: Path, roster: Roster | None = None
) -> list[Path]:
    """`DIR/students/<page>.html`, one per student for the whole exam (pages of ours for
    students no longer in the gradebook removed); `DIR/instructor/index.html` (the exam
    overview), `grades.csv` (the exam's marks) and `results.json`; and for each question
    `DIR/instructor/<question>/` with its overview, CSV and JSON as for a single question.
    Each file is written atomically; the math font goes in `fonts/` beside each folder of
    pages."""
    students, instructor = out_dir / STUDENTS_FOLDER, out_dir / INSTRUCTOR_FOLDER
    all_sheets = sheets(classes)
    pages = sheet_pages(all_sheets)
    folders = question_folders(classes)
    spelled = _spellings(all_sheets)
    written: list[Path] = []
    built = []  # each question's results, for its results.json and the exam's

    def write(path: Path, text: str) -> None:
        write_if_changed(path, text)  # a re-run leaves what it would write unchanged alone
        written.append(path)

    with FolderWriter(students) as writer:
        written += [
            writer.write(pages[sheet.student], render_exam_student(exam, classes, sheet))
            for sheet in all_sheets
        ]
    remove_stale_pages(students, set(pages.values()))
    written += copy_math_font(students) + copy_math_font(instructor)
    for number, klass in enumerate(classes, start=1):
        folder = instructor / folders[klass.question.question]
        written += copy_math_font(folder)
        links = {
            r.student: f"../../{STUDENTS_FOLDER}/{pages[spelled.get(fold(r.student), r.student)]}"
            for r in klass.batch.results
        }
        # the exam page's ids of this question carry its anchor, as render_exam_student gives
        index = render_index(klass.rubric, klass.batch, links, anchor_prefix=f"q{number}-")
        write(folder / "index.html", index)
        write(folder / "grades.csv", grades_csv(klass.rubric, klass.batch, klass.versions, roster))
        results = batch_json(klass.rubric, klass.batch, klass.versions)
        write(folder / "results.json", json.dumps(results, ensure_ascii=False) + "\n")
        built.append(results)
    links = {student: f"../{STUDENTS_FOLDER}/{name}" for student, name in pages.items()}
    # the overview lists, as grades.csv does, a student whose every file failed (no page)
    listed = sheets(classes, unread=True)
    write(instructor / "index.html", render_exam_index(exam, classes, listed, links, folders))
    write(instructor / "grades.csv", exam_grades_csv(classes, roster))
    write(instructor / "results.json", exam_results_json(exam, classes, built))
    for folder in (instructor, *(instructor / name for name in folders.values())):
        tidy_folder(folder)
    return written


def _spellings(all_sheets: list[Sheet]) -> dict[str, str]:
    """Each sheet's spelling of its student, by the id folded (`roster.fold`): the first
    question's, when two spell them apart (a sheet is one folded id)."""
    spelled: dict[str, str] = {}
    for sheet in all_sheets:
        spelled.setdefault(fold(sheet.student), sheet.student)
    return spelled
