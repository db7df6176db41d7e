"""An answer given alone is read for words around its maths twice in a row (`grade.as_written`:
not alone, then alone); the reading they share is remembered by the text alone, bounded, and
gives each call what it gave when each read the text itself (branch tperf)."""

import pytest

from grader.submissions import transcript
from grader.submissions.transcript import AmongWords, answer_among_words

SIGMOID = "σ(x)(1-σ(x))"


@pytest.mark.parametrize(
    ("text", "not_alone", "alone"),
    [
        ("I think it is " + SIGMOID, AmongWords(SIGMOID, before="I think it is"), None),
        ("Derivative: " + SIGMOID, None, AmongWords(SIGMOID, before="Derivative:")),
        ("so σ(1-σ)", None, AmongWords("σ(1-σ)", before="so")),
        (SIGMOID, None, None),
        ("y = XW is a linear layer", None, None),
        ("$" + SIGMOID + "$", None, None),
    ],
)
@pytest.mark.parametrize("alone_first", [False, True], ids=["not alone first", "alone first"])
def test_an_answer_is_read_alike_whichever_call_comes_first(text, not_alone, alone, alone_first):
    answer_among_words.cache_clear()
    transcript._among_words_alone.cache_clear()
    if alone_first:
        assert answer_among_words(text, True) == (alone or not_alone)
    assert answer_among_words(text) == not_alone
    assert answer_among_words(text, True) == (alone or not_alone)


def test_the_shared_reading_is_bounded_and_kept_by_the_text():
    transcript._among_words_alone.cache_clear()
    for number in range(100):
        answer_among_words(f"I think it is {number}σ(x)")
    assert transcript._among_words_alone.cache_info().currsize == 64
    before = transcript._among_words_alone.cache_info().hits
    assert answer_among_words("I think it is 99σ(x)", True).maths == "99σ(x)"
    assert transcript._among_words_alone.cache_info().hits == before + 1


@pytest.mark.parametrize(
    ("line", "asked_twice"),
    [
        ("I think it is " + SIGMOID, True),
        ("Derivative: " + SIGMOID, True),
        (SIGMOID + " where σ is the sigmoid", True),
        ("N x K, so N^2", True),
        ("y = XW is a linear layer", True),
        ("σ times σ", True),
        ("QK^T is N × N → N^2", False),  # working for its arrow alone: read once
    ],
)
def test_a_line_read_for_working_then_for_its_answer_is_read_once_and_alike(line, asked_twice):
    # `has_working` as the file is read, then `answer_among_words` as the answer is planned
    # (grader/submissions/answer_lines.py, grade.as_written): the second is remembered
    unremembered = transcript.maths_among_words.__wrapped__
    for memo in (transcript.maths_among_words, transcript.has_working, answer_among_words):
        memo.cache_clear()
    transcript._among_words_alone.cache_clear()
    transcript.has_working(line)
    answer_among_words(line, True)
    assert transcript.maths_among_words.cache_info().hits == (1 if asked_twice else 0)
    assert transcript.maths_among_words(line) == unremembered(line)


def test_the_reading_of_a_line_among_words_is_bounded():
    transcript.maths_among_words.cache_clear()
    for number in range(100):
        transcript.maths_among_words(f"I think it is {number}σ(x)")
    assert transcript.maths_among_words.cache_info().currsize == 64
