"""Read a one-line maths answer into sympy, safely, and say how it was read.

The text is normalised (`grader.kinds.count.steps`), parsed by our own lark grammar
(`expression.lark`, beside this module) and the tree is turned into a small AST of our own,
from which we build sympy objects directly. Nothing is ever passed to `eval`, `sympify` or
`parse_expr`.

Before a sympy object is built, the size of what it would become (digits of its numbers, its
degree and its number of terms once expanded) is estimated, so that `9^9^9` is refused at once
instead of being evaluated.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import NamedTuple

import sympy
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from sympy.core.add import _addsort

from grader.errors import AnswerError, AnswerTooLargeError, AnswerTooLongError
from grader.kinds.count.names import cover as _cover
from grader.kinds.count.names import declared_pieces as _declared_pieces
from grader.kinds.count.names import normal_name as _normal_name
from grader.kinds.count.steps import (
    COUNT_STEPS,
    LENIENT_STEPS,
    ROUNDING_FUNCTIONS,
    ROUNDING_SAID,
    UNIT_WORDS,
    Question,
    named_terms,
    rounding_function_unbracketed,
    rounding_words_unread,
    thousands_spans,
    unit_doubt,
)
from grader.normalise import fold_compatibility_forms, normalise

MAX_NUMBER_DIGITS = 30
MAX_COEFFICIENT_BITS = 8000  # about 2400 decimal digits, well under Python's 4300-digit limit
MAX_SYMBOLIC_EXPONENT = 40
MAX_EXPONENTIAL_BASE_BITS = 40  # the base of 2^C is factored into primes to compare exactly
MAX_DEGREE = 40
MAX_TERMS = 500


# --- The AST -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True)
class Number(Node):
    value: sympy.Rational
    text: str

    @property
    def shown(self) -> str:
        """The number as read: a decimal as written, a whole number without leading zeros
        (from the int: printing a sympy number goes through its slower printer)."""
        return self.text if "." in self.text else str(self.value.p)


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Sum(Node):
    terms: tuple[tuple[str, Node], ...]  # ("+" or "-", term); the first sign is always "+"


@dataclass(frozen=True)
class Product(Node):
    factors: tuple[tuple[str, Node], ...]  # ("*" or "/" or "" for juxtaposition, factor)


@dataclass(frozen=True)
class Power(Node):
    base: Node
    exponent: Node


@dataclass(frozen=True)
class Rounding(Node):
    """`⌊x⌋` or `⌈x⌉` (`\\lfloor x \\rfloor`, `floor(x)`, `a // b`): `kind` is "floor" or
    "ceiling"."""

    kind: str
    operand: Node


@dataclass(frozen=True)
class ParsedAnswer:
    """An answer as we read it: one expression, or a chain `a = b = c` of them."""

    text: str
    sides: tuple[sympy.Expr, ...]
    side_readings: tuple[str, ...]
    trees: tuple[Node, ...] = ()  # our AST of each side, for renderers
    notes: tuple[str, ...] = ()  # what a lenient step did to read it: "read p as P"
    # Why a person decides, though the answer is read: words set aside that name something
    # other than what the item counts (`steps.unit_doubt`)
    review: str | None = None
    # The other reading of a '/' before factors side by side: `9C/GD` is read 9·C/(G·D), and
    # also 9·C/G·D, this (None where there is no such '/')
    alternative: ParsedAnswer | None = None
    # The terms its words name (`9CD weights + D biases`): each term's count and what the
    # words call it ("weights", "biases"), for comparing each with the layer's own; () where
    # words name no terms (`steps.named_terms`)
    named: tuple[tuple[sympy.Expr, str], ...] = ()

    @property
    def expr(self) -> sympy.Expr:
        """The answer itself: the last side of a chain of working."""
        return self.sides[-1]

    @property
    def interpretation(self) -> str:
        return " = ".join(self.side_readings)


# --- Grammar -------------------------------------------------------------------------------


@cache
def _parser() -> Lark:
    grammar = resources.files("grader.kinds.count").joinpath("expression.lark").read_text("utf-8")
    # Positions come from the tokens (brackets are kept as tokens for that): lark's
    # propagate_positions would double the time of a parse.
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


# A term of a plain sum: a whole number, a run of letters, or a number before a run of
# letters, then the sign of the next term or the end (lark's NUMBER, NAME and ADDOP, with
# the white space it ignores): `2PQCD + PQD`, `9CD - D`, `12`.
_PLAIN_TERM = re.compile(
    r"[ \t\n\r]*(?:(?P<number>[0-9]+)(?![0-9.])[ \t\n\r]*)?"
    r"(?P<name>[A-Za-z]+(?![A-Za-z0-9_]))?[ \t\n\r]*(?P<sign>[+-]|\Z)"
)


def _plain_sum(text: str) -> Tree | None:
    """The tree lark's parser makes of a plain sum (`_PLAIN_TERM`), as most counts are
    written, made without it (its parse is a tenth of a count's check); None for any other
    text, which lark parses (and tells what is wrong with)."""
    children: list[Tree | Token] = []
    position = 0
    while True:
        term = _PLAIN_TERM.match(text, position)
        if term is None or not (term["number"] or term["name"]):
            return None
        children.append(_plain_term(term))
        if not term["sign"]:
            break
        children.append(Token("ADDOP", term["sign"], term.start("sign"), end_pos=term.end("sign")))
        position = term.end()
    node = children[0] if len(children) == 1 else Tree(Token("RULE", "sum"), children)
    return Tree(Token("RULE", "start"), [node])


def _plain_term(term: re.Match[str]) -> Tree:
    """A term of `_plain_sum` as lark's tree holds it: a number, a name, or both side by side."""
    leaves = [
        Tree(kind, [Token(kind.upper(), term[kind], term.start(kind), end_pos=term.end(kind))])
        for kind in ("number", "name")
        if term[kind]
    ]
    return leaves[0] if len(leaves) == 1 else Tree(Token("RULE", "juxtaposition"), leaves)


_TERMINAL_WORDS = {
    "NUMBER": "a number",
    "NAME": "a symbol",
    "LPAR": "'('",
    "LSQB": "'['",
    "LBRACE": "'{'",
    "FRAC": "\\frac",
    "ADDOP": "a sign",
    "RPAR": "')'",
    "RSQB": "']'",
    "RBRACE": "'}'",
    "MULOP": "an operator",
    "INTDIV": "'//'",
    "POW": "'^'",
    "EQUALS": "'='",
    "SUPERSCRIPT": "an exponent",
    "LFLOOR": "\\lfloor",
    "LCEIL": "\\lceil",
    "RFLOOR": "\\rfloor",
    "RCEIL": "\\rceil",
    "FUNCTION": "floor( or ceil(",
}


def _expected_words(expected: set[str]) -> str:
    if {"NUMBER", "NAME"} <= expected:
        return "a number, a symbol or '('"
    words = sorted({_TERMINAL_WORDS[t] for t in expected if t in _TERMINAL_WORDS})
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_error(original: str, error: UnexpectedInput) -> AnswerError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = _expected_words(error.expected)
        if token.type == "$END":
            message = "the answer ends too early"
            if expected:
                message += f": expected {expected}"
            return AnswerError(original, len(original.rstrip()), message)
        message = f"unexpected '{token.value}'"
        if token.type == "EQUALS":
            message += ": '=' must stand between two complete expressions"
        elif expected:
            message += f": expected {expected}"
        return AnswerError(original, token.start_pos, message, length=len(str(token.value)))
    if isinstance(error, UnexpectedCharacters):
        char = original[error.pos_in_stream]
        return AnswerError(original, error.pos_in_stream, f"unexpected '{char}'")
    return AnswerError(original, getattr(error, "pos_in_stream", 0) or 0, "cannot read this")


# --- Tree to AST ---------------------------------------------------------------------------


_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def _start(tree: Tree) -> int:
    """Where the text of a tree starts: its first token (every token is kept in the tree)."""
    while isinstance(tree, Tree):
        tree = tree.children[0]
    return tree.start_pos


def _end(tree: Tree) -> int:
    while isinstance(tree, Tree):
        tree = tree.children[-1]
    return tree.end_pos


class _TreeReader:
    """Turns lark's tree into our AST, splitting runs of letters over the declared symbols."""

    def __init__(
        self,
        text: str,
        symbols: Mapping[str, sympy.Symbol],
        integer_division: bool = False,
        divide_first_only: bool = False,
    ):
        self.text = text
        self.symbols = symbols
        self.integer_division = integer_division
        # `9C/GD`: the product after '/' is the divisor (9·C/(G·D)), or, with
        # `divide_first_only`, only its first factor is (9·C/G·D); `divided_product` says
        # whether the answer has such a product, so that it has two readings.
        self.divide_first_only = divide_first_only
        self.divided_product = False

    def chain(self, tree: Tree) -> list[Node]:
        return [self.node(child) for child in tree.children if isinstance(child, Tree)]

    def node(self, tree: Tree | Token) -> Node:
        if isinstance(tree, Token):
            raise AssertionError(f"unexpected token {tree.type} in the tree")
        reader = getattr(self, "read_" + tree.data)
        return reader(tree)

    def read_sum(self, tree: Tree) -> Node:
        children = tree.children
        if len(children) == 1:
            return self.node(children[0])
        terms = [("+", self.node(children[0]))]
        for sign, term in zip(children[1::2], children[2::2], strict=True):
            terms.append((str(sign), self.node(term)))
        return Sum(_start(tree), _end(tree), tuple(terms))

    def read_product(self, tree: Tree) -> Node:
        children = tree.children
        if len(children) == 1:
            return self.node(children[0])
        factors = [("*", self.node(children[0]))]
        for operator, factor in zip(children[1::2], children[2::2], strict=True):
            node = self.node(factor)
            if str(operator) == "/" and _implicit_product(factor, node):
                self.divided_product = True
                if self.divide_first_only:
                    (_, first), *rest = node.factors
                    factors.extend([("/", first), *rest])
                    continue
            if str(operator) != "//":
                factors.append((str(operator), node))
                continue
            if not self.integer_division:
                raise AnswerError(
                    self.text,
                    operator.start_pos,
                    "'//' (integer division) is not used in this question: write a division "
                    "with '/', or round it with \\lfloor ... \\rfloor",
                    length=2,
                )
            # a // b is ⌊a/b⌋, and binds as '/' does: 2*P//3*Q is ⌊2·P/3⌋·Q.
            start = factors[0][1].start
            left = (
                factors[0][1]
                if len(factors) == 1
                else Product(start, factors[-1][1].end, tuple(factors))
            )
            quotient = Product(start, node.end, (("*", left), ("/", node)))
            factors = [("*", Rounding(start, node.end, "floor", quotient))]
        if len(factors) == 1:
            return factors[0][1]
        return Product(_start(tree), _end(tree), tuple(factors))

    def read_juxtaposition(self, tree: Tree) -> Node:
        nodes = [self.node(child) for child in tree.children]
        bare = [isinstance(child, Tree) and child.data == "number" for child in tree.children]
        for previous, node, is_bare in zip(nodes, nodes[1:], bare[1:], strict=False):
            if isinstance(node, Number) and is_bare:
                # `P2`, `(PQ)2` or `2 3`: could mean P·2, P², 23 or two answers. A number in
                # brackets, `2(3)`, is a factor as a marker reads it.
                written = " ".join(self.text[previous.start : node.end].split())
                raise AnswerError(
                    self.text,
                    node.start,
                    f"'{written}' is ambiguous: a number "
                    "after another factor needs an operator, e.g. '*' or '^'",
                    length=node.end - node.start,
                )
        factors: list[tuple[str, Node]] = []
        for node in nodes:
            if isinstance(node, Product) and all(op == "" for op, _ in node.factors[1:]):
                factors.extend(node.factors)  # a split run of letters: flatten PQ·C into P·Q·C
            else:
                factors.append(("", node))
        if len(factors) == 1:
            return factors[0][1]
        return Product(_start(tree), _end(tree), tuple(factors))

    def read_signed(self, tree: Tree) -> Node:
        *signs, operand = tree.children
        node = self.node(operand)
        if sum(1 for sign in signs if str(sign) == "-") % 2:
            return Negate(signs[0].start_pos, node.end, node)
        return node

    read_exponent = read_signed

    def read_power(self, tree: Tree) -> Node:
        base, *rest = tree.children
        exponents: list[Node] = []
        index = 0
        while index < len(rest):
            child = rest[index]
            if isinstance(child, Token) and child.type == "POW":
                exponents.append(self.node(rest[index + 1]))
                index += 2
            else:  # a run of superscript characters such as ² or ⁻¹
                exponents.append(self._superscript(child))
                index += 1
        node = self.node(base)
        if not exponents:
            return node
        # Exponents associate to the right: 2^3^2 is 2^(3^2).
        exponent = exponents[-1]
        for earlier in reversed(exponents[:-1]):
            exponent = Power(earlier.start, exponent.end, earlier, exponent)
        if base.data == "name" and isinstance(node, Product):
            # A run of letters is a product of symbols, and the power is on its last one, as
            # in written maths: `CK^2` is C·K², `PQ²` is P·Q². Brackets raise the whole: (PQ)².
            *first, (operator, last) = node.factors
            raised = Power(last.start, exponent.end, last, exponent)
            return Product(node.start, exponent.end, (*first, (operator, raised)))
        return Power(node.start, exponent.end, node, exponent)

    def _superscript(self, token: Token) -> Node:
        digits = str(token).translate(_SUPERSCRIPT_DIGITS)
        match = re.fullmatch(r"([+-]?)([0-9]+)", digits)
        if not match:
            raise AnswerError(
                self.text, token.start_pos, f"cannot read the exponent '{token}'", len(token)
            )
        number = self._number_value(match.group(2), token.start_pos)
        end = token.start_pos + len(token)
        node: Node = Number(token.start_pos, end, number, match.group(2))
        if match.group(1) == "-":
            node = Negate(token.start_pos, end, node)
        return node

    def read_number(self, tree: Tree) -> Node:
        token = tree.children[0]
        end = token.start_pos + len(token)
        return Number(token.start_pos, end, self._number_value(str(token), token.start_pos), token)

    def _number_value(self, digits: str, position: int) -> sympy.Rational:
        if len(digits.replace(".", "")) > MAX_NUMBER_DIGITS:
            raise AnswerTooLargeError(
                self.text,
                position,
                f"this number is too large: more than {MAX_NUMBER_DIGITS} digits",
                len(digits),
            )
        whole, _, fraction = digits.partition(".")
        # Decimals are read exactly: 0.1 is 1/10, never a binary float.
        return sympy.Rational(int(whole + fraction), 10 ** len(fraction))

    def read_group(self, tree: Tree) -> Node:
        # The node spans its brackets, so a caret under `(PQ)^2` starts at the bracket.
        opening, inner, closing = tree.children
        return replace(self.node(inner), start=opening.start_pos, end=closing.end_pos)

    def read_fraction(self, tree: Tree) -> Node:
        frac, _, numerator, _, _, denominator, closing = tree.children
        return Product(
            frac.start_pos,
            closing.end_pos,
            (("*", self.node(numerator)), ("/", self.node(denominator))),
        )

    def read_short_fraction(self, tree: Tree) -> Node:
        """`\\frac13`: LaTeX takes one character for each argument, so 1/3."""
        frac, digits = tree.children
        text = str(digits)
        if len(text) != 2:
            raise AnswerError(
                self.text,
                frac.start_pos,
                f"\\frac{text} is unclear: write the fraction with braces, e.g. "
                f"\\frac{{{text[:1]}}}{{{text[1:] or '2'}}}",
                length=digits.end_pos - frac.start_pos,
            )
        first, second = digits.start_pos, digits.start_pos + 1
        return Product(
            frac.start_pos,
            digits.end_pos,
            (
                ("*", Number(first, first + 1, sympy.Integer(int(text[0])), text[0])),
                ("/", Number(second, second + 1, sympy.Integer(int(text[1])), text[1])),
            ),
        )

    def read_floor(self, tree: Tree) -> Node:
        opening, inner, closing = tree.children
        return Rounding(opening.start_pos, closing.end_pos, "floor", self.node(inner))

    def read_ceiling(self, tree: Tree) -> Node:
        opening, inner, closing = tree.children
        return Rounding(opening.start_pos, closing.end_pos, "ceiling", self.node(inner))

    def read_function(self, tree: Tree) -> Node:
        """`floor(x)`, `ceil(x)`, `ceiling(x)`."""
        name, _, inner, closing = tree.children
        kind = "floor" if str(name) == "floor" else "ceiling"
        return Rounding(name.start_pos, closing.end_pos, kind, self.node(inner))

    def read_name(self, tree: Tree) -> Node:
        token = tree.children[0]
        pieces = split_name(self.text, token.start_pos, str(token), self.symbols)
        nodes = [
            Name(token.start_pos + offset, token.start_pos + offset + length, name)
            for name, offset, length in pieces
        ]
        if len(nodes) == 1:
            return nodes[0]
        end = token.start_pos + len(token)
        return Product(token.start_pos, end, tuple(("", node) for node in nodes))


def _implicit_product(tree: Tree, node: Node) -> bool:
    """Whether `node`, read from `tree`, is factors written side by side with no operator
    (`GD`, `G D`, `2G`), not in brackets (`(2C)` is one divisor): after '/', it may be the
    divisor or the divisor and a factor after it."""
    return (
        tree.data in ("juxtaposition", "name")
        and isinstance(node, Product)
        and all(operator == "" for operator, _ in node.factors[1:])
    )


def _bracketed_after(text: str, position: int) -> str | None:
    """What the round bracket that opens at `position` (after spaces) holds, stripped; None
    where no bracket opens there or it does not close."""
    opened = _OPENS_AFTER.match(text, position)
    if opened is None:
        return None
    depth = 1
    for index in range(opened.end(), len(text)):
        depth += (text[index] == "(") - (text[index] == ")")
        if depth == 0:
            return text[opened.end() : index].strip()
    return None


_OPENS_AFTER = re.compile(r"\s*\(")


def split_name(
    text: str, position: int, raw: str, symbols: Mapping[str, sympy.Symbol]
) -> list[tuple[str, int, int]]:
    """Split a run of letters such as `PQCPQD` over the declared symbols.

    Returns (symbol name, offset in the run, length) for each piece, preferring the fewest
    pieces, so a declared `PQ` wins over `P` and `Q`. An undeclared piece is an error naming
    it, with a suggestion when only its case is wrong.
    """
    name = _normal_name(raw)
    pieces = _declared_pieces(name, tuple(symbols))
    if pieces is not None:
        result, offset = [], 0
        for piece in pieces:
            result.append((piece, offset, len(piece)))
            offset += len(piece)
        if name != raw:  # a braced subscript: the run's text is longer than its name
            result[-1] = (result[-1][0], result[-1][1], len(raw) - result[-1][1])
        return result

    declared = ", ".join(symbols) if symbols else "none"
    if name in ROUNDING_FUNCTIONS:
        raise rounding_function_unbracketed(text, position, name)
    argument = _bracketed_after(text, position + len(raw))
    if name.lower() == "round" and argument:
        # `round(P/2)`: rounded, but which way? A person reads it, and the student is asked
        raise AnswerError(
            text,
            position,
            f"round does not say which way it rounds: write ⌈{argument}⌉ (rounded up) or "
            f"⌊{argument}⌋ (rounded down) for it to be read",
            len(name),
        )
    digits = re.search(r"[0-9]+", name)
    if digits is not None and _declared_pieces(name[: digits.start()], tuple(symbols)):
        # `P2`, `x1` where no declared symbol is x1: P·2, P², 2 or a symbol? A marker asks.
        pieces = _declared_pieces(name[: digits.start()], tuple(symbols)) or ()
        last = digits.start() - len(pieces[-1])
        quoted = name[last : digits.end()]
        raise AnswerError(
            text,
            position + digits.start(),
            f"'{quoted}' is ambiguous: a number after another factor needs an operator, e.g. "
            f"'*' or '^' ({quoted} is not a symbol of this question; its symbols are "
            f"{declared})",
            digits.end() - digits.start(),
        )
    by_lower = {}
    for symbol in symbols:
        by_lower.setdefault(symbol.lower(), symbol)
    folded = _cover(name.lower(), by_lower)
    if folded is not None:
        offset = 0
        for piece in folded:
            written = name[offset : offset + len(piece)]
            if written not in symbols:
                raise AnswerError(
                    text,
                    position + offset,
                    f"unknown symbol {written}, did you mean {by_lower[piece]}? "
                    "Symbols are case-sensitive",
                    len(written),
                )
            offset += len(piece)

    # Report the shortest stretch that no declared symbol covers: after the longest start
    # they cover, up to the first place from which they cover the rest. A piece is never
    # longer than the longest symbol, so this is work that grows with the run's length.
    longest = max(map(len, symbols), default=0)
    prefix_ok = [False] * (len(name) + 1)
    prefix_ok[0] = True
    for end in range(1, len(name) + 1):
        prefix_ok[end] = any(
            prefix_ok[s] and name[s:end] in symbols for s in range(max(0, end - longest), end)
        )
    suffix_ok = [False] * (len(name) + 1)
    suffix_ok[len(name)] = True
    for begin in range(len(name) - 1, -1, -1):
        suffix_ok[begin] = any(
            suffix_ok[e] and name[begin:e] in symbols
            for e in range(begin + 1, min(len(name), begin + longest) + 1)
        )
    start = max(i for i in range(len(name) + 1) if prefix_ok[i])
    stop = next((j for j in range(start + 1, len(name) + 1) if suffix_ok[j]), len(name))
    unknown = name[start:stop]
    if unknown == name and unknown.lower() in UNIT_WORDS:
        # `weights and biases`: words that say what is counted, where no count reads
        raise AnswerError(
            text,
            position,
            f'the words could not be read as a count ("{unknown}" is a word, not one of the '
            f"symbols of this question, {declared})",
            len(unknown),
        )
    said = ROUNDING_SAID.match(text, position + start)
    maths = text[: position + start].rstrip(" (").strip()
    if said is not None and not maths:
        maths = text[said.end() :].strip()  # `rounded up P/2`: the words before the maths
    if said is not None and maths:
        raise rounding_words_unread(text, said, maths)
    suggestion = difflib.get_close_matches(unknown, list(symbols), n=1)
    hint = f", did you mean {suggestion[0]}?" if suggestion else ""
    raise AnswerError(
        text,
        position + start,
        f"unknown symbol {unknown}{hint}; the symbols of this question are {declared}",
        len(unknown),
    )


# --- AST to sympy, within bounds ----------------------------------------------------------


class _Bound(NamedTuple):
    """Upper bounds on one polynomial once expanded: coefficient size, degree, term count."""

    bits: int
    degree: int
    terms: int

    def times(self, other: _Bound) -> _Bound:
        return _Bound(
            self.bits + other.bits,
            self.degree + other.degree,
            min(self.terms * other.terms, MAX_TERMS + 1),
        )

    def plus(self, other: _Bound) -> _Bound:
        return _Bound(
            max(self.bits, other.bits) + 1,
            max(self.degree, other.degree),
            min(self.terms + other.terms, MAX_TERMS + 1),
        )

    def power(self, n: int) -> _Bound:
        if n == 0:
            return _ONE
        terms = min(self.terms**n, math.comb(n + self.terms - 1, self.terms - 1), MAX_TERMS + 1)
        return _Bound(self.bits * n, self.degree * n, terms)


_ONE = _Bound(1, 0, 1)


class _Size(NamedTuple):
    """Bounds on an expression as a fraction numerator/denominator of expanded polynomials,
    which is what comparing two counts will compute."""

    numerator: _Bound
    denominator: _Bound

    def times(self, other: _Size) -> _Size:
        return _Size(
            self.numerator.times(other.numerator), self.denominator.times(other.denominator)
        )

    def inverse(self) -> _Size:
        return _Size(self.denominator, self.numerator)

    def plus(self, other: _Size) -> _Size:
        if self.denominator == _ONE and other.denominator == _ONE:
            return _Size(self.numerator.plus(other.numerator), _ONE)
        numerator = self.numerator.times(other.denominator).plus(
            other.numerator.times(self.denominator)
        )
        return _Size(numerator, self.denominator.times(other.denominator))

    def power(self, n: int) -> _Size:
        size = _Size(self.numerator.power(abs(n)), self.denominator.power(abs(n)))
        return size.inverse() if n < 0 else size


_SYMBOL = _Size(_Bound(1, 1, 1), _ONE)  # one symbol, such as P


def _int_bits(value: int) -> int:
    return max(int(value).bit_length(), 1)


def _bits(value: sympy.Rational) -> int:
    return max(_int_bits(value.p), _int_bits(value.q))


class _SympyBuilder:
    def __init__(self, text: str, symbols: Mapping[str, sympy.Symbol]):
        self.text = text
        self.symbols = symbols

    def build(self, node: Node) -> tuple[sympy.Expr, _Size]:
        expr, size = _BUILDERS[type(node)](self, node)
        for bound in size:
            if bound.bits > MAX_COEFFICIENT_BITS:
                raise self._too_large(node, "its numbers would have more than 2400 digits")
            if bound.degree > MAX_DEGREE:
                raise self._too_large(node, f"its degree would be more than {MAX_DEGREE}")
            if bound.terms > MAX_TERMS:
                raise self._too_large(node, f"it would expand to more than {MAX_TERMS} terms")
        return expr, size

    def _too_large(self, node: Node, why: str) -> AnswerTooLargeError:
        return AnswerTooLargeError(
            self.text, node.start, f"too large to check: {why}", node.end - node.start
        )

    def build_number(self, node: Number) -> tuple[sympy.Expr, _Size]:
        value = node.value
        size = _Size(_Bound(_int_bits(value.p), 0, 1), _Bound(_int_bits(value.q), 0, 1))
        return value, size

    def build_name(self, node: Name) -> tuple[sympy.Expr, _Size]:
        return self.symbols[node.name], _SYMBOL

    def build_negate(self, node: Negate) -> tuple[sympy.Expr, _Size]:
        expr, size = self.build(node.operand)
        return -expr, size

    def build_sum(self, node: Sum) -> tuple[sympy.Expr, _Size]:
        exprs = []
        total: _Size | None = None
        for sign, term in node.terms:
            expr, size = self.build(term)
            exprs.append(-expr if sign == "-" else expr)
            total = size if total is None else total.plus(size)
        assert total is not None
        return _sum(exprs), total

    def build_product(self, node: Product) -> tuple[sympy.Expr, _Size]:
        exprs = []
        total = _Size(_ONE, _ONE)
        for operator, factor in node.factors:
            expr, size = self.build(factor)
            if operator == "/":
                if expr is sympy.S.Zero:  # sympy makes every zero it builds this one object
                    raise AnswerError(
                        self.text, factor.start, "division by zero", factor.end - factor.start
                    )
                expr, size = 1 / expr, size.inverse()
            exprs.append(expr)
            total = total.times(size)
        return _product(exprs), total

    def build_rounding(self, node: Rounding) -> tuple[sympy.Expr, _Size]:
        expr, size = self.build(node.operand)
        rounded = sympy.floor(expr) if node.kind == "floor" else sympy.ceiling(expr)
        # Once the sizes are split by their remainders, a rounding is its operand's
        # numerator over a number: bound it as the numerator with a constant beside it.
        return rounded, _Size(size.numerator.plus(_ONE), _ONE)

    def build_power(self, node: Power) -> tuple[sympy.Expr, _Size]:
        base, base_size = self.build(node.base)
        exponent, _ = self.build(node.exponent)
        if not exponent.is_Rational:
            return self._symbolic_power(node, base, exponent)
        if not exponent.is_Integer:
            raise AnswerError(
                self.text,
                node.exponent.start,
                f"exponents must be whole numbers, not {exponent}",
                node.exponent.end - node.exponent.start,
            )
        n = int(exponent)
        if base is sympy.S.Zero and n < 0:
            raise AnswerError(self.text, node.start, "division by zero", node.end - node.start)
        if base.is_Rational:
            # Decide from the sizes alone, before Python is asked to compute the power.
            if abs(n) * _bits(base) > MAX_COEFFICIENT_BITS:
                raise self._too_large(node, "the result would have more than 2400 digits")
        elif abs(n) > MAX_SYMBOLIC_EXPONENT:
            raise self._too_large(
                node, f"exponents of symbols are limited to {MAX_SYMBOLIC_EXPONENT}"
            )
        return sympy.Pow(base, exponent), base_size.power(n)

    def _symbolic_power(
        self, node: Power, base: sympy.Expr, exponent: sympy.Expr
    ) -> tuple[sympy.Expr, _Size]:
        """`2^C`, `2^{C+1}`: a whole number raised to whole multiples of symbols. Anything else
        (`P^C`, `2^{C/2}`, `2^{CD}`) is refused: no exact check could decide it."""
        where = (self.text, node.exponent.start)
        length = node.exponent.end - node.exponent.start
        if not (base.is_Rational and base > 0 and base != 1):
            raise AnswerError(
                *where,
                "a symbol in an exponent needs a number as its base, such as 2^C",
                length,
            )
        if _bits(base) > MAX_EXPONENTIAL_BASE_BITS:
            raise self._too_large(node, "the base of a symbolic power is too large")
        terms = sympy.Add.make_args(sympy.expand(exponent))
        total = 0
        for term in terms:
            coefficient, rest = term.as_coeff_Mul()
            if not coefficient.is_Integer or not (rest == 1 or rest.is_Symbol):
                raise AnswerError(
                    *where,
                    "an exponent with symbols must be a sum of whole multiples of symbols and a "
                    "whole number, such as C + 1 or 2C",
                    length,
                )
            if rest != 1:
                total += abs(int(coefficient))
        if total > MAX_SYMBOLIC_EXPONENT:
            raise self._too_large(
                node, f"multiples of symbols in an exponent are limited to {MAX_SYMBOLIC_EXPONENT}"
            )
        return sympy.Pow(base, exponent), _Size(_Bound(_bits(base) * total, total, 1), _ONE)


def _product(factors: list[sympy.Expr]) -> sympy.Expr:
    """`sympy.Mul(*factors)`. A number (not 0 or 1) before different sizes (`2PQCD`, a count's
    usual term) is put before their product, which sympy has made before and remembers: the
    very object `Mul` makes (its number first, then the sizes in sympy's order), without
    `Mul` sorting the factors and multiplying the number out again for each new number."""
    first, *sizes = factors
    if (
        sizes
        and first.is_Rational
        and first is not sympy.S.Zero  # sympy makes every 0 and 1 it builds these objects
        and first is not sympy.S.One
        and all(size.is_Symbol for size in sizes)
        and len(set(sizes)) == len(sizes)
    ):
        return sympy.Mul._from_args((first, *sympy.Mul.make_args(sympy.Mul(*sizes))))
    return sympy.Mul(*factors)


def _sum(terms: list[sympy.Expr]) -> sympy.Expr:
    """`sympy.Add(*terms)`. Terms that are each a size or a product of different sizes with
    a number before it, no two of the same sizes (`2PQCD + PQD`, `9CD - D`), are kept by
    `Add` as they are, in its order (`_addsort`): sorted so, they are the object `Add` makes,
    without it taking each term apart and making it again."""
    sizes = [term.as_coeff_Mul()[1] for term in terms]
    if len(terms) > 1 and all(map(_is_term, terms)) and len(set(sizes)) == len(sizes):
        ordered = list(terms)
        _addsort(ordered)
        return sympy.Add._from_args(ordered)
    return sympy.Add(*terms)


def _is_term(expr: sympy.Expr) -> bool:
    """Whether `expr` is a size, or a product of sizes with a number or nothing before them."""
    if expr.is_Mul:
        first, *rest = expr.args
        return (first.is_Rational or first.is_Symbol) and all(s.is_Symbol for s in rest)
    return expr.is_Symbol


_BUILDERS = {
    Rounding: _SympyBuilder.build_rounding,
    Number: _SympyBuilder.build_number,
    Name: _SympyBuilder.build_name,
    Negate: _SympyBuilder.build_negate,
    Sum: _SympyBuilder.build_sum,
    Product: _SympyBuilder.build_product,
    Power: _SympyBuilder.build_power,
}


# --- Reading back --------------------------------------------------------------------------


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def describe(node: Node) -> str:
    """How we read the answer, with every operator explicit: `9CD+D` reads `9·C·D + D`."""
    return _describe(node, 0)


def _describe(node: Node, context: int) -> str:
    if isinstance(node, Number):
        text, precedence = node.shown, 4
        if not node.value.is_Integer:
            precedence = 2
    elif isinstance(node, Name):
        text, precedence = node.name, 4
    elif isinstance(node, Negate):
        text, precedence = "-" + _describe(node.operand, 3), 2
    elif isinstance(node, Sum):
        parts = [_describe(node.terms[0][1], 1)]
        for sign, term in node.terms[1:]:
            parts.append(f" {sign} {_describe(term, 2 if sign == '-' else 1)}")
        text, precedence = "".join(parts), 1
    elif isinstance(node, Product):
        parts = [_describe(node.factors[0][1], 2)]
        for operator, factor in node.factors[1:]:
            if operator == "/":
                parts.append("/" + _describe(factor, 3))
            else:
                parts.append("·" + _describe(factor, 2.5))
        text, precedence = "".join(parts), 2
    elif isinstance(node, Rounding):
        brackets = "⌊⌋" if node.kind == "floor" else "⌈⌉"
        text, precedence = brackets[0] + _describe(node.operand, 0) + brackets[1], 4
    elif isinstance(node, Power):
        base = _describe(node.base, 4)
        exponent = node.exponent
        if isinstance(exponent, Number) and exponent.value.is_Integer:
            text = base + str(exponent.value.p).translate(_SUPERSCRIPTS)
        elif (
            isinstance(exponent, Negate)
            and isinstance(exponent.operand, Number)
            and (exponent.operand.value.is_Integer)
        ):
            text = base + ("-" + str(exponent.operand.value.p)).translate(_SUPERSCRIPTS)
        elif isinstance(exponent, Name):
            text = f"{base}^{exponent.name}"
        else:
            text = f"{base}^({_describe(exponent, 0)})"
        precedence = 3
    else:
        raise AssertionError(f"unknown node {node!r}")
    return f"({text})" if precedence < context else text


# --- The public verb -----------------------------------------------------------------------


def parse(
    text: str,
    symbols: Mapping[str, sympy.Symbol],
    lenient: Sequence[str] = (),
    reference_is_zero: bool = False,
    integer_division: bool = False,
    counts: str = "",
    bias: ParsedAnswer | None = None,
) -> ParsedAnswer:
    """Read `text` as a count over `symbols` (name → sympy Symbol), or raise `AnswerError`.

    The answer may be a chain of working, `3×3×C×D + D = 9CD + D`; every side is read and the
    last one is the answer.

    When the strict reading fails, the `lenient` steps (names of `LENIENT_STEPS`, applied in
    that table's order) are tried, as a marker would read the answer; the reading then says
    what they did in its `notes`. If they do not make it readable, the strict reading's error
    is raised: it points at what the student wrote. An answer too long or too large to read
    is refused at once, never read another way.

    `a // b` is read as ⌊a/b⌋ only with `integer_division` (the rubric allows it).

    `counts` is what the item counts (its label): words set aside that name something else
    ("parameters" where it counts FLOPs) give the reading a `review`, for a person; so do
    words that name a sum's terms wrongly for the layer's `bias` (`_names_wrong`: `D weights
    + 9CD biases`, `9CD biases + D biases`).
    """
    try:
        return _parse_strictly(text, symbols, integer_division)
    except AnswerError as error:
        if not lenient or isinstance(error, (AnswerTooLargeError, AnswerTooLongError)):
            raise
        strict_error = error
    question = Question(tuple(symbols), reference_is_zero, counts)
    read, notes = text, []
    for name, step in LENIENT_STEPS.items():
        if name in lenient:
            read, note = step(read, question)
            if note:
                notes.append(note)
    if not notes:
        raise strict_error
    try:
        parsed = _parse_strictly(read, symbols, integer_division)
    except AnswerError as error:
        raise _error_to_tell(strict_error, error, text, lenient) from None
    # The words step reads the text with compatibility forms folded (`read_compatibility_forms`)
    review, named = None, ()
    if "words" in lenient:
        folded = fold_compatibility_forms(text)[0]
        review = unit_doubt(folded, question)
        terms = _named_values(folded, question, symbols, integer_division)
        named = tuple((value, kind) for _, kind, value in terms if value is not None)
        if review is None and bias is not None:
            review = _names_wrong(terms, bias)
    alternative = parsed.alternative
    if alternative is not None:
        alternative = replace(alternative, text=text, notes=tuple(notes), review=review)
    return replace(
        parsed, text=text, notes=tuple(notes), review=review, alternative=alternative, named=named
    )


def _named_values(
    text: str,
    question: Question,
    symbols: Mapping[str, sympy.Symbol],
    integer_division: bool,
) -> list[tuple[str, str, sympy.Expr | None]]:
    """The terms of a sum whose words name them (`steps.named_terms`), each as (its maths,
    what its words call it, its count or None where it reads as none alone)."""

    def value(maths: str) -> sympy.Expr | None:
        try:
            return _parse_strictly(maths, symbols, integer_division).expr
        except AnswerError:
            return None

    return [(maths, kind, value(maths)) for maths, kind in named_terms(text, question)]


def _names_wrong(terms: list[tuple[str, str, sympy.Expr | None]], bias: ParsedAnswer) -> str | None:
    """Why a person should decide on a sum whose words name its terms (`_named_values`)
    wrongly for the layer's: a term called weights is the layer's biases (`9CD weights + D
    weights`), or one called biases is not, where another term is (`9CD biases + D biases`);
    both, the other way round (`D weights + 9CD biases`). None otherwise: a term called biases
    that is no bias count, beside none that is, is a wrong count, not a wrong word."""
    is_bias = [v is not None and sympy.expand(v - bias.expr) == 0 for _, _, v in terms]
    weights = [m for (m, k, _), b in zip(terms, is_bias, strict=True) if k == "weights" and b]
    biases = [
        m
        for (m, k, v), b in zip(terms, is_bias, strict=True)
        if k == "biases" and v is not None and not b
    ]
    if weights and biases:
        return (
            f"Your answer calls {weights[0]} weights and {biases[0]} biases, but this layer has "
            f"{bias.text} biases: its words name the terms the other way round; read as a sum"
        )
    if weights:
        return (
            f"Your answer calls {weights[0]} weights, but this layer has {bias.text} biases: its "
            "words name that term wrongly; read as a sum"
        )
    if biases and any(is_bias):
        return (
            f"Your answer calls {biases[0]} biases, but this layer has {bias.text} biases: its "
            "words name that term wrongly; read as a sum"
        )
    return None


def written_terms(
    answer: ParsedAnswer, symbols: Mapping[str, sympy.Symbol]
) -> tuple[sympy.Expr, ...]:
    """The terms of the answer (the last side) as the student wrote them, each signed: `9C +
    C` is (9·C, C), which its count merges into 10·C. () where the answer is not a sum, or
    uses a name not in `symbols` (one a definition after it gave a value)."""
    if not answer.trees or not isinstance(answer.trees[-1], Sum):
        return ()
    builder = _SympyBuilder(answer.text, symbols)
    terms = []
    for sign, term in answer.trees[-1].terms:
        try:
            expr, _ = builder.build(term)
        except KeyError:  # a name the question does not declare
            return ()
        terms.append(-expr if sign == "-" else expr)
    return tuple(terms)


def _error_to_tell(
    strict: AnswerError, lenient_error: AnswerError, text: str, lenient: Sequence[str]
) -> AnswerError:
    """The error to tell of an answer the lenient steps did not make readable: the strict
    one, unless it is a comma of a number the thousands step reads (`1,500 + D apples`, where
    "write 1000, not 1,000" is not what is wrong), or the lenient reading found the answer
    too large (`9CD weights + 1000…0 biases`, a number of 31 digits: the words were read,
    the number is what is wrong); then the lenient reading's, drawn under what the student
    wrote: the steps keep every position, but the thousands step moves a number's digits
    right over its commas, so an error touching the number spans all of it as written."""
    spans = thousands_spans(text) if "thousands" in lenient else []
    if not isinstance(lenient_error, AnswerTooLargeError) and not any(
        start <= strict.position < end for start, end in spans
    ):
        return strict
    start, end = lenient_error.position, lenient_error.position + lenient_error.length
    for number_start, number_end in spans:
        if start < number_end and number_start < end:
            start, end = min(start, number_start), max(end, number_end)
    return type(lenient_error)(text, start, lenient_error.message, end - start)


def _parse_strictly(
    text: str, symbols: Mapping[str, sympy.Symbol], integer_division: bool = False
) -> ParsedAnswer:
    if not text.strip():
        raise AnswerError(text, 0, "the answer is empty")
    normalised = normalise(text, COUNT_STEPS)
    try:
        tree = _plain_sum(normalised) or _parser().parse(normalised)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    reader = _TreeReader(text, symbols, integer_division)
    parsed = _built(text, symbols, tuple(reader.chain(tree)))
    if not reader.divided_product:
        return parsed
    other = _TreeReader(text, symbols, integer_division, divide_first_only=True)
    return replace(parsed, alternative=_built(text, symbols, tuple(other.chain(tree))))


def _built(text: str, symbols: Mapping[str, sympy.Symbol], trees: tuple[Node, ...]) -> ParsedAnswer:
    """The sides of a chain read into `trees`, built as sympy counts."""
    builder = _SympyBuilder(text, symbols)
    sides, readings = [], []
    for node in trees:
        expr, _ = builder.build(node)
        if _divides(node) and expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise AnswerError(text, node.start, "this has no value (division by zero)")
        sides.append(expr)
        readings.append(describe(node))
    return ParsedAnswer(text=text, sides=tuple(sides), side_readings=tuple(readings), trees=trees)


def _divides(node: Node) -> bool:
    """Whether `node` divides anywhere: a '/', or a power (whose exponent may be negative).
    Only what divides can build something with no value (sympy's zoo, nan, oo): sums,
    products and roundings of numbers and sizes always have one, so sympy is not asked to
    look for them there."""
    if isinstance(node, Power):
        return True
    if isinstance(node, Product):
        return any(operator == "/" or _divides(factor) for operator, factor in node.factors)
    if isinstance(node, Sum):
        return any(_divides(term) for _, term in node.terms)
    if isinstance(node, (Negate, Rounding)):
        return _divides(node.operand)
    return False  # a number or a size
