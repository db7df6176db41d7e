# ruff: noqa: E501  (the tables hold whole answers and the messages they get)
"""Symbols declared odd or even (`assumptions: [positive, odd]`): every value a symbol takes
is of its parity, so a kernel size K declared odd makes \\lfloor K/2 \\rfloor and (K-1)/2 the
same answer, and the rubric check names a count that is a fraction at some sizes.

The worked example is tests/data/same-conv-q1.yaml, a "same"-padded convolution."""

import re
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from grader.errors import RubricError
from grader.grade import grade_answer
from grader.kinds.count.polynomials import evaluate, identically_zero
from grader.kinds.expression.equivalence import sample_points
from grader.kinds.formula.sizes import suggestion, whole_size_sets
from grader.rubric import default_size_sets, load_rubric, load_rubric_text
from grader.rubric_check import check_rubric
from grader.symbol_values import admits, nearest_size, parity, undivided

ROOT = Path(__file__).resolve().parent.parent
SAME_CONV = ROOT / "tests" / "data" / "same-conv-q1.yaml"
ODD_TEXT = SAME_CONV.read_text(encoding="utf-8")
ODD = load_rubric(SAME_CONV)
# The same question with K only a positive integer, as rubrics could say it before.
PLAIN_TEXT = ODD_TEXT.replace("assumptions: [positive, odd]", "assumptions: [positive, integer]")
PLAIN = load_rubric_text(PLAIN_TEXT, "same-conv-plain.yaml")


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def said(result) -> str:
    return " ".join(result.feedback)


def odd_symbol(name: str = "K") -> sympy.Symbol:
    return sympy.Symbol(name, positive=True, odd=True)


# --- Grading: the same answer for odd K, a different one for every K --------------------


@pytest.mark.parametrize(
    ("rubric", "item", "answer", "verdict"),
    [
        pytest.param(ODD, "a.padding", r"\lfloor K/2 \rfloor", "correct", id="floor of K/2 is the padding for odd K"),
        pytest.param(PLAIN, "a.padding", r"\lfloor K/2 \rfloor", "incorrect", id="floor of K/2 is wrong for K of any parity"),
        pytest.param(ODD, "a.padding", r"\lceil (K-2)/2 \rceil", "correct", id="ceil of (K-2)/2 is the padding for odd K"),
        pytest.param(ODD, "a.padding", r"\lceil K/2 \rceil", "incorrect", id="ceil of K/2 is one too many for odd K"),
        pytest.param(ODD, "a.padding", "K/2", "incorrect", id="K/2 is a fraction for odd K"),
        pytest.param(ODD, "b.length", r"\lfloor (P + 2\lfloor K/2 \rfloor - K)/2 \rfloor + 1", "correct", id="the output size with floor of K/2 is right for odd K"),
        pytest.param(PLAIN, "b.length", r"\lfloor (P + 2\lfloor K/2 \rfloor - K)/2 \rfloor + 1", "incorrect", id="the output size with floor of K/2 is wrong for K of any parity"),
        pytest.param(ODD, "b.length", r"\lfloor (P - 1)/2 \rfloor + 1", "correct", id="the output size without K is right"),
    ],
)  # fmt: skip
def test_floor_of_k_over_two_is_the_padding_only_where_k_is_declared_odd(
    rubric, item, answer, verdict
):
    result = grade_answer(rubric, rubric.items[item], answer)
    assert result.verdict == verdict, result.feedback


def test_the_floors_are_compared_on_odd_k_only_and_the_feedback_says_so():
    result = grade_answer(ODD, ODD.items["a.padding"], r"\lfloor K/2 \rfloor")
    assert "taking K = 2t + 1 (t = 0, 1, 2, ...)" in said(result)
    assert "in turn" not in said(result)


@pytest.mark.parametrize(
    ("item", "answer"),
    [
        ("a.padding", "K/2"),
        ("a.padding", r"\lceil K/2 \rceil"),
        ("a.padding", "K"),
        ("a.padding", "(K+1)/2"),
        ("a.padding", "K - 2"),  # right at the example K=3: the sizes shown are others
        ("a.padding", "(K-1)/2 + (K-3)(K-21)"),  # right at K=3 and K=21, the first sampled
        ("b.length", r"\lfloor (P + K)/2 \rfloor"),
        ("b.length", r"\lfloor K/2 \rfloor + P"),
    ],
)
def test_a_counterexample_shown_to_a_student_has_an_odd_kernel(item, answer):
    result = grade_answer(ODD, ODD.items[item], answer)
    assert result.verdict == "incorrect"
    shown = [int(k) for k in re.findall(r"\bK ?= ?(\d+)(?![\dt])", said(result))]
    assert shown and all(k % 2 == 1 for k in shown), result.feedback


def test_a_counterexample_without_an_example_size_still_has_an_odd_kernel():
    text = ODD_TEXT.replace(
        "    assumptions: [positive, odd]\n    example: 3\n", "    assumptions: [positive, odd]\n"
    )
    rubric = load_rubric_text(text, "no-example.yaml")
    result = grade_answer(rubric, rubric.items["a.padding"], "K - 2")
    shown = [int(k) for k in re.findall(r"\bK=(\d+)", said(result))]
    assert shown and all(k % 2 == 1 for k in shown), result.feedback


# --- Loading: the rubric's own sizes --------------------------------------------------------


def refusal(text: str) -> str:
    with pytest.raises(RubricError) as caught:
        load_rubric_text(text, "parity.yaml")
    return str(caught.value)


CHECK_SIZES = "check_sizes:\n  - {P: 9, K: 3}\n  - {P: 11, K: 4}\n\nparts:"


@pytest.mark.parametrize(
    ("edit", "at", "message"),
    [
        pytest.param(
            lambda t: t.replace("\nparts:", "\n" + CHECK_SIZES, 1),
            "{P: 11, K: 4}",
            "check_sizes[1].K: K is declared odd, but check_sizes[1] gives it 4",
            id="check_sizes with an even K for an odd K is refused at its line",
        ),
        pytest.param(
            lambda t: t.replace("    example: 3", "    example: 4"),
            "example: 4",
            "symbols.K.example: K is declared odd, but its example is 4",
            id="an even example for an odd K is refused at its line",
        ),
        pytest.param(
            lambda t: t.replace("[positive, odd]", "[positive, odd, even]"),
            "[positive, odd, even]",
            "symbols.K.assumptions: K cannot be both odd and even",
            id="odd and even together are refused",
        ),
        pytest.param(
            lambda t: t.replace("[positive, odd]", "[real, odd]"),
            "[real, odd]",
            "symbols.K.assumptions: K cannot be both real and odd: odd makes it a whole number; drop real, or drop odd for a symbol that need not be whole",
            id="real and odd together are refused",
        ),
        pytest.param(
            lambda t: t.replace("[positive, odd]", "[positive, even, real]"),
            "[positive, even, real]",
            "symbols.K.assumptions: K cannot be both real and even: even makes it a whole number",
            id="real and even together are refused",
        ),
        pytest.param(
            lambda t: t.replace("[positive, odd]", "[real, integer]"),
            "[real, integer]",
            "symbols.K.assumptions: K cannot be both real and integer: integer makes it a whole number",
            id="real and integer together are refused as real and odd are",
        ),
        pytest.param(
            lambda t: t.replace("[positive, odd]", "[positive, od]"),
            "[positive, od]",
            "symbols.K.assumptions: unknown assumption 'od'; use any of even, integer, nonnegative, nonzero, odd, "
            "positive, real",
            id="an unknown assumption names odd and even among those allowed",
        ),
    ],
)
def test_a_size_of_the_wrong_parity_is_refused_at_its_line(edit, at, message):
    text = edit(ODD_TEXT)
    report = refusal(text)
    assert f"parity.yaml:{line_of(text, at)}: {message}" in report, report


@pytest.mark.parametrize(
    "assumptions", ["[nonnegative, even]", "[positive, odd]", "[odd]", "[real]"]
)
def test_a_parity_with_a_sign_is_accepted(assumptions):
    text = ODD_TEXT.replace("[positive, odd]", assumptions).replace("    example: 3\n", "", 1)
    assert bool(load_rubric_text(text, "parity.yaml").symbol_table["K"].is_integer) is (
        assumptions != "[real]"
    )


def test_check_sizes_of_the_declared_parity_are_accepted():
    text = ODD_TEXT.replace("\nparts:", "\n" + CHECK_SIZES.replace("K: 4", "K: 5"), 1)
    assert load_rubric_text(text, "parity.yaml").size_sets == (
        (("P", 9), ("K", 3)),
        (("P", 11), ("K", 5)),
    )


def test_odd_is_an_integer_and_a_size():
    K = ODD.symbol_table["K"]
    assert K.is_odd and K.is_integer and K.is_positive
    assert [dict(sizes)["K"] % 2 for sizes in ODD.size_sets] == [1, 1]


def test_the_default_sizes_of_symbols_without_a_parity_are_as_before():
    names = ["P", "Q", "C", "D", "E", "F", "G", "H", "I"]
    plain = {name: sympy.Symbol(name, positive=True, integer=True) for name in names}
    assert default_size_sets(names, plain) == default_size_sets(names)


@given(st.lists(st.sampled_from([None, "odd", "even"]), min_size=1, max_size=12))
def test_default_sizes_are_of_each_symbol_s_parity_distinct_and_differ_between_the_sets(
    parities,
):
    symbols = {
        f"S{k}": sympy.Symbol(f"S{k}", positive=True, **({p: True} if p else {"integer": True}))
        for k, p in enumerate(parities)
    }
    first, second = default_size_sets(list(symbols), symbols)
    for sizes in (first, second):
        for name, value in sizes:
            assert value >= 2 and admits(symbols[name], value)
        assert len({value for _, value in sizes}) == len(sizes), sizes
    assert all(a != b for (_, a), (_, b) in zip(first, second, strict=True)), (first, second)


def kinds(**parities: str | None) -> dict[str, sympy.Symbol]:
    """Symbols in the order given, of the parities given (None: a positive integer)."""
    return {
        name: sympy.Symbol(name, positive=True, **({p: True} if p else {"integer": True}))
        for name, p in parities.items()
    }


@pytest.mark.parametrize(
    ("symbols", "sets"),
    [
        pytest.param(kinds(P=None, K="odd"), ({"P": 5, "K": 3}, {"P": 6, "K": 7}), id="an odd symbol after P=5 is 3, not 4"),
        pytest.param(kinds(P=None, K="odd", C=None, D=None), ({"P": 5, "K": 3, "C": 4, "D": 2}, {"P": 6, "K": 7, "C": 2, "D": 3}), id="a size an odd symbol takes is given up by the symbol that had it"),
        pytest.param(kinds(P=None, Q=None, C=None, D=None, A="odd", B="odd"), ({"P": 6, "Q": 4, "C": 3, "D": 2, "A": 5, "B": 7}, {"P": 5, "Q": 6, "C": 2, "D": 4, "A": 7, "B": 3}), id="two odd kernel sides differ in each set"),
        pytest.param(kinds(P="even", Q="even", C=None, D=None), ({"P": 6, "Q": 4, "C": 3, "D": 2}, {"P": 8, "Q": 6, "C": 2, "D": 3}), id="an even size differs between the sets"),
    ],
)  # fmt: skip
def test_default_sizes_of_symbols_declared_odd_or_even(symbols, sets):
    got = default_size_sets(list(symbols), symbols)
    assert tuple(dict(sizes) for sizes in got) == sets


KERNEL_AXB = """id: KK2
title: A convolution with a kernel of A x B
symbols:
  P: {meaning: the height, example: 9}
  Q: {meaning: the width, example: 8}
  C: {meaning: the input channels, example: 2}
  D: {meaning: the output channels, example: 3}
  A: {meaning: the kernel's height, assumptions: [positive, odd], example: 3}
  B: {meaning: the kernel's width, assumptions: [positive, odd], example: 5}
parts:
  a:
    marks: 3
    prompt: A convolution with an A x B kernel.
    items:
      formula:
        type: formula
        marks: 3
        input: {name: x, shape: [P, Q, C]}
        output: {name: y, shape: [P, Q, D]}
        answer: 'y_{i,j,k} = \\sum_{u=-(A-1)/2}^{(A-1)/2}\\sum_{v=-(B-1)/2}^{(B-1)/2}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k'
"""
SWAPPED = r"y_{i,j,k} = \sum_{u=-(B-1)/2}^{(B-1)/2}\sum_{v=-(A-1)/2}^{(A-1)/2}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k"


def test_a_kernel_with_its_two_odd_sides_swapped_is_wrong():
    rubric = load_rubric_text(KERNEL_AXB, "kk2.yaml")
    result = grade_answer(rubric, rubric.items["a.formula"], SWAPPED)
    assert result.verdict != "correct", rubric.size_sets


@given(st.integers(min_value=1, max_value=60), st.sampled_from(["odd", "even"]))
def test_the_nearest_size_is_of_the_parity_and_near(value, wanted):
    symbol = sympy.Symbol("K", positive=True, **{wanted: True})
    moved = nearest_size(symbol, value)
    assert parity(symbol) == wanted and admits(symbol, moved)
    assert moved == value if admits(symbol, value) else abs(moved - value) <= 1 or value == 1


@pytest.mark.parametrize(
    ("value", "admitted"),
    [(3, True), (4, False), (Fraction(3), True), (Fraction(3, 2), False), (-3, False), (0, False)],
)
def test_an_odd_positive_symbol_admits_odd_positive_whole_numbers(value, admitted):
    assert admits(odd_symbol(), value) is admitted


# --- Comparisons: the points an expression is compared at, the classes of a count --------


@pytest.mark.parametrize("wanted", ["odd", "even"])
def test_an_expression_is_compared_at_values_of_the_symbol_s_parity(wanted):
    K = sympy.Symbol("K", positive=True, **{wanted: True})
    x = sympy.Symbol("x", real=True)
    points = sample_points([K, x])
    assert points and all(p[K] % 2 == (1 if wanted == "odd" else 0) for p, _ in points)
    assert len({p[K] for p, _ in points}) >= 2


@pytest.mark.parametrize(
    ("difference", "zero"),
    [
        pytest.param(lambda K: sympy.floor(K / 2) - (K - 1) / 2, True, id="floor of K/2 is (K-1)/2 for odd K"),
        pytest.param(lambda K: sympy.ceiling(K / 2) - (K + 1) / 2, True, id="ceil of K/2 is (K+1)/2 for odd K"),
        pytest.param(lambda K: sympy.floor(K / 4) - (K - 1) / 4, False, id="floor of K/4 is not (K-1)/4 for odd K"),
        pytest.param(lambda K: sympy.floor(K / 2) - K / 2, False, id="floor of K/2 is not K/2 for odd K"),
    ],
)  # fmt: skip
def test_a_count_with_floors_is_compared_on_odd_sizes_only(difference, zero):
    K = odd_symbol()
    assert identically_zero(difference(K), (K,))[0] is zero
    plain = sympy.Symbol("K", positive=True, integer=True)
    assert identically_zero(difference(plain), (plain,))[0] is False


def test_the_class_of_an_even_size_is_not_taken_for_an_even_size_again():
    """E = 2t: t takes every value, so sympy must not simplify ⌊t/2⌋ as it does ⌊E/2⌋ = E/2
    for an even E (⌊E/4⌋ is not E/4 at E = 2)."""
    E = sympy.Symbol("E", positive=True, even=True)
    assert identically_zero(sympy.floor(E / 4) - E / 4, (E,))[0] is False
    assert identically_zero(sympy.floor(E / 4) - sympy.floor(sympy.floor(E / 2) / 2), (E,))[0]


# --- Formulas: the sizes they are checked at ------------------------------------------------

CONV1D_TEXT = (ROOT / "rubrics" / "conv1d-q1.yaml").read_text(encoding="utf-8")
FLOOR_BOUNDS = r"\sum_{u=-\lfloor K/2 \rfloor}^{\lfloor K/2 \rfloor}"
HALF_BOUNDS = r"\sum_{u=-(K-1)/2}^{(K-1)/2}"


def conv1d(assumptions: str):
    """rubrics/conv1d-q1.yaml with its default sizes (no check_sizes), K's `assumptions`,
    and its kernel's bounds written with floors, which are whole at every K."""
    text = re.sub(
        r"(    meaning: the size of the kernel.*\n)(    assumptions: .*\n)?",
        lambda m: f"{m.group(1)}    assumptions: {assumptions}\n",
        CONV1D_TEXT,
    ).replace(f"answer: 'y_{{t,k}} = {HALF_BOUNDS}", f"answer: 'y_{{t,k}} = {FLOOR_BOUNDS}", 1)
    text = text[: text.index("check_sizes:")] + text[text.index("parts:") :]
    return load_rubric_text(text, "conv1d.yaml")


@pytest.mark.parametrize(
    ("assumptions", "bounds", "verdict", "diagnosis"),
    [
        pytest.param("[positive, odd]", HALF_BOUNDS, "correct", None, id="(K-1)/2 bounds are whole for odd K"),
        pytest.param("[positive, integer]", HALF_BOUNDS, "needs_review", "fractional_index", id="(K-1)/2 bounds are a fraction at even K"),
        pytest.param("[positive, odd]", r"\sum_{u=-K/2}^{K/2}", "needs_review", "fractional_index", id="K/2 bounds are a fraction for odd K"),
    ],
)  # fmt: skip
def test_a_formula_s_fractional_bounds_are_judged_at_sizes_of_k_s_parity(
    assumptions, bounds, verdict, diagnosis
):
    rubric = conv1d(assumptions)
    answer = rf"y_{{t,k}} = {bounds}\sum_{{l=1}}^{{C}} w_{{u,l,k}} x_{{t+u,l}} + b_k"
    result = grade_answer(rubric, rubric.items["a.formula"], answer)
    assert (result.verdict, result.diagnosis) == (verdict, diagnosis), result.feedback


def test_sizes_moved_to_whole_arithmetic_keep_a_symbol_s_parity():
    A, C = odd_symbol("A"), sympy.Symbol("C", positive=True, integer=True)
    plain = sympy.Symbol("A", positive=True, integer=True)
    assert whole_size_sets(((("A", 3), ("C", 5)),), frozenset({A * C / 2})) == (
        (("A", 3), ("C", 4)),
    )
    assert whole_size_sets(((("A", 3), ("C", 5)),), frozenset({plain * C / 2})) == (
        (("A", 2), ("C", 5)),
    )


K_ODD = odd_symbol()
E_EVEN = sympy.Symbol("E", positive=True, even=True)
C_ANY = sympy.Symbol("C", positive=True, integer=True)
HALF = sympy.Rational(1, 2)


@pytest.mark.parametrize(
    ("conditions", "sets", "advice"),
    [
        pytest.param({-K_ODD / 2, K_ODD / 2 - 1}, ({"K": 3}, {"K": 5}), r"; -K/2 and K/2 - 1 are never whole numbers for an odd K: round them, e.g. \lfloor K/2 \rfloor", id="half an odd K is never whole: round it"),
        pytest.param({3 * K_ODD / 2}, ({"K": 3}, {"K": 5}), r"; 3K/2 is never a whole number for an odd K: round it, e.g. \lfloor 3K/2 \rfloor", id="three halves of an odd K is never whole"),
        pytest.param({E_EVEN / 2 + HALF}, ({"E": 2}, {"E": 4}), r"; E/2 + 1/2 is never a whole number for an even E: round it, e.g. \lfloor E/2 + 1/2 \rfloor", id="where no term alone is the fraction the whole is rounded"),
        pytest.param({(K_ODD - 1) / 4}, ({"K": 3}, {"K": 5}), "; give check_sizes at which it is a whole number (such as K=5)", id="a quarter of K - 1 is whole at some odd K: sizes that do"),
        pytest.param({(K_ODD + C_ANY) / 2}, ({"K": 3, "C": 2}, {"K": 5, "C": 4}), "; give check_sizes at which it is a whole number (such as C=3)", id="another size can make it whole: sizes that do"),
    ],
)  # fmt: skip
def test_arithmetic_a_parity_makes_fractional_everywhere_is_to_be_rounded(conditions, sets, advice):
    size_sets = tuple(tuple(sizes.items()) for sizes in sets)
    assert suggestion(frozenset(conditions), size_sets) == advice


def test_a_rubric_s_kernel_from_minus_half_an_odd_k_is_to_be_rounded():
    text = CONV1D_TEXT.replace(
        f"answer: 'y_{{t,k}} = {HALF_BOUNDS}", r"answer: 'y_{t,k} = \sum_{u=-K/2}^{K/2-1}", 1
    )
    report = refusal(text)
    assert (
        "the start of the sum over u is -3/2 at P=9, K=3, C=2, D=4, not a whole number; -K/2 and "
        r"K/2 - 1 are never whole numbers for an odd K: round them, e.g. \lfloor K/2 \rfloor"
    ) in report, report


# --- Relations -------------------------------------------------------------------------------

HEADS = """\
id: HEADS-1
title: Heads
symbols:
  d: {meaning: the model dimension, example: 8}
  h: {meaning: the number of heads, example: 2}
  d_k: {meaning: the dimension of one head, assumptions: [positive, even], example: 4}
relations:
  d_k: d/h
parts:
  a:
    marks: 1
    prompt: How many?
    items:
      params:
        type: count
        marks: 1
        answer: 'h d_k'
"""


@pytest.mark.parametrize(
    ("symbol", "wanted", "examples"),
    [
        pytest.param("d_k", "even", (8, 2, 4), id="an even d_k defined by d/h is even"),
        pytest.param("d_k", "odd", (6, 2, 3), id="an odd d_k defined by d/h is odd"),
        pytest.param("h", "even", (8, 2, 4), id="an even h that d_k is defined by is even"),
    ],
)
def test_default_sizes_under_a_relation_keep_each_symbol_s_parity(symbol, wanted, examples):
    d, h, d_k = examples
    text = (
        HEADS.replace("assumptions: [positive, even], ", "")
        .replace("example: 8}", f"example: {d}}}")
        .replace("example: 4}", f"example: {d_k}}}")
        .replace(
            f"  {symbol}: {{meaning:", f"  {symbol}: {{assumptions: [positive, {wanted}], meaning:"
        )
    )
    rubric = load_rubric_text(text, "heads.yaml")
    for sizes in rubric.size_sets:
        values = dict(sizes)
        assert values["d_k"] * values["h"] == values["d"]
        assert values[symbol] % 2 == (1 if wanted == "odd" else 0), rubric.size_sets


@pytest.mark.parametrize("divisor", ["d_k"])
def test_default_sizes_under_a_relation_keep_each_declared_multiple(divisor):
    text = (
        HEADS.replace("assumptions: [positive, even], ", "")
        .replace(", example: 8}", "}")
        .replace(", example: 2}", "}")
        .replace(", example: 4}", "}")
        .replace(
            "relations:", f"  C: {{meaning: the channels, multiple_of: {divisor}}}\nrelations:"
        )
    )
    rubric = load_rubric_text(text, "heads.yaml")
    for sizes in rubric.size_sets:
        values = dict(sizes)
        assert values["d_k"] * values["h"] == values["d"]
        assert undivided(values, (("C", divisor),)) is None, rubric.size_sets


def test_a_counterexample_under_a_relation_keeps_the_related_symbol_s_parity():
    rubric = load_rubric_text(
        HEADS.replace(", example: 8}", "}").replace(", example: 4}", "}"), "h.yaml"
    )
    result = grade_answer(rubric, rubric.items["a.params"], "2 d_k")
    shown = [int(v) for v in re.findall(r"\bd_k=(\d+)", said(result))]
    assert shown and all(v % 2 == 0 for v in shown), result.feedback


# --- rubric check: a count that is a fraction at some sizes ---------------------------------


def messages(rubric) -> list[str]:
    return [f"{p.line}: {p.key}: {p.message}" for p in check_rubric(rubric)]


@pytest.mark.parametrize(
    ("answer", "at", "message"),
    [
        pytest.param("answer: '(K-1)/2'", "answer: '(K-1)/2'", "parts.a.items.padding.answer: a.padding's answer '(K-1)/2' is not a whole number at K=2; declare K odd, or round it", id="the answer is named at its line"),
        pytest.param("answer:\n          - '(K-1)/2'\n          - '\\lfloor K/2 \\rfloor'", "- '(K-1)/2'", "parts.a.items.padding.answer: a.padding's answer '(K-1)/2' is not a whole number at K=2; declare K odd, or round it", id="the first of a list of answers is named at its line"),
        pytest.param("answer:\n          - '\\lfloor K/2 \\rfloor'\n          - 'K/2 - 1/2'", "- 'K/2 - 1/2'", "parts.a.items.padding.answer[1]: a.padding's accepted answer 2 'K/2 - 1/2' is not a whole number at K=2; declare K odd, or round it", id="an accepted answer is named at its line"),
    ],
)  # fmt: skip
def test_the_rubric_check_names_a_count_that_is_a_fraction_at_some_sizes(answer, at, message):
    text = PLAIN_TEXT.replace("answer: '(K-1)/2'", answer, 1)
    rubric = load_rubric_text(text, "plain.yaml")
    assert f"{line_of(text, at)}: {message}" in messages(rubric), messages(rubric)


def test_the_same_count_with_k_declared_odd_passes_the_check():
    assert messages(ODD) == []


@pytest.mark.parametrize(
    ("answer", "declared", "message"),
    [
        pytest.param("9CD/G + D", ", multiple_of: G", None, id="a division by a size is whole where C is declared a multiple of G"),
        pytest.param("9CD/G + D", "", "'9CD/G + D' is not a whole number at C=1, D=1, G=2; declare C a multiple of G (multiple_of: G under symbols.C), or round it", id="a division by a size is judged: the advice names multiple_of"),
        pytest.param("C/G + D/G", "", "'C/G + D/G' is not a whole number at C=1, D=1, G=3; declare C and D multiples of G (multiple_of: G under symbols.C and symbols.D), or round it", id="two sizes over G want both declared multiples"),
        pytest.param("C/G + D/G", ", multiple_of: G", "'C/G + D/G' is not a whole number at C=2, D=1, G=2; declare D a multiple of G (multiple_of: G under symbols.D), or round it", id="C declared a multiple of G leaves D/G"),
        pytest.param("C/G + 9PC/(2G)", ", multiple_of: G", "'C/G + 9PC/(2G)' is not a whole number at P=1, C=1, G=1; declare P even, or round it", id="a half beside C/G declared whole wants P even"),
        pytest.param("PK/4", "", "'PK/4' is not a whole number at P=1, K=1; round it", id="a quarter is named, and no parity mends it"),
        pytest.param("K/2", "", "'K/2' is not a whole number at K=1; declare K even, or round it", id="half a size wants it even"),
        pytest.param(r"\lfloor K/2 \rfloor + C", "", None, id="a floor is whole"),
        pytest.param("K(K+1)/2", "", None, id="a triangular number is whole"),
    ],
)  # fmt: skip
def test_a_count_item_s_answer_must_be_whole_at_every_size(answer, declared, message):
    symbols = f"  C: {{meaning: the channels{declared}}}\n  D: {{meaning: the outputs}}\n"
    text = (
        PLAIN_TEXT.replace("answer: '(K-1)/2'", f"answer: '{answer}'")
        .replace("  K:\n", f"{symbols}  G: {{meaning: the groups}}\n  K:\n")
        .replace("  - {item: a.padding, answer: '(K-1)/2', verdict: correct, marks: 2}\n", "")
    )
    found = [m for m in messages(load_rubric_text(text, "whole.yaml")) if "whole number" in m]
    assert found == ([] if message is None else [found[0]])
    if message is not None:
        assert message in found[0]


# --- Multiples (`multiple_of`): G groups of C channels --------------------------------------

SIZES = {name: sympy.Symbol(name, positive=True, integer=True) for name in "PQCDGH"} | {
    "K": odd_symbol(),
    "E": E_EVEN,
}


@pytest.mark.parametrize(
    ("names", "pairs", "sets"),
    [
        pytest.param("PQCDG", (("C", "G"), ("D", "G")), ({"P": 5, "Q": 4, "C": 6, "D": 8, "G": 2}, {"P": 6, "Q": 7, "C": 9, "D": 12, "G": 3}), id="G divides C and D in both sets, sizes distinct"),
        pytest.param("CGH", (("C", "G"), ("G", "H")), ({"C": 8, "G": 4, "H": 2}, {"C": 12, "G": 6, "H": 3}), id="a chain: C a multiple of G, a multiple of H"),
        pytest.param("PKG", (("K", "G"),), ({"P": 5, "K": 9, "G": 3}, {"P": 6, "K": 15, "G": 5}), id="an odd K's divisor is odd"),
        pytest.param("EG", (("E", "G"),), ({"E": 4, "G": 2}, {"E": 6, "G": 3}), id="an even E is a multiple of G"),
        pytest.param("CD", (("D", "C"),), ({"C": 2, "D": 4}, {"C": 3, "D": 6}), id="a multiple of a size declared before it"),
    ],
)  # fmt: skip
def test_default_sizes_keep_each_declared_multiple(names, pairs, sets):
    symbols = {name: SIZES[name] for name in names}
    got = default_size_sets(list(names), symbols, pairs)
    assert tuple(dict(sizes) for sizes in got) == sets
    for sizes in got:
        assert undivided(dict(sizes), pairs) is None
        assert all(admits(symbols[name], value) for name, value in sizes)


def test_sizes_moved_to_whole_arithmetic_keep_a_declared_multiple():
    C = SIZES["C"]
    assert whole_size_sets(((("C", 4), ("G", 2)),), frozenset({C / 3}), (("C", "G"),)) == (
        (("C", 6), ("G", 2)),
    )


GROUPS = """\
id: GROUPS-1
title: Groups
symbols:
  C: {meaning: the input channels, multiple_of: G}
  D: {meaning: the output channels, multiple_of: G}
  G: {meaning: the groups}
parts:
  a:
    marks: 1
    prompt: How many parameters?
    items:
      params: {type: count, marks: 1, answer: '9CD/G + D'}
"""


@pytest.mark.parametrize("answer", ["9CD + D", "9CD/G", "CD/G + D", "9C/G + D"])
def test_a_counterexample_keeps_each_declared_multiple(answer):
    rubric = load_rubric_text(GROUPS, "groups.yaml")
    result = grade_answer(rubric, rubric.items["a.params"], answer)
    shown = re.search(r"With ((?:\w+=\d+(?:, )?)+) your count", said(result))
    assert shown, result.feedback
    sizes = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", shown.group(1))}
    assert undivided(sizes, (("C", "G"), ("D", "G"))) is None and "G" in sizes, sizes


EIGHT = """\
id: EIGHT-1
title: Eight sizes
symbols:
  A: {meaning: a}
  B: {meaning: b}
  C: {meaning: c}
  D: {meaning: d}
  E: {meaning: e}
  F: {meaning: f}
  G: {meaning: g}
  H: {meaning: h}
parts:
  a:
    marks: 1
    prompt: How many?
    items:
      n: {type: count, marks: 1, answer: 'ANSWER'}
"""
ALL_ONE = "A=1, B=1, C=1, D=1, E=1, F=1, G=1, H=1"


@pytest.mark.parametrize(
    ("answer", "at"),
    [
        pytest.param("A(A+1)/2 + B(B+1)/2 + C(C+1)/2 + D(D+1)/2 + E(E+1)/2 + F(F+1)/2 + G(G+1)/2 + H(H+1)/2", None, id="a sum of triangular numbers is whole"),
        pytest.param("ABCDEFGH/2", ALL_ONE, id="half a product of eight sizes is a fraction where all are odd"),
        pytest.param("ABCDEF + GH/4", ALL_ONE, id="a quarter of two sizes is a fraction"),
        pytest.param("ABCDEF + (G-1)(H-2)/4", "A=1, B=1, C=1, D=1, E=1, F=1, G=2, H=1", id="a fraction in two sizes is found where the others are 1"),
        pytest.param("ABCDE + (F-1)(G-1)(H-1)/8", "A=1, B=1, C=2, D=2, E=2, F=2, G=2, H=2", id="a fraction in three sizes is found where they are 2"),
        pytest.param("ABCDEFGH + (A+B)(A+B+1)/2", None, id="a triangular number of a sum of two sizes is whole"),
    ],
)  # fmt: skip
def test_a_count_over_eight_sizes_is_judged_at_a_few_hundred_points(monkeypatch, answer, at):
    """4^8 points took seconds at every rubric check: the check tries every pair of sizes'
    combinations and all sizes at once instead, and still finds these fractions."""
    import grader.kinds.count.whole as whole

    tried = []
    monkeypatch.setattr(
        whole, "evaluate", lambda expr, values: tried.append(1) or evaluate(expr, values)
    )
    rubric = load_rubric_text(EIGHT.replace("ANSWER", answer), "eight.yaml")
    found = whole.whole_answer_problems(rubric.items["a.n"], rubric.context)
    assert [p.message.split(" at ")[1].split(";")[0] for p in found] == ([at] if at else [])
    assert len(tried) <= whole.MAX_POINTS * (1 + 2 * 8 * bool(at))
