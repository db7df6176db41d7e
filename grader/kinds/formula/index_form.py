"""Read a layer formula in index notation, safely:

    y_{i,j,k} = \\sum_{u=-1}^{1}\\sum_{v=-1}^{1}\\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k

by our own recursive descent over the tokens (`grader.kinds.formula.terms`), into a `Formula`
checked against the declared tensors, with every sum's range filled in. Index expressions are
sympy objects built from our own tree, never from text.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import sympy

from grader.errors import AnswerError, AnswerTooLargeError
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.terms import (
    ACTIVATIONS,
    MAX_TERMS,
    Access,
    Formula,
    LayerSpec,
    SumRange,
    TensorSpec,
    Term,
    Token,
    TokenReader,
    counted,
    describe_formula,
    index_symbol,
    plain_text,
    same_name,
    show_index,
)

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
    if not renaming:  # as most products are: b's sums and factors as they are
        return _Flat(a.coefficient * b.coefficient, a.sums + b.sums, a.factors + b.factors)
    sums = tuple(SumRange(renaming.get(s.variable, s.variable), s.low, s.high) for s in b.sums)
    factors = tuple(
        Access(f.name, tuple(i.xreplace(renaming) for i in f.indices), f.start, f.end)
        for f in b.factors
    )
    return _Flat(a.coefficient * b.coefficient, a.sums + sums, a.factors + factors)


def _multiply(left: list[_Flat], right: list[_Flat]) -> list[_Flat]:
    return [_product_term(a, b) for a in left for b in right]


@lru_cache(maxsize=16)
def _letters_besides(sizes: tuple[str, ...]) -> dict[str, sympy.Symbol]:
    """Every letter that is not one of `sizes`, each as its index symbol: what may name an
    output's index, or stand in a condition. One dict for a question's sizes, read and never
    changed by its readers (made for every answer, it was a tenth of reading the output)."""
    return {k: v for k, v in _ANY_INDEX.items() if k not in sizes}


def _rounds_an_index(expr: sympy.Expr, sizes: set[sympy.Symbol]) -> bool:
    if expr.is_Atom:  # a letter or a number, as most indices are: nothing rounded inside
        return False
    return any(atom.free_symbols - sizes for atom in expr.atoms(sympy.floor, sympy.ceiling))


def _linear(expr: sympy.Expr, indices: set[sympy.Symbol]) -> bool:
    """Whether `expr` is linear in `indices`, a floor or ceiling of indices counting as one."""
    rounded = {
        atom: sympy.Dummy()
        for atom in expr.atoms(sympy.floor, sympy.ceiling)
        if atom.free_symbols & indices
    }
    flat = sympy.expand(expr.xreplace(rounded))
    variables = (flat.free_symbols & indices) | set(rounded.values())
    for term in sympy.Add.make_args(flat):
        degree = 0
        for factor in sympy.Mul.make_args(term):
            base, exponent = factor.as_base_exp()
            if base.free_symbols & variables:
                if base not in variables or not exponent.is_Integer or exponent < 0:
                    return False
                degree += int(exponent)
        if degree > 1:
            return False
    return True


class IndexFormReader(TokenReader):
    """The rules of the index form: indices, sums, tensor entries and conditions."""

    def __init__(
        self,
        original: str,
        tokens: list[Token],
        sizes: Mapping[str, sympy.Symbol],
        tensors: tuple[str, ...] = (),
        channel_last: tuple[str, int] | None = None,
        matrix_input: str | None = None,
        vector_input: str | None = None,
        named: tuple[str, ...] = (),
        read_entry: Callable[..., Formula] | None = None,
    ):
        super().__init__(original, tokens, sizes)
        # How a bracket's tokens are read as a formula of their own (`W_Q X`, as `q = W_Q X`):
        # `(W_Q X)_{k,n}` at the output's indices is that formula's entry (`entry_of_formula`).
        self.read_entry = read_entry
        self.output_indices: tuple[sympy.Expr, ...] = ()
        # The matrices those brackets' formulas name, with their shapes: held to the question's
        # as a matrix form's are (`held_to_reference`), so that `(XA)_{n,k}` for W_Q is a
        # person's as `Q = XA + b_Q` is.
        self.entry_shapes: list[tuple[str, sympy.Expr, sympy.Expr]] = []
        self.vector_entries = False  # `(x_n A)_k`: likewise, as `q_n = x_n A` is
        # The question's parameters whose names have a subscript (rnn-q1's W_x and W_h, from
        # the reference): `W_{x,k,e}` is W_x's entry (k, e) where x is no index in scope.
        self.named = named
        # The one input's name where it is a matrix (X, N×E): `(XW_Q)_{n,k}` is an entry of XW_Q.
        self.matrix_input = matrix_input
        # The one input's name where it is a vector (x, C values): `w_k^T x` is Σ_l w_{k,l} x_l.
        self.vector_input = vector_input
        # The layer's inputs and output (any case): a superscript on them is no index, except
        # the channel of the one input where it is its last axis (`channel_last`).
        self.tensors = frozenset(name.casefold() for name in tensors)
        # The one input's name and rank where its channel is its last axis (x of [P, Q, C]):
        # x^{(l)}_{i,j}, the channel map l at (i, j), is x_{i,j,l}.
        self.channel_last = channel_last
        self.bounds: dict[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]] = {}  # from conditions
        self.notes: list[str] = []  # how what was written was read, for the student
        self.in_bound = False  # reading a sum's range: an unknown letter is a size misnamed
        # A minus sign inside a max (`\max_u (-x_{…})`): it cannot leave the max, whose largest
        # negated input is minus the smallest input, max(-x) = -min(x).
        self.negated_in_max = False
        # The entries of a max over a list that fill no whole window, read as they are: the
        # formula's terms are then these entries, its max taken over them.
        self.listed = 0
        # How many terms, the last ones read, are added after the activation's bracket
        # (`h = tanh(Wx) + b`: 1), outside it.
        self.after_activation = 0
        self.output_written = ""  # the output as the left side writes it (`h_k`)

    # Index expressions: sums of indices, sizes and numbers.

    def resolve(self, token: Token, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        """A letter in an index (or in a sum's range, `bound_expression`): an index in scope,
        else a size of the question."""
        name = token.text
        if name in scope:
            return scope[name]
        if name in self.sizes:
            return self.sizes[name]
        known = sorted(scope)
        indices = f"the indices here are {', '.join(known) or 'none'}"
        hint = next((f"; did you mean {k}?" for k in known if k.lower() == name.lower()), "")
        if self.in_bound:
            sizes = ", ".join(sorted(self.sizes)) or "none"
            hint = next(
                (f"; did you mean {k}?" for k in sorted(self.sizes) if k.lower() == name.lower()),
                hint,
            )
            raise AnswerError(
                self.text,
                token.start,
                f"unknown {name} in the range of a sum: it is not a size of this question "
                f"(the sizes are {sizes}) and not an index ({indices}){hint}",
            )
        raise AnswerError(
            self.text,
            token.start,
            f"unknown index {name}: it is not an index of the output and no sum introduces it "
            f"({indices}){hint}",
        )

    def bound_expression(self, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        """A sum's start or end: sizes and numbers, or an output index where the window moves
        with it (`\\sum_{m=i-1}^{i+1}`)."""
        self.in_bound = True
        try:
            return self.index_expression(scope)
        finally:
            self.in_bound = False

    def index_expression(self, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        sign = -1 if self.at("-") else 1
        if self.at("+", "-"):
            self.take()
        first = self.index_product(scope)
        if sign == 1 and first.is_Symbol and not self.at("+", "-"):
            return first  # one letter, as most indices are: nothing to expand
        total = sign * first
        while self.at("+", "-"):
            sign = -1 if self.take().kind == "-" else 1
            total += sign * self.index_product(scope)
        return sympy.expand(total)

    def index_product(self, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        """A product of atoms, each possibly divided by sizes or numbers: `(g-1)C/G`,
        `(K-1)/2`; the result is exact (a rational in the sizes) and linear in the indices,
        except inside a floor or a ceiling."""
        first = self.peek()
        result = self.index_atom(scope)
        while self.at("NAME", "NUMBER", "(", "*", "/", "⌊", "⌈", "÷"):
            if self.at("/"):
                slash = self.take("/")
                result = result / self.divisor(self.index_atom(scope), slash)
                continue
            if self.at("*"):
                self.take("*")
            result *= self.index_atom(scope)
        indices = result.free_symbols - self.size_symbols
        if indices and not result.is_Symbol and not _linear(result, indices):
            raise AnswerError(
                self.text,
                first.start if first else 0,
                "an index must be a sum of indices, sizes and numbers, not a product of indices",
            )
        return result

    def divisor(self, value: sympy.Expr, at: Token) -> sympy.Expr:
        """What an index may be divided by: sizes and numbers, not indices, not zero."""
        if value.free_symbols - self.size_symbols:
            raise AnswerError(
                self.text,
                at.start,
                "an index can be divided by sizes and numbers, not by an index; round it "
                "with \\lfloor ... \\rfloor where a position is meant, e.g. \\lfloor i/2 \\rfloor",
            )
        if value == 0:
            raise AnswerError(self.text, at.start, "division by zero")
        return value

    def index_atom(self, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr:
        token = self.peek()
        if self.at("NUMBER"):
            return self.number()
        if self.at("(", "{"):
            close = ")" if self.take().kind == "(" else "}"
            inner = self.index_expression(scope)
            self.take(close)
            return inner
        if self.at("⌊", "⌈"):
            opening = self.take()
            inner = self.index_expression(scope)
            self.take("⌋" if opening.kind == "⌊" else "⌉")
            return sympy.floor(inner) if opening.kind == "⌊" else sympy.ceiling(inner)
        if self.at("÷"):  # \frac{a}{b}
            self.take("÷")
            self.take("{", what="'{' after \\frac")
            numerator = self.index_expression(scope)
            self.take("}")
            opening = self.take("{", what="the denominator of \\frac in '{...}'")
            denominator = self.index_expression(scope)
            self.take("}")
            return numerator / self.divisor(denominator, opening)
        if (
            token is not None
            and token.kind == "NAME"
            and token.text in ("floor", "ceil", "ceiling")
            and (after := self.peek(1)) is not None
            and after.kind == "("
        ):
            self.position += 2
            inner = self.index_expression(scope)
            self.take(")")
            return sympy.floor(inner) if token.text == "floor" else sympy.ceiling(inner)
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
        listed = self.letters_listed(scope, end)
        if listed is not None:
            return listed
        indices = [self.index_expression(scope)]
        while self.at(","):
            self.take(",")
            indices.append(self.index_expression(scope))
        if not self.at(close):
            raise self.error(self.peek(), f"expected ',' or '{close}'")
        return indices

    def letters_listed(
        self, scope: Mapping[str, sympy.Symbol], end: int
    ) -> list[sympy.Expr] | None:
        """`i,j,k` up to the token at `end`, one letter each between commas, as most subscripts
        are: each letter's index, all taken, where each is a letter of its own in scope (a sum's
        variable, an output's letter) or a size; None, nothing taken, for any other list
        (`index_expression` reads it, and reads such a list alike, one letter at a time)."""
        run = self.tokens[self.position : end]
        letters = run[::2]
        if not (
            len(run) % 2
            and all(t.kind == "NAME" and len(t.text) == 1 for t in letters)
            and all(t.kind == "," for t in run[1::2])
        ):
            return None
        indices = [self.resolve(token, scope) for token in letters]
        if not all(index.is_Symbol for index in indices):  # `u` as `2u'` in a spaced sum
            return None
        self.position = end
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
        if name.text.casefold() in ACTIVATIONS and self.at("("):  # `\\tanh(Wx + b)_k` alone
            raise AnswerError(
                self.text,
                name.start,
                f"expected the output before {name.text}(…), e.g. y_{{i,k}} = {name.text}(…): "
                "a right side alone is not read",
                len(name.text),
            )
        indices = self.subscript(_letters_besides(tuple(self.sizes)))
        if indices is None:
            raise self.error(
                self.peek(), f"expected the indices of {name.text}, e.g. {name.text}_{{i,k}}"
            )
        letters = [i.free_symbols - self.size_symbols for i in indices]
        if (
            not all(letters)
            or sum(map(len, letters)) != len(set().union(*letters))
            or any(_rounds_an_index(i, self.size_symbols) for i in indices)
        ):
            raise AnswerError(
                self.text,
                name.end,
                "the output's indices must be distinct letters, e.g. y_{i,j,k}, or sums of "
                "their own letters such as y_{i,j,(g-1)D/G+n}",
            )
        return Access(name.text, tuple(indices), name.start, self.tokens[self.position - 1].end)

    def index_formula(self) -> tuple[Access, list[_Flat], str | None]:
        output = self.output()
        self.output_written = self.text[output.start : output.end]
        self.output_indices = output.indices
        self.take("=", what="'=' after the output")
        scope = {
            plain_text(letter): letter
            for index in output.indices
            for letter in index.free_symbols - self.size_symbols
        }
        activation = self.activation()
        before: list[_Flat] = []
        if activation is None:  # `b_k + tanh(…)`: the terms before it kept apart, as after it
            before, activation = self.before_activation(lambda: self.expression(scope))
        terms = self.expression(scope)
        if activation is not None:
            self.close_activation(activation)
            after = []
            if self.at("+", "-"):  # `tanh(…) + b_k`: read, the terms after it kept apart
                after = self.expression(scope)
            self.after_activation = len(before) + len(after)
            terms += before + after
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
        return output, terms, activation

    def before_activation(self, read: Callable[[], list]) -> tuple[list, str | None]:
        """`h = b + tanh(Wx)`: the terms written before an activation that is added to them at
        the top level of the right side, read with `read` (a signed sum of terms), and the
        activation, its `+` and `(` taken; the terms are added outside it, as `tanh(Wx) + b`'s
        are, said in a note. ([], None), nothing taken, where the right side does not go so."""
        depth, plus = 0, None
        for at in range(self.position, len(self.tokens) - 2):
            token = self.tokens[at]
            depth += (token.kind in ("(", "{", "[")) - (token.kind in (")", "}", "]"))
            name, bracket = self.tokens[at + 1], self.tokens[at + 2]
            if (
                depth == 0
                and token.kind == "+"
                and name.kind == "NAME"
                and bracket.kind == "("
                and name.text.casefold() in ACTIVATIONS
            ):
                plus = at
                break
        if plus is None or plus == self.position:
            return [], None
        start, end = self.tokens[self.position].start, self.tokens[plus].start
        rest, self.tokens = self.tokens[plus:], self.tokens[:plus]
        try:
            before = read()
        finally:
            self.tokens = self.tokens + rest  # reading may split a token before the `+`
        self.take("+", what="'+' before the activation")
        activation = self.activation()
        written = self.text[start:end].strip()
        self.notes.append(
            f"read {written} + {activation}(…) as {activation}(…) "
            f"{'' if written.startswith('-') else '+ '}{written}: the same sum, {written} "
            f"added outside {activation}(…)"
        )
        return before, activation

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
        before_max: list[_Flat] | None = None  # the product before the first max
        while (token := self.peek()) is not None:
            if token.kind == "MAX" and self.at_list():
                listed, entries = self.max_list(scope)
                sums.extend(listed)
                product = _multiply(product, entries)
            elif token.kind in ("SUM", "MAX"):
                if token.kind == "MAX" and before_max is None:
                    before_max = product
                sums.extend(self.sum_prefix(scope))
            elif token.kind == "NAME":
                last = self.access(scope)
                product = _multiply(product, [_Flat(sympy.Integer(1), (), (last,))])
                if self.at("^"):
                    row = self.row_times_input(last, scope)
                    if row is not None:  # w_k^T x: Σ_l w_{k,l} x_l
                        inner, entries = row
                        sums.append(inner)
                        product = [
                            _Flat(t.coefficient, t.sums, (*t.factors[:-1], *entries))
                            for t in product
                        ]
            elif token.kind == "NUMBER":
                product = _multiply(product, [_Flat(self.number())])
            elif token.kind == "(" and self.bracketed_matrix():
                inner, entries = self.matrix_entry(scope)
                sums.extend(inner)
                product = _multiply(product, [_Flat(sympy.Integer(1), (), entries)])
            elif token.kind == "(" and (entry := self.entry_of_formula(scope)) is not None:
                product = _multiply(product, entry)
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
                if not self.at("NAME", "NUMBER", "SUM", "MAX", "(", "["):
                    raise self.error(self.peek(), "expected a factor after '*'")
                continue
            elif token.kind == "^":
                after = [t.text if t else "" for t in (self.peek(k) for k in range(1, 4))]
                if after[0][:1] == "T" or after[:3] == ["{", "T", "}"]:  # ^T, ^{T}, ^\top
                    raise AnswerError(
                        self.text,
                        token.start,
                        "a transpose (^T) is not read here: in a formula with indices, write "
                        "the product as a sum over its index",
                    )
                raise AnswerError(
                    self.text,
                    token.start,
                    "a power is not part of a layer formula: each term is a weight times an "
                    "input, or a bias",
                )
            elif token.kind == "÷":
                # \frac{1}{2}, a coefficient; or terms over a number, the mean of a window:
                # \frac{\sum_{u}\sum_{v} x_{2i+u,2j+v,k}}{4}.
                self.take("÷")
                self.take("{", what="'{' after \\frac")
                numerator = self.expression(scope)
                close = self.take("}") if self.at("}") else None
                opening = self.take("{") if close is not None and self.at("{") else None
                denominator = self.number() if opening is not None and self.at("NUMBER") else None
                if denominator is None or not self.at("}"):
                    raise AnswerError(
                        self.text,
                        token.start,
                        "in a term, \\frac divides by a number, e.g. \\frac{1}{2} w_{l,k} x_{i,l} "
                        "or \\frac{x_{i,1} + x_{i,2}}{2}",
                    )
                self.take("}")
                if denominator == 0:
                    raise AnswerError(self.text, token.start, "division by zero")
                product = _multiply(
                    product,
                    [_Flat(t.coefficient / denominator, t.sums, t.factors) for t in numerator],
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
        if before_max is not None and len(before_max) == len(product) == 1:
            inside = product[0].coefficient / before_max[0].coefficient
            self.negated_in_max |= bool(inside < 0)
        return [_product_term(_Flat(sympy.Integer(1), tuple(sums)), t) for t in product]

    def row_times_input(
        self, weight: Access, scope: Mapping[str, sympy.Symbol]
    ) -> tuple[SumRange, tuple[Access, Access]] | None:
        """`w_k^T x` (or `w_k^Tx`) after a weight `w_k`, where the layer's one input x is a
        vector written bare: the weights w_k of output k, transposed, times x, the sum over a
        new letter l of w_{k,l} x_l (its range from x's axis), said in a note; None (nothing
        taken) for anything else after the '^'."""
        if self.vector_input is None or not weight.indices:
            return None
        if same_name(weight.name, self.vector_input) or weight.name.casefold() in self.tensors:
            return None
        kinds = [t.kind if t else "" for t in (self.peek(k) for k in range(6))]
        texts = [t.text if t else "" for t in (self.peek(k) for k in range(6))]
        if texts[1:4] == ["{", "T", "}"] and kinds[4] == "NAME":
            if not same_name(texts[4], self.vector_input):
                return None
            length = 5
        elif kinds[1:2] != ["NAME"]:
            return None
        elif texts[1] == "T" and kinds[2] == "NAME" and same_name(texts[2], self.vector_input):
            length = 3
        elif texts[1][:1] == "T" and same_name(texts[1][1:], self.vector_input):
            length = 2
        else:
            return None
        if kinds[length : length + 1] in (["_"], ["^"], ["("], ["["]):
            return None  # x with indices of its own, or more after it: not this
        taken = [self.take() for _ in range(length)]
        letter = self.fresh_letter(scope)
        inner = index_symbol(letter)
        shown = ",".join(show_index(index) for index in weight.indices)
        name = self.text[weight.start : taken[-1].end]
        self.notes.append(
            f"read {name} as the sum over {letter} of {weight.name}_{{{shown},{letter}}} "
            f"{self.vector_input}_{letter}: the weights {weight.name}_{shown} of output "
            f"{shown}, transposed, times {self.vector_input}"
        )
        return (
            SumRange(inner, None, None),
            (  # type: ignore[arg-type]
                replace(weight, indices=(*weight.indices, inner)),
                Access(
                    taken[-1].text[-len(self.vector_input) :],
                    (inner,),
                    taken[-1].start,
                    taken[-1].end,
                ),
            ),
        )

    def at_list(self) -> bool:
        after = self.peek(1)
        return after is not None and after.kind in ("{", "(")

    def max_list(self, scope: dict[str, sympy.Symbol]) -> tuple[list[SumRange], list[_Flat]]:
        """`\\max\\{x_{2i,2j,k}, x_{2i+1,2j,k}, x_{2i,2j+1,k}, x_{2i+1,2j+1,k}\\}`: the
        entries of one window of the input, each position once, read as the max over the
        window (`\\max_{u=0}^{1}\\max_{v=0}^{1} x_{2i+u,2j+v,k}`) with a note. Entries of the
        input each once that fill no whole window (`\\max\\{x_{2i,2j,k}, x_{2i+1,2j,k},
        x_{2i,2j+1,k}\\}`) are read as they are, the max of those entries (`listed`)."""
        word = self.take("MAX")
        close = "}" if self.take().kind == "{" else ")"
        entries: list[Access] = []
        while True:
            flats = self.expression(scope)
            if len(flats) != 1 or flats[0].sums or len(flats[0].factors) != 1:
                raise self._not_a_window(word)
            if flats[0].coefficient != 1:
                raise self._not_a_window(word)
            entries.append(flats[0].factors[0])
            if not self.at(","):
                break
            self.take(",")
        end = self.take(close)
        first = entries[0]
        offsets = []
        for entry in entries:
            if entry.name != first.name or len(entry.indices) != len(first.indices):
                raise self._not_a_window(word)
            moved = [sympy.expand(a - b) for a, b in zip(entry.indices, first.indices, strict=True)]
            if not all(m.is_Integer for m in moved):
                offsets = None  # entries at no fixed steps from one another: no window
                break
            offsets.append(tuple(int(m) for m in moved))
        written = [tuple(sympy.expand(i) for i in entry.indices) for entry in entries]
        if len(set(written)) != len(written):
            raise self._not_a_window(word)
        if len(entries) == 1:  # `\max\{x_{2i,2j,k}\}`: the max of one input is that input
            self.notes.append(
                f"read the {word.text} of one entry of {first.name} as that entry: "
                f"{first.name}_{{{','.join(show_index(i) for i in first.indices)}}}"
            )
        axes = [sorted({o[axis] for o in offsets or ()}) for axis in range(len(first.indices))]
        box = {()}  # every position of the window that the axes' offsets span
        for values in axes if offsets is not None else ():
            box = {(*p, v) for p in box for v in range(values[0], values[-1] + 1)}
        if offsets is None or set(offsets) != box or len(entries) == 1:  # the entries as they are
            self.listed += len(entries)
            return [], [_Flat(sympy.Integer(1), (), (entry,)) for entry in entries]
        ranges: list[SumRange] = []
        indices = []
        for index, values in zip(first.indices, axes, strict=True):
            if len(values) == 1:
                indices.append(index)
                continue
            letter = index_symbol(
                self.fresh_letter({**scope, **{str(r.variable): r.variable for r in ranges}})
            )
            ranges.append(SumRange(letter, sympy.Integer(0), sympy.Integer(values[-1] - values[0])))
            indices.append(sympy.expand(index + values[0] + letter))
        window = Access(first.name, tuple(indices), word.start, end.end)
        shown = ", ".join(
            f"{r.variable} = {show_index(r.low)}..{show_index(r.high)}" for r in ranges
        )
        self.notes.append(
            f"read the {word.text} of the {len(entries)} entries of {first.name} as the "
            f"{word.text} over its "
            f"window, {shown}: {first.name}_{{{','.join(show_index(i) for i in indices)}}}"
        )
        return ranges, [_Flat(sympy.Integer(1), (), (window,))]

    def _not_a_window(self, word: Token) -> AnswerError:
        """The message for a list that is no window of the input: the notation shown on
        another window than any pooling's here (three entries along the first axis, moving by
        1), never the item's own (it quoted 2x2 stride-2 max pooling, an answer)."""
        name, rank = self.channel_last or ("x", 3)  # the input, where the reader knows it
        rest = ["j", "k"][-(rank - 1) :] if rank > 1 else []

        def entry(first: str) -> str:
            return f"{name}_{{{','.join([first, *rest])}}}"

        entries = ", ".join(entry(i) for i in ("i", "i+1", "i+2"))
        return AnswerError(
            self.text,
            word.start,
            f"a {word.text} over a list is read where the list holds entries of the input, each "
            f"position once, e.g. \\{word.text}\\{{{entries}\\}}; or write the window with its "
            f"ranges, e.g. \\{word.text}_{{u=0}}^{{2}} {entry('i+u')} (both examples of "
            "another window)",
            len(word.text),
        )

    def sum_prefix(self, scope: dict[str, sympy.Symbol]) -> list[SumRange]:
        """`\\sum_{l=1}^{C}`, `\\sum_{u=-1}^1`, `sum_(l=1)^C`, or `\\sum_l` and `\\max_{u,v}`
        (ranges inferred: from the input's axis, or from the question's window)."""
        sum_token = self.take("SUM", "MAX")
        self.take("_", what="'_' and the index of the sum, e.g. \\sum_{l=1}^{C}")
        low = high = None
        if self.at("{", "("):
            close = "}" if self.take().kind == "{" else ")"
            if not self.at("NAME"):  # \max_{0 \le u,v \le 1}: the range around the letters
                # and `\max_{0 \le u < 2, 0 \le v < 2}`: one range after another
                ranges: list[SumRange] = []
                while True:
                    low, tokens, high = self.compared_range(scope, sum_token)
                    ranges += self.new_sums(tokens, low, high, sum_token, scope)
                    if not self.at(","):
                        break
                    self.take(",")
                self.take(close)
                return ranges
            tokens = [self.letter("the index of the sum")]
            while self.at(",", "NAME"):  # \max_{u,v} or \max_{uv}: several
                if self.at(","):
                    self.take(",")
                tokens.append(self.letter("the index of the sum"))
            if self.at("="):  # \sum_{u,v=-1}^{1}: one sum for each, with the same range
                self.take("=")
                low = self.bound_expression(scope)
            elif self.at("∈"):  # \max_{u,v \in \{0,1\}}
                ranges = []
                while True:
                    low, high, step = self.set_range(scope, sum_token)
                    if step != 1:  # \max_{u,v \in \{0,2\}}: every other position
                        ranges += [
                            self.spaced_sum(t, low, high, step, sum_token, scope) for t in tokens
                        ]
                    else:
                        ranges += self.new_sums(tokens, low, high, sum_token, scope)
                    if not self.at(","):
                        break
                    # \max_{u \in \{0,2\}, v \in \{0,1\}}: one set after another
                    self.take(",")
                    tokens = [self.letter("the index of the sum")]
                    while self.at(",", "NAME"):
                        if self.at(","):
                            self.take(",")
                        tokens.append(self.letter("the index of the sum"))
                self.take(close)
                return ranges
            self.take(close)
        else:
            tokens = [self.letter("the index of the sum")]
        high = self.sum_end(scope)
        return self.new_sums(tokens, low, high, sum_token, scope)

    def new_sums(
        self,
        tokens: list[Token],
        low: sympy.Expr | None,
        high: sympy.Expr | None,
        sum_token: Token,
        scope: dict[str, sympy.Symbol],
    ) -> list[SumRange]:
        """One sum for each letter of `tokens`, with the same range; a note where several."""
        ranges = [self.new_sum_index(t, low, high, sum_token, scope) for t in tokens]
        if len(tokens) > 1 and low is not None and high is not None:
            word = sum_token.text if sum_token.kind == "MAX" else "sum"
            letters = ", ".join(t.text for t in tokens)
            each = ", ".join(f"{t.text} = {show_index(low)}..{show_index(high)}" for t in tokens)
            self.notes.append(f"read the {word} over {letters} as one {word} over each: {each}")
        return ranges

    def compared_range(
        self, scope: Mapping[str, sympy.Symbol], sum_token: Token
    ) -> tuple[sympy.Expr, list[Token], sympy.Expr]:
        """`0 \\le u,v \\le 1` or `1 \\le l < C+1` under a sum or a max: its start, letters and
        end; written from its end down (`2 > u \\ge 0`), the same range."""
        low = self.bound_expression(scope)
        first = self.take("REL", what="a comparison such as 0 ≤ u ≤ 1")
        tokens = [self.letter("the index of the sum")]
        while self.at(",", "NAME"):
            if self.at(","):
                self.take(",")
            tokens.append(self.letter("the index of the sum"))
        second = self.take("REL", what="a comparison such as 0 ≤ u ≤ 1")
        high = self.bound_expression(scope)
        relations = (first.text.strip(), second.text.strip())
        if all(r in "≥>" for r in relations):  # 2 > u \ge 0: 0 ≤ u < 2, from its end down
            low, high = high, low
            relations = ("<" if relations[1] == ">" else "≤", "<" if relations[0] == ">" else "≤")
        if not all(r in "≤<" for r in relations):
            under = "a max" if sum_token.kind == "MAX" else "a sum"
            raise AnswerError(
                self.text,
                first.start,
                f"write the range under {under} from its start up to its end, e.g. "
                f"\\{'max' if sum_token.kind == 'MAX' else 'sum'}_{{0 \\le u \\le 1}}",
            )
        return (
            low + (1 if relations[0] == "<" else 0),
            tokens,
            high - (1 if relations[1] == "<" else 0),
        )

    def set_range(
        self, scope: Mapping[str, sympy.Symbol], sum_token: Token
    ) -> tuple[sympy.Expr, sympy.Expr, int]:
        """`\\in \\{0,1\\}` or `\\in \\{1, \\ldots, C\\}` under a sum: a range of consecutive
        whole numbers, its start, end and step 1; or whole numbers at one step from one another
        (`\\in \\{0,2\\}`), their first, last and step."""
        member = self.take("∈")
        self.take("{", what="'\\{' and the values, e.g. u \\in \\{0, 1\\}")
        values: list[sympy.Expr] = []
        dots = False
        while True:
            if self.at("…"):
                self.take("…")
                dots = True
            else:
                values.append(self.bound_expression(scope))
            if not self.at(","):
                break
            self.take(",")
        self.take("}")
        if dots and len(values) >= 2:
            return values[0], values[-1], 1
        numbers = sorted(int(v) for v in values if v.is_Integer)
        step = numbers[1] - numbers[0] if len(numbers) > 1 else 1
        if (
            not numbers
            or dots
            or len(numbers) != len(values)
            or step < 1
            or numbers != list(range(numbers[0], numbers[0] + step * len(numbers), step))
        ):
            raise AnswerError(
                self.text,
                member.start,
                f"a {sum_token.text if sum_token.kind == 'MAX' else 'sum'} over a set runs "
                "over consecutive whole numbers: write them all, e.g. "
                "u \\in \\{0, 1\\}, or the first and the last, e.g. l \\in \\{1, \\ldots, C\\}",
            )
        return sympy.Integer(numbers[0]), sympy.Integer(numbers[-1]), step

    def spaced_sum(
        self,
        token: Token,
        low: sympy.Expr,
        high: sympy.Expr,
        step: int,
        sum_token: Token,
        scope: dict[str, sympy.Symbol],
    ) -> SumRange:
        """`\\max_{u \\in \\{0,2\\}}`: whole numbers at one step from one another, as a
        marker reads them: u = 2s, s = 0..1, with a note (as a moving window is read)."""
        word = sum_token.text if sum_token.kind == "MAX" else "sum"
        name = token.text
        count = int((high - low) / step)
        self.new_sum_index(token, low, high, sum_token, scope)  # the letter's checks
        spaced = index_symbol(self.fresh_letter(scope))
        scope[name] = low + step * spaced  # type: ignore[assignment]
        values = ", ".join(show_index(low + step * k) for k in range(count + 1))
        self.notes.append(
            f"read the {word} over {name} ∈ {{{values}}} as one over {name} = "
            f"{show_index(scope[name])} with {spaced} = 0..{count}"
        )
        return SumRange(spaced, sympy.Integer(0), sympy.Integer(count))

    def sum_end(self, scope: Mapping[str, sympy.Symbol]) -> sympy.Expr | None:
        """The end of a sum's range, `^{C}`, `^(C)`, `^C` or `^1`, if one is written."""
        high = None
        if self.at("^"):
            self.take("^")
            if self.at("{", "("):
                close = "}" if self.take().kind == "{" else ")"
                high = self.bound_expression(scope)
                self.take(close)
            elif self.at("NUMBER"):
                digit = self.take()
                if len(digit.text) > 1:
                    self.tokens.insert(
                        self.position, Token("NUMBER", digit.text[1:], digit.start + 1)
                    )
                high = sympy.Integer(int(digit.text[0]))
            else:
                self.in_bound = True
                try:
                    high = self.resolve(self.letter("the end of the sum"), scope)
                finally:
                    self.in_bound = False
        return high

    def new_sum_index(
        self,
        token: Token,
        low: sympy.Expr | None,
        high: sympy.Expr | None,
        sum_token: Token,
        scope: dict[str, sympy.Symbol],
    ) -> SumRange:
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
        moving = low is not None and (low.free_symbols | high.free_symbols) - self.size_symbols
        if moving:
            return self.moving_window(token, low, high, sum_token, scope)  # type: ignore[arg-type]
        variable = index_symbol(name)
        scope[name] = variable
        return SumRange(variable, low, high)  # type: ignore[arg-type]

    def moving_window(
        self,
        token: Token,
        low: sympy.Expr,
        high: sympy.Expr,
        sum_token: Token,
        scope: dict[str, sympy.Symbol],
    ) -> SumRange:
        """`\\sum_{m=i-1}^{i+1}`: a window that moves with the output index i, as a marker
        reads it: m = i+u, u = -1..1, with a note. A range whose length changes with an index
        (`\\sum_{m=1}^{i}`) is no window of one size."""
        word = sum_token.text if sum_token.kind == "MAX" else "sum"
        name = token.text
        low, high = sympy.expand(low), sympy.expand(high)
        if sympy.expand(high - low).free_symbols - self.size_symbols:
            raise AnswerError(
                self.text,
                sum_token.start,
                f"the {word} over {name} runs from {show_index(low)} to {show_index(high)}, "
                "a range whose length changes with an index: a layer's window has one size "
                f"at every output, e.g. \\{word}_{{{name}=i-1}}^{{i+1}}",
                len(sum_token.text),
            )
        shift = sympy.Add(
            *(t for t in sympy.Add.make_args(low) if t.free_symbols - self.size_symbols)
        )
        offset = index_symbol(self.fresh_letter(scope))
        scope[name] = offset + shift  # type: ignore[assignment]
        ranged = SumRange(offset, sympy.expand(low - shift), sympy.expand(high - shift))
        self.notes.append(
            f"read the {word} over {name} = {show_index(low)}..{show_index(high)} as one over "
            f"{name} = {show_index(offset + shift)} with {offset} = {show_index(ranged.low)}.."
            f"{show_index(ranged.high)}"
        )
        return ranged

    def fresh_letter(self, scope: Mapping[str, sympy.Expr]) -> str:
        """A letter that the formula writes nowhere and that is no size: a new sum's index."""
        written = {c for t in self.tokens if t.kind == "NAME" for c in t.text}
        moved = {symbol.name for value in scope.values() for symbol in value.free_symbols}
        taken = written | set(scope) | moved | set(self.sizes)
        return next(
            (c for c in "uvstpqrabcdefghmnoxyzijklw" if c not in taken),
            next(c for c in string.ascii_letters if c not in taken),
        )

    def bracketed_matrix(self) -> bool:
        """Whether `(W_Q)_{k,e}` starts here: a matrix's name in brackets, then its entry."""
        kinds = [t.kind if t else "" for t in (self.peek(k) for k in range(7))]
        if kinds[1:3] != ["NAME", "_"]:
            return False
        if kinds[3] == "NAME":
            return kinds[4] == ")" and kinds[5] in ("_", "[")
        return (
            kinds[3:6] == ["{", "NAME", "}"]
            and kinds[6] == ")"
            and self.peek(7) is not None
            and (
                self.peek(7).kind in ("_", "[")  # type: ignore[union-attr]
            )
        )

    def matrix_entry(
        self, scope: Mapping[str, sympy.Symbol]
    ) -> tuple[list[SumRange], tuple[Access, ...]]:
        """`(W_Q)_{k,e}`: the entry (k, e) of the matrix W_Q, read so with a note. `(XW_Q)_{n,k}`,
        where X is the input (a matrix): the entry (n, k) of the product X·W_Q, a sum over the
        input's columns (its range from the input's axis), said in a note."""
        opening = self.take("(")
        base = self.take("NAME")
        self.take("_")
        braced = self.at("{")
        if braced:
            self.take("{")
        suffix = self.take("NAME")
        if braced:
            self.take("}")
        self.take(")")
        name = f"{base.text}_{suffix.text}"
        under = self.tokens[self.position].start  # the `_` of its subscript
        indices = self.subscript(scope) or []
        end = self.tokens[self.position - 1].end
        shown = ",".join(show_index(index) for index in indices)
        written = self.text[opening.start : end]
        tensor = self.matrix_input or ""
        weight = base.text[len(tensor) :]
        product = tensor and weight and same_name(base.text[: len(tensor)], tensor)
        if product and len(indices) != 2:  # (XW_Q)_{n}: a row, not an entry
            count = f"{len(indices)} {'index' if len(indices) == 1 else 'indices'}"
            raise AnswerError(
                self.text,
                opening.start,
                f"{written} has {count}, but {tensor}·{weight}_{suffix.text} is a matrix: an "
                "entry of it has two, its row and its column",
            )
        if product:  # (XW_Q)_{n,k}: row n of the input X times column k of W_Q
            product = f"{tensor}{weight}_{suffix.text}"
            self.same_entry(indices, written, product, under)
            letter = self.fresh_letter(scope)
            inner = index_symbol(letter)
            rows, cols = (show_index(index) for index in indices)
            self.notes.append(
                f"read {written} as the entry {shown} of {tensor}·{weight}_{suffix.text}, "
                f"the sum over {letter} of {tensor}[{rows},{letter}]·"
                f"{weight}_{suffix.text}[{letter},{cols}]"
            )
            return [SumRange(inner, None, None)], (  # type: ignore[arg-type]
                Access(tensor, (indices[0], inner), opening.start, end),
                Access(f"{weight}_{suffix.text}", (inner, indices[1]), opening.start, end),
            )
        self.notes.append(f"read {written} as the entry {shown} of {name}")
        return [], (Access(name, tuple(indices), opening.start, end),)

    def same_entry(self, indices: list, written: str, matrix: str, at: int) -> None:
        """Refuses `written`, the entry `indices` of `matrix` (`(W_Q X)_{n,k}`), where they are
        not the output's indices (`q_{k,n}`): the two sides name different entries."""
        if tuple(indices) == tuple(self.output_indices):
            return
        raise AnswerError(
            self.text,
            at,
            f"{written} is the entry {','.join(show_index(i) for i in indices)} of {matrix}, but "
            f"the left side is the entry {','.join(show_index(i) for i in self.output_indices)} "
            f"of {self.output_written.split('_')[0]}: the two sides name different entries",
        )

    def entry_of_formula(self, scope: Mapping[str, sympy.Symbol]) -> list[_Flat] | None:
        """`(W_Q X)_{k,n}`, `(Wx)_k`: a bracket with a subscript after it, at the output's
        indices, read as that entry of the formula the bracket holds (`q = W_Q X`), its terms
        at the output's indices, said in a note; None, nothing taken, for any other bracket
        (`(x_{i,l} w_{l,k})_{i,k}`, which holds no formula of its own). At other indices than
        the output's, refused saying that they name different entries."""
        if self.read_entry is None:
            return None
        opening, depth, close = self.position, 0, None
        for at in range(self.position, len(self.tokens)):
            depth += (self.tokens[at].kind == "(") - (self.tokens[at].kind == ")")
            if depth == 0:
                close = at
                break
        if close is None or close + 1 >= len(self.tokens) or self.tokens[close + 1].kind != "_":
            return None
        inner = self.tokens[opening + 1 : close]
        self.position = close + 1
        indices = self.subscript(scope) or []
        end = self.tokens[self.position - 1].end
        written = self.text[self.tokens[opening].start : end].strip()
        shown = ",".join(show_index(index) for index in indices)
        matrix = " ".join(self.text[inner[0].start : inner[-1].end].split()) if inner else ""
        # `(x_n W_Q)_k` for q_{n,k}, `(W_Q x_n)_k` for q_{k,n}: the entry k of one token's
        # product, read as `q_n = x_n W_Q`; the token's indices are the output's others
        count, step, output = len(indices), None, tuple(self.output_indices)
        if 0 < count < len(output) and tuple(indices) in (output[-count:], output[:count]):
            rest = output[:-count] if tuple(indices) == output[-count:] else output[count:]
            step = ",".join(show_index(index) for index in rest)
        try:
            formula = self.read_entry(inner, step) if step else self.read_entry(inner)
        except AnswerError:
            formula = None
        if step and formula is not None and len(formula.output.indices) == len(indices):
            formula = None  # not one token's: read as it was
        if step and formula is None and _names_a_matrix(inner):  # `(W x_{i,j})_k`
            raise AnswerError(
                self.text,
                self.tokens[opening].start,
                f"{written}, the entry {shown} of {matrix}, is not read as a term: write "
                f"{matrix} with indices",
            )
        if formula is None or (
            not formula.shape_problem
            and (formula.unsure or formula.activation or not formula.terms)
        ):
            self.position = opening  # no formula of its own: the bracket as it was read
            return None
        if step:
            indices = list(self.output_indices)
            self.vector_entries = True
        self.same_entry(indices, written, matrix, self.tokens[close + 1].start)
        if formula.shape_problem:
            why = formula.shape_problem.rstrip(".")
            raise AnswerError(
                self.text,
                self.tokens[opening].start,
                f"{written}, the entry {shown} of {matrix}, is not read as a term: "
                f"{why[:1].lower()}{why[1:]}",
            )
        at = dict(zip(formula.output.indices, indices, strict=True))
        taken = dict(scope)
        flats = []
        for term in formula.terms:
            renamed = dict(at)
            for inner_sum in term.sums:
                letter = self.fresh_letter(taken)
                taken[letter] = index_symbol(letter)
                renamed[inner_sum.variable] = taken[letter]
            flats.append(
                _Flat(
                    term.coefficient,
                    tuple(
                        SumRange(renamed[r.variable], r.low, r.high)  # type: ignore[arg-type]
                        for r in term.sums
                    ),
                    tuple(
                        replace(
                            a,
                            indices=tuple(
                                i.xreplace(renamed)
                                for i in a.indices  # type: ignore[arg-type]
                            ),
                        )
                        for a in term.factors
                    ),
                )
            )
        self.entry_shapes.extend(formula.matrix_shapes)
        self.notes.append(f"read {written} as the entry {shown} of {matrix}")
        return flats

    def access(self, scope: Mapping[str, sympy.Symbol]) -> Access:
        name = self.take("NAME")
        named = self.name_in_subscript(name, scope)
        if named is not None:  # W_{Q,k,e}: the entry (k, e) of W_Q
            return named
        channel = self.channel_superscript(name, scope)
        if channel is not None:  # x^{(l)}_{i,j}: channel l of x at (i, j)
            return channel
        # w^{(k)}_l, w_l^{(k)}, b^{k}: a superscript that is an index, in a marker's eyes
        above = self.superscript_indices(name, scope)
        below = self.subscript(scope)
        after = (
            None if below is None or above is not None else self.superscript_indices(name, scope)
        )
        indices = None if above is below is None else (above or []) + (below or []) + (after or [])
        if above is not None or after is not None:
            end = self.tokens[self.position - 1].end
            shown = ",".join(show_index(index) for index in indices)  # type: ignore[union-attr]
            self.notes.append(
                f"read {self.text[name.start : end]} as {name.text}_{{{shown}}}, its superscript "
                "an index"
            )
        if indices is not None:
            head, tail = name.text[:1], name.text[1:]
            if tail.casefold() in self.tensors and head.isalpha():  # `Wx_k`: not W times x_k
                written = self.text[name.start : self.tokens[self.position - 1].end]
                raise AnswerError(
                    self.text,
                    name.start,
                    f"{written} writes its index on one name, {name.text}: whether it is "
                    f"{head} times {tail}{written[len(name.text) :]} is unsaid; write each "
                    "factor with its indices, e.g. w_{l,k} x_{i,j,l}",
                    len(name.text),
                )
            return Access(name.text, tuple(indices), name.start, self.tokens[self.position - 1].end)
        if len(name.text) == 1:  # a scalar parameter, such as one bias shared by all outputs
            return Access(name.text, (), name.start, name.end)
        if self.is_activation(name):  # `b_k - \\tanh(…)`
            raise self.misplaced_activation(name, self.output_written)
        raise AnswerError(
            self.text,
            name.start,
            f"'{name.text}' is not a tensor entry: write each factor with its indices, "
            "e.g. w_{l,k} x_{i,j,l}",
            len(name.text),
        )

    def name_in_subscript(self, name: Token, scope: Mapping[str, sympy.Symbol]) -> Access | None:
        """`W_{Q,k,e}`, read as the entry (k, e) of W_Q with a note, where Q is a capital
        that is no index here (as an index it could only be refused). A size (`W_{K,e,k}`,
        K a size: the key projection W_K, as a marker reads it) is read so too after a
        weight's or a bias's name, with a note saying so; not after the layer's own tensors
        (`x_{N,e}`, the last token, is an entry). A small letter that is no index here is read
        so only where it makes one of the question's names (`named`): rnn-q1's `W_{x,k,e}`
        is W_x's entry (k, e), the x a part of its name."""
        kinds = [t.kind if t else "" for t in (self.peek(k) for k in range(4))]
        suffix = self.peek(2)
        if (
            kinds != ["_", "{", "NAME", ","]
            or suffix is None
            or len(suffix.text) != 1
            or suffix.text in scope
            or (suffix.text in self.sizes and name.text.casefold() in self.tensors)
        ):
            return None
        lower = not suffix.text.isupper()
        if lower and not any(same_name(f"{name.text}_{suffix.text}", n) for n in self.named):
            return None
        self.position += 4
        indices = self.index_list(scope, "}")
        close = self.take("}")
        matrix = f"{name.text}_{suffix.text}"
        shown = ",".join(show_index(index) for index in indices)
        size = (
            f", {suffix.text} a part of its name, not the size {suffix.text}"
            if suffix.text in self.sizes
            else f", {suffix.text} a part of its name, not an index"
            if lower
            else ""
        )
        self.notes.append(
            f"read {self.text[name.start : close.end]} as the entry {shown} of {matrix}{size}"
        )
        return Access(matrix, tuple(indices), name.start, close.end)

    def channel_superscript(self, name: Token, scope: Mapping[str, sympy.Symbol]) -> Access | None:
        """`x^{(l)}_{i,j}` (or `x_{i,j}^{(l)}`), read as x_{i,j,l} with a note, where x is the
        layer's one input with its channel last (`channel_last`), the superscript a letter in
        scope in brackets and the subscript every other axis; None (nothing taken) otherwise:
        a power `x^2` stays one, refused."""
        if self.channel_last is None or name.text.casefold() != self.channel_last[0]:
            return None
        if not self.at("^") and not self._superscript_after_subscript():
            return None  # no superscript: nothing to read here
        start = self.position
        bracketed = [t.kind if t else "" for t in (self.peek(k) for k in range(5))]
        first = bracketed[:2] == ["^", "{"] and bracketed[2] in ("(", "NAME")
        above = self.superscript_indices(name, scope, tensor=True) if first else None
        below = self.subscript(scope) if first or self.at("_") else None
        after = None
        if above is None and below is not None and self.peek(1) and self.peek(1).kind == "{":
            after = self.superscript_indices(name, scope, tensor=True)
        channel = above if above is not None else after
        if (
            channel is None
            or below is None
            or len(channel) != 1
            or len(below) + 1 != self.channel_last[1]
        ):
            self.position = start
            return None
        indices = (*below, *channel)
        end = self.tokens[self.position - 1].end
        shown = ",".join(show_index(index) for index in indices)
        self.notes.append(
            f"read {self.text[name.start : end]} as {name.text}_{{{shown}}}, its superscript "
            "the channel"
        )
        return Access(name.text, indices, name.start, end)

    def _superscript_after_subscript(self) -> bool:
        """Whether a braced subscript starts here and a superscript follows it: `_{i,j}^`."""
        if not self.at("_") or (opening := self.peek(1)) is None or opening.kind != "{":
            return False
        depth, ahead = 0, 1
        while (token := self.peek(ahead)) is not None:
            depth += {"{": 1, "}": -1}.get(token.kind, 0)
            if depth == 0:
                following = self.peek(ahead + 1)
                return following is not None and following.kind == "^"
            ahead += 1
        return False

    def superscript_indices(
        self, name: Token, scope: Mapping[str, sympy.Symbol], tensor: bool = False
    ) -> list[sympy.Expr] | None:
        """`^{(k)}`, `^{k}`, `^(k)` or `^k` after a weight's or a bias's name, each letter an
        index here, taken as indices of it with a note; None (nothing taken) for any other
        superscript, such as a power w^2 or a superscript on the layer's own tensors."""
        if not self.at("^") or (name.text.casefold() in self.tensors and not tensor):
            return None
        ahead = 1
        closes: list[str] = []
        while len(closes) < 2 and (opening := self.peek(ahead)) is not None:
            if opening.kind not in ("{", "(") or (closes and closes[-1] == ")"):
                break
            closes.append("}" if opening.kind == "{" else ")")
            ahead += 1
        letters = []
        while (token := self.peek(ahead)) is not None and token.kind == "NAME":
            if (closes and len(token.text) != 1) or token.text[0] not in scope:
                return None
            letters.append(scope[token.text[0]])
            ahead += 1
            comma = self.peek(ahead)
            if not closes or comma is None or comma.kind != ",":
                break
            ahead += 1
        for close in reversed(closes):
            token = self.peek(ahead)
            if token is None or token.kind != close:
                return None
            ahead += 1
        if not letters:
            return None
        self.take("^")
        if closes:
            self.position += ahead - 1
        else:
            self.letter()
        return letters

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
        """`1 ≤ k ≤ D, 1 ≤ i ≤ P` says where a formula holds: read, and a range `1 ≤ n ≤ D/G`
        of one letter kept in `bounds` (an output index such as (g-1)D/G+n needs it)."""
        scope = _letters_besides(tuple(self.sizes))
        while True:
            chain = [self.index_expression(scope)]
            if not self.at("REL"):
                raise self.error(self.peek(), "expected a comparison such as 1 ≤ k ≤ D")
            relations = []
            while self.at("REL"):
                relations.append(self.take("REL").text.strip())
                chain.append(self.index_expression(scope))
            self.keep_bounds(chain, relations)
            if not self.at(","):
                return
            self.take(",")

    def keep_bounds(self, chain: list[sympy.Expr], relations: list[str]) -> None:
        """`low ≤ n ≤ high` (or `<`, or the other way round with ≥ and >) as n's range."""
        if len(chain) != 3 or not isinstance(chain[1], sympy.Symbol):
            return
        if all(r in "≤<" for r in relations):
            low, high = chain[0], chain[2]
        elif all(r in "≥>" for r in relations):
            low, high = chain[2], chain[0]
            relations = relations[::-1]
        else:
            return
        self.bounds[chain[1]] = (
            low + (1 if relations[0] in "<>" else 0),
            high - (1 if relations[1] in "<>" else 0),
        )


class _FormulaBuilder:
    """Checks a parsed index formula against the declared tensors and fills in sum ranges."""

    def __init__(
        self,
        text: str,
        layer: LayerSpec,
        reference: Formula | None = None,
        reduction: str = "sum",
    ):
        self.text = text
        self.layer = layer
        self.reference = reference
        self.assumed: list[SumRange] = []  # ranges taken from the reference's window
        self.window_axes: dict[int, sympy.Symbol] = {}  # the input axis each of those moves on
        self.reduction = reduction  # or "max": how the student's formula reduces its window

    def fail(self, access: Access | None, message: str) -> AnswerError:
        start = access.start if access else 0
        length = (access.end - access.start) if access else 1
        return AnswerError(self.text, start, message, length)

    def build(self, output: Access, flats: list[_Flat]) -> tuple[Access, tuple[Term, ...]]:
        declared = self.layer.output
        if not same_name(output.name, declared.name):
            raise self.fail(
                output,
                f"the left side is {output.name}, but this layer's output is {declared.name}",
            )
        if len(output.indices) != len(declared.shape):
            raise self.fail(output, self._rank_message(declared, len(output.indices)))
        output = Access(declared.name, output.indices, output.start, output.end)
        return output, tuple(self.term(flat) for flat in flats)

    def _rank_message(self, tensor: TensorSpec, count: int) -> str:
        shape = "×".join(show_index(s) for s in tensor.shape)
        indices = counted(len(tensor.shape), "index", "indices")
        return f"{tensor.name} has {indices} (it is {shape}), not {count}"

    def term(self, flat: _Flat) -> Term:
        factors = []
        inputs = 0
        for access in flat.factors:
            tensor = self.layer.input_named(access.name)
            if tensor is not None:
                if len(access.indices) != len(tensor.shape):
                    raise self.fail(access, self._rank_message(tensor, len(access.indices)))
                access = Access(tensor.name, access.indices, access.start, access.end)
                inputs += 1
            elif same_name(access.name, self.layer.output.name):
                raise self.fail(
                    access, f"the output {access.name} cannot also be read on the right side"
                )
            factors.append(access)
        if inputs > 1:
            raise self.fail(
                None,
                f"a term multiplies {self._inputs_together()}: a layer's output must be "
                "a weighted sum of its inputs",
            )
        sums = tuple(self.ranged(s, factors) for s in flat.sums)
        return Term(flat.coefficient, sums, tuple(factors))

    def _inputs_together(self) -> str:
        if len(self.layer.inputs) == 1:
            return f"{self.layer.input.name} by itself"
        return "inputs together"

    def ranged(self, s: SumRange, factors: list[Access]) -> SumRange:
        """A sum written without its range runs over the input axis its index walks along."""
        if s.low is not None:
            return s
        for access in factors:
            tensor = self.layer.input_named(access.name)
            if tensor is not None:
                for axis, index in enumerate(access.indices):
                    if index == s.variable:
                        return SumRange(s.variable, sympy.Integer(1), tensor.shape[axis])
        moves = any(
            s.variable in index.free_symbols
            for access in factors
            if access.name == self.layer.input.name
            for index in access.indices
        )
        if moves and self.reference is not None and self.reference.terms:
            return self.window_range(s, factors)
        raise AnswerError(
            self.text,
            0,
            f"the {self.reduction} over {s.variable} has no range and {s.variable} does not "
            f"index {self.layer.input.name}; write it, e.g. "
            f"\\{self.reduction}_{{{s.variable}=1}}^{{C}}",
        )

    def window_range(self, s: SumRange, factors: list[Access]) -> SumRange:
        """A sum without its range (`\\max_{u,v} x_{2i+u,2j+v,k}`), as a marker reads it: over
        the range of the reference's sum that moves along the same axis of the input (the
        question's window). Where that is not one range, a person decides."""
        variable = s.variable
        axes = {
            axis
            for access in factors
            if access.name == self.layer.input.name
            for axis, index in enumerate(access.indices)
            if variable in index.free_symbols
        }
        if len(axes) != 1:
            raise _Unsure(
                f"The {self.reduction} over {variable} has no range, and {variable} moves along "
                f"several axes of {self.layer.input.name}, so the question's window does not "
                "say which range is meant."
            )
        (axis,) = axes
        if axis in self.window_axes:
            raise _Unsure(
                f"The {self.reduction} over {variable} has no range, and neither has the "
                f"{self.reduction} over {self.window_axes[axis]}, which moves along the same "
                f"axis of {self.layer.input.name}: which window is meant cannot be told."
            )
        self.window_axes[axis] = variable
        ranges = {
            (r.low, r.high)
            for term in self.reference.terms  # type: ignore[union-attr]
            for access in term.factors
            if access.name == self.layer.input.name
            for r in term.sums
            if r.variable in access.indices[axis].free_symbols
        }
        if len(ranges) != 1:
            raise _Unsure(
                f"The {self.reduction} over {variable} has no range, and the question's layer has "
                f"{'no sum' if not ranges else 'several sums'} along that axis of "
                f"{self.layer.input.name}, so which range is meant cannot be told."
            )
        ((low, high),) = ranges
        ranged = SumRange(variable, low, high)
        self.assumed.append(ranged)
        return ranged


class _Unsure(Exception):
    """What a formula means cannot be told without a person: the reason, in words."""


def _names_a_matrix(tokens: list[Token]) -> bool:
    """Whether `tokens` name a matrix as a matrix form does, without its indices: `W`, `W_Q`
    (a capital after `_`), not `w_{l,k}`."""
    depth = 0
    for at, token in enumerate(tokens):
        depth += (token.kind == "{") - (token.kind == "}")
        if token.kind != "NAME" or depth or (at and tokens[at - 1].kind in ("_", "^")):
            continue  # an index, not a factor
        after = tokens[at + 1 : at + 3]
        if not after or after[0].kind != "_":
            return True
        if len(after) > 1 and after[1].kind == "NAME" and after[1].text[:1].isupper():
            return True
    return False


def _assumed_note(ranges: list[SumRange]) -> tuple[str, ...]:
    if not ranges:
        return ()
    shown = ", ".join(f"{r.variable} = {show_index(r.low)}..{show_index(r.high)}" for r in ranges)
    return (f"read the ranges your formula leaves out as the question's window: {shown}",)


def _subscripted_names(reference: Formula) -> tuple[str, ...]:
    """The names with a subscript that `reference` gives its parameters (W_x, W_h)."""
    return tuple(
        dict.fromkeys(a.name for term in reference.terms for a in term.factors if "_" in a.name)
    )


def read_index_form(
    text: str,
    tokens: list[Token],
    sizes: Mapping[str, sympy.Symbol],
    layer: LayerSpec,
    reference: Formula | None = None,
    read_entry: Callable[..., Formula] | None = None,
) -> Formula:
    """The formula `tokens` (of `text`) write in index notation, checked against `layer`; a sum
    without its range takes the range of the `reference`'s over the same window. `read_entry`
    reads a bracket's tokens as a formula of their own, for `(W_Q X)_{k,n}`."""
    reduction = _reduction(text, tokens)
    tensors = tuple(tensor.name for tensor in (*layer.inputs, layer.output))
    channel_last = None
    if not layer.more_inputs and len(layer.input.shape) > 1 and not tokens_as_columns(layer):
        channel_last = (layer.input.name.casefold(), len(layer.input.shape))
    matrix_input = layer.input.name if len(layer.input.shape) == 2 else None
    vector_input = layer.input.name if len(layer.input.shape) == 1 else None
    named = () if reference is None else _subscripted_names(reference)
    reader = IndexFormReader(
        text, tokens, sizes, tensors, channel_last, matrix_input, vector_input, named, read_entry
    )
    raw_output, flats, activation = reader.index_formula()
    builder = _FormulaBuilder(text, layer, reference, reduction or "sum")
    try:
        output, terms = builder.build(raw_output, flats)
        enumerates = _enumeration(output, layer.output.shape, reader.bounds, reader.size_symbols)
    except _Unsure as unsure:
        return Formula(text, raw_output, (), text, reduction=reduction, unsure=str(unsure))
    listed = (
        reader.listed > 0
        and reader.listed == len(terms)
        and not any(t.sums for t in terms)
        and len({t.coefficient for t in terms}) == 1
    )
    if reduction is not None and not listed and (len(terms) != 1 or not terms[0].sums):
        raise AnswerError(
            text,
            0,
            f"a max pools one window: write {layer.output.name}_{{…}} = "
            f"\\max_{{u=0}}^{{1}}\\max_{{v=0}}^{{1}} {layer.input.name}_{{…}}, with nothing added",
        )
    terms, idle = _idle_maxima(terms, reduction) if reduction is not None else (terms, ())
    negated = ()
    if reduction is not None and reader.negated_in_max:
        # Read as what it is, its coefficient outside a min: max(-x) is -min(x), not -max(x);
        # and min(-x) is -max(x).
        other = "min" if reduction == "max" else "max"
        negated = (
            f"read the {reduction} of negated inputs as minus their {other}: "
            f"{reduction}(-x) = -{other}(x)",
        )
        reduction = other
    reading = describe_formula(output, terms, activation, reduction, reader.after_activation)
    return Formula(
        text,
        output,
        terms,
        reading,
        activation=activation,
        after_activation=reader.after_activation,
        reduction=reduction,
        negated=bool(negated),
        assumed=(
            *reader.notes,
            *_assumed_note(builder.assumed),
            *_enumeration_note(output, enumerates),
            *negated,
            *idle,
        ),
        enumerates=enumerates,
        matrix_shapes=tuple(dict.fromkeys(reader.entry_shapes)),
        vector_entries=reader.vector_entries,
    )


def _enumeration(
    output: Access,
    shape: tuple[sympy.Expr, ...],
    bounds: Mapping[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]],
    sizes: set[sympy.Symbol],
) -> tuple[SumRange, ...]:
    """The ranges of the letters of each output index written as a sum, as a marker reads
    y_{i,j,(g-1)D/G+n}: the ranges written as conditions (`1 ≤ n ≤ D/G`), else each letter
    counted from 1, the one with coefficient 1 within a block, the other over the blocks. A
    block is the other letter's coefficient (D/G: g over D/(D/G) = G blocks) or, where the
    blocks do not tile the axis, the size it divides by ((g-1)C/G+n: g over the G groups, n
    over D/G). Which outputs that names, and how often, is `layer.instantiate`'s to find."""
    ranges: list[SumRange] = []
    for index, size in zip(output.indices, shape, strict=True):
        if isinstance(index, sympy.Symbol):
            continue
        letters = sorted(index.free_symbols - sizes, key=str)
        inferred = _block_ranges(index, size, letters)
        for letter in letters:
            low, high = bounds.get(letter) or inferred.get(letter) or (None, None)
            if low is None:
                example = ", ".join(f"1 ≤ {other} ≤ …" for other in letters)
                raise _Unsure(
                    f"The output index {show_index(index)} names an output by "
                    f"{' and '.join(map(str, letters))}, whose ranges cannot be told from it: "
                    f"write them after the formula, e.g. {output.name}_{{…}} = …, {example}."
                )
            ranges.append(SumRange(letter, sympy.sympify(low), sympy.sympify(high)))
    return tuple(ranges)


def _block_ranges(
    index: sympy.Expr, size: sympy.Expr, letters: list[sympy.Symbol]
) -> dict[sympy.Symbol, tuple[sympy.Expr, sympy.Expr]]:
    """The ranges `_enumeration` infers for one output index, or none where it cannot."""
    flat = sympy.expand(index)
    coefficients = {letter: flat.coeff(letter) for letter in letters}
    inner = [letter for letter in letters if coefficients[letter] == 1]
    one = sympy.Integer(1)
    if len(letters) == 1 and inner:
        return {inner[0]: (one, size)}
    if len(letters) != 2 or len(inner) != 1:
        return {}
    (within,) = inner
    (outer,) = [letter for letter in letters if letter != within]
    step = coefficients[outer]
    blocks = sympy.cancel(size / step)
    if not _whole_in_sizes(blocks):
        denominator = sympy.fraction(sympy.cancel(step))[1]
        if not denominator.is_Symbol:
            return {}
        blocks, step = denominator, sympy.cancel(size / denominator)
    return {outer: (one, blocks), within: (one, step)}


def _whole_in_sizes(expr: sympy.Expr) -> bool:
    """A polynomial in the sizes with whole coefficients: whole at every size."""
    if not expr.free_symbols:
        return bool(expr.is_Integer)
    try:
        return sympy.Poly(expr, *sorted(expr.free_symbols, key=str)).domain.is_ZZ
    except sympy.PolynomialError:
        return False


def _enumeration_note(output: Access, ranges: tuple[SumRange, ...]) -> tuple[str, ...]:
    if not ranges:
        return ()
    written = [show_index(i) for i in output.indices if not isinstance(i, sympy.Symbol)]
    shown = ", ".join(f"{r.variable} = {show_index(r.low)}..{show_index(r.high)}" for r in ranges)
    return (f"read the output index {' and '.join(written)} with {shown}",)


def _idle_maxima(
    terms: tuple[Term, ...], reduction: str
) -> tuple[tuple[Term, ...], tuple[str, ...]]:
    """`terms` without the maxima (or minima) over a letter no factor's index uses, over a
    range that is not empty (`\\max_{w=0}^{1} x_{2i+u,2j+v,k}`): the max of one value taken
    again and again is that value, so it changes nothing (a sum over it would scale, and is kept
    as a sum); and a note for each saying so."""
    kept, notes = [], []
    for term in terms:
        used = set().union(*(i.free_symbols for a in term.factors for i in a.indices))
        idle = [
            s
            for s in term.sums
            if s.variable not in used and sympy.simplify(s.high - s.low).is_nonnegative
        ]
        kept.append(replace(term, sums=tuple(s for s in term.sums if s not in idle)))
        notes += [
            f"read the {reduction} over {s.variable}, which no index of the entry uses, as the "
            "entry itself: it changes nothing"
            for s in idle
        ]
    return tuple(kept), tuple(notes)


def _reduction(text: str, tokens: list[Token]) -> str | None:
    """ "max" when the window is reduced by \\max, "min" by \\min; a formula does not mix
    \\max and \\sum, or \\max and \\min."""
    kinds = {token.kind for token in tokens}
    if "MAX" not in kinds:
        return None
    words = sorted({token.text for token in tokens if token.kind == "MAX"})
    if len(words) > 1:
        first = next(t for t in tokens if t.kind == "MAX")
        second = next(t for t in tokens if t.kind == "MAX" and t.text != first.text)
        raise AnswerError(
            text,
            second.start,
            "a formula takes the max of its window or its min, not both",
            len(second.text),
        )
    for at, token in enumerate(tokens[:-3]):
        after = [t.kind + t.text for t in tokens[at + 1 : at + 4]]
        if token.text == "max" and after[0] in ("((", "{{") and after[1:] == ["NUMBER0", ",,"]:
            raise AnswerError(
                text,
                token.start,
                "\\max(0, …) is a ReLU here: write it as an activation around the weighted sum, "
                "e.g. z_{i,k} = ReLU(A_{i} s_{i,k} + c_{i}) (another layer: each entry scaled by "
                "its position's A and shifted by its c)",
                len(token.text),
            )
    if "SUM" in kinds:
        first = next(token for token in tokens if token.kind == "SUM")
        raise AnswerError(
            text,
            first.start,
            "a formula either sums over its window or takes its max, not both",
            len(first.text),
        )
    return words[0]
