"""The normalisation steps of a count: the shared ones (`grader.normalise`) and those that
know what a count may contain (its LaTeX commands and its characters).

`LENIENT_STEPS` are readings a human marker makes that the strict grammar would refuse: words
around a count set aside, "none" for 0, `kcd` for KCD, `𝑃𝑄𝐶` for PQC. Each is named (a rubric
switches it off by name, `strict: [case]`), maps text to text of the same length, and says what
it did in a note shown to the student. They are tried only when the strict reading fails, so
they never change how an answer the strict grammar reads is read."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from grader.errors import AnswerError
from grader.kinds.count.names import cover, declared_pieces, normal_name
from grader.normalise import (
    BRACKETS,
    LATEX_LAYOUT,
    MAX_NESTING,
    Step,
    blank_invisible_characters,
    character_check,
    check_brackets,
    check_length,
    fold_compatibility_forms,
    map_fullwidth_forms,
    map_unicode_operators,
    reject_control_characters,
    replace_span,
    rewrite_latex,
    strip_math_delimiters,
    walk_brackets,
)

_LATEX_COMMANDS: dict[str, str | None] = {
    **LATEX_LAYOUT,
    "div": "/",
    "frac": None,
    "dfrac": None,
    "tfrac": None,
    "lfloor": None,
    "rfloor": None,
    "lceil": None,
    "rceil": None,
}


def rewrite_latex_commands(text: str) -> str:
    """The LaTeX of a count: \\times is a product, \\left goes, \\frac stays for the grammar."""
    return rewrite_latex(text, _LATEX_COMMANDS)


_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/^()[]{}=._\\")
_ALLOWED |= set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⌊⌋⌈⌉")
_CHARACTER_ADVICE = {
    ",": "commas are not part of a count; write 1000, not 1,000, and one answer only",
    "!": "factorials are not supported in a count",
    "<": "comparisons are not answers; write the count itself",
    ">": "comparisons are not answers; write the count itself",
    "'": "quotes are not part of a count",
    '"': "quotes are not part of a count",
}


reject_unsupported_characters = character_check(_ALLOWED, _CHARACTER_ADVICE)

_FUNCTION_BEFORE = re.compile(r"(?<![\\A-Za-z])([A-Za-z]{2,})\s*$")  # max(, not \frac{
_THOUSANDS = re.compile(r"(?<=\d),\d{3}(?!\d)")  # 1,000: said by `_CHARACTER_ADVICE`
_BRACKETS_AND_COMMAS = re.compile(BRACKETS.pattern + "|,")


def explain_listed_values(text: str) -> str:
    """A comma inside round or square brackets lists values, the arguments of `max(P, 1)`
    or a shape `(B, N, M)`, which a count is not: said so, rather than as a thousands
    separator (which a comma between digits, `(1,000 + C)`, still is)."""
    for token, opened in walk_brackets(text, _BRACKETS_AND_COMMAS):
        if token.lastgroup is not None or not opened or opened[-1].group() not in "([":
            continue
        position = token.start()
        if _THOUSANDS.match(text, position):
            continue
        function = _FUNCTION_BEFORE.search(text, 0, opened[-1].start())
        closing = text.find(")" if opened[-1].group() == "(" else "]", position)
        inside = text[opened[-1].end() : closing if closing >= 0 else len(text)]
        if function is not None:
            said = f"{function.group(1)}(…) with several arguments is not supported in a count"
        elif _A_WORD.search(inside):
            # `CD + D (CD weights, D biases)`: a breakdown in words, not a shape
            said = "the brackets hold a list with words, which is not part of a count"
        else:
            said = "values listed in brackets (a shape such as (B, N, M)) are not a count"
        raise AnswerError(
            text, position, f"{said}; write the count as one formula in the question's symbols"
        )
    return text


# What may follow a comma after a count: working for a number (`, where 9 = 3 \times 3`), or
# words (`, with no bias`), a word being two lower-case letters or more.
_NUMBER_WORKING = re.compile(r"\s*(?:(?:where|with|since|as|and)\s+)?(\d+)\s*=", re.IGNORECASE)
_A_WORD = re.compile(r"(?<![A-Za-z\\])[a-z]{2,}(?![A-Za-z])")


def explain_comma_before_words(text: str) -> str:
    """A comma outside brackets followed by working for a number (`9CD + D, where 9 = 3
    \times 3`) or by words (`CD, with no bias`) is said to be that, not a thousands
    separator, which a comma between digits (`1,000`) still is."""
    for token, opened in walk_brackets(text, _BRACKETS_AND_COMMAS):
        if token.lastgroup is not None or opened or _THOUSANDS.match(text, token.start()):
            continue
        rest = text[token.end() :]
        number = _NUMBER_WORKING.match(rest)
        if number is not None:
            said = f"the comma is followed by {number.group(1)} = …, working for a number, which is"
        elif _A_WORD.search(rest):
            said = "the comma is followed by words, which are"
        else:
            continue
        raise AnswerError(text, token.start(), f"{said} not part of a count; write the count alone")
    return text


# Words that say an answer is rounded (`P/2 (rounded up)`, `rounded P/2`), where a count reads
# a rounding only as ⌈…⌉ or ⌊…⌋, and the functions that round, read only with brackets
ROUNDING_SAID = re.compile(r"round(?:ed)?(?:\s+(up|down))?(?![A-Za-z])", re.IGNORECASE)
ROUNDING_FUNCTIONS = ("floor", "ceil", "ceiling")


def rounding_words_unread(text: str, said: re.Match[str], maths: str) -> AnswerError:
    """Why `maths` that words round (`said`: `P/2 (rounded up)`, `rounded up P/2`) is not
    read: the words say which of ⌈…⌉ and ⌊…⌋ they mean, or, where they do not say which way
    (`P/2 (rounded)`), the student is asked for one of them. A person reads it."""
    words = said.group().strip()
    held = _held_in_brackets(maths) or maths  # `rounded up (P/2)`: ⌈P/2⌉, not ⌈(P/2)⌉
    if said.group(1) is None:
        message = (
            f'"{words}" says your answer is rounded but not which way, and the maths reads '
            f"{maths}; write ⌈{held}⌉ (rounded up) or ⌊{held}⌋ (rounded down) for it to be read"
        )
    else:
        rounded = f"⌈{held}⌉" if said.group(1).lower() == "up" else f"⌊{held}⌋"
        message = _rounding_unread(words, rounded, maths)
    return AnswerError(text, said.start(), message, len(said.group()))


def _rounding_unread(words: str, rounded: str, maths: str) -> str:
    """What a student is told whose words say their answer is `rounded` (⌈…⌉ or ⌊…⌋) where
    the maths does not round."""
    return (
        f'"{words}" says your answer is {rounded}, but the maths reads {maths}; write '
        f"{rounded} for it to be read"
    )


def rounding_function_unbracketed(text: str, position: int, name: str) -> AnswerError:
    """Why a function that rounds, written without brackets (`ceil P/2`), is not read."""
    return AnswerError(
        text,
        position,
        f"{name} is a function here: put what it rounds in brackets, e.g. {name}(P/2)",
        len(name),
    )


# Words that round, then a colon, opening the answer (`rounded up: P/2`, `ceil: P/2`); and
# the roundings of maths (⌈…⌉, \lceil, ceil(…)), after which such words are a label
_ROUNDING_LABEL = re.compile(
    rf"\s*(?:(?P<function>{'|'.join(ROUNDING_FUNCTIONS)})|(?P<said>(?i:{ROUNDING_SAID.pattern})))\s*:"
)
_ROUNDED_MATHS = re.compile(r"[⌈⌉⌊⌋]|\\[lr](?:ceil|floor)|\b(?:ceil|floor)", re.IGNORECASE)


def explain_rounding_label(text: str) -> str:
    """Words that round before a colon and maths with no rounding of its own (`rounded up:
    P/2`, `ceil: P/2`) are no label: said as the same words without the colon are
    (`rounded up P/2`, `ceil P/2`), not as a colon a count cannot hold. A person reads it."""
    label = _ROUNDING_LABEL.match(text)
    maths = text[label.end() :].strip() if label is not None else ""
    if label is None or not maths or _ROUNDED_MATHS.search(maths):
        return text
    name = label.group("function")
    if name is not None:
        held = _held_in_brackets(maths)
        if not held:
            raise rounding_function_unbracketed(text, label.start("function"), name)
        # `ceil: (P/2)`: its brackets are there, but the colon leaves them rounding nothing
        rounded = f"⌊{held}⌋" if name == "floor" else f"⌈{held}⌉"
        message = _rounding_unread(name, rounded, maths)
        raise AnswerError(text, label.start("function"), message, len(name))
    said = ROUNDING_SAID.match(text, label.start("said"))
    assert said is not None  # the label's words are ROUNDING_SAID's
    raise rounding_words_unread(text, said, maths)


def _held_in_brackets(maths: str) -> str | None:
    """What one round or square bracket around all of `maths` holds, stripped (`(P/2)`:
    P/2); None where the maths is not one such bracket (`(P-1)/2 + 1`, `P/2`)."""
    if maths[:1] not in "([":
        return None
    for bracket, opened in walk_brackets(maths):
        if bracket.lastgroup == "close" and len(opened) == 1:  # the first bracket closes
            return maths[1:-1].strip() if bracket.end() == len(maths) else None
    return None


# Floor and ceiling brackets, as LaTeX or as characters, with the round, square and curly ones
_NESTING = re.compile(
    r"(?P<open>\\l(?:floor|ceil)(?![A-Za-z])|[⌊⌈(\[{])"
    r"|(?P<close>\\r(?:floor|ceil)(?![A-Za-z])|[⌋⌉)\]}])"
)


def check_rounding_nesting(text: str) -> str:
    """Floor and ceiling brackets nest, with the others, at most MAX_NESTING deep (the
    grammar matches them; this keeps the tree as shallow as brackets keep it)."""
    unmatched = 0  # closing brackets with none open: each takes one off the depth after it
    for bracket, opened in walk_brackets(text, _NESTING):
        if bracket.lastgroup == "close" and not opened:
            unmatched += 1
        elif bracket.lastgroup == "open" and len(opened) - unmatched > MAX_NESTING:
            raise AnswerError(
                text, bracket.start(), f"brackets are nested more than {MAX_NESTING} deep"
            )
    return text


COUNT_STEPS: list[Step] = [
    check_length,
    blank_invisible_characters,
    reject_control_characters,
    map_unicode_operators,
    map_fullwidth_forms,
    strip_math_delimiters,
    rewrite_latex_commands,
    explain_listed_values,
    explain_comma_before_words,
    explain_rounding_label,
    reject_unsupported_characters,
    check_brackets,
    check_rounding_nesting,
]


# --- Lenient readings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """What a lenient step may know of the question: its symbols (in the rubric's order),
    whether the item's reference count is 0, and what the item counts (its label)."""

    symbols: tuple[str, ...]
    reference_is_zero: bool = False
    counts: str = ""  # what the item counts, as its label names it: "Parameters", "FLOPs"


LenientStep = Callable[[str, Question], tuple[str, str | None]]
"""Text to text of the same length, and the note saying what was done (None: nothing)."""


def read_compatibility_forms(text: str, question: Question) -> tuple[str, str | None]:
    """`𝑃𝑄𝐶` (mathematical italic, as Word and PDFs write maths) and full-width `９` are read
    as the plain letters and digits they are forms of (Unicode NFKC, one character for one)."""
    folded, pairs = fold_compatibility_forms(text)
    if not pairs:
        return text, None
    return folded, "read " + ", ".join(f"{written} as {plain}" for written, plain in pairs)


# Nouns that name what a count other than of parameters counts, as a unit after it:
# `N^2 entries`, `NCD multiplications`, `2N^2 d_k FLOPs`, `\lfloor P/2 \rfloor + 1
# \text{ positions}`. Only these: any other word leaves the answer unread, for a person.
COUNT_NOUNS = frozenset(
    {
        *("entry", "entries", "element", "elements", "value", "values", "output", "outputs"),
        *("position", "positions", "unit", "units", "neuron", "neurons", "activation"),
        *("activations", "connection", "connections", "multiplication", "multiplications"),
        *("addition", "additions", "mult", "mults", "multiply", "multiplies", "add", "adds"),
        *("operation", "operations", "op", "ops", "flop", "flops", "mac", "macs"),
        *("multiply-add", "multiply-adds"),
        *("floating", "point", "arithmetic", "scalar"),
    }
)

# Words a student writes around a count: what it counts and that it is a total.
UNIT_WORDS = frozenset(
    {
        *("param", "params", "parameter", "parameters", "weight", "weights", "bias", "biases"),
        *("trainable", "learnable", "learned", "learnt", "free", "total", "overall", "number"),
        *("in", "all", "of", "the", "and", "no", "there", "are", "is", "answer"),
        *COUNT_NOUNS,
    }
)
_WORD_WRAPPERS = ("\\text", "\\textrm", "\\mathrm", "\\mbox")  # \text{ parameters}
_LETTERS = frozenset(string.ascii_letters)
_SEPARATOR = re.compile(r"[\s.,;:$]")
# Words with spaces between them: a word's letters cannot also be read as two words, so a
# sentence that is no label fails in work that grows with its length (`(?:[A-Za-z]+\s*)+`
# tried every way to split its letters into words: minutes for a sentence of ten words).
_LEADING_WORDS = re.compile(r"^[\s$]*([A-Za-z]+(?:\s+[A-Za-z]+)*)\s*[:=]")


def _trailing_piece(text: str, end: int) -> tuple[int, str | None] | None:
    """The piece that `text[:end]` ends with, as (where it starts, its words): a word
    (`params`), words in brackets (`(no weights)`) or in `\\text{…}` and the like, or, with no
    words (None), one space, stop or `$`; None when it ends with anything else. Found by
    looking back from `end` only as far as the piece goes, so that taking every piece off the
    end of an answer is work that grows with its length, not its square."""
    if end == 0:
        return None
    last = text[end - 1]
    if _SEPARATOR.fullmatch(last):
        return end - 1, None
    if last in _LETTERS:
        start = end - 1
        while start > 0 and (
            text[start - 1] in _LETTERS
            # a hyphenated word, `multiply-adds`: one word
            or (text[start - 1] == "-" and start > 1 and text[start - 2] in _LETTERS)
        ):
            start -= 1
        return start, text[start:end]
    if last not in ")}":
        return None
    brackets = "()" if last == ")" else "{}"
    opening = end - 2
    while opening >= 0 and text[opening] not in brackets:
        opening -= 1
    if opening < 0 or text[opening] != brackets[0]:
        return None
    words = text[opening + 1 : end - 1]
    if last == ")":
        return opening, words
    command_end = opening
    while command_end > 0 and text[command_end - 1].isspace():
        command_end -= 1
    for command in _WORD_WRAPPERS:
        if text.endswith(command, 0, command_end):
            return command_end - len(command), words
    return None


_SPACED_WORD = re.compile(r"[\s$]*([A-Za-z]+)\s+")


def _leading_unit_words(text: str, end: int, question: Question) -> int | None:
    """Where the count starts after unit words before it with no colon (`The answer is …`,
    `total of …`): each word of `UNIT_WORDS` followed by a space, none a run of declared
    symbols; None when there are none. Word by word, so the work grows with their length."""
    start = None
    position = 0
    while (
        (word := _SPACED_WORD.match(text, position, end))
        and word.group(1).lower() not in _NOT_BEFORE_A_COUNT
        and _only_words(word.group(1), question)
    ):
        start = position = word.end()
    return start


# Unit words that, before a count with no colon, change what it says: `no PQD` is not PQD.
_NOT_BEFORE_A_COUNT = frozenset({"no", "and"})


def _only_words(text: str, question: Question) -> bool:
    """Whether `text` is one or more unit words, none of them a run of declared symbols; a
    `+` or a comma between them (`(weights + biases)`) joins them, as "and" does."""
    words = re.sub(r"[+,]", " ", text).split()
    return bool(words) and all(
        word.lower() in UNIT_WORDS and declared_pieces(word, question.symbols) is None
        for word in words
    )


def _count_span(text: str, question: Question) -> tuple[int, int, list[str]] | None:
    """Where the count is once the words before and after it are set aside, and the pieces
    set aside (`text[:start]` and `text[end:]`, stripped, those not empty), or None when there
    are no such words: nothing, or all of the answer, or only punctuation, would go."""
    end = len(text)
    while piece := _trailing_piece(text, end):
        piece_start, words = piece
        if words is not None and not _only_words(words, question):
            break
        end = piece_start
    start, named = 0, False
    leading = _LEADING_WORDS.match(text, 0, end)
    if leading and _only_words(leading.group(1), question):
        start = leading.end()
    elif (spaced := _leading_unit_words(text, end, question)) is not None:
        start = spaced  # `The answer is PQC·PQD + PQD parameters.`: no colon after the words
    elif (name := _ANSWER_NAME.match(text, 0, end)) and _names_the_answer(name.group(1), question):
        start, named = name.end(), True
    if not text[start:end].strip(" $") or (start, end) == (0, len(text)):
        return None
    # the `$` of maths the words are beside is no part of them (`$N^2 d_k$ MACs`)
    aside = [piece for piece in (text[:start].strip(" \t\n$"), text[end:].strip(" \t\n$")) if piece]
    if not named and not any(c.isalpha() for piece in aside for c in piece):
        return None  # only punctuation: nothing a marker would call words
    return start, end, aside


# A name the answer is given before `=`: `N = 9CD + D`, `#params = 9CD + D`, `N_{params} =`,
# or none at all, `= 9CD + D`.
_ANSWER_NAME = re.compile(
    r"^[\s$]*(#?\s*(?:[A-Za-z]+(?:_(?:\{[A-Za-z0-9]+\}|[A-Za-z0-9]))?)?)\s*=(?!=)"
)


def _names_the_answer(name: str, question: Question) -> bool:
    """Whether `name`, before an `=` at the start of an answer, only names the answer: no
    name, or one that no symbols of the question spell, case aside (`C = 9CD + D` is
    working, or a symbol given a value, for a person; `c = …` likewise)."""
    letters = normal_name(name.lstrip("#").strip())
    if not letters:
        return True
    by_lower = {symbol.lower(): symbol for symbol in question.symbols}
    return cover(letters.lower(), by_lower) is None


# A number with a comma every three digits, `1,500`, `12,000,000`: not a list of values.
_GROUPED_DIGITS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,]|\.\d)")


def thousands_spans(text: str) -> list[tuple[int, int]]:
    """Where `read_thousands_separators` reads a number written with commas, (start, end)."""
    return [match.span() for match in _GROUPED_DIGITS.finditer(text)]


def read_thousands_separators(text: str, question: Question) -> tuple[str, str | None]:
    """`1,500` is read as 1500: a comma every three digits separates thousands, as English
    writes large numbers. The digits move right, over the commas, keeping the length."""
    grouped = [match.group() for match in _GROUPED_DIGITS.finditer(text)]
    if not grouped:
        return text, None

    def joined(match: re.Match[str]) -> str:
        digits = match.group().replace(",", "")
        return " " * (len(match.group()) - len(digits)) + digits

    read = ", ".join(f'"{number}" as {number.replace(",", "")}' for number in grouped)
    return _GROUPED_DIGITS.sub(joined, text), f"read {read}, the commas separating thousands"


_FINAL_STOP = re.compile(r"([.,;])[\s$]*$")


def read_past_final_stop(text: str, question: Question) -> tuple[str, str | None]:
    """A full stop, comma or semicolon ending the answer (`9CD + D.`, as a sentence ends) is
    read past: it is punctuation, not part of the count."""
    stop = _FINAL_STOP.search(text)
    if stop is None or not text[: stop.start()].strip(" $"):
        return text, None
    mark = stop.group(1)
    return replace_span(text, stop.start(1), stop.end(1), " "), f'read past the "{mark}" at the end'


def set_aside_words(text: str, question: Question) -> tuple[str, str | None]:
    """Words before or after a count (`9CD + D params`, `Total: 9CD + D`, `0 (no weights)`,
    `KCD + D \\text{ parameters}`) are set aside, as a marker reads past them. Only words
    of `UNIT_WORDS` at either end, never a declared symbol, and never all of the answer.
    Where they name only part of what the item counts ("weights" for its parameters), the
    note says that the count is graded as what the item counts (`units_against_item`).
    Words naming the terms of a sum (`CD weights + D biases`, `9CD weights and D biases`)
    are set aside too, "and" read as + (`_set_aside_term_words`)."""
    terms = _set_aside_term_words(text, question)
    if terms is not None:
        read, note, _ = terms
        rest, more = set_aside_words(read, question)
        return rest, note if more is None else f"{note}; {more}"
    span = _count_span(text, question)
    if span is None:
        return text, None
    start, end, aside = span
    blanked = replace_span(replace_span(text, end, len(text), ""), 0, start, "")
    note = "set aside " + " and ".join(f'"{piece}"' for piece in aside)
    found = units_against_item(" ".join(aside), question.counts)
    if found is not None and found[0] == "part":
        note += (
            f", which names part of what the question counts: your count is graded as the "
            f"number of {_counted_name(question.counts)}"
        )
    return blanked, note


# What separates the terms of a sum whose terms are named: +, or "and" or "plus" as a word,
# "+" or "plus" with a comma or semicolon before it too (`9CD weights, plus D biases`,
# `9CD, + D`): transcripts give a count the words joining its pieces as written, and this
# reads them
_TERM_BREAK = re.compile(
    r"(?:[,;][ \t]*(?=\+|plus(?![A-Za-z])))?(?:\+|(?<![A-Za-z\\])(and|plus)(?![A-Za-z]))",
    re.IGNORECASE,
)
_TRAILING_WORDS = re.compile(r"(?:\s+[A-Za-z]+)+\s*$")
_OPENS, _CLOSES = "([{", ")]}"


def _term_breaks(text: str, question: Question) -> list[re.Match[str]] | None:
    """Where the terms of a sum break (`_TERM_BREAK`), outside every bracket and brace, so
    that LaTeX (`PQC \\cdot PQD weights plus PQD biases`, `\\frac{C+1}{2}`) is read as the
    count reader reads it, but for an "and" before only words at the end, which joins the
    last term's words (`9CD plus D weights and biases`); None when the brackets do not
    balance."""
    depths = []  # the bracket depth at each character
    depth = 0
    for character in text:
        depth += character in _OPENS
        depth -= character in _CLOSES
        if depth < 0:
            return None
        depths.append(depth)
    if depth != 0:
        return None
    found = [match for match in _TERM_BREAK.finditer(text) if depths[match.start()] == 0]
    said = found[-1].group(1) if found else None
    if said and said.casefold() == "and" and _only_words(text[found[-1].end() :], question):
        found.pop()
    return found


# A last term in brackets that its sign or word opens (`9CD weights (plus D biases)`,
# `(+ D biases)`, `(and D biases)`): a marker reads it as a term of the sum
_BRACKETED_TERM = re.compile(r"\((\s*(?:\+|(?:plus|and)(?![A-Za-z]))[^()]*)\)\s*$", re.IGNORECASE)


def _unbracketed_term(text: str) -> tuple[str, str | None]:
    """`text` with the brackets around a last term opened by "plus", "+" or "and" blanked
    (`_BRACKETED_TERM`), and that term as written for a note; `text` and None where there is
    none."""
    found = _BRACKETED_TERM.search(text)
    if found is None:
        return text, None
    read = replace_span(text, found.start(), found.start() + 1, "")
    read = replace_span(read, found.end(1), found.end(1) + 1, "")
    return read, " ".join(found.group(1).split())


def _term_spans(text: str, breaks: list[re.Match[str]]) -> list[tuple[int, int]]:
    """Where each term is, (start, end), between the `breaks`."""
    bounds = [0, *(b for match in breaks for b in (match.start(), match.end())), len(text)]
    return list(zip(bounds[::2], bounds[1::2], strict=True))


def _set_aside_term_words(text: str, question: Question) -> tuple[str, str, bool] | None:
    """A sum whose terms are named by unit words, `CD weights + D biases`, `9CD weights and D
    biases`: the words are set aside and "and" or "plus" read as +, as a marker reads it, with
    a note. Only where words stand between two terms (words at the ends alone are
    `set_aside_words`'), every term has maths before its words, the words are `UNIT_WORDS`
    that no declared symbols spell, and they agree with what the item counts (words naming
    something else, `9CD FLOPs + D`, leave the answer unread, for a person). A last term in
    brackets opened by "plus", "+" or "and" (`9CD weights (plus D biases)`) is read as a term,
    its brackets set aside, saying so. "plus" joining terms that no words name (`9CD plus D`,
    `9CD, plus D`) is read as + too, with a note, words after the last term left to
    `set_aside_words` as after a "+" (`9CD plus D weights`); "and" there may join two
    answers, so not. Gives the text read, the note and whether words named the terms (not in
    that last case); None otherwise."""
    text, bracketed = _unbracketed_term(text)
    breaks = _term_breaks(text, question)
    if not breaks:
        return None
    spans = _term_spans(text, breaks)
    words: list[str] = []
    read = list(text)
    between = False
    for index, (start, end) in enumerate(spans):
        segment = text[start:end]
        named = _TRAILING_WORDS.search(segment)
        maths_end = named.start() if named is not None else len(segment)
        if named is not None:
            # the longest run of unit words at the end: `D biases` names D, not "D biases"
            pieces = named.group().split()
            while pieces and not _only_words(" ".join(pieces), question):
                pieces.pop(0)
            if pieces:
                last = re.search(rf"(?:\s+[A-Za-z]+){{{len(pieces)}}}\s*$", segment)
                at = maths_end = last.start() if last is not None else len(segment)
                words.append(" ".join(pieces))
                between = between or index < len(spans) - 1
                read[start + at : end] = " " * (end - start - at)
            else:
                maths_end = len(segment)
        if not segment[:maths_end].strip(" $"):
            return None  # a term of words alone: not a named term
    # the breaks a marker reads as +: "and" or "plus", and a comma before "+" (`9CD, + D`)
    joined = [match for match in breaks if match.group() != "+"]
    plus = bool(joined) and all((m.group(1) or "plus").casefold() == "plus" for m in joined)
    if not (words and between):
        if not plus:
            return None  # "and" joining terms no words name may join two answers
        # `9CD plus D` is read too ("plus" says +); words at the end (`9CD plus D params`,
        # `9CD plus D weights`) are `set_aside_words`', as after a "+": a marker reads "plus"
        # as "+", whatever the last word names
        words, read = [], list(text)
    if (found := units_against_item(" ".join(words), question.counts)) and found[0] == "other":
        return None
    for match in joined:
        read[match.start() : match.end()] = "+".ljust(match.end() - match.start())
    said = " and ".join(f'"{w}"' for w in words)
    note = f"set aside {said}, words naming the terms, and " if words else ""
    readings = [f'"{m.group(1)}" as +' for m in joined if m.group(1)][:1]
    readings += [f'past the "{m.group()[0]}" before "+"' for m in joined if not m.group(1)][:1]
    if readings:
        note += "read " + " and ".join(readings)
    else:
        note = note.removesuffix(", and ")
    if bracketed is not None:
        note += f', with "{bracketed}" in brackets read as a term of the sum'
    return "".join(read), note, bool(words)


def named_terms(text: str, question: Question) -> tuple[tuple[str, str], ...]:
    """The terms of a sum whose terms unit words name (`D weights + 9CD biases`), each as
    (its maths, what its words name: "weights", "biases", ...), where `_set_aside_term_words`
    reads the sum so; () otherwise (`9CD plus D weights`: "plus" read as + with the word after
    the sum set aside, as after a "+")."""
    reading = _set_aside_term_words(text, question)
    if reading is None or not reading[2]:
        return ()
    text, _ = _unbracketed_term(text)
    named = []
    for start, end in _term_spans(text, _term_breaks(text, question) or []):
        segment = text[start:end]
        trailing = _TRAILING_WORDS.search(segment or "")
        pieces = trailing.group().split() if trailing is not None else []
        while pieces and not _only_words(" ".join(pieces), question):
            pieces.pop(0)  # `D weights`: the words are "weights", not "D weights"
        words = re.search(rf"(?:\s+[A-Za-z]+){{{len(pieces)}}}\s*$", segment) if pieces else None
        kinds = _kinds(words.group()) if words is not None else {}
        if words is not None and len(kinds) == 1:
            named.append((segment[: words.start()].strip(" $"), next(iter(kinds))))
    return tuple(named)


# What a unit word says is counted, for comparing it with what the item counts (its label).
# Words of no kind here (total, number, connections, floating, ...) are never compared.
_UNIT_KINDS = {
    **dict.fromkeys(("param", "params", "parameter", "parameters"), "parameters"),
    **dict.fromkeys(("weight", "weights"), "weights"),
    **dict.fromkeys(("bias", "biases"), "biases"),
    **dict.fromkeys(
        (
            *("entry", "entries", "element", "elements", "value", "values", "output"),
            *("outputs", "position", "positions", "unit", "units", "neuron", "neurons"),
            *("activation", "activations", "length"),
        ),
        "sizes",
    ),
    # Units of work differ by known factors (a multiply-add, MAC, is one multiplication and
    # one addition, 2 FLOPs), so each is its own kind: a count in one is no count in another.
    **dict.fromkeys(
        ("multiplication", "multiplications", "mult", "mults", "multiply", "multiplies"),
        "multiplications",
    ),
    **dict.fromkeys(("addition", "additions", "add", "adds"), "additions"),
    **dict.fromkeys(("flop", "flops"), "FLOPs"),
    **dict.fromkeys(("mac", "macs", "multiply-add", "multiply-adds"), "MACs"),
    # "operations" names no unit: it agrees with any of them, and they with it
    **dict.fromkeys(("operation", "operations", "op", "ops"), "operations"),
}
_PARAMETER_PARTS = frozenset({"weights", "biases"})
_OPERATION_UNITS = frozenset({"multiplications", "additions", "FLOPs", "MACs"})


def _kinds(words: str) -> dict[str, str]:
    """The kinds the words name, each with the first word that names it."""
    kinds: dict[str, str] = {}
    for word in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", words):  # `multiply-adds`: one word
        kind = _UNIT_KINDS.get(word.lower())
        if kind is not None:
            kinds.setdefault(kind, word)
    if kinds.keys() >= _PARAMETER_PARTS:  # "weights and biases": the parameters
        kinds.setdefault("parameters", kinds["weights"])
        del kinds["weights"], kinds["biases"]
    return kinds


def _counted_name(counts: str) -> str:
    """The item's label in a sentence: "parameters", "FLOPs" (a word with capitals inside is
    kept as written)."""
    return counts if any(c.isupper() for c in counts[1:]) else counts.lower()


def units_against_item(words: str, counts: str) -> tuple[str, str] | None:
    """How unit words set aside around a count stand against what the item counts (`counts`,
    its label): ("part", word) where they name only part of it ("weights" or "biases" where
    it counts parameters), ("other", word) where they name something else ("biases" where it
    counts weights, "parameters" where it counts FLOPs or entries, "multiplications" where it
    counts parameters), None where they agree or either says nothing comparable."""
    counted = _kinds(counts)
    if len(counted) != 1:
        return None
    (item_kind,) = counted
    # "parameters" where the item counts weights is wider, not wrong; so is "operations"
    # where it counts FLOPs, and any unit of work where it counts operations
    agree = {item_kind}
    if item_kind in _PARAMETER_PARTS:
        agree.add("parameters")
    elif item_kind in _OPERATION_UNITS:
        agree.add("operations")
    elif item_kind == "operations":
        agree |= _OPERATION_UNITS
    other = {kind: word for kind, word in _kinds(words).items() if kind not in agree}
    if not other:
        return None
    parts = _PARAMETER_PARTS if item_kind == "parameters" else frozenset()
    if other.keys() <= parts:
        return "part", next(iter(other.values()))
    return "other", next(word for kind, word in other.items() if kind not in parts)


def unit_doubt(text: str, question: Question) -> str | None:
    """Why a person should decide on a count whose words, set aside by `set_aside_words`,
    name something other than what the item counts (`units_against_item`): a count of
    parameters given for FLOPs may be a slip of the word or a count of the wrong thing.
    None where no words are set aside or they do not contradict the item."""
    span = _count_span(text, question)
    if span is None:
        return None
    found = units_against_item(" ".join(span[2]), question.counts)
    if found is None or found[0] != "other":
        return None
    counted = _counted_name(question.counts)
    factor = ""
    if _kinds(found[1]).keys() <= _OPERATION_UNITS and _kinds(question.counts).keys() <= (
        _OPERATION_UNITS
    ):
        factor = " (these differ: a multiply-add is one multiplication and one addition, 2 FLOPs)"
    return (
        f'Your answer calls its count "{found[1]}", but the question counts {counted}{factor}; '
        f"read as a count of {counted}"
    )


_ZERO_WORDS = re.compile(
    r"[\s$]*(none|zero|nothing|nil|no\s+(?:(?:learnable|trainable|free)\s+)?"
    r"(?:parameters?|params?|weights?))[\s$.]*",
    re.IGNORECASE,
)


def read_zero_words(text: str, question: Question) -> tuple[str, str | None]:
    """An answer in words only, `none`, `zero`, `no parameters`, is 0, where the reference is
    0; elsewhere it is left unread (for a person), since the words then say the count is
    wrong in a way the machine should not judge."""
    match = _ZERO_WORDS.fullmatch(text) if question.reference_is_zero else None
    if match is None:
        return text, None
    words = match.group(1)
    return replace_span(text, match.start(1), match.end(1), "0"), f'read "{words}" as 0'


_NAME_RUN = re.compile(r"(?<![\\A-Za-z])[A-Za-z]+(?:_(?:\{[A-Za-z0-9]+\}|[A-Za-z0-9]))?")


def read_case_as_declared(text: str, question: Question) -> tuple[str, str | None]:
    """`kcd + d` is read as KCD + D when the question's symbols are upper case: each run of
    letters that no declared symbols spell is read over them case aside, when the rubric
    declares no two symbols that differ only in case (then case is never ignored)."""
    by_lower = {symbol.lower(): symbol for symbol in question.symbols}
    if len(by_lower) < len(question.symbols):
        return text, None
    notes: dict[str, str] = {}
    for match in _NAME_RUN.finditer(text):
        name = normal_name(match.group(0))
        if declared_pieces(name, question.symbols) is not None:
            continue
        pieces = cover(name.lower(), by_lower)
        if pieces is None:
            continue
        spelled, offset = [], 0
        for piece in pieces:
            written, declared = name[offset : offset + len(piece)], by_lower[piece]
            if written != declared:
                notes.setdefault(written, declared)
            spelled.append(declared)
            offset += len(piece)
        letters = iter("".join(spelled))
        rewritten = "".join(c if c in "{}" else next(letters) for c in match.group(0))
        text = text[: match.start()] + rewritten + text[match.end() :]
    if not notes:
        return text, None
    return text, "read " + ", ".join(
        f"{written} as {declared}" for written, declared in notes.items()
    )


# A letter x typed for ×, alone between two factors (`3 x C x D + D`, `4 x H(E+H+1)`).
_X_TIMES = re.compile(r"(?<=[A-Za-z0-9)\]}⌉⌋])(\s+)[xX](\s+)(?=[A-Za-z0-9(\[{⌈⌊\\])")


def read_x_as_times(text: str, question: Question) -> tuple[str, str | None]:
    """`3 x C x D + D` is read as 3 × C × D + D: a letter x with a space on each side, between
    a number, symbol or bracket and another, is a times sign typed on a keyboard that has none;
    never where the question has a symbol x or X (case aside): then it is that symbol."""
    if any(symbol.lower() == "x" for symbol in question.symbols):
        return text, None
    read = _X_TIMES.sub(lambda match: f"{match.group(1)}×{match.group(2)}", text)
    if read == text:
        return text, None
    return read, 'read "x" as ×, a times sign'


LENIENT_STEPS: dict[str, LenientStep] = {
    "compatibility": read_compatibility_forms,
    "zero_words": read_zero_words,
    "thousands": read_thousands_separators,
    "punctuation": read_past_final_stop,
    "times": read_x_as_times,
    "words": set_aside_words,
    "case": read_case_as_declared,
}
"""In the order they are applied; the keys are the names a rubric's `strict:` switches off."""
