"""Grading a whole submission given as {item id: answer}, as a run grades a student's file
(the part's notes and marks carried forward included): for tests that need more than one
item, where `grader.grade.grade_answer` grades one."""

from __future__ import annotations

from grader.grade import grade_submission
from grader.model import Rubric, Submission, SubmissionResult, SubmittedAnswer


def grade_answers(rubric: Rubric, answers: dict[str, str]) -> SubmissionResult:
    """One student's answers (each on its own line, in order) graded under `rubric`."""
    submission = Submission(
        "student",
        rubric.id,
        "test",
        {item: SubmittedAnswer(text, line) for line, (item, text) in enumerate(answers.items(), 1)},
    )
    return grade_submission(rubric, submission)
