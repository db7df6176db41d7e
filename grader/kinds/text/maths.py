"""Maths written in an explanation ("about 1/D + 1/K²"), read as fractions of sums of products
so that a concept's evidence can name a quantity, not a bag of its letters.

A pattern's alternative with an operator in it (`1/d+1/k^2`, `1/k^2`, `(k^2+d)/(k^2d)`) is a
maths alternative. It is read here into a canonical form, and it fits a word of an answer where
a stretch of maths with the same canonical form begins: the whole stretch ("1/K^2 + 1/D"), or
one of its terms ("1/K^2" in "1/D + 1/K^2"). Two forms are the same when they are the same
rational expression up to the order of terms and factors and a common monomial factor of the
numerator and the denominator: `1/D + 1/K^2`, `\\frac{1}{K^2} + \\frac{1}{D}`, `D^{-1} + K^{-2}`
and `(K^2 C + C D)/(K^2 C D)` have one form, `(d+k^2)/dk^2`, and `1/D + 1/K` another.

Letters are symbols, written together they multiply (`CD` is C·D), a subscripted letter is a
symbol of its own (`XW_Q` is X·W_Q), numbers are whole, and powers whole and small. Nothing is
evaluated: the text is read by the small parser below into polynomials with rational
coefficients; what it cannot read (an unknown LaTeX command, a symbolic or large power, too
many terms, unbalanced brackets) has no form and fits nothing.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

MAX_POWER = 8
MAX_TERMS = 64  # monomials of one polynomial while reading; more, and the stretch is not read
MAX_TOKENS = 200  # tokens of one stretch of maths
MAX_DEPTH = 16  # brackets within brackets

_TOKEN = re.compile(
    r"(?P<frac>\\[dt]?frac)"
    r"|(?P<skip>\\left|\\right|\\,|\\;|\\!)"
    r"|(?P<mul>\\cdot|\\times|\*(?!\*)|·|×|⋅)"
    r"|(?P<command>\\[A-Za-z]+|\\.)"
    r"|(?P<letters>[A-Za-z]+)"
    r"|(?P<number>\d+)"
    r"|(?P<super>[²³])"
    r"|(?P<pow>\^|\*\*)"
    r"|(?P<div>/)"
    r"|(?P<sub>_)"
    r"|(?P<plus>\+)"
    r"|(?P<minus>[-−])"
    r"|(?P<open>[({\[])"
    r"|(?P<close>[)}\]])"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
_OPERATORS = {"mul", "pow", "div", "plus", "minus", "frac", "sub"}
_MATHS_KINDS = _OPERATORS | {"super"}  # a stretch of maths has one of these
_MATHS_ALTERNATIVE = re.compile(r"[/^²³{}()\\+*·_]")

Monomial = tuple[tuple[str, int], ...]  # sorted (symbol, power) pairs
Poly = dict[Monomial, Fraction]


class _Unread(Exception):
    """The text is not maths this reader reads."""


def _poly_mul(a: Poly, b: Poly) -> Poly:
    result: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            powers = dict(ma)
            for symbol, power in mb:
                powers[symbol] = powers.get(symbol, 0) + power
            key = tuple(sorted(powers.items()))
            result[key] = result.get(key, Fraction(0)) + ca * cb
    return _checked({k: c for k, c in result.items() if c})


def _poly_add(a: Poly, b: Poly, sign: int = 1) -> Poly:
    result = dict(a)
    for key, coefficient in b.items():
        result[key] = result.get(key, Fraction(0)) + sign * coefficient
    return _checked({k: c for k, c in result.items() if c})


def _checked(poly: Poly) -> Poly:
    if len(poly) > MAX_TERMS:
        raise _Unread
    return poly


Ratio = tuple[Poly, Poly]  # numerator, denominator
_ONE: Poly = {(): Fraction(1)}


def _mul(a: Ratio, b: Ratio) -> Ratio:
    return _poly_mul(a[0], b[0]), _poly_mul(a[1], b[1])


def _div(a: Ratio, b: Ratio) -> Ratio:
    if not b[0]:
        raise _Unread  # a division by zero
    return _poly_mul(a[0], b[1]), _poly_mul(a[1], b[0])


def _add(a: Ratio, b: Ratio, sign: int = 1) -> Ratio:
    if a[1] == b[1]:
        return _poly_add(a[0], b[0], sign), a[1]
    return (
        _poly_add(_poly_mul(a[0], b[1]), _poly_mul(b[0], a[1]), sign),
        _poly_mul(a[1], b[1]),
    )


def _power(a: Ratio, power: int) -> Ratio:
    if abs(power) > MAX_POWER:
        raise _Unread
    if power < 0:
        a, power = _div((_ONE, _ONE), a), -power
    result: Ratio = (_ONE, _ONE)
    for _ in range(power):
        result = _mul(result, a)
    return result


def _render(poly: Poly) -> str:
    if not poly:
        return "0"
    terms = []
    for monomial, coefficient in sorted(poly.items()):
        factors = "".join(s if p == 1 else f"{s}^{p}" for s, p in monomial)
        if not factors:
            terms.append(str(coefficient))
        elif coefficient == 1:
            terms.append(factors)
        elif coefficient == -1:
            terms.append(f"-{factors}")
        else:
            terms.append(f"{coefficient}{factors}")
    return "+".join(terms).replace("+-", "-")


def _canonical(ratio: Ratio) -> str:
    """The fraction with the monomial and number common to its numerator and denominator taken
    out, the denominator's first coefficient 1, written in order."""
    numerator, denominator = ratio
    if not denominator:
        raise _Unread  # a division by zero
    if not numerator:
        return "0"
    monomials = [*numerator, *denominator]
    common = {s: min(dict(m).get(s, 0) for m in monomials) for s, _ in monomials[0]}
    common = {s: p for s, p in common.items() if p}

    def reduce(poly: Poly) -> Poly:
        scale = denominator[min(denominator)]
        result: Poly = {}
        for monomial, coefficient in poly.items():
            powers = {s: p - common.get(s, 0) for s, p in monomial}
            result[tuple(sorted((s, p) for s, p in powers.items() if p))] = coefficient / scale
        return result

    top, bottom = _render(reduce(numerator)), _render(reduce(denominator))
    if bottom == "1":
        return top
    return f"{_bracketed(top)}/{_bracketed(bottom)}"


def _bracketed(sum_text: str) -> str:
    """A sum in brackets (as the side of a fraction); a monomial as it is."""
    return f"({sum_text})" if re.search(r".[+-]", sum_text) else sum_text


def _number(text: str) -> Ratio:
    value = int(text)
    return ({(): Fraction(value)} if value else {}), _ONE


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]):
        self.tokens = tokens
        self.at = 0
        self.depth = 0  # brackets open
        self.summands: list[tuple[int, int, Ratio]] = []  # the top level's terms, where each begins

    def peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def take(self, kind: str | None = None) -> tuple[str, str, int]:
        if self.at >= len(self.tokens) or (kind and self.tokens[self.at][0] != kind):
            raise _Unread
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expression(self, top: bool = False) -> Ratio:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Unread
        total: Ratio | None = None
        while total is None or self.peek() in ("plus", "minus"):
            sign = 1
            start = self.at
            if self.peek() in ("plus", "minus"):
                sign = 1 if self.take()[0] == "plus" else -1
                if sign > 0:
                    start = self.at  # a term after a `+` begins past it
            if start >= len(self.tokens):
                raise _Unread
            begins = self.tokens[start][2]  # before reading the term rewrites its tokens
            term = self.term()
            if sign < 0:
                term = (_poly_add({}, term[0], -1), term[1])
            if top:
                last = self.tokens[self.at - 1]
                self.summands.append((begins, last[2] + len(last[1]), term))
            total = term if total is None else _add(total, term)
        self.depth -= 1
        return total

    def term(self) -> Ratio:
        value = self.factor()
        while True:
            kind = self.peek()
            if kind == "mul":
                self.take()
                value = _mul(value, self.factor())
            elif kind == "div":
                self.take()
                value = _div(value, self.factor())
            elif kind in ("number", "letters", "open", "frac"):
                value = _mul(value, self.factor())
            else:
                return value

    def factor(self) -> Ratio:
        prefix: Ratio = (_ONE, _ONE)
        if self.peek() == "letters" and len(self.tokens[self.at][1]) > 1:
            # letters written together multiply as one factor (1/DK is 1/(DK)), and a power
            # is the last letter's (DK^2 is D·K²)
            _, text, position = self.tokens[self.at]
            for letter in text[:-1]:
                prefix = _mul(prefix, self._letter(letter))
            self.tokens[self.at] = ("letters", text[-1], position + len(text) - 1)
        value = self.atom()
        while self.peek() in ("pow", "super"):
            kind, text, _ = self.take()
            value = _power(value, self.exponent() if kind == "pow" else "  ²³".index(text))
        return _mul(prefix, value)

    @staticmethod
    def _letter(letter: str) -> Ratio:
        return {((letter.lower(), 1),): Fraction(1)}, _ONE

    def exponent(self) -> int:
        bracketed = self.peek() == "open"
        if bracketed:
            self.take()
        sign = 1
        if self.peek() == "minus":
            self.take()
            sign = -1
        power = sign * int(self.take("number")[1])
        if bracketed:
            self.take("close")
        return power

    def atom(self) -> Ratio:
        kind, text, _ = self.take()
        if kind == "number":
            return _number(text)
        if kind == "letters":
            value: Ratio = (_ONE, _ONE)
            for letter in text[:-1]:
                value = _mul(value, self._letter(letter))
            name = text[-1]
            if self.peek() == "sub":  # W_Q, W_{QK}: a symbol of its own
                self.take()
                name = f"{name}_{self.subscript()}"
            return _mul(value, self._letter(name))
        if kind == "open":
            value = self.expression()
            self.take("close")
            return value
        if kind == "frac":
            return _div(self.argument(), self.argument())
        raise _Unread

    def subscript(self) -> str:
        """A subscript's text: letters and numbers in braces, or one character."""
        kind, text, position = self.take()
        if kind in ("letters", "number"):
            if len(text) > 1:  # W_QK is W_Q K: the rest is read after the subscript
                self.at -= 1
                self.tokens[self.at] = (kind, text[1:], position + 1)
            return text[0].lower()
        if kind != "open":
            raise _Unread
        parts = []
        while self.peek() in ("letters", "number"):
            parts.append(self.take()[1].lower())
        self.take("close")
        if not parts:
            raise _Unread
        return "".join(parts)

    def argument(self) -> Ratio:
        """An argument of \\frac: a braced expression, or one character (`\\frac12`)."""
        kind, text, position = self.take()
        if kind == "open":
            value = self.expression()
            self.take("close")
            return value
        if kind in ("number", "letters"):
            if len(text) > 1:  # \frac12: the rest is read after the fraction
                self.at -= 1
                self.tokens[self.at] = (kind, text[1:], position + 1)
                text = text[0]
            if kind == "number":
                return _number(text)
            return {((text.lower(), 1),): Fraction(1)}, _ONE
        raise _Unread


def _a_factor_before(current: list[tuple[str, str, int]], kind: str, token: str) -> bool:
    """Whether a stretch that is one capital letter, before a space and another capital letter,
    is a factor of what follows ("D K^2/(D + K^2)" is D·K²/(D + K²)); not the article A, nor I."""
    return (
        len(current) == 1
        and current[0][0] == kind == "letters"
        and len(current[0][1]) == len(token) == 1
        and current[0][1].isupper()
        and token.isupper()
        and current[0][1] not in "AI"
    )


def _stretches(text: str) -> list[list[tuple[str, str, int]]]:
    """The stretches of maths in a text, as tokens (kind, text, position). A stretch ends at
    anything not maths (`=`, a comma, an unknown LaTeX command) and at a space between two
    operands outside brackets ("1/K^2 of them": `of` is not a factor), except after a lone
    capital letter before another ("D K^2/(D + K^2)", see `_a_factor_before`)."""
    stretches: list[list[tuple[str, str, int]]] = []
    current: list[tuple[str, str, int]] = []
    depth = 0
    pending_space = False
    tokens = [(m.lastgroup or "other", m.group(0), m.start()) for m in _TOKEN.finditer(text)]
    tokens = [token for token in tokens if token[0] != "skip"]
    for index, (kind, token, position) in enumerate(tokens):
        if kind == "space":
            pending_space = True
            continue
        if kind in ("other", "command") or _a_dash_before_a_word(tokens, index, pending_space):
            if current:
                stretches.append(current)
            current, depth, pending_space = [], 0, False
            continue
        if (
            pending_space
            and current
            and depth == 0
            and current[-1][0] not in _OPERATORS
            and kind not in _OPERATORS - {"frac"}
            and kind not in ("close", "super")
            and not _a_factor_before(current, kind, token)
        ):
            stretches.append(current)
            current = []
        pending_space = False
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        current.append((kind, token, position))
    if current:
        stretches.append(current)
    return [s for s in stretches if len(s) <= MAX_TOKENS]


def _a_dash_before_a_word(tokens: list[tuple[str, str, int]], index: int, spaced: bool) -> bool:
    """Whether the token is a dash between spaces followed by a word ("1/D + 1/K^2 - the kernel
    is factored"), which ends the maths, rather than a minus ("1/D - 1/K^2", "K^2 - 1")."""
    after = tokens[index + 1 : index + 4]
    return (
        spaced
        and tokens[index][0] == "minus"
        and len(after) >= 2
        and after[0][0] == "space"
        and after[1][0] == "letters"
        and len(after[1][1]) > 1
        and (len(after) == 2 or after[2][0] in ("space", "other"))
    )


def _read(
    tokens: list[tuple[str, str, int]],
) -> tuple[Ratio, list[tuple[int, int, Ratio]]] | None:
    parser = _Parser(list(tokens))
    try:
        value = parser.expression(top=True)
        if parser.at != len(parser.tokens):
            return None
    except (_Unread, ZeroDivisionError):
        return None
    return value, parser.summands


def is_maths(alternative: str) -> bool:
    """Whether a pattern's alternative is maths (it has an operator), not a word."""
    return bool(_MATHS_ALTERNATIVE.search(alternative)) and not alternative.endswith("*")


@lru_cache(maxsize=4096)
def canonical(text: str) -> str | None:
    """The canonical form of a pattern's maths alternative; None if it cannot be read."""
    if any(m.lastgroup in ("other", "command", "space") for m in _TOKEN.finditer(text)):
        return None  # an unknown command, a character or a space that is not maths
    stretches = _stretches(text)
    if len(stretches) != 1:
        return None
    read = _read(stretches[0])
    if read is None:
        return None
    try:
        return _canonical(read[0])
    except _Unread:
        return None


def forms(text: str) -> tuple[tuple[int, int, str], ...]:
    """The maths of a text: (start, end, canonical form) of each stretch the reader reads, and
    of each of its terms when it has several. A stretch without an operator (a word, a lone
    symbol, `CD`) or with a word of more than four letters in it ("position-wise",
    "data-dependent") is prose, not maths, and is not read. A text with no character that
    may be maths (see `_MAY_BE_MATHS`) has none, and is not split into stretches at all."""
    if _MAY_BE_MATHS.search(text) is None:
        return ()
    return _read_forms(text)


# A character that may stand in maths: every operator, power and LaTeX command of `_TOKEN`,
# and a hyphen unless a word of five letters or more touches it. Such a word is in the hyphen's
# stretch (only a space or a character that is not maths ends one), which is then prose
# ("data-dependent", "token-wise": see `forms`), so a text whose only operators are such
# hyphens, as most sentences' are, has no maths.
_MAY_BE_MATHS = re.compile(r"[\\*·×⋅²³^/_+−]|(?<![A-Za-z]{5})-(?![A-Za-z]{5})")


@lru_cache(maxsize=4096)
def _read_forms(text: str) -> tuple[tuple[int, int, str], ...]:
    """`forms`, read: remembered per text, as a class writes the same sentences in many answers
    (positions are from the text's start)."""
    found: list[tuple[int, int, str]] = []
    for stretch in _stretches(text):
        if not any(kind in _MATHS_KINDS for kind, _, _ in stretch) or any(
            kind == "letters" and len(token) > 4 for kind, token, _ in stretch
        ):
            continue
        offset = stretch[0][2]
        relative = tuple((kind, token, at - offset) for kind, token, at in stretch)
        found += [(offset + start, offset + end, form) for start, end, form in _forms(relative)]
    return tuple(found)


@lru_cache(maxsize=4096)
def _forms(stretch: tuple[tuple[str, str, int], ...]) -> tuple[tuple[int, int, str], ...]:
    """The forms of one stretch (positions from its start), remembered: the same maths recurs
    in many answers."""
    read = _read(list(stretch))
    if read is None:
        return ()
    value, summands = read
    end = stretch[-1][2] + len(stretch[-1][1])
    try:
        found = [(stretch[0][2], end, _canonical(value))]
        if len(summands) > 1:
            found += [(start, stop, _canonical(term)) for start, stop, term in summands]
    except _Unread:
        return ()
    return tuple(found)
