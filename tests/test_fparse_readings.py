"""The cheaper ways a formula answer is read and checked (branch fparse) give what the plain
ways gave: a frozen dataclass copied field by field is what `dataclasses.replace` makes; a
structure's fixed part is shown as `repr` shows it; an answer read counted from 0 moves the
same indices; a subscript of letters between commas reads as `index_expression` reads it,
letter by letter; and an answer read in index form as written is known to be one, by a memo
that stays small."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import normalise as normalise_module
from grader.errors import AnswerError
from grader.kinds.formula import layer, matrix_form, terms
from grader.kinds.formula import parse as parse_module
from grader.kinds.formula.check import _fingerprint, _fixed_repr, structures
from grader.kinds.formula.index_base import (
    _moved_axes,
    _moved_indices,
    _one_more,
    _shifted,
    indexed_from_zero,
)
from grader.kinds.formula.index_form import IndexFormReader, _letters_besides
from grader.kinds.formula.layout import tokens_as_columns
from grader.kinds.formula.parse import (
    _INDEX_FORMS,
    INDEX_FORMS_KEPT,
    _is_index_form,
    is_index_form,
    is_written_with_vectors,
    parse_formula,
)
from grader.kinds.formula.terms import index_symbol, replaced
from grader.normalise import top_level_equals
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
CONTEXT = RUBRIC.context


def _read(item_id: str, text: str):
    item = RUBRIC.items[item_id]
    return parse_formula(text, CONTEXT.symbol_table, item.spec.layer, item.reference)


# --- `replaced`: replace's object, without its look at each field


def _formula():
    return _read("b.formula", r"y_{i,j,k} = \sum_{l=1}^{C} 2 w_{l,k} x_{i,j,l} + b_{k}")


@pytest.mark.parametrize(
    ("made", "changes"),
    [
        pytest.param(_formula, {"terms": ()}, id="a formula's terms"),
        pytest.param(_formula, {"assumed": ("a note",), "activation": "tanh"}, id="two fields"),
        pytest.param(_formula, {}, id="nothing changed"),
        pytest.param(lambda: _formula().output, {"indices": ()}, id="an entry's indices"),
        pytest.param(
            lambda: structures(_formula(), RUBRIC.items["b.formula"].spec.layer, CONTEXT.size_sets)[
                0
            ],
            {"fixed": ((1, Fraction(1, 2)),), "gaps": (-1, 3, ())},
            id="a structure's fixed part and gaps",
        ),
    ],
)
def test_replaced_makes_what_replace_makes(made, changes):
    original = made()
    hashable = type(original).__hash__ is not None and not hasattr(original, "connections")
    if hashable:
        hash(original)  # a hash kept by `hashed_once` is not the copy's
    mine, theirs = replaced(original, **changes), replace(original, **changes)
    assert type(mine) is type(theirs)
    assert repr(mine) == repr(theirs)
    assert list(mine.__dict__) == list(theirs.__dict__)  # fields in their order
    for name, value in theirs.__dict__.items():
        assert mine.__dict__[name] is value or mine.__dict__[name] == value
    if hashable:
        assert mine == theirs
        assert hash(mine) == hash(theirs)


def test_replaced_refuses_a_name_that_is_not_a_field():
    with pytest.raises(TypeError):
        replaced(_formula(), colour="red")


@dataclass(frozen=True)
class _Checked:
    value: int
    twice: int = 0

    def __post_init__(self):
        object.__setattr__(self, "twice", 2 * self.value)


def test_replaced_leaves_a_dataclass_that_does_more_than_store_to_replace():
    assert replaced(_Checked(1), value=5) == _Checked(5)
    assert replaced(_Checked(1), value=5).twice == 10


# --- a structure's fixed part shown as `repr` shows it


HALF, TWO = Fraction(1, 2), Fraction(2)


@pytest.mark.parametrize(
    "fixed",
    [
        pytest.param((), id="none"),
        pytest.param(((5, TWO),), id="one connection"),
        pytest.param(((1, TWO), (3, TWO), (7, HALF), (9, Fraction(-3, 4))), id="several weights"),
        pytest.param(((1, TWO), (2, Fraction(2))), id="equal weights, two objects"),
        pytest.param(((1, 2),), id="a weight that is no Fraction: repr"),
        pytest.param(((True, TWO),), id="a connection that is no int: repr"),
    ],
)
def test_a_fixed_part_is_shown_as_repr_shows_it(fixed):
    assert _fixed_repr(fixed) == repr(fixed)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**12),
            st.sampled_from([TWO, HALF, Fraction(-7, 3), Fraction(0), Fraction(10**20, 3)]),
        ),
        max_size=12,
    )
)
def test_any_fixed_part_is_shown_as_repr_shows_it(pairs):
    assert _fixed_repr(tuple(pairs)) == repr(tuple(pairs))


@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        ("c.formula", r"y_{i,j,k} = 2 x_{i,j,k} + b_{k}"),
        ("e.formula", r"y_{i,k} = 3 x_{i,k} - \frac{1}{2} x_{i,k}"),
        ("b.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + x_{i,j,k}"),
    ],
)
def test_a_fingerprint_is_the_sha256_of_the_same_text(item_id, text):
    """The group a formula is put in is the digest of the same bytes as before: the fixed
    part by `repr`."""
    import hashlib

    found = structures(_read(item_id, text), RUBRIC.items[item_id].spec.layer, CONTEXT.size_sets)
    digest = hashlib.sha256()
    for structure in found:
        for part in structure.signature():
            digest.update(part if isinstance(part, bytes) else repr(part).encode())
    assert any(s.fixed for s in found)
    assert _fingerprint(found) == digest.hexdigest()[:16]


# --- read counted from 0: the same indices moved


def _moves_as_before(axes: str, columns: bool, axis: int, rank: int) -> bool:
    """Which axes `indexed_from_zero` moved, as it was written before."""
    if axes == "all":
        return True
    channel = axis == (0 if columns else rank - 1)
    return channel == (axes == "channels")


@pytest.mark.parametrize("axes", ["all", "positions", "channels"])
@pytest.mark.parametrize("columns", [False, True])
@pytest.mark.parametrize("rank", [1, 2, 3, 4])
def test_the_axes_counted_from_zero_are_those_moved_before(axes, columns, rank):
    expected = tuple(_moves_as_before(axes, columns, axis, rank) for axis in range(rank))
    assert _moved_axes(axes, columns, rank) == expected


i, j, u, size = index_symbol("i"), index_symbol("j"), index_symbol("u"), sympy.Symbol("C")


@pytest.mark.parametrize(
    ("indices", "more"),
    [
        pytest.param((i, j), (False, False), id="a weight's letters"),
        pytest.param((2 * i + u, j, size), (True, True, True), id="an input's, all moved"),
        pytest.param((i + u - 1, sympy.Integer(3)), (True, False), id="one axis moved"),
    ],
)
def test_an_entrys_indices_move_as_each_index_did(indices, more):
    free = (i, j)
    expected = tuple(
        _one_more(_shifted(index, free)) if one else _shifted(index, free)
        for index, one in zip(indices, more, strict=True)
    )
    assert _moved_indices(indices, free, more) == expected


@pytest.mark.parametrize(
    ("item_id", "text", "axes", "expected"),
    [
        (
            "b.formula",
            r"y_{i,j,k} = \sum_{l=1}^{C} 2 w_{l,k} x_{i,j,l} + b_{k}",
            "all",
            "2·w[l,k-1]·x[i,j,l+1] + b[k-1]",
        ),
        (
            "b.formula",
            r"y_{i,j,k} = \sum_{l=1}^{C} 2 w_{l,k} x_{i,j,l} + b_{k}",
            "positions",
            "2·w[l,k]·x[i,j,l] + b[k]",
        ),
        ("c.formula", r"y_{i,j,k} = 2 x_{i,j,k} + b_{k}", "channels", "2·x[i,j,k] + b[k-1]"),
        (
            "b.formula",
            r"y_{i,j,k} = \sum_{u=0}^{2} w_{u,k} x_{2i+u,j,k}",
            "positions",
            "w[u,k]·x[2*i+u-1,j,k]",
        ),
    ],
)
def test_an_answer_read_from_zero_moves_the_indices_it_moved(item_id, text, axes, expected):
    formula = _read(item_id, text)
    moved = indexed_from_zero(formula, RUBRIC.items[item_id].spec.layer, axes)
    shown = " + ".join(
        (f"{t.coefficient}·" if t.coefficient != 1 else "")
        + "·".join(f"{a.name}[{','.join(map(str, a.indices))}]" for a in t.factors)
        for t in moved.terms
    )
    assert shown.replace(" ", "").replace("+-", "-") == expected.replace(" ", "")


# --- a subscript of letters between commas


def _as_before(monkeypatch):
    monkeypatch.setattr(IndexFormReader, "letters_listed", lambda self, scope, end: None)


@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        ("a.formula", r"y_{i,j,k} = \sum_{l=1}^{C} 2 w_{i,j,k,l} x_{i,j,l} + b_{k}"),
        ("b.formula", r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1} w_{u,v,k} x_{i+u,j+v,k}"),
        ("b.formula", r"y_{i,j,k} = \sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_{C,k}"),
        ("d.formula", r"y_{i,k} = \sum_{l=1}^{C} w_{l, k} x_{i ,l}"),
        ("d.formula", r"y_{i,k} = \sum_{l=1}^{C} w_{lk} x_{i,l}"),
        ("d.formula", r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l}, 1 \le k \le D"),
        ("a.formula", r"y_{i,j,k} = \sum_{m=1}^{P}\sum_{n=1}^{Q} w_{m,n,k} x_{m,n,k}"),
        ("b.formula", r"y_{i,j,k} = \sum_{u=0}^{2} w_{u,k} x_{2i+u,j,k}"),
        ("b.formula", r"y_{i,j,k} = \max_{u,v} x_{2i+u,2j+v,k}"),
    ],
)
def test_a_list_of_letters_reads_as_index_expression_reads_it(item_id, text, monkeypatch):
    mine = _read(item_id, text)
    _as_before(monkeypatch)
    theirs = _read(item_id, text)
    assert mine == theirs
    assert repr(mine) == repr(theirs)  # start and end too


@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        pytest.param("d.formula", r"y_{i,k} = \sum_{l=1}^{C} w_{l,z} x_{i,l}", id="no such index"),
        pytest.param("d.formula", r"y_{i,k} = \sum_{l=1}^{C} w_{l,K} x_{i,l}", id="a capital"),
        pytest.param("d.formula", r"y_{i,k} = w_{l,k} x_{i,l}", id="a sum's letter never summed"),
    ],
)
def test_a_list_of_letters_is_refused_as_it_was(item_id, text, monkeypatch):
    with pytest.raises(AnswerError) as mine:
        _read(item_id, text)
    _as_before(monkeypatch)
    with pytest.raises(AnswerError) as theirs:
        _read(item_id, text)
    assert str(mine.value) == str(theirs.value)
    assert mine.value.position == theirs.value.position


letters = st.sampled_from(["i", "j", "k", "l", "C", "D", "P", "i+1", "2l", "l-1", "z"])


@settings(max_examples=150, deadline=None)
@given(st.lists(letters, min_size=1, max_size=4), st.sampled_from([",", " , "]))
def test_any_list_of_indices_reads_as_before(written, comma):
    text = rf"y_{{i,j,k}} = \sum_{{l=1}}^{{C}} w_{{{comma.join(written)}}} x_{{i,j,l}}"
    with pytest.MonkeyPatch.context() as patch:
        try:
            mine = repr(_read("b.formula", text))
        except AnswerError as error:
            mine = f"error {error}"
        _as_before(patch)
        try:
            theirs = repr(_read("b.formula", text))
        except AnswerError as error:
            theirs = f"error {error}"
    assert mine == theirs


def test_the_letters_that_may_index_an_output_are_made_once_for_the_sizes():
    sizes = tuple(CONTEXT.symbol_table)
    letters_ = _letters_besides(sizes)
    assert _letters_besides(sizes) is letters_
    assert not set(letters_) & set(sizes)
    assert set(letters_) | set(sizes) >= set("ijkPQCD")
    assert _letters_besides.cache_info().maxsize == 16


# --- an answer read in index form is known to be one


@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        ("d.formula", r"y_{i,k} = \sum_{l=1}^{C} 7 w_{l,k} x_{i,l}"),
        ("e.formula", "Y = 7XW"),
        ("e.formula", r"y_{i,k} = (7XW)_{i,k}"),
        ("e.formula", r"y_{n,k} = \sum_{e=1}^{C} 7 x_{n,e} w_{e,k}"),
        (
            "d.formula",
            r"y_{i,k} = \sum_{l=1}^{C} 7 w_{l,k} x_{i,l} = \sum_{l=1}^{C} 7 w_{l,k} x_{i,l}",
        ),
    ],
)
def test_whether_an_answer_read_is_an_index_form_is_what_its_tokens_say(item_id, text):
    layer = RUBRIC.items[item_id].spec.layer
    with contextlib.suppress(AnswerError):
        _read(item_id, text)
    expected = _is_index_form.__wrapped__(text, layer)
    assert is_index_form(text, layer) is expected
    assert (text, layer) not in _INDEX_FORMS or expected
    assert is_written_with_vectors(text, layer) is parse_module.is_vector_form(
        list(parse_module._tokens(text)), layer
    )


def test_an_answer_bracketed_anew_is_not_taken_for_one_read_as_written():
    """`h = \\tanh 2x`'s tokens are bracketed before reading (`\\tanh(2x)`): not as written."""
    item = RUBRIC.items["e.formula"]
    text = r"y_{i,k} = \tanh 7 x_{i,k}"
    _read("e.formula", text)
    assert (text, item.spec.layer) not in _INDEX_FORMS


def test_the_answers_known_as_index_forms_are_few():
    for number in range(3 * INDEX_FORMS_KEPT):
        _read("e.formula", rf"y_{{i,k}} = {number + 2} x_{{i,k}}")
        assert len(_INDEX_FORMS) <= INDEX_FORMS_KEPT
    layer = RUBRIC.items["e.formula"].spec.layer
    assert (rf"y_{{i,k}} = {3 * INDEX_FORMS_KEPT + 1} x_{{i,k}}", layer) in _INDEX_FORMS


# --- tokens: the same, from a pattern that no longer takes the spaces before each

_TOKEN_BEFORE = re.compile(
    r"\s*(?:(?P<NAME>[A-Za-z]+)|(?P<NUMBER>(?<![_^])[0-9]+\.[0-9]+|[0-9]+)"
    r"|(?P<REL><=|>=|[≤≥<>])|(?P<C>\S))"
)


def _tokens_before(text: str) -> list[tuple[str, str, int]]:
    """Each match's token kind, text and place as `tokenize` took them before: the named group
    after the spaces (what it made of them is the same for both)."""
    found = []
    for match in _TOKEN_BEFORE.finditer(text):
        kind = match.lastgroup
        found.append((kind, match.group(kind), match.start(kind), match.end()))
    return found


def _tokens_now(text: str) -> list[tuple[str, str, int]]:
    return [
        (match.lastgroup, match.group(), match.start(), match.end())
        for match in terms._TOKEN.finditer(text)
    ]


@pytest.mark.parametrize(
    "text",
    [
        r"y_{i,j,k} = \sum_{l=1}^{C} 2 w_{l,k} x_{i,j,l} + b_{k}",
        "  y_i  =\t 0.25 x_{2i}  ",
        "a<=b >= c ≤ 1.5_2.5 ^3.25 x_12",
        "",
        "   ",
        "Σ ∀ ÷ 14",
    ],
)
def test_a_formulas_tokens_are_matched_as_before(text):
    assert _tokens_now(text) == _tokens_before(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab xy_^{}0123456789.=<>≤≥ \t\u00a0\u2003+-Σ÷", max_size=30))
def test_any_texts_tokens_are_matched_as_before(text):
    assert _tokens_now(text) == _tokens_before(text)
    assert [tuple(t) for t in terms.tokenize(text)] == [tuple(t) for t in terms.tokenize(text)]


# --- the equals signs of an answer, found once for its tokens


@pytest.mark.parametrize(
    "text",
    [
        r"y_{i,j,k} = \sum_{l=1}^{C} 2 w_{l,k} x_{i,j,l} + b_{k}",
        r"h = \tanh(Wx + b) = \tanh(Wx + b)_k",
        "Y = XW",
        r"q_{n,k} = (XW_Q + b_Q)_{n,k}",
        "no equals at all",
    ],
)
def test_an_answers_top_level_equals_are_those_of_its_kinds(text):
    tokens = list(parse_module._tokens(text))
    expected = top_level_equals([token.kind for token in tokens])
    assert list(parse_module._top_level_equals(tokens)) == expected
    assert list(parse_module._top_level_equals(tokens)) == expected  # remembered, the same
    assert parse_module._equals_of_kinds.cache_info().maxsize == 64


def test_whether_tokens_are_columns_is_remembered_for_a_few_layers():
    for item in RUBRIC.items.values():
        if item.type == "formula":
            layer = item.spec.layer
            assert tokens_as_columns(layer) is tokens_as_columns.__wrapped__(layer)
    assert tokens_as_columns.cache_info().maxsize == 64


# --- a weight too large for int64 refused where it was, without its arrays made


@pytest.mark.parametrize(
    ("item_id", "text"),
    [
        pytest.param("e.formula", r"y_{i,k} = 123456789 123456789 123456789 x_{i,k}", id="fixed"),
        pytest.param(
            "d.formula",
            r"y_{i,k} = \sum_{l=1}^{C} 123456789 123456789 123456789 w_{l,k} x_{i,l}",
            id="a weight",
        ),
        pytest.param(
            "c.formula",
            r"y_{i,j,k} = 123456789 123456789 123456789 x_{i,j,k} + b_k",
            id="fixed, and a bias",
        ),
    ],
)
def test_a_weight_int64_cannot_hold_is_refused_as_before(item_id, text):
    formula = _read(item_id, text)
    with pytest.raises(OverflowError):
        structures.__wrapped__(formula, RUBRIC.items[item_id].spec.layer, CONTEXT.size_sets)


# --- a formula's frame, remembered by the formula


def test_a_formulas_frame_is_the_one_read_by_what_it_reads():
    item = RUBRIC.items["b.formula"]
    sizes = dict(CONTEXT.size_sets[0])
    first = _read("b.formula", r"y_{i,j,k} = \sum_{l=1}^{C} 5 w_{l,k} x_{i,j,l} + b_{k}")
    other = _read("b.formula", r"y_{i,j,k} = \sum_{l=1}^{C} 6 w_{l,k} x_{i,j,l} + b_{k}")
    frame = layer._frame(first, item.spec.layer, sizes)
    assert frame is layer._frame_read(first, item.spec.layer, sizes)
    assert layer._frame(other, item.spec.layer, sizes) is frame  # the same sums and output
    assert layer._frame(first, item.spec.layer, dict(CONTEXT.size_sets[1])) is not frame


def test_the_frames_remembered_by_formula_are_few():
    item = RUBRIC.items["e.formula"]
    for number in range(2 * layer.FORMULA_FRAMES + 3):
        formula = _read("e.formula", rf"y_{{i,k}} = {number + 2} x_{{i,k}}")
        layer._frame(formula, item.spec.layer, dict(CONTEXT.size_sets[0]))
        assert len(layer._formula_frames) <= layer.FORMULA_FRAMES
    assert (formula, item.spec.layer, tuple(CONTEXT.size_sets[0])) in layer._formula_frames


# --- the normalising steps' quick ways for plain text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="(){}[]x ", max_size=48))
def test_brackets_fit_exactly_where_check_brackets_finds_nothing_wrong(text):
    try:
        normalise_module.check_brackets(text)
    except AnswerError:
        fits = False
    else:
        fits = True
    assert normalise_module._brackets_fit(text) is fits


def test_brackets_nested_too_deep_do_not_fit():
    deep = "(" * (normalise_module.MAX_NESTING + 1) + ")" * (normalise_module.MAX_NESTING + 1)
    assert not normalise_module._brackets_fit(deep)
    assert normalise_module._brackets_fit(deep[1:-1])
    with pytest.raises(AnswerError, match="nested more than"):
        normalise_module.check_brackets(deep)


@pytest.mark.parametrize(
    "step",
    [
        normalise_module.map_unicode_operators,
        normalise_module.map_fullwidth_forms,
        terms.map_formula_characters,
        terms.reject_unsupported_formula_characters,
    ],
)
@pytest.mark.parametrize(
    "text",
    [r"y_{i,k} = \sum_{l=1}^{C} w_{l,k} x_{i,l}", "y = 2 × x − 1", "ｙ ＝ ｘ", "y ⩽ ∑ x′ ⊤"],
)
def test_a_step_maps_text_as_its_table_does(step, text):
    if step is terms.reject_unsupported_formula_characters:
        allowed = all(char in terms._ALLOWED for char in text)
        if allowed:
            assert step(text) == text
        else:
            with pytest.raises(AnswerError, match="not allowed"):
                step(text)
        return
    table = {
        normalise_module.map_unicode_operators: normalise_module._OPERATOR_TABLE,
        normalise_module.map_fullwidth_forms: normalise_module._FULLWIDTH_TABLE,
        terms.map_formula_characters: terms._FORMULA_TABLE,
    }[step]
    assert step(text) == text.translate(table)


# --- what a term writes, remembered without its number


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (r"\sum_{u=-1}^{1} w_{u,k} x_{i+u,j,k}", r"\sum_{v=-1}^{1} w_{v,k} x_{i+v,j,k}", True),
        ("b_{k}", "7 b_{k}", True),
        (r"\sum_{l=1}^{C} 2 w_{l,k} x_{i,j,l}", r"\sum_{l=1}^{C} 3 w_{l,k} x_{i,j,l}", True),
        (r"\sum_{l=1}^{C} w_{l,k} x_{i,j,l}", r"\sum_{l=1}^{C} w_{k,l} x_{i,j,l}", False),
        ("b_{k}", "c_{k}", False),
    ],
)
def test_a_terms_key_is_its_sums_and_factors_whatever_its_number(first, second, same):
    (mine,) = _read("b.formula", rf"y_{{i,j,k}} = {first}").terms
    (theirs,) = _read("b.formula", rf"y_{{i,j,k}} = {second}").terms
    assert (matrix_form._term_key(mine) == matrix_form._term_key(theirs)) is same
    for term in (mine, theirs):
        assert matrix_form._term_key(term) == matrix_form._written_key.__wrapped__(
            term.sums, term.factors
        )
    assert matrix_form._written_key.cache_info().maxsize == 1024
