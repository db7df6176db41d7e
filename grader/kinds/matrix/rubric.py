"""A matrix item's rubric keys: the matrices its answers are about, with their shapes in the
question's size symbols, and what the answer is (the gradient of the loss with respect to one
of them, or a named result); and its answers, read as students' are and checked to fit."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sympy

from grader.answer_names import names_match
from grader.errors import AnswerError, Problem, quoted
from grader.kinds.base import read_with_caret
from grader.kinds.count.parse import parse
from grader.kinds.count.rubric import read_count
from grader.kinds.matrix.evaluate import close, evaluated
from grader.kinds.matrix.left import GRADIENT, NAME, Left
from grader.kinds.matrix.nodes import describe
from grader.kinds.matrix.parse import IDENTITY, MATRIX, SIZE, MatrixAnswer, name_of, parse_matrix
from grader.kinds.matrix.shapes import SCALAR, Shape, entrywise_powers, same_size, show_shape
from grader.model import Context
from grader.yaml_source import Fields, Scalar, Sequence

_MATRIX_NAME = re.compile(r"[A-Za-z](_[A-Za-z0-9]+)?")


@dataclass(frozen=True)
class MatrixSpec:
    """What only a matrix item has."""

    declared: tuple[tuple[str, Shape], ...]  # each matrix's name and (rows, cols); () a number
    names: tuple[tuple[str, str], ...]  # every name an answer may use, and what it stands for
    gradient: str | None = None  # the answer is ∂L/∂(this matrix)
    results: tuple[str, ...] = ()  # or one of these names, as its left side may say
    # Gradients the question gives as matrices: (Y, G) for G = ∂L/∂Y, so that an answer's
    # dL/dY is read as G.
    given: tuple[tuple[str, str], ...] = ()
    loss: str = "L"  # the question's function, as its gradients are named: ∂L/∂W


def _read_shape(
    fields: Fields, name: str, line: int, node, context: Context, problems: list[Problem]
) -> Shape | None:
    """`[N, C]` a matrix, `[D]` a vector (a column), `[]` a number."""
    path = fields.key_path(name)
    if not isinstance(node, Sequence) or len(node.items) > 2:
        problems.append(Problem(line, path, "a shape is a list of at most two sizes, e.g. [N, C]"))
        return None
    sizes = []
    for child in node.items:
        value = getattr(child, "value", None)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            problems.append(Problem(child.line, path, "a size is a symbol, a product or a number"))
            return None
        parsed = read_count(str(value), child.line, path, context.symbol_table, problems)
        if parsed is None:
            return None
        sizes.append(parsed.expr)
    if len(sizes) == 1:
        return (sizes[0], sympy.Integer(1))
    return tuple(sizes) if sizes else SCALAR


def read_matrix_spec(
    fields: Fields, context: Context, problems: list[Problem]
) -> MatrixSpec | None:
    entry = fields.mapping("matrices")
    gradient = fields.text("gradient", required=False)
    results = _read_results(fields, problems)
    if entry is None:
        return None
    losses: dict[str, tuple[int, str]] = {}  # each function gradients name, where first
    named = name_of(gradient) if gradient is not None else None
    if named is not None and named.kind == GRADIENT and named.loss is not None:
        gradient = named.name  # `gradient: dE/dW`: the question's loss is E
        losses.setdefault(named.loss, (fields.node.entries["gradient"][0], "gradient"))
    declared: list[tuple[str, Shape]] = []
    sizes = set(context.symbol_table)
    matrices = Fields(entry[1], fields.key_path("matrices"), problems)
    for name, (line, node) in entry[1].entries.items():
        matrices.seen.add(name)
        if not _MATRIX_NAME.fullmatch(name):
            matrices.problem(
                line, name, "a matrix's name is a letter with an optional subscript, e.g. X or W_Q"
            )
            continue
        if name in sizes:
            matrices.problem(
                line,
                name,
                f"{name} is also one of the question's sizes; give the matrix another name",
            )
            continue
        shape = _read_shape(matrices, name, line, node, context, problems)
        if shape is not None:
            declared.append((name, shape))
    if not entry[1].entries:
        fields.problem(entry[0], "matrices", "declare at least one matrix")
    if gradient is not None and gradient not in dict(declared):
        fields.problem(
            fields.node.entries["gradient"][0],
            "gradient",
            f"{gradient!r} is not one of the item's matrices",
        )
        return None
    if gradient is not None and results:
        fields.problem(
            fields.node.entries["result"][0], "result", "give either gradient or result, not both"
        )
        return None
    if len(declared) != len(entry[1].entries):
        return None
    given = _read_given(fields, dict(declared), losses)
    if given is None:
        return None
    if len(losses) > 1:
        fields.problem(
            *list(losses.values())[-1],
            f"the gradients name two functions, {' and '.join(losses)}: name the loss alike",
        )
        return None
    names = {name: SIZE for name in context.symbol_table}
    names.setdefault("I", IDENTITY)
    names.update({name: MATRIX for name, _ in declared})
    loss = next(iter(losses), "L")
    return MatrixSpec(tuple(declared), tuple(names.items()), gradient, results, given, loss)


def _read_given(
    fields: Fields, declared: dict[str, Shape], losses: dict[str, tuple[int, str]]
) -> tuple[tuple[str, str], ...] | None:
    """`gradients: {G: dL/dY}`: G is the gradient of the loss L with respect to Y, which the
    question gives, so an answer's `dL/dY` (`\\frac{\\partial L}{\\partial Y}`, `∂L/∂Y`) is G.
    None after a problem."""
    entry = fields.mapping("gradients", required=False)
    if entry is None:
        return ()
    given: dict[str, str] = {}
    for name, (line, node) in entry[1].entries.items():
        value = node.value if isinstance(node, Scalar) else None
        named = name_of(value) if isinstance(value, str) else None
        if name not in declared:
            fields.problem(line, f"gradients.{name}", f"{name!r} is not one of the item's matrices")
            return None
        if len(name.partition("_")[2].strip("{}")) > 1:
            # An answer's dL/dY is read as the matrix in its place, in as many characters:
            # `G_{out}` does not fit where `dL/dY` stood (every such answer was unreadable).
            fields.problem(
                line,
                f"gradients.{name}",
                f"a given gradient's matrix needs a short name, a letter or a letter with a "
                f"one-character subscript (G, G_Y), so that an answer's dL/dY can be read as "
                f"it: rename {name}",
            )
            return None
        if named is None or named.kind != GRADIENT or named.loss is None:
            fields.problem(
                line,
                f"gradients.{name}",
                "a gradient is written with its function and variable, e.g. dL/dY",
            )
            return None
        if named.name in given:
            fields.problem(line, f"gradients.{name}", f"∂{named.loss}/∂{named.name} is given twice")
            return None
        given[named.name] = name
        losses.setdefault(named.loss, (line, f"gradients.{name}"))
    return tuple(given.items())


def _read_results(fields: Fields, problems: list[Problem]) -> tuple[str, ...]:
    """`result: A` or `result: [A, 'Attention(Q, K, V)']`: the left sides that name it."""
    entry = fields.raw("result", required=False)
    if entry is None:
        return ()
    line, node = entry
    items = node.items if isinstance(node, Sequence) else [node]
    results = []
    for child in items:
        value = getattr(child, "value", None)
        if not isinstance(child, Scalar) or not isinstance(value, str) or not value.strip():
            problems.append(Problem(line, fields.key_path("result"), "a result is a name, e.g. A"))
            return ()
        if name_of(value) is None:
            problems.append(
                Problem(
                    getattr(child, "line", line),
                    fields.key_path("result"),
                    f"no left side can name the answer {value!r}: a result is a name such as "
                    "A, g_{t-1}, Attention(Q,K,V) or dL/dh",
                )
            )
            return ()
        results.append("".join(value.split()))
    return tuple(results)


def asked_gradients(spec: MatrixSpec) -> dict[str, str]:
    """The gradients the item's answer is, as variable → function: W → L for `gradient: W`,
    h → L for `result: ['dL/dh']` (a result written dh is of the question's loss)."""
    if spec.gradient is not None:
        return {spec.gradient: spec.loss}
    asked = {}
    for result in spec.results:
        named = name_of(result)
        if named is not None and named.kind == GRADIENT:
            asked.setdefault(named.name, named.loss or spec.loss)
    return asked


def target_name(spec: MatrixSpec) -> str:
    """What the item asks for, in words: ∂L/∂W (with the question's loss), A, or "the
    answer"."""
    if spec.gradient:
        return f"∂{spec.loss}/∂{spec.gradient}"
    if not spec.results:
        return "the answer"
    named = name_of(spec.results[0])
    if named is not None and named.kind == GRADIENT:
        return named.describe(spec.loss)  # `result: ['dL/dh']` is ∂L/∂h, as gradients are
    return spec.results[0]


def names_answer(left: Left, spec: MatrixSpec) -> bool:
    """Whether what a student names (a left side, a side of a chain) is what the item asks
    for: a gradient whose variable is the one asked for and whose function is the question's
    (or not written, as in dW), or one of its results; anything, where the item names
    nothing."""
    if spec.gradient is None and not spec.results:
        return True
    asked = asked_gradients(spec)
    if left.kind == GRADIENT and left.name in asked and left.loss in (None, asked[left.name]):
        return True  # `dL/dh = ...` for `result: ['dL/dh']`, however either is written
    return bool(spec.results) and left.kind == NAME and names_match(left.written, spec.results)


def question_names(spec: MatrixSpec, context: Context) -> set[str]:
    """Every name the question gives: its symbols, the item's matrices, and the matrices of
    its other matrix items (as far as they are read)."""
    names = set(spec.names) | set(context.symbol_table)
    for item in context.items:
        if isinstance(item.spec, MatrixSpec):
            names.update(name for name, _ in item.spec.declared)
    return names


def _read_left_loss(answer: MatrixAnswer, spec: MatrixSpec, context: Context) -> MatrixAnswer:
    """A left side that names the asked gradient of another function, dE/dW for ∂L/∂W, read
    as the question's, with a note: the student most likely used another letter for the loss.
    A function that is one of the question's names (∂G/∂W, G a matrix) is left as written, so
    that the left side is said to name something else."""
    if answer.left is None:
        return answer
    left, note = _in_question_loss(answer.left, spec, context)
    if note is None:
        return answer
    return replace(answer, left=left, notes=(note, *answer.notes))


def _in_question_loss(left: Left, spec: MatrixSpec, context: Context) -> tuple[Left, str | None]:
    """`left` with another letter for the loss (dE/dW for ∂L/∂W) read as the question's, and
    the note saying so; `left` as it is, and None, where there is nothing to read so."""
    if left.kind != GRADIENT or left.loss is None:
        return left, None
    loss = asked_gradients(spec).get(left.name)
    if loss is None or left.loss == loss or left.loss in question_names(spec, context):
        return left, None
    variable = left.name
    note = f"read ∂{left.loss}/∂{variable} as ∂{loss}/∂{variable}, the question's loss being {loss}"
    return replace(left, loss=loss), note


def _names_another(answer: MatrixAnswer, spec: MatrixSpec, context: Context) -> MatrixAnswer:
    """An answer whose chain of working names another matrix than the item asks for
    (`dL/dW = dL/dX = XᵀG` for ∂L/∂W) goes to a person, saying so: that side is a false step,
    not a name to set aside. A side dE/dW is read as ∂L/∂W, as a left side is, with a note."""
    notes, review = [], None
    for named in answer.named:
        left, note = _in_question_loss(named, spec, context)
        notes.extend([note] if note else [])
        if review is None and not names_answer(left, spec):
            said = left.describe(spec.loss)
            said += f' ("{named.written}")' if said != named.written else ""
            asked = target_name(spec)
            review = f"Your working says your answer is {said}, but this item asks for {asked}"
    if not notes and review is None:
        return answer
    notes_ = tuple(dict.fromkeys((*answer.notes, *notes)))
    return replace(answer, notes=notes_, review=answer.review or review)


def _stated_shape(sizes: tuple[str, ...], context: Context) -> Shape | None:
    """A shape stated as written, `("C", "D")`, in the question's sizes; None if a size is
    not one (`\\mathbb{R}^{C \\times Q}`)."""
    read = []
    for size in sizes:
        try:
            read.append(parse(size, context.symbol_table).expr)
        except AnswerError:
            return None
    return (read[0], sympy.Integer(1)) if len(read) == 1 else tuple(read)


def _agrees(stated: Shape, shape: Shape) -> bool:
    """Whether a stated shape is `shape`: a vector stated either way stands for itself."""
    if shape == SCALAR:
        return False
    if all(same_size(a, b) for a, b in zip(stated, shape, strict=True)):
        return True
    vectors = sympy.Integer(1) in stated and sympy.Integer(1) in shape
    return vectors and same_size(sympy.Mul(*stated), sympy.Mul(*shape))


def _held_against_itself(answer: MatrixAnswer, spec: MatrixSpec, context: Context) -> MatrixAnswer:
    """An answer whose own working or stated shapes disagree with it goes to a person, saying
    what disagrees: a side of its chain that is not equal to its last side (`XᵀG = GXᵀ`), a
    shape stated after it that is not its shape, or a matrix's (`, G being D x N`), or that
    of a name of the student's own as its definition gives it (`S = QKᵀ \\in R^{N×d_k}`)."""
    if not answer.steps and not answer.stated:
        return answer
    value = evaluated(answer.expression, spec, context)
    last = answer.graded
    for written, step in answer.steps:
        theirs = evaluated(step, spec, context)
        same = (
            value.values is not None
            and theirs.values is not None
            and all(close(a, b) for a, b in zip(theirs.values, value.values, strict=True))
        )
        if not same:
            return replace(
                answer,
                review=f"One step of your working does not hold: {written} is not equal to "
                f"{last}, and your final answer, {last}, is what is graded",
            )
    declared = dict(spec.declared)
    defined = dict(answer.defined)
    for statement, name in answer.stated:
        shape = value.shape if name is None else declared.get(name)
        if name in defined:
            shape = evaluated(defined[name], spec, context).shape
        stated = _stated_shape(statement.sizes, context)
        written = statement.shown
        if name is not None and shape is None and name not in defined:
            review = (
                f'Your answer states "{written}", the shape of {statement.name}, which is none '
                "of the question's matrices"
            )
        elif stated is None:
            review = f'Your answer states "{written}", which is no shape in the question\'s sizes'
        elif shape is None or _agrees(stated, shape):
            continue  # a misfit is the check's to explain
        elif name is None:
            review = (
                f'Your answer states that it is {show_shape(stated)} ("{written}"), but as read '
                f"it is {show_shape(shape)}"
            )
        else:
            whose = f"{name} as you define it" if name in defined else f"the question's {name}"
            # the name as written, and what it was read as where a definition renamed it
            # (`H W^T where H = dL/dY \in R^{N×C}`: H, read as G; it said "that G is N×C")
            mine = statement.name or name
            mine += "" if names_match(mine, (name,)) else f" (read as {name})"
            review = (
                f'Your answer states that {mine} is {show_shape(stated)} ("{written}"), but '
                f"{whose} is {show_shape(shape)}"
            )
        return replace(answer, review=answer.review or review)
    return answer


def _answer_names(spec: MatrixSpec) -> tuple[str, ...]:
    """The names a left side may give the item's answer: its `result:` names, or its gradient
    as ∂L/∂W and dW (`M = XᵀG; dW = M` ends with the answer)."""
    if spec.gradient is None:
        return spec.results
    return (f"d{spec.loss}/d{spec.gradient}", f"d{spec.gradient}")


def read_matrix(text: str, spec: MatrixSpec, context: Context) -> MatrixAnswer:
    """`text` read over the item's matrices, as every answer of the item is (the reference's
    too): a whole power of a vector is its entries' power, `h^2` is h ⊙ h, with a note; a left
    side dE/dW for the question's ∂L/∂W is read as ∂L/∂W, with a note, and so is a given
    gradient dE/dY among the factors, E being none of the question's names."""
    examples = {s.name: s.example for s in context.symbols if s.example is not None}
    parsed = parse_matrix(
        text,
        dict(spec.names),
        dict(spec.given),
        spec.loss,
        question_names(spec, context),
        dict(spec.declared),
        examples,
        _answer_names(spec),
    )
    answer = _read_left_loss(parsed, spec, context)
    answer = _held_against_itself(_names_another(answer, spec, context), spec, context)
    expression, notes = entrywise_powers(
        answer.expression, dict(spec.declared), context.symbol_table
    )
    if not notes:
        return answer
    as_number = answer.as_number
    if as_number is not None:
        as_number, _ = entrywise_powers(as_number, dict(spec.declared), context.symbol_table)
    return replace(
        answer,
        expression=expression,
        reading=describe(expression),
        notes=tuple(dict.fromkeys((*answer.notes, *notes))),
        as_number=as_number,
    )


def read_matrix_answer(
    text: str,
    line: int,
    path: str,
    context: Context,
    spec: MatrixSpec,
    problems: list[Problem],
    misconception: bool,
) -> MatrixAnswer | None:
    """A rubric's answer read as a student's. The reference must fit the shapes and have
    values; a misconception may not fit (it is then matched by its reading)."""
    answer = read_with_caret(lambda: read_matrix(text, spec, context), text, line, path, problems)
    if answer is None:
        return None
    if answer.shorthand is not None:
        # a student's dY goes to a person (it may be the differential of Y): a rubric's answer
        # is never reviewed, so it is written in full
        variable = answer.shorthand[1:]
        matrix = dict(spec.given)[variable]
        problems.append(
            Problem(
                line,
                path,
                f"{quoted(text)} writes {answer.shorthand}, the shorthand for "
                f"∂{spec.loss}/∂{variable}, which may also mean the differential of {variable}: "
                f"write d{spec.loss}/d{variable} or {matrix}",
            )
        )
        return None
    if answer.review is not None:
        problems.append(
            Problem(
                line,
                path,
                f'a student\'s {quoted(text)} goes to a person ("{answer.review}"): write the '
                "rubric's answer so that it reads alone",
            )
        )
        return None
    value = evaluated(answer.expression, spec, context)
    if not misconception and value.misfit is not None:
        problems.append(Problem(line, path, f"the shapes do not fit: {value.misfit}"))
        return None
    if value.not_comparable is not None:
        problems.append(Problem(line, path, f"cannot check {quoted(text)}: {value.not_comparable}"))
        return None
    return answer
