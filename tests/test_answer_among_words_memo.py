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
