"""Layers with several inputs, and one step of a recurrence, told in their own words.

A layer may read several tensors: a recurrent cell reads its input x_t and its previous state
h_{t-1}. `layer.instantiate` numbers their entries one after another, as one concatenated
input, so the comparison of two formulas (connections, the classes of connections tied to one
weight, the ratios within a class) is the one every layer has. Only the explanation of a
difference is new, and it is made per input:

- an input the reference reads and the student's formula never does ("your h_t never reads
  h_{t-1}"),
- an input read at another time step (h_t where h_{t-1} belongs: the cell reads its own
  output),
- one weight shared by two inputs, weights that change with t (not shared over time),
- the reference's named weight matrices put on the other input ("W_h multiplies x_t"),
- and then, for each input in turn, the findings of a one-input layer, with both structures
  restricted to the connections that reach that input (biases and constant terms are told
  once).

Time is an axis of the tensors, not a loop: a recurrent cell's output h is [T, H] and the
state it reads is the same h, declared again among the inputs, read at t-1. The comparison
never unrolls the recurrence; it compares what one step computes from x_t and h_{t-1}, at every
t (h_0 reads as zero, the padding), which is what lets weights be compared across steps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from grader.kinds.formula.check import FINDINGS, _Comparison
from grader.kinds.formula.layer import Structure, facts, spatial_axes
from grader.kinds.formula.terms import Access, Formula, LayerSpec, show_index
from grader.lazy_import import lazy_import
from grader.model import Diagnosis

np = lazy_import("numpy")  # imported when a formula is first checked

# The findings of this module in words, for the class overview's most common mistakes.
INPUT_DESCRIPTIONS = {
    "input_missing": "an input of the layer never read (a recurrent cell's input)",
    "recurrent_missing": "a recurrent cell that never reads its previous state",
    "reads_own_output": "the current state where the previous one belongs: the cell reads itself",
    "time_step": "an input read at another time step than the layer's",
    "inputs_share_weights": "one weight matrix for two inputs that each have their own",
    "weights_over_time": "weights that change with time, not shared over the time steps",
    "weights_swapped": "the question's named weight matrices on each other's inputs",
}


# --- One input's part of a structure -------------------------------------------------------


def _part_range(structure: Structure, index: int) -> tuple[int, int]:
    """Where input `index`'s entries start in the concatenated input, and how many there are."""
    sizes = [math.prod(dims) for _, dims in structure.in_parts]
    return sum(sizes[:index]), sizes[index]


def restrict(structure: Structure, index: int) -> Structure:
    """`structure` as a layer of input `index` alone: its connections to that input and its
    biases, renumbered, each class named by its smallest connection left and its ratios put
    in lowest terms again, as `layer._classes` leaves them."""
    offset, count = _part_range(structure, index)
    output, source = structure.split(structure.connections)
    keep = (source < 0) | ((source >= offset) & (source < offset + count))
    local = np.where(source < 0, -1, source - offset)[keep]
    connections = output[keep] * (count + 1) + local + 1
    old_class, ratio = structure.classes[keep], structure.ratios[keep]
    classes, ratios = _renamed_classes(connections, old_class, ratio)
    fixed = []
    for connection, weight in structure.fixed:
        out, src = divmod(connection, structure.inputs + 1)
        src -= 1
        if src < 0 or offset <= src < offset + count:
            fixed.append((out * (count + 1) + (src - offset if src >= 0 else -1) + 1, weight))
    effective = len(np.unique(classes))
    return Structure(
        structure.sizes,
        structure.out_dims,
        structure.in_parts[index][1],
        connections,
        classes,
        ratios,
        tuple(fixed),
        effective,
        effective,
        structure.exact,
        structure.reads_outside,
    )


def _renamed_classes(
    connections: np.ndarray, old_class: np.ndarray, ratio: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if not len(connections):
        return old_class, ratio
    ids, which = np.unique(old_class, return_inverse=True)
    which = which.ravel()
    smallest = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, which, connections)
    divisor = np.zeros(len(ids), dtype=np.int64)
    np.gcd.at(divisor, which, np.abs(ratio))
    # Connections are sorted, so a class's first entry is its smallest connection, whose ratio
    # is taken as positive.
    _, first = np.unique(which, return_index=True)
    sign = np.sign(ratio[first])
    return smallest[which], ratio // (divisor * sign)[which]


def reads(structure: Structure, index: int) -> bool:
    """Whether any output reads input `index` (through a weight or as a constant term)."""
    offset, count = _part_range(structure, index)
    source = structure.split(structure.connections)[1]
    fixed = np.array([c for c, _ in structure.fixed], dtype=np.int64)
    fixed_source = fixed % (structure.inputs + 1) - 1
    return bool(
        ((source >= offset) & (source < offset + count)).any()
        or ((fixed_source >= offset) & (fixed_source < offset + count)).any()
    )


def time_offsets(structure: Structure, index: int) -> tuple[int, ...]:
    """The steps (input time - output time) at which the outputs read input `index`."""
    part = restrict(structure, index)
    output, source = part.split(part.connections)
    is_weight = source >= 0
    fixed = np.array([c for c, _ in part.fixed], dtype=np.int64)
    fixed_out, fixed_source = part.split(fixed) if len(fixed) else (fixed, fixed)
    output = np.concatenate([output[is_weight], fixed_out[fixed_source >= 0]])
    source = np.concatenate([source[is_weight], fixed_source[fixed_source >= 0]])
    if not len(output):
        return ()
    out_time = np.unravel_index(output, part.out_dims)[0]
    in_time = np.unravel_index(source, part.in_dims)[0]
    return tuple(int(d) for d in np.unique(in_time - out_time))


def has_time(layer: LayerSpec) -> bool:
    """Whether the first axis of every tensor is time: the output and each input have two or
    more axes, the first of the same size, as a sequence's [T, E] and [T, H]."""
    first = layer.output.shape[0]
    return len(layer.output.shape) > 1 and all(
        len(t.shape) > 1 and spatial_axes(LayerSpec(t, layer.output)) >= 1 and t.shape[0] == first
        for t in layer.inputs
    )


# --- In words --------------------------------------------------------------------------------


def at_step(name: str, letter: str, offset: int | None) -> str:
    """`h_{t-1}`, `x_t`; the name alone where the layer has no time axis."""
    if offset is None:
        return name
    if offset == 0:
        return f"{name}_{letter}"
    return f"{name}_{{{letter}{offset:+d}}}"


def _shown_reads(name: str, letter: str, offsets: Sequence[int], timed: bool) -> str:
    if not timed:
        return name
    shown = [at_step(name, letter, d) for d in offsets]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f" and {shown[-1]}"


class _Inputs:
    """The reference and a student's formula at one size set, input by input."""

    def __init__(
        self, reference: Structure, student: Structure, formula: Formula, layer: LayerSpec
    ):
        self.reference, self.student, self.layer = reference, student, layer
        self.timed = has_time(layer)
        self.letter = str(formula.output.indices[0]) if self.timed else ""
        self.own = at_step(layer.output.name, self.letter, 0 if self.timed else None)

    def wanted(self, index: int) -> str:
        """How the reference reads input `index`: `h_{t-1}`."""
        name = self.layer.inputs[index].name
        offsets = time_offsets(self.reference, index) if self.timed else ()
        return _shown_reads(name, self.letter, offsets, self.timed)

    @FINDINGS.produces("input_missing", "recurrent_missing")
    def missing(self) -> list[Diagnosis]:
        """An input the reference reads and the student's formula never does."""
        found = []
        for index, tensor in enumerate(self.layer.inputs):
            if not reads(self.reference, index) or reads(self.student, index):
                continue
            wanted = self.wanted(index)
            if self.layer.recurrent and tensor.name == self.layer.output.name:
                message = (
                    f"Your {self.own} never reads {wanted}: without the recurrent term, the "
                    "state carries nothing from one step to the next; this is a layer applied "
                    "to each input on its own, not a recurrent cell."
                )
                found.append(FINDINGS.make("recurrent_missing", message))
            elif self.layer.recurrent:
                message = (
                    f"Your {self.own} never reads {wanted}: the cell's input term is missing, "
                    "so its state never sees the sequence."
                )
                found.append(FINDINGS.make("input_missing", message))
            else:
                message = f"Your {self.own} never reads {wanted}; this layer reads it."
                found.append(FINDINGS.make("input_missing", message))
        return found

    @FINDINGS.produces("reads_own_output", "time_step")
    def steps(self) -> list[Diagnosis]:
        """An input read at other time steps than the reference's."""
        if not self.timed:
            return []
        for index, tensor in enumerate(self.layer.inputs):
            wanted = time_offsets(self.reference, index)
            written = time_offsets(self.student, index)
            if not wanted or not written or wanted == written:
                continue
            yours = _shown_reads(tensor.name, self.letter, written, True)
            state = self.layer.recurrent and tensor.name == self.layer.output.name
            if state and 0 in written and 0 not in wanted:
                return [
                    FINDINGS.make(
                        "reads_own_output",
                        f"Your {self.own} reads {yours}: the cell reads its own output, which "
                        f"is what it is computing. The recurrent term reads the previous state, "
                        f"{self.wanted(index)}.",
                    )
                ]
            return [
                FINDINGS.make(
                    "time_step",
                    f"Your {self.own} reads {yours}; this "
                    f"{'cell' if self.layer.recurrent else 'layer'} reads {self.wanted(index)}.",
                )
            ]
        return []

    @FINDINGS.produces("inputs_share_weights")
    def shared_between_inputs(self) -> list[Diagnosis]:
        """One weight reaching two inputs, where the reference keeps them apart."""
        tied = _tied_inputs(self.student)
        if not tied or _tied_inputs(self.reference):
            return []
        names = [self.wanted(index) for index in sorted(tied)]
        whose = "this cell" if self.layer.recurrent else "this layer"
        return [
            FINDINGS.make(
                "inputs_share_weights",
                f"Your formula weighs {' and '.join(names)} with the same weights; {whose} has "
                "its own weight matrix for each.",
            )
        ]

    @FINDINGS.produces("weights_over_time")
    def over_time(self) -> list[Diagnosis]:
        """Weights that depend on t, where a recurrent cell's are shared over time."""
        if not (self.timed and self.layer.recurrent):
            return []
        changing = []
        for index in range(len(self.layer.inputs)):
            r = facts(restrict(self.reference, index), 1)
            s = facts(restrict(self.student, index), 1)
            if r.shared_across_positions and not s.shared_across_positions and len(s.weights):
                changing.append(self.wanted(index))
        if not changing:
            return []
        return [
            FINDINGS.make(
                "weights_over_time",
                f"Your weights for {' and '.join(changing)} change with {self.letter}: a "
                "recurrent cell applies the same weights at every time step (they are shared "
                "over time), so that it handles a sequence of any length.",
            )
        ]

    def comparison(self, index: int, meanings: Mapping[str, str]) -> _Comparison:
        """Input `index` alone, compared as a one-input layer with the reference layer's words."""
        return _Comparison(
            restrict(self.reference, index),
            restrict(self.student, index),
            LayerSpec(self.layer.inputs[index], self.layer.output, self.layer.padding),
            meanings,
            kind=self.words(),
            one_of=self.layer.inputs[index].name,
        )

    def words(self) -> str | None:
        """A recurrent cell's words, or a layer over time's; else the input's own layer's."""
        if self.layer.recurrent:
            return "recurrent cell"
        return "over time" if self.timed else None

    def bias(self) -> list[Diagnosis]:
        return self.comparison(0, {}).bias()

    def each_input(self, meanings: Mapping[str, str]) -> list[Diagnosis]:
        """The findings of a one-input layer, for each input; biases and constants once."""
        findings: list[Diagnosis] = []
        for index in range(len(self.layer.inputs)):
            comparison = self.comparison(index, meanings)
            fixed = comparison.fixed()
            if fixed and not len(comparison.s.weights):
                return fixed  # the input added as it is, with no weight (+ h_{t-1})
            same_reads = np.array_equal(comparison.r.weights, comparison.s.weights)
            findings += comparison.connectivity() + comparison.sharing(same_reads)
            if index == 0:
                findings += comparison.bias()
            findings += fixed
            if findings:
                return findings
        return findings


def _tied_inputs(structure: Structure) -> set[int]:
    """The inputs that one weight reaches together with another input, if any."""
    output, source = structure.split(structure.connections)
    is_weight = source >= 0
    bounds = np.cumsum([0] + [math.prod(dims) for _, dims in structure.in_parts])
    part = np.searchsorted(bounds, source[is_weight], side="right") - 1
    classes = structure.classes[is_weight]
    pairs = np.unique(np.stack([classes, part], axis=1), axis=0) if len(part) else part
    if not len(pairs):
        return set()
    spanning = np.unique(pairs[:, 0], return_counts=True)
    tied_classes = spanning[0][spanning[1] > 1]
    return {int(p) for c, p in pairs if c in set(tied_classes.tolist())}


def several_inputs_findings(
    reference: Sequence[Structure],
    student: Sequence[Structure],
    reference_formula: Formula,
    formula: Formula,
    layer: LayerSpec,
    meanings: Mapping[str, str],
) -> list[Diagnosis]:
    """What differs between two formulas of a layer with several inputs, at the first size set
    where they differ: inputs never read or read at the wrong step first, then weights shared
    between inputs or changing with time, then each input as a layer of its own."""
    for r, s in zip(reference, student, strict=True):
        if r.signature() == s.signature():
            continue
        told = _Inputs(r, s, reference_formula, layer)
        found = told.missing() + told.steps()
        if found:
            return found
        found = told.shared_between_inputs() + told.over_time()
        if found:
            # The one-input findings would say the same in other words (weights that depend
            # on the time step); the bias is still told.
            return found + told.bias()
        return told.each_input(meanings)
    return []


# --- Named weight matrices -----------------------------------------------------------------


def _roles(formula: Formula, layer: LayerSpec) -> dict[str, dict[str, str]]:
    """Which inputs each named weight matrix (W_x, W_{hh}: a name with a subscript) weighs,
    each with how it is read there (`x_t`, `h_{t-1}`)."""
    roles: dict[str, dict[str, str]] = {}
    for term in formula.terms:
        inputs = {a.name: _shown_access(a) for a in term.factors if layer.is_input(a.name)}
        for access in term.factors:
            if "_" in access.name and not layer.is_input(access.name):
                found = roles.setdefault(access.name.casefold(), {})
                for name, shown in inputs.items():
                    found.setdefault(name, shown)
    return roles


def _shown_access(access: Access) -> str:
    """An input as a vector at its time step, `h_{t-1}`; the name alone without time."""
    if len(access.indices) < 2:
        return access.name
    step = show_index(access.indices[0])
    return f"{access.name}_{step}" if len(step) == 1 else f"{access.name}_{{{step}}}"


def _written(formula: Formula, folded: str) -> str:
    return next(
        a.name for term in formula.terms for a in term.factors if a.name.casefold() == folded
    )


@FINDINGS.produces("weights_swapped")
def roles_swapped(reference: Formula, formula: Formula, layer: LayerSpec) -> list[Diagnosis]:
    """The question's named weight matrices put on each other's inputs: `W_h x_t` where the
    reference writes `W_x x_t + W_h h_{t-1}`. Names without a subscript (W, U) are anyone's
    letters and are never held to the reference's."""
    wanted, written = _roles(reference, layer), _roles(formula, layer)
    wrong = [
        name
        for name, inputs in written.items()
        if name in wanted and inputs and wanted[name] and set(inputs) != set(wanted[name])
    ]
    if not wrong:
        return []
    order = _order(layer)

    def shown(reads: dict[str, str]) -> str:
        return " and ".join(reads[name] for name in sorted(reads, key=order))

    yours = " and ".join(
        f"your {_written(formula, name)} multiplies {shown(written[name])}" for name in wrong
    )
    theirs = " and ".join(
        f"{_written(reference, name)} weighs {shown(reads)}"
        for name, reads in sorted(wanted.items(), key=lambda e: min(map(order, e[1])))
    )
    return [
        FINDINGS.make(
            "weights_swapped",
            f"{yours[0].upper()}{yours[1:]}: in this question {theirs}.",
        )
    ]


def _order(layer: LayerSpec):
    names = [t.name for t in layer.inputs]
    return lambda name: names.index(name) if name in names else len(names)
