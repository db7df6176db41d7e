"""An instructor's decisions on answers, applied over the machine's results.

An override is kept in the gradebook with the answer it judged; it applies only while the
student's answer is unchanged, so a re-grade of a corrected submission goes back to review.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from grader.model import Batch, ItemResult, SubmissionResult
from grader.score import UNREAD_BY_MACHINE, verdict_for


@dataclass(frozen=True)
class Override:
    """Marks an instructor set for one answer, with why, and the answer they judged."""

    marks: float
    note: str
    answer: str | None
    created_at: str
    reviewer: str = ""  # who decided: a TA's name, or the OS user


def default_reviewer() -> str:
    """Who is deciding when no name is given: the user this process runs as."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return f"uid {os.getuid()}"


def answer_key(answer: str | None) -> str:
    """What is compared of an answer to tell whether it changed: the answer without the
    spaces around it (every Unicode space: a tab, a newline, a no-break space). The gradebook
    stores it beside each answer, so that SQL (the `final_marks` view) compares exactly this:
    SQL's `trim` trims spaces only."""
    return (answer or "").strip()


def still_applies(override: Override, answer: str | None) -> bool:
    """Whether an override judged this answer (the student's answer has not changed since)."""
    return answer_key(override.answer) == answer_key(answer)


def apply_override(result: ItemResult, override: Override) -> ItemResult:
    """The instructor's decision replaces the machine's, as long as the answer is the same.

    If the student's answer changed since (a re-grade of a corrected submission), the override
    is not applied: the item is flagged for review, saying so. If the item is worth less than
    the override's marks (the rubric was edited since), the marks are capped at what the item
    is worth and the item is flagged for review, saying so.
    """
    if not still_applies(override, result.answer):
        return replace(
            result,
            verdict="needs_review",
            marks=0.0,
            feedback=(
                f"An instructor set {override.marks:g} marks on {override.created_at} for "
                "a different answer; the answer has changed since, so it needs review "
                "again.",
                *result.feedback,
            ),
            decision=(*result.decision, "override not applied: the answer changed"),
        )
    note = f": {override.note}" if override.note else ""
    # A result sent for review opens with why it was sent ("An instructor will check this
    # answer ... The machine's reading earns ..."); once an instructor has decided, that is
    # answered.
    # An unreadable answer says its 0 is provisional until a person has read it: answered too.
    kept = result.feedback[1:] if result.verdict == "needs_review" else result.feedback
    kept = tuple(line for line in kept if line != UNREAD_BY_MACHINE)
    if override.marks > result.max_marks:
        # The rubric changed since (the item is worth less now): never more marks than the
        # item is worth, and an instructor decides again.
        return replace(
            result,
            verdict="needs_review",
            marks=result.max_marks,
            feedback=(
                f"An instructor set {override.marks:g} marks on {override.created_at}{note}; "
                f"the item is now worth {result.max_marks:g}, so the marks are capped at "
                f"{result.max_marks:g} until an instructor decides again.",
                *kept,
            ),
            decision=(
                *result.decision,
                f"override on {override.created_at} capped: {override.marks:g} is more than "
                f"the {result.max_marks:g} the item is worth",
            ),
        )
    decided = f"Marks set by an instructor: {override.marks:g}/{result.max_marks:g}{note}"
    return replace(
        result,
        verdict=verdict_for(override.marks, result.max_marks),
        marks=override.marks,
        feedback=(decided, *kept),
        instructor_decision=decided,
        decision=(*result.decision, f"override on {override.created_at}: {override.marks:g}"),
    )


def apply_overrides(
    batch: Batch,
    overrides: dict[tuple[str, str], Override],
    holds: Mapping[str, Hold] | None = None,
) -> Batch:
    """The batch with instructors' overrides applied to the answers they judged, and the
    results of students whose latest file could not be graded held for a person (`held`)."""
    if not overrides and not holds:
        return batch
    results = [current(result, overrides, holds) for result in batch.results]
    return Batch(results=results, failures=list(batch.failures))


@dataclass(frozen=True)
class Hold:
    """A stored result no later run replaced although a file named after its student failed in
    the run that stored it or since (`gradebook.load_holds`): `note` says so, `since` is when
    the run the file failed in started (an override made since is a person's decision on the
    held answer), `file` names that file, and `earlier` says whether that run is earlier than
    the question's latest (which had no file of theirs: the hold stands until a person
    decides or a file of theirs is graded)."""

    note: str
    since: str
    file: str = ""
    earlier: bool = False


def current(
    result: SubmissionResult,
    overrides: Mapping[tuple[str, str], Override],
    holds: Mapping[str, Hold] | None = None,
) -> SubmissionResult:
    """`result` as every output presents it: overrides applied (`overridden`), then held
    (`held`) when its student's latest file could not be graded."""
    result = overridden(result, overrides)
    hold = holds.get(result.student) if holds else None
    return result if hold is None else held(result, hold, overrides)


def held(
    result: SubmissionResult, hold: Hold, overrides: Mapping[tuple[str, str], Override]
) -> SubmissionResult:
    """`result` (overrides applied) no longer presented as current: every item but those an
    override made since the failing run decides awaits review, its marks kept as provisional
    and the hold's note first in its feedback; `held` says why. The stored result is as it
    was. With every item decided since, the result is as the overrides make it."""
    items = {}
    for item_id, item in result.items.items():
        override = overrides.get((result.student, item_id))
        if override is not None and override.created_at >= hold.since and not item.needs_person:
            items[item_id] = item  # a person decided this answer since the file failed
            continue
        items[item_id] = replace(
            item,
            verdict="needs_review",
            feedback=(hold.note, *item.feedback),
            instructor_decision=None,
            decision=(*item.decision, "held for review: a later file could not be graded"),
        )
    if not any(item.needs_person for item in items.values()):
        return result
    return replace(result, items=items, held=hold.note)


def overridden(
    result: SubmissionResult, overrides: dict[tuple[str, str], Override]
) -> SubmissionResult:
    """One student's result with the overrides of their answers applied."""
    if not overrides:
        return result
    items = {
        item_id: (
            apply_override(item, overrides[(result.student, item_id)])
            if (result.student, item_id) in overrides
            else item
        )
        for item_id, item in result.items.items()
    }
    return replace(result, items=items)
