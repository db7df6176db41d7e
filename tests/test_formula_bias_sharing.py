# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""Whole results for a bias shared the other way from the reference's, in both directions.

A reference layer with one bias for every output (`+ b`) and a student's bias that changes
with the output (`b_k`, `b_{i,j,k}`, `b_n`) is `bias_varies`: the student's bias is the one
that is not shared. The other way round (the reference's bias per output or per channel, the
student's one `b`) stays `bias_shared`. Each row pins the verdict, the marks, the diagnosis
and every line of feedback. The last table is a layer with two inputs whose kernel differs
only across the second axis, which the one-input comparison of each input words.
"""

from __future__ import annotations

import pytest

from grader.grade import grade_answer
from grader.rubric import load_rubric_text

RUBRIC = load_rubric_text(
    r"""
    id: BIAS
    title: Biases shared or not
    symbols:
      P: {meaning: the height, example: 4}
      Q: {meaning: the width, example: 3}
      N: {meaning: the tokens, example: 4}
      C: {meaning: the input channels, example: 2}
      D: {meaning: the output channels, example: 5}
    parts:
      d:
        marks: 4
        prompt: A dense layer with one bias for every output.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [C]}
            output: {name: y, shape: [D]}
            answer: 'y_k = \sum_{l=1}^{C} w_{l,k} x_l + b'
            partial_credit: {bias_varies: 1, bias_shared: 2}
      c:
        marks: 4
        prompt: A 1x1 convolution with one bias for every output.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b'
            partial_credit: {bias_varies: 1.5}
      p:
        marks: 4
        prompt: A projection of tokens with one bias for every output.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [N, C]}
            output: {name: y, shape: [N, D]}
            answer: 'y_{n,k} = \sum_{l=1}^{C} w_{l,k} x_{n,l} + b'
            partial_credit: {bias_varies: 2.5}
      e:
        marks: 4
        prompt: A dense layer with a bias for each output.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [C]}
            output: {name: y, shape: [D]}
            answer: 'y_k = \sum_{l=1}^{C} w_{l,k} x_l + b_k'
            partial_credit: {bias_varies: 1, bias_shared: 2}
      o:
        marks: 4
        prompt: A 1x1 convolution with a bias for each output channel.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k'
            partial_credit: {bias_varies: 1, bias_shared: 3}
      s:
        marks: 4
        prompt: One score per token (a single output column) with one bias.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [N, C]}
            output: {name: y, shape: [N, 1]}
            answer: 'y_{n,k} = \sum_{l=1}^{C} w_{l,k} x_{n,l} + b'
            partial_credit: {bias_varies: 0.5, bias_unshared: 3}
    """,
    "bias.yaml",
)

DENSE = r"\sum_{l=1}^{C} w_{l,k} x_l"
ONE_BY_ONE = r"\sum_{l=1}^{C} w_{l,k} x_{i,j,l}"
TOKENS = r"\sum_{l=1}^{C} w_{l,k} x_{n,l}"
VARIES = "Your bias differs from output to output; this layer has one bias, shared by every output."

CASES = [
    # the reference's one bias, the student's varying with the output: bias_varies
    pytest.param(
        "d.formula",
        f"y_k = {DENSE} + b_k",
        ("partial", 1.0, "bias_varies"),
        (VARIES,),
        id="dense: b_k where one b",
    ),
    pytest.param(
        "d.formula",
        f"y_k = {DENSE} + b",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="dense: the one b is correct",
    ),
    pytest.param(
        "c.formula",
        f"y_{{i,j,k}} = {ONE_BY_ONE} + b_{{i,j,k}}",
        ("partial", 1.5, "bias_varies"),
        (VARIES,),
        id="1x1: a bias per output where one b",
    ),
    pytest.param(
        "c.formula",
        f"y_{{i,j,k}} = {ONE_BY_ONE} + b_k",
        ("partial", 1.5, "bias_varies"),
        (
            "Your bias differs from output channel to output channel; this layer has one bias, shared by every output.",
        ),
        id="1x1: a bias per channel where one b",
    ),
    pytest.param(
        "c.formula",
        f"y_{{i,j,k}} = {ONE_BY_ONE} + b_{{i,j}}",
        ("partial", 1.5, "bias_varies"),
        (VARIES,),
        id="1x1: a bias per position where one b",
    ),
    pytest.param(
        "p.formula",
        f"y_{{n,k}} = {TOKENS} + b_n",
        ("partial", 2.5, "bias_varies"),
        (VARIES,),
        id="projection: a bias per token where one b",
    ),
    pytest.param(
        "p.formula",
        f"y_{{n,k}} = {TOKENS} + b_k",
        ("partial", 2.5, "bias_varies"),
        (
            "Your bias differs from output column to output column; this layer has one bias, shared by every output.",
        ),
        id="projection: a bias per column where one b",
    ),
    # one output column: its one bias is both shared and per column (`b` and `b_k` alike),
    # so a bias per row is told as varying from output to output, not per column
    pytest.param(
        "s.formula",
        r"y_{n,k} = \sum_{l=1}^{C} w_{l,k} x_{n,l} + b_n",
        ("partial", 0.5, "bias_varies"),
        (VARIES,),
        id="one column: a bias per token where one b",
    ),
    pytest.param(
        "s.formula",
        r"y_{n,k} = \sum_{l=1}^{C} w_{l,k} x_{n,l} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="one column: b_k is the one b",
    ),
    # the other way round: the student's one bias where the reference's varies: bias_shared
    pytest.param(
        "e.formula",
        f"y_k = {DENSE} + b",
        ("partial", 2.0, "bias_shared"),
        ("Your bias is shared by outputs that should each have their own bias.",),
        id="dense: one b where a bias per output",
    ),
    pytest.param(
        "o.formula",
        f"y_{{i,j,k}} = {ONE_BY_ONE} + b",
        ("partial", 3.0, "bias_shared"),
        ("Your bias is shared where each output channel needs its own.",),
        id="1x1: one b where a bias per channel",
    ),
    pytest.param(
        "o.formula",
        f"y_{{i,j,k}} = {ONE_BY_ONE} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="1x1: b_k is correct",
    ),
]


@pytest.mark.parametrize(("item", "answer", "outcome", "feedback"), CASES)
def test_a_bias_shared_the_other_way_from_the_references(item, answer, outcome, feedback):
    result = grade_answer(RUBRIC, RUBRIC.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


# Two inputs: a 3x3 convolution of x beside a 1x1 convolution of z. Each input is compared as
# a layer of its own (`grader/kinds/formula/inputs.py`), without the whole-image test of a
# one-input layer: a kernel of 3x2 is told as 3x2, never as spanning the whole image.
TWO_INPUTS = load_rubric_text(
    r"""
    id: TWO
    title: Two inputs
    symbols:
      P: {meaning: the height, example: 6}
      Q: {meaning: the width, example: 5}
      C: {meaning: the channels of x, example: 2}
      S: {meaning: the channels of z, example: 3}
      D: {meaning: the output channels, example: 4}
    parts:
      a:
        marks: 4
        prompt: A convolution of x beside a 1x1 convolution of z.
        items:
          formula:
            type: formula
            marks: 4
            inputs: [{name: x, shape: [P, Q, C]}, {name: z, shape: [P, Q, S]}]
            output: {name: y, shape: [P, Q, D]}
            padding: none
            answer: 'y_{i,j,k} = \sum_{u=1}^{3}\sum_{v=1}^{3}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-1,j+v-1,l} + \sum_{m=1}^{S} a_{m,k} z_{i,j,m} + b_k'
            partial_credit: {kernel_size: 1, bias_varies: 2}
    """,
    "two.yaml",
)

Z = r"\sum_{m=1}^{S} a_{m,k} z_{i,j,m}"
X = r"\sum_{u=1}^{3}\sum_{v=1}^{3}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-1,j+v-1,l}"

TWO_CASES = [
    pytest.param(
        rf"y_{{i,j,k}} = \sum_{{u=1}}^{{3}}\sum_{{v=1}}^{{2}}\sum_{{l=1}}^{{C}} w_{{u,v,l,k}} x_{{i+u-1,j+v-1,l}} + {Z} + b_k",
        ("partial", 1.0, "kernel_size"),
        ("Your kernel spans 3×2 positions instead of 3×3 positions.",),
        id="a 3x2 kernel of x is told as 3x2",
    ),
    pytest.param(
        f"y_{{i,j,k}} = {X} + {Z} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="the reference is correct",
    ),
]


@pytest.mark.parametrize(("answer", "outcome", "feedback"), TWO_CASES)
def test_a_kernel_of_one_of_two_inputs_in_its_own_words(answer, outcome, feedback):
    result = grade_answer(TWO_INPUTS, TWO_INPUTS.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback
