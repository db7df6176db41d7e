"""The count checks of branch `cread` (issue 20) are cheaper and change no result: a wrong
count's splits into weights and biases passed over once a better one is found leave the
split chosen as trying every one did, and the work they no longer do is not done."""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Token

from grader.errors import AnswerError
from grader.grade import grade_answer
from grader.kinds.count import check as count_check
from grader.kinds.count import polynomials
from grader.kinds.count import terms as count_terms
from grader.kinds.count.check import _Case
from grader.kinds.count.mathml import to_mathml
from grader.kinds.count.parse import describe, parse
from grader.kinds.count.polynomials import as_fraction, polynomial_ring
from grader.kinds.count.steps import COUNT_STEPS
from grader.normalise import normalise
from grader.rubric import load_rubric

count_parse = importlib.import_module("grader.kinds.count.parse")  # the module, not the verb
ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
CONTEXT = RUBRIC.context
ORDER = tuple(spec.symbol for spec in CONTEXT.symbols)  # P, Q, C, D
RING = polynomial_ring(ORDER)
SIZES = count_terms._sizes(tuple(CONTEXT.symbols))


def _count_items(rubric) -> list:
    return [i for part in rubric.parts for i in part.items if i.type == "count"]


def _rubric_answers() -> list[tuple[str, str, str]]:
    """Every count answer of every bundled rubric's self-tests and misconceptions, and the
    count items' references with a term doubled or dropped: (rubric, item, answer)."""
    rows = []
    for path in sorted((ROOT / "rubrics").glob("*.yaml")):
        rubric = load_rubric(path)
        items = {i.id: i for i in _count_items(rubric)}
        rows += [(path.name, t.item_id, t.answer) for t in rubric.tests if t.item_id in items]
        for item in items.values():
            rows += [(path.name, item.id, m.answer_text) for m in item.misconceptions]
            rows += [(path.name, item.id, f"2({item.answer_text})")]
            rows += [(path.name, item.id, f"{item.answer_text} + {item.answer_text}")]
    return rows


EXTRA = [
    ("22-52-q4.yaml", "a.params", "7PQCD + PQD"),
    ("22-52-q4.yaml", "b.params", "9CD + 7D"),
    ("22-52-q4.yaml", "c.params", "7CD + D"),
    ("22-52-q4.yaml", "d.params", "7CD"),
    ("22-52-q4.yaml", "b.params", "9C + C"),  # merged terms written apart
    ("22-52-q4.yaml", "b.params", "9CD weights + D"),  # a term named
    ("22-52-q4.yaml", "b.params", "D weights + 9CD biases"),
    ("22-52-q4.yaml", "c.params", "CD + D + P + Q + C + PQ"),  # six terms: 64 splits
    ("22-52-q4.yaml", "c.params", "D + CD"),
    ("22-52-q4.yaml", "c.params", "0"),
    ("22-52-q4.yaml", "b.params", "9CD - D"),
    ("22-52-q4.yaml", "b.params", "9CD + 9D"),  # a bias per tap
    ("22-52-q4.yaml", "b.params", "9CD + PQD"),  # a bias per position
]


def _every_split_tried(monkeypatch) -> None:
    """`compare_terms` as it was: every split compared, in `splits`' order."""
    monkeypatch.setattr(count_terms, "_least_cost", lambda mine, correct: 0)
    monkeypatch.setattr(count_terms, "_splits_in_turn", lambda splits, t, b: range(len(splits)))


@pytest.mark.parametrize(("rubric_name", "item_id", "answer"), _rubric_answers() + EXTRA)
def test_the_split_chosen_is_the_one_trying_every_split_chose(
    rubric_name, item_id, answer, monkeypatch
):
    rubric = load_rubric(ROOT / "rubrics" / rubric_name)
    item = rubric.items[item_id]
    count_terms._side_memo.clear()
    quick = grade_answer(rubric, item, answer)
    _every_split_tried(monkeypatch)
    count_terms._side_memo.clear()
    assert grade_answer(rubric, item, answer) == quick


def _case(item_id: str, student) -> _Case:
    item = RUBRIC.items[item_id]
    reference = count_check._rubric_fraction(item.reference.expr, ORDER)
    return _Case(student, reference, item, tuple(CONTEXT.symbols))


coefficients = st.integers(-3, 12).filter(bool)
exponents = st.tuples(*(st.integers(0, 2) for _ in range(4)))
side_polynomials = st.lists(st.tuples(coefficients, exponents), max_size=5).map(
    lambda terms: RING.from_dict(dict((e, RING.domain(c)) for c, e in terms))
)


@settings(max_examples=150, deadline=None)
@given(side_polynomials, st.sampled_from(["a.params", "b.params", "c.params", "d.params"]))
def test_any_count_is_split_as_trying_every_split_split_it(mine, item_id):
    case = _case(item_id, (mine, RING.one))
    count_terms._side_memo.clear()
    quick = count_terms.compare_terms(case)
    with pytest.MonkeyPatch.context() as patch:
        _every_split_tried(patch)
        count_terms._side_memo.clear()
        assert count_terms.compare_terms(case) == quick


@settings(max_examples=150, deadline=None)
@given(side_polynomials, st.sampled_from(["a.params", "b.params", "c.params", "d.params"]))
def test_no_side_costs_less_than_its_least_cost(mine, item_id):
    """`_least_cost` is a lower bound of what each side compared costs: 0 only for the correct
    side itself."""
    case = _case(item_id, (mine, RING.one))
    weights, biases = count_terms._sides(case)
    for correct in (weights, biases, RING.zero):
        bound = count_terms._least_cost(mine, correct)
        assert count_terms._compare_weights(mine, correct, case, SIZES).cost >= bound
        assert count_terms._compare_biases(mine, correct, weights, case, SIZES).cost >= bound


@pytest.mark.parametrize(
    ("item_id", "answer", "compared"),
    [
        ("a.params", "7PQCD + PQD", [("weights", "7·P·Q·C·D"), ("biases", "P·Q·D")]),
        ("b.params", "9CD + 7D", [("weights", "9·C·D"), ("biases", "7·D")]),
        ("c.params", "7CD + D", [("weights", "7·C·D"), ("biases", "D")]),
        ("d.params", "7CD", [("weights", "7·C·D"), ("biases", "0")]),
        # no split explains it: every one is compared
        ("c.params", "P + Q", [("weights", w) for w in ("P + Q", "P", "Q", "0")]),
    ],
)
def test_a_split_worse_than_the_best_found_is_not_compared(item_id, answer, compared, monkeypatch):
    """Of a count's 2^n splits, only those that may be better than the best found are
    compared: for the class's wrong counts, the one a marker tries first alone."""
    asked = []
    for name, side in (("weights", "_compare_weights"), ("biases", "_compare_biases")):
        original = getattr(count_terms, side)

        def counted(mine, *rest, original=original, name=name):
            asked.append((name, count_check.show_fraction((mine, RING.one))))
            return original(mine, *rest)

        counted.__name__ = side
        monkeypatch.setattr(count_terms, side, counted)
    count_terms._side_memo.clear()
    student = as_fraction(parse(answer, CONTEXT.symbol_table).expr, ORDER)
    count_terms.compare_terms(_case(item_id, student))
    assert [a for a in asked if a[0] == "weights"] == [a for a in compared if a[0] == "weights"]
    if compared[-1][0] == "biases":
        assert asked == compared


def test_the_first_split_tried_puts_the_biases_terms_among_the_biases():
    splits = [(True, True), (True, False), (False, True), (False, False)]
    terms = [((0, 0, 1, 1), 7), ((0, 0, 0, 1), 1)]  # 7·C·D + D
    biases = RING.gens[3]  # D
    assert count_terms._splits_in_turn(splits, terms, biases) == [1, 0, 2, 3]
    assert count_terms._splits_in_turn(splits, terms, RING.zero) == [0, 1, 2, 3]


# --- The reading: sympy not asked what cannot be, the readings not made twice ----------------

READINGS = [
    "2PQCD + PQD",
    "9CD + D = 95",  # a formula before its value: the chain is cut after the formula
    "3×3×C×D + D = 9CD + D",
    "9CD/2 + D",
    "2^C D",
    "⌊P/2⌋ D",
    "9 C D weights + D biases",
]


@pytest.mark.parametrize("answer", READINGS)
def test_the_pages_alt_text_is_the_reading_of_each_tree(answer):
    """The count's MathML takes its alt text from the readings the reader made: they are each
    tree's `describe`, in every answer graded (chains cut, words set aside)."""
    item = RUBRIC.items["b.params"]
    result = grade_answer(RUBRIC, item, answer)
    parsed = parse(answer, CONTEXT.symbol_table, item.spec.lenient)
    assert parsed.side_readings == tuple(describe(tree) for tree in parsed.trees)
    assert to_mathml(parsed.trees, parsed.side_readings) == to_mathml(parsed.trees)
    assert f'alttext="{result.interpretation}"' in result.reading_mathml


node_texts = st.recursive(
    st.sampled_from(["P", "Q", "C", "D", "0", "2", "1"]),
    lambda inner: st.one_of(
        st.builds(lambda a, b, op: f"({a}{op}{b})", inner, inner, st.sampled_from("+-*/")),
        st.builds(lambda a, e: f"({a})^{{{e}}}", inner, st.sampled_from(["2", "-1", "0"])),
        st.builds(lambda a: f"⌊{a}⌋", inner),
        st.builds(lambda a: f"-{a}", inner),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(node_texts)
def test_what_does_not_divide_always_has_a_value(text):
    """`_divides` lets sympy's search for zoo, nan and oo be skipped only where none can be:
    a count read without a '/' or a power has none, and one with them is still searched."""
    try:
        parsed = parse(text, CONTEXT.symbol_table)
    except AnswerError:
        return
    (tree,) = parsed.trees
    assert count_parse._divides(tree) == any(c in text for c in "/^")
    if not count_parse._divides(tree):
        assert not parsed.expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


# --- A plain sum read without lark -----------------------------------------------------------


def _tokens(tree) -> list[tuple[str, str, int, int]]:
    """Every token of a lark tree with what the reader takes from it: type, text, span."""
    found = tree.scan_values(lambda value: isinstance(value, Token))
    return [(t.type, str(t), t.start_pos, t.end_pos) for t in found]


PLAIN = [
    "2PQCD + PQD",
    "9CD + 2D",
    "2CD",
    "CD + D",
    " 9 CD-D ",
    "12",
    "2 + 3",
    "007CD",
    "PQCPQD+PQD",
    "floor + D",
    "ceil",
    "9cd + d",  # lower case: the lenient steps read it, the tree is the same
    "\t9CD\n+\rD",
]
NOT_PLAIN = ["2CD +", "P2", "2.5C", "-2CD", "9CD + -D", "2 3", "CD2", "d_k", "2*C", "(CD)", "9C D"]


@pytest.mark.parametrize("text", PLAIN + NOT_PLAIN)
def test_a_plain_sum_is_read_to_the_tree_lark_makes(text):
    normalised = normalise(text, COUNT_STEPS)
    plain = count_parse._plain_sum(normalised)
    assert (plain is not None) is (text in PLAIN)
    if plain is not None:
        lark_tree = count_parse._parser().parse(normalised)
        assert plain == lark_tree and _tokens(plain) == _tokens(lark_tree)


def _read_as_lark_reads_it(text: str) -> None:
    try:
        normalised = normalise(text, COUNT_STEPS)
    except AnswerError:
        return
    plain = count_parse._plain_sum(normalised)
    if plain is None:
        return
    lark_tree = count_parse._parser().parse(normalised)
    assert plain == lark_tree and _tokens(plain) == _tokens(lark_tree)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789 PQCDcd+-*.^_(x", max_size=14))
def test_any_text_read_as_a_plain_sum_is_read_as_lark_reads_it(text):
    """Whatever `_plain_sum` reads, lark's parser reads to the same tree, token by token; what
    it does not read goes to lark as before."""
    _read_as_lark_reads_it(text)


PIECES = ["2", "9", "12", "PQ", "CD", "D", "c", "x", " ", "\t", "+", "-", ".", "_", "*", "^", "("]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
def test_sums_of_pieces_are_read_as_lark_reads_them(text):
    _read_as_lark_reads_it(text)


# --- A number before sizes, put before their product -----------------------------------------

SIZES_AND_OTHERS = [*ORDER, sympy.Dummy("K", positive=True), ORDER[0] + ORDER[1], ORDER[2] ** 2]
numbers = st.builds(sympy.Rational, st.integers(-12, 12), st.integers(1, 4))
products = st.lists(st.sampled_from(SIZES_AND_OTHERS), max_size=5)


@settings(max_examples=400, deadline=None)
@given(numbers, products)
def test_a_number_before_sizes_is_the_product_sympy_makes(number, factors):
    """`_product` gives the object `sympy.Mul` gives: equal, of the same arguments in the same
    order, printed alike (a number 0 or 1, a size twice, or anything but a size after the
    number, is left to `Mul`)."""
    for made in ([number, *factors], factors or [number]):
        ours, theirs = count_parse._product(list(made)), sympy.Mul(*made)
        assert ours == theirs and ours.args == theirs.args
        assert type(ours) is type(theirs) and sympy.srepr(ours) == sympy.srepr(theirs)
        assert hash(ours) == hash(theirs) and ours.is_commutative == theirs.is_commutative


# --- Whether a count is a rational function, in one walk -------------------------------------


def _old_is_rational_count(expr) -> bool:
    """`is_rational_count` as main had it: sympy's two searches."""
    if expr.has(sympy.floor, sympy.ceiling):
        return False
    return all(power.exp.is_Integer for power in expr.atoms(sympy.Pow))


count_pieces = st.recursive(
    st.sampled_from([*ORDER, sympy.Integer(2), sympy.Rational(1, 3)]),
    lambda inner: st.one_of(
        st.builds(lambda a, b: a + b, inner, inner),
        st.builds(lambda a, b: a * b, inner, inner),
        st.builds(
            lambda a, e: a**e, inner, st.sampled_from([2, -1, sympy.Rational(1, 2), ORDER[2]])
        ),
        st.builds(sympy.floor, inner),
        st.builds(sympy.ceiling, inner),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(count_pieces)
def test_a_rational_count_is_told_as_sympys_searches_told_it(expr):
    assert polynomials.is_rational_count(expr) == _old_is_rational_count(expr)


TERMS = [
    *ORDER,
    sympy.Dummy("K", positive=True),
    ORDER[2] ** 2,
    ORDER[0] + ORDER[1],
    sympy.floor(ORDER[0] / 2),
    sympy.Integer(3),
    sympy.Rational(-1, 2),
]
terms = st.builds(
    lambda number, sizes: count_parse._product([number, *sizes]) if sizes else number,
    numbers,
    st.lists(st.sampled_from(TERMS), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(terms, max_size=4))
def test_a_sum_of_terms_is_the_sum_sympy_makes(summed):
    """`_sum` gives the object `sympy.Add` gives (terms of the same sizes, numbers, powers,
    sums and floors are left to `Add`)."""
    ours, theirs = count_parse._sum(list(summed or [ORDER[0]])), sympy.Add(*(summed or [ORDER[0]]))
    assert ours == theirs and ours.args == theirs.args
    assert type(ours) is type(theirs) and sympy.srepr(ours) == sympy.srepr(theirs)
    assert hash(ours) == hash(theirs) and ours.is_commutative == theirs.is_commutative


# --- The counterexample's first point, worked out once per rubric ----------------------------


def _old_find_counterexample(student, reference, specs, written, substitutions=()):
    """`find_counterexample` as main had it: every point worked out for every count."""
    from grader.symbol_values import admits, multiples, nearest_size, undivided

    derived = dict(substitutions)
    pairs = multiples(specs)
    student_value = student if callable(student) else lambda p: polynomials.value_at(student, p)
    reference_value = (
        reference if callable(reference) else lambda p: polynomials.value_at(reference, p)
    )
    needed = set(written)
    for symbol in written & derived.keys():
        needed |= derived[symbol].free_symbols
    chosen = [i for i, spec in enumerate(specs) if spec.symbol in needed - derived.keys()]
    preferred = {}
    for index in chosen:
        value = specs[index].example
        if value is None:
            symbol = specs[index].symbol
            value = next(
                v for v in range(2, 100) if v not in preferred.values() and admits(symbol, v)
            )
        preferred[index] = value
    first = tuple(preferred[index] for index in chosen)
    position = {spec.symbol: i for i, spec in enumerate(specs)}
    for values in itertools.chain(
        [first],
        count_check._sample_points(20, len(chosen)),
        count_check._small_points(derived or pairs, specs, chosen),
    ):
        point = [1] * len(specs)
        for index, value in zip(chosen, values, strict=True):
            point[index] = nearest_size(specs[index].symbol, value)
        if not count_check._derive(point, derived, specs, position):
            continue
        shown = {spec.name: point[i] for i, spec in enumerate(specs) if spec.symbol in needed}
        if undivided(shown, pairs):
            continue
        a, b = student_value(tuple(point)), reference_value(tuple(point))
        if a is not None and b is not None and a != b:
            sizes = tuple(
                (spec.name, point[i]) for i, spec in enumerate(specs) if spec.symbol in needed
            )
            return count_check.Counterexample(sizes, a, b)
    return None


COUNTEREXAMPLES = [
    (r, i, a)
    for r, i, a in _rubric_answers()
    if r in ("22-52-q4.yaml", "mha-q1.yaml", "grouped-q1.yaml")
] + [
    ("22-52-q4.yaml", "c.params", "CD + D + (P - 4)(Q - 3)"),  # equal at the examples' sizes
    ("22-52-q4.yaml", "c.params", "CD + D + (P-4)(P-5)(P-6)(P-7)(P-8)(P-9)(P-10)"),
]


@pytest.mark.parametrize(("rubric_name", "item_id", "answer"), COUNTEREXAMPLES)
def test_the_counterexample_is_the_one_every_point_worked_out_gave(
    rubric_name, item_id, answer, monkeypatch
):
    rubric = load_rubric(ROOT / "rubrics" / rubric_name)
    item = rubric.items[item_id]
    quick = grade_answer(rubric, item, answer)
    monkeypatch.setattr(count_check, "find_counterexample", _old_find_counterexample)
    assert grade_answer(rubric, item, answer) == quick


def test_the_first_point_is_worked_out_once_for_a_rubric_and_the_symbols_written(monkeypatch):
    """A second count of the same symbols differing at the first point asks for no size to be
    worked out again; the memo keeps at most its bound."""
    specs = tuple(CONTEXT.symbols)
    item = RUBRIC.items["c.params"]
    reference = count_check._rubric_fraction(item.reference.expr, ORDER)
    written = frozenset(ORDER[2:])
    count_check._first_point.cache_clear()
    first = count_check.find_counterexample(_fraction("2CD + D"), reference, specs, written)
    asked = []
    monkeypatch.setattr(count_check, "nearest_size", lambda s, v: asked.append(v) or v)
    second = count_check.find_counterexample(_fraction("3CD + D"), reference, specs, written)
    assert asked == [] and first.values == second.values == (("C", 2), ("D", 5))
    assert count_check._first_point.cache_info().maxsize == 256
    assert count_check._first_point.cache_info().currsize == 1


def _fraction(text: str):
    return as_fraction(parse(text, CONTEXT.symbol_table).expr, ORDER)


def test_a_cases_order_and_biases_are_worked_out_once():
    """Most diagnoses of a count ask for the rubric's order and the biases: each is worked
    out once per count, and is what working it out gives."""
    case = _case("b.params", _fraction("9CD + 2D"))
    assert case.order is case.order and case.order == ORDER
    assert case.bias() is case.bias()
    assert case.bias() == count_check._rubric_fraction(
        RUBRIC.items["b.params"].spec.bias.expr, ORDER
    )


# --- The misconceptions a wrong count is compared with, from the rubric once ---------------


def _old_misconception(item, student, specs, substitutions):
    """The first misconception a rational count equals, as main's loop found it."""
    relate, declared = dict(substitutions), tuple(s.symbol for s in specs)
    for index, rule in enumerate(item.misconceptions):
        if rule.reading is None:
            continue
        wrong = count_check._prepared(rule.reading.expr, relate, specs)
        if polynomials.is_rational_count(wrong) and count_check._matches(
            student, polynomials.as_fraction(wrong, declared)
        ):
            return index
    return None


@pytest.mark.parametrize(("rubric_name", "item_id", "answer"), _rubric_answers() + EXTRA)
def test_a_wrong_count_is_the_misconception_main_found(rubric_name, item_id, answer):
    rubric = load_rubric(ROOT / "rubrics" / rubric_name)
    item, context = rubric.items[item_id], rubric.context
    try:
        parsed = parse(answer, context.symbol_table, item.spec.lenient)
    except AnswerError:
        return
    args = (context.symbols, context.items, context.substitutions)
    check = count_check.check_count(item, parsed, *args)
    declared = tuple(s.symbol for s in context.symbols)
    expr = count_check._prepared(parsed.expr, dict(context.substitutions), context.symbols)
    if check.equivalent or check.compared is not None or not polynomials.is_rational_count(expr):
        return
    student = polynomials.as_fraction(expr, declared)
    assert check.misconception_index == _old_misconception(
        item, student, context.symbols, context.substitutions
    )
