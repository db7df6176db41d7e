"""What a layer formula means: which inputs each output reads, and through which weights.

Two formulas are the same answer when they define the same layer. Names of indices and
weights, the order of sums, factors and a weight's indices, and the kernel's orientation do not
matter; what matters is, for every output:

- which inputs it reads (connectivity),
- which of those connections are tied to one weight (weight sharing),
- and which outputs share a bias (bias structure).

A formula is instantiated at small concrete sizes (at least two sets, so that a coincidence at
one is caught at the other) and compiled to integer index arithmetic with numpy: no sympy
evaluation per output. Every connection (output, input), and every bias (output, 1), gets a
coefficient that is a linear form in the parameters; a parameter is a column of that map. Two
parameters whose columns are proportional act as one, so what a formula can express is the span
of its distinct columns. When those columns touch disjoint connections (every formula a student
writes for these layers), that span is fixed by the partition of connections into classes and
the ratios within each class, and two formulas are equivalent exactly when those agree.
Formulas outside that case (a product of two weights, weights that overlap) are not guessed
about: `Structure.exact` is False and the answer goes to a person.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache, reduce

import sympy

from grader.errors import AnswerError, AnswerTooLargeError
from grader.kinds.formula.terms import Formula, LayerSpec, SumRange, Term, replaced
from grader.lazy_import import lazy_import

np = lazy_import("numpy")  # imported when a formula is first checked

MAX_ENUMERATION = 500_000  # (output, summed indices) combinations per term and size set
MAX_RANGE = 10_000  # values one sum may run over
MAX_FACTOR = 2**40  # a coefficient of an index, scaled to whole numbers (int64 stays exact)


@dataclass(frozen=True)
class Structure:
    """A formula instantiated at one set of sizes.

    Connections are numbered `output * (inputs + 1) + input + 1`, with input -1 for a bias,
    outputs and inputs in row-major order of their tensors.
    """

    sizes: tuple[tuple[str, int], ...]
    out_dims: tuple[int, ...]
    in_dims: tuple[int, ...]
    connections: np.ndarray  # sorted connections that a parameter reaches
    classes: np.ndarray  # the class of each: its smallest connection
    ratios: np.ndarray  # each connection's weight relative to its class, as an integer
    fixed: tuple[tuple[int, Fraction], ...]  # connections with a constant coefficient
    nominal: int  # parameters written
    effective: int  # parameters that act independently
    exact: bool  # False when weights multiply or overlap: the comparison would be a guess
    reads_outside: bool  # an input index went out of range
    # A layer with several inputs: each input's name and dims, in order; their entries are
    # numbered one after another (`in_dims` is then their total), as one concatenated input.
    in_parts: tuple[tuple[str, tuple[int, ...]], ...] = ()
    # Where an output index is a sum such as (g-1)D/G+n: an output it never names, one it
    # names twice (flat numbers, -1 for none), and an entry outside the output it names
    # (its indices from 1; () for none).
    gaps: tuple[int, int, tuple[int, ...]] = (-1, -1, ())
    # What `facts` found, by number of positional axes: a reference's structures are cached
    # and compared with every answer, so their facts are worked out once.
    known_facts: dict[int, Facts] = field(default_factory=dict, compare=False, repr=False)

    @property
    def inputs(self) -> int:
        return math.prod(self.in_dims)

    @property
    def outputs(self) -> int:
        return math.prod(self.out_dims)

    def signature(self) -> tuple:
        return (
            self.connections.tobytes(),
            self.classes.tobytes(),
            self.ratios.tobytes(),
            self.fixed,
            self.gaps,
        )

    def split(self, connections: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(output, input) of each connection; input is -1 for a bias."""
        output, source = np.divmod(connections, self.inputs + 1)  # one pass for both
        return output, source - 1

    def show_sizes(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.sizes)


def _integer(
    expr: sympy.Expr, what: str | Callable[[], str], sizes: Mapping[str, int] | None = None
) -> int:
    """`expr` as an int; `what` it is names it in the error (a callable: written only then)."""
    if not expr.is_Integer:
        at = f" at {', '.join(f'{k}={v}' for k, v in sizes.items())}" if sizes else ""
        named = what() if callable(what) else what
        raise NotWholeError("", 0, f"{named} is {sympy.sstr(expr)}{at}, not a whole number")
    return int(expr)


class NotWholeError(AnswerError):
    """Index arithmetic that is not a whole number at the sizes checked: (K-1)/2 at K = 4."""


def _rational(value: sympy.Expr, expr: sympy.Expr) -> Fraction:
    if not value.is_Rational:
        raise AnswerTooLargeError("", 0, f"the index {expr} is not a sum of indices")
    return Fraction(int(value.p), int(value.q))


def evaluate_index(
    expr: sympy.Expr,
    variables: Sequence[sympy.Symbol],
    sizes: Mapping[sympy.Symbol, int],
    grids: Sequence[np.ndarray],
    length: int,
    show: str = "",
) -> np.ndarray:
    """An index expression's value at every point of `grids` (one array per variable), exactly:
    sizes are put in, rationals kept as fractions, floors and ceilings taken by integer
    division. A value that is not a whole number raises `NotWholeError`."""
    plan = _linear_plan(expr, tuple(variables), frozenset(sizes.items()))
    numerator, denominator = _scaled(plan, grids, length, expr)
    if denominator != 1 and (numerator % denominator).any():
        shown = ", ".join(f"{s}={v}" for s, v in sizes.items() if s in expr.free_symbols)
        raise NotWholeError(
            show,
            0,
            f"the index {sympy.sstr(expr)} is not a whole number"
            + (f" at {shown}" if shown else "")
            + "; round it with \\lfloor ... \\rfloor where a position is meant",
        )
    return numerator // denominator


# An index at given sizes as a sum of parts (coefficient, what it multiplies): None for a
# constant, a variable's position, or ("floor" | "ceiling", the parts inside).
_Plan = tuple[tuple[Fraction, "int | tuple[str, _Plan] | None"], ...]


@lru_cache(maxsize=4096)
def _linear_plan(
    expr: sympy.Expr,
    variables: tuple[sympy.Symbol, ...],
    sizes: frozenset[tuple[sympy.Symbol, int]],
) -> _Plan:
    """`expr` with the sizes put in, as the sum `_scaled` evaluates: the sympy work of an index
    done once per index and sizes, since a class writes the same indices again and again."""
    concrete = sympy.expand(expr.xreplace({s: sympy.Integer(v) for s, v in sizes}))
    return _plan(concrete, {v: k for k, v in enumerate(variables)}, expr)


def _plan(concrete: sympy.Expr, position: Mapping[sympy.Symbol, int], expr: sympy.Expr) -> _Plan:
    parts: list[tuple[Fraction, int | tuple[str, _Plan] | None]] = []
    for key, value in concrete.as_coefficients_dict().items():
        coefficient = _rational(value, expr)
        if key == 1:
            parts.append((coefficient, None))
        elif key in position:
            parts.append((coefficient, position[key]))
        elif isinstance(key, (sympy.floor, sympy.ceiling)):
            floor = isinstance(key, sympy.floor)
            inner = _plan(sympy.expand(key.args[0] * (1 if floor else -1)), position, expr)
            parts.append((coefficient, ("floor" if floor else "ceiling", inner)))
        else:
            raise AnswerTooLargeError("", 0, f"the index {expr} is not a sum of indices")
    return tuple(parts)


def _scaled(
    plan: _Plan,
    grids: Sequence[np.ndarray],
    length: int,
    expr: sympy.Expr,
) -> tuple[np.ndarray, int]:
    """(n, d) with n / d the value of `plan` at every point: n integers, d a whole scale."""
    if len(plan) == 1 and plan[0][0] == 1 and isinstance(plan[0][1], int):
        return grids[plan[0][1]], 1  # one letter, as most indices are
    parts: list[tuple[Fraction, np.ndarray | None]] = []
    for coefficient, what in plan:
        if what is None:
            parts.append((coefficient, None))
        elif isinstance(what, int):
            parts.append((coefficient, grids[what]))
        else:
            rounding, inside = what
            inner, scale = _scaled(inside, grids, length, expr)
            rounded = inner // scale
            parts.append((coefficient, rounded if rounding == "floor" else -rounded))
    denominator = math.lcm(1, *(c.denominator for c, _ in parts))
    result = np.zeros(length, dtype=np.int64)
    for coefficient, values in parts:
        factor = coefficient.numerator * (denominator // coefficient.denominator)
        if abs(factor) > MAX_FACTOR or denominator > MAX_FACTOR:
            raise AnswerTooLargeError(
                "", 0, f"the index {sympy.sstr(expr)} has numbers too large to check"
            )
        result += factor if values is None else factor * values
    return result, denominator


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64: a well-spread 64-bit hash of each value, for grouping equal columns."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class _Frame:
    """A formula's tensors and output letters at one set of sizes: what each of its terms is
    enumerated over."""

    layer: LayerSpec
    symbols: dict[sympy.Symbol, int]  # every size the formula's indices and bounds use
    concrete: dict[sympy.Symbol, sympy.Integer]
    out_dims: tuple[int, ...]
    parts: dict[str, tuple[int, tuple[int, ...]]]  # each input's offset and dims
    in_dims: tuple[int, ...]
    free: list[sympy.Symbol]  # the letters that name an output
    free_ranges: list[np.ndarray]  # the values each runs over

    @property
    def stride(self) -> int:
        return math.prod(self.in_dims) + 1

    @cached_property
    def context(self) -> _HashedOnce:
        """What the memos' keys take from the frame (the layer and the sizes its formulas
        use), hashed once: every term of every formula of this frame is looked up with it."""
        return _HashedOnce((self.layer, frozenset(self.symbols.items())))

    @property
    def in_parts(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        parts = self.parts
        return tuple((name, dims) for name, (_, dims) in parts.items()) if len(parts) > 1 else ()


# The frames of the formulas last instantiated: a class's formulas share their output index,
# their sums' bounds and the sizes far more often than not.
FRAME_MEMO = 256
_frame_memo: OrderedDict[_HashedOnce, _Frame] = OrderedDict()
_frame_lock = threading.RLock()


# The frames last asked for by formula: one answer's checks ask the frame of the same few
# formulas (the answer, its readings from 0, the reference) a dozen times, at each size set
# (instantiated, its inputs read, its terms that read nothing); a formula's hash is kept
# (`hashed_once`) where the frame's key is made anew each time. Emptied when full.
_formula_frames: dict[tuple[Formula, LayerSpec, tuple], _Frame] = {}
FORMULA_FRAMES = 64


def _frame(formula: Formula, layer: LayerSpec, sizes: Mapping[str, int]) -> _Frame:
    """`_new_frame`, remembered by what it reads: the layer, the sums' bounds, the output
    index and the sizes (errors, which say the answer's own text, are not remembered)."""
    asked = (formula, layer, tuple(sizes.items()))
    frame = _formula_frames.get(asked)
    if frame is None:
        frame = _frame_read(formula, layer, sizes)
        if len(_formula_frames) >= FORMULA_FRAMES:
            _formula_frames.clear()
        _formula_frames[asked] = frame
    return frame


def _frame_read(formula: Formula, layer: LayerSpec, sizes: Mapping[str, int]) -> _Frame:
    """`_frame`, from the frames of every formula with the same layer, sums' bounds, output
    index and sizes."""
    key = _HashedOnce(
        (
            layer,
            tuple((s.low, s.high) for term in formula.terms for s in term.sums),
            formula.output.indices,
            formula.enumerates,
            tuple(sizes.items()),
        )
    )
    with _frame_lock:
        frame = _frame_memo.get(key)
        if frame is not None:
            _frame_memo.move_to_end(key)
            return frame
        frame = _frame_memo[key] = _new_frame(formula, layer, sizes)
        if len(_frame_memo) > FRAME_MEMO:
            _frame_memo.popitem(last=False)
        return frame


def _new_frame(formula: Formula, layer: LayerSpec, sizes: Mapping[str, int]) -> _Frame:
    """The sizes put into the layer's tensors and the formula's output letters; raises as
    `instantiate` does where a size is not whole or a letter runs too far."""
    symbols = {
        s: sizes[s.name]
        for tensor in (*layer.inputs, layer.output)
        for dim in tensor.shape
        for s in dim.free_symbols
    }
    for term in formula.terms:
        for s in term.sums:
            for bound in (s.low, s.high):
                symbols.update({sym: sizes[sym.name] for sym in bound.free_symbols})
    for expr in (
        *formula.output.indices,
        *(b for s in formula.enumerates for b in (s.low, s.high)),
    ):
        symbols.update({sym: sizes[sym.name] for sym in expr.free_symbols if sym.name in sizes})
    concrete = {s: sympy.Integer(v) for s, v in symbols.items()}
    out_dims = tuple(
        _integer(d.xreplace(concrete), lambda d=d: f"the size {sympy.sstr(d)}", sizes)
        for d in layer.output.shape
    )
    parts = _input_parts(layer, concrete, sizes)
    in_dims = parts[layer.input.name][1] if len(parts) == 1 else (sum(_sizes(parts)),)
    free, free_ranges = _free_ranges(formula, out_dims, concrete, sizes)
    for values in free_ranges:
        values.flags.writeable = False  # remembered, shared by every formula of this frame
    return _Frame(layer, symbols, concrete, out_dims, parts, in_dims, free, free_ranges)


@dataclass(frozen=True)
class _TermEntries:
    """One term enumerated: the connection each of its points reaches (points that read
    outside the input or name no output left out) and each point's parameter row (for each
    parameter: its name's id, its number of indices, their values), names numbered 0, 1, ...
    in the order the term first writes them. Read-only: the arrays are remembered. The rows
    are kept in the narrowest of int16, int32 and int64 that holds them (`_narrowed`): a
    class's indices are small, and these rows were most of what the term memo held."""

    connection: np.ndarray
    rows: np.ndarray | None  # None for a term without parameters or points
    reads_outside: bool
    parameters: tuple[str, ...]  # each parameter written, in order (a name again if twice)

    @property
    def size(self) -> int:
        """What the term memo's bound counts: the rows as the int64 they were, so that it
        keeps the same terms as when they were int64 (none enumerated again), in less."""
        return self.connection.nbytes + (0 if self.rows is None else self.rows.size * 8)


def _narrowed(rows: np.ndarray) -> np.ndarray:
    """`rows` in the narrowest of int16, int32 and int64 that holds every value exactly."""
    low, high = int(rows.min()), int(rows.max())
    for dtype in (np.int16, np.int32):
        if np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max:
            return rows.astype(dtype)
    return rows


class BytesMemo:
    """A memo of results that hold numpy arrays, bounded by their bytes (`size` tells a
    result's): the oldest are forgotten first, and a result larger than a quarter of the
    bound is never kept. Every later caller shares a kept result, so its arrays must be
    read-only (`_read_only`). One thread at a time uses it (`grade_answer` may be called from
    several)."""

    def __init__(self, limit: int, size: Callable[[object], int]):
        self.limit = limit
        self.size = size
        self.entries: OrderedDict[tuple, object] = OrderedDict()
        self.bytes = 0
        self.lock = threading.RLock()
        _bytes_memos.add(self)  # its lock made new in a forked child (`_new_locks_in_child`)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.bytes = 0

    def get(self, key: tuple, compute: Callable[[], object]) -> object:
        key = _HashedOnce(key)  # a key of sympy expressions is slow to hash: once, not thrice
        with self.lock:
            value = self.entries.pop(key, _ABSENT)  # one look-up, not three
            if value is not _ABSENT:
                self.entries[key] = value  # back in, as the newest
                return value
            value = compute()  # an error is raised, not remembered
            size = self.size(value)
            if size <= self.limit // 4:
                self.entries[key] = value
                self.bytes += size
                while self.bytes > self.limit:
                    _, dropped = self.entries.popitem(last=False)
                    self.bytes -= self.size(dropped)
            return value


_bytes_memos: weakref.WeakSet[BytesMemo] = weakref.WeakSet()


def _new_locks_in_child() -> None:
    """A process forked while another thread held a memo's lock (in the middle of a check)
    would wait for it for ever: that thread is not in the child. The child's locks are new.
    The memos are whole, each change to them one step under the GIL; but a `BytesMemo` whose
    lock was held may have its count of bytes a step behind its entries: counted again."""
    global _frame_lock
    _frame_lock = threading.RLock()
    for memo in _bytes_memos:
        if memo.lock.acquire(blocking=False):  # free, or this thread's own
            memo.lock.release()
            continue
        memo.lock = threading.RLock()
        memo.bytes = sum(memo.size(value) for value in memo.entries.values())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_locks_in_child)


def _read_only(*arrays: np.ndarray | None) -> None:
    for array in arrays:
        if array is not None:
            array.flags.writeable = False


# A class writes the same terms again and again (the bias `+ b_k`, the weighted sum with a
# different factor in front): a term at given sizes is enumerated once while it is remembered.
TERM_MEMO_BYTES = 8 * 2**20
_term_memo = BytesMemo(TERM_MEMO_BYTES, lambda entries: 0 if entries is None else entries.size)


def _term_entries(
    formula: Formula, term: Term, frame: _Frame, sizes: Mapping[str, int]
) -> _TermEntries | None:
    """`_enumerate_term`, remembered: what a term reaches depends on its sums and factors,
    the formula's output index, the layer and the sizes, not on its coefficient or the other
    terms. Errors are not remembered (each says the answer's own text)."""
    key = (
        term.factors,
        term.sums,
        formula.output.indices,
        formula.enumerates,
        frame.context,
    )
    return _term_memo.get(key, lambda: _enumerate_term(formula, term, frame, sizes))


def _sum_bounds(s: SumRange, frame: _Frame, sizes: Mapping[str, int]) -> tuple[int, int]:
    """The first and last value of the sum `s` at the frame's sizes; raises `NotWholeError`
    where either is not a whole number."""
    low = _integer(
        s.low.xreplace(frame.concrete), lambda: f"the start of the sum over {s.variable}", sizes
    )
    high = _integer(
        s.high.xreplace(frame.concrete), lambda: f"the end of the sum over {s.variable}", sizes
    )
    return low, high


def _enumerate_term(
    formula: Formula, term: Term, frame: _Frame, sizes: Mapping[str, int]
) -> _TermEntries | None:
    """Enumerate `term` over its output letters and sums; None when it has no points.
    Raises `AnswerTooLargeError` before enumerating anything too large."""
    ranges = list(frame.free_ranges)
    for s in term.sums:
        low, high = _sum_bounds(s, frame, sizes)
        if high - low + 1 > MAX_RANGE:
            raise AnswerTooLargeError(
                formula.text,
                0,
                f"the sum over {s.variable} runs over {high - low + 1} values at "
                f"{', '.join(f'{k}={v}' for k, v in sizes.items())}; a layer's sums run "
                "over the sizes of its tensors",
            )
        ranges.append(np.arange(low, high + 1))
    combinations = math.prod(len(r) for r in ranges)
    if combinations > MAX_ENUMERATION:
        raise AnswerTooLargeError(formula.text, 0, "this formula sums over too many terms to check")
    if combinations == 0:
        return None
    variables = frame.free + [s.variable for s in term.sums]
    grids = _grids(ranges)

    def values(index: sympy.Expr) -> np.ndarray:
        return evaluate_index(index, variables, frame.symbols, grids, len(grids[0]), formula.text)

    output, named = _output_flat(formula, frame.out_dims, grids, values)
    keep = np.ones(len(output), dtype=bool)
    input_flat = np.full(len(output), -1, dtype=np.int64)
    row_parts: list[np.ndarray] = []
    names: dict[str, int] = {}
    parameters: list[str] = []
    for access in term.factors:
        if access.name in frame.parts:
            offset, dims = frame.parts[access.name]
            flat = np.zeros(len(output), dtype=np.int64)
            for axis, dim in enumerate(dims):
                position = values(access.indices[axis])
                inside = (position >= 1) & (position <= dim)
                keep &= inside
                flat = flat * dim + (position - 1)
            input_flat = flat + offset
        else:
            parameters.append(access.name)
            name_id = names.setdefault(access.name, len(names))
            row_parts.append(np.full(len(output), name_id, dtype=np.int64))
            row_parts.append(np.full(len(output), len(access.indices), dtype=np.int64))
            row_parts.extend(values(index) for index in access.indices)
    outside = not keep.all()
    keep &= named
    connection = (output * frame.stride + input_flat + 1)[keep]
    rows = _narrowed(np.stack(row_parts, axis=1)[keep]) if row_parts and len(connection) else None
    _read_only(connection, rows)
    return _TermEntries(connection, rows, outside, tuple(parameters))


def _named_rows(entries: _TermEntries, term: Term, names: dict[str, int]) -> np.ndarray:
    """A term's parameter rows with each name's id in the whole formula (`names`, which
    gets the term's new names in the order it writes them), as int64 whatever the rows are
    kept in."""
    rows = entries.rows
    assert rows is not None
    local: dict[str, int] = {}
    column, columns = 0, []
    for access in term.factors:
        if access.name not in entries.parameters:
            continue
        local.setdefault(access.name, len(local))
        wanted = names.setdefault(access.name, len(names))
        if wanted != local[access.name]:
            columns.append((column, wanted))
        column += 2 + len(access.indices)
    if columns:
        rows = rows.astype(np.int64)  # a copy
        for column, wanted in columns:
            rows[:, column] = wanted
    return rows.astype(np.int64, copy=False)


def reached(formula: Formula, layer: LayerSpec, sizes: Mapping[str, int]) -> np.ndarray:
    """Every connection some term of `formula` reaches at `sizes`, through a weight or a
    constant, before equal ones are merged and any cancel: it holds every connection of
    `instantiate`'s structure and of its fixed part, and is cheaper, the weights not being
    told apart. Raises only where `instantiate` would."""
    frame = _frame(formula, layer, sizes)
    found = [np.zeros(0, dtype=np.int64)]
    for term in formula.terms:
        entries = _term_entries(formula, term, frame, sizes)
        if entries is not None:
            found.append(entries.connection)
    return np.concatenate(found)


def most_inputs_read(formula: Formula, layer: LayerSpec, sizes: Mapping[str, int]) -> int:
    """At most how many connections from an input `formula` reaches at `sizes`: the points
    each of its terms that reads an input is enumerated over (each reaches one connection, or
    none where it reads outside the input or names no output). It depends on the formula's
    output index and its terms' sums, not on how they index their tensors: it is the same
    for the formula with an input's indices in another order. Cheap (no term is enumerated);
    raises only where `instantiate` would."""
    frame = _frame(formula, layer, sizes)
    outputs = math.prod(len(values) for values in frame.free_ranges)
    most = 0
    for term in formula.terms:
        if not any(access.name in frame.parts for access in term.factors):
            continue
        points = outputs
        for s in term.sums:
            low, high = _sum_bounds(s, frame, sizes)
            points *= max(0, high - low + 1)
        most += points
    return most


def unread_terms(formula: Formula, layer: LayerSpec, sizes: Mapping[str, int]) -> tuple[int, ...]:
    """The number of each term of `formula` that reads an input and, at `sizes`, reads it only
    outside its range (`x_{i+P,j,1}`): with zero padding every such read is zero, so
    `instantiate` drops the term and the formula looks as if it were not written."""
    frame = _frame(formula, layer, sizes)
    found = []
    for number, term in enumerate(formula.terms):
        if not any(access.name in frame.parts for access in term.factors):
            continue
        entries = _term_entries(formula, term, frame, sizes)
        if entries is not None and entries.reads_outside and not len(entries.connection):
            found.append(number)
    return tuple(found)


def instantiate(formula: Formula, layer: LayerSpec, sizes: Mapping[str, int]) -> Structure:
    """Enumerate the formula at `sizes` (size name → value) into its structure.

    Raises `AnswerTooLargeError` at once, before enumerating anything, when a sum runs over
    more than MAX_RANGE values or a term over more than MAX_ENUMERATION combinations.
    """
    frame = _frame(formula, layer, sizes)
    in_parts, in_dims = frame.in_parts, frame.in_dims
    scale = reduce(math.lcm, (int(t.coefficient.q) for t in formula.terms), 1)

    parameter_terms: list[tuple[_TermEntries, Term]] = []  # those that reach a connection
    written_weights: list[int] = []  # each one's coefficient times `scale`
    entry_connections: list[np.ndarray] = []
    fixed_connections: list[np.ndarray] = []
    fixed_weights: list[int] = []
    products = False
    reads_outside = False
    gaps = _gaps(formula, frame.free, frame.free_ranges, frame.out_dims, frame.symbols)

    for term in formula.terms:
        entries = _term_entries(formula, term, frame, sizes)
        if entries is None:
            continue
        reads_outside |= entries.reads_outside
        # the coefficient times `scale`, a whole number (`scale` is a multiple of its
        # denominator); its connections' weights are made only where needed (`_weights`)
        written = int(term.coefficient.p) * (scale // int(term.coefficient.q))
        np.int64(written)  # refused, as `np.full` refuses it, where int64 cannot hold it
        connection = entries.connection
        parameters_in_term = sum(1 for a in term.factors if a.name not in frame.parts)
        if parameters_in_term == 0:
            fixed_connections.append(connection)
            fixed_weights.append(written)
            continue
        products |= parameters_in_term > 1
        if not len(connection):
            continue  # every read of this term falls outside the input
        parameter_terms.append((entries, term))
        entry_connections.append(connection)
        written_weights.append(written)

    fixed = _fixed_part(fixed_connections, fixed_weights, scale)
    sizes_shown = tuple((name, sizes[name]) for name in sizes)
    out_dims = frame.out_dims
    if not parameter_terms:
        empty = np.zeros(0, dtype=np.int64)
        return Structure(
            sizes_shown,
            out_dims,
            in_dims,
            empty,
            empty,
            empty,
            fixed,
            0,
            0,
            True,
            reads_outside,
            in_parts,
            gaps,
        )
    key = (
        frame.context,
        formula.output.indices,
        (formula.enumerates, products),  # a product reading only outside: inexact too
        tuple((term.factors, term.sums) for _, term in parameter_terms),
        _weights_key([term for _, term in parameter_terms], written_weights, frame.parts),
    )
    classes = _classes_memo.get(
        key,
        lambda: _parameter_classes(
            parameter_terms,
            entry_connections,
            _weights(entry_connections, written_weights),
            out_dims,
            in_dims,
            not products,
        ),
    )
    return replaced(
        classes,
        sizes=sizes_shown,
        fixed=fixed,
        reads_outside=reads_outside,
        in_parts=in_parts,
        gaps=gaps,
    )


def _input_parts(
    layer: LayerSpec, concrete: Mapping[sympy.Symbol, sympy.Integer], sizes: Mapping[str, int]
) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Each input's offset in the concatenated input and its dims, at these sizes."""
    parts: dict[str, tuple[int, tuple[int, ...]]] = {}
    offset = 0
    for tensor in layer.inputs:
        dims = tuple(
            _integer(d.xreplace(concrete), lambda d=d: f"the size {sympy.sstr(d)}", sizes)
            for d in tensor.shape
        )
        parts[tensor.name] = (offset, dims)
        offset += math.prod(dims)
    return parts


def _sizes(parts: Mapping[str, tuple[int, tuple[int, ...]]]) -> list[int]:
    return [math.prod(dims) for _, dims in parts.values()]


def _free_ranges(
    formula: Formula,
    out_dims: tuple[int, ...],
    concrete: Mapping[sympy.Symbol, sympy.Integer],
    sizes: Mapping[str, int],
) -> tuple[list[sympy.Symbol], list[np.ndarray]]:
    """The letters that name an output and the values each runs over: an output index that is
    a letter over its axis, the letters of one written as a sum over their ranges."""
    free: list[sympy.Symbol] = []
    ranges: list[np.ndarray] = []
    for index, dim in zip(formula.output.indices, out_dims, strict=True):
        if isinstance(index, sympy.Symbol):
            free.append(index)
            ranges.append(np.arange(1, dim + 1))
    for s in formula.enumerates:
        low = _integer(s.low.xreplace(concrete), lambda s=s: f"the start of {s.variable}", sizes)
        high = _integer(s.high.xreplace(concrete), lambda s=s: f"the end of {s.variable}", sizes)
        if high - low + 1 > MAX_RANGE:
            raise AnswerTooLargeError(
                formula.text, 0, f"{s.variable} runs over {high - low + 1} values"
            )
        free.append(s.variable)
        ranges.append(np.arange(low, high + 1))
    return free, ranges


def _output_flat(formula: Formula, out_dims, grids, values) -> tuple[np.ndarray, np.ndarray]:
    """The output each point of `grids` defines, row-major from 0, and whether it is one."""
    output = np.zeros(len(grids[0]), dtype=np.int64)
    named = np.ones(len(output), dtype=bool)
    for axis, dim in enumerate(out_dims):
        if formula.enumerates:
            position = values(formula.output.indices[axis])
            named &= (position >= 1) & (position <= dim)
        else:
            position = grids[axis]
        output = output * dim + (position - 1)
    return output, named


def _gaps(formula, free, free_ranges, out_dims, symbols) -> tuple[int, int, tuple[int, ...]]:
    """Whether the output indices name every output once: an output never named, one named
    twice (flat, -1 for none), and an entry named outside the output (() for none)."""
    if not formula.enumerates:
        return (-1, -1, ())
    combinations = math.prod(len(r) for r in free_ranges)
    if combinations > MAX_ENUMERATION:
        raise AnswerTooLargeError(formula.text, 0, "this output index names too many outputs")
    grids = _grids(free_ranges)

    def values(index: sympy.Expr) -> np.ndarray:
        return evaluate_index(index, free, symbols, grids, combinations, formula.text)

    output, named = _output_flat(formula, out_dims, grids, values)
    counts = np.bincount(output[named], minlength=math.prod(out_dims))
    never, twice = np.flatnonzero(counts == 0), np.flatnonzero(counts > 1)
    outside: tuple[int, ...] = ()
    if not named.all():
        first = int(np.flatnonzero(~named)[0])
        outside = tuple(int(values(index)[first]) for index in formula.output.indices)
    return (int(never[0]) if len(never) else -1, int(twice[0]) if len(twice) else -1, outside)


def _row_ids(rows: np.ndarray) -> np.ndarray:
    """Number equal rows alike, 0, 1, ...; rows are packed into one integer where they fit."""
    packed = _packed(rows)
    if packed is not None:
        _, ids = np.unique(packed, return_inverse=True)
    else:
        _, ids = np.unique(rows, axis=0, return_inverse=True)
    return ids.ravel()


def _packed(rows: np.ndarray) -> np.ndarray | None:
    """Each row as one integer, equal for equal rows, where the rows' spread allows it."""
    low = rows.min(axis=0)
    spread = rows.max(axis=0) - low + 1
    if float(np.prod(spread.astype(np.float64))) >= 2**62:
        return None
    places, place = [], 1  # each column's place value, row-major: one product for them all
    for extent in reversed(spread.tolist()):
        places.append(place)
        place *= extent
    return (rows - low) @ np.array(places[::-1], dtype=np.int64)


def _distinct_rows(rows: np.ndarray) -> int:
    """How many different rows there are: a sort, without numbering them."""
    if not len(rows):
        return 0
    packed = _packed(rows)
    if packed is None:
        return len(np.unique(rows, axis=0))
    packed.sort()
    return int(np.count_nonzero(packed[1:] != packed[:-1])) + 1


def _weights(connections: list[np.ndarray], written: list[int]) -> list[np.ndarray]:
    """Each term's weight at each of its connections: its coefficient (`written`, scaled)."""
    return [np.full(len(c), w, dtype=np.int64) for c, w in zip(connections, written, strict=True)]


def _fixed_part(
    connections: list[np.ndarray], written: list[int], scale: int
) -> tuple[tuple[int, Fraction], ...]:
    """The connections of the terms without parameters (`connections`, each term's times its
    scaled coefficient, `written`), each with its weight summed over them, as a Fraction;
    those whose weights add up to 0 left out."""
    if not connections:
        return ()
    if len(connections) == 1 and abs(written[0]) < 2**53 and _sorted_distinct(connections[0]):
        # one term, as a layer without weights is written: each connection its one weight,
        # one Fraction shared by all, as below, with no arrays of weights made
        if not written[0]:
            return ()
        fraction = Fraction(written[0], scale)
        return tuple(zip(connections[0].tolist(), itertools.repeat(fraction)))
    connection = np.concatenate(connections)
    weight = np.concatenate(_weights(connections, written))
    if _each_once(connection, weight):  # one term, as a layer without weights is written
        unique, total = connection, weight
    else:
        unique, inverse = np.unique(connection, return_inverse=True)
        total = np.bincount(inverse.ravel(), weights=weight.astype(np.float64))
        total = total.round().astype(np.int64)
    # A layer reads thousands of inputs through a few distinct weights: one Fraction each,
    # and the pairs made by `zip` and `map`, not by a Python loop over every connection.
    kept = total != 0
    weights = total[kept].tolist()
    fraction = {w: Fraction(w, scale) for w in set(weights)}
    return tuple(zip(unique[kept].tolist(), map(fraction.__getitem__, weights), strict=True))


def _classes(
    sizes, out_dims, in_dims, parameter, connection, weight, fixed, nominal, exact, reads_outside
) -> Structure:
    """Group the parameters' columns: proportional columns act as one parameter."""
    span = int(connection.max()) + 1 if len(connection) else 1
    key = parameter.astype(np.int64) * span + connection
    unique, inverse = np.unique(key, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=weight.astype(np.float64)).round().astype(np.int64)
    nonzero = total != 0
    unique, total = unique[nonzero], total[nonzero]
    parameter, connection = unique // span, unique % span
    empty = np.zeros(0, dtype=np.int64)
    if not len(unique):
        return Structure(
            sizes, out_dims, in_dims, empty, empty, empty, fixed, nominal, 0, exact, reads_outside
        )
    new_column = parameter[1:] != parameter[:-1]
    starts = np.flatnonzero(np.concatenate(([True], new_column)))
    column_of_entry = np.cumsum(np.concatenate(([False], new_column)))
    divisor = np.gcd.reduceat(np.abs(total), starts)
    sign = np.sign(total[starts])
    ratio = total // (divisor * sign)[column_of_entry]
    # Columns are compared by a hash of their (connection, ratio) entries, then exactly.
    entry_hash = _mix(connection * np.int64(1_000_003) + ratio)
    column_hash = np.add.reduceat(entry_hash, starts)
    lengths = np.diff(np.append(starts, len(unique)))
    with np.errstate(over="ignore"):
        column_hash = _mix(column_hash ^ lengths.astype(np.uint64))
    _, column_class = np.unique(column_hash, return_inverse=True)
    column_class = column_class.ravel()
    effective = int(column_class.max()) + 1
    representative = np.full(effective, -1, dtype=np.int64)
    ends = np.append(starts[1:], len(unique))
    for column in np.flatnonzero(np.bincount(column_class)[column_class] > 1):
        first = representative[column_class[column]]
        if first < 0:
            representative[column_class[column]] = column
            continue
        a = slice(starts[first], ends[first])
        b = slice(starts[column], ends[column])
        if not (
            np.array_equal(connection[a], connection[b]) and np.array_equal(ratio[a], ratio[b])
        ):
            exact = False  # a hash collision: never guess
    # One column per class; in the exact case their connections are disjoint.
    first_of_class = np.full(effective, len(starts), dtype=np.int64)
    np.minimum.at(first_of_class, column_class, np.arange(len(starts)))
    chosen = np.zeros(len(starts), dtype=bool)
    chosen[first_of_class] = True
    entry_chosen = chosen[column_of_entry]
    kept_connection = connection[entry_chosen]
    kept_ratio = ratio[entry_chosen]
    kept_column = column_of_entry[entry_chosen]
    order = np.argsort(kept_connection, kind="stable")
    kept_connection, kept_ratio, kept_column = (
        kept_connection[order],
        kept_ratio[order],
        kept_column[order],
    )
    if len(kept_connection) > 1 and (kept_connection[1:] == kept_connection[:-1]).any():
        exact = False  # two independent weights reach one connection: a span, not a partition
    smallest = np.full(len(starts), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, kept_column, kept_connection)
    return Structure(
        sizes,
        out_dims,
        in_dims,
        kept_connection,
        smallest[kept_column],
        kept_ratio,
        fixed,
        nominal,
        effective,
        exact,
        reads_outside,
    )


# --- Facts about a structure, for diagnoses ------------------------------------------------


@lru_cache(maxsize=256)
def spatial_axes(layer: LayerSpec) -> int:
    """How many leading axes are positions: the last axis of each tensor is its channels, and
    the axes before it are positions when input and output have the same sizes there (worked
    out once per layer: each check asks it several times)."""
    x, y = layer.input.shape, layer.output.shape
    if len(x) != len(y):
        return 0
    return sum(1 for a, b in zip(x[:-1], y[:-1], strict=True) if _same_axis(a, b))


def _same_axis(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Whether an output axis of size b runs along an input axis of size a: the same size, or
    one computed from the same sizes, as a strided layer's ⌊(P-1)/2⌋ + 1 from P."""
    return sympy.expand(a - b) == 0 or bool(a.free_symbols) and a.free_symbols == b.free_symbols


def strides(
    out_index: Sequence[np.ndarray],
    in_index: Sequence[np.ndarray],
    classes: np.ndarray,
) -> tuple[int | None, ...]:
    """Along each positional axis, how far the window moves from one output to the next. A
    shared weight links outputs o to inputs s·o + c: s is the stride. Without shared weights,
    the first input each output reads moves by the stride, from one whole window (not cut by
    padding) to the next. None where that is not one number."""
    found: list[int | None] = []
    order = np.lexsort((out_index[0], classes)) if len(out_index) else None
    # A slope is a stride only where each weight links each output position to one input
    # position; a weight shared by a window's taps (w_{l,k} for w_{u,v,l,k}) links it to
    # several, and its slope is the step from one window's last input to the next's first.
    one_input = len(out_index) > 0 and (
        _distinct_rows(np.stack([classes, *out_index], axis=1))
        == _distinct_rows(np.stack([classes, *out_index, *in_index], axis=1))
    )
    for out, source in zip(out_index, in_index, strict=True):
        shared = _shared_stride(out[order], source[order], classes[order]) if one_input else None
        if shared is not None:
            found.append(shared)
            continue
        positions, where = np.unique(out, return_inverse=True)
        if len(positions) < 2:
            found.append(None)
            continue
        first = np.full(len(positions), np.iinfo(np.int64).max, dtype=np.int64)
        last = np.full(len(positions), -1, dtype=np.int64)
        np.minimum.at(first, where.ravel(), source)
        np.maximum.at(last, where.ravel(), source)
        # A window that padding cuts is narrower than the others; the widest are whole.
        width = last - first
        whole = width == width.max()
        pairs = whole[1:] & whole[:-1] & (np.diff(positions) == 1)
        steps = {int(step) for step in np.diff(first)[pairs]}
        found.append(steps.pop() if len(steps) == 1 else None)
    return tuple(found)


def _shared_stride(out: np.ndarray, source: np.ndarray, classes: np.ndarray) -> int | None:
    """The one slope Δinput/Δoutput between connections through one weight, if there is one."""
    same = (classes[1:] == classes[:-1]) & (out[1:] != out[:-1])
    if not same.any():
        return None
    rise, run = np.diff(source)[same], np.diff(out)[same]
    if (rise % run).any():
        return None
    slopes = np.unique(rise // run)
    return int(slopes[0]) if len(slopes) == 1 else None


def dilations(
    out_flat: np.ndarray, in_index: Sequence[np.ndarray], axes: int
) -> tuple[int | None, ...]:
    """Along each positional axis, how far apart the taps of one output's window are (1 for
    adjacent positions), read at the output that reads the most inputs."""
    if not len(out_flat):
        return (None,) * axes
    busiest = np.argmax(np.bincount(out_flat))
    mine = out_flat == busiest
    found: list[int | None] = []
    for axis in range(axes):
        taps = np.unique(in_index[axis][mine])
        found.append(int(np.gcd.reduce(np.diff(taps))) if len(taps) > 1 else None)
    return tuple(found)


@dataclass(frozen=True)
class Facts:
    """What a structure does, in the terms a student thinks in."""

    has_bias: bool
    bias: str  # "none", "per output", "per channel", "shared", "other"
    reads_all: bool  # every output reads every input
    own_position: bool  # every output reads only inputs at its own position
    extent: tuple[int, ...] | None  # how many positions the kernel spans along each axis
    channel_independent: bool  # the D output channels at a position are identical
    shared_across_positions: bool  # weights depend on the offset, not on the position
    weights: np.ndarray  # the connections through a weight (no biases)
    stride: tuple[int | None, ...] = ()  # along each positional axis
    dilation: tuple[int | None, ...] = ()  # along each positional axis
    channels: np.ndarray | None = None  # which input channels each output channel reads
    # Along each positional axis, the first and last input a window reads relative to its
    # output: input = stride · output + offset (from 0), offset in [first, last].
    window: tuple[tuple[int, int], ...] | None = None
    # Two connections at the same offset, between the same channels, through different
    # weights: the weights depend on the position (not shared is not that: a weight that
    # only one output reads, the rest of its window outside the image, is shared by none).
    position_dependent: bool = False


def _unravel(flat: np.ndarray, dims: tuple[int, ...]) -> list[np.ndarray]:
    return list(np.unravel_index(flat, dims)) if len(flat) else [flat for _ in dims]


# What a layer does depends only on its structure, and a class's wrong answers make the same
# few mistakes, written in many ways (letters, order, a factor in front): facts are
# remembered by the connections and classes they are read from.
FACTS_MEMO_BYTES = 8 * 2**20
_facts_memo = BytesMemo(
    FACTS_MEMO_BYTES,
    lambda known: known.weights.nbytes + (0 if known.channels is None else known.channels.nbytes),
)


def facts(structure: Structure, spatial: int) -> Facts:
    """What `structure` does with `spatial` positional axes; worked out once per structure
    (and once for structures alike in what it reads)."""
    known = structure.known_facts.get(spatial)
    if known is None:
        key = (
            structure.connections.tobytes(),
            structure.classes.tobytes(),
            structure.connections.dtype.str,
            structure.classes.dtype.str,
            structure.out_dims,
            structure.in_dims,
            spatial,
        )
        known = _facts_memo.get(key, lambda: _facts(structure, spatial))
        structure.known_facts[spatial] = known
    return known


def _facts(structure: Structure, spatial: int) -> Facts:
    output, source = structure.split(structure.connections)
    is_weight = source >= 0
    weights = structure.connections[is_weight]
    out_w, in_w, class_w = output[is_weight], source[is_weight], structure.classes[is_weight]
    out_b, class_b = output[~is_weight], structure.classes[~is_weight]
    out_index = _unravel(out_w, structure.out_dims)
    in_index = _unravel(in_w, structure.in_dims)
    n_channels_out = structure.out_dims[-1]

    stride = strides(out_index[:spatial], in_index[:spatial], class_w)
    offsets = [in_index[a] - (stride[a] or 1) * out_index[a] for a in range(spatial)]
    window = (
        tuple((int(o.min()), int(o.max())) for o in offsets) if len(weights) and spatial else None
    )
    extent = None if window is None else tuple(last - first + 1 for first, last in window)
    own_position = bool(len(weights)) and all((o == 0).all() for o in offsets) and spatial > 0
    reads_all = len(weights) == structure.outputs * structure.inputs

    channel_independent = False
    if n_channels_out > 1 and len(weights):
        position = out_w // n_channels_out
        triples = np.stack([position, in_w, class_w], axis=1)
        channel_independent = _distinct_rows(triples) * n_channels_out == len(weights)

    shared = position_dependent = False
    if spatial and len(weights):
        keys = np.stack([*offsets, in_index[-1], out_index[-1]], axis=1)
        by_key = _distinct_rows(keys)
        by_weight = _distinct_rows(np.column_stack([keys, class_w]))
        shared = by_key == by_weight and len(np.unique(class_w)) < len(weights)
        position_dependent = by_key < by_weight

    bias = "none"
    if len(out_b):
        distinct = len(np.unique(class_b))
        channel = out_b % n_channels_out
        if len(out_b) == structure.outputs and distinct == structure.outputs:
            bias = "per output"
        elif distinct == 1:
            bias = "shared"
        elif (
            _distinct_rows(np.stack([channel, class_b], axis=1))
            == distinct
            == len(np.unique(channel))
            and len(out_b) == structure.outputs
        ):
            bias = "per channel"
        else:
            bias = "other"
    channels = _channel_map(out_index[-1], in_index[-1], structure)
    _read_only(weights, channels)
    return Facts(
        has_bias=bool(len(out_b)),
        bias=bias,
        reads_all=reads_all,
        own_position=own_position,
        extent=extent,
        channel_independent=channel_independent,
        shared_across_positions=shared,
        weights=weights,
        stride=stride,
        dilation=dilations(out_w, in_index, spatial),
        channels=channels,
        window=window,
        position_dependent=position_dependent,
    )


def _channel_map(out_channel: np.ndarray, in_channel: np.ndarray, structure: Structure):
    """A boolean matrix: which input channels (columns) each output channel (rows) reads."""
    reads = np.zeros((structure.out_dims[-1], structure.in_dims[-1]), dtype=bool)
    reads[out_channel, in_channel] = True
    return reads


def _grids(ranges: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Every combination of the ranges' values, one flat array per range, the last range
    varying fastest: what `np.meshgrid(*ranges, indexing="ij")` gives, raveled, in fewer
    numpy calls (instantiating runs it for every term at every size set)."""
    lengths = [len(r) for r in ranges]
    total = math.prod(lengths)
    grids, before = [], 1
    for values, length in zip(ranges, lengths, strict=True):
        after = total // (before * length) if total else 0
        grids.append(np.repeat(values, after).reshape(1, -1).repeat(before, axis=0).ravel())
        before *= length
    return grids


def _padded(rows: np.ndarray, width: int) -> np.ndarray:
    """`rows` with columns of 0 added on the right up to `width` (`np.pad`'s result, without
    its cost)."""
    wide = np.zeros((len(rows), width), dtype=rows.dtype)
    wide[:, : rows.shape[1]] = rows
    return wide


# --- The classes of a formula's parameters, remembered ---------------------------------------


def _parameter_classes(
    parameter_terms: list[tuple[_TermEntries, Term]],
    entry_connections: list[np.ndarray],
    entry_weights: list[np.ndarray],
    out_dims: tuple[int, ...],
    in_dims: tuple[int, ...],
    exact: bool,
) -> Structure:
    """The classes of the parameters of the terms that have some (each term's entries, and
    its connections and weights), as a structure without sizes, fixed part or reads outside:
    `instantiate` puts in the formula's own."""
    names: dict[str, int] = {}
    parameter_rows = [_named_rows(entries, term, names) for entries, term in parameter_terms]
    width = max(rows.shape[1] for rows in parameter_rows)
    # Rows of different widths already differ in their name or their count of indices, so
    # padding with 0 keeps them apart, and keeps the values small enough to pack.
    padded = np.concatenate(
        [rows if rows.shape[1] == width else _padded(rows, width) for rows in parameter_rows]
    )
    parameter = _row_ids(padded)
    nominal = int(parameter.max()) + 1
    connection = np.concatenate(entry_connections)
    weight = np.concatenate(entry_weights)
    classes = _classes(
        (), out_dims, in_dims, parameter, connection, weight, (), nominal, exact, False
    )
    _read_only(classes.connections, classes.classes, classes.ratios)
    return classes


# A class writes the same weighted sum with different factors in front (2 w x, 3 w x, -w x):
# the classes of its parameters and their ratios do not change with a factor that multiplies
# every term a parameter is in, so they are remembered by the terms and their weights, each
# set of terms that share a parameter divided by the same number (`_weights_key`).
CLASSES_MEMO_BYTES = 8 * 2**20
_classes_memo = BytesMemo(
    CLASSES_MEMO_BYTES,
    lambda structure: (
        structure.connections.nbytes + structure.classes.nbytes + structure.ratios.nbytes
    ),
)
# Weights up to this size (in absolute value) are summed exactly however many entries reach a
# connection (at most MAX_TERMS * MAX_ENUMERATION, under 2**25: the sums stay under 2**53, the
# float64 of `_classes` holds them exactly), so dividing them by a common factor divides the
# sums by it and changes no class or ratio.
EXACT_WEIGHT = 2**27


def _weights_key(terms: Sequence[Term], weights: Sequence[int], inputs: Mapping) -> tuple:
    """Each term's weight (its coefficient over the formula's common denominator), every set
    of terms linked by a shared parameter (any name but the `inputs`') divided by the
    greatest common divisor of its weights and the sign of its first weight that is not 0.
    Weights from EXACT_WEIGHT up are kept as they are: their sums may round, and rounding
    does not scale."""
    if any(abs(w) >= EXACT_WEIGHT for w in weights):
        return (False, tuple(weights))
    group = list(range(len(terms)))  # each term's set, named by one of its terms
    first_with: dict[str, int] = {}  # each parameter's first term
    for position, term in enumerate(terms):
        for access in term.factors:
            if access.name in inputs:
                continue
            earlier = group[first_with.setdefault(access.name, position)]
            if earlier != group[position]:  # two sets meet: one set from now on
                joined = group[position]
                group = [earlier if g == joined else g for g in group]
    scaled = list(weights)
    for name in set(group):
        members = [p for p, g in enumerate(group) if g == name]
        divisor = math.gcd(*(weights[p] for p in members))
        if divisor:
            sign = next(1 if weights[p] > 0 else -1 for p in members if weights[p])
            for p in members:
                scaled[p] = weights[p] // (divisor * sign)
    return (True, tuple(scaled))


class _HashedOnce:
    """A memo's key with its hash worked out once: a dict hashes its key at every look-up,
    and a key of nested tuples of sympy expressions is rehashed in full each time."""

    __slots__ = ("key", "hash")

    def __init__(self, key: tuple):
        self.key = key
        self.hash = hash(key)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _HashedOnce) or self.hash != other.hash:
            return False
        if self.key is other.key:
            return True
        if self.key != other.key:
            return False
        # Equal: the other holds this key's own tuple from now on, so that the look-ups after
        # this one (an OrderedDict's `pop` compares a key three times, `get` and `move_to_end`
        # twice) find them the same object at once, not by comparing each answer's entries
        # (frozen dataclasses of sympy expressions) again.
        other.key = self.key
        return True


_ABSENT = object()  # what `BytesMemo.get` finds for a key it does not hold


def _sorted_distinct(connection: np.ndarray) -> bool:
    """Whether `connection` is sorted with no connection twice."""
    return bool((connection[1:] > connection[:-1]).all())


def _each_once(connection: np.ndarray, weight: np.ndarray) -> bool:
    """Whether `connection` is sorted with no connection twice, and every weight is summed
    exactly by `_fixed_part` (float64 holds whole numbers below 2**53): each connection's
    total is then its own weight, with no sort or sum."""
    return _sorted_distinct(connection) and bool((np.abs(weight) < 2**53).all())
