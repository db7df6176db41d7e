"""Expression items (`type: expression`): how answers are read (plain text, LaTeX, Unicode),
when two are the same (exactly, or by evaluation over the reals, with a counterexample when
not, and a person when the machine cannot tell), misconceptions, diagnoses, forms, bounds,
the bundled rubric's submissions, and an expression agreeing with its rewritings."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grader.errors import RubricError
from grader.grade import grade_answer, grade_paths
from grader.html_report import trusted_mathml
from grader.kinds.expression.equivalence import show_number, show_numbers
from grader.rubric import load_rubric, load_rubric_text
from grader.rubric_check import check_rubric

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = (
    "  x: {meaning: a real number, assumptions: [real]}\n"
    "  y: {meaning: a real number, assumptions: [real]}\n"
    "  a: {meaning: a length, assumptions: [positive]}\n"
    "  n: {meaning: a count, assumptions: [positive, integer]}\n"
    "  d_k: {meaning: the dimension of the keys}\n"
    "  alpha: {meaning: a rate, assumptions: [real]}\n"
)


def _rubric_text(answer: str, extra: str = "", tests: str = "") -> str:
    return (
        "id: EXPR\nsymbols:\n"
        + SYMBOLS
        + "parts:\n  a:\n    marks: 2\n    prompt: Answer.\n    items:\n      it:\n"
        + "        type: expression\n        marks: 2\n"
        + f"        answer: '{answer}'\n"
        + extra
        + tests
    )


def _rubric(answer: str, extra: str = ""):
    return load_rubric_text(_rubric_text(answer, extra), "expr.yaml")


def grade(reference: str, answer: str, extra: str = ""):
    rubric = _rubric(reference, extra)
    return grade_answer(rubric, rubric.items["a.it"], answer)


SIGMA = "        functions: {sigma: sigmoid}\n        constants: [e]\n"
SIGMA_PRODUCT = r"\sigma(x)(1-\sigma(x))"

# --- Reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "reading"),
    [
        ("x^2 + 2x + 1", "x² + 2·x + 1"),
        (r"\frac{1}{\sqrt{d_k}}", "1/sqrt(d_k)"),
        ("1/√d_k", "1/sqrt(d_k)"),
        (r"\sqrt[3]{x}", "root(x, 3)"),
        ("x^(1/2)", "x^(1/2)"),
        ("|x| + |y|", "|x| + |y|"),
        (r"\left| x \right|", "|x|"),
        (r"\lfloor x \rfloor + \lceil y \rceil", "floor(x) + ceil(y)"),
        ("max(x, y) - min(x, y)", "max(x, y) - min(x, y)"),
        (r"2\sin x \cos y", "2·sin(x)·cos(y)"),
        ("sin^2 x + cos(x)^2", "sin(x)² + cos(x)²"),
        (r"-\tanh^2(x) + 1", "-tanh(x)² + 1"),
        ("xsinx", "x·sin(x)"),
        (r"\alpha x", "α·x"),
        ("αx²", "α·x²"),
        ("x·y × 2 − 1", "x·y·2 - 1"),
        ("x⁻¹", "x⁻¹"),
        (r"\ln|x|", "ln(|x|)"),
        (r"\exp(-x^2)", "exp(-x²)"),
        (r"\frac13 + \frac3{4} + \dfrac{1}{2}", "1/3 + 3/4 + 1/2"),
        (".5x", ".5·x"),
        (r"\boxed{\frac{x}{2}}", "x/2"),
        ("x = 2y + 1", "x = 2·y + 1"),
        ("x^y(1+x)", "x^y·(1 + x)"),
        ("x^log(y)", "x^(log(y))"),
        (r"\log_2 x + \log_{10}(y)", "log_2(x) + log_10(y)"),
        ("sech^2 x - coth(y)", "sech(x)² - coth(y)"),
        (r"\text{sech}^2(x) + \coth y", "sech(x)² + coth(y)"),
        (r"\operatorname{csch}^2 x - \textrm{sech}(y)^2", "csch(x)² - sech(y)²"),
        (r"\mathrm{sech}(x) \text{csch} y", "sech(x)·csch(y)"),
    ],
)
def test_an_answer_is_read_with_every_operator_explicit(answer, reading):
    result = grade("x", answer)
    assert result.interpretation == reading
    assert result.verdict != "invalid"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "x +* y",
            "We could not read your answer: unexpected '*': expected '(' or a name or a "
            "number (at column 4).",
        ),
        (
            "sqrt + x",
            "We could not read your answer: sqrt needs an argument, e.g. sqrt(x) (at column 1).",
        ),
        (
            "pi x",
            "We could not read your answer: pi is not a constant of this question; its "
            "symbols are x, y, a, n, d_k, alpha (at column 1).",
        ),
        (
            "X + 1",
            "We could not read your answer: unknown symbol X, did you mean x? Symbols are "
            "case-sensitive (at column 1).",
        ),
        (
            "|x",
            "We could not read your answer: an absolute value '|' is never closed (at column 1).",
        ),
        (
            "(x, y)",
            "We could not read your answer: a list of values is only a function's "
            "arguments, as in max(a, b) (at column 1).",
        ),
        (r"\pm x", r"We could not read your answer: unsupported LaTeX command \pm (at column 1)."),
        ("x^20000", "We could not read your answer: exponents are limited to 10000 (at column 1)."),
        (
            "10^9999",
            "We could not read your answer: too large to check: the number would be too "
            "long (at column 1).",
        ),
        (
            "x 2",
            "We could not read your answer: 'x 2' is ambiguous: a number after another "
            "factor needs an operator, e.g. '*' or '^' (at column 3).",
        ),
        (
            "хy",
            "We could not read your answer: character 'х' (CYRILLIC SMALL LETTER HA) is not "
            "allowed in an answer (at column 1).",
        ),
        (
            "x«y",
            "We could not read your answer: character '«' is not allowed in an answer (at "
            "column 2).",
        ),
        ("1/(x-x)", "We could not read your answer: division by zero (at column 3)."),
        (  # found by a rubric author: it was "unexpected '/'"
            "x // 2",
            "We could not read your answer: '//' (Python's division rounding down) is not part "
            "of an expression: write a division with / or \\frac, or round down with \\lfloor "
            "… \\rfloor (at column 3).",
        ),
    ],
)
def test_an_unreadable_answer_goes_to_a_person_saying_where_it_went_wrong(answer, message):
    result = grade("x", answer)
    assert result.verdict == "invalid"
    assert result.feedback[0] == message
    assert result.needs_person


@pytest.mark.parametrize(
    ("answer", "extra", "message"),
    [
        (
            "1 - tanh2x",
            "",
            "'tanh2x' is ambiguous: 2 straight after tanh may be a power whose superscript was "
            "lost, tanh^2 x, or the start of the function's argument, tanh(2x)",
        ),
        (
            "1-tanh2 x",
            "",
            "'tanh2 x' is ambiguous: 2 straight after tanh may be a power whose superscript was "
            "lost, tanh^2 x, or the start of the function's argument, tanh(2x)",
        ),
        (
            "1 - tanh2(x)",
            "",
            "'tanh2(x)' is ambiguous: 2 straight after tanh may be a power whose superscript "
            "was lost, tanh^2(x), or the start of the function's argument, tanh(2(x))",
        ),
        (
            "sech2x",
            "",
            "'sech2x' is ambiguous: 2 straight after sech may be a power whose superscript was "
            "lost, sech^2 x, or the start of the function's argument, sech(2x)",
        ),
        (
            "σ2(1 - σ)",
            SIGMA,
            "'σ2(1 - σ)' is ambiguous: 2 straight after σ may be a power whose superscript was "
            "lost, σ^2(1 - σ), or the start of the function's argument, σ(2(1 - σ))",
        ),
        # `\\tanh2x` was read silently as tanh(2x): a command straight before the digit is
        # the same lost superscript (`\\tanh 2x`, spaced, is tanh(2x): see below)
        (
            r"1 - \tanh2x",
            "",
            r"'\tanh2x' is ambiguous: 2 straight after \tanh may be a power whose superscript "
            r"was lost, \tanh^2 x, or the start of the function's argument, \tanh(2x)",
        ),
        (
            r"\sech2x",
            "",
            r"'\sech2x' is ambiguous: 2 straight after \sech may be a power whose superscript "
            r"was lost, \sech^2 x, or the start of the function's argument, \sech(2x)",
        ),
        (
            r"\operatorname{sech}2x",
            "",
            r"'\operatorname{sech}2x' is ambiguous: 2 straight after \operatorname{sech} may "
            r"be a power whose superscript was lost, \operatorname{sech}^2 x, or the start of "
            r"the function's argument, \operatorname{sech}(2x)",
        ),
    ],
    ids=[
        "tanh2x",
        "tanh2 x",
        "tanh2(x)",
        "sech2x alone",
        "a declared function",
        "backslash tanh2x",
        "backslash sech2x",
        "operatorname sech 2x",
    ],
)
def test_a_digit_straight_after_a_function_is_a_lost_superscript_or_its_argument(
    answer, extra, message
):
    # was read silently as tanh(2x) (tanh(2)·x for tanh2(x)): 0 marks for 1 - tanh²x
    result = grade("1 - tanh(x)^2", answer, extra)
    assert result.verdict == "invalid"
    assert result.needs_person
    assert result.feedback[0].startswith(f"We could not read your answer: {message}; ")


@pytest.mark.parametrize("answer", [r"1 - \tanh 2x", "1 - tanh 2x"])
def test_a_spaced_digit_after_a_function_starts_its_argument(answer):
    # guard: a space between the function and the digit is tanh(2x), as written maths has it
    result = grade("1 - tanh(x)^2", answer)
    assert (result.verdict, result.interpretation) == ("incorrect", "1 - tanh(2·x)")


TEXT = (
    'We could not read your answer: {command} holds the words "{words}", not maths: write '
    "the answer as an expression alone (\\text{{…}} may only name a function, as in "
    "\\text{{sech}}^2 x) (at column {column})."
)


@pytest.mark.parametrize(
    ("answer", "extra", "reading", "message", "caret"),
    [
        pytest.param(
            r"2x \text{ for all } x",
            "",
            None,
            TEXT.format(command=r"\text{ for all }", words="for all", column=4),
            "   ^^^^^^^^^^^^^^^^",
            id="words in text are refused where they stand, not an unknown name 'for'",
        ),
        pytest.param(
            r"x^2 \textrm{if} x",
            "",
            None,
            TEXT.format(command=r"\textrm{if}", words="if", column=5),
            "    ^^^^^^^^^^^",
            id="textrm alike",
        ),
        pytest.param(
            r"\text{x}^2",
            "",
            None,
            TEXT.format(command=r"\text{x}", words="x", column=1),
            "^^^^^^^^",
            id="a symbol in text is no function: refused",
        ),
        pytest.param(
            r"\text{sech}^2(x)", "", "sech(x)²", None, None, id="a function's name in text is read"
        ),
        pytest.param(
            r"\text{sigmoid}(x)",
            SIGMA,
            "sigmoid(x)",
            None,
            None,
            id="the name of a declared function's definition is read",
        ),
        pytest.param(
            r"\text{σ}(x)", SIGMA, "σ(x)", None, None, id="a declared function, in Greek, is read"
        ),
    ],
)
def test_text_in_an_answer_may_only_name_a_function(answer, extra, reading, message, caret):
    result = grade("x", answer, extra)
    if message is None:
        assert (result.verdict != "invalid", result.interpretation) == (True, reading)
    else:
        assert (result.verdict, result.feedback[0], result.error_caret.splitlines()[1]) == (
            "invalid",
            message,
            caret,
        )


@pytest.mark.parametrize(
    "answer",
    [
        "__import__('os').getpid()",
        "().__class__.__base__",
        "9**9**9",
        "10^5000",
        r"\boxed{\dfrac{5^{\left(5^{\left(5^{\left(5^5\right)}\right)} - 4\right)} - 5}{16}}",
        "x" + "**x" * 400,
        "+".join(["x"] * 600),
        "(" * 30 + "x" + ")" * 30,
        r"\input{/etc/passwd}",
        "\ufeffx+1\x00",
    ],
)
def test_a_hostile_answer_is_refused_before_any_work(answer):
    result = grade("x", answer)
    assert result.verdict == "invalid", result.feedback


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="xya2^()*/+-=|.,√σπ\\{}[]sqrtlogexpin ", max_size=30))
def test_any_text_is_read_graded_or_refused_never_a_failure(text):
    result = grade("x + y", text)
    assert result.verdict in (
        "correct",
        "partial",
        "incorrect",
        "invalid",
        "missing",
        "needs_review",
    )


def test_the_reading_is_mathml_the_pages_trust():
    result = grade("x", r"\frac{\sqrt{x}}{|y|} + \sqrt[3]{\alpha}")
    assert result.reading_mathml.count("<msqrt>") == 1 and "<mroot>" in result.reading_mathml
    assert "α" in result.reading_mathml
    assert str(trusted_mathml(result.reading_mathml)) == result.reading_mathml


# --- Equivalence ---------------------------------------------------------------------------


NOT_EQUAL = "Your answer is not equal to the correct one."


# Found by a probe: values were compared only at small points (|x| ≤ 6, small integers), so an
# answer with a floor, a min or a max the correct one has not, that differs only at large
# values, got full marks; and a constant difference below the 28-digit cutoff (e^{-100}) was
# "equal" while a larger one (10^{-30}) went to a person.
@pytest.mark.parametrize(
    ("reference", "answer", "extra", "verdict", "feedback"),
    [
        pytest.param(
            "1/sqrt(d_k)",
            r"1/\sqrt{d_k} + \lfloor d_k / 1000 \rfloor",
            "",
            "incorrect",
            (NOT_EQUAL, "At d_k = 1000, your answer is 1.03162; the correct one is 0.0316228."),
            id="+ floor(d_k/1000)",
        ),
        pytest.param(
            "1/sqrt(n)",
            r"1/\sqrt{\min(n, 50)}",
            "",
            "incorrect",
            (NOT_EQUAL, "At n = 64, your answer is 0.141421; the correct one is 0.125."),
            id="min(n, 50)",
        ),
        pytest.param(
            SIGMA_PRODUCT,
            r"\sigma(x)(1-\sigma(x)) + \lfloor x^2/100 \rfloor",
            SIGMA,
            "incorrect",
            (NOT_EQUAL, "At x = 10, your answer is 1.00005; the correct one is 4.53958e-5."),
            id="+ floor(x²/100)",
        ),
        pytest.param(
            SIGMA_PRODUCT,
            r"\min(\sigma(x)(1-\sigma(x)), 0.25 - x^2/1000)",
            SIGMA,
            "incorrect",
            (NOT_EQUAL, "At x = -50, your answer is -2.25; the correct one is 1.92875e-22."),
            id="min(…, 0.25 - x²/1000)",
        ),
        pytest.param(
            "x",
            r"\max(x, x - 1/(1 + x^2 + 10^{-9}x^4))",
            "",
            "correct",
            ("Correct.",),
            id="a max equal to x everywhere",
        ),
        pytest.param(
            SIGMA_PRODUCT,
            r"\sigma(x)(1-\sigma(x)) + e^{-100}",
            SIGMA,
            "incorrect",
            (
                NOT_EQUAL,
                "Your answer is 3.72008e-44 more than the correct one wherever both have a value.",
            ),
            id="+ e^-100",
        ),
        pytest.param(
            "x^2",
            r"x^2 - 10^{-30}",
            "",
            "incorrect",
            (
                NOT_EQUAL,
                "Your answer is 1.0e-30 less than the correct one wherever both have a value.",
            ),
            id="- 10^-30",
        ),
        # Found by a probe: a narrow spike at 0 fell between the points tried, full marks.
        pytest.param(
            SIGMA_PRODUCT,
            r"\sigma(x)(1-\sigma(x)) + e^{-1000x^2}",
            SIGMA,
            "incorrect",
            (NOT_EQUAL, "At x = 0, your answer is 1.25; the correct one is 0.25."),
            id="+ e^(-1000x²)",
        ),
        pytest.param(
            r"1 - \tanh(x)^2",
            r"1 - \tanh^2(x) + e^{-1000x^2}",
            SIGMA,
            "incorrect",
            (NOT_EQUAL, "At x = 0, your answer is 2; the correct one is 1."),
            id="tanh: + e^(-1000x²)",
        ),
        pytest.param(
            "x^2",
            r"x^2 + e^{-10^6(x - 1/10)^2}",
            SIGMA,
            "incorrect",
            (NOT_EQUAL, "At x = 0.1, your answer is 1.01; the correct one is 0.01."),
            id="a spike at 0.1",
        ),
        pytest.param(
            "x + y",
            r"x + y + e^{-1000(x^2 + y^2)}",
            SIGMA,
            "incorrect",
            (NOT_EQUAL, "At x = 0, y = 0, your answer is 1; the correct one is 0."),
            id="a spike at x = y = 0",
        ),
        # Found by a probe: told "right when x is positive", though wrong near 0 on both sides
        # of it (the positive-only diagnosis tried no negative point, nor any below 1/100).
        pytest.param(
            r"1 - \tanh(x)^2",
            r"1 - \tanh^2(x) + e^{-10^8x^2}",
            SIGMA,
            "incorrect",
            (NOT_EQUAL, "At x = 0, your answer is 2; the correct one is 1."),
            id="tanh: + e^(-10^8x²), on both sides of 0",
        ),
        pytest.param(
            "|x|",
            r"x + e^{-10^8x^2}",
            SIGMA,
            "incorrect",
            (NOT_EQUAL, "At x = -2, your answer is -2; the correct one is 2."),
            id="x + e^(-10^8x²) for |x|: wrong for small x > 0 too",
        ),
        # a lone gap at 0 is passed over, as at any simple point
        pytest.param(
            r"\sin(x)/x",
            r"\frac{\sin x}{x} + 0 \cdot x",
            "",
            "correct",
            ("Correct.",),
            id="sin(x)/x",
        ),
    ],
)
def test_an_answer_that_differs_only_far_out_or_by_a_tiny_constant_is_not_equal(
    reference, answer, extra, verdict, feedback
):
    result = grade(reference, answer, extra)
    assert (result.verdict, result.feedback) == (verdict, feedback)


# Found by a probe: an expression item's sizes were sampled where the rubric's `multiple_of`
# does not hold (C = 1, G = 2), so ⌊C/G⌋ was wrong for C/G, though G divides C at every size
# the rubric allows; a counterexample is now one the declarations allow.
MULTIPLES = """\
id: EMUL
symbols:
  C: {meaning: channels, assumptions: [positive, integer], multiple_of: G}
  G: {meaning: groups, assumptions: [positive, integer]}
parts:
  a:
    marks: 2
    prompt: Channels per group.
    items:
      per: {type: expression, marks: 2, answer: 'C/G'}
"""


@pytest.mark.parametrize(
    ("answer", "verdict", "feedback"),
    [
        (r"\lfloor C/G \rfloor", "correct", ("Correct.",)),
        (r"\lceil C/G \rceil", "correct", ("Correct.",)),
        (
            r"\lfloor C/(2G) \rfloor",
            "incorrect",
            (NOT_EQUAL, "At C = 1, G = 1, your answer is 0; the correct one is 1."),
        ),
        (
            r"\lfloor C/G \rfloor + \lfloor G/C \rfloor",
            "incorrect",
            (NOT_EQUAL, "At C = 1, G = 1, your answer is 2; the correct one is 1."),
        ),
    ],
)
def test_an_expression_items_sizes_are_sampled_as_the_rubric_declares_them(
    answer, verdict, feedback
):
    rubric = load_rubric_text(MULTIPLES, "multiples.yaml")
    result = grade_answer(rubric, rubric.items["a.per"], answer)
    assert (result.verdict, result.feedback) == (verdict, feedback)


# Found by a probe: a counterexample showed two values alike ("your answer is 0.243182; the
# correct one is 0.243182"), or a value of the answer at a point where it has none as written
# (√(x - 10)·√(x - 10) at x = -2: sympy folds it into x - 10), or a tiny value as 0.
@pytest.mark.parametrize(
    ("reference", "answer", "counterexample"),
    [
        pytest.param(
            SIGMA_PRODUCT,
            r"\sigma(x)(1-\sigma(x))(1 + e^{-200 x^2})",
            "At x = 1/3, your answer is 0.2431821611; the correct one is 0.243182161.",
            id="digits enough to differ",
        ),
        pytest.param(
            SIGMA_PRODUCT,
            r"\sigma(x)(1-\sigma(x)) + \sqrt{x-10}\sqrt{x-10}",
            "At x = 64, your answer is 54; the correct one is 1.60381e-28.",
            id="only x ≥ 10 has a value",
        ),
        pytest.param(
            "x",
            r"\sqrt{x}\sqrt{x} + 1",
            "At x = 1/3, your answer is 4/3; the correct one is 1/3.",
            id="only x ≥ 0 has a value",
        ),
        pytest.param(
            "x",
            r"\log(x) - \log(x) + x/(x - 2) \cdot (x - 2) + 1",
            "At x = 1/3, your answer is 4/3; the correct one is 1/3.",
            id="only x > 0 has a value",
        ),
    ],
)
def test_a_counterexample_shows_values_that_differ_where_the_answer_has_one(
    reference, answer, counterexample
):
    result = grade(reference, answer, SIGMA)
    assert (result.verdict, result.feedback) == ("incorrect", (NOT_EQUAL, counterexample))


@pytest.mark.parametrize(
    ("reference", "answer", "verdict", "feedback"),
    [
        ("sqrt(x^2)", "|x|", "correct", ("Correct.",)),
        (
            "sqrt(x^2)",
            "x",
            "incorrect",
            (
                "Your answer is right when x is positive, but not for every real value: a step "
                "such as sqrt(x²) = x holds only for x ≥ 0 (sqrt(x²) is |x|).",
                "At x = -2, your answer is -2; the correct one is 2.",
            ),
        ),
        ("sqrt(a^2)", "a", "correct", ("Correct.",)),  # a is declared positive
        ("(x^2 - 1)/(x + 1)", "x - 1", "correct", ("Correct.",)),
        ("sin(x)^2 + cos(x)^2", "1", "correct", ("Correct.",)),
        ("cos(2x)", "2cos(x)^2 - 1", "correct", ("Correct.",)),
        ("log(x^2 y^2)", "2 log|x| + 2 log|y|", "correct", ("Correct.",)),
        ("x^(1/3)", r"\sqrt[3]{x}", "correct", ("Correct.",)),
        ("(x^3)^(1/3)", "x", "correct", ("Correct.",)),  # an odd root of a negative is real
        ("x + y", "y + x", "correct", ("Correct.",)),
        (
            "x + y",
            "x - y",
            "incorrect",
            (
                "Your answer is not equal to the correct one.",
                "At x = -2, y = -2, your answer is 0; the correct one is -4.",
            ),
        ),
        (
            "sqrt(x - 3) sqrt(x - 5)",
            "sqrt((x - 3)(x - 5))",
            "incorrect",
            (
                "Your answer is not equal to the correct one.",
                "At x = -5.71, your answer is 9.65837; the correct one is -9.65837.",
            ),
        ),
        (
            "1/sqrt(d_k)",
            "sqrt(d_k)",
            "incorrect",
            (
                "Your answer is the reciprocal (1 over) of the correct one.",
                "At d_k = 2, your answer is 1.41421; the correct one is 0.707107.",
            ),
        ),
        (
            "x^2 y",
            "-x^2 y",
            "incorrect",
            (
                "Your answer has the wrong sign: it is the negative of the correct one.",
                "At x = -2, y = -2, your answer is 8; the correct one is -8.",
            ),
        ),
        (
            "x/2",
            "3x/4",
            "incorrect",
            (
                "Your answer is 3/2 times the correct one: a constant factor is wrong.",
                "At x = -2, your answer is -1.5; the correct one is -1.",
            ),
        ),
        (
            # Found by a new user: "your answer is 0.9; the correct one is 10/9".
            "x/3",
            "x/4",
            "incorrect",
            (
                "Your answer is 3/4 times the correct one: a constant factor is wrong.",
                "At x = -2, your answer is -1/2; the correct one is -2/3.",
            ),
        ),
        ("n(n+1)/2", "n^2/2 + n/2", "correct", ("Correct.",)),
        ("log(x)/log(2)", r"\log_2 x", "correct", ("Correct.",)),
        ("1 - tanh(x)^2", "sech^2 x", "correct", ("Correct.",)),
    ],
)
def test_an_answer_is_judged_by_its_values_over_the_declared_domain(
    reference, answer, verdict, feedback
):
    result = grade(reference, answer)
    assert (result.verdict, result.feedback) == (verdict, feedback)


@pytest.mark.parametrize(
    ("reference", "answer", "verdict", "feedback"),
    [
        ("2x + 4y - 3 = 0", r"y = -\frac{1}{2}x + \frac{3}{4}", "correct", ("Correct.",)),
        ("x^2/4 + y^2/3 = 1", "x^2/16 + y^2/12 = 1/4", "correct", ("Correct.",)),
        ("y = 2x", "y = 2x + 0 = x + x", "correct", ("Correct.",)),
        ("y = 2x", "2x", "correct", ("Correct.",)),  # the value of y
        (
            "x + y = 1",
            "x - y = 1",
            "incorrect",
            (
                "Your answer is not equal to the correct one.",
                "At x = -4.71, y = -5.71, your equation holds and the correct one does not.",
            ),
        ),
        (
            "x + y = 1",
            "x + y",
            "incorrect",
            (
                "The question asks for an equation; your answer is an expression.",
                "The question asks for an equation.",
            ),
        ),
    ],
)
def test_equations_are_the_same_when_they_say_the_same(reference, answer, verdict, feedback):
    result = grade(reference, answer)
    assert (result.verdict, result.feedback) == (verdict, feedback)


NOT_A_NAME = (
    "Your answer is an equation, but the question asks for an expression, and its left side "
    '"{}" is not a name of the answer, so it is not clear which side is your answer; an '
    "instructor will read it."
)


@pytest.mark.parametrize(
    ("reference", "answer", "extra", "verdict", "feedback"),
    [
        # a left side that is a symbol of the question, a number, or the answer itself does
        # not say that the right side is the answer: a person reads it
        ("2 a x + y", "y = 2ax + y", "", "needs_review", (NOT_A_NAME.format("y"),)),
        ("2 a x + y", "x = 2ax + y", "", "needs_review", (NOT_A_NAME.format("x"),)),
        ("2 a x + y", "0 = 2ax + y", "", "needs_review", (NOT_A_NAME.format("0"),)),
        ("2 a x + y", "2ax + y = 0", "", "needs_review", (NOT_A_NAME.format("2ax + y"),)),
        ("2 a x + y", "n = 2ax + y", "", "needs_review", (NOT_A_NAME.format("n"),)),
        # a name the rubric gives the answer, as `result:`, a label or an alias
        ("2 a x + y", "n = 2ax + y", "        result: [n]\n", "correct", ("Correct.",)),
        ("2 a x + y", "n = 2ax + y", "        aliases: [N]\n", "correct", ("Correct.",)),
        ("2 a x + y", "n^2 = 2ax + y", "        result: [n]\n", "needs_review", None),
        (
            "2 a x + y",
            "n = 2ax",
            "        result: [n]\n",
            "incorrect",
            (
                "Your answer is not equal to the correct one.",
                "At a = 1/3, x = 2, y = 2.5, your answer is 4/3; the correct one is 23/6.",
            ),
        ),
        # working right at every step; the value of x where the answer is a number
        ("2 a x + y", "2ax + y = y + 2xa", "", "correct", ("Correct.",)),
        ("11", "x = 11", "", "correct", ("Correct.",)),
        # an unreadable left side is set aside, as before
        ("2 a x + y", "f'(x) = 2ax + y", "", "correct", ("Correct.",)),
    ],
)
def test_an_equation_to_an_expression_is_read_from_a_left_side_that_names_it(
    reference, answer, extra, verdict, feedback
):
    _graded_as(reference, answer, extra, verdict, feedback)


def _graded_as(reference, answer, extra, verdict, feedback) -> None:
    result = grade(reference, answer, extra)
    assert result.verdict == verdict
    if feedback is not None:
        assert result.feedback == feedback


@pytest.mark.parametrize(
    ("reference", "answer", "extra", "verdict", "feedback"),
    [
        ("y = (7 - 3x)/2", "y = 3.5 - 1.5x", "", "correct", ("Correct.",)),
        ("y = (7 - 3x)/2", "(7 - 3x)/2 = y", "", "correct", ("Correct.",)),
        ("y = (7 - 3x)/2", "(7 - 3x)/2", "", "correct", ("Correct.",)),
        (
            "y = (7 - 3x)/2",
            "3x + 2y - 7 = 0",
            "        partial_credit: {not_solved: 1}\n",
            "partial",
            (
                "Your equation is equivalent to the correct one, but it is not solved for y; "
                "the question asks for it solved for y, as y = ….",
            ),
        ),
        (
            "y = (7 - 3x)/2",
            "x = (7 - 2y)/3",
            "",
            "incorrect",
            (
                "Your equation is equivalent to the correct one, but it is solved for x; the "
                "question asks for it solved for y, as y = ….",
            ),
        ),
        ("y = (7 - 3x)/2", "2y = 7 - 3x", "", "incorrect", None),
        ("y = (7 - 3x)/2", "y = 7 - 3x - y", "", "incorrect", None),
        ("y = (7 - 3x)/2", "3x + 2y - 7 = 0", "        form: equation\n", "correct", None),
        ("3x + 2y = 7", "y = (7 - 3x)/2", "", "correct", None),
    ],
)
def test_an_equation_solved_for_a_name_wants_the_answer_solved_for_it(
    reference, answer, extra, verdict, feedback
):
    _graded_as(reference, answer, extra, verdict, feedback)


@pytest.mark.parametrize(
    ("reference", "answer", "tolerance", "verdict"),
    [
        ("sqrt(2)", "1.414", "0.001", "correct"),
        ("sqrt(2)", "1.41", "0.001", "incorrect"),
        ("sqrt(2)", "1.414", None, "incorrect"),
        ("sqrt(2)", "1.5", "0.001", "incorrect"),
        ("1/3", "0.3333", "0.0001", "correct"),
        ("x/3", "0.333x", "0.001", "correct"),
    ],
)
def test_decimals_are_compared_within_the_rubric_tolerance(reference, answer, tolerance, verdict):
    extra = f"        tolerance: {tolerance}\n" if tolerance else ""
    assert grade(reference, answer, extra).verdict == verdict


def test_a_rounded_decimal_where_the_exact_value_is_asked_for_is_named():
    result = grade("sqrt(2) x", "1.414x", "        partial_credit: {rounded: 1}\n")
    assert (result.verdict, result.marks, result.feedback) == (
        "partial",
        1.0,
        (
            "Your answer is a rounded value of the correct one; the question asks for it "
            "exactly (write sqrt(2), not 1.414) or more precisely.",
            "At x = -2, your answer is -2.828; the correct one is -2.82843.",
        ),
    )


ROUNDED = (
    "Your answer is a rounded value of the correct one; the question asks for it exactly "
    "(write sqrt(2), not 1.414) or more precisely."
)
CLOSE = "Your answer differs from the correct one by a small amount, but it is not equal to it."


# Found by a probe: `e^{-x}/(1+e^{-x})^2 + 0.0000001` was told it is "a rounded value of the
# correct one", and earned the marks for rounding: a constant was added, nothing rounded.
# Rounded only where each decimal is a rounding of a number of the correct one.
@pytest.mark.parametrize(
    ("reference", "answer", "extra", "verdict", "marks", "said"),
    [
        pytest.param(
            SIGMA_PRODUCT,
            r"e^{-x}/(1+e^{-x})^2 + 0.0000001",
            SIGMA + "        partial_credit: {rounded: 1}\n",
            "incorrect",
            0.0,
            CLOSE,
            id="+ 0.0000001",
        ),
        pytest.param(
            "sqrt(2) x",
            r"\sqrt{2} x + 0.001",
            "        partial_credit: {rounded: 1}\n",
            "incorrect",
            0.0,
            CLOSE,
            id="sqrt(2)x + 0.001",
        ),
        pytest.param(
            "sqrt(2) x",
            "1.41x",
            "        partial_credit: {rounded: 1}\n",
            "partial",
            1.0,
            ROUNDED,
            id="1.41x",
        ),
        pytest.param(
            r"x/\sqrt{2}",
            "0.707x",
            "        partial_credit: {rounded: 1}\n",
            "partial",
            1.0,
            ROUNDED,
            id="0.707x",
        ),
        pytest.param(
            r"\sqrt{8} x + 1",
            "2.83x + 1",
            "        partial_credit: {rounded: 1}\n",
            "partial",
            1.0,
            ROUNDED,
            id="2.83x for 2√2 x",
        ),
    ],
)
def test_only_decimals_that_round_the_correct_ones_numbers_are_called_rounded(
    reference, answer, extra, verdict, marks, said
):
    result = grade(reference, answer, extra)
    assert (result.verdict, result.marks, result.feedback[0]) == (verdict, marks, said)


@pytest.mark.parametrize(
    ("reference", "answer", "reason"),
    [
        # 3.7e-44 and 0 cannot be told apart at 50 digits: a person decides
        ("e^(-100)", "0", "the values are too close to tell apart at 1 point"),
        # the two have a real value together only at x = 0: nothing proves them equal
        ("sqrt(-x^2)", "0", "the two have a real value together at only 0 points"),
        # cancellation of 10^60 at 50 digits: the difference found is not there at 100
        (
            "sin(x) x^2",
            "sin(x)((x+10^30)^2 - 10^60 - 2*10^30 x)",
            "the values at x = -2 depend on the precision",
        ),
        # sin(2^10000) at 50 digits would be noise: two noises agreeing prove nothing
        (
            "sin(x^10000)",
            "sin(x^10000) + sin(x)^2 + cos(x)^2 - 1",
            "cannot evaluate sin of a number too large for 50 digits",
        ),
    ],
)
def test_what_neither_proof_nor_evaluation_decides_goes_to_a_person(reference, answer, reason):
    result = grade(reference, answer, "        constants: [e]\n")
    assert result.verdict == "needs_review"
    assert result.feedback == (
        "The automatic check could not decide whether your answer is equal to the correct "
        f"one ({reason}); an instructor will read it.",
    )
    assert result.interpretation is not None


def test_pi_and_e_are_constants_only_where_the_rubric_says_so():
    assert grade("pi x", r"\pi x", "        constants: [pi]\n").verdict == "correct"
    assert grade("e^x", r"\exp(x)", "        constants: [e]\n").verdict == "correct"
    with pytest.raises(RubricError, match="pi is not a constant of this question"):
        _rubric("pi x")


def test_a_declared_function_is_read_by_its_definition():
    assert grade(r"\sigma(x)(1-\sigma(x))", "e^(-x)/(1+e^(-x))^2", SIGMA).verdict == "correct"
    assert grade(r"\sigma(x)", "sigma x", SIGMA).verdict == "correct"
    result = grade("x", "sigma(x)")
    assert result.verdict == "invalid"


def test_a_declared_functions_definition_reads_by_its_own_name_too():
    # Found by a correctness sweep: sigmoid(x) was "unknown name sigmoid" where the rubric
    # calls the sigmoid sigma, and the answer went to a person.
    result = grade(r"\sigma(x)(1-\sigma(x))", "sigmoid(x)(1 - sigmoid(x))", SIGMA)
    assert (result.verdict, result.interpretation) == ("correct", "sigmoid(x)·(1 - sigmoid(x))")
    assert grade(r"\sigma(x)", r"\sigma(x) + sigmoid(x) - \sigma(x)", SIGMA).verdict == "correct"
    assert grade("x", "sigmoid(x)").verdict == "invalid"  # declared nowhere: not a name here


READ_ALONE = ("read σ as σ(x)",)
OTHER_READING = (
    "the bracket after a function written alone read as a factor; read as its argument, "
    "σ(1 - σ(x)), it would be incorrect (0 of 2 marks)"
)


@pytest.mark.parametrize(
    ("answer", "verdict", "reading", "notes"),
    [
        (r"\sigma - \sigma^2", "correct", "σ(x) - σ(x)²", READ_ALONE),
        ("σ - σ²", "correct", "σ(x) - σ(x)²", READ_ALONE),
        (r"\sigma \cdot (1 - \sigma)", "correct", "σ(x)·(1 - σ(x))", READ_ALONE),
        (r"-\sigma^2 + \sigma", "correct", "-σ(x)² + σ(x)", READ_ALONE),
        # σ(x) is σ applied to x, never σ(x)·x: no other reading
        ("σ(x)(1 − σ)", "correct", "σ(x)·(1 - σ(x))", READ_ALONE),
        (
            "sigmoid - sigmoid^2",
            "correct",
            "sigmoid(x) - sigmoid(x)²",
            ("read sigmoid as sigmoid(x)",),
        ),
        # a bracket after σ written alone elsewhere: read as a factor; here the other reading,
        # the bracket as σ's argument, earns the same marks, which stand, and the note says what
        # they are
        (
            r"\sigma^2(1-\sigma)",
            "incorrect",
            "σ(x)²·(1 - σ(x))",
            (
                *READ_ALONE,
                "the bracket after a function written alone read as a factor; read as its "
                "argument, σ(1 - σ(x))², it would also be incorrect (0 of 2 marks)",
            ),
        ),
        # the readings' marks differ: the marker's reading, the bracket a factor, stands (it
        # earns more), with a note saying what the other would earn
        ("σ(1-σ)", "correct", "σ(x)·(1 - σ(x))", (*READ_ALONE, OTHER_READING)),
        # working that holds read one way and not the other is read the way it holds (it went
        # to a person)
        (
            r"\sigma(1-\sigma) = \sigma - \sigma^2",
            "correct",
            "σ(x)·(1 - σ(x)) = σ(x) - σ(x)²",
            (
                *READ_ALONE,
                "the bracket after a function written alone read as a factor; read as its "
                "argument, σ(1 - σ(x)) = σ(x) - σ(x)², the working would not hold",
            ),
        ),
        (r"\sigma (1-\sigma)", "correct", "σ(x)·(1 - σ(x))", (*READ_ALONE, OTHER_READING)),
        (
            r"\frac{d\sigma}{dx} = \sigma - \sigma^2",
            "correct",
            "σ(x) - σ(x)²",
            ('set aside "\\frac{d\\sigma}{dx} =" before the answer', *READ_ALONE),
        ),
        # no function written alone: σ takes the bracket, as before
        ("σ(1-x)", "incorrect", "σ(1 - x)", ()),
    ],
)
def test_a_declared_function_written_alone_is_of_the_items_one_variable(
    answer, verdict, reading, notes
):
    result = grade(SIGMA_PRODUCT, answer, SIGMA)
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        verdict,
        reading,
        notes,
    )


def test_marks_only_the_other_reading_of_a_bracket_after_a_lone_function_earns_go_to_a_person():
    # σ applied to 1 - σ(x) is the reference (written with σ applied to x alone, so that σ
    # written alone is σ(x)): the marker's reading (a factor) earns nothing, the other all;
    # the student meant one of them, and a person decides which.
    result = grade(r"\frac{1}{1+e^{-(1-\sigma(x))}}", r"\sigma(1-\sigma)", SIGMA)
    assert (result.verdict, result.marks) == ("needs_review", 0.0)
    assert result.feedback == (
        "Your answer can be read as σ(x)·(1 - σ(x)), which is incorrect (0 of 2 marks), or as "
        "σ(1 - σ(x)), which is correct (2 of 2 marks); an instructor will decide which you "
        "meant.",
    )


# Found by a review of the reading of functions written alone: a bracket after a function
# was read as a factor wherever the function could be written alone, so `r(1) + σ` (ReLU of 1)
# was r(x)·1 + σ(x), right, and `σ(2)(1 - σ)` was told it is "2 times the correct one".
RELU_SIGMA = "        functions: {r: relu, sigma: sigmoid}\n        constants: [e]\n"


@pytest.mark.parametrize(
    ("reference", "answer", "extra", "verdict", "reading"),
    [
        pytest.param(
            r"r(x) + \sigma(x)", "r(1) + σ", RELU_SIGMA, "incorrect", "r(1) + σ(x)", id="r(1)"
        ),
        pytest.param(
            SIGMA_PRODUCT, "σ(1)(1-σ)", SIGMA, "incorrect", "σ(1)·(1 - σ(x))", id="σ(1)(1 - σ)"
        ),
        pytest.param(
            SIGMA_PRODUCT, "σ(2)(1-σ)", SIGMA, "incorrect", "σ(2)·(1 - σ(x))", id="σ(2)(1 - σ)"
        ),
        pytest.param(
            SIGMA_PRODUCT, "σ(-x)(1-σ)", SIGMA, "incorrect", "σ(-x)·(1 - σ(x))", id="σ(-x)"
        ),
        # the bracket holds σ written alone: a factor, as before
        pytest.param(SIGMA_PRODUCT, "σ(1-σ)", SIGMA, "correct", "σ(x)·(1 - σ(x))", id="σ(1 - σ)"),
    ],
)
def test_a_bracket_after_a_function_is_a_factor_only_where_it_holds_the_function_alone(
    reference, answer, extra, verdict, reading
):
    result = grade(reference, answer, extra)
    assert (result.verdict, result.interpretation) == (verdict, reading)


def test_a_bracket_holding_the_function_of_the_variable_may_follow_a_left_out_x():
    # Found by a review: σ(1 - σ(x)) was read only as σ applied to 1 - σ(x), a silent 0, where
    # the student most likely left out the first σ's (x). As written it reads first; where the
    # other reading earns more, a person decides, told both.
    result = grade(SIGMA_PRODUCT, r"\sigma(1-\sigma(x))", SIGMA)
    assert (result.verdict, result.marks) == ("needs_review", 0.0)
    assert result.feedback == (
        "Your answer can be read as σ(1 - σ(x)), which is incorrect (0 of 2 marks), or as "
        "σ(x)·(1 - σ(x)), which is correct (2 of 2 marks); an instructor will decide which you "
        "meant.",
    )
    # the same marks either way: as written, with a note
    same = grade(SIGMA_PRODUCT, r"\sigma(\sigma(x))", SIGMA)
    assert (same.verdict, same.interpretation) == ("incorrect", "σ(σ(x))")
    assert same.reading_notes[-1].endswith("σ(x)·σ(x), it would also be incorrect (0 of 2 marks)")
    # σ(x)(1 - σ(x)): the bracket after σ holds only x
    assert grade(SIGMA_PRODUCT, r"\sigma(x)(1-\sigma(x))", SIGMA).reading_notes == ()


SIGMA_Y = r"\sigma(y)(1-\sigma(y))"
BARE = "read σ x before a bracket as σ(x), the bracket a factor"
BARE_OTHER = (
    "read with the bracket in the function's argument, σ(x·(1 - σ(x))), it would be incorrect "
    "(0 of 2 marks)"
)
AT_X = "read (x) after functions written alone as the point they are evaluated at, not a factor x"


# Found by a probe: `σx(1−σx)` was read σ(x·(1 - σ(x))), a silent 0, where a marker reads σx
# as σ(x); `[σ(1-σ)](y)` and `σ(1-σ)(y)` were σ(y)·(1 - σ(y))·y, a silent 0, where a marker
# reads the function σ(1 - σ) evaluated at y; and the notes said "its (x) left out" of an item
# whose variable is y, and "earns the same marks" without saying what they were.
@pytest.mark.parametrize(
    ("reference", "answer", "verdict", "reading", "notes"),
    [
        pytest.param(
            SIGMA_PRODUCT,
            r"\sigma x(1-\sigma x)",
            "correct",
            "σ(x)·(1 - σ(x))",
            (BARE, BARE_OTHER),
            id="σx(1-σx) latex",
        ),
        pytest.param(
            SIGMA_PRODUCT,
            "σx(1−σx)",
            "correct",
            "σ(x)·(1 - σ(x))",
            (BARE, BARE_OTHER),
            id="σx(1-σx) unicode",
        ),
        pytest.param(
            SIGMA_Y,
            r"\sigma y(1-\sigma y)",
            "correct",
            "σ(y)·(1 - σ(y))",
            (
                "read σ y before a bracket as σ(y), the bracket a factor",
                "read with the bracket in the function's argument, σ(y·(1 - σ(y))), it would "
                "be incorrect (0 of 2 marks)",
            ),
            id="σy(1-σy)",
        ),
        # where the other reading earns more, a person decides, told both
        pytest.param(
            r"\sigma(x(1-\sigma(x)))",
            "σx(1-σx)",
            "needs_review",
            "σ(x)·(1 - σ(x))",
            (BARE,),
            id="σ(x(1-σ(x))) reference",
        ),
        # without a bracket after it, the argument is every factor up to the next function
        pytest.param("sin(2x)", r"\sin 2x", "correct", "sin(2·x)", (), id="sin 2x"),
        pytest.param(
            SIGMA_PRODUCT,
            r"[\sigma(1-\sigma)](x)",
            "correct",
            "σ(x)·(1 - σ(x))",
            (*READ_ALONE, AT_X, OTHER_READING),
            id="[σ(1-σ)](x)",
        ),
        pytest.param(
            SIGMA_PRODUCT,
            r"\sigma(1-\sigma)(x)",
            "correct",
            "σ(x)·(1 - σ(x))",
            (*READ_ALONE, AT_X, OTHER_READING),
            id="σ(1-σ)(x)",
        ),
        pytest.param(
            SIGMA_PRODUCT,
            r"(\sigma - \sigma^2)(x)",
            "correct",
            "σ(x) - σ(x)²",
            (*READ_ALONE, AT_X),
            id="(σ - σ²)(x)",
        ),
        pytest.param(
            SIGMA_Y,
            r"\sigma(1-\sigma)(y)",
            "correct",
            "σ(y)·(1 - σ(y))",
            (
                "read σ as σ(y)",
                "read (y) after functions written alone as the point they are evaluated at, "
                "not a factor y",
                "the bracket after a function written alone read as a factor; read as its "
                "argument, σ(1 - σ(y)), it would be incorrect (0 of 2 marks)",
            ),
            id="σ(1-σ)(y)",
        ),
        # a symbol written out, or a bracket of more than the variable: a factor, as before
        pytest.param(SIGMA_PRODUCT, r"\sigma(x)(x)", "incorrect", "σ(x)·x", (), id="σ(x)(x)"),
        pytest.param(
            SIGMA_PRODUCT,
            "(1-σ)(1+σ)",
            "incorrect",
            "(1 - σ(x))·(1 + σ(x))",
            READ_ALONE,
            id="(1-σ)(1+σ)",
        ),
        pytest.param(
            SIGMA_Y,
            r"\sigma(\sigma(y))",
            "incorrect",
            "σ(σ(y))",
            (
                "the bracket after a function read as its argument, as written; read as a "
                "factor after the function of the variable, its argument left out, σ(y)·σ(y), "
                "it would also be incorrect (0 of 2 marks)",
            ),
            id="σ(σ(y)) note",
        ),
    ],
)
def test_a_function_without_brackets_stops_at_a_bracket_and_a_bracket_of_the_variable_is_its_point(
    reference, answer, verdict, reading, notes
):
    result = grade(reference, answer, SIGMA)
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        verdict,
        reading,
        notes,
    )


# Found by a probe: `σx - σx^2` was read σ(x) - σ(x²), a silent 0, with no note; a power
# after a function's bare argument may be on the argument or on the function. Both are read;
# where they earn differently, a person decides, told both; `\sin^2 x` is sin(x)² alone.
POWER_IN = "read σ x² as σ(x²), the power on its argument"


@pytest.mark.parametrize(
    ("reference", "answer", "verdict", "reading", "notes", "feedback"),
    [
        pytest.param(
            SIGMA_PRODUCT,
            "σx - σx^2",
            "needs_review",
            "σ(x) - σ(x²)",
            (POWER_IN,),
            "Your answer can be read as σ(x) - σ(x²), which is incorrect (0 of 2 marks), or as "
            "σ(x) - σ(x)², which is correct (2 of 2 marks); an instructor will decide which you "
            "meant.",
            id="σx - σx^2",
        ),
        pytest.param(
            r"1 - \tanh(x)^2",
            r"1 - \tanh x^2",
            "needs_review",
            "1 - tanh(x²)",
            ("read tanh x² as tanh(x²), the power on its argument",),
            "Your answer can be read as 1 - tanh(x²), which is incorrect (0 of 2 marks), or as "
            "1 - tanh(x)², which is correct (2 of 2 marks); an instructor will decide which you "
            "meant.",
            id="1 - tanh x^2",
        ),
        # the reading as written earns more: a person decides all the same
        pytest.param(
            r"\sigma(x^2)",
            "σx^2",
            "needs_review",
            "σ(x²)",
            (POWER_IN,),
            "Your answer can be read as σ(x²), which is correct (2 of 2 marks), or as σ(x)², "
            "which is incorrect (0 of 2 marks); an instructor will decide which you meant.",
            id="σx^2 for σ(x²)",
        ),
        # the same marks either way: read as written, with a note naming the other
        pytest.param(
            SIGMA_PRODUCT,
            "σx - σx^3",
            "incorrect",
            "σ(x) - σ(x³)",
            (
                "read σ x³ as σ(x³), the power on its argument",
                "read with the power on the function, σ(x) - σ(x)³, it would also be "
                "incorrect (0 of 2 marks)",
            ),
            None,
            id="σx - σx^3",
        ),
        # Found by a probe: with a bracket after σx too, the power reading was named in a note
        # but never scored; only the bracket's two readings were.
        pytest.param(
            r"\sigma(x)(1-\sigma(x)^2)",
            r"\sigma x(1-\sigma x^2)",
            "needs_review",
            "σ(x)·(1 - σ(x²))",
            (BARE, POWER_IN),
            "Your answer can be read as σ(x)·(1 - σ(x²)), which is incorrect (0 of 2 marks), or "
            "as σ(x)·(1 - σ(x)²), which is correct (2 of 2 marks); an instructor will decide "
            "which you meant.",
            id="σx(1 - σx^2) for σ(x)(1 - σ(x)²)",
        ),
        pytest.param(
            SIGMA_PRODUCT,
            r"\sigma x(1-\sigma x^2)",
            "incorrect",
            "σ(x)·(1 - σ(x²))",
            (
                BARE,
                POWER_IN,
                "read with the bracket in the function's argument, σ(x·(1 - σ(x²))), it would "
                "also be incorrect (0 of 2 marks)",
                "read with the power on the function, σ(x)·(1 - σ(x)²), it would also be "
                "incorrect (0 of 2 marks)",
            ),
            None,
            id="σx(1 - σx^2) for σ(x)(1 - σ(x))",
        ),
        # a power on the function itself, or on a bracketed argument: one reading
        pytest.param(
            r"1 - \tanh(x)^2", r"1 - \tanh^2 x", "correct", "1 - tanh(x)²", (), None, id="tanh^2 x"
        ),
        pytest.param(
            SIGMA_PRODUCT, "σ(x) - σ(x)^2", "correct", "σ(x) - σ(x)²", (), None, id="σ(x)^2"
        ),
    ],
)
def test_a_power_after_a_functions_bare_argument_is_read_both_ways(
    reference, answer, verdict, reading, notes, feedback
):
    result = grade(reference, answer, SIGMA)
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        verdict,
        reading,
        notes,
    )
    if feedback is not None:
        assert result.feedback[0] == feedback


@pytest.mark.parametrize(
    "reference",
    [
        pytest.param(r"2\sigma(2x)(1-\sigma(2x))", id="σ(2x): σ alone, σ(x) or σ(2x)?"),
        pytest.param(r"\sigma(x)(1-\sigma(x)) + \sigma(x^2)", id="one call of another"),
    ],
)
def test_a_function_alone_needs_its_argument_where_the_reference_applies_it_otherwise(
    reference,
):
    # It was read as σ(x), with a note, and 2σ(1-σ) got a silent 0 for σ(2x)'s derivative.
    result = grade(reference, r"2\sigma(1-\sigma)", SIGMA)
    assert result.verdict == "invalid"
    assert result.feedback[0].startswith("We could not read your answer: sigma needs an argument")


def test_an_equations_left_side_is_shown_whole_where_it_is_a_latex_command():
    # `\sigma` is read as a name four characters shorter: the left side was shown "\sigm".
    result = grade(SIGMA_PRODUCT, r"\sigma = x", SIGMA)
    assert result.verdict == "needs_review"
    assert 'its left side "\\sigma" is not a name of the answer' in result.feedback[0]
    named = grade("2x", r"\alpha = 2x", "        result: [alpha]\n")
    assert named.verdict == "correct"  # "\alph" named no result: it went to a person


SIGMOID_DEFINED = 'set aside "{}", a definition'


@pytest.mark.parametrize(
    ("answer", "verdict", "notes", "feedback"),
    [
        pytest.param(
            r"\sigma(x)(1-\sigma(x)), where \sigma(x) = \frac{1}{1+e^{-x}}",
            "correct",
            (SIGMOID_DEFINED.format(r"where \sigma(x) = \frac{1}{1+e^{-x}}"),),
            ("Correct.",),
            id="a definition of sigma(x) after the answer is set aside, not the answer",
        ),
        pytest.param(
            r"\sigma(1-\sigma), \sigma = \frac{1}{1+e^{-x}}",
            "correct",
            (
                *READ_ALONE,
                SIGMOID_DEFINED.format(r"\sigma = \frac{1}{1+e^{-x}}"),
                OTHER_READING,
            ),
            ("Correct.",),
            id="a definition of sigma alone after a comma is set aside",
        ),
        pytest.param(
            r"\sigma'(x) = \sigma(x)(1-\sigma(x)) \text{ where } \sigma = 1/(1+e^{-x}).",
            "correct",
            (
                'set aside "\\sigma\'(x) =" before the answer',
                SIGMOID_DEFINED.format(r"\text{ where } \sigma = 1/(1+e^{-x})."),
            ),
            ("Correct.",),
            id="a left side and a definition in text after the answer are both set aside",
        ),
        pytest.param(
            "σ(x)(1+σ(x)) with σ(x) = 1/(1+e^{-x})",
            "partial",
            (SIGMOID_DEFINED.format("with σ(x) = 1/(1+e^{-x})"),),
            None,
            id="a wrong answer before a definition is graded as the wrong answer it is",
        ),
        pytest.param(
            r"\sigma(x)(1-\sigma(x)), where \sigma(x) = \tanh(x)",
            "needs_review",
            (SIGMOID_DEFINED.format(r"where \sigma(x) = \tanh(x)"),),
            (
                'Your answer is followed by "where \\sigma(x) = \\tanh(x)", which defines σ as '
                "tanh(x); the question's σ is the sigmoid, so it is not clear what your answer "
                "means; an instructor will read it.",
            ),
            id="a definition that is not the question's sigma goes to a person",
        ),
        pytest.param(
            r"\sigma(x)(1-\sigma(x)), where x = 2",
            "needs_review",
            (SIGMOID_DEFINED.format("where x = 2"),),
            None,
            id="a value given to a symbol of the question goes to a person",
        ),
        pytest.param(
            r"\sigma(x)(1-\sigma(x)), where x = the input",
            "correct",
            ('set aside "where x = the input", words saying what x is',),
            ("Correct.",),
            id="words saying what a symbol is are set aside, the answer read",
        ),
        pytest.param(
            r"\sigma(x)(1-\sigma(x)), where \tanh(x) = 1 - 2x",
            "needs_review",
            (SIGMOID_DEFINED.format(r"where \tanh(x) = 1 - 2x"),),
            None,
            id="a definition of a name the answer does not use goes to a person",
        ),
        # Found by a probe: the note said the text was set aside as "a definition" while the
        # feedback said it "could not be read as a definition".
        pytest.param(
            r"\sigma(x)(1-\sigma(x)), where y = XW + b",
            "needs_review",
            ('set aside "where y = XW + b", a definition',),
            (
                'Your answer is followed by "where y = XW + b", a definition of y that could '
                "not be read; an instructor will read it.",
            ),
            id="a definition that cannot be read is called one by the note and the feedback",
        ),
        pytest.param(
            r"\sigma(1-\sigma), 1/(1+e^{-x}) = \sigma",
            "invalid",
            (),
            None,
            id="an answer and a comma are never a left side set aside before the last '='",
        ),
    ],
)
def test_a_definition_after_the_answer_is_set_aside_and_held_against_the_question(
    answer, verdict, notes, feedback
):
    result = grade(SIGMA_PRODUCT, answer, SIGMA + SIGMA_MISCONCEPTION)
    assert (result.verdict, result.reading_notes) == (verdict, notes), result.feedback
    if feedback is not None:
        assert result.feedback == feedback


SIGMA_MISCONCEPTION = (
    "        misconceptions:\n"
    "          - {answer: '\\sigma(x)(1 + \\sigma(x))', feedback: 'Minus.', marks: 1}\n"
)


@pytest.mark.parametrize(
    ("answer", "verdict", "notes"),
    [
        pytest.param(
            r"\sigma(1-\sigma) = \sigma - \sigma^2",
            "correct",
            (
                *READ_ALONE,
                "the bracket after a function written alone read as a factor; read as its "
                "argument, σ(1 - σ(x)) = σ(x) - σ(x)², the working would not hold",
            ),
            id="right working that holds only with the bracket a factor is read that way",
        ),
        pytest.param(
            r"\sigma(1+\sigma) = \sigma + \sigma^2",
            "partial",
            (
                *READ_ALONE,
                "the bracket after a function written alone read as a factor; read as its "
                "argument, σ(1 + σ(x)) = σ(x) + σ(x)², the working would not hold",
            ),
            id="wrong working that holds is graded by its last side",
        ),
        pytest.param(
            r"\sigma(x)(1 + \sigma(x)) = \sigma(x) + \sigma(x)^2",
            "partial",
            (),
            id="working that holds without sigma alone is graded by its last side",
        ),
        pytest.param(
            r"\sigma(x)(1 + \sigma(x)) = \sigma(x)",
            "needs_review",
            (),
            id="an equation whose sides differ still goes to a person",
        ),
    ],
)
def test_working_whose_steps_hold_answers_with_its_last_side(answer, verdict, notes):
    result = grade(SIGMA_PRODUCT, answer, SIGMA + SIGMA_MISCONCEPTION)
    assert (result.verdict, result.reading_notes) == (verdict, notes), result.feedback


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        (r"\sigma(x) + y", r"\sigma + y"),  # two variables: σ of which?
        (r"\sigma(x y)", r"\sigma"),
    ],
)
def test_a_declared_function_alone_needs_its_argument_where_the_item_has_two_variables(
    reference, answer
):
    result = grade(reference, answer, SIGMA)
    assert result.verdict == "invalid"
    assert result.feedback[0].startswith(
        "We could not read your answer: sigma needs an argument, e.g. sigma(x)"
    )


@pytest.mark.parametrize(
    ("reference", "answer", "verdict", "reading", "name"),
    [
        # Found by a review: tanh's derivative written 1 - tanh² went to a person ("tanh needs
        # an argument"), where a marker reads it as 1 - tanh(x)².
        pytest.param(
            r"1 - \tanh^2(x)", r"1 - \tanh^2", "correct", "1 - tanh(x)²", "tanh", id="tanh"
        ),
        pytest.param(r"1 - \tanh^2(x)", "sech^2", "correct", "sech(x)²", "sech", id="sech"),
        pytest.param(r"1 - \tanh^2(x)", r"\text{sech}^2", "correct", "sech(x)²", "sech", id="text"),
        pytest.param(r"\cos(x)", "sin", "incorrect", "sin(x)", "sin", id="sin"),
    ],
)
def test_a_trigonometric_or_hyperbolic_function_alone_is_of_the_items_one_variable(
    reference, answer, verdict, reading, name
):
    result = grade(reference, answer)
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        verdict,
        reading,
        (f"read {name} as {name}(x)",),
    )


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        pytest.param(r"\sigma(x) + y", r"\sigma(x) \tanh", id="two variables"),
        pytest.param(r"1 - \tanh^2(2x)", r"1 - \tanh^2", id="tanh(2x): tanh alone is which?"),
        pytest.param("x", "sqrt + x", id="not sqrt"),
    ],
)
def test_a_function_every_item_knows_needs_its_argument_where_it_is_not_clear(reference, answer):
    result = grade(reference, answer, SIGMA)
    name = "sqrt" if "sqrt" in answer else "tanh"
    assert result.feedback[0].startswith(f"We could not read your answer: {name} needs an argument")


# --- Forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "reference", "answer", "verdict", "diagnosis"),
    [
        ("expanded", "(x+1)^2", "x^2 + 2x + 1", "correct", None),
        ("expanded", "x^2 + 2x + 1", "(x+1)^2", "partial", "not_expanded"),
        ("factored", "x^2 - 1", "(x-1)(x+1)", "correct", None),
        ("factored", "(x-1)(x+1)", "x^2 - 1", "partial", "not_factored"),
        ("factored", "(x-1)(x+1)", "(x-1)(x+1)^1", "correct", None),
        ("lowest_terms", "1/2", "2/4", "partial", "not_lowest_terms"),
        ("lowest_terms", "x - 1", "(x^2-1)/(x+1)", "partial", "not_lowest_terms"),
        ("lowest_terms", "1/(x+1)", "1/(1+x)", "correct", None),
        ("simplified", "x", "(x^2 + x)/(x + 1)", "partial", "not_simplified"),
        ("simplified", "x + 1", "1 + x", "correct", None),
        ("simplified", "2x", "x + x", "partial", "not_simplified"),
    ],
)
def test_a_form_the_rubric_asks_for_is_checked_once_the_answer_is_right(
    form, reference, answer, verdict, diagnosis
):
    extra = f"        form: {form}\n        partial_credit: {{not_{form}: 1}}\n"
    result = grade(reference, answer, extra)
    assert (result.verdict, result.diagnosis) == (verdict, diagnosis)
    if diagnosis:
        assert result.marks == 1


# --- Misconceptions and self-tests ---------------------------------------------------------


def test_a_misconception_fires_on_any_equivalent_answer_and_the_self_test_checks_its_rules():
    extra = (
        "        misconceptions:\n"
        "          - answer: 'x^2 + 1'\n"
        "            feedback: The middle term 2x is missing.\n"
        "            marks: 1\n"
    )
    tests = "tests:\n  - {item: a.it, answer: '1 + x*x', verdict: partial, misconception: 1}\n"
    rubric = load_rubric_text(_rubric_text("(x+1)^2", extra, tests), "expr.yaml")
    assert check_rubric(rubric) == []
    result = grade_answer(rubric, rubric.items["a.it"], "1 + x²")
    assert (result.verdict, result.marks, result.diagnosis) == ("partial", 1.0, "misconception 1")
    assert result.feedback == (
        "The middle term 2x is missing.",
        "At x = -2, your answer is 5; the correct one is 1.",
    )


def test_a_misconception_equal_to_the_reference_is_refused_by_the_self_test():
    extra = (
        "        misconceptions:\n"
        "          - answer: 'x^2 + 2x + 1'\n"
        "            feedback: Expanded.\n"
        "            marks: 1\n"
    )
    rubric = load_rubric_text(_rubric_text("(x+1)^2", extra), "expr.yaml")
    assert [p.message for p in check_rubric(rubric)] == [
        "'x^2 + 2x + 1' equals the reference answer, so this rule can never fire",
        "no test exercises this rule; add one to tests: with item: a.it and misconception: 1",
    ]


def test_a_reference_not_in_the_form_asked_says_why_it_is_not_correct():
    # Found by a rubric author: "the reference answer is graded incorrect, not correct" and
    # no word of why (it is not factored).
    rubric = load_rubric_text(_rubric_text("x^2 - 1", "        form: factored\n"), "expr.yaml")
    assert [p.message for p in check_rubric(rubric)] == [
        "the reference answer is graded incorrect, not correct; the grader says: Your answer is "
        "equal to the correct one, but the question asks for it fully factored, and it is not."
    ]


def test_the_bundled_rubric_passes_its_self_tests():
    rubric = load_rubric(ROOT / "rubrics" / "activations-q1.yaml")
    assert check_rubric(rubric) == []
    assert len(rubric.tests) >= 20


ODOT = "read ⊙ as ·: the question's symbols are numbers, multiplied as usual"


# Found by a probe: answers a marker reads went to a person as unreadable: part (b) did not
# declare e a constant (part (a) does), ⊙ was an unsupported command, and `dk`, `si`, `sj`
# were unknown names where the question declares d_k, s_i and s_j.
@pytest.mark.parametrize(
    ("rubric", "item", "answer", "reading", "notes"),
    [
        pytest.param(
            "activations-q1",
            "b.derivative",
            "4/(e^x+e^{-x})^2",
            "4/(e^x + e^(-x))²",
            (),
            id="e in part (b)",
        ),
        pytest.param(
            "activations-q1",
            "a.derivative",
            r"\sigma(x) \odot (1-\sigma(x))",
            "σ(x)·(1 - σ(x))",
            (ODOT,),
            id="odot",
        ),
        pytest.param(
            "linear-backward-q1",
            "e.derivative",
            "σ(y)⊙(1−σ(y))",
            "σ(y)·(1 - σ(y))",
            (ODOT,),
            id="⊙",
        ),
        pytest.param(
            "activations-q1",
            "c.scale",
            r"1/\sqrt{dk}",
            "1/sqrt(d_k)",
            ("read dk as d_k",),
            id="dk",
        ),
        pytest.param(
            "activations-q1",
            "d.diagonal",
            "si(1-si)",
            "s_i·(1 - s_i)",
            ("read si as s_i",),
            id="si",
        ),
        pytest.param(
            "activations-q1",
            "e.offdiagonal",
            "-sisj",
            "-(s_i·s_j)",
            ("read si as s_i", "read sj as s_j"),
            id="sisj",
        ),
    ],
)
def test_what_a_marker_reads_in_the_bundled_rubrics_is_read_with_a_note(
    rubric, item, answer, reading, notes
):
    loaded = load_rubric(ROOT / "rubrics" / f"{rubric}.yaml")
    result = grade_answer(loaded, loaded.items[item], answer)
    assert (result.verdict, result.interpretation, result.reading_notes) == (
        "correct",
        reading,
        notes,
    )


def test_a_run_together_name_is_no_subscripted_symbol_where_its_parts_are_names():
    symbols = "  d: {meaning: a depth}\n  k: {meaning: a size}\n"
    rubric = load_rubric_text(
        _rubric_text("d_k + 1").replace("symbols:\n", "symbols:\n" + symbols, 1), "expr.yaml"
    )
    result = grade_answer(rubric, rubric.items["a.it"], "dk + 1")
    assert (result.verdict, result.interpretation) == ("incorrect", "d·k + 1")


def test_the_bundled_submissions_are_graded_right_with_the_mistakes_explained():
    rubric = load_rubric(ROOT / "rubrics" / "activations-q1.yaml")
    batch = grade_paths(rubric, [ROOT / "submissions" / "activations-q1"])
    assert batch.failures == []
    marks = {
        r.student: {item: (res.verdict, res.marks) for item, res in r.items.items()}
        for r in batch.results
    }
    assert marks == {
        "model-answer": {
            "a.derivative": ("correct", 3.0),
            "b.derivative": ("correct", 2.0),
            "c.scale": ("correct", 2.0),
            "d.diagonal": ("correct", 1.5),
            "e.offdiagonal": ("correct", 1.5),
        },
        "typical-mistakes": {
            "a.derivative": ("partial", 1.0),
            "b.derivative": ("incorrect", 0.0),
            "c.scale": ("partial", 1.0),
            "d.diagonal": ("incorrect", 0.0),
            "e.offdiagonal": ("partial", 0.5),
        },
        "written-by-hand": {
            "a.derivative": ("correct", 3.0),
            "b.derivative": ("correct", 2.0),
            "c.scale": ("partial", 1.0),
            "d.diagonal": ("correct", 1.5),
            "e.offdiagonal": ("invalid", 0.0),  # \neq is no algebra: a person reads it
        },
    }
    mistakes = next(r for r in batch.results if r.student == "typical-mistakes")
    assert {item: r.feedback for item, r in mistakes.items.items()} == {
        "a.derivative": (
            "The derivative of 1/(1 + e^{-x}) is e^{-x}/(1 + e^{-x})^2, and "
            "e^{-x}/(1 + e^{-x}) = 1 - σ(x): the factor is 1 - σ(x), not 1 + σ(x).",
            "At x = -2, your answer is 0.133412; the correct one is 0.104994.",
        ),
        "b.derivative": (
            "That is the sigmoid's pattern σ(1 - σ). For tanh, the derivative is 1 - tanh²(x).",
            "At x = -2, your answer is -1.89338; the correct one is 0.0706508.",
        ),
        "c.scale": (
            "The dot product of two vectors of d_k independent unit-variance entries has "
            "variance d_k, so its standard deviation is sqrt(d_k): the scores are divided by "
            "sqrt(d_k), not by d_k.",
            "At d_k = 2, your answer is 0.5; the correct one is 0.707107.",
        ),
        "d.diagonal": (
            "∂s_i/∂z_i is not s_i: the denominator of the softmax depends on z_i too, which "
            "gives s_i - s_i² = s_i(1 - s_i).",
            "At s_i = 1/3, your answer is 1/3; the correct one is 2/9.",
        ),
        "e.offdiagonal": (
            "Your answer has the wrong sign: it is the negative of the correct one.",
            "At s_i = 1/3, s_j = 1/3, your answer is 1/9; the correct one is -1/9.",
        ),
    }


# --- Property: an expression and its equivalent rewritings agree ---------------------------

_ATOMS = st.sampled_from(["x", "y", "2", "3", "(1/2)", "a"])


@st.composite
def expressions(draw, depth: int = 3) -> str:
    """A random expression over x, y and a, as text."""
    if depth == 0 or draw(st.booleans()):
        return draw(_ATOMS)
    kind = draw(st.sampled_from(["+", "-", "*", "/", "^", "f"]))
    left = draw(expressions(depth - 1))
    if kind == "f":
        function = draw(st.sampled_from(["sin", "cos", "exp", "tanh", "abs", "√|", "∛"]))
        if function == "√|":
            return f"\\sqrt{{|{left}|}}"
        if function == "∛":
            return f"\\sqrt[3]{{{left}}}"
        return f"{function}({left})"
    if kind == "^":
        return f"({left})^{draw(st.integers(1, 3))}"
    right = draw(expressions(depth - 1))
    if kind == "/":
        return f"({left})/(a + {right}^2)"
    return f"({left}) {kind} ({right})"


_REWRITINGS = [
    lambda e: f"({e}) + 0",
    lambda e: f"1·({e})",
    lambda e: f"({e}) + x - x",
    lambda e: f"(({e}) * (a + 1))/(1 + a)",
    lambda e: f"-(-({e}))",
    lambda e: f"\\frac{{{e}}}{{1}}",
    lambda e: f"({e}) + sin(x)^2 + cos(x)^2 - 1",
    lambda e: f"log(exp({e}))" if "exp" not in e else f"({e})",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions())
def test_how_an_answer_was_read_reads_back_as_the_same_answer(expression):
    reading = grade(expression, expression).interpretation
    assert grade(expression, reading).verdict == "correct", (expression, reading)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.lists(st.sampled_from(range(8)), min_size=1, max_size=3))
# where the answer has a value is over a, which sympy's cancelling leaves out (a KeyError)
@example(expression="x", steps=[3, 6])
def test_an_expression_and_a_random_equivalent_rewriting_agree(expression, steps):
    rewritten = expression
    for step in steps:
        rewritten = _REWRITINGS[step](rewritten)
    result = grade(expression, rewritten)
    assert result.verdict == "correct", (expression, rewritten, result.feedback)


def test_a_transcript_s_expressions_are_found_read_and_graded(tmp_path):
    (tmp_path / "script.md").write_text(
        "---\nstudent: trans\nquestion: ACT-Q1\n---\n"
        "(a) The derivative is $\\sigma(x)(1-\\sigma(x))$.\n\n"
        "(b) $1 - \\tanh^2 x$\n\n"
        "(c) We divide by the square root, so $s = \\frac{1}{\\sqrt{d_k}}$.\n\n"
        "(d) $s_i(1-s_i)$\n\n"
        "(e) $s_i s_j$\n",
        encoding="utf-8",
    )
    rubric = load_rubric(ROOT / "rubrics" / "activations-q1.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    assert {
        item: (r.verdict, r.marks, r.reading_notes, r.found) for item, r in result.items.items()
    } == {
        "a.derivative": (
            "correct",
            3.0,
            (),
            "from line 5: The derivative is \\sigma(x)(1-\\sigma(x)) .",
        ),
        "b.derivative": ("correct", 2.0, (), "from line 7: 1 - \\tanh^2 x"),
        "c.scale": (
            "correct",
            2.0,
            ('set aside "s =" before the answer',),
            "from line 9: so s = \\frac{1}{\\sqrt{d_k}} .",
        ),
        "d.diagonal": ("correct", 1.5, (), "from line 11: s_i(1-s_i)"),
        "e.offdiagonal": ("partial", 0.5, (), "from line 13: s_i s_j"),
    }


@pytest.mark.parametrize(
    ("script", "item_id", "verdict", "marks", "found"),
    [
        pytest.param(
            "ACT-Q1\n(a) The derivative is $\\sigma(x)(1-\\sigma(x))$, "
            "where $\\sigma$ is the sigmoid.",
            "a.derivative",
            "correct",
            3.0,
            "from line 5: The derivative is \\sigma(x)(1-\\sigma(x))",
            id="sigma named in prose after the answer is not a second answer",
        ),
        pytest.param(
            "ACT-Q1\n(a) Let $\\sigma$ be the sigmoid. "
            "Then $\\sigma'(x) = \\sigma(x)(1-\\sigma(x))$.",
            "a.derivative",
            "correct",
            3.0,
            "from line 5: Then \\sigma'(x) = \\sigma(x)(1-\\sigma(x)) .",
            id="sigma named in prose before the answer is not an answer",
        ),
        pytest.param(
            "ACT-Q1\n(a) $\\sigma' = \\sigma(1-\\sigma)$ where $\\sigma = \\sigma(x)$",
            "a.derivative",
            "correct",
            3.0,
            "from line 5: \\sigma' = \\sigma(1-\\sigma) where",
            id="a notation sigma = sigma(x) is not an answer, sigma(1-sigma) is",
        ),
        pytest.param(
            "ACT-Q1\n(a) $\\sigma^2$ and $-\\sigma$ appear, "
            "so the derivative is $\\sigma(x)(1-\\sigma(x))$",
            "a.derivative",
            "correct",
            3.0,
            "from line 5: so the derivative is \\sigma(x)(1-\\sigma(x))",
            id="a power or a negation of sigma alone is not an answer either",
        ),
        pytest.param(
            "LINEAR-BACKWARD-Q1\n(e) Here $\\sigma$ is the sigmoid, and "
            "$\\sigma'(y) = \\sigma(y)(1-\\sigma(y))$.",
            "e.derivative",
            "correct",
            2.0,
            "from line 5: and \\sigma'(y) = \\sigma(y)(1-\\sigma(y)) .",
            id="sigma named in prose in the backward pass's part (e) is not an answer",
        ),
    ],
)
def test_a_declared_function_named_in_a_transcript_s_prose_is_no_answer(
    tmp_path, script, item_id, verdict, marks, found
):
    question, body = script.split("\n", 1)
    (tmp_path / "script.md").write_text(
        f"---\nstudent: trans\nquestion: {question}\n---\n{body}\n", encoding="utf-8"
    )
    name = {"ACT-Q1": "activations-q1", "LINEAR-BACKWARD-Q1": "linear-backward-q1"}[question]
    rubric = load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    item = result.items[item_id]
    assert (item.verdict, item.marks, item.found) == (verdict, marks, found), item.feedback


@given(st.fractions(max_denominator=50), st.fractions(max_denominator=50))
def test_two_values_side_by_side_are_shown_alike(first, second):
    shown = show_numbers(first, second)
    if any(10**6 % value.denominator for value in (first, second)):  # one is no short decimal
        assert not any("." in text for text in shown), shown  # both as fractions, exactly
        assert [Fraction(text) for text in shown] == [first, second], shown
    else:
        assert shown == [show_number(first), show_number(second)]
