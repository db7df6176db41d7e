"""Formula feedback says only what is true of the answer (branch truth): an index order is
named as the mistake only where putting it right keeps every term."""

# Formulas are written out in full, as students write them, so some lines are long.
# ruff: noqa: E501

from pathlib import Path

import pytest

from grader.grade import grade_answer
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
Q4 = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
ATTENTION = load_rubric(ROOT / "rubrics" / "attn-q1.yaml")
RUBRICS = {"22-52-q4": Q4, "attn-q1": ATTENTION}

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
