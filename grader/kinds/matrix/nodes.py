"""What a matrix expression is once read: one small node type, and its reading in words.

Every node is a `Node` with an operation name and its arguments, so that the checker can walk
and rewrite any expression the same way (`grader.kinds.matrix.check` builds the rewritings it
diagnoses with). Positions in the student's text are kept for error messages, but never
compared: two readings are equal when they say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy

# The operations, with what they need:
#   matrix (name)         a matrix, vector or scalar the rubric declares
#   size (name)           one of the question's sizes used as a number (√d_k)
#   number (value)        a rational number
#   ones (name), identity the ones vector (of the size `name`, when written 𝟏_N) and the
#                         identity, sized by what they meet (`size` is filled in once the
#                         shapes are known)
#   product (args)        a chain of factors: matrix products and scalar factors, in order
#   divide (args: a, s)   a divided by the scalar s
#   sum (args, signs)     a sum of terms, each with its sign
#   hadamard (args)       the elementwise product
#   transpose, inverse (one arg)
#   power (arg, value)    a scalar to a rational power
#   sqrt (arg)            the square root of a scalar
#   apply (name, arg)     an elementwise function: sigmoid, tanh, exp, relu
#   softmax (arg, axis)   softmax along rows (axis 1, each row sums to 1) or columns (axis 0)
#   maximum (args)        the elementwise maximum, such as max(0, Z)
ELEMENTWISE = ("sigmoid", "tanh", "exp", "relu")
MAX_NODES = 200  # nodes in one expression
MAX_DEPTH = 40


@dataclass(frozen=True)
class Node:
    op: str
    args: tuple[Node, ...] = ()
    name: str = ""
    value: Fraction | None = None
    axis: int = 1
    signs: tuple[int, ...] = ()
    size: sympy.Expr | None = None  # a ones vector's length, the identity's order, once known
    start: int = field(default=-1, compare=False)

    def with_args(self, args: tuple[Node, ...]) -> Node:
        return replace(self, args=args)


def matrix(name: str, start: int = -1) -> Node:
    return Node("matrix", name=name, start=start)


def transpose(node: Node) -> Node:
    """The transpose, cancelling a transpose already there."""
    if node.op == "transpose":
        return node.args[0]
    return Node("transpose", (node,), start=node.start)


def product(*factors: Node) -> Node:
    """A product of factors, flattening products within it."""
    flat: list[Node] = []
    for factor in factors:
        flat.extend(factor.args if factor.op == "product" else (factor,))
    return flat[0] if len(flat) == 1 else Node("product", tuple(flat))


def count_nodes(node: Node) -> int:
    return 1 + sum(count_nodes(arg) for arg in node.args)


def depth(node: Node) -> int:
    return 1 + max((depth(arg) for arg in node.args), default=0)


def walk(node: Node):
    """Every node of an expression, the node itself first."""
    yield node
    for arg in node.args:
        yield from walk(arg)


# --- Reading in words ------------------------------------------------------------------------

_PRECEDENCE = {"sum": 1, "product": 2, "divide": 2, "hadamard": 2}


def show_size(size: sympy.Expr) -> str:
    """A size as a student writes it: `d_k`, `N`, `2C`."""
    return sympy.sstr(size).replace("*", "").replace(" ", "")


def _wrapped(node: Node, outer: int) -> str:
    text = describe(node)
    return f"({text})" if _PRECEDENCE.get(node.op, 9) <= outer else text


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value}"


def describe(node: Node) -> str:
    """The expression with every operation explicit: `softmax(Q·Kᵀ / √d_k)·V`."""
    op = node.op
    if op in ("matrix", "size"):
        return node.name
    if op == "number":
        return _number(node.value)
    if op == "ones":
        return f"𝟏_{node.name}" if node.name else "𝟏"
    if op == "identity":
        return "I"
    if op == "transpose":
        return _wrapped(node.args[0], 8) + "ᵀ"
    if op == "inverse":
        return _wrapped(node.args[0], 8) + "⁻¹"
    if op == "power":
        return f"{_wrapped(node.args[0], 8)}^({_number(node.value)})"
    if op == "sqrt":
        inner = node.args[0]
        return "√" + (
            describe(inner) if inner.op in ("size", "number", "matrix") else f"({describe(inner)})"
        )
    if op == "product":
        return "·".join(_wrapped(arg, 2) for arg in node.args)
    if op == "divide":
        return f"{_wrapped(node.args[0], 1)} / {_wrapped(node.args[1], 2)}"
    if op == "hadamard":
        return " ⊙ ".join(_wrapped(arg, 2) for arg in node.args)
    if op == "sum":
        text = ""
        for number, (sign, arg) in enumerate(zip(node.signs, node.args, strict=True)):
            term = _wrapped(arg, 1)
            if number == 0:
                text = ("-" if sign < 0 else "") + term
            else:
                text += f" {'-' if sign < 0 else '+'} {term}"
        return text
    if op == "apply":
        return f"{node.name}({describe(node.args[0])})"
    if op == "softmax":
        over = "" if node.axis == 1 else ", over columns"
        return f"softmax({describe(node.args[0])}{over})"
    if op == "maximum":
        return "max(" + ", ".join(describe(arg) for arg in node.args) + ")"
    raise ValueError(f"unknown operation {op!r}")
