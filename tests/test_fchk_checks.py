"""What the cheaper formula checks of branch `fchk` (issue 20) remember or skip changes no
result: the classes of a formula's parameters, remembered by its terms and their weights
divided by a common factor, are those worked out afresh for any factors in front; the weights'
key divides exactly the sets of terms that share a parameter; a memo's key is hashed once; a
fixed part taken without a sort is the one summed; tokens and products read as before."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.kinds.formula import layer
from grader.kinds.formula.check import _count_at, _range_length, structures
from grader.kinds.formula.parse import parse_formula
from grader.kinds.formula.terms import Access, LayerSpec, TensorSpec, Term, Token, tokenize
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
CONTEXT = RUBRIC.context
ITEM = RUBRIC.items["c.formula"]  # x: P×Q×C to y: P×Q×D, one weight per channel pair
SPEC = ITEM.spec.layer
FIRST = dict(CONTEXT.size_sets[0])  # P=5, Q=4, C=3, D=2

W = r"\sum_{l=1}^{C} w_{l,k} x_{i,j,l}"
W_NEXT = r"\sum_{l=1}^{C} w_{l,k} x_{i+1,j,l}"  # the same weights, one row further down
A = r"\sum_{l=1}^{C} a_{l,k} x_{i,j,l}"


def _formula(text: str):
    return parse_formula(text, CONTEXT.symbol_table, SPEC, ITEM.reference)


def _whole(structure: layer.Structure) -> tuple:
    """Everything a structure holds (its arrays as bytes)."""
    return (
        structure.signature(),
        structure.sizes,
        structure.out_dims,
        structure.in_dims,
        structure.nominal,
        structure.effective,
        structure.exact,
        structure.reads_outside,
        structure.in_parts,
        structure.gaps,
    )


def _forget() -> None:
    for memo in (layer._term_memo, layer._facts_memo, layer._classes_memo):
        memo.clear()
    layer._frame_memo.clear()
    layer._formula_frames.clear()


def _fresh(text: str) -> list[tuple]:
    """The formula's structures at every size set with nothing remembered."""
    _forget()
    return [
        _whole(layer.instantiate(_formula(text), SPEC, dict(sizes))) for sizes in CONTEXT.size_sets
    ]


def _after(before: str, text: str) -> list[tuple]:
    """The formula's structures at every size set, instantiated after `before`."""
    _forget()
    for sizes in CONTEXT.size_sets:
        layer.instantiate(_formula(before), SPEC, dict(sizes))
    return [
        _whole(layer.instantiate(_formula(text), SPEC, dict(sizes))) for sizes in CONTEXT.size_sets
    ]


# Pairs of formulas: the first instantiated, then the second; whether the second's classes
# are the first's (the same key), and what the second's are (nominal, effective, ratios).
@pytest.mark.parametrize(
    ("before", "text", "shared", "ratios"),
    [
        pytest.param(
            f"y_{{i,j,k}} = 2 {W} + b_k",
            f"y_{{i,j,k}} = 7 {W} + b_k",
            True,
            {1},
            id="another factor in front of a weight's only term",
        ),
        pytest.param(
            f"y_{{i,j,k}} = 2 {W} + b_k",
            f"y_{{i,j,k}} = -3 {W} - 5 b_k",
            True,
            {1},
            id="negative factors",
        ),
        pytest.param(
            f"y_{{i,j,k}} = {W} + 2 {W_NEXT}",
            f"y_{{i,j,k}} = 2 {W} + 4 {W_NEXT}",
            True,
            {1, 2},
            id="one weight in two terms, both doubled",
        ),
        pytest.param(
            f"y_{{i,j,k}} = {W} + 2 {W_NEXT}",
            f"y_{{i,j,k}} = -{W} - 2 {W_NEXT}",
            True,
            {1, 2},
            id="one weight in two terms, both negated",
        ),
        pytest.param(
            f"y_{{i,j,k}} = {W} + 2 {W_NEXT}",
            f"y_{{i,j,k}} = {W} + 3 {W_NEXT}",
            False,
            {1, 3},
            id="one weight in two terms, another ratio",
        ),
        pytest.param(
            f"y_{{i,j,k}} = {W} + 2 {W_NEXT}",
            f"y_{{i,j,k}} = {W} - 2 {W_NEXT}",
            False,
            {1, -2},
            id="one weight in two terms, the ratio's sign",
        ),
        pytest.param(
            f"y_{{i,j,k}} = {W} + 2 {W_NEXT}",
            f"y_{{i,j,k}} = 2 {W} + {W_NEXT}",
            False,
            {1, 2},
            id="one weight in two terms, the ratio turned over",
        ),
        pytest.param(
            f"y_{{i,j,k}} = {W} + 2 {W_NEXT}",
            f"y_{{i,j,k}} = {W} + 0 {W_NEXT}",
            False,
            {1},
            id="one weight in two terms, one of them 0",
        ),
        pytest.param(
            f"y_{{i,j,k}} = {W} + {A}",
            f"y_{{i,j,k}} = 2 {W} + 3 {A}",
            True,
            {1},
            id="two tensors, each its own factor",
        ),
        pytest.param(
            f"y_{{i,j,k}} = 2 {W} + b_k",
            rf"y_{{i,j,k}} = \frac{{1}}{{2}} {W} + \frac{{1}}{{3}} b_k",
            True,
            {1},
            id="fractions in front",
        ),
    ],
)
def test_remembered_classes_are_the_classes_afresh(before, text, shared, ratios):
    """A formula's structures instantiated after another's are those with nothing
    remembered, where the other's classes are remembered under its key (the same weights
    up to a factor) and where they are not."""
    _forget()
    for sizes in CONTEXT.size_sets:
        layer.instantiate(_formula(before), SPEC, dict(sizes))
    kept = len(layer._classes_memo.entries)
    warm = [
        _whole(layer.instantiate(_formula(text), SPEC, dict(sizes))) for sizes in CONTEXT.size_sets
    ]
    assert (len(layer._classes_memo.entries) == kept) is shared
    assert warm == _fresh(text)
    structure = layer.instantiate(_formula(text), SPEC, FIRST)
    assert set(structure.ratios.tolist()) == ratios


_TERMS = (W, W_NEXT, A, "b_k", "x_{i,j,k}", "w_{1,k}")
_FACTORS = st.sampled_from([1, -1, 2, -2, 3, 6, 0, Fraction(1, 2), Fraction(-2, 3)])


def _written(coefficient: Fraction | int) -> str:
    value = Fraction(coefficient)
    sign = "-" if value < 0 else "+"
    value = abs(value)
    shown = (
        str(value)
        if value.denominator == 1
        else rf"\frac{{{value.numerator}}}{{{value.denominator}}}"
    )
    return f"{sign} {shown}"


def _text(terms: list[tuple[int, Fraction | int]]) -> str:
    return "y_{i,j,k} = " + " ".join(f"{_written(c)} {_TERMS[t]}" for t, c in terms)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(range(len(_TERMS))), _FACTORS), min_size=1, max_size=4),
    st.lists(_FACTORS, min_size=4, max_size=4),
    st.sampled_from([1, -1, 2, Fraction(-3, 2)]),
)
def test_any_factors_in_front_give_the_structures_worked_out_afresh(terms, others, scale):
    """Formulas of the same terms, one with other factors and one with every factor times
    one number, each instantiated after the other: the structures (classes, ratios, fixed
    part and all) are those with nothing remembered."""
    text = _text(terms)
    other = _text([(t, c) for (t, _), c in zip(terms, others, strict=False)])
    scaled = _text([(t, Fraction(c) * scale) for t, c in terms])
    assert _after(other, text) == _fresh(text)
    assert _after(text, other) == _fresh(other)
    assert _after(text, scaled) == _fresh(scaled)


def _term(coefficient: int, *names: str) -> Term:
    return Term(sympy.Integer(coefficient), (), tuple(Access(name, ()) for name in names))


INPUTS = {"x": (0, (3,))}


@pytest.mark.parametrize(
    ("terms", "weights", "key"),
    [
        pytest.param([("w", "x"), ("b",)], [7, 1], (True, (1, 1)), id="apart: each its own"),
        pytest.param([("w", "x"), ("w", "x")], [2, 4], (True, (1, 2)), id="shared: one divisor"),
        pytest.param([("w", "x"), ("w", "x")], [-2, 4], (True, (1, -2)), id="first sign"),
        pytest.param([("w", "x"), ("w", "x")], [0, -3], (True, (0, 1)), id="first not 0"),
        pytest.param([("w", "x"), ("w", "x")], [0, 0], (True, (0, 0)), id="all 0"),
        pytest.param([("w", "x"), ("a", "x")], [4, 6], (True, (1, 1)), id="an input ties none"),
        pytest.param(
            [("w", "x"), ("w", "v"), ("v",), ("b",)],
            [2, 4, 6, 5],
            (True, (1, 2, 3, 1)),
            id="linked through a product",
        ),
        pytest.param(
            [("v",), ("b",), ("w", "x"), ("w", "v")],
            [6, 5, 2, 4],
            (True, (3, 1, 1, 2)),
            id="linked later",
        ),
        pytest.param(
            [("w",), ("b",)], [2**27 - 1, 2], (True, (1, 1)), id="just under the exact bound"
        ),
        pytest.param(
            [("w",), ("b",)], [2**27, 2], (False, (2**27, 2)), id="a weight too large: kept"
        ),
        pytest.param(
            [("w",), ("b",)], [2, -(2**27)], (False, (2, -(2**27))), id="a negative one too"
        ),
    ],
)
def test_the_weights_key_divides_each_set_of_terms_sharing_a_parameter(terms, weights, key):
    made = [_term(w, *names) for names, w in zip(terms, weights, strict=True)]
    assert layer._weights_key(made, weights, INPUTS) == key


def test_a_memo_key_is_hashed_once_and_compared_whole():
    hashed = []

    class Counted:
        def __hash__(self) -> int:
            hashed.append(1)
            return 7

    part = Counted()
    memo = layer.BytesMemo(800, lambda value: value.nbytes)
    made = []

    def compute() -> np.ndarray:
        made.append(1)
        return np.zeros(2, dtype=np.int64)

    first = memo.get((part, 1), compute)
    assert hashed == [1] and made == [1]
    assert memo.get((part, 1), compute) is first  # found: one hash, one look-up
    assert hashed == [1, 1] and made == [1]
    assert memo.get((part, 2), compute) is not first  # the same hash, another key
    assert made == [1, 1] and len(memo.entries) == 2
    key = layer._HashedOnce((1, "a"))
    assert key == layer._HashedOnce((1, "a")) and hash(key) == hash((1, "a"))
    assert key != layer._HashedOnce((1, "b")) and key != (1, "a")


def test_remembered_classes_cannot_be_changed_and_are_bounded():
    _forget()
    layer.instantiate(_formula(f"y_{{i,j,k}} = 2 {W} + b_k"), SPEC, FIRST)
    (kept,) = layer._classes_memo.entries.values()
    for array in (kept.connections, kept.classes, kept.ratios):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0
    assert layer._classes_memo.bytes == kept.connections.nbytes * 3
    assert layer._classes_memo.limit == layer.CLASSES_MEMO_BYTES == 8 * 2**20


def _fixed_part_summed(connections, weights, scale):
    """`_fixed_part` as it was: every connection's weights summed after a sort."""
    if not connections:
        return ()
    connection = np.concatenate(connections)
    weight = np.concatenate(weights)
    unique, inverse = np.unique(connection, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=weight.astype(np.float64)).round().astype(np.int64)
    fraction = {int(w): Fraction(int(w), scale) for w in np.unique(total)}
    return tuple(
        (c, fraction[w]) for c, w in zip(unique.tolist(), total.tolist(), strict=True) if w != 0
    )


_WEIGHTS = st.sampled_from([0, 1, -1, 3, 2**53 - 1, 2**53, -(2**53), 2**60])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.integers(0, 40), max_size=12), _WEIGHTS), min_size=1, max_size=3
    ),
    st.booleans(),
    st.sampled_from([1, 2, 6]),
)
def test_a_fixed_part_is_the_summed_one(parts, ordered, scale):
    """Connections sorted and distinct or not, weights exact in float64 or not: the fixed
    part is what summing every connection's weights gives."""
    connections = [np.array(sorted(set(c)) if ordered else c, dtype=np.int64) for c, _ in parts]
    weights = [
        np.full(len(c), w, dtype=np.int64) for c, (_, w) in zip(connections, parts, strict=True)
    ]
    written = [w for _, w in parts]  # each term's one weight, its arrays made where needed
    assert layer._fixed_part(connections, written, scale) == _fixed_part_summed(
        connections, weights, scale
    )


@pytest.mark.parametrize(
    ("connection", "weight", "once"),
    [
        ([], [], True),
        ([4], [3], True),
        ([1, 2, 9], [1, 1, 1], True),
        ([1, 1], [1, 1], False),
        ([2, 1], [1, 1], False),
        ([1, 2], [1, 2**53], False),
        ([1, 2], [-(2**53), 1], False),
        ([1, 2], [2**53 - 1, -(2**53 - 1)], True),
    ],
)
def test_each_once_is_sorted_distinct_and_exact(connection, weight, once):
    array = np.array(connection, dtype=np.int64)
    assert layer._each_once(array, np.array(weight, dtype=np.int64)) is once


@pytest.mark.parametrize(
    ("low", "high", "length"),
    [(1, "C", "C"), (-1, 1, "3"), (0, "K-1", "K"), ("g", "g+D/G-1", "D/G")],
)
def test_a_sums_length(low, high, length):
    symbols = {name: sympy.Symbol(name) for name in ("C", "K", "g", "D", "G")}
    low, high = (sympy.sympify(v, locals=symbols) for v in (low, high))
    assert _range_length(low, high) == sympy.sympify(length, locals=symbols)


def test_a_count_at_sizes_is_a_whole_number_or_none():
    c, d = sympy.symbols("C D")
    assert _count_at(c * d + d, ((c, 3), (d, 2))) == 8
    assert _count_at(c * d / 4, ((c, 3), (d, 2))) is None
    assert _count_at(c * d, ((c, 3),)) is None  # D not given


def test_tokens_are_read_as_before():
    assert tokenize(r"y_{i,k} = Σ_{l=1}^{C} 2 w_{l,k} x_{i,l} + b <= 3") == [
        Token("NAME", "y", 0),
        Token("_", "_", 1),
        Token("{", "{", 2),
        Token("NAME", "i", 3),
        Token(",", ",", 4),
        Token("NAME", "k", 5),
        Token("}", "}", 6),
        Token("=", "=", 8),
        Token("SUM", "Σ", 10),
        Token("_", "_", 11),
        Token("{", "{", 12),
        Token("NAME", "l", 13),
        Token("=", "=", 14),
        Token("NUMBER", "1", 15),
        Token("}", "}", 16),
        Token("^", "^", 17),
        Token("{", "{", 18),
        Token("NAME", "C", 19),
        Token("}", "}", 20),
        Token("NUMBER", "2", 22),
        Token("NAME", "w", 24),
        Token("_", "_", 25),
        Token("{", "{", 26),
        Token("NAME", "l", 27),
        Token(",", ",", 28),
        Token("NAME", "k", 29),
        Token("}", "}", 30),
        Token("NAME", "x", 32),
        Token("_", "_", 33),
        Token("{", "{", 34),
        Token("NAME", "i", 35),
        Token(",", ",", 36),
        Token("NAME", "l", 37),
        Token("}", "}", 38),
        Token("+", "+", 40),
        Token("NAME", "b", 42),
        Token("REL", "≤ ", 44),
        Token("NUMBER", "3", 47),
    ]
    assert [t.end for t in tokenize("ab + 12")] == [2, 4, 7]


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        pytest.param(
            rf"y_{{i,j,k}} = 2 {W} + b_k",
            "y[i,j,k] = Σ_{l=1..C} 2·w[l,k]·x[i,j,l] + b[k]",
            id="no sum renamed",
        ),
        pytest.param(
            r"y_{i,j,k} = (\sum_{l=1}^{C} a_{l,k}) (\sum_{l=1}^{C} w_{l,k} x_{i,j,l})",
            "y[i,j,k] = Σ_{l=1..C} Σ_{l'=1..C} a[l,k]·w[l',k]·x[i,j,l']",
            id="the second sum over l renamed",
        ),
        pytest.param(
            r"y_{i,j,k} = 3 (b_k + \sum_{l=1}^{C} w_{l,k} x_{i,j,l})",
            "y[i,j,k] = 3·b[k] + Σ_{l=1..C} 3·w[l,k]·x[i,j,l]",
            id="a factor times a bracket",
        ),
    ],
)
def test_products_are_read_as_before(text, reading):
    formula = _formula(text)
    assert formula.reading == reading
    assert [_whole(s) for s in structures(formula, SPEC, CONTEXT.size_sets)] == _fresh(text)


def test_an_index_coefficient_that_is_not_rational_is_refused_in_words():
    """What `_rational` says of a coefficient that is not a fraction (a reader of formulas
    makes none: a decimal 1.5 is read as 3/2; this is its guard, pinned)."""
    i = sympy.Symbol("i", integer=True)
    with pytest.raises(layer.AnswerTooLargeError) as refused:
        layer._rational(sympy.Float(1.5), 1.5 * i)
    assert (refused.value.position, refused.value.message) == (
        0,
        "the index 1.5*i is not a sum of indices",
    )
    assert layer._rational(sympy.Rational(-3, 2), i) == Fraction(-3, 2)


def test_distinct_rows_too_spread_to_pack_are_counted_as_rows():
    """Rows whose spreads multiply past 2**62 are not packed into one integer: numpy's unique
    of rows counts them (rows, not columns)."""
    rows = np.array([[0, 0], [2**40, 2**40], [0, 0], [0, 2**40]], dtype=np.int64)
    assert layer._packed(rows) is None
    assert layer._distinct_rows(rows) == 3
    assert layer._distinct_rows(rows[:3]) == 2


def test_a_layer_whose_tensors_differ_in_rank_has_no_positional_axes():
    """x: P×Q×C to y: D (a dense layer read flat): no axis of y runs along one of x."""
    p, q, c, d = sympy.symbols("P Q C D", positive=True, integer=True)
    flat = LayerSpec(TensorSpec("x", (p, q, c)), TensorSpec("y", (d,)))
    assert layer.spatial_axes(flat) == 0
    same = LayerSpec(TensorSpec("x", (p, q, c)), TensorSpec("y", (p, q, d)))
    assert layer.spatial_axes(same) == 2


def test_a_formula_that_never_reaches_a_needed_connection_differs_without_being_weighed(
    monkeypatch,
):
    """`differs_at_first_sizes` with a formula indexed from 0 (x_{i,j,l+1} never reads
    channel 1): the reached connections decide, and the formula is not instantiated."""
    from grader.kinds.formula import check
    from grader.kinds.formula.index_base import indexed_from_zero

    reference = _formula(f"y_{{i,j,k}} = {W} + b_k")
    shifted = indexed_from_zero(_formula(f"y_{{i,j,k}} = 3 {W} + b_k"), SPEC)
    structures(reference, SPEC, CONTEXT.size_sets)  # the reference's, remembered first

    def weighed(*_):
        raise AssertionError("instantiated")

    monkeypatch.setattr(check, "instantiate", weighed)
    assert check.differs_at_first_sizes(shifted, reference, SPEC, CONTEXT.size_sets) is True
    with pytest.raises(AssertionError, match="instantiated"):  # one that reaches them all
        check.differs_at_first_sizes(reference, reference, SPEC, CONTEXT.size_sets)


# A term of two parameters whose every read falls outside the input adds no connection, yet
# makes the structure inexact (`products`): the remembered classes must not be shared with a
# formula without it (found by review: the reference's entry made it correct, a fresh worker
# sent it to a person).
OUTSIDE_PRODUCT = f"y_{{i,j,k}} = {W} + b_k + u_k v_k x_{{i+100,j,1}}"


@pytest.mark.parametrize(
    ("before", "text"),
    [
        pytest.param(f"y_{{i,j,k}} = {W} + b_k", OUTSIDE_PRODUCT, id="the product after"),
        pytest.param(OUTSIDE_PRODUCT, f"y_{{i,j,k}} = 3 {W} + b_k", id="the product before"),
    ],
)
def test_a_product_reading_outside_is_not_shared_with_a_formula_without_it(before, text):
    assert _after(before, text) == _fresh(text)


def test_an_answer_with_a_product_reading_outside_goes_to_a_person_after_the_reference():
    from grader.grade import grade_answer

    structures.cache_clear()
    _after(ITEM.answer_text, ITEM.answer_text)  # the reference's classes remembered, as loaded
    result = grade_answer(RUBRIC, ITEM, OUTSIDE_PRODUCT)
    assert (result.verdict, result.marks) == ("needs_review", 0.0)  # as checked alone
