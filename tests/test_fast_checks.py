"""The cheaper ways the checks of distinct answers work things out (issue 20) give what the
plain ways gave: instantiation's grids are numpy's meshgrid, rows are packed as column by column,
padded as `np.pad` pads them; a formula's tokens, remembered per answer, are never changed by
reading it; an index that is one letter is read as it was; and the student's facts at the
second size set are worked out only when a kernel's words need them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grade import grade_answer
from grader.kinds.formula import _reads_the_right_inputs, layer
from grader.kinds.formula.check import (
    STRUCTURES_MEMO,
    _index_order_finding,
    check_formula,
    inputs_read,
    structures,
)
from grader.kinds.formula.index_base import indexed_from_zero
from grader.kinds.formula.parse import _tokens, is_index_form, parse_formula
from grader.kinds.formula.window_offset import has_moved_windows
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
CONTEXT = RUBRIC.context

ranges = st.lists(
    st.tuples(st.integers(-5, 5), st.integers(0, 4)).map(lambda r: np.arange(r[0], r[0] + r[1])),
    min_size=1,
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(ranges)
def test_grids_are_numpys_meshgrid_raveled(values):
    expected = [g.ravel() for g in np.meshgrid(*values, indexing="ij")]
    found = layer._grids(values)
    assert len(found) == len(expected)
    for mine, theirs in zip(found, expected, strict=True):
        assert mine.dtype == theirs.dtype
        assert mine.shape == theirs.shape
        assert np.array_equal(mine, theirs)


def _packed_column_by_column(rows: np.ndarray) -> np.ndarray | None:
    """The packing as it was written before: one numpy step per column."""
    low = rows.min(axis=0)
    spread = rows.max(axis=0) - low + 1
    if float(np.prod(spread.astype(np.float64))) >= 2**62:
        return None
    packed = np.zeros(len(rows), dtype=np.int64)
    for column in range(rows.shape[1]):
        packed = packed * spread[column] + (rows[:, column] - low[column])
    return packed


row_tables = st.integers(1, 8).flatmap(
    lambda width: st.lists(
        st.lists(
            st.one_of(st.integers(-3, 3), st.integers(-(2**40), 2**40)),
            min_size=width,
            max_size=width,
        ),
        min_size=1,
        max_size=30,
    )
)


@settings(max_examples=300, deadline=None)
@given(row_tables)
def test_rows_are_packed_as_column_by_column(table):
    rows = np.array(table, dtype=np.int64)
    expected = _packed_column_by_column(rows)
    found = layer._packed(rows)
    if expected is None:
        assert found is None
    else:
        assert found.dtype == np.int64
        assert found.tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("table", "width", "expected"),
    [
        ([[1, 2]], 2, [[1, 2]]),
        ([[1, 2]], 4, [[1, 2, 0, 0]]),
        ([[7], [-3]], 3, [[7, 0, 0], [-3, 0, 0]]),
    ],
)
def test_rows_are_padded_with_zeros_on_the_right(table, width, expected):
    rows = np.array(table, dtype=np.int64)
    padded = layer._padded(rows, width)
    assert padded.dtype == np.int64
    assert padded.tolist() == expected
    assert np.array_equal(padded, np.pad(rows, ((0, 0), (0, width - rows.shape[1]))))


def test_a_formulas_remembered_tokens_are_not_changed_by_reading_it():
    """`w_12` is read as w_1 times 2: reading it splits a token of its own list, never the
    remembered one, so the same answer reads alike every time."""
    item = RUBRIC.items["e.formula"]
    text = r"y_{i,k} = \sum_{l=1}^{C} w_12 x_{i,l}"
    before = _tokens(text)
    first = parse_formula(text, CONTEXT.symbol_table, item.spec.layer, item.reference)
    assert _tokens(text) == before
    second = parse_formula(text, CONTEXT.symbol_table, item.spec.layer, item.reference)
    assert first == second
    (term,) = first.terms
    assert term.coefficient == 2
    assert [(f.name, tuple(map(str, f.indices))) for f in term.factors] == [
        ("w", ("1",)),
        ("X", ("i", "l")),
    ]
    assert is_index_form(text, item.spec.layer)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("i", "i"),
        ("+i", "i"),
        ("-i", "-i"),
        ("i+1", "i + 1"),
        ("i-u", "i - u"),
        ("2i", "2*i"),
        ("2i-i", "i"),
    ],
)
def test_an_index_of_one_letter_reads_as_before(written, expected):
    item = RUBRIC.items["b.formula"]
    text = rf"y_{{i,j,k}} = \sum_{{u=-1}}^{{1}} w_{{u,k}} x_{{{written},j,k}}"
    formula = parse_formula(text, CONTEXT.symbol_table, item.spec.layer, item.reference)
    (term,) = formula.terms
    assert [str(i) for i in term.factors[-1].indices] == [expected, "j", "k"]


def test_the_second_size_sets_facts_wait_for_a_kernels_words():
    """A wrong formula whose findings say nothing of its kernel leaves the student's facts at
    the second size set unworked; one told its kernel spans the whole image has them."""
    # Structures of formulas alike in their weights share one memoised structure's facts
    # (`dataclasses.replace` keeps its `known_facts`): an earlier test's 1×1 kernel, told
    # more, would have worked them out already (the test failed after test_every_diagnosis).
    structures.cache_clear()
    layer._classes_memo.clear()
    layer._facts_memo.clear()
    item = RUBRIC.items["b.formula"]
    spec = item.spec.layer
    one_by_one = r"y_{i,j,k} = \sum_{l=1}^{C} 5 w_{l,k} x_{i,j,l} + b_k"
    formula = parse_formula(one_by_one, CONTEXT.symbol_table, spec, item.reference)
    check = check_formula(item, formula, CONTEXT.symbols, CONTEXT.size_sets)
    assert [f.kind for f in check.findings] == ["kernel_size"]
    student = structures(formula, spec, CONTEXT.size_sets)
    assert student[1].known_facts == {}
    assert "1×1 kernel" in check.findings[0].message

    whole = (
        r"y_{i,j,k} = \sum_{u=1}^{P}\sum_{v=1}^{Q}\sum_{l=1}^{C} w_{u,v,l,k} "
        r"x_{i+u-1,j+v-1,l} + b_k"
    )
    result = grade_answer(RUBRIC, item, whole)
    assert (result.verdict, result.marks, result.diagnosis) == ("incorrect", 0, "kernel_size")
    assert result.feedback == (
        "Your kernel spans the whole image instead of 3×3 positions: it is as large as the image "
        "itself.",
    )
    formula = parse_formula(whole, CONTEXT.symbol_table, spec, item.reference)
    assert all(s.known_facts for s in structures(formula, spec, CONTEXT.size_sets))


def test_another_index_base_is_checked_only_where_its_windows_are_moved(monkeypatch):
    """A wrong answer to a question that allows either index base is read in the other base
    too, in case its window is the right one moved there; each such reading is checked in
    full only where its windows are the reference's moved (a distinct wrong formula cost four
    full checks, half a class's CPU: bench/class_of_1000.py --distinct)."""
    import grader.kinds.formula as formula_kind

    checked = []

    def counting(item, formula, *args, **kwargs):
        checked.append(formula)
        return check_formula(item, formula, *args, **kwargs)

    monkeypatch.setattr(formula_kind, "check_formula", counting)
    item = RUBRIC.items["a.formula"]
    assert item.spec.index_base == "any"
    one_by_one = r"y_{i,j,k} = \sum_{l=1}^{C} 7 w_{i,j,k,l} x_{i,j,l} + b_{k}"
    result = grade_answer(RUBRIC, item, one_by_one)
    assert result.verdict == "incorrect"
    assert len(checked) == 1


@pytest.mark.parametrize(
    ("item_id", "text", "every_point_reads_its_own"),
    [
        ("a.formula", r"y_{i,j,k} = \sum_{l=1}^{C} 3 w_{i,j,k,l} x_{i,j,l} + b_{k}", True),
        ("a.formula", r"y_{i,j,k} = \sum_{l=1}^{C} 3 w_{i,j,k,l} x_{l,j,i} + b_{k}", False),
        (
            "b.formula",
            r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} "
            r"x_{i+u,j+v,l} + b_k",
            False,  # reads outside the input at the border
        ),
        ("b.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + x_{i+P,j,1} + b_k", False),
        ("c.formula", r"y_{i,j,k} = x_{i,j,k} + 2 x_{i,j,k} + b_k", False),  # one entry twice
        ("c.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k + 1", True),
        ("e.formula", r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l}", True),
    ],
)
def test_most_inputs_read_bounds_the_inputs_read(item_id, text, every_point_reads_its_own):
    """`most_inputs_read` counts the points of the terms that read an input: never fewer than
    the connections from an input the formula reads (`inputs_read`), and as many where each
    point reads an entry of its own, inside the input. The index-order search and the other
    index base stop on it (`reads_too_few`), so a bound too small would lose their findings."""
    item = RUBRIC.items[item_id]
    spec = item.spec.layer
    formula = parse_formula(text, CONTEXT.symbol_table, spec, item.reference)
    read = inputs_read(formula, spec, CONTEXT.size_sets)
    most = [layer.most_inputs_read(formula, spec, dict(s)) for s in CONTEXT.size_sets]
    assert all(m >= len(r) for m, r in zip(most, read, strict=True))
    assert [m == len(r) for m, r in zip(most, read, strict=True)] == [
        every_point_reads_its_own
    ] * len(most)


@pytest.mark.parametrize(
    ("item_id", "text", "same_as_reference"),
    [
        ("a.formula", r"y_{i,j,k} = \sum_{l=1}^{C} 3 w_{i,j,k,l} x_{i,j,l} + b_{k}", False),
        ("c.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k + 1", True),
        ("c.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + x_{i,j,1} + b_k", True),
        ("c.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{j,i,l} + b_k", False),
        ("e.formula", r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l}", True),
    ],
)
def test_inputs_read_are_kept_as_sorted_int64_bytes(item_id, text, same_as_reference):
    """What `inputs_read` remembers (hundreds of entries in every worker) is each size set's
    connections as the bytes of their sorted int64 array, not a frozenset of Python ints
    (some 40 bytes a connection where this takes 8); compared exactly, byte for byte."""
    item = RUBRIC.items[item_id]
    spec = item.spec.layer
    formula = parse_formula(text, CONTEXT.symbol_table, spec, item.reference)
    read = inputs_read(formula, spec, CONTEXT.size_sets)
    for structure, inputs in zip(structures(formula, spec, CONTEXT.size_sets), read, strict=True):
        _, source = structure.split(structure.connections)
        expected = {int(c) for c in structure.connections[source >= 0]}
        expected |= {c for c, _ in structure.fixed if structure.split(np.array([c]))[1][0] >= 0}
        assert type(inputs.packed) is bytes
        assert inputs.packed == np.array(sorted(expected), dtype=np.int64).tobytes()
        assert len(inputs) == len(expected)
    wanted = inputs_read(item.reference, spec, CONTEXT.size_sets)
    assert (read == wanted) is same_as_reference


@pytest.mark.parametrize("memo", [structures, inputs_read], ids=["structures", "inputs_read"])
def test_a_worker_remembers_few_formulas_and_keeps_the_reference(memo):
    """A worker remembers the structures and inputs read of its last STRUCTURES_MEMO formulas
    only (a class's answers seldom come back; 512 of them held megabytes in every worker),
    and the reference, asked of with every answer, is among them still."""
    item = RUBRIC.items["c.formula"]
    memo.cache_clear()
    for n in range(2, STRUCTURES_MEMO + 20):
        text = rf"y_{{i,j,k}} = \sum_{{l=1}}^{{C}} {n} w_{{l,k}} x_{{j,i,l}} + b_k"
        assert grade_answer(RUBRIC, item, text).verdict is not None
    assert memo.cache_info().currsize == STRUCTURES_MEMO
    hits = memo.cache_info().hits
    memo(item.reference, item.spec.layer, CONTEXT.size_sets)
    assert memo.cache_info().hits == hits + 1


ONE_BY_ONE_UNSHARED = r"y_{i,j,k} = \sum_{l=1}^{C} 7 w_{i,j,k,l} x_{i,j,l} + b_{k}"


def _made_formulas(monkeypatch) -> list:
    """The formulas instantiated from now on (none remembered from before)."""
    from grader.kinds.formula import check

    made = []
    real = check.instantiate

    def counting(formula, *args, **kwargs):
        made.append(formula)
        return real(formula, *args, **kwargs)

    monkeypatch.setattr(check, "instantiate", counting)
    structures.cache_clear()
    inputs_read.cache_clear()
    return made


def _one_by_one_unshared():
    item = RUBRIC.items["a.formula"]  # a layer that reads the whole image, from any base
    formula = parse_formula(
        ONE_BY_ONE_UNSHARED, CONTEXT.symbol_table, item.spec.layer, item.reference
    )
    return item, formula


def test_indices_in_another_order_are_not_tried_where_too_few_inputs_are_read(monkeypatch):
    """An answer that reads fewer inputs than the reference (a 1×1 window for the whole
    image) reads too few in any order of its indices: no reordered formula is made (each
    order was instantiated at every size set, 42% of the CPU of a distinct class's a.formula).
    """
    item, formula = _one_by_one_unshared()
    made = _made_formulas(monkeypatch)
    assert _index_order_finding(item, formula, CONTEXT.size_sets) == ([], None)
    assert set(made) <= {formula, item.reference}


def test_the_other_index_base_is_not_made_where_it_reads_too_few_inputs(monkeypatch):
    """Counted from 0, the same answer reads as few inputs: that reading is not instantiated
    to ask whether it reads the right ones."""
    item, formula = _one_by_one_unshared()
    zero = indexed_from_zero(formula, item.spec.layer)
    made = _made_formulas(monkeypatch)
    assert not _reads_the_right_inputs(zero, formula, item, CONTEXT)
    assert zero not in made


@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        pytest.param("a.formula", ONE_BY_ONE_UNSHARED, id="the reference reads the whole image"),
        pytest.param(
            "c.formula", r"y_{i,j,k} = 3 x_{i,j,k} + b_k", id="the reference's window is 1x1"
        ),
    ],
)
def test_no_answer_is_made_to_ask_for_moved_windows_where_the_reference_has_none(
    monkeypatch, item_id, text
):
    """A reference that reads the whole image at every position, or one position of it, has
    no window that another could be moved from: an answer (here counted from 0, as the
    answer's other reading is) is not instantiated to ask."""
    item = RUBRIC.items[item_id]
    formula = parse_formula(text, CONTEXT.symbol_table, item.spec.layer, item.reference)
    zero = indexed_from_zero(formula, item.spec.layer)
    made = _made_formulas(monkeypatch)
    assert not has_moved_windows(item, zero, CONTEXT.size_sets)
    assert zero not in made


def test_the_references_given_matrices_are_worked_out_once_per_item(monkeypatch):
    """`number_factors` asks the same of an item's reference for every answer (the matrices
    the question gives, the numbers the reference multiplies each by): worked out once."""
    from grader.kinds.formula import matrix_form

    summed = []
    real = matrix_form._given_sums

    def counting(formula, *args):
        summed.append(formula)
        return real(formula, *args)

    monkeypatch.setattr(matrix_form, "_given_sums", counting)
    item = RUBRIC.items["b.formula"]
    for number in (2, 3):
        text = rf"y_{{i,j,k}} = \sum_{{l=1}}^{{C}} {number} w_{{l,k}} x_{{i,j,l}} + b_k"
        assert grade_answer(RUBRIC, item, text).verdict == "incorrect"
    assert summed.count(item.reference) <= 1  # none where an earlier check remembered it


def test_a_reading_whose_windows_are_not_moved_is_made_at_the_first_size_set_alone(monkeypatch):
    """A 1×1 kernel for a 3×3 convolution, counted from 0: its windows are not the
    reference's moved at the first size set, so it is not made at the others to ask."""
    item = RUBRIC.items["b.formula"]
    text = r"y_{i,j,k} = \sum_{l=1}^{C} 4 w_{l,k} x_{i,j,l} + b_k"
    formula = parse_formula(text, CONTEXT.symbol_table, item.spec.layer, item.reference)
    zero = indexed_from_zero(formula, item.spec.layer)
    made = _made_formulas(monkeypatch)
    assert len(CONTEXT.size_sets) > 1
    assert not has_moved_windows(item, zero, CONTEXT.size_sets)
    assert made.count(zero) == 1
