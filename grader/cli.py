"""The `grader` command. User mistakes are caught here, in one place, and exit with a code:

0  the command did its job (whatever the marks)
1  `grader rubric check` found problems in a rubric
2  the command line is wrong (unknown option, unknown item)
3  the rubric cannot be used
4  no submission could be read
5  `grader grade --strict`: a file was skipped or conflicted, or an override lapsed
130 interrupted by Ctrl-C (SIGINT); 129 and 143 by SIGHUP and SIGTERM (128 + the signal)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import gc
import io
import itertools
import json
import math
import os
import re
import select
import signal
import sqlite3
import sys
import tempfile
import threading
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from grader import command_line
from grader.defaults import DB_NAME, EXIT_STRICT
from grader.errors import Caution, GraderError, counted, first_of, in_file_order, printable
from grader.exam import Exam, QuestionClass, exam_of, load_exam, unread_students
from grader.grade import Found, ResultSpool, Worded, entry_tasks, grade_paths, plan_answer
from grader.lms_csv import exam_grades_csv, grades_csv, lms_csv
from grader.model import Batch, FileFailure, Rubric, SubmittedAnswer, Task
from grader.overrides import Hold, current, default_reviewer, overridden
from grader.report import (
    INSTRUCTOR_FOLDER,
    STUDENTS_FOLDER,
    batch_json,
    check_writable,
    format_item,
    item_json,
    result_json,
    table_lines,
    table_row,
    write_atomically,
)
from grader.roster import RosterMatcher, read_roster
from grader.rubric import load_rubric
from grader.rubric_check import review_rubric, skeleton
from grader.submissions import (
    FileList,
    collect_submission_files,
    failed_student,
    names_its_question,
    refused,
    written_answer_lines,
)
from grader.submissions.lms_export import read_column_map
from grader.workers import BoundedChecker, give_back_freed_memory, stop_signals_blocked

if TYPE_CHECKING:
    from grader import regrade
    from grader.gradebook import Change

EXIT_USAGE = 2
EXIT_NO_SUBMISSIONS = 4
EXIT_CHECK_FAILED = 1


class UsageError(GraderError):
    exit_code = EXIT_USAGE


class Interrupted(BaseException):
    """A signal asked us to stop (SIGINT is KeyboardInterrupt until a command names it so).
    Not an Exception, so that no `except Exception` of a stage takes it for a failure."""

    def __init__(self, signum: int, message: str = "interrupted"):
        super().__init__(message)
        self.signum = signum
        self.message = message


def _check(args: argparse.Namespace, load=load_rubric) -> int:
    """`grader check`; `load` reads the rubric (the warm checker of `--warm` passes one that
    answers from the rubrics it has loaded: grader/warm_checker.py)."""
    rubric = load(args.rubric)
    items = rubric.items
    if args.item not in items:
        raise UsageError(
            f"the rubric {args.rubric} has no item {args.item!r}; its items are " + ", ".join(items)
        )
    # Read as a class run reads the same text in a YAML answer or an LMS cell: a line at a
    # time, words around the maths set aside, each said in a note (`grade.plan_answer`).
    answer = written_answer_lines(rubric, args.item, SubmittedAnswer(args.answer, 1))
    entry = plan_answer(items[args.item], answer)
    tasks = entry_tasks(entry)
    with _checker(rubric, args, jobs=1) as checker:
        checked = dict(zip(tasks, checker.check(tasks), strict=True))
    result = (
        checked[entry]
        if isinstance(entry, Task)
        else entry.result(checked)
        if isinstance(entry, Found | Worded)
        else entry
    )
    if args.json:
        print(json.dumps({"item": args.item, **item_json(result)}, indent=2, ensure_ascii=False))
    else:
        print(format_item(result))
    return 0


class _ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.line_open = False  # a bar is drawn and its line not ended

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        self.line_open = done != total
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def end_line(self) -> None:
        if self.line_open:
            sys.stderr.write("\n")
            self.line_open = False


def _write_reports(
    rubric, results, failures, versions, out: Path, roster=None, notes=()
) -> list[str]:
    """One question's outputs, student by student from `results` (an iterable); the students
    written, in order."""
    from grader.html_report import write_html_report

    written = write_html_report(rubric, results, failures, out, versions, roster, class_notes=notes)
    return _wrote_question(out, *written)


def _wrote_question(out: Path, count: int, students: list[str]) -> list[str]:
    print(
        f"wrote {count} files to {printable(str(out))}: students' pages in "
        f"{STUDENTS_FOLDER}/, the overview, CSV and JSON in {INSTRUCTOR_FOLDER}/",
        file=sys.stderr,
    )
    return students


def _warn(message: str) -> None:
    print(f"warning: {printable(message)}", file=sys.stderr)


class MixedRubricsError(UsageError):
    """Outputs would mix results graded under different versions of the rubric."""


def _one_rubric(
    versions: dict[str, str], current: str, db, allowed: bool, students: int | None = None
) -> None:
    """Refuse (or, when `allowed`, warn) when students were graded under another version of
    the rubric than `current`: a CSV must never mix versions silently. `students`: how many
    students there are, when `versions` holds only some (by default, all of them)."""
    others = sorted(student for student, sha in versions.items() if sha != current)
    if not others:
        return
    students = len(versions) if students is None else students
    names = first_of([repr(printable(s)) for s in others], most=5)
    shas = ", ".join(sorted({versions[s][:12] for s in others}))
    what = (
        f"{len(others)} of the {counted(students, 'student')} in {printable(str(db))} "
        "were graded "
        f"under another version of the rubric (sha256 {shas}...) than the current one "
        f"({current[:12]}...): {names}"
    )
    if allowed:
        _warn(f"{what}; each row names the rubric version it was graded under")
        return
    raise MixedRubricsError(
        f"{what}. Grade them again with the current rubric, or pass --mixed-rubrics to write "
        "the outputs anyway, each row naming the rubric version it was graded under"
    )


def _checker(rubric, args: argparse.Namespace, jobs: int | None = None) -> BoundedChecker:
    return BoundedChecker(
        rubric,
        jobs=jobs or args.jobs,
        timeout=args.timeout,
        memory_mb=args.memory,
    )


def _check_outputs(args: argparse.Namespace) -> None:
    """Fail now, not after the grading, if an output could not be written."""
    if args.json:
        check_writable(Path(args.json))
    if args.changes:
        if not (args.db or args.out):
            raise UsageError("--changes needs a gradebook to compare with: give --db or --out")
        check_writable(Path(args.changes))
    if args.out:
        check_writable(Path(args.out) / INSTRUCTOR_FOLDER / "results.json")
        check_writable(Path(args.out) / STUDENTS_FOLDER / "page.html")


def _exam_to_grade(args: argparse.Namespace) -> tuple[Exam, dict, bool]:
    """The exam `grade` grades: the exam file's, or the rubrics given (weight 1 each); and
    whether it came from a file (which then replaces what the gradebook remembers)."""
    if bool(args.exam) == bool(args.rubric):
        raise UsageError("give --rubric RUBRIC (once or more) or --exam FILE")
    if args.exam:
        exam, rubrics = load_exam(args.exam)
        return exam, rubrics, True
    rubrics = {}
    for path in args.rubric:
        rubric = load_rubric(path)
        if rubric.id in rubrics:
            raise UsageError(f"{path}: question {rubric.id!r} is given twice (--rubric)")
        rubrics[rubric.id] = rubric
    return exam_of(list(rubrics.values())), rubrics, False


def _chosen_questions(exam: Exam, question: str | None, where: str) -> list:
    if question is None:
        return list(exam.questions)
    chosen = [q for q in exam.questions if q.question == question]
    if not chosen:
        raise UsageError(
            f"no question {question!r} in {where}; its questions are "
            + ", ".join(exam.question_ids)
        )
    return chosen


def _paths_by_question(questions, paths: list[str]) -> tuple[dict[str, Sequence[Path]], list]:
    """Which files each question grades, and the files refused for all of them.

    Without paths on the command line, each question grades the submissions its exam entry
    names. With them and one question, all of them. With them and several questions, each
    file goes to the question it names (`question:` in YAML or a Markdown front matter);
    a transcript or an LMS export names none and is refused: give it in the exam file under
    its question, or grade it alone with its --rubric."""
    if not paths:
        missing = [q.question for q in questions if not q.submissions]
        if missing:
            raise UsageError(
                "name the submissions to grade: on the command line, or under `submissions:` "
                f"in the exam file for {', '.join(missing)}"
            )
        return {q.question: list(q.submissions) for q in questions}, []
    given = [Path(p) for p in paths]
    if len(questions) == 1:
        return {questions[0].question: given}, []
    files, unusable = collect_submission_files(given)
    failures = refused(unusable)
    kept = []
    for path in files:
        if names_its_question(path):
            kept.append(path)
        else:
            failures.append(
                FileFailure(
                    str(path),
                    f"{path} names no question (a transcript or an LMS export): with several "
                    "questions, list it under its question's `submissions:` in the exam file, "
                    "or grade it alone with that question's --rubric",
                )
            )
    packed = FileList(kept)  # every question's: held for the whole run, as one string
    return {q.question: packed for q in questions}, failures


class _Streamed:
    """One question's results as `grade` gives them out, a chunk at a time, none of them held:
    each result with the overrides of its answers applied (`overrides`) is compared with the
    class as the gradebook held it before the run (what changed, and overrides kept), its
    table row and `--json` line written to temporary files, its total and items to review
    counted. A result that replaces an earlier chunk's at its place (a student two files
    claim) takes back what that one gave."""

    SEPARATOR = "\x1f"  # between a row's cells: `printable` leaves no control character

    def __init__(self, rubric: Rubric, overrides: dict, matcher, json_lines: bool):
        self.rubric, self.overrides = rubric, overrides
        # Text files split lines at "\n" alone: a JSON line may hold any other line break.
        self._rows = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._json = (
            tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115
            if json_lines
            else None
        )
        self._rows_again: dict[int, str] = {}  # place -> its row, where it was replaced
        self._json_again: dict[int, str] = {}
        self.totals = array("d")  # place -> the student's total
        self.review = 0  # items awaiting a person, over the class
        self._changes: list[tuple[int, Change]] = []  # (place, change)
        self._kept = 0
        self.students: list[str] | None = [] if matcher is not None else None
        self._places: dict[str, int] = {}  # student (exactly as keyed) -> their place
        self.held: list[tuple[str, str]] = []  # (student, why) of results shown held
        self._held_places: set[int] = set()  # in no statistic (`final_total`)
        self._shown_held = 0  # rows of held results with no result of this run's

    @property
    def count(self) -> int:
        """The rows given out: the run's results, and the held results of no file of it."""
        return len(self.totals)

    @property
    def graded(self) -> int:
        """The results of this run's files."""
        return len(self.totals) - self._shown_held

    def add(self, placed, before=None) -> None:
        """A chunk's results (`grade.Placed`); `before`: the class as stored before the run
        for their students (`regrade.before_of`), or None without a gradebook."""
        from grader import regrade

        for entry in placed:
            result = overridden(entry.result, self.overrides)
            row = self.SEPARATOR.join(table_row(self.rubric, result))
            line = None
            if self._json is not None:
                line = json.dumps(result_json(self.rubric, result), ensure_ascii=False)
            if entry.replaces is None:
                self._append(result, row, line)
            else:
                earlier = overridden(entry.replaces, self.overrides)
                self.review -= earlier.awaiting_review
                self.totals[entry.place] = result.total
                self._rows_again[entry.place] = row
                if line is not None:
                    self._json_again[entry.place] = line
                if before is not None:
                    self._kept -= regrade.compare(before, [earlier], self.overrides).kept
                    self._changes = [c for c in self._changes if c[0] != entry.place]
            self.review += result.awaiting_review
            if before is not None:
                report = regrade.compare(before, [result], self.overrides)
                self._kept += report.kept
                self._changes.extend((entry.place, change) for change in report.changes)

    def _append(self, result, row: str, line: str | None) -> None:
        """A student's row and `--json` line at the next place."""
        self._places[result.student] = len(self.totals)
        self.totals.append(result.total)
        self._rows.write(row + "\n")
        if line is not None:
            self._json.write(line + "\n")
        if self.students is not None:
            self.students.append(result.student)

    def hold(self, holds: Mapping[str, Hold], recall) -> None:
        """The results that `holds` (`gradebook.load_holds`) holds for review given out as
        every other output gives them (`overrides.current`): a student of this run's has
        their row and `--json` line again, one with no result of this run's (their only file
        failed now or in an earlier run) a row and line of their own after the run's, and
        their items count as awaiting review. `recall(student)`: the student's result as
        stored."""
        for student, hold in holds.items():
            place = self._places.get(student)
            stored = overridden(recall(student), self.overrides)
            shown = current(stored, self.overrides, {student: hold})
            row = self.SEPARATOR.join(table_row(self.rubric, shown))
            line = None
            if self._json is not None:
                line = json.dumps(result_json(self.rubric, shown), ensure_ascii=False)
            if place is None:
                self._append(shown, row, line)
                self._shown_held += 1
                place = self._places[student]
                self.review += shown.awaiting_review
            else:
                self.review += shown.awaiting_review - stored.awaiting_review
                self._rows_again[place] = row
                if line is not None:
                    self._json_again[place] = line
            if shown.held:
                self.held.append((student, shown.held))
                self._held_places.add(place)

    def summary(self):
        """The summary line's statistics (`html_report.summary_of`): a held result's total
        (`final_total`) counts in none of them, as grades.csv leaves it empty."""
        from grader.html_report import summary_of

        held = self._held_places
        totals = [total for place, total in enumerate(self.totals) if place not in held]
        return summary_of(totals, self.review, len(held))

    def keyed(self) -> Iterator[str]:
        """The run's students, exactly as keyed."""
        return iter(self._places)

    def recaller(self, recall):
        """`recall(place)` (`grade.ResultSpool.recall`) as `hold` takes it: by student."""
        return lambda student: recall(self._places[student])

    def regrade_report(self) -> regrade.RegradeReport:
        from grader import regrade

        self._changes.sort(key=lambda placed: placed[0])  # stable: items in order
        return regrade.RegradeReport([change for _, change in self._changes], self._kept)

    def table(self) -> Iterator[str]:
        """The lines of `format_table` for the class, read from the rows written."""
        return table_lines(self.rubric, self._table_rows(), self._table_rows())

    def _table_rows(self) -> Iterator[list[str]]:
        self._rows.seek(0)
        for place, row in enumerate(self._rows):
            yield self._rows_again.get(place, row[:-1]).split(self.SEPARATOR)

    def json_pieces(self, failures, last: bool = True) -> Iterator[str]:
        """`--json` for the question (`report.batch_json`, with one line a student: readable,
        and json's fast C encoder, which indent= would forgo), piece by piece; without its
        final line break unless `last`."""
        data = batch_json(self.rubric, Batch(failures=failures))
        del data["results"]
        yield json.dumps(data, ensure_ascii=False)[:-1] + ', "results": [\n  '
        self._json.seek(0)
        for place, line in enumerate(self._json):
            yield ("" if place == 0 else ",\n  ") + self._json_again.get(place, line[:-1])
        yield "\n]}\n" if last else "\n]}"

    def close(self) -> None:
        self._rows.close()
        if self._json is not None:
            self._json.close()


@dataclass
class _Graded:
    """What grading one question did: its results given out (`_Streamed`), the files it could
    not grade and, with a gradebook, what the re-grade changed."""

    rubric: Rubric
    results: _Streamed
    failures: list[FileFailure]
    changes: regrade.RegradeReport | None = None
    matcher: RosterMatcher | None = None
    stale: str = ""  # the gradebook's students this run had no file of (`_stale_note`)
    # earlier runs' failures that still stand (`gradebook.earlier_failures`): in `--json`
    earlier: list[FileFailure] = field(default_factory=list)


# What a run's note says of the gradebook's students it had no file of: `export` finds it so.
NOT_IN_RUN = "not in this run's files"


def _stale_note(
    students: list[str],
    failed: list[str],
    holds: Mapping[str, Hold],
    unread_before: Mapping[str, str] | None = None,
) -> str:
    """The note on the gradebook's `students` a run had no result of (`failed`: those whose
    file it could not grade, named after the file; `holds`: the question's, `load_holds`;
    `unread_before`: those with no result whose file failed in an earlier run, with that
    file, `gradebook.earlier_failures`), for the command's output and the overview: their
    rows stand, and how to be rid of them; a hold an earlier run began still stands, named
    with its file, as does a row awaiting review."""
    if not students:
        return ""
    folded = {student.casefold() for student in failed}
    named = first_of(students)
    unread = sum(1 for student in students if student.casefold() in folded)
    still = [s for s in students if s in holds and holds[s].earlier]
    whys = [f"{unread} of them: their file could not be graded now"] if unread else []
    if still:
        files = first_of([f"{s} ({holds[s].file})" for s in still])
        whys.append(
            f"{len(still)} of them: still held for review, their file could not be graded in "
            f"an earlier run: {files}"
        )
    unread_before = unread_before or {}
    waiting = [s for s in students if s in unread_before]
    if waiting:
        files = first_of([f"{s} ({unread_before[s]})" for s in waiting])
        whys.append(
            f"{len(waiting)} of them: still awaiting review, their only file could not be "
            f"graded in an earlier run: {files}"
        )
    why = f" ({'; '.join(whys)})" if whys else ""
    return (
        f"{counted(len(students), 'student')} in the gradebook "
        f"{'were' if len(students) != 1 else 'was'} {NOT_IN_RUN}{why}: "
        f"{named}. Their rows are an earlier run's and are still in the overview, grades.csv "
        "and every export, beside this run's (a student keyed otherwise now is in both). "
        "Nothing was removed; to leave them out, grade the class into a fresh gradebook (a "
        "new --out or --db): no grader command removes a student"
        + (
            ". Of those whose file could not be graded, the earlier marks are held: every "
            "item awaits review, and grades.csv and every export leave the marks empty until "
            "a person decides (an override, or a re-grade with a readable file)"
            if unread or still
            else ""
        )
        + (
            ". Of those whose only file could not be graded, the row awaits review, its "
            "marks empty, until a file of theirs is graded"
            if waiting
            else ""
        )
    )


def _grade(args: argparse.Namespace) -> int:
    graded: list[_Graded] = []  # each question's, as it is graded
    try:
        return _grade_into(args, graded)
    finally:
        gc.unfreeze()
        for entry in graded:
            entry.results.close()  # the temporary files of its table and --json


def _grade_into(args: argparse.Namespace, graded: list) -> int:
    from grader import gradebook

    exam, rubrics, from_file = _exam_to_grade(args)
    # What lives for the whole run (the modules, the rubrics, their grammars) is put out of
    # the garbage collector's way: it was a sixth of the run's work in this process, looking
    # at them again and again. Workers forked later inherit it.
    gc.freeze()
    questions = _chosen_questions(exam, args.question, args.exam or "the rubrics given")
    if args.columns and len(questions) > 1:
        raise UsageError("--columns maps one question's export: give --question too")
    paths, refused_files = _paths_by_question(questions, args.paths)
    several = len(questions) > 1
    roster = read_roster(Path(args.roster)) if args.roster else None
    _check_outputs(args)
    keys = None if roster is not None else _student_keys(args, exam, rubrics, questions, paths)
    db_path = Path(args.db) if args.db else (Path(args.out) / DB_NAME if args.out else None)
    out = Path(args.out) if args.out else None
    stored = 0
    progress = _ProgressBar()

    def note_stored(students: int) -> None:
        nonlocal stored
        stored += students

    # Forked before this process opens the gradebook (grader/storing.py says why).
    writer = _store_beside(paths, db_path, note_stored)
    connection = None
    refused = None
    whole: dict = {}
    try:
        connection = gradebook.connect(db_path) if db_path is not None else None
        if connection is not None:
            gradebook.save_exam(connection, exam, replace_all=from_file)
        for question in questions:
            rubric = rubrics[question.question]
            columns = read_column_map(Path(args.columns), rubric) if args.columns else None
            matcher = RosterMatcher(roster) if roster is not None else None
            # Files given on the command line are offered to every question, and each keeps
            # those naming it; an exam file's own lists are each question's alone, and a file
            # in one naming another question is reported, never passed over.
            shared = several and bool(args.paths)
            others = frozenset(exam.question_ids) - {rubric.id} if shared else frozenset()
            graded.append(
                _grade_question(
                    rubric, paths[rubric.id], args, connection, columns, matcher, others,
                    progress, note_stored, writer, keys,
                )
            )  # fmt: skip
        if writer is not None:
            # Every chunk is stored by now (each question waits for its own): the writer and
            # what it holds are let go before the reports are made.
            writer.close()
        if refused_files and graded:
            graded[0].failures.extend(refused_files)
        if args.json:
            write_atomically(Path(args.json), _graded_json(graded))
        if out is not None and connection is not None:
            try:
                loaded = {rubric.sha256: rubric for rubric in rubrics.values()}
                give_back_freed_memory()  # what grading freed, before children are forked
                whole = _write_outputs(connection, out, roster, args.mixed_rubrics, db_path, loaded)
                give_back_freed_memory()  # what the reports were made of, freed
            except MixedRubricsError as error:
                refused = error
    except (KeyboardInterrupt, Interrupted) as interruption:
        progress.end_line()
        signum = getattr(interruption, "signum", signal.SIGINT)
        if writer is not None and connection is not None:
            # The chunks sent to the writer are graded: stored and counted before the count
            # is said (a second stop signal, or a failure to store them, leaves them
            # uncounted).
            with contextlib.suppress(Exception, KeyboardInterrupt, Interrupted):
                writer.wait(connection, interrupted=True)
        if db_path is None:
            message = "interrupted; nothing was stored (no --db or --out), re-run to grade"
        else:
            message = f"interrupted; {counted(stored, 'student')} stored, re-run to finish"
        raise Interrupted(signum, message) from None
    finally:
        if writer is not None:
            writer.close()
        if connection is not None:
            connection.close()
    return _grade_summary(graded, args, db_path, out, refused, several, whole, keys)


def _student_keys(args, exam: Exam, rubrics: dict, questions, paths: dict):
    """How the run's LMS exports key their students without a roster (`student_keys.decide`),
    from every export of the exam file's questions (those not graded now too, so that grading
    one question keys its students as grading them all does) and of this run's."""
    from grader.student_keys import decide
    from grader.submissions.lms_export import EXPORT_SUFFIXES, export_ids

    chosen = {q.question for q in questions}
    exports = []
    for question in exam.questions:
        rubric = rubrics[question.question]
        files = paths[question.question] if question.question in chosen else question.submissions
        mapping = None
        if args.columns and question.question in chosen:
            mapping = read_column_map(Path(args.columns), rubric)
        for path in files:
            if path.suffix.lower() in EXPORT_SUFFIXES and path.is_file():
                read = export_ids(path, rubric, mapping)
                if read is not None:
                    exports.append(read)
    return decide(exports)


def _store_beside(paths, db_path, note_stored):
    """A writer process storing a large class's results (grader/storing.py), or None."""
    from grader import storing
    from grader.submissions import count_submission_files

    if db_path is None:
        return None
    enough = max(1, storing.store_beside_from())  # as `storing.wanted` takes it
    largest = max((count_submission_files(given, enough) for given in paths.values()), default=0)
    return storing.StoreBeside(db_path, note_stored) if storing.wanted(largest) else None


def _grade_question(
    rubric, paths, args, connection, columns, matcher, others, progress, note_stored, writer, keys
) -> _Graded:
    """Grade one question's files a chunk at a time, end to end: each chunk's results are
    compared with what the gradebook held for their students before the run, stored (by
    `writer`, a `storing.StoreBeside`, when there is one), and given out with overrides
    applied (`_Streamed`), then let go; then what the run leaves in the gradebook beside them
    (`_close_run`). Without a gradebook, `_grade_without_gradebook`."""
    from grader import gradebook, regrade

    with _checker(rubric, args) as bounded:
        if connection is None:
            return _grade_without_gradebook(
                rubric, paths, bounded, columns, matcher, others, progress, keys, bool(args.json)
            )
        overrides = gradebook.load_overrides(connection, rubric.id)
        run_id = gradebook.start_run(connection, rubric, rubric.source_text)
        if keys is not None:
            gradebook.store_run_notes(connection, run_id, keys.notes)
        checker = gradebook.CachedChecker(
            bounded, connection, rubric, read=not args.no_cache, on_damaged=_warn, deferred=True
        )
        streamed = _Streamed(rubric, overrides, matcher, bool(args.json))
        run_students: set[str] = set()

        def compare(placed):
            # Before the chunk is stored: the rows it replaces are kept aside for the run.
            students = [entry.result.student for entry in placed]
            run_students.update(students)
            gradebook.keep_previous(connection, rubric.id, run_id, students)
            rows = gradebook.previous_rows(connection, rubric.id, students)
            streamed.add(placed, regrade.before_of(rows, overrides))

        def store(results):
            # One transaction a chunk, with the new checks met since the chunk before: an
            # interruption loses at most the chunk being graded.
            if writer is not None:
                rows = gradebook.submission_rows(results)
                writer.store(connection, rubric.id, run_id, rows, checker.take_checks())
                return
            checker.write_checks()
            # Committed and counted together: a stop signal between the two would say one
            # chunk fewer stored than the gradebook holds (it waits for the commit).
            with stop_signals_blocked():
                gradebook.store_submissions(connection, run_id, rubric.id, results)
                note_stored(len({result.student for result in results}))

        def recall(_place, student):
            if writer is not None:  # what it was sent, stored first
                writer.wait(connection)
            return gradebook.stored_result(connection, rubric, student)

        try:
            batch = _grade_files(
                rubric, paths, checker, columns, matcher, others, progress, compare, store,
                recall, keys,
            )  # fmt: skip
        except BaseException:
            streamed.close()
            raise
        if writer is not None:  # every chunk stored before the run's last writes here
            writer.wait(connection)
        checker.flush()  # new checks of chunks that stored no result (each failed)
    return _close_run(connection, rubric, run_id, batch, streamed, run_students, matcher)


def _grade_without_gradebook(
    rubric, paths, bounded, columns, matcher, others, progress, keys, as_json: bool
) -> _Graded:
    """`_grade_question` without a gradebook: the results kept in a temporary file for a
    student a later file claims too, and held as `gradebook.load_holds` would hold them."""
    from grader import gradebook

    streamed = _Streamed(rubric, {}, matcher, as_json)
    spool = ResultSpool()
    try:

        def keep(placed):
            streamed.add(placed)
            spool.store(placed)

        batch = _grade_files(
            rubric, paths, bounded, columns, matcher, others, progress, keep, None,
            spool.recall, keys,
        )  # fmt: skip
        batch.failures = _owned(batch.failures, matcher)
        # as `gradebook.load_holds` would hold them: a student's result graded beside a file
        # named after them that failed
        recall = streamed.recaller(spool.recall)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        holds = gradebook.run_holds(
            batch.failures, streamed.keyed(), lambda s: recall(s).source, started
        )
        streamed.hold(holds, recall)
    except BaseException:
        streamed.close()
        raise
    finally:
        spool.close()
    return _Graded(rubric, streamed, batch.failures, None, matcher)


def _close_run(connection, rubric, run_id, batch, streamed, run_students, matcher) -> _Graded:
    """What a question's run leaves in the gradebook once its files are graded: the failures
    (each owned by its student where it can be told), the holds, the re-grade's changes and
    the note on students graded before but not in this run; then the question as graded."""
    from grader import gradebook

    gradebook.forget_previous(connection)
    batch.failures = _owned(batch.failures, matcher)
    stored = gradebook.stored_sources(connection, rubric.id)  # read once for both
    batch.failures = gradebook.owned_failures(stored, batch.failures)
    for source in gradebook.unowned_rows(stored, batch.failures):
        _warn(
            f"{source} cannot be read, and which student it is cannot be told from it: marks "
            "the gradebook holds from an earlier run for its student stand as they were; "
            "correct the row and grade again"
        )
    gradebook.store_failures(connection, run_id, batch.failures)
    # what holds the run's results for review holds every output's (`gradebook.load_holds`)
    latest = gradebook.latest_run_of(connection, rubric.id, {rubric.sha256: rubric})
    holds = gradebook.load_holds(connection, latest)
    streamed.hold(holds, lambda student: gradebook.stored_result(connection, rubric, student))
    changes = streamed.regrade_report()
    gradebook.store_changes(connection, run_id, changes.changes)
    # students whose only file failed in an earlier run: every output keeps their row
    earlier = gradebook.earlier_failures(connection, latest)
    unread_before = {
        student: Path(failure.source).name
        for failure in earlier
        if (student := failed_student(failure)) is not None
    }
    stale = _stale_note(
        [*gradebook.students_not_in(connection, rubric.id, run_students), *unread_before],
        unread_students(batch.failures, ()),
        holds,
        unread_before,
    )
    if stale:
        gradebook.store_run_notes(connection, run_id, [stale])  # the overview shows it
    return _Graded(rubric, streamed, batch.failures, changes, matcher, stale, earlier)


def _owned(failures: list[FileFailure], matcher: RosterMatcher | None) -> list[FileFailure]:
    """The run's failures with a file named after a roster entry's id, email or LMS id known
    to be that entry's (`RosterMatcher.owned`), as a graded file is joined to it."""
    return failures if matcher is None else matcher.owned(failures)


def _grade_files(
    rubric, paths, checker, columns, matcher, others, progress, on_placed, on_chunk, recall, keys
) -> Batch:
    from grader.reading import ReadBeside

    identify = matcher.identify if matcher is not None else None
    if identify is None and keys is not None and keys.keyed:
        identify = keys.identify

    return grade_paths(
        rubric,
        paths,
        on_chunk=on_chunk,
        on_progress=progress,
        checker=checker,
        columns=columns,
        identify=identify,
        other_questions=others,
        on_placed=on_placed,
        recall=recall,
        read_beside=ReadBeside(),  # a class's files read in a process beside this one
    )


def _graded_json(graded: list[_Graded]) -> Iterator[str]:
    """`--json`: one question's results as before; several questions' as a list of them."""
    if len(graded) == 1:
        yield from graded[0].results.json_pieces(graded[0].failures + graded[0].earlier)
        return
    yield '{"questions": [\n'
    for number, entry in enumerate(graded):
        yield ",\n" if number else ""
        yield from entry.results.json_pieces(entry.failures + entry.earlier, last=False)
    yield "\n]}\n"


def _grade_summary(graded, args, db_path, out, refused, several, whole, keys=None) -> int:
    """The tables, what changed, the roster's report and the summary, for each question."""
    from grader import regrade

    failed_any = lapsed = graded_any = 0
    for entry in graded:
        for failure in entry.failures:
            print(f"error: {_failure_text(failure)}", file=sys.stderr)
        if entry.results.count:
            if several:
                print(f"{entry.rubric.id}: {entry.rubric.title}")
            for line in entry.results.table():
                print(line)
            if several:
                print()
    if db_path is not None:
        print(f"gradebook: {printable(str(db_path))}", file=sys.stderr)
    for entry in graded:
        rubric, results = entry.rubric, entry.results
        title = f"{rubric.id}: " if several else ""
        if entry.changes is not None and (entry.changes.changes or entry.changes.kept):
            print("\n".join(title + line for line in entry.changes.lines()), file=sys.stderr)
        for student, why in entry.results.held:
            print(f"note: {title}{printable(student)}: {printable(why)}", file=sys.stderr)
        if entry.stale:
            _warn(title + entry.stale)
        if entry.matcher is not None:
            _report_roster(entry.matcher, results.students, whole.get(rubric.id))
        count, failed = results.graded, len(entry.failures)
        print(
            f"{title}graded {counted(count, 'submission')}"
            + (f"; {failed} could not be graded (see above)" if failed else ""),
            file=sys.stderr,
        )
        print(title + results.summary().describe(rubric.max_total), file=sys.stderr)
        graded_any += count
        failed_any += failed
        lapsed += len(entry.changes.lapsed) if entry.changes is not None else 0
    for note in keys.notes if keys is not None else ():
        if keys.keyed:
            print(f"students: {printable(note)}", file=sys.stderr)
        else:
            _warn(note)
    if db_path is not None and args.changes:
        rows = [
            # with several questions, an item is named with its question: both may have a.params
            replace(change, item_id=f"{entry.rubric.id} {change.item_id}") if several else change
            for entry in graded
            for change in entry.changes.changes
        ]
        write_atomically(Path(args.changes), regrade.changes_csv(rows))
    if refused is not None:
        print(
            f"error: {refused}. This run's grades are stored in the gradebook; nothing was "
            f"written to {printable(str(out))}",
            file=sys.stderr,
        )
    if not graded_any:
        print("error: no submission could be graded", file=sys.stderr)
        return EXIT_NO_SUBMISSIONS
    if refused is not None:
        return refused.exit_code
    if args.strict and (failed_any or lapsed):
        why = [f"{counted(failed_any, 'file')} skipped or conflicted"]
        why = why if failed_any else []
        why += [f"{counted(lapsed, 'override')} lapsed"] if lapsed else []
        print(f"strict: {' and '.join(why)} (exit code {EXIT_STRICT})", file=sys.stderr)
        return EXIT_STRICT
    return 0


def _report_roster(matcher: RosterMatcher, students: list[str], whole_class) -> None:
    """What the roster could not join, on stderr: entries with no submission are counted
    against the class the outputs hold (the gradebook's students, with --out), else this
    run's (`students`)."""
    graded = list(students)
    if whole_class is not None:
        graded += whole_class
    for line in matcher.report(graded):
        print(f"roster: {printable(line)}", file=sys.stderr)


def _failure_text(failure) -> str:
    """A file's failure for the terminal: its path (which may hold any byte but a slash) and
    the message, without a control character, line breaks of the message kept."""
    message = failure.message.replace(failure.source, printable(failure.source))
    return printable(message, keep_newlines=True)


def _write_outputs(connection, out: Path, roster, mixed_rubrics: bool, db, loaded=None) -> dict:
    """The folder `out` for the whole class the gradebook holds: a question's pages, overview,
    CSV and JSON when it holds one question (`_write_question`, streamed from the gradebook);
    for several, the exam's (one page per student for the whole exam, the exam overview and
    CSV) and each question's overview in its own folder. Returns each question's students,
    for the roster's report."""
    from grader import gradebook
    from grader.exam_report import write_exam_report

    exam = gradebook.stored_exam(connection)
    if len(exam.questions) == 1:
        (question,) = exam.questions
        students = _write_question(connection, question, out, roster, mixed_rubrics, db, loaded)
        return {question.question: students}
    with gradebook.one_state(connection):  # the runs, overrides and rows of one moment
        exam, classes, source = _stored_exam(connection, db, None, loaded, mixed_rubrics)
        written = write_exam_report(exam, classes, out, roster, source, on_damaged=_warn)
    print(
        f"wrote {written.count} files to {printable(str(out))}: each student's exam page in "
        f"{STUDENTS_FOLDER}/, the exam overview and CSV in {INSTRUCTOR_FOLDER}/, each "
        f"question's overview in {INSTRUCTOR_FOLDER}/<question>/",
        file=sys.stderr,
    )
    return written.students


@contextlib.contextmanager
def _reading(path: str) -> Iterator[sqlite3.Connection]:
    """The gradebook at `path` open, read in one state of it (`gradebook.one_state`); closed
    on leaving."""
    from grader import gradebook

    if not Path(path).is_file():
        raise UsageError(f"no gradebook at {path}")
    connection = gradebook.connect(Path(path))
    try:
        with gradebook.one_state(connection):
            yield connection
    except gradebook.GradebookError as error:
        raise UsageError(f"{path}: {error}") from None
    finally:
        connection.close()


def _stored_exam(
    connection,
    where,
    question: str | None = None,
    loaded=None,
    mixed_rubrics: bool | None = None,
):
    """The exam the gradebook holds and each question's class (`question` alone if given)
    without its results (each `QuestionClass`'s batch holds its failures alone), and the
    `ExamSource` that reads them from the gradebook a chunk at a time, overrides applied:
    what an exam's outputs read (`exam_report.write_exam_report`). `loaded`: rubrics loaded
    already, by SHA-256, not loaded again. A command writing outputs says whether it may mix
    rubric versions (`mixed_rubrics`, `_one_rubric`); None checks nothing."""
    from grader import gradebook
    from grader.exam_report import ExamSource

    exam = gradebook.stored_exam(connection)
    classes, applied = [], {}
    if not exam.questions:
        raise gradebook.GradebookError(
            "the gradebook has no runs yet; grade some submissions first"
        )
    for entry in _chosen_questions(exam, question, where):
        run = gradebook.latest_run_of(connection, entry.question, loaded)
        overrides = gradebook.load_overrides(connection, entry.question)
        holds = gradebook.load_holds(connection, run)
        batch = Batch([], gradebook.load_failures(connection, run))
        # the students graded under another version of the rubric: not one entry a student
        versions, students = gradebook.other_versions(connection, entry.question, run.rubric.sha256)
        if mixed_rubrics is not None:
            _one_rubric(versions, run.rubric.sha256, where, mixed_rubrics, students)
        notes = gradebook.load_run_notes(connection, run)
        classes.append(QuestionClass(entry, run.rubric, batch, versions, notes))
        applied[entry.question] = (run.rubric, overrides, holds)

    def results(question: str, rows) -> list:
        rubric, overrides, holds = applied[question]
        return [
            result if isinstance(result, str) else current(result, overrides, holds)
            for result in gradebook.stored_results(connection, rubric, rows)
        ]

    return (
        exam,
        classes,
        ExamSource(functools.partial(gradebook.stored_submissions, connection), results),
    )


def _write_question(connection, question, out, roster, mixed_rubrics, db, loaded) -> list[str]:
    """One question's outputs, read from the gradebook a chunk of students at a time and
    written student by student (`html_report.write_html_report`): the class is never held
    whole. A large class (`page_processes.PROCESSES_FROM` students or more) has each
    student's work done in child processes from the start, this process reading the
    gradebook for them (`html_report.write_stored_report`); the same files. All of it is read
    in one state of the gradebook, whatever is written meanwhile. Its students, in order."""
    from grader import gradebook
    from grader.html_report import write_stored_report
    from grader.overrides import current
    from grader.page_processes import PROCESSES_FROM

    with gradebook.one_state(connection):  # the run, overrides and rows of one moment
        run = gradebook.latest_run_of(connection, question.question, loaded)
        overrides = gradebook.load_overrides(connection, question.question)
        others, students = gradebook.other_versions(
            connection, question.question, run.rubric.sha256
        )
        _one_rubric(others, run.rubric.sha256, db, mixed_rubrics, students)
        failures = gradebook.load_failures(connection, run)
        notes = gradebook.load_run_notes(connection, run)
        holds = gradebook.load_holds(connection, run)
        if students >= PROCESSES_FROM:  # a large class: its students' work in other processes
            written = write_stored_report(
                run.rubric,
                gradebook.stored_submissions(connection, question.question),
                functools.partial(gradebook.stored_item_rows, connection, question.question),
                failures, out, overrides, others, roster, on_damaged=_warn,
                class_notes=notes, holds=holds,
            )  # fmt: skip
            if written is not None:
                return _wrote_question(out, *written)
        results = (
            current(result, overrides, holds)
            for result in gradebook.iter_results(connection, run, on_damaged=_warn)
        )
        return _write_reports(run.rubric, results, failures, others, out, roster, notes)


def rebuild_outputs(db: Path, out: Path, roster=None, mixed_rubrics: bool = False) -> None:
    """What `grader report` writes (and `grader serve`'s rebuild button)."""
    from grader import gradebook

    if not db.is_file():
        raise UsageError(f"no gradebook at {db}")
    connection = gradebook.connect(db)
    try:
        _write_outputs(connection, out, roster, mixed_rubrics, db)
    except gradebook.GradebookError as error:
        raise UsageError(f"{db}: {error}") from None
    finally:
        connection.close()


def _report(args: argparse.Namespace) -> int:
    roster = read_roster(Path(args.roster)) if args.roster else None
    rebuild_outputs(Path(args.db), Path(args.out), roster, args.mixed_rubrics)
    return 0


def _override(args: argparse.Namespace) -> int:
    from grader import gradebook

    if args.answer_group is not None:
        return _override_group(args)
    if len(args.target) != 3:
        raise UsageError("override takes STUDENT ITEM MARKS, or --answer-group ID and MARKS")
    student, item, marks = args.target[0], args.target[1], _marks_argument(args.target[2])
    if not Path(args.db).is_file():
        raise UsageError(f"no gradebook at {args.db}")
    connection = gradebook.connect(Path(args.db))
    try:
        question = args.question or _question_of(connection, args.db, student, item)
        override = gradebook.record_override(
            connection,
            question,
            student,
            item,
            marks,
            args.note,
            args.reviewer or default_reviewer(),
        )
    except gradebook.GradebookError as error:
        raise UsageError(f"{args.db}: {error}") from None
    finally:
        connection.close()
    print(
        f"{printable(student)} {printable(item)}: {override.marks:g} marks, "
        f"recorded {override.created_at}"
    )
    return 0


def _override_group(args: argparse.Namespace) -> int:
    """One decision for an answer group, as `grader serve` applies it: to every student of
    the group waiting for a person (every member, when none is), in one transaction."""
    from grader import gradebook
    from grader.answer_groups import answer_group

    if len(args.target) != 1:
        raise UsageError("with --answer-group, override takes only MARKS")
    marks = _marks_argument(args.target[0])
    found = []
    with _reading(args.db) as connection:  # each question a chunk of students at a time
        _, classes, source = _stored_exam(connection, args.db, args.question)
        for klass in classes:
            results = source.each(klass.question.question, _warn)
            if (group := answer_group(results, args.answer_group)) is not None:
                found.append((klass, group))
    if not found:
        raise UsageError(
            f"{args.db}: no answer group {args.answer_group!r}; "
            "`grader review --db FILE --json` lists the groups and their ids"
        )
    if len(found) > 1:
        raise UsageError(
            f"answer group {args.answer_group} is in questions "
            + ", ".join(klass.rubric.id for klass, _ in found)
            + "; choose one with --question"
        )
    ((klass, group),) = found
    students = group.to_decide
    connection = gradebook.connect(Path(args.db))
    try:
        recorded = gradebook.record_overrides(
            connection,
            klass.rubric.id,
            [(student, group.item_id) for student in students],
            marks,
            args.note,
            args.reviewer or default_reviewer(),
        )
    except gradebook.GradebookError as error:
        raise UsageError(f"{args.db}: {error}") from None
    finally:
        connection.close()
    print(
        f"{printable(group.item_id)}: {marks:g} marks for {counted(len(students), 'student')} "
        f"of group {args.answer_group}, "
        f"recorded {recorded[0].created_at}: " + ", ".join(printable(s) for s in students)
    )
    return 0


def _question_of(connection, db, student: str, item: str) -> str:
    """The question an override without --question is for: the only one, or the only one
    whose rubric has `item` and a result of `student`."""
    from grader import gradebook

    exam = gradebook.stored_exam(connection)
    if len(exam.questions) <= 1:
        return gradebook.latest_run(connection).rubric.id
    having = [
        question
        for (question,) in connection.execute(
            "SELECT DISTINCT question FROM item_results WHERE student = ? AND item_id = ?",
            (student, item),
        )
    ]
    if len(having) == 1:
        return having[0]
    if not having:
        raise UsageError(
            f"{db}: no result for student {student!r} and item {item!r} in any question "
            f"({', '.join(exam.question_ids)})"
        )
    raise UsageError(
        f"{student!r} answered {item!r} in {', '.join(sorted(having))}; choose with --question"
    )


def _marks_argument(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"marks must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise UsageError(f"marks must be a number, not {text!r}")
    return value


def _review(args: argparse.Namespace) -> int:
    """`grader review`: each question's review queue, its students read from the gradebook a
    chunk at a time (`ExamSource.each`), only the groups someone waits on kept
    (`answer_groups.waiting_groups`; each spelling counted for `--json` alone)."""
    from grader.answer_groups import waiting_groups

    with _reading(args.db) as connection:
        _, classes, source = _stored_exam(connection, args.db, args.question)
        queues = [
            (
                klass.rubric.id,
                waiting_groups(source.each(klass.question.question, _warn), args.json),
            )
            for klass in classes
        ]
    several = len(classes) > 1
    if args.json:
        _print_lines([json.dumps(_review_json(queues), indent=2, ensure_ascii=False)])
        return 0
    if not any(groups for _, groups in queues):
        _print_lines(["nothing needs review"])
        return 0
    lines = []
    for question, groups in queues:
        for group in groups:
            students = ", ".join(printable(s) for s in group.flagged)
            title = f"{printable(question)} " if several else ""
            lines.append(f"{title}{group.item_id} ({len(group.flagged)}): {students}")
            # a line break shown as ↵: "?" (what `printable` gives it) reads as the student's
            answer = (group.shown.answer or "").strip().replace("\r\n", "\n")
            lines.append(f"  answer: {printable(answer.replace(chr(10), ' ↵ '))}")
            lines.extend(
                f"  {printable(student)}: {printable(item.found)}"
                for student, item in group.waiting
                if item.found
            )
            lines.append(f"  group: {group.id}")
            lines.extend(f"  - {printable(reason)}" for reason in group.shown.feedback[:1])
            if (why := _review_why(group.shown)) is not None:
                lines.append(f"  why: {printable(why)}")
    if not _print_lines(lines):
        return 0  # the reader has what it wanted (`grader review | head`)
    total = sum(len(g.flagged) for _, groups in queues for g in groups)
    count = sum(len(groups) for _, groups in queues)
    print(
        f"{counted(total, 'answer')} in {counted(count, 'group needs', 'groups need')} review",
        file=sys.stderr,
    )
    return 0


def _review_why(item) -> str | None:
    """Why the machine sent `item` to review, as its decision records it ("the student
    disowned the answer: …"), where the student's message does not say it; else None."""
    marked = "sent for review"
    for step in reversed(item.decision):
        why = step.removeprefix(f"{marked}: ").removesuffix(f": {marked}")
        if why != step:
            return None if any(why in line for line in item.feedback[:1]) else why
    return None


def _review_json(queues) -> dict:
    """The review queue for scripts: each group with its question and the id `override
    --answer-group` takes. `question` is the question when there is one, else null."""
    return {
        "question": queues[0][0] if len(queues) == 1 else None,
        "questions": [question for question, _ in queues],
        "groups": [
            {
                "question": question,
                "id": group.id,
                "item": group.item_id,
                "answer": (group.shown.answer or "").strip(),
                "spellings": [
                    {"answer": text, "students": count} for text, count in group.spellings
                ],
                "verdict": group.shown.verdict,
                "marks": group.shown.marks,
                "max_marks": group.shown.max_marks,
                "reasons": list(group.shown.feedback),
                "why": _review_why(group.shown),  # as recorded, when the reasons do not say it
                "students": group.flagged,
                # per student: where a transcript's answer was found, else null
                "found": [item.found for _, item in group.waiting],
            }
            for question, groups in queues
            for group in groups
        ],
    }


def _print_lines(lines: list[str]) -> bool:
    """Print `lines` on stdout; False, quietly, when the reader has closed the pipe."""
    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_nowhere()
        return False
    return True


def _stdout_to_nowhere() -> None:
    """Point stdout, whose reader has gone, at /dev/null: Python flushes stdout again at
    exit, which would fail the same way and print "Exception ignored ..."."""
    # Not a real file (a test's capture): nothing will be flushed at exit.
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has closed it (`grader grade ... | head`): the
    kernel marks its end with an error."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    return False


def _serve(args: argparse.Namespace) -> int:
    if not Path(args.db).is_file():
        raise UsageError(f"no gradebook at {args.db}")
    from grader.review_app import serve  # Flask is loaded only for this command

    reviewers = _reviewer_names(args.reviewers) if args.reviewers is not None else None
    if reviewers is not None and args.reviewer:
        raise UsageError("give --reviewer (one person) or --reviewers (one token each), not both")
    if args.host.strip("[]") in ("0.0.0.0", "::", ""):
        raise UsageError(
            "give --host the address the TAs will type (e.g. 192.168.1.20): it is the only "
            "name the server answers to besides 127.0.0.1 and localhost"
        )
    local = args.host.strip("[]").lower() in ("127.0.0.1", "localhost", "::1")
    if not local and reviewers is None:
        raise UsageError(
            f"serving on {args.host} needs --reviewers NAME,NAME,...: each TA gets their own "
            "token, and their decisions are signed with their name"
        )
    with _reading(args.db) as connection:  # the exam's questions, no student's result
        exam, _, _ = _stored_exam(connection, args.db, args.question)  # an unknown one refused
    if args.question is None and len(exam.questions) > 1:
        print(
            f"the gradebook holds {len(exam.questions)} questions ("
            + ", ".join(printable(q) for q in exam.question_ids)
            + f"); reviewing the latest graded, {printable(_latest_question(args.db))}: "
            "choose another with --question",
            file=sys.stderr,
        )
    serve(
        Path(args.db),
        args.reviewer or default_reviewer(),
        args.port,
        args.out and Path(args.out),
        host=args.host,
        reviewers=reviewers,
        question=args.question,
    )
    return 0


def _latest_question(db: str) -> str:
    from grader import gradebook

    connection = gradebook.connect(Path(db))
    try:
        return gradebook.latest_run(connection).rubric.id
    finally:
        connection.close()


def _reviewer_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(names) or len(set(names)) != len(names):
        raise UsageError(f"--reviewers takes distinct names separated by commas, not {text!r}")
    return names


def _export(args: argparse.Namespace) -> int:
    from grader.exam_report import ExamStudents

    with _reading(args.db) as connection:
        _, classes, source = _stored_exam(
            connection, args.db, args.question, mixed_rubrics=args.mixed_rubrics
        )
        roster = read_roster(Path(args.roster)) if args.roster else None
        if args.format not in ("grades", "gradescope") and roster is None:
            raise UsageError(
                f"--format {args.format} needs --roster FILE: the LMS matches students by its "
                "own ids (see docs/exams.md)"
            )
        # the students read a chunk at a time, as the exam's report reads them
        read = itertools.chain.from_iterable(ExamStudents(classes, source).sheets(source, _warn))
        if args.format == "grades" and len(classes) == 1:
            (klass,) = classes
            question = klass.question.question
            results = (r for sheet in read if (r := sheet.results[question]) is not None)
            text = grades_csv(klass.rubric, klass.batch, klass.versions, roster, results)
        elif args.format == "grades":
            text = exam_grades_csv(classes, roster, read)
        else:
            exported = lms_csv(args.format, classes, roster, read)
    if args.format == "grades":
        notes: tuple[str, ...] = ()
    else:
        text, notes = exported.text, exported.notes
        if exported.unmatched and not exported.students:
            # A file of its header alone would upload as a success: nothing is written.
            assert roster is not None  # only a layout that matches by a roster leaves one out
            columns = " or ".join(f"`{c}`" for c in exported.matched_by)
            lacking = [c for c in exported.matched_by if c not in roster.columns]
            why = (
                f"the roster {roster.path} has no {columns} column"
                if len(lacking) == len(exported.matched_by)
                else f"the roster {roster.path} gives none of them {columns}"
            )
            raise UsageError(
                f"no student could be written for {args.format}, which matches students by "
                f"{columns}: {why}; nothing was written to {args.csv}"
            )
        if exported.pending and args.refuse_pending:
            for note in exported.pending:
                print(f"pending: {printable(note)}", file=sys.stderr)
            raise UsageError(
                f"{len(exported.pending)} marks await review; nothing was written "
                "(--refuse-pending)"
            )
    write_atomically(Path(args.csv), text)
    for note in notes:
        print(f"note: {printable(note)}", file=sys.stderr)
    for klass in classes:  # what the latest run said of rows an earlier one left
        for note in klass.notes:
            if NOT_IN_RUN in note:
                _warn(f"{klass.question.label}: {note}" if len(classes) > 1 else note)
    if args.format == "grades":
        # the rows written, a student whose file could not be graded's among them
        rows = sum(1 for _ in csv.reader(io.StringIO(text))) - 1
        left_out = ""
    else:
        rows = exported.students
        left_out = f" ({exported.unmatched} left out, above)" if exported.unmatched else ""
    print(f"wrote {counted(rows, 'student')} to {printable(args.csv)}{left_out}", file=sys.stderr)
    return 0


def _release(args: argparse.Namespace) -> int:
    from grader.release import MANIFEST_CSV, MANIFEST_JSON, release_pages

    roster = read_roster(Path(args.roster)) if args.roster else None
    to = Path(args.to)
    with _reading(args.db) as connection:
        exam, classes, source = _stored_exam(connection, args.db, args.question, None, False)
        check_writable(to / MANIFEST_CSV)
        outcome = release_pages(
            exam, classes, to, args.include_pending, roster, source, on_damaged=_warn
        )
    print(
        f"released {len(outcome.released)} student pages to {printable(str(to))}; the "
        f"manifest is {MANIFEST_CSV} (and {MANIFEST_JSON})",
        file=sys.stderr,
    )
    if outcome.withheld:
        names = first_of([printable(student) for student, _ in outcome.withheld])
        print(
            f"withheld {counted(len(outcome.withheld), 'student')} with answers awaiting review: "
            f"{names} (decide them with grader review / serve, or pass --include-pending "
            "to release them with those answers shown as awaiting review)",
            file=sys.stderr,
        )
    return 0


_QUESTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _rubric_new(args: argparse.Namespace) -> int:
    if not _QUESTION_ID.fullmatch(args.id):
        raise UsageError(f"a question id is letters, digits, '.', '_' and '-', not {args.id!r}")
    out = Path(args.out)
    if out.exists():
        raise UsageError(f"{out} exists already; choose another file")
    write_atomically(out, skeleton(args.id, str(out)))
    print(f"wrote {out}; edit it, then run: grader rubric check {out}", file=sys.stderr)
    return 0


def _rubric_check(args: argparse.Namespace) -> int:
    rubric = load_rubric(args.file)
    problems, warnings = review_rubric(rubric)
    for problem in in_file_order([*problems, *warnings]):
        warning = "warning: " if isinstance(problem, Caution) else ""
        print(printable(warning + problem.describe(args.file), keep_newlines=True))
    if problems:
        print(
            f"{args.file}: {counted(len(problems), 'problem')}",
            file=sys.stderr,
        )
        return EXIT_CHECK_FAILED
    items, tests = len(rubric.items), len(rubric.tests)
    warned = f"; {counted(len(warnings), 'warning')}" if warnings else ""
    print(
        f"{args.file}: rubric {rubric.id} is valid; {counted(items, 'item')}, "
        f"{counted(tests, 'self-test')} passed{warned}"
    )
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line read (`command_line.parse_args`), with `run` the function of the
    command it names."""
    args = command_line.parse_args(argv)
    args.run = COMMANDS[args.handler]
    return args


def main(argv: list[str] | None = None, args: argparse.Namespace | None = None) -> int:
    """Run the command line `argv` (by default this process's), or the one already read:
    `args`, as grader/entry.py reads it before importing this module."""
    if args is None:
        args = command_line.parse_args(sys.argv[1:] if argv is None else argv)
    args.run = COMMANDS[args.handler]
    code = _run(args)
    if argv is None and args.run is _check:
        # `grader check` as a program: its answer is printed and nothing it holds needs
        # tearing down (no file open, no worker left), so it ends without the interpreter's
        # shutdown, which would cost it about a seventh of its CPU time freeing sympy's objects.
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


def _run(args: argparse.Namespace) -> int:
    try:
        with _signals_interrupt():
            return args.run(args)
    except GraderError as error:
        print(f"error: {printable(str(error), keep_newlines=True)}", file=sys.stderr)
        return error.exit_code
    except sqlite3.Error as error:
        print(f"error: the gradebook cannot be used: {printable(str(error))}", file=sys.stderr)
        return 1
    except OSError as error:  # e.g. an output folder we may not write to
        if isinstance(error, BrokenPipeError) and _stdout_closed():
            # The reader of the output stopped reading: what it took was all it wanted, and
            # everything the command writes elsewhere (a gradebook, a folder) is written.
            _stdout_to_nowhere()
            return 128 + signal.SIGPIPE
        message = f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")
        print(f"error: {printable(message)}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Interrupted) as interruption:
        signum = getattr(interruption, "signum", signal.SIGINT)
        with contextlib.suppress(OSError):  # SIGHUP: the terminal may be gone
            print(getattr(interruption, "message", "interrupted"), file=sys.stderr)
        return 128 + signum


@contextlib.contextmanager
def _signals_interrupt():
    """SIGTERM and SIGHUP stop a command the way Ctrl-C does: the workers are stopped, the
    gradebook keeps what was stored, and the exit code says which signal (128 + its number).
    Python's default for them ends the process at once, leaving its workers computing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, _frame):
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, interrupt) for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

# Each command's function, by the `handler` name grader/command_line.py gives it.
COMMANDS = {
    "check": _check,
    "grade": _grade,
    "report": _report,
    "rubric new": _rubric_new,
    "rubric check": _rubric_check,
    "override": _override,
    "review": _review,
    "serve": _serve,
    "export": _export,
    "release": _release,
}

if __name__ == "__main__":
    sys.exit(main())
