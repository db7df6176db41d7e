# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""`grader.score.add_count_notes` keeps each formula result it notes, by the result and the
count as shown, since a class repeats its answers and shares their results: a kept note must
be the one made afresh and name its own count and formula (tests/test_kept.py: never another
result's, and bounded)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from grader import score
from grader.model import ItemResult
from grader.rubric import load_rubric_text

RUBRIC = load_rubric_text(
    r"""
    id: KEPT
    title: A formula and its counts
    symbols:
      C: {meaning: the input channels, example: 2}
      D: {meaning: the output channels, example: 5}
    parts:
      o:
        marks: 3
        prompt: A layer, its weights and its parameters.
        items:
          formula:
            type: formula
            marks: 1
            input: {name: x, shape: [C]}
            output: {name: y, shape: [D]}
            answer: 'y_{k} = \sum_{l=1}^{C} w_{l,k} x_{l} + b_k'
          weights:
            type: count
            marks: 1
            answer: 'CD'
          params:
            type: count
            marks: 1
            answer: 'CD + D'
    """,
    "kept.yaml",
)
ROLES = {"o.formula": "defines", "o.weights": "states", "o.params": "states"}


def formula(shown: str, values: tuple[int, ...]) -> ItemResult:
    return ItemResult(
        "o.formula", "incorrect", 0.0, 1.0, ("Not the layer asked for.",),
        count_values=values, count_shown=shown,
    )  # fmt: skip


def count(shown: str, values: tuple[int, ...]) -> ItemResult:
    return ItemResult(
        "o.params", "correct", 1.0, 1.0, ("Correct.",), count_values=values, count_shown=shown
    )


def notes(formula_result: ItemResult, count_result: ItemResult) -> ItemResult:
    items = {"o.formula": formula_result, "o.params": count_result}
    return score.add_count_notes(RUBRIC, items, lambda item: ROLES[item.id])["o.formula"]


@pytest.mark.parametrize(
    ("formula_shown", "formula_values", "count_shown", "count_values", "note"),
    [
        ("C·D", (10,), "C·D + D", (15,), "Your count (C·D + D) does not match your own formula, which has C·D parameters."),
        ("C", (2,), "C·D + D", (15,), "Your count (C·D + D) does not match your own formula, which has C parameters."),
        ("C·D", (10,), "D", (5,), "Your count (D) does not match your own formula, which has C·D parameters."),
        ("C·D", (10,), "C·D", (10,), None),
    ],
)  # fmt: skip
def test_a_note_kept_is_the_note_made_afresh(
    formula_shown, formula_values, count_shown, count_values, note
):
    shared = formula(formula_shown, formula_values)
    first = notes(shared, count(count_shown, count_values))
    again = notes(shared, count(count_shown, count_values))
    score._DISAGREEING.clear()
    afresh = notes(shared, count(count_shown, count_values))
    assert first == again == afresh
    assert first.feedback == (*shared.feedback, *([note] if note else []))


def test_one_formula_result_noted_for_two_counts_names_each():
    shared = formula("C·D", (10,))
    for shown, values in [("C·D + D", (15,)), ("D", (5,)), ("C·D + D", (15,))]:
        noted = notes(shared, count(shown, values))
        assert noted.feedback[-1].startswith(f"Your count ({shown}) does not match")


def test_a_formula_without_a_count_is_noted_for_none():
    """A formula whose count is unknown (unread, or no layer to count) says nothing of a
    count."""
    unknown = formula("C·D", (10,))
    unknown = ItemResult(**{**unknown.__dict__, "count_values": None, "count_shown": None})
    assert notes(unknown, count("D", (5,))) == unknown


@pytest.mark.parametrize(
    ("weights", "params", "notes_said"),
    [
        # both counts disagree with the formula's C: each is told (only the last was)
        (("C·D", (10,)), ("C·D + D", (15,)), [
            "Your count (C·D) does not match your own formula, which has C parameters.",
            "Your count (C·D + D) does not match your own formula, which has C parameters.",
        ]),
        # one agrees: the other alone is told
        (("C", (2,)), ("C·D + D", (15,)), [
            "Your count (C·D + D) does not match your own formula, which has C parameters.",
        ]),
        # two counts written alike: said once
        (("D", (5,)), ("D", (5,)), [
            "Your count (D) does not match your own formula, which has C parameters.",
        ]),
    ],
)  # fmt: skip
def test_each_count_that_disagrees_has_its_own_note(weights, params, notes_said):
    shared = formula("C", (2,))
    items = {
        "o.formula": shared,
        "o.weights": replace(count(*weights), item_id="o.weights"),
        "o.params": count(*params),
    }
    noted = score.add_count_notes(RUBRIC, items, lambda item: ROLES[item.id])
    assert noted["o.formula"].feedback == (*shared.feedback, *notes_said)
