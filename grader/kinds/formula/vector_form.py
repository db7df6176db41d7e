"""Read one step of a layer over time written with vectors and matrices, safely:

    h_t = \\tanh(W_x x_t + W_h h_{t-1} + b)

For a layer whose tensors run over time (each [T, ·], the first axis the time step), a formula
whose left side is the output at one step (`h_t`) is read as vectors: `x_t` and `h_{t-1}` are
rows of the inputs at those steps, a matrix before a vector multiplies it as a column
(`W_x x_t`, W_x is H×E), one after it as a row (`x_t^T W`), and a term that is one parameter
alone is a bias vector (`b`, `b_h`). Names of matrices keep their subscript (`W_x`, `W_{hh}`);
a parameter whose subscript holds the time step (`W_t`, `b_{h,t}`) is one per step. The
formula is rewritten as the index formula it stands for,

    h_{t,k} = tanh(Σ_m W_x[k,m] x_{t,m} + Σ_m W_h[k,m] h_{t-1,m} + b_k),

whose meaning `grader.kinds.formula.layer` compares as any other. Where the layer's tokens are
columns (X is E×N, Q = W_Q X is K×N: `layout`), `q_n = W_Q x_n + b_Q` is read the same way, with
q_n and x_n columns n of Q and X. Shapes that cannot fit (one
matrix for x_t of E entries and h_{t-1} of H) are reported in words (`Formula.shape_problem`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy

from grader.errors import AnswerError
from grader.kinds.formula.index_form import IndexFormReader
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.terms import (
    Access,
    Formula,
    LayerSpec,
    SumRange,
    Term,
    Token,
    describe_formula,
    index_symbol,
    same_name,
    show_index,
)


@dataclass(frozen=True)
class _Factor:
    name: str  # an input (x), or a parameter as written with its subscript (W_x, W_{hh})
    step: sympy.Expr | None  # an input's time step (t-1); None for a parameter
    transposed: bool
    per_step: bool  # a parameter with the time step in its subscript: one per step
    start: int


def is_vector_form(tokens: list[Token], layer: LayerSpec) -> bool:
    """Whether the formula's left side is the output at one time step (`h_t =`, `h_{t} =`)
    of a layer whose tensors all have a time axis and one axis of features."""
    if len(layer.output.shape) != 2 or any(len(t.shape) != 2 for t in layer.inputs):
        return False
    if any(t.kind in ("SUM", "MAX") for t in tokens):
        return False  # sums are written with indices: h_{t,k} = \sum_m …, told so if short of one
    kinds = [t.kind for t in tokens[:6]]
    if kinds[:2] != ["NAME", "_"] or not same_name(tokens[0].text, layer.output.name):
        return False
    if kinds[2:4] == ["NAME", "="]:
        return len(tokens[2].text) == 1
    return kinds[2:5] == ["{", "NAME", "}"] and kinds[5:6] == ["="] and len(tokens[3].text) == 1


class VectorFormReader(IndexFormReader):
    """The rules of the vector form: vectors at a time step, matrices, transposes."""

    def __init__(
        self,
        original: str,
        tokens: list[Token],
        sizes: Mapping[str, sympy.Symbol],
        layer: LayerSpec,
    ):
        super().__init__(original, tokens, sizes)
        self.layer = layer
        self.step_letter = ""

    def vector_formula(
        self,
    ) -> tuple[str, str | None, list[tuple[sympy.Rational, list[_Factor]]]]:
        self.take("NAME")
        self.take("_")
        braced = self.at("{")
        if braced:
            self.take("{")
        self.step_letter = self.letter("the time step, e.g. h_t").text
        if braced:
            self.take("}")
        self.take("=", what="'='")
        activation = self.activation()
        chains = self.chains()
        if activation is not None:
            self.take(")", what=f"')' closing {activation}(")
            if self.at("+", "-"):
                raise self.error(
                    self.peek(),
                    f"an activation applies to the whole sum: write "
                    f"{self.layer.output.name}_{self.step_letter} = {activation}(… + b), with "
                    "the bias inside",
                )
        if self.peek() is not None:
            raise self.error(self.peek(), "expected '+', '-' or the end of the formula")
        return self.step_letter, activation, chains

    def chains(self) -> list[tuple[sympy.Rational, list[_Factor]]]:
        return self.signed_products(
            self.factors, "expected a vector such as x_t or a matrix such as W"
        )

    def factors(self) -> list[_Factor]:
        """`W_x x_t`: a name's letters are factors (`Wx_t` is W times x_t); the last takes
        the subscript and a transpose (`^T`, `^{T}`, `^\\top`, `'`)."""
        name = self.take("NAME")
        found = [self.plain(letter, name.start + k) for k, letter in enumerate(name.text[:-1])]
        last = name.text[-1]
        start = name.start + len(name.text) - 1
        tensor = self.layer.input_named(last)
        if tensor is not None:
            if not self.at("_"):
                raise AnswerError(
                    self.text,
                    start,
                    f"write {last} with its time step, e.g. {last}_{self.step_letter} or "
                    f"{last}_{{{self.step_letter}-1}}",
                )
            self.take("_")
            step = self.step()
            factor = _Factor(tensor.name, step, False, False, start)
        elif same_name(last, self.layer.output.name):
            raise AnswerError(
                self.text, start, f"the output {last} cannot also be read on the right side"
            )
        else:
            label, per_step = self.label() if self.at("_") else ("", False)
            factor = _Factor(last + label, None, False, per_step, start)
        if self.transpose():
            factor = _Factor(factor.name, factor.step, True, factor.per_step, factor.start)
        return [*found, factor]

    def plain(self, letter: str, start: int) -> _Factor:
        if self.layer.input_named(letter) is not None:
            raise AnswerError(
                self.text,
                start,
                f"write {letter} with its time step, e.g. {letter}_{self.step_letter}",
            )
        return _Factor(letter, None, False, False, start)

    def step(self) -> sympy.Expr:
        """`_t`, `_{t-1}`: a time step, made of the time letter, sizes and numbers."""
        scope = {self.step_letter: index_symbol(self.step_letter)}
        if self.at("{"):
            self.take("{")
            value = self.index_expression(scope)
            self.take("}")
            return value
        if self.at("NUMBER"):
            return self.number()
        return self.resolve(self.letter("the time step"), scope)

    def label(self) -> tuple[str, bool]:
        """A parameter's subscript, `_x`, `_{hh}`, `_{x,t}`: its name, and whether it holds
        the time step (a parameter per step)."""
        self.take("_")
        if self.at("{"):
            self.take("{")
            parts = [[]]
            for token in self._until("}"):
                if token.kind == ",":
                    parts.append([])
                elif token.kind in ("NAME", "NUMBER"):
                    parts[-1].append(token.text)
                else:
                    raise self.error(token, "expected letters or numbers in a matrix's subscript")
            self.take("}")
            words = ["".join(p) for p in parts]
        else:
            token = self.take("NAME", "NUMBER", what="a subscript, e.g. W_x")
            words = [token.text[:1]]
            if len(token.text) > 1:  # `W_hh_{t-1}` is W_h times h_{t-1}, as in LaTeX
                self.tokens.insert(
                    self.position, Token(token.kind, token.text[1:], token.start + 1)
                )
        per_step = self.step_letter in words
        kept = [w for w in words if w and w != self.step_letter]
        if not kept:
            return "", per_step
        text = ",".join(kept)
        return ("_" + text if len(text) == 1 else "_{" + text + "}"), per_step


def _describe(
    output: str,
    step: str,
    activation: str | None,
    chains: list[tuple[sympy.Rational, list[_Factor]]],
) -> str:
    """`h_t = tanh(W_x·x_t + W_h·h_{t-1} + b)`, as written, each product with its sign."""
    pieces = []
    for number, (coefficient, factors) in enumerate(chains):
        product = "·".join(_show_factor(f, step) for f in factors)
        if abs(coefficient) != 1:
            product = f"{abs(coefficient)}·{product}"
        sign = "-" if coefficient < 0 else "+"
        pieces.append(
            (f"-{product}" if sign == "-" else product) if number == 0 else f" {sign} {product}"
        )
    right = "".join(pieces)
    if activation is not None:
        right = f"{activation}({right})"
    return f"{output}_{step} = {right}"


def _show_factor(factor: _Factor, step: str) -> str:
    name = factor.name
    if factor.step is not None:
        shown = show_index(factor.step)
        name += f"_{shown}" if len(shown) == 1 else f"_{{{shown}}}"
    elif factor.per_step:
        name += f"[{step}]"
    return name + ("ᵀ" if factor.transposed else "")


class _ShapeProblem(Exception):
    pass


def _to_index_form(
    layer: LayerSpec, step: sympy.Symbol, chains: list[tuple[sympy.Rational, list[_Factor]]]
) -> tuple[Access, tuple[Term, ...]]:
    """The index formula the vector form stands for; `_ShapeProblem` where shapes cannot fit.
    Where the layer's tokens are columns (`layout`: X is E×N, Q is K×N), `x_n` is column n of
    X and `q_n` column n of Q, so a vector's entries run down its tensor's first axis."""
    unit = index_symbol("k" if step.name != "k" else "j")
    summed = index_symbol("m" if step.name != "m" else "n")
    columns = tokens_as_columns(layer)
    feature_axis = 0 if columns else 1
    features = layer.output.shape[feature_axis]

    def entry(name: str, at: sympy.Expr, feature: sympy.Expr, start: int = 0) -> Access:
        """The entry of a vector at step (or token) `at`: x[at, feature], or x[feature, at]."""
        return Access(name, (feature, at) if columns else (at, feature), start)

    shapes: dict[str, tuple[sympy.Expr, ...]] = {}
    users: dict[str, str] = {}
    terms = []

    def use(factor: _Factor, shape: tuple[sympy.Expr, ...], what: str) -> None:
        known = shapes.setdefault(factor.name, shape)
        if len(known) != len(shape) or any(
            sympy.expand(a - b) != 0 for a, b in zip(known, shape, strict=True)
        ):
            raise _ShapeProblem(
                f"The shapes do not fit: {factor.name} is used for {users[factor.name]} and for "
                f"{what}, which would need it to be both "
                f"{'×'.join(show_index(s) for s in known)} and "
                f"{'×'.join(show_index(s) for s in shape)}; each needs its own matrix."
            )
        users.setdefault(factor.name, what)

    def indexed(factor: _Factor, indices: tuple[sympy.Expr, ...]) -> Access:
        return Access(factor.name, ((step,) if factor.per_step else ()) + indices, factor.start)

    for coefficient, factors in chains:
        vectors = [k for k, f in enumerate(factors) if f.step is not None]
        if len(vectors) > 1:
            raise _ShapeProblem(
                "The shapes do not fit: a term multiplies two vectors; each term is a matrix "
                "times one vector, or a bias."
            )
        if not vectors:
            if len(factors) > 1:
                raise _ShapeProblem(
                    "The shapes do not fit: a term multiplies matrices with no vector; the "
                    "shape of their product cannot be told. Each term is a matrix times one "
                    "vector, or a bias."
                )
            (bias,) = factors
            use(bias, (features,), "a bias")
            terms.append(Term(coefficient, (), (indexed(bias, (unit,)),)))
            continue
        (at,) = vectors
        vector = factors[at]
        tensor = layer.input_named(vector.name)
        assert tensor is not None
        shown = _show_factor(vector, step.name)
        width = tensor.shape[feature_axis]
        read = entry(tensor.name, vector.step, summed, vector.start)
        matrices = [f for f in factors if f.step is None]
        if not matrices:
            if sympy.expand(width - features) != 0:
                raise _ShapeProblem(
                    f"The shapes do not fit: {shown} has {show_index(width)} entries "
                    f"and {layer.output.name}_{step} has {show_index(features)}; a matrix "
                    f"must map one to the other."
                )
            read = entry(tensor.name, vector.step, unit, vector.start)
            terms.append(Term(coefficient, (), (read,)))
            continue
        if len(matrices) > 1:
            raise _ShapeProblem(
                f"The shapes do not fit: {shown} is multiplied by {len(matrices)} matrices; the "
                "shape between them cannot be told. Write one matrix per term, e.g. W x_t."
            )
        (matrix,) = matrices
        column = (at > 0) != matrix.transposed  # W x_t and (x_t^T W^T)ᵀ: W[k,m]
        pair = (unit, summed) if column else (summed, unit)
        use(matrix, (features, width) if pair[0] == unit else (width, features), shown)
        sums = (SumRange(summed, sympy.Integer(1), width),)
        terms.append(Term(coefficient, sums, (indexed(matrix, pair), read)))
    return entry(layer.output.name, step, unit), tuple(terms)


def read_vector_form(
    text: str, tokens: list[Token], sizes: Mapping[str, sympy.Symbol], layer: LayerSpec
) -> Formula:
    """The formula `tokens` (of `text`) write with vectors at a time step, with indices."""
    letter, activation, chains = VectorFormReader(text, tokens, sizes, layer).vector_formula()
    step = index_symbol(letter)
    reading = _describe(layer.output.name, letter, activation, chains)
    try:
        output, terms = _to_index_form(layer, step, chains)
    except _ShapeProblem as problem:
        unit = (index_symbol("k"), step) if tokens_as_columns(layer) else (step, index_symbol("k"))
        output = Access(layer.output.name, unit)
        return Formula(text, output, (), reading, str(problem), activation=activation)
    reading += ", read as " + describe_formula(output, terms, activation)
    return Formula(text, output, terms, reading, activation=activation)
