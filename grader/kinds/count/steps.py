"""The normalisation steps of a count: the shared ones (`grader.normalise`) and those that
know what a count may contain (its LaTeX commands and its characters)."""

from __future__ import annotations

import unicodedata

from grader.errors import AnswerError
from grader.normalise import (
    LATEX_LAYOUT,
    Step,
    blank_invisible_characters,
    check_brackets,
    check_length,
    map_fullwidth_forms,
    map_unicode_operators,
    reject_control_characters,
    rewrite_latex,
    strip_math_delimiters,
)

_LATEX_COMMANDS: dict[str, str | None] = {
    **LATEX_LAYOUT,
    "div": "/",
    "frac": None,
    "dfrac": None,
    "tfrac": None,
}


def rewrite_latex_commands(text: str) -> str:
    """The LaTeX of a count: \\times is a product, \\left goes, \\frac stays for the grammar."""
    return rewrite_latex(text, _LATEX_COMMANDS)


_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/^()[]{}=._\\")
_ALLOWED |= set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
_CHARACTER_ADVICE = {
    ",": "commas are not part of a count; write 1000, not 1,000, and one answer only",
    "!": "factorials are not supported in a count",
    "<": "comparisons are not answers; write the count itself",
    ">": "comparisons are not answers; write the count itself",
    "'": "quotes are not part of a count",
    '"': "quotes are not part of a count",
}


def reject_unsupported_characters(text: str) -> str:
    """Anything outside the characters our grammar knows is refused, with its Unicode name.

    This is what stops look-alikes: a Cyrillic `х` or a Greek `ρ` is named, not silently
    turned into a new symbol.
    """
    for position, char in enumerate(text):
        if char in _ALLOWED:
            continue
        if char in _CHARACTER_ADVICE:
            message = f"the character {char} is not allowed: {_CHARACTER_ADVICE[char]}"
        else:
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            message = f"character '{char}' ({name}) is not allowed in an answer"
        raise AnswerError(text, position, message)
    return text


COUNT_STEPS: list[Step] = [
    check_length,
    blank_invisible_characters,
    reject_control_characters,
    map_unicode_operators,
    map_fullwidth_forms,
    strip_math_delimiters,
    rewrite_latex_commands,
    reject_unsupported_characters,
    check_brackets,
]
