"""Render results for people and programs: a terminal table, per-student text and JSON."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from grader.model import Batch, ItemResult, Rubric, SubmissionResult


def marks_text(value: float) -> str:
    """2.0 → '2', 1.5 → '1.5'."""
    return f"{value:g}"


def format_item(result: ItemResult, indent: str = "") -> str:
    """One item's verdict, marks, reading and feedback, for a terminal."""
    lines = [
        f"{indent}{result.item_id}: {result.verdict} "
        f"({marks_text(result.marks)}/{marks_text(result.max_marks)} marks)"
    ]
    if result.answer is not None:
        lines.append(f"{indent}  answer:  {result.answer.strip()}")
    if result.interpretation is not None:
        lines.append(f"{indent}  read as: {result.interpretation}")
    if result.error_caret:
        for caret_line in result.error_caret.splitlines():
            lines.append(f"{indent}    {caret_line}")
    for message in result.feedback:
        lines.append(f"{indent}  - {message}")
    return "\n".join(lines)


def item_json(result: ItemResult) -> dict:
    return {
        "verdict": result.verdict,
        "marks": result.marks,
        "max_marks": result.max_marks,
        "feedback": list(result.feedback),
        "interpretation": result.interpretation,
        "answer": result.answer,
        "diagnosis": result.diagnosis,
        "error_position": result.error_position,
    }


def batch_json(rubric: Rubric, batch: Batch) -> dict:
    return {
        "question": rubric.id,
        "rubric": rubric.path,
        "rubric_sha256": rubric.sha256,
        "results": [
            {
                "student": result.student,
                "source": result.source,
                "total": result.total,
                "max_total": result.max_total,
                "items": {item_id: item_json(item) for item_id, item in result.items.items()},
                "warnings": list(result.warnings),
            }
            for result in batch.results
        ],
        "errors": [{"source": f.source, "message": f.message} for f in batch.failures],
    }


def part_marks(rubric: Rubric, result: SubmissionResult) -> list[float]:
    return [sum(result.items[item.id].marks for item in part.items) for part in rubric.parts]


def format_table(rubric: Rubric, batch: Batch) -> str:
    """Students down, parts across, then the total and how many items await a person."""
    header = [
        "student",
        *(f"{p.key}/{marks_text(p.marks)}" for p in rubric.parts),
        f"total/{marks_text(rubric.max_total)}",
        "review",
    ]
    rows = []
    for result in batch.results:
        review = sum(1 for item in result.items.values() if item.needs_person)
        rows.append(
            [
                _printable(result.student),
                *(marks_text(m) for m in part_marks(rubric, result)),
                marks_text(result.total),
                str(review),
            ]
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _printable(text: str) -> str:
    """Student names come from files: never let one carry control characters to a terminal."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def safe_file_stem(student: str) -> str:
    """A file name from a student id that cannot escape the folder or confuse a shell."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._") or "student"
    return stem[:80]


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and os.replace, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
