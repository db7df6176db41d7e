"""A matrix item's rubric keys: what is refused when the rubric is loaded, with its key and
line, so that a rubric that would mis-grade never meets a class."""

from __future__ import annotations

import pytest

from grader.errors import RubricError
from grader.rubric import load_rubric_text


def _rubric(item: str) -> str:
    return (
        "id: M\nsymbols:\n  N: {meaning: examples}\n  C: {meaning: inputs}\n"
        "  D: {meaning: outputs}\nparts:\n  a:\n    marks: 2\n    prompt: Give it.\n"
        "    items:\n      it:\n        type: matrix\n        marks: 2\n" + item
    )


def _problems(item: str) -> list[str]:
    try:
        load_rubric_text(_rubric(item), "m.yaml")
    except RubricError as error:
        return [f"{p.line}: {p.key}: {p.message}" for p in error.problems]
    return []


SHAPES = "        matrices: {X: [N, C], W: [C, D], G: [N, D], b: [D], s: []}\n"


@pytest.mark.parametrize(
    ("item", "problems"),
    [
        pytest.param(
            SHAPES + "        gradient: W\n        answer: 'X^T G'\n",
            [],
            id="a gradient over declared shapes loads",
        ),
        pytest.param(
            SHAPES + "        result: [Y, 'f(X)']\n        answer: 's X W'\n",
            [],
            id="a result with two names, and a number among the matrices",
        ),
        pytest.param(
            SHAPES + "        gradient: W\n        answer: 'X G'\n",
            [
                "16: parts.a.items.it.answer: the shapes do not fit: X is N×C and G is N×D: "
                "they cannot be multiplied."
            ],
            id="a reference whose shapes do not fit",
        ),
        pytest.param(
            SHAPES + "        gradient: V\n        answer: 'X^T G'\n",
            ["15: parts.a.items.it.gradient: 'V' is not one of the item's matrices"],
            id="a gradient of an undeclared matrix",
        ),
        pytest.param(
            SHAPES + "        gradient: W\n        result: A\n        answer: 'X^T G'\n",
            ["16: parts.a.items.it.result: give either gradient or result, not both"],
            id="both a gradient and a result",
        ),
        pytest.param(
            SHAPES + "        result: ['dL/dW', 'g_{t-1}', '\\delta_{t-1}']\n"
            "        answer: 'X^T G'\n",
            [],
            id="result names a gradient, or has a subscript of several characters",
        ),
        pytest.param(
            SHAPES + "        gradients: {G: dL/dY}\n        gradient: dL/dW\n"
            "        answer: 'X^T G'\n",
            [],
            id="a given gradient, and the gradient asked for written as one",
        ),
        pytest.param(
            SHAPES
            + "        gradients: {H: dL/dY}\n        gradient: W\n        answer: 'X^T G'\n",
            ["15: parts.a.items.it.gradients.H: 'H' is not one of the item's matrices"],
            id="a given gradient that is no matrix of the item",
        ),
        pytest.param(
            "        matrices: {X: [N, C], W: [C, D], G_out: [N, D]}\n"
            "        gradients: {G_out: dL/dY}\n        gradient: W\n"
            "        answer: 'X^T G_{out}'\n",
            [
                "15: parts.a.items.it.gradients.G_out: a given gradient's matrix needs a short "
                "name, a letter or a letter with a one-character subscript (G, G_Y), so that an "
                "answer's dL/dY can be read as it: rename G_out"
            ],
            # found by a review: it loaded, and every answer's dL/dY was then unreadable
            # ("unknown name 'G_o'")
            id="a given gradient whose matrix has a long subscript",
        ),
        pytest.param(
            SHAPES + "        gradients: {G: Y}\n        gradient: W\n        answer: 'X^T G'\n",
            [
                "15: parts.a.items.it.gradients.G: a gradient is written with its function and "
                "variable, e.g. dL/dY"
            ],
            id="a given gradient written as a name",
        ),
        pytest.param(
            SHAPES + "        gradients: {G: dL/dY}\n        gradient: dE/dW\n"
            "        answer: 'X^T G'\n",
            [
                "15: parts.a.items.it.gradients.G: the gradients name two functions, E and L: "
                "name the loss alike"
            ],
            id="gradients of two losses",
        ),
        pytest.param(
            SHAPES + "        result: [A, 'X + G']\n        answer: 'X^T G'\n",
            [
                "15: parts.a.items.it.result: no left side can name the answer 'X + G': a "
                "result is a name such as A, g_{t-1}, Attention(Q,K,V) or dL/dh"
            ],
            id="a result no left side can ever name",
        ),
        pytest.param(
            "        matrices: {X: [N, C, D]}\n        answer: 'X'\n",
            [
                "14: parts.a.items.it.matrices.X: a shape is a list of at most two sizes, "
                "e.g. [N, C]"
            ],
            id="a shape with three sizes",
        ),
        pytest.param(
            "        matrices: {N: [N, C]}\n        answer: 'N'\n",
            [
                "14: parts.a.items.it.matrices.N: N is also one of the question's sizes; give "
                "the matrix another name"
            ],
            id="a matrix named as a size",
        ),
        pytest.param(
            "        matrices: {XY: [N, C]}\n        answer: 'XY'\n",
            [
                "14: parts.a.items.it.matrices.XY: a matrix's name is a letter with an optional "
                "subscript, e.g. X or W_Q"
            ],
            id="a matrix named with two letters",
        ),
        pytest.param(
            SHAPES + "        answer: 'X^T Z'\n",
            [
                "15: parts.a.items.it.answer: cannot read 'X^T Z': unknown name 'Z': the "
                "question's matrices are G, W, X, b, s (at column 5)\n      X^T Z\n          ^"
            ],
            id="a reference over an undeclared matrix",
        ),
        pytest.param(
            SHAPES
            + "        answer: 'X^T G'\n        misconceptions:\n"
            + "          - {answer: 'X^T G^T', feedback: G is N x D., marks: 0}\n"
            + "          - {answer: 'X^T Z', feedback: No., marks: 0}\n",
            [
                "18: parts.a.items.it.misconceptions[1].answer: cannot read 'X^T Z': unknown "
                "name 'Z': the question's matrices are G, W, X, b, s (at column 5)\n"
                "      X^T Z\n          ^"
            ],
            id="a misconception may not fit, but must be read",
        ),
        pytest.param(
            SHAPES
            + "        gradients: {G: dL/dY}\n        gradient: W\n        answer: 'X^T dY'\n",
            [
                "17: parts.a.items.it.answer: 'X^T dY' writes dY, the shorthand for ∂L/∂Y, "
                "which may also mean the differential of Y: write dL/dY or G"
            ],
            # it loaded, read as XᵀG, though a student's XᵀdY goes to a person
            id="a reference in the shorthand dY",
        ),
        pytest.param(
            SHAPES
            + "        gradients: {G: dL/dY}\n        gradient: W\n        answer: 'X^T G'\n"
            + "        misconceptions:\n"
            + "          - {answer: 'dW = dY^T X', feedback: Transposed., marks: 1}\n",
            [
                "19: parts.a.items.it.misconceptions[0].answer: 'dW = dY^T X' writes dY, the "
                "shorthand for ∂L/∂Y, which may also mean the differential of Y: write dL/dY "
                "or G"
            ],
            id="a misconception in the shorthand, under a left side in it too",
        ),
        pytest.param(
            SHAPES
            + "        gradients: {G: dL/dY}\n        gradient: W\n        answer: 'X^T G'\n"
            + "        misconceptions:\n"
            + "          - {answer: 'X^T G, where G = dL/dZ', feedback: No., marks: 0}\n",
            [
                "19: parts.a.items.it.misconceptions[0].answer: a student's 'X^T G, where G = "
                'dL/dZ\' goes to a person ("Your answer is followed by "where G = dL/dZ", '
                "which defines G as dL/dZ; the question's G is ∂L/∂Y, so it is not clear what "
                "your answer means\"): write the rubric's answer so that it reads alone"
            ],
            id="a misconception a person would have to read",
        ),
    ],
)
def test_a_matrix_item_is_checked_when_the_rubric_is_loaded(item, problems):
    assert _problems(item) == problems


def test_a_misconception_equal_to_the_reference_is_found_by_the_self_test():
    from grader.rubric_check import check_rubric

    rubric = load_rubric_text(
        _rubric(
            SHAPES
            + "        gradient: W\n        answer: 'X^T G'\n        misconceptions:\n"
            + "          - {answer: '(G^T X)^T', feedback: Same., marks: 0}\n"
        ),
        "m.yaml",
    )
    assert [p.message for p in check_rubric(rubric)] == [
        "'(G^T X)^T' equals the reference answer, so this rule can never fire",
        "no test exercises this rule; add one to tests: with item: a.it and misconception: 1",
    ]
