"""Decide whether a count equals the reference, and if not, say what is wrong with it.

Equivalence is exact: both counts are brought to sympy's sparse polynomials over the rationals
(a count is a quotient of two), evaluated exactly at random positive integers (a point where
they differ proves them different), and compared as polynomials (a/b = c/d exactly when
a·d = c·b) where the values agree; should the two methods ever disagree, the answer is sent
to a person instead of being guessed.

A wrong count is explained, in order of preference, by a rubric misconception it equals, then
by a generic diagnosis (one small function per kind of mistake), and always by a
counterexample with concrete sizes.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property, lru_cache

import sympy
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement

from grader.kinds.base import DiagnosisNames
from grader.kinds.count.parse import (
    Name,
    Negate,
    Node,
    Number,
    ParsedAnswer,
    Power,
    Product,
    Sum,
    written_terms,
)
from grader.kinds.count.polynomials import (
    Fraction_,
    SizeClass,
    Undecidable,
    add,
    as_fraction,
    evaluate,
    exactly_equal,
    identically_zero,
    integer_values,
    is_rational_count,
    same_value,
    size_classes_text,
    substitute,
    subtract,
    value_at,
    whole_divisions,
)
from grader.model import Diagnosis, Item, Misconception, SymbolSpec
from grader.symbol_values import admits, multiples, nearest_size, undivided

SAMPLE_POINTS = 6
_SEED = 2252  # fixed, so that a re-run gives the same verdicts and the same feedback


class CheckDisagreement(Exception):
    """The exact and the sampled comparison disagree: a person must look at this answer."""


@dataclass(frozen=True)
class Counterexample:
    values: tuple[tuple[str, int], ...]
    student_value: Fraction  # written as sympy writes a Rational: 12, 3/2, -7
    correct_value: Fraction

    def describe(self) -> str:
        student, correct = show_number(self.student_value), show_number(self.correct_value)
        if not self.values:  # two numbers: no size tells them apart, none is needed
            return f"Your count is {student}; the correct count is {correct}."
        sizes = ", ".join(f"{name}={value}" for name, value in self.values)
        return f"With {sizes} your count gives {student}; the correct count is {correct}."


# A whole number of more digits than an answer may write (30) is shown by its first and last
# digits and how many it has: `10^299` is "10000…00000 (300 digits)", not 300 digits each
# time the feedback names it.
LONG_NUMBER = 30
_LONG_DIGITS = re.compile(rf"\d{{{LONG_NUMBER + 1},}}")


def show_number(number) -> str:
    """`number` (an int, a Fraction or a sympy number) as feedback shows it: written out, or
    shortened with its digit count where a whole part of it is long (`LONG_NUMBER`)."""
    return _LONG_DIGITS.sub(_shortened, str(number))


def _shortened(digits: re.Match[str]) -> str:
    written = digits.group()
    return f"{written[:5]}…{written[-5:]} ({len(written)} digits)"


@dataclass(frozen=True)
class CountCheck:
    """What the check found; `grader.kinds.count.score` turns it into a verdict, marks and
    feedback."""

    equivalent: bool
    misconception: Misconception | None = None
    misconception_index: int | None = None
    diagnosis: Diagnosis | None = None
    counterexample: Counterexample | None = None
    broken_steps: tuple[tuple[str, str], ...] = ()  # (step, final answer) that are not equal
    details: tuple[str, ...] = ()  # what follows the diagnosis: weights and biases compared
    compared: str | None = None  # for a count with floors: the classes of sizes compared on


# --- Equivalence ---------------------------------------------------------------------------


def _ordered(symbols) -> tuple[sympy.Symbol, ...]:
    return tuple(sorted(symbols, key=lambda symbol: symbol.name))


@lru_cache(maxsize=64)
def _sample_points(count: int, size: int) -> tuple[tuple[int, ...], ...]:
    rng = random.Random(_SEED)
    return tuple(tuple(rng.randint(2, 97) for _ in range(size)) for _ in range(count))


def counts_equal(
    first: sympy.Expr, second: sympy.Expr, symbols: tuple[sympy.Symbol, ...] | None = None
) -> bool:
    """Exact equality of two counts of the declared symbols: rational functions by
    `fractions_equal`, counts with floors or powers such as 2^C by `identically_zero` (which
    raises `Undecidable` where it cannot decide).
    `symbols`, when given, must include every symbol of both (the rubric's, say): then they
    need not be collected from the expressions."""
    if symbols is None:
        symbols = _ordered(first.free_symbols | second.free_symbols)
    if not (is_rational_count(first) and is_rational_count(second)):
        return identically_zero(first - second, tuple(symbols))[0]
    return fractions_equal(as_fraction(first, symbols), as_fraction(second, symbols))


def fractions_equal(a: Fraction_, b: Fraction_) -> bool:
    """Exact equality of two counts held as quotients of polynomials of one ring.

    Both are evaluated exactly at random positive integers: one point where the values
    differ proves the counts differ, which settles most comparisons at once. At the first
    point where they agree, the polynomials are compared (a/b = c/d exactly when a·d = c·b):
    equal polynomials prove the counts equal; different ones must then differ at one of the
    other sampled points, and should none of them show it, the two methods disagree and a
    person must decide. The points need not be of a symbol's declared parity: a rational
    function equal to another at every odd K is equal to it at every K.
    """
    exact = None  # the polynomials are compared once the values agree at a point
    for point in _sample_points(SAMPLE_POINTS, a[0].ring.ngens):
        x, y = integer_values(a, point), integer_values(b, point)
        if x is None or y is None:
            continue  # a denominator vanishes here: this point says nothing
        if not same_value(x, y):
            return False
        if exact is None:
            exact = exactly_equal(a, b)
            if exact:
                return True
    if exact is False:
        raise CheckDisagreement(
            "the two counts agree at every sampled point but their polynomials differ"
        )
    return exactly_equal(a, b)  # no sampled point gave both a value


def _matches(wrong: Fraction_, explanation: Fraction_) -> bool:
    """Whether a count already proved wrong equals a misconception or a diagnosis's variant
    of the reference. Should sampling and the polynomials disagree here, the explanation does
    not apply: the verdict is settled, and feedback must not claim what is not proved."""
    try:
        return fractions_equal(wrong, explanation)
    except CheckDisagreement:
        return False


# --- Generic diagnoses ---------------------------------------------------------------------


def show_count(expr: sympy.Expr, order: Sequence[sympy.Symbol]) -> str:
    """A count as a student would write it: terms by degree, symbols in the rubric's order."""
    symbols = tuple(order)
    if not _answer_rational(expr):
        # floors, ceilings, 2^C: as sympy writes them, with our operators
        return str(expr).replace("**", "^").replace("*", "·").replace("ceiling", "ceil")
    if symbols:
        try:
            fraction = as_fraction(expr, symbols)
        except ValueError:  # a symbol outside `order`
            return _show_quotient(expr, order)
        return show_fraction(fraction)
    return _show_quotient(expr, order)


@lru_cache(maxsize=4096)
def show_fraction(fraction: Fraction_) -> str:
    """`show_count` for a count held as a quotient of polynomials (over the rubric's symbols,
    in its order). Remembered: the rubric's own counts are shown in the words for many
    answers."""
    top, bottom = fraction
    if bottom.is_ground:
        terms = (top if bottom == 1 else top * (QQ(1) / bottom.LC)).terms()
        if all(coefficient.denominator == 1 for _, coefficient in terms):
            # a polynomial with whole coefficients: no need for sympy's slower normal form
            return _show_terms(terms, top.ring.symbols)
    monomials = _monomial_quotient(top, bottom)
    if monomials is not None:
        return monomials
    return _show_quotient(top.as_expr() / bottom.as_expr(), top.ring.symbols)


def _monomial_quotient(top: PolyElement, bottom: PolyElement) -> str | None:
    """`_show_quotient` for one whole-numbered term over another (9/D, k/(P·Q), the ratios the
    diagnoses name) without sympy's `cancel`: common factors divided out, the sign put on top.
    None for anything else."""
    if len(top) != 1 or len(bottom) != 1:
        return None
    ((up, a),) = top.items()
    ((down, b),) = bottom.items()
    if a.denominator != 1 or b.denominator != 1:
        return None
    a, b = int(a.numerator), int(b.numerator)
    common = math.gcd(a, b) * (-1 if b < 0 else 1)
    a, b = a // common, b // common
    shared = tuple(min(x, y) for x, y in zip(up, down, strict=True))
    up = tuple(x - m for x, m in zip(up, shared, strict=True))
    down = tuple(y - m for y, m in zip(down, shared, strict=True))
    symbols = top.ring.symbols
    text = _show_terms([(up, a)], symbols)
    if b == 1 and not any(down):
        return text
    shown = _show_terms([(down, b)], symbols)
    single = (b == 1 and sum(down) == 1) or not any(down)  # a symbol, or a whole number
    return f"{_bracket_sum(text)}/{shown}" if single else f"({text})/({shown})"


def _show_quotient(expr: sympy.Expr, order: Sequence[sympy.Symbol]) -> str:
    numerator, denominator = sympy.fraction(sympy.cancel(expr))
    text = _show_polynomial(numerator, order)
    if denominator != 1:
        shown = _show_polynomial(denominator, order)
        bracket = not denominator.is_Symbol and not denominator.is_Integer
        text = f"({text})/({shown})" if bracket else f"{_bracket_sum(text)}/{shown}"
    return text


def _bracket_sum(text: str) -> str:
    return f"({text})" if (" + " in text or " - " in text) else text


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _show_polynomial(expr: sympy.Expr, order: Sequence[sympy.Symbol]) -> str:
    gens = [s for s in order if s in expr.free_symbols]
    if not gens:
        return str(expr)
    return _show_terms(sympy.Poly(expr, *gens).terms(), gens)


def _show_terms(terms, gens: Sequence[sympy.Symbol]) -> str:
    """Terms (exponents, coefficient) as `P²·Q·D + 9·C·D`: by degree, then by the order of
    `gens`."""
    if not terms:
        return "0"
    pieces = []
    by_degree = sorted(terms, key=lambda t: (-sum(t[0]), tuple(-e for e in t[0])))
    for monomial, coefficient in by_degree:
        factors = [
            gen.name + (str(power).translate(_SUPERSCRIPTS) if power > 1 else "")
            for gen, power in zip(gens, monomial, strict=True)
            if power
        ]
        magnitude = abs(coefficient)
        if magnitude != 1 or not factors:
            factors.insert(0, show_number(magnitude))
        term = "·".join(factors)
        sign = "-" if coefficient < 0 else "+"
        pieces.append((sign, term))
    text = ("-" if pieces[0][0] == "-" else "") + pieces[0][1]
    for sign, term in pieces[1:]:
        text += f" {sign} {term}"
    return text


@dataclass(frozen=True)
class _Quotient:
    """A ratio of two monomials in lowest terms, as polynomials (`_quotient_number` and
    `_quotient_shown` give its value and its words)."""

    numerator: PolyElement
    denominator: PolyElement

    @property
    def is_number(self) -> bool:
        return self.numerator.is_ground and self.denominator.is_ground


def _monomial_ratio(top: Fraction_, bottom: Fraction_) -> _Quotient | None:
    """top/bottom in lowest terms when it is a constant times a ratio of monomials, such as
    2, P·Q or 9/D, else None (also when top is zero).

    With n/m = (a·d)/(b·c) for top = a/b and bottom = c/d, n/m = k·x^α/x^β exactly when
    n·x^β = k·x^α·m; multiplying by a monomial keeps the number of terms and the order of
    monomials, so k, α and β can only come from the leading terms. This needs no gcd."""
    a, b = top
    c, d = bottom
    n = a if _is_one(d) else a * d  # polynomials, as the weights and biases compared are
    m = c if _is_one(b) else b * c
    return _polynomial_ratio(n, m)


@dataclass(frozen=True)
class _Case:
    """A wrong count and its reference as quotients of polynomials over the rubric's symbols
    (in its order), which is what the diagnoses compute with."""

    student: Fraction_
    reference: Fraction_
    item: Item
    specs: tuple[SymbolSpec, ...]
    substitutions: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()  # the rubric's relations
    # The student's terms as written (`written_terms`), each a quotient like `student`: 9·C
    # and C, where `student` merges them into 10·C; () where the answer is not a sum
    written: tuple[Fraction_, ...] = ()
    # The terms the student's words name (`ParsedAnswer.named`), each a quotient like
    # `student` with what the words call it: 9·C·D "weights", 9·C·D "biases"
    term_names: tuple[tuple[Fraction_, str], ...] = ()

    def relate(self, expr: sympy.Expr) -> sympy.Expr:
        """A rubric count with the rubric's relations applied, as the student's was."""
        return expr.xreplace(dict(self.substitutions)) if self.substitutions else expr

    @cached_property  # asked for by most diagnoses of the count
    def order(self) -> tuple[sympy.Symbol, ...]:
        return tuple(spec.symbol for spec in self.specs)

    def named(self, symbol: sympy.Symbol) -> str:
        """`Q (the width of the feature maps)` when the rubric says what Q means."""
        meaning = next((s.meaning for s in self.specs if s.symbol == symbol), "")
        return f"{symbol} ({meaning})" if meaning else str(symbol)

    def show(self, expr: sympy.Expr) -> str:
        return show_count(expr, self.order)

    def show_polynomial(self, polynomial) -> str:
        """`show` of a polynomial over the rubric's symbols (in its order, as the check's
        counts are), without making it a sympy expression and reading that back: reading
        it back gives this polynomial over 1, which is what is shown (with no symbols, a
        number, which both print alike)."""
        return show_fraction((polynomial, polynomial.ring.one))

    def bias(self) -> Fraction_ | None:
        return self._bias

    @cached_property  # asked for by four diagnoses of the count
    def _bias(self) -> Fraction_ | None:
        bias = self.item.spec.bias
        return None if bias is None else _rubric_fraction(self.relate(bias.expr), self.order)


# Every generic diagnosis of a wrong count, registered by the function that makes it.
DIAGNOSES = DiagnosisNames()


@DIAGNOSES.produces("bias_missing")
def diagnose_bias_missing(case: _Case) -> Diagnosis | None:
    """The count leaves out the biases the layer has."""
    bias = case.bias()
    if bias is None or not case.item.spec.bias_included:
        return None
    if _matches(case.student, _rubric_subtract(case.reference, bias)):
        return DIAGNOSES.make(
            "bias_missing",
            f"Your count leaves out the biases: this layer has {show_fraction(bias)} learnable "
            "biases, one per output, and they are learnable parameters too.",
        )
    return None


@DIAGNOSES.produces("bias_extra")
def diagnose_bias_extra(case: _Case) -> Diagnosis | None:
    """The count adds biases that this part says the layer does not have."""
    bias = case.bias()
    if bias is None or case.item.spec.bias_included:
        return None
    if _matches(case.student, _rubric_add(case.reference, bias)):
        return DIAGNOSES.make(
            "bias_extra",
            f"Your count includes {show_fraction(bias)} biases, but this part asks for the "
            "layer without a bias.",
        )
    return None


@lru_cache(maxsize=256)
def _renamed(reference: Fraction_, swap: bool) -> tuple[tuple[int, int, Fraction_], ...]:
    """The reference with two symbols i, j exchanged (`swap`), or with symbol j written
    wherever symbol i belongs, for every (i, j) where that changes the count. They depend on
    the reference only, so they are made once per item."""
    size = reference[0].ring.ngens
    pairs = (
        itertools.combinations(range(size), 2) if swap else itertools.permutations(range(size), 2)
    )
    variants = []
    for i, j in pairs:
        targets = list(range(size))
        targets[i] = j
        if swap:
            targets[j] = i
        renamed = substitute(reference, tuple(targets))
        if not exactly_equal(renamed, reference):
            variants.append((i, j, renamed))
    return tuple(variants)


@DIAGNOSES.produces("symbols_swapped")
def diagnose_symbols_swapped(case: _Case) -> Diagnosis | None:
    """Two sizes exchanged everywhere, e.g. C and D (input and output channels)."""
    for i, j, swapped in _renamed_possible(case.student, case.reference, swap=True):
        if _matches(case.student, swapped):
            a, b = case.order[i], case.order[j]
            return DIAGNOSES.make(
                "symbols_swapped",
                f"Your count has {a} and {b} the wrong way round: where the correct count uses "
                f"{a} you use {b}, and the other way round.",
            )
    return None


@DIAGNOSES.produces("symbol_replaced")
def diagnose_symbol_replaced(case: _Case) -> Diagnosis | None:
    """One size written everywhere another belongs, e.g. P where Q belongs."""
    for i, j, replaced in _renamed_possible(case.student, case.reference, swap=False):
        if _matches(case.student, replaced):
            a, b = case.order[i], case.order[j]
            return DIAGNOSES.make(
                "symbol_replaced",
                f"Your count uses {case.named(b)} where {case.named(a)} belongs.",
            )
    return None


@DIAGNOSES.produces("constant_factor", "factor_missing", "factor_extra")
def diagnose_factor(case: _Case) -> Diagnosis | None:
    """The count is off by a constant or by a product of sizes."""
    quotient = _monomial_ratio(case.student, case.reference)
    if quotient is None or quotient.numerator == quotient.denominator:
        return None
    ratio = _quotient_number(quotient)
    if quotient.is_number:
        size = f"{ratio} times" if ratio > 1 else f"{ratio} of"
        return DIAGNOSES.make(
            "constant_factor",
            f"Your count is off by a constant factor: it is {size} the correct count.",
        )
    numerator, denominator = quotient.numerator, quotient.denominator
    top, bottom = (case.show_polynomial(p) for p in (quotient.numerator, quotient.denominator))
    if denominator == 1:
        return DIAGNOSES.make(
            "factor_extra",
            f"Your count has an extra factor of {top}: it is {top} times the correct count.",
        )
    if numerator == 1:
        return DIAGNOSES.make(
            "factor_missing",
            f"Your count is missing a factor of {bottom}.",
        )
    return DIAGNOSES.make(
        "factor_missing",
        f"Your count is off by a factor of {_quotient_shown(quotient)}: it is missing "
        f"{bottom} and has an extra {top}.",
    )


# Whether a rubric's count (a reference, a misconception) is a rational function: asked for
# every answer, about the same few counts.
_rubric_rational = lru_cache(maxsize=1024)(is_rational_count)


@lru_cache(maxsize=1024)
def _rubric_fraction(expr: sympy.Expr, order: tuple[sympy.Symbol, ...]) -> Fraction_:
    """`as_fraction` for the rubric's own counts (references, misconceptions, biases): kept
    apart from the answers' conversions, so that many answers never push them out."""
    return as_fraction.__wrapped__(expr, order)


@lru_cache(maxsize=256)
def _terms(reference: sympy.Expr, order: tuple[sympy.Symbol, ...]) -> tuple[Fraction_, ...]:
    """The terms of the reference as written, once expanded (made once per item)."""
    terms = sympy.Add.make_args(sympy.expand(reference))
    return tuple(_rubric_fraction(term, order) for term in terms)


@DIAGNOSES.produces("term_missing")
def diagnose_term_missing(case: _Case) -> Diagnosis | None:
    """The count leaves out one whole term of the correct count."""
    terms = _terms(case.relate(case.item.reference.expr), case.order)
    if len(terms) < 2:
        return None
    for term in terms:
        if _matches(case.student, _rubric_subtract(case.reference, term)):
            return DIAGNOSES.make(
                "term_missing",
                f"Your count is missing a term: the correct count also has {show_fraction(term)}.",
            )
    return None


@DIAGNOSES.produces("term_factor")
def diagnose_term_factor(case: _Case) -> Diagnosis | None:
    """One term of the correct count is right up to a product of sizes; the rest is right."""
    terms = _terms(case.relate(case.item.reference.expr), case.order)
    if len(terms) < 2:
        return None
    for term in terms:
        written = subtract(case.student, _rubric_subtract(case.reference, term))
        quotient = _monomial_ratio(written, term)
        if quotient is None or quotient.numerator.LC < 0:
            continue  # a count's term written negative is not that term off by a factor
        if quotient.numerator != quotient.denominator and not quotient.is_number:
            numerator, denominator = quotient.numerator, quotient.denominator
            if denominator != 1 and numerator == 1:
                detail = (
                    f", which is missing a factor of {case.show_polynomial(quotient.denominator)}"
                )
            elif numerator != 1 and denominator == 1:
                detail = (
                    f", which has an extra factor of {case.show_polynomial(quotient.numerator)}"
                )
            else:
                detail = ""
            return DIAGNOSES.make(
                "term_factor",
                f"The rest of your count is right, but where the correct count has "
                f"{show_fraction(term)} you have {show_fraction(written)}{detail}.",
            )
    return None


GENERIC_DIAGNOSES: tuple[Callable[[_Case], Diagnosis | None], ...] = (
    diagnose_bias_missing,
    diagnose_bias_extra,
    diagnose_symbols_swapped,
    diagnose_symbol_replaced,
    diagnose_factor,
    diagnose_term_missing,
    diagnose_term_factor,
)


# --- Counterexample ------------------------------------------------------------------------


Value = Callable[[tuple[int, ...]], Fraction | None]
"""A count's exact value at a point (one size per symbol of the rubric, in its order)."""


def find_counterexample(
    student: Fraction_ | Value,
    reference: Fraction_ | Value,
    specs: Sequence[SymbolSpec],
    written: set[sympy.Symbol],
    substitutions: Sequence[tuple[sympy.Symbol, sympy.Expr]] = (),
) -> Counterexample | None:
    """Small concrete sizes at which the two counts differ, preferring the rubric's examples.
    Both counts are over the rubric's symbols, `specs`, in its order (as quotients of
    polynomials, or as functions giving their value at a point); the sizes given are those of
    the symbols they are `written` with. A symbol the rubric's relations define
    (`substitutions`, d → d_k·h) takes its value from the others, so the sizes shown satisfy
    the relations; a point where one is not a whole number is passed over, as is one where a
    symbol declared a multiple of another (C of G: `multiple_of`) is not one."""
    student_value = student if callable(student) else lambda point: value_at(student, point)
    reference_value = reference if callable(reference) else lambda point: value_at(reference, point)
    for point, sizes in _points_tried(tuple(specs), frozenset(written), tuple(substitutions)):
        a, b = student_value(point), reference_value(point)
        if a is not None and b is not None and a != b:
            return Counterexample(sizes, a, b)
    return None


def _points_tried(specs: tuple[SymbolSpec, ...], written: frozenset, substitutions: tuple):
    """The points `find_counterexample` tries, in turn, each with the sizes it shows: the
    first worked out once per rubric and set of symbols written (`_first_point`), as most
    counts differ there; the others only when asked for."""
    first = _first_point(specs, written, substitutions)
    yield from first
    yield from itertools.islice(_points(specs, written, substitutions), len(first), None)


@lru_cache(maxsize=256)
def _first_point(specs: tuple[SymbolSpec, ...], written: frozenset, substitutions: tuple):
    """The first of `_points` (none where there is none): it depends on the rubric and the
    symbols written only."""
    return tuple(itertools.islice(_points(specs, written, substitutions), 1))


def _points(specs: tuple[SymbolSpec, ...], written: frozenset, substitutions: tuple):
    """Each point (a size per symbol of `specs`) to try, with the sizes of the symbols the
    counts are `written` with (and those the relations define them by): the rubric's
    examples first, then random sizes, then small ones under relations or multiples; a point
    where a relation gives no whole size, or a multiple is not one, is passed over."""
    derived = dict(substitutions)
    pairs = multiples(specs)
    needed = set(written)
    for symbol in written & derived.keys():
        needed |= derived[symbol].free_symbols
    chosen = [i for i, spec in enumerate(specs) if spec.symbol in needed - derived.keys()]
    preferred: dict[int, int] = {}
    for index in chosen:
        value = specs[index].example
        if value is None:
            symbol = specs[index].symbol
            value = next(
                v for v in range(2, 100) if v not in preferred.values() and admits(symbol, v)
            )
        preferred[index] = value
    first = tuple(preferred[index] for index in chosen)
    position = {spec.symbol: i for i, spec in enumerate(specs)}
    for values in itertools.chain(
        [first], _sample_points(20, len(chosen)), _small_points(derived or pairs, specs, chosen)
    ):
        point = [1] * len(specs)  # a symbol neither count depends on may take any value
        for index, value in zip(chosen, values, strict=True):
            point[index] = nearest_size(specs[index].symbol, value)  # of its declared parity
        if not _derive(point, derived, specs, position):
            continue
        shown = {spec.name: point[i] for i, spec in enumerate(specs) if spec.symbol in needed}
        if undivided(shown, pairs):
            continue
        sizes = tuple(
            (spec.name, point[i]) for i, spec in enumerate(specs) if spec.symbol in needed
        )
        yield tuple(point), sizes


def _small_points(constrained, specs, chosen: list[int]):
    """Under relations or multiples (`constrained`), small sizes after the random ones: random
    sizes seldom give d/h a value d_k may take (a whole number, of d_k's parity where it is
    declared odd or even), or a C that G divides."""
    if not constrained:
        return
    sizes = [[v for v in range(2, 13) if admits(specs[i].symbol, v)] for i in chosen]
    points = sorted(itertools.product(*sizes), key=lambda p: (sum(p), p))
    yield from points[:MAX_SMALL_POINTS]


MAX_SMALL_POINTS = 500


def _derive(point: list[int], derived, specs, position) -> bool:
    """Give each symbol a relation defines its value at `point`; False where one is not a
    positive whole number (the point does not satisfy the relations)."""
    for symbol, expr in derived.items():
        value = evaluate(expr, {spec.symbol: point[i] for i, spec in enumerate(specs)})
        if value is None or value.denominator != 1 or value < 1 or not admits(symbol, value):
            return False
        point[position[symbol]] = int(value)
    return True


# --- A count followed by its value ---------------------------------------------------------


def formula_before_its_value(
    answer: ParsedAnswer, item: Item, specs: Sequence[SymbolSpec]
) -> tuple[ParsedAnswer, str | None]:
    """A chain of working that ends in a number after a formula, `9CD + D = 95`, where the
    reference is a formula: a marker reads the formula, and the number as its value at the
    question's sizes. Where the rubric's `example` sizes give the formula that value, the
    answer is the chain up to the formula, with a note saying so; where they do not (or the
    rubric gives no sizes for it), which side is the answer is for a person to decide, and
    the reason is returned beside the answer unchanged. Any other answer is returned as it
    is, with no reason."""
    sides, readings = answer.sides, answer.side_readings
    if len(sides) < 2 or sides[-1].free_symbols:
        return answer, None
    if item.reference is None or not item.reference.expr.free_symbols:
        return answer, None  # a number is an answer to a count that is a number
    with_sizes = [i for i, side in enumerate(sides) if side.free_symbols]
    if not with_sizes:
        return answer, None
    last = with_sizes[-1]
    formula, number = sides[last], readings[-1]
    used = [spec for spec in specs if spec.symbol in formula.free_symbols]
    ends = f"Your answer ends with a number, {number}, after the formula {readings[last]}"
    if len(used) < len(formula.free_symbols) or any(spec.example is None for spec in used):
        return answer, (
            f"{ends}; the question gives no sizes at which to tell whether the number is the "
            "formula's value, so an instructor will decide which is your answer."
        )
    sizes = ", ".join(f"{spec.name}={spec.example}" for spec in used)
    value = evaluate(formula, {spec.symbol: spec.example for spec in used})
    values = [evaluate(side, {}) for side in sides[last + 1 :]]
    if value is None or any(v != value for v in values):
        shown = "no value" if value is None else f"{value}"
        return answer, (
            f"{ends}; at the question's sizes {sizes} the formula gives {shown}, not "
            f"{number}, so an instructor will decide which is your answer."
        )
    note = f"read {readings[last]} as the answer: {number} is its value at {sizes}"
    kept = last + 1
    return (
        replace(
            answer,
            sides=sides[:kept],
            side_readings=readings[:kept],
            trees=answer.trees[:kept],
            notes=(*answer.notes, note),
        ),
        None,
    )


def number_for_formula(answer: ParsedAnswer, item: Item, specs: Sequence[SymbolSpec]) -> str | None:
    """Why a person decides on a number, or working of numbers only (`95`, `9·2·5 + 5 =
    95`), given where the reference is a formula in the question's symbols: a marker neither
    reads it as the formula nor explains it as one (its "weights" and "biases" are nothing the
    student wrote), where it is the count at the rubric's `example` sizes. None for any
    other answer: a number that is not that count is wrong and graded so (`number_words`
    says so); 0 says there is nothing to count (no weights, no biases), and is explained as
    that."""
    found = _number_at_sizes(answer, item, specs)
    if found is None:
        return None
    said, sizes, value = found
    if value is not None and value == evaluate(answer.expr, {}):
        return (
            f"{said}, which is the count at the question's sizes {sizes}, but not the formula; "
            "an instructor will decide what it earns."
        )
    return None  # not the count at any size the question gives: wrong, and graded so


def number_words(answer: ParsedAnswer, item: Item, specs: Sequence[SymbolSpec]) -> str | None:
    """What a wrong number given for a formula in the question's symbols is told, plainly (it
    has no weights and biases to compare): that a formula in the question's symbols is asked
    for; the counterexample after it gives the count at the rubric's `example` sizes. None
    for any other answer, or where the rubric gives no example sizes."""
    found = _number_at_sizes(answer, item, specs)
    if found is None or found[2] is None:
        return None
    return f"{found[0]}, not a formula in them."


def _number_at_sizes(answer: ParsedAnswer, item: Item, specs: Sequence[SymbolSpec]):
    """(what the answer is said to be, the question's example sizes, the reference's value
    there) for a number other than 0 given where the reference is a formula in the
    question's symbols; None for any other answer, or where a symbol has no example size."""
    reference = item.reference.expr if item.reference is not None else None
    if reference is None or not _rubric_symbols(reference):
        return None
    if any(answer_symbols(side) for side in answer.sides) or answer.expr == 0:
        return None
    used = [spec for spec in specs if spec.symbol in _rubric_symbols(reference)]
    number = answer.side_readings[-1]
    said = (
        f"The question asks for a count in its symbols ({', '.join(s.name for s in used)}), "
        f"and your answer is a number, {number}"
    )
    if len(used) < len(_rubric_symbols(reference)) or any(spec.example is None for spec in used):
        return None  # no sizes to tell it by: a number, graded as one
    sizes = ", ".join(f"{spec.name}={spec.example}" for spec in used)
    return said, sizes, evaluate(reference, {spec.symbol: spec.example for spec in used})


def symbol_before_answer(answer: ParsedAnswer) -> str | None:
    """Why a person decides on working whose first side is one symbol of the question, `C =
    9CD + D`: it may name the count (as `N = 9CD + D` does, a name the question does not use,
    which is set aside) or say that C is the count, a size given a meaning of its own. None
    for any other answer."""
    if len(answer.trees) < 2 or not isinstance(answer.trees[0], Name):
        return None
    name = answer.side_readings[0]
    return (
        f"Your answer starts with {name} =, but {name} is a symbol of the question, not a "
        f"name for your count; read as {answer.side_readings[-1]}"
    )


# --- The check of one count ----------------------------------------------------------------


def check_count(
    item: Item,
    answer: ParsedAnswer,
    specs: Sequence[SymbolSpec],
    items: Sequence[Item] = (),
    substitutions: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = (),
) -> CountCheck:
    """Compare a parsed count with the item's reference and explain any difference; `items`
    are the question's items, to tell a count that is the answer to another part.

    `substitutions` are the rubric's relations (d → d_k·h for `d_k: d/h`), applied to both
    counts before they are compared. A count with floors, ceilings or powers such as 2^C is
    compared by `check_periodic_count`; one it can neither decide nor prove wrong at some
    sizes raises `Undecidable`."""
    assert item.reference is not None, "count items always carry a parsed reference"
    relate = dict(substitutions)
    expressions = [_prepared(side, relate, specs) for side in answer.sides]
    references = [_prepared(item.reference.expr, relate, specs)]
    if not (all(_answer_rational(e) for e in expressions) and _rubric_rational(references[0])):
        return check_periodic_count(item, answer, expressions, specs, relate)
    declared = tuple(spec.symbol for spec in specs)  # one polynomial ring for the whole check
    reference = _rubric_fraction(references[0], declared)
    student = as_fraction(expressions[-1], declared)
    broken_steps = tuple(
        (reading, answer.side_readings[-1])
        for side, reading in zip(expressions[:-1], answer.side_readings[:-1], strict=True)
        if not fractions_equal(as_fraction(side, declared), student)
    )
    if fractions_equal(student, reference):
        return CountCheck(equivalent=True, broken_steps=broken_steps)

    written = answer_symbols(answer.expr) | _rubric_symbols(item.reference.expr)
    counterexample = find_counterexample(student, reference, specs, written, substitutions)
    readings = tuple(None if r.reading is None else r.reading.expr for r in item.misconceptions)
    mistakes = _mistakes(readings, tuple(substitutions), multiples(specs), declared)
    first = _first_value(student)
    for index, wrong, value in mistakes:
        if _may_match(first, value) and _matches(student, wrong):
            return CountCheck(
                equivalent=False,
                misconception=item.misconceptions[index],
                misconception_index=index,
                counterexample=counterexample,
                broken_steps=broken_steps,
            )
    # Imported here: the term-by-term comparison builds on this module's diagnoses.
    from grader.kinds.count.terms import explain_wrong_count

    case = _Case(
        student,
        reference,
        item,
        tuple(specs),
        tuple(substitutions),
        _written_fractions(answer, specs, relate, declared, student),
        _named_fractions(answer, specs, relate, declared),
    )
    found = next((d for d in (diagnose(case) for diagnose in GENERIC_DIAGNOSES) if d), None)
    diagnosis, details = explain_wrong_count(case, items, found)
    plainly = number_words(answer, item, specs)
    if plainly is not None and (diagnosis is None or diagnosis.kind != "other_part"):
        # a number has no weights or biases to compare: said plainly, its marks as they were
        diagnosis = None if diagnosis is None else replace(diagnosis, message=plainly)
        details = () if diagnosis is not None else (plainly,)
    rewritten = _related_words(answer, expressions[-1], relate, declared)
    if rewritten is not None and diagnosis is not None:
        diagnosis = replace(diagnosis, message=f"{rewritten} {diagnosis.message}")
    elif rewritten is not None:
        details = (rewritten, *details)
    return CountCheck(
        equivalent=False,
        diagnosis=diagnosis,
        counterexample=counterexample,
        broken_steps=broken_steps,
        details=details,
    )


@lru_cache(maxsize=256)
def _mistakes(
    readings: tuple[sympy.Expr | None, ...],
    substitutions: tuple[tuple[sympy.Symbol, sympy.Expr], ...],
    pairs: tuple[tuple[str, str], ...],
    declared: tuple[sympy.Symbol, ...],
) -> tuple[tuple[int, Fraction_, Fraction | None], ...]:
    """(index, count, its value at the first sampled point) of each misconception's reading
    (`readings`, None where it has none) that is a rational function once the relations are
    put in, in the rubric's order: what a wrong count is compared with, from the rubric alone
    (as `_prepared` makes it: `pairs` are the rubric's multiples, `declared` its symbols)."""
    relate = dict(substitutions)
    found = []
    for index, expr in enumerate(readings):
        if expr is None:
            continue
        wrong = whole_divisions(expr.xreplace(relate), pairs, declared)
        if _rubric_rational(wrong):
            fraction = _rubric_fraction(wrong, declared)
            found.append((index, fraction, _first_value(fraction)))
    return tuple(found)


def _related_words(
    answer: ParsedAnswer,
    related: sympy.Expr,
    relate: dict[sympy.Symbol, sympy.Expr],
    declared: tuple[sympy.Symbol, ...],
) -> str | None:
    """How the rubric's relations rewrote the student's count, which the words after it speak
    of (`With d_k = d/h, your h·N²·d_k is N²·d.`); None where the count uses none of them."""
    used = [symbol for symbol in relate if symbol in answer.expr.free_symbols]
    if not used:
        return None
    relations = " and ".join(
        f"{symbol} = {show_count(relate[symbol], declared)}" for symbol in used
    )
    return f"With {relations}, your {answer.side_readings[-1]} is {show_count(related, declared)}."


def _written_fractions(
    answer: ParsedAnswer,
    specs: Sequence[SymbolSpec],
    relate: dict[sympy.Symbol, sympy.Expr],
    declared: tuple[sympy.Symbol, ...],
    student: Fraction_,
) -> tuple[Fraction_, ...]:
    """The student's terms as written (`written_terms`), related and as quotients over the
    declared symbols, for explaining a count by what was written; () where it is no sum, or a
    term is no quotient of polynomials (a floor the sizes do not make whole), or where they
    cannot tell more than the `student`'s count itself (`_terms_as_its_own`)."""
    if _terms_as_its_own(answer, relate, student):
        return ()
    terms = [
        _prepared(term, relate, specs)
        for term in written_terms(answer, {spec.name: spec.symbol for spec in specs})
    ]
    if not all(is_rational_count(term) for term in terms):
        return ()
    return tuple(as_fraction(term, declared) for term in terms)


def _terms_as_its_own(
    answer: ParsedAnswer, relate: dict[sympy.Symbol, sympy.Expr], student: Fraction_
) -> bool:
    """Whether the terms as written cannot split the `student`'s count otherwise than into its
    own monomials, seen from the reading without working the terms out. They only keep apart
    terms the count merges (`terms._written_units`: 9·C + C, not 10·C), which they cannot
    where there are as many terms as the count has monomials and each term is at most one
    (`_one_monomial`: 2·P·Q·C·D + P·Q·D); and a count over a product of sizes (`9CD/G`) is
    not split at all (`terms.compare_terms`). Under the rubric's relations a size may stand
    for more than one monomial: the terms are then worked out."""
    if not student[1].is_ground:
        return True
    if relate or not answer.trees or not isinstance(answer.trees[-1], Sum):
        return False
    terms = answer.trees[-1].terms
    return len(terms) == len(student[0]) and all(_one_monomial(term) for _, term in terms)


def _one_monomial(node: Node) -> bool:
    """Whether `node` is a product of numbers, sizes and their powers by numbers, each factor
    multiplied or divided: as a quotient of polynomials, one monomial over another (or 0, or
    no quotient of polynomials at all, for a power such as C^(1/2))."""
    if isinstance(node, Negate):
        return _one_monomial(node.operand)
    if isinstance(node, Product):
        return all(_one_monomial(factor) for _, factor in node.factors)
    if isinstance(node, Power):
        exponent = node.exponent.operand if isinstance(node.exponent, Negate) else node.exponent
        return isinstance(node.base, (Name, Number)) and isinstance(exponent, Number)
    return isinstance(node, (Name, Number))


def _named_fractions(
    answer: ParsedAnswer,
    specs: Sequence[SymbolSpec],
    relate: dict[sympy.Symbol, sympy.Expr],
    declared: tuple[sympy.Symbol, ...],
) -> tuple[tuple[Fraction_, str], ...]:
    """The terms the student's words name (`ParsedAnswer.named`), related and as quotients
    over the declared symbols, each with what the words call it; () where a term is no
    quotient of polynomials."""
    terms = [(_prepared(term, relate, specs), kind) for term, kind in answer.named]
    if not all(is_rational_count(term) for term, _ in terms):
        return ()
    return tuple((as_fraction(term, declared), kind) for term, kind in terms)


def _prepared(
    expr: sympy.Expr, relate: dict[sympy.Symbol, sympy.Expr], specs: Sequence[SymbolSpec]
) -> sympy.Expr:
    """A count as compared: the rubric's relations put in, and a floor or ceiling of a division
    that is whole at every size the rubric allows (⌊C/G⌋, C a multiple of G) taken as it."""
    return whole_divisions(
        expr.xreplace(relate), multiples(specs), tuple(spec.symbol for spec in specs)
    )


def _compared_on(classes: tuple[SizeClass, ...]) -> str | None:
    if not any(c.forms for c in classes):
        return None
    # One class: a symbol declared odd or even, taken on its own class (K = 2t + 1).
    turn = " in turn" if len(classes) > 1 else ""
    return (
        f"Floor and ceiling were compared exactly for every size, taking "
        f"{size_classes_text(classes)}{turn} (t = 0, 1, 2, ...)."
    )


def _proved_different(
    first: sympy.Expr, second: sympy.Expr, declared: tuple[sympy.Symbol, ...]
) -> bool:
    """Whether two counts with floors are proved different (a step of working that does not
    hold); one the check cannot decide is not claimed to differ."""
    try:
        return not identically_zero(first - second, declared)[0]
    except Undecidable:
        return False


def check_periodic_count(
    item: Item,
    answer: ParsedAnswer,
    expressions: Sequence[sympy.Expr],
    specs: Sequence[SymbolSpec],
    relate: dict[sympy.Symbol, sympy.Expr],
) -> CountCheck:
    """A count with floors, ceilings or powers such as 2^C: equal to the reference exactly
    when their difference is 0 on every class of sizes (`identically_zero`); the classes
    compared are said. A misconception is matched the same way; the generic diagnoses, made
    for rational functions, are not tried."""
    declared = tuple(spec.symbol for spec in specs)
    reference = _prepared(item.reference.expr, relate, specs)
    student = expressions[-1]
    broken_steps = tuple(
        (reading, answer.side_readings[-1])
        for side, reading in zip(expressions[:-1], answer.side_readings[:-1], strict=True)
        if _proved_different(side, student, declared)
    )

    def at(expr: sympy.Expr) -> Value:
        return lambda point: evaluate(expr, dict(zip(declared, point, strict=True)))

    written = answer.expr.free_symbols | item.reference.expr.free_symbols
    counterexample = find_counterexample(
        at(student), at(reference), specs, written, tuple(relate.items())
    )
    try:
        equal, classes = identically_zero(student - reference, declared)
    except Undecidable:
        if counterexample is None:
            raise
        # Sizes at which the two differ prove the answer wrong, which is all a verdict needs.
        equal, classes = False, ()
    compared = _compared_on(classes)
    if equal:
        return CountCheck(equivalent=True, broken_steps=broken_steps, compared=compared)
    for index, rule in enumerate(item.misconceptions):
        if rule.reading is None:
            continue
        try:
            fires = identically_zero(
                student - _prepared(rule.reading.expr, relate, specs), declared
            )[0]
        except Undecidable:
            fires = False  # the verdict is settled; feedback must not claim what is unproved
        if fires:
            return CountCheck(
                equivalent=False,
                misconception=rule,
                misconception_index=index,
                counterexample=counterexample,
                broken_steps=broken_steps,
                compared=compared,
            )
    return CountCheck(
        equivalent=False,
        counterexample=counterexample,
        broken_steps=broken_steps,
        compared=compared,
    )


# --- A quotient of monomials without sympy -------------------------------------------------
# (kept at the end of the module: tools/equivalent_mutants.txt names lines above)


def _quotient_number(quotient: _Quotient) -> Fraction:
    """The value of a quotient of monomials that is a number, as a Fraction: it prints and
    compares as the sympy Rational `numerator.as_expr() / denominator.as_expr()` did (2,
    3/2, -2), and no sympy expression is made."""
    ((_, top),) = quotient.numerator.items()
    ((_, bottom),) = quotient.denominator.items()
    return Fraction(int(top.numerator), int(bottom.numerator))


def _quotient_shown(quotient: _Quotient) -> str:
    """`show_count` of the quotient as a sympy expression (`numerator.as_expr() /
    denominator.as_expr()`) without sympy: k·x^α / x^β (k a number, α and β
    without a size in common) is read by `as_fraction` as the quotient (k·x^α, x^β) of the
    rubric's ring, which is shown here directly."""
    ((alpha, top),) = quotient.numerator.items()
    ((beta, bottom),) = quotient.denominator.items()
    ring = quotient.numerator.ring
    return show_fraction((ring.term_new(alpha, top / bottom), ring.term_new(beta, ring.domain.one)))


def _is_one(polynomial: PolyElement) -> bool:
    """`polynomial == polynomial.ring.one`, without making the ring's one."""
    return len(polynomial) == 1 and polynomial.get(polynomial.ring.zero_monom) == 1


# --- What a wrong count is compared with, worked out once per rubric count -----------------

# The reference without (or with) its biases or one of its terms: the same rubric counts for
# every answer (`_rubric_fraction`, `_terms`), so the same objects, whose values at the
# sampled points `integer_values` then remembers.
_rubric_subtract = lru_cache(maxsize=1024)(subtract)
_rubric_add = lru_cache(maxsize=1024)(add)


def _first_value(fraction: Fraction_) -> Fraction | None:
    """A count's value at the first point `fractions_equal` samples (None where it has none)."""
    values = integer_values(fraction, _sample_points(SAMPLE_POINTS, fraction[0].ring.ngens)[0])
    return None if values is None else Fraction(*values)


def _may_match(first: Fraction | None, other: Fraction | None) -> bool:
    """Whether two counts with these first values may be equal: where both have a value there
    and they differ, `fractions_equal` returns False at that point, so `_matches` would."""
    return first is None or other is None or first == other


@lru_cache(maxsize=256)
def _renamed_first(reference: Fraction_, swap: bool) -> tuple:
    """`_renamed`'s variants, each with its value at the first sampled point."""
    return tuple((i, j, v, _first_value(v)) for i, j, v in _renamed(reference, swap))


def _renamed_possible(student: Fraction_, reference: Fraction_, swap: bool):
    """`_renamed(reference, swap)` without the variants the student's count differs from at
    the first sampled point (those `_matches` would turn down first thing), in its order."""
    first = _first_value(student)
    return [
        (i, j, v) for i, j, v, value in _renamed_first(reference, swap) if _may_match(first, value)
    ]


# Whether an answer's count is a rational function: asked by the check, by `show_count` and
# by the score's values, of the same expression.
_answer_rational = lru_cache(maxsize=256)(is_rational_count)


def _term_ratio(n: PolyElement, m: PolyElement) -> _Quotient:
    """`_monomial_ratio` of two polynomials of one term each, k·x^a / x^b in lowest terms:
    the test of every term there holds at once for a single one."""
    ((n_exponents, n_coefficient),) = n.items()
    ((m_exponents, m_coefficient),) = m.items()
    k = n_coefficient / m_coefficient
    alpha = tuple(x - y if x > y else 0 for x, y in zip(n_exponents, m_exponents, strict=True))
    beta = tuple(y - x if y > x else 0 for x, y in zip(n_exponents, m_exponents, strict=True))
    domain = n.ring.domain
    return _Quotient(n.new([(alpha, domain(k.numerator))]), n.new([(beta, domain(k.denominator))]))


def _polynomial_ratio(n: PolyElement, m: PolyElement) -> _Quotient | None:
    """n/m in lowest terms when it is a constant times a ratio of monomials, else None (also
    when n is zero): `_monomial_ratio` of two polynomials, (n, 1) and (m, 1), as a count's
    weights and biases are compared."""
    if not n or len(n) != len(m):
        return None
    if len(n) == 1:
        return _term_ratio(n, m)  # one term over another: nothing more to test
    n_lead, m_lead = max(n), max(m)  # the leading monomials (LM): the ring's order is lex
    difference = [x - y for x, y in zip(n_lead, m_lead, strict=True)]
    alpha = tuple(max(e, 0) for e in difference)
    beta = tuple(max(-e, 0) for e in difference)
    k = n[n_lead] / m[m_lead]
    # n·x^β = k·x^α·m term by term, without making either product: each term of n is a term
    # of m times k, moved by α - β (as many terms on both sides, so these are all of m's).
    for exponents, coefficient in n.items():
        other = m.get(tuple(e - step for e, step in zip(exponents, difference, strict=True)))
        if other is None or other * k != coefficient:
            return None
    domain = n.ring.domain  # k is not 0, as n is not: each is one term, made at once
    return _Quotient(n.new([(alpha, domain(k.numerator))]), n.new([(beta, domain(k.denominator))]))


@lru_cache(maxsize=256)
def _rubric_symbols(expr: sympy.Expr) -> frozenset[sympy.Symbol]:
    """The symbols of a rubric's count (a reference): sympy walks the whole expression for its
    `free_symbols` each time it is asked, and every wrong answer asks for its reference's."""
    return frozenset(expr.free_symbols)


@lru_cache(maxsize=64)
def answer_symbols(expr: sympy.Expr) -> frozenset[sympy.Symbol]:
    """The symbols of a side of an answer: one check asks for them several times (is the
    answer a number? which sizes does it use?), and sympy walks the whole expression each
    time; kept apart from `_rubric_symbols`, so that answers never push a reference's out."""
    return frozenset(expr.free_symbols)
