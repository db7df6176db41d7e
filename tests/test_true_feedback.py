"""Formula feedback says only what is true of the answer (branch truth): an index order is
named as the mistake only where putting it right keeps every term, and a kernel is said to
span the whole image, or to be of another size, only where it is; a window that the image's
border cuts at every output is not measured by what is left of it."""

# Formulas are written out in full, as students write them, so some lines are long.
# ruff: noqa: E501

import itertools
import re
from pathlib import Path

import pytest

from grader.grade import grade_answer
from grader.kinds.formula import ExampleNames
from grader.kinds.matrix.check import NEAR_MISSES  # told as the rewriting: the answer by design
from grader.kinds.matrix.parse import parse_matrix
from grader.model import Rubric
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent
Q4 = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
ATTENTION = load_rubric(ROOT / "rubrics" / "attn-q1.yaml")
CONV1D = load_rubric(ROOT / "rubrics" / "conv1d-q1.yaml")
STRIDED = load_rubric(ROOT / "rubrics" / "strided-q1.yaml")
POOL = load_rubric(ROOT / "rubrics" / "pool-q1.yaml")
RUBRICS = {
    "22-52-q4": Q4,
    "attn-q1": ATTENTION,
    "conv1d-q1": CONV1D,
    "strided-q1": STRIDED,
    "pool-q1": POOL,
}

CONV3 = r"\sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k}"
RIGHT_ORDER = "With its indices in that order, your formula defines the right layer."

INDEX_ORDER = [
    pytest.param(
        "22-52-q4",
        "b.formula",
        rf"y_{{i,j,k}} = {CONV3} x_{{i+u,j+v,l}} + \sum_{{l=1}}^{{C}} a_{{l,k}} x_{{i+3,j,l}} + b_k",
        "kernel_size",
        ("Your kernel spans 5×3 positions instead of 3×3 positions.",),
        id="an extra term that another order would read outside the input: the term is the mistake",
    ),
    pytest.param(
        "22-52-q4",
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + \sum_{l=1}^{C} a_{l,k} x_{i+3,j,l} + b_k",
        "kernel_size",
        ("Your kernel spans 4×1 positions instead of only each output's own position.",),
        id="an extra term in a 1x1 convolution: not an index order",
    ),
    pytest.param(
        "attn-q1",
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{n,e} + \sum_{e=1}^{E} a_{e,k} x_{n+E,e} + b_k",
        "connectivity",
        (
            "Your outputs read the wrong inputs: with N=5, E=4, K=3, your Q[1,1] reads X[5,1], "
            "which it should not.",
            "Your formula reads X outside its range at the border; this layer has no padding, "
            "so every index must stay within the input's size.",
        ),
        id="an extra token read by a projection: neither an index order nor every row",
    ),
    pytest.param(
        "22-52-q4",
        "b.formula",
        rf"y_{{i,j,k}} = {CONV3} x_{{j+v,i+u,l}} + b_k",
        "index_order",
        (
            "Your formula writes the indices of x in another order: x is P×Q×C, so "
            f"x_{{j+v,i+u,l}} should be x_{{i+u,j+v,l}}. {RIGHT_ORDER}",
        ),
        id="the two positions swapped: still the right layer in order",
    ),
    pytest.param(
        "22-52-q4",
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{l,j,i} + b_k",
        "index_order",
        (
            "Your formula writes the indices of x in another order: x is P×Q×C, so "
            f"x_{{l,j,i}} should be x_{{i,j,l}}. {RIGHT_ORDER}",
        ),
        id="the channel written first: still the right layer in order",
    ),
    pytest.param(
        "attn-q1",
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{e,n} + b_k",
        "index_order",
        (
            "Your formula writes the indices of X in another order: X is N×E, so X_{e,n} "
            f"should be X_{{n,e}}. {RIGHT_ORDER}",
        ),
        id="a token's indices swapped: still the right layer in order",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "diagnosis", "feedback"), INDEX_ORDER)
def test_an_index_order_is_the_mistake_only_where_every_term_stays(
    rubric, item, answer, diagnosis, feedback
):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert (result.diagnosis, result.feedback) == (diagnosis, feedback)


WRONG_INPUTS = (
    "Your outputs read the wrong inputs: with P=5, Q=4, C=3, D=2, y[1,1,1] should read "
    "x[1,1,1], but in your formula it does not."
)
WHOLE_IMAGE = (
    "Your kernel spans the whole image instead of 3×3 positions: it is as large as the image "
    "itself."
)
EVERYWHERE = (
    "Your kernel spans the whole image instead of 3×3 positions: its offsets run over every "
    "position, so each output reads inputs from everywhere."
)

KERNELS = [
    pytest.param(
        rf"y_{{i,j,k}} = {CONV3} x_{{i+u+4,j+v,l}} + b_k",
        "connectivity",
        (WRONG_INPUTS,),
        id="a 3x3 window moved 4 rows down: wrong inputs, not the whole image",
    ),
    pytest.param(
        rf"y_{{i,j,k}} = {CONV3} x_{{i+u,j+v+3,l}} + b_k",
        "connectivity",
        (WRONG_INPUTS,),
        id="a 3x3 window moved 3 columns right: wrong inputs, not the whole image",
    ),
    pytest.param(
        rf"y_{{i,j,k}} = {CONV3} x_{{i+u+3,j+v+3,l}} + b_k",
        "connectivity",
        (WRONG_INPUTS,),
        id="a 3x3 window moved past its span both ways: not a 3x2 kernel",
    ),
    pytest.param(
        rf"y_{{i,j,k}} = {CONV3} x_{{i+u+5,j+v,l}} + b_k",
        "connectivity",
        (WRONG_INPUTS,),
        id="a 3x3 window moved 5 rows down: not a 1x3 kernel",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i+1,j,l} + b_k",
        "kernel_size",
        ("Your kernel spans 1×1 positions instead of 3×3 positions.",),
        id="a 1x1 kernel one row down: not said to read its own position",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{u=1}^{5}\sum_{v=1}^{5}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-3,j+v-3,l} + b_k",
        "kernel_size",
        ("Your kernel spans 5×5 positions instead of 3×3 positions.",),
        id="a 5x5 kernel on the 5x4 and 6x7 images: its size, not the whole image",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{u=-3}^{3}\sum_{v=-3}^{3}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        "kernel_size",
        (WHOLE_IMAGE,),
        id="a 7x7 kernel covers both images: the whole image",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{l=1}^{C}\sum_{p=1}^{P}\sum_{q=1}^{Q} w_{p,q,l,k} x_{i-p,j-q,l} + b_k",
        "kernel_size",
        (WHOLE_IMAGE,),
        id="a P x Q kernel grows with the image: the whole image",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{u=-P}^{P}\sum_{v=-Q}^{Q} w_{u,v,k} x_{i+u,j+v,1} + b_k",
        "kernel_size",
        (EVERYWHERE,),
        id="a kernel twice the image: each output reads every position, of one channel",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        "kernel_size",
        (
            "Each output reads only the inputs at its own position (a 1×1 kernel); this "
            "layer's kernel spans 3×3 positions.",
        ),
        id="a 1x1 kernel at its own position",
    ),
]


@pytest.mark.parametrize(("answer", "diagnosis", "feedback"), KERNELS)
def test_a_kernel_is_measured_only_where_the_border_does_not_cut_it(answer, diagnosis, feedback):
    result = grade_answer(Q4, Q4.items["b.formula"], answer)
    assert (result.diagnosis, result.feedback) == (diagnosis, feedback)


MOVED = [
    pytest.param(
        "conv1d-q1",
        "a.formula",
        r"y_{t,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        ("partial", 1.0, "kernel_size"),
        ("Your kernel spans 3 positions instead of 5 positions (with P=11, K=5, C=3, D=2).",),
        id="a fixed kernel of 3 where K belongs: its size where the sizes tell them apart",
    ),
    pytest.param(
        "conv1d-q1",
        "a.formula",
        r"y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u+P,l} + b_k",
        ("incorrect", 0.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=9, K=3, C=2, D=4, y[1,1] should read "
            "x[1,1], but in your formula it does not.",
        ),
        id="a window moved by P: shared weights are not said to depend on the position",
    ),
    pytest.param(
        "strided-q1",
        "b.formula",
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u+3,l} + b_k",
        ("incorrect", 0.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=5, C=4, D=3, y[1,1] should read x[1,1], "
            "but in your formula it does not.",
        ),
        id="a strided window moved past its span: neither the whole image nor unshared weights",
    ),
    pytest.param(
        "22-52-q4",
        "b.formula",
        rf"y_{{i,j,k}} = {CONV3} x_{{i+u+P,j+v,l}} + b_k",
        ("incorrect", 0.0, "connectivity"),
        (WRONG_INPUTS,),
        id="a 3x3 window moved down by P: not a 1x3 kernel",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "outcome", "feedback"), MOVED)
def test_a_window_moved_past_the_border_is_told_what_it_reads(
    rubric, item, answer, outcome, feedback
):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


POOLED = [
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} w_{u,v} x_{2i-1+u,2j-1+v,k}",
        (
            "Pooling has no learnable weights: each output is the largest input of its "
            "window. Your formula multiplies the inputs by weights.",
        ),
        id="max pooling with weights: its output is the largest input, not the mean",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} w_{u,v} x_{2i-1+u,2j-1+v,k}",
        (
            "Pooling has no learnable weights: each output is the mean of its window. Your "
            "formula multiplies the inputs by weights.",
        ),
        id="average pooling with weights: the mean",
    ),
]


@pytest.mark.parametrize(("item", "answer", "feedback"), POOLED)
def test_pooling_with_parameters_says_what_its_output_is(item, answer, feedback):
    result = grade_answer(POOL, POOL.items[item], answer)
    assert (result.diagnosis, result.feedback) == ("pooling_weights", feedback)


SCALED_POOLS = [
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} \frac{1}{4} x_{2i-1+u,2j-1+v,k}",
        "Your formula scales by 1/4; max pooling takes the largest input of each window as it "
        "is, not scaled.",
        id="max pooling over a quarter of each input: told as max pooling, not as a mean",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = 2\max_{u=0}^{1}\max_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        "Your formula scales by 2; max pooling takes the largest input of each window as it "
        "is, not scaled.",
        id="twice the max: told as max pooling, not as a mean",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \frac{1}{2}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        "Your formula weighs each input of the window by 1/2; average pooling takes the mean "
        "of the 4 inputs of each window, each weighed 1/4.",
        id="average pooling halved: told as the mean",
    ),
]


@pytest.mark.parametrize(("item", "answer", "feedback"), SCALED_POOLS)
def test_a_scaled_pooling_is_told_in_its_own_pooling_s_words(item, answer, feedback):
    result = grade_answer(POOL, POOL.items[item], answer)
    assert (result.diagnosis, result.feedback) == ("pooling_scale", (feedback,))


# A window that moves by another stride and a scale besides are two mistakes: both said, and
# two findings earn no partial credit (pool-q1 gives pooling_window 1). The scale was left out.
STRIDE_1 = "Your windows move by 1×1 positions; this pooling's move by 2×2 (its stride)."
WINDOWS_AND_SCALE = [
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} 2x_{i+u,j+v,k}",
        ("incorrect", 0.0, "pooling_window"),
        (
            STRIDE_1,
            "Your formula scales by 2; max pooling takes the largest input of each window as "
            "it is, not scaled.",
        ),
        id="max pooling with stride 1, scaled by 2: both said",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{u,v} 2x_{i+u,j+v,k}",
        ("incorrect", 0.0, "pooling_window"),
        (
            STRIDE_1,
            "Your formula scales by 2; max pooling takes the largest input of each window as "
            "it is, not scaled.",
        ),
        id="the same with the ranges left out",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \sum_{u=0}^{1}\sum_{v=0}^{1} x_{i+u,j+v,k}",
        ("incorrect", 0.0, "pooling_window"),
        (
            STRIDE_1,
            "Your formula weighs each input of the window by 1; average pooling takes the mean "
            "of the 4 inputs of each window, each weighed 1/4.",
        ),
        id="average pooling with stride 1, not divided by 4: both said",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \frac{1}{9}\sum_{u=0}^{2}\sum_{v=0}^{2} x_{2i+u,2j+v,k}",
        ("incorrect", 0.0, "pooling_inputs"),
        (
            "Your windows are not this pooling's: with P=6, Q=4, C=3, y[0,0,0] reads the 9 "
            "inputs x[0..2,0..2,0]; it should average x[0,0,0], x[0,1,0], x[1,0,0] and x[1,1,0].",
        ),
        id="the mean of a 3x3 window: its 1/9 is its window's mean, no scale of its own; "
        "another window than the pooling's, not its window misplaced: no credit",
    ),
]


@pytest.mark.parametrize(("item", "answer", "outcome", "feedback"), WINDOWS_AND_SCALE)
def test_a_pooling_window_and_its_scale_both_wrong_are_both_said(item, answer, outcome, feedback):
    result = grade_answer(POOL, POOL.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


# pool-q1's `pooling_window` credit is for the 2x2 window of the output's channel placed
# wrongly (a stride or an offset mistake). A max or a 1/4-weighted sum over anything else (the
# channels, one input, the whole map, one fixed block) got it too; such windows are now
# `pooling_inputs`, 0 marks, told what the first output that differs reads and should read;
# a layer gets one result however it is written (x_{2i,2j,k}, or a max over one input).
NOT_THE_WINDOW_MAX = "it should take the max of x[1,1,1], x[1,2,1], x[2,1,1] and x[2,2,1]."
NOT_THE_WINDOW_MEAN = "it should average x[1,1,1], x[1,2,1], x[2,1,1] and x[2,2,1]."
NOT_THE_WINDOW = "Your windows are not this pooling's: with P=6, Q=4, C=3, "
# The same, for a formula that counts from 0 (`index_base: any`): quoted from 0, as written.
NOT_THE_WINDOW_MAX_0 = "it should take the max of x[0,0,0], x[0,1,0], x[1,0,0] and x[1,1,0]."
NOT_THE_WINDOW_MEAN_0 = "it should average x[0,0,0], x[0,1,0], x[1,0,0] and x[1,1,0]."
BLOCK_64 = ", ".join(f"x_{{{a},{b},k}}" for a in range(8) for b in range(8))
OTHER_WINDOWS = [
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{l=1}^{C} x_{2i,2j,l}",
        NOT_THE_WINDOW + "z[1,1,1] reads x[2,2,1], x[2,2,2] and x[2,2,3]; " + NOT_THE_WINDOW_MAX,
        id="max over the channels at one position",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{u=0}^{0}\max_{v=0}^{0} x_{2i+u,2j+v,k}",
        NOT_THE_WINDOW + "z[0,0,0] reads only x[0,0,0]; " + NOT_THE_WINDOW_MAX_0,
        id="max over a 1x1 window",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = x_{2i,2j,k}",
        NOT_THE_WINDOW + "z[0,0,0] reads only x[0,0,0]; " + NOT_THE_WINDOW_MAX_0,
        id="the same layer as one input: the same result, not told it adds up its window",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{u=1}^{P}\max_{v=1}^{Q} x_{u,v,k}",
        NOT_THE_WINDOW + "z[1,1,1] reads the 24 inputs x[1..6,1..4,1]; " + NOT_THE_WINDOW_MAX,
        id="a global max, every output the same",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max\{x_{1,1,k}, x_{2,1,k}, x_{1,2,k}, x_{2,2,k}\}",
        NOT_THE_WINDOW
        + "z[1,2,1] reads x[1,1,1], x[1,2,1], x[2,1,1] and x[2,2,1]; it should take the max "
        "of x[1,3,1], x[1,4,1], x[2,3,1] and x[2,4,1].",
        id="a fixed corner list, every output the same",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max\{" + BLOCK_64 + r"\}",
        NOT_THE_WINDOW + "z[1,1,1] reads the 24 inputs x[1..6,1..4,1]; " + NOT_THE_WINDOW_MAX,
        id="a fixed 8x8 block",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{l=1}^{C} x_{2i,2j,l}",
        NOT_THE_WINDOW + "y[1,1,1] reads x[2,2,1], x[2,2,2] and x[2,2,3]; " + NOT_THE_WINDOW_MEAN,
        id="a quarter of the sum over the channels",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{0}\sum_{v=0}^{0} x_{2i+u,2j+v,k}",
        NOT_THE_WINDOW + "y[0,0,0] reads only x[0,0,0]; " + NOT_THE_WINDOW_MEAN_0,
        id="a quarter of a 1x1 window",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}(x_{1,1,k}+x_{2,1,k}+x_{1,2,k}+x_{2,2,k})",
        NOT_THE_WINDOW
        + "y[1,2,1] reads x[1,1,1], x[1,2,1], x[2,1,1] and x[2,2,1]; it should average "
        "x[1,3,1], x[1,4,1], x[2,3,1] and x[2,4,1].",
        id="the mean of a fixed corner, every output the same",
    ),
    # An empty range reads nothing: told so (it was "Your formula scales by ; …", no number).
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{0 < u,v < 1} x_{2i+u,2j+v,k}",
        NOT_THE_WINDOW + "z[1,1,1] reads no input; " + NOT_THE_WINDOW_MAX,
        id="a max over an empty range",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{0 < u,v < 1} x_{2i+u,2j+v,k}",
        NOT_THE_WINDOW + "y[1,1,1] reads no input; " + NOT_THE_WINDOW_MEAN,
        id="a sum over an empty range",
    ),
]


@pytest.mark.parametrize(("item", "answer", "feedback"), OTHER_WINDOWS)
def test_another_window_than_the_poolings_earns_no_window_credit(item, answer, feedback):
    result = grade_answer(POOL, POOL.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == (
        "incorrect",
        0.0,
        "pooling_inputs",
    )
    assert result.feedback == (feedback,)


# One layer, one result however it is written: an output that reads one input is that input,
# whether written bare or as a max, a min or a sum over a window of one input.
ONE_INPUT = [
    pytest.param(
        "d.formula",
        (
            r"z_{i,j,k} = x_{2i,2j,k}",
            r"z_{i,j,k} = \max_{u=0}^{0}\max_{v=0}^{0} x_{2i+u,2j+v,k}",
            r"z_{i,j,k} = \min_{u=0}^{0}\min_{v=0}^{0} x_{2i+u,2j+v,k}",
        ),
        id="one input, bare, as a max and as a min",
    ),
    pytest.param(
        "d.formula",
        (
            r"z_{i,j,k} = -x_{2i,2j,k}",
            r"z_{i,j,k} = \max_{u=0}^{0}\max_{v=0}^{0} (-x_{2i+u,2j+v,k})",
        ),
        id="one input negated, bare and as a max: its scale said either way",
    ),
    pytest.param(
        "a.formula",
        (
            r"y_{i,j,k} = \frac{1}{4} x_{2i,2j,k}",
            r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{0}\sum_{v=0}^{0} x_{2i+u,2j+v,k}",
        ),
        id="a quarter of one input, bare and as a sum",
    ),
]


@pytest.mark.parametrize(("item", "answers"), ONE_INPUT)
def test_one_layer_gets_one_result_however_it_is_written(item, answers):
    results = [grade_answer(POOL, POOL.items[item], answer) for answer in answers]
    outcomes = {(r.verdict, r.marks, r.diagnosis, r.feedback) for r in results}
    assert len(outcomes) == 1, outcomes
    assert (results[0].verdict, results[0].marks) == ("incorrect", 0.0)  # no window at all


# A minus sign inside a max cannot leave it: max(-x) = -min(x), minus the smallest input,
# which is another layer, not max pooling scaled by -1 (it was read as -max x and told so).
# A minus outside the max is a scale, as before.
MIN = "A minus sign inside a max makes it a min, max(-x) = -min(x): your formula takes "
NEGATED = "read the max of negated inputs as minus their min: max(-x) = -min(x)"
FROM_0 = "read the indices as counted from 0"
NEGATED_MAX = [
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} (-x_{2i+u,2j+v,k})",
        ("incorrect", 0.0, "pooling_min"),
        "z[i,j,k] = -min_{u=0..1} min_{v=0..1} x[2i+u,2j+v,k]",
        (
            MIN + "minus the smallest input of each window; max pooling takes the largest input "
            "of each window.",
        ),
        (NEGATED, FROM_0),
        id="max of negated inputs, counted from 0: -min, not -max",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = -\max_{u=0}^{1}\max_{v=0}^{1} (-x_{2i-1+u,2j-1+v,k})",
        ("incorrect", 0.0, "pooling_min"),
        "z[i,j,k] = min_{u=0..1} min_{v=0..1} x[2i+u-1,2j+v-1,k]",
        (
            MIN + "the smallest input of each window; max pooling takes the largest input of "
            "each window.",
        ),
        (NEGATED,),
        id="minus the max of negated inputs: the min",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} (-2x_{i+u,j+v,k})",
        ("incorrect", 0.0, "pooling_window"),
        "z[i,j,k] = -min_{u=0..1} min_{v=0..1} 2·x[i+u,j+v,k]",
        (
            "Your windows move by 1×1 positions; this pooling's move by 2×2 (its stride).",
            MIN + "-2 times the smallest input of each window; max pooling takes the largest "
            "input of each window.",
        ),
        (NEGATED,),
        id="negated, doubled and of stride 1: the factor said once, with the min",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} (-x_{2i-1+u,2j-1+v,k})",
        ("incorrect", 0.0, "pooling_mean"),
        "y[i,j,k] = -min_{u=0..1} min_{v=0..1} x[2i+u-1,2j+v-1,k]",
        (MIN + "minus the smallest input of each window; average pooling takes their mean.",),
        (NEGATED,),
        id="where average pooling belongs",
    ),
    pytest.param(
        "d.formula",
        r"z_{i,j,k} = -\max_{u=0}^{1}\max_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        ("incorrect", 0.0, "pooling_scale"),
        "z[i,j,k] = -max_{u=0..1} max_{v=0..1} x[2i+u-1,2j+v-1,k]",
        (
            "Your formula scales by -1; max pooling takes the largest input of each window as "
            "it is, not scaled.",
        ),
        (),
        id="a minus before the max is a scale of the max",
    ),
]


@pytest.mark.parametrize(("item", "answer", "outcome", "reading", "feedback", "notes"), NEGATED_MAX)
def test_a_minus_inside_a_max_is_read_as_a_min(item, answer, outcome, reading, feedback, notes):
    result = grade_answer(POOL, POOL.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.interpretation == reading
    assert result.feedback == feedback
    assert result.reading_notes == notes
    # the reading's MathML shows the min it says
    assert ("<mo>min</mo>" in result.reading_mathml) == ("min_" in reading)


ALIKE = [
    pytest.param(
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l} x_{i,j,l}",
        "would be identical",
        id="no bias: the channels are identical",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l} x_{i,j,l} + b",
        "would be identical",
        id="one bias for all: the channels are identical",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l} x_{i,j,l} + b_k",
        "would differ only by their bias",
        id="a bias per channel sets the channels apart: not identical",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l} x_{i,j,l} + b_{i,j,k}",
        "would differ only by their bias",
        id="a bias per output sets the channels apart: not identical",
    ),
]


@pytest.mark.parametrize(("answer", "alike"), ALIKE)
def test_channels_with_their_own_bias_are_not_called_identical(answer, alike):
    result = grade_answer(Q4, Q4.items["c.formula"], answer)
    assert result.diagnosis == "channel_independent"
    assert result.feedback[0] == (
        f"Your weights do not depend on the output channel, so all D output channels {alike}: "
        "each output channel needs its own weights."
    )


READS_ALL = [
    pytest.param(
        "22-52-q4",
        "b.formula",
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m-i,n-j,l,k} x_{m,n,l} + b_k",
        (
            "Every output reads every input, but this layer reads only a small neighbourhood "
            "of each position.",
        ),
        id="a shared kernel over the whole image is not called a fully connected layer",
    ),
    pytest.param(
        "22-52-q4",
        "b.formula",
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_k",
        (
            "Every output reads every input: that is a fully connected layer, but this layer "
            "reads only a small neighbourhood of each position.",
            "Your weights depend on the position, so they are not shared across positions: "
            "this is not a convolution.",
        ),
        id="a weight for every connection is a fully connected layer",
    ),
    pytest.param(
        "attn-q1",
        "e.formula",
        r"q_{n,k} = \sum_{m=1}^{N}\sum_{e=1}^{E} w_{e,k} x_{m,e} + b_k",
        (
            "Every output reads every input, but in a projection each output row reads only "
            "its own input row, through the same weights for every row.",
        ),
        id="the same weights for every token read: not called a fully connected layer",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "feedback"), READS_ALL)
def test_reading_every_input_is_a_fully_connected_layer_only_without_shared_weights(
    rubric, item, answer, feedback
):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert (result.diagnosis, result.feedback) == ("fully_connected", feedback)


BIASES_AND_ONE_BY_ONE = [
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_{i,j,k}",
        "not_fully_connected",
        (
            "Each output reads only the inputs at its own position, but in a fully connected "
            "layer every output reads every input.",
        ),
        id="weights of each position's own are not called a 1x1 convolution",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_{i,j,k}",
        "not_fully_connected",
        (
            "This is a 1×1 convolution, not a fully connected layer: each output reads only "
            "the inputs at its own position, but in a fully connected layer every output reads "
            "every input.",
        ),
        id="shared weights at each position are a 1x1 convolution",
    ),
    pytest.param(
        "b.formula",
        rf"y_{{i,j,k}} = {CONV3} x_{{i+u,j+v,l}} + b_{{k,i}}",
        "bias_unshared",
        (
            "Your bias differs from position to position; in this layer each output channel "
            "has one bias, shared by every position.",
        ),
        id="a bias per channel and row is not called shared",
    ),
    pytest.param(
        "b.formula",
        rf"y_{{i,j,k}} = {CONV3} x_{{i+u,j+v,l}} + b_{{i,j}}",
        "bias_shared",
        (
            "Your bias differs from position to position and is shared by the output channels "
            "of a position; in this layer each output channel has one bias, shared by every "
            "position.",
        ),
        id="a bias per position, shared by the channels, is called shared",
    ),
]


@pytest.mark.parametrize(("item", "answer", "diagnosis", "feedback"), BIASES_AND_ONE_BY_ONE)
def test_shared_is_said_only_of_what_is_shared(item, answer, diagnosis, feedback):
    result = grade_answer(Q4, Q4.items[item], answer)
    assert (result.diagnosis, result.feedback) == (diagnosis, feedback)


COUNTED_FROM_ZERO = [
    pytest.param(
        "pool-q1",
        "a.formula",
        r"y_{i,j,k} = \frac{1}{2}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k}",
        ("partial", 2.0, "pooling_scale"),
        (
            "Your formula weighs each input of the window by 1/2; average pooling takes the "
            "mean of the 4 inputs of each window, each weighed 1/4.",
        ),
        ("read the indices as counted from 0",),
        id="pooling counted from 0 with the wrong scale: its windows are not called wrong",
    ),
    pytest.param(
        "strided-q1",
        "b.formula",
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i+u,l}",
        ("partial", 1.0, "bias_missing"),
        (
            "Your formula has no bias; this layer has one: each output channel has one, shared "
            "by every position.",
        ),
        ("read the positions' indices as counted from 0 and the channels' from 1",),
        id="a strided window counted from 0 without a bias: not a window moved",
    ),
    pytest.param(
        "strided-q1",
        "b.formula",
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i-1+u,l}",
        ("partial", 1.0, "bias_missing"),
        (
            "Your formula has no bias; this layer has one: each output channel has one, shared "
            "by every position.",
        ),
        (),
        id="counted from 1 without a bias: read as written",
    ),
]


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "outcome", "feedback", "notes"), COUNTED_FROM_ZERO
)
def test_an_answer_counted_from_zero_where_the_question_allows_it_is_told_what_else_is_wrong(
    rubric, item, answer, outcome, feedback, notes
):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert (result.feedback, result.reading_notes) == (feedback, notes)


ROWS = [
    pytest.param(
        r"q_{n,k} = \sum_{u=0}^{N-1}\sum_{e=1}^{E} w_{u,e,k} x_{n+u,e} + b_k",
        "Your output rows read windows as large as the input; in a projection each output row "
        "reads only its own input row, through the same weights for every row.",
        id="rows n to N read by row n: not every input row",
    ),
    pytest.param(
        r"q_{n,k} = \sum_{u=-1}^{1}\sum_{e=1}^{E} w_{u,e,k} x_{n+u,e} + b_k",
        "Each of your output rows reads 3 input rows; in a projection each output row reads "
        "only its own input row, through the same weights for every row.",
        id="three rows read",
    ),
]


@pytest.mark.parametrize(("answer", "words"), ROWS)
def test_a_projection_reading_other_rows_is_told_how_many(answer, words):
    result = grade_answer(ATTENTION, ATTENTION.items["e.formula"], answer)
    assert (result.diagnosis, result.feedback[0]) == ("kernel_size", words)


# Found by the helper that swept the formula's words (check.py returned "correct" before its
# reads_outside check): without padding, a read outside the input reads nothing, so a sum one
# entry too long defined the same layer and was marked right, silently; and read from 0, the
# same sum was told it "defines the right layer", by reading an entry past the other end.
OUTSIDE = "Your formula reads X outside its range at the border; this layer has no padding, so every index must stay within the input's size."


@pytest.mark.parametrize(
    ("answer", "verdict", "diagnosis", "feedback"),
    [
        pytest.param(
            r"q_{n,k} = \sum_{e=0}^{E} w_{e,k} x_{n,e} + b_k",
            "incorrect",
            "reads_outside",
            (OUTSIDE,),
            id="e = 0..E: x_{n,0} does not exist, counted from 1 or x_{n,E+1} from 0",
        ),
        pytest.param(
            r"q_{n,k} = \sum_{e=1}^{E+1} w_{e,k} x_{n,e} + b_k",
            "incorrect",
            "reads_outside",
            (OUTSIDE,),
            id="e = 1..E+1",
        ),
        pytest.param(
            r"q_{n,k} = \sum_{e=0}^{E-1} w_{e,k} x_{n,e} + b_k",
            "incorrect",
            "index_base",
            (
                "Your formula is indexed from 0, but this question indexes from 1: read with "
                "indices counted from 0, it defines the right layer; counted from 1, as the "
                "question asks, it does not.",
            ),
            id="e = 0..E-1 is right counted from 0, as before",
        ),
        pytest.param(
            r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{n,e} + b_k",
            "correct",
            None,
            ("Correct: your formula defines the same layer.",),
            id="right",
        ),
    ],
)
def test_a_read_outside_an_unpadded_input_is_said_even_where_it_adds_nothing(
    answer, verdict, diagnosis, feedback
):
    result = grade_answer(ATTENTION, ATTENTION.items["e.formula"], answer)
    assert (result.verdict, result.diagnosis, result.feedback) == (verdict, diagnosis, feedback)


# --- The words of the formula kind's messages (branch fmsg): a number agrees with its noun,
# and a tensor is called by the name the rubric gives it, never a hard-coded y or x.

# pool-q1's max pooling item (d) with its input named a: the message names a, not x.
POOL_A = load_rubric_text(
    POOL.source_text.replace(
        "input: {name: x, shape: [P, Q, C]}\n        output: {name: z",
        "input: {name: a, shape: [P, Q, C]}\n        output: {name: z",
    )
    .replace(r"\max_{v=0}^{1} x_{2i-1+u", r"\max_{v=0}^{1} a_{2i-1+u")
    .split("\ntests:")[0],
    "pool-q1-input-a.yaml",
)
RUBRICS["pool-q1-input-a"] = POOL_A
DENSE = load_rubric(ROOT / "rubrics" / "dense-tanh-q1.yaml")
RUBRICS["dense-tanh-q1"] = DENSE
CORNER3 = r"\sum_{u=0}^{2}\sum_{v=0}^{2}\sum_{l=1}^{C} w_{u,v,l,k}"

WORDS = [
    pytest.param(
        "22-52-q4",
        "b.formula",
        rf"y_{{i,j,k}} = {CORNER3} x_{{2i+u,2j+v,l}} + b_k",
        "Your stride is 2 along both the height and the width; the layer has stride 1 in both "
        "directions.",
        id="the same stride along both axes is said once",
    ),
    pytest.param(
        "conv1d-q1",
        "a.formula",
        r"y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{2t+u,l} + b_k",
        "Your stride is 2; this layer has stride 1: each output's window starts 1 position "
        "after the previous output's, in your formula 2.",
        id="a window 1 position after the previous one",
    ),
    pytest.param(
        "conv1d-q1",
        "a.formula",
        r"y_{t,k} = \sum_{l=1}^{C} w_{l,k} x_{t+1,l} + b_k",
        "Your kernel spans 1 position instead of 3 positions (with P=9, K=3, C=2, D=4).",
        id="a kernel of 1 position",
    ),
    pytest.param(
        "dense-tanh-q1",
        "a.formula",
        r"h_{j,k} = \tanh(\sum_{i=1}^{C} w_{i,k} x_{i} + b_k)",
        "We could not read your answer: h has 1 index (it is D), not 2 (at column 1).",
        id="a vector has 1 index",
    ),
    pytest.param(
        "pool-q1",
        "d.formula",
        r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} x_{2i-1+u,2j-1+v,k} + b_k",
        r"We could not read your answer: a max pools one window: write z_{…} = "
        r"\max_{u=0}^{1}\max_{v=0}^{1} x_{…}, with nothing added (at column 1).",
        id="a max with a term added: told to write the item's output z, not y",
    ),
    pytest.param(
        "pool-q1",
        "d.formula",
        "Z = XW",
        "We could not read your answer: write this layer with indices, e.g. z_{…} = ... (at "
        "column 1).",
        id="a matrix form of a 3-D layer: told to write the item's output z, not y",
    ),
    pytest.param(
        "pool-q1-input-a",
        "d.formula",
        r"z_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} a_{2i-1+u,2j-1+v,k}",
        r"Your formula adds up the inputs of each window; max pooling takes the largest of "
        r"them, \max_{u}\max_{v} a_{…}.",
        id="max pooling over an input named a: the max is written over a, not x",
    ),
    pytest.param(
        "conv1d-q1",
        "a.formula",
        r"y_{t,k} = \sum_{u=0}^{K-1}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        "Your window starts at t and reaches t+K-1; this layer's window of K positions is "
        "centred on t (from t-(K-1)/2 to t+(K-1)/2). With the window shifted back, your formula "
        "defines the right layer.",
        id="a window moved by (K-1)/2 is told in K, not at K=3 only",
    ),
    pytest.param(
        "conv1d-q1",
        "a.formula",
        r"y_{t,k} = \sum_{u=1}^{K}\sum_{l=1}^{C} w_{u,l,k} x_{t-u,l} + b_k",
        "Your window starts at t-K and reaches t-1; this layer's window of K positions is "
        "centred on t (from t-(K-1)/2 to t+(K-1)/2). With the window shifted back, your formula "
        "defines the right layer.",
        id="a flipped window ending before the output, in K",
    ),
    pytest.param(
        "conv1d-q1",
        "a.formula",
        r"y_{t,k} = \sum_{u=-\lfloor K/2 \rfloor}^{\lfloor K/2 \rfloor}\sum_{l=1}^{C} w_{u,l,k} x_{t+u+1,l} + b_k",
        "Your window starts at t-⌊K/2⌋+1 and reaches t+⌊K/2⌋+1; this layer's window of K "
        "positions is centred on t (from t-(K-1)/2 to t+(K-1)/2). With the window shifted "
        "back, your formula defines the right layer.",
        id="a centred window moved by one: its ends as the formula writes them",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "words"), WORDS)
def test_messages_agree_in_number_and_use_the_rubrics_names(rubric, item, answer, words):
    result = grade_answer(RUBRICS[rubric], RUBRICS[rubric].items[item], answer)
    assert result.feedback[0] == words


# A term that reads the input only outside its range at every output was dropped as reading
# nothing (zero padding reads zeros), and the formula around it marked right, silently.
CONV1X1 = r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k"
UNREAD = (
    "Your term with {} reads x only outside its range, for every output: under zero padding it "
    "is always zero, so it adds nothing to the layer."
)


def q4_with_term_credit() -> Rubric:
    """22-52-Q4 with `partial_credit: {term_outside: 1}` in part (b)."""
    credit = "          window_offset: 2   #"
    assert credit in Q4.source_text
    text = Q4.source_text.replace(credit, "          term_outside: 1\n" + credit, 1)
    return load_rubric_text(text, "q4-term-credit.yaml")


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "outcome", "feedback"),
    [
        pytest.param(
            "22-52-q4",
            "c.formula",
            CONV1X1 + r" + x_{i+P,j,1}",
            ("needs_review", 0, "term_outside"),
            (UNREAD.format("x_{i+P,j,1}"), "An instructor will review it."),
            id="an input added past the last row: for a person (it was full marks)",
        ),
        pytest.param(
            "22-52-q4",
            "c.formula",
            CONV1X1 + r" + \sum_{l=1}^{C} a_{l,k} x_{i+P,j,l}",
            ("needs_review", 0, "term_outside"),
            (UNREAD.format("x_{i+P,j,l}"), "An instructor will review it."),
            id="a weighted term past the last row: the same",
        ),
        pytest.param(
            "22-52-q4",
            "b.formula",
            rf"y_{{i,j,k}} = {CONV3} x_{{i+u,j+v,l}} + b_k + x_{{i,j+Q,1}}",
            ("needs_review", 0, "term_outside"),
            (UNREAD.format("x_{i,j+Q,1}"), "An instructor will review it."),
            id="past the last column of a padded 3x3 convolution",
        ),
        pytest.param(
            "22-52-q4 with term_outside: 1",
            "b.formula",
            rf"y_{{i,j,k}} = {CONV3} x_{{i+u,j+v,l}} + b_k + x_{{i,j+Q,1}}",
            ("partial", 1, "term_outside"),
            (UNREAD.format("x_{i,j+Q,1}"),),
            id="partial_credit: {term_outside: 1} gives its mark",
        ),
        pytest.param(
            "22-52-q4",
            "b.formula",
            rf"y_{{i,j,k}} = {CONV3} x_{{i+u,j+v,l}} + x_{{i+P,j,1}}",
            ("needs_review", 0, "bias_missing"),
            (
                "Your formula has no bias; this layer has one: each output channel has one, "
                "shared by every position.",
                UNREAD.format("x_{i+P,j,1}"),
                "An instructor will review it.",
            ),
            id="wrong otherwise too: both said, for a person (two findings earned 0)",
        ),
        pytest.param(
            "22-52-q4",
            "b.formula",
            rf"y_{{i,j,k}} = {CONV3} x_{{i+u,j+v,l}} + b_k + x_{{i+1,j,1}}",
            ("incorrect", 0, "fixed_term"),
            (
                "Your formula has a term without a weight (an input or a constant added as it "
                "is); every term of this layer is a weight times an input, or a bias.",
            ),
            id="a term that reads inside the input is not said to read only outside",
        ),
        pytest.param(
            "attn-q1",
            "e.formula",
            r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{n,e} + b_k + x_{n+N,1}",
            ("needs_review", 0, "reads_outside"),
            (
                OUTSIDE,
                "Your term with x_{n+N,1} reads X only outside its range, for every output: with "
                "no padding it reads no entry at all, so it adds nothing to the layer.",
                "An instructor will review it.",
            ),
            id="padding: none: said after the read outside the input",
        ),
    ],
)
def test_a_term_that_reads_only_outside_the_input_is_said(rubric, item, answer, outcome, feedback):
    rubric = q4_with_term_credit() if rubric.endswith("term_outside: 1") else RUBRICS[rubric]
    result = grade_answer(rubric, rubric.items[item], answer)
    assert ((result.verdict, result.marks, result.diagnosis), result.feedback) == (
        outcome,
        feedback,
    )


# A number times a matrix the question declares (attn-columns-q1's W_Q: [K, E]) is told as
# such, and "With W_Q as the answer has it, your formula defines the right layer" only where
# the answer without the number is right; a number times a weight of the student's own is
# read as that weight, in a note that names the weight the answer scales.
COLUMNS = load_rubric(ROOT / "rubrics" / "attn-columns-q1.yaml")
SCALED = [
    pytest.param(
        COLUMNS, "Q = 2 W_Q X + b_Q", "Q = W_Q X + b_Q", "2·W_Q", id="2 W_Q, right otherwise"
    ),
    pytest.param(
        COLUMNS, "Q = -W_Q X + b_Q", "Q = W_Q X + b_Q", "-W_Q", id="-W_Q, right otherwise"
    ),
    pytest.param(COLUMNS, "Q = 2 W_Q X", "Q = W_Q X", "2·W_Q", id="2 W_Q without the bias"),
    pytest.param(
        COLUMNS, "Q = 2 W_Q X + b_Q X", "Q = W_Q X + b_Q X", "2·W_Q", id="2 W_Q and a bias times X"
    ),
]


@pytest.mark.parametrize(("rubric", "answer", "unscaled", "scaled"), SCALED)
def test_a_scaled_given_matrix_is_said_and_the_rest_only_where_true(
    rubric, answer, unscaled, scaled
):
    item = rubric.items["a.formula"]
    result = grade_answer(rubric, item, answer)
    right_otherwise = grade_answer(rubric, item, unscaled).verdict == "correct"
    assert result.diagnosis == "given_scaled"
    assert result.feedback[0].startswith(f"Your formula has {scaled} where the answer has W_Q:")
    assert result.feedback[0].endswith("your formula defines the right layer.") == right_otherwise
    assert result.marks == 0  # attn-columns-q1 gives given_scaled no partial credit


NOTED = [
    pytest.param(Q4, "e.formula", "Y = 2XW", "2·W", "weights", id="2XW"),
    pytest.param(
        Q4, "e.formula", "Y = XW - 3XV", "-3·V", "weights", id="a number on one of two terms"
    ),
    pytest.param(
        Q4,
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} - b_k",
        "-b",
        "bias",
        id="a minus on the bias only",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = W_Q X + 2 b_Q",
        "2·b_Q",
        "bias",
        id="2 b_Q: the bias is the student's own",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "answer", "scaled", "what"), NOTED)
def test_a_number_times_a_weight_of_ones_own_is_said_in_a_note(rubric, item, answer, scaled, what):
    result = grade_answer(rubric, rubric.items[item], answer)
    assert result.verdict == "correct"
    assert any(note.startswith(f"read {scaled} as your {what}:") for note in result.reading_notes)


# --- The hint under an unreadable formula is true of the item --------------------------------

# Each formula item of the shipped rubrics, and the hint an unreadable answer to it gets: its
# notation over another layer's letters, never the item's own answer.
HINTS = [
    pytest.param(
        "attn-columns-q1",
        "a.formula",
        r"Write the formula with indices, e.g. z_{k,i} = A_{i} s_{k,i} + c_{i} (another layer: "
        "each entry scaled by its position's A and shifted by its c); a sum over l from 1 to E "
        r"is written \sum_{l=1}^{E}, or a matrix form such as Z = S A (a layer that mixes the "
        "columns).",
        id="tokens as columns: positions are the columns, the sum runs over E",
    ),
    pytest.param(
        "dense-tanh-q1",
        "a.formula",
        r"Write the formula with indices, e.g. z_{k} = A_{k} s_{k} + g_{k} (another layer: each "
        "entry scaled by its position's A and shifted by its g); a sum over l from 1 to C is "
        r"written \sum_{l=1}^{C}, or with vectors, e.g. z = A s + s (a residual layer).",
        id="one input vector: vectors, not the weighted sum without tanh",
    ),
    pytest.param(
        "rnn-q1",
        "a.formula",
        r"Write the formula with indices, e.g. z_{i,k} = A_{i} s_{i,k} + c_{i} (another layer: "
        "each entry scaled by its position's A and shifted by its c); a sum over l from 1 to E "
        r"is written \sum_{l=1}^{E}, or with vectors at a time step, e.g. z_t = A z_{t-1} (a "
        "recurrence without input).",
        id="a recurrent cell: vectors at a time step, not the cell without tanh",
    ),
    pytest.param(
        "pool-q1",
        "a.formula",
        r"Write the formula with indices, e.g. z_{i,j,k} = \sum_{u=0}^{1} s_{i+u,j,k} (another "
        "window).",
        id="average pooling: no weights, no matrix form",
    ),
    pytest.param(
        "pool-q1",
        "d.formula",
        r"Write the formula with indices, e.g. y_{i,j,k} = \max_{u=0}^{1} s_{i+u,j,k} (another "
        "window).",
        id="max pooling: a max, no weights, and not the item's z",
    ),
    pytest.param(
        "conv1d-q1",
        "a.formula",
        r"Write the formula with indices, e.g. z_{i,k} = A_{i} s_{i,k} + g_{i} (another layer: "
        "each entry scaled by its position's A and shifted by its g); a sum over l from 1 to C "
        r"is written \sum_{l=1}^{C}.",
        id="a window over neighbours: no matrix form",
    ),
    pytest.param(
        "22-52-q4",
        "d.formula",
        r"Write the formula with indices, e.g. z_{i,k} = A_{i} s_{i,k} (another layer: each "
        "entry scaled by its position's A); a sum over l from 1 to C is written "
        r"\sum_{l=1}^{C}, or a matrix form such as Z = A S (a layer that mixes the rows).",
        id="a part without a bias: no bias in the example",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "hint"), HINTS)
def test_the_hint_is_built_from_the_items_own_layer(rubric, item, hint):
    loaded = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    assert grade_answer(loaded, loaded.items[item], "N + ~").feedback[1] == hint


def _examples(hint: str) -> list[str]:
    return re.findall(r"(?:e\.g\.|such as) (.*?)(?: \(|, or |\.$)", hint)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


FORMULA_ITEMS = [
    pytest.param(path, item_id, id=f"{path.stem} {item_id}")
    for path in sorted((ROOT / "rubrics").glob("*.yaml"))
    for item_id, item in load_rubric(path).items.items()
    if item.type == "formula"
]


def _renamings(item) -> list[dict[str, str]]:
    """Every way to put the item's own letters back into a hint's example, role by role:
    the example's output, input, weight and bias letters (`ExampleNames.neutral`) as the
    item's output and input (as named, in lower and upper case), a weight as w, W or a weight
    the reference names, a bias as b or a bias the reference names."""
    layer, reference = item.spec.layer, item.reference
    names = ExampleNames.neutral(layer, reference)
    tensors = {t.name for t in (*layer.inputs, layer.output)}
    params = {a.name for term in reference.terms for a in term.factors} - tensors
    weights = sorted({"w", "W"} | {p for p in params if p[0] in "wW"})
    biases = sorted({"b"} | {p for p in params if p[0] == "b"})

    def cases(name: str) -> list[str]:
        return sorted({name, name.lower(), name.upper()})

    return [
        {
            names.output: y,
            names.output.upper(): y,
            names.input: x,
            names.input.upper(): x,
            names.weight: w,
            names.bias: b,
        }
        for y in cases(layer.output.name)
        for x in cases(layer.input.name)
        for w in weights
        for b in biases
    ]


def _renamed(example: str, renaming: dict[str, str]) -> str:
    """`example` with each of its letters (a whole name, not part of a command such as \\sum)
    written as `renaming` says."""
    pattern = "|".join(re.escape(letter) for letter in sorted(renaming, key=len, reverse=True))
    return re.sub(
        rf"(?<![\\A-Za-z])({pattern})(?![A-Za-z])", lambda m: renaming[m.group(1)], example
    )


@pytest.mark.parametrize(("path", "item_id"), FORMULA_ITEMS)
def test_a_formula_hint_never_shows_the_items_answer(path, item_id):
    """The hint shows notation: it neither holds the reference as written nor is an example
    the item marks right or in part, or as a misconception, with its letters as written or put
    back to the item's (it was the answer itself for a plain linear layer: attn-q1 e, 22-52-q4
    c and e, attn-columns-q1 a, dw-sep-q1 c; renamed, the answer again, or the answer without
    tanh for dense-tanh-q1 and rnn-q1)."""
    loaded = load_rubric(path)
    item = loaded.items[item_id]
    hint = grade_answer(loaded, item, "N + ~").feedback[1]
    assert _squeezed(item.reference.text) not in _squeezed(hint), hint
    examples = _examples(hint)
    assert examples, hint
    for example in examples:
        for written in {example, *(_renamed(example, r) for r in _renamings(item))}:
            result = grade_answer(loaded, item, written)
            assert result.verdict not in ("correct", "partial"), (item_id, written, result)
            assert not (result.diagnosis or "").startswith("misconception"), (item_id, written)


# The message under `\max(0, …)` quoted 22-52-q4 c's right side as its example
# (ReLU(\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k)): it shows another layer, as the hints do.
RELU_LETTERS = ExampleNames("z", "s", "A", "c")  # the letters its example writes


@pytest.mark.parametrize(("path", "item_id"), FORMULA_ITEMS)
def test_the_relu_messages_example_is_never_the_items_answer(path, item_id):
    loaded = load_rubric(path)
    item = loaded.items[item_id]
    output = item.spec.layer.output
    entry = ",".join("ijk"[-len(output.shape) :])
    message = grade_answer(loaded, item, rf"{output.name}_{{{entry}}} = \max(0, x)").feedback[0]
    assert "is a ReLU here" in message, message
    assert _squeezed(item.reference.text.split("=", 1)[1]) not in _squeezed(message), message
    (example,) = _examples(message)
    layer, reference = item.spec.layer, item.reference
    tensors = {t.name for t in (*layer.inputs, layer.output)}
    params = {a.name for term in reference.terms for a in term.factors} - tensors
    for y in {output.name, output.name.lower()}:
        for x in {layer.input.name, layer.input.name.lower()}:
            for w in sorted({"w", "W"} | {p for p in params if p[0] in "wW"}):
                for b in sorted({"b"} | {p for p in params if p[0] == "b"}):
                    letters = RELU_LETTERS
                    renaming = {letters.output: y, letters.input: x}
                    renaming |= {letters.weight: w, letters.bias: b}
                    written = _renamed(example, renaming)
                    result = grade_answer(loaded, item, written)
                    assert result.verdict not in ("correct", "partial"), (item_id, written)
                    assert not (result.diagnosis or "").startswith("misconception"), written


@pytest.mark.parametrize(("path", "item_id"), FORMULA_ITEMS)
def test_a_formula_hints_examples_are_read_by_the_item(path, item_id):
    """Each example the hint gives, with the item's own letters put back, is read by the
    item's grammar (the notation it teaches is notation the item reads), as another layer."""
    loaded = load_rubric(path)
    item = loaded.items[item_id]
    hint = grade_answer(loaded, item, "N + ~").feedback[1]
    layer = item.spec.layer
    names = ExampleNames.neutral(layer, item.reference)
    own = {names.output: layer.output.name, names.output.upper(): layer.output.name}
    own |= {names.input: layer.input.name, names.input.upper(): layer.input.name}
    own |= {names.weight: "w", names.bias: "b"}
    for example in _examples(hint):
        result = grade_answer(loaded, item, _renamed(example, own))
        assert result.verdict != "invalid", (item_id, example, result.feedback)


MATRIX_ITEMS = [
    pytest.param(path, item_id, id=f"{path.stem} {item_id}")
    for path in sorted((ROOT / "rubrics").glob("*.yaml"))
    for item_id, item in load_rubric(path).items.items()
    if item.type == "matrix"
]


def _matrix_examples(hint: str) -> list[str]:
    """The examples of a matrix hint: `e.g. A^T M P, or 1^T A M (…):`."""
    listed = re.search(r"e\.g\. (.*?)(?: \(|:)", hint)
    return listed.group(1).split(", or ") if listed else []


def _letters(example: str) -> list[str]:
    """The matrix letters an example writes (not T of ^T, nor a command such as \\odot)."""
    return sorted(set(re.findall(r"(?<![\\A-Za-z^])[A-Za-z](?![A-Za-z])", example)))


@pytest.mark.parametrize(("path", "item_id"), MATRIX_ITEMS)
def test_a_matrix_hint_never_shows_the_items_answer(path, item_id):
    """The hint shows notation over letters none of the question's, each example read as
    written (over those letters as matrices), and with any of the item's matrices put in for
    its letters never marked right or in part, or as a misconception, nor told as the answer
    scaled, transposed or reordered or as another item's answer: another expression or shape
    (it was `2 X^T G`, the answer to linear-backward-q1 a.dW times 2; renamed, b.dX's
    `G W^T` or c.db's `1^T G`)."""
    loaded = load_rubric(path)
    item = loaded.items[item_id]
    hint = grade_answer(loaded, item, "y = @@ W").feedback[1]
    examples = _matrix_examples(hint)
    assert examples, hint
    own = [name for name, _ in item.spec.declared]
    question = {name.casefold() for name, _ in item.spec.names} | {
        name.casefold() for name in (*item.spec.results, item.spec.loss)
    }
    question |= {name.casefold() for pair in item.spec.given for name in pair}
    for example in examples:
        letters = _letters(example)
        assert letters, example
        parse_matrix(example, {letter: "matrix" for letter in letters})  # raises if unread
        for chosen in itertools.product(own, repeat=len(letters)):
            written = _renamed(example, dict(zip(letters, chosen, strict=True)))
            result = grade_answer(loaded, item, written)
            assert result.verdict not in ("correct", "partial"), (item_id, written, result)
            assert not (result.diagnosis or "").startswith("misconception"), (item_id, written)
            # nor the answer scaled, transposed or reordered, nor another item's answer
            assert result.diagnosis in ("different", "shape"), (item_id, written, result)
        assert not question & {letter.casefold() for letter in letters}, (example, question)


# --- Error messages show notation, never the answer ---------------------------------------


def _written_forms(loaded, item) -> list[str]:
    """The reference's right side, and every right side the rubric's own tests mark correct
    for the item: the answer in each of its written forms."""
    answers = [item.reference.text]
    answers += [t.answer for t in loaded.tests if t.item_id == item.id and t.verdict == "correct"]
    return [_squeezed(a.split("=", 1)[1]) for a in answers if "=" in a]


# Malformed answers, each refused with a message that shows how to write what was meant.
MALFORMED = [
    pytest.param("pool-q1", "d.formula", r"z_{i,j,k} = \max(x_{2i,2j,k}, 0)", id="a max of an entry and 0"),
    pytest.param("pool-q1", "d.formula", r"z_{i,j,k} = \max(x_{2i,2j,k}, x_{2i,2j,k})", id="a max list naming a position twice"),
    pytest.param("pool-q1", "d.formula", r"z_{i,j,k} = \max\{x_{2i,2j,k}, 2 x_{2i+1,2j,k}\}", id="a max list with a scaled entry"),
    pytest.param("pool-q1", "a.formula", r"y_{i,j,k} = \max(x_{2i,2j,k}, 0)", id="a max list in average pooling"),
]  # fmt: skip


@pytest.mark.parametrize(("rubric", "item_id", "answer"), MALFORMED)
def test_an_error_message_never_shows_the_items_answer(rubric, item_id, answer):
    """The message under a malformed answer gives an example of the notation, not the answer:
    it holds none of the answer's written forms, and no example it gives (with the output put
    before it) is marked right or in part (pool-q1 d quoted its answer as a list of the four
    entries and as \\max_{u=0}^{1}\\max_{v=0}^{1} x_{2i+u,2j+v,k})."""
    loaded = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    item = loaded.items[item_id]
    result = grade_answer(loaded, item, answer)
    assert result.verdict == "invalid", result
    message = _squeezed(result.feedback[0])
    for form in _written_forms(loaded, item):
        assert form not in message, (form, result.feedback[0])
    output = item.reference.text.split("=", 1)[0]
    for example in re.findall(r"e\.g\. (.*?)(?:;|, or |$)", result.feedback[0]):
        example = example.rstrip(". )")
        written = example if "=" in example else f"{output}= {example}"
        assert grade_answer(loaded, item, written).verdict not in ("correct", "partial"), written


# --- Messages under typical wrong or unreadable answers never show the answer ---------------


def _answer_forms(loaded, item, tried: list[str]) -> list[str]:
    """The item's answer as it may be written: the reference (its right side), each answer the
    rubric's own tests mark correct, and each of `tried` the item marks right or in part
    (22-52-q4 d.formula's `y = xW`), squeezed."""
    forms = [*_written_forms(loaded, item), _squeezed(item.reference.text.split("=")[-1])]
    for written in tried:
        if grade_answer(loaded, item, written).verdict in ("correct", "partial"):
            forms.append(_squeezed(written.split("=")[-1]))
    return sorted(set(forms))


def _typical_wrong(item) -> list[str]:
    """Typical wrong or unreadable answers to an item: its hint's trigger, unread sums, a
    name the question does not give, and products whose shapes do not fit."""
    if item.type == "matrix":
        own = [name for name, _ in item.spec.declared]
        answers = ["y = @@ W", "Z^T " + own[0], r"\sum_n u_n", r"\sum_n z_n u_n^T"]
        for a in own:
            v = a.lower()
            answers += [rf"\sum_n {v}_n^T {v}_n", rf"\sum_n z_n {v}_n^T", rf"\sum_k {v}_k"]
            answers += [f"{a} {b}" for b in own] + [f"{a}^T {b}" for b in own]
        return answers
    layer = item.spec.layer
    x, y = layer.input.name, layer.output.name
    return ["N + ~", f"{y} = W {x}", f"{y} = {x} W", f"{y} = W^T {x}", f"{y} = {x} W W"]


@pytest.mark.parametrize(("path", "item_id"), MATRIX_ITEMS + FORMULA_ITEMS)
def test_messages_under_typical_wrong_answers_never_show_the_answer(path, item_id):
    """No message under a typical wrong or unreadable answer (a shape that does not fit, a sum
    that is not read, a name the question does not give, the hint) holds the item's answer in
    any form it is written in (linear-backward-q1 a.dW's unread sum said `e.g. X^T G`, its
    answer, and c.db's `1^T G for rows g_n of G`, its answer; 22-52-q4 d.formula's `Y = WX`
    was told `Y = XW`). Answers holding the answer themselves are left out: an echo of them
    shows nothing."""
    loaded = load_rubric(path)
    item = loaded.items[item_id]
    tried = _typical_wrong(item)
    forms = _answer_forms(loaded, item, tried)
    shown = []
    for written in tried:
        if any(form in _squeezed(written) for form in forms):
            continue
        result = grade_answer(loaded, item, written)
        diagnosis = result.diagnosis or ""
        if diagnosis.startswith("misconception") or diagnosis in NEAR_MISSES:
            continue  # the instructor's words, or a near miss told the one change it needs
        for message in result.feedback:
            said = _squeezed(message).replace("ᵀ", "^T").replace("·", "")
            shown += [(item_id, written, form, message) for form in forms if form in said]
    assert not shown, shown
