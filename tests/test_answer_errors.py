"""Every way an answer can fail to be read: the message, the place, and nothing executed."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.errors import AnswerError, AnswerTooLargeError, AnswerTooLongError
from grader.kinds.count.names import cover
from grader.kinds.count.parse import parse, split_name

SYMBOLS = {name: sympy.Symbol(name, positive=True, integer=True) for name in "PQCDx"}

ERRORS = [
    # (text, exception type, substring of the message, 0-based position of the problem)
    ("", AnswerError, "the answer is empty", 0, "an empty answer"),
    ("   ", AnswerError, "the answer is empty", 0, "only spaces"),
    ("x+" * 600, AnswerTooLongError, "the limit is 1000", 0, "an answer over the length limit"),
    ("P\x00+1", AnswerError, "control character U+0000", 1, "a NUL byte"),
    (r"P + \input{x}", AnswerError, r"unsupported LaTeX command \input", 4, "an unknown command"),
    (r"\pm 1", AnswerError, r"unsupported LaTeX command \pm", 0, "plus-minus"),
    (r"\operatorname{eval}(1)", AnswerError, r"command \operatorname", 0, "operatorname"),
    (r"\href{javascript:alert(1)}{x}", AnswerError, r"command \href", 0, "a link"),
    ("х + 1", AnswerError, "CYRILLIC SMALL LETTER HA", 0, "a Cyrillic look-alike"),
    ("π P", AnswerError, "GREEK SMALL LETTER PI", 0, "a Greek letter"),
    ("1,000", AnswerError, "commas are not part of a count", 1, "a thousands separator"),
    ("(1,000 + P)Q", AnswerError, "commas are not part of a count", 2, "one in brackets"),
    # Found by a rubric author: these were told to write 1000, not 1,000
    ("max(P, 1) Q", AnswerError, "max(…) with several arguments is not supported", 5, "max"),
    ("(P, Q, C)", AnswerError, "values listed in brackets (a shape such as", 2, "a shape"),
    (
        "PQ + D (PQ weights, D biases)",
        AnswerError,
        "the brackets hold a list with words",
        18,
        "a breakdown",
    ),
    ("P!", AnswerError, "factorials are not supported", 1, "a factorial"),
    ("P < Q", AnswerError, "comparisons are not answers", 2, "a comparison"),
    ("(P+1", AnswerError, "'(' is never closed", 0, "an unclosed bracket"),
    ("P+1)", AnswerError, "')' has no matching '('", 3, "a stray closing bracket"),
    ("(P+1]", AnswerError, "expected ')'", 4, "mismatched brackets"),
    ("(" * 21 + "P" + ")" * 21, AnswerError, "nested more than 20 deep", 20, "deep nesting"),
    ("*P", AnswerError, "unexpected '*'", 0, "an operator with nothing before it"),
    ("9CD+", AnswerError, "the answer ends too early", 4, "a trailing operator"),
    ("P==Q", AnswerError, "'=' must stand between two complete expressions", 2, "a double equals"),
    ("pqcpqd", AnswerError, "unknown symbol p, did you mean P?", 0, "a lower-case symbol"),
    ("PQz", AnswerError, "unknown symbol z", 2, "an undeclared letter in a run"),
    ("beta*P", AnswerError, "unknown symbol beta", 0, "an undeclared word"),
    ("P2", AnswerError, "'P2' is ambiguous", 1, "a number after a symbol"),
    ("2 3", AnswerError, "is ambiguous", 2, "two numbers side by side"),
    ("1" * 31, AnswerTooLargeError, "more than 30 digits", 0, "a very long number"),
    ("9**9**9", AnswerTooLargeError, "too large to check", 0, "a tower of powers"),
    ("9^9^9", AnswerTooLargeError, "too large to check", 0, "a tower with carets"),
    ("((9**9)**9999)**9999", AnswerTooLargeError, "too large", 0, "powers re-associated"),
    ("10^5000", AnswerTooLargeError, "more than 2400 digits", 0, "a power with many digits"),
    (
        "(P+Q+C+D)^64",
        AnswerTooLargeError,
        "exponents of symbols are limited",
        0,
        "a huge symbolic power",
    ),
    ("(P+Q+C+D)^20", AnswerTooLargeError, "more than 500 terms", 0, "an expansion too large"),
    ("P^41", AnswerTooLargeError, "exponents of symbols are limited to 40", 0, "a high degree"),
    (
        "P^Q",
        AnswerError,
        "a symbol in an exponent needs a number as its base, such as 2^C",
        2,
        "a symbolic exponent of a symbol",
    ),
    ("P^{1/2}", AnswerError, "exponents must be whole numbers", 2, "a fractional exponent"),
    ("1/0", AnswerError, "division by zero", 2, "division by zero"),
    ("P/(Q-Q)", AnswerError, "division by zero", 2, "division by a vanishing bracket"),
    ("0^-1", AnswerError, "division by zero", 0, "zero to a negative power"),
]


@pytest.mark.parametrize(
    ("text", "kind", "message", "position"),
    [pytest.param(t, k, m, p, id=i) for t, k, m, p, i in ERRORS],
)
def test_each_error_says_what_and_where(text, kind, message, position):
    with pytest.raises(AnswerError) as caught:
        parse(text, SYMBOLS)
    error = caught.value
    assert type(error) is kind
    assert message in str(error)
    assert error.position == position
    assert f"(at column {position + 1})" in str(error)


def test_the_caret_points_under_the_problem():
    with pytest.raises(AnswerError) as caught:
        parse("PQ + pq", SYMBOLS)
    assert caught.value.caret() == "PQ + pq\n     ^"


# Runs of letters that no declared symbols cover, far longer than an answer may be: naming the
# unknown stretch tried every piece of every length at every place, and covered every suffix
# again (hours for these); a piece is never longer than the longest symbol.
LONG_RUNS = {
    "a run of unknown letters": ("z" * 100_000, 0, "z" * 100_000),
    "an unknown letter in a run of symbols": ("P" * 50_000 + "z" + "Q" * 50_000, 50_000, "z"),
    "unknown letters before symbols": ("z" * 50_000 + "PQ" * 25_000, 0, "z" * 50_000),
}


@pytest.mark.parametrize(("run", "position", "unknown"), LONG_RUNS.values(), ids=LONG_RUNS)
def test_a_long_run_of_letters_names_its_unknown_stretch(run, position, unknown):
    with pytest.raises(AnswerError) as caught:
        split_name(run, 0, run, SYMBOLS)
    assert caught.value.position == position
    assert caught.value.message.startswith(f"unknown symbol {unknown};")


def test_a_long_run_of_symbols_is_split_into_the_fewest():
    symbols = {"P": "P", "Q": "Q", "PQ": "PQ"}
    assert cover("PQ" * 5_000, symbols) == ["PQ"] * 5_000
    assert cover("z" * 100_000, symbols) is None


COVER_IN_LITTLE_MEMORY = """
import resource, sys
from grader.kinds.count.names import cover
with open("/proc/self/status") as status:
    size = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
extra = 300 * 1024 * 1024  # bytes beyond what the interpreter has mapped already
resource.setrlimit(resource.RLIMIT_AS, (size * 1024 + extra, size * 1024 + extra))
pieces = cover("P" * 50_000 + "Q" * 50_000, {"P": "P", "Q": "Q"})
print(len(pieces))
"""


def test_splitting_a_long_run_of_letters_needs_memory_that_grows_with_its_length():
    # Found when a full run was killed for its memory (10 GB): each place kept its whole
    # list of pieces, so 100,000 letters held 5 billion references. Now 300 MB is plenty.
    completed = subprocess.run(
        [sys.executable, "-c", COVER_IN_LITTLE_MEMORY], capture_output=True, text=True, timeout=300
    )
    assert (completed.returncode, completed.stdout) == (0, "100000\n"), completed.stderr[-500:]


SENTINEL = Path("/tmp/grader_pwned")

HOSTILE = [
    "__import__('os').system('touch /tmp/grader_pwned')",
    "().__class__.__base__.__subclasses__()",
    "(lambda: __import__('sys').exit(3))()",
    "x.__class__.__mro__",
    "Symbol('x', real=__import__('os').getpid())",
    "[c for c in ().__class__.__mro__]",
    "f'{x}'",
    "print('leak')",
    "open('/etc/passwd').read()",
    "x; y",
    "10**10**10",
    "factorial(10**7)",
    "(10**7)!",
    "4**(111111111111111111111111111111111/2222222222222)",
    "2^(20000*x)",
    "gamma(10**10)",
    "exp(exp(exp(exp(exp(10)))))",
    "x" + "**x" * 5000,
    "+".join(["x"] * 100000),
    "(" * 201 + "x" + ")" * 201,
    "x+" * 500000 + "x",
    r"9^{9^{9}}",
    "(" * 100 + "x" + ")" * 100,
    "x == 1",
    "x!!!!!!",
    "oo-oo",
    "1e999",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    r"\htmlData{onload=alert(1)}{x}",
    r"e^{i\pi}",
    r"\frac{1}{2",
]


@pytest.fixture
def no_sentinel():
    SENTINEL.unlink(missing_ok=True)
    yield
    assert not SENTINEL.exists(), "an answer executed code"


@pytest.mark.parametrize("text", HOSTILE, ids=[h[:40] for h in HOSTILE])
def test_hostile_answers_are_refused_and_run_nothing(text, no_sentinel, capsys):
    pid = os.getpid()
    with pytest.raises(AnswerError):
        parse(text, SYMBOLS)
    assert os.getpid() == pid
    assert capsys.readouterr().out == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_with_an_answer_error(text):
    try:
        parse(text, SYMBOLS)
    except AnswerError as error:
        assert 0 <= error.position <= len(text)
        assert str(error)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="PQCD0123456789+-*/^()[]{}=. ×·−²⁻\\$", max_size=60))
def test_text_made_of_maths_characters_never_breaks_the_parser(text):
    with contextlib.suppress(AnswerError):
        parse(text, SYMBOLS)
