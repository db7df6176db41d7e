"""Normalise a student's one-line maths before parsing, as a list of small named steps.

The steps here are shared by every kind that reads maths; each kind lists the steps it
uses, adding its own (`grader.kinds.count.steps`, `grader.kinds.formula.terms`).

Every step maps the text to a text of the *same length*, so a position found by the parser is a
position in what the student wrote and an error caret lands under the right character. A step
that meets something it cannot accept raises `AnswerError` at that position.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence

from grader.errors import AnswerError, AnswerTooLongError

MAX_ANSWER_LENGTH = 1000
MAX_NESTING = 20

Step = Callable[[str], str]


def replace_span(text: str, start: int, end: int, replacement: str) -> str:
    """Replace text[start:end] with `replacement` padded with spaces to the same length."""
    width = end - start
    if len(replacement) > width:
        raise ValueError("a normalisation step may not lengthen the text")
    return text[:start] + replacement.ljust(width) + text[end:]


def check_length(text: str) -> str:
    """Refuse very long answers before any other work is done on them."""
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerTooLongError(
            text[:40] + "…",
            0,
            f"this answer is {len(text)} characters long; the limit is {MAX_ANSWER_LENGTH}",
        )
    return text


# The Greek letters, by the name LaTeX gives each (what an expression's reader and the names
# of an answer's left side, `grader.answer_names`, make of them).
GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ϵ": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ϑ": "theta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "υ": "upsilon",
    "φ": "phi",
    "ϕ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "Γ": "Gamma",
    "Δ": "Delta",
    "Θ": "Theta",
    "Λ": "Lambda",
    "Ξ": "Xi",
    "Π": "Pi",
    "Σ": "Sigma",
    "Φ": "Phi",
    "Ψ": "Psi",
    "Ω": "Omega",
}


_INVISIBLE_SPACES = dict.fromkeys(
    [
        "\t",
        "\n",
        "\r",
        "\u00a0",
        "\u2000",
        "\u2001",
        "\u2002",
        "\u2003",
        "\u2004",
        "\u2005",
        "\u2006",
        "\u2007",
        "\u2008",
        "\u2009",
        "\u200a",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\u202f",
        "\u205f",
        "\u3000",
        "\ufeff",
    ],
    " ",
)


_INVISIBLE_TABLE = str.maketrans(_INVISIBLE_SPACES)  # made once: every answer is mapped


def blank_invisible_characters(text: str) -> str:
    """Tabs, line breaks, no-break and zero-width spaces and a byte-order mark become spaces."""
    return text.translate(_INVISIBLE_TABLE)


def reject_control_characters(text: str) -> str:
    """A NUL byte or another control character is never part of an answer."""
    if text.isascii() and text.isprintable():
        return text  # ASCII's control characters (Cc) are exactly those it cannot print
    for position, char in enumerate(text):
        if unicodedata.category(char) == "Cc":
            raise AnswerError(
                text, position, f"control character U+{ord(char):04X} is not allowed in an answer"
            )
    return text


_OPERATOR_CHARACTERS = {
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∙": "*",
    "✕": "*",
    "∗": "*",
    "−": "-",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "÷": "/",
    "⁄": "/",
}


_OPERATOR_TABLE = str.maketrans(_OPERATOR_CHARACTERS)  # made once: every answer is mapped


def map_unicode_operators(text: str) -> str:
    """Typographic operators (×, ·, −, ÷ and their cousins) become their ASCII forms."""
    if text.isascii():
        return text  # none is ASCII: nothing to map (most answers)
    return text.translate(_OPERATOR_TABLE)


_FULLWIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def map_fullwidth_forms(text: str) -> str:
    """Fullwidth ASCII (U+FF01..U+FF5E, typed by East Asian input methods) becomes ASCII."""
    if text.isascii():
        return text  # no fullwidth form is ASCII: nothing to map
    return text.translate(_FULLWIDTH_TABLE)


_DOLLARS = re.compile(r"\$")
_LATEX_DELIMITERS = re.compile(r"\\[()\[\]]")


def strip_math_delimiters(text: str) -> str:
    """`$…$`, `$$…$$`, `\\(…\\)` and `\\[…\\]` only say "this is maths"; they become spaces."""
    text = _DOLLARS.sub(" ", text)
    return _LATEX_DELIMITERS.sub("  ", text)


_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+|[^A-Za-z])")
# What each supported command becomes; `None` keeps it for the grammar.
# Products, sizing and spacing: the same in every answer that may be written in LaTeX.
LATEX_LAYOUT: dict[str, str | None] = {
    "times": "*",
    "cdot": "*",
    "ast": "*",
    "left": "",
    "right": "",
    "bigl": "",
    "bigr": "",
    "Bigl": "",
    "Bigr": "",
    "quad": "",
    "qquad": "",
    ",": "",
    ";": "",
    ":": "",
    "!": "",
    " ": "",
    "{": "{",
    "}": "}",
}


def rewrite_latex(text: str, commands: Mapping[str, str | None]) -> str:
    """Allow-listed LaTeX commands become what `commands` says (None keeps the command for the
    grammar); any other command is refused, pointing at it.

    Unknown commands are never turned into symbols: `\\input{...}` or `\\pm` would otherwise be
    graded as something the student did not write.
    """
    for match in reversed(list(_LATEX_COMMAND.finditer(text))):
        name = match.group(1)
        if name not in commands:
            raise AnswerError(
                text,
                match.start(),
                f"unsupported LaTeX command {match.group(0)}",
                length=len(match.group(0)),
            )
        replacement = commands[name]
        if replacement is not None:
            text = replace_span(text, match.start(), match.end(), replacement)
    return text


_OPENING = {"(": ")", "[": "]", "{": "}"}
_CLOSING = {v: k for k, v in _OPENING.items()}


def top_level_equals(symbols: Sequence[str]) -> list[int]:
    """Where '=' stands outside every bracket in `symbols` (a text's characters, or a
    formula's token kinds): the equals signs of an answer's own, not those of a sum's range
    (`\\sum_{n=1}^{N}`) or of anything else bracketed."""
    level, places = 0, []
    for position, symbol in enumerate(symbols):
        if symbol in _OPENING:
            level += 1
        elif symbol in _CLOSING:
            level -= 1
        elif symbol == "=" and level == 0:
            places.append(position)
    return places


BRACKETS = re.compile(r"(?P<open>[(\[{])|(?P<close>[)\]}])")


def walk_brackets(
    text: str, tokens: re.Pattern[str] = BRACKETS
) -> Iterator[tuple[re.Match[str], list[re.Match[str]]]]:
    """Each token of `text` that `tokens` finds, in order, with the brackets open around it
    (innermost last). `tokens` names its opening brackets `open` and its closing ones
    `close` (`BRACKETS`: the round, square and curly ones); it may find other tokens too (a
    comma), given with the brackets around them. An opening bracket is given on the list, a
    closing one with the bracket it closes still last on it (or an empty list: it closes
    none). The list is one list, kept up to date: after the walk it holds the brackets never
    closed."""
    opened: list[re.Match[str]] = []
    for match in tokens.finditer(text):
        if match.lastgroup == "open":
            opened.append(match)
        yield match, opened
        if match.lastgroup == "close" and opened:
            opened.pop()


_NOT_A_BRACKET = re.compile(r"[^()\[\]{}]+")


def _brackets_fit(text: str) -> bool:
    """Whether `text`'s brackets match and nest at most MAX_NESTING deep: `check_brackets`'s
    test, on the brackets alone, without a match object for each (an answer has dozens)."""
    opened: list[str] = []
    for char in _NOT_A_BRACKET.sub("", text):
        if char in _OPENING:
            opened.append(char)
            if len(opened) > MAX_NESTING:
                return False
        elif not opened or _OPENING[opened.pop()] != char:
            return False
    return not opened


def check_brackets(text: str) -> str:
    """Brackets must match and nest at most MAX_NESTING deep; say which one is wrong."""
    if _brackets_fit(text):
        return text
    opened: list[re.Match[str]] = []
    for bracket, opened in walk_brackets(text):
        position, char = bracket.start(), bracket.group()
        if bracket.lastgroup == "open":
            if len(opened) > MAX_NESTING:
                raise AnswerError(
                    text, position, f"brackets are nested more than {MAX_NESTING} deep"
                )
            continue
        if not opened:
            raise AnswerError(text, position, f"'{char}' has no matching '{_CLOSING[char]}'")
        innermost = opened[-1]
        if _OPENING[innermost.group()] != char:
            raise AnswerError(
                text,
                position,
                f"'{char}' closes the '{innermost.group()}' at column {innermost.start() + 1}; "
                f"expected '{_OPENING[innermost.group()]}'",
            )
    if opened:
        raise AnswerError(text, opened[-1].start(), f"'{opened[-1].group()}' is never closed")
    return text


def character_check(allowed: set[str], advice: Mapping[str, str]) -> Step:
    """A step that refuses anything outside `allowed`, the characters a grammar knows: with
    `advice` where it has some for that character (`!`: "factorials are not supported"), else
    with its Unicode name, so that a Cyrillic `х` or a Greek `ρ` is named, never turned into a
    new symbol."""

    def reject_unsupported_characters(text: str) -> str:
        for position, char in enumerate(text):
            if char in allowed:
                continue
            if char in advice:
                message = f"the character {char} is not allowed: {advice[char]}"
            else:
                name = unicodedata.name(char, f"U+{ord(char):04X}")
                message = f"character '{char}' ({name}) is not allowed in an answer"
            raise AnswerError(text, position, message)
        return text

    return reject_unsupported_characters


def normalise(text: str, steps: list[Step]) -> str:
    """Apply each step in order; the result has the same length as `text`.

    An error raised by a step is re-raised against the original text, so its caret is drawn
    under what the student wrote rather than under our rewriting of it.
    """
    original = text
    try:
        for step in steps:
            text = step(text)
    except AnswerError as error:
        if len(original) <= MAX_ANSWER_LENGTH:
            error.text = original
        raise
    return text


# Compatibility characters a marker reads as the plain letter or digit: mathematical italic
# and bold letters copied from Word or a PDF (`𝑃𝑄𝐶`), full-width and half-width forms. Other
# compatibility mappings (superscripts, ligatures, `½`) are left to the grammar or refused.
_FOLDED_FORMS = ("<font>", "<wide>", "<narrow>")


def fold_compatibility_forms(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """NFKC-fold each mathematical alphanumeric, full-width or half-width character whose
    folding is one ASCII character; return the text (the same length: one character for one)
    and what was folded, as (written, read) pairs in order of first appearance.

    A character whose NFKC form is longer (`½` is `1⁄2`) is left alone, so every position in
    the result is a position in what the student wrote, and the character is named when it
    is refused."""
    if text.isascii():
        return text, ()
    folded: dict[str, str] = {}
    chars = []
    for char in text:
        if not char.isascii() and unicodedata.decomposition(char).startswith(_FOLDED_FORMS):
            plain = unicodedata.normalize("NFKC", char)
            if len(plain) == 1 and plain.isascii():
                folded.setdefault(char, plain)
                char = plain
        chars.append(char)
    return "".join(chars), tuple(folded.items())
