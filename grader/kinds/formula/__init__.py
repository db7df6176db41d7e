"""Layer formulas (`type: formula`): one output tensor defined entry by entry, in index
notation or as a matrix product such as Y = XW, judged by the layer it defines (which inputs
each output reads, through which weights, with which biases), not by how it is written."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from grader.errors import Problem
from grader.kinds.base import check_rules
from grader.kinds.formula.check import FINDINGS, check_formula, same_layer
from grader.kinds.formula.matrix_form import held_to_reference
from grader.kinds.formula.parse import parse_formula
from grader.kinds.formula.rubric import FormulaSpec, read_formula, read_layer
from grader.kinds.formula.score import score_formula
from grader.kinds.formula.terms import Formula
from grader.model import Context, Item, ItemResult, Rubric
from grader.yaml_source import Fields


class FormulaKind:
    name = "formula"
    keys = ("input", "output", "padding")
    diagnoses = FINDINGS.names
    advice = (
        "Write the formula with indices, e.g. y_{i,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,l} "
        "+ b_k, or a matrix form such as Y = XW."
    )
    keeps_prose = False
    part_diagnoses = ()
    count_role = "defines"

    def read_spec(
        self, fields: Fields, marks: float | None, context: Context, problems: list[Problem]
    ) -> FormulaSpec | None:
        layer = read_layer(fields, context.symbol_table, problems)
        return None if layer is None else FormulaSpec(layer)

    def read_answer(
        self, text: str, line: int, path: str, context: Context, spec: Any, problems
    ) -> Formula | None:
        return read_formula(
            text, line, path, context.symbol_table, spec.layer, problems, context.size_sets
        )

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        layer = item.spec.layer
        formula = held_to_reference(
            parse_formula(text, context.symbol_table, layer), item.reference, layer
        )
        check = check_formula(item, formula, context.symbols, context.size_sets)
        return score_formula(item, formula, check)

    def carry_forward(
        self, item: Item, count: ItemResult, formula: ItemResult, context: Context
    ) -> ItemResult | None:
        return None  # it states no count

    def recognises(self, item: Item, text: str, context: Context) -> bool:
        """A formula is an equation whose left side is the layer's output (`y_{i,j,k} = …`,
        `Y = XW`, `Y^T = …`), whether or not the rest can be read: a formula that cannot be
        read is still the student's answer, graded with what is wrong with it."""
        left, equals, _ = text.partition("=")
        name = re.escape(item.spec.layer.output.name)
        written = re.sub(r"\\(mathbf|boldsymbol|bm|mathrm|mathit)\s*\{\s*(\w+)\s*\}", r"\2", left)
        return (
            bool(equals)
            and re.fullmatch(rf"\s*{name}\s*(?:[_^\['′ᵀ].*)?", written, re.IGNORECASE | re.DOTALL)
            is not None
        )

    def same_answer(self, item: Item, first: Any, second: Any, context: Context) -> bool:
        return bool(same_layer(first, second, item.spec.layer, context.size_sets))

    def self_test(
        self, rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
    ) -> list[Problem]:
        return check_rules(item, grade, lambda a, b: self.same_answer(item, a, b, rubric.context))


FORMULA = FormulaKind()
