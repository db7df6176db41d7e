"""A class roster (`--roster FILE`): who the students are, so that submissions from files,
transcripts and LMS exports are joined to people.

A roster is a CSV (or .xlsx) with a header: `id` (the student id grader uses) is required;
`name`, `email`, `section` and the LMS ids `username`, `sis_id` and `canvas_id` are optional,
and any other column is carried into grades.csv as it is. A submission is matched to the one
entry whose `id`, `email`, `username`, `sis_id` or `canvas_id` is the student it names (any
case), or whose column of that LMS id holds the id an export row gives (`Email address`,
`sis_id`, ...). Nothing is guessed: a submission that matches no entry, or two entries, keeps
its own id and is reported; an entry no submission matched, and an entry two submissions
matched, are reported too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.errors import FileProblemsError, Problem, first_of
from grader.model import FileFailure, Submission
from grader.submissions import failed_student
from grader.submissions.lms_export import ID_KEYS
from grader.submissions.tables import read_table

MATCHED_BY = ("id", *ID_KEYS)  # the columns a submission's student id is looked up in
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class RosterError(FileProblemsError):
    """A roster that cannot be used; nothing is graded."""

    kind = "roster"
    exit_code = 2


def fold(text: str) -> str:
    """An id as an LMS compares it: case aside, in Unicode's composed form."""
    return unicodedata.normalize("NFC", text.strip()).casefold()


@dataclass(frozen=True)
class RosterEntry:
    row: int
    id: str
    fields: dict[str, str]  # column (lower case) -> value, every column of the roster


@dataclass(frozen=True)
class Roster:
    path: str
    columns: tuple[str, ...]  # lower case, in the file's order; "id" among them
    entries: tuple[RosterEntry, ...]
    _index: dict[tuple[str, str], RosterEntry] = field(repr=False, compare=False)

    def entry(self, student: str) -> RosterEntry | None:
        """The entry whose id is `student` (any case)."""
        return self._index.get(("id", fold(student)))

    def candidates(self, submission: Submission) -> dict[str, tuple[RosterEntry, str]]:
        """Every entry the submission points at: entry id -> (entry, how it was matched)."""
        looks = [(key, value) for key, value in submission.identities if key in ID_KEYS]
        return self._matches(submission.student, looks)

    def named(self, student: str) -> RosterEntry | None:
        """The one entry a student named as a submission names one (`candidates`: by id,
        email, sis_id or LMS id) is, e.g. a file `s1002.md` that could not be read; None
        when none or several are."""
        found = self._matches(student, [])
        if len(found) != 1:
            return None
        ((entry, _),) = found.values()
        return entry

    def _matches(
        self, student: str, looks: list[tuple[str, str]]
    ) -> dict[str, tuple[RosterEntry, str]]:
        found: dict[str, tuple[RosterEntry, str]] = {}
        looks = [(key, student) for key in MATCHED_BY] + looks
        for key, value in looks:
            entry = self._index.get((key, fold(value)))
            if entry is not None and entry.id not in found:
                found[entry.id] = (entry, key)
        return found

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """The columns grades.csv carries after the student: all but `id`."""
        return tuple(column for column in self.columns if column != "id")


def read_roster(path: Path) -> Roster:
    """Read a roster, or raise `RosterError` listing every problem with its row."""
    table = read_table(path, RosterError)
    columns = tuple(" ".join(name.split()).casefold() for name in table.header)
    problems: list[Problem] = []
    seen_columns: set[str] = set()
    for number, name in enumerate(columns, start=1):
        if not name:
            problems.append(Problem(1, f"column {number}", "has no name in the header"))
        elif name in seen_columns:
            problems.append(Problem(1, name, "is a column twice in the header"))
        seen_columns.add(name)
    if "id" not in columns:
        problems.append(
            Problem(1, "id", "the header has no `id` column (the student id grader uses)")
        )
        raise RosterError(path, problems)
    entries: list[RosterEntry] = []
    index: dict[tuple[str, str], RosterEntry] = {}
    for row in table.rows:
        if row.blank:
            continue
        if row.misaligned:
            problems.append(Problem(row.number, "", row.misaligned))
            continue
        values: dict[str, str] = {}
        for column, name in enumerate(columns):
            cell = row.cell(column)
            if cell.formula:
                problems.append(Problem(row.number, name, "is a spreadsheet formula"))
            elif _CONTROL.search(cell.text.strip()):
                problems.append(Problem(row.number, name, "holds a control character"))
            else:
                values[name] = cell.text.strip()
        student = values.get("id", "")
        if not student:
            problems.append(Problem(row.number, "id", "is empty"))
            continue
        entry = RosterEntry(row.number, unicodedata.normalize("NFC", student), values)
        for key in MATCHED_BY:
            value = values.get(key, "")
            if not value:
                continue
            other = index.get((key, fold(value)))
            if other is not None:
                problems.append(
                    Problem(
                        row.number,
                        key,
                        f"{value!r} is given to {other.id!r} too (row {other.row}); a roster "
                        "names each student once",
                    )
                )
                continue
            index[(key, fold(value))] = entry
        entries.append(entry)
    if problems:
        raise RosterError(path, problems)
    return Roster(str(path), columns, tuple(entries), index)


@dataclass
class RosterMatcher:
    """Joins the submissions of one run to a roster and remembers what it could not join."""

    roster: Roster
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (source, student)
    ambiguous: list[tuple[str, str, list[str]]] = field(default_factory=list)
    claims: dict[str, list[str]] = field(default_factory=dict)  # entry id -> sources

    def identify(self, submission: Submission) -> Submission:
        """The submission under its roster entry's id when exactly one entry matches it;
        otherwise as it came, the reason remembered for `report`."""
        found = self.roster.candidates(submission)
        if len(found) == 1:
            ((entry, _),) = found.values()
            self.claims.setdefault(entry.id, []).append(submission.source)
            return replace(submission, student=entry.id)
        if not found:
            self.unknown.append((submission.source, submission.student))
        else:
            how = [f"{entry.id!r} (by {key})" for entry, key in found.values()]
            self.ambiguous.append((submission.source, submission.student, how))
        return submission

    def owned(self, failures: Iterable[FileFailure]) -> list[FileFailure]:
        """`failures` with each student's file (`failed_student`) whose name names a roster
        entry (`Roster.named`) known to be that entry's, as a graded file would be keyed, and
        an export row that cannot be read naming that entry's id (`FileFailure.named`)."""
        owned = []
        for failure in failures:
            if failure.named is not None:  # an export row's, for the gradebook to confirm
                entry = self.roster.named(failure.named)
                owned.append(failure if entry is None else replace(failure, named=entry.id))
                continue
            student = failed_student(failure) if failure.student is None else None
            entry = self.roster.named(student) if student is not None else None
            owned.append(failure if entry is None else replace(failure, student=entry.id))
        return owned

    def report(self, graded: Iterable[str]) -> list[str]:
        """What could not be joined, one line each: submissions not on the roster or matching
        two entries, entries claimed twice, and entries with no submission among `graded`
        (the students the outputs hold)."""
        lines = [
            f"{source}: student {student!r} is not on the roster {self.roster.path}; graded "
            "under that id"
            for source, student in self.unknown
        ]
        lines += [
            f"{source}: student {student!r} matches {len(how)} roster entries, "
            f"{' and '.join(how)}; graded under {student!r}, not merged with either"
            for source, student, how in self.ambiguous
        ]
        lines += [
            f"roster entry {entry!r} is claimed by {len(sources)} submissions: "
            f"{', '.join(sources)}; none of them is graded until an instructor decides"
            for entry, sources in self.claims.items()
            if len(sources) > 1
        ]
        present = {fold(student) for student in graded}
        absent = [entry.id for entry in self.roster.entries if fold(entry.id) not in present]
        if absent:
            shown = first_of([repr(student) for student in absent])
            lines.append(
                f"{len(absent)} roster entr{'ies have' if len(absent) != 1 else 'y has'} no "
                f"submission: {shown}"
            )
        return lines
