"""Read a one-line expression or equation into sympy, safely, and say how it was read.

The text is normalised (`grader.kinds.expression.read`), parsed by our own lark grammar
(`expression.lark`, beside this module), turned into a small AST of our own and built into
sympy objects directly. Nothing is ever passed to `eval`, `sympify` or `parse_expr`.

What a name means is the question's: a declared symbol, a constant the item allows (`pi`,
`e`), a function every item knows (`sqrt`, `sin`, `tanh`, `abs`, `max`, ...) or one the item
declares (`sigma: sigmoid`). Sizes are bounded before sympy sees them: numbers of at most 30
digits, exponents of at most `MAX_EXPONENT`, powers of numbers of at most 8000 bits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

import sympy
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from grader.definitions import Definition, has_separator, split_definitions
from grader.errors import (
    AnswerError,
    AnswerTooLargeError,
    AnswerTooLongError,
    lost_superscript,
)
from grader.kinds.count.names import cover
from grader.kinds.expression.read import EXPRESSION_STEPS, FUNCTION_NAMES
from grader.normalise import GREEK, MAX_ANSWER_LENGTH, normalise

MAX_NUMBER_DIGITS = 30
MAX_EXPONENT = 10000
MAX_POWER_BITS = 8000  # about 2400 digits: well within Python's int-to-text limit
MAX_NODES = 400

# What a declared function may be (`functions: {sigma: sigmoid}`), by its definition.
DEFINITIONS = {
    "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
    "relu": lambda x: sympy.Max(0, x),
    "softplus": lambda x: sympy.log(1 + sympy.exp(x)),
}
CONSTANTS = {"pi": sympy.pi, "e": sympy.E}


@dataclass(frozen=True)
class Vocabulary:
    """The names an answer may use: symbols, the constants and functions the item allows."""

    symbols: Mapping[str, sympy.Symbol]
    constants: tuple[str, ...] = ()  # of CONSTANTS
    functions: Mapping[str, str] = field(default_factory=dict)  # name -> a DEFINITIONS key
    # The item's one variable, when it has one: a function of `alone` written without its
    # argument is a function of it (σ is σ(x)). None: such a name needs its argument.
    argument: str | None = None
    alone: frozenset[str] = frozenset()  # the declared functions, and tanh, sin and the like

    def meaning(self, name: str) -> str | None:
        if name in self.symbols:
            return "symbol"
        if name in self.constants:
            return "constant"
        if name in self.functions or name in FUNCTION_NAMES or log_base(name) is not None:
            return "function"
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.symbols, *self.constants, *self.functions, *FUNCTION_NAMES)


def log_base(name: str) -> int | None:
    """The base of a logarithm named with it, `log_2` or `log_{10}`; None for other names."""
    match = re.fullmatch(r"log_\{?([0-9]{1,3})\}?", name)
    if match is None or int(match.group(1)) < 2:
        return None
    return int(match.group(1))


# --- The AST -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True)
class Number(Node):
    value: sympy.Rational
    text: str


@dataclass(frozen=True)
class Name(Node):
    name: str  # a symbol or a constant


@dataclass(frozen=True)
class Function(Node):
    """A function's name before it is applied (only inside the reader)."""

    name: str


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Sum(Node):
    terms: tuple[tuple[str, Node], ...]  # ("+" or "-", term)


@dataclass(frozen=True)
class Product(Node):
    factors: tuple[tuple[str, Node], ...]  # ("*", "/" or "" for juxtaposition, factor)


@dataclass(frozen=True)
class Power(Node):
    base: Node
    exponent: Node


@dataclass(frozen=True)
class Call(Node):
    function: str  # the name as the question knows it: "sin", "sigma", "sqrt", "root"
    arguments: tuple[Node, ...]


@dataclass(frozen=True)
class Arguments(Node):
    """`(a, b)`: only a function's arguments may be a list."""

    items: tuple[Node, ...]


# Conditions on an expression's parts for it to have a value as written: (part, "nonnegative")
# for √part, (part, "positive") for log(part), (part, "nonzero") for a division by part; and
# (C/G, "whole") for sizes the rubric declares multiples (`ExpressionSpec.sizes`).
Domain = tuple[tuple[sympy.Expr, str], ...]


@dataclass(frozen=True)
class ParsedExpression:
    """An answer as we read it: one expression, an equation, or a chain `a = b = c`."""

    text: str
    sides: tuple[sympy.Expr, ...]
    trees: tuple[Node, ...]
    notes: tuple[str, ...] = ()
    # The other reading of an answer that writes a declared function alone (σ for σ(x)) and
    # also before a bracket, `σ(1 - σ)`: this one reads the bracket as a factor,
    # σ(x)·(1 - σ(x)); the alternative as the function's argument, σ(1 - σ(x)).
    alternative: ParsedExpression | None = None
    # How this reading takes the bracket after σ: "factor" (σ(1 - σ) as σ(x)·(1 - σ(x))) or
    # "argument" (σ(1 - σ(x)) as written, the alternative reading σ(x)'s (x) as left out);
    # after σ written without brackets, `σx(1 - σx)`: "bare" (σ(x)·(1 - σ(x)), the bracket a
    # factor) or "whole" (σ(x·(1 - σ(x))), the bracket part of σ's argument).
    bracket: str = "factor"
    # A power after a function's bare argument (`σx^2`): this reading puts it on the argument,
    # σ(x²); this one, with its own `alternative`, on the function, σ(x)², scored too.
    power: ParsedExpression | None = None
    # Definitions written after the answer (`…, where σ(x) = 1/(1 + e^{-x})`), set aside
    # from it; the check says whether each agrees with the question.
    definitions: tuple[ReadDefinition, ...] = ()
    # For each side, where it has a value as written (`Domain`): sympy may fold that away.
    domains: tuple[Domain, ...] = ()

    @property
    def interpretation(self) -> str:
        return " = ".join(describe(tree) for tree in self.trees)


@dataclass(frozen=True)
class ReadDefinition:
    """A definition written after an answer, as read: the name it defines, whether that is
    a function the item declares (`role` "function", its `meaning` the definition the rubric
    gives it, "sigmoid"), a symbol of the question ("symbol"), words saying what a name is
    ("gloss", `x = the input`, only set aside) or something else ("other"),
    whether the answer uses it, and its two sides (None when it cannot be read)."""

    written: str
    name: str
    role: str
    used: bool
    sides: tuple[sympy.Expr, sympy.Expr] | None
    reading: str
    meaning: str = ""


# --- Grammar -------------------------------------------------------------------------------


@cache
def _parser() -> Lark:
    grammar = (
        resources.files("grader.kinds.expression").joinpath("expression.lark").read_text("utf-8")
    )
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


_TERMINAL_WORDS = {
    "NUMBER": "a number",
    "NAME": "a name",
    "LPAR": "'('",
    "RPAR": "')'",
    "RSQB": "']'",
    "RBRACE": "'}'",
    "CLOSEBAR": "'|'",
    "EQUALS": "'='",
}


def _syntax_error(original: str, error: UnexpectedInput) -> AnswerError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        words = sorted({_TERMINAL_WORDS[t] for t in error.expected if t in _TERMINAL_WORDS})
        expected = f": expected {' or '.join(words)}" if words and len(words) <= 3 else ""
        if token.type == "$END":
            return AnswerError(original, len(original.rstrip()), "the answer ends too early")
        shown = {"«": "|", "»": "|"}.get(str(token.value), str(token.value))
        message = f"unexpected '{shown}'"
        if token.type == "EQUALS":
            message += ": '=' must stand between two complete expressions"
        elif token.type == "COMMA":
            message += ": a list of values is only a function's arguments, as in max(a, b)"
        else:
            message += expected
        return AnswerError(original, token.start_pos, message, length=len(str(token.value)))
    if isinstance(error, UnexpectedCharacters):
        return AnswerError(
            original, error.pos_in_stream, f"unexpected '{original[error.pos_in_stream]}'"
        )
    return AnswerError(original, getattr(error, "pos_in_stream", 0) or 0, "cannot read this")


# --- Tree to AST ---------------------------------------------------------------------------

_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def _start(tree: Tree | Token) -> int:
    while isinstance(tree, Tree):
        tree = tree.children[0]
    return tree.start_pos


def _end(tree: Tree | Token) -> int:
    while isinstance(tree, Tree):
        tree = tree.children[-1]
    return tree.end_pos


class _TreeReader:
    """Turns lark's tree into our AST: runs of letters split over the question's names, and
    each function applied to what follows it."""

    def __init__(
        self,
        text: str,
        vocabulary: Vocabulary,
        bracket_as_factor: bool = False,
        bare_stops: bool = True,
        power_inside: bool = True,
    ):
        self.text = text
        self.vocabulary = vocabulary
        self.nodes = 0
        # How a bracket after a declared function reads when the function may be written
        # alone: as a factor (σ(1 - σ) is σ(x)·(1 - σ(x))) or as its argument.
        self.bracket_as_factor = bracket_as_factor
        self.written_alone: dict[str, None] = {}  # the functions read as of the variable
        self.brackets_either_way = 0  # brackets that read as a factor or as an argument
        # brackets after σ that hold σ(x) (σ(1 - σ(x))): σ's argument as written, or a factor
        # after a σ whose (x) was left out
        self.left_out = 0
        # A function written without brackets before a bracket (`σx(1 - σx)`): whether its
        # argument stops at the bracket, σ(x)·(1 - σ(x)), as a marker reads it, or takes the
        # bracket too, σ(x·(1 - σ(x))); and each such function and argument, for a note.
        self.bare_stops = bare_stops
        self.bare_before_bracket: list[tuple[str, Node]] = []
        # A function written without brackets before a power (`σx^2`, `tanh x^2`): whether the
        # power is on its argument, σ(x²), or on the function, σ(x)²; each such function and
        # its argument as written, for a note.
        self.power_inside = power_inside
        self.bare_power: list[tuple[str, Node]] = []
        self.run_together: dict[str, str] = {}  # `dk` read as the declared d_k: dk -> d_k
        self.evaluated_at = 0  # `σ(1 - σ)(x)`: brackets read as the point of what is before them

    def node(self, tree: Tree) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise AnswerTooLargeError(
                self.text, _start(tree), f"too large to check: more than {MAX_NODES} parts"
            )
        node = getattr(self, "read_" + tree.data)(tree)
        return node

    def operand(self, tree: Tree) -> Node:
        """A node that must be a value: not a bare function name, not a list."""
        node = self.node(tree)
        return self._value(node)

    def _value(self, node: Node) -> Node:
        if isinstance(node, Product) and any(
            _function_of(f)[0] is not None for _, f in node.factors
        ):
            applied = self._apply_functions([f for _, f in node.factors])  # `xsinx`
            if len(applied) == 1:
                return applied[0]
            return Product(node.start, node.end, tuple(("", f) for f in applied))
        function = _function_of(node)[0]
        if function is not None:
            alone = self._function_alone(node)
            if alone is not None:
                return alone
            raise AnswerError(
                self.text,
                function.start,
                f"{function.name} needs an argument, e.g. {function.name}(x)",
                function.end - function.start,
            )
        if isinstance(node, Arguments) or (
            isinstance(node, Power) and isinstance(node.base, Arguments)
        ):
            raise AnswerError(
                self.text,
                node.start,
                "a list of values is only a function's arguments, as in max(a, b)",
                node.end - node.start,
            )
        return node

    def _function_alone(self, node: Node) -> Node | None:
        """A declared function written without its argument (`σ`, `σ^2`, `-σ`) as a function
        of the item's one variable, σ(x); None where the item has no one variable."""
        function, exponent, negated = _function_of(node, with_sign=True)
        argument = self.vocabulary.argument
        if argument is None or function.name not in self.vocabulary.alone:
            return None
        self.written_alone[function.name] = None
        variable = Name(function.start, function.end, argument)
        alone: Node = Call(function.start, function.end, function.name, (variable,))
        if exponent is not None:
            alone = Power(function.start, exponent.end, alone, exponent)
        if negated:
            alone = Negate(node.start, alone.end, alone)
        return alone

    def _bracket_is_factor(self, function: Function, bracket: Node) -> bool:
        """Whether the bracket after a function is a factor: only after a declared function
        that may be written alone, where the bracket holds it written alone (σ(1 - σ): the
        student writes σ for σ(x)), and only in the reading that says so. `σ(x)`, `σ(1)(1 - σ)`
        and `r(1) + σ` apply the function to their bracket."""
        if (
            self.vocabulary.argument is None
            or function.name not in self.vocabulary.alone
            or isinstance(bracket, Arguments)
        ):
            return False
        same = [
            node
            for node in walk(bracket)
            if isinstance(node, Call) and node.function == function.name
        ]
        if not any(function_alone(node) for node in same):
            if not any(applied_to(node, self.vocabulary.argument) for node in same):
                return False
            self.left_out += 1  # σ(1 - σ(x)): the first σ's (x) left out, perhaps
        self.brackets_either_way += 1
        return self.bracket_as_factor

    def chain(self, tree: Tree) -> list[Node]:
        return [self.operand(child) for child in tree.children if isinstance(child, Tree)]

    def read_sum(self, tree: Tree) -> Node:
        children = tree.children
        terms = [("+", self.operand(children[0]))]
        for sign, term in zip(children[1::2], children[2::2], strict=True):
            terms.append((str(sign), self.operand(term)))
        return Sum(_start(tree), _end(tree), tuple(terms))

    def read_product(self, tree: Tree) -> Node:
        children = tree.children
        factors = [("*", self.operand(children[0]))]
        for operator, factor in zip(children[1::2], children[2::2], strict=True):
            factors.append((str(operator), self.operand(factor)))
        return Product(_start(tree), _end(tree), tuple(factors))

    def read_signed(self, tree: Tree) -> Node:
        *signs, operand = tree.children
        node = self.node(operand)
        if sum(1 for sign in signs if str(sign) == "-") % 2:
            if _function_of(node)[0] is None:
                node = self._value(node)
            return Negate(signs[0].start_pos, node.end, node)  # `-sin x`: applied later
        return node

    read_exponent = read_signed

    def read_power(self, tree: Tree) -> Node:
        base, *rest = tree.children
        exponents: list[Node] = []
        trailing = None
        index = 0
        while index < len(rest):
            child = rest[index]
            if isinstance(child, Token) and child.type == "POW":
                if trailing is not None:
                    raise AnswerError(
                        self.text, child.start_pos, "write brackets around the exponent"
                    )
                exponent, trailing = self._exponent(rest[index + 1])
                exponents.append(exponent)
                index += 2
            else:
                exponents.append(self._superscript(child))
                index += 1
        node = self.node(base)
        exponent = exponents[-1]
        for earlier in reversed(exponents[:-1]):  # 2^3^2 is 2^(3^2)
            exponent = Power(earlier.start, exponent.end, earlier, exponent)
        if isinstance(node, Product) and base.data == "name":
            # A run of letters is a product, and the power is on its last name: `xy^2` is x·y².
            *first, (operator, last) = node.factors
            raised = Power(last.start, exponent.end, last, exponent)
            power: Node = Product(node.start, exponent.end, (*first, (operator, raised)))
        else:
            power = Power(node.start, exponent.end, node, exponent)
        if trailing is None:
            return power
        # `e^x(1+x)`: the bracket after a one-name exponent is a factor, as written maths has it.
        factors = power.factors if isinstance(power, Product) else (("", power),)
        return Product(power.start, trailing.end, (*factors, ("", trailing)))

    def _exponent(self, tree: Tree) -> tuple[Node, Node | None]:
        """An exponent, and the bracket after it when that is a factor rather than an
        argument: `x^log(y)` is x^(log(y)), `e^x(1+x)` is e^x·(1+x)."""
        if not (isinstance(tree, Tree) and tree.data == "exponent_call"):
            return self.operand(tree), None
        signs = [c for c in tree.children if isinstance(c, Token) and c.type == "ADDOP"]
        name_token = next(c for c in tree.children if isinstance(c, Token) and c.type == "NAME")
        group = Tree("group", tree.children[tree.children.index(name_token) + 1 :])
        name = self.read_name(Tree("name", [name_token]))
        bracket = self.read_group(group)
        negated = sum(1 for sign in signs if str(sign) == "-") % 2
        start = signs[0].start_pos if signs else name.start
        if _function_of(name)[0] is not None:
            exponent = self._value(Product(name.start, bracket.end, (("", name), ("", bracket))))
            return (Negate(start, exponent.end, exponent) if negated else exponent), None
        exponent = self._value(name)
        return (Negate(start, exponent.end, exponent) if negated else exponent), self._value(
            bracket
        )

    def _superscript(self, token: Token) -> Node:
        digits = str(token).translate(_SUPERSCRIPT_DIGITS)
        sign, body = (digits[0], digits[1:]) if digits[0] in "+-" else ("", digits)
        end = token.start_pos + len(token)
        if not body.isdigit():
            raise AnswerError(
                self.text, token.start_pos, f"cannot read the exponent '{token}'", len(token)
            )
        node: Node = Number(token.start_pos, end, self._number(body, token.start_pos), body)
        return Negate(token.start_pos, end, node) if sign == "-" else node

    def read_number(self, tree: Tree) -> Node:
        token = tree.children[0]
        end = token.start_pos + len(token)
        return Number(token.start_pos, end, self._number(str(token), token.start_pos), str(token))

    def _number(self, digits: str, position: int) -> sympy.Rational:
        if len(digits.replace(".", "")) > MAX_NUMBER_DIGITS:
            raise AnswerTooLargeError(
                self.text,
                position,
                f"this number is too large: more than {MAX_NUMBER_DIGITS} digits",
                len(digits),
            )
        whole, _, fraction = digits.partition(".")
        # Decimals are read exactly: 0.1 is 1/10, never a binary float.
        return sympy.Rational(int((whole or "0") + fraction), 10 ** len(fraction))

    def read_group(self, tree: Tree) -> Node:
        opening, *inside, closing = tree.children
        items = tuple(self.node(child) for child in inside if isinstance(child, Tree))
        if len(items) > 1:
            return Arguments(opening.start_pos, closing.end_pos, tuple(map(self._value, items)))
        inner = items[0]
        if isinstance(inner, Function):  # \operatorname{sigmoid}(x): the braces hold a name
            return inner
        return replace(self._value(inner), start=opening.start_pos, end=closing.end_pos)

    def read_absolute(self, tree: Tree) -> Node:
        opening, inner, closing = tree.children
        return Call(opening.start_pos, closing.end_pos, "abs", (self.operand(inner),))

    def read_fraction(self, tree: Tree) -> Node:
        frac, _, numerator, _, _, denominator, closing = tree.children
        return self._fraction(
            frac.start_pos, closing.end_pos, self.operand(numerator), self.operand(denominator)
        )

    def read_fraction_digit_braced(self, tree: Tree) -> Node:
        frac, digit, _, denominator, closing = tree.children
        if len(str(digit)) != 1:
            raise self._unclear_fraction(frac, digit)
        numerator = Number(
            digit.start_pos, digit.end_pos, sympy.Integer(int(str(digit))), str(digit)
        )
        return self._fraction(frac.start_pos, closing.end_pos, numerator, self.operand(denominator))

    def read_short_fraction(self, tree: Tree) -> Node:
        """`\\frac13`: LaTeX takes one character for each argument, so 1/3."""
        frac, digits = tree.children
        text = str(digits)
        if len(text) != 2:
            raise self._unclear_fraction(frac, digits)
        first, second = digits.start_pos, digits.start_pos + 1
        return self._fraction(
            frac.start_pos,
            digits.end_pos,
            Number(first, first + 1, sympy.Integer(int(text[0])), text[0]),
            Number(second, second + 1, sympy.Integer(int(text[1])), text[1]),
        )

    def _unclear_fraction(self, frac: Token, digits: Token) -> AnswerError:
        text = str(digits)
        return AnswerError(
            self.text,
            frac.start_pos,
            f"\\frac{text} is unclear: write the fraction with braces, e.g. "
            f"\\frac{{{text[:1]}}}{{{text[1:] or '2'}}}",
            length=digits.end_pos - frac.start_pos,
        )

    @staticmethod
    def _fraction(start: int, end: int, numerator: Node, denominator: Node) -> Node:
        return Product(start, end, (("*", numerator), ("/", denominator)))

    def read_square_root(self, tree: Tree) -> Node:
        sqrt, argument = tree.children
        return Call(sqrt.start_pos, _end(argument), "sqrt", (self.operand(argument),))

    def read_root(self, tree: Tree) -> Node:
        sqrt, _, index, _, argument = tree.children
        return Call(
            sqrt.start_pos, _end(argument), "root", (self.operand(argument), self.operand(index))
        )

    def read_name(self, tree: Tree) -> Node:
        token = tree.children[0]
        pieces = split_name(self.text, token.start_pos, str(token), self.vocabulary)
        nodes: list[Node] = []
        for name, start, end in pieces:
            written = self.text[start:end]
            if "_" in name and "_" not in written:
                self.run_together[written] = name  # `dk` for d_k
            kind = self.vocabulary.meaning(name)
            nodes.append(
                Function(start, end, name) if kind == "function" else Name(start, end, name)
            )
        if len(nodes) == 1:
            return nodes[0]
        return Product(token.start_pos, _end(token), tuple(("", node) for node in nodes))

    def read_juxtaposition(self, tree: Tree) -> Node:
        factors: list[Node] = []
        for child in tree.children:
            node = self.node(child)
            if (
                isinstance(node, Product)
                and all(op == "" for op, _ in node.factors)
                and self.text[node.start] not in "([{"
            ):
                factors.extend(f for _, f in node.factors)  # a split run of names, not a group
            else:
                factors.append(node)
        applied = self._at_the_variable(self._apply_functions(factors))
        for previous, node in zip(applied, applied[1:], strict=False):
            if isinstance(node, Number) and self.text[node.start] not in "([{":
                raise AnswerError(
                    self.text,
                    node.start,
                    f"'{self.text[previous.start : node.end].strip()}' is ambiguous: a number "
                    "after another factor needs an operator, e.g. '*' or '^'",
                    length=node.end - node.start,
                )
        if len(applied) == 1:
            return applied[0]
        return Product(applied[0].start, applied[-1].end, tuple(("", node) for node in applied))

    def _refuse_lost_superscript(
        self, function: Function, exponent: Node | None, rest: list[Node]
    ) -> None:
        """`tanh2x`, `sin2 x`, `σ2`: a digit written straight after a function's name is
        tanh²x with its superscript lost (in typing, or in a copy that drops superscripts) as
        often as tanh(2x): neither is guessed, the answer goes to a person naming both. (√2
        and a function already raised, `tanh^2 2x`, have one reading.)"""
        start = rest[0].start
        if (
            exponent is not None
            or function.name in ("sqrt", "root")
            or start < function.end
            or any(c.isspace() for c in self.text[function.end : start])  # `\\tanh 2x`
            or not self.text[start].isdigit()
        ):
            return
        digits = re.match(r"[0-9]+", self.text[start:])
        digit = digits.group(0) if digits else self.text[start]
        after = self.text[start + len(digit) : rest[-1].end].strip()
        # as written, from its command's backslash: `\\tanh2x`, `\\operatorname{sech}2x`
        command = re.search(r"\\[A-Za-z]+\{$", self.text[: function.start])
        begin = command.start() if command else function.start
        written = self.text[begin : rest[-1].end].strip()
        name = self.text[begin:start].strip()
        raise AnswerError(
            self.text,
            begin,
            lost_superscript(written, name, digit, after),
            length=start + len(digit) - begin,
        )

    def _at_the_variable(self, factors: list[Node]) -> list[Node]:
        """`σ(1 - σ)(x)`, `[σ(1 - σ)](x)`: a last bracket holding only the item's one variable,
        after factors made only of functions written alone (of that variable), is the point
        they are evaluated at, as a marker reads it, not a factor x: it is left out."""
        argument = self.vocabulary.argument
        if argument is None or len(factors) < 2:
            return factors
        *before, last = factors
        if not (
            isinstance(last, Name)
            and last.name == argument
            and self.text[last.start] in "(["
            and all(_only_functions_alone(factor) for factor in before)
        ):
            return factors
        self.evaluated_at += 1
        return before

    def _apply_functions(self, factors: list[Node]) -> list[Node]:
        """Each function takes the group after it (`sin(x)`, `max(a, b)`), or, written
        without brackets, the factors after it up to the next function (`sin 2x cos y` is
        sin(2x)·cos(y)). `sin^2 x` is sin(x)²."""
        result: list[Node] = []
        index = 0
        while index < len(factors):
            node = factors[index]
            function, exponent, negated = _function_of(node, with_sign=True)
            if function is None:
                result.append(self._value(node))
                index += 1
                continue
            rest = factors[index + 1 :]
            if not rest:
                result.append(self._value(node))  # σ alone is σ(x), or an error
                index += 1
                continue
            following = rest[0]
            self._refuse_lost_superscript(function, exponent, rest)
            raised_by = None
            if (
                isinstance(following, Power)
                and following.base.start == following.start
                and self.text[following.start] in "({["
            ):
                # `cos(x)^2` is cos(x)², as written maths has it
                following, raised_by = following.base, following.exponent
            if isinstance(following, Arguments) or self.text[following.start] in "({[":
                if self._bracket_is_factor(function, following):
                    result.append(self._value(node))  # σ(1 - σ) as σ(x)·(1 - σ(x))
                    index += 1
                    continue
                arguments = following.items if isinstance(following, Arguments) else (following,)
                taken = 1
            else:
                taken = next(
                    (k for k, f in enumerate(rest) if _function_of(f)[0] is not None), len(rest)
                )
                if taken == 0:
                    result.append(self._value(node))  # `σ σ`: σ alone, or an error
                    index += 1
                    continue
                # `σx(1 - σx)`: a bracket after the bare argument is a factor, as a marker reads
                # it (σ(x)·(1 - σ(x))); the other reading, σ(x·(1 - σ(x))), is kept to compare.
                cut = next((k for k in range(1, taken) if self.text[rest[k].start] in "([{"), taken)
                if cut < taken:
                    if self.bare_stops:
                        taken = cut
                    self.bare_before_bracket.append((function.name, rest[0]))
                bare = [self._value(f) for f in rest[:taken]]
                if taken == 1 and self._bare_power(bare[0]):
                    # `σx^2`: σ(x²), or σ(x)²; both are kept to compare.
                    self.bare_power.append((function.name, bare[0]))
                    if not self.power_inside:
                        bare, raised_by = [bare[0].base], bare[0].exponent
                arguments = (
                    bare[0]
                    if len(bare) == 1
                    else Product(bare[0].start, bare[-1].end, tuple(("", f) for f in bare)),
                )
            end = rest[taken - 1].end
            call: Node = Call(function.start, end, function.name, tuple(arguments))
            if raised_by is not None:
                call = Power(call.start, end, call, raised_by)
            if exponent is not None:
                call = Power(call.start, end, call, exponent)
            if negated:
                call = Negate(node.start, end, call)
            result.append(call)
            index += 1 + taken
        return result

    def _bare_power(self, node: Node) -> bool:
        """Whether a function's argument written without brackets is a name or number
        raised to a power (`x^2` in `σx^2`), which the power may be read on or off."""
        return (
            isinstance(node, Power)
            and isinstance(node.base, (Name, Number))
            and self.text[node.start] not in "([{"
        )


def _on_function(name: str, power: Power) -> Node:
    """`σ` and `x^2` read as σ(x)²: the power on the function, not on its argument."""
    call = Call(power.start, power.end, name, (power.base,))
    return Power(power.start, power.end, call, power.exponent)


def _function_of(node: Node, with_sign: bool = False) -> tuple:
    """The function a node names (`sin`, `sin^2`, `-sin`), its power, and whether it is
    negated; (None, None) for any other node (with `with_sign`, a third item)."""
    negated = isinstance(node, Negate)
    if negated:
        node = node.operand
    function, exponent = None, None
    if isinstance(node, Function):
        function = node
    elif isinstance(node, Power) and isinstance(node.base, Function):
        function, exponent = node.base, node.exponent
    if function is None:
        negated = False
    return (function, exponent, negated) if with_sign else (function, exponent)


def _transliterate(raw: str) -> tuple[str, list[int]]:
    """A run with Greek letters spelled out (`αx` is `alphax`), and for each character of the
    result, where it came from in the run."""
    spelled, origin = [], []
    for offset, char in enumerate(raw):
        word = GREEK.get(char, char)
        spelled.append(word)
        origin.extend([offset] * len(word))
    origin.append(len(raw))
    return "".join(spelled), origin


def split_name(
    text: str, position: int, raw: str, vocabulary: Vocabulary
) -> list[tuple[str, int, int]]:
    """Split a run of letters such as `xsinx` or `αβ` over the question's names, preferring
    the fewest pieces; each piece is (name, start, end) in the student's text. An unknown
    piece is an error naming it."""
    base, subscript = raw, ""
    if "_" in raw:
        base, _, subscript = raw.partition("_")
        subscript = "_" + subscript.strip("{}")
    spelled, origin = _transliterate(base)
    names = {name: name for name in vocabulary.names}
    names |= run_together_names(vocabulary)
    # A subscripted run: the subscript belongs to its last name (`xd_k` is x·d_k).
    pieces = None
    if subscript and spelled.endswith("log") and log_base("log" + subscript) is not None:
        head = cover(spelled[:-3], names) if len(spelled) > 3 else []
        if head is not None:
            pieces = [*head, "log" + subscript]
    elif subscript:
        for cut in range(len(spelled)):
            head = cover(spelled[:cut], names) if cut else []
            if head is not None and spelled[cut:] + subscript in names:
                pieces = [*head, spelled[cut:] + subscript]
                break
    else:
        pieces = cover(spelled, names)
    if pieces is None:
        raise _unknown_name(text, position, raw, spelled, subscript, vocabulary)
    result, offset = [], 0
    for piece in pieces:
        length = len(piece) - (len(subscript) if piece.endswith(subscript) and subscript else 0)
        start = position + origin[offset]
        end = position + origin[min(offset + length, len(origin) - 1)]
        result.append((names.get(piece, piece), start, end))
        offset += length
    if subscript:
        name, start, _ = result[-1]
        result[-1] = (name, start, position + len(raw))
    return result


def run_together_names(vocabulary: Vocabulary) -> dict[str, str]:
    """Each declared subscripted symbol written with its underscore dropped (`dk` for d_k,
    `si` for s_i), where that is no name of the item and its two parts are not both names
    (then `dk` could be d·k)."""
    known = set(vocabulary.names)
    joined = {}
    for name in vocabulary.symbols:
        base, underscore, subscript = name.partition("_")
        subscript = subscript.strip("{}")
        if not underscore or not subscript.isalnum():
            continue
        written = base + subscript
        if written in known or (base in known and subscript in known):
            continue
        joined[written] = name
    return joined


def _unknown_name(
    text: str, position: int, raw: str, spelled: str, subscript: str, vocabulary: Vocabulary
) -> AnswerError:
    declared = ", ".join(vocabulary.symbols) or "none"
    wanted = spelled + subscript
    if wanted in ("pi", "e") and wanted not in vocabulary.constants:
        return AnswerError(
            text,
            position,
            f"{wanted} is not a constant of this question; its symbols are {declared}",
            len(raw),
        )
    by_lower = {name.lower(): name for name in vocabulary.symbols}
    if wanted.lower() in by_lower:
        return AnswerError(
            text,
            position,
            f"unknown symbol {raw}, did you mean {by_lower[wanted.lower()]}? "
            "Symbols are case-sensitive",
            len(raw),
        )
    return AnswerError(
        text,
        position,
        f"unknown name {raw}; the symbols of this question are {declared}",
        len(raw),
    )


# --- AST to sympy, within bounds ----------------------------------------------------------


def _bits(value: sympy.Rational) -> int:
    return max(int(value.p).bit_length(), int(value.q).bit_length(), 1)


_SYMPY_FUNCTIONS = {
    "exp": sympy.exp,
    "log": sympy.log,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "cot": sympy.cot,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "coth": sympy.coth,
    "sech": sympy.sech,
    "csch": sympy.csch,
    "abs": sympy.Abs,
    "floor": sympy.floor,
    "ceil": sympy.ceiling,
    "sqrt": sympy.sqrt,
}
_ARITY = {"max": (2, 10), "min": (2, 10), "root": (2, 2)}


class _SympyBuilder:
    def __init__(self, text: str, vocabulary: Vocabulary):
        self.text = text
        self.vocabulary = vocabulary
        # Where what is built has a value as written: sympy folds √(x - 10)·√(x - 10) into
        # x - 10, which has one at x = -2, where the answer as written has none.
        self.conditions: list[tuple[sympy.Expr, str]] = []

    def _needs(self, expr: sympy.Expr, condition: str) -> None:
        """That `expr` be "nonnegative", "positive" or "nonzero" where the answer has a value."""
        if expr.free_symbols and (expr, condition) not in self.conditions:
            self.conditions.append((expr, condition))

    def _error(self, node: Node, message: str, large: bool = False) -> AnswerError:
        kind = AnswerTooLargeError if large else AnswerError
        return kind(self.text, node.start, message, node.end - node.start)

    def build(self, node: Node) -> sympy.Expr:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Name):
            if node.name in self.vocabulary.symbols:
                return self.vocabulary.symbols[node.name]
            return CONSTANTS[node.name]
        if isinstance(node, Negate):
            return -self.build(node.operand)
        if isinstance(node, Sum):
            return sympy.Add(
                *(-self.build(t) if sign == "-" else self.build(t) for sign, t in node.terms)
            )
        if isinstance(node, Product):
            factors = []
            for operator, factor in node.factors:
                expr = self.build(factor)
                if operator == "/":
                    if expr.is_zero:
                        raise self._error(factor, "division by zero")
                    self._needs(expr, "nonzero")
                    expr = 1 / expr
                factors.append(expr)
            return sympy.Mul(*factors)
        if isinstance(node, Power):
            return self._power(node)
        if isinstance(node, Call):
            return self._call(node)
        raise AssertionError(f"unknown node {node!r}")

    def _power(self, node: Power) -> sympy.Expr:
        base = self.build(node.base)
        exponent = self.build(node.exponent)
        if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
            raise self._error(node, f"exponents are limited to {MAX_EXPONENT}", large=True)
        if base.is_Rational and exponent.is_Rational:
            if base == 0 and exponent <= 0:
                raise self._error(node, "division by zero")
            if abs(exponent) * _bits(base) > MAX_POWER_BITS:
                raise self._error(node, "too large to check: the number would be too long", True)
        if exponent.is_Rational:
            if exponent.q % 2 == 0:
                self._needs(base, "nonnegative")
            if exponent < 0:
                self._needs(base, "nonzero")
        return sympy.Pow(base, exponent)

    def _call(self, node: Call) -> sympy.Expr:
        arguments = [self.build(a) for a in node.arguments]
        name = node.function
        low, high = _ARITY.get(name, (1, 1))
        if not low <= len(arguments) <= high:
            wanted = f"{low}" if low == high else f"{low} to {high}"
            raise self._error(node, f"{name} takes {wanted} argument{'s' if high > 1 else ''}")
        if name in self.vocabulary.functions:
            return DEFINITIONS[self.vocabulary.functions[name]](arguments[0])
        canonical = FUNCTION_NAMES.get(name, name)
        base = log_base(name)
        if canonical == "sqrt":
            self._needs(arguments[0], "nonnegative")
        if canonical == "log" or base is not None:
            self._needs(arguments[0], "positive")
        if base is not None:
            return sympy.log(arguments[0]) / sympy.log(base)
        if canonical == "max":
            return sympy.Max(*arguments)
        if canonical == "min":
            return sympy.Min(*arguments)
        if canonical == "root":
            radicand, index = arguments
            if index.is_zero:
                raise self._error(node, "a root of index 0 has no value")
            if index.is_Number and abs(index) > MAX_EXPONENT:
                raise self._error(node, f"roots are limited to index {MAX_EXPONENT}", True)
            if index.is_Integer and index % 2 == 0:
                self._needs(radicand, "nonnegative")
            return sympy.Pow(radicand, 1 / index)
        return _SYMPY_FUNCTIONS[canonical](arguments[0])


# --- Reading back --------------------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SHOWN_NAMES = {"pi": "π", "sigma": "σ"}


def shown_name(name: str) -> str:
    """A name as the reading shows it: Greek letters as letters."""
    greek = {
        word: letter for letter, word in GREEK.items() if letter.islower() or word[0].isupper()
    }
    base, underscore, subscript = name.partition("_")
    return greek.get(base, base) + underscore + subscript


def describe(node: Node) -> str:
    """How we read the answer, every operator explicit: `2x sin x` reads `2·x·sin(x)`."""
    return _describe(node, 0)


def _describe(node: Node, context: float) -> str:
    if isinstance(node, Number):
        text, precedence = node.text, (4 if node.value.is_Integer else 2)
    elif isinstance(node, Name):
        text, precedence = shown_name(node.name), 4
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
            parts.append(
                ("/" + _describe(factor, 3)) if operator == "/" else "·" + _describe(factor, 2.5)
            )
        text, precedence = "".join(parts), 2
    elif isinstance(node, Power):
        base = _describe(node.base, 4)
        exponent = node.exponent
        whole = isinstance(exponent, Number) and exponent.value.is_Integer
        if whole:
            text = base + (exponent.text.lstrip("0") or "0").translate(_SUPERSCRIPTS)
        elif (
            isinstance(exponent, Negate)
            and isinstance(exponent.operand, Number)
            and exponent.operand.value.is_Integer
        ):
            text = base + ("-" + exponent.operand.text.lstrip("0")).translate(_SUPERSCRIPTS)
        else:
            text = (
                f"{base}^({_describe(exponent, 0)})"
                if not isinstance(exponent, (Name, Number))
                else f"{base}^{_describe(exponent, 4)}"
            )
        precedence = 3
    elif isinstance(node, Call):
        if node.function == "abs":
            text = f"|{_describe(node.arguments[0], 0)}|"
        elif node.function == "root":
            text = f"root({_describe(node.arguments[0], 0)}, {_describe(node.arguments[1], 0)})"
        else:
            inner = ", ".join(_describe(a, 0) for a in node.arguments)
            text = f"{shown_name(node.function)}({inner})"
        precedence = 4
    else:
        raise AssertionError(f"unknown node {node!r}")
    return f"({text})" if precedence < context else text


def walk(node: Node) -> Iterator[Node]:
    """`node` and every node below it."""
    yield node
    for value in vars(node).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            child = item[1] if isinstance(item, tuple) else item  # a sum's (sign, term)
            if isinstance(child, Node):
                yield from walk(child)


def applied_to(node: Call, name: str) -> bool:
    """Whether the call `node` has one argument, the name `name` itself: σ(x) for x."""
    return (
        len(node.arguments) == 1
        and isinstance(node.arguments[0], Name)
        and node.arguments[0].name == name
    )


def _only_functions_alone(node: Node) -> bool:
    """Whether `node` is made of numbers and functions written alone (`σ(1 - σ)`, `1 - σ`,
    σ(1 - σ(x)) with σ(x) written σ), with one at least: no symbol written out."""
    alone = [n for n in walk(node) if isinstance(n, Call) and function_alone(n)]
    variables = {id(n.arguments[0]) for n in alone}
    names = [n for n in walk(node) if isinstance(n, Name)]
    return bool(alone) and all(id(n) in variables for n in names)


def function_alone(node: Node) -> bool:
    """Whether `node` is only a declared function written alone (`σ`, `σ^2`, `-σ`), read as a
    function of the item's one variable: the function's name, naming it, in prose."""
    while isinstance(node, (Negate, Power)):
        node = node.operand if isinstance(node, Negate) else node.base
    return (
        isinstance(node, Call)
        and len(node.arguments) == 1
        and isinstance(node.arguments[0], Name)
        and (node.arguments[0].start, node.arguments[0].end) == (node.start, node.end)
    )


# --- The public verb -----------------------------------------------------------------------


def parse(text: str, vocabulary: Vocabulary) -> ParsedExpression:
    """Read `text` as an expression or an equation over `vocabulary`, or raise `AnswerError`.

    A chain `a = b = c` is read whole; what it answers is the checker's to decide."""
    if not text.strip():
        raise AnswerError(text, 0, "the answer is empty")
    normalised = normalise(text, EXPRESSION_STEPS)
    _refuse_words_in_text(text, vocabulary)
    try:
        tree = _parser().parse(normalised)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    first, reader = _readings(text, tree, vocabulary, power_inside=True)
    if reader.bare_power:
        # `σx^2`: σ(x²), the power on the argument, first; σ(x)², kept to compare.
        outside, _ = _readings(text, tree, vocabulary, power_inside=False)
        return replace(first, power=outside)
    return first


def _readings(
    text: str, tree: Tree, vocabulary: Vocabulary, power_inside: bool
) -> tuple[ParsedExpression, _TreeReader]:
    """The answer read with a power after a function's bare argument on the argument (or on
    the function), and the other reading of a bracket after a function as its alternative."""
    as_argument, reader = _reading(
        text, tree, vocabulary, bracket_as_factor=False, power_inside=power_inside
    )
    if reader.written_alone and reader.brackets_either_way:
        # σ is written alone, and a bracket follows a σ: a marker reads that bracket as a
        # factor (σ(1 - σ) as σ(x)·(1 - σ(x))), but the other reading is kept to compare.
        as_factor, _ = _reading(
            text, tree, vocabulary, bracket_as_factor=True, power_inside=power_inside
        )
        return replace(as_factor, alternative=as_argument), reader
    if reader.left_out:
        # σ(1 - σ(x)): σ applied to its bracket, as written; but the student may have left out
        # the first σ's (x), σ(x)·(1 - σ(x)): kept to compare, this reading standing first.
        as_factor, _ = _reading(
            text, tree, vocabulary, bracket_as_factor=True, power_inside=power_inside
        )
        return replace(
            as_argument, bracket="argument", alternative=replace(as_factor, bracket="factor")
        ), reader
    if reader.bare_before_bracket:
        # σx(1 - σx): σ(x)·(1 - σ(x)), as a marker reads it, first; σ(x·(1 - σ(x))), the
        # function taking the bracket too, kept to compare.
        whole, _ = _reading(
            text,
            tree,
            vocabulary,
            bracket_as_factor=False,
            bare_stops=False,
            power_inside=power_inside,
        )
        return replace(
            as_argument, bracket="bare", alternative=replace(whole, bracket="whole")
        ), reader
    return as_argument, reader


# `\text{sech}`, `\textrm{ for all }`: what the braces hold, when they hold no brace.
_TEXT_WORDS = re.compile(r"\\text(?:rm)?\s*\{([^{}]*)\}")


def _refuse_words_in_text(text: str, vocabulary: Vocabulary) -> None:
    """`\\text{…}` passes its words through so that `\\text{sech}^2 x` reads as sech(x)²; words
    that are no function of the item (`\\text{ for all } x`, `\\text{if}`) are prose, not
    maths, and are refused where they stand (they would otherwise be read as unknown names);
    `\\text{ }`, a space, is none."""
    for match in _TEXT_WORDS.finditer(text):
        word = match.group(1).strip()
        name = GREEK.get(word, word)
        if not word or vocabulary.meaning(name) == "function":
            continue
        if name in vocabulary.functions.values():
            continue  # `\\text{sigmoid}` where the rubric calls it sigma
        raise AnswerError(
            text,
            match.start(),
            f'{match.group(0).strip()} holds the words "{word}", not maths: write the answer '
            "as an expression alone (\\text{…} may only name a function, as in "
            "\\text{sech}^2 x)",
            length=len(match.group(0)),
        )


def _reading(
    text: str,
    tree: Tree,
    vocabulary: Vocabulary,
    bracket_as_factor: bool,
    bare_stops: bool = True,
    power_inside: bool = True,
) -> tuple[ParsedExpression, _TreeReader]:
    reader = _TreeReader(text, vocabulary, bracket_as_factor, bare_stops, power_inside)
    builder = _SympyBuilder(text, vocabulary)
    trees = tuple(reader.chain(tree))
    sides, domains = [], []
    for node in trees:
        builder.conditions = []
        expr = builder.build(node)
        if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise AnswerError(text, node.start, "this has no value (division by zero)")
        sides.append(expr)
        domains.append(tuple(builder.conditions))
    variable = shown_name(vocabulary.argument or "")
    notes = tuple(
        f"read {shown_name(name)} as {shown_name(name)}({variable})"
        for name in reader.written_alone
    )
    notes += tuple(
        f"read {written} as {shown_name(name)}" for written, name in reader.run_together.items()
    )
    if "⊙" in text or re.search(r"\\odot(?![A-Za-z])", text):
        notes += ("read ⊙ as ·: the question's symbols are numbers, multiplied as usual",)
    if reader.evaluated_at:
        notes += (
            f"read ({variable}) after functions written alone as the point they are evaluated "
            f"at, not a factor {variable}",
        )
    if bare_stops:
        notes += tuple(
            dict.fromkeys(
                f"read {shown_name(name)} {describe(argument)} before a bracket as "
                f"{shown_name(name)}({describe(argument)}), the bracket a factor"
                for name, argument in reader.bare_before_bracket
            )
        )
    notes += tuple(
        dict.fromkeys(
            f"read {shown_name(name)} {describe(power)} as "
            + (
                f"{shown_name(name)}({describe(power)}), the power on its argument"
                if power_inside
                else f"{describe(_on_function(name, power))}, the power on the function"
            )
            for name, power in reader.bare_power
        )
    )
    return ParsedExpression(text, tuple(sides), trees, notes, domains=tuple(domains)), reader


def parse_answer(text: str, vocabulary: Vocabulary) -> ParsedExpression:
    """`parse`, and as a marker reads it: when the whole cannot be read but what follows its
    last '=' can (`f'(x) = 2x`, `k = 1/3` with k no symbol), that is the answer, with a note;
    a definition after the answer (`σ(1 - σ), where σ = 1/(1 + e^{-x})`) is set aside from
    it, with a note, for the check to hold against the question. A left side that holds a
    comma or a word such as "where" is no name of the answer, and is never set aside."""
    try:
        return parse(text, vocabulary)
    except AnswerTooLongError:
        # Definitions after the answer (a transcript's, read with it) are not the student's
        # answer: only the answer itself counts against the limit.
        answer, definitions = split_definitions(text)
        if not definitions:
            raise
        return _with_definitions(text, answer, definitions, vocabulary)
    except AnswerError as error:
        if isinstance(error, AnswerTooLargeError):
            raise
        strict = error
    answer, definitions = split_definitions(text)
    if definitions:
        return _with_definitions(text, answer, definitions, vocabulary)
    if "=" not in text:
        raise strict
    cut = text.rindex("=") + 1
    if has_separator(text[: cut - 1]):
        raise strict
    try:
        tail = parse(" " * cut + text[cut:], vocabulary)
    except AnswerError:
        raise strict from None
    if len(tail.sides) != 1:
        raise strict
    left = text[: cut - 1].strip()
    set_aside = f'set aside "{left} =" before the answer'
    alternative = tail.alternative
    if alternative is not None:
        alternative = replace(alternative, text=text, notes=(set_aside, *alternative.notes))
    return replace(tail, text=text, notes=(set_aside, *tail.notes), alternative=alternative)


def _with_definitions(
    text: str, answer: str, definitions: tuple[Definition, ...], vocabulary: Vocabulary
) -> ParsedExpression:
    """The answer before its definitions, read as `parse_answer` reads it, with a note for
    each definition set aside and each definition read."""
    try:
        parsed = parse_answer(answer.ljust(min(len(text), MAX_ANSWER_LENGTH)), vocabulary)
    except AnswerError as error:
        raise type(error)(text, error.position, error.message, error.length) from None
    read = tuple(_read_definition(definition, parsed, vocabulary) for definition in definitions)
    notes = tuple(d.note for d in definitions)

    def with_definitions(reading: ParsedExpression) -> ParsedExpression:
        return replace(reading, text=text, notes=(*reading.notes, *notes), definitions=read)

    alternative = parsed.alternative
    if alternative is not None:
        alternative = with_definitions(alternative)
    return replace(with_definitions(parsed), alternative=alternative)


def _read_definition(
    definition: Definition, answer: ParsedExpression, vocabulary: Vocabulary
) -> ReadDefinition:
    written = definition.shown
    if definition.gloss:  # `…, where x = the input`: what x is, in words, set aside
        return ReadDefinition(written, definition.left, "gloss", False, None, "")
    try:
        parsed = parse(f"{definition.left} = {definition.right}", vocabulary)
    except AnswerError:
        return ReadDefinition(written, definition.left, "other", False, None, "")
    if len(parsed.sides) != 2:
        return ReadDefinition(written, definition.left, "other", False, None, "")
    left = parsed.trees[0]
    sides = (parsed.sides[0], parsed.sides[1])
    if isinstance(left, Call) and left.function in vocabulary.functions:
        name, role, meaning = left.function, "function", vocabulary.functions[left.function]
    elif isinstance(left, Name) and left.name in vocabulary.symbols:
        name, role, meaning = left.name, "symbol", ""
    else:
        name, role, meaning = definition.left, "other", ""
    used = any(uses(tree, name) for tree in answer.trees)
    return ReadDefinition(written, name, role, used, sides, parsed.interpretation, meaning)


def uses(node: Node, name: str) -> bool:
    """Whether `node` has the name `name`, as a symbol or as a function applied."""
    if isinstance(node, Name):
        return node.name == name
    if isinstance(node, Call):
        return node.function == name or any(uses(a, name) for a in node.arguments)
    if isinstance(node, Negate):
        return uses(node.operand, name)
    if isinstance(node, Power):
        return uses(node.base, name) or uses(node.exponent, name)
    if isinstance(node, Sum):
        return any(uses(term, name) for _, term in node.terms)
    if isinstance(node, Product):
        return any(uses(factor, name) for _, factor in node.factors)
    return False
