"""Shorthand a marker reads (issue 14): a bracketed number is a factor, and `\\frac13` is a
third, as LaTeX reads it; anything less clear is still refused, saying how to write it."""

from __future__ import annotations

import pytest
import sympy

from grader.errors import AnswerError
from grader.kinds.count.parse import parse

C, D, P, Q = sympy.symbols("C D P Q", positive=True, integer=True)
SYMBOLS = {"C": C, "D": D, "P": P, "Q": Q}


@pytest.mark.parametrize(
    ("written", "value", "reading"),
    [
        pytest.param(
            "2(3)CD + D", 6 * C * D + D, "2·3·C·D + D", id="a bracketed number is a factor"
        ),
        pytest.param("(3)(3)CD + D", 9 * C * D + D, "3·3·C·D + D", id="two bracketed numbers"),
        pytest.param("\\frac13 CD", C * D / 3, "1/3·C·D", id="frac13 is one third"),
        pytest.param("\\dfrac12 PQ", P * Q / 2, "1/2·P·Q", id="dfrac12 is one half"),
        pytest.param("\\tfrac{1}{2} PQ", P * Q / 2, "1/2·P·Q", id="braces still read"),
    ],
)
def test_shorthand_a_marker_reads_is_read(written, value, reading):
    parsed = parse(written, SYMBOLS)
    assert sympy.expand(parsed.expr - value) == 0
    assert parsed.interpretation == reading


@pytest.mark.parametrize(
    ("written", "message"),
    [
        pytest.param("P2", "'P2' is ambiguous", id="a bare number after a factor is ambiguous"),
        pytest.param("(PQ)2", "is ambiguous", id="a bare number after brackets too"),
        pytest.param(
            "\\frac123 CD",
            "\\frac123 is unclear: write the fraction with braces, e.g. \\frac{1}{23}",
            id="frac with three digits is unclear",
        ),
    ],
)
def test_shorthand_that_is_not_clear_is_refused_saying_how_to_write_it(written, message):
    with pytest.raises(AnswerError) as refused:
        parse(written, SYMBOLS)
    assert message in str(refused.value)
