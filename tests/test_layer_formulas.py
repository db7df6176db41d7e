"""Layer formulas beyond a fixed kernel (issue 17): index arithmetic with division, floors and
\\frac in sums' bounds and input indices, evaluated exactly at the size sets, and size sets
chosen or checked so that arithmetic is whole. Each quoted situation of the issue is graded
here with its whole feedback."""

# Formulas are written out in full, as students write them, so some lines are long.
# ruff: noqa: E501

from pathlib import Path

import pytest
import sympy

from grader.errors import AnswerError, RubricError
from grader.grade import grade_answer
from grader.kinds.formula.check import same_layer
from grader.kinds.formula.parse import parse_formula
from grader.kinds.formula.sizes import whole_conditions, whole_size_sets
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent
CONV1D = load_rubric(ROOT / "rubrics" / "conv1d-q1.yaml")
GROUPED = load_rubric(ROOT / "rubrics" / "grouped-q1.yaml")

CENTRED = r"y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k"
GROUPS = r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} x_{i+u,j+v,(\lceil kG/D \rceil - 1)C/G+m} + b_k"


def read(rubric, item_id: str, text: str):
    return parse_formula(text, rubric.symbol_table, rubric.items[item_id].spec.layer)


# --- How index arithmetic is read ----------------------------------------------------------

READINGS = [
    pytest.param(
        CONV1D,
        CENTRED,
        "y[t,k] = Σ_{u=-(K-1)/2..(K-1)/2} Σ_{l=1..C} w[u,l,k]·x[t+u,l] + b[k]",
        id="a centred kernel of general size: bounds with a division",
    ),
    pytest.param(
        CONV1D,
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u-(K+1)/2,l} + b_k",
        "y[t,k] = Σ_{u=1..K} Σ_{l=1..C} w[u,l,k]·x[t+u-(K+1)/2,l] + b[k]",
        id="an input index with a division",
    ),
    pytest.param(
        CONV1D,
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u-\frac{K+1}{2},l} + b_k",
        "y[t,k] = Σ_{u=1..K} Σ_{l=1..C} w[u,l,k]·x[t+u-(K+1)/2,l] + b[k]",
        id="\\frac in an input index",
    ),
    pytest.param(
        CONV1D,
        r"y_{t,k} = \sum_{u=-\lfloor K/2 \rfloor}^{\lfloor K/2 \rfloor}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        "y[t,k] = Σ_{u=-⌊K/2⌋..⌊K/2⌋} Σ_{l=1..C} w[u,l,k]·x[t+u,l] + b[k]",
        id="floor in a sum's bounds",
    ),
    pytest.param(
        CONV1D,
        r"y_{t,k} = \sum_{u=-floor(K/2)}^{floor(K/2)}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + \frac{1}{2} b_k",
        "y[t,k] = Σ_{u=-⌊K/2⌋..⌊K/2⌋} Σ_{l=1..C} w[u,l,k]·x[t+u,l] + 1/2·b[k]",
        id="floor( ) as a function, and \\frac of numbers as a coefficient",
    ),
    pytest.param(
        GROUPED,
        GROUPS,
        "y[i,j,k] = Σ_{u=-1..1} Σ_{v=-1..1} Σ_{m=1..C/G} w[u,v,m,k]·x[i+u,j+v,m+C(⌈Gk/D⌉-1)/G] + b[k]",
        id="a grouped convolution: C/G in a bound, a ceiling of the output index in an input index",
    ),
]


@pytest.mark.parametrize(("rubric", "text", "reading"), READINGS)
def test_index_arithmetic_is_read_exactly(rubric, text, reading):
    item_id = "a.formula"
    assert read(rubric, item_id, text).reading == reading


ERRORS = [
    pytest.param(
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u/t,l}",
        r"an index can be divided by sizes and numbers, not by an index; round it with \lfloor ... \rfloor where a position is meant, e.g. \lfloor i/2 \rfloor",
        "/",
        id="an index divided by an index",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{u=1}^{K/0}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l}",
        "division by zero",
        "/",
        id="a bound divided by zero",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{\lfloor t u/2 \rfloor,l}",
        "an index must be a sum of indices, sizes and numbers, not a product of indices",
        "t",
        id="a product of indices inside a floor",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{\lfloor t/2,l}",
        "expected '⌋', not ','",
        ",",
        id="a floor never closed",
    ),
]


@pytest.mark.parametrize(("text", "message", "where"), ERRORS)
def test_index_arithmetic_that_cannot_be_read_says_why_and_where(text, message, where):
    with pytest.raises(AnswerError) as raised:
        read(CONV1D, "a.formula", text)
    assert raised.value.message == message
    assert text[raised.value.position :].startswith(where)


# --- Same layer or not ---------------------------------------------------------------------

PAIRS = [
    pytest.param(
        CONV1D,
        CENTRED,
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u-(K+1)/2,l} + b_k",
        True,
        id="centred from -(K-1)/2, or shifted by (K+1)/2 from 1 to K",
    ),
    pytest.param(
        CONV1D,
        CENTRED,
        r"y_{t,k} = \sum_{u=-\lfloor K/2 \rfloor}^{\lceil K/2 \rceil - 1}\sum_{l=1}^{C} w_{u,l,k} x_{t-u,l} + b_k",
        True,
        id="floor and ceiling bounds, and a flipped kernel",
    ),
    pytest.param(
        CONV1D,
        CENTRED,
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u-1,l} + b_k",
        False,
        id="a kernel that starts at the output's position is not centred",
    ),
    pytest.param(
        GROUPED,
        GROUPS,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} x_{i+u,j+v,\lfloor (k-1)G/D \rfloor C/G+m} + b_k",
        True,
        id="the group as a ceiling counted from 1 or a floor counted from 0",
    ),
    pytest.param(
        GROUPED,
        GROUPS,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=(\lceil kG/D \rceil - 1)C/G+1}^{\lceil kG/D \rceil C/G} w_{u,v,m,k} x_{i+u,j+v,m} + b_k",
        True,
        id="a sum whose bounds move with the output index: read as the group's window, m = ⌈kG/D⌉C/G+u",
    ),
]


@pytest.mark.parametrize(("rubric", "first", "second", "same"), PAIRS)
def test_which_formulas_define_the_same_layer(rubric, first, second, same):
    item = rubric.items["a.formula"]
    if same is None:
        with pytest.raises(AnswerError):
            read(rubric, "a.formula", second)
        return
    assert (
        same_layer(
            read(rubric, "a.formula", first),
            read(rubric, "a.formula", second),
            item.spec.layer,
            rubric.size_sets,
        )
        is same
    )


# --- Graded as an instructor would ---------------------------------------------------------

GRADES = [
    pytest.param(
        CONV1D,
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u-(K+1)/2,l} + b_k",
        "correct",
        3,
        None,
        ("Correct: your formula defines the same layer.",),
        id="conv1d: the kernel indexed from 1 to K and centred by (K+1)/2 is right",
    ),
    pytest.param(
        CONV1D,
        r"y_{t,k} = \sum_{u=-(K+1)/2}^{(K+1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        "partial",
        1,
        "kernel_size",
        ("Your kernel spans 5 positions instead of 3 positions (with P=9, K=3, C=2, D=4).",),
        id="conv1d: a kernel of K+2 positions is told its size at the sizes that show it",
    ),
    pytest.param(
        CONV1D,
        r"y_{t,k} = \sum_{u=-K/2}^{K/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        "needs_review",
        0,
        "fractional_index",
        (
            "Your formula is not a whole number everywhere: the start of the sum over u is "
            "-3/2 at P=9, K=3, C=2, D=4, not a whole number. Positions and the bounds of sums "
            r"are whole numbers; where one is meant, round it, e.g. \lfloor K/2 \rfloor.",
            "An instructor will review it.",
        ),
        id="conv1d: a bound of -K/2 with K odd is pointed out and sent to a person",
    ),
    pytest.param(
        CONV1D,
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u-K/2,l} + b_k",
        "needs_review",
        0,
        "fractional_index",
        (
            "Your formula is not a whole number everywhere: the index -K/2 + t + u is not a "
            r"whole number at K=3; round it with \lfloor ... \rfloor where a position is "
            "meant. Positions and the bounds of sums are whole numbers; where one is meant, "
            r"round it, e.g. \lfloor K/2 \rfloor.",
            "An instructor will review it.",
        ),
        id="conv1d: an input index of t+u-K/2 with K odd is pointed out and sent to a person",
    ),
    pytest.param(
        GROUPED,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} x_{i+u,j+v,\lfloor (k-1)G/D \rfloor C/G+m} + b_k",
        "correct",
        3,
        None,
        ("Correct: your formula defines the same layer.",),
        id="grouped: the group as a floor, counted from 0, is right",
    ),
]


@pytest.mark.parametrize(("rubric", "answer", "verdict", "marks", "diagnosis", "feedback"), GRADES)
def test_grading_layers_with_index_arithmetic(rubric, answer, verdict, marks, diagnosis, feedback):
    result = grade_answer(rubric, rubric.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        verdict,
        marks,
        diagnosis,
        feedback,
    )


# --- Sizes at which the arithmetic is whole ------------------------------------------------

RUBRIC_TEXT = """\
id: K-ODD
symbols:
  P: {meaning: length, example: 9}
  K: {meaning: kernel size, example: 3}
  C: {meaning: input channels, example: 2}
  D: {meaning: output channels, example: 4}
CHECK_SIZES
parts:
  a:
    marks: 1
    prompt: The formula.
    items:
      formula:
        type: formula
        marks: 1
        input: {name: x, shape: [P, C]}
        output: {name: y, shape: [P, D]}
        answer: 'y_{t,k} = \\sum_{u=-(K-1)/2}^{(K-1)/2}\\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k'
"""


def test_default_sizes_move_to_where_the_arithmetic_is_whole():
    """The default sizes give K = 4 in the first set; (K-1)/2 is whole only for K odd, so K moves
    to the nearest odd size (3: 5 is P's), and nothing else moves."""
    rubric = load_rubric_text(RUBRIC_TEXT.replace("CHECK_SIZES\n", ""), "k-odd.yaml")
    assert rubric.size_sets == (
        (("P", 5), ("K", 3), ("C", 3), ("D", 2)),
        (("P", 6), ("K", 7), ("C", 2), ("D", 3)),
    )


def test_given_sizes_at_which_the_arithmetic_is_fractional_are_a_rubric_problem():
    given = "check_sizes:\n  - {P: 9, K: 3, C: 2, D: 4}\n  - {P: 11, K: 4, C: 3, D: 2}\n"
    with pytest.raises(RubricError) as raised:
        load_rubric_text(RUBRIC_TEXT.replace("CHECK_SIZES\n", given), "k-odd.yaml")
    assert [problem.describe("k-odd.yaml") for problem in raised.value.problems] == [
        "k-odd.yaml:20: parts.a.items.formula.answer: cannot check "
        r"'y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k': "
        "the start of the sum over u is -3/2 at P=11, K=4, C=3, D=2, not a whole number; give "
        "check_sizes at which it is a whole number (such as K=5)"
    ]


def test_what_must_be_whole_for_a_grouped_convolution():
    item = GROUPED.items["a.formula"]
    C, G = (GROUPED.symbol_table[name] for name in "CG")
    assert whole_conditions(item.reference, item.spec.layer) == {C / G, -C / G}
    assert whole_size_sets(((("C", 6), ("G", 4)),), frozenset({C / G})) == ((("C", 6), ("G", 3)),)
    assert whole_size_sets(((("C", 7), ("G", 4)),), frozenset({C / sympy.Integer(13)})) is None


# --- Strides, dilations, groups ------------------------------------------------------------

STRIDED = load_rubric(ROOT / "rubrics" / "strided-q1.yaml")
DEPTHWISE = load_rubric(ROOT / "rubrics" / "dw-sep-q1.yaml")
STRIDED_2D = load_rubric_text(
    """\
id: STRIDED-2D
symbols:
  P: {meaning: height, example: 9}
  Q: {meaning: width, example: 9}
  C: {meaning: input channels, example: 2}
  D: {meaning: output channels, example: 4}
check_sizes:
  - {P: 7, Q: 9, C: 2, D: 3}
  - {P: 8, Q: 6, C: 3, D: 2}
parts:
  a:
    marks: 3
    prompt: A 3x3 convolution with stride 2 and zero padding 1.
    items:
      formula:
        type: formula
        marks: 3
        input: {name: x, shape: [P, Q, C]}
        output: {name: y, shape: ['\\lfloor (P-1)/2 \\rfloor + 1', '\\lfloor (Q-1)/2 \\rfloor + 1', D]}
        answer: 'y_{i,j,k} = \\sum_{u=-1}^{1}\\sum_{v=-1}^{1}\\sum_{l=1}^{C} w_{u,v,l,k} x_{2i-1+u,2j-1+v,l} + b_k'
""",
    "strided-2d.yaml",
)

WINDOWS = [
    pytest.param(
        STRIDED_2D,
        "a.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{2i-1+u,j+v,l} + b_k",
        "incorrect",
        "stride",
        ("Your stride is 1 along the width; the layer has stride 2 in both directions.",),
        id="a stride along one axis only is told in words of stride",
    ),
    pytest.param(
        STRIDED_2D,
        "a.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{i,j,u,v,l,k} x_{2i-1+u,2j-1+v,l} + b_k",
        "incorrect",
        "unshared_weights",
        (
            "Your weights depend on the position, so they are not shared across positions: "
            "this is not a convolution.",
        ),
        id="position-dependent weights at stride 2 are explained as at stride 1",
    ),
    pytest.param(
        STRIDED,
        "b.formula",
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{3i-1+u,l} + b_k",
        "incorrect",
        "stride",
        (
            "Your stride is 3; this layer has stride 2: each output's window starts 2 "
            "positions after the previous output's, in your formula 3.",
        ),
        id="a 1D stride of 3 where the layer has 2",
    ),
    pytest.param(
        STRIDED,
        "b.formula",
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i-1+2u,l} + b_k",
        "incorrect",
        "dilation",
        (
            "Your kernel is dilated: its taps are 2 positions apart, but this layer's kernel "
            "reads adjacent positions.",
        ),
        id="a dilated kernel where the layer's taps are adjacent",
    ),
    pytest.param(
        CONV1D,
        "a.formula",
        r"y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        "correct",
        None,
        ("Correct: your formula defines the same layer.",),
        id="the reference itself",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        "incorrect",
        "group_channels",
        (
            "Your filters read every input channel; in a grouped convolution each reads C/G of them.",
        ),
        id="grouped: filters that read every channel",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} x_{i+u,j+v,\lfloor kG/D \rfloor C/G+m} + b_k",
        "incorrect",
        "group_mismatch",
        (
            "Your filters read C/G input channels each, but not those of their own group: with "
            "P=5, Q=4, C=4, D=6, G=2, output channel 3 should read input channels 1 to 2, "
            "yours reads 3 to 4.",
        ),
        id="grouped: the group off by one",
    ),
    pytest.param(
        DEPTHWISE,
        "b.formula",
        r"z_{i,j,c} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l} x_{i+u,j+v,l} + b_c",
        "incorrect",
        "group_channels",
        (
            "Your filters read every input channel; in a depthwise convolution each reads only "
            "its own input channel.",
            "Your weights do not depend on the output channel, so all C output channels would "
            "differ only by their bias: each output channel needs its own weights.",
        ),
        id="depthwise: filters that read every channel",
    ),
]


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict", "diagnosis", "feedback"), WINDOWS
)
def test_strides_dilations_and_groups_in_their_own_words(
    rubric, item_id, answer, verdict, diagnosis, feedback
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert (result.verdict, result.diagnosis, result.feedback) == (verdict, diagnosis, feedback)


# --- Windows anchored elsewhere ------------------------------------------------------------

Q4 = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
Q4_NO_CREDIT = load_rubric_text(
    Q4.source_text.replace("          window_offset: 2", "", 1), "q4-no-window-credit.yaml"
)
CORNER = r"y_{i,j,k} = \sum_{u=0}^{2}\sum_{v=0}^{2}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k"
CORNER_READ = (
    "Your window starts at (i, j) and reaches (i+2, j+2); this layer's 3×3 window is centred "
    "on (i, j) (from (i-1, j-1) to (i+1, j+1)). With the window shifted back, your formula "
    "defines the right layer."
)

ANCHORED = [
    pytest.param(
        Q4,
        "b.formula",
        CORNER,
        ("partial", 2, "window_offset", (CORNER_READ,)),
        id="a 3x3 window anchored at its corner earns the rubric's window_offset marks",
    ),
    pytest.param(
        Q4_NO_CREDIT,
        "b.formula",
        CORNER,
        ("needs_review", 0, "window_offset", (CORNER_READ, "An instructor will review it.")),
        id="without window_offset marks in the rubric it goes to an instructor, never a silent 0",
    ),
    pytest.param(
        Q4,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=0}^{2}\sum_{v=0}^{2}\sum_{l=1}^{C} w_{u,v,l,k} x_{i-u,j-v,l} + b_k",
        (
            "partial",
            2,
            "window_offset",
            (
                "Your window starts at (i-2, j-2) and reaches (i, j); this layer's 3×3 window "
                "is centred on (i, j) (from (i-1, j-1) to (i+1, j+1)). With the window shifted "
                "back, your formula defines the right layer.",
            ),
        ),
        id="a flipped kernel anchored at its other corner",
    ),
    pytest.param(
        Q4,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-2}^{0}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        (
            "partial",
            2,
            "window_offset",
            (
                "Your window starts at (i-2, j-1) and reaches (i, j+1); this layer's 3×3 window "
                "is centred on (i, j) (from (i-1, j-1) to (i+1, j+1)). With the window shifted "
                "back, your formula defines the right layer.",
            ),
        ),
        id="a window moved along the height only",
    ),
    pytest.param(
        Q4,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i-u,j-v,l} + b_k",
        ("correct", 3, None, ("Correct: your formula defines the same layer.",)),
        id="the flipped, centred kernel stays correct",
    ),
    pytest.param(
        Q4,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=0}^{2}\sum_{v=0}^{2}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l}",
        (
            "incorrect",
            0,
            "window_offset",
            (
                "Your window starts at (i, j) and reaches (i+2, j+2); this layer's 3×3 window "
                "is centred on (i, j) (from (i-1, j-1) to (i+1, j+1)).",
                "Your formula has no bias; this layer has one: each output channel has one, "
                "shared by every position.",
            ),
        ),
        id="anchored at its corner and without a bias: both said, two findings earn 0",
    ),
    pytest.param(
        Q4,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=0}^{3}\sum_{v=0}^{3}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        (
            "incorrect",
            0,
            "kernel_size",
            ("Your kernel spans 4×4 positions instead of 3×3 positions.",),
        ),
        id="a 4x4 window from the corner is the wrong kernel size, not a moved window",
    ),
    pytest.param(
        Q4,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=0}^{2}\sum_{v=0}^{2}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+2u,j+2v,l} + b_k",
        (
            "incorrect",
            0,
            "dilation",
            (
                "Your kernel is dilated: its taps are 2 positions apart, but this layer's "
                "kernel reads adjacent positions.",
            ),
        ),
        id="a dilated window from the corner is a dilation",
    ),
    pytest.param(
        Q4,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=0}^{2}\sum_{v=0}^{2}\sum_{l=1}^{C} w_{u,v,l,k} x_{2i+u,2j+v,l} + b_k",
        (
            "incorrect",
            0,
            "stride",
            (
                "Your stride is 2 along both the height and the width; the layer has stride 1 in both directions.",
            ),
        ),
        id="a strided window from the corner is a stride",
    ),
    pytest.param(
        Q4,
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i+1,j,l} + b_k",
        (
            "incorrect",
            0,
            "connectivity",
            (
                "Your outputs read the wrong inputs: with P=5, Q=4, C=3, D=2, y[1,1,1] should "
                "read x[1,1,1], but in your formula it does not.",
            ),
        ),
        id="a 1x1 kernel reading its neighbour has no window to move",
    ),
    pytest.param(
        CONV1D,
        "a.formula",
        r"y_{t,k} = \sum_{u=0}^{K-1}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        (
            "partial",
            1,
            "window_offset",
            (
                "Your window starts at t and reaches t+K-1; this layer's window of K "
                "positions is centred on t (from t-(K-1)/2 to t+(K-1)/2). With the window "
                "shifted back, your formula defines the right layer.",
            ),
        ),
        id="a window of K positions moved by (K-1)/2: told in K, true at every K",
    ),
    pytest.param(
        CONV1D,
        "a.formula",
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        (
            "partial",
            1,
            "misconception 1",
            (
                "Your kernel starts at the output's position, so it reads t+1 to t+K: it is "
                "not centred. Centred, it reads from t-(K-1)/2 to t+(K-1)/2, e.g. "
                "x_{t+u-(K+1)/2,l} for u from 1 to K.",
            ),
        ),
        id="a rubric's misconception for the moved window keeps its own feedback",
    ),
    pytest.param(
        STRIDED,
        "b.formula",
        r"y_{i,k} = \sum_{u=0}^{2}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u,l} + b_k",
        (
            "needs_review",
            0,
            "window_offset",
            (
                "Your window starts at 2i and reaches 2i+2; this layer's window of 3 positions "
                "is centred on 2i-1 (from 2i-2 to 2i). With the window shifted back, your "
                "formula defines the right layer.",
                "An instructor will review it.",
            ),
        ),
        id="stride 2: a window moved by whole positions, told at the stride's positions",
    ),
    pytest.param(
        STRIDED,
        "b.formula",
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u,l} + b_k",
        ("correct", 3, None, ("Correct: your formula defines the same layer.",)),
        id="stride 2 counted from 0 is the index base's reading first, not a moved window",
    ),
    pytest.param(
        STRIDED,
        "b.formula",
        r"y_{i,k} = \sum_{u=1}^{3}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u,l} + b_k",
        (
            "needs_review",
            0,
            "window_offset",
            (
                "Your window starts at 2i+1 and reaches 2i+3; this layer's window of 3 positions "
                "is centred on 2i (from 2i-1 to 2i+1). With the window shifted back, your "
                "formula defines the right layer.",
                "An instructor will review it.",
            ),
        ),
        id="stride 2, positions from 0, moved by 2: a moved window in that reading (was 0)",
    ),
    pytest.param(
        STRIDED,
        "b.formula",
        r"y_{i,k} = \sum_{u=1}^{3}\sum_{l=0}^{C-1} w_{u,l,k} x_{2i+u,l} + b_k",
        (
            "needs_review",
            0,
            "window_offset",
            (
                "Your window starts at 2i+1 and reaches 2i+3; this layer's window of 3 positions "
                "is centred on 2i (from 2i-1 to 2i+1). With the window shifted back, your "
                "formula defines the right layer.",
                "An instructor will review it.",
            ),
        ),
        id="stride 2, every index from 0, moved by 2: the same",
    ),
    pytest.param(
        STRIDED,
        "b.formula",
        r"y_{i,k} = \sum_{u=1}^{3}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u+1,l} + b_k",
        (
            "incorrect",
            0,
            "connectivity",
            (
                "Your outputs read the wrong inputs: with P=5, C=4, D=3, y[1,1] should read "
                "x[1,1], but in your formula it does not.",
            ),
        ),
        id="stride 2 moved by 3 from 0 (4 from 1): no moved window in any reading, still wrong",
    ),
    pytest.param(
        STRIDED,
        "b.formula",
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i-1+u,l}",
        (
            "partial",
            1,
            "bias_missing",
            (
                "Your formula has no bias; this layer has one: each output channel has one, "
                "shared by every position.",
            ),
        ),
        id="stride 2 from 1 reading the right inputs, no bias: not a moved window counted from 0",
    ),
    pytest.param(
        STRIDED_2D,
        "a.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{2i+u,2j-1+v,l} + b_k",
        (
            "needs_review",
            0,
            "window_offset",
            (
                "Your window starts at (2i-1, 2j-2) and reaches (2i+1, 2j); this layer's 3×3 "
                "window is centred on (2i-1, 2j-1) (from (2i-2, 2j-2) to (2i, 2j)). With the "
                "window shifted back, your formula defines the right layer.",
                "An instructor will review it.",
            ),
        ),
        id="stride 2 in 2-D, moved by one position along the height",
    ),
]


MOVED_MISCONCEPTIONS = [
    pytest.param(
        r"y_{i,k} = \sum_{u=0}^{2}\sum_{l=1}^{C} w_{u,l,k} x_{i+u,l} + b_k",
        (
            "partial",
            1,
            "misconception 1",
            (
                "Your output i reads the inputs around position i: a stride of 1. With stride 2, "
                "output i is centred on input 2i - 1 (counting from 1), or 2i (counting from 0).",
                "Your window sits 1 position later than the one in the mistake described above; where a window is anchored is only a matter of padding, so your answer is marked as that mistake.",
            ),
        ),
        id="stride 1 anchored at its first position is the stride-1 misconception (was 0)",
    ),
    pytest.param(
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{i+u+1,l} + b_k",
        (
            "partial",
            1,
            "misconception 1",
            (
                "Your output i reads the inputs around position i: a stride of 1. With stride 2, "
                "output i is centred on input 2i - 1 (counting from 1), or 2i (counting from 0).",
                "Your window sits 1 position later than the one in the mistake described above; where a window is anchored is only a matter of padding, so your answer is marked as that mistake.",
            ),
        ),
        id="stride 1 centred one position on (was 0)",
    ),
    pytest.param(
        r"y_{i,k} = \sum_{u=0}^{2}\sum_{l=1}^{C} w_{u,l,k} x_{i+u-2,l} + b_k",
        (
            "partial",
            1,
            "misconception 1",
            (
                "Your output i reads the inputs around position i: a stride of 1. With stride 2, "
                "output i is centred on input 2i - 1 (counting from 1), or 2i (counting from 0).",
                "Your window sits 1 position earlier than the one in the mistake described above; where a window is anchored is only a matter of padding, so your answer is marked as that mistake.",
            ),
        ),
        id="stride 1 centred one position back (was 0)",
    ),
]


@pytest.mark.parametrize(("answer", "expected"), MOVED_MISCONCEPTIONS)
def test_a_misconception_with_its_window_moved_is_that_misconception(answer, expected):
    result = grade_answer(STRIDED, STRIDED.items["b.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == expected


@pytest.mark.parametrize(("rubric", "item_id", "answer", "expected"), ANCHORED)
def test_a_window_anchored_elsewhere_is_read_as_the_layer_it_defines(
    rubric, item_id, answer, expected
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == expected


# --- The words of the reference layer ------------------------------------------------------

ATTENTION = load_rubric(ROOT / "rubrics" / "attn-q1.yaml")

PROJECTIONS = [
    pytest.param(
        r"q_{n,k} = \sum_{m=1}^{N}\sum_{e=1}^{E} w_{e,k} x_{m,e} + b_k",
        "fully_connected",
        (
            "Every output reads every input, but in a projection each output row reads only "
            "its own input row, through the same weights for every row.",
        ),
        id="a query that reads every token: projection words, not a neighbourhood of a position",
    ),
    pytest.param(
        r"q_{n,k} = \sum_{u=-1}^{1}\sum_{e=1}^{E} w_{u,e,k} x_{n+u,e} + b_k",
        "kernel_size",
        (
            "Each of your output rows reads 3 input rows; in a projection each output row "
            "reads only its own input row, through the same weights for every row.",
            "Your formula reads X outside its range at the border; this layer has no padding, "
            "so every index must stay within the input's size.",
        ),
        id="a query that reads neighbouring tokens: rows, not a kernel",
    ),
    pytest.param(
        r"q_{n,k} = \sum_{m=1}^{N}\sum_{e=1}^{E} w_{m,n,e,k} x_{m,e} + b_{n,k}",
        "fully_connected",
        (
            "Every output reads every input: that is a fully connected layer, but in a "
            "projection each output row reads only its own input row, through the same "
            "weights for every row.",
            "Your weights depend on the row, so they are not shared across rows: this is not "
            "a projection, which applies the same weights to every row.",
            "Your bias differs from row to row; in this layer each output column has one "
            "bias, shared by every row.",
        ),
        id="a query with a weight per token pair: never 'not a convolution'",
    ),
    pytest.param(
        r"q_{n,k} = \sum_{e=1}^{E} w_{e} x_{n,e} + b_k",
        "channel_independent",
        (
            "Your weights do not depend on the output column, so all K output columns would "
            "differ only by their bias: each output column needs its own weights.",
        ),
        id="weights without the output column",
    ),
    pytest.param(
        r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{n,e}",
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output column has one, shared "
            "by every row.",
        ),
        id="the bias left out",
    ),
    pytest.param(
        r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{e,n} + b_k",
        "index_order",
        (
            "Your formula writes the indices of X in another order: X is N×E, so X_{e,n} "
            "should be X_{n,e}. With its indices in that order, your formula defines the right "
            "layer.",
        ),
        id="x's indices swapped: said so, not that every row is read",
    ),
    pytest.param(
        r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{e,n}",
        "index_order",
        (
            "Your formula writes the indices of X in another order: X is N×E, so X_{e,n} "
            "should be X_{n,e}.",
            "Your formula has no bias; this layer has one: each output column has one, shared "
            "by every row.",
        ),
        id="x's indices swapped and the bias left out: both said",
    ),
]


@pytest.mark.parametrize(("answer", "diagnosis", "feedback"), PROJECTIONS)
def test_a_projection_is_explained_in_the_words_of_a_projection(answer, diagnosis, feedback):
    result = grade_answer(ATTENTION, ATTENTION.items["e.formula"], answer)
    assert (result.diagnosis, result.feedback) == (diagnosis, feedback)
    assert not any(
        word in line for line in result.feedback for word in ("image", "convolution", "kernel")
    )


# --- An activation around the weighted sum -------------------------------------------------

DENSE_TANH = load_rubric(ROOT / "rubrics" / "dense-tanh-q1.yaml")

ACTIVATED = [
    pytest.param(
        r"h_{j} = tanh(b_j + \sum_{i=1}^{C} W_{j,i} x_{i})",
        "correct",
        3,
        None,
        ("Correct: your formula defines the same layer.",),
        id="renamed, the bias first, tanh without a backslash",
    ),
    pytest.param(
        r"h_k = \sum_{l=1}^{C} w_{l,k} x_l + b_k",
        "partial",
        2,
        "activation_missing",
        (
            "Your formula has no activation: this layer applies tanh to the weighted sum, "
            "tanh(… + b).",
        ),
        id="the activation left out",
    ),
    pytest.param(
        r"h_k = \sigma(\sum_{l=1}^{C} w_{l,k} x_l + b_k)",
        "partial",
        2,
        "activation_wrong",
        ("Your activation is σ; this layer applies tanh to the weighted sum.",),
        id="a sigmoid where tanh belongs",
    ),
    pytest.param(
        r"h_k = \mathrm{ReLU}(\sum_{l=1}^{C} w_{l,k} x_l + b_k)",
        "partial",
        2,
        "activation_wrong",
        ("Your activation is ReLU; this layer applies tanh to the weighted sum.",),
        id="ReLU where tanh belongs",
    ),
    pytest.param(
        r"h_k = \text{tanh}(\sum_{l=1}^{C} w_{l,k} x_l + b_k)",
        "correct",
        3,
        None,
        ("Correct: your formula defines the same layer.",),
        id="tanh written with \\text",
    ),
    pytest.param(
        r"h_k = \operatorname{tanh}\left(\sum_{l=1}^{C} w_{l,k} x_l + b_k\right)",
        "correct",
        3,
        None,
        ("Correct: your formula defines the same layer.",),
        id="tanh written with \\operatorname",
    ),
    pytest.param(
        r"h_k = \text{ReLU}(\sum_{l=1}^{C} w_{l,k} x_l + b_k)",
        "partial",
        2,
        "activation_wrong",
        ("Your activation is ReLU; this layer applies tanh to the weighted sum.",),
        id="ReLU written with \\text where tanh belongs",
    ),
    pytest.param(
        r"h_k = \sum_{l=1}^{C} w_{l,k} x_l",
        "incorrect",
        0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: every output has its own.",
            "Your formula has no activation: this layer applies tanh to the weighted sum, "
            "tanh(… + b).",
        ),
        id="two things wrong: both said, no marks",
    ),
]


@pytest.mark.parametrize(("answer", "verdict", "marks", "diagnosis", "feedback"), ACTIVATED)
def test_an_activation_is_compared_with_the_layers(answer, verdict, marks, diagnosis, feedback):
    result = grade_answer(DENSE_TANH, DENSE_TANH.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        verdict,
        marks,
        diagnosis,
        feedback,
    )


def test_an_activation_where_the_layer_has_none_is_said():
    result = grade_answer(
        GROUPED, GROUPED.items["a.formula"], "y_{i,j,k} = \\tanh(" + GROUPS.split("= ", 1)[1] + ")"
    )
    assert (result.verdict, result.diagnosis, result.feedback) == (
        "incorrect",
        "activation_extra",
        (
            "This layer's output is the weighted sum itself, with no activation; your formula "
            "applies tanh to it.",
        ),
    )
    assert result.interpretation.startswith("y[i,j,k] = tanh(Σ_{u=-1..1}")


RNN = load_rubric(ROOT / "rubrics" / "rnn-q1.yaml")


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        (r"h_t = \text{tanh}(W_x x_t + W_h h_{t-1} + b)", "correct"),
        (r"h_t = \operatorname{tanh}(W_x x_t + W_h h_{t-1} + b)", "correct"),
        (r"h_t = \text{ReLU}(W_x x_t + W_h h_{t-1} + b)", "partial"),
    ],
)
def test_a_function_name_in_text_is_read_as_in_mathrm(answer, verdict):
    assert grade_answer(RNN, RNN.items["a.formula"], answer).verdict == verdict


def test_text_around_anything_but_a_function_name_is_still_refused():
    with pytest.raises(AnswerError) as raised:
        read(DENSE_TANH, "a.formula", r"h_k = \text{foo}(\sum_{l=1}^{C} w_{l,k} x_l + b_k)")
    assert raised.value.message == "unsupported LaTeX command \\text"


# A rubric's misconception written with the bias after tanh is matched by that layer, in any
# form, and by nothing else: not the right answer (tanh of it all), not another term after tanh.
BIAS_AFTER_TANH = load_rubric_text(
    (ROOT / "rubrics" / "dense-tanh-q1.yaml")
    .read_text()
    .replace(
        "            marks: 0\n\ntests:",
        "            marks: 0\n"
        "          - answer: 'h_k = \\tanh(\\sum_{l=1}^{C} w_{l,k} x_l) + b_k'\n"
        "            feedback: The bias is added after tanh; it belongs inside.\n"
        "            marks: 0\n\ntests:",
        1,
    ),
    "bias-after-tanh.yaml",
)


@pytest.mark.parametrize(
    ("answer", "verdict", "diagnosis"),
    [
        pytest.param(r"h = \tanh(Wx) + b", "incorrect", "misconception", id="vectors"),
        pytest.param(
            r"h_k = \tanh(\sum_l W_{k,l} x_l) + b_k", "incorrect", "misconception", id="indices"
        ),
        pytest.param(
            r"h_k = \tanh(b_k) + \sum_{l=1}^{C} w_{l,k} x_l",
            "incorrect",
            "activation_outside",
            id="the weighted sum after tanh: another layer than the misconception's",
        ),
        pytest.param(r"h = \tanh(Wx + b)", "correct", None, id="the bias inside: right"),
    ],
)
def test_a_misconception_with_the_bias_after_the_activation_is_that_layer_only(
    answer, verdict, diagnosis
):
    result = grade_answer(BIAS_AFTER_TANH, BIAS_AFTER_TANH.items["a.formula"], answer)
    assert (result.verdict, result.marks) == (verdict, 0.0 if verdict != "correct" else 3.0)
    assert (result.diagnosis or "").split(" ")[0] == (diagnosis or "")


# --- Average pooling: no weights, a mean over a window -------------------------------------

POOL = load_rubric(ROOT / "rubrics" / "pool-q1.yaml")

POOLING = [
    pytest.param(
        r"y_{i,j,k} = \sum_{u=1}^{2}\sum_{v=1}^{2} x_{2i-2+u,2j-2+v,k}/4",
        "correct",
        None,
        ("Correct: your formula defines the same layer.",),
        id="the window counted from 1, divided by 4 at the end",
    ),
    pytest.param(
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k}",
        "correct",
        None,
        ("Correct: your formula defines the same layer.",),
        id="the window counted from 0: the question fixes no base",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        "partial",
        "pooling_scale",
        (
            "Your formula weighs each input of the window by 1; average pooling takes the mean "
            "of the 4 inputs of each window, each weighed 1/4.",
        ),
        id="a sum where the mean belongs",
    ),
    pytest.param(
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,j+v,k}",
        "partial",
        "pooling_window",
        ("Your windows move by 2×1 positions; this pooling's move by 2×2 (its stride).",),
        id="stride 1 along the width",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{u=0}^{1}\sum_{v=0}^{1} w_{u,v} x_{2i-1+u,2j-1+v,k}",
        "incorrect",
        "pooling_weights",
        (
            "Pooling has no learnable weights: each output is the mean of its window. Your "
            "formula multiplies the inputs by weights.",
        ),
        id="weights in a pooling layer",
    ),
    pytest.param(
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k} + b_k",
        "incorrect",
        "pooling_weights",
        (
            "Pooling has no learnable parameters: each output is the mean of its window. Your "
            "formula adds a bias, which is a learnable parameter.",
        ),
        id="a bias in a pooling layer: no weights are claimed",
    ),
    pytest.param(
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2j-1+v,2i-1+u,k}",
        "incorrect",
        "index_order",
        (
            "Your formula writes the indices of x in another order: x is P×Q×C, so "
            "x_{2j+v-1,2i+u-1,k} should be x_{2i+u-1,2j+v-1,k}. With its indices in that "
            "order, your formula defines the right layer.",
        ),
        id="pooling with the two positions swapped",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{u=0}^{1}\sum_{v=0}^{1} x_{2j-1+v,2i-1+u,k}",
        "incorrect",
        "index_order",
        (
            "Your formula writes the indices of x in another order: x is P×Q×C, so "
            "x_{2j+v-1,2i+u-1,k} should be x_{2i+u-1,2j+v-1,k}.",
            "Your formula weighs each input of the window by 1; average pooling takes the mean "
            "of the 4 inputs of each window, each weighed 1/4.",
        ),
        id="pooling with the two positions swapped, and summed",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{u=0}^{1}\sum_{v=0}^{1} w_{u,v} x_{2i-1+u,2j-1+v,k} + b",
        "incorrect",
        "pooling_weights",
        (
            "Pooling has no learnable parameters: each output is the mean of its window. Your "
            "formula multiplies the inputs by weights and adds a bias.",
        ),
        id="weights and a bias in a pooling layer",
    ),
]


@pytest.mark.parametrize(("answer", "verdict", "diagnosis", "feedback"), POOLING)
def test_average_pooling_is_explained_as_pooling(answer, verdict, diagnosis, feedback):
    result = grade_answer(POOL, POOL.items["a.formula"], answer)
    assert (result.verdict, result.diagnosis, result.feedback) == (verdict, diagnosis, feedback)


def test_default_sizes_are_even_where_the_pooled_map_is_half_the_size():
    assert all(dict(sizes)["P"] % 2 == dict(sizes)["Q"] % 2 == 0 for sizes in POOL.size_sets)


MAX_POOLING = [
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = max_{u=1}^{2} max_{v=1}^{2} x_{2i-2+u,2j-2+v,k}",
        "correct",
        None,
        ("Correct: your formula defines the same layer.",),
        id="max pooling, the window counted from 1, in plain text",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        "incorrect",
        "pooling_max",
        (
            "Your formula adds up the inputs of each window; max pooling takes the largest of "
            r"them, \max_{u}\max_{v} x_{…}.",
        ),
        id="a mean where max pooling takes the maximum",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        "incorrect",
        "pooling_mean",
        ("Your formula takes the largest input of each window; average pooling takes their mean.",),
        id="a maximum where average pooling takes the mean",
    ),
]


@pytest.mark.parametrize(("item_id", "answer", "verdict", "diagnosis", "feedback"), MAX_POOLING)
def test_max_pooling_is_compared_by_its_reduction(item_id, answer, verdict, diagnosis, feedback):
    result = grade_answer(POOL, POOL.items[item_id], answer)
    assert (result.verdict, result.diagnosis, result.feedback) == (verdict, diagnosis, feedback)


def test_a_max_where_a_weighted_sum_belongs_is_said():
    answer = (
        r"y_{i,j,k} = \max_{u=-1}^{1}\max_{v=-1}^{1}\max_{m=1}^{C/G} w_{u,v,m,k} "
        r"x_{i+u,j+v,(\lceil kG/D \rceil - 1)C/G+m} + b_k"
    )
    with pytest.raises(AnswerError) as raised:
        read(GROUPED, "a.formula", answer)
    assert raised.value.message == (
        r"a max pools one window: write y_{…} = \max_{u=0}^{1}\max_{v=0}^{1} x_{…}, with "
        "nothing added"
    )
    result = grade_answer(GROUPED, GROUPED.items["a.formula"], answer.removesuffix(" + b_k"))
    assert (result.verdict, result.feedback) == (
        "incorrect",
        (
            "Your formula has no bias; this layer has one: each output channel has one, shared "
            "by every position.",
            "Your formula takes a maximum where this layer adds up weighted inputs: each "
            "output is a sum over its inputs, not their maximum.",
        ),
    )


def test_a_formula_does_not_mix_max_and_sum():
    with pytest.raises(AnswerError) as raised:
        read(POOL, "d.formula", r"z_{i,j,k} = \max_{u=0}^{1}\sum_{v=0}^{1} x_{i+u,j+v,k}")
    assert raised.value.message == (
        "a formula either sums over its window or takes its max, not both"
    )


def test_index_numbers_too_large_for_exact_arithmetic_are_refused_not_wrapped():
    answer = r"y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u+999999999 999999999 t,l} + b_k"
    result = grade_answer(CONV1D, CONV1D.items["a.formula"], answer)
    assert (result.verdict, result.marks) == ("invalid", 0)
    assert result.feedback[0] == (
        "We could not read your answer: the index 999999998000000002*t + u has numbers too "
        "large to check (at column 1)."
    )


MAX_FOR_SUM = (
    "Your formula takes a maximum where this layer adds up weighted inputs: each output is a "
    "sum over its inputs, not their maximum."
)
NO_BIAS = (
    "Your formula has no bias; this layer has one: each output channel has one, shared by every "
    "position."
)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(r"z_{i,j,c} = \max_{u=-1}^{1}\max_{v=-1}^{1} x_{i+u,j+v,c}", id="max pooling"),
        pytest.param(
            r"z_{i,j,c} = \max_{u=-1}^{1}\max_{v=-1}^{1} w_{u,v,c} x_{i+u,j+v,c}",
            id="a weighted max",
        ),
    ],
)
def test_a_max_where_a_depthwise_convolution_sums_is_told_so_and_nothing_false(answer):
    # It once read "z[1,1,1] should read x[1,1,1], but in your formula it does not": the max
    # reads it, without a weight.
    rubric = load_rubric(ROOT / "rubrics" / "dw-sep-q1.yaml")
    result = grade_answer(rubric, rubric.items["b.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        "incorrect",
        0.0,
        "bias_missing",
        (NO_BIAS, MAX_FOR_SUM),
    )


# --- A bias shared where each output needs its own -----------------------------------------

SHARED_BIAS = [
    pytest.param(
        "22-52-q4",
        "a.formula",
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b",
        (2, "Your bias is shared by outputs that should each have their own bias."),
        id="fully connected: one bias for every output earns what no bias earns (was 0)",
    ),
    pytest.param(
        "dense-tanh-q1",
        "a.formula",
        r"h_k = \tanh(\sum_{l=1}^{C} w_{l,k} x_l + b)",
        (2, "Your bias is shared by outputs that should each have their own bias."),
        id="dense with tanh: one bias for every unit (was 0)",
    ),
    pytest.param(
        "rnn-q1",
        "a.formula",
        r"h_{t,k} = \tanh(\sum_{e=1}^{E} u_{k,e} x_{t,e} + \sum_{j=1}^{H} v_{k,j} h_{t-1,j} + b)",
        (2, "Your bias is shared where each hidden unit needs its own."),
        id="rnn: one bias for every hidden unit (was 0)",
    ),
    pytest.param(
        "dw-sep-q1",
        "b.formula",
        r"z_{i,j,c} = \sum_{u=-1}^{1}\sum_{v=-1}^{1} w_{u,v,c} x_{i+u,j+v,c} + b",
        (2, "Your bias is shared where each output channel needs its own."),
        id="depthwise: one bias for every channel (was 0)",
    ),
]


@pytest.mark.parametrize(("name", "item_id", "answer", "expected"), SHARED_BIAS)
def test_a_shared_bias_earns_at_least_what_no_bias_earns(name, item_id, answer, expected):
    rubric = load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    item = rubric.items[item_id]
    result = grade_answer(rubric, item, answer)
    assert item.partial_credit.get("bias_shared", 0.0) < item.partial_credit["bias_missing"]
    assert (result.verdict, result.diagnosis) == ("partial", "bias_shared")
    assert (result.marks, *result.feedback) == expected
