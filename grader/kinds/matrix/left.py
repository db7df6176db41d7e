"""The left side of a matrix answer: what the student says their matrix is.

A gradient is written in many ways (`\\frac{\\partial L}{\\partial W}`, `dL/dW`, `∂L/∂W`,
`\\nabla_W L`, `\\bar{W}`, `dW`); they all name "the gradient of the loss with respect to W".
Anything else is a name such as `A` or `Attention(Q,K,V)`, compared as written, spacing aside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.errors import AnswerError

GRADIENT, NAME = "gradient", "name"


@dataclass(frozen=True)
class Left:
    kind: str  # GRADIENT or NAME
    name: str  # the matrix of a gradient (W), or the name as written without spaces
    written: str

    def describe(self) -> str:
        return f"∂L/∂{self.name}" if self.kind == GRADIENT else self.name


_MATRIX = r"([A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)"
_LOSS = r"(?:[A-Za-zℓ](?:_\{?[A-Za-z0-9]+\}?)?)"
_D = r"[∂dδ]"
_GRADIENTS = [
    re.compile(rf"\\[dt]?frac\{{{_D}{_LOSS}\}}\{{{_D}{_MATRIX}\}}"),  # \frac{∂L}{∂W}
    re.compile(rf"{_D}{_LOSS}/{_D}{_MATRIX}"),  # dL/dW, ∂L/∂W
    re.compile(rf"∇_\{{?{_MATRIX}\}}?\(?{_LOSS}\)?"),  # ∇_W L
    re.compile(rf"{_MATRIX}\u0304"),  # \bar{W}, W̄
    re.compile(rf"{_D}{_MATRIX}"),  # dW
]


def _clean(name: str) -> str:
    return name.replace("{", "").replace("}", "")


def read_left(text: str, left: str) -> Left:
    """What `left` (the normalised text before '=', positions as in `text`) names."""
    compact = "".join(left.split())
    if not compact:
        raise AnswerError(text, 0, "nothing stands before '='")
    for pattern in _GRADIENTS:
        match = pattern.fullmatch(compact)
        if match:
            return Left(GRADIENT, _clean(match.group(1)), left.strip())
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_{}]*(\([A-Za-z0-9_{},]*\))?", compact):
        return Left(NAME, _clean(compact), left.strip())
    start = len(left) - len(left.lstrip())
    raise AnswerError(
        text,
        start,
        "cannot read the left side: name the matrix, e.g. dL/dW = ... or A = ...",
        length=len(left.strip()),
    )
