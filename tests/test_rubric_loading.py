"""Loading a rubric: the bundled one, and every kind of broken one, named by file, line and key."""

import os
from pathlib import Path

import pytest
import sympy

from grader.errors import RubricError
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent

VALID = """\
id: T-1
title: A test question
symbols:
  C: {meaning: input channels, example: 2}
  D: {meaning: output channels, example: 5}
parts:
  a:
    marks: 2
    prompt: How many parameters?
    items:
      params:
        type: count
        marks: 2
        answer: 'CD + D'
        bias: 'D'
        misconceptions:
          - answer: '9CD + D'
            feedback: a 3x3 count
            marks: 0
"""


def test_the_bundled_rubric_encodes_the_whole_question():
    rubric = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
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
    assert [part.marks for part in rubric.parts] == [5] * 5 and rubric.max_total == 25
    P, Q, C, D = (rubric.symbol_table[n] for n in "PQCD")
    assert sympy.expand(rubric.items["a.params"].reference.expr) == P**2 * Q**2 * C * D + P * Q * D
    assert rubric.items["b.params"].reference.expr == 9 * C * D + D
    assert rubric.items["d.params"].spec.bias_included is False


def test_a_minimal_rubric_loads(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert load_rubric(path).items["a.params"].marks == 2


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


BROKEN = [
    # (edit of VALID, the text on the reported line, key, message)
    (
        lambda t: t.replace("    marks: 2\n    prompt", "    marsk: 2\n    prompt"),
        "marsk",
        "parts.a.marsk",
        "unknown key; did you mean marks?",
    ),
    (
        lambda t: t.replace("        marks: 2\n", "        marks: five\n"),
        "marks: five",
        "parts.a.items.params.marks",
        "expected a number, found the text 'five'",
    ),
    (
        lambda t: t.replace("type: count", "type: 3"),
        "type: 3",
        "parts.a.items.params.type",
        "expected text, found the number 3",
    ),
    (
        lambda t: t.replace("type: count", "type: essay"),
        "type: essay",
        "parts.a.items.params.type",
        "unknown item type 'essay'",
    ),
    (lambda t: t.replace("id: T-1\n", ""), None, "id", "is required"),
    (
        lambda t: t.replace("        answer: 'CD + D'\n", ""),
        "params:",
        "parts.a.items.params.answer",
        "is required",
    ),
    (
        lambda t: t.replace("        type: count\n", ""),
        "params:",
        "parts.a.items.params.type",
        "is required",
    ),
    (
        lambda t: t.replace(
            "{meaning: input channels, example: 2}", "{meaning: x, assumptions: [fuzzy]}"
        ),
        "fuzzy",
        "symbols.C.assumptions",
        "unknown assumption 'fuzzy'",
    ),
    (
        lambda t: t.replace("answer: 'CD + D'", "answer: 'CD + X'"),
        "CD + X",
        "parts.a.items.params.answer",
        "unknown symbol X",
    ),
    (
        lambda t: t.replace("answer: 'CD + D'", "answer: '9CD+'"),
        "9CD+",
        "parts.a.items.params.answer",
        "the answer ends too early",
    ),
    (
        lambda t: t.replace("answer: 'CD + D'", "answer: 'CD = D'"),
        "CD = D",
        "parts.a.items.params.answer",
        "not a chain",
    ),
    (
        lambda t: t.replace("answer: 'CD + D'", "answer: '9**9**9'"),
        "9**9**9",
        "parts.a.items.params.answer",
        "too large",
    ),
    (
        lambda t: t.replace("        bias: 'D'\n", "        bias: 'D'\n        answer: 'D'\n"),
        "answer: 'D'",
        "parts.a.items.params.answer",
        "duplicate key (first given at line 14)",
    ),
    (
        lambda t: t.replace("answer: 'CD + D'", "answer: 0123"),
        "0123",
        "parts.a.items.params.answer",
        "YAML reads '0123' as the number 83",
    ),
    (
        lambda t: t.replace("answer: 'CD + D'", "answer: yes"),
        "answer: yes",
        "parts.a.items.params.answer",
        "as the boolean true",
    ),
    (
        lambda t: t.replace("answer: 'CD + D'", "answer: 1:30"),
        "1:30",
        "parts.a.items.params.answer",
        "as the number 90",
    ),
    (
        lambda t: t.replace("answer: 'CD + D'", "answer: 1.0e3"),
        "1.0e3",
        "parts.a.items.params.answer",
        "unknown symbol e",
    ),
    (
        lambda t: t.replace("    marks: 2\n    prompt", "    marks: 3\n    prompt"),
        "  a:",
        "parts.a.marks",
        "the part has 3 marks but its items add up to 2",
    ),
    (
        lambda t: t.replace("            marks: 0", "            marks: 2"),
        "- answer: '9CD + D'",
        "misconceptions[0].marks",
        "must earn less than the item's 2 marks",
    ),
    (
        lambda t: t.replace(
            "        bias: 'D'\n", "        bias: 'D'\n        partial_credit: {nope: 1}\n"
        ),
        "partial_credit",
        "partial_credit.nope",
        "unknown key",
    ),
    (
        lambda t: t.replace(
            "answer: 'CD + D'",
            'answer: !!python/object/apply:os.system ["touch /tmp/grader_pwned"]',
        ),
        "python/object",
        "parts.a.items.params.answer",
        "YAML tag",
    ),
    (lambda t: t.replace("parts:\n", "parts: [\n"), None, "", "is not valid YAML"),
    (
        lambda t: t + "tests:\n  - {item: z.q, answer: 'C', verdict: correct}\n",
        "z.q",
        "tests[0].item",
        "unknown item 'z.q'",
    ),
    (
        lambda t: t + "tests:\n  - {item: a.params, answer: 'C', verdict: great}\n",
        "great",
        "tests[0].verdict",
        "unknown verdict 'great'",
    ),
    # two items of a part a Markdown answer may be labelled alike (issue: the first was
    # credited, the other missing)
    (
        lambda t: (
            t.replace("        bias: 'D'\n", "        label: Count\n        bias: 'D'\n")
            + "      other:\n        type: count\n        marks: 1\n        label: '  count '\n"
            + "        answer: 'D'\n"
        ),
        "label: '  count '",
        "parts.a.items.other.label",
        "label 'count' is also the label of parts.a.items.params",
    ),
    (
        lambda t: (
            t
            + "      other:\n        type: count\n        marks: 1\n"
            + "        aliases: [Total, PARAMS]\n        answer: 'D'\n"
        ),
        "aliases: [Total, PARAMS]",
        "parts.a.items.other.aliases",
        "alias 'PARAMS' is also the key of parts.a.items.params",
    ),
    (
        lambda t: (
            t.replace("        bias: 'D'\n", "        aliases: [Weights]\n        bias: 'D'\n")
            + "      other:\n        type: count\n        marks: 1\n        label: weights\n"
            + "        answer: 'D'\n"
        ),
        "label: weights",
        "parts.a.items.other.label",
        "label 'weights' is also the alias of parts.a.items.params",
    ),
    (
        lambda t: (
            t.replace("        bias: 'D'\n", "        aliases: [Weights]\n        bias: 'D'\n")
            + "      other:\n        type: count\n        marks: 1\n        aliases: [Count]\n"
            + "        label: WEIGHTS\n        answer: 'D'\n"
        ),
        "label: WEIGHTS",
        "parts.a.items.other.label",
        "label 'WEIGHTS' is also the alias of parts.a.items.params",
    ),
    # `multiple_of`: C a multiple of G (G divides C), for G groups of C channels
    (
        lambda t: t.replace("example: 2}", "example: 2, multiple_of: G}"),
        "multiple_of: G",
        "symbols.C.multiple_of",
        "G is not a declared symbol; declare it under symbols",
    ),
    (
        lambda t: t.replace("example: 2}", "example: 2, multiple_of: [C]}"),
        "multiple_of: [C]",
        "symbols.C.multiple_of",
        "C cannot be a multiple of itself",
    ),
    (
        lambda t: t.replace("example: 2}", "example: 2, multiple_of: 3}"),
        "multiple_of: 3",
        "symbols.C.multiple_of",
        "expected a symbol's name such as G, or a list of them, found the number 3",
    ),
    (
        lambda t: t.replace("example: 2}", "example: 2, multiple_of: x}").replace(
            "parts:", "  x: {meaning: a real, assumptions: [real]}\nparts:", 1
        ),
        "multiple_of: x",
        "symbols.C.multiple_of",
        "x is not a size: multiple_of relates symbols declared positive and integer",
    ),
    (
        lambda t: t.replace("example: 2}", "example: 10, multiple_of: D}").replace(
            "example: 5}", "example: 5, multiple_of: C}"
        ),
        "example: 10, multiple_of: D",
        "symbols.C.multiple_of",
        "a cycle: C is a multiple of D, D is a multiple of C; drop one",
    ),
    (
        lambda t: t.replace("example: 5}", "example: 5, multiple_of: C}"),
        "multiple_of: C",
        "symbols.D.multiple_of",
        "the examples give D=5, which C=2 does not divide",
    ),
    (
        lambda t: t.replace(
            "{meaning: input channels, example: 2}", "{meaning: c, assumptions: [positive, even]}"
        ).replace("example: 5}", "assumptions: [positive, odd], multiple_of: C}"),
        "multiple_of: C",
        "symbols.D.multiple_of",
        "D is declared odd, so the even C never divides it",
    ),
    (
        lambda t: t.replace("example: 5}", "example: 6, multiple_of: C}").replace(
            "parts:", "check_sizes:\n  - {C: 2, D: 6}\n  - {C: 4, D: 6}\nparts:", 1
        ),
        "- {C: 4, D: 6}",
        "check_sizes[1]",
        "check_sizes[1] gives D=6, which C=4 does not divide (D is declared a multiple of C)",
    ),
]


@pytest.mark.parametrize(
    ("edit", "needle", "key", "message"),
    [pytest.param(*case, id=case[3][:50]) for case in BROKEN],
)
def test_a_broken_rubric_is_refused_naming_file_line_and_key(tmp_path, edit, needle, key, message):
    Path("/tmp/grader_pwned").unlink(missing_ok=True)
    text = edit(VALID)
    assert text != VALID
    path = tmp_path / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    report = str(caught.value)
    assert message in report
    assert key in report
    if needle is not None:
        assert f"{path}:{_line_of(text, needle)}:" in report, report
    assert not Path("/tmp/grader_pwned").exists()


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text(
        VALID.replace("type: count", "type: essay").replace(
            "marks: 2\n    prompt", "marsk: 2\n    prompt"
        ),
        encoding="utf-8",
    )
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert "has 3 problems" in str(caught.value)  # the type, the unknown key, missing marks
    assert "marsk" in str(caught.value) and "essay" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "is empty", id="an empty file"),
        pytest.param(b"id: \xff\xfe\n", "is not valid UTF-8", id="a file that is not UTF-8"),
        pytest.param(
            b"a: &a [x,x,x,x,x,x,x,x,x,x]\n"
            + b"".join(
                f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n".encode()
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            "more than 50000 values",
            id="an alias bomb",
        ),
        pytest.param(b"- just\n- a list\n", "expected a mapping", id="a list at the top"),
    ],
)
def test_unusable_files_are_refused(tmp_path, content, message):
    path = tmp_path / "rubric.yaml"
    path.write_bytes(content)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_refused_and_a_link_an_instructor_made_is_followed(tmp_path):
    with pytest.raises(RubricError, match="cannot read it"):
        load_rubric(tmp_path / "none.yaml")
    target = tmp_path / "real.yaml"
    target.write_text(VALID, encoding="utf-8")
    link = tmp_path / "link.yaml"
    os.symlink(target, link)
    assert load_rubric(link).sha256 == load_rubric(target).sha256
    os.symlink(tmp_path / "none.yaml", tmp_path / "dangling.yaml")
    with pytest.raises(RubricError, match="cannot read it"):
        load_rubric(tmp_path / "dangling.yaml")


SIZES_AND_A_REAL = """\
id: T
symbols:
  C: {meaning: channels}
  D: {meaning: outputs}
  y: {meaning: an entry of Y, assumptions: [real]}
check_sizes:
  - {C: 3, D: 2}
  - {C: 2, D: 5}
parts:
  a:
    marks: 1
    prompt: Give y squared plus C.
    items:
      it: {type: expression, marks: 1, answer: 'y^2 + C'}
"""


def test_check_sizes_need_only_the_sizes_a_real_symbol_takes_the_defaults_value(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text(SIZES_AND_A_REAL)
    rubric = load_rubric(path)
    assert [dict(sizes) for sizes in rubric.context.size_sets] == [
        {"C": 3, "D": 2, "y": 3},
        {"C": 2, "D": 5, "y": 2},
    ]
    # a size left out is still a problem, named with its line and key
    path.write_text(SIZES_AND_A_REAL.replace("{C: 3, D: 2}", "{C: 3}"))
    with pytest.raises(RubricError) as refused:
        load_rubric(path)
    assert "rubric.yaml:7: check_sizes[0].D: is required" in str(refused.value)


@pytest.mark.parametrize(
    ("declared", "multiples"),
    [
        pytest.param("multiple_of: C", ("C",), id="one name"),
        pytest.param("multiple_of: [C, E]", ("C", "E"), id="a list of names"),
        pytest.param("multiple_of: [C, C]", ("C",), id="a name given twice is one"),
    ],
)
def test_a_symbol_declared_a_multiple_of_others_is_read(tmp_path, declared, multiples):
    text = VALID.replace("example: 5}", f"example: 10, {declared}}}").replace(
        "parts:", "  E: {meaning: the groups, example: 5}\nparts:", 1
    )
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    rubric = load_rubric(path)
    spec = next(spec for spec in rubric.context.symbols if spec.name == "D")
    assert spec.multiple_of == multiples
    for sizes in rubric.size_sets:
        assert all(dict(sizes)["D"] % dict(sizes)[name] == 0 for name in multiples), sizes
