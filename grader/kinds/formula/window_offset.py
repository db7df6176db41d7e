"""A window anchored elsewhere (`window_offset`).

Courses write a 3×3 convolution centred on its output, y_{i,j} = \\sum_{u=-1}^{1}
\\sum_{v=-1}^{1} w_{u,v} x_{i+u,j+v}, and anchored at its corner, with u and v from 0 to 2 and
x_{i+u,j+v}. The second is the same layer up to a shift of the output grid (other padding):
each output's window is the reference's, moved by a constant offset, with the same kernel,
the same weight sharing, the same channels and the same bias. A marker reads it as that, and
so does the grader: the student's formula is checked again with its input's positional
indices moved back by the offset its windows show, and where that is the right layer the
answer says so, in the student's own terms. It earns `partial_credit: {window_offset: N}`; a
rubric that gives it none sends it to an instructor (`exact=False`): whether a window anchored
elsewhere is acceptable is the question's call, never a silent 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sympy

from grader.errors import AnswerError
from grader.kinds.formula.check import (
    FINDINGS,
    FormulaCheck,
    check_formula,
    inputs_read,
    structures,
)
from grader.kinds.formula.layer import Facts, Structure, facts, instantiate, spatial_axes
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.terms import Access, Formula, LayerSpec, show_index
from grader.model import Item, SizeSets, SymbolSpec

Shift = tuple[int, ...]  # along each positional axis, how far the student's window is moved


def shifted_inputs(formula: Formula, layer: LayerSpec, shift: Shift) -> Formula:
    """`formula` with each of its input's positional indices moved back by `shift`: x_{i+u,j+v}
    with shift (1, 1) reads x_{i+u-1,j+v-1}."""

    def moved(access: Access) -> Access:
        if not layer.is_input(access.name):
            return access
        indices = tuple(
            index - shift[axis] if axis < len(shift) else index
            for axis, index in enumerate(access.indices)
        )
        return replace(access, indices=indices)

    terms = tuple(
        replace(term, factors=tuple(moved(access) for access in term.factors))
        for term in formula.terms
    )
    return replace(formula, terms=terms)


def _shift(reference: Facts, student: Facts) -> Shift | None:
    """How far the student's windows are moved from the reference's, where they are the same
    windows moved by less than the kernel's span: the same stride and size along every axis,
    a kernel wider than one position along some axis. None where that is not so."""
    if reference.window is None or student.window is None or reference.reads_all:
        return None
    if None in reference.stride or reference.stride != student.stride:
        return None
    if reference.extent == student.extent and all(e == 1 for e in reference.extent or ()):
        return None  # a 1×1 kernel has no window to anchor: reading a neighbour is not one
    shift = []
    for (first, last), (start, end) in zip(reference.window, student.window, strict=True):
        moved = start - first
        if end - last != moved or abs(moved) > last - first:
            return None
        shift.append(moved)
    return tuple(shift) if any(shift) else None


def _shifted_structures(
    formula: Formula, layer: LayerSpec, size_sets: SizeSets, shifts: Sequence[Shift]
) -> tuple[Structure, ...]:
    """The formula moved back by each size set's shift, at that size set (one formula, and its
    cached structures, where the shift is the same at every size set)."""
    if len(set(shifts)) == 1:
        return structures(shifted_inputs(formula, layer, shifts[0]), layer, size_sets)
    return tuple(
        instantiate(shifted_inputs(formula, layer, shift), layer, dict(sizes))
        for shift, sizes in zip(shifts, size_sets, strict=True)
    )


def _position(letter: sympy.Expr, stride: int, offset: int, base: str) -> sympy.Expr:
    """The input position `offset` (from 0) of the window of output `letter`, counted in the
    question's index base: with stride 2 and offset -1, 2i-2 from 1 (2i-1 from 0)."""
    return stride * letter + offset + (0 if base == "0" else 1 - stride)


def _point(positions: Sequence[sympy.Expr]) -> str:
    shown = [show_index(p) for p in positions]
    return shown[0] if len(shown) == 1 else f"({', '.join(shown)})"


def _message(
    item: Item,
    formula: Formula,
    reference: Facts,
    student: Facts,
    at: str | None,
    right: bool,
    shown: str | None = None,
) -> str:
    """The student's window and the layer's, in the student's output letters, positions
    counted in the question's index base or `shown` (the one the formula was read in)."""
    spatial = len(reference.window or ())
    base = "0" if (shown or item.spec.index_base) == "0" else "1"
    assert item.reference is not None
    letters = []
    for axis in range(spatial):
        index = formula.output.indices[axis]
        if not isinstance(index, sympy.Symbol):
            index = item.reference.output.indices[axis]
        letters.append(index if isinstance(index, sympy.Symbol) else sympy.Symbol("ijmn"[axis]))
    strides = [int(s) for s in reference.stride]

    def ends(window: tuple[tuple[int, int], ...], which: int) -> str:
        return _point(
            [
                _position(letter, stride, bounds[which], base)
                for letter, stride, bounds in zip(letters, strides, window, strict=True)
            ]
        )

    assert reference.window is not None and student.window is not None
    extent = reference.extent or ()
    size = (
        f"window of {extent[0]} positions"
        if spatial == 1
        else f"{'×'.join(map(str, extent))} window"
    )
    span = f"from {ends(reference.window, 0)} to {ends(reference.window, 1)}"
    if all(first + last == 0 for first, last in reference.window):
        # centred on the output's own position: i, or 2i-1 at stride 2 counted from 1
        centre = _point(
            [
                _position(letter, stride, 0, base)
                for letter, stride in zip(letters, strides, strict=True)
            ]
        )
        theirs = f"this layer's {size} is centred on {centre} ({span})"
    else:
        theirs = f"this layer's {size} runs {span}"
    message = (
        f"your window starts at {ends(student.window, 0)} and reaches "
        f"{ends(student.window, 1)}; {theirs}."
    )
    message = f"With {at}, {message}" if at else message[0].upper() + message[1:]
    if right:
        message += " With the window shifted back, your formula defines the right layer."
    return message


@FINDINGS.produces("window_offset")
def window_offset_check(
    item: Item,
    formula: Formula,
    check: FormulaCheck,
    specs: Sequence[SymbolSpec],
    size_sets: SizeSets,
    shown: str | None = None,
) -> FormulaCheck | None:
    """`formula`'s `check` told again where it is the reference's layer with each window moved by a
    constant offset (or, moved back, reads the right inputs and is wrong otherwise: then what
    else is wrong follows); None where it is not. Positions are told counted in the question's
    index base, or `shown` where the formula was read in another."""
    layer = item.spec.layer
    reference_formula = item.reference
    if (
        reference_formula is None
        or formula.unsure is not None
        or formula.shape_problem is not None
        or layer.more_inputs
        or tokens_as_columns(layer)
    ):
        return None
    spatial = spatial_axes(layer)
    if not spatial:
        return None
    try:
        student = structures(formula, layer, size_sets)
        reference = structures(reference_formula, layer, size_sets)
    except AnswerError:
        return None
    if not all(s.exact for s in (*student, *reference)):
        return None
    # Size set by size set, stopping at the first whose windows are not moved ones: the
    # facts of a later set are worked out only when needed (tests/test_fast_checks.py).
    theirs, yours, shifts = [], [], []
    for r, s in zip(reference, student, strict=True):
        theirs.append(facts(r, spatial))
        yours.append(facts(s, spatial))
        shifts.append(_shift(theirs[-1], yours[-1]))
        if shifts[-1] is None:
            return None
    try:
        moved = _shifted_structures(formula, layer, size_sets, shifts)
    except AnswerError:  # moved back, it reads too far to check: it is not that layer
        return None
    same = (
        all(m.exact for m in moved)
        and all(m.signature() == r.signature() for m, r in zip(moved, reference, strict=True))
        and formula.activation == reference_formula.activation
        and formula.reduction == reference_formula.reduction
    )
    others: tuple = ()
    if not same:
        # Moved back, it reads the right inputs but is wrong otherwise (no bias, say): that
        # is said after the window, from the formula moved back. Only for one shift at every
        # size set, so that one formula is the one moved back.
        if len(set(shifts)) != 1 or inputs_read(moved) != inputs_read(reference):
            return None
        back = shifted_inputs(formula, layer, shifts[0])
        rest = check_formula(item, back, specs, size_sets)
        if rest.equivalent or not rest.exact or rest.misconception is not None:
            return None
        others = rest.findings
    windows = {(f.window, r.window) for f, r in zip(yours, theirs, strict=True)}
    at = student[0].show_sizes() if len(windows) > 1 else None
    finding = FINDINGS.make(
        "window_offset", _message(item, formula, theirs[0], yours[0], at, same, shown)
    )
    return replace(
        check,
        findings=(finding, *others),
        exact="window_offset" in item.partial_credit,
    )
