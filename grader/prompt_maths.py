"""Maths in a rubric's prose (a part's prompt) typeset as MathML, as answers are.

Prompts are written by instructors in plain text with LaTeX where maths is meant: whole
spans between `$...$`, `$$...$$`, `\\(...\\)` or `\\[...\\]`, and single words such as
`y_{i,j,k}`, `W_Q`, `QK^T` or `\\alpha` in the middle of a sentence. `typeset` finds them
and reads each with a small reader of its own (letters, numbers, operators, groups, sub- and
superscripts, `\\frac`, `\\sqrt`, `\\sum` with limits, Greek letters and the usual operator
commands), building MathML piece by piece from escaped text. Nothing is evaluated, and a
span the reader does not know (an unknown command, an unbalanced brace, a span too long or
too deeply nested) stays the text it was, escaped: a page never shows broken markup, and
only shows LaTeX where it could not be typeset.
"""

from __future__ import annotations

import re
from html import escape

from markupsafe import Markup
from markupsafe import escape as escape_markup

from grader.mathml import math_element, trusted_mathml

MAX_SPAN = 400  # characters of LaTeX in one span; longer spans stay text
MAX_DEPTH = 12  # nested groups, fractions and scripts in one span

_GROUP = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"
_SCRIPT = rf"[_^](?:{_GROUP}|[A-Za-z0-9]|\\[A-Za-z]+)"
# Each delimited span is at most MAX_SPAN long in the pattern itself, so a prompt full of
# opening delimiters is scanned in linear time.
_MATHS = re.compile(
    r"\$\$(?P<display>[^$]{1,400}?)\$\$"
    r"|\$(?P<inline>[^$\n]{1,400}?)\$"
    r"|\\\((?P<paren>.{1,400}?)\\\)"
    r"|\\\[(?P<bracket>.{1,400}?)\\\]"
    # A word in LaTeX within a sentence: letters or digits (or a command) with scripts, or a
    # command with its arguments; a whole word, so `bias_missing` in prose stays text.
    rf"|(?<![\w\\])(?P<word>(?:\\[A-Za-z]+|[A-Za-z0-9]+)(?:{_SCRIPT})+"
    rf"|\\[A-Za-z]+(?:{_GROUP})*)(?!\w)",
    re.DOTALL,
)

_GREEK = {
    name: chr(code)
    for name, code in (
        ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4),
        ("epsilon", 0x3F5), ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7),
        ("theta", 0x3B8), ("iota", 0x3B9), ("kappa", 0x3BA), ("lambda", 0x3BB),
        ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE), ("pi", 0x3C0), ("rho", 0x3C1),
        ("sigma", 0x3C3), ("tau", 0x3C4), ("phi", 0x3D5), ("varphi", 0x3C6), ("chi", 0x3C7),
        ("psi", 0x3C8), ("omega", 0x3C9), ("Gamma", 0x393), ("Delta", 0x394),
        ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E), ("Pi", 0x3A0), ("Sigma", 0x3A3),
        ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9),
    )
}  # fmt: skip
_OPERATORS = {
    "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤", "ge": "≥",
    "geq": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "equiv": "≡", "in": "∈",
    "notin": "∉", "subset": "⊂", "subseteq": "⊆", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "mapsto": "↦", "infty": "∞", "ldots": "…", "dots": "…", "cdots": "⋯",
    "partial": "∂", "nabla": "∇", "top": "⊤", "circ": "∘", "odot": "⊙", "otimes": "⊗",
    "oplus": "⊕", "mid": "∣", "lvert": "|", "rvert": "|", "langle": "⟨", "rangle": "⟩",
    "log": "log", "exp": "exp", "max": "max", "min": "min", "sin": "sin", "cos": "cos",
    "tanh": "tanh", "softmax": "softmax",
}  # fmt: skip
_LARGE = {"sum": "∑", "prod": "∏", "int": "∫"}  # limits under and over, when given
_SPACES = {",", ";", ":", "!", " ", "quad", "qquad", "left", "right", "displaystyle"}
_STYLES = {"mathbf", "mathrm", "mathit", "boldsymbol", "operatorname", "text", "mathcal"}
_PLAIN_OPERATORS = {
    "+": "+", "-": "−", "=": "=", "<": "&lt;", ">": "&gt;", "/": "/", "*": "·", "(": "(",
    ")": ")", "[": "[", "]": "]", ",": ",", ".": ".", ";": ";", ":": ":", "|": "|",
    "!": "!", "'": "′",
}  # fmt: skip
_TOKEN = re.compile(r"\\[A-Za-z]+|\\[,;:! {}|]|[A-Za-z]|[0-9]+(?:\.[0-9]+)?|<=|>=|\s+|.", re.S)


class _Unreadable(Exception):
    """The span is not LaTeX our reader knows: it stays text."""


class _Reader:
    def __init__(self, source: str):
        self.tokens = [t for t in _TOKEN.findall(source) if not t.isspace()]
        self.position = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise _Unreadable("the span ends too soon")
        self.position += 1
        return token

    def row(self, closing: str | None = None) -> str:
        """Atoms with their scripts up to `closing` (or the end), as one row."""
        pieces = []
        while (token := self.peek()) != closing:
            if token is None or token == "}":
                raise _Unreadable("unbalanced braces")
            pieces.append(self.scripted())
        if closing is not None:
            self.take()
        return "".join(pieces)

    def scripted(self) -> str:
        """An atom and the sub- and superscripts that follow it."""
        large = self.peek() in {f"\\{name}" for name in _LARGE}
        base = self.atom()
        below = above = None
        while self.peek() in ("_", "^"):
            marker = self.take()
            argument = self.argument()
            if marker == "_" and below is None:
                below = argument
            elif marker == "^" and above is None:
                above = argument
            else:
                raise _Unreadable("a double script")
        if below is None and above is None:
            return base
        if large:
            if below is not None and above is not None:
                return f"<munderover>{base}{below}{above}</munderover>"
            return f"<munder>{base}{below}</munder>" if below else f"<mover>{base}{above}</mover>"
        if below is not None and above is not None:
            return f"<msubsup>{base}{below}{above}</msubsup>"
        return f"<msub>{base}{below}</msub>" if below else f"<msup>{base}{above}</msup>"

    def argument(self) -> str:
        """What a script, a fraction or a root takes: a group or one atom."""
        return self.atom()

    def group(self) -> str:
        if self.take() != "{":
            raise _Unreadable("a braced argument was expected")
        return self.nested(lambda: f"<mrow>{self.row('}')}</mrow>")

    def nested(self, read) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Unreadable("nested too deeply")
        try:
            return read()
        finally:
            self.depth -= 1

    def atom(self) -> str:
        token = self.peek()
        if token is None:
            raise _Unreadable("the span ends too soon")
        if token == "{":
            return self.group()
        self.take()
        if token.isalpha():
            return f"<mi>{escape(token)}</mi>"
        if token[0].isdigit():
            return f"<mn>{escape(token)}</mn>"
        if token in ("<=", ">="):
            return "<mo>≤</mo>" if token == "<=" else "<mo>≥</mo>"
        if token in _PLAIN_OPERATORS:
            return f"<mo>{_PLAIN_OPERATORS[token]}</mo>"
        if token.startswith("\\"):
            return self.command(token[1:])
        raise _Unreadable(f"{token!r} is not maths we read")

    def command(self, name: str) -> str:
        if name in _GREEK:
            return f"<mi>{_GREEK[name]}</mi>"
        if name in _OPERATORS:
            return f"<mo>{escape(_OPERATORS[name])}</mo>"
        if name in _LARGE:
            return f"<mo>{_LARGE[name]}</mo>"
        if name in ("{", "}", "|"):
            return f"<mo>{escape(name)}</mo>"
        if name in _SPACES:
            return "<mrow></mrow>"
        if name == "frac":
            return self.nested(lambda: f"<mfrac>{self.argument()}{self.argument()}</mfrac>")
        if name == "sqrt":
            return self.nested(lambda: f"<msqrt>{self.argument()}</msqrt>")
        if name in _STYLES:
            return self.argument()
        raise _Unreadable(f"\\{name} is not a command we read")


def latex_to_mathml(source: str, display: bool = False) -> str | None:
    """One `<math>` element for a span of LaTeX, its alt text the LaTeX as written; None
    when the reader does not know it (the caller shows the text instead)."""
    if not source.strip() or len(source) > MAX_SPAN:
        return None
    reader = _Reader(source)
    try:
        inner = reader.row()
    except (_Unreadable, RecursionError):
        return None
    return math_element(inner, alttext=source.strip(), display="block" if display else "inline")


def typeset(text: str | None) -> Markup:
    """`text` as markup: escaped prose, with each span of LaTeX in it as MathML (or left as
    escaped text where it cannot be read)."""
    if not text:
        return Markup("")
    pieces = []
    position = 0
    for match in _MATHS.finditer(text):
        kind = match.lastgroup or "word"
        mathml = latex_to_mathml(match.group(kind), display=kind in ("display", "bracket"))
        if mathml is None:
            continue
        pieces.append(escape_markup(text[position : match.start()]))
        pieces.append(trusted_mathml(mathml))
        position = match.end()
    pieces.append(escape_markup(text[position:]))
    return Markup("").join(pieces)
