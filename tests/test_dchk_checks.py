"""What makes the workers cheaper on an all-distinct class (branch dchk) changes no result: a
formula's reading prints its symbols and numbers as sympy's printer does; a wrong count's
counterexample is found over the reference's symbols, worked out once; a worker collects its
garbage less often and leaves its parent's objects to the parent, and still checks every
answer as this process does; a control character in an ASCII answer is refused as before."""

from __future__ import annotations

import gc
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import workers
from grader.errors import AnswerError
from grader.grade import InlineChecker, Task
from grader.kinds.count.check import _rubric_symbols, check_count, find_counterexample
from grader.kinds.count.parse import parse
from grader.kinds.formula.terms import plain_text
from grader.normalise import reject_control_characters
from grader.rubric import load_rubric
from grader.workers import WORKER_GC_THRESHOLD, BoundedChecker

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
CONTEXT = RUBRIC.context


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (sympy.Symbol("l"), "l"),
        (sympy.Symbol("l", integer=True), "l"),
        (sympy.Symbol("C", positive=True, integer=True), "C"),
        (sympy.Integer(3), "3"),
        (sympy.Integer(-12), "-12"),
        (sympy.S.Zero, "0"),
        (sympy.S.One, "1"),
        (sympy.S.NegativeOne, "-1"),
        (sympy.S.Half, "1/2"),
        (sympy.Rational(-7, 4), "-7/4"),
        (sympy.Integer(10**30), str(10**30)),
        (sympy.Dummy("d"), "_d"),  # not a plain symbol: printed by sympy
        (sympy.Symbol("i", integer=True) + 1, "i + 1"),
        (sympy.Float(0.25), "0.250000000000000"),
    ],
)
def test_plain_text_is_what_sympy_prints(expr, text):
    assert plain_text(expr) == text == str(expr)


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_plain_text_of_any_rational_is_sympys(p, q):
    value = sympy.Rational(p, q)
    assert plain_text(value) == str(value)


@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        ("b.params", "9C + 1"),  # D, which the reference has, written nowhere
        ("b.params", "10CD + 2D"),
        ("a.params", "PQCD"),  # P, Q, C, D and nothing of the bias
        ("d.params", "2C"),
    ],
)
def test_a_wrong_counts_counterexample_names_the_references_symbols(item_id, text):
    item = RUBRIC.items[item_id]
    parsed = parse(text, CONTEXT.symbol_table, item.spec.lenient)
    check = check_count(item, parsed, CONTEXT.symbols, CONTEXT.items, CONTEXT.substitutions)
    declared = tuple(spec.symbol for spec in CONTEXT.symbols)
    from grader.kinds.count.polynomials import as_fraction

    expected = find_counterexample(
        as_fraction(parsed.expr, declared),
        as_fraction(item.reference.expr, declared),
        CONTEXT.symbols,
        parsed.expr.free_symbols | item.reference.expr.free_symbols,
        CONTEXT.substitutions,
    )
    assert not check.equivalent
    assert check.counterexample == expected
    assert _rubric_symbols(item.reference.expr) == item.reference.expr.free_symbols


def _worker_state(task: Task):
    """The real check, its feedback what the worker's collector is set to (module level, so
    that a forked worker can run it)."""
    state = (gc.get_threshold(), gc.get_freeze_count() > 0)
    return replace(workers._check_in_worker(task), feedback=(repr(state),))


def test_a_worker_collects_less_often_and_leaves_its_parents_objects_alone():
    with BoundedChecker(RUBRIC, jobs=1, timeout=30, work=_worker_state) as checker:
        (state,) = checker.check([Task("b.params", "9CD + D")])
    assert state.feedback == (repr((WORKER_GC_THRESHOLD, True)),)
    assert (state.verdict, state.marks) == ("correct", state.max_marks)
    assert gc.get_threshold() != WORKER_GC_THRESHOLD  # this process keeps its own


DISTINCT = [
    Task("a.formula", r"y_{i,j,k} = \sum_{l=1}^{C} 7 w_{i,j,k,l} x_{i,j,l} + b_{k}"),
    Task("c.formula", r"y_{i,j,k} = 13 x_{i,j,k} + b_{k}"),
    Task("c.formula", r"y_{i,j,k} = -\frac{3}{2} x_{i,j,k} + b_{k}"),
    Task("d.formula", r"y_{i,k} = \sum_{l=1}^{C} 5 w_{l,k} x_{i,l}"),
    Task("e.formula", r"y_{i,k} = \sum_{m=1}^{C} w_{m,k} x_{i,m}"),
    Task("a.params", "7PQCD + PQD"),
    Task("b.params", "9C + 1"),
    Task("c.params", "2CD + D"),
    Task("d.params", "CD"),
]


def test_workers_give_every_result_this_process_gives():
    with BoundedChecker(RUBRIC, jobs=1, timeout=30) as checker:
        in_worker = checker.check(DISTINCT)
    assert in_worker == InlineChecker(RUBRIC).check(DISTINCT)


def _control_characters_as_before(text: str) -> str:
    """reject_control_characters as it was, character by character (the reference)."""
    for position, char in enumerate(text):
        if unicodedata.category(char) == "Cc":
            raise AnswerError(
                text, position, f"control character U+{ord(char):04X} is not allowed in an answer"
            )
    return text


def _outcome(step, text: str):
    try:
        return ("read", step(text))
    except AnswerError as error:
        return ("refused", error.position, error.message)


@pytest.mark.parametrize(
    "text",
    ["9CD + D", "9CD\x00 + D", "\x1b[31m9CD", "9CD + D\x7f", "9CD\t+ D", "9CD\u0085", "9·CD"],
)
def test_control_characters_are_refused_as_before(text):
    assert _outcome(reject_control_characters, text) == _outcome(
        _control_characters_as_before, text
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=40))
def test_control_characters_are_refused_as_before_in_any_text(text):
    assert _outcome(reject_control_characters, text) == _outcome(
        _control_characters_as_before, text
    )
