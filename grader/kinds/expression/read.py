"""The normalisation steps of an expression answer: the shared ones (`grader.normalise`) and
those that know scalar algebra (its LaTeX commands, Greek letters, absolute-value bars).

Every step keeps the text's length, so a position the parser finds is a position in what the
student wrote."""

from __future__ import annotations

import re

from grader.errors import AnswerError
from grader.normalise import (
    GREEK,
    LATEX_LAYOUT,
    Step,
    blank_invisible_characters,
    character_check,
    check_brackets,
    check_length,
    map_fullwidth_forms,
    map_unicode_operators,
    reject_control_characters,
    rewrite_latex,
    strip_math_delimiters,
)

# The functions every expression item knows, by every name students give them.
FUNCTION_NAMES = {
    "sqrt": "sqrt",
    "exp": "exp",
    "log": "log",
    "ln": "log",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "sec": "sec",
    "csc": "csc",
    "cot": "cot",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "coth": "coth",
    "sech": "sech",
    "csch": "csch",
    "abs": "abs",
    "max": "max",
    "min": "min",
    "floor": "floor",
    "ceil": "ceil",
    "root": "root",  # root(x, n), as a reading shows \sqrt[n]{x}
}

_GREEK_COMMANDS = {name: name for name in set(GREEK.values())}
_GREEK_COMMANDS |= {"varepsilon": "epsilon", "varphi": "phi", "vartheta": "theta"}

_LATEX_COMMANDS: dict[str, str | None] = {
    **LATEX_LAYOUT,
    "div": "/",
    "frac": None,
    "dfrac": None,
    "tfrac": None,
    "cfrac": None,
    "sqrt": None,
    **{
        name: name
        for name in FUNCTION_NAMES
        if name not in ("sqrt", "abs", "floor", "ceil", "asin", "acos", "atan")
    },
    **_GREEK_COMMANDS,
    "operatorname": "",
    "mathrm": "",
    # `\text{sech}`: sech and csch are no LaTeX commands, so set upright as text
    "text": "",
    "textrm": "",
    "mathit": "",
    "boxed": "",
    "displaystyle": "",
    # entry by entry: for the scalars of an expression item, an ordinary product (with a note)
    "odot": "*",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "lfloor": "floor(",
    "rfloor": ")",
    "lceil": "ceil(",
    "rceil": ")",
}


def rewrite_latex_commands(text: str) -> str:
    """The LaTeX of scalar algebra: \\cdot is a product, \\sin and \\alpha become the names
    they are, \\frac and \\sqrt stay for the grammar; any other command is refused."""
    return rewrite_latex(text, _LATEX_COMMANDS)


_SPACED_SUBSCRIPT = re.compile(r"(?<=[A-Za-z])( +)(_(?:\{[A-Za-z0-9]+\}|[A-Za-z0-9]))")


def join_subscripts(text: str) -> str:
    """`\\log_2` and `\\alpha_1` become `log _2` and `alpha _1` once their command is
    rewritten (padded to its length); the subscript is joined back to its name, the spaces
    moved after it."""
    return _SPACED_SUBSCRIPT.sub(lambda m: m.group(2) + m.group(1), text)


_OPENS_AN_OPERAND = set("(+-*/^[{=,«")


def mark_absolute_bars(text: str) -> str:
    """`|x|` uses one character to open and to close; the grammar needs two. A bar opens
    where no bar is open, or after an operator or an opening bracket; otherwise it closes."""
    chars = list(text)
    depth = 0
    previous = None
    for position, char in enumerate(chars):
        if char == "|":
            if depth == 0 or previous is None or previous in _OPENS_AN_OPERAND:
                chars[position] = "«"
                depth += 1
            else:
                chars[position] = "»"
                depth -= 1
            previous = chars[position]
        elif char != " ":
            previous = char
    if depth:
        raise AnswerError(text, text.rfind("|"), "an absolute value '|' is never closed")
    return "".join(chars)


_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/^()[]{}=._\\,")
_ALLOWED |= set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺√«»") | set(GREEK)
_CHARACTER_ADVICE = {
    "!": "factorials are not supported",
    "<": "inequalities are not answers here; write the expression or the equation",
    ">": "inequalities are not answers here; write the expression or the equation",
    "'": "write a derivative out, e.g. sigma(x)(1 - sigma(x))",
}


reject_unsupported_characters = character_check(_ALLOWED, _CHARACTER_ADVICE)


def _reject_our_markers(text: str) -> str:
    """« and » are how the bars are marked; typed by a student they would be misread."""
    for position, char in enumerate(text):
        if char in "«»":
            raise AnswerError(text, position, f"character '{char}' is not allowed in an answer")
    return text


def _reject_integer_division(text: str) -> str:
    """`a // b`, Python's division rounding down, said in words, not as an unexpected '/'."""
    position = text.find("//")
    if position >= 0:
        raise AnswerError(
            text,
            position,
            "'//' (Python's division rounding down) is not part of an expression: write a "
            "division with / or \\frac, or round down with \\lfloor … \\rfloor",
            length=2,
        )
    return text


def map_elementwise_product(text: str) -> str:
    """⊙ (entry by entry) between the scalars of an expression item is an ordinary product."""
    return text.replace("⊙", "*")


EXPRESSION_STEPS: list[Step] = [
    check_length,
    blank_invisible_characters,
    reject_control_characters,
    _reject_our_markers,
    map_unicode_operators,
    map_elementwise_product,
    map_fullwidth_forms,
    strip_math_delimiters,
    rewrite_latex_commands,
    join_subscripts,
    mark_absolute_bars,
    reject_unsupported_characters,
    _reject_integer_division,
    check_brackets,
]
