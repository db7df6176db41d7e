"""Showing a quotient of two monomials without sympy's `cancel` (issue 20): it must read exactly
as the general way shows it, common factors divided out and the sign on top."""

from __future__ import annotations

import sympy
from hypothesis import given
from hypothesis import strategies as st

from grader.kinds.count.check import _monomial_quotient, _show_quotient, show_fraction
from grader.kinds.count.polynomials import polynomial_ring

SYMBOLS = sympy.symbols("P Q C D K")
RING = polynomial_ring(SYMBOLS)

exponents = st.tuples(*[st.integers(0, 3) for _ in SYMBOLS])
coefficients = st.integers(-30, 30).filter(bool)


@given(exponents, coefficients, exponents, coefficients)
def test_a_monomial_over_a_monomial_reads_as_the_general_way_shows_it(up, a, down, b):
    top, bottom = RING({up: a}), RING({down: b})
    general = _show_quotient(top.as_expr() / bottom.as_expr(), SYMBOLS)
    assert _monomial_quotient(top, bottom) == general
    if not bottom.is_ground:
        assert show_fraction((top, bottom)) == general


def test_anything_but_two_whole_monomials_is_left_to_the_general_way():
    p, q = RING.gens[:2]
    assert _monomial_quotient(p + q, p) is None
    assert _monomial_quotient(p, p + q) is None
    assert _monomial_quotient(p * RING.domain(1, 2), q) is None
    assert show_fraction((p + q, p * q)) == _show_quotient(
        (p + q).as_expr() / (p * q).as_expr(), SYMBOLS
    )
