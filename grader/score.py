"""Turn what the check found into a verdict, marks and feedback a student can read."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from grader.check import CountCheck, show_count
from grader.concepts import TextCheck
from grader.errors import AnswerError, AnswerTooLargeError
from grader.formula import Formula
from grader.formula_check import FormulaCheck
from grader.mathml import formula_to_mathml, to_mathml
from grader.parse import ParsedAnswer
from grader.polynomials import as_fraction, value_at
from grader.rubric import VERDICTS, Item, Rubric

__all__ = ["VERDICTS", "ItemResult"]


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    verdict: str  # one of VERDICTS
    marks: float
    max_marks: float
    feedback: tuple[str, ...]
    answer: str | None = None  # what the student wrote
    interpretation: str | None = None  # how we read it, with every operator explicit
    diagnosis: str | None = None  # "misconception 1", "bias_missing", ... for class statistics
    error_position: int | None = None  # where in `answer` an invalid answer went wrong
    error_caret: str | None = None
    reading_mathml: str | None = None  # the interpretation as MathML, generated from our AST
    answer_group: str | None = None  # equal for equivalent answers, so each is reviewed once
    decision: tuple[str, ...] = ()  # the steps that led to the verdict, for the gradebook
    # Counts at the rubric's size sets, to compare a part's formula with its count: a count
    # item's value; a formula item's effective count, with `nominal_values` the weights written.
    count_values: tuple[int | None, ...] | None = None
    nominal_values: tuple[int, ...] | None = None
    count_shown: str | None = None


def text_group(text: str | None) -> str | None:
    """Answers we cannot compare as maths are grouped by their text, spacing aside."""
    return None if text is None else "text:" + " ".join(text.split())


def verdict_for(marks: float, max_marks: float) -> str:
    if marks >= max_marks:
        return "correct"
    return "partial" if marks > 0 else "incorrect"


def _working_feedback(check: CountCheck) -> list[str]:
    return [
        f"One step of your working does not hold: {step} is not equal to {final}. "
        "Your final answer is what is graded."
        for step, final in check.broken_steps
    ]


def _values_at(expr: sympy.Expr, size_sets, symbols) -> tuple[int | None, ...]:
    """The count's exact value at each set of sizes (None where it is not a whole number)."""
    used = tuple(symbols)
    fraction = as_fraction(expr, used) if used else None
    values = []
    for sizes in size_sets:
        given = dict(sizes)
        point = tuple(given[s.name] for s in used)
        value = expr if fraction is None else value_at(fraction, point)
        values.append(int(value) if value is not None and value == int(value) else None)
    return tuple(values)


def score_count(
    item: Item, answer: ParsedAnswer, check: CountCheck, size_sets=(), symbols=()
) -> ItemResult:
    """Marks for a count: full when equivalent, else what the misconception or diagnosis earns.

    With the rubric's `size_sets` and `symbols`, the result also carries the count's values
    there, for comparing it with the formula of the same part."""
    shown = show_count(answer.expr, list(symbols))  # the same for equal counts
    common = {
        "item_id": item.id,
        "max_marks": item.marks,
        "answer": answer.text,
        "interpretation": answer.interpretation,
        "reading_mathml": to_mathml(answer.trees),
        "answer_group": "count:" + shown,
        "count_values": _values_at(answer.expr, size_sets, symbols) if size_sets else None,
        "count_shown": shown if size_sets else None,
    }
    read = f"read as {answer.interpretation}"
    if check.equivalent:
        return ItemResult(
            verdict="correct",
            marks=item.marks,
            feedback=("Correct.", *_working_feedback(check)),
            decision=(read, "equivalent to the reference", f"full marks {item.marks:g}"),
            **common,
        )
    feedback: list[str] = []
    marks = 0.0
    diagnosis = None
    if check.misconception is not None:
        feedback.append(check.misconception.feedback)
        marks = check.misconception.marks
        diagnosis = f"misconception {check.misconception_index + 1}"
        because = f"equivalent to misconception {check.misconception_index + 1}"
    elif check.diagnosis is not None:
        feedback.append(check.diagnosis.message)
        marks = item.partial_credit.get(check.diagnosis.kind, 0.0)
        diagnosis = check.diagnosis.kind
        because = f"generic diagnosis {diagnosis}"
    else:
        feedback.append("Your count is not equal to the correct count.")
        because = "no misconception or diagnosis applies"
    if check.counterexample is not None:
        feedback.append(check.counterexample.describe())
    feedback.extend(_working_feedback(check))
    return ItemResult(
        verdict=verdict_for(marks, item.marks),
        marks=marks,
        feedback=tuple(feedback),
        diagnosis=diagnosis,
        decision=(read, "not equivalent to the reference", because, f"marks {marks:g}"),
        **common,
    )


def score_formula(item: Item, formula: Formula, check: FormulaCheck) -> ItemResult:
    """Marks for a formula: full when it defines the reference's layer, else what the
    misconception or the one diagnosis found earns; findings say what differs, in words."""
    common = {
        "item_id": item.id,
        "max_marks": item.marks,
        "answer": formula.text,
        "interpretation": formula.reading,
        "reading_mathml": formula_to_mathml(formula),
        "answer_group": check.group or text_group(formula.text),
        "count_values": check.own_count.effective if check.own_count else None,
        "nominal_values": check.own_count.nominal if check.own_count else None,
        "count_shown": check.own_count.shown if check.own_count else None,
    }
    read = f"read as {formula.reading}"
    if not check.exact:
        return ItemResult(
            verdict="needs_review",
            marks=0.0,
            feedback=(
                "Your formula combines weights in a way the grader cannot compare exactly "
                "(a product of two weights, or weights that overlap); an instructor will "
                "review it.",
                *check.notes,
            ),
            decision=(read, "not comparable exactly: sent for review"),
            **common,
        )
    if check.equivalent:
        return ItemResult(
            verdict="correct",
            marks=item.marks,
            feedback=("Correct: your formula defines the same layer.", *check.notes),
            decision=(read, "same layer as the reference", f"full marks {item.marks:g}"),
            **common,
        )
    feedback = [finding.message for finding in check.findings]
    kinds = sorted({finding.kind for finding in check.findings})
    if check.misconception is not None:
        feedback.insert(0, check.misconception.feedback)
        marks = check.misconception.marks
        diagnosis = f"misconception {check.misconception_index + 1}"
        because = f"same layer as misconception {check.misconception_index + 1}"
    else:
        # Partial credit only when one thing is wrong: two findings may each be worth marks,
        # but the answer they describe together is not.
        marks = item.partial_credit.get(kinds[0], 0.0) if len(kinds) == 1 else 0.0
        diagnosis = check.findings[0].kind if check.findings else None  # the main finding
        because = f"differs: {', '.join(kinds)}"
    return ItemResult(
        verdict=verdict_for(marks, item.marks),
        marks=marks,
        feedback=(*feedback, *check.notes),
        diagnosis=diagnosis,
        decision=(read, "not the reference's layer", because, f"marks {marks:g}"),
        **common,
    )


def add_count_notes(rubric: Rubric, items: dict[str, ItemResult]) -> dict[str, ItemResult]:
    """Where a part has a formula and a count, say when the count is not the formula's own:
    "Your count (9·C·D + D) does not match your own formula, which has P·Q·C parameters".
    No marks depend on it; it tells the student their two answers disagree."""
    noted = dict(items)
    for part in rubric.parts:
        formulas = [i.id for i in part.items if i.type == "formula" and i.id in items]
        counts = [i.id for i in part.items if i.type == "count" and i.id in items]
        for formula_id in formulas:
            formula = items[formula_id]
            for count_id in counts:
                count = items[count_id]
                if (
                    formula.count_values is None
                    or count.count_values is None
                    or None in count.count_values
                    or count.count_values in (formula.count_values, formula.nominal_values)
                ):
                    continue
                noted[formula_id] = replace(
                    formula,
                    feedback=(
                        *formula.feedback,
                        f"Your count ({count.count_shown}) does not match your own formula, "
                        f"which has {formula.count_shown} parameters.",
                    ),
                )
    return noted


def score_text(item: Item, text: str, check: TextCheck) -> ItemResult:
    """Marks from the concepts found; feedback names each, found (quoted) or missing.

    When the grader has doubts, the verdict is `needs_review` with 0 marks, and the feedback
    gives the provisional marks and the reasons, for the instructor who decides.
    """
    feedback = []
    for finding in check.findings:
        concept = finding.concept
        if finding.contradiction is not None:
            feedback.append(
                f"Not credited: {concept.description} (you wrote "
                f'"{finding.contradiction.quote(text)}", which says otherwise)'
            )
        elif finding.evidence is not None:
            feedback.append(
                f"Found (+{concept.marks:g}): {concept.description} "
                f'("{finding.evidence.quote(text)}")'
            )
        elif finding.negated is not None:
            feedback.append(
                f"Not credited: {concept.description} (you wrote "
                f'"{finding.negated.quote(text)}", which denies it)'
            )
        else:
            feedback.append(f"Missing ({concept.marks:g}): {concept.description}")
    found = [
        f.concept.name for f in check.findings if f.evidence is not None and f.contradiction is None
    ]
    decision = (
        f"concepts found: {', '.join(found) or 'none'}",
        f"confidence {check.confidence:.2f}",
    )
    common = {
        "item_id": item.id,
        "max_marks": item.marks,
        "answer": text,
        "answer_group": text_group(text),
    }
    if check.doubts:
        feedback.insert(
            0,
            f"An instructor will check this answer: {'; '.join(check.doubts)}. "
            f"Provisional marks: {check.marks:g}/{item.marks:g}.",
        )
        return ItemResult(
            verdict="needs_review",
            marks=0.0,
            feedback=tuple(feedback),
            decision=(*decision, "sent for review: " + "; ".join(check.doubts)),
            **common,
        )
    return ItemResult(
        verdict=verdict_for(check.marks, item.marks),
        marks=check.marks,
        feedback=tuple(feedback),
        decision=(*decision, f"marks {check.marks:g}"),
        **common,
    )


_ADVICE = {
    "count": "Write the count as a formula in the question's symbols, e.g. 2*P*Q + D.",
    "formula": "Write the formula with indices, e.g. y_{i,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,l} "
    "+ b_k, or a matrix form such as Y = XW.",
}


def score_invalid(item: Item, text: str, error: AnswerError) -> ItemResult:
    """An answer we could not read: no marks, and exactly where it went wrong."""
    advice = (
        _ADVICE.get(item.type, _ADVICE["count"])
        if not isinstance(error, AnswerTooLargeError)
        else "This answer is too large to check; write it over the question's sizes."
    )
    return ItemResult(
        item_id=item.id,
        verdict="invalid",
        marks=0.0,
        max_marks=item.marks,
        feedback=(f"We could not read your answer: {error}.", advice),
        answer=text,
        error_position=error.position,
        error_caret=error.caret() or None,
        answer_group=text_group(text),
        decision=(f"could not be read: {error}",),
    )


def score_missing(item: Item, text: str | None = None) -> ItemResult:
    return ItemResult(
        item_id=item.id,
        verdict="missing",
        marks=0.0,
        max_marks=item.marks,
        feedback=("No answer was given for this item.",),
        answer=text,
        decision=("no answer",),
    )


_REVIEW_REASONS = {
    "text": "This explanation is not scored automatically (the rubric lists no concepts for it); "
    "an instructor will review it.",
}


def score_needs_review(item: Item, text: str, reason: str | None = None) -> ItemResult:
    """Something the machine must not guess: 0 marks until a person decides."""
    return ItemResult(
        item_id=item.id,
        verdict="needs_review",
        marks=0.0,
        max_marks=item.marks,
        feedback=(reason or _REVIEW_REASONS.get(item.type, "An instructor will review this."),),
        answer=text,
        answer_group=text_group(text),
        decision=(f"sent for review: {reason or 'item type ' + item.type}",),
    )


def score_error(item: Item, text: str | None, message: str) -> ItemResult:
    return ItemResult(
        item_id=item.id,
        verdict="error",
        marks=0.0,
        max_marks=item.marks,
        feedback=(f"The grader failed on this answer ({message}); an instructor will review it.",),
        answer=text,
        answer_group=text_group(text),
        decision=(f"grader failure: {message}",),
    )
