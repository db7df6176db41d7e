"""Expressions (`type: expression`): scalar algebra over the question's real symbols, such as
σ(x)(1 - σ(x)) or 1/sqrt(d_k), or an equation, judged equal to the reference exactly or by
evaluation at many points, with misconceptions, diagnoses, a counterexample in words, and a
person deciding whatever the check cannot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.errors import AnswerError, Problem
from grader.kinds.base import check_rules
from grader.kinds.expression.check import DIAGNOSES, Answer, same
from grader.kinds.expression.parse import (
    Call,
    Name,
    ParsedExpression,
    function_alone,
    parse,
    parse_answer,
    uses,
)
from grader.kinds.expression.rubric import (
    ExpressionSpec,
    read_expression,
    read_expression_spec,
)
from grader.kinds.expression.score import score_readings
from grader.model import Context, Item, ItemResult, Rubric
from grader.yaml_source import Fields

DESCRIPTIONS = {
    "sign": "the right expression with the wrong sign",
    "constant_factor": "the right expression times a wrong constant",
    "reciprocal": "the reciprocal of the right expression",
    "positive_only": "an answer right only where the symbols are positive",
    "rounded": "a decimal rounded beyond the tolerance",
    "close": "a decimal answer near the correct value that rounds none of its numbers",
    "equation_expected": "an expression where an equation is asked for",
    "not_expanded": "a right answer not expanded as asked",
    "not_factored": "a right answer not factored as asked",
    "not_lowest_terms": "a right fraction not in lowest terms",
    "not_simplified": "a right answer not simplified as asked",
    "not_solved": "a right equation not solved for the name the question asks for",
}


class ExpressionKind:
    name = "expression"
    keys = ("constants", "functions", "tolerance", "form", "result")
    part_diagnoses = ()
    diagnoses = DIAGNOSES.names
    keeps_prose = False
    count_role = None

    def advice(self, item: Item, context: Context) -> str:
        """How to write an expression, with an example in the item's own symbols (those of
        its answer, in the rubric's order) and a function the question declares, if any."""
        used = set().union(*(side.free_symbols for side in item.reference.sides))
        names = (
            [s.name for s in context.symbols if s.symbol in used]
            or [s.name for s in context.symbols]
            or ["x"]
        )
        first, second = names[0], names[-1]
        function = item.spec.functions[0][0] if item.spec.functions else "exp"
        return (
            f"Write the answer as a formula in the question's symbols, e.g. "
            f"{function}({first})*(1 - {second})/sqrt({second}), or in LaTeX, e.g. "
            f"\\frac{{{first}}}{{\\sqrt{{{second}}}}}."
        )

    def describe_diagnosis(self, name: str) -> str:
        return DESCRIPTIONS.get(name, name.replace("_", " "))

    def read_spec(
        self, fields: Fields, marks: float | None, context: Context, problems: list[Problem]
    ) -> ExpressionSpec:
        return read_expression_spec(fields, context, problems)

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
    ) -> ParsedExpression | None:
        return read_expression(text, line, path, context, spec, problems)

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        parsed = parse_answer(text, item.spec.answer_vocabulary(context, item.reference))
        return score_readings(item, parsed)

    def recognises(self, item: Item, text: str, context: Context) -> bool:
        """An expression is what reads as one over the item's names, as a marker reads it:
        `s = \\frac{1}{\\sqrt{d_k}}` answers with what follows its `=`. A declared function
        written alone as a whole side (`where $\\sigma$ is the sigmoid`, `$\\sigma = \\sigma(x)$`)
        names the function in prose and answers nothing, as before σ alone was read as σ(x)."""
        try:
            parsed = parse_answer(text, item.spec.answer_vocabulary(context, item.reference))
        except AnswerError:
            return False
        return not any(function_alone(tree) for tree in parsed.trees)

    def reading_error(self, item: Item, text: str, context: Context) -> AnswerError | None:
        """Why `text` cannot be read as an answer to `item` (what a transcript's unread text
        shows a person), or None when it can."""
        try:
            parse_answer(text, item.spec.answer_vocabulary(context, item.reference))
        except AnswerError as error:
            return error
        return None

    def defines(self, item: Item, text: str, context: Context) -> bool:
        """Whether a piece of maths in a transcript only defines a function the item declares,
        in its variables (`σ(x) = 1/(1 + e^{-x})`, `\\sigma = \\frac{1}{1+e^{-x}}`): no answer,
        but read with the item's answer, which sets it aside with a note and sends the item
        to a person where it is not the question's function. A notation, `σ = σ(x)`, whose
        right side has the function too, is not one."""
        vocabulary = item.spec.answer_vocabulary(context, item.reference)
        try:
            parsed = parse(text, vocabulary)
        except AnswerError:
            return False
        if len(parsed.sides) != 2:
            return False
        left, right = parsed.trees
        return (
            isinstance(left, Call)
            and left.function in vocabulary.functions
            and all(isinstance(argument, Name) for argument in left.arguments)
            and not uses(right, left.function)
        )

    def uses_definition(self, item: Item, answer: str, definition: str, context: Context) -> bool:
        """Whether `answer` uses the function that `definition` (one `defines` takes) defines:
        `σ(1-σ)` uses σ, `e^{-x}/(1+e^{-x})^2` does not. Only then is a transcript's answer
        read with the definition. Where either cannot be read, it is (as before)."""
        vocabulary = item.spec.answer_vocabulary(context, item.reference)
        try:
            defined = parse(definition, vocabulary).trees[0]
            trees = parse_answer(answer, vocabulary).trees
        except AnswerError:
            return True
        if not isinstance(defined, Call):
            return True
        return any(uses(tree, defined.function) for tree in trees)

    def same_answer(self, item: Item, first: Any, second: Any, context: Context) -> bool:
        def answer(parsed: ParsedExpression) -> Answer:
            return Answer(
                parsed.sides if len(parsed.sides) < 3 else (parsed.sides[0], parsed.sides[-1]),
                parsed.trees[-1],
                item.spec.sizes,
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
