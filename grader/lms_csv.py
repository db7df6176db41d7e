"""The marks as CSV for an LMS gradebook import: one row per student, each naming the version
of the rubric (its SHA-256) the row was graded under."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

from grader.model import Batch, Rubric
from grader.report import marks_text, part_marks
from grader.roster import Roster


def grades_csv(
    rubric: Rubric,
    batch: Batch,
    versions: Mapping[str, str] | None = None,
    roster: Roster | None = None,
) -> str:
    """One row per student: per-part marks, the total, and the rubric's SHA-256 the row was
    graded under (`versions` maps students to it; by default `rubric`'s). With a `roster`,
    every roster column but `id` follows the student (name, email, section, LMS ids, ...),
    empty for a student not on it. Every field is quoted, and no field can start a
    spreadsheet formula, wherever a spreadsheet splits it."""
    versions = versions or {}
    extra = roster.extra_columns if roster is not None else ()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    header = [
        "student",
        *extra,
        *(f"part {p.key} ({marks_text(p.marks)})" for p in rubric.parts),
        f"total ({marks_text(rubric.max_total)})",
        "rubric sha256",
    ]
    writer.writerow([no_formula(cell) for cell in header])
    for result in batch.results:
        entry = roster.entry(result.student) if roster is not None else None
        row = [
            result.student,
            *((entry.fields.get(column, "") if entry else "") for column in extra),
            *(marks_text(m) for m in part_marks(rubric, result)),
            marks_text(result.total),
            versions.get(result.student, rubric.sha256),
        ]
        writer.writerow([no_formula(cell) for cell in row])
    return buffer.getvalue()


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
