"""The kinds of item: one table (`KINDS`) is the only place a kind is named, each kind's rubric
keys and diagnosis names are the ones the rubric loader accepts, and a new kind is one class
and one table line."""

from __future__ import annotations

import ast
import difflib
import pickle
from pathlib import Path

import pytest

from grader.errors import AnswerError, AnswerTooLargeError, Problem, RubricError, SubmissionError
from grader.grade import grade_answer, grade_paths
from grader.kinds import KINDS, all_diagnoses, kind_keys
from grader.kinds.base import DiagnosisNames, read_with_caret
from grader.kinds.formula.parse import parse_formula
from grader.model import Context, Item, ItemResult, Rubric
from grader.rubric import load_rubric, load_rubric_text
from grader.rubric_check import check_rubric
from grader.score import verdict_for

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "grader"
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
BUNDLED = [load_rubric(path) for path in sorted((ROOT / "rubrics").glob("*.yaml"))]


def _rubric(item: str, tests: str = "") -> str:
    """A one-item rubric over C and D whose item is `item` (YAML, indented for its place)."""
    return (
        "id: KINDS\nsymbols:\n  C: {meaning: inputs}\n  D: {meaning: outputs}\n"
        "parts:\n  a:\n    marks: 2\n    prompt: How many?\n    items:\n      it:\n" + item + tests
    )


_ITEMS = {
    "count": "        type: count\n        marks: 2\n        answer: 'CD + D'\n        bias: 'D'\n",
    "formula": (
        "        type: formula\n        marks: 2\n"
        "        answer: 'y_{k} = \\sum_{l=1}^{C} w_{l,k} x_{l} + b_k'\n"
        "        input: {name: x, shape: [C]}\n        output: {name: y, shape: [D]}\n"
    ),
    "text": "        type: text\n        marks: 2\n        answer: 'Weights are shared.'\n",
    "expression": "        type: expression\n        marks: 2\n        answer: 'CD + D'\n",
    "matrix": (
        "        type: matrix\n        marks: 2\n        answer: 'X W'\n"
        "        matrices: {X: [C, D], W: [D, C]}\n"
    ),
}
_KEY_VALUES = {
    "bias": "'D'",
    "bias_included": "true",
    "input": "{name: x, shape: [C]}",
    "inputs": "[{name: x, shape: [C]}]",
    "output": "{name: y, shape: [D]}",
    "padding": "none",
    "concepts": "[]",
    "follow_through": "true",
    "strict": "[case]",
    "integer_division": "true",
    "index_base": "any",
    "constants": "[pi]",
    "functions": "{sigma: sigmoid}",
    "tolerance": "0.01",
    "form": "expanded",
    "matrices": "{X: [C, D], W: [D, C]}",
    "gradient": "X",
    "gradients": "{W: dL/dY}",
    "result": "A",
}


def _problems(text: str) -> list[str]:
    try:
        load_rubric_text(text, "kinds.yaml")
    except RubricError as error:
        return [f"{p.key}: {p.message}" for p in error.problems]
    return []


def test_the_table_names_the_kinds_and_each_kind_its_own_name():
    assert list(KINDS) == ["count", "formula", "text", "expression", "matrix"]
    assert all(kind.name == name for name, kind in KINDS.items())


@pytest.mark.parametrize("name", list(KINDS))
def test_a_bundled_item_of_each_kind_loads_as_its_kind(name):
    assert any(item.type == name for rubric in BUNDLED for item in rubric.items.values())
    assert _problems(_rubric(_ITEMS[name])) == []


@pytest.mark.parametrize(
    ("name", "key"),
    [(name, key) for name, kind in KINDS.items() for key in kind.keys],
    ids=lambda value: str(value),
)
def test_each_kind_accepts_its_own_keys_and_no_other_kind_does(name, key):
    line = f"        {key}: {_KEY_VALUES[key]}\n"
    for other in KINDS:
        if key in KINDS[other].keys:
            continue
        problems = _problems(_rubric(_ITEMS[other] + line))
        assert any(p.startswith(f"parts.a.items.it.{key}: unknown key") for p in problems), (
            other,
            problems,
        )
    problems = _problems(_rubric(_ITEMS[name] + line))
    assert not any("unknown key" in p for p in problems), problems


@pytest.mark.parametrize(
    ("name", "diagnosis"),
    [(name, d) for name, kind in KINDS.items() for d in kind.diagnoses],
    ids=lambda value: str(value),
)
def test_each_registered_diagnosis_is_accepted_in_partial_credit_and_in_tests(name, diagnosis):
    credit = f"        partial_credit: {{{diagnosis}: 1}}\n"
    test = f"tests:\n  - {{item: a.it, answer: 'C', verdict: incorrect, diagnosis: {diagnosis}}}\n"
    assert _problems(_rubric(_ITEMS[name] + credit, test)) == []


@pytest.mark.parametrize("name", list(KINDS))
def test_a_diagnosis_no_kind_registers_is_refused_with_the_registered_names(name):
    misspelt = {"expression": "reciprocall"}.get(name, "bias_misssing")
    credit = f"        partial_credit: {{{misspelt}: 1}}\n"
    problems = _problems(_rubric(_ITEMS[name] + credit))
    if KINDS[name].diagnoses:
        closest = difflib.get_close_matches(misspelt, sorted(KINDS[name].diagnoses), n=1)
        assert problems == [
            f"parts.a.items.it.partial_credit.{misspelt}: unknown key; did you mean {closest[0]}?"
        ]
    else:  # an explanation has no diagnoses: partial credit is not one of its keys
        assert problems[0].startswith("parts.a.items.it.partial_credit: unknown key")
    test = "tests:\n  - {item: a.it, answer: 'C', verdict: incorrect, diagnosis: %s}\n"
    nonsense = _problems(_rubric(_ITEMS[name], test % "nonsense"))
    misspelt_in_a_test = _problems(_rubric(_ITEMS[name], test % misspelt))
    named = KINDS[name].diagnoses  # a test names its item's kind's diagnoses, no other's
    if named:
        assert nonsense == [
            f"tests[0].diagnosis: unknown diagnosis 'nonsense'; use one of {', '.join(named)}"
        ]
        closest = difflib.get_close_matches(misspelt, list(named), n=1)[0]
        assert misspelt_in_a_test[0].startswith(
            f"tests[0].diagnosis: unknown diagnosis '{misspelt}'; did you mean {closest}?"
        )
    else:
        assert (
            nonsense
            == misspelt_in_a_test[:1]
            == [f"tests[0].diagnosis: a.it is a {name} item: it has none"]
        )
        assert len(misspelt_in_a_test) == 1
    unknown_item = _problems(_rubric(_ITEMS[name], test.replace("a.it", "a.other") % "nonsense"))
    every = ", ".join(all_diagnoses())  # of an unknown item, any kind's
    assert unknown_item == [
        "tests[0].item: unknown item 'a.other'; use one of a.it",
        f"tests[0].diagnosis: unknown diagnosis 'nonsense'; use one of {every}",
    ]


def _made_diagnoses(folder: Path) -> set[str]:
    """Every name a kind's code passes to its registry's `make` as a literal."""
    made = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "make"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                made.add(node.args[0].value)
    return made


@pytest.mark.parametrize("name", list(KINDS))
def test_the_diagnoses_a_kind_registers_are_exactly_those_its_code_makes(name):
    assert _made_diagnoses(PACKAGE / "kinds" / name) == set(KINDS[name].diagnoses)


def test_a_diagnosis_made_under_a_name_that_was_not_registered_is_refused():
    names = DiagnosisNames()

    @names.produces("too_small")
    def diagnose(size: int):
        return names.make("too_small" if size < 3 else "too_large", "...")

    assert names.names == ("too_small",)
    assert diagnose(1).kind == "too_small"
    with pytest.raises(ValueError, match="'too_large' is not registered"):
        diagnose(5)


def test_every_kind_key_is_in_the_keys_an_unknown_type_does_not_also_complain_about():
    problems = _problems(_rubric(_ITEMS["count"].replace("type: count", "type: cuont")))
    assert problems == [
        "parts.a.items.it.type: unknown item type 'cuont'; did you mean count? Use one of count, "
        "formula, text, expression, matrix"
    ]
    assert set(kind_keys()) == {
        "partial_credit",
        *(k for kind in KINDS.values() for k in kind.keys),
    }


# --- No kind is known by name outside grader/kinds/ -----------------------------------------


def _dispatch_on_a_kind_name(path: Path) -> list[str]:
    """Comparisons with a kind's name, and look-ups of KINDS by a literal name."""
    found = []
    names = set(KINDS)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for operand in operands:
                elements = operand.elts if isinstance(operand, (ast.Tuple, ast.List)) else [operand]
                if any(isinstance(e, ast.Constant) and e.value in names for e in elements):
                    found.append(f"{path.name}:{node.lineno}")
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "KINDS"
            and isinstance(node.slice, ast.Constant)
        ):
            found.append(f"{path.name}:{node.lineno}")
    return found


OUTSIDE_KINDS = sorted(
    path for path in PACKAGE.rglob("*.py") if (PACKAGE / "kinds") not in path.parents
)


@pytest.mark.parametrize("path", OUTSIDE_KINDS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_outside_the_kinds_dispatches_on_a_kind_name(path):
    assert _dispatch_on_a_kind_name(path) == []


def test_the_dispatch_finder_finds_the_dispatch_it_looks_for(tmp_path):
    module = tmp_path / "dispatch.py"
    module.write_text(
        "def f(item):\n"
        "    if item.type == 'formula':\n"
        "        return 1\n"
        "    if item.type in ('count', 'other'):\n"
        "        return 2\n"
        "    return KINDS['text']\n"
    )
    assert _dispatch_on_a_kind_name(module) == ["dispatch.py:2", "dispatch.py:4", "dispatch.py:6"]


# --- A new kind is one class and one line in the table --------------------------------------


class WholeNumberKind:
    """A kind written only for this test: a whole number, right or wrong, read from digits."""

    name = "whole"
    keys = ("tolerance",)
    diagnoses = ("off_by_one",)
    keeps_prose = False
    count_role = None
    part_diagnoses = ()

    def advice(self, item, context):
        return "Write the number with digits, e.g. 42."

    def describe_diagnosis(self, name):
        return {"off_by_one": "one more or one less than the answer"}[name]

    def read_spec(self, fields, marks, context, problems):
        return fields.integer("tolerance", required=False) or 0

    def read_answer(self, text, line, path, context, spec, problems, *, misconception):
        return read_with_caret(lambda: _whole_number(text), text, line, path, problems)

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        value = _whole_number(text)
        error = abs(value - item.reference)
        if error <= item.spec:
            marks, diagnosis, feedback = item.marks, None, "Correct."
        elif error == 1:
            marks = item.partial_credit.get("off_by_one", 0.0)
            diagnosis, feedback = "off_by_one", "Off by one."
        else:
            marks, diagnosis, feedback = 0.0, None, "Not the number."
        return ItemResult(
            item.id, verdict_for(marks, item.marks), marks, item.marks, (feedback,), text, None,
            diagnosis,
        )  # fmt: skip

    def recognises(self, item, text, context) -> bool:
        return text.strip().isdigit()

    def same_answer(self, item, first, second, context) -> bool:
        return first == second

    def self_test(self, rubric: Rubric, item: Item, grade) -> list[Problem]:
        result = grade(item, item.answer_text)
        return [] if result.verdict == "correct" else [Problem(item.line, item.id, "wrong")]


def _whole_number(text: str) -> int:
    stripped = text.strip()
    if not stripped.isdigit() or not stripped.isascii():
        raise AnswerError(text, 0, "a whole number is digits only", max(1, len(text)))
    return int(stripped)


WHOLE_RUBRIC = _rubric(
    "        type: whole\n        label: Number\n        marks: 2\n        answer: '42'\n"
    "        partial_credit: {off_by_one: 1}\n        misconceptions:\n"
    "          - {answer: '24', feedback: 'The digits are the wrong way round.'}\n",
    "tests:\n  - {item: a.it, answer: '41', verdict: partial, marks: 1, diagnosis: off_by_one}\n"
    "  - {item: a.it, answer: '7', verdict: incorrect}\n",
)


def test_a_new_kind_is_one_class_and_one_line_in_the_table(monkeypatch, tmp_path):
    monkeypatch.setitem(KINDS, "whole", WholeNumberKind())
    rubric = load_rubric_text(WHOLE_RUBRIC, "whole.yaml")
    item = rubric.items["a.it"]
    assert (item.type, item.reference, item.spec, item.partial_credit) == (
        "whole",
        42,
        0,
        {"off_by_one": 1.0},
    )
    assert item.misconceptions[0].reading == 24
    assert check_rubric(rubric) == [
        Problem(
            17,
            "parts.a.items.it.misconceptions[0]",
            "no test exercises this rule; add one to tests: with item: a.it and misconception: 1",
        )
    ]
    assert grade_answer(rubric, item, " 42 ").verdict == "correct"
    unreadable = grade_answer(rubric, item, "forty-two")
    assert unreadable.verdict == "invalid"
    assert unreadable.feedback == (
        "We could not read your answer: a whole number is digits only (at column 1).",
        "Write the number with digits, e.g. 42.",
        "An instructor will read it; its 0 marks are provisional until then.",
    )
    (tmp_path / "ann.md").write_text(
        "---\nstudent: ann\nquestion: KINDS\n---\n## (a)\nNumber: 41\n", encoding="utf-8"
    )
    (tmp_path / "bob.yaml").write_text(
        "student: bob\nquestion: KINDS\nanswers:\n  a:\n    it: '42'\n", encoding="utf-8"
    )
    batch = grade_paths(rubric, [tmp_path])
    assert [(r.student, r.items["a.it"].verdict, r.total) for r in batch.results] == [
        ("ann", "partial", 1.0),
        ("bob", "correct", 2.0),
    ]


def test_a_kind_left_out_of_the_table_is_an_unknown_type():
    assert _problems(WHOLE_RUBRIC)[0] == (
        "parts.a.items.it.type: unknown item type 'whole'; use one of count, formula, text, "
        "expression, matrix"
    )


# --- What the kinds share -------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        AnswerError("9CD + D params", 8, "unknown symbol p", 6),
        AnswerTooLargeError("9**9**9", 0, "too large", 7),
        RubricError("r.yaml", [Problem(3, "parts.a", "a part needs an item")]),
        SubmissionError("s.yaml", [Problem(None, "student", "is required")]),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_that_cross_a_process_boundary_survive_pickling(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_a_formula_refusing_a_character_says_nothing_of_counts():
    with pytest.raises(AnswerError) as refused:
        parse_formula("y_{k} = w_{k}!", RUBRIC.symbol_table, RUBRIC.items["c.formula"].spec.layer)
    assert "count" not in str(refused.value)
    assert "'!'" in str(refused.value)
