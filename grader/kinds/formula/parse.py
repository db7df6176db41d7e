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
formula (which inputs each output reads through which weights) is
`grader.kinds.formula.layer`'s job. The two forms are read by `index_form` and `matrix_form`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache

import sympy

from grader.errors import AnswerError
from grader.kinds.formula.index_form import read_index_form
from grader.kinds.formula.matrix_form import read_matrix_form
from grader.kinds.formula.terms import (
    FORMULA_STEPS,
    Formula,
    LayerSpec,
    Token,
    same_name,
    tokenize,
)
from grader.kinds.formula.vector_form import is_vector_form, read_vector_form
from grader.normalise import normalise, top_level_equals


def parse_formula(
    text: str,
    sizes: Mapping[str, sympy.Symbol],
    layer: LayerSpec,
    reference: Formula | None = None,
) -> Formula:
    """Read `text` as a formula for `layer` over the question's sizes, or raise `AnswerError`.
    A sum written without its range (`\\max_{u,v}`) takes the range of the `reference`'s sum
    over the same window."""
    if not text.strip():
        raise AnswerError(text, 0, "the answer is empty")
    if len(layer.inputs) > 1:
        _refuse_stacked(text)
    tokens = list(_tokens(text))  # a list of its own: reading a subscript may split a token
    chain = _one_formula_chained(text, tokens, layer)
    if chain is not None:
        kept, note = chain
        try:
            formula = parse_formula(kept, sizes, layer, reference)
        except AnswerError as error:
            error.text = text  # its position is the student's: only other sides were blanked
            raise
        return replace(formula, text=text, assumed=(note, *formula.assumed))
    swapped = _named_after(tokens, layer)
    if swapped is not None:
        equals = tokens[len(tokens) - len(swapped) - 1]
        answer, named = text[: equals.start].strip(), text[equals.end :].strip()
        formula = read_matrix_form(
            text, [*swapped, equals, *tokens[: -len(swapped) - 1]], sizes, layer
        )
        note = f"read {answer} = {named} as {named} = {answer}"
        return replace(formula, assumed=(note, *formula.assumed))
    if is_vector_form(tokens, layer):
        return read_vector_form(text, tokens, sizes, layer)
    if _is_matrix_form(tokens):
        if len(layer.inputs) > 1:
            raise AnswerError(text, 0, _several_inputs_advice(layer))
        return read_matrix_form(text, tokens, sizes, layer)
    return read_index_form(text, tokens, sizes, layer, reference)


# `W[x_t; h_{t-1}]`: one weight over the input and the state stacked into one vector
_STACKED = re.compile(r"([A-Za-z](?:_\{[^{}]*\}|_[A-Za-z0-9])?)?\s*\[([^\[\];]+);([^\[\];]+)\]")


def _refuse_stacked(text: str) -> None:
    """A stacked vector, `W[x_t; h_{t-1}]`, is not read: it is refused with what a marker
    reads it as (W split by columns, W_x x_t + W_h h_{t-1}), for a person to mark."""
    stacked = _STACKED.search(text)
    if stacked is None:
        return
    weight, first, second = (
        (stacked.group(1) or "W").strip(),
        *(part.strip() for part in stacked.group(2, 3)),
    )
    parts = (first, second)
    names = [f"{weight[0]}_{part[0]}" for part in parts]  # W_{xh}[x_t; h_{t-1}]: W_x, W_h
    raise AnswerError(
        text,
        stacked.start(2) - 1,
        f"{weight}[{first}; {second}] stacks {first} and {second} into one vector, which this "
        f"grader does not read: it means {names[0]} {first} + {names[1]} {second}, with "
        f"{weight} = [{names[0]} {names[1]}] split by columns",
    )


def _several_inputs_advice(layer: LayerSpec) -> str:
    """A matrix form reads one input: how to write a layer with several."""
    y, x = layer.output.name.lower(), layer.input.name.lower()
    vectors = (
        f", or with vectors at a time step, e.g. {y}_t = W {x}_t + b"
        if all(len(t.shape) == 2 for t in (*layer.inputs, layer.output))
        else ""
    )
    return (
        f"a matrix form such as {y.upper()} = {x.upper()}W reads one input; this layer reads "
        f"{' and '.join(t.name for t in layer.inputs)}: write it with indices{vectors}"
    )


def _named_after(tokens: list, layer: LayerSpec) -> list | None:
    """The output's name, where a matrix form is written with it after the answer
    (`XW_Q + b_Q = Q`, `(X^T W_Q^T)^T = Q`): the tokens after the one '=', which name the
    output alone (`Q`, `Q^T`, `(Q)^T`) where those before do not; None for any other
    formula."""
    equals = top_level_equals([token.kind for token in tokens])
    if len(equals) != 1 or len(layer.inputs) > 1 or len(layer.output.shape) != 2:
        return None
    before, after = tokens[: equals[0]], tokens[equals[0] + 1 :]
    if not _is_matrix_form([*after, Token("=", "=", 0)]) or _names_output(before, layer):
        return None
    return after if _names_output(after, layer) else None


def _one_formula_chained(text: str, tokens: list, layer: LayerSpec) -> tuple[str, str] | None:
    """A chain of working whose sides are the output's name and one formula, written the same
    (spaces aside) each time (`Q = XW_Q + b_Q = XW_Q + b_Q`, `XW_Q + b_Q = Q = XW_Q + b_Q`):
    `text` with all but the name and the last of those sides blanked (positions kept, so that
    `_named_after` may read `XW_Q + b_Q = Q`), and a note saying so; None for any other
    formula. Sides that write the formula in different ways are an error saying so: which one
    is meant is not the machine's guess."""
    equals = top_level_equals([token.kind for token in tokens])
    if len(equals) < 2:
        return None
    bounds = [-1, *equals, len(tokens)]
    sides = [tokens[bounds[k] + 1 : bounds[k + 1]] for k in range(len(bounds) - 1)]
    named = [k for k, side in enumerate(sides) if side and _names_output(side, layer)]
    others = [k for k in range(len(sides)) if k not in named]
    if not named or not others or not all(sides):
        return None
    written = ["".join("".join(t.text for t in sides[k]).split()) for k in others]
    if len(set(written)) > 1:
        second = next(k for k in others if written[others.index(k)] != written[0])
        shown = [text[sides[k][0].start : sides[k][-1].end] for k in (others[0], second)]
        where = tokens[equals[second - 1]].start
        raise AnswerError(
            text,
            where,
            f"your chain of working writes {layer.output.name} both as {shown[0]} and as "
            f"{shown[1]}; a chain is read only where it writes one formula each time: write "
            f"the formula once, {layer.output.name} = …",
        )
    name, last = named[0], others[-1]
    between = equals[last - 1] if name < last else equals[last]
    keep = [*sides[name], tokens[between], *sides[last]]
    kept = [" "] * len(text)
    for token in keep:
        kept[token.start : token.end] = text[token.start : token.end]
    kept_text = "".join(kept)
    shown = " ".join(kept_text.split())
    note = f"read your chain of working as {shown}, the one formula it writes"
    return kept_text, note


def _names_output(tokens: list, layer: LayerSpec) -> bool:
    """Whether `tokens` name the output and nothing else (its transpose marks aside)."""
    names = [token.text for token in tokens if token.kind == "NAME" and token.text != "T"]
    return len(names) == 1 and same_name(names[0], layer.output.name)


def _is_matrix_form(tokens: list) -> bool:
    """Whether the left side is a matrix, `Y`, `Y^T`, or one in brackets, `(Y)^T`."""
    opened = next((k for k, token in enumerate(tokens) if token.kind != "("), len(tokens))
    first = tokens[opened] if opened < len(tokens) else None
    second = tokens[opened + 1] if opened + 1 < len(tokens) else None
    follows = ("=", "^", "'", ")") if opened else ("=", "^", "'")
    return first is not None and first.kind == "NAME" and (second is None or second.kind in follows)


@lru_cache(maxsize=64)
def _tokens(text: str) -> tuple:
    """A formula's tokens, remembered: an answer is read, then asked whether it is an index
    form, once or twice, as it is graded. The last 64 answers only (at most 1,000 characters
    each, `normalise.MAX_ANSWER_LENGTH`), so a worker's memory stays small."""
    return tuple(tokenize(normalise(text, FORMULA_STEPS)))


def is_index_form(text: str, layer: LayerSpec | None = None) -> bool:
    """Whether a readable formula is written with indices (`y_{i,k} = ...`), not as a matrix
    product (`Y = XW`) or with vectors at a time step (`h_t = W x_t`), whose indices are no
    one's convention."""
    tokens = list(_tokens(text))
    return not _is_matrix_form(tokens) and not (layer is not None and is_vector_form(tokens, layer))


def is_written_with_vectors(text: str, layer: LayerSpec) -> bool:
    """Whether a readable formula is written with vectors (`q_t = W x_t + b`, `h = Wx + b`):
    read as the index formula it stands for (`vector_form`), its matrices named as written."""
    return is_vector_form(list(_tokens(text)), layer)
