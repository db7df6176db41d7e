"""Exact arithmetic on counts as quotients of sparse polynomials with rational coefficients.

A count is a rational function of the question's sizes. It is held as a numerator and a
denominator in sympy's sparse polynomial ring over the rubric's symbols (`sympy.polys.rings`),
which is many times faster than building and simplifying general sympy expressions: two counts
are equal exactly when a·d = c·b, and a count is evaluated exactly at integer sizes with plain
Python integers. `as_fraction` converts the sympy expression of a count (an answer, the
reference, or a diagnosis's variant of a count) into such a quotient.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from math import gcd

import sympy
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement, PolyRing, ring


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
    gens = dict(zip(symbols, polynomial_ring(symbols).gens, strict=True))

    def walk(node: sympy.Expr) -> Fraction_:
        if node.is_Symbol:
            if node not in gens:
                raise ValueError(f"{node} is not one of the symbols {symbols}")
            return variable(gens[node])
        if node.is_Rational:
            return constant(node, symbols)
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
