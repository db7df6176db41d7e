"""Formula items in a rubric: the layer's tensors, sizes and formula answers, validated with
file, line and key; and a formula item graded end to end from a rubric written from scratch."""

from pathlib import Path

import pytest

from grader.errors import RubricError
from grader.grade import grade_answer
from grader.rubric import default_size_sets, load_rubric

VALID = """\
id: T-2
title: A 1x1 convolution
symbols:
  P: {meaning: the height of the maps}
  Q: {meaning: the width of the maps}
  C: {meaning: input channels}
  D: {meaning: output channels}
parts:
  a:
    marks: 3
    prompt: Write the layer.
    items:
      formula:
        type: formula
        marks: 3
        input: {name: x, shape: [P, Q, C]}
        output: {name: y, shape: [P, Q, D]}
        answer: 'y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k'
        partial_credit: {bias_missing: 2}
        misconceptions:
          - answer: 'y_{i,j,k} = \\sum_{l=1}^{C} w_{l} x_{i,j,l} + b_k'
            feedback: The weights must depend on the output channel.
            marks: 1
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_formula_item_loads_with_its_layer_and_the_default_sizes(tmp_path):
    rubric = load_rubric(_write(tmp_path, VALID))
    item = rubric.items["a.formula"]
    assert item.spec.layer.input.name == "x" and len(item.spec.layer.output.shape) == 3
    assert item.reference.reading == "y[i,j,k] = Σ_{l=1..C} w[l,k]·x[i,j,l] + b[k]"
    assert item.misconceptions[0].reading is not None
    assert rubric.size_sets == default_size_sets(["P", "Q", "C", "D"])
    assert dict(rubric.size_sets[0]) == {"P": 5, "Q": 4, "C": 3, "D": 2}
    assert dict(rubric.size_sets[1]) == {"P": 6, "Q": 7, "C": 2, "D": 3}


@pytest.mark.parametrize(
    "answer, verdict, marks, diagnosis",
    [
        ("y_{a,b,c} = b_c + Σ_d W_{c,d} x_{a,b,d}", "correct", 3, None),
        ("y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l}", "partial", 2, "bias_missing"),
        ("y_{i,j,k} = \\sum_{n=1}^{C} v_{n} x_{i,j,n} + c_k", "partial", 1, "misconception 1"),
        ("y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b", "partial", 2, "bias_shared"),
    ],
    ids=["renamed and reordered", "no bias", "the rubric's misconception", "one shared bias"],
)
def test_a_rubric_written_from_scratch_grades_formulas(tmp_path, answer, verdict, marks, diagnosis):
    rubric = load_rubric(_write(tmp_path, VALID))
    result = grade_answer(rubric, rubric.items["a.formula"], answer)
    assert (result.verdict, result.marks, result.diagnosis) == (verdict, marks, diagnosis)


def test_check_sizes_replace_the_default_sets(tmp_path):
    text = VALID + "check_sizes:\n  - {P: 7, Q: 3, C: 4, D: 5}\n  - {P: 3, Q: 8, C: 5, D: 2}\n"
    rubric = load_rubric(_write(tmp_path, text))
    assert [dict(s)["P"] for s in rubric.size_sets] == [7, 3]


BROKEN = [
    # (edit of VALID, the text on the reported line, key, message)
    (
        lambda t: t.replace("        input: {name: x, shape: [P, Q, C]}\n", ""),
        "formula:",
        "parts.a.items.formula.input",
        "is required",
    ),
    (
        lambda t: t.replace("shape: [P, Q, C]", "shape: [P, Q, K]"),
        "shape: [P, Q, K]",
        "parts.a.items.formula.input.shape",
        "unknown symbol K",
    ),
    (
        lambda t: t.replace("{name: x, shape", "{name: xx, shape"),
        "name: xx",
        "parts.a.items.formula.input.name",
        "one letter",
    ),
    (
        lambda t: t.replace("{name: y, shape", "{name: x, shape"),
        "output: {name: x",
        "parts.a.items.formula.output",
        "different names",
    ),
    (
        lambda t: t.replace("w_{l,k} x_{i,j,l} + b_k'", "w_{l,k} x_{i,j,m} + b_k'"),
        "answer: 'y_{i,j,k}",
        "parts.a.items.formula.answer",
        "unknown index m",
    ),
    (
        lambda t: t.replace("w_{l} x_{i,j,l} + b_k'", "w_{l} x_{i,l} + b_k'"),
        "w_{l} x_{i,l}",
        "parts.a.items.formula.misconceptions[0].answer",
        "x has 3 indices",
    ),
    (
        lambda t: t.replace(
            "        partial_credit: {bias_missing: 2}",
            "        partial_credit: {bias_misssing: 2}",
        ),
        "bias_misssing",
        "parts.a.items.formula.partial_credit.bias_misssing",
        "unknown key; did you mean bias_missing?",
    ),
    (
        lambda t: t.replace(
            "        partial_credit: {bias_missing: 2}", "        partial_credit: {bias_missing: 3}"
        ),
        "bias_missing: 3",
        "parts.a.items.formula.partial_credit.bias_missing",
        "must be less than the item's 3 marks",
    ),
    (
        lambda t: t.replace(
            "        output: {name: y, shape: [P, Q, D]}\n",
            "        output: {name: y, shape: [P, Q, D]}\n        padding: reflect\n",
        ),
        "padding: reflect",
        "parts.a.items.formula.padding",
        "unknown padding 'reflect'",
    ),
    (
        lambda t: t + "check_sizes:\n  - {P: 7, Q: 3, C: 4, D: 5}\n",
        "check_sizes:",
        "check_sizes",
        "at least two sets",
    ),
    (
        lambda t: t + "check_sizes:\n  - {P: 7, Q: 3, C: 4}\n  - {P: 3, Q: 8, C: 5, D: 2}\n",
        "- {P: 7, Q: 3, C: 4}",
        "check_sizes[0].D",
        "is required",
    ),
]


@pytest.mark.parametrize(
    "edit, needle, key, message", [pytest.param(*c, id=c[3][:50]) for c in BROKEN]
)
def test_a_broken_formula_item_is_refused_naming_file_line_and_key(
    tmp_path, edit, needle, key, message
):
    text = edit(VALID)
    path = _write(tmp_path, text)
    with pytest.raises(RubricError) as raised:
        load_rubric(path)
    report = str(raised.value)
    line = _line_of(text, needle)
    assert f"{path}:{line}: {key}: " in report, report
    assert message in report, report


def test_a_rubric_matrix_form_whose_shapes_cannot_fit_is_refused(tmp_path):
    text = (
        VALID.replace("shape: [P, Q, C]}", "shape: [PQ, C]}")
        .replace("shape: [P, Q, D]}", "shape: [PQ, D]}")
        .replace("y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k", "Y = WX")
        .replace("y_{i,j,k} = \\sum_{l=1}^{C} w_{l} x_{i,j,l} + b_k", "y = xw + c")
    )
    path = _write(tmp_path, text)
    with pytest.raises(RubricError) as raised:
        load_rubric(path)
    report = str(raised.value)
    assert "has 1 problem" in report, report
    assert f"{path}:{_line_of(text, 'Y = WX')}: parts.a.items.formula.answer: " in report
    assert "The shapes do not fit" in report and "multiply x on the right" in report


@pytest.mark.parametrize(
    "tail",
    [
        ", \\forall i,j,k",
        " \\quad \\forall k \\in \\{1, \\ldots, D\\}",
        ", 1 \\le k \\le D",
        " (1 \\leq k \\leq D)",
        ", 1 \\le i \\le P, 1 \\le j \\le Q",
    ],
    ids=["for all indices", "for all k in a set", "a range", "a range in brackets", "two ranges"],
)
def test_where_a_formula_holds_is_read_and_set_aside(tmp_path, tail):
    rubric = load_rubric(_write(tmp_path, VALID))
    answer = "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k" + tail
    assert grade_answer(rubric, rubric.items["a.formula"], answer).verdict == "correct"


TESTED = (
    VALID
    + """\
tests:
  - {item: a.formula, answer: 'y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l}',
     verdict: partial, marks: 2, diagnosis: bias_missing}
  - {item: a.formula, answer: 'y_{a,b,c} = \\sum_{d=1}^{C} v_{d} x_{a,b,d} + c_c',
     verdict: partial, misconception: 1}
"""
)


def _check(text: str, tmp_path: Path) -> list[str]:
    from grader.rubric_check import check_rubric

    rubric = load_rubric(_write(tmp_path, text))
    return [f"{p.line}: {p.key}: {p.message}" for p in check_rubric(rubric)]


def test_a_formula_rubric_with_its_self_tests_passes_the_check(tmp_path):
    assert _check(TESTED, tmp_path) == []


@pytest.mark.parametrize(
    "edit, needle, message",
    [
        (
            lambda t: t.replace(
                "\\sum_{l=1}^{C} w_{l} x_{i,j,l} + b_k'",
                "\\sum_{m=1}^{C} W_{m,k} x_{i,j,m} + c_{k}'",
            ),
            "W_{m,k} x_{i,j,m}",
            "equals the reference answer, so this rule can never fire",
        ),
        (
            lambda t: t.replace(
                "marks: 2, diagnosis: bias_missing}", "marks: 1, diagnosis: bias_missing}"
            ),
            "diagnosis: bias_missing}",
            "marks 2, expected 1",
        ),
        (
            lambda t: t[: t.index("  - {item: a.formula, answer: 'y_{a,b,c}")],
            "feedback: The weights must depend",
            "no test exercises this rule",
        ),
    ],
    ids=[
        "a misconception that is the reference renamed",
        "a test expecting the wrong marks",
        "an untested rule",
    ],
)
def test_the_check_finds_a_broken_formula_rubric(tmp_path, edit, needle, message):
    text = edit(TESTED)
    problems = _check(text, tmp_path)
    assert any(message in p for p in problems), problems
    line = next(i for i, row in enumerate(text.splitlines(), 1) if needle in row)
    assert any(p.startswith(f"{line}: ") or p.startswith(f"{line - 1}: ") for p in problems), (
        line,
        problems,
    )


def test_the_letters_s_u_m_in_a_subscript_are_indices_not_a_sum(tmp_path):
    # Found by the hypothesis properties: `y_{sum}` was read as the word `sum`.
    rubric = load_rubric(_write(tmp_path, VALID))
    answer = "y_{sum} = \\sum_{d=1}^{C} a_{dm} x_{sud} + b_m"
    assert grade_answer(rubric, rubric.items["a.formula"], answer).verdict == "correct"
