"""Evaluate a matrix expression on random matrices, to compare two expressions by their values.

Each point is one of the rubric's size sets with matrices of random entries drawn from a
generator seeded by the point's number, so every run draws the same matrices and a verdict
never depends on chance. Two draws at each of the size sets are compared; matrices are at most
50×50 (the rubric's sizes are at most 50), so a point costs little.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import sympy

from grader.kinds.matrix.nodes import Node
from grader.kinds.matrix.shapes import SCALAR, Shape, ShapeMisfit, ShapeReader
from grader.lazy_import import lazy_import
from grader.model import Context, SizeSets

if TYPE_CHECKING:
    from grader.kinds.matrix.rubric import MatrixSpec

np = lazy_import("numpy")  # imported when a matrix is first checked

DRAWS = 2  # random draws at each size set
RELATIVE_TOLERANCE = 1e-7
# Past it, a matrix is singular up to rounding and its inverse is noise. A random matrix of the
# rubric's sizes is conditioned far below it; a singular one (WᵀW with W wider than tall) is
# at 1e16 and more.
CONDITION_LIMIT = 1e12


class NotComparable(Exception):
    """The value is not a finite number everywhere (an overflow, a singular matrix)."""


@dataclass(frozen=True)
class Point:
    """One place to evaluate at: the sizes, and a value for every declared matrix."""

    sizes: dict[str, int]
    values: dict[str, np.ndarray | float]
    substitution: dict[sympy.Symbol, int]

    def size(self, expr: sympy.Expr) -> int:
        return int(expr.subs(self.substitution))

    def show_sizes(self, only: frozenset[str] | None = None) -> str:
        """The sizes, `only` those named there when given, in the rubric's order."""
        return ", ".join(
            f"{name}={value}" for name, value in self.sizes.items() if only is None or name in only
        )


def points(
    declared: tuple[tuple[str, Shape], ...],
    size_sets: SizeSets,
    symbols: Mapping[str, sympy.Symbol],
) -> tuple[Point, ...]:
    """The points every answer of an item is evaluated at."""
    return _points(declared, size_sets, tuple(symbols.items()))


@lru_cache(maxsize=64)
def _points(declared, size_sets, symbols) -> tuple[Point, ...]:
    table = dict(symbols)
    result = []
    for set_number, sizes in enumerate(size_sets):
        substitution = {table[name]: value for name, value in sizes if name in table}
        for draw in range(DRAWS):
            generator = np.random.default_rng([set_number, draw])
            values: dict[str, np.ndarray | float] = {}
            for name, shape in declared:
                if shape == SCALAR:
                    values[name] = np.float64(generator.normal())
                else:
                    dims = tuple(int(d.subs(substitution)) for d in shape)
                    values[name] = generator.normal(size=dims)
            result.append(Point(dict(sizes), values, substitution))
    return tuple(result)


def _softmax(value: np.ndarray, axis: int) -> np.ndarray:
    shifted = value - value.max(axis=axis, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / exponentials.sum(axis=axis, keepdims=True)


_FUNCTIONS = {
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
    "tanh": lambda v: np.tanh(v),
    "exp": lambda v: np.exp(v),
    "relu": lambda v: np.maximum(v, 0.0),
}


def evaluate(node: Node, point: Point) -> np.ndarray | float:
    """The value of a resolved expression (shapes fit, sizes filled in) at `point`."""
    with np.errstate(all="ignore"):
        value = _value(node, point)
    if not np.all(np.isfinite(value)):
        raise NotComparable("the value is not finite")
    return value


def _value(node: Node, point: Point):
    op = node.op
    if op == "matrix":
        return point.values[node.name]
    # Numbers are numpy's, so that a division by zero gives inf (not comparable), not an error.
    if op == "size":
        return np.float64(point.sizes[node.name])
    if op == "number":
        return np.float64(node.value.numerator) / np.float64(node.value.denominator)
    if op == "ones":
        return np.ones((point.size(node.size), 1))
    if op == "identity":
        return np.eye(point.size(node.size))
    args = [_value(a, point) for a in node.args]
    if op == "product":
        result = args[0]
        for arg in args[1:]:
            both = np.ndim(result) == 2 and np.ndim(arg) == 2
            result = result @ arg if both else result * arg
        return result
    if op == "divide":
        return args[0] / args[1]
    if op == "sum":
        total = 0.0
        for sign, arg in zip(node.signs, args, strict=True):
            total = total + sign * arg
        return total
    if op == "hadamard":
        return args[0] * args[1]
    if op == "transpose":
        return np.transpose(args[0]) if np.ndim(args[0]) == 2 else args[0]
    if op == "inverse":
        return inverse(args[0]) if np.ndim(args[0]) == 2 else np.float64(1.0) / args[0]
    if op == "power":
        exponent = np.float64(node.value.numerator) / np.float64(node.value.denominator)
        return np.power(args[0], exponent) if args[0] >= 0 else np.float64("nan")
    if op == "sqrt":
        return np.sqrt(args[0]) if args[0] >= 0 else np.float64("nan")
    if op == "apply":
        return _FUNCTIONS[node.name](args[0])
    if op == "softmax":
        return _softmax(args[0], node.axis)
    if op == "maximum":
        return np.maximum(args[0], args[1])
    raise ValueError(f"unknown operation {op!r}")


def inverse(matrix) -> np.ndarray:
    """The inverse of a square matrix; NotComparable when it is singular, exactly or up to
    rounding. LAPACK refuses only a pivot that is exactly zero, which depends on the machine's
    BLAS: the inverse of a singular WᵀW was an error on one machine and entries of 1e15 on
    another (2026-12-06), and so the verdict on an answer."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            condition = np.linalg.cond(matrix)
        if not condition <= CONDITION_LIMIT:  # NaN and infinity too
            raise NotComparable("a matrix to invert is singular")
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError as error:
        raise NotComparable("a matrix to invert is singular") from error


def as_matrix(value) -> np.ndarray:
    return np.atleast_2d(np.asarray(value, dtype=float))


def close(first, second) -> bool:
    """Whether two values are the same matrix, up to rounding; a vector may stand either way
    (a row 𝟏ᵀG and a column Gᵀ𝟏 are the same vector of sums)."""
    a, b = as_matrix(first), as_matrix(second)
    if a.shape != b.shape:
        if 1 in a.shape and 1 in b.shape and a.size == b.size:
            a, b = a.reshape(-1), b.reshape(-1)
        else:
            return False
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return bool(np.allclose(a, b, rtol=RELATIVE_TOLERANCE, atol=RELATIVE_TOLERANCE * scale))


@dataclass(frozen=True)
class Evaluated:
    """An expression with its sizes filled in and its values at every point, or why not."""

    node: Node
    shape: Shape | None = None
    values: tuple | None = None  # one value per point
    misfit: str | None = None  # why the shapes do not fit
    not_comparable: str | None = None  # why its values cannot be compared


def evaluated(node: Node, spec: MatrixSpec, context: Context) -> Evaluated:
    return _evaluated(node, spec, context.size_sets, tuple(context.symbol_table.items()))


@lru_cache(maxsize=256)  # at most 50×50 values at four points each: 20 MB at worst
def _evaluated(node, spec, size_sets, symbols) -> Evaluated:
    try:
        resolved, shape = ShapeReader(dict(spec.declared), dict(symbols)).resolve(node)
    except ShapeMisfit as misfit:
        return Evaluated(node, misfit=str(misfit))
    try:
        values = tuple(
            evaluate(resolved, point) for point in points(spec.declared, size_sets, dict(symbols))
        )
    except NotComparable as reason:
        return Evaluated(resolved, shape, not_comparable=str(reason))
    return Evaluated(resolved, shape, values)
