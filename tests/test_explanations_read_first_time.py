"""A sentence read for the first time (issue 20: a class whose students write their own
sentences) is checked with less work, and finds what the long way finds: maths looked for only
in a text with a character that may be maths, windows tried only where they may differ, and the
patterns looked for told by the groups a sentence was read with and without words."""

from bisect import bisect_left, bisect_right
from math import ceil
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.kinds.text import concepts as text_concepts
from grader.kinds.text import maths
from grader.kinds.text.concepts import (
    _LATER,
    WINDOW,
    Sentence,
    _crossed_in,
    _forget_shapes,
    _index,
    _may_match,
    _possible,
    _read_pairs,
    _referring_back,
    _said,
    _windows,
    check_text,
    sentences,
)
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[1]
CONCEPTS = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml").items["e.explanation"].spec.concepts
# Sentences a class writes anew: each concept's words, maths, roles, pairings, a reference back
_SENTENCES = [
    "A 1x1 convolution is a position-wise linear layer with  one shared  matrix W",
    "Pixels play the role of tokens, channels that of the embedding",
    "In a Transformer, V = XW_V and the feed-forward layers are the same",
    "Attention mixes all tokens with data-dependent weights; a CNN uses fixed local ones",
    "They are not learned",
    "A convolution's weights depend on the input",
    "Attention weights every token equally",
    "Nothing here",
    # words the readings of a sentence look for: denials, reports, limits, quantities, names
    "It is false that only one W_Q is used; the same number of weights, unlike attention",
    "Someone might say channels are tokens and pixels the embedding, which is not so",
    "Compared with a CNN, which is not global, attention does not mix (not only) positions",
]
answers = st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=4).map(". ".join)

# Pieces of maths and of prose, hyphens beside words short and long, and characters that are
# no maths: the maths reader's whole alphabet, in the shapes that meet its rules
_PIECES = [
    *["1/D", "1/K^2", "K²", "XW_Q", "W_V", "(K^2+D)", "\\frac{1}{D}", "C \\times D", "C·D"],
    *["3x3", "D", "K", "PQ", "a", "A", "I", "1", "12"],
    *["data-dependent", "token-wise", "per-position", "feed-forward", "x-y", "K-D", "tokens-"],
    *["-wise", "abcde-", "abcd-efgh", "K - the kernel", "1/D - 1/K^2", "K^2 - 1", "−", "-"],
    *["weights", "shared", "position", "the", "of", "é", "é-é", "=", ",", ";", "(", ")", "{"],
    *["+", "*", "**", "^", "/", "_", "\\cdot", "\\alpha", "\\-", "\\", "²", "³", "×", "⋅"],
]
_GLUES = ["", " ", "  ", "-", ", ", "\n"]
texts = st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GLUES)), max_size=8).map(
    lambda parts: "".join(piece + glue for piece, glue in parts)
)


@settings(max_examples=400, deadline=None)
@given(texts)
@example("The weights are data-dependent and token-wise.")
@example("A K-D split.")
@example("abcd-efgh")
@example("tokens-K")
@example("\\alpha-beta")
def test_a_text_without_a_character_that_may_be_maths_has_none(text):
    """`forms` skips a text with no character that may be maths (`_MAY_BE_MATHS`): it finds
    what the reader finds in it."""
    assert maths.forms(text) == maths._read_forms(text)
    if maths._MAY_BE_MATHS.search(text) is None:
        assert maths._read_forms(text) == ()


def _windows_everywhere(places, spread):
    """`_windows` the long way: every word tried as a start and as an end."""
    length = len(spread)

    def span(first, last):
        return spread[ceil(last)] - spread[ceil(first)]

    for start in range(length):
        chosen = []
        for indexes in places:
            at = bisect_left(indexes, start)
            if at == len(indexes) or span(start, indexes[at]) >= WINDOW:
                break
            chosen.append(indexes[at])
        else:
            yield chosen
    yield _LATER
    for end in range(length):
        chosen = []
        for indexes in places:
            at = bisect_right(indexes, end) - 1
            if at < 0 or span(indexes[at], end) >= WINDOW:
                break
            chosen.append(indexes[at])
        else:
            yield chosen


def _once_each_in_turn(windows) -> list:
    """The windows, each as often as it comes anew (the same window just after itself left
    out)."""
    found = []
    for window in windows:
        if not found or window != found[-1] or window is _LATER:
            found.append(window)
    return found


@st.composite
def places_and_spread(draw):
    """Word places of one to four groups in a sentence of up to 40 words (an index, or, for a
    carried subject, a place between two, as `find` makes them), and how the words count."""
    length = draw(st.integers(1, 40))
    steps = draw(st.lists(st.integers(0, 2), min_size=length, max_size=length))
    spread = [sum(steps[: at + 1]) for at in range(length)]
    place = st.one_of(
        st.integers(0, length - 1),
        st.tuples(st.integers(0, length - 1), st.sampled_from([0.25, 0.5, 0.75])).map(
            lambda start_and_part: start_and_part[0] - 1 + start_and_part[1]
        ),
    )
    places = draw(st.lists(st.lists(place, max_size=6).map(sorted), min_size=1, max_size=4))
    return places, tuple(spread)


@settings(max_examples=500, deadline=None)
@given(places_and_spread())
@example(([[0, 30], [1]], tuple(range(31))))
@example(([[-0.5, 2], [0]], (1, 1, 2)))
def test_the_windows_tried_are_every_window_in_turn(places_and_spread):
    """`_windows` leaves out only the same window again: `find`, which keeps the first of each,
    tries the same windows in the same order."""
    places, spread = places_and_spread
    expected = _once_each_in_turn(_windows_everywhere(places, spread))
    assert _once_each_in_turn(_windows(places, spread)) == expected


@settings(max_examples=80, deadline=None)
@given(answers)
def test_a_sentence_read_for_a_rubric_may_match_what_it_lacks_no_word_of(answer):
    """What `read` finds of each group, with and without words, tells the patterns that may
    match as `lacks` does with a look at every group's places."""
    index = _index(CONCEPTS)
    for sentence in sentences(answer):
        sentence.read(index)
        alone = Sentence(list(sentence), sentence.text)  # nothing read
        alone.offset = sentence.offset
        for concept in CONCEPTS:
            for pattern in (*concept.evidence, *concept.contradictions):
                assert sentence.may_match(pattern) is not alone.lacks(pattern.groups)


def test_a_sentence_read_for_two_sets_of_concepts_may_match_as_it_lacks():
    """Sentences read for one concept, then for all: what `read` kept for the first tells
    nothing wrong of the others' groups."""
    answer = "The same weights are used at every pixel. Attention mixes all tokens."
    for sentence in sentences(answer):
        sentence.read(_index(CONCEPTS[:1]))
        sentence.read(_index(CONCEPTS))
        alone = Sentence(list(sentence), sentence.text)
        for concept in CONCEPTS:
            for pattern in (*concept.evidence, *concept.contradictions):
                assert sentence.may_match(pattern) is not alone.lacks(pattern.groups)


_GUARDED = [
    "spread",
    "quantified",
    "negation_before",
    "negation_after",
    "limit_before",
    "compared",
    "attributions",
    "denials",
    "_maths_in_text",
]


def _read_without_guards(sentence: Sentence) -> dict:
    """The sentence's guarded readings worked out word by word, as if every word a reading
    looks for might be in it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sentence, "_may_say", lambda self, words: True)
        patch.setattr(Sentence, "_may_negate", lambda self, verbal=False: True)
        patch.setattr(Sentence, "_may_name", lambda self: True)
        patch.setattr(maths, "_MAY_BE_MATHS", maths.re.compile(""))
        alone = Sentence(list(sentence), sentence.text)
        alone.offset = sentence.offset
        return {name: getattr(alone, name) for name in _GUARDED}


@settings(max_examples=80, deadline=None)
@given(answers)
def test_a_reading_skipped_for_want_of_its_words_is_what_it_would_read(answer):
    """A sentence with none of the words a reading looks for (a negation, "only", a denial, a
    quantity, "unlike", a name with "_", maths) skips it: it reads what the word-by-word
    reading finds, nothing."""
    for sentence in [*sentences(answer), *(reading for reading, _ in _referring_back(answer))]:
        alone = Sentence(list(sentence), sentence.text)
        alone.offset = sentence.offset
        assert {name: getattr(alone, name) for name in _GUARDED} == _read_without_guards(sentence)


@settings(max_examples=80, deadline=None)
@given(answers)
def test_the_patterns_possible_in_an_answer_are_all_those_its_sentences_may_match(answer):
    """`_possible` leaves out only patterns no sentence (nor a sentence read with the subject
    of the one before) may match."""
    index = _index(CONCEPTS)
    read = sentences(answer)
    for sentence in read:
        sentence.read(index)
    said = _said(read)
    for sentence in [*read, *(reading for reading, _ in _referring_back(answer))]:
        for concept in CONCEPTS:
            for patterns in (concept.evidence, concept.contradictions):
                possible = _possible(patterns, said)
                alone = Sentence(list(sentence), sentence.text)
                alone.offset = sentence.offset
                may = tuple(p for p in patterns if not alone.lacks(p.groups))
                assert set(may) <= set(possible)
                assert _may_match(patterns, sentence, possible) == may


@settings(max_examples=80, deadline=None)
@given(answers)
def test_a_sentence_with_words_of_fewer_than_two_pairings_crosses_none_read_anew(answer):
    """`_crossed_in` skips a sentence with words of at most one pairing: read anew, its pairs
    are each joined by that pairing."""
    index = _index(CONCEPTS)
    (pairings,) = [concept.pairings for concept in CONCEPTS if concept.pairings]
    for sentence in sentences(answer):
        sentence.read(index)
        alone = Sentence(list(sentence), sentence.text)
        pairs = _read_pairs(pairings, alone)
        crossed = [
            pair for pair in pairs if not any(text_concepts._pairs_as(p, pair) for p in pairings)
        ]
        assert len(_crossed_in(pairings, sentence)) == len(crossed)


def test_an_answer_checked_for_two_rubrics_finds_for_each_what_it_finds_alone():
    """Sentences read for one set of concepts, then for another: the groups each says it has
    words of are the second's too."""
    answer = "Attention mixes all tokens. Pixels play the role of tokens; channels the embedding."
    expected = [check_text(CONCEPTS[:1], 1, answer), check_text(CONCEPTS, 3, answer)]
    _forget_shapes()
    sentences.cache_clear()
    for concepts in (CONCEPTS[2:], CONCEPTS[:1]):
        check_text(concepts, 1, answer)
    assert [check_text(CONCEPTS[:1], 1, answer), check_text(CONCEPTS, 3, answer)] == expected
