"""The gradebook's cache of checks (`gradebook.CachedChecker`): a chunk's answers are looked
up a few queries at a time, not one query an answer, with the same results, hits and order;
a cached check is stored as the JSON of all its fields, as `dataclasses.asdict` gives them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from grader import gradebook
from grader.grade import Task
from grader.model import ItemResult
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")


class Made:
    """A checker that makes a result from each answer without checking it, and keeps the
    tasks it was given."""

    def __init__(self) -> None:
        self.seen: list[Task] = []

    def check(self, tasks):
        self.seen.extend(tasks)
        return [
            ItemResult(task.item_id, "correct", 1.0, 2.0, (f"read {task.text}",), task.text)
            for task in tasks
        ]


def _selects(connection) -> list[str]:
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    return statements


def test_a_chunk_is_looked_up_a_query_an_item_and_every_cached_answer_found(tmp_path):
    connection = gradebook.connect(tmp_path / "g.sqlite")
    stored = [Task("a.params", f"{n}CD") for n in range(700)] + [Task("b.params", "9CD + D")]
    gradebook.CachedChecker(Made(), connection, RUBRIC).check(stored)
    asked = [stored[-1], Task("a.params", "new"), *stored[:-1], Task("b.params", "new")]
    inner = Made()
    again = gradebook.CachedChecker(inner, connection, RUBRIC)
    statements = _selects(connection)
    results = again.check(asked)
    lookups = [s for s in statements if s.startswith("SELECT") and "check_cache" in s]
    # a.params: 701 answers, two queries (500 at most each); b.params: one.
    assert len(lookups) == 3
    assert inner.seen == [Task("a.params", "new"), Task("b.params", "new")]
    assert again.hits == len(asked) - 2
    assert [(r.item_id, r.answer) for r in results] == [(t.item_id, t.text) for t in asked]
    assert results == Made().check(asked)


def test_a_damaged_cached_check_is_reported_and_checked_again(tmp_path):
    connection = gradebook.connect(tmp_path / "g.sqlite")
    tasks = [Task("a.params", "CD"), Task("a.params", "C + D")]
    gradebook.CachedChecker(Made(), connection, RUBRIC).check(tasks)
    with connection:
        connection.execute("UPDATE check_cache SET result = '{' WHERE answer = 'C + D'")
    told: list[str] = []
    inner = Made()
    checker = gradebook.CachedChecker(inner, connection, RUBRIC, on_damaged=told.append)
    assert checker.check(tasks) == Made().check(tasks)
    assert inner.seen == [tasks[1]]
    assert told == [
        "the gradebook's cached check of item 'a.params' for the answer 'C + D' is damaged "
        "(not valid JSON); it was checked again"
    ]


@pytest.mark.parametrize(
    "result",
    [
        ItemResult("a.params", "correct", 2.0, 2.0, ()),
        ItemResult(
            "a.formula",
            "partial",
            1.5,
            3.0,
            ("Your bias is «missing»", "second line"),
            answer="y = W x",
            interpretation="y = W·x",
            diagnosis="bias_missing",
            error_position=3,
            error_caret="  ^",
            reading_mathml="<math><mi>y</mi></math>",
            answer_group="g1",
            decision=("read", "compared"),
            count_values=(3, None, 12),
            nominal_values=(4, 5),
            count_shown="C·D",
            nominal_shown="C·D + D",
            found="from line 14: y = W x",
            reading_notes=("read p as P",),
            instructor_decision="2/3: fine",
        ),
    ],
)
def test_a_cached_check_is_stored_as_asdict_gives_it(result):
    assert gradebook._item_to_json(result) == json.dumps(
        dataclasses.asdict(result), ensure_ascii=False
    )
    assert gradebook._item_from_json(gradebook._item_to_json(result)) == result
