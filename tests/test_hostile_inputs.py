"""Hostile and broken input: every case of the test plan in hostile-inputs.md, section 12
(A code execution, B resource exhaustion, C malformed answers, D XSS, E rubric YAML,
F submission folders, G gradebook), driven through the real entry points.

The inputs are copied here on purpose: the project never reads that document. A case the
grader gets wrong is an `xfail(strict=True)` test whose reason says what goes wrong, so it
turns into a failure the day the bug is fixed and the mark should go.

No test asserts how long anything takes; a test that could hang relies on the worker's
timeout or on a generous `timeout=` of `subprocess`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import DictLoader

from grader import gradebook, html_report, workers
from grader.errors import RubricError
from grader.grade import Task, grade_answer, grade_paths
from grader.rubric import load_rubric
from grader.workers import BoundedChecker

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
RUBRIC = load_rubric(RUBRIC_PATH)

COUNT, FORMULA, TEXT = "a.params", "b.formula", "e.explanation"
UNREADABLE = "We could not read your answer: "
SENTINEL = "SENTINEL"  # replaced by a unique path under tmp_path in every test
Y = "y_{i,j,k} = "  # makes an expression the right-hand side of a formula
PROCESS_TIMEOUT = 120  # seconds; only so that a broken grader fails instead of hanging
CORRECT_A = "PQD(PQC+1)"  # a correct answer to a.params


# --- the inputs of the test plan, as exact Python literals ------------------------------------

A_CASES = [  # code execution / sandbox escape
    ("A1 __import__ os.system", "__import__('os').system('touch SENTINEL')"),
    ("A2 __subclasses__ without builtins", "().__class__.__base__.__subclasses__()"),
    ("A3 lambda calling sys.exit", "(lambda: __import__('sys').exit(3))()"),
    ("A4 attribute access __mro__", "x.__class__.__mro__"),
    ("A5 srepr-style Symbol injection", "Symbol('x', real=__import__('os').getpid())"),
    ("A6 comprehension", "[c for c in ().__class__.__mro__]"),
    ("A7 f-string", "f'{x}'"),
    ("A8 print", "print('leak')"),
    ("A9 open /etc/passwd", "open('/etc/passwd').read()"),
    ("A10 assignment statement", "x = 1"),
    ("A10 two statements", "x; y"),
]

D_CASES = [  # markup in answers
    ("D1 script tag", "<script>alert(1)</script>"),
    ("D2 img onerror", "<img src=x onerror=alert(1)>"),
    ("D3 attribute breakout svg onload", '"><svg onload=alert(1)>'),
    ("D4 LaTeX href javascript", r"\href{javascript:alert(1)}{x}"),
    ("D4 LaTeX htmlData onload", r"\htmlData{onload=alert(1)}{x}"),
]
D1, D2, D3 = (text for _, text in D_CASES[:3])
D4_HREF, D4_HTMLDATA = (text for _, text in D_CASES[3:])
D5_NAME = "<img src=x onerror=alert(1)>"

B10 = "x" + "**x" * 5000
B11 = "+".join(["x"] * 100000)
B12 = "(" * 201 + "x" + ")" * 201
B13 = "x+" * 500000 + "x"
B15_NESTED = "(" * 100 + "x" + ")" * 100
SENTENCE = "I do not know how to compute the number of parameters here"
TOO_LARGE = "too large to check"

# (id, answer to a.params, verdict, what the feedback must say)
COUNT_CASES = [
    *[(case, text, "invalid", None) for case, text in A_CASES if text != "x = 1"],
    # a name before = is set aside, as `N = 9CD + D`'s is (nothing is run): the count 1 is wrong
    ("A10 assignment statement", "x = 1", "incorrect", "your count gives 1"),
    ("B1 9**9**9", "9**9**9", "invalid", TOO_LARGE),
    ("B2 9^9^9", "9^9^9", "invalid", TOO_LARGE),
    ("B3 10**10**10", "10**10**10", "invalid", TOO_LARGE),
    ("B4 factorial(10**7)", "factorial(10**7)", "invalid", "unknown symbol factorial"),
    ("B4 (10**7)!", "(10**7)!", "invalid", "factorials are not supported"),
    (
        "B5 huge rational exponent",
        "4**(111111111111111111111111111111111/2222222222222)",
        "invalid",
        "more than 30 digits",
    ),
    ("B6 nested powers ((9**9)**9999)**9999", "((9**9)**9999)**9999", "invalid", TOO_LARGE),
    ("B7 2^(20000*x)", "2^(20000*x)", "invalid", "unknown symbol x"),
    # 2^C is a count (issue 14); a symbol's multiple in an exponent is bounded.
    (
        "B7 2^(20000*P) declared",
        "2^(20000*P)",
        "invalid",
        "multiples of symbols in an exponent are limited to 40",
    ),
    ("B8 10^5000", "10^5000", "invalid", TOO_LARGE),
    ("B9 gamma(10**10)", "gamma(10**10)", "invalid", "unknown symbol gamma"),
    ("B9 exp tower", "exp(exp(exp(exp(exp(10)))))", "invalid", "unknown symbol exp"),
    ("B10 x**x 5000 times", B10, "invalid", "the limit is 1000"),
    ("B11 100000 terms", B11, "invalid", "the limit is 1000"),
    ("B12 201 nested brackets", B12, "invalid", "nested more than 20 deep"),
    ("B13 1 MB answer", B13, "invalid", "the limit is 1000"),
    ("B14 (x**1000-1)/(x-1)", "(x**1000-1)/(x-1)", "invalid", "unknown symbol x"),
    (
        "B14 (P**1000-1)/(P-1) declared",
        "(P**1000-1)/(P-1)",
        "invalid",
        "exponents of symbols are limited to 40",
    ),
    ("B14 expansion (P+Q+C+D)^30", "(P+Q+C+D)^30", "invalid", "more than 500 terms"),
    ("B15 LaTeX 9^{9^{9}}", r"9^{9^{9}}", "invalid", TOO_LARGE),
    ("B15 100 nested brackets", B15_NESTED, "invalid", "nested more than 20 deep"),
    # A sentence or a run of letters for an answer took minutes (a timeout `error` in a
    # worker): setting words aside tried every way to split letters into words, and naming
    # the unknown stretch covered every suffix of the run again.
    ("B sentence for an answer", SENTENCE, "invalid", "unknown symbol I;"),
    ("B 30 unknown letters", "x" * 30, "invalid", f"unknown symbol {'x' * 30};"),
    ("B 1000 unknown letters", "x" * 1000, "invalid", f"unknown symbol {'x' * 1000};"),
    # Over the length limit, the lenient readings were still tried (a timeout `error`).
    ("B 0x and 4000 f", "0x" + "f" * 4000, "invalid", "the limit is 1000"),
    ("C1 empty", "", "missing", "No answer was given"),
    ("C1 spaces", "   ", "missing", "No answer was given"),
    ("C1 tab", "\t", "missing", "No answer was given"),
    ("C2 unclosed bracket", "(x+1", "invalid", "'(' is never closed"),
    ("C3 x!!!!!!", "x!!!!!!", "invalid", "factorials are not supported"),
    ("C4 NUL byte", "x\x00+1", "invalid", "control character U+0000"),
    ("C5 relation x == 1", "x == 1", "invalid", "'=' must stand between two complete"),
    ("C5 relation PQD == 1500", "PQD == 1500", "invalid", "'=' must stand between two complete"),
    ("C5 comparison P < Q", "P < Q", "invalid", "comparisons are not answers"),
    ("C6 1/0", "1/0", "invalid", "division by zero"),
    ("C6 0/0", "0/0", "invalid", "division by zero"),
    ("C6 oo-oo", "oo-oo", "invalid", "unknown symbol oo"),
    ("C6 x/0", "x/0", "invalid", "unknown symbol x"),
    ("C6 P/0 declared", "P/0", "invalid", "division by zero"),
    ("C6 PQD/(P-P) declared", "PQD/(P-P)", "invalid", "division by zero"),
    # Decimals are read exactly (0.1 is 1/10), so there is no float error to hide a mistake.
    ("C7 0.1+0.2 read exactly", "0.1+0.2", "incorrect", "your count gives 3/10"),
    ("C7 1e999", "1e999", "invalid", "unknown symbol e"),
    ("C7 decimal in a right count", "PQD(PQC+1.0)", "correct", "Correct."),
    ("C8 P*Q*C*D + P*Q*D parses", "P*Q*C*D + P*Q*D", "incorrect", "With P=4, Q=3, C=2, D=5"),
    ("C8 P Q C D + P Q D parses", "P Q C D + P Q D", "incorrect", "With P=4, Q=3, C=2, D=5"),
    ("C8 PQC·PQD + PQD is correct", "PQC \u00b7 PQD + PQD", "correct", "Correct."),
    ("C9 E*x", "E*x", "invalid", "unknown symbol E"),
    ("C9 I*x", "I*x", "invalid", "unknown symbol I"),
    ("C9 N*x", "N*x", "invalid", "unknown symbol N"),
    ("C9 S*x", "S*x", "invalid", "unknown symbol S"),
    ("C9 O*x", "O*x", "invalid", "unknown symbol O"),
    ("C9 beta*x", "beta*x", "invalid", "unknown symbol beta"),
    ("C9 lambda*x", "lambda*x", "invalid", "unknown symbol lambda"),
    ("C10 fullwidth x", "\uff58 - x", "invalid", "unknown symbol x"),
    ("C10 Cyrillic ha", "\u0445 + 1", "invalid", "CYRILLIC SMALL LETTER HA"),
    ("C10 fullwidth P folds to P", "\uff30QC*PQD + PQD", "correct", "Correct."),
    ("C10 Cyrillic Es is not C", "P\u0421*PQD + PQD", "invalid", "CYRILLIC CAPITAL LETTER ES"),
    ("C11 x squared", "x\u00b2", "invalid", "unknown symbol x"),
    ("C11 minus sign x−y", "x\u2212y", "invalid", "unknown symbol x"),
    ("C11 times sign 2×x", "2\u00d7x", "invalid", "unknown symbol x"),
    ("C11 pi", "\u03c0", "invalid", "GREEK SMALL LETTER PI"),
    ("C11 zero-width space", "x\u200b+1", "invalid", "unknown symbol x"),
    ("C11 superscripts P²Q²CD + PQD", "P\u00b2Q\u00b2CD + PQD", "correct", "Correct."),
    ("C11 times sign PQC×PQD + PQD", "PQC\u00d7PQD + PQD", "correct", "Correct."),
    ("C11 minus sign PQC*PQD − PQD", "PQC*PQD \u2212 PQD", "incorrect", "your count gives 1380"),
    ("C11 zero-width space ignored", "PQC*PQD +\u200b PQD", "correct", "Correct."),
    ("C12 BOM before x+1", "\ufeffx+1", "invalid", "unknown symbol x"),
    ("C12 BOM before a right count", "\ufeffPQC*PQD + PQD", "correct", "Correct."),
    ("C13 a sum is not a count", r"\sum_{l=1}^{C} w_{l,k} x_{i,j,l}", "invalid", "\\sum"),
    ("C14 \\input", r"\input{/etc/passwd}", "invalid", "unsupported LaTeX command \\input"),
    ("C14 \\pm", r"\pm 1", "invalid", "unsupported LaTeX command \\pm"),
    (
        "C14 \\operatorname{eval}",
        r"\operatorname{eval}(1)",
        "invalid",
        "unsupported LaTeX command \\operatorname",
    ),
    ("C15 e^{i pi}", r"e^{i\pi}", "invalid", "unsupported LaTeX command \\pi"),
    ("C15 missing brace", r"\frac{1}{2", "invalid", "'{' is never closed"),
    # read as 1000, with a note: a number for a count in symbols, not even its value there
    ("C15 thousands separator", "1,000", "incorrect", "your count gives 1000"),
    ("D1 script tag", D1, "invalid", "the character < is not allowed"),
    ("D2 img onerror", D2, "invalid", "the character < is not allowed"),
    ("D3 attribute breakout", D3, "invalid", 'the character " is not allowed'),
    ("D4 LaTeX href", D4_HREF, "invalid", "unsupported LaTeX command \\href"),
    ("D4 LaTeX htmlData", D4_HTMLDATA, "invalid", "unsupported LaTeX command \\htmlData"),
]

SUM_BOMB = r"\sum_{u=-1}^{999999999}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k"
# (id, answer to b.formula, verdict, what the feedback must say)
FORMULA_CASES = [
    *[(f"{case} as a formula", text, "invalid", None) for case, text in A_CASES],
    *[(f"{case} inside a formula", Y + text + " + b_k", "invalid", None) for case, text in A_CASES],
    ("B1 9**9**9 as a formula", "9**9**9", "invalid", "expected the output"),
    ("B4 (10**7)! inside a formula", Y + "(10**7)! x_{i,j,k}", "invalid", None),
    ("B9 gamma(10**10) inside a formula", Y + "gamma(10**10) x_{i,j,k}", "invalid", None),
    ("B10 x**x 5000 times as a formula", B10, "invalid", "the limit is 1000"),
    ("B11 100000 terms as a formula", B11, "invalid", "the limit is 1000"),
    ("B12 201 nested brackets as a formula", B12, "invalid", "nested more than 20 deep"),
    ("B13 1 MB answer as a formula", B13, "invalid", "the limit is 1000"),
    ("B15 9^{9^{9}} inside a formula", Y + r"9^{9^{9}} x_{i,j,k}", "invalid", None),
    ("B15 100 nested brackets as a formula", B15_NESTED, "invalid", "nested more than 20 deep"),
    ("B sum over a billion values", Y + SUM_BOMB, "invalid", "runs over 1000000001 values"),
    (
        "B huge index offset",
        Y + r"\sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k}"
        r" x_{i+u*999999999999,j+v,l} + b_k",
        "invalid",
        "too large for a formula",
    ),
    (
        "B huge coefficient",
        Y + "10000000000000000000000000000000000000 x_{i,j,k}",
        "invalid",
        "too large for a formula",
    ),
    (
        "B sum over a sum bound 9^{9^{9}}",
        Y + r"\sum_{u=-1}^{9^{9^{9}}} w_{u,k} x_{i+u,j,k}",
        "invalid",
        None,
    ),
    ("C1 empty formula", "", "missing", "No answer was given"),
    ("C2 unclosed bracket in a formula", "(x+1", "invalid", "'(' is never closed"),
    ("C4 NUL byte in a formula", "x\x00+1", "invalid", "control character U+0000"),
    ("C5 relation y == x", "y_{i,j,k} == x_{i,j,k}", "invalid", None),
    ("C6 division by zero in a formula", Y + "x_{i,j,k} / 0", "invalid", "division by zero"),
    (
        "C13 right-hand side alone",
        r"\sum_{l=1}^{C} w_{l,k} x_{i,j,l}",
        "invalid",
        "expected the output",
    ),
    (
        "C14 \\input in a formula",
        Y + r"\input{/etc/passwd}",
        "invalid",
        "unsupported LaTeX command \\input",
    ),
    ("D1 script tag as a formula", D1, "invalid", None),
    ("D4 LaTeX href as a formula", D4_HREF, "invalid", "unsupported LaTeX command \\href"),
]

# Explanations are prose: hostile text is just words that state no concept.
TEXT_CASES = [
    *[(f"{case} as an explanation", text) for case, text in A_CASES],
    *[
        (f"{case} as an explanation", text)
        for case, text in [
            ("B1 9**9**9", "9**9**9"),
            ("B4 (10**7)!", "(10**7)!"),
            ("B12 201 nested brackets", B12),
            ("B15 LaTeX 9^{9^{9}}", r"9^{9^{9}}"),
            ("C4 NUL byte", "x\x00+1"),
        ]
    ],
    *[(f"{case} as an explanation", text) for case, text in D_CASES],
]


# --- helpers ----------------------------------------------------------------------------------


def with_sentinel(text: str, sentinel: Path) -> str:
    return text.replace(SENTINEL, str(sentinel))


def feedback_text(result) -> str:
    return " ".join(result.feedback)


def assert_clear_invalid(result, message: str | None) -> None:
    """An `invalid` result that tells the student where and why, in words."""
    assert result.verdict == "invalid", result
    assert result.marks == 0
    assert result.feedback[0].startswith(UNREADABLE), result.feedback
    assert re.search(r"\(at column \d+\)", result.feedback[0]), result.feedback
    assert result.error_position is not None
    if message is not None:
        assert message in feedback_text(result), result.feedback


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text
    assert not re.search(r"\b[A-Z][A-Za-z]*(Error|Exception)\b", text), text


def run_grader(*args: str, cwd: Path = ROOT, timeout: float = PROCESS_TIMEOUT):
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def submission_yaml(student: str, answers: dict[str, dict[str, str]]) -> str:
    """A submission file; json.dumps gives YAML-safe double-quoted strings."""
    lines = [f"student: {json.dumps(student)}", "question: 22-52-Q4", "answers:"]
    for part, items in answers.items():
        lines.append(f"  {part}:")
        lines.extend(f"    {item}: {json.dumps(text)}" for item, text in items.items())
    return "\n".join(lines) + "\n"


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- A, B, C in process: grade_answer ---------------------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "text", "verdict", "message"),
    [
        pytest.param(item_id, text, verdict, message, id=f"{case} [{kind}]")
        for item_id, kind, cases in (
            (COUNT, "count", COUNT_CASES),
            (FORMULA, "formula", FORMULA_CASES),
        )
        for case, text, verdict, message in cases
    ],
)
def test_hostile_answer(item_id, text, verdict, message, tmp_path, capfd):
    sentinel = tmp_path / "grader_pwned"
    result = grade_answer(RUBRIC, RUBRIC.items[item_id], with_sentinel(text, sentinel))
    if verdict == "invalid":
        assert_clear_invalid(result, message)
    else:
        assert result.verdict == verdict, result
        assert message in feedback_text(result), result.feedback
    assert_no_traceback(feedback_text(result))
    assert not sentinel.exists()
    assert capfd.readouterr().out == ""


@pytest.mark.parametrize(
    "text", [pytest.param(text, id=f"{case} [text]") for case, text in TEXT_CASES]
)
def test_hostile_explanation(text, tmp_path, capfd):
    sentinel = tmp_path / "grader_pwned"
    result = grade_answer(RUBRIC, RUBRIC.items[TEXT], with_sentinel(text, sentinel))
    assert result.verdict in ("incorrect", "needs_review"), result
    assert result.marks == 0
    assert result.feedback
    assert_no_traceback(feedback_text(result))
    assert not sentinel.exists()
    assert capfd.readouterr().out == ""


def test_C8_a_product_of_declared_symbols_is_read_as_written():
    result = grade_answer(RUBRIC, RUBRIC.items[COUNT], "P Q C D + P Q D")
    assert result.interpretation == "P·Q·C·D + P·Q·D"


def test_C9_declared_symbols_win_over_sympy_names(tmp_path):
    """E, I, N, S and O are sympy names (Euler's number, the imaginary unit, ...), but plain
    symbols when the rubric declares them; an undeclared name is still unknown."""
    path = tmp_path / "collisions.yaml"
    path.write_text(
        "id: HX-C9\ntitle: collisions\nsymbols:\n"
        + "".join(f"  {s}: {{meaning: size {s}}}\n" for s in "EINSO")
        + "parts:\n  a:\n    marks: 1\n    prompt: Count.\n    items:\n      params:\n"
        "        type: count\n        marks: 1\n        answer: 'E*I*N*S*O'\n",
        encoding="utf-8",
    )
    rubric = load_rubric(path)
    item = rubric.items["a.params"]
    for text in ("E*I*N*S*O", "EINSO", "E I N S O"):
        result = grade_answer(rubric, item, text)
        assert (result.verdict, result.interpretation) == ("correct", "E·I·N·S·O"), text
    assert_clear_invalid(grade_answer(rubric, item, "beta*E"), "unknown symbol beta")
    assert_clear_invalid(grade_answer(rubric, item, "lambda*E"), "unknown symbol lambda")
    # Issue 14: a marker reads a lower-case e as the declared E (never Euler's number), and
    # says so; with the `case` step switched off it is the unknown symbol it was before.
    lenient = grade_answer(rubric, item, "e*I*N*S*O")
    assert (lenient.verdict, lenient.reading_notes) == ("correct", ("read e as E",))
    path.write_text(path.read_text(encoding="utf-8") + "        strict: [case]\n", "utf-8")
    strict = load_rubric(path)
    assert_clear_invalid(
        grade_answer(strict, strict.items["a.params"], "e*I*N*S*O"), "did you mean E?"
    )


@pytest.mark.parametrize(
    ("text", "verdict", "marks", "message"),
    [
        pytest.param(
            r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l}",
            "partial",
            2.0,
            "no bias",
            id="C13 the plan's example parses (no bias)",
        ),
        pytest.param(
            r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
            "correct",
            3.0,
            "same layer",
            id="C13 with its bias it is the 1x1 convolution",
        ),
    ],
)
def test_C13_index_notation_must_parse(text, verdict, marks, message):
    result = grade_answer(RUBRIC, RUBRIC.items["c.formula"], text)
    assert (result.verdict, result.marks) == (verdict, marks), result
    assert message in feedback_text(result)
    assert result.interpretation.startswith("y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l]")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(Y + "9**9**9 x_{i,j,k} + b_k", id="B1 9**9**9 inside a formula"),
        pytest.param(Y + "3 * * x_{i,j,k} + b_k", id="B1 a doubled star inside a formula"),
    ],
)
def test_B1_powers_inside_a_formula_are_not_read_as_products(text):
    result = grade_answer(RUBRIC, RUBRIC.items[FORMULA], text)
    assert result.verdict == "invalid", (result.verdict, result.interpretation)


# --- A, B, C through the command line: grader check ... --json -------------------------------

CLI_CASES = [
    # (id, item, answer, verdict, what the feedback must say)
    ("A1 __import__ os.system", COUNT, A_CASES[0][1], "invalid", "not allowed"),
    ("A3 lambda calling sys.exit", COUNT, A_CASES[2][1], "invalid", "not allowed"),
    ("A8 print", COUNT, "print('leak')", "invalid", "not allowed"),
    ("A9 open /etc/passwd inside a formula", FORMULA, Y + A_CASES[8][1], "invalid", None),
    ("A1 __import__ os.system as an explanation", TEXT, A_CASES[0][1], "incorrect", "Missing"),
    ("B1 9**9**9", COUNT, "9**9**9", "invalid", TOO_LARGE),
    ("B4 (10**7)!", COUNT, "(10**7)!", "invalid", "factorials are not supported"),
    ("B10 x**x 5000 times", COUNT, B10, "invalid", "the limit is 1000"),
    ("B sentence for an answer", COUNT, SENTENCE, "invalid", "unknown symbol I;"),
    ("B12 201 nested brackets as a formula", FORMULA, B12, "invalid", "nested more than 20"),
    ("B sum over a billion values", FORMULA, Y + SUM_BOMB, "invalid", "1000000001 values"),
    ("C5 relation x == 1", COUNT, "x == 1", "invalid", "'=' must stand between"),
    ("C6 1/0", COUNT, "1/0", "invalid", "division by zero"),
    ("C8 P Q C D + P Q D parses", COUNT, "P Q C D + P Q D", "incorrect", "P=4, Q=3"),
    ("C11 superscripts", COUNT, "P\u00b2Q\u00b2CD + PQD", "correct", "Correct."),
    ("D1 script tag", COUNT, D1, "invalid", "not allowed"),
]


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory):
    """Every CLI case in its own `grader check` process, all started at once."""
    base = tmp_path_factory.mktemp("cli")
    runs = {}
    for case, item, text, *_ in CLI_CASES:
        sentinel = base / f"grader_pwned_{len(runs)}"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grader",
                "check",
                str(RUBRIC_PATH),
                item,
                with_sentinel(text, sentinel),
                "--json",
                "--timeout",
                "20",
                "--memory",
                "1024",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        runs[case] = (process, sentinel)
    results = {}
    for case, (process, sentinel) in runs.items():
        try:
            out, err = process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        results[case] = (process.returncode, out, err, sentinel)
    return results


@pytest.mark.parametrize(
    ("case", "item", "verdict", "message"),
    [
        pytest.param(case, item, verdict, message, id=f"{case} [grader check]")
        for case, item, _, verdict, message in CLI_CASES
    ],
)
def test_hostile_answer_on_the_command_line(cli_results, case, item, verdict, message):
    code, out, err, sentinel = cli_results[case]
    assert code == 0, err
    assert_no_traceback(err)
    result = json.loads(out)  # stdout is the result and nothing else
    assert result["item"] == item
    assert result["verdict"] == verdict, result
    if verdict == "invalid":
        assert result["feedback"][0].startswith(UNREADABLE)
        assert result["error_position"] is not None
    if message is not None:
        assert message in " ".join(result["feedback"]), result["feedback"]
    assert not sentinel.exists()


# --- B: the bounded worker processes ----------------------------------------------------------
# Module-level so they can be sent to a worker; each misbehaves on one answer and grades
# every other answer with the real check.


def _grade_in_worker(task: Task):
    return workers._check_in_worker(task)


def sleep_forever(task: Task):
    if task.text == "misbehave":
        while True:
            time.sleep(1)
    return _grade_in_worker(task)


def allocate_without_bound(task: Task):
    if task.text == "misbehave":
        blocks = []
        while True:
            blocks.append(bytearray(64 * 2**20))
    return _grade_in_worker(task)


def hard_exit(task: Task):
    if task.text == "misbehave":
        os._exit(3)
    return _grade_in_worker(task)


def killed_like_by_the_oom_killer(task: Task):
    if task.text == "misbehave":
        os.kill(os.getpid(), signal.SIGKILL)
    return _grade_in_worker(task)


@pytest.mark.parametrize(
    ("work", "message", "timeout"),
    [
        pytest.param(
            sleep_forever,
            "took longer than 5 s, so it was stopped",  # the wall clock: it computes nothing
            0.5,
            id="B a check that sleeps forever is stopped",
        ),
        pytest.param(
            allocate_without_bound,
            "more than its 512 MB of memory",
            # filling 512 MB takes about half a second of computing: the memory runs out first
            3,
            id="B a check that allocates without bound runs out of memory",
        ),
        pytest.param(
            hard_exit, "crashed, so it was stopped", 0.5, id="B a check that hard-exits its worker"
        ),
        pytest.param(
            killed_like_by_the_oom_killer,
            "crashed, so it was stopped",
            0.5,
            id="G5 a worker killed by SIGKILL (OOM killer)",
        ),
    ],
)
def test_a_runaway_check_is_an_error_and_the_next_task_is_graded(work, message, timeout):
    tasks = [Task(COUNT, "misbehave"), Task(COUNT, CORRECT_A)]
    with BoundedChecker(RUBRIC, jobs=1, timeout=timeout, memory_mb=512, work=work) as checker:
        runaway, following = checker.check(tasks)
        (again,) = checker.check([Task(COUNT, "P*P*C*D + P*Q*D")])
    assert runaway.verdict == "error"
    assert runaway.marks == 0
    assert message in feedback_text(runaway), runaway.feedback
    assert runaway.answer == "misbehave"
    assert (following.verdict, following.marks) == ("correct", 2.0)
    assert again.verdict == "incorrect" and again.diagnosis == "misconception 1"


def test_B_resource_cases_are_refused_inside_the_real_workers():
    """The grader's own bounds answer every B case in the worker, before any limit is hit."""
    texts = [text for case, text, _, _ in COUNT_CASES if case.startswith("B")]
    with BoundedChecker(RUBRIC, jobs=2, timeout=30, memory_mb=1024) as checker:
        results = checker.check([Task(COUNT, text) for text in texts] + [Task(COUNT, CORRECT_A)])
    for text, result in zip(texts, results[:-1], strict=True):
        assert result.verdict == "invalid", (text[:40], result.feedback)
    assert results[-1].verdict == "correct"


def test_B11_B13_a_huge_explanation_is_refused_at_once():
    with BoundedChecker(RUBRIC, jobs=2, timeout=5, memory_mb=1024) as checker:
        results = checker.check([Task(TEXT, B11), Task(TEXT, B13)])
    for result in results:
        assert result.verdict in ("invalid", "needs_review"), result.feedback


# --- D: HTML output ---------------------------------------------------------------------------


class LiveMarkup(HTMLParser):
    """Collects what a browser would act on: tags, attributes; and the text it would show."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def live_markup(html: str) -> LiveMarkup:
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser


def assert_no_live_script(html: str) -> None:
    markup = live_markup(html)
    for tag, attrs in markup.tags:
        assert tag not in ("script", "img", "iframe", "object", "embed"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if value is not None:
                assert not re.sub(r"\s", "", value).lower().startswith("javascript:"), (tag, name)


def test_D1_to_D5_answers_and_student_ids_are_escaped_in_every_page(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    answers = {
        "a": {"params": D1, "formula": D2},
        "b": {"params": D3, "formula": D4_HREF},
        "c": {"params": D4_HTMLDATA, "formula": D1},
        "d": {"params": D2, "formula": D3},
        "e": {"explanation": f"{D1} {D2} {D3} {D4_HREF}", "formula": D4_HTMLDATA},
    }
    (subs / f"{D5_NAME}.yaml").write_text(submission_yaml(D5_NAME, answers), encoding="utf-8")
    # (The file's name holds a line break; an id that does is refused: test_F_... below.)
    newline_student = "evil student</a><script>alert(2)</script>"
    (subs / "new\nline.yaml").write_text(
        submission_yaml(newline_student, {"a": {"params": CORRECT_A}, "d": {"params": D4_HREF}}),
        encoding="utf-8",
    )
    done = run_grader(
        "grade", str(subs), "--rubric", str(RUBRIC_PATH), "--out", str(out), "--jobs", "2"
    )
    assert done.returncode == 0, done.stderr
    assert_no_traceback(done.stderr)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 3  # index and one page per student
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.html", page.name) for page in pages)
    shown = ""
    ours = f"<script>{html_report.table_script().text}</script>"  # the overview's table script
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert html.count(ours) == (page.name == "index.html")
        html = html.replace(ours, "")
        assert_no_live_script(html)
        shown += "".join(live_markup(html).text)
    # The hostile text is shown to the reader as text, not dropped.
    for text in (D1, D2, D3, D4_HREF, D4_HTMLDATA, D5_NAME, "<script>alert(2)</script>"):
        assert text in shown, text
    assert files_under(out) <= {str(p.relative_to(out)) for p in pages} | {
        "students",
        "instructor",
        "instructor/grades.csv",
        "instructor/results.json",
        *(
            f"{folder}/fonts{name}"
            for folder in ("students", "instructor")
            for name in ("", "/STIXMath-Regular.woff2", "/OFL.txt")
        ),
        "gradebook.sqlite",
        "gradebook.sqlite-wal",
        "gradebook.sqlite-shm",
    }


def test_D6_a_template_named_feedback_j2_is_still_escaped():
    # An overlay: the project's settings (autoescape=True) with a loader of our own, leaving
    # the shared environment untouched.
    environment = html_report._environment().overlay(
        loader=DictLoader({"feedback.j2": "<p>{{ answer }}</p>"})
    )
    html = environment.get_template("feedback.j2").render(answer=D1)
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert_no_live_script(html)


# --- E: rubric YAML ---------------------------------------------------------------------------

RUBRIC_TEMPLATE = """\
id: HX-E
title: hostile rubric
symbols:
  P:
    meaning: a size
parts:
  a:
    marks: 1
    prompt: Count.
    items:
      params:
        type: count
        marks: 1
        ANSWER
"""
ANSWER_LINE = 14
ANSWER_KEY = "parts.a.items.params.answer"
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 10)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("answer", "line", "key", "message"),
    [
        pytest.param("answer: 'P + 1'", None, None, None, id="E0 the template itself loads"),
        pytest.param(
            'answer: !!python/object/apply:os.system ["touch SENTINEL"]',
            ANSWER_LINE,
            ANSWER_KEY,
            "YAML tag",
            id="E1 python/object/apply os.system",
        ),
        pytest.param(
            "answer: !!python/name:os.system",
            ANSWER_LINE,
            ANSWER_KEY,
            "YAML tag",
            id="E1 python/name",
        ),
        pytest.param(
            "answer: 0123", ANSWER_LINE, ANSWER_KEY, "the number 83", id="E2 0123 is octal"
        ),
        pytest.param(
            "answer: 1:30", ANSWER_LINE, ANSWER_KEY, "the number 90", id="E2 1:30 is sexagesimal"
        ),
        pytest.param(
            "answer: yes", ANSWER_LINE, ANSWER_KEY, "the boolean true", id="E2 yes is a boolean"
        ),
        pytest.param(
            "answer: 1.0e3",
            ANSWER_LINE,
            ANSWER_KEY,
            "unknown symbol e",
            id="E2 1.0e3 is not a number of this grammar",
        ),
        pytest.param(
            "answer: P+1\n        answer: P+2",
            ANSWER_LINE + 1,
            ANSWER_KEY,
            "duplicate key (first given at line 14)",
            id="E3 duplicate key",
        ),
        pytest.param(
            "answer: 'P'\n" + ALIAS_BOMB,
            None,
            None,
            "more than 50000 values",
            id="E4 alias bomb of 9 levels",
        ),
        pytest.param(
            "answer: '9**9**9'", ANSWER_LINE, ANSWER_KEY, TOO_LARGE, id="E5 rubric answer 9**9**9"
        ),
        pytest.param(
            "answer: 'P^1000'", ANSWER_LINE, ANSWER_KEY, TOO_LARGE, id="E5 rubric answer P^1000"
        ),
        pytest.param(
            'answer: \'__import__("os").system("touch SENTINEL")\'',
            ANSWER_LINE,
            ANSWER_KEY,
            "not allowed",
            id="E5 rubric answer with code",
        ),
    ],
)
def test_hostile_rubric_is_refused_with_file_line_and_key(answer, line, key, message, tmp_path):
    sentinel = tmp_path / "grader_pwned"
    path = tmp_path / "rubric.yaml"
    path.write_text(
        RUBRIC_TEMPLATE.replace("ANSWER", with_sentinel(answer, sentinel)), encoding="utf-8"
    )
    if message is None:
        assert load_rubric(path).items["a.params"].marks == 1
        return
    with pytest.raises(RubricError) as raised:
        load_rubric(path)
    error = str(raised.value)
    assert str(path) in error
    if line is not None:
        assert f"{path}:{line}: {key}:" in error, error
    else:
        assert re.search(rf"{re.escape(str(path))}:\d+: \S+:", error), error
    assert message in error, error
    assert_no_traceback(error)
    assert not sentinel.exists()


def test_E5_a_formula_rubric_answer_goes_through_the_size_gate(tmp_path):
    path = tmp_path / "formula-rubric.yaml"
    path.write_text(
        "id: HX-E5\ntitle: formula\nsymbols:\n  P: {meaning: p}\n  C: {meaning: c}\n"
        "  D: {meaning: d}\nparts:\n  a:\n    marks: 1\n    prompt: Formula.\n    items:\n"
        "      formula:\n        type: formula\n        marks: 1\n"
        "        input: {name: x, shape: [P, C]}\n        output: {name: y, shape: [P, D]}\n"
        "        answer: 'y_{i,k} = \\sum_{l=1}^{999999999} w_{l,k} x_{i,l}'\n",
        encoding="utf-8",
    )
    with pytest.raises(RubricError) as raised:
        load_rubric(path)
    assert f"{path}:17: parts.a.items.formula.answer:" in str(raised.value)


# --- F: submission folders --------------------------------------------------------------------


def good_submission(student: str) -> str:
    return submission_yaml(student, {"a": {"params": CORRECT_A}})


@pytest.fixture
def hostile_folder(tmp_path):
    """A folder of submissions: good ones, and every kind of bad file of the plan."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "good.yaml").write_text(good_submission("good-student"), encoding="utf-8")
    (subs / "passwd.yaml").symlink_to("/etc/passwd")  # F3
    (subs / "zero.yaml").symlink_to("/dev/zero")  # F4
    os.mkfifo(subs / "fifo.yaml")  # F5
    with open(subs / "huge.yaml", "wb") as handle:  # F6, sparse: cheap to make
        handle.truncate(20 * 2**20)
    (subs / "latin1.yaml").write_bytes(b"student: caf\xe9\n")  # F7
    (subs / "utf16.yaml").write_bytes("student: utf16\n".encode("utf-16"))  # with its mark
    (subs / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + good_submission("bom-student").encode())
    (subs / f"{D5_NAME}.yaml").write_text(good_submission("html-name"), encoding="utf-8")
    (subs / "UPPER.YAML").write_text(good_submission("upper-case-suffix"), encoding="utf-8")
    # Half of a UTF-16 pair, which an escape of a double-quoted text can name, failed the
    # writing of the gradebook and the whole batch with it.
    # (json.dumps writes it as the escape \ud800.)
    (subs / "half-pair.yaml").write_text(good_submission("half\ud800"), encoding="utf-8")
    # A name that is not UTF-8 went into the gradebook, whose writing failed the batch.
    (subs / os.fsdecode(b"not-utf8-\xff.yaml")).write_text(good_submission("x"), "utf-8")
    # Control characters in an id went into grades.csv (an LMS export's were refused).
    for name, student in (("nul", "a\x00b"), ("newline", "a\nb"), ("escape", "\x1b[31mred")):
        (subs / f"control-{name}.yaml").write_text(good_submission(student), "utf-8")
    (subs / "alice.yaml").write_text(good_submission("alice"), encoding="utf-8")  # F8
    (subs / "Alice.yaml").write_text(good_submission("Alice"), encoding="utf-8")
    (subs / "frank.yaml").write_text(good_submission("frank"), encoding="utf-8")
    (subs / "frank-again.yaml").write_text(good_submission("frank"), encoding="utf-8")
    with zipfile.ZipFile(subs / "archive.zip", "w") as archive:  # F1, F2
        archive.writestr("../../grader_pwned.txt", "pwned")
        archive.writestr(str(tmp_path / "absolute_pwned.txt"), "pwned")
        archive.writestr("zipped.yaml", good_submission("zipped-student"))
    return subs


REFUSED_FILES = [
    ("passwd.yaml", "is a symbolic link"),
    ("zero.yaml", "is a symbolic link"),
    ("fifo.yaml", "is not a regular file"),
    ("huge.yaml", "the limit is 1000000"),
    ("latin1.yaml", "is not valid UTF-8"),
    ("utf16.yaml", "is UTF-16 text, not UTF-8"),
    ("half-pair.yaml", "half of a UTF-16 pair"),
    ("not-utf8-\ufffd.yaml", "its name is not valid UTF-8"),
    ("control-nul.yaml", "holds a control character or a line break"),
    ("control-newline.yaml", "holds a control character or a line break"),
    ("control-escape.yaml", "holds a control character or a line break"),
]


@pytest.fixture
def graded_folder(hostile_folder):
    tmp_path = hostile_folder.parent
    cwd, out = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    before = files_under(tmp_path)
    done = run_grader(
        "grade",
        str(hostile_folder),
        "--rubric",
        str(RUBRIC_PATH),
        "--out",
        str(out),
        "--json",
        str(out / "all.json"),
        "--jobs",
        "2",
        cwd=cwd,
    )
    return done, tmp_path, before


def test_F_a_hostile_folder_is_graded_and_every_bad_file_reported(graded_folder):
    done, tmp_path, before = graded_folder
    out = tmp_path / "out"
    assert done.returncode == 0, done.stderr
    assert_no_traceback(done.stderr)
    graded = {r["student"] for r in json.loads((out / "all.json").read_text())["results"]}
    assert {"good-student", "bom-student", "html-name", "frank", "upper-case-suffix"} <= graded
    assert len(graded & {"alice", "Alice"}) == 1  # one student, whatever the case (F8)
    assert "zipped-student" not in graded  # archives are not read
    errors = done.stderr.splitlines()
    for name, reason in REFUSED_FILES:
        assert any(name in line and reason in line for line in errors) or re.search(
            rf"{re.escape(name)}[^\n]*\n[^\n]*{re.escape(reason)}", done.stderr
        ), (name, done.stderr)
    duplicates = [line for line in errors if "it claims student 'frank'" in line]
    assert len(duplicates) == 1, done.stderr  # one of frank.yaml and frank-again.yaml
    assert "neither is graded until an instructor decides" in duplicates[0]
    assert "error: no submission" not in done.stderr
    # Nothing was read through a link, nothing extracted, nothing written outside --out.
    for page in out.iterdir():
        if page.suffix in (".html", ".json", ".csv"):
            assert "root:x:0:0" not in page.read_text(encoding="utf-8")
    assert files_under(tmp_path) - before == {"out"} | {f"out/{name}" for name in files_under(out)}
    assert not any((tmp_path / "cwd").iterdir())
    for place in (tmp_path / "subs", tmp_path / "cwd", ROOT):
        assert not (place / ".." / ".." / "grader_pwned.txt").resolve().exists()
    assert not (tmp_path / "absolute_pwned.txt").exists()


def test_F8_students_equal_after_case_folding_are_reported(graded_folder):
    done, _, _ = graded_folder
    assert re.search(r"(?i)it claims student 'alice'[^\n]*\(written 'alice'\)", done.stderr), (
        done.stderr
    )


# --- G: the gradebook -------------------------------------------------------------------------

TABLES = {"runs", "submissions", "item_results", "overrides", "check_cache", "failures"}


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def test_G1_a_student_id_with_sql_is_stored_verbatim(tmp_path):
    bobby = "Robert'); DROP TABLE grades;--"
    subs, db = tmp_path / "subs", tmp_path / "gradebook.sqlite"
    subs.mkdir()
    (subs / f"{bobby}.yaml").write_text(good_submission(bobby), encoding="utf-8")
    (subs / "other.yaml").write_text(good_submission("other"), encoding="utf-8")
    done = run_grader(
        "grade", str(subs), "--rubric", str(RUBRIC_PATH), "--db", str(db), "--jobs", "1"
    )
    assert done.returncode == 0, done.stderr
    assert tables(db) >= TABLES
    with sqlite3.connect(db) as connection:
        students = {s for (s,) in connection.execute("SELECT student FROM submissions")}
        rows = connection.execute(
            "SELECT item_id, verdict FROM item_results WHERE student = ?", (bobby,)
        ).fetchall()
    assert students == {bobby, "other"}
    assert len(rows) == len(RUBRIC.items)
    assert ("a.params", "correct") in rows
    assert integrity(db) == "ok"


def test_G3_two_grader_processes_on_one_gradebook_both_succeed(tmp_path):
    db = tmp_path / "gradebook.sqlite"
    folders = []
    for run in range(2):
        folder = tmp_path / f"batch{run}"
        folder.mkdir()
        for n in range(6):
            (folder / f"s{n}.yaml").write_text(good_submission(f"run{run}-s{n}"), "utf-8")
        (folder / "shared.yaml").write_text(good_submission("shared-student"), "utf-8")
        folders.append(folder)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grader",
                "grade",
                str(folder),
                "--rubric",
                str(RUBRIC_PATH),
                "--db",
                str(db),
                "--jobs",
                "1",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in folders
    ]
    for process in processes:
        try:
            _, err = process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        assert process.returncode == 0, err
        assert "locked" not in err
        assert_no_traceback(err)
    with sqlite3.connect(db) as connection:
        runs = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        students = connection.execute("SELECT student FROM submissions").fetchall()
        items = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT student || '/' || item_id) FROM item_results"
        ).fetchone()
    assert runs == 2
    assert len(students) == len(set(students)) == 13
    assert items == (13 * len(RUBRIC.items),) * 2
    assert integrity(db) == "ok"


@pytest.fixture
def unwritable_db(tmp_path):
    """A gradebook path in a directory no file can be created in. Root ignores permission
    bits, so as root the directory is /proc, where nobody can create a file."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder / "gradebook.sqlite"
        folder.chmod(0o755)
    else:
        yield Path("/proc") / f"grader-{os.getpid()}-{tmp_path.name}.sqlite"


def grade_into(db: Path, out: Path):
    return run_grader(
        "grade",
        str(ROOT / "submissions" / "22-52-q4" / "seed-student-1.yaml"),
        "--rubric",
        str(RUBRIC_PATH),
        "--db",
        str(db),
        "--out",
        str(out),
        "--jobs",
        "1",
    )


def test_G4_a_gradebook_that_cannot_be_written_is_a_clear_error(unwritable_db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("previous report", encoding="utf-8")
    done = grade_into(unwritable_db, out)
    assert done.returncode != 0
    assert_no_traceback(done.stderr)
    assert done.stderr.startswith("error: ") and "gradebook" in done.stderr, done.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "previous report"
    assert files_under(out) == {"index.html"}
    if unwritable_db.exists():
        assert integrity(unwritable_db) == "ok"


def test_G4_the_error_names_the_gradebook_file(unwritable_db, tmp_path):
    done = grade_into(unwritable_db, tmp_path / "out")
    assert str(unwritable_db) in done.stderr, done.stderr


def die_on_marker(task: Task):
    if task.text == "KILL-ME":
        os.kill(os.getpid(), signal.SIGKILL)
    return _grade_in_worker(task)


def test_G5_a_killed_worker_is_stored_as_error_and_the_batch_goes_on(tmp_path):
    subs, db = tmp_path / "subs", tmp_path / "gradebook.sqlite"
    subs.mkdir()
    (subs / "a-victim.yaml").write_text(
        submission_yaml("victim", {"a": {"params": "KILL-ME"}, "b": {"params": "9CD + D"}}),
        encoding="utf-8",
    )
    for n in range(3):
        (subs / f"s{n}.yaml").write_text(good_submission(f"s{n}"), encoding="utf-8")
    connection = gradebook.connect(db)
    try:
        run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
        with BoundedChecker(
            RUBRIC, jobs=1, timeout=30, memory_mb=1024, work=die_on_marker
        ) as bounded:
            batch = grade_paths(
                RUBRIC,
                [subs],
                on_result=lambda result: gradebook.store_submission(
                    connection, run_id, RUBRIC.id, result
                ),
                checker=gradebook.CachedChecker(bounded, connection, RUBRIC),
            )
    finally:
        connection.close()
    assert not batch.failures
    assert len(batch.results) == 4
    with sqlite3.connect(db) as stored:
        rows = dict(
            ((student, item), verdict)
            for student, item, verdict in stored.execute(
                "SELECT student, item_id, verdict FROM item_results"
            )
        )
        cached = stored.execute("SELECT answer FROM check_cache").fetchall()
    assert rows[("victim", "a.params")] == "error"
    assert rows[("victim", "b.params")] == "correct"
    assert all(rows[(f"s{n}", "a.params")] == "correct" for n in range(3))
    assert ("KILL-ME",) not in cached  # an error is never reused from the cache
    assert integrity(db) == "ok"
