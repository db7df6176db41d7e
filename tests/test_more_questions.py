"""The formula items of the two extra questions, DW-SEP-Q1 and ATTN-Q1, and their examples.

A table of formula answers graded through `grade_answer` (verdict, marks, the rule that fired),
the example submissions' marks, and the same answers graded alike from YAML and Markdown.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from grader.grade import grade_answer, grade_paths
from grader.rubric import Rubric, load_rubric

ROOT = Path(__file__).resolve().parent.parent
DW_SEP = ROOT / "rubrics" / "dw-sep-q1.yaml"
ATTN = ROOT / "rubrics" / "attn-q1.yaml"


@cache
def rubric(path: Path) -> Rubric:
    return load_rubric(path)


def grade(path: Path, item_id: str, answer: str):
    loaded = rubric(path)
    return grade_answer(loaded, loaded.items[item_id], answer)


# (rubric, item, answer, verdict, marks, diagnosis): diagnosis None for a correct answer,
# "misconception N" for the rubric's N-th rule, else the generic formula diagnosis.
FORMULAS = [
    # DW-SEP-Q1 (b): the depthwise 3x3 convolution, one filter and one bias per channel.
    pytest.param(
        DW_SEP,
        "b.formula",
        r"z_{i,j,c} = \sum_{u=-1}^{1}\sum_{v=-1}^{1} w_{u,v,c} x_{i+u,j+v,c} + b_c",
        "correct",
        3,
        None,
        id="dw-reference",
    ),
    pytest.param(
        DW_SEP,
        "b.formula",
        r"z_{a,b,m} = \sum_{q=-1}^{1}\sum_{p=-1}^{1} w_{p,q,m} x_{a+p,b+q,m} + b_m",
        "correct",
        3,
        None,
        id="dw-renamed-reordered",
    ),
    pytest.param(
        DW_SEP,
        "b.formula",
        r"z_{ijc} = \sum_{v=1}^{3}\sum_{u=1}^{3} W_{cuv} x_{i-u+2,j-v+2,c} + b_c",
        "correct",
        3,
        None,
        id="dw-flipped-kernel-1-to-3",
    ),
    pytest.param(
        DW_SEP,
        "b.formula",
        "z[i,j,c] = sum_{u=-1}^{1} sum_{v=-1}^{1} w[u,v,c]*x[i+u,j+v,c] + b[c]",
        "correct",
        3,
        None,
        id="dw-plain-text",
    ),
    pytest.param(
        DW_SEP,
        "b.formula",
        r"z_{i,j,c} = \sum_{u=-1}^{1}\sum_{v=-1}^{1} w_{u,v,c} x_{i+u,j+v,c}",
        "partial",
        2,
        "bias_missing",
        id="dw-no-bias",
    ),
    pytest.param(
        DW_SEP,
        "b.formula",
        r"z_{i,j,c} = \sum_{u=-2}^{2}\sum_{v=-2}^{2} w_{u,v,c} x_{i+u,j+v,c} + b_c",
        "partial",
        1,
        "kernel_size",
        id="dw-5x5",
    ),
    pytest.param(
        DW_SEP,
        "b.formula",
        r"z_{i,j,k} = \sum_{l=1}^{C}\sum_{u=-1}^{1}\sum_{v=-1}^{1} W_{k,l,u,v} x_{i-u,j-v,l} + b_k",
        "incorrect",
        0,
        "misconception 1",
        id="dw-standard-convolution",
    ),
    pytest.param(
        DW_SEP,
        "b.formula",
        r"z_{i,j,c} = \sum_{v=-1}^{1}\sum_{u=-1}^{1} w_{v,u} x_{i+u,j+v,c} + b_c",
        "partial",
        1,
        "misconception 2",
        id="dw-one-filter-for-all-channels",
    ),
    pytest.param(
        DW_SEP,
        "b.formula",
        r"z_{i,j,c} = \sum_{u=-1}^{1}\sum_{v=-1}^{1} w_{u,v,c} x_{i+u,j+v,c} + b",
        "partial",
        2,
        "bias_shared",
        id="dw-one-bias",
    ),
    # DW-SEP-Q1 (c): the pointwise 1x1 convolution from C to D channels.
    pytest.param(
        DW_SEP,
        "c.formula",
        r"y_{p,q,d} = \sum_{m=1}^{C} W_{d,m} \cdot z_{p,q,m} + b_d",
        "correct",
        2,
        None,
        id="pw-renamed",
    ),
    pytest.param(
        DW_SEP,
        "c.formula",
        r"y_{i,j,k} = \sum_{c=1}^{C} w_{c,k} z_{i,j,c}",
        "partial",
        1,
        "bias_missing",
        id="pw-no-bias",
    ),
    pytest.param(
        DW_SEP,
        "c.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{c=1}^{C} w_{u,v,c,k} z_{i+u,j+v,c} + b_k",
        "incorrect",
        0,
        "misconception 1",
        id="pw-3x3",
    ),
    pytest.param(
        DW_SEP,
        "c.formula",
        r"y_{i,j,k} = \sum_{c=1}^{C} w_{c} z_{i,j,c} + b_k",
        "incorrect",
        0,
        "channel_independent",
        id="pw-weights-ignore-output-channel",
    ),
    # ATTN-Q1 (e): the query projection q_{n,k} = sum_e w_{e,k} x_{n,e} + b_k.
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{t,d} = \sum_{j=1}^{E} W_{j,d} X_{t,j} + b_d",
        "correct",
        2,
        None,
        id="q-renamed",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{t,d} = \sum_{j=1}^{E} W_{d,j} X_{t,j} + b_d",
        "needs_review",
        0,
        "layout",
        id="q-renamed-other-layout",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        "q_{n,k} = Σ_e w_{e,k} · x_{n,e} + b_k",
        "correct",
        2,
        None,
        id="q-unicode",
    ),
    pytest.param(
        ATTN, "e.formula", "Q = XW_Q", "partial", 1, "bias_missing", id="q-matrix-no-bias"
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E} w_{e,k} x_{n,e} + b_{n,k}",
        "partial",
        1,
        "bias_unshared",
        id="q-bias-per-token",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{i,j} = \sum_{l=1}^{E} x_{i,l} W_{i,l,j} + b_j",
        "incorrect",
        0,
        "misconception 1",
        id="q-weights-per-token",
    ),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{E}\sum_{m=1}^{N} w_{m,e,k} x_{m,e} + b_k",
        "incorrect",
        0,
        "misconception 2",
        id="q-reads-every-token",
    ),
    pytest.param(ATTN, "e.formula", "Q = W_Q X + b_Q", "incorrect", 0, "shape", id="q-wrong-side"),
    pytest.param(
        ATTN,
        "e.formula",
        r"q_{n,k} = \sum_{e=1}^{N} w_{e,k} x_{n,e} + b_k",
        "incorrect",
        0,
        "connectivity",
        id="q-sum-over-N",
    ),
]


@pytest.mark.parametrize(("path", "item_id", "answer", "verdict", "marks", "diagnosis"), FORMULAS)
def test_formula_answers(path, item_id, answer, verdict, marks, diagnosis):
    result = grade(path, item_id, answer)
    assert (result.verdict, result.marks, result.diagnosis) == (verdict, marks, diagnosis), (
        result.feedback
    )
    assert result.feedback


def test_the_wrong_side_is_explained_from_the_shapes():
    feedback = " ".join(grade(ATTN, "e.formula", "Q = W_Q X + b_Q").feedback)
    assert "X is N×E and Q is N×K" in feedback
    assert "E×K" in feedback


def test_a_rubric_feedback_is_the_explanation():
    feedback = grade(
        DW_SEP,
        "b.formula",
        r"z_{i,j,c} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,c} x_{i+u,j+v,l} + b_c",
    ).feedback
    assert "standard 3x3 convolution" in feedback[0]


def test_matrix_form_with_a_bias_vector_is_the_query_projection():
    result = grade(ATTN, "e.formula", "Q = XW_Q + b_Q")
    assert (result.verdict, result.marks) == ("correct", 2)


# --- The example submissions ----------------------------------------------------------------

EXAMPLES = {
    "dw-sep-q1": (DW_SEP, {"ana": 11, "ben": 10}),
    "attn-q1": (ATTN, {"cleo": 8, "dev": 3}),
}

# What the formula answers of the examples get: (student, item) -> (verdict, marks, diagnosis).
EXAMPLE_FORMULAS = {
    ("ana", "b.formula"): ("correct", 3, None),
    ("ana", "c.formula"): ("partial", 1, "bias_missing"),
    ("ben", "b.formula"): ("incorrect", 0, "misconception 1"),
    ("ben", "c.formula"): ("correct", 2, None),
    ("cleo", "e.formula"): ("correct", 2, None),
    ("dev", "e.formula"): ("incorrect", 0, "misconception 1"),
}


def _grade_folder(question: str):
    path, _ = EXAMPLES[question]
    batch = grade_paths(rubric(path), [ROOT / "submissions" / question])
    assert not batch.failures
    return {result.student: result for result in batch.results}


@pytest.mark.parametrize("question", EXAMPLES)
def test_example_submissions(question):
    results = _grade_folder(question)
    _, totals = EXAMPLES[question]
    assert {student: result.total for student, result in results.items()} == totals
    for result in results.values():
        assert not result.warnings
        for (student, item_id), expected in EXAMPLE_FORMULAS.items():
            if student == result.student:
                got = result.items[item_id]
                assert (got.verdict, got.marks, got.diagnosis) == expected, got.feedback


def _comparable(result):
    return {
        item_id: (r.verdict, r.marks, r.diagnosis, r.feedback, r.interpretation)
        for item_id, r in result.items.items()
    }


def _answers(loaded: Rubric, result) -> dict[str, dict[str, str]]:
    """The answers a graded submission holds, as {part: {item key: answer}}."""
    answers: dict[str, dict[str, str]] = {}
    for item_id, r in result.items.items():
        if r.answer is not None:
            item = loaded.items[item_id]
            answers.setdefault(item.part, {})[item.key] = r.answer
    return answers


def _as_yaml(question_id: str, student: str, answers) -> str:
    return yaml.safe_dump(
        {"student": student, "question": question_id, "answers": answers},
        allow_unicode=True,
        sort_keys=False,
    )


def _as_markdown(loaded: Rubric, question_id: str, student: str, answers) -> str:
    lines = ["---", f"student: {student}", f"question: {question_id}", "---"]
    for part in loaded.parts:
        if part.key not in answers:
            continue
        lines += ["", f"## ({part.key})"]
        for item in part.items:
            text = answers[part.key].get(item.key)
            if text is None:
                continue
            if item.type == "text":
                lines += [f"{item.key.capitalize()}: {text}", ""]
            else:
                lines += [f"{item.key.capitalize()}:", f"$${text}$$", ""]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("question", EXAMPLES)
def test_the_same_answers_as_yaml_and_markdown_get_the_same_results(question, tmp_path):
    """Each example is written again in the other format; both must be graded alike. And where
    two example files hold the same answer to an item, it gets the same result."""
    path, _ = EXAMPLES[question]
    loaded = rubric(path)
    originals = _grade_folder(question)
    assert {Path(r.source).suffix for r in originals.values()} == {".yaml", ".md"}
    for student, result in originals.items():
        answers = _answers(loaded, result)
        twin = tmp_path / f"{student}-twin"
        if Path(result.source).suffix == ".md":
            twin = twin.with_suffix(".yaml")
            twin.write_text(_as_yaml(loaded.id, student, answers), encoding="utf-8")
        else:
            twin = twin.with_suffix(".md")
            twin.write_text(_as_markdown(loaded, loaded.id, student, answers), encoding="utf-8")
        batch = grade_paths(loaded, [twin])
        assert not batch.failures
        (again,) = batch.results
        assert not again.warnings
        assert _comparable(again) == _comparable(result), twin.read_text(encoding="utf-8")

    by_answer: dict[tuple[str, str], set] = {}
    for result in originals.values():
        for item_id, r in result.items.items():
            if r.answer is not None:
                key = (item_id, " ".join(r.answer.split()))
                by_answer.setdefault(key, set()).add(_comparable(result)[item_id])
    assert all(len(outcomes) == 1 for outcomes in by_answer.values())
