"""Whether two expressions (or two equations) are the same over the question's symbols: sure,
or saying that it is not.

First exactly: equal sympy trees, or, for rational functions of bounded size, a difference
that cancels to 0. Otherwise by evaluation over the reals (`grader.kinds.expression.evaluate`)
at many points of the symbols' declared domains: simple numbers first (-2, -1/2, 1/3, 2, ...,
where a difference is easy to read, and where a negative base meets a whole exponent), then
random decimals. A point where the two values differ is a counterexample; values that agree
at every point where both have one make the two equal; anything else (too few points with a
value, values too close to tell apart at our precision, a function we cannot evaluate) is
`unsure`, and the answer goes to a person.

Two expressions are compared where both have a real value: `x - 1` and `(x^2 - 1)/(x + 1)`
agree, as do `abs(x)` and `sqrt(x^2)`, while `x` and `sqrt(x^2)` differ at x = -2. At a random
point where the answer has a value and the correct expression has none step by step, the
correct one's complex value counts when it is real (sqrt(x-3)·sqrt(x-5) at x = 0 is -√15).
docs/expressions.md says why, and how this agrees with STACK and Math-Verify.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy

from grader.kinds.expression.evaluate import (
    PRECISION,
    Unsupported,
    real_through_complex,
    real_value,
    value,
)
from grader.kinds.expression.parse import Domain, shown_name
from grader.symbol_values import admits

EQUAL_BELOW = mpmath.mpf(10) ** -28  # relative difference: the same value at our precision
DIFFERENT_ABOVE = mpmath.mpf(10) ** -20  # relative difference: surely different values
SCALE_FLOOR = mpmath.mpf(10) ** -20
MIN_AGREEING = 5
SPECIAL_POINTS = 150
RANDOM_POINTS = 30
MAX_CANCEL_OPS = 150
MAX_CANCEL_DEGREE = 40
_SEED = 20261205

Point = dict  # sympy.Symbol -> mpmath.mpf


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing an answer with a correct one."""

    outcome: str  # "equal", "different" or "unsure"
    how: str  # "exactly", "at 42 points", or why it is unsure
    counterexample: str | None = None  # in words, for a difference

    @property
    def equal(self) -> bool:
        return self.outcome == "equal"

    @property
    def different(self) -> bool:
        return self.outcome == "different"


# --- Points --------------------------------------------------------------------------------


def _pool(symbol: sympy.Symbol) -> list[Fraction]:
    if symbol.is_integer:
        values = [-2, -1, 0, 1, 2, 3, 4]
    else:
        values = [Fraction(-2), Fraction(-1), Fraction(-1, 2), Fraction(1, 3), Fraction(1, 2)]
        values += [Fraction(1), Fraction(2), Fraction(3), Fraction(-3), Fraction(5, 2)]
    return [Fraction(v) for v in values if admits(symbol, v)]


def _random_value(symbol: sympy.Symbol, rng: random.Random) -> Fraction:
    while True:
        if symbol.is_integer:
            v = Fraction(rng.randint(-9, 12))
        else:
            hundredths = rng.randint(-600, 600)
            if hundredths % 50 == 0:
                continue  # whole numbers and halves are the simple points' business
            v = Fraction(hundredths, 100)
        if admits(symbol, v):  # of its sign and, for an odd or even symbol, its parity
            return v


def sample_points(
    symbols: Sequence[sympy.Symbol], positive_only: bool = False
) -> list[tuple[dict, bool]]:
    """Points of the symbols' domains, each (values as fractions, whether it is simple)."""
    rng = random.Random(_SEED)
    if not symbols:
        return [({}, True)]
    pools = [[v for v in _pool(s) if v > 0 or not positive_only] for s in symbols]
    combinations = 1
    for pool in pools:
        combinations *= max(len(pool), 1)
    if combinations <= SPECIAL_POINTS:
        special = list(itertools.product(*pools))
    else:
        special = [tuple(rng.choice(pool) for pool in pools) for _ in range(SPECIAL_POINTS)]
    points = [(dict(zip(symbols, values, strict=True)), True) for values in special]
    for _ in range(RANDOM_POINTS):
        values = []
        for symbol in symbols:
            v = _random_value(symbol, rng)
            values.append(abs(v) if positive_only and v != 0 else v)
        points.append((dict(zip(symbols, values, strict=True)), False))
    return points + _small_points(symbols, positive_only)


# Values at and near 0, tried last at every comparison: a narrow spike such as
# `+ e^{-1000x^2}` is there only near 0, between the simple points and the random ones.
SMALL_VALUES = (Fraction(0), Fraction(1, 100), Fraction(-1, 100), Fraction(1, 10), Fraction(-1, 10))
# Nearer 0, only where the symbols are positive (`positive_only`): an answer right for x > 0
# is right there too, not only from 1/100 up (`x + e^{-10^8x^2}` for |x| is not).
TINY_VALUES = (Fraction(1, 10**4), Fraction(1, 10**6), Fraction(1, 10**9))


def _small_points(symbols: Sequence[sympy.Symbol], positive_only: bool) -> list[tuple[dict, bool]]:
    """Every symbol at each of `SMALL_VALUES` its domain admits (the others at their first
    simple value), and all of them there at once; simple points, so that a lone gap at 0
    (sin(x)/x) is passed over."""
    firsts = {}
    for symbol in symbols:
        pool = [v for v in _pool(symbol) if v > 0 or not positive_only]
        firsts[symbol] = pool[0] if pool else Fraction(1)
    points = []
    for v in SMALL_VALUES + (TINY_VALUES if positive_only else ()):
        if positive_only and v <= 0:
            continue
        fits = [s for s in symbols if admits(s, v)]
        if len(symbols) > 1 and len(fits) == len(symbols):
            points.append(({s: v for s in symbols}, True))
        points += [({**firsts, s: v}, True) for s in fits]
    return points


# Functions that are one formula on part of the line and another elsewhere: an answer that
# has one the correct expression does not (`+ floor(d_k/1000)`, `min(d_k, 50)`) can agree with
# it at every small point and differ only at large ones, so it is compared at those too.
PIECEWISE = (sympy.floor, sympy.ceiling, sympy.Min, sympy.Max, sympy.Abs, sympy.Piecewise)
WIDE_MAGNITUDES = (7, 10, 13, 50, 64, 100, 128, 512, 1000, 1024, 4096, 10000)
WIDE_RANDOM_POINTS = 20


def _piecewise_parts(expr: sympy.Expr) -> set[sympy.Expr]:
    return expr.atoms(*PIECEWISE)


def _wide_value(symbol: sympy.Symbol, magnitude: Fraction, rng: random.Random) -> Fraction | None:
    """A value of `symbol` near `magnitude` (either sign where it may be negative, whole for an
    integer, of its parity), or None where it takes none there."""
    for candidate in (magnitude, magnitude + 1):
        for signed in (candidate, -candidate) if rng.random() < 0.5 else (-candidate, candidate):
            if symbol.is_integer and signed.denominator != 1:
                continue
            if admits(symbol, signed):
                return signed
    return None


def wide_points(symbols: Sequence[sympy.Symbol], positive_only: bool = False) -> list[dict]:
    """Points far from 0, up to 10^4 (sizes such as d_k reach 1024): each of
    `WIDE_MAGNITUDES` for every symbol, then random magnitudes spread evenly in their
    logarithm, each symbol on its own."""
    rng = random.Random(_SEED + 1)
    points = []
    magnitudes = [Fraction(m) for m in WIDE_MAGNITUDES]
    for _ in range(WIDE_RANDOM_POINTS):
        magnitudes.append(None)  # type: ignore[arg-type]
    for magnitude in magnitudes:
        point = {}
        for symbol in symbols:
            m = magnitude
            if m is None:
                m = Fraction(round(10 ** rng.uniform(1, 4), 0 if symbol.is_integer else 2))
            v = _wide_value(symbol, m, rng)
            if v is None:
                break
            point[symbol] = abs(v) if positive_only else v
        else:
            points.append(point)
    return points


def point_values(point: dict) -> Point:
    """A point's values (fractions) as mpmath numbers."""
    return {s: mpmath.mpf(v.numerator) / v.denominator for s, v in point.items()}


def show_number(v: mpmath.mpf | Fraction, as_fraction: bool = False, digits: int = 6) -> str:
    """A value as a student reads it: a simple fraction where it is one (a short decimal
    unless `as_fraction`: -5.71, not -571/100), else `digits` digits (6)."""
    exact = _simple_fraction(v)
    if exact is None:
        return mpmath.nstr(v, digits)
    if exact.denominator > 1 and 10**6 % exact.denominator == 0 and not as_fraction:
        return f"{float(exact):g}"
    return str(exact)


def show_numbers(*values: mpmath.mpf | Fraction) -> list[str]:
    """Values shown side by side, alike: where one is a fraction no short decimal writes
    (10/9), the others that are fractions are shown as fractions too (9/10, not 0.9)."""
    exact = [_simple_fraction(v) for v in values]
    as_fraction = any(f is not None and 10**6 % f.denominator for f in exact)
    # Values that differ are shown with as many digits as it takes to see that they do
    # (0.243182 and 0.243182 are 0.2431817... and 0.2431818...), up to 40.
    for digits in (6, 10, 15, 20, 30, 40):
        shown = [show_number(v, as_fraction, digits) for v in values]
        if all(
            shown[i] != shown[j] or values[i] == values[j]
            for i in range(len(values))
            for j in range(i + 1, len(values))
        ):
            break
    return shown


def _simple_fraction(v: mpmath.mpf | Fraction) -> Fraction | None:
    """`v` as a fraction of denominator at most 1000 it equals (to 25 digits), or None."""
    if isinstance(v, Fraction):
        return v
    near = Fraction(str(mpmath.nstr(v, 40))).limit_denominator(1000)
    if near == 0 and v != 0:
        return None  # 1.6e-28 is not 0
    if abs(v - mpmath.mpf(near.numerator) / near.denominator) < mpmath.mpf(10) ** -25:
        return near
    return None


def show_point(point: dict) -> str:
    return ", ".join(f"{shown_name(s.name)} = {show_number(v)}" for s, v in point.items())


# --- Exactly -------------------------------------------------------------------------------


def is_rational_function(expr: sympy.Expr) -> bool:
    for node in sympy.preorder_traversal(expr):
        if node.is_Pow:
            if not (node.exp.is_Integer and abs(node.exp) <= MAX_CANCEL_DEGREE):
                return False
        elif not (node.is_Add or node.is_Mul or node.is_Symbol or node.is_Rational):
            return False
    return True


MAX_EXPANDED_TERMS = 2000


def expanded_terms(expr: sympy.Expr) -> int:
    """An upper bound on the number of terms of `expr` multiplied out (capped), so that
    (a + b + c + d + e)^40 (135751 terms) is never expanded."""
    cap = MAX_EXPANDED_TERMS + 1
    if expr.is_Add:
        return min(sum(expanded_terms(a) for a in expr.args), cap)
    if expr.is_Mul:
        total = 1
        for arg in expr.args:
            total = min(total * expanded_terms(arg), cap)
        return total
    if expr.is_Pow and expr.exp.is_Integer:
        size = expanded_terms(expr.base)
        n = abs(int(expr.exp))
        if size == 1:
            return 1
        if n > MAX_CANCEL_DEGREE:
            return cap
        return min(math.comb(n + size - 1, size - 1), cap)
    return 1


def exactly_equal(first: sympy.Expr, second: sympy.Expr) -> bool:
    """Equal as written, or as rational functions of bounded size (never a long simplify)."""
    if first == second:
        return True
    difference = first - second
    if difference == 0:
        return True
    if sympy.count_ops(difference) > MAX_CANCEL_OPS or not is_rational_function(difference):
        return False
    if expanded_terms(difference) > MAX_EXPANDED_TERMS:
        return False
    return sympy.cancel(difference) == 0


# --- By evaluation -------------------------------------------------------------------------


def _close(a: mpmath.mpf, b: mpmath.mpf, tolerance: float | None) -> str:
    """ "equal", "different" or "unsure" for two values."""
    difference = abs(a - b)
    if tolerance is not None:
        return "equal" if difference <= tolerance * max(abs(b), 1) else "different"
    scale = max(abs(a), abs(b), SCALE_FLOOR)
    if difference <= EQUAL_BELOW * scale:
        return "equal"
    return "different" if difference > DIFFERENT_ABOVE * scale else "unsure"


def _values(answer, correct, at: Point, through_complex: bool):
    """The answer's and the correct expression's real values at a point (None where one has
    none). With `through_complex`, where the answer has a value and the correct expression
    has none step by step, its complex value counts when it is real (sqrt(x-3)·sqrt(x-5) at
    x = 0 is -√15)."""
    mine, theirs = real_value(answer, at), real_value(correct, at)
    if mine is not None and theirs is None and through_complex:
        theirs = real_through_complex(correct, at)
    return mine, theirs


def _stable(answer, correct, point, through_complex: bool, difference) -> bool:
    """Whether a difference found at our precision is there at twice the precision too, to
    within a millionth: cancellation ((x + 10^30)² - 10^60 at 50 digits) can make one up."""
    with mpmath.workdps(2 * PRECISION):
        try:
            mine, theirs = _values(answer, correct, point_values(point), through_complex)
        except Unsupported:
            return False
        if mine is None or theirs is None:
            return False
        again = mine - theirs
        return abs(difference - again) <= mpmath.mpf(10) ** -6 * abs(again)


def compare(
    answer: sympy.Expr,
    correct: sympy.Expr,
    tolerance: float | None = None,
    positive_only: bool = False,
    exact: bool = True,
    domain: Domain = (),
) -> Comparison:
    """Whether `answer` and `correct` are the same expression over their symbols' domains
    (only where every symbol is positive, with `positive_only`). `tolerance` compares values
    to within tolerance × max(1, |correct value|), for answers given as decimals. `domain`:
    where the answer has a value as written (sympy folds √(x - 10)·√(x - 10) into x - 10);
    points outside it are passed over, as where it has no value."""
    if exact and tolerance is None and exactly_equal(answer, correct):
        return Comparison("equal", "exactly")
    # The domain's symbols too: (x·(a + 1))/(1 + a) is x once sympy has cancelled, but it has
    # no value at a = -1, which only a point with a value for a can tell.
    written = set().union(*(part.free_symbols for part, _ in domain))
    symbols = sorted(answer.free_symbols | correct.free_symbols | written, key=lambda s: s.name)
    continuous = not any(s.is_integer for s in symbols)
    agreeing = unsure = 0
    with mpmath.workdps(PRECISION):
        for point, simple in sample_points(symbols, positive_only):
            at = point_values(point)
            # A lone gap such as x = -1 in (x²-1)/(x+1) is a simple point: passed over.
            through_complex = continuous and not simple
            if not within(domain, at):
                continue
            try:
                mine, theirs = _values(answer, correct, at, through_complex)
            except Unsupported as error:
                return Comparison("unsure", f"cannot evaluate {error}")
            if mine is None or theirs is None:
                if not symbols and theirs is not None:
                    return Comparison(
                        "different",
                        "by its value",
                        f"Your answer has no real value; the correct one is {show_number(theirs)}.",
                    )
                continue
            verdict = _close(mine, theirs, tolerance)
            if verdict == "different" and not _stable(
                answer, correct, point, through_complex, mine - theirs
            ):
                return Comparison(
                    "unsure", f"the values at {show_point(point)} depend on the precision"
                )
            if verdict == "different" and agreeing and tolerance is None:
                # equal elsewhere, different here (at 0, `x² - 10^{-30}`): a tiny constant?
                constant = _constant_difference(answer, correct)
                if constant is not None:
                    return constant
            if verdict == "different":
                where = f"At {show_point(point)}, y" if symbols else "Y"
                shown_mine, shown_theirs = show_numbers(mine, theirs)
                return Comparison(
                    "different",
                    "by evaluation",
                    f"{where}our answer is {shown_mine}; the correct one is {shown_theirs}.",
                )
            if verdict == "unsure":
                unsure += 1
            else:
                agreeing += 1
        few = agreeing < MIN_AGREEING and bool(domain)  # `√(x - 10)`: x ≥ 10 only
        if not unsure and symbols and (few or _piecewise_parts(answer) ^ _piecewise_parts(correct)):
            found = _compare_wide(answer, correct, symbols, tolerance, positive_only, domain)
            if found is not None:
                return found
    if tolerance is None and symbols and (agreeing or unsure):
        constant = _constant_difference(answer, correct)
        if constant is not None:
            return constant
    needed = MIN_AGREEING if symbols else 1
    if unsure:
        points = "1 point" if unsure == 1 else f"{unsure} points"
        return Comparison("unsure", f"the values are too close to tell apart at {points}")
    if agreeing < needed:
        return Comparison("unsure", f"the two have a real value together at only {agreeing} points")
    return Comparison("equal", f"at {agreeing} points")


def within(domain: Domain, at: Point) -> bool:
    """Whether the point `at` is where an answer has a value as written (`domain`)."""
    for part, condition in domain:
        try:
            v = real_value(part, at)
        except Unsupported:
            continue  # told by the answer's own evaluation
        if v is None:
            return False
        if condition == "nonnegative" and v < 0:
            return False
        if condition == "positive" and v <= 0:
            return False
        if condition == "nonzero" and v == 0:
            return False
        if condition == "whole" and v != mpmath.floor(v):
            return False
    return True


def _compare_wide(
    answer, correct, symbols, tolerance, positive_only, domain: Domain = ()
) -> Comparison | None:
    """A difference, or an evaluation that fails, at the points far from 0 (`wide_points`);
    None where the two agree there too (or neither has a value there)."""
    for point in wide_points(symbols, positive_only):
        at = point_values(point)
        if not within(domain, at):
            continue
        try:
            mine, theirs = _values(answer, correct, at, through_complex=False)
        except Unsupported as error:
            return Comparison("unsure", f"cannot evaluate {error}")
        if mine is None or theirs is None:
            continue
        verdict = _close(mine, theirs, tolerance)
        if verdict == "unsure" or (
            verdict == "different" and not _stable(answer, correct, point, False, mine - theirs)
        ):
            return Comparison("unsure", f"the values at {show_point(point)} are too close to tell")
        if verdict == "different":
            shown_mine, shown_theirs = show_numbers(mine, theirs)
            return Comparison(
                "different",
                "by evaluation",
                f"At {show_point(point)}, your answer is {shown_mine}; the correct one is "
                f"{shown_theirs}.",
            )
    return None


def _constant_difference(answer: sympy.Expr, correct: sympy.Expr) -> Comparison | None:
    """Where the two differ by a constant (their difference, as sympy writes it, has no
    symbol) that is surely not 0, a difference found exactly: `σ(x)(1 - σ(x)) + e^{-100}` is
    not σ(x)(1 - σ(x)), though at 50 digits their values agree. None otherwise."""
    difference = answer - correct
    if difference.free_symbols or difference == 0:
        return None
    values = []
    for digits in (PRECISION, 2 * PRECISION):
        with mpmath.workdps(digits):
            try:
                values.append(real_value(difference, {}))
            except Unsupported:
                return None
    first, again = values
    if first is None or again is None or again == 0:
        return None
    if abs(first - again) > mpmath.mpf(10) ** -6 * abs(again):
        return None  # made up by cancellation: not surely a constant other than 0
    with mpmath.workdps(PRECISION):
        shown = mpmath.nstr(abs(again), 6)
    more = "more" if again > 0 else "less"
    return Comparison(
        "different",
        "exactly, by a constant",
        f"Your answer is {shown} {more} than the correct one wherever both have a value.",
    )


# --- Equations -----------------------------------------------------------------------------


def _holds(left: sympy.Expr, right: sympy.Expr, at: Point) -> bool | None:
    a, b = real_value(left, at), real_value(right, at)
    if a is None or b is None:
        return None
    scale = max(abs(a), abs(b), 1)
    return abs(a - b) <= EQUAL_BELOW * scale


def _roots(
    left: sympy.Expr, right: sympy.Expr, symbols: list[sympy.Symbol], rng: random.Random
) -> list[Point]:
    """Some points where `left = right` holds, found by solving for one symbol at a time
    with the others at random values (bounded: a few attempts of a few steps each)."""
    found = []
    for attempt in range(12):
        unknown = symbols[attempt % len(symbols)]
        if unknown.is_integer:
            continue
        fixed = {s: _random_value(s, rng) for s in symbols if s != unknown}
        at = point_values(fixed)

        def residual(t, at=at, unknown=unknown):
            at[unknown] = t
            return value(left - right, at)

        try:
            root = mpmath.findroot(residual, mpmath.mpf(rng.randint(1, 30)) / 10, maxsteps=60)
        except Exception:  # no root from here: no convergence, no value on the way
            continue
        if not mpmath.isfinite(root) or mpmath.im(root) != 0:
            continue
        at[unknown] = mpmath.re(root)
        if admits(unknown, at[unknown]) and _holds(left, right, at):
            found.append(dict(at))
    return found


def compare_equations(
    answer: tuple[sympy.Expr, sympy.Expr], correct: tuple[sympy.Expr, sympy.Expr]
) -> Comparison:
    """Whether two equations say the same: one's difference of sides is a constant, nonzero
    multiple of the other's (`2x + 4y - 3 = 0` and `y = -x/2 + 3/4`), or, failing that, they
    hold at the same points (each one's solutions found numerically satisfy the other)."""
    mine = answer[0] - answer[1]
    theirs = correct[0] - correct[1]
    symbols = sorted(mine.free_symbols | theirs.free_symbols, key=lambda s: s.name)
    if not symbols:
        return Comparison("unsure", "an equation without symbols")
    ratios = []
    with mpmath.workdps(PRECISION):
        for point, _simple in sample_points(symbols):
            at = point_values(point)
            try:
                a, b = real_value(mine, at), real_value(theirs, at)
            except Unsupported as error:
                return Comparison("unsure", f"cannot evaluate {error}")
            if a is None or b is None or b == 0:
                continue
            ratios.append(a / b)
        if (
            len(ratios) >= MIN_AGREEING
            and all(_close(r, ratios[0], None) == "equal" for r in ratios)
            and ratios[0] != 0
        ):
            return Comparison(
                "equal", f"a multiple of the correct equation at {len(ratios)} points"
            )
        rng = random.Random(_SEED)
        checked = 0
        for holding, other, whose in (
            (answer, correct, "yours"),
            (correct, answer, "the correct one"),
        ):
            for at in _roots(*holding, symbols, rng):
                verdict = _holds(*other, at)
                if verdict is False:
                    point = {s: at[s] for s in symbols}
                    holds = "your equation holds and the correct one does not"
                    if whose != "yours":
                        holds = "the correct equation holds and yours does not"
                    return Comparison(
                        "different", "by its solutions", f"At {show_point(point)}, {holds}."
                    )
                if verdict:
                    checked += 1
    if checked >= 2 * MIN_AGREEING:
        return Comparison("equal", f"the same solutions at {checked} points")
    return Comparison("unsure", "could not tell whether the two equations have the same solutions")
