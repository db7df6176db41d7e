"""A matrix answer's verdict, marks and feedback from what its check found."""

from __future__ import annotations

from grader.kinds.matrix.check import MatrixCheck, target_name
from grader.kinds.matrix.mathml import answer_to_mathml
from grader.kinds.matrix.parse import MatrixAnswer
from grader.model import Item, ItemResult
from grader.score import earned, sent_for_review, text_group, verdict_for


def score_matrix(
    item: Item, answer: MatrixAnswer, check: MatrixCheck, as_number: ItemResult | None = None
) -> ItemResult:
    """The answer's verdict; where its reading is one a person must confirm
    (`MatrixAnswer.review`), sent to one, told what the reading would earn, and what the
    answer with its 1 read as the number would (`as_number`, for `1 G`)."""
    result = _scored(item, answer, check)
    if answer.review is None or result.verdict == "needs_review":
        return result
    shown = earned(result, f"your matrix equals {target_name(item.spec)}")
    if as_number is not None and as_number.verdict != "needs_review":
        shown += (
            f"; read as the number 1, it would earn {as_number.marks:g} of "
            f"{as_number.max_marks:g} marks"
        )
    return sent_for_review(
        result, f"{answer.review}; read as shown, {shown}.", "read, but a person decides"
    )


def _scored(item: Item, answer: MatrixAnswer, check: MatrixCheck) -> ItemResult:
    """Full marks when the answer equals the reference; else what its misconception or its
    one diagnosis earns. A right value under a left side that names something else, values
    that cannot be compared, go to a person."""
    interpretation = answer.reading
    if answer.left is not None:
        interpretation = f"{answer.left.describe(item.spec.loss)} = {interpretation}"
    common = {
        "item_id": item.id,
        "max_marks": item.marks,
        "answer": answer.text,
        "interpretation": interpretation,
        "reading_mathml": answer_to_mathml(answer, item.spec.loss),
        "answer_group": check.group or text_group(answer.text),
        "reading_notes": answer.notes,
    }
    read = f"read as {interpretation}"
    left = (check.left_problem,) if check.left_problem else ()
    if not check.comparable:
        return ItemResult(
            verdict="needs_review",
            marks=0.0,
            feedback=(
                "Your answer's values cannot be compared (at the sizes checked it divides by "
                "zero, overflows, takes the root of a negative number or inverts a singular "
                "matrix); an instructor will review it.",
            ),
            decision=(read, "values not comparable: sent for review"),
            **common,
        )
    if check.equivalent and left:
        return ItemResult(
            verdict="needs_review",
            marks=0.0,
            feedback=(
                f"Your matrix equals {target_name(item.spec)}, but your left side names "
                f"{answer.left.describe(item.spec.loss)}; an instructor will review it.",
            ),
            decision=(read, "equal to the reference, left side names another", "review"),
            **common,
        )
    if check.equivalent:
        return ItemResult(
            verdict="correct",
            marks=item.marks,
            feedback=(f"Correct: your matrix equals {target_name(item.spec)}.",),
            decision=(read, "equal to the reference at every point", f"full marks {item.marks:g}"),
            **common,
        )
    feedback = [finding.message for finding in check.findings]
    if check.misconception is not None:
        feedback.insert(0, check.misconception.feedback)
        marks = check.misconception.marks
        diagnosis = f"misconception {check.misconception_index + 1}"
        because = f"equal to misconception {check.misconception_index + 1}"
    else:
        diagnosis = check.diagnosis
        marks = item.partial_credit.get(diagnosis, 0.0) if diagnosis else 0.0
        because = f"differs: {diagnosis}"
    return ItemResult(
        verdict=verdict_for(marks, item.marks),
        marks=marks,
        feedback=(*feedback, *left),
        diagnosis=diagnosis,
        decision=(read, "not equal to the reference", because, f"marks {marks:g}"),
        **common,
    )
