"""What a re-grade changed: marks that moved and instructors' overrides that lapsed.

`before_of` notes stored answers' marks as the class sees them (overrides applied): `grader
grade` gives it a chunk's students' rows as they were before the run
(`gradebook.previous_rows`), `snapshot` the whole class's. `compare` lists, for the students
graded, each item whose marks changed and each override that applied before and no longer does
because the student's answer changed. The list is stored with the run
(`gradebook.store_changes`), printed by `grader grade` and shown by `grader serve`.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from grader.errors import counted, printable
from grader.gradebook import Change
from grader.lms_csv import no_formula
from grader.model import Batch, SubmissionResult
from grader.overrides import Override, still_applies
from grader.report import marks_text


@dataclass(frozen=True)
class Before:
    marks: float
    answer: str | None
    overridden: bool  # an instructor's override applied to this answer


def snapshot(
    connection: sqlite3.Connection, question: str, overrides: Mapping[tuple[str, str], Override]
) -> dict[tuple[str, str], Before]:
    """(student, item id) → the marks the class sees now for every stored answer."""
    return before_of(
        connection.execute(
            "SELECT student, item_id, marks, max_marks, answer FROM item_results WHERE"
            " question = ?",
            (question,),
        ),
        overrides,
    )


def before_of(
    rows: Iterable[tuple[str, str, float, float, str | None]],
    overrides: Mapping[tuple[str, str], Override],
) -> dict[tuple[str, str], Before]:
    """(student, item id) → the marks the class sees for each stored answer of `rows`
    ((student, item id, marks, max marks, answer), as `gradebook.previous_rows` gives them for
    a chunk of students): the machine's, or an override's that applies."""
    before = {}
    for student, item_id, marks, max_marks, answer in rows:
        override = overrides.get((student, item_id))
        if override is not None and still_applies(override, answer):
            before[(student, item_id)] = Before(min(override.marks, max_marks), answer, True)
        else:
            before[(student, item_id)] = Before(marks, answer, False)
    return before


@dataclass(frozen=True)
class RegradeReport:
    changes: list[Change]
    kept: int  # overrides that applied before and still do

    @property
    def lapsed(self) -> list[Change]:
        return [change for change in self.changes if change.kind == "lapsed"]

    def summary(self) -> str:
        students = len({change.student for change in self.changes if change.kind == "marks"})
        items = sum(1 for change in self.changes if change.kind == "marks")
        lapsed = len(self.lapsed)
        whose = "student's" if students == 1 else "students'"
        return (
            f"re-grade: {students} {whose} marks changed ({counted(items, 'item')}), "
            f"{counted(self.kept, 'override')} kept, {lapsed} lapsed "
            "because the answer changed"
        )

    def lines(self) -> list[str]:
        """The summary, then one line per change, printable on a terminal."""
        return [self.summary(), *(f"  {describe(change)}" for change in self.changes)]


def describe(change: Change) -> str:
    who = f"{printable(change.student)} {printable(change.item_id)}"
    old, new = _marks(change.old_marks), _marks(change.new_marks)
    if change.kind == "lapsed":
        return f"{who}: the override ({old} marks) lapsed, the answer changed; now {new}, to review"
    return f"{who}: {old} -> {new} marks"


CHANGES_HEADER = (
    "student",
    "item",
    "change",
    "old marks",
    "new marks",
    "old answer",
    "new answer",
)


def changes_csv(changes: Sequence[Change]) -> str:
    """The changes as CSV (`grader grade --changes FILE`): one row per student and item,
    `change` being "marks" (the marks moved) or "lapsed" (an override no longer applies because
    the answer changed; the item is back in review). Quoted, and no cell can start a
    spreadsheet formula, as in grades.csv."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CHANGES_HEADER)
    for change in changes:
        row = (
            change.student,
            change.item_id,
            change.kind,
            "" if change.old_marks is None else marks_text(change.old_marks),
            "" if change.new_marks is None else marks_text(change.new_marks),
            change.old_answer or "",
            change.new_answer or "",
        )
        writer.writerow([no_formula(cell) for cell in row])
    return buffer.getvalue()


def _marks(value: float | None) -> str:
    return "?" if value is None else marks_text(value)


def compare(
    before: Mapping[tuple[str, str], Before],
    batch: Batch | Iterable[SubmissionResult],
    overrides: Mapping[tuple[str, str], Override],
) -> RegradeReport:
    """The changes between `before` and `batch` (graded, overrides applied; or its results
    alone, as `grader grade` gives them a chunk at a time) for the answers it holds that were
    stored before; a student or item new to the gradebook is not a change."""
    changes, kept = [], 0
    for result in batch.results if isinstance(batch, Batch) else batch:
        for item_id, item in result.items.items():
            old = before.get((result.student, item_id))
            if old is None:
                continue
            override = overrides.get((result.student, item_id))
            applies = override is not None and still_applies(override, item.answer)
            if old.overridden and not applies:
                kind = "lapsed"
            elif abs(item.marks - old.marks) > 1e-9:
                kind = "marks"
            else:
                kept += old.overridden
                continue
            kept += old.overridden and applies
            changes.append(
                Change(
                    result.student, item_id, kind, old.marks, item.marks, old.answer, item.answer
                )
            )
    return RegradeReport(changes, kept)
