"""A count's verdict, marks and feedback from what its check found."""

from __future__ import annotations

import sympy

from grader.kinds.count.check import CountCheck, show_count
from grader.kinds.count.mathml import to_mathml
from grader.kinds.count.parse import ParsedAnswer
from grader.kinds.count.polynomials import as_fraction, value_at
from grader.model import Item, ItemResult
from grader.score import verdict_for


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
