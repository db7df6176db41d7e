"""Self-test a rubric before it meets a class, and write a skeleton for a new question.

`check_rubric` grades the rubric's own answers through the real pipeline. Each item's kind
tests its own rules (`ItemKind.self_test`): for counts and formulas, the reference must earn
full marks and each misconception's answer must fire that rule (so it is neither equal to the
reference nor shadowed by an earlier rule); for explanations, a rule is a concept or a
contradiction pattern, the reference must earn full marks without a doubt, and every concept
and contradiction must be found in some test. Then every declared test must give its expected
verdict, marks and rule, and every misconception and partial credit must be exercised by some
test.
"""

from __future__ import annotations

import json

from grader.errors import Caution, Problem, in_short, quoted
from grader.grade import grade_answer
from grader.kinds import kind_of
from grader.model import Rubric


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
            if result.feedback:
                wrong.append(f"the grader says: {in_short(result.feedback)}")
            problems.append(
                Problem(
                    test.line, key, f"{test.item_id} {quoted(test.answer)}: " + "; ".join(wrong)
                )
            )
    return problems


def _check_coverage(rubric: Rubric) -> list[Problem]:
    problems = []
    exercised = {
        (t.item_id, f"misconception {t.misconception}") for t in rubric.tests if t.misconception
    }
    exercised |= {(t.item_id, t.diagnosis) for t in rubric.tests if t.diagnosis}
    for item in rubric.items.values():
        for index, rule in enumerate(item.misconceptions):
            if rule.reading is None:
                continue  # the kind does not read it (an explanation's): it never fires
            if (item.id, f"misconception {index + 1}") not in exercised:
                problems.append(
                    Problem(
                        rule.line,
                        f"{item.key_path}.misconceptions[{index}]",
                        "no test exercises this rule; add one to tests: with "
                        f"item: {item.id} and misconception: {index + 1}",
                    )
                )
        for diagnosis in item.partial_credit:
            if diagnosis in kind_of(item).part_diagnoses:
                continue  # given from another answer of the part: the kind's self-test checks it
            if (item.id, diagnosis) not in exercised:
                problems.append(
                    Problem(
                        item.line,
                        f"{item.key_path}.partial_credit.{diagnosis}",
                        "no test exercises this rule; add one to tests: with "
                        f"item: {item.id} and diagnosis: {diagnosis}",
                    )
                )
    return problems


def check_rubric(rubric: Rubric) -> list[Problem]:
    """Every problem the self-test finds, each with its line and key; empty when all is well."""
    return review_rubric(rubric)[0]


def review_rubric(rubric: Rubric) -> tuple[list[Problem], list[Problem]]:
    """What the self-test finds: the problems (the rubric fails the check) and the warnings
    (`Caution`s: what may be meant, from loading and from the kinds' self-tests), each with
    its line and key, in the order of the file."""
    problems: list[Problem] = []
    for item in rubric.items.values():
        problems.extend(
            kind_of(item).self_test(
                rubric, item, lambda item, answer: grade_answer(rubric, item, answer)
            )
        )
    problems.extend(_check_tests(rubric))
    problems.extend(_check_coverage(rubric))
    found = sorted(problems, key=lambda p: (p.line or 0, p.key))
    warnings = [*rubric.warnings, *(p for p in found if isinstance(p, Caution))]
    return (
        [p for p in found if not isinstance(p, Caution)],
        sorted(warnings, key=lambda p: (p.line or 0, p.key)),
    )


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
        type: count   # count, formula, text, expression or matrix
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
