# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""Whole results of counts, one row per way a count can be wrong (issue 21: tests that bite).

Each row pins the verdict, the marks, the diagnosis and every line of feedback, so that a
change to the check (`grader/kinds/count/check.py`), its arithmetic
(`grader/kinds/count/polynomials.py`) or its scoring (`grader/kinds/count/score.py`) that a
student would see fails a test: a comparison flipped, a counterexample giving the correct
value as the student's ("your count gives 95; the correct count is 95"), a working step
checked the wrong way round, a quotient added wrongly (`C/D + D/C` as `(C+D)/D`). The rubric is
written here, with different partial credit for each diagnosis, so that each diagnosis shows
in the marks too. `tools/mutate.py` measures how many such changes the tests notice
(docs/testing.md).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from grader.grade import grade_answer
from grader.kinds.count.check import SAMPLE_POINTS, _sample_points
from grader.kinds.count.polynomials import SizeClass, evaluate, size_classes_text
from grader.rubric import load_rubric_text

RUBRIC = load_rubric_text(
    """
    id: DIAG
    title: Count diagnoses
    symbols:
      P: {meaning: the height, example: 4}
      Q: {meaning: the width, example: 3}
      C: {meaning: the input channels, example: 2}
      D: {meaning: the output channels, example: 5}
    parts:
      x:
        marks: 4
        prompt: How many?
        items:
          n:
            type: count
            marks: 4
            answer: 'PQCD + PQD'
            partial_credit:
              symbols_swapped: 3.5
              symbol_replaced: 0.5
              constant_factor: 1
              factor_extra: 1.5
              factor_missing: 2
              term_missing: 2.5
              term_factor: 3
            misconceptions:
              - answer: 'PQCD'
                feedback: Only the weights.
                marks: 0.25
      y:
        marks: 2
        prompt: How many, as a number?
        items:
          k:
            type: count
            marks: 2
            answer: '7'
            partial_credit:
              constant_factor: 1
      z:
        marks: 2
        prompt: With biases
        items:
          n:
            type: count
            marks: 2
            answer: 'CD + D'
            bias: 'D'
            partial_credit:
              bias_missing: 1
      w:
        marks: 2
        prompt: Without biases
        items:
          n:
            type: count
            marks: 2
            answer: 'CD'
            bias: 'D'
            bias_included: false
            partial_credit:
              bias_extra: 1
""",
    "diagnoses.yaml",
)

CASES = [
    pytest.param(
        "x.n",
        "PQCD + PQD",
        ("correct", 4.0, None),
        ("Correct.",),
        id="the reference is correct",
    ),
    pytest.param(
        "x.n",
        "PQD(C+1) = PQCD + PQD",
        ("correct", 4.0, None),
        ("Correct.",),
        id="correct working that holds says only Correct",
    ),
    pytest.param(
        "x.n",
        "PQCD + PQD = PQD(C+2) = PQD(C+1)",
        ("correct", 4.0, None),
        (
            "Correct.",
            "One step of your working does not hold: P·Q·D·(C + 2) is not equal to P·Q·D·(C + 1). Your final answer is what is graded.",
        ),
        id="a correct final answer after a broken step is correct with a note",
    ),
    pytest.param(
        "x.n",
        "PQCD + PQD = PQD(C+1) = PQD(C+2)",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: P·Q·C·D + 2·P·Q·D; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 240; the correct count is 180.",
            "One step of your working does not hold: P·Q·C·D + P·Q·D is not equal to P·Q·D·(C + 2). Your final answer is what is graded.",
            "One step of your working does not hold: P·Q·D·(C + 1) is not equal to P·Q·D·(C + 2). Your final answer is what is graded.",
        ),
        id="each broken step of a wrong answer is named",
    ),
    pytest.param(
        "x.n",
        "PQCD",
        ("partial", 0.25, "misconception 1"),
        (
            "Only the weights.",
            "With P=4, Q=3, C=2, D=5 your count gives 120; the correct count is 180.",
        ),
        id="a misconception earns its marks and feedback",
    ),
    pytest.param(
        "x.n",
        "PQCD + PQC",
        ("partial", 3.5, "symbols_swapped"),
        (
            "Your count has C and D the wrong way round: where the correct count uses C you use D, and the other way round.",
            "With P=4, Q=3, C=2, D=5 your count gives 144; the correct count is 180.",
        ),
        id="C and D swapped",
    ),
    pytest.param(
        "x.n",
        "PPCD + PPD",
        ("partial", 0.5, "symbol_replaced"),
        (
            "Your count uses P (the height) where Q (the width) belongs.",
            "With P=4, Q=3, C=2, D=5 your count gives 240; the correct count is 180.",
        ),
        id="P written where Q belongs",
    ),
    pytest.param(
        "x.n",
        "2PQCD + 2PQD",
        ("partial", 1.0, "constant_factor"),
        (
            "Your count is off by a constant factor: it is 2 times the correct count.",
            "With P=4, Q=3, C=2, D=5 your count gives 360; the correct count is 180.",
        ),
        id="twice the count",
    ),
    pytest.param(
        "x.n",
        "(PQCD + PQD)/2",
        ("partial", 1.0, "constant_factor"),
        (
            "Your count is off by a constant factor: it is 1/2 of the correct count.",
            "With P=4, Q=3, C=2, D=5 your count gives 90; the correct count is 180.",
        ),
        id="half the count",
    ),
    pytest.param(
        "x.n",
        "P(PQCD + PQD)",
        ("partial", 1.5, "factor_extra"),
        (
            "Your count has an extra factor of P: it is P times the correct count.",
            "With P=4, Q=3, C=2, D=5 your count gives 720; the correct count is 180.",
        ),
        id="an extra factor P",
    ),
    pytest.param(
        "x.n",
        "QCD + QD",
        ("partial", 2.0, "factor_missing"),
        (
            "Your count is missing a factor of P.",
            "With P=4, Q=3, C=2, D=5 your count gives 45; the correct count is 180.",
        ),
        id="a missing factor P",
    ),
    pytest.param(
        "x.n",
        "2QCD + 2QD",
        ("partial", 2.0, "factor_missing"),
        (
            "Your count is off by a factor of 2/P: it is missing P and has an extra 2.",
            "With P=4, Q=3, C=2, D=5 your count gives 90; the correct count is 180.",
        ),
        id="a factor 2/P",
    ),
    pytest.param(
        "x.n",
        "(C+1)/D",
        ("partial", 2.0, "factor_missing"),
        (
            "Your count is missing a factor of P·Q·D².",
            "With P=4, Q=3, C=2, D=5 your count gives 3/5; the correct count is 180.",
        ),
        id="a missing factor PQD squared",
    ),
    pytest.param(
        "x.n",
        "PQD",
        ("partial", 2.5, "term_missing"),
        (
            "Your count is missing a term: the correct count also has P·Q·C·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 60; the correct count is 180.",
        ),
        id="a missing term",
    ),
    pytest.param(
        "x.n",
        "PQCD + D",
        ("partial", 3.0, "term_factor"),
        (
            "The rest of your count is right, but where the correct count has P·Q·D you have D, which is missing a factor of P·Q.",
            "With P=4, Q=3, C=2, D=5 your count gives 125; the correct count is 180.",
        ),
        id="a term missing a factor",
    ),
    pytest.param(
        "x.n",
        "PQCD + P^2QD",
        ("partial", 3.0, "term_factor"),
        (
            "The rest of your count is right, but where the correct count has P·Q·D you have P²·Q·D, which has an extra factor of P.",
            "With P=4, Q=3, C=2, D=5 your count gives 360; the correct count is 180.",
        ),
        id="a term with an extra factor",
    ),
    pytest.param(
        "x.n",
        "PQCD + 2QD",
        ("partial", 3.0, "term_factor"),
        (
            "The rest of your count is right, but where the correct count has P·Q·D you have 2·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 150; the correct count is 180.",
        ),
        id="a term off by a factor 2/P",
    ),
    pytest.param(
        "x.n",
        "PQCD - PQD",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: P·Q·C·D - P·Q·D; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 60; the correct count is 180.",
        ),
        id="a term written negative is no factor",
    ),
    pytest.param(
        "x.n",
        "7",
        ("incorrect", 0.0, "other_part"),
        (
            "Your count, 7, is the answer to part (y), not to this part.",
            "With P=4, Q=3, C=2, D=5 your count gives 7; the correct count is 180.",
        ),
        id="a number against a count of sizes",
    ),
    pytest.param(
        "x.n",
        "CD",
        ("incorrect", 0.0, "other_part"),
        (
            "Your count, C·D, is the answer to part (w), not to this part.",
            "With P=4, Q=3, C=2, D=5 your count gives 10; the correct count is 180.",
        ),
        id="nothing explains C times D",
    ),
    pytest.param(
        "x.n",
        "C/D + D/C",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: (C² + D²)/(C·D); the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 29/10; the correct count is 180.",
        ),
        id="a quotient is shown over its denominator",
    ),
    pytest.param(
        "x.n",
        "(C+1)/D + 1",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: (C + D + 1)/D; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 8/5; the correct count is 180.",
        ),
        id="a sum over one size is shown bracketed",
    ),
    pytest.param(
        "x.n",
        "PQCD/2 + PQD",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: 1/2·P·Q·C·D + P·Q·D; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 120; the correct count is 180.",
        ),
        id="a half weight",
    ),
    pytest.param(
        "y.k",
        "14",
        ("partial", 1.0, "constant_factor"),
        (
            "Your count is off by a constant factor: it is 2 times the correct count.",
            "Your count is 14; the correct count is 7.",
        ),
        id="a number twice the number",
    ),
    pytest.param(
        "y.k",
        "5",
        ("partial", 1.0, "constant_factor"),
        (
            "Your count is off by a constant factor: it is 5/7 of the correct count.",
            "Your count is 5; the correct count is 7.",
        ),
        id="a number five sevenths of the number",
    ),
    pytest.param(
        "y.k",
        "0",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: 0; the correct count: 7.",
            "Your count is 0; the correct count is 7.",
        ),
        id="zero against a number",
    ),
    pytest.param(
        "y.k",
        "7",
        ("correct", 2.0, None),
        ("Correct.",),
        id="the number",
    ),
    pytest.param(
        "z.n",
        "CD",
        ("partial", 1.0, "bias_missing"),
        (
            "Your count leaves out the biases: this layer has D learnable biases, one per output, and they are learnable parameters too.",
            "Your count, C·D, is the answer to part (w), not to this part.",
            "With C=2, D=5 your count gives 10; the correct count is 15.",
        ),
        id="the biases left out",
    ),
    pytest.param(
        "z.n",
        "CD + 2D",
        ("incorrect", 0.0, "biases_wrong"),
        (
            "Your weights, C·D, are right. Your biases: 2·D, 2 per value of D, 2 times the correct D.",
            "With C=2, D=5 your count gives 20; the correct count is 15.",
        ),
        id="twice the biases",
    ),
    pytest.param(
        "w.n",
        "CD + D",
        ("partial", 1.0, "bias_extra"),
        (
            "Your count includes D biases, but this part asks for the layer without a bias.",
            "Your count, C·D + D, is the answer to part (z), not to this part.",
            "With C=2, D=5 your count gives 15; the correct count is 10.",
        ),
        id="biases added where there are none",
    ),
    pytest.param(
        "w.n",
        "C",
        ("incorrect", 0.0, "factor_missing"),
        (
            "Your count is missing a factor of D.",
            "Your weights: C, missing a factor of D: the correct weights are C·D.",
            "With C=2, D=5 your count gives 2; the correct count is 10.",
        ),
        id="a missing factor D",
    ),
    pytest.param(
        "x.n",
        "2C/((C+1)^2 - C^2 - 2C + 1)",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: C; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 2; the correct count is 180.",
        ),
        id="a count over a denominator that is a number is shown divided",
    ),
    pytest.param(
        "x.n",
        "4PQC/((C+1)^2 - C^2 - 2C + 1)",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: 2·P·Q·C; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 48; the correct count is 180.",
        ),
        id="a count over a denominator that is a number is shown with whole coefficients",
    ),
    pytest.param(
        "x.n",
        "(C - 1)/D",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: (C - 1)/D; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 1/5; the correct count is 180.",
        ),
        id="a difference over a size is shown bracketed",
    ),
    pytest.param(
        "x.n",
        "C^{-1}",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: 1/C; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 1/2; the correct count is 180.",
        ),
        id="a negative power is a quotient",
    ),
    pytest.param(
        "x.n",
        "(C+D)^{-2}",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: (1)/(C² + 2·C·D + D²); the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 1/49; the correct count is 180.",
        ),
        id="a negative power of a sum",
    ),
    pytest.param(
        "x.n",
        "C/D - D/C",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: (C² - D²)/(C·D); the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives -21/10; the correct count is 180.",
        ),
        id="a difference of quotients over their product",
    ),
    pytest.param(
        "x.n",
        "C/D + 1/D",
        ("partial", 2.0, "factor_missing"),
        (
            "Your count is missing a factor of P·Q·D².",
            "With P=4, Q=3, C=2, D=5 your count gives 3/5; the correct count is 180.",
        ),
        id="quotients over one denominator add their numerators",
    ),
    pytest.param(
        "x.n",
        "PQCD + PQD - C/D + C/D",
        ("correct", 4.0, None),
        ("Correct.",),
        id="a quotient added and taken away",
    ),
    pytest.param(
        "x.n",
        "PQD(C^2 - 1)/(C - 1)",
        ("correct", 4.0, None),
        ("Correct.",),
        id="a quotient that divides exactly is correct",
    ),
    pytest.param(
        "x.n",
        "PQCD/3 + PQD/2",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: 1/3·P·Q·C·D + 1/2·P·Q·D; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 70; the correct count is 180.",
        ),
        id="thirds and halves are evaluated exactly",
    ),
    pytest.param(
        "x.n",
        "PQD/(C - 2)",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: (P·Q·D)/(C - 2); the correct count: P·Q·C·D + P·Q·D.",
            "With P=21, Q=44, C=26, D=39 your count gives 3003/2; the correct count is 972972.",
        ),
        id="a count whose denominator vanishes at the example sizes is shown at other sizes",
    ),
    pytest.param(
        "x.n",
        "PQCD + $",
        ("invalid", 0.0, None),
        (
            "We could not read your answer: the answer ends too early: expected a number, a symbol or '(' (at column 9).",
            "Write the count as a formula in the question's symbols, e.g. 2*P*Q + D.",
            "An instructor will read it; its 0 marks are provisional until then.",
        ),
        id="an unreadable count: where, and an example over some of the reference's symbols",
    ),
    pytest.param(
        "x.n",
        # The misconception PQCD plus a polynomial that is 0 at every sampled point: the two
        # agree at each point but differ as polynomials, so the misconception is not claimed.
        "PQCD + " + "".join(f"(P-{point[0]})" for point in _sample_points(SAMPLE_POINTS, 4)),
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "Your count: P⁶ - 297·P⁵ + 33764·P⁴ + P·Q·C·D - 1853392·P³ + 51176640·P² - 660969776·P + 3036485760; the correct count: P·Q·C·D + P·Q·D.",
            "With P=4, Q=3, C=2, D=5 your count gives 1101159480; the correct count is 180.",
        ),
        id="a misconception that agrees at every sampled point but is another polynomial is not claimed",
    ),
]


@pytest.mark.parametrize(("item", "answer", "outcome", "feedback"), CASES)
def test_a_count_gets_its_whole_verdict_marks_diagnosis_and_feedback(
    item, answer, outcome, feedback
):
    result = grade_answer(RUBRIC, RUBRIC.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


def test_a_count_that_only_the_polynomials_tell_apart_goes_to_a_person():
    """The check's promise: should the sampled values and the polynomials disagree, a person
    decides. A count that differs from the reference by a polynomial vanishing at every
    sampled point is such a count (the points are the check's own, fixed by its seed)."""
    from grader.kinds.count.check import SAMPLE_POINTS, _sample_points

    heights = sorted({point[0] for point in _sample_points(SAMPLE_POINTS, 4)})  # P, Q, C, D
    text = "PQCD + PQD + " + "".join(f"(P - {height})" for height in heights)
    result = grade_answer(RUBRIC, RUBRIC.items["x.n"], text)
    unsure = (
        "The automatic check is unsure (the two counts agree at every sampled point but their "
        "polynomials differ)."
    )
    assert (result.verdict, result.marks, result.diagnosis) == ("needs_review", 0.0, None)
    assert result.feedback == (unsure,)
    assert result.decision == (f"sent for review: {unsure}",)


# Sizes without an example in the rubric are given the smallest value not yet used, from 2.
NO_EXAMPLES = load_rubric_text(
    """
id: NOEX
title: Sizes without examples
symbols:
  A: {meaning: the rows}
  B: {meaning: the columns}
  E: {meaning: the depth, example: 2}
parts:
  s:
    marks: 1
    prompt: How many?
    items:
      n:
        type: count
        marks: 1
        answer: 'AB + B'
""",
    "no-examples.yaml",
)


@pytest.mark.parametrize(
    ("item", "answer", "outcome", "feedback"),
    [
        pytest.param(
            "s.n",
            "AB",
            ("incorrect", 0.0, "term_missing"),
            (
                "Your count is missing a term: the correct count also has B.",
                "With A=2, B=3 your count gives 6; the correct count is 9.",
            ),
            id="sizes without examples are the smallest unused from 2",
        ),
        pytest.param(
            "s.n",
            "AB + E",
            ("incorrect", 0.0, "term_factor"),
            (
                "The rest of your count is right, but where the correct count has B you have E.",
                "With A=2, B=3, E=2 your count gives 8; the correct count is 9.",
            ),
            id="a size the reference does not use is given too",
        ),
    ],
)
def test_sizes_without_examples_get_small_values(item, answer, outcome, feedback):
    result = grade_answer(NO_EXAMPLES, NO_EXAMPLES.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


# A reference written as a quotient is held as one: equal counts are then compared across
# different denominators.
QUOTIENT = load_rubric_text(
    """
id: QUOT
title: A reference written as a quotient
symbols:
  C: {meaning: the channels, example: 3}
parts:
  q:
    marks: 1
    prompt: How many?
    items:
      n:
        type: count
        marks: 1
        answer: '(C^2 - 1)/(C - 1)'
""",
    "quotient.yaml",
)


@pytest.mark.parametrize(
    ("item", "answer", "outcome", "feedback"),
    [
        pytest.param(
            "q.n",
            "C + 1",
            ("correct", 1.0, None),
            ("Correct.",),
            id="a polynomial equal to a reference written as a quotient is correct",
        ),
    ],
)
def test_a_count_equal_to_a_quotient_reference_is_correct(item, answer, outcome, feedback):
    result = grade_answer(QUOTIENT, QUOTIENT.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


@pytest.mark.parametrize(
    ("answer", "decision"),
    [
        pytest.param(
            "PQCD + PQD",
            ("read as P·Q·C·D + P·Q·D", "equivalent to the reference", "full marks 4"),
            id="correct: full marks",
        ),
        pytest.param(
            "PQCD",
            (
                "read as P·Q·C·D",
                "not equivalent to the reference",
                "equivalent to misconception 1",
                "marks 0.25",
            ),
            id="a misconception: its number and marks",
        ),
        pytest.param(
            "PPCD + PPD",
            (
                "read as P·P·C·D + P·P·D",
                "not equivalent to the reference",
                "generic diagnosis symbol_replaced",
                "marks 0.5",
            ),
            id="a diagnosis: its name and partial credit",
        ),
        pytest.param(
            "C/D + D/C",
            (
                "read as C/D + D/C",
                "not equivalent to the reference",
                "no misconception or diagnosis applies",
                "marks 0",
            ),
            id="nothing applies",
        ),
    ],
)
def test_a_counts_decision_records_how_it_was_read_and_why_it_earns_its_marks(answer, decision):
    assert grade_answer(RUBRIC, RUBRIC.items["x.n"], answer).decision == decision


# --- Floors, ceilings and powers such as 2^C (`grader/kinds/count/polynomials.py`) ------------

FLOORS = load_rubric_text(
    r"""
    id: FLOORS
    title: Floors, ceilings and powers
    symbols:
      P: {meaning: the length, example: 9}
      Q: {meaning: the width, example: 4}
      C: {meaning: the channels, example: 3}
    parts:
      f:
        marks: 2
        prompt: How long is the output?
        items:
          n:
            type: count
            marks: 2
            answer: '\lfloor (P-1)/2 \rfloor + 1'
      s:
        marks: 2
        prompt: How many windows of six?
        items:
          n:
            type: count
            marks: 2
            answer: '\lfloor P/6 \rfloor'
            misconceptions:
              - answer: '\lfloor P/5 \rfloor'
                feedback: Windows of six, not five.
                marks: 1
      t:
        marks: 2
        prompt: How many windows of three?
        items:
          n:
            type: count
            marks: 2
            answer: '\lfloor P/3 \rfloor'
      m:
        marks: 4
        prompt: How many masks?
        items:
          n:
            type: count
            marks: 2
            answer: '4^C'
          both:
            type: count
            marks: 2
            answer: '2^{C+Q}'
    """,
    "floors.yaml",
)
TWO_CLASSES = (
    "Floor and ceiling were compared exactly for every size, taking P = 2t and P = 2t + 1 "
    "in turn (t = 0, 1, 2, ...)."
)
HERMITE = r"\lfloor 2y \rfloor - \lfloor y \rfloor - \lfloor y + 1/2 \rfloor"  # 0 for every y

FLOOR_CASES = [
    pytest.param(
        "f.n",
        r"\lceil P/2 \rceil",
        ("correct", 2.0, None),
        ("Correct.", TWO_CLASSES),
        id="a ceiling equal to the floor on both classes is correct, the classes said",
    ),
    pytest.param(
        "f.n",
        r"\lceil (P-1)/2 \rceil",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "With P=9 your count gives 4; the correct count is 5.",
            TWO_CLASSES,
        ),
        id="a ceiling wrong for odd P: its value and the reference's at an odd P",
    ),
    pytest.param(
        "f.n",
        r"\lfloor P/2 \rfloor = \lceil P/2 \rceil",
        ("correct", 2.0, None),
        (
            "Correct.",
            TWO_CLASSES,
            "One step of your working does not hold: ⌊P/2⌋ is not equal to ⌈P/2⌉. Your final answer is what is graded.",
        ),
        id="a step of working with floors that does not hold is named",
    ),
    pytest.param(
        "f.n",
        r"\lceil P/2 \rceil + C - 1",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "With P=9, C=3 your count gives 7; the correct count is 5.",
            TWO_CLASSES,
        ),
        id="a size only the answer uses is given its example in the counterexample",
    ),
    pytest.param(
        "s.n",
        "floor((P+1)/6)",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "With P=11 your count gives 2; the correct count is 1.",
            "Floor and ceiling were compared exactly for every size, taking P = 6t, ..., "
            "P = 6t + 5 (6 classes) in turn (t = 0, 1, 2, ...).",
        ),
        id="more than four classes are shown as the first, the last and how many",
    ),
    pytest.param(
        "t.n",
        r"\lceil (P-2)/3 \rceil",
        ("correct", 2.0, None),
        (
            "Correct.",
            "Floor and ceiling were compared exactly for every size, taking P = 3t, P = 3t + 1 and P = 3t + 2 in turn (t = 0, 1, 2, ...).",
        ),
        id="thirds: three classes, no more",
    ),
    pytest.param(
        "s.n",
        r"\lfloor P/5 \rfloor",
        ("partial", 1.0, "misconception 1"),
        (
            "Windows of six, not five.",
            "With P=21 your count gives 4; the correct count is 3.",
            "Floor and ceiling were compared exactly for every size, taking P = 30t, ..., P = 30t + 29 (30 classes) in turn (t = 0, 1, 2, ...).",
        ),
        id="a misconception with floors fires when it is proved equal",
    ),
    pytest.param(
        "s.n",
        r"\lfloor P/C \rfloor",
        ("incorrect", 0.0, None),
        (
            "Your count is not equal to the correct count.",
            "With P=9, C=3 your count gives 3; the correct count is 1.",
        ),
        # A floor of a division by a size: sizes prove it wrong, and whether it is the
        # misconception cannot be decided, so the misconception is not claimed.
        id="a count proved wrong by sizes that cannot be compared with a misconception",
    ),
    pytest.param(
        "s.n",
        r"\lfloor P/6 \rfloor + \lfloor \lfloor P/16 \rfloor / 32 \rfloor - \lfloor \lfloor P/32 \rfloor / 16 \rfloor",
        ("needs_review", 0.0, None),
        (
            "The automatic check cannot decide this count exactly (it would be compared on more than 256 classes of sizes).",
        ),
        id="nested floors that split the sizes into more than 256 classes go to a person",
    ),
    pytest.param(
        "s.n",
        r"\lfloor P/6 \rfloor + " + HERMITE.replace("y", r"\lfloor (P+Q)/17 \rfloor / C"),
        ("needs_review", 0.0, None),
        (
            "The automatic check cannot decide this count exactly (it would be compared on more than 256 classes of sizes).",
        ),
        # 102 remainders of each of P and Q: too many classes, refused before any is made
        # (the floors of a division by C inside would be refused for another reason)
        id="a floor of two sizes that would need 102 squared classes goes to a person",
    ),
    pytest.param(
        "m.n",
        "2^{2C}",
        ("correct", 2.0, None),
        ("Correct.",),
        id="2^(2C) is 4^C",
    ),
    pytest.param(
        "m.n",
        "(1/2)^{-2C}",
        ("correct", 2.0, None),
        ("Correct.",),
        id="a power of a fraction, (1/2)^(-2C), is 4^C",
    ),
    pytest.param(
        "m.n",
        "2^{2C+1}/2",
        ("correct", 2.0, None),
        ("Correct.",),
        id="a whole number in an exponent, 2^(2C+1)/2, is 4^C",
    ),
    pytest.param(
        "m.both",
        r"2^C \cdot 2^Q",
        ("correct", 2.0, None),
        ("Correct.",),
        id="powers of two sizes are compared as two variables",
    ),
]


@pytest.mark.parametrize(("item", "answer", "outcome", "feedback"), FLOOR_CASES)
def test_a_count_with_floors_or_powers_gets_its_whole_verdict_marks_and_feedback(
    item, answer, outcome, feedback
):
    result = grade_answer(FLOORS, FLOORS.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


@pytest.mark.parametrize(
    ("classes", "shown"),
    [
        pytest.param(((("P", 2, 1),),), "P = 2t + 1", id="one class"),
        pytest.param(((("P", 2, 0),), (("P", 2, 1),)), "P = 2t and P = 2t + 1", id="two"),
        pytest.param(
            ((("P", 2, 0), ("Q", 3, 2)), (("P", 2, 1), ("Q", 3, 0)), (("P", 2, 1), ("Q", 3, 1))),
            "P = 2t, Q = 3t + 2, P = 2t + 1, Q = 3t and P = 2t + 1, Q = 3t + 1",
            id="three of two sizes",
        ),
    ],
)
def test_the_classes_compared_are_listed_in_words(classes, shown):
    assert size_classes_text(tuple(SizeClass(forms) for forms in classes)) == shown


@pytest.mark.parametrize(
    ("exponent", "value"),
    [
        pytest.param(4000, Fraction(2) ** 4000, id="the largest power computed"),
        pytest.param(4001, None, id="one more is not computed"),
        pytest.param(-4000, Fraction(1, 2**4000), id="the largest negative power"),
        pytest.param(-4001, None, id="one less is not computed"),
    ],
)
def test_a_power_is_evaluated_up_to_its_limit(exponent, value):
    C = sympy.Symbol("C", positive=True, integer=True)
    assert evaluate(sympy.Integer(2) ** C, {C: exponent}) == value


HALF = load_rubric_text(
    r"""
    id: HALF
    title: A power of a size that a relation defines
    symbols:
      d: {meaning: the model dimension, example: 8}
      e: {meaning: half the model dimension, example: 4}
    relations:
      e: d/2
    parts:
      p:
        marks: 2
        prompt: How many subsets?
        items:
          n: {type: count, marks: 2, answer: '2^d'}
    """,
    "half.yaml",
)


@pytest.mark.parametrize(
    ("answer", "outcome", "feedback"),
    [
        pytest.param(
            # 4^(d/2) is 2^d, but an exponent of half a size is not compared exactly: a
            # person decides (and no size tells the two apart)
            "4^e",
            ("needs_review", 0.0, None),
            (
                "The automatic check cannot decide this count exactly (an exponent that is not a whole multiple of a size).",
            ),
            id="a power to half a size, through a relation, goes to a person",
        ),
        pytest.param(
            "2^{2e}",
            ("correct", 2.0, None),
            ("Correct.",),
            id="a power to twice a size that is half of another is compared exactly",
        ),
    ],
)
def test_a_power_of_a_size_a_relation_defines(answer, outcome, feedback):
    result = grade_answer(HALF, HALF.items["p.n"], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


HEADS = load_rubric_text(
    r"""
    id: HEADS
    title: A count over a size that a relation defines by a division
    symbols:
      d: {meaning: the model dimension, example: 8}
      h: {meaning: the number of heads, example: 2}
      d_k: {meaning: the dimension of one head, example: 4}
    relations:
      d_k: d/h
    parts:
      p:
        marks: 2
        prompt: How many?
        items:
          n: {type: count, marks: 2, answer: 'd^2 + d', partial_credit: {term_missing: 1}}
    """,
    "heads.yaml",
)


def test_sizes_neither_count_uses_are_1_so_that_a_relation_dividing_by_them_holds():
    # Neither count uses h; d_k = d/h must still be a whole number at the sizes tried.
    result = grade_answer(HEADS, HEADS.items["p.n"], "d^2")
    assert (result.verdict, result.marks, result.diagnosis) == ("partial", 1.0, "term_missing")
    assert result.feedback == (
        "Your count is missing a term: the correct count also has d.",
        "With d=8 your count gives 64; the correct count is 72.",
    )


VANISH = load_rubric_text(
    r"""
    id: VANISH
    title: Denominators that vanish at a sampled point
    symbols:
      P: {meaning: the height, example: 4}
      Q: {meaning: the width, example: 3}
      C: {meaning: the input channels, example: 2}
      D: {meaning: the output channels, example: 5}
    parts:
      x:
        marks: 2
        prompt: How many?
        items:
          n:
            type: count
            marks: 2
            answer: 'PQCD + PQD'
            misconceptions:
              - answer: 'PQCD + 1/(P-21)'
                feedback: Not quite.
                marks: 1
    """,
    "vanish.yaml",
)


@pytest.mark.parametrize(
    ("answer", "outcome", "feedback"),
    [
        pytest.param(
            "PQCD + PQD + 1/(P-21)",
            ("incorrect", 0.0, None),
            (
                "Your count is not equal to the correct count.",
                "Your count: (P²·Q·C·D + P²·Q·D - 21·P·Q·C·D - 21·P·Q·D + 1)/(P - 21); the correct count: P·Q·C·D + P·Q·D.",
                "With P=4, Q=3, C=2, D=5 your count gives 3059/17; the correct count is 180.",
            ),
            id="the answer's denominator vanishes at a sampled point",
        ),
        pytest.param(
            "PQCD + 1/(P-21)",
            ("partial", 1.0, "misconception 1"),
            (
                "Not quite.",
                "With P=4, Q=3, C=2, D=5 your count gives 2039/17; the correct count is 180.",
            ),
            id="the misconception's denominator vanishes there too",
        ),
        pytest.param(
            "PQCD",
            ("incorrect", 0.0, "term_missing"),
            (
                "Your count is missing a term: the correct count also has P·Q·D.",
                "With P=4, Q=3, C=2, D=5 your count gives 120; the correct count is 180.",
            ),
            id="only the misconception's denominator vanishes there",
        ),
    ],
)
def test_a_sampled_point_where_a_denominator_vanishes_is_passed_over(answer, outcome, feedback):
    # The first point sampled for four symbols has P = 21 (`_sample_points`).
    assert _sample_points(SAMPLE_POINTS, 4)[0][0] == 21
    result = grade_answer(VANISH, VANISH.items["x.n"], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


@pytest.mark.parametrize("sampled", [20, 19], ids=["all twenty", "all but the last"])
def test_a_counterexample_is_looked_for_at_the_examples_and_twenty_sampled_points_only(sampled):
    # The reference plus a polynomial that is 0 at the example (P = 9) and at the first
    # `sampled` points sampled after it: the exact comparison proves the answer wrong, and
    # the sizes tried show it only if one of the twenty is not a root (the 20th, P = 55).
    points = [point[0] for point in _sample_points(21, 1)]
    tried = {9, *points[:sampled]}
    assert points[19] == 55 and 55 not in {9, *points[:19]}
    P = sympy.Symbol("P")
    vanishing = sympy.expand(sympy.prod([P - value for value in sorted(tried)]))
    answer = r"\lfloor (P-1)/2 \rfloor + 1 + " + str(vanishing).replace("**", "^")
    result = grade_answer(FLOORS, FLOORS.items["f.n"], answer)
    assert (result.verdict, result.marks, result.diagnosis) == ("incorrect", 0.0, None)
    shown = (
        ()
        if sampled == 20
        else (f"With P=55 your count gives {28 + vanishing.subs(P, 55)}; the correct count is 28.",)
    )
    assert result.feedback == ("Your count is not equal to the correct count.", *shown)


def test_a_count_over_a_symbol_it_is_not_given_is_refused_with_a_value_error():
    # Callers fall back on sympy's printing, or send the count to a person, on ValueError.
    from grader.kinds.count.polynomials import as_fraction

    P, Q = sympy.symbols("P Q", positive=True, integer=True)
    with pytest.raises(ValueError, match=r"^Q is not one of the symbols \(P,\)$"):
        as_fraction(P * Q + 1, (P,))


HEAD_OF_ONE = load_rubric_text(
    r"""
    id: HEAD-OF-ONE
    title: A relation whose size is 1 at the examples
    symbols:
      d: {meaning: the model dimension, example: 3}
      h: {meaning: the number of heads, example: 3}
      d_k: {meaning: the dimension of one head, example: 1}
    relations:
      d_k: d/h
    parts:
      p:
        marks: 2
        prompt: How many?
        items:
          n: {type: count, marks: 2, answer: 'h d_k^2'}
    """,
    "head-of-one.yaml",
)


def test_a_size_a_relation_makes_1_at_the_examples_is_a_size_and_shown():
    result = grade_answer(HEAD_OF_ONE, HEAD_OF_ONE.items["p.n"], "d_k")
    assert (result.verdict, result.marks, result.diagnosis) == (
        "incorrect",
        0.0,
        "factor_missing",
    )
    assert result.feedback == (
        "With d_k = d/h, your d_k is d/h. Your count is missing a factor of d.",
        "With d=3, h=3, d_k=1 your count gives 1; the correct count is 3.",
    )


def test_a_misconception_with_floors_equal_to_the_reference_is_a_rubric_problem():
    from grader.rubric_check import check_rubric

    reference = "            answer: '\\lfloor (P-1)/2 \\rfloor + 1'\n"
    misconception = (
        "            misconceptions:\n"
        "              - answer: '\\lceil P/2 \\rceil'\n"
        "                feedback: The same.\n"
        "                marks: 1\n"
    )
    assert reference in FLOORS.source_text
    text = FLOORS.source_text.replace(reference, reference + misconception)
    problems = check_rubric(load_rubric_text(text, "floors.yaml"))
    assert [(p.line, p.key, p.message) for p in problems] == [
        (
            18,
            "parts.f.items.n.misconceptions[0]",
            "'\\lceil P/2 \\rceil' equals the reference answer, so this rule can never fire",
        ),
        (
            18,
            "parts.f.items.n.misconceptions[0]",
            "no test exercises this rule; add one to tests: with item: f.n and misconception: 1",
        ),
        (
            30,
            "parts.s.items.n.misconceptions[0]",
            "no test exercises this rule; add one to tests: with item: s.n and misconception: 1",
        ),
    ]


UNNAMED = load_rubric_text(
    """
    id: UNNAMED
    title: A size whose meaning is left empty
    symbols:
      C: {meaning: '', example: 2}
      D: {meaning: the output channels, example: 5}
    parts:
      x:
        marks: 4
        prompt: How many?
        items:
          n:
            type: count
            marks: 4
            answer: 'CD + D'
            partial_credit: {symbol_replaced: 0.5}
    """,
    "unnamed.yaml",
)


def test_a_size_with_an_empty_meaning_is_named_without_one():
    result = grade_answer(UNNAMED, UNNAMED.items["x.n"], "DD + D")
    assert (result.verdict, result.marks, result.diagnosis) == ("partial", 0.5, "symbol_replaced")
    assert result.feedback == (
        "Your count uses D (the output channels) where C belongs.",
        "With C=2, D=5 your count gives 30; the correct count is 15.",
    )


def test_one_term_over_a_number_is_shown_as_a_quotient():
    # Not 1/2·C·D: the path for polynomials with whole coefficients would print that.
    result = grade_answer(RUBRIC, RUBRIC.items["x.n"], "CD/2")
    assert (result.verdict, result.marks, result.diagnosis) == ("incorrect", 0.0, None)
    assert result.feedback == (
        "Your count is not equal to the correct count.",
        "Your count: C·D/2; the correct count: P·Q·C·D + P·Q·D.",
        "With P=4, Q=3, C=2, D=5 your count gives 5; the correct count is 180.",
    )


# --- Branch checks2: survivors of `--sample 40 --seed 53` on grader/kinds/count/check.py -----

_P, _Q = (FLOORS.context.symbol_table[name] for name in "PQ")  # sizes: whole and positive


@pytest.mark.parametrize(
    ("first", "second", "equal"),
    [
        pytest.param(2 * sympy.floor(_P / 2), _P, False, id="a floor against a polynomial"),
        pytest.param(
            sympy.floor(_P / 2) + sympy.floor((_P + 1) / 2), _P, True, id="two floors making P"
        ),
        pytest.param(_P * _Q + _P, _P * (_Q + 1), True, id="two polynomials alike"),
        pytest.param(_P + 1, _P, False, id="two polynomials apart"),
    ],
)
def test_counts_equal_says_true_or_false(first, second, equal):
    """A count with a floor beside one without is compared by classes of sizes (as fractions
    it cannot be read); two polynomials as fractions. The answer is True or False itself."""
    from grader.kinds.count.check import counts_equal

    assert counts_equal(first, second) is equal
    assert counts_equal(second, first) is equal


def test_a_misconception_without_a_reading_is_passed_over_for_a_count_with_floors():
    """A misconception the kind did not read (an item built without its reading) is passed
    over, and the next one still fires."""
    from dataclasses import replace

    item = FLOORS.items["s.n"]
    (rule,) = item.misconceptions
    unread = replace(item, misconceptions=(replace(rule, reading=None), rule))
    result = grade_answer(FLOORS, unread, r"\lfloor P/5 \rfloor")
    assert (result.verdict, result.marks, result.diagnosis) == (
        "partial",
        1.0,
        "misconception 2",
    )
    assert result.feedback == (
        "Windows of six, not five.",
        "With P=21 your count gives 4; the correct count is 3.",
        "Floor and ceiling were compared exactly for every size, taking P = 30t, ..., "
        "P = 30t + 29 (30 classes) in turn (t = 0, 1, 2, ...).",
    )
