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
    inputs_of,
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
    if not _window_to_move(reference) or student.window is None:
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


def _window_to_move(reference: Facts) -> bool:
    """Whether the reference's facts at a size set show a window that another could be moved
    from (`_shift` needs it, whatever the student's): one that does not read the whole input,
    wider than one position along some axis (along an axis where it is one position wide, a
    window moved at all is moved by more than its span)."""
    return (
        reference.window is not None
        and not reference.reads_all
        and any(last > first for first, last in reference.window)
    )


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


Ends = tuple[tuple[sympy.Expr, sympy.Expr], ...]  # the first and last input read, each axis


def _written_ends(
    formula: Formula, layer: LayerSpec, letters: Sequence[sympy.Symbol]
) -> Ends | None:
    """The first and last input position `formula`'s window reads along each positional axis,
    as expressions in the output's `letters` and the sizes, from its sums' ranges: x_{t+u,l}
    with u = 0..K-1 reads t to t+K-1, at every K. None where that is not plain from the
    formula (an index not linear in the summed letters, a range that depends on another, terms
    whose windows differ, an output index that is no letter)."""
    written = formula.output.indices[: len(letters)]
    if not all(isinstance(index, sympy.Symbol) for index in written):
        return None
    renamed = dict(zip(written, letters, strict=True))
    ends: list[set[tuple[sympy.Expr, sympy.Expr]]] = [set() for _ in letters]
    for term in formula.terms:
        ranges = {s.variable: s for s in term.sums}
        if any(set(ranges) & (s.low.free_symbols | s.high.free_symbols) for s in term.sums):
            return None
        for access in term.factors:
            if not layer.is_input(access.name) or len(access.indices) < len(letters):
                continue
            for axis, index in enumerate(access.indices[: len(letters)]):
                first = last = index
                for variable in index.free_symbols & set(ranges):
                    slope = sympy.diff(index, variable)
                    if not slope.is_Rational or slope == 0:
                        return None
                    low, high = ranges[variable].low, ranges[variable].high
                    first = first.subs(variable, low if slope > 0 else high)
                    last = last.subs(variable, high if slope > 0 else low)
                ends[axis].add(
                    (sympy.expand(first.xreplace(renamed)), sympy.expand(last.xreplace(renamed)))
                )
    if not all(len(axis) == 1 for axis in ends):
        return None
    return tuple(next(iter(axis)) for axis in ends)


def _found_ends(
    window: tuple[tuple[int, int], ...],
    letters: Sequence[sympy.Symbol],
    strides: Sequence[int],
    base: str,
) -> Ends:
    """A window found at one size set (offsets from 0), as positions in the question's base."""
    return tuple(
        (_position(letter, stride, first, base), _position(letter, stride, last, base))
        for (first, last), letter, stride in zip(window, letters, strides, strict=True)
    )


def _holds(ends: Ends, found: Sequence[Ends], structures_: Sequence[Structure]) -> bool:
    """Whether the `ends` a formula writes are those `found` at every size set."""
    for at_sizes, structure in zip(found, structures_, strict=True):
        sizes = dict(structure.sizes)
        for written, seen in zip(ends, at_sizes, strict=True):
            for end, value in zip(written, seen, strict=True):
                put = {s: sympy.Integer(sizes[s.name]) for s in end.free_symbols if s.name in sizes}
                if sympy.expand(end.xreplace(put) - value) != 0:
                    return False
    return True


def _shown(end: sympy.Expr, letters: Sequence[sympy.Symbol]) -> str:
    """A position as a student writes it, the output's letter first and a whole number last:
    t+K-1, not K+t-1; t-⌊K/2⌋+1, not t+1-⌊K/2⌋ (fractions stay gathered: t-(K-3)/2)."""
    lettered = sympy.Add(*(t for t in sympy.Add.make_args(end) if t.free_symbols & set(letters)))
    rest = sympy.expand(end - lettered)
    constant, sized = rest.as_coeff_Add()
    whole = constant.is_Integer and all(
        t.as_numer_denom()[1] == 1 for t in sympy.Add.make_args(sized)
    )
    parts = [lettered, sized, constant] if whole else [lettered, rest]
    shown = [show_index(part) for part in parts if part != 0]
    if not shown:
        return "0"
    return shown[0] + "".join(p if p.startswith("-") else f"+{p}" for p in shown[1:])


def _point(positions: Sequence[sympy.Expr], letters: Sequence[sympy.Symbol]) -> str:
    shown = [_shown(p, letters) for p in positions]
    return shown[0] if len(shown) == 1 else f"({', '.join(shown)})"


def _message(
    item: Item,
    formula: Formula,
    theirs: Sequence[Facts],
    yours: Sequence[Facts],
    student: Sequence[Structure],
    right: bool,
    shown: str | None = None,
) -> str:
    """The student's window and the layer's, in the student's output letters, positions
    counted in the question's index base or `shown` (the one the formula was read in). Where
    the windows depend on a size (a kernel of K positions), in the sizes' symbols as the
    formulas write them, where those are the windows found at every size set ("starts at t
    and reaches t+K-1; this layer's window of K positions is centred on t"); else at the
    first sizes, said to be those."""
    reference = theirs[0]
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
    found = [
        [_found_ends(f.window or (), letters, strides, base) for f in facts_]
        for facts_ in (yours, theirs)
    ]
    mine, layers = found[0][0], found[1][0]
    at = None
    if len({(f.window, r.window) for f, r in zip(yours, theirs, strict=True)}) > 1:
        layer = item.spec.layer
        written = _written_ends(formula, layer, letters)
        wanted = _written_ends(item.reference, layer, letters)
        if (
            written is not None
            and wanted is not None
            and _holds(written, found[0], student)
            and _holds(wanted, found[1], student)
        ):
            mine, layers = written, wanted
        else:
            at = student[0].show_sizes()
    extent = [show_index(sympy.expand(last - first + 1)) for first, last in layers]
    size = f"window of {extent[0]} positions" if spatial == 1 else f"{'×'.join(extent)} window"
    span = (
        f"from {_point([first for first, _ in layers], letters)} to "
        f"{_point([last for _, last in layers], letters)}"
    )
    centres = [
        _position(letter, stride, 0, base) for letter, stride in zip(letters, strides, strict=True)
    ]
    if all(
        sympy.expand(first + last - 2 * centre) == 0
        for (first, last), centre in zip(layers, centres, strict=True)
    ):
        # centred on the output's own position: i, or 2i-1 at stride 2 counted from 1
        told = f"this layer's {size} is centred on {_point(centres, letters)} ({span})"
    else:
        told = f"this layer's {size} runs {span}"
    message = (
        f"your window starts at {_point([first for first, _ in mine], letters)} and reaches "
        f"{_point([last for _, last in mine], letters)}; {told}."
    )
    message = f"With {at}, {message}" if at else message[0].upper() + message[1:]
    if right:
        message += " With the window shifted back, your formula defines the right layer."
    return message


def _has_windows(formula: Formula, layer: LayerSpec) -> bool:
    """Whether `formula` is read and its layer has positions whose windows can be moved."""
    return (
        formula.unsure is None
        and formula.shape_problem is None
        and not layer.more_inputs
        and not tokens_as_columns(layer)
        and bool(spatial_axes(layer))
    )


def moved_misconception_check(
    item: Item,
    formula: Formula,
    check: FormulaCheck,
    specs: Sequence[SymbolSpec],
    size_sets: SizeSets,
) -> FormulaCheck | None:
    """`check` told again as a rubric misconception where `formula` is that misconception's
    layer with each window moved by one constant offset (anchored at its corner where the
    misconception's is centred): the same mistake, which a moved window does not change, so it
    earns the misconception's marks, with a note that it was read so. None where it is not."""
    layer = item.spec.layer
    if not item.misconceptions or not _has_windows(formula, layer):
        return None
    spatial = spatial_axes(layer)
    try:
        student = structures(formula, layer, size_sets)
    except AnswerError:
        return None
    if not all(s.exact for s in student):
        return None
    yours = [facts(s, spatial) for s in student]
    for index, rule in enumerate(item.misconceptions):
        reading = rule.reading
        if (
            reading is None
            or reading.activation != formula.activation
            or reading.reduction != formula.reduction
            or reading.after_activation != formula.after_activation
        ):
            continue
        try:
            theirs = structures(reading, layer, size_sets)
            shifts = {_shift(facts(t, spatial), y) for t, y in zip(theirs, yours, strict=True)}
            if len(shifts) != 1 or None in shifts:
                continue
            (shift,) = shifts
            moved = structures(shifted_inputs(formula, layer, shift), layer, size_sets)
        except AnswerError:  # moved back, it reads too far to check: it is not that layer
            continue
        if all(m.exact for m in moved) and all(
            m.signature() == t.signature() for m, t in zip(moved, theirs, strict=True)
        ):
            if len(shift) == 1:
                (by,) = shift
                sits = f"sits {abs(by)} position{'s' * (abs(by) != 1)} "
                sits += f"{'later' if by > 0 else 'earlier'} than"
            else:
                sits = f"is moved by ({', '.join(f'{n:+d}' for n in shift)}) positions from"
            note = (
                f"Your window {sits} the one in the mistake described above; where a window "
                "is anchored is only a matter of padding, so your answer is marked as that "
                "mistake."
            )
            return replace(
                check,
                equivalent=False,
                exact=True,
                misconception=rule,
                misconception_index=index,
                findings=(),
                notes=(*check.notes, note),
            )
    return None


# Both formulas' structures, their windows' facts, and the shift at each size set.
MovedWindows = tuple[
    tuple[Structure, ...], tuple[Structure, ...], list[Facts], list[Facts], list[Shift]
]


def _moved_windows(item: Item, formula: Formula, size_sets: SizeSets) -> MovedWindows | None:
    """`formula`'s and the reference's structures, their windows' facts and the shift between
    them at each size set, where at every size set `formula`'s windows are the reference's
    moved by a constant offset; None where they are not, or cannot be compared exactly."""
    layer = item.spec.layer
    if item.reference is None or not _has_windows(formula, layer):
        return None
    spatial = spatial_axes(layer)
    try:
        reference = structures(item.reference, layer, size_sets)
    except AnswerError:
        return None
    if not all(r.exact for r in reference):
        return None
    if reference and not _window_to_move(facts(reference[0], spatial)):
        return None  # no window to move at the first size set (`_shift`): no need to make the
        # formula's structures, the same for every answer of the item
    try:
        student = structures(formula, layer, size_sets)
    except AnswerError:
        return None
    if not all(s.exact for s in student):
        return None
    # Size set by size set, stopping at the first whose windows are not moved ones: the
    # facts of a later set are worked out only when needed (tests/test_fast_checks.py).
    theirs, yours, shifts = [], [], []
    for r, s in zip(reference, student, strict=True):
        theirs.append(facts(r, spatial))
        yours.append(facts(s, spatial))
        shift = _shift(theirs[-1], yours[-1])
        if shift is None:
            return None
        shifts.append(shift)
    return student, reference, theirs, yours, shifts


def has_moved_windows(item: Item, formula: Formula, size_sets: SizeSets) -> bool:
    """Whether `formula`'s windows are the reference's moved by a constant offset: what
    `window_offset_check` needs before anything else, and far cheaper than checking `formula`,
    for a caller that would check a formula only to ask this of it. The formula is made at
    the first size set alone first: where its windows are not moved there, they are not moved
    at every size set, and it is not made at the others (most readings in the other index
    base of a wrong answer)."""
    if size_sets and _moved_windows(item, formula, size_sets[:1]) is None:
        return False
    return _moved_windows(item, formula, size_sets) is not None


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
    windows = _moved_windows(item, formula, size_sets)
    if windows is None:
        return None
    student, reference, theirs, yours, shifts = windows
    layer, reference_formula = item.spec.layer, item.reference
    assert reference_formula is not None
    try:
        moved = _shifted_structures(formula, layer, size_sets, shifts)
    except AnswerError:  # moved back, it reads too far to check: it is not that layer
        return None
    same = (
        all(m.exact for m in moved)
        and all(m.signature() == r.signature() for m, r in zip(moved, reference, strict=True))
        and formula.activation == reference_formula.activation
        and formula.reduction == reference_formula.reduction
        and formula.after_activation == reference_formula.after_activation
    )
    others: tuple = ()
    if not same:
        # Moved back, it reads the right inputs but is wrong otherwise (no bias, say): that
        # is said after the window, from the formula moved back. Only for one shift at every
        # size set, so that one formula is the one moved back.
        if len(set(shifts)) != 1 or inputs_of(moved) != inputs_of(reference):
            return None
        back = shifted_inputs(formula, layer, shifts[0])
        rest = check_formula(item, back, specs, size_sets)
        if rest.equivalent or not rest.exact or rest.misconception is not None:
            return None
        others = rest.findings
    finding = FINDINGS.make(
        "window_offset", _message(item, formula, theirs, yours, student, same, shown)
    )
    return replace(
        check,
        findings=(finding, *others),
        exact="window_offset" in item.partial_credit,
    )
