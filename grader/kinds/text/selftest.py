"""The self-test of a text item: its reference earns full marks without a doubt, its patterns
are well formed, and every concept and contradiction is found by some test."""

from __future__ import annotations

from collections.abc import Callable

from grader.errors import Problem
from grader.kinds.text import maths
from grader.kinds.text.concepts import PAIRING, Concept, Pattern, check_text, find_all
from grader.model import Item, ItemResult, Rubric


def _check_reference(
    rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
) -> list[Problem]:
    """A text item's reference answer must earn full marks, with no doubt to send it for review."""
    result = grade(item, item.answer_text)
    if result.verdict == "correct" and abs(result.marks - item.marks) <= 1e-9:
        return []
    if not item.spec.concepts:
        why = (
            "the item has no concepts, so every answer goes to an instructor; add concepts "
            "(see docs/rubrics.md)"
        )
    else:
        check = check_text(item.spec.concepts, item.marks, item.answer_text)
        missing = [f.concept.name for f in check.findings if f.evidence is None]
        contradicted = [f.concept.name for f in check.findings if f.contradiction is not None]
        why = "; ".join(
            [
                *(f"no evidence of concept {name!r}" for name in missing),
                *(f"concept {name!r} is contradicted" for name in contradicted),
                *check.doubts,
            ]
        )
    return [
        Problem(
            _key_line(rubric, item.line, "answer"),
            f"{item.key_path}.answer",
            f"the reference answer is graded {result.verdict} "
            f"({result.marks:g}/{item.marks:g}), not correct: {why}",
        )
    ]


def _key_line(rubric: Rubric, line: int, key: str) -> int:
    """The line of `key` in the block mapping whose first key is on `line` (else `line`)."""
    lines = rubric.source_text.splitlines()
    if not 1 <= line <= len(lines):
        return line

    def depth(text: str) -> int:
        return len(text) - len(text.lstrip(" -"))

    indent = depth(lines[line - 1])
    for number in range(line, len(lines) + 1):
        text = lines[number - 1]
        if number > line and text.strip() and depth(text) < indent:
            break  # the mapping has ended
        if depth(text) == indent and text.lstrip(" -").startswith(f"{key}:"):
            return number
    return line


def _pattern_line(rubric: Rubric, concept: Concept, pattern: Pattern) -> int:
    """The line of a concept's pattern in the rubric file (the concept's line if not found)."""
    lines = rubric.source_text.splitlines()
    for number in range(concept.line, len(lines) + 1):
        if pattern.text in lines[number - 1]:
            return number
    return concept.line


def _check_patterns(rubric: Rubric, item: Item) -> list[Problem]:
    problems = []
    for index, concept in enumerate(item.spec.concepts):
        for kind in ("evidence", "contradictions"):
            for number, pattern in enumerate(getattr(concept, kind)):
                where = f"{item.key_path}.concepts[{index}].{kind}[{number}]"
                for malformed, rule in (
                    (
                        pattern.malformed_pairing,
                        "a pairing joins exactly two word groups with ~, e.g. "
                        "'token* ~ pixel*|position*'",
                    ),
                    (
                        pattern.malformed_order,
                        "> stands between two word groups, the word of the one before it "
                        "before that of the one after it, e.g. '1/d+1/k^2 > fewer' (each > "
                        "of several orders its own two: 'a > b c > d')",
                    ),
                    (
                        pattern.malformed_not_after,
                        "a ! group lists words that may not stand just before a word of the "
                        "match, beside the pattern's word groups, not in a pairing, e.g. "
                        "'!attention same weight* token*'",
                    ),
                ):
                    if malformed:
                        line = _pattern_line(rubric, concept, pattern)
                        problems.append(Problem(line, where, f"{pattern.text!r}: {rule}"))
                unread = [
                    alternative
                    for group in pattern.text.replace(PAIRING, " ").split()
                    for alternative in group.split("|")
                    if maths.is_maths(alternative) and maths.canonical(alternative) is None
                ]
                problems += [
                    Problem(
                        _pattern_line(rubric, concept, pattern),
                        where,
                        f"{pattern.text!r}: {alternative!r} has an operator, so it is maths, "
                        "and it cannot be read as maths (letters, whole numbers, + - * / and "
                        "whole powers, e.g. '1/d+1/k^2'); it fits nothing",
                    )
                    for alternative in unread
                ]
    return problems


def _check_concept_coverage(rubric: Rubric, item: Item) -> list[Problem]:
    """Every concept and every contradiction pattern of a text item must be found by a test."""
    answers = [t.answer for t in rubric.tests if t.item_id == item.id]
    checks = [check_text(item.spec.concepts, item.marks, answer) for answer in answers]
    problems = []
    for index, concept in enumerate(item.spec.concepts):
        key = f"{item.key_path}.concepts[{index}]"
        if not any(check.findings[index].evidence is not None for check in checks):
            problems.append(
                Problem(
                    concept.line,
                    key,
                    f"no test exercises this concept ({concept.name}); add one to tests: with "
                    f"item: {item.id} and an answer that states it",
                )
            )
        for number, pattern in enumerate(concept.contradictions):
            if not any(
                not match.negated
                for answer in answers
                for match in find_all((pattern,), answer, concept.pairings)
            ):
                problems.append(
                    Problem(
                        _pattern_line(rubric, concept, pattern),
                        f"{key}.contradictions[{number}]",
                        f"no test exercises this contradiction ({pattern.text!r}); add one to "
                        f"tests: with item: {item.id} and an answer that says it",
                    )
                )
    return problems


def check_text_item(
    rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
) -> list[Problem]:
    """Every problem of a text item's rules, found by grading its reference and tests."""
    return [
        *_check_reference(rubric, item, grade),
        *_check_patterns(rubric, item),
        *_check_concept_coverage(rubric, item),
    ]
