"""An instructor's override, applied to a re-graded answer, pinned whole (issue 21: "an
override that no longer matches a changed answer still giving 1 mark" survived every test).

Each test grades one answer, applies an override (`grader.overrides.apply_override`, as a
re-grade does) and checks the whole result: verdict, marks, feedback and decision.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_mutation_killers_count import RUBRIC

from grader.grade import grade_answer
from grader.model import Batch, SubmissionResult
from grader.overrides import Override, apply_override, apply_overrides

ITEM = RUBRIC.items["x.n"]  # 4 marks; PQCD is its misconception 1, worth 0.25
WHEN = "2026-12-01 10:00"
MISCONCEPTION = (
    "Only the weights.",
    "With P=4, Q=3, C=2, D=5 your count gives 120; the correct count is 180.",
)
DECIDED = ("read as P·Q·C·D", "not equivalent to the reference", "equivalent to misconception 1")


def _whole(result):
    return (result.verdict, result.marks, result.feedback, result.decision)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        pytest.param(
            Override(1.0, "right idea", "PQCD", WHEN),
            (
                "partial",
                1.0,
                ("Marks set by an instructor: 1/4: right idea", *MISCONCEPTION),
                (*DECIDED, "marks 0.25", f"override on {WHEN}: 1"),
            ),
            id="an override of the same answer sets its marks and says so",
        ),
        pytest.param(
            Override(1.0, "", "  PQCD\n", WHEN),
            (
                "partial",
                1.0,
                ("Marks set by an instructor: 1/4", *MISCONCEPTION),
                (*DECIDED, "marks 0.25", f"override on {WHEN}: 1"),
            ),
            id="spaces around the answer do not change it",
        ),
        pytest.param(
            Override(4.0, "", "PQCD", WHEN),
            (
                "correct",
                4.0,
                ("Marks set by an instructor: 4/4", *MISCONCEPTION),
                (*DECIDED, "marks 0.25", f"override on {WHEN}: 4"),
            ),
            id="full marks by an override are correct",
        ),
        pytest.param(
            Override(0.0, "", "PQCD", WHEN),
            (
                "incorrect",
                0.0,
                ("Marks set by an instructor: 0/4", *MISCONCEPTION),
                (*DECIDED, "marks 0.25", f"override on {WHEN}: 0"),
            ),
            id="no marks by an override are incorrect",
        ),
        pytest.param(
            Override(1.0, "right idea", "PQD", WHEN),
            (
                "needs_review",
                0.0,
                (
                    f"An instructor set 1 marks on {WHEN} for a different answer; the answer "
                    "has changed since, so it needs review again.",
                    *MISCONCEPTION,
                ),
                (*DECIDED, "marks 0.25", "override not applied: the answer changed"),
            ),
            id="an override of an answer that changed since is not applied",
        ),
        pytest.param(
            Override(5.0, "generous", "PQCD", WHEN),
            (
                "needs_review",
                4.0,
                (
                    f"An instructor set 5 marks on {WHEN}: generous; the item is now worth 4, "
                    "so the marks are capped at 4 until an instructor decides again.",
                    *MISCONCEPTION,
                ),
                (
                    *DECIDED,
                    "marks 0.25",
                    f"override on {WHEN} capped: 5 is more than the 4 the item is worth",
                ),
            ),
            id="an override worth more than the item is capped and reviewed again",
        ),
    ],
)
def test_an_override_applied_to_a_regraded_answer(override, expected):
    result = grade_answer(RUBRIC, ITEM, "PQCD")
    assert _whole(apply_override(result, override)) == expected


def test_an_override_answers_why_an_unreadable_answer_was_sent_to_a_person():
    result = grade_answer(RUBRIC, ITEM, "PQ +")
    assert result.verdict == "invalid"
    decided = apply_override(result, Override(2.0, "", "PQ +", WHEN))
    # The provisional-marks line is answered; the reason it could not be read stays.
    assert decided.feedback == (
        "Marks set by an instructor: 2/4",
        *(line for line in result.feedback if not line.startswith("An instructor will read")),
    )
    assert len(decided.feedback) == len(result.feedback)
    assert (decided.verdict, decided.marks) == ("partial", 2.0)


def test_an_override_answers_a_review_and_drops_why_it_was_sent():
    sent = replace(
        grade_answer(RUBRIC, ITEM, "PQCD"),
        verdict="needs_review",
        marks=0.0,
        feedback=("An instructor will check this answer: unsure.", *MISCONCEPTION),
    )
    decided = apply_override(sent, Override(3.0, "", "PQCD", WHEN))
    assert (decided.verdict, decided.marks, decided.feedback) == (
        "partial",
        3.0,
        ("Marks set by an instructor: 3/4", *MISCONCEPTION),
    )


def test_overrides_apply_to_their_own_student_and_item_only():
    one = grade_answer(RUBRIC, ITEM, "PQCD")
    other = grade_answer(RUBRIC, RUBRIC.items["z.n"], "CD")
    batch = Batch(
        results=[
            SubmissionResult("ann", "a.yaml", {"x.n": one, "z.n": other}),
            SubmissionResult("bob", "b.yaml", {"x.n": one, "z.n": other}),
        ]
    )
    applied = apply_overrides(batch, {("ann", "x.n"): Override(2.0, "", "PQCD", WHEN)})
    marks = {
        (r.student, item): result.marks for r in applied.results for item, result in r.items.items()
    }
    assert marks == {
        ("ann", "x.n"): 2.0,
        ("ann", "z.n"): 1.0,
        ("bob", "x.n"): 0.25,
        ("bob", "z.n"): 1.0,
    }
    assert apply_overrides(batch, {}) is batch


def test_the_default_reviewer_is_the_user_this_process_runs_as(monkeypatch):
    import getpass
    import os

    from grader.overrides import default_reviewer

    monkeypatch.setattr(getpass, "getuser", lambda: "marker")
    assert default_reviewer() == "marker"

    def no_login_name():
        raise KeyError("getpwuid(): uid not found")

    monkeypatch.setattr(getpass, "getuser", no_login_name)
    assert default_reviewer() == f"uid {os.getuid()}"
