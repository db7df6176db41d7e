"""How the students of a run's LMS exports are keyed when no roster joins them.

Each export names its students by its own columns: Moodle's by `Username` or `Email address`,
Canvas's by `sis_id` (else its user `id`). Where the exports of one run (an exam's questions, or
one question's several exports) all name students by the same columns, nothing changes. Where
they name them by different columns, one student would be two (`u1@uni.ex` in one question,
`s001` in another): if every row of every export gives an institutional id (`sis_id`: Moodle's
`ID number`, Canvas's `sis_id`, a mapping file's `ids: sis_id:`), each row is keyed by it; else
nothing is guessed, the rows keep their keys and the run warns, suggesting `--roster`. A roster,
when given, joins the rows instead (`grader.roster`), and this is not asked.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from grader.model import Submission
from grader.submissions.lms_export import ExportIds

SIS_ID = "sis_id"  # the roster key of an export's institutional id column


@dataclass(frozen=True)
class StudentKeys:
    """What was decided: whether export rows are keyed by their institutional id, and the
    lines saying so (or why not) for the command's output and the overview."""

    keyed: bool
    notes: tuple[str, ...]

    def identify(self, submission: Submission) -> Submission:
        """An export row under its institutional id when the rows are keyed by it; any other
        submission as it came."""
        if not self.keyed or submission.lms_report is None:
            return submission
        value = dict(submission.identities).get(SIS_ID, "")
        value = unicodedata.normalize("NFC", value.strip())
        if not value or value == submission.student:
            return submission
        return replace(submission, student=value)


def _naming(export: ExportIds) -> str:
    first, *rest = (repr(header) for header in export.naming)
    return first + "".join(f" (else {header})" for header in rest)


def decide(exports: Iterable[ExportIds]) -> StudentKeys | None:
    """How the rows of `exports` (each export once) are keyed; None when they all name their
    students by the same columns (or there is only one), and nothing changes."""
    exports = list({export.path: export for export in exports}.values())
    if len({export.naming_keys for export in exports}) < 2:
        return None
    named = "; ".join(f"{export.path} ({export.report}) by {_naming(export)}" for export in exports)
    lacking = [
        f"{export.path} has no institutional id column"
        if export.id_column is None
        else f"{export.path}'s column {export.id_column!r} is empty in {export.without_id} of "
        f"its {export.rows} rows"
        for export in exports
        if export.id_column is None or export.without_id
    ]
    if lacking:
        return StudentKeys(
            False,
            (
                f"the LMS exports name students by different columns: {named}. A student in "
                "two of them may be graded as two students, each with part of the marks. They "
                f"were not keyed by an institutional id, as {'; '.join(lacking)}: give "
                "--roster FILE to join them (see docs/lms-exports.md)",
            ),
        )
    keyed = "; ".join(f"{export.path} by its column {export.id_column!r}" for export in exports)
    return StudentKeys(
        True,
        (
            f"the LMS exports name students by different columns ({named}), and every row of "
            f"each gives an institutional id: each row's student is that id ({keyed})",
        ),
    )
