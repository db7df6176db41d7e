"""Matrix answers (`type: matrix`): the backward pass of a linear layer and scaled dot-product
attention graded right, and the wrong answers explained, with whole results asserted; how
answers are read; what cannot be read, with where."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pytest

from grader.errors import AnswerError, AnswerTooLargeError
from grader.grade import grade_answer, grade_paths
from grader.html_report import trusted_mathml
from grader.kinds import kind_of
from grader.kinds.matrix.evaluate import NotComparable, inverse
from grader.kinds.matrix.parse import parse_matrix
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent
BACKWARD = load_rubric(ROOT / "rubrics" / "linear-backward-q1.yaml")
ATTENTION = load_rubric(ROOT / "rubrics" / "attention-q2.yaml")
# A gradient that is the zero matrix (a loss that does not depend on W, written X - X): no
# answer is a multiple of it, and none is divided by its size.
VANISHING = load_rubric_text(
    r"""
id: VANISHING
title: A gradient that vanishes
symbols:
  N: {meaning: examples}
  D: {meaning: features}
check_sizes:
  - {N: 5, D: 3}
  - {N: 4, D: 6}
parts:
  a:
    marks: 2
    prompt: The loss does not depend on W. Give dL/dW.
    items:
      dW:
        type: matrix
        marks: 2
        matrices: {X: [N, D]}
        result: ['dL/dW']
        answer: 'X - X'
""",
    "vanishing.yaml",
)

GRADES = [
    pytest.param(
        BACKWARD,
        "a.dW",
        "X^T G",
        "correct",
        2.0,
        None,
        ("Correct: your matrix equals ∂L/∂W.",),
        id="dW: XᵀG is correct",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "\\frac{\\partial L}{\\partial W} = X^\\top G",
        "correct",
        2.0,
        None,
        ("Correct: your matrix equals ∂L/∂W.",),
        id="dW: LaTeX with a partial-derivative left side is correct",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "∂L/∂W = XᵀG",
        "correct",
        2.0,
        None,
        ("Correct: your matrix equals ∂L/∂W.",),
        id="dW: Unicode is correct",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "G^T X",
        "partial",
        1.0,
        "transposed",
        (
            "Your answer is the transpose of ∂L/∂W (yours is D×C, ∂L/∂W C×D): transposing it "
            "gives the answer.",
        ),
        id="dW: GᵀX is its transpose, with partial credit",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "X^T G^T",
        "incorrect",
        0.0,
        "misconception 1",
        (
            "G = dL/dY has the shape of Y, N x D, so Gᵀ is D x N and cannot follow Xᵀ (C x N). "
            "Each entry of W meets every example once: dL/dW = XᵀG, which is C x D like W.",
        ),
        id="dW: XᵀGᵀ (issue 16) fires its misconception",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "X G",
        "incorrect",
        0.0,
        "transpose_misplaced",
        (
            "The shapes do not fit: X is N×C and G is N×D: they cannot be multiplied.",
            "A transpose is misplaced: the answer needs Xᵀ where you wrote X.",
        ),
        id="dW: XG does not fit, and the missing transpose is named",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "W^T G",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: Wᵀ is D×C and G is N×D: they cannot be multiplied.",),
        id="dW: WᵀG does not fit, explained from the shapes",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "dL/dX = X^T G",
        "needs_review",
        0.0,
        None,
        (
            "Your matrix equals ∂L/∂W, but your left side names ∂L/∂X; an instructor will review "
            "it.",
        ),
        id="dW: the right matrix named dL/dX goes to review",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "dL/dX = G W^T",
        "incorrect",
        0.0,
        "other_item",
        (
            "Your answer is ∂L/∂X, the answer to part (b), not ∂L/∂W.",
            "Your left side names ∂L/∂X, but this item asks for ∂L/∂W.",
        ),
        id="dW: dL/dX's answer is named as part (b)'s, and so is its left side",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "W G^T",
        "incorrect",
        0.0,
        "shape",
        ("Your answer is C×N, but ∂L/∂W is C×D.",),
        id="dW: a matrix of another shape is told so",
    ),
    pytest.param(
        BACKWARD,
        "b.dX",
        "1^T G",
        "incorrect",
        0.0,
        "other_item",
        ("Your answer is ∂L/∂b, the answer to part (c), not ∂L/∂X.",),
        id="dX: dL/db's answer is named as part (c)'s",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "2 X^T G",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is 2 times ∂L/∂W, a factor the answer does not have.",),
        id="dW: an extra factor 2 is named",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "X^T G + X^T G",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is 2 times ∂L/∂W, a factor the answer does not have.",),
        id="dW: the answer added to itself is twice it, as 2XᵀG is (was 'different')",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "X^T G + X^T G + X^T G",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is 3 times ∂L/∂W, a factor the answer does not have.",),
        id="dW: the answer three times over is told as 3XᵀG (was 'different')",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "X^T G - 2X^T G",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is −1 times ∂L/∂W: its sign is the other way round.",),
        id="dW: XᵀG - 2XᵀG is -XᵀG, told its sign (was 'different')",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "-X^T G",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is −1 times ∂L/∂W: its sign is the other way round.",),
        id="dW: -XᵀG is told its sign, as XᵀG - 2XᵀG is (was 'different')",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "X^T G / 2",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is 1/2 times ∂L/∂W, a factor the answer does not have.",),
        id="dW: a division by 2 is told as the same multiple as XᵀG/4 + XᵀG/4",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "X^T G / 4 + X^T G / 4",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is 1/2 times ∂L/∂W, a factor the answer does not have.",),
        id="dW: XᵀG/4 + XᵀG/4 is half the answer, as XᵀG/2 is (was 'different')",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "N X^T G",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer multiplies by N, which the answer does not.",),
        id="dW: a size as a factor is no number: told as written",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "2 G^T X",
        "incorrect",
        0.0,
        "shape",
        (
            "Your answer is D×C, but ∂L/∂W is C×D.",
            "Your answer is 2 times the transpose of ∂L/∂W, a factor the answer does not have.",
        ),
        id="dW: twice the transpose is told both, not only its shape",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "-G^T X",
        "incorrect",
        0.0,
        "shape",
        (
            "Your answer is D×C, but ∂L/∂W is C×D.",
            "Your answer is −1 times the transpose of ∂L/∂W: its sign is the other way round.",
        ),
        id="dW: minus the transpose is told both, not only its shape",
    ),
    pytest.param(
        BACKWARD,
        "b.dX",
        "G W^T",
        "correct",
        2.0,
        None,
        ("Correct: your matrix equals ∂L/∂X.",),
        id="dX: GWᵀ is correct",
    ),
    pytest.param(
        BACKWARD,
        "b.dX",
        "W G^T",
        "partial",
        1.0,
        "transposed",
        (
            "Your answer is the transpose of ∂L/∂X (yours is C×N, ∂L/∂X N×C): transposing it "
            "gives the answer.",
        ),
        id="dX: WGᵀ is its transpose",
    ),
    pytest.param(
        BACKWARD,
        "b.dX",
        "W^T G",
        "incorrect",
        0.0,
        "factor_order",
        (
            "The shapes do not fit: Wᵀ is D×C and G is N×D: they cannot be multiplied.",
            "The factors of Wᵀ·G are in the wrong order: the answer needs G·Wᵀ.",
        ),
        id="dX: WᵀG has its factors in the wrong order",
    ),
    pytest.param(
        BACKWARD,
        "b.dX",
        "G W",
        "incorrect",
        0.0,
        "misconception 1",
        (
            "W is C x D, so G (N x D) can only be multiplied by Wᵀ (D x C): dL/dX = GWᵀ, which is "
            "N x C like X.",
        ),
        id="dX: GW fires its misconception",
    ),
    pytest.param(
        BACKWARD,
        "b.dX",
        "G \\odot W^T",
        "incorrect",
        0.0,
        "elementwise_product",
        (
            "The shapes do not fit: G is N×D and Wᵀ is D×C: they cannot be multiplied entry by "
            "entry.",
            "G ⊙ Wᵀ multiplies entry by entry (⊙) where the answer needs the matrix product G·Wᵀ.",
        ),
        id="dX: G ⊙ Wᵀ is elementwise where a product belongs",
    ),
    pytest.param(
        BACKWARD,
        "c.db",
        "1^T G",
        "correct",
        2.0,
        None,
        ("Correct: your matrix equals ∂L/∂b.",),
        id="db: 1ᵀG is correct",
    ),
    pytest.param(
        BACKWARD,
        "c.db",
        "G^T 1",
        "correct",
        2.0,
        None,
        ("Correct: your matrix equals ∂L/∂b.",),
        id="db: Gᵀ1, the same vector standing as a column, is correct",
    ),
    pytest.param(
        BACKWARD,
        "c.db",
        "G",
        "incorrect",
        0.0,
        "misconception 1",
        (
            "b has D entries, one per output feature, and is added to every one of the N rows: "
            "its gradient sums G over the examples, 1ᵀG (the sum of each column of G).",
        ),
        id="db: G itself fires its misconception",
    ),
    pytest.param(
        BACKWARD,
        "c.db",
        "G 1",
        "incorrect",
        0.0,
        "misconception 2",
        (
            "G1 sums each row of G, one sum per example (N entries). The bias has one entry per "
            "output feature: sum each column instead, 1ᵀG.",
        ),
        id="db: row sums G1 fire their misconception",
    ),
    # A multiple of the answer is found standing either way: Gᵀ1 is a column, 1ᵀG a row.
    pytest.param(
        BACKWARD,
        "c.db",
        "G^T 1 + G^T 1",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is 2 times ∂L/∂b, a factor the answer does not have.",),
        id="db: Gᵀ1 + Gᵀ1, a column, is twice the row 1ᵀG",
    ),
    pytest.param(
        BACKWARD,
        "c.db",
        "-G^T 1",
        "incorrect",
        0.0,
        "scalar_extra",
        ("Your answer is −1 times ∂L/∂b: its sign is the other way round.",),
        id="db: -Gᵀ1, a column, is told its sign",
    ),
    # 0 is no multiple: the zero matrix is told where it differs.
    pytest.param(
        BACKWARD,
        "a.dW",
        "X^T G - X^T G",
        "incorrect",
        0.0,
        "different",
        (
            "With N=5, C=4, D=3 and random entries, your answer differs from ∂L/∂W: its entry "
            "(1,3) is 0, where the answer's is -4.",
        ),
        id="dW: XᵀG - XᵀG is the zero matrix, not 0 times the answer",
    ),
    pytest.param(
        VANISHING,
        "a.dW",
        "2X",
        "incorrect",
        0.0,
        "different",
        (
            "With N=5, D=3 and random entries, your answer differs from ∂L/∂W: its entry (5,1) "
            "is -4.65, where the answer's is 0.",
        ),
        id="a zero reference: an answer is told where it differs, not as a multiple of it",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T / \\sqrt{d_k}) V",
        "correct",
        3.0,
        None,
        ("Correct: your matrix equals A.",),
        id="attention: the reference is correct",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(K Q^T / \\sqrt{d_k}) V",
        "incorrect",
        0.0,
        "factor_order",
        (
            "K·Qᵀ is the transpose of Q·Kᵀ, which the answer needs: its factors are in the wrong "
            "order.",
        ),
        id="attention: K Qᵀ (issue 16) has its factors in the wrong order",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "V softmax(Q K^T / \\sqrt{d_k})",
        "incorrect",
        0.0,
        "factor_order",
        (
            "The shapes do not fit: V is N×d_v and softmax(Q·Kᵀ / √d_k) is N×N: they cannot be "
            "multiplied.",
            "The factors of V·softmax(Q·Kᵀ / √d_k) are in the wrong order: the answer needs "
            "softmax(Q·Kᵀ / √d_k)·V.",
        ),
        id="attention: V softmax(...) (issue 16) does not fit, and the order is named",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T V / \\sqrt{d_k})",
        "incorrect",
        0.0,
        "inside_softmax",
        (
            "V is inside the softmax, but it belongs outside: the softmax's weights multiply V, "
            "as in softmax(Q·Kᵀ / √d_k)·V.",
        ),
        id="attention: V inside the softmax (issue 16) is named",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T) V",
        "partial",
        2.0,
        "scalar_missing",
        ("Your answer leaves out the division by √d_k.",),
        id="attention: without the scale, with partial credit",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T / d_k) V",
        "partial",
        2.0,
        "scalar_wrong",
        ("Your answer divides by d_k where the answer divides by √d_k.",),
        id="attention: divided by d_k instead of its root",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T \\sqrt{d_k}) V",
        "partial",
        2.0,
        "scalar_wrong",
        ("Your answer multiplies by √d_k where the answer divides by it.",),
        id="attention: multiplied by √d_k instead of divided",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T / \\sqrt{d_v}) V",
        "partial",
        2.0,
        "scalar_wrong",
        (
            "Inside the softmax, your answer scales Q·Kᵀ by 1 / √d_v, where the answer scales it "
            "by 1 / √d_k; the rest of your answer is right.",
        ),
        id="attention: a scale from d_v instead of d_k (was 0, a bare entry difference)",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T / \\sqrt{N}) V",
        "partial",
        2.0,
        "scalar_wrong",
        (
            "Inside the softmax, your answer scales Q·Kᵀ by 1 / √N, where the answer scales it "
            "by 1 / √d_k; the rest of your answer is right.",
        ),
        id="attention: a scale from N (was 0)",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(2 Q K^T / \\sqrt{d_k}) V",
        "partial",
        2.0,
        "scalar_wrong",
        (
            "Inside the softmax, your answer scales Q·Kᵀ by 2 / √d_k, where the answer scales it "
            "by 1 / √d_k; the rest of your answer is right.",
        ),
        id="attention: an extra 2 in the scale is a wrong scale (was 0, scalar_extra)",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "A = softmax(QK^T/\\sqrt{d_k} + QK^T/\\sqrt{d_k}) V",
        "partial",
        2.0,
        "scalar_wrong",
        (
            "Inside the softmax, your answer scales Q·Kᵀ by 2 / √d_k, where the answer scales it "
            "by 1 / √d_k; the rest of your answer is right.",
        ),
        id="attention: the scaled term twice is 2/sqrt(d_k), as written 2QK^T (was 0, different)",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "A = softmax(QK^T + QK^T) V",
        "partial",
        2.0,
        "scalar_wrong",
        (
            "Inside the softmax, your answer scales Q·Kᵀ by 2, where the answer scales it "
            "by 1 / √d_k; the rest of your answer is right.",
        ),
        id="attention: QK^T twice is a scale of 2 (was 0, different)",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "A = softmax(QK^T/\\sqrt{d_k} + QK^T) V",
        "partial",
        2.0,
        "scalar_wrong",
        (
            "Inside the softmax, your answer scales Q·Kᵀ by 1 / √d_k + 1, where the answer "
            "scales it by 1 / √d_k; the rest of your answer is right.",
        ),
        id="attention: terms with unlike scales, their sum said (was 0, different)",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(\\frac{Q K^T}{2}) V",
        "partial",
        2.0,
        "scalar_wrong",
        (
            "Inside the softmax, your answer scales Q·Kᵀ by 1 / 2, where the answer scales it "
            "by 1 / √d_k; the rest of your answer is right.",
        ),
        id="attention: a number for the scale (was 0)",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T / \\sqrt{d_k}, dim=0) V",
        "partial",
        1.0,
        "softmax_axis",
        (
            "Your softmax runs over the wrong axis: it makes each column of Q·Kᵀ / √d_k sum to 1, "
            "where the answer needs each row of it to sum to 1, as in softmax(Q·Kᵀ / √d_k).",
        ),
        id="attention: softmax over the columns",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(KQ^T/\\sqrt{d_k})^T V",
        "partial",
        1.0,
        "softmax_axis",
        (
            "Your softmax runs over the wrong axis: it makes each row of K·Qᵀ / √d_k sum to 1, "
            "where the answer needs each column of it to sum to 1, as in "
            "softmax(K·Qᵀ / √d_k, over columns).",
        ),
        id="attention: a transposed softmax of K Q^T is told of its own rows",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q \\odot K^T / \\sqrt{d_k}) V",
        "incorrect",
        0.0,
        "elementwise_product",
        (
            "The shapes do not fit: Q is N×d_k and Kᵀ is d_k×N: they cannot be multiplied entry "
            "by entry.",
            "Q ⊙ Kᵀ multiplies entry by entry (⊙) where the answer needs the matrix product Q·Kᵀ.",
        ),
        id="attention: Q ⊙ Kᵀ where a product belongs",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q K^T) V / \\sqrt{d_k}",
        "partial",
        1.0,
        "misconception 1",
        (
            "The scale 1/√d_k divides the scores before the softmax, to keep their variance near "
            "1 so the softmax does not saturate; after the softmax it only scales the output "
            "down, and the scores reach the softmax unscaled.",
        ),
        id="attention: the scale after the softmax fires its misconception",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(Q^T K / \\sqrt{d_k}) V",
        "incorrect",
        0.0,
        "shape",
        (
            "The shapes do not fit: softmax(Qᵀ·K / √d_k) is d_k×d_k and V is N×d_v: they cannot "
            "be multiplied.",
        ),
        id="attention: Qᵀ K does not fit, explained from the shapes",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "B = softmax(Q K^T / \\sqrt{d_k}) V",
        "needs_review",
        0.0,
        None,
        ("Your matrix equals A, but your left side names B; an instructor will review it.",),
        id="attention: the right matrix under another name goes to review",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "softmax(QK^T/√d_k)V + V",
        "incorrect",
        0.0,
        "different",
        (
            "With N=5, d_k=4, d_v=3 and random entries, your answer differs from A: its entry "
            "(3,2) is 3, where the answer's is 1.04.",
        ),
        id="attention: an extra term is shown with a counterexample entry",
    ),
    pytest.param(
        ATTENTION,
        "a.attention",
        "(softmax(Q K^T / \\sqrt{d_k}) V)^T",
        "incorrect",
        0.0,
        "transposed",
        (
            "Your answer is the transpose of A (yours is d_v×N, A N×d_v): transposing it gives "
            "the answer.",
        ),
        id="attention: the transpose of the answer",
    ),
]


RECURRENT = load_rubric_text(
    r"""
id: RECURRENT-BACKWARD
title: Backward through a tanh cell
symbols:
  H: {meaning: hidden units}
  N: {meaning: inputs}
check_sizes:
  - {H: 5, N: 3}
  - {H: 4, N: 6}
parts:
  a:
    marks: 2
    prompt: h = tanh(W x) and g = dL/dh are given. Give dL/dx.
    items:
      dx:
        type: matrix
        marks: 2
        matrices: {W: [H, N], h: [H], g: [H]}
        result: ['dL/dx']
        answer: 'W^T ((1 - h \odot h) \odot g)'
  b:
    marks: 2
    prompt: Give the gradient at the previous step.
    items:
      previous:
        type: matrix
        marks: 2
        matrices: {U: [H, H], g_t: [H]}
        result: ['g_{t-1}', 'delta_{t-1}']
        answer: 'U^T g_t'
""",
    "recurrent-backward.yaml",
)
SQUARED = "read h^(2), a power of the vector h, entry by entry: h ⊙ h"


@pytest.mark.parametrize(
    ("item_id", "answer", "verdict", "notes"),
    [
        # result names with '/' or a subscript of several characters, written in any way
        ("a.dx", "dL/dx = W^T ((1-h⊙h)⊙g)", "correct", ()),
        ("a.dx", r"\frac{\partial L}{\partial x} = W^T ((1-h⊙h)⊙g)", "correct", ()),
        ("a.dx", "∂L/∂x = W^T ((1-h⊙h)⊙g)", "correct", ()),
        ("a.dx", "dL/dh = W^T ((1-h⊙h)⊙g)", "needs_review", ()),
        ("b.previous", "g_{t-1} = U^T g_t", "correct", ()),
        ("b.previous", "g_{t - 1} = U^T g_t", "correct", ()),
        ("b.previous", "delta_{t-1} = U^T g_t", "correct", ()),
        ("b.previous", r"\delta_{t-1} = U^T g_t", "correct", ()),
        ("b.previous", "δ_{t-1} = U^T g_t", "correct", ()),
        ("b.previous", "g_t = U^T g_t", "needs_review", ()),
        # a whole power of a vector is the power of each entry, with a note
        ("a.dx", r"W^T ((1 - h^2) \odot g)", "correct", (SQUARED,)),
        ("a.dx", "W^T ((1 - h²) ⊙ g)", "correct", (SQUARED,)),
        ("a.dx", "dL/dx = W^T ((1 - h^{2}) ⊙ g)", "correct", (SQUARED,)),
        ("a.dx", r"W^T ((1 - h^3) \odot g)", "incorrect", None),
    ],
)
def test_a_left_side_and_a_power_of_a_vector_are_read_as_written(item_id, answer, verdict, notes):
    result = grade_answer(RECURRENT, RECURRENT.items[item_id], answer)
    assert result.verdict == verdict, result.feedback
    if notes is not None:
        assert result.reading_notes == notes


def test_a_power_of_a_matrix_is_still_a_misfit():
    result = grade_answer(RECURRENT, RECURRENT.items["a.dx"], "(W^2)^T g")
    assert result.verdict == "incorrect"
    assert "a power is taken of a number here" in result.feedback[0]


GIVEN = "read ∂L/∂Y as G, the gradient the question gives"


@pytest.mark.parametrize(
    ("item_id", "answer", "verdict", "reading"),
    [
        pytest.param("a.dW", "X^T (dL/dY)", "correct", "Xᵀ·G", id="dL/dY in brackets"),
        pytest.param(
            "a.dW",
            r"X^\top \frac{\partial L}{\partial Y}",
            "correct",
            "Xᵀ·G",
            id="a LaTeX fraction of partials",
        ),
        pytest.param("a.dW", "Xᵀ ∂L/∂Y", "correct", "Xᵀ·G", id="Unicode partials"),
        pytest.param("a.dW", "X^TdL/dY", "correct", "Xᵀ·G", id="dL/dY right after a ^T"),
        pytest.param(
            "a.dW",
            r"\frac{\partial{L}}{\partial{W}} = X^T \frac{\partial{L}}{\partial{Y}}",
            "correct",
            "∂L/∂W = Xᵀ·G",
            id="braces around the letters of partials, both sides",
        ),
        pytest.param("a.dW", r"X^T \delta L/\delta Y", "correct", "Xᵀ·G", id="deltas"),
        pytest.param(
            "a.dW",
            r"dL/dW = X^T \nabla_Y L",
            "correct",
            "∂L/∂W = Xᵀ·G",
            id="nabla, after a left side",
        ),
        pytest.param("a.dW", "(dL/dY)^T X", "partial", "Gᵀ·X", id="transposed"),
        pytest.param(
            "a.dW", "W^T dL/dY", "incorrect", "Wᵀ·G", id="read, and its shapes do not fit"
        ),
        pytest.param("b.dX", "dL/dY W^T", "correct", "G·Wᵀ", id="first among the factors"),
        pytest.param(
            "c.db",
            r"1^T \frac{\partial L}{\partial Y}",
            "correct",
            "𝟏ᵀ·G",
            id="after a ones vector",
        ),
    ],
)
def test_a_gradient_the_question_gives_is_read_as_its_matrix(item_id, answer, verdict, reading):
    result = grade_answer(BACKWARD, BACKWARD.items[item_id], answer)
    assert (result.verdict, result.interpretation) == (verdict, reading), result.feedback
    assert GIVEN in result.reading_notes


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(
            "X^T dL/dZ",
            "∂L/∂Z is not one of the question's matrices: they are G, W, X, b (G is ∂L/∂Y) "
            "(at column 5).",
            id="a gradient the question does not give",
        ),
        pytest.param(
            "X^T dL/dW",
            "∂L/∂W is not one of the question's matrices: they are G, W, X, b (G is ∂L/∂Y) "
            "(at column 5).",
            id="the gradient asked for",
        ),
        pytest.param(
            "X^T dC/dY",
            "∂C/∂Y is not one of the question's matrices: they are G, W, X, b (G is ∂L/∂Y); C "
            "is one of the question's names, not its loss L (at column 5).",
            id="the gradient of one of the question's names",
        ),
        pytest.param(
            "dL/dW = X^T dE/dY",
            "your answer writes the loss both as L and as E, and which is meant is not clear; "
            "write one letter for it throughout (at column 13).",
            id="the loss written with two letters",
        ),
        pytest.param(
            "dF/dW = X^T dE/dY",
            "your answer writes the loss both as F and as E, and which is meant is not clear; "
            "write one letter for it throughout (at column 13).",
            id="the loss written with two letters, neither the question's",
        ),
    ],
)
def test_a_gradient_the_question_does_not_give_is_unreadable_saying_which_it_gives(answer, message):
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], answer)
    assert (result.verdict, result.feedback[0]) == (
        "invalid",
        "We could not read your answer: " + message,
    )


OTHER_LOSS = "read ∂{0}/∂Y as G, the gradient the question gives, the question's loss being L"
OTHER_LEFT = "read ∂{0}/∂W as ∂L/∂W, the question's loss being L"


@pytest.mark.parametrize(
    ("answer", "reading", "notes"),
    [
        pytest.param(
            r"X^T \frac{\partial E}{\partial Y}",
            "Xᵀ·G",
            (OTHER_LOSS.format("E"),),
            id="the gradient of another function",
        ),
        pytest.param("X^T dE/dY", "Xᵀ·G", (OTHER_LOSS.format("E"),), id="dE/dY"),
        pytest.param(
            "dE/dW = X^T dE/dY",
            "∂L/∂W = Xᵀ·G",
            (OTHER_LEFT.format("E"), OTHER_LOSS.format("E")),
            id="one letter on both sides",
        ),
        pytest.param(
            "dℓ/dW = X^T dℓ/dY",
            "∂L/∂W = Xᵀ·G",
            (OTHER_LEFT.format("ℓ"), OTHER_LOSS.format("ℓ")),
            id="a script l",
        ),
        pytest.param(
            r"\frac{\partial \ell}{\partial W} = X^T \frac{\partial \ell}{\partial Y}",
            "∂L/∂W = Xᵀ·G",
            (OTHER_LEFT.format("ℓ"), OTHER_LOSS.format("ℓ")),
            id="ell in LaTeX",
        ),
    ],
)
def test_another_letter_for_the_loss_is_read_as_the_questions_with_a_note(answer, reading, notes):
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], answer)
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        "correct",
        reading,
        notes,
    )


TRANSPOSED = "read (∂L/∂W)ᵀ = … as ∂L/∂W = (…)ᵀ, transposing both sides"


@pytest.mark.parametrize(
    ("answer", "verdict", "reading", "notes"),
    [
        pytest.param(
            "(dL/dW)^T = (dL/dY)^T X",
            "correct",
            "∂L/∂W = (Gᵀ·X)ᵀ",
            (TRANSPOSED, GIVEN),
            id="(XᵀG)ᵀ = GᵀX",
        ),
        pytest.param(
            r"\left(\frac{\partial L}{\partial W}\right)^\top = G^\top X",
            "correct",
            "∂L/∂W = (Gᵀ·X)ᵀ",
            (TRANSPOSED,),
            id="LaTeX",
        ),
        pytest.param("(dL/dW)' = G'X", "correct", "∂L/∂W = (Gᵀ·X)ᵀ", (TRANSPOSED,), id="primes"),
        pytest.param(
            "(dL/dW)^T = X^T G",
            "partial",
            "∂L/∂W = (Xᵀ·G)ᵀ",
            (TRANSPOSED,),
            id="the right side of the untransposed one is the transpose",
        ),
    ],
)
def test_a_transposed_left_side_transposes_both_sides(answer, verdict, reading, notes):
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], answer)
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        verdict,
        reading,
        notes,
    )


def read_and_graded(result):
    """What these tables pin of a result: its verdict, reading, notes and feedback."""
    return (result.verdict, result.interpretation, result.reading_notes, result.feedback)


SHORTHAND = "read dY as G, the gradient ∂L/∂Y the question gives, dY being shorthand for ∂L/∂Y"
REVIEWED = "An instructor will review it."
SHORTHAND_REVIEW = (
    "Your answer writes dY, read as shorthand for ∂L/∂Y; dY may also mean the differential of Y; "
)


@pytest.mark.parametrize(
    ("answer", "reading", "feedback"),
    [
        pytest.param(
            "X^T dY",
            "Xᵀ·G",
            (SHORTHAND_REVIEW + "read as shown, your matrix equals ∂L/∂W.", REVIEWED),
            id="dY",
        ),
        pytest.param(
            "dL/dW = X^TdY",
            "∂L/∂W = Xᵀ·G",
            (SHORTHAND_REVIEW + "read as shown, your matrix equals ∂L/∂W.", REVIEWED),
            id="after a ^T, under a left side written in full",
        ),
        pytest.param(
            "dY X^T",
            "G·Xᵀ",
            (
                SHORTHAND_REVIEW + "read as shown, it would earn 0 of 2 marks.",
                "The shapes do not fit: G is N×D and Xᵀ is C×N: they cannot be multiplied.",
                "The factors of G·Xᵀ are in the wrong order: the answer needs Xᵀ·G.",
                REVIEWED,
            ),
            id="wrong read as shown: what it would earn, and why",
        ),
    ],
)
def test_dy_among_the_factors_is_read_as_the_given_gradient_and_a_person_decides(
    answer, reading, feedback
):
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], answer)
    assert read_and_graded(result) == ("needs_review", reading, (SHORTHAND,), feedback)


@pytest.mark.parametrize(
    ("item_id", "answer", "reading"),
    [
        pytest.param("b.dX", "dX = dY W^T", "∂L/∂X = G·Wᵀ", id="dX: the note names dY, not dW"),
        pytest.param("c.db", "db = 1^T dY", "∂L/∂b = 𝟏ᵀ·G", id="db: the note names dY, not dW"),
    ],
)
def test_the_dy_note_names_the_shorthand_the_answer_writes_in_any_item(item_id, answer, reading):
    result = grade_answer(BACKWARD, BACKWARD.items[item_id], answer)
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        "correct",
        reading,
        (SHORTHAND,),
    )


def test_dy_under_a_left_side_in_the_same_shorthand_is_read_as_the_given_gradient():
    # dW = Xᵀ dY writes both sides in the shorthand: no differential is meant
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], "dW = X^T dY")
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        "correct",
        "∂L/∂W = Xᵀ·G",
        (SHORTHAND,),
    )


def _followed(written, why, equals="∂L/∂W"):
    return (
        f'Your answer is followed by "{written}"{why}; read as shown, your matrix equals {equals}.',
        REVIEWED,
    )


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict", "reading", "notes", "feedback"),
    [
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G, where G = dL/dY",
            "correct",
            "Xᵀ·G",
            (
                'set aside "where G = dL/dY", a definition, which agrees with the question\'s '
                "G = ∂L/∂Y",
            ),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="the question's G",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"dL/dW = X^T G \text{ where } G = \frac{\partial L}{\partial Y}",
            "correct",
            "∂L/∂W = Xᵀ·G",
            (
                'set aside "\\text{ where } G = \\frac{\\partial L}{\\partial Y}", a '
                "definition, which agrees with the question's G = ∂L/∂Y",
            ),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="after a left side, in LaTeX",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G, where G = dL/dZ",
            "needs_review",
            "Xᵀ·G",
            ('set aside "where G = dL/dZ", a definition',),
            _followed(
                "where G = dL/dZ",
                ", which defines G as dL/dZ; the question's G is ∂L/∂Y, so it is not clear "
                "what your answer means",
            ),
            id="another G than the question's",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G, where X = dL/dY",
            "needs_review",
            "Xᵀ·G",
            ('set aside "where X = dL/dY", a definition',),
            _followed(
                "where X = dL/dY",
                ": it gives X, one of the question's names, a meaning of its own, so your "
                "answer may not be the one asked for",
            ),
            id="a matrix of the question given another meaning",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G, where H = dL/dY",
            "needs_review",
            "Xᵀ·G",
            ('set aside "where H = dL/dY", a definition',),
            _followed("where H = dL/dY", ", which defines H, a name your answer does not use"),
            id="a name the answer does not use",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(Q K^T / \sqrt{d_k}) V, where d_k = 16",
            "needs_review",
            "softmax(Q·Kᵀ / √d_k)·V",
            ('set aside "where d_k = 16", a definition',),
            _followed(
                "where d_k = 16",
                ": it gives d_k, one of the question's names, a meaning of its own, so your "
                "answer may not be the one asked for",
                equals="A",
            ),
            id="a size the answer uses given a value",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(Q K^T / \sqrt{d_k}) V, where d_k = 64",
            "correct",
            "softmax(Q·Kᵀ / √d_k)·V",
            (
                'set aside "where d_k = 64", a definition: d_k = 64 is the question\'s own '
                "example, and your answer is read for every d_k",
            ),
            ("Correct: your matrix equals A.",),
            id="a size the answer uses given the question's example value",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G, where C = 8",
            "correct",
            "Xᵀ·G",
            (
                'set aside "where C = 8", a definition: C = 8 is the question\'s own example, '
                "and your answer is read for every C",
            ),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="a size in the shape of a matrix the answer uses, given its example value",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G, where N = 5",
            "needs_review",
            "Xᵀ·G",
            ('set aside "where N = 5", a definition',),
            _followed(
                "where N = 5",
                ": it gives N, one of the question's names, a meaning of its own, so your "
                "answer may not be the one asked for",
            ),
            id="a size in the shape of a matrix the answer uses, given another value",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T δ, where δ = dL/dY",
            "correct",
            "Xᵀ·G",
            (
                'set aside "where δ = dL/dY", a definition, and read δ as G: the definition '
                "agrees with the question's G = ∂L/∂Y",
            ),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="a new name for the given gradient",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"\delta^T X \text{ where } \delta = \frac{\partial L}{\partial Y}",
            "partial",
            "Gᵀ·X",
            (
                'set aside "\\text{ where } \\delta = \\frac{\\partial L}{\\partial Y}", a '
                "definition, and read δ as G: the definition agrees with the question's "
                "G = ∂L/∂Y",
            ),
            (
                "Your answer is the transpose of ∂L/∂W (yours is D×C, ∂L/∂W C×D): transposing "
                "it gives the answer.",
            ),
            id="a new name for the given gradient, in LaTeX, graded as read",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T H, where H = G",
            "correct",
            "Xᵀ·G",
            (
                'set aside "where H = G", a definition, and read H as G: the definition '
                "agrees with the question's G = ∂L/∂Y",
            ),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="a new name for the given matrix",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "δ = dL/dY; dL/dW = X^T δ",
            "correct",
            "∂L/∂W = Xᵀ·G",
            (
                'set aside "δ = dL/dY", a definition, and read δ as G: the definition agrees '
                "with the question's G = ∂L/∂Y",
            ),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="a new name for the given gradient, defined before the answer",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "G = dL/dZ, X^T G",
            "needs_review",
            "Xᵀ·G",
            ('set aside "G = dL/dZ", a definition',),
            (
                'Your answer is preceded by "G = dL/dZ", which defines G as dL/dZ; the '
                "question's G is ∂L/∂Y, so it is not clear what your answer means; read as "
                "shown, your matrix equals ∂L/∂W.",
                REVIEWED,
            ),
            id="another G than the question's, defined before the answer",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T dY, where dY = dL/dY",
            "correct",
            "Xᵀ·G",
            (
                SHORTHAND,
                'set aside "where dY = dL/dY", a definition, and read dY as G: the '
                "definition agrees with the question's G = ∂L/∂Y",
            ),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="dY defined as the given gradient: no differential is meant",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G, where X = the input batch",
            "correct",
            "Xᵀ·G",
            ('set aside "where X = the input batch", words saying what X is',),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="words saying what a matrix is are set aside, the answer read",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "dY = dL/dY; X^T dY",
            "correct",
            "Xᵀ·G",
            (
                SHORTHAND,
                'set aside "dY = dL/dY", a definition, and read dY as G: the definition '
                "agrees with the question's G = ∂L/∂Y",
            ),
            ("Correct: your matrix equals ∂L/∂W.",),
            id="dY defined before the answer as the given gradient: no differential is meant",
        ),
    ],
)
def test_a_definition_after_a_matrix_answer_is_set_aside_and_held_against_the_question(
    rubric, item_id, answer, verdict, reading, notes, feedback
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert read_and_graded(result) == (verdict, reading, notes, feedback)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(
            "X^T δ, where δ = 2 dL/dY",
            "δ is defined after your answer as 2 dL/dY, not as a matrix the question gives (G "
            "is ∂L/∂Y), so what your answer means is a person's to read (at column 5).",
            id="a new name for twice the gradient",
        ),
        pytest.param(
            "X^T H, where H = dE/dY",
            "H is defined after your answer as dE/dY, not as a matrix the question gives (G is "
            "∂L/∂Y), so what your answer means is a person's to read (at column 5).",
            id="a new name for another function's gradient",
        ),
        pytest.param(
            "δ = 2 dL/dY; X^T δ",
            "δ is defined before your answer as 2 dL/dY, not as a matrix the question gives (G "
            "is ∂L/∂Y), so what your answer means is a person's to read (at column 18).",
            id="a new name for twice the gradient, defined before the answer",
        ),
    ],
)
def test_a_new_name_defined_otherwise_than_a_given_matrix_goes_to_a_person_saying_why(
    answer, message
):
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], answer)
    assert (result.verdict, result.feedback[0], result.needs_person) == (
        "invalid",
        f"We could not read your answer: {message}",
        True,
    )


# A name of the student's own defined as an expression over the question's matrices (`A =
# softmax(S) V where S = QK^T/\sqrt{d_k}`) went to a person unread, and without a left side
# (`softmax(S) V where S = …`) the definition's right side was graded as the answer (0 marks,
# "N×N, but A is N×d_v"). It is read as a marker reads it: the name replaced by what it is
# defined as, with a note, and graded exactly as the answer written out would be, never more.
def _defined_as(name, written, reading):
    return f'set aside "{written}", a definition, and read {name} as {reading}, as it defines it'


S_READ = "Q·Kᵀ / √d_k"


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "written_out", "verdict", "notes"),
    [
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V where S = QK^T/\sqrt{d_k}",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("S", r"where S = QK^T/\sqrt{d_k}", S_READ),),
            id="where S = …, after a left side",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V with S = QK^T/\sqrt{d_k}",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("S", r"with S = QK^T/\sqrt{d_k}", S_READ),),
            id="with S = …",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S)V \text{ where } S = QK^T/\sqrt{d_k}",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("S", r"\text{ where } S = QK^T/\sqrt{d_k}", S_READ),),
            id="\\text{ where } S = …",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(S) V where S = QK^T/\sqrt{d_k}",
            r"softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("S", r"where S = QK^T/\sqrt{d_k}", S_READ),),
            id="where S = … with no left side: not a chain graded as its last side",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(S_1) V where S_1 = \frac{QK^T}{\sqrt{d_k}}",
            r"softmax(\frac{QK^T}{\sqrt{d_k}}) V",
            "correct",
            (_defined_as("S_1", r"where S_1 = \frac{QK^T}{\sqrt{d_k}}", S_READ),),
            id="a name with a subscript, defined as a fraction",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = P V where P = softmax(S), S = QK^T/\sqrt{d_k}",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (
                _defined_as("P", "where P = softmax(S)", f"softmax({S_READ})"),
                _defined_as("S", r"S = QK^T/\sqrt{d_k}", S_READ),
            ),
            id="one definition over another",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(QK^T/s) V where s = \sqrt{d_k}",
            r"softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("s", r"where s = \sqrt{d_k}", "√d_k"),),
            id="a scale of the student's own",
        ),
        # "where" after letters alone was glued to them, "P V where P" read as a left side
        # and the definition's right side graded as the answer (0/3, "N×N, but A is N×d_v").
        pytest.param(
            ATTENTION,
            "a.attention",
            r"P V where P = softmax(QK^T/\sqrt{d_k})",
            r"softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("P", r"where P = softmax(QK^T/\sqrt{d_k})", f"softmax({S_READ})"),),
            id="letters alone before where: no left side 'PVwhereP'",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"S V where S = softmax(Q K^T/\sqrt{d_k})",
            r"softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("S", r"where S = softmax(Q K^T/\sqrt{d_k})", f"softmax({S_READ})"),),
            id="letters alone before where, S defined",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"PV with P = softmax(QK^T/\sqrt{d_k})",
            r"softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("P", r"with P = softmax(QK^T/\sqrt{d_k})", f"softmax({S_READ})"),),
            id="a run of letters before with, P defined: P·V",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "M where M = X^T G",
            "X^T G",
            "correct",
            (_defined_as("M", "where M = X^T G", "Xᵀ·G"),),
            id="one letter before where: no left side 'MwhereM'",
        ),
        # A run of letters with a name of the student's own among them is split as `XW` is:
        # `PV` was "unknown name 'PV'", sent to a person.
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = PV where P = softmax(QK^T/\sqrt{d_k})",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("P", r"where P = softmax(QK^T/\sqrt{d_k})", f"softmax({S_READ})"),),
            id="PV with P defined, after a left side",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = SV where S = softmax(QK^T/\sqrt{d_k})",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (_defined_as("S", r"where S = softmax(QK^T/\sqrt{d_k})", f"softmax({S_READ})"),),
            id="SV with S defined",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = PV, P = softmax(S), S = QK^T/\sqrt{d_k}",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (
                _defined_as("P", "P = softmax(S)", f"softmax({S_READ})"),
                _defined_as("S", r"S = QK^T/\sqrt{d_k}", S_READ),
            ),
            id="PV with P defined over S",
        ),
        pytest.param(
            BACKWARD,
            "b.dX",
            "HW^T where H = dL/dY",
            "G W^T",
            "correct",
            (
                'set aside "where H = dL/dY", a definition, and read H as G: the definition '
                "agrees with the question's G = ∂L/∂Y",
            ),
            id="HW^T with H defined as the given gradient",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V where S = QK^T/\sqrt{d_k}, S = Q K^T / \sqrt{d_k}",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (
                'set aside "where S = QK^T/\\sqrt{d_k}", a definition',
                _defined_as("S", r"S = Q K^T / \sqrt{d_k}", S_READ),
            ),
            id="a name defined twice, the same way",
        ),
        # Wrong answers, read so, earn what they earn written out and no more.
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(S) V, where S = QK^T",
            "softmax(QK^T) V",
            "partial",
            (_defined_as("S", "where S = QK^T", "Q·Kᵀ"),),
            id="wrong: the scale left out of the definition",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(s QK^T) V where s = \sqrt{d_k}",
            r"softmax(\sqrt{d_k} QK^T) V",
            "partial",
            (_defined_as("s", r"where s = \sqrt{d_k}", "√d_k"),),
            id="wrong: a scale that multiplies",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V where S = K Q^T/\sqrt{d_k}",
            r"A = softmax(K Q^T/\sqrt{d_k}) V",
            "incorrect",
            (_defined_as("S", r"where S = K Q^T/\sqrt{d_k}", "K·Qᵀ / √d_k"),),
            id="wrong: the factors of the definition in the wrong order",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(S V) where S = QK^T/\sqrt{d_k}",
            r"softmax(QK^T/\sqrt{d_k} V)",
            "incorrect",
            (_defined_as("S", r"where S = QK^T/\sqrt{d_k}", S_READ),),
            id="wrong: V inside the softmax",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T H, where H = G^T",
            "X^T G^T",
            "incorrect",
            (_defined_as("H", "where H = G^T", "Gᵀ"),),
            id="wrong: a new name for the given matrix transposed",
        ),
        # A definition BEFORE the answer (`S = QK^T/\sqrt{d_k}; A = softmax(S)V`) went to a
        # person, `A = …` taken as a definition after the answer `S = …`: where the last
        # statement names the matrix asked for, it is the answer, and those before it are read
        # as definitions written before it.
        pytest.param(
            ATTENTION,
            "a.attention",
            r"S = QK^T/\sqrt{d_k}; A = softmax(S)V",
            r"A = softmax(QK^T/\sqrt{d_k})V",
            "correct",
            (_defined_as("S", r"S = QK^T/\sqrt{d_k}", S_READ),),
            id="a definition before the answer, which names the asked matrix",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"S = QK^T/\sqrt{d_k}; P = softmax(S); A = P V",
            r"A = softmax(QK^T/\sqrt{d_k}) V",
            "correct",
            (
                _defined_as("S", r"S = QK^T/\sqrt{d_k}", S_READ),
                _defined_as("P", "P = softmax(S)", f"softmax({S_READ})"),
            ),
            id="two definitions before the answer",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"S = QK^T, A = softmax(S)V",
            r"A = softmax(QK^T)V",
            "partial",
            (_defined_as("S", "S = QK^T", "Q·Kᵀ"),),
            id="wrong: a definition before the answer without the scale",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "M where M = G^T X",
            "G^T X",
            "partial",
            (_defined_as("M", "where M = G^T X", "Gᵀ·X"),),
            id="wrong: one letter before where, defined as the transpose",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"V P where P = softmax(QK^T/\sqrt{d_k})",
            r"V softmax(QK^T/\sqrt{d_k})",
            "incorrect",
            (_defined_as("P", r"where P = softmax(QK^T/\sqrt{d_k})", f"softmax({S_READ})"),),
            id="wrong: letters alone before where, in the wrong order",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"P V where P = softmax(QK^T)",
            "softmax(QK^T) V",
            "partial",
            (_defined_as("P", "where P = softmax(QK^T)", "softmax(Q·Kᵀ)"),),
            id="wrong: letters alone before where, the scale left out",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = VP, P = softmax(S), S = QK^T/\sqrt{d_k}",
            r"A = V softmax(QK^T/\sqrt{d_k})",
            "incorrect",
            (
                _defined_as("P", "P = softmax(S)", f"softmax({S_READ})"),
                _defined_as("S", r"S = QK^T/\sqrt{d_k}", S_READ),
            ),
            id="wrong: VP with P defined, in the wrong order",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = PV, P = softmax(S), S = QK^T",
            "A = softmax(QK^T) V",
            "partial",
            (
                _defined_as("P", "P = softmax(S)", "softmax(Q·Kᵀ)"),
                _defined_as("S", "S = QK^T", "Q·Kᵀ"),
            ),
            id="wrong: PV with P defined, the scale left out",
        ),
        pytest.param(
            BACKWARD,
            "b.dX",
            "HW where H = dL/dY",
            "G W",
            "incorrect",
            (
                'set aside "where H = dL/dY", a definition, and read H as G: the definition '
                "agrees with the question's G = ∂L/∂Y",
            ),
            id="wrong: HW with H defined as the given gradient, W not transposed",
        ),
    ],
)
def test_a_name_defined_as_an_expression_is_read_as_it_and_graded_as_written_out(
    rubric, item_id, answer, written_out, verdict, notes
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    out = grade_answer(rubric, rubric.items[item_id], written_out)
    assert (result.verdict, result.reading_notes) == (verdict, (*notes, *out.reading_notes))
    assert (result.marks, result.diagnosis, result.interpretation, result.feedback) == (
        out.marks,
        out.diagnosis,
        out.interpretation,
        out.feedback,
    )


@pytest.mark.parametrize(
    ("answer", "verdict", "first"),
    [
        pytest.param(
            r"softmax(S) V where S = S/2",
            "invalid",
            "We could not read your answer: S is defined after your answer as S/2, in terms of "
            "itself, so what your answer means is a person's to read (at column 9).",
            id="a definition in terms of itself",
        ),
        pytest.param(
            r"S = softmax(S); A = S V",
            "invalid",
            "We could not read your answer: S is defined before your answer as softmax(S), in "
            "terms of itself, so what your answer means is a person's to read (at column 21).",
            id="a definition before the answer in terms of itself",
        ),
        pytest.param(
            r"Q = QK^T/\sqrt{d_k}; A = softmax(Q)V",
            "needs_review",
            'Your answer is preceded by "Q = QK^T/\\sqrt{d_k}": it gives Q, one of the '
            "question's names, a meaning of its own, so your answer may not be the one asked "
            "for; read as shown, it would earn 0 of 3 marks.",
            id="a name the question gives defined before the answer: a person's",
        ),
        pytest.param(
            r"A = P V where P = softmax(S), S = P",
            "invalid",
            "We could not read your answer: P is defined after your answer as softmax(S), not as "
            "a matrix the question gives, so what your answer means is a person's to read (at "
            "column 5).",
            id="two definitions in terms of each other",
        ),
        pytest.param(
            r"softmax(S) V where S = the scores",
            "invalid",
            "We could not read your answer: S is defined after your answer as the scores, not as "
            "a matrix the question gives, so what your answer means is a person's to read (at "
            "column 9).",
            id="a name the answer uses defined in words only",
        ),
        pytest.param(
            r"A = PZ, P = softmax(S), S = QK^T/\sqrt{d_k}",
            "invalid",
            "We could not read your answer: unknown name 'PZ': the question's matrices are K, Q, V "
            '(read without "P = softmax(S)", a definition after it) (at column 5).',
            id="an unknown run of letters: the student's S is not listed as the question's",
        ),
        # S defined twice, differently: the first was said to define "a name your answer does
        # not use", untrue; it is a person's, saying what it is.
        pytest.param(
            r"A = softmax(S) V where S = QK^T/\sqrt{d_k}, S = KQ^T",
            "needs_review",
            'Your answer defines S twice, differently ("S = QK^T/\\sqrt{d_k}" and "S = '
            'KQ^T"), so which is meant is not clear; read as shown, it would earn 0 of 3 marks.',
            id="a name defined twice, differently",
        ),
        pytest.param(
            r"A = softmax(S) V where S = KQ^T, S = QK^T/\sqrt{d_k}",
            "needs_review",
            'Your answer defines S twice, differently ("S = KQ^T" and "S = '
            'QK^T/\\sqrt{d_k}"), so which is meant is not clear; read as shown, your matrix '
            "equals A.",
            id="a name defined twice, differently, the right one last",
        ),
        pytest.param(
            r"A = softmax(S) V where Q = QK^T/\sqrt{d_k}",
            "invalid",
            "We could not read your answer: unknown name 'S': the question's matrices are K, Q, V "
            '(read without "where Q = QK^T/\\sqrt{d_k}", a definition after it) (at column 13).',
            id="a name the question gives defined, the answer's own name not",
        ),
        pytest.param(
            r"softmax(S)V where S = QK^T/\sqrt{d_k}, V = QK^T",
            "needs_review",
            'Your answer is followed by "V = QK^T": it gives V, one of the question\'s names, a '
            "meaning of its own, so your answer may not be the one asked for; read as shown, your "
            "matrix equals A.",
            id="a name the question gives defined anew: a person's",
        ),
        pytest.param(
            r"A = softmax(S) V = softmax(QK^T) V where S = QK^T/\sqrt{d_k}",
            "needs_review",
            "One step of your working does not hold: softmax(S) V is not equal to softmax(QK^T) V, "
            "and your final answer, softmax(QK^T) V, is what is graded; read as shown, it would "
            "earn 2 of 3 marks.",
            id="a defined name in a step that the last side does not equal",
        ),
    ],
)
def test_a_definition_a_marker_would_not_take_as_read_goes_to_a_person(answer, verdict, first):
    result = grade_answer(ATTENTION, ATTENTION.items["a.attention"], answer)
    assert (result.verdict, result.marks, result.feedback[0], result.needs_person) == (
        verdict,
        0.0,
        first,
        True,
    )


# A shape stated right after a definition (`X^T G, where G = dL/dY \in R^{N \times D}`) is
# the defined name's, not the answer's: it was held against the answer ("Your answer states
# that it is N×D … but as read it is C×D", a true G's shape sent to a person, and a wrong one,
# C×D, passed as the answer's).
@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict", "notes", "first"),
    [
        pytest.param(
            BACKWARD,
            "a.dW",
            r"X^T G, where G = dL/dY \in R^{N \times D}",
            "correct",
            (
                'set aside "where G = dL/dY", a definition, which agrees with the question\'s '
                "G = ∂L/∂Y",
                'set aside "\\in R^{N \\times D}", which states G\'s shape',
            ),
            "Correct: your matrix equals ∂L/∂W.",
            id="G's true shape after its definition",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"X^T G, where G = dL/dY \in R^{C \times D}",
            "needs_review",
            (
                'set aside "where G = dL/dY", a definition, which agrees with the question\'s '
                "G = ∂L/∂Y",
                'set aside "\\in R^{C \\times D}", which states G\'s shape',
            ),
            'Your answer states that G is C×D ("\\in R^{C \\times D}"), but the question\'s G is '
            "N×D; read as shown, your matrix equals ∂L/∂W.",
            id="a wrong shape for G after its definition: a person's",
        ),
        # A shape stated for the student's own name of a given matrix was told as G's ("Your
        # answer states that G is N×C"), a name the student did not write: both are named.
        pytest.param(
            BACKWARD,
            "a.dW",
            r"X^T H, where H = dL/dY \in R^{N \times C}",
            "needs_review",
            (
                'set aside "where H = dL/dY", a definition, and read H as G: the definition '
                "agrees with the question's G = ∂L/∂Y",
                'set aside "\\in R^{N \\times C}", which states H\'s shape',
            ),
            'Your answer states that H (read as G) is N×C ("\\in R^{N \\times C}"), but the '
            "question's G is N×D; read as shown, your matrix equals ∂L/∂W.",
            id="a wrong shape for the student's own name of G: named as written and as read",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"X^T \delta, where \delta = dL/dY, \delta being D x N",
            "needs_review",
            (
                'set aside "where \\delta = dL/dY", a definition, and read δ as G: the '
                "definition agrees with the question's G = ∂L/∂Y",
                'set aside "\\delta being D x N", which states \\delta\'s shape',
            ),
            'Your answer states that \\delta (read as G) is D×N ("\\delta being D x N"), but '
            "the question's G is N×D; read as shown, your matrix equals ∂L/∂W.",
            id="a wrong shape for δ, the student's G: named as written and as read",
        ),
        # A shape stated for a name of the student's own went to a person ("the shape of S,
        # which is none of the question's matrices"): it is held against S as defined.
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V where S = QK^T/\sqrt{d_k} \in R^{N \times N}",
            "correct",
            (
                _defined_as("S", r"where S = QK^T/\sqrt{d_k}", S_READ),
                'set aside "\\in R^{N \\times N}", which states S\'s shape',
            ),
            "Correct: your matrix equals A.",
            id="the true shape for a name of the student's own: checked against its definition",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V where S = QK^T/\sqrt{d_k} \in R^{N \times d_k}",
            "needs_review",
            (
                _defined_as("S", r"where S = QK^T/\sqrt{d_k}", S_READ),
                'set aside "\\in R^{N \\times d_k}", which states S\'s shape',
            ),
            'Your answer states that S is N×d_k ("\\in R^{N \\times d_k}"), but S as you define '
            "it is N×N; read as shown, your matrix equals A.",
            id="a wrong shape for a name of the student's own: a person's",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V where S = K Q^T/\sqrt{d_k} \in R^{N \times N}",
            "incorrect",
            (
                _defined_as("S", r"where S = K Q^T/\sqrt{d_k}", "K·Qᵀ / √d_k"),
                'set aside "\\in R^{N \\times N}", which states S\'s shape',
            ),
            "K·Qᵀ is the transpose of Q·Kᵀ, which the answer needs: its factors are in the wrong "
            "order.",
            id="wrong: a true shape for a wrong definition earns what the answer written out does",
        ),
    ],
)
def test_a_shape_stated_after_a_definition_is_the_defined_names(
    rubric, item_id, answer, verdict, notes, first
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert (result.verdict, result.reading_notes, result.feedback[0]) == (verdict, notes, first)


SIZE_D = load_rubric_text(
    """id: SIZE-D
symbols:
  N: {meaning: examples}
  d: {meaning: features}
parts:
  a:
    marks: 1
    prompt: Y = XW and G = dL/dY is given. Give dL/dW.
    items:
      dW:
        type: matrix
        marks: 1
        matrices: {X: [N, d], W: [d, d], G: [N, d], L: [N, d], Y: [N, d]}
        gradients: {G: dL/dY}
        gradient: W
        answer: 'X^T G'
""",
    "size-d.yaml",
)


@pytest.mark.parametrize(
    ("answer", "verdict", "feedback"),
    [
        pytest.param(
            "X^T dL/dY",
            "invalid",
            "We could not read your answer: 'dL/dY' is ambiguous here, where d is one of the "
            "question's names: write ∂L/∂Y or G (at column 5).",
            id="dL/dY could be d·L/(d·Y)",
        ),
        pytest.param(
            r"X^T \frac{\partial L}{\partial Y}",
            "correct",
            "Correct: your matrix equals ∂L/∂W.",
            id="partials are a gradient",
        ),
        pytest.param(
            "X^T dY",
            "incorrect",
            "With N=5, d=4 and random entries, your answer differs from ∂L/∂W: its entry (1,4) "
            "is -17.2, where the answer's is 0.984.",
            id="dY is d·Y, not a shorthand, where d is one of the question's names",
        ),
    ],
)
def test_dl_dy_where_d_is_a_size_is_ambiguous(answer, verdict, feedback):
    result = grade_answer(SIZE_D, SIZE_D.items["a.dW"], answer)
    assert (result.verdict, result.feedback[0]) == (verdict, feedback)


LOSS_E = load_rubric_text(
    """id: LOSS-E
symbols:
  N: {meaning: examples}
  C: {meaning: inputs}
  D: {meaning: outputs}
  y: {meaning: a scalar of another part, assumptions: [real]}
parts:
  a:
    marks: 2
    prompt: Y = XW, and the error E has the gradient G = dE/dY. Give dE/dW.
    items:
      dW:
        type: matrix
        marks: 2
        matrices: {X: [N, C], W: [C, D], G: [N, D]}
        gradients: {G: dE/dY}
        gradient: W
        answer: 'X^T G'
""",
    "loss-e.yaml",
)


@pytest.mark.parametrize(
    ("answer", "verdict", "interpretation", "feedback"),
    [
        pytest.param(
            "X^T G", "correct", "Xᵀ·G", ("Correct: your matrix equals ∂E/∂W.",), id="correct"
        ),
        pytest.param(
            "dW = X^T dE/dY",
            "correct",
            "∂E/∂W = Xᵀ·G",
            ("Correct: your matrix equals ∂E/∂W.",),
            id="a left side without its function is the question's",
        ),
        pytest.param(
            "dL/dX = X^T G",
            "needs_review",
            "∂L/∂X = Xᵀ·G",
            (
                "Your matrix equals ∂E/∂W, but your left side names ∂L/∂X; an instructor will "
                "review it.",
            ),
            id="a left side with its own function says it",
        ),
        pytest.param(
            "X^T G W^T W",
            "incorrect",
            "Xᵀ·G·Wᵀ·W",
            (
                "With N=5, C=4, D=3 and random entries, your answer differs from ∂E/∂W: its "
                "entry (1,2) is -18.7, where the answer's is -3.59.",
            ),
            id="the counterexample names the sizes the answer has, not the scalar y",
        ),
    ],
)
def test_feedback_names_the_questions_function_and_the_sizes_that_matter(
    answer, verdict, interpretation, feedback
):
    result = grade_answer(LOSS_E, LOSS_E.items["a.dW"], answer)
    assert (result.verdict, result.interpretation, result.feedback) == (
        verdict,
        interpretation,
        feedback,
    )


def test_a_gradient_left_side_shows_the_questions_function_in_mathml():
    result = grade_answer(LOSS_E, LOSS_E.items["a.dW"], "dW = X^T G")
    assert "<mfrac><mrow><mo>∂</mo><mi>E</mi></mrow>" in result.reading_mathml
    assert 'alttext="∂E/∂W = Xᵀ·G"' in result.reading_mathml


def _loss_read(written, loss, variable):
    return (
        f"read ∂{written}/∂{variable} as ∂{loss}/∂{variable}, the question's loss being {loss}",
    )


def _review(target, named):
    return (
        f"Your matrix equals {target}, but your left side names {named}; an instructor will "
        "review it.",
    )


DX = "W^T ((1-h⊙h)⊙g)"
LEFT_SIDES = [
    # (rubric, item, answer, verdict, read as, notes, feedback)
    pytest.param(
        BACKWARD,
        "a.dW",
        "dE/dW = X^T G",
        "correct",
        "∂L/∂W = Xᵀ·G",
        _loss_read("E", "L", "W"),
        ("Correct: your matrix equals ∂L/∂W.",),
        id="dE/dW for the question's dL/dW is read as dL/dW, with a note",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        r"\frac{\partial J}{\partial W} = X^\top G",
        "correct",
        "∂L/∂W = Xᵀ·G",
        _loss_read("J", "L", "W"),
        ("Correct: your matrix equals ∂L/∂W.",),
        id="a fraction of partials of another letter is read alike",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "dE/dW = G^T X",
        "partial",
        "∂L/∂W = Gᵀ·X",
        _loss_read("E", "L", "W"),
        (
            "Your answer is the transpose of ∂L/∂W (yours is D×C, ∂L/∂W C×D): transposing it "
            "gives the answer.",
        ),
        id="a wrong answer under dE/dW is graded as an answer to dL/dW",
    ),
    pytest.param(
        LOSS_E,
        "a.dW",
        "dL/dW = X^T G",
        "correct",
        "∂E/∂W = Xᵀ·G",
        _loss_read("L", "E", "W"),
        ("Correct: your matrix equals ∂E/∂W.",),
        id="dL/dW where the question's loss is E is read as dE/dW",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "dG/dW = X^T G",
        "needs_review",
        "∂G/∂W = Xᵀ·G",
        (),
        _review("∂L/∂W", "∂G/∂W"),
        id="dG/dW, G a matrix of the question, names something else",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "dy/dW = X^T G",
        "needs_review",
        "∂y/∂W = Xᵀ·G",
        (),
        _review("∂L/∂W", "∂y/∂W"),
        id="dy/dW, y a symbol of the question, names something else",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "dN/dW = X^T G",
        "needs_review",
        "∂N/∂W = Xᵀ·G",
        (),
        _review("∂L/∂W", "∂N/∂W"),
        id="dN/dW, N a size of the question, names something else",
    ),
    pytest.param(
        BACKWARD,
        "a.dW",
        "dE/dX = X^T G",
        "needs_review",
        "∂E/∂X = Xᵀ·G",
        (),
        _review("∂L/∂W", "∂E/∂X"),
        id="dE/dX names another variable and is not read as the question's",
    ),
    pytest.param(
        RECURRENT,
        "a.dx",
        f"dE/dx = {DX}",
        "correct",
        "∂L/∂x = Wᵀ·((1 - h ⊙ h) ⊙ g)",
        _loss_read("E", "L", "x"),
        ("Correct: your matrix equals ∂L/∂x.",),
        id="a result that is a gradient: dE/dx read as its dL/dx",
    ),
    pytest.param(
        RECURRENT,
        "a.dx",
        f"dU/dx = {DX}",
        "needs_review",
        "∂U/∂x = Wᵀ·((1 - h ⊙ h) ⊙ g)",
        (),
        _review("∂L/∂x", "∂U/∂x"),
        id="dU/dx, U a matrix of another part, names something else",
    ),
    pytest.param(
        RECURRENT,
        "a.dx",
        f"dL/dh = {DX}",
        "needs_review",
        "∂L/∂h = Wᵀ·((1 - h ⊙ h) ⊙ g)",
        (),
        _review("∂L/∂x", "∂L/∂h"),
        id="a result that is a gradient is shown as one, not as the rubric wrote it",
    ),
    pytest.param(
        RECURRENT,
        "b.previous",
        "g_t = U^T g_t",
        "needs_review",
        "g_t = Uᵀ·g_t",
        (),
        _review("g_{t-1}", "g_t"),
        id="a result that is a name is shown as the rubric wrote it",
    ),
]


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict", "reading", "notes", "feedback"), LEFT_SIDES
)
def test_a_gradient_left_side_of_another_function(
    rubric, item_id, answer, verdict, reading, notes, feedback
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert read_and_graded(result) == (verdict, reading, notes, feedback)


def test_the_counterexample_of_the_bundled_backward_pass_leaves_out_part_e_s_scalar():
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], "X^T G W^T W")
    assert result.feedback[0].startswith("With N=5, C=4, D=3 and random entries, ")


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict", "marks", "diagnosis", "feedback"), GRADES
)
def test_grading_a_matrix_answer(rubric, item_id, answer, verdict, marks, diagnosis, feedback):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        verdict,
        marks,
        diagnosis,
        feedback,
    )


def _names(rubric, item_id):
    return dict(rubric.items[item_id].spec.names)


READINGS = [
    pytest.param("X^T G", "Xᵀ·G", None, id="a caret transpose"),
    pytest.param("X^{T}G", "Xᵀ·G", None, id="a braced transpose before a juxtaposed matrix"),
    pytest.param(r"X^\top G", "Xᵀ·G", None, id="LaTeX top"),
    pytest.param("X'G", "Xᵀ·G", None, id="a prime"),
    pytest.param("XᵀG", "Xᵀ·G", None, id="a Unicode superscript T"),
    pytest.param("X.T @ G", "Xᵀ·G", None, id="numpy's .T and @"),
    pytest.param(r"\mathbf{X}^\top \cdot \mathbf{G}", "Xᵀ·G", None, id="bold matrices and cdot"),
    pytest.param("X^T * G", "Xᵀ·G", None, id="a star is a matrix product"),
    pytest.param(r"dL/dW = X^T G", "Xᵀ·G", "∂L/∂W", id="dL/dW names the gradient"),
    pytest.param(
        r"\frac{\partial L}{\partial W} = X^T G", "Xᵀ·G", "∂L/∂W", id="a LaTeX fraction of partials"
    ),
    pytest.param(r"\nabla_W L = X^T G", "Xᵀ·G", "∂L/∂W", id="nabla with a subscript"),
    pytest.param(r"\bar{W} = X^T G", "Xᵀ·G", "∂L/∂W", id="a bar, as in reverse mode"),
    pytest.param("W̄ = X^T G", "Xᵀ·G", "∂L/∂W", id="a combining macron"),
    pytest.param("∂L/∂W = X^T G", "Xᵀ·G", "∂L/∂W", id="Unicode partials"),
    pytest.param("dW = X^T G", "Xᵀ·G", "∂L/∂W", id="dW"),
    pytest.param(r"\mathbf{1}^\top G", "𝟏ᵀ·G", None, id="a bold 1 is the ones vector"),
    pytest.param("1^T G", "𝟏ᵀ·G", None, id="a transposed 1 is the ones vector"),
    pytest.param("G^T 1", "Gᵀ·𝟏", None, id="a 1 after a matrix is the ones vector"),
    pytest.param(r"\mathbf{1}_N^\top G", "𝟏_Nᵀ·G", None, id="a ones vector with its length"),
    pytest.param("1_{N}^T G", "𝟏_Nᵀ·G", None, id="a plain 1 with its length"),
    pytest.param("X^T G ⊙ G", "(Xᵀ·G) ⊙ G", None, id="the elementwise product"),
    pytest.param(r"X^T G \circ G", "(Xᵀ·G) ⊙ G", None, id="circ is the elementwise product"),
    pytest.param(r"\sigma(X W) ∘ G", "sigmoid(X·W) ⊙ G", None, id="sigma is the sigmoid"),
    pytest.param(
        "tanh(XW) + ReLU(XW) - exp(XW)",
        "tanh(X·W) + relu(X·W) - exp(X·W)",
        None,
        id="elementwise functions",
    ),
    pytest.param("max(0, XW)", "max(0, X·W)", None, id="max(0, Z) is a ReLU"),
    pytest.param("(X^T X)^{-1} X^T G", "(Xᵀ·X)⁻¹·Xᵀ·G", None, id="an inverse"),
    pytest.param("(XᵀX)⁻¹XᵀG", "(Xᵀ·X)⁻¹·Xᵀ·G", None, id="a Unicode inverse"),
    pytest.param("X^T G / N", "Xᵀ·G / N", None, id="a size divides"),
    pytest.param(r"\frac{1}{N} X^T G", "(1 / N)·Xᵀ·G", None, id="a fraction scales"),
]


@pytest.mark.parametrize(("text", "reading", "left"), READINGS)
def test_reading_a_matrix_answer(text, reading, left):
    answer = parse_matrix(text, _names(BACKWARD, "a.dW"))
    assert answer.reading == reading
    assert (answer.left.describe() if answer.left else None) == left


ATTENTION_READINGS = [
    pytest.param(
        r"\text{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V",
        "softmax(Q·Kᵀ / √d_k)·V",
        id="LaTeX text, left-right brackets, a fraction and a root",
    ),
    pytest.param("softmax(1/√d_k Q Kᵀ) V", "softmax((1 / √d_k)·Q·Kᵀ)·V", id="a scale in front"),
    pytest.param("softmax(Q K^T d_k^{-1/2}) V", "softmax(Q·Kᵀ·d_k^(-1/2))·V", id="a power"),
    pytest.param(
        "softmax(QK^T/sqrt(d_k), dim=-1) @ V",
        "softmax(Q·Kᵀ / √d_k)·V",
        id="sqrt and dim=-1 (each row)",
    ),
    pytest.param(
        "softmax(QK^T/sqrt(d_k), axis=0) V",
        "softmax(Q·Kᵀ / √d_k, over columns)·V",
        id="axis=0 runs over the columns",
    ),
]


@pytest.mark.parametrize(("text", "reading"), ATTENTION_READINGS)
def test_reading_an_attention_answer(text, reading):
    assert parse_matrix(text, _names(ATTENTION, "a.attention")).reading == reading


UNREADABLE = [
    pytest.param(
        "x^T g",
        0,
        "unknown name 'x': the question's matrices are G, W, X, b",
        id="a matrix the question does not have",
    ),
    pytest.param("X^T (G", 4, "'(' is never closed", id="an unclosed bracket"),
    pytest.param(
        "X^T G = 5",
        0,
        "cannot read the left side: name the matrix, e.g. dL/dW = ... or A = ...",
        id="an equation with the matrix on the left",
    ),
    pytest.param(r"X^T \pm G", 4, r"unsupported LaTeX command \pm", id="an unknown command"),
    pytest.param(
        r"\sum_i X_i",
        0,
        r"a sum (\sum) is read in a matrix answer only as a sum over the examples of outer "
        r"products, \sum_{n=1}^{N} a_n m_n^T, or of vectors, \sum_n m_n: the whole answer or "
        "a whole side of a chain of working, or a number times it; write it as a product of "
        "matrices, e.g. A^T M (A and M stand for any matrices)",
        id="a sum that is no sum of outer products: said, not 'unsupported LaTeX command'",
    ),
    pytest.param(
        "softmax(X, dim=2)",
        15,
        "a softmax runs over dim=1 (rows) or dim=0 (columns)",
        id="a softmax over a third axis",
    ),
    pytest.param("tanh(X, G)", 0, "tanh takes one argument", id="a function of two matrices"),
]


UNREADABLE += [
    pytest.param("X^T G / 0", 8, "division by zero", id="a division by zero"),
    pytest.param("0^{-1} X^T G", 1, "division by zero", id="the inverse of zero"),
    pytest.param(r"\frac{X^T G}{1 - 1}", 13, "division by zero", id="a fraction over zero"),
    pytest.param(
        "X^T H, where K = G",
        4,
        "unknown name 'H': the question's matrices are G, W, X, b (read without \"where K = "
        'G", a definition after it)',
        id="an answer unreadable before a definition says it was set aside",
    ),
]


@pytest.mark.parametrize(("text", "position", "message"), UNREADABLE)
def test_an_unreadable_answer_says_where(text, position, message):
    with pytest.raises(AnswerError) as caught:
        parse_matrix(text, _names(BACKWARD, "a.dW"))
    assert (caught.value.position, caught.value.message) == (position, message)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("(" * 25 + "X" + ")" * 25, id="brackets nested too deep"),
        pytest.param("X^T G" + " + X^T G" * 60, id="too many nodes"),
        pytest.param("X^T G" * 300, id="too long"),
        pytest.param("2^{100} X^T G", id="an exponent too large"),
    ],
)
def test_an_answer_too_large_is_refused_before_any_work(text):
    with pytest.raises(AnswerError):
        parse_matrix(text, _names(BACKWARD, "a.dW"))


def test_a_number_too_long_is_too_large_to_check():
    with pytest.raises(AnswerTooLargeError):
        parse_matrix("1234567890123 X^T G", _names(BACKWARD, "a.dW"))


def test_an_unreadable_answer_goes_to_a_person_with_its_caret():
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], "X^T (G")
    assert (result.verdict, result.marks, result.error_position, result.error_caret) == (
        "invalid",
        0.0,
        4,
        "X^T (G\n    ^",
    )
    assert result.needs_person


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "mathml"),
    [
        pytest.param(
            BACKWARD,
            "a.dW",
            r"\frac{\partial L}{\partial W} = X^\top G",
            "<mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo><mi>W</mi></mrow></mfrac>"
            "<mo>=</mo><msup><mi>X</mi><mi>T</mi></msup><mo>·</mo><mi>G</mi>",
            id="a gradient's left side is a fraction of partials",
        ),
        pytest.param(
            BACKWARD,
            "c.db",
            "G^T 1",
            "<msup><mi>G</mi><mi>T</mi></msup><mo>·</mo><mn>𝟏</mn>",
            id="the ones vector",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(Q K^T / \sqrt{d_k}, dim=0) V",
            "<mi>A</mi><mo>=</mo><mi>softmax</mi><mrow><mo>(</mo><mfrac><mrow><mi>Q</mi>"
            "<mo>·</mo><msup><mi>K</mi><mi>T</mi></msup></mrow><mrow><mrow><mo>√</mo><msub>"
            "<mi>d</mi><mi>k</mi></msub></mrow></mrow></mfrac><mo>,</mo><mi>dim</mi><mo>=</mo>"
            "<mn>0</mn><mo>)</mo></mrow><mo>·</mo><mi>V</mi>",
            id="a softmax over the columns, a fraction and a root",
        ),
    ],
)
def test_the_reading_is_mathml_the_pages_trust(rubric, item_id, answer, mathml):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    alttext = html.escape(f"{result.interpretation}", quote=True)
    assert result.reading_mathml == (
        f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="{alttext}">'
        f"<mrow>{mathml}</mrow></math>"
    )
    assert str(trusted_mathml(result.reading_mathml)) == result.reading_mathml


def test_the_reading_of_a_gradient_says_it_in_its_alt_text():
    result = grade_answer(
        BACKWARD, BACKWARD.items["a.dW"], r"\frac{\partial L}{\partial W} = X^T G"
    )
    assert 'alttext="∂L/∂W = Xᵀ·G"' in result.reading_mathml


def test_a_result_named_by_a_student_is_escaped_in_mathml():
    result = grade_answer(ATTENTION, ATTENTION.items["a.attention"], "Attention(Q,K,V) = V")
    assert "<mi>Attention(Q,K,V)</mi>" in result.reading_mathml
    assert str(trusted_mathml(result.reading_mathml)) == result.reading_mathml


@pytest.mark.parametrize(
    ("item_id", "text", "recognised"),
    [
        pytest.param("a.dW", "dL/dW = X^T G", True, id="dL/dW names the dW item"),
        pytest.param("a.dW", "dL/dX = G W^T", False, id="dL/dX does not name the dW item"),
        pytest.param("b.dX", "dL/dX = G W^T", True, id="dL/dX names the dX item"),
        pytest.param("a.dW", "G^T X", True, id="a bare answer of the transposed shape"),
        pytest.param("a.dW", "X^T G", True, id="a bare answer of the item's shape"),
        pytest.param("a.dW", "G W^T", False, id="a bare answer of another shape"),
        pytest.param("a.dW", "X G", True, id="a bare answer whose shapes do not fit"),
        pytest.param("a.dW", "the gradient", False, id="prose"),
    ],
)
def test_a_transcript_answer_is_recognised_by_what_it_names(item_id, text, recognised):
    item = BACKWARD.items[item_id]
    assert kind_of(item).recognises(item, text, BACKWARD.context) is recognised


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('touch /tmp/grader_pwned')",
        "().__class__.__base__.__subclasses__()",
        "print('leak')",
        r"\operatorname{eval}(1)",
        r"\input{/etc/passwd}",
        "X^T G; G",
        "<script>alert(1)</script>",
        "9^9^9 X",
    ],
)
def test_a_hostile_answer_is_only_unreadable(text):
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], text)
    assert (result.verdict, result.marks) == ("invalid", 0.0)


# The backward pass through an elementwise sigmoid, H = σ(Z): every diagnosis of an
# elementwise product is tested here.
SIGMOID = load_rubric_text(
    r"""
id: SIGMOID-BACKWARD
title: Backward through a sigmoid
symbols:
  N: {meaning: examples}
  D: {meaning: features}
parts:
  a:
    marks: 2
    prompt: H = σ(Z) entry by entry, and G = dL/dH is given. Give dL/dZ.
    items:
      dZ:
        type: matrix
        marks: 2
        matrices: {Z: [N, D], G: [N, D]}
        gradient: Z
        answer: 'G \odot \sigma(Z) \odot (1 - \sigma(Z))'
        partial_credit:
          matrix_product: 1
""",
    "sigmoid-backward.yaml",
)


@pytest.mark.parametrize(
    ("answer", "verdict", "marks", "diagnosis", "feedback"),
    [
        pytest.param(
            r"\frac{\partial L}{\partial Z} = G ⊙ σ(Z) ∘ (1 - σ(Z))",
            "correct",
            2.0,
            None,
            ("Correct: your matrix equals ∂L/∂Z.",),
            id="the reference in Unicode, 1 minus each entry",
        ),
        pytest.param(
            r"\sigma(Z) \odot (1 - \sigma(Z)) \odot G",
            "correct",
            2.0,
            None,
            ("Correct: your matrix equals ∂L/∂Z.",),
            id="an elementwise product in any order",
        ),
        pytest.param(
            r"G (\sigma(Z) \odot (1 - \sigma(Z)))",
            "partial",
            1.0,
            "matrix_product",
            (
                "The shapes do not fit: G is N×D and sigmoid(Z) ⊙ (1 - sigmoid(Z)) is N×D: they "
                "cannot be multiplied.",
                "G·(sigmoid(Z) ⊙ (1 - sigmoid(Z))) is a matrix product where the answer "
                "multiplies entry by entry: G ⊙ (sigmoid(Z) ⊙ (1 - sigmoid(Z))).",
            ),
            id="a matrix product where the answer multiplies entry by entry",
        ),
        pytest.param(
            r"G \odot \sigma(Z)",
            "incorrect",
            0.0,
            "different",
            (
                "With N=5, D=4 and random entries, your answer differs from ∂L/∂Z: its entry "
                "(5,4) is 1.1, where the answer's is 0.288.",
            ),
            id="the sigmoid for its derivative",
        ),
    ],
)
def test_grading_a_backward_pass_through_a_sigmoid(answer, verdict, marks, diagnosis, feedback):
    result = grade_answer(SIGMOID, SIGMOID.items["a.dZ"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        verdict,
        marks,
        diagnosis,
        feedback,
    )


@pytest.mark.parametrize(
    ("rubric", "folder", "expected"),
    [
        pytest.param(
            ATTENTION,
            "attention-q2",
            {
                "keys-first": {
                    "a.attention": ("incorrect", 0.0),
                    "b.flops": ("partial", 1.0),
                    "c.scale": ("partial", 1.0),
                },
                "model-answer": {
                    "a.attention": ("correct", 3.0),
                    "b.flops": ("correct", 2.0),
                    "c.scale": ("correct", 2.0),
                },
                "unscaled": {
                    "a.attention": ("partial", 2.0),
                    "b.flops": ("correct", 2.0),
                    "c.scale": ("partial", 1.0),
                },
                "values-first": {
                    "a.attention": ("incorrect", 0.0),
                    "b.flops": ("incorrect", 0.0),
                    "c.scale": ("correct", 2.0),
                },
                "values-inside": {
                    "a.attention": ("incorrect", 0.0),
                    "b.flops": ("partial", 1.0),
                    "c.scale": ("missing", 0.0),
                },
            },
            id="attention: the three wrong answers of issue 16 earn nothing",
        ),
        pytest.param(
            BACKWARD,
            "linear-backward-q1",
            {
                "model-answer": {
                    "a.dW": ("correct", 2.0),
                    "b.dX": ("correct", 2.0),
                    "c.db": ("correct", 2.0),
                    "d.count": ("correct", 1.0),
                    "e.derivative": ("correct", 2.0),
                },
                "shape-mismatch": {
                    "a.dW": ("incorrect", 0.0),
                    "b.dX": ("incorrect", 0.0),
                    "c.db": ("correct", 2.0),
                    "d.count": ("correct", 1.0),
                    "e.derivative": ("missing", 0.0),
                },
                "typical-mistakes": {
                    "a.dW": ("partial", 1.0),
                    "b.dX": ("incorrect", 0.0),
                    "c.db": ("incorrect", 0.0),
                    "d.count": ("incorrect", 0.0),
                    "e.derivative": ("partial", 1.0),
                },
            },
            id="backward pass: the model answer and the typical mistakes",
        ),
    ],
)
def test_the_bundled_example_submissions(rubric, folder, expected):
    batch = grade_paths(rubric, [ROOT / "submissions" / folder])
    assert batch.failures == []
    graded = {
        result.student: {i: (r.verdict, r.marks) for i, r in result.items.items()}
        for result in batch.results
    }
    assert graded == expected
    assert all(result.warnings == () for result in batch.results)


@pytest.mark.parametrize(
    ("answer", "feedback"),
    [
        pytest.param("N", "Your answer is a number, but ∂L/∂b is 1×D.", id="a number"),
        pytest.param("W b", "Your answer is C×1, but ∂L/∂b is 1×D.", id="a vector of another size"),
        pytest.param(
            "1_D^T G",
            "The shapes do not fit: 𝟏_Dᵀ is 1×D and G is N×D: they cannot be multiplied.",
            id="a ones vector whose length does not fit",
        ),
    ],
)
def test_an_answer_of_another_shape_says_so(answer, feedback):
    # Both failed with an IndexError or a ValueError before (found by fuzzing the grader).
    result = grade_answer(BACKWARD, BACKWARD.items["c.db"], answer)
    assert (result.verdict, result.diagnosis, result.feedback) == (
        "incorrect",
        "shape",
        (feedback,),
    )


def _singular_product() -> np.ndarray:
    """WᵀW for a W wider than tall: singular, but not exactly (its LU pivots are rounding)."""
    wide = np.random.default_rng(1).standard_normal((4, 5))
    return wide.T @ wide


@pytest.mark.parametrize(
    ("matrix", "singular"),
    [
        pytest.param(np.array([[1.0, 2.0], [2.0, 4.0]]), True, id="exactly singular"),
        pytest.param(
            np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
            True,
            id="singular up to rounding (1..9)",
        ),
        pytest.param(_singular_product(), True, id="a singular product WᵀW"),
        pytest.param(np.zeros((3, 3)), True, id="zero"),
        pytest.param(np.array([[2.0, 1.0], [1.0, 3.0]]), False, id="well conditioned"),
        pytest.param(np.eye(4) * 1e-6, False, id="small but well conditioned"),
    ],
)
def test_an_inverse_of_a_singular_matrix_is_not_comparable_on_any_machine(matrix, singular):
    # LAPACK raises only for an exact zero pivot: the singular product gave entries of 1e15,
    # not an error, on an Intel machine, and its answer an `incorrect` where it had been
    # `needs_review` on an AMD one.
    if singular:
        with pytest.raises(NotComparable):
            inverse(matrix)
    else:
        assert np.allclose(inverse(matrix) @ matrix, np.eye(len(matrix)))


NOT_COMPARABLE = (
    "Your answer's values cannot be compared (at the sizes checked it divides by zero, "
    "overflows, takes the root of a negative number or inverts a singular matrix); an "
    "instructor will review it.",
)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("X^T G / (N - N)", id="a division by sizes whose difference is zero"),
        pytest.param(r"\sqrt{1 - N} X^T G", id="the root of a negative number"),
        pytest.param("X^T G (W^T W)^{-1}", id="a matrix singular at one size set (D > C)"),
        pytest.param("exp(exp(exp(exp(X^T G))))", id="an overflow"),
    ],
)
def test_values_that_cannot_be_compared_go_to_a_person(answer):
    # A ZeroDivisionError made some of these an `error` before (found by fuzzing the grader).
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], answer)
    assert (result.verdict, result.marks, result.feedback) == (
        "needs_review",
        0.0,
        NOT_COMPARABLE,
    )
    assert result.needs_person


CORRECT_W = ("Correct: your matrix equals ∂L/∂W.",)
STATES_CD = 'set aside "\\in \\mathbb{R}^{C \\times D}", which states your answer\'s shape'
STATES_DC = 'set aside "\\in \\mathbb{R}^{D \\times C}", which states your answer\'s shape'


@pytest.mark.parametrize(
    ("answer", "verdict", "reading", "notes", "feedback"),
    [
        pytest.param(
            r"X^T G \in \mathbb{R}^{C \times D}",
            "correct",
            "Xᵀ·G",
            (STATES_CD,),
            CORRECT_W,
            id="the answer's shape stated after it, agreeing",
        ),
        pytest.param(
            r"X^T G \in \mathbb{R}^{D \times C}",
            "needs_review",
            "Xᵀ·G",
            (STATES_DC,),
            (
                'Your answer states that it is D×C ("\\in \\mathbb{R}^{D \\times C}"), but as '
                "read it is C×D; read as shown, your matrix equals ∂L/∂W.",
                REVIEWED,
            ),
            id="the answer's shape stated after it, contradicting it",
        ),
        pytest.param(
            "X^T G, G being D x N",
            "needs_review",
            "Xᵀ·G",
            ('set aside "G being D x N", which states G\'s shape',),
            (
                'Your answer states that G is D×N ("G being D x N"), but the question\'s G is '
                "N×D; read as shown, your matrix equals ∂L/∂W.",
                REVIEWED,
            ),
            id="a matrix's shape stated after the answer, contradicting the question's",
        ),
        pytest.param(
            r"X^T \delta, where \delta = dL/dY, \delta being N x D",
            "correct",
            "Xᵀ·G",
            (
                'set aside "where \\delta = dL/dY", a definition, and read δ as G: the '
                "definition agrees with the question's G = ∂L/∂Y",
                'set aside "\\delta being N x D", which states \\delta\'s shape',
            ),
            CORRECT_W,
            id="a new name's shape stated after its definition",
        ),
        pytest.param(
            r"dL/dW \approx X^T G",
            "correct",
            "∂L/∂W = Xᵀ·G",
            ("read ≈ as =, the one relation of your answer",),
            CORRECT_W,
            id="approximately equal, the one relation",
        ),
        pytest.param(
            "dL/dW = dL/dY dY/dW = X^T G",
            "correct",
            "∂L/∂W = Xᵀ·G",
            (
                'read your chain of working as its last side, X^T G; "dL/dY dY/dW" set aside, a '
                "side in names only",
            ),
            CORRECT_W,
            id="a chain through the chain rule in names",
        ),
        pytest.param(
            "dL/dW = (G^T X)^T = X^T G",
            "correct",
            "∂L/∂W = Xᵀ·G",
            ('read your chain of working as its last side, X^T G; "(G^T X)^T", held against it',),
            CORRECT_W,
            id="a chain whose steps hold",
        ),
        pytest.param(
            "X^T G = G X^T",
            "needs_review",
            "G·Xᵀ",
            ('read your chain of working as its last side, G X^T; "X^T G", held against it',),
            (
                "One step of your working does not hold: X^T G is not equal to G X^T, and your "
                "final answer, G X^T, is what is graded; read as shown, it would earn 0 of 2 "
                "marks.",
                "The shapes do not fit: G is N×D and Xᵀ is C×N: they cannot be multiplied.",
                "The factors of G·Xᵀ are in the wrong order: the answer needs Xᵀ·G.",
                REVIEWED,
            ),
            id="two different answers joined by '='",
        ),
        pytest.param(
            "X^T G = X = G",
            "needs_review",
            "G",
            ('read your chain of working as its last side, G; "X^T G", "X", held against it',),
            (
                "One step of your working does not hold: X^T G is not equal to G, and your final "
                "answer, G, is what is graded; read as shown, it would earn 0 of 2 marks.",
                "Your answer is N×D, but ∂L/∂W is C×D.",
                REVIEWED,
            ),
            id="a chain of three different answers",
        ),
        pytest.param(
            "X^T G = dL/dW",
            "correct",
            "∂L/∂W = Xᵀ·G",
            ("read X^T G = dL/dW as dL/dW = X^T G",),
            CORRECT_W,
            id="the answer before what it names",
        ),
        # A sum of outer products over the examples was "unsupported LaTeX command \\sum"
        pytest.param(
            r"\sum_{n=1}^{N} x_n g_n^T",
            "correct",
            "Xᵀ·G",
            (
                "read Σ_n x_n·g_nᵀ as XᵀG: x_n and g_n taken as row n of X and row n of G, "
                "as column vectors",
            ),
            CORRECT_W,
            id="a sum of outer products over the rows of X and G",
        ),
        pytest.param(
            r"\sum_n x_n g_n^T",
            "correct",
            "Xᵀ·G",
            (
                "read Σ_n x_n·g_nᵀ as XᵀG: x_n and g_n taken as row n of X and row n of G, "
                "as column vectors, n running over the N examples",
            ),
            CORRECT_W,
            id="a sum of outer products, its range left out",
        ),
        pytest.param(
            r"dL/dW = \sum_{n=1}^{N} \mathbf{x}_n \mathbf{g}_n^\top",
            "correct",
            "∂L/∂W = Xᵀ·G",
            (
                "read Σ_n x_n·g_nᵀ as XᵀG: x_n and g_n taken as row n of X and row n of G, "
                "as column vectors",
            ),
            CORRECT_W,
            id="a sum of outer products in bold, after its name",
        ),
        pytest.param(
            r"\sum_{n=1}^{C} x_n g_n^T",
            "invalid",
            None,
            (),
            (
                "We could not read your answer: n runs over C values, so g_n would be one of C "
                "rows or columns of G, the sum a product of matrices (A^T M for rows a_n of A "
                "and m_n of M), but G is N×D: write the product of matrices (at column 1).",
                "Write the matrix expression over the question's matrices (X, W, b, G), e.g. "
                "A^T M P, or 1^T A M (A, M and P stand for any matrices, 1 for a vector of "
                "ones): ^T transposes, a product is written side by side, \\odot multiplies "
                "elementwise and softmax(...) works row by row.",
                "An instructor will read it; its 0 marks are provisional until then.",
            ),
            id="a sum over a range that is not the examples': refused, saying why",
        ),
    ],
)
def test_shapes_approximations_chains_and_reversed_sides_are_read_with_a_note(
    answer, verdict, reading, notes, feedback
):
    result = grade_answer(BACKWARD, BACKWARD.items["a.dW"], answer)
    assert read_and_graded(result) == (verdict, reading, notes, feedback)


# A chain's side that names another matrix than the item asks for was set aside, '"dL/dX" names
# what it is', and `dL/dW = dL/dX = X^T G` got full marks though `dL/dX = X^T G` goes to a person;
# a side using a name the question does not define made the answer unreadable ("unknown name
# 'S'"); `\sum_n g_n` and a number times a sum of outer products were unreadable; a chain's
# note listed every side.
CHAIN_W = "read your chain of working as its last side, X^T G; "
CHAIN_A = r"read your chain of working as its last side, softmax(Q K^T / \sqrt{d_k}) V; "
ROWS_OF_G = "read Σ_n g_n as 𝟏ᵀG, the sum of G's rows: g_n taken as row n of G"
OUTER = (
    "read Σ_n x_n·g_nᵀ as XᵀG: x_n and g_n taken as row n of X and row n of G, as column vectors, "
    "n running over the N examples"
)
MEAN_FEEDBACK = (
    "G is already the gradient of the loss L as given; if L is a mean over the batch, its 1/N "
    "is inside G. dL/dW = XᵀG."
)


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict", "reading", "notes", "feedback"),
    [
        pytest.param(
            BACKWARD,
            "a.dW",
            "dL/dW = dL/dX = X^T G",
            "needs_review",
            "∂L/∂W = Xᵀ·G",
            (CHAIN_W + '"dL/dX" set aside, a side in names only',),
            (
                'Your working says your answer is ∂L/∂X ("dL/dX"), but this item asks for '
                "∂L/∂W; read as shown, your matrix equals ∂L/∂W.",
                REVIEWED,
            ),
            id="a middle side naming another gradient: to a person, saying so",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G = dL/dX = X^T G",
            "needs_review",
            "Xᵀ·G",
            (CHAIN_W + '"dL/dX" set aside, a side in names only; "X^T G", held against it',),
            (
                'Your working says your answer is ∂L/∂X ("dL/dX"), but this item asks for '
                "∂L/∂W; read as shown, your matrix equals ∂L/∂W.",
                REVIEWED,
            ),
            id="a chain with no left side, naming another gradient: to a person",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"dL/dW = \nabla_W L = X^T G",
            "correct",
            "∂L/∂W = Xᵀ·G",
            (CHAIN_W + '"\\nabla_W L" set aside, a side in names only',),
            CORRECT_W,
            id="a middle side naming the asked gradient: set aside",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "dL/dW = dE/dW = X^T G",
            "correct",
            "∂L/∂W = Xᵀ·G",
            (
                CHAIN_W + '"dE/dW" set aside, a side in names only',
                "read ∂E/∂W as ∂L/∂W, the question's loss being L",
            ),
            CORRECT_W,
            id="a middle side naming the asked gradient with another loss letter: said",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = B = softmax(Q K^T / \sqrt{d_k}) V",
            "needs_review",
            "A = softmax(Q·Kᵀ / √d_k)·V",
            (CHAIN_A + '"B" set aside, a side in names only',),
            (
                "Your working says your answer is B, but this item asks for A; read as shown, "
                "your matrix equals A.",
                REVIEWED,
            ),
            id="a middle side naming another result: to a person",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V = softmax(Q K^T / \sqrt{d_k}) V",
            "correct",
            "A = softmax(Q·Kᵀ / √d_k)·V",
            (
                CHAIN_A + '"softmax(S) V" uses S, a name the question does not define, so that '
                "step cannot be checked",
            ),
            ("Correct: your matrix equals A.",),
            id="a middle side with a name of the student's own: the last side read, said",
        ),
        pytest.param(
            BACKWARD,
            "c.db",
            r"dL/db = \sum_n g_n",
            "correct",
            "∂L/∂b = 𝟏ᵀ·G",
            (ROWS_OF_G + ", n running over the N examples",),
            ("Correct: your matrix equals ∂L/∂b.",),
            id="a sum of G's rows: read as 1ᵀG",
        ),
        pytest.param(
            BACKWARD,
            "c.db",
            r"2\sum_{n=1}^{N} g_n",
            "incorrect",
            "2·𝟏ᵀ·G",
            (ROWS_OF_G,),
            ("Your answer is 2 times ∂L/∂b, a factor the answer does not have.",),
            id="a number times a sum of G's rows: 2·1ᵀG, not 21ᵀG",
        ),
        pytest.param(
            BACKWARD,
            "c.db",
            r"\sum_{n=1}^{D} g_n",
            "incorrect",
            "G·𝟏",
            ("read Σ_n g_n as G𝟏, the sum of G's columns: g_n taken as column n of G",),
            (
                "G1 sums each row of G, one sum per example (N entries). The bias has one entry "
                "per output feature: sum each column instead, 1ᵀG.",
            ),
            id="a sum of G's columns, as the range says: read as G1, the misconception",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"\frac{1}{N}\sum_n x_n g_n^T",
            "partial",
            "(1 / N)·Xᵀ·G",
            (OUTER,),
            (MEAN_FEEDBACK,),
            id="a fraction times a sum of outer products: the misconception XᵀG/N",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"\sum_n x_n g_n^T / N",
            "partial",
            "Xᵀ·G / N",
            (OUTER,),
            (MEAN_FEEDBACK,),
            id="a sum of outer products divided by a size",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"\sum_{n=1}^{D} x_n g_n^T",
            "invalid",
            None,
            (),
            (
                "We could not read your answer: n runs over D values, so x_n would be one of D "
                "rows or columns of X, the sum a product of matrices (A^T M for rows a_n of A "
                "and m_n of M), but X is N×C: write the product of matrices (at column 1).",
                "Write the matrix expression over the question's matrices (X, W, b, G), e.g. "
                "A^T M P, or 1^T A M (A, M and P stand for any matrices, 1 for a vector of "
                "ones): ^T transposes, a product is written side by side, \\odot multiplies "
                "elementwise and softmax(...) works row by row.",
                "An instructor will read it; its 0 marks are provisional until then.",
            ),
            id="a sum over D: X would need D rows or columns, said so",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "X^T G = (G^T X)^T = X^T (G) = (X^T) G = ((X^T)) G = X^T G",
            "correct",
            "Xᵀ·G",
            (CHAIN_W + '"X^T G", "(G^T X)^T", "X^T (G)" and 2 more, held against it',),
            CORRECT_W,
            id="a long chain: its note shows a few sides and counts the rest",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "dL/dW = " + " = ".join(["X^T G"] * 100),
            "correct",
            "∂L/∂W = Xᵀ·G",
            (CHAIN_W + '"X^T G", held against it',),
            CORRECT_W,
            id="a chain of one side repeated: its note names it once",
        ),
        pytest.param(
            BACKWARD,
            "c.db",
            r"dL/db = \sum_n g_n = 1^T G",
            "correct",
            "∂L/∂b = 𝟏ᵀ·G",
            (
                ROWS_OF_G + ", n running over the N examples",
                'read your chain of working as its last side, 1^T G; "\\sum_n g_n", held '
                "against it",
            ),
            ("Correct: your matrix equals ∂L/∂b.",),
            id="a sum of G's rows as a side of a chain: read, held against the last side",
        ),
        pytest.param(
            BACKWARD,
            "c.db",
            r"dL/db = \sum_{n=1}^{N} g_n^T",
            "correct",
            "∂L/∂b = Gᵀ·𝟏",
            ("read Σ_n g_nᵀ as Gᵀ𝟏, the sum of G's rows, transposed: g_n taken as row n of G",),
            ("Correct: your matrix equals ∂L/∂b.",),
            id="a sum of G's rows transposed: read as G^T 1",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(Q K^T / \sqrt{d_k}) V = softmax(S) V",
            "correct",
            "A = softmax(Q·Kᵀ / √d_k)·V",
            (
                r"read your chain of working as softmax(Q K^T / \sqrt{d_k}) V, its last side "
                'that is a matrix expression; "softmax(S) V" uses S, a name the question does '
                "not define, so that step cannot be checked",
            ),
            ("Correct: your matrix equals A.",),
            id="a last side with a name of the student's own: the side before it read, said",
        ),
        pytest.param(
            BACKWARD,
            "b.dX",
            "dL/dX = G W^T = dL/dW",
            "needs_review",
            "∂L/∂X = G·Wᵀ",
            (
                "read your chain of working as G W^T, its last side that is a matrix "
                'expression; "dL/dW" set aside, a side in names only',
            ),
            (
                'Your working says your answer is ∂L/∂W ("dL/dW"), but this item asks for '
                "∂L/∂X; read as shown, your matrix equals ∂L/∂X.",
                REVIEWED,
            ),
            id="a last side naming another gradient: to a person, saying so",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"dL/dW = X^T G = \sum_n x_n g_n^T",
            "correct",
            "∂L/∂W = Xᵀ·G",
            (
                OUTER,
                r'read your chain of working as its last side, \sum_n x_n g_n^T; "X^T G", held '
                "against it",
            ),
            CORRECT_W,
            id="a chain ending in a sum: its note quotes the sum as written",
        ),
        pytest.param(
            BACKWARD,
            "c.db",
            "dL/db = 1 G",
            "needs_review",
            "∂L/∂b = 𝟏·G",
            ("read the 1 before a matrix as the ones vector 𝟏",),
            (
                "Your answer writes 1 before a matrix, read as the ones vector 𝟏 as written; "
                "whether you meant 𝟏ᵀ, the ones vector as a row, or the number 1 is a person's "
                "to read; read as shown, it would earn 0 of 2 marks; read as the number 1, it "
                "would earn 0 of 2 marks.",
                "The shapes do not fit: 𝟏 is a column of ones (one column) and G is N×D: they "
                "cannot be multiplied.",
                REVIEWED,
            ),
            id="1 before a matrix: the ones vector, to a person, not told it answered G",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "1 X^T G",
            "needs_review",
            "𝟏·Xᵀ·G",
            ("read the 1 before a matrix as the ones vector 𝟏",),
            (
                "Your answer writes 1 before a matrix, read as the ones vector 𝟏 as written; "
                "whether you meant 𝟏ᵀ, the ones vector as a row, or the number 1 is a person's "
                "to read; read as shown, it would earn 0 of 2 marks; read as the number 1, it "
                "would earn 2 of 2 marks.",
                "The shapes do not fit: 𝟏 is a column of ones (one column) and Xᵀ is C×N: they "
                "cannot be multiplied.",
                REVIEWED,
            ),
            id="1 before XᵀG: told what the number 1 would earn, and 𝟏's shape (was ?×1)",
        ),
    ],
)
def test_chains_and_sums_are_read_true_to_what_they_say(
    rubric, item_id, answer, verdict, reading, notes, feedback
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert read_and_graded(result) == (verdict, reading, notes, feedback)


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "verdict", "reading", "notes", "feedback"),
    [
        pytest.param(
            BACKWARD,
            "b.dX",
            "dL/dX = H W^T where H = dL/dY",
            "correct",
            "∂L/∂X = G·Wᵀ",
            (
                'set aside "where H = dL/dY", a definition, and read H as G: the definition '
                "agrees with the question's G = ∂L/∂Y",
            ),
            ("Correct: your matrix equals ∂L/∂X.",),
            id="where H = dL/dY after a left side: the definition read, H as G",
        ),
    ],
)
def test_a_definition_after_where_is_split_off_before_a_chain_is_read(
    rubric, item_id, answer, verdict, reading, notes, feedback
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    assert read_and_graded(result) == (verdict, reading, notes, feedback)


# --- Statements before and after the answer, as a marker reads them (probe10 S2-c) ----------


@pytest.mark.parametrize(
    ("rubric", "item_id", "answer", "written_out", "note"),
    [
        pytest.param(
            ATTENTION,
            "a.attention",
            r"S = QK^T/\sqrt{d_k} \in R^{N \times N}; A = softmax(S)V",
            r"A = softmax(QK^T/\sqrt{d_k})V",
            "which states S's shape",
            id="a shape stated in a definition before the answer",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"A = softmax(S) V \in R^{N \times d_v} where S = QK^T/\sqrt{d_k} \in R^{N \times N}",
            r"A = softmax(QK^T/\sqrt{d_k})V",
            "which states A's shape",
            id="a shape stated in the answer before a definition",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"S = QK^T/\sqrt{d_k}; P = softmax(S); PV",
            r"softmax(QK^T/\sqrt{d_k})V",
            "read P as softmax(Q·Kᵀ / √d_k)",
            id="two definitions before an answer with no left side",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"S = QK^T; P = softmax(S); PV",
            r"softmax(QK^T)V",
            "read P as softmax(Q·Kᵀ)",
            id="guard: two definitions before a wrong answer",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "M = X^T G; dW = M",
            "dW = X^T G",
            "read M as Xᵀ·G",
            id="a last statement naming the asked gradient",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            "M = G^T X; dW = M",
            "dW = G^T X",
            "read M as Gᵀ·X",
            id="guard: a last statement naming the gradient, wrong",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"S = QK^T/\sqrt{d_k}; A = softmax(S)V; A is N x d_v",
            r"A = softmax(QK^T/\sqrt{d_k})V",
            "which states A's shape",
            id="the asked name's shape stated after it",
        ),
        # a given name's shape stated with \in after a comma or "where" (was "unexpected ','":
        # read as the answer's own shape, leaving "X^T G, G")
        pytest.param(
            BACKWARD,
            "a.dW",
            r"X^T G, G \in \mathbb{R}^{N \times D}",
            "X^T G",
            "which states G's shape",
            id="a given name's shape with \\in after a comma",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"X^T G, where G \in \mathbb{R}^{N \times D}",
            "X^T G",
            "which states G's shape",
            id="a given name's shape with \\in after a comma and where",
        ),
        pytest.param(
            BACKWARD,
            "a.dW",
            r"X^T G where G \in \mathbb{R}^{N \times D}",
            "X^T G",
            "which states G's shape",
            id="a given name's shape with \\in after where",
        ),
        pytest.param(
            ATTENTION,
            "a.attention",
            r"softmax(Q K^T / \sqrt{d_k}) V, V \in \mathbb{R}^{N \times d_v}",
            r"softmax(Q K^T / \sqrt{d_k}) V",
            "which states V's shape",
            id="a given name's shape with \\in after the attention answer",
        ),
    ],
)
def test_statements_around_the_answer_are_read_as_the_answer_written_out(
    rubric, item_id, answer, written_out, note
):
    result = grade_answer(rubric, rubric.items[item_id], answer)
    out = grade_answer(rubric, rubric.items[item_id], written_out)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        out.verdict,
        out.marks,
        out.diagnosis,
        out.feedback,
    )
    assert any(note in n for n in result.reading_notes), result.reading_notes


@pytest.mark.parametrize(
    ("answer", "verdict", "first", "untrue"),
    [
        pytest.param(
            r"S = QK^T/\sqrt{d_k} \in R^{N \times d_k}; A = softmax(S)V",
            "needs_review",
            "Your answer states that S is N×d_k",
            "none of the question's matrices",
            id="a wrong shape stated in a definition before the answer",
        ),
        pytest.param(
            r"S = QK^T/\sqrt{d_k}; A = softmax(S)V; A is N x N",
            "needs_review",
            "Your answer states that it is N×N",
            "none of the question's matrices",
            id="a wrong shape of the asked name",
        ),
        pytest.param(
            r"A = A V where A = softmax(QK^T/\sqrt{d_k})",
            "invalid",
            r"We could not read your answer: A, the name this item asks for, is given twice "
            r'("A = A V" and "A = softmax(QK^T/\sqrt{d_k})")',
            "before your answer",
            id="the asked name given twice",
        ),
        pytest.param(
            r"P = softmax(QK^T/\sqrt{d_k}); A = P V; P = softmax(QK^T)",
            "needs_review",
            r'Your answer defines P twice, differently ("P = softmax(QK^T/\sqrt{d_k})" and '
            r'"P = softmax(QK^T)")',
            "left side names P",
            id="a name defined twice around the answer",
        ),
    ],
)
def test_statements_around_the_answer_that_disagree_go_to_a_person_saying_why(
    answer, verdict, first, untrue
):
    result = grade_answer(ATTENTION, ATTENTION.items["a.attention"], answer)
    assert (result.verdict, result.feedback[0][: len(first)]) == (verdict, first), result.feedback
    assert not any(untrue in line for line in result.feedback), result.feedback


MANY_NAMES = load_rubric_text(
    """id: MANY-NAMES
symbols:
  N: {meaning: examples}
  k: {meaning: features}
parts:
  a:
    marks: 1
    prompt: Give A^T P.
    items:
      m:
        type: matrix
        marks: 1
        matrices: {A: [N, k], M: [k, k], P: [N, k], R: [k, k], S: [k, k], U: [k, k],
                   B: [k, k], C: [k, k], E: [k, k], F: [k, k], H: [k, k]}
        answer: 'A^T P'
""",
    "many-names.yaml",
)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        pytest.param(
            r"\sum_i A_i",
            "e.g. D^T G (D and G stand for any matrices)",
            id="a sum refused over two letters the question does not use",
        ),
        pytest.param(
            "A^T (P",
            "e.g. D^T G J, or 1^T D G (D, G and J stand for any matrices",
            id="an unreadable answer's hint over three such letters",
        ),
    ],
)
def test_example_letters_when_the_questions_names_take_the_usual_ones(answer, said):
    # the question's matrices are named A, M, P, R, S, U, B, C, E, F, H: every usual example
    # letter; free_letters gave fewer letters than asked and grading raised ValueError
    result = grade_answer(MANY_NAMES, MANY_NAMES.items["a.m"], answer)
    assert result.verdict == "invalid"
    assert any(said in line for line in result.feedback)


@pytest.mark.parametrize(
    ("taken", "count", "letters"),
    [
        pytest.param({"X", "G"}, 3, ("A", "M", "P"), id="the usual letters"),
        pytest.param(set("AMPRSUBCEFH"), 2, ("D", "G"), id="other Latin letters"),
        pytest.param(set("AMPRSUBCEFHDGJKLQVWXYZ"), 2, ("\\Phi", "\\Psi"), id="then Greek letters"),
        pytest.param(
            {*"AMPRSUBCEFHDGJKLQVWXYZ", "phi", "psi", "omega", "theta", "lambda", "gamma"},
            2,
            ("AA", "MM"),
            id="then doubled letters",
        ),
    ],
)
def test_free_letters_gives_as_many_letters_as_asked(taken, count, letters):
    from grader.kinds.matrix.parse import free_letters

    assert free_letters(taken, count) == letters
