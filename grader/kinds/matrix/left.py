"""The left side of a matrix answer: what the student says their matrix is.

A gradient is written in many ways (`\\frac{\\partial L}{\\partial W}`, `dL/dW`, `∂L/∂W`,
`\\nabla_W L`, `\\bar{W}`, `dW`); they all name "the gradient of the loss with respect to W".
Anything else is a name such as `A`, `g_{t-1}` or `Attention(Q,K,V)`, compared as written
(`grader.answer_names.name_key`: spacing, braces of one-character subscripts, Greek letters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from grader.errors import AnswerError

GRADIENT, NAME = "gradient", "name"


@dataclass(frozen=True)
class Left:
    kind: str  # GRADIENT or NAME
    name: str  # the matrix of a gradient (W), or the name as written without spaces
    written: str
    loss: str | None = None  # the function of a gradient, where written (L in dL/dW, not dW)
    transposed: bool = False  # written transposed, (dL/dW)ᵀ: the right side is its transpose

    def describe(self, loss: str = "L") -> str:
        """As the reading shows it: a gradient with the function the student wrote, else
        `loss`, the question's (∂L/∂W for dW)."""
        return f"∂{self.loss or loss}/∂{self.name}" if self.kind == GRADIENT else self.name


_MATRIX = r"(?P<matrix>[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)"
_LOSS = r"(?P<loss>[A-Za-zℓ](?:_\{?[A-Za-z0-9]+\}?)?)"
_D = r"[∂dδ]"
_GRADIENTS = [
    re.compile(rf"\\[dt]?frac\{{{_D}{_LOSS}\}}\{{{_D}{_MATRIX}\}}"),  # \frac{∂L}{∂W}
    re.compile(rf"{_D}{_LOSS}/{_D}{_MATRIX}"),  # dL/dW, ∂L/∂W
    re.compile(rf"∇_\{{?{_MATRIX}\}}?\(?{_LOSS}\)?"),  # ∇_W L
    re.compile(rf"{_MATRIX}\u0304"),  # \bar{W}, W̄
    re.compile(rf"{_D}{_MATRIX}"),  # dW
]


# A name as written: letters (or a Greek letter), then subscripts and superscripts, a brace of
# anything but another brace (`g_{t-1}`, `h^{(2)}`), primes, and arguments (`Attention(Q,K,V)`).
_SCRIPT = r"[_^](?:\{[^{}=]+\}|[A-Za-z0-9])"
_NAME = re.compile(
    rf"(?:[A-Za-z][A-Za-z0-9]*|[\u0370-\u03ff])\u0304?(?:{_SCRIPT}){{0,2}}'*(?:\([^()=]*\))?"
)


# A letter in braces after ∂ or d, `\\partial{L}`, is the letter.
_BRACED = re.compile(r"(?<=[∂dδ])\{([A-Za-zℓ](?:_\{?[A-Za-z0-9]+\}?)?)\}")
# A gradient in brackets, transposed: `(dL/dW)^T`.
_TRANSPOSED = re.compile(r"\((?P<inner>[^()]+)\)(?:\^T|\^\{T\}|ᵀ|'|′)")


def _clean(name: str) -> str:
    return name.replace("{", "").replace("}", "")


def _gradient(compact: str, written: str) -> Left | None:
    for pattern in _GRADIENTS:
        match = pattern.fullmatch(_BRACED.sub(r"\1", compact))
        if match:
            loss = match.groupdict().get("loss")
            return Left(
                GRADIENT, _clean(match.group("matrix")), written, _clean(loss) if loss else None
            )
    return None


def read_left(text: str, left: str) -> Left:
    """What `left` (the normalised text before '=', positions as in `text`) names: a gradient
    (`\\partial{L}` is ∂L; in brackets and transposed, `(dL/dW)^T`, it is marked so) or a
    name."""
    compact = "".join(left.split())
    if not compact:
        raise AnswerError(text, 0, "nothing stands before '='")
    gradient = _gradient(compact, left.strip())
    if gradient is not None:
        return gradient
    transposed = _TRANSPOSED.fullmatch(compact)
    gradient = transposed and _gradient(transposed.group("inner"), left.strip())
    if gradient:
        return replace(gradient, transposed=True)
    if _NAME.fullmatch(compact):
        return Left(NAME, re.sub(r"([_^])\{(.)\}", r"\1\2", compact), left.strip())
    start = len(left) - len(left.lstrip())
    raise AnswerError(
        text,
        start,
        "cannot read the left side: name the matrix, e.g. dL/dW = ... or A = ...",
        length=len(left.strip()),
    )
