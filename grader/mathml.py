"""Presentation MathML for an answer as we read it, built from our own AST.

Browsers render MathML Core natively, so pages need no script and no network. The markup is
generated here from parsed nodes (symbol names declared by the rubric, numbers we read), never
copied from a student's text, and every piece of text is escaped all the same.
"""

from __future__ import annotations

import re
from html import escape

import sympy

from grader.formula import Access, Formula
from grader.parse import Name, Negate, Node, Number, Power, Product, Sum

_NAMESPACE = "http://www.w3.org/1998/Math/MathML"


def _mi(name: str) -> str:
    base, _, subscript = name.partition("_")
    if subscript:
        return f"<msub><mi>{escape(base)}</mi><mi>{escape(subscript)}</mi></msub>"
    return f"<mi>{escape(name)}</mi>"


def _fenced(inner: str) -> str:
    return f"<mrow><mo>(</mo>{inner}<mo>)</mo></mrow>"


def _node(node: Node, context: float) -> str:
    if isinstance(node, Number):
        return f"<mn>{escape(node.shown)}</mn>"
    if isinstance(node, Name):
        return _mi(node.name)
    if isinstance(node, Negate):
        inner = f"<mrow><mo>-</mo>{_node(node.operand, 3)}</mrow>"
        return _fenced(inner) if context > 2 else inner
    if isinstance(node, Sum):
        parts = [_node(node.terms[0][1], 1)]
        for sign, term in node.terms[1:]:
            parts.append(
                f"<mo>{'-' if sign == '-' else '+'}</mo>{_node(term, 2 if sign == '-' else 1)}"
            )
        inner = "<mrow>" + "".join(parts) + "</mrow>"
        return _fenced(inner) if context > 1 else inner
    if isinstance(node, Product):
        numerator = [f for op, f in node.factors if op != "/"]
        denominator = [f for op, f in node.factors if op == "/"]
        top = _join_factors(numerator)
        if denominator:
            inner = f"<mfrac>{top}{_join_factors(denominator)}</mfrac>"
            return inner
        return _fenced(top) if context > 2.5 else top
    if isinstance(node, Power):
        return f"<msup>{_node(node.base, 4)}{_node(node.exponent, 0)}</msup>"
    raise AssertionError(f"unknown node {node!r}")


def _join_factors(factors: list[Node]) -> str:
    if not factors:
        return "<mn>1</mn>"
    if len(factors) == 1:
        return _node(factors[0], 0)
    return "<mrow>" + "<mo>·</mo>".join(_node(f, 2.5) for f in factors) + "</mrow>"


def to_mathml(trees: tuple[Node, ...]) -> str:
    """One `<math>` element for an answer or a chain `a = b = c` of working."""
    sides = "<mo>=</mo>".join(_node(tree, 0) for tree in trees)
    return f'<math xmlns="{_NAMESPACE}" display="inline"><mrow>{sides}</mrow></math>'


# --- Layer formulas ------------------------------------------------------------------------


def _index_mathml(index: sympy.Expr) -> str:
    """An index expression such as i+u-2, token by token: letters, numbers, signs."""
    text = sympy.sstr(index).replace(" ", "").replace("*", "")
    pieces = []
    for token in re.findall(r"[A-Za-z]+|[0-9]+|[+-]|.", text):
        if token.isdigit():
            pieces.append(f"<mn>{escape(token)}</mn>")
        elif token.isalpha():
            pieces.append("".join(f"<mi>{escape(letter)}</mi>" for letter in token))
        else:
            pieces.append(f"<mo>{escape(token)}</mo>")
    return "<mrow>" + "".join(pieces) + "</mrow>"


def _access_mathml(access: Access) -> str:
    name = f"<mi>{escape(access.name)}</mi>"
    if not access.indices:
        return name
    indices = "<mo>,</mo>".join(_index_mathml(i) for i in access.indices)
    return f"<msub>{name}<mrow>{indices}</mrow></msub>"


def formula_to_mathml(formula: Formula) -> str:
    """A layer formula as we read it, with each sum's range under and over its Σ."""
    terms = []
    for number, term in enumerate(formula.terms):
        pieces = []
        coefficient = term.coefficient
        if number or coefficient < 0:
            pieces.append(f"<mo>{'-' if coefficient < 0 else '+'}</mo>")
        for s in term.sums:
            pieces.append(
                f"<munderover><mo>∑</mo><mrow><mi>{escape(str(s.variable))}</mi><mo>=</mo>"
                f"{_index_mathml(s.low)}</mrow>{_index_mathml(s.high)}</munderover>"
            )
        if abs(coefficient) != 1 or not term.factors:
            pieces.append(f"<mn>{escape(str(abs(coefficient)))}</mn>")
        pieces.append("".join(_access_mathml(f) for f in term.factors))
        terms.append("".join(pieces))
    right = "".join(terms) or "<mn>0</mn>"
    return (
        f'<math xmlns="{_NAMESPACE}" display="inline"><mrow>{_access_mathml(formula.output)}'
        f"<mo>=</mo>{right}</mrow></math>"
    )
