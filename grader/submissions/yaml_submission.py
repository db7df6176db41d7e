"""Load a student's submission file: `{student, question, answers: {part: {item: text}}}`.

A submission is read without the rubric; whether it belongs to the question and which of its
answers the rubric knows is decided by `grader.grade`. Answers are kept exactly as written: a
plain `0123` stays the text "0123" rather than YAML's octal 83.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from grader.errors import Problem, SubmissionError
from grader.model import Rubric, Submission, SubmittedAnswer, written_answer
from grader.yaml_source import (
    MAP_TAG,
    MAX_NODES,
    STR_TAG,
    Fields,
    Mapping,
    Scalar,
    compose_yaml,
    describe_value,
    located,
    plain_answer,
    read_bounded_text,
    whole_characters,
)


def _answer_from(node: Scalar | object, line: int) -> SubmittedAnswer:
    if isinstance(node, Scalar):
        if node.value is None:
            return SubmittedAnswer(None, line)
        # What the student wrote, whatever YAML 1.1 makes of it, without the line break a
        # folded block (`>`) ends with.
        return SubmittedAnswer((node.raw if node.plain else str(node.value)).strip(), line)
    return SubmittedAnswer(None, line, f"expected the answer as text, found {describe_value(node)}")


def load_yaml_submission(path: Path | str, rubric: Rubric | None = None) -> Submission:
    """Read one submission file, or raise `SubmissionError` saying what is wrong and where
    (with the names of `rubric`'s parts and items in its examples, where it is given)."""
    path = Path(path)
    node = compose_yaml(path, read_bounded_text(path, SubmissionError), SubmissionError)
    return _usual_submission(node, path) or _submission(
        located(path, node, SubmissionError), path, rubric
    )


def _nesting_example(rubric: Rubric | None, part: str) -> str:
    """How a part's items are written, in `rubric`'s own names: `a: {length: your answer}` for
    `a` (or a key `a.length` that put the item in the part's place). Never a rubric's answer."""
    if rubric is None or not rubric.parts:
        return "a: {params: your answer}"
    name, _, item = part.partition(".")
    chosen = next((p for p in rubric.parts if p.key == name), rubric.parts[0])
    keys = [i.key for i in chosen.items]
    return f"{chosen.key}: {{{item if item in keys else keys[0]}: your answer}}"


def _usual_submission(node: yaml.Node, path: Path) -> Submission | None:
    """The submission of a file of the usual shape, read straight from PyYAML's nodes: a
    mapping of `student` and `question` (texts, a student not blank) and `answers` (a mapping
    of parts, each a mapping of items to scalar answers, `plain_answer`), and nothing else;
    no key given twice. It is what `_submission` reads from the located nodes, without
    making them (a class's files are mostly of this shape). None for any other file, which
    `_submission` reads and reports on."""
    top = _entries(node)
    if top is None or top.keys() != {"student", "question", "answers"}:
        return None
    student, question, parts = (top[key][1] for key in ("student", "question", "answers"))
    if not (_is_text(student) and _is_text(question) and student.value.strip()):
        return None
    by_part = _entries(parts)
    if by_part is None:
        return None
    answers: dict[str, SubmittedAnswer] = {}
    visited = 4  # the document, its three values; then each part and answer, as `located` counts
    for part, (_, items_node) in by_part.items():
        items = _entries(items_node)
        if items is None:
            return None
        visited += 1 + len(items)
        if visited > MAX_NODES:
            return None
        for item, (line, value) in items.items():
            is_answer, text = plain_answer(value)
            if not is_answer:
                return None
            answers[f"{part}.{item}"] = written_answer(None if text is None else text.strip(), line)
    return Submission(
        student=student.value.strip(),
        question=question.value,
        source=str(path),
        answers=answers,
        question_line=top["question"][0],
    )


def _is_text(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG and whole_characters(node)


def _entries(node: yaml.Node) -> dict[str, tuple[int, yaml.Node]] | None:
    """A mapping node's entries, name -> (line of the key, value), as `located` reads them;
    None if it is not a mapping, has a tag, or has a key that is not a scalar or is given
    twice."""
    if not isinstance(node, yaml.MappingNode) or node.tag != MAP_TAG:
        return None
    entries: dict[str, tuple[int, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.value in entries:
            return None
        if not whole_characters(key):  # `located` says what is wrong with it
            return None
        entries[key.value] = (key.start_mark.line + 1, value)
    return entries


def _submission(root, path: Path, rubric: Rubric | None = None) -> Submission:
    """A submission read from its located nodes (`yaml_source.located`), every problem
    reported with its line and key."""
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
                example = _nesting_example(rubric, part)
                problems.append(
                    Problem(line, f"answers.{part}", f"expected the part's items, e.g. {example}")
                )
                continue
            for item, (item_line, value) in node.entries.items():
                answers[f"{part}.{item}"] = _answer_from(value, item_line)
    if student is not None and not student.strip():
        problems.append(Problem(root.line, "student", "is empty"))
    if problems or student is None or question is None:
        raise SubmissionError(path, problems)
    return Submission(
        student=student.strip(),
        question=question,
        source=str(path),
        answers=answers,
        question_line=root.entries["question"][0],
    )
