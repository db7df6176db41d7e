"""Load students' submissions, whatever their format: one loader per file suffix.

A format is one module here and one line in `LOADERS`. A loader reads one file into the
submissions it holds (one for a student's own file, one per row of an LMS export), each a
`grader.model.Submission` (the student, the question, and each answer as written with its
line) or, for one that cannot be read, the `SubmissionError` saying why, so that one bad
row never costs the others. What the rubric makes of the answers is decided by `grader.grade`.
"""

from __future__ import annotations

import itertools
import os
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from grader.errors import Problem, SubmissionError, writable_as_utf8
from grader.kinds import kind_of
from grader.model import (
    FailureKind,
    FileFailure,
    Item,
    PerRubric,
    Rubric,
    Submission,
    SubmittedAnswer,
    item_name,
)
from grader.submissions.answer_lines import answer_lines
from grader.submissions.lms_export import (
    CONTROL_CHARACTER,
    EXPORT_SUFFIXES,
    ColumnMap,
    load_export,
)
from grader.submissions.markdown_submission import load_markdown_submission, read_front_matter
from grader.submissions.transcript import TranscriptItem, read_transcript, transcript_student
from grader.submissions.yaml_submission import load_yaml_submission
from grader.yaml_source import read_bounded_text


@dataclass(frozen=True)
class AnswerSlot:
    """What a loader may know of the item an answer is for."""

    id: str
    keeps_prose: bool
    # Whether the item reads a text with the words its check sets aside (a count's
    # `reads_with_words`: `D weights plus 9CD biases`), as `grader check` reads it.
    reads_with_words: Callable[[str], bool] = lambda text: False


def answer_names(rubric: Rubric) -> dict[str, set[str]]:
    """For each part, the names (any case) a submission may give its items."""
    return {
        part.key.casefold(): {
            name for item in part.items for name in (item.key.casefold(), *item.labels)
        }
        for part in rubric.parts
    }


def answer_slot(rubric: Rubric, part: str, name: str) -> AnswerSlot | None:
    """The item of `part` a submission calls `name`, as a loader needs to know it. A name
    several items share (an alias) is a slot of its own, `part.name`: which item it answers
    is decided when it is graded (by a person), and an answer so named is not a second answer
    to the first of them."""
    items = rubric.items_for(part, name)
    if not items:
        return None
    keeps_prose = any(kind_of(item).keeps_prose for item in items)
    if len(items) > 1:
        return AnswerSlot(f"{part}.{item_name(name)}", keeps_prose)
    reads = _kind_method(rubric, items[0], "reads_with_words", False)
    return AnswerSlot(items[0].id, keeps_prose, reads)


def _kind_method(rubric: Rubric, item: Item, method: str, absent, with_context: bool = True):
    """The kind's `method` for `item` (and the rubric's context), or a function that answers
    `absent`: a kind added as a single class may leave out a reader's questions (`defines`:
    no names; `reading_error`: no reason; `reads_with_words`: no words beside its answer;
    `names_other_unit`: no unit; `uses_definition`: every definition)."""
    found = getattr(kind_of(item), method, None)
    if found is None:
        return lambda *args: absent
    if with_context:
        return lambda *args: found(item, *args, rubric.context)
    return lambda *args: found(item, *args)


def _transcript_items(rubric: Rubric) -> dict[str, tuple[TranscriptItem, ...]]:
    """For each part, its items as the transcript reader needs them, made anew."""

    def recogniser(item: Item):
        return lambda text: kind_of(item).recognises(item, text, rubric.context)

    def optional(item: Item, method: str, absent, with_context: bool = True):
        return _kind_method(rubric, item, method, absent, with_context)

    return {
        part.key: tuple(
            TranscriptItem(
                item.id,
                item.key,
                kind_of(item).keeps_prose,
                kind_of(item).count_role == "states",
                recogniser(item),
                item.labels,
                item.label or item.key,
                optional(item, "defines", False),
                optional(item, "uses_definition", True),
                optional(item, "reading_error", None),
                optional(item, "reads_with_words", False),
                optional(item, "names_other_unit", False, with_context=False),
            )
            for item in part.items
        )
        for part in rubric.parts
    }


# Made once a rubric, not once a file (170 us a file of a class, in the process that reads
# them), and never to be changed; a few rubrics, as a process reads one at a time.
MOST_READERS = 8
transcript_items = PerRubric(_transcript_items, MOST_READERS)
# The plain answers (`_plain`: key as written, text) `written_answer_lines` reads as they are,
# for the first `MOST_AS_WRITTEN` met: a class writes the same answers in many files (20 us a
# file of a class, in the process that reads them). A rubric's items give the readings.
read_as_written: PerRubric[set[tuple[str, str | None]]] = PerRubric(lambda _: set(), MOST_READERS)
MOST_AS_WRITTEN = 4096
LONGEST_AS_WRITTEN = 200  # characters: a long text (an explanation) is read again, not kept


def _load_markdown(path: Path, rubric: Rubric) -> Submission:
    """Our Markdown (front matter, `## (a)` headings, `Parameters:` labels) when the file is
    written in it; otherwise a transcript of a script as the student wrote it."""
    text = read_bounded_text(path, SubmissionError)
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        structured = load_markdown_submission(
            path, answer_names(rubric), item_for=lambda part, name: answer_slot(rubric, part, name)
        )
        if structured.answers:
            # an answer under a label is an answer as written, read as `grader check` reads
            # one (`answer_lines`): `Entries: N x K -> N^2` as a transcript's line
            return _lines_read(structured, rubric)
        student, question, start, question_line = read_front_matter(path, lines)
    else:
        student, question, start, question_line = path.stem, rubric.id, 0, None
    body = "\n".join(lines[start:])
    items = transcript_items(rubric)
    submission = read_transcript(body, str(path), student, question, items, first_line=start + 1)
    return replace(submission, question_line=question_line)


def _load_transcript(path: Path, rubric: Rubric) -> Submission:
    """A LaTeX transcript: always read as the student wrote it."""
    text = read_bounded_text(path, SubmissionError)
    items = transcript_items(rubric)
    return read_transcript(text, str(path), path.stem, rubric.id, items)


def _load_yaml(path: Path, rubric: Rubric) -> Submission:
    return load_yaml_submission(path, rubric)


Loaded = list[Submission | SubmissionError]
Loader = Callable[[Path, Rubric], Loaded]


def one_per_file(load: Callable[[Path, Rubric], Submission]) -> Loader:
    """A loader for a format that holds one submission per file."""

    def load_file(path: Path, rubric: Rubric) -> Loaded:
        try:
            return [load(path, rubric)]
        except SubmissionError as error:
            return [error]

    return load_file


LOADERS: dict[str, Loader] = {
    ".yaml": one_per_file(_load_yaml),
    ".yml": one_per_file(_load_yaml),
    ".md": one_per_file(_load_markdown),
    ".tex": one_per_file(_load_transcript),
}
SUBMISSION_SUFFIXES = tuple(LOADERS)
# LMS exports (`lms_export.py`) are read only when named on the command line, never found in
# a folder: an output folder holds grades.csv, and a stray spreadsheet is not a class.
NOT_EXPORTS = {".xls": "an old Excel workbook", ".ods": "an OpenDocument spreadsheet"}
MAX_STUDENT_ID = 200  # characters: an id is a name in an LMS, not a document


def load_submissions(path: Path, rubric: Rubric, columns: ColumnMap | None = None) -> Loaded:
    """Every submission one file holds, read by the loader for its suffix (a file named on the
    command line with another suffix is read as YAML); one that cannot be read is the
    `SubmissionError` saying what is wrong and where. An LMS export (.csv, .xlsx) is read
    with `columns`, the mapping of its columns to items, when one is given.

    Student ids are put in Unicode's composed form (NFC), so that `José` typed with a
    combining accent and `José` typed with `é` are one student, and bounded in length."""
    suffix = path.suffix.lower()
    as_written = suffix not in (".md", ".tex")  # each answer as its student typed it
    if suffix in EXPORT_SUFFIXES:
        loaded = load_export(path, rubric, columns)
    elif suffix in NOT_EXPORTS:
        what = NOT_EXPORTS[suffix]
        problem = Problem(None, "", f"is {what}; save the export as .xlsx or CSV (UTF-8)")
        loaded = [SubmissionError(path, [problem])]
    else:
        loaded = LOADERS.get(suffix, LOADERS[".yaml"])(path, rubric)
    if as_written:
        loaded = [
            entry if isinstance(entry, SubmissionError) else _lines_read(entry, rubric)
            for entry in loaded
        ]
    return [entry if isinstance(entry, SubmissionError) else _normal_id(entry) for entry in loaded]


def written_answer_lines(rubric: Rubric, key: str, answer: SubmittedAnswer) -> SubmittedAnswer:
    """An answer as written (a YAML answer, an LMS cell, `grader check`'s) to the item `key`
    ("part.name") names, read a line at a time where it has several lines
    (`answer_lines`); as it is where no one item of the rubric has that name."""
    named = _reader_named(rubric, key)
    if named is None:
        return answer
    return answer_lines(answer, *named)


def _reader_named(rubric: Rubric, key: str) -> tuple[str, TranscriptItem] | None:
    """The part and the transcript reader of the one item of `rubric` an answer's key as
    written ("part.name") names; None where no one item has that name."""
    named = rubric.items_named(key)
    if len(named) != 1:
        return None
    item = named[0]
    readers = transcript_items(rubric)[item.part]
    return item.part, next(each for each in readers if each.id == item.id)


def _lines_read(submission: Submission, rubric: Rubric) -> Submission:
    """`submission` with each answer as written read a line at a time
    (`written_answer_lines`): itself where each reads as it is, as nearly every answer of a
    class's file does."""
    as_is = read_as_written(rubric)
    answers: dict[str, SubmittedAnswer] = {}
    for key, answer in submission.answers.items():
        if (key, answer.text) not in as_is:
            read = written_answer_lines(rubric, key, answer)
            if read is not answer:
                answers[key] = read
            elif _plain(answer) and len(as_is) < MOST_AS_WRITTEN:
                as_is.add((key, answer.text))
    if not answers:
        return submission
    return replace(submission, answers={**submission.answers, **answers})


def _plain(answer: SubmittedAnswer) -> bool:
    """Whether `answer` is text alone (no problem, no text already unread, not found in a
    script), short: what `answer_lines` makes of such an answer to an item depends on its text
    alone, and an answer that is not plain it leaves as it is."""
    text = answer.text
    return (
        text is not None
        and len(text) <= LONGEST_AS_WRITTEN
        and answer.problem is None
        and answer.unread is None
        and answer.found is None
    )


def load_submission(path: Path, rubric: Rubric) -> Submission:
    """The one submission a file holds, or `SubmissionError` (the first, for a file of many)."""
    first = load_submissions(path, rubric)[0]
    if isinstance(first, SubmissionError):
        raise first
    return first


def _normal_id(submission: Submission) -> Submission | SubmissionError:
    student = unicodedata.normalize("NFC", submission.student)
    if CONTROL_CHARACTER.search(student):  # as an LMS export's id is refused
        return SubmissionError(
            submission.source,
            [Problem(None, "student", "holds a control character or a line break")],
        )
    if len(student) > MAX_STUDENT_ID:
        return SubmissionError(
            submission.source,
            [
                Problem(
                    None,
                    "student",
                    f"the id is {len(student)} characters long; the limit is {MAX_STUDENT_ID}",
                )
            ],
        )
    # nearly always already composed: the submission itself, not a copy (issue 20)
    return submission if student == submission.student else replace(submission, student=student)


class FileList(Sequence[Path]):
    """Files in their order, held packed: their paths in one string, a NUL (which no path
    holds) between two, and where each ends. Each is made a `Path` again when asked for.

    A class's files held as `Path` objects cost the grading process about 400 bytes each
    (20 MB for 50,000), and as much again once the reader and the check workers were forked
    from it: each `Path` the grading process later touched (a reference counted) copied the
    memory page it shared with them, so by the end of the class every page of them was held
    twice. One string and one array are only ever read."""

    __slots__ = ("_ends", "_text")

    def __init__(self, paths: Iterable[Path] = ()):
        texts = [os.fspath(path) for path in paths]
        if any("\0" in text for text in texts):
            raise ValueError("a path cannot hold a NUL character")
        self._text = "\0".join(texts)
        self._ends = array("q", itertools.accumulate(len(text) + 1 for text in texts))

    def __len__(self) -> int:
        return len(self._ends)

    def text(self, index: int) -> str:
        """The path of file `index` as a string (`str` of the `Path` the list gives)."""
        size = len(self._ends)
        if not -size <= index < size:
            raise IndexError("file index out of range")
        if index < 0:
            index += size
        return self._text[self._ends[index - 1] if index else 0 : self._ends[index] - 1]

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [Path(self.text(i)) for i in range(*index.indices(len(self._ends)))]
        return Path(self.text(index))

    def __iter__(self) -> Iterator[Path]:
        if self._ends:
            yield from map(Path, self._text.split("\0"))

    def __repr__(self) -> str:
        return f"FileList({list(self)!r})"


def collect_submission_files(paths: Iterable[Path]) -> tuple[FileList, list[tuple[Path, str]]]:
    """Expand files and folders into submission files, in a stable order.

    Returns the files (a `FileList`) and, for paths that cannot be used, the reason. Folders
    are walked without following symbolic links; hidden files and folders are skipped.
    """
    files: list[Path] = []
    unusable: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_symlink():
            unusable.append((path, "is a symbolic link; links are not followed"))
        elif path.is_dir():
            found = list(_submission_files_in(path))
            if not found:
                unusable.append((path, _no_submission_file(path)))
            for file in sorted(found):
                if writable_as_utf8(str(file)):
                    files.append(file)
                else:
                    unusable.append((file, _NOT_UTF8_NAME))
        elif not path.exists():
            unusable.append((path, DOES_NOT_EXIST))
        elif writable_as_utf8(str(path)):
            files.append(path)
        else:
            unusable.append((path, _NOT_UTF8_NAME))
    return FileList(files), unusable


DOES_NOT_EXIST = "does not exist"


def failed_student(failure: FileFailure) -> str | None:
    """The student a submission file that could not be graded is of, named after the file as
    the transcript reader names one (`transcript_student`): `alice.md` is alice's. None for
    what is no one student's file: an LMS export or spreadsheet, a folder, a path that does
    not exist, or a second file claiming a student who has a row already (`failure.kind`).
    A failure known to be a student's (`failure.student`: the student a stored result came
    from its path for, or the roster entry its name names) is theirs, whatever its name."""
    if failure.student is not None and failure.kind == FailureKind.FILE:
        return failure.student
    path = Path(failure.source)
    if path.suffix.lower() not in SUBMISSION_SUFFIXES or failure.kind != FailureKind.FILE:
        return None
    return unicodedata.normalize("NFC", transcript_student(path))


# What a failure says of a second file that claims a student (`grader.grade`); a gradebook
# written before failures had a kind is told them by it (`gradebook._fill_failure_kinds`).
CLAIMS = ": it claims student "


def refused(unusable: Iterable[tuple[Path, str]]) -> list[FileFailure]:
    """The failures of the paths `collect_submission_files` could not use, each named as
    UTF-8 text (a byte of the name that is not UTF-8 shown as �), which a gradebook stores."""
    failures = []
    for path, why in unusable:
        name = os.fsencode(path).decode("utf-8", "replace")
        kind = FailureKind.MISSING if why == DOES_NOT_EXIST else FailureKind.FILE
        failures.append(FileFailure(name, f"{name} {why}", kind))
    return failures


# A file's name is kept with its results (the gradebook, the pages, the JSON), all UTF-8.
_NOT_UTF8_NAME = "its name is not valid UTF-8; rename the file to grade it"


def count_submission_files(paths: Iterable[Path], at_most: int) -> int:
    """How many submission files `collect_submission_files` would find in `paths`, counted
    up to `at_most` (the walk stops there): a class's size, cheaply, before it is read."""
    counted = 0
    for path in paths:
        if path.is_symlink():
            continue
        if path.is_dir():
            counted += sum(1 for _ in itertools.islice(_submission_files_in(path), at_most))
        elif path.exists():
            counted += 1
        if counted >= at_most:
            return at_most
    return counted


def _submission_files_in(path: Path) -> Iterator[Path]:
    """The submission files in folder `path` and its subfolders, as the walk meets them (by
    their suffix in any case: `UP.YAML` too, as when named): links not followed, hidden files
    and folders skipped."""
    for folder, subfolders, names in os.walk(path, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        yield from (
            Path(folder) / name
            for name in names
            if name.lower().endswith(SUBMISSION_SUFFIXES) and not name.startswith(".")
        )


def _no_submission_file(folder: Path) -> str:
    why = f"holds no submission file ({', '.join(LOADERS)})"
    try:
        exports = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in EXPORT_SUFFIXES)
    except OSError:
        exports = []
    if exports:
        why += (
            f"; an LMS export such as {exports[0]} is read only when named: "
            f"grader grade {folder / exports[0]}"
        )
    return why


def names_its_question(path: Path) -> bool:
    """Whether a submission file says which question it answers (YAML, or Markdown with a
    front matter); a transcript or an LMS export is read as the rubric's question."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return True
    if suffix == ".md":
        try:
            with open(path, encoding="utf-8-sig", errors="replace") as handle:
                return handle.readline().strip() == "---"
        except OSError:
            return True  # its loader will say why it cannot be read
    return False
