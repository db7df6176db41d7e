"""Presentation MathML for a matrix answer as we read it (`grader.mathml` says why MathML),
generated from our nodes: names the rubric declares, numbers we read, our operators."""

from __future__ import annotations

from html import escape

from grader.kinds.matrix.nodes import Node, describe
from grader.kinds.matrix.parse import MatrixAnswer
from grader.mathml import math_element

_TIGHT = {"sum": 1, "product": 2, "hadamard": 2}


def _name(name: str) -> str:
    base, _, subscript = name.partition("_")
    if subscript:
        return f"<msub><mi>{escape(base)}</mi><mi>{escape(subscript)}</mi></msub>"
    return f"<mi>{escape(base)}</mi>"


def _bracketed(node: Node, outer: int) -> str:
    inner = node_to_mathml(node)
    if _TIGHT.get(node.op, 9) <= outer:
        return f"<mrow><mo>(</mo>{inner}<mo>)</mo></mrow>"
    return inner


def _number(node: Node) -> str:
    value = node.value
    if value.denominator == 1:
        return f"<mn>{value.numerator}</mn>"
    return f"<mfrac><mn>{value.numerator}</mn><mn>{value.denominator}</mn></mfrac>"


def node_to_mathml(node: Node) -> str:
    op = node.op
    if op in ("matrix", "size"):
        return _name(node.name)
    if op == "number":
        return _number(node)
    if op == "ones":
        return f"<msub><mn>𝟏</mn>{_name(node.name)}</msub>" if node.name else "<mn>𝟏</mn>"
    if op == "identity":
        return "<mi>I</mi>"
    if op == "transpose":
        return f"<msup>{_bracketed(node.args[0], 8)}<mi>T</mi></msup>"
    if op == "inverse":
        return f"<msup>{_bracketed(node.args[0], 8)}<mrow><mo>-</mo><mn>1</mn></mrow></msup>"
    if op == "power":
        exponent = Node("number", value=node.value)
        return f"<msup>{_bracketed(node.args[0], 8)}<mrow>{_number(exponent)}</mrow></msup>"
    if op == "sqrt":
        return f"<mrow><mo>√</mo>{_bracketed(node.args[0], 8)}</mrow>"
    if op == "divide":
        return (
            f"<mfrac><mrow>{node_to_mathml(node.args[0])}</mrow>"
            f"<mrow>{node_to_mathml(node.args[1])}</mrow></mfrac>"
        )
    if op == "product":
        return "<mo>·</mo>".join(_bracketed(arg, 2) for arg in node.args)
    if op == "hadamard":
        return "<mo>⊙</mo>".join(_bracketed(arg, 2) for arg in node.args)
    if op == "sum":
        pieces = []
        for number, (sign, arg) in enumerate(zip(node.signs, node.args, strict=True)):
            if number or sign < 0:
                pieces.append(f"<mo>{'-' if sign < 0 else '+'}</mo>")
            pieces.append(_bracketed(arg, 1))
        return "".join(pieces)
    if op in ("apply", "softmax", "maximum"):
        name = {"softmax": "softmax", "maximum": "max"}.get(op, node.name)
        arguments = "<mo>,</mo>".join(node_to_mathml(arg) for arg in node.args)
        if op == "softmax" and node.axis == 0:
            arguments += "<mo>,</mo><mi>dim</mi><mo>=</mo><mn>0</mn>"
        return f"<mi>{escape(name)}</mi><mrow><mo>(</mo>{arguments}<mo>)</mo></mrow>"
    raise ValueError(f"unknown operation {op!r}")


def answer_to_mathml(answer: MatrixAnswer, loss: str = "L") -> str:
    """The answer as we read it, with its left side as we understood it (a gradient of the
    function the student wrote, else of `loss`, the question's)."""
    right = node_to_mathml(answer.expression)
    said = describe(answer.expression)  # the alt text: every operation explicit
    if answer.left is None:
        return math_element(right, alttext=said)
    if answer.left.kind == "gradient":
        left = (
            f"<mfrac><mrow><mo>∂</mo>{_name(answer.left.loss or loss)}</mrow><mrow><mo>∂</mo>"
            f"{_name(answer.left.name)}</mrow></mfrac>"
        )
    else:
        left = f"<mi>{escape(answer.left.name)}</mi>"
    said = f"{answer.left.describe(loss)} = {said}"
    return math_element(f"{left}<mo>=</mo>{right}", alttext=said)
