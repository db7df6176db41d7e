"""A formula item's rubric keys: the layer's input and output tensors and its padding, and its
answers read as formulas and instantiated at the sizes they will be checked at."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy

from grader.errors import AnswerError, Problem, WholeProblem, quoted
from grader.kinds.base import read_with_caret
from grader.kinds.count.rubric import read_count
from grader.kinds.formula.check import structures
from grader.kinds.formula.layer import NotWholeError
from grader.kinds.formula.parse import parse_formula
from grader.kinds.formula.sizes import suggestion, whole_conditions
from grader.kinds.formula.terms import Formula, LayerSpec, TensorSpec
from grader.model import SizeSets
from grader.yaml_source import Fields

PADDING = ("zero", "none")


@dataclass(frozen=True)
class FormulaSpec:
    """What only a formula item has: the tensors its formulas are about."""

    layer: LayerSpec
    # Where the indices of the rubric's formulas and of the answers it accepts start: "1"
    # (default), "0", or "any" (the rubric's from 1, students' from either).
    index_base: str = "1"
    # Matrices of a matrix form whose shape the rubric fixes (`matrices: {G: [N, D]}`): each
    # name, rows and columns. Any other parameter's shape is inferred (`matrix_form`).
    matrices: tuple[tuple[str, sympy.Expr, sympy.Expr], ...] = ()
    # Weights the student may store either way (`matrices: {W: any}`): XWᵀ for XW is right.
    free_layout: frozenset[str] = frozenset()
    # The line of each matrix's entry under `matrices`, for problems found with the answer.
    matrix_lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    # Matrices the question gives for something else (`matrices: {W_V: other}`: attn-q1's
    # value projection, where the part asks for the queries): a formula that uses one is a
    # person's to mark (`given_matrix`).
    other_matrices: frozenset[str] = frozenset()


def _read_tensor(
    fields: Fields, key: str, symbols: Mapping[str, sympy.Symbol], problems: list[Problem]
) -> TensorSpec | None:
    """`input: {name: x, shape: [P, Q, C]}`: a tensor's name and its sizes, one per axis."""
    entry = fields.mapping(key)
    if entry is None:
        return None
    return _read_tensor_node(entry[1], fields.key_path(key), symbols, problems)


def _read_tensor_node(
    node, path: str, symbols: Mapping[str, sympy.Symbol], problems: list[Problem]
) -> TensorSpec | None:
    """One tensor's mapping, `{name: x, shape: [P, Q, C]}`, at `path`."""
    tensor = Fields(node, path, problems)
    name = tensor.text("name")
    shape_entry = tensor.sequence("shape")
    tensor.finish()
    if name is not None and not re.fullmatch(r"[A-Za-z]", name):
        tensor.problem(node.entries["name"][0], "name", "a tensor's name is one letter, e.g. x")
        name = None
    if shape_entry is None or name is None:
        return None
    shape = []
    for child in shape_entry[1].items:
        value = getattr(child, "value", None)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            tensor.problem(
                child.line, "shape", "a size is a symbol, a product such as PQ, or a number"
            )
            return None
        parsed = read_count(str(value), child.line, tensor.key_path("shape"), symbols, problems)
        if parsed is None:
            return None
        shape.append(parsed.expr)
    if not shape:
        tensor.problem(shape_entry[0], "shape", "give at least one size")
        return None
    return TensorSpec(name, tuple(shape))


def read_layer(
    fields: Fields, symbols: Mapping[str, sympy.Symbol], problems: list[Problem]
) -> LayerSpec | None:
    if fields.has("inputs"):
        return read_inputs(fields, symbols, problems)
    source = _read_tensor(fields, "input", symbols, problems)
    target = _read_tensor(fields, "output", symbols, problems)
    padding = fields.choice("padding", PADDING, "padding", required=False) or "zero"
    if source is None or target is None:
        return None
    if source.name.casefold() == target.name.casefold():
        line = fields.node.entries["output"][0]
        fields.problem(line, "output", "the input and the output need different names")
        return None
    return LayerSpec(source, target, padding)


def read_inputs(
    fields: Fields, symbols: Mapping[str, sympy.Symbol], problems: list[Problem]
) -> LayerSpec | None:
    """`inputs: [{name: x, shape: [T, E]}, {name: h, shape: [T, H]}]`: a layer that reads
    several tensors. An input named like the output is the output read back, the previous
    state of a recurrent cell, and has the output's shape."""
    path = fields.key_path("inputs")
    if fields.has("input"):
        fields.raw("input", required=False)
        line = fields.node.entries["input"][0]
        fields.problem(line, "input", "give either input (one tensor) or inputs (a list), not both")
    entry = fields.sequence("inputs")
    target = _read_tensor(fields, "output", symbols, problems)
    padding = fields.choice("padding", PADDING, "padding", required=False) or "zero"
    if entry is None:
        return None
    line, sequence = entry
    if not sequence.items:
        fields.problem(line, "inputs", "list at least one input, e.g. [{name: x, shape: [T, E]}]")
        return None
    sources = [
        _read_tensor_node(node, f"{path}[{index}]", symbols, problems)
        for index, node in enumerate(sequence.items)
    ]
    if target is None or None in sources:
        return None
    seen: set[str] = set()
    for index, (node, source) in enumerate(zip(sequence.items, sources, strict=True)):
        where = f"inputs[{index}].name"
        name = source.name.casefold()
        if name in seen:
            fields.problem(
                node.line, where, f"two inputs are named {source.name} (names match in any case)"
            )
            return None
        seen.add(name)
        if name == target.name.casefold():
            if index == 0:
                fields.problem(
                    node.line,
                    where,
                    "the first input is what the layer reads from outside (x); list the state "
                    f"{source.name} (the output read back) after it",
                )
                return None
            if len(source.shape) != len(target.shape) or any(
                sympy.expand(a - b) != 0 for a, b in zip(source.shape, target.shape, strict=True)
            ):
                fields.problem(
                    node.line,
                    f"inputs[{index}].shape",
                    f"{source.name} is also the output, read back as the previous state: give it "
                    "the output's shape",
                )
                return None
            source = target
            sources[index] = target
    first, *rest = sources
    return LayerSpec(first, target, padding, tuple(rest))


def read_formula(
    text: str,
    line: int,
    path: str,
    symbols: Mapping[str, sympy.Symbol],
    layer: LayerSpec,
    problems: list[Problem],
    size_sets: SizeSets,
    pairs: tuple[tuple[str, str], ...] = (),
) -> Formula | None:
    """A rubric's formula, read like a student's and instantiated at the sizes it will be
    checked at, so that one too large to check is refused here, not blamed on students
    (with sizes that would do, keeping the symbols declared multiples of others: `pairs`)."""
    formula = read_with_caret(
        lambda: parse_formula(text, symbols, layer), text, line, path, problems
    )
    if formula is None:
        return None
    if formula.shape_problem is not None:
        problems.append(Problem(line, path, formula.shape_problem))
        return None
    if formula.unsure is not None:  # a rubric's formula says what it means
        problems.append(Problem(line, path, f"cannot check {quoted(text)}: {formula.unsure}"))
        return None
    try:
        # At every size set, in order, as a check will; kept in the check's cache, so that
        # workers forked after loading have the rubric's structures already.
        structures(formula, layer, size_sets)
    except NotWholeError as error:
        conditions = whole_conditions(formula, layer)
        advice = suggestion(conditions, size_sets, pairs)
        message = f"cannot check {quoted(text)}: {error.message}{advice}"
        problems.append(WholeProblem(line, path, message, conditions))
        return None
    except AnswerError as error:
        problems.append(Problem(line, path, f"cannot check {quoted(text)}: {error.message}"))
        return None
    return formula


# `W`, `W_Q` or `W_{Q}` (as the answers write it; kept as W_Q, the name they are read with)
_MATRIX_NAME = re.compile(r"[A-Za-z](_[A-Za-z0-9]+|_\{[A-Za-z0-9]+\})?")


def read_matrices(
    fields: Fields,
    symbols: Mapping[str, sympy.Symbol],
    layer: LayerSpec | None,
    problems: list[Problem],
) -> tuple[
    tuple[tuple[str, sympy.Expr, sympy.Expr], ...],
    frozenset[str],
    tuple[tuple[str, int], ...],
    frozenset[str],
]:
    """`matrices: {G: [N, D], W: any}`: the shape of each matrix a matrix form names besides
    the layer's input and output, where the rubric fixes it (a given G, or a weight that must
    be C×D), a name (a letter with an optional subscript) and two sizes; or `any`, a weight the
    student may store either way (W or Wᵀ); or `other`, a matrix the question gives for
    something else (attn-q1's W_K and W_V where the part asks for the queries). Returns the
    shapes, the names free to lay out, the line of each entry (by the name as the answers
    write it, `W_Q` for `W_{Q}`) and the names given for something else."""
    entry = fields.mapping("matrices", required=False)
    if entry is None:
        return (), frozenset(), (), frozenset()
    line, node = entry
    matrices = Fields(node, fields.key_path("matrices"), problems)
    tensors = () if layer is None else (*layer.inputs, layer.output)
    taken = {tensor.name.casefold() for tensor in tensors}
    declared, free, other = [], [], []
    named: set[str] = set()
    lines = []
    for written, (at, shape) in node.entries.items():
        matrices.seen.add(written)
        name = written.replace("{", "").replace("}", "")
        lines.append((name, at))
        if not _MATRIX_NAME.fullmatch(written):
            matrices.problem(
                at, written, "a matrix's name is a letter with an optional subscript, e.g. W or W_Q"
            )
            continue
        if name.casefold() in named:
            matrices.problem(at, written, f"{name} is declared twice")
            continue
        named.add(name.casefold())
        if name in symbols or name.casefold() in taken:
            matrices.problem(
                at,
                written,
                f"{name} is one of the question's sizes or the layer's input or output; list "
                "only the other matrices",
            )
            continue
        if getattr(shape, "value", None) == "any":
            free.append(name)
            continue
        if getattr(shape, "value", None) == "other":
            other.append(name)
            continue
        items = getattr(shape, "items", None)
        if items is None or len(items) != 2:
            matrices.problem(
                at,
                written,
                "a matrix's shape is two sizes, e.g. [C, D], `any` for a weight the student "
                "may store either way, or `other` for one the question gives for something else",
            )
            continue
        sizes = []
        for child in items:
            value = getattr(child, "value", None)
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                matrices.problem(child.line, written, "a size is a symbol, a product or a number")
                break
            parsed = read_count(
                str(value), child.line, matrices.key_path(written), symbols, problems
            )
            if parsed is None:
                break
            size = parsed.expr
            if size.is_nonpositive or (size.is_number and not (size.is_integer and size >= 1)):
                matrices.problem(child.line, written, f"a size is at least 1, not {value}")
                break
            sizes.append(size)
        if len(sizes) == 2:
            declared.append((name, sizes[0], sizes[1]))
    if not node.entries:
        fields.problem(line, "matrices", "declare at least one matrix, e.g. {W: [C, D]}")
    return tuple(declared), frozenset(free), tuple(lines), frozenset(other)


def read_index_base(fields: Fields) -> str:
    """`index_base: 0 | 1 | any`."""
    entry = fields.raw("index_base", required=False)
    if entry is None:
        return "1"
    line, value = entry
    written = getattr(value, "value", None)
    text = str(written) if isinstance(written, (int, str)) and not isinstance(written, bool) else ""
    if text not in ("0", "1", "any"):
        fields.problem(line, "index_base", "expected 0, 1 or any")
        return "1"
    return text
