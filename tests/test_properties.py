"""Properties: any expression printed in any notation reads back to itself."""

import sympy
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from grader.errors import AnswerTooLargeError
from grader.kinds.count.check import counts_equal
from grader.kinds.count.parse import parse

NAMES = "PQCD"
SYMBOLS = {n: sympy.Symbol(n, positive=True, integer=True) for n in NAMES}

NOTATIONS = {
    "plain": {
        "mul": "*",
        "minus": "-",
        "pow": lambda b, e: f"{b}^{e}",
        "div": lambda a, b: f"({a})/({b})",
    },
    "python": {
        "mul": "*",
        "minus": "-",
        "pow": lambda b, e: f"{b}**{e}",
        "div": lambda a, b: f"({a})/({b})",
    },
    "latex": {
        "mul": r" \times ",
        "minus": "-",
        "pow": lambda b, e: f"{b}^{{{e}}}",
        "div": lambda a, b: rf"\frac{{{a}}}{{{b}}}",
    },
    "latex-cdot": {
        "mul": r" \cdot ",
        "minus": "-",
        "pow": lambda b, e: f"{b}^{{{e}}}",
        "div": lambda a, b: rf"\dfrac{{{a}}}{{{b}}}",
    },
    "unicode": {
        "mul": "×",
        "minus": "−",
        "pow": lambda b, e: b + str(e).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),
        "div": lambda a, b: f"({a})÷({b})",
    },
    "dots": {
        "mul": "·",
        "minus": "−",
        "pow": lambda b, e: f"{b}^{e}",
        "div": lambda a, b: f"({a})/({b})",
    },
}

leaves = st.one_of(
    st.sampled_from(NAMES).map(lambda n: (n, SYMBOLS[n])),
    st.integers(1, 20).map(lambda k: (str(k), sympy.Integer(k))),
)


def combine(children):
    return st.one_of(
        st.tuples(st.just("+"), children, children),
        st.tuples(st.just("-"), children, children),
        st.tuples(st.just("*"), children, children),
        st.tuples(st.just("/"), children, st.sampled_from(NAMES).map(lambda n: (n, SYMBOLS[n]))),
        st.tuples(st.just("^"), children, st.integers(0, 3)),
    )


trees = st.recursive(leaves, combine, max_leaves=10)


def render(tree, notation) -> tuple[str, sympy.Expr]:
    """The tree as text in `notation`, fully bracketed, and its value built directly."""
    if len(tree) == 2:
        return tree
    operator, left, right = tree
    a_text, a = render(left, notation)
    if operator == "^":
        return notation["pow"](f"({a_text})", right), a**right
    b_text, b = render(right, notation)
    if operator == "+":
        return f"({a_text}) + ({b_text})", a + b
    if operator == "-":
        return f"({a_text}) {notation['minus']} ({b_text})", a - b
    if operator == "*":
        return f"({a_text}){notation['mul']}({b_text})", a * b
    return notation["div"](a_text, b_text), a / b


@settings(max_examples=200, deadline=None)
@given(trees, st.sampled_from(sorted(NOTATIONS)))
def test_an_expression_printed_and_read_back_is_equivalent(tree, notation):
    text, value = render(tree, NOTATIONS[notation])
    try:
        parsed = parse(text, SYMBOLS)
    except AnswerTooLargeError:
        reject()  # beyond the size bounds by design; tested in test_answer_errors
    if value.has(sympy.zoo, sympy.nan):
        reject()
    assert sympy.cancel(parsed.expr - value) == 0, (text, parsed.interpretation)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-9, 9), st.tuples(*[st.integers(0, 3)] * 4)), min_size=1, max_size=5
    )
)
def test_a_polynomial_equals_its_expansion_and_not_its_successor(terms):
    expr = sum(
        (
            c * sympy.Mul(*[SYMBOLS[n] ** e for n, e in zip(NAMES, exps, strict=True)])
            for c, exps in terms
        ),
        sympy.Integer(0),
    )
    factored = sympy.factor(expr)
    assert counts_equal(factored, sympy.expand(expr))
    assert not counts_equal(expr, expr + 1)


polynomial_terms = st.lists(
    st.tuples(st.integers(-9, 9).filter(bool), st.tuples(*[st.integers(0, 3)] * 4)),
    min_size=1,
    max_size=4,
)


def _polynomial(ring, terms):
    return sum((ring.term_new(exps, ring.domain(c)) for c, exps in terms), ring.zero)


@settings(max_examples=200, deadline=None)
@given(
    polynomial_terms,
    polynomial_terms,
    st.tuples(st.integers(-9, 9).filter(bool), st.tuples(*[st.integers(0, 2)] * 4)),
    st.tuples(st.integers(1, 9), st.tuples(*[st.integers(0, 2)] * 4)),
    st.booleans(),
)
def test_a_ratio_of_monomials_is_found_without_a_gcd_exactly_when_cancelling_finds_one(
    first, second, above, below, related
):
    """check._monomial_ratio agrees with sympy's `cancel` on a/b = k·x^α/x^β."""
    from grader.kinds.count.check import _monomial_ratio
    from grader.kinds.count.polynomials import polynomial_ring

    ring = polynomial_ring(tuple(SYMBOLS[n] for n in NAMES))
    p = _polynomial(ring, first)
    if related:  # the same polynomial times a constant and a ratio of monomials
        top, bottom = p * _polynomial(ring, [above]), p * _polynomial(ring, [below])
    else:
        top, bottom = p, _polynomial(ring, second)
    if not top or not bottom:
        reject()
    numerator, denominator = top.cancel(bottom)
    found = _monomial_ratio((top, ring.one), (bottom, ring.one))
    if len(numerator) == 1 and len(denominator) == 1:
        assert found is not None
        assert (found.numerator, found.denominator) == (numerator, denominator)
    else:
        assert found is None
