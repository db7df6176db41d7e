"""Three layer constructs of issue 17 that were refused or misjudged: an output index written
as a sum of its own letters (a grouped convolution's y_{i,j,(g-1)D/G+n}), a window reduced
without its ranges (\\max_{u,v}, \\sum_{u,v}), and a projection with one token per column
(Q = W_Q X, X of shape E×N). Each answer's whole result is asserted: verdict, marks, diagnosis,
every feedback line and every reading note."""

# Formulas and feedback are written out in full, so some lines are long.
# ruff: noqa: E501

from pathlib import Path

import pytest
import sympy

from grader.errors import AnswerError, RubricError
from grader.grade import grade_answer
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.parse import parse_formula
from grader.kinds.formula.terms import LayerSpec, SumRange, TensorSpec
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent
GROUPED = load_rubric(ROOT / "rubrics" / "grouped-q1.yaml")
POOL = load_rubric(ROOT / "rubrics" / "pool-q1.yaml")
# Part d of pool-q1 with index_base 1: a formula counted from 0 is told so.
POOL_FROM_ONE = load_rubric_text(
    (ROOT / "rubrics" / "pool-q1.yaml").read_text().replace("index_base: any", "index_base: 1"),
    "pool-from-one.yaml",
)
COLUMNS = load_rubric(ROOT / "rubrics" / "attn-columns-q1.yaml")
LINEAR = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")  # (e): Y = XW, W of any shape
DENSE = load_rubric(ROOT / "rubrics" / "dense-tanh-q1.yaml")  # x: [C] in, h: [D] out
RNN = load_rubric(ROOT / "rubrics" / "rnn-q1.yaml")
ATTN = load_rubric(ROOT / "rubrics" / "attn-q1.yaml")  # (e): Q = XW_Q + b_Q, W_Q given E×K

ONE_VECTOR = "read as the layer applied to one input vector x (C values), giving h (D values)"

SCALED_W = "read 2·W as your weights: a number times a weight is a weight too, so 2·W is as good a weight as W"
SCALED_w = "read 2·w as your weights: a number times a weight is a weight too, so 2·w is as good a weight as w"
SCALED_W_Q = "Your formula has 2·W_Q where the answer has W_Q: W_Q is the question's K×E matrix, not one of your own, so 2·W_Q is not W_Q."
RIGHT_WITH_W_Q = " With W_Q as the answer has it, your formula defines the right layer."

# (rubric, item, answer, verdict, marks, diagnosis, feedback, reading notes)
GRADED = [
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,(g-1)D/G+n} = \sum_{u,v}\sum_{m=1}^{C/G} w_{u,v,m,(g-1)D/G+n} x_{i+u,j+v,(g-1)C/G+m} + b_{(g-1)D/G+n}",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read the ranges your formula leaves out as the question's window: u = -1..1, v = -1..1",
            "read the output index n+D(g-1)/G with g = 1..G, n = 1..D/G",
        ),
        id="grouped: output channel (g-1)D/G+n, window ranges left out",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,(g-1)D/G+n} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,g,n} x_{i+u,j+v,(g-1)C/G+m} + b_{g,n}, 1 \leq g \leq G, 1 \leq n \leq D/G",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read the output index n+D(g-1)/G with g = 1..G, n = 1..D/G",),
        id="grouped: the ranges of g and n written as conditions",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,n+(g-1)D/G} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,g,n} x_{i+u,j+v,(g-1)C/G+m} + b_{g,n}, 0 < n < D/G + 1",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read the output index n+D(g-1)/G with g = 1..G, n = 1..D/G",),
        id="grouped: n's range written with strict comparisons",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,(g-1)D/G+n} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,g,n} x_{i+u,j+v,(g-1)C/G+m}",
        "partial",
        2.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output channel has one, shared by every position.",
        ),
        ("read the output index n+D(g-1)/G with g = 1..G, n = 1..D/G",),
        id="grouped: output index as a sum, bias left out",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,(g-1)C/G+n} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,g,n} x_{i+u,j+v,(g-1)C/G+m} + b_{g,n}",
        "incorrect",
        0.0,
        "output_index",
        (
            "Your output index n+C(g-1)/G, with g = 1..G, n = 1..D/G, does not name each output once: with P=5, Q=4, C=4, D=6, G=2, it never names y[1,1,6] and names y[1,1,3] twice. Each combination of g and n must name its own output, and every output one combination.",
            "Your formula writes 114 (with P=5, Q=4, C=4, D=6, G=2) parameters, but only 113 (with P=5, Q=4, C=4, D=6, G=2) of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        ("read the output index n+C(g-1)/G with g = 1..G, n = 1..D/G",),
        id="grouped: C/G where D/G belongs names a channel twice",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,gD/G+n} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,g,n} x_{i+u,j+v,(g-1)C/G+m} + b_{g,n}",
        "incorrect",
        0.0,
        "output_index",
        (
            "Your output index Dg/G+n, with g = 1..G, n = 1..D/G, does not name each output once: with P=5, Q=4, C=4, D=6, G=2, it never names y[1,1,1] and names y[1,1,7], outside y (5×4×6). Each combination of g and n must name its own output, and every output one combination.",
        ),
        ("read the output index Dg/G+n with g = 1..G, n = 1..D/G",),
        id="grouped: gD/G+n counted from 1 misses the first channels",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,gD/G+n} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=0}^{C/G-1} w_{u,v,m,g,n} x_{i+u,j+v,gC/G+m} + b_{g,n}",
        "incorrect",
        0.0,
        "index_base",
        (
            "Your formula is indexed from 0, but this question indexes from 1: read with indices counted from 0, it defines the right layer; counted from 1, as the question asks, it does not.",
        ),
        ("read the output index Dg/G+n with g = 1..G, n = 1..D/G",),
        id="grouped: gD/G+n with everything counted from 0",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,g+n} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,g,n} x_{i+u,j+v,(g-1)C/G+m} + b_{g,n}",
        "needs_review",
        0.0,
        "range_unknown",
        (
            "The output index g+n names an output by g and n, whose ranges cannot be told from it: write them after the formula, e.g. y_{…} = …, 1 ≤ g ≤ …, 1 ≤ n ≤ ….",
            "An instructor will review it.",
        ),
        (),
        id="grouped: g+n cannot tell its ranges: review",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,(g-1)D/G+n} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,g,n} x_{i+u,j+v,(g-1)C/G+m} + b_{g,n}, 1 \leq g \leq G, 1 \leq n \leq D",
        "incorrect",
        0.0,
        "output_index",
        (
            "Your output index n+D(g-1)/G, with g = 1..G, n = 1..D, does not name each output once: with P=5, Q=4, C=4, D=6, G=2, it names y[1,1,4] twice and names y[1,1,7], outside y (5×4×6). Each combination of g and n must name its own output, and every output one combination.",
            "Your formula writes 171 (with P=5, Q=4, C=4, D=6, G=2) parameters, but only 168 (with P=5, Q=4, C=4, D=6, G=2) of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        ("read the output index n+D(g-1)/G with g = 1..G, n = 1..D",),
        id="grouped: n written to run over all D channels",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",
            "read the indices as counted from 0",
        ),
        id="max pooling: max over u,v counted from 0",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v} x_{2i-1+u,2j-1+v,k}",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",),
        id="max pooling: max over u,v counted from 1",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{uv} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",
            "read the indices as counted from 0",
        ),
        id="max pooling: max over uv as one run of letters",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v=0}^{1} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read the max over u, v as one max over each: u = 0..1, v = 0..1",
            "read the indices as counted from 0",
        ),
        id="max pooling: one max over u,v with their range",
    ),
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u,v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read the sum over u, v as one sum over each: u = 0..1, v = 0..1",),
        id="average pooling: one sum over u,v with their range",
    ),
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u,v=0}^{1} x_{2i+u,2j+v,k}",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read the sum over u, v as one sum over each: u = 0..1, v = 0..1",
            "read the indices as counted from 0",
        ),
        id="average pooling: one sum over u,v, counted from 0",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v} x_{i+u,j+v,k}",
        "partial",
        1.0,
        "pooling_window",
        ("Your windows move by 1×1 positions; this pooling's move by 2×2 (its stride).",),
        ("read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",),
        id="max pooling: max over u,v with stride 1",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v} x_{2i+u+1,2j+v,k}",
        "partial",
        1.0,
        "pooling_window",
        (
            "Your windows hold the wrong inputs: with P=6, Q=4, C=3, z[1,1,1] reads x[3,2,1], x[3,3,1], x[4,2,1] and x[4,3,1]; it should take the max of x[1,1,1], x[1,2,1], x[2,1,1] and x[2,2,1].",
        ),
        ("read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",),
        id="max pooling: a window one place off, told as a max",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v} x_{2i+u+v,2j,k}",
        "needs_review",
        0.0,
        "range_unknown",
        (
            "The max over v has no range, and neither has the max over u, which moves along the same axis of x: which window is meant cannot be told.",
            "An instructor will review it.",
        ),
        (),
        id="max pooling: two maxes along one axis: review",
    ),
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u,v} x_{2i-1+u,2j-1+v,k}",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",),
        id="average pooling: sum over u,v with the mean",
    ),
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \sum_{u,v} x_{2i-1+u,2j-1+v,k}",
        "partial",
        2.0,
        "pooling_scale",
        (
            "Your formula weighs each input of the window by 1; average pooling takes the mean of the 4 inputs of each window, each weighed 1/4.",
        ),
        ("read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",),
        id="average pooling: sum over u,v without the mean",
    ),
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k} + 1",
        "incorrect",
        0.0,
        "fixed_term",
        (
            "Your formula adds a constant term (a number, with no input in it); each output of this pooling is the mean of its window, with nothing added.",
        ),
        ("read the indices as counted from 0",),
        id="average pooling: the mean plus 1, counted from 0, a constant term, not an error",
    ),
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k} + \frac{1}{4}",
        "incorrect",
        0.0,
        "fixed_term",
        (
            "Your formula adds a constant term (a number, with no input in it); each output of this pooling is the mean of its window, with nothing added.",
        ),
        ("read the indices as counted from 0",),
        id="average pooling: the mean plus 1/4, counted from 0, a constant term, not an error",
    ),
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k} + 1",
        "incorrect",
        0.0,
        "fixed_term",
        (
            "Your formula adds a constant term (a number, with no input in it); each output of this pooling is the mean of its window, with nothing added.",
        ),
        (),
        id="average pooling: the mean plus 1, counted from 1, a constant term, not an error",
    ),
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k} + 1",
        "incorrect",
        0.0,
        "fixed_term",
        (
            "Your formula adds a constant term (a number, with no input in it); each output of this pooling is the mean of its window, with nothing added.",
            "Your formula weighs each input of the window by 1; average pooling takes the mean of the 4 inputs of each window, each weighed 1/4.",
        ),
        ("read the indices as counted from 0",),
        id="average pooling: the sum plus 1: both said, a constant term, not an error",
    ),
    pytest.param(
        POOL_FROM_ONE,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v} x_{2i+u,2j+v,k}",
        "incorrect",
        0.0,
        "index_base",
        (
            "Your formula is indexed from 0, but this question indexes from 1: read with indices counted from 0, it defines the right layer; counted from 1, as the question asks, it does not.",
        ),
        ("read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",),
        id="max pooling from 1 only: max over u,v counted from 0",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"Q = W_Q X + b_Q",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="tokens as columns: Q = W_Q X + b_Q",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_n = W_Q x_n + b_Q",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="tokens as columns: q_n = W_Q x_n + b_Q, column n of Q",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_n = W_Q x_n",
        "partial",
        1.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output row has one, shared by every column.",
        ),
        (),
        id="tokens as columns: q_n = W_Q x_n, column n without the bias",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_n = W_Q^T x_n + b_Q",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: your formula uses W_Q as E×K, but W_Q is K×E.",),
        (),
        id="tokens as columns: q_n = W_Q^T x_n uses W_Q transposed",
    ),
    # A vector form is held to the layout its index form would be: the question's W_Q in its
    # shape, a weight of the student's own stored the other way as W_{d,j} is (layout).
    pytest.param(
        ATTN,
        "e.formula",
        r"q_t = W_Q x_t + b_Q",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: your formula uses W_Q as K×E, but W_Q is E×K.",),
        (),
        id="layout: q_t = W_Q x_t uses the given E×K W_Q as K×E",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_t = W_Q^T x_t + b_Q",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="layout: q_t = W_Q^T x_t, the given W_Q as it is",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_t = W x_t + b",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your formula uses W (K×E) where the question gives W_Q (E×K). Read with W as a matrix of its own, it defines the right layer; whether W may stand for W_Q is an instructor's call.",
            "An instructor will review it.",
        ),
        ("read W as a K×E matrix, as your formula uses it",),
        id="given_matrix: q_t = W x_t, W in W_Q's transposed shape, as Q = XW^T + b",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_t = x_t^T W^T + b",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your formula uses W (K×E) where the question gives W_Q (E×K). Read with W as a matrix of its own, it defines the right layer; whether W may stand for W_Q is an instructor's call.",
            "An instructor will review it.",
        ),
        ("read W as a K×E matrix, as your formula uses it",),
        id="given_matrix: q_t = x_t^T W^T, a row times W^T, W in W_Q's transposed shape",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_t = W^T x_t + b",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read W as the question's W_Q (E×K), written without its subscript",),
        id="layout: q_t = W^T x_t, W read as W_Q, in the reference's layout",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        r"y_i = W x_i",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read W as a D×C matrix, as your formula uses it",),
        id="layout: y_i = W x_i, W stored D×C, which matrices: {w: any} allows, said",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        r"y_i = W^T x_i",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="layout: y_i = W^T x_i, W in the reference's layout",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(Wx + b)",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (ONE_VECTOR,),
        id="one vector: h = tanh(Wx + b), W before x as a column",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(W^T x + b)",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (ONE_VECTOR,),
        id="one vector: h = tanh(W^T x + b), W in the reference's layout",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"H = \tanh(XW + b)",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (ONE_VECTOR + ", reading H as h and X as x, with x as a row before a matrix",),
        id="one vector: H = tanh(XW + b), capitals read as the vectors, x a row",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = Wx + b",
        "partial",
        2.0,
        "activation_missing",
        (
            "Your formula has no activation: this layer applies tanh to the weighted sum, tanh(… + b).",
        ),
        (ONE_VECTOR,),
        id="one vector: h = Wx + b, the activation left out",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"Q = W_Q X",
        "partial",
        1.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output row has one, shared by every column.",
        ),
        (),
        id="tokens as columns: the bias left out",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"Q = XW_Q + b_Q",
        "incorrect",
        0.0,
        "shape",
        (
            "The shapes do not fit: Q = X·W_Q + b_Q would need K = E. X is E×N, one token per column, and Q is K×N: the projection is a K×E matrix applied to every column, so it can only multiply X on the left.",
        ),
        (),
        id="tokens as columns: Q = XW_Q explained from the shapes",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"Q^T = X^T W_Q^T + b_Q",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="tokens as columns: transposed both sides",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"Q^T = X^T W_Q^T + b_Q^T",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="tokens as columns: transposed both sides, the bias too (it was a matrix of biases, 0)",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_{k,n} = \sum_{e=1}^{E} w_{k,e} x_{e,n} + b_k",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="tokens as columns: index form",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_{k,n} = \sum_{e=1}^{E} w_{k,e} x_{e,n} + b_n",
        "incorrect",
        0.0,
        "bias_shared",
        (
            "Your bias differs from column to column and is shared by the output rows of a column; in this layer each output row has one bias, shared by every column.",
        ),
        (),
        id="tokens as columns: a bias per token",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_{k,n} = \sum_{e=1}^{E}\sum_{m=1}^{N} w_{k,e,m} x_{e,m} + b_k",
        "incorrect",
        0.0,
        "fully_connected",
        (
            "Every output reads every input: that is a fully connected layer, but in a projection each output column reads only its own input column, through the same weights for every column.",
            "Your weights depend on the column, so they are not shared across columns: this is not a projection, which applies the same weights to every column.",
        ),
        (),
        id="tokens as columns: every token read",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_{k,n} = \sum_{e=1}^{E} w_{e} x_{e,n} + b_k",
        "incorrect",
        0.0,
        "channel_independent",
        (
            "Your weights do not depend on the output row, so all K output rows would differ only by their bias: each output row needs its own weights.",
        ),
        (),
        id="tokens as columns: weights shared by the output rows",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_{k,n} = \sum_{e=1}^{E} w_{k,e} x_{e,n+1} + b_k",
        "incorrect",
        0.0,
        "connectivity",
        (
            "Your outputs read the wrong inputs: with N=5, E=4, K=3, Q[1,1] should read X[1,1], but in your formula it does not.",
            "Your formula reads X outside its range at the border; this layer has no padding, so every index must stay within the input's size.",
        ),
        (),
        id="tokens as columns: the next token read",
    ),
    # Brackets in a matrix form: around a product, around the right side, transposed
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = (W_Q X) + b_Q",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="brackets around a product",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = (W_Q X + b_Q)",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="brackets around the right side",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = (X^T W_Q^T)^T + b_Q",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read (Xᵀ·W_Qᵀ)ᵀ as W_Q·X",),
        id="a transposed bracket is the product of the transposes, reversed",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "Y = (W X^T)^T",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read (W·Xᵀ)ᵀ as X·Wᵀ", "read W as a D×C matrix, so that X·Wᵀ is PQ×D"),
        id="a transposed bracket, with W stored D×C",
    ),
    # A left side in brackets: transposed, it transposes both sides, as Qᵀ = … does
    pytest.param(
        COLUMNS,
        "a.formula",
        "(Q)^T = (W_Q X)^T + b_Q^T",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read (Q)ᵀ as Qᵀ", "read (W_Q·X)ᵀ as Xᵀ·W_Qᵀ"),
        id="a transposed left side in brackets",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "(Q)^T = W_Q X + b_Q",
        "incorrect",
        0.0,
        "shape",
        (
            "The shapes do not fit: Qᵀ = W_Q·X + b_Q would need K = N. X is E×N, one token per "
            "column, and Q is K×N: the projection is a K×E matrix applied to every column, so "
            "it can only multiply X on the left.",
        ),
        ("read (Q)ᵀ as Qᵀ",),
        id="a transposed left side in brackets is transposed",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "(Y)^T = (XW)^T",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read (Y)ᵀ as Yᵀ", "read (X·W)ᵀ as Wᵀ·Xᵀ"),
        id="(Y)ᵀ",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "(Y^T)^T = XW",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read (Yᵀ)ᵀ as Y",),
        id="a transposed transpose",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "(Y) = XW",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (),
        id="a left side in brackets",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "Y = (2 W X^T)^T",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read (2·W·Xᵀ)ᵀ as 2·X·Wᵀ",
            "read W as a D×C matrix, so that 2·X·Wᵀ is PQ×D",
            SCALED_W,
        ),
        id="a number in a transposed bracket, on the student's own W: said in a note",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = (X^T 2 W_Q^T)^T + b_Q",
        "incorrect",
        0.0,
        "given_scaled",
        (SCALED_W_Q + RIGHT_WITH_W_Q,),
        ("read (2·Xᵀ·W_Qᵀ)ᵀ as 2·W_Q·X",),
        id="a number in a transposed bracket, on the declared W_Q: 2·W_Q is not W_Q (it had full marks)",
    ),
]

# --- A number times a matrix (issue fscale) ------------------------------------------------
# A number times a weight of the student's own is that weight scaled: the same layer, said in
# a note (the comparison takes weights up to their values, and said nothing). A number times
# a matrix the question declares with its shape (attn-columns-q1's W_Q: [K, E]) is another
# matrix: a `given_scaled` finding (it had full marks).
GRADED += [
    pytest.param(
        LINEAR,
        "e.formula",
        "Y = 2XW",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (SCALED_W,),
        id="Y = 2XW, W the student's own (matrices: {W: any}): right, with a note",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "Y = -XW",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read -W as your weights: a number times a weight is a weight too, so -W is as good "
            "a weight as W",
        ),
        id="Y = -XW: a minus is a number too",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "Y = XW + 2XV",
        "correct",
        2.0,
        None,
        (
            "Correct: your formula defines the same layer.",
            "Your formula writes 2·C·D parameters, but only 6 (with P=5, Q=4, C=3, D=2) of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all.",
        ),
        (
            "read 2·V as your weights: a number times a weight is a weight too, so 2·V is as "
            "good a weight as V",
            "read V as part of W: every input V multiplies, W multiplies too, for the same output, so V only adds to W and together they act as one weight",
        ),
        id="a number on one of two terms: its weight is said",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} 2 w_{u,v,l,k} x_{i+u,j+v,l} + b_k",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (SCALED_w,),
        id="with indices: 2 w_{u,v,l,k}",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + 2b_k",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read 2·b as your bias: a number times a bias is a bias",),
        id="a number on the bias only",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} 2 w_{u,v,l,k} x_{i+u,j+v,l}",
        "partial",
        2.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output channel has one, shared by every position.",
        ),
        (SCALED_w,),
        id="a scaled weight on a formula wrong otherwise: still said",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = 2 W_Q X + b_Q",
        "incorrect",
        0.0,
        "given_scaled",
        (SCALED_W_Q + RIGHT_WITH_W_Q,),
        (),
        id="Q = 2 W_Q X + b_Q, W_Q declared K×E: not W_Q (it had full marks)",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = 2 W_Q X",
        "incorrect",
        0.0,
        "given_scaled",
        (
            SCALED_W_Q,
            "Your formula has no bias; this layer has one: each output row has one, shared by every column.",
        ),
        (),
        id="2 W_Q and no bias: both said, 0 (it had the bias's partial credit)",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = W_Q X + 2 b_Q",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read 2·b_Q as your bias: a number times a bias is a bias",),
        id="a number on the undeclared bias: the student's own, with a note",
    ),
]


# Index notations a marker reads that were refused as unreadable: a sum's range that moves with
# an output index, a superscript index on a weight or a bias, a matrix's name with its entry's
# subscripts, a max over a list or over a set-style range. Each is read, with a note.
CORRECT = ("Correct: your formula defines the same layer.",)
COUNTED_FROM_0 = "read the indices as counted from 0"
POOL_EACH = "read the max over u, v as one max over each: u = 0..1, v = 0..1"
GRADED += [
    pytest.param(
        LINEAR,
        "b.formula",
        r"y_{i,j,k} = \sum_{m=i-1}^{i+1}\sum_{n=j-1}^{j+1}\sum_{l=1}^{C} w_{m-i+2,n-j+2,l,k} x_{m,n,l} + b_k",
        "correct",
        3.0,
        None,
        CORRECT,
        (
            "read the sum over m = i-1..i+1 as one over m = i+u with u = -1..1",
            "read the sum over n = j-1..j+1 as one over n = j+v with v = -1..1",
        ),
        id="a sum's range that moves with the output index: m = i+u",
    ),
    pytest.param(
        LINEAR,
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w^{(k)}_{l} x_{i,j,l} + b^{k}",
        "correct",
        3.0,
        None,
        CORRECT,
        (
            "read w^{(k)}_{l} as w_{k,l}, its superscript an index",
            "read b^{k} as b_{k}, its superscript an index",
        ),
        id="superscript indices before the subscript: w^{(k)}_l, b^{k}",
    ),
    pytest.param(
        LINEAR,
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l}^{(k)} x_{i,j,l} + b^{(k)}",
        "correct",
        3.0,
        None,
        CORRECT,
        (
            "read w_{l}^{(k)} as w_{l,k}, its superscript an index",
            "read b^{(k)} as b_{k}, its superscript an index",
        ),
        id="superscript indices after the subscript: w_l^{(k)}, b^{(k)}",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_{k,n} = \sum_{e=1}^{E} (W_Q)_{k,e} x_{e,n} + b_k",
        "correct",
        2.0,
        None,
        CORRECT,
        ("read (W_Q)_{k,e} as the entry k,e of W_Q",),
        id="a matrix's entry written (W_Q)_{k,e}",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_{k,n} = \sum_{e=1}^{E} W_{Q,k,e} x_{e,n} + b_k",
        "correct",
        2.0,
        None,
        CORRECT,
        ("read W_{Q,k,e} as the entry k,e of W_Q",),
        id="a matrix's entry written W_{Q,k,e}",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max\{x_{2i,2j,k}, x_{2i+1,2j,k}, x_{2i,2j+1,k}, x_{2i+1,2j+1,k}\}",
        "correct",
        2.0,
        None,
        CORRECT,
        (
            "read the max of the 4 entries of x as the max over its window, u = 0..1, v = 0..1: x_{2i+u,2j+v,k}",
            COUNTED_FROM_0,
        ),
        id="max pooling as the max of a list of the window's entries",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max(x_{2i-1,2j-1,k}, x_{2i,2j-1,k}, x_{2i-1,2j,k}, x_{2i,2j,k})",
        "correct",
        2.0,
        None,
        CORRECT,
        (
            "read the max of the 4 entries of x as the max over its window, u = 0..1, v = 0..1: x_{2i+u-1,2j+v-1,k}",
        ),
        id="the list in round brackets, counted from 1",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v \in \{0,1\}} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        CORRECT,
        (POOL_EACH, COUNTED_FROM_0),
        id="max over u, v in a set {0,1}",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u \in \{0, \ldots, 1\}}\max_{v \in \{0,1\}} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        CORRECT,
        (COUNTED_FROM_0,),
        id="max over u in {0, ..., 1}",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{0 \le u,v \le 1} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        CORRECT,
        (POOL_EACH, COUNTED_FROM_0),
        id="max over 0 <= u,v <= 1",
    ),
]


# --- A term written twice, or one that only adds to another (issue fdup) -------------------
# The same layer (b_k + b_k is one bias, 2·b; X·W_1 + X·W_2 is X·(W_1 + W_2)), so the marks
# are kept, as for a number times the student's own weight, with a note naming what is written
# twice or only adds to another parameter (it was marked right with no note). On a matrix the
# question gives, the terms add up to another number times it: `given_scaled`
# (tests/test_formula_matrix_shapes.py, "the same term twice is 2·G").
CONV3 = r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l}"
AS_FEW = "Your formula writes {} parameters, but only {} (with P=5, Q=4, C=3, D=2) of them act independently: weights that are only ever added together, or that never meet an input, count as one or not at all."
GRADED += [
    pytest.param(
        LINEAR,
        "b.formula",
        CONV3 + " + b_k + b_k",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read your term in b, written twice, as one term in 2·b: a bias written twice adds up to one bias, and a number times a bias is a bias",
        ),
        id="b_k + b_k: one bias, 2·b",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        CONV3 + r" + \sum_{p=-1}^{1}\sum_{q=-1}^{1}\sum_{m=1}^{C} w_{p,q,m,k} x_{i+p,j+q,m} + b_k",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read your term in w, written twice, as one term in 2·w: a weight written twice adds up to one weight, and a number times a weight is a weight too, so 2·w is as good a weight as w",
        ),
        id="the whole weighted sum twice, with other letters: one term in 2·w",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "Y = XW + XW",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read your term in W, written twice, as one term in 2·W: a weight written twice adds up to one weight, and a number times a weight is a weight too, so 2·W is as good a weight as W",
        ),
        id="XW + XW: one term in 2·W",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        CONV3 + " + b_k - b_k",
        "partial",
        2.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output channel has one, shared by every position.",
            AS_FEW.format("9·C·D + D", "54"),
        ),
        ("read your term in b, written twice, as none: its numbers add up to 0",),
        id="b_k - b_k: no bias, and said why",
    ),
    pytest.param(
        LINEAR,
        "e.formula",
        "Y = XW_1 + XW_2",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.", AS_FEW.format("2·C·D", "6")),
        (
            "read W_2 as part of W_1: every input W_2 multiplies, W_1 multiplies too, for the same output, so W_2 only adds to W_1 and together they act as one weight",
        ),
        id="XW_1 + XW_2: one weight, W_1 + W_2",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        CONV3 + r" + \sum_{l=1}^{C} a_{l,k} x_{i,j,l} + b_k",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.", AS_FEW.format("10·C·D + D", "56")),
        (
            "read a as part of w: every input a multiplies, w multiplies too, for the same output, so a only adds to w and together they act as one weight",
        ),
        id="a 1x1 term besides the 3x3 sum: it only adds to w's centre",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        CONV3 + " + b_k + c_k",
        "correct",
        3.0,
        None,
        ("Correct: your formula defines the same layer.", AS_FEW.format("9·C·D + 2·D", "56")),
        (
            "read c as part of b: every output c is added to, b is added to too, so c only adds to b and together they act as one bias",
        ),
        id="two biases b_k + c_k: one bias",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        CONV3 + r" + \sum_{l=1}^{C} a_{l,k} x_{i+1,j+1,l}",
        "partial",
        2.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output channel has one, shared by every position.",
            AS_FEW.format("10·C·D", "54"),
        ),
        (
            "read a as part of w: every input a multiplies, w multiplies too, for the same output, so a only adds to w and together they act as one weight",
        ),
        id="a term that only adds, on a formula wrong otherwise: still said",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = W_Q X + W_Q X + b_Q",
        "incorrect",
        0.0,
        "given_scaled",
        (
            "Your formula's terms in W_Q add up to 2·W_Q where the answer has W_Q: W_Q is the question's K×E matrix, not one of your own, so 2·W_Q is not W_Q."
            + RIGHT_WITH_W_Q,
        ),
        (),
        id="the declared W_Q written twice: 2·W_Q, given_scaled, no note",
    ),
]


# --- A vector of ones times a bias ----------------------------------------------------------
# `1 b_Qᵀ` (ones on the left) is b_Q added to every row, `b_Q 1ᵀ` to every column, said in a
# note; the 1 of `Q = XW_Q + 1 b_Q^T` was dropped without one, and `\mathbf{1}` refused.
CORRECT_LAYER = ("Correct: your formula defines the same layer.",)
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + 1 b_Q^T",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read 1·b_Qᵀ as the bias b_Q added to every row of Q",),
        id="1 b_Qᵀ: b_Q in every row, said in a note (the 1 was dropped silently)",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = XW_Q + \mathbf{1}\mathbf{b}^\top",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read 1·bᵀ as the bias b added to every row of Q",),
        id="\\mathbf{1}\\mathbf{b}^\\top",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = XW_Q + \mathbf{1}_N b_Q^\top",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read 1_N·b_Qᵀ as the bias b_Q added to every row of Q",),
        id="\\mathbf{1}_N b_Qᵀ",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + 1 b_Q",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read 1·b_Q as the bias b_Q added to every row of Q, taking b_Q as a row vector",),
        id="1 b_Q: b_Q taken as a row vector, said",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_Q 1^T",
        "incorrect",
        0.0,
        "bias_shared",
        (
            "Your bias differs from row to row and is shared by the output columns of a row; in this layer each output column has one bias, shared by every row.",
        ),
        ("read b_Q·1ᵀ as the bias b_Q added to every column of Q",),
        id="b_Q 1ᵀ with tokens as rows: a bias per token, not full marks",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + 1_K b_Q^T",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: 1_K·b_Qᵀ has K rows, but Q has N.",),
        (),
        id="ones of the wrong length",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = W_Q X + b_Q 1^T",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read b_Q·1ᵀ as the bias b_Q added to every column of Q",),
        id="tokens as columns: b_Q 1ᵀ",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = W_Q X + 1 b_Q^T",
        "incorrect",
        0.0,
        "bias_shared",
        (
            "Your bias differs from column to column and is shared by the output rows of a column; in this layer each output row has one bias, shared by every column.",
        ),
        ("read 1·b_Qᵀ as the bias b_Q added to every row of Q",),
        id="tokens as columns: 1 b_Qᵀ is a bias per token",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q^T = X^T W_Q^T + 1_N b_Q^T",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read 1_N·b_Qᵀ as the bias b_Q added to every row of Qᵀ",),
        id="tokens as columns, transposed: 1_N b_Qᵀ in every row of Qᵀ",
    ),
    # `\max_u\max_v` with nothing between, as LaTeX is written: two maxes (the second was
    # glued to the first's index, `umax`, and v was unknown).
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_u\max_v x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",
            "read the indices as counted from 0",
        ),
        id="max pooling: \\max_u\\max_v with no space between",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_u\max_v (-x_{2i+u,2j+v,k})",
        "incorrect",
        0.0,
        "pooling_min",
        (
            "A minus sign inside a max makes it a min, max(-x) = -min(x): your formula takes minus the smallest input of each window; max pooling takes the largest input of each window.",
        ),
        (
            "read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",
            "read the max of negated inputs as minus their min: max(-x) = -min(x)",
            "read the indices as counted from 0",
        ),
        id="max pooling: \\max_u\\max_v of negated inputs, no space between",
    ),
    # Ranges written one after another under one max, with strict bounds (it was refused at
    # the comma); a min is read as a max is (it was an unsupported command), and minus the min
    # of negated inputs is the max: max pooling.
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{0 \le u < 2, 0 \le v < 2} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        ("read the indices as counted from 0",),
        id="max pooling: two strict ranges under one max",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \min_{u,v} x_{2i+u,2j+v,k}",
        "incorrect",
        0.0,
        "pooling_min",
        (
            "Your formula takes the smallest input of each window; max pooling takes the largest input of each window.",
        ),
        (
            "read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",
            "read the indices as counted from 0",
        ),
        id="min pooling where max pooling belongs: told as a min, with no minus sign",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = -\min_{u,v}(-x_{2i+u,2j+v,k})",
        "correct",
        2.0,
        None,
        ("Correct: your formula defines the same layer.",),
        (
            "read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",
            "read the min of negated inputs as minus their max: min(-x) = -max(x)",
            "read the indices as counted from 0",
        ),
        id="minus the min of negated inputs: max pooling",
    ),
    # A list of entries that fill no whole window (it was refused): read as written, and
    # marked as the wrong window it is.
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max\{x_{2i,2j,k}, x_{2i+1,2j,k}, x_{2i,2j+1,k}\}",
        "incorrect",
        0.0,
        "pooling_inputs",
        (
            "Your windows are not this pooling's: with P=6, Q=4, C=3, z[0,0,0] reads x[0,0,0], x[0,1,0] and x[1,0,0]; it should take the max of x[0,0,0], x[0,1,0], x[1,0,0] and x[1,1,0].",
        ),
        ("read the indices as counted from 0",),
        id="a max of three entries of a window: read, the wrong window, quoted from 0 as written",
    ),
    # probe5 F-i: a bias per token is more than the layer has; it earned less than no bias
    pytest.param(
        COLUMNS,
        "a.formula",
        "q_n = W_Q x_n + b_n",
        "partial",
        1.0,
        "bias_unshared",
        (
            "Your bias differs from column to column; in this layer each output row has one bias, shared by every column.",
        ),
        (),
        id="tokens as columns: a bias per token earns what no bias does",
    ),
    # probe5 F-h: how an answer was read is said beside a shape finding too
    pytest.param(
        ATTN,
        "e.formula",
        r"XW_Q^T + b_Q = Q",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: Q = X·W_Qᵀ + b_Q needs W_Q to be K×E, but W_Q is E×K.",),
        ("read XW_Q^T + b_Q = Q as Q = XW_Q^T + b_Q",),
        id="the output named after: its note kept with a shape finding",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} W_{Q,k,e} x_{n,e} + b_k",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: your formula indexes W_Q as K×E, but W_Q is E×K.",),
        ("read W_{Q,k,e} as the entry k,e of W_Q",),
        id="W_{Q,k,e}: the entry note kept with a shape finding",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} (W_Q)_{k,e} x_{n,e} + b_k",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: your formula indexes W_Q as K×E, but W_Q is E×K.",),
        ("read (W_Q)_{k,e} as the entry k,e of W_Q",),
        id="(W_Q)_{k,e}: the entry note kept with a shape finding",
    ),
    # probe5 F-c: the question's key or value projection (matrices: {W_K: other, W_V: other})
    # where the part asks for the query's; W_{K,e,k}, K a size, read as W_K's entry with a note
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = XW_V + b_V",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your formula uses W_V and b_V, which the question gives for something else. Read with W_V and b_V as parameters of their own, it defines the right layer; whether W_V and b_V may be there is an instructor's call.",
            "An instructor will review it.",
        ),
        (),
        id="the value projection's W_V for the queries: to a person",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} W_{V,e,k} x_{n,e} + b_{V,k}",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your formula uses W_V and b_V, which the question gives for something else. Read with W_V and b_V as parameters of their own, it defines the right layer; whether W_V and b_V may be there is an instructor's call.",
            "An instructor will review it.",
        ),
        (
            "read W_{V,e,k} as the entry e,k of W_V",
            "read b_{V,k} as the entry k of b_V",
        ),
        id="W_{V,e,k}, the value projection's entries, for the queries: to a person",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} W_{K,e,k} x_{n,e} + b_{K,k}",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your formula uses W_K and b_K, which the question gives for something else. Read with W_K and b_K as parameters of their own, it defines the right layer; whether W_K and b_K may be there is an instructor's call.",
            "An instructor will review it.",
        ),
        (
            "read W_{K,e,k} as the entry e,k of W_K, K a part of its name, not the size K",
            "read b_{K,k} as the entry k of b_K, K a part of its name, not the size K",
        ),
        id="W_{K,e,k}, K a size: the key projection W_K's entry, with a note, to a person",
    ),
    # probe9 S2-e: rnn-q1's `W_{x,k,e}` was refused ("unknown index x"), though `(W_x)_{k,e}`
    # is read: a small letter that is no index here, making one of the question's names (W_x,
    # W_h), is read as part of that name, as W_{Q,k,e} is, with a note.
    pytest.param(
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh(\sum_e W_{x,k,e} x_{t,e} + \sum_j W_{h,k,j} h_{t-1,j} + b_k)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            "read W_{x,k,e} as the entry k,e of W_x, x a part of its name, not an index",
            "read W_{h,k,j} as the entry k,j of W_h, h a part of its name, not an index",
        ),
        id="rnn-q1 W_{x,k,e} and W_{h,k,j}: the entries of W_x and W_h, with notes",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh(\sum_e W_{h,k,e} x_{t,e} + \sum_j W_{x,k,j} h_{t-1,j} + b_k)",
        "partial",
        2.0,
        "weights_swapped",
        (
            "Your W_h multiplies x_t and your W_x multiplies h_{t-1}: in this question W_x weighs x_t and W_h weighs h_{t-1}.",
        ),
        (
            "read W_{h,k,e} as the entry k,e of W_h, h a part of its name, not an index",
            "read W_{x,k,j} as the entry k,j of W_x, x a part of its name, not an index",
        ),
        id="guard: rnn-q1 W_{h,k,e} on x_t: the weights swapped, its partial credit only",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh(\sum_e W_{x,k,e} x_{t,e} + b_k)",
        "incorrect",
        0.0,
        "recurrent_missing",
        (
            "Your h_t never reads h_{t-1}: without the recurrent term, the state carries nothing from one step to the next; this is a layer applied to each input on its own, not a recurrent cell.",
        ),
        ("read W_{x,k,e} as the entry k,e of W_x, x a part of its name, not an index",),
        id="guard: rnn-q1 W_{x,k,e} without the recurrent term: 0",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_V",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your formula uses b_V, which the question gives for something else. Read with b_V as a parameter of its own, it defines the right layer; whether b_V may be there is an instructor's call.",
            "An instructor will review it.",
        ),
        (),
        id="the value projection's bias b_V for the queries: to a person",
    ),
    # probe5 F-f: a lower-case w read as the weight matrix is said so, not silently
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(\mathbf{w}^\top \mathbf{x} + b)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            ONE_VECTOR,
            "read w as a C×D matrix, as your formula uses it, not as a vector (a vector w would give every entry of h the same weighted sum)",
        ),
        id="bold lower-case wᵀx: w read as a C×D matrix, said",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(w^T x + b)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            ONE_VECTOR,
            "read w as a C×D matrix, as your formula uses it, not as a vector (a vector w would give every entry of h the same weighted sum)",
        ),
        id="plain wᵀx: w read as a C×D matrix, said",
    ),
    # probe5 F-g: the input's channel written as a superscript, as w^{(k)}_l's index is read
    pytest.param(
        LINEAR,
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x^{(l)}_{i,j} + b_k",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        ("read x^{(l)}_{i,j} as x_{i,j,l}, its superscript the channel",),
        id="x^{(l)}_{i,j}: the channel as a superscript, read",
    ),
    pytest.param(
        LINEAR,
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j}^{(l)} + b_k",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        ("read x_{i,j}^{(l)} as x_{i,j,l}, its superscript the channel",),
        id="x_{i,j}^{(l)}: the channel as a superscript after, read",
    ),
    # probe5 F-h: a window whose column follows i, not j (stride 0 along the width), with its
    # weights indexed by the offset: no weights "that depend on the position"
    pytest.param(
        LINEAR,
        "b.formula",
        r"y_{i,j,k} = \sum_{m=i-1}^{i+1}\sum_{n=m-1}^{m+1}\sum_l w_{m-i,n-m,l,k} x_{m,n,l} + b_k",
        "incorrect",
        0.0,
        "stride",
        ("Your stride is 0 along the width; the layer has stride 1 in both directions.",),
        (
            "read the sum over m = i-1..i+1 as one over m = i+u with u = -1..1",
            "read the sum over n = i+u-1..i+u+1 as one over n = i+u+v with v = -1..1",
        ),
        id="a window that never moves with j: its stride, not weights of each position",
    ),
]


# --- The question's W_Q scaled, where the reference writes the weight as its own w ----------
# attn-q1 (e) declares `matrices: {W_Q: [E, K]}` but its reference writes w_{e,k}: 2·W_Q was
# read as the student's own weight ("2·W_Q is as good a weight as W_Q", 2/2), while
# attn-columns-q1, whose reference names W_Q, gives `given_scaled`. Now both do; the student's
# own W scaled is still a note.
DECLARED_W_Q_SCALED = "Your formula has {} where the answer has W_Q: W_Q is the question's E×K matrix, not one of your own, so {} is not W_Q."
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        text,
        "incorrect",
        0.0,
        "given_scaled",
        (DECLARED_W_Q_SCALED.format(scaled, scaled) + RIGHT_WITH_W_Q,),
        notes,
        id=f"attn-q1: {text}",
    )
    for text, scaled, notes in [
        ("Q = 2XW_Q + b_Q", "2·W_Q", ()),
        ("Q = -XW_Q + b_Q", "-W_Q", ()),
        ("q_t = 2 W_Q^T x_t + b_Q", "2·W_Q", ()),
        (
            r"q_{n,k} = \sum_{e=1}^{E} 2 (W_Q)_{e,k} x_{n,e} + b_k",
            "2·W_Q",
            ("read (W_Q)_{e,k} as the entry e,k of W_Q",),
        ),
    ]
]
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + XW_Q + b_Q",
        "incorrect",
        0.0,
        "given_scaled",
        (
            "Your formula's terms in W_Q add up to 2·W_Q where the answer has W_Q: W_Q is the question's E×K matrix, not one of your own, so 2·W_Q is not W_Q."
            + RIGHT_WITH_W_Q,
        ),
        (),
        id="attn-q1: the declared W_Q written twice, given_scaled",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = 2XW + b",
        "incorrect",
        0.0,
        "given_scaled",
        (
            "Your formula has 2·W_Q where the answer has W_Q: W_Q is the question's E×K matrix, not one of your own, so 2·W_Q is not W_Q. With W_Q as the answer has it, your formula defines the right layer.",
        ),
        ("read W as the question's W_Q (E×K), written without its subscript",),
        id="attn-q1: W is the question's W_Q without its subscript, so 2W is W_Q scaled, said",
    ),
]

# --- The question's W_Q scaled, written with indices in a letter of the student's own --------
# probe9 S1-a: attn-q1's `Σ_e 2 w_{e,k} x_{n,e} + b_k` had 2/2 ("2·w is as good a weight as
# w") where `Q = 2XW + b` has 0 (given_scaled): an index form's w_{e,k} (or W_{e,k}) are the
# entries of the question's W_Q, E×K, so a number times them is W_Q scaled, in every form.
# Where the weight is the student's own (22-52-q4, dense-tanh-q1), 2·w is still a note.
ENTRIES_OF_W_Q = "read {} as the question's W_Q ({}), written with indices in a letter of your own"
GRADED += [
    pytest.param(
        rubric,
        item,
        text,
        "incorrect",
        0.0,
        "given_scaled",
        (DECLARED_W_Q_SCALED.replace("E×K", shape).format(scaled, scaled) + RIGHT_WITH_W_Q,),
        (ENTRIES_OF_W_Q.format(letter, shape),),
        id=f"{name}: {text}",
    )
    for rubric, name, item, text, scaled, letter, shape in [
        (
            ATTN,
            "attn-q1",
            "e.formula",
            r"q_{n,k} = \sum_{e=1}^{E} 2 w_{e,k} x_{n,e} + b_k",
            "2·W_Q",
            "w",
            "E×K",
        ),
        (
            ATTN,
            "attn-q1",
            "e.formula",
            r"q_{n,k} = \sum_{e=1}^{E} 2 W_{e,k} x_{n,e} + b_k",
            "2·W_Q",
            "W",
            "E×K",
        ),
        (
            ATTN,
            "attn-q1",
            "e.formula",
            r"q_{n,k} = -\sum_{e=1}^{E} w_{e,k} x_{n,e} + b_k",
            "-W_Q",
            "w",
            "E×K",
        ),
        (
            COLUMNS,
            "attn-columns-q1",
            "a.formula",
            r"q_{k,n} = \sum_{e=1}^{E} 2 w_{k,e} x_{e,n} + b_k",
            "2·W_Q",
            "w",
            "K×E",
        ),
    ]
]
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} 2 w_{e,k} x_{n,e}",
        "incorrect",
        0.0,
        "given_scaled",
        (
            DECLARED_W_Q_SCALED.format("2·W_Q", "2·W_Q"),
            "Your formula has no bias; this layer has one: each output column has one, shared by every row.",
        ),
        (ENTRIES_OF_W_Q.format("w", "E×K"),),
        id="guard: attn-q1 2 w_{e,k} and no bias gains nothing (0, both said)",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} A_{e,k} x_{n,e} + b_k",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (),
        id="guard: attn-q1 W_Q's entries in another letter, unscaled: right, no note",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        r"y_{i,k} = \sum_{l=1}^{C} 2 w_{l,k} x_{i,l}",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (SCALED_w,),
        id="guard: 22-52-q4's own weight scaled with indices: still a note, right",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(\sum_l 2 w_{l,k} x_l + b_k)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (SCALED_w,),
        id="guard: dense-tanh-q1's own weight scaled: still a note, right",
    ),
]


# --- An entry of the product of the input and a weight --------------------------------------
# `(XW_Q)_{n,k}` was read as the entry of one matrix named XW_Q and sent to a person as "a
# product of two weights" (there is none): it is row n of the input X times column k of W_Q.
PRODUCT_ENTRY = (
    "read (XW_{0})_{{n,k}} as the entry n,k of X·W_{0}, the sum over u of X[n,u]·W_{0}[u,k]"
)
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = (XW_Q)_{n,k} + b_k",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (PRODUCT_ENTRY.format("Q"),),
        id="(XW_Q)_{n,k}: the entry of the product X·W_Q, said",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = (XW_Q)_{n,k}",
        "partial",
        1.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output column has one, shared by every row.",
        ),
        (PRODUCT_ENTRY.format("Q"),),
        id="(XW_Q)_{n,k} without the bias",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = (XW_V)_{n,k} + b_k",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your formula uses W_V, which the question gives for something else. Read with W_V as a parameter of its own, it defines the right layer; whether W_V may be there is an instructor's call.",
            "An instructor will review it.",
        ),
        (PRODUCT_ENTRY.format("V"),),
        id="(XW_V)_{n,k}: the value projection's weight, given_matrix",
    ),
]


# --- A transposed vector on the left; a weight vector transposed times the input ------------
# `y_i^T = x_i^T W` was refused ("expected '=' after the output, not '^'") though `Q^T = …` is
# read for matrices; `h_k = tanh(w_k^T x + b_k)` was refused as "a power".
TRANSPOSED_LEFT = "read {0}ᵀ on the left as {0}: a vector and its transpose hold the same entries"
ROW_OF_W = (
    "read {} as the sum over u of w_{{k,u}} x_u: the weights w_k of output k, transposed, times x"
)
GRADED += [
    pytest.param(
        LINEAR,
        "d.formula",
        "y_i^T = x_i^T W",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (TRANSPOSED_LEFT.format("y_i"),),
        id="y_iᵀ = x_iᵀ W: the transposed output read, said",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        "y_{i}^{T} = x_i^T W",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (TRANSPOSED_LEFT.format("y_{i}"),),
        id="y_{i}^{T} = x_iᵀ W",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "q_n^T = x_n^T W_Q + b_Q^T",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (TRANSPOSED_LEFT.format("q_n"),),
        id="q_nᵀ = x_nᵀ W_Q + b_Qᵀ",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h^T = \tanh(x^T W + b^T)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (TRANSPOSED_LEFT.format("h"), ONE_VECTOR + ", with x as a row before a matrix"),
        id="hᵀ = tanh(xᵀW + bᵀ): one vector, transposed on the left",
    ),
    *(
        pytest.param(
            DENSE,
            "a.formula",
            rf"h_k = \tanh({written} + b_k)",
            "correct",
            3.0,
            None,
            CORRECT_LAYER,
            (ROW_OF_W.format(written),),
            id=f"{written}: row k of the weights times x",
        )
        for written in ("w_k^T x", "w_k^Tx", "w_{k}^{T} x", r"w_k^\top x")
    ),
    pytest.param(
        DENSE,
        "a.formula",
        "h_k = w_k^T x + b_k",
        "partial",
        2.0,
        "activation_missing",
        (
            "Your formula has no activation: this layer applies tanh to the weighted sum, tanh(… + b).",
        ),
        (ROW_OF_W.format("w_k^T x"),),
        id="w_kᵀx without tanh: read, activation_missing",
    ),
]


# --- Pooling windows that hold the wrong inputs: what the window reads and what it should ----
# "z[1,1,1] should take the max of x[1,1,1]" named one input, as if the window were that one
# input; the message now says the student's window and the whole window it should be.
SHOULD_HOLD = "Your windows hold the wrong inputs: with P=6, Q=4, C=3, {} {}; it should {} x[1,1,1], x[1,2,1], x[2,1,1] and x[2,2,1]."
POOL_RANGES = (
    "read the ranges your formula leaves out as the question's window: u = 0..1, v = 0..1",
)
GRADED += [
    pytest.param(
        POOL,
        "d.formula",
        rf"z_{{i,j,k}} = \max_{{u,v}} x_{{{rows},{cols},k}}",
        "partial",
        1.0,
        "pooling_window",
        (SHOULD_HOLD.format("z[1,1,1]", reads, "take the max of"),),
        POOL_RANGES,
        id=f"max pooling x_{{{rows},{cols},k}}: what the window reads, what it should",
    )
    for rows, cols, reads in [
        ("2i+u", "2j+v+1", "reads x[2,3,1], x[2,4,1], x[3,3,1] and x[3,4,1]"),
        ("2i-2+u", "2j-2+v", "reads only x[1,1,1]"),
    ]
]
# A window that moves by 3 where the sizes checked hold too few whole windows to show it (Q=4,
# Q=6): told what it reads at P=6, Q=4, which is true there only; its stride, from its indices,
# is true at every size.
GRADED += [
    pytest.param(
        POOL,
        item,
        text,
        "partial",
        1.0,
        "pooling_window",
        (f"Your windows move by {moves} positions; this pooling's move by 2×2 (its stride).",),
        notes,
        id=f"{item}: {text}",
    )
    for item, text, moves, notes in [
        (
            "d.formula",
            r"z_{i,j,k} = \max_{u,v\in\{0,1\}} x_{3i+u,3j+v,k}",
            "3×3",
            (
                "read the max over u, v as one max over each: u = 0..1, v = 0..1",
                "read the indices as counted from 0",
            ),
        ),
        (
            "d.formula",
            r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} x_{3i+u,2j+v,k}",
            "3×2",
            ("read the indices as counted from 0",),
        ),
        (
            "a.formula",
            r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{3i+u,3j+v,k}",
            "3×3",
            ("read the indices as counted from 0",),
        ),
    ]
]
# With `index_base: any`, windows wrong either way in a formula that counts from 0 (its first
# window at x[0,0,…]) are quoted from 0, as it is written, with the note (they were quoted from
# 1: "y[1,1,1] reads the 9 inputs x[2..4,2..4,1]", entries its formula does not name so).
FROM_0 = "Your windows are not this pooling's: with P=6, Q=4, C=3, {} {}; it should {} x[0,0,0], x[0,1,0], x[1,0,0] and x[1,1,0]."
GRADED += [
    pytest.param(
        POOL,
        item,
        text,
        "incorrect",
        0.0,
        "pooling_inputs",
        (FROM_0.format(output, reads, pools),),
        ("read the indices as counted from 0",),
        id=f"counted from 0, quoted from 0: {item} {text}",
    )
    for item, text, output, reads, pools in [
        (
            "d.formula",
            r"z_{i,j,k} = \max_{u=0}^{2}\max_{v=0}^{2} x_{2i+u,2j+v,k}",
            "z[0,0,0]",
            "reads the 9 inputs x[0..2,0..2,0]",
            "take the max of",
        ),
        (
            "a.formula",
            r"y_{i,j,k} = \frac{1}{9}\sum_{u=0}^{2}\sum_{v=0}^{2} x_{2i+u,2j+v,k}",
            "y[0,0,0]",
            "reads the 9 inputs x[0..2,0..2,0]",
            "average",
        ),
        (
            "a.formula",
            r"y_{i,j,k} = \frac{1}{2}\sum_{u=0}^{1} x_{2i+u,2j,k}",
            "y[0,0,0]",
            "reads x[0,0,0] and x[1,0,0]",
            "average",
        ),
    ]
]
GRADED += [
    pytest.param(
        POOL,
        "a.formula",
        r"y_{i,j,k} = \frac{1}{4}\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u+1,2j+v+1,k}",
        "partial",
        1.0,
        "pooling_window",
        (
            SHOULD_HOLD.format(
                "y[1,1,1]", "reads x[3,3,1], x[3,4,1], x[4,3,1] and x[4,4,1]", "average"
            ),
        ),
        (),
        id="average pooling one place off both ways: what the window reads, what it should",
    ),
]


# --- A max's range written from its end down ----------------------------------------------
# `\max_{2 > u \ge 0, …}` was refused as "the range under a sum" (it is a max, and the range is
# plain): read as u = 0..1.
FROM_ZERO = ("read the indices as counted from 0",)
GRADED += [
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{2 > u \ge 0, 2 > v \ge 0} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        FROM_ZERO,
        id="max over 2 > u >= 0, 2 > v >= 0: read from its end down",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{1 \ge u,v \ge 0} x_{2i+u,2j+v,k}",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read the max over u, v as one max over each: u = 0..1, v = 0..1", *FROM_ZERO),
        id="max over 1 >= u_v >= 0",
    ),
]


# --- Inputs that fill no block, listed -------------------------------------------------------
# A 5-entry list was told "reads 5 inputs, x[2,2,1] to x[4,2,1]", as if one range.
GRADED += [
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max\{x_{2i,2j,k}, x_{2i+1,2j,k}, x_{2i,2j+1,k}, x_{2i+1,2j+1,k}, x_{2i+2,2j,k}\}",
        "incorrect",
        0.0,
        "pooling_inputs",
        (
            "Your windows are not this pooling's: with P=6, Q=4, C=3, z[0,0,0] reads 5 inputs, x[0,0,0], x[0,1,0], x[1,0,0], x[1,1,0] and x[2,0,0]; it should take the max of x[0,0,0], x[0,1,0], x[1,0,0] and x[1,1,0].",
        ),
        ("read the indices as counted from 0",),
        id="a max over 5 entries: each named, not 'x[0,0,0] to x[2,0,0]', from 0 as written",
    ),
]


# A bias after the activation (`h = tanh(Wx) + b`) was refused for a person ("tanh(…) with a
# term added after it is not read here"); a marker reads it as the other function it is: read,
# told so, no marks (dense-tanh-q1 gives `activation_outside` none).
BIAS_OUTSIDE = (
    "Your formula adds a bias after {0}, outside it: {0}(…) + bias is another function than "
    "this layer's tanh(… + bias). The bias belongs inside tanh(…), added to the weighted sum "
    "before tanh is applied."
)
# probeC 3.4: where a bias is inside tanh too, it is not told that the bias belongs inside.
BELONGS = "The bias belongs inside tanh(…), added to the weighted sum before tanh is applied."
ALSO_INSIDE = "The bias inside tanh(…) is where it belongs; nothing comes after tanh in this layer."
GRADED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(Wx) + b",
        "incorrect",
        0.0,
        "activation_outside",
        (BIAS_OUTSIDE.format("tanh"),),
        ("read as the layer applied to one input vector x (C values), giving h (D values)",),
        id="h = tanh(Wx) + b: read, the bias after tanh, no marks",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(\sum_l W_{k,l} x_l) + b_k",
        "incorrect",
        0.0,
        "activation_outside",
        (BIAS_OUTSIDE.format("tanh"),),
        (),
        id="h_k = tanh(Σ_l W_{k,l} x_l) + b_k: the same, with indices",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \sigma(\sum_{l=1}^{C} w_{l,k} x_l) + b_k",
        "incorrect",
        0.0,
        "activation_outside",
        (
            BIAS_OUTSIDE.format("σ"),
            "Your activation is σ; this layer applies tanh to the weighted sum.",
        ),
        (),
        id="σ(…) + b_k: the bias outside and another activation, both said",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(b_k) + \sum_{l=1}^{C} w_{l,k} x_l",
        "incorrect",
        0.0,
        "activation_outside",
        (
            "Your formula adds a term after tanh, outside it; this layer applies tanh to its "
            "whole weighted sum and bias, tanh(… + bias), with nothing added after it.",
        ),
        (),
        id="the weighted sum after tanh: not told it is a bias",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_t = \tanh(W_x x_t + W_h h_{t-1} + b) + c",
        "incorrect",
        0.0,
        "activation_outside",
        (BIAS_OUTSIDE.format("tanh").replace(BELONGS, ALSO_INSIDE),),  # b is inside
        (),  # not "read c as part of b": outside tanh, c does not add to b
        id="a recurrent cell with a second bias after tanh",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(Wx) - b",
        "incorrect",
        0.0,
        "activation_outside",
        (
            "Your formula subtracts a bias after tanh, outside it: tanh(…) - bias is another "
            "function than this layer's tanh(… + bias). The bias belongs inside tanh(…), added "
            "to the weighted sum before tanh is applied.",
        ),
        (
            "read as the layer applied to one input vector x (C values), giving h (D values)",
            "read -b as your bias: a number times a bias is a bias",
        ),
        id="h = tanh(Wx) - b: told it subtracts the bias after tanh, not that it adds one",
    ),
    # A matrix form with an activation (`Q = \tanh(XW_Q) + b_Q`) was read as the product
    # t·a·n·h·X·W_Q and sent to a person, and `Q = \tanh(XW_Q + b_Q)` refused ("a bracket
    # within the right side holds one product"): read as the index and vector forms read it.
    # The projection has no activation: wrong, told so.
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = \tanh(XW_Q) + b_Q",
        "incorrect",
        0.0,
        "activation_extra",
        (
            "This layer's output is the weighted sum itself, with no activation; your formula "
            "applies tanh to it.",
        ),
        (),
        id="a matrix form with tanh and the bias after it: read, no activation here",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = \tanh(XW_Q + b_Q)",
        "incorrect",
        0.0,
        "activation_extra",
        (
            "This layer's output is the weighted sum itself, with no activation; your formula "
            "applies tanh to it.",
        ),
        (),
        id="a matrix form with tanh around the bias too: read, no activation here",
    ),
]

# probe9 S2-f: the bias written before the activation (`h = b + tanh(Wx)`) was refused, with
# an untrue reason ("here it is inside a product"; "'tanh' is not a tensor entry"): it is the
# same sum as `tanh(Wx) + b`, read so with a note, the same finding, no marks.
BEFORE_TANH = "read {0} + tanh(…) as tanh(…) + {0}: the same sum, {0} added outside tanh(…)"
GRADED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h = b + \tanh(Wx)",
        "incorrect",
        0.0,
        "activation_outside",
        (BIAS_OUTSIDE.format("tanh"),),
        (
            "read as the layer applied to one input vector x (C values), giving h (D values)",
            BEFORE_TANH.format("b"),
        ),
        id="h = b + tanh(Wx): the bias before tanh, read as after it, no marks",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = b_k + \tanh(\sum_l w_{l,k} x_l)",
        "incorrect",
        0.0,
        "activation_outside",
        (BIAS_OUTSIDE.format("tanh"),),
        (BEFORE_TANH.format("b_k"),),
        id="h_k = b_k + tanh(Σ_l w_{l,k} x_l): the same, with indices",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_t = b + \tanh(W_x x_t + W_h h_{t-1})",
        "incorrect",
        0.0,
        "activation_outside",
        (BIAS_OUTSIDE.format("tanh"),),
        (BEFORE_TANH.format("b"),),
        id="guard: a recurrent cell with its bias before tanh gains nothing",
    ),
]

# probe9 S3-d/e/f: terms inside the activation and after it were merged into one term
# ("read your term in b, written twice, as none", then "Your formula has no bias"; "term in
# W_x, written twice, as one term in 2·W_x"; "a bias written 3 times"): inside and outside
# are different places, never merged or cancelled together. Terms after it that add up to
# nothing add nothing.
# probeC 3.4: a bias after tanh where one is inside it too was told "The bias belongs inside
# tanh(…)", untrue: it is there already.
GRADED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(Wx + b)_k + b_k",
        "incorrect",
        0.0,
        "activation_outside",
        (BIAS_OUTSIDE.format("tanh").replace(BELONGS, ALSO_INSIDE),),
        (
            r"read \tanh(Wx + b)_k as tanh((Wx + b)_k), tanh of that entry",
            "read (Wx + b)_k as the entry k of Wx + b",
        ),
        id="tanh(Wx + b)_k + b_k: a bias inside too, not 'belongs inside'",
    ),
]
GRADED += [
    pytest.param(
        RNN,
        "a.formula",
        r"h_t = \tanh(W_x x_t + W_h h_{t-1} + b) - b",
        "incorrect",
        0.0,
        "activation_outside",
        (
            BIAS_OUTSIDE.format("tanh")
            .replace("adds", "subtracts")
            .replace("(…) + bias is", "(…) - bias is")
            .replace(BELONGS, ALSO_INSIDE),
        ),
        ("read -b as your bias: a number times a bias is a bias",),
        id="tanh(… + b) - b: its bias kept, the -b after tanh said, no marks",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_t = \tanh(W_x x_t + W_h h_{t-1} + b) + W_x x_t",
        "incorrect",
        0.0,
        "activation_outside",
        (
            "Your formula adds a term after tanh, outside it; this layer applies tanh to its whole weighted sum and bias, tanh(… + bias), with nothing added after it.",
        ),
        (),
        id="tanh(… + b) + W_x x_t: not one term in 2·W_x",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(\sum_l W_{k,l} x_l + b_k) + b_k - b_k",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        ("read your term in b, written twice, as none: its numbers add up to 0",),
        id="tanh(… + b_k) + b_k - b_k: nothing added after tanh, said, right",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(\sum_l W_{k,l} x_l) + b_k - b_k",
        "partial",
        2.0,
        "bias_missing",
        ("Your formula has no bias; this layer has one: every output has its own.",),
        ("read your term in b, written twice, as none: its numbers add up to 0",),
        id="guard: tanh(Σ W x) + b_k - b_k: no bias, its partial credit only",
    ),
]


@pytest.mark.parametrize(
    ("rubric", "item", "text", "verdict", "marks", "diagnosis", "feedback", "notes"), GRADED
)
def test_the_whole_result(rubric, item, text, verdict, marks, diagnosis, feedback, notes):
    result = grade_answer(rubric, rubric.items[item], text)
    assert (result.verdict, result.marks, result.diagnosis) == (verdict, marks, diagnosis)
    assert result.feedback == feedback
    assert result.reading_notes == notes


# --- A chain of working that writes one formula --------------------------------------------
# `XW_Q + b_Q = Q = XW_Q + b_Q` and `Q = XW_Q + b_Q = XW_Q + b_Q` were unreadable ("expected '='
# after the output", "expected '+', '-' or the end of the formula"): a chain whose sides are the
# output's name and one formula written the same each time is read as that formula, with a note.
CHAINED = "read your chain of working as {}, the one formula it writes"
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "XW_Q + b_Q = Q = XW_Q + b_Q",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (CHAINED.format("Q = XW_Q + b_Q"),),
        id="a chain: the formula, its name, the formula again",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_Q = X W_Q + b_Q",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (CHAINED.format("Q = X W_Q + b_Q"),),
        id="a chain: the name, then the formula twice, spaced otherwise",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "XW_Q + b_Q = XW_Q + b_Q = Q",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (CHAINED.format("XW_Q + b_Q = Q"), "read XW_Q + b_Q = Q as Q = XW_Q + b_Q"),
        id="a chain: the formula twice, then its name",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q = XW_Q",
        "partial",
        1.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output column has one, shared by every row.",
        ),
        (CHAINED.format("Q = XW_Q"),),
        id="a chain of a wrong formula: read, and marked as it is",
    ),
]

# A chain whose sides write the layer two ways (`h_k = \tanh(\sum_l W_{k,l} x_l + b_k) =
# \tanh(w_k^T x + b_k)`, `Q = XW_Q + b_Q, i.e. q_{n,k} = …`, `y_{i,k} = … = (XW)_{i,k}`) was
# unreadable ("expected '+', '-' or the end of the formula", "a chain is read only where it
# writes one formula each time"): each side is read as a formula, and the last is graded where
# they all define one layer, with a note; where they do not, a person decides, told which
# sides. Never more than the last side earns.
CHAINED_TWO = (
    "read your chain of working as 2 formulas, {} and {}, and graded the last where they "
    "define one layer"
)
# where they do not, the note says only how it was read (probe10 S1-d)
CHAINED_APART = "read your chain of working as 2 formulas, {} and {}"
W_K = "read w_k^T x as the sum over u of w_{k,u} x_u: the weights w_k of output k, transposed, times x"
Q_ENTRIES = ("read W_{Q,e,k} as the entry e,k of W_Q", "read b_{Q,k} as the entry k of b_Q")
DENSE_SUM = r"h_k = \tanh(\sum_l W_{k,l} x_l + b_k)"
Q_SUM = r"q_{n,k} = \sum_e x_{n,e} W_{Q,e,k} + b_{Q,k}"
GRADED += [
    pytest.param(
        DENSE,
        "a.formula",
        DENSE_SUM + r" = \tanh(w_k^T x + b_k)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (CHAINED_TWO.format(DENSE_SUM, r"h_k = \tanh(w_k^T x + b_k)"), W_K),
        id="a chain: the layer with a sum, then with a weight vector",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_Q, i.e. " + Q_SUM,
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (CHAINED_TWO.format("Q = XW_Q + b_Q", Q_SUM), *Q_ENTRIES),
        id="a matrix form, then ', i.e.' and the same layer with indices",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        r"y_{i,k} = \sum_l w_{l,k} x_{i,l} = (XW)_{i,k}",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format(r"y_{i,k} = \sum_l w_{l,k} x_{i,l}", "y = XW"),
            "read (XW)_{i,k} as the entry i,k of XW",
        ),
        id="a chain ending in an entry of a matrix form",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        r"y_{i,k} = \sum_l w_{l,k} x_{i,l} + b_k = (XW + b)_{i,k}",
        "partial",
        2.0,
        "bias_extra",
        ("This part asks for the layer without a bias, but your formula adds one.",),
        (
            CHAINED_TWO.format(r"y_{i,k} = \sum_l w_{l,k} x_{i,l} + b_k", "y = XW + b"),
            "read (XW + b)_{i,k} as the entry i,k of XW + b",
        ),
        id="the same chain with the bias part (d) leaves out: as the layer with a bias earns",
    ),
    # dense-tanh-q1 takes indices from 0 too (`index_base: any`): so does a chain's side
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(\sum_{l=0}^{C-1} W_{k,l} x_l + b_k) = \tanh(w_k^T x + b_k)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format(
                r"h_k = \tanh(\sum_{l=0}^{C-1} W_{k,l} x_l + b_k)", r"h_k = \tanh(w_k^T x + b_k)"
            ),
            W_K,
        ),
        id="a chain whose first side counts from 0",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(Wx + b), i.e. h_k = \tanh(\sum_{l=0}^{C-1} W_{k,l} x_l + b_k)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format(
                r"h = \tanh(Wx + b)", r"h_k = \tanh(\sum_{l=0}^{C-1} W_{k,l} x_l + b_k)"
            ),
            # the first side's reading, noted since every side's is
            "read as the layer applied to one input vector x (C values), giving h (D values)",
            "read the indices as counted from 0",
        ),
        id="a chain whose last side, the one graded, counts from 0",
    ),
    # guards: sides that define other layers go to a person, told which, never marked up
    pytest.param(
        DENSE,
        "a.formula",
        DENSE_SUM + r" = \tanh(w_k^T x)",
        "needs_review",
        0.0,
        "bias_missing",
        (
            "Your chain of working writes the layer as " + DENSE_SUM + r" and as h_k = "
            r"\tanh(w_k^T x), which define different layers; read as its last side, it would "
            "earn 2 of 3 marks; which one you mean is an instructor's call.",
            "Your formula has no bias; this layer has one: every output has its own.",
            "An instructor will review it.",
        ),
        (CHAINED_APART.format(DENSE_SUM, r"h_k = \tanh(w_k^T x)"), W_K),
        id="guard: a chain whose last side leaves the bias out",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(\sum_l W_{k,l} x_l) = \tanh(w_k^T x + b_k)",
        "needs_review",
        0.0,
        None,
        (
            r"Your chain of working writes the layer as h_k = \tanh(\sum_l W_{k,l} x_l) and as "
            r"h_k = \tanh(w_k^T x + b_k), which define different layers; read as its last side, "
            "it defines the right layer; which one you mean is an instructor's call.",
            "An instructor will review it.",
        ),
        (
            CHAINED_APART.format(r"h_k = \tanh(\sum_l W_{k,l} x_l)", r"h_k = \tanh(w_k^T x + b_k)"),
            W_K,
        ),
        id="guard: a chain whose first side leaves the bias out, the last right",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = XW_Q + b_Q, i.e. q_{n,k} = \sum_e x_{n,e} W_{Q,e,k}",
        "needs_review",
        0.0,
        "bias_missing",
        (
            r"Your chain of working writes the layer as Q = XW_Q + b_Q and as q_{n,k} = "
            r"\sum_e x_{n,e} W_{Q,e,k}, which define different layers; read as its last side, "
            "it would earn 1 of 2 marks; which one you mean is an instructor's call.",
            "Your formula has no bias; this layer has one: each output column has one, shared "
            "by every row.",
            "An instructor will review it.",
        ),
        (
            CHAINED_APART.format("Q = XW_Q + b_Q", r"q_{n,k} = \sum_e x_{n,e} W_{Q,e,k}"),
            Q_ENTRIES[0],
        ),
        id="guard: ', i.e.' and a formula without the bias",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_Q = XW + b_Q",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format("Q = XW_Q + b_Q", "Q = XW + b_Q"),
            "read W as the question's W_Q (E×K), written without its subscript",
        ),
        id="W for W_Q in one side: read as W_Q, as a single formula is (probe10 S2-a)",
    ),
    # `Q = XW_Q + b_Q = XW_V + b_V` was refused ("a chain is read only where it writes one
    # formula each time"): both read, W_V the question's for something else, a person's
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_Q = XW_V + b_V",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your chain of working writes the layer as Q = XW_Q + b_Q and as Q = XW_V + b_V, "
            "which the grader cannot show to define the same layer; which one you mean is an "
            "instructor's call.",
            "Your formula uses W_V and b_V, which the question gives for something else. Read "
            "with W_V and b_V as parameters of their own, it defines the right layer; whether "
            "W_V and b_V may be there is an instructor's call.",
            "An instructor will review it.",
        ),
        (CHAINED_APART.format("Q = XW_Q + b_Q", "Q = XW_V + b_V"),),
        id="guard: a chain that writes two formulas, the last with W_V",
    ),
]

# probe10 S2-a: chains that name the question's W_Q went to a person ("cannot show [the sides] to
# define the same layer") while `Q = XW + b, i.e. …` got 2/2: the sides' names were compared as
# written, W_Q against the index form's w and b_Q against b_k. They are compared as a single
# formula is read: w (and (W_Q)_{e,k}) is W_Q, b_k's b the b_Q written with its subscript.
ATTN_SUM_WB = r"q_{n,k} = \sum_e w_{e,k} x_{n,e} + b_k"
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_Q, i.e. " + ATTN_SUM_WB,
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (CHAINED_TWO.format("Q = XW_Q + b_Q", ATTN_SUM_WB),),
        id="W_Q, then ', i.e.' and the index form's w: one matrix",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = XW_Q + b_Q, i.e. q_{n,k} = \sum_e (W_Q)_{e,k} x_{n,e} + b_k",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format("Q = XW_Q + b_Q", r"q_{n,k} = \sum_e (W_Q)_{e,k} x_{n,e} + b_k"),
            "read (W_Q)_{e,k} as the entry e,k of W_Q",
        ),
        id="W_Q, then its entries (W_Q)_{e,k}: one matrix, b_Q and b_k one bias",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        ATTN_SUM_WB + ", i.e. Q = XW_Q + b_Q",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (CHAINED_TWO.format(ATTN_SUM_WB, "Q = XW_Q + b_Q"),),
        id="the index form's w, then ', i.e.' and W_Q",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        ATTN_SUM_WB + " = (XW_Q)_{n,k} + b_k",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format(ATTN_SUM_WB, "q_{n,k} = (XW_Q)_{n,k} + b_k"),
            "read (XW_Q)_{n,k} as the entry n,k of X·W_Q, the sum over u of X[n,u]·W_Q[u,k]",
        ),
        id="the index form's w, then an entry of XW_Q",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = XW_Q + b_Q, i.e. q_{n,k} = \sum_e (W_V)_{e,k} x_{n,e} + b_k",
        "needs_review",
        0.0,
        "given_matrix",
        (
            r"Your chain of working writes the layer as Q = XW_Q + b_Q and as q_{n,k} = "
            r"\sum_e (W_V)_{e,k} x_{n,e} + b_k, which the grader cannot show to define the "
            "same layer; which one you mean is an instructor's call.",
            "Your formula uses W_V, which the question gives for something else. Read with W_V "
            "as a parameter of its own, it defines the right layer; whether W_V may be there "
            "is an instructor's call.",
            "An instructor will review it.",
        ),
        (
            CHAINED_APART.format("Q = XW_Q + b_Q", r"q_{n,k} = \sum_e (W_V)_{e,k} x_{n,e} + b_k"),
            "read (W_V)_{e,k} as the entry e,k of W_V",
        ),
        id="guard: W_Q, then the entries of W_V: two matrices, a person's",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_V, i.e. " + ATTN_SUM_WB,
        "needs_review",
        0.0,
        None,
        (
            "Your chain of working writes the layer as Q = XW_Q + b_V and as " + ATTN_SUM_WB + ", "
            "which the grader cannot show to define the same layer; read as its last side, it "
            "defines the right layer; which one you mean is an instructor's call.",
            "An instructor will review it.",
        ),
        (CHAINED_APART.format("Q = XW_Q + b_V", ATTN_SUM_WB),),
        id="guard: b_V, the value's bias, then b_k: not read as one bias",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(W_1 x + b_1) = \tanh(W_2 x + b_2)",
        "needs_review",
        0.0,
        None,
        (
            r"Your chain of working writes the layer as h = \tanh(W_1 x + b_1) and as h = "
            r"\tanh(W_2 x + b_2), which the grader cannot show to define the same layer; read as "
            "its last side, it defines the right layer; which one you mean is an instructor's "
            "call.",
            "An instructor will review it.",
        ),
        (
            CHAINED_APART.format(r"h = \tanh(W_1 x + b_1)", r"h = \tanh(W_2 x + b_2)"),
            "read as the layer applied to one input vector x (C values), giving h (D values)",
        ),
        id="guard: W_1 and W_2 are two names, not one written with and without a subscript",
    ),
]

# probe10 S1-d: `q_{n,k} = … = (XW_Q^T + b_Q)_{n,k}` got 0, "the shapes do not fit", its right
# first side dropped with a note that the sides define one layer: a side whose shapes do not fit
# (the last, or any other) defines no layer to compare, so the chain goes to a person, and the
# note no longer says they define one layer. S3-e: the entry's note showed `XW _ Q ^ T`.
ATTN_SUM_W = r"q_{n,k} = \sum_e x_{n,e} w_{e,k} + b_k"
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        ATTN_SUM_W + r" = (XW_Q^T + b_Q)_{n,k}",
        "needs_review",
        0.0,
        "shape",
        (
            "Your chain of working writes the layer as " + ATTN_SUM_W + " and as q = XW_Q^T + "
            "b_Q, which the grader cannot show to define the same layer; read as its last side, "
            "it would earn 0 of 2 marks; which one you mean is an instructor's call.",
            "The shapes do not fit: Q = X·W_Qᵀ + b_Q needs W_Q to be K×E, but W_Q is E×K.",
            "An instructor will review it.",
        ),
        (
            "read your chain of working as 2 formulas, " + ATTN_SUM_W + " and q = XW_Q^T + b_Q",
            "read (XW_Q^T + b_Q)_{n,k} as the entry n,k of XW_Q^T + b_Q",
        ),
        id="a chain whose last side's shapes do not fit: a person's, the note true",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q^T + b_Q, i.e. " + Q_SUM,
        "needs_review",
        0.0,
        None,
        (
            "Your chain of working writes the layer as Q = XW_Q^T + b_Q and as " + Q_SUM + ", "
            "which the grader cannot show to define the same layer; read as its last side, it "
            "defines the right layer; which one you mean is an instructor's call.",
            "An instructor will review it.",
        ),
        ("read your chain of working as 2 formulas, Q = XW_Q^T + b_Q and " + Q_SUM, *Q_ENTRIES),
        id="a chain whose first side's shapes do not fit: a person's",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        r"y_{i,k} = \sum_l w_{l,k} x_{i,l} = (XW^T)_{i,k}",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format(r"y_{i,k} = \sum_l w_{l,k} x_{i,l}", "y = XW^T"),
            "read (XW^T)_{i,k} as the entry i,k of XW^T",
            "read W as a D×C matrix, so that X·Wᵀ is PQ×D",
        ),
        id="an entry of a matrix form with a transpose: its note as written",
    ),
]


# A max over entries that fill no whole window is shown as written, a max over the list, with
# its factor before it: in the reading and in its MathML, never as a sum of the entries.
LISTED = [
    pytest.param(
        r"z_{i,j,k} = \max\{x_{2i,2j,k}, x_{2i+1,2j,k}, x_{2i,2j+1,k}\}",
        "z[i,j,k] = max{x[2i,2j,k], x[2i+1,2j,k], x[2i,2j+1,k]}",
        "<mi>max</mi><mo>{</mo>",
        id="three entries",
    ),
    pytest.param(
        r"z_{i,j,k} = -2\max\{x_{2i,2j,k}, x_{i,2j,k}\}",
        "z[i,j,k] = -2·max{x[2i,2j,k], x[i,2j,k]}",
        "<mn>-2</mn><mi>max</mi><mo>{</mo>",
        id="two entries at no fixed step, scaled",
    ),
]


@pytest.mark.parametrize(("text", "reading", "mathml"), LISTED)
def test_a_max_over_entries_that_are_no_window_is_shown_as_a_list(text, reading, mathml):
    result = grade_answer(POOL, POOL.items["d.formula"], text)
    assert result.interpretation == reading
    assert mathml in result.reading_mathml
    assert "</msub><mo>+</mo>" not in result.reading_mathml  # no sum of the entries


# --- Refused, with the place and the reason -------------------------------------------------

REFUSED = [
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,2} = \sum_{m=1}^{C} w_{m} x_{i,j,m}",
        "the output's indices must be distinct letters, e.g. y_{i,j,k}, or sums of their own letters such as y_{i,j,(g-1)D/G+n}",
        1,
        id="a number as an output index",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,i+n,k} = \sum_{m=1}^{C} w_{m,k} x_{i,n,m}",
        "the output's indices must be distinct letters, e.g. y_{i,j,k}, or sums of their own letters such as y_{i,j,(g-1)D/G+n}",
        1,
        id="a letter in two output indices",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,\lfloor k/2 \rfloor} = \sum_{m=1}^{C} w_{m,k} x_{i,j,m}",
        "the output's indices must be distinct letters, e.g. y_{i,j,k}, or sums of their own letters such as y_{i,j,(g-1)D/G+n}",
        1,
        id="a floor of a letter as an output index",
    ),
    pytest.param(
        GROUPED,
        "a.formula",
        r"y_{i,j,g \cdot n} = \sum_{m=1}^{C/G} w_{m,g,n} x_{i,j,m}",
        "an index must be a sum of indices, sizes and numbers, not a product of indices",
        7,
        id="a product of letters as an output index",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v} x_{2i+u,2j,k}",
        r"the max over v has no range and v does not index x; write it, e.g. \max_{v=1}^{C}",
        0,
        id="a max over a letter that reads nothing",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "Q = (W_Q X + b_Q)^T",
        "a bracket within the right side holds one product of matrices, as in (W X)^T or "
        "(2 W X): write a sum outside it",
        11,
        id="a sum in a transposed bracket",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        "y = Wx + b",
        "the left side is y, but this layer's output is h",
        0,
        id="one vector: the output under another name",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(W x_t + b)",
        "x is one vector here (C values): write it without a subscript, e.g. W x",
        12,
        id="one vector: x with a subscript",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "q_n = W_Q x + b_Q",
        "write x with its position, e.g. x_n",
        10,
        id="tokens are positions, not time steps",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_t = W_h \tanh(h_{t-1})",
        "tanh(…) is read only around the whole right side, as in h_t = tanh(…); here it is "
        "inside a product",
        10,
        id="an activation inside a product, not a state without its time step",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_t = \tanh(W[x_t; h_{t-1}] + b)",
        "W[x_t; h_{t-1}] stacks x_t and h_{t-1} into one vector, which this grader does not "
        "read: it means W_x x_t + W_h h_{t-1}, with W = [W_x W_h] split by columns",
        13,
        id="a stacked input under one weight: what it means, for a person",
    ),
]


REFUSED += [
    pytest.param(
        COLUMNS,
        "a.formula",
        r"q_{k,n} = \sum_{e=1}^{d} (W_Q)_{k,e} x_{e,n} + b_k",
        "unknown d in the range of a sum: it is not a size of this question (the sizes are E, K, N) and not an index (the indices here are k, n)",
        22,
        id="a size the question does not declare, in a sum's range: the sizes and indices named",
    ),
    pytest.param(
        LINEAR,
        "b.formula",
        r"y_{i,j,k} = \sum_{m=1}^{i}\sum_{l=1}^{C} w_{m,l,k} x_{m,j,l} + b_k",
        r"the sum over m runs from 1 to i, a range whose length changes with an index: a layer's window has one size at every output, e.g. \sum_{m=i-1}^{i+1}",
        12,
        id="a sum's range whose length moves with the output index",
    ),
    pytest.param(
        LINEAR,
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w^2_{l,k} x_{i,j,l} + b_k",
        "a power is not part of a layer formula: each term is a weight times an input, or a bias",
        28,
        id="a number as a superscript stays a power",
    ),
    pytest.param(
        LINEAR,
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x^{(k)}_{i,j,l} + b_k",
        "a power is not part of a layer formula: each term is a weight times an input, or a bias",
        36,
        id="a superscript on the input is no index",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max\{x_{2i,2j,k}, x_{2i+1,2j,k}, x_{2i,2j,k}\}",
        r"a max over a list is read where the list holds entries of the input, each position once, e.g. \max\{x_{i,j,k}, x_{i+1,j,k}, x_{i+2,j,k}\}; or write the window with its ranges, e.g. \max_{u=0}^{2} x_{i+u,j,k} (both examples of another window)",
        12,
        id="a max of a list that names an entry twice",
    ),
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{u,v \in \{0,1,3\}} x_{2i+u,2j+v,k}",
        r"a max over a set runs over consecutive whole numbers: write them all, e.g. u \in \{0, 1\}, or the first and the last, e.g. l \in \{1, \ldots, C\}",
        22,
        id="a set of values with an uneven gap: told as a max (it was 'a sum over a set')",
    ),
    pytest.param(
        LINEAR,
        "c.formula",
        r"y_{i,j,k} = \max(0, \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k)",
        r"\max(0, …) is a ReLU here: write it as an activation around the weighted sum, e.g. "
        "z_{i,k} = ReLU(A_{i} s_{i,k} + c_{i}) (another layer: each entry scaled by its "
        "position's A and shifted by its c)",
        12,
        id="max(0, …) is a ReLU, not a window",
    ),
]


# --- The answer before the output's name -----------------------------------------------------
# `XW_Q + b_Q = Q` was unreadable ("expected '=' after the output"), as was the output named
# after a transposed bracket; it is read as Q = XW_Q + b_Q, with a note.
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "XW_Q + b_Q = Q",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read XW_Q + b_Q = Q as Q = XW_Q + b_Q",),
        id="the answer before its name",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "(W_Q^T X^T)^T = Q",
        "partial",
        1.0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each output column has one, shared by every row.",
        ),
        ("read (W_Q^T X^T)^T = Q as Q = (W_Q^T X^T)^T", "read (W_Qᵀ·Xᵀ)ᵀ as X·W_Q"),
        id="a transposed bracket before the output's name",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "W_Q X + b_Q = Q",
        "incorrect",
        0.0,
        "shape",
        (
            "The shapes do not fit: Q = W_Q·X + b_Q would need K = E. X is N×E and Q is N×K, so a weight matrix can only multiply X on the right, with shape E×K.",
        ),
        ("read W_Q X + b_Q = Q as Q = W_Q X + b_Q",),
        id="the answer before its name, W_Q on the wrong side: explained from the shapes",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "(X^T W_Q^T)^T + b_Q = Q",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read (X^T W_Q^T)^T + b_Q = Q as Q = (X^T W_Q^T)^T + b_Q", "read (Xᵀ·W_Qᵀ)ᵀ as W_Q·X"),
        id="tokens as columns: a transposed bracket before the output's name",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "X^T W_Q^T + b_Q = Q^T",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        ("read X^T W_Q^T + b_Q = Q^T as Q^T = X^T W_Q^T + b_Q",),
        id="tokens as columns: the output transposed, named after the answer",
    ),
]


ONES_UNFIT = "{} does not fit as a bias added to every row or column: a vector of ones times a bias is written 1 b_Q^T (the bias added to every row) or b_Q 1^T (to every column)"
REFUSED += [
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + 1^T b_Q",
        ONES_UNFIT.format("1ᵀ·b_Q"),
        11,
        id="1ᵀ b_Q is a number, not a bias in every row",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_Q 1",
        ONES_UNFIT.format("b_Q·1"),
        11,
        id="b_Q 1 is no outer product (it was read as b_Q)",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = 1^T XW_Q + b_Q",
        "a vector of ones is read only times a bias, as in 1 b^T; 1ᵀ·X·W_Q is not one",
        4,
        id="ones times a product",
    ),
]


# a transpose in an index formula is told as a transpose, not as a power
REFUSED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(w^T x + b_k)",
        "a transpose (^T) is not read here: in a formula with indices, write the product as a sum over its index",
        13,
        id="wᵀx with h_k: a transpose, not 'a power'",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(w_k^2 x + b_k)",
        "a power is not part of a layer formula: each term is a weight times an input, or a bias",
        15,
        id="w_k^2: still a power",
    ),
]


# a range that runs neither up nor down is refused naming what it is under, a max or a sum
REFUSED += [
    pytest.param(
        POOL,
        "d.formula",
        r"z_{i,j,k} = \max_{0 \le u \ge 1, 0 \le v \le 1} x_{2i+u,2j+v,k}",
        r"write the range under a max from its start up to its end, e.g. \max_{0 \le u \le 1}",
        20,
        id="a max's range both ways: told as a max's",
    ),
]

# guard for W_{x,k,e} (probe9 S2-e): a small letter that makes none of the question's names
# stays an unknown index, for a person
REFUSED += [
    pytest.param(
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh(\sum_e W_{x,k,e} x_{t,e} + \sum_j W_{z,k,j} h_{t-1,j} + b_k)",
        "unknown index z: it is not an index of the output and no sum introduces it (the "
        "indices here are j, k, t)",
        53,
        id="guard: W_{z,k,j}, W_z none of the question's names: an unknown index",
    ),
]


# A chain's note said how its last side was read, not its others: `Q = XW + b_Q, i.e. …` read
# W as the question's W_Q without saying so. Every side's readings are noted.
W_AS_W_Q = "read W as the question's W_Q (E×K), written without its subscript"
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW + b_Q, i.e. " + Q_SUM,
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (CHAINED_TWO.format("Q = XW + b_Q", Q_SUM), *Q_ENTRIES, W_AS_W_Q),
        id="a chain whose first side writes W for W_Q: that reading noted too",
    ),
]


# --- One formula whose right side is an entry of a matrix form -------------------------------
# `q_{n,k} = (XW_Q + b_Q)_{n,k}` was refused as "unknown index Q" (Q is a part of W_Q's name),
# `h_k = \tanh(Wx + b)_k` and `y_{i,k} = (XW)_{i,k}` as "'Wx' is not a tensor entry": a marker
# reads each as the entry of the matrix form at the output's indices, and so is it, with a note.
# Where the two sides' indices differ, it is refused saying so.
ENTRY_OF = "read {} as the entry {} of {}"
VECTOR_LAYER = "read as the layer applied to one input vector x (C values), giving h (D values)"
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = (XW_Q + b_Q)_{n,k}",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (ENTRY_OF.format("(XW_Q + b_Q)_{n,k}", "n,k", "XW_Q + b_Q"),),
        id="entry of a matrix form: q_{n,k} = (XW_Q + b_Q)_{n,k}",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(Wx + b)_k",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (ENTRY_OF.format("tanh(Wx + b)_{k}", "k", "tanh(Wx + b)"), VECTOR_LAYER),
        id="entry of a matrix form with an activation: h_k = tanh(Wx + b)_k",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(Wx + b)_{k}",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (ENTRY_OF.format("tanh(Wx + b)_{k}", "k", "tanh(Wx + b)"), VECTOR_LAYER),
        id="entry of a matrix form with an activation, the index in braces",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \sigma(Wx + b)_k",
        "partial",
        2.0,
        "activation_wrong",
        ("Your activation is σ; this layer applies tanh to the weighted sum.",),
        (ENTRY_OF.format("σ(Wx + b)_{k}", "k", "σ(Wx + b)"), VECTOR_LAYER),
        id="entry of a matrix form with another activation: graded as the matrix form",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        "y_{i,k} = (XW)_{i,k}",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (ENTRY_OF.format("(XW)_{i,k}", "i,k", "XW"),),
        id="entry of a product of unsubscripted matrices: y_{i,k} = (XW)_{i,k}",
    ),
]
RNN_STEP = "tanh(W_x x_t + W_h h_{t-1} + b)"
REFUSED += [
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = (XW_Q + b_Q)_{k,n}",
        "(XW_Q + b_Q)_{k,n} is the entry k,n of XW_Q + b_Q, but the left side is the entry n,k "
        "of q: the two sides name different entries",
        22,
        id="entry of a matrix form at other indices than the left side's: said so",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(Wx + b)_j",
        "tanh(Wx + b)_{j} is the entry j of tanh(Wx + b), but the left side is the entry k of "
        "h: the two sides name different entries",
        19,
        id="entry of tanh(Wx + b) at another index than the left side's: said so",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh(W_x x_t + W_h h_{t-1} + b)_j",
        f"{RNN_STEP}_{{j}} is the entry j of {RNN_STEP}, but the left side is the entry k of "
        "h_{t}: the two sides name different entries, and no sum introduces j",
        42,
        id="entry j of the step's tanh(…) for h_{t,k}: said so, at the _j (was unknown index x)",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh(W_x x_t + W_h h_{t-1} + b)_t",
        f"{RNN_STEP}_{{t}} is the entry t of {RNN_STEP}, but the left side is the entry k of "
        "h_{t}: the two sides name different entries",
        42,
        id="entry t of the step's tanh(…) for h_{t,k}: said so (was unknown index x)",
    ),
]


# An entry of a matrix form as a term of an index form: `h_k = \tanh((Wx)_k + b_k)`,
# `q_{k,n} = (W_Q X)_{k,n} + b_{Q,k}` were refused as "'Wx' is not a tensor entry" and "unknown
# index Q" (untrue), `h_k = \tanh(Wx)_k + b_k` as "'Wx' is not a tensor entry": a bracket with
# the output's indices after it is read as that entry of the formula it holds, with a note.
OUTSIDE = (
    "Your formula adds a bias after tanh, outside it: tanh(…) + bias is another function than "
    "this layer's tanh(… + bias). The bias belongs inside tanh(…), added to the weighted sum "
    "before tanh is applied.",
)
GRADED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh((Wx)_k + b_k)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (ENTRY_OF.format("(Wx)_k", "k", "Wx"),),
        id="an entry of Wx as a term: h_k = tanh((Wx)_k + b_k)",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(Wx)_k + b_k",
        "incorrect",
        0.0,
        "activation_outside",
        OUTSIDE,
        (
            r"read \tanh(Wx)_k as tanh((Wx)_k), tanh of that entry",
            ENTRY_OF.format("(Wx)_k", "k", "Wx"),
        ),
        id="tanh(Wx)_k + b_k: the bias outside tanh, as h = tanh(Wx) + b",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "q_{k,n} = (W_Q X)_{k,n} + b_{Q,k}",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (ENTRY_OF.format("(W_Q X)_{k,n}", "k,n", "W_Q X"), "read b_{Q,k} as the entry k of b_Q"),
        id="an entry of W_Q X as a term: q_{k,n} = (W_Q X)_{k,n} + b_{Q,k}, not 'unknown index Q'",
    ),
    pytest.param(  # a guard: read so before, as the index form's entry of one named product
        ATTN,
        "e.formula",
        "q_{n,k} = (XW_Q)_{n,k} + b_{Q,k}",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (
            "read (XW_Q)_{n,k} as the entry n,k of X·W_Q, the sum over u of X[n,u]·W_Q[u,k]",
            "read b_{Q,k} as the entry k of b_Q",
        ),
        id="an entry of XW_Q as a term: q_{n,k} = (XW_Q)_{n,k} + b_{Q,k}",
    ),
]
# probeC 1.1: the entry of X times a declared matrix at other indices than the output's got a
# final 0 (shape; kernel_size, untrue, for _{k,k}) where every other entry goes to a person.
XWQ_ELSEWHERE = "(XW_Q)_{{{0}}} is the entry {0} of XW_Q, but the left side is the entry n,k of q: the two sides name different entries"
REFUSED += [
    pytest.param(
        ATTN,
        "e.formula",
        answer,
        XWQ_ELSEWHERE.format(at),
        16,
        id=f"(XW_Q)_{{{at}}} for q_{{n,k}}: the two sides name different entries ({answer})",
    )
    for answer, at in (
        ("q_{n,k} = (XW_Q)_{k,n} + b_{Q,k}", "k,n"),
        ("q_{n,k} = (XW_Q)_{k,n}", "k,n"),
        ("q_{n,k} = (XW_Q)_{n,n} + b_k", "n,n"),
        ("q_{n,k} = (XW_Q)_{k,k} + b_k", "k,k"),
    )
]
# probeC 2.2: `q_{n,k} = (x_n W_Q)_k + b_{Q,k}` was refused as "unknown index Q" (untrue): the
# entry k of one token's product is read as `q_n = x_n W_Q`, at the output's indices.
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = (x_n W_Q)_k + b_{Q,k}",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (ENTRY_OF.format("(x_n W_Q)_k", "k", "x_n W_Q"), "read b_{Q,k} as the entry k of b_Q"),
        id="an entry of one token's x_n W_Q as a term: read, not 'unknown index Q'",
    ),
    pytest.param(  # as q_n = W_Q x_n + b_Q is
        ATTN,
        "e.formula",
        "q_{n,k} = (W_Q x_n)_k + b_k",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: your formula indexes W_Q as K×E, but W_Q is E×K.",),
        (ENTRY_OF.format("(W_Q x_n)_k", "k", "W_Q x_n"),),
        id="an entry of one token's W_Q x_n as a term: its shapes do not fit, as q_n = W_Q x_n",
    ),
    pytest.param(  # as q_n = x_n A + b_Q is
        ATTN,
        "e.formula",
        "q_{n,k} = (x_n A)_k + b_k",
        "needs_review",
        0.0,
        "given_matrix",
        (
            "Your formula uses A (E×K) where the question gives W_Q (E×K). Read with A as a matrix of its own, it defines the right layer; whether A may stand for W_Q is an instructor's call.",
            "An instructor will review it.",
        ),
        (ENTRY_OF.format("(x_n A)_k", "k", "x_n A"),),
        id="an entry of one token's x_n A as a term, A for the given W_Q: to a person",
    ),
]
# probeC 2.2: 22-52-q4 c's `(W x_{i,j})_k + b_k` was refused as "expected '+', '-' or the end of
# the formula, not '_'"; one position's product is not read there (nor `y_{i,j} = W x_{i,j}`):
# said so, naming the entry.
REFUSED += [
    pytest.param(
        LINEAR,
        "c.formula",
        answer,
        f"{entry}, the entry k of {product}, is not read as a term: write {product} with indices",
        12,
        id=f"{entry} + b_k, one position's product: not read, said so",
    )
    for answer, entry, product in (
        ("y_{i,j,k} = (W x_{i,j})_k + b_k", "(W x_{i,j})_k", "W x_{i,j}"),
        ("y_{i,j,k} = (x_{i,j} W)_k + b_k", "(x_{i,j} W)_k", "x_{i,j} W"),
    )
]
# probeC 2.2 (attn-columns-q1): `q_{k,n} = (W_Q x_n)_k + b_{Q,k}` was still "unknown index Q":
# one token's product's entry at the output's FIRST index is read as `q_n = W_Q x_n` too.
GRADED += [
    pytest.param(
        COLUMNS,
        "a.formula",
        "q_{k,n} = (W_Q x_n)_k + b_{Q,k}",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (ENTRY_OF.format("(W_Q x_n)_k", "k", "W_Q x_n"), "read b_{Q,k} as the entry k of b_Q"),
        id="tokens as columns: an entry of one token's W_Q x_n as a term, read",
    ),
    pytest.param(  # as q_n = x_n W_Q + b_Q is
        COLUMNS,
        "a.formula",
        "q_{k,n} = (x_n W_Q)_k + b_{Q,k}",
        "incorrect",
        0.0,
        "shape",
        ("The shapes do not fit: your formula indexes W_Q as E×K, but W_Q is K×E.",),
        (ENTRY_OF.format("(x_n W_Q)_k", "k", "x_n W_Q"), "read b_{Q,k} as the entry k of b_Q"),
        id="tokens as columns: an entry of one token's x_n W_Q: its shapes do not fit",
    ),
]
REFUSED += [
    pytest.param(  # was "unknown index Q"
        ATTN,
        "e.formula",
        "q_{n,k} = (x_n W_Q)_n + b_{Q,k}",
        "(x_n W_Q)_n, the entry n of x_n W_Q, is not read as a term: write x_n W_Q with indices",
        10,
        id="an entry of one token's product at the token's own index: not read, said so",
    ),
    # probeC 3.2: read as one name XW_Q[n], sent to a person as "a product of two weights"
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = (XW_Q)_{n} + b_k",
        "(XW_Q)_{n} has 1 index, but X·W_Q is a matrix: an entry of it has two, its row and "
        "its column",
        10,
        id="a row of XW_Q as a term: refused as a row, not as a product of two weights",
    ),
]
# probeC 2.1: rnn-q1 a's `h_{t,k} = \tanh(W_x x_t + W_h h_{t-1} + b)_k` was refused as
# "unknown index x" (untrue: x is part of W_x's name): the entry k of the state at t is read as
# `h_t = \tanh(…)`, as dense-tanh-q1's `h_k = \tanh(Wx + b)_k` is read as `h = \tanh(Wx + b)`.
RNN_ENTRY = "read tanh({0})_{{k}} as the entry k of tanh({0})"
GRADED += [
    pytest.param(
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh(W_x x_t + W_h h_{t-1} + b)_k",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (RNN_ENTRY.format("W_x x_t + W_h h_{t-1} + b"),),
        id="rnn: the entry k of tanh(W_x x_t + W_h h_{t-1} + b), read as h_t",
    ),
    pytest.param(
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh(U x_t + W h_{t-1} + b)_k",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (RNN_ENTRY.format("U x_t + W h_{t-1} + b"),),
        id="rnn: the entry k of tanh(U x_t + W h_{t-1} + b), read as h_t",
    ),
    pytest.param(  # guard: read since formula3's entry of one token's product
        RNN,
        "a.formula",
        r"h_{t,k} = \tanh((W_x x_t)_k + (W_h h_{t-1})_k + b_k)",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            ENTRY_OF.format("(W_x x_t)_k", "k", "W_x x_t"),
            ENTRY_OF.format("(W_h h_{t-1})_k", "k", "W_h h_{t-1}"),
        ),
        id="rnn: entries k of W_x x_t and W_h h_{t-1} as terms, read",
    ),
]
# probeC 2.4: `h = \tanh(W(x + b))` was refused as "expected ')' closing tanh(, not '('", though
# the student wrote that bracket: a factor times a bracket inside tanh(…) is said not to be read.
TIMES_BRACKET = "W(…), a factor times a bracket, is not read inside tanh(…): write the product multiplied out, term by term"
REFUSED += [
    pytest.param(DENSE, "a.formula", text, TIMES_BRACKET, position, id=name)
    for text, position, name in (
        (r"h = \tanh(W(x + b))", 11, "W(x + b) inside tanh(…): not read, said so"),
        (r"h_k = \tanh(W(x + b))_k", 13, "W(x + b) inside tanh(…)_k: not read, said so"),
        (r"h = \tanh W(x + b)", 11, "W(x + b) after a bracketless tanh: not read, said so"),
    )
]
# probeC 1.2: `q_{n,k} = (XA)_{n,k} + b_k` got 2/2 where `Q = XA + b_Q` goes to a person: the
# matrices of an entry's formula are held to the question's as a matrix form's are.
GIVEN_A = "Your formula uses A ({}) where the question gives W_Q ({}). Read with A as a matrix of its own, it defines the right layer; whether A may stand for W_Q is an instructor's call."
GRADED += [
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = (XA)_{n,k} + b_k",
        "needs_review",
        0.0,
        "given_matrix",
        (GIVEN_A.format("E×K", "E×K"), "An instructor will review it."),
        (ENTRY_OF.format("(XA)_{n,k}", "n,k", "XA"),),
        id="an entry of XA as a term, A for the given W_Q: to a person, as Q = XA + b_Q",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "q_{k,n} = (AX)_{k,n} + b_k",
        "needs_review",
        0.0,
        "given_matrix",
        (GIVEN_A.format("K×E", "K×E"), "An instructor will review it."),
        (ENTRY_OF.format("(AX)_{k,n}", "k,n", "AX"),),
        id="an entry of AX as a term, A for the given W_Q: to a person, as Q = AX + b_Q",
    ),
]
REFUSED += [
    pytest.param(
        COLUMNS,
        "a.formula",
        "q_{k,n} = (W_Q X)_{n,k} + b_{Q,k}",
        "(W_Q X)_{n,k} is the entry n,k of W_Q X, but the left side is the entry k,n of q: the "
        "two sides name different entries",
        17,
        id="an entry of W_Q X as a term at other indices than the output's: said so",
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        "q_{k,n} = (X W_Q)_{k,n} + b_{Q,k}",
        "(X W_Q)_{k,n}, the entry k,n of X W_Q, is not read as a term: the shapes do not fit: "
        "Q = X·W_Q would need K = E. X is E×N, one token per column, and Q is K×N: the "
        "projection is a K×E matrix applied to every column, so it can only multiply X on the "
        "left",
        10,
        id="an entry of X W_Q as a term, whose shapes do not fit: why, in words",
    ),
    # A bracket that holds no formula of its own is read as it was, its message about what
    # is written (it was refused showing the answer blanked but for the bracket, or as 'write
    # x_{i,l} w_{l,k} with indices', untrue).
    pytest.param(
        LINEAR,
        "d.formula",
        "y_{i,k} = (X W^2)_{i,k} + b_k",
        "a power is not part of a layer formula: each term is a weight times an input, or a bias",
        14,
        id="a bracket with a power and a subscript after it: the power, as before",
    ),
    pytest.param(
        LINEAR,
        "d.formula",
        "y_{i,k} = (x_{i,l} w_{l,k})_{i,k} + b_k",
        "unknown index l: it is not an index of the output and no sum introduces it (the "
        "indices here are i, k)",
        16,
        id="a bracket of entries with a subscript after it: its unsummed index, as before",
    ),
]


# `h = \tanh(Wx + b) = \tanh(Wx + b)_k` was refused as "expected '+', '-' or the end of the
# formula, not '_'" (the output before it has no indices to match): a marker reads the vector
# form, then its k-th entry, and so is it, at the entry's own index.
TANH_WXB = r"h = \tanh(Wx + b)"
GRADED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(Wx + b) = \tanh(Wx + b)_k",
        "correct",
        3.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format(TANH_WXB, TANH_WXB),
            ENTRY_OF.format("tanh(Wx + b)_{k}", "k", "tanh(Wx + b)"),
            VECTOR_LAYER,
        ),
        id="a chain: h = tanh(Wx + b), then its entry k",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "Q = XW_Q + b_Q = (XW_Q + b_Q)_{n,k}",
        "correct",
        2.0,
        None,
        CORRECT_LAYER,
        (
            CHAINED_TWO.format("Q = XW_Q + b_Q", "Q = XW_Q + b_Q"),
            ENTRY_OF.format("(XW_Q + b_Q)_{n,k}", "n,k", "XW_Q + b_Q"),
        ),
        id="a chain: Q = XW_Q + b_Q, then its entry n,k",
    ),
    pytest.param(  # a guard: sides that define different layers are a person's call
        DENSE,
        "a.formula",
        r"h = \tanh(Wx) = \tanh(Wx + b)_k",
        "needs_review",
        0.0,
        None,
        (
            r"Your chain of working writes the layer as h = \tanh(Wx) and as h = \tanh(Wx + b), "
            "which define different layers; read as its last side, it defines the right layer; "
            "which one you mean is an instructor's call.",
            "An instructor will review it.",
        ),
        (
            CHAINED_APART.format(r"h = \tanh(Wx)", TANH_WXB),
            ENTRY_OF.format("tanh(Wx + b)_{k}", "k", "tanh(Wx + b)"),
            VECTOR_LAYER,
        ),
        id="a chain: h = tanh(Wx), then an entry of tanh(Wx + b): a person's call",
    ),
]

# `h = \tanh2x` was refused as "the output h cannot also be read on the right side" (the h of
# tanh): a digit straight after an activation is a lost superscript or the argument's start,
# refused naming both, as an expression's is.
REFUSED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh2x",
        r"'\tanh2x' is ambiguous: 2 straight after \tanh may be a power whose superscript was "
        r"lost, \tanh^2 x, or the start of the function's argument, \tanh(2x); write it with ^ "
        "or brackets",
        4,
        id="h = backslash tanh2x: a lost superscript or the argument, for a person",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh2(Wx + b)",
        r"'\tanh2(Wx + b)' is ambiguous: 2 straight after \tanh may be a power whose "
        r"superscript was lost, \tanh^2(Wx + b), or the start of the function's argument, "
        r"\tanh(2(Wx + b)); write it with ^ or brackets",
        4,
        id="h = backslash tanh2(Wx + b): the same, before a bracket",
    ),
    # `h = \tanh Wx + b` was refused as "the output h cannot also be read on the right side"
    # (the h of tanh): where tanh's argument ends is unsaid, and said so.
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh Wx + b",
        r"\tanh is written without brackets and a '+' follows: whether what follows is inside "
        "tanh or added after it is unsaid; write its argument in brackets, tanh(…)",
        4,
        id="h = tanh Wx + b, without brackets: where its argument ends is unsaid",
    ),
]

# `h = \tanh 2x`, spaced, was refused as "the output h cannot also be read on the right side"
# (the h of tanh): an activation without brackets is read around all that follows it, as
# `h = \tanh(2x)` is, with a note.
GRADED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh 2x",
        "incorrect",
        0.0,
        "shape",
        (
            "The shapes do not fit: x has C entries and h has D; a matrix must map one to the other.",
        ),
        (r"read \tanh 2x as tanh(2x), \tanh of all after it", VECTOR_LAYER),
        id="h = tanh 2x, spaced: read as h = tanh(2x), its message that one's",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh \sum_j w_{k,j} x_j",
        "partial",
        2.0,
        "bias_missing",
        ("Your formula has no bias; this layer has one: every output has its own.",),
        (r"read \tanh \sum_j w_{k,j} x_j as tanh(\sum_j w_{k,j} x_j), \tanh of all after it",),
        id="an index form's tanh without brackets: read around all that follows it",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh \sum_j w_{k,j} x_j, 1 \le k \le D",
        "partial",
        2.0,
        "bias_missing",
        ("Your formula has no bias; this layer has one: every output has its own.",),
        (r"read \tanh \sum_j w_{k,j} x_j as tanh(\sum_j w_{k,j} x_j), \tanh of all after it",),
        id="tanh without brackets, then where the formula holds: its argument ends at the comma",
    ),
]


# `h = b - \tanh(Wx)` was refused as "here it is inside a product" (it is subtracted), and
# `Q = b_Q - \tanh(XW_Q)` read as the product t·a·n·h·X·W_Q: each is refused saying where the
# activation is.
PLACED = "tanh(…) is read only around the whole right side, as in {} = tanh(…); here it is {}"
REFUSED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h = b - \tanh(Wx)",
        PLACED.format("h", "subtracted, with a minus sign before it"),
        8,
        id="b - tanh(Wx): subtracted, not inside a product",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = -\tanh(Wx + b)",
        PLACED.format("h", "negated, with a minus sign before it"),
        5,
        id="-tanh(Wx + b): negated, not inside a product",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = b_Q - \tanh(XW_Q)",
        PLACED.format("Q", "subtracted, with a minus sign before it"),
        10,
        id="a matrix form: b_Q - tanh(XW_Q) is not read as the product t·a·n·h·X·W_Q",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"Q = 2\tanh(XW_Q + b_Q)",
        PLACED.format("Q", "inside a product"),
        6,
        id="a matrix form: 2 tanh(XW_Q + b_Q), inside a product",
    ),
    # The index form's was refused as "'tanh' is not a tensor entry", untrue.
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = b_k - \tanh(\sum_j w_{k,j} x_j)",
        PLACED.format("h_k", "subtracted, with a minus sign before it"),
        12,
        id="an index form: b_k - tanh(sum), subtracted, not 'tanh is not a tensor entry'",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = -\tanh(\sum_j w_{k,j} x_j + b_k)",
        PLACED.format("h_k", "negated, with a minus sign before it"),
        7,
        id="an index form: -tanh(sum + b_k), negated",
    ),
]


# `\tanh(Wx + b)_k` alone was refused as "expected the indices of tanh, e.g. tanh_{i,k}"
# (tanh read as the output): it is a right side without the output, said so.
REFUSED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"\tanh(Wx + b)_k",
        "expected the output before tanh(…), e.g. y_{i,k} = tanh(…): a right side alone is "
        "not read",
        0,
        id="tanh(Wx + b)_k alone: the output is missing, not tanh's indices",
    ),
]


# probeC 3.1: `h = \tanh(Wx) + \tanh b` was refused as "the output h cannot also be read on the
# right side" (untrue: \tanh b was read as the letters t·a·n·h·b): an activation written as a
# LaTeX command without brackets, inside the right side, is refused saying where it is.
REFUSED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(Wx) + \tanh b",
        PLACED.format("h", "not the whole right side"),
        16,
        id="tanh(Wx) + \\tanh b: not the whole right side, not 'the output h'",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h = \tanh(W x) - \tanh b",
        PLACED.format("h", "subtracted, with a minus sign before it"),
        17,
        id="tanh(W x) - \\tanh b: subtracted, not 'the output h'",
    ),
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(\sum_l W_{k,l} x_l) + \tanh b_k",
        PLACED.format("h_k", "not the whole right side"),
        34,
        id="an index form's + \\tanh b_k: not the whole right side",
    ),
]


# probeC 3.3: `h_k = \tanh(Wx_k + b_k)` was read with Wx one name (reading no input), and told
# "h[1] should read x[1], but in your formula it does not", untrue to a student who wrote x_k.
REFUSED += [
    pytest.param(
        DENSE,
        "a.formula",
        r"h_k = \tanh(Wx_k + b_k)",
        "Wx_k writes its index on one name, Wx: whether it is W times x_k is unsaid; write each "
        "factor with its indices, e.g. w_{l,k} x_{i,j,l}",
        12,
        id="Wx_k: one name with an index, not 'h[1] should read x[1]'",
    ),
]


@pytest.mark.parametrize(("rubric", "item", "text", "message", "position"), REFUSED)
def test_refused_with_the_place_and_the_reason(rubric, item, text, message, position):
    result = grade_answer(rubric, rubric.items[item], text)
    assert result.verdict == "invalid"
    assert (
        result.feedback[0]
        == f"We could not read your answer: {message} (at column {position + 1})."
    )
    assert result.error_position == position


# --- A number in a bracket is read as the same number outside it ---------------------------

SAME_NUMBER = [
    pytest.param(
        COLUMNS, "a.formula", "Q = (2 W_Q X) + b_Q", "Q = 2 W_Q X + b_Q", id="in a bracket"
    ),
    pytest.param(
        COLUMNS,
        "a.formula",
        r"Q = (W_Q \cdot 0.5 X) + b_Q",
        "Q = 0.5 W_Q X + b_Q",
        id="a decimal among the factors",
    ),
    pytest.param(LINEAR, "e.formula", "Y = (3 X) W", "Y = 3 X W", id="with the input only"),
]


@pytest.mark.parametrize(("rubric", "item", "bracketed", "outside"), SAME_NUMBER)
def test_a_number_in_a_bracket_is_read_as_outside_it(rubric, item, bracketed, outside):
    # A number times the weights is the weights' business (Y = 2XW is graded as Y = XW where W
    # is the student's); inside a bracket it was unreadable ("expected a matrix …, not '2'").
    results = [grade_answer(rubric, rubric.items[item], text) for text in (bracketed, outside)]
    read = [(r.verdict, r.marks, r.interpretation, r.feedback, r.reading_notes) for r in results]
    assert results[0].verdict != "invalid"
    assert read[0] == read[1]


# --- How an output index written as a sum is read --------------------------------------------

g, n = sympy.Symbol("g", integer=True), sympy.Symbol("n", integer=True)
C, D, G = (GROUPED.symbol_table[name] for name in "CDG")
ONE = sympy.Integer(1)

ENUMERATIONS = [
    pytest.param(
        r"y_{i,j,(g-1)D/G+n} = \sum_{m=1}^{C/G} w_{m,g,n} x_{i,j,m}",
        (SumRange(g, ONE, G), SumRange(n, ONE, D / G)),
        id="blocks of D/G: g over D/(D/G) = G blocks, n within one",
    ),
    pytest.param(
        r"y_{i,j,n+gD/G} = \sum_{m=1}^{C/G} w_{m,g,n} x_{i,j,m}",
        (SumRange(g, ONE, G), SumRange(n, ONE, D / G)),
        id="the letters in either order, each counted from 1",
    ),
    pytest.param(
        r"y_{i,j,(g-1)C/G+n} = \sum_{m=1}^{C/G} w_{m,g,n} x_{i,j,m}",
        (SumRange(g, ONE, G), SumRange(n, ONE, D / G)),
        id="blocks of C/G do not tile D: g over the G groups",
    ),
    pytest.param(
        r"y_{i,j,(g-1)D/G+n} = \sum_{m=1}^{C/G} w_{m,g,n} x_{i,j,m}, 0 \leq g < G, 1 \leq n \leq 2",
        (SumRange(g, sympy.Integer(0), G - 1), SumRange(n, ONE, sympy.Integer(2))),
        id="ranges written as conditions win",
    ),
    pytest.param(
        r"y_{i,j,(g-1)D/G+n} = \sum_{m=1}^{C/G} w_{m,g,n} x_{i,j,m}, G \geq g \geq 1",
        (SumRange(g, ONE, G), SumRange(n, ONE, D / G)),
        id="a condition the other way round, the other range read",
    ),
    pytest.param(
        r"y_{i,j,k+1} = \sum_{m=1}^{C} w_{m,k} x_{i,j,m}",
        (SumRange(sympy.Symbol("k", integer=True), ONE, D),),
        id="one letter with coefficient 1: over the axis, from 1",
    ),
]


@pytest.mark.parametrize(("text", "ranges"), ENUMERATIONS)
def test_the_letters_of_an_output_index_are_given_ranges(text, ranges):
    item = GROUPED.items["a.formula"]
    formula = parse_formula(text, GROUPED.symbol_table, item.spec.layer)
    assert formula.enumerates == ranges
    assert formula.unsure is None


# --- Which layouts hold one token per column -------------------------------------------------


def _layer(x: str, y: str) -> LayerSpec:
    def shape(text: str) -> tuple[sympy.Expr, ...]:
        return tuple(
            sympy.Symbol(s) if s.isalpha() else sympy.Integer(int(s)) for s in text.split(",")
        )

    return LayerSpec(TensorSpec("x", shape(x)), TensorSpec("y", shape(y)))


LAYOUTS = [
    pytest.param(_layer("E,N", "K,N"), True, id="E×N to K×N: tokens as columns"),
    pytest.param(_layer("N,E", "N,K"), False, id="N×E to N×K: tokens as rows"),
    pytest.param(_layer("E,N", "E,N"), False, id="the same first axis: not told apart"),
    pytest.param(_layer("P,2", "Q,2"), False, id="a last axis of a fixed number"),
    pytest.param(
        LayerSpec(
            TensorSpec("x", (sympy.Symbol("P"), sympy.Symbol("C"))),
            TensorSpec("y", (sympy.Symbol("P") - 1, sympy.Symbol("C"))),
        ),
        False,
        id="a valid convolution, P to P-1 positions",
    ),
    pytest.param(_layer("P,Q,C", "P,Q,D"), False, id="three axes"),
]


@pytest.mark.parametrize(("layer", "columns"), LAYOUTS)
def test_tokens_as_columns_is_read_from_the_shapes(layer, columns):
    assert tokens_as_columns(layer) is columns


# --- In a rubric ---------------------------------------------------------------------------

RUBRIC_BY_GROUPS = r"""
id: BY-GROUPS
title: A grouped 1x1 convolution, its output channel named by group and place
symbols:
  P: {meaning: the positions, example: 5}
  C: {meaning: the input channels, example: 4}
  D: {meaning: the output channels, example: 6}
  G: {meaning: the groups, example: 4}
parts:
  a:
    marks: 1
    prompt: Write y.
    items:
      formula:
        type: formula
        marks: 1
        input: {name: x, shape: [P, C]}
        output: {name: y, shape: [P, D]}
        answer: 'ANSWER'
"""


def test_default_sizes_are_moved_so_that_an_output_index_is_whole():
    answer = r"y_{i,(g-1)D/G+n} = \sum_{l=1}^{C} w_{l,g,n} x_{i,l} + b_{g,n}"
    rubric = load_rubric_text(RUBRIC_BY_GROUPS.replace("ANSWER", answer), "by-groups.yaml")
    for sizes in rubric.size_sets:
        values = dict(sizes)
        assert values["D"] % values["G"] == 0, rubric.size_sets


def test_a_rubric_formula_whose_output_index_cannot_be_read_is_a_rubric_problem():
    answer = r"y_{i,g+n} = \sum_{l=1}^{C} w_{l,g,n} x_{i,l} + b_{g,n}"
    with pytest.raises(RubricError) as raised:
        load_rubric_text(RUBRIC_BY_GROUPS.replace("ANSWER", answer), "by-groups.yaml")
    assert str(raised.value).splitlines()[1:] == [
        "  by-groups.yaml:19: parts.a.items.formula.answer: cannot check "
        + f"'{answer}'"
        + ": The output index g+n names an output by g and n, whose ranges cannot be told from "
        "it: write them after the formula, e.g. y_{…} = …, 1 ≤ g ≤ …, 1 ≤ n ≤ …."
    ]


# A mean written as a marker reads it: a decimal coefficient (0.25 for the mean of a 2x2
# window, read exactly as 1/4) or terms over a number (\frac{\sum ...}{4}); a number in a
# subscript is still one digit of an index (x_2.5 is no decimal).
DECIMALS = [
    pytest.param(
        r"y_{i,j,k} = \frac{\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k}}{4}",
        ("correct", 3.0, None),
        "y[i,j,k] = Σ_{u=0..1} Σ_{v=0..1} 1/4·x[2i+u-1,2j+v-1,k]",
        id="the window's sum over 4 as a fraction",
    ),
    pytest.param(
        r"y_{i,j,k} = \frac{x_{2i-1,2j-1,k} + x_{2i,2j-1,k} + x_{2i-1,2j,k} + x_{2i,2j,k}}{4}",
        ("correct", 3.0, None),
        "y[i,j,k] = 1/4·x[2i-1,2j-1,k] + 1/4·x[2i,2j-1,k] + 1/4·x[2i-1,2j,k] + 1/4·x[2i,2j,k]",
        id="four inputs written out over 4",
    ),
    pytest.param(
        r"y_{i,j,k} = 0.25 \sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        ("correct", 3.0, None),
        "y[i,j,k] = Σ_{u=0..1} Σ_{v=0..1} 1/4·x[2i+u-1,2j+v-1,k]",
        id="0.25 is the mean of four",
    ),
    pytest.param(
        r"y_{i,j,k} = \sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k} / 4.0",
        ("correct", 3.0, None),
        "y[i,j,k] = Σ_{u=0..1} Σ_{v=0..1} 1/4·x[2i+u-1,2j+v-1,k]",
        id="dividing by 4.0",
    ),
    pytest.param(
        r"y_{i,j,k} = 0.5 \sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i-1+u,2j-1+v,k}",
        ("partial", 2.0, "pooling_scale"),
        "y[i,j,k] = Σ_{u=0..1} Σ_{v=0..1} 1/2·x[2i+u-1,2j+v-1,k]",
        id="0.5 is no mean of four",
    ),
]


@pytest.mark.parametrize(("text", "graded", "read"), DECIMALS)
def test_a_mean_written_as_a_decimal_or_a_fraction_is_read_exactly(text, graded, read):
    result = grade_answer(POOL, POOL.items["a.formula"], text)
    assert (result.verdict, result.marks, result.diagnosis) == graded, result.feedback
    assert result.interpretation == read


def test_a_number_in_a_subscript_is_no_decimal():
    # x_2.5 is x_2 followed by ".5", refused where the '.' stands, as before decimals.
    with pytest.raises(AnswerError) as raised:
        parse_formula("y_{i,j,k} = x_2.5", POOL.symbol_table, POOL.items["a.formula"].spec.layer)
    assert (raised.value.position, raised.value.message) == (
        15,
        "expected '+', '-' or the end of the formula, not '.'",
    )


# `\frac14` is LaTeX for \frac{1}{4} (one character an argument), as the count and expression
# readers read it; in a formula it was refused ("expected '{' after \frac").
@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (r"y_{i,j,k} = \frac14\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k}", "correct"),
        (r"y_{i,j,k} = \frac 14 \sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k}", "correct"),
        (r"y_{i,j,k} = \frac13\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k}", "partial"),
        (r"y_{i,j,k} = \frac124\sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k}", "invalid"),
    ],
    ids=["frac14", "frac 14", "frac13: the mean's scale wrong", "frac124: unclear, refused"],
)
def test_a_fraction_of_two_digits_without_braces_is_read_as_latex_reads_it(text, verdict):
    assert grade_answer(POOL, POOL.items["a.formula"], text).verdict == verdict


# `\max_{u,v \in \{0,2\}} x_{2i+u,2j+v,k}` (values at one step from one another) and a list of
# one entry, `\max\{x_{2i,2j,k}\}`, were refused ("a max over a set runs over consecutive whole
# numbers", "a max over a list is read where …"); a marker reads them (every other input, the
# max of one input) and marks them wrong. Read so, with a note, and graded exactly as the
# formula written out: never more.
SPREAD = "read the max over {0} ∈ {{{1}}} as one over {0} = {2} with {3} = 0..{4}"


@pytest.mark.parametrize(
    ("text", "written_out", "verdict", "diagnosis", "notes"),
    [
        pytest.param(
            r"z_{i,j,k} = \max_{u,v \in \{0,2\}} x_{2i+u,2j+v,k}",
            r"z_{i,j,k} = \max_{s=0}^{1}\max_{t=0}^{1} x_{2i+2s,2j+2t,k}",
            "incorrect",
            "pooling_inputs",
            (SPREAD.format("u", "0, 2", "2s", "s", 1), SPREAD.format("v", "0, 2", "2t", "t", 1)),
            id="a window spread out over every other input",
        ),
        pytest.param(
            r"z_{i,j,k} = \max_{u,v \in \{-1,1\}} x_{2i+u,2j+v,k}",
            r"z_{i,j,k} = \max_{s=0}^{1}\max_{t=0}^{1} x_{2i+2s-1,2j+2t-1,k}",
            "incorrect",
            "pooling_inputs",
            (
                SPREAD.format("u", "-1, 1", "2s-1", "s", 1),
                SPREAD.format("v", "-1, 1", "2t-1", "t", 1),
            ),
            id="a spread-out window around the position",
        ),
        pytest.param(
            r"z_{i,j,k} = \max_{u,v \in \{0,2,4\}} x_{2i+u,2j+v,k}",
            r"z_{i,j,k} = \max_{s=0}^{2}\max_{t=0}^{2} x_{2i+2s,2j+2t,k}",
            "incorrect",
            "pooling_inputs",
            (
                SPREAD.format("u", "0, 2, 4", "2s", "s", 2),
                SPREAD.format("v", "0, 2, 4", "2t", "t", 2),
            ),
            id="three values at a step of 2",
        ),
        pytest.param(
            r"z_{i,j,k} = \max_{u,v \in \{0,2\}} x_{i+u/2,j+v/2,k}",
            r"z_{i,j,k} = \max_{s=0}^{1}\max_{t=0}^{1} x_{i+s,j+t,k}",
            "partial",
            "pooling_window",
            (SPREAD.format("u", "0, 2", "2s", "s", 1), SPREAD.format("v", "0, 2", "2t", "t", 1)),
            id="halved back: a 2x2 window with the wrong stride, as written out",
        ),
        # `\max_{u \in \{0,2\}, v \in \{0,1\}}`: two sets after one max, separated by a
        # comma, were refused ("expected '}'"); read as one max over each, as a single set is
        pytest.param(
            r"z_{i,j,k} = \max_{u \in \{0,2\}, v \in \{0,1\}} x_{2i+u,2j+v,k}",
            r"z_{i,j,k} = \max_{s=0}^{1}\max_{v=0}^{1} x_{2i+2s,2j+v,k}",
            "incorrect",
            "pooling_inputs",
            (SPREAD.format("u", "0, 2", "2s", "s", 1),),
            id="two sets after one max, one spread out: wrong, as written out",
        ),
        pytest.param(
            r"z_{i,j,k} = \max_{u \in \{0,1\}, v \in \{0,1\}} x_{2i+u,2j+v,k}",
            r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} x_{2i+u,2j+v,k}",
            "correct",
            None,
            (),
            id="two sets after one max: the window, as written out",
        ),
        pytest.param(
            r"z_{i,j,k} = \max\{x_{2i,2j,k}\}",
            r"z_{i,j,k} = x_{2i,2j,k}",
            "incorrect",
            "pooling_inputs",
            ("read the max of one entry of x as that entry: x_{2i,2j,k}",),
            id="a list of one entry",
        ),
        pytest.param(
            r"z_{i,j,k} = \max\{x_{2i-1,2j-1,k}\}",
            r"z_{i,j,k} = x_{2i-1,2j-1,k}",
            "incorrect",
            "pooling_inputs",
            ("read the max of one entry of x as that entry: x_{2i-1,2j-1,k}",),
            id="a list of one entry, counted from 1",
        ),
        pytest.param(
            r"z_{i,j,k} = \max(x_{2i,2j,k})",
            r"z_{i,j,k} = x_{2i,2j,k}",
            "incorrect",
            "pooling_inputs",
            ("read the max of one entry of x as that entry: x_{2i,2j,k}",),
            id="one entry in round brackets",
        ),
    ],
)
def test_a_spread_out_set_or_a_list_of_one_is_read_and_graded_as_written_out(
    text, written_out, verdict, diagnosis, notes
):
    result = grade_answer(POOL, POOL.items["d.formula"], text)
    out = grade_answer(POOL, POOL.items["d.formula"], written_out)
    assert (result.verdict, result.diagnosis, result.reading_notes) == (
        verdict,
        diagnosis,
        (*notes, *out.reading_notes),
    )
    assert (result.marks, result.interpretation, result.feedback) == (
        out.marks,
        out.interpretation,
        out.feedback,
    )


# probe10 S1-c: a max over a letter the entry does not use (`\max_{w=0}^{1}`) got 0, "Your
# formula scales by 2", though a max of one value is that value; and a wrong window was told it
# scales by 2 too. Such a max is read as the entry itself, with a note; a number before the
# max still scales it.
IDLE_W = (
    "read the max over w, which no index of the entry uses, as the entry itself: it changes nothing"
)
IDLE_V = IDLE_W.replace("over w", "over v")
FROM_ZERO = "read the indices as counted from 0"


@pytest.mark.parametrize(
    ("text", "verdict", "marks", "feedback", "notes"),
    [
        pytest.param(
            r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1}\max_{w=0}^{1} x_{2i+u,2j+v,k}",
            "correct",
            2.0,
            CORRECT_LAYER,
            (FROM_ZERO, IDLE_W),
            id="a max over w, which the entry does not use",
        ),
        pytest.param(
            r"z_{i,j,k} = \max_{u \in \{0,1\}, v \in \{0,1\}, w \in \{0,1\}} x_{2i+u,2j+v,k}",
            "correct",
            2.0,
            CORRECT_LAYER,
            (FROM_ZERO, IDLE_W),
            id="the same with one max over the sets",
        ),
        pytest.param(
            r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} x_{2i+u,2j,k}",
            "incorrect",
            0.0,
            (
                "Your windows are not this pooling's: with P=6, Q=4, C=3, z[0,0,0] reads "
                "x[0,0,0] and x[1,0,0]; it should take the max of x[0,0,0], x[0,1,0], x[1,0,0] "
                "and x[1,1,0].",
            ),
            (FROM_ZERO, IDLE_V),
            id="guard: a wrong window, told only that",
        ),
        pytest.param(
            r"z_{i,j,k} = 2\max_{u=0}^{1}\max_{v=0}^{1} x_{2i+u,2j+v,k}",
            "incorrect",
            0.0,
            (
                "Your formula scales by 2; max pooling takes the largest input of each window "
                "as it is, not scaled.",
            ),
            (FROM_ZERO,),
            id="guard: a number before the max still scales it",
        ),
    ],
)
def test_a_max_over_an_unused_letter_changes_nothing(text, verdict, marks, feedback, notes):
    result = grade_answer(POOL, POOL.items["d.formula"], text)
    assert (result.verdict, result.marks, result.feedback) == (verdict, marks, feedback)
    assert sorted(result.reading_notes) == sorted(notes)
