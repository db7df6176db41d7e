"""The marks as CSV for an LMS gradebook import: one row per student."""

from __future__ import annotations

import csv
import io

from grader.model import Batch, Rubric
from grader.report import marks_text, part_marks


def grades_csv(rubric: Rubric, batch: Batch) -> str:
    """One row per student: per-part marks and the total, for an LMS gradebook import."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "student",
            *(f"part {p.key} ({marks_text(p.marks)})" for p in rubric.parts),
            f"total ({marks_text(rubric.max_total)})",
        ]
    )
    for result in batch.results:
        writer.writerow(
            [
                _no_formula(result.student),
                *(marks_text(m) for m in part_marks(rubric, result)),
                marks_text(result.total),
            ]
        )
    return buffer.getvalue()


def _no_formula(cell: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a student id must not."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
