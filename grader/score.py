"""What every kind of item shares in turning a check into a result: the verdict for some
marks, and the results of an answer that is missing, unreadable, sent to a person or failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from grader.errors import AnswerError, AnswerTooLargeError
from grader.kept import KeptFor
from grader.model import Item, ItemResult, Rubric

UNREAD_BY_MACHINE = "An instructor will read it; its 0 marks are provisional until then."


def text_group(text: str | None) -> str | None:
    """Answers we cannot compare as maths are grouped by their text, spacing aside."""
    return None if text is None else "text:" + " ".join(text.split())


def verdict_for(marks: float, max_marks: float) -> str:
    if marks >= max_marks:
        return "correct"
    return "partial" if marks > 0 else "incorrect"


def _matches(count: ItemResult, formula: ItemResult) -> bool:
    """Whether a stated count is the one a formula defines (as written or as it acts)."""
    return count.count_values in (formula.count_values, formula.nominal_values)


def add_count_notes(
    rubric: Rubric,
    items: dict[str, ItemResult],
    count_role: Callable[[Item], str | None],
    carry_forward: Callable[[Item, ItemResult, ItemResult], ItemResult | None] | None = None,
) -> dict[str, ItemResult]:
    """Where a part has an item that defines a parameter count (a formula) and one that states
    it (a count), say when the stated count is not the defined one: "Your count (9·C·D + D)
    does not match your own formula, which has P·Q·C parameters". `count_role(item)` is
    "defines", "states" or None, as the item's kind says. No marks depend on the note; it
    tells the student their two answers disagree.

    Where they agree and the formula is wrong, `carry_forward(count_item, count, formula)`
    (the count's kind's) may give the count the marks its rubric carries forward from the
    student's own formula; the formula keeps its own marks."""
    noted = dict(items)
    for part in rubric.parts:
        formulas = [i.id for i in part.items if i.id in items and count_role(i) == "defines"]
        if not formulas:
            continue
        counts = [i.id for i in part.items if i.id in items and count_role(i) == "states"]
        for formula_id in formulas:
            formula = items[formula_id]
            if formula.count_values is None:
                continue
            for count_id in counts:
                count = noted[count_id]
                if count.count_values is None or None in count.count_values:
                    continue
                if not _matches(count, formula) and any(
                    items[other].count_values is not None and _matches(count, items[other])
                    for other in formulas
                ):
                    continue  # the count is another formula's of the part: no disagreement
                if _matches(count, formula):
                    carried = carry_forward and carry_forward(
                        rubric.items[count_id], count, formula
                    )
                    if carried is not None:
                        noted[count_id] = carried
                    continue
                # each disagreeing count its own note (a part may state two counts)
                noted[formula_id] = _disagreeing(noted[formula_id], count.count_shown)
    return noted


# A formula's result with the note that a count disagrees with it, by the result and the count
# as shown: most students' notes are ones made already (`KeptFor`).
_DISAGREEING: KeptFor[ItemResult] = KeptFor(most=4096)


def _disagreeing(formula: ItemResult, count_shown: str | None) -> ItemResult:
    """`formula`'s result with the note that the stated count, `count_shown`, is not its
    own."""
    return _DISAGREEING.get(formula, count_shown, _with_disagreeing_note, formula, count_shown)


def _with_disagreeing_note(formula: ItemResult, count_shown: str | None) -> ItemResult:
    note = (
        f"Your count ({count_shown}) does not match your own formula, "
        f"which has {formula.count_shown} parameters."
    )
    if note in formula.feedback:  # two counts written alike: said once
        return formula
    return replace(formula, feedback=(*formula.feedback, note))


def score_invalid(item: Item, text: str, error: AnswerError, advice: str | None) -> ItemResult:
    """An answer we could not read: exactly where it went wrong, `advice` (the item's kind's)
    on how to write it, and 0 marks until an instructor has read it (it is in the review
    queue: `ItemResult.needs_person`)."""
    if isinstance(error, AnswerTooLargeError):
        advice = "This answer is too large to check; write it over the question's sizes."
    return ItemResult(
        item_id=item.id,
        verdict="invalid",
        marks=0.0,
        max_marks=item.marks,
        feedback=(
            f"We could not read your answer: {error}.",
            *([advice] if advice else []),
            UNREAD_BY_MACHINE,
        ),
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


def score_needs_review(item: Item, text: str, reason: str, why: str | None = None) -> ItemResult:
    """Something the machine must not guess: 0 marks until a person decides. `reason` is
    told to the student; `why` (by default the reason) is recorded as the decision."""
    return ItemResult(
        item_id=item.id,
        verdict="needs_review",
        marks=0.0,
        max_marks=item.marks,
        feedback=(reason,),
        answer=text,
        answer_group=text_group(text),
        decision=(f"sent for review: {why or reason}",),
    )


# How a review says the marks it shows are not yet given: the one wording of every review
# that shows what the machine found (`machine_reading`).
PROVISIONAL = "provisional until a person confirms"


def machine_reading(result: ItemResult) -> str:
    """What the machine found for an answer a person decides on, in the one wording reviews
    use ("the machine's reading earns 2 of 2"), said with `PROVISIONAL`: never "graded
    correct" of an item whose marks wait for a person."""
    if result.verdict == "invalid":
        return f"the machine could not read it: 0 of {result.max_marks:g}"
    if result.verdict == "error":
        return f"the machine failed on it: 0 of {result.max_marks:g}"
    if result.verdict in ("needs_review", "missing"):
        return "the machine cannot decide it alone"
    return reading_earns(result.marks, result.max_marks)


def said_of(feedback: tuple[str, ...], what: str) -> tuple[str, ...]:
    """An answer's own feedback ("Correct.") beside the notes of an item a person decides,
    said of what it is of (`what`: "If line 1 (CD + D) is your answer: ", "Of your text
    alone: ", "Graded as it stands: "): never bare, as though it were the item's."""
    return tuple(what + text for text in feedback)


def reading_earns(marks: float, max_marks: float) -> str:
    """The marks the machine's reading of an answer earns, as reviews say them."""
    return f"the machine's reading earns {marks:g} of {max_marks:g}"


def earned(result: ItemResult, right: str) -> str:
    """What a reading the grader cannot settle alone would earn, in words: `right` (how the
    kind says it is right: "it defines the right layer") where it is right."""
    if result.verdict == "correct":
        return right
    return f"it would earn {result.marks:g} of {result.max_marks:g} marks"


def sent_for_review(
    result: ItemResult, message: str, because: str, diagnosis: str | None = None
) -> ItemResult:
    """`result`, resting on a reading only a person can accept, sent to one: `message` first
    (why, and what it earns), then what else was found (a right reading has nothing else), 0
    marks until decided; `because` is recorded as the decision, `diagnosis` replaces the
    result's where given."""
    found = () if result.verdict == "correct" else result.feedback
    return replace(
        result,
        verdict="needs_review",
        marks=0.0,
        feedback=(message, *found, "An instructor will review it."),
        diagnosis=result.diagnosis if diagnosis is None else diagnosis,
        decision=(*result.decision[:1], f"{because}: sent for review"),
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
