"""Read a layer formula in index notation, or a matrix form such as Y = XW, safely.

A formula defines one output tensor entry by entry:

    y_{i,j,k} = \\sum_{u=-1}^{1}\\sum_{v=-1}^{1}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k

It is read by our own recursive-descent parser (the same normalisation steps as counts, with
the LaTeX commands a formula needs) into a `Formula`: the output entry with its free indices,
and a flat list of terms, each a coefficient, the sums it runs over and the tensor entries it
multiplies. Index expressions are sympy objects built from our own tree, never from text.

A matrix form (`Y = XW`, `Y^T = W^T X^T`) is read as a product of matrices and rewritten as the
index formula it stands for, inferring the parameters' shapes from the declared input and
output; shapes that cannot fit are reported in words, not as a parse error. The meaning of a
formula (which inputs each output reads through which weights) is `grader.layer`'s job.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy

from grader.errors import AnswerError, AnswerTooLargeError
from grader.normalise import (
    LATEX_LAYOUT,
    blank_invisible_characters,
    check_brackets,
    check_length,
    map_fullwidth_forms,
    map_unicode_operators,
    normalise,
    reject_control_characters,
    replace_span,
    rewrite_latex,
    strip_math_delimiters,
)

MAX_TERMS = 64  # terms of a formula once products of sums are expanded


@dataclass(frozen=True)
class TensorSpec:
    """A declared tensor: its name and its shape in the question's size symbols."""

    name: str
    shape: tuple[sympy.Expr, ...]


@dataclass(frozen=True)
class LayerSpec:
    """What a formula item's answers are about: the input and output tensors.

    An input index out of range reads zero (`padding == "zero"`), as at the border of a
    convolution; with `padding == "none"` such a read is pointed out instead.
    """

    input: TensorSpec
    output: TensorSpec
    padding: str = "zero"


@dataclass(frozen=True)
class Access:
    """One tensor entry such as x_{i+u,j+v,l}: indices are expressions in indices and sizes."""

    name: str
    indices: tuple[sympy.Expr, ...]
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)


@dataclass(frozen=True)
class SumRange:
    variable: sympy.Symbol
    low: sympy.Expr
    high: sympy.Expr


@dataclass(frozen=True)
class Term:
    coefficient: sympy.Rational
    sums: tuple[SumRange, ...]
    factors: tuple[Access, ...]


@dataclass(frozen=True)
class Formula:
    """A formula as we read it; `terms` is empty when `shape_problem` says why it cannot hold."""

    text: str
    output: Access
    terms: tuple[Term, ...]
    reading: str
    shape_problem: str | None = None

    @property
    def free(self) -> tuple[sympy.Symbol, ...]:
        return tuple(index for index in self.output.indices if isinstance(index, sympy.Symbol))


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
}
# Font commands only style a name: `\mathbf{X}` is the matrix X.
_FONT_COMMAND = re.compile(r"\\(mathbf|boldsymbol|bm|mathrm|mathit|mathsf|mathnormal)\s*\{")


def rewrite_formula_latex(text: str) -> str:
    """Allow-listed commands become symbols or spaces; a font command keeps only its name."""
    for match in reversed(list(_FONT_COMMAND.finditer(text))):
        close = text.find("}", match.end())
        if close < 0 or not re.fullmatch(r"\s*[A-Za-z]+\s*", text[match.end() : close]):
            raise AnswerError(
                text,
                match.start(),
                f"\\{match.group(1)} takes a name, e.g. \\{match.group(1)}{{X}}",
            )
        text = replace_span(text, close, close + 1, "")
        text = replace_span(text, match.start(), match.end(), "")
    return rewrite_latex(text, _FORMULA_COMMANDS)


# A superscript ᵀ is a whole transpose, like a prime; ⊤ follows a ^ (`X^⊤`), like T.
_FORMULA_CHARACTERS = {"∑": "Σ", "⩽": "≤", "⩾": "≥", "ᵀ": "'", "⊤": "T", "′": "'", "⋯": "…"}


def map_formula_characters(text: str) -> str:
    """The n-ary sum sign, slanted comparisons and transpose marks take one spelling each."""
    return text.translate(str.maketrans(_FORMULA_CHARACTERS))


_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/^()[]{}=_,.")
_ALLOWED |= set("Σ≤≥<>'∀∈…")


def reject_unsupported_formula_characters(text: str) -> str:
    """Anything outside a formula's characters is refused with its Unicode name."""
    for position, char in enumerate(text):
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


@dataclass(frozen=True)
class Token:
    kind: str  # NAME, NUMBER, SUM, REL, or the character itself
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


_TOKEN = re.compile(
    r"\s*(?:(?P<NAME>[A-Za-z]+)|(?P<NUMBER>[0-9]+)|(?P<REL><=|>=|[≤≥<>])|(?P<C>\S))"
)


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        value = match.group(kind)
        start = match.start(kind)
        if kind == "C":
            kind = "SUM" if value == "Σ" else value
        elif kind == "NAME" and value == "sum" and text[match.end() :].lstrip()[:1] == "_":
            kind = "SUM"  # `sum_{l=1}^{C}`; the letters s, u, m elsewhere are indices
        elif kind == "REL":
            value = {"<=": "≤", ">=": "≥"}.get(value, value)
            tokens.append(Token("REL", value.ljust(len(match.group("REL"))), start))
            continue
        tokens.append(Token(kind, value, start))
    return tokens


# --- The parser ----------------------------------------------------------------------------


def index_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True)


# Any letter may name an index of the output, or appear in a condition such as `1 ≤ k ≤ D`
# (read, then set aside), unless it is a size of the question.
_ANY_INDEX = {letter: index_symbol(letter) for letter in string.ascii_letters}


@dataclass(frozen=True)
class _Flat:
    """A term while reading: coefficient, sums and factors of a product."""

    coefficient: sympy.Rational
    sums: tuple[SumRange, ...] = ()
    factors: tuple[Access, ...] = ()


_ONE = _Flat(sympy.Integer(1))


def _product_term(a: _Flat, b: _Flat) -> _Flat:
    """a·b, renaming b's summed indices that a also sums over, so neither captures the other."""
    taken = {s.variable for s in a.sums}
    renaming: dict[sympy.Symbol, sympy.Symbol] = {}
    for s in b.sums:
        if s.variable in taken:
            fresh = s.variable
            while fresh in taken or fresh in renaming.values():
                fresh = index_symbol(fresh.name + "'")
            renaming[s.variable] = fresh
    sums = tuple(SumRange(renaming.get(s.variable, s.variable), s.low, s.high) for s in b.sums)
    factors = tuple(
        Access(f.name, tuple(i.xreplace(renaming) for i in f.indices), f.start, f.end)
        for f in b.factors
    )
    return _Flat(a.coefficient * b.coefficient, a.sums + sums, a.factors + factors)


def _multiply(left: list[_Flat], right: list[_Flat]) -> list[_Flat]:
    return [_product_term(a, b) for a in left for b in right]


@dataclass(frozen=True)
class _MatrixFactor:
    name: str
    transposed: bool
    start: int


class _Parser:
    """Recursive descent over the tokens; every error points at the student's text."""

    def __init__(self, original: str, normalised: str, sizes: Mapping[str, sympy.Symbol]):
        self.text = original
        self.tokens = tokenize(normalised)
        self.position = 0
        self.sizes = sizes
        self.size_symbols = set(sizes.values())

    # Tokens.

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, *kinds: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in kinds

    def take(self, *kinds: str, what: str | None = None) -> Token:
        token = self.peek()
        if token is None or (kinds and token.kind not in kinds):
            expected = what or " or ".join(f"'{k}'" if len(k) == 1 else k.lower() for k in kinds)
            raise self.error(token, f"expected {expected}")
        self.position += 1
        return token

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

    def number(self) -> sympy.Integer:
        token = self.take("NUMBER")
        if len(token.text) > 9:
            raise AnswerTooLargeError(
                self.text, token.start, "this number is too large for a formula", len(token.text)
            )
        return sympy.Integer(int(token.text))

    # Index expressions: sums of indices, sizes and numbers.

    def resolve(self, token: Token, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        """A letter in an index: an index in scope, else a size of the question."""
        name = token.text
        if name in scope:
            return scope[name]
        if name in self.sizes:
            return self.sizes[name]
        known = sorted(scope)
        hint = next((f"; did you mean {k}?" for k in known if k.lower() == name.lower()), "")
        raise AnswerError(
            self.text,
            token.start,
            f"unknown index {name}: it is not an index of the output and no sum introduces it "
            f"(the indices here are {', '.join(known) or 'none'}){hint}",
        )

    def index_expression(self, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        sign = -1 if self.at("-") else 1
        if self.at("+", "-"):
            self.take()
        total = sign * self.index_product(scope)
        while self.at("+", "-"):
            sign = -1 if self.take().kind == "-" else 1
            total += sign * self.index_product(scope)
        return sympy.expand(total)

    def index_product(self, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        first = self.peek()
        result = self.index_atom(scope)
        while self.at("NAME", "NUMBER", "(", "*"):
            if self.at("*"):
                self.take("*")
            result *= self.index_atom(scope)
        indices = result.free_symbols - self.size_symbols
        if indices and sympy.Poly(result, *indices).total_degree() > 1:
            raise AnswerError(
                self.text,
                first.start if first else 0,
                "an index must be a sum of indices, sizes and numbers, not a product of indices",
            )
        return result

    def index_atom(self, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        token = self.peek()
        if self.at("NUMBER"):
            return self.number()
        if self.at("(", "{"):
            close = ")" if self.take().kind == "(" else "}"
            inner = self.index_expression(scope)
            self.take(close)
            return inner
        if self.at("NAME"):
            return self.resolve(self.letter(), scope)
        raise self.error(token, "expected an index, a size or a number")

    def index_list(self, scope: Mapping[str, sympy.Symbol], close: str) -> list[sympy.Expr]:
        """`i,j,k`, `i-u, j-v, l`, or a run of letters `ijk` that is one index per letter."""
        end = self.position
        while end < len(self.tokens) and self.tokens[end].kind != close:
            end += 1
        if end > self.position and all(t.kind == "NAME" for t in self.tokens[self.position : end]):
            indices = []
            while not self.at(close):
                indices.append(self.resolve(self.letter(), scope))
            return indices
        indices = [self.index_expression(scope)]
        while self.at(","):
            self.take(",")
            indices.append(self.index_expression(scope))
        if not self.at(close):
            raise self.error(self.peek(), f"expected ',' or '{close}'")
        return indices

    def subscript(self, scope: Mapping[str, sympy.Symbol]) -> list[sympy.Expr] | None:
        """`_{i,j}`, `_i`, `_{ijk}` or `[i,j]`; None where there is none."""
        if self.at("["):
            self.take("[")
            indices = self.index_list(scope, "]")
            self.take("]")
            return indices
        if not self.at("_"):
            return None
        self.take("_")
        if self.at("{"):
            self.take("{")
            indices = self.index_list(scope, "}")
            self.take("}")
            return indices
        if self.at("NUMBER"):
            token = self.take()
            if len(token.text) > 1:
                self.tokens.insert(self.position, Token("NUMBER", token.text[1:], token.start + 1))
            return [sympy.Integer(int(token.text[0]))]
        return [self.resolve(self.letter(), scope)]

    # The index form.

    def output(self) -> Access:
        name = self.take("NAME", what="the output, e.g. y_{i,j,k}")
        indices = self.subscript({k: v for k, v in _ANY_INDEX.items() if k not in self.sizes})
        if indices is None:
            raise self.error(
                self.peek(), f"expected the indices of {name.text}, e.g. {name.text}_{{i,k}}"
            )
        if len(set(indices)) != len(indices) or not all(
            isinstance(i, sympy.Symbol) and i not in self.size_symbols for i in indices
        ):
            raise AnswerError(
                self.text,
                name.end,
                "the output's indices must be distinct letters, e.g. y_{i,j,k}",
            )
        return Access(name.text, tuple(indices), name.start, self.tokens[self.position - 1].end)

    def index_formula(self) -> tuple[Access, list[_Flat]]:
        output = self.output()
        self.take("=", what="'=' after the output")
        scope = {str(i): i for i in output.indices}
        terms = self.expression(scope)
        if self.at(","):
            self.take(",")
            if not self.at("∀"):
                self.conditions()
        if self.at("∀"):
            # `\forall i, j, k` or `\forall k \in \{1, \ldots, D\}`: where the formula holds,
            # which its output's indices already say; set aside.
            self.position = len(self.tokens)
        if self.peek() is not None:
            raise self.error(self.peek(), "expected '+', '-' or the end of the formula")
        return output, terms

    def expression(self, scope: Mapping[str, sympy.Symbol]) -> list[_Flat]:
        terms: list[_Flat] = []
        sign = sympy.Integer(-1 if self.at("-") else 1)
        if self.at("+", "-"):
            self.take()
        while True:
            terms += [_Flat(t.coefficient * sign, t.sums, t.factors) for t in self.term(scope)]
            if len(terms) > MAX_TERMS:
                raise AnswerTooLargeError(
                    self.text, 0, f"this formula has more than {MAX_TERMS} terms once expanded"
                )
            if not self.at("+", "-"):
                return terms
            sign = sympy.Integer(-1 if self.take().kind == "-" else 1)

    def term(self, outer: Mapping[str, sympy.Symbol]) -> list[_Flat]:
        """A product, possibly under sums: `\\sum_{l=1}^{C} w_{l,k} \\cdot x_{i,j,l}`."""
        scope = dict(outer)
        product = [_ONE]
        sums: list[SumRange] = []
        read_something = False
        while (token := self.peek()) is not None:
            if token.kind == "SUM":
                sums.append(self.sum_prefix(scope))
            elif token.kind == "NAME":
                product = _multiply(product, [_Flat(sympy.Integer(1), (), (self.access(scope),))])
            elif token.kind == "NUMBER":
                product = _multiply(product, [_Flat(self.number())])
            elif token.kind == "(" and self.is_condition():
                self.take("(")
                self.conditions()
                self.take(")")
            elif token.kind in "([":
                close = ")" if self.take().kind == "(" else "]"
                product = _multiply(product, self.expression(scope))
                self.take(close)
            elif token.kind == "*" and read_something:
                self.take()
                if not self.at("NAME", "NUMBER", "SUM", "(", "["):
                    raise self.error(self.peek(), "expected a factor after '*'")
                continue
            elif token.kind == "^":
                raise AnswerError(
                    self.text,
                    token.start,
                    "a power is not part of a layer formula: each term is a weight times an "
                    "input, or a bias",
                )
            elif token.kind == "/" and read_something:
                self.take()
                divisor = self.number()
                if divisor == 0:
                    raise AnswerError(self.text, token.start, "division by zero")
                product = [_Flat(t.coefficient / divisor, t.sums, t.factors) for t in product]
            else:
                break
            read_something = True
            if len(product) > MAX_TERMS:
                raise AnswerTooLargeError(
                    self.text, token.start, f"this formula has more than {MAX_TERMS} terms"
                )
        if not read_something:
            raise self.error(self.peek(), "expected a term such as w_{l,k} x_{i,j,l}")
        return [_product_term(_Flat(sympy.Integer(1), tuple(sums)), t) for t in product]

    def sum_prefix(self, scope: dict[str, sympy.Symbol]) -> SumRange:
        """`\\sum_{l=1}^{C}`, `\\sum_{u=-1}^1`, `sum_(l=1)^C`, or `\\sum_l` (range inferred)."""
        sum_token = self.take("SUM")
        self.take("_", what="'_' and the index of the sum, e.g. \\sum_{l=1}^{C}")
        low = high = None
        if self.at("{", "("):
            close = "}" if self.take().kind == "{" else ")"
            token = self.letter("the index of the sum")
            if self.at("="):
                self.take("=")
                low = self.index_expression({})
            self.take(close)
        else:
            token = self.letter("the index of the sum")
        if self.at("^"):
            self.take("^")
            if self.at("{", "("):
                close = "}" if self.take().kind == "{" else ")"
                high = self.index_expression({})
                self.take(close)
            elif self.at("NUMBER"):
                digit = self.take()
                if len(digit.text) > 1:
                    self.tokens.insert(
                        self.position, Token("NUMBER", digit.text[1:], digit.start + 1)
                    )
                high = sympy.Integer(int(digit.text[0]))
            else:
                high = self.resolve(self.letter("the end of the sum"), {})
        name = token.text
        if name in scope:
            raise AnswerError(
                self.text, token.start, f"{name} is already an index here; a sum needs a new letter"
            )
        if name in self.sizes:
            raise AnswerError(
                self.text,
                token.start,
                f"{name} is a size of this question; use another letter for the sum's index",
            )
        if (low is None) != (high is None):
            raise AnswerError(
                self.text,
                sum_token.start,
                f"give the whole range of the sum over {name}, e.g. \\sum_{{{name}=1}}^{{C}}, "
                "or none of it",
            )
        variable = index_symbol(name)
        scope[name] = variable
        return SumRange(variable, low, high)  # type: ignore[arg-type]

    def access(self, scope: Mapping[str, sympy.Symbol]) -> Access:
        name = self.take("NAME")
        indices = self.subscript(scope)
        if indices is not None:
            return Access(name.text, tuple(indices), name.start, self.tokens[self.position - 1].end)
        if len(name.text) == 1:  # a scalar parameter, such as one bias shared by all outputs
            return Access(name.text, (), name.start, name.end)
        raise AnswerError(
            self.text,
            name.start,
            f"'{name.text}' is not a tensor entry: write each factor with its indices, "
            "e.g. w_{l,k} x_{i,j,l}",
            len(name.text),
        )

    def is_condition(self) -> bool:
        """Whether the bracket that starts here holds a comparison, `(1 \\leq k \\leq D)`."""
        depth = 0
        for token in self.tokens[self.position :]:
            if token.kind in "([{":
                depth += 1
            elif token.kind in ")]}":
                depth -= 1
                if depth == 0:
                    return False
            elif token.kind == "REL" and depth == 1:
                return True
        return False

    def conditions(self) -> None:
        """`1 ≤ k ≤ D, 1 ≤ i ≤ P` says where a formula holds; it is read, then set aside."""
        scope = {k: v for k, v in _ANY_INDEX.items() if k not in self.sizes}
        while True:
            self.index_expression(scope)
            if not self.at("REL"):
                raise self.error(self.peek(), "expected a comparison such as 1 ≤ k ≤ D")
            while self.at("REL"):
                self.take("REL")
                self.index_expression(scope)
            if not self.at(","):
                return
            self.take(",")

    # The matrix form.

    def matrix_formula(
        self,
    ) -> tuple[_MatrixFactor, list[tuple[sympy.Rational, list[_MatrixFactor]]]]:
        lhs = self.matrix_factors()
        if len(lhs) != 1:
            raise AnswerError(self.text, 0, "the left side of a matrix form is one matrix, e.g. Y")
        self.take("=", what="'='")
        chains = self.matrix_expression()
        if self.peek() is not None:
            raise self.error(self.peek(), "expected '+', '-' or the end of the formula")
        return lhs[0], chains

    def matrix_expression(self) -> list[tuple[sympy.Rational, list[_MatrixFactor]]]:
        chains: list[tuple[sympy.Rational, list[_MatrixFactor]]] = []
        sign = sympy.Integer(-1 if self.at("-") else 1)
        if self.at("+", "-"):
            self.take()
        while True:
            coefficient = sympy.Integer(1)
            factors: list[_MatrixFactor] = []
            while self.at("NAME", "NUMBER", "*"):
                if self.at("*"):
                    self.take()
                elif self.at("NUMBER"):
                    coefficient *= self.number()
                else:
                    factors += self.matrix_factors()
            if not factors:
                raise self.error(self.peek(), "expected a matrix such as X or W")
            chains.append((sign * coefficient, factors))
            if not self.at("+", "-"):
                return chains
            sign = sympy.Integer(-1 if self.take().kind == "-" else 1)

    def matrix_factors(self) -> list[_MatrixFactor]:
        """`XW` is X times W; `W_Q` is one matrix; `^T`, `^{T}`, `^\\top` and `'` transpose."""
        name = self.take("NAME", what="a matrix such as X or W")
        letters = list(name.text)
        subscript = ""
        if self.at("_"):
            self.take("_")
            if self.at("{"):
                self.take("{")
                subscript = "_" + "".join(t.text for t in self._until("}"))
                self.take("}")
            else:
                subscript = "_" + self.take("NAME", "NUMBER").text
        factors = [_MatrixFactor(c, False, name.start + k) for k, c in enumerate(letters)]
        last = factors[-1]
        factors[-1] = _MatrixFactor(last.name + subscript, False, last.start)
        if self.at("^"):
            self.take("^")
            if self.at("{"):
                self.take("{")
                mark = self.take("NAME", what="T, for a transpose")
                self.take("}")
            else:
                mark = self.letter("T, for a transpose")
            if mark.text != "T":
                raise AnswerError(
                    self.text, mark.start, "only a transpose (^T) is supported on a matrix"
                )
            factors[-1] = _MatrixFactor(factors[-1].name, True, factors[-1].start)
        elif self.at("'"):
            self.take("'")
            factors[-1] = _MatrixFactor(factors[-1].name, True, factors[-1].start)
        return factors

    def _until(self, close: str) -> list[Token]:
        tokens = []
        while not self.at(close):
            tokens.append(self.take())
        return tokens


# --- From parse to Formula -----------------------------------------------------------------


def _same_name(written: str, declared: str) -> bool:
    return written.casefold() == declared.casefold()


def _show_index(index: sympy.Expr) -> str:
    return sympy.sstr(index).replace(" ", "").replace("*", "")


def _show_access(access: Access) -> str:
    if not access.indices:
        return access.name
    return f"{access.name}[{','.join(_show_index(i) for i in access.indices)}]"


def describe_formula(output: Access, terms: tuple[Term, ...]) -> str:
    """How we read a formula, with every sum's range and every product explicit."""
    pieces = []
    for number, term in enumerate(terms):
        sums = "".join(
            f"Σ_{{{s.variable}={_show_index(s.low)}..{_show_index(s.high)}}} " for s in term.sums
        )
        product = "·".join(_show_access(f) for f in term.factors)
        coefficient = term.coefficient
        sign = "-" if coefficient < 0 else "+"
        magnitude = abs(coefficient)
        if magnitude != 1 or not product:
            product = f"{magnitude}" + (f"·{product}" if product else "")
        text = f"{sums}{product}"
        pieces.append((text if sign == "+" else f"-{text}") if number == 0 else f" {sign} {text}")
    return f"{_show_access(output)} = {''.join(pieces) or '0'}"


class _FormulaBuilder:
    """Checks a parsed index formula against the declared tensors and fills in sum ranges."""

    def __init__(self, text: str, layer: LayerSpec):
        self.text = text
        self.layer = layer

    def fail(self, access: Access | None, message: str) -> AnswerError:
        start = access.start if access else 0
        length = (access.end - access.start) if access else 1
        return AnswerError(self.text, start, message, length)

    def build(self, output: Access, flats: list[_Flat]) -> tuple[Access, tuple[Term, ...]]:
        declared = self.layer.output
        if not _same_name(output.name, declared.name):
            raise self.fail(
                output,
                f"the left side is {output.name}, but this layer's output is {declared.name}",
            )
        if len(output.indices) != len(declared.shape):
            raise self.fail(output, self._rank_message(declared, len(output.indices)))
        output = Access(declared.name, output.indices, output.start, output.end)
        return output, tuple(self.term(flat) for flat in flats)

    def _rank_message(self, tensor: TensorSpec, count: int) -> str:
        shape = "×".join(_show_index(s) for s in tensor.shape)
        return f"{tensor.name} has {len(tensor.shape)} indices (it is {shape}), not {count}"

    def term(self, flat: _Flat) -> Term:
        factors = []
        inputs = 0
        for access in flat.factors:
            if _same_name(access.name, self.layer.input.name):
                if len(access.indices) != len(self.layer.input.shape):
                    raise self.fail(
                        access, self._rank_message(self.layer.input, len(access.indices))
                    )
                access = Access(self.layer.input.name, access.indices, access.start, access.end)
                inputs += 1
            elif _same_name(access.name, self.layer.output.name):
                raise self.fail(
                    access, f"the output {access.name} cannot also be read on the right side"
                )
            factors.append(access)
        if inputs > 1:
            raise self.fail(
                None,
                f"a term multiplies {self.layer.input.name} by itself: a layer's output must be "
                "a weighted sum of its inputs",
            )
        sums = tuple(self.ranged(s, factors) for s in flat.sums)
        return Term(flat.coefficient, sums, tuple(factors))

    def ranged(self, s: SumRange, factors: list[Access]) -> SumRange:
        """A sum written without its range runs over the input axis its index walks along."""
        if s.low is not None:
            return s
        for access in factors:
            if access.name == self.layer.input.name:
                for axis, index in enumerate(access.indices):
                    if index == s.variable:
                        return SumRange(s.variable, sympy.Integer(1), self.layer.input.shape[axis])
        raise AnswerError(
            self.text,
            0,
            f"the sum over {s.variable} has no range and {s.variable} does not index "
            f"{self.layer.input.name}; write it, e.g. \\sum_{{{s.variable}=1}}^{{C}}",
        )


class _ShapeConflict(Exception):
    pass


class _Shapes:
    """Union-find over matrix dimensions, some known (sizes), some to be inferred."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.value: dict[int, sympy.Expr] = {}

    def new(self, value: sympy.Expr | None = None) -> int:
        self.parent.append(len(self.parent))
        if value is not None:
            self.value[len(self.parent) - 1] = value
        return len(self.parent) - 1

    def find(self, dim: int) -> int:
        while self.parent[dim] != dim:
            self.parent[dim] = self.parent[self.parent[dim]]
            dim = self.parent[dim]
        return dim

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a == b:
            return
        known_a, known_b = self.value.get(a), self.value.get(b)
        if known_a is not None and known_b is not None and sympy.expand(known_a - known_b) != 0:
            raise _ShapeConflict(known_a, known_b)
        self.parent[b] = a
        if known_a is None and known_b is not None:
            self.value[a] = known_b

    def get(self, dim: int) -> sympy.Expr | None:
        return self.value.get(self.find(dim))


def _show_shape(rows: sympy.Expr, cols: sympy.Expr) -> str:
    return f"{_show_index(rows)}×{_show_index(cols)}"


def _describe_chains(chains: list[tuple[sympy.Rational, list[_MatrixFactor]]]) -> str:
    """`X·W - 2·X·V`: each product with its sign, and its coefficient where it is not 1."""
    text = ""
    for number, (coefficient, factors) in enumerate(chains):
        product = "·".join(f.name + ("ᵀ" if f.transposed else "") for f in factors)
        if abs(coefficient) != 1:
            product = f"{abs(coefficient)}·{product}"
        if number == 0:
            text = ("-" if coefficient < 0 else "") + product
        else:
            text += f" {'-' if coefficient < 0 else '+'} {product}"
    return text


def _is_bias(factors: list[_MatrixFactor], layer: LayerSpec) -> bool:
    """A term that is one lone vector, named in lower case as vectors are (`b`, `b_Q`; a
    capital `B` is a matrix with an entry for every output), and not the input."""
    (first, *rest) = factors
    return (
        not rest
        and not first.transposed
        and first.name[:1].islower()
        and not _same_name(first.name, layer.input.name)
    )


def _matrix_to_index(
    text: str,
    layer: LayerSpec,
    lhs: _MatrixFactor,
    chains: list[tuple[sympy.Rational, list[_MatrixFactor]]],
) -> tuple[Access, tuple[Term, ...], str, str | None]:
    """Rewrite `Y = XW` as y[r,c] = Σ_s x[r,s]·W[s,c], inferring the parameters' shapes."""
    x, y = layer.input, layer.output
    if len(x.shape) != 2 or len(y.shape) != 2:
        raise AnswerError(text, 0, "write this layer with indices, e.g. y_{i,k} = ...")
    if not _same_name(lhs.name, y.name):
        raise AnswerError(
            text, lhs.start, f"the left side is {lhs.name}, but the output is {y.name}"
        )
    reading = (f"{y.name}ᵀ" if lhs.transposed else y.name) + " = " + _describe_chains(chains)
    shapes = _Shapes()
    known = {
        x.name: (shapes.new(x.shape[0]), shapes.new(x.shape[1])),
        y.name: (shapes.new(y.shape[0]), shapes.new(y.shape[1])),
    }
    parameters: dict[str, tuple[int, int]] = {}

    def dims(factor: _MatrixFactor) -> tuple[int, int]:
        if _same_name(factor.name, x.name):
            pair = known[x.name]
        elif _same_name(factor.name, y.name):
            raise AnswerError(
                text, factor.start, f"the output {y.name} cannot also be on the right side"
            )
        else:
            pair = parameters.setdefault(factor.name, (shapes.new(), shapes.new()))
        return (pair[1], pair[0]) if factor.transposed else pair

    target = known[y.name][::-1] if lhs.transposed else known[y.name]
    hint = ""
    if sympy.expand(x.shape[0] - y.shape[0]) == 0:
        hint = (
            f" {x.name} is {_show_shape(*x.shape)} and {y.name} is {_show_shape(*y.shape)}, so the "
            f"weight matrix must be {_show_shape(x.shape[1], y.shape[1])} and multiply "
            f"{x.name} on the right: {y.name} = {x.name}W."
        )
    try:
        for _, factors in chains:
            if _is_bias(factors, layer):
                continue  # a vector added to every row: see below
            oriented = [dims(f) for f in factors]
            shapes.union(target[0], oriented[0][0])
            shapes.union(target[1], oriented[-1][1])
            for left, right in zip(oriented, oriented[1:], strict=False):
                shapes.union(left[1], right[0])
    except _ShapeConflict as conflict:
        a, b = conflict.args
        problem = (
            f"The shapes do not fit: {reading} would need {_show_index(a)} = {_show_index(b)}."
            + hint
        )
        output = Access(y.name, (index_symbol("r"), index_symbol("c")))
        return output, (), reading, problem
    for name, (rows, cols) in parameters.items():
        if shapes.get(rows) is None or shapes.get(cols) is None:
            output = Access(y.name, (index_symbol("r"), index_symbol("c")))
            problem = (
                f"The shape of {name} cannot be told from those of {x.name} and {y.name}." + hint
            )
            return output, (), reading, problem

    row, col = index_symbol("r"), index_symbol("c")
    output = Access(y.name, (row, col))
    first, last = (col, row) if lhs.transposed else (row, col)
    terms = []
    for coefficient, factors in chains:
        if _is_bias(factors, layer):
            # `Y = XW + b`: as in every framework, b is a row of biases added to each row of
            # XW, one for each column (output channel) of the output.
            (bias,) = factors
            terms.append(Term(coefficient, (), (Access(bias.name, (last,), bias.start),)))
            continue
        oriented = [dims(f) for f in factors]
        inner = [index_symbol(n) for n in "stuvpq"[: len(factors) - 1]]
        positions = [first, *inner, last]
        accesses = []
        for k, factor in enumerate(factors):
            pair = (positions[k], positions[k + 1])
            if factor.transposed:
                pair = pair[::-1]
            name = x.name if _same_name(factor.name, x.name) else factor.name
            accesses.append(Access(name, pair, factor.start, factor.start + len(factor.name)))
        sums = tuple(
            SumRange(index, sympy.Integer(1), shapes.get(oriented[k][1]))
            for k, index in enumerate(inner)
        )
        terms.append(Term(coefficient, sums, tuple(accesses)))
    return output, tuple(terms), reading, None


def parse_formula(text: str, sizes: Mapping[str, sympy.Symbol], layer: LayerSpec) -> Formula:
    """Read `text` as a formula for `layer` over the question's sizes, or raise `AnswerError`."""
    if not text.strip():
        raise AnswerError(text, 0, "the answer is empty")
    normalised = normalise(text, FORMULA_STEPS)
    parser = _Parser(text, normalised, sizes)
    first, second = parser.peek(), parser.peek(1)
    matrix_form = (
        first is not None
        and first.kind == "NAME"
        and (second is None or second.kind in ("=", "^", "'"))
    )
    if matrix_form:
        lhs, chains = parser.matrix_formula()
        output, terms, reading, problem = _matrix_to_index(text, layer, lhs, chains)
        if problem is None:
            reading += ", read as " + describe_formula(output, terms)
        return Formula(text, output, terms, reading, problem)
    raw_output, flats = parser.index_formula()
    output, terms = _FormulaBuilder(text, layer).build(raw_output, flats)
    return Formula(text, output, terms, describe_formula(output, terms))
