"""An explanation's verdict, marks and feedback from the concepts found in it."""

from __future__ import annotations

from grader.kinds.text.concepts import TextCheck
from grader.model import Item, ItemResult
from grader.score import PROVISIONAL, reading_earns, text_group, verdict_for


def score_text(item: Item, text: str, check: TextCheck) -> ItemResult:
    """Marks from the concepts found; feedback names each, found (quoted) or missing.

    When the grader has doubts, the verdict is `needs_review` with 0 marks, and the feedback
    gives the provisional marks and the reasons, for the instructor who decides.
    """
    feedback = []
    for finding in check.findings:
        concept = finding.concept
        # said of another role: of the other one a comparison gives its own property, or of one
        # the concept does not speak of ("The softmax is a position-wise linear layer")
        wrong = ", the wrong way round" if concept.compares else ""
        for_one = ", the wrong way round for one of them" if concept.compares else ""
        if finding.contradiction is not None and finding.contradiction.joined:
            first, second = finding.contradiction.joined
            feedback.append(
                f"Not credited: {concept.description} (you wrote "
                f'"{finding.contradiction.quote(text)}", which says it of both "{first.text}" '
                f'and "{second.text}"{for_one})'
            )
        elif finding.contradiction is not None and finding.contradiction.said_of is not None:
            feedback.append(
                f"Not credited: {concept.description} (you wrote "
                f'"{finding.contradiction.quote(text)}", which says it of '
                f'"{finding.contradiction.said_of.text}"{wrong})'
            )
        elif finding.contradiction is not None:
            feedback.append(
                f"Not credited: {concept.description} (you wrote "
                f'"{finding.contradiction.quote(text)}", which says otherwise)'
            )
        elif finding.evidence is not None:
            feedback.append(
                f"Found (+{concept.marks:g}): {concept.description} "
                f'("{finding.evidence.quote(text)}")'
            )
        elif finding.negated is not None and finding.negated.negated:
            feedback.append(
                f"Not credited: {concept.description} (you wrote "
                f'"{finding.negated.quote(text)}", which denies it)'
            )
        elif finding.negated is not None and finding.negated.doubt is not None:
            feedback.append(
                f"Not credited yet: {concept.description} (you wrote "
                f'"{finding.negated.quote(text)}", but {finding.negated.doubt}; an instructor '
                "will decide whether you state it)"
            )
        elif finding.negated is not None and finding.negated.said_of is not None:
            feedback.append(
                f"Not credited yet: {concept.description} (you wrote "
                f'"{finding.negated.quote(text)}", which may be said of '
                f'"{finding.negated.said_of.text}"; an instructor will decide)'
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
            f"{reading_earns(check.marks, item.marks).capitalize()}; {PROVISIONAL}.",
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
