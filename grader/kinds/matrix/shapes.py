"""The shape of a matrix expression, from the shapes the rubric declares, or why it has none.

Shapes are worked out in the question's size symbols, so `V·softmax(Q·Kᵀ)` does not fit even
at sizes where d_v happens to equal N. The ones vector and the identity take their size from
what they meet (`𝟏ᵀ·G`: 𝟏 has N entries); `resolve` returns the expression with those sizes
filled in. A misfit is explained from the shapes: "Xᵀ is C×N and Gᵀ is D×N: they cannot be
multiplied."
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import sympy

from grader.kinds.matrix.nodes import Node, describe, show_size, walk

# A shape: () for a number, (rows, cols) for a matrix; a vector is a column (n, 1). A size
# not known yet (a ones vector's length) is None.
Shape = tuple
SCALAR: Shape = ()
ONE = sympy.Integer(1)


class ShapeMisfit(Exception):
    """Shapes that cannot fit; the message says why, in words."""


def sizes_in(shapes: Mapping[str, Shape], *expressions: Node) -> frozenset[str]:
    """The sizes the expressions depend on: those of their matrices' `shapes`, those written
    as numbers (√d_k) and the lengths of ones vectors (𝟏_N)."""
    used: set[str] = set()
    for expression in expressions:
        for node in walk(expression):
            if node.op == "matrix" and node.name in shapes:
                used.update(s.name for size in shapes[node.name] for s in size.free_symbols)
            elif node.op in ("size", "ones") and node.name:
                used.add(node.name)
    return frozenset(used)


def same_size(a: sympy.Expr | None, b: sympy.Expr | None) -> bool:
    return a is not None and b is not None and sympy.expand(a - b) == 0


def show_shape(shape: Shape) -> str:
    if shape == SCALAR:
        return "a number"
    rows, cols = (("?" if s is None else show_size(s)) for s in shape)
    return f"{rows}×{cols}"


def _is(node: Node, shape: Shape) -> str:
    if node.op == "ones" and shape[0] is None and same_size(shape[1], ONE):
        # `1 Xᵀ`: a column of ones, of whatever length would fit, not "?×1"
        return f"{describe(node)} is a column of ones (one column)"
    return f"{describe(node)} is {show_shape(shape)}"


class ShapeReader:
    """Shapes of expressions over the declared matrices (`declared`: name -> shape)."""

    def __init__(self, declared: Mapping[str, Shape], sizes: Mapping[str, sympy.Symbol]):
        self.declared = declared
        self.sizes = sizes  # the question's size symbols, for a ones vector's 𝟏_N

    def resolve(self, node: Node) -> tuple[Node, Shape]:
        """The expression with its ones vectors and identities sized, and its shape."""
        resolved, shape = self._shape(node)
        if None in shape:
            raise ShapeMisfit(
                f"the size of {_flexible_name(resolved)} in {describe(resolved)} cannot be told "
                "from what it multiplies."
            )
        return resolved, shape

    def _shape(self, node: Node) -> tuple[Node, Shape]:
        op = node.op
        if op == "matrix":
            return node, self.declared[node.name]
        if op in ("number", "size"):
            return node, SCALAR
        if op == "ones":
            if node.name and node.size is None:
                node = replace(node, size=self.sizes[node.name])
            return node, (node.size, ONE)
        if op == "identity":
            return node, (node.size, node.size)
        if op == "product":
            return self._product(node)
        args, shapes = self._all(node.args)
        node = node.with_args(tuple(args))
        if op == "transpose":
            (shape,) = shapes
            return node, shape[::-1]
        if op == "inverse":
            (shape,) = shapes
            if shape != SCALAR and not same_size(*shape):
                raise ShapeMisfit(f"{_is(args[0], shape)}: only a square matrix has an inverse.")
            return node, shape
        if op in ("power", "sqrt"):
            if shapes[0] != SCALAR:
                what = "a square root" if op == "sqrt" else "a power"
                raise ShapeMisfit(
                    f"{_is(args[0], shapes[0])}: {what} is taken of a number here; write a "
                    "product of matrices as a product."
                )
            return node, SCALAR
        if op == "divide":
            if shapes[1] != SCALAR:
                raise ShapeMisfit(
                    f"{_is(args[1], shapes[1])}: a matrix cannot be divided by a matrix "
                    "(multiply by its inverse)."
                )
            return node, shapes[0]
        if op == "apply":
            return node, shapes[0]
        if op == "softmax":
            if shapes[0] == SCALAR:
                raise ShapeMisfit(f"{describe(args[0])} is a number: softmax acts on a matrix.")
            return node, shapes[0]
        if op in ("sum", "hadamard", "maximum"):
            return self._elementwise(node, args, shapes)
        raise ValueError(f"unknown operation {op!r}")

    def _all(self, nodes: tuple[Node, ...]) -> tuple[list[Node], list[Shape]]:
        pairs = [self._shape(n) for n in nodes]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def _product(self, node: Node) -> tuple[Node, Shape]:
        """Left to right: numbers scale, matrices multiply (the inner sizes must agree)."""
        factors: list[Node] = []
        shape: Shape = SCALAR
        last = None  # the index of the last matrix factor
        for factor in node.args:
            factor, factor_shape = self._shape(factor)
            if factor_shape == SCALAR:
                factors.append(factor)
                continue
            if shape == SCALAR:
                shape, last = factor_shape, len(factors)
                factors.append(factor)
                continue
            inner_left, inner_right = shape[1], factor_shape[0]
            if inner_left is None and inner_right is not None:
                factors[last], settled = settle(factors[last], (shape[0], inner_right))
                shape = (settled[0] if shape[0] is None else shape[0], inner_right)
            elif inner_right is None and inner_left is not None:
                factor, factor_shape = settle(factor, (inner_left, factor_shape[1]))
            elif not same_size(inner_left, inner_right):
                so_far = factors[0] if len(factors) == 1 else Node("product", tuple(factors))
                if inner_left is None:
                    raise ShapeMisfit(
                        f"the sizes of {describe(so_far)} and {describe(factor)} cannot be told."
                    )
                raise ShapeMisfit(
                    f"{_is(so_far, shape)} and {_is(factor, factor_shape)}: they cannot be "
                    "multiplied."
                )
            shape, last = (shape[0], factor_shape[1]), len(factors)
            factors.append(factor)
        return node.with_args(tuple(factors)), shape

    def _elementwise(self, node: Node, args: list[Node], shapes: list[Shape]) -> tuple[Node, Shape]:
        """A sum, ⊙ or max: the same shape throughout; a number beside matrices stands for
        itself in every entry, as in 1 - σ(Z) and max(0, Z)."""
        known = next((s for s in shapes if s != SCALAR and None not in s), None)
        if known is None:
            known = next((s for s in shapes if s != SCALAR), SCALAR)
        settled = []
        for arg, shape in zip(args, shapes, strict=True):
            if shape != SCALAR and None in shape and None not in known:
                arg, shape = settle(arg, known)
            if shape != SCALAR and not all(
                same_size(a, b) for a, b in zip(shape, known, strict=False)
            ):
                first = next(a for a, s in zip(args, shapes, strict=True) if s == known)
                verb = {"sum": "added", "hadamard": "multiplied entry by entry"}.get(
                    node.op, "compared entry by entry"
                )
                raise ShapeMisfit(
                    f"{_is(first, known)} and {_is(arg, shape)}: they cannot be {verb}."
                )
            settled.append(arg)
        return node.with_args(tuple(settled)), known


def settle(node: Node, shape: Shape) -> tuple[Node, Shape]:
    """Give a ones vector or identity in `node` the size that `shape` (what it must be) says."""
    op = node.op
    rows, cols = shape
    if op == "ones" and same_size(cols, ONE) and rows is not None:
        return replace(node, size=rows), shape
    if op == "identity":
        size = rows if rows is not None else cols
        if size is not None and (rows is None or cols is None or same_size(rows, cols)):
            return replace(node, size=size), (size, size)
    if op == "transpose":
        inner, inner_shape = settle(node.args[0], (cols, rows))
        return node.with_args((inner,)), inner_shape[::-1]
    if op == "product":
        matrices = [k for k, a in enumerate(node.args) if a.op not in ("number", "size")]
        if len(matrices) == 1:
            k = matrices[0]
            inner, inner_shape = settle(node.args[k], shape)
            return node.with_args((*node.args[:k], inner, *node.args[k + 1 :])), inner_shape
    raise ShapeMisfit(f"the size of {_flexible_name(node)} in {describe(node)} cannot be told.")


def _flexible_name(node: Node) -> str:
    for sub in walk(node):
        if sub.op in ("ones", "identity") and sub.size is None:
            return "the ones vector 𝟏" if sub.op == "ones" else "the identity I"
    return describe(node)


def entrywise_powers(
    node: Node, declared: Mapping[str, Shape], sizes: Mapping[str, sympy.Symbol]
) -> tuple[Node, tuple[str, ...]]:
    """`h^2` of a vector h read as h ⊙ h, the square of each entry, as answers write it
    (`W^T ((1 - h^2) ⊙ g)`), with a note for each; a whole power of a number stays a power,
    and one of a matrix stays a misfit (only a square matrix has powers, a product)."""
    notes: list[str] = []

    def rewrite(current: Node) -> Node:
        current = current.with_args(tuple(rewrite(arg) for arg in current.args))
        value = current.value
        if current.op != "power" or value is None or value.denominator != 1 or value < 2:
            return current
        (base,) = current.args
        try:
            _, shape = ShapeReader(declared, sizes)._shape(base)
        except ShapeMisfit:
            return current
        if shape == SCALAR or None in shape or ONE not in shape or shape == (ONE, ONE):
            return current
        squared = base
        for _ in range(int(value) - 1):
            squared = Node("hadamard", (squared, base), start=current.start)
        shown = describe(base)
        notes.append(
            f"read {describe(current)}, a power of the vector {shown}, entry by entry: "
            f"{describe(squared)}"
        )
        return squared

    return rewrite(node), tuple(notes)
