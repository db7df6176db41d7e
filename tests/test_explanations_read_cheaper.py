"""The shortcuts that make explanations cheaper to check (issue 20) find what the long way
finds: a pattern with a group of no word in the sentence matches nothing, whatever its kind
(plain, ordered, pairing), and a word's role is worked out per word and per set of roles."""

import pytest

from grader.kinds.text.concepts import (
    Concept,
    Pattern,
    _forget_shapes,
    _Index,
    _role_fitting,
    find,
    sentences,
)


@pytest.mark.parametrize(
    ("pattern", "answer", "matched"),
    [
        # plain: every group has a word, or one has none
        (
            "same|shared weight* position*",
            "The same weights are used at every position.",
            ("same", "weights", "position"),
        ),
        ("same|shared weight* position*", "The same weights are used everywhere.", None),
        # a prefix fits a word by its plain form ("shared*": "shared", not "shares")
        ("shared* weight*", "The weights are shared.", ("shared", "weights")),
        ("shared* weight*", "It shares its weights.", None),
        # ordered: both groups have words, in order or not, or one has none
        (
            "convolution* > depend*",
            "The convolution output depends on the input.",
            ("convolution", "depends"),
        ),
        ("convolution* > depend*", "What depends on the input is the convolution.", None),
        ("convolution* > depend*", "The convolution output is fixed.", None),
        # pairing: both sides stated as a pair, or a side with no word
        ("token* ~ pixel*", "Pixels play the role of tokens.", ("Pixels", "tokens")),
        ("token* ~ pixel*", "Pixels play the role of words.", None),
        ("token* ~ pixel*", "Tokens play the role of words.", None),
        # a maths alternative, present or not
        ("1/k^2 parameter*", "It needs 1/K^2 of the parameters.", ("1/K^2", "parameters")),
        ("1/k^2 parameter*", "It needs 1/D of the parameters.", None),
    ],
)
def test_a_pattern_with_a_group_of_no_word_in_the_sentence_matches_nothing(
    pattern, answer, matched
):
    found = find(Pattern.compile(pattern), sentences(answer)[0])
    if matched is None:
        assert found is None
    else:
        assert found is not None
        assert tuple(answer[w.start : w.end] for w in found.words) == matched


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        ((("attention",), ("conv*",)), 0),
        ((("conv*",), ("attention",)), 1),
        ((("conv*",), ("cnn*",)), None),
    ],
)
def test_a_words_role_is_that_of_the_roles_asked_about(roles, role):
    word = sentences("Attention mixes tokens.")[0][0]
    assert _role_fitting(word, roles) == role


@pytest.mark.parametrize(
    "before",
    ["", "Depthwise convolutions filter each channel alone. ", "Each step is cheaper. " * 3],
)
def test_the_same_sentence_finds_its_maths_where_it_stands_in_each_answer(before):
    answer = before + "It needs 1/D + 1/K^2 of the parameters."
    sentence = sentences(answer)[-1]
    found = find(Pattern.compile("1/d+1/k^2 parameter*"), sentence)
    assert found is not None
    assert found.quote(answer) == "1/D + 1/K^2 of the parameters"


@pytest.mark.parametrize(
    ("answer", "negated"),
    [
        ("Attention does not use fixed weights.", True),
        ("The kernel is small. Attention does not use fixed weights.", True),
        ("Attention is not local; it uses fixed weights.", False),
        ("Attention is not local, it uses fixed weights.", False),
        ("Attention is not local it uses fixed weights.", True),
        ("Attention is not local it uses fixed weights. The kernel is small.", True),
    ],
)
def test_the_same_words_are_negated_alike_in_every_answer_and_by_their_own_clauses(answer, negated):
    """A sentence's negations and scopes are worked out once per words (their text, stems and
    clauses), whatever answer writes them: a comma or a semicolon still ends a scope."""
    found = next(
        match
        for sentence in sentences(answer)
        if (match := find(Pattern.compile("fixed weight*"), sentence)) is not None
    )
    assert found.negated is negated


def _new_sentences(answer: str) -> tuple:
    """The answer's sentences made anew, nothing read yet (neither by them nor by a sentence of
    the same text: see `_shape`)."""
    _forget_shapes()
    return sentences.__wrapped__(answer)


def _read(answer: str, index: _Index) -> list[dict]:
    """Each sentence's places of the index's groups, read through the index."""
    found = []
    for sentence in _new_sentences(answer):
        sentence.read(index)
        found.append({group: sentence.places(group) for group in index.groups})
    return found


_CONCEPTS = (
    Concept(
        "shared",
        1.0,
        "",
        (Pattern.compile("same|shared weight* position*"), Pattern.compile("1/k^2 parameter*")),
        (),
        1,
    ),
)


def _each_group_alone(answer: str, index: _Index) -> list[dict]:
    """Each sentence's places of the index's groups, looked for a group at a time (no read)."""
    return [
        {group: sentence.places(group) for group in index.groups}
        for sentence in _new_sentences(answer)
    ]


@pytest.mark.parametrize(
    ("answer", "sentences_with_places"),
    [
        ("The same weights are used at every position.", 1),
        ("It is cheap. The same weights are used at every position.", 1),
        ("Weights, weights: the same.", 1),
        ("It needs 1/K^2 of the parameters.", 1),
        ("Positions are 1/K^2 here. It needs 1/K^2 of the parameters.", 2),
        ("It needs 1/K^2 of the parameters. Positions are 1/K^2 here.", 2),
    ],
)
def test_the_places_of_the_same_words_are_remembered_and_read_alike_in_every_answer(
    answer, sentences_with_places
):
    """`_Index.places_of` remembers where each group has a word by the sentence's words (their
    stems and plain forms); maths is read per sentence: each sentence of each answer finds
    the places a group looked for alone finds, the memo empty or full."""
    index = _Index(_CONCEPTS)
    wanted = _each_group_alone(answer, index)
    assert sum(any(found.values()) for found in wanted) == sentences_with_places
    assert _read(answer, index) == wanted
    assert _read(answer, index) == wanted  # remembered
    assert len(index.places_memo) == len(wanted)


def test_the_places_remembered_are_bounded():
    index = _Index(_CONCEPTS)
    for number in range(_Index.PLACES_MEMO + 10):
        _read(f"The same weights {number} are used at every position {number}.", index)
    assert 0 < len(index.places_memo) <= _Index.PLACES_MEMO
    same, weights = ("same", "shar"), ("weight*",)
    assert _read("The same weights.", index) == [
        {group: {same: [1], weights: [2]}.get(group, []) for group in index.groups}
    ]
