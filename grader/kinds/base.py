"""What a kind of item provides (`ItemKind`), and the pieces of rubric reading they share.

A kind is one folder under `grader/kinds/` and one line in `grader.kinds.KINDS`. Nothing
outside `grader/kinds/` knows a kind by name: the rubric loader, the grading pipeline, the
Markdown importer and the self-test ask the item's kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from grader.errors import AnswerError, Problem, in_short, quoted
from grader.model import Context, Diagnosis, Item, ItemResult, Misconception, Rubric
from grader.yaml_source import Fields


class DiagnosisNames:
    """The names of the diagnoses a kind can make, registered where they are made.

    Each function (or method) that diagnoses a wrong answer is decorated with the names it
    may give, and gives them through `make`, which refuses a name it was not registered
    with. The names a rubric's `partial_credit` and self-tests may use are `names`, so they
    cannot drift from what the code produces.
    """

    def __init__(self) -> None:
        self._names: dict[str, None] = {}

    def produces(self, *names: str) -> Callable[[Callable], Callable]:
        """Decorator: the function diagnoses with these `names`."""
        for name in names:
            self._names[name] = None
        return lambda function: function

    def make(self, kind: str, message: str) -> Diagnosis:
        if kind not in self._names:
            raise ValueError(f"diagnosis {kind!r} is not registered")
        return Diagnosis(kind, message)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._names)


class ItemKind(Protocol):
    """One kind of answer item: everything the pipeline needs to know of it."""

    name: str  # the rubric's `type:`
    keys: tuple[str, ...]  # rubric keys only this kind reads (besides `partial_credit`)
    diagnoses: tuple[str, ...]  # what its `partial_credit` and tests may name
    keeps_prose: bool  # a Markdown answer is the whole run of prose, not its first maths
    count_role: str | None  # "states" a parameter count, "defines" one (a formula), or None
    part_diagnoses: tuple[str, ...]  # diagnoses given from the part's other answers, which
    # a one-answer self-test cannot give (a count's marks carried forward from a formula)

    def advice(self, item: Item, context: Context) -> str | None:
        """The line shown under an answer to `item` that could not be read: how to write it,
        with an example in the question's own symbols (None if every answer is read)."""
        ...

    def describe_diagnosis(self, name: str) -> str:
        """One of `diagnoses` in a few words for the class overview ("the biases are left
        out"); a student is told the diagnosis's own message instead."""
        ...

    def read_spec(
        self, fields: Fields, marks: float | None, context: Context, problems: list[Problem]
    ) -> Any:
        """The kind's own rubric keys as its `spec`; None when the item cannot be used."""
        ...

    def read_answer(
        self,
        text: str,
        line: int,
        path: str,
        context: Context,
        spec: Any,
        problems: list[Problem],
        *,
        misconception: bool,
    ) -> Any:
        """A rubric's answer read as students' are, or None with a problem recorded:
        `misconception` says whether it is a misconception's (which may be wrong in ways a
        reference or accepted answer may not) or an answer the rubric accepts."""
        ...

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        """Read, check and score one non-empty answer. An `AnswerError` means it could not be
        read; the caller turns it, and any other failure, into a result."""
        ...

    def carry_forward(
        self, item: Item, count: ItemResult, formula: ItemResult, context: Context
    ) -> ItemResult | None:
        """Only for a kind whose `count_role` is "states": the result of a count that is
        right for the student's own `formula` of the same part, when the rubric gives such a
        count marks; None to leave `count` as it is."""
        ...

    def recognises(self, item: Item, text: str, context: Context) -> bool:
        """Whether a piece of maths found in a transcript is an answer of this kind for
        `item` (never for a kind that keeps prose: its answer is the part's prose)."""
        ...

    def same_answer(self, item: Item, first: Any, second: Any, context: Context) -> bool:
        """Whether two readings are the same answer (for the rubric's self-test)."""
        ...

    def self_test(
        self, rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
    ) -> list[Problem]:
        """What is wrong with the item's rules, found by grading its own answers."""
        ...


def read_with_caret(read: Callable[[], Any], text: str, line: int, path: str, problems) -> Any:
    """`read()`, or None with a problem naming the answer and pointing at what is wrong."""
    try:
        return read()
    except AnswerError as error:
        caret = error.caret()
        detail = f"\n      {caret.replace(chr(10), chr(10) + '      ')}" if caret else ""
        problems.append(Problem(line, path, f"cannot read {quoted(text)}: {error}{detail}"))
        return None


def read_misconceptions(
    fields: Fields,
    marks: float | None,
    problems: list[Problem],
    read: Callable[..., Any] | None,
) -> list[Misconception]:
    """The item's `misconceptions`, each answer read by `read(text, line, path,
    misconception=True)` (not read at all when `read` is None)."""
    entry = fields.sequence("misconceptions", required=False)
    if entry is None:
        return []
    _, sequence = entry
    result = []
    for index, node in enumerate(sequence.items):
        path = f"{fields.path}.misconceptions[{index}]"
        rule = Fields(node, path, problems)
        answer = rule.answer("answer")
        feedback = (rule.text("feedback") or "").strip()
        rule_marks = rule.number("marks", required=False, default=0.0)
        rule.finish()
        if answer is None:
            continue
        text, line = answer
        if marks is not None and rule_marks is not None and rule_marks >= marks:
            problems.append(
                Problem(
                    node.line,
                    f"{path}.marks",
                    f"a misconception must earn less than the item's {marks:g} marks",
                )
            )
        reading = None
        if read is not None:
            reading = read(text, line, f"{path}.answer", misconception=True)
        result.append(Misconception(text, reading, feedback, rule_marks or 0.0, node.line))
    return result


def read_partial_credit(
    fields: Fields, diagnoses: tuple[str, ...], marks: float | None, problems: list[Problem]
) -> dict[str, float]:
    """`partial_credit`: marks for each named diagnosis, each less than the item's."""
    credit = fields.mapping("partial_credit", required=False)
    if credit is None:
        return {}
    credit_fields = Fields(credit[1], f"{fields.path}.partial_credit", problems)
    partial_credit = {}
    for diagnosis in diagnoses:
        value = credit_fields.number(diagnosis, required=False)
        if value is not None:
            if marks is not None and value >= marks:
                credit_fields.problem(
                    credit[1].entries[diagnosis][0],
                    diagnosis,
                    f"must be less than the item's {marks:g} marks",
                )
            partial_credit[diagnosis] = value
    credit_fields.finish()
    return partial_credit


def check_rules(
    item: Item,
    grade: Callable[[Item, str], ItemResult],
    same: Callable[[Any, Any], bool],
    why_equal: Callable[[Any], str] | None = None,
) -> list[Problem]:
    """An item with rules (counts, formulas): the reference earns full marks, and every
    misconception fires on its own answer, neither equal to the reference (by `same`) nor
    shadowed by an earlier rule. `why_equal`, given a rule's reading, says what the kind
    knows of why it equals an answer and how the rubric could tell them apart ("" for
    nothing)."""
    problems = []
    reference = grade(item, item.answer_text)
    if reference.verdict != "correct":
        problems.append(
            Problem(
                item.line,
                f"{item.key_path}.answer",
                f"the reference answer is graded {reference.verdict}, not correct; the "
                f"grader says: {in_short(reference.feedback)}",
            )
        )
    for number, (text, _) in enumerate(item.accepted, start=2):
        graded = grade(item, text)
        if graded.verdict != "correct":
            problems.append(
                Problem(
                    item.line,
                    f"{item.key_path}.answer",
                    f"accepted answer {number}, {quoted(text)}, is graded {graded.verdict}, "
                    f"not correct; the grader says: {in_short(graded.feedback)}",
                )
            )
    answers = [item.reference, *(reading for _, reading in item.accepted)]
    for index, rule in enumerate(item.misconceptions):
        key = f"{item.key_path}.misconceptions[{index}]"
        if rule.reading is None:
            continue
        equal = next(
            (n for n, answer in enumerate(answers, 1) if answer and same(rule.reading, answer)),
            None,
        )
        if equal is not None:
            which = "the reference answer" if equal == 1 else f"accepted answer {equal}"
            why = why_equal(rule.reading) if why_equal else ""
            graded = grade(item, rule.answer_text) if not why else None
            if graded is not None and graded.verdict == "needs_review":
                # the same answer, but one the grader leaves to a person (a given matrix
                # renamed): that is what happens to it, not full marks
                said = f"; the grader says: {in_short(graded.feedback)}" if graded.feedback else ""
                message = (
                    f"{quoted(rule.answer_text)} is read as {which}, and an answer written so "
                    f"goes to a person ({graded.diagnosis or 'review'}), not to this rule: it "
                    f"can never fire{said}"
                )
            else:
                message = (
                    f"{quoted(rule.answer_text)} equals {which}, so this rule can never fire{why}"
                )
            problems.append(Problem(rule.line, key, message))
            continue
        earlier = next(
            (
                j
                for j, other in enumerate(item.misconceptions[:index])
                if other.reading is not None and same(rule.reading, other.reading)
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
        fired = grade(item, rule.answer_text)
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
