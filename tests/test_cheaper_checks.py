"""What the checks of an all-distinct class remember (issue 20, branch checks2) changes no
result: a term's enumeration, a frame of sizes and a structure's facts, remembered from other
formulas, give what working them out afresh gives; a term's parameters keep their own names
in every formula that writes it; the quick test of `differs_at_first_sizes` agrees with
comparing the instantiated structures; the memos stay within their bounds; a wrong count's
sides, remembered, are told as when compared afresh."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grade import grade_answer
from grader.kinds.count import terms as count_terms
from grader.kinds.formula import layer
from grader.kinds.formula.check import differs_at_first_sizes, structures, written_count
from grader.kinds.formula.index_base import indexed_from_zero
from grader.kinds.formula.parse import parse_formula
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
CONTEXT = RUBRIC.context
ITEM = RUBRIC.items["c.formula"]  # x: P×Q×C to y: P×Q×D, one weight per channel pair
SPEC = ITEM.spec.layer
FIRST = dict(CONTEXT.size_sets[0])  # P=5, Q=4, C=3, D=2

W = r"\sum_{l=1}^{C} w_{l,k} x_{i,j,l}"
A = r"\sum_{l=1}^{C} a_{l,k} x_{i,j,l}"
WINDOW = r"\sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l}"

# Formulas sharing terms, written in other orders and with other factors in front, so that a
# remembered term is met again where its parameters have other numbers in the formula.
POOL = (
    rf"y_{{i,j,k}} = {W} + b_k",
    rf"y_{{i,j,k}} = b_k + {W}",
    rf"y_{{i,j,k}} = 3 {W} + b_k",
    rf"y_{{i,j,k}} = {W} + {A} + b_k",
    rf"y_{{i,j,k}} = {A} + {W} + b_k",
    rf"y_{{i,j,k}} = b_k + {A} - 2 {W}",
    rf"y_{{i,j,k}} = {WINDOW} + b_k",
    rf"y_{{i,j,k}} = b_k + {WINDOW}",
    r"y_{i,j,k} = 2 x_{i,j,k} + b_k",
    r"y_{i,j,k} = b_k + x_{i,j,k+1}",
    r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + w_{1,k}",
)


def _formula(text: str):
    return parse_formula(text, CONTEXT.symbol_table, SPEC, ITEM.reference)


def _forget() -> None:
    layer._term_memo.clear()
    layer._facts_memo.clear()
    layer._frame_memo.clear()
    layer._formula_frames.clear()
    layer._classes_memo.clear()


def _whole(structure: layer.Structure) -> tuple:
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
    )


@pytest.mark.parametrize(
    ("text", "nominal", "effective"),
    [
        pytest.param(POOL[0], 3 * 2 + 2, 3 * 2 + 2, id="weights then a bias"),
        pytest.param(POOL[1], 3 * 2 + 2, 3 * 2 + 2, id="a bias then the weights"),
        pytest.param(POOL[3], 2 * 3 * 2 + 2, 3 * 2 + 2, id="two weight tensors acting as one"),
        pytest.param(POOL[4], 2 * 3 * 2 + 2, 3 * 2 + 2, id="the same two the other way round"),
        pytest.param(POOL[5], 2 * 3 * 2 + 2, 3 * 2 + 2, id="the two with a bias first"),
        pytest.param(POOL[6], 9 * 3 * 2 + 2, 9 * 3 * 2 + 2, id="a 3x3 window and a bias"),
        pytest.param(POOL[8], 2, 2, id="no weights, a bias"),
        pytest.param(POOL[10], 3 * 2, 3 * 2, id="one tensor in two terms"),
    ],
)
def test_a_remembered_term_keeps_its_parameters_apart(text, nominal, effective):
    """Every formula of the pool instantiated first, then this one: its parameters are
    counted as written (a_{l,k} and w_{l,k} are two tensors, b_k a third), whichever term
    wrote each first in the formulas before it."""
    _forget()
    for other in POOL:
        layer.instantiate(_formula(other), SPEC, FIRST)
    structure = layer.instantiate(_formula(text), SPEC, FIRST)
    assert (structure.nominal, structure.effective) == (nominal, effective)


@settings(max_examples=40, deadline=None)
@given(st.permutations(POOL))
def test_remembered_terms_frames_and_facts_give_what_working_them_out_gives(order):
    """Each formula, instantiated after the others in some order (its terms and frames
    remembered from them), is the structure it is when nothing is remembered, with the same
    facts."""
    _forget()
    warm = {}
    for text in order:
        formula = _formula(text)
        for sizes in CONTEXT.size_sets:
            structure = layer.instantiate(formula, SPEC, dict(sizes))
            warm[text, sizes] = (_whole(structure), layer.facts(structure, 2))
    for (text, sizes), (whole, facts) in warm.items():
        _forget()
        structure = layer.instantiate(_formula(text), SPEC, dict(sizes))
        assert whole == _whole(structure)
        fresh = layer._facts(structure, 2)
        for name in fresh.__dataclass_fields__:
            mine, theirs = getattr(facts, name), getattr(fresh, name)
            if isinstance(theirs, np.ndarray):
                assert np.array_equal(mine, theirs), name
            else:
                assert mine == theirs, name


def test_remembered_arrays_cannot_be_changed():
    _forget()
    structure = layer.instantiate(_formula(POOL[6]), SPEC, FIRST)
    facts = layer.facts(structure, 2)
    with pytest.raises(ValueError, match="read-only"):
        facts.weights[0] = 0
    kept = [e for e in layer._term_memo.entries.values() if e is not None]
    assert len(kept) == 2  # the window's term and the bias's
    for entries in kept:
        for array in (entries.connection, entries.rows):
            with pytest.raises(ValueError, match="read-only"):
                array[0] = 0


@pytest.mark.parametrize("first", POOL)
def test_reached_holds_every_connection_the_structure_has(first):
    structure = layer.instantiate(_formula(first), SPEC, FIRST)
    reached = set(layer.reached(_formula(first), SPEC, FIRST).tolist())
    assert set(structure.connections.tolist()) <= reached
    assert {connection for connection, _ in structure.fixed} <= reached


@pytest.mark.parametrize("second", POOL + (ITEM.answer_text,))
@pytest.mark.parametrize("first", POOL)
def test_the_quick_test_agrees_with_the_structures(first, second):
    """`differs_at_first_sizes` as the structures at the first size set tell it, for the
    formulas as written and indexed from 0 (as the other index base is tried)."""
    for shifted in (False, True):
        a = _formula(first)
        a = indexed_from_zero(a, SPEC) if shifted else a
        b = _formula(second)
        expected = (
            layer.instantiate(a, SPEC, FIRST).signature()
            != structures(b, SPEC, CONTEXT.size_sets)[0].signature()
        )
        assert differs_at_first_sizes(a, b, SPEC, CONTEXT.size_sets) == expected


def test_the_quick_test_is_what_decides_a_formula_shifted_off_the_input():
    """A formula indexed from 0 reads x_{i,j,l+1}: it never reads channel 1, which the
    reference does, so it differs without being instantiated."""
    shifted = indexed_from_zero(_formula(POOL[0]), SPEC)
    reference = _formula(POOL[0])
    needed = structures(reference, SPEC, CONTEXT.size_sets)[0].connections
    assert not np.isin(needed, layer.reached(shifted, SPEC, FIRST)).all()
    assert differs_at_first_sizes(shifted, reference, SPEC, CONTEXT.size_sets) is True


def test_a_formulas_written_count_is_its_own_whatever_was_counted_before():
    """`written_count` is remembered by the terms' sums and factors, not their factors in
    front: formulas alike but for that count alike; others do not take their count."""
    counts = [
        str(written_count(_formula(text), SPEC, live_only))
        for text in (POOL[0], POOL[2], POOL[3], POOL[6])
        for live_only in (True, False)
    ]
    assert counts == [
        "C*D + D",
        "C*D + D",
        "C*D + D",
        "C*D + D",
        "2*C*D + D",
        "2*C*D + D",
        "9*C*D + D",
        "9*C*D + D",
    ]


def _array_memo(limit: int) -> layer.BytesMemo:
    return layer.BytesMemo(limit, lambda value: value.nbytes)


def test_a_bytes_memo_forgets_the_oldest_first_and_stays_within_its_bound():
    memo = _array_memo(800)  # 100 int64
    made = []

    def make(n: int):
        def compute() -> np.ndarray:
            made.append(n)
            return np.zeros(n, dtype=np.int64)

        return compute

    for key in range(5):
        memo.get((key,), make(40))  # 320 bytes each: over a quarter, never kept
    assert memo.entries == {} and memo.bytes == 0
    for key in range(5):
        memo.get((key,), make(20))  # 160 bytes each: five fit in 800
    assert [k.key for k in memo.entries] == [(0,), (1,), (2,), (3,), (4,)] and memo.bytes == 800
    memo.get((0,), make(20))  # remembered, now the newest
    memo.get((5,), make(20))  # one more: the oldest, now (1,), goes
    assert [k.key for k in memo.entries] == [(2,), (3,), (4,), (0,), (5,)] and memo.bytes == 800
    assert made == [40] * 5 + [20] * 5 + [20]
    memo.clear()
    assert memo.entries == {} and memo.bytes == 0
    memo.get(("quarter",), make(25))  # 200 bytes, a quarter exactly: kept
    memo.get(("more",), make(26))  # 208 bytes: not
    assert [k.key for k in memo.entries] == [("quarter",)] and memo.bytes == 200


def test_a_bytes_memo_remembers_no_error():
    memo = _array_memo(800)
    calls = []

    def failing() -> np.ndarray:
        calls.append(1)
        raise layer.NotWholeError("", 0, "not whole")

    for _ in range(2):
        with pytest.raises(layer.NotWholeError):
            memo.get(("bad",), failing)
    assert calls == [1, 1] and memo.entries == {}


COUNTS = (
    ("a.params", "2PQCD + PQD"),
    ("a.params", "3PQCD + PQD"),
    ("b.params", "9CD + 2D"),
    ("b.params", "9CD + PQD"),
    ("b.params", "PQD + 9CD"),
    ("c.params", "2CD + D"),
    ("c.params", "CD + PQD"),
    ("d.params", "2CD"),
    ("d.params", "CD + D"),
)


def test_a_wrong_counts_remembered_sides_say_what_they_said_afresh():
    """Each count graded after all of them (their sides remembered) is graded as it is with
    nothing remembered: verdict, marks, diagnosis, feedback and all."""
    count_terms._side_memo.clear()
    for item, text in COUNTS:
        grade_answer(RUBRIC, RUBRIC.items[item], text)
    warm = [grade_answer(RUBRIC, RUBRIC.items[item], text) for item, text in COUNTS]
    fresh = []
    for item, text in COUNTS:
        count_terms._side_memo.clear()
        fresh.append(grade_answer(RUBRIC, RUBRIC.items[item], text))
    assert warm == fresh
    assert len(count_terms._side_memo) <= count_terms.SIDE_MEMO


monomials = st.tuples(
    st.fractions(min_value=-50, max_value=50, max_denominator=6),
    st.tuples(*(st.integers(0, 3) for _ in range(4))),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(monomials, min_size=0, max_size=5))
def test_a_polynomial_is_shown_as_its_expression_is(terms):
    """`_Case.show_polynomial` prints what `show` prints for the polynomial made a sympy
    expression (and read back), for the rubric's symbols P, Q, C, D."""
    from grader.kinds.count.check import _Case
    from grader.kinds.count.polynomials import polynomial_ring

    order = tuple(spec.symbol for spec in CONTEXT.symbols)
    ring = polynomial_ring(order)
    polynomial = ring.zero
    for coefficient, exponents in terms:
        polynomial += ring({exponents: ring.domain(coefficient.numerator, coefficient.denominator)})
    item = RUBRIC.items["a.params"]
    case = _Case((polynomial, ring.one), (polynomial, ring.one), item, tuple(CONTEXT.symbols))
    assert case.show_polynomial(polynomial) == case.show(polynomial.as_expr())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFFF)))
def test_fullwidth_forms_map_as_character_by_character(text):
    """The translation table maps exactly U+FF01..U+FF5E down by 0xFEE0, as the rule read
    character by character did."""
    from grader.normalise import map_fullwidth_forms

    expected = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)
    assert map_fullwidth_forms(text) == expected
    assert map_fullwidth_forms("\uff00\uff01\uff5e\uff5f") == "\uff00!~\uff5f"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(monomials, min_size=1, max_size=4),
    st.lists(monomials, min_size=1, max_size=4),
    st.tuples(*(st.integers(0, 2) for _ in range(4))),
    st.fractions(min_value=-9, max_value=9, max_denominator=4).filter(lambda f: f != 0),
    st.booleans(),
)
def test_a_monomial_ratio_is_found_exactly_when_the_products_agree(top, bottom, shift, k, scaled):
    """`_monomial_ratio` (which compares n·x^β with k·x^α·m term by term) says what the
    products themselves say: a ratio where they are equal, None where not. With `scaled`,
    the bottom is the top times k·x^shift, so that a ratio exists."""
    from grader.kinds.count.check import _monomial_ratio
    from grader.kinds.count.polynomials import polynomial_ring

    ring = polynomial_ring(tuple(spec.symbol for spec in CONTEXT.symbols))

    def polynomial(terms):
        made = ring.zero
        for coefficient, exponents in terms:
            made += ring({exponents: ring.domain(coefficient.numerator, coefficient.denominator)})
        return made

    n = polynomial(top)
    m = (
        n.mul_term((shift, ring.domain(k.numerator, k.denominator)))
        if scaled
        else polynomial(bottom)
    )
    found = _monomial_ratio((n, ring.one), (m, ring.one))
    if not n or not m or len(n) != len(m):
        assert found is None
        return
    difference = [x - y for x, y in zip(n.LM, m.LM, strict=True)]
    alpha = tuple(max(e, 0) for e in difference)
    beta = tuple(max(-e, 0) for e in difference)
    ratio = n.LC / m.LC
    if n.mul_monom(beta) != m.mul_term((alpha, ratio)):
        assert found is None
    else:
        assert found is not None
        assert found.numerator * m == found.denominator * n


def test_a_frame_is_remembered_by_what_it_reads_and_the_oldest_forgotten_first(monkeypatch):
    """Two formulas alike in their sums' bounds and output index share one frame; with room
    for three, a fourth set of sizes pushes out the one least recently asked for (the memo
    behind `_frame`'s by formula, `_frame_read`)."""
    monkeypatch.setattr(layer, "FRAME_MEMO", 3)
    _forget()

    def kept() -> list[int]:
        return [dict(key.key[-1])["P"] for key in layer._frame_memo]

    first = layer._frame_read(_formula(POOL[0]), SPEC, FIRST)
    for p in (6, 7):
        layer._frame_read(_formula(POOL[0]), SPEC, dict(FIRST, P=p))
    assert kept() == [5, 6, 7]
    assert layer._frame_read(_formula(POOL[2]), SPEC, FIRST) is first  # another factor in front
    assert kept() == [6, 7, 5]
    layer._frame_read(_formula(POOL[0]), SPEC, dict(FIRST, P=8))
    assert kept() == [7, 5, 8]
    assert layer._frame_read(_formula(POOL[6]), SPEC, FIRST) is not first  # other sums
    assert kept() == [5, 8, 5] and len(layer._frame_memo) == 3
    layer._frame_read(_formula(POOL[0]), SPEC, dict(FIRST, P=9))
    assert layer._frame_read(_formula(POOL[0]), SPEC, FIRST) is not first  # forgotten, made again


@pytest.mark.parametrize(
    ("text", "kept_as"),
    [
        (rf"y_{{i,j,k}} = {W} + b_k", np.int16),
        (rf"y_{{i,j,k}} = {WINDOW} + b_k", np.int16),
        (r"y_{i,j,k} = \sum_{l=1}^{C} w_{40000 l,k} x_{i,j,l} + b_k", np.int32),
        (r"y_{i,j,k} = \sum_{l=1}^{C} w_{100000 \cdot 100000 l,k} x_{i,j,l} + b_k", np.int64),
    ],
)
def test_remembered_rows_are_kept_narrow_and_read_as_int64(text, kept_as):
    """The term memo keeps a term's parameter rows in the narrowest integer type that holds
    them (most of what it held, at int64), counts them at int64 against its bound (so it keeps
    the terms it kept before), and gives them back as int64 with the same values."""
    _forget()
    formula = _formula(text)
    layer.instantiate(formula, SPEC, FIRST)
    kept = [e for e in layer._term_memo.entries.values() if e is not None]
    assert sorted(e.parameters for e in kept) == [("b",), ("w",)]
    for entries in kept:
        assert entries.rows.dtype == (kept_as if entries.parameters == ("w",) else np.int16)
        assert entries.size == entries.connection.nbytes + entries.rows.size * 8
        term = next(t for t in formula.terms if t.factors and entries.parameters[0] in str(t))
        named = layer._named_rows(entries, term, {})
        assert named.dtype == np.int64
        assert np.array_equal(named, entries.rows)
