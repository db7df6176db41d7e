"""Fuzzing both parsers and the whole check: whatever a student types, the answer is read or
refused with a message; no other exception escapes, and no check ends in `error` (which would
mean a bug in the grader)."""

import re
from fractions import Fraction
from pathlib import Path

import sympy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grader.errors import AnswerError
from grader.grade import grade_answer
from grader.kinds.count.parse import MAX_DEGREE, parse
from grader.kinds.formula.parse import parse_formula
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")

COUNT_TOKENS = [
    "P",
    "Q",
    "C",
    "D",
    "p",
    "x",
    "PQ",
    "9",
    "0",
    "1",
    "99999999999",
    "2.5",
    "+",
    "-",
    "*",
    "/",
    "^",
    "**",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    " ",
    "×",
    "·",
    "−",
    "²",
    "⁻",
    "\\times",
    "\\cdot",
    "\\frac",
    "\\left(",
    "\\right)",
    "$",
    "=",
    "\\input",
    "__import__",
    "'",
    ",",
    "\x00",
    "\ufeff",
    "х",
    "!",
]
FORMULA_TOKENS = [
    "y",
    "x",
    "w",
    "W",
    "b",
    "X",
    "Y",
    "_",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ",",
    "i",
    "j",
    "k",
    "l",
    "u",
    "v",
    "ijk",
    "=",
    "+",
    "-",
    "*",
    "\\sum",
    "sum",
    "Σ",
    "^",
    "1",
    "-1",
    "C",
    "P",
    "Q",
    "D",
    "PQ",
    "\\cdot",
    "\\,",
    " ",
    "\\leq",
    "≤",
    "T",
    "^T",
    "\\mathbf{X}",
    "\\forall",
    "999999999",
    "$",
    "\\left(",
    "\\right)",
    "'",
    "\\frac",
    "/",
    "0",
]


def soup(tokens: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=40).map("".join)


count_texts = st.one_of(st.text(max_size=80), soup(COUNT_TOKENS))
formula_texts = st.one_of(
    st.text(max_size=80),
    soup(FORMULA_TOKENS),
    soup(FORMULA_TOKENS).map(lambda rest: "y_{i,j,k} = " + rest),
    soup(FORMULA_TOKENS).map(lambda rest: "Y = " + rest),
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(count_texts)
@example("2^P")  # readable counts that are not polynomials (the property once crashed on them)
@example("2^{P+1}D")
@example("\\lfloor P/2 \\rfloor + 1")
@example("ceil(C/2)*D")
def test_the_count_parser_reads_or_refuses_within_its_bounds(text):
    try:
        answer = parse(text, RUBRIC.symbol_table)
    except AnswerError as error:
        assert error.message and 0 <= error.position <= len(text)
        return
    for side in answer.sides:
        symbols = side.free_symbols
        assert symbols <= set(RUBRIC.symbol_table.values())
        # A count is a polynomial in the sizes of bounded degree, but for symbolic powers of
        # a whole number (2^C) and floors and ceilings, each of which stands in as one factor.
        standing_in = {}
        for atom in side.atoms(sympy.Pow, sympy.floor, sympy.ceiling):
            if isinstance(atom, sympy.Pow) and atom.exp.is_Rational:
                continue
            if isinstance(atom, sympy.Pow):
                assert atom.base.is_Integer and atom.base > 1, atom
                assert sympy.Poly(atom.exp, *symbols).total_degree() == 1, atom
            standing_in[atom] = sympy.Dummy()
        plain = side.xreplace(standing_in)
        if plain.free_symbols:
            numerator = plain.as_numer_denom()[0].expand()
            assert max(numerator.as_poly(*plain.free_symbols).degree_list()) <= MAX_DEGREE


@FUZZ
@given(formula_texts, st.sampled_from(["a.formula", "b.formula", "d.formula", "e.formula"]))
@example("Y=AAAXBCCC", "e.formula")  # eight matrices: the inner indices' names ran out
def test_the_formula_parser_reads_or_refuses(text, item_id):
    item = RUBRIC.items[item_id]
    try:
        parse_formula(text, RUBRIC.symbol_table, item.spec.layer)
    except AnswerError as error:
        assert error.message and 0 <= error.position <= len(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(count_texts, formula_texts),
    st.sampled_from(
        ["a.params", "b.params", "b.formula", "c.formula", "e.formula", "e.explanation"]
    ),
)
def test_no_answer_makes_the_check_fail(text, item_id):
    result = grade_answer(RUBRIC, RUBRIC.items[item_id], text)
    assert result.verdict != "error", result.feedback
    assert result.feedback and all(isinstance(line, str) and line for line in result.feedback)


# --- Readable counts, from a grammar ---------------------------------------------------------
# The strategies above send mostly text no one would write. These build counts a student might
# write, from a small grammar of sums, differences, products (in four notations), quotients by
# sizes or numbers and small powers, together with the count each one means, built as sympy
# objects from the same tree (never by reading the text). The check must read every one of
# them and be right about it: correct exactly when it equals the reference, and the sizes it
# gives as a counterexample must tell the two counts apart.

SIZES = {"P": 4, "Q": 3, "C": 2, "D": 5}  # the rubric's examples
_SYMBOLS = {name: RUBRIC.symbol_table[name] for name in SIZES}


def _atom() -> st.SearchStrategy[tuple[str, object]]:
    symbols = st.sampled_from(sorted(_SYMBOLS)).map(lambda n: (n, _SYMBOLS[n]))
    numbers = st.integers(1, 12).map(lambda n: (str(n), sympy.Integer(n)))
    return st.one_of(symbols, numbers)


def _bracket(text: str) -> str:
    return text if text.isalnum() else f"({text})"


def _combine(children: st.SearchStrategy) -> st.SearchStrategy[tuple[str, object]]:
    def sum_(pair, minus):
        (a, x), (b, y) = pair
        return (f"{a} - {_bracket(b)}", x - y) if minus else (f"{a} + {b}", x + y)

    def product(pair, sign):
        (a, x), (b, y) = pair
        return (f"{_bracket(a)}{sign}{_bracket(b)}", x * y)

    def quotient(pair):
        (a, x), (name, y) = pair
        return (f"{_bracket(a)}/{name}", x / y)

    def power(pair):
        (a, x), exponent = pair
        return (f"{_bracket(a)}^{exponent}", x**exponent)

    pairs = st.tuples(children, children)
    return st.one_of(
        st.builds(sum_, pairs, st.booleans()),
        st.builds(product, pairs, st.sampled_from(["*", " \\times ", " \\cdot ", "×"])),
        st.builds(quotient, st.tuples(children, _atom())),
        st.builds(power, st.tuples(children, st.sampled_from([2, 3]))),
    )


readable_counts = st.recursive(_atom(), _combine, max_leaves=6)
COUNT_ITEMS = ["a.params", "b.params", "c.params", "d.params"]


def _reference(item_id: str):
    return RUBRIC.items[item_id].reference.expr


def _value(expr, sizes: dict[str, int]):
    return Fraction(str(expr.xreplace({_SYMBOLS[n]: sympy.Integer(v) for n, v in sizes.items()})))


_COUNTEREXAMPLE = re.compile(
    r"(?:With (?P<sizes>.*) your count gives|Your count is) (?P<student>\S+); "
    r"the correct count is (?P<correct>\S+)\.$"
)


def _check_verdict(item_id: str, text: str, meant) -> None:
    item = RUBRIC.items[item_id]
    result = grade_answer(RUBRIC, item, text)
    if not getattr(meant, "free_symbols", ()) and result.verdict == "needs_review":
        # a number alone that is the count at the rubric's example sizes: a marker neither
        # reads it as the formula nor as wrong, so a person decides (`_number_at_sizes`)
        assert "which is the count at the question's sizes" in result.feedback[0], result
        return
    assert result.verdict in ("correct", "partial", "incorrect"), (text, result.feedback)
    equal = sympy.cancel(meant - _reference(item_id)) == 0
    assert (result.verdict == "correct") == equal, (text, result.feedback)
    if equal:
        assert (result.marks, result.feedback) == (item.marks, ("Correct.",))
        return
    assert result.marks < item.marks
    found = _COUNTEREXAMPLE.match(result.feedback[-1])
    assert found, result.feedback
    sizes = {name: 1 for name in SIZES}  # sizes a count does not depend on may take any value
    for pair in (found["sizes"] or "").split(", "):
        if pair:
            name, value = pair.split("=")
            sizes[name] = int(value)
    student, correct = Fraction(found["student"]), Fraction(found["correct"])
    assert (student, correct) == (_value(meant, sizes), _value(_reference(item_id), sizes))
    assert student != correct


@FUZZ
@given(readable_counts, st.sampled_from(COUNT_ITEMS))
@example(("10", 10), "d.params")  # the count at the example sizes: a person's (found by the fuzz)
def test_a_readable_count_is_read_and_judged_right(count, item_id):
    text, meant = count
    _check_verdict(item_id, text, meant)


@FUZZ
@given(readable_counts, st.sampled_from(COUNT_ITEMS))
def test_the_reference_with_a_count_added_and_taken_away_is_correct(count, item_id):
    text, meant = count
    reference = RUBRIC.items[item_id].answer_text
    _check_verdict(
        item_id, f"{reference} + {_bracket(text)} - {_bracket(text)}", _reference(item_id)
    )


@FUZZ
@given(readable_counts, st.sampled_from(COUNT_ITEMS))
def test_the_reference_with_a_count_added_is_judged_right(count, item_id):
    text, meant = count
    reference = RUBRIC.items[item_id].answer_text
    _check_verdict(item_id, f"{reference} + {_bracket(text)}", _reference(item_id) + meant)
