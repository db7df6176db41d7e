"""The formula checks' cheaper ways (branch dperf, issue 20) give what the plain ways gave: a
formula's parts keep their hash once worked out, the same value as the dataclass's own, never
pickled, compared or shown; an answer read counted from 0 is the one `dataclasses.replace`
made; whether an answer is an index form is remembered for a few answers only; and a term
written once, as it is, still gets no note."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
import sympy

from grader.kinds.formula import terms
from grader.kinds.formula.index_base import _shifted, indexed_from_zero
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.matrix_form import _own_scaled_notes
from grader.kinds.formula.parse import _is_index_form, is_index_form, parse_formula
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
CONTEXT = RUBRIC.context

WINDOW = (
    r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} 2 w_{u,v,l,k} x_{i+u,j+v,l} + b_k"
)
STRIDED = r"y_{i,j,k} = \sum_{u=0}^{1}\sum_{v=0}^{1} x_{2i+u,2j+v,k}"


def _read(item_id: str, text: str) -> terms.Formula:
    item = RUBRIC.items[item_id]
    return parse_formula(text, CONTEXT.symbol_table, item.spec.layer, item.reference)


def _parts(formula: terms.Formula) -> list[object]:
    """One object of each class whose hash is kept: the formula, its layer, a term, a sum, an
    access and a tensor."""
    term = next(t for t in formula.terms if t.sums)
    layer = RUBRIC.items["b.formula"].spec.layer
    return [formula, layer, layer.input, term, term.sums[0], term.factors[0]]


def _fields_hash(value: object) -> int:
    """What a frozen dataclass's own `__hash__` gives: the hash of its compared fields."""
    return hash(
        tuple(
            getattr(value, f.name)
            for f in dataclasses.fields(value)
            if (f.compare if f.hash is None else f.hash)
        )
    )


@pytest.mark.parametrize(
    "kind", ["Formula", "LayerSpec", "TensorSpec", "Term", "SumRange", "Access"]
)
def test_a_kept_hash_is_the_dataclasss_own_and_stays_out_of_sight(kind):
    value = next(p for p in _parts(_read("b.formula", WINDOW)) if type(p).__name__ == kind)
    assert hash(value) == _fields_hash(value)
    assert value.__dict__[terms._HASH] == _fields_hash(value)  # kept, not worked out again
    assert "_hash_once" not in repr(value)
    assert terms._HASH not in pickle.loads(pickle.dumps(value)).__dict__
    again = pickle.loads(pickle.dumps(value))
    assert again == value and hash(again) == hash(value)
    assert terms._HASH not in dataclasses.replace(value).__dict__


def _indexed_from_zero_as_before(formula, layer, axes="all"):
    """`indexed_from_zero` as it was written before (`replace`, `index + 1` each time), for a
    formula that names no output by a sum."""
    columns = tokens_as_columns(layer)

    def moves(axis, rank):
        if axes == "all":
            return True
        channel = axis == (0 if columns else rank - 1)
        return channel == (axes == "channels")

    rank = len(formula.output.indices)
    moved_axes = [moves(axis, rank) for axis in range(rank)]
    letters = {
        s
        for axis, i in enumerate(formula.output.indices)
        if moved_axes[axis]
        for s in i.free_symbols
    }
    free = tuple(letter for letter in formula.free if letter in letters)

    def moved(access):
        indices = tuple(_shifted(index, free) for index in access.indices)
        if layer.is_input(access.name):
            count = len(indices)
            indices = tuple(
                index + 1 if moves(axis, count) else index for axis, index in enumerate(indices)
            )
        return dataclasses.replace(access, indices=indices)

    return dataclasses.replace(
        formula,
        terms=tuple(
            dataclasses.replace(term, factors=tuple(moved(a) for a in term.factors))
            for term in formula.terms
        ),
    )


@pytest.mark.parametrize("axes", ["all", "positions", "channels"])
@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        pytest.param("b.formula", WINDOW, id="a window over every channel, with a bias"),
        pytest.param("a.formula", STRIDED, id="a strided window"),
        pytest.param("c.formula", r"y_{i,j,k} = 3 x_{i,j,k} + b_k", id="one entry"),
    ],
)
def test_a_reading_counted_from_zero_is_the_one_replace_made(item_id, text, axes):
    formula = _read(item_id, text)
    layer = RUBRIC.items[item_id].spec.layer
    mine = indexed_from_zero(formula, layer, axes)
    theirs = _indexed_from_zero_as_before(formula, layer, axes)
    assert mine == theirs
    assert repr(mine) == repr(theirs)  # start and end too, which equality leaves out
    assert [type(t) for t in mine.terms] == [type(t) for t in theirs.terms]


@pytest.mark.parametrize(
    ("text", "index_form"),
    [
        pytest.param(WINDOW, True, id="indices"),
        pytest.param("Y = XW + b", False, id="a matrix product"),
        pytest.param(r"y_{i,k} = (XW)_{i,k}", False, id="an entry of a matrix product"),
    ],
)
def test_whether_an_answer_is_an_index_form_is_remembered_for_a_few_answers(text, index_form):
    layer = RUBRIC.items["d.formula"].spec.layer
    assert is_index_form(text, layer) is index_form
    assert _is_index_form.__wrapped__(text, layer) is index_form
    _is_index_form(text, layer)
    before = _is_index_form.cache_info().hits
    assert _is_index_form(text, layer) is index_form
    assert _is_index_form.cache_info().hits == before + 1
    assert _is_index_form.cache_info().maxsize == 64  # a worker's memory stays small


@pytest.mark.parametrize(
    ("numbers", "weights", "notes"),
    [
        pytest.param([1], True, [], id="one weight term as written: no note"),
        pytest.param([1], False, [], id="one bias term as written: no note"),
        pytest.param(
            [2],
            True,
            [
                "read 2·w as your weights: a number times a weight is a weight too, so 2·w "
                "is as good a weight as w"
            ],
            id="a weight times 2",
        ),
        pytest.param(
            [sympy.Rational(1, 2)],
            False,
            ["read 1/2·w as your bias: a number times a bias is a bias"],
            id="a bias times a half",
        ),
        pytest.param(
            [1, -1],
            False,
            ["read your term in w, written twice, as none: its numbers add up to 0"],
            id="written twice, adding up to 0",
        ),
        pytest.param(
            [sympy.Rational(1, 2), sympy.Rational(1, 2)],
            False,
            [
                "read your term in w, written twice, as one term in w: a bias written twice "
                "adds up to one bias"
            ],
            id="written twice, adding up to 1",
        ),
    ],
)
def test_a_term_of_ones_own_is_noted_as_before(numbers, weights, notes):
    assert _own_scaled_notes("w", [sympy.sympify(n) for n in numbers], weights) == notes
