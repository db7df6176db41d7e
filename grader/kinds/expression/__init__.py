"""Expressions (`type: expression`): scalar algebra over the question's real symbols, such as
σ(x)(1 - σ(x)) or 1/sqrt(d_k), or an equation, judged equal to the reference exactly or by
evaluation at many points, with misconceptions, diagnoses, a counterexample in words, and a
person deciding whatever the check cannot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.errors import AnswerError, Problem
from grader.kinds.base import check_rules
from grader.kinds.expression.check import DIAGNOSES, Answer, check_expression, same
from grader.kinds.expression.parse import ParsedExpression, parse_answer
from grader.kinds.expression.rubric import (
    ExpressionSpec,
    read_expression,
    read_expression_spec,
)
from grader.kinds.expression.score import score_expression
from grader.model import Context, Item, ItemResult, Rubric
from grader.yaml_source import Fields


class ExpressionKind:
    name = "expression"
    keys = ("constants", "functions", "tolerance", "form")
    part_diagnoses = ()
    diagnoses = DIAGNOSES.names
    advice = (
        "Write the answer as a formula in the question's symbols, e.g. sigma(x)*(1 - sigma(x))."
    )
    keeps_prose = False
    count_role = None

    def read_spec(
        self, fields: Fields, marks: float | None, context: Context, problems: list[Problem]
    ) -> ExpressionSpec:
        return read_expression_spec(fields, context, problems)

    def read_answer(
        self, text: str, line: int, path: str, context: Context, spec: Any, problems
    ) -> ParsedExpression | None:
        return read_expression(text, line, path, context, spec, problems)

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        parsed = parse_answer(text, item.spec.vocabulary(context))
        return score_expression(item, parsed, check_expression(item, parsed))

    def recognises(self, item: Item, text: str, context: Context) -> bool:
        """An expression is what reads as one over the item's names, as a marker reads it:
        `s = \\frac{1}{\\sqrt{d_k}}` answers with what follows its `=`."""
        try:
            parse_answer(text, item.spec.vocabulary(context))
        except AnswerError:
            return False
        return True

    def same_answer(self, item: Item, first: Any, second: Any, context: Context) -> bool:
        def answer(parsed: ParsedExpression) -> Answer:
            return Answer(
                parsed.sides if len(parsed.sides) < 3 else (parsed.sides[0], parsed.sides[-1]),
                parsed.trees[-1],
            )

        return same(answer(first), answer(second), item.spec.tolerance).equal

    def self_test(
        self, rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
    ) -> list[Problem]:
        return check_rules(item, grade, lambda a, b: self.same_answer(item, a, b, rubric.context))

    def carry_forward(
        self, item: Item, count: ItemResult, formula: ItemResult, context: Context
    ) -> ItemResult | None:
        return None


EXPRESSION = ExpressionKind()
__all__ = ["EXPRESSION", "ExpressionKind"]
