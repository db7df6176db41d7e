"""Fuzzing both parsers and the whole check: whatever a student types, the answer is read or
refused with a message; no other exception escapes, and no check ends in `error` (which would
mean a bug in the grader)."""

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
