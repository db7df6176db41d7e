"""Presentation MathML for a count as we read it, built from our own AST (`grader.mathml`
says why MathML)."""

from __future__ import annotations

from html import escape

from grader.kinds.count.parse import (
    Name,
    Negate,
    Node,
    Number,
    Power,
    Product,
    Rounding,
    Sum,
    describe,
)
from grader.mathml import math_element


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
    if isinstance(node, Rounding):
        opening, closing = ("⌊", "⌋") if node.kind == "floor" else ("⌈", "⌉")
        return f"<mrow><mo>{opening}</mo>{_node(node.operand, 0)}<mo>{closing}</mo></mrow>"
    if isinstance(node, Power):
        return f"<msup>{_node(node.base, 4)}{_node(node.exponent, 0)}</msup>"
    raise AssertionError(f"unknown node {node!r}")


def _join_factors(factors: list[Node]) -> str:
    if not factors:
        return "<mn>1</mn>"
    if len(factors) == 1:
        return _node(factors[0], 0)
    return "<mrow>" + "<mo>·</mo>".join(_node(f, 2.5) for f in factors) + "</mrow>"


def to_mathml(trees: tuple[Node, ...], readings: tuple[str, ...] | None = None) -> str:
    """One `<math>` element for an answer or a chain `a = b = c` of working, its alt text
    the reading with every operator explicit (`9·C·D + D`): `readings`, each tree's
    `describe`, where the reader has them already (`ParsedAnswer.side_readings`)."""
    if readings is None:
        readings = tuple(describe(tree) for tree in trees)
    return math_element(
        "<mo>=</mo>".join(_node(tree, 0) for tree in trees), alttext=" = ".join(readings)
    )
