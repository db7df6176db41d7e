"""Decide whether a matrix answer equals the reference, and say why not.

Two expressions are equal when they have the same shape and the same values on random
matrices at every point (`grader.kinds.matrix.evaluate`): `XW` is not `WX`, and `(AB)ᵀ` is
`BᵀAᵀ`. A wrong answer is diagnosed by small rewritings: when one rewriting of the student's
answer (its transpose, its factors in another order, ⊙ for a product, the softmax over the
other axis, a factor moved out of the softmax) or of the reference (without its scalar, with
another scalar, with the student's scale inside its softmax) equals the other, that rewriting
names the mistake; the reference's are tried first, so a wrong scale is named as one. An
answer whose shapes do not fit is explained from the shapes, and the rewritings that would
make it fit are tried too.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from grader.kinds.base import DiagnosisNames
from grader.kinds.matrix.evaluate import Evaluated, as_matrix, close, evaluated, points
from grader.kinds.matrix.left import Left
from grader.kinds.matrix.nodes import Node, describe, product, transpose, walk
from grader.kinds.matrix.parse import MatrixAnswer
from grader.kinds.matrix.rubric import MatrixSpec, names_answer, target_name
from grader.kinds.matrix.shapes import show_shape, sizes_in
from grader.lazy_import import lazy_import
from grader.model import Context, Diagnosis, Item, Misconception

np = lazy_import("numpy")  # imported when a matrix is first checked

MAX_REWRITINGS = 160  # rewritings tried for one answer
MAX_PERMUTED = 4  # factors of a product whose orders are all tried

DIAGNOSES = DiagnosisNames()


@dataclass(frozen=True)
class MatrixCheck:
    """What the check found; `grader.kinds.matrix.score` turns it into a result."""

    equivalent: bool
    comparable: bool = True  # False: the values could not be compared, a person decides
    misconception: Misconception | None = None
    misconception_index: int | None = None
    findings: tuple[Diagnosis, ...] = ()
    diagnosis: str | None = None  # the main finding: a rewriting's, else the first's
    left_problem: str | None = None  # the left side names something else
    group: str | None = None  # equal for answers with equal values


def _same(first: Evaluated, second: Evaluated) -> bool:
    if first.values is None or second.values is None:
        return False
    return all(close(a, b) for a, b in zip(first.values, second.values, strict=True))


def fingerprint(value: Evaluated) -> str | None:
    """A name for what an expression's values are: equal for answers that are equal."""
    if value.values is None:
        return None
    digest = hashlib.sha256()
    for one in value.values:
        matrix = as_matrix(one)
        if 1 in matrix.shape:
            matrix = matrix.reshape(-1)  # a vector, whichever way it stands
        digest.update(repr(matrix.shape).encode())
        digest.update(np.round(matrix, 6).astype(float).tobytes() + b"|")
    return "matrix:" + digest.hexdigest()[:16]


def left_problem(left: Left | None, spec: MatrixSpec) -> str | None:
    """What is wrong with the left side the student wrote, if anything: it names another
    matrix than the answer (`names_answer`); dE/dW for ∂L/∂W was read as ∂L/∂W before,
    unless E is one of the question's names (`grader.kinds.matrix.rubric.read_matrix`)."""
    if left is None or names_answer(left, spec):
        return None
    named = left.describe(spec.loss)
    return f"Your left side names {named}, but this item asks for {target_name(spec)}."


# --- Rewritings ------------------------------------------------------------------------------


def _places(node: Node, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Node]]:
    yield path, node
    for k, arg in enumerate(node.args):
        yield from _places(arg, (*path, k))


def _replace(node: Node, path: tuple[int, ...], new: Node) -> Node:
    if not path:
        return new
    k = path[0]
    args = list(node.args)
    args[k] = _replace(args[k], path[1:], new)
    if node.op == "product":
        return product(*args)
    return node.with_args(tuple(args))


def _scalar(node: Node) -> bool:
    return node.op in ("number", "size", "sqrt", "power")


Rewriting = tuple[Diagnosis, Node]  # what the rewriting undoes or makes, and its result


# The near misses: each a rewriting that undoes one typical mistake, told as that rewriting
# (`the answer needs G·Wᵀ`), so its message names the answer by design.
NEAR_MISSES = (
    "transposed",
    "factor_order",
    "softmax_axis",
    "inside_softmax",
    "scalar_extra",
    "elementwise_product",
    "matrix_product",
    "transpose_misplaced",
)


@DIAGNOSES.produces(*NEAR_MISSES)
def _student_rewritings(answer: Node, target: str, shapes: str = "") -> Iterator[Rewriting]:
    """Rewritings of the student's answer, each undoing one typical mistake (`shapes` says how
    the answer's shape and the target's differ, if they do)."""
    yield (
        DIAGNOSES.make(
            "transposed",
            f"Your answer is the transpose of {target}{shapes}: transposing it gives the answer.",
        ),
        transpose(answer),
    )
    places = list(_places(answer))
    for path, node in places:
        if node.op == "product" and 2 <= len(node.args) <= MAX_PERMUTED:
            for order in itertools.permutations(node.args):
                if order != node.args:
                    new = product(*order)
                    yield (
                        DIAGNOSES.make(
                            "factor_order",
                            f"The factors of {describe(node)} are in the wrong order: the answer "
                            f"needs {describe(new)}.",
                        ),
                        _replace(answer, path, new),
                    )
            flipped = product(*(a if _scalar(a) else transpose(a) for a in reversed(node.args)))
            if flipped != node:
                yield (
                    DIAGNOSES.make(
                        "factor_order",
                        f"{describe(node)} is the transpose of {describe(flipped)}, which the "
                        "answer needs: its factors are in the wrong order.",
                    ),
                    _replace(answer, path, flipped),
                )
    for path, node in places:
        if node.op == "softmax":
            other = Node("softmax", node.args, axis=1 - node.axis)
            # Told of the student's own softmax: which lines of its argument it makes sum to
            # 1, and which the answer needs (a transpose around it, softmax(K·Qᵀ)ᵀ, swaps
            # what "row" means for the reference's Q·Kᵀ, so the reference is not named).
            mine, needed = ("row", "column") if node.axis == 1 else ("column", "row")
            yield (
                DIAGNOSES.make(
                    "softmax_axis",
                    f"Your softmax runs over the wrong axis: it makes each {mine} of "
                    f"{describe(node.args[0])} sum to 1, where the answer needs each {needed} "
                    f"of it to sum to 1, as in {describe(other)}.",
                ),
                _replace(answer, path, other),
            )
            moved = _out_of_softmax(node)
            if moved is not None:
                factor, new = moved
                yield (
                    DIAGNOSES.make(
                        "inside_softmax",
                        f"{describe(factor)} is inside the softmax, but it belongs outside: the "
                        f"softmax's weights multiply {describe(factor)}, as in {describe(new)}.",
                    ),
                    _replace(answer, path, new),
                )
    for path, node in places:
        if node.op == "divide" and _scalar(node.args[1]):
            yield (
                DIAGNOSES.make(
                    "scalar_extra",
                    f"Your answer divides by {describe(node.args[1])}, which the answer does not.",
                ),
                _replace(answer, path, node.args[0]),
            )
        if node.op == "product":
            for k, factor in enumerate(node.args):
                if _scalar(factor):
                    rest = node.args[:k] + node.args[k + 1 :]
                    yield (
                        DIAGNOSES.make(
                            "scalar_extra",
                            f"Your answer multiplies by {describe(factor)}, which the answer "
                            "does not.",
                        ),
                        _replace(answer, path, product(*rest)),
                    )
    for path, node in places:
        if node.op == "hadamard":
            new = product(*node.args)
            yield (
                DIAGNOSES.make(
                    "elementwise_product",
                    f"{describe(node)} multiplies entry by entry (⊙) where the answer needs the "
                    f"matrix product {describe(new)}.",
                ),
                _replace(answer, path, new),
            )
        if node.op == "product" and len(node.args) == 2 and not any(map(_scalar, node.args)):
            new = Node("hadamard", node.args)
            yield (
                DIAGNOSES.make(
                    "matrix_product",
                    f"{describe(node)} is a matrix product where the answer multiplies entry "
                    f"by entry: {describe(new)}.",
                ),
                _replace(answer, path, new),
            )
    for path, node in places:
        if node.op == "matrix":
            new = transpose(node)
        elif node.op == "transpose" and node.args[0].op == "matrix":
            new = node.args[0]
        else:
            continue
        yield (
            DIAGNOSES.make(
                "transpose_misplaced",
                f"A transpose is misplaced: the answer needs {describe(new)} where you wrote "
                f"{describe(node)}.",
            ),
            _replace(answer, path, new),
        )


def _out_of_softmax(node: Node) -> tuple[Node, Node] | None:
    """softmax(S·V) → softmax(S)·V (with a scale of S kept inside): the last matrix factor of
    the softmax's argument moved out of it, and what it then reads."""
    argument = node.args[0]
    scale = None
    if argument.op == "divide":
        argument, scale = argument.args
    if argument.op != "product" or len(argument.args) < 2 or _scalar(argument.args[-1]):
        return None
    factor = argument.args[-1]
    inside = product(*argument.args[:-1])
    if scale is not None:
        inside = Node("divide", (inside, scale))
    return factor, product(Node("softmax", (inside,), axis=node.axis), factor)


@DIAGNOSES.produces("scalar_missing", "scalar_wrong")
def _reference_rewritings(reference: Node) -> Iterator[Rewriting]:
    """Rewritings of the reference, each making a typical mistake with its scalar."""
    for path, node in _places(reference):
        if node.op == "divide" and _scalar(node.args[1]):
            body, scale = node.args
            yield (
                DIAGNOSES.make(
                    "scalar_missing",
                    f"Your answer leaves out the division by {describe(scale)}.",
                ),
                _replace(reference, path, body),
            )
            yield (
                DIAGNOSES.make(
                    "scalar_wrong",
                    f"Your answer multiplies by {describe(scale)} where the answer divides by it.",
                ),
                _replace(reference, path, product(body, scale)),
            )
            if scale.op == "sqrt":
                under = scale.args[0]
                yield (
                    DIAGNOSES.make(
                        "scalar_wrong",
                        f"Your answer divides by {describe(under)} where the answer divides by "
                        f"{describe(scale)}.",
                    ),
                    _replace(reference, path, Node("divide", (body, under))),
                )
            else:
                root = Node("sqrt", (scale,))
                yield (
                    DIAGNOSES.make(
                        "scalar_wrong",
                        f"Your answer divides by {describe(root)} where the answer divides by "
                        f"{describe(scale)}.",
                    ),
                    _replace(reference, path, Node("divide", (body, root))),
                )
        if node.op == "product":
            for k, factor in enumerate(node.args):
                if _scalar(factor):
                    rest = node.args[:k] + node.args[k + 1 :]
                    yield (
                        DIAGNOSES.make(
                            "scalar_missing",
                            f"Your answer leaves out the factor {describe(factor)}.",
                        ),
                        _replace(reference, path, product(*rest)),
                    )


# Operations of an expression in the sizes and numbers alone: a scale (2/√d_k, 1/N).
_SCALE_OPS = frozenset({"number", "size", "sqrt", "power", "product", "divide", "sum"})


def _in_sizes(node: Node) -> bool:
    return all(n.op in _SCALE_OPS for n in walk(node))


def _scaled(node: Node) -> tuple[Node, tuple[Node, ...], tuple[Node, ...]]:
    """`node` as (what is scaled, the scalars it is multiplied by, those it is divided by):
    2·Q·Kᵀ / √d_k is (Q·Kᵀ, (2,), (√d_k,))."""
    if node.op == "divide" and _in_sizes(node.args[1]):
        body, up, down = _scaled(node.args[0])
        return body, up, (*down, node.args[1])
    if node.op == "product":
        rest = [a for a in node.args if not _in_sizes(a)]
        if rest and len(rest) < len(node.args):
            body, up, down = _scaled(product(*rest))
            return body, (*(a for a in node.args if _in_sizes(a)), *up), down
    return node, (), ()


def _scale(up: tuple[Node, ...], down: tuple[Node, ...]) -> Node:
    """The scale multiplying by `up` and dividing by `down`, as one expression."""
    top = product(*up) if up else Node("number", value=Fraction(1))
    return Node("divide", (top, product(*down))) if down else top


def _scale_of(node: Node) -> tuple[tuple[Node, ...], tuple[Node, ...]]:
    """The scalars `node` multiplies and divides what it scales by (`_scaled`); a sum of terms
    each a scale times one body (Q·Kᵀ/√d_k + Q·Kᵀ/√d_k) is that body times the sum of their
    scales, 2/√d_k where the scales are alike: the same matrix, whichever way it is written.
    Whether the bodies are alike is for the values to tell (the rewriting is held against
    the student's matrix)."""
    if node.op != "sum":
        return _scaled(node)[1:]
    scales = [_scaled(term)[1:] for term in node.args]
    if all(sign > 0 for sign in node.signs) and all(scale == scales[0] for scale in scales):
        up, down = scales[0]
        return (Node("number", value=Fraction(len(scales))), *up), down
    terms = tuple(_scale(up, down) for up, down in scales)
    return (Node("sum", terms, signs=node.signs),), ()


@DIAGNOSES.produces("scalar_wrong")
def _softmax_scale_rewritings(reference: Node, answer: Node) -> Iterator[Rewriting]:
    """The reference with the scale inside its softmax replaced by the one inside the
    student's softmax (2/√d_k, 1/√d_v, 1/N for 1/√d_k): any scale in the sizes or a number,
    where `_reference_rewritings` tries only those built from the reference's own."""
    for path, node in _places(reference):
        if node.op != "softmax":
            continue
        body, up, down = _scaled(node.args[0])
        for theirs in walk(answer):
            if theirs.op != "softmax" or theirs.axis != node.axis:
                continue
            their_up, their_down = _scale_of(theirs.args[0])
            if not (their_up or their_down) or (their_up, their_down) == (up, down):
                continue  # no scale is scalar_missing's
            inside = product(*their_up, body)
            if their_down:
                inside = Node("divide", (inside, product(*their_down)))
            yield (
                DIAGNOSES.make(
                    "scalar_wrong",
                    f"Inside the softmax, your answer scales {describe(body)} by "
                    f"{describe(_scale(their_up, their_down))}, where the answer scales it by "
                    f"{describe(_scale(up, down))}; the rest of your answer is right.",
                ),
                _replace(reference, path, node.with_args((inside,))),
            )


MAX_DENOMINATOR = 12  # a multiple of the answer named as a number: 2, 1/2, -3/4


def _multiple(student: Evaluated, reference: Evaluated) -> Fraction | None:
    """The number c (not 0 or 1) where the student's values are c times the reference's at
    every point, however the answer is written: 2·Xᵀ·G, Xᵀ·G + Xᵀ·G and Xᵀ·G / (1/2) are one
    matrix, so one finding. The sizes differ between the points, so a scale in the sizes (N)
    is not taken for a number."""
    pairs = []
    for mine, right in zip(student.values, reference.values, strict=True):
        a, b = as_matrix(mine), as_matrix(right)
        if a.shape != b.shape:
            if not (1 in a.shape and 1 in b.shape and a.size == b.size):
                return None
            a, b = a.reshape(-1), b.reshape(-1)
        pairs.append((a, b))
    bottom = sum(float(np.sum(b * b)) for _, b in pairs)
    if bottom == 0.0:
        return None
    ratio = sum(float(np.sum(a * b)) for a, b in pairs) / bottom
    number = Fraction(ratio).limit_denominator(MAX_DENOMINATOR)
    if number in (0, 1) or not all(close(a, float(number) * b) for a, b in pairs):
        return None
    return number


@DIAGNOSES.produces("scalar_extra")
def _multiple_finding(number: Fraction, target: str) -> Diagnosis:
    """What an answer that is `number` times the reference is told (`_multiple`)."""
    if number == -1:
        return DIAGNOSES.make(
            "scalar_extra", f"Your answer is −1 times {target}: its sign is the other way round."
        )
    shown = ("−" if number < 0 else "") + describe(Node("number", value=abs(number)))
    return DIAGNOSES.make(
        "scalar_extra", f"Your answer is {shown} times {target}, a factor the answer does not have."
    )


# --- The check -------------------------------------------------------------------------------


def sizes_of(spec: MatrixSpec, *expressions: Node) -> frozenset[str]:
    """The sizes the expressions depend on (`sizes_in` the item's declared shapes)."""
    return sizes_in(dict(spec.declared), *expressions)


@DIAGNOSES.produces("shape", "different")
def _plain_difference(
    student: Evaluated, reference: Evaluated, target: str, sizes: str
) -> Diagnosis:
    """No rewriting explains it: a shape that differs, or where the values differ."""
    if student.misfit is not None:
        return DIAGNOSES.make("shape", f"The shapes do not fit: {student.misfit}")
    mine, right = as_matrix(student.values[0]), as_matrix(reference.values[0])
    vectors = 1 in mine.shape and 1 in right.shape and mine.size == right.size
    if mine.shape != right.shape and not vectors:
        return DIAGNOSES.make(
            "shape",
            f"Your answer is {show_shape(student.shape)}, but {target} is "
            f"{show_shape(reference.shape)}.",
        )
    if mine.shape != right.shape:
        mine, right = mine.reshape(-1, 1), right.reshape(-1, 1)
    difference = np.abs(mine - right)
    row, col = np.unravel_index(int(np.argmax(difference)), difference.shape)
    return DIAGNOSES.make(
        "different",
        f"With {sizes + ' and ' if sizes else ''}random entries, your answer differs from "
        f"{target}: its entry ({row + 1},{col + 1}) is {mine[row, col]:.3g}, where the "
        f"answer's is {right[row, col]:.3g}.",
    )


def _first_match(
    rewritings: Iterator[Rewriting], other: Evaluated, spec: MatrixSpec, context: Context
) -> Rewriting | None:
    for tried, rewriting in enumerate(rewritings):
        if tried >= MAX_REWRITINGS:
            return None
        if _same(evaluated(rewriting[1], spec, context), other):
            return rewriting
    return None


@DIAGNOSES.produces("other_item")
def _other_item(item: Item, student: Evaluated, context: Context) -> Diagnosis | None:
    """The answer of another matrix item of the question over the same matrices (∂L/∂X given
    for ∂L/∂W), said as such."""
    declared = dict(item.spec.declared)
    for other in context.items:
        if other.id == item.id or not isinstance(other.spec, MatrixSpec) or not other.reference:
            continue
        expression = other.reference.expression
        if any(n.op == "matrix" and n.name not in declared for n in walk(expression)):
            continue
        if _same(student, evaluated(expression, item.spec, context)):
            where = f"part ({other.part})" if other.part != item.part else other.id
            return DIAGNOSES.make(
                "other_item",
                f"Your answer is {target_name(other.spec)}, the answer to {where}, not "
                f"{target_name(item.spec)}.",
            )
    return None


def check_matrix(item: Item, answer: MatrixAnswer, context: Context) -> MatrixCheck:
    spec: MatrixSpec = item.spec
    reference = evaluated(item.reference.expression, spec, context)
    student = evaluated(answer.expression, spec, context)
    target = target_name(spec)
    problem = left_problem(answer.left, spec)
    group = fingerprint(student)
    if student.not_comparable is not None:
        return MatrixCheck(False, comparable=False, left_problem=problem)
    if student.misfit is None and _same(student, reference):
        return MatrixCheck(True, left_problem=problem, group=group)
    for index, rule in enumerate(item.misconceptions):
        if rule.reading is None:
            continue
        theirs = evaluated(rule.reading.expression, spec, context)
        if (theirs.misfit is None and _same(student, theirs)) or (
            theirs.misfit is not None and rule.reading.reading == answer.reading
        ):
            return MatrixCheck(
                False,
                misconception=rule,
                misconception_index=index,
                left_problem=problem,
                group=group,
            )
    other = _other_item(item, student, context) if student.misfit is None else None
    if other is not None:
        return MatrixCheck(
            False, findings=(other,), diagnosis=other.kind, left_problem=problem, group=group
        )
    shapes = ""
    if student.misfit is None and student.shape != reference.shape:
        shapes = f" (yours is {show_shape(student.shape)}, {target} {show_shape(reference.shape)})"
    # The reference with another scale first: an answer that is the reference but for its
    # scale has the scale wrong (2·Q·Kᵀ / √d_k), not merely an extra factor 2 (scalar_extra).
    found = None
    if student.misfit is None:
        reference_expression = item.reference.expression
        found = _first_match(
            itertools.chain(
                _reference_rewritings(reference_expression),
                _softmax_scale_rewritings(reference_expression, answer.expression),
            ),
            student,
            spec,
            context,
        )
    if found is None and student.misfit is None:
        # Before the rewritings of the answer as written: the same matrix, however written,
        # is told the same (2·Xᵀ·G and Xᵀ·G + Xᵀ·G both twice the answer).
        number = _multiple(student, reference)
        if number is not None:
            found = (_multiple_finding(number, target), answer.expression)
    if found is None:
        rewritings = _student_rewritings(answer.expression, target, shapes)
        found = _first_match(rewritings, reference, spec, context)
    first_point = points(spec.declared, context.size_sets, context.symbol_table)[0]
    findings = []
    if student.misfit is not None or found is None:
        used = sizes_of(spec, answer.expression, item.reference.expression)
        sizes = first_point.show_sizes(used)
        findings.append(_plain_difference(student, reference, target, sizes))
        if student.misfit is None and shapes:
            # 2·Gᵀ·X: told its shape, and that it is twice the transpose (either alone is
            # not the answer, so no rewriting of one mistake finds it)
            flipped = evaluated(transpose(answer.expression), spec, context)
            number = _multiple(flipped, reference)
            if number is not None:
                findings.append(_multiple_finding(number, f"the transpose of {target}"))
    if found is not None:
        findings.append(found[0])
    return MatrixCheck(
        False,
        findings=tuple(findings),
        diagnosis=found[0].kind if found is not None else findings[0].kind,
        left_problem=problem,
        group=group,
    )


def same_answer(first: MatrixAnswer, second: MatrixAnswer, spec: MatrixSpec, context) -> bool:
    """Whether two readings are the same answer: equal values, or (where the shapes do not
    fit) the same reading."""
    a = evaluated(first.expression, spec, context)
    b = evaluated(second.expression, spec, context)
    if a.misfit is not None or b.misfit is not None:
        return first.reading == second.reading
    return _same(a, b)
