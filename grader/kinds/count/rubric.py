"""A count item's rubric keys: its answers read as counts, and the layer's biases.

Every reference and misconception answer goes through the same parser as students' answers,
so a rubric that would mis-read its own answer is refused when it is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy

from grader.errors import Problem, quoted
from grader.kinds.base import read_with_caret
from grader.kinds.count.parse import ParsedAnswer, parse
from grader.kinds.count.polynomials import (
    Undecidable,
    identically_zero,
    is_rational_count,
    whole_divisions,
)
from grader.kinds.count.steps import LENIENT_STEPS
from grader.yaml_source import Fields, Scalar, Sequence


@dataclass(frozen=True)
class CountSpec:
    """What only a count item has: the layer's biases, for the bias diagnoses."""

    bias: ParsedAnswer | None = None
    bias_included: bool = True  # whether the reference counts the biases
    # A wrong count that is right for the student's own formula of the part earns the marks
    # of `partial_credit: {follow_through: ...}` (marks carried forward).
    follow_through: bool = False
    # The lenient steps (`LENIENT_STEPS`) this item reads answers with: all but those its
    # `strict:` key switches off.
    lenient: tuple[str, ...] = tuple(LENIENT_STEPS)
    # `a // b` read as ⌊a/b⌋ (`integer_division: true`); refused, saying so, otherwise.
    integer_division: bool = False


def read_count(
    text: str,
    line: int,
    path: str,
    symbols: Mapping[str, sympy.Symbol],
    problems: list[Problem],
    integer_division: bool = False,
    pairs: tuple[tuple[str, str], ...] = (),
) -> ParsedAnswer | None:
    """A rubric's count (an answer, a bias, a tensor's size), or None with a problem. A count
    with floors or powers such as 2^C that the exact check could not decide is refused here,
    so that no student's answer is ever guessed about against it; a floor of a division whole
    at every size the rubric allows (⌊C/G⌋, C declared a multiple of G: `pairs`) is decided as
    that division."""
    parsed = read_with_caret(
        lambda: parse(text, symbols, integer_division=integer_division),
        text,
        line,
        path,
        problems,
    )
    if parsed is not None and not is_rational_count(parsed.expr):
        try:
            declared = tuple(symbols.values())
            identically_zero(whole_divisions(parsed.expr, pairs, declared), declared)  # or raises
        except Undecidable as error:
            problems.append(
                Problem(
                    line, path, f"the checker cannot decide counts like {quoted(text)}: {error}"
                )
            )
            return None
    if parsed is not None and len(parsed.sides) > 1:
        problems.append(Problem(line, path, "a rubric answer is one expression, not a chain"))
        return None
    return parsed


def read_count_spec(
    fields: Fields, symbols: Mapping[str, sympy.Symbol], problems: list[Problem]
) -> CountSpec:
    bias = None
    integer_division = fields.boolean("integer_division", default=False)
    bias_answer = fields.answer("bias", required=False)
    if bias_answer is not None:
        bias = read_count(*bias_answer, f"{fields.path}.bias", symbols, problems, integer_division)
    return CountSpec(
        bias,
        fields.boolean("bias_included", default=True),
        fields.boolean("follow_through", default=False),
        _read_lenient(fields),
        integer_division,
    )


def _read_lenient(fields: Fields) -> tuple[str, ...]:
    """`strict: true` switches every lenient step off; `strict: [case, words]` those named."""
    if not fields.has("strict"):
        fields.raw("strict", required=False)
        return tuple(LENIENT_STEPS)
    line, value = fields.raw("strict", required=False)
    if isinstance(value, Scalar) and isinstance(value.value, bool):
        return () if value.value else tuple(LENIENT_STEPS)
    if not isinstance(value, Sequence):
        fields.problem(line, "strict", "expected true, false or a list of lenient steps")
        return tuple(LENIENT_STEPS)
    switched_off = set()
    for entry in value.items:
        name = entry.value if isinstance(entry, Scalar) else None
        if name not in LENIENT_STEPS:
            fields.problem(
                entry.line,
                "strict",
                f"unknown lenient step {name!r}; use any of {', '.join(LENIENT_STEPS)}",
            )
        else:
            switched_off.add(name)
    return tuple(name for name in LENIENT_STEPS if name not in switched_off)
