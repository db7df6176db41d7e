# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""Whole results of layer formulas that move, group or pool (issue 21: tests that bite).

The findings of `grader/kinds/formula/check.py` in the words of the reference layer: a
stride in two dimensions, the input channels a grouped convolution's filter reads (C/G, one
channel, a range of them), a fully connected formula where a projection belongs, and the
windows of average pooling (their stride, the inputs they hold). Each row pins the verdict,
the marks, the diagnosis and every line of feedback; each rubric is written here, with
partial credit for its findings, so that a finding shows in the marks too.
"""

from __future__ import annotations

import pytest

from grader.grade import grade_answer
from grader.rubric import load_rubric_text

STRIDED = load_rubric_text(
    r"""
    id: STRIDED-2D
    title: A strided convolution
    symbols:
      P: {meaning: the height, example: 9}
      Q: {meaning: the width, example: 9}
      C: {meaning: the input channels, example: 2}
      D: {meaning: the output channels, example: 4}
    check_sizes:
      - {P: 7, Q: 9, C: 2, D: 3}
      - {P: 8, Q: 6, C: 3, D: 2}
    parts:
      s:
        marks: 3
        prompt: A 3x3 convolution with stride 2 and zero padding 1.
        items:
          formula:
            type: formula
            marks: 3
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: ['\lfloor (P-1)/2 \rfloor + 1', '\lfloor (Q-1)/2 \rfloor + 1', D]}
            answer: 'y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{2i-1+u,2j-1+v,l} + b_k'
            partial_credit: {stride: 0.5}
    """,
    "strided.yaml",
)


def grouped(first_sizes: str):
    """A grouped convolution checked first at `first_sizes` (which the feedback names)."""
    return load_rubric_text(
        r"""
        id: GROUPED
        title: A grouped convolution
        symbols:
          P: {meaning: the height, example: 5}
          Q: {meaning: the width, example: 4}
          C: {meaning: the input channels, example: 4}
          D: {meaning: the output channels, example: 6}
          G: {meaning: the number of groups, example: 2}
        check_sizes:
          - FIRST
          - {P: 4, Q: 6, C: 9, D: 6, G: 3}
        parts:
          g:
            marks: 3
            prompt: A grouped 3x3 convolution with zero padding 1.
            items:
              formula:
                type: formula
                marks: 3
                input: {name: x, shape: [P, Q, C]}
                output: {name: y, shape: [P, Q, D]}
                answer: 'y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} x_{i+u,j+v,(\lceil kG/D \rceil - 1)C/G+m} + b_k'
                partial_credit: {group_channels: 1.5, group_mismatch: 1}
        """.replace("FIRST", first_sizes),
        "grouped.yaml",
    )


GROUPS_OF_TWO = grouped("{P: 7, Q: 9, C: 4, D: 6, G: 2}")
GROUPS_OF_ONE = grouped("{P: 5, Q: 4, C: 2, D: 4, G: 2}")

PROJECTION = load_rubric_text(
    r"""
    id: PROJECTION
    title: The queries of attention
    symbols:
      N: {meaning: the number of tokens, example: 5}
      E: {meaning: the embedding dimension, example: 4}
      K: {meaning: the query dimension, example: 3}
    parts:
      q:
        marks: 2
        prompt: The queries, q_{n,k}.
        items:
          formula:
            type: formula
            marks: 2
            input: {name: X, shape: [N, E]}
            output: {name: Q, shape: [N, K]}
            padding: none
            answer: 'q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{n,e} + b_k'
            partial_credit: {fully_connected: 0.5}
    """,
    "projection.yaml",
)

POOLING = load_rubric_text(
    r"""
    id: POOLING
    title: Average pooling
    symbols:
      P: {meaning: the height (even), example: 8}
      Q: {meaning: the width (even), example: 8}
      C: {meaning: the channels, example: 3}
    parts:
      a:
        marks: 3
        prompt: 2x2 average pooling with stride 2.
        items:
          formula:
            type: formula
            marks: 3
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P/2, Q/2, C]}
            answer: 'y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k}'
            partial_credit: {pooling_scale: 2, pooling_window: 1}
    """,
    "pooling.yaml",
)

# Max pooling whose last windows the border cuts (odd sizes): the reference's windows are not
# all whole, and a stride mistake is still its window placed wrongly.
CUT_POOLING = load_rubric_text(
    r"""
    id: CUT
    title: Max pooling, windows cut at the border
    symbols:
      P: {meaning: the height, example: 7}
      Q: {meaning: the width, example: 5}
      C: {meaning: the channels, example: 3}
    parts:
      a:
        marks: 2
        prompt: 2x2 max pooling with stride 2, the last window cut where a size is odd.
        items:
          formula:
            type: formula
            marks: 2
            input: {name: x, shape: [P, Q, C]}
            output: {name: z, shape: ['\lfloor (P+1)/2 \rfloor', '\lfloor (Q+1)/2 \rfloor', C]}
            answer: 'z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} x_{2i-1+u,2j-1+v,k}'
            partial_credit: {pooling_window: 1}
    """,
    "cut.yaml",
)

CASES = [
    pytest.param(
        STRIDED,
        "s.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{2i-1+u,j+v,l} + b_k",
        ("partial", 0.5, "stride"),
        ("Your stride is 1 along the width; the layer has stride 2 in both directions.",),
        id="a stride of 1 along one axis, where the layer has 2 in both",
    ),
    pytest.param(
        # The weights w_{l,k} are shared by the window's taps as well as by positions: their
        # "slope" from one window's last input to the next one's first is no stride.
        STRIDED,
        "s.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{l,k} x_{i+u,j+v,l} + b_k",
        ("partial", 0.5, "stride"),
        (
            "Your stride is 1 along both the height and the width; the layer has stride 2 in both directions.",
        ),
        id="weights shared by a window's taps, moved by 1: its stride is 1, not -1",
    ),
    pytest.param(
        # Output rows 2t and 2t + 1 read the same window: no one stride (the slopes through a
        # weight are 0 and 1), so the kernel's span is told instead. (The second line's words,
        # weights depending on the position, fit this formula badly; it is pinned as it is.)
        STRIDED,
        "s.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{\lfloor i/2 \rfloor+1+u,2j-1+v,l} + b_k",
        ("incorrect", 0.0, "kernel_size"),
        (
            "Your kernel spans 4×3 positions instead of 3×3 positions.",
            "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
        ),
        id="windows that move by 0 and 1 in turn have no stride",
    ),
    pytest.param(
        # A weight for even rows and one for odd: through each, the window moves half a row
        # per output row, which is no whole stride.
        STRIDED,
        "s.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k,i-2\lfloor i/2 \rfloor} x_{\lfloor i/2 \rfloor+1+u,2j-1+v,l} + b_k",
        ("incorrect", 0.0, "kernel_size"),
        (
            "Your kernel spans 4×3 positions instead of 3×3 positions.",
            "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
        ),
        id="a window moving half a row per output row through each weight has no stride",
    ),
    pytest.param(
        GROUPS_OF_TWO,
        "g.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        ("partial", 1.5, "group_channels"),
        (
            "Your filters read every input channel; in a grouped convolution each reads C/G of them.",
        ),
        id="filters reading every channel, where each reads C/G",
    ),
    pytest.param(
        GROUPS_OF_TWO,
        "g.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{l,k} x_{i+u,j+v,l} + b_k",
        ("partial", 1.5, "group_channels"),
        (
            "Your filters read every input channel; in a grouped convolution each reads C/G of them.",
        ),
        id="weights shared by a window's taps reading every channel: no stride of -1",
    ),
    pytest.param(
        GROUPS_OF_TWO,
        "g.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} x_{i+u,j+v,\lfloor kG/D \rfloor C/G+m} + b_k",
        ("partial", 1.0, "group_mismatch"),
        (
            "Your filters read C/G input channels each, but not those of their own group: with P=7, Q=9, C=4, D=6, G=2, output channel 3 should read input channels 1 to 2, yours reads 3 to 4.",
        ),
        id="another group's channels: two of them, shown as a range",
    ),
    pytest.param(
        GROUPS_OF_TWO,
        "g.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} x_{i+u,j+v,G(m-1)+\lceil kG/D \rceil} + b_k",
        ("partial", 1.0, "group_mismatch"),
        (
            "Your filters read C/G input channels each, but not those of their own group: with P=7, Q=9, C=4, D=6, G=2, output channel 1 should read input channels 1 to 2, yours reads 1 and 3.",
        ),
        id="channels of every group, interleaved: shown as a list",
    ),
    pytest.param(
        GROUPS_OF_ONE,
        "g.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} x_{i+u,j+v,m} + b_k",
        ("partial", 1.0, "group_mismatch"),
        (
            "Your filters read C/G input channels each, but not those of their own group: with P=5, Q=4, C=2, D=4, G=2, output channel 3 should read input channels 2, yours reads 1.",
        ),
        id="another group's channel: one of them, shown alone",
    ),
    pytest.param(
        PROJECTION,
        "q.formula",
        r"q_{n,k} = \sum_{m=1}^{N}\sum_{e=1}^{E} w_{m,e,n,k} x_{m,e} + b_k",
        ("incorrect", 0.0, "fully_connected"),
        (
            "Every output reads every input: that is a fully connected layer, but in a projection each output row reads only its own input row, through the same weights for every row.",
            "Your weights depend on the row, so they are not shared across rows: this is not a projection, which applies the same weights to every row.",
        ),
        id="a fully connected layer where a projection belongs, in a projection's words",
    ),
    pytest.param(
        PROJECTION,
        "q.formula",
        r"q_{n,k} = \sum_{u=-1}^{1}\sum_{e=1}^{E} w_{u,e,k} x_{n+u,e} + b_k",
        ("incorrect", 0.0, "kernel_size"),
        (
            "Each of your output rows reads 3 input rows; in a projection each output row reads only its own input row, through the same weights for every row.",
            "Your formula reads X outside its range at the border; this layer has no padding, so every index must stay within the input's size.",
        ),
        id="a window of three rows where a projection reads one",
    ),
    pytest.param(
        PROJECTION,
        "q.formula",
        r"q_{n,k} = \sum_{m=1}^{N} w_{m-n,k} x_{m,k} + b_k",
        ("incorrect", 0.0, "kernel_size"),
        (
            "Each of your output rows reads every input row; in a projection each output row reads only its own input row, through the same weights for every row.",
            "Your sum over m runs over N values where E belongs (E is the embedding dimension).",
        ),
        id="every row, through weights that move with the row, where a projection reads one",
    ),
    pytest.param(
        POOLING,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,j+v,k}",
        ("partial", 1.0, "pooling_window"),
        ("Your windows move by 2×1 positions; this pooling's move by 2×2 (its stride).",),
        id="pooling windows that move by 1 along the width",
    ),
    pytest.param(
        POOLING,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j-1+v,k}",
        ("partial", 1.0, "pooling_window"),
        (
            "Your windows hold the wrong inputs: with P=6, Q=4, C=3, y[1,1,1] reads x[2,1,1], x[2,2,1], x[3,1,1] and x[3,2,1]; it should average x[1,1,1], x[1,2,1], x[2,1,1] and x[2,2,1].",
        ),
        id="pooling windows one row off",
    ),
    pytest.param(
        POOLING,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{2}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        ("incorrect", 0.0, "pooling_inputs"),
        (
            "Your windows are not this pooling's: with P=6, Q=4, C=3, y[1,1,1] reads the 6 inputs x[1..3,1..2,1]; it should average x[1,1,1], x[1,2,1], x[2,1,1] and x[2,2,1].",
        ),
        id="pooling windows a row too tall: not the pooling's window, no credit",
    ),
    pytest.param(
        CUT_POOLING,
        "a.formula",
        r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} x_{i+u,j+v,k}",
        ("partial", 1.0, "pooling_window"),
        ("Your windows move by 1×1 positions; this pooling's move by 2×2 (its stride).",),
        id="windows cut at the border: a stride mistake is still the window placed wrongly",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "outcome", "feedback"), CASES)
def test_a_formula_that_moves_groups_or_pools_gets_its_whole_result(
    rubric, item, answer, outcome, feedback
):
    result = grade_answer(rubric, rubric.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


FOUR = load_rubric_text(
    r"""
    id: FOUR
    title: A convolution over four positions
    symbols:
      C: {meaning: the input channels, example: 2}
      D: {meaning: the output channels, example: 3}
    parts:
      c:
        marks: 2
        prompt: A convolution with a kernel of 3 and zero padding 1 over 4 positions.
        items:
          formula:
            type: formula
            marks: 2
            input: {name: x, shape: [4, C]}
            output: {name: y, shape: [4, D]}
            answer: 'y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{i+u,l} + b_k'
            partial_credit: {kernel_size: 1}
    """,
    "four.yaml",
)


def test_an_axis_of_a_fixed_number_of_positions_is_an_axis_of_positions():
    # 4 input positions to 4 output positions: the same number, so positions, and a kernel.
    result = grade_answer(
        FOUR, FOUR.items["c.formula"], r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k"
    )
    assert (result.verdict, result.marks, result.diagnosis) == ("partial", 1.0, "kernel_size")
    assert result.feedback == (
        "Each output reads only the inputs at its own position (a 1×1 kernel); this layer's kernel spans 3 positions.",
    )
