"""The report's reading of a chunk of the class (`gradebook.stored_item_rows`, what the main
process sends the page children, and `gradebook.results_of_rows`, what a child makes of it):
each student's result, or the words saying what of theirs is damaged, is what reading that
student alone gives (`gradebook.stored_result`, which makes each row on its own), whether
the rows are used as read or after the trip through pickle a child's rows make; equal rows
are sent as one object and made into one ItemResult; rows that differ in any value, a text's
type included, stay apart."""

from __future__ import annotations

import pickle
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from report_files import drawn_class

from grader import gradebook
from grader.errors import GraderError


def stored(db: Path, run, results) -> None:
    connection = gradebook.connect(db)
    try:
        run_id = gradebook.start_run(connection, run.rubric, run.rubric.source_text)
        gradebook.store_submissions(connection, run_id, run.rubric.id, results)
    finally:
        connection.close()


def alone(connection: sqlite3.Connection, rubric, student: str):
    """The student's result read alone, or the words saying what is damaged."""
    try:
        return gradebook.stored_result(connection, rubric, student)
    except GraderError as error:
        return str(error)


def twins_class(example, size: int):
    """A drawn class whose first four students have the same items (their rows equal but for
    the student), so that a chunk holds rows met several times."""
    results = drawn_class(example, 5, size)
    first = results[0]
    return [
        replace(result, items=first.items) if number < 4 else result
        for number, result in enumerate(results)
    ]


# Each: the SQL that damages or changes some rows of the twins (?1, ?2: the first item's id
# and the first twin's id), and the students told about (by their number).
CHANGES = {
    "nothing changed": ("SELECT ?1, ?2", []),
    "a row the four twins share, its feedback not JSON": (
        "UPDATE item_results SET feedback = 'not a list' WHERE item_id = ?1"
        " AND student IN (?2, 'student-001', 'student-002', 'student-003')",
        [0, 1, 2, 3],
    ),
    "two of the twins' rows, the decision not a list of texts": (
        "UPDATE item_results SET decision = '[1, 2]' WHERE item_id = ?1"
        " AND student IN (?2, 'student-002')",
        [0, 2],
    ),
    "one twin's reading notes a number": (
        "UPDATE item_results SET reading_notes = 7 WHERE item_id = ?1 AND student = ?2",
        [0],
    ),
    "one twin's warnings not JSON": (
        "UPDATE submissions SET warnings = '[' WHERE ?1 IS NOT NULL AND student = ?2",
        [0],
    ),
    "one twin's answer the same bytes, not a text: apart from the others": (
        "UPDATE item_results SET answer = CAST(answer AS BLOB) WHERE item_id = ?1"
        " AND student = ?2 AND answer IS NOT NULL",
        [],
    ),
    "one twin's marks another number: apart from the others": (
        "UPDATE item_results SET marks = marks + 0.5 WHERE item_id = ?1 AND student = ?2",
        [],
    ),
    "one twin's error position a fraction: apart from the others": (
        "UPDATE item_results SET error_position = 2.5 WHERE item_id = ?1 AND student = ?2",
        [],
    ),
}


@pytest.mark.parametrize("through_pickle", [False, True], ids=["as read", "through pickle"])
@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_each_result_of_a_chunk_is_the_student_read_alone(
    seed_class, tmp_path, change, through_pickle
):
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    results = twins_class(example, 12)
    stored(db, run, results)
    sql, told = CHANGES[change]
    first_item = next(iter(results[0].items))
    connection = gradebook.connect(db)
    try:
        with connection:
            connection.execute(sql, (first_item, "student-000"))
        chunk = gradebook.stored_submissions(connection, run.rubric.id).fetchall()
        rows = gradebook.stored_item_rows(connection, run.rubric.id, chunk)
        expected = [alone(connection, run.rubric, student) for student, _, _ in chunk]
    finally:
        connection.close()
    if through_pickle:
        rows = pickle.loads(pickle.dumps(rows))
    made = gradebook.results_of_rows(run.rubric, chunk, rows)
    assert made == expected
    damaged = [n for n, result in enumerate(made) if isinstance(result, str)]
    assert damaged == told
    for number in told:
        assert made[number].startswith(f"the gradebook's row for student 'student-{number:03d}'")


@pytest.mark.parametrize("through_pickle", [False, True], ids=["as read", "through pickle"])
def test_equal_rows_are_sent_as_one_object_and_made_into_one_item_result(
    seed_class, tmp_path, through_pickle
):
    run, example = seed_class
    db = tmp_path / "gradebook.sqlite"
    stored(db, run, twins_class(example, 10))
    connection = gradebook.connect(db)
    try:
        chunk = gradebook.stored_submissions(connection, run.rubric.id).fetchall()
        rows = gradebook.stored_item_rows(connection, run.rubric.id, chunk)
    finally:
        connection.close()
    if through_pickle:
        chunk, rows = pickle.loads(pickle.dumps((chunk, rows)))
    twins = {"student-000", "student-001", "student-002", "student-003"}
    twin_rows = [row for student, row in rows if student in twins]
    assert len({id(row) for row in twin_rows}) == len(twin_rows) // 4
    made = gradebook.results_of_rows(run.rubric, chunk, rows)
    first = made[0]
    for result in made[1:4]:
        assert all(result.items[i] is item for i, item in first.items.items())
        assert result.items.keys() == first.items.keys()
    # the other students' items are their own values, equal to the twins' where equal
    for result in made[4:]:
        for item_id, item in result.items.items():
            if item_id in first.items and item is not first.items[item_id]:
                assert item != first.items[item_id]
