"""An answer's other readings (its indices put in another order, counted from 0) are
instantiated only where they reach every input the reference reads (`misses_inputs`, branch
fstruct): a reading that misses one neither reads the right inputs nor defines the right layer,
and leaving it out changes no result."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fast_checks import CONTEXT, RUBRIC, _made_formulas

import grader.kinds.formula as formula_kind
from grader.errors import AnswerError
from grader.grade import grade_answer
from grader.kinds.formula import _reads_the_right_inputs, check
from grader.kinds.formula.check import (
    _index_order_finding,
    _with_access,
    inputs_read,
    misses_inputs,
    same_layer,
    structures,
)
from grader.kinds.formula.index_base import indexed_from_zero
from grader.kinds.formula.layer import Structure
from grader.kinds.formula.parse import parse_formula

WINDOW = r"\sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k}"

ANSWERS = [
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{l,j,i} + b_k",
        id="a 1x1 convolution reading x_{l,j,i}",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{j,i,l} + b_k",
        id="a 1x1 convolution reading x_{j,i,l}",
    ),
    pytest.param(
        "c.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{j,i,l}",
        id="a 1x1 convolution reading x_{j,i,l} without its bias",
    ),
    pytest.param(
        "b.formula",
        rf"y_{{i,j,k}} = {WINDOW} x_{{j+v,i+u,l}} + b_k",
        id="a 3x3 convolution with rows and columns swapped",
    ),
    pytest.param(
        "b.formula",
        rf"y_{{i,j,k}} = {WINDOW} x_{{l,i+u,j+v}} + b_k",
        id="a 3x3 convolution with the channel first",
    ),
    pytest.param(
        "b.formula",
        rf"y_{{i,j,k}} = {WINDOW} x_{{i+u-1,j+v-1,l}} + b_k",
        id="a 3x3 convolution counted from 0",
    ),
    pytest.param(
        "d.formula", r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{l,i}", id="a product reading x_{l,i}"
    ),
    pytest.param(
        "d.formula", r"y_{i,k} = \sum_{l=0}^{C-1} w_{l,k} x_{i,l}", id="a product summed from 0"
    ),
    pytest.param("e.formula", r"y_{i,k} = x_{k,i}", id="the identity reading x_{k,i}"),
    pytest.param(
        "a.formula",
        r"y_{i,j,k} = \sum_{l=1}^{C} w_{i,j,k,l} x_{l,j,i} + b_{k}",
        id="unshared weights reading x_{l,j,i}",
    ),
]


def _read(item_id: str, text: str):
    item = RUBRIC.items[item_id]
    return item, parse_formula(text, CONTEXT.symbol_table, item.spec.layer, item.reference)


def _other_readings(item, formula) -> list:
    """The formulas the checks ask about beside the answer: each input's indices in every
    other order, and the answer counted from 0 along each set of axes."""
    layer = item.spec.layer
    found = [indexed_from_zero(formula, layer, axes) for axes in ("all", "positions", "channels")]
    for access in (a for term in formula.terms for a in term.factors):
        if layer.is_input(access.name):
            for order in itertools.permutations(access.indices):
                found.append(_with_access(formula, access, replace(access, indices=order)))
    return found


@pytest.mark.parametrize(("item_id", "text"), ANSWERS)
def test_a_reading_that_misses_an_input_neither_reads_right_nor_is_the_layer(item_id, text):
    item, formula = _read(item_id, text)
    layer, sizes = item.spec.layer, CONTEXT.size_sets
    wanted = inputs_read(item.reference, layer, sizes)
    for other in _other_readings(item, formula):
        try:
            missed = misses_inputs(other, layer, sizes, wanted)
        except AnswerError:
            with pytest.raises(AnswerError):
                structures(other, layer, sizes)
            continue
        if missed:
            assert inputs_read(other, layer, sizes) != wanted
            assert not same_layer(other, item.reference, layer, sizes)


def test_the_table_holds_readings_both_missed_and_not():
    """The property above is asked of readings the pre-test spares and of readings it keeps."""
    verdicts = set()
    for param in ANSWERS:
        item, formula = _read(*param.values)
        wanted = inputs_read(item.reference, item.spec.layer, CONTEXT.size_sets)
        for other in _other_readings(item, formula):
            try:
                verdicts.add(misses_inputs(other, item.spec.layer, CONTEXT.size_sets, wanted))
            except AnswerError:
                continue
    assert verdicts == {True, False}


def _never_missing(monkeypatch) -> None:
    """The checks as they were before the pre-test: every reading instantiated."""
    monkeypatch.setattr(check, "misses_inputs", lambda *args: False)
    monkeypatch.setattr(formula_kind, "misses_inputs", lambda *args: False)


@pytest.mark.parametrize(("item_id", "text"), ANSWERS)
def test_the_pre_test_changes_no_finding_and_no_result(monkeypatch, item_id, text):
    item, formula = _read(item_id, text)
    zero = indexed_from_zero(formula, item.spec.layer)

    def outcomes():
        return (
            _index_order_finding(item, formula, CONTEXT.size_sets),
            _reads_the_right_inputs(zero, formula, item, CONTEXT),
            grade_answer(RUBRIC, item, text),
        )

    fast = outcomes()
    structures.cache_clear()
    inputs_read.cache_clear()
    _never_missing(monkeypatch)
    assert outcomes() == fast


def test_index_orders_that_miss_an_input_are_not_instantiated(monkeypatch):
    """Of x_{l,j,i}'s five other orders only x_{i,j,l} reaches every input the reference
    reads: it alone is instantiated, and it is the finding (all five were, before)."""
    item, formula = _read("c.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{l,j,i} + b_k")
    made = _made_formulas(monkeypatch)
    findings, _ = _index_order_finding(item, formula, CONTEXT.size_sets)
    assert [f.kind for f in findings] == ["index_order"]
    others = set(made) - {formula, item.reference}
    assert len(others) == 1


def test_the_answer_counted_from_zero_is_not_instantiated_where_it_misses_an_input(monkeypatch):
    """x_{l,j,i} counted from 0 reads other entries of the same wrong rows: not made."""
    item, formula = _read("c.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{l,j,i} + b_k")
    zero = indexed_from_zero(formula, item.spec.layer)
    made = _made_formulas(monkeypatch)
    assert not _reads_the_right_inputs(zero, formula, item, CONTEXT)
    assert zero not in made


def _alike_along_one_by_one(structure: Structure, axis: int) -> bool:
    """`_alike_along` as it was written before: each output's reads gathered in a loop."""
    output, source = structure.split(structure.connections)
    through = source >= 0
    outputs, inputs, classes = output[through], source[through], structure.classes[through]
    if not len(outputs):
        return True
    where = np.array(np.unravel_index(outputs, structure.out_dims))
    where[axis] = 0
    rest = np.ravel_multi_index(tuple(where), structure.out_dims)
    reads: dict[int, set] = {}
    for out, inp, cls in zip(outputs.tolist(), inputs.tolist(), classes.tolist(), strict=True):
        reads.setdefault(out, set()).add((inp, cls))
    seen: dict[int, set] = {}
    for out, group in zip(outputs.tolist(), rest.tolist(), strict=True):
        if seen.setdefault(group, reads[out]) != reads[out]:
            return False
    return True


@st.composite
def layers_read(draw):
    """A structure whose outputs, along one axis, mostly read what the others of their group
    read (the case the loop and the sorts must agree on), some with a read of their own, and
    some with a bias; and that axis."""
    out_dims = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    in_dims = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)))
    axis = draw(st.integers(0, len(out_dims) - 1))
    inputs = math.prod(in_dims)
    reads = st.sets(st.tuples(st.integers(-1, inputs - 1), st.integers(0, 3)), max_size=4)
    by_group: dict[int, set] = {}
    entries: dict[int, int] = {}  # connection -> class
    for out in range(math.prod(out_dims)):
        where = list(np.unravel_index(out, out_dims))
        where[axis] = 0
        group = int(np.ravel_multi_index(tuple(where), out_dims))
        mine = set(by_group.setdefault(group, draw(reads)))
        if draw(st.booleans()):
            mine ^= draw(reads)  # reads of its own, or fewer
        for source, cls in mine:
            entries[out * (inputs + 1) + source + 1] = cls
    connections = np.array(sorted(entries), dtype=np.int64)
    classes = np.array([entries[c] for c in sorted(entries)], dtype=np.int64)
    structure = Structure(
        (), out_dims, in_dims, connections, classes, classes, (), 0, 0, True, False
    )
    return structure, axis


@settings(max_examples=400, deadline=None)
@given(layers_read())
def test_outputs_alike_along_an_axis_are_found_as_the_loop_found_them(case):
    structure, axis = case
    assert check._alike_along(structure, axis) == _alike_along_one_by_one(structure, axis)
