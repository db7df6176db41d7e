"""Where a formula's indices start (`index_base: 0 | 1 | any`).

Courses write y_{i} = \\sum_{u=1}^{3} w_u x_{2(i-1)+u} and y_{i} = \\sum_{u=0}^{2} w_u x_{2i+u}
for the same strided convolution: the first counts positions from 1, the second from 0. Both
are the same layer; only the convention differs. A formula indexed from 0 is turned into the
same layer indexed from 1 (each output index i becomes i - 1, each input index one more), which
is what the comparison (`grader.kinds.formula.layer`, whose tensors run from 1) expects.

With `index_base: any` either convention is right, with a note saying which was read; with
`1` (the default) or `0`, a formula that is right only in the other convention is told so in
those words (diagnosis `index_base`, marks from `partial_credit`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy

from grader.kinds.formula.check import FINDINGS, FormulaCheck, first_window_start, structures
from grader.kinds.formula.layer import spatial_axes
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.terms import Access, Formula, LayerSpec, Term, replaced

INDEX_BASES = ("0", "1", "any")


def indexed_from_zero(formula: Formula, layer: LayerSpec, axes: str = "all") -> Formula:
    """`formula` read as indexed from 0, written as the same layer indexed from 1.

    `axes` says which axes were counted from 0: "all", only the "positions" (the channels
    counted from 1, as in `x_{2i+u,l}` with l = 1..C) or only the "channels" (the positions
    counted from 1). A tensor's channels are its last axis (its first where tokens are
    columns, `layout`); the axes before them are its positions.
    """
    columns = tokens_as_columns(layer)
    rank = len(formula.output.indices)
    moved_axes = _moved_axes(axes, columns, rank)
    letters = {
        symbol
        for axis, index in enumerate(formula.output.indices)
        if moved_axes[axis]
        for symbol in index.free_symbols
    }
    free = tuple(letter for letter in formula.free if letter in letters)

    def moved(access: Access) -> Access:
        count = len(access.indices)
        more = (
            _moved_axes(axes, columns, count) if layer.is_input(access.name) else (False,) * count
        )
        # made as `replace` makes it, without its look at the fields (a third of the work)
        return Access(
            access.name, _moved_indices(access.indices, free, more), access.start, access.end
        )

    terms = tuple(
        Term(term.coefficient, term.sums, tuple(moved(access) for access in term.factors))
        for term in formula.terms
    )
    if not formula.enumerates:
        return replaced(formula, terms=terms)
    # An output index written as a sum, g D/G + n over g, n from 0: one more, like an input's.
    output = tuple(
        index
        if isinstance(index, sympy.Symbol) or not moved_axes[axis]
        else _one_more(_shifted(index, free))
        for axis, index in enumerate(formula.output.indices)
    )
    return replaced(formula, terms=terms, output=replaced(formula.output, indices=output))


@lru_cache(maxsize=64)
def _moved_axes(axes: str, columns: bool, rank: int) -> tuple[bool, ...]:
    """Which axes of a tensor of `rank` axes are counted from 0 when `axes` are ("all", the
    "positions" or the "channels"): its channels are its last axis (its first where tokens are
    columns), the axes before them its positions."""
    if axes == "all":
        return (True,) * rank
    channel = 0 if columns else rank - 1
    return tuple((axis == channel) == (axes == "channels") for axis in range(rank))


@lru_cache(maxsize=1024)
def _moved_indices(
    indices: tuple[sympy.Expr, ...], free: tuple[sympy.Symbol, ...], more: tuple[bool, ...]
) -> tuple[sympy.Expr, ...]:
    """An entry's `indices` with each of the output's letters (`free`) one less, and one more
    where `more` says (an input's axes counted from 0); remembered, since a class writes the
    same few entries (one look-up an entry rather than one or two an index)."""
    return tuple(
        _one_more(_shifted(index, free)) if one else _shifted(index, free)
        for index, one in zip(indices, more, strict=True)
    )


@lru_cache(maxsize=1024)
def _one_more(index: sympy.Expr) -> sympy.Expr:
    """`index + 1`, remembered as `_shifted` is: an input's indices are the same few."""
    return index + 1


@lru_cache(maxsize=1024)
def _shifted(index: sympy.Expr, free: tuple[sympy.Symbol, ...]) -> sympy.Expr:
    """`index` with each of the output's letters one less, expanded; remembered, since a
    class writes the same few indices."""
    return sympy.expand(index.xreplace({letter: letter - 1 for letter in free}))


def counts_from_zero(formula: Formula, layer: LayerSpec, size_sets) -> bool:
    """Whether `formula` (as written, read from 1) counts its indices from 0: read so, its
    first output's window starts at the input's first entry along every positional axis
    (x_{2i+u,2j+v,k} at i = j = 0), and read from 1 it does not (x[3,3,…] at i = j = 1); and
    read so it reads outside the input nowhere that it does not read from 1 (a sum over the
    channels from 1 to C, `\\sum_{l=1}^{C} x_{2i,2j,l}`, is not counted from 0)."""
    spatial = spatial_axes(layer)
    if not spatial:
        return False
    first = (0,) * spatial
    ones = structures(formula, layer, size_sets)
    zeros = structures(indexed_from_zero(formula, layer), layer, size_sets)
    return (
        first_window_start(zeros[0], spatial) == first
        and first_window_start(ones[0], spatial) != first
        and all(
            one.reads_outside or not zero.reads_outside
            for one, zero in zip(ones, zeros, strict=True)
        )
    )


def reading_notes(base: str, axes: str = "all") -> tuple[str, ...]:
    """The note saying how the indices were read: all from `base`, or (`axes`) only the
    positions' or only the channels' indices, the others from 1."""
    if axes == "positions":
        return (f"read the positions' indices as counted from {base} and the channels' from 1",)
    if axes == "channels":
        return (f"read the channels' indices as counted from {base} and the positions' from 1",)
    return (f"read the indices as counted from {base}",)


@FINDINGS.produces("index_base")
def other_base_check(rubric_base: str, written_base: str, right: FormulaCheck) -> FormulaCheck:
    """A formula that is right only when read in the other convention: wrong, saying so."""
    message = (
        f"Your formula is indexed from {written_base}, but this question indexes from "
        f"{rubric_base}: read with indices counted from {written_base}, it defines the right "
        f"layer; counted from {rubric_base}, as the question asks, it does not."
    )
    return replace(right, equivalent=False, findings=(FINDINGS.make("index_base", message),))


@FINDINGS.produces("index_base")
def moved_other_base_check(
    rubric_base: str, written_base: str, moved: FormulaCheck
) -> FormulaCheck:
    """A formula whose window is moved (`moved`, window_offset's check) only when read in the
    other convention: both said, and a person decides what a formula wrong twice earns."""
    message = (
        f"Your formula is indexed from {written_base}, but this question indexes from "
        f"{rubric_base}: read with indices counted from {written_base}, its window is moved "
        f"(below); counted from {rubric_base}, as the question asks, it does not define the "
        "right layer."
    )
    finding = FINDINGS.make("index_base", message)
    return replace(moved, equivalent=False, findings=(finding, *moved.findings), exact=False)
