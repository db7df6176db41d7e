"""Check an expression answer against its item: the reference, then each misconception by the
same equivalence, then the generic diagnoses (a sign, a constant factor, the reciprocal, an
answer right only for positive values), then the form the rubric asks for.

What the answer is: the last side of a chain of working (`f = 2x = 2·x`), for an item whose
reference is an expression; an equation (the first side = the last) where the reference is
an equation. An answer `x = 11` to `11`, or `11` to `x = 11`, is read as the value of x.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy

from grader.kinds.base import DiagnosisNames
from grader.kinds.expression.equivalence import (
    PRECISION,
    Comparison,
    compare,
    compare_equations,
    point_values,
    sample_points,
)
from grader.kinds.expression.evaluate import real_value
from grader.kinds.expression.forms import FORM_WORDS, check_form
from grader.kinds.expression.parse import (
    Call,
    Name,
    Negate,
    Node,
    Number,
    ParsedExpression,
    Power,
    Product,
    Sum,
)
from grader.model import Diagnosis, Item, Misconception

DIAGNOSES = DiagnosisNames()


@dataclass(frozen=True)
class Answer:
    """What an answer says: one expression, or an equation (left, right)."""

    sides: tuple[sympy.Expr, ...]
    tree: Node  # the AST of the answer's last side, for form checks

    @property
    def is_equation(self) -> bool:
        return len(self.sides) == 2


@dataclass(frozen=True)
class ExpressionCheck:
    comparison: Comparison  # with the reference
    misconception: Misconception | None = None
    misconception_index: int | None = None
    diagnosis: Diagnosis | None = None
    form_ok: bool | None = True  # None: the form could not be told

    @property
    def equivalent(self) -> bool:
        return self.comparison.equal


def _lone_symbol(tree: Node) -> bool:
    return isinstance(tree, Name)


def answer_of(parsed: ParsedExpression, reference: ParsedExpression) -> Answer:
    """The expression or equation an answer gives, as the item's reference asks for one."""
    sides, trees = parsed.sides, parsed.trees
    if len(reference.sides) == 2:
        if len(sides) >= 2:
            return Answer((sides[0], sides[-1]), trees[-1])
        if _lone_symbol(reference.trees[0]):
            # `11` answers `x = 11`: the value of x, compared as x = 11.
            return Answer((reference.sides[0], sides[0]), trees[0])
        if _lone_symbol(reference.trees[1]):
            return Answer((sides[0], reference.sides[1]), trees[0])
        return Answer((sides[-1],), trees[-1])
    return Answer((sides[-1],), trees[-1])


def _reference(item: Item) -> Answer:
    parsed: ParsedExpression = item.reference
    return Answer(parsed.sides, parsed.trees[-1])


def same(first: Answer, second: Answer, tolerance: float | None = None) -> Comparison:
    """The one equivalence every rule of an item uses."""
    if first.is_equation != second.is_equation:
        what = "an equation" if second.is_equation else "an expression"
        return Comparison("different", "by its kind", f"The question asks for {what}.")
    if first.is_equation:
        if first.sides[0] == second.sides[0] and first.sides[0].is_Symbol:
            return compare(first.sides[1], second.sides[1], tolerance)
        return compare_equations(first.sides, second.sides)  # type: ignore[arg-type]
    return compare(first.sides[0], second.sides[0], tolerance)


def _ratio(answer: sympy.Expr, correct: sympy.Expr) -> Fraction | None:
    """answer / correct at the first point where both have a nonzero value, as a simple
    fraction, or None."""
    symbols = sorted(answer.free_symbols | correct.free_symbols, key=lambda s: s.name)
    with mpmath.workdps(PRECISION):
        for point, _ in sample_points(symbols)[:40]:
            at = point_values(point)
            a, c = real_value(answer, at), real_value(correct, at)
            if a is not None and c is not None and c != 0 and a != 0:
                ratio = Fraction(str(mpmath.nstr(a / c, 30))).limit_denominator(1000)
                return ratio
    return None


@DIAGNOSES.produces("sign", "constant_factor", "reciprocal", "positive_only")
def diagnose(answer: sympy.Expr, correct: sympy.Expr) -> Diagnosis | None:
    """A wrong expression explained by how it relates to the right one."""
    if compare(answer, -correct, exact=False).equal:
        return DIAGNOSES.make(
            "sign", "Your answer has the wrong sign: it is the negative of the correct one."
        )
    ratio = _ratio(answer, correct)
    if ratio is not None and ratio not in (0, 1, -1):
        factor = sympy.Rational(ratio.numerator, ratio.denominator)
        if compare(answer, factor * correct, exact=False).equal:
            return DIAGNOSES.make(
                "constant_factor",
                f"Your answer is {ratio} times the correct one: a constant factor is wrong.",
            )
    if not correct.is_zero and compare(answer, 1 / correct, exact=False).equal:
        return DIAGNOSES.make(
            "reciprocal", "Your answer is the reciprocal (1 over) of the correct one."
        )
    symbols = answer.free_symbols | correct.free_symbols
    if (
        symbols
        and not all(s.is_positive for s in symbols)
        and compare(answer, correct, positive_only=True, exact=False).equal
    ):
        names = ", ".join(sorted(s.name for s in symbols if not s.is_positive))
        return DIAGNOSES.make(
            "positive_only",
            f"Your answer is right when {names} {'is' if ',' not in names else 'are'} "
            "positive, but not for every real value: a step such as sqrt(x²) = x holds "
            "only for x ≥ 0 (sqrt(x²) is |x|).",
        )
    return None


def _has_decimal(node: Node) -> bool:
    if isinstance(node, Number):
        return "." in node.text
    return any(_has_decimal(child) for child in _children(node))


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Sum):
        return tuple(t for _, t in node.terms)
    if isinstance(node, Product):
        return tuple(f for _, f in node.factors)
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Power):
        return (node.base, node.exponent)
    if isinstance(node, Call):
        return node.arguments
    return ()


ROUNDED_WITHIN = 0.01


@DIAGNOSES.produces("rounded")
def rounded_diagnosis(answer: Answer, reference: Answer) -> Diagnosis | None:
    """An answer with a decimal in it (1.414 for sqrt(2)) within 1% of the correct one: a
    rounded value where the item asks for the exact one (or a closer `tolerance`)."""
    if not _has_decimal(answer.tree):
        return None
    if not compare(answer.sides[0], reference.sides[0], tolerance=ROUNDED_WITHIN).equal:
        return None
    return DIAGNOSES.make(
        "rounded",
        "Your answer is a rounded value of the correct one; the question asks for it exactly "
        "(write sqrt(2), not 1.414) or more precisely.",
    )


@DIAGNOSES.produces("equation_expected")
def kind_diagnosis(answer: Answer, reference: Answer) -> Diagnosis | None:
    """An expression where an equation is asked for. (An equation where an expression is
    asked for is read as its last side, a chain of working.)"""
    if reference.is_equation and not answer.is_equation:
        return DIAGNOSES.make(
            "equation_expected", "The question asks for an equation; your answer is an expression."
        )
    return None


@DIAGNOSES.produces("not_expanded", "not_factored", "not_lowest_terms", "not_simplified")
def form_diagnosis(form: str) -> Diagnosis:
    message = (
        "Your answer is equal to the correct one, but the question asks for it "
        f"{FORM_WORDS[form]}, and it is not."
    )
    if form == "expanded":
        return DIAGNOSES.make("not_expanded", message)
    if form == "factored":
        return DIAGNOSES.make("not_factored", message)
    if form == "lowest_terms":
        return DIAGNOSES.make("not_lowest_terms", message)
    return DIAGNOSES.make("not_simplified", message)


def check_expression(item: Item, parsed: ParsedExpression) -> ExpressionCheck:
    """Compare the answer with the reference, the misconceptions and the diagnoses."""
    reference = _reference(item)
    answer = answer_of(parsed, item.reference)
    tolerance = item.spec.tolerance
    comparison = same(answer, reference, tolerance)
    if comparison.equal:
        if item.spec.form is None:
            return ExpressionCheck(comparison)
        ok = check_form(item.spec.form, answer.sides[-1], answer.tree, reference.tree)
        if ok is False:
            return ExpressionCheck(
                comparison, diagnosis=form_diagnosis(item.spec.form), form_ok=False
            )
        return ExpressionCheck(comparison, form_ok=ok)
    for index, rule in enumerate(item.misconceptions):
        if rule.reading is None:
            continue
        wrong = Answer(rule.reading.sides, rule.reading.trees[-1])
        if same(answer, wrong, tolerance).equal:
            return ExpressionCheck(comparison, rule, index)
    if comparison.outcome == "unsure":
        return ExpressionCheck(comparison)
    diagnosis = kind_diagnosis(answer, reference)
    if diagnosis is None and not answer.is_equation:
        diagnosis = rounded_diagnosis(answer, reference) or diagnose(
            answer.sides[0], reference.sides[0]
        )
    return ExpressionCheck(comparison, diagnosis=diagnosis)
