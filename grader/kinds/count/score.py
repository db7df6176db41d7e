"""A count's verdict, marks and feedback from what its check found."""

from __future__ import annotations

from dataclasses import replace

import sympy

from grader.errors import AnswerError, Problem
from grader.kinds.count.check import DIAGNOSES, CountCheck, counts_equal, show_count
from grader.kinds.count.mathml import to_mathml
from grader.kinds.count.parse import ParsedAnswer, parse
from grader.kinds.count.polynomials import Undecidable, evaluate
from grader.model import Context, Item, ItemResult
from grader.score import earned, sent_for_review, verdict_for


def _working_feedback(check: CountCheck) -> list[str]:
    return [
        f"One step of your working does not hold: {step} is not equal to {final}. "
        "Your final answer is what is graded."
        for step, final in check.broken_steps
    ]


def _values_at(expr: sympy.Expr, size_sets, symbols) -> tuple[int | None, ...]:
    """The count's exact value at each set of sizes: None where it is not a whole number, or
    has none (a division by zero in it). Evaluated as written, never as the fraction it
    reduces to, which would hide a division by zero inside a fraction (`2/(1/(P-4) + 1)` is
    2·(P-4)/(P-3), 0 at P=4, where the count has no value)."""
    values = []
    for sizes in size_sets:
        given = dict(sizes)
        value = evaluate(expr, {s: given[s.name] for s in symbols})
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
        "reading_mathml": to_mathml(answer.trees, answer.side_readings),
        "answer_group": "count:" + shown,
        "count_values": _values_at(answer.expr, size_sets, symbols) if size_sets else None,
        "count_shown": shown if size_sets else None,
        "reading_notes": answer.notes,
    }
    read = f"read as {answer.interpretation}"
    compared = (check.compared,) if check.compared else ()
    if check.equivalent:
        return ItemResult(
            verdict="correct",
            marks=item.marks,
            feedback=("Correct.", *compared, *_working_feedback(check)),
            decision=(
                read,
                "equivalent to the reference",
                *compared,
                f"full marks {item.marks:g}",
            ),
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
    feedback.extend(check.details)
    if check.counterexample is not None:
        feedback.append(check.counterexample.describe())
    feedback.extend(compared)
    feedback.extend(_working_feedback(check))
    return ItemResult(
        verdict=verdict_for(marks, item.marks),
        marks=marks,
        feedback=tuple(feedback),
        diagnosis=diagnosis,
        decision=(read, "not equivalent to the reference", because, f"marks {marks:g}"),
        **common,
    )


def review_reading(result: ItemResult, review: str) -> ItemResult:
    """`result`, which rests on a reading a person must confirm (`ParsedAnswer.review`), sent
    to one, told what the reading would earn: 0 marks until decided."""
    shown = earned(result, "your count is correct")
    return sent_for_review(result, f"{review}, {shown}.", review)


# --- Marks carried forward from the student's own formula ----------------------------------

_WRONG = ("incorrect", "partial")


def _own_count(shown: str | None, context: Context) -> ParsedAnswer | None:
    """A formula's own count as the formula kind shows it (P²·C·D + P·Q·D), read back as a
    count; None where it is no formula in the sizes (a number at some sizes)."""
    if shown is None:
        return None
    try:
        return parse(shown, context.symbol_table)
    except AnswerError:
        return None


@DIAGNOSES.produces("follow_through")
def carry_forward(
    item: Item, count: ItemResult, formula: ItemResult, context: Context
) -> ItemResult | None:
    """A wrong count that is exactly the parameter count of the student's own wrong formula
    of the same part (the parameters it writes, or those that act independently) earns the
    item's `partial_credit.follow_through` when the rubric sets `follow_through: true` and
    that is more than the count earns already. The formula keeps its own marks; the feedback
    says which marks were carried, and from what."""
    credit = item.partial_credit.get("follow_through")
    if (
        not item.spec.follow_through
        or credit is None
        or count.verdict not in _WRONG
        or formula.verdict not in _WRONG
        or count.marks >= credit
        or count.answer is None
    ):
        return None
    try:
        answer = parse(count.answer, context.symbol_table)
    except AnswerError:
        return None
    symbols = context.order
    effective = _own_count(formula.count_shown, context)
    nominal = _own_count(formula.nominal_shown, context)

    def same(own: ParsedAnswer | None) -> bool:
        try:
            return own is not None and counts_equal(answer.expr, own.expr, symbols)
        except Undecidable:
            return False

    if same(effective):
        written = f"has {formula.count_shown}"
        independent = ""
    elif same(nominal):
        written = f"writes {formula.nominal_shown}"
        independent = (
            f" Only {formula.count_shown} of those parameters act independently, though: "
            "weights that are only ever added together count as one."
        )
    else:
        return None
    part = f"({item.part})"
    diagnosis = DIAGNOSES.make(
        "follow_through",
        f"Your count is right for your own formula of part {part}, which {written} "
        f"parameters: {credit:g} of the {item.marks:g} marks {'is' if credit == 1 else 'are'} "
        "carried forward from it. "
        f"Your formula is not the layer the question asks for, and loses its own marks."
        + independent,
    )
    return replace(
        count,
        verdict=verdict_for(credit, item.marks),
        marks=credit,
        diagnosis=diagnosis.kind,
        feedback=(count.feedback[0], diagnosis.message, *count.feedback[1:]),
        decision=(
            *count.decision[:-1],
            f"right for the student's formula {formula.item_id}: marks carried forward",
            f"marks {credit:g}",
        ),
    )


def follow_through_problems(item: Item) -> list[Problem]:
    """`follow_through` and its marks must come together, or nothing is ever carried."""
    path = f"{item.key_path}.follow_through"
    credit = item.partial_credit.get("follow_through")
    if item.spec.follow_through and credit is None:
        return [
            Problem(
                item.line,
                path,
                "is true, but partial_credit gives no follow_through marks: add "
                "partial_credit: {follow_through: MARKS}",
            )
        ]
    if credit is not None and not item.spec.follow_through:
        return [
            Problem(
                item.line,
                f"{item.key_path}.partial_credit.follow_through",
                "is never given: marks are carried forward only with follow_through: true",
            )
        ]
    return []
