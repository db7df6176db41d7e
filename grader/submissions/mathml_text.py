"""MathML in a submitted answer (pasted into Canvas's rich-text editor from a page of maths,
MathType or a KaTeX/MathJax copy) as the text the readers read: `<mfrac>` is `\\frac{…}{…}`,
`<msqrt>` is `\\sqrt{…}`, `<msup>` is `^{…}`, `<msub>` is `_{…}`. Only the common elements
are read (`READ`); any other, or more than `MAX_ELEMENTS` elements or `MAX_DEPTH` levels, and
the answer is not read but goes to a person (`MATHML_UNREAD`), never as its leftover text.

(`grader.mathml` is the other way: the pages' MathML of what was read.) The tags come from
the rich-text reader's tokens (`grader.submissions.lms_export`); nothing is evaluated."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

MAX_ELEMENTS = 400
MAX_DEPTH = 24
MATHML_UNREAD = (
    "Your answer came as MathML, which the grader did not read: an instructor will read it"
)
# A token's text; `mo`'s invisible operators and the minus sign as the readers write them.
TOKENS = {"mi", "mn", "mo", "mtext"}
_OPERATORS = {"\u2062": " ", "\u2061": "", "\u2063": ",", "\u2064": "+", "\u2212": "-"}
# Elements that only group what they hold.
GROUPS = {"math", "mrow", "mstyle", "mpadded", "semantics", "mfenced"}
ARITY = {"mfrac": 2, "msup": 2, "msub": 2, "msubsup": 3, "mroot": 2}
READ = TOKENS | GROUPS | set(ARITY) | {"msqrt", "mspace", "annotation", "annotation-xml"}
_FENCE = re.compile(r'\b(open|close|separators)\s*=\s*"([^"]{0,8})"', re.I)


@dataclass
class _Element:
    name: str
    tag: str  # its opening tag as written, for mfenced's attributes
    children: list[_Element | str] = field(default_factory=list)


@dataclass(frozen=True)
class MathRead:
    text: str | None  # None when not read
    unread: str | None = None


class MathReader:
    """Fed the tags and text between `<math>` and `</math>`, in order; `result()` reads them."""

    def __init__(self) -> None:
        self.root = _Element("math", "")
        self.stack = [self.root]
        self.count = 0
        self.problem: str | None = None

    def data(self, text: str) -> None:
        if self.problem is None and text.strip():
            self.stack[-1].children.append(html.unescape(text))

    def tag(self, name: str, closing: bool, written: str) -> None:
        if self.problem is not None:
            return
        if name not in READ:
            self.problem = f"<{name or '?'}> is not read"
        elif closing:
            if len(self.stack) < 2 or self.stack[-1].name != name:
                self.problem = f"</{name}> closes no <{name}>"
            else:
                self.stack.pop()
        else:
            self.count += 1
            element = _Element(name, written)
            self.stack[-1].children.append(element)
            if self.count > MAX_ELEMENTS or len(self.stack) > MAX_DEPTH:
                self.problem = "it is too large"
            elif not written.rstrip(">").endswith("/"):
                self.stack.append(element)

    def result(self) -> MathRead:
        if self.problem is None and len(self.stack) > 1:
            self.problem = f"<{self.stack[-1].name}> is never closed"
        text = None if self.problem is not None else _text(self.root)
        if text is None or not text.strip():
            why = self.problem or "it holds no maths"
            return MathRead(None, f"{MATHML_UNREAD} ({why})")
        return MathRead(" ".join(text.split()))


def _text(element: _Element) -> str | None:
    """The element as text, or None when its shape is not MathML's (an `mfrac` of three)."""
    name = element.name
    if name in ("annotation", "annotation-xml"):
        return ""
    if name == "mspace":
        return " "
    if name in TOKENS:
        if any(isinstance(child, _Element) for child in element.children):
            return None
        text = "".join(element.children).strip()  # type: ignore[arg-type]
        if name == "mo":
            text = "".join(_OPERATORS.get(char, char) for char in text)
        return text
    if any(isinstance(child, str) for child in element.children):
        return None  # text outside a token: not MathML as written by a tool
    children = [child for child in element.children if isinstance(child, _Element)]
    if name == "semantics":
        children = children[:1]
    parts = [_text(child) for child in children]
    if any(part is None for part in parts):
        return None
    pieces: list[str] = parts  # type: ignore[assignment]
    if name in ARITY:
        if len(pieces) != ARITY[name]:
            return None
        first = pieces[0] if _single(children[0]) else f"({pieces[0]})"
        if name == "mfrac":
            return f"\\frac{{{pieces[0]}}}{{{pieces[1]}}}"
        if name == "mroot":
            return f"\\sqrt[{pieces[1]}]{{{pieces[0]}}}"
        if name == "msup":
            return f"{first}^{{{pieces[1]}}}"
        if name == "msub":
            return f"{first}_{{{pieces[1]}}}"
        return f"{first}_{{{pieces[1]}}}^{{{pieces[2]}}}"
    if name == "msqrt":
        return f"\\sqrt{{{_joined(children, pieces)}}}"
    if name == "mfenced":
        fence = {key.lower(): value for key, value in _FENCE.findall(element.tag)}
        separator = (fence.get("separators", ",").strip() or " ")[:1]
        inside = f"{separator} ".join(pieces)
        return f"{fence.get('open', '(')}{inside}{fence.get('close', ')')}"
    return _joined(children, pieces)


def _single(element: _Element) -> bool:
    """Whether an element is one token, which a power or an index needs no bracket around."""
    while element.name in GROUPS and len(element.children) == 1:
        child = element.children[0]
        if isinstance(child, str):
            return True
        element = child
    return element.name in TOKENS or element.name in ("msub", "msqrt", "mfenced")


def _joined(children: list[_Element], pieces: list[str]) -> str:
    """Side by side: a space between two that are not operators (`<mi>C</mi><mi>D</mi>` is
    C D, a product, never the name CD), none next to an operator or a bracket."""
    out = ""
    for index, piece in enumerate(pieces):
        if index and children[index].name != "mo" and children[index - 1].name != "mo":
            out += " "
        out += piece
    return out
