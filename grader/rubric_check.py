"""Self-test a rubric before it meets a class, and write a skeleton for a new question.

`check_rubric` grades the rubric's own answers through the real pipeline: each reference must
earn full marks, each misconception's answer must fire that rule (so it is neither equal to the
reference nor shadowed by an earlier rule), every declared test must give its expected
verdict, marks and rule, and every rule must be exercised by some test. For explanations (text
items) a rule is a concept or a contradiction pattern: the reference answer must earn full
marks without a doubt, and every concept and contradiction must be found in some test.
"""

from __future__ import annotations

import json

from grader.check import counts_equal
from grader.concepts import Concept, Pattern, check_text, find_all
from grader.errors import Problem
from grader.formula_check import same_layer
from grader.grade import grade_answer
from grader.rubric import Item, Misconception, Rubric


def _equal(rubric: Rubric, item: Item, rule: Misconception, other: Misconception | Item) -> bool:
    """Whether a misconception's answer equals the reference's or another rule's: the same
    count, or a formula that defines the same layer."""
    if item.type == "formula":
        assert item.layer is not None and rule.formula is not None and other.formula is not None
        return bool(same_layer(rule.formula, other.formula, item.layer, rubric.size_sets))
    assert rule.answer is not None and other.answer is not None
    return counts_equal(rule.answer.expr, other.answer.expr)


def _check_rules(rubric: Rubric, item: Item) -> list[Problem]:
    """Count and formula items: the reference earns full marks, and every misconception fires
    on its own answer, neither equal to the reference nor shadowed by an earlier rule."""
    problems = []
    reference = grade_answer(rubric, item, item.answer_text)
    if reference.verdict != "correct":
        problems.append(
            Problem(
                item.line,
                f"{item.id}.answer",
                f"the reference answer is graded {reference.verdict}, not correct",
            )
        )
    for index, rule in enumerate(item.misconceptions):
        key = f"{item.id}.misconceptions[{index}]"
        if rule.answer is None and rule.formula is None:
            continue
        if _equal(rubric, item, rule, item):
            problems.append(
                Problem(
                    rule.line,
                    key,
                    f"{rule.answer_text!r} equals the reference "
                    "answer, so this rule can never fire",
                )
            )
            continue
        earlier = next(
            (
                j
                for j, other in enumerate(item.misconceptions[:index])
                if (other.answer is not None or other.formula is not None)
                and _equal(rubric, item, rule, other)
            ),
            None,
        )
        if earlier is not None:
            problems.append(
                Problem(
                    rule.line,
                    key,
                    f"equals misconception {earlier + 1} (line "
                    f"{item.misconceptions[earlier].line}), which always fires "
                    "first: this rule is shadowed",
                )
            )
            continue
        fired = grade_answer(rubric, item, rule.answer_text)
        if fired.diagnosis != f"misconception {index + 1}":
            problems.append(
                Problem(
                    rule.line,
                    key,
                    f"its own answer does not fire it: it is "
                    f"graded {fired.verdict} ({fired.diagnosis or 'no rule'})",
                )
            )
    return problems


def _check_text_reference(rubric: Rubric, item: Item) -> list[Problem]:
    """A text item's reference answer must earn full marks, with no doubt to send it for review."""
    result = grade_answer(rubric, item, item.answer_text)
    if result.verdict == "correct" and abs(result.marks - item.marks) <= 1e-9:
        return []
    if not item.concepts:
        why = (
            "the item has no concepts, so every answer goes to an instructor; add concepts "
            "(see docs/rubrics.md)"
        )
    else:
        check = check_text(item.concepts, item.marks, item.answer_text)
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
            f"{item.id}.answer",
            f"the reference answer is graded {result.verdict} "
            f"({result.marks:g}/{item.marks:g}), not correct: {why}",
        )
    ]


def _check_tests(rubric: Rubric) -> list[Problem]:
    problems = []
    items = rubric.items
    for number, test in enumerate(rubric.tests):
        result = grade_answer(rubric, items[test.item_id], test.answer)
        key = f"tests[{number}]"
        expected_rule = (
            f"misconception {test.misconception}" if test.misconception else test.diagnosis
        )
        wrong = []
        if result.verdict != test.verdict:
            wrong.append(f"verdict {result.verdict}, expected {test.verdict}")
        if test.marks is not None and abs(result.marks - test.marks) > 1e-9:
            wrong.append(f"marks {result.marks:g}, expected {test.marks:g}")
        if expected_rule is not None and result.diagnosis != expected_rule:
            wrong.append(f"rule {result.diagnosis or 'none'}, expected {expected_rule}")
        if wrong:
            problems.append(
                Problem(test.line, key, f"{test.item_id} {test.answer!r}: " + "; ".join(wrong))
            )
    return problems


def _check_coverage(rubric: Rubric) -> list[Problem]:
    problems = []
    exercised = {
        (t.item_id, f"misconception {t.misconception}") for t in rubric.tests if t.misconception
    }
    exercised |= {(t.item_id, t.diagnosis) for t in rubric.tests if t.diagnosis}
    for item in rubric.items.values():
        if item.type not in ("count", "formula"):
            continue  # text items' rules are concepts, checked by _check_concept_coverage
        for index, rule in enumerate(item.misconceptions):
            if (item.id, f"misconception {index + 1}") not in exercised:
                problems.append(
                    Problem(
                        rule.line,
                        f"{item.id}.misconceptions[{index}]",
                        "no test exercises this rule; add one to tests: with "
                        f"item: {item.id} and misconception: {index + 1}",
                    )
                )
        for diagnosis in item.partial_credit:
            if (item.id, diagnosis) not in exercised:
                problems.append(
                    Problem(
                        item.line,
                        f"{item.id}.partial_credit.{diagnosis}",
                        "no test exercises this rule; add one to tests: with "
                        f"item: {item.id} and diagnosis: {diagnosis}",
                    )
                )
    return problems


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
    for index, concept in enumerate(item.concepts):
        for kind in ("evidence", "contradictions"):
            for number, pattern in enumerate(getattr(concept, kind)):
                if pattern.malformed_pairing:
                    problems.append(
                        Problem(
                            _pattern_line(rubric, concept, pattern),
                            f"{item.id}.concepts[{index}].{kind}[{number}]",
                            f"{pattern.text!r}: a pairing joins exactly two word groups with ~, "
                            "e.g. 'token* ~ pixel*|position*'",
                        )
                    )
    return problems


def _check_concept_coverage(rubric: Rubric, item: Item) -> list[Problem]:
    """Every concept and every contradiction pattern of a text item must be found by a test."""
    answers = [t.answer for t in rubric.tests if t.item_id == item.id]
    checks = [check_text(item.concepts, item.marks, answer) for answer in answers]
    problems = []
    for index, concept in enumerate(item.concepts):
        key = f"{item.id}.concepts[{index}]"
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


def check_rubric(rubric: Rubric) -> list[Problem]:
    """Every problem the self-test finds, each with its line and key; empty when all is well."""
    problems = []
    for item in rubric.items.values():
        if item.type in ("count", "formula"):
            problems.extend(_check_rules(rubric, item))
        elif item.type == "text":
            problems.extend(_check_text_reference(rubric, item))
            problems.extend(_check_patterns(rubric, item))
            problems.extend(_check_concept_coverage(rubric, item))
    problems.extend(_check_tests(rubric))
    problems.extend(_check_coverage(rubric))
    return sorted(problems, key=lambda p: (p.line or 0, p.key))


SKELETON = """\
# Rubric for question {id}. Check it with: grader rubric check {out}
# The guide to every key is docs/rubrics.md.

id: {id_yaml}
title: A one-line title of the question

# Every symbol an answer may use. Symbols are case-sensitive single letters (or a letter with a
# subscript, such as d_k); runs of letters such as PQC are split over them.
symbols:
  C:
    meaning: the number of input channels
    example: 2        # the size shown in counterexamples
  D:
    meaning: the number of output channels
    example: 5

parts:
  a:
    marks: 2          # the sum of the marks of the part's items
    prompt: >
      How many learnable parameters does a 1x1 convolution from C to D channels have?
    items:
      params:
        type: count   # count, formula or text
        label: Parameters   # how Markdown submissions label the answer
        aliases: [Params]
        marks: 2
        answer: 'CD + D'    # quote answers: YAML reads 0123 or yes as something else
        bias: 'D'           # the layer's biases, for the bias diagnoses
        partial_credit:     # marks for generic diagnoses (see the guide)
          bias_missing: 1
        misconceptions:
          - answer: '9CD + D'
            feedback: >
              9CD + D is the count of a 3x3 convolution; a 1x1 filter has C weights.
            marks: 0

# Self-tests, run by `grader rubric check`: each answer, the verdict it must get, and
# optionally the marks and the rule (misconception number or diagnosis) that must fire.
tests:
  - item: a.params
    answer: 'D(C + 1)'
    verdict: correct
    marks: 2
  - item: a.params
    answer: '9 \\times C \\times D + D'
    verdict: incorrect
    misconception: 1
  - item: a.params
    answer: 'CD'
    verdict: partial
    marks: 1
    diagnosis: bias_missing
"""


def skeleton(question_id: str, out: str) -> str:
    """A commented rubric for `question_id` that passes `check_rubric` as it stands."""
    return SKELETON.format(id=question_id, id_yaml=json.dumps(question_id), out=out)
