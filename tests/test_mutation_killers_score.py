# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""A part's formula and count graded together, pinned whole (issue 21: tests that bite).

`grader.score.add_count_notes` tells a student when their count is not their own formula's,
and a count's kind carries marks forward from the student's own wrong formula
(`follow_through`, in `grader/kinds/count/score.py`). Each row grades one submission's
formula and count of a part and pins both results: verdict, marks, diagnosis, every line of
feedback and the recorded decision. Unreadable, too large and missing answers and an
explanation with no concepts to score it by (`grader/score.py`'s shared results) are here too.
"""

from __future__ import annotations

import re

import pytest
from submitted import grade_answers

from grader.rubric import load_rubric_text

RUBRIC = load_rubric_text(
    r"""
    id: NOTES
    title: A part's formula and count compared
    symbols:
      P: {meaning: the height, example: 4}
      Q: {meaning: the width, example: 3}
      C: {meaning: the input channels, example: 2}
      D: {meaning: the output channels, example: 5}
    parts:
      o:
        marks: 3
        prompt: A 1x1 convolution and its parameters.
        items:
          formula:
            type: formula
            marks: 2
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k'
          params:
            type: count
            marks: 1
            answer: 'CD + D'
            bias: 'D'
      e:
        marks: 1
        prompt: Explain.
        items:
          why:
            type: text
            marks: 1
            answer: Anything.
      c:
        marks: 3
        prompt: The same layer, with marks carried forward.
        items:
          formula:
            type: formula
            marks: 2
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k'
          params:
            type: count
            marks: 1
            answer: 'CD + D'
            bias: 'D'
            follow_through: true
            partial_credit: {follow_through: 0.5, term_factor: 0.25}
      d:
        marks: 4
        prompt: The same layer, with one mark carried forward.
        items:
          formula:
            type: formula
            marks: 2
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k'
          params:
            type: count
            marks: 2
            answer: 'CD + D'
            bias: 'D'
            follow_through: true
            partial_credit: {follow_through: 1}
      t:
        marks: 5
        prompt: Two layers, one after the other, and the parameters of the first.
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
            output: {name: z, shape: [P, Q, D]}
            answer: 'z_{i,j,k} = \sum_{l=1}^{D} v_{l,k} y_{i,j,l}'
          params:
            type: count
            marks: 1
            answer: 'CD + D'
            bias: 'D'
""",
    "notes.yaml",
)


def _grade(answers: dict[str, str]):
    return grade_answers(RUBRIC, answers)


def _whole(result):
    return ((result.verdict, result.marks, result.diagnosis), result.feedback, result.decision)


CASES = [
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        "PQCD + D",
        "o",
        {
            "o.formula": (
                ("correct", 2.0, None),
                (
                    "Correct: your formula defines the same layer.",
                    "Your count (P·Q·C·D + D) does not match your own formula, which has C·D + D parameters.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "o.params": (
                ("incorrect", 0.0, "term_factor"),
                (
                    "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases, D, are right.",
                    "With P=4, Q=3, C=2, D=5 your count gives 125; the correct count is 15.",
                ),
                (
                    "read as P·Q·C·D + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "marks 0",
                ),
            ),
        },
        id="a right formula with a wrong count: the formula says they disagree",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        "D(C+1)",
        "o",
        {
            "o.formula": (
                ("correct", 2.0, None),
                ("Correct: your formula defines the same layer.",),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "o.params": (
                ("correct", 1.0, None),
                ("Correct.",),
                (
                    "read as D·(C + 1)",
                    "equivalent to the reference",
                    "full marks 1",
                ),
            ),
        },
        id="a right formula with its count: no note",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_k",
        "PQCD + D",
        "o",
        {
            "o.formula": (
                ("incorrect", 0.0, "unshared_weights"),
                (
                    "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[i,j,l,k]·x[i,j,l] + b[k]",
                    "not the reference's layer",
                    "differs: unshared_weights",
                    "marks 0",
                ),
            ),
            "o.params": (
                ("incorrect", 0.0, "term_factor"),
                (
                    "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases, D, are right.",
                    "With P=4, Q=3, C=2, D=5 your count gives 125; the correct count is 15.",
                ),
                (
                    "read as P·Q·C·D + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "marks 0",
                ),
            ),
        },
        id="a wrong formula with its own count: no note",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_k",
        "CD + D",
        "o",
        {
            "o.formula": (
                ("incorrect", 0.0, "unshared_weights"),
                (
                    "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
                    "Your count (C·D + D) does not match your own formula, which has P·Q·C·D + D parameters.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[i,j,l,k]·x[i,j,l] + b[k]",
                    "not the reference's layer",
                    "differs: unshared_weights",
                    "marks 0",
                ),
            ),
            "o.params": (
                ("correct", 1.0, None),
                ("Correct.",),
                (
                    "read as C·D + D",
                    "equivalent to the reference",
                    "full marks 1",
                ),
            ),
        },
        id="a wrong formula with the right count: the formula says they disagree",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} \\sum_{m=1}^{P} w_{l,k,m} x_{i,j,l} + b_k",
        "PCD + D",
        "o",
        {
            "o.formula": (
                ("correct", 2.0, None),
                (
                    "Correct: your formula defines the same layer.",
                    "Your formula writes P·C·D + D parameters, but only C·D + D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} Σ_{m=1..P} w[l,k,m]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "o.params": (
                ("incorrect", 0.0, "term_factor"),
                (
                    "Your weights: P·C·D, with an extra factor of P; the correct weights are C·D. Your biases, D, are right.",
                    "With P=4, C=2, D=5 your count gives 45; the correct count is 15.",
                ),
                (
                    "read as P·C·D + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "marks 0",
                ),
            ),
        },
        id="a count of the weights a formula writes: no note",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} \\sum_{m=1}^{P} w_{l,k,m} x_{i,j,l} + b_k",
        "CD + D",
        "o",
        {
            "o.formula": (
                ("correct", 2.0, None),
                (
                    "Correct: your formula defines the same layer.",
                    "Your formula writes P·C·D + D parameters, but only C·D + D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} Σ_{m=1..P} w[l,k,m]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "o.params": (
                ("correct", 1.0, None),
                ("Correct.",),
                (
                    "read as C·D + D",
                    "equivalent to the reference",
                    "full marks 1",
                ),
            ),
        },
        id="a count of the weights that act: no note",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        "CD + $",
        "o",
        {
            "o.formula": (
                ("correct", 2.0, None),
                ("Correct: your formula defines the same layer.",),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "o.params": (
                ("invalid", 0.0, None),
                (
                    "We could not read your answer: the answer ends too early: expected a number, a symbol or '(' (at column 7).",
                    "Write the count as a formula in the question's symbols, e.g. 2*C*D + D.",
                    "An instructor will read it; its 0 marks are provisional until then.",
                ),
                (
                    "could not be read: the answer ends too early: expected a number, a symbol or '(' (at column 7)",
                ),
            ),
        },
        id="an unreadable count: no note, the count goes to a person",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        None,
        "o",
        {
            "o.formula": (
                ("correct", 2.0, None),
                ("Correct: your formula defines the same layer.",),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "o.params": (
                ("missing", 0.0, None),
                ("No answer was given for this item.",),
                ("no answer",),
            ),
        },
        id="a missing count",
    ),
    pytest.param(
        None,
        "C^(10^9)",
        "o",
        {
            "o.formula": (
                ("missing", 0.0, None),
                ("No answer was given for this item.",),
                ("no answer",),
            ),
            "o.params": (
                ("invalid", 0.0, None),
                (
                    "We could not read your answer: too large to check: exponents of symbols are limited to 40 (at column 1).",
                    "This answer is too large to check; write it over the question's sizes.",
                    "An instructor will read it; its 0 marks are provisional until then.",
                ),
                (
                    "could not be read: too large to check: exponents of symbols are limited to 40 (at column 1)",
                ),
            ),
        },
        id="a count too large to check",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_k",
        "PQCD + D",
        "c",
        {
            "c.formula": (
                ("incorrect", 0.0, "unshared_weights"),
                (
                    "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[i,j,l,k]·x[i,j,l] + b[k]",
                    "not the reference's layer",
                    "differs: unshared_weights",
                    "marks 0",
                ),
            ),
            "c.params": (
                ("partial", 0.5, "follow_through"),
                (
                    "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases, D, are right.",
                    "Your count is right for your own formula of part (c), which has P·Q·C·D + D parameters: 0.5 of the 1 marks are carried forward from it. Your formula is not the layer the question asks for, and loses its own marks.",
                    "With P=4, Q=3, C=2, D=5 your count gives 125; the correct count is 15.",
                ),
                (
                    "read as P·Q·C·D + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "right for the student's formula c.formula: marks carried forward",
                    "marks 0.5",
                ),
            ),
        },
        id="a wrong formula's own count earns the marks carried forward",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} \\sum_{m=1}^{P} w_{i,j,l,k,m} x_{i,j,l} + b_k",
        "P^2QCD + D",
        "c",
        {
            "c.formula": (
                ("incorrect", 0.0, "unshared_weights"),
                (
                    "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
                    "Your formula writes P²·Q·C·D + D parameters, but only P·Q·C·D + D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} Σ_{m=1..P} w[i,j,l,k,m]·x[i,j,l] + b[k]",
                    "not the reference's layer",
                    "differs: unshared_weights",
                    "marks 0",
                ),
            ),
            "c.params": (
                ("partial", 0.5, "follow_through"),
                (
                    "Your weights: P²·Q·C·D, a set of weights for every position (an extra factor of P²·Q); this layer uses the same weights at every position, so C·D. Your biases, D, are right.",
                    "Your count is right for your own formula of part (c), which writes P²·Q·C·D + D parameters: 0.5 of the 1 marks are carried forward from it. Your formula is not the layer the question asks for, and loses its own marks. Only P·Q·C·D + D of those parameters act independently, though: weights that are only ever added together count as one.",
                    "With P=4, Q=3, C=2, D=5 your count gives 485; the correct count is 15.",
                ),
                (
                    "read as P²·Q·C·D + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "right for the student's formula c.formula: marks carried forward",
                    "marks 0.5",
                ),
            ),
        },
        id="the weights a wrong formula writes earn the marks carried forward",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} \\sum_{m=1}^{P} w_{i,j,l,k,m} x_{i,j,l} + b_k",
        "PQCD + D",
        "c",
        {
            "c.formula": (
                ("incorrect", 0.0, "unshared_weights"),
                (
                    "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
                    "Your formula writes P²·Q·C·D + D parameters, but only P·Q·C·D + D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} Σ_{m=1..P} w[i,j,l,k,m]·x[i,j,l] + b[k]",
                    "not the reference's layer",
                    "differs: unshared_weights",
                    "marks 0",
                ),
            ),
            "c.params": (
                ("partial", 0.5, "follow_through"),
                (
                    "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases, D, are right.",
                    "Your count is right for your own formula of part (c), which has P·Q·C·D + D parameters: 0.5 of the 1 marks are carried forward from it. Your formula is not the layer the question asks for, and loses its own marks.",
                    "With P=4, Q=3, C=2, D=5 your count gives 125; the correct count is 15.",
                ),
                (
                    "read as P·Q·C·D + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "right for the student's formula c.formula: marks carried forward",
                    "marks 0.5",
                ),
            ),
        },
        id="the weights that act in a wrong formula earn the marks carried forward",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_k",
        "PQCD + 2D",
        "c",
        {
            "c.formula": (
                ("incorrect", 0.0, "unshared_weights"),
                (
                    "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
                    "Your count (P·Q·C·D + 2·D) does not match your own formula, which has P·Q·C·D + D parameters.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[i,j,l,k]·x[i,j,l] + b[k]",
                    "not the reference's layer",
                    "differs: unshared_weights",
                    "marks 0",
                ),
            ),
            "c.params": (
                ("incorrect", 0.0, "several_terms"),
                (
                    "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases: 2·D, 2 per value of D, 2 times the correct D.",
                    "With P=4, Q=3, C=2, D=5 your count gives 130; the correct count is 15.",
                ),
                (
                    "read as P·Q·C·D + 2·D",
                    "not equivalent to the reference",
                    "generic diagnosis several_terms",
                    "marks 0",
                ),
            ),
        },
        id="a count that is not the formula's own earns nothing carried forward",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        "PQCD + D",
        "c",
        {
            "c.formula": (
                ("correct", 2.0, None),
                (
                    "Correct: your formula defines the same layer.",
                    "Your count (P·Q·C·D + D) does not match your own formula, which has C·D + D parameters.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "c.params": (
                ("partial", 0.25, "term_factor"),
                (
                    "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases, D, are right.",
                    "With P=4, Q=3, C=2, D=5 your count gives 125; the correct count is 15.",
                ),
                (
                    "read as P·Q·C·D + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "marks 0.25",
                ),
            ),
        },
        id="nothing is carried forward from a right formula",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        "C/2 + D",
        "o",
        {
            "o.formula": (
                ("correct", 2.0, None),
                ("Correct: your formula defines the same layer.",),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "o.params": (
                ("incorrect", 0.0, "term_factor"),
                (
                    "Your weights: C/2, missing a factor of 2·D: the correct weights are C·D. Your biases, D, are right.",
                    "With C=2, D=5 your count gives 6; the correct count is 15.",
                ),
                (
                    "read as C/2 + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "marks 0",
                ),
            ),
        },
        id="a count that is no whole number at some sizes is not compared with the formula",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} \\sum_{m=1}^{P} w_{l,k,m} x_{i,j,l} + b_k",
        "PCD/2 + D",
        "o",
        {
            "o.formula": (
                ("correct", 2.0, None),
                (
                    "Correct: your formula defines the same layer.",
                    "Your formula writes P·C·D + D parameters, but only C·D + D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
                    "Your count (1/2·P·C·D + D) does not match your own formula, which has C·D + D parameters.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} Σ_{m=1..P} w[l,k,m]·x[i,j,l] + b[k]",
                    "same layer as the reference",
                    "full marks 2",
                ),
            ),
            "o.params": (
                ("incorrect", 0.0, "term_factor"),
                (
                    "Your weights: P·C·D/2, off by a factor of P/2: missing 2, with an extra P; the correct weights are C·D. Your biases, D, are right.",
                    "With P=4, C=2, D=5 your count gives 25; the correct count is 15.",
                ),
                (
                    "read as P·C·D/2 + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "marks 0",
                ),
            ),
        },
        id="a count of half the weights a formula writes is compared with it",
    ),
    pytest.param(
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_k",
        "PQCD + D",
        "d",
        {
            "d.formula": (
                ("incorrect", 0.0, "unshared_weights"),
                (
                    "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
                ),
                (
                    "read as y[i,j,k] = Σ_{l=1..C} w[i,j,l,k]·x[i,j,l] + b[k]",
                    "not the reference's layer",
                    "differs: unshared_weights",
                    "marks 0",
                ),
            ),
            "d.params": (
                ("partial", 1.0, "follow_through"),
                (
                    "Your weights: P·Q·C·D, a set of weights for every position (an extra factor of P·Q); this layer uses the same weights at every position, so C·D. Your biases, D, are right.",
                    "Your count is right for your own formula of part (d), which has P·Q·C·D + D parameters: 1 of the 2 marks is carried forward from it. Your formula is not the layer the question asks for, and loses its own marks.",
                    "With P=4, Q=3, C=2, D=5 your count gives 125; the correct count is 15.",
                ),
                (
                    "read as P·Q·C·D + D",
                    "not equivalent to the reference",
                    "generic diagnosis term_factor",
                    "right for the student's formula d.formula: marks carried forward",
                    "marks 1",
                ),
            ),
        },
        id="one mark carried forward is one mark",
    ),
]


@pytest.mark.parametrize(("formula", "count", "part", "expected"), CASES)
def test_a_parts_formula_and_count_get_their_whole_results(formula, count, part, expected):
    answers = {f"{part}.formula": formula, f"{part}.params": count}
    result = _grade({item: text for item, text in answers.items() if text is not None})
    assert {item: _whole(result.items[item]) for item in expected} == expected


def test_an_explanation_with_no_concepts_goes_to_a_person():
    result = _grade({"e.why": "Because."}).items["e.why"]
    assert _whole(result) == (
        ("needs_review", 0.0, None),
        (
            "This explanation is not scored automatically (the rubric lists no concepts for it); an instructor will review it.",
        ),
        ("sent for review: item type text",),
    )
    assert result.answer_group == "text:Because."


def test_unreadable_answers_are_grouped_by_their_text_spacing_aside():
    first = _grade({"o.params": "CD  +  $"}).items["o.params"]
    second = _grade({"o.params": " CD + $"}).items["o.params"]
    assert first.answer_group == second.answer_group == "text:CD + $"
    assert (first.error_position, first.verdict) == (8, "invalid")  # the column of $


def _problems(text: str) -> list[tuple[int, str, str]]:
    from grader.rubric_check import check_rubric

    return [
        (problem.line, problem.key, problem.message)
        for problem in check_rubric(load_rubric_text(text, "notes.yaml"))
    ]


ALWAYS = [
    (
        32,
        "parts.e.items.why.answer",
        "the reference answer is graded needs_review (0/1), not correct: the item has no "
        "concepts, so every answer goes to an instructor; add concepts (see docs/rubrics.md)",
    ),
    (
        44,
        "parts.c.items.params.partial_credit.term_factor",
        "no test exercises this rule; add one to tests: with item: c.params and diagnosis: "
        "term_factor",
    ),
]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(("", ""), None, id="follow_through with its marks is fine"),
        pytest.param(
            ("follow_through: 0.5, ", ""),
            (
                44,
                "parts.c.items.params.follow_through",
                "is true, but partial_credit gives no follow_through marks: add "
                "partial_credit: {follow_through: MARKS}",
            ),
            id="follow_through without marks is never given",
        ),
        pytest.param(
            ("            follow_through: true\n", ""),
            (
                44,
                "parts.c.items.params.partial_credit.follow_through",
                "is never given: marks are carried forward only with follow_through: true",
            ),
            id="marks for follow_through without it are never given",
        ),
    ],
)
def test_follow_through_and_its_marks_come_together_in_the_self_test(change, problem):
    text = RUBRIC.source_text.replace(*change, 1)  # part c's
    expected = [*ALWAYS[:1], *([problem] if problem else []), *ALWAYS[1:]]
    assert _problems(text) == expected


FIRST_LAYER = (
    ("correct", 2.0, None),
    ("Correct: your formula defines the same layer.",),
    (
        "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]",
        "same layer as the reference",
        "full marks 2",
    ),
)
SECOND_LAYER = (
    ("correct", 2.0, None),
    ("Correct: your formula defines the same layer.",),
    (
        "read as z[i,j,k] = Σ_{l=1..D} v[l,k]·y[i,j,l]",
        "same layer as the reference",
        "full marks 2",
    ),
)


def _noted(whole, note):
    return (whole[0], (*whole[1], note), whole[2])


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        pytest.param(
            "CD + D",
            {
                "t.first": FIRST_LAYER,
                "t.second": SECOND_LAYER,
                "t.params": (
                    ("correct", 1.0, None),
                    ("Correct.",),
                    ("read as C·D + D", "equivalent to the reference", "full marks 1"),
                ),
            },
            id="the first formula's count: no note on either formula",
        ),
        pytest.param(
            "D^2",
            {
                "t.first": FIRST_LAYER,
                "t.second": SECOND_LAYER,
                "t.params": (
                    ("incorrect", 0.0, "several_terms"),
                    (
                        "Your weights: D², off by a factor of D/C: missing C, with an extra D; the correct weights are C·D. You left out the biases: this layer has D, one per value of D.",
                        "With C=2, D=5 your count gives 25; the correct count is 15.",
                    ),
                    (
                        "read as D²",
                        "not equivalent to the reference",
                        "generic diagnosis several_terms",
                        "marks 0",
                    ),
                ),
            },
            id="the second formula's count: wrong for the item, no note on either formula",
        ),
        pytest.param(
            "CD",
            {
                "t.first": _noted(
                    FIRST_LAYER,
                    "Your count (C·D) does not match your own formula, which has C·D + D parameters.",
                ),
                "t.second": _noted(
                    SECOND_LAYER,
                    "Your count (C·D) does not match your own formula, which has D² parameters.",
                ),
                "t.params": (
                    ("incorrect", 0.0, "bias_missing"),
                    (
                        "Your count leaves out the biases: this layer has D learnable biases, one per output, and they are learnable parameters too.",
                        "With C=2, D=5 your count gives 10; the correct count is 15.",
                    ),
                    (
                        "read as C·D",
                        "not equivalent to the reference",
                        "generic diagnosis bias_missing",
                        "marks 0",
                    ),
                ),
            },
            id="a count that is neither formula's: both formulas say so",
        ),
    ],
)
def test_a_count_that_is_one_formulas_of_its_part_is_no_disagreement_with_another(count, expected):
    first = r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k"
    second = r"z_{i,j,k} = \sum_{l=1}^{D} v_{l,k} y_{i,j,l}"
    result = _grade({"t.first": first, "t.second": second, "t.params": count})
    assert {item: _whole(result.items[item]) for item in expected} == expected


@pytest.mark.parametrize(
    ("answer", "group"),
    [("CD + D", "text:CD + D"), (None, None)],
    ids=["with an answer", "without one"],
)
def test_a_failure_of_the_grader_goes_to_an_instructor(answer, group):
    from grader.score import score_error

    result = score_error(RUBRIC.items["o.params"], answer, "MemoryError")
    assert (result.verdict, result.marks, result.max_marks, result.answer) == (
        "error",
        0.0,
        1.0,
        answer,
    )
    assert result.feedback == (
        "The grader failed on this answer (MemoryError); an instructor will review it.",
    )
    assert (result.decision, result.answer_group) == (("grader failure: MemoryError",), group)


@pytest.mark.parametrize(
    ("advice", "feedback"),
    [
        pytest.param(
            "Write the count as a formula.",
            (
                "We could not read your answer: a stray $ (at column 6).",
                "Write the count as a formula.",
                "An instructor will read it; its 0 marks are provisional until then.",
            ),
            id="with its kind's advice",
        ),
        pytest.param(
            None,
            (
                "We could not read your answer: a stray $ (at column 6).",
                "An instructor will read it; its 0 marks are provisional until then.",
            ),
            id="a kind without advice adds no line",
        ),
    ],
)
def test_an_unreadable_answer_says_where_with_its_kinds_advice_if_any(advice, feedback):
    from grader.errors import AnswerError
    from grader.score import score_invalid

    error = AnswerError("CD + $", 5, "a stray $")
    result = score_invalid(RUBRIC.items["o.params"], "CD + $", error, advice)
    assert _whole(result) == (
        ("invalid", 0.0, None),
        feedback,
        ("could not be read: a stray $ (at column 6)",),
    )
    assert (result.error_position, result.answer_group) == (5, "text:CD + $")


def test_formulas_of_one_layer_share_an_answer_group_named_by_sixteen_hex_digits():
    first = r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k"
    scaled = r"y_{i,j,k} = \sum_{l=1}^{C} 2 w_{l,k} x_{i,j,l} + b_k"
    unshared = r"y_{i,j,k} = \sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_k"
    groups = [
        _grade({"o.formula": f}).items["o.formula"].answer_group for f in (first, scaled, unshared)
    ]
    assert re.fullmatch(r"formula:[0-9a-f]{16}::", groups[0]), groups[0]
    assert groups[0] == groups[1] != groups[2]
