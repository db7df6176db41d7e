"""Read a submission written in Markdown, as students type it:

    ---
    student: seed-student-1
    question: 22-52-Q4
    ---
    ## (a)
    Formula: $$ y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k $$
    Parameters: $P \\times Q \\times C$

Front matter names the student and the question; a heading starts a part (`## (a)`, `## a)`,
`## Part a`); a line starting with one of the item labels the rubric declares (its key, label
or aliases, any case) starts an answer, which runs until the next label or heading, over
several lines if need be. Maths may be written in `$…$` or `$$…$$`, also across lines; inside
a `$$` block nothing is taken for a label or a heading. Text the importer cannot place is
reported, never given to a neighbouring answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from grader.errors import Problem, SubmissionError
from grader.submission import Submission, SubmittedAnswer
from grader.yaml_source import Fields, load_yaml, read_bounded_text

_HEADING = re.compile(
    r"^\s{0,3}#{1,6}\s*(?:part\s*)?\(?\s*([A-Za-z0-9]+)\s*\)?\s*[.:)]?\s*(?:#+\s*)?$",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z0-9 ]{0,40}?)\s*:(?:\*\*|__)?\s*(.*)$"
)


def _front_matter(path: Path, lines: list[str]) -> tuple[str, str, int]:
    """(student, question, index of the first line after the front matter)."""
    if not lines or lines[0].strip() != "---":
        raise SubmissionError(
            path,
            [
                Problem(
                    1,
                    "",
                    "a Markdown submission starts with front matter: a '---' line, "
                    "student: and question:, and another '---' line",
                )
            ],
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise SubmissionError(
            path, [Problem(1, "", "the front matter is never closed by '---'")]
        ) from None
    root = load_yaml(path, "\n".join(lines[1:end]) + "\n", SubmissionError)
    problems: list[Problem] = []
    fields = Fields(root, "", problems)
    student = fields.text("student")
    question = fields.text("question")
    fields.finish()
    # Lines in the front matter are counted from the '---' line.
    problems = [Problem(p.line + 1 if p.line else p.line, p.key, p.message) for p in problems]
    if problems or student is None or question is None:
        raise SubmissionError(path, problems)
    if not student.strip():
        raise SubmissionError(path, [Problem(2, "student", "is empty")])
    return student.strip(), question, end + 1


def load_markdown_submission(path: Path | str, labels: Mapping[str, set[str]]) -> Submission:
    """Read a Markdown submission; `labels` maps each part to the names its items answer to."""
    path = Path(path)
    text = read_bounded_text(path, SubmissionError)
    lines = text.splitlines()
    student, question, start = _front_matter(path, lines)

    answers: dict[str, SubmittedAnswer] = {}
    unassigned: list[tuple[int, str]] = []
    part: str | None = None
    current: tuple[str, int, list[str]] | None = None  # (key, line, pieces)
    in_display_maths = False

    def close_answer() -> None:
        nonlocal current
        if current is not None:
            key, line, pieces = current
            body = _unwrap_maths(" ".join(" ".join(pieces).split()))
            if key in answers:
                unassigned.append(
                    (
                        line,
                        f"a second answer labelled {key.partition('.')[2]!r} "
                        f"in part {key.partition('.')[0]!r} was not graded",
                    )
                )
            else:
                answers[key] = SubmittedAnswer(body or None, line)
            current = None

    for number, line in enumerate(lines[start:], start=start + 1):
        if not in_display_maths:
            heading = _HEADING.match(line)
            if heading:
                close_answer()
                part = heading.group(1).lower()
                continue
            if line.lstrip().startswith("#"):
                continue  # a title or another heading: structure, not an answer
            label = _LABEL.match(line)
            if label and part is not None and _known(label.group(1), labels.get(part, set())):
                close_answer()
                current = (f"{part}.{' '.join(label.group(1).split())}", number, [label.group(2)])
                in_display_maths = label.group(2).count("$$") % 2 == 1
                continue
        if line.count("$$") % 2 == 1:
            in_display_maths = not in_display_maths
        if current is not None:
            current[2].append(line)
        elif line.strip():
            where = f"in part {part!r}" if part else "before the first part heading"
            unassigned.append(
                (
                    number,
                    f"text {where} under no answer label was not graded: {line.strip()[:60]!r}",
                )
            )
    close_answer()
    if in_display_maths:
        raise SubmissionError(path, [Problem(len(lines), "", "a '$$' maths block is never closed")])
    return Submission(student, question, str(path), answers, tuple(unassigned))


def _unwrap_maths(body: str) -> str:
    """`$…$` or `$$…$$` around the whole answer only says "maths"; the answer is inside."""
    for fence in ("$$", "$"):
        inner = body[len(fence) : -len(fence)]
        wrapped = len(body) > 2 * len(fence) and body.startswith(fence) and body.endswith(fence)
        if wrapped and "$" not in inner:
            return inner.strip()
    return body


def _known(name: str, names: set[str]) -> bool:
    return " ".join(name.split()).casefold() in names
