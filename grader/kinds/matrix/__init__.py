"""Matrix expressions (`type: matrix`): an answer such as ∂L/∂W = XᵀG or
A = softmax(QKᵀ/√d_k)V over matrices the rubric declares with their shapes, judged equal to
the reference by its values on random matrices (so XW is not WX), with misconceptions matched
the same way, diagnoses found by small rewritings, and shapes that cannot fit explained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.errors import AnswerError, Problem
from grader.kinds.base import check_rules
from grader.kinds.matrix.check import DIAGNOSES, check_matrix, left_problem, same_answer
from grader.kinds.matrix.evaluate import evaluated
from grader.kinds.matrix.parse import (
    ONES_BEFORE,
    MatrixAnswer,
    free_letters,
    number_one_reading,
)
from grader.kinds.matrix.rubric import (
    MatrixSpec,
    read_matrix,
    read_matrix_answer,
    read_matrix_spec,
)
from grader.kinds.matrix.score import score_matrix
from grader.model import Context, Item, ItemResult, Rubric
from grader.yaml_source import Fields

DESCRIPTIONS = {
    "transposed": "the transpose of the right answer",
    "factor_order": "the right factors multiplied in the wrong order",
    "transpose_misplaced": "a transpose on the wrong factor",
    "softmax_axis": "a softmax over the wrong axis",
    "inside_softmax": "a factor inside the softmax that belongs outside it",
    "scalar_missing": "the scaling factor left out",
    "scalar_wrong": "the wrong scaling factor",
    "scalar_extra": "a scaling factor where there is none",
    "elementwise_product": "an elementwise product where a matrix product belongs",
    "matrix_product": "a matrix product where an elementwise product belongs",
    "other_item": "the answer to another item of the question",
    "shape": "a result of the wrong shape",
    "different": "a different matrix expression",
}


class MatrixKind:
    name = "matrix"
    keys = ("matrices", "gradient", "gradients", "result")
    diagnoses = DIAGNOSES.names
    keeps_prose = False
    part_diagnoses = ()
    count_role = None

    def advice(self, item: Item, context: Context) -> str:
        """How to write a matrix expression, with examples over letters none of the question's:
        a hint shows notation, and over the question's own matrices an example is an answer,
        or the answer scaled or transposed (`2 X^T G` was linear-backward-q1 a.dW's times 2)."""
        a, m, p = example_letters(item.spec, context)
        return (
            "Write the matrix expression over the question's matrices "
            f"({', '.join(name for name, _ in item.spec.declared)}), e.g. "
            f"{a}^T {m} {p}, or 1^T {a} {m} ({a}, {m} and {p} stand for any matrices, 1 for a "
            "vector of ones): ^T transposes, a product is written side by side, \\odot "
            "multiplies elementwise and softmax(...) works row by row."
        )

    def describe_diagnosis(self, name: str) -> str:
        return DESCRIPTIONS.get(name, name.replace("_", " "))

    def read_spec(
        self, fields: Fields, marks: float | None, context: Context, problems: list[Problem]
    ) -> MatrixSpec | None:
        return read_matrix_spec(fields, context, problems)

    def read_answer(
        self,
        text: str,
        line: int,
        path: str,
        context: Context,
        spec: Any,
        problems,
        *,
        misconception: bool,
    ) -> MatrixAnswer | None:
        return read_matrix_answer(text, line, path, context, spec, problems, misconception)

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        answer = read_matrix(text, item.spec, context)
        as_number = None
        if answer.as_number is not None and answer.review == ONES_BEFORE:
            # `1 G`: what the answer would earn with its 1 read as the number, for the review
            plain = number_one_reading(answer)
            as_number = score_matrix(item, plain, check_matrix(item, plain, context))
        return score_matrix(item, answer, check_matrix(item, answer, context), as_number)

    def carry_forward(
        self, item: Item, count: ItemResult, formula: ItemResult, context: Context
    ) -> ItemResult | None:
        return None  # it states no count

    def recognises(self, item: Item, text: str, context: Context) -> bool:
        """A matrix answer for this item: its left side names what the item asks for, or it
        has none, reads over the item's matrices, and is not a matrix of another shape than
        the reference's or its transpose (an answer whose shapes do not fit is still the
        student's answer, graded with what is wrong with it)."""
        try:
            answer = read_matrix(text, item.spec, context)
        except AnswerError:
            return False
        if answer.left is not None:
            return left_problem(answer.left, item.spec) is None
        mine = evaluated(answer.expression, item.spec, context)
        reference = evaluated(item.reference.expression, item.spec, context)
        return mine.shape is None or mine.shape in (reference.shape, reference.shape[::-1])

    def same_answer(self, item: Item, first: Any, second: Any, context: Context) -> bool:
        return same_answer(first, second, item.spec, context)

    def self_test(
        self, rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
    ) -> list[Problem]:
        return check_rules(item, grade, lambda a, b: self.same_answer(item, a, b, rubric.context))


def example_letters(spec: MatrixSpec, context: Context) -> tuple[str, str, str]:
    """Three letters for a hint's example, none the question's in any case (its matrices,
    sizes, symbols, results, given gradients or loss), nor I or T, read as the identity and a
    transpose."""
    taken = {name for name, _ in spec.names}
    taken |= {*spec.results, spec.loss, *context.symbol_table}
    taken |= {name for pair in spec.given for name in pair}
    a, m, p = free_letters(taken, 3)
    return a, m, p


MATRIX = MatrixKind()
