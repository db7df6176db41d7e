"""Shape statements written after a matrix answer: `X^T G \\in \\mathbb{R}^{C \\times D}` says
the answer is C×D, `X^T δ, where δ = dL/dY, δ being N x D` says δ is N×D. A marker reads the
answer before them and checks what they say; this module only finds them, as written, and
blanks them (so that positions stay the student's). Whether a statement agrees with the
answer's shape is `grader.kinds.matrix.rubric.read_matrix`'s to say (it knows the sizes)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.definitions import shown_statement, top_level_separators

MOST_STATEMENTS = 3

_IN = r"(?:\\in(?![A-Za-z])|∈)"
_REALS = r"(?:\\mathbb\s*\{\s*R\s*\}|\\R(?![A-Za-z])|ℝ|R)"
# The sizes of `\mathbb{R}^{C \times D}` in braces, or one size alone (`\mathbb{R}^D`).
_POWER = rf"{_REALS}\s*\^\s*(?:\{{(?P<braced>[^{{}}=]+)\}}|(?P<alone>[A-Za-z0-9]))"
# Sizes in words: `N x D`, `N \times D`, `N×D`.
_SIZE = r"(?:[A-Za-z0-9]+(?:_\{?[A-Za-z0-9]+\}?)?)"
_TIMES = r"(?:\\times(?![A-Za-z])|×|\*|(?<=\s)x(?=\s)|(?<=[0-9])x|x(?=[0-9]))"
_PLAIN = rf"(?P<plain>{_SIZE}\s*{_TIMES}\s*{_SIZE})"
_END = r"\s*\.?\s*$"
# `… \in \mathbb{R}^{C \times D}`: the answer's own shape, after it (a comma may come first).
_OF_ANSWER = re.compile(rf"\s*[,;]?\s*{_IN}\s*{_POWER}{_END}")
# `…, δ being N x D`, `…, where G \in \mathbb{R}^{N \times D}`: a name's shape, after a comma,
# a semicolon or a word saying so.
_OF_NAME = re.compile(
    r"\s*(?:[,;]\s*|\\text\s*\{\s*[,;]?\s*(?:where|with)\s*\}\s*|(?<=\s)(?:where|with)\s+)+"
    r"(?:(?:where|with)\s+)?"
    r"(?P<name>\\?[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?|[α-ω])\s*"
    rf"(?:{_IN}|being(?![A-Za-z])|is(?![A-Za-z]))\s*(?:{_POWER}|{_PLAIN}){_END}"
)
# `S = QKᵀ/√d_k \in R^{N \times N}; …`: a shape at the end of a statement before another.
_OF_STATEMENT = re.compile(rf"\s*{_IN}\s*{_POWER}\s*$")
_LEFT = re.compile(r"\s*(?P<name>\\?[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?|[α-ω])\s*=")
_SPLIT = re.compile(rf"\s*(?:{_TIMES}|,)\s*")


@dataclass(frozen=True)
class ShapeStatement:
    """A shape written after the answer: `written` is all that is set aside; `name` the name
    whose shape it states as written (`\\delta`), None for the answer's own; `sizes` each size
    as written (`("C", "D")`; one size for a vector, `\\mathbb{R}^D`)."""

    written: str
    name: str | None
    sizes: tuple[str, ...]

    @property
    def shown(self) -> str:
        """As quoted to the student: without the comma or semicolon before it."""
        return shown_statement(self.written)

    @property
    def note(self) -> str:
        whose = "your answer's" if self.name is None else f"{self.name}'s"
        return f'set aside "{self.shown}", which states {whose} shape'


def _sizes(match: re.Match[str]) -> tuple[str, ...]:
    written = match.group("braced") or match.group("alone") or match.group("plain") or ""
    return tuple(size.strip() for size in _SPLIT.split(written.strip()) if size.strip())


def split_shape_statements(text: str) -> tuple[str, tuple[ShapeStatement, ...]]:
    """`text` with the shape statements written at its end blanked, and those statements in
    the order written; text with none is returned whole, with none."""
    statements: list[ShapeStatement] = []
    answer = text
    while len(statements) < MOST_STATEMENTS:
        found = _OF_NAME.search(answer) or _OF_ANSWER.search(answer)
        if found is None or not answer[: found.start()].strip(" ,;"):
            break
        sizes = _sizes(found)
        if not 1 <= len(sizes) <= 2:
            break
        name = found.groupdict().get("name")
        statements.insert(0, ShapeStatement(found.group(0).strip(), name, sizes))
        answer = answer[: found.start()]
    return answer.ljust(len(text)), tuple(statements)


def split_inner_shape_statements(text: str) -> tuple[str, tuple[ShapeStatement, ...]]:
    """`text` with each shape written at the end of a statement that another follows blanked
    (`S = QKᵀ/√d_k \\in R^{N×N}; A = softmax(S)V`), and those statements in the order
    written, each of the name its statement defines (S), or of the answer's where the
    statement defines none; text with none is returned whole, with none."""
    statements: list[ShapeStatement] = []
    begin = 0
    blanked = text
    for separator in top_level_separators(text):
        found = _OF_STATEMENT.search(text, begin, separator.start())
        segment_begin, begin = begin, separator.end()
        if found is None or len(statements) == MOST_STATEMENTS:
            continue
        sizes = _sizes(found)
        if not 1 <= len(sizes) <= 2 or not text[segment_begin : found.start()].strip(" ,;"):
            continue
        left = _LEFT.match(text, segment_begin)
        name = left.group("name") if left is not None else None
        statements.append(ShapeStatement(found.group(0).strip(), name, sizes))
        blanked = (
            blanked[: found.start()] + " " * (found.end() - found.start()) + blanked[found.end() :]
        )
    return blanked, tuple(statements)
