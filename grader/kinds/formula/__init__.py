"""Layer formulas (`type: formula`): one output tensor defined entry by entry, in index
notation or as a matrix product such as Y = XW, judged by the layer it defines (which inputs
each output reads, through which weights, with which biases), not by how it is written."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from grader.errors import AnswerError, Problem
from grader.kinds.base import check_rules
from grader.kinds.formula.check import (
    FINDINGS,
    FormulaCheck,
    chain_sides_apart,
    check_formula,
    differs_at_first_sizes,
    inputs_read,
    misses_inputs,
    reads_too_few,
    same_layer,
)
from grader.kinds.formula.index_base import (
    counts_from_zero,
    indexed_from_zero,
    moved_other_base_check,
    other_base_check,
    reading_notes,
)
from grader.kinds.formula.inputs import INPUT_DESCRIPTIONS, has_time
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.matrix_form import (
    declared_misfit,
    held_to_reference,
    index_form_misfits,
    number_factors,
    read_as_given,
    rule_never_fits,
    uses_other_matrices,
)
from grader.kinds.formula.parse import CHAIN_GRADED, is_index_form, parse_formula
from grader.kinds.formula.rubric import (
    FormulaSpec,
    read_formula,
    read_index_base,
    read_layer,
    read_matrices,
)
from grader.kinds.formula.score import (
    chain_review,
    given_matrix_review,
    score_formula,
    score_given_scaled,
    score_layout,
)
from grader.kinds.formula.terms import Formula, LayerSpec, same_name
from grader.kinds.formula.vector_form import is_one_vector
from grader.kinds.formula.window_offset import (
    has_moved_windows,
    moved_misconception_check,
    window_offset_check,
)
from grader.model import Context, Item, ItemResult, Rubric
from grader.symbol_values import multiples
from grader.yaml_source import Fields

# Each finding in words, for the class overview's most common mistakes (a student is told the
# finding's own message, with their formula's details).
DESCRIPTIONS = {
    "not_fully_connected": "not a fully connected layer: outputs do not read every input",
    "fully_connected": "a fully connected layer where a convolution is asked for",
    "kernel_size": "the wrong kernel size",
    "connectivity": "outputs read the wrong inputs",
    "channel_independent": "weights that do not depend on the output channel",
    "unshared_weights": "weights that depend on the position, so not a convolution",
    "shared_weights": "weights shared where each connection needs its own",
    "weight_sharing": "weights shared the wrong way",
    "bias_missing": "the bias is left out",
    "bias_extra": "a bias where the part asks for the layer without one",
    "bias_shared": "one bias shared where each output needs its own",
    "bias_unshared": "a bias per position where it is shared across positions",
    "bias_varies": "a bias that differs between outputs where the layer has one for all",
    "fixed_term": "a constant term that is not a parameter",
    "range": "a sum over the wrong range",
    "reads_outside": "indices that read outside the input",
    "term_outside": "a term that reads only outside the input, always zero",
    "shape": "the output or input indexed with the wrong shape",
    "different": "a different layer",
    "index_base": "the right layer with indices counted from the other base (0 or 1)",
    "stride": "a window that moves by another stride",
    "dilation": "a kernel dilated where the layer's is not, or the other way round",
    "group_channels": "filters that read every input channel in a grouped or depthwise convolution",
    "group_mismatch": "filters that read another group's input channels",
    "pooling_weights": "weights or a bias in a pooling layer, which has none",
    "pooling_scale": "a pooling window weighed other than by its mean, or a max scaled",
    "pooling_window": "the pooling window placed wrongly: the wrong stride or offset",
    "pooling_inputs": "windows that are not the pooling's: another size or shape, across "
    "channels, one input, or one block for every output",
    "pooling_max": "a sum or mean where max pooling takes the maximum",
    "pooling_mean": "a maximum where average pooling takes the mean",
    "pooling_min": "a min, or a max of negated inputs (minus their min), where max pooling "
    "takes the max",
    "max_for_sum": "a maximum where the layer sums weighted inputs",
    "activation_missing": "the activation around the weighted sum left out",
    "activation_extra": "an activation where the layer's output is the weighted sum itself",
    "activation_wrong": "another activation than the layer's (tanh, σ, ReLU)",
    "activation_outside": "a term added after the activation, outside it (tanh(…) + b)",
    "fractional_index": "a sum's bound or an index that is a fraction at some sizes (K/2, K odd)",
    "range_unknown": "a range left out where the question does not settle it",
    "output_index": "an output index that misses some outputs or names one twice",
    "index_order": "an input's indices written in another order (x[e,n] for x[n,e])",
    "window_offset": "the right kernel, its window anchored elsewhere (at a corner, not centred)",
    "given_matrix": "another matrix where the question gives one: for a person",
    "given_scaled": "a number times a matrix the question gives, which makes another matrix",
    "layout": "a weight in the other layout than the reference's, which the rubric leaves open",
    **INPUT_DESCRIPTIONS,
}


class FormulaKind:
    name = "formula"
    keys = ("input", "inputs", "output", "padding", "index_base", "matrices")
    diagnoses = FINDINGS.names
    keeps_prose = False
    part_diagnoses = ()
    count_role = "defines"

    def advice(self, item: Item, context: Context) -> str:
        """How to write a formula, with an example of the item's shape and sizes, in the
        reference's layout, over another layer's letters (never the item's answer), and another
        form only where this item reads it."""
        layer = item.spec.layer
        names = ExampleNames.neutral(layer, item.reference)
        example = formula_example(layer, item.reference, names)
        other = other_form(layer, item.reference, names)
        return f"Write the formula with indices, e.g. {example}" + (f", {other}." if other else ".")

    def describe_diagnosis(self, name: str) -> str:
        return DESCRIPTIONS.get(name, name.replace("_", " "))

    def read_spec(
        self, fields: Fields, marks: float | None, context: Context, problems: list[Problem]
    ) -> FormulaSpec | None:
        layer = read_layer(fields, context.symbol_table, problems)
        index_base = read_index_base(fields)
        matrices, free, lines, other = read_matrices(fields, context.symbol_table, layer, problems)
        if layer is None:
            return None
        return FormulaSpec(layer, index_base, matrices, free, lines, other)

    def read_answer(
        self,
        text: str,
        line: int,
        path: str,
        context: Context,
        spec: Any,
        problems,
        *,
        misconception: bool,
    ) -> Formula | None:
        formula = read_formula(
            text,
            line,
            path,
            context.symbol_table,
            spec.layer,
            problems,
            context.size_sets,
            multiples(context.symbols),
        )
        misfit = None if formula is None else declared_misfit(formula, spec.matrices)
        if misfit is not None:  # the rubric's own answer uses a matrix as it does not declare
            message = misfit.shape_problem or ""
            if misconception:
                message = rule_never_fits(formula, spec.matrices) or message
            problems.append(Problem(line, path, message))
            return None
        if formula is not None and not misconception:
            used = {access.name for term in formula.terms for access in term.factors}
            for name in sorted(
                n for n in spec.other_matrices if any(same_name(u, n) for u in used)
            ):
                problems.append(
                    Problem(
                        line,
                        path,
                        f"{name} is declared `other`, a matrix the question gives for something "
                        "else, but the rubric's answer uses it",
                    )
                )
            # An index-form answer implies its matrices' shapes too (w_{c,d}: C×D); a
            # declaration that contradicts it would mark matrix forms against another layer.
            for name, problem in index_form_misfits(formula, spec.layer, spec.matrices):
                at = dict(spec.matrix_lines).get(name, line)
                key = f"{path.split('.answer')[0]}.matrices.{name}"
                problems.append(Problem(at, key, problem))
        if formula is not None and spec.index_base == "0" and is_index_form(text, spec.layer):
            return indexed_from_zero(formula, spec.layer)
        return formula

    def grade(self, item: Item, text: str, context: Context) -> ItemResult:
        written = held_to_reference(
            parse_formula(text, context.symbol_table, item.spec.layer, item.reference),
            item.reference,
            item.spec.layer,
            item.spec.matrices,
            item.spec.free_layout,
        )
        written = uses_other_matrices(
            written, item.reference, item.spec.layer, item.spec.matrices, item.spec.other_matrices
        )
        # a chain of formulas (`h = \\tanh(Wx + b), i.e. h_k = …`): its last is graded as written
        graded = written.chain_sides[-1].text if written.chain_sides else text
        result = self._grade(item, graded, written, context)
        numbers = number_factors(written, item.reference, item.spec.layer, item.spec.matrices)
        if numbers.given and result.verdict in ("correct", "partial"):
            result = _scaled_misconception(item, written, context) or score_given_scaled(
                result, numbers.given, item.partial_credit.get("given_scaled")
            )
        if written.given_matrices and result.verdict in ("correct", "partial"):
            result = given_matrix_review(result, written.given_matrices)
        if written.relayout and result.verdict in ("correct", "partial"):
            result = score_layout(result, written.relayout, item.partial_credit.get("layout"))
        if written.chain_sides:  # `h_k = … = …`: graded only where every side is its layer
            layer = item.spec.layer

            def held(side: Formula) -> Formula:
                return held_to_reference(
                    side, item.reference, layer, item.spec.matrices, item.spec.free_layout
                )

            def readings(side: Formula) -> tuple[Formula, ...]:
                # each side held to the question's shapes as the graded one is: a side whose
                # shapes do not fit (`(XW_Q^T + b_Q)_{n,k}`) is not shown to be its layer
                held_side = read_as_given(
                    held(side), item.reference, layer, item.spec.matrices, item.spec.other_matrices
                )
                if item.spec.index_base == "1" or not is_index_form(side.text, layer):
                    return (held_side,)
                return held_side, indexed_from_zero(held_side, layer)

            declared = (*(n for n, _, _ in item.spec.matrices), *item.spec.other_matrices)
            # how the other sides were read too (`Q = XW + b_Q, i.e. …`: W as the question's
            # W_Q), not only the graded one
            sides_read = [n for side in written.chain_sides[:-1] for n in held(side).assumed]
            written = replace(
                written, assumed=tuple(dict.fromkeys((*written.assumed, *sides_read)))
            )
            apart = chain_sides_apart(written, layer, context.size_sets, readings, declared)
            if apart:  # the note no longer says they define one layer: a person compares them
                result = chain_review(result, written, apart)
                written = replace(
                    written, assumed=tuple(n.removesuffix(CHAIN_GRADED) for n in written.assumed)
                )
        assumed = (*written.assumed, *numbers.notes)
        if assumed:  # what a marker reads into it, said where the student sees it
            result = replace(result, reading_notes=(*assumed, *result.reading_notes))
        return result

    def _grade(self, item: Item, text: str, written: Formula, context: Context) -> ItemResult:
        base = item.spec.index_base
        index_form = base == "0" and is_index_form(text, item.spec.layer)
        formula = indexed_from_zero(written, item.spec.layer) if index_form else written
        check = check_formula(item, formula, context.symbols, context.size_sets)
        if check.equivalent or not check.exact or not is_index_form(text, item.spec.layer):
            return score_formula(item, formula, check)
        # Right in the other convention? Said so, or (index_base: any) right, with a note.
        other_base = "1" if base == "0" else "0"
        if base == "0":
            readings = (("all", written),)
        else:
            # With `index_base: any` the positions may be counted from 0 and the channels
            # from 1 (`x_{2i+u,l}`, l = 1..C), or the other way round.
            axes = ("all", "positions", "channels") if base == "any" else ("all",)
            readings = tuple((a, indexed_from_zero(written, item.spec.layer, a)) for a in axes)
        reads_right: tuple[str, Formula] | None = None  # read from 0, the right inputs
        for axes, other in readings:
            if axes != "all" and other in (written, readings[0][1]):
                continue  # the layer has no such axes: nothing new to read
            try:
                right_otherwise = not differs_at_first_sizes(
                    other, item.reference, item.spec.layer, context.size_sets
                ) and same_layer(other, item.reference, item.spec.layer, context.size_sets)
                if (
                    not right_otherwise
                    and base == "any"
                    and reads_right is None
                    and _reads_the_right_inputs(other, formula, item, context)
                ):
                    reads_right = axes, other
            except AnswerError:  # shifted, it reads too far to check: it is not right that way
                right_otherwise = False
            if not right_otherwise:
                continue
            other_check = check_formula(item, other, context.symbols, context.size_sets)
            if any(f.kind == "reads_outside" for f in other_check.findings):
                continue  # the right layer that way only by reading entries that do not exist
            if base == "any":
                result = score_formula(item, other, other_check)
                return replace(
                    result, reading_notes=(*reading_notes(other_base, axes), *result.reading_notes)
                )
            return score_formula(item, formula, other_base_check(base, other_base, other_check))
        if reads_right is not None:
            # `index_base: any`: counted from 0 it reads the right inputs, and is wrong only
            # otherwise (no bias, a mean's scale); counted from 1 its windows would look moved
            # or wrong, which the other count the question allows makes untrue.
            axes, other = reads_right
            result = score_formula(
                item, other, check_formula(item, other, context.symbols, context.size_sets)
            )
            return replace(
                result, reading_notes=(*reading_notes(other_base, axes), *result.reading_notes)
            )
        # The right layer with each window moved (anchored at its corner, not centred)?
        # Told after the index base, which moves a strided layer's windows too.
        if check.misconception is None:
            moved = window_offset_check(item, formula, check, context.symbols, context.size_sets)
            if moved is not None:
                return score_formula(item, formula, moved)
            moved_otherwise = _moved_in_other_base(item, readings, (formula,), context)
            if moved_otherwise is not None:
                return moved_otherwise
            # A misconception's layer with its window moved: the same mistake.
            mistaken = moved_misconception_check(
                item, formula, check, context.symbols, context.size_sets
            )
            if mistaken is not None:
                return score_formula(item, formula, mistaken)
        counted = _pooling_counted_from_zero(item, formula, check, context)
        return counted or score_formula(item, formula, check)

    def carry_forward(
        self, item: Item, count: ItemResult, formula: ItemResult, context: Context
    ) -> ItemResult | None:
        return None  # it states no count

    def recognises(self, item: Item, text: str, context: Context) -> bool:
        """A formula is an equation whose left side is the layer's output (`y_{i,j,k} = …`,
        `Y = XW`, `Y^T = …`), whether or not the rest can be read: a formula that cannot be
        read is still the student's answer, graded with what is wrong with it."""
        left, equals, _ = text.partition("=")
        name = re.escape(item.spec.layer.output.name)
        written = re.sub(r"\\(mathbf|boldsymbol|bm|mathrm|mathit)\s*\{\s*(\w+)\s*\}", r"\2", left)
        return (
            bool(equals)
            and re.fullmatch(rf"\s*{name}\s*(?:[_^\['′ᵀ].*)?", written, re.IGNORECASE | re.DOTALL)
            is not None
        )

    def same_answer(self, item: Item, first: Any, second: Any, context: Context) -> bool:
        """The same layer, with each matrix the question gives times the same number (`U =
        -XᵀG`, a sign error, is not `U = XᵀG`)."""
        return bool(
            same_layer(first, second, item.spec.layer, context.size_sets)
        ) and not _scales_given_otherwise(item, first, second)

    def self_test(
        self, rubric: Rubric, item: Item, grade: Callable[[Item, str], ItemResult]
    ) -> list[Problem]:
        return check_rules(
            item,
            grade,
            lambda a, b: self.same_answer(item, a, b, rubric.context),
            lambda reading: _layout_advice(item, reading),
        )


def _scales_given_otherwise(item: Item, first: Formula, second: Formula) -> bool:
    """Whether `first` multiplies a matrix the question gives by another number than `second`
    does (`number_factors`): `U = -XᵀG` and `U = XᵀG` are the same layer up to G's values."""
    return bool(number_factors(first, second, item.spec.layer, item.spec.matrices).given)


def _scaled_misconception(item: Item, written: Formula, context: Context) -> ItemResult | None:
    """`written`, which multiplies a matrix the question gives by another number than the
    reference, scored as the rubric's misconception that does the same (`U = -XᵀG`, a sign
    error), the first such; None where none does."""
    for index, rule in enumerate(item.misconceptions):
        if rule.reading is None or _scales_given_otherwise(item, written, rule.reading):
            continue
        if same_layer(written, rule.reading, item.spec.layer, context.size_sets):
            check = check_formula(item, written, context.symbols, context.size_sets)
            mistaken = replace(
                check, equivalent=False, misconception=rule, misconception_index=index
            )
            return score_formula(item, written, mistaken)
    return None


def _layout_advice(item: Item, reading: Formula) -> str:
    """Why a misconception equals the reference, where it is the reference with a weight in the
    other layout (`Y = XW^T` for `Y = XW`), and the keys that tell them apart; "" otherwise."""
    relayout = held_to_reference(
        reading, item.reference, item.spec.layer, item.spec.matrices, item.spec.free_layout
    ).relayout
    if not relayout:
        return ""
    stored = " and ".join(f"{name} stored {needed}" for name, needed, *_ in relayout)
    theirs = " and ".join(f"{name} is {shape}" for name, _, shape, _ in relayout)
    free = ", ".join(f"{name}: any" for name, *_ in relayout)
    fixed = ", ".join(f"{name}: [{', '.join(shape.split('×'))}]" for name, _, shape, _ in relayout)
    return (
        f": it is the reference with {stored} (the reference's {theirs}). Say what that layout "
        f"earns with matrices: {{{free}}} (right), matrices: {{{fixed}}} (the question fixes the "
        "shape: a shape finding) or partial_credit: {layout: N}"
    )


def _size(size) -> str:
    return str(size).replace("*", "")


@dataclass(frozen=True)
class ExampleNames:
    """The letters a hint's example writes for a layer's output, input, weight and bias."""

    output: str
    input: str
    weight: str
    bias: str

    @staticmethod
    def own(layer: LayerSpec) -> ExampleNames:
        """The item's own tensors, with anyone's w and b."""
        return ExampleNames(layer.output.name, layer.input.name, "w", "b")

    @staticmethod
    def neutral(layer: LayerSpec, reference: Formula | None) -> ExampleNames:
        """Letters of another layer, none the item's (its tensors, sizes, or the reference's
        parameters, in any case): a hint shows how to write a formula, not this item's."""
        taken = {t.name.casefold() for t in (*layer.inputs, layer.output)}
        taken |= {
            str(s).casefold()
            for t in (*layer.inputs, layer.output)
            for size in t.shape
            for s in size.free_symbols
        }
        if reference is not None:
            taken |= {a.name.casefold() for term in reference.terms for a in term.factors}
        taken |= set("ijmkluwe")  # indices the example writes, anyone's w, and e

        def fresh(candidates: str) -> str:
            name = next(c for c in candidates if c.casefold() not in taken)
            taken.add(name.casefold())
            return name

        return ExampleNames(fresh("zyov"), fresh("srav"), fresh("AMBF"), fresh("cdgr"))


def formula_example(
    layer: LayerSpec, reference: Formula | None = None, names: ExampleNames | None = None
) -> str:
    """A formula written as a student should, of the item's shape and over `names` (the
    layer's own by default), for ANOTHER layer than any this item asks for: each entry scaled
    and shifted by its position's parameters, `z_{i,j,k} = a_{i,j} s_{i,j,k} + c_{i,j}` for s
    of shape [P, Q, C] (the bias only where the reference has one; positions the last axis
    where the reference has tokens as columns, `z_{k,i} = a_{i} s_{k,i} + c_{i}`), then how a
    sum is written over the input's channels, `\\sum_{l=1}^{C}`. Where the reference has no
    parameters (pooling), a window along one axis, without weights and moving by 1,
    `z_{i,j,k} = \\sum_{u=0}^{1} s_{i+u,j,k}` (`\\max` for a max). The example names no
    weighted sum, so no renaming of it is the item's answer (a linear layer's, with or without
    its activation)."""
    names = names or ExampleNames.own(layer)
    taken = {layer.input.name, layer.output.name, "w", "b", "k", "l", "u"}
    letters = [letter for letter in "ijmnpqrst" if letter not in taken]
    leading = max(len(layer.output.shape), len(layer.input.shape)) - 1
    indices = letters[:leading]
    y, x, w = names.output, names.input, names.weight
    if reference is not None and not _has_parameters(reference, layer):
        out = [*indices[: len(layer.output.shape) - 1], "k"]
        into = [*indices[: len(layer.input.shape) - 1], "k"]
        if len(into) > 1:
            into[0] += "+u"
        reduce = "\\max" if reference.reduction == "max" else "\\sum"
        example = f"{y}_{{{','.join(out)}}} = {reduce}_{{u=0}}^{{1}} {x}_{{{','.join(into)}}}"
        return f"{example} (another window)"
    if tokens_as_columns(layer):
        out, into, position = ["k", indices[0]], ["k", indices[0]], [indices[0]]
        channels = _size(layer.input.shape[0])
    else:
        out = [*indices[: len(layer.output.shape) - 1], "k"]
        into = [*indices[: len(layer.input.shape) - 1], "k"]
        position = out[:-1] or out
        channels = _size(layer.input.shape[-1])
    at = ",".join(position)
    has_bias = reference is None or _has_bias(reference, layer)
    bias = f" + {names.bias}_{{{at}}}" if has_bias else ""
    shifted = f" and shifted by its {names.bias}" if has_bias else ""
    return (
        f"{y}_{{{','.join(out)}}} = {w}_{{{at}}} {x}_{{{','.join(into)}}}{bias} (another layer: "
        f"each entry scaled by its position's {w}{shifted}); a sum over l from 1 to "
        f"{channels} is written \\sum_{{l=1}}^{{{channels}}}"
    )


def _has_parameters(reference: Formula, layer: LayerSpec) -> bool:
    """Whether the reference reads a weight or a bias (a name other than the tensors')."""
    tensors = {t.name for t in (*layer.inputs, layer.output)}
    return any(a.name not in tensors for term in reference.terms for a in term.factors)


def _has_bias(reference: Formula, layer: LayerSpec) -> bool:
    """Whether the reference has a term that reads no input: a bias."""
    return any(
        term.factors and not any(layer.is_input(a.name) for a in term.factors)
        for term in reference.terms
    )


def other_form(
    layer: LayerSpec, reference: Formula | None, names: ExampleNames | None = None
) -> str:
    """Another way this item reads a layer, to suggest beside the indices, over `names` (the
    layer's own by default), again for ANOTHER layer than the item's: vectors for one input
    vector (`z = A s + s`, a residual layer) or at a time step (`z_t = A z_{t-1}`, a recurrence
    without input), a matrix product where each output row (or column) reads only its own, as
    a layer that mixes the rows (`Z = A S`; the columns, `Z = S A`, with tokens as columns);
    "" where none fits (a window, pooling: no weights to write as a matrix)."""
    names = names or ExampleNames.own(layer)
    y, x, w = names.output, names.input, names.weight
    if reference is None or not _has_parameters(reference, layer):
        return ""
    if is_one_vector(layer):
        return (
            f"or with vectors, e.g. {y.lower()} = {w} {x.lower()} + {x.lower()} (a residual layer)"
        )
    if len(layer.inputs) > 1 and has_time(layer):
        return (
            f"or with vectors at a time step, e.g. {y}_t = {w} {y}_{{t-1}} "
            "(a recurrence without input)"
        )
    if len(layer.inputs) > 1 or len(layer.input.shape) != 2 or len(layer.output.shape) != 2:
        return ""
    axis = 1 if tokens_as_columns(layer) else 0
    if not _reads_own_position(reference, layer, axis):
        return ""
    # the weight on the other side: a layer that mixes the rows (columns), never this one
    product, mixed = (f"{x.upper()} {w}", "columns") if axis == 1 else (f"{w} {x.upper()}", "rows")
    return f"or a matrix form such as {y.upper()} = {product} (a layer that mixes the {mixed})"


def _reads_own_position(reference: Formula, layer: LayerSpec, axis: int) -> bool:
    """Whether every input the reference reads is at the output's own row (`axis` 0) or column
    (1): a layer a matrix product writes, not a window over neighbours."""
    own = reference.output.indices[axis]
    return all(
        a.indices[axis] == own
        for term in reference.terms
        for a in term.factors
        if a.name == layer.input.name and len(a.indices) == 2
    )


FORMULA = FormulaKind()


def _moved_in_other_base(
    item: Item,
    readings: tuple[tuple[str, Formula], ...],
    seen: tuple[Formula, ...],
    context: Context,
) -> ItemResult | None:
    """The answer graded as a window anchored elsewhere where it is one only when read with
    the other index base (`x_{2i+u,l}`, u = 1..3, counted from 0: the layer's window moved by
    two positions; counted from 1, by three, no moved window); None where no reading is.
    With `index_base: any` that reading is allowed, and said in a note; with a fixed base the
    answer is in the other convention and moved besides: both said, for a person."""
    assert item.reference is not None
    layer, sizes = item.spec.layer, context.size_sets
    try:
        as_written = inputs_read(seen[0], layer, sizes)
    except AnswerError:
        return None
    if as_written == inputs_read(item.reference, layer, sizes):
        return None  # as written it reads the right inputs: what else is wrong is said so
    base = item.spec.index_base
    other_base = "1" if base == "0" else "0"
    for axes, other in readings:
        if other in seen:
            continue
        seen = (*seen, other)
        if not has_moved_windows(item, other, context.size_sets):
            continue  # its windows are not the right ones moved: no need to check it
        try:
            other_check = check_formula(item, other, context.symbols, context.size_sets)
        except AnswerError:  # read that way, it reads too far to check
            continue
        if other_check.misconception is not None:
            continue
        shown = base if axes == "channels" else other_base  # the base its positions are in
        moved = window_offset_check(
            item, other, other_check, context.symbols, context.size_sets, shown
        )
        if moved is None:
            continue
        if base == "any":
            result = score_formula(item, other, moved)
            return replace(
                result, reading_notes=(*reading_notes(other_base, axes), *result.reading_notes)
            )
        return score_formula(item, other, moved_other_base_check(base, other_base, moved))
    return None


# Findings that quote a pooling window's entries, which count in the formula's index base.
_QUOTES_ENTRIES = ("pooling_window", "pooling_inputs")


def _pooling_counted_from_zero(
    item: Item, written: Formula, check: FormulaCheck, context: Context
) -> ItemResult | None:
    """A pooling answer whose windows are wrong either way, told in the count it is written
    in: with `index_base: any`, one that counts its positions from 0 (`x_{2i+u,2j+v,k}`, its
    first window at x[0,0,…]) is read so, with the note, and its entries are quoted from 0
    (they were quoted from 1, as a formula it is not). None where it is not such an answer."""
    if item.spec.index_base != "any" or not any(f.kind in _QUOTES_ENTRIES for f in check.findings):
        return None
    layer, sizes = item.spec.layer, context.size_sets
    try:
        if not counts_from_zero(written, layer, sizes):
            return None
        zero = indexed_from_zero(written, layer)
        counted = check_formula(item, zero, context.symbols, sizes, shown="0")
    except AnswerError:  # read from 0, it reads too far to check
        return None
    if not any(f.kind in _QUOTES_ENTRIES for f in counted.findings):
        return None
    result = score_formula(item, zero, counted)
    return replace(result, reading_notes=(*reading_notes("0"), *result.reading_notes))


def _reads_the_right_inputs(other: Formula, written: Formula, item: Item, context: Context) -> bool:
    """Whether `other` (the answer read with the other index base) has each output read the
    reference's inputs where the answer as written does not."""
    assert item.reference is not None
    layer, sizes = item.spec.layer, context.size_sets
    wanted = inputs_read(item.reference, layer, sizes)
    if reads_too_few(other, layer, sizes, wanted) or misses_inputs(other, layer, sizes, wanted):
        return False  # no need to instantiate it
    return (
        inputs_read(other, layer, sizes) == wanted and inputs_read(written, layer, sizes) != wanted
    )
