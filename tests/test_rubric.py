"""Rubric loading: the bundled 22-52-Q4 rubric, and a table of broken rubrics.

Every broken rubric is a targeted edit of MINIMAL (one part, one count item), so each case has
one problem where that is possible, and each must be refused with a `RubricError` that names
the file, the line and the key path, and says what is wrong.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sympy

ROOT = Path(__file__).resolve().parent.parent

from grader.errors import RubricError  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402

RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
PWNED = Path("/tmp/grader_pwned")

MINIMAL = """\
id: T-1
title: A minimal question
symbols:
  P:
    meaning: the height of the feature maps
    example: 4
  C:
    meaning: the number of input channels
    example: 2
  D:
    meaning: the number of output channels
    example: 5
parts:
  a:
    marks: 2
    prompt: How many parameters does a 1x1 convolution have?
    items:
      params:
        type: count
        marks: 2
        answer: 'CD + D'
        bias: 'D'
        partial_credit:
          bias_missing: 1
        misconceptions:
          - answer: '9CD + D'
            feedback: That is the count of a 3x3 convolution.
            marks: 0
"""

ITEM = "parts.a.items.params"
REFERENCE = "answer: 'CD + D'"


def edit(old: str, new: str, text: str = MINIMAL) -> str:
    """MINIMAL with `old` (which must occur exactly once) replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `needle`."""
    lines = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[nth - 1]


def write(tmp_path: Path, content: str | bytes, name: str = "rubric.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def refuse(path: Path) -> str:
    """Load `path`, which must be refused; the report must name the file."""
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    report = str(caught.value)
    assert str(path) in report, report
    assert "Traceback" not in report
    return report


# --- the bundled rubric ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(RUBRIC_PATH)


def test_the_bundled_rubric_has_the_question_id_items_and_marks(rubric):
    assert rubric.id == "22-52-Q4"
    assert list(rubric.items) == [
        "a.formula",
        "a.params",
        "b.formula",
        "b.params",
        "c.formula",
        "c.params",
        "d.formula",
        "d.params",
        "e.formula",
        "e.explanation",
    ]
    assert [part.key for part in rubric.parts] == ["a", "b", "c", "d", "e"]
    assert [part.marks for part in rubric.parts] == [5, 5, 5, 5, 5]
    assert rubric.max_total == 25
    for part in rubric.parts:
        assert sum(item.marks for item in part.items) == part.marks
    assert {item.type for item in rubric.items.values() if item.key == "params"} == {"count"}
    assert {item.type for item in rubric.items.values() if item.key == "formula"} == {"formula"}
    assert rubric.items["e.explanation"].type == "text"


def test_the_bundled_symbols_are_positive_integers_with_example_sizes(rubric):
    assert [spec.name for spec in rubric.symbols] == ["P", "Q", "C", "D"]
    assert [spec.example for spec in rubric.symbols] == [4, 3, 2, 5]
    for symbol in rubric.symbol_table.values():
        assert symbol.is_positive and symbol.is_integer


def test_the_bundled_count_references_read_as_the_right_sympy_values(rubric):
    P, Q, C, D = (rubric.symbol_table[name] for name in "PQCD")
    expected = {
        "a.params": (P * Q * C * P * Q * D + P * Q * D, P * Q * D),
        "b.params": (9 * C * D + D, D),
        "c.params": (C * D + D, D),
        "d.params": (C * D, D),
    }
    for item_id, (answer, bias) in expected.items():
        item = rubric.items[item_id]
        assert sympy.expand(item.reference.expr - answer) == 0, item_id
        assert len(item.reference.sides) == 1
        assert sympy.expand(item.spec.bias.expr - bias) == 0, item_id
    assert rubric.items["a.params"].reference.interpretation == "P·Q·C·(P·Q·D) + P·Q·D"
    assert rubric.items["d.params"].spec.bias_included is False
    assert rubric.items["a.params"].spec.bias_included is True
    # A count is right or wrong: no partial credit (a formula without its bias earns some).
    assert rubric.items["a.params"].partial_credit == {}
    assert rubric.items["a.formula"].partial_credit == {"bias_missing": 2}
    # Misconceptions are read by the same parser: P*P*C*D + P*Q*D is the seed student's count.
    first = rubric.items["a.params"].misconceptions[0]
    assert sympy.expand(first.reading.expr - (P**2 * C * D + P * Q * D)) == 0
    assert first.marks == 0 and "P·P" in first.feedback
    # Formula items read their answer as a formula, not as a count.
    assert rubric.items["e.formula"].reference.reading.startswith("Y = X·W")
    assert rubric.items["e.formula"].answer_text == "Y = XW"


def test_the_minimal_rubric_of_this_file_is_valid(tmp_path):
    loaded = load_rubric(write(tmp_path, MINIMAL))
    assert loaded.id == "T-1"
    assert list(loaded.items) == ["a.params"]
    assert loaded.max_total == 2
    C, D = loaded.symbol_table["C"], loaded.symbol_table["D"]
    assert loaded.items["a.params"].reference.expr == C * D + D


def test_a_plain_whole_number_answer_is_accepted_as_written(tmp_path):
    text = edit("answer: 'CD + D'", "answer: 600")
    item = load_rubric(write(tmp_path, text)).items["a.params"]
    assert item.answer_text == "600"
    assert item.reference.expr == 600


# --- broken rubrics --------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """A broken rubric: its text, where the problem is, and what must be said about it."""

    content: str | bytes
    needle: str | None  # text on the reported line (its first occurrence); None: any or none
    key: str  # the key path in the report ("" for a problem of the whole file)
    messages: tuple[str, ...]  # all must appear in the report
    nth: int = 1  # which occurrence of `needle` is the reported line


ALIAS_BOMB = "lol0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"lol{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]\n" for n in range(1, 10)
)

BROKEN = {
    # Found by a rubric author: an item's key indented as an item of the part was "expected a
    # mapping of keys to values, found a list", which says nothing of the indentation.
    "an item's key indented as an item is said to be one": Broken(
        edit(
            "        misconceptions:\n          - answer: '9CD + D'\n            feedback: That"
            " is the count of a 3x3 convolution.\n            marks: 0\n",
            "      misconceptions:\n        - answer: '9CD + D'\n          feedback: That is the"
            " count of a 3x3 convolution.\n          marks: 0\n",
        ),
        "      misconceptions:",
        "parts.a.items.misconceptions",
        (
            "misconceptions is a key of an item, not an item of the part: indent it under the "
            "item it belongs to (params, above it)",
        ),
    ),
    "an unknown part key is named with a did-you-mean suggestion": Broken(
        edit("    marks: 2\n    prompt", "    marsk: 2\n    prompt"),
        "marsk",
        "parts.a.marsk",
        ("unknown key; did you mean marks?",),
    ),
    "an unknown top-level key is named with a did-you-mean suggestion": Broken(
        edit("title: A minimal question", "titel: A minimal question"),
        "titel",
        "titel",
        ("unknown key; did you mean title?",),
    ),
    "an unknown misconception key is named with a did-you-mean suggestion": Broken(
        edit("feedback: That", "feedbak: That"),
        "feedbak",
        f"{ITEM}.misconceptions[0].feedbak",
        ("unknown key; did you mean feedback?",),
    ),
    "item marks written as a word are not a number": Broken(
        edit("        marks: 2\n", "        marks: five\n"),
        "marks: five",
        f"{ITEM}.marks",
        ("expected a number, found the text 'five'",),
    ),
    "part marks written as yes are a boolean, not a number": Broken(
        edit("    marks: 2\n    prompt", "    marks: yes\n    prompt"),
        "marks: yes",
        "parts.a.marks",
        ("expected a number, found the boolean true",),
    ),
    "an item type given as a number is not text": Broken(
        edit("type: count", "type: 3"),
        "type: 3",
        f"{ITEM}.type",
        ("expected text, found the number 3",),
    ),
    "symbols given as a list are not a mapping": Broken(
        edit(
            "symbols:\n  P:\n    meaning: the height of the feature maps\n    example: 4\n"
            "  C:\n    meaning: the number of input channels\n    example: 2\n"
            "  D:\n    meaning: the number of output channels\n    example: 5\n",
            "symbols: [P, C, D]\n",
        ),
        "symbols:",
        "symbols",
        ("expected a mapping, found a list",),
    ),
    "a missing id is required": Broken(edit("id: T-1\n", ""), "title:", "id", ("is required",)),
    "missing symbols are required": Broken(
        edit(
            "symbols:\n  P:\n    meaning: the height of the feature maps\n    example: 4\n"
            "  C:\n    meaning: the number of input channels\n    example: 2\n"
            "  D:\n    meaning: the number of output channels\n    example: 5\n",
            "",
        ),
        "id: T-1",
        "symbols",
        ("is required",),
    ),
    "missing parts are required": Broken(
        MINIMAL[: MINIMAL.index("parts:")], "id: T-1", "parts", ("is required",)
    ),
    "an item without an answer is refused at the item's line": Broken(
        edit("        answer: 'CD + D'\n", ""), "params:", f"{ITEM}.answer", ("is required",)
    ),
    "an item without marks is refused at the item's line": Broken(
        edit("        marks: 2\n", ""), "params:", f"{ITEM}.marks", ("is required",)
    ),
    "an item without a type is refused at the item's line": Broken(
        edit("        type: count\n", ""), "params:", f"{ITEM}.type", ("is required",)
    ),
    "a part without marks is refused": Broken(
        edit("    marks: 2\n    prompt", "    prompt"), "prompt:", "parts.a.marks", ("is required",)
    ),
    "a misconception without feedback is refused": Broken(
        edit("            feedback: That is the count of a 3x3 convolution.\n", ""),
        "- answer: '9CD + D'",
        f"{ITEM}.misconceptions[0].feedback",
        ("is required",),
    ),
    "an unknown item type is named with the types allowed": Broken(
        edit("type: count", "type: essay"),
        "type: essay",
        f"{ITEM}.type",
        ("unknown item type 'essay'", "count, formula, text"),
    ),
    "an answer that cannot be read is quoted as written, one backslash a backslash": Broken(
        edit("answer: 'CD + D'", "answer: '\\frac{CD}{ + D'"),
        "frac",
        f"{ITEM}.answer",
        ("cannot read '\\frac{CD}{ + D': ",),
    ),
    "an unknown assumption is named with the assumptions allowed": Broken(
        edit("    example: 4\n", "    example: 4\n    assumptions: [positive, fuzzy]\n"),
        "fuzzy",
        "symbols.P.assumptions",
        ("unknown assumption 'fuzzy'", "positive"),
    ),
    "a reference using an undeclared symbol names the symbol": Broken(
        edit("answer: 'CD + D'", "answer: 'P*X'"),
        "P*X",
        f"{ITEM}.answer",
        ("cannot read 'P*X'", "unknown symbol X"),
    ),
    "a misconception using an undeclared symbol names the symbol": Broken(
        edit("answer: '9CD + D'", "answer: '9CK + D'"),
        "9CK",
        f"{ITEM}.misconceptions[0].answer",
        ("unknown symbol K",),
    ),
    "an unreadable reference is refused with the parser's reason": Broken(
        edit("answer: 'CD + D'", "answer: '9CD+'"),
        "9CD+",
        f"{ITEM}.answer",
        ("cannot read '9CD+'", "ends too early"),
    ),
    "an unreadable bias is refused": Broken(
        edit("bias: 'D'", "bias: 'D)'"), "bias: 'D)'", f"{ITEM}.bias", ("cannot read 'D)'",)
    ),
    "a reference that is a chain a = b is refused": Broken(
        edit("answer: 'CD + D'", "answer: 'CD + D = D(C + 1)'"),
        "CD + D = D(C + 1)",
        f"{ITEM}.answer",
        ("one expression, not a chain",),
    ),
    "a reference 9**9**9 is refused as too large": Broken(
        edit("answer: 'CD + D'", "answer: '9**9**9'"),
        "9**9**9",
        f"{ITEM}.answer",
        ("too large",),
    ),
    "a duplicate answer key names the line of the first": Broken(
        edit("        bias: 'D'\n", "        bias: 'D'\n        answer: 'CD'\n"),
        "        answer: 'CD'",
        f"{ITEM}.answer",
        (f"duplicate key (first given at line {line_of(MINIMAL, REFERENCE)})",),
    ),
    "a plain 0123 is octal 83 in YAML 1.1 and must be quoted": Broken(
        edit("answer: 'CD + D'", "answer: 0123"),
        "answer: 0123",
        f"{ITEM}.answer",
        ("YAML reads '0123' as the number 83", "quote it: answer: '0123'"),
    ),
    "a plain yes is a boolean in YAML 1.1 and must be quoted": Broken(
        edit("answer: 'CD + D'", "answer: yes"),
        "answer: yes",
        f"{ITEM}.answer",
        ("as the boolean true", "quote it: answer: 'yes'"),
    ),
    "a plain 1:30 is base-60 90 in YAML 1.1 and must be quoted": Broken(
        edit("answer: 'CD + D'", "answer: 1:30"),
        "answer: 1:30",
        f"{ITEM}.answer",
        ("as the number 90", "quote it: answer: '1:30'"),
    ),
    # PyYAML (YAML 1.1) only reads a float with a signed exponent, so 1.0e3 stays the text
    # '1.0e3': quoting would change nothing, and the maths parser refuses the unknown e.
    "a plain 1.0e3 is refused": Broken(
        edit("answer: 'CD + D'", "answer: 1.0e3"),
        "answer: 1.0e3",
        f"{ITEM}.answer",
        ("cannot read '1.0e3'", "unknown symbol e"),
    ),
    "a plain 1.0e+3 is a float in YAML 1.1 and must be quoted": Broken(
        edit("answer: 'CD + D'", "answer: 1.0e+3"),
        "answer: 1.0e+3",
        f"{ITEM}.answer",
        ("as the number 1000.0", "quote it: answer: '1.0e+3'"),
    ),
    "a plain date is a timestamp in YAML 1.1 and must be quoted": Broken(
        edit("answer: '9CD + D'", "answer: 2001-01-01"),
        "2001-01-01",
        f"{ITEM}.misconceptions[0].answer",
        ("YAML reads '2001-01-01'", "quote it"),
    ),
    "a python object tag is refused and never runs": Broken(
        edit(
            "answer: 'CD + D'",
            'answer: !!python/object/apply:os.system ["touch /tmp/grader_pwned"]',
        ),
        "python/object",
        f"{ITEM}.answer",
        ("YAML tag", "python/object/apply:os.system", "is not allowed"),
    ),
    "an alias bomb is refused at once": Broken(
        MINIMAL + ALIAS_BOMB, None, "", ("more than 50000 values",)
    ),
    "item marks that do not add up to the part's marks are refused": Broken(
        edit("    marks: 2\n    prompt", "    marks: 5\n    prompt"),
        "  a:",
        "parts.a.marks",
        ("the part has 5 marks but its items add up to 2",),
    ),
    "a misconception earning the item's marks is refused": Broken(
        edit("            marks: 0\n", "            marks: 2\n"),
        "- answer: '9CD + D'",
        f"{ITEM}.misconceptions[0].marks",
        ("must earn less than the item's 2 marks",),
    ),
    "negative misconception marks are refused": Broken(
        edit("            marks: 0\n", "            marks: -1\n"),
        "marks: -1",
        f"{ITEM}.misconceptions[0].marks",
        ("must not be negative",),
    ),
    "partial credit for an unknown diagnosis is refused with a suggestion": Broken(
        edit("bias_missing: 1", "bias_mising: 1"),
        "bias_mising",
        f"{ITEM}.partial_credit.bias_mising",
        ("unknown key; did you mean bias_missing?",),
    ),
    "partial credit earning the item's marks is refused": Broken(
        edit("bias_missing: 1", "bias_missing: 2"),
        "bias_missing: 2",
        f"{ITEM}.partial_credit.bias_missing",
        ("must be less than the item's 2 marks",),
    ),
    "invalid YAML syntax is refused with its line": Broken(
        edit("    prompt: How many", "    prompt: [How many"),
        "prompt: [How many",
        "",
        ("is not valid YAML", "expected ',' or ']'"),
    ),
    "a list instead of a mapping at the top is refused": Broken(
        "- id: T-1\n- parts: {}\n", "- id: T-1", "", ("expected a mapping of keys to values",)
    ),
    "an empty file is refused": Broken("", None, "", ("is empty",)),
    "a file of only comments is refused as empty": Broken(
        "# nothing here\n", None, "", ("is empty",)
    ),
    "a file that is not UTF-8 is refused with the line of the bad byte": Broken(
        MINIMAL.replace("A minimal question", "Une question \xe9l\xe9mentaire").encode("latin-1"),
        "title:",
        "",
        ("is not valid UTF-8", "save it as UTF-8"),
    ),
}


# Rubrics built to exhaust the loader: a regression would not fail, it would hang. They are
# loaded in a child process, whose generous timeout only keeps a hang from stalling the run.
EXHAUSTING = ("a reference 9**9**9 is refused as too large", "an alias bomb is refused at once")


def refuse_in_child(path: Path) -> str:
    """`refuse`, through `grader rubric check` in a fresh Python: the report it prints."""
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "rubric", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert completed.returncode == 3, (completed.returncode, completed.stderr)
    report = completed.stderr
    assert str(path) in report, report
    assert "Traceback" not in report
    return report


@pytest.mark.parametrize("case", list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_rubric_is_refused_naming_file_line_and_key(tmp_path, case):
    PWNED.unlink(missing_ok=True)
    if case.content != "" and not isinstance(case.content, bytes):
        assert case.content != MINIMAL
    path = write(tmp_path, case.content)
    exhausting = any(case is BROKEN[name] for name in EXHAUSTING)
    report = refuse_in_child(path) if exhausting else refuse(path)
    for message in case.messages:
        assert message in report, report
    if case.needle is None:  # no line, or one that depends on how far reading got
        where = f"  {path}:"
    else:
        text = case.content.decode("latin-1") if isinstance(case.content, bytes) else case.content
        where = f"  {path}:{line_of(text, case.needle, case.nth)}:"
    prefix = f"{where} {case.key}:" if case.key else where
    problem_lines = [line for line in report.splitlines() if line.startswith(prefix)]
    assert any(case.messages[0] in line for line in problem_lines), (prefix, report)
    assert not PWNED.exists()


def test_a_missing_file_is_refused(tmp_path):
    report = refuse(tmp_path / "absent.yaml")
    assert "cannot read it" in report and "No such file" in report


def test_a_folder_is_refused(tmp_path):
    assert "is not a regular file" in refuse(tmp_path)


def test_a_file_over_one_megabyte_is_refused(tmp_path):
    path = write(tmp_path, MINIMAL + "# " + "x" * 1_000_000 + "\n")
    assert "the limit is 1000000" in refuse(path)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("        misconceptions:\n", "        misconception:\n"),
        (  # the list indented as an item of the part
            "        misconceptions:\n          - answer: '9CD + D'\n            feedback: That"
            " is the count of a 3x3 convolution.\n            marks: 0\n",
            "      misconceptions:\n        - answer: '9CD + D'\n          feedback: That is the"
            " count of a 3x3 convolution.\n          marks: 0\n",
        ),
    ],
    ids=["misconception for misconceptions", "misconceptions indented as an item"],
)
def test_a_slip_in_misconceptions_is_one_problem_not_one_a_test(tmp_path, old, new):
    # Found by a rubric author: each test naming a misconception added "a.params has 0
    # misconceptions; number them from 1" to the one problem that caused it.
    tests = (
        "tests:\n"
        + "  - {item: a.params, answer: '9CD + D', verdict: incorrect, misconception: 1}\n" * 3
    )
    report = refuse(write(tmp_path, edit(old, new) + tests))
    assert report.splitlines()[0].endswith("has 1 problem:"), report
    assert "has 0 misconceptions" not in report


def test_several_problems_in_one_file_are_reported_together(tmp_path):
    text = edit("title: A minimal question", "titel: A minimal question")
    text = edit("        marks: 2\n", "        marks: five\n", text)
    text = edit("    example: 4\n", "    example: 4\n    assumptions: [fuzzy]\n", text)
    path = write(tmp_path, text)
    report = refuse(path)
    assert report.splitlines()[0] == f"rubric {path} has 3 problems:"
    assert f"{path}:{line_of(text, 'titel')}: titel: unknown key; did you mean title?" in report
    assert f"{path}:{line_of(text, 'marks: five')}: {ITEM}.marks: expected a number" in report
    assert f"{path}:{line_of(text, 'fuzzy')}: symbols.P.assumptions: unknown assumption" in report
    # in the order of the file's lines (found by a rubric author: they were in the order found)
    lines = [int(line.split(":")[1]) for line in report.splitlines()[1:]]
    assert lines == sorted(lines) == [line_of(text, w) for w in ("titel", "fuzzy", "five")]


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        (("answer: 'CD + D'", "answer: 0123"), "YAML reads '0123' as the number 83"),
        (("answer: 'CD + D'", "answer: 'CD + E'"), "unknown symbol E"),
        (("marks: 2\n        answer", "marks: two\n        answer"), "expected a number"),
    ],
    ids=["an unquoted number", "an undeclared symbol", "marks not a number"],
)
def test_the_tests_of_an_item_with_a_problem_are_not_said_to_be_of_an_unknown_item(
    tmp_path, broken, said
):
    # Found by a new user: one unquoted answer gave its problem, then "unknown item" once for
    # each test of the item.
    tests = "tests:\n" + "  - {item: a.params, answer: 'CD + D', verdict: correct}\n" * 3
    path = write(tmp_path, edit(*broken) + tests)
    report = refuse(path)
    assert report.splitlines()[0] == f"rubric {path} has 1 problem:", report
    assert said in report and "unknown item" not in report


def test_an_unknown_item_in_a_test_is_said_with_the_item_it_is_close_to(tmp_path):
    path = write(
        tmp_path, MINIMAL + "tests:\n  - {item: a.parmas, answer: 'C', verdict: correct}\n"
    )
    assert "tests[0].item: unknown item 'a.parmas'; did you mean a.params?" in refuse(path)


def test_the_error_carries_each_problem_with_its_line_and_key(tmp_path):
    text = edit("type: count", "type: essay")
    path = write(tmp_path, text)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    [problem] = caught.value.problems
    assert problem.line == line_of(text, "type: essay")
    assert problem.key == f"{ITEM}.type"
    assert caught.value.exit_code == 3


def test_the_python_tag_payload_is_never_run_even_in_a_misconception(tmp_path):
    PWNED.unlink(missing_ok=True)
    text = edit(
        "answer: '9CD + D'",
        'answer: !!python/object/apply:os.system ["touch /tmp/grader_pwned"]',
    )
    assert "is not allowed" in refuse(write(tmp_path, text))
    assert not PWNED.exists()


# --- found while writing these tests ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [".nan", ".inf"],
    ids=["item marks of .nan are not a usable number", "item marks of .inf are not finite"],
)
def test_marks_that_are_not_finite_numbers_are_refused(tmp_path, value):
    # Both the part and the item: with the same non-finite marks no sum can look wrong.
    text = edit("        marks: 2\n", f"        marks: {value}\n")
    text = edit("    marks: 2\n    prompt", f"    marks: {value}\n    prompt", text)
    path = write(tmp_path, text)
    report = refuse(path)
    assert f"{path}:{line_of(text, f'        marks: {value}')}: {ITEM}.marks:" in report, report


@pytest.mark.parametrize(
    "extra",
    ["extra: &loop [*loop]\n", "extra: &loop {again: *loop}\n"],
    ids=["a list that contains itself", "a mapping that contains itself"],
)
def test_a_self_referencing_alias_is_a_rubric_error_not_a_crash(tmp_path, extra):
    path = write(tmp_path, MINIMAL + extra)
    report = refuse(path)  # fails if anything but RubricError (e.g. RecursionError) escapes
    assert f"{path}:{line_of(MINIMAL + extra, 'extra:')}:" in report


def test_a_bad_example_size_is_reported_at_its_own_line(tmp_path):
    text = edit("example: 4", "example: 0")
    path = write(tmp_path, text)
    report = refuse(path)
    assert "symbols.P.example: must be a positive integer" in report
    # The line of `example: 0`, not the first line of the symbol's mapping (`meaning:`).
    assert f"{path}:{line_of(text, 'example: 0')}: symbols.P.example:" in report, report
