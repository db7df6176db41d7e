# ruff: noqa: E501  (the table holds whole sentences of feedback)
"""Whole results of written explanations, one row per rule of reading them (issue 21: tests
that bite).

Each row pins the verdict, the marks, every line of feedback and the recorded decision, so
that a change to how concepts are found (`grader/kinds/text/concepts.py`) or scored
(`grader/kinds/text/score.py`) that a student or a marker would see fails a test: the
12-word window of a pattern, the reach of a negation, the pairs of an analogy read the wrong
way round, a list of keywords, an answer too long for what matched. The boundaries are tested
on both sides.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.grade import grade_answer
from grader.kinds.text import concepts as text_concepts
from grader.kinds.text.concepts import (
    Sentence,
    _forget_indexes,
    _forget_shapes,
    _index,
    _plain,
    _sides,
    check_text,
    find,
    read_pairs,
    sentences,
)
from grader.rubric import load_rubric_text

RUBRIC = load_rubric_text(
    """
    id: TEXT
    title: Concepts
    symbols:
      P: {meaning: the height, example: 4}
    parts:
      e:
        marks: 3
        prompt: Explain.
        items:
          why:
            type: text
            marks: 3
            answer: The same weights at every position; pixels are tokens and channels the embedding.
            concepts:
              - name: shared
                marks: 1
                description: the same weights at every position
                evidence:
                  - 'same|shared weight*'
                contradictions:
                  - 'different|separate weight*'
              - name: pairs
                marks: 1.25
                description: pixels are tokens, channels the embedding
                evidence:
                  - 'token* ~ pixel*|position*'
                  - 'channel* ~ embed*'
              - name: attention
                marks: 0.75
                description: attention mixes positions
                evidence:
                  - 'attention mix*'
""",
    "concepts.yaml",
)
ITEM = RUBRIC.items["e.why"]

CASES = [
    pytest.param(
        "The same weights are used at every position.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("same weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="one concept found and quoted, two missing",
    ),
    pytest.param(
        "The same one two three four five six seven eight nine ten weights.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("same one two three four five six seven eight nine ten weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="a pattern spread over twelve words matches",
    ),
    pytest.param(
        "The same one two three four five six seven eight nine ten eleven weights.",
        ("incorrect", 0.0),
        (
            "Missing (1): the same weights at every position",
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 1.00",
            "marks 0",
        ),
        id="a pattern spread over thirteen words does not",
    ),
    pytest.param(
        "These are not the same weights.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: a negation near 'same weights'. The machine's reading earns 0 of 3; provisional until a person confirms.",
            'Not credited: the same weights at every position (you wrote "same weights", which denies it)',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.65",
            "sent for review: a negation near 'same weights'",
        ),
        id="a negation just before the match sends it to a person",
    ),
    pytest.param(
        "Not one the same weights.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: a negation near 'same weights'. The machine's reading earns 0 of 3; provisional until a person confirms.",
            'Not credited: the same weights at every position (you wrote "same weights", which denies it)',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.65",
            "sent for review: a negation near 'same weights'",
        ),
        id="a negation three words before the match counts",
    ),
    # A negation reaches over its whole clause (it reached three words before: "The same weight
    # matrix is not used at every pixel" was credited), and no further than a comma.
    pytest.param(
        "Not one two the same weights.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: a negation near 'same weights'. The machine's reading earns 0 of 3; provisional until a person confirms.",
            'Not credited: the same weights at every position (you wrote "same weights", which denies it)',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.65",
            "sent for review: a negation near 'same weights'",
        ),
        id="a negation four words before the match in its clause counts",
    ),
    pytest.param(
        "Not one, two the same weights.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("same weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="a negation in the clause before the match does not",
    ),
    pytest.param(
        "The weights aren't the same.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: a negation near \"weights aren't the same\". The machine's reading earns 0 of 3; provisional until a person confirms.",
            'Not credited: the same weights at every position (you wrote "weights aren\'t the same", which denies it)',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.65",
            'sent for review: a negation near "weights aren\'t the same"',
        ),
        id="a negation written with n't counts",
    ),
    # Two words of a pairing side by side ("token pixel") state no analogy: in a list of
    # keywords they are not credited, a person reads them (they earned the analogy before).
    pytest.param(
        "Weights shared, token pixel, channel embedding, attention mixing.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: whether the answer states 'token pixel' (they stand side by side in a list of keywords, which does not say how they relate); the answer is a list of keywords rather than sentences. The machine's reading earns 1.75 of 3; provisional until a person confirms.",
            'Found (+1): the same weights at every position ("Weights shared")',
            'Not credited yet: pixels are tokens, channels the embedding (you wrote "token pixel", but they stand side by side in a list of keywords, which does not say how they relate; an instructor will decide whether you state it)',
            'Found (+0.75): attention mixes positions ("attention mixing")',
        ),
        (
            "concepts found: shared, attention",
            "confidence 0.30",
            "sent for review: whether the answer states 'token pixel' (they stand side by side in a list of keywords, which does not say how they relate); the answer is a list of keywords rather than sentences",
        ),
        id="a list of keywords goes to a person",
    ),
    pytest.param(
        "Shared weights, pixel tokens.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: whether the answer states 'pixel tokens' (they stand side by side in a list of keywords, which does not say how they relate); the answer is a list of keywords rather than sentences. The machine's reading earns 1 of 3; provisional until a person confirms.",
            'Found (+1): the same weights at every position ("Shared weights")',
            'Not credited yet: pixels are tokens, channels the embedding (you wrote "pixel tokens", but they stand side by side in a list of keywords, which does not say how they relate; an instructor will decide whether you state it)',
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 0.30",
            "sent for review: whether the answer states 'pixel tokens' (they stand side by side in a list of keywords, which does not say how they relate); the answer is a list of keywords rather than sentences",
        ),
        id="four words without a function word are a list of keywords",
    ),
    pytest.param(
        "Shared weights everywhere.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("Shared weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="three words are too few to be a list of keywords",
    ),
    pytest.param(
        "Pixels are tokens and channels the embedding, and attention mixes them all.",
        ("partial", 2.0),
        (
            "Missing (1): the same weights at every position",
            'Found (+1.25): pixels are tokens, channels the embedding ("Pixels are tokens")',
            'Found (+0.75): attention mixes positions ("attention mixes")',
        ),
        (
            "concepts found: pairs, attention",
            "confidence 1.00",
            "marks 2",
        ),
        id="pairs read in order earn the analogy",
    ),
    pytest.param(
        "Channels play the role of tokens.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: the answer pairs 'Channels' with 'tokens' ('Channels play the role of tokens'), the wrong way round for: pixels are tokens, channels the embedding. The machine's reading earns 0 of 3; provisional until a person confirms.",
            "Missing (1): the same weights at every position",
            'Not credited: pixels are tokens, channels the embedding (you wrote "Channels play the role of tokens", which says otherwise)',
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.65",
            "sent for review: the answer pairs 'Channels' with 'tokens' ('Channels play the role of tokens'), the wrong way round for: pixels are tokens, channels the embedding",
        ),
        id="a pair the wrong way round goes to a person",
    ),
    pytest.param(
        "The same weights everywhere. Separate weights elsewhere.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: the answer also says 'Separate weights', which contradicts: the same weights at every position. The machine's reading earns 0 of 3; provisional until a person confirms.",
            'Not credited: the same weights at every position (you wrote "Separate weights", which says otherwise)',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.65",
            "sent for review: the answer also says 'Separate weights', which contradicts: the same weights at every position",
        ),
        id="a contradiction goes to a person",
    ),
    pytest.param(
        "The same weights are used, and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and so on and on.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("same weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="sixty words with two matched are not too long",
    ),
    pytest.param(
        "The same weights are used, and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and so on and on again.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: the answer has 61 words and only a few of them matched. The machine's reading earns 1 of 3; provisional until a person confirms.",
            'Found (+1): the same weights at every position ("same weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 0.65",
            "sent for review: the answer has 61 words and only a few of them matched",
        ),
        id="sixty one words with two matched are too long to trust",
    ),
    pytest.param(
        "Sharing weights is what it does, and attention mixes.",
        ("partial", 1.75),
        (
            'Found (+1): the same weights at every position ("Sharing weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            'Found (+0.75): attention mixes positions ("attention mixes")',
        ),
        (
            "concepts found: shared, attention",
            "confidence 1.00",
            "marks 1.75",
        ),
        id="stems match inflected words",
    ),
    pytest.param(
        "The same weights, pixels are tokens and channels the embedding, and attention mixes positions.",
        ("correct", 3.0),
        (
            'Found (+1): the same weights at every position ("same weights")',
            'Found (+1.25): pixels are tokens, channels the embedding ("pixels are tokens")',
            'Found (+0.75): attention mixes positions ("attention mixes")',
        ),
        (
            "concepts found: shared, pairs, attention",
            "confidence 1.00",
            "marks 3",
        ),
        id="every concept found earns full marks",
    ),
    pytest.param(
        "Positions (pixels) are tokens and channels the embedding.",
        ("partial", 1.25),
        (
            "Missing (1): the same weights at every position",
            'Found (+1.25): pixels are tokens, channels the embedding ("Positions (pixels) are tokens")',
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: pairs",
            "confidence 1.00",
            "marks 1.25",
        ),
        id="a word restated in brackets is one side of a pair",
    ),
    pytest.param(
        "Tokens are the pixels; the embedding is the channels.",
        ("partial", 1.25),
        (
            "Missing (1): the same weights at every position",
            'Found (+1.25): pixels are tokens, channels the embedding ("Tokens are the pixels")',
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: pairs",
            "confidence 1.00",
            "marks 1.25",
        ),
        id="pairs are read in each sentence",
    ),
    pytest.param(
        "The features at each position of the tokens.",
        ("incorrect", 0.0),
        (
            "Missing (1): the same weights at every position",
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 1.00",
            "marks 0",
        ),
        # "position of the tokens" gives the tokens a position: no analogy (it earned 1.25)
        id="two words of one pairing joined by of are no pair",
    ),
    pytest.param(
        "The features at each position give the tokens.",
        ("partial", 1.25),
        (
            "Missing (1): the same weights at every position",
            'Found (+1.25): pixels are tokens, channels the embedding ("position give the tokens")',
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: pairs",
            "confidence 1.00",
            "marks 1.25",
        ),
        id="two words of one pairing pair without a relation",
    ),
    pytest.param(
        "Pixels are like channels.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: the answer pairs 'Pixels' with 'channels' ('Pixels are like channels'), the wrong way round for: pixels are tokens, channels the embedding. The machine's reading earns 0 of 3; provisional until a person confirms.",
            "Missing (1): the same weights at every position",
            'Not credited: pixels are tokens, channels the embedding (you wrote "Pixels are like channels", which says otherwise)',
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.65",
            "sent for review: the answer pairs 'Pixels' with 'channels' ('Pixels are like channels'), the wrong way round for: pixels are tokens, channels the embedding",
        ),
        id="a relation pairs words of two pairings: the wrong way round",
    ),
    pytest.param(
        "Pixels, tokens.",
        ("incorrect", 0.0),
        (
            "Missing (1): the same weights at every position",
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 1.00",
            "marks 0",
        ),
        id="a comma ends the clause in which a pair is read",
    ),
    # The plain pair is the one credited (provisionally), but one half of the analogy denied
    # beside the other goes to a person.
    pytest.param(
        "Not pixels as tokens but channels as the embedding.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: a negation near 'pixels as tokens', beside a plain statement of it. The machine's reading earns 1.25 of 3; provisional until a person confirms.",
            "Missing (1): the same weights at every position",
            'Found (+1.25): pixels are tokens, channels the embedding ("channels as the embedding")',
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: pairs",
            "confidence 0.65",
            "sent for review: a negation near 'pixels as tokens', beside a plain statement of it",
        ),
        id="a negated pair is passed over for a plain one",
    ),
    pytest.param(
        "These are pixels with channels.",
        ("incorrect", 0.0),
        (
            "Missing (1): the same weights at every position",
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 1.00",
            "marks 0",
        ),
        id="a relation before the first of two words does not pair them",
    ),
    pytest.param(
        "Shared weights the alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: the answer is a list of keywords rather than sentences. The machine's reading earns 1 of 3; provisional until a person confirms.",
            'Found (+1): the same weights at every position ("Shared weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 0.65",
            "sent for review: the answer is a list of keywords rather than sentences",
        ),
        id="one function word in twenty is a list of keywords",
    ),
    pytest.param(
        "Shared weights the alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi and.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("Shared weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="two function words in twenty five are sentences",
    ),
    pytest.param(
        "Same weights. Same weights. Same weights. Same weights. Same weights. Same weights. and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat again.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("Same weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="seventy words with twelve matched are not too long",
    ),
    pytest.param(
        "Same weights. Same weights. Same weights. Same weights. Same weights. Same weights. and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat again and again.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("Same weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="seventy-two words with twelve matched, exactly six times as many, are not too long",
    ),
    pytest.param(
        "Never shared weights alpha beta gamma delta epsilon zeta eta theta iota kappa lambda.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: a negation near 'shared weights'. The machine's reading earns 0 of 3; provisional until a person confirms.",
            'Not credited: the same weights at every position (you wrote "shared weights", which denies it)',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.65",
            "sent for review: a negation near 'shared weights'",
        ),
        id="a negated match does not count as matched words",
    ),
    pytest.param(
        "Alpha beta gamma delta epsilon.",
        ("incorrect", 0.0),
        (
            "Missing (1): the same weights at every position",
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 1.00",
            "marks 0",
        ),
        id="a list of keywords that earns nothing is no doubt",
    ),
    pytest.param(
        "Shared weights. Separate weights alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: the answer also says 'Separate weights', which contradicts: the same weights at every position; the answer is a list of keywords rather than sentences; the answer has 64 words and only a few of them matched. The machine's reading earns 0 of 3; provisional until a person confirms.",
            'Not credited: the same weights at every position (you wrote "Separate weights", which says otherwise)',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 0.00",
            "sent for review: the answer also says 'Separate weights', which contradicts: the same weights at every position; the answer is a list of keywords rather than sentences; the answer has 64 words and only a few of them matched",
        ),
        id="three doubts leave no confidence",
    ),
    pytest.param(
        "Same weights. Same weights. Same weights. Same weights. Same weights. Same weights. and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with it.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: the answer has 81 words and only a few of them matched. The machine's reading earns 1 of 3; provisional until a person confirms.",
            'Found (+1): the same weights at every position ("Same weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 0.65",
            "sent for review: the answer has 81 words and only a few of them matched",
        ),
        id="eighty words with twelve matched are too long to trust",
    ),
    pytest.param(
        # Twelve words matched (six sentences of two) in 61 words: just enough to trust. The
        # first sentence recurs later: its words are placed where it starts (position 0), not
        # at a later copy, or the copies would count as one and the answer look too long.
        "Same weights. the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat and the cat sat on the mat with a hat. Same weights. Same weights. Same weights. Same weights. Same weights.",
        ("partial", 1.0),
        (
            'Found (+1): the same weights at every position ("Same weights")',
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: shared",
            "confidence 1.00",
            "marks 1",
        ),
        id="sixty-one words with twelve matched, the first sentence recurring, are trusted",
    ),
    pytest.param(
        # Only the text after the first word of a pair counts: the `=` before "pixels" does
        # not join it to "channels".
        "Attention = pixels of all channels.",
        ("incorrect", 0.0),
        (
            "Missing (1): the same weights at every position",
            "Missing (1.25): pixels are tokens, channels the embedding",
            "Missing (0.75): attention mixes positions",
        ),
        (
            "concepts found: none",
            "confidence 1.00",
            "marks 0",
        ),
        id="a relation before the first word of two does not pair them",
    ),
    pytest.param(
        # The claim is quoted from where its sentence begins in the answer: the space after
        # the full stop is the first word's own spacing, and counting it (or not) moves every
        # quote of the sentence by one letter (" Some people thin").
        "Attention mixes positions. Some people think the same weights are used.",
        ("needs_review", 0.0),
        (
            "An instructor will check this answer: whether the answer states 'same weights' "
            '(it is what "Some people think"). The machine\'s reading earns 0.75 of 3; provisional '
            "until a person confirms.",
            'Not credited yet: the same weights at every position (you wrote "same weights", but '
            'it is what "Some people think"; an instructor will decide whether you state it)',
            "Missing (1.25): pixels are tokens, channels the embedding",
            'Found (+0.75): attention mixes positions ("Attention mixes")',
        ),
        (
            "concepts found: attention",
            "confidence 0.65",
            "sent for review: whether the answer states 'same weights' (it is what \"Some "
            'people think")',
        ),
        id="another's claim in a second sentence is quoted from its first word",
    ),
]


@pytest.mark.parametrize(("answer", "outcome", "feedback", "decision"), CASES)
def test_an_explanation_gets_its_whole_verdict_marks_feedback_and_decision(
    answer, outcome, feedback, decision
):
    result = grade_answer(RUBRIC, ITEM, answer)
    assert (result.verdict, result.marks) == outcome
    assert result.feedback == feedback
    assert result.decision == decision


NEGATED = (
    (
        "An instructor will check this answer: a negation near 'same weights'. "
        "The machine's reading earns 0 of 3; provisional until a person confirms.",
        'Not credited: the same weights at every position (you wrote "same weights", which '
        "denies it)",
        "Missing (1.25): pixels are tokens, channels the embedding",
        "Missing (0.75): attention mixes positions",
    ),
    (
        "concepts found: none",
        "confidence 0.65",
        "sent for review: a negation near 'same weights'",
    ),
)


@pytest.mark.parametrize(
    "negation",
    [
        "not",
        "no",
        "never",
        "without",
        "cannot",
        "neither",
        "nor",
        "isnt",
        "arent",
        "doesnt",
        "dont",
        "wont",
        "unlike",
        # A stem of `nothing` is `noth`: negations are compared as written (this failed
        # before: "Nothing has the same weights" earned the concept).
        "nothing",
        "none",
        "isn't",
        "don’t",
        "shouldn't",
    ],
)
def test_every_negation_before_a_match_sends_the_answer_to_a_person(negation):
    result = grade_answer(RUBRIC, ITEM, f"Here {negation} same weights.")
    assert (result.verdict, result.marks) == ("needs_review", 0.0)
    assert (result.feedback, result.decision) == NEGATED


MATCHED_ONE = (
    ("partial", 1.0),
    (
        'Found (+1): the same weights at every position ("same, weights")',
        "Missing (1.25): pixels are tokens, channels the embedding",
        "Missing (0.75): attention mixes positions",
    ),
)
MISSING_ALL = (
    ("incorrect", 0.0),
    (
        "Missing (1): the same weights at every position",
        "Missing (1.25): pixels are tokens, channels the embedding",
        "Missing (0.75): attention mixes positions",
    ),
)


@pytest.mark.parametrize(
    ("between", "expected"),
    [
        pytest.param(". ", MISSING_ALL, id="a full stop ends a sentence"),
        pytest.param("! ", MISSING_ALL, id="an exclamation mark ends a sentence"),
        pytest.param("? ", MISSING_ALL, id="a question mark ends a sentence"),
        pytest.param("\n\n", MISSING_ALL, id="a blank line ends a sentence"),
        pytest.param(".\n", MISSING_ALL, id="a new line after a full stop ends a sentence"),
        pytest.param(":\n", MISSING_ALL, id="a new line after a colon ends a sentence"),
        pytest.param("\n- ", MISSING_ALL, id="a list item ends a sentence"),
        # a line break inside a sentence (a wrapped YAML block, an LMS cell) is read through
        pytest.param("\n", MATCHED_ONE, id="a line break inside a sentence does not end it"),
        pytest.param(" (1) ", MISSING_ALL, id="a numbered point ends a sentence"),
        pytest.param(" ① ", MISSING_ALL, id="a circled number ends a sentence"),
        pytest.param(", ", MATCHED_ONE, id="a comma does not end a sentence"),
        # A semicolon or a dash joins two clauses of one sentence ("W is the same matrix; it
        # is used at every pixel"): these three ended a sentence, and the concept was lost.
        pytest.param("; ", MATCHED_ONE, id="a semicolon does not end a sentence"),
        pytest.param(" - ", MATCHED_ONE, id="a spaced dash does not end a sentence"),
        pytest.param(" – ", MATCHED_ONE, id="a spaced en dash does not end a sentence"),
        pytest.param(" — ", MATCHED_ONE, id="an em dash does not end a sentence"),
    ],
)
def test_a_pattern_matches_within_one_sentence_only(between, expected):
    result = grade_answer(RUBRIC, ITEM, f"The same{between}weights are used.")
    quoted = f"same{between}weights"
    assert ((result.verdict, result.marks), result.feedback) == (
        expected[0],
        tuple(line.replace('"same, weights"', f'"{quoted}"') for line in expected[1]),
    )


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        # A negation reaches within its own clause only: "not" before the semicolon or dash
        # does not negate the words after it (the split at a semicolon kept them apart before).
        pytest.param("Here it is not; same weights.", ("partial", 1.0), id="not; across"),
        pytest.param("Here it is not - same weights.", ("partial", 1.0), id="not - across"),
        pytest.param("Here it is not — same weights.", ("partial", 1.0), id="not — across"),
        # ... while within one clause it still does; a comma ends the clause ("No, the same
        # weights are used").
        pytest.param("Here it is not same weights.", ("needs_review", 0.0), id="not within"),
        pytest.param("Here it is not, same weights.", ("partial", 1.0), id="not, across"),
        # The words of a clause still form a match with those of the next clause, negated
        # when a negation comes before one of them in its own clause.
        pytest.param("It is the same; not weights.", ("needs_review", 0.0), id="; not weights"),
    ],
)
def test_a_negation_does_not_reach_across_a_semicolon_or_a_dash(answer, outcome):
    result = grade_answer(RUBRIC, ITEM, answer)
    assert (result.verdict, result.marks) == outcome


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        # The pairs of an analogy are read in each clause, as at a comma: joining the clauses
        # of a sentence pairs no word of one with a word of the other.
        pytest.param("Tokens are pixels; channels are the embedding.", ("partial", 1.25)),
        pytest.param("Pixels; tokens.", ("incorrect", 0.0)),
        pytest.param("Pixels - tokens.", ("incorrect", 0.0)),
        pytest.param("Pixels are tokens - channels.", ("partial", 1.25)),
    ],
)
def test_the_pairs_of_an_analogy_are_read_in_each_clause_of_a_sentence(answer, outcome):
    result = grade_answer(RUBRIC, ITEM, answer)
    assert (result.verdict, result.marks) == outcome


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("studies", "study"),  # -ies is -y when three letters remain
        ("bodies", "body"),
        ("flies", "fli"),  # two would remain: -es is taken instead
        ("sing", "sing"),  # -ing only when three letters remain
        ("string", "str"),
        ("bed", "bed"),
        ("shared", "shar"),
        ("seed", "seed"),
        ("boxes", "box"),
        ("uses", "use"),
        ("tons", "ton"),  # not "ones", kept whole (a pronoun, not the number one)
        ("was", "was"),
        ("Weights", "weight"),
        ("quickly", "quick"),
        ("fly", "fly"),
        ("holly", "hol"),
        ("Position-wise", "positionwis"),
        ("share", "shar"),
        ("there", "ther"),
        ("were", "were"),
        ("don’t", "dont"),
        ("separately", "separately"),  # kept whole: how one thing is applied, not "separate"
    ],
)
def test_a_stem_takes_one_common_suffix_off_where_three_letters_remain(word, stemmed):
    from grader.kinds.text.concepts import stem

    assert stem(word) == stemmed


def test_a_pairing_of_three_groups_is_pointed_out_by_the_self_test():
    from grader.rubric_check import check_rubric

    def problems(text: str) -> list[tuple[int, str, str]]:
        checked = check_rubric(load_rubric_text(text, "concepts.yaml"))
        return [(p.line, p.key, p.message) for p in checked]

    wellformed = problems(RUBRIC.source_text)
    malformed = problems(
        RUBRIC.source_text.replace("'channel* ~ embed*'", "'channel* ~ embed* ~ feature*'")
    )
    pointed_out = (
        28,
        "parts.e.items.why.concepts[1].evidence[1]",
        "'channel* ~ embed* ~ feature*': a pairing joins exactly two word groups with ~, "
        "e.g. 'token* ~ pixel*|position*'",
    )
    assert pointed_out not in wellformed
    assert malformed == sorted([*wellformed, pointed_out], key=lambda p: p[0])


@pytest.mark.parametrize(
    ("pattern", "reported"),
    [
        pytest.param("'same|shared weight*'", False, id="no >"),
        pytest.param("'same > weight*'", False, id="> between two groups"),
        pytest.param("'same weight* > position*'", False, id="> once in three groups"),
        # several > each order their own two groups (textA)
        pytest.param("'same > weight* > position*'", False, id="> twice, a chain"),
        pytest.param("'same > > weight*'", True, id="> twice together"),
        pytest.param("'> same weight*'", True, id="> at the start"),
        pytest.param("'same weight* >'", True, id="> at the end"),
    ],
)
def test_a_misplaced_order_is_pointed_out_by_the_self_test(pattern, reported):
    from grader.rubric_check import check_rubric

    text = RUBRIC.source_text.replace("'same|shared weight*'", pattern)
    messages = [p.message for p in check_rubric(load_rubric_text(text, "concepts.yaml"))]
    assert any("> stands between two word groups" in m for m in messages) == reported


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        pytest.param("The same weights are used everywhere.", ("partial", 1.0), id="in order"),
        pytest.param("The weights used are the same.", ("incorrect", 0.0), id="reversed"),
        pytest.param("The same thing, and weights used.", ("incorrect", 0.0), id="two scopes"),
    ],
)
def test_a_greater_than_sign_in_a_longer_pattern_orders_the_two_groups_beside_it(answer, outcome):
    text = RUBRIC.source_text.replace("'same|shared weight*'", "'same|shared > weight* used'")
    rubric = load_rubric_text(text, "concepts.yaml")
    result = grade_answer(rubric, rubric.items["e.why"], answer)
    assert (result.verdict, result.marks) == outcome, result.feedback


def test_a_relation_word_that_is_itself_a_pairing_word_does_not_pair_the_words_before_it():
    """The text between two words is what may relate them; the second word is not part of
    it, even when it reads as a relation ("maps")."""
    rubric = load_rubric_text(
        """
id: MAPS
title: A pairing word that reads as a relation
symbols:
  P: {meaning: the positions, example: 4}
parts:
  e:
    marks: 2
    prompt: Explain.
    items:
      why:
        type: text
        marks: 2
        answer: Pixels are tokens and channels are feature maps.
        concepts:
          - name: pairs
            marks: 2
            description: pixels are tokens, channels are feature maps
            evidence:
              - 'token* ~ pixel*'
              - 'channel* ~ map*'
""",
        "maps.yaml",
    )
    result = grade_answer(rubric, rubric.items["e.why"], "Pixels with maps.")
    assert (result.verdict, result.marks) == ("incorrect", 0)
    assert result.feedback == ("Missing (2): pixels are tokens, channels are feature maps",)


LETTER = load_rubric_text(
    r"""
    id: LETTER
    title: A concept named by a capital letter
    symbols:
      N: {meaning: the number of tokens, example: 4}
    parts:
      e:
        marks: 1
        prompt: Explain.
        items:
          why:
            type: text
            marks: 1
            answer: The matrix X holds one token per row.
            concepts:
              - name: rows
                marks: 1
                description: the rows of X are the tokens
                evidence:
                  - 'X token*'
    """,
    "letter.yaml",
)


@pytest.mark.parametrize(
    ("answer", "outcome", "feedback", "decision"),
    [
        pytest.param(
            "The matrix X holds one token per row.",
            ("correct", 1.0),
            ('Found (+1): the rows of X are the tokens ("X holds one token")',),
            ("concepts found: rows", "confidence 1.00", "marks 1"),
            id="a pattern word that is a capital letter is a word like any other",
        ),
        pytest.param(
            "The matrix holds one token per row.",
            ("incorrect", 0.0),
            ("Missing (1): the rows of X are the tokens",),
            ("concepts found: none", "confidence 1.00", "marks 0"),
            id="without it the concept is missing",
        ),
        pytest.param(
            "X. Each token is a row of X",
            ("correct", 1.0),
            ('Found (+1): the rows of X are the tokens ("token is a row of X")',),
            ("concepts found: rows", "confidence 1.00", "marks 1"),
            id="a first sentence of one letter, the answer's last, is placed at the start",
        ),
    ],
)
def test_a_concept_named_by_a_capital_letter(answer, outcome, feedback, decision):
    result = grade_answer(LETTER, LETTER.items["e.why"], answer)
    assert (result.verdict, result.marks) == outcome
    assert result.feedback == feedback
    assert result.decision == decision


PREFIXES = load_rubric_text(
    r"""
    id: PREFIXES
    title: Prefixes that fit a word's stem or its plain form only
    symbols:
      N: {meaning: the number of tokens, example: 4}
    parts:
      e:
        marks: 2
        prompt: Explain.
        items:
          why:
            type: text
            marks: 2
            answer: Each pixel is an embedding, and the properties are shared.
            concepts:
              - name: pixels
                marks: 1
                description: a pixel is an embedding
                evidence:
                  - 'pixel* ~ embedding*'
              - name: properties
                marks: 1
                description: the properties are shared
                evidence:
                  - 'property* shared'
    """,
    "prefixes.yaml",
)


@pytest.mark.parametrize(
    ("answer", "outcome", "feedback", "decision"),
    [
        pytest.param(
            "Each pixel is an embedding.",
            ("partial", 1.0),
            (
                'Found (+1): a pixel is an embedding ("pixel is an embedding")',
                "Missing (1): the properties are shared",
            ),
            ("concepts found: pixels", "confidence 1.00", "marks 1"),
            id="embedding* fits the plain form 'embedding', not the stem 'embedd'",
        ),
        pytest.param(
            "The properties are shared.",
            ("partial", 1.0),
            (
                "Missing (1): a pixel is an embedding",
                'Found (+1): the properties are shared ("properties are shared")',
            ),
            ("concepts found: properties", "confidence 1.00", "marks 1"),
            id="property* fits the stem 'property', not the plain form 'properties'",
        ),
    ],
)
def test_a_prefix_fits_a_words_stem_or_its_plain_form(answer, outcome, feedback, decision):
    result = grade_answer(PREFIXES, PREFIXES.items["e.why"], answer)
    assert (result.verdict, result.marks) == outcome
    assert result.feedback == feedback
    assert result.decision == decision


# --- The shared reading of a sentence gives what each pattern's own reading gives --------------
#
# A sentence's word groups are found in one pass per rubric (`Sentence.read`), each word's
# groups looked up once by its stem and how it begins; a pattern looked for in a sentence that
# was not read so finds its places by its own scan. Both must agree with the rule itself: an
# alternative fits a word whose stem it is, and `word*` a word whose stem or plain form (lower
# case, no hyphens or apostrophes) begins with `word`.

VOCABULARY = """
    same shared sharing weights weighted different separate tokens token pixels Pixel positions
    position-wise channels embedding embeddings embed attention mixes mixing properties property
    not no isn't is are like the a of maps X
""".split()  # noqa: SIM905 (a paragraph of words reads best as one)
SEPARATORS = [" ", " ", " ", ", ", ". ", ": ", " - ", "; "]


def _fits(alternative: str, word) -> bool:
    if alternative.endswith("*"):
        prefix = alternative[:-1]
        plain = re.sub("['’-]", "", word.text.lower())
        return word.stem.startswith(prefix) or plain.startswith(prefix)
    return word.stem == alternative


def _places(group, sentence) -> list[int]:
    return [i for i, word in enumerate(sentence) if any(_fits(a, word) for a in group)]


answers = st.lists(
    st.tuples(st.sampled_from(VOCABULARY), st.sampled_from(SEPARATORS)), min_size=1, max_size=30
).map(lambda words: "".join(word + separator for word, separator in words))


@settings(max_examples=150, deadline=None)
@given(answers)
@example("weights same. not ")  # a denial after it: its neighbour's word, read alike
def test_the_shared_reading_of_a_sentence_finds_what_each_patterns_own_reading_finds(answer):
    sentences.cache_clear()
    for rubric in (RUBRIC, PREFIXES, LETTER):
        for item in rubric.items.values():
            concepts = item.spec.concepts
            check_text(concepts, item.marks, answer)  # reads each sentence for the rubric
            for sentence in sentences(answer):
                for concept in concepts:
                    for pattern in (*concept.evidence, *concept.contradictions):
                        for group in pattern.groups:
                            assert sentence.places(group) == _places(group, sentence)
                            assert Sentence(list(sentence)).places(group) == _places(
                                group, sentence
                            )
                        # a new sentence, nothing read before, with what `sentences` sets
                        # from its neighbours (a "No." after it)
                        alone = Sentence(list(sentence), sentence.text)
                        alone.answered = sentence.answered
                        assert find(pattern, sentence, concept.pairings) == find(
                            pattern, alone, concept.pairings
                        )
                    assert read_pairs(concept.pairings, sentence) == read_pairs(
                        concept.pairings, list(sentence)
                    )


def test_the_words_a_rubric_remembers_are_bounded_and_forgetting_them_changes_nothing(
    monkeypatch,
):
    answer = (
        "The same weights at every position; pixels are tokens and channels the embedding. "
        "Attention mixes positions, not the same weighted channels."
    )
    concepts = ITEM.spec.concepts
    expected = check_text(concepts, ITEM.marks, answer)
    monkeypatch.setattr(text_concepts._Index, "MEMO", 3)
    _forget_indexes()
    sentences.cache_clear()
    index = _index(concepts)
    sizes = []
    for sentence in sentences(answer):
        for word in sentence:
            index.groups_of((word.stem, _plain(word.text)))
            sizes.append(len(index.memo))
    assert max(sizes) == 3
    assert min(sizes[3:]) == 1  # forgotten all at once when full
    sentences.cache_clear()
    assert check_text(concepts, ITEM.marks, answer) == expected
    _forget_indexes()


def test_a_sentence_is_read_once_per_rubric_and_what_is_read_is_kept():
    """The work the memos promise to do once is done once: a second check of the same answer
    finds every reading where the first check left it (the same objects, not equal copies)."""
    answer = (
        "The same weights at every position; pixels are tokens and channels the embedding. "
        "Attention mixes positions."
    )
    concepts = ITEM.spec.concepts
    sentences.cache_clear()
    _forget_shapes()  # nor read by a sentence of the same text for another rubric
    first = check_text(concepts, ITEM.marks, answer)
    index = _index(concepts)
    read = [dict(sentence.groups) for sentence in sentences(answer)]
    assert all(groups.keys() == index.groups for groups in read)  # every group, in one pass

    def readings() -> list:  # every other reading of the answer, in one list
        return [
            *(read_pairs(c.pairings, s) for s in sentences(answer) for c in concepts),
            *(_sides(c.pairings, s) for s in sentences(answer) for c in concepts),
            *(s._beginning(5) for s in sentences(answer)),
            *(index.groups_of((w.stem, _plain(w.text))) for w in sentences(answer)[0]),
        ]

    kept = readings()
    assert check_text(concepts, ITEM.marks, answer) == first
    for sentence, groups in zip(sentences(answer), read, strict=True):
        assert all(sentence.groups[group] is places for group, places in groups.items())
        assert all(sentence.places(group) is places for group, places in groups.items())
    assert all(a is b for a, b in zip(kept, readings(), strict=True))
