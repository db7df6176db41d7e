"""The pipeline never lets one answer's failure cost another answer or another student."""

from pathlib import Path

import pytest
import sympy

import grader.kinds.count
import grader.kinds.count.check
from grader.grade import grade_answer, grade_paths
from grader.kinds.count.check import CheckDisagreement, counts_equal
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")


def test_a_crash_inside_the_check_is_an_error_verdict_not_an_exception(monkeypatch):
    def explode(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(grader.kinds.count, "check_count", explode)
    result = grade_answer(RUBRIC, RUBRIC.items["a.params"], "PQCPQD + PQD")
    assert result.verdict == "error"
    assert result.marks == 0
    assert "ZeroDivisionError" in result.feedback[0]


def test_a_crash_on_one_answer_leaves_the_other_answers_and_students_graded(monkeypatch):
    real_check = grader.kinds.count.check_count

    def explode_on_b(item, parsed, specs, *items):
        if item.id == "b.params":
            raise RuntimeError("a bug")
        return real_check(item, parsed, specs, *items)

    monkeypatch.setattr(grader.kinds.count, "check_count", explode_on_b)
    batch = grade_paths(RUBRIC, [ROOT / "submissions" / "22-52-q4"])
    assert len(batch.results) == len(list((ROOT / "submissions" / "22-52-q4").rglob("*.*")))
    assert not batch.failures
    for result in batch.results:
        b, d = result.items["b.params"], result.items["d.params"]
        # A transcript that gives two different counts sends the item to a person either way.
        two_answers = b.verdict == "needs_review" and "different answers" in b.feedback[0]
        assert b.verdict == "error" or two_answers, result.student
        assert "a bug" not in " ".join(d.feedback) and d.verdict != "error"


def test_when_sampling_and_normal_form_disagree_a_person_decides(monkeypatch):
    # Pretend the exact comparison found a difference that no sampled point shows.
    monkeypatch.setattr(grader.kinds.count.check, "exactly_equal", lambda a, b: False)
    with pytest.raises(CheckDisagreement):
        counts_equal(sympy.Symbol("P") * 2, sympy.Symbol("P") + sympy.Symbol("P"))
    result = grade_answer(RUBRIC, RUBRIC.items["b.params"], "9CD + D")
    assert result.verdict == "needs_review"
    assert result.marks == 0
    assert "unsure" in result.feedback[0]


def test_a_count_written_with_a_symbol_that_cancels_still_gets_a_counterexample():
    # (P²-1)/(P-1) - P is 1 for every P but vanishes nowhere only once cancelled: the
    # counterexample gives P a size of its own rather than one where its denominator is 0.
    result = grade_answer(RUBRIC, RUBRIC.items["b.params"], "9CD + D + (P^2-1)/(P-1) - P")
    assert result.verdict == "incorrect"
    assert "With P=4, C=2, D=5 your count gives 96; the correct count is 95." in result.feedback


def test_an_answer_built_to_agree_with_a_diagnosis_at_every_sample_point_is_still_just_wrong():
    # A student who knows the seed can make a count agree with 9CD (the count without its
    # biases) at all six sampled points; the polynomials differ, so that is not the diagnosis,
    # and an answer already proved wrong is not sent for review.
    sizes_of_c = sorted({point[2] for point in grader.kinds.count.check._sample_points(6, 4)})
    crafted = "9CD + " + "".join(f"(C-{c})" for c in sizes_of_c)
    result = grade_answer(RUBRIC, RUBRIC.items["b.params"], crafted)
    assert result.verdict == "incorrect"
    assert result.diagnosis is None
    assert any(line.startswith("With ") for line in result.feedback)


def test_the_terms_of_a_reference_with_a_denominator_are_its_terms_as_written(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(
        "id: T-2\ntitle: A reference with a quotient\nsymbols:\n"
        "  C: {meaning: in, example: 2}\n  D: {meaning: out, example: 5}\n"
        "parts:\n  a:\n    marks: 1\n    prompt: A count?\n    items:\n"
        "      n: {type: count, marks: 1, answer: '1/(D+1) + C'}\n",
        encoding="utf-8",
    )
    rubric = load_rubric(path)
    result = grade_answer(rubric, rubric.items["a.n"], "1/(D + 1)")
    assert result.diagnosis == "term_missing"
    assert "the correct count also has C." in result.feedback[0]


def test_a_point_where_the_values_differ_proves_the_counts_differ():
    P, Q = sympy.symbols("P Q", positive=True, integer=True)
    assert not counts_equal(P * Q, P * Q + 1)
    assert counts_equal((P**2 - Q**2) / (P - Q), P + Q)


def test_grading_is_deterministic():
    first = grade_paths(RUBRIC, [ROOT / "submissions" / "22-52-q4"])
    second = grade_paths(RUBRIC, [ROOT / "submissions" / "22-52-q4"])
    assert first == second


def test_an_override_answers_the_review_notice_instead_of_showing_it_beside_the_marks():
    from grader.overrides import Override, apply_override

    sent = grade_answer(RUBRIC, RUBRIC.items["e.explanation"], "token pixel channel embedding")
    assert sent.verdict == "needs_review"
    assert sent.feedback[0].startswith("An instructor will check this answer")
    decided = apply_override(sent, Override(1.0, "keywords only", sent.answer, "2026-11-25"))
    assert decided.verdict == "partial" and decided.marks == 1.0
    assert decided.feedback[0] == "Marks set by an instructor: 1/3: keywords only"
    assert not any("provisional until a person confirms" in line for line in decided.feedback)
