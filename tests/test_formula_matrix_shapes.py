"""A formula's matrix form holds a matrix the reference names to the reference's shape.

Issue 16: with dL/dW written as a formula item (input X: N×C, output U: C×D, answer
U = XᵀG), `U = XᵀGᵀ` got full marks, because only X's and U's shapes are declared and G's was
inferred as D×N. G is the question's N×D gradient; a renamed parameter is still a renaming.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import AnswerTooLargeError
from grader.grade import grade_answer
from grader.kinds.formula.parse import parse_formula
from grader.rubric import load_rubric, load_rubric_text

RUBRIC = load_rubric_text(
    """
id: U-Q
title: dL/dW as a formula
symbols:
  N: {meaning: examples}
  C: {meaning: input features}
  D: {meaning: output features}
parts:
  a:
    marks: 2
    prompt: The gradient of the loss with respect to W, as U.
    items:
      formula:
        type: formula
        marks: 2
        input: {name: X, shape: [N, C]}
        output: {name: U, shape: [C, D]}
        padding: none
        answer: 'U = X^T G'
""",
    "u-q.yaml",
)


@pytest.mark.parametrize(
    ("answer", "verdict", "marks", "diagnosis", "feedback"),
    [
        pytest.param(
            "U = X^T G^T",
            "incorrect",
            0,
            "shape",
            ("The shapes do not fit: U = Xᵀ·Gᵀ needs G to be D×N, but G is N×D.",),
            id="U = XᵀGᵀ takes G to be D×N: not the answer (it had full marks before)",
        ),
        pytest.param(
            "U = X^T G",
            "correct",
            2,
            None,
            ("Correct: your formula defines the same layer.",),
            id="the reference is still correct",
        ),
        pytest.param(
            "U^T = G^T X",
            "correct",
            2,
            None,
            ("Correct: your formula defines the same layer.",),
            id="the transposed form keeps G N×D and is correct",
        ),
        pytest.param(
            "U = X^T A",
            "correct",
            2,
            None,
            ("Correct: your formula defines the same layer.",),
            id="a matrix the reference does not name is a renaming, as before",
        ),
    ],
)
def test_a_matrix_the_reference_names_keeps_its_shape(answer, verdict, marks, diagnosis, feedback):
    result = grade_answer(RUBRIC, RUBRIC.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis, result.feedback) == (
        verdict,
        marks,
        diagnosis,
        feedback,
    )


INDEX_RUBRIC = load_rubric_text(
    RUBRIC.source_text.replace(
        "answer: 'U = X^T G'", "answer: 'u_{c,d} = \\sum_{n=1}^{N} x_{n,c} g_{n,d}'"
    ),
    "u-index.yaml",
)


@pytest.mark.parametrize(
    ("answer", "verdict", "feedback"),
    [
        pytest.param(
            "U = X^T G^T",
            "incorrect",
            ("The shapes do not fit: U = Xᵀ·Gᵀ needs G to be D×N, but G is N×D.",),
            id="g_{n,d} of an index reference is N×D, so XᵀGᵀ does not fit",
        ),
        pytest.param(
            "U = X^T G",
            "correct",
            ("Correct: your formula defines the same layer.",),
            id="XᵀG is the index reference's layer",
        ),
    ],
)
def test_an_index_reference_gives_its_matrices_shapes_too(answer, verdict, feedback):
    result = grade_answer(INDEX_RUBRIC, INDEX_RUBRIC.items["a.formula"], answer)
    assert (result.verdict, result.feedback) == (verdict, feedback)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("Y = " + " + ".join(["XW"] * 65), id="a matrix form"),
        pytest.param("Y = XW + " + " + ".join(["b"] * 64), id="a matrix form's biases"),
    ],
)
def test_a_matrix_form_of_more_than_64_terms_is_refused_as_too_large(answer):
    # Bounded work on hostile input: the matrix form read any number of terms, where index
    # and vector forms stop at 64 (they now share the reading of signed products).
    rubric = load_rubric(Path(__file__).resolve().parent.parent / "rubrics" / "22-52-q4.yaml")
    with pytest.raises(AnswerTooLargeError) as raised:
        parse_formula(answer, rubric.symbol_table, rubric.items["d.formula"].spec.layer)
    assert raised.value.message == "this formula has more than 64 terms"
