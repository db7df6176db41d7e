"""Read a layer formula written as a matrix product, such as Y = XW or Yᵀ = Wᵀ Xᵀ.

It is read as a product of matrices and rewritten as the index formula it stands for,
inferring the parameters' shapes from the declared input and output; shapes that cannot fit
are reported in words (`Formula.shape_problem`), not as a parse error.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import sympy

from grader.errors import AnswerError
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.terms import (
    Access,
    Formula,
    GivenMatrices,
    LayerSpec,
    ScaledGiven,
    SumRange,
    Term,
    Token,
    TokenReader,
    describe_formula,
    index_symbol,
    plain_text,
    same_name,
    show_index,
)


@dataclass(frozen=True)
class _MatrixFactor:
    name: str
    transposed: bool
    start: int
    ones: bool = False  # a vector of ones, `1`, `1_N`, `\\mathbf{1}`: its name is as written


@dataclass(frozen=True)
class _Number:
    """A number written inside a bracket, `(2 W_Q X)`: a factor of its product's coefficient,
    as the same number outside the bracket is."""

    value: sympy.Rational


def _shown(factors: list[_MatrixFactor], coefficient: sympy.Rational = 1) -> str:
    """`2·W·Xᵀ`: a product as the notes show it."""
    product = "·".join(f.name + ("ᵀ" if f.transposed else "") for f in factors)
    return product if coefficient == 1 else f"{coefficient}·{product}"


def _folded(
    chains: list[tuple[sympy.Rational, list]],
) -> list[tuple[sympy.Rational, list[_MatrixFactor]]]:
    """Each term with the numbers read inside its brackets multiplied into its coefficient."""
    folded = []
    for coefficient, factors in chains:
        for factor in factors:
            if isinstance(factor, _Number):
                coefficient *= factor.value
        folded.append((coefficient, [f for f in factors if isinstance(f, _MatrixFactor)]))
    return folded


class MatrixFormReader(TokenReader):
    """The rules of the matrix form: products of matrices, transposes, sums of products."""

    def __init__(self, original: str, tokens: list[Token], sizes: Mapping[str, sympy.Symbol]):
        super().__init__(original, _ones_marked(tokens), sizes)
        self.transposed_brackets: list[str] = []  # a note for each: "read (W·Xᵀ)ᵀ as X·Wᵀ"
        # `Q = tanh(XW_Q + b_Q)`: the function around the right side, as the index and vector
        # forms read it; how many terms, the last, are added after it (`tanh(XW_Q) + b_Q`: 1)
        self.activation_name: str | None = None
        self.after_activation = 0
        self.output_name = "Y"  # the left side's name, once read: `Q = tanh(…)`

    def matrix_formula(
        self,
    ) -> tuple[_MatrixFactor, list[tuple[sympy.Rational, list[_MatrixFactor]]]]:
        lhs = self.left_side()
        self.output_name = lhs.name
        self.take("=", what="'='")
        self.activation_name = self.activation()
        chains = self.matrix_expression()
        if self.activation_name is not None:
            self.close_activation(self.activation_name)
            if self.at("+", "-"):  # `tanh(XW) + b`: read, the terms after it kept apart
                after = self.matrix_expression()
                self.after_activation = len(after)
                chains += after
        if self.peek() is not None:
            raise self.error(self.peek(), "expected '+', '-' or the end of the formula")
        return lhs, chains

    def left_side(self) -> _MatrixFactor:
        """One matrix, `Y` or `Yᵀ`; in brackets, `(Y)`, and transposed, `(Q)^T` is Qᵀ and
        `(Y^T)^T` is Y, said in `transposed_brackets`: a transposed left side says that its
        transpose is the transpose of the right side."""
        if not self.at("("):
            lhs = self.matrix_factors()
            if len(lhs) != 1:
                raise AnswerError(
                    self.text, 0, "the left side of a matrix form is one matrix, e.g. Y"
                )
            return lhs[0]
        self.take("(")
        inner = self.left_side()
        self.take(")", what="')'")
        if not self.transpose():
            return inner
        flipped = replace(inner, transposed=not inner.transposed)
        self.transposed_brackets.append(f"read ({_shown([inner])})ᵀ as {_shown([flipped])}")
        return flipped

    def matrix_expression(self) -> list[tuple[sympy.Rational, list[_MatrixFactor]]]:
        if self.at("(") and self._closes_at_end():
            self.take("(")  # `Y = (XW + b)`: brackets around the whole right side
            chains = self.matrix_expression()
            self.take(")")
            return chains
        return _folded(
            self.signed_products(
                self.matrix_factors, "expected a matrix such as X or W", opens=("(", "ONES")
            )
        )

    def _closes_at_end(self) -> bool:
        """Whether the bracket opening here closes at the last token."""
        depth = 0
        for index in range(self.position, len(self.tokens)):
            depth += {"(": 1, ")": -1}.get(self.tokens[index].kind, 0)
            if depth == 0:
                return index == len(self.tokens) - 1
        return False

    def matrix_factors(self) -> list[_MatrixFactor | _Number]:
        """`XW` is X times W; `W_Q` is one matrix; `^T`, `^{T}`, `^\\top` and `'` transpose; a
        product in brackets is its factors, `(W X^T)^T` those of its transpose, X Wᵀ."""
        if self.at("("):
            return self.bracketed_product()
        if self.at("ONES"):
            return [self.ones()]
        name = self.take("NAME", what="a matrix such as X or W")
        if self.is_activation(name):  # not t·a·n·h
            raise self.misplaced_activation(name, self.output_name)
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
        if self.transpose():
            factors[-1] = _MatrixFactor(factors[-1].name, True, factors[-1].start)
        return factors

    def ones(self) -> _MatrixFactor:
        """A vector of ones, `1`, `1_N`, `1_{N}` (`\\mathbf{1}_N` is read so), transposed or
        not: what it multiplies is `_broadcast_biases`' to tell."""
        one = self.take("ONES")
        name = one.text
        if self.at("_"):
            self.take("_")
            if self.at("{"):
                self.take("{")
                name += "_" + "".join(t.text for t in self._until("}"))
                self.take("}")
            else:
                name += "_" + self.letter("the length of the vector of ones, e.g. N").text
        return _MatrixFactor(name, self.transpose(), one.start, ones=True)

    def bracketed_product(self) -> list[_MatrixFactor | _Number]:
        """`(W X^T)` is W·Xᵀ; `(W X^T)^T` is X·Wᵀ, said in `transposed_brackets`. A bracket
        holds one product, numbers in it included (`(2 W_Q X)` is 2·W_Q·X, as `2(W_Q X)` is):
        a sum in it is refused, saying so."""
        self.take("(")
        factors: list[_MatrixFactor] = []
        coefficient = sympy.Integer(1)
        while self.at("NAME", "(", "NUMBER", "*", "ONES"):
            if self.at("*"):
                self.take()
            elif self.at("NUMBER"):
                coefficient *= self.number()
            else:
                ((number, inner),) = _folded([(sympy.Integer(1), self.matrix_factors())])
                coefficient *= number
                factors += inner
        if not factors:
            raise self.error(self.peek(), "expected a matrix such as X or W")
        if not self.at(")"):
            found = self.peek()
            raise AnswerError(
                self.text,
                found.start if found is not None else len(self.text.rstrip()),
                "a bracket within the right side holds one product of matrices, as in "
                "(W X)^T or (2 W X): write a sum outside it",
            )
        self.take(")")
        number = [_Number(coefficient)] if coefficient != 1 else []
        if not self.transpose():
            return [*number, *factors]
        flipped = [replace(f, transposed=not f.transposed) for f in reversed(factors)]
        self.transposed_brackets.append(
            f"read ({_shown(factors, coefficient)})ᵀ as {_shown(flipped, coefficient)}"
        )
        return [*number, *flipped]


def _ones_marked(tokens: list[Token]) -> list[Token]:
    """`tokens` with each 1 that stands for a vector of ones marked ONES: one with a length
    (`1_N`) or transposed (`1^T`, `1'`), or next to a name (`1 b^T`, `b 1`); not a
    subscript's (`W_1 X`). A plain 1 before anything but a bias is read as the number 1
    (`_broadcast_biases`)."""
    marked = list(tokens)
    for k, token in enumerate(tokens):
        if token.kind != "NUMBER" or token.text != "1":
            continue
        if k > 0 and tokens[k - 1].kind in ("_", "^", "{"):
            continue
        after = tokens[k + 1].kind if k + 1 < len(tokens) else None
        before = tokens[k - 1].kind if k > 0 else None
        if after in ("_", "^", "'", "NAME") or before in ("NAME", "}", ")", "'"):
            marked[k] = token._replace(kind="ONES")
    return marked


class _FreeProduct(Exception):
    """Weights multiplied with a size between them that no shape settles (`Y = XWV`): the
    formula is read, but what it means is a person's to judge, as for any product of weights."""


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
    return f"{show_index(rows)}×{show_index(cols)}"


def _describe_chains(
    chains: list[tuple[sympy.Rational, list[_MatrixFactor]]],
    activation: str | None = None,
    after: int = 0,
) -> str:
    """`X·W - 2·X·V`: each product with its sign, and its coefficient where it is not 1; the
    first inside `activation` where there is one, the last `after` added after it
    (`tanh(X·W_Q) + b_Q`)."""
    text = ""
    inside = len(chains) - after
    for number, (coefficient, factors) in enumerate(chains):
        product = _shown(factors, abs(coefficient))
        if number == 0:
            text = ("-" if coefficient < 0 else "") + product
        else:
            text += f" {'-' if coefficient < 0 else '+'} {product}"
        if number == inside - 1 and activation is not None:
            text = f"{activation}({text})"
    return text


def _is_bias(factors: list[_MatrixFactor], layer: LayerSpec) -> bool:
    """A term that is one lone vector, named in lower case as vectors are (`b`, `b_Q`; a
    capital `B` is a matrix with an entry for every output), and not the input. Transposed or
    not, it is added along the same axis: `Qᵀ = XᵀW_Qᵀ + b_Qᵀ` is `Q = W_Q X + b_Q` (it was
    read as a matrix of biases, and the right layer got 0). Times a vector of ones, `1 b_Qᵀ`
    or `b_Q 1ᵀ`, it is a bias too, broadcast as the ones say (`_broadcast_biases`)."""
    vectors = [f for f in factors if not f.ones]
    if len(vectors) != 1 or len(factors) > 2:
        return False
    (first,) = vectors
    return first.name[:1].islower() and not same_name(first.name, layer.input.name)


def _ones_side(factors: list[_MatrixFactor]) -> str | None:
    """Where a bias times a vector of ones is added: "row" for `1 bᵀ` (ones on the left: a
    copy of b in every row), "column" for `b 1ᵀ`; None for a bias alone."""
    if len(factors) != 2:
        return None
    return "row" if factors[0].ones else "column" if factors[1].ones else None


_ONES_UNFIT = (
    "{written} does not fit as a bias added to every row or column: a vector of ones times a "
    "bias is written 1 {bias}^T (the bias added to every row) or {bias} 1^T (to every column)"
)


def _broadcast_biases(
    text: str,
    lhs: _MatrixFactor,
    chains: list[tuple[sympy.Rational, list[_MatrixFactor]]],
    layer: LayerSpec,
    sizes: Mapping[str, sympy.Symbol],
) -> tuple[list[tuple[sympy.Rational, list[_MatrixFactor]]], list[str], str | None]:
    """The chains with each vector of ones read: times a bias (`1 b_Qᵀ`, `b_Q 1ᵀ`) it says the
    bias is added to every row or column, with a note saying so (and, where b is written the
    other way round, `1 b_Q`, that b is taken as a row vector); a plain 1 before anything else
    is the number 1 (`1 XW` is XW). A vector of ones in any other product, or times a bias in
    an order that is no outer product (`1ᵀ b`, `b 1`), is refused saying how it is written.
    Also a shape problem where a length written on the ones (`1_K`) is not the output's."""
    read, notes, problem = [], [], None
    if len(layer.output.shape) != 2:
        return chains, notes, problem  # no matrix form (`_matrix_to_index` says so)
    out_rows, out_cols = layer.output.shape[::-1] if lhs.transposed else layer.output.shape
    for coefficient, factors in chains:
        ones = [f for f in factors if f.ones]
        if not ones:
            read.append((coefficient, factors))
            continue
        written = _shown(factors)
        if _is_bias(factors, layer):
            (bias,) = [f for f in factors if not f.ones]
            (one,) = ones
            side = _ones_side(factors)
            # 1 bᵀ and b 1ᵀ are outer products; 1 b and bᵀ 1ᵀ are, taking b as a row vector
            if one.transposed != (side == "column"):
                raise AnswerError(
                    text, factors[0].start, _ONES_UNFIT.format(written=written, bias=bias.name)
                )
            output = f"{layer.output.name}ᵀ" if lhs.transposed else layer.output.name
            note = f"read {written} as the bias {bias.name} added to every {side} of {output}"
            if bias.transposed == (side == "column"):
                note += f", taking {bias.name} as a row vector"
            notes.append(note)
            length = sizes.get(one.name.partition("_")[2].strip())
            wanted = out_rows if side == "row" else out_cols
            if problem is None and length is not None and sympy.expand(length - wanted) != 0:
                problem = (
                    f"The shapes do not fit: {written} has {show_index(length)} "
                    f"{side}s, but {output} has {show_index(wanted)}."
                )
            read.append((coefficient, factors))
            continue
        if any(f.name != "1" or f.transposed for f in ones):
            raise AnswerError(
                text,
                ones[0].start,
                f"a vector of ones is read only times a bias, as in 1 b^T; {written} is not one",
            )
        read.append((coefficient, [f for f in factors if not f.ones]))  # `1 XW`: the number 1
    return read, notes, problem


def _matrix_to_index(
    text: str,
    layer: LayerSpec,
    lhs: _MatrixFactor,
    chains: list[tuple[sympy.Rational, list[_MatrixFactor]]],
    inferred: dict[str, tuple[sympy.Expr, sympy.Expr]] | None = None,
    activation: str | None = None,
    after: int = 0,
) -> tuple[Access, tuple[Term, ...], str, str | None]:
    """Rewrite `Y = XW` as y[r,c] = Σ_s x[r,s]·W[s,c], inferring the parameters' shapes."""
    x, y = layer.input, layer.output
    if len(x.shape) != 2 or len(y.shape) != 2:
        raise AnswerError(text, 0, f"write this layer with indices, e.g. {y.name}_{{…}} = ...")
    if not same_name(lhs.name, y.name):
        raise AnswerError(
            text, lhs.start, f"the left side is {lhs.name}, but the output is {y.name}"
        )
    reading = (f"{y.name}ᵀ" if lhs.transposed else y.name) + " = "
    reading += _describe_chains(chains, activation, after)
    shapes = _Shapes()
    known = {
        x.name: (shapes.new(x.shape[0]), shapes.new(x.shape[1])),
        y.name: (shapes.new(y.shape[0]), shapes.new(y.shape[1])),
    }
    parameters: dict[str, tuple[int, int]] = {}

    def dims(factor: _MatrixFactor) -> tuple[int, int]:
        if same_name(factor.name, x.name):
            pair = known[x.name]
        elif same_name(factor.name, y.name):
            raise AnswerError(
                text, factor.start, f"the output {y.name} cannot also be on the right side"
            )
        else:
            pair = parameters.setdefault(factor.name, (shapes.new(), shapes.new()))
        return (pair[1], pair[0]) if factor.transposed else pair

    target = known[y.name][::-1] if lhs.transposed else known[y.name]
    # The shapes' reasoning, which side of the input a weight matrix can multiply, without the
    # formula it leads to: `Y = XW` was 22-52-q4 e.formula's answer, `Q = WX` attn-columns-q1's.
    hint = ""
    if sympy.expand(x.shape[0] - y.shape[0]) == 0:
        hint = (
            f" {x.name} is {_show_shape(*x.shape)} and {y.name} is {_show_shape(*y.shape)}, so a "
            f"weight matrix can only multiply {x.name} on the right, with "
            f"shape {_show_shape(x.shape[1], y.shape[1])}."
        )
    elif tokens_as_columns(layer):
        hint = (
            f" {x.name} is {_show_shape(*x.shape)}, one token per column, and {y.name} is "
            f"{_show_shape(*y.shape)}: the projection is a {_show_shape(y.shape[0], x.shape[0])} "
            f"matrix applied to every column, so it can only multiply {x.name} on the left."
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
            f"The shapes do not fit: {reading} would need {show_index(a)} = {show_index(b)}." + hint
        )
        output = Access(y.name, (index_symbol("r"), index_symbol("c")))
        return output, (), reading, problem
    for _, factors in chains:  # `Y = XWV`: a product of weights, its inner size free
        if _is_bias(factors, layer):
            continue  # `1 bᵀ`: a bias
        for left, right in zip(factors, factors[1:], strict=False):
            between = dims(left)[1]
            if left.name in parameters and right.name in parameters and shapes.get(between) is None:
                raise _FreeProduct(
                    f"Your formula multiplies the weights {_shown([left, right], 1)}, with a "
                    f"size between them that the shapes of {x.name} and {y.name} do not settle."
                )
    for name, (rows, cols) in parameters.items():
        if shapes.get(rows) is None or shapes.get(cols) is None:
            output = Access(y.name, (index_symbol("r"), index_symbol("c")))
            problem = (
                f"The shape of {name} cannot be told from those of {x.name} and {y.name}." + hint
            )
            return output, (), reading, problem

    if inferred is not None:
        for name, (rows, cols) in parameters.items():
            inferred[name] = (shapes.get(rows), shapes.get(cols))
    row, col = index_symbol("r"), index_symbol("c")
    output = Access(y.name, (row, col))
    first, last = (col, row) if lhs.transposed else (row, col)
    along = _bias_axis(chains, layer, first, last)
    terms = []
    for coefficient, factors in chains:
        if _is_bias(factors, layer):
            # `Y = XW + b`: as in every framework, b is a row of biases added to each row of
            # XW, one for each column (output channel) of the output; `Q = W_Q X + b_Q`, with a
            # token per column, adds it to each column, one for each row.
            # `1 b_Qᵀ` puts b_Q in every row, one for each column; `b_Q 1ᵀ` in every column
            (bias,) = [f for f in factors if not f.ones]
            side = _ones_side(factors)
            axis = along if side is None else last if side == "row" else first
            terms.append(Term(coefficient, (), (Access(bias.name, (axis,), bias.start),)))
            continue
        oriented = [dims(f) for f in factors]
        inner = [index_symbol(name) for name in _inner_names(len(factors) - 1)]
        positions = [first, *inner, last]
        accesses = []
        for k, factor in enumerate(factors):
            pair = (positions[k], positions[k + 1])
            if factor.transposed:
                pair = pair[::-1]
            name = x.name if same_name(factor.name, x.name) else factor.name
            accesses.append(Access(name, pair, factor.start, factor.start + len(factor.name)))
        sums = tuple(
            SumRange(index, sympy.Integer(1), shapes.get(oriented[k][1]))
            for k, index in enumerate(inner)
        )
        terms.append(Term(coefficient, sums, tuple(accesses)))
    return output, tuple(terms), reading, None


def _inner_names(count: int) -> list[str]:
    """The names of the `count` indices summed between the factors of a product of matrices:
    s, t, u, v, p, q, then s7, s8, … (a product of any length is read, `Y = AAAXBCCC` too)."""
    return [*"stuvpq"[:count], *(f"s{n}" for n in range(7, count + 1))]


def _bias_axis(
    chains: list[tuple[sympy.Rational, list[_MatrixFactor]]],
    layer: LayerSpec,
    first: sympy.Symbol,
    last: sympy.Symbol,
) -> sympy.Symbol:
    """The output index a bias vector runs along: the one a weight matrix makes, the column
    of XW (one bias per output channel), the row of W X (tokens as columns)."""
    for _, factors in chains:
        if _is_bias(factors, layer):
            continue
        if same_name(factors[-1].name, layer.input.name) and not same_name(
            factors[0].name, layer.input.name
        ):
            return first
        break
    return last


def read_matrix_form(
    text: str, tokens: list[Token], sizes: Mapping[str, sympy.Symbol], layer: LayerSpec
) -> Formula:
    """The formula `tokens` (of `text`) write as a matrix product, rewritten with indices."""
    reader = MatrixFormReader(text, tokens, sizes)
    lhs, chains = reader.matrix_formula()
    activation, after = reader.activation_name, reader.after_activation
    chains, broadcast, misfit = _broadcast_biases(text, lhs, chains, layer, sizes)
    function = {"activation": activation, "after_activation": after}
    if misfit is not None:
        output = Access(layer.output.name, (index_symbol("r"), index_symbol("c")))
        reading = _reading(lhs, chains, activation, after)
        return Formula(text, output, (), reading, misfit, **function)
    inferred: dict[str, tuple[sympy.Expr, sympy.Expr]] = {}
    try:
        output, terms, reading, problem = _matrix_to_index(
            text, layer, lhs, chains, inferred, activation, after
        )
    except _FreeProduct as free:
        reading = _reading(lhs, chains, activation, after)
        output = Access(layer.output.name, (index_symbol("r"), index_symbol("c")))
        return Formula(
            text, output, (), reading, unsure=str(free), weights_multiplied=True, **function
        )
    if problem is None:
        reading += ", read as " + describe_formula(output, terms, activation, None, after)
    shapes = tuple((name, rows, cols) for name, (rows, cols) in inferred.items())
    notes = tuple(dict.fromkeys([*reader.transposed_brackets, *broadcast]))
    return Formula(text, output, terms, reading, problem, shapes, assumed=notes, **function)


def _reading(
    lhs: _MatrixFactor,
    chains: list[tuple[sympy.Rational, list[_MatrixFactor]]],
    activation: str | None = None,
    after: int = 0,
) -> str:
    """`Qᵀ = W_Q·Xᵀ + b_Q·1ᵀ`: the formula as written, without its index reading."""
    written = _describe_chains(chains, activation, after)
    return f"{lhs.name}{'ᵀ' if lhs.transposed else ''} = {written}"


def _index_form_shapes(
    formula: Formula, layer: LayerSpec
) -> dict[str, tuple[sympy.Expr | None, sympy.Expr | None]]:
    """The shape of each two-index parameter of an index formula, read from its indices: an
    output index runs over the output's axis, a summed index (from 1) up to its sum's bound;
    any other index leaves that size unknown. `u_{c,d} = Σ_n x_{n,c} g_{n,d}` has g: N×D."""
    axes = dict(zip(formula.output.indices, layer.output.shape, strict=False))
    shapes = {}
    for term in formula.terms:
        bounds = {s.variable: s.high for s in term.sums if s.low == 1}
        for access in term.factors:
            if len(access.indices) != 2 or same_name(access.name, layer.input.name):
                continue
            shapes[access.name] = tuple(
                axes.get(index, bounds.get(index)) for index in access.indices
            )
    return shapes


MatrixShapes = tuple[tuple[str, sympy.Expr, sympy.Expr], ...]  # (name, rows, cols) each


def _index_form_conflicts(
    formula: Formula, layer: LayerSpec, declared: MatrixShapes
) -> list[tuple[str, str, str, str]]:
    """Each matrix `declared` in another shape than an index-form `formula` uses it in
    (`matrices: {W: [D, C]}` beside `w_{c,d}`, which makes w C×D): (the declared name, the
    name as written, the shape it is used in, the declared shape). None for a matrix form
    (`declared_misfit` holds it)."""
    if formula.matrix_shapes or formula.shape_problem is not None:
        return []
    used = _index_form_shapes(formula, layer)
    conflicts = []
    for name, rows, cols in declared:
        written = next((other for other in used if same_name(other, name)), None)
        if written is None or None in used[written] or not _differs(used[written], rows, cols):
            continue
        conflicts.append((name, written, _show_shape(*used[written]), _show_shape(rows, cols)))
    return conflicts


def index_form_misfits(
    formula: Formula, layer: LayerSpec, declared: MatrixShapes
) -> list[tuple[str, str]]:
    """The rubric's index-form answer against its declared shapes: (the declared name, the
    problem in words) for each matrix it uses in another shape."""
    return [
        (
            name,
            f"{name} is declared {shape}, but the answer's {written} is {used}; declare the "
            "shape the answer uses",
        )
        for name, written, used, shape in _index_form_conflicts(formula, layer, declared)
    ]


def _shape_of(shapes: Mapping[str, tuple], name: str) -> tuple | None:
    return next((shape for other, shape in shapes.items() if same_name(other, name)), None)


def _among(name: str, names: Iterable[str]) -> bool:
    """Whether `name` is one of `names`, as names of matrices match (`same_name`)."""
    return any(same_name(name, other) for other in names)


def _differs(shape: tuple, rows: sympy.Expr, cols: sympy.Expr) -> bool:
    return sympy.expand(shape[0] - rows) != 0 or sympy.expand(shape[1] - cols) != 0


def _misfit(formula: Formula, name: str, rows, cols, shape: tuple) -> Formula:
    written = formula.reading.split(", read as ")[0]  # the product as written
    problem = (
        f"The shapes do not fit: {written} needs {name} to be {_show_shape(rows, cols)}, but "
        f"{name} is {_show_shape(*shape)}."
    )
    # what was read into it (`XW_Q^T + b_Q = Q` as `Q = …`) stays said beside the finding, and
    # a chain's sides stay for the check to compare (`Formula.chain_sides`)
    return Formula(
        formula.text,
        formula.output,
        (),
        written,
        problem,
        assumed=formula.assumed,
        chain_sides=formula.chain_sides,
    )


def declared_misfit(formula: Formula, declared: MatrixShapes) -> Formula | None:
    """`formula` with a shape problem where its matrix form needs a matrix the rubric declares
    (`matrices: {W: [C, D]}`) in another shape, transposed included; None where it fits."""
    conflict = _declared_conflict(formula, declared)
    return None if conflict is None else _misfit(formula, *conflict)


def _declared_conflict(formula: Formula, declared: MatrixShapes) -> tuple | None:
    """The first matrix `formula` needs in another shape than `declared`: (name, rows, cols,
    the declared shape); None where every one fits."""
    shapes = {name: (rows, cols) for name, rows, cols in declared}
    for name, rows, cols in formula.matrix_shapes:
        shape = _shape_of(shapes, name)
        if shape is not None and None not in (rows, cols) and _differs(shape, rows, cols):
            return name, rows, cols, shape
    return None


def rule_never_fits(formula: Formula, declared: MatrixShapes) -> str | None:
    """Why a misconception written as a matrix form that needs a declared matrix in another
    shape can never fire (an answer written so is a shape finding); None where it fits."""
    conflict = _declared_conflict(formula, declared)
    if conflict is None:
        return None
    name, rows, cols, shape = conflict
    written = formula.reading.split(", read as ")[0]
    return (
        f"this rule can never fire: {written} needs {name} to be {_show_shape(rows, cols)}, "
        f"which matrices declares {_show_shape(*shape)}, so an answer written so is graded as a "
        "shape finding (partial_credit: {shape: N} gives every shape finding marks), not by "
        "this rule"
    )


def held_to_reference(
    formula: Formula,
    reference: Formula | None,
    layer: LayerSpec,
    declared: MatrixShapes = (),
    free: frozenset[str] = frozenset(),
) -> Formula:
    """`formula`, or the same with a shape problem when its matrix form uses a matrix in a shape
    the rubric does not allow, or with a note when it uses one stored transposed.

    Only the input and output have declared shapes, and the matrices a rubric lists under
    `matrices`; a declared matrix keeps its shape: U = XᵀGᵀ, which fits only by taking G to be
    D×N, is not the answer where G is declared N×D (issue 16). Any other parameter's shape is
    inferred. One the reference also names (the W of Y = XW, or w in y_{i,k} = Σ_l w_{l,k}
    x_{i,l}) and uses transposed (Y = XWᵀ, W taken to be D×C, as PyTorch's nn.Linear stores
    it) is read so, with a note saying how: where the rubric declares it `any` (`free`), that
    is the student's choice; otherwise it is kept in `relayout` (its name, the shape the formula
    needs and the reference's), and a verdict that rests on it is the rubric's `layout` credit
    or a person's (a given G is not the student's to lay out; issue 16's U = XᵀGᵀ got full
    marks). In any other shape it does not fit. A parameter the reference does not name
    (Y = XA for Y = XW) is a renaming, except in place of a matrix the question gives
    (declared, and used by the reference) or besides it: the formula is then marked
    `given_matrices`, and a verdict that rests on reading them as its own is a person's.
    """
    if formula.shape_problem is not None or formula.unsure is not None:
        return formula
    for name, written, used, shape in _index_form_conflicts(formula, layer, declared):
        # issue 16 with indices: g_{d,n} reads the given N×D G as if it were D×N; with
        # vectors, q_t = W_Q x_t reads the given E×K W_Q as K×E
        how = "uses" if _with_vectors(formula, layer) else "indexes"
        problem = (
            f"The shapes do not fit: your formula {how} {written} as {used}, but {name} is {shape}."
        )
        return Formula(
            formula.text,
            formula.output,
            (),
            formula.reading,
            problem,
            assumed=formula.assumed,
            chain_sides=formula.chain_sides,
        )
    if not formula.matrix_shapes:
        if (
            reference is not None
            and declared
            and (formula.vector_entries or _with_vectors(formula, layer))
        ):
            # q_t = W x_t: matrices used as written, as in a matrix form
            formula = _given_matrices(formula, reference, layer, declared, vectors=True)
        return _index_form_layout(formula, reference, layer, declared, free)
    if reference is not None and declared:
        formula = _given_matrices(formula, reference, layer, declared)
    misfit = declared_misfit(formula, declared)
    if misfit is not None or reference is None:
        return misfit or formula
    theirs = {name: (rows, cols) for name, rows, cols in reference.matrix_shapes}
    if not reference.matrix_shapes:
        theirs = _index_form_shapes(reference, layer)
    notes, guessed = [], []
    for name, rows, cols in formula.matrix_shapes:
        if _among(name, (n for n, _, _ in declared)):
            continue  # declared, and fits (above)
        known = _shape_of(theirs, name)
        if known is None or None in known or rows is None or cols is None:
            continue
        if not _differs(known, rows, cols):
            continue
        if _differs(known, cols, rows):
            return _misfit(formula, name, rows, cols, known)
        notes.append(_transposed_note(formula, layer, name, rows, cols))
        if not _among(name, free):
            named = next(other for other in theirs if same_name(other, name))
            guessed.append((named, _show_shape(rows, cols), _show_shape(*known), name))
    if notes:
        return replace(
            formula, assumed=(*formula.assumed, *notes), relayout=(*formula.relayout, *guessed)
        )
    return formula


def _index_form_layout(
    formula: Formula,
    reference: Formula | None,
    layer: LayerSpec,
    declared: MatrixShapes,
    free: frozenset[str],
) -> Formula:
    """An index form held to the reference's layout as a matrix form is (`held_to_reference`):
    `u_{c,d} = Σ_n x_{n,c} g_{d,n}` indexes g as D×N where the reference's G is N×D, which is
    `U = XᵀGᵀ` written with indices. Read so, with a note; kept in `relayout` unless the
    rubric declares the matrix `any`. A matrix the rubric declares is held to its shape before
    (`_index_form_conflicts`); one the reference does not name, or uses in a shape that is
    not the transpose of the formula's, is the formula's own (its letters are its own).

    A vector form (`q_t = W x_t + b`) is read as the index formula it stands for
    (q_{t,k} = Σ_m W[k,m] x_{t,m} + b_k) and held so too: W is K×E as `W_{k,m}` would be.

    Only where the layer is one a matrix form writes (one input, input and output matrices):
    a weight with more indices, or one of several inputs, has no matrix layout to keep."""
    from grader.kinds.formula.parse import is_index_form  # parse builds on this module

    x, y = layer.input, layer.output
    if reference is None or layer.more_inputs or len(x.shape) != 2 or len(y.shape) != 2:
        return formula
    vectors = _with_vectors(formula, layer)
    if not vectors and not is_index_form(formula.text, layer):
        return formula
    theirs: Mapping[str, tuple] = {
        name: (rows, cols) for name, rows, cols in reference.matrix_shapes
    }
    if not reference.matrix_shapes:
        theirs = _index_form_shapes(reference, layer)
    notes, guessed = [], []
    for written, shape in _index_form_shapes(formula, layer).items():
        if None in shape or _among(written, (n for n, _, _ in declared)):
            continue
        name = next((other for other in theirs if same_name(other, written)), None)
        known = None if name is None else theirs[name]
        if known is None or None in known or not _differs(known, *shape):
            continue
        if _differs(known, shape[1], shape[0]):
            continue  # not its transpose: the structures tell what it is
        how = "uses" if vectors else "indexes"
        notes.append(f"read {written} as a {_show_shape(*shape)} matrix, as your formula {how} it")
        if not _among(written, free):
            guessed.append((name, _show_shape(*shape), _show_shape(*known), written))
    if not notes:
        return formula
    return replace(
        formula, assumed=(*formula.assumed, *notes), relayout=(*formula.relayout, *guessed)
    )


def _with_vectors(formula: Formula, layer: LayerSpec) -> bool:
    """Whether `formula` is written with vectors (`q_t = W x_t`): its matrices are used as
    written, not indexed."""
    from grader.kinds.formula.parse import is_written_with_vectors  # parse builds on this module

    return is_written_with_vectors(formula.text, layer)


def _parameters(formula: Formula, layer: LayerSpec) -> dict[str, str]:
    """Each matrix parameter `formula` names (two indices; not the input or output, nor a
    bias vector), with its shape as written where a matrix form implies it or an index
    form's indices tell it, else ""."""
    tensors = [tensor.name for tensor in (*layer.inputs, layer.output)]
    shapes: Mapping[str, tuple] = {n: (r, c) for n, r, c in formula.matrix_shapes}
    if not formula.matrix_shapes:
        shapes = _index_form_shapes(formula, layer)
    names = {}
    for term in formula.terms:
        for access in term.factors:
            if access.name in names or _among(access.name, tensors):
                continue
            if len(access.indices) != 2:
                continue
            shape = _shape_of(shapes, access.name)
            known = shape is not None and None not in shape
            names[access.name] = _show_shape(*shape) if known else ""
    return names


def _given_matrices(
    formula: Formula,
    reference: Formula,
    layer: LayerSpec,
    declared: MatrixShapes,
    vectors: bool = False,
) -> Formula:
    """`formula` marked (`given_matrices`) where it uses a matrix the reference does not name
    and the question gives matrices the reference uses (`matrices: {G: [N, D]}`, `U = XᵀG`):
    in place of one (`U = XᵀA`, `U = XᵀG_Yᵀ`), where A as a parameter of its own would be any
    matrix of the shape the formula needs, so issue 16's XᵀGᵀ was right as XᵀAᵀ; or besides
    them (`U = XᵀG + XᵀA`), where G + A is one parameter that can be anything. For a matrix
    form, or one written with `vectors` (`q_t = A x_t + b`: there only a matrix that
    multiplies the input counts, a bias per token `b_t` being a vector); an index form writes
    its own letters (w_{k,e} or A_{k,e} for W_Q).

    A reference written with indices names the question's matrix by its stand-in
    (`_stand_ins`: attn-q1's w for W_Q), so that `Q = XA + b` there is held to W_Q as
    `Q = AX + b_Q` is where the reference is `Q = W_Q X + b_Q`; and in both the question's
    name without its subscript (`_unsubscripted`: W for W_Q) is read as it, with a note."""
    theirs = _parameters(reference, layer)
    stand_ins = _stand_ins(reference, layer, declared)
    for (name, _), (declared_name, shape) in stand_ins.items():
        del theirs[name]  # the reference's w is the question's W_Q
        theirs[declared_name] = shape
    yours = _parameters(formula, layer)
    if vectors:
        inputs = [tensor.name for tensor in layer.inputs]
        weights = {
            access.name
            for term in formula.terms
            if any(_among(factor.name, inputs) for factor in term.factors)
            for access in term.factors
        }
        yours = {name: shape for name, shape in yours.items() if name in weights}
    given = [*_given(reference, layer, declared), *stand_ins.values()]
    others = tuple((name, shape) for name, shape in yours.items() if not _among(name, theirs))
    if not given or not others:
        return formula
    left_out = tuple((name, shape) for name, shape in given if not _among(name, yours))
    read = _unsubscripted(formula, others, left_out)
    if read is not None:
        return read
    marked = GivenMatrices(others, left_out or tuple(given), bool(left_out))
    return replace(formula, given_matrices=marked)


def _unsubscripted(
    formula: Formula, others: tuple[tuple[str, str], ...], left_out: tuple[tuple[str, str], ...]
) -> Formula | None:
    """`formula` with the question's name for the one matrix it gives, written without its
    subscript (W or w for W_Q) in that matrix's shape, read as that matrix, with a note: a
    marker reads `Q = XW + b` as `Q = XW_Q + b`. Any other name (A, or G_Y for G), two
    matrices of the student's own, or another shape is not read so (None): a person's."""
    if len(others) != 1 or len(left_out) != 1:
        return None
    (mine, shape), (theirs, given_shape) = others[0], left_out[0]
    base, subscript, _ = theirs.partition("_")
    if not subscript or not same_name(mine, base) or not shape or shape != given_shape:
        return None
    note = f"read {mine} as the question's {theirs} ({given_shape}), written without its subscript"
    renamed = _renamed(formula, mine, theirs)
    return replace(renamed, assumed=(*formula.assumed, note))


def _renamed(formula: Formula, mine: str, theirs: str) -> Formula:
    """`formula` with the matrix it names `mine` named `theirs`, in its terms and shapes."""
    terms = tuple(
        replace(
            term,
            factors=tuple(
                replace(access, name=theirs) if access.name == mine else access
                for access in term.factors
            ),
        )
        for term in formula.terms
    )
    shapes = tuple(
        (theirs if name == mine else name, rows, cols) for name, rows, cols in formula.matrix_shapes
    )
    return replace(formula, terms=terms, matrix_shapes=shapes)


def _entries_of_given(
    formula: Formula, layer: LayerSpec, given: list[tuple[str, str]]
) -> tuple[Formula, str]:
    """An index form writes the question's matrix's entries in a letter of its own (attn-q1's
    `Σ_e w_{e,k} x_{n,e}` or `A_{e,k}` for W_Q's): where it names none of the matrices the
    question gives (`given`, each (name, shape)), its one weight in the shape of one of them is
    that matrix, so that a number times its entries (`2 w_{e,k}`, `-Σ_e w_{e,k} …`) is that
    matrix scaled, as in `Q = 2XW_Q + b` (a matrix or vector form names its matrices as
    written: `_given_matrices`). That formula with the question's name, and a note saying how
    it was read; else `formula` and ""."""
    from grader.kinds.formula.parse import is_index_form  # parse builds on this module

    if not given or formula.matrix_shapes or not is_index_form(formula.text, layer):
        return formula, ""
    used = [access.name for term in formula.terms for access in term.factors]
    if any(_among(name, used) for name, _ in given):
        return formula, ""
    found = [
        (mine, theirs, shape)
        for mine, written in _parameters(formula, layer).items()
        for theirs, shape in given
        if written and written == shape
    ]
    if len(found) != 1:
        return formula, ""
    mine, theirs, shape = found[0]
    note = (
        f"read {mine} as the question's {theirs} ({shape}), written with indices in a letter "
        "of your own"
    )
    return _renamed(formula, mine, theirs), note


def read_as_given(
    formula: Formula,
    reference: Formula | None,
    layer: LayerSpec,
    declared: MatrixShapes,
    others: frozenset[str],
) -> Formula:
    """`formula` with an index form's letter of its own for the question's matrix named as
    that matrix (`_entries_of_given`: attn-q1's w_{e,k} for W_Q), as `number_factors` reads it:
    the names a chain's sides are compared by (`check.chain_sides_apart`). A matrix the question
    gives for something else (`others`: W_V) keeps its name."""
    if reference is None or formula.shape_problem is not None or formula.unsure is not None:
        return formula
    used = [access.name for term in formula.terms for access in term.factors]
    if any(_among(name, others) for name in used):
        return formula
    given = [*_given(reference, layer, declared), *_stand_ins(reference, layer, declared).values()]
    return _entries_of_given(formula, layer, given)[0]


def uses_other_matrices(
    formula: Formula,
    reference: Formula | None,
    layer: LayerSpec,
    declared: MatrixShapes,
    others: frozenset[str],
) -> Formula:
    """`formula` marked (`given_matrices`) where it uses a matrix the question gives for
    something else (`matrices: {W_V: other}`): attn-q1 (e) asks for the queries, and
    `Q = XW_V + b_V` or `W_{V,e,k}` use the value projection, which read as a weight of the
    student's own would define the right layer. Matrix, vector and index forms alike: the
    name is the question's, not a letter of the student's."""
    if (
        not others
        or reference is None
        or formula.shape_problem is not None
        or formula.unsure is not None
    ):
        return formula
    # Said of a matrix given for something else, even where it stands in place of the one
    # given for this (attn-q1's W_V for W_Q): that it is the question's, for something else.
    used = [access.name for term in formula.terms for access in term.factors]
    named = tuple(dict.fromkeys(n for n in used if _among(n, others)))
    if not named:
        return formula
    given = _given(reference, layer, declared)
    left_out = tuple((name, shape) for name, shape in given if not _among(name, used))
    marked = GivenMatrices(
        tuple((name, "") for name in named), left_out or tuple(given), bool(left_out)
    )
    return replace(formula, given_matrices=marked)


def _given(reference: Formula, layer: LayerSpec, declared: MatrixShapes) -> list[tuple[str, str]]:
    """The matrices the question gives: declared with their shapes and used by the reference,
    each (name, shape as declared)."""
    theirs = _parameters(reference, layer)
    return [
        (name, _show_shape(rows, cols)) for name, rows, cols in declared if _among(name, theirs)
    ]


def _stand_ins(
    reference: Formula, layer: LayerSpec, declared: MatrixShapes
) -> dict[tuple[str, str], tuple[str, str]]:
    """A matrix the rubric declares with its shape where the reference writes a weight of its
    own in that shape (attn-q1: `matrices: {W_Q: [E, K]}`, reference `Σ_e w_{e,k} x_{n,e}`,
    w: E×K): the question's matrix, which the reference's weight stands in for. Each
    (reference's name, shape) to (declared name, shape), where only one weight of the
    reference has that shape."""
    theirs = _parameters(reference, layer)
    names = [name for name, _, _ in declared]
    found = {}
    for name, rows, cols in declared:
        if _among(name, theirs) or rows is None or cols is None:
            continue
        shape = _show_shape(rows, cols)
        alike = [o for o, s in theirs.items() if s == shape and not _among(o, names)]
        if len(alike) == 1:
            found[(alike[0], shape)] = (name, shape)
    return found


def given_names(reference: Formula, layer: LayerSpec, declared: MatrixShapes) -> tuple[str, ...]:
    """The names of the matrices the question gives (`_given`)."""
    return tuple(name for name, _ in _reference_given(reference, layer, declared)[0])


# What `_reference_given` returns: the given matrices, the stand-ins' pairs, the reference's
# sums, each as a tuple (remembered, so never changed by a caller).
ReferenceGiven = tuple[
    tuple[tuple[str, str], ...],
    tuple[tuple[tuple[str, str], tuple[str, str]], ...],
    tuple[tuple[str, sympy.Rational], ...],
]


@lru_cache(maxsize=64)
def _reference_given(
    reference: Formula, layer: LayerSpec, declared: MatrixShapes
) -> ReferenceGiven:
    """What `number_factors` and `given_names` take from an item's reference, the same for
    every answer and so worked out once per item: the matrices the question gives
    (`_given`), the weights of the reference that stand in for others (`_stand_ins`), and the
    sum of the numbers the reference multiplies each by (`_given_sums`), a stand-in's under
    the declared name."""
    given = _given(reference, layer, declared)
    stand_ins = _stand_ins(reference, layer, declared)
    answers, _, _ = _given_sums(reference, layer, [*given, *stand_ins])
    for (theirs, _), (name, _) in stand_ins.items():  # the reference's w counts as W_Q
        answers[name] = answers.pop(theirs, sympy.Integer(0))
    return tuple(given), tuple(stand_ins.items()), tuple(answers.items())


@dataclass(frozen=True)
class NumberFactors:
    """What a formula's numbers times its matrices come to (`number_factors`)."""

    notes: tuple[str, ...] = ()  # how a number times a weight of the student's own was read
    given: tuple[ScaledGiven, ...] = ()  # given matrices scaled otherwise than the reference


def scaled_name(number: sympy.Rational, name: str) -> str:
    """`2·W`, `-W`, `1/2·b`: a number times a matrix, as the notes write it."""
    # `plain_text`: sympy's own text of a number, without its printer (a note for most answers)
    return f"-{name}" if number == -1 else name if number == 1 else f"{plain_text(number)}·{name}"


def _given_sums(
    formula: Formula, layer: LayerSpec, given: list[tuple[str, str]]
) -> tuple[dict[str, sympy.Rational], Counter, list[str]]:
    """For each given matrix, the sum of the numbers `formula` multiplies it by in terms with
    no parameter of the student's own, and how many such terms hold it; and a note for each
    term whose number a parameter of the student's own takes in (`2·X·W`: W's), and for each
    such term written more than once (`b_k + b_k`: one bias, 2·b)."""
    tensors = [tensor.name for tensor in (*layer.inputs, layer.output)]
    given_names = [name for name, _ in given]
    sums: dict[str, sympy.Rational] = {}
    counts: Counter = Counter()
    notes = []
    # Terms of the student's own parameters written more than once (`b_k + b_k`, the whole
    # weighted sum twice): one term, their numbers added, said as one.
    # Terms inside the activation and after it are different places, never one term.
    written: dict[tuple, list[Term]] = {}
    inside = len(formula.terms) - formula.after_activation
    for place, term in enumerate(formula.terms):
        parameters = [a.name for a in term.factors if not _among(a.name, tensors)]
        own = [name for name in parameters if not _among(name, given_names)]
        if own:
            written.setdefault((place >= inside, _term_key(term)), []).append(term)
            continue
        for name in given_names:
            if any(same_name(p, name) for p in parameters):
                sums[name] = sums.get(name, sympy.Integer(0)) + term.coefficient
                counts[name] += 1
    for same in written.values():
        parameters = [a.name for a in same[0].factors if not _among(a.name, tensors)]
        own = [name for name in parameters if not _among(name, given_names)]
        weights = len(parameters) < len(same[0].factors)  # it multiplies the input
        notes += _own_scaled_notes(own[0], [t.coefficient for t in same], weights)
    return sums, counts, notes


def _term_key(term: Term) -> tuple:
    """What a term writes, whatever letters its sums use and whatever its number: equal for
    `Σ_u w_u x_{i+u}` and `Σ_v w_v x_{i+v}`, and for `b_k` and `2b_k`."""
    return _written_key(term.sums, term.factors)


@lru_cache(maxsize=1024)
def _written_key(sums: tuple[SumRange, ...], factors: tuple[Access, ...]) -> tuple:
    """`_term_key` of a term's sums and factors (its number is no part of it), remembered: a
    class writes the same terms with other numbers in front, each made anew with sympy."""
    bound = {s.variable: sympy.Symbol(f"_{n}") for n, s in enumerate(sums)}
    ranges = tuple((s.low.xreplace(bound), s.high.xreplace(bound)) for s in sums)
    # In any order, counted (a multiset): sympy's printing, to sort them, costs more than
    # the rest of a check of a distinct answer (bench/prof_distinct.py).
    written = Counter((a.name, tuple(i.xreplace(bound) for i in a.indices)) for a in factors)
    return ranges, frozenset(written.items())


def added_up(terms: Iterable[Term]) -> list[tuple[tuple, sympy.Rational]]:
    """`terms` with those that write the same (`_term_key`) added up, each (key, its number),
    those whose numbers add up to 0 left out: none for `b_k - b_k`."""
    totals: dict[tuple, sympy.Rational] = {}
    for term in terms:
        key = _term_key(term)
        totals[key] = totals.get(key, sympy.Integer(0)) + term.coefficient
    return [(key, number) for key, number in totals.items() if number != 0]


def _own_scaled_notes(name: str, numbers: list[sympy.Rational], weights: bool) -> list[str]:
    """How the terms that write one parameter of the student's own (`name`) alike were read,
    each with its number: one term times a number other than 1 is that parameter scaled
    (`2·W`); a term written more than once is one term, its numbers added."""
    total = sum(numbers, sympy.Integer(0))
    if len(numbers) == 1 and total == 1:
        return []  # one term, as written: nothing read into it (and nothing to print)
    scaled = scaled_name(total, name)
    if weights:
        number = (
            f"a number times a weight is a weight too, so {scaled} is as good a weight as {name}"
        )
    else:
        number = "a number times a bias is a bias"
    if len(numbers) > 1:
        times = "twice" if len(numbers) == 2 else f"{len(numbers)} times"
        written = f"read your term in {name}, written {times}, as"
        if total == 0:
            return [f"{written} none: its numbers add up to 0"]
        kind = "weight" if weights else "bias"
        added = f"{written} one term in {scaled}: a {kind} written {times} adds up to one {kind}"
        return [added if total == 1 else f"{added}, and {number}"]
    return [f"read {scaled} as your {'weights' if weights else 'bias'}: {number}"]


def number_factors(
    formula: Formula, reference: Formula | None, layer: LayerSpec, declared: MatrixShapes
) -> NumberFactors:
    """What `formula`'s numbers times its matrices come to. A number times a weight of the
    student's own is that weight scaled (`Y = 2XW` defines the layer of `Y = XW`, with 2·W as
    its weights): said in a note, since the comparison of layers takes weights up to their
    values and would say nothing. A number times a matrix the question gives (declared with its
    shape, used by the reference: the G of `U = XᵀG`, or `matrices: {W_Q: [K, E]}`), with no
    weight of the student's own in the term to take it in, is another matrix: `U = 2XᵀG` is not
    `U = XᵀG`, and is returned in `given` where the sums of its numbers differ."""
    if reference is None or formula.shape_problem is not None or formula.unsure is not None:
        return NumberFactors()
    named, stand_ins, sums = _reference_given(reference, layer, declared)
    given = [*named, *(declared_name for _, declared_name in stand_ins)]
    formula, entries = _entries_of_given(formula, layer, given)
    yours, counts, notes = _given_sums(formula, layer, given)
    answers = dict(sums)
    scaled = tuple(
        ScaledGiven(name, shape, yours[name], answers[name], counts[name])
        for name, shape in given
        if yours.get(name, 0) != 0 and answers.get(name, 0) != 0 and yours[name] != answers[name]
    )
    if scaled and entries:  # said where it tells how the finding reads the letter
        notes = [entries, *notes]
    return NumberFactors(tuple(dict.fromkeys(notes)), scaled)


def _transposed_note(
    formula: Formula, layer: LayerSpec, name: str, rows: sympy.Expr, cols: sympy.Expr
) -> str:
    """How a parameter stored transposed was read: "read W as a D×C matrix, so that X·Wᵀ is
    PQ×D"."""
    written = formula.reading.split(", read as ")[0]
    left, _, right = written.partition(" = ")
    shape = layer.output.shape[::-1] if left.endswith("ᵀ") else layer.output.shape
    # the product that uses it, without a bias added (`X·Wᵀ` of `X·Wᵀ + b`)
    products = re.split(r" [+-] ", right.lstrip("-"))
    right = next((p for p in products if name in (f.rstrip("ᵀ") for f in p.split("·"))), right)
    return (
        f"read {name} as a {_show_shape(rows, cols)} matrix, so that {right} is "
        f"{_show_shape(*shape)}"
    )
