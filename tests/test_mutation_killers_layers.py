# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""Whole results that pin how a layer formula is enumerated (issue 21: tests that bite).

The survivors of a mutation sample of `grader/kinds/formula/layer.py` after its rewrite
(strides, groups, activations, pooling): a weight written with different numbers of indices,
the sizes named in a fractional index's message, an index coefficient near the limit of exact
arithmetic; and, from a sample after the day's merges (seed 47), a sum's end that is a
fraction, an output index naming too many outputs, a window of two dilated taps; and, from
the sample after the faster distinct checks (seed 47 again), a letter of an output index
over more values than a sum may run over, refused with their count. Each row
pins the verdict, the marks, the diagnosis and every line of feedback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade_answer
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent
CONV1D = load_rubric(ROOT / "rubrics" / "conv1d-q1.yaml")

RUBRIC = load_rubric_text(
    r"""
    id: LAYERS
    title: Layer enumeration
    symbols:
      P: {meaning: the length, example: 4}
      D: {meaning: the output channels, example: 3}
    parts:
      a:
        marks: 4
        prompt: A 1x1 convolution of two input channels.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, 2]}
            output: {name: y, shape: [P, D]}
            answer: 'y_{i,k} = \sum_{l=1}^{2} w_{l,k} x_{i,l} + b_k'
            partial_credit: {weight_sharing: 1.5}
      v:
        marks: 4
        prompt: A fully connected layer of vectors.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P]}
            output: {name: y, shape: [D]}
            answer: 'y_{k} = \sum_{l=1}^{P} w_{l,k} x_{l} + b_k'
            partial_credit: {not_fully_connected: 1}
      s:
        marks: 4
        prompt: A kernel of 3 adjacent taps at stride 2, zero padding 1, two input channels.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, 2]}
            output: {name: y, shape: ['\lfloor (P-1)/2 \rfloor + 1', D]}
            answer: 'y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{2} w_{u,l,k} x_{2i-1+u,l} + b_k'
            partial_credit: {dilation: 2.5, kernel_size: 0.5}
    """,
    "layers.yaml",
)

CASES = [
    pytest.param(
        RUBRIC,
        "a.formula",
        r"y_{i,k} = w_{k} x_{i,1} + w_{k,0} x_{i,2} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="w_k and w_{k,0} are two weights: a weight's number of indices tells it apart",
    ),
    pytest.param(
        RUBRIC,
        "a.formula",
        r"y_{i,k} = w_{k} x_{i,1} + w_{k} x_{i,2} + b_k",
        ("partial", 1.5, "weight_sharing"),
        (
            "Every output reads the right inputs, but your formula ties together weights that should be separate.",
        ),
        id="one weight w_k on both channels is tied",
    ),
    pytest.param(
        RUBRIC,
        "a.formula",
        r"y_{i,k} = w_{k} x_{i,1} - w_{k} x_{i,1}",
        ("incorrect", 0.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=5, D=4, y[1,1] should read x[1,1], but in your formula it does not.",
            "Your formula has no bias; this layer has one: each output column has one, shared by every row.",
            "Your formula writes D parameters, but only 0 (with P=5, D=4) of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        id="every weight cancels: no parameter acts, and it is said",
    ),
    pytest.param(
        RUBRIC,
        "a.formula",
        r"y_{i,k} = \sum_{l=1}^{2} w_{600000 1000000 l, 600000 1000000 k} x_{i,l} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="weights indexed by numbers too spread to pack into one integer are still told apart",
    ),
    pytest.param(
        RUBRIC,
        "a.formula",
        r"y_{i,k} = \sum_{l=1}^{2} w_{600000 1000000 l, 600000 1000000 i} x_{i,l} + b_k",
        ("incorrect", 0.0, "channel_independent"),
        (
            "Your weights do not depend on the output column, so all D output columns would differ only by their bias: each output column needs its own weights.",
            "Your weights depend on the row, so they are not shared across rows: this is not a projection, which applies the same weights to every row.",
        ),
        id="weights too spread to pack, indexed by the row and not the column",
    ),
    pytest.param(
        CONV1D,
        "a.formula",
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u-(K+C)/2,l} + b_k",
        ("needs_review", 0.0, "fractional_index"),
        (
            r"Your formula is not a whole number everywhere: the index -C/2 - K/2 + t + u is not a whole number at C=2, K=3; round it with \lfloor ... \rfloor where a position is meant. Positions and the bounds of sums are whole numbers; where one is meant, round it, e.g. \lfloor K/2 \rfloor.",
            "An instructor will review it.",
        ),
        id="a fractional index names every size it depends on",
    ),
    pytest.param(
        CONV1D,
        "a.formula",
        r"y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u+600000 1000000 t,l} + b_k",
        ("incorrect", 0.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=9, K=3, C=2, D=4, y[1,1] should read x[1,1], but in your formula it does not.",
            "Your term with x_{t+u+600000 1000000 t,l} reads x only outside its range, for every output: under zero padding it is always zero, so it adds nothing to the layer.",
        ),
        id="an index coefficient of 6e11, under the 2**40 limit, is checked, not refused",
    ),
    pytest.param(
        CONV1D,
        "a.formula",
        r"y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k + \sum_{m=2}^{1} v_{m,k} x_{t+999999999 999999999 m,1}",
        ("correct", 3.0, None),
        ("Correct: your formula defines the same layer.",),
        id="an empty sum adds nothing and its indices are never evaluated",
    ),
    pytest.param(
        RUBRIC,
        "v.formula",
        r"y_{k} = w_{k} x_{1} + b_k",
        ("partial", 1.0, "not_fully_connected"),
        (
            "Not every output reads every input (with P=5, D=4, y[1] should read x[2], but in your formula it does not); in a fully connected layer every output reads every input.",
        ),
        id="a layer of vectors has no positions: reading one input is not called a 1x1 convolution",
    ),
    pytest.param(
        RUBRIC,
        "a.formula",
        r"y_{i,k} = w_{0,k} x_{i,1} + w_{65536 65536,k} x_{i,2} + w_{0,65536 65536-D+k}",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="weights whose rows would wrap to one 64-bit number if packed stay apart",
    ),
    pytest.param(
        CONV1D,
        "a.formula",
        r"y_{t,k} = \sum_{u=1}^{K/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u-1,l} + b_k",
        ("needs_review", 0.0, "fractional_index"),
        (
            r"Your formula is not a whole number everywhere: the end of the sum over u is 3/2 at P=9, K=3, C=2, D=4, not a whole number. Positions and the bounds of sums are whole numbers; where one is meant, round it, e.g. \lfloor K/2 \rfloor.",
            "An instructor will review it.",
        ),
        id="a sum's end that is a fraction is named as the end of that sum",
    ),
    pytest.param(
        RUBRIC,
        "a.formula",
        r"y_{i,n+m-1} = w_{n} x_{i,1}, 1 \le n \le 9000, 1 \le m \le 9000",
        ("invalid", 0.0, None),
        (
            "We could not read your answer: this output index names too many outputs (at column 1).",
            "This answer is too large to check; write it over the question's sizes.",
            "An instructor will read it; its 0 marks are provisional until then.",
        ),
        id="an output index over 9000 x 9000 letters names too many outputs to enumerate",
    ),
    pytest.param(
        RUBRIC,
        "a.formula",
        r"y_{i,n+m-1} = w_{n} x_{i,1}, 1 \le n \le 20000, 1 \le m \le 2",
        ("invalid", 0.0, None),
        (
            "We could not read your answer: n runs over 20000 values (at column 1).",
            "This answer is too large to check; write it over the question's sizes.",
            "An instructor will read it; its 0 marks are provisional until then.",
        ),
        id="a letter of an output index over 20000 values is refused with its count",
    ),
    pytest.param(
        RUBRIC,
        "s.formula",
        r"y_{i,k} = \sum_{u=0}^{1}\sum_{l=1}^{2} w_{u,l,k} x_{2i-2+2u,l} + b_k",
        ("partial", 2.5, "dilation"),
        (
            "Your kernel is dilated: its taps are 2 positions apart, but this layer's kernel reads adjacent positions.",
        ),
        id="a window of only two taps, two apart, is dilated",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "outcome", "feedback"), CASES)
def test_a_layers_enumeration_shows_in_its_whole_result(rubric, item, answer, outcome, feedback):
    result = grade_answer(rubric, rubric.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback
