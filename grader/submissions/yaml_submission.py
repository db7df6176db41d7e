"""Load a student's submission file: `{student, question, answers: {part: {item: text}}}`.

A submission is read without the rubric; whether it belongs to the question and which of its
answers the rubric knows is decided by `grader.grade`. Answers are kept exactly as written: a
plain `0123` stays the text "0123" rather than YAML's octal 83.
"""

from __future__ import annotations

from pathlib import Path

from grader.errors import Problem, SubmissionError
from grader.model import Submission, SubmittedAnswer
from grader.yaml_source import (
    Fields,
    Mapping,
    Scalar,
    describe_value,
    read_yaml_file,
)


def _answer_from(node: Scalar | object, line: int) -> SubmittedAnswer:
    if isinstance(node, Scalar):
        if node.value is None:
            return SubmittedAnswer(None, line)
        # What the student wrote, whatever YAML 1.1 makes of it, without the line break a
        # folded block (`>`) ends with.
        return SubmittedAnswer((node.raw if node.plain else str(node.value)).strip(), line)
    return SubmittedAnswer(None, line, f"expected the answer as text, found {describe_value(node)}")


def load_yaml_submission(path: Path | str) -> Submission:
    """Read one submission file, or raise `SubmissionError` saying what is wrong and where."""
    path = Path(path)
    root = read_yaml_file(path, SubmissionError)
    problems: list[Problem] = []
    fields = Fields(root, "", problems)
    student = fields.text("student")
    question = fields.text("question")
    answers_entry = fields.mapping("answers")
    fields.finish()
    answers: dict[str, SubmittedAnswer] = {}
    if answers_entry is not None:
        for part, (line, node) in answers_entry[1].entries.items():
            if not isinstance(node, Mapping):
                problems.append(
                    Problem(
                        line, f"answers.{part}", "expected the part's items, e.g. params: 9CD + D"
                    )
                )
                continue
            for item, (item_line, value) in node.entries.items():
                answers[f"{part}.{item}"] = _answer_from(value, item_line)
    if student is not None and not student.strip():
        problems.append(Problem(root.line, "student", "is empty"))
    if problems or student is None or question is None:
        raise SubmissionError(path, problems)
    return Submission(student=student.strip(), question=question, source=str(path), answers=answers)
