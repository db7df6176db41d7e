"""Tokens as columns: a projection written Q = W_Q X, with X of shape E×N (one token per column,
as many textbooks write it) and Q of shape K×N.

The comparison (`grader.kinds.formula.layer`) and its words (`grader.kinds.formula.check`)
read the last axis of each tensor as its channels and the axes before it as positions, which
is the layout of Q = XW_Q (X: N×E). A layer whose tensors hold one token per column is compared
transposed, as the same layer in that layout: both formulas, the rubric's misconceptions and
the tensors' shapes swap their two axes. What each output reads and through which weights does
not change; the diagnoses then speak of columns (tokens) and output rows, and quote entries in
the question's own layout.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy

from grader.kinds.formula.terms import Access, Formula, LayerSpec, TensorSpec
from grader.model import Item


@lru_cache(maxsize=64)
def tokens_as_columns(layer: LayerSpec) -> bool:
    """Two-axis tensors that share their last axis, a size such as N, and whose first axes
    (E and K) have no size in common: X is E×N and Y is K×N. A convolution's [P, C] → [P-1, C]
    shares its first axis (P) and is not one. Remembered for a few layers (a rubric's): it is
    asked some six times an answer, each time with sympy's `expand` for two-axis tensors."""
    x, y = layer.input.shape, layer.output.shape
    if len(x) != 2 or len(y) != 2 or not x[1].free_symbols:
        return False
    return sympy.expand(x[1] - y[1]) == 0 and not (x[0].free_symbols & y[0].free_symbols)


def _swapped(tensor: TensorSpec) -> TensorSpec:
    return replace(tensor, shape=tensor.shape[::-1])


def transposed_layer(layer: LayerSpec) -> LayerSpec:
    return replace(layer, input=_swapped(layer.input), output=_swapped(layer.output))


def transposed(formula: Formula, layer: LayerSpec) -> Formula:
    """`formula` over the transposed tensors: each index pair of the input and the output
    swapped (the parameters keep theirs; they are the formula's own)."""

    def swap(access: Access) -> Access:
        if access.name in (layer.input.name, layer.output.name) and len(access.indices) == 2:
            return replace(access, indices=access.indices[::-1])
        return access

    terms = tuple(
        replace(term, factors=tuple(swap(access) for access in term.factors))
        for term in formula.terms
    )
    return replace(formula, output=swap(formula.output), terms=terms)


def transposed_item(item: Item) -> Item:
    """The item over the transposed tensors: its layer, reference and misconceptions."""
    layer = item.spec.layer
    return replace(
        item,
        spec=replace(item.spec, layer=transposed_layer(layer)),
        reference=transposed(item.reference, layer),
        misconceptions=tuple(
            rule if rule.reading is None else replace(rule, reading=transposed(rule.reading, layer))
            for rule in item.misconceptions
        ),
    )
