"""Load a student's submission file: `{student, question, answers: {part: {item: text}}}`.

A submission is read without the rubric; whether it belongs to the question and which of its
answers the rubric knows is decided by `grader.grade`. Answers are kept exactly as written: a
plain `0123` stays the text "0123" rather than YAML's octal 83.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.errors import Problem, SubmissionError
from grader.yaml_source import (
    Fields,
    Mapping,
    Scalar,
    describe_value,
    read_yaml_file,
)

SUBMISSION_SUFFIXES = (".yaml", ".yml", ".md")


@dataclass(frozen=True)
class SubmittedAnswer:
    text: str | None  # None when the item was left empty
    line: int
    problem: str | None = None  # set when the value is not an answer at all (a list, say)


@dataclass(frozen=True)
class Submission:
    student: str
    question: str
    source: str
    answers: dict[str, SubmittedAnswer]  # "part.name" -> answer, name as the student gave it
    unassigned: tuple[tuple[int, str], ...] = ()  # (line, what) content no answer claims


def _answer_from(node: Scalar | object, line: int) -> SubmittedAnswer:
    if isinstance(node, Scalar):
        if node.value is None:
            return SubmittedAnswer(None, line)
        # What the student wrote, whatever YAML 1.1 makes of it, without the line break a
        # folded block (`>`) ends with.
        return SubmittedAnswer((node.raw if node.plain else str(node.value)).strip(), line)
    return SubmittedAnswer(None, line, f"expected the answer as text, found {describe_value(node)}")


def load_submission(path: Path | str) -> Submission:
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


def collect_submission_files(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into submission files, in a stable order.

    Returns the files and, for paths that cannot be used, the reason. Folders are walked
    without following symbolic links; hidden files and folders are skipped.
    """
    files: list[Path] = []
    unusable: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_symlink():
            unusable.append((path, "is a symbolic link; links are not followed"))
        elif path.is_dir():
            found = []
            for folder, subfolders, names in os.walk(path, followlinks=False):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                found.extend(
                    Path(folder) / name
                    for name in names
                    if name.endswith(SUBMISSION_SUFFIXES) and not name.startswith(".")
                )
            files.extend(sorted(found))
        elif path.exists():
            files.append(path)
        else:
            unusable.append((path, "does not exist"))
    return files, unusable
