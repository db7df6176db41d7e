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
from operator import itemgetter

import sympy

from grader.errors import AnswerError, lost_superscript
from grader.kinds.formula.index_form import read_index_form
from grader.kinds.formula.matrix_form import read_matrix_form
from grader.kinds.formula.terms import (
    ACTIVATIONS,
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
    _refuse_lost_superscript(text, tokens)
    bracketed = _activation_without_brackets(text, tokens) or _entry_inside_activation(text, tokens)
    if bracketed is not None:
        tokens, note = bracketed
        formula = _read(text, tokens, sizes, layer, reference)
        return replace(formula, assumed=(note, *formula.assumed))
    return _read(text, tokens, sizes, layer, reference)


def _read(
    text: str,
    tokens: list,
    sizes: Mapping[str, sympy.Symbol],
    layer: LayerSpec,
    reference: Formula | None,
) -> Formula:
    """`parse_formula`'s reading of `text`'s `tokens`, in whichever form it is written."""
    chain = _one_formula_chained(text, tokens, layer)
    if chain is not None:
        kept, notes = chain
        try:
            sides = [parse_formula(statement, sizes, layer, reference) for statement in kept]
        except AnswerError as error:
            error.text = text  # its position is the student's: only other sides were blanked
            raise
        formula = sides[-1]  # the last is graded, where the others define its layer
        return replace(
            formula,
            text=text,
            assumed=(*notes, *formula.assumed),
            chain_sides=tuple(sides) if len(sides) > 1 else (),
        )
    entry = _one_entry_of_matrix_form(text, tokens, layer)
    if entry is not None:
        kept, note = entry
        try:
            formula = parse_formula(kept, sizes, layer, reference)
        except AnswerError as error:
            error.text = text  # its position is the student's: only brackets were blanked
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

    def read_entry(inner: list, step: str | None = None) -> Formula:
        """`(W_Q X)_{k,n}`'s W_Q X, as `q = W_Q X`; `(x_n W_Q)_k`'s x_n W_Q, one token's, as
        `q_n = x_n W_Q` (`step`: n)."""
        if step is None:
            return parse_formula(_kept(text, tokens, tokens[:1], inner), sizes, layer, reference)
        body = text[inner[0].start : inner[-1].end]
        return parse_formula(f"{tokens[0].text}_{{{step}}} = {body}", sizes, layer, reference)

    if tuple(tokens) == _tokens(text):  # as written: what `is_index_form` would find
        _remember_index_form(text, layer)
    return read_index_form(text, tokens, sizes, layer, reference, read_entry)


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


def _refuse_lost_superscript(text: str, tokens: list) -> None:
    """`h = \\tanh2x`, `h_k = tanh2(x_k)`: a digit straight after an activation's name is
    tanh²x with its superscript lost as often as tanh(2x): refused naming both, as an
    expression's is (`\\tanh 2x`, spaced, is not)."""
    for k, token in enumerate(tokens[:-1]):
        digit = tokens[k + 1]
        name = text[token.start : digit.start]
        if (
            token.kind != "NAME"
            or token.text.casefold() not in ACTIVATIONS
            or digit.kind != "NUMBER"
            or name != name.rstrip()
        ):
            continue
        end, depth = k + 2, 0
        while end < len(tokens) and (depth or tokens[end].kind not in ("+", "-", "=", ")")):
            depth += {"(": 1, ")": -1}.get(tokens[end].kind, 0)
            end += 1
        stop = tokens[end - 1].end
        after = text[digit.end : stop].strip()
        raise AnswerError(
            text,
            token.start,
            lost_superscript(text[token.start : stop].strip(), name, digit.text, after),
            digit.end - token.start,
        )


def _activation_without_brackets(text: str, tokens: list) -> tuple[list, str] | None:
    """`h = \\tanh 2x`: an activation without brackets starting the right side, its argument
    all that follows (no `+` or `-` outside a bracket), as the tokens of `h = \\tanh(2x)` and
    the note saying so; None where the right side is written otherwise. Where a `+` or `-`
    follows (`\\tanh Wx + b`), where the argument ends is unsaid: refused, for a person."""
    equals = _top_level_equals(tokens)
    if len(equals) != 1 or equals[0] + 2 >= len(tokens):
        return None
    name, first = tokens[equals[0] + 1], tokens[equals[0] + 2]
    function = ACTIVATIONS.get(name.text.casefold()) if name.kind == "NAME" else None
    if function is None or first.kind in ("(", "_", "^", "'"):
        return None
    written = text[name.start : first.start].strip()  # `\\tanh`, as the student wrote it
    depth, stop = 0, len(tokens)
    for at in range(equals[0] + 2, len(tokens)):
        token = tokens[at]
        depth += (token.kind in ("(", "{", "[")) - (token.kind in (")", "}", "]"))
        if depth == 0 and token.kind in (",", "∀"):  # `, 1 \\le k \\le D`: where it holds
            stop = at
            break
        if depth == 0 and token.kind in ("+", "-") and token is not first:
            raise AnswerError(
                text,
                name.start,
                f"{written} is written without brackets and a '{token.kind}' follows: whether "
                f"what follows is inside {function} or added after it is unsaid; write its "
                f"argument in brackets, {function}(…)",
                len(written),
            )
    last = tokens[stop - 1]
    shown = text[name.start : last.end]
    note = f"read {shown} as {function}({text[first.start : last.end]}), {written} of all after it"
    return [
        *tokens[: equals[0] + 2],
        Token("(", "(", first.start),
        *tokens[equals[0] + 2 : stop],
        Token(")", ")", last.end),
        *tokens[stop:],
    ], note


def _entry_inside_activation(text: str, tokens: list) -> tuple[list, str] | None:
    """`h_k = \\tanh(Wx)_k + b_k`: an activation around a bracket with a subscript after it,
    and more after that, as the tokens of `h_k = \\tanh((Wx)_k) + b_k` (the entry read by the
    index form, `IndexFormReader.entry_of_formula`) and the note saying so; None for any other
    formula (`h_k = \\tanh(Wx + b)_k`, nothing after it, is `_one_entry_of_matrix_form`'s)."""
    equals = _top_level_equals(tokens)
    if len(equals) != 1 or equals[0] + 2 >= len(tokens):
        return None
    name, opening = tokens[equals[0] + 1], tokens[equals[0] + 2]
    function = ACTIVATIONS.get(name.text.casefold()) if name.kind == "NAME" else None
    if function is None or opening.kind != "(":
        return None
    depth, close = 0, None
    for at in range(equals[0] + 2, len(tokens)):
        depth += (tokens[at].kind == "(") - (tokens[at].kind == ")")
        if depth == 0:
            close = at
            break
    if close is None or close + 2 >= len(tokens) or tokens[close + 1].kind != "_":
        return None
    subscript = tokens[close + 1 : close + 3]  # `_k`, or `_{n,k}` up to its closing brace
    if subscript[1].kind == "{":
        ends = [k for k in range(close + 2, len(tokens)) if tokens[k].kind == "}"]
        if not ends:
            return None
        subscript = tokens[close + 1 : ends[0] + 1]
    after = close + 1 + len(subscript)
    if after >= len(tokens):
        return None
    written = text[name.start : subscript[-1].end]
    inner = text[opening.start : subscript[-1].end]
    note = f"read {written} as {function}({inner}), {function} of that entry"
    return [
        *tokens[: equals[0] + 2],
        Token("(", "(", opening.start),
        *tokens[equals[0] + 2 : after],
        Token(")", ")", subscript[-1].end - 1),
        *tokens[after:],
    ], note


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
    equals = _top_level_equals(tokens)
    if len(equals) != 1 or len(layer.inputs) > 1 or len(layer.output.shape) != 2:
        return None
    before, after = tokens[: equals[0]], tokens[equals[0] + 1 :]
    if not _is_matrix_form([*after, Token("=", "=", 0)]) or _names_output(before, layer):
        return None
    return after if _names_output(after, layer) else None


# The end of the note on a chain of working read as several formulas, said only where the check
# finds they define one layer (the grade drops it where they are sent to a person)
CHAIN_GRADED = ", and graded the last where they define one layer"


def _one_formula_chained(
    text: str, tokens: list, layer: LayerSpec
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """A chain of working whose sides are the output (its name, `Q`, or an entry of it, `h_k`,
    `q_{n,k}`) and formulas: each formula with the output written nearest before it (after it,
    where none is before), as `text` with all else blanked (positions kept, so that
    `_named_after` may read `XW_Q + b_Q = Q`), the last of them the one graded; and the notes
    saying so. One formula written the same (spaces aside) each time (`Q = XW_Q + b_Q = XW_Q +
    b_Q`) is that formula. A statement after a comma (`Q = XW_Q + b_Q, i.e. q_{n,k} = …`) is a
    side of its own, and a side that is an entry of a matrix form (`y_{i,k} = (XW)_{i,k}`, the
    indices the left side's) is that matrix form. None for any other formula; whether its
    formulas define one layer is the check's to say (`same_layer`)."""
    equals = _top_level_equals(tokens)
    if len(equals) < 2:
        return None
    bounds = [-1, *equals, len(tokens)]
    sides = [tokens[bounds[k] + 1 : bounds[k + 1]] for k in range(len(bounds) - 1)]
    if not all(sides):
        return None
    sides = [part for side in sides for part in _statements(side, layer)]
    named = [k for k, side in enumerate(sides) if _names_output(side, layer)]
    others = [k for k in range(len(sides)) if k not in named]
    if not named or not others:
        return None
    written = ["".join("".join(t.text for t in sides[k]).split()) for k in others]
    if len(set(written)) == 1:
        others = others[-1:]  # one formula, written each time: read once
    kept_texts, shown, notes = [], [], []
    for k in others:
        before = [n for n in named if n < k]
        name = before[-1] if before else next(n for n in named if n > k)
        left, right, entry = _entry_of_matrix_form(sides[name], sides[k], layer)
        written = _trailing_subscript(sides[k])
        if entry is None and len(sides[name]) == 1 and written:
            # `h = \\tanh(Wx + b) = \\tanh(Wx + b)_k`: the output's name, then an entry of the
            # formula after it at an index of its own: that formula, as at `h_k`
            at = _entry_of_matrix_form([sides[name][0], *written], sides[k], layer)
            left, right, entry = at if at[2] is not None else (left, right, entry)
        if entry is not None:
            notes.append(entry)
        first, second = (left, right) if name < k else (right, left)
        kept_texts.append(_kept(text, tokens, first, second))
        shown.append(" ".join(kept_texts[-1].split()))
    if len(shown) == 1:
        note = f"read your chain of working as {shown[0]}, the one formula it writes"
    else:
        note = (
            f"read your chain of working as {len(shown)} formulas, {', '.join(shown[:-1])} "
            f"and {shown[-1]}{CHAIN_GRADED}"
        )
    return tuple(kept_texts), (note, *notes)


def _kept(text: str, tokens: list, first: list, second: list) -> str:
    """`text` with only `first`, an '=' and `second` left, all else blanked (positions kept)."""
    kept = [" "] * len(text)
    after = {id(t): tokens[n + 1].start for n, t in enumerate(tokens[:-1])}
    for part in (first, second):  # as written, up to the next token (`\\tanh` is `tanh`)
        start, end = part[0].start, after.get(id(part[-1]), len(text))
        kept[start:end] = text[start:end]
    between = next(t for t in tokens if first[-1].end <= t.start and t.kind == "=")
    kept[between.start : between.end] = "="
    return "".join(kept)


def _one_entry_of_matrix_form(text: str, tokens: list, layer: LayerSpec) -> tuple[str, str] | None:
    """`q_{n,k} = (XW_Q + b_Q)_{n,k}`, `h_k = \\tanh(Wx + b)_k`: one formula whose right side
    is an entry of a matrix form at the output's indices, as the matrix form, `q = XW_Q + b_Q`
    (`text` blanked but for it), and the note saying so; None for any other formula. An entry
    of one named product, `(XW_Q)_{n,k}`, is the index form's to read (as the sum it stands
    for, `IndexFormReader.matrix_entry`)."""
    equals = _top_level_equals(tokens)
    if len(equals) != 1 or not _output_entry(tokens[: equals[0]], layer):
        return None
    left, right = tokens[: equals[0]], tokens[equals[0] + 1 :]
    name, matrix, note = _entry_of_matrix_form(left, right, layer)
    written = _trailing_subscript(right) or []
    other = None
    if note is None and written:  # `q_{n,k} = (XW_Q + b_Q)_{k,n}`
        _, matrix, other = _entry_of_matrix_form([left[0], *written], right, layer)
    kinds = [token.kind for token in matrix]
    if kinds in (["NAME", "_", "NAME"], ["NAME", "_", "{", "NAME", "}"]):
        return None
    indices, shown = _indices(left[1:]), _indices(written)
    if layer.recurrent and note is None and shown and len(shown) < len(indices):
        # `h_{t,k} = \tanh(W_x x_t + …)_k`: the entry k of the state at t, as `h_t = \tanh(…)`
        _, matrix, whole = _entry_of_matrix_form(left, [*right[: -len(written)], *left[1:]], layer)
        if whole is not None:
            full, part = ",".join(indices), ",".join(shown)
            step = f"{left[0].text}_{{{','.join(indices[: -len(shown)])}}}"
            entry = whole.replace(
                f"_{{{full}}} as the entry {full} ", f"_{{{part}}} as the entry {part} "
            )
            if indices[-len(shown) :] == shown:
                kept = list(_kept(text, tokens, left[:1], matrix))
                kept[left[0].start : left[-1].end] = step.ljust(left[-1].end - left[0].start)
                return "".join(kept), entry
            # `\tanh(…)_j` for h_{t,k}: the entry j is not the output's k
            unsummed = [index for index in shown if index not in indices]
            raise _different_entries(text, written, entry, indices[-len(shown) :], step, unsummed)
    if other is not None:  # the two sides name different entries: said so
        raise _different_entries(text, written, other, indices, left[0].text)
    if note is None:
        return None
    return _kept(text, tokens, name, matrix), note


def _different_entries(
    text: str,
    written: list,
    entry: str,
    indices: list[str],
    output: str,
    unsummed: list[str] | None = None,
) -> AnswerError:
    """Why a formula whose right side is an entry (`entry`, a note "read … as the entry …")
    at the subscript `written` is not read: the left side, `output`, is the entry `indices`,
    another one; and, where the subscript has indices that are not the output's (`unsummed`),
    that no sum introduces them. The caret is under the subscript."""
    said = (
        f"{entry.removeprefix('read ').replace(' as the entry', ' is the entry', 1)}, but the "
        f"left side is the entry {','.join(indices)} of {output}: the two sides name different "
        "entries"
    )
    if unsummed:
        said += f", and no sum introduces {', '.join(unsummed)}"
    return AnswerError(text, written[0].start, said, written[-1].end - written[0].start)


# What may join two statements of a chain of working after a comma: `, i.e.`, `, ie`
_JOINED = (("i", ".", "e", "."), ("i", ".", "e"), ("ie",), ("so",), ())


def _statements(side: list, layer: LayerSpec) -> list[list]:
    """A side of a chain as the sides it holds: `XW_Q + b_Q, i.e. q_{n,k}` is two, the formula
    and the output it names anew after a comma (and `i.e.`); any other side is one."""
    for k, token in enumerate(side):
        if token.kind != ",":
            continue
        rest = side[k + 1 :]
        for words in _JOINED:
            if tuple(t.text for t in rest[: len(words)]) != words:
                continue
            named = rest[len(words) :]
            if side[:k] and named and _names_output(named, layer):
                return [side[:k], named]
    return [side]


def _entry_of_matrix_form(
    left: list, right: list, layer: LayerSpec
) -> tuple[list, list, str | None]:
    """`y_{i,k}` and `(XW + b)_{i,k}` (or `h_k` and `\\tanh(Wx + b)_k`), a side that is the
    entry of a matrix form at the left side's indices: the left side's name and the matrix
    form, `y = XW + b` (`h = \\tanh(Wx + b)`), with a note; the sides as they are, and None,
    for any other."""
    indices = _indices(left[1:])
    written = _trailing_subscript(right)
    function = int(
        len(right) > 1 and right[0].text.casefold() in ACTIVATIONS and right[1].kind == "("
    )
    if (
        not indices
        or written is None
        or _indices(written) != indices
        or len(right) <= len(written) + 2 + function
        or right[function].kind != "("
        or right[-len(written) - 1].kind != ")"
        or len(indices) != len(layer.output.shape)
        or len(layer.output.shape) not in (1, 2)
    ):
        return left, right, None
    inner = right[function + 1 : -len(written) - 1]
    depth = 0
    for token in inner:  # `(XW)_{i,k}` whole, not `(X)(W)_{i,k}`
        depth += {"(": 1, ")": -1}.get(token.kind, 0)
        if depth < 0:
            return left, right, None
    shown = ",".join(indices)
    if function:
        matrix = f"{ACTIVATIONS[right[0].text.casefold()]}({_as_spaced(inner)})"
        kept = right[: -len(written)]
    else:
        matrix, kept = _as_spaced(inner), inner
    entry = matrix if function else f"({matrix})"
    return left[:1], kept, f"read {entry}_{{{shown}}} as the entry {shown} of {matrix}"


def _trailing_subscript(tokens: list) -> list | None:
    """The subscript `tokens` end in, `_k` or `_{n,k}`, or None."""
    if len(tokens) >= 2 and tokens[-2].kind == "_" and tokens[-1].kind in ("NAME", "NUMBER"):
        return tokens[-2:]
    if not tokens or tokens[-1].kind != "}":
        return None
    opening = next((k for k in range(len(tokens) - 1, 0, -1) if tokens[k].kind == "{"), 0)
    return tokens[opening - 1 :] if opening > 0 and tokens[opening - 1].kind == "_" else None


def _indices(subscript: list) -> list[str]:
    """The indices a subscript writes, `_{n,k}`: n and k; none where it is anything else."""
    if len(subscript) < 2 or subscript[0].kind != "_":
        return []
    inside = subscript[2:-1] if subscript[1].kind == "{" else subscript[1:]
    if not all(t.kind in ("NAME", ",") for t in inside):
        return []
    return [t.text for t in inside if t.kind == "NAME"]


def _as_spaced(tokens: list) -> str:
    """`tokens` shown as the student spaced them (`XW_Q + b_Q`, not `XW _ Q + b _ Q`)."""
    return "".join(
        (" " if k and token.start > tokens[k - 1].end else "") + token.text
        for k, token in enumerate(tokens)
    )


def _names_output(tokens: list, layer: LayerSpec) -> bool:
    """Whether `tokens` name the output and nothing else (its transpose marks aside), or an
    entry of it, `h_k`, `y_{i,k}`, `q_{n,k}`."""
    names = [token.text for token in tokens if token.kind == "NAME" and token.text != "T"]
    if len(names) == 1 and same_name(names[0], layer.output.name):
        return True
    return _output_entry(tokens, layer)


def _output_entry(tokens: list, layer: LayerSpec) -> bool:
    """Whether `tokens` are an entry of the output: its name, then `_` and a letter, or letters
    and numbers in braces (`h_k`, `y_{i,k}`, `y_{i+1,k}`)."""
    if (
        len(tokens) < 3
        or tokens[0].kind != "NAME"
        or not same_name(tokens[0].text, layer.output.name)
        or tokens[1].kind != "_"
    ):
        return False
    if len(tokens) == 3:
        return tokens[2].kind in ("NAME", "NUMBER")
    inside = tokens[3:-1]
    return (
        tokens[2].kind == "{"
        and tokens[-1].kind == "}"
        and bool(inside)
        and all(t.kind in ("NAME", "NUMBER", ",", "+", "-") for t in inside)
    )


def _is_matrix_form(tokens: list) -> bool:
    """Whether the left side is a matrix, `Y`, `Y^T`, or one in brackets, `(Y)^T`."""
    opened = next((k for k, token in enumerate(tokens) if token.kind != "("), len(tokens))
    first = tokens[opened] if opened < len(tokens) else None
    second = tokens[opened + 1] if opened + 1 < len(tokens) else None
    follows = ("=", "^", "'", ")") if opened else ("=", "^", "'")
    return first is not None and first.kind == "NAME" and (second is None or second.kind in follows)


def _top_level_equals(tokens: list) -> tuple[int, ...]:
    """Where '=' stands outside every bracket among `tokens` (`top_level_equals` of their
    kinds): asked five times of each answer's tokens as it is read, so remembered by them."""
    return _equals_of_kinds(tuple(map(itemgetter(0), tokens)))  # each token's kind


@lru_cache(maxsize=64)
def _equals_of_kinds(kinds: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(top_level_equals(kinds))


@lru_cache(maxsize=64)
def _tokens(text: str) -> tuple:
    """A formula's tokens, remembered: an answer is read, then asked whether it is an index
    form, once or twice, as it is graded. The last 64 answers only (at most 1,000 characters
    each, `normalise.MAX_ANSWER_LENGTH`), so a worker's memory stays small."""
    return tuple(tokenize(normalise(text, FORMULA_STEPS)))


# The texts (with their layers) `_read` found written in index form as they stand, none
# bracketed anew: what `is_index_form` and `is_written_with_vectors` would find again by the
# same tests, asked of each answer as it is graded. The last answers only: emptied when full.
_INDEX_FORMS: dict[tuple[str, LayerSpec], bool] = {}
INDEX_FORMS_KEPT = 64


def _remember_index_form(text: str, layer: LayerSpec) -> None:
    if len(_INDEX_FORMS) >= INDEX_FORMS_KEPT:
        _INDEX_FORMS.clear()
    _INDEX_FORMS[text, layer] = True


def is_index_form(text: str, layer: LayerSpec | None = None) -> bool:
    """Whether a readable formula is written with indices (`y_{i,k} = ...`), not as a matrix
    product (`Y = XW`) or with vectors at a time step (`h_t = W x_t`), whose indices are no
    one's convention. Remembered as `_tokens` are (the last 64 answers): an answer is asked of
    up to four times as it is graded (its matrices held to the question's, its index base);
    where it was read in index form as written, that reading's tests are not made again."""
    if layer is not None and (text, layer) in _INDEX_FORMS:
        return True
    return _is_index_form(text, layer)


@lru_cache(maxsize=64)
def _is_index_form(text: str, layer: LayerSpec | None) -> bool:
    """`is_index_form`, worked out from the tokens."""
    tokens = list(_tokens(text))
    return not _is_matrix_form(tokens) and not (
        layer is not None
        and (is_vector_form(tokens, layer) or _one_entry_of_matrix_form(text, tokens, layer))
    )


def is_written_with_vectors(text: str, layer: LayerSpec) -> bool:
    """Whether a readable formula is written with vectors (`q_t = W x_t + b`, `h = Wx + b`):
    read as the index formula it stands for (`vector_form`), its matrices named as written."""
    if (text, layer) in _INDEX_FORMS:
        return False  # read in index form: `_read` found it no vector form
    return is_vector_form(list(_tokens(text)), layer)
