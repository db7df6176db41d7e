"""The grading pipeline for one answer, one submission and a batch, as a straight line:

    submission text → parse → check → score

One bad answer never stops a submission, and one bad file never stops a batch: each failure
becomes a result (`invalid`, `error`) or a recorded file failure with a clear message.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import tempfile
from array import array
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from grader.errors import AnswerError, Problem, SubmissionError
from grader.kinds import kind_of
from grader.model import (
    Batch,
    FailureKind,
    FileFailure,
    Item,
    ItemResult,
    Rubric,
    Submission,
    SubmissionResult,
    SubmittedAnswer,
    Task,
)
from grader.score import (
    PROVISIONAL,
    UNREAD_BY_MACHINE,
    add_count_notes,
    machine_reading,
    said_of,
    score_error,
    score_invalid,
    score_missing,
    score_needs_review,
)
from grader.submissions import (
    CLAIMS,
    Loaded,
    collect_submission_files,
    load_submissions,
    refused,
)
from grader.submissions.lms_export import ColumnMap
from grader.submissions.transcript import answer_among_words

if TYPE_CHECKING:
    from grader.reading import ReadBeside


def grade_answer(rubric: Rubric, item: Item, text: str | None) -> ItemResult:
    """Grade one answer to one item. Never raises: every outcome is a result."""
    if text is None or not text.strip():
        return score_missing(item, text)
    kind = kind_of(item)
    try:
        result = kind.grade(item, text, rubric.context)
        if result.verdict == "correct" or not item.accepted:
            return result
        return _against_accepted(rubric, item, text, result)
    except AnswerError as error:
        return score_invalid(item, text, error, kind.advice(item, rubric.context))
    except Exception as exc:  # a bug or a sympy failure must not cost the other answers
        return score_error(item, text, type(exc).__name__)


def _against_accepted(rubric: Rubric, item: Item, text: str, result: ItemResult) -> ItemResult:
    """An answer equal to another answer the rubric accepts (`answer:` as a list) is correct,
    saying which; otherwise the result against the first answer stands."""
    kind = kind_of(item)
    for number, (answer_text, reading) in enumerate(item.accepted, start=2):
        if reading is None:
            continue
        other = replace(item, answer_text=answer_text, reference=reading, accepted=())
        graded = kind.grade(other, text, rubric.context)
        if graded.verdict == "correct":
            accepted = f"equal to the rubric's accepted answer {number}, {answer_text}"
            return replace(
                graded,
                decision=(*graded.decision[:-1], accepted, graded.decision[-1]),
            )
    return result


def grade_task(rubric: Rubric, task: Task) -> ItemResult:
    return grade_answer(rubric, rubric.items[task.item_id], task.text)


class InlineChecker:
    """Checks tasks in this process, one after another: no time or memory bound. For library
    use and tests; the command line uses `grader.workers.BoundedChecker`."""

    def __init__(self, rubric: Rubric):
        self.rubric = rubric

    def check(self, tasks: Sequence[Task]) -> list[ItemResult]:
        return [grade_task(self.rubric, task) for task in tasks]


class Checker(Protocol):
    """Checks tasks: `check` gives every result, in order. A checker that can check while
    this process does other work also has `start(tasks)`, which returns at once what waits
    for the results (see `start_checking`)."""

    def check(self, tasks: Sequence[Task]) -> list[ItemResult]: ...


def start_checking(checker: Checker, tasks: Sequence[Task]) -> Callable[[], list[ItemResult]]:
    """Start checking `tasks` with `checker`, and return what waits for their results. A
    checker without `start` checks them when they are waited for."""
    start = getattr(checker, "start", None)
    if start is not None:
        return start(tasks)
    return lambda: checker.check(tasks)


def entry_tasks(entry: ItemResult | Task | Found | Worded) -> list[Task]:
    """The answers one item's entry of a plan needs checked (`plan_answer`)."""
    if isinstance(entry, Task):
        return [entry]
    if isinstance(entry, Found):
        return [*entry.tasks, *(task for _, steps in entry.chains for task in steps)]
    if isinstance(entry, Worded):
        return list(entry.tasks)
    return []


@dataclass(frozen=True)
class Plan:
    """A submission read and matched to the rubric: each item is a result already (missing,
    not an answer) or a task to check."""

    rubric: Rubric
    submission: Submission
    items: dict[str, ItemResult | Task | Found | Worded]
    warnings: tuple[str, ...]

    def tasks(self) -> list[Task]:
        tasks = []
        for entry in self.items.values():
            if isinstance(entry, Task):  # nearly always: one answer, to check as it is
                tasks.append(entry)
            elif not isinstance(entry, ItemResult):
                tasks.extend(entry_tasks(entry))
        return tasks

    def result(self, checked: Mapping[Task, ItemResult]) -> SubmissionResult:
        items = {
            item_id: (
                checked[entry]
                if isinstance(entry, Task)
                else entry.result(checked)
                if isinstance(entry, Found | Worded)
                else entry
            )
            for item_id, entry in self.items.items()
        }
        context = self.rubric.context
        items = add_count_notes(
            self.rubric,
            items,
            lambda item: kind_of(item).count_role,
            lambda item, count, formula: kind_of(item).carry_forward(item, count, formula, context),
        )
        result = SubmissionResult(
            self.submission.student, self.submission.source, items, self.warnings
        )
        if self.submission.held is not None:
            return held_for_review(result, self.submission.held)
        return result


NO_ANSWER = (
    "No answer was read in your submission: it answers none of the question's items (an "
    "unfilled template, a failed upload or the wrong file); an instructor will check it."
)
NO_ANSWER_WARNING = "no item is answered: nothing was graded, and every item goes to an instructor"


def no_answer(submission: Submission) -> str:
    """What a submission answering no item is said to be: for an export's row, a row of
    empty answer cells (no file was uploaded); for a file, perhaps the wrong one."""
    if submission.lms_report is None:
        return NO_ANSWER
    return (
        f"No answer was read in your row of the LMS export ({submission.lms_report}): every "
        "answer cell is empty; an instructor will check it."
    )


def plan_submission(rubric: Rubric, submission: Submission) -> Plan:
    """Match a submission's answers to the rubric's items, without checking any of them."""
    if submission.question != rubric.id:
        raise SubmissionError(
            submission.source,
            [
                Problem(
                    submission.question_line,
                    "question",
                    f"is {submission.question!r}, but the rubric is for {rubric.id!r}",
                )
            ],
        )
    answers, warnings = _assign_answers(rubric, submission)
    warnings = [*warnings, *submission.notes]
    blank = not any(
        answer.problem is not None or answer.unread is not None or (answer.text or "").strip()
        for answer in answers.values()
    )
    if blank and not submission.unassigned:
        # no answer to any item (an unfilled template, a file with no answers): as for an
        # empty file, a person checks it was not a failed upload or the wrong file
        warnings = [*warnings, NO_ANSWER_WARNING]
    items: dict[str, ItemResult | Task | Found | Worded] = {}
    for item_id, item in rubric.items.items():
        answer = answers.get(item_id)
        if blank and not submission.unassigned:
            items[item_id] = score_needs_review(
                item, "", no_answer(submission), "no answer to any item in the submission"
            )
        else:
            items[item_id] = plan_answer(item, answer)
    return Plan(rubric, submission, items, tuple(warnings))


def plan_answer(item: Item, answer: SubmittedAnswer | None) -> ItemResult | Task | Found | Worded:
    """What one answer to `item` is to check, or its result where none is to check (missing,
    not an answer, text no reader could read). An answer as written (a YAML answer, an LMS
    cell, `grader check`'s) is read as a transcript's line is: words around its maths set
    aside, each said in a note (`as_written`)."""
    if answer is not None and answer.problem is not None:
        return ItemResult(
            item_id=item.id,
            verdict="invalid",
            marks=0.0,
            max_marks=item.marks,
            feedback=(
                f"Line {answer.line} of the submission: {answer.problem}.",
                UNREAD_BY_MACHINE,
            ),
            decision=(f"not an answer: {answer.problem}",),
        )
    if answer is not None and answer.unread is not None:
        # an empty script's items too: a person checks it was not a failed upload
        why = answer.unread_why or "text for this item that could not be read"
        reason = answer.unread
        if answer.attachment is not None:
            reason += f" It also has {answer.attachment}: a person should look at it."
        unread = score_needs_review(item, answer.text or "", reason, why)
        return replace(unread, found=answer.found)
    if answer is None or answer.text is None or not answer.text.strip():
        return score_missing(item, answer.text if answer else None)
    if answer.found is None and not (
        answer.alternatives or answer.chains or answer.unsure or answer.retracted
    ):
        # beside a photo or with notes from its cell's cleaning, read as the cell alone is
        return as_written(item, answer.text, answer.line, answer.reading_notes, answer.attachment)
    found = ((answer.text, answer.line, answer.found or ""), *answer.alternatives)
    return Found(
        tuple(Task(item.id, text) for text, _, _ in found),
        tuple(line for _, line, _ in found),
        answer.found,
        tuple(
            (line, tuple(Task(item.id, step) for step in steps)) for line, steps in answer.chains
        ),
        answer.unsure,
        answer.by_place,
        (answer.unchecked_answers, answer.unchecked_chains),
        answer.reading_notes,
        answer.lines_within,
        answer.attachment,
        answer.retracted,
    )


def as_written(
    item: Item,
    text: str,
    line: int = 1,
    notes: tuple[str, ...] = (),
    attachment: str | None = None,
) -> Task | Found | Worded:
    """An answer given alone, read as a line of a transcript is (`answer_among_words`): maths
    among words (`I think it is σ(1-σ)`, `σ(1-σ) where σ is the sigmoid`) is read as its
    maths; maths with a label or a word (`Derivative: σ(1-σ)`, `Length: ⌈P/2⌉`) is tried as
    written, and, should it not read so, with the word set aside. Each word set aside is
    said in a note, after `notes` (how its cell was cleaned). An explanation's answer is all
    its words. With an `attachment` (a photo beside the text), the text is read so, and the
    item goes to a person too (`Found`)."""
    task = Task(item.id, text)
    if kind_of(item).keeps_prose:
        if not (notes or attachment):
            return task
        return Found((task,), (line,), None, reading_notes=notes, attachment=attachment)
    among = answer_among_words(text)
    if among is not None:
        maths = Task(item.id, among.maths)
        return Found(
            (maths,), (line,), None, reading_notes=(*notes, *among.notes), attachment=attachment
        )
    alone = answer_among_words(text, True)
    if alone is not None and alone.maths != text:
        return Worded(task, Task(item.id, alone.maths), alone.notes, line, notes, attachment)
    if not (notes or attachment):
        return task
    return Found((task,), (line,), None, reading_notes=notes, attachment=attachment)


@dataclass(frozen=True)
class Worded:
    """An answer as written that a word may keep from reading (`Derivative: σ(x)(1-σ(x))`):
    its result as written, or, where that is invalid and its maths with the word set aside
    reads, that result with the word said in a note."""

    written: Task
    maths: Task
    notes: tuple[str, ...]
    line: int = 1
    cleaned: tuple[str, ...] = ()  # how its cell was cleaned, said first
    attachment: str | None = None  # a photo beside it: read as `Found` reads one

    @property
    def tasks(self) -> tuple[Task, ...]:
        return (self.written, self.maths)

    def result(self, checked: Mapping[Task, ItemResult]) -> ItemResult:
        task, notes = self.written, self.cleaned
        if checked[task].verdict == "invalid" and checked[self.maths].verdict != "invalid":
            task, notes = self.maths, (*notes, *self.notes)
        if not notes and self.attachment is None:
            return checked[task]
        found = Found((task,), (self.line,), None, reading_notes=notes, attachment=self.attachment)
        return found.result(checked)


def _steps_agree(steps: Sequence[ItemResult]) -> bool:
    """Whether the steps of a chain of working, each checked as the item's answer, are equal
    as the item's check equates answers: the same answer, or each right (equal to the
    reference, so to each other, under the rubric's relations and with floors compared
    exactly: `3h(d d_k + d_k) = 3d^2 + 3d` where d_k = d/h, `⌊(P-1)/2⌋ + 1 = ⌈P/2⌉`)."""
    if all(step.verdict == "correct" for step in steps):
        return True
    return len({step.same_answer_key for step in steps}) == 1


@dataclass(frozen=True)
class Found:
    """The answers a transcript gives one item (more than one when it gives different ones),
    with where each was found and a note saying where the first was found; and the steps of
    each chain of working among them, with its line."""

    tasks: tuple[Task, ...]
    lines: tuple[int, ...]
    note: str | None
    chains: tuple[tuple[int, tuple[Task, ...]], ...] = ()
    unsure: str | None = None  # why these may be another item's answers: a person decides
    by_place: bool = False  # taken for the item by its place: checked by a person unless right
    unchecked: tuple[int, int] = (0, 0)  # more different answers, and chains, not checked
    reading_notes: tuple[str, ...] = ()  # how the transcript reader read the first answer
    lines_within: bool = False  # its lines are the answer's own (an LMS cell's), not a script's
    attachment: str | None = None  # a photo, recording or file beside it: a person looks too
    retracted: tuple[int, str] | None = None  # a line that says it is wrong: for a person

    def _line(self, line: int) -> str:
        return f"line {line} of your answer" if self.lines_within else f"line {line}"

    def result(self, checked: Mapping[Task, ItemResult]) -> ItemResult:
        """The item's result from its answers' checks: the first answer's, sent to a person
        with a note for each reason there is (`_Reasons`), each said of the answer it is of."""
        results = [checked[task] for task in self.tasks]
        first = replace(
            results[0],
            found=self.note,
            reading_notes=(*self.reading_notes, *results[0].reading_notes),
        )
        reasons = _Reasons()
        if self.unsure is not None:
            reasons.add(self.unsure, "sent for review: which item the answer is for is not clear")
        differ, first = self._answers_differ(results, first, reasons)
        disagree = self._chains_disagree(checked, reasons)
        if self.by_place and not reasons.notes and first.verdict != "correct":
            reasons.add(
                "No words in your script say which item this answers: it was taken for this "
                "item by its place, and it is not right for it, so an instructor will check "
                "whether it answers another item.",
                "sent for review: taken by its place, and not right",
            )
        if self.retracted is not None:
            # The student says the answer is wrong: whether they still give it is a person's
            # to decide, never graded as if they asserted it.
            line, words = self.retracted
            where = self._line(line) if self.lines_within else f"line {line} of your script"
            reasons.add(
                f'{where.capitalize()} says this answer is wrong ("{words}"); an '
                "instructor will decide whether it is still your answer: "
                f"{machine_reading(first)}; {PROVISIONAL}.",
                f"sent for review: line {line} says the answer is wrong",
            )
        if self.attachment is not None:
            # The photo may hold the working, or the real answer: its text is graded, and a
            # person looks at both. Text giving different answers earns nothing alone.
            beside = f"Your answer also has {self.attachment}, which the grader does not read: a"
            if differ or disagree:
                note = (
                    f"{beside} person should look at it, and at your text, which gives "
                    "different answers (above)."
                )
            else:
                note = (
                    f"{beside} person should look at it. Your text alone: "
                    f"{machine_reading(first)}; {PROVISIONAL}."
                )
            reasons.add(note, f"sent for review: the answer also has {self.attachment}")
        if not reasons.notes:
            return first
        # The answer's own feedback ("Correct.") is of that answer, not of the item a person
        # decides: said of what it is of.
        if differ:
            of = f"If line {self.lines[0]} ({results[0].answer}) is your answer: "
        elif self.attachment is not None and not disagree:
            of = "Of your text alone: "
        else:
            of = f"If {first.answer} is your answer: "
        return replace(
            first,
            verdict="needs_review",
            marks=0.0,
            feedback=(*reasons.notes, *said_of(first.feedback, of)),
            decision=(*first.decision, *reasons.decisions),
        )

    def _answers_differ(
        self, results: list[ItemResult], first: ItemResult, reasons: _Reasons
    ) -> tuple[bool, ItemResult]:
        """Whether the answers differ (more than were checked, or ones that are not the
        same), said in `reasons`; and the first result, with a note that the answers were read
        as one where they are the same."""
        answers_beyond, chains_beyond = self.unchecked
        # An answer's own lines agree where they are equal as its working's steps are (each
        # right, say: `⌈P/2⌉` over `⌊(P-1)/2⌋ + 1`); a script's answers where they are one.
        agree = (
            _steps_agree(results)
            if self.lines_within
            else len({result.same_answer_key for result in results}) == 1
        )
        differ = bool(answers_beyond) or not agree
        if differ:
            # Different answers to one item: a person decides which is the student's.
            shown = [
                f"{self._line(line)}: {result.answer} ({machine_reading(result)})"
                for line, result in zip(self.lines, results, strict=True)
            ]
            given = f"{len(results)} different answers to this item"
            if answers_beyond:
                given = (
                    f"{len(results) + answers_beyond} different answers to this item, of "
                    f"which the first {len(results)} were checked"
                )
            reasons.add(
                f"Your {'answer' if self.lines_within else 'script'} gives {given}; an "
                "instructor will decide which is yours: " + "; ".join(shown) + f"; {PROVISIONAL}.",
                "sent for review: different answers found",
            )
        elif len(results) > 1:
            # Different ways of writing one answer: it is read, saying so.
            same = "; ".join(
                f"line {line}: {result.answer}"
                for line, result in zip(self.lines, results, strict=True)
            )
            note = f"read as one answer: the {len(results)} answers given ({same}) are the same"
            if self.lines_within:
                note = (
                    f"read your {len(results)} lines as one answer written {len(results)} "
                    f"ways ({same}): they are the same"
                )
            first = replace(first, reading_notes=(*first.reading_notes, note))
        if chains_beyond:
            reasons.add(
                f"Your script gives {len(self.chains) + chains_beyond} chains of working for "
                f"this item, of which the first {len(self.chains)} were checked; an "
                "instructor will read the rest.",
                "sent for review: more chains of working than are checked",
            )
        return differ, first

    def _chains_disagree(self, checked: Mapping[Task, ItemResult], reasons: _Reasons) -> bool:
        """Whether a chain of working has steps that are not equal, each said in `reasons`."""
        disagree = False
        for line, steps in self.chains:
            stepped = [checked[task] for task in steps]
            # A step the grader failed on says nothing about the working: the item's own
            # result (an error, for a person) stands.
            failed = any(result.verdict == "error" for result in stepped)
            if not failed and not _steps_agree(stepped):
                # Working whose steps are not equal: which step is the answer is not ours
                # to pick.
                shown = [f"{result.answer} ({machine_reading(result)})" for result in stepped]
                reasons.add(
                    f"The steps of your working on {self._line(line)} do not agree; an "
                    "instructor will decide which is your answer: "
                    + ", then ".join(shown)
                    + f"; {PROVISIONAL}.",
                    f"sent for review: the steps on line {line} disagree",
                )
                disagree = True
        return disagree


@dataclass
class _Reasons:
    """Why an item's answer goes to a person: a note to the student and a line of the
    decision path for each reason, in the order met."""

    notes: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)

    def add(self, note: str, decision: str) -> None:
        self.notes.append(note)
        self.decisions.append(decision)


def grade_submission(
    rubric: Rubric, submission: Submission, checker: Checker | None = None
) -> SubmissionResult:
    """Grade every item of the rubric; items the submission lacks are `missing`."""
    plan = plan_submission(rubric, submission)
    tasks = plan.tasks()
    results = (checker or InlineChecker(rubric)).check(tasks)
    return plan.result(dict(zip(tasks, results, strict=True)))


def _assign_answers(
    rubric: Rubric, submission: Submission
) -> tuple[dict[str, SubmittedAnswer], list[str]]:
    """Match each submitted (part, name) to the rubric's item by key, label or alias.

    Nothing is guessed: an answer no item claims, or a second answer to the same item, is
    reported as a warning and not graded, and so is content the importer could not place.
    """
    answers: dict[str, SubmittedAnswer] = {}
    warnings = [f"line {line}: {note}" for line, note in submission.unassigned]
    for key, answer in submission.answers.items():
        named = rubric.items_named(key)
        item = named[0] if named else None
        if len(named) > 1:
            # A name items share (an alias such as Entry): which item it answers is a person's
            # to decide; each item still without an answer is given it, saying so.
            ids = " and ".join(i.id for i in named)
            name = key.partition(".")[2]
            unsure = (
                f"Your answer on line {answer.line} is labelled {name!r}, a name that {ids} "
                "share; an instructor will decide which item it answers."
            )
            for each in named:
                if each.id not in answers:
                    answers[each.id] = replace(answer, unsure=unsure)
            continue
        if item is None:
            part, _, name = key.partition(".")
            warnings.append(
                f"line {answer.line}: the rubric has no item {name!r} in part {part!r}; "
                "this answer was not graded"
            )
        elif item.id in answers:
            warnings.append(
                f"line {answer.line}: a second answer to {item.id} (the first is at line "
                f"{answers[item.id].line}); only the first was graded"
            )
        else:
            answers[item.id] = answer
    return answers, warnings


CHUNK = 64  # submissions read, checked and stored together
POLL_EVERY = 8  # files read between two looks at what a checker's workers said
# Distinct answers whose results a run keeps to give again (the most recently met): enough for
# a class's common answers, while a class of distinct explanations keeps bounded memory. An
# answer met again after it was let go is checked again, to the same result. Their texts are
# bounded too: an explanation's result held with its text costs about 1.3 KB, a count's a
# few hundred bytes, so a class writing its own explanations keeps fewer of them (about
# 9,000: 12 MB, where 20,000 took 26 MB).
REMEMBERED = 20_000
REMEMBERED_CHARACTERS = 2_000_000


def _let_go(checked: OrderedDict[Task, ItemResult], characters: int) -> int:
    """The answers met longest ago let go from `checked`, until it keeps at most `REMEMBERED`
    answers of at most `REMEMBERED_CHARACTERS` characters (`characters` now): those it keeps
    now."""
    while len(checked) > REMEMBERED or characters > REMEMBERED_CHARACTERS:
        task, _ = checked.popitem(last=False)
        characters -= len(task.text or "")
    return characters


@dataclass(frozen=True)
class Placed:
    """A result at its place in the class (places follow the files, a student keeping the
    place of their first file), with the result given at that place in an earlier chunk that
    it replaces (a student a later file claims too), if any."""

    place: int
    result: SubmissionResult
    replaces: SubmissionResult | None = None


@dataclass
class _Checking:
    """A chunk of `grade_paths` being checked: its plans; the results of its answers known so
    far (remembered from earlier chunks, then those checked for it, then those the chunk
    before it checked for both); the answers checked for it, and those the chunk before it
    is checking; what waits for the answers checked for it."""

    plans: list[tuple[Path, Plan]]
    found: dict[Task, ItemResult]
    new: list[Task]
    before: list[Task]
    waiting: Callable[[], list[ItemResult]]


def grade_paths(
    rubric: Rubric,
    paths: Sequence[Path],
    on_result: Callable[[SubmissionResult], None] | None = None,
    on_chunk: Callable[[list[SubmissionResult]], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    checker: Checker | None = None,
    columns: ColumnMap | None = None,
    identify: Callable[[Submission], Submission] | None = None,
    other_questions: frozenset[str] = frozenset(),
    on_placed: Callable[[list[Placed]], None] | None = None,
    recall: Callable[[int, str], SubmissionResult] | None = None,
    read_beside: ReadBeside | None = None,
) -> Batch:
    """Grade every submission file found under `paths`; failures are recorded, not raised.

    Files are taken a chunk at a time: read and matched to the rubric, then every distinct
    answer of the chunk not among the last distinct answers met in this run (`_let_go`) is
    checked by `checker` (in this process by default; the command line's checker uses bounded
    worker processes), then each result goes to `on_result` in the order of the files, the
    chunk's results at their places to `on_placed` (`Placed`, in the order of their places,
    each place once), and then the chunk's results, in the order of the files, to `on_chunk`
    (to store them together: a student two files claim is given again, replacing the first
    file's result). `on_progress` receives (files done, files in all). `columns` maps an LMS
    export's columns to items; `identify` gives each submission read its student as a roster
    knows them (`grader.roster.RosterMatcher.identify`), before two claims of one student are
    looked for. A submission for one of `other_questions` (the other questions of an exam
    graded from the same files) is passed over: it is not this question's, and not a failure
    either.

    The batch returned holds every result, in the order of their places, unless `recall` is
    given: then it holds the failures alone, and no result outlives its chunk. A student a
    file of a later chunk claims too has their result given back by `recall(place, student)`
    (from where `on_chunk` stored it), to be replaced.

    A checker that can check while this process works (`start_checking`) checks a chunk
    while the chunk before it goes to `on_placed` and `on_chunk` and the chunk after it is
    read; the chunk after it is started before the chunk is waited for, so that the checker
    has its answers to go on with (a checker's `start` must take a set of tasks while
    another is being checked: `BoundedChecker.start` does).

    With `read_beside` (`grader.reading.ReadBeside`), a class of its threshold's files or more
    is read by a reader process, chunks ahead, each file bounded (`grader.reading`); the
    results and failures are those of reading here, in the same order.
    """
    checker = checker or InlineChecker(rubric)
    batch = Batch()
    files, unusable = collect_submission_files(paths)
    batch.failures.extend(refused(unusable))
    places: dict[str, int] = {}  # the student (any case) -> their place in the class
    spelled: dict[str, str] = {}  # the student (any case) -> as first written, where it differs
    checked: OrderedDict[Task, ItemResult] = OrderedDict()  # oldest met first
    remembered = 0  # the characters of the texts of the answers `checked` keeps
    poll = getattr(checker, "poll", None) or (lambda: None)  # see `BoundedChecker.poll`

    def read(start: int) -> list[tuple[Path, Plan]]:
        """The chunk of files from `start`, read (here, or beside by `reader`) and matched to
        the rubric."""
        plans: list[tuple[Path, Plan]] = []
        for number, (path, loaded) in enumerate(
            reader.take(start) if reader is not None else read_here(start)
        ):
            if number % POLL_EVERY == 0:
                poll()  # the workers' replies taken meanwhile, and their next batches sent
            if isinstance(loaded, str):  # the file's failure
                batch.failures.append(FileFailure(str(path), loaded))
                continue
            for entry in loaded:
                try:
                    if isinstance(entry, SubmissionError):
                        raise entry
                    if entry.question in other_questions:
                        continue
                    if identify is not None:
                        entry = identify(entry)
                    plans.append((path, plan_submission(rubric, entry)))
                except SubmissionError as error:
                    failure = FileFailure(str(error.path), str(error), named=error.named)
                    batch.failures.append(failure)
                except Exception as exc:  # likewise
                    batch.failures.append(FileFailure(str(path), _failed(path, exc)))
        return plans

    def read_here(start: int) -> Iterator[tuple[Path, Loaded | str]]:
        """Each file of the chunk from `start`, read in this process as it is planned."""
        for path in files[start : start + CHUNK]:
            try:
                yield path, load_submissions(path, rubric, columns)
            except Exception as exc:  # a bug must not cost the rest of the batch its results
                yield path, _failed(path, exc)

    def hand_over(chunk, current, replaced) -> None:
        """A graded chunk's results to `on_placed` and `on_chunk`."""
        if on_placed is not None and current:
            on_placed([Placed(p, current[p], replaced.get(p)) for p in sorted(current)])
            poll()
        if on_chunk is not None and chunk:
            on_chunk(chunk)

    reader = None
    with contextlib.ExitStack() as stack:
        if read_beside is not None and read_beside.wanted(len(files)):
            from grader.reading import BesideReader

            reader = stack.enter_context(BesideReader(rubric, files, CHUNK, columns, read_beside))
        if on_progress is not None:
            on_progress(0, len(files))

        # While the workers check a chunk's answers, this process hands over the chunk before it,
        # reads the chunk after it and has its answers checked next: the workers have work
        # queued while this process waits for theirs.
        def begin(plans: list[tuple[Path, Plan]], checking: Collection[Task]) -> _Checking:
            """The chunk's answers checked already (remembered) and the others, started but
            for those still being checked for the chunk before (`checking`)."""
            found: dict[Task, ItemResult] = {}
            new, before = [], []
            for task in dict.fromkeys(t for _, plan in plans for t in plan.tasks()):
                if task in checked:
                    checked.move_to_end(task)  # met again: the last to be let go
                    found[task] = checked[task]
                elif task in checking:
                    before.append(task)
                else:
                    new.append(task)
            return _Checking(plans, found, new, before, start_checking(checker, new))

        upcoming = begin(read(0), ()) if files else None
        graded: tuple = ()  # the chunk graded last, not yet handed over
        for start in range(0, len(files), CHUNK):
            now = upcoming
            if graded:
                hand_over(*graded)
            graded = ()  # let go before the next chunk is read
            if start + CHUNK < len(files):
                # (a chunk whose every file failed has no plans, but is a chunk all the same)
                upcoming = begin(read(start + CHUNK), frozenset(now.new))
            else:
                upcoming = None
            fresh = dict(_remembered(t, r) for t, r in zip(now.new, now.waiting(), strict=True))
            checked.update(fresh)
            remembered += sum(len(task.text or "") for task in fresh)
            now.found.update(fresh)
            if upcoming is not None:  # what the next chunk waited for this one to check
                upcoming.found.update((task, fresh[task]) for task in upcoming.before)
            chunk: list[SubmissionResult] = []
            current: dict[int, SubmissionResult] = {}  # place -> its latest result in this chunk
            replaced: dict[int, SubmissionResult] = {}  # place -> the earlier chunk's result
            for path, plan in now.plans:
                result = plan.result(now.found)
                # Student ids are names in an LMS, where `alice` and `Alice` are one person.
                key = result.student.casefold()
                place = places.get(key)
                if place is None:
                    place = places[key] = len(places)
                    if result.student != key:
                        spelled[key] = result.student
                    if recall is None:
                        batch.results.append(result)
                else:
                    if place in current:
                        first = current[place]
                    elif recall is None:
                        first = batch.results[place]
                    else:
                        first = replaced[place] = recall(place, spelled.get(key, key))
                    batch.failures.append(
                        FileFailure(
                            str(path),
                            _claimed_twice_message(result.source, first, result),
                            FailureKind.CLAIMED,
                        )
                    )
                    result = claimed_twice(first, result)  # replaces what was given for the first
                    del first  # held by `current` or `replaced` as long as needed
                    if recall is None:
                        batch.results[place] = result
                current[place] = result
                chunk.append(result)
                if on_result is not None:
                    on_result(result)
            graded = (chunk, current, replaced)
            del chunk, current, replaced, now
            remembered = _let_go(checked, remembered)
            if on_progress is not None:
                on_progress(min(start + CHUNK, len(files)), len(files))
        if graded:
            hand_over(*graded)
    return batch


def _remembered(task: Task, result: ItemResult) -> tuple[Task, ItemResult]:
    """A checked answer as the run remembers it, its texts shared where they are equal: the
    answer with the task's own, each line of feedback and of the decision path with its every
    copy (`sys.intern`: a class's explanations are mostly distinct, their feedback a few dozen
    lines). The same result in half the bytes: the workers send every string afresh."""
    return task, replace(
        result,
        answer=task.text if result.answer == task.text else result.answer,
        feedback=tuple(map(sys.intern, result.feedback)),
        decision=tuple(map(sys.intern, result.decision)),
    )


def _failed(path: Path, exc: Exception) -> str:
    """A bug met while reading `path`, reported as the file's failure, not the batch's."""
    return f"submission {path}: the grader failed on it ({type(exc).__name__})"  # as reading.py


def claimed_twice(first: SubmissionResult, other: SubmissionResult) -> SubmissionResult:
    """The result of a student two submissions claim (two files, or two rows of an LMS
    export): nothing of either is graded until an instructor decides which is theirs. Every
    item goes to review (0 marks), showing the first one's answers and saying what the other
    would have earned."""
    sources = f"{first.source} and {other.source}"
    note = (
        f"Two submissions claim student {first.student!r}: {sources}. Neither is "
        "graded until an instructor decides which is theirs."
    )
    # Its own review group: deciding it is choosing this student's submission, which no
    # decision on another student's (equal) answer may do for them.
    group = f"claimed twice: {first.student.casefold()}"
    items = {
        item_id: replace(
            item,
            verdict="needs_review",
            marks=0.0,
            feedback=(note, *_own_feedback(item, f"Of the answer in {first.source}: ")),
            decision=(*item.decision, f"sent for review: claimed by {sources}"),
            answer_group=group,
        )
        for item_id, item in first.items.items()
    }
    # Its items a person decides (all of a held attempt's) count 0 in its total: said so,
    # with its own warnings (a held attempt's says what it earns graded as it stands).
    waiting = other.awaiting_review
    besides = f", {waiting} of its {len(other.items)} items awaiting a person" if waiting else ""
    warning = (
        f"{other.source} also claims this student (as {other.student!r}); graded on its own, "
        f"it would have {other.total:g}/{other.max_total:g} marks{besides}"
    )
    its_own = tuple(f"{other.source}: {each}" for each in other.warnings)
    return replace(first, items=items, warnings=(*first.warnings, warning, *its_own))


def _own_feedback(item: ItemResult, what: str) -> tuple[str, ...]:
    """The feedback of an item a person now decides for its submission's sake (claimed twice,
    held): a settled item's own ("Correct.") said of what it is of (`said_of`); an item
    already for a person says what its notes are of."""
    if item.verdict in ("needs_review", "error"):
        return item.feedback
    return said_of(item.feedback, what)


def held_for_review(result: SubmissionResult, why: str) -> SubmissionResult:
    """The result of a submission an instructor must first decide to grade (an LMS attempt
    never submitted, `Submission.held`): every item goes to review (0 marks), showing its
    answer and what it would earn graded as it stands."""
    note = (
        f"{why}. Whether its answers are graded is your instructor's decision; nothing is "
        "graded until then."
    )
    unsettled = ("needs_review", "error")  # what these would earn is a person's call anyway

    def earns(item: ItemResult) -> tuple[str, ...]:
        if item.verdict in unsettled:
            return ()
        return (f"Graded as it stands, {machine_reading(item)}; {PROVISIONAL}.",)

    items = {
        item_id: replace(
            item,
            verdict="needs_review",
            marks=0.0,
            feedback=(note, *earns(item), *_own_feedback(item, "Graded as it stands: ")),
            decision=(*item.decision, f"sent for review: {why}"),
        )
        for item_id, item in result.items.items()
    }
    pending = sum(item.verdict in unsettled for item in result.items.values())
    besides = f", besides {pending} items a person decides anyway" if pending else ""
    warning = (
        f"{why}: every item goes to an instructor; graded as it stands, it would have "
        f"{result.total:g}/{result.max_total:g} marks{besides}"
    )
    return replace(result, items=items, warnings=(*result.warnings, warning))


def _claimed_twice_message(source: str, first: SubmissionResult, other: SubmissionResult) -> str:
    how = "" if first.student == other.student else f" (written {other.student!r})"
    return (
        f"submission {source}{CLAIMS}{first.student!r}{how}, as {first.source} does; "
        "neither is graded until an instructor decides which is theirs (the student's "
        "items are in the review queue)"
    )


class ResultSpool:
    """Results let go of, kept in a temporary file (this process's own, removed on closing)
    to be given back by their place: `grade_paths`'s `recall` where there is no gradebook to
    store them in. Memory holds where each result is in the file (8 bytes a place)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115  closed by `close`
        self._where = array("q")  # place -> offset in the file; its length follows
        self._sizes = array("q")

    def store(self, placed: Sequence[Placed]) -> None:
        self._file.seek(0, os.SEEK_END)
        for entry in placed:
            data = pickle.dumps(entry.result, protocol=pickle.HIGHEST_PROTOCOL)
            offset = self._file.tell()
            self._file.write(data)
            if entry.place == len(self._where):
                self._where.append(offset)
                self._sizes.append(len(data))
            else:  # a place given again: the newer result is the one to give back
                self._where[entry.place], self._sizes[entry.place] = offset, len(data)

    def recall(self, place: int, _student: str = "") -> SubmissionResult:
        self._file.seek(self._where[place])
        return pickle.loads(self._file.read(self._sizes[place]))

    def close(self) -> None:
        self._file.close()
