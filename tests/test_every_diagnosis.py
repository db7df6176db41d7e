# ruff: noqa: E501  (the table holds whole formulas)
"""Every diagnosis a kind registers is given by at least one answer here (issue 21: "every
diagnosis has a test").

`grader.kinds.all_diagnoses()` is what a rubric's `partial_credit` and self-tests may name;
the table below holds, for each, an answer that is graded with it. A diagnosis added to a
kind without a row here fails `test_every_registered_diagnosis_is_given_by_a_row`, and a row
whose answer no longer gets its diagnosis fails its own test. A diagnosis given from a part's
other answers (`ItemKind.part_diagnoses`, such as a count's marks carried forward from the
student's own formula) is graded with the whole submission, as it is in a real run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from submitted import grade_answers
from test_formula_bias_sharing import RUBRIC as BIASES
from test_matrix_answers import SIGMOID as GATED
from test_mutation_killers_count import RUBRIC as COUNTS
from test_mutation_killers_formula import RUBRIC as FORMULAS

from grader.kinds import all_diagnoses
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent
Q4 = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
ATTN_COLUMNS = load_rubric(ROOT / "rubrics" / "attn-columns-q1.yaml")  # declares W_Q: [K, E]
CARRIED = load_rubric_text(
    r"""
id: CARRIED
title: Marks carried forward from the student's own formula
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
        follow_through: true
        partial_credit: {follow_through: 0.5}
""",
    "carried.yaml",
)

# Diagnoses a count's term-by-term comparison finds in its biases, which reach a result only
# in the words of another diagnosis: a bias term off by a product of sizes is always a
# `term_factor` first (their words are pinned in tests/test_count_feedback.py).
ONLY_IN_WORDS = {
    "bias_per_position": "a bias per position is a bias term off by P·Q: term_factor",
    "bias_shared": "one bias per channel where each output has one: term_factor",
    "bias_per_input": "a bias per input channel is C where D belongs: term_factor",
}

FC = r"\sum_{m=1}^{P}\sum_{n=1}^{Q}\sum_{l=1}^{C} "
K3 = r"\sum_{u=1}^{3}\sum_{v=1}^{3}\sum_{l=1}^{C} "

# (rubric, answers of one submission, the item, the diagnosis its answer gets)
ROWS = [
    # counts: the generic diagnoses
    (COUNTS, {"z.n": "CD"}, "z.n", "bias_missing"),
    (COUNTS, {"w.n": "CD + D"}, "w.n", "bias_extra"),
    (COUNTS, {"x.n": "PQCD + PQC"}, "x.n", "symbols_swapped"),
    (COUNTS, {"x.n": "PPCD + PPD"}, "x.n", "symbol_replaced"),
    (COUNTS, {"x.n": "2PQCD + 2PQD"}, "x.n", "constant_factor"),
    (COUNTS, {"x.n": "QCD + QD"}, "x.n", "factor_missing"),
    (COUNTS, {"x.n": "P(PQCD + PQD)"}, "x.n", "factor_extra"),
    (COUNTS, {"x.n": "PQD"}, "x.n", "term_missing"),
    (COUNTS, {"x.n": "PQCD + D"}, "x.n", "term_factor"),
    # counts: weights and biases compared term by term
    (Q4, {"a.params": "PQCD"}, "a.params", "other_part"),
    (Q4, {"b.params": "4CD + D"}, "b.params", "kernel_size"),
    (Q4, {"b.params": "3CD + D"}, "b.params", "weights_wrong"),
    (Q4, {"b.params": "9CD + 9D"}, "b.params", "bias_per_tap"),
    (Q4, {"a.params": "P^2Q^2CD + 9PQD"}, "a.params", "biases_wrong"),
    (Q4, {"a.params": "PQCD + C"}, "a.params", "several_terms"),
    # counts: marks carried forward from the student's own formula of the part
    (
        CARRIED,
        {
            "o.formula": r"y_{i,j,k} = \sum_{l=1}^{C} w_{i,j,l,k} x_{i,j,l} + b_k",
            "o.params": "PQCD + D",
        },
        "o.params",
        "follow_through",
    ),
    # formulas
    (
        FORMULAS,
        {
            "f.formula": r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,i,j,k} x_{i+u,j+v,l} + b_{i,j,k}"
        },
        "f.formula",
        "not_fully_connected",
    ),
    (
        FORMULAS,
        {"c.formula": r"y_{i,j,k} = " + FC + r"w_{m-i,n-j,l,k} x_{m,n,l} + b_k"},
        "c.formula",
        "fully_connected",
    ),
    (
        FORMULAS,
        {"c.formula": r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k"},
        "c.formula",
        "kernel_size",
    ),
    (
        FORMULAS,
        {
            "c.formula": r"y_{i,j,k} = \sum_{u=1}^{3}\sum_{v=1}^{3}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u-1,j+v-1,1} + b_k"
        },
        "c.formula",
        "connectivity",
    ),
    (
        FORMULAS,
        {"o.formula": r"y_{i,j,k} = \sum_{l=1}^{C} w_{l} x_{i,j,l} + b_k"},
        "o.formula",
        "channel_independent",
    ),
    (
        FORMULAS,
        {"c.formula": r"y_{i,j,k} = " + K3 + r"w_{u,v,l,i,j,k} x_{i+u-1,j+v-1,l} + b_k"},
        "c.formula",
        "unshared_weights",
    ),
    (
        FORMULAS,
        {"f.formula": r"y_{i,j,k} = " + FC + r"w_{m-i,n-j,l,k} x_{m,n,l} + b_{i,j,k}"},
        "f.formula",
        "shared_weights",
    ),
    (
        FORMULAS,
        {"c.formula": r"y_{i,j,k} = " + K3 + r"w_{u,v,k} x_{i+u-1,j+v-1,l} + b_k"},
        "c.formula",
        "weight_sharing",
    ),
    (
        FORMULAS,
        {"f.formula": r"y_{i,j,k} = " + FC + r"w_{m,n,l,i,j,k} x_{m,n,l}"},
        "f.formula",
        "bias_missing",
    ),
    (FORMULAS, {"n.formula": "Y = XW + b"}, "n.formula", "bias_extra"),
    (
        FORMULAS,
        {"o.formula": r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b"},
        "o.formula",
        "bias_shared",
    ),
    (
        FORMULAS,
        {"o.formula": r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_{i,j,k}"},
        "o.formula",
        "bias_unshared",
    ),
    (
        BIASES,
        {"c.formula": r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k"},
        "c.formula",
        "bias_varies",
    ),
    (
        FORMULAS,
        {"f.formula": r"y_{i,j,k} = " + FC + r"w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k} + x_{i,j,1}"},
        "f.formula",
        "fixed_term",
    ),
    (FORMULAS, {"n.formula": "Y = WX"}, "n.formula", "shape"),
    (FORMULAS, {"n.formula": "Y = XW^T"}, "n.formula", "layout"),
    (ATTN_COLUMNS, {"a.formula": "Q = A X + b_Q"}, "a.formula", "given_matrix"),
    (ATTN_COLUMNS, {"a.formula": "Q = 2 W_Q X + b_Q"}, "a.formula", "given_scaled"),
    (
        FORMULAS,
        {"t.ratio": r"y_{i,k} = \sum_{l=1}^{C} w_{k} x_{i,l} + b_k"},
        "t.ratio",
        "different",
    ),
]

# Rubrics for the diagnoses no bundled rubric's self-tests give.
STRIDED_FROM_ONE = load_rubric_text(
    (ROOT / "rubrics" / "strided-q1.yaml").read_text().replace("index_base: any", "index_base: 1"),
    "strided-from-one.yaml",
)
CONV1D = load_rubric(ROOT / "rubrics" / "conv1d-q1.yaml")
WEIGHTED_PAIRS = load_rubric_text(
    r"""
id: PAIRS
title: A weighted sum of two neighbours, no bias
symbols:
  P: {meaning: the length, example: 6}
  C: {meaning: the channels, example: 3}
parts:
  a:
    marks: 2
    prompt: Each output adds up two neighbouring inputs of its own channel, weighted.
    items:
      formula:
        type: formula
        marks: 2
        input: {name: x, shape: [P, C]}
        output: {name: y, shape: [P-1, C]}
        answer: 'y_{i,k} = \sum_{u=0}^{1} w_{u,k} x_{i+u,k}'
""",
    "pairs.yaml",
)
REALS = load_rubric_text(
    r"""
id: REALS
title: Expressions over real numbers
symbols:
  x: {meaning: a real number, assumptions: [real]}
  y: {meaning: a real number, assumptions: [real]}
parts:
  a:
    marks: 9
    prompt: Expressions and equations.
    items:
      line: {type: expression, marks: 1, answer: 'x + y = 1'}
      solved: {type: expression, marks: 1, answer: 'y = 1 - x'}
      size: {type: expression, marks: 1, answer: '|x|'}
      root: {type: expression, marks: 2, answer: '\sqrt{2} x', partial_credit: {rounded: 1}}
      expanded: {type: expression, marks: 1, answer: 'x^2 + 2x + 1', form: expanded}
      factored: {type: expression, marks: 1, answer: '(x-1)(x+1)', form: factored}
      lowest: {type: expression, marks: 1, answer: '1/2', form: lowest_terms}
      simple: {type: expression, marks: 1, answer: '2x', form: simplified}
""",
    "reals.yaml",
)
ROWS += [
    (
        STRIDED_FROM_ONE,
        {"b.formula": r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=0}^{C-1} w_{u,l,k} x_{2i+u,l} + b_k"},
        "b.formula",
        "index_base",
    ),
    (
        STRIDED_FROM_ONE,
        {"b.formula": r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{3i-2+u,l} + b_k"},
        "b.formula",
        "stride",
    ),
    (
        STRIDED_FROM_ONE,
        {"b.formula": r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=1}^{C} w_{u,l,k} x_{2i-1+2u,l} + b_k"},
        "b.formula",
        "dilation",
    ),
    (
        CONV1D,
        {"a.formula": r"y_{t,k} = \sum_{u=-K/2}^{K/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k"},
        "a.formula",
        "fractional_index",
    ),
    (
        CARRIED,
        {"o.formula": r"y_{i,j,k} = \tanh(\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k)"},
        "o.formula",
        "activation_extra",
    ),
    (
        WEIGHTED_PAIRS,
        {"a.formula": r"y_{i,k} = \max_{u=0}^{1} w_{u,k} x_{i+u,k}"},
        "a.formula",
        "max_for_sum",
    ),
    (REALS, {"a.line": "1 - x"}, "a.line", "equation_expected"),
    (REALS, {"a.solved": "x + y = 1"}, "a.solved", "not_solved"),
    (REALS, {"a.size": "x"}, "a.size", "positive_only"),
    (REALS, {"a.root": "1.414x"}, "a.root", "rounded"),
    (REALS, {"a.root": r"\sqrt{2} x + 0.001"}, "a.root", "close"),
    (REALS, {"a.expanded": "(x+1)^2"}, "a.expanded", "not_expanded"),
    (REALS, {"a.factored": "x^2 - 1"}, "a.factored", "not_factored"),
    (REALS, {"a.lowest": "2/4"}, "a.lowest", "not_lowest_terms"),
    (REALS, {"a.simple": "x + x"}, "a.simple", "not_simplified"),
    (GATED, {"a.dZ": r"G (\sigma(Z) \odot (1 - \sigma(Z)))"}, "a.dZ", "matrix_product"),
    (
        load_rubric(ROOT / "rubrics" / "attention-q2.yaml"),
        {"a.attention": r"2 softmax(Q K^T / \sqrt{d_k}) V"},
        "a.attention",
        "scalar_extra",
    ),
]

# Layers with several inputs, and one step of a recurrence (issue 17): a layer over time that
# reads two inputs, and the bundled Elman cell.
TWO_INPUTS = load_rubric_text(
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
""",
    "two.yaml",
)
RNN = load_rubric(ROOT / "rubrics" / "rnn-q1.yaml")
ROWS += [
    (
        TWO_INPUTS,
        {"a.formula": r"y_{t,k} = \sum_{m=1}^{S} v_{k,m} s_{t,m} + b_k"},
        "a.formula",
        "input_missing",
    ),
    (
        TWO_INPUTS,
        {
            "a.formula": r"y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t+1,e} + \sum_{m=1}^{S} v_{k,m} s_{t,m} + b_k"
        },
        "a.formula",
        "time_step",
    ),
    (
        TWO_INPUTS,
        {
            "a.formula": r"y_{t,k} = \sum_{e=1}^{E} u_{k,e} x_{t,e} + \sum_{m=1}^{S} u_{k,m} s_{t,m} + b_k"
        },
        "a.formula",
        "inputs_share_weights",
    ),
    (RNN, {"a.formula": r"h_t = \tanh(U x_t + c)"}, "a.formula", "recurrent_missing"),
    (RNN, {"a.formula": r"h_t = \tanh(U x_t + V h_t + c)"}, "a.formula", "reads_own_output"),
    (
        RNN,
        {"a.formula": r"h_t = \tanh(U x_t + V_t h_{t-1} + c)"},
        "a.formula",
        "weights_over_time",
    ),
    (
        RNN,
        {"a.formula": r"h_t = \tanh(x_t^T W_h + h_{t-1}^T W_x + b)"},
        "a.formula",
        "weights_swapped",
    ),
]

# Layer constructs of issue 17: an output index written as a sum, a window without its ranges.
GROUPED = load_rubric(ROOT / "rubrics" / "grouped-q1.yaml")
POOL = load_rubric(ROOT / "rubrics" / "pool-q1.yaml")
ROWS += [
    (
        GROUPED,
        {
            "a.formula": r"y_{i,j,(g-1)C/G+n} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,g,n} x_{i+u,j+v,(g-1)C/G+m} + b_{g,n}"
        },
        "a.formula",
        "output_index",
    ),
    (POOL, {"d.formula": r"z_{i,j,k} = \max_{u,v} x_{2i+u+v,2j,k}"}, "d.formula", "range_unknown"),
    (
        POOL,
        {"d.formula": r"z_{i,j,k} = \max_{u=0}^{1}\max_{v=0}^{1} (-x_{2i+u,2j+v,k})"},
        "d.formula",
        "pooling_min",
    ),
    (
        load_rubric(ROOT / "rubrics" / "attn-q1.yaml"),
        {"e.formula": r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{e,n} + b_k"},
        "e.formula",
        "index_order",
    ),
]

# Findings that come only with another (the first finding is the diagnosis): the row's
# answer and the finding it must also give.
ALSO_FOUND = [
    (
        FORMULAS,
        "f.formula",
        r"y_{i,j,k} = \sum_{m=1}^{Q}\sum_{n=1}^{Q}\sum_{l=1}^{C} w_{m,n,l,i,j,k} x_{m,n,l} + b_{i,j,k}",
        "range",
    ),
    (
        FORMULAS,
        "o.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i+1,j,l} + b_k",
        "reads_outside",
    ),
]


# The bundled rubrics' self-tests that name a diagnosis: each is graded here too, so the
# diagnoses of every kind a bundled question uses (expressions, matrices, layers beyond the
# plain convolution) are given by a row that is checked.
SELF_TESTS = [
    (rubric, test.item_id, test.answer, test.diagnosis)
    for rubric in (load_rubric(path) for path in sorted((ROOT / "rubrics").glob("*.yaml")))
    for test in rubric.tests
    if test.diagnosis is not None
]


@pytest.mark.parametrize(
    ("rubric", "answers", "item", "diagnosis"), ROWS, ids=[f"{r[2]} {r[3]}" for r in ROWS]
)
def test_the_answer_gets_its_diagnosis(rubric, answers, item, diagnosis):
    assert grade_answers(rubric, answers).items[item].diagnosis == diagnosis


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "finding"), ALSO_FOUND, ids=[r[3] for r in ALSO_FOUND]
)
def test_a_finding_that_comes_with_another_is_given_with_it(rubric, item, answer, finding):
    result = grade_answers(rubric, {item: answer}).items[item]
    assert result.verdict == "incorrect"  # two findings: no partial credit
    assert finding in result.decision[2]  # "differs: connectivity, reads_outside"


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "diagnosis"),
    SELF_TESTS,
    ids=[f"{r[0].id} {r[1]} {r[3]}" for r in SELF_TESTS],
)
def test_a_bundled_self_test_gets_its_diagnosis(rubric, item, answer, diagnosis):
    assert grade_answers(rubric, {item: answer}).items[item].diagnosis == diagnosis


def test_every_registered_diagnosis_is_given_by_a_row():
    given = {row[3] for row in ROWS} | {row[3] for row in ALSO_FOUND} | set(ONLY_IN_WORDS)
    given |= {row[3] for row in SELF_TESTS}
    assert set(all_diagnoses()) - given == set()


def test_the_diagnoses_found_only_in_words_are_still_registered():
    assert set(ONLY_IN_WORDS) <= set(all_diagnoses())
