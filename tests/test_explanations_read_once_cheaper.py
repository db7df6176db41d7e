"""A sentence read once is checked with less work (issue 20, tonce2): the role each word fits
looked up once per sentence and roles, memos kept by the id of the roles or pairings they are
for, and words made without the frozen dataclass's `__init__`. Each finds what the long way
finds."""

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st
from test_explanations_read_first_time import CONCEPTS, answers

from grader.kinds.text import concepts as text_concepts
from grader.kinds.text.concepts import (
    _INDEXES,
    MATHS,
    Sentence,
    Word,
    _both,
    _fitting,
    _forget_shapes,
    _index,
    _made_word,
    _quoted,
    _read_subject,
    _role_fitting,
    _roles_of,
    _sides,
    _subject,
    read_pairs,
    sentences,
)

ROLES = [concept.roles for concept in CONCEPTS if concept.roles]
PAIRINGS = [concept.pairings for concept in CONCEPTS if concept.pairings]


def _anew(rows: tuple[tuple, ...]) -> tuple[tuple, ...]:
    """Equal roles or pairings, another object (a memo by id must not take one for the other)."""
    return tuple([*rows])


def _read_anew(sentence: Sentence) -> Sentence:
    """The same words as a sentence of its own, with no memo yet."""
    return Sentence(list(sentence), sentence.text)


@settings(max_examples=80, deadline=None)
@given(answers)
def test_the_role_each_word_fits_is_looked_up_once_as_word_by_word(answer):
    """`_fitting` gives each word's role as `_role_fitting` does, for the roles asked, for
    other roles asked after them, and for equal roles of another object."""
    _forget_shapes()
    for sentence in sentences(answer):
        for roles in [*ROLES, *map(_anew, ROLES), *(r[::-1] for r in ROLES)]:
            assert _fitting(sentence, roles) == tuple(_role_fitting(w, roles) for w in sentence)
        assert _fitting(sentence, ()) == (None,) * len(sentence)


@settings(max_examples=60, deadline=None)
@given(answers, st.data())
def test_a_memo_kept_by_id_answers_for_its_own_roles_or_pairings_only(answer, data):
    """The role words, words joined by "both", pairing sides and pairs a sentence keeps by the
    id of the roles or pairings are those a sentence of the same words reads anew, whichever
    roles or pairings were asked before (equal ones of another object among them)."""
    _forget_shapes()
    for sentence in sentences(answer):
        asked = data.draw(st.permutations([*ROLES, *map(_anew, ROLES), *(r[::-1] for r in ROLES)]))
        for roles in asked:
            fresh = _read_anew(sentence)
            assert _roles_of(sentence, roles) == _roles_of(fresh, roles)
            assert _both(sentence, roles) == _both(fresh, roles)
        for pairings in data.draw(st.permutations([*PAIRINGS, *map(_anew, PAIRINGS)])):
            fresh = _read_anew(sentence)
            assert _sides(pairings, sentence) == _sides(pairings, fresh)
            assert read_pairs(pairings, sentence) == read_pairs(pairings, fresh)


@settings(max_examples=60, deadline=None)
@given(answers, st.data())
def test_what_a_word_is_said_of_is_remembered_as_read_anew(answer, data):
    """`_subject` remembers, per text of sentence and role words, what `_read_subject` reads of
    each word: the same, asked in any order, for every concept's roles."""
    _forget_shapes()
    for sentence in sentences(answer):
        for roles in ROLES:
            role_of = _roles_of(sentence, roles)
            order = data.draw(st.permutations(range(len(sentence))))
            for index in [*order, *order]:
                assert _subject(sentence, index, role_of) == _read_subject(sentence, index, role_of)


GROUPS = sorted({g for c in CONCEPTS for p in (*c.evidence, *c.contradictions) for g in p.groups})


def _quoted_the_long_way(sentence: Sentence, group: tuple[str, ...], index: int) -> Word:
    """`_quoted` as it was: every alternative of the group asked whether it is maths."""
    word = sentence[index]
    for alternative in group:
        if alternative.startswith(MATHS) and index in sentence.maths.get(alternative, {}):
            start, end = sentence.maths[alternative][index]
            return Word(
                word.text, word.stem, min(start, word.start), max(end, word.end), word.clause,
                word.before, word.part,
            )  # fmt: skip
    return word


@settings(max_examples=60, deadline=None)
@given(answers)
def test_a_quoted_word_is_what_every_alternative_asked_gives(answer):
    """`_quoted` asks only a group's maths alternatives (`_maths_alternatives`): the word it
    quotes, reaching to the end of its maths or not, is the one every alternative gives."""
    _forget_shapes()
    for sentence in sentences(answer):
        for group in GROUPS:
            for index in range(len(sentence)):
                assert _quoted(sentence, group, index) == _quoted_the_long_way(
                    sentence, group, index
                )


words = st.tuples(
    st.text(min_size=1, max_size=8),
    st.text(max_size=8),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, 20),
    st.text(max_size=3),
    st.integers(0, 5),
)


@settings(max_examples=200, deadline=None)
@given(words)
def test_a_word_made_without_init_is_the_word_made_with_it(fields):
    """`_made_word` makes the value `Word(...)` makes: equal, with the same hash, repr, fields
    in the same order, frozen, and the same once pickled."""
    made, word = _made_word(*fields), Word(*fields)
    assert made == word and hash(made) == hash(word) and repr(made) == repr(word)
    assert list(vars(made).items()) == list(vars(word).items())
    assert pickle.loads(pickle.dumps(made)) == word
    assert pickle.dumps(made) == pickle.dumps(word)


def test_a_rubrics_index_is_kept_by_its_concepts_tuple_and_bounded():
    """`_index` keeps an `_Index` by the id of its concepts' tuple: the same tuple, the same
    index; an equal tuple of another object, an index of its own that reads the same groups;
    no more than `_INDEXES` kept."""
    kept = _index(CONCEPTS)
    assert _index(CONCEPTS) is kept
    other = _index(_anew(CONCEPTS))
    assert other is not kept and other.groups == kept.groups
    for size in range(2 * _INDEXES):
        _index(_anew(CONCEPTS[: size % len(CONCEPTS) + 1]))
    assert 0 < len(text_concepts._indexes) <= _INDEXES
