"""An expression item's rubric keys: the constants and functions its answers may use, the
tolerance for decimals, and the form an answer must be written in.

Every reference and misconception answer goes through the same parser as students' answers,
so a rubric that would mis-read its own answer is refused when it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from grader.errors import Problem
from grader.kinds.base import read_with_caret
from grader.kinds.expression.parse import (
    CONSTANTS,
    DEFINITIONS,
    Call,
    Domain,
    ParsedExpression,
    Vocabulary,
    applied_to,
    parse,
    walk,
)
from grader.kinds.expression.read import FUNCTION_NAMES
from grader.model import Context
from grader.symbol_values import multiples
from grader.yaml_source import Fields, Scalar, Sequence

# Functions of every item that a student may write without their argument where the item has
# one variable, as declared ones may: `1 - \\tanh^2` for tanh's derivative.
_ALONE_BUILT_IN = frozenset(
    ("sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth", "sech", "csch")
)

FORMS = ("expanded", "factored", "lowest_terms", "simplified", "equation")


@dataclass(frozen=True)
class ExpressionSpec:
    """What only an expression item has."""

    constants: tuple[str, ...] = ()  # of "pi", "e": names that are constants, not symbols
    functions: tuple[tuple[str, str], ...] = ()  # (name, definition such as sigmoid)
    tolerance: float | None = None  # decimals agree to within tolerance × max(1, |value|)
    form: str | None = None  # one of FORMS
    results: tuple[str, ...] = ()  # names a left side may give the answer: y, f'(x), dy/dx
    # The sizes the rubric allows, as a `Domain`: (C/G, "whole") for each C it declares a
    # multiple of G (`multiple_of`), so that no point where G does not divide C is compared.
    sizes: Domain = ()

    def vocabulary(self, context: Context) -> Vocabulary:
        functions = dict(self.functions)
        for _, definition in self.functions:
            # `sigmoid(x)` where the rubric calls the sigmoid σ: its own name reads too
            if definition not in context.symbol_table and definition not in self.constants:
                functions.setdefault(definition, definition)
        return Vocabulary(context.symbol_table, self.constants, functions)

    def answer_vocabulary(self, context: Context, reference: ParsedExpression) -> Vocabulary:
        """A student's answer's names: the rubric's, and where the reference has one variable,
        that variable as what a function written alone is a function of: a declared one (σ is
        σ(x)), or a trigonometric or hyperbolic one (`1 - \\tanh^2` is 1 - tanh(x)²). With two
        or more variables, σ needs its argument; so it does where the reference applies such a
        function to anything but the variable itself (2σ(2x)(1 - σ(2x)): is σ alone σ(x) or
        σ(2x)?)."""
        vocabulary = self.vocabulary(context)
        variables = set().union(*(side.free_symbols for side in reference.sides))
        if len(variables) != 1:
            return vocabulary
        (variable,) = variables
        names = [name for name, symbol in context.symbol_table.items() if symbol == variable]
        if len(names) != 1:
            return vocabulary
        alone = frozenset(vocabulary.functions) | _ALONE_BUILT_IN
        applied_otherwise = any(
            isinstance(node, Call) and node.function in alone and not applied_to(node, names[0])
            for tree in reference.trees
            for node in walk(tree)
        )
        if applied_otherwise:
            return vocabulary
        return replace(vocabulary, argument=names[0], alone=alone)


def _read_constants(fields: Fields, context: Context) -> tuple[str, ...]:
    entry = fields.sequence("constants", required=False)
    if entry is None:
        return ()
    names = []
    for child in entry[1].items:
        name = child.value if isinstance(child, Scalar) else None
        if name not in CONSTANTS:
            fields.problem(child.line, "constants", f"unknown constant {name!r}; use pi or e")
        elif name in context.symbol_table:
            fields.problem(child.line, "constants", f"{name} is declared as a symbol too")
        else:
            names.append(name)
    return tuple(names)


def _read_functions(fields: Fields, context: Context) -> dict[str, str]:
    entry = fields.mapping("functions", required=False)
    if entry is None:
        return {}
    functions = {}
    for name, (line, node) in entry[1].entries.items():
        definition = node.value if isinstance(node, Scalar) else None
        if definition not in DEFINITIONS:
            fields.problem(
                line,
                f"functions.{name}",
                f"unknown definition {definition!r}; use one of {', '.join(DEFINITIONS)}",
            )
        elif name in context.symbol_table or name in FUNCTION_NAMES:
            fields.problem(
                line, f"functions.{name}", f"{name} already names a symbol or a function"
            )
        elif not name.isalpha():
            fields.problem(line, f"functions.{name}", "a function's name is letters, e.g. sigma")
        else:
            functions[name] = definition
    return functions


def read_expression_spec(
    fields: Fields, context: Context, problems: list[Problem]
) -> ExpressionSpec:
    constants = _read_constants(fields, context)
    functions = _read_functions(fields, context)
    tolerance = fields.number("tolerance", required=False)
    if tolerance is not None and not 0 < tolerance < 1:
        fields.problem(fields.node.entries["tolerance"][0], "tolerance", "must be between 0 and 1")
        tolerance = None
    form = fields.choice("form", FORMS, "form", required=False)
    results = _read_results(fields, problems)
    table = context.symbol_table
    sizes = tuple(
        (table[multiple] / table[divisor], "whole")
        for multiple, divisor in multiples(context.symbols)
        if multiple in table and divisor in table
    )
    return ExpressionSpec(constants, tuple(functions.items()), tolerance, form, results, sizes)


def _read_results(fields: Fields, problems: list[Problem]) -> tuple[str, ...]:
    """`result: y` or `result: ["f'(x)", dy/dx]`: the left sides that name the answer, so that
    `dy/dx = 2ax + b` is read as the value 2ax + b (compared by `grader.answer_names`)."""
    entry = fields.raw("result", required=False)
    if entry is None:
        return ()
    line, node = entry
    results = []
    for child in node.items if isinstance(node, Sequence) else [node]:
        value = getattr(child, "value", None)
        if not isinstance(child, Scalar) or not isinstance(value, str) or not value.strip():
            problems.append(Problem(line, fields.key_path("result"), "a result is a name, e.g. y"))
            return ()
        results.append(value.strip())
    return tuple(results)


def read_expression(
    text: str, line: int, path: str, context: Context, spec: ExpressionSpec, problems: list[Problem]
) -> ParsedExpression | None:
    """A rubric's expression (the reference, a misconception), or None with a problem."""
    parsed = read_with_caret(
        lambda: parse(text, spec.vocabulary(context)), text, line, path, problems
    )
    if parsed is not None and len(parsed.sides) > 2:
        problems.append(
            Problem(line, path, "a rubric answer is one expression or one equation, not a chain")
        )
        return None
    return parsed
