"""Layer formulas: which pairs define the same layer, how typical answers are graded, and every
way a formula can fail to be read (the message, the place, and nothing executed)."""

# Formulas are written out in full, as students write them, so some lines are long.
# ruff: noqa: E501

from pathlib import Path

import pytest

from grader.errors import AnswerError, AnswerTooLargeError
from grader.grade import grade_answer
from grader.kinds.formula.check import same_layer
from grader.kinds.formula.parse import parse_formula
from grader.rubric import load_rubric
from grader.submissions.yaml_submission import load_yaml_submission as load_submission

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
SEEDS = ROOT / "submissions" / "22-52-q4"

# The references, written out so that a change to the rubric shows up here as a change.
FULLY_CONNECTED = (
    r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}"
)
CONV3 = r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k"
CONV1 = r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k"
SINGLE_INDEX = r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l}"
MATRIX = "Y = XW"


def read(item_id: str, text: str):
    item = RUBRIC.items[item_id]
    return parse_formula(text, RUBRIC.symbol_table, item.spec.layer)


def defines_same_layer(item_id: str, first: str, second: str) -> bool | None:
    item = RUBRIC.items[item_id]
    return same_layer(
        read(item_id, first), read(item_id, second), item.spec.layer, RUBRIC.size_sets
    )


def seed_answer(student: str, item_id: str) -> str:
    answer = load_submission(SEEDS / f"{student}.yaml").answers[item_id]
    assert answer.text is not None
    return answer.text


# --- Pairs of formulas -----------------------------------------------------------------------

SAME = True
DIFFERENT = False

PAIRS = [
    # (a) fully connected
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y_{a,b,c} = \sum_{p=1}^{P}\sum_{q=1}^{Q}\sum_{r=1}^{C} W_{a,b,c,p,q,r} x_{p,q,r} + z_{a,b,c}",
        SAME,
        id="a: renamed indices, weights and bias with the weight's indices permuted are the same layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y[i,j,k] = sum_{m=1}^{P} sum_{n=1}^{Q} sum_{l=1}^{C} w[i,j,k,m,n,l]*x[m,n,l] + b[i,j,k]",
        SAME,
        id="a: plain text with brackets and a star is the same layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y_{ijk} = Σ_m Σ_n Σ_l w_{mnlijk} x_{mnl} + b_{ijk}",
        SAME,
        id="a: Unicode sums without ranges and letter-run subscripts are the same layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y_{i,j,k} = b_{i,j,k} + \sum_{l=1}^{C}\sum_{n=1}^{Q}\sum_{m=1}^{P} x_{m,n,l} \cdot w_{m,n,l,i,j,k}",
        SAME,
        id="a: bias first, sums reordered and factors swapped is the same layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        CONV1,
        DIFFERENT,
        id="a: a 1x1 convolution is not a fully connected layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{P}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}",
        DIFFERENT,
        id="a: summing the columns up to P where Q belongs is a different layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,k} x_{m,n,l} + b_{i,j,k}",
        DIFFERENT,
        id="a: weights that ignore the output position are a different layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j} x_{m,n,l} + b_{i,j,k}",
        DIFFERENT,
        id="a: weights that ignore the output channel are a different layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_k",
        DIFFERENT,
        id="a: a bias shared across positions is a different layer",
    ),
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l}",
        DIFFERENT,
        id="a: a missing bias is a different layer",
    ),
    # (b) 3x3 convolution
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{p,q,r} = \sum_{s=-1}^{1}\sum_{t=-1}^{1}\sum_{m=1}^{C} v_{s,t,m,r} x_{p+s,q+t,m} + c_r",
        SAME,
        id="b: renamed indices, weights and bias are the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{l=1}^{C}\sum_{v=-1}^{1}\sum_{u=-1}^{1} x_{i+u,j+v,l} w_{u,v,l,k} + b_k",
        SAME,
        id="b: reordered sums and factors are the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = b_k + \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{k,l,v,u} x_{i+u,j+v,l}",
        SAME,
        id="b: a permuted weight index order with the bias first is the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^1 \sum_{v=-1}^1 \sum_{l=1}^C w_{u,v,l,k} x_{i-u,j-v,l} + b_k",
        SAME,
        id="b: a flipped kernel x_{i-u,j-v,l} (true convolution) is the same layer as correlation",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=1}^{3}\sum_{v=1}^{3}\sum_{l=1}^{C} w_{u,v,l,k}\, x_{i+u-2,j+v-2,l} + b_k",
        SAME,
        id="b: offsets u=1..3 with x_{i+u-2,j+v-2,l} are the same convolution",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^1 \sum_{v=-1}^1 \sum_{l=1}^C w_{u,v,l,k} x_{i-u,j-v,l} + b_k",
        r"y_{i,j,k} = \sum_{u=1}^{3}\sum_{v=1}^{3}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-2,j+v-2,l} + b_k",
        SAME,
        id="b: the flipped kernel and the u=1..3 kernel are the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i-u,j+v,l} + b_k",
        SAME,
        id="b: flipping only one axis of the kernel is the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"$y_{ijk} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l} w_{uvlk} x_{i+u,j+v,l} + b_k$",
        SAME,
        id="b: a channel sum without its range inside dollars is the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y[i,j,k] = sum_{u=-1}^{1} sum_{v=-1}^{1} sum_{l=1}^{C} w[u,v,l,k] * x[i+u,j+v,l] + b[k]",
        SAME,
        id="b: plain text with brackets and stars is the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = Σ_{u=-1}^{1} Σ_{v=-1}^{1} Σ_{l=1}^{C} w_{u,v,l,k} · x_{i+u,j+v,l} + b_k",
        SAME,
        id="b: Unicode sigma and middle dot are the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{l=1}^{C}\left(\sum_{u=-1}^{1}\sum_{v=-1}^{1} w_{u,v,l,k} \cdot x_{i+u,j+v,l}\right) + b_k, 1 \le k \le D",
        SAME,
        id="b: nested sums in brackets with a stated range of k are the same convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-2}^{2}\sum_{v=-2}^{2}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        DIFFERENT,
        id="b: a 5x5 kernel is not a 3x3 convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        CONV1,
        DIFFERENT,
        id="b: a 1x1 kernel is not a 3x3 convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=0}^{2}\sum_{v=0}^{2}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        DIFFERENT,
        id="b: an off-centre 3x3 kernel reads other inputs at the border",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l} x_{i+u,j+v,l} + b_k",
        DIFFERENT,
        id="b: weights that ignore the output channel are not the convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{i,j,u,v,l,k} x_{i+u,j+v,l} + b_k",
        DIFFERENT,
        id="b: weights that depend on the position are not the convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,u,l,k} x_{i+u,j+v,l} + b_k",
        DIFFERENT,
        id="b: a weight that ties the two kernel offsets together is not the convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l}",
        DIFFERENT,
        id="b: a missing bias is not the convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b",
        DIFFERENT,
        id="b: one bias shared by all channels is not the convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_{i,j,k}",
        DIFFERENT,
        id="b: a bias per position is not the convolution",
    ),
    pytest.param(
        "b.formula",
        CONV3,
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{j+u,i+v,l} + b_k",
        DIFFERENT,
        id="b: rows and columns swapped in the input are a different layer",
    ),
    # (c) 1x1 convolution
    pytest.param(
        "c.formula",
        CONV1,
        r"y[i,j,k] = sum_{l=1}^{C} w[l,k]*x[i,j,l] + b[k]",
        SAME,
        id="c: plain text is the same 1x1 convolution",
    ),
    pytest.param(
        "c.formula",
        CONV1,
        r"y_{ijk} = \sum_l x_{ijl} w_{kl} + b_k",
        SAME,
        id="c: a sum without range, letter runs, swapped factors and weight indices are the same",
    ),
    pytest.param(
        "c.formula",
        CONV1,
        r"y_{i,j,k} = b_k + Σ_{l=1}^{C} w_{k,l}·x_{i,j,l}",
        SAME,
        id="c: Unicode with the bias first is the same 1x1 convolution",
    ),
    pytest.param(
        "c.formula",
        CONV1,
        r"y_{c,d,p} = \sum_{q=1}^{C} \mathbf{w}_{q,p} \cdot x_{c,d,q} + \mathrm{b}_p",
        SAME,
        id="c: lower-case size letters as indices and bold names are the same 1x1 convolution",
    ),
    pytest.param(
        "c.formula",
        CONV1,
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l} x_{i,j,l} + b_k",
        DIFFERENT,
        id="c: weights that ignore the output channel are not the 1x1 convolution",
    ),
    pytest.param(
        "c.formula",
        CONV1,
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_k",
        DIFFERENT,
        id="c: weights that depend on the position are not the 1x1 convolution",
    ),
    pytest.param(
        "c.formula",
        CONV1,
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_{i,j,k}",
        DIFFERENT,
        id="c: a bias per position is not the 1x1 convolution",
    ),
    pytest.param(
        "c.formula",
        CONV1,
        r"y_{i,j,k} = \sum_{l=2}^{C} w_{l,k} x_{i,j,l} + b_k",
        DIFFERENT,
        id="c: a channel sum that starts at 2 skips a channel",
    ),
    pytest.param(
        "c.formula",
        CONV1,
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l}",
        DIFFERENT,
        id="c: a missing bias is not the 1x1 convolution",
    ),
    # (d) 1x1 convolution with one position index and no bias
    pytest.param(
        "d.formula",
        SINGLE_INDEX,
        r"y_{i,k} = Σ_l w_{l,k} x_{i,l}",
        SAME,
        id="d: a Unicode sum without its range is the same layer",
    ),
    pytest.param(
        "d.formula",
        SINGLE_INDEX,
        r"y[n,d] = sum_{c=1}^{C} x[n,c]*W[c,d]",
        SAME,
        id="d: renamed indices in plain text are the same layer",
    ),
    pytest.param(
        "d.formula",
        SINGLE_INDEX,
        MATRIX,
        SAME,
        id="d: the matrix form Y = XW is the same layer",
    ),
    pytest.param(
        "d.formula",
        SINGLE_INDEX,
        r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k",
        DIFFERENT,
        id="d: an extra bias is a different layer",
    ),
    pytest.param(
        "d.formula",
        SINGLE_INDEX,
        r"y_{i,k} = \sum_{l=1}^{C} w_{i,l,k} x_{i,l}",
        DIFFERENT,
        id="d: weights that depend on the position are a different layer",
    ),
    # (e) the matrix form, X: PQ x C, Y: PQ x D
    pytest.param("e.formula", MATRIX, "Y = X W", SAME, id="e: Y = X W with a space is Y = XW"),
    pytest.param("e.formula", MATRIX, r"Y = X \cdot W", SAME, id="e: Y = X cdot W is Y = XW"),
    pytest.param("e.formula", MATRIX, "Y = X·W", SAME, id="e: Y = X·W with a middle dot is Y = XW"),
    pytest.param(
        "e.formula",
        MATRIX,
        r"\mathbf{Y} = \mathbf{X}\mathbf{W}",
        SAME,
        id="e: bold matrices are Y = XW",
    ),
    pytest.param(
        "e.formula", MATRIX, r"Y^T = W^T X^T", SAME, id="e: the transposed form is Y = XW"
    ),
    pytest.param(
        "e.formula",
        MATRIX,
        r"Y^{\top} = W^{\top} X^{\top}",
        SAME,
        id="e: the transposed form written with top is Y = XW",
    ),
    pytest.param("e.formula", MATRIX, "$Y = XA$", SAME, id="e: a renamed weight matrix is Y = XW"),
    pytest.param(
        "e.formula",
        MATRIX,
        r"Y_{i,k} = \sum_{l=1}^{C} X_{i,l} W_{l,k}",
        SAME,
        id="e: the index form of the product is Y = XW",
    ),
    pytest.param("e.formula", MATRIX, "Y = WX", DIFFERENT, id="e: Y = WX is not Y = XW"),
    pytest.param("e.formula", MATRIX, "Y = X^T W", DIFFERENT, id="e: Y = X^T W is not Y = XW"),
    pytest.param("e.formula", MATRIX, "Y = XW + b", DIFFERENT, id="e: Y = XW + b adds a bias"),
]


@pytest.mark.parametrize(("item_id", "first", "second", "expected"), PAIRS)
def test_whether_two_formulas_define_the_same_layer(item_id, first, second, expected):
    assert defines_same_layer(item_id, first, second) is expected


@pytest.mark.parametrize(("item_id", "first", "second", "expected"), PAIRS)
def test_the_comparison_is_symmetric(item_id, first, second, expected):
    assert defines_same_layer(item_id, second, first) is expected


def test_the_unicode_transpose_sign_is_a_transpose():
    assert defines_same_layer("e.formula", MATRIX, "Yᵀ = Wᵀ Xᵀ") is True


# --- Grading typical answers end to end ------------------------------------------------------

GRADES = [
    # (item, answer, verdict, marks, diagnosis, fragments the feedback must contain)
    pytest.param(
        "a.formula",
        FULLY_CONNECTED,
        "correct",
        3,
        None,
        ["same layer"],
        id="a: the reference is correct",
    ),
    pytest.param(
        "a.formula",
        seed_answer("seed-student-1", "a.formula"),
        "incorrect",
        0,
        "not_fully_connected",
        ["1×1 convolution, not a fully connected layer", "where Q belongs"],
        id="a: seed student 1's sums over P twice are a 1x1 convolution with P where Q belongs",
    ),
    pytest.param(
        "a.formula",
        seed_answer("seed-student-2", "a.formula"),
        "incorrect",
        0,
        "misconception 1",
        ["1x1 convolution, not a fully connected layer"],
        id="a: seed student 2's 1x1 convolution is the rubric's first misconception",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{P}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}",
        "incorrect",
        0,
        "not_fully_connected",
        ["Not every output reads every input", "runs over P values where Q belongs"],
        id="a: P where Q belongs in a fully connected layer is named",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l}",
        "partial",
        2,
        "bias_missing",
        ["no bias"],
        id="a: a missing bias earns partial credit",
    ),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_k",
        "partial",
        2,
        "bias_shared",
        ["shared by outputs that should each have their own bias"],
        id="a: a bias shared across positions is named",
    ),
    pytest.param(
        "b.formula",
        seed_answer("seed-student-1", "b.formula"),
        "correct",
        3,
        None,
        ["same layer"],
        id="b: seed student 1's flipped kernel is correct",
    ),
    pytest.param(
        "b.formula",
        seed_answer("seed-student-2", "b.formula"),
        "incorrect",
        0,
        "kernel_size",
        ["spans the whole image", "do not depend on the output channel", "no bias"],
        id="b: seed student 2's kernel spans the whole image and ignores the output channel",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-2}^{2}\sum_{v=-2}^{2}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        "incorrect",
        0,
        "kernel_size",
        ["instead of 3×3"],
        id="b: a 5x5 kernel is named as the wrong kernel size",
    ),
    pytest.param(
        "b.formula",
        CONV1,
        "incorrect",
        0,
        "kernel_size",
        ["1×1 kernel"],
        id="b: a 1x1 kernel for a 3x3 convolution is named",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l} x_{i+u,j+v,l} + b_k",
        "incorrect",
        0,
        "channel_independent",
        ["do not depend on the output channel"],
        id="b: weights without the output channel are named",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{i,j,u,v,l,k} x_{i+u,j+v,l} + b_k",
        "incorrect",
        0,
        "unshared_weights",
        ["not shared across positions"],
        id="b: weights depending on the position are named",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l}",
        "partial",
        2,
        "bias_missing",
        ["no bias"],
        id="b: a missing bias earns partial credit",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_{i,j,k}",
        "incorrect",
        0,
        "bias_unshared",
        ["differs from position to position"],
        id="b: a bias per position is named",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \sum_{p=1}^{P}\sum_{q=1}^{Q}\sum_{l=1}^{C} w_{p,q,l,i,j,k} x_{p,q,l} + b_k",
        "incorrect",
        0,
        "fully_connected",
        ["that is a fully connected layer"],
        id="b: a fully connected layer for a convolution is named",
    ),
    pytest.param(
        "c.formula",
        seed_answer("seed-student-1", "c.formula"),
        "correct",
        3,
        None,
        ["same layer"],
        id="c: seed student 1's 1x1 convolution is correct",
    ),
    pytest.param(
        "c.formula",
        seed_answer("seed-student-2", "c.formula"),
        "partial",
        2,
        "bias_missing",
        ["no bias"],
        id="c: seed student 2's 1x1 convolution lacks only the bias",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b",
        "partial",
        2,
        "bias_shared",
        ["shared where each output channel needs its own"],
        id="c: one bias for all channels is named",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + x_{i,j,1} + b_k",
        "incorrect",
        0,
        "fixed_term",
        ["a term without a weight"],
        id="c: an input added without a weight is named",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} v_{l,k} x_{i,j,l} + b_k",
        "needs_review",
        0,
        None,
        ["an instructor will review it"],
        id="c: a product of two weights goes to an instructor",
    ),
    pytest.param(
        "d.formula",
        seed_answer("seed-student-1", "d.formula"),
        "correct",
        3,
        None,
        ["same layer"],
        id="d: seed student 1's single-index formula is correct",
    ),
    pytest.param(
        "d.formula",
        seed_answer("seed-student-2", "d.formula"),
        "invalid",
        0,
        None,
        ["y has 2 indices (it is PQ×D), not 3"],
        id="d: seed student 2's three output indices cannot be read for a single position index",
    ),
    pytest.param(
        "d.formula",
        r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k",
        "partial",
        2,
        "bias_extra",
        ["without a bias"],
        id="d: an extra bias earns partial credit",
    ),
    pytest.param(
        "e.formula",
        seed_answer("seed-student-1", "e.formula"),
        "correct",
        2,
        None,
        ["same layer"],
        id="e: the seed students' Y = XW is correct",
    ),
    pytest.param(
        "e.formula",
        r"Y^T = W^T X^T",
        "correct",
        2,
        None,
        ["same layer"],
        id="e: the transposed form is correct",
    ),
    pytest.param(
        "e.formula",
        "Y = WX",
        "incorrect",
        0,
        "shape",
        ["The shapes do not fit", "would need D = C", "multiply X on the right"],
        id="e: Y = WX does not fit the shapes and the feedback says so",
    ),
    pytest.param(
        "e.formula",
        "Y = X^T W",
        "incorrect",
        0,
        "shape",
        ["The shapes do not fit", "would need PQ = C"],
        id="e: Y = X^T W does not fit the shapes",
    ),
    pytest.param(
        "e.formula",
        "Y = XW + b",
        "partial",
        1,
        "bias_extra",
        ["without a bias, but your formula adds one"],
        id="e: Y = XW + b adds a bias the part leaves out",
    ),
    pytest.param(
        "e.formula",
        "Y = XUV",
        "needs_review",
        0,
        None,
        [
            "a product of two weights",
            "an instructor will review it",
            "Your formula multiplies the weights U·V, with a size between them that the "
            "shapes of X and Y do not settle.",
        ],
        id="e: a product of two weights, its inner size free, goes to an instructor",
    ),
    pytest.param(
        "e.formula",
        "Y = XWV",
        "needs_review",
        0,
        None,
        ["a product of two weights", "Your formula multiplies the weights W·V, with a size"],
        id="e: XWV goes to an instructor, as docs/rubrics.md says",
    ),
    pytest.param(
        "e.formula",
        "Y = X W W^T W",
        "needs_review",
        0,
        None,
        ["a product of two weights", "an instructor will review it"],
        id="e: XWWᵀW, whose shapes are settled, goes to an instructor too",
    ),
]


@pytest.mark.parametrize(
    ("item_id", "answer", "verdict", "marks", "diagnosis", "fragments"), GRADES
)
def test_grading_a_typical_answer(item_id, answer, verdict, marks, diagnosis, fragments):
    result = grade_answer(RUBRIC, RUBRIC.items[item_id], answer)
    assert (result.verdict, result.marks, result.diagnosis) == (verdict, marks, diagnosis)
    feedback = " ".join(result.feedback)
    for fragment in fragments:
        assert fragment in feedback


def test_the_seed_students_formulas_are_those_graded_here():
    """The table above reads the seed files; this pins what they say, so an edit is noticed."""
    assert seed_answer("seed-student-2", "b.formula") == (
        r"y_{ijk} = \sum_{n=1}^C \sum_{p=1}^P \sum_{q=1}^Q W_{pqn} x_{i-p, j-q, n}"
    )
    assert seed_answer("seed-student-1", "a.formula").startswith(
        r"y_{ijk} = \sum_{l=1}^C \sum_{m=1}^P \sum_{n=1}^P W_{mnlk} X_{ijl}"
    )


def test_a_correct_formula_says_how_it_was_read():
    result = grade_answer(RUBRIC, RUBRIC.items["b.formula"], CONV3.replace("+u", "-u"))
    assert result.verdict == "correct"
    assert result.interpretation == (
        "y[i,j,k] = Σ_{u=-1..1} Σ_{v=-1..1} Σ_{l=1..C} w[u,v,l,k]·x[i-u,j+v,l] + b[k]"
    )


@pytest.mark.parametrize(
    ("low", "high", "size"),
    [
        pytest.param(-2, 2, "5×5", id="a 5x5 kernel"),
        pytest.param(-1, 2, "4×4", id="a 4x4 kernel"),
    ],
)
def test_a_larger_fixed_kernel_is_named_by_its_size_not_as_the_whole_image(low, high, size):
    answer = (
        rf"y_{{i,j,k}} = \sum_{{u={low}}}^{{{high}}}\sum_{{v={low}}}^{{{high}}}\sum_{{l=1}}^{{C}} "
        r"w_{u,v,l,k} x_{i+u,j+v,l} + b_k"
    )
    result = grade_answer(RUBRIC, RUBRIC.items["b.formula"], answer)
    assert result.diagnosis == "kernel_size"
    assert f"Your kernel spans {size} positions instead of 3×3 positions." in result.feedback


def test_a_negative_matrix_term_is_read_without_a_unit_coefficient():
    result = grade_answer(RUBRIC, RUBRIC.items["e.formula"], "Y = XW - XV")
    assert result.interpretation is not None
    assert result.interpretation.startswith("Y = X·W - X·V")


@pytest.mark.parametrize(
    ("item_id", "answer"),
    [
        pytest.param(
            "c.formula",
            r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l+C}",
            id="c: a channel index past the last channel",
        ),
        pytest.param(
            "d.formula",
            r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,Ql}",
            id="d: a channel index that is always out of range",
        ),
    ],
)
def test_a_formula_that_reads_no_input_is_graded_not_an_error(item_id, answer):
    result = grade_answer(RUBRIC, RUBRIC.items[item_id], answer)
    assert result.verdict == "incorrect"
    assert result.marks == 0


# --- Formulas that cannot be read ------------------------------------------------------------

ERRORS = [
    # (item, text, message fragment, where the problem is: a substring starting there, or a column)
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,m} + b_k",
        "unknown index m",
        "m}",
        id="an unknown index is pointed at",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,L} + b_k",
        "did you mean l?",
        "L}",
        id="an index in the wrong case gets a hint",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l + b_k",
        "'{' is never closed",
        "{i,j,l +",
        id="an unclosed brace is pointed at",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l}} + b_k",
        "'}' has no matching '{'",
        "} + b_k",
        id="an extra closing brace is pointed at",
    ),
    pytest.param(
        "c.formula",
        r"\input{/etc/passwd}",
        r"unsupported LaTeX command \input",
        0,
        id="input is an unsupported LaTeX command",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \input{x} + b_k",
        r"unsupported LaTeX command \input",
        r"\input",
        id="input inside a formula is pointed at",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \frac{1}{w_{l,k}} x_{i,j,l}",
        r"in a term, \frac divides by a number, e.g. \frac{1}{2} w_{l,k} x_{i,l} or \frac{x_{i,1} + x_{i,2}}{2}",
        r"\frac",
        id="frac in a term divides by a number (a weight is no divisor)",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} \theta_{l,k} x_{i,j,l} + b_k",
        r"unsupported LaTeX command \theta",
        r"\theta",
        id="a Greek weight name is refused, not misread",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \prod_{u=-1}^{1}\prod_{v=-1}^{1} x_{i+u,j+v,k}",
        r"a product over a range (\prod) is not read in a layer formula, which adds up weighted inputs with \sum",
        r"\prod",
        id="a product over a window is refused in words, for a person (not a bare command)",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = ∏_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        r"a product over a range (\prod) is not read in a layer formula, which adds up weighted inputs with \sum",
        "∏",
        id="the n-ary product sign the same",
    ),
    pytest.param(
        "d.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l}",
        "y has 2 indices (it is PQ×D), not 3",
        0,
        id="three output indices for a single-index layer are refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k",
        "x has 3 indices (it is P×Q×C), not 2",
        "x_{i,l}",
        id="two input indices for a three-index input are refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,i,l} + b_k",
        "the output's indices must be distinct letters",
        "_{i,i",
        id="a repeated output index is refused",
    ),
    pytest.param(
        "c.formula",
        r"z_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        "the left side is z, but this layer's output is y",
        0,
        id="the wrong output name is refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + 12345678901 b_k",
        "this number is too large for a formula",
        "12345678901",
        id="a number of eleven digits is too large",
    ),
    pytest.param(
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{9999999999}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        "this number is too large for a formula",
        "9999999999",
        id="a sum bound of ten digits is too large to read",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{C=1}^{C} w_{C,k} x_{i,j,C} + b_k",
        "C is a size of this question",
        "C=1",
        id="a size used as a sum index is refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{k=1}^{C} w_{k,k} x_{i,j,k} + b_k",
        "k is already an index here",
        "k=1",
        id="an output index reused by a sum is refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1} w_{l,k} x_{i,j,l} + b_k",
        "give the whole range of the sum over l",
        r"\sum",
        id="a sum with only its start is refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l} w_{l,k} + b_k",
        "the sum over l has no range and l does not index x",
        0,
        id="a sum without range that does not index the input is refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} Y_{i,j,k}",
        "cannot also be read on the right side",
        "Y_",
        id="the output on the right side is refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} x_{i,j,l} x_{i,j,l}",
        "a term multiplies x by itself",
        0,
        id="an input times an input is refused",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} +",
        "the formula ends too early",
        46,
        id="a formula ending in a plus is refused",
    ),
    pytest.param(
        "c.formula",
        "y_ijk = sum_l w_lk x_ijl + b_k",
        "expected '=' after the output",
        "jk",
        id="an unbraced subscript takes one letter as in LaTeX",
    ),
    pytest.param(
        "c.formula",
        "",
        "the answer is empty",
        0,
        id="an empty formula is refused",
    ),
    pytest.param(
        "a.formula",
        "Y = XW",
        "write this layer with indices",
        0,
        id="a matrix form for a three-index layer is refused",
    ),
    pytest.param(
        "e.formula",
        "Y = X^2 W",
        "expected T, for a transpose",
        "2",
        id="a matrix power is refused",
    ),
    pytest.param(
        "e.formula",
        "Y = XW)",
        "')' has no matching '('",
        ")",
        id="an extra closing bracket in a matrix form is pointed at",
    ),
    pytest.param(
        "c.formula",
        "__import__('os').system('touch /tmp/x')",
        "expected the output",
        0,
        id="Python code is not a formula",
    ),
]


def where_in(text: str, where: str | int) -> int:
    return where if isinstance(where, int) else text.index(where)


@pytest.mark.parametrize(("item_id", "text", "fragment", "where"), ERRORS)
def test_a_formula_that_cannot_be_read_says_why_and_where(item_id, text, fragment, where):
    with pytest.raises(AnswerError) as raised:
        read(item_id, text)
    assert fragment in raised.value.message
    assert raised.value.position == where_in(text, where)


@pytest.mark.parametrize(("item_id", "text", "fragment", "where"), ERRORS)
def test_an_unreadable_formula_is_graded_invalid_with_its_position(item_id, text, fragment, where):
    result = grade_answer(RUBRIC, RUBRIC.items[item_id], text)
    if not text:
        assert result.verdict == "missing"
        return
    assert result.verdict == "invalid"
    assert result.marks == 0
    assert fragment in result.feedback[0]
    assert result.error_position == where_in(text, where)


def test_large_numbers_are_reported_as_too_large():
    with pytest.raises(AnswerTooLargeError):
        read("c.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l+1234567890} + b_k")


def test_a_sum_of_a_billion_values_is_refused_as_too_large():
    text = r"y_{i,j,k} = \sum_{u=-1}^{999999999}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k"
    result = grade_answer(RUBRIC, RUBRIC.items["b.formula"], text)
    assert result.verdict == "invalid"
    assert result.marks == 0
    assert "runs over 1000000001 values" in result.feedback[0]
    assert "too large to check" in result.feedback[1]


def test_sums_whose_product_is_too_large_are_refused():
    text = r"y_{i,j,k} = \sum_{u=-1}^{999}\sum_{v=-1}^{999}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k"
    result = grade_answer(RUBRIC, RUBRIC.items["b.formula"], text)
    assert result.verdict == "invalid"
    assert "sums over too many terms" in result.feedback[0]


@pytest.mark.parametrize(
    ("text", "verdict", "said"),
    [
        ("Y = AXB", "needs_review", "cannot compare exactly"),
        ("Y = AAXBB", "incorrect", "The shapes do not fit"),
        ("Y = AAAXBCCC", "invalid", "sums over too many terms"),
        ("Y = AAAAAAAXW", "invalid", "sums over too many terms"),
        ("Y = AAAAAAAAXWWWWWWWW", "incorrect", "The shapes do not fit"),
    ],
)
def test_a_product_of_many_matrices_is_read_or_refused_never_an_error(text, verdict, said):
    # eight or more factors failed with IndexError ("The grader failed on this answer"): the
    # names of the indices summed between the factors ran out at six
    result = grade_answer(RUBRIC, RUBRIC.items["e.formula"], text)
    assert (result.verdict, said in result.feedback[0]) == (verdict, True), result.feedback


def test_python_code_as_a_formula_is_invalid_and_never_run(tmp_path):
    marker = tmp_path / "x"
    text = f"__import__('os').system('touch {marker}')"
    result = grade_answer(RUBRIC, RUBRIC.items["c.formula"], text)
    assert result.verdict == "invalid"
    assert result.marks == 0
    assert not marker.exists()
