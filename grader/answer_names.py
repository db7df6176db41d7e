"""What an answer's left side calls it, compared with the names a rubric gives (`result:`, a
label, an alias), as written and normalised: spacing, `$`, braces around a one-character
subscript or superscript (`g_{t}` is `g_t`), `\\frac{a}{b}` and `a/b`, `\\partial`, `∂` and `d`
(`\\frac{\\partial L}{\\partial h}` is `dL/dh`), LaTeX Greek letters, their Unicode and
their names (`\\sigma'(x)` is `σ'(x)` and `sigma'(x)`), primes (`’`, `\\prime`), `\\left`
and `\\right`. Case is kept: `Y` and `y` are different names."""

from __future__ import annotations

import re

from grader.normalise import GREEK

_GREEK_COMMANDS = {word: word for word in GREEK.values()}
_GREEK_COMMANDS |= {"varepsilon": "epsilon", "varphi": "phi", "vartheta": "theta"}
_COMMANDS = {
    "partial": "d",
    "nabla": "∇",
    "prime": "'",
    "top": "T",
    "intercal": "T",
    "cdot": "·",
    **_GREEK_COMMANDS,
}
_DROPPED = ("\\left", "\\right", "\\mathrm", "\\operatorname", "\\mathit", "\\displaystyle")
_FRACTION = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_ONE_CHARACTER_GROUP = re.compile(r"([_^])\{(.)\}")
_BRACED_LETTERS = re.compile(r"(?<![_^A-Za-z\\])\{([A-Za-z]+)\}")


def name_key(text: str) -> str:
    """`text` as a name to compare: two ways of writing one name give one key."""
    key = _COMMAND.sub(lambda m: _COMMANDS.get(m.group(1), m.group(0)), text)
    key = "".join(key.split()).strip("$")
    for dropped in _DROPPED:
        key = key.replace(dropped, "")
    key = key.replace("’", "'").replace("′", "'").replace("∂", "d")
    key = "".join(GREEK.get(char, char) for char in key)
    previous = None
    while previous != key:  # \frac{\partial L}{\partial h}: commands first, then the fraction
        previous = key
        key = _COMMAND.sub(lambda m: _COMMANDS.get(m.group(1), m.group(0)), key)
        key = key.replace("∂", "d")
        key = _FRACTION.sub(r"\1/\2", key)
        key = _BRACED_LETTERS.sub(r"\1", key)  # \mathrm{d}L: the braces of a dropped command
    return _ONE_CHARACTER_GROUP.sub(r"\1\2", key)


def names_match(written: str, names: tuple[str, ...]) -> bool:
    """Whether `written` (a left side) is one of `names`, as `name_key` compares them."""
    key = name_key(written)
    return bool(key) and any(key == name_key(name) for name in names)
