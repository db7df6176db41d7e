"""An answer written on several lines (an LMS cell's paragraphs, a YAML block), read as a
transcript's lines are: each line a piece of its own, never one product across a line break.

The lines are read by the transcript reader as the lines of one part holding one item, so
they are read by its rules: the same answer written two ways (or twice) is read with a note; two
different answers (a correction, say) go to a person, both shown; a chain of working whose
steps disagree goes to a person; a label on a line of its own or words under the answer
(`where σ is the sigmoid`) are set aside, each said in a note. A line at a time, an answer
given alone is read as `grader check` reads it (`grade.as_written`), but for a line with
working before its answer (`N x K -> N^2`, `N \\times K \\Rightarrow N^2`, `N x K, so N^2`),
read as a transcript's line is: the answer after the arrow or word, the maths before it working
that the item checks.
"""

from __future__ import annotations

from dataclasses import replace

from grader.model import SubmittedAnswer
from grader.submissions.transcript import (
    TranscriptItem,
    chain_too_long,
    has_working,
    read_transcript,
    too_many_steps,
    unread_maths,
)


def answer_lines(answer: SubmittedAnswer, part: str, item: TranscriptItem) -> SubmittedAnswer:
    """`answer` (as written, to `item` of `part`) read line by line where it has more than one
    line with something on it, or one line with working before its answer (`has_working`);
    as it is otherwise."""
    text = answer.text
    if text is None or item.keeps_prose or answer.found is not None:
        return answer
    if answer.problem is not None or answer.unread is not None:
        return answer
    lines = [line for line in map(str.strip, text.splitlines()) if line]
    one = len(lines) == 1 and has_working(lines[0])
    if len(lines) < 2 and not one:
        return answer
    # The part's marker on a line 0 of its own: the answer's lines keep their numbers, from 1.
    read = read_transcript(
        f"({part})\n" + "\n".join(lines), "", "", "", {part: [item]}, first_line=0
    ).answers
    got = read.get(f"{part}.{item.key}")
    shown = "; ".join(f"line {number}: {line}" for number, line in enumerate(lines, start=1))
    unsure = got is None or got.unread is not None or got.unsure is not None or got.by_place
    if one and unsure and (steps := chain_too_long(lines[0])):
        # its working unchecked, the answer after it is not graded alone: for a person
        return replace(
            answer,
            unread=too_many_steps("Your answer", steps),
        )
    if one and unsure:
        return answer  # one line a transcript does not read: as `grader check` reads it
    if unsure:
        return replace(
            answer,
            text="\n".join(lines),
            unread=f"Your answer has {len(lines)} lines ({shown}), which could not be read as "
            "one answer: which of them is your answer is for an instructor to read.",
        )
    taken = {got.line, *(line for _, line, _ in got.alternatives)}
    taken |= {line for line, _ in got.chains}
    if got.retracted is not None:
        taken.add(got.retracted[0])  # it says the answer is wrong, said in its own note
    # A line of maths alone that cannot be read may be the answer (a correction, say): not
    # set aside as holding none, but for a person, with why it was not read.
    unread = [
        why
        for number, line in enumerate(lines, start=1)
        if number not in taken and (why := unread_maths(number, line, item)) is not None
    ]
    if unread:
        return replace(
            answer,
            text="\n".join(lines),
            unread=f"Your answer has {len(lines)} lines ({shown}), not all of which could be "
            f"read: {' '.join(unread)} Which of them is your answer is for an instructor to "
            "read.",
        )
    # A line that repeats a line read (`CD + D` twice) holds that answer again, not none.
    read_first = {}
    for number, line in enumerate(lines, start=1):
        if number in taken:
            read_first.setdefault(line, number)
    notes = tuple(
        f'read line {number} of your answer, "{line}", as line {read_first[line]} again: '
        "it repeats the answer"
        if line in read_first
        else f'set aside line {number} of your answer, "{line}": it holds no answer to read'
        for number, line in enumerate(lines, start=1)
        if number not in taken
    )
    return replace(
        got,
        found=None,
        reading_notes=(*answer.reading_notes, *notes, *got.reading_notes),
        lines_within=True,
        attachment=answer.attachment,
    )
