"""Read a matrix answer: an optional left side naming what it is (`dL/dW =`, `A =`) and a matrix
expression, parsed by our own lark grammar (`expression.lark`) into `Node`s.

The text is first normalised by small same-length steps (`grader.normalise`), so every
position in an error is a position in what the student wrote. Runs of letters are split over
the names the item declares (`QK` is Q·K); a name it does not declare is an error pointing at
it, never a new symbol.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from grader.errors import AnswerError, AnswerTooLargeError
from grader.kinds.matrix.left import Left, read_left
from grader.kinds.matrix.nodes import (
    MAX_DEPTH,
    MAX_NODES,
    Node,
    count_nodes,
    depth,
    describe,
    product,
    transpose,
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


class _TreeReader:
    """Turns lark's tree into `Node`s."""

    def __init__(self, text: str, offset: int, names: Mapping[str, str]):
        self.text = text
        self.offset = offset
        self.names = names
        self.notes: list[str] = []

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
                if (
                    operator is None
                    and factor.op == "number"
                    and factor.value == 1
                    and current.op not in ("number", "size")
                ):
                    # `G^T 1`: a lone 1 after a matrix is the ones vector (a 1 that
                    # multiplies would not be written).
                    factor = Node("ones", start=factor.start)
                    self.notes.append("read the 1 after a matrix as the ones vector 𝟏")
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
            matrices = sorted(n for n, what in self.names.items() if what == MATRIX)
            raise self.error(
                token,
                f"unknown name '{token}': the question's matrices are {', '.join(matrices)}",
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


def _top_level_equals(text: str) -> list[int]:
    """Where '=' stands outside every bracket."""
    level, places = 0, []
    for position, char in enumerate(text):
        if char in "([{":
            level += 1
        elif char in ")]}":
            level -= 1
        elif char == "=" and level == 0:
            places.append(position)
    return places


def name_of(text: str) -> Left | None:
    """What a name a rubric gives the answer (`result: ['dL/dh', A]`) names, read as a
    student's left side is; None when no left side could ever name it so."""
    try:
        return read_left(text, normalise(text, STEPS))
    except AnswerError:
        return None


# A gradient written among the factors (`X^T dL/dY`, `X^\top \frac{\partial L}{\partial Y}`),
# in the normalised text, where \partial is ∂ padded with spaces.
_NAME_PART = r"[A-Za-z](?:\s*_\s*(?:\{\s*[A-Za-z0-9]+\s*\}|[A-Za-z0-9]))?"
_OF = rf"(?P<loss>{_NAME_PART}|ℓ)"
_BY = rf"(?P<matrix>{_NAME_PART})"
_D = r"(?:(?<![A-Za-z0-9_])(?P<letter>d)|[∂δ])"
_GRADIENT_FACTORS = [
    re.compile(rf"\\[dt]?frac\s*\{{\s*{_D}\s*{_OF}\s*\}}\s*\{{\s*[∂dδ]\s*{_BY}\s*\}}"),
    re.compile(rf"{_D}\s*{_OF}\s*/\s*[∂dδ]\s*{_BY}(?![A-Za-z0-9_{{])"),
    re.compile(rf"∇\s*_\s*\{{?\s*{_BY}\s*\}}?\s*{_OF}(?![A-Za-z0-9_])"),
]


def read_given_gradients(
    text: str,
    normal: str,
    start: int,
    names: Mapping[str, str],
    given: Mapping[str, str],
    loss: str,
) -> tuple[str, tuple[str, ...]]:
    """`normal` with each gradient written after `start` that the question gives (`dL/dY`,
    `given` maps Y to the matrix G that is ∂L/∂Y) replaced by its matrix, and a note for
    each. Any other gradient there is an error saying which the question gives; `dL/dY` over
    names the question declares (a size d) is left as it is, or, when ∂L/∂Y is given,
    refused as ambiguous."""
    notes = []
    matches = [m for pattern in _GRADIENT_FACTORS for m in pattern.finditer(normal, start)]
    for match in sorted(matches, key=lambda m: m.start(), reverse=True):
        of = _clean_name("".join(match.group("loss").split()))
        by = _clean_name("".join(match.group("matrix").split()))
        shown = f"∂{of}/∂{by}"
        known = given.get(by) if of == loss else None
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
                f"is one of the question's names: write ∂{of}/∂{by} or {known}",
                length=length,
            )
        if known is None:
            gives = ", ".join(f"{matrix} is ∂{loss}/∂{y}" for y, matrix in given.items())
            matrices = ", ".join(sorted(n for n, what in names.items() if what == MATRIX))
            raise AnswerError(
                text,
                match.start(),
                f"{shown} is not one of the question's matrices: they are {matrices}"
                + (f" ({gives})" if gives else ""),
                length=length,
            )
        if len(known) > length:
            raise AnswerError(text, match.start(), f"write {known} for {shown}", length=length)
        normal = replace_span(normal, match.start(), match.end(), known)
        notes.append(f"read {shown} as {known}, the gradient the question gives")
    return normal, tuple(dict.fromkeys(reversed(notes)))


def parse_matrix(
    text: str,
    names: Mapping[str, str],
    given: Mapping[str, str] | None = None,
    loss: str = "L",
) -> MatrixAnswer:
    """Read `text` over the declared `names` (each MATRIX, SIZE or IDENTITY); `given` maps
    Y to the matrix that is ∂`loss`/∂Y, which an answer may write as a gradient."""
    normal = normalise(text, STEPS)
    equals = _top_level_equals(normal)
    if len(equals) > 1:
        raise AnswerError(text, equals[1], "write one answer: one '=' after what it names")
    left = None
    offset = 0
    if equals:
        left = read_left(text, normal[: equals[0]])
        offset = equals[0] + 1
    normal, given_notes = read_given_gradients(text, normal, offset, names, given or {}, loss)
    right = normal[offset:]
    if not right.strip():
        raise AnswerError(text, len(text.rstrip()), "the answer ends too early: expected a matrix")
    try:
        tree = _parser().parse(right)
    except UnexpectedInput as error:
        raise _syntax_error(text, error, offset) from None
    reader = _TreeReader(text, offset, names)
    expression = reader.read(tree)
    if count_nodes(expression) > MAX_NODES or depth(expression) > MAX_DEPTH:
        raise AnswerTooLargeError(text, offset, "this expression is too large to check")
    notes = tuple(dict.fromkeys((*given_notes, *reader.notes)))
    return MatrixAnswer(text, left, expression, describe(expression), notes)
