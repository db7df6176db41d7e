"""Check an expression answer against its item: the reference, then each misconception by the
same equivalence, then the generic diagnoses (a sign, a constant factor, the reciprocal, an
answer right only for positive values), then the form the rubric asks for.

What the answer is: for an item whose reference is an expression, the last side of an
equation or a chain of working (`f'(x) = 2x = 2·x`) whose left side names the answer (a name
the rubric gives it in `result:`, its label or an alias; a left side that cannot be read, set
aside with a note; a lone symbol when the reference is a number: `x = 11` to `11`), or whose
every side is equal to the reference, or to the next side (working that holds, `σ(1 + σ) =
σ + σ²`, an identity that says nothing but its last side); any other equation (`b = 2ax + b`,
`2ax + b = 0`) goes to a person. A definition after the answer (`…, where σ(x) = …`) is set
aside, and held against the question (`definition_review`). Where the reference is an
equation, the answer is an equation (the first side = the last), and `11` to `x = 11` is read
as the value of x. A reference solved for a name (`y = (7 - 3x)/2`) wants an answer solved for
it too, unless `form: equation`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import mpmath
import sympy

from grader.answer_names import name_key, names_match
from grader.kinds.base import DiagnosisNames
from grader.kinds.expression.equivalence import (
    PRECISION,
    Comparison,
    compare,
    compare_equations,
    point_values,
    sample_points,
)
from grader.kinds.expression.evaluate import Unsupported, real_value
from grader.kinds.expression.forms import FORM_WORDS, check_form
from grader.kinds.expression.parse import (
    Call,
    Domain,
    Name,
    Negate,
    Node,
    Number,
    ParsedExpression,
    Power,
    Product,
    Sum,
    shown_name,
)
from grader.model import Diagnosis, Item, Misconception

DIAGNOSES = DiagnosisNames()


@dataclass(frozen=True)
class Answer:
    """What an answer says: one expression, or an equation (left, right)."""

    sides: tuple[sympy.Expr, ...]
    tree: Node  # the AST of the answer's last side, for form checks
    domain: Domain = ()  # where an expression has a value as written (`ParsedExpression`)

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
    review: str | None = None  # why a person must read it (an equation for an expression)

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
    return Answer((sides[-1],), trees[-1], parsed.domains[-1] if parsed.domains else ())


def _names_the_answer(item: Item, written: str) -> bool:
    """Whether a left side as written is a name the rubric gives the item's answer: one of
    its `result:` names, or its label or an alias (in any case, as submissions label it)."""
    if names_match(written, item.spec.results):
        return True
    key = name_key(written).casefold()
    return bool(key) and any(key == name_key(label).casefold() for label in item.labels)


def equation_for_expression(item: Item, parsed: ParsedExpression) -> str | None:
    """For an item whose reference is an expression, and an answer with an '=': None when its
    last side is the answer (the left side names it, or every side is the reference), else
    why a person must read it. `b = 2ax + b` and `2ax + b = 0` do not say the value is 2ax + b."""
    reference: ParsedExpression = item.reference
    if len(reference.sides) != 1 or len(parsed.sides) < 2:
        return None
    left = parsed.trees[0]
    # As written, up to its `=`: a LaTeX command is read as a shorter name (`\sigma` as σ), so
    # the left side's own end falls inside the command ("\sigm").
    written = parsed.text[left.start : parsed.trees[1].start].strip().removesuffix("=").strip()
    if _names_the_answer(item, written):
        return None
    if isinstance(left, Name) and not reference.sides[0].free_symbols:
        return None  # `x = 11` to `11`: the value of x
    tolerance = item.spec.tolerance
    if all(compare(side, reference.sides[0], tolerance).equal for side in parsed.sides):
        return None  # working that is right at every step: `2ax + b = b + 2ax`
    sides = parsed.sides
    if all(
        compare(side, after, tolerance).equal for side, after in zip(sides, sides[1:], strict=False)
    ):
        return None  # working whose every step holds, `σ(1 + σ) = σ + σ²`: its last side
    return (
        f"Your answer is an equation, but the question asks for an expression, and its left "
        f'side "{written}" is not a name of the answer, so it is not clear which side is your '
        "answer; an instructor will read it."
    )


def definition_review(item: Item, parsed: ParsedExpression) -> str | None:
    """None when every definition written after the answer defines a function the item
    declares, which the answer uses, as the question does (`σ(x) = 1/(1 + e^{-x})` for the
    sigmoid); else why a person must read it: a definition that is not the question's, that
    gives a symbol of the question a value, or that defines what the answer does not use."""
    for definition in parsed.definitions:
        if definition.role == "gloss":
            continue  # words saying what a name is: set aside, with a note
        said = f'Your answer is followed by "{definition.written}"'
        if definition.sides is None:
            # a definition by its shape (`where y = XW + b`), set aside as one: what it says
            # could not be read
            return (
                f"{said}, a definition of {definition.name} that could not be read; an "
                "instructor will read it."
            )
        if not definition.used:
            return (
                f"{said}, which defines {definition.reading.partition(' = ')[0]}, a name your "
                "answer does not use; an instructor will read it."
            )
        if definition.role == "symbol":
            return (
                f"{said}: it gives {shown_name(definition.name)}, a symbol of the question, a "
                "value of its own, so your answer may not be the one asked for; an instructor "
                "will read it."
            )
        if definition.role != "function":
            return f"{said}, a definition the check cannot hold; an instructor will read it."
        left, right = definition.sides
        if not compare(left, right, item.spec.tolerance).equal:
            shown = shown_name(definition.name)
            return (
                f"{said}, which defines {shown} as {definition.reading.partition(' = ')[2]}; "
                f"the question's {shown} is the {definition.meaning}, so it is not clear what "
                "your answer means; an instructor will read it."
            )
    return None


def solved_for(left: Node, right: Node, sides: tuple[sympy.Expr, ...]) -> str | None:
    """The name an equation is solved for: a lone symbol on one side that the other side does
    not have (`y = (7 - 3x)/2`, `(7 - 3x)/2 = y`), or None."""
    for lone, (mine, other) in ((left, sides), (right, sides[::-1])):
        if isinstance(lone, Name) and mine.is_Symbol and mine not in other.free_symbols:
            return lone.name
    return None


@DIAGNOSES.produces("not_solved")
def solved_diagnosis(item: Item, parsed: ParsedExpression) -> Diagnosis | None:
    """An equation equal to the reference, which is solved for a name, but not solved for it
    (`3x + 2y - 7 = 0`, `x = (7 - 2y)/3` for `y = (7 - 3x)/2`), unless `form: equation`."""
    reference: ParsedExpression = item.reference
    if item.spec.form == "equation" or len(reference.sides) != 2 or len(parsed.sides) < 2:
        return None
    wanted = solved_for(reference.trees[0], reference.trees[1], reference.sides)
    if wanted is None:
        return None
    sides = (parsed.sides[0], parsed.sides[-1])
    mine = solved_for(parsed.trees[0], parsed.trees[-1], sides)
    if mine == wanted:
        return None
    shown = shown_name(wanted)
    how = f"solved for {shown_name(mine)}" if mine is not None else f"not solved for {shown}"
    return DIAGNOSES.make(
        "not_solved",
        f"Your equation is equivalent to the correct one, but it is {how}; the question asks "
        f"for it solved for {shown}, as {shown} = ….",
    )


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
    return compare(first.sides[0], second.sides[0], tolerance, domain=first.domain)


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


def _right_only_when_positive(
    answer: sympy.Expr, correct: sympy.Expr, symbols: set[sympy.Symbol]
) -> bool:
    """Whether `answer` is right wherever the symbols are positive (near 0 too) and wrong at
    some point where those that may be negative are: `x` for sqrt(x²), not
    `1 - tanh²(x) + e^{-10^8x^2}`, which differs only near 0, on both sides of it."""
    negative = {s: -s for s in symbols if not s.is_nonnegative}
    return (
        bool(negative)
        and compare(answer, correct, positive_only=True, exact=False).equal
        and compare(
            answer.xreplace(negative), correct.xreplace(negative), positive_only=True, exact=False
        ).different
    )


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
    if _right_only_when_positive(answer, correct, symbols):
        names = ", ".join(sorted(s.name for s in symbols if not s.is_positive))
        return DIAGNOSES.make(
            "positive_only",
            f"Your answer is right when {names} {'is' if ',' not in names else 'are'} "
            "positive, but not for every real value: a step such as sqrt(x²) = x holds "
            "only for x ≥ 0 (sqrt(x²) is |x|).",
        )
    return None


def _has_decimal(node: Node) -> bool:
    return bool(_decimals(node))


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


@DIAGNOSES.produces("rounded", "close")
def rounded_diagnosis(answer: Answer, reference: Answer) -> Diagnosis | None:
    """An answer with a decimal in it within 1% of the correct one: a rounded value where the
    item asks for the exact one (or a closer `tolerance`) when each decimal is a rounding of
    a number of the correct one (1.414 for sqrt(2)); otherwise (`+ 0.0000001`) only close."""
    if not _has_decimal(answer.tree):
        return None
    if not compare(answer.sides[0], reference.sides[0], tolerance=ROUNDED_WITHIN).equal:
        return None
    if not _rounds_numbers_of(answer.tree, reference.sides[0]):
        return DIAGNOSES.make(
            "close",
            "Your answer differs from the correct one by a small amount, but it is not equal "
            "to it.",
        )
    return DIAGNOSES.make(
        "rounded",
        "Your answer is a rounded value of the correct one; the question asks for it exactly "
        "(write sqrt(2), not 1.414) or more precisely.",
    )


def _rounds_numbers_of(tree: Node, reference: sympy.Expr) -> bool:
    """Whether every decimal written in the answer is within a unit of its last digit of a
    number of the reference: a number in it, or the numbers of one product or sum together
    (2·sqrt(2) in 2·sqrt(2)·x)."""
    numbers = set()
    for node in sympy.preorder_traversal(reference):
        if isinstance(node, (sympy.Mul, sympy.Add)):
            together = [arg for arg in node.args if not arg.free_symbols]
            if together:
                numbers.add(node.func(*together))
        if not node.free_symbols:
            numbers.add(node)
    with mpmath.workdps(PRECISION):
        values = []
        for number in numbers:
            try:
                value = real_value(number, {})
            except Unsupported:
                continue
            if value is not None:
                values.append(abs(value))
        for decimal in _decimals(tree):
            unit = mpmath.mpf(10) ** -len(decimal.text.partition(".")[2])
            written = mpmath.mpf(decimal.value.p) / decimal.value.q
            if not any(abs(value - written) <= unit for value in values):
                return False
    return True


def _decimals(node: Node) -> list[Number]:
    if isinstance(node, Number):
        return [node] if "." in node.text else []
    return [d for child in _children(node) for d in _decimals(child)]


@DIAGNOSES.produces("equation_expected")
def kind_diagnosis(answer: Answer, reference: Answer) -> Diagnosis | None:
    """An expression where an equation is asked for. (An equation where an expression is
    asked for is read as its last side when its left side names the answer, and goes to a
    person otherwise: `equation_for_expression`.)"""
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
    answer = replace(answer, domain=(*answer.domain, *item.spec.sizes))
    tolerance = item.spec.tolerance
    review = definition_review(item, parsed)
    if review is not None:
        return ExpressionCheck(Comparison("unsure", "by its definition"), review=review)
    review = equation_for_expression(item, parsed)
    if review is not None:
        return ExpressionCheck(Comparison("unsure", "by which side is the answer"), review=review)
    comparison = same(answer, reference, tolerance)
    if comparison.equal:
        unsolved = solved_diagnosis(item, parsed)
        if unsolved is not None:
            return ExpressionCheck(comparison, diagnosis=unsolved, form_ok=False)
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
