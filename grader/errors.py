"""User-facing errors: one type per kind of mistake, each able to explain itself.

The CLI catches `GraderError` in one place and prints `str(error)`; no traceback ever reaches a
user for a user's mistake. Each subclass carries the context a user needs to find the problem:
the file, line and key of a rubric or submission, or the column in a student's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class GraderError(Exception):
    """Base class of every error caused by the input rather than by a bug in grader."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong at one place in a YAML file."""

    line: int | None
    key: str
    message: str

    def describe(self, path: Path | str) -> str:
        where = f"{path}:{self.line}" if self.line is not None else f"{path}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


@dataclass(frozen=True)
class Caution(Problem):
    """Something in a rubric that may be meant but is worth a look: `grader rubric check`
    prints it as a warning and still passes the rubric."""


@dataclass(frozen=True)
class WholeProblem(Problem):
    """A rubric's formula whose arithmetic is not whole at the size sets; the loader may choose
    other default sizes (`conditions`, sympy expressions in the sizes, says what must be whole)
    and read the rubric again. Here, not with the formulas, so that the loader knows it without
    importing the formula kind for a rubric that has none."""

    conditions: frozenset = frozenset()


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """`problems` as a reader meets them: a problem of the whole file first, then by line
    (those of one line in the order found)."""
    return sorted(problems, key=lambda p: (p.line is not None, p.line or 0))


def quoted(answer: str) -> str:
    """An answer of a rubric, named in a problem: in single quotes, as written (`repr` would
    double each backslash of its LaTeX), its runs of white space one space. What a terminal
    must not be sent is replaced where the problem is printed (`report.printable`)."""
    return "'" + " ".join(answer.split()) + "'"


def lost_superscript(written: str, name: str, digit: str, after: str) -> str:
    """Why `tanh2x` (`written`: the function `name`, then `digit`, then `after`) is not read:
    the digit may be a power whose superscript was lost, or the start of the argument."""
    power = f"{name}^{digit}" + (f" {after}" if after and after[0] not in "([{" else after)
    return (
        f"'{written}' is ambiguous: {digit} straight after {name} may be a power whose "
        f"superscript was lost, {power}, or the start of the function's argument, "
        f"{name}({digit}{after}); write it with ^ or brackets"
    )


def writable_as_utf8(text: str) -> bool:
    """Whether `text` can be written as UTF-8, as every file, page and gradebook of ours is.
    Python holds a byte that was not UTF-8 (in a file name or a command-line argument), and
    a YAML escape such as \\ud800, as half of a UTF-16 pair: no character, so it cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` and its noun, singular for one: "1 student", "2 students"; `plural` where
    adding an s is wrong ("1 item needs", "3 items need")."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def first_of(texts: list[str], most: int = 20) -> str:
    """`texts` joined by commas, the first `most` of them and how many more: a message's list
    of students or files, short however long the class."""
    more = f" and {len(texts) - most} more" if len(texts) > most else ""
    return ", ".join(texts[:most]) + more


def in_short(feedback: tuple[str, ...], most: int = 160) -> str:
    """The start of a result's feedback, on one line, at most `most` characters: why a
    rubric's own answer got what it got (one the grader cannot read says where and why)."""
    said = " ".join(" ".join(feedback).split())
    return said if len(said) <= most else said[: most - 1] + "…"


class FileProblemsError(GraderError):
    """A YAML file that cannot be used, with every problem found in it."""

    kind = "file"

    def __init__(self, path: Path | str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        super().__init__(self.__str__())

    def __reduce__(self):
        # Rebuilt from its own arguments, so it crosses a process boundary whole.
        return (type(self), (self.path, self.problems))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{self.kind} {self.path} has {counted(count, 'problem')}:"
        lines = ("  " + p.describe(self.path) for p in in_file_order(self.problems))
        return "\n".join([head, *lines])


class RubricError(FileProblemsError):
    """The rubric cannot be used; grading stops before any submission is read."""

    kind = "rubric"
    exit_code = 3


class SubmissionError(FileProblemsError):
    """One submission file cannot be read; the rest of the batch is still graded. `named`:
    the student an LMS export row that cannot be read names in its id cells (where they sit
    under the header), unconfirmed, or None."""

    kind = "submission"
    exit_code = 4

    def __init__(self, path: Path | str, problems: list[Problem], named: str | None = None):
        self.named = named
        super().__init__(path, problems)

    def __reduce__(self):
        return (type(self), (self.path, self.problems, self.named))


class AnswerError(GraderError):
    """An answer that cannot be read as maths, pointing at the place in the student's text."""

    exit_code = 1

    def __init__(self, text: str, position: int, message: str, length: int = 1):
        self.text = text
        self.position = max(0, min(position, len(text)))
        self.length = max(1, length)
        self.message = message
        super().__init__(message)

    def __reduce__(self):
        # Rebuilt from its own arguments (pickling keeps only `args` by default, which
        # would lose the text and the position), so a worker can send it back whole.
        return (type(self), (self.text, self.position, self.message, self.length))

    def caret(self) -> str:
        """The student's text with a caret line under the problem, or '' if it is too long."""
        line = self.text.replace("\n", " ").replace("\t", " ")
        if not line.strip() or len(line) > 200:
            return ""
        # Show control characters visibly so the caret lines up with something.
        shown = "".join(ch if ch.isprintable() else "?" for ch in line)
        width = min(self.length, max(1, len(shown) - self.position))
        return f"{shown}\n{' ' * self.position}{'^' * width}"

    def __str__(self) -> str:
        return f"{self.message} (at column {self.position + 1})"


class AnswerTooLargeError(AnswerError):
    """An answer whose value or expansion would be too large to check within our bounds."""


class AnswerTooLongError(AnswerError):
    """An answer longer than the limit (`normalise.MAX_ANSWER_LENGTH`), refused before any
    other work is done on it, and so never read again another way."""


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` safe for a terminal: every control or invisible character (escape sequences, a
    carriage return, a bell) shown as "?", as `ls` does. Student ids, paths and messages come
    from files, which must never drive the terminal. `keep_newlines` keeps the line breaks of
    a message of several lines."""
    if keep_newlines:
        return "\n".join(printable(line) for line in text.split("\n"))
    return "".join(ch if ch.isprintable() else "?" for ch in text)
