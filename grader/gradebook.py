"""The SQLite gradebook: every run and every item result, stored so reports can be rebuilt.

Re-grading is idempotent: a submission's rows are replaced (UPSERT on student and item), a
chunk of submissions per transaction, so a crash loses at most the chunk being written and never
leaves half of a submission; rows a re-run would write unchanged are left alone. WAL mode lets
a report read while a batch writes; `synchronous=FULL` because a recorded grade must survive a
power cut. Every statement is parameterised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sympy

from grader import __version__
from grader.errors import GraderError
from grader.exam import Exam, ExamQuestion
from grader.grade import Checker, start_checking
from grader.kept import KeptFor
from grader.model import (
    ITEM_RESULT_FIELDS,
    Batch,
    FailureKind,
    FileFailure,
    ItemResult,
    Rubric,
    SubmissionResult,
    Task,
)
from grader.overrides import Hold, Override, answer_key, apply_override
from grader.rubric import load_rubric_text
from grader.submissions import CLAIMS, DOES_NOT_EXIST, failed_student
from grader.submissions.lms_export import export_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    question TEXT NOT NULL,
    rubric_path TEXT NOT NULL,
    rubric_sha256 TEXT NOT NULL,
    rubric_text TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    sympy_version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    question TEXT NOT NULL,
    student TEXT NOT NULL,
    source TEXT NOT NULL,
    warnings TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (question, student)
);
CREATE TABLE IF NOT EXISTS item_results (
    question TEXT NOT NULL,
    student TEXT NOT NULL,
    item_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    marks REAL NOT NULL,
    max_marks REAL NOT NULL,
    feedback TEXT NOT NULL,
    answer TEXT,
    interpretation TEXT,
    reading_mathml TEXT,
    answer_group TEXT,
    diagnosis TEXT,
    error_position INTEGER,
    error_caret TEXT,
    decision TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    found TEXT,
    reading_notes TEXT,
    PRIMARY KEY (question, student, item_id),
    FOREIGN KEY (question, student) REFERENCES submissions(question, student)
);
CREATE TABLE IF NOT EXISTS overrides (
    question TEXT NOT NULL,
    student TEXT NOT NULL,
    item_id TEXT NOT NULL,
    marks REAL NOT NULL,
    note TEXT NOT NULL,
    answer TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (question, student, item_id)
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY,
    question TEXT NOT NULL,
    student TEXT NOT NULL,
    item_id TEXT NOT NULL,
    marks REAL NOT NULL,
    note TEXT NOT NULL,
    answer TEXT,
    reviewer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    previous_marks REAL,
    previous_verdict TEXT,
    rubric_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS decisions_by_item ON decisions (question, student, item_id);
CREATE TABLE IF NOT EXISTS regrade_changes (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    student TEXT NOT NULL,
    item_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    old_marks REAL,
    new_marks REAL,
    old_answer TEXT,
    new_answer TEXT
);
CREATE TABLE IF NOT EXISTS check_cache (
    rubric_sha256 TEXT NOT NULL,
    grader_code TEXT NOT NULL,
    item_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (rubric_sha256, grader_code, item_id, answer)
);
CREATE TABLE IF NOT EXISTS exam (
    id TEXT NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exam_questions (
    question TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    weight REAL NOT NULL,
    name TEXT NOT NULL,
    lms_column TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    source TEXT NOT NULL,
    message TEXT NOT NULL,
    kind TEXT,
    student TEXT
);
CREATE TABLE IF NOT EXISTS run_notes (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    note TEXT NOT NULL
);
"""


class GradebookError(GraderError):
    """The gradebook cannot be opened or has nothing to report."""


@dataclass(frozen=True)
class StoredRun:
    id: int
    started_at: str
    rubric: Rubric
    grader_version: str
    sympy_version: str


def connect(path: Path, threads: bool = False) -> sqlite3.Connection:
    """Open (creating if need be) a gradebook with the pragmas this module relies on; with
    `threads`, a connection several threads may use, one at a time (the caller's lock)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Every grade and answer of a class: readable by its owner only. SQLite gives the
        # -wal and -shm files the mode of the database file.
        if not path.exists():
            # Only a file no connection of this process has open: closing a descriptor of an
            # open database would drop SQLite's fcntl locks on it.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        # Setting a gradebook up (WAL mode, the schema) upgrades SQLite's lock in ways its
        # busy handler does not wait for: two processes doing it at once could get "database
        # is locked". One at a time, by an advisory lock on the folder. Not on the database
        # file: closing any descriptor of it would drop SQLite's own (fcntl) locks on it.
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            connection = sqlite3.connect(path, timeout=30, check_same_thread=not threads)
            _set_pragmas(connection)
            connection.execute("PRAGMA journal_mode=WAL")
            with connection:
                connection.executescript(SCHEMA)
                _add_missing_columns(connection)
                _fill_answer_keys(connection)
                _fill_failure_kinds(connection)
                _record_earlier_overrides(connection)
                _create_final_marks(connection)
        finally:
            os.close(folder)  # and with it the lock
    except (sqlite3.Error, OSError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = path.parent if isinstance(exc, OSError) else path
        raise GradebookError(
            f"cannot open the gradebook {path}: {why} (is {where} a folder you may write to?)"
        ) from None
    return connection


def _set_pragmas(connection: sqlite3.Connection) -> None:
    """The pragmas of a connection of ours (WAL mode, set once, stays with the file)."""
    connection.execute("PRAGMA busy_timeout=30000")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")


def reopen(path: Path) -> sqlite3.Connection:
    """Another connection to a gradebook this process, or its parent, has opened (and so set
    up) with `connect`: the same pragmas, nothing else done. `connect`'s errors."""
    try:
        connection = sqlite3.connect(path, timeout=30)
        _set_pragmas(connection)
    except sqlite3.Error as exc:
        raise GradebookError(f"cannot open the gradebook {path}: {exc}") from None
    return connection


# Columns added since the first gradebooks were written: (table, column, type).
_ADDED_COLUMNS = (
    ("item_results", "found", "TEXT"),
    ("overrides", "reviewer", "TEXT"),
    ("item_results", "reading_notes", "TEXT"),
    ("item_results", "answer_key", "TEXT"),
    ("overrides", "answer_key", "TEXT"),
    ("failures", "kind", "TEXT"),
    ("failures", "student", "TEXT"),
)


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    """A gradebook written by an older grader gets the columns added since, empty."""
    for table, column, kind in _ADDED_COLUMNS:
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _fill_failure_kinds(connection: sqlite3.Connection) -> None:
    """Failures stored before they had a kind get theirs, told by their message as the grader
    that stored them wrote it (`CLAIMS`, `DOES_NOT_EXIST`): read once, here, never again."""
    rows = connection.execute("SELECT rowid, message FROM failures WHERE kind IS NULL").fetchall()
    if not rows:
        return  # no transaction begun (`_fill_answer_keys` says why)

    def kind(message: str) -> FailureKind:
        if CLAIMS in message:
            return FailureKind.CLAIMED
        if message.endswith(DOES_NOT_EXIST):
            return FailureKind.MISSING
        return FailureKind.FILE

    connection.executemany(
        "UPDATE failures SET kind = ? WHERE rowid = ?",
        [(kind(message).value, rowid) for rowid, message in rows],
    )


def _fill_answer_keys(connection: sqlite3.Connection) -> None:
    """Rows written before answer keys were stored get theirs."""
    for table in ("item_results", "overrides"):
        rows = connection.execute(
            f"SELECT rowid, answer FROM {table} WHERE answer_key IS NULL"
        ).fetchall()
        if not rows:
            # No transaction begun (`executemany` would begin one even for no rows): a read
            # in it before the first write could not become a write once another process
            # has written ("database is locked" at once, whatever the busy timeout).
            continue
        connection.executemany(
            f"UPDATE {table} SET answer_key = ? WHERE rowid = ?",
            [(answer_key(answer), rowid) for rowid, answer in rows],
        )


# The marks that apply after instructors' overrides, one row per student and item, as
# `overrides.apply_override` decides them (and so as pages, grades.csv and `report` show
# them): an override applies while the answer is unchanged (compared by `answer_key`), capped
# at what the item is worth; when the answer changed, the item is back in review with 0 marks.
FINAL_MARKS = """CREATE VIEW final_marks AS
SELECT r.question, r.student, r.item_id,
    CASE
        WHEN o.student IS NULL THEN r.marks
        WHEN o.answer_key IS NOT r.answer_key THEN 0.0
        WHEN o.marks > r.max_marks THEN r.max_marks
        ELSE o.marks
    END AS marks,
    r.max_marks,
    CASE
        WHEN o.student IS NULL THEN r.verdict
        WHEN o.answer_key IS NOT r.answer_key OR o.marks > r.max_marks THEN 'needs_review'
        WHEN o.marks >= r.max_marks THEN 'correct'
        WHEN o.marks > 0 THEN 'partial'
        ELSE 'incorrect'
    END AS verdict,
    CASE
        WHEN o.student IS NULL THEN 'machine'
        WHEN o.answer_key IS NOT r.answer_key THEN 'override lapsed: the answer changed'
        WHEN o.marks > r.max_marks THEN 'override capped: the item is worth less now'
        ELSE 'override'
    END AS decided_by,
    o.reviewer, o.created_at AS decided_at, o.note,
    r.answer
FROM item_results AS r
LEFT JOIN overrides AS o
    ON o.question = r.question AND o.student = r.student AND o.item_id = r.item_id"""


def _create_final_marks(connection: sqlite3.Connection) -> None:
    """The `final_marks` view, replaced when this grader defines it differently."""
    row = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'final_marks'"
    ).fetchone()
    if row is not None and row[0] == FINAL_MARKS:
        return
    connection.execute("DROP VIEW IF EXISTS final_marks")
    connection.execute(FINAL_MARKS)


def _record_earlier_overrides(connection: sqlite3.Connection) -> None:
    """Overrides recorded before the audit trail existed enter it once, as they stand: who
    made them is not known, nor the marks they replaced."""
    connection.execute(
        "INSERT INTO decisions (question, student, item_id, marks, note, answer, reviewer,"
        " created_at) SELECT question, student, item_id, marks, note, answer,"
        " COALESCE(reviewer, ?), created_at FROM overrides WHERE NOT EXISTS (SELECT 1 FROM"
        " decisions WHERE decisions.question = overrides.question AND decisions.student ="
        " overrides.student AND decisions.item_id = overrides.item_id)",
        (UNKNOWN_REVIEWER,),
    )


def start_run(connection: sqlite3.Connection, rubric: Rubric, rubric_text: str) -> int:
    with connection:
        cursor = connection.execute(
            "INSERT INTO runs (started_at, question, rubric_path, rubric_sha256, rubric_text,"
            " grader_version, sympy_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                datetime.now(UTC).isoformat(timespec="seconds"),
                rubric.id,
                rubric.path,
                rubric.sha256,
                rubric_text,
                __version__,
                sympy.__version__,
            ),
        )
    return int(cursor.lastrowid)


# What `_stored_item` reads back, in its order; the rows also hold each answer's key.
_STORED_ITEM_COLUMNS = (
    "item_id, verdict, marks, max_marks, feedback, answer, interpretation, reading_mathml,"
    " answer_group, diagnosis, error_position, error_caret, decision, found, reading_notes"
)
_ITEM_COLUMNS = f"{_STORED_ITEM_COLUMNS}, answer_key"


_encode_json = json.JSONEncoder(ensure_ascii=False).encode

# Three lists an item, ten items a student, and a class gives the same feedback and decisions
# again and again: each list is encoded once, and each stored text decoded once (`_strings`),
# as long as it is short; a longer one is encoded or decoded every time, so that the caches
# hold at most about 1024 x 2 x 1024 characters.
_CACHED_CHARACTERS = 1024
_CACHED_LISTS = 1024


def _json_list(values: tuple[str, ...]) -> str:
    """A tuple of texts as the gradebook stores it: a JSON list, not ASCII-escaped (the text
    `json.dumps(list(values), ensure_ascii=False)` gives)."""
    if sum(map(len, values)) <= _CACHED_CHARACTERS:
        return _remembered_json_list(values)
    return _encode_json(values)


@functools.lru_cache(maxsize=_CACHED_LISTS)
def _remembered_json_list(values: tuple[str, ...]) -> str:
    return _encode_json(values)


# Each item result's row, kept by the result (`KeptFor`): a class shares its results, so most
# students' rows are made already, and pickle sends a row shared in a chunk once.
_ROWS: KeptFor[tuple] = KeptFor(most=4096)


def _item_row(item: ItemResult) -> tuple:
    """An item result as the gradebook stores it, in the order of `_ITEM_COLUMNS`."""
    return _ROWS.get(item, None, _new_item_row, item)


def _new_item_row(item: ItemResult) -> tuple:
    return (
        item.item_id,
        item.verdict,
        item.marks,
        item.max_marks,
        _json_list(tuple(item.feedback)),
        item.answer,
        item.interpretation,
        item.reading_mathml,
        item.answer_group,
        item.diagnosis,
        item.error_position,
        item.error_caret,
        _json_list(tuple(item.decision)),
        item.found,
        _json_list(tuple(item.reading_notes)),
        answer_key(item.answer),
    )


def store_submission(
    connection: sqlite3.Connection, run_id: int, question: str, result: SubmissionResult
) -> None:
    """Replace one student's rows, all in one transaction."""
    store_submissions(connection, run_id, question, [result])


def store_submissions(
    connection: sqlite3.Connection,
    run_id: int,
    question: str,
    results: Sequence[SubmissionResult],
) -> int:
    """Replace the rows of several students in one transaction (all of them or none), in
    order: a student given twice keeps the last. A student whose stored rows are already
    exactly these, graded under the same rubric (by SHA-256), is left alone, run and all.
    Returns how many students' rows were written."""
    return store_rows(connection, run_id, question, submission_rows(results))


# A student's rows as `store_rows` writes them: (student, (source, warnings), {item id: row}).
StudentRows = tuple[str, tuple[str, str], dict[str, tuple]]


def submission_rows(results: Sequence[SubmissionResult]) -> list[StudentRows]:
    """The rows of `results` as the gradebook stores them (plain values, to be sent to
    another process), one a student: a student given twice keeps the last."""
    latest = {result.student: result for result in results}
    return [
        (
            result.student,
            (result.source, json.dumps(list(result.warnings))),
            {item.item_id: _item_row(item) for item in result.items.values()},
        )
        for result in latest.values()
    ]


def store_rows(
    connection: sqlite3.Connection, run_id: int, question: str, rows: Sequence[StudentRows]
) -> int:
    """`store_submissions` of rows `submission_rows` made (one a student)."""
    with connection:
        stored = _stored_rows(connection, run_id, question, [student for student, *_ in rows])
        students, items = [], []  # what is written: each student's row, every item's row
        for student, source, item_rows in rows:
            if stored.get(student) == (source, item_rows):
                continue
            students.append((question, student, *source, run_id))
            items.extend((question, student, run_id, *row) for row in item_rows.values())
        # A statement for all the students written, not three a student.
        connection.executemany(
            "INSERT INTO submissions (question, student, source, warnings, run_id)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (question, student) DO UPDATE SET source ="
            " excluded.source, warnings = excluded.warnings, run_id = excluded.run_id",
            students,
        )
        connection.executemany(
            "DELETE FROM item_results WHERE question = ? AND student = ?",
            [(question, student) for question, student, *_ in students],
        )
        connection.executemany(
            f"INSERT INTO item_results (question, student, run_id, {_ITEM_COLUMNS}) VALUES"
            f" (?, ?, ?{', ?' * 16})",
            items,
        )
    return len(students)


def _stored_rows(
    connection: sqlite3.Connection, run_id: int, question: str, students: list[str]
) -> dict[str, tuple]:
    """Student -> ((source, warnings), {item id: row}) as stored, for those of `students`
    graded under the rubric of run `run_id`: what `store_submissions` compares with."""
    found: dict[str, tuple] = {}
    for start in range(0, len(students), 500):  # within SQLite's limit of bound parameters
        some = students[start : start + 500]
        marks = ", ".join("?" * len(some))
        for student, source, warnings in connection.execute(
            "SELECT s.student, s.source, s.warnings FROM submissions AS s JOIN runs AS r ON"
            " r.id = s.run_id WHERE s.question = ? AND r.rubric_sha256 = (SELECT rubric_sha256"
            f" FROM runs WHERE id = ?) AND s.student IN ({marks})",
            (question, run_id, *some),
        ):
            found[student] = ((source, warnings), {})
        for student, *row in connection.execute(
            f"SELECT student, {_ITEM_COLUMNS} FROM item_results WHERE question = ? AND student"
            f" IN ({marks})",
            (question, *some),
        ):
            if student in found:
                found[student][1][row[0]] = tuple(row)
    return found


def code_fingerprint() -> str:
    """The grader's version and a digest of its code and of sympy's version: cached checks are
    only reused by the very grader (and sympy) that made them, even across editable installs
    that keep the version number."""
    digest = hashlib.sha256(f"{__version__} sympy {sympy.__version__}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".lark", ".html") and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


class CachedChecker:
    """Checks answers through `inner`, reusing results this gradebook holds for the same
    rubric, grader, item and answer; errors (a timeout, a crash) are never cached.

    With `read=False` every answer is checked again (`grader grade --no-cache`) and the fresh
    results replace the cached ones. A cached check that cannot be read (a damaged row) is
    reported to `on_damaged` and checked again."""

    def __init__(
        self,
        inner: Checker,
        connection: sqlite3.Connection,
        rubric: Rubric,
        read: bool = True,
        on_damaged: Callable[[str], None] | None = None,
        deferred: bool = False,
    ):
        self.inner, self.connection, self.rubric = inner, connection, rubric
        self.read, self.on_damaged = read, on_damaged
        self.code = code_fingerprint()
        self.hits = 0
        # `deferred`: new checks are kept (`_unwritten`) until `write_checks` puts them in the
        # caller's next transaction, or `flush` commits them: one synced commit a chunk, not two.
        self.deferred = deferred
        self._unwritten: list[tuple] = []

    def _key(self, task: Task) -> tuple:
        return (self.rubric.sha256, self.code, task.item_id, task.text)

    def _cached(self, tasks: Sequence[Task]) -> dict[Task, ItemResult]:
        """The results this gradebook holds for `tasks`: one query for up to
        `_LOOKED_UP` answers to an item, not one an answer (a class's chunk has hundreds)."""
        by_item: dict[str, list[str]] = {}
        for task in tasks:
            by_item.setdefault(task.item_id, []).append(task.text)
        found: dict[Task, ItemResult] = {}
        for item_id, answers in by_item.items():
            for start in range(0, len(answers), _LOOKED_UP):
                some = answers[start : start + _LOOKED_UP]
                marks = ", ".join("?" * len(some))
                for answer, stored in self.connection.execute(
                    "SELECT answer, result FROM check_cache WHERE rubric_sha256 = ? AND"
                    f" grader_code = ? AND item_id = ? AND answer IN ({marks})",
                    (self.rubric.sha256, self.code, item_id, *some),
                ):
                    task = Task(item_id, answer)
                    try:
                        found[task] = _item_from_json(stored)
                    except DamagedRow as damage:
                        if self.on_damaged is not None:
                            self.on_damaged(
                                f"the gradebook's cached check of item {item_id!r} for the "
                                f"answer {answer!r} is damaged ({damage}); it was checked again"
                            )
        return found

    def check(self, tasks: Sequence[Task]) -> list[ItemResult]:
        return self.start(tasks)()

    def start(self, tasks: Sequence[Task]) -> Callable[[], list[ItemResult]]:
        """Look up `tasks` in the gradebook and start checking the others through `inner`;
        what waits for every result (and stores the new ones) is returned at once."""
        found = self._cached(tasks) if self.read else {}
        self.hits += len(found)
        missing = [task for task in tasks if task not in found]
        waiting = start_checking(self.inner, missing)

        def results() -> list[ItemResult]:
            checked = waiting()
            self._unwritten.extend(
                (*self._key(task), _item_to_json(result))
                for task, result in zip(missing, checked, strict=True)
                if result.verdict != "error"
            )
            if not self.deferred:
                self.flush()
            found.update(zip(missing, checked, strict=True))
            return [found[task] for task in tasks]

        return results

    def poll(self) -> None:
        """`inner`'s `poll`, where it has one (`workers.BoundedChecker.poll`)."""
        poll = getattr(self.inner, "poll", None)
        if poll is not None:
            poll()

    def write_checks(self) -> None:
        """The new checks not yet written, written in the connection's current transaction
        (begun by this write if none is open): committed with whatever the caller commits
        next, or rolled back with it."""
        write_check_rows(self.connection, self.take_checks())

    def take_checks(self) -> list[tuple]:
        """The new checks not yet written, as rows for `write_check_rows`, now the caller's
        to write (this checker forgets them)."""
        unwritten, self._unwritten = self._unwritten, []
        return unwritten

    def flush(self) -> None:
        """The new checks not yet written, written and committed."""
        if self._unwritten:
            with self.connection:
                self.write_checks()


def write_check_rows(connection: sqlite3.Connection, rows: Sequence[tuple]) -> None:
    """Checks (`CachedChecker.take_checks`) written in the connection's current transaction
    (begun by this write if none is open, and there are rows)."""
    if rows:
        connection.executemany(
            "INSERT OR REPLACE INTO check_cache (rubric_sha256, grader_code, item_id, answer,"
            " result) VALUES (?, ?, ?, ?, ?)",
            rows,
        )


class DamagedRow(Exception):
    """A stored value that cannot be read back (not JSON, or not of the expected shape)."""


_LOOKED_UP = 500  # answers a query looks up: within SQLite's smallest limit of parameters


def _item_to_json(result: ItemResult) -> str:
    """What `dataclasses.asdict` gives, encoded, without its deep copy (every field of an
    item result is a text, a number, None or a tuple of them)."""
    return _encode_json({name: getattr(result, name) for name in ITEM_RESULT_FIELDS})


def _item_from_json(text: str) -> ItemResult:
    try:
        fields = json.loads(text)
        for name in ("feedback", "decision", "count_values", "nominal_values", "reading_notes"):
            if fields.get(name) is not None:
                fields[name] = tuple(fields[name])
        return ItemResult(**fields)
    except (ValueError, TypeError, AttributeError) as error:
        raise DamagedRow(_damage(error)) from None


def _damage(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return "not valid JSON"
    return "not of the expected shape"


def _strings(text: str, what: str) -> tuple[str, ...]:
    """A stored JSON list of strings (feedback, decision, warnings), or DamagedRow."""
    short = isinstance(text, str) and len(text) <= _CACHED_CHARACTERS
    try:
        return _decoded_strings(text) if short else _decoded_strings.__wrapped__(text)
    except _NotStrings as problem:
        raise DamagedRow(f"its {what} is {problem}") from None


class _NotStrings(Exception):
    """A stored text that is not a JSON list of strings; says what it is instead."""


# Decoded and checked once for a short text (a tuple of texts is immutable, so one is shared
# by every result that has it). What cannot be decoded raises, and lru_cache keeps no
# exception.
@functools.lru_cache(maxsize=_CACHED_LISTS)
def _decoded_strings(text: str) -> tuple[str, ...]:
    try:
        values = json.loads(text)
    except (ValueError, TypeError) as error:
        raise _NotStrings(_damage(error)) from None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _NotStrings("not a list of texts")
    return tuple(values)


def store_failures(
    connection: sqlite3.Connection, run_id: int, failures: list[FileFailure]
) -> None:
    with connection:
        connection.executemany(
            "INSERT INTO failures (run_id, source, message, kind, student) VALUES (?, ?, ?, ?, ?)",
            [(run_id, f.source, f.message, f.kind.value, f.student) for f in failures],
        )


UNKNOWN_REVIEWER = "unknown (recorded before decisions were signed)"


@dataclass(frozen=True)
class Decision:
    """One entry of the audit trail: an instructor's marks for one answer, never replaced
    (a later decision is a new entry; the latest applies)."""

    student: str
    item_id: str
    marks: float
    note: str
    answer: str | None
    reviewer: str
    created_at: str
    previous_marks: float | None  # what the item had before: the machine's or an earlier decision's
    previous_verdict: str | None
    rubric_sha256: str | None


def _values(entry: Decision) -> tuple:
    """The fields of `entry`, in order: `dataclasses.astuple` without its deep copy of each
    (a second of a decision on 12,500 answers)."""
    return tuple(getattr(entry, field.name) for field in dataclasses.fields(entry))


def record_override(
    connection: sqlite3.Connection,
    question: str,
    student: str,
    item_id: str,
    marks: float,
    note: str,
    reviewer: str = "",
) -> Override:
    """An instructor's marks for one answer, kept until that answer changes."""
    return record_overrides(connection, question, [(student, item_id)], marks, note, reviewer)[0]


def record_overrides(
    connection: sqlite3.Connection,
    question: str,
    targets: Sequence[tuple[str, str]],
    marks: float,
    note: str,
    reviewer: str,
) -> list[Override]:
    """One decision for several answers ((student, item id) pairs), all or none, in one
    transaction: each is appended to the audit trail with the marks it replaces, and becomes
    the override that applies (each as SQLite stores it: marks of -0 are 0)."""
    marks += 0.0  # -0.0 is stored, and read back, as 0.0
    now = datetime.now(UTC).isoformat(timespec="seconds")
    reviewer = reviewer or UNKNOWN_REVIEWER
    current = load_overrides(connection, question)
    entries = []
    for student, item_id in targets:
        row = connection.execute(
            "SELECT item_results.verdict, item_results.marks, item_results.max_marks,"
            " item_results.answer, runs.rubric_sha256 FROM item_results JOIN runs ON runs.id"
            " = item_results.run_id WHERE item_results.question = ? AND item_results.student"
            " = ? AND item_results.item_id = ?",
            (question, student, item_id),
        ).fetchone()
        if row is None:
            raise GradebookError(
                f"no result for student {student!r} and item {item_id!r} in {question}"
            )
        verdict, machine_marks, max_marks, answer, sha256 = row
        if not 0 <= marks <= max_marks:
            raise GradebookError(f"marks must be between 0 and {max_marks:g} for {item_id}")
        before = ItemResult(item_id, verdict, machine_marks, max_marks, (), answer)
        if (student, item_id) in current:
            before = apply_override(before, current[(student, item_id)])
        entries.append(
            Decision(
                student, item_id, marks, note, answer, reviewer, now,
                before.marks, before.verdict, sha256,
            )
        )  # fmt: skip
    with connection:
        for entry in entries:
            connection.execute(
                "INSERT INTO decisions (question, student, item_id, marks, note, answer,"
                " reviewer, created_at, previous_marks, previous_verdict, rubric_sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (question, *_values(entry)),
            )
            connection.execute(
                "INSERT INTO overrides (question, student, item_id, marks, note, answer,"
                " created_at, reviewer, answer_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT"
                " (question, student, item_id) DO UPDATE SET marks = excluded.marks, note ="
                " excluded.note, answer = excluded.answer, created_at = excluded.created_at,"
                " reviewer = excluded.reviewer, answer_key = excluded.answer_key",
                (
                    question, entry.student, entry.item_id, marks, note, entry.answer, now,
                    reviewer, answer_key(entry.answer),
                ),
            )  # fmt: skip
    return [Override(marks, note, entry.answer, now, reviewer) for entry in entries]


def decisions(
    connection: sqlite3.Connection, question: str, student: str | None = None
) -> list[Decision]:
    """The audit trail of a question (or of one student), oldest first."""
    query = (
        "SELECT student, item_id, marks, note, answer, reviewer, created_at, previous_marks,"
        " previous_verdict, rubric_sha256 FROM decisions WHERE question = ?"
    )
    parameters: tuple = (question,)
    if student is not None:
        query += " AND student = ?"
        parameters += (student,)
    return [Decision(*row) for row in connection.execute(query + " ORDER BY id", parameters)]


def load_overrides(
    connection: sqlite3.Connection, question: str
) -> dict[tuple[str, str], Override]:
    """(student, item id) → the instructor's override, for one question."""
    return {
        (student, item_id): Override(marks, note, answer, created_at, reviewer or "")
        for student, item_id, marks, note, answer, created_at, reviewer in connection.execute(
            "SELECT student, item_id, marks, note, answer, created_at, reviewer FROM overrides"
            " WHERE question = ?",
            (question,),
        )
    }


@dataclass(frozen=True)
class Change:
    """What a re-grade changed for one answer: its marks (`kind` "marks"), or an override
    that applied before and no longer does because the answer changed ("lapsed")."""

    student: str
    item_id: str
    kind: str
    old_marks: float | None
    new_marks: float | None
    old_answer: str | None
    new_answer: str | None


def store_changes(connection: sqlite3.Connection, run_id: int, changes: Sequence[Change]) -> None:
    with connection:
        connection.executemany(
            "INSERT INTO regrade_changes (run_id, student, item_id, kind, old_marks, new_marks,"
            " old_answer, new_answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, *dataclasses.astuple(change)) for change in changes],
        )


def latest_changes(
    connection: sqlite3.Connection, question: str
) -> tuple[str | None, list[Change]]:
    """The changes the latest run of `question` that changed anything made, and when it
    started (None if no run changed anything)."""
    row = connection.execute(
        "SELECT runs.id, runs.started_at FROM runs WHERE runs.question = ? AND EXISTS (SELECT 1"
        " FROM regrade_changes WHERE regrade_changes.run_id = runs.id) ORDER BY runs.id DESC"
        " LIMIT 1",
        (question,),
    ).fetchone()
    if row is None:
        return None, []
    run_id, started_at = row
    return started_at, [
        Change(*values)
        for values in connection.execute(
            "SELECT student, item_id, kind, old_marks, new_marks, old_answer, new_answer FROM"
            " regrade_changes WHERE run_id = ? ORDER BY rowid",
            (run_id,),
        )
    ]


def latest_run(connection: sqlite3.Connection) -> StoredRun:
    row = connection.execute(
        "SELECT id, started_at, rubric_path, rubric_text, grader_version, sympy_version"
        " FROM runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise GradebookError("the gradebook has no runs yet; grade some submissions first")
    run_id, started_at, rubric_path, rubric_text, grader_version, sympy_version = row
    rubric = load_rubric_text(rubric_text, rubric_path)
    return StoredRun(run_id, started_at, rubric, grader_version, sympy_version)


def current_run(run_id: int, rubric: Rubric) -> StoredRun:
    """The run this process started, to read the gradebook back as `report` would."""
    return StoredRun(run_id, "", rubric, __version__, sympy.__version__)


def load_batch(
    connection: sqlite3.Connection,
    run: StoredRun,
    on_damaged: Callable[[str], None] | None = None,
) -> Batch:
    """Every stored submission of the run's question (from any run), and the run's failures.

    A student with a row that cannot be read back (damaged) is left out and reported to
    `on_damaged` with the student and item; re-grading the student repairs it."""
    return Batch(
        results=list(iter_results(connection, run, on_damaged)),
        failures=load_failures(connection, run),
    )


def store_run_notes(connection: sqlite3.Connection, run_id: int, notes: Iterable[str]) -> None:
    """What the run says of the whole class, for the overview: how the students of its LMS
    exports were keyed (`grader.student_keys`)."""
    with connection:
        connection.executemany(
            "INSERT INTO run_notes (run_id, note) VALUES (?, ?)", [(run_id, n) for n in notes]
        )


def students_not_in(
    connection: sqlite3.Connection, question: str, students: Iterable[str]
) -> list[str]:
    """The question's stored students (in the order of their sources) who are not among
    `students` (a run's, exactly as keyed): rows an earlier run left, which outputs still
    list beside the run's own."""
    run = set(students)
    return [
        student for student, *_ in stored_submissions(connection, question) if student not in run
    ]


def load_run_notes(connection: sqlite3.Connection, run: StoredRun) -> tuple[str, ...]:
    return tuple(
        note
        for (note,) in connection.execute(
            "SELECT note FROM run_notes WHERE run_id = ? ORDER BY rowid", (run.id,)
        )
    )


_FAILURE_KINDS = {kind.value: kind for kind in FailureKind}


def _failure(source: str, message: str, kind: str | None, student: str | None) -> FileFailure:
    """A stored failure: a kind this grader does not know (a later grader's) is the file's
    own, held for a person."""
    return FileFailure(source, message, _FAILURE_KINDS.get(kind, FailureKind.FILE), student)


def load_failures(connection: sqlite3.Connection, run: StoredRun) -> list[FileFailure]:
    """The files the run could not grade, then those of earlier runs that still stand
    (`earlier_failures`): every output lists a student whose only file failed, awaiting
    review, until a file of theirs is graded."""
    return [
        _failure(*row)
        for row in connection.execute(
            "SELECT source, message, kind, student FROM failures WHERE run_id = ? ORDER BY rowid",
            (run.id,),
        )
    ] + earlier_failures(connection, run)


def stored_sources(connection: sqlite3.Connection, question: str) -> dict[str, list[str]]:
    """Each source the question's stored results came from, with its students (as stored),
    read once for `owned_failures` and `unowned_rows` (and `earlier_failures`)."""
    sources: dict[str, list[str]] = {}
    for student, source in connection.execute(
        "SELECT student, source FROM submissions WHERE question = ?", (question,)
    ):
        sources.setdefault(source, []).append(student)
    return sources


def owned_failures(
    stored: Mapping[str, list[str]], failures: Iterable[FileFailure]
) -> list[FileFailure]:
    """`failures` with each student's file (`failed_student`) at the path a stored result of
    the question (`stored_sources`) came from (its one student's) known to be that student's:
    `sub-017.yaml` whose result was bob's is bob's re-submission, whatever its name. An LMS
    export row that cannot be read is the student its id cells name (`FileFailure.named`)
    when a stored result of theirs came from a row of the same export."""
    by_student: dict[str, list[str]] = {}  # casefolded student -> their results' sources
    for source, students in stored.items():
        for student in students:
            by_student.setdefault(student.casefold(), []).append(source)
    owned = []
    for failure in failures:
        if failure.student is None and failure.named is not None:
            export = export_of(failure.source)
            if any(
                export_of(source) == export and source != export
                for source in by_student.get(failure.named.casefold(), ())
            ):
                failure = dataclasses.replace(failure, student=failure.named)
        elif failure.student is None and failed_student(failure) is not None:
            students = stored.get(failure.source, [])
            if len(students) == 1:
                failure = dataclasses.replace(failure, student=students[0])
        owned.append(failure)
    return owned


def unowned_rows(stored: Mapping[str, list[str]], failures: Iterable[FileFailure]) -> list[str]:
    """The sources of the LMS export rows among `failures` that cannot be read and are no
    student's (`owned_failures`), of an export the question's stored results
    (`stored_sources`) came from: a result of the student the row was may stand from an
    earlier run, and no one can say."""
    exports = {export_of(source) for source in stored if export_of(source) != source}
    return [
        failure.source
        for failure in failures
        if failure.student is None
        and failure.kind == FailureKind.FILE
        and export_of(failure.source) != failure.source
        and export_of(failure.source) in exports
    ]


def earlier_failures(connection: sqlite3.Connection, run: StoredRun) -> list[FileFailure]:
    """The failures of earlier runs of the run's question that still stand: a file named
    after a student (`failed_student`, case aside) who has no stored result of the question
    and no file that failed in `run` itself, the latest run's such file of theirs (in the
    order met). A later run with no file of theirs ends nothing: the student keeps a row
    awaiting review (grades.csv, exports, the overview) until a file of theirs is graded.
    Each message says which run it failed in and that the latest had no file of theirs."""
    stored = {
        student.casefold()
        for students in stored_sources(connection, run.rubric.id).values()
        for student in students
    }
    now: set[str] = set()
    latest: dict[str, FileFailure] = {}  # casefolded student -> their latest failure
    for run_id, started_at, failure, key in _students_failures(connection, run):
        if run_id == run.id:
            now.add(key)
            continue
        note = (
            f"{failure.message} (run of {_day(started_at)}; the latest run "
            f"({_day(run.started_at)}) had no file of this student's: awaiting review until a "
            "file of theirs is graded)"
        )
        latest.pop(key, None)  # a later run's failure of theirs comes after the others
        latest[key] = dataclasses.replace(failure, message=note)
    return [f for key, f in latest.items() if key not in stored and key not in now]


def _students_failures(
    connection: sqlite3.Connection, run: StoredRun
) -> Iterator[tuple[int, str, FileFailure, str]]:
    """Each failure of the run's question up to `run` whose student is known
    (`failed_student`), in the order stored: (its run, that run's start, the failure, the
    student casefolded)."""
    for run_id, started_at, *row in connection.execute(
        "SELECT failures.run_id, runs.started_at, failures.source, failures.message,"
        " failures.kind, failures.student FROM failures JOIN runs ON runs.id = failures.run_id"
        " WHERE runs.question = ? AND failures.run_id <= ?"
        " ORDER BY failures.run_id, failures.rowid",
        (run.rubric.id, run.id),
    ):
        for failure, key in _known_students([_failure(*row)]):
            yield run_id, started_at, failure, key


def _known_students(failures: Iterable[FileFailure]) -> Iterator[tuple[FileFailure, str]]:
    """Each of `failures` whose student is known (`failed_student`), with that student
    casefolded."""
    for failure in failures:
        student = failed_student(failure)
        if student is not None:
            yield failure, student.casefold()


def load_holds(connection: sqlite3.Connection, run: StoredRun) -> dict[str, Hold]:
    """The stored results of the run's question that no run since made current: a file named
    after their student (`failed_student`, case aside) could not be graded in the run that
    stored the result or in a later one, up to `run` (the latest). A result of an earlier run
    is that run's, not the failing one's; a result of the failing run came from another file
    named after the same student, and which file is theirs is a person's call. A later run
    with no file of theirs ends neither: the hold stands until a person decides (an
    override) or a file of theirs is graded. Each student (exactly as stored) maps to a
    `Hold` saying so, of the latest run a file of theirs failed in; nothing is changed here."""
    # casefolded student -> (the latest run a file of theirs failed in, its start, the file)
    failed: dict[str, tuple[int, str, str]] = {}
    for run_id, started_at, failure, key in _students_failures(connection, run):
        if key not in failed or failed[key][0] != run_id:  # a later run's, or the first
            failed[key] = (run_id, started_at, Path(failure.source).name)
    if not failed:
        return {}
    holds = {}
    for student, source, run_id, started_at in connection.execute(
        "SELECT submissions.student, submissions.source, submissions.run_id, runs.started_at"
        " FROM submissions JOIN runs ON runs.id = submissions.run_id"
        " WHERE submissions.question = ?",
        (run.rubric.id,),
    ):
        failing = failed.get(student.casefold())
        if failing is None or failing[0] < run_id:  # a file of theirs was graded since
            continue
        failed_in, failed_at, file = failing
        graded = (Path(source).name, None if run_id == failed_in else started_at)
        latest = None if failed_in == run.id else run.started_at
        holds[student] = _hold(file, failed_at, *graded, latest)
    return holds


def run_holds(
    failures: Iterable[FileFailure],
    students: Iterable[str],
    source_of: Callable[[str], str],
    started_at: str,
) -> dict[str, Hold]:
    """`load_holds` for a run kept in no gradebook, which started at `started_at`: each of
    the run's `students` (exactly as keyed) a file named after whom (case aside) failed in
    the run beside the one graded, `source_of(student)`."""
    failed: dict[str, str] = {}
    for failure, key in _known_students(failures):
        failed.setdefault(key, Path(failure.source).name)
    return {
        student: _hold(failed[key], started_at, Path(source_of(student)).name, None, None)
        for student in students
        if (key := student.casefold()) in failed
    }


def _hold(
    file: str, failed_at: str, graded: str, graded_at: str | None, latest: str | None
) -> Hold:
    """The `Hold` of a result from the file `graded` (in the run that started at `graded_at`,
    None: the same run as the failure's) for a file `file` named after its student that
    failed in the run that started at `failed_at`; `latest`: when the question's latest run
    started, None when the file failed in it."""
    when = _day(failed_at)
    if graded_at is None:
        note = (
            f"A second file named after this student, {file}, could not be graded in the "
            f"run of {when}; these marks are of {graded}, graded in the same run, and "
            "await an instructor's review: which file is the student's is for a person "
            "to decide."
        )
    else:
        note = (
            f"The latest file for this question, {file}, could not be graded (run of "
            f"{when}); these marks are from an earlier run ({graded}, graded "
            f"{_day(graded_at)}) and await an instructor's review."
        )
    if latest is not None:
        note += (
            f" The latest run ({_day(latest)}) had no file of this student's: "
            "the marks stay held until an instructor decides or a file of theirs is graded."
        )
    return Hold(note, failed_at, file, latest is not None)


def _day(started_at: str) -> str:
    """A run's start as a note names it: `2026-12-06 20:54 UTC` (stored as ISO, seconds)."""
    try:
        return datetime.fromisoformat(started_at).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return started_at


READ_CHUNK = 256  # students read back from the gradebook at a time


def iter_results(
    connection: sqlite3.Connection,
    run: StoredRun,
    on_damaged: Callable[[str], None] | None = None,
) -> Iterator[SubmissionResult]:
    """The stored submissions of the run's question (from any run), in the order of their
    sources, one at a time, read READ_CHUNK students at a time from a cursor: a class is
    never held whole. Damaged rows as `load_batch` (which lists these)."""
    submissions = stored_submissions(connection, run.rubric.id)
    while chunk := submissions.fetchmany(READ_CHUNK):
        for result in stored_results(connection, run.rubric, chunk):
            if isinstance(result, SubmissionResult):
                yield result
            elif on_damaged is not None:
                on_damaged(result)


def stored_submissions(connection: sqlite3.Connection, question: str) -> sqlite3.Cursor:
    """A cursor over the question's stored submissions in the order of their sources, each a
    row `(student, source, warnings)` of plain values: what `stored_results` reads a chunk
    of students' results from."""
    return connection.execute(
        "SELECT student, source, warnings FROM submissions WHERE question = ? ORDER BY source",
        (question,),
    )


def item_answers(
    connection: sqlite3.Connection, question: str, item_id: str | None = None
) -> Iterator[tuple[str, str, str | None, str | None]]:
    """Each stored answer of the question (to the item `item_id` alone, if given), a row
    `(student, item id, answer_group, answer)`: what tells an answer group's members
    (`model.answer_group_key`) without reading their results."""
    query = "SELECT student, item_id, answer_group, answer FROM item_results WHERE question = ?"
    if item_id is None:
        return connection.execute(query, (question,))
    return connection.execute(query + " AND item_id = ?", (question, item_id))


def data_version(connection: sqlite3.Connection) -> int:
    """SQLite's `data_version` of `connection`: it changes whenever another connection commits
    (and may when one checkpoints), never for this connection's own commits; within a
    transaction, that of the transaction's state."""
    return connection.execute("PRAGMA data_version").fetchone()[0]


@contextlib.contextmanager
def one_state(connection: sqlite3.Connection) -> Iterator[None]:
    """Every read on `connection` within sees one state of the gradebook, whatever another
    process writes meanwhile (a read transaction, ended without writing anything). Within a
    transaction already begun, that transaction's state."""
    if connection.in_transaction:
        yield
        return
    connection.execute("BEGIN")
    try:
        yield
    finally:
        connection.rollback()


def stored_results(
    connection: sqlite3.Connection, rubric: Rubric, chunk: Sequence[tuple[str, str, str]]
) -> list[SubmissionResult | str]:
    """The results of a chunk of rows of `stored_submissions` (at most READ_CHUNK), in its
    order: each a SubmissionResult, or what is damaged in the student's rows (a message
    naming the student and item, as `load_batch` reports it)."""
    return results_of_rows(rubric, chunk, stored_item_rows(connection, rubric.id, chunk))


def stored_item_rows(
    connection: sqlite3.Connection, question: str, chunk: Sequence[tuple[str, str, str]]
) -> list[tuple[str, tuple]]:
    """The item rows of a chunk of rows of `stored_submissions` (at most READ_CHUNK), each
    `(student, row)`, the row its `_STORED_ITEM_COLUMNS` as plain values: what
    `results_of_rows` makes the chunk's results of (in this process, or in a process it is
    sent to, which then never opens the gradebook: a SQLite connection, or SQLite's record of
    a file's locks, must never cross a fork). A class repeats its answers, readings and
    feedback, and pickle sends an object once: equal texts of the chunk are one object (the
    chunk's own student ids among them), and so are equal rows (a third of the bytes on the
    10,000 class, docs/performance.md), which `results_of_rows` then makes one ItemResult of."""
    marks = ", ".join("?" * len(chunk))
    rows = connection.execute(
        f"SELECT student, {_STORED_ITEM_COLUMNS} FROM item_results WHERE question = ?"
        f" AND student IN ({marks})",
        (question, *(row[0] for row in chunk)),
    )
    one = {row[0]: row[0] for row in chunk}.setdefault
    same = {}.setdefault
    # Each text column's value passed through `one` (a text, None or a damaged row's bytes:
    # never equal to a value of another type), the numbers as they are; the row, its values
    # now one object each, passed through `same` (hashing the texts' hashes, kept). Rows equal
    # as tuples are equal value for value: each column's affinity keeps one type for its
    # numbers (an INTEGER column's float is never whole), and -0.0 comes back as 0.0.
    return [
        (one(student, student), same(row, row))
        for (
            student, item_id, verdict, marks, max_marks, feedback, answer, interpretation,
            mathml, group, diagnosis, position, caret, decision, found, notes,
        ) in rows
        for row in [(
            one(item_id, item_id), one(verdict, verdict), marks, max_marks,
            one(feedback, feedback), one(answer, answer), one(interpretation, interpretation),
            one(mathml, mathml), one(group, group), one(diagnosis, diagnosis), position,
            one(caret, caret), one(decision, decision), one(found, found), one(notes, notes),
        )]
    ]  # fmt: skip


def results_of_rows(
    rubric: Rubric, chunk: Sequence[tuple[str, str, str]], item_rows: Iterable[tuple[str, tuple]]
) -> list[SubmissionResult | str]:
    """`stored_results` of a chunk whose `stored_item_rows` were read already. A row met
    again (the same object, as `stored_item_rows` gives equal rows) is made into an item
    result once: one ItemResult, immutable, in every result that has it (a damaged row, the
    same DamagedRow)."""
    items: dict[str, dict[str, ItemResult | DamagedRow]] = {s: {} for s, _, _ in chunk}
    made: dict[int, ItemResult | DamagedRow] = {}  # the id of a row (`item_rows` holds it)
    for student, row in item_rows:
        item = made.get(id(row))
        if item is None:
            item = made[id(row)] = _item_or_damage(row)
        items[student][row[0]] = item
    return [
        _stored_result(rubric, student, source, warnings, items[student])
        for student, source, warnings in chunk
    ]


def _item_or_damage(row: tuple) -> ItemResult | DamagedRow:
    try:
        return _stored_item(row)
    except DamagedRow as damage:
        return damage


def _stored_result(
    rubric: Rubric,
    student: str,
    source: str,
    warnings: str,
    stored: Mapping[str, ItemResult | DamagedRow],
) -> SubmissionResult | str:
    """A student's result from their item results (`stored`: item id -> the item result made
    of its row, or what is damaged in it), or what is damaged: the first damaged item in
    the rubric's order, else the warnings. An item the rubric has not is left out."""
    items = {}
    for item_id in rubric.items:  # the rubric's order, not the database's
        item = stored.get(item_id)
        if item is not None:
            if item.__class__ is DamagedRow:
                return _damaged(f"student {student!r}, item {item_id!r}", item)
            items[item_id] = item
    try:
        notes = _strings(warnings, "list of warnings")
    except DamagedRow as damage:
        return _damaged(f"student {student!r}", damage)
    return SubmissionResult(student, source, items, notes)


def _damaged(where: str, damage: DamagedRow) -> str:
    return (
        f"the gradebook's row for {where} is damaged ({damage}); the student is "
        "left out: grade their submission again to repair it"
    )


# The fields of an item result the gradebook does not store, with their defaults.
_UNSTORED_DEFAULTS = {
    field.name: field.default
    for field in dataclasses.fields(ItemResult)
    if field.default is not dataclasses.MISSING
}
_new = object.__new__


def _stored_item(row: tuple) -> ItemResult:
    """An item result from its row (`_STORED_ITEM_COLUMNS`). Made as pickle makes one, its
    fields set at once: a frozen dataclass's `__init__` sets each through
    `object.__setattr__`, most of the time a report's reading takes; ItemResult has no
    `__post_init__` to run (tests/test_pages_parallel.py)."""
    (
        item_id,
        verdict,
        marks,
        max_marks,
        feedback,
        answer,
        interpretation,
        mathml,
        group,
        diagnosis,
        position,
        caret,
        decision,
        found,
        notes,
    ) = row
    item = _new(ItemResult)
    item.__dict__.update(
        _UNSTORED_DEFAULTS,
        item_id=item_id,
        verdict=verdict,
        marks=marks,
        max_marks=max_marks,
        feedback=_strings(feedback, "feedback"),
        answer=answer,
        interpretation=interpretation,
        reading_mathml=mathml,
        answer_group=group,
        diagnosis=diagnosis,
        error_position=position,
        error_caret=caret,
        decision=_strings(decision, "decision path"),
        found=found,
        reading_notes=() if notes is None else _strings(notes, "reading notes"),
    )
    return item


def rubric_versions(connection: sqlite3.Connection, question: str) -> dict[str, str]:
    """Student → the SHA-256 of the rubric their stored results were graded under."""
    return dict(
        connection.execute(
            "SELECT submissions.student, runs.rubric_sha256 FROM submissions"
            " JOIN runs ON runs.id = submissions.run_id WHERE submissions.question = ?",
            (question,),
        )
    )


def other_versions(
    connection: sqlite3.Connection, question: str, sha256: str
) -> tuple[dict[str, str], int]:
    """The students of `question` graded under a rubric other than `sha256` (student → the
    SHA-256 they were graded under), and how many students the question has: what
    `rubric_versions` tells, without an entry for every student."""
    others = dict(
        connection.execute(
            "SELECT submissions.student, runs.rubric_sha256 FROM submissions JOIN runs ON"
            " runs.id = submissions.run_id WHERE submissions.question = ? AND"
            " runs.rubric_sha256 != ?",
            (question, sha256),
        )
    )
    (students,) = connection.execute(
        "SELECT COUNT(*) FROM submissions WHERE question = ?", (question,)
    ).fetchone()
    return others, students


# --- exams: several questions in one gradebook ---------------------------------------------------


def save_exam(connection: sqlite3.Connection, exam: Exam, replace_all: bool) -> None:
    """Remember the exam a gradebook is graded for. An exam file (`replace_all`) replaces what
    was remembered; questions given with `--rubric` are added at the end, weight 1, and a
    question already known keeps its place and weight. The questions known are read with
    the write lock held: two `grade` commands starting on one gradebook would otherwise both
    add the same question, and the second fail."""
    with connection:
        connection.execute("BEGIN IMMEDIATE")
        if replace_all:
            connection.execute("DELETE FROM exam")
            connection.execute("DELETE FROM exam_questions")
            connection.execute("INSERT INTO exam (id, title) VALUES (?, ?)", (exam.id, exam.title))
        known = {row[0] for row in connection.execute("SELECT question FROM exam_questions")}
        (last,) = connection.execute(
            "SELECT COALESCE(MAX(position), 0) FROM exam_questions"
        ).fetchone()
        for offset, question in enumerate(q for q in exam.questions if q.question not in known):
            connection.execute(
                "INSERT INTO exam_questions (question, position, weight, name, lms_column)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    question.question,
                    last + 1 + offset,
                    question.weight,
                    question.name,
                    question.lms_column,
                ),
            )


def stored_exam(connection: sqlite3.Connection) -> Exam:
    """The exam the gradebook was graded for: the questions remembered that have been graded,
    then any other question it holds results of (a gradebook of an older grader), in the
    order first graded."""
    row = connection.execute("SELECT id, title FROM exam").fetchone()
    exam_id, title = row if row is not None else ("", "")
    questions = [
        ExamQuestion(question, weight, name, lms_column=lms_column)
        for question, weight, name, lms_column in connection.execute(
            "SELECT question, weight, name, lms_column FROM exam_questions WHERE question IN"
            " (SELECT question FROM runs) ORDER BY position"
        )
    ]
    known = {q.question for q in questions}
    for (question,) in connection.execute(
        "SELECT question FROM runs GROUP BY question ORDER BY MIN(id)"
    ):
        if question not in known:
            questions.append(ExamQuestion(question))
            known.add(question)
    return Exam(exam_id, title, tuple(questions))


def latest_run_of(
    connection: sqlite3.Connection, question: str, loaded: Mapping[str, Rubric] | None = None
) -> StoredRun:
    """The latest run of one question: its rubric is the question's current one. `loaded`
    holds rubrics the caller has loaded already, by SHA-256: one of them is not loaded again."""
    row = connection.execute(
        "SELECT id, started_at, rubric_path, rubric_text, grader_version, sympy_version,"
        " rubric_sha256 FROM runs WHERE question = ? ORDER BY id DESC LIMIT 1",
        (question,),
    ).fetchone()
    if row is None:
        raise GradebookError(f"the gradebook has no run of question {question!r}")
    run_id, started_at, rubric_path, rubric_text, grader_version, sympy_version, sha = row
    known = (loaded or {}).get(sha)
    if known is not None and known.source_text == rubric_text:
        rubric = known
    else:
        rubric = load_rubric_text(rubric_text, rubric_path)
    return StoredRun(run_id, started_at, rubric, grader_version, sympy_version)


# --- a run's view of the class before it: what `grader grade` compares its results with ---------


def stored_result(connection: sqlite3.Connection, rubric: Rubric, student: str) -> SubmissionResult:
    """One student's stored result for `rubric`'s question (their exact id), as `iter_results`
    reads it: what a run stored a chunk ago, given back (`grade.grade_paths`'s `recall`)."""
    row = connection.execute(
        "SELECT source, warnings FROM submissions WHERE question = ? AND student = ?",
        (rubric.id, student),
    ).fetchone()
    if row is None:
        raise GradebookError(f"no stored result for student {student!r} in {rubric.id}")
    items = {
        item[0]: _item_or_damage(item)
        for item in connection.execute(
            f"SELECT {_STORED_ITEM_COLUMNS} FROM item_results WHERE question = ? AND student = ?",
            (rubric.id, student),
        )
    }
    result = _stored_result(rubric, student, *row, items)
    if isinstance(result, str):
        raise GradebookError(result)
    return result


def keep_previous(
    connection: sqlite3.Connection, question: str, run_id: int, students: Sequence[str]
) -> None:
    """Copy the rows `students` had before run `run_id` (those it has not written) into a
    temporary table of this connection (on disk, as SQLite keeps temporary tables), once a
    student: what `previous_rows` reads, after the run has replaced them."""
    connection.execute(
        "CREATE TEMP TABLE IF NOT EXISTS previous_rows (question TEXT NOT NULL, student TEXT NOT"
        " NULL, item_id TEXT NOT NULL, marks REAL NOT NULL, max_marks REAL NOT NULL, answer"
        " TEXT, PRIMARY KEY (question, student, item_id))"
    )
    with connection:
        for start in range(0, len(students), 500):  # within SQLite's limit of bound parameters
            some = students[start : start + 500]
            connection.execute(
                "INSERT OR IGNORE INTO temp.previous_rows (question, student, item_id, marks,"
                " max_marks, answer) SELECT question, student, item_id, marks, max_marks, answer"
                " FROM main.item_results WHERE question = ? AND run_id != ? AND student IN"
                f" ({', '.join('?' * len(some))})",
                (question, run_id, *some),
            )


def previous_rows(
    connection: sqlite3.Connection, question: str, students: Sequence[str]
) -> Iterator[tuple[str, str, float, float, str | None]]:
    """(student, item id, marks, max marks, answer) as they were before the run, for those of
    `students` `keep_previous` was given."""
    for start in range(0, len(students), 500):
        some = students[start : start + 500]
        yield from connection.execute(
            "SELECT student, item_id, marks, max_marks, answer FROM temp.previous_rows WHERE"
            f" question = ? AND student IN ({', '.join('?' * len(some))})",
            (question, *some),
        )


def forget_previous(connection: sqlite3.Connection) -> None:
    """Drop `keep_previous`'s table, at the end of a run."""
    with connection:
        connection.execute("DROP TABLE IF EXISTS temp.previous_rows")
