"""Issue 14, part 2: read what a human marker would read, and say how. Each lenient step is
named, tried only when the strict reading fails, keeps every position (carets stay right),
leaves a note on the page and in the JSON, and a rubric's `strict:` switches it off."""

from __future__ import annotations

import json

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from grader.errors import AnswerError
from grader.grade import grade_answer, grade_submission
from grader.kinds.count.parse import parse
from grader.kinds.count.steps import LENIENT_STEPS, Question, set_aside_words
from grader.normalise import fold_compatibility_forms
from grader.report import item_json
from grader.rubric import load_rubric_text
from grader.submissions import load_submissions


def rubric_text(strict: str = "", symbols: str = "K C D P Q") -> str:
    declared = "".join(f"  {s}: {{meaning: size {s}}}\n" for s in symbols.split())
    return (
        "id: LENIENT\ntitle: lenient reading\nsymbols:\n"
        + declared
        + "parts:\n  a:\n    marks: 4\n    prompt: count\n    items:\n"
        "      params:\n        type: count\n        marks: 2\n        label: Parameters\n"
        "        answer: 'K^2 C D + D'\n"
        + (f"        strict: {strict}\n" if strict else "")
        + "      pooling:\n        type: count\n        marks: 2\n        label: Pooling\n"
        "        answer: '0'\n" + (f"        strict: {strict}\n" if strict else "")
    )


@pytest.fixture(scope="module")
def rubric():
    return load_rubric_text(rubric_text(), "lenient.yaml")


READ_AS_A_MARKER_WOULD = {
    "words after a count are set aside": (
        "a.params",
        "KKCD + D params",
        "correct",
        ('set aside "params"',),
    ),
    "a longer word after a count is set aside": (
        "a.params",
        "K^2CD + D parameters",
        "correct",
        ('set aside "parameters"',),
    ),
    "words in LaTeX text after a count are set aside": (
        "a.params",
        r"$K^2 C D + D \text{ trainable parameters}$",
        "correct",
        (r'set aside "\text{ trainable parameters}"',),
    ),
    "a label before a count is set aside": (
        "a.params",
        "Total: K^2CD + D",
        "correct",
        ('set aside "Total:"',),
    ),
    "a label of several words before a count is set aside": (
        "a.params",
        "the total number of parameters = K^2CD + D",
        "correct",
        ('set aside "the total number of parameters ="',),
    ),
    "a bracketed remark after a zero is set aside": (
        "a.pooling",
        "0 (no weights)",
        "correct",
        ('set aside "(no weights)"',),
    ),
    "none means 0 where the reference is 0": (
        "a.pooling",
        "none",
        "correct",
        ('read "none" as 0',),
    ),
    "no parameters means 0 where the reference is 0": (
        "a.pooling",
        "no parameters",
        "correct",
        ('read "no parameters" as 0',),
    ),
    "zero in words means 0": ("a.pooling", "Zero", "correct", ('read "Zero" as 0',)),
    "lower case is read as the question's upper-case symbols": (
        "a.params",
        "kkcd + d",
        "correct",
        ("read k as K, c as C, d as D",),
    ),
    "mathematical italic letters from Word are read as letters": (
        "a.params",
        "𝐾²𝐶𝐷+𝐷",
        "correct",
        ("read 𝐾 as K, 𝐶 as C, 𝐷 as D",),
    ),
    "full-width forms were always read, without a note": (
        "a.params",
        "ＫＫＣＤ + Ｄ",
        "correct",
        (),
    ),
    "mathematical bold digits are read as digits": (
        "a.params",
        "KKCD + D + 𝟎",
        "correct",
        ("read 𝟎 as 0",),
    ),
    "several steps at once each leave their note": (
        "a.params",
        "kkcd + d params",
        "correct",
        ('set aside "params"', "read k as K, c as C, d as D"),
    ),
    "a wrong count read leniently is still wrong, with its note": (
        "a.params",
        "kcd + d params",
        "incorrect",
        ('set aside "params"', "read k as K, c as C, d as D"),
    ),
    "a strictly readable answer gets no note": ("a.params", "K^2CD + D", "correct", ()),
    "a full stop ending the answer is read past": (
        "a.params",
        "K^2CD + D.",
        "correct",
        ('read past the "." at the end',),
    ),
    "a comma ending the answer is read past": (
        "a.params",
        "K^2CD + D, ",
        "correct",
        ('read past the "," at the end',),
    ),
    "a name the question does not use before = is set aside": (
        "a.params",
        "N = K^2CD + D",
        "correct",
        ('set aside "N ="',),
    ),
    "a name with a number sign before = is set aside": (
        "a.params",
        "#params = K^2CD + D",
        "correct",
        ('set aside "#params ="',),
    ),
    "a subscripted name before = is set aside": (
        "a.params",
        "N_{params} = K^2CD + D",
        "correct",
        ('set aside "N_{params} ="',),
    ),
    "an = with nothing before it is set aside": (
        "a.params",
        "= K^2CD + D",
        "correct",
        ('set aside "="',),
    ),
    "a comma every three digits separates thousands": (
        "a.pooling",
        "0 + 1,000 - 1,000",
        "correct",
        ('read "1,000" as 1000, "1,000" as 1000, the commas separating thousands',),
    ),
    "thousands separators in the value after a formula": (
        "a.params",
        "K^2CD + D = 1,005",
        "needs_review",
        ('read "1,005" as 1005, the commas separating thousands',),
    ),
}


@pytest.mark.parametrize(
    ("item_id", "text", "verdict", "notes"),
    READ_AS_A_MARKER_WOULD.values(),
    ids=READ_AS_A_MARKER_WOULD,
)
def test_an_answer_is_read_as_a_marker_would_with_a_note(rubric, item_id, text, verdict, notes):
    result = grade_answer(rubric, rubric.items[item_id], text)
    assert result.verdict == verdict, result.feedback
    assert result.reading_notes == notes
    assert result.answer == text
    assert item_json(result)["reading_notes"] == list(notes)


# A unit word after a count that names what the item counts, not parameters: set aside
# with a note, in the bundled rubrics whose items count entries, operations and positions.
COUNT_UNITS = [
    pytest.param("attn-q1", "c.count", "N^2 entries", 'set aside "entries"', id="entries"),
    pytest.param(
        "linear-backward-q1",
        "d.count",
        "NCD multiplications",
        'set aside "multiplications"',
        id="multiplications",
    ),
    pytest.param(
        "attention-q2", "b.flops", r"2 \cdot N^2 \cdot d_k FLOPs", 'set aside "FLOPs"', id="FLOPs"
    ),
    pytest.param(
        "attention-q2",
        "b.flops",
        "2N^2 d_k floating point operations",
        'set aside "floating point operations"',
        id="floating point operations",
    ),
    pytest.param(
        "strided-q1",
        "a.length",
        r"\lfloor(P-1)/2\rfloor + 1 \text{ positions}",
        r'set aside "\text{ positions}"',
        id="text positions",
    ),
]


@pytest.mark.parametrize(("name", "item_id", "text", "note"), COUNT_UNITS)
def test_a_unit_word_naming_what_is_counted_is_set_aside_with_a_note(name, item_id, text, note):
    from pathlib import Path

    from grader.rubric import load_rubric

    bundled = load_rubric(Path(__file__).resolve().parent.parent / "rubrics" / f"{name}.yaml")
    result = grade_answer(bundled, bundled.items[item_id], text)
    assert result.verdict == "correct", result.feedback
    assert result.reading_notes == (note,)


STILL_UNREAD = {
    "a word that names no count is not set aside": ("a.params", "KKCD + D apples", 9),
    "none is not read as 0 where the reference is not 0": ("a.params", "none", 0),
    "words between terms are not set aside": ("a.params", "KKCD and D", 5),
    "words that are not about a count are not set aside": ("a.params", "KKCD + D bananas", 9),
    "a Cyrillic letter is still refused, not folded": ("a.params", "KKCD + \u0434", 7),
    "a character whose folding is longer is refused where it stands": ("a.params", "KKCD + ½", 7),
    "hostile code is not read leniently": ("a.params", "__import__('os')", 11),
}


@pytest.mark.parametrize(("item_id", "text", "position"), STILL_UNREAD.values(), ids=STILL_UNREAD)
def test_what_a_marker_would_not_read_goes_to_a_person_with_the_strict_caret(
    rubric, item_id, text, position
):
    result = grade_answer(rubric, rubric.items[item_id], text)
    assert result.verdict == "invalid"
    assert result.needs_person
    assert result.error_position == position
    assert result.reading_notes == ()


# Found by a probe: an answer whose commas the thousands step reads, unreadable for another
# reason, was told "commas are not part of a count; write 1000, not 1,000" under a comma; the
# reason is told now, under what the student wrote (that step moves a number's digits right
# over its commas, so an error touching the number spans all of it).
PAST_THOUSANDS = {
    "a word after the count": (
        "1,500 + D apples",
        "unknown symbol apples",
        "1,500 + D apples\n          ^^^^^^",
    ),
    "a number after a factor": (
        "D 1,500",
        "'D 1500' is ambiguous",
        "D 1,500\n  ^^^^^",
    ),
    "a number of three groups": (
        "K 12,345,678 + D",
        "'K 12345678' is ambiguous",
        "K 12,345,678 + D\n  ^^^^^^^^^^",
    ),
    "a number too large": (
        "1,000,000,000,000,000,000,000,000,000,000,000 D",
        "this number is too large",
        "1,000,000,000,000,000,000,000,000,000,000,000 D\n" + "^" * 45,
    ),
    "a second answer after a comma is still told one answer only": (
        "KCD + D, 1,000",
        "commas are not part of a count",
        "KCD + D, 1,000\n       ^",
    ),
}


@pytest.mark.parametrize(("text", "message", "caret"), PAST_THOUSANDS.values(), ids=PAST_THOUSANDS)
def test_an_answer_read_past_its_thousands_separators_is_told_what_else_is_wrong(
    rubric, text, message, caret
):
    result = grade_answer(rubric, rubric.items["a.params"], text)
    assert result.verdict == "invalid"
    assert message in result.feedback[0]
    assert result.error_caret == caret


NAMED_BY_A_SYMBOL = {
    "a symbol of the question before =": ("C = K^2CD + D", "C =", "your count is correct"),
    "a symbol in another case before =": ("k = K^2CD + D", "K =", "your count is correct"),
    "a wrong count after a symbol": ("D = KCD + D", "D =", "it would earn 0 of 2 marks"),
}


@pytest.mark.parametrize(
    ("text", "written", "earns"), NAMED_BY_A_SYMBOL.values(), ids=NAMED_BY_A_SYMBOL
)
def test_a_symbol_of_the_question_before_equals_is_for_a_person(rubric, text, written, earns):
    result = grade_answer(rubric, rubric.items["a.params"], text)
    assert result.verdict == "needs_review"
    assert result.marks == 0
    assert result.feedback[0].startswith(f"Your answer starts with {written}")
    assert result.feedback[0].endswith(f"{earns}.")


SWITCHED_OFF = {
    "strict: [case] refuses lower case": ("[case]", "a.params", "kkcd + d"),
    "strict: [words] refuses words around a count": ("[words]", "a.params", "KKCD + D params"),
    "strict: [zero_words] refuses none": ("[zero_words]", "a.pooling", "none"),
    "strict: [compatibility] refuses mathematical letters": (
        "[compatibility]",
        "a.params",
        "𝐾𝐾𝐶𝐷+𝐷",
    ),
    "strict: true refuses them all": ("true", "a.params", "KKCD + D params"),
}


@pytest.mark.parametrize(("strict", "item_id", "text"), SWITCHED_OFF.values(), ids=SWITCHED_OFF)
def test_a_rubric_switches_a_lenient_step_off(strict, item_id, text):
    rubric = load_rubric_text(rubric_text(strict), "strict.yaml")
    assert grade_answer(rubric, rubric.items[item_id], text).verdict == "invalid"


def test_switching_one_step_off_leaves_the_others_on():
    rubric = load_rubric_text(rubric_text("[case]"), "strict.yaml")
    assert grade_answer(rubric, rubric.items["a.params"], "KKCD + D params").verdict == "correct"


def test_an_unknown_lenient_step_is_a_rubric_problem_naming_the_steps():
    from grader.errors import RubricError

    with pytest.raises(RubricError) as raised:
        load_rubric_text(rubric_text("[cases]"), "strict.yaml")
    assert "unknown lenient step 'cases'" in str(raised.value)
    assert "compatibility, zero_words, thousands, punctuation, times, words, case" in str(
        raised.value
    )


def test_case_is_never_ignored_when_the_rubric_declares_both_cases():
    rubric = load_rubric_text(rubric_text(symbols="K C D d P Q"), "both.yaml")
    result = grade_answer(rubric, rubric.items["a.params"], "kkcD + D")
    assert result.verdict == "invalid"
    assert "did you mean K?" in result.feedback[0]


SUBMISSIONS = {
    "yaml": (
        "student: s\nquestion: LENIENT\nanswers:\n  a:\n    params: 'KKCD + D params'\n",
        "s.yaml",
    ),
    "markdown without maths delimiters": (
        "---\nstudent: s\nquestion: LENIENT\n---\n## (a)\nParameters: KKCD + D params\n",
        "s.md",
    ),
}


def submitted(rubric, tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_submissions(path, rubric)[0]


@pytest.mark.parametrize(("text", "name"), SUBMISSIONS.values(), ids=SUBMISSIONS)
def test_the_same_answer_gets_the_same_result_from_yaml_and_markdown(rubric, tmp_path, text, name):
    result = grade_submission(rubric, submitted(rubric, tmp_path, text, name))
    item = result.items["a.params"]
    assert (item.verdict, item.marks, item.reading_notes) == (
        "correct",
        2.0,
        ('set aside "params"',),
    )


def test_the_note_is_on_the_students_page(rubric, tmp_path):
    from grader.html_report import render_student

    result = grade_submission(rubric, submitted(rubric, tmp_path, *SUBMISSIONS["yaml"]))
    page = render_student(rubric, result)
    assert "To read your answer we set aside &#34;params&#34;." in page


def test_the_note_is_stored_in_the_gradebook_and_read_back(rubric, tmp_path):
    from grader import gradebook

    result = grade_submission(rubric, submitted(rubric, tmp_path, *SUBMISSIONS["yaml"]))
    connection = gradebook.connect(tmp_path / "gb.sqlite")
    run_id = gradebook.start_run(connection, rubric, rubric_text())
    gradebook.store_submission(connection, run_id, rubric.id, result)
    run = gradebook.current_run(run_id, rubric)
    back = gradebook.load_batch(connection, run).results[0].items["a.params"]
    assert back.reading_notes == ('set aside "params"',)
    stored = connection.execute("SELECT reading_notes FROM item_results").fetchall()
    assert json.loads(stored[0][0]) == ['set aside "params"']


SYMBOLS = {name: sympy.Symbol(name) for name in "KCDPQ"}
QUESTION = Question(tuple(SYMBOLS), reference_is_zero=True)


@given(st.text(max_size=60))
def test_every_lenient_step_keeps_the_length_so_carets_stay_right(text):
    for step in LENIENT_STEPS.values():
        read, _ = step(text, QUESTION)
        assert len(read) == len(text)


@given(st.text(alphabet="KCDPQ+*^()23 ", min_size=1, max_size=30))
def test_leniency_never_changes_how_a_strictly_readable_answer_is_read(text):
    try:
        strict = parse(text, SYMBOLS)
    except Exception:
        return
    lenient = parse(text, SYMBOLS, tuple(LENIENT_STEPS), reference_is_zero=True)
    assert lenient.sides == strict.sides
    assert lenient.notes == ()


# Answers the words step once took minutes or hours over: it tried every way of splitting a run
# of letters into words (2^n for n letters), and searched the whole answer again for each piece
# it set aside at the end. It now leaves them as written at once.
LEFT_AS_WRITTEN = {
    "a sentence that is no label": "I do not know how to compute the number of parameters here",
    "a run of 60 letters": "x" * 60,
    "a run of unit words that is no label": "no " * 10_000 + "9CD",
    "a count followed by a million spaces": "9CD" + " " * 1_000_000,
}


@pytest.mark.parametrize("text", LEFT_AS_WRITTEN.values(), ids=LEFT_AS_WRITTEN)
def test_the_words_step_leaves_a_long_answer_of_no_label_as_written(text):
    assert set_aside_words(text, QUESTION) == (text, None)


@pytest.mark.parametrize("text", ["9CD + D ()", r"9CD + D \text{}"], ids=["()", "text{}"])
def test_empty_brackets_at_the_end_are_no_words_to_set_aside(text):
    assert set_aside_words(text, QUESTION) == (text, None)


def test_the_words_step_sets_aside_many_pieces_after_a_count():
    text = "9CD" + r" params \text{ weights} (no biases)" * 10_000
    read, note = set_aside_words(text, QUESTION)
    assert read == "9CD".ljust(len(text))
    assert note == f'set aside "{text[3:].strip()}"'


def test_an_answer_over_the_length_limit_is_never_read_leniently(monkeypatch):
    tried = []

    def spy(text, question):
        tried.append(text)
        return text, "a note"

    for name in LENIENT_STEPS:
        monkeypatch.setitem(LENIENT_STEPS, name, spy)
    with pytest.raises(AnswerError, match="the limit is 1000"):
        parse("0x" + "f" * 4000, SYMBOLS, tuple(LENIENT_STEPS))
    assert tried == []


def test_compatibility_folding_reports_each_character_once_and_keeps_positions():
    folded, pairs = fold_compatibility_forms("𝑃𝑄 + 𝑃 ½")
    assert folded == "PQ + P ½"
    assert pairs == (("𝑃", "P"), ("𝑄", "Q"))
