"""The cheaper count checks of branch `cchk` (issue 20) change no result: each quicker helper
gives what the code it replaced gave (kept here as the reference: sympy expressions read back,
polynomials multiplied factor by factor, variants compared one by one), and what is worked out
once per rubric count and remembered gives what working it out afresh gives."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grade import grade_answer
from grader.kinds.count import check as count_check
from grader.kinds.count import polynomials
from grader.kinds.count import terms as count_terms
from grader.kinds.count.check import (
    CheckDisagreement,
    _Case,
    _first_value,
    _is_one,
    _matches,
    _may_match,
    _monomial_ratio,
    _polynomial_ratio,
    _quotient_number,
    _quotient_shown,
    _renamed,
    _renamed_possible,
    fractions_equal,
    show_count,
)
from grader.kinds.count.parse import parse
from grader.kinds.count.polynomials import as_fraction, polynomial_ring
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
CONTEXT = RUBRIC.context
ORDER = tuple(spec.symbol for spec in CONTEXT.symbols)  # P, Q, C, D
RING = polynomial_ring(ORDER)
P, Q, C, D = ORDER

coefficients = st.fractions(min_value=-30, max_value=30, max_denominator=6).filter(bool)
exponents = st.tuples(*(st.integers(0, 3) for _ in range(4)))
monomials = st.tuples(coefficients, exponents)


def _polynomial(terms) -> object:
    made = RING.zero
    for coefficient, powers in terms:
        made += RING({powers: RING.domain(coefficient.numerator, coefficient.denominator)})
    return made


def _old_monomial_ratio(n, m):
    """`_monomial_ratio` of (n, 1) and (m, 1) as main had it before this branch: leading
    terms by the ring's LM and LC, both products made and compared."""
    if not n or len(n) != len(m):
        return None
    difference = [x - y for x, y in zip(n.LM, m.LM, strict=True)]
    alpha = tuple(max(e, 0) for e in difference)
    beta = tuple(max(-e, 0) for e in difference)
    k = n.LC / m.LC
    if n.mul_monom(beta) != m.mul_term((alpha, k)):
        return None
    return (
        RING.term_new(alpha, RING.domain(k.numerator)),
        RING.term_new(beta, RING.domain(k.denominator)),
    )


# --- A ratio of monomials --------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(monomials, min_size=0, max_size=4),
    st.lists(monomials, min_size=0, max_size=4),
    exponents,
    coefficients,
    st.booleans(),
)
def test_a_ratio_of_polynomials_is_the_one_the_products_give(top, bottom, shift, k, scaled):
    """`_polynomial_ratio` (one term over another at once, several term by term) gives the
    very polynomials the products gave, or None where they did; `_monomial_ratio` of the
    two over 1 the same. With `scaled`, the bottom is the top times k·x^shift."""
    n = _polynomial(top)
    m = (
        n.mul_term((shift, RING.domain(k.numerator, k.denominator)))
        if scaled
        else _polynomial(bottom)
    )
    expected = _old_monomial_ratio(n, m)
    for found in (_polynomial_ratio(n, m), _monomial_ratio((n, RING.one), (m, RING.one))):
        if expected is None:
            assert found is None
        else:
            assert (found.numerator, found.denominator) == expected
            assert dict(found.numerator) == dict(expected[0])  # no zero terms either
            assert dict(found.denominator) == dict(expected[1])


@pytest.mark.parametrize(
    ("top", "bottom", "ratio"),
    [
        (2 * P * Q * C * D, P**2 * Q**2 * C * D, (2, P * Q)),  # 2/(P·Q): a factor each way
        (9 * C * D, C * D, (9, 1)),  # a number
        (C * D, 9 * C * D, (1, 9)),
        (-4 * D, 6 * C * D, (-2, 3 * C)),  # the sign on top, lowest terms
        (P * Q * D, D, (P * Q, 1)),
        (Q * D, P * D, (Q, P)),  # one size for another
        (3 * C * D + D, C * D, None),  # two terms over one
        (2 * C * D + 2 * D, C * D + D, (2, 1)),  # term by term
        (2 * C * D + 3 * D, C * D + D, None),
        (C * D + D, C**2 * D + C * D, (1, C)),
    ],
)
def test_a_ratio_of_polynomials_in_lowest_terms(top, bottom, ratio):
    n, m = (as_fraction(sympy.expand(e), ORDER)[0] for e in (top, bottom))
    found = _polynomial_ratio(n, m)
    if ratio is None:
        assert found is None
        return
    assert found.numerator == as_fraction(sympy.sympify(ratio[0]), ORDER)[0]
    assert found.denominator == as_fraction(sympy.sympify(ratio[1]), ORDER)[0]


def test_only_the_rings_one_is_one():
    assert _is_one(RING.one)
    assert not _is_one(RING.zero)
    assert not _is_one(RING({(0, 0, 0, 0): RING.domain(2)}))
    assert not _is_one(RING({(1, 0, 0, 0): RING.domain(1)}))  # P
    assert not _is_one(RING.one + RING.gens[0])  # 1 + P


@settings(max_examples=300, deadline=None)
@given(coefficients, exponents, exponents)
def test_a_quotient_of_monomials_is_shown_and_valued_as_its_sympy_expression(k, up, down):
    """`_quotient_number` and `_quotient_shown` say what `value()` (a sympy expression) and
    `show_count` of it said, for every ratio of monomials `_monomial_ratio` makes."""
    n = RING({up: RING.domain(k.numerator, k.denominator)})
    m = RING({down: RING.domain(1)})
    quotient = _polynomial_ratio(n, m)
    value = quotient.numerator.as_expr() / quotient.denominator.as_expr()  # as main had it
    assert _quotient_shown(quotient) == show_count(value, ORDER)
    if quotient.is_number:
        number = _quotient_number(quotient)
        assert number == value and str(number) == str(value)
        assert (number > 1) == bool(value > 1)


# --- A count read as polynomials ---------------------------------------------------------


def _walked(expr):
    """`as_fraction` as main had it: every product multiplied factor by factor."""
    original = polynomials._monomial
    polynomials._monomial = lambda node, ring, symbols: None
    try:
        return as_fraction.__wrapped__(expr, ORDER)
    finally:
        polynomials._monomial = original


factors = st.one_of(
    st.sampled_from(ORDER),
    st.builds(lambda s, e: s**e, st.sampled_from(ORDER), st.integers(-3, 4)),
    st.builds(sympy.Rational, st.integers(-40, 40), st.integers(1, 7)),
)
products = st.lists(factors, min_size=1, max_size=5).map(lambda f: sympy.Mul(*f))
counts = st.lists(products, min_size=1, max_size=4).map(lambda t: sympy.Add(*t))


@settings(max_examples=300, deadline=None)
@given(st.one_of(products, counts, st.builds(lambda a, b: a / b, counts, products)))
def test_a_product_read_as_one_term_is_the_product_of_its_factors(expr):
    """Reading a product of a number and powers of sizes as one term gives the very
    numerator and denominator the factor-by-factor walk gave (also inside sums, and over
    divisions, which the walk still reads)."""
    if expr == 0 or expr.has(sympy.zoo, sympy.nan):
        return  # a division by a product that is 0: no count
    assert as_fraction.__wrapped__(expr, ORDER) == _walked(expr)


@pytest.mark.parametrize(
    "text",
    ["2PQCD + PQD", "9CD + D", "-3C^2 D", "C D/2", "P^2 Q^-1 D", "(2/3) C D", "2^C D", "⌊P/2⌋ D"],
)
def test_a_students_count_is_read_as_before(text):
    expr = parse(text, CONTEXT.symbol_table).expr
    if not polynomials.is_rational_count(expr):
        with pytest.raises(ValueError):
            as_fraction.__wrapped__(expr, ORDER)
        return
    assert as_fraction.__wrapped__(expr, ORDER) == _walked(expr)


def test_a_product_with_a_size_outside_the_ring_is_refused_as_before():
    other = sympy.Symbol("K", positive=True, integer=True)
    for expr in (2 * other * C, other**2 * D, sympy.floor(C / 2) * D):
        with pytest.raises(ValueError):
            as_fraction.__wrapped__(expr, ORDER)


# --- Variants told apart at the first point ------------------------------------------------


fractions_of_counts = st.tuples(
    st.lists(monomials, min_size=1, max_size=3), st.lists(monomials, min_size=1, max_size=2)
).map(lambda t: (_polynomial(t[0]), _polynomial(t[1])))


@settings(max_examples=300, deadline=None)
@given(fractions_of_counts, fractions_of_counts)
def test_counts_passed_over_at_the_first_point_are_never_equal(a, b):
    """Where `_may_match` turns two counts down by their first sampled values, the full
    comparison says they differ too."""
    if not a[1] or not b[1]:
        return
    if not _may_match(_first_value(a), _first_value(b)):
        assert fractions_equal(a, b) is False
        assert _matches(a, b) is False
    assert _may_match(_first_value(a), _first_value(a))


def test_a_count_without_a_value_at_the_first_point_may_match_anything():
    point = count_check._sample_points(count_check.SAMPLE_POINTS, 4)[0]
    vanishing = (RING.one, RING.gens[0] - RING(point[0]))  # 1/(P - p): none at P = p
    assert _first_value(vanishing) is None
    assert _may_match(None, Fraction(3)) and _may_match(Fraction(3), None)
    assert not _may_match(Fraction(3), Fraction(4)) and _may_match(Fraction(3), Fraction(6, 2))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["a.params", "b.params", "c.params", "d.params"]), st.integers(0, 11))
def test_the_renamed_variants_kept_are_those_the_loop_could_match(item_id, pick):
    """`_renamed_possible` keeps, in `_renamed`'s order, every variant the student's count
    may equal: each variant `_matches` accepts is kept; each left out, `_matches` refuses."""
    reference = count_check._rubric_fraction(RUBRIC.items[item_id].reference.expr, ORDER)
    for swap in (True, False):
        variants = _renamed(reference, swap)
        students = [v for _, _, v in variants] + [reference, (RING.gens[2], RING.one)]
        student = students[pick % len(students)]
        kept = _renamed_possible(student, reference, swap)
        assert kept == [v for v in variants if v in kept]  # a subsequence, in order
        for variant in variants:
            if variant not in kept:
                assert not _matches(student, variant[2])
            if _matches(student, variant[2]):
                assert variant in kept


# --- Remembered per rubric count -------------------------------------------------------------

WRONG = (
    ("a.params", "2PQCD + PQD"),
    ("a.params", "PQCD + D"),
    ("a.params", "P^2 Q^2 C D"),
    ("a.params", "9CD + D"),  # part (b)'s answer
    ("a.params", "C D + D"),  # a misconception of this part
    ("b.params", "9CD + 2D"),
    ("b.params", "9DC + C"),  # the biases one per input
    ("b.params", "9CD + PQD"),
    ("b.params", "4CD + D"),
    ("b.params", "CD + D"),  # part (c)'s answer
    ("b.params", "9PQCD + PQD"),
    ("b.params", "9C^2 D + D"),
    ("c.params", "2CD + D"),
    ("c.params", "9CD + D"),  # part (b)'s answer
    ("c.params", "CD + PQD"),
    ("c.params", "C D + C"),
    ("c.params", "D^2 + D"),
    ("d.params", "2CD"),
    ("d.params", "CD + D"),
    ("d.params", "C^2"),
    ("d.params", "QD"),
)


def _forget() -> None:
    count_terms._side_memo.clear()
    count_terms._other_counts_memo.clear()
    for remembered in (
        count_terms._correct_sides,
        count_terms._correct_kernel_taps,
        count_terms._renamings,
        count_terms._sizes,
        count_check._rubric_subtract,
        count_check._rubric_add,
        count_check._renamed_first,
        count_check._answer_rational,
    ):
        remembered.cache_clear()


def test_wrong_counts_graded_with_all_remembered_are_graded_as_afresh():
    """Every count graded once all of them were (each rubric count's sides, renamings, other
    parts and variants remembered) gives what it gives with nothing remembered: verdict,
    marks, diagnosis, feedback and all."""
    _forget()
    for item, text in WRONG:
        grade_answer(RUBRIC, RUBRIC.items[item], text)
    warm = [grade_answer(RUBRIC, RUBRIC.items[item], text) for item, text in WRONG]
    fresh = []
    for item, text in WRONG:
        _forget()
        fresh.append(grade_answer(RUBRIC, RUBRIC.items[item], text))
    assert warm == fresh
    assert [result.diagnosis for result in fresh] == [
        "term_factor",
        "misconception 4",
        "bias_missing",
        "other_part",
        "misconception 3",
        "biases_wrong",
        "symbols_swapped",
        "term_factor",
        "kernel_size",
        "other_part",
        "misconception 2",
        "term_factor",
        "weights_wrong",
        "misconception 2",
        "misconception 1",
        "symbols_swapped",
        "symbol_replaced",
        "constant_factor",
        "bias_extra",
        "symbol_replaced",
        "symbols_swapped",
    ]


def _case(item_id: str, text: str) -> _Case:
    item = RUBRIC.items[item_id]
    student = as_fraction(parse(text, CONTEXT.symbol_table).expr, ORDER)
    reference = count_check._rubric_fraction(item.reference.expr, ORDER)
    return _Case(student, reference, item, tuple(CONTEXT.symbols))


def test_another_parts_count_is_found_among_the_items_given_not_those_remembered():
    """The other parts' counts are kept per list of items (by its identity, the list kept
    with them): another list, without part (b), finds nothing, and the first list still
    finds part (b)."""
    _forget()
    items = tuple(RUBRIC.items.values())
    case = _case("c.params", "9CD + D")
    said = "Your count, 9·C·D + D, is the answer to part (b), not to this part."
    assert count_terms.answer_elsewhere(case, items) == said
    without_b = tuple(i for i in items if i.part != "b")
    assert count_terms.answer_elsewhere(case, without_b) is None
    assert count_terms.answer_elsewhere(case, items) == said
    mistake = _case("c.params", "9D + D")  # part (b)'s first misconception
    assert count_terms.answer_elsewhere(mistake, items) == (
        "Your count, 10·D, is a mistake the rubric also expects in part (b), where it is wrong too."
    )
    assert count_terms.answer_elsewhere(mistake, without_b) is None


def test_the_other_parts_memo_keeps_the_newest_within_its_bound(monkeypatch):
    monkeypatch.setattr(count_terms, "OTHER_COUNTS_MEMO", 2)
    _forget()
    items = tuple(RUBRIC.items.values())
    lists = [items, items[:-1], items[:-2]]
    for part in ("a", "b", "c"):
        for listed in lists:
            count_terms.answer_elsewhere(_case(f"{part}.params", "2CD"), listed)
    assert len(count_terms._other_counts_memo) == 2
    kept = [(key[0], entry[0]) for key, entry in count_terms._other_counts_memo.items()]
    assert kept == [("c", lists[1]), ("c", lists[2])]
    # asked again, the older of the two becomes the newest
    count_terms.answer_elsewhere(_case("c.params", "2CD"), lists[1])
    assert [entry[0] for entry in count_terms._other_counts_memo.values()] == lists[2:0:-1]


def _old_renamed_side(mine, correct):
    """(swap, i, j) of `_renamed_side`'s loop as main had it, or None."""
    for swap in (True, False):
        for i, j, renamed in _renamed((correct, RING.one), swap):
            if renamed[0] == mine:
                return swap, i, j
    return None


@settings(max_examples=200, deadline=None)
@given(st.lists(monomials, min_size=1, max_size=3), st.integers(0, 40))
def test_a_sides_renaming_is_the_first_the_loop_found(terms, pick):
    correct = _polynomial(terms)
    candidates = [v[0] for swap in (True, False) for _, _, v in _renamed((correct, RING.one), swap)]
    candidates += [correct, correct * 2, RING.gens[3]]
    mine = candidates[pick % len(candidates)]
    assert count_terms._renamings(correct).get(mine) == _old_renamed_side(mine, correct)


@pytest.mark.parametrize(
    ("ratio", "taps", "expected"),
    [
        ((9, 1), 9, True),
        ((4, 1), 9, False),
        ((1, 9), 9, False),
        ((C**2, 1), C**2, True),  # K² with C as the kernel's side
        ((C, 1), C**2, False),
        ((9, 1), C**2, False),
        ((1, 1), 1, False),  # a ratio of 1 is never the taps
        ((P * Q, 1), 9, False),
    ],
)
def test_the_kernels_taps_are_told_as_sympy_told_them(ratio, taps, expected):
    top, bottom = (as_fraction(sympy.sympify(r), ORDER)[0] for r in ratio)
    quotient = _polynomial_ratio(top, bottom)
    taps = sympy.sympify(taps)
    case = _case("b.params", "2CD")
    value = quotient.numerator.as_expr() / quotient.denominator.as_expr()  # as main had it
    assert (value != 1 and sympy.expand(value - taps) == 0) is expected
    assert count_terms._is_taps(quotient, taps, case) is expected


def test_a_disagreement_still_goes_to_the_full_comparison():
    """Counts that agree at the first point go on to `fractions_equal`: one that agrees at
    every sampled point but is another polynomial is still a disagreement there, and
    `_matches` turns it down."""
    points = count_check._sample_points(count_check.SAMPLE_POINTS, 4)
    bump = RING.one
    for point in points:
        bump *= RING.gens[0] - RING(point[0])
    a = (RING.gens[2] * RING.gens[3], RING.one)
    b = (RING.gens[2] * RING.gens[3] + bump, RING.one)
    assert _may_match(_first_value(a), _first_value(b))
    with pytest.raises(CheckDisagreement):
        fractions_equal(a, b)
    assert _matches(a, b) is False


def test_splits_of_a_count_are_all_tried():
    """compare_terms still weighs every split of a count's terms (2^n), built from its terms:
    a count of six terms is split, one of seven is compared whole."""
    six = "CD + D + P + Q + C + PQ"
    seven = six + " + PD"
    assert count_terms.compare_terms(_case("c.params", six)) is not None
    assert count_terms.compare_terms(_case("c.params", seven)) is None
    assert len(list(itertools.product((True, False), repeat=6))) == 64


# --- Survivors of the mutation run on count/check.py (seed 62) ------------------------------


def test_counts_with_no_value_at_any_sampled_point_are_compared_as_polynomials():
    """A denominator that vanishes at every sampled point leaves the polynomials to decide:
    equal counts are equal, no disagreement is claimed; others differ."""
    vanishing = RING.one
    for point in count_check._sample_points(count_check.SAMPLE_POINTS, 4):
        vanishing *= RING.gens[0] - RING(point[0])
    assert fractions_equal((RING.gens[2], vanishing), (RING.gens[2], vanishing)) is True
    assert fractions_equal((RING.gens[2], vanishing), (RING.gens[3], vanishing)) is False


@pytest.mark.parametrize(
    ("expr", "shown"),
    [
        (sympy.floor(P / 2) * 2**C, "2^C·floor(P/2)"),
        (sympy.floor(P / 2) * C**2, "C^2·floor(P/2)"),
        (sympy.ceiling(P / 2) * D, "D·ceil(P/2)"),
    ],
)
def test_a_count_with_floors_is_shown_with_our_operators(expr, shown):
    assert show_count(expr, ORDER) == shown


@pytest.mark.parametrize(
    ("top", "bottom", "shown"),
    [
        (2 * P * D, 3 * D, "2·P/3"),  # D divided out of both
        (2 * P * D, Q * D, "2·P/Q"),
        (P * Q * D, P * D**2, "Q/D"),
        (-C * D, 2 * C * D, "-1/2"),
    ],
)
def test_a_quotient_of_terms_is_shown_with_common_factors_divided_out(top, bottom, shown):
    made = [as_fraction(e, ORDER)[0] for e in (top, bottom)]
    assert count_check.show_fraction((made[0], made[1])) == shown


@pytest.mark.parametrize(
    ("item_id", "text", "expected"),
    [
        ("d.params", "2PCD", None),  # one term: no rest to be right (diagnose_factor's case)
        ("d.params", "-CD", None),
        (
            "c.params",
            "2PCD + D",
            "The rest of your count is right, but where the correct count has C·D you have "
            "2·P·C·D, which has an extra factor of 2·P.",
        ),
    ],
)
def test_one_term_off_by_a_factor_needs_a_rest_that_is_right(item_id, text, expected):
    """`diagnose_term_factor` speaks of a reference of two terms or more only: a reference of
    one term off by a factor is `diagnose_factor`'s."""
    found = count_check.diagnose_term_factor(_case(item_id, text))
    if expected is None:
        assert found is None
    else:
        assert found == count_check.DIAGNOSES.make("term_factor", expected)


# --- Survivors of the mutation run on count/polynomials.py (seed 62) ------------------------


def test_what_is_no_count_is_refused_with_its_name():
    with pytest.raises(ValueError, match=r"^not a count: sqrt\(P\)$"):
        as_fraction(sympy.sqrt(P), ORDER)
    with pytest.raises(ValueError, match=r"^not a count: sqrt\(C\)$"):
        as_fraction(2 * sympy.sqrt(C) * D, ORDER)  # a product the one-term path leaves alone


def test_a_quotient_whose_numerator_is_the_others_denominator_is_compared_crosswise():
    """D/1 and D²/D are equal: the shortcut for equal denominators is taken only for those."""
    g = RING.gens
    assert polynomials.exactly_equal((g[3], RING.one), (g[3] ** 2, g[3])) is True
    assert polynomials.exactly_equal((g[3], RING.one), (2 * g[3] ** 2, g[3])) is False


def test_a_count_split_into_exactly_the_most_classes_is_compared():
    """256 classes (P and Q each taken modulo 16) are allowed; the refusal is for more."""
    cases = polynomials.periodic_cases(sympy.floor(P / 16) + sympy.floor(Q / 16))
    assert len(cases) == polynomials.MAX_CLASSES == 256
    assert {c.forms for c, _ in cases} == {
        (("P", 16, p), ("Q", 16, q)) for p in range(16) for q in range(16)
    }


def test_a_floor_within_a_floor_splits_the_classes_of_the_first_split():
    """⌊⌊P/2⌋/3⌋ splits P by 2 (P = 2t + r), then t by 3 (t = 3t' + r'): P = 6t' + 2r' + r,
    every remainder modulo 6 once, in that order, and the count is t' on each class."""
    cases = polynomials.periodic_cases(sympy.floor(sympy.floor(P / 2) / 3))
    assert [c.forms for c, _ in cases] == [(("P", 6, r),) for r in (0, 2, 4, 1, 3, 5)]
    assert [expr for _, expr in cases] == [P] * 6
    equal, classes = polynomials.identically_zero(
        sympy.floor(sympy.floor(P / 2) / 3) - sympy.floor(P / 6), ORDER
    )
    assert equal is True
    assert polynomials.size_classes_text(classes) == "P = 6t, ..., P = 6t + 5 (6 classes)"


def test_powers_of_two_of_a_size_are_compared_as_themselves():
    """2^C is a variable of its own, never 0: 2^C·D and 2^C·C differ."""
    assert polynomials.identically_zero(2**C * D - 2**C * C, ORDER)[0] is False
    assert polynomials.identically_zero(2**C * 2**C - 4**C, ORDER)[0] is True
    assert polynomials.identically_zero(2**C * D - 2 ** (C + 1) * D / 2, ORDER)[0] is True
