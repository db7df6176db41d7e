"""Read a transcript of a whole exam script, as students write it and as transcription
services type it: Markdown and LaTeX with no structure of ours.

    (a) Q: $X_{ijk} \\rightarrow y_{ijk}$? parameters?
    $$y_{ijk} = \\sum_{l=1}^C \\sum_{m=1}^P \\sum_{n=1}^P W_{mnlk} X_{ijl} + b_{ijk}$$
    parameters $P \\times P \\times C \\times D + P \\times Q \\times D$
    $$(c) y_{i,j,k} = \\sum_{l=1}^C w_{l,k} x_{i,j,l} + b_k$$

The script is cut into parts at the markers students write (`(a)`, `a)`, `a.`, `4(a)`, `Q4(a)`,
`Q1. (a)`, `Question 4, part (a)`, `Part a:`, `Part (a)`, `**(a)**`, `\\textbf{(a)}`, a marker
at the start of a display block; `c:` and `c -` only before maths or alone, and not before a
strong marker of their part; a marker in brackets after the answer to the part before it, in
the middle of a line, with maths after it), in any order. `Part (b) shares …`, `; (d) is the
same …` and a bare `a.` of a part already begun (a list inside a later part's answer) name a
part, they do not start it; `e. g.` and `i. e.` are abbreviations, never markers;
`back to part (b):` returns to part (b), saying so in its answers' notes; an item left with
no answer in a part such a line names, or that a doubtful marker ended where the line could
have been its answer, goes to a person shown the line (`_Doubt`). Inside a part, every piece
of maths (`$…$`, `$$…$$`, `\\[…\\]`, `\\(…\\)`, a line that is maths alone, or words and maths
such as `Parameters: 9CD + D`) is offered to the part's items, and the item's kind says whether
it is an answer of its kind (`ItemKind.recognises`); a chain `a \\Rightarrow b` offers each step. A
piece two items of a part both read goes to the one the words beside it name, else by the order
of the items when that is unambiguous, saying so (`_place_shared`), else to a person. The prose
of a part is the answer of an item that keeps prose (an explanation). Words beside a count
weigh it: a total or "parameters" wins over "weights" and "biases" (shares of it), and maths
that only describes the maths before it ("$W_Q$ is $E \\times K$") is not a count.

Nothing is guessed silently: when an item has two different answers (a count written once
without and once with its biases), every one is kept, and grading sends the item to a person
with all of them shown; so does working whose steps one item takes and that do not agree
(`3 \\times 3 \\times C \\times D = 9CD + D`, `CD + D \\Rightarrow CD`), showing the steps.
Each answer says where it was found ("from line 14: …"). A restated question, crossed-out
work (`~~…~~`, `\\sout{…}`, `\\xcancel{…}`) and matrix pictures (`\\begin{bmatrix}`) are
not answers. Content no item takes is reported, as for Markdown; a part with no answer goes to
a person when such content names it or no marker was read, and an empty script goes to a
person whole.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from grader.errors import AnswerError, AnswerTooLongError, counted
from grader.model import Submission, SubmittedAnswer

# Words beside a count that say it is one ("parameters $9CD + D$", "$CD$ trainable params",
# "参数量: $9CD+D$"), words that say it is only a share of one ("weights $9CD$, biases $D$,
# total $9CD + D$"), and words that say a piece of maths is something else (a shape).
_COUNT_WORDS = re.compile(
    r"param|learnable|trainable|\bbias\b|count|total|number|how many|in all|altogether"
    r"|entries|elements|参数|个数|总数",
    re.IGNORECASE,
)
_SHARE_WORDS = re.compile(r"weights?\b|biases|权重|偏置", re.IGNORECASE)
# Spaces on either side of the word between read one way only: `\s*(:|is|=|of)?\s*$` split
# the spaces after "shape" in as many ways as there were, for each place it was tried.
_NOT_A_COUNT = re.compile(
    r"(shape|size|dimension|dims?|matrix|of size|spatial)\s*(?:(?::|is|=|of)\s*)?$",
    re.IGNORECASE,
)
# Each run of spaces can be read one way only (`(?:\*\*|__)?\s*` after `^\s*` split a line
# of spaces in as many ways as it has: a line of 20,000 spaces took 48 s).
_MARKER = re.compile(
    r"""^\s*(?:[-*+]\s+)?(?:\#{1,6}\s*)?(?:(?:\*\*|__)\s*)?
    (?:\\(?:textbf|textit|emph|underline)\s*\{\s*|\\item\s*\[\s*)?  # \textbf{(a)}
    (?:(?:question\s*|problem\s*|q\s*)?\d+\s*(?:[.:,]\s*)?)?  # 4(a), Q4c), Q1. (a)
    (?:
        \(\s*(?P<paren>[A-Za-z])\s*\)         # (a)
      | part\s*(?:\(\s*)?(?P<part>[A-Za-z])\b\s*\)?[:.)]?  # Part a:  Part (b)
      | (?P<bare>[A-Za-z])\s*[).](?=\s|:|$|\}|\])   # a)  a.
    )
    \s*[}\]]?\s*(?:\*\*|__)?\s*:?\s*""",
    re.IGNORECASE | re.VERBOSE,
)
# A letter and a colon or a dash (`c:`, `c -`): a marker only where the letter is lower case,
# a part of the rubric not yet begun, and the line after it is empty or begins with maths in
# `$…$`, `\(…\)` or `\[…\]`: `C: the input channels` is a definition, not part c.
_WEAK_MARKER = re.compile(r"^\s*(?P<letter>[a-z])[ \t]*(?::|-|–|—)[ \t]*(?=\$|\\[\[(]|$)")
# A marker in the middle of a line, after the answer to the part before it (`(d) $s_i(1-s_i)$
# and (e) $-s_is_j$`): in brackets, after maths, a `,`, `;`, `.` or "and", outside maths.
_MARKER_WITHIN = re.compile(
    r"(?:\$|\\[)\]]|[,;.]|\band|->|→|⇒|=>|\\(?:Rightarrow|implies|to)\b)"
    r"[ \t]*\((?P<letter>[A-Za-z])\)(?=[ \t]|$)",
    re.IGNORECASE,
)
# LaTeX spacing a transcriber puts after a marker: `$$(c)\ y_{i,j,k} = …$$`.
_SPACING = re.compile(r"^(?:\\[ ,;:!]|\\q?quad\b|~|\s)+")
_QUESTION = re.compile(r"^\s*(?:Q|question)\s*[:.]", re.IGNORECASE)
# Crossed-out work: `~~…~~`, `\sout{…}` and its kin, and the HTML a Markdown editor writes
# (`<del>…</del>`, `<s>…</s>`, `<strike>…</strike>`; no `<` inside, so that a line of many
# tags never closed is read in work that grows with its length).
CROSSED = re.compile(
    r"~~.*?~~|\\(?:sout|xcancel|cancel|st)\s*\{[^{}]*\}|(?i:<(del|s|strike)>[^<]*</\1\s*>)"
)
_MATHS_OPENER = re.compile(r"\$|\\[\[(]")
_MATHS_CLOSER = {"$$": "$$", "\\[": "\\]", "\\(": "\\)", "$": "$"}
_STEP = re.compile(r"\\Rightarrow|\\implies|\\Longrightarrow|⇒|=>|\\therefore|∴")
# How a note shows the arrow between two steps of working, as the student wrote it.
_ARROW_SHOWN = {
    r"\Rightarrow": "⇒",
    r"\implies": "⇒",
    r"\Longrightarrow": "⇒",
    r"\therefore": "∴",
    r"\rightarrow": "→",
    r"\longrightarrow": "→",
    r"\to": "→",
}
_BOXED = re.compile(r"\\boxed\s*\{")
_PICTURE = re.compile(r"\\begin\s*\{\s*[bpvBV]?matrix|\\begin\s*\{\s*array")
_PROSE_LATEX = {
    r"\sim": "~",
    r"\rightarrow": "→",
    r"\to": "→",
    r"\dots": "...",
    r"\ldots": "...",
    r"\cdots": "...",
    r"\times": "×",
    r"\cdot": "·",
}
_QUOTE = 60
# Different answers to one item checked, at most (and as many chains of working): beyond,
# how many more there are goes to the person who decides which answer is the student's.
MOST_ANSWERS = 12
# The end of the clause an answer's words are in: "weights $9CD$, biases $D$".
_CLAUSE_BEFORE = re.compile(r"\$|\\\]|\\\)|[,;，；。]|\.(?=\s)")
_CLAUSE_AFTER = re.compile(r"\$|\\\[|\\\(|[,;，；。]|\.(?=\s)")
# A word that denies what it is said of ("not", "isn't", "wrong"; "not sure" is a hedge).
_DENIAL = r"\b(?:not(?!\s+(?:sure|certain))|never|wrong|false|incorrect)\b|n['’]t\b"
# Words before a piece of maths that deny it or make it part of other maths ("it is not
# $σ(1-σ)$", "no $PQD$", "half of $s_i(1-s_i)$", "one over $\\sqrt{d_k}$"): read alone, the
# piece would be marked as the student's answer, which it is not; the line is left for a
# person, as text no item read.
_CHANGED_BEFORE = re.compile(
    rf"(?:{_DENIAL}|\binstead\s+of\b|\brather\s+than\b|\bexcept\b)"
    r"|(?:\b(?:half|double|twice|thrice|triple|quarter|third|square|cube|root|inverse"
    r"|reciprocal|negative|opposite|transpose|log|logarithm|exp|exponential|sum|product"
    r"|multiple|power|fraction)\s+of|\b(?:over|divided\s+by|divide\s+by|times|minus|plus"
    r"|negative|squared?|sqrt|twice|double|half|no))\s*[:,]?\s*$",
    re.IGNORECASE,
)
# Words after a piece of maths that deny it or go on with it ("$9CD + D$ is wrong",
# "$σ(x)$ squared"), or a clause that is only a denial of it, to the end of the words after
# it ("…, but that is wrong", "…, which isn't right", "…, wrong"; not "…, which is not a
# convolution"). Each run of spaces is read one way only (`^\s*,?\s*` split a run of 4,000
# spaces in as many ways as it has: 5 s).
_CHANGED_AFTER = re.compile(
    r"^\s*(?:,\s*)?(?:(?:is|was|would\s+be|are|were)\s+(?:wrong|incorrect|false|not\b)"
    r"|(?:squared|cubed|times|divided\s+by|over|to\s+the\s+power|plus|minus)\b)"
    r"|^\s*(?:[,;]\s*)?(?:(?:but|and|though|yet|which|so)\s+)?(?:(?:that|this|it)(?:\s+|(?=['’])))?"
    r"(?:(?:is|was|are|were)(?:\s+|(?=n['’]t))|['’]s\s+)?"
    rf"(?:{_DENIAL})(?:\s+(?:right|correct|true|it|the\s+answer))?[\s.!]*$",
    re.IGNORECASE,
)
# Between two pieces of maths, "and" alone ("$CD$ and $D$"): the parts of one answer (a
# count's weights and biases) or two answers; which, a person decides.
_AND_JOINED = re.compile(r"\s*\band\b\s*", re.IGNORECASE)
# "or" alone between two pieces of a transcript's line ("$CD$ or $D$", "…, or maybe …"): two
# answers offered; neither is taken alone (Markdown grades each and shows both to a person).
_OR_JOINED = re.compile(r"\s*,?\s*\bor\b(?:\s+(?:maybe|perhaps|possibly))?\s*", re.IGNORECASE)
_WORD_CHARACTER = re.compile(r"\w")


def changed_by_words(before: str, after: str) -> bool:
    """Whether the words beside a piece of maths on its line, `before` it (from the piece of
    maths before it or the line's start) and `after` it (to the next piece or the line's end),
    deny it or make it part of other maths ("not $CD + D$", "$PQD$ is wrong", "…, but that is
    wrong", "half of $σ$"): it is then no answer as it stands, for a person to read."""
    return bool(
        _CHANGED_BEFORE.search(_CLAUSE_BEFORE.split(before)[-1]) or _CHANGED_AFTER.match(after)
    )


def denies(words: str) -> bool:
    """Whether `words` beside a piece of maths hold a word that denies it ("not", "isn't",
    "wrong"): the student disowns it, where `changed_by_words` says it is changed."""
    return re.search(_DENIAL, words, re.IGNORECASE) is not None


def joined_by_and(text: str, end: int, start: int, after: str) -> bool:
    """Whether "and" alone is between two pieces of maths, `text[end:start]`, and no word is
    in the words `after` the second on its line ("$CD$ and $D$"): neither is an answer alone,
    and reading them as one is a guess. With words after ("$Y = XW$ and $W$ is $C \\times
    D$") the second begins a sentence of its own, read as before. Words that name the first
    before "and" ("$C$ gammas and $C$ betas") join them too, whatever follows."""
    if _AND_JOINED.fullmatch(text, end, start) is not None:
        return _WORD_CHARACTER.search(after) is None
    between = text[end:start]
    named = _AND.split(between)
    return (
        len(named) == 2
        and _AND_BETWEEN.fullmatch(between) is not None
        and _WORD_CHARACTER.search(named[0]) is not None
        and re.search(_DENIAL, between, re.IGNORECASE) is None
    )


# Between two pieces of maths on a line, an operator alone joins them ("$9CD$ + $D$", with a
# comma or semicolon before it too: "$9CD$, + $D$"): each is part of maths the reader does
# not put together, so neither is taken alone.
_JOINED = re.compile(r"\s*(?:[,;]\s*)?([-+*/×·−^])\s*")
_DESCRIBES = re.compile(
    r"\s*(?:is|are|\(|∈|of size|of shape|has shape|is of size)\s*", re.IGNORECASE
)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_INDEX = re.compile(r"[_^]\{[^{}]*\}|[_^]\w")
_WORD = re.compile(r"[A-Za-z][a-z]+")
# One name alone: a letter, Greek or not, or a LaTeX name, with at most an index (`x`, `d_k`,
# `s_{i}`, `\\alpha`).
_LONE_NAME = re.compile(r"(?:\\[A-Za-z]+|[A-Za-zα-ωΑ-Ω])(?:_\s*(?:\{[^{}]*\}|\w))?")
# A name, or a function of its argument (`y_{i,j,k}`, `\sigma'(x)`): `=` after it names the
# maths after, it concludes nothing (`_roles`).
_NAMED = re.compile(rf"(?:{_LONE_NAME.pattern})'*(?:\s*\([^()]*\))?")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff01-\uff5e]")
_MATHS_WORDS = {"sum", "exp", "log", "ln", "max", "min", "sqrt", "softmax", "relu", "tanh"}


@dataclass(frozen=True)
class _Maths:
    """A piece of maths in a part's text: where it starts and ends, delimiters included."""

    start: int
    end: int
    body: str
    displayed: bool  # `$$…$$` or `\\[…\\]`
    notes: tuple[str, ...] = ()  # how it was read: pieces joined by "plus" (`_joined_by_plus`)
    # Pieces joined by words, as written with those words (`D weights plus 9CD`): a count
    # reads the words that name its terms itself (`_offer`).
    labelled: str = ""
    # Pieces that words join in a row up to this one, counted past `MOST_TERMS_JOINED` too,
    # where a sum too long to read in words is cut (`_sum_too_long`)
    run: int = 1


def _maths_pieces(text: str) -> list[_Maths]:
    """The pieces of maths in `text`, in order: `$$…$$`, `\\[…\\]`, `\\(…\\)` and `$…$`, each
    closed by the first closing delimiter after it; an opener never closed is read as text.
    Where each kind of closing delimiter is next is remembered, so that no part of the text
    is searched twice for one: a script of many openers never closed (`\\(` 50,000 times took
    a minute with a lazy `.*?`) is read in work that grows with its length."""
    next_closer: dict[str, tuple[int, int]] = {}  # closer → (searched from, found at or -1)

    def closer_from(closer: str, begin: int) -> int:
        searched, found = next_closer.get(closer, (len(text) + 1, -1))
        if searched <= begin and (found < 0 or found >= begin):
            return found
        found = text.find(closer, begin)
        next_closer[closer] = (begin, found)
        return found

    pieces: list[_Maths] = []
    position = 0
    while (opener := _MATHS_OPENER.search(text, position)) is not None:
        start = opener.start()
        opening = "$$" if text.startswith("$$", start) else opener.group()
        closer = _MATHS_CLOSER[opening]
        body_start = start + len(opening)
        found = closer_from(closer, body_start)
        if found < 0:
            position = start + 1
            continue
        displayed = opening in ("$$", "\\[")
        pieces.append(_Maths(start, found + len(closer), text[body_start:found], displayed))
        position = found + len(closer)
    return pieces


# Between two pieces of maths on a line, words with "plus" among them ("$CD$ weights plus $D$
# biases", "$9CD$ weights plus one bias per filter, $D$", "$CD$ weights, plus $D$ biases"): the
# pieces are one sum. Only letters, spaces, a comma or semicolon right before "plus" and a last
# comma, so that the words are read in work that grows with their length.
_PLUS_BETWEEN = re.compile(
    r"[A-Za-z \t]*(?:[,;][ \t]*)?\bplus\b[A-Za-z \t]*,?[ \t]*", re.IGNORECASE
)
_PLUS_AFTER = re.compile(r"\bplus\b", re.IGNORECASE)
# "and" between two pieces whose words name them as the terms of one count ("$C$ weights and
# $C$ biases"): their sum, as the count kind reads "CD weights + D biases".
_AND_BETWEEN = re.compile(r"[A-Za-z \t]*\band\b[A-Za-z \t]*,?[ \t]*", re.IGNORECASE)
_AND = re.compile(r"\band\b", re.IGNORECASE)
# So is "+" between two such pieces ("$9CD$ weights + $D$ biases"); between pieces alone
# ("$9CD$ + $D$") it is for a person.
_SIGN_BETWEEN = re.compile(r"[A-Za-z \t]*(?:[,;][ \t]*)?\+[A-Za-z \t]*,?[ \t]*")
_SIGN = re.compile(r"\+")
# A piece that is working or a relation, not a term of a sum.
_NO_TERM = re.compile(r"[=<>≤≥]|\\(?:le|ge|leq|geq|neq|approx|boxed)\b")


# Pieces of maths that "plus" joins into one sum, at most (`_joined_by_plus`).
MOST_TERMS_JOINED = 6


def _joined_by_plus(text: str, pieces: list[_Maths]) -> list[_Maths]:
    """`pieces`, those that words with one "plus" join on a line (`$CD$ weights plus $D$
    biases`) read as one piece, their sum (CD + D), as a marker reads "plus", with a note
    saying so. Words that change the maths on either side of "plus" ("$σ$ squared plus",
    "plus half of $D$"), or a piece that is working or a relation, leave them apart. "and" is
    read so only between words that name the pieces as a count's terms ("$C$ weights and $C$
    biases"), and so is "+" ("$9CD$ weights + $D$ biases"); otherwise "and" or "+" between
    them is no sum: two answers, or a line, for a person."""
    joined: list[_Maths] = []
    terms = 1  # pieces in the last of `joined`
    for index, piece in enumerate(pieces):
        last = joined[-1] if joined else None
        between = text[last.end : piece.start] if last is not None else ""
        joiner, joining_words = _PLUS_AFTER, _PLUS_BETWEEN
        if not _PLUS_AFTER.search(between) and _SHARE_WORDS.search(between):
            following = pieces[index + 1].start if index + 1 < len(pieces) else len(text)
            if _SHARE_WORDS.search(text[piece.end : following].split("\n", 1)[0]):
                # "$C$ weights and $C$ biases", "$9CD$ weights + $D$ biases"
                joiner, joining_words = (
                    (_SIGN, _SIGN_BETWEEN) if _SIGN.search(between) else (_AND, _AND_BETWEEN)
                )
        words = joiner.split(between, maxsplit=1)
        if (
            last is None
            # one "plus" first: with one, matching the words around it is linear work
            or len(joiner.findall(between)) != 1
            or not joining_words.fullmatch(between)
            or (joiner is not _PLUS_AFTER and not _SHARE_WORDS.search(words[0]))
            or _CHANGED_AFTER.match(words[0])
            or _CHANGED_BEFORE.search(words[-1])
            or re.search(_DENIAL, between, re.IGNORECASE)
            or _NO_TERM.search(last.body)
            or _NO_TERM.search(piece.body)
        ):
            joined.append(piece)
            terms = 1
            continue
        if terms >= MOST_TERMS_JOINED:
            # a longer sum in words is for a person: left apart, and read in linear work
            joined.append(replace(piece, run=last.run + 1))
            terms = 1
            continue
        terms += 1
        body = f"{last.body.strip()} + {piece.body.strip()}"
        written = _quote(text[last.start : piece.end])
        note = f'read "{written}" as one answer, {body}: its pieces of maths are joined by "plus"'
        if joiner is not _PLUS_AFTER:
            note = (
                f'read "{written}" as one answer, {body}: its pieces of maths are joined by '
                f'"{"and" if joiner is _AND else "+"}", and the words beside them name them as '
                "terms of one count"
            )
        # as written, a comma before "plus" too: the count reads "CD weights, plus D biases"
        words_between = " ".join(between.split())
        space = "" if words_between.startswith((",", ";")) else " "  # "9CD, plus D biases"
        labelled = f"{last.labelled or last.body.strip()}{space}{words_between}"
        joined[-1] = _Maths(
            last.start,
            piece.end,
            body,
            last.displayed or piece.displayed,
            (note,),
            f"{labelled} {piece.body.strip()}",
            last.run + 1,
        )
    return joined


def _sum_too_long(text: str) -> int:
    """How many pieces of maths words join in a row on `text` (`_joined_by_plus`) where that
    is more than `MOST_TERMS_JOINED`, too long a sum to read in words; 0 otherwise."""
    longest = max((piece.run for piece in _joined_by_plus(text, _maths_pieces(text))), default=0)
    return longest if longest > MOST_TERMS_JOINED else 0


def chain_too_long(text: str) -> int:
    """How many steps of working come before the answer on `text` (each ended by a conclusion:
    a word or arrow, `_CONCLUDING`, an arrow in LaTeX, `_LATEX_ARROW`, or one between steps
    within maths, `_STEP`, or "=" between pieces of maths, `_concludes`) where that is more
    than are checked; 0 otherwise."""
    pieces = _maths_pieces(text)
    equals = sum(
        1
        for before, after in zip(pieces, pieces[1:], strict=False)
        if (between := text[before.end : after.start]).strip() == "="
        and _concludes(between, before.body) is not None
    )
    return _too_many_steps(len(_CONCLUSIONS_COUNTED.findall(text)) + equals)


def _too_many_steps(steps: int) -> int:
    """`steps`, the steps of working before an answer, where that is more than are checked
    (`MOST_ANSWERS`): such a chain goes to a person, told so (`too_many_steps`); 0 otherwise."""
    return steps if steps > MOST_ANSWERS else 0


def too_many_steps(where: str, steps: int) -> str:
    """What a person is told of `where` (`Line 3`, `Your answer`) with `steps` steps of working
    before its answer, more than are checked (`chain_too_long`)."""
    return (
        f"{where} has {steps} steps of working before its answer, more than are checked: at "
        f"most {MOST_ANSWERS} steps of a chain are checked."
    )


def joined_by_words(
    text: str, spans: Sequence[tuple[int, int, str]]
) -> list[tuple[int, int, str, tuple[str, ...], str]]:
    """`spans`, the (start, end, maths) of the pieces of maths in `text`, those that words
    join as a sum (`$CD$ weights plus $D$ biases`) read as one, (start, end, the sum, the
    notes saying so, the pieces as written with their words or ""), as a transcript reads
    them (`_joined_by_plus`): a labelled answer's pieces are read alike."""
    pieces = [_Maths(start, end, body, False) for start, end, body in spans]
    return [(p.start, p.end, p.body, p.notes, p.labelled) for p in _joined_by_plus(text, pieces)]


def with_its_words(
    labelled: str, words_after: str, reads_with_words: Callable[[str], bool]
) -> str | None:
    """Pieces of maths joined by words (`labelled`, `D weights plus 9CD`) as written with the
    words after them (`biases`), where a count reads them so (`reads_with_words`, the
    check's own reader, as `grader check` reads `D weights plus 9CD biases`), so that its
    check weighs the words naming the terms; None otherwise (the sum is its answer)."""
    written = f"{labelled} {words_after.strip()}".strip()
    return written if labelled and reads_with_words(written) else None


# Words alone between two pieces of maths on a line that strike the first and give the second
# instead ("$9D + D$... no, $9CD + D$", "no wait", "No:", "oops, no:"), matched once the
# punctuation around them is stripped.
_CORRECTS = re.compile(r"(?:(?:oops|sorry|wait)[\s,!]*)?no(?:[\s,:;.!]+wait)?", re.IGNORECASE)
_AROUND_CORRECTION = " \t.,;:!-–—"
# Words that end the words between two pieces of maths on a line and conclude from the maths
# before ("$4C$ fixed weights, so $0$", "…, hence $9CD + D$", "=> $9CD + D$").
_CONCLUDING = r"(?:\b(?:so|hence|thus|therefore|giving|gives|total(?:\s+of)?)\b|=>|->|→|⇒|∴)[\s:,]*"
# Between two pieces, also an arrow or "=" written in LaTeX outside them (`$C \times D$
# \Rightarrow $CD + D$`, `$N \times K$ = $N^2$`), as `⇒` is.
_LATEX_ARROW = r"\\(?:Rightarrow|implies|Longrightarrow|rightarrow|longrightarrow|to|therefore)\b"
_CONCLUDES = re.compile(
    rf"(?:{_CONCLUDING}|{_LATEX_ARROW}[\s:,]*|(?<![<>!=\\])=\s*)$", re.IGNORECASE
)
# The same within a line of maths written without `$` (`N × N → N^2`): `maths_among_words`.
_CONCLUDES_WITHIN = re.compile(_CONCLUDING, re.IGNORECASE)
# Every conclusion that ends a step of working, within maths or between pieces of it: the
# steps `chain_too_long` counts.
_CONCLUSIONS_COUNTED = re.compile(rf"{_CONCLUDING}|{_LATEX_ARROW}|{_STEP.pattern}", re.IGNORECASE)
# Words between two pieces of maths on a line that make them cases of one answer ("$9CD + D$
# if bias is used, otherwise $9CD$"): neither is the answer alone.
_CASES = re.compile(r"\b(?:if|unless|when|whenever|otherwise|else)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Role:
    """What the words between pieces of maths on a line make of one (`_roles`)."""

    skip: bool = False  # struck by a correction, or a case of several: not offered
    working: bool = False  # working before a conclusion on its line: weaker than it
    corrects: bool = False  # the answer a correction gives: "no" before it is no denial
    leading: str | None = None  # for a conclusion, the words that start its line (`parameters`)
    # for a conclusion, the maths before it that it equates to the answer (`$N \times K$ →
    # $N^2$): a step of working the item checks, where it reads it
    equates: tuple[str, ...] = ()
    note: str = ""  # how it was read


def _concludes(between: str, before: str) -> re.Match[str] | None:
    """The conclusion (`_CONCLUDES`) the words `between` two pieces of maths on a line end
    with, the piece before them `before`: None where there is none, or where it is "=" after
    a name alone (`$y_{ijk}$ = $…$`, `$\\sigma'(x)$ = $…$` name the maths after it)."""
    conclusion = _CONCLUDES.search(between)
    if conclusion is None or (
        between.strip() == "=" and _NAMED.fullmatch(before.strip()) is not None
    ):
        return None
    return conclusion


def _roles(text: str, pieces: list[_Maths]) -> dict[int, _Role]:
    """What the words between the pieces of maths on each line make of them: a correction
    ("no," between two pieces) strikes the first and the later is the answer; a conclusion
    ("so", "hence", "=>" before the later) makes the maths before it on its line working;
    a condition ("if", "otherwise") between two makes both cases, for a person."""
    roles: dict[int, _Role] = {}
    line_first = 0  # the index of the first piece on the line of the piece looked at
    # the first piece of the steps of working before the piece looked at: pieces only a
    # conclusion joins, from the line's start or after "is" (`$QK^T$ is $N \times K$ ⇒
    # $N^2$`); None where other words stand between them (`$CD$ weights and $D$ → …`)
    chain: int | None = 0
    for index in range(1, len(pieces)):
        between = text[pieces[index - 1].end : pieces[index].start]
        if "\n" in between:
            line_first = chain = index
            continue
        conclusion = _concludes(between, pieces[index - 1].body)
        if conclusion is None or between[: conclusion.start()].strip(" \t:,-"):
            chain = index if _DESCRIBES.fullmatch(between) else None
        earlier = pieces[line_first:index]
        struck = _quote(text[pieces[index - 1].start : pieces[index - 1].end])
        written = _quote(text[pieces[index].start : pieces[index].end])
        if _CORRECTS.fullmatch(between.strip(_AROUND_CORRECTION)):
            roles[index - 1] = _Role(skip=True)
            word = _quote(between.strip(_AROUND_CORRECTION))
            note = f'read {written} as the answer: "{word}" before it corrects {struck}, set aside'
            roles[index] = _Role(corrects=True, note=note)
        elif _CASES.search(between) and not re.search(_DENIAL, between, re.IGNORECASE):
            for case in range(line_first, index + 1):
                roles[case] = _Role(skip=True)
        elif conclusion is not None:
            for case in range(line_first, index):
                roles[case] = replace(roles.get(case, _Role()), working=True)
            line_start = text.rfind("\n", 0, pieces[line_first].start) + 1
            leading = text[line_start : pieces[line_first].start]
            word = _quote(_CLAUSE_BEFORE.split(between)[-1].strip(" \t:,")) or conclusion.group()
            word = _ARROW_SHOWN.get(word, word)
            shown = ", ".join(_quote(text[p.start : p.end]) for p in earlier)
            # `$N \times N$ ⇒ $N \times K$ ⇒ $N^2$`: every step before the answer, checked
            # (at most `MOST_ANSWERS`: a longer chain goes to a person)
            steps = [p.body for p in pieces[chain:index]] if chain is not None else []
            equated = (_equated(step, word, leading) for step in steps)
            roles[index] = _Role(
                leading=leading,
                note=_concluded_note(written, word, shown),
                equates=tuple(step for step in equated if step),
            )
            if _too_many_steps(len(steps)):
                for case in range(line_first, index + 1):
                    roles[case] = replace(roles[case], skip=True)
    return roles


# Conclusions that equate the maths before them to the answer after (`N × K → N^2`); a word
# ("so", "hence") may conclude from maths that counts something else (`$4C$ fixed weights,
# so $0$`), and equates it only when no words stand beside it.
_ARROWS = ("→", "->", "=>", "⇒")
_STEP_ARROW = re.compile(r"\\Rightarrow|\\implies|\\Longrightarrow")  # in LaTeX


@lru_cache(maxsize=1024)  # asked of every answer given alone, which a class repeats: bounded
def has_working(line: str) -> bool:
    """Whether a line given alone has working a transcript checks before its answer: an arrow
    (`_ARROWS`, `\\Rightarrow`, `\\implies`, …), or a word of conclusion with maths alone
    before it (`N x K, so N^2`: `_equated`); such a line is read as a transcript's line is
    (`answer_lines`)."""
    if any(arrow in line for arrow in _ARROWS) or _STEP_ARROW.search(line) is not None:
        return True
    pieces = _maths_pieces(line)
    if any(
        _concludes(line[before.end : after.start], before.body) is not None
        for before, after in zip(pieces, pieces[1:], strict=False)
    ):
        return True  # `$N \times K$ = $N^2$`, `$N \times K$ \to $N^2$`: as `_roles` reads them
    among = maths_among_words(line) if "$" not in line else None
    return among is not None and any(_working_steps(among))


# Words before maths that say it is the thing the answer after "so" counts (`QK^T is N × K,
# so N^2`, `QK^T has N x K entries, so N^2 entries`)
_IS_THE_SAME = re.compile(r"\b(?:is|are|has|have)\s+(?=\S)", re.IGNORECASE)


def _equated(working: str, word: str, words: str, answer: str = "") -> str:
    """The maths of `working` that a conclusion `word` equates to the answer after it: the
    maths after the words before it (`QK^T is N × K` → `N × K`), after an arrow or "=", or
    the maths alone with no `words` beside it (`N x K, so N^2`); after a word ("so"), also
    the maths after "is" or "has" whose words after it are the `answer`'s (none, or the same
    noun: `QK^T has N x K entries, so N^2 entries`), where they cannot count something else
    (`$4C$ fixed weights, so $0$` is not equated); "" otherwise."""
    prose = _prose_matches(working)
    if word not in (*_ARROWS, "=") and (_prose_matches(words) or not working):
        return ""
    if word not in (*_ARROWS, "=") and prose:
        same = list(_IS_THE_SAME.finditer(working))
        if not same:
            return ""
        rest = working[same[-1].end() :]
        noun = next(iter(_prose_matches(rest)), None)
        said = next(iter(_prose_matches(answer)), None)
        if _words_from(rest, noun) != _words_from(answer, said):
            return ""
        working = rest[: noun.start()] if noun else rest
        prose = []
    maths = working[prose[-1].end() :] if prose else working
    maths = maths.strip(" \t:,;")
    return maths if maths and _is_maths_alone(maths) else ""


def _words_from(text: str, word: re.Match[str] | None) -> str:
    """`text` from `word` on, as words are compared; "" with no word."""
    return " ".join(text[word.start() :].casefold().split()) if word else ""


def _working_steps(among: AmongWords) -> tuple[str, ...]:
    """The steps of working a line among words equates to its answer (`_equated`): each
    step between arrows or words of conclusion (`N x K -> N x K -> N^2`, `N x K, so N x K,
    so N^2`)."""
    steps = _CONCLUDES_WITHIN.split(among.working)
    equated = (_equated(step, among.concludes, among.label, among.maths) for step in steps)
    return tuple(step for step in equated if step)


def _concluded_note(answer: str, word: str, working: str) -> str:
    """How an answer after a conclusion ("so", "→") was read, the maths before it working."""
    return f'read {answer} as the answer: it follows "{word}"; {working} before it is working'


@dataclass(frozen=True)
class TranscriptItem:
    """What the reader needs of one item: its id, whether its answer is prose, and whether a
    piece of maths is an answer of its kind."""

    id: str
    key: str
    keeps_prose: bool
    counts: bool  # a count: a piece of maths needs words or symbols to be taken for one
    recognises: Callable[[str], bool]
    names: tuple[str, ...] = ()  # how a script may name it (any case): its label and aliases
    heading: str = ""  # how feedback names it: "Off diagonal"
    # Whether a piece of maths only defines a name the item's answer uses (`σ = 1/(1+e^{-x})`):
    # no answer, but set aside beside the item's answer, for its check to hold it against
    # the question.
    defines: Callable[[str], bool] = lambda text: False
    # Whether an answer uses the name a definition `defines` takes defines: only then is the
    # answer read with it.
    uses: Callable[[str, str], bool] = lambda answer, definition: True
    # Why a text cannot be read as the item's answer (the parser's error), or None.
    reading_error: Callable[[str], AnswerError | None] = lambda text: None
    # Whether a line of maths without `$` is the item's answer as `grader check` reads it,
    # with the words the item's check sets aside (`3 × (E·K + K) = 3EK + 3K parameters`).
    reads_with_words: Callable[[str], bool] = lambda text: False
    # Whether words beside a count name another unit than the item counts ("MACs" where it
    # counts FLOPs): the count is then graded with them, as `grader check` grades it.
    names_other_unit: Callable[[str], bool] = lambda words: False


@dataclass
class _Candidate:
    text: str
    line: int
    quote: str
    # boxed 4, with words that say it is a count 2, displayed 1; words that say it is only a
    # share of one (weights, biases) -2
    strength: int
    steps: tuple[str, ...] = ()  # a chain of working, its last step `text`: every step
    how: str = ""  # how it was given to its item when more than one item could take it
    unsure: str = ""  # why it may not be this item's answer at all: a person decides
    by_place: bool = False  # given to its item by its place among answers others could take
    notes: tuple[str, ...] = ()  # what was set aside to read it ("where σ is the sigmoid")
    # A lone name among words on its line ("the output $y$ is …"): no answer where the item
    # has another
    name_in_prose: bool = False


@dataclass(frozen=True)
class _Shared:
    """A step that several items read as their answer, no word beside it saying whose."""

    texts: dict[str, str]  # each item that reads it → the text it takes
    line: int
    quote: str
    strength: int

    def candidate(self, item_id: str, **how) -> _Candidate:
        """Its candidate answer for `item_id`, with `how` it was given (`_Candidate`'s
        fields how, unsure and by_place)."""
        return _Candidate(self.texts[item_id], self.line, self.quote, self.strength, **how)

    def key(self) -> tuple[tuple[str, str], ...]:
        """The same for two sightings of one piece: each item that reads it, with its text
        as written without spaces."""
        return tuple(sorted((item_id, _written(text)) for item_id, text in self.texts.items()))


@dataclass(frozen=True)
class _Offers:
    """What `_offer` gives a part's pieces of maths to, and fills: the items offered them,
    each item's candidate answers, the steps several items read, and the definitions of
    the items' names (`_read_part`'s)."""

    items: Sequence[TranscriptItem]
    found: dict[str, list[_Candidate]]
    shared: list[_Shared]
    definitions: dict[str, list[tuple[int, str, str]]]


@dataclass
class _Part:
    key: str
    lines: list[tuple[int, str]] = field(default_factory=list)
    # The lines after a return to the part (`back to part (b): …` in part (c)), each with
    # the note its answers there carry
    returned: dict[int, str] = field(default_factory=dict)


def read_transcript(
    text: str,
    source: str,
    student: str,
    question: str,
    parts: Mapping[str, Sequence[TranscriptItem]],
    first_line: int = 1,
) -> Submission:
    """The answers a transcript gives the items of `parts` (part key → its items)."""
    if not text.strip():
        return _empty(source, student, question, parts, first_line)
    lines = [
        (number, CROSSED.sub(" ", line))
        for number, line in enumerate(text.splitlines(), start=first_line)
    ]
    sections, before, doubts = _cut_into_parts(lines, parts)
    answers: dict[str, SubmittedAnswer] = {}
    unassigned: list[tuple[int, str]] = []
    # Text no item took, in any part (or, with no marker, all of it): it may hold the answers
    # of a part whose marker was not read (`Part (b)` in a class's own style).
    unplaced: list[tuple[int, str]] = []
    untaken: set[int] = set()  # the lines with text no item took (not an explanation's prose)
    if not sections and any(words.strip() for _, words in before):
        first = next(number for number, words in before if words.strip())
        unassigned.append((first, "no part marker such as (a) was found, so nothing was read"))
        unplaced = [(number, words) for number, words in before if words.strip()]
    for section in sections:
        items = parts[section.key]
        found, prose, leftovers, definitions, denied = _read_part(section, items)
        prose_item = next((item for item in items if item.keeps_prose), None)
        if prose_item is not None and prose:
            answers[f"{section.key}.{prose_item.key}"] = _prose_answer(prose)
            leftovers = [
                note for note in leftovers if note[1].lstrip().startswith("$$") or note[0] in denied
            ]
        unplaced += leftovers  # an explanation's prose is taken, not text no item took
        untaken.update(line for line, _ in leftovers)
        shown = False  # whether an item shows the part's leftovers, as its unread answer
        for item in items:
            if item.keeps_prose:
                continue
            defined = definitions.get(item.id, [])
            if found.get(item.id):
                answer = _maths_answer(
                    _with_definitions(_without_names_in_prose(found[item.id]), defined, item.uses)
                )
                answers[f"{section.key}.{item.key}"] = _retracted(answer, section, denied)
            elif leftovers or defined:
                # The student wrote something in this part and nothing of it reads as this
                # item's answer: a person reads it, never "missing".
                unread = sorted([*leftovers, *((line, text) for line, text, _ in defined)])
                answers[f"{section.key}.{item.key}"] = _unread_answer(
                    unread, section.key, item.reading_error
                )
                shown = True
        if shown:
            continue  # the item going to a person shows the text: it is said once
        explained = {line for line, _ in prose} if prose_item is not None else set()
        for line, words in leftovers:
            if line in explained:
                continue  # denied maths in the explanation's prose: the explanation took it
            unassigned.append(
                (line, f"text in part {section.key!r} that no item took: {_quote(words)!r}")
            )
    if unplaced:
        # A part with no answer at all, in a script with text no item took that names it
        # (`Part (b)`, `Section B` or `b -` in a style not read as a marker) or with no
        # marker read at all: the text may be its answer; a person reads it, never "missing".
        unplaced.sort(key=lambda note: note[0])
        for key, items in parts.items():
            ids = [f"{key}.{item.key}" for item in items]
            named = not sections or any(_names_part(key, words) for _, words in unplaced)
            if named and not any(answer_id in answers for answer_id in ids):
                for answer_id in ids:
                    answers[answer_id] = _unread_answer(unplaced, key, lambda text: None, True)
    for section in sections:
        for item in parts[section.key]:
            answer = answers.get(f"{section.key}.{item.key}")
            if answer is not None and answer.line in section.returned:
                note = section.returned[answer.line]
                answers[f"{section.key}.{item.key}"] = replace(
                    answer, reading_notes=(*answer.reading_notes, note)
                )
    readings: dict[tuple[int, str], tuple[dict[str, list[_Candidate]], bool]] = {}
    for key, items in parts.items():
        # An item with no answer, in a part that a doubtful line named or ended early (`a. …`
        # inside part (e), `c: $C$ input channels`, `back to part (b): …`), where the line
        # could have been its answer: a person reads the line, never "missing".
        named = [doubt for doubt in doubts if doubt.key == key]
        for item in items if named else ():
            if f"{key}.{item.key}" in answers:
                continue
            shown = [
                doubt for doubt in named if _could_answer(doubt, item, items, untaken, readings)
            ]
            if shown:
                answers[f"{key}.{item.key}"] = _doubted_answer(shown, key)
    unassigned.sort(key=lambda note: note[0])
    return Submission(student, question, source, answers, tuple(unassigned))


_RETRACTION_SHOWN = 200  # characters of a line that retracts an answer, quoted


def _retracted(
    answer: SubmittedAnswer, section: _Part, denied: dict[int, set[str]]
) -> SubmittedAnswer:
    """`answer`, with the first line of `section` whose words deny it (`On reflection my
    formula $Y = XW$ is wrong …`, `denied`: line → the maths it denies) as `retracted`."""
    written = _written(answer.text or "")
    line = next((n for n, maths in sorted(denied.items()) if written in maths), None)
    if line is None:
        return answer
    words = " ".join(next(words for number, words in section.lines if number == line).split())
    shown = words if len(words) <= _RETRACTION_SHOWN else words[: _RETRACTION_SHOWN - 1] + "…"
    return replace(answer, retracted=(line, shown))


def _could_answer(
    doubt: _Doubt,
    item: TranscriptItem,
    items: Sequence[TranscriptItem],
    untaken: set[int],
    readings: dict[tuple[int, str], tuple[dict[str, list[_Candidate]], bool]],
) -> bool:
    """Whether the line of `doubt` could have been the answer of `item`, of the part it
    names (`items`): a line that names the part in words may say any of its answers in
    words (`…; (d) is the same without the bias`); a marker that may have ended the part
    early could have been wrong only where its line has text no item took (a person may
    read it as anything) or, read as that part's text, gives the item an answer (maths of
    its kind, or prose for an explanation): `b: $$y_{i,j,k} = …$$` after part a is no count
    of part a's. `readings` keeps each line's reading as a part's text, read once."""
    if doubt.how == "names" or doubt.line in untaken:
        return True
    reading = readings.get((doubt.line, doubt.key))
    if reading is None:
        found, prose, *_ = _read_part(_Part(doubt.key, [(doubt.line, doubt.text)]), items)
        worded = any(_WORD.search(_outside_maths(words)) for _, words in prose)
        reading = readings[doubt.line, doubt.key] = (found, worded)
    found, worded = reading
    return bool(found.get(item.id)) or (item.keeps_prose and worded)


def _doubted_answer(doubts: list[_Doubt], part: str) -> SubmittedAnswer:
    """No answer to an item of `part`, whose lines `doubts` name it or may have ended it
    early: the item goes to a person, shown those lines."""
    unread = sorted({(doubt.line, doubt.text) for doubt in doubts})
    text = _numbered(unread)
    lines = ", ".join(str(line) for line, _ in unread)
    how = {doubt.how for doubt in doubts}
    why = " and ".join(
        reason
        for kind, reason in (
            ("names", f"names part {part} where it was not read as that part's start"),
            ("moved", f"was read as the start of another part, ending part {part} there"),
        )
        if kind in how
    )
    return SubmittedAnswer(
        text,
        unread[0][0],
        found=f"from line {unread[0][0]}: {_quote(unread[0][1])}",
        unread=f"No answer to this item was found in part {part}, and your script "
        f"(line{'s' if len(unread) > 1 else ''} {lines}, shown as your answer) {why}: "
        "its answer may be there; an instructor will read it.",
    )


def _empty(
    source: str,
    student: str,
    question: str,
    parts: Mapping[str, Sequence[TranscriptItem]],
    first_line: int,
) -> Submission:
    """A script with nothing in it (after its front matter, from `first_line`): a failed
    upload or the wrong file as likely as a blank script, so every item goes to a person,
    saying so, and the script's warning says it too; never a silent 0."""
    empty = "the file is empty" if first_line <= 1 else "the file is empty after its front matter"
    answer = SubmittedAnswer(
        "",
        first_line,
        unread=f"No answer was read: {empty} (a blank script, a failed upload or the wrong "
        "file); an instructor will check it.",
    )
    answers = {f"{key}.{item.key}": answer for key, items in parts.items() for item in items}
    note = f"{empty}: nothing was graded, and every item goes to an instructor"
    return Submission(student, question, source, answers, ((first_line, note),))


def _cut_into_parts(
    lines: list[tuple[int, str]], parts: Mapping[str, Sequence[TranscriptItem]]
) -> tuple[list[_Part], list[tuple[int, str]], list[_Doubt]]:
    """The lines of each part, from its marker to the next; the lines before the first; and
    the lines whose marker was doubtful (`_Doubt`), taken or not."""
    keys = {key.casefold(): key for key in parts}
    order = list(keys)
    # Where each part's strong markers are (`(c)`, `Part (c):`, `Q4(c)` at a line's start):
    # a weaker sign of that part before one of them is no marker (`c: $C$ input channels`).
    last_strong: dict[str, int] = {}  # each letter → the index of its last strong marker
    for index, (_, line) in enumerate(lines):
        found = _marker_of(line)
        if found is not None and found[2]:
            last_strong[found[1]] = index
    sections: dict[str, _Part] = {}
    doubts: list[_Doubt] = []
    current: _Part | None = None
    before: list[tuple[int, str]] = []
    returning: str | None = None  # the note on the lines after a return to a part
    for index, (number, line) in enumerate(lines):

        def strong_later(letter: str, index: int = index) -> bool:
            return last_strong.get(letter, -1) > index

        display, head = _after_display(line)
        marker, letter = None, None
        found = _marker_of(line)
        if found is not None and found[1] in keys:
            marker, letter, is_strong = found
            key = keys[letter]
            if current is not None and key != current.key and key in sections and not is_strong:
                # a part begun before: `a. …`, `b. …` as a list inside part (e) is the
                # current part's text (`(b)` again reopens part (b), whose items see each of
                # their answers: a person decides between two)
                doubts.append(_Doubt(number, line, keys[letter], "names"))
                marker, letter = None, None
        elif (
            not display
            and (weak := _WEAK_MARKER.match(head)) is not None
            and keys.get(weak.group("letter")) is not None
        ):
            letter = weak.group("letter")
            if (
                keys[letter] in sections
                or strong_later(letter)
                or _defines_a_name(head[weak.end() :])
            ):
                # `c: $C$ input channels` in part (b), with `(c)` later: a name of the maths
                if current is not None:
                    doubts.append(_Doubt(number, line, keys[letter], "names"))
                letter = None
            else:
                marker = weak
                if current is not None:
                    doubts.append(_Doubt(number, line, current.key, "moved"))
        if (
            letter is None
            and current is not None
            and (back := _RETURN.match(line)) is not None
            and keys.get(back.group("letter").lower(), current.key) != current.key
        ):
            # `back to part (b): parameters $9CD + D$` in part (c): the student says where
            # the answer goes; it is read there, saying so
            marker, letter, head, display = back, back.group("letter").lower(), line, None
            returning = (
                f'read "{back.group().strip()}" on line {number} as a return to part '
                f"{keys[letter]}: what follows it is part {keys[letter]}'s answer"
            )
        elif letter is not None:
            returning = None
        if letter is not None and marker is not None:
            key = keys[letter]
            current = sections.setdefault(key, _Part(key))
            rest = _SPACING.sub("", head[marker.end() :])
            if display:
                rest = display.group(1) + " " + rest  # `$$(c) y = …$$`: the block stays maths
        elif current is None:
            before.append((number, line))
            continue
        else:
            rest = line
            # `for part (b) the count is …` in part (c): not read as a marker, but if part
            # (b) has an item with no answer, a person reads this line
            for mention in _REFERENCE.finditer(_outside_maths(line)):
                named = keys.get((mention.group("letter") or mention.group("bare")).lower())
                if named is not None and named != current.key:
                    doubts.append(_Doubt(number, line, named, "names"))
        # `(d) $s_i(1-s_i)$ and (e) $-s_is_j$`: the line is cut at the second marker
        while (
            within := _marker_within(rest, keys, order, current.key, sections, strong_later)
        ) is not None:
            head = rest[: within.start("letter") - 1].rstrip(" \t,;.")
            if head[-4:].casefold() == " and":  # the word joining the two answers
                head = head[:-4].rstrip(" \t,;.")
            current.lines.append((number, head))
            doubts.append(_Doubt(number, line, current.key, "moved"))
            returning = None
            key = keys[within.group("letter").casefold()]
            current = sections.setdefault(key, _Part(key))
            rest = _SPACING.sub("", rest[within.end() :].lstrip(" \t:"))
        maths = _maths_pieces(rest) if "(" in rest else []
        starts = [piece.start for piece in maths]
        for within in _MARKER_WITHIN.finditer(rest):
            # `…; (d) is the same without the bias`: not read as part (d)'s marker, but if
            # part (d) has an item with no answer, a person reads this line
            named = keys.get(within.group("letter").casefold())
            inside = _in_maths(maths, starts, within.start("letter"))
            if named is not None and named != current.key and not inside:
                doubts.append(_Doubt(number, line, named, "names"))
        current.lines.append((number, rest))
        if returning is not None:
            current.returned[number] = returning
    return list(sections.values()), before, doubts


# A return to a part in words, at the start of a line: `back to part (b):`, `Returning to b:`.
_RETURN = re.compile(
    r"^\s*(?:(?:going\s+)?back|return(?:ing)?)\s+to\s+(?:part\s*)?"
    r"\(?\s*(?P<letter>[A-Za-z])\s*\)?\s*:[ \t]*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Doubt:
    """A line whose sign of a part was doubtful: `names` part `key` where it was not read as
    its marker (`a. …` inside part (e), `Part (b) shares weights`), or was read as a marker
    that ended part `key` early (`moved`: `c: …`, a marker in the middle of a line). An item
    of `key` with no answer goes to a person, shown the line."""

    line: int
    text: str
    key: str
    how: str  # "names" or "moved"


def _after_display(line: str) -> tuple[re.Match[str] | None, str]:
    """The opener of a display block starting `line` (`$$`, `\\[`), and the rest of it."""
    display = re.match(r"^\s*(\$\$|\\\[)\s*", line)
    return display, line[display.end() :] if display else line


def _marker_of(line: str) -> tuple[re.Match[str], str, bool] | None:
    """The part marker at the start of `line` (after a display block's opener), its letter
    in lower case, and whether it is strong: `(b)`, `Part (b)` or a letter after a question
    number, a heading or bold (`Q4 b)`, `### b.`); a bare `b.` or `b)` may be a list's item.
    None when there is none, or when `Part (b)` is followed by the words of a sentence
    (`Part (b) shares weights, …`): a reference to the part, not its marker."""
    marker = _MARKER.match(head := _after_display(line)[1])
    if marker is None:
        return None
    group = next(name for name in ("paren", "part", "bare") if marker.group(name))
    letter = marker.group(group).lower()
    if group == "bare" and _ABBREVIATION.match(head, marker.end("bare")):
        return None  # `e. g. …`, `i. e. …`, `a. k. a. …`: an abbreviation, not part (e)
    opening = head[marker.start() : marker.start(group)]
    if group == "bare" and _NUMBERED.search(opening):
        return None  # `1. a) …`: a numbered list, not question 1's part (a)
    set_off = re.search(r"\d|#|\*\*|__|\\", opening) is not None  # a number, heading, bold
    if (
        marker.group("part")
        and not set_off
        and not marker.group().rstrip().endswith((":", "."))
        and re.match(r"[A-Za-z]", head[marker.end() :])
    ):
        return None
    return marker, letter, set_off or not marker.group("bare")


# A number and a `.`, `:` or `,` before a part's letter (`Q1. (a)`, `4. (a)`): the
# question's number only before `(a)` or `part a`.
_NUMBERED = re.compile(r"\d\s*[.:,]")
# After a bare letter and a dot, another letter and a dot: the two are an abbreviation
# (`e. g.`, `i. e.`, `a. k. a.`), not a part's marker and its answer.
_ABBREVIATION = re.compile(r"\s*\.\s*[A-Za-z]\.(?!\w)")
# A part named in words (`back to part (b): …`, `as part b does`), outside maths.
_REFERENCE = re.compile(r"\bpart\s*(?:\(\s*(?P<letter>[A-Za-z])\s*\)|(?P<bare>[A-Za-z])\b)", re.I)


def _outside_maths(line: str) -> str:
    """`line` with its maths blanked."""
    for piece in reversed(_maths_pieces(line)):
        line = line[: piece.start] + " " * (piece.end - piece.start) + line[piece.end :]
    return line


def _in_maths(pieces: list[_Maths], starts: list[int], position: int) -> bool:
    """Whether `position` is inside one of `pieces` (in order, as `_maths_pieces` gives
    them, `starts` their starts), found by bisection: a line of many markers is read in
    work that grows with its length times its log."""
    before = bisect.bisect_right(starts, position - 1) - 1
    return before >= 0 and position < pieces[before].end


def _defines_a_name(after: str) -> bool:
    """Whether the text after `c:` is one name in maths followed by words (`$C$ input
    channels`): the line defines the name, it is not part c's answer."""
    pieces = _maths_pieces(after)
    if not pieces or after[: pieces[0].start].strip():
        return False
    name = _LONE_NAME.fullmatch(pieces[0].body.strip()) is not None
    return name and re.search(r"[A-Za-z]{2}", after[pieces[0].end :]) is not None


def _names_part(key: str, words: str) -> bool:
    """Whether `words` name part `key` outside their maths: its letter standing alone, as a
    marker not read as one writes it (`Part (b)`, `Section B`, `Q4b`, `b -`)."""
    words = _outside_maths(words)
    letter = re.escape(key)
    return re.search(rf"(?<![A-Za-z_\\']){letter}(?![A-Za-z0-9_^{{'’])", words, re.I) is not None


def _marker_within(
    line: str,
    keys: Mapping[str, str],
    order: list[str],
    part: str,
    begun: Mapping[str, _Part],
    strong_later: Callable[[str], bool],
) -> re.Match[str] | None:
    """The first marker in the middle of `line` (`… and (e) $-s_is_j$`) of a part of the
    rubric after `part` that has not begun, outside maths, with maths (or a label and maths)
    right after it and no strong marker of its part later in the script; None when there is
    none. `; (d) is the same without the bias` names part (d), it does not answer it."""
    maths = _maths_pieces(line) if "(" in line else []
    starts = [piece.start for piece in maths]
    for within in _MARKER_WITHIN.finditer(line):
        letter = within.group("letter").casefold()
        if (
            letter in keys
            and keys[letter] not in begun
            and order.index(letter) > order.index(part.casefold())
            and not _in_maths(maths, starts, within.start("letter"))
            and _ANSWER_AFTER.match(line, within.end()) is not None
            and not strong_later(letter)
        ):
            return within
    return None


# What follows a marker in the middle of a line that answers its part: maths, or a label
# (words and a colon, a count's word, "is" or "=") and maths: `(e) $-s_is_j$`,
# `(e) Jacobian: $…$`, `(e) is $-s_is_j$`.
_ANSWER_AFTER = re.compile(
    r"[ \t:]*(?:[A-Za-z]+(?:[ \t]+[A-Za-z]+){0,2}[ \t]*:[ \t]*"
    r"|(?:param\w*|total|count|is|=)[ \t]+)?(?:\$|\\[\[(]|$)",
    re.IGNORECASE,
)


def _read_part(
    section: _Part, items: Sequence[TranscriptItem]
) -> tuple[
    dict[str, list[_Candidate]],
    list[tuple[int, str]],
    list[tuple[int, str]],
    dict[str, list[tuple[int, str, str]]],
    dict[int, set[str]],
]:
    """Each item's candidate answers; the part's prose lines (as written, inline maths kept);
    what no item took (prose beside nothing taken, displayed maths no item took); the
    definitions of each item's names (line, text, quote); and the lines whose maths their
    words deny or change (`changed_by_words`), which are no prose, each with that maths as
    written (`_written`)."""
    text = "\n".join(words for _, words in section.lines)
    line_of = []  # the line number of each character of `text`
    for number, words in section.lines:
        line_of.extend([number] * (len(words) + 1))
    masked = list(text)  # `text` with its maths blanked out: what is left is prose
    found: dict[str, list[_Candidate]] = {}
    shared: list[_Shared] = []  # maths that several items read, no word saying whose
    definitions: dict[str, list[tuple[int, str, str]]] = {}
    taken_lines: set[int] = set()
    leftovers: list[tuple[int, str]] = []
    questions = {n for n, words in section.lines if _is_question(words)}
    pieces = _joined_by_plus(text, _maths_pieces(text))
    and_joined = _and_joined(text, pieces)
    roles = _roles(text, pieces)
    offers = _Offers(items, found, shared, definitions)
    untaken: set[int] = set()  # lines with inline maths that no item took
    denied: set[int] = set()  # lines with maths their words deny or change ("not $CD + D$")
    denied_maths: dict[int, set[str]] = {}  # each such line → that maths, as written
    took_on_line: dict[int, set[str]] = {}  # each line → the items that took maths on it
    for index, piece in enumerate(pieces):
        for position in range(piece.start, piece.end):
            if masked[position] != "\n":
                masked[position] = " "
        body = piece.body
        line = line_of[piece.start]
        if line in questions or _PICTURE.search(body):
            continue
        beside = _beside(text, pieces, index)
        role = roles.get(index, _Role())
        if changed_by_words("" if role.corrects else beside.line_before, beside.line_after):
            # its words deny it or make it part of other maths: for a person, and its line
            # is maths, never an explanation's prose ("not $CD + D$")
            denied.add(line)
            denied_maths.setdefault(line, set()).add(_written(body))
            continue
        if beside.joined or index in and_joined or role.skip:
            # a correction struck it, or it is one case of several: for a person
            continue
        if _PLUS_AFTER.search(beside.after) and not beside.after.lstrip().startswith(("(", "[")):
            # "$CD$ weights plus half of $D$": a sum not read as one, for a person (a remark
            # in brackets, "(weights plus biases)", only says what the maths counts)
            continue
        # Maths alone on its line under the marker of a part of one item is that item's
        # answer, whatever its letters (`(c) $N^2$`, `(b) $d$`): words need not say so.
        alone = len(items) == 1 and _alone_on_line(text, piece.start, piece.end)
        before = beside.before
        if role.leading is not None:
            # "parameters $3 \times 3 \times C$, hence $9CD + D$": the conclusion is the
            # line's answer, with the words that start the line
            before = f"{role.leading.strip()} {before}"
            alone = alone or not beside.line_after.strip(" \t.")
        had = {item_id: len(candidates) for item_id, candidates in found.items()}
        offered = _offer(
            body,
            line,
            before,
            beside.after,
            piece.displayed,
            offers,
            beside.describes,
            alone=alone,
            notes=piece.notes + ((role.note,) if role.note else ()),
            labelled=piece.labelled,
            strength=-4 if role.working else 0,
            equates=role.equates,
        )
        earlier = took_on_line.setdefault(line, set())
        for item_id, candidates in found.items():
            for candidate in candidates[had.get(item_id, 0) :]:
                if role.note and earlier - {item_id}:
                    # `$y_{i,j,k} = … + b_k$ → $CD + D$`: the maths before it is another
                    # item's answer, no working of this one's (as in one piece: `_offer`)
                    candidate.notes = tuple(note for note in candidate.notes if note != role.note)
        earlier.update(item_id for item_id in found if len(found[item_id]) > had.get(item_id, 0))
        if offered:
            taken_lines.add(line)
        elif piece.displayed:
            leftovers.append((line, text[piece.start : piece.end]))
        else:
            untaken.add(line)  # said below when nothing else of its line is read or said
    prose: list[tuple[int, str]] = []
    denied_prose: list[tuple[int, str]] = []  # lines of prose whose maths their words deny
    for (number, words), plain in zip(section.lines, "".join(masked).split("\n"), strict=True):
        if not plain.strip() or number in questions:
            continue
        if number in denied:
            denied_prose.append((number, words))
        elif "$" not in words and _offer_line(plain, number, items, offers):
            taken_lines.add(number)
        else:
            prose.append((number, words))
    leftovers += [(n, w) for n, w in prose if n not in taken_lines]
    # A line of inline maths alone that no item took is said too, never dropped silently.
    prose_lines = {n for n, _ in prose}
    leftovers += [
        (n, w)
        for n, w in section.lines
        if (n in untaken or n in denied)
        and n not in taken_lines
        and n not in prose_lines
        and n not in questions
    ]
    leftovers.sort(key=lambda note: note[0])
    if any(item.keeps_prose for item in items):
        prose = sorted(prose + _explaining(denied_prose, prose, denied_maths, found))
    _place_shared(shared, found, items, section.key)
    return found, prose, leftovers, definitions, denied_maths


@dataclass(frozen=True)
class _Beside:
    """The words beside a piece of maths on its line (`_beside`)."""

    line_before: str  # from the line's start, or the piece before on the line, to the piece
    before: str  # the clause of `line_before` next to the piece
    line_after: str  # from the piece to the line's end, or the next piece on the line
    after: str  # the clause of `line_after` next to the piece
    # maths describing the maths just before it on its line (a matrix's shape), not a count:
    # "$W_Q$ is $E \times K$", "$W_O$ ($K \times E$)"
    describes: bool
    joined: bool  # `joining` words tie it to its neighbour on the line: one case of several


def _beside(text: str, pieces: Sequence[_Maths], index: int) -> _Beside:
    """The words beside `pieces[index]` on its line, up to the next piece of maths or the end
    of the clause on either side: in "weights $9CD$, biases $D$" the words of $D$ are
    "biases". Each piece's words are looked for only between it and its neighbours, so a line
    of many pieces is read in work that grows with its length, not its square."""
    piece = pieces[index]
    previous = pieces[index - 1].end if index else 0
    start = text.rfind("\n", previous, piece.start) + 1 or previous
    line_before = text[start : piece.start]
    follows = start == previous and index > 0  # the piece before ends on this line
    following = pieces[index + 1].start if index + 1 < len(pieces) else len(text)
    end = text.find("\n", piece.end, following)
    line_after = text[piece.end : end if end >= 0 else following]
    return _Beside(
        line_before=line_before,
        before=_CLAUSE_BEFORE.split(line_before)[-1],
        line_after=line_after,
        after=_CLAUSE_AFTER.split(line_after)[0],
        describes=follows and _DESCRIBES.fullmatch(line_before) is not None,
        joined=(follows and joining(text, previous, piece.start) is not None)
        or (index + 1 < len(pieces) and joining(text, piece.end, following) is not None),
    )


def _and_joined(text: str, pieces: Sequence[_Maths]) -> set[int]:
    """The pieces that only "and" or "or" joins to a neighbour ("$CD$ and $D$", "$CD$ or $D$"):
    neither is taken alone."""
    joined: set[int] = set()
    for index in range(1, len(pieces)):
        following = pieces[index + 1].start if index + 1 < len(pieces) else len(text)
        after = text[pieces[index].end : following].split("\n", 1)[0]
        end, start = pieces[index - 1].end, pieces[index].start
        if joined_by_and(text, end, start, after) or _OR_JOINED.fullmatch(text, end, start):
            joined |= {index - 1, index}
    return joined


def _offer_line(plain: str, number: int, items: Sequence[TranscriptItem], offers: _Offers) -> bool:
    """Offer a line written without `$` (its displayed maths blanked out) to the items: maths
    alone on it, maths among words, a count among words, maths after an arrow; whether an
    item took it (otherwise it is prose)."""
    bare = _bare_maths(plain)
    if bare is not None and _offer(
        bare[1],
        number,
        bare[0],
        "",
        True,
        offers,
        bare=True,
        alone=len(items) == 1 and not bare[0].strip(),
    ):
        return True  # a line that is maths alone, such as 9CD + D
    among = maths_among_words(plain)
    # `3 × (E·K + K) parameters ⇒ 3EK + 3K`: read step by step first (`AmongWords.stepped`)
    stepped = among is not None and among.stepped
    if among is not None and not stepped and _offer_among(among, number, offers):
        return True  # maths and words: `σ(1-σ) where σ is the sigmoid`, `I think it is σ(1-σ)`
    counts = [item for item in items if item.counts]
    if counts and _offer(
        plain.strip(), number, "", "", True, replace(offers, items=counts), bare=True
    ):
        # `The answer is 9CD + D parameters.`: a count among words its check sets aside
        # (`reads_with_words`), read as `grader check` reads it
        return True
    # `QK^T is N × N ⇒ N^2`: no step read, the answer after the arrow is
    return stepped and _offer_among(among, number, offers)


def _explaining(
    denied_prose: list[tuple[int, str]],
    prose: list[tuple[int, str]],
    denied_maths: Mapping[int, set[str]],
    found: Mapping[str, list[_Candidate]],
) -> list[tuple[int, str]]:
    """The lines of prose denying their maths that are an explanation still, as a marker
    reads it: the part's only prose ("Not $CD + D$, since there is no bias.") or a sentence of
    its own beside other prose ("This is not $Y = XW + b$ because a 1x1 convolution shares
    its weights …"; not a bare "not $Y = XW + b$"). Each line stays a leftover too, for a
    person to see its maths where no item answers it. Not one whose maths is an answer an
    item took where other sentences explain: it retracts that answer (`On reflection my
    formula $Y = XW$ is wrong …`), a line of its own, for a person (`_retracted`)."""
    taken = {_written(c.text) for candidates in found.values() for c in candidates}
    explained = any(_is_sentence(words) for _, words in prose)
    return [
        (n, w)
        for n, w in denied_prose
        if (not prose or _is_sentence(w)) and not (explained and denied_maths[n] & taken)
    ]


def _offer_among(
    among: AmongWords,
    line: int,
    offers: _Offers,
) -> bool:
    """Offer the maths of a line among words (`maths_among_words`) to the items, with the
    notes saying what was set aside; whether any took it: none where its working has more
    steps than are checked (`MOST_ANSWERS`), a line for a person."""
    if chain_too_long(f"{among.working} {among.concludes}"):
        return False
    return _offer(
        among.maths,
        line,
        among.words,
        "",
        True,
        offers,
        bare=True,
        notes=among.notes,
        # `N × N → N^2`: the conclusion is the line's answer, as `$N^2$` after one is
        alone=bool(among.working) and not among.after,
        equates=_working_steps(among),
    )


def _bare_maths(line: str) -> tuple[str, str] | None:
    """A line of maths written without `$`: maths alone (`9CD + D`), or words and maths
    (`Parameters: 9CD + D`, `参数量 = 9CD+D`), as (words, maths); None for prose, such as
    "Y = XW is a position-wise linear layer", which is an explanation, not a formula."""
    line = line.strip().lstrip(_CIRCLED).strip()
    cut = next((i for i, c in enumerate(line) if c in ":：="), -1)
    if cut > 0 and _is_label(line[:cut]) and _is_maths_alone(line[cut + 1 :]):
        return line[:cut], line[cut + 1 :].strip()
    return ("", line) if line and _is_maths_alone(line) else None


# A word of prose in a line of maths: not a LaTeX command, an index, a function's name (one
# followed by its bracket) or a name of maths.
_PROSE_WORD = re.compile(r"(?<![\\A-Za-z_^{])[A-Za-z][a-z]+(?![A-Za-z(_^{])")
_GREEK_WORDS = {
    "alpha", "beta", "gamma", "delta", "epsilon", "theta", "lambda", "mu", "pi", "sigma",
    "tau", "phi", "psi", "omega",
}  # fmt: skip
_NAMES_OF_MATHS = frozenset(_MATHS_WORDS | _GREEK_WORDS)  # made once, not for each word


# Words that begin what qualifies the maths before them, rather than a sentence about it
# ("Y = XW is a position-wise linear layer" is an explanation, not an answer and its aside).
_QUALIFIES = re.compile(
    r"(?:where|since|with|for|because|as|which|when|whenever|if|using|by|here|and|or)$",
    re.IGNORECASE,
)


# Words after an answer that only say how sure the student is ("σ - σ² I believe").
_HEDGE = re.compile(
    r"(?:i|we)\s+(?:believe|think|guess|suppose|reckon|hope)\b"
    r"|(?:but\s+)?(?:i['’]m\s+)?not\s+(?:sure|certain)\b|probably|maybe|perhaps|hopefully",
    re.IGNORECASE,
)
# What between two words of prose is no maths: spaces, punctuation, the ends of "it's",
# "I'm", "don't", and "I" and "a" written alone.
_PUNCTUATION = r"\s|[,;:.!?\"“”]|['’](?:s|m|d|t|ve|ll|re)\b"
_NO_MATHS = re.compile(rf"(?:{_PUNCTUATION}|(?<!\S)[IAa](?![^\s,;:.!?'’]))*")
_PUNCTUATION_RUN = re.compile(f"(?:{_PUNCTUATION})*")
# "I" or "i" written alone at the end of the maths, before the words after it ("σ - σ² I
# believe"), unless an operator before it makes it the maths' own (`X + I`).
_PRONOUN_AFTER = re.compile(r"(?<=[^\s+\-*/=^_(·×−])\s+[Ii]\s*$")


@dataclass(frozen=True)
class AmongWords:
    """A line of maths written among words without `$`: the maths, the label before it that
    names it (`Derivative of σ:`), and the words before and after it, set aside to read it."""

    maths: str
    label: str = ""
    before: str = ""
    after: str = ""
    # Maths before a conclusion that the answer follows (`N × N → N^2`): working, and the
    # word or arrow of the conclusion
    working: str = ""
    concludes: str = ""

    @property
    def stepped(self) -> bool:
        """Whether the conclusion is an arrow that also splits maths into steps (`⇒`, `=>`):
        a transcript reads such a line step by step first, each step a count reads with its
        words (`3 × (E·K + K) parameters ⇒ 3EK + 3K`) checked, and so only where none is."""
        return bool(self.working) and _STEP.fullmatch(self.concludes) is not None

    @property
    def words(self) -> str:
        """The words before the maths, as they weigh it (a count's "parameters")."""
        return f"{self.label} {self.before}".strip()

    @property
    def notes(self) -> tuple[str, ...]:
        """What was set aside to read it, as the answer says."""
        concluded = (
            (_concluded_note(self.maths, self.concludes, self.working),) if self.working else ()
        )
        return concluded + tuple(
            f'set aside "{words}", words {where} the answer'
            for words, where in ((self.before, "before"), (self.after, "after"))
            if words
        )


# Asked twice of most answers given alone: by `has_working` as its file is read, then by
# `answer_among_words` as it is planned, ten answers of a file apart at most (on the
# all-distinct class of 1000, 9,000 of its 18,000 calls): bounded, its readings immutable.
@lru_cache(maxsize=64)
def maths_among_words(line: str) -> AmongWords | None:
    """A line of maths among words, as a marker reads it: maths that words qualifying it
    follow (`σ(x)(1-σ(x)) where σ is the sigmoid`, `Derivative of σ: σ(1-σ) since σ is the
    sigmoid.`), or words, then the one piece of maths of the line, then at most words that
    qualify it or say how sure the student is (`I think the answer is σ(x)(1-σ(x))`, `it is
    σ - σ² I believe`). None for a sentence of its own that has maths in it (`Y = XW is a
    linear layer`, `the output y is the sum`), and for a line with two pieces of maths (`σ
    times σ`): a person reads those."""
    line = line.strip().lstrip(_CIRCLED).strip()
    label = ""
    cut = next((i for i, c in enumerate(line) if c in ":："), -1)
    if cut > 0 and _is_label(line[:cut]):
        label, line = line[:cut], line[cut + 1 :].strip()
    if _ROUNDING.search(label) and not _ROUNDED.search(line):
        return None  # "rounded up: P/2": a rounding its maths does not have, no label
    concluded = _after_conclusion(line)
    if concluded is not None:
        return replace(concluded, label=label)
    words = _prose_matches(line)
    if not words:
        # `Answer: σ(x)(1-σ(x))`: a label, then maths alone
        return AmongWords(line, label) if label and line and _is_maths_alone(line) else None
    if words[0].start() > 0 and not _NO_MATHS.fullmatch(line[: words[0].start()]):
        return _maths_before_prose(line, words[0], label)
    # Words first: the maths is the first run between two words that is not only spaces and
    # punctuation; nothing after it but words.
    ends = [match.start() for match in words[1:]] + [len(line)]
    runs = [(word.end(), end) for word, end in zip(words, ends, strict=True)]
    maths_runs = [run for run in runs if not _NO_MATHS.fullmatch(line[run[0] : run[1]])]
    if len(maths_runs) != 1:
        return None
    start, end = maths_runs[0]
    if line[start : start + 1].isalnum():
        return None  # `sech2x`, `sin2 x`: a word run into the maths is the maths's own
    start = _PUNCTUATION_RUN.match(line, start).end()  # "it's -s_i s_j": not "'s"
    maths = _PRONOUN_AFTER.sub("", line[start:end]) if end < len(line) else line[start:end]
    after = line[start + len(maths) :].strip()
    maths = maths.strip().rstrip(" ,;.").strip()
    first = re.match(r"\w+", after)
    if after and not ((first and _QUALIFIES.match(first.group())) or _HEDGE.match(after)):
        return None
    if _conditions_or_adds(after):
        return None
    if len("".join(maths.split())) < 2 or not _is_maths_alone(maths):
        return None
    if _CHANGED_BEFORE.search(line[:start]):
        return None  # "it is not σ(1-σ)", "half of NCD": not the answer as it stands
    if _ROUNDING.search(line[:start]) and not _ROUNDED.search(maths):
        return None  # "round (P/2) + 1": a rounding its maths does not have, as `_in_remark`
    return AmongWords(maths, label, line[:start].strip(), after)


def _after_conclusion(line: str) -> AmongWords | None:
    """A line of working, a conclusion and the answer (`N × N → N^2`, `N x N, so N^2
    entries`, `QK^T is N × N → N^2`): the answer after the last conclusion (`_CONCLUDING`:
    an arrow, "so", "hence", ...), the maths and words before it working, said in a note, as
    a transcript reads `$N \\times N$ → $N^2$` (`_roles`). Before it, maths, or words with
    maths among them and no case (`if`, `otherwise`: `_CASES`); after it, maths, with at most
    words that follow it (`entries`, weighed by the item's check). None otherwise, and for the
    arrows that split maths alone into steps of working (`_STEP`: ⇒, =>, ∴), read so; after
    words (`QK^T is N × N ⇒ N^2`) they conclude as "→" does (`AmongWords.stepped`)."""
    conclusion = next(reversed(list(_CONCLUDES_WITHIN.finditer(line))), None)
    if conclusion is None:
        return None
    working = line[: conclusion.start()].strip().rstrip(" ,;").strip()
    answer = line[conclusion.end() :].strip().rstrip(" ,;.").strip()
    if not working or not answer:
        return None
    if _prose_matches(working):
        if not _has_maths(working) or _CASES.search(working) or not _has_maths(answer):
            return None  # `σ(x)(1-σ(x)) or so I believe`: no answer after "so"
    elif not _is_maths_alone(working) or _STEP.fullmatch(conclusion.group().strip(" \t:,")):
        return None
    read = maths_among_words(answer)
    if read is None:
        first = next(iter(_prose_matches(answer)), None)
        words_after = answer[first.start() :] if first is not None else ""
        if (first is not None and first.start() == 0) or _has_maths(words_after):
            return None  # words before the answer, or more maths among words after it
        if not _is_maths_alone(answer[: len(answer) - len(words_after)]):
            return None
        read = AmongWords(answer)
    word = conclusion.group().strip(" \t:,")
    return replace(read, working=working, concludes=word)


@lru_cache(maxsize=1024)  # a class writes the same answers often; a few, long: bounded
def answer_among_words(text: str, alone: bool = False) -> AmongWords | None:
    """One answer given alone (`grader check`), read as a line of a transcript is: maths
    among words (`σ(x)(1-σ(x)) where σ is the sigmoid`) is read as the maths, everything
    else set aside, a label too; None for maths with `$`, which is read as written, and for
    maths alone, unless `alone`: maths with one word of prose (`so σ(1-σ)`, `Answer: …`)
    is maths alone to a transcript, which tries it as written first, as `grader check` does,
    and then so."""
    if "$" in text or "\n" in text.strip() or (not alone and _is_maths_alone(text)):
        return None
    return _among_words_alone(text)


@lru_cache(maxsize=64)  # `grade.as_written` asks of most answers twice in a row, then alone
def _among_words_alone(text: str) -> AmongWords | None:
    """`answer_among_words` of an answer that may have words around its maths: its maths
    among words, with a label set aside as words before it."""
    among = maths_among_words(text)
    if among is None or not among.label:
        return among
    return replace(among, label="", before=f"{among.label}: {among.before}".strip())


def _maths_before_prose(line: str, word: re.Match, label: str) -> AmongWords | None:
    """A line of maths that words qualifying it follow, from its first word of prose `word`;
    None when that word begins a sentence of its own (`Y = XW is a linear layer`)."""
    # "σ(x)(1-σ(x)) I think": a hedge, from its pronoun
    start = word.start()
    pronoun = re.search(r"(?<!\S)(?:I|i|we|We)\s+$", line[:start])
    if pronoun is not None and _HEDGE.match(line[pronoun.start() :]):
        start = pronoun.start()
    elif (
        not _QUALIFIES.match(word.group())
        and not _HEDGE.match(line[start:])
        and not _in_remark(line, start)
    ):
        return None
    if word.group().casefold() in ("or", "and") and _has_maths(line[word.end() :]):
        return None  # `σ(1-σ) or maybe σ(1+σ)`: two answers, which a person weighs
    if _DEFINES.match(line, start):
        return None  # `X^T δ, where δ = dL/dY, δ being N x D`: the answer's own definition
    if _conditions_or_adds(line[start:]):
        return None  # `1 - tanh²(x) for x ≥ 0 and …`: not the maths alone, for a person
    maths = line[:start].rstrip(" ,;.")
    after = line[start:].strip()
    remark = _REMARK.search(maths) if _in_remark(line, start) else None
    if remark is not None:
        # `σ(x)(1-σ(x)) [by the quotient rule]`: a remark in brackets, set aside whole
        maths = maths[: remark.start()].rstrip(" ,;.")
        after = f"{remark.group(1)}{after}"
    if not maths or not _is_maths_alone(maths) or not re.search(r"[^\w\s]", maths):
        return None
    return AmongWords(maths, label, after=after)


# Words after maths that make it one case of several or a hedge between answers (`if x > 0,
# otherwise 0`, `if bias is used, otherwise 9CD`, `for x ≥ 0 and …`, `for all x`): the maths
# alone is not what the student said.
_CONDITION = re.compile(
    r"^\W*(?:if|when|whenever|unless|otherwise|else|provided|only)\b"
    r"|\b(?:otherwise|else|unless|except)\b"
    r"|\bfor\s+(?:all\s+|each\s+|every\s+|any\s+)?(?:\\[A-Za-z]+|(?![aAI]\b)[A-Za-zα-ω](?![A-Za-z]))",
    re.IGNORECASE,
)
# In the maths among words after an answer: an operator, a relation or a number, which a
# name alone (`where σ is the sigmoid`) has none of.
_MATHS_MARK = re.compile(
    r"[=<>≤≥≠+*/^²³√·×∑−\d]|\s-\s"
    r"|\\(?:geq?|leq?|neq|approx|cdot|times|frac|sqrt|pm|in)(?![A-Za-z])"
)


def _conditions_or_adds(after: str) -> bool:
    """Whether words after an answer put a condition on it or hold more maths than names:
    a second answer, a case, a value (`1 - tanh²(x) for x ≥ 0 and 1 + tanh²(x) for x < 0`,
    `if x > 0, otherwise 0`, `which for P=4, Q=3 is 1600`). Set aside, they would leave the
    first piece graded as the whole answer; the line goes to a person instead."""
    if _CONDITION.search(after):
        return True
    cuts = _prose_matches(after)
    starts = [0, *(match.end() for match in cuts)]
    ends = [*(match.start() for match in cuts), len(after)]
    return any(
        _MATHS_MARK.search(after[start:end]) for start, end in zip(starts, ends, strict=True)
    )


# Words after maths that begin with a definition of a name (`where δ = dL/dY, …`): the answer
# reads it (`grader.definitions`), so it is no words to set aside.
_DEFINES = re.compile(
    r"\s*(?:where|with|since)\s+(?:\\[A-Za-z]+|[A-Za-z]+|[α-ω])(?:_\{?[A-Za-z0-9]+\}?)?\s*=(?!=)",
    re.IGNORECASE,
)
# An opening bracket that ends the maths before words, and the bracket that closes it.
_REMARK = re.compile(r"\s([(\[])\s*$")
_REMARK_CLOSES = {"(": ")", "[": "]"}


def _in_remark(line: str, start: int) -> bool:
    """Whether the words from `start` are a remark in brackets that ends the line (`σ(x)(1-σ(x))
    (chain rule)`), whatever their first word."""
    remark = _REMARK.search(line[:start])
    return (
        remark is not None
        and line.rstrip(" .").endswith(_REMARK_CLOSES[remark.group(1)])
        and not _ALTERS.search(line[start:])
        and not (_ROUNDING.search(line[start:]) and not _ROUNDED.search(line[: remark.start()]))
    )


# Words in a remark that round the maths before it (`P/2 (rounded up)`): they change maths
# that has no floor or ceiling of its own (a person reads it), and repeat one that has
# (`⌈P/2⌉ (rounded up)`, set aside).
_ROUNDING = re.compile(
    r"\b(?:round(?:ed|ing)?|ceil(?:ing|ed)?|floor(?:ed)?|truncat\w*|integer)\b", re.IGNORECASE
)
_ROUNDED = re.compile(r"[⌈⌉⌊⌋]|\\[lr](?:ceil|floor)|\b(?:ceil|floor)\b", re.IGNORECASE)


# Words in a remark that may change the maths before it ("(times 2)", "(not this one)"), or
# maths in it: then it is no remark to set aside.
_ALTERS = re.compile(
    rf"{_DENIAL}|\b(?:instead|times|squared|cubed|plus|minus|over|divided|twice|half|double"
    r"|negative|inverse|reciprocal|transpose|sqrt|root|power)\b|[-+*/×·^=\d]",
    re.IGNORECASE,
)


def _prose_matches(text: str) -> list[re.Match[str]]:
    """The words of prose in `text`, where they are: no names of maths or Greek letters."""
    return [
        match
        for match in _PROSE_WORD.finditer(text)
        if match.group().casefold() not in _NAMES_OF_MATHS
    ]


def _has_maths(words: str) -> bool:
    """Whether `words` have maths among them: anything between their words of prose that is
    not spaces and punctuation."""
    cuts = _prose_matches(words)
    starts = [0, *(match.end() for match in cuts)]
    ends = [*(match.start() for match in cuts), len(words)]
    return any(
        not _NO_MATHS.fullmatch(words[start:end]) for start, end in zip(starts, ends, strict=True)
    )


def _without_names_in_prose(candidates: list[_Candidate]) -> list[_Candidate]:
    """An item's answers without the lone names written among words ("the derivative with
    respect to $x$ is $σ(x)(1-σ(x))$", "where $d_k$ is the key dimension"), which name
    what the sentence is about, when it has another answer: each set aside with a note.
    Where it has none, a lone name is its answer, as written."""
    kept = [candidate for candidate in candidates if not candidate.name_in_prose]
    if not kept or len(kept) == len(candidates):
        return candidates
    names: dict[tuple[str, int], None] = {}
    for candidate in candidates:
        if candidate.name_in_prose:
            names.setdefault((" ".join(candidate.text.split()), candidate.line))
    notes = tuple(
        f'set aside "{name}" on line {line}, a name in a sentence, not an answer'
        for name, line in names
    )
    return [replace(candidate, notes=(*candidate.notes, *notes)) for candidate in kept]


def _with_definitions(
    candidates: list[_Candidate],
    defined: list[tuple[int, str, str]],
    uses: Callable[[str, str], bool],
) -> list[_Candidate]:
    """An item's answers, each followed by the definitions the script gives of the names it
    uses (`σ'(x) = σ(x)(1-σ(x)), where σ = 1/(1+e^{-x})`), as a marker reads them together:
    the check sets each definition aside from the answer and holds it against the question.
    A definition of a name the answer does not use is set aside with a note."""
    if not defined:
        return candidates
    kept: dict[str, tuple[int, str, str]] = {}
    for definition in defined:
        kept.setdefault(_written(definition[1]), definition)
    read: list[_Candidate] = []
    for candidate in candidates:
        used = [d for d in kept.values() if uses(candidate.text, d[1])]
        unused = tuple(
            f'set aside "{quote}" on line {line}, a definition of a name the answer does not use'
            for line, text, quote in kept.values()
            if (line, text, quote) not in used
        )
        said = "; ".join(f"line {line}: {quote}" for line, _, quote in used)
        read.append(
            replace(
                candidate,
                text=candidate.text + "".join(f", where {text}" for _, text, _ in used),
                quote=f"{candidate.quote} (read with the definition on {said})"
                if used
                else candidate.quote,
                notes=(*candidate.notes, *unused),
            )
        )
    return read


# The most of a script's unread text an item shows (the whole is in the script).
_UNREAD_SHOWN = 2000


def _unread_answer(
    unread: list[tuple[int, str]],
    part: str,
    reading_error: Callable[[str], AnswerError | None],
    elsewhere: bool = False,
) -> SubmittedAnswer:
    """Text in a part that no item could read as its answer: the item goes to a person,
    shown the text (at most `_UNREAD_SHOWN` characters of it) and why its first lines could
    not be read as maths (the parser's reason and where). `elsewhere`: the text is not in
    the item's part, which has no answer at all (its marker may not have been read)."""
    text = _numbered(unread)
    first = unread[0][0]
    reasons = [
        reason
        for line, words in unread[:_REASONS_SHOWN]
        if (reason := _why_unread(line, words, reading_error)) is not None
    ]
    why = "".join(f" {reason}" for reason in reasons)
    return SubmittedAnswer(
        text,
        first,
        found=f"from line {first}: {_quote(unread[0][1])}",
        unread=(
            f"No answer to part {part} was found in your script, and it has text that no "
            "item took (shown as your answer), which may be that answer under a part marker "
            "that was not read; an instructor will read it."
            if elsewhere
            else f"Your script has text in part {part} that could not be read as an answer to "
            f"this item (shown as your answer); an instructor will read it.{why}"
        ),
    )


def _numbered(unread: list[tuple[int, str]]) -> str:
    """The lines `unread`, each numbered, at most `_UNREAD_SHOWN` characters of them (saying
    how many more are in the script)."""
    text = "\n".join(f"line {line}: {' '.join(words.split())}" for line, words in unread)
    if len(text) > _UNREAD_SHOWN:
        more = len(text) - _UNREAD_SHOWN
        text = f"{text[:_UNREAD_SHOWN]}… ({more} more characters, in the script)"
    return text


# The lines of unread text whose reading error is said, at most.
_REASONS_SHOWN = 3
_BEFORE_SHOWN = 15  # characters before where the parser stopped, quoted with it
_DELIMITERS = re.compile(r"\$|\\[\[\]()]")


def _why_unread(
    line: int, words: str, reading_error: Callable[[str], AnswerError | None]
) -> str | None:
    """Why a line of unread text is no answer, as the item's parser says: its reason and
    where it stopped (`Read as maths, line 3 stops at "…it is σ times σ.": unexpected
    '.'.`); None when the parser reads it. A line whose pieces of maths words join in a sum
    longer than `MOST_TERMS_JOINED` is said to be that, how long it is and the limit, and so is
    a chain of working with more steps than are checked (`MOST_ANSWERS`)."""
    if steps := chain_too_long(words):
        # a chain left unchecked (`_roles`, `_offer_among`, `_offer`): its length is why, not
        # the parser's, which may read its maths (`$N \times K$ = $N \times K$ = …`)
        return too_many_steps(f"Line {line}", steps)
    maths = _DELIMITERS.sub(lambda match: " " * len(match.group()), words)
    error = reading_error(maths)
    if error is None:
        return None
    if too_long := _sum_too_long(words):
        # what the parser says of the words ("weights" is no symbol) is not why
        return (
            f"Line {line} is a sum of {too_long} pieces of maths joined by words, too long to "
            f"read in words: at most {MOST_TERMS_JOINED} pieces are read as one sum."
        )
    # Where: up to what it stopped at, with the words just before it.
    start = max(0, error.position - _BEFORE_SHOWN)
    at = " ".join(words[start : error.position + min(error.length, _QUOTE)].split())
    at = f"…{at}" if start > 0 else at
    where = f' stops at "{at}"' if at and not isinstance(error, AnswerTooLongError) else ""
    return f"Read as maths, line {line}{where}: {error.message}."


def unread_maths(line: int, text: str, item: TranscriptItem) -> str | None:
    """Why `text`, maths with no words beside it, cannot be read as `item`'s answer, as
    `_why_unread` says it (`Read as maths, line 2 stops at "(P+1)/": …`); None where it has
    words (a label, a remark) or is read."""
    words, cjk = _prose_words(text)
    if words or cjk:
        return None
    return _why_unread(line, text, item.reading_error)


def _prose_words(text: str) -> tuple[list[str], bool]:
    """The words of `text` that are not maths (LaTeX commands, indices and the names of
    functions aside), and whether it has Chinese, Japanese or Korean characters."""
    plain = _LATEX_COMMAND.sub(" ", text)
    plain = _INDEX.sub(" ", plain)
    words = [w for w in _WORD.findall(plain) if w.casefold() not in _MATHS_WORDS]
    return words, _CJK.search(text) is not None


def _is_label(text: str) -> bool:
    words, cjk = _prose_words(text)
    return len(text) <= 80 and (cjk or bool(words))


# Words of prose that make a line whose words deny its maths a sentence of explanation
# ("This is not $Y = XW + b$ because …"), not only a denial ("not $Y = XW + b$").
_SENTENCE_WORDS = 5


def _is_sentence(line: str) -> bool:
    return len(_prose_words(_outside_maths(line))[0]) >= _SENTENCE_WORDS


def _is_maths_alone(text: str) -> bool:
    words, cjk = _prose_words(text)
    return not cjk and len(words) < 2


def _offer(
    body: str,
    line: int,
    before: str,
    after: str,
    displayed: bool,
    offers: _Offers,
    describes: bool = False,
    bare: bool = False,
    notes: tuple[str, ...] = (),
    alone: bool = False,
    strength: int = 0,
    labelled: str = "",
    equates: tuple[str, ...] = (),
) -> bool:
    """Offer a piece of maths, step by step, to the items of `offers`; whether any took a
    step; what they take goes into its `found`, `shared` and `definitions`. The
    steps one item takes (`3 \\times 3 \\times C \\times D + D \\Rightarrow 9CD + D`) are one
    candidate: the last step is the answer, and every step is kept, so that working whose
    steps disagree goes to a person. A step that several items read as their answer goes to
    the one its words name (`Off-diagonal: $-s_i s_j$`); when none is named, it is added to
    `shared`, to be placed once the whole part has been read. A step that only defines a name
    of an item (`σ = 1/(1+e^{-x})`) is added to its `definitions`, and is no answer. `notes`
    say what prose beside the maths was set aside to read it, as each answer taken does;
    `strength` is added to each candidate's (working before a conclusion is weaker).
    `labelled` is the piece as written where words joined it (`D weights plus 9CD`): a count
    that reads it with the words after it (`… biases`), as `grader check` does, is given it,
    so that its check weighs the words naming the terms; otherwise it is given the sum.
    `equates` is the maths a conclusion equates to the piece (`N × K → N^2`, each step of
    `N x K -> N x K -> N^2`): a count that reads a step checks it as a step of working
    before the piece, so that working that disagrees goes to a person."""
    boxed = _unbox(body)
    written = boxed if boxed is not None else body
    arrows = _STEP.findall(written)  # between the steps
    if _too_many_steps(len(arrows)):
        return False  # more steps than are checked: the line goes to a person, told so
    steps = [s.strip() for s in _STEP.split(written)]
    piece = _Stepped(
        steps=steps,
        arrows=arrows,
        # The words before the piece are those of its first step that is not empty.
        first=next((index for index, step in enumerate(steps) if step), len(steps)),
        boxed=boxed is not None,
        line=line,
        before=before,
        after=after,
        displayed=displayed,
        describes=describes,
        bare=bare,
        notes=notes,
        alone=alone,
        strength=strength,
        labelled=labelled,
        equates=equates,
    )
    taken: dict[str, list[tuple[int, str]]] = {}  # item → (step, its text) it took
    offered = len(offers.shared)
    defined = False
    for index, step in enumerate(steps):
        if not step:
            continue
        takers, defines = _takers(piece, index, offers)
        defined = defined or defines
        if len(takers) > 1:
            named = _named(
                [item for item in offers.items if item.id in takers], before + " " + after
            )
            takers = {named.id: takers[named.id]} if named is not None else takers
        if len(takers) == 1:
            ((item_id, candidate),) = takers.items()
            taken.setdefault(item_id, []).append((index, candidate))
        elif takers:
            # Items of one kind that all read it, and no word says which it answers: it is
            # placed once the whole part has been read (`_place_shared`).
            weight = (4 if piece.boxed else 0) + (1 if displayed else 0) + strength
            words = f"{piece.words_before(index).strip()} {step} {piece.words_after(index).strip()}"
            offers.shared.append(_Shared(takers, line, _quote(words), weight))
    for item in offers.items:
        if item.id in taken:
            others = {i for other, took in taken.items() if other != item.id for i, _ in took}
            candidate = _candidate(piece, item, taken[item.id], others)
            offers.found.setdefault(item.id, []).append(candidate)
    return bool(taken) or len(offers.shared) > offered or defined


@dataclass(frozen=True)
class _Stepped:
    """A piece of maths `_offer` offers, cut into its steps at its arrows, with what was said
    of it (`_offer`'s arguments)."""

    steps: list[str]
    arrows: list[str]  # between the steps
    first: int  # the first step that is not empty
    boxed: bool  # the steps are the inside of `\boxed{…}`
    line: int
    before: str
    after: str
    displayed: bool
    describes: bool
    bare: bool
    notes: tuple[str, ...]
    alone: bool
    strength: int
    labelled: str
    equates: tuple[str, ...]

    def words_before(self, index: int) -> str:
        """The words before step `index`: those before the piece, for its first step."""
        return self.before if index <= self.first else ""

    def words_after(self, index: int) -> str:
        """The words after step `index`: those after the piece, for its last step."""
        return self.after if index == len(self.steps) - 1 else ""


def _takers(piece: _Stepped, index: int, offers: _Offers) -> tuple[dict[str, str], bool]:
    """The items that read step `index` of `piece` as their answer, each with the text it
    takes; and whether the step defines a name of an item (added to `offers.definitions`)."""
    step = piece.steps[index]
    words_before, words_after = piece.words_before(index), piece.words_after(index)
    # the last step of maths alone on its line is the line's answer (`$N \times N
    # \Rightarrow N^2$`), as the maths alone is
    last = index == len(piece.steps) - 1
    takers: dict[str, str] = {}
    defined = False
    for item in offers.items:
        if item.keeps_prose:
            continue
        if not item.counts and item.defines(step):
            offers.definitions.setdefault(item.id, []).append((piece.line, step, _quote(step)))
            defined = True
            continue
        if item.counts and not _looks_like_a_count(
            step, words_before, words_after, piece.bare, piece.describes, piece.alone and last
        ):
            continue
        candidate = step.lstrip("=").strip() if item.counts else step
        if candidate and item.recognises(candidate):
            if (
                item.counts
                and len(piece.steps) == 1
                and (written := with_its_words(piece.labelled, words_after, item.reads_with_words))
            ):
                # `$D$ weights plus $9CD$ biases`: read with its words, which the check
                # weighs against the layer's terms (named the other way round: a person)
                candidate = written
            elif item.counts and words_after.strip() and item.names_other_unit(words_after):
                # `$2N^2 d_k$ MACs` for FLOPs: read with its word, which the check weighs
                candidate = f"{candidate} {words_after.strip()}"
            takers[item.id] = candidate
        elif candidate and piece.bare and item.reads_with_words(candidate):
            # a line without `$` whose words the item's check sets aside, as it does in
            # `grader check`, weighing them against what the item counts
            takers[item.id] = candidate
    return takers, defined


def _candidate(
    piece: _Stepped, item: TranscriptItem, chosen: list[tuple[int, str]], others: set[int]
) -> _Candidate:
    """The candidate answer of `item` of the steps of `piece` it took (`chosen`, each
    `(index, text)`): the last is the answer, the steps before it working. `others`: the
    steps other items took."""
    words_before = piece.words_before(chosen[0][0])
    words_after = piece.after if chosen[-1][0] == len(piece.steps) - 1 else ""
    words = words_before + " " + words_after
    weight = (4 if piece.boxed else 0) + _weight(words_before, words_after)
    weight += (1 if piece.displayed else 0) + piece.strength
    working = " ⇒ ".join(text for _, text in chosen)
    if working.endswith(words_after.strip()):
        words_after = ""  # read with its words (`2N^2 d_k MACs`): quoted once
    quote = _quote(f"{words_before.strip()} {working} {words_after.strip()}")
    text = chosen[-1][1]
    # `N \times N \Rightarrow N^2`: the step after the arrow is the answer, the steps
    # before it working (each checked: `chain`), said in a note
    step_notes: tuple[str, ...] = ()
    equated = piece.equates
    # (not where another item took a step before it: `$y = … \Rightarrow CD$` is a
    # formula, then a count, neither the other's working)
    if (last := chosen[-1][0]) > piece.first and not any(index < last for index in others):
        arrow = _ARROW_SHOWN.get(piece.arrows[last - 1], piece.arrows[last - 1])
        earlier = " ⇒ ".join(step for step in piece.steps[:last] if step)
        step_notes = (_concluded_note(_quote(text), arrow, _quote(earlier)),)
        if len(chosen) == 1:
            # `QK^T is N × K ⇒ N^2`: the maths of the step before, checked where it reads
            equated = (_equated(piece.steps[last - 1], arrow, ""),)
    sides = [side for _, text in chosen for side in (_sides(text) if item.counts else [text])]
    if item.counts:
        # every step of the working it reads (`N x K -> N x K -> N^2`), before the answer
        read = [e for e in equated if e and (item.recognises(e) or item.reads_with_words(e))]
        sides = [*(side for step in read for side in _sides(step)), *sides]
    in_prose = (
        not item.counts  # a count's lone letter is weighed by its words (`_looks_like_a_count`)
        and not piece.displayed
        and not piece.boxed
        and len(chosen) == 1
        and _is_name_in_prose(text, words)
    )
    chain = tuple(sides) if len(sides) > 1 else ()
    notes = piece.notes + step_notes
    return _Candidate(text, piece.line, quote, weight, chain, notes=notes, name_in_prose=in_prose)


def _weight(before: str, after: str) -> int:
    """What the words beside a count add to its strength: 2 when they say it is one, -2 when
    they say it is only a share of one (weights, biases), weaker than any other candidate."""
    if _SHARE_WORDS.search(after) and not _COUNT_WORDS.search(after):
        # "Parameters: $CD$ weights and $D$ biases, so $CD + D$": the words right after
        # it say what it counts, over the line's label
        return -2
    if _COUNT_WORDS.search(f"{before} {after}"):
        return 2
    return -2 if _SHARE_WORDS.search(f"{before} {after}") else 0


def _is_name_in_prose(text: str, words: str) -> bool:
    """Whether `text` is one name alone among `words` of prose ("where $C$ is …")."""
    return _LONE_NAME.fullmatch(text.strip()) is not None and bool(_WORD.search(words))


def defined_in_words(maths: str, rest: str) -> bool:
    """Whether `maths` is a lone name that the words `rest` after it define, with no maths
    among them (`$C$ = input channels`)."""
    words = rest.strip().removeprefix("=")
    return (
        _LONE_NAME.fullmatch(maths.strip()) is not None
        and bool(_WORD.search(words))
        and not _has_maths(words)
    )


def joining(text: str, end: int, start: int) -> str | None:
    """The operator alone between two pieces of maths, `text[end:start]` ("$9CD$ + $D$"), or
    None: such pieces are parts of one piece of maths, not answers each."""
    match = _JOINED.fullmatch(text, end, start)
    return None if match is None else match.group(1)


def _plain(text: str) -> str:
    """Words as names are compared: any case, `Off-diagonal` as `off diagonal`."""
    return " ".join(re.sub(r"[-_‐–—]", " ", text).split()).casefold()


def _named(items: Sequence[TranscriptItem], words: str) -> TranscriptItem | None:
    """The item that the words beside a piece of maths name: the one whose name (label or
    alias, two letters or more) found in them is the longest, so that "Off-diagonal" names
    the item labelled "Off diagonal" and not the one labelled "Diagonal"; None when no item,
    or two items alike, are named."""
    plain = _plain(words)
    best: list[TranscriptItem] = []
    longest = 0
    for item in items:
        length = max(
            (
                len(name)
                for name in map(_plain, item.names)
                if len(name) > 1 and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", plain)
            ),
            default=0,
        )
        if length and length > longest:
            best, longest = [item], length
        elif length and length == longest:
            best.append(item)
    return best[0] if len(best) == 1 else None


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def _place_shared(
    shared: list[_Shared],
    found: dict[str, list[_Candidate]],
    items: Sequence[TranscriptItem],
    part: str,
) -> None:
    """Give the items the maths that several of them read as their answer, no word saying
    whose, as a marker would. Another sighting of an answer one of them already has goes to
    it. Then, when the different pieces left are exactly as many as those items still
    without an answer, the pieces are taken in the order of the items (the first piece for
    the first item), each answer saying so; otherwise which piece answers which item is a
    guess, and every such item is given every piece, for a person to decide."""
    order = {item.id: number for number, item in enumerate(items)}
    heading = {item.id: item.heading or item.key for item in items}
    had = {item_id: {_written(c.text) for c in answers} for item_id, answers in found.items()}
    sightings: dict[tuple, list[_Shared]] = {}  # each different piece left -> its sightings
    for piece in shared:
        owners = [i for i, text in piece.texts.items() if _written(text) in had.get(i, ())]
        if len(owners) == 1:
            found[owners[0]].append(piece.candidate(owners[0]))
        else:
            sightings.setdefault(piece.key(), []).append(piece)
    pieces = list(sightings.values())  # in the order first seen
    if not pieces:
        return
    readers = {item_id for group in pieces for item_id in group[0].texts}
    free = sorted((i for i in readers if i not in found), key=order.__getitem__)
    if len(pieces) == len(free) and all(set(free) <= group[0].texts.keys() for group in pieces):
        for number, (group, item_id) in enumerate(zip(pieces, free, strict=True)):
            place = _ORDINALS[number] if number < len(_ORDINALS) else f"number {number + 1}"
            how = (
                f"taken for {heading[item_id]} by its place: the {place} of {len(free)} "
                f"answers in part {part} that could be {' or '.join(heading[i] for i in free)}, "
                "in the order of the items"
                if len(free) > 1
                else f"taken for {heading[item_id]}: the one item of part {part} it could "
                "answer that has no other answer"
            )
            for piece in group:
                found.setdefault(item_id, []).append(
                    piece.candidate(item_id, how=how, by_place=len(free) > 1)
                )
        return
    for group in pieces:
        names = " or ".join(heading[item_id] for item_id in sorted(group[0].texts, key=order.get))
        unsure = (
            f"Part {part} of your script gives {counted(len(pieces), 'answer')} that could be "
            f"its {names}, and no words "
            "say which is which; an instructor will decide which item this answers."
        )
        for item_id in group[0].texts:
            for piece in group:
                found.setdefault(item_id, []).append(piece.candidate(item_id, unsure=unsure))


def _sides(count: str) -> list[str]:
    """The sides of a count's chain of working, `3 \\times 3 \\times C \\times D = 9CD`."""
    return [side.strip() for side in count.split("=") if side.strip()]


def _looks_like_a_count(
    step: str,
    before: str,
    after: str,
    bare: bool,
    describes: bool = False,
    alone: bool = False,
) -> bool:
    """A piece of maths is offered as a count unless its words say it is a shape or it
    describes the maths before it, and, when it has one letter at most (`C`, `3`, `N^2`),
    only when words say it is a count or it is `alone`: the only thing on its line, in a
    part of one item."""
    if describes or _NOT_A_COUNT.search(before):
        return False
    words = before + " " + after
    worded = bool(_COUNT_WORDS.search(words) or _SHARE_WORDS.search(words))
    letters = re.findall(r"(?<!\\)[A-Za-z]", re.sub(r"\\[A-Za-z]+", " ", step))
    if len(letters) <= 1 and not worded and not alone:
        return False
    return not bare or len(step) <= 200


def _alone_on_line(text: str, start: int, end: int) -> bool:
    """Whether the maths at `text[start:end]` is all its line holds, but for a full stop or
    a comma after it. Only the spaces beside it are looked at, so that a line of many pieces
    is read in work that grows with its length."""
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    while end < len(text) and text[end] in " \t.,;":
        end += 1
    return (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")


def _unbox(body: str) -> str | None:
    """The inside of `\\boxed{…}` (braces balanced), or None when there is none."""
    match = _BOXED.search(body)
    if match is None:
        return None
    depth, start = 1, match.end()
    for position in range(start, len(body)):
        if body[position] == "{":
            depth += 1
        elif body[position] == "}":
            depth -= 1
            if depth == 0:
                return body[start:position]
    return None


def _is_question(line: str) -> bool:
    """Whether a line restates the question (`Q: …`, or ends with `?`)."""
    return bool(_QUESTION.match(line)) or line.rstrip().endswith("?")


def _prose_answer(prose: list[tuple[int, str]]) -> SubmittedAnswer:
    words = " ".join(words.strip() for _, words in prose)
    for command, plain in _PROSE_LATEX.items():
        words = words.replace(command, plain)
    words = " ".join(words.replace("$", " ").split())
    first = prose[0][0]
    return SubmittedAnswer(words, first, found=f"from line {first}: {_quote(words)}")


def _maths_answer(candidates: list[_Candidate]) -> SubmittedAnswer:
    """The strongest candidate, and every other distinct one nearly as strong: an answer in
    `\\boxed{}` wins over the rest; words that say what it is count more than display. Of
    many different answers (or chains of working), the first `MOST_ANSWERS` are checked, and
    how many more there are is said: a script is not a list of guesses to try."""
    best = max(c.strength for c in candidates)
    distinct: list[_Candidate] = []
    seen: set[str] = set()
    for candidate in candidates:
        written = _written(candidate.text)
        if candidate.strength >= best - 1 and written not in seen:
            seen.add(written)
            distinct.append(candidate)
    first = max(distinct, key=lambda c: c.strength)
    others = [c for c in distinct if c is not first]
    chains: dict[tuple[str, ...], tuple[int, tuple[str, ...]]] = {}  # the same once
    for c in candidates:
        if c.steps and c.strength >= best - 1:
            chains.setdefault(tuple(map(_written, c.steps)), (c.line, c.steps))
    how = f" ({first.how})" if first.how else ""
    return SubmittedAnswer(
        first.text,
        first.line,
        found=f"from line {first.line}{how}: {first.quote}",
        unsure=next((c.unsure for c in distinct if c.unsure), None),
        by_place=first.by_place,
        reading_notes=first.notes,
        alternatives=tuple((c.text, c.line, c.quote) for c in others[: MOST_ANSWERS - 1]),
        unchecked_answers=max(0, len(others) - (MOST_ANSWERS - 1)),
        chains=tuple(chains.values())[:MOST_ANSWERS],
        unchecked_chains=max(0, len(chains) - MOST_ANSWERS),
    )


@dataclass(frozen=True)
class Beside:
    """One answer a script gives a labelled item (a piece of maths, or a plain answer), with
    the label and the words beside it on its line: `before` and `after` from the pieces of
    maths next to it, which `several_answers` cuts at the end of its clause."""

    text: str
    line: int
    quote: str
    label: str = ""
    before: str = ""
    after: str = ""


# Words before a lone name that make it another answer rather than a name in a sentence
# ("$9CD + D$ or $D$").
_ANOTHER_ANSWER = re.compile(r"\b(?:or|but|is|be|answer|really|instead)\s*$", re.IGNORECASE)


def several_answers(answers: Sequence[Beside], notes: tuple[str, ...] = ()) -> SubmittedAnswer:
    """The answer to one item of a script that gives it several, read as this reader reads a
    part's pieces of maths: words beside each weigh it (`_weight`: the label's "parameters"
    make it a count, "weights" or "biases" right after it a share of one), a lone name in a
    sentence ("where $C$ is the input channels") and maths that only describes one are set
    aside, each with a note; the strongest is the answer and every other different one nearly
    as strong is kept beside it, so that grading sends the item to a person with all of them
    shown unless they are the same answer. `notes` say how the first was read."""
    # "where $X$ is $PQ \\times C$": maths that describes the lone name just before it
    describes = [
        index > 0
        and _DESCRIBES.fullmatch(answer.before) is not None
        and _LONE_NAME.fullmatch(answers[index - 1].text.strip()) is not None
        for index, answer in enumerate(answers)
    ]
    kept = [answer for answer, aside in zip(answers, describes, strict=True) if not aside]
    kept = kept or list(answers)
    candidates = []
    for answer in kept:
        before = _CLAUSE_BEFORE.split(answer.before)[-1]
        after = _CLAUSE_AFTER.split(answer.after)[0]
        candidates.append(
            _Candidate(
                answer.text,
                answer.line,
                answer.quote,
                _weight(f"{answer.label} {before}", after),
                name_in_prose=_is_name_in_prose(answer.text, f"{before} {after}")
                and not _ANOTHER_ANSWER.search(before),
            )
        )
    candidates = _without_names_in_prose(candidates)
    best = max(candidate.strength for candidate in candidates)
    aside = [
        f'set aside "{_quote(answer.quote)}" on line {answer.line}, maths that describes a '
        "name, not an answer"
        for answer, aside in zip(answers, describes, strict=True)
        if aside and len(kept) < len(answers)
    ] + [
        f'set aside "{candidate.text}" on line {candidate.line}, '
        + (
            "which the words beside it call weights or biases: a share of the count"
            if candidate.strength < 0
            else "as the words beside another answer say that one is the count"
        )
        for candidate in candidates
        if candidate.strength < best - 1
    ]
    return _maths_answer([replace(c, notes=(*notes, *c.notes, *aside)) for c in candidates])


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE else text[: _QUOTE - 1] + "…"


def transcript_student(path: Path) -> str:
    """A transcript without front matter is the student its file is named after."""
    return path.stem


def _written(text: str) -> str:
    """`text` without its spaces: two answers the same but for spacing are one answer."""
    return "".join(text.split())
