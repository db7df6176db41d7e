"""Read a submission written in Markdown, as students type it:

    ---
    student: seed-student-1
    question: 22-52-Q4
    ---
    ## (a)
    Formula: $$ y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k $$
    Parameters: $P \\times Q \\times C$ parameters in total

Front matter names the student and the question; a heading starts a part (`## (a)`, `## a)`,
`## Part a`); a line starting with one of the item labels the rubric declares (its key, label
or aliases, any case), or such a label after a piece of maths on a line, starts an answer,
which runs until the next label or heading, over several lines if need be. Inside a `$$`
block nothing is taken for a label or a heading.

What of that run is the answer (`_split_answer`):

- an explanation (an item whose kind keeps prose, such as `text`) is prose: the whole run is
  the answer;
- otherwise, when the label's paragraph holds maths in `$…$` or `$$…$$`, the answer is the
  maths, and the words around it are not; what follows the maths on its line from an `=` goes
  on with it (`$CD + D$ = 12` is `CD + D = 12`, read as `grader check` reads it);
- otherwise the answer is the label's paragraph, up to the first blank line.

Crossed-out text (`~~…~~`, `<del>…</del>`, `<s>…</s>`) is no answer: it is set aside with a
note. An item given several answers (several pieces of maths in its label's paragraph, or
labelled twice) is given them all, as the transcript reader gives an item its several answers
(`transcript.several_answers`): the words beside each weigh it as they do in a transcript (a
share such as "$PQD$ biases" gives way to the count; a lone name in a sentence, "where $C$ is
the input channels", and maths describing one are set aside, with a note), and grading sends
different ones left to a person with each shown. Pieces of maths joined only by an operator
(`$9CD$ + $D$`), or that words join as a sum (`$9CD$ weights plus $D$ biases`, `$CD$ weights
and $D$ biases`: `transcript.joined_by_words`), are one answer, with a note; a count that reads
them with their words is given them so, as a transcript gives them (`transcript.with_its_words`:
`D weights plus 9CD biases`, whose check weighs the words naming the terms). Maths whose words
deny it or make it part of other maths, read as a transcript's line is
(`transcript.changed_by_words`: "not $CD + D$", "$PQD$ is wrong"), is no answer as it stands:
with no other answer left beside it, the item goes to a person shown what was written; so does
a paragraph whose pieces only "and" joins (`$CD$ and $D$`: a count's two parts, or two
answers).

Only a caller that passes the rubric's items (`item_for`) says which answers are explanations;
without it an answer is cut only when it begins with maths, and is otherwise kept whole.

Text the importer cannot place is reported with its line and a short quote, never given to a
neighbouring answer and never dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grader.errors import Problem, SubmissionError
from grader.model import Submission, SubmittedAnswer, item_name
from grader.submissions.transcript import (
    CROSSED,
    Beside,
    answer_among_words,
    changed_by_words,
    defined_in_words,
    denies,
    joined_by_and,
    joined_by_words,
    joining,
    several_answers,
    with_its_words,
)
from grader.yaml_source import Fields, load_yaml, read_bounded_text

# Matched against a heading whose runs of spaces are single spaces (`_heading`), so that no
# two `\s*` ever compete for a long run of spaces: the match is linear in the line.
_HEADING = re.compile(
    r"#{1,6} ?(?:part ?)?\(? ?([A-Za-z0-9]+) ?\)? ?[.:)]? ?(?:#+ ?)?", re.IGNORECASE
)
_LABEL = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z0-9 ]{0,40}?)\s*:(?:\*\*|__)?\s*(.*)$"
)
# `$$…$$` first, so that a display block is not read as two empty inline ones.
_MATHS = re.compile(r"\$\$(.*?)\$\$|\$([^$]+)\$", re.DOTALL)
# A label after the maths of another on its line (`Parameters: $9CD + D$ Formula: $y = …$`),
# from the end of that maths.
_LABEL_AFTER = re.compile(r"(?:[ \t]*[,;.])?[ \t]+(?:\*\*|__)?([A-Za-z][A-Za-z0-9 ]{0,40}?)[ \t]*:")
_CHAINED = re.compile(r"[ \t]*=[ \t]*")  # between two pieces of maths: one chain of working
_QUOTE_LENGTH = 60
# Why an answer is for a person to read rather than graded as it stands.
_DENIED = (
    "The words beside the maths of your answer may deny it or make it part of other maths, "
    "so it was not graded as written (shown as your answer); an instructor will read it."
)
_JOINED_BY_AND = (
    "Your answer joins pieces of maths with 'and': they may be parts of one answer or "
    "different answers, so it was not graded (shown as your answer); an instructor will read it."
)


class AnswerItem(Protocol):
    """What the importer needs to know of the item an answer is for."""

    @property
    def id(self) -> str: ...

    @property
    def keeps_prose(self) -> bool: ...  # the whole run is the answer (an explanation)

    @property
    def reads_with_words(self) -> Callable[[str], bool]: ...  # a count's: `transcript._offer`


ItemLookup = Callable[[str, str], AnswerItem | None]  # (part, name as written) -> item


@dataclass
class _Run:
    """The lines from an answer's label to the next label or heading."""

    part: str
    name: str  # the label as the student wrote it
    line: int
    lines: list[tuple[int, str]]  # (line number, text), the label's line without the label


def read_front_matter(path: Path, lines: list[str]) -> tuple[str, str, int, int]:
    """(student, question, index of the first line after the front matter, the line of
    `question:`)."""
    if not lines or lines[0].strip() != "---":
        raise SubmissionError(
            path,
            [
                Problem(
                    1,
                    "",
                    "a Markdown submission starts with front matter: a '---' line, "
                    "student: and question:, and another '---' line",
                )
            ],
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise SubmissionError(
            path, [Problem(1, "", "the front matter is never closed by '---'")]
        ) from None
    root = load_yaml(path, "\n".join(lines[1:end]) + "\n", SubmissionError)
    problems: list[Problem] = []
    fields = Fields(root, "", problems)
    student = fields.text("student")
    question = fields.text("question")
    fields.finish()
    # Lines in the front matter are counted from the '---' line.
    problems = [Problem(p.line + 1 if p.line else p.line, p.key, p.message) for p in problems]
    if problems or student is None or question is None:
        raise SubmissionError(path, problems)
    if not student.strip():
        raise SubmissionError(path, [Problem(2, "student", "is empty")])
    return student.strip(), question, end + 1, root.entries["question"][0] + 1


def load_markdown_submission(
    path: Path | str,
    labels: Mapping[str, set[str]],
    item_for: ItemLookup | None = None,
) -> Submission:
    """Read a Markdown submission; `labels` maps each part to the names its items answer to.

    `item_for(part, name)` gives the rubric's item an answer is labelled for (pass
    `rubric.item_for`): it tells explanations, which are kept whole, from counts and formulas,
    and names items in notes by their id. Without it, an answer is cut only where that is
    certain: when it begins with maths, the answer is that maths; otherwise it is kept whole.
    """
    path = Path(path)
    text = read_bounded_text(path, SubmissionError)
    lines = text.splitlines()
    student, question, start, question_line = read_front_matter(path, lines)

    def read() -> tuple[dict[str, SubmittedAnswer], list[tuple[int, str]], int | None]:
        """The answers, the notes, and the line of a `$$` block never closed (or None)."""
        given: dict[str, _Given] = {}  # item id (or part.label) -> what its labels give it
        unassigned: list[tuple[int, str]] = []
        part: str | None = None
        current: _Run | None = None
        stray: list[tuple[int, str]] = []  # consecutive lines under no label, reported as one
        in_display_maths = False
        opened_at = 0  # the line where the last `$$` block opened

        def close_answer() -> None:
            nonlocal current
            if current is None:
                return
            run, current = current, None
            item = item_for(run.part, run.name) if item_for is not None else None
            read_run = _split_answer(
                run.lines,
                None if item is None else item.keeps_prose,
                run.name,
                _reads_no_words if item is None else item.reads_with_words,
            )
            # Two labels of one item (Params, Parameters) give it two answers too, when known.
            answer_id = item.id if item is not None else f"{run.part}.{run.name.casefold()}"
            given.setdefault(answer_id, _Given(f"{run.part}.{run.name}", run.line)).add(read_run)
            answer_name = (
                f"the answer to {item.id}"
                if item is not None
                else f"the answer labelled {run.name!r} in part {run.part!r}"
            )
            for line, where, words in read_run.leftovers:
                quoted = "; ".join(f"{_quote(each)!r}" for each in words)
                unassigned.append((line, f"text {where} {answer_name} was not graded: {quoted}"))

        def close_stray() -> None:
            if not stray:
                return
            if part is None:
                where = "text before the first part heading"
            elif part not in labels:
                where = f"text under heading {part!r}, a part the question does not have,"
            else:
                where = f"text in part {part!r} under no answer label"
            words = " ".join(text for _, text in stray)
            unassigned.append((stray[0][0], f"{where} was not graded: {_quote(words)!r}"))
            stray.clear()

        def numbered() -> Iterator[tuple[int, str]]:
            """Each line, cut before a label of the part that follows maths on it (read when
            the line before it has been, in its part)."""
            for number, whole in enumerate(lines[start:], start=start + 1):
                if in_display_maths or part is None:
                    yield number, whole
                else:
                    yield from ((number, each) for each in _at_labels(whole, labels.get(part)))

        for number, line in numbered():
            if not in_display_maths:
                heading = _heading(line)
                if heading:
                    close_answer()
                    close_stray()
                    part = heading.lower()
                    continue
                if line.lstrip().startswith("#"):
                    close_stray()
                    continue  # a title or another heading: structure, not an answer
                label = _LABEL.match(line)
                if label and part is not None and _known(label.group(1), labels.get(part, set())):
                    close_answer()
                    close_stray()
                    name = " ".join(label.group(1).split())
                    current = _Run(part, name, number, [(number, label.group(2))])
                    in_display_maths = label.group(2).count("$$") % 2 == 1
                    opened_at = number
                    continue
            if line.count("$$") % 2 == 1:
                in_display_maths = not in_display_maths
                opened_at = number
            if current is not None:
                current.lines.append((number, line))
            elif line.strip():
                stray.append((number, line.strip()))
            elif not in_display_maths:
                close_stray()
        close_answer()
        close_stray()
        answers = {each.key: each.answer() for each in given.values()}
        return answers, unassigned, opened_at if in_display_maths else None

    answers, unassigned, unclosed = read()
    if unclosed is not None:
        # One `$$9CD + D$` typo must not cost the rest of the script: the `$$` that is never
        # closed is read as a `$`, and the student is told where.
        opening = lines[unclosed - 1]
        cut = opening.rindex("$$")
        lines[unclosed - 1] = opening[:cut] + "$" + opening[cut + 2 :]
        answers, unassigned, _ = read()
        unassigned.append(
            (
                unclosed,
                "the '$$' on this line opens a maths block that is never closed; it was read "
                "as a single '$'",
            )
        )
    unassigned.sort(key=lambda note: note[0])
    return Submission(
        student, question, str(path), answers, tuple(unassigned), question_line=question_line
    )


@dataclass
class _Read:
    """What one label's run gives its item: its answers (more than one when its paragraph has
    several pieces of maths), how they were read, and what is left over as (line,
    "before"/"after"/"beside"/"struck out in", its texts): the words beside the maths of a
    paragraph are said once, together."""

    answers: list[Beside]
    notes: list[str]
    leftovers: list[tuple[int, str, list[str]]]
    # The answers whose words deny them or make them part of other maths ("not $CD + D$",
    # "$PQD$ is wrong"; `transcript.changed_by_words`).
    denied: list[Beside] = field(default_factory=list)
    # Why the paragraph is for a person to read as a whole (pieces joined by "and"), or None.
    unread: str | None = None
    shown: list[tuple[int, str]] = field(default_factory=list)  # its paragraph, as written


@dataclass
class _Given:
    """What every label of one item gives it, in the order written."""

    key: str  # part.label of its first label
    line: int  # the line of its first label
    answers: list[Beside] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    denied: list[Beside] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # why a person reads it, each said once
    shown: list[tuple[int, str]] = field(default_factory=list)

    def add(self, read: _Read) -> None:
        self.answers += read.answers
        self.notes += read.notes
        self.denied += read.denied
        self.shown += read.shown
        if read.unread is not None and read.unread not in self.unread:
            self.unread.append(read.unread)

    def answer(self) -> SubmittedAnswer:
        """One answer is read as written; several (two pieces of maths after a label, or a
        label answered twice) are read as a transcript's several answers to one item are: a
        person decides between different ones (`several_answers`). Pieces joined by "and",
        and an answer its words deny with no other beside it, go to a person, shown what the
        student wrote."""
        if not self.unread and len(self.answers) > 1:
            answer = several_answers(self.answers, tuple(self.notes))
            kept = [answer.text, *(text for text, _, _ in answer.alternatives)]
            if not all(any(d.text == text for d in self.denied) for text in kept):
                return answer
        elif not self.unread and (not self.answers or self.answers[0] not in self.denied):
            text = self.answers[0].text if self.answers else None
            return SubmittedAnswer(text, self.line, reading_notes=tuple(self.notes))
        shown = "\n".join(f"line {line}: {_collapse(words)}" for line, words in self.shown)
        unread = " ".join(self.unread or [_DENIED])
        return SubmittedAnswer(shown, self.shown[0][0], unread=unread, unread_why=self._why())

    def _why(self) -> str:
        """Why the review has the answer, as it records it: pieces joined by "and", or the
        words beside its maths, which disown it ("not $CD + D$") or change it ("twice
        $CD$")."""
        if self.unread:
            return "its pieces of maths are joined by 'and': one answer, or several?"
        if any(denies(f"{answer.before} {answer.after}") for answer in self.denied):
            return "the student disowned the answer: words beside its maths deny it"
        return "the words beside the answer make its maths part of other maths"


def _reads_no_words(text: str) -> bool:
    return False


def _split_answer(
    lines: list[tuple[int, str]],
    prose: bool | None,
    label: str = "",
    reads_with_words: Callable[[str], bool] = _reads_no_words,
) -> _Read:
    """The answers in an answer's lines, and what is left over.

    `prose` is True for an explanation, False for any other item, None when not known.
    `reads_with_words` is the item's, where it reads pieces joined by words with them, as a
    transcript gives them (`transcript.with_its_words`: `D weights plus 9CD biases`).
    Crossed-out text is no answer: it is set aside, with a note.
    """
    written = dict(lines)
    lines, struck = _without_crossed_out(lines)
    read = _answers_in(lines, prose, label, reads_with_words)
    read.shown = [(line, written[line]) for line, _ in read.shown]
    if read.answers:
        read.notes[:0] = [
            f'set aside "{_quote(words)}" on line {line}, struck out' for line, words in struck
        ]
    else:
        read.leftovers += [(line, "struck out in", [words]) for line, words in struck]
    return read


def _without_crossed_out(
    lines: list[tuple[int, str]],
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The lines with crossed-out text (`~~…~~`, `<del>…</del>`, `\\sout{…}`) taken out, and
    what was taken out, as (line, text)."""
    struck = [
        (number, match.group()) for number, words in lines for match in CROSSED.finditer(words)
    ]
    if not struck:
        return lines, []
    return [(number, CROSSED.sub(" ", words)) for number, words in lines], struck


def _answers_in(
    lines: list[tuple[int, str]],
    prose: bool | None,
    label: str = "",
    reads_with_words: Callable[[str], bool] = _reads_no_words,
) -> _Read:
    if prose:
        return _Read(_one(_whole(lines), lines, label), [], [])
    paragraphs = _paragraphs(lines)
    if not paragraphs:
        return _Read([], [], [])
    first, later = paragraphs[0], paragraphs[1:]
    text = "\n".join(words for _, words in first)
    pieces = list(_MATHS.finditer(text))
    begins_with_maths = bool(pieces) and not text[: pieces[0].start()].strip()
    if prose is None and not begins_with_maths:
        # It may be prose: without the item's type, keep it whole.
        return _Read(_one(_whole(lines), lines, label), [], [])
    leftovers = [(p[0][0], "after", [" ".join(words for _, words in p)]) for p in later]
    if not pieces:
        return _Read(_one(_collapse(text) or None, first, label), [], leftovers)

    def line_at(offset: int) -> int:
        return first[text.count("\n", 0, offset)][0]

    answers: list[Beside] = []
    notes: list[str] = []
    denied: list[Beside] = []
    shown = [(line, words) for line, words in first if words.strip()]
    unread = None
    words: list[tuple[str, int, str]] = []  # where, start, the words between the maths
    position = 0
    # `$3 \times 3 \times C \times D + D$ = $9CD + D$`: pieces that only an `=` joins are
    # one chain of working, read as one answer; `$9CD$ + $D$`: pieces that only an operator
    # joins are one piece of maths, read as one answer, with a note.
    # `$9CD$ weights plus $D$ biases`: pieces that words join as a sum are one answer, their
    # sum, with a note, as in a transcript (`joined_by_words`); an item that reads them with
    # their words is given them so (`with_its_words`).
    maths = [
        (m.start(), m.end(), _collapse(m.group(1) if m.group(1) is not None else m.group(2)))
        for m in pieces
    ]
    spans: list[tuple[int, int, str]] = []  # start, end, the maths
    joined = joined_by_words(text, maths)
    sums = {start for start, _, _, summed, _ in joined if summed}
    labelled = {(start, end): words for start, end, _, _, words in joined if words}
    for index, (piece_start, piece_end, inner, summed, _) in enumerate(joined):
        notes += summed
        operator = joining(text, spans[-1][1], piece_start) if spans else None
        if spans and _CHAINED.fullmatch(text, spans[-1][1], piece_start):
            start, _, chain = spans[-1]
            spans[-1] = (start, piece_end, f"{chain} = {inner}")
        elif operator is not None:
            start, _, chain = spans[-1]
            spans[-1] = (start, piece_end, f"{chain} {operator} {inner}")
            notes.append(
                f'read "{_quote(text[start:piece_end])}" as one answer, '
                f"{spans[-1][2]}: its pieces of maths are joined by {operator!r}"
            )
        else:
            following = joined[index + 1][0] if index + 1 < len(joined) else len(text)
            after = text[piece_end:following].split("\n", 1)[0]
            if spans and joined_by_and(text, spans[-1][1], piece_start, after):
                unread = _JOINED_BY_AND  # "$CD$ and $D$": one count, or two answers?
            spans.append((piece_start, piece_end, inner))
    for index, (start, end, inner) in enumerate(spans):
        words.append(("before" if index == 0 else "after", position, text[position:start]))
        following = spans[index + 1][0] if index + 1 < len(spans) else len(text)
        rest = text[end:following].split("\n", 1)[0]
        line_start = text.rfind("\n", 0, start) + 1
        before = text[max(position, line_start) : start]
        position = end
        changed = changed_by_words(before, rest)
        if rest.lstrip().startswith("=") and not defined_in_words(inner, rest):
            # `$CD + D$ = 12`: what follows the maths on its line goes on with it, and is
            # read as `grader check` reads `CD + D = 12`.
            written = _collapse(f"{inner} {rest}")
            among = answer_among_words(written)
            inner = written if among is None else among.maths
            notes += [] if among is None else among.notes
            position += len(rest)
            rest = ""
        elif written := with_its_words(labelled.get((start, end), ""), rest, reads_with_words):
            # `$D$ weights plus $9CD$ biases`: read with its words, whose check weighs them
            inner = written
            position += len(rest)
            rest = ""
        if inner:
            quote = text if index == 0 else text[start:position]
            # the words after a sum of named terms ("… plus $D$ biases") name its last term,
            # not the sum: no share of the count
            after = "" if start in sums else rest
            answers.append(Beside(inner, line_at(start), _quote(quote), label, before, after))
            denied += [answers[-1]] if changed else []
    words.append(("after", position, text[position:]))
    gaps = [
        (line_at(start + len(gap) - len(gap.lstrip())), where, gap)
        for where, start, gap in words
        if gap.strip()
    ]
    if gaps and unread is None and len(denied) < len(answers):
        # The words among the maths of the paragraph, said once, together (unless the
        # paragraph goes to a person whole, shown as the answer).
        wheres = {where for _, where, _ in gaps}
        where = wheres.pop() if len(wheres) == 1 else "beside"
        leftovers[:0] = [(gaps[0][0], where, [gap for _, _, gap in gaps])]
    return _Read(answers, notes, leftovers, denied, unread, shown)


def _one(answer: str | None, lines: list[tuple[int, str]], label: str = "") -> list[Beside]:
    return [Beside(answer, lines[0][0], _quote(answer), label)] if answer else []


def _paragraphs(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The lines split at blank lines outside `$$` blocks; paragraphs without words dropped."""
    paragraphs: list[list[tuple[int, str]]] = [[]]
    in_display_maths = False
    for number, words in lines:
        if not words.strip() and not in_display_maths:
            paragraphs.append([])
            continue
        paragraphs[-1].append((number, words))
        if words.count("$$") % 2 == 1:
            in_display_maths = not in_display_maths
    return [p for p in paragraphs if any(words.strip() for _, words in p)]


def _whole(lines: list[tuple[int, str]]) -> str | None:
    return _unwrap_maths(_collapse(" ".join(words for _, words in lines))) or None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str) -> str:
    """A short quote of what the student wrote, on one line."""
    text = _collapse(text)
    return text if len(text) <= _QUOTE_LENGTH else text[: _QUOTE_LENGTH - 1] + "…"


def _unwrap_maths(body: str) -> str:
    """`$…$` or `$$…$$` around the whole answer only says "maths"; the answer is inside."""
    for fence in ("$$", "$"):
        inner = body[len(fence) : -len(fence)]
        wrapped = len(body) > 2 * len(fence) and body.startswith(fence) and body.endswith(fence)
        if wrapped and "$" not in inner:
            return inner.strip()
    return body


def _heading(line: str) -> str | None:
    """The part a heading line (`## (a)`, `### Part b:`) starts, or None."""
    text = line.lstrip()
    if len(line) - len(text) > 3 or not text.startswith("#"):
        return None  # four spaces make a code block in Markdown, not a heading
    match = _HEADING.fullmatch(" ".join(text.split()))
    return match.group(1) if match else None


def _at_labels(line: str, names: set[str] | None) -> list[str]:
    """`line` cut before each label of `names` that follows a piece of maths on it, outside
    maths: `Parameters: $9CD + D$ Formula: $y = …$` is two answers, each with its label."""
    if not names or "$" not in line or line.count("$$") % 2 == 1:
        return [line]
    cuts = [
        label.start(1)
        for piece in _MATHS.finditer(line)
        if (label := _LABEL_AFTER.match(line, piece.end())) is not None
        and _known(label.group(1), names)
    ]
    return [line[start:end] for start, end in zip([0, *cuts], [*cuts, len(line)], strict=True)]


def _known(name: str, names: set[str]) -> bool:
    return item_name(name) in names
