"""Presentation MathML for an expression as we read it, built from our own AST (`grader.mathml`
says why MathML)."""

from __future__ import annotations

from html import escape

from grader.kinds.expression.parse import (
    Call,
    Name,
    Negate,
    Node,
    Number,
    Power,
    Product,
    Sum,
    describe,
    shown_name,
)
from grader.mathml import math_element


def _mi(name: str) -> str:
    base, _, subscript = shown_name(name).partition("_")
    if subscript:
        return f"<msub><mi>{escape(base)}</mi><mi>{escape(subscript)}</mi></msub>"
    return f"<mi>{escape(base)}</mi>"


def _fenced(inner: str, opening: str = "(", closing: str = ")") -> str:
    return f"<mrow><mo>{opening}</mo>{inner}<mo>{closing}</mo></mrow>"


def _node(node: Node, context: float) -> str:
    if isinstance(node, Number):
        return f"<mn>{escape(node.text)}</mn>"
    if isinstance(node, Name):
        return _mi(node.name)
    if isinstance(node, Negate):
        inner = f"<mrow><mo>-</mo>{_node(node.operand, 3)}</mrow>"
        return _fenced(inner) if context > 2 else inner
    if isinstance(node, Sum):
        parts = [_node(node.terms[0][1], 1)]
        for sign, term in node.terms[1:]:
            parts.append(f"<mo>{sign}</mo>{_node(term, 2 if sign == '-' else 1)}")
        inner = "<mrow>" + "".join(parts) + "</mrow>"
        return _fenced(inner) if context > 1 else inner
    if isinstance(node, Product):
        top = _join([f for op, f in node.factors if op != "/"])
        bottom = [f for op, f in node.factors if op == "/"]
        if bottom:
            return f"<mfrac>{top}{_join(bottom)}</mfrac>"
        return _fenced(top) if context > 2.5 else top
    if isinstance(node, Power):
        return f"<msup>{_node(node.base, 4)}{_node(node.exponent, 0)}</msup>"
    if isinstance(node, Call):
        return _call(node)
    raise AssertionError(f"unknown node {node!r}")


def _call(node: Call) -> str:
    arguments = [_node(a, 0) for a in node.arguments]
    if node.function in ("sqrt", "√"):
        return f"<msqrt>{arguments[0]}</msqrt>"
    if node.function == "root":
        return f"<mroot>{arguments[0]}{arguments[1]}</mroot>"
    if node.function == "abs":
        return _fenced(arguments[0], "|", "|")
    inner = "<mo>,</mo>".join(arguments)
    return f"<mrow>{_mi(node.function)}{_fenced(inner)}</mrow>"


def _join(factors: list[Node]) -> str:
    if not factors:
        return "<mn>1</mn>"
    if len(factors) == 1:
        return _node(factors[0], 0)
    return "<mrow>" + "<mo>·</mo>".join(_node(f, 2.5) for f in factors) + "</mrow>"


def to_mathml(trees: tuple[Node, ...]) -> str:
    """One `<math>` element for an answer, an equation or a chain of working, its alt text
    the reading with every operator explicit (`2·x·sin(x)`)."""
    return math_element(
        "<mo>=</mo>".join(_node(tree, 0) for tree in trees),
        alttext=" = ".join(describe(tree) for tree in trees),
    )
