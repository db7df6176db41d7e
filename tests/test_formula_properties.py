"""Properties of layer formulas: how a formula is written never changes its verdict, a real
change always does, and no text makes the formula reader fail with anything but AnswerError."""

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import AnswerError
from grader.grade import grade_answer
from grader.kinds.formula.check import same_layer
from grader.kinds.formula.parse import Formula, parse_formula
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")

REFERENCES = {
    "b.formula": (
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l} + b_k"
    ),
    "c.formula": r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k",
}

EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Index letters: any lower-case letter (lower-case p, q, c, d are indices, not the sizes).
INDEX_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Parameter names: anything but the input x and the output y, in either case.
PARAMETER_NAMES = [c for c in "abcdefghijklmnopqrstuvwzABEFGHIJKLMNORSUVWZ"] + ["W", "ww", "bias"]


def read(item_id: str, text: str) -> Formula:
    return parse_formula(text, RUBRIC.symbol_table, RUBRIC.items[item_id].spec.layer)


def same_as_reference(item_id: str, text: str) -> bool | None:
    item = RUBRIC.items[item_id]
    reference = read(item_id, REFERENCES[item_id])
    return same_layer(reference, read(item_id, text), item.spec.layer, RUBRIC.size_sets)


# --- A formula as data, and its text in three notations ----------------------------------


@dataclass(frozen=True)
class Sum:
    index: str
    low: str
    high: str
    show_range: bool = True


@dataclass(frozen=True)
class Convolution:
    """y[i,j,k] = Σ... w[...] x[...] + b[k], as a student might write it."""

    notation: str  # "latex", "plain" or "unicode"
    output: tuple[str, str, str]  # the letters of i, j, k
    sums: tuple[Sum, ...]  # in the written order
    weight: str
    weight_indices: tuple[str, ...]  # in the written order
    input_indices: tuple[str, str, str]  # index expressions
    bias: str | None
    bias_first: bool
    weight_first: bool
    letter_runs: bool  # w_{ulk} rather than w_{u,l,k}, where every index is one letter
    times: str  # between the factors: a space, or the notation's multiplication sign


def access(name: str, indices: tuple[str, ...], notation: str, runs: bool) -> str:
    if notation == "plain":
        return f"{name}[{','.join(indices)}]"
    if runs and all(len(i) == 1 for i in indices):
        return f"{name}_{{{''.join(indices)}}}"
    return f"{name}_{{{','.join(indices)}}}"


def render(f: Convolution) -> str:
    sign = {"latex": r"\sum", "plain": "sum", "unicode": "Σ"}[f.notation]
    sums = " ".join(
        f"{sign}_{{{s.index}={s.low}}}^{{{s.high}}}" if s.show_range else f"{sign}_{s.index}"
        for s in f.sums
    )
    weight = access(f.weight, f.weight_indices, f.notation, f.letter_runs)
    source = access("x", f.input_indices, f.notation, f.letter_runs)
    product = f.times.join([weight, source] if f.weight_first else [source, weight])
    body = f"{sums} {product}"
    if f.bias is not None:
        bias = access(f.bias, (f.output[2],), f.notation, f.letter_runs)
        body = f"{bias} + {body}" if f.bias_first else f"{body} + {bias}"
    text = f"{access('y', f.output, f.notation, f.letter_runs)} = {body}"
    return f"${text}$" if f.notation == "latex" and f.letter_runs else text


# Kernel orientation along one axis: the sum's range and the input index at offset `o`.
ORIENTATIONS = {
    "+": ("-1", "1", lambda i, o: f"{i}+{o}"),
    "-": ("-1", "1", lambda i, o: f"{i}-{o}"),
    "shifted +": ("1", "3", lambda i, o: f"{i}+{o}-2"),
    "shifted -": ("1", "3", lambda i, o: f"{i}-{o}+2"),
    "offset first": ("-1", "1", lambda i, o: f"{o}+{i}"),
}


MULTIPLICATION = {
    "latex": [" ", r" \cdot ", r"\,", r" \times "],
    "plain": [" * ", " ", "*"],
    "unicode": [" · ", " ", "·", " × "],
}


@st.composite
def convolutions(draw, kernel: bool) -> Convolution:
    """A correct 3x3 (kernel=True) or 1x1 convolution, written in a random way."""
    count = 6 if kernel else 4
    letters = draw(st.permutations(INDEX_LETTERS).map(lambda p: p[:count]))
    i, j, k, channel_index = letters[:4]
    notation = draw(st.sampled_from(sorted(MULTIPLICATION)))
    weight, bias = draw(
        st.lists(st.sampled_from(PARAMETER_NAMES), min_size=2, max_size=2, unique_by=str.casefold)
    )
    channel = Sum(channel_index, "1", "C", show_range=draw(st.booleans()))
    if kernel:
        u, v = letters[4:]
        rows = draw(st.sampled_from(sorted(ORIENTATIONS)))
        columns = draw(st.sampled_from(sorted(ORIENTATIONS)))
        (low_u, high_u, at_u), (low_v, high_v, at_v) = ORIENTATIONS[rows], ORIENTATIONS[columns]
        sums = [Sum(u, low_u, high_u), Sum(v, low_v, high_v), channel]
        input_indices = (at_u(i, u), at_v(j, v), channel_index)
        weight_indices = [u, v, channel_index, k]
    else:
        sums = [channel]
        input_indices = (i, j, channel_index)
        weight_indices = [channel_index, k]
    return Convolution(
        notation=notation,
        output=(i, j, k),
        sums=tuple(draw(st.permutations(sums))),
        weight=weight,
        weight_indices=tuple(draw(st.permutations(weight_indices))),
        input_indices=input_indices,
        bias=bias,
        bias_first=draw(st.booleans()),
        weight_first=draw(st.booleans()),
        letter_runs=draw(st.booleans()),
        times=draw(st.sampled_from(MULTIPLICATION[notation])),
    )


ITEM_AND_FORMULA = st.one_of(
    st.tuples(st.just("b.formula"), convolutions(kernel=True)),
    st.tuples(st.just("c.formula"), convolutions(kernel=False)),
)


# --- Writing never changes the verdict ---------------------------------------------------


@EXAMPLES
@given(ITEM_AND_FORMULA)
def test_how_a_correct_convolution_is_written_never_changes_the_verdict(case):
    item_id, formula = case
    text = render(formula)
    assert same_as_reference(item_id, text) is True, text
    result = grade_answer(RUBRIC, RUBRIC.items[item_id], text)
    assert result.verdict == "correct", (text, result.feedback)
    assert result.marks == RUBRIC.items[item_id].marks


@EXAMPLES
@given(st.data())
def test_two_ways_of_writing_the_same_convolution_define_the_same_layer(data):
    item_id = data.draw(st.sampled_from(["b.formula", "c.formula"]))
    kernel = item_id == "b.formula"
    first = render(data.draw(convolutions(kernel)))
    second = render(data.draw(convolutions(kernel)))
    item = RUBRIC.items[item_id]
    assert same_layer(
        read(item_id, first), read(item_id, second), item.spec.layer, RUBRIC.size_sets
    ), (
        first,
        second,
    )


# --- A real change always changes it -----------------------------------------------------


def drop_bias(f: Convolution, draw) -> Convolution:
    return replace(f, bias=None)


def move_a_range_bound(f: Convolution, draw) -> Convolution:
    """A bound 1 becomes 2 (or -1 becomes -2): the sum runs over other values."""
    choices = [
        (position, side)
        for position, s in enumerate(f.sums)
        if s.show_range
        for side in ("low", "high")
        if getattr(s, side) in ("1", "-1")
    ]
    if not choices:  # only the channel sum, written without its range: write it, from 2
        position = next(n for n, s in enumerate(f.sums) if s.index == f.input_indices[2])
        sums = list(f.sums)
        sums[position] = replace(sums[position], low="2", show_range=True)
        return replace(f, sums=tuple(sums))
    position, side = draw(st.sampled_from(choices))
    sums = list(f.sums)
    bound = getattr(sums[position], side)
    sums[position] = replace(sums[position], **{side: bound.replace("1", "2")})
    return replace(f, sums=tuple(sums))


def drop_the_output_channel_from_the_weight(f: Convolution, draw) -> Convolution:
    channel = f.output[2]
    return replace(f, weight_indices=tuple(i for i in f.weight_indices if i != channel))


MUTATIONS = [drop_bias, move_a_range_bound, drop_the_output_channel_from_the_weight]


@EXAMPLES
@given(ITEM_AND_FORMULA, st.sampled_from(MUTATIONS), st.data())
def test_a_real_change_to_a_convolution_is_never_judged_equivalent(case, mutation, data):
    item_id, formula = case
    text = render(mutation(formula, data.draw))
    assert same_as_reference(item_id, text) is False, text
    result = grade_answer(RUBRIC, RUBRIC.items[item_id], text)
    assert result.verdict != "correct", text
    assert result.marks < RUBRIC.items[item_id].marks


# --- No text makes the reader fail with anything but AnswerError ----------------------------

# fmt: off
TOKENS = [
    "y_{i,j,k}", "y_{i,k}", "y[i,j,k]", "Y", "X", "W", "=", " ", "+", "-", "*", "/", ",",
    r"\sum_{l=1}^{C}", r"\sum_{u=-1}^{1}", r"\sum_l", "sum_{l=1}^{C}", "Σ_{l=1}^{C}", "Σ", "∑",
    "w_{l,k}", "w[l,k]", "w_{u,v,l,k}", "x_{i,j,l}", "x[i,j,l]", "x_{i+u,j+v,l}", "x_{i,l}",
    "b_k", "b", "{", "}", "(", ")", "[", "]", "^", "_", "T", "'", "ᵀ", "⊤", r"\top", "$",
    r"\cdot", "·", "×", r"\le", "≤", "<", r"\left(", r"\right)", r"\,", r"\mathbf{", r"\mathbf{X}",
    "0", "1", "2", "-1", "999999999", "9999999999", "u", "v", "l", "k", "i", "j", "ijk",
    "C", "D", "P", "Q", "PQ", "_{ijk}", "^T", "^{T}", "_1", "_{Q}", r"\input{x}", "\n", "\u200b",
    "Ｘ", "−", "/2", "(P-1)/2", "C/P", r"\lfloor", r"\rfloor", r"\lceil i/2 \rceil", "⌊", "⌋",
    r"\frac{", r"\frac{P}{2}", "floor(", "floor(i/2)", "/0", "/i", r"\tanh(", "relu(", r"\sigma(",
    "tanh", r"\max_{u=0}^{1}", "max_", r"\max",
]
# fmt: on
GRAMMARISH = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
ITEMS = st.sampled_from(["a.formula", "b.formula", "c.formula", "d.formula", "e.formula"])


def reads_or_refuses(item_id: str, text: str) -> None:
    try:
        formula = read(item_id, text)
    except AnswerError as error:
        assert 0 <= error.position <= len(text)
        assert error.message
    else:
        assert isinstance(formula, Formula)


@settings(max_examples=200, deadline=None)
@given(ITEMS, st.text(max_size=60))
def test_arbitrary_text_is_read_or_refused_with_an_answer_error(item_id, text):
    reads_or_refuses(item_id, text)


@settings(max_examples=300, deadline=None)
@given(ITEMS, GRAMMARISH)
def test_formula_like_token_soup_is_read_or_refused_with_an_answer_error(item_id, text):
    reads_or_refuses(item_id, text)


@EXAMPLES
@given(ITEM_AND_FORMULA, st.integers(min_value=0, max_value=200), st.sampled_from(TOKENS))
def test_a_correct_formula_with_a_token_spliced_in_is_read_or_refused(case, at, token):
    item_id, formula = case
    text = render(formula)
    at = min(at, len(text))
    reads_or_refuses(item_id, text[:at] + token + text[at:])


# --- The same properties for layers with index arithmetic (issue 17) ---------------------

CONV1D = load_rubric(ROOT / "rubrics" / "conv1d-q1.yaml")
STRIDED = load_rubric(ROOT / "rubrics" / "strided-q1.yaml")
GROUPED = load_rubric(ROOT / "rubrics" / "grouped-q1.yaml")

# A centred kernel of K taps: the sum's range and the input position at tap `o` of output `t`,
# in the ways a class writes it (with the kernel either way round).
CENTRINGS = [
    ("-(K-1)/2", "(K-1)/2", "{t}+{o}"),
    ("-(K-1)/2", "(K-1)/2", "{t}-{o}"),
    (r"-\frac{K-1}{2}", r"\frac{K-1}{2}", "{o}+{t}"),
    (r"-\lfloor K/2 \rfloor", r"\lfloor K/2 \rfloor", "{t}+{o}"),
    ("1", "K", "{t}+{o}-(K+1)/2"),
    ("1", "K", r"{t}-{o}+\frac{K+1}{2}"),
    ("0", "K-1", "{t}+{o}-(K-1)/2"),
]
# Stride 2 with padding 1, counted from 1: tap `o` of output `t`.
STRIDES = [("-1", "1", "2{t}-1+{o}"), ("1", "3", "2{t}+{o}-3"), ("-1", "1", "2{t}-1-{o}")]
# The first input channel of output channel `k`'s group, less one.
GROUP_STARTS = [
    r"(\lceil {k}G/D \rceil - 1)C/G",
    r"\lfloor ({k}-1)G/D \rfloor C/G",
    r"\frac{{C}}{{G}}\lfloor \frac{{({k}-1)G}}{{D}} \rfloor",
    "floor(({k}-1)G/D)C/G",
]


@dataclass(frozen=True)
class Layer1D:
    """y[t,k] = Σ_o Σ_m w[o,m,k] x[position, channel] + b[k], written in a random way."""

    output: tuple[str, str]
    sums: tuple[tuple[str, str, str], ...]  # (index, low, high), in the written order
    weight: str
    weight_indices: tuple[str, ...]
    input_indices: tuple[str, str]
    bias: str | None
    weight_first: bool

    def render(self) -> str:
        sums = " ".join(rf"\sum_{{{i}={low}}}^{{{high}}}" for i, low, high in self.sums)
        weight = f"{self.weight}_{{{','.join(self.weight_indices)}}}"
        source = f"x_{{{','.join(self.input_indices)}}}"
        product = " ".join([weight, source] if self.weight_first else [source, weight])
        bias = f" + {self.bias}_{{{self.output[-1]}}}" if self.bias else ""
        return f"y_{{{','.join(self.output)}}} = {sums} {product}{bias}"


@st.composite
def layers_1d(draw, kind: str) -> Layer1D:
    """A correct formula for conv1d-q1 ("centred"), strided-q1 ("strided") or, with a second
    position axis, grouped-q1 ("grouped")."""
    letters = draw(
        st.permutations([c for c in INDEX_LETTERS if c not in "xy"]).map(lambda p: p[:6])
    )
    t, k, o, m, j, v = letters
    weight, bias = draw(st.lists(st.sampled_from("ABEFHUVW"), min_size=2, max_size=2, unique=True))
    if kind == "grouped":
        start = draw(st.sampled_from(GROUP_STARTS)).replace("{k}", k)
        sums = [
            (o, "-1", "1"),
            (v, "-1", "1"),
            (m, "1", draw(st.sampled_from(["C/G", r"\frac{C}{G}"]))),
        ]
        at = f"{t}+{o}", f"{j}+{v}", f"{start}+{m}"
        output, indices = (t, j, k), [o, v, m, k]
    else:
        low, high, position = draw(st.sampled_from(CENTRINGS if kind == "centred" else STRIDES))
        sums = [(o, low, high), (m, "1", "C")]
        at = position.replace("{t}", t).replace("{o}", o), m
        output, indices = (t, k), [o, m, k]
    return Layer1D(
        output=output,
        sums=tuple(draw(st.permutations(sums))),
        weight=weight,
        weight_indices=tuple(draw(st.permutations(indices))),
        input_indices=at,
        bias=bias,
        weight_first=draw(st.booleans()),
    )


ARITHMETIC = {
    "centred": (CONV1D, "a.formula"),
    "strided": (STRIDED, "b.formula"),
    "grouped": (GROUPED, "a.formula"),
}
KIND_AND_LAYER = st.sampled_from(sorted(ARITHMETIC)).flatmap(
    lambda kind: st.tuples(st.just(kind), layers_1d(kind))
)


@EXAMPLES
@given(KIND_AND_LAYER)
def test_how_a_layer_with_index_arithmetic_is_written_never_changes_the_verdict(case):
    kind, layer = case
    rubric, item_id = ARITHMETIC[kind]
    text = layer.render()
    result = grade_answer(rubric, rubric.items[item_id], text)
    assert result.verdict == "correct", (text, result.feedback)


def arithmetic_mutations(layer: Layer1D) -> list[Layer1D]:
    """The bias dropped; the output channel dropped from the weight; the window moved back by
    one. (Moved forward by one, strided-q1's 2t-1+o is 2t+o: with `index_base: any` that is the
    right layer, its positions counted from 0 and its channels from 1.)"""
    first = layer.input_indices[0]
    return [
        replace(layer, bias=None),
        replace(
            layer, weight_indices=tuple(i for i in layer.weight_indices if i != layer.output[-1])
        ),
        replace(layer, input_indices=(f"{first}-1", *layer.input_indices[1:])),
    ]


@EXAMPLES
@given(KIND_AND_LAYER, st.integers(min_value=0, max_value=2))
def test_a_real_change_to_a_layer_with_index_arithmetic_is_never_right(case, which):
    kind, layer = case
    rubric, item_id = ARITHMETIC[kind]
    text = arithmetic_mutations(layer)[which].render()
    result = grade_answer(rubric, rubric.items[item_id], text)
    assert result.verdict != "correct", text
    assert result.marks < rubric.items[item_id].marks


DENSE_TANH = load_rubric(ROOT / "rubrics" / "dense-tanh-q1.yaml")
TANH = [r"\tanh", "tanh", "Tanh"]
NOT_TANH = ["", r"\sigma", "sigmoid", "ReLU", r"\mathrm{ReLU}", "relu"]


@st.composite
def activated(draw, functions: list[str]) -> str:
    """h_k = f(Σ_l w_{l,k} x_l + b_k), renamed and reordered, with f drawn from `functions`."""
    k, summed = draw(
        st.permutations([c for c in INDEX_LETTERS if c not in "hx"]).map(lambda p: p[:2])
    )
    weight, bias = draw(st.lists(st.sampled_from("ABEFUVW"), min_size=2, max_size=2, unique=True))
    indices = draw(st.permutations([summed, k]))
    product = [f"{weight}_{{{','.join(indices)}}}", f"x_{{{summed}}}"]
    body = rf"\sum_{{{summed}=1}}^{{C}} {' '.join(draw(st.permutations(product)))}"
    terms = draw(st.permutations([body, f"{bias}_{{{k}}}"]))
    function = draw(st.sampled_from(functions))
    inside = " + ".join(terms)
    return f"h_{{{k}}} = {function}({inside})" if function else f"h_{{{k}}} = {inside}"


@EXAMPLES
@given(activated(TANH))
def test_how_an_activated_layer_is_written_never_changes_the_verdict(text):
    result = grade_answer(DENSE_TANH, DENSE_TANH.items["a.formula"], text)
    assert result.verdict == "correct", (text, result.feedback)


@EXAMPLES
@given(activated(NOT_TANH))
def test_another_or_no_activation_is_never_right(text):
    result = grade_answer(DENSE_TANH, DENSE_TANH.items["a.formula"], text)
    assert result.verdict != "correct", text
    assert result.diagnosis in ("activation_missing", "activation_wrong"), (text, result.feedback)


# --- The same properties for a layer with two inputs: one step of a recurrence ------------

RNN = load_rubric(ROOT / "rubrics" / "rnn-q1.yaml")
CELL_ITEM = RNN.items["a.formula"]


@dataclass(frozen=True)
class Cell:
    """h_t = tanh(Σ_e u[k,e] x[t+input_step,e] + Σ_m w[k,m] h[t+state_step,m] + b[k]), as a
    student might write it: with indices or with vectors, terms and factors in any order."""

    vectors: bool
    letters: tuple[str, str, str, str]  # t, k, and the two summed indices
    names: tuple[str, str, str]  # the input weights, the recurrent weights, the bias
    order: tuple[int, ...]  # of the terms: 0 input, 1 state, 2 bias
    weight_first: tuple[bool, bool]
    indices_swapped: tuple[bool, bool]  # u_{e,k} rather than u_{k,e} (as a matrix: transposed)
    ranges: bool
    input_step: int = 0
    state_step: int = -1
    per_step_input_weights: bool = False
    bias: bool = True
    function: str = r"\tanh"

    def render(self) -> str:
        t, k, e, m = self.letters
        u, w, b = self.names

        def step(offset: int) -> str:
            return t if offset == 0 else f"{t}{offset:+d}"

        if self.vectors:
            terms = []
            for name, vector, flip, first in (
                (
                    u,
                    f"x_{{{step(self.input_step)}}}",
                    self.indices_swapped[0],
                    self.weight_first[0],
                ),
                (
                    w,
                    f"h_{{{step(self.state_step)}}}",
                    self.indices_swapped[1],
                    self.weight_first[1],
                ),
            ):
                if self.per_step_input_weights and name == u:
                    name = f"{name}_{t}"
                matrix = f"{name}^T" if flip else name
                # A matrix after the vector multiplies it as a row: x_t W.
                terms.append(f"{matrix} {vector}" if first else f"{vector} {matrix}")
            terms.append(b)
            right = " + ".join(terms[i] for i in self.order if i < 2 or self.bias)
            return f"h_{t} = {self.function}({right})" if self.function else f"h_{t} = {right}"
        terms = []
        for name, tensor, summed, size, offset, flip, first in (
            (u, "x", e, "E", self.input_step, *self.indices_swapped[:1], self.weight_first[0]),
            (w, "h", m, "H", self.state_step, self.indices_swapped[1], self.weight_first[1]),
        ):
            pair = [summed, k] if flip else [k, summed]
            if self.per_step_input_weights and tensor == "x":
                pair = [t, *pair]
            factors = [f"{name}_{{{','.join(pair)}}}", f"{tensor}_{{{step(offset)},{summed}}}"]
            product = " ".join(factors if first else factors[::-1])
            bounds = f"{summed}=1}}^{{{size}" if self.ranges else summed
            terms.append(rf"\sum_{{{bounds}}} {product}")
        terms.append(f"{b}_{{{k}}}")
        right = " + ".join(terms[i] for i in self.order if i < 2 or self.bias)
        left = f"h_{{{t},{k}}}"
        return f"{left} = {self.function}({right})" if self.function else f"{left} = {right}"


@st.composite
def cells(draw) -> Cell:
    """A correct Elman cell, written in a random way."""
    letters = draw(
        st.permutations([c for c in INDEX_LETTERS if c not in "hx"]).map(lambda p: p[:4])
    )
    names = draw(st.lists(st.sampled_from("ABCFGUVW"), min_size=3, max_size=3, unique=True))
    return Cell(
        vectors=draw(st.booleans()),
        letters=tuple(letters),
        names=(names[0], names[1], names[2].lower()),
        order=tuple(draw(st.permutations([0, 1, 2]))),
        weight_first=(draw(st.booleans()), draw(st.booleans())),
        indices_swapped=(draw(st.booleans()), draw(st.booleans())),
        ranges=draw(st.booleans()),
    )


@EXAMPLES
@given(cells())
def test_how_a_recurrent_cell_is_written_never_changes_the_verdict(cell):
    text = cell.render()
    result = grade_answer(RNN, CELL_ITEM, text)
    assert result.verdict == "correct", (text, result.feedback)


# A real change to the cell, and the diagnosis it gets however the cell is written.
CELL_MUTATIONS = {
    "reads_own_output": {"state_step": 0},
    "time_step": {"input_step": -1},
    "weights_over_time": {"per_step_input_weights": True},
    "bias_missing": {"bias": False},
    "activation_wrong": {"function": r"\sigma"},
    "activation_missing": {"function": ""},
}


@EXAMPLES
@given(cells(), st.sampled_from(sorted(CELL_MUTATIONS)))
def test_a_real_change_to_a_recurrent_cell_gets_its_diagnosis_however_written(cell, diagnosis):
    text = replace(cell, **CELL_MUTATIONS[diagnosis]).render()
    result = grade_answer(RNN, CELL_ITEM, text)
    assert (result.verdict, result.diagnosis) != ("correct", None), text
    assert result.diagnosis == diagnosis, (text, result.feedback)


CELL_TOKENS = [
    "h_t",
    "h_{t-1}",
    "x_t",
    "W_x",
    "W_h",
    " = ",
    "+",
    r"\tanh(",
    ")",
    "^T",
    "_",
    "{",
    "}",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CELL_TOKENS + TOKENS), max_size=30).map("".join))
def test_cell_like_token_soup_is_read_or_refused_with_an_answer_error(text):
    try:
        formula = parse_formula(text, RNN.symbol_table, CELL_ITEM.spec.layer)
    except AnswerError as error:
        assert 0 <= error.position <= len(text)
        assert error.message
    else:
        assert isinstance(formula, Formula)


# --- Output indices written as sums, windows without ranges, tokens as columns (issue 17) ------

POOL = load_rubric(ROOT / "rubrics" / "pool-q1.yaml")
COLUMNS = load_rubric(ROOT / "rubrics" / "attn-columns-q1.yaml")
# The output channel of group g, place n: (g-1)D/G+n as a class writes it.
CHANNELS = ["({g}-1)D/G+{n}", "{n}+({g}-1)D/G", r"\frac{{D}}{{G}}({g}-1)+{n}", "{n}+{g}D/G-D/G"]
GROUP_INPUTS = ["({g}-1)C/G+{m}", "{m}+({g}-1)C/G", r"\frac{{C}}{{G}}({g}-1)+{m}"]


@st.composite
def grouped_by_channel_sums(draw, flip: bool, change: str | None = None) -> str:
    """grouped-q1's layer with its output channel written as a sum of the letters g and n,
    renamed, its sums in any order with or without the window's ranges, its weight's indices
    in any order and, with `flip`, its kernel flipped (x_{i-u}: the same layer, the weights
    renamed). A `change` makes it another layer: the bias left out ("bias"), blocks of C/G
    output channels where D/G belongs ("block"), every filter reading the first group
    ("group")."""
    letters = draw(
        st.permutations([c for c in INDEX_LETTERS if c not in "xy"]).map(lambda p: p[:7])
    )
    i, j, g, n, u, v, m = letters
    weight, bias = draw(st.lists(st.sampled_from("ABEFHUVW"), min_size=2, max_size=2, unique=True))
    channel = draw(st.sampled_from(CHANNELS)).format(g=g, n=n)
    if change == "block":
        channel = channel.replace("D", "C")
    source = draw(st.sampled_from(GROUP_INPUTS)).format(g=g, m=m) if change != "group" else m
    sign = "-" if flip else "+"
    window = [rf"\sum_{{{u}=-1}}^{{1}}", rf"\sum_{{{v}=-1}}^{{1}}"]
    if draw(st.booleans()):
        window = [rf"\sum_{{{u},{v}}}"]
    sums = draw(st.permutations([*window, rf"\sum_{{{m}=1}}^{{C/G}}"]))
    indices = draw(st.permutations([u, v, m, g, n]))
    product = [f"{weight}_{{{','.join(indices)}}}", f"x_{{{i}{sign}{u},{j}{sign}{v},{source}}}"]
    body = " ".join(sums) + " " + " ".join(draw(st.permutations(product)))
    added = "" if change == "bias" else f" + {bias}_{{{g},{n}}}"
    return f"y_{{{i},{j},{channel}}} = {body}{added}"


@EXAMPLES
@given(grouped_by_channel_sums(flip=False) | grouped_by_channel_sums(flip=True))
def test_how_an_output_index_written_as_a_sum_is_written_never_changes_the_verdict(text):
    result = grade_answer(GROUPED, GROUPED.items["a.formula"], text)
    assert result.verdict == "correct", (text, result.feedback)


@EXAMPLES
@given(
    st.sampled_from(["bias", "block", "group"]).flatmap(
        lambda change: grouped_by_channel_sums(flip=False, change=change)
    )
)
def test_a_real_change_to_an_output_index_written_as_a_sum_is_never_right(text):
    result = grade_answer(GROUPED, GROUPED.items["a.formula"], text)
    assert result.verdict != "correct", (text, result.feedback)
    assert result.marks < GROUPED.items["a.formula"].marks


@st.composite
def max_pools(draw, base: str) -> str:
    """pool-q1's max pooling (part d) with its window's ranges left out, renamed, its maxes as
    one subscript or a run of letters, indexed from `base`."""
    i, j, k, u, v = draw(
        st.permutations([c for c in INDEX_LETTERS if c not in "xz"]).map(lambda p: p[:5])
    )
    first, second = draw(st.permutations([u, v]))
    maxes = draw(st.sampled_from([rf"\max_{{{first},{second}}}", rf"\max_{{{first}{second}}}"]))
    offset = "" if base == "0" else "-1"
    return f"z_{{{i},{j},{k}}} = {maxes} x_{{2{i}{offset}+{u},2{j}{offset}+{v},{k}}}"


@EXAMPLES
@given(max_pools("0") | max_pools("1"))
def test_how_a_window_without_ranges_is_written_never_changes_the_verdict(text):
    result = grade_answer(POOL, POOL.items["d.formula"], text)
    assert result.verdict == "correct", (text, result.feedback)
    assert result.reading_notes[0].startswith("read the ranges your formula leaves out")


@EXAMPLES
@given(max_pools("1"))
def test_a_window_without_ranges_that_moves_by_one_is_never_right(text):
    text = text.replace("x_{2", "x_{").replace(",2", ",", 1)
    result = grade_answer(POOL, POOL.items["d.formula"], text)
    assert result.verdict != "correct", (text, result.feedback)


@st.composite
def column_projections(draw) -> str:
    """attn-columns-q1's q_{k,n} = Σ_e w_{k,e} x_{e,n} + b_k, renamed and reordered."""
    k, n, e = draw(
        st.permutations([c for c in INDEX_LETTERS if c not in "qx"]).map(lambda p: p[:3])
    )
    weight, bias = draw(st.lists(st.sampled_from("ABEFUVW"), min_size=2, max_size=2, unique=True))
    product = [f"{weight}_{{{k},{e}}}", f"x_{{{e},{n}}}"]
    terms = draw(
        st.permutations(
            [rf"\sum_{{{e}=1}}^{{E}} {' '.join(draw(st.permutations(product)))}", f"{bias}_{{{k}}}"]
        )
    )
    return f"q_{{{k},{n}}} = {' + '.join(terms)}"


@EXAMPLES
@given(column_projections())
def test_how_a_projection_over_columns_is_written_never_changes_the_verdict(text):
    result = grade_answer(COLUMNS, COLUMNS.items["a.formula"], text)
    assert result.verdict == "correct", (text, result.feedback)


# --- Average pooling (pool-q1 part a): no weights, a mean over a 2x2 window at stride 2 -----


@st.composite
def average_pooling(draw, scale: bool = True) -> str:
    """y = (1/4) Σ_u Σ_v x_{2i-1+u, 2j-1+v, k}, renamed, its sums in either order, the
    window counted from 0 or from 1 or walked backwards (a flip), and the 1/4 in front, at
    the end or dividing; without `scale`, the plain sum (a pooling that is no mean)."""
    i, j, k, u, v = draw(
        st.permutations([c for c in INDEX_LETTERS if c not in "xy"]).map(lambda p: p[:5])
    )
    walk = draw(st.sampled_from(["from 0", "from 1", "backwards"]))
    low, high, first = {
        "from 0": ("0", "1", "{a}-1+{w}"),
        "from 1": ("1", "2", "{a}-2+{w}"),
        "backwards": ("0", "1", "{a}-{w}"),
    }[walk]
    rows = first.format(a=f"2{i}", w=u)
    columns = first.format(a=f"2{j}", w=v)
    sums = draw(st.permutations([(u, low, high), (v, low, high)]))
    written = "".join(rf"\sum_{{{s}={lo}}}^{{{hi}}}" for s, lo, hi in sums)
    body = f"{written} x_{{{rows},{columns},{k}}}"
    if scale:
        body = draw(
            st.sampled_from(
                [rf"\frac{{1}}{{4}}{body}", f"{body}/4", f"0.25 {body}", rf"\frac{{{body}}}{{4}}"]
            )
        )
    return f"y_{{{i},{j},{k}}} = {body}"


@EXAMPLES
@given(average_pooling())
def test_how_an_average_pooling_is_written_never_changes_the_verdict(text):
    result = grade_answer(POOL, POOL.items["a.formula"], text)
    assert result.verdict == "correct", (text, result.feedback)


@EXAMPLES
@given(average_pooling(scale=False))
def test_a_window_summed_and_not_averaged_is_never_right(text):
    result = grade_answer(POOL, POOL.items["a.formula"], text)
    assert (result.verdict, result.diagnosis) == ("partial", "pooling_scale"), (
        text,
        result.feedback,
    )


# Found by the property above: a sum's index named as the output (`\sum_{y=1}^{C}` under
# `y_{a,b,c} = …`) made the '=' of its range look like a second '=' of a chain of working, and
# the formula was refused ("your chain of working writes y both as …").
@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (r"y_{a,b,c} = \sum_{y=1}^{C} x_{a,b,y} a_{y,c} + b_c", "correct"),
        (r"y_{a,b,c} = \sum_{y=1}^{C} x_{a,b,y} a_{y,c}", "partial"),
    ],
)
def test_the_equals_sign_of_a_sums_range_is_no_step_of_a_chain(text, verdict):
    assert grade_answer(RUBRIC, RUBRIC.items["c.formula"], text).verdict == verdict
