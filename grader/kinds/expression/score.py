"""An expression's verdict, marks and feedback from what its check found."""

from __future__ import annotations

from dataclasses import replace

from grader.kinds.expression.check import ExpressionCheck, check_expression
from grader.kinds.expression.equivalence import compare
from grader.kinds.expression.mathml import to_mathml
from grader.kinds.expression.parse import ParsedExpression
from grader.model import Item, ItemResult
from grader.score import score_needs_review, verdict_for


def score_expression(item: Item, answer: ParsedExpression, check: ExpressionCheck) -> ItemResult:
    """Full marks when equivalent (and in the form asked for); otherwise what the
    misconception or diagnosis earns, with the counterexample; a person decides what the
    check could not."""
    comparison = check.comparison
    read = f"read as {answer.interpretation}"
    if check.review is not None:
        result = score_needs_review(item, answer.text, check.review)
        return _with_reading(result, answer, read)
    if comparison.outcome == "unsure" and check.misconception is None:
        result = score_needs_review(
            item,
            answer.text,
            "The automatic check could not decide whether your answer is equal to the correct "
            f"one ({comparison.how}); an instructor will read it.",
        )
        return _with_reading(result, answer, read)
    if check.equivalent and check.form_ok is None:
        result = score_needs_review(
            item,
            answer.text,
            f"Your answer is equal to the correct one; whether it is written in the form asked "
            f"for ({item.spec.form}) could not be checked automatically, so an instructor will.",
        )
        return _with_reading(result, answer, read)
    common = {
        "item_id": item.id,
        "max_marks": item.marks,
        "answer": answer.text,
        "interpretation": answer.interpretation,
        "reading_mathml": to_mathml(answer.trees),
        # Equivalent answers are one group for the review queue.
        "answer_group": None,
        "reading_notes": answer.notes,
    }
    if check.equivalent and check.diagnosis is None:
        return ItemResult(
            verdict="correct",
            marks=item.marks,
            feedback=("Correct.",),
            decision=(
                read,
                f"equivalent to the reference ({comparison.how})",
                f"full marks {item.marks:g}",
            ),
            **{**common, "answer_group": "expression:correct"},
        )
    feedback: list[str] = []
    marks = 0.0
    if check.misconception is not None:
        feedback.append(check.misconception.feedback)
        marks = check.misconception.marks
        diagnosis = f"misconception {check.misconception_index + 1}"
        because = f"equivalent to misconception {check.misconception_index + 1}"
    elif check.diagnosis is not None:
        feedback.append(check.diagnosis.message)
        marks = item.partial_credit.get(check.diagnosis.kind, 0.0)
        diagnosis = check.diagnosis.kind
        because = f"diagnosis {diagnosis}"
    else:
        feedback.append("Your answer is not equal to the correct one.")
        diagnosis = None
        because = "no misconception or diagnosis applies"
    if comparison.counterexample and not check.equivalent:
        feedback.append(comparison.counterexample)
    # One group per answer that is surely the same (a misconception's, the negative or the
    # reciprocal of the reference), so a decision on one is a decision on all; others by text.
    same_value = diagnosis is not None and (
        diagnosis.startswith("misconception") or diagnosis in ("sign", "reciprocal")
    )
    group = f"expression:{diagnosis}" if same_value else None
    return ItemResult(
        verdict=verdict_for(marks, item.marks),
        marks=marks,
        feedback=tuple(feedback),
        diagnosis=diagnosis,
        decision=(
            read,
            "equivalent to the reference"
            if check.equivalent
            else "not equivalent to the reference",
            because,
            f"marks {marks:g}",
        ),
        **{**common, "answer_group": group},
    )


_VERDICT_WORDS = {
    "correct": "correct",
    "partial": "partly right",
    "incorrect": "incorrect",
    "needs_review": "one the check cannot decide",
}


def score_readings(item: Item, answer: ParsedExpression) -> ItemResult:
    """An answer scored as read; one with another reading (`σ(1 - σ)`, the bracket a factor
    or σ's argument) is scored both ways. Where σ is written alone, a marker reads the bracket
    after it as a factor, σ(x)·(1 - σ(x)); in `σ(1 - σ(x))` as written, σ's argument, the
    other reading taking the first σ's (x) as left out. The first reading stands, with a note
    naming the other, unless the other earns more (or either cannot be decided): then a
    person decides, told both. A power after a function's bare argument (`σx^2`, σ(x²) or
    σ(x)²) has no reading a marker prefers: each is scored (with its bracket's readings, in
    `σx(1 - σx^2)`), and where the two earn differently, a person decides.
    Working (`σ(1 - σ) = σ - σ²`) that holds read one way and not
    the other is read the way it holds: a student's working says its sides are equal."""
    if answer.power is not None:
        first = replace(answer, power=None)
        return _either_reading(item, first, score_readings(item, first), answer.power, either=True)
    result = score_expression(item, answer, check_expression(item, answer))
    if answer.alternative is None:
        return result
    return _either_reading(item, answer, result, answer.alternative, either=False)


def _either_reading(
    item: Item, answer: ParsedExpression, result: ItemResult, other: ParsedExpression, either: bool
) -> ItemResult:
    """`result`, the first reading's, with a note naming `other`, or a person told both: the
    first stands where the other cannot earn more (with `either`, where they earn the same)."""
    if _working_holds(item, answer) is True and _working_holds(item, other) is False:
        note = (
            f"{_other_reading(answer, either)}, {other.interpretation}, the working would not hold"
        )
        return replace(result, reading_notes=(*result.reading_notes, note))
    other_result = (
        score_readings(item, other)
        if either
        else score_expression(item, other, check_expression(item, other))
    )
    # The marker's reading stands where the other cannot earn more: it earns at least as much
    # as the other, or full marks where the other cannot be decided (σ(1 - σ(x)) = σ(x) -
    # σ(x)², working whose sides differ).
    if result.verdict != "needs_review" and (
        (result.marks == other_result.marks if either else result.marks >= other_result.marks)
        if other_result.verdict != "needs_review"
        else result.marks == item.marks
    ):
        words = _VERDICT_WORDS.get(other_result.verdict, other_result.verdict)
        if other_result.verdict == "needs_review":
            then = "it could not be decided without an instructor"
        elif (result.verdict, result.marks) == (other_result.verdict, other_result.marks):
            then = f"it would also be {words} ({other_result.marks:g} of {item.marks:g} marks)"
        else:
            then = f"it would be {words} ({other_result.marks:g} of {item.marks:g} marks)"
        note = f"{_other_reading(answer, either)}, {other.interpretation}, {then}"
        return replace(result, reading_notes=(*result.reading_notes, note))
    reason = (
        f"Your answer can be read as {_reading(answer, result, item)}, or as "
        f"{_reading(other, other_result, item)}; an instructor will decide which you meant."
    )
    review = score_needs_review(item, answer.text, reason)
    return _with_reading(review, answer, f"read as {answer.interpretation}")


def _other_reading(answer: ParsedExpression, power: bool) -> str:
    """How `answer` took the bracket after a function (or, with `power`, the power after its
    bare argument), and the other way, for a note."""
    if power:
        return "read with the power on the function"
    if answer.bracket == "bare":
        return "read with the bracket in the function's argument"
    if answer.bracket == "factor":
        return "the bracket after a function written alone read as a factor; read as its argument"
    return (
        "the bracket after a function read as its argument, as written; read as a factor "
        "after the function of the variable, its argument left out"
    )


def _working_holds(item: Item, parsed: ParsedExpression) -> bool | None:
    """For an item whose answer is an expression, whether every side of a chain of working
    is equal to the next (False only where one surely is not); None for one side, for an
    item whose answer is an equation, or where the check cannot tell."""
    if len(item.reference.sides) != 1 or len(parsed.sides) < 2:
        return None
    outcomes = {
        compare(side, following, item.spec.tolerance).outcome
        for side, following in zip(parsed.sides, parsed.sides[1:], strict=False)
    }
    if "different" in outcomes:
        return False
    return True if outcomes == {"equal"} else None


def _reading(parsed: ParsedExpression, scored: ItemResult, item: Item) -> str:
    """One reading of an answer and what it earns, in words: "σ(x)·(1 - σ(x)), which is
    correct (3 of 3 marks)"."""
    words = _VERDICT_WORDS.get(scored.verdict, scored.verdict)
    if scored.verdict == "needs_review":
        return f"{parsed.interpretation}, {words}"
    return f"{parsed.interpretation}, which is {words} ({scored.marks:g} of {item.marks:g} marks)"


def _with_reading(result: ItemResult, answer: ParsedExpression, read: str) -> ItemResult:
    """A result sent to a person, with how the answer was read, for the reviewer."""
    return replace(
        result,
        interpretation=answer.interpretation,
        reading_mathml=to_mathml(answer.trees),
        reading_notes=answer.notes,
        decision=(read, *result.decision),
    )
