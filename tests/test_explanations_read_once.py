"""What a sentence's text alone gives is worked out once for every answer that writes it (issue
20): a sentence read in one answer, at one place, finds in another what it finds read anew; and
the patterns looked for in a sentence are only those each of whose groups has a word in it,
which are all those `find` can match."""

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.kinds.text import concepts as text_concepts
from grader.kinds.text.concepts import (
    _FUNCTION_WORDS,
    _PLACED_WORDS,
    _SHAPES,
    _SHAPES_TEXT,
    Concept,
    Match,
    Pattern,
    Sentence,
    _forget_shapes,
    _may_match,
    _negated,
    _pairs_as,
    _referring_back,
    _Shape,
    _shapes,
    _unread_pair,
    check_text,
    crossed_pairs,
    find,
    looks_like_keywords,
    other_language,
    read_pairs,
    sentences,
)
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[1]
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
ITEM = RUBRIC.items["e.explanation"]
CONCEPTS = ITEM.spec.concepts

# Sentences of the kinds the concepts read: plain, negated, denied, asked, reported, limited,
# referring back, pairings the right and the wrong way round, maths, a short denial
SENTENCES = [
    "A 1x1 convolution applies the same weights at every position",
    "It is a position-wise linear layer",
    "Pixels play the role of tokens and channels the embedding",
    "Channels play the role of tokens",
    "Attention mixes all positions with data-dependent weights, while a convolution uses "
    "fixed local weights",
    "It is false that attention uses fixed weights",
    "The attention weights are not learned",
    "They are computed from the queries and keys",
    "In a Transformer the value projection V = XW_V is this layer",
    "No",
    "Is that not the same matrix at every pixel",
    "Someone might say a CNN attends to all tokens",
    "Only one pixel uses the shared weights",
    "Not learned but computed: the attention weights",
    "Tokens: pixels",
    "The weights only act on the channels, and are shared by all tokens",
    "Wrong",
]
SEPARATORS = [". ", "? ", "; ", "\n\n", ", and ", " - "]


def _written(pieces: list[str], separators: list[str], most: int) -> st.SearchStrategy[str]:
    """Answers of 1 to `most` of `pieces`, each followed by one of `separators`."""
    return st.lists(
        st.tuples(st.sampled_from(pieces), st.sampled_from(separators)), min_size=1, max_size=most
    ).map(lambda parts: "".join(piece + separator for piece, separator in parts))


answers = _written(SENTENCES, SEPARATORS, 5)


def _forget_readings() -> None:
    _forget_shapes()
    for memo in (sentences, _referring_back, text_concepts.looks_like_keywords):
        memo.cache_clear()


def _read_as_two_answers(answer: str) -> tuple:
    """The answer's sentences, read as if two answers wrote them (each text is kept from the
    second time it is read, see `_shape`): those of the second, whose texts are kept."""
    for memo in (sentences, _referring_back, text_concepts.looks_like_keywords):
        memo.cache_clear()
    sentences(answer)
    sentences.cache_clear()
    return sentences(answer)


def _check_read_as_two_answers(answer: str) -> None:
    """Check the answer as if two answers wrote it, so that what it finds is kept."""
    _read_as_two_answers(answer)
    check_text(CONCEPTS, ITEM.marks, answer)


def _check_each_sentence_anew(answer: str):
    """The check with every sentence read on its own: nothing kept from another answer."""
    _forget_readings()
    with pytest.MonkeyPatch.context() as patch:
        # a shape of its own for each sentence, keeping nothing
        patch.setattr(text_concepts, "_shape", lambda piece: _Shape(piece, kept=False))
        found = check_text(CONCEPTS, ITEM.marks, answer)
    _forget_readings()
    return found


@pytest.mark.parametrize(
    ("earlier", "answer"),
    [
        # the same sentence first, then after another
        (
            "A 1x1 convolution applies the same weights at every position.",
            "It is cheap. A 1x1 convolution applies the same weights at every position.",
        ),
        # a sentence asked in one answer, stated in the other
        (
            "Is that not the same matrix at every pixel? No.",
            "Is that not the same matrix at every pixel. No.",
        ),
        # a sentence read after a short denial in one answer, alone or after another in the other
        ("The attention weights are not learned. No.", "The attention weights are not learned."),
        (
            "Attention mixes all positions with data-dependent weights. No.",
            "Attention mixes all positions with data-dependent weights. Wrong.",
        ),
        # the same words asked in one answer, stated in the other
        (
            "Attention mixes all positions with data-dependent weights?",
            "Attention mixes all positions with data-dependent weights.",
        ),
        # a sentence that refers back, after two different subjects
        (
            "The attention weights are not learned. They are computed from the queries and keys.",
            "A convolution is local. They are computed from the queries and keys.",
        ),
        # maths where it stands in each answer
        (
            "In a Transformer the value projection V = XW_V is this layer.",
            "Pixels are tokens. In a Transformer the value projection V = XW_V is this layer.",
        ),
    ],
)
def test_a_sentence_read_in_one_answer_finds_in_another_what_it_finds_read_anew(earlier, answer):
    expected = _check_each_sentence_anew(answer)
    _check_read_as_two_answers(earlier)
    assert check_text(CONCEPTS, ITEM.marks, answer) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "A 1x1 convolution applies the same weights at every position.",
        "The value projection is V = XW_V.",  # a quote reaching to the end of its maths
        "Convolution mixes all tokens with data-dependent weights.",  # a contradiction
        "A CNN attends to all tokens, whereas attention uses a local window.",  # said of another
        "Both CNNs and attention mix positions with data-dependent weights.",  # joined
        "Both the 1x1 and 3x3 convolutions use the same weights at every pixel.",  # with its own
        "The same weights are not used at every position.",  # negated
        "Channels play the role of tokens.",  # a crossed pair
        "Channels do not play the role of tokens.",  # negated
        "Attention mixes all positions with data-dependent weights, while a convolution uses "
        "fixed local weights.",
    ],
)
def test_a_match_read_in_one_answer_is_placed_where_its_sentence_stands_in_another(sentence):
    answer = "This is what I think. " + sentence
    expected = _check_each_sentence_anew(answer)
    _check_read_as_two_answers("Yes. " + sentence)
    assert check_text(CONCEPTS, ITEM.marks, answer) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The value projection is V = XW_V",
        "A CNN attends to all tokens, whereas attention uses a local window",
        "The attention weights are not learned",
    ],
)
def test_a_match_read_at_the_same_place_in_another_answer_is_that_answers(sentence):
    """The same text at the same place has the same words (see `_Shape.placed`): its matches
    are taken as found, whatever follows."""
    answer = f"Yes. {sentence}. The kernel is small."
    expected = _check_each_sentence_anew(answer)
    _check_read_as_two_answers(f"Yes. {sentence}? No.")
    _check_read_as_two_answers(f"Yes. {sentence}.")
    assert check_text(CONCEPTS, ITEM.marks, answer) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(answers, min_size=2, max_size=4))
def test_answers_that_share_sentences_are_checked_as_each_read_anew(class_answers):
    expected = [_check_each_sentence_anew(answer) for answer in class_answers]
    for _ in range(2):  # the second time, every text read before is kept
        for memo in (sentences, _referring_back, text_concepts.looks_like_keywords):
            memo.cache_clear()
        assert [check_text(CONCEPTS, ITEM.marks, answer) for answer in class_answers] == expected


_KEPT = [
    "spread",
    "quantified",
    "carried",
    "walls",
    "negation_before",
    "negation_after",
    "limit_before",
    "clause_starts",
    "compared",
    "attributions",
    "short_denial",
    "maths",
    "denials",
    "asked",
]


@settings(max_examples=60, deadline=None)
@given(answers, answers)
@example(  # a denial, a maths term and a question, each read first at another place
    "Yes. It is false that attention uses fixed weights. V = XW_V? ",
    "Not at all. It is false that attention uses fixed weights. V = XW_V? ",
)
def test_what_a_sentence_keeps_of_its_text_is_what_it_reads_alone(earlier, answer):
    """Each reading kept for a text (see `_Kept`) is that of the same words read alone, maths
    where it stands in this answer."""
    for sentence in _read_as_two_answers(earlier):  # read first where it stands elsewhere
        for name in _KEPT:
            getattr(sentence, name)
    for sentence in sentences(answer):
        assert all(answer[word.start : word.end] == word.text for word in sentence)
        alone = Sentence(list(sentence), sentence.text)
        alone.question = sentence.question  # as `sentences` sets it
        for name in _KEPT:
            assert getattr(sentence, name) == getattr(alone, name), name


def _readings(answer: str) -> list[Sentence]:
    """The answer's sentences and those read with the subject of the sentence before."""
    return [*sentences(answer), *(reading for reading, _ in _referring_back(answer))]


@settings(max_examples=60, deadline=None)
@given(answers)
def test_the_patterns_looked_for_in_a_sentence_are_all_those_it_may_match(answer):
    for sentence in _readings(answer):
        alone = Sentence(list(sentence), sentence.text)  # nothing read
        alone.offset = sentence.offset
        for concept in CONCEPTS:
            for patterns in (concept.evidence, concept.contradictions):
                looked_for = _may_match(patterns, sentence)
                for pattern in patterns:
                    assert (pattern in looked_for) is not alone.lacks(pattern.groups)
                    if pattern not in looked_for:
                        assert find(pattern, alone, concept.pairings, concept.roles) is None


SHARED = Concept(
    "shared",
    1.0,
    "",
    (Pattern.compile("same|shared weight*"), Pattern.compile("1/k^2 parameter*")),
    (Pattern.compile("different weight*"), Pattern.compile("token* ~ pixel*")),
    1,
)


@pytest.mark.parametrize(
    ("answer", "looked_for"),
    [
        ("The same weights.", ["same|shared weight*"]),  # the groups of one pattern, no more
        ("The same weights, different weights.", ["same|shared weight*", "different weight*"]),
        ("It needs 1/K^2 of the parameters.", ["1/k^2 parameter*"]),
        ("It needs 1/D of the parameters.", []),
        ("Pixels play the role of tokens.", ["token* ~ pixel*"]),
        ("Pixels play the role of words.", []),
        ("Nothing here.", []),
    ],
)
def test_the_patterns_looked_for_are_those_each_of_whose_groups_has_a_word(answer, looked_for):
    (sentence,) = sentences(answer)
    found = [
        pattern.text
        for patterns in (SHARED.evidence, SHARED.contradictions)
        for pattern in _may_match(patterns, sentence)
    ]
    assert found == looked_for
    for pattern in (*SHARED.evidence, *SHARED.contradictions):
        if pattern.text not in looked_for:
            assert find(pattern, Sentence(list(sentence), sentence.text)) is None


def test_the_texts_kept_and_the_places_of_their_words_are_bounded():
    _forget_shapes()
    for number in range(_SHAPES + 10):
        for _ in range(2):  # a text is kept from the second time it is read
            sentences.__wrapped__(f"The same weights {number} are used at every position.")
    assert 0 < len(_shapes) <= _SHAPES
    text = " The same weights are used at every position"
    for number in range(1, 100):
        answer = "x" * number + "." + text + "."
        assert sentences(answer)[-1] == sentences.__wrapped__(answer)[-1]
    shape = _shapes[text]
    assert 0 < len(shape.places) * len(shape.words) <= _PLACED_WORDS
    _forget_readings()


def test_the_texts_kept_are_bounded_by_their_length_too():
    _forget_shapes()
    long = "The same weights are used at every position, " * (_SHAPES_TEXT // 200)
    for number in range(10):
        for _ in range(2):
            sentences.__wrapped__(f"{number} {long}.")
    assert 0 < len(_shapes) < 10
    assert _shapes.size <= _SHAPES_TEXT
    _forget_readings()


@pytest.mark.parametrize("times", [1, 2, 3])
def test_a_text_is_kept_from_the_second_time_it_is_read(times):
    _forget_readings()
    for _ in range(times):
        (sentence,) = sentences.__wrapped__("The same weights are used at every position.")
    assert sentence.kept.shared is (times > 1)
    assert ("The same weights are used at every position" in _shapes) is (times > 1)
    _forget_readings()


def _keywords_read_word_by_word(answer: str) -> bool:
    """`looks_like_keywords` as it read the words one by one (before issue 20's memos)."""
    words = [w for s in sentences(answer) for w in s]
    if len(words) < 4:
        return False
    items: dict[tuple[int, int], int] = {}
    for number, sentence in enumerate(sentences(answer)):
        for word in sentence:
            items[number, word.clause] = items.get((number, word.clause), 0) + 1
    if len(items) >= 4 and max(items.values()) <= 2:
        return True
    return sum(1 for w in words if w.text.lower() in _FUNCTION_WORDS) / len(words) < 0.08


KEYWORDS = ["Tokens", "same weights", "shared", "attention", "the", "of the", "computed data"]
keyword_answers = _written(KEYWORDS + SENTENCES, [", ", ". ", "; ", " "], 8)


@settings(max_examples=100, deadline=None)
@given(keyword_answers)
@example("Tokens, same weights, shared, attention.")
@example("Tokens, same weights, shared.")
def test_a_list_of_keywords_is_told_from_sentences_as_read_word_by_word(answer):
    assert looks_like_keywords.__wrapped__(answer) is _keywords_read_word_by_word(answer)


PAIRED = [
    "Tokens: pixels",
    "Channels play the role of tokens",
    "Channels do not play the role of tokens",
    "pixels are like channels",
    "token pixel channel embedding",
    "Tokens and pixels, channels and embeddings: the same roles",
    "Pixels and tokens, the channel dimension",
    "Channels: tokens",
    "The weights are shared",
    "embedding channels",
]
paired_answers = _written(PAIRED, [". ", ", ", " ", "\n\n"], 4)


@settings(max_examples=80, deadline=None)
@given(paired_answers)
@example("Tokens and pixels, channels and embeddings: the same roles.")
def test_an_unread_pair_is_looked_for_only_among_the_words_of_pairings(answer):
    """`_unread_pair` looks at two words only where both are words of pairings: it finds what
    it finds looking at every two words."""
    pairings = CONCEPTS[1].pairings
    found = _unread_pair(pairings, answer)
    with pytest.MonkeyPatch.context() as patch:  # every word a word of some pairing
        patch.setattr(
            text_concepts,
            "_sides",
            lambda pairings, sentence: [frozenset({(0, 0)})] * len(sentence),
        )
        assert _unread_pair(pairings, answer) == found
    assert _unread_pair((), answer) is None


@pytest.mark.parametrize(
    ("answer", "other"),
    [
        ("el la los", True),
        ("el la los the a", True),
        ("el la los the a of", False),  # as many English words
        ("el la the", False),  # two are too few, whatever else
        ("абвгдежзийклмнопрст", False),  # 19 letters: too few to judge the alphabet
        ("абвгдежзийклмнопрсту", True),
        ("абвгдежзийклмнопрсту abcdefghijklmnopqrstu", False),  # half of them Latin
        ("el la", False),
        ("The same weights are used at every position.", False),  # ASCII: all of it Latin
    ],
)
def test_three_words_of_other_languages_outnumbering_the_english_ones_are_another_language(
    answer, other
):
    assert (other_language(answer) is not None) is other


def test_the_matches_kept_per_text_are_bounded_and_forgetting_them_changes_nothing():
    answer = "This is what I think. A 1x1 convolution applies the same weights at every position."
    expected = _check_each_sentence_anew(answer)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_concepts, "_FOUND_MEMO", 2)
        for earlier in ("Yes. ", "No doubt. ", "Yes. "):
            _check_read_as_two_answers(earlier + answer.split(". ")[1])
        assert check_text(CONCEPTS, ITEM.marks, answer) == expected
        assert 0 < len(sentences(answer)[1].kept.found) <= 2
    _forget_readings()


def _crossed_read_anew(pairings, answer: str) -> list[Match]:
    """`crossed_pairs` as it read each sentence's pairs anew (before issue 20's memos)."""
    return [
        Match(f"{a.text} ~ {b.text}", (a, b), _negated(sentence, [a, b]), crossed=True)
        for sentence in sentences(answer)
        for a, b in read_pairs(pairings, list(sentence))
        if not any(_pairs_as(p, (a, b)) for p in pairings)
    ]


@settings(max_examples=80, deadline=None)
@given(paired_answers, paired_answers)
@example(
    "Yes. Channels play the role of tokens.", "No way. Channels do not play the role of tokens."
)
def test_crossed_pairs_are_those_read_anew(earlier, answer):
    pairings = CONCEPTS[1].pairings
    _read_as_two_answers(earlier)  # its texts kept, then their crossed pairs
    crossed_pairs(pairings, earlier)
    assert crossed_pairs(pairings, answer) == _crossed_read_anew(pairings, answer)
