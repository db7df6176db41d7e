"""A part with two formulas and one count: the count is compared with the formula it states.
A count that is one formula's is no disagreement with the other's (it once gave the second,
correct formula the false note "Your count (C·D + D) does not match your own formula, which
has D·E + E parameters")."""

from __future__ import annotations

import pytest
from submitted import grade_answers

from grader.rubric import load_rubric_text

RUBRIC = load_rubric_text(
    r"""
id: TWO
title: Two 1x1 convolutions, one count
symbols:
  P: {meaning: the height, example: 4}
  Q: {meaning: the width, example: 3}
  C: {meaning: the input channels, example: 2}
  D: {meaning: the middle channels, example: 5}
  E: {meaning: the output channels, example: 6}
parts:
  a:
    marks: 5
    prompt: Two 1x1 convolutions, x to y and y to z, and the parameters of the first.
    items:
      first:
        type: formula
        marks: 2
        input: {name: x, shape: [P, Q, C]}
        output: {name: y, shape: [P, Q, D]}
        answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k'
      second:
        type: formula
        marks: 2
        input: {name: y, shape: [P, Q, D]}
        output: {name: z, shape: [P, Q, E]}
        answer: 'z_{i,j,k} = \sum_{l=1}^{D} v_{l,k} y_{i,j,l} + c_k'
      params:
        type: count
        marks: 1
        answer: 'CD + D'
""",
    "two.yaml",
)
FIRST = r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k"
SECOND = r"z_{i,j,k} = \sum_{l=1}^{D} v_{l,k} y_{i,j,l} + c_k"


def _grade(answers: dict[str, str]):
    return grade_answers(RUBRIC, answers).items


@pytest.mark.parametrize(
    ("count", "first_notes", "second_notes"),
    [
        pytest.param("CD + D", (), (), id="the first formula's count: no note on either"),
        pytest.param("DE + E", (), (), id="the second formula's count: no note on either"),
        pytest.param(
            "CD",
            ("Your count (C·D) does not match your own formula, which has C·D + D parameters.",),
            ("Your count (C·D) does not match your own formula, which has D·E + E parameters.",),
            id="a count that is neither's: both say so",
        ),
    ],
)
def test_a_count_is_compared_with_the_formula_it_states(count, first_notes, second_notes):
    items = _grade({"a.first": FIRST, "a.second": SECOND, "a.params": count})
    correct = ("Correct: your formula defines the same layer.",)
    assert (items["a.first"].verdict, items["a.first"].feedback) == (
        "correct",
        correct + first_notes,
    )
    assert (items["a.second"].verdict, items["a.second"].feedback) == (
        "correct",
        correct + second_notes,
    )
