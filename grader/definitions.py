"""Definitions written after an answer: `σ(x)(1 - σ(x)), where σ(x) = 1/(1 + e^{-x})`.

A comma, a semicolon or one of the words where, with, for, since, and (or these words in
`\\text{…}`), followed by `NAME = …` or `NAME(args) = …`, defines a name the answer uses; it is
not the answer. A marker reads the answer before it and checks that the definition agrees with
the question. This module only finds such definitions, as written; what a definition means,
and whether it agrees, is for each kind to say (the names it knows differ).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from grader.errors import AnswerError

# What may separate an answer from a definition after it, at the top level of the answer
# (never inside brackets: `max(a, b)`, `w_{l,k}`).
_WORDS = r"where|with|for|since|and"
_SEPARATOR = re.compile(
    rf"[,;]|(?<![\\A-Za-z])(?:{_WORDS})(?![A-Za-z])"
    rf"|\\(?:text|textrm|mbox|mathrm)\s*\{{\s*[,;]?\s*(?:{_WORDS})\s*[,;]?\s*\}}",
    re.IGNORECASE,
)
# Space between a separator and what it separates, LaTeX's spacing commands included.
_SPACE = re.compile(r"(?:\s|\\[ ,;:!]|\\q?quad(?![A-Za-z])|~)*")
# The name a definition defines: a letter or a name (`\sigma`, `σ`, `sigma`, `d_k`), with the
# arguments of a function if it has them (`\sigma(x)`).
_DEFINED = re.compile(
    r"(?:\\[A-Za-z]+|[A-Za-z]+|[α-ωΑ-Ωϵϑϕ])(?:_\{[A-Za-z0-9,\s]*\}|_[A-Za-z0-9])?"
    r"(?:\s*(?:\\left)?\([^()=]*\))?"
)
_OPENING, _CLOSING = "([{", ")]}"
# A right side in words (`input channels`, `the number of output channels`), in `\text{…}`
# or not: a gloss saying what the name means, not a value.
_WORDS_ONLY = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:\s+[A-Za-z][A-Za-z'’-]*)*")
_TEXT_WRAPPED = re.compile(r"\\(?:text|textrm|mbox|mathrm)\s*\{([^{}]*)\}")
MOST_DEFINITIONS = 4
# Words that name the answer itself, not a name it uses: `…, total = PQC·PQD + PQD` gives the
# answer again (or another), which is no definition to set aside.
_NAMES_OF_THE_ANSWER = frozenset(
    {"total", "answer", "result", "count", "params", "parameters", "number", "overall"}
)


def shown_statement(written: str) -> str:
    """A statement beside an answer (a definition, a shape) as quoted to the student: without
    the comma or semicolon that joins it to the answer."""
    return written.strip(" ,;")


@dataclass(frozen=True)
class Definition:
    """A definition after an answer: `written` is all that is set aside, its separator
    included (", where \\sigma(x) = \\frac{1}{1+e^{-x}}"), from `start`; the definition
    itself, `left = right`, begins at `left_start`."""

    start: int
    left_start: int
    written: str
    left: str
    right: str
    before: bool = False  # written before the answer (`δ = dL/dY; X^T δ`), not after it

    @property
    def shown(self) -> str:
        """As quoted to the student: without the comma or semicolon that joins it to the
        answer (`where σ = …`, `δ = dL/dY`)."""
        return shown_statement(self.written)

    @property
    def place(self) -> str:
        """Where it is written, for a message: "after" the answer or "before" it."""
        return "before" if self.before else "after"

    @property
    def gloss(self) -> bool:
        """Whether the right side is words saying what the name means (`C = input channels`,
        `d_k = key dim`), not a value: words and nothing else, one of them of four letters or
        more in lower case (`D = outputs`) or two of three (`key dim`). `D = KC`, `D = K C`,
        `x = sin t` and `x = in` are not."""
        right = _TEXT_WRAPPED.sub(r"\1", self.right).strip()
        if _WORDS_ONLY.fullmatch(right) is None:
            return False
        lower = [len(word) for word in right.split() if word.islower()]
        return any(length >= 4 for length in lower) or sum(length >= 3 for length in lower) > 1

    @property
    def note(self) -> str:
        """The note for it set aside: a definition, or words saying what the name means."""
        if self.gloss:
            return f'set aside "{self.shown}", words saying what {self.left} is'
        return f'set aside "{self.shown}", a definition'


def top_level_separators(text: str) -> list[re.Match[str]]:
    """The separators of `text` outside every bracket."""
    depth_at = []
    depth = 0
    for character in text:
        if character in _CLOSING:
            depth = max(0, depth - 1)
        depth_at.append(depth)
        if character in _OPENING:
            depth += 1
    found = []
    for match in _SEPARATOR.finditer(text):
        # `\text{ where }` opens a brace of its own: what counts is the depth it starts at
        if depth_at[match.start()] == 0:
            found.append(match)
    return found


def _definition_after(text: str, start: int) -> tuple[int, str, str] | None:
    """`NAME = …` or `NAME(args) = …` from `start` to the end of `text` (a full stop after
    it aside), as (where its left side starts, left, right); None when it is not one."""
    begin = _SPACE.match(text, start).end()  # type: ignore[union-attr]
    left = _DEFINED.match(text, begin)
    if left is None:
        return None
    after = _SPACE.match(text, left.end()).end()  # type: ignore[union-attr]
    if not text.startswith("=", after):
        return None
    right = text[after + 1 :].strip().removesuffix(".").strip()
    if not right or "=" in right or top_level_separators(right):
        return None
    if left.group(0).strip().casefold() in _NAMES_OF_THE_ANSWER:
        return None  # `…, total = PQC·PQD + PQD`: the answer itself, no definition
    return begin, left.group(0).strip(), right


def split_definitions(text: str) -> tuple[str, tuple[Definition, ...]]:
    """The answer before the definitions written after it, and those definitions in the
    order written: `σ(1 - σ), where σ = 1/(1 + e^{-x})` gives `σ(1 - σ)` and the definition
    of σ. Text with no definition after the answer is returned whole, with none."""
    definitions: list[Definition] = []
    answer = text
    while len(definitions) < MOST_DEFINITIONS:
        separators = top_level_separators(answer)
        if not separators:
            break
        last = separators[-1]
        found = _definition_after(answer, last.end())
        if found is None:
            break
        left_start, left, right = found
        start = last.start()
        # ", where": a comma and a word, each a separator, written together
        for earlier in reversed(separators[:-1]):
            between = answer[earlier.end() : start]
            if _SPACE.fullmatch(between) is None:
                break
            start = earlier.start()
        before = answer[:start].rstrip()
        if not before.strip(" ,;"):
            break
        written = answer[start:].strip()
        definitions.insert(0, Definition(start, left_start, written, left, right))
        answer = answer[:start].rstrip()
    return answer, tuple(definitions)


def split_leading_definitions(text: str) -> tuple[str, tuple[Definition, ...]]:
    """The definitions written before the answer, each ending at a semicolon or a comma:
    `δ = dL/dY; X^T δ` gives `X^T δ` (blanked before it, so that positions stay the
    student's) and the definition of δ; `S = QKᵀ; P = softmax(S); PV` gives `PV` and the
    definitions of S and P. Text that does not begin with one is returned whole, with none."""
    definitions: list[Definition] = []
    begin = 0
    for separator in top_level_separators(text):
        if len(definitions) == MOST_DEFINITIONS:
            break
        if separator.group(0) not in (";", ","):
            continue
        head, rest = text[begin : separator.start()], text[separator.end() :]
        found = _definition_after(head, 0)
        if found is None or not rest.strip():
            break
        left_start, left, right = found
        written = text[begin : separator.end()].strip()
        definitions.append(Definition(begin, begin + left_start, written, left, right, True))
        begin = separator.end()
    if not definitions:
        return text, ()
    return " " * begin + text[begin:], tuple(definitions)


def answer_last(
    text: str, definitions: tuple[Definition, ...], at: int = -1
) -> tuple[str, tuple[Definition, ...]] | None:
    """`S = QK^T/\\sqrt{d_k}; A = softmax(S)V`, which `split_definitions` splits into an
    answer `S = …` and a definition of A after it, read the other way round, as a marker reads
    it where A is what the question asks for: the statement `at` (the last, unless said) is the
    answer (blanked before and after it, so that positions stay the student's), each statement
    before it a definition written before it and each after it one written after it. None where
    the first statement is no definition."""
    head = text[: definitions[0].start]
    found = _definition_after(head, 0)
    if found is None:
        return None
    at = at % len(definitions)
    left_start, left, right = found
    first = Definition(0, left_start, head.strip(), left, right, before=True)
    chosen = definitions[at]
    end = definitions[at + 1].start if at + 1 < len(definitions) else len(text)
    answer = " " * chosen.left_start + text[chosen.left_start : end].rstrip()
    before = (first, *(replace(d, before=True) for d in definitions[:at]))
    return answer, (*before, *definitions[at + 1 :])


def unread_without(error: AnswerError, text: str, definition: Definition) -> AnswerError:
    """`error`, raised reading the answer in `text` with `definition` set aside, saying so
    (its position is the student's, as the answer keeps its place in `text`)."""
    what = "a definition"
    if definition.right.strip().isdigit():
        what = f"a value of {definition.left}"  # `for P=4`: a size given, not a name defined
    message = f'{error.message} (read without "{definition.shown}", {what} {definition.place} it)'
    return type(error)(text, error.position, message, error.length)


def has_separator(text: str) -> bool:
    """Whether `text` holds, outside every bracket, what may separate an answer from a
    definition after it (a comma, "where"): such text is no name of an answer."""
    return bool(top_level_separators(text))
