"""The count checks of branch `cperf` (issue 20) are cheaper and change no result: each quicker
helper gives what the code it replaced gave (kept here as the reference), and an answer graded
with the shortcuts taken gives the same result, to the last word, as graded without them."""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
import sympy

from grader.grade import grade_answer
from grader.kinds.count import check as count_check
from grader.kinds.count import terms as count_terms
from grader.kinds.count.polynomials import add, evaluate, negate, polynomial_ring, subtract
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
P, Q, C, D = sympy.symbols("P Q C D", positive=True, integer=True)


def _old_evaluate(expr: sympy.Expr, values: dict) -> Fraction | None:
    """`evaluate` as it was: every value a Fraction."""
    import math

    def walk(node):
        if node.is_Symbol:
            return Fraction(values[node])
        if node.is_Rational:
            return Fraction(int(node.p), int(node.q))
        if node.is_Add:
            return sum((walk(a) for a in node.args), Fraction(0))
        if node.is_Mul:
            result = Fraction(1)
            for a in node.args:
                result *= walk(a)
            return result
        if node.is_Pow:
            base, exponent = walk(node.base), walk(node.exp)
            if exponent.denominator != 1 or abs(exponent) > 4000:
                raise ArithmeticError("no whole power")
            return base ** int(exponent)
        if isinstance(node, sympy.floor):
            return Fraction(math.floor(walk(node.args[0])))
        if isinstance(node, sympy.ceiling):
            return Fraction(math.ceil(walk(node.args[0])))
        raise ArithmeticError(f"not a count: {node}")

    try:
        return walk(expr)
    except (ArithmeticError, ZeroDivisionError, KeyError):
        return None


_HALF = sympy.Rational(1, 2)
_AT = {P: 4, Q: 3, C: 2, D: 5}


@pytest.mark.parametrize(
    "expr, values",
    [
        (2 * P * Q * C * D + P * Q * D, _AT),
        (9 * C * D + D, _AT),
        (P**2 * Q**2 * C * D - 7 * D, _AT),
        (_HALF * C * D + _HALF * D, _AT),  # a half of a whole number, and not whole
        (_HALF * C * D + _HALF * D, {**_AT, C: 3}),
        (C / (P - 4), _AT),  # a division by zero: no value
        (2 / (1 / (P - 4) + 1), _AT),  # hidden inside a fraction: still none
        (C * (P - 1) ** -2, _AT),  # a negative power of a whole number: exact, not a float
        (C * (P - 3) ** -2, _AT),
        ((P - 4) ** -1, _AT),  # 0 to a negative power
        ((P - 4) ** 0, _AT),  # 0 to the power 0 is 1
        (sympy.Integer(2) ** C, {C: 4000}),  # up to the limit
        (sympy.Integer(2) ** C, {C: 4001}),  # past it: none
        (sympy.Integer(2) ** (C / 2), {C: 3}),  # not a whole power: none
        (sympy.Integer(2) ** (C / 2), {C: 4}),
        (sympy.floor(C / 3) * D + sympy.ceiling(D / 2), _AT),
        (sympy.floor(-C / 3) + sympy.ceiling(Q * _HALF), _AT),
        (C * D, {C: Fraction(3, 2), D: 4}),  # a size given as a Fraction
        (C * D, {C: 2}),  # a size not given: none
        (sympy.sqrt(C), _AT),  # no count: none
        (sympy.Integer(0), {}),
        (sympy.Rational(-3, 4), {}),
    ],
)
def test_evaluate_gives_the_old_exact_value(expr, values):
    """Whole numbers are worked out as ints until a division: the same value, as a Fraction
    (or None where there is none), as working in Fractions throughout."""
    value, old = evaluate(expr, values), _old_evaluate(expr, values)
    assert value == old
    assert type(value) is type(old)


def _old_polynomial(mine, terms):
    """`terms._polynomial` as it was: a polynomial made of each term, added up."""
    total = mine.ring.zero
    for exponents, coefficient in terms:
        total = total + mine.new([(exponents, coefficient)])
    return total


_RING = polynomial_ring((P, Q, C, D))
_Z = _RING.domain


@pytest.mark.parametrize(
    "terms",
    [
        [],
        [((0, 0, 1, 1), _Z(9)), ((0, 0, 0, 1), _Z(1))],
        [((0, 0, 1, 0), _Z(9)), ((0, 0, 1, 0), _Z(1))],  # 9·C + C merged
        [((0, 0, 1, 0), _Z(1)), ((0, 0, 0, 1), _Z(1)), ((0, 0, 1, 0), _Z(-1))],  # cancelled
        # cancelled, then written again: it comes back after D, as the ring adds it
        [
            ((0, 0, 1, 0), _Z(1)),
            ((0, 0, 0, 1), _Z(1)),
            ((0, 0, 1, 0), _Z(-1)),
            ((0, 0, 1, 0), _Z(2)),
        ],
        [((1, 1, 0, 1), _Z(1, 2)), ((1, 1, 0, 1), _Z(1, 2)), ((0, 0, 0, 0), _Z(3))],
    ],
)
def test_polynomial_of_terms_is_the_old_sum(terms):
    """The same polynomial, with its terms in the same order (what is shown follows it)."""
    made, old = count_terms._polynomial(_RING.one, terms), _old_polynomial(_RING.one, terms)
    assert made == old
    assert list(made.items()) == list(old.items())


@cache
def _rubric(name: str):
    return load_rubric(ROOT / "rubrics" / f"{name}.yaml")


_ONE = (_RING.one, _RING.one)
_X = {name: (g, _RING.one) for name, g in zip("PQCD", _RING.gens, strict=True)}


@pytest.mark.parametrize(
    "a, b",
    [
        ((_RING.gens[2] * _RING.gens[3] * 9 + _RING.gens[3], _RING.one), _X["D"]),
        (_X["C"], _X["C"]),  # to 0
        (
            (_RING.gens[3] * 3 + _RING.gens[2], _RING.one),
            (_RING.gens[2] - _RING.gens[3], _RING.one),
        ),
        ((_RING.gens[2], _RING.gens[0]), (_RING.gens[3], _RING.gens[0])),  # over one size
        ((_RING.gens[2], _RING.gens[0]), (_RING.gens[3], _RING.gens[1])),  # over two
        (_ONE, (_RING.zero, _RING.one)),
    ],
)
def test_subtract_is_adding_the_negation(a, b):
    """The same quotient, its terms in the same order, as `add(a, negate(b))`."""
    made, old = subtract(a, b), add(a, negate(b))
    assert made == old
    assert [list(p.items()) for p in made] == [list(p.items()) for p in old]


_CASES = [
    # (rubric, item, answers): counts whose terms as written are one monomial each, as many as
    # the count's (the shortcut), and counts whose terms merge, cancel, or are no monomials
    (
        "22-52-q4",
        "a.params",
        [
            "2PQCD + PQD",
            "PQCPQD + PQD",
            "PQC PQD + PQD + PQD",
            "P^2Q^2CD + PQD - PQD + PQD",
            "PQCPQD/2 + PQCPQD/2",
            "PQCD + PQD",
        ],
    ),
    (
        "22-52-q4",
        "b.params",
        [
            "9CD + 2D",
            "9CD + CD",  # 9·C·D weights and C·D biases, as written: not 10·C·D weights
            "9CD + C D",
            "CD + 8CD",
            "9CD + 9D",
            "(9CD + P) + (CD + D - P)",  # a term of two monomials, one cancelled by another's
            "(9CD + D + C) + (CD - C)",
            "(9CD + C) + (CD - C)",
            "9CD + D + D",
            "8CD + CD + D",
            "CD + 9CD + D",
            "9CD - D + 2D",
            "3*3*C*D + D",
            "9CD/2 + 9CD/2 + D",
            "9C^2D + D",
            "D + 9CD",
            "9CD + D/D",
            "9CD + 0*D + D",
            "(9C + 1)D",
            "9CD + (D + D)",
            "10CD + D - CD",
            "9CD + C^(1/2)",
            "9CD/P + D",
            "9CD + D^-1",
            "9CD + 2^C",
            "9CD + D - 9CD",
        ],
    ),
    ("22-52-q4", "c.params", ["2CD + D", "CD + D + D", "CD + PQD", "C D + C D"]),
    ("22-52-q4", "d.params", ["2CD", "CD + CD", "CD + D", "CD - D"]),
    ("mha-q1", "a.params", ["3d^2 + 3d", "3 d d_k h + 3d", "d^2 + d^2 + d^2 + d", "3d^2 + h d_k"]),
    ("grouped-q1", "b.params", ["9CD/G + D", "9CD + D", "9CD/G + D/G", "9C/G D + D + G"]),
]


@pytest.mark.parametrize(
    "rubric_name, item_id, answer",
    [(r, i, a) for r, i, answers in _CASES for a in answers],
)
def test_terms_left_unworked_change_no_result(rubric_name, item_id, answer, monkeypatch):
    """An answer whose terms as written are not worked out (`_terms_as_its_own`) is graded
    exactly as when they are: verdict, marks, feedback and all."""
    rubric = _rubric(rubric_name)
    item = rubric.items[item_id]
    graded = grade_answer(rubric, item, answer)
    monkeypatch.setattr(count_check, "_terms_as_its_own", lambda *_: False)
    count_terms._side_memo.clear()
    assert repr(grade_answer(rubric, item, answer)) == repr(graded)
