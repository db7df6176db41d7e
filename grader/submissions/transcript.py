"""Read a transcript of a whole exam script, as students write it and as transcription
services type it: Markdown and LaTeX with no structure of ours.

    (a) Q: $X_{ijk} \\rightarrow y_{ijk}$? parameters?
    $$y_{ijk} = \\sum_{l=1}^C \\sum_{m=1}^P \\sum_{n=1}^P W_{mnlk} X_{ijl} + b_{ijk}$$
    parameters $P \\times P \\times C \\times D + P \\times Q \\times D$
    $$(c) y_{i,j,k} = \\sum_{l=1}^C w_{l,k} x_{i,j,l} + b_k$$

The script is cut into parts at the markers students write (`(a)`, `a)`, `a.`, `4(a)`,
`Part a:`, `**(a)**`, a marker at the start of a display block), in any order. Inside a part,
every piece of maths (`$…$`, `$$…$$`, `\\[…\\]`, `\\(…\\)`, a line that is maths alone) is
offered to the part's items, and the item's kind says whether it is an answer of its kind
(`ItemKind.recognises`); a chain `a \\Rightarrow b` offers each step. The prose of a part is
the answer of an item that keeps prose (an explanation).

Nothing is guessed silently: when an item has two different answers (a count written once
without and once with its biases), every one is kept, and grading sends the item to a person
with all of them shown. Each answer says where it was found ("from line 14: …"). A restated
question, crossed-out work (`~~…~~`, `\\sout{…}`, `\\xcancel{…}`) and matrix pictures
(`\\begin{bmatrix}`) are not answers. Content no item takes is reported, as for Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.model import Submission, SubmittedAnswer

# Words beside a count that say it is one ("parameters $9CD + D$", "$CD$ trainable params",
# "参数量: $9CD+D$"), and words that say a piece of maths is something else (a shape).
_COUNT_WORDS = re.compile(
    r"param|learnable|trainable|weights?\b|bias|count|total|number|how many|参数|个数",
    re.IGNORECASE,
)
_NOT_A_COUNT = re.compile(
    r"(shape|size|dimension|dims?|matrix|of size|spatial)\s*(:|is|=|of)?\s*$", re.IGNORECASE
)
_MARKER = re.compile(
    r"""^\s*(?:[-*+]\s+)?(?:\#{1,6}\s*)?(?:\*\*|__)?\s*
    (?:(?:question\s*)?\d+\s*)?               # 4(a), 1(a)
    (?:
        \(\s*(?P<paren>[A-Za-z])\s*\)         # (a)
      | part\s*(?P<part>[A-Za-z])\b\s*[:.)]?  # Part a:
      | (?P<bare>[A-Za-z])\s*[).](?=\s|:|$)   # a)  a.
    )
    \s*(?:\*\*|__)?\s*:?\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_QUESTION = re.compile(r"^\s*(?:Q|question)\s*[:.]", re.IGNORECASE)
_CROSSED = re.compile(r"~~.*?~~|\\(?:sout|xcancel|cancel|st)\s*\{[^{}]*\}")
_MATHS = re.compile(
    r"\$\$(?P<display>.*?)\$\$|\\\[(?P<bracket>.*?)\\\]|\\\((?P<paren>.*?)\\\)|\$(?P<inline>[^$]+)\$",
    re.DOTALL,
)
_STEP = re.compile(r"\\Rightarrow|\\implies|\\Longrightarrow|⇒|=>|\\therefore|∴")
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


@dataclass(frozen=True)
class TranscriptItem:
    """What the reader needs of one item: its id, whether its answer is prose, and whether a
    piece of maths is an answer of its kind."""

    id: str
    key: str
    keeps_prose: bool
    counts: bool  # a count: a piece of maths needs words or symbols to be taken for one
    recognises: Callable[[str], bool]


@dataclass
class _Candidate:
    text: str
    line: int
    quote: str
    strength: int  # boxed 4, with words that say what it is 2, displayed 1


@dataclass
class _Part:
    key: str
    lines: list[tuple[int, str]] = field(default_factory=list)


def read_transcript(
    text: str,
    source: str,
    student: str,
    question: str,
    parts: Mapping[str, Sequence[TranscriptItem]],
    first_line: int = 1,
) -> Submission:
    """The answers a transcript gives the items of `parts` (part key → its items)."""
    lines = [
        (number, _CROSSED.sub(" ", line))
        for number, line in enumerate(text.splitlines(), start=first_line)
    ]
    sections, before = _cut_into_parts(lines, parts)
    answers: dict[str, SubmittedAnswer] = {}
    unassigned: list[tuple[int, str]] = []
    if not sections and any(words.strip() for _, words in before):
        first = next(number for number, words in before if words.strip())
        unassigned.append((first, "no part marker such as (a) was found, so nothing was read"))
    for section in sections:
        items = parts[section.key]
        found, prose, leftovers = _read_part(section, items)
        prose_item = next((item for item in items if item.keeps_prose), None)
        if prose_item is not None and prose:
            answers[f"{section.key}.{prose_item.key}"] = _prose_answer(prose)
            leftovers = [note for note in leftovers if note[1].lstrip().startswith("$$")]
        for item in items:
            if not item.keeps_prose and found.get(item.id):
                answers[f"{section.key}.{item.key}"] = _maths_answer(found[item.id])
        for line, words in leftovers:
            unassigned.append(
                (line, f"text in part {section.key!r} that no item took: {_quote(words)!r}")
            )
    unassigned.sort(key=lambda note: note[0])
    return Submission(student, question, source, answers, tuple(unassigned))


def _cut_into_parts(
    lines: list[tuple[int, str]], parts: Mapping[str, Sequence[TranscriptItem]]
) -> tuple[list[_Part], list[tuple[int, str]]]:
    """The lines of each part, from its marker to the next; the lines before the first."""
    keys = {key.casefold(): key for key in parts}
    sections: dict[str, _Part] = {}
    current: _Part | None = None
    before: list[tuple[int, str]] = []
    for number, line in lines:
        display = re.match(r"^\s*(\$\$|\\\[)\s*", line)
        head = line[display.end() :] if display else line
        marker = _MARKER.match(head)
        letter = None
        if marker:
            letter = (marker.group("paren") or marker.group("part") or marker.group("bare")).lower()
        if letter in keys:
            key = keys[letter]
            current = sections.setdefault(key, _Part(key))
            rest = head[marker.end() :]
            if display:
                rest = display.group(1) + " " + rest  # `$$(c) y = …$$`: the block stays maths
            current.lines.append((number, rest))
        elif current is None:
            before.append((number, line))
        else:
            current.lines.append((number, line))
    return list(sections.values()), before


def _read_part(
    section: _Part, items: Sequence[TranscriptItem]
) -> tuple[dict[str, list[_Candidate]], list[tuple[int, str]], list[tuple[int, str]]]:
    """Each item's candidate answers; the part's prose lines (as written, inline maths kept);
    and what no item took (prose beside nothing taken, displayed maths no item took)."""
    text = "\n".join(words for _, words in section.lines)
    line_of = []  # the line number of each character of `text`
    for number, words in section.lines:
        line_of.extend([number] * (len(words) + 1))
    masked = list(text)  # `text` with its maths blanked out: what is left is prose
    found: dict[str, list[_Candidate]] = {}
    taken_lines: set[int] = set()
    leftovers: list[tuple[int, str]] = []
    for match in _MATHS.finditer(text):
        for position in range(match.start(), match.end()):
            if masked[position] != "\n":
                masked[position] = " "
        body = next(g for g in match.groups() if g is not None)
        if _is_question(text, match.start()) or _PICTURE.search(body):
            continue
        line = line_of[match.start()]
        displayed = match.group("display") is not None or match.group("bracket") is not None
        # The words beside it on its line, up to the next piece of maths on either side.
        before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        before = re.split(r"\$|\\\]|\\\)", before)[-1]
        end = text.find("\n", match.end())
        after = text[match.end() : end if end >= 0 else len(text)]
        after = re.split(r"\$|\\\[|\\\(", after)[0]
        if _offer(body, line, before, after, displayed, items, found):
            taken_lines.add(line)
        elif displayed:
            leftovers.append((line, match.group(0)))
    prose: list[tuple[int, str]] = []
    for (number, words), plain in zip(section.lines, "".join(masked).split("\n"), strict=True):
        if not plain.strip() or _QUESTION.match(words) or words.rstrip().endswith("?"):
            continue
        if "$" not in words and _offer(plain.strip(), number, "", "", True, items, found, True):
            taken_lines.add(number)  # a line that is maths alone, such as 9CD + D
            continue
        prose.append((number, words))
    leftovers += [(n, w) for n, w in prose if n not in taken_lines]
    return found, prose, leftovers


def _offer(
    body: str,
    line: int,
    before: str,
    after: str,
    displayed: bool,
    items: Sequence[TranscriptItem],
    found: dict[str, list[_Candidate]],
    bare: bool = False,
) -> bool:
    """Offer a piece of maths, step by step, to the items; whether any took a step."""
    boxed = _unbox(body)
    steps = [s.strip() for s in _STEP.split(boxed if boxed is not None else body)]
    taken = False
    for index, step in enumerate(steps):
        if not step:
            continue
        words_before = before if index == 0 else ""
        words_after = after if index == len(steps) - 1 else ""
        for item in items:
            if item.keeps_prose:
                continue
            if item.counts and not _looks_like_a_count(step, words_before, words_after, bare):
                continue
            candidate = step.lstrip("=").strip() if item.counts else step
            if candidate and item.recognises(candidate):
                strength = 4 if boxed is not None else 0
                strength += 2 if _COUNT_WORDS.search(words_before + " " + words_after) else 0
                strength += 1 if displayed else 0
                quote = _quote(f"{words_before.strip()} {step} {words_after.strip()}")
                found.setdefault(item.id, []).append(_Candidate(candidate, line, quote, strength))
                taken = True
                break  # one item per step
    return taken


def _looks_like_a_count(step: str, before: str, after: str, bare: bool) -> bool:
    """A piece of maths is offered as a count unless its words say it is a shape, and, when
    it is only a number or one letter, only when words say it is a count."""
    if _NOT_A_COUNT.search(before):
        return False
    worded = bool(_COUNT_WORDS.search(before + " " + after))
    letters = re.findall(r"(?<!\\)[A-Za-z]", re.sub(r"\\[A-Za-z]+", " ", step))
    if len(letters) <= 1 and not worded:
        return False
    return not bare or len(step) <= 200


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


def _is_question(text: str, position: int) -> bool:
    """Whether the line at `position` restates the question (`Q: …`, or ends with `?`)."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : end if end >= 0 else len(text)]
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
    `\\boxed{}` wins over the rest; words that say what it is count more than display."""
    best = max(c.strength for c in candidates)
    distinct: list[_Candidate] = []
    for candidate in candidates:
        if candidate.strength >= best - 1 and not any(
            _same_text(candidate.text, kept.text) for kept in distinct
        ):
            distinct.append(candidate)
    first = max(distinct, key=lambda c: c.strength)
    return SubmittedAnswer(
        first.text,
        first.line,
        found=f"from line {first.line}: {first.quote}",
        alternatives=tuple((c.text, c.line, c.quote) for c in distinct if c is not first),
    )


def _same_text(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE else text[: _QUOTE - 1] + "…"


def transcript_student(path: Path) -> str:
    """A transcript without front matter is the student its file is named after."""
    return path.stem
