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

from collections.abc import Mapping

import sympy

from grader.errors import AnswerError
from grader.kinds.formula.index_form import read_index_form
from grader.kinds.formula.matrix_form import read_matrix_form
from grader.kinds.formula.terms import FORMULA_STEPS, Formula, LayerSpec, tokenize
from grader.normalise import normalise


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
    tokens = tokenize(normalise(text, FORMULA_STEPS))
    if _is_matrix_form(tokens):
        return read_matrix_form(text, tokens, sizes, layer)
    return read_index_form(text, tokens, sizes, layer, reference)


def _is_matrix_form(tokens: list) -> bool:
    first = tokens[0] if tokens else None
    second = tokens[1] if len(tokens) > 1 else None
    return (
        first is not None
        and first.kind == "NAME"
        and (second is None or second.kind in ("=", "^", "'"))
    )


def is_index_form(text: str) -> bool:
    """Whether a readable formula is written with indices (`y_{i,k} = ...`), not as a matrix
    product (`Y = XW`), whose indices are no one's convention."""
    return not _is_matrix_form(tokenize(normalise(text, FORMULA_STEPS)))
