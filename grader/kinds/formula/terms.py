"""What a layer formula is once read, and what its two written forms share.

A formula defines one output tensor entry by entry, either in index notation
(`index_form`) or as a matrix product such as Y = XW (`matrix_form`); both are read into the
same `Formula`: the output entry with its free indices and a flat list of terms, each a
coefficient, the sums it runs over and the tensor entries it multiplies. This module holds
those types, the normalisation steps and tokens both forms read, a token reader they extend,
and the reading shown to students (`describe_formula`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache, partial
from typing import NamedTuple

import sympy
from sympy.printing.str import StrPrinter

from grader.errors import AnswerError, AnswerTooLargeError
from grader.normalise import (
    LATEX_LAYOUT,
    blank_invisible_characters,
    check_brackets,
    check_length,
    map_fullwidth_forms,
    map_unicode_operators,
    reject_control_characters,
    replace_span,
    rewrite_latex,
    strip_math_delimiters,
)

MAX_TERMS = 64  # terms of a formula once products of sums are expanded

_HASH = "_hash_once"  # where `hashed_once` keeps an object's hash, beside its fields


def hashed_once(cls: type) -> type:
    """A frozen dataclass whose hash is worked out once an object: the checks' memos are keyed
    by the reference, its layer and their terms, and a dataclass's hash is otherwise its
    fields' (nested tuples of sympy expressions) hashed again at every look-up. The same value
    as the dataclass's own hash; it is not pickled (another process may hash strings
    otherwise), nor compared, copied by `replace` or shown."""
    fields_hash = cls.__hash__

    def __hash__(self) -> int:
        kept = self.__dict__.get(_HASH)
        if kept is None:
            kept = fields_hash(self)
            object.__setattr__(self, _HASH, kept)
        return kept

    def __getstate__(self) -> dict:
        return {name: value for name, value in self.__dict__.items() if name != _HASH}

    cls.__hash__ = __hash__
    cls.__getstate__ = __getstate__
    return cls


@lru_cache(maxsize=32)  # a few classes
def _stored_fields(cls: type) -> frozenset[str] | None:
    """The fields a dataclass's `__init__` does nothing but store; None where it does more (a
    `__post_init__`, a field it does not take), for `replaced` to leave to `replace`."""
    if hasattr(cls, "__post_init__") or not all(f.init for f in fields(cls)):
        return None
    return frozenset(f.name for f in fields(cls))


def replaced(obj, **changes):
    """`dataclasses.replace(obj, **changes)` for a frozen dataclass, made by copying its fields
    rather than through `__init__` (one `object.__setattr__` a field) after a look at each: a
    tenth of the time for a `Formula` of 20 fields, made three times for each reading of an
    answer counted from 0. What is not a field (a hash kept by `hashed_once`, a
    `cached_property`) is not copied; a name that is not a field is refused, as by `replace`."""
    names = _stored_fields(type(obj))
    if names is None or not changes.keys() <= names:
        return replace(obj, **changes)
    new = object.__new__(type(obj))
    new.__dict__.update({name: v for name, v in obj.__dict__.items() if name in names}, **changes)
    return new


@hashed_once
@dataclass(frozen=True)
class TensorSpec:
    """A declared tensor: its name and its shape in the question's size symbols."""

    name: str
    shape: tuple[sympy.Expr, ...]


@hashed_once
@dataclass(frozen=True)
class LayerSpec:
    """What a formula item's answers are about: the input and output tensors.

    An input index out of range reads zero (`padding == "zero"`), as at the border of a
    convolution; with `padding == "none"` such a read is pointed out instead.

    A recurrent cell declares its output again among its inputs (`h`, shape [T, H]): its
    formula reads the previous state h_{t-1} as an input. The comparison does not unroll the
    recurrence: the output h and the state read back are distinct tensors there, h_0 reads as
    zero (the padding), and the time axis lets weights be compared across steps.
    """

    input: TensorSpec
    output: TensorSpec
    padding: str = "zero"
    # A layer with several inputs (x_t and h_{t-1}) reads `input` and these; see `inputs`.
    more_inputs: tuple[TensorSpec, ...] = ()

    @property
    def inputs(self) -> tuple[TensorSpec, ...]:
        """Every input tensor, in the rubric's order."""
        return (self.input, *self.more_inputs)

    def input_named(self, name: str) -> TensorSpec | None:
        """The input a name written in a formula reads (any case), if any."""
        return next((t for t in self.inputs if same_name(name, t.name)), None)

    def is_input(self, name: str) -> bool:
        """Whether `name`, as stored in a read formula (the declared spelling), is an input."""
        return any(name == t.name for t in self.inputs)

    @property
    def recurrent(self) -> bool:
        """A recurrent cell: one of its inputs is its own output read back, h_{t-1}."""
        return any(t.name == self.output.name for t in self.more_inputs)


@hashed_once
@dataclass(frozen=True)
class Access:
    """One tensor entry such as x_{i+u,j+v,l}: indices are expressions in indices and sizes."""

    name: str
    indices: tuple[sympy.Expr, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@hashed_once
@dataclass(frozen=True)
class SumRange:
    variable: sympy.Symbol
    low: sympy.Expr
    high: sympy.Expr


@hashed_once
@dataclass(frozen=True)
class Term:
    coefficient: sympy.Rational
    sums: tuple[SumRange, ...]
    factors: tuple[Access, ...]


@dataclass(frozen=True)
class GivenMatrices:
    """A formula's matrices besides those the question gives (declared with their shapes under
    `matrices` and used by the reference): `U = XᵀA` or `U = XᵀG + XᵀA` for `U = XᵀG`. Each
    matrix as (name, shape as written, or "" where unknown)."""

    others: tuple[tuple[str, str], ...]
    # The given matrices the formula leaves out (`U = XᵀA`: G); where it leaves none out
    # (`U = XᵀG + XᵀA`), all the reference uses, with `left_out` False. Empty where `others`
    # are matrices the question gives for something else (`matrices: {W_V: other}`) and the
    # reference names none the question gives (attn-q1's W_V).
    given: tuple[tuple[str, str], ...]
    left_out: bool


@dataclass(frozen=True)
class ScaledGiven:
    """A matrix the question gives (declared with its shape and used by the reference) that a
    formula multiplies by another number than the reference does, with no weight of the
    student's own in its terms to take the number in: `U = 2XᵀG` for `U = XᵀG`."""

    name: str  # as declared: "G"
    shape: str  # as declared: "N×D"
    yours: sympy.Rational  # the number the formula multiplies it by, over its terms
    answers: sympy.Rational  # the number the reference multiplies it by
    terms: int  # how many of the formula's terms hold it


@hashed_once
@dataclass(frozen=True)
class Formula:
    """A formula as we read it; `terms` is empty when `shape_problem` says why it cannot hold."""

    text: str
    output: Access
    terms: tuple[Term, ...]
    reading: str
    shape_problem: str | None = None
    # A matrix form's parameter matrices, each (name, rows, cols) as its shapes imply, so that
    # a matrix the reference also names can be held to the reference's shape.
    matrix_shapes: tuple[tuple[str, sympy.Expr, sympy.Expr], ...] = field(default=(), compare=False)
    activation: str | None = None  # an elementwise function around the right side: "tanh"
    # How many terms, the last of `terms`, are added after the activation, outside it
    # (`h = tanh(Wx) + b`: 1): another function than the activation of all of them.
    after_activation: int = 0
    # "max" where the window is reduced by its maximum; "min" where by its minimum, as a max
    # of negated inputs is read (max(-x) = -min(x), the minus kept in the coefficient)
    reduction: str | None = None
    # The reduction is the other one than written, a minus sign inside it (max(-x) = -min(x),
    # min(-x) = -max(x)).
    negated: bool = False
    # What was assumed to read it, shown to the student: "the ranges of the question's window,
    # u = 0..1 and v = 0..1, for \\max_{u,v}".
    assumed: tuple[str, ...] = field(default=(), compare=False)
    # Weights read stored transposed where the rubric leaves their layout open (not declared
    # `any`): a verdict that rests on that reading is a person's to confirm, or earns the
    # rubric's `layout` credit. Each (the reference's name, the shape this formula needs, the
    # reference's, the name as this formula writes it), the shapes as written:
    # ("w", "D×C", "C×D", "W").
    relayout: tuple[tuple[str, str, str, str], ...] = field(default=(), compare=False)
    # Matrices the formula uses that the reference does not name, where the question gives
    # others (`GivenMatrices`): a verdict that rests on reading them as parameters of the
    # student's own is a person's to confirm.
    given_matrices: GivenMatrices | None = field(default=None, compare=False)
    # An index form with an entry of one token's product as a term (`(x_n A)_k`): its matrices
    # are held to the question's as a formula written with vectors is (`q_n = x_n A`).
    vector_entries: bool = field(default=False, compare=False)
    # Why what it means cannot be told (terms are then empty): a person reads it.
    unsure: str | None = None
    # With `unsure`: weights multiplied with a size between them that no shape settles
    # (`Y = XWV`), sent to a person as any product of weights is, not as a range left out.
    weights_multiplied: bool = False
    # The ranges of the letters of an output index written as a sum, such as g and n of
    # y_{i,j,(g-1)D/G+n}: each combination of them names one output.
    enumerates: tuple[SumRange, ...] = ()
    # The sides of a chain of working that writes the layer more than one way
    # (`h_k = \\tanh(\\sum_l W_{k,l} x_l + b_k) = \\tanh(w_k^T x + b_k)`), each read as a formula
    # of its own, as written: this formula is the last, graded only where they define one layer.
    chain_sides: tuple[Formula, ...] = ()

    @property
    def free(self) -> tuple[sympy.Symbol, ...]:
        plain = tuple(index for index in self.output.indices if isinstance(index, sympy.Symbol))
        return plain + tuple(s.variable for s in self.enumerates)


# --- Normalisation -------------------------------------------------------------------------

# What each LaTeX command a formula may use becomes (same length or shorter, padded).
_FORMULA_COMMANDS: dict[str, str | None] = {
    **LATEX_LAYOUT,
    "sum": "Σ",
    "limits": "",
    "nolimits": "",
    "displaystyle": "",
    "leq": "≤",
    "le": "≤",
    "leqslant": "≤",
    "geq": "≥",
    "ge": "≥",
    "geqslant": "≥",
    "lt": "<",
    "gt": ">",
    "big": "",
    "Big": "",
    "top": "T",
    "intercal": "T",
    "forall": "∀",
    "in": "∈",
    "ldots": "…",
    "dots": "…",
    "cdots": "…",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "frac": "÷",
    "tanh": "tanh",
    "sigma": "sigma",
    "max": "max",
    "min": "min",
    "dfrac": "÷",
    "tfrac": "÷",
}
# Font commands only style a name: `\mathbf{X}` is the matrix X, `\mathbf{1}` a vector of ones.
_FONT_COMMAND = re.compile(r"\\(mathbf|boldsymbol|bm|mathrm|mathit|mathsf|mathnormal)\s*\{")


# `\text{tanh}`, `\operatorname{ReLU}`: a function's name set upright, read as `\mathrm{…}`
# is, when the name is one a formula knows (an activation, max); anything else is refused.
_NAME_COMMAND = re.compile(r"\\(text|textrm|textup|operatorname)\s*\{\s*([A-Za-z]+)\s*\}")
_FUNCTION_NAMES = frozenset({"tanh", "sigma", "sigmoid", "relu", "max", "min"})


# A function's name right after a letter or a digit (`\max_u\max_v`, `w_l\tanh(…)`) keeps a
# space before it, where it would otherwise be glued to them as one name (`umax`).
_GLUED_FUNCTION = re.compile(r"(?<=[A-Za-z0-9])\\(max|min|tanh|sigma)(?![A-Za-z])")


# A product over a range is no layer this grader reads (a layer adds weighted inputs): said in
# those words, for a person to read, where it was "unsupported LaTeX command" or a bare refusal.
_PRODUCT = re.compile(r"\\prod(?![A-Za-z])")
PRODUCT_REFUSED = (
    "a product over a range (\\prod) is not read in a layer formula, which adds up weighted "
    "inputs with \\sum"
)


def rewrite_formula_latex(text: str) -> str:
    """Allow-listed commands become symbols or spaces; a font command keeps only its name,
    as does `\\text{…}` or `\\operatorname{…}` around a known function's name."""
    product = _PRODUCT.search(text)
    if product is not None:
        raise AnswerError(text, product.start(), PRODUCT_REFUSED, length=len(product.group(0)))
    for match in reversed(list(_NAME_COMMAND.finditer(text))):
        if match.group(2).casefold() in _FUNCTION_NAMES:  # the name stays in its columns
            text = replace_span(text, match.end(2), match.end(), "")
            text = replace_span(text, match.start(), match.start(2), "")
    for match in reversed(list(_FONT_COMMAND.finditer(text))):
        close = text.find("}", match.end())
        if close < 0 or not re.fullmatch(r"\s*(?:[A-Za-z]+|1)\s*", text[match.end() : close]):
            raise AnswerError(
                text,
                match.start(),
                f"\\{match.group(1)} takes a name, e.g. \\{match.group(1)}{{X}}",
            )
        text = replace_span(text, close, close + 1, "")
        text = replace_span(text, match.start(), match.end(), "")
    for match in reversed(list(_GLUED_FUNCTION.finditer(text))):  # `\max_u\max_v`
        text = replace_span(text, match.start(), match.end(), " " + match.group(1))
    return rewrite_latex(text, _FORMULA_COMMANDS)


# A superscript ᵀ is a whole transpose, like a prime; ⊤ follows a ^ (`X^⊤`), like T.
_FORMULA_CHARACTERS = {"∑": "Σ", "⩽": "≤", "⩾": "≥", "ᵀ": "'", "⊤": "T", "′": "'", "⋯": "…"}
_FORMULA_TABLE = str.maketrans(_FORMULA_CHARACTERS)  # made once: every answer is mapped


def map_formula_characters(text: str) -> str:
    """The n-ary sum sign, slanted comparisons and transpose marks take one spelling each."""
    if text.isascii():
        return text  # none is ASCII: nothing to map (most answers)
    return text.translate(_FORMULA_TABLE)


_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/^()[]{}=_,.")
_ALLOWED |= set("Σ≤≥<>'∀∈…⌊⌋⌈⌉÷")  # ÷ stands for \\frac (a typed ÷ is already '/')


def reject_unsupported_formula_characters(text: str) -> str:
    """Anything outside a formula's characters is refused with its Unicode name."""
    if _ALLOWED.issuperset(text):
        return text  # every character allowed, as in most answers: no need to find one
    for position, char in enumerate(text):
        if char == "∏":
            raise AnswerError(text, position, PRODUCT_REFUSED)
        if char not in _ALLOWED:
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            raise AnswerError(text, position, f"character '{char}' ({name}) is not allowed here")
    return text


FORMULA_STEPS = [
    check_length,
    blank_invisible_characters,
    reject_control_characters,
    map_unicode_operators,
    map_fullwidth_forms,
    map_formula_characters,
    strip_math_delimiters,
    rewrite_formula_latex,
    reject_unsupported_formula_characters,
    check_brackets,
]


# --- Tokens --------------------------------------------------------------------------------


class Token(NamedTuple):
    """One token of a formula's text; a named tuple, quick to make (a formula has dozens)."""

    kind: str  # NAME, NUMBER, SUM, REL, or the character itself
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


# No leading `\s*`: `finditer` steps over the spaces between tokens, which no token matches,
# and each match is then its token, its text `group()` and its place `start()`.
_TOKEN = re.compile(
    r"(?P<NAME>[A-Za-z]+)|(?P<NUMBER>(?<![_^])[0-9]+\.[0-9]+|[0-9]+)"
    r"|(?P<REL><=|>=|[≤≥<>])|(?P<C>\S)"
)


# A token made as `Token(...)` makes it, without the named tuple's `__new__` in Python: a
# formula has dozens, and every distinct answer's are made anew.
_new_token = partial(tuple.__new__, Token)


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group()
        start = match.start()
        if kind == "C":
            kind = "SUM" if value == "Σ" else value
        elif kind == "NAME" and value == "sum" and text[match.end() :].lstrip()[:1] == "_":
            kind = "SUM"  # `sum_{l=1}^{C}`; the letters s, u, m elsewhere are indices
        elif (
            kind == "NAME" and value in ("max", "min") and text[match.end() :].lstrip()[:1] in "_{("
        ):
            # `\\max_{u=0}^{1}` or `\\max\\{x_{2i,2j,k}, …\\}`: max pooling; a min is read
            # by the same rules, its word kept in the token's text
            kind = "MAX"
        elif kind == "REL":
            value = {"<=": "≤", ">=": "≥"}.get(value, value)
            tokens.append(Token("REL", value.ljust(len(match.group("REL"))), start))
            continue
        elif kind == "NUMBER" and len(value) == 2 and tokens and tokens[-1].kind == "÷":
            # `\frac14`: LaTeX takes one character for each argument, so \frac{1}{4}
            for at, digit in enumerate(value):
                tokens += [
                    Token("{", "", start + at),
                    Token("NUMBER", digit, start + at),
                    Token("}", "", start + at + 1),
                ]
            continue
        tokens.append(_new_token((kind, value, start)))
    return tokens


def index_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True)


class TokenReader:
    """Recursive descent over a formula's tokens; every error points at the student's text.

    The two forms of a formula (`index_form`, `matrix_form`) each extend it with their rules.
    """

    def __init__(self, original: str, tokens: list[Token], sizes: Mapping[str, sympy.Symbol]):
        self.text = original
        self.tokens = tokens
        self.position = 0
        self.sizes = sizes
        self.size_symbols = set(sizes.values())

    def activation(self) -> str | None:
        """`\\tanh(`, `\\sigma(`, `sigmoid(`, `ReLU(`: the function around the right side (in
        every form of a formula)."""
        token, after = self.peek(), self.peek(1)
        if token is None or after is None or token.kind != "NAME" or after.kind != "(":
            return None
        name = ACTIVATIONS.get(token.text.casefold())
        if name is None:
            return None
        self.position += 2
        return name

    def is_activation(self, name: Token) -> bool:
        """Whether `name`, just taken, is an activation met inside the right side: followed by
        its bracket (`tanh(…)`) or written as a LaTeX command (`\\tanh b`), not t·a·n·h."""
        return name.text.casefold() in ACTIVATIONS and (
            self.at("(") or self.text.startswith("\\", name.start)
        )

    def misplaced_activation(self, name: Token, output: str) -> AnswerError:
        """`tanh(…)` met inside the right side, `name` just taken: refused, saying where it is
        (`b - tanh(Wx)`: subtracted; `2 tanh(Wx)`, `W tanh(h)`: inside a product)."""
        kinds = [t.kind for t in self.tokens[max(self.position - 3, 0) : self.position - 1]]
        kind = kinds[-1] if kinds else ""
        where = (
            "negated, with a minus sign before it"
            if kinds in (["=", "-"], ["(", "-"], ["-"])
            else "subtracted, with a minus sign before it"
            if kind == "-"
            else "inside a product"
            if kind in ("NAME", "NUMBER", ")", "*", "ONES")
            else "not the whole right side"
        )
        return AnswerError(
            self.text,
            name.start,
            f"{name.text}(…) is read only around the whole right side, as in "
            f"{output} = {ACTIVATIONS[name.text.casefold()]}(…); here it is {where}",
            len(name.text),
        )

    def close_activation(self, activation: str) -> Token:
        """The `)` closing `activation(`; a bracket there after a factor (`\\tanh(W(x + b))`)
        is refused as not read, not as "expected ')'" (the student wrote that bracket)."""
        token, before = self.peek(), self.tokens[self.position - 1] if self.position else None
        if token is not None and token.kind == "(" and before and before.kind in ("NAME", "}", ")"):
            what = "a factor times a bracket"
            if before.kind == "NAME":
                what = f"{before.text}(…), {what},"
            raise AnswerError(
                self.text,
                token.start,
                f"{what} is not read inside {activation}(…): write the product multiplied out, "
                "term by term",
            )
        return self.take(")", what=f"')' closing {activation}(")

    # Tokens.

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, *kinds: str) -> bool:
        position = self.position  # `peek`, inlined: reading a formula asks this often
        return position < len(self.tokens) and self.tokens[position].kind in kinds

    def take(self, *kinds: str, what: str | None = None) -> Token:
        token = self.peek()
        if token is None or (kinds and token.kind not in kinds):
            expected = what or " or ".join(f"'{k}'" if len(k) == 1 else k.lower() for k in kinds)
            raise self.error(token, f"expected {expected}")
        self.position += 1
        return token

    def transpose(self) -> bool:
        """Whether a transpose follows (`^T`, `^{T}`, `'`), taken; any other power is refused."""
        if self.at("'"):
            self.take("'")
            return True
        if not self.at("^"):
            return False
        self.take("^")
        if self.at("{"):
            self.take("{")
            mark = self.take("NAME", what="T, for a transpose")
            self.take("}")
        else:
            mark = self.letter("T, for a transpose")
        if mark.text != "T":
            raise AnswerError(self.text, mark.start, "only a transpose (^T) is supported here")
        return True

    def signed_products(
        self, factors: Callable[[], list], expected: str, opens: tuple[str, ...] = ()
    ) -> list[tuple[sympy.Rational, list]]:
        """`2 W x_t - U h_{t-1} + b`, the right side of a matrix or vector form: each term a
        sign, numbers and the factors `factors` reads from a name (or from one of `opens`, a
        bracket it reads), as (coefficient, factors); `expected` says what a term is, for a
        term with no factor."""
        products: list[tuple[sympy.Rational, list]] = []
        sign = sympy.Integer(-1 if self.at("-") else 1)
        if self.at("+", "-"):
            self.take()
        while True:
            coefficient = sympy.Integer(1)
            read: list = []
            while self.at("NAME", "NUMBER", "*", *opens):
                if self.at("*"):
                    self.take()
                elif self.at("NUMBER"):
                    coefficient *= self.number()
                else:
                    read += factors()
            if not read:
                raise self.error(self.peek(), expected)
            products.append((sign * coefficient, read))
            if len(products) > MAX_TERMS:
                raise AnswerTooLargeError(
                    self.text, 0, f"this formula has more than {MAX_TERMS} terms"
                )
            if not self.at("+", "-"):
                return products
            sign = sympy.Integer(-1 if self.take().kind == "-" else 1)

    def error(self, token: Token | None, message: str) -> AnswerError:
        if token is None:
            return AnswerError(
                self.text, len(self.text.rstrip()), f"the formula ends too early: {message}"
            )
        found = token.text.strip() or token.kind
        return AnswerError(self.text, token.start, f"{message}, not '{found}'", len(token.text))

    def letter(self, what: str = "an index") -> Token:
        """One letter of a NAME: as in LaTeX, `x_ij` subscripts only the `i`."""
        token = self.take("NAME", what=what)
        if len(token.text) > 1:
            self.tokens.insert(self.position, Token("NAME", token.text[1:], token.start + 1))
            token = Token("NAME", token.text[0], token.start)
        return token

    def number(self) -> sympy.Rational:
        """A whole number, or a decimal (`0.25 \\sum ...`, the mean of a 2x2 window), exactly:
        0.25 is 1/4. (A decimal is a token only outside a subscript: `x_2.5` is not one.)"""
        token = self.take("NUMBER")
        whole, _, decimals = token.text.partition(".")
        if len(whole) + len(decimals) > 9:
            raise AnswerTooLargeError(
                self.text, token.start, "this number is too large for a formula", len(token.text)
            )
        return sympy.Rational(int(whole + decimals), 10 ** len(decimals))

    def _until(self, close: str) -> list[Token]:
        tokens = []
        while not self.at(close):
            tokens.append(self.take())
        return tokens


# --- How a formula was read ------------------------------------------------------------


def same_name(written: str, declared: str) -> bool:
    return written.casefold() == declared.casefold()


@lru_cache(maxsize=4096)
def show_index(index: sympy.Expr) -> str:
    """An index as written: `t+u-(K+1)/2` and `n+D(g-1)/G`, the terms with fractions gathered
    over one denominator, rather than sympy's `-K/2+t+u-1/2` and `Dg/G-D/G+n`."""
    terms = sympy.Add.make_args(index)
    fractional = [t for t in terms if t.as_numer_denom()[1] != 1]
    if len(fractional) < 2:
        return _show(index)
    whole = _show(sympy.Add(*(t for t in terms if t not in fractional)))
    gathered = _show(sympy.factor(sympy.Add(*fractional)))
    if whole == "0":
        return gathered
    return f"{whole}{gathered}" if gathered.startswith("-") else f"{whole}+{gathered}"


class _IndexPrinter(StrPrinter):
    """sympy's plain printing, with floors and ceilings in brackets: ⌊(k-1)G/D⌋."""

    def _print_floor(self, expr: sympy.Expr) -> str:
        return f"⌊{_show(expr.args[0])}⌋"

    def _print_ceiling(self, expr: sympy.Expr) -> str:
        return f"⌈{_show(expr.args[0])}⌉"


def _show(expr: sympy.Expr) -> str:
    return _IndexPrinter().doprint(expr).replace(" ", "").replace("*", "")


def counted(number: int, one: str, many: str) -> str:
    """`number` with its noun in agreement: 1 position, 2 positions."""
    return f"{number} {one if number == 1 else many}"


def show_access(access: Access) -> str:
    if not access.indices:
        return access.name
    return f"{access.name}[{','.join(show_index(i) for i in access.indices)}]"


# Elementwise activations a layer may apply around its weighted sum, as written → as named.
ACTIVATIONS = {
    "tanh": "tanh",
    "sigma": "σ",
    "sigmoid": "σ",
    "relu": "ReLU",
}


@lru_cache(maxsize=256)  # an answer's reading is written, then its alt text, alike
def describe_formula(
    output: Access,
    terms: tuple[Term, ...],
    activation: str | None = None,
    reduction: str | None = None,
    after: int = 0,
) -> str:
    """How we read a formula, with every sum's range and every product explicit; the last
    `after` terms added after the activation, outside it."""
    if reduction is not None and len(terms) > 1:  # a max over a list of entries, as written
        right = listed_reduction(terms, reduction, show_access)
        return f"{show_access(output)} = {right}"
    pieces = []
    for number, term in enumerate(terms):
        sums = "".join(
            f"{reduction or 'Σ'}_{{{plain_text(s.variable)}={show_index(s.low)}.."
            f"{show_index(s.high)}}} "
            for s in term.sums
        )
        product = "·".join(show_access(f) for f in term.factors)
        coefficient = term.coefficient
        sign = "-" if coefficient < 0 else "+"
        magnitude = abs(coefficient)
        if magnitude != 1 or not product:
            product = plain_text(magnitude) + (f"·{product}" if product else "")
        text = f"{sums}{product}"
        pieces.append((text if sign == "+" else f"-{text}") if number == 0 else f" {sign} {text}")
    inside = len(pieces) - after
    right = "".join(pieces[:inside]) or "0"
    if activation is not None:
        right = f"{activation}({right})"
    return f"{show_access(output)} = {right}{''.join(pieces[inside:])}"


def listed_reduction(
    terms: tuple[Term, ...], reduction: str, shown: Callable[[Access], str]
) -> str:
    """A max (or min) over a list of entries, read as written (`max{x[2i,2j,k], …}`), with
    their common factor before it; the entries as `shown` writes each."""
    factor = terms[0].coefficient
    entries = ", ".join("·".join(shown(f) for f in term.factors) for term in terms)
    before = "" if factor == 1 else "-" if factor == -1 else f"{plain_text(factor)}·"
    return f"{before}{reduction}{{{entries}}}"


def plain_text(expr: sympy.Expr) -> str:
    """`str(expr)`, without sympy's printer for a plain symbol or a rational number: the same
    text (`C`, `3`, `-1/2`), at a fortieth of the cost. Every formula's reading and MathML
    print its coefficients and sum variables, new numbers for every distinct answer."""
    if type(expr) is sympy.Symbol:
        return expr.name
    if isinstance(expr, sympy.Rational):
        return str(expr.p) if expr.q == 1 else f"{expr.p}/{expr.q}"
    return str(expr)
