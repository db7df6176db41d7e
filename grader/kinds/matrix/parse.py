"""Read a matrix answer: an optional left side naming what it is (`dL/dW =`, `A =`) and a matrix
expression, parsed by our own lark grammar (`expression.lark`) into `Node`s.

The text is first normalised by small same-length steps (`grader.normalise`), so every
position in an error is a position in what the student wrote. Runs of letters are split over
the names the item declares (`QK` is Q·K); a name it does not declare is an error pointing at
it, never a new symbol.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from grader.answer_names import names_match
from grader.definitions import (
    Definition,
    answer_last,
    has_separator,
    split_definitions,
    split_leading_definitions,
    unread_without,
)
from grader.errors import AnswerError, AnswerTooLargeError, AnswerTooLongError
from grader.kinds.matrix.left import GRADIENT, Left, read_left
from grader.kinds.matrix.nodes import (
    MAX_DEPTH,
    MAX_NODES,
    Node,
    count_nodes,
    depth,
    describe,
    product,
    transpose,
    walk,
)
from grader.kinds.matrix.shapes import Shape, sizes_in
from grader.kinds.matrix.statements import (
    ShapeStatement,
    split_inner_shape_statements,
    split_shape_statements,
)
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
    top_level_equals,
)

MAX_NUMBER_DIGITS = 12
MAX_EXPONENT = 8

# What each name an answer may use stands for: a declared matrix (or vector, or scalar), one
# of the question's sizes used as a number, or the identity.
MATRIX, SIZE, IDENTITY = "matrix", "size", "identity"


@dataclass(frozen=True)
class MatrixAnswer:
    """A matrix answer as we read it."""

    text: str
    left: Left | None  # what the left side of `... = ...` names, if there is one
    expression: Node
    reading: str  # the expression with every operation explicit
    notes: tuple[str, ...] = ()  # how a lenient reading read it: "read 1 as the ones vector"
    review: str | None = None  # why a person must decide, though it reads (told the student)
    shorthand: str | None = None  # a given gradient written in the shorthand dY, if one was
    # The earlier sides of a chain of working (`dL/dW = (G^T X)^T = X^T G`) that are matrix
    # expressions, each as written and read: each must equal the answer, its last side.
    steps: tuple[tuple[str, Node], ...] = ()
    # The earlier sides of a chain that only name a matrix (`dL/dW = dL/dX = X^T G`), each as
    # read: each must name what the item asks for (a product of gradients, the chain rule in
    # names, is none of these).
    named: tuple[Left, ...] = ()
    # The side of a chain read as the answer, as written: its last side, or the last that is
    # a matrix expression where the last only names a matrix or uses a name of the student's.
    graded: str = ""
    # Shapes stated after the answer (`\in \mathbb{R}^{C \times D}`), each with the matrix
    # whose shape it states (None: the answer's), as read (`δ` defined as G is G).
    stated: tuple[tuple[ShapeStatement, str | None], ...] = ()
    # The names of the student's own that definitions give an expression (`S = QK^T`), each
    # with it, for a shape stated for one to be held against the expression's.
    defined: tuple[tuple[str, Node], ...] = ()
    # `1 G` (review ONES_BEFORE): the answer with its 1 read as the number, for the review to
    # say what that reading would earn.
    as_number: Node | None = None


# --- Normalisation ---------------------------------------------------------------------------

_WRAPPER = re.compile(
    r"\\(mathbf|boldsymbol|bm|mathrm|mathit|mathsf|mathbb|mathcal|operatorname|text|textrm|"
    r"textit|textbf|bar|overline)\s*\{([^{}]*)\}"
)
_ONES_WRITTEN = {"1", "𝟏", "𝟙"}


def unwrap_latex_styles(text: str) -> str:
    """`\\mathbf{X}` is X, `\\operatorname{softmax}` is softmax, `\\mathbf{1}` the ones vector
    𝟏, and `\\bar{W}` the W̄ of a gradient; every other command is left for `rewrite_latex`."""
    for match in reversed(list(_WRAPPER.finditer(text))):
        command, inner = match.group(1), match.group(2).strip()
        if command in ("bar", "overline"):
            replacement = inner + "\u0304"
        elif inner in _ONES_WRITTEN:
            replacement = "𝟏"
        else:
            replacement = inner
        text = replace_span(text, match.start(), match.end(), replacement)
    return text


_COMMANDS: dict[str, str | None] = {
    **LATEX_LAYOUT,
    "frac": None,
    "dfrac": None,
    "tfrac": None,
    "sqrt": "√",
    "top": "T",
    "intercal": "T",
    "odot": "⊙",
    "circ": "⊙",
    "sigma": "σ",
    "exp": "exp",
    "tanh": "tanh",
    "max": "max",
    "partial": "∂",
    "nabla": "∇",
    "delta": "δ",
    "ell": "ℓ",
    "prime": "'",
    "approx": "≈",
}

_MORE_CHARACTERS = str.maketrans({"∘": "⊙", "⊤": "T", "⨀": "⊙", "⊺": "T"})


def map_matrix_characters(text: str) -> str:
    """∘ and ⨀ are the elementwise product ⊙; ⊤ and ⊺ a transpose's T."""
    return text.translate(_MORE_CHARACTERS)


def latex_commands(text: str) -> str:
    return rewrite_latex(text, _COMMANDS)


STEPS = [
    check_length,
    blank_invisible_characters,
    reject_control_characters,
    map_fullwidth_forms,
    strip_math_delimiters,
    map_unicode_operators,
    map_matrix_characters,
    unwrap_latex_styles,
    latex_commands,
    check_brackets,
]


# --- Grammar ---------------------------------------------------------------------------------


@cache
def _parser() -> Lark:
    grammar = resources.files("grader.kinds.matrix").joinpath("expression.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", maybe_placeholders=False)


_WORDS = {
    "NUMBER": "a number",
    "NAME": "a matrix",
    "LPAR": "'('",
    "RPAR": "')'",
    "RBRACE": "'}'",
    "RSQB": "']'",
    "ADDOP": "a sign",
    "MULOP": "an operator",
    "FUNC": "a function",
}


def _syntax_error(text: str, error: UnexpectedInput, offset: int) -> AnswerError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        words = sorted({_WORDS[t] for t in error.expected if t in _WORDS})
        expected = f": expected {' or '.join(words)}" if words else ""
        if token.type == "$END":
            return AnswerError(text, len(text.rstrip()), "the answer ends too early" + expected)
        return AnswerError(
            text,
            offset + token.start_pos,
            f"unexpected '{token.value}'" + expected,
            length=len(str(token.value)),
        )
    if isinstance(error, UnexpectedCharacters):
        position = offset + error.pos_in_stream
        return AnswerError(text, position, f"unexpected '{text[position]}'")
    return AnswerError(text, offset, "cannot read this")


# --- Tree to nodes ---------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    """`W_{Q}` and `W_Q` are one name."""
    return name.replace("{", "").replace("}", "")


def split_name(run: str, names: Mapping[str, str]) -> list[str] | None:
    """A run of letters with an optional subscript, split into the fewest declared names (the
    subscript belongs to the last): `QK` is Q, K and `XW_Q` is X, W_Q; None if it cannot be."""
    run = _clean_name(run)
    if run in names:
        return [run]
    letters, _, subscript = run.partition("_")
    subscript = f"_{subscript}" if subscript else ""
    best: dict[int, list[str]] = {len(letters): []}
    for start in range(len(letters) - 1, -1, -1):
        options = []
        for end in range(start + 1, len(letters) + 1):
            piece = letters[start:end] + (subscript if end == len(letters) else "")
            if piece in names and end in best:
                options.append([piece, *best[end]])
        if options:
            best[start] = min(options, key=len)
    return best.get(0)


class UnknownNameError(AnswerError):
    """A name that is none of the question's, read where a matrix expression was expected."""


def _lone_one(node: Node, beside: Node) -> bool:
    """Whether `node` is a 1 written beside a matrix (`beside` no number or size), with no
    operator between: the ones vector 𝟏, not the number."""
    return node.op == "number" and node.value == 1 and beside.op not in ("number", "size")


class _TreeReader:
    """Turns lark's tree into `Node`s."""

    def __init__(
        self,
        text: str,
        offset: int,
        names: Mapping[str, str],
        number_one: bool = False,
        own: Collection[str] = (),
    ):
        self.text = text
        self.offset = offset
        self.names = names
        self.own = own  # the names among `names` that the student defines, not the question
        self.notes: list[str] = []
        self.ones_before = False  # `1 G`: a 1 before a matrix read as the ones vector
        self.number_one = number_one  # `1 G` read as the number 1 times G instead

    def error(self, token: Token, message: str) -> AnswerError:
        return AnswerError(self.text, self.offset + token.start_pos, message, len(str(token)))

    def read(self, tree: Tree) -> Node:
        rule = tree.data
        children = tree.children
        if rule == "start":
            return self.read(children[0])
        if rule == "sum":
            terms, signs, sign = [], [], 1
            for child in children:
                if isinstance(child, Token):
                    sign = -1 if child == "-" else 1
                    continue
                term_sign, term = self.signed(child)
                terms.append(term)
                signs.append(sign * term_sign)
            if len(terms) == 1 and signs[0] == 1:
                return terms[0]
            return Node("sum", tuple(terms), signs=tuple(signs), start=terms[0].start)
        if rule == "chain":
            return self.chain(children)
        if rule == "postfix":
            return self.postfix(children)
        return self.atom(tree)

    def signed(self, tree: Tree) -> tuple[int, Node]:
        sign = 1
        for child in tree.children[:-1]:
            sign *= -1 if child == "-" else 1
        return sign, self.read(tree.children[-1])

    def chain(self, children: list) -> Node:
        """Factors in order; `/` divides what is on its left by the next factor, `⊙` takes the
        elementwise product, `*`, `@` and juxtaposition the matrix product."""
        current: Node | None = None
        operator = None
        for child in children:
            if isinstance(child, Token):
                operator = str(child)
                continue
            factor = self.read(child)
            if current is None:
                current = factor
            elif operator == "/":
                current = self.divide(current, factor)
            elif operator == "⊙":
                current = Node("hadamard", (current, factor), start=current.start)
            else:
                if operator is None and _lone_one(factor, current):
                    # `G^T 1`: a lone 1 after a matrix is the ones vector (a 1 that
                    # multiplies would not be written).
                    factor = Node("ones", start=factor.start)
                    self.notes.append("read the 1 after a matrix as the ones vector 𝟏")
                elif operator is None and _lone_one(current, factor) and not self.number_one:
                    # `1 G`: a lone 1 before a matrix is the ones vector too, as written
                    current = Node("ones", start=current.start)
                    self.notes.append(_ONES_BEFORE_NOTE)
                    self.ones_before = True
                current = product(current, factor)
            operator = None
        return current

    def divide(self, numerator: Node, denominator: Node, start: int | None = None) -> Node:
        if _constant(denominator) == 0:
            raise AnswerError(self.text, denominator.start, "division by zero")
        start = numerator.start if start is None else start
        return Node("divide", (numerator, denominator), start=start)

    def postfix(self, children: list) -> Node:
        first = children[0]
        if first.data == "name" and len(children) > 1:
            # A postfix on a run of letters applies to its last letter: `QK^T` is Q·Kᵀ.
            *before, last = self.name_pieces(first.children[0])
            return product(*before, self.postops(last, children[1:]))
        return self.postops(self.read(first), children[1:])

    def postops(self, node: Node, postops: list) -> Node:
        for postop in postops:
            token = postop.children[0]
            kind = token.type
            if kind in ("SUPT", "TICK"):
                if node.op == "number" and node.value == 1:
                    node = Node("ones", start=node.start)  # 1^T: the ones vector, as a row
                node = transpose(node)
            elif kind == "INV":
                node = self._power(node, Fraction(-1), token)
            elif kind == "SUPERSCRIPT":
                node = self._power(node, Fraction("²³".index(str(token)) + 2), token)
            else:
                node = self._power(node, self.exponent(postop.children[1]), token)
        return node

    def _power(self, node: Node, exponent: Fraction, token: Token) -> Node:
        if abs(exponent) > MAX_EXPONENT or exponent.denominator > MAX_EXPONENT:
            raise AnswerTooLargeError(
                self.text, self.offset + token.start_pos, "this exponent is too large to check"
            )
        if exponent < 0 and _constant(node) == 0:
            raise AnswerError(self.text, self.offset + token.start_pos, "division by zero")
        if exponent == -1:
            return Node("inverse", (node,), start=node.start)
        if exponent == 1:
            return node
        return Node("power", (node,), value=exponent, start=node.start)

    def exponent(self, tree: Tree) -> Fraction:
        children = tree.children
        if len(children) == 1:
            return self.number(children[0])
        if len(children) == 2:
            value = self.number(children[1])
            return -value if children[0] == "-" else value
        value = _constant(self.read(children[1]))
        if value is None:
            raise self.error(children[0], "an exponent is a number, such as 2 or 1/2")
        return value

    def number(self, token: Token) -> Fraction:
        if len(str(token)) > MAX_NUMBER_DIGITS:
            raise AnswerTooLargeError(
                self.text, self.offset + token.start_pos, "this number is too long to check"
            )
        return Fraction(str(token))

    def atom(self, tree: Tree) -> Node:
        rule, children = tree.data, tree.children
        first = children[0]
        start = self.offset + first.start_pos if isinstance(first, Token) else -1
        if rule == "number":
            return Node("number", value=self.number(first), start=start)
        if rule == "ones":
            return self.ones(first)
        if rule == "name":
            return self.name(first)
        if rule == "group":
            return self.read(children[1])
        if rule == "fraction":
            return self.divide(self.read(children[2]), self.read(children[5]), start)
        if rule == "root":
            return Node("sqrt", (self.read(children[1]),), start=start)
        if rule == "call":
            return self.call(first, children[2])
        raise self.error(first, "cannot read this")

    def ones(self, token: Token) -> Node:
        """𝟏, or 𝟏_N: the ones vector, with N entries when a size is given."""
        start = self.offset + token.start_pos
        _, _, subscript = str(token).partition("_")
        subscript = "".join(subscript.split()).strip("{}")
        if not subscript:
            return Node("ones", start=start)
        if self.names.get(subscript) != SIZE:
            raise self.error(
                token, f"the ones vector's length is one of the sizes, not '{subscript}'"
            )
        return Node("ones", name=subscript, start=start)

    def name(self, token: Token) -> Node:
        return product(*self.name_pieces(token))

    def name_pieces(self, token: Token) -> list[Node]:
        pieces = split_name(str(token), self.names)
        if pieces is None:
            matrices = sorted(
                n for n, what in self.names.items() if what == MATRIX and n not in self.own
            )
            raise UnknownNameError(
                self.text,
                self.offset + token.start_pos,
                f"unknown name '{token}': the question's matrices are {', '.join(matrices)}",
                len(str(token)),
            )
        start = self.offset + token.start_pos
        nodes = []
        for piece in pieces:
            what = self.names[piece]
            if what == IDENTITY:
                nodes.append(Node("identity", start=start))
            else:
                nodes.append(Node("matrix" if what == MATRIX else "size", name=piece, start=start))
        return nodes

    def call(self, function: Token, arguments: Tree) -> Node:
        name = str(function).lower()
        name = {"σ": "sigmoid"}.get(name, name)
        values = [self.read(c) for c in arguments.children if isinstance(c, Tree)]
        tokens = [c for c in arguments.children if isinstance(c, Token)]
        axis = 1
        axis_given = any(t.type == "AXIS" for t in tokens)
        if axis_given:
            number = int(str(tokens[-1]))
            if number == 1:  # dim=1 and dim=-1 alike: along each row
                axis = 1
            elif number == 0 and not any(t == "-" for t in tokens):
                axis = 0
            else:
                raise self.error(tokens[-1], "a softmax runs over dim=1 (rows) or dim=0 (columns)")
        start = self.offset + function.start_pos
        if name == "max":
            if len(values) != 2 or axis_given:
                raise self.error(function, "max takes two arguments, as in max(0, Z)")
            return Node("maximum", tuple(values), start=start)
        if len(values) != 1:
            raise self.error(function, f"{name} takes one argument")
        if axis_given and name != "softmax":
            raise self.error(function, f"{name} acts on each entry: it takes no axis")
        if name == "softmax":
            return Node("softmax", (values[0],), axis=axis, start=start)
        if name == "sqrt":
            return Node("sqrt", (values[0],), start=start)
        return Node("apply", (values[0],), name=name, start=start)


def _constant(node: Node) -> Fraction | None:
    """A number written as an expression (`1/2`, `-1`), or None."""
    if node.op == "number":
        return node.value
    parts = [_constant(a) for a in node.args]
    if not node.args or None in parts:
        return None
    if node.op == "divide":
        return parts[0] / parts[1] if parts[1] else None
    if node.op == "product":
        value = Fraction(1)
        for part in parts:
            value *= part
        return value
    if node.op == "sum":
        return sum((s * p for s, p in zip(node.signs, parts, strict=True)), Fraction(0))
    return None


def name_of(text: str) -> Left | None:
    """What a name a rubric gives the answer (`result: ['dL/dh', A]`) names, read as a
    student's left side is; None when no left side could ever name it so."""
    try:
        return read_left(text, normalise(text, STEPS))
    except AnswerError:
        return None


# A gradient written among the factors (`X^T dL/dY`, `X^\top \frac{\partial L}{\partial Y}`),
# in the normalised text, where \partial is ∂ padded with spaces. Its d follows no letter but
# the T of a transpose (`X^TdL/dY`); a letter in braces, `\partial{L}`, is the letter.
_NAME_PART = r"[A-Za-z](?:\s*_\s*(?:\{\s*[A-Za-z0-9]+\s*\}|[A-Za-z0-9]))?"
_OF = rf"(?P<loss>{_NAME_PART}|ℓ)"
_BY = rf"(?P<matrix>{_NAME_PART})"
_AFTER = r"(?:(?<![A-Za-z0-9_])|(?<=\^T))"
_D = rf"(?:{_AFTER}(?P<letter>d)|[∂δ])"
_GRADIENT_FACTORS = [
    re.compile(
        rf"\\[dt]?frac\s*\{{\s*{_D}\s*(?P<brace_of>\{{\s*)?{_OF}\s*(?(brace_of)\}}\s*)\}}"
        rf"\s*\{{\s*[∂dδ]\s*(?P<brace_by>\{{\s*)?{_BY}\s*(?(brace_by)\}}\s*)\}}"
    ),
    re.compile(rf"{_D}\s*{_OF}\s*/\s*[∂dδ]\s*{_BY}(?![A-Za-z0-9_{{])"),
    re.compile(rf"∇\s*_\s*\{{?\s*{_BY}\s*\}}?\s*{_OF}(?![A-Za-z0-9_])"),
]
# `dY` alone among the factors: the shorthand a left side's dW is (∂L/∂W).
_SHORTHAND = re.compile(rf"{_AFTER}d{_BY}(?![A-Za-z0-9_{{])")


@dataclass(frozen=True)
class _GivenRead:
    """What `read_given_gradients` made of the text: the text with each given gradient
    replaced by its matrix, notes, the functions written for the loss (each with where), and
    a gradient written in the shorthand dY, if one was."""

    normal: str
    notes: tuple[str, ...]
    losses: tuple[tuple[str, int], ...]
    shorthand: str | None = None


def read_given_gradients(
    text: str,
    normal: str,
    start: int,
    names: Mapping[str, str],
    given: Mapping[str, str],
    loss: str,
    reserved: Collection[str] = (),
) -> _GivenRead:
    """`normal` with each gradient written after `start` that the question gives (`dL/dY`,
    `given` maps Y to the matrix G that is ∂L/∂Y) replaced by its matrix, and a note for
    each. Its function may be another letter than the question's loss (∂E/∂Y for ∂L/∂Y), one
    that is none of `reserved` (the question's names); `parse_matrix` holds the letters of an
    answer to one. Any other gradient there is an error saying which the question gives;
    `dL/dY` over names the question declares (a size d) is left as it is, or, when ∂L/∂Y is
    given, refused as ambiguous. `dY` alone, where Y's gradient is given and d is none of the
    question's names, is read as the given matrix too, and said (`shorthand`)."""
    notes, losses = [], []
    reserved = {*names, *reserved}
    gives = ", ".join(f"{matrix} is ∂{loss}/∂{y}" for y, matrix in given.items())
    matches = [m for pattern in _GRADIENT_FACTORS for m in pattern.finditer(normal, start)]
    for match in sorted(matches, key=lambda m: m.start(), reverse=True):
        of = _clean_name("".join(match.group("loss").split()))
        by = _clean_name("".join(match.group("matrix").split()))
        shown = f"∂{of}/∂{by}"
        known = given.get(by) if of == loss or of not in reserved else None
        length = match.end() - match.start()
        if match.groupdict().get("letter") and (
            split_name("d" + of, names) is not None and split_name("d" + by, names) is not None
        ):
            if known is None:
                continue  # d·L/(d·Y) over the question's names, read as it is
            raise AnswerError(
                text,
                match.start(),
                f"'{normal[match.start() : match.end()].strip()}' is ambiguous here, where d "
                f"is one of the question's names: write ∂{loss}/∂{by} or {known}",
                length=length,
            )
        if known is None:
            matrices = ", ".join(sorted(n for n, what in names.items() if what == MATRIX))
            why = ""
            if by in given and of != loss:
                why = f"; {of} is one of the question's names, not its loss {loss}"
            raise AnswerError(
                text,
                match.start(),
                f"{shown} is not one of the question's matrices: they are {matrices}"
                + (f" ({gives})" if gives else "")
                + why,
                length=length,
            )
        if len(known) > length:
            raise AnswerError(text, match.start(), f"write {known} for {shown}", length=length)
        normal = replace_span(normal, match.start(), match.end(), known)
        losses.append((of, match.start()))
        loss_note = f", the question's loss being {loss}" if of != loss else ""
        notes.append(f"read {shown} as {known}, the gradient the question gives{loss_note}")
    shorthand = None
    for match in reversed(list(_SHORTHAND.finditer(normal, start))):
        by = _clean_name("".join(match.group("matrix").split()))
        known = given.get(by)
        if known is None or split_name("d" + by, names) is not None:
            continue  # an unknown name, said as such, or d·Y over the question's names
        if len(known) > match.end() - match.start():
            raise AnswerError(
                text, match.start(), f"write {known} for ∂{loss}/∂{by}", match.end() - match.start()
            )
        normal = replace_span(normal, match.start(), match.end(), known)
        shorthand = f"d{by}"
        notes.append(
            f"read d{by} as {known}, the gradient ∂{loss}/∂{by} the question gives, d{by} "
            f"being shorthand for ∂{loss}/∂{by}"
        )
    notes = list(reversed(notes))
    return _GivenRead(normal, tuple(dict.fromkeys(notes)), tuple(reversed(losses)), shorthand)


def _one_loss(text: str, left: Left | None, read: _GivenRead, reserved: Collection[str]) -> None:
    """An answer writes the loss with one letter: the question's, or another one throughout
    (dE/dW = Xᵀ dE/dY). Two letters (dL/dW = Xᵀ dE/dY) is refused, saying so: which is the
    loss is not the machine's guess."""
    written = list(read.losses)
    if left is not None and left.loss is not None and left.loss not in reserved:
        written.insert(0, (left.loss, 0))
    letters = list(dict.fromkeys(letter for letter, _ in written))
    if len(letters) < 2:
        return
    second = next(where for letter, where in written if letter == letters[1])
    raise AnswerError(
        text,
        second,
        f"your answer writes the loss both as {letters[0]} and as {letters[1]}, and which is "
        "meant is not clear; write one letter for it throughout",
    )


def parse_matrix(
    text: str,
    names: Mapping[str, str],
    given: Mapping[str, str] | None = None,
    loss: str = "L",
    reserved: Collection[str] = (),
    shapes: Mapping[str, Shape] | None = None,
    examples: Mapping[str, int] | None = None,
    results: tuple[str, ...] = (),
) -> MatrixAnswer:
    """Read `text` over the declared `names` (each MATRIX, SIZE or IDENTITY); `given` maps
    Y to the matrix that is ∂`loss`/∂Y, which an answer may write as a gradient, with another
    letter for the loss than `loss` if it is none of `reserved` (the question's other names).
    A definition after the answer (`X^T G, where G = dL/dY`) is set aside
    (`grader.definitions`), and held against the gradients the question gives; one that names
    a given gradient anew (`X^T δ, where δ = dL/dY`) is read so, δ as G, with a note. A size
    in the `shapes` of the matrices the answer uses counts as used; one given its value in the
    question's `examples` (`X^T G, where C = 8`) is read, with a note. A shape stated at the
    end (`X^T G \\in \\mathbb{R}^{C \\times D}`, `…, δ being N x D`) is set aside, with a note,
    and kept (`stated`) for `grader.kinds.matrix.rubric.read_matrix` to hold against the
    answer. Where the last statement defines one of `results` (the names the item asks for:
    `S = QK^T/\\sqrt{d_k}; A = softmax(S)V`), it is the answer and those before it definitions
    written before it."""
    given = given or {}
    reading = _Reading(names, given, loss, reserved, shapes or {}, examples or {}, text, results)
    # the letters a sum's refusal may not show (`reserved` holds pairs too, of
    # `grader.kinds.matrix.rubric.question_names`: only its names are letters)
    taken = {*names, loss, *results, *given, *given.values()}
    taken |= {name for name in reserved if isinstance(name, str)}
    sums = []
    for sign in reversed(list(_SUM_SIGN.finditer(text))):  # from the right: positions stay
        text, note = _sum_of_outer_products(text, reading.shapes, sign, taken)
        sums.insert(0, note)
    if sums:
        parsed = _parse_matrix(text, reading)
        return replace(parsed, text=reading.written, notes=(*sums, *parsed.notes))
    return _parse_matrix(text, reading)


@dataclass(frozen=True)
class _Reading:
    """What an answer is read against, built once by `parse_matrix` from its parameters and
    passed to each reader: the question's `names` (each MATRIX, SIZE or IDENTITY), the
    `given` gradients (Y → the matrix that is ∂`loss`/∂Y), the question's other names
    (`reserved`), the matrices' `shapes`, the sizes' `examples`, the answer as the student
    wrote it (`written`: its sums not yet read as products, for a chain's note to quote) and the
    names the item asks for (`results`)."""

    names: Mapping[str, str]
    given: Mapping[str, str] = field(default_factory=dict)
    loss: str = "L"
    reserved: Collection[str] = ()
    shapes: Mapping[str, Shape] = field(default_factory=dict)
    examples: Mapping[str, int] = field(default_factory=dict)
    written: str = ""
    results: tuple[str, ...] = ()


def _parse_matrix(text: str, reading: _Reading) -> MatrixAnswer:
    """`parse_matrix` once its sums are read as products."""
    results = reading.results
    answer, statements = split_shape_statements(text)
    answer, inner = split_inner_shape_statements(answer)
    if not statements and not inner:
        return _parse_defined(text, reading)[0]
    parsed, aliases = _parse_defined(answer, reading)
    stated = []
    _, definitions = split_definitions(answer.rstrip())
    for number, statement in enumerate((*inner, *statements)):
        if (
            number == len(inner)
            and statement.name is None
            and definitions
            and not names_match(definitions[-1].left, results)  # the answer's, read last
        ):
            # `softmax(S) V where S = QKᵀ/√d_k \in R^{N×N}`: the shape of S, not the answer's
            statement = replace(statement, name=definitions[-1].left)
        name = None
        if statement.name is not None and names_match(statement.name, results):
            pass  # `A = softmax(S)V; A is N x d_v`: the shape of the answer, A
        elif statement.name is not None:
            name = _clean_name(_compact(statement.name))
            name = aliases.get(name, name)
        stated.append((statement, name))
    notes = (*parsed.notes, *(statement.note for statement, _ in stated))
    return replace(parsed, text=text, notes=notes, stated=tuple(stated))


# `\sum_{n=1}^{N} x_n g_n^T`: a sum of outer products over the examples, the whole right side
# (or a number times it); `\sum_n g_n`, a sum of vectors over the examples, likewise.
_INDEX = r"(?:\{{\s*(?P<{1}>[a-z])\s*\}}|(?P<{1}_>[a-z]))"
_VECTOR = r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{{\s*)?(?P<{0}>[a-z])(?:\s*\}})?\s*_\s*" + _INDEX
_SUM_OVER = (
    r"(?:\\sum|Σ|∑)\s*_\s*(?:\{\s*(?P<index>[a-z])\s*(?:=\s*1\s*)?\}|(?P<index_>[a-z]))"
    r"(?:\s*\^\s*(?:\{\s*(?P<bound>[A-Za-z])\s*\}|(?P<bound_>[A-Za-z])))?\s*"
)
_OUTER_SUM = re.compile(
    _SUM_OVER
    + _VECTOR.format("a", "i")
    + r"\s*(?:\\cdot\s*)?"
    + _VECTOR.format("b", "j")
    + r"\s*(?:\^\s*(?:\{\s*(?:T|\\top)\s*\}|T|\\top)|')"
)
_VECTOR_SUM = re.compile(
    _SUM_OVER
    + _VECTOR.format("a", "i")
    + r"(?P<transposed>\s*(?:\^\s*(?:\{\s*(?:T|\\top)\s*\}|T|\\top)|'))?(?![\w{^'])"
)
# A number or a fraction of numbers and sizes before the sum (`\frac{1}{N}`, `2`, `1/N`), or a
# division by one after it (`/ N`): the sum is read, and the number is the answer's to keep.
_PART = r"(?:\{\s*[A-Za-z0-9_ ]+\s*\}|[A-Za-z0-9])"
_NUMBER = r"(?:\d+(?:\.\d+)?)"
_SIZE = r"(?:\d+|[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)"
_COEFFICIENT = re.compile(
    rf"\s*-?\s*(?:\\[dt]?frac\s*{_PART}\s*{_PART}|{_NUMBER}(?:\s*/\s*{_SIZE})?)?\s*(?:\\cdot|·|\*)?\s*"
)
_DIVISOR = re.compile(rf"\s*(?:/\s*{_SIZE}\s*)?")
_SUM_SIGN = re.compile(r"\\sum(?![A-Za-z])|[Σ∑]")
# Letters for an example of notation, in the order taken (none is I or T, read as the identity
# and a transpose): a message or hint shows notation over letters none of the question's, never
# an item's answer (an unread sum was told `\sum_{n=1}^{N} x_n g_n^T`, `e.g. X^T G`, and
# `1^T G for rows g_n of G`: linear-backward-q1's answers to a.dW and c.db).
_EXAMPLE_LETTERS = "AMPRSUBCEFH"


# when a question's names take most of `_EXAMPLE_LETTERS`: other Latin letters (never I, T,
# read as the identity and a transpose, nor N, O), then Greek ones as LaTeX writes them
_MORE_LETTERS = ("D", "G", "J", "K", "L", "Q", "V", "W", "X", "Y", "Z")
_GREEK_LETTERS = ("\\Phi", "\\Psi", "\\Omega", "\\Theta", "\\Lambda", "\\Gamma")


def free_letters(taken: Collection[str], count: int) -> tuple[str, ...]:
    """The first `count` example letters none of `taken` (the question's names) in any case:
    always `count` of them, falling back to other Latin letters, Greek ones and then doubled
    ones (AA, MM, ...) when the question's names take the usual ones."""
    used = {name.casefold().lstrip("\\") for name in taken}  # phi or \phi, as \Phi
    letters: list[str] = []
    candidates = (*_EXAMPLE_LETTERS, *_MORE_LETTERS, *_GREEK_LETTERS)
    times = 1
    while len(letters) < count:
        for letter in candidates:
            if len(letters) < count and letter.casefold().lstrip("\\") not in used:
                letters.append(letter)
                used.add(letter.casefold().lstrip("\\"))
        times += 1
        candidates = tuple(letter * times for letter in (*_EXAMPLE_LETTERS, *_MORE_LETTERS))
    return tuple(letters)


def _sum_unread(a: str, m: str) -> str:
    """What a sum is read as, over the example letters `a` and `m`."""
    return (
        "a sum (\\sum) is read in a matrix answer only as a sum over the examples of outer "
        f"products, \\sum_{{n=1}}^{{N}} {a.lower()}_n {m.lower()}_n^T, or of vectors, "
        f"\\sum_n {m.lower()}_n: the whole answer or a whole side of a chain of working, or a "
        f"number times it; write it as a product of matrices, e.g. {a}^T {m} ({a} and {m} "
        "stand for any matrices)"
    )


def _group(match: re.Match[str], name: str) -> str | None:
    return match.group(name) or match.group(name + "_")


def _sum_of_outer_products(
    text: str, shapes: Mapping[str, Shape], sign: re.Match[str], taken: Collection[str]
) -> tuple[str, str]:
    """`text` with a sum of outer products over the examples (`\\sum_{n=1}^{N} x_n g_n^T`, the
    whole right side, or a number times it: `\\frac{1}{N} \\sum_n x_n g_n^T`) written as the
    product it is, `X^T G`, and a note saying how it was read; x_n and g_n are read as row n
    of X and G (column n where n runs along X's columns), as column vectors. A sum of vectors
    (`\\sum_n g_n`) is likewise the sum of G's rows, `1^T G` (of its columns, `G 1`). Where the
    question's shapes do not tell which axis n runs along (no matrix X, or N along both axes
    or neither), or any other sum, it is refused, saying what a sum is read as (it was
    "unsupported LaTeX command \\sum"). `sign` is where the sum begins; a sum may be a whole
    side of a chain of working (`\\sum_n g_n = 1^T G`), and `\\sum_n g_n^T` is the sum
    transposed. A refusal shows the notation over letters none of `taken` (the question's
    names)."""
    a_letter, m_letter = free_letters(taken, 2)
    unread = _sum_unread(a_letter, m_letter)
    outer = _OUTER_SUM.match(text, sign.start())
    match = outer or _VECTOR_SUM.match(text, sign.start())
    if match is None or not _whole_side(text, match):
        raise AnswerError(text, sign.start(), unread, length=len(sign.group(0)))
    index, bound = _group(match, "index"), _group(match, "bound")
    vectors = [match.group("a"), *([match.group("b")] if outer else [])]
    if any(_group(match, k) != index for k in ("i", "j")[: len(vectors)]):
        raise AnswerError(text, sign.start(), unread, length=len(sign.group(0)))
    size = bound or index.upper()
    a_row, m_row = f"{a_letter.lower()}_n", f"{m_letter.lower()}_n"
    example = (
        f"{a_letter}^T {m_letter} for rows {a_row} of {a_letter} and {m_row} of {m_letter}"
        if outer
        else f"1^T {m_letter} for rows {m_row} of {m_letter}"
    )
    axes = [_summed_axis(text, match, vector, index, size, shapes, example) for vector in vectors]
    if outer:
        (a, a_axis), (b, b_axis) = axes
        product = f"{a}^T" if a_axis == 0 else a
        product += f" {b}" if b_axis == 0 else f" {b}^T"
    else:
        ((a, a_axis),) = axes
        product = f"𝟏^T {a}" if a_axis == 0 else f"{a} 𝟏"  # 𝟏, the ones vector, as read
        if match.group("transposed"):
            product = f"{a}^T 𝟏" if a_axis == 0 else f"𝟏^T {a}^T"
    shown = product.replace("^T", "ᵀ").replace(" ", "")
    slices = " and ".join(
        f"{'row' if axis == 0 else 'column'} {index} of {matrix}" for matrix, axis in axes
    )
    terms = "·".join(f"{v}_{index}" for v in vectors)
    terms += "ᵀ" if outer or match.group("transposed") else ""
    written = " and ".join(f"{v}_{index}" for v in vectors)
    taken = f"taken as {slices}, as column vectors" if outer else f"taken as {slices}"
    sum_of = "" if outer else f", the sum of {a}'s {'rows' if a_axis == 0 else 'columns'}"
    sum_of += ", transposed" if not outer and match.group("transposed") else ""
    note = f"read Σ_{index} {terms} as {shown}{sum_of}: {written} {taken}" + (
        "" if bound else f", {index} running over the {size} examples"
    )
    padded = f" {product}".ljust(match.end() - match.start())  # `2\sum`: not 21ᵀG
    return text[: match.start()] + padded + text[match.end() :], note


def _whole_side(text: str, match: re.Match[str]) -> bool:
    """Whether a sum is a whole side (the right side, the whole answer, or a side of a chain
    of working), or a number times it."""
    before = text[: match.start()]
    head = before[: before.rfind("=") + 1]
    after = text[match.end() :]
    later = top_level_equals(after)
    return (
        _COEFFICIENT.fullmatch(before[len(head) :]) is not None
        and _DIVISOR.fullmatch(after[: later[0]] if later else after) is not None
        and (not head.strip() or head.count("=") == len(top_level_equals(head)))
    )


def _summed_axis(
    text: str,
    match: re.Match[str],
    vector: str,
    index: str,
    size: str,
    shapes: Mapping[str, Shape],
    example: str,
) -> tuple[str, int]:
    """The matrix a summed vector (`x_n`) is a row or a column of (X), and the axis `index`
    runs along (0: x_n is its row n), from the question's shapes; refused, saying why, where
    they do not tell."""
    matrix = vector.upper()
    shape = shapes.get(matrix, ())
    along = [axis for axis, dim in enumerate(shape) if str(dim) == size]
    if len(shape) == 2 and len(along) == 1:
        return matrix, along[0]
    written = f"{vector}_{index}"
    if len(shape) != 2:
        why = f"{matrix} is not one of the question's matrices"
    else:
        why = f"{matrix} is {shape[0]}×{shape[1]}"
        why += f", so {written} may be its row or its column" if along else ""
    raise AnswerError(
        text,
        match.start(),
        f"{index} runs over {size} values, so {written} would be one of {size} rows or columns "
        f"of {matrix}, the sum a product of matrices ({example}), but {why}: write the product "
        "of matrices",
        length=match.end() - match.start(),
    )


def _parse_defined(text: str, reading: _Reading) -> tuple[MatrixAnswer, dict[str, str]]:
    """`parse_matrix` but for shape statements: the answer, and each new name a definition
    gives a matrix the question gives, with that matrix (`δ` → G). A definition after a
    chain's sides (`softmax(S) V where S = QK^T`) is split off before the chain is read: its
    '=' is no step of the working. A last statement that defines one of `results` (`S = QKᵀ;
    A = softmax(S)V`) is the answer, and those before it definitions written before it."""
    results, written = reading.results, reading.written
    answer, definitions = split_definitions(text)
    asked = [n for n, d in enumerate(definitions) if names_match(d.left, results)]
    if asked:
        # the statement naming what the item asks for is the answer, the last one that does
        answer, definitions = answer_last(text, definitions, asked[-1]) or (answer, definitions)
        _asked_twice(text, answer, definitions, results)
    if not definitions or len(top_level_equals(normalise(text, STEPS))) < 2:
        try:
            whole = _parse_answer(text, reading, quoted=written)
            glued = whole.left is not None and has_separator(whole.left.written)
            if not (definitions and (whole.graded or glued)):
                return whole, {}
            # `softmax(S) V where S = QKᵀ`: the '=' is the definition's, no step of working;
            # `P V where P = …`: "P V where P" is no left side, but an answer and a definition
        except AnswerError as error:
            if isinstance(error, (AnswerTooLargeError, AnswerTooLongError)):
                raise
            if not definitions:
                answer, definitions = split_leading_definitions(text)
                if not definitions:
                    raise
    padded = answer.ljust(len(text))
    aliases = _new_names(text, padded, definitions, reading)
    try:
        quoted = written[: len(answer)].ljust(len(written))
        parsed = _parse_answer(padded, reading, aliases, quoted)
    except AnswerError as error:
        raise unread_without(error, text, definitions[0]) from None
    notes, review = [], parsed.review
    for definition in definitions:
        alias = next((a for a in aliases.values() if a.definition == definition), None)
        if alias is not None:
            notes.append(alias.note)
            shorthand = parsed.shorthand
            if (
                shorthand is not None
                and aliases.get(shorthand) is alias
                and reading.given.get(shorthand[1:]) == alias.matrix
            ):
                review = None  # `X^T dY, where dY = dL/dY`: the student says dY is ∂L/∂Y
            continue
        again = _read_instead(definition, aliases)
        if again is not None:
            # `S = QKᵀ/√d_k, S = KQᵀ`: S is read as its other definition, and it is used
            notes.append(definition.note)
            if _compact(again.right) != _compact(definition.right):
                review = review or (
                    f"Your answer defines {_defined_name(definition)} twice, differently "
                    f'("{definition.left} = {definition.right}" and "{again.left} = '
                    f'{again.right}"), so which is meant is not clear'
                )
            continue
        note, problem = _hold_definition(definition, parsed.expression, reading)
        notes.append(note)
        review = review or problem
    renamed = {name: alias.matrix for name, alias in aliases.items() if alias.matrix}
    defined = tuple((n, a.expression) for n, a in aliases.items() if a.expression is not None)
    read = replace(parsed, text=text, notes=(*parsed.notes, *notes), review=review, defined=defined)
    return read, renamed


def _asked_twice(
    text: str, answer: str, definitions: tuple[Definition, ...], results: tuple[str, ...]
) -> None:
    """An error where a definition besides the answer defines the name the item asks for too
    (`A = A V where A = softmax(S)`): which of the two is the answer is a person's to read."""
    for definition in definitions:
        if names_match(definition.left, results):
            said = answer.strip()
            raise AnswerError(
                text,
                definition.left_start,
                f"{definition.left}, the name this item asks for, is given twice "
                f'("{definition.left} = {definition.right}" and "{said}"), so which is your '
                "answer is a person's to read",
                length=len(definition.left),
            )


def _defined_name(definition: Definition) -> str:
    """The name a definition defines, as the grammar reads it (`S_{1}` is S_1)."""
    return _clean_name(_compact(definition.left))


def _compact(text: str) -> str:
    return "".join(normalise(text, STEPS).split())


def _read_instead(definition: Definition, aliases: Mapping[str, _Alias]) -> Definition | None:
    """The other definition of the name `definition` defines that the answer is read with,
    where the name is defined twice (`S = QKᵀ/√d_k, S = KQᵀ`); None where there is none."""
    alias = aliases.get(_defined_name(definition))
    if alias is None or alias.definition == definition:
        return None
    return alias.definition


@dataclass(frozen=True)
class _Alias:
    """A name an answer defines (after it, or before it): as a gradient the question gives
    (`δ = dL/dY`), read as that gradient's matrix (G, `matrix`); or as an expression over the
    question's matrices (`S = QK^T/\\sqrt{d_k}`), read as that expression (`expression`, and
    `matrix` empty). `note` says so."""

    definition: Definition
    matrix: str
    note: str
    expression: Node | None = None


def _new_name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_\\]){re.escape(name)}(?![A-Za-z0-9_])")


# A run of letters as the grammar reads a name (`PV`, `XW_Q`), not a LaTeX command's.
_RUN = re.compile(r"(?<![A-Za-z0-9_\\])[A-Za-z]+(?:_(?:\{[A-Za-z0-9]+\}|[A-Za-z0-9]))?")


def _uses(
    name: str, normal: str, known: Mapping[str, str], start: int = 0
) -> list[tuple[int, int]]:
    """Where `normal` (from `start`) uses `name`, a name of the student's own: alone, or as
    one of the names a run of letters is split into over the `known` names, as the grammar
    splits it (`PV` is P·V where P is defined, as `XW` is X·W)."""
    spans = [match.span() for match in _new_name_pattern(name).finditer(normal, start)]
    for run in _RUN.finditer(normal, start):
        pieces = split_name(run.group(), known) or []
        at = run.start()
        for number, piece in enumerate(pieces if len(pieces) > 1 else ()):
            end = run.end() if number == len(pieces) - 1 else at + len(piece)
            if piece == name:
                spans.append((at, end))
            at = end
    return sorted(spans)


def _new_names(
    text: str,
    answer: str,
    definitions: tuple[Definition, ...],
    reading: _Reading,
) -> dict[str, _Alias]:
    """Each name the answer uses (or another definition does) that is none of the question's
    and that a definition defines (by its normalised text), with what it is read as: a given
    gradient (`δ = dL/dY`, `δ = G`) as its matrix, and any other right side that reads as a
    matrix expression over the question's names, or over names defined so before
    (`S = QK^T/\\sqrt{d_k}`, `P = softmax(S)`), as that expression, as a marker reads it. A
    definition whose right side does not read so, or uses its own name (directly or through
    another), is an error saying so: what the name stands for is a person's to read."""
    names, given, loss = reading.names, reading.given, reading.loss
    aliases: dict[str, _Alias] = {}
    normal = normalise(answer, STEPS)
    rights = [normalise(d.right, STEPS) for d in definitions]
    pending: list[tuple[Definition, str, int]] = []
    lefts = [_defined_name(d) for d in definitions]
    own = [left for left in lefts if left not in names and left not in reading.reserved]
    known = {**names, **dict.fromkeys(own, MATRIX)}  # `PV`, P defined: P·V, as `XW` is X·W
    for number, definition in enumerate(definitions):
        name = lefts[number]
        if name not in own:
            continue
        used = _uses(name, normal, known)
        if not used and not any(
            _uses(name, right, known) for other, right in enumerate(rights) if other != number
        ):
            continue  # `_hold_definition` says it is not used
        where = used[0][0] if used else definition.left_start
        matrix = _given_matrix(definition.right, given, loss)
        if matrix is None:
            pending.append((definition, name, where))
            continue
        y = {m: y for y, m in given.items()}[matrix]
        aliases[name] = _Alias(
            definition,
            matrix,
            f'set aside "{definition.shown}", a definition, and read {name} as {matrix}: the '
            f"definition agrees with the question's {matrix} = ∂{loss}/∂{y}",
        )
    while pending:
        unread = []
        for definition, name, where in pending:
            expression = _defined_expression(text, definition, reading, aliases)
            if expression is None:
                unread.append((definition, name, where))
                continue
            aliases[name] = _Alias(
                definition,
                "",
                f'set aside "{definition.shown}", a definition, and read {name} as '
                f"{describe(expression)}, as it defines it",
                expression,
            )
        if len(unread) == len(pending):
            definition, name, where = unread[0]
            raise _unread_definition(text, definition, name, where, given, loss)
        pending = unread
    return aliases


# A name of the student's own that a definition may give an expression: letters, with a
# subscript (as the grammar reads a name).
_DEFINABLE = re.compile(r"[A-Za-z]+(?:_[A-Za-z0-9]+)?")


def _defined_expression(
    text: str,
    definition: Definition,
    reading: _Reading,
    aliases: Mapping[str, _Alias],
) -> Node | None:
    """A definition's right side read as a matrix expression over the question's names and
    the names of `aliases`, where it defines a name the grammar reads (`S`, not `δ`) and reads
    so with no left side, chain or note of its own; None where it does not."""
    if _DEFINABLE.fullmatch(_defined_name(definition)) is None:
        return None  # `δ`: no name a matrix expression reads
    equal = text.find("=", definition.left_start)
    start = text.find(definition.right, equal + 1) if equal >= 0 else -1
    if start < 0:
        return None
    try:
        read = _parse_answer(_side(text, start, start + len(definition.right)), reading, aliases)
    except AnswerError:
        return None
    if read.left is not None or read.steps or read.named or read.review or read.notes:
        return None  # a reading of its own (`H = dE/dY`, the loss read as L) is a person's
    return read.expression


def _unread_definition(
    text: str,
    definition: Definition,
    name: str,
    where: int,
    given: Mapping[str, str],
    loss: str,
) -> AnswerError:
    """The error for a name whose definition is read as nothing: one that uses the name it
    defines, or one that reads as no matrix expression over the question's names."""
    gives = ", ".join(f"{m} is ∂{loss}/∂{y}" for y, m in given.items())
    if _new_name_pattern(name).search(normalise(definition.right, STEPS)):
        why = "in terms of itself"
    else:
        why = "not as a matrix the question gives" + (f" ({gives})" if gives else "")
    return AnswerError(
        text,
        where,
        f"{name} is defined {definition.place} your answer as {definition.right}, {why}, so "
        "what your answer means is a person's to read",
        length=len(name),
    )


def _given_matrix(right: str, given: Mapping[str, str], loss: str) -> str | None:
    """The given matrix `right` (a definition's right side) is: a gradient the question gives
    (`dL/dY`, G where G is ∂L/∂Y) or that matrix itself; None for anything else."""
    named = name_of(right)
    if named is None or named.transposed:
        return None
    if named.kind == GRADIENT and named.loss in (None, loss):
        return given.get(named.name)
    if named.kind != GRADIENT and named.name in given.values():
        return named.name
    return None


def _read_aliases(
    text: str, normal: str, start: int, aliases: Mapping[str, _Alias], names: Mapping[str, str]
) -> str:
    """`normal` with each name of `aliases` after `start` replaced by its matrix, alone or
    among the names a run of letters is split into (`HW`, H defined as G)."""
    known = {**names, **dict.fromkeys(aliases, MATRIX)}
    for name, alias in aliases.items():
        if alias.expression is not None:
            continue  # read as a name, and replaced by its expression once read
        for begin, end in reversed(_uses(name, normal, known, start)):
            if len(alias.matrix) > end - begin:
                raise AnswerError(
                    text, begin, f"write {alias.matrix} for {name}", length=end - begin
                )
            normal = replace_span(normal, begin, end, alias.matrix)
    return normal


def _hold_definition(
    definition: Definition,
    expression: Node,
    reading: _Reading,
) -> tuple[str, str | None]:
    """The note for a definition set aside, and why a person must read the answer, if one
    must: a definition of a matrix the answer uses as the gradient the question gives it
    (`G = dL/dY` for `gradients: {G: dL/dY}`) agrees, and words saying what a name is are
    only set aside; any other is not the machine's to weigh."""
    given, loss = reading.given, reading.loss
    if definition.gloss:
        return definition.note, None  # `X^T G, where X = the inputs`: what X is, in words
    placed = "preceded" if definition.before else "followed"
    said = f'Your answer is {placed} by "{definition.shown}"'
    note = definition.note
    name = _clean_name("".join(definition.left.split()))
    written = any(node.op in ("matrix", "size") and node.name == name for node in walk(expression))
    if not written and name not in sizes_in(reading.shapes, expression):
        return note, (f"{said}, which defines {name}, a name your answer does not use")
    gradient = {matrix: y for y, matrix in given.items()}.get(name)
    example = reading.examples.get(name)
    if gradient is None and example is not None and definition.right.strip() == str(example):
        # `X^T G, where C = 8`: the question's own example size, which changes nothing
        return (
            f"{note}: {name} = {example} is the question's own example, and your answer is "
            f"read for every {name}",
            None,
        )
    if gradient is None:
        return note, (
            f"{said}: it gives {name}, one of the question's names, a meaning of its own, so "
            "your answer may not be the one asked for"
        )
    if _given_matrix(definition.right, given, loss) != name:
        return note, (
            f"{said}, which defines {name} as {definition.right.strip()}; the question's {name} "
            f"is ∂{loss}/∂{gradient}, so it is not clear what your answer means"
        )
    return f"{note}, which agrees with the question's {name} = ∂{loss}/∂{gradient}", None


def _parse_answer(
    text: str,
    reading: _Reading,
    aliases: Mapping[str, _Alias] | None = None,
    quoted: str = "",
) -> MatrixAnswer:
    """`text` read; `quoted` is the answer as the student wrote it (its sums not yet read as
    products), for a chain's note to quote, where it has the same length."""
    names, given, loss, reserved = reading.names, reading.given, reading.loss, reading.reserved
    normal = normalise(text, STEPS)
    normal, relation_notes = _approximately(text, normal)
    equals = top_level_equals(normal)
    steps: tuple[tuple[str, Node], ...] = ()
    named: tuple[Left, ...] = ()
    graded = ""
    if len(equals) > 1:
        normal, chain_notes, steps, named, graded = _read_chain(
            text, normal, equals, reading, aliases, quoted
        )
        relation_notes = (*relation_notes, *chain_notes)
        equals = top_level_equals(normal)
    left = None
    offset = 0
    if len(equals) == 1:
        normal, left, reversed_note = _reversed(text, normal, equals[0], names)
        relation_notes = (*relation_notes, *reversed_note)
        equals = equals if left is None else []
        if (
            left is None
            and not _is_left(text, normal, equals[0])
            and _reads(text, equals[0] + 1, len(normal), names)
        ):
            # `XᵀG = GXᵀ`: a chain of two matrix expressions, each held against the other
            normal, chain_notes, steps, named, graded = _read_chain(
                text, normal, equals, reading, aliases, quoted
            )
            relation_notes = (*relation_notes, *chain_notes)
            equals = top_level_equals(normal)
    if equals:
        left = read_left(text, normal[: equals[0]])
        offset = equals[0] + 1
    read = read_given_gradients(text, normal, offset, names, given, loss, reserved)
    _one_loss(text, left, read, {*names, *reserved})
    right = _read_aliases(text, read.normal, offset, aliases or {}, names)[offset:]
    if not right.strip():
        raise AnswerError(text, len(text.rstrip()), "the answer ends too early: expected a matrix")
    try:
        tree = _parser().parse(right)
    except UnexpectedInput as error:
        raise _syntax_error(text, error, offset) from None
    defined = {n: a.expression for n, a in (aliases or {}).items() if a.expression is not None}
    reader = _TreeReader(text, offset, {**names, **dict.fromkeys(defined, MATRIX)}, own=defined)
    expression = _substitute(reader.read(tree), defined)
    if count_nodes(expression) > MAX_NODES or depth(expression) > MAX_DEPTH:
        raise AnswerTooLargeError(text, offset, "this expression is too large to check")
    notes = [*relation_notes, *read.notes, *reader.notes]
    if left is not None and left.transposed:
        # (∂L/∂W)ᵀ = Gᵀ·X says ∂L/∂W = (Gᵀ·X)ᵀ
        expression = transpose(expression)
        notes.insert(
            0,
            f"read ({left.describe(loss)})ᵀ = … as {left.describe(loss)} = (…)ᵀ, transposing "
            "both sides",
        )
    review = as_number = None
    if reader.ones_before:
        # `1 G`: the ones vector as written (a column), or 1ᵀG with its ᵀ left out
        review = ONES_BEFORE
        as_number = _TreeReader(text, offset, names, number_one=True).read(tree)
        if left is not None and left.transposed:
            as_number = transpose(as_number)
    if read.shorthand is not None and not (
        left is not None and left.kind == GRADIENT and left.loss is None
    ):
        # dW = Xᵀ dY writes both sides in the shorthand; Xᵀ dY alone may mean a differential
        review = (
            f"Your answer writes {read.shorthand}, read as shorthand for "
            f"∂{loss}/∂{read.shorthand[1:]}; {read.shorthand} may also mean the differential of "
            f"{read.shorthand[1:]}"
        )
    return MatrixAnswer(
        text,
        left,
        expression,
        describe(expression),
        tuple(dict.fromkeys(notes)),
        review,
        read.shorthand,
        steps,
        named,
        graded,
        as_number=as_number if review == ONES_BEFORE else None,
    )


ONES_BEFORE = (
    "Your answer writes 1 before a matrix, read as the ones vector 𝟏 as written; "
    "whether you meant 𝟏ᵀ, the ones vector as a row, or the number 1 is a person's to read"
)
_ONES_BEFORE_NOTE = "read the 1 before a matrix as the ones vector 𝟏"


def number_one_reading(answer: MatrixAnswer) -> MatrixAnswer:
    """`answer` (`1 G`, review ONES_BEFORE) with its 1 read as the number 1: no review."""
    assert answer.as_number is not None
    return replace(
        answer,
        expression=answer.as_number,
        reading=describe(answer.as_number),
        notes=tuple(note for note in answer.notes if note != _ONES_BEFORE_NOTE),
        review=None,
        as_number=None,
    )


def _substitute(node: Node, defined: Mapping[str, Node]) -> Node:
    """`node` with each name of the student's own replaced by the expression it is defined as."""
    if node.op == "matrix" and node.name in defined:
        return defined[node.name]
    if not node.args:
        return node
    return node.with_args(tuple(_substitute(arg, defined) for arg in node.args))


def _approximately(text: str, normal: str) -> tuple[str, tuple[str, ...]]:
    """`dL/dW ≈ XᵀG` (`\\approx`) read as `dL/dW = XᵀG`, with a note, where ≈ is the answer's one
    relation; ≈ beside another relation is an error saying so."""
    level, places = 0, []
    for position, char in enumerate(normal):
        level += char in "([{"
        level -= char in ")]}"
        if char == "≈" and level == 0:
            places.append(position)
    if not places:
        return normal, ()
    if len(places) > 1 or top_level_equals(normal):
        raise AnswerError(
            text,
            places[-1] if len(places) > 1 else places[0],
            "≈ beside another relation: write one answer, with one '=' after what it names",
        )
    normal = replace_span(normal, places[0], places[0] + 1, "=")
    return normal, ("read ≈ as =, the one relation of your answer",)


def _side(text: str, start: int, end: int) -> str:
    """`text` with all but `text[start:end]` blanked, so that positions stay the student's."""
    return " " * start + text[start:end] + " " * (len(text) - end)


def _names_only(normal: str, start: int, end: int) -> bool:
    """Whether `normal[start:end]` is a gradient named (`dL/dW`, `\\nabla_W L`), or the chain
    rule in names, a product of gradients (`dL/dY dY/dW`, `∂L/∂Y · ∂Y/∂W`)."""
    side = normal[start:end]
    compact = "".join(side.split())
    if not compact:
        return False
    try:
        if read_left(side, side).kind == GRADIENT:
            return True
    except AnswerError:
        pass
    rest = side
    found = False
    for pattern in _GRADIENT_FACTORS:
        for match in reversed(list(pattern.finditer(rest))):
            rest = replace_span(
                rest, match.start(), match.end(), " " * (match.end() - match.start())
            )
            found = True
    return found and re.fullmatch(r"[\s()·*⋅]*", rest) is not None


def _read_chain(
    text: str,
    normal: str,
    equals: list[int],
    reading: _Reading,
    aliases: Mapping[str, _Alias] | None,
    quoted: str = "",
) -> tuple[str, tuple[str, ...], tuple[tuple[str, Node], ...], tuple[Left, ...], str]:
    """A chain of working, `dL/dW = dL/dY dY/dW = XᵀG`, read as its last side: `normal` with
    the sides before it blanked (a left side naming the answer kept), a note, the sides that
    are matrix expressions (`(GᵀX)ᵀ`), each read, for the check to hold against the answer,
    the sides that name one matrix (`dL/dX`), as read, for the item to hold against what it
    asks for, and the side read as the answer, as written. A side that uses a name the
    question does not define (`softmax(S) V`) cannot be checked, and the note says so; where
    the last side is such a side, or only names a matrix (`G W^T = dL/dW`), the last side
    before it that is a matrix expression is read as the answer, with the same note. A side
    that is none of these is the error reading it gave. Sides are quoted from `quoted`, as
    written, where it has the length of `text`."""
    shown = quoted if len(quoted) == len(text) else text
    bounds = [0, *(e + 1 for e in equals), len(normal)]
    sides = [(bounds[k], bounds[k + 1] - (k + 1 < len(equals) + 1)) for k in range(len(bounds) - 1)]
    first_start, first_end = sides[0]
    keep_left = _names_only(normal, first_start, first_end) or _is_left(text, normal, first_end)
    middle = sides[1:-1] if keep_left else sides[:-1]
    steps, named, lefts, unchecked, placed = [], [], [], [], []

    def read_side(start: int, end: int) -> str:
        """Reads one side into `steps` ("step"), or `named`, `lefts` or `unchecked` ("other");
        raises the error reading any other side gave."""
        written = shown[start:end].strip()
        if _names_only(normal, start, end):
            named.append(written)
            if _is_left(text, normal[:end], end, start):
                lefts.append(read_left(text, " " * start + normal[start:end]))
            return "other"
        try:
            step = _parse_answer(_side(text, start, end), reading, aliases)
        except AnswerError as error:
            if _is_left(text, normal[:end], end, start):
                named.append(written)
                lefts.append(read_left(text, " " * start + normal[start:end]))
                return "other"
            unknown = text[error.position : error.position + error.length]
            if not isinstance(error, UnknownNameError) or not _OWN_NAME.fullmatch(unknown):
                raise  # a word (`where`) or a command (`\text`) is a definition's, if anything
            unchecked.append(f'"{written}" uses {unknown}, a name the question does not define')
            return "other"
        steps.append((written, step.expression))
        placed.append((start, end))
        return "step"

    for start, end in middle:
        read_side(start, end)
    answer_start, answer_end = equals[-1] + 1, len(normal)
    last = shown[answer_start:].strip()
    note = f"read your chain of working as its last side, {last}"
    if steps:
        try:
            kind = read_side(*sides[-1])
        except AnswerError:
            kind = "error"  # the last side's error is the answer's, raised reading it
        if kind == "step":
            steps.pop()
            placed.pop()
        elif kind == "other":
            # `softmax(QKᵀ/√d_k) V = softmax(S) V`, `G Wᵀ = dL/dW`: the last side that reads
            answer_start, answer_end = placed.pop()
            last = steps.pop()[0]
            note = (
                f"read your chain of working as {last}, its last side that is a matrix expression"
            )
    blank_from = equals[0] + 1 if keep_left else 0
    blanked = replace_span(normal, blank_from, answer_start, " " * (answer_start - blank_from))
    blanked = replace_span(blanked, answer_end, len(normal), " " * (len(normal) - answer_end))
    if named:
        only = "a side in names only" if len(set(named)) == 1 else "sides in names only"
        note += f"; {_listed(named)} set aside, {only}"
    if steps:
        note += f"; {_listed([w for w, _ in steps])}, held against it"
    if unchecked:
        note += f"; {_listed(unchecked, quote=False)}, so that step cannot be checked"
    return blanked, (note,), tuple(steps), tuple(lefts), last


# A name a student may give a matrix of their own in their working: a letter, with a subscript.
_OWN_NAME = re.compile(r"[A-Za-z\u0370-\u03ff](?:_\{?[A-Za-z0-9]+\}?)?")
_LISTED = 3  # sides a chain's note shows, the rest counted: a long chain gives a short note


def _listed(sides: list[str], quote: bool = True) -> str:
    """Sides of a chain for its note, each once, quoted; past the first few, how many more."""
    distinct = list(dict.fromkeys(sides))
    shown = [f'"{side}"' if quote else side for side in distinct[:_LISTED]]
    rest = len(distinct) - _LISTED
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


def _reads(text: str, start: int, end: int, names: Mapping[str, str]) -> bool:
    """Whether `text[start:end]` reads as a matrix expression over the question's `names`
    with a matrix in it (`G X^T` does; `A`, a name of none of its matrices, and `5` do not)."""
    try:
        read = _parse_answer(_side(text, start, end), _Reading(names))
    except AnswerError:
        return False
    return any(node.op == "matrix" for node in walk(read.expression))


def _is_left(text: str, normal: str, end: int, start: int = 0) -> bool:
    """Whether `normal[start:end]` reads as a left side, a name or a gradient."""
    try:
        read_left(text, " " * start + normal[start:end])
    except AnswerError:
        return False
    return True


def _reversed(
    text: str, normal: str, equal: int, names: Mapping[str, str]
) -> tuple[str, Left | None, tuple[str, ...]]:
    """`XᵀG = dL/dW`, the answer before what it names, read as `dL/dW = XᵀG`, with a note,
    where the side before '=' names nothing and the side after names a gradient or a name
    that is none of the question's matrices: `normal` with that side and its '=' blanked, and
    what it names; else `normal` as it is, and None."""
    if _is_left(text, normal, equal):
        return normal, None, ()
    try:
        named = read_left(text, " " * (equal + 1) + normal[equal + 1 :])
    except AnswerError:
        return normal, None, ()
    if named.kind != GRADIENT and (
        named.name in names or _reads(text, equal + 1, len(normal), names)
    ):
        return normal, None, ()  # `XᵀG = GXᵀ`: two answers, not an answer and its name
    blanked = normal[:equal].ljust(len(normal))
    answer = text[:equal].strip()
    note = f"read {answer} = {named.written} as {named.written} = {answer}"
    return blanked, named, (note,)
