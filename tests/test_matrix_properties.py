"""Properties of matrix answers: a matrix expression and its transpose-of-transpose agree, so do
random equivalent rewritings (a product distributed over a sum, the transpose of a product),
while swapping the factors of a product does not; and no text makes the reader fail with
anything but AnswerError."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import AnswerError
from grader.grade import grade_answer
from grader.kinds.matrix.check import same_answer
from grader.kinds.matrix.evaluate import evaluated
from grader.kinds.matrix.parse import MatrixAnswer, parse_matrix
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "linear-backward-q1.yaml")
ITEM = RUBRIC.items["a.dW"]  # X: N×C, W: C×D, b: D, G: N×D
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SIZES = ("N", "C", "D")
# The declared matrices by shape, each as it may be written (its transpose too).
LEAVES = {
    ("N", "C"): ["X"],
    ("C", "N"): ["X^T", "X'"],
    ("C", "D"): ["W"],
    ("D", "C"): ["W^T", "Wᵀ"],
    ("N", "D"): ["G"],
    ("D", "N"): ["G^T", r"G^\top"],
}


def read(text: str) -> MatrixAnswer:
    return parse_matrix(text, dict(ITEM.spec.names))


def fits(text: str) -> bool:
    return evaluated(read(text).expression, ITEM.spec, RUBRIC.context).misfit is None


def agree(first: str, second: str) -> bool:
    return same_answer(read(first), read(second), ITEM.spec, RUBRIC.context)


@st.composite
def matrices(draw, rows: str, cols: str, depth: int = 2) -> str:
    """The text of a random expression of shape rows×cols over X, W and G."""
    choices = ["leaf"] if depth == 0 else ["leaf", "product", "sum", "scaled", "transpose", "tanh"]
    choice = draw(st.sampled_from(choices))
    if choice == "leaf":
        if rows == cols:
            # The identity takes its size from what it multiplies: never alone.
            square = draw(st.sampled_from([f"({a} {b})" for a, b in _squares(rows)]))
            return draw(st.sampled_from([square, f"I {square}", f"{square} I"]))
        return draw(st.sampled_from(LEAVES[(rows, cols)]))
    if choice == "product":
        inner = draw(st.sampled_from(SIZES))
        left = draw(matrices(rows, inner, depth - 1))
        right = draw(matrices(inner, cols, depth - 1))
        return f"({left})({right})"
    if choice == "sum":
        sign = draw(st.sampled_from(["+", "-"]))
        first, second = draw(matrices(rows, cols, depth - 1)), draw(matrices(rows, cols, depth - 1))
        return f"{first} {sign} {second}"
    if choice == "scaled":
        scale = draw(st.sampled_from(["2", r"\frac{1}{3}", r"\sqrt{N}", "1/D"]))
        return f"{scale} ({draw(matrices(rows, cols, depth - 1))})"
    if choice == "transpose":
        return f"({draw(matrices(cols, rows, depth - 1))})^T"
    return f"tanh({draw(matrices(rows, cols, depth - 1))})"


def _squares(size: str) -> list[tuple[str, str]]:
    """Products of two leaves that are size×size."""
    return [
        (a, b)
        for (r, k), firsts in LEAVES.items()
        if r == size
        for a in firsts[:1]
        for (k2, c), seconds in LEAVES.items()
        if k2 == k and c == size
        for b in seconds[:1]
    ]


shapes = st.tuples(st.sampled_from(SIZES), st.sampled_from(SIZES))


@EXAMPLES
@given(data=st.data(), shape=shapes)
def test_an_expression_and_its_transpose_of_transpose_agree(data, shape):
    text = data.draw(matrices(*shape))
    assert fits(text)
    assert agree(text, f"(({text})^T)^T")
    assert agree(text, f"(({text})ᵀ)'")


@EXAMPLES
@given(data=st.data(), sizes=st.tuples(*[st.sampled_from(SIZES)] * 3))
def test_a_product_distributed_over_a_sum_agrees(data, sizes):
    rows, inner, cols = sizes
    a = data.draw(matrices(rows, inner, 1))
    b = data.draw(matrices(inner, cols, 1))
    c = data.draw(matrices(inner, cols, 1))
    assert agree(f"({a})(({b}) + ({c}))", f"({a})({b}) + ({a})({c})")
    assert agree(f"(({b}) - ({c}))^T ({a})^T", f"({b})^T ({a})^T - ({c})^T ({a})^T")


@EXAMPLES
@given(data=st.data(), sizes=st.tuples(*[st.sampled_from(SIZES)] * 3))
def test_the_transpose_of_a_product_is_the_reversed_product_of_transposes(data, sizes):
    rows, inner, cols = sizes
    a = data.draw(matrices(rows, inner, 1))
    b = data.draw(matrices(inner, cols, 1))
    assert agree(f"(({a})({b}))^T", f"({b})^T ({a})^T")
    assert agree(f"2 ({a}) ({b})", f"({a}) (2 ({b}))")


@EXAMPLES
@given(data=st.data())
def test_the_graded_transpose_of_a_transpose_of_the_answer_is_correct(data):
    wrap = data.draw(
        st.sampled_from(["(({})^T)^T", "(({})')ᵀ", r"\left(\left({}\right)^\top\right)^T"])
    )
    result = grade_answer(RUBRIC, ITEM, wrap.format("X^T G"))
    assert (result.verdict, result.marks) == ("correct", 2.0)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("X^T X", "X X^T", id="XᵀX (C×C) is not XXᵀ (N×N)"),
        pytest.param("(X^T G)(W^T)", "(W^T)(X^T G)", id="(XᵀG)Wᵀ is not Wᵀ(XᵀG)"),
        pytest.param("W^T X^T X W", "X W W^T X^T", id="products of other shapes differ"),
    ],
)
def test_products_do_not_commute(first, second):
    assert fits(first) and fits(second)
    assert not agree(first, second)


def test_square_products_in_the_other_order_differ_at_the_same_shape():
    # (XᵀX)(WWᵀ) and (WWᵀ)(XᵀX) are both C×C: only their values tell them apart.
    first, second = "(X^T X)(W W^T)", "(W W^T)(X^T X)"
    assert (
        evaluated(read(first).expression, ITEM.spec, RUBRIC.context).shape
        == evaluated(read(second).expression, ITEM.spec, RUBRIC.context).shape
    )
    assert not agree(first, second)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="XWGbI1^T'ᵀ()[]{}+-*/@⊙ \\σ=dL∂_0.,", max_size=40))
def test_no_text_makes_the_reader_fail_otherwise(text):
    with contextlib.suppress(AnswerError):
        read(text)


PIECES = [
    *"XWGbI1^T'ᵀ()+-*/@⊙ σ=2",
    "N",
    "^{-1}",
    r"\mathbf{1}",
    "tanh(",
    "softmax(",
    "}{",
    r"\frac{",
]
PIECES += ["}", ", dim=0)", r"\sqrt{N}", "max(0,"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=20).map("".join))
def test_no_answer_makes_the_check_fail(text):
    for item_id in ("a.dW", "c.db"):
        result = grade_answer(RUBRIC, RUBRIC.items[item_id], text)
        assert result.verdict != "error", (text, result.feedback)
