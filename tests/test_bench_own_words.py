"""`bench/class_of_1000.py --own-words`: the class's explanations reworded as students write
them, so that nearly every sentence text is distinct (drawn from the lists, 10,000 students
write 64), saying what they said, from the same seed the same class, and without the option
the class as before."""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import class_of_1000 as bench  # noqa: E402
import own_words_marks  # noqa: E402

SEED = 2252


def explanations(submissions: list[dict]) -> list[str | None]:
    return [data["answers"].get("e", {}).get("explanation") for data in submissions]


def test_the_same_seed_draws_the_same_explanations_in_own_words():
    first = bench.class_explanations(300, SEED, own_words=True)
    assert first == bench.class_explanations(300, SEED, own_words=True)
    assert first != bench.class_explanations(300, SEED + 1, own_words=True)


def test_without_the_option_the_class_is_drawn_as_before():
    # the digest of the first 1,000 submissions as `submission` drew them before --own-words
    # (3ae8f43): the option must not move a draw of the class
    drawn = json.dumps(list(bench.class_submissions(1000, SEED)), sort_keys=True)
    assert hashlib.sha256(drawn.encode()).hexdigest()[:16] == "4deb9ed74f6247a5"


def test_the_option_rewords_the_explanations_and_nothing_else():
    drawn = list(bench.class_submissions(300, SEED))
    own = list(bench.class_submissions(300, SEED, own_words=True))
    for before, after in zip(drawn, own, strict=True):
        before_e = before["answers"].get("e", {}).pop("explanation", None)
        after_e = after["answers"].get("e", {}).pop("explanation", None)
        assert (before_e is None) == (after_e is None)
        assert before == after
    pairs = [(a, b) for a, b in zip(explanations(drawn), explanations(own), strict=True) if a]
    assert sum(a != b for a, b in pairs) >= 0.9 * len(pairs)


def test_nearly_every_sentence_text_of_1000_students_is_distinct():
    sentences, distinct = bench.sentence_texts(bench.class_explanations(1000, SEED, True))
    assert distinct >= 0.9 * sentences
    assert bench.sentence_texts(bench.class_explanations(1000, SEED)) == (1889, 62)


def test_reworded_explanations_keep_their_marks():
    before = own_words_marks.graded(
        own_words_marks.students_explanations(300, SEED, own_words=False)
    )
    after = own_words_marks.graded(own_words_marks.students_explanations(300, SEED, own_words=True))
    same = sum(
        (old.marks, old.verdict) == (new.marks, new.verdict)
        for old, new in zip(before, after, strict=True)
    )
    assert same >= 0.98 * 300
    assert abs(sum(r.marks for r in before) - sum(r.marks for r in after)) <= 0.02 * 300


@pytest.mark.parametrize(
    "sentence, lowered",
    [
        ("A 1x1 convolution applies it.", "a 1x1 convolution applies it."),
        ("Pixels are like tokens.", "pixels are like tokens."),
        ("I think so.", "I think so."),
        ("CNNs and Transformers are related.", "CNNs and Transformers are related."),
        ("Y = XW is a position-wise linear layer.", "Y = XW is a position-wise linear layer."),
        ("PQ positions share W.", "PQ positions share W."),
    ],
    ids=[
        "an article is lowered",
        "a plural noun is lowered",
        "I stays a capital",
        "an acronym stays",
        "a maths letter stays",
        "two capitals stay",
    ],
)
def test_a_sentence_start_is_lowered_only_where_it_is_an_ordinary_word(sentence, lowered):
    assert bench._lowered_start(sentence) == lowered


@pytest.mark.parametrize(
    "text, phrases",
    [
        ("a position-wise layer at each position", ["position-wise", "position"]),
        ("a per-position map", ["per-position"]),
        ("the weights are shared by all", ["weights are shared"]),
        ("CNNs and Transformers are unrelated architectures", ["Transformers",
                                                                "unrelated architectures"]),
        ("W_Q and the positional code", []),
    ],
    ids=[
        "position is not the start of position-wise",
        "a hyphened word is one phrase",
        "the longer phrase first where two begin at one place",
        "unrelated is not related",
        "no part of a word",
    ],
)  # fmt: skip
def test_synonyms_replace_whole_words(text, phrases):
    assert bench._PHRASE.findall(text) == phrases


def test_each_phrase_is_among_its_own_alternatives():
    assert [phrase for phrase, others in bench.SYNONYMS.items() if phrase not in others] == []


@pytest.mark.parametrize("keywords", bench.KEYWORDS)
def test_a_list_of_keywords_stays_a_list_of_the_same_keywords(keywords):
    def words(text: str) -> list[str]:
        return sorted(text.replace(",", " ").replace(";", " ").replace("/", " ").split())

    for seed in range(20):
        assert words(bench.in_own_words(keywords, random.Random(seed))) == words(keywords)


def test_slips_fall_only_on_words_the_grader_does_not_read():
    untouched = "The same weights are shared across positions."
    assert all(bench._with_slip(untouched, random.Random(seed)) == untouched for seed in range(200))
    slipped = {bench._with_slip("This is exactly that.", random.Random(s)) for s in range(200)}
    assert len(slipped) > 2
    assert all(text.startswith("This is ") and text.endswith(" that.") for text in slipped)


def test_a_filler_after_its_opening_goes_on_in_small_letters():
    # "overall, That is the main idea." was written before the fix; after an opening or an
    # aside, only "I", an acronym or maths keep their capital
    openings = "|".join(re.escape(opening.strip()) for opening in bench.FILLER_OPENINGS if opening)
    capital = re.compile(rf"(?:{openings}) (?:Hope|This|See|We|That|Let|Here|The)\b")
    texts = bench.class_explanations(2000, SEED, own_words=True)
    assert [m.group(0) for text in texts for m in capital.finditer(text)] == []
