"""Exact arithmetic on counts as quotients of sparse polynomials with rational coefficients.

A count is a rational function of the question's sizes. It is held as a numerator and a
denominator in sympy's sparse polynomial ring over the rubric's symbols (`sympy.polys.rings`),
which is many times faster than building and simplifying general sympy expressions: two counts
are equal exactly when a·d = c·b, and a count is evaluated exactly at integer sizes with plain
Python integers. `as_fraction` converts the sympy expression of a count (an answer, the
reference, or a diagnosis's variant of a count) into such a quotient.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import gcd

import sympy
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement, PolyRing, ring

from grader.symbol_values import parity


@lru_cache(maxsize=64)
def polynomial_ring(symbols: tuple[sympy.Symbol, ...]) -> PolyRing:
    return ring(symbols, QQ)[0]


Fraction_ = tuple[PolyElement, PolyElement]  # numerator, denominator


def constant(value: sympy.Rational, symbols: tuple[sympy.Symbol, ...]) -> Fraction_:
    one = polynomial_ring(symbols).one
    return one * QQ(int(value.p), int(value.q)), one


def variable(generator: PolyElement) -> Fraction_:
    return generator, generator.ring.one


def add(a: Fraction_, b: Fraction_) -> Fraction_:
    if a[1] == b[1]:
        return a[0] + b[0], a[1]
    return a[0] * b[1] + b[0] * a[1], a[1] * b[1]


def multiply(a: Fraction_, b: Fraction_) -> Fraction_:
    return a[0] * b[0], a[1] * b[1]


def negate(a: Fraction_) -> Fraction_:
    return -a[0], a[1]


def subtract(a: Fraction_, b: Fraction_) -> Fraction_:
    if a[1] == b[1]:  # as `add` of `negate(b)`, without making -b first
        return a[0] - b[0], a[1]
    return add(a, negate(b))


def invert(a: Fraction_) -> Fraction_:
    return a[1], a[0]


def power(a: Fraction_, exponent: int) -> Fraction_:
    if exponent < 0:
        a, exponent = invert(a), -exponent
    return a[0] ** exponent, a[1] ** exponent


@lru_cache(maxsize=4096)
def as_fraction(expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> Fraction_:
    """A count as numerator and denominator in the sparse polynomial ring over `symbols`.

    Counts are built by our parser from numbers, symbols, sums, products and whole powers
    (bounded in size before they were built), so this walk of the expression is all it takes;
    it is many times faster than `sympy.cancel` on the same expression. Anything else (a
    symbol not in `symbols`, a function) raises ValueError.
    """
    ring = polynomial_ring(symbols)
    gens = dict(zip(symbols, ring.gens, strict=True))

    def walk(node: sympy.Expr) -> Fraction_:
        if node.is_Symbol:
            if node not in gens:
                raise ValueError(f"{node} is not one of the symbols {symbols}")
            return variable(gens[node])
        if node.is_Rational:
            return constant(node, symbols)
        if node.is_Mul and (term := _monomial(node, ring, symbols)) is not None:
            return term
        if node.is_Add or node.is_Mul:
            combine = add if node.is_Add else multiply
            result = walk(node.args[0])
            for arg in node.args[1:]:
                result = combine(result, walk(arg))
            return result
        if node.is_Pow and node.exp.is_Integer:
            return power(walk(node.base), int(node.exp))
        raise ValueError(f"not a count: {node}")

    return walk(expr)


@lru_cache(maxsize=4096)
def integer_terms(fraction: Fraction_) -> tuple[tuple, tuple]:
    """Numerator and denominator as (exponents, whole coefficient) terms, both scaled by the
    same common denominator: the quotient is unchanged, and evaluating needs only integers."""
    scale = 1
    for polynomial in fraction:
        for coefficient in polynomial.values():
            scale = scale * int(coefficient.denominator) // gcd(scale, int(coefficient.denominator))
    return tuple(
        tuple(
            (exponents, int(coefficient.numerator) * (scale // int(coefficient.denominator)))
            for exponents, coefficient in polynomial.items()
        )
        for polynomial in fraction
    )


def _evaluate(terms: tuple, point: tuple[int, ...]) -> int:
    total = 0
    for exponents, coefficient in terms:
        for value, power in zip(point, exponents, strict=True):
            if power:
                coefficient *= value**power
        total += coefficient
    return total


def value_at(fraction: Fraction_, point: tuple[int, ...]) -> Fraction | None:
    """The count's exact value at a point, or None where its denominator vanishes."""
    values = integer_values(fraction, point)
    return None if values is None else Fraction(*values)


@lru_cache(maxsize=8192)
def integer_values(fraction: Fraction_, point: tuple[int, ...]) -> tuple[int, int] | None:
    """The values of the (scaled) numerator and denominator at a point, or None where the
    denominator vanishes: n/d, unreduced, which is quicker to compare than a Fraction.
    Remembered, since a check compares one answer with many variants at the same points."""
    top, bottom = integer_terms(fraction)
    denominator = _evaluate(bottom, point)
    if denominator == 0:
        return None  # a denominator vanishes here; this point says nothing
    return _evaluate(top, point), denominator


def same_value(x: tuple[int, int], y: tuple[int, int]) -> bool:
    """n/d = m/e exactly when n·e = m·d (denominators are never zero)."""
    return x[0] * y[1] == y[0] * x[1]


def substitute(a: Fraction_, targets: tuple[int, ...]) -> Fraction_:
    """The count with each symbol i replaced by symbol `targets[i]` of the same ring: a
    permutation exchanges symbols, a repeated target writes one symbol for another."""
    return _substitute(a[0], targets), _substitute(a[1], targets)


def _substitute(polynomial: PolyElement, targets: tuple[int, ...]) -> PolyElement:
    ring = polynomial.ring
    terms: dict[tuple[int, ...], object] = {}
    for exponents, coefficient in polynomial.items():
        moved = [0] * len(exponents)
        for index, power in enumerate(exponents):
            moved[targets[index]] += power
        key = tuple(moved)
        terms[key] = terms.get(key, ring.domain.zero) + coefficient
    return ring.from_dict({key: value for key, value in terms.items() if value})


def exactly_equal(a: Fraction_, b: Fraction_) -> bool:
    """a/b = c/d exactly when a·d = c·b, as polynomials (a = c when b = d)."""
    if a[1] == b[1]:
        return a[0] == b[0]
    return a[0] * b[1] == b[0] * a[1]


# --- Counts with floor, ceiling and powers such as 2^C --------------------------------------
#
# A count such as ⌊(P-1)/2⌋ + 1 is not a rational function of P, but it is one on each
# class of P modulo 2: with P = 2t + r, ⌊(2t + r - 1)/2⌋ = t + ⌊(r - 1)/2⌋. In general, for
# h a polynomial with rational coefficients whose denominators divide m, h(m·t + r) - h(r) is
# a whole number for every whole t, so ⌊h(m·t + r)⌋ = h(m·t + r) + ⌊h(r)⌋ - h(r): a
# polynomial in t. Splitting every symbol under a floor by its remainder modulo m turns a
# count into one polynomial per class, and two counts are equal exactly when their
# difference is the zero polynomial on every class (a polynomial that vanishes at every t is
# zero). Innermost floors go first; what is left may hold more, split in turn.
#
# A power such as 2^C is a new variable: for distinct primes p, the functions p^X are
# algebraically independent of each other and of the sizes, so 4^C·2^D is (2^C)²·2^D and an
# identity between such counts is an identity between polynomials in them.


class Undecidable(Exception):
    """The exact check cannot decide a count (a floor of a division by a size, too many
    classes): a person must, and nothing is guessed."""


MAX_CLASSES = 256  # classes of remainders a comparison may split the sizes into


def is_rational_count(expr: sympy.Expr) -> bool:
    """Whether a count is a rational function of its sizes (what `as_fraction` takes): no
    floor or ceiling anywhere in it, and every power whole. One walk of its arguments, where
    sympy's `has(floor, ceiling)` and `atoms(Pow)` made two (a quarter of the time for an
    answer's new expression)."""
    if isinstance(expr, (sympy.floor, sympy.ceiling)):
        return False
    if expr.is_Pow and not expr.exp.is_Integer:
        return False
    return all(is_rational_count(argument) for argument in expr.args)


@dataclass(frozen=True)
class SizeClass:
    """One class of sizes a count with floors is compared on: each split symbol X is
    `modulus`·t + `residue` for every whole t ≥ 0."""

    forms: tuple[tuple[str, int, int], ...]  # (symbol, modulus, residue)

    def describe(self) -> str:
        return ", ".join(
            f"{name} = {modulus}t" + (f" + {residue}" if residue else "")
            for name, modulus, residue in self.forms
        )


def size_classes_text(classes: tuple[SizeClass, ...]) -> str:
    """Which sizes a comparison covered, for feedback: "P = 2t and P = 2t + 1"."""
    shown = [c.describe() for c in classes]
    if len(shown) <= 4:
        listed = " and ".join([", ".join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)
    else:
        listed = f"{shown[0]}, ..., {shown[-1]} ({len(shown)} classes)"
    return listed


def _rounded_at(kind_floor: bool, value: sympy.Rational) -> sympy.Rational:
    return sympy.floor(value) if kind_floor else sympy.ceiling(value)


def _polynomial_argument(argument: sympy.Expr) -> int:
    """The lcm of the denominators of a floor's argument, a polynomial in whole sizes."""
    symbols = tuple(sorted(argument.free_symbols, key=lambda s: s.name))
    if any(not s.is_integer for s in symbols):
        raise Undecidable("a floor or ceiling of a size that need not be a whole number")
    if not is_rational_count(argument):
        raise Undecidable("a floor or ceiling of a power with a symbol in its exponent")
    try:
        top, bottom = as_fraction(argument, symbols) if symbols else constant(argument, ())
    except ValueError as error:
        raise Undecidable(str(error)) from None
    if not bottom.is_ground:
        raise Undecidable("a floor or ceiling of a division by a size")
    modulus = 1
    for coefficient in (top * (QQ(1) / bottom.LC)).values():
        modulus = (
            modulus * int(coefficient.denominator) // gcd(modulus, int(coefficient.denominator))
        )
    return modulus


def periodic_cases(expr: sympy.Expr) -> list[tuple[SizeClass, sympy.Expr]]:
    """`expr` without floors or ceilings, one expression per class of sizes (see above). A
    symbol declared odd or even under a floor is taken on its own class only: K = 2t + 1 for
    an odd K, so ⌊K/2⌋ is (K - 1)/2 there. Its t is a symbol of its own (`parity_stand_in`),
    not K: sympy simplifies with a symbol's parity (⌊E/2⌋ is E/2 for an even E), which must
    not happen to a t that takes every value."""
    cases: list[tuple[SizeClass, sympy.Expr]] = []
    forms: dict[sympy.Symbol, tuple[int, int]] = {}
    classes = {}
    for symbol in _rounded_symbols(expr):
        wanted = parity(symbol)
        if wanted is not None:
            t = parity_stand_in(symbol)
            residue = 1 if wanted == "odd" else 0
            classes[symbol] = 2 * t + residue
            forms[t] = (2, residue)
    _split(expr.xreplace(classes) if classes else expr, forms, cases)
    return cases


def _rounded_symbols(expr: sympy.Expr) -> list[sympy.Symbol]:
    """The symbols under a floor or ceiling of `expr`, by name. Parity matters only there: a
    polynomial (or a power such as 2^K) that is 0 at every odd K is 0 at every K."""
    found = set()
    for rounding in expr.atoms(sympy.floor, sympy.ceiling):
        found |= rounding.args[0].free_symbols
    return sorted(found, key=lambda s: s.name)


@lru_cache(maxsize=256)
def parity_stand_in(symbol: sympy.Symbol) -> sympy.Symbol:
    """The t of a symbol declared odd or even, K = 2t + 1: a whole number of no parity,
    named as the symbol is, for the classes' words ("K = 2t + 1")."""
    return sympy.Dummy(symbol.name, integer=True, nonnegative=True)


def _split(
    expr: sympy.Expr,
    forms: dict[sympy.Symbol, tuple[int, int]],
    cases: list[tuple[SizeClass, sympy.Expr]],
) -> None:
    roundings = [
        r
        for r in expr.atoms(sympy.floor, sympy.ceiling)
        if not r.args[0].has(sympy.floor, sympy.ceiling)
    ]
    if not roundings:
        shown = tuple(
            (symbol.name, modulus, residue)
            for symbol, (modulus, residue) in sorted(forms.items(), key=lambda f: f[0].name)
        )
        cases.append((SizeClass(shown), expr))
        if len(cases) > MAX_CLASSES:
            raise Undecidable(f"it would be compared on more than {MAX_CLASSES} classes of sizes")
        return
    modulus = 1
    for rounding in roundings:
        m = _polynomial_argument(rounding.args[0])
        modulus = modulus * m // gcd(modulus, m)
    split = sorted({s for r in roundings for s in r.args[0].free_symbols}, key=lambda s: s.name)
    if modulus ** len(split) > MAX_CLASSES:
        raise Undecidable(f"it would be compared on more than {MAX_CLASSES} classes of sizes")
    stand_ins = {r: sympy.Dummy(integer=True) for r in roundings}
    body = expr.xreplace(stand_ins)
    for residues in itertools.product(range(modulus), repeat=len(split)):
        at = dict(zip(split, (sympy.Integer(r) for r in residues), strict=True))
        shift = {s: modulus * s + r for s, r in at.items()}
        values = {}
        for rounding, stand_in in stand_ins.items():
            argument = rounding.args[0]
            start = argument.xreplace(at)
            offset = _rounded_at(isinstance(rounding, sympy.floor), start) - start
            values[stand_in] = sympy.expand(argument.xreplace(shift)) + offset
        composed = dict(forms)
        for s, r in at.items():
            old_modulus, old_residue = composed.get(s, (1, 0))
            composed[s] = (old_modulus * modulus, old_modulus * int(r) + old_residue)
        _split(body.xreplace(shift).xreplace(values), composed, cases)


def _exponential_variables(expr: sympy.Expr) -> tuple[sympy.Expr, tuple[sympy.Symbol, ...]]:
    """`expr` with each power p^X (p prime, X a size) written as a variable of its own."""
    variables: dict[tuple[int, sympy.Symbol], sympy.Symbol] = {}
    replaced = {}
    for power in expr.atoms(sympy.Pow):
        if power.exp.is_Integer:
            continue
        base = power.base
        if not (base.is_Rational and base > 0):
            raise Undecidable("a power with a symbol in both its base and its exponent")
        factors = {p: k for p, k in sympy.factorint(base.p).items()}
        for p, k in sympy.factorint(base.q).items():
            factors[p] = factors.get(p, 0) - k
        value = sympy.Integer(1)
        for term in sympy.Add.make_args(sympy.expand(power.exp)):
            coefficient, rest = term.as_coeff_Mul()
            if not coefficient.is_Integer:
                raise Undecidable("an exponent that is not a whole multiple of a size")
            if rest == 1:
                value *= base**coefficient
                continue
            if not (rest.is_Symbol and rest.is_integer):
                raise Undecidable("an exponent that is not a whole multiple of a size")
            for p, k in factors.items():
                variable = variables.setdefault(
                    (p, rest), sympy.Symbol(f"{p}^{rest.name}", positive=True)
                )
                value *= variable ** (k * int(coefficient))
        replaced[power] = value
    ordered = tuple(variables[key] for key in sorted(variables, key=lambda k: (k[0], k[1].name)))
    return expr.xreplace(replaced), ordered


def whole_divisions(
    expr: sympy.Expr, pairs: Sequence[tuple[str, str]], symbols: Sequence[sympy.Symbol]
) -> sympy.Expr:
    """`expr` with each floor or ceiling of a division that is whole at every size the rubric
    allows taken as that division: ⌊C/G⌋ is C/G where C is declared a multiple of G (`pairs`,
    (C, G) by name, as `multiples` gives them), as is ⌈9·C·D/G²⌉ where D is one too. A
    multiple is written as one of its divisors times a whole number, each divisor in turn
    where it has several (C a multiple of G and of H: ⌊C/H⌋ is whole with C = H·k), and a
    rounding whose argument is then a polynomial with whole coefficients is dropped; any other
    stays."""
    if not pairs or not expr.has(sympy.floor, sympy.ceiling):
        return expr
    by_name = {symbol.name: symbol for symbol in symbols}
    divisors: dict[sympy.Symbol, list[sympy.Symbol]] = {}
    for multiple, divisor in pairs:
        if multiple in by_name and divisor in by_name:
            divisors.setdefault(by_name[multiple], []).append(by_name[divisor])
    # Each way of writing every multiple as one of its divisors times a whole number: each is
    # true at every size the rubric allows, so any one that shows a rounding whole proves it.
    ways = [
        {
            multiple: divisor
            * sympy.Symbol(f"_{multiple.name}_per_{divisor.name}", positive=True, integer=True)
            for multiple, divisor in zip(divisors, chosen, strict=True)
        }
        for chosen in itertools.islice(itertools.product(*divisors.values()), _MAX_WAYS)
    ]

    def is_whole(argument: sympy.Expr, stand_ins: dict[sympy.Symbol, sympy.Expr]) -> bool:
        for _ in stand_ins:  # a divisor that is a multiple itself, in turn
            argument = argument.xreplace(stand_ins)
        argument = sympy.cancel(argument)
        wholes = {s for value in stand_ins.values() for s in value.free_symbols}
        generators = tuple(sorted(argument.free_symbols | wholes, key=lambda s: s.name))
        if not generators or not argument.is_polynomial(*generators):
            return False
        return all(c.is_integer for c in sympy.Poly(argument, *generators).coeffs())

    def dropped(rounding: sympy.Expr) -> sympy.Expr:
        argument = rounding.args[0]
        return argument if any(is_whole(argument, way) for way in ways) else rounding

    return expr.replace(lambda node: isinstance(node, (sympy.floor, sympy.ceiling)), dropped)


_MAX_WAYS = 16  # ways of writing the multiples tried (a rubric declares one or two divisors)


def identically_zero(
    expr: sympy.Expr, symbols: tuple[sympy.Symbol, ...]
) -> tuple[bool, tuple[SizeClass, ...]]:
    """Whether a count with floors, ceilings or powers such as 2^C is 0 for every size, and
    the classes of sizes that took (one, with no forms, when no floor needed a split).
    Raises `Undecidable` where no exact answer can be had."""
    cases = periodic_cases(expr)
    rounded = set(_rounded_symbols(expr))
    # A symbol of a declared parity under a floor is its t in the cases (`periodic_cases`).
    symbols = tuple(
        parity_stand_in(s) if s in rounded and parity(s) is not None else s for s in symbols
    )
    for _, case in cases:
        plain, extra = _exponential_variables(case)
        try:
            top, _ = as_fraction(plain, symbols + extra)
        except ValueError as error:
            raise Undecidable(str(error)) from None
        if top:
            return False, tuple(c for c, _ in cases)
    return True, tuple(c for c, _ in cases)


MAX_EVALUATED_EXPONENT = 4000


def evaluate(expr: sympy.Expr, values: dict[sympy.Symbol, int]) -> Fraction | None:
    """A count's exact value at whole sizes (floors, ceilings and 2^C included), or None where
    it has none there (a division by zero, a power too large to compute)."""
    try:
        value = _exact_value(expr, values)
    except (ArithmeticError, ZeroDivisionError, KeyError):
        return None
    return value if isinstance(value, Fraction) else Fraction(value)


def _exact_value(node: sympy.Expr, values: dict[sympy.Symbol, int]) -> int | Fraction:
    """`evaluate`'s walk: Python ints while the count stays whole (a size, a whole number, their
    sums, products and powers), Fractions from the first division on; the same exact value as
    Fractions throughout, at a fraction of the cost."""
    if node.is_Symbol:
        value = values[node]
        return value if type(value) is int else Fraction(value)
    if node.is_Rational:
        return int(node.p) if node.is_Integer else Fraction(int(node.p), int(node.q))
    if node.is_Add:
        total = 0
        for argument in node.args:
            total += _exact_value(argument, values)
        return total
    if node.is_Mul:
        result = 1
        for argument in node.args:
            result *= _exact_value(argument, values)
        return result
    if node.is_Pow:
        base, exponent = _exact_value(node.base, values), _exact_value(node.exp, values)
        if exponent.denominator != 1 or abs(exponent) > MAX_EVALUATED_EXPONENT:
            raise ArithmeticError("no whole power")
        if exponent < 0:  # an int to a negative power is a float: a Fraction's is exact
            return Fraction(base) ** int(exponent)
        return base ** int(exponent)
    if isinstance(node, sympy.floor):
        return math.floor(_exact_value(node.args[0], values))
    if isinstance(node, sympy.ceiling):
        return math.ceil(_exact_value(node.args[0], values))
    raise ArithmeticError(f"not a count: {node}")


def _monomial(node: sympy.Mul, ring: PolyRing, symbols: tuple) -> Fraction_ | None:
    """A product of a number and whole positive powers of `symbols` (2·P·Q², a count's
    terms as students write them) as `as_fraction`'s walk makes it, (c·x^e, 1), but as one
    term at once instead of a product of each factor; None for any other product (the walk
    then multiplies its factors, or says what it cannot read)."""
    exponents = [0] * len(symbols)
    coefficient = ring.domain.one
    position = _positions(symbols)
    for factor in node.args:
        if factor.is_Rational:
            coefficient = coefficient * ring.domain(int(factor.p), int(factor.q))
            continue
        base, power = (factor.base, factor.exp) if factor.is_Pow else (factor, 1)
        index = position.get(base) if base.is_Symbol else None
        if index is None or not (power == 1 or (power.is_Integer and int(power) > 0)):
            return None
        exponents[index] += int(power)
    if not coefficient:
        return None
    return ring.dtype([(tuple(exponents), coefficient)]), ring.one


@lru_cache(maxsize=64)
def _positions(symbols: tuple[sympy.Symbol, ...]) -> dict[sympy.Symbol, int]:
    """Each symbol's place in `symbols` (the first, as `tuple.index` gives it), found by its
    hash: `in` and `index` on the tuple compare the symbol with each one before it, each a
    sympy `==`."""
    found: dict[sympy.Symbol, int] = {}
    for index, symbol in enumerate(symbols):
        found.setdefault(symbol, index)
    return found
