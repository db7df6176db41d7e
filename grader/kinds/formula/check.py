"""Decide whether a layer formula defines the same layer as the reference, and say why not.

The comparison itself is `grader.kinds.formula.layer`'s: both formulas are instantiated at
the rubric's size sets and their structures compared. This module turns differences into
findings a student understands (a 1×1 convolution where a fully connected layer was asked for,
a kernel that spans the whole image, weights that ignore the output channel, a bias missing or
shared), matches the rubric's misconceptions by the same comparison, and notes what the
formula's own parameter count is, which `grader.score.add_count_notes` compares with the
student's count for the same part.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

import sympy

from grader.errors import AnswerError
from grader.kinds.base import DiagnosisNames
from grader.kinds.count.check import show_count
from grader.kinds.formula.layer import (
    Facts,
    NotWholeError,
    Structure,
    facts,
    instantiate,
    most_inputs_read,
    reached,
    spatial_axes,
    strides,
    unread_terms,
)
from grader.kinds.formula.layout import tokens_as_columns, transposed, transposed_item
from grader.kinds.formula.matrix_form import added_up, given_names
from grader.kinds.formula.terms import (
    Access,
    Formula,
    LayerSpec,
    SumRange,
    Term,
    counted,
    plain_text,
    same_name,
    show_access,
    show_index,
)
from grader.lazy_import import lazy_import
from grader.model import Diagnosis, Item, Misconception, SizeSets, SymbolSpec

np = lazy_import("numpy")  # imported when a formula is first checked


@dataclass(frozen=True)
class OwnCount:
    """A formula's own parameter count at the rubric's size sets: the weights it writes and
    those that act independently, with the latter as a student would write it."""

    nominal: tuple[int, ...]
    effective: tuple[int, ...]
    shown: str
    nominal_shown: str | None = None  # the weights written, as a count, where they differ


@dataclass(frozen=True)
class FormulaCheck:
    """What the check found; `grader.score` turns it into a verdict, marks and feedback."""

    equivalent: bool
    exact: bool = True  # False: the comparison would be a guess, a person decides
    misconception: Misconception | None = None
    misconception_index: int | None = None
    findings: tuple[Diagnosis, ...] = ()
    notes: tuple[str, ...] = ()  # about the formula's own count; no marks depend on them
    group: str | None = None  # equal for formulas that define the same layer
    own_count: OwnCount | None = None
    # The student's bias is the reference's merged (`+ b` for `+ b_k`): there, only too coarse
    bias_merged: bool = False
    # How terms that only add to the student's other parameters were read, for the student
    # and the marker (`_added_parameters`)
    reading_notes: tuple[str, ...] = ()


# What can be wrong with a layer formula, registered by the method or function that finds it.
FINDINGS = DiagnosisNames()


# The formulas whose structures and inputs read are remembered in each worker. One answer's
# checks ask them of the same few formulas (the answer, the reference, the answer read another
# way); across answers only the references and a few common formulas come back, and those are
# asked of with every answer, so they stay among the last used. 512 held 5 MB more in a worker
# of a class of 3,000 for 3% fewer instantiations, each of which found its terms remembered.
STRUCTURES_MEMO = 64


@lru_cache(maxsize=STRUCTURES_MEMO)
def structures(formula: Formula, layer: LayerSpec, size_sets: SizeSets) -> tuple[Structure, ...]:
    """The formula at every size set; cached, since a class writes the same formulas often."""
    kept = _outside_kept_apart(formula, layer)
    return tuple(instantiate(kept, layer, dict(sizes)) for sizes in size_sets)


def _outside_kept_apart(formula: Formula, layer: LayerSpec) -> Formula:
    """`formula` with the parameters of the terms it adds after its activation named apart
    from those inside it: inside and outside are different places, so `tanh(… + b) - b` keeps
    its bias and `tanh(…) + W_x x_t` does not add to the W_x inside (probe9 S3-d, S3-e)."""
    if not formula.after_activation:
        return formula
    inside = len(formula.terms) - formula.after_activation
    tensors = [tensor.name for tensor in (*layer.inputs, layer.output)]
    after = tuple(
        replace(
            term,
            factors=tuple(
                a if any(same_name(a.name, t) for t in tensors) else replace(a, name=f"{a.name}′")
                for a in term.factors
            ),
        )
        for term in formula.terms[inside:]
    )
    return replace(formula, terms=(*formula.terms[:inside], *after))


def _fingerprint(structures_: Sequence[Structure]) -> str:
    """A stable name for what a formula means: equal for formulas that define the same layer."""
    digest = hashlib.sha256()
    for structure in structures_:
        for part in structure.signature():
            if isinstance(part, bytes):
                digest.update(part)
            else:
                digest.update(
                    (_fixed_repr(part) if part is structure.fixed else repr(part)).encode()
                )
    return digest.hexdigest()[:16]


def _fixed_repr(fixed: tuple) -> str:
    """`repr(fixed)`, a structure's fixed part, (connection, Fraction) pairs, made quicker: its
    few distinct weights (the same Fraction objects, `layer._fixed_part`) each shown once,
    rather than `Fraction.__repr__` for every one of up to thousands of connections."""
    shown: dict[int, str] = {}
    parts = []
    for connection, weight in fixed:
        if type(connection) is not int or type(weight) is not Fraction:
            return repr(fixed)
        text = shown.get(id(weight))
        if text is None:
            text = shown[id(weight)] = repr(weight)
        parts.append(f"({connection}, {text})")
    if len(parts) == 1:
        return f"({parts[0]},)"
    return f"({', '.join(parts)})"


def _same(first: Sequence[Structure], second: Sequence[Structure]) -> bool:
    return all(a.signature() == b.signature() for a, b in zip(first, second, strict=True))


def added_after_activation(formula: Formula) -> Formula:
    """The terms `formula` adds after its activation (`+ b` of `h = tanh(Wx) + b`), as a
    formula of their own with no activation."""
    after = formula.terms[len(formula.terms) - formula.after_activation :]
    return replace(formula, terms=after, activation=None, after_activation=0)


def _same_outside(first: Formula, second: Formula, layer: LayerSpec, size_sets: SizeSets) -> bool:
    """Whether two formulas add the same terms after their activation (none, for most)."""
    if not first.after_activation and not second.after_activation:
        return True
    if not first.after_activation or not second.after_activation:
        return False
    return _same(
        structures(added_after_activation(first), layer, size_sets),
        structures(added_after_activation(second), layer, size_sets),
    )


def same_layer(
    first: Formula, second: Formula, layer: LayerSpec, size_sets: SizeSets
) -> bool | None:
    """Whether two formulas define the same layer; None when that cannot be decided exactly."""
    if first.unsure is not None or second.unsure is not None:
        return None
    try:
        a, b = structures(first, layer, size_sets), structures(second, layer, size_sets)
    except NotWholeError:
        return None
    if not all(s.exact for s in (*a, *b)):
        return None
    return (
        _same(a, b)
        and first.activation == second.activation
        and first.reduction == second.reduction
        and _same_outside(first, second, layer, size_sets)
    )


def chain_sides_apart(
    formula: Formula,
    layer: LayerSpec,
    size_sets: SizeSets,
    readings: Callable[[Formula], Sequence[Formula]],
    declared: Collection[str] = (),
) -> tuple[tuple[Formula, bool | None], ...]:
    """The sides of `formula`'s chain of working (`Formula.chain_sides`) that do not define the
    layer of its last in any of their `readings` (a side with indices counted from 0, where the
    question allows it, is read so too), each with False where it defines another, None where
    that cannot be decided exactly; none where they all define one layer. Sides that define one
    layer must also name their parameters alike (`_named_alike`), once read as a single formula
    is (`readings`: W or the index form's w for the question's W_Q)."""
    last = formula.chain_sides[-1] if formula.chain_sides else formula
    apart = []
    for side in formula.chain_sides[:-1]:
        found: list[bool | None] = []
        for mine in readings(side):
            for theirs in readings(last):
                try:
                    same = same_layer(mine, theirs, layer, size_sets)
                except AnswerError:  # it reads too far to compare: not shown to be the same
                    same = None
                if mine.shape_problem is not None or theirs.shape_problem is not None:
                    same = None  # shapes that do not fit define no layer to compare
                if same and not _named_alike(mine, theirs, layer, declared):
                    same = None  # `U = XᵀG = XᵀA`: one layer, but is A the question's G?
                found.append(same)
        same = True if True in found else None if None in found else False
        if same is not True:
            apart.append((side, same))
    return tuple(apart)


def _parameter_names(formula: Formula, layer: LayerSpec) -> frozenset[str]:
    """The names of the tensors a formula reads besides its inputs, in any case."""
    return frozenset(
        access.name.casefold()
        for term in formula.terms
        for access in term.factors
        if not layer.is_input(access.name)
    )


def _named_alike(
    first: Formula, second: Formula, layer: LayerSpec, declared: Collection[str]
) -> bool:
    """Whether two formulas name their parameters alike: by the same names, but for one of the
    student's own written with its subscript in one (b_Q) and without in the other (b_k's b).
    A matrix the rubric names (`declared`) only by its name: G_Y is not a declared G."""
    names = _parameter_names(first, layer), _parameter_names(second, layer)

    def read(mine: frozenset[str], theirs: frozenset[str]) -> frozenset[str]:
        def letter(name: str) -> str:
            base = name.partition("_")[0]
            if name in theirs or base not in theirs:
                return name
            if any(same_name(n, d) for n in (name, base) for d in declared):
                return name
            return base

        return frozenset(letter(name) for name in mine)

    return read(names[0], names[1]) == read(names[1], names[0])


def differs_at_first_sizes(
    first: Formula, second: Formula, layer: LayerSpec, size_sets: SizeSets
) -> bool:
    """Whether two formulas are already different layers at the first size set: a cheap test
    before `same_layer` (which instantiates both at every set) where most pairs differ. A
    formula that cannot be instantiated raises as `instantiate` does."""
    if not size_sets:
        return False
    sizes = dict(size_sets[0])
    reached_first = reached(first, layer, sizes)
    b = structures(second, layer, size_sets)[0]
    wanted = _first_connections(second, layer, size_sets)  # the reference's: made once
    if not set(reached_first.tolist()) >= wanted:
        return True  # a connection the second reaches, the first never does: no need to weigh
    a = instantiate(first, layer, sizes)
    return a.signature() != b.signature()


# --- Findings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """How the diagnoses name the parts of a layer, from what the reference layer is: a
    convolution's positions and output channels, a projection's rows (tokens) and columns."""

    layer: str  # "a convolution"
    position: str  # "position"
    positions: str  # "positions"
    channel: str  # "output channel"
    channels: str  # "output channels"


WORDS = {
    "convolution": Words(
        "a convolution", "position", "positions", "output channel", "output channels"
    ),
    "fully connected": Words(
        "a fully connected layer", "position", "positions", "output channel", "output channels"
    ),
    "projection": Words("a projection", "row", "rows", "output column", "output columns"),
    "recurrent cell": Words(
        "a recurrent cell", "time step", "time steps", "hidden unit", "hidden units"
    ),
    "over time": Words(
        "a layer applied at every time step",
        "time step",
        "time steps",
        "output unit",
        "output units",
    ),
}


def spans(extent: Sequence[int]) -> str:
    """A window's size along each axis, with its noun: 1 position, 3 positions, 3×3 positions."""
    if len(extent) == 1:
        return counted(extent[0], "position", "positions")
    return f"{'×'.join(map(str, extent))} positions"


# A projection whose tensors hold one token per column (Q = W_Q X), compared transposed.
COLUMN_WORDS = Words("a projection", "column", "columns", "output row", "output rows")
LAYER_KINDS = tuple(WORDS)


def layer_kind(reference: Facts, spatial: int) -> str:
    """What the reference layer is, for the words of its diagnoses: every output reading every
    input is a fully connected layer; outputs that read only their own row of a matrix, a
    projection (Q = XW_Q, applied to every token); anything else a convolution."""
    if reference.reads_all:
        return "fully connected"
    if spatial == 1 and reference.own_position:
        return "projection"
    return "convolution"


class _Comparison:
    """The reference and a student's formula at one size set, with what each does."""

    def __init__(
        self,
        reference: Structure,
        student: Structure,
        layer: LayerSpec,
        meanings: Mapping[str, str],
        whole_image: Callable[[], bool] = lambda: False,
        sized_kernel: bool = False,
        kind: str | None = None,
        columns: bool = False,
        sizes: Callable[[], Sequence[tuple[Structure, Structure]]] | None = None,
        one_of: str | None = None,
    ):
        self.reference, self.student, self.layer = reference, student, layer
        self.columns = columns  # tokens as columns, compared transposed (`layout`)
        self.whole_image = whole_image  # the student's kernel covers the image at every size?
        # (reference, student) at every size set, asked only for a kernel's words; None where
        # only this size set is compared (an input of several, `inputs`)
        self.sizes = sizes
        self.one_of = one_of  # the input compared, where it is one of several (`inputs`)
        self.sized_kernel = sized_kernel  # the reference's kernel size is a size (K)
        self.spatial = spatial_axes(layer)
        self.r: Facts = facts(reference, self.spatial)
        self.s: Facts = facts(student, self.spatial)
        self.meanings = meanings
        self.kind = kind or layer_kind(self.r, self.spatial)
        self.words = WORDS[self.kind]
        if columns and self.kind == "projection":
            self.words = COLUMN_WORDS

    def entry(self, tensor: str, flat: int, dims: tuple[int, ...]) -> str:
        index = np.unravel_index(flat, dims)
        if self.columns:  # compared transposed: quoted in the question's layout
            index = index[::-1]
        return f"{tensor}[{','.join(str(int(i) + 1) for i in index)}]"

    def example(self) -> str:
        """One connection that is in one formula and not the other, in words."""
        r, s = self.r.weights, self.s.weights
        missing = np.setdiff1d(r, s, assume_unique=True)
        extra = np.setdiff1d(s, r, assume_unique=True)
        x, y = self.layer.input.name, self.layer.output.name
        sizes = self.student.show_sizes()
        if len(missing):
            out, source = self.reference.split(missing[:1])
            return (
                f"with {sizes}, {self.entry(y, int(out[0]), self.student.out_dims)} should read "
                f"{self.entry(x, int(source[0]), self.student.in_dims)}, but in your formula it "
                "does not"
            )
        out, source = self.student.split(extra[:1])
        return (
            f"with {sizes}, your {self.entry(y, int(out[0]), self.student.out_dims)} reads "
            f"{self.entry(x, int(source[0]), self.student.in_dims)}, which it should not"
        )

    def axis_names(self) -> tuple[str, ...]:
        if self.spatial == 2:
            return ("the height", "the width")
        return tuple(f"axis {a + 1}" for a in range(self.spatial))

    @FINDINGS.produces("stride", "dilation")
    def window(self) -> list[Diagnosis]:
        """A window that moves by another step, or whose taps are spread differently."""
        r, s = self.r, self.s
        names = self.axis_names()
        if None not in r.stride + s.stride and r.stride != s.stride:
            if self.spatial == 1:
                message = (
                    f"Your stride is {s.stride[0]}; this layer has stride {r.stride[0]}: each "
                    f"output's window starts {counted(r.stride[0], 'position', 'positions')} "
                    f"after the previous output's, in your formula {s.stride[0]}."
                )
            else:
                differ = [
                    (b, name)
                    for a, b, name in zip(r.stride, s.stride, names, strict=True)
                    if a != b
                ]
                if len(differ) == 2 and differ[0][0] == differ[1][0]:
                    yours = f"{differ[0][0]} along both {differ[0][1]} and {differ[1][1]}"
                else:
                    yours = " and ".join(f"{b} along {name}" for b, name in differ)
                theirs = (
                    f"stride {r.stride[0]} in both directions"
                    if self.spatial == 2 and len(set(r.stride)) == 1
                    else "strides "
                    + ", ".join(f"{a} along {n}" for a, n in zip(r.stride, names, strict=True))
                )
                message = f"Your stride is {yours}; the layer has {theirs}."
            return [FINDINGS.make("stride", message)]
        if None in r.dilation + s.dilation or r.dilation == s.dilation:
            return []
        spread = max(r.dilation)
        if spread > 1 and max(s.dilation) == 1:
            message = (
                f"This is a dilated kernel: its taps are {spread} positions apart (dilation "
                f"{spread}), but your formula reads adjacent positions."
            )
        elif max(s.dilation) > 1 and spread == 1:
            message = (
                f"Your kernel is dilated: its taps are {max(s.dilation)} positions apart, but "
                "this layer's kernel reads adjacent positions."
            )
        else:
            message = (
                f"Your kernel's taps are {max(s.dilation)} positions apart; this layer's are "
                f"{spread} apart (dilation {spread})."
            )
        return [FINDINGS.make("dilation", message)]

    def per_filter(self, count: int) -> str:
        """How many input channels a filter reads, in the question's sizes: C/G, not 2."""
        channels = self.layer.input.shape[-1]
        total = self.student.in_dims[-1]
        if count and total % count == 0 and channels.is_Symbol:
            groups = [
                name
                for name, value in self.student.sizes
                if value == total // count and name != str(channels)
            ]
            if len(groups) == 1:
                return f"{channels}/{groups[0]}"
        return str(count)

    @FINDINGS.produces("group_channels", "group_mismatch")
    def groups(self) -> list[Diagnosis]:
        """Which input channels each filter reads, where the reference's filters read a part
        of them: a grouped or depthwise convolution."""
        wanted, read = self.r.channels, self.s.channels
        if wanted is None or read is None or np.array_equal(wanted, read) or not wanted.any():
            return []
        counts = set(wanted.sum(axis=1).tolist())
        total = wanted.shape[1]
        if len(counts) != 1:
            return []
        (count,) = counts
        if count == total:
            return []  # not grouped: which channels are read is the connectivity's to say
        kind = "a depthwise" if count == 1 else "a grouped"
        each = "only its own input channel" if count == 1 else f"{self.per_filter(count)} of them"
        if read.all():
            return [
                FINDINGS.make(
                    "group_channels",
                    f"Your filters read every input channel; in {kind} convolution each reads "
                    f"{each}.",
                )
            ]
        if max(read.sum(axis=1).tolist()) == count:
            row = int(np.flatnonzero((wanted != read).any(axis=1))[0])
            return [
                FINDINGS.make(
                    "group_mismatch",
                    f"Your filters read {self.per_filter(count)} input channels each, but not "
                    f"those of their own group: with {self.student.show_sizes()}, output "
                    f"channel {row + 1} should read input channels "
                    f"{_channel_list(wanted[row])}, yours reads {_channel_list(read[row])}.",
                )
            ]
        return []

    @FINDINGS.produces("not_fully_connected", "fully_connected", "kernel_size", "connectivity")
    def connectivity(self) -> list[Diagnosis]:
        r, s = self.r, self.s
        if np.array_equal(r.weights, s.weights):
            return []
        if r.reads_all and s.own_position:
            # A convolution shares its weights across positions; weights of each position's
            # own read only the inputs there, but are no 1×1 convolution.
            what = (
                "Each"
                if s.position_dependent
                else "This is a 1×1 convolution, not a fully connected layer: each"
            )
            return [
                FINDINGS.make(
                    "not_fully_connected",
                    f"{what} output reads only the inputs at its own position, but in a fully "
                    "connected layer every output reads every input.",
                )
            ]
        if r.reads_all:
            return [
                FINDINGS.make(
                    "not_fully_connected",
                    f"Not every output reads every input ({self.example()}); in a fully "
                    "connected layer every output reads every input.",
                )
            ]
        if s.reads_all:
            return [
                FINDINGS.make(
                    "fully_connected",
                    # Weights shared across positions make it no fully connected layer: a
                    # kernel as large as the input, or the same weights for every input row.
                    (
                        "Every output reads every input, but "
                        if s.shared_across_positions
                        else "Every output reads every input: that is a fully connected layer, but "
                    )
                    + (
                        f"in a projection each output {self.words.position} reads only its own "
                        f"input {self.words.position}, through the same weights for every "
                        f"{self.words.position}."
                        if self.kind == "projection"
                        else "this layer reads only a small neighbourhood of each position."
                    ),
                )
            ]
        # A projection reads one row (token) at a time: it has no window to stride or dilate.
        found = (self.window() if self.kind != "projection" else []) or self.groups()
        if found:
            return found
        if r.extent and s.extent and r.extent != s.extent:
            kernel = self.kernel()
            if kernel is not None:
                return [FINDINGS.make("kernel_size", self.kernel_message(*kernel))]
        return [
            FINDINGS.make("connectivity", f"Your outputs read the wrong inputs: {self.example()}.")
        ]

    def kernel(self) -> tuple[tuple[int, ...], tuple[int, ...], Structure, bool] | None:
        """The student's kernel size and the reference's where they differ, at the first size
        set where the student's windows are whole, with that size set's structure and whether
        the student's kernel size differs from one size set to another; None where no size set
        shows a kernel of another size than the reference's. A window the image's border cuts
        at every output (one moved past its own span, x_{i+u+3}) looks narrower than it is:
        its extent there says nothing of its kernel."""
        s_extent, r_extent = self.s.extent or (), self.r.extent or ()
        if self.sizes is None or self.s.own_position:
            return s_extent, r_extent, self.student, False  # a 1×1 kernel: no border cuts it
        whole: list[tuple[Facts, Facts, Structure]] = []
        for reference, student in self.sizes():
            s_facts, r_facts = facts(student, self.spatial), facts(reference, self.spatial)
            if not _cut(s_facts, student, self.spatial):
                whole.append((s_facts, r_facts, student))
        varies = len({s_facts.extent for s_facts, _, _ in whole}) > 1
        if self.whole_image():
            return s_extent, r_extent, self.student, varies
        differs = [
            (s_facts, r_facts, student)
            for s_facts, r_facts, student in whole
            if s_facts.extent and s_facts.extent != r_facts.extent
        ]
        if not differs:
            return None
        # this size set's where its windows are whole, else the first that shows them whole
        s_facts, r_facts, student = next(
            (found for found in differs if found[2] is self.student), differs[0]
        )
        return s_facts.extent or (), r_facts.extent or (), student, varies

    def reads_every_position(self) -> bool:
        """Whether each of the student's outputs reads, through its weights, inputs at every
        position of the image, at every size set compared."""
        pairs = self.sizes() if self.sizes is not None else ((self.reference, self.student),)
        for _, student in pairs:
            output, source = student.split(student.connections)
            weighted = source >= 0
            places = math.prod(student.in_dims[: self.spatial])
            position = source[weighted] // math.prod(student.in_dims[self.spatial :])
            seen = np.unique(np.stack([output[weighted], position], axis=1), axis=0)
            outputs = np.unique(seen[:, 0]) if len(seen) else seen
            if len(outputs) < student.outputs or len(seen) != student.outputs * places:
                return False
        return True

    def kernel_message(
        self,
        extent: tuple[int, ...],
        reference: tuple[int, ...],
        at_sizes: Structure,
        varies: bool,
    ) -> str:
        if self.kind == "projection":
            rows = (extent or (0,))[0]
            one, many = self.words.position, self.words.positions
            if not self.whole_image():
                reads = f"Each of your output {many} reads {rows} input {many}"
            elif self.reads_every_position():
                reads = f"Each of your output {many} reads every input {one}"
            else:  # a window as large as the input, cut by its border
                reads = f"Your output {many} read windows as large as the input"
            return (
                f"{reads}; in a projection each output {one} reads only its own input {one}, "
                f"through the same weights for every {one}."
            )
        wanted = (
            "only each output's own position"
            if all(e == 1 for e in reference)
            else spans(reference)
        )
        if all(e == 1 for e in extent) and self.s.own_position:
            return (
                "Each output reads only the inputs at its own position (a 1×1 kernel); this "
                f"layer's kernel spans {wanted}."
            )
        if self.whole_image():
            because = (
                "its offsets run over every position, so each output reads inputs from everywhere."
                if self.reads_every_position()
                # as large as the image, but the border cuts each output's window
                else "it is as large as the image itself."
            )
            return f"Your kernel spans the whole image instead of {wanted}: {because}"
        at = f" (with {at_sizes.show_sizes()})" if self.sized_kernel or varies else ""
        return f"Your kernel spans {spans(extent)} instead of {wanted}{at}."

    @FINDINGS.produces(
        "channel_independent", "unshared_weights", "shared_weights", "weight_sharing"
    )
    def sharing(self, same_reads: bool) -> list[Diagnosis]:
        r, s = self.r, self.s
        found = []
        if s.channel_independent and not r.channel_independent:
            channels = self.layer.output.shape[-1]
            # A bias of their own still sets the channels apart, by a constant.
            alike = {
                "none": "be identical",
                "shared": "be identical",
                "per channel": "differ only by their bias",
                "per output": "differ only by their bias",
            }.get(s.bias, "differ at most by their bias")
            count = show_count(channels, sorted(channels.free_symbols, key=str))
            message = (
                f"Your weights do not depend on the {self.words.channel}, so all {count} "
                f"{self.words.channels} would {alike}: each {self.words.channel} needs its own "
                "weights."
            )
            if self.one_of is not None:  # the other inputs' weights may set them apart
                message = (
                    f"Your weights for {self.one_of} do not depend on the {self.words.channel}, "
                    f"so {self.one_of} adds the same to all {count} {self.words.channels}: "
                    f"each {self.words.channel} needs its own weights for {self.one_of}."
                )
            found.append(FINDINGS.make("channel_independent", message))
        if (
            r.shared_across_positions
            and s.position_dependent
            and not (not self.columns and self._still_alike())
        ):
            found.append(
                FINDINGS.make(
                    "unshared_weights",
                    f"Your weights depend on the {self.words.position}, so they are not shared "
                    f"across {self.words.positions}: this is not {self.words.layer}"
                    + (
                        f", which applies the same weights to every {self.words.position}."
                        if self.kind == "projection"
                        else "."
                    ),
                )
            )
        elif same_reads and s.shared_across_positions and not r.shared_across_positions:
            found.append(
                FINDINGS.make(
                    "shared_weights",
                    "Your weights are shared across positions, but in this layer every "
                    "connection has its own weight.",
                )
            )
        reference_classes, student_classes = (
            _weight_classes(self.reference),
            _weight_classes(self.student),
        )
        if same_reads and not found and not np.array_equal(reference_classes, student_classes):
            tie = "ties together weights that should be separate"
            if len(np.unique(student_classes)) > len(np.unique(reference_classes)):
                tie = "gives separate weights to connections that should share one"
            found.append(
                FINDINGS.make(
                    "weight_sharing",
                    f"Every output reads the right inputs, but your formula {tie}.",
                )
            )
        return found

    def _still_alike(self) -> bool:
        """Whether the answer's window does not move along an axis where the layer's does
        (stride 0: `x_{i+u,i+u+v}` never reads j) and every output along it reads the same
        inputs through the same weights: the same offset from the output then meets other
        weights, which is the stride's finding, not weights of each position
        (w_{m,n,l,i,j,k} is both)."""
        return any(
            mine == 0 and theirs != 0 and _alike_along(self.student, axis)
            for axis, (mine, theirs) in enumerate(zip(self.s.stride, self.r.stride, strict=False))
        )

    @FINDINGS.produces("bias_missing", "bias_extra", "bias_shared", "bias_unshared", "bias_varies")
    def bias(self) -> list[Diagnosis]:
        r, s = self.r, self.s
        if r.bias == s.bias and (not r.has_bias or self._same_bias()):
            return []
        if not s.has_bias:
            per = (
                "every output has its own"
                if r.bias == "per output"
                else f"each {self.words.channel} has one, shared by every {self.words.position}"
            )
            return [
                FINDINGS.make(
                    "bias_missing", f"Your formula has no bias; this layer has one: {per}."
                )
            ]
        if not r.has_bias:
            return [
                FINDINGS.make(
                    "bias_extra",
                    "This part asks for the layer without a bias, but your formula adds one.",
                )
            ]
        if r.bias == "shared" and s.bias != "shared":
            # One bias for the whole layer; the student's differs between outputs (b_k, b_{i,j,k}).
            varies = self.words.channel if s.bias == "per channel" else "output"
            message = (
                f"Your bias differs from {varies} to {varies}; this layer has one bias, shared "
                "by every output."
            )
            return [FINDINGS.make("bias_varies", message)]
        if r.bias == "per channel" and s.bias == "per output":
            message = (
                f"Your bias differs from {self.words.position} to {self.words.position}; in this "
                f"layer each {self.words.channel} has one bias, shared by every "
                f"{self.words.position}."
            )
            return [FINDINGS.make("bias_unshared", message)]
        if r.bias == "per output":
            message = "Your bias is shared by outputs that should each have their own bias."
            return [FINDINGS.make("bias_shared", message)]
        if r.bias == "per channel" and s.bias == "other" and self._bias_unshared_only():
            # b_{k,i}: each output channel has biases of its own, which change with the
            # position; it is not shared (b_i, shared by the channels, is told so below)
            message = (
                f"Your bias differs from {self.words.position} to {self.words.position}; in this "
                f"layer each {self.words.channel} has one bias, shared by every "
                f"{self.words.position}."
            )
            return [FINDINGS.make("bias_unshared", message)]
        if r.bias == "per channel" and self._bias_per_position():
            # b_n, one bias per token: shared by a row's columns, and changing with the row
            position = self.words.position
            message = (
                f"Your bias differs from {position} to {position} and is shared by the "
                f"{self.words.channels} of a {position}; in this layer each {self.words.channel} "
                f"has one bias, shared by every {position}."
            )
            return [FINDINGS.make("bias_shared", message)]
        return [
            FINDINGS.make(
                "bias_shared", f"Your bias is shared where each {self.words.channel} needs its own."
            )
        ]

    def _bias_per_position(self) -> bool:
        """Whether the student's bias changes with the position, one bias for all the output
        channels at a position (`+ b_n` for a bias per token)."""
        output, source = self.student.split(self.student.connections)
        is_bias = source < 0
        channel = output[is_bias] % self.student.out_dims[-1]
        position = output[is_bias] // self.student.out_dims[-1]
        classes = self.student.classes[is_bias]
        if len(np.unique(classes)) < 2:
            return False
        one_each = len(np.unique(np.stack([position, classes], axis=1), axis=0)) == len(
            np.unique(position)
        )
        spans = len(np.unique(np.stack([channel, classes], axis=1), axis=0)) > len(
            np.unique(classes)
        )
        return one_each and spans

    def _bias_unshared_only(self) -> bool:
        """Whether some output channel of the student's gets different biases at different
        positions, while no two output channels share a bias."""
        output, source = self.student.split(self.student.connections)
        is_bias = source < 0
        channel = output[is_bias] % self.student.out_dims[-1]
        classes = self.student.classes[is_bias]
        if not len(classes):
            return False
        pairs = np.unique(np.stack([channel, classes], axis=1), axis=0)
        varies = len(pairs) > len(np.unique(channel))
        return varies and len(pairs) == len(np.unique(classes))

    def _same_bias(self) -> bool:
        def bias_part(structure: Structure) -> tuple[np.ndarray, np.ndarray]:
            is_bias = structure.split(structure.connections)[1] < 0
            return structure.connections[is_bias], structure.classes[is_bias]

        (rc, rk), (sc, sk) = bias_part(self.reference), bias_part(self.student)
        return np.array_equal(rc, sc) and np.array_equal(rk, sk)

    @FINDINGS.produces("fixed_term")
    def fixed(self) -> list[Diagnosis]:
        if self.reference.fixed == self.student.fixed:
            return []
        return [
            FINDINGS.make(
                "fixed_term",
                "Your formula has a term without a weight (an input or a constant added as it "
                "is); every term of this layer is a weight times an input, or a bias.",
            )
        ]


def _channel_list(row: np.ndarray) -> str:
    """Channels 3 to 4, or 1, 3 and 5, counted from 1."""
    channels = [int(c) + 1 for c in np.flatnonzero(row)]
    if len(channels) > 1 and channels[-1] - channels[0] == len(channels) - 1:
        return f"{channels[0]} to {channels[-1]}"
    if len(channels) == 1:
        return str(channels[0])
    return ", ".join(map(str, channels[:-1])) + f" and {channels[-1]}"


def _cut(known: Facts, structure: Structure, spatial: int) -> bool:
    """Whether the image's border may cut the windows of every output along some axis: an
    offset (input = stride · output + offset) is seen only where some output reads inside the
    image with it, so a window that reaches the first or last offset seen anywhere may reach
    further, and its extent is then only what the image lets be seen of it."""
    if known.window is None:
        return False
    for axis, (first, last) in enumerate(known.window):
        step = known.stride[axis] if axis < len(known.stride) else None
        lowest = -(step or 1) * (structure.out_dims[axis] - 1)
        if first <= lowest or last >= structure.in_dims[axis] - 1:
            return True
    return False


def _sums_over_the_image(student: Formula, reference: Formula, layer: LayerSpec) -> bool:
    """Whether the student sums over a size of the image (`\\sum_{p=1}^{P}`) where the
    reference's sums run over no such size: a kernel written to grow with the image."""
    spatial = spatial_axes(layer)
    image = set().union(*(size.free_symbols for size in layer.input.shape[:spatial]))

    def sized(formula: Formula) -> bool:
        return any(length.free_symbols & image for length in _range_lengths(formula))

    return sized(student) and not sized(reference)


def _covers_the_image(
    student: Sequence[Structure],
    reference: Sequence[Structure],
    spatial: int,
    written_to_grow: bool = False,
) -> bool:
    """Whether the kernel grows with the image (where the reference's does not: a kernel of
    K positions grows with K), summed over a size of the image and reaching its border at
    every size checked, or spans all of it at every size checked: a fixed 5×5 kernel looks
    like the whole image on a 5×4 one, not on a 6×7 one, and a 3×3 window moved past its own
    span (x_{i+u+3,j+v+3}) is cut by the border, and can look as if it grew with the image."""
    known = [facts(s, spatial) for s in student]
    extents = [k.extent for k in known]
    wanted = [facts(r, spatial).extent for r in reference]
    if None in extents:
        return False
    grows = (
        written_to_grow
        and len(set(extents)) > 1
        and len(set(wanted)) == 1
        and all(_cut(k, s, spatial) for k, s in zip(known, student, strict=True))
        and len(
            {
                tuple(e - d for e, d in zip(extent, s.in_dims[:spatial], strict=True))
                for extent, s in zip(extents, student, strict=True)
            }
        )
        == 1
    )

    def covers(extent, structure) -> bool:
        return extent is not None and all(
            e >= d for e, d in zip(extent, structure.in_dims[:spatial], strict=True)
        )

    # Sizes at which the reference's own kernel covers the image tell nothing.
    telling = [
        (extent, s)
        for extent, s, r, w in zip(extents, student, reference, wanted, strict=True)
        if not covers(w, r)
    ]
    return grows or (bool(telling) and all(covers(extent, s) for extent, s in telling))


def _alike_along(structure: Structure, axis: int) -> bool:
    """Whether outputs that differ only along the output's `axis` read the same inputs through
    the same weights (`x_{i+u,i+u+v}`, w_{u,v}: every j alike), not weights of their own
    (w_{m,n,i,j}, which depend on j)."""
    output, source = structure.split(structure.connections)
    through = source >= 0
    outputs, inputs, classes = output[through], source[through], structure.classes[through]
    if not len(outputs):
        return True
    where = np.array(np.unravel_index(outputs, structure.out_dims))
    where[axis] = 0
    rest = np.ravel_multi_index(tuple(where), structure.out_dims)  # each output's group
    # No output of a group reads less than the group does (then each reads what the others
    # do) exactly when the group's distinct reads, once for each of its outputs, add up to
    # its outputs' own: a few sorts, where a loop over every connection took milliseconds.
    own = _distinct_columns(np.stack([outputs, inputs, classes])).shape[1]
    group_reads = _distinct_columns(np.stack([rest, inputs, classes]))
    members = np.bincount(rest[np.unique(outputs, return_index=True)[1]])  # outputs a group
    return own == int(members[group_reads[0]].sum())


def _distinct_columns(rows: np.ndarray) -> np.ndarray:
    """The distinct columns of `rows`, each once, sorted."""
    ordered = rows[:, np.lexsort(rows[::-1])]
    new = np.ones(ordered.shape[1], dtype=bool)
    new[1:] = (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)
    return ordered[:, new]


def _weight_classes(structure: Structure) -> np.ndarray:
    """The class of each connection through a weight (biases left out)."""
    return structure.classes[structure.split(structure.connections)[1] >= 0]


def _range_lengths(formula: Formula) -> Counter:
    return Counter(_range_length(s.low, s.high) for term in formula.terms for s in term.sums)


@FINDINGS.produces("range")
def _range_finding(
    reference: Formula, student: Formula, meanings: Mapping[str, str]
) -> list[Diagnosis]:
    """`\\sum_{n=1}^{P}` where the reference sums to Q: a size written for another."""
    written_lengths, wanted_lengths = _range_lengths(student), _range_lengths(reference)
    extra, missing = written_lengths - wanted_lengths, wanted_lengths - written_lengths
    if sum(extra.values()) != 1 or sum(missing.values()) != 1:
        return []
    (written,), (wanted,) = list(extra), list(missing)
    if not (written.is_Symbol and wanted.is_Symbol):
        return []
    variable = next(
        s.variable
        for term in reversed(student.terms)
        for s in reversed(term.sums)
        if _range_length(s.low, s.high) == written
    )
    meaning = meanings.get(str(wanted))
    because = f" ({wanted} is {meaning})" if meaning else ""
    return [
        FINDINGS.make(
            "range",
            f"Your sum over {variable} runs over {written} values where {wanted} belongs{because}.",
        )
    ]


# --- Counts --------------------------------------------------------------------------------


def written_count(formula: Formula, layer: LayerSpec, live_only: bool) -> sympy.Expr:
    """The formula's parameter count from its ranges: each weight tensor has one entry per value
    of the indices it carries; with `live_only`, only indices that reach the input or the
    output count, since a weight summed over an index nothing else depends on acts only through
    that sum."""
    return _written_count(
        formula.output.indices,
        formula.enumerates,
        formula.free,
        tuple((term.sums, term.factors) for term in formula.terms),
        layer,
        live_only,
    )


@lru_cache(maxsize=256)
def _written_count(
    output: tuple[sympy.Expr, ...],
    enumerates: tuple[SumRange, ...],
    free: tuple[sympy.Symbol, ...],
    terms: tuple[tuple[tuple[SumRange, ...], tuple[Access, ...]], ...],
    layer: LayerSpec,
    live_only: bool,
) -> sympy.Expr:
    """`written_count` from what it reads (not the terms' coefficients), remembered: a class's
    formulas often differ only in a term's factor in front."""
    ranges = dict(zip(output, layer.output.shape, strict=True))
    ranges.update({s.variable: sympy.expand(s.high - s.low + 1) for s in enumerates})
    counted: dict[str, sympy.Expr] = {}
    for sums, factors in terms:
        local = {**ranges, **{s.variable: sympy.expand(s.high - s.low + 1) for s in sums}}
        live = set(free)
        for access in factors:
            if layer.is_input(access.name):
                for index in access.indices:
                    live |= index.free_symbols
        for access in factors:
            if layer.is_input(access.name) or access.name in counted:
                continue
            variables = set().union(*(i.free_symbols for i in access.indices)) & set(local)
            if live_only:
                variables &= live
            counted[access.name] = sympy.Mul(*(local[v] for v in variables))
    return sympy.Add(*counted.values())


def _own_count(
    formula: Formula,
    layer: LayerSpec,
    student: Sequence[Structure],
    order: Sequence[sympy.Symbol],
) -> tuple[OwnCount, list[str]]:
    """The formula's own count, and a note when it writes more weights than act."""
    by_name = {s.name: s for s in order}

    def at(expr: sympy.Expr, structure: Structure) -> int | None:
        # remembered (`_count_at`): a class's formulas write the same few counts, each
        # asked at the same few sizes
        sizes = tuple((by_name[n], v) for n, v in structure.sizes if n in by_name)
        return _count_at(expr, sizes)

    def shown(live_only: bool, numbers: Sequence[int]) -> str:
        """The count as a formula in the sizes where it is verified, else as a number there
        (weights that padding never reaches, for example, have no such formula)."""
        expr = written_count(formula, layer, live_only)
        if all(at(expr, s) == n for s, n in zip(student, numbers, strict=True)):
            return _shown_count(expr, tuple(order))
        return f"{numbers[0]} (with {student[0].show_sizes()})"

    nominal = tuple(s.nominal for s in student)
    effective = tuple(s.effective for s in student)
    own = OwnCount(nominal, effective, shown(True, effective))
    notes = []
    if nominal != effective:
        own = OwnCount(nominal, effective, own.shown, shown(False, nominal))
        notes.append(
            f"Your formula writes {own.nominal_shown} parameters, but only "
            f"{own.shown} of them act independently: weights that are only ever "
            "added together, or that never meet an input, count as one or not at all."
        )
    return own, notes


def _added_parameters(
    formula: Formula,
    layer: LayerSpec,
    student: Sequence[Structure],
    size_sets: SizeSets,
    given: Sequence[str],
) -> tuple[str, ...]:
    """A note for each term of a parameter of the student's own that only adds to their other
    parameters (`Y = XW_1 + XW_2`; a 3x3 convolution `+ \\sum_l a_{l,k} x_{i,j,l}`): the layer is
    the same without it, every connection it makes being made by another of their parameters,
    shared alike. Sought only where some written parameters do not act independently, from
    the last term back, so the term kept is the first written. A term written more than once
    is said where the numbers are (`number_factors`); a given matrix's, in `given_scaled`."""
    if all(s.nominal == s.effective for s in student):
        return ()
    unread = _unread_numbers(formula, layer, size_sets)

    def own(term) -> list[str]:
        return [
            a.name
            for a in term.factors
            if not layer.is_input(a.name) and not any(same_name(a.name, g) for g in given)
        ]

    def reads(term) -> bool:
        return any(layer.is_input(a.name) for a in term.factors)

    kept, notes = list(enumerate(formula.terms)), []
    for number, term in reversed(list(enumerate(formula.terms))):
        names = own(term)
        if len(names) != 1 or number in unread:
            continue
        rest = [(n, t) for n, t in kept if n != number]
        alike = [t for _, t in rest if t.factors and reads(t) == reads(term)]
        if any(
            len(own(t)) != len([a for a in t.factors if not layer.is_input(a.name)]) for t in alike
        ):
            continue  # a given matrix there too: not the student's own to add to
        partners = list(dict.fromkeys(n for t in alike for n in own(t)))
        if not partners or names[0] in partners:
            continue
        without = replace(formula, terms=tuple(t for _, t in rest))
        try:
            same = _same(structures(without, layer, size_sets), student)
        except AnswerError:
            continue
        if not same:
            continue
        kept = rest
        other = " or ".join(partners)
        if reads(term):
            notes.append(
                f"read {names[0]} as part of {other}: every input {names[0]} multiplies, "
                f"{other} multiplies too, for the same output, so {names[0]} only adds to "
                f"{other} and together they act as one weight"
            )
        else:
            notes.append(
                f"read {names[0]} as part of {other}: every output {names[0]} is added to, "
                f"{other} is added to too, so {names[0]} only adds to {other} and together "
                "they act as one bias"
            )
    return tuple(reversed(notes))


# --- The check -----------------------------------------------------------------------------


def _same_reads(first: Sequence[Structure], second: Sequence[Structure]) -> bool:
    """Whether two layers without weights read the same inputs for every output."""

    def reads(structure: Structure) -> list[int]:
        return [connection for connection, _ in structure.fixed]

    return all(
        not len(a.connections) and not len(b.connections) and reads(a) == reads(b)
        for a, b in zip(first, second, strict=True)
    )


@FINDINGS.produces("pooling_max", "pooling_mean", "max_for_sum", "pooling_min")
def _reduction_finding(
    reference: Formula, student: Formula, pooling: bool, layer: LayerSpec
) -> list[Diagnosis]:
    """A max where the mean or a sum belongs, or the other way round; a max of negated inputs
    (read as a min) where a max, a mean or a sum belongs."""
    if reference.reduction == student.reduction:
        return []
    if student.reduction == "min":
        factor = student.terms[0].coefficient
        smallest = (
            "the smallest input of each window"
            if factor == 1
            else "minus the smallest input of each window"
            if factor == -1
            else f"{plain_text(factor)} times the smallest input of each window"
        )
        said = (
            f"A minus sign inside a max makes it a min, max(-x) = -min(x): your formula takes "
            f"{smallest}; "
            if student.negated
            else f"Your formula takes {smallest}; "
        )
        if reference.reduction == "max":
            return [
                FINDINGS.make(
                    "pooling_min", said + "max pooling takes the largest input of each window."
                )
            ]
        if pooling:
            return [FINDINGS.make("pooling_mean", said + "average pooling takes their mean.")]
        return [
            FINDINGS.make(
                "max_for_sum",
                said + "this layer adds up weighted inputs: each output is a sum over its "
                "inputs, not their minimum.",
            )
        ]
    if reference.reduction == "max":
        return [
            FINDINGS.make(
                "pooling_max",
                "Your formula adds up the inputs of each window; max pooling takes the largest "
                f"of them, \\max_{{u}}\\max_{{v}} {layer.input.name}_{{…}}.",
            )
        ]
    if pooling:
        return [
            FINDINGS.make(
                "pooling_mean",
                "Your formula takes the largest input of each window; average pooling takes "
                "their mean.",
            )
        ]
    return [
        FINDINGS.make(
            "max_for_sum",
            "Your formula takes a maximum where this layer adds up weighted inputs: each "
            "output is a sum over its inputs, not their maximum.",
        )
    ]


def _one_input_each(student: Sequence[Structure]) -> bool:
    """Whether each output reads at most one input, with no parameters: neither a max nor a
    sum of anything (`z_{i,j,k} = x_{2i,2j,k}`, or a max over a window of one input)."""
    for structure in student:
        if len(structure.connections):
            return False
        out, _ = structure.split(_fixed_reads(structure)[0])
        if len(np.unique(out)) != len(out):
            return False
    return True


def _is_pooling(reference: Sequence[Structure]) -> bool:
    """A layer without parameters whose outputs each average inputs: average pooling."""
    return all(not len(r.connections) and r.fixed for r in reference)


def _fixed_reads(structure: Structure) -> tuple[np.ndarray, dict[int, object]]:
    connections = np.array([c for c, _ in structure.fixed], dtype=np.int64)
    return connections, dict(structure.fixed)


def _without_constants(structure: Structure) -> Structure:
    """The structure less its constant terms: the fixed connections from input -1 (`+ 1`)."""
    connections, _ = _fixed_reads(structure)
    if not len(connections) or not (structure.split(connections)[1] < 0).any():
        return structure
    kept = tuple((c, w) for c, w in structure.fixed if structure.split(np.array([c]))[1][0] >= 0)
    return replace(structure, fixed=kept)


@FINDINGS.produces(
    "pooling_weights", "pooling_scale", "pooling_window", "pooling_inputs", "fixed_term"
)
def _pooling_findings(
    reference: Sequence[Structure],
    student: Sequence[Structure],
    layer: LayerSpec,
    maximum: bool = False,
    scaled: bool = True,
    written_strides: tuple[tuple[int, ...] | None, tuple[int, ...] | None] = (None, None),
    first: int = 1,
) -> list[Diagnosis]:
    """Pooling, in its own words: no weights, a mean (or a max) over a window. Without
    `scaled`, a scale besides wrong windows is left to the finding that says the factor (a max
    of negated inputs: `pooling_min`). `written_strides`: the reference's and the student's
    strides as their indices write them (`formula_strides`), where the sizes checked hold too
    few whole windows to tell. Entries are counted from `first`, the formula's index base."""
    # Output is the largest input of its window for max pooling, not their mean.
    output = "the largest input of its window" if maximum else "the mean of its window"
    kept = [_without_constants(s) for s in student]
    if kept != list(student):  # a constant added (`+ 1`): said, then what else is wrong
        constant = FINDINGS.make(
            "fixed_term",
            "Your formula adds a constant term (a number, with no input in it); each output "
            f"of this pooling is {output}, with nothing added.",
        )
        return [
            constant,
            *_pooling_findings(reference, kept, layer, maximum, scaled, written_strides, first),
        ]
    if any(len(s.connections) for s in student):
        # A connection from input -1 is a bias: say which parameters the formula has.
        weights = any((s.split(s.connections)[1] >= 0).any() for s in student)
        biases = any((s.split(s.connections)[1] < 0).any() for s in student)
        what = {
            (True, False): f"weights: each output is {output}. Your formula multiplies the "
            "inputs by weights",
            (False, True): f"parameters: each output is {output}. Your formula adds a bias, "
            "which is a learnable parameter",
            (True, True): f"parameters: each output is {output}. Your formula multiplies the "
            "inputs by weights and adds a bias",
        }[weights, biases]
        return [FINDINGS.make("pooling_weights", f"Pooling has no learnable {what}.")]
    for r, s in zip(reference, student, strict=True):
        wanted, wanted_weight = _fixed_reads(r)
        read, read_weight = _fixed_reads(s)
        if np.array_equal(wanted, read):
            if wanted_weight == read_weight:
                continue
            return _pooling_scale(r, s, maximum)
        # Its windows are wrong: said, and a scale wrong besides (a max scaled, or a window of
        # the mean's size weighed otherwise), which the windows do not account for.
        scale = _pooling_scale(r, s, maximum) if scaled and _scaled_otherwise(r, s, maximum) else []
        spatial = spatial_axes(layer)
        steps = _window_steps(r, s, spatial)
        # The rubric's `pooling_window` is the right window placed wrongly (a stride or an
        # offset mistake): windows of the reference's size and shape, in the output's own
        # channel, that move from one output to the next. Anything else is not that window.
        if not _windows_alike(r, s, wanted, read, spatial) or 0 in steps[1]:
            return [_pooling_inputs(r, s, layer, maximum, first), *scale]
        if None in steps[0] + steps[1] and None not in written_strides:
            # Too few whole windows at these sizes to tell a stride (x_{3i+u,3j+v} at Q=4): the
            # formulas' own, from their indices, which hold at every size.
            steps = (written_strides[0], written_strides[1])
        if None not in steps[0] + steps[1] and steps[0] != steps[1]:
            return [
                FINDINGS.make(
                    "pooling_window",
                    f"Your windows move by {spans(steps[1])}; this "
                    f"pooling's move by {'×'.join(map(str, steps[0]))} (its stride).",
                ),
                *scale,
            ]
        # Said by the first output whose window differs: what it reads, and what it should
        # (one input named alone read as if that output took only it: "should take the max
        # of x[1,1,1]").
        missing = np.setdiff1d(wanted, read)
        example = missing[:1] if len(missing) else np.setdiff1d(read, wanted)[:1]
        out, _ = r.split(example)
        output = int(out[0])
        x, y = layer.input.name, layer.output.name
        theirs, yours = _windows(r, wanted).get(output, []), _windows(s, read).get(output, [])
        pools = "take the max of" if maximum else "average"
        return [
            FINDINGS.make(
                "pooling_window",
                f"Your windows hold the wrong inputs: with {r.show_sizes()}, "
                f"{_entry(y, output, r.out_dims, first)} {_reads(x, yours, first)}; it should "
                f"{pools} {_inputs(x, theirs, first)}.",
            ),
            *scale,
        ]
    return []


def formula_strides(formula: Formula, layer: LayerSpec) -> tuple[int, ...] | None:
    """How far a window moves from one output to the next along each positional axis, as
    the formula's indices write it: the whole number each input index multiplies its
    output's position by (3 in x_{3i+u,3j+v,k}); None where that is not one whole number
    for every read of the input, or where a sum's range moves with the output."""
    spatial = spatial_axes(layer)
    positions = formula.output.indices[:spatial]
    if not all(isinstance(p, sympy.Symbol) for p in positions):
        return None
    found: list[set[sympy.Expr]] = [set() for _ in positions]
    for term in formula.terms:
        if any((s.low.free_symbols | s.high.free_symbols) & set(positions) for s in term.sums):
            return None
        for access in term.factors:
            if access.name != layer.input.name or len(access.indices) < spatial:
                continue
            for axis, position in enumerate(positions):
                index = sympy.expand(access.indices[axis])
                slope = index.coeff(position)
                if any(sympy.diff(index, other) != 0 for other in positions if other != position):
                    return None
                found[axis].add(slope)
    if not all(len(slopes) == 1 for slopes in found):
        return None
    strides = [next(iter(slopes)) for slopes in found]
    if not all(slope.is_Integer and slope > 0 for slope in strides):
        return None
    return tuple(int(slope) for slope in strides)


def _window_steps(
    reference: Structure, student: Structure, spatial: int
) -> tuple[tuple[int | None, ...], tuple[int | None, ...]]:
    """How far the reference's windows and the student's move from one output to the next,
    along each positional axis (None where these sizes do not tell)."""
    steps = []
    for structure in (reference, student):
        connections, _ = _fixed_reads(structure)
        out, source = structure.split(connections)
        out_index = _unravel_dims(out, structure.out_dims)
        in_index = _unravel_dims(source, structure.in_dims)
        steps.append(strides(out_index[:spatial], in_index[:spatial], np.arange(len(connections))))
    return steps[0], steps[1]


def _windows(structure: Structure, connections: np.ndarray) -> dict[int, list[tuple[int, ...]]]:
    """The inputs each output reads, by output (flat), each as its indices from 0."""
    out, source = structure.split(connections)
    in_index = np.stack(_unravel_dims(source, structure.in_dims), axis=1)
    windows: dict[int, list[tuple[int, ...]]] = {}
    for output, where in zip(out.tolist(), in_index.tolist(), strict=True):
        windows.setdefault(output, []).append(tuple(where))
    return windows


def first_window_start(structure: Structure, spatial: int) -> tuple[int, ...] | None:
    """Where the first output's window starts along each positional axis (from 0): the least
    index of the inputs it reads, through weights or not; None where it reads none."""
    connections = np.concatenate([structure.connections, _fixed_reads(structure)[0]])
    reads = _windows(structure, connections.astype(np.int64)).get(0, [])
    reads = [read for read in reads if min(read, default=0) >= 0]
    if not reads or not spatial:
        return None
    return tuple(min(read[axis] for read in reads) for axis in range(spatial))


def _window_shapes(structure: Structure, connections: np.ndarray, spatial: int) -> set | None:
    """Each output's window as its positions from its first corner, where every window lies
    in the output's own channel (the axes after the positions); None where one does not."""
    shapes = set()
    for output, reads in _windows(structure, connections).items():
        own = np.unravel_index(output, structure.out_dims)[spatial:]
        if len(structure.in_dims) != len(structure.out_dims) or any(
            tuple(read[spatial:]) != tuple(int(i) for i in own) for read in reads
        ):
            return None
        corner = [min(read[axis] for read in reads) for axis in range(spatial)]
        shapes.add(
            frozenset(
                tuple(a - c for a, c in zip(read[:spatial], corner, strict=True)) for read in reads
            )
        )
    return shapes


def _windows_alike(
    reference: Structure, student: Structure, wanted: np.ndarray, read: np.ndarray, spatial: int
) -> bool:
    """Whether the student's windows are the reference's in size and shape, each in its
    output's channel: each window is the reference's window or a part of it that the border
    cuts, and at least one is whole."""
    theirs = _window_shapes(reference, wanted, spatial)
    yours = _window_shapes(student, read, spatial)
    if not theirs or not yours:
        return False
    window = max(theirs, key=len)  # whole; the others cut by the border, if any
    if not all(shape <= window for shape in theirs):
        return False
    return window in yours and all(shape <= window for shape in yours)


@FINDINGS.produces("pooling_inputs")
def _pooling_inputs(
    reference: Structure, student: Structure, layer: LayerSpec, maximum: bool, first: int = 1
) -> Diagnosis:
    """Windows that are not the reference's window placed elsewhere: of another size or
    shape, across channels, one input, or one block for every output. Said by what the first
    output that differs reads, and what it should read."""
    theirs = _windows(reference, _fixed_reads(reference)[0])
    yours = _windows(student, _fixed_reads(student)[0])
    output = next(
        o
        for o in sorted(set(theirs) | set(yours))
        if set(theirs.get(o, ())) != set(yours.get(o, ()))
    )
    x, y = layer.input.name, layer.output.name
    entry = _entry(y, output, reference.out_dims, first)
    pools = "take the max of" if maximum else "average"
    return FINDINGS.make(
        "pooling_inputs",
        f"Your windows are not this pooling's: with {reference.show_sizes()}, {entry} "
        f"{_reads(x, yours.get(output, []), first)}; it should {pools} "
        f"{_inputs(x, theirs[output], first)}.",
    )


def _reads(tensor: str, reads: Sequence[tuple[int, ...]], first: int = 1) -> str:
    """What one output's window reads: "reads no input", "reads only x[1,1,1]", "reads x[…]"."""
    if not reads:
        return "reads no input"
    return "reads " + ("only " if len(reads) == 1 else "") + _inputs(tensor, reads, first)


def _inputs(tensor: str, reads: Sequence[tuple[int, ...]], first: int = 1) -> str:
    """Entries of a tensor, counted from `first` (1, or 0 where the formula counts from 0):
    all of them where there are up to 4, else how many and the block they fill
    (x[1..8,1..8,1]); entries that fill no block, all of them where there are up to 8 (not
    "x[2,2,1] to x[4,2,1]", which reads as a range), else the first and the last."""
    shown = [f"{tensor}[{','.join(str(i + first) for i in read)}]" for read in sorted(reads)]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    if len(shown) <= 4:
        return listed
    low = [min(axis) for axis in zip(*reads, strict=True)]
    high = [max(axis) for axis in zip(*reads, strict=True)]
    if math.prod(h - lo + 1 for lo, h in zip(low, high, strict=True)) == len(set(reads)):
        spans_ = ",".join(
            str(lo + first) if lo == h else f"{lo + first}..{h + first}"
            for lo, h in zip(low, high, strict=True)
        )
        return f"the {len(shown)} inputs {tensor}[{spans_}]"
    if len(shown) <= 8:
        return f"{len(shown)} inputs, {listed}"
    return f"{len(shown)} inputs, the first {shown[0]} and the last {shown[-1]}"


def _scaled_otherwise(reference: Structure, student: Structure, maximum: bool) -> bool:
    """Whether a pooling whose windows are wrong also weighs its inputs otherwise, as a mistake
    of its own: a max times any number but 1, or a mean whose windows hold as many inputs as
    the reference's weighed otherwise (a window of another size has another mean's weight)."""
    _, wanted_weight = _fixed_reads(reference)
    read, read_weight = _fixed_reads(student)
    if not read_weight:  # reads nothing: no number it weighs anything by
        return False
    if set(read_weight.values()) == set(wanted_weight.values()):
        return False
    return maximum or len(read) * reference.outputs == len(wanted_weight) * student.outputs


@FINDINGS.produces("pooling_scale")
def _pooling_scale(reference: Structure, student: Structure, maximum: bool) -> list[Diagnosis]:
    """A pooling that weighs its window's inputs otherwise than the reference."""
    _, read_weight = _fixed_reads(student)
    size = len(reference.fixed) // max(1, reference.outputs)
    yours = ", ".join(sorted({str(w) for w in read_weight.values()}))
    if maximum:  # a factor inside or outside the max: either way the max is scaled
        message = (
            f"Your formula scales by {yours}; max pooling takes the largest input of "
            "each window as it is, not scaled."
        )
    else:
        message = (
            f"Your formula weighs each input of the window by {yours}; average "
            f"pooling takes the mean of the {size} inputs of each window, each "
            f"weighed 1/{size}."
        )
    return [FINDINGS.make("pooling_scale", message)]


def _unravel_dims(flat: np.ndarray, dims: tuple[int, ...]) -> list[np.ndarray]:
    return list(np.unravel_index(flat, dims)) if len(flat) else [flat for _ in dims]


def _entry(tensor: str, flat: int, dims: tuple[int, ...], first: int = 1) -> str:
    index = np.unravel_index(flat, dims)
    return f"{tensor}[{','.join(str(int(i) + first) for i in index)}]"


@FINDINGS.produces("activation_outside")
def _after_activation_finding(
    reference: Formula, formula: Formula, layer: LayerSpec
) -> list[Diagnosis]:
    """Terms added after the activation (`h = tanh(Wx) + b`), where the layer applies its
    activation to all of them: another function, said as such. Where the layer has no
    activation, `activation_extra` says what is wrong."""
    if not formula.after_activation or formula.activation is None or reference.activation is None:
        return []
    yours, theirs = formula.activation, reference.activation
    after = added_after_activation(formula).terms
    if not added_up(after):  # `tanh(…) + b_k - b_k`: nothing is added after it
        return []
    bias = any(not any(layer.is_input(a.name) for a in t.factors) for t in reference.terms)
    inside = f"{theirs}(… + bias)" if bias else f"{theirs}(…)"
    # `h = tanh(Wx) - b` subtracts its bias: said so, not "adds"
    adds, sign = ("subtracts", "-") if all(t.coefficient < 0 for t in after) else ("adds", "+")

    def a_bias(term: Term) -> bool:
        return bool(term.factors) and not any(layer.is_input(a.name) for a in term.factors)

    # `h_k = \tanh(Wx + b)_k + b_k`: a bias inside too, where it belongs
    within = formula.terms[: len(formula.terms) - formula.after_activation]
    if all(a_bias(t) for t in after):
        message = (
            f"Your formula {adds} a bias after {yours}, outside it: {yours}(…) {sign} bias is "
            "another "
            f"function than this layer's {inside}. "
            + (
                f"The bias inside {theirs}(…) is where it belongs; nothing comes after "
                f"{theirs} in this layer."
                if bias and any(a_bias(t) for t in within)
                else f"The bias belongs inside {theirs}(…), added to the weighted sum before "
                f"{theirs} is applied."
                if bias
                else "This layer has no bias."
            )
        )
    else:
        terms = "a term" if len(after) == 1 else f"{len(after)} terms"
        message = (
            f"Your formula {adds} {terms} after {yours}, outside it; this layer applies "
            f"{theirs} to its whole weighted sum{' and bias' if bias else ''}, {inside}, "
            "with nothing added after it."
        )
    return [FINDINGS.make("activation_outside", message)]


@FINDINGS.produces("activation_missing", "activation_extra", "activation_wrong")
def _activation_finding(reference: str | None, student: str | None) -> list[Diagnosis]:
    """The function around the weighted sum: missing, added, or another one."""
    if reference == student:
        return []
    if student is None:
        return [
            FINDINGS.make(
                "activation_missing",
                f"Your formula has no activation: this layer applies {reference} to the "
                f"weighted sum, {reference}(… + b).",
            )
        ]
    if reference is None:
        return [
            FINDINGS.make(
                "activation_extra",
                f"This layer's output is the weighted sum itself, with no activation; your "
                f"formula applies {student} to it.",
            )
        ]
    return [
        FINDINGS.make(
            "activation_wrong",
            f"Your activation is {student}; this layer applies {reference} to the weighted sum.",
        )
    ]


@FINDINGS.produces("fractional_index")
def _fractional(error: NotWholeError) -> FormulaCheck:
    """A sum's bound or an index that is a fraction at some sizes (-K/2 with K odd): what the
    student meant is a person's call, so it is pointed out and sent for review."""
    message = (
        f"Your formula is not a whole number everywhere: {error.message}. Positions and the "
        "bounds of sums are whole numbers; where one is meant, round it, e.g. "
        "\\lfloor K/2 \\rfloor."
    )
    return FormulaCheck(False, exact=False, findings=(FINDINGS.make("fractional_index", message),))


@FINDINGS.produces("output_index")
def _output_index_finding(
    formula: Formula, student: Sequence[Structure], layer: LayerSpec
) -> tuple[Diagnosis, ...]:
    """An output index written as a sum, (g-1)D/G+n, that does not name each output once."""
    for structure in student:
        never, twice, outside = structure.gaps
        if (never, twice, outside) == (-1, -1, ()):
            continue
        y, dims = layer.output.name, structure.out_dims
        what = []
        if never >= 0:
            what.append(f"never names {_entry(y, never, dims)}")
        if twice >= 0:
            what.append(f"names {_entry(y, twice, dims)} twice")
        if outside:
            shape = "×".join(map(str, dims))
            what.append(f"names {y}[{','.join(map(str, outside))}], outside {y} ({shape})")
        written = " and ".join(
            show_index(i) for i in formula.output.indices if not isinstance(i, sympy.Symbol)
        )
        ranges = ", ".join(
            f"{r.variable} = {show_index(r.low)}..{show_index(r.high)}" for r in formula.enumerates
        )
        letters = " and ".join(str(r.variable) for r in formula.enumerates)
        message = (
            f"Your output index {written}, with {ranges}, does not name each output once: "
            f"with {structure.show_sizes()}, it {' and '.join(what)}. Each combination of "
            f"{letters} must name its own output, and every output one combination."
        )
        return (FINDINGS.make("output_index", message),)
    return ()


@FINDINGS.produces("range_unknown")
def _unsure(formula: Formula) -> FormulaCheck:
    """A formula whose meaning needs a guess (a sum's range the question's window does not
    settle): the reason is said, and a person decides. Weights multiplied with a size
    between them that no shape settles (`Y = XWV`) go to a person as any product of weights
    does, the reason in a note."""
    if formula.weights_multiplied:
        return FormulaCheck(False, exact=False, notes=(formula.unsure or "",))
    finding = FINDINGS.make("range_unknown", formula.unsure or "")
    return FormulaCheck(False, exact=False, findings=(finding,))


def _with_access(formula: Formula, old: Access, new: Access) -> Formula:
    """`formula` with every `old` entry written as `new`."""
    terms = tuple(
        replace(term, factors=tuple(new if a == old else a for a in term.factors))
        for term in formula.terms
    )
    return replace(formula, terms=terms)


def _latex_access(name: str, indices: Sequence[sympy.Expr]) -> str:
    return f"{name}_{{{','.join(show_index(i) for i in indices)}}}"


@dataclass(frozen=True, slots=True)
class InputsRead:
    """The connections from an input that an output set reads, as the bytes of their sorted
    int64 array: compared exactly (byte for byte), at 8 bytes a connection, where a frozenset
    of Python ints took some 40 (`inputs_read` remembers hundreds of them in every worker)."""

    packed: bytes

    def __len__(self) -> int:
        return len(self.packed) // 8


def inputs_of(structures_: Sequence[Structure]) -> tuple[InputsRead, ...]:
    """Which inputs each output reads, through a weight or a fixed factor, at each size set;
    biases left out."""

    def reads(structure: Structure) -> InputsRead:
        _, source = structure.split(structure.connections)
        read = structure.connections[source >= 0].astype(np.int64)  # a copy, sorted already
        if structure.fixed:
            fixed, _ = _fixed_reads(structure)
            fixed = fixed[structure.split(fixed)[1] >= 0]  # a constant (`+ 1`) reads no input
            read = np.concatenate((read, fixed))
        if len(read) > 1:
            if (read[1:] < read[:-1]).any():
                read.sort()
            read = read[np.concatenate(([True], read[1:] != read[:-1]))]  # each once
        return InputsRead(read.tobytes())

    return tuple(reads(structure) for structure in structures_)


@lru_cache(maxsize=STRUCTURES_MEMO)
def inputs_read(formula: Formula, layer: LayerSpec, size_sets: SizeSets) -> tuple[InputsRead, ...]:
    """`inputs_of` the formula's structures; cached, since the checks of one answer ask it of
    the same formulas (the answer, the reference, the answer in another index base) often."""
    return inputs_of(structures(formula, layer, size_sets))


def reads_too_few(
    formula: Formula,
    layer: LayerSpec,
    size_sets: SizeSets,
    wanted: Sequence[InputsRead],
) -> bool:
    """Whether `formula` reaches fewer connections from an input than `wanted` (`inputs_read`
    of another formula) holds at some size set (`most_inputs_read`): then its `inputs_read`
    is not `wanted`, nor is that of the formula with an input's indices in any other order,
    and neither defines the other formula's layer. A cheap test before instantiating them."""
    return any(
        most_inputs_read(formula, layer, dict(sizes)) < len(inputs)
        for sizes, inputs in zip(size_sets, wanted, strict=True)
    )


def misses_inputs(
    formula: Formula,
    layer: LayerSpec,
    size_sets: SizeSets,
    wanted: Sequence[InputsRead],
) -> bool:
    """Whether at some size set a connection in `wanted` (`inputs_read` of another formula)
    is reached by no term of `formula` (`reached`, which holds every connection of its
    structures): then its `inputs_read` is not `wanted`, and it does not define the other
    formula's layer. A cheap test before instantiating it, the weights not being told apart;
    raises only where `structures` would."""
    kept = _outside_kept_apart(formula, layer)  # as `structures` reads it
    for sizes, inputs in zip(size_sets, wanted, strict=True):
        if len(inputs) and not _covers(reached(kept, layer, dict(sizes)), inputs):
            return True
    return False


def _covers(connections: np.ndarray, inputs: InputsRead) -> bool:
    """Whether every connection of `inputs` is among `connections`."""
    needed = np.frombuffer(inputs.packed, dtype=np.int64)
    return bool(np.isin(needed, connections).all())


@FINDINGS.produces("index_order")
def _index_order_finding(
    item: Item, formula: Formula, size_sets: SizeSets
) -> tuple[list[Diagnosis], Formula | None]:
    """An input's indices written in another order (`x_{e,n}` for x_{n,e}): said in those
    words, since what the swapped formula reads (whole rows, or outside the input) tells
    nothing of the mistake. Where the formula with them put back in order is the right layer,
    that is the whole finding; where it then reads the right inputs but is wrong otherwise (no
    bias, say), the formula put back in order is returned too, for its own findings."""
    layer = item.spec.layer
    try:
        wanted = inputs_read(item.reference, layer, size_sets)
        if inputs_read(formula, layer, size_sets) == wanted:
            return [], None  # it reads the right inputs already: the order is not the mistake
        if reads_too_few(formula, layer, size_sets, wanted):
            return [], None  # in no order do its indices read all the right inputs
    except AnswerError:
        return [], None
    seen: set[Access] = set()
    reads_right: tuple[Access, tuple[sympy.Expr, ...], Formula] | None = None
    for access in (a for term in formula.terms for a in term.factors):
        if access in seen or not layer.is_input(access.name) or not 2 <= len(access.indices) <= 3:
            continue
        seen.add(access)
        for order in itertools.permutations(access.indices):
            if order == access.indices:
                continue
            reordered = replace(access, indices=order)
            candidate = _with_access(formula, access, reordered)
            try:
                if misses_inputs(candidate, layer, size_sets, wanted):
                    continue  # neither the right layer nor its inputs: not worth instantiating
                if not _keeps_its_terms(formula, access, reordered, layer, size_sets):
                    continue  # a term put in that order reads nothing: the order is no cure
                if same_layer(candidate, item.reference, layer, size_sets):
                    return [_index_order(layer, access, order, right=True)], None
                if reads_right is None and inputs_read(candidate, layer, size_sets) == wanted:
                    reads_right = access, order, candidate
            except AnswerError:
                continue
    if reads_right is None:
        return [], None
    access, order, candidate = reads_right
    return [_index_order(layer, access, order, right=False)], candidate


def _keeps_its_terms(
    formula: Formula, old: Access, new: Access, layer: LayerSpec, size_sets: SizeSets
) -> bool:
    """Whether every term that writes `old` still reads the input, at every size set where it
    does, with `old` written as `new`. A term whose reads all fall outside the input drops out
    (`instantiate` leaves out what it reads there): a formula that is right only so is right
    because a term vanished, and that term is its mistake, not the order of its indices."""
    for term in formula.terms:
        if old not in term.factors:
            continue
        before = replace(formula, terms=(term,))
        after = _with_access(before, old, new)
        for sizes in size_sets:
            if len(reached(before, layer, dict(sizes))) and not len(
                reached(after, layer, dict(sizes))
            ):
                return False
    return True


def _index_order(
    layer: LayerSpec, access: Access, order: tuple[sympy.Expr, ...], right: bool
) -> Diagnosis:
    tensor = next(t for t in layer.inputs if t.name == access.name)
    shape = "×".join(show_index(size) for size in tensor.shape)
    message = (
        f"Your formula writes the indices of {access.name} in another order: {access.name} "
        f"is {shape}, so {_latex_access(access.name, access.indices)} should be "
        f"{_latex_access(access.name, order)}."
    )
    if right:
        message += " With its indices in that order, your formula defines the right layer."
    return FINDINGS.make("index_order", message)


def _unread_numbers(formula: Formula, layer: LayerSpec, size_sets: SizeSets) -> set[int]:
    """The number of each term that reads the input only outside its range at every size set."""
    return set.intersection(
        *(set(unread_terms(formula, layer, dict(sizes))) for sizes in size_sets)
    )


def _reads_somewhere(formula: Formula, layer: LayerSpec, unread: set[int]) -> bool:
    """Whether a term of `formula` other than the `unread` ones reads the input."""
    return any(
        any(layer.is_input(access.name) for access in term.factors)
        for number, term in enumerate(formula.terms)
        if number not in unread
    )


@FINDINGS.produces("term_outside")
def _unread_term_finding(
    formula: Formula, layer: LayerSpec, size_sets: SizeSets
) -> list[Diagnosis]:
    """A term that reads the input only outside its range at every size set (`+ x_{i+P,j,1}`),
    which the comparison drops as reading nothing: the student wrote it, so it is said."""
    numbers = _unread_numbers(formula, layer, size_sets)
    if not numbers:
        return []
    shown, names = [], set()
    for number in sorted(numbers):
        access = next(a for a in formula.terms[number].factors if layer.is_input(a.name))
        written = formula.text[access.start : access.end] if access.end > access.start else ""
        shown.append(written or show_access(access))
        names.add(access.name)
    name = f"{names.pop()} only outside its range" if len(names) == 1 else "only outside the inputs"
    reads = " and ".join(shown)
    what = (
        "under zero padding it is always zero"
        if layer.padding == "zero"
        else "with no padding it reads no entry at all"
    )
    term = "terms" if len(shown) > 1 else "term"
    return [
        FINDINGS.make(
            "term_outside",
            f"Your {term} with {reads} {'read' if len(shown) > 1 else 'reads'} {name}, for "
            f"every output: {what}, so {'they add' if len(shown) > 1 else 'it adds'} nothing "
            "to the layer.",
        )
    ]


@FINDINGS.produces("reads_outside", "shape", "different")
def check_formula(
    item: Item,
    formula: Formula,
    specs: Sequence[SymbolSpec],
    size_sets: SizeSets,
    shown: str | None = None,
) -> FormulaCheck:
    """Compare `formula` with the item's reference, misconceptions first, then in words; the
    entries its words quote counted in the question's index base, or `shown` (the base the
    formula was read in, "0" or "1")."""
    assert item.reference is not None, "formula items always carry a read reference"
    written, asked = formula, item  # in the question's own layout, for `_index_order_finding`
    columns = tokens_as_columns(item.spec.layer)
    if columns:  # Q = W_Q X with X: E×N, compared as Q = XW_Q (`layout`)
        formula, item = transposed(formula, item.spec.layer), transposed_item(item)
    if formula.shape_problem is not None:
        return FormulaCheck(False, findings=(FINDINGS.make("shape", formula.shape_problem),))
    if formula.unsure is not None:
        return _unsure(formula)
    layer = item.spec.layer
    try:
        student = structures(formula, layer, size_sets)
    except NotWholeError as error:
        return _fractional(error)
    reference = structures(item.reference, layer, size_sets)
    order = [spec.symbol for spec in specs]
    own, note_list = _own_count(formula, layer, student, order)
    notes = tuple(note_list)
    given = given_names(item.reference, layer, item.spec.matrices)
    added = _added_parameters(formula, layer, student, size_sets, given)
    if formula.after_activation:
        # The comparison reads every term as inside the activation: a term added after it
        # does not add to those inside (tanh(… + b) + c: c is not part of b), which those
        # notes would say.
        notes, added = (), ()
    group = (
        "formula:"
        + _fingerprint(student)
        + f":{formula.activation or ''}:{formula.reduction or ''}"
        + (f":after{formula.after_activation}" if formula.after_activation else "")
    )
    unnamed = _output_index_finding(formula, student, layer)
    if unnamed:
        return FormulaCheck(False, findings=unnamed, notes=notes, group=group, own_count=own)
    if not all(s.exact for s in (*student, *reference)):
        return FormulaCheck(False, exact=False, notes=notes, group=group, own_count=own)
    activation = _after_activation_finding(item.reference, formula, layer)
    activation += _activation_finding(item.reference.activation, formula.activation)
    one_input = _one_input_each(student)  # one input is its own max, min and sum
    if not one_input:
        activation += _reduction_finding(item.reference, formula, _is_pooling(reference), layer)
    same_structure = (
        _same(student, reference) or bool(activation) and _same_reads(student, reference)
    )
    several = len(layer.inputs) > 1
    # Imported here: `inputs` builds on this module's comparison.
    from grader.kinds.formula.inputs import roles_swapped, several_inputs_findings

    swapped = roles_swapped(item.reference, formula, layer) if several else []
    if swapped:  # the same layer, but not the same answer: kept apart from the right ones
        group += ":weights_swapped"
    # Without padding, a read outside the input is no read at all, so `Σ_{e=0}^{E}` for E
    # entries defines the same layer as `Σ_{e=1}^{E}`; but the formula indexes an entry that
    # does not exist, which is said (it was marked right, silently).
    outside = (
        layer.padding == "none"
        and any(s.reads_outside for s in student)
        and not any(r.reads_outside for r in reference)
    )
    if same_structure and outside:
        group += ":reads_outside"
    # A term that reads only outside the input is dropped by the comparison (zero padding reads
    # zeros); the student wrote it for something, so it is said, and a person or the rubric's
    # `partial_credit: {term_outside: N}` decides (it was marked right, silently).
    unread = _unread_term_finding(formula, layer, size_sets)
    if unread:
        group += ":term_outside"
    if same_structure and not activation and not swapped and not outside and not unread:
        return FormulaCheck(True, notes=notes, group=group, own_count=own, reading_notes=added)
    meanings = {spec.name: spec.meaning for spec in specs}
    findings: list[Diagnosis] = list(swapped)
    reordered, ordered = [], None
    if not same_structure:
        reordered, ordered = _index_order_finding(asked, written, size_sets)
    if reordered:  # said first: what the swapped formula reads would only mislead
        findings, same_structure, several = reordered, True, False
        if ordered is not None:  # then what else is wrong, with the indices in order
            findings += check_formula(asked, ordered, specs, size_sets, shown).findings
            activation = []  # among those findings already
    if several and not same_structure:
        findings += several_inputs_findings(
            reference, student, item.reference, formula, layer, meanings
        )

    def whole_image() -> bool:  # asked only for a kernel's words: the facts at every size set
        return not several and _covers_the_image(
            student,
            reference,
            spatial_axes(layer),
            _sums_over_the_image(formula, item.reference, layer),
        )

    sized_kernel = (
        not several and len({facts(r, spatial_axes(layer)).extent for r in reference}) > 1
    )
    if not same_structure and _is_pooling(reference):
        findings = _pooling_findings(
            reference,
            student,
            layer,
            item.reference.reduction == "max",
            scaled=formula.reduction != "min" or one_input,
            written_strides=(
                formula_strides(item.reference, layer),
                formula_strides(formula, layer),
            ),
            first=0 if (shown or item.spec.index_base) == "0" else 1,
        )
    # A max where this layer adds up weighted inputs is its own finding (max_for_sum): which of
    # its inputs carry weights would say nothing true of what the max reads; its bias still counts.
    max_for_sum = formula.reduction is not None and not _is_pooling(reference)
    for r, s in zip(reference, student, strict=True):
        if same_structure or findings or several:
            break
        comparison = _Comparison(
            r,
            s,
            layer,
            meanings,
            whole_image,
            sized_kernel,
            columns=columns,
            sizes=lambda: tuple(zip(reference, student, strict=True)),
        )
        same_reads = np.array_equal(comparison.r.weights, comparison.s.weights)
        if max_for_sum:
            findings = [*comparison.bias()]
            break
        findings = [
            *comparison.connectivity(),
            *comparison.sharing(same_reads),
            *comparison.bias(),
            *comparison.fixed(),
        ]
        if findings:
            break
    if outside and not reordered:
        findings.append(
            FINDINGS.make(
                "reads_outside",
                f"Your formula reads {layer.input.name} outside its range at the border; this "
                "layer has no padding, so every index must stay within the input's size.",
            )
        )
    if any(f.kind in ("not_fully_connected", "kernel_size", "connectivity") for f in findings):
        findings += _range_finding(item.reference, formula, meanings)
    findings += unread
    if not findings and not activation:
        findings = [
            FINDINGS.make(
                "different", "Your formula does not define the same layer as a correct answer."
            )
        ]
    findings += activation
    for index, rule in enumerate(item.misconceptions):
        if (
            rule.reading is not None
            and rule.reading.activation == formula.activation
            and rule.reading.reduction == formula.reduction
            and _same(student, structures(rule.reading, layer, size_sets))
            and _same_outside(rule.reading, formula, layer, size_sets)
        ):
            # The rubric's feedback was written for exactly this layer; it is the explanation.
            return FormulaCheck(
                False,
                misconception=rule,
                misconception_index=index,
                notes=notes,
                group=group,
                own_count=own,
                reading_notes=added,
            )
    # A term that reads nothing: what it earns is the rubric's call where it is all that is
    # wrong (`partial_credit: {term_outside: N}`), else a person's (beside another finding, two
    # findings would earn nothing, for a term that adds nothing to the layer).
    # A formula all of whose terms that read the input read nothing is simply wrong.
    exact = (
        not unread
        or (findings == unread and "term_outside" in item.partial_credit)
        or not _reads_somewhere(formula, layer, _unread_numbers(formula, layer, size_sets))
    )
    return FormulaCheck(
        False,
        exact=exact,
        findings=tuple(findings),
        notes=notes,
        group=group,
        own_count=own,
        bias_merged=[f.kind for f in findings] == ["bias_shared"]
        and _bias_merged(reference[0], student[0]),
        reading_notes=added,
    )


def _bias_merged(reference: Structure, student: Structure) -> bool:
    """Whether the student's bias is the reference's with outputs that have biases of their
    own made to share one (`+ b` for `+ b_k`, `b_k` for `b_{i,j,k}`): every output has a bias,
    outputs that share one in the reference share one in the student's, and the student's has
    fewer. Not so for a bias indexed otherwise (`b_n` for `b_k`)."""

    def by_output(structure: Structure) -> dict[int, int]:
        output, source = structure.split(structure.connections)
        is_bias = source < 0
        return dict(zip(output[is_bias].tolist(), structure.classes[is_bias].tolist(), strict=True))

    mine, theirs = by_output(student), by_output(reference)
    if not theirs or mine.keys() != theirs.keys():
        return False
    merged: dict[int, int] = {}
    for output, bias in theirs.items():
        if merged.setdefault(bias, mine[output]) != mine[output]:
            return False
    return len(set(mine.values())) < len(set(theirs.values()))


# --- Small memos of sympy work (branch fchk): each answer asked them again of the same few
# expressions, the reference's included.


@lru_cache(maxsize=4096)
def _range_length(low: sympy.Expr, high: sympy.Expr) -> sympy.Expr:
    """How many values a sum from `low` to `high` runs over."""
    return sympy.expand(high - low + 1)


@lru_cache(maxsize=1024)
def _count_at(expr: sympy.Expr, sizes: tuple[tuple[sympy.Symbol, int], ...]) -> int | None:
    """A count's value with `sizes` put in; None where that is not a whole number."""
    value = expr.xreplace({symbol: sympy.Integer(v) for symbol, v in sizes})
    return int(value) if value.is_Integer else None


@lru_cache(maxsize=1024)
def _shown_count(expr: sympy.Expr, order: tuple[sympy.Symbol, ...]) -> str:
    """`show_count`, remembered: a formula's own count is one of a few a class writes."""
    return show_count(expr, order)


@lru_cache(maxsize=64)
def _first_connections(formula: Formula, layer: LayerSpec, size_sets: SizeSets) -> frozenset:
    """Every connection `formula` reaches at the first size set, through a weight or a
    constant: for `differs_at_first_sizes`, whose second formula is an item's reference, the
    same for every answer (a set: few, and sets beat np.isin)."""
    first = structures(formula, layer, size_sets)[0]
    return frozenset([*first.connections.tolist(), *(c for c, _ in first.fixed)])
