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

A layer over one input vector (x of shape [C], h of [D]) is read the same way without a step:
`h = \\tanh(Wx + b)` is h_k = tanh(Σ_m W[k,m] x_m + b_k), and `H = XW` is x as a row times W,
each with a note that it was read as the layer applied to the one input vector x.

Where the layer's tensors are not over time (one input, as a projection's tokens or a 1x1
convolution's positions), the letter after the output is a position, and is called so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import sympy

from grader.errors import AnswerError
from grader.kinds.formula.index_form import IndexFormReader
from grader.kinds.formula.inputs import has_time
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
    step: sympy.Expr | None  # an input's time step (t-1); None for a parameter or one vector
    transposed: bool
    per_step: bool  # a parameter with the time step in its subscript: one per step
    start: int
    vector: bool = False  # an input: a vector at a step, or the layer's one input vector


def is_one_vector(layer: LayerSpec) -> bool:
    """Whether the layer maps one input vector to one output vector: x of [C] to h of [D]."""
    return len(layer.output.shape) == 1 and all(len(t.shape) == 1 for t in layer.inputs)


def _step_word(layer: LayerSpec) -> str:
    """What the letter after the output stands for: a time step where several tensors run over
    time (a recurrent cell), else a position (a token, a pixel)."""
    return "time step" if len(layer.inputs) > 1 and has_time(layer) else "position"


def is_vector_form(tokens: list[Token], layer: LayerSpec) -> bool:
    """Whether the formula's left side is the output at one time step (`h_t =`, `h_{t} =`)
    of a layer whose tensors all have a time axis and one axis of features, or the output
    alone (`h =`, `H =`) of a layer over one input vector."""
    if any(t.kind in ("SUM", "MAX") for t in tokens):
        return False  # sums are written with indices: h_{t,k} = \sum_m …, told so if short of one
    tokens, _ = _without_output_transpose(tokens, layer)
    kinds = [t.kind for t in tokens[:6]]
    if is_one_vector(layer):
        return kinds[:2] == ["NAME", "="]
    if len(layer.output.shape) != 2 or any(len(t.shape) != 2 for t in layer.inputs):
        return False
    if kinds[:2] != ["NAME", "_"] or not same_name(tokens[0].text, layer.output.name):
        return False
    if kinds[2:4] == ["NAME", "="]:
        return len(tokens[2].text) == 1
    return kinds[2:5] == ["{", "NAME", "}"] and kinds[5:6] == ["="] and len(tokens[3].text) == 1


def _without_output_transpose(tokens: list[Token], layer: LayerSpec) -> tuple[list[Token], str]:
    """`tokens` without a transpose written on the output (`y_i^T =`, `h^T =`), and the output
    as written before it (`y_i`), or "" where there is none: a vector and its transpose hold the
    same entries, as `Q^T = …` is read for a matrix."""
    if not tokens or tokens[0].kind != "NAME":
        return tokens, ""
    at = 1
    if not is_one_vector(layer) and [t.kind for t in tokens[1:3]] == ["_", "NAME"]:
        at = 3
    elif not is_one_vector(layer) and [t.kind for t in tokens[1:5]] == ["_", "{", "NAME", "}"]:
        at = 5
    kinds = [t.kind for t in tokens[at : at + 5]]
    texts = [t.text for t in tokens[at : at + 5]]
    if kinds[:2] == ["'", "="]:
        length = 1
    elif kinds[:3] == ["^", "NAME", "="] and texts[1] == "T":
        length = 2
    elif kinds[:5] == ["^", "{", "NAME", "}", "="] and texts[2] == "T":
        length = 4
    else:
        return tokens, ""
    return [*tokens[:at], *tokens[at + length :]], "".join(t.text for t in tokens[:at])


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
        self.output_written = layer.output.name  # as the left side writes it: q for Q
        self.one_vector = is_one_vector(layer)
        self.step_word = _step_word(layer)
        self.round_steps: list[str] = []  # steps written in round brackets, `_(t-1)`, as written

    def vector_formula(
        self,
    ) -> tuple[str, str | None, list[tuple[sympy.Rational, list[_Factor]]]]:
        output = self.take("NAME")
        self.output_written = output.text
        if self.one_vector:
            if not same_name(output.text, self.layer.output.name):
                raise AnswerError(
                    self.text,
                    output.start,
                    f"the left side is {output.text}, but this layer's output is "
                    f"{self.layer.output.name}",
                    len(output.text),
                )
        else:
            self.take("_")
            braced = self.at("{")
            if braced:
                self.take("{")
            self.step_letter = self.letter(
                f"the {self.step_word}, e.g. {self.layer.output.name}_"
                + ("t" if self.step_word == "time step" else "n")
            ).text
            if braced:
                self.take("}")
        self.take("=", what="'='")
        activation = self.activation()
        before: list[tuple[sympy.Rational, list[_Factor]]] = []
        if activation is None:  # `b + tanh(Wx)`: the terms before it kept apart, as after it
            before, activation = self.before_activation(self.chains)
        chains = self.chains()
        if activation is not None:
            self.close_activation(activation)
            after = []
            if self.at("+", "-"):  # `tanh(Wx) + b`: read, the terms after it kept apart
                after = self.chains()
            self.after_activation = len(before) + len(after)
            chains += before + after
        if self.peek() is not None:
            raise self.error(self.peek(), "expected '+', '-' or the end of the formula")
        return self.step_letter, activation, chains

    def _output(self) -> str:
        """The output as the left side writes it: `h_t`, or `h` for one vector."""
        name = self.output_written
        return name if self.one_vector else f"{name}_{self.step_letter}"

    def _input(self) -> str:
        """The input as a term reads it: `x_t`, or `x` for one vector."""
        name = self.layer.input.name
        return name if self.one_vector else f"{name}_{self.step_letter}"

    def chains(self) -> list[tuple[sympy.Rational, list[_Factor]]]:
        return self.signed_products(
            self.factors, f"expected a vector such as {self._input()} or a matrix such as W"
        )

    def factors(self) -> list[_Factor]:
        """`W_x x_t`: a name's letters are factors (`Wx_t` is W times x_t); the last takes
        the subscript and a transpose (`^T`, `^{T}`, `^\\top`, `'`)."""
        name = self.take("NAME")
        if self.is_activation(name):
            raise self.misplaced_activation(name, self._output())
        found = [self.plain(letter, name.start + k) for k, letter in enumerate(name.text[:-1])]
        last = name.text[-1]
        start = name.start + len(name.text) - 1
        tensor = self.layer.input_named(last)
        if tensor is not None and self.one_vector:
            if self.at("_"):
                raise AnswerError(
                    self.text,
                    start,
                    f"{last} is one vector here ({show_index(tensor.shape[0])} values): write "
                    f"it without a subscript, e.g. W {tensor.name}",
                )
            factor = _Factor(tensor.name, None, False, False, start, vector=True)
        elif tensor is not None:
            if not self.at("_"):
                earlier = (
                    f" or {last}_{{{self.step_letter}-1}}" if self.step_word == "time step" else ""
                )
                raise AnswerError(
                    self.text,
                    start,
                    f"write {last} with its {self.step_word}, e.g. "
                    f"{last}_{self.step_letter}{earlier}",
                )
            self.take("_")
            step = self.step()
            factor = _Factor(tensor.name, step, False, False, start, vector=True)
        elif same_name(last, self.layer.output.name):
            raise AnswerError(
                self.text, start, f"the output {last} cannot also be read on the right side"
            )
        else:
            label, per_step = self.label() if self.at("_") else ("", False)
            factor = _Factor(last + label, None, False, per_step, start)
        if self.transpose():
            factor = replace(factor, transposed=True)
        return [*found, factor]

    def plain(self, letter: str, start: int) -> _Factor:
        tensor = self.layer.input_named(letter)
        if tensor is not None and self.one_vector:
            return _Factor(tensor.name, None, False, False, start, vector=True)  # `xW`
        if tensor is not None:
            raise AnswerError(
                self.text,
                start,
                f"write {letter} with its {self.step_word}, e.g. {letter}_{self.step_letter}",
            )
        return _Factor(letter, None, False, False, start)

    def step(self) -> sympy.Expr:
        """`_t`, `_{t-1}`: a time step (or position), made of its letter, sizes and numbers."""
        scope = {self.step_letter: index_symbol(self.step_letter)}
        if self.at("{"):
            self.take("{")
            value = self.index_expression(scope)
            self.take("}")
            return value
        if self.at("("):
            # `h_(t-1)`: brackets typed for the braces of `h_{t-1}`, read so with a note
            first = self.position
            value = self.index_atom(scope)
            last = self.tokens[self.position - 1]
            start = self.tokens[first].start
            self.round_steps.append(self.text[start : last.start + len(last.text)])
            return value
        if self.at("NUMBER"):
            return self.number()
        return self.resolve(self.letter(f"the {self.step_word}"), scope)

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
    after: int = 0,
) -> str:
    """`h_t = tanh(W_x·x_t + W_h·h_{t-1} + b)`, as written, each product with its sign; `h =
    tanh(W·x + b)` for one vector (no step); the last `after` products added after the
    activation (`h = tanh(W·x) + b`)."""
    pieces = []
    for number, (coefficient, factors) in enumerate(chains):
        product = "·".join(_show_factor(f, step) for f in factors)
        if abs(coefficient) != 1:
            product = f"{abs(coefficient)}·{product}"
        sign = "-" if coefficient < 0 else "+"
        pieces.append(
            (f"-{product}" if sign == "-" else product) if number == 0 else f" {sign} {product}"
        )
    inside = len(pieces) - after
    right = "".join(pieces[:inside])
    if activation is not None:
        right = f"{activation}({right})"
    right += "".join(pieces[inside:])
    return f"{output}_{step} = {right}" if step else f"{output} = {right}"


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
    layer: LayerSpec,
    step: sympy.Symbol | None,
    chains: list[tuple[sympy.Rational, list[_Factor]]],
) -> tuple[Access, tuple[Term, ...]]:
    """The index formula the vector form stands for; `_ShapeProblem` where shapes cannot fit.
    Where the layer's tokens are columns (`layout`: X is E×N, Q is K×N), `x_n` is column n of
    X and `q_n` column n of Q, so a vector's entries run down its tensor's first axis. A layer
    over one vector has no `step`: x and h are the vectors themselves."""
    letter = step.name if step is not None else ""
    unit = index_symbol("k" if letter != "k" else "j")
    summed = index_symbol("m" if letter != "m" else "n")
    columns = tokens_as_columns(layer)
    feature_axis = 0 if columns or step is None else 1
    features = layer.output.shape[feature_axis]
    output_shown = layer.output.name if step is None else f"{layer.output.name}_{step}"
    example = f"W {layer.input.name}" if step is None else "W x_t"

    def entry(name: str, at: sympy.Expr | None, feature: sympy.Expr, start: int = 0) -> Access:
        """The entry of a vector at step (or token) `at`: x[at, feature], or x[feature, at];
        x[feature] for the layer's one vector."""
        if at is None:
            return Access(name, (feature,), start)
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
        per_step = (step,) if factor.per_step and step is not None else ()
        return Access(factor.name, per_step + indices, factor.start)

    for coefficient, factors in chains:
        vectors = [k for k, f in enumerate(factors) if f.vector]
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
        shown = _show_factor(vector, letter)
        width = tensor.shape[feature_axis]
        read = entry(tensor.name, vector.step, summed, vector.start)
        matrices = [f for f in factors if not f.vector]
        if not matrices:
            if sympy.expand(width - features) != 0:
                raise _ShapeProblem(
                    f"The shapes do not fit: {shown} has {show_index(width)} entries "
                    f"and {output_shown} has {show_index(features)}; a matrix "
                    f"must map one to the other."
                )
            read = entry(tensor.name, vector.step, unit, vector.start)
            terms.append(Term(coefficient, (), (read,)))
            continue
        if len(matrices) > 1:
            raise _ShapeProblem(
                f"The shapes do not fit: {shown} is multiplied by {len(matrices)} matrices; the "
                f"shape between them cannot be told. Write one matrix per term, e.g. {example}."
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
    """The formula `tokens` (of `text`) write with vectors at a time step, with indices; for a
    layer over one vector, with a note that it was read as that layer applied to x."""
    tokens, transposed = _without_output_transpose(tokens, layer)
    reader = VectorFormReader(text, tokens, sizes, layer)
    letter, activation, chains = reader.vector_formula()
    after = reader.after_activation
    step = index_symbol(letter) if letter else None
    reading = _describe(layer.output.name, letter, activation, chains, after)
    notes = _one_vector_notes(text, tokens, layer, chains) if step is None else ()
    notes = (*notes, *reader.notes)  # `b + tanh(Wx)`: how the terms before tanh were read
    for written in dict.fromkeys(reader.round_steps):
        notes = (
            *notes,
            f"read _{written} as _{{{written[1:-1]}}}: a {reader.step_word} in round brackets",
        )
    if transposed:
        notes = (
            f"read {transposed}ᵀ on the left as {transposed}: a vector and its transpose hold "
            "the same entries",
            *notes,
        )
    try:
        output, terms = _to_index_form(layer, step, chains)
    except _ShapeProblem as problem:
        if step is None:
            unit: tuple[sympy.Expr, ...] = (index_symbol("k"),)
        elif tokens_as_columns(layer):
            unit = (index_symbol("k"), step)
        else:
            unit = (step, index_symbol("k"))
        output = Access(layer.output.name, unit)
        return Formula(
            text, output, (), reading, str(problem), activation=activation, assumed=notes
        )
    reading += ", read as " + describe_formula(output, terms, activation, None, after)
    return Formula(
        text,
        output,
        terms,
        reading,
        activation=activation,
        after_activation=after,
        assumed=notes,
    )


def _one_vector_notes(
    text: str,
    tokens: list[Token],
    layer: LayerSpec,
    chains: list[tuple[sympy.Rational, list[_Factor]]],
) -> tuple[str, ...]:
    """What reading `h = tanh(Wx + b)` (or `H = XW`) for a layer over one vector assumed: that
    it is the layer applied to the one input vector x, with x a row where a matrix follows it."""
    x, h = layer.input, layer.output
    note = (
        f"read as the layer applied to one input vector {x.name} "
        f"({show_index(x.shape[0])} values), giving {h.name} ({show_index(h.shape[0])} values)"
    )
    written = {text[tokens[0].start : tokens[0].start + len(h.name)]} | {
        text[f.start : f.start + len(x.name)] for _, factors in chains for f in factors if f.vector
    }
    capitals = sorted(w for w in written if w not in (x.name, h.name))
    if capitals:
        note += ", reading " + " and ".join(
            f"{c} as {x.name if same_name(c, x.name) else h.name}" for c in capitals
        )
    if any(
        not f.vector and not f.transposed and k > 0 and factors[k - 1].vector
        for _, factors in chains
        for k, f in enumerate(factors)
    ):
        note += f", with {x.name} as a row before a matrix"
    return (note, *_lower_case_matrix_notes(layer, chains))


def _lower_case_matrix_notes(
    layer: LayerSpec, chains: list[tuple[sympy.Rational, list[_Factor]]]
) -> tuple[str, ...]:
    """How a lower-case weight that multiplies the input vector (`h = tanh(wᵀx + b)`) was
    read: as the matrix the product needs, said so, since a lower-case w is as often a vector,
    which would give every output the same weighted sum (probe5 F-f)."""
    x, h = layer.input, layer.output
    notes = []
    for _, factors in chains:
        for k, f in enumerate(factors):
            if f.vector or not f.name[:1].islower() or not any(g.vector for g in factors):
                continue
            before = any(g.vector for g in factors[k + 1 :])  # w x: rows are the outputs
            used = (h.shape[0], x.shape[0]) if before else (x.shape[0], h.shape[0])
            rows, cols = used[::-1] if f.transposed else used
            notes.append(
                f"read {f.name} as a {show_index(rows)}×{show_index(cols)} matrix, as your "
                f"formula uses it, not as a vector (a vector {f.name} would give every entry "
                f"of {h.name} the same weighted sum)"
            )
    return tuple(dict.fromkeys(notes))
