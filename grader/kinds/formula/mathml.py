"""Presentation MathML for a layer formula as we read it, with each sum's range under and
over its Σ (`grader.mathml` says why MathML)."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

import sympy

from grader.kinds.formula.terms import (
    Access,
    Formula,
    describe_formula,
    plain_text,
    show_index,
)
from grader.mathml import math_element


@lru_cache(maxsize=1024)
def _index_mathml(index: sympy.Expr) -> str:
    """An index expression such as i+u-2 or t+u-(K+1)/2, token by token: letters, numbers,
    signs, brackets (floors and ceilings as ⌊ ⌋ and ⌈ ⌉). Remembered: a class writes the same
    indices again and again."""
    text = show_index(index)
    pieces = []
    for token in re.findall(r"[A-Za-z]+|[0-9]+|[+-]|.", text):
        if token.isdigit():
            pieces.append(f"<mn>{escape(token)}</mn>")
        elif token.isalpha():
            pieces.append("".join(f"<mi>{escape(letter)}</mi>" for letter in token))
        else:
            pieces.append(f"<mo>{escape(token)}</mo>")
    return "<mrow>" + "".join(pieces) + "</mrow>"


@lru_cache(maxsize=1024)
def _access_mathml(access: Access) -> str:
    """A tensor entry, its name and its indices; remembered by them (an entry's place in the
    text is no part of it): a class writes the same entries in its distinct formulas."""
    name = f"<mi>{escape(access.name)}</mi>"
    if not access.indices:
        return name
    indices = "<mo>,</mo>".join(_index_mathml(i) for i in access.indices)
    return f"<msub>{name}<mrow>{indices}</mrow></msub>"


def formula_to_mathml(formula: Formula) -> str:
    """A layer formula as we read it, with each sum's range under and over its Σ; its alt
    text is the reading in words and symbols (`y[i,k] = Σ_{l=1..C} w[l,k]·x[i,l]`)."""
    terms = []
    if formula.reduction is not None and len(formula.terms) > 1:  # a max over a list
        factor = formula.terms[0].coefficient
        entries = "<mo>,</mo>".join(
            "".join(_access_mathml(f) for f in term.factors) for term in formula.terms
        )
        before = (
            ""
            if factor == 1
            else "<mo>-</mo>"
            if factor == -1
            else f"<mn>{escape(plain_text(factor))}</mn>"
        )
        terms.append(f"{before}<mi>{escape(formula.reduction)}</mi><mo>{{</mo>{entries}<mo>}}</mo>")
    for number, term in enumerate(() if terms else formula.terms):
        pieces = []
        coefficient = term.coefficient
        if number or coefficient < 0:
            pieces.append(f"<mo>{'-' if coefficient < 0 else '+'}</mo>")
        for s in term.sums:
            pieces.append(
                f"<munderover><mo>{formula.reduction or '∑'}</mo>"
                f"<mrow><mi>{escape(plain_text(s.variable))}</mi><mo>=</mo>"
                f"{_index_mathml(s.low)}</mrow>{_index_mathml(s.high)}</munderover>"
            )
        if abs(coefficient) != 1 or not term.factors:
            pieces.append(f"<mn>{escape(plain_text(abs(coefficient)))}</mn>")
        pieces.append("".join(_access_mathml(f) for f in term.factors))
        terms.append("".join(pieces))
    inside = len(terms) - formula.after_activation  # the rest added after the activation
    right = "".join(terms[:inside]) or "<mn>0</mn>"
    if formula.activation is not None:
        right = f"<mi>{escape(formula.activation)}</mi><mo>(</mo>{right}<mo>)</mo>"
    right += "".join(terms[inside:])
    # Set apart as display maths when it has sums, so each range sits under and over its Σ
    # as written on paper (inline maths would move them to the side).
    display = "block" if any(term.sums for term in formula.terms) else "inline"
    return math_element(
        f"{_access_mathml(formula.output)}<mo>=</mo>{right}",
        alttext=describe_formula(
            formula.output,
            formula.terms,
            formula.activation,
            formula.reduction,
            formula.after_activation,
        ),
        display=display,
    )
