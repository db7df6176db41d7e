"""Each long text a class repeats (feedback, interpretation, reading MathML, decision path)
stored once in the gradebook's table `texts` and referred to by key: read back exactly as
before, old gradebooks (the texts inline) read and upgraded, texts no row refers to swept at
the end of a run, hash collisions stored inline, and two processes storing into one
gradebook, sweeping as they go, both right."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from grader import gradebook
from grader.model import ItemResult, SubmissionResult
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")


def item(item_id: str, number: int, version: str = "") -> ItemResult:
    """An item result with long texts (keyed) and short ones (inline), repeated by the class."""
    return ItemResult(
        item_id=item_id,
        verdict="partial",
        marks=0.5,
        max_marks=2.0,
        feedback=(f"feedback {version}{number % 3}: check the sign of each term", "é ∑ </script>"),
        answer=f" answer {number % 5} ",
        interpretation="x + 1" if number % 2 else f"(x + 1)/(x - {number % 4}) {version}as a ratio",
        diagnosis="misconception 1",
        error_position=3,
        error_caret="^",
        reading_mathml=None
        if number % 7 == 0
        else f"<math><mi>x</mi><mo>+</mo><mn>{version}{number % 3}</mn></math>",
        answer_group=f"group {number % 2}",
        decision=("read", f"step {number % 4} of the decision path {version}"),
        found="from line 14: x",
        reading_notes=() if number % 2 else ("read p as P",),
    )


def results(count: int, version: str = "", prefix: str = "student") -> list[SubmissionResult]:
    return [
        SubmissionResult(
            f"{prefix}-{n:03d}",
            f"{prefix}-{n:03d}.yaml",
            {i: item(i, n + index, version) for index, i in enumerate(RUBRIC.items)},
            (f"warning {n}",) if n % 2 else (),
        )
        for n in range(count)
    ]


def stored(connection: sqlite3.Connection, run_id: int) -> list[SubmissionResult]:
    return list(gradebook.iter_results(connection, gradebook.current_run(run_id, RUBRIC)))


def referred(connection: sqlite3.Connection) -> set[int]:
    """The keys the item rows refer to."""
    return {
        key
        for column in gradebook._KEYED_COLUMNS
        for (key,) in connection.execute(
            f"SELECT {column}_ref FROM item_results WHERE {column}_ref IS NOT NULL"
        )
    }


def keys(connection: sqlite3.Connection) -> set[int]:
    return {key for (key,) in connection.execute("SELECT key FROM texts")}


def test_long_texts_are_stored_once_and_read_back_as_before(tmp_path):
    connection = gradebook.connect(tmp_path / "gradebook.sqlite")
    run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    class_ = results(40)
    for start in range(0, 40, 16):
        gradebook.store_submissions(connection, run_id, RUBRIC.id, class_[start : start + 16])
    assert stored(connection, run_id) == class_
    distinct = {
        text
        for result in class_
        for i in result.items.values()
        for text in (
            json.dumps(list(i.feedback), ensure_ascii=False),
            i.interpretation,
            i.reading_mathml,
            json.dumps(list(i.decision), ensure_ascii=False),
        )
        if text is not None and len(text) > gradebook._INLINE_LENGTH
    }
    assert sorted(t for (t,) in connection.execute("SELECT text FROM texts")) == sorted(distinct)
    assert keys(connection) == referred(connection)
    # a short text stays in its row; a long one leaves its column empty
    rows = connection.execute(
        "SELECT interpretation, interpretation_ref, feedback, reading_mathml FROM item_results"
    ).fetchall()
    assert {(i, r is None) for i, r, _, _ in rows if i is not None and len(i) <= 24} == {
        ("x + 1", True)
    }
    assert {(f, m) for _, _, f, m in rows} == {("", None)}
    # the rows compare equal to what would be written: a second store writes nothing
    assert gradebook.store_submissions(connection, run_id, RUBRIC.id, class_) == 0
    connection.close()


def test_stored_item_rows_give_the_texts_in_place_one_object_each(tmp_path):
    connection = gradebook.connect(tmp_path / "gradebook.sqlite")
    run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    gradebook.store_submissions(connection, run_id, RUBRIC.id, results(12))
    chunk = gradebook.stored_submissions(connection, RUBRIC.id).fetchall()
    rows = gradebook.stored_item_rows(connection, RUBRIC.id, chunk)
    connection.close()
    expected = [
        (r.student, i.item_id, i.verdict, i.marks, i.max_marks,
         json.dumps(list(i.feedback), ensure_ascii=False), i.answer, i.interpretation,
         i.reading_mathml, i.answer_group, i.diagnosis, i.error_position, i.error_caret,
         json.dumps(list(i.decision), ensure_ascii=False), i.found,
         json.dumps(list(i.reading_notes), ensure_ascii=False))
        for r in results(12)
        for i in r.items.values()
    ]  # fmt: skip
    assert sorted(rows, key=repr) == sorted(expected, key=repr)
    texts = [value for row in rows for value in row if isinstance(value, str)]
    one: dict[str, str] = {}
    assert all(one.setdefault(text, text) is text for text in texts)


# The schema as graders before the table `texts` wrote it (grader/gradebook.py's SCHEMA and
# _ADDED_COLUMNS of the commit before): every text inline.
OLD_SCHEMA = """
CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, question TEXT NOT NULL,
    rubric_path TEXT NOT NULL, rubric_sha256 TEXT NOT NULL, rubric_text TEXT NOT NULL,
    grader_version TEXT NOT NULL, sympy_version TEXT NOT NULL);
CREATE TABLE submissions (question TEXT NOT NULL, student TEXT NOT NULL, source TEXT NOT NULL,
    warnings TEXT NOT NULL, run_id INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (question, student));
CREATE TABLE item_results (question TEXT NOT NULL, student TEXT NOT NULL,
    item_id TEXT NOT NULL, verdict TEXT NOT NULL, marks REAL NOT NULL, max_marks REAL NOT NULL,
    feedback TEXT NOT NULL, answer TEXT, interpretation TEXT, reading_mathml TEXT,
    answer_group TEXT, diagnosis TEXT, error_position INTEGER, error_caret TEXT,
    decision TEXT NOT NULL, run_id INTEGER NOT NULL REFERENCES runs(id), found TEXT,
    reading_notes TEXT, answer_key TEXT, PRIMARY KEY (question, student, item_id),
    FOREIGN KEY (question, student) REFERENCES submissions(question, student));
CREATE TABLE overrides (question TEXT NOT NULL, student TEXT NOT NULL, item_id TEXT NOT NULL,
    marks REAL NOT NULL, note TEXT NOT NULL, answer TEXT, created_at TEXT NOT NULL,
    reviewer TEXT, answer_key TEXT, PRIMARY KEY (question, student, item_id));
"""


def old_gradebook(path: Path, class_: list[SubmissionResult]) -> None:
    """A gradebook as the grader before `texts` wrote it, holding `class_`."""
    connection = sqlite3.connect(path)
    connection.executescript(OLD_SCHEMA)
    with connection:
        connection.execute(
            "INSERT INTO runs VALUES (1, '2026-12-01T00:00:00+00:00', ?, ?, ?, ?, '0.1', '1.12')",
            (RUBRIC.id, RUBRIC.path, RUBRIC.sha256, RUBRIC.source_text),
        )
        for result in class_:
            connection.execute(
                "INSERT INTO submissions VALUES (?, ?, ?, ?, 1)",
                (RUBRIC.id, result.student, result.source, json.dumps(list(result.warnings))),
            )
            for i in result.items.values():
                connection.execute(
                    "INSERT INTO item_results (question, student, run_id, item_id, verdict,"
                    " marks, max_marks, feedback, answer, interpretation, reading_mathml,"
                    " answer_group, diagnosis, error_position, error_caret, decision, found,"
                    " reading_notes, answer_key) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    " ?, ?, ?, ?, ?, ?)",
                    (RUBRIC.id, result.student, i.item_id, i.verdict, i.marks, i.max_marks,
                     json.dumps(list(i.feedback), ensure_ascii=False), i.answer,
                     i.interpretation, i.reading_mathml, i.answer_group, i.diagnosis,
                     i.error_position, i.error_caret,
                     json.dumps(list(i.decision), ensure_ascii=False), i.found,
                     json.dumps(list(i.reading_notes), ensure_ascii=False), i.answer.strip()),
                )  # fmt: skip
    connection.close()


def test_an_old_gradebook_is_read_as_before_and_upgraded_in_place(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    class_ = results(10)
    old_gradebook(path, class_)
    connection = gradebook.connect(path)  # the upgrade: the new columns and tables
    columns = {row[1] for row in connection.execute("PRAGMA table_info(item_results)")}
    assert {f"{c}_ref" for c in gradebook._KEYED_COLUMNS} <= columns
    assert keys(connection) == set()
    assert stored(connection, 1) == class_
    assert gradebook.stored_result(connection, RUBRIC, "student-003") == class_[3]
    # re-graded, a student's rows are written the new way, the others stay as they were
    run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    assert gradebook.store_submissions(connection, run_id, RUBRIC.id, class_[:4]) == 4
    assert stored(connection, run_id) == class_
    new_way = connection.execute(
        "SELECT DISTINCT student FROM item_results WHERE reading_mathml_ref IS NOT NULL"
    ).fetchall()
    assert sorted(new_way) == [(f"student-{n:03d}",) for n in range(4)]
    assert keys(connection) == referred(connection) != set()
    connection.close()


def test_texts_no_row_refers_to_are_swept_at_the_end_of_a_run(tmp_path):
    connection = gradebook.connect(tmp_path / "gradebook.sqlite")
    first = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    gradebook.store_submissions(connection, first, RUBRIC.id, results(20))
    gradebook.forget_previous(connection)
    before = keys(connection)
    assert before == referred(connection)
    # nothing replaced: nothing to sweep
    assert connection.execute("SELECT dirty FROM texts_state").fetchall() == [(0,)]
    for version in ("v2 ", "v3 ", "v4 "):  # every run changes the texts: none piles up
        run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
        gradebook.store_submissions(connection, run_id, RUBRIC.id, results(20, version))
        assert connection.execute("SELECT dirty FROM texts_state").fetchall() == [(1,)]
        assert keys(connection) > referred(connection)
        gradebook.forget_previous(connection)  # the end of the run
        assert keys(connection) == referred(connection)
        assert not keys(connection) & before
        assert stored(connection, run_id) == results(20, version)
    assert gradebook.sweep_texts(connection) == 0  # swept already
    connection.close()


def test_a_text_swept_by_another_connection_is_stored_again(tmp_path):
    """What a process remembers of the texts stored is void once a sweep removed texts."""
    path = tmp_path / "gradebook.sqlite"
    one, other = gradebook.connect(path), gradebook.connect(path)
    run_id = gradebook.start_run(one, RUBRIC, RUBRIC.source_text)
    gradebook.store_submissions(one, run_id, RUBRIC.id, results(6))
    gradebook.store_submissions(other, run_id, RUBRIC.id, results(6, "v2 "))
    assert gradebook.sweep_texts(other) > 0  # the first texts are gone
    gradebook.store_submissions(one, run_id, RUBRIC.id, results(6))
    assert stored(one, run_id) == results(6)
    assert keys(one) >= referred(one)
    one.close()
    other.close()


def test_a_copy_of_a_gradebook_is_not_taken_for_it(tmp_path):
    """What this process knows stored in one file is not taken as stored in its copy (the
    copy made before the texts were stored in the first)."""
    path = tmp_path / "gradebook.sqlite"
    connection = gradebook.connect(path)
    run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    connection.close()
    copy = tmp_path / "copy.sqlite"
    shutil.copy(path, copy)
    for where in (path, copy):
        connection = gradebook.connect(where)
        gradebook.store_submissions(connection, run_id, RUBRIC.id, results(6))
        assert stored(connection, run_id) == results(6)
        assert keys(connection) == referred(connection)
        connection.close()


@pytest.fixture
def colliding(monkeypatch):
    """Every text hashed to one key: collisions of hashes, made certain."""
    monkeypatch.setattr(gradebook, "_new_key", lambda text: (1 << 62) + 12345)
    monkeypatch.setattr(gradebook, "_keys_of_thread", threading.local())


def test_texts_whose_keys_collide_are_stored_inline(tmp_path, colliding, monkeypatch):
    connection = gradebook.connect(tmp_path / "gradebook.sqlite")
    run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    gradebook.store_submissions(connection, run_id, RUBRIC.id, results(5))
    assert stored(connection, run_id) == results(5)
    assert connection.execute("SELECT COUNT(*) FROM texts").fetchone() == (1,)
    # another process (texts met afresh) meets other texts with the stored one's key
    monkeypatch.setattr(gradebook, "_keys_of_thread", threading.local())
    monkeypatch.setattr(gradebook, "_known", {})
    gradebook.store_submissions(connection, run_id, RUBRIC.id, results(5, "v2 ")[:3])
    assert stored(connection, run_id) == results(5, "v2 ")[:3] + results(5)[3:]
    connection.close()


def test_a_text_missing_from_texts_makes_the_row_damaged_not_empty(tmp_path, monkeypatch):
    connection = gradebook.connect(tmp_path / "gradebook.sqlite")
    run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    class_ = results(4)
    gradebook.store_submissions(connection, run_id, RUBRIC.id, class_)
    (key,) = connection.execute(
        "SELECT reading_mathml_ref FROM item_results WHERE student = 'student-001'"
        " AND reading_mathml_ref IS NOT NULL LIMIT 1"
    ).fetchone()
    with connection:
        connection.execute("DELETE FROM texts WHERE key = ?", (key,))
    damaged: list[str] = []
    back = list(
        gradebook.iter_results(connection, gradebook.current_run(run_id, RUBRIC), damaged.append)
    )
    users = sorted(
        student
        for (student,) in connection.execute(
            "SELECT DISTINCT student FROM item_results WHERE reading_mathml_ref = ?", (key,)
        )
    )
    assert [r.student for r in back] == [r.student for r in class_ if r.student not in users]
    assert len(damaged) == len(users) and all(
        "a text it refers to is missing from the table texts" in message for message in damaged
    )
    # grading the students again (a new process: it knows of no text stored) repairs them,
    # though their rows are left as they were
    monkeypatch.setattr(gradebook, "_known", {})
    assert gradebook.store_submissions(connection, run_id, RUBRIC.id, class_) == 0
    assert stored(connection, run_id) == class_
    connection.close()


def _store_and_sweep(path: Path, prefix: str, barrier, failures) -> None:
    try:
        connection = gradebook.connect(path)
        barrier.wait(timeout=30)
        for round_ in range(12):
            version = ("", "v2 ", "v3 ")[round_ % 3]
            run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
            class_ = results(24, version, prefix)
            for start in range(0, 24, 8):
                gradebook.store_submissions(
                    connection, run_id, RUBRIC.id, class_[start : start + 8]
                )
            gradebook.forget_previous(connection)  # sweeps
        connection.close()
    except Exception as error:  # reported to the test
        failures.put(f"{prefix}: {type(error).__name__}: {error}")
        raise


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork to race cheaply"
)
def test_two_processes_storing_and_sweeping_one_gradebook_both_read_back_right(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    gradebook.connect(path).close()
    context = multiprocessing.get_context("fork")
    barrier, failures = context.Barrier(2), context.Queue()
    racers = [
        context.Process(target=_store_and_sweep, args=(path, prefix, barrier, failures))
        for prefix in ("left", "right")
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=300)
    assert [racer.exitcode for racer in racers] == [0, 0], failures.get(timeout=1)
    connection = gradebook.connect(path)
    run_id = gradebook.latest_run(connection).id
    last = ("", "v2 ", "v3 ")[11 % 3]
    assert stored(connection, run_id) == results(24, last, "left") + results(24, last, "right")
    gradebook.sweep_texts(connection)
    assert keys(connection) == referred(connection)
    connection.close()
