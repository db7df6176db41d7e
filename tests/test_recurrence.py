"""Layers with several inputs and one step of a recurrence (issue 17, point 3): a rubric's
formula item lists its inputs; a recurrent cell lists its own output among them, read at t-1.
Each answer's whole result is asserted (verdict, marks, diagnosis, every feedback line), for
the bundled Elman cell (rubrics/rnn-q1.yaml) and for a layer with two inputs that is not
recurrent, whose findings speak of a layer applied at every time step."""

# Formulas are written out in full, as students write them, so some lines are long.
# ruff: noqa: E501

from pathlib import Path

import pytest

from grader.errors import AnswerError, RubricError
from grader.grade import grade_answer, grade_paths
from grader.kinds.formula.check import same_layer
from grader.kinds.formula.parse import parse_formula
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent
RNN = load_rubric(ROOT / "rubrics" / "rnn-q1.yaml")
TWO = load_rubric_text(
    r"""
id: TWO
title: A layer with two inputs
symbols:
  T: {meaning: the number of steps, example: 6}
  E: {meaning: the size of x, example: 3}
  S: {meaning: the size of s, example: 2}
  D: {meaning: the outputs, example: 4}
check_sizes:
  - {T: 4, E: 3, S: 2, D: 5}
  - {T: 5, E: 2, S: 4, D: 3}
parts:
  a:
    marks: 2
    prompt: Each output reads x and s at its own step.
    items:
      formula:
        type: formula
        marks: 2
        inputs: [{name: x, shape: [T, E]}, {name: s, shape: [T, S]}]
        output: {name: y, shape: [T, D]}
        answer: 'y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t,e} + \sum_{m=1}^{S} v_{k,m} s_{t,m} + b_k'
        partial_credit: {input_missing: 1}
""",
    "two.yaml",
)

CELL = r"h_t = \tanh(W_x x_t + W_h h_{t-1} + b)"
INDEXED = r"h_{t,k} = \tanh(\sum_{e} u_{k,e} x_{t,e} + \sum_{m} w_{k,m} h_{t-1,m} + b_k)"
CORRECT = ("Correct: your formula defines the same layer.",)


def read(rubric, text: str):
    return parse_formula(text, rubric.symbol_table, rubric.items["a.formula"].spec.layer)


# --- How the vector form is read -----------------------------------------------------------

READINGS = [
    pytest.param(
        CELL,
        "h_t = tanh(W_x·x_t + W_h·h_{t-1} + b), read as h[t,k] = tanh(Σ_{m=1..E} W_x[k,m]·x[t,m] + Σ_{m=1..H} W_h[k,m]·h[t-1,m] + b[k])",
        id="the cell with vectors: a matrix before a vector multiplies it as a column",
    ),
    pytest.param(
        r"h_{t} = tanh(W_{xh}x_t + W_{hh}h_{t-1} + b_h)",
        "h_t = tanh(W_{xh}·x_t + W_{hh}·h_{t-1} + b_h), read as h[t,k] = tanh(Σ_{m=1..E} W_{xh}[k,m]·x[t,m] + Σ_{m=1..H} W_{hh}[k,m]·h[t-1,m] + b_h[k])",
        id="matrices named with two letters, a bias with a subscript",
    ),
    pytest.param(
        r"h_t = \tanh(W_hh_{t-1} + W_xx_t + b)",
        "h_t = tanh(W_h·h_{t-1} + W_x·x_t + b), read as h[t,k] = tanh(Σ_{m=1..H} W_h[k,m]·h[t-1,m] + Σ_{m=1..E} W_x[k,m]·x[t,m] + b[k])",
        id="W_hh_{t-1} is W_h times h_{t-1}, as in LaTeX",
    ),
    pytest.param(
        r"h_t = \tanh(x_t^T W_x + h_{t-1}^T W_h + b)",
        "h_t = tanh(x_tᵀ·W_x + h_{t-1}ᵀ·W_h + b), read as h[t,k] = tanh(Σ_{m=1..E} W_x[m,k]·x[t,m] + Σ_{m=1..H} W_h[m,k]·h[t-1,m] + b[k])",
        id="row vectors: a matrix after a vector",
    ),
    pytest.param(
        r"h_t = W_x^{T} x_t + W_h' h_{t-1} + b",
        "h_t = W_xᵀ·x_t + W_hᵀ·h_{t-1} + b, read as h[t,k] = Σ_{m=1..E} W_x[m,k]·x[t,m] + Σ_{m=1..H} W_h[m,k]·h[t-1,m] + b[k]",
        id="transposed matrices",
    ),
    pytest.param(
        r"h_t = \sigma(2 W x_t - U h_{t-1})",
        "h_t = σ(2·W·x_t - U·h_{t-1}), read as h[t,k] = σ(Σ_{m=1..E} 2·W[k,m]·x[t,m] - Σ_{m=1..H} U[k,m]·h[t-1,m])",
        id="coefficients and signs",
    ),
    pytest.param(
        r"h_t = tanh(W_x x_t + W_h h_{t-1} + b_{h,t})",
        "h_t = tanh(W_x·x_t + W_h·h_{t-1} + b_h[t]), read as h[t,k] = tanh(Σ_{m=1..E} W_x[k,m]·x[t,m] + Σ_{m=1..H} W_h[k,m]·h[t-1,m] + b_h[t,k])",
        id="a subscript holding the time step: one parameter per step",
    ),
    pytest.param(
        INDEXED,
        "h[t,k] = tanh(Σ_{e=1..E} u[k,e]·x[t,e] + Σ_{m=1..H} w[k,m]·h[t-1,m] + b[k])",
        id="the index form: sums without ranges run over the axis they index",
    ),
]


@pytest.mark.parametrize(("text", "reading"), READINGS)
def test_the_vector_form_is_read_as_the_index_formula_it_stands_for(text, reading):
    assert read(RNN, text).reading == reading


SHAPES = [
    pytest.param(
        r"h_t = \tanh(W x_t + W h_{t-1} + b)",
        "The shapes do not fit: W is used for x_t and for h_{t-1}, which would need it to be both H×E and H×H; each needs its own matrix.",
        id="one matrix for the input and the state",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_t W_h h_{t-1} + b)",
        "The shapes do not fit: a term multiplies two vectors; each term is a matrix times one vector, or a bias.",
        id="two vectors in one term",
    ),
    pytest.param(
        r"h_t = \tanh(A B x_t + b)",
        "The shapes do not fit: x_t is multiplied by 2 matrices; the shape between them cannot be told. Write one matrix per term, e.g. W x_t.",
        id="two matrices in one term",
    ),
]


@pytest.mark.parametrize(("text", "problem"), SHAPES)
def test_shapes_that_cannot_fit_are_said_in_words(text, problem):
    assert read(RNN, text).shape_problem == problem


ERRORS = [
    pytest.param(
        r"h_t = \tanh(W_x x + W_h h_{t-1} + b)",
        "write x with its time step, e.g. x_t or x_{t-1}",
        16,
        id="a vector without its time step",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_s + W_h h_{t-1} + b)",
        "unknown index s: it is not an index of the output and no sum introduces it (the indices here are t)",
        18,
        id="a time step in another letter",
    ),
    pytest.param(
        r"h_t = W_x^2 x_t", "expected T, for a transpose, not '2'", 10, id="a power of a matrix"
    ),
    pytest.param(
        r"H = XW_x + HW_h + b",
        "a matrix form such as H = XW reads one input; this layer reads x and h: write it with indices, or with vectors at a time step, e.g. h_t = W x_t + b",
        0,
        id="a matrix form of one input",
    ),
]


@pytest.mark.parametrize(("text", "message", "where"), ERRORS)
def test_what_cannot_be_read_says_why_and_where(text, message, where):
    with pytest.raises(AnswerError) as raised:
        read(RNN, text)
    assert (raised.value.message, raised.value.position) == (message, where)


# --- The same cell, however written ----------------------------------------------------------

PAIRS = [
    pytest.param(CELL, INDEXED, True, id="vectors and indices"),
    pytest.param(CELL, r"h_t = tanh(b + U h_{t-1} + W x_t)", True, id="other names, other order"),
    pytest.param(CELL, r"h_t = \tanh(x_t^T A + h_{t-1}^T B + c)", True, id="row vectors"),
    pytest.param(CELL, r"h_t = \tanh(W_x x_t + W_h h_t + b)", False, id="h_t for h_{t-1}"),
    pytest.param(CELL, r"h_t = \tanh(W_x x_t + b)", False, id="no recurrent term"),
    pytest.param(CELL, r"h_t = \sigma(W_x x_t + W_h h_{t-1} + b)", False, id="another activation"),
]


@pytest.mark.parametrize(("first", "second", "same"), PAIRS)
def test_which_formulas_define_the_same_cell(first, second, same):
    layer = RNN.items["a.formula"].spec.layer
    assert same_layer(read(RNN, first), read(RNN, second), layer, RNN.size_sets) is same


# --- Grading the Elman cell ----------------------------------------------------------------

GRADES = [
    pytest.param(CELL, "correct", 3, None, CORRECT, id="the cell with vectors"),
    pytest.param(INDEXED, "correct", 3, None, CORRECT, id="the cell with indices"),
    pytest.param(
        r"h_t = \tanh(W_h h_{t-1} + W_x x_t + b)",
        "correct",
        3,
        None,
        CORRECT,
        id="terms in another order",
    ),
    pytest.param(
        r"h_t = W_x x_t + W_h h_{t-1} + b",
        "partial",
        2,
        "activation_missing",
        (
            "Your formula has no activation: this layer applies tanh to the weighted sum, tanh(… + b).",
        ),
        id="no activation",
    ),
    pytest.param(
        r"h_t = ReLU(W_x x_t + W_h h_{t-1} + b)",
        "partial",
        2,
        "activation_wrong",
        ("Your activation is ReLU; this layer applies tanh to the weighted sum.",),
        id="another activation",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_t + W_h h_{t-1})",
        "partial",
        2,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each hidden unit has one, shared by every time step.",
        ),
        id="no bias, in the words of a recurrent cell",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_t + W_h h_{t-1} + b_t)",
        "partial",
        2,
        "bias_unshared",
        (
            "Your bias differs from time step to time step; in this layer each hidden unit has one bias, shared by every time step.",
        ),
        id="a bias per time step",
    ),
    pytest.param(
        r"h_t = \tanh(W_h x_t + W_x h_{t-1} + b)",
        "partial",
        2,
        "weights_swapped",
        (
            "Your W_h multiplies x_t and your W_x multiplies h_{t-1}: in this question W_x weighs x_t and W_h weighs h_{t-1}.",
        ),
        id="the question's weight matrices swapped",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_t + W_h h_t + b)",
        "partial",
        1,
        "reads_own_output",
        (
            "Your h_t reads h_t: the cell reads its own output, which is what it is computing. The recurrent term reads the previous state, h_{t-1}.",
        ),
        id="h_t where h_{t-1} belongs, with vectors",
    ),
    pytest.param(
        r"h_{t,k} = \tanh(\sum_{e} u_{k,e} x_{t,e} + \sum_{m} w_{k,m} h_{t,m} + b_k)",
        "partial",
        1,
        "reads_own_output",
        (
            "Your h_t reads h_t: the cell reads its own output, which is what it is computing. The recurrent term reads the previous state, h_{t-1}.",
        ),
        id="h_t where h_{t-1} belongs, with indices",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_t + W_h h_{t-2} + b)",
        "partial",
        1,
        "time_step",
        ("Your h_t reads h_{t-2}; this cell reads h_{t-1}.",),
        id="the state two steps back",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_{t-1} + W_h h_{t-1} + b)",
        "partial",
        1,
        "time_step",
        ("Your h_t reads x_{t-1}; this cell reads x_t.",),
        id="the previous input",
    ),
    pytest.param(
        r"h_t = \tanh(W_t x_t + W_h h_{t-1} + b)",
        "partial",
        1,
        "weights_over_time",
        (
            "Your weights for x_t change with t: a recurrent cell applies the same weights at every time step (they are shared over time), so that it handles a sequence of any length.",
        ),
        id="input weights that change with t",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_t + b)",
        "incorrect",
        0,
        "recurrent_missing",
        (
            "Your h_t never reads h_{t-1}: without the recurrent term, the state carries nothing from one step to the next; this is a layer applied to each input on its own, not a recurrent cell.",
        ),
        id="no recurrent term",
    ),
    pytest.param(
        r"h_t = \tanh(W_h h_{t-1} + b)",
        "incorrect",
        0,
        "input_missing",
        (
            "Your h_t never reads x_t: the cell's input term is missing, so its state never sees the sequence.",
        ),
        id="no input term",
    ),
    pytest.param(
        r"h_{t,k} = \tanh(\sum_{e=1}^{E} w_{k,e} x_{t,e} + \sum_{m=1}^{H} w_{k,m} h_{t-1,m} + b_k)",
        "incorrect",
        0,
        "inputs_share_weights",
        (
            "Your formula weighs x_t and h_{t-1} with the same weights; this cell has its own weight matrix for each.",
        ),
        id="one weight tensor for the input and the state",
    ),
    pytest.param(
        r"h_{t,k} = \tanh(\sum_{e} u_{k} x_{t,e} + \sum_{m} w_{k,m} h_{t-1,m} + b_k)",
        "incorrect",
        0,
        "weight_sharing",
        (
            "Every output reads the right inputs, but your formula ties together weights that should be separate.",
        ),
        id="input weights that ignore the input's entry",
    ),
    pytest.param(
        r"h_t = \tanh(W_{x,t} x_t + W_{h,t} h_{t-1} + b)",
        "partial",
        1,
        "misconception 1",
        (
            "A recurrent cell uses the same W_x and W_h at every time step: that is what lets it read a sequence of any length with a fixed number of parameters. Weights that change with t are a different network for each step.",
        ),
        id="a misconception: both weight matrices per step",
    ),
    pytest.param(
        r"h_t = W_x x_t + W_h h_{t-1}",
        "incorrect",
        0,
        "bias_missing",
        (
            "Your formula has no bias; this layer has one: each hidden unit has one, shared by every time step.",
            "Your formula has no activation: this layer applies tanh to the weighted sum, tanh(… + b).",
        ),
        id="two things wrong: no partial credit",
    ),
    pytest.param(
        r"h_t = \tanh(W_x x_t + W_h x_{t-1} + b)",
        "incorrect",
        0,
        "weights_swapped",
        (
            "Your W_h multiplies x_{t-1}: in this question W_x weighs x_t and W_h weighs h_{t-1}.",
            "Your h_t never reads h_{t-1}: without the recurrent term, the state carries nothing from one step to the next; this is a layer applied to each input on its own, not a recurrent cell.",
            "Your h_t reads x_{t-1} and x_t; this cell reads x_t.",
        ),
        id="the previous input where the previous state belongs",
    ),
]


@pytest.mark.parametrize(("answer", "verdict", "marks", "diagnosis", "feedback"), GRADES)
def test_an_elman_cell_is_graded_in_the_words_of_a_recurrent_cell(
    answer, verdict, marks, diagnosis, feedback
):
    result = grade_answer(RNN, RNN.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        verdict,
        marks,
        diagnosis,
        feedback,
    )


def test_the_cells_own_count_is_its_parameters():
    result = grade_answer(RNN, RNN.items["a.formula"], CELL)
    assert (result.count_shown, result.count_values) == ("E·H + H² + H", (12, 28))


# --- A layer with two inputs that is not recurrent ----------------------------------------

TWO_INPUTS = [
    pytest.param(r"y_t = U x_t + V s_t + b", "correct", 2, None, CORRECT, id="with vectors"),
    pytest.param(
        r"y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t,e} + b_k",
        "partial",
        1,
        "input_missing",
        ("Your y_t never reads s_t; this layer reads it.",),
        id="one input never read",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t,e} + \sum_{m=1}^{S} v_{k,m} s_{t-1,m} + b_k",
        "incorrect",
        0,
        "time_step",
        ("Your y_t reads s_{t-1}; this layer reads s_t.",),
        id="an input read at another step",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t,e} + \sum_{m=1}^{S} u_{k,m} s_{t,m} + b_k",
        "incorrect",
        0,
        "inputs_share_weights",
        (
            "Your formula weighs x_t and s_t with the same weights; this layer has its own weight matrix for each.",
        ),
        id="one weight tensor for both inputs",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{e=1}^{E} u_{t,k,e} x_{t,e} + \sum_{m=1}^{S} v_{k,m} s_{t,m} + b_k",
        "incorrect",
        0,
        "unshared_weights",
        (
            "Your weights depend on the time step, so they are not shared across time steps: this is not a layer applied at every time step.",
        ),
        id="weights that depend on the step, told for that input",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t,e} + \sum_{m=1}^{S} v_{m} s_{t,m} + b_k",
        "incorrect",
        0,
        "channel_independent",
        (
            "Your weights for s do not depend on the output unit, so s adds the same to all D output units: each output unit needs its own weights for s.",
        ),
        id="the second input's weights ignore the output unit",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t,e} + \sum_{m=1}^{E} v_{k,m} s_{t,m} + b_k",
        "incorrect",
        0,
        "connectivity",
        (
            "Your outputs read the wrong inputs: with T=5, E=2, S=4, D=3, y[1,1] should read s[1,3], but in your formula it does not.",
            "Your sum over m runs over E values where S belongs (S is the size of s).",
        ),
        id="the second input summed over the first's size",
    ),
    pytest.param(
        r"y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t,e} + \sum_{m=1}^{S} v_{k,m} s_{t,m} + s_{t,1} + b_k",
        "incorrect",
        0,
        "fixed_term",
        (
            "Your formula has a term without a weight (an input or a constant added as it is); every term of this layer is a weight times an input, or a bias.",
        ),
        id="an input added as it is",
    ),
]


@pytest.mark.parametrize(("answer", "verdict", "marks", "diagnosis", "feedback"), TWO_INPUTS)
def test_a_layer_with_two_inputs_is_compared_input_by_input(
    answer, verdict, marks, diagnosis, feedback
):
    result = grade_answer(TWO, TWO.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        verdict,
        marks,
        diagnosis,
        feedback,
    )


# --- The rubric's inputs -------------------------------------------------------------------

LAYER_RUBRIC = """\
id: E
symbols:
  T: {meaning: steps, example: 5}
  E: {meaning: inputs, example: 3}
  H: {meaning: hidden, example: 2}
parts:
  a:
    marks: 1
    prompt: The cell.
    items:
      formula:
        type: formula
        marks: 1
LAYER        output: {name: h, shape: [T, H]}
        answer: 'h_t = \\tanh(W_x x_t + W_h h_{t-1} + b)'
"""

RUBRIC_ERRORS = [
    pytest.param(
        "        input: {name: x, shape: [T, E]}\n        inputs: [{name: x, shape: [T, E]}, {name: h, shape: [T, H]}]\n",
        "e.yaml:14: parts.a.items.formula.input: give either input (one tensor) or inputs (a list), not both",
        id="input and inputs",
    ),
    pytest.param(
        "        inputs: []\n",
        "e.yaml:14: parts.a.items.formula.inputs: list at least one input, e.g. [{name: x, shape: [T, E]}]",
        id="no input",
    ),
    pytest.param(
        "        inputs: {name: x, shape: [T, E]}\n",
        "e.yaml:14: parts.a.items.formula.inputs: expected a list, found a mapping",
        id="a mapping, not a list",
    ),
    pytest.param(
        "        inputs: [{name: h, shape: [T, H]}, {name: x, shape: [T, E]}]\n",
        "e.yaml:14: parts.a.items.formula.inputs[0].name: the first input is what the layer reads from outside (x); list the state h (the output read back) after it",
        id="the state listed first",
    ),
    pytest.param(
        "        inputs: [{name: x, shape: [T, E]}, {name: h, shape: [T, E]}]\n",
        "e.yaml:14: parts.a.items.formula.inputs[1].shape: h is also the output, read back as the previous state: give it the output's shape",
        id="the state in another shape than the output",
    ),
    pytest.param(
        "        inputs: [{name: x, shape: [T, E]}, {name: X, shape: [T, E]}, {name: h, shape: [T, H]}]\n",
        "e.yaml:14: parts.a.items.formula.inputs[1].name: two inputs are named X (names match in any case)",
        id="two inputs of one name",
    ),
    pytest.param(
        "        inputs:\n          - {name: x, shape: [T, E]}\n          - {name: h, shape: [T, 2.5]}\n",
        "e.yaml:16: parts.a.items.formula.inputs[1].shape: a size is a symbol, a product such as PQ, or a number",
        id="a size that is not one, at its line",
    ),
    pytest.param(
        "        inputs:\n          - {name: x, shape: [T, E]}\n          - {shape: [T, H]}\n",
        "e.yaml:16: parts.a.items.formula.inputs[1].name: is required",
        id="an input without a name",
    ),
]


@pytest.mark.parametrize(("inputs", "problem"), RUBRIC_ERRORS)
def test_a_rubrics_inputs_are_checked_with_file_line_and_key(inputs, problem):
    with pytest.raises(RubricError) as raised:
        load_rubric_text(LAYER_RUBRIC.replace("LAYER", inputs), "e.yaml")
    assert [p.describe("e.yaml") for p in raised.value.problems] == [problem]


def test_one_input_may_still_be_given_as_input():
    rubric = load_rubric_text(
        LAYER_RUBRIC.replace("LAYER", "        input: {name: x, shape: [T, E]}\n").replace(
            "W_x x_t + W_h h_{t-1} + b", "W x_t + b"
        ),
        "e.yaml",
    )
    layer = rubric.items["a.formula"].spec.layer
    assert (layer.inputs, layer.recurrent) == ((layer.input,), False)


# --- Two inputs without a time axis ----------------------------------------------------------

GATE = load_rubric_text(
    r"""
id: GATE
title: A unit that reads two vectors
symbols:
  E: {meaning: the size of x, example: 3}
  S: {meaning: the size of s, example: 2}
  D: {meaning: the outputs, example: 4}
parts:
  a:
    marks: 2
    prompt: y reads x and s.
    items:
      formula:
        type: formula
        marks: 2
        inputs: [{name: x, shape: [E]}, {name: s, shape: [S]}]
        output: {name: y, shape: [D]}
        answer: 'y_k = \sigma(\sum_{e=1}^{E} u_{k,e} x_e + \sum_{m=1}^{S} v_{k,m} s_m + b_k)'
""",
    "gate.yaml",
)

UNTIMED = [
    pytest.param(
        r"y_j = \sigma(b_j + \sum_{m} v_{j,m} s_m + \sum_{e} u_{j,e} x_e)",
        "correct",
        None,
        CORRECT,
        id="terms in any order, sums without ranges",
    ),
    pytest.param(
        r"y_k = \sigma(\sum_{e} u_{k,e} x_e + b_k)",
        "incorrect",
        "input_missing",
        ("Your y never reads s; this layer reads it.",),
        id="an input never read, named without a time step",
    ),
    pytest.param(
        r"y_k = \sigma(\sum_{e} u_{k,e} x_e + \sum_{m} u_{k,m} s_m + b_k)",
        "incorrect",
        "inputs_share_weights",
        (
            "Your formula weighs x and s with the same weights; this layer has its own weight matrix for each.",
        ),
        id="one weight tensor for both",
    ),
]


@pytest.mark.parametrize(("answer", "verdict", "diagnosis", "feedback"), UNTIMED)
def test_two_inputs_without_time_are_told_by_name(answer, verdict, diagnosis, feedback):
    result = grade_answer(GATE, GATE.items["a.formula"], answer)
    assert (result.verdict, result.diagnosis, result.feedback) == (verdict, diagnosis, feedback)


def test_a_product_of_two_inputs_is_refused_with_the_reason():
    with pytest.raises(AnswerError) as raised:
        read(GATE, r"y_k = \sigma(\sum_{e} u_{k,e} x_e s_e + b_k)")
    assert raised.value.message == (
        "a term multiplies inputs together: a layer's output must be a weighted sum of its inputs"
    )


def test_swapped_weight_matrices_are_not_grouped_with_the_right_answers():
    right = grade_answer(RNN, RNN.items["a.formula"], CELL)
    renamed = grade_answer(RNN, RNN.items["a.formula"], r"h_t = \tanh(U x_t + V h_{t-1} + c)")
    swapped = grade_answer(RNN, RNN.items["a.formula"], r"h_t = \tanh(W_h x_t + W_x h_{t-1} + b)")
    assert right.answer_group == renamed.answer_group != swapped.answer_group


def test_the_example_submissions_are_graded_as_their_mistakes_deserve():
    batch = grade_paths(RNN, [ROOT / "submissions" / "rnn-q1"])
    assert not batch.failures
    results = {result.student: result for result in batch.results}
    assert {student: result.total for student, result in results.items()} == {"ana": 7, "ben": 1}
    cell = results["ben"].items["a.formula"]
    assert (cell.verdict, cell.marks, cell.diagnosis) == ("partial", 1, "reads_own_output")
    assert [results["ben"].items[i].diagnosis for i in ("b.params", "c.params")] == [
        "misconception 1",
        "misconception 1",
    ]
