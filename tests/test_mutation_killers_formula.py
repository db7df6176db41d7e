# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""Whole results of layer formulas, one row per finding (issue 21: tests that bite).

Each row pins the verdict, the marks, the diagnosis and every line of feedback, so that a
change to the comparison of layers (`grader/kinds/formula/layer.py`), to the findings
(`grader/kinds/formula/check.py`) or to their marks (`grader/kinds/formula/score.py`) that a
student would see fails a test: `2 w x + b`, the same layer as the reference, losing its
marks; a false "Your formula writes N parameters" note on a correct formula; a finding
given for the wrong difference. The rubric is written here, with different partial credit for
each finding, so that each finding shows in the marks too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade_answer
from grader.rubric import load_rubric_text

RUBRIC = load_rubric_text(
    r"""
    id: FORM
    title: Formula findings
    symbols:
      P: {meaning: the height, example: 4}
      Q: {meaning: the width, example: 3}
      C: {meaning: the input channels, example: 2}
      D: {meaning: the output channels, example: 5}
    parts:
      f:
        marks: 4
        prompt: A fully connected layer.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            answer: 'y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}'
            partial_credit: {not_fully_connected: 0.5, shared_weights: 1, bias_missing: 1.5, bias_shared: 2, range: 2.5, fixed_term: 3}
            misconceptions:
              - answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l}'
                feedback: A 1x1 convolution without its bias.
                marks: 0.25
      c:
        marks: 4
        prompt: A 3x3 convolution without padding.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            padding: none
            answer: 'y_{i,j,k} = \sum_{u=1}^{3}\sum_{v=1}^{3}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-1,j+v-1,l} + b_k'
            partial_credit: {fully_connected: 0.5, kernel_size: 1, weight_sharing: 1.5, unshared_weights: 2, reads_outside: 2.5, connectivity: 3}
      o:
        marks: 5
        prompt: A 1x1 convolution.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            padding: none
            answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k'
            partial_credit: {channel_independent: 0.5, bias_unshared: 1, bias_shared: 1.5, kernel_size: 2, different: 2.5}
          params:
            type: count
            marks: 1
            answer: 'CD + D'
            bias: 'D'
      n:
        marks: 4
        prompt: Without a bias, one index for the position.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: X, shape: [PQ, C]}
            output: {name: Y, shape: [PQ, D]}
            answer: 'Y = XW'
            partial_credit: {bias_extra: 0.5, shape: 1}
      t:
        marks: 8
        prompt: Weights tied over the input channels.
        items:
          tied:
            type: formula
            marks: 4
            input: {name: x, shape: [PQ, C]}
            output: {name: y, shape: [PQ, D]}
            answer: 'y_{i,k} = \sum_{l=1}^{C} w_{k} x_{i,l} + b_k'
            partial_credit: {weight_sharing: 1.5}
          ratio:
            type: formula
            marks: 4
            input: {name: x, shape: [PQ, C]}
            output: {name: y, shape: [PQ, D]}
            answer: 'y_{i,k} = \sum_{l=1}^{C} w_{k} x_{i,l} + w_{k} x_{i,1} + b_k'
            partial_credit: {different: 2.5}
      v:
        marks: 4
        prompt: A layer of vectors that reads the first input only.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [C]}
            output: {name: y, shape: [D]}
            answer: 'y_{k} = w_{k} x_{1} + b_k'
            partial_credit: {connectivity: 1}
      g:
        marks: 4
        prompt: A 1x1 convolution to two output channels.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [PQ, C]}
            output: {name: y, shape: [PQ, 2]}
            answer: 'y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k'
      r:
        marks: 4
        prompt: A 1x1 convolution with a bias per row.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, Q, C]}
            output: {name: y, shape: [P, Q, D]}
            answer: 'y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_i'
""",
    "findings.yaml",
)

CASES = [
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="the fully connected reference is correct, with no note",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} 2 w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="a weight scaled by 2 is the same layer",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l}",
        ("partial", 0.25, "misconception 1"),
        ("A 1x1 convolution without its bias.",),
        id="the rubric's misconception speaks first",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        ("incorrect", 0.0, "not_fully_connected"),
        (
            "This is a 1×1 convolution, not a fully connected layer: each output reads only the inputs at its own position, but in a fully connected layer every output reads every input.",
            "Your bias is shared by outputs that should each have their own bias.",
        ),
        id="a 1x1 convolution with a shared bias is two findings and no marks",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{u=-1}^{1}\\sum_{v=-1}^{1}\\sum_{l=1}^{C} w_{u,v,l,i,j,k} x_{i+u,j+v,l} + b_{i,j,k}",
        ("partial", 0.5, "not_fully_connected"),
        (
            "Not every output reads every input (with P=5, Q=4, C=3, D=2, y[1,1,1] should read x[1,3,1], but in your formula it does not); in a fully connected layer every output reads every input.",
        ),
        id="a 3x3 neighbourhood is not fully connected",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m-i,n-j,l,k} x_{m,n,l} + b_{i,j,k}",
        ("partial", 1.0, "shared_weights"),
        (
            "Your weights are shared across positions, but in this layer every connection has its own weight.",
        ),
        id="weights shared across positions",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l}",
        ("partial", 1.5, "bias_missing"),
        ("Your formula has no bias; this layer has one: every output has its own.",),
        id="no bias",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_k",
        ("partial", 2.0, "bias_shared"),
        ("Your bias is shared by outputs that should each have their own bias.",),
        id="a bias per channel where each output has one",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{Q}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}",
        ("incorrect", 0.0, "not_fully_connected"),
        (
            "Not every output reads every input (with P=5, Q=4, C=3, D=2, y[1,1,1] should read x[5,1,1], but in your formula it does not); in a fully connected layer every output reads every input.",
            "Your sum over n runs over Q values where P belongs (P is the height).",
        ),
        id="a sum over Q where P belongs",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k} + x_{i,j,1}",
        ("partial", 3.0, "fixed_term"),
        (
            "Your formula has a term without a weight (an input or a constant added as it is); every term of this layer is a weight times an input, or a bias.",
        ),
        id="an input added without a weight",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} v_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}",
        ("correct", 4.0, None),
        (
            "Correct: your formula defines the same layer.",
            "Your formula writes 2·P²·Q²·C·D + P·Q·D parameters, but only 2440 (with P=5, Q=4, C=3, D=2) of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        id="two weight tensors added together are correct with a note",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{u=1}^{3}\\sum_{v=1}^{3}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-1,j+v-1,l} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="the 3x3 reference is correct",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{u=-1}^{1}\\sum_{v=-1}^{1}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        ("needs_review", 0.0, "window_offset"),
        (
            "Your window starts at (i-1, j-1) and reaches (i+1, j+1); this layer's 3×3 window runs from (i, j) to (i+2, j+2). With the window shifted back, your formula defines the right layer.",
            "An instructor will review it.",
        ),
        id="a kernel shifted by one is a window anchored elsewhere, for an instructor without its marks",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_k",
        ("incorrect", 0.0, "fully_connected"),
        (
            "Every output reads every input: that is a fully connected layer, but this layer reads only a small neighbourhood of each position.",
            "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
        ),
        id="a fully connected layer where a convolution belongs",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m-i,n-j,l,k} x_{m,n,l} + b_k",
        ("partial", 0.5, "fully_connected"),
        (
            "Every output reads every input, but this layer reads only a small neighbourhood of each position.",
        ),
        id="a shared kernel over the whole image reads everything",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        ("partial", 1.0, "kernel_size"),
        (
            "Each output reads only the inputs at its own position (a 1×1 kernel); this layer's kernel spans 3×3 positions.",
        ),
        id="a 1x1 kernel where 3x3 belongs",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{u=1}^{5}\\sum_{v=1}^{5}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-1,j+v-1,l} + b_k",
        ("partial", 1.0, "kernel_size"),
        ("Your kernel spans 5×5 positions instead of 3×3 positions.",),
        id="a 5x5 kernel covers the small image, not the 6x7 one: told its size",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{u=1}^{3}\\sum_{v=1}^{3}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+2u-2,j+v-1,l} + b_k",
        ("incorrect", 0.0, "dilation"),
        (
            "Your kernel is dilated: its taps are 2 positions apart, but this layer's kernel reads adjacent positions.",
        ),
        id="a dilated kernel is said to be dilated",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{u=1}^{3}\\sum_{v=1}^{3}\\sum_{l=1}^{C} w_{u,v,k} x_{i+u-1,j+v-1,l} + b_k",
        ("partial", 1.5, "weight_sharing"),
        (
            "Every output reads the right inputs, but your formula ties together weights that should be separate.",
        ),
        id="weights that ignore the input channel",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{u=1}^{3}\\sum_{v=1}^{3}\\sum_{l=1}^{C} w_{u,v,l,i,j,k} x_{i+u-1,j+v-1,l} + b_k",
        ("partial", 2.0, "unshared_weights"),
        (
            "Your weights depend on the position, so they are not shared across positions: this is not a convolution.",
        ),
        id="weights that depend on the position",
    ),
    pytest.param(
        "c.formula",
        "y_{i,j,k} = \\sum_{u=1}^{3}\\sum_{v=1}^{3}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-1,j+v-1,1} + b_k",
        ("partial", 3.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=5, Q=4, C=3, D=2, y[1,1,1] should read x[1,1,2], but in your formula it does not.",
            "Your formula writes 9·C·D + D parameters, but only 10·D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        id="reading one input channel only",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="the 1x1 reference is correct",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} 2 w_{l,k} x_{i,j,l} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="2 w x + b is the same layer",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l} x_{i,j,l} + b_k",
        ("partial", 0.5, "channel_independent"),
        (
            "Your weights do not depend on the output channel, so all D output channels would differ only by their bias: each output channel needs its own weights.",
        ),
        id="weights that ignore the output channel",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_{i,j,k}",
        ("partial", 1.0, "bias_unshared"),
        (
            "Your bias differs from position to position; in this layer each output channel has one bias, shared by every position.",
        ),
        id="a bias per position",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b",
        ("partial", 1.5, "bias_shared"),
        ("Your bias is shared where each output channel needs its own.",),
        id="one bias for every channel",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i+1,j,l} + b_k",
        ("incorrect", 0.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=5, Q=4, C=3, D=2, y[1,1,1] should read x[1,1,1], but in your formula it does not.",
            "Your formula reads x outside its range at the border; this layer has no padding, so every index must stay within the input's size.",
        ),
        id="reading the next position outside the input",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} \\sum_{m=1}^{P} w_{l,k,m} x_{i,j,l} + b_k",
        ("correct", 4.0, None),
        (
            "Correct: your formula defines the same layer.",
            "Your formula writes P·C·D + D parameters, but only C·D + D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        id="weights over an index nothing uses act as one",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} w_{l,k} x_{i,j,l} + b_k",
        ("needs_review", 0.0, None),
        (
            "Your formula combines weights in a way the grader cannot compare exactly (a product of two weights, or weights that overlap); an instructor will review it.",
        ),
        id="a product of weights goes to a person",
    ),
    pytest.param(
        "n.formula",
        "Y = XW",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="the matrix form is correct",
    ),
    pytest.param(
        "n.formula",
        "Y = XW + b",
        ("partial", 0.5, "bias_extra"),
        ("This part asks for the layer without a bias, but your formula adds one.",),
        id="a bias where the part has none",
    ),
    pytest.param(
        "n.formula",
        "Y = WX",
        ("partial", 1.0, "shape"),
        (
            "The shapes do not fit: Y = W·X would need D = C. X is PQ×C and Y is PQ×D, so a weight matrix can only multiply X on the right, with shape C×D.",
        ),
        id="a product whose shapes cannot fit",
    ),
    pytest.param(
        "n.formula",
        "Y_{i,k} = \\sum_{l=1}^{C} W_{l,k} X_{i,l}",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="index notation for the matrix form",
    ),
    pytest.param(
        "t.tied",
        "y_{i,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k",
        ("partial", 1.5, "weight_sharing"),
        (
            "Every output reads the right inputs, but your formula gives separate weights to connections that should share one.",
        ),
        id="separate weights where the reference ties them",
    ),
    pytest.param(
        "t.tied",
        "y_{i,k} = w_{1} x_{i,1} + \\sum_{l=2}^{C} w_{k} x_{i,l} + b_k",
        ("partial", 1.5, "weight_sharing"),
        (
            "Every output reads the right inputs, but your formula ties together weights that should be separate.",
        ),
        id="as many weights as the reference, tied otherwise",
    ),
    pytest.param(
        "t.ratio",
        "y_{i,k} = \\sum_{l=1}^{C} w_{k} x_{i,l} + b_k",
        ("partial", 2.5, "different"),
        ("Your formula does not define the same layer as a correct answer.",),
        id="the same connections and weights in other ratios",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{u=1}^{3}\\sum_{v=1}^{3}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-1,j+v-1,l} + b_k",
        ("incorrect", 0.0, "kernel_size"),
        (
            "Your kernel spans 3×3 positions instead of only each output's own position.",
            "Your formula reads x outside its range at the border; this layer has no padding, so every index must stay within the input's size.",
        ),
        id="a 3x3 kernel where each output reads its own position",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=2}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}",
        ("partial", 0.5, "not_fully_connected"),
        (
            "Not every output reads every input (with P=5, Q=4, C=3, D=2, y[1,1,1] should read x[1,1,1], but in your formula it does not); in a fully connected layer every output reads every input.",
        ),
        id="a sum that misses the first row names no size",
    ),
    pytest.param(
        "v.formula",
        "y_{k} = w_{k} x_{1} + v_{k} x_{2} + b_k",
        ("partial", 1.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=5, Q=4, C=3, D=2, your y[1] reads x[2], which it should not.",
        ),
        id="reading an input it should not is shown with an example",
    ),
    pytest.param(
        "v.formula",
        "y_{k} = w_{k} x_{1} + b_k",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="the vector layer's reference is correct",
    ),
    pytest.param(
        "v.formula",
        "y_{k} = \\sum_{m=1}^{10000} w_{m,k} x_{1} + b_k",
        ("correct", 4.0, None),
        (
            "Correct: your formula defines the same layer.",
            "Your formula writes 10001·D parameters, but only 2·D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        id="a sum over ten thousand values is checked",
    ),
    pytest.param(
        "v.formula",
        "y_{k} = \\sum_{m=1}^{10001} w_{m,k} x_{1} + b_k",
        ("invalid", 0.0, None),
        (
            "We could not read your answer: the sum over m runs over 10001 values at P=5, Q=4, C=3, D=2; a layer's sums run over the sizes of its tensors (at column 1).",
            "This answer is too large to check; write it over the question's sizes.",
            "An instructor will read it; its 0 marks are provisional until then.",
        ),
        id="a sum over more than ten thousand values is too large",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_{i}",
        ("partial", 1.5, "bias_shared"),
        (
            "Your bias differs from position to position and is shared by the output channels of a position; in this layer each output channel has one bias, shared by every position.",
        ),
        id="a bias per row",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b",
        ("partial", 2.0, "bias_shared"),
        ("Your bias is shared by outputs that should each have their own bias.",),
        id="one bias where each output has its own",
    ),
    pytest.param(
        "f.formula",
        "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j}",
        ("partial", 2.0, "bias_shared"),
        ("Your bias is shared by outputs that should each have their own bias.",),
        id="a bias per position where each output has its own",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + v_k x_{i,j,1} + v_k x_{i,j,2} + b_k",
        ("needs_review", 0.0, None),
        (
            "Your formula combines weights in a way the grader cannot compare exactly (a product of two weights, or weights that overlap); an instructor will review it.",
        ),
        id="weights that overlap go to a person",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = x_{i,j,1}",
        ("incorrect", 0.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=5, Q=4, C=3, D=2, y[1,1,1] should read x[1,1,1], but in your formula it does not.",
            "Your formula has no bias; this layer has one: each output channel has one, shared by every position.",
            "Your formula has a term without a weight (an input or a constant added as it is); every term of this layer is a weight times an input, or a bias.",
        ),
        id="a formula without weights or biases",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = b_k",
        ("incorrect", 0.0, "connectivity"),
        (
            "Your outputs read the wrong inputs: with P=5, Q=4, C=3, D=2, y[1,1,1] should read x[1,1,1], but in your formula it does not.",
        ),
        id="a bias alone",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + v_k x_{i,j,1} - v_k x_{i,j,1} + b_k",
        ("correct", 4.0, None),
        (
            "Correct: your formula defines the same layer.",
            "Your formula writes C·D + 2·D parameters, but only 8 (with P=5, Q=4, C=3, D=2) of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        id="a weight added and taken away is no weight",
    ),
    pytest.param(
        "g.formula",
        "y_{i,k} = \\sum_{l=1}^{C} w_{l} x_{i,l} + b_k",
        ("incorrect", 0.0, "channel_independent"),
        (
            "Your weights do not depend on the output column, so all 2 output columns would differ only by their bias: each output column needs its own weights.",
        ),
        id="a number of output channels is named as a number",
    ),
    pytest.param(
        "r.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_j",
        ("incorrect", 0.0, "bias_shared"),
        ("Your bias is shared where each output channel needs its own.",),
        id="a bias per column where the layer has one per row",
    ),
    pytest.param(
        "r.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + c_i",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="a bias per row by another name",
    ),
    pytest.param(
        "r.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_{i,j,k}",
        ("incorrect", 0.0, "bias_shared"),
        ("Your bias is shared where each output channel needs its own.",),
        id="a bias per output where the layer has one per row",
    ),
    pytest.param(
        "o.formula",
        "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k + x_{i,j,1} - x_{i,j,1}",
        ("correct", 4.0, None),
        ("Correct: your formula defines the same layer.",),
        id="an input added and taken away is no fixed term",
    ),
]


@pytest.mark.parametrize(("item", "answer", "outcome", "feedback"), CASES)
def test_a_formula_gets_its_whole_verdict_marks_diagnosis_and_feedback(
    item, answer, outcome, feedback
):
    result = grade_answer(RUBRIC, RUBRIC.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


# The limits of what is enumerated, at sizes where D is the same in both sets, so that the
# number of (output, summed indices) combinations of a term can be exactly the limit.
LIMITS = load_rubric_text(
    """
id: LIMITS
title: The limits of what is enumerated
symbols:
  C: {meaning: the inputs, example: 2}
  D: {meaning: the outputs, example: 2}
check_sizes:
  - {C: 3, D: 2}
  - {C: 4, D: 2}
parts:
  v:
    marks: 1
    prompt: A layer of vectors that reads the first input only.
    items:
      formula:
        type: formula
        marks: 1
        input: {name: x, shape: [C]}
        output: {name: y, shape: [D]}
        answer: 'y_{k} = w_{k} x_{1} + b_k'
""",
    "limits.yaml",
)


@pytest.mark.parametrize(
    ("item", "answer", "outcome", "feedback"),
    [
        pytest.param(
            "v.formula",
            "y_{k} = \\sum_{m=1}^{500}\\sum_{n=1}^{500} w_{m,n,k} x_{1} + b_k",
            ("correct", 1.0, None),
            (
                "Correct: your formula defines the same layer.",
                "Your formula writes 250001·D parameters, but only 2·D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
            ),
            id="a term of exactly 500000 combinations is checked",
        ),
        pytest.param(
            "v.formula",
            "y_{k} = \\sum_{m=1}^{500}\\sum_{n=1}^{501} w_{m,n,k} x_{1} + b_k",
            ("invalid", 0.0, None),
            (
                "We could not read your answer: this formula sums over too many terms to check (at column 1).",
                "This answer is too large to check; write it over the question's sizes.",
                "An instructor will read it; its 0 marks are provisional until then.",
            ),
            id="a term of more combinations is too large",
        ),
    ],
)
def test_a_term_is_enumerated_up_to_its_limit(item, answer, outcome, feedback):
    result = grade_answer(LIMITS, LIMITS.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


# Three output channels at the first sizes checked, where a bias per channel is told apart
# from one per position by more than two channels.
CHANNELS = load_rubric_text(
    r"""
id: CHANNELS
title: Three output channels first
symbols:
  P: {meaning: the positions, example: 4}
  C: {meaning: the input channels, example: 2}
  D: {meaning: the output channels, example: 3}
check_sizes:
  - {P: 4, C: 2, D: 3}
  - {P: 5, C: 3, D: 4}
parts:
  o:
    marks: 1
    prompt: A 1x1 convolution of a sequence.
    items:
      formula:
        type: formula
        marks: 1
        input: {name: x, shape: [P, C]}
        output: {name: y, shape: [P, D]}
        answer: 'y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k'
""",
    "channels.yaml",
)


@pytest.mark.parametrize(
    ("item", "answer", "outcome", "feedback"),
    [
        pytest.param(
            "o.formula",
            "y_{i,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,l} + b_{i,k}",
            ("incorrect", 0.0, "bias_unshared"),
            (
                "Your bias differs from row to row; in this layer each output column has one bias, shared by every row.",
            ),
            id="a bias per row where each output column has one",
        ),
        pytest.param(
            "o.formula",
            "y_{i,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k",
            ("correct", 1.0, None),
            ("Correct: your formula defines the same layer.",),
            id="one bias per channel of three",
        ),
    ],
)
def test_a_bias_per_channel_of_three_channels(item, answer, outcome, feedback):
    result = grade_answer(CHANNELS, CHANNELS.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


@pytest.mark.parametrize(
    ("item", "answer", "decision"),
    [
        pytest.param(
            "f.formula",
            "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l}",
            (
                "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l]",
                "not the reference's layer",
                "same layer as misconception 1",
                "marks 0.25",
            ),
            id="a misconception: its number",
        ),
        pytest.param(
            "f.formula",
            "y_{i,j,k} = \\sum_{m=1}^{P}\\sum_{n=1}^{Q}\\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l}",
            (
                "read as y[i,j,k] = Σ_{m=1..P} Σ_{n=1..Q} Σ_{l=1..C} w[m,n,l,i,j,k]·x[m,n,l]",
                "not the reference's layer",
                "differs: bias_missing",
                "marks 1.5",
            ),
            id="one finding: its name and marks",
        ),
        pytest.param(
            "f.formula",
            "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
            (
                "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]",
                "not the reference's layer",
                "differs: bias_shared, not_fully_connected",
                "marks 0",
            ),
            id="two findings: both named, no marks",
        ),
        pytest.param(
            "o.formula",
            "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} w_{l,k} x_{i,j,l} + b_k",
            (
                "read as y[i,j,k] = Σ_{l=1..C} w[l,k]·w[l,k]·x[i,j,l] + b[k]",
                "not comparable exactly: sent for review",
            ),
            id="not comparable: sent for review",
        ),
    ],
)
def test_a_formulas_decision_records_how_it_was_read_and_why_it_earns_its_marks(
    item, answer, decision
):
    assert grade_answer(RUBRIC, RUBRIC.items[item], answer).decision == decision


def test_two_formulas_that_multiply_weights_are_never_called_the_same_layer():
    """The rubric's self-test asks whether a misconception is the reference's layer; for a
    formula the comparison would be a guess about (weights multiplied), the answer is None."""
    from grader.kinds.formula.check import same_layer
    from grader.kinds.formula.parse import parse_formula

    item = RUBRIC.items["o.formula"]
    text = r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} w_{l,k} x_{i,j,l} + b_k"
    formula = parse_formula(text, RUBRIC.symbol_table, item.spec.layer)
    assert same_layer(formula, formula, item.spec.layer, RUBRIC.size_sets) is None
    assert same_layer(item.reference, item.reference, item.spec.layer, RUBRIC.size_sets) is True


DENSE = load_rubric_text(
    r"""
    id: DENSE
    title: A dense layer
    symbols:
      C: {meaning: the inputs, example: 3}
      D: {meaning: the outputs, example: 2}
    parts:
      d:
        marks: 2
        prompt: A dense layer.
        items:
          formula:
            type: formula
            marks: 2
            input: {name: x, shape: [C]}
            output: {name: y, shape: [D]}
            answer: 'y_{k} = \sum_{l=1}^{C} w_{l,k} x_{l} + b_k'
            partial_credit: {weight_sharing: 0.5}
    """,
    "dense.yaml",
)


def test_weights_tied_only_at_the_first_input_are_tied_weights():
    # One weight v for x_1 in every output; the weights of the other inputs are separate.
    answer = r"y_{k} = v x_{1} + \sum_{l=2}^{C} w_{l,k} x_{l} + b_k"
    result = grade_answer(DENSE, DENSE.items["d.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis) == ("partial", 0.5, "weight_sharing")
    assert result.feedback == (
        "Every output reads the right inputs, but your formula ties together weights that should be separate.",
    )


# One position at the first sizes, where a bias per output is a bias per channel; a size
# whose meaning is left empty.
ONE_POSITION = load_rubric_text(
    r"""
    id: ONE-POSITION
    title: Layers checked first at one position
    symbols:
      P: {meaning: the positions, example: 3}
      C: {meaning: '', example: 2}
      D: {meaning: the output channels, example: 4}
      G: {meaning: the number of groups, example: 2}
    check_sizes:
      - {P: 1, C: 2, D: 4, G: 2}
      - {P: 3, C: 4, D: 6, G: 3}
    parts:
      a:
        marks: 4
        prompt: A fully connected layer.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, C]}
            output: {name: y, shape: [P, D]}
            answer: 'y_{i,k} = \sum_{m=1}^{P}\sum_{l=1}^{C} w_{m,l,i,k} x_{m,l} + b_{i,k}'
            partial_credit: {range: 1, max_for_sum: 1.5, bias_shared: 2}
      o:
        marks: 4
        prompt: A 1x1 convolution.
        items:
          formula:
            type: formula
            marks: 4
            input: {name: x, shape: [P, C]}
            output: {name: y, shape: [P, D]}
            answer: 'y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l} + b_k'
    """,
    "one-position.yaml",
)


@pytest.mark.parametrize(
    ("item", "answer", "outcome", "feedback"),
    [
        pytest.param(
            "a.formula",
            "y_{i,k} = \\sum_{m=1}^{P}\\sum_{l=1}^{P} w_{m,l,i,k} x_{m,l} + b_{i,k}",
            ("incorrect", 0.0, "not_fully_connected"),
            (
                "This is a 1×1 convolution, not a fully connected layer: each output reads only the inputs at its own position, but in a fully connected layer every output reads every input.",
                "Your sum over l runs over P values where C belongs.",
            ),
            id="a range finding names no meaning where the size has none",
        ),
        pytest.param(
            "a.formula",
            "y_{i,k} = \\max_{u=0}^{1} c_{u,k}",
            ("partial", 1.5, "max_for_sum"),
            (
                "Your formula takes a maximum where this layer adds up weighted inputs: each output is a sum over its inputs, not their maximum.",
                "Your formula writes 2·D parameters, but only D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
            ),
            # At one position a bias per channel is a bias per output: a max's bias is
            # compared at the first sizes only, as its other findings are.
            id="a max's bias compared at the first sizes only",
        ),
        pytest.param(
            "o.formula",
            "y_{i,(g-1)D/G+n} = \\sum_{u=1}^{2}\\sum_{l=1}^{C} w_{u,l,g,n} x_{i,l} + b_{g,n}",
            ("correct", 4.0, None),
            (
                "Correct: your formula defines the same layer.",
                "Your formula writes 2·C·D + D parameters, but only C·D + D of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
            ),
            id="the weights written counted over an output index written as blocks",
        ),
    ],
)
def test_a_formula_checked_first_at_one_position(item, answer, outcome, feedback):
    result = grade_answer(ONE_POSITION, ONE_POSITION.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback


# Branch checks2: survivors of `--sample 40 --seed 53` on grader/kinds/formula/check.py, on
# the course rubric (sizes P=5, Q=4 and P=6, Q=7).
Q4 = load_rubric_text(
    (Path(__file__).resolve().parent.parent / "rubrics" / "22-52-q4.yaml").read_text(), "q4.yaml"
)


@pytest.mark.parametrize(
    ("item", "answer", "outcome", "feedback"),
    [
        pytest.param(
            "b.formula",
            r"y_{i,j,k} = \sum_{u=-3}^{3}\sum_{v=-3}^{3}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
            ("incorrect", 0.0, "kernel_size"),
            (
                "Your kernel spans the whole image instead of 3×3 positions: it is as large as "
                "the image itself.",
            ),
            id="a fixed 7x7 kernel spans the whole image at both sizes, the 7 of Q=7 included",
        ),
        pytest.param(
            "b.formula",
            # v runs over -1..0 at Q=4 and over nothing at Q=7: a kernel at one size set and
            # none at the other, which covers no image at every size set (its size is told)
            r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{4-Q}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
            ("incorrect", 0.0, "kernel_size"),
            (
                "Your kernel spans 3×2 positions instead of 3×3 positions (with P=5, Q=4, C=3, D=2).",
            ),
            id="a kernel at one size set and none at the other is not said to span the image",
        ),
        pytest.param(
            "a.formula",
            r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j} x_{m,n,l} + b_{i,j,k}",
            ("incorrect", 0.0, "channel_independent"),
            (
                "Your weights do not depend on the output channel, so all D output channels "
                "would differ only by their bias: each output channel needs its own weights.",
            ),
            id="a fully connected layer's output channels named as such",
        ),
    ],
)
def test_the_course_rubrics_kernel_and_channel_words(item, answer, outcome, feedback):
    result = grade_answer(Q4, Q4.items[item], answer)
    assert (result.verdict, result.marks, result.diagnosis) == outcome
    assert result.feedback == feedback
