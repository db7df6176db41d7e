"""The gradebook's lists of texts (feedback, decision path, reading notes, warnings), written
and read back through the caches of issue 20: the same stored text as `json.dumps` wrote
before, the same tuples back, and a damaged row still named for what is damaged, however
many times it is read."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader import gradebook
from grader.model import ItemResult, SubmissionResult
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")

# short and long lists: a list over _CACHED_CHARACTERS is encoded and decoded every time
texts = st.lists(st.text(max_size=700), max_size=5).map(tuple)


@given(texts)
def test_a_list_is_stored_as_json_dumps_wrote_it(values):
    assert gradebook._json_list(values) == json.dumps(list(values), ensure_ascii=False)


@given(texts)
def test_a_stored_list_reads_back_as_the_same_tuple(values):
    stored = gradebook._json_list(values)
    assert gradebook._strings(stored, "feedback") == values
    assert gradebook._strings(stored, "feedback") == values  # from the cache


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("not a list", "its feedback is not valid JSON"),
        ('["unterminated', "its feedback is not valid JSON"),
        ('{"a": 1}', "its feedback is not a list of texts"),
        ("[1, 2]", "its feedback is not a list of texts"),
        ('["a", null]', "its feedback is not a list of texts"),
        ("3", "its feedback is not a list of texts"),
        (None, "its feedback is not of the expected shape"),
        (7, "its feedback is not of the expected shape"),
    ],
    ids=[
        "not-json",
        "cut-short",
        "a-mapping",
        "numbers",
        "a-null-inside",
        "a-number",
        "null",
        "an-integer-column",
    ],
)
def test_a_damaged_list_is_named_every_time_it_is_read(stored, message):
    for _ in range(2):  # an exception is never cached: the second read says it again
        with pytest.raises(gradebook.DamagedRow) as raised:
            gradebook._strings(stored, "feedback")
        assert str(raised.value) == message


def every_field(item_id: str, number: int) -> ItemResult:
    return ItemResult(
        item_id=item_id,
        verdict="partial",
        marks=0.5,
        max_marks=2.0,
        feedback=(f"feedback {number % 3}", 'é ∑ "quoted" \\ </script>'),
        answer=f" answer {number} ",
        interpretation="x + 1",
        diagnosis="misconception 1",
        error_position=3,
        error_caret="^",
        reading_mathml="<math><mi>x</mi></math>",
        answer_group=f"group {number % 2}",
        decision=("read", f"step {number % 4}"),
        found="from line 14: x",
        reading_notes=() if number % 2 else ("read p as P",),
    )


def test_results_stored_and_read_back_are_equal_and_the_rows_are_as_json_dumps_wrote(tmp_path):
    results = [
        SubmissionResult(
            f"student-{n}",
            f"s{n}.yaml",
            {i: every_field(i, n) for i in RUBRIC.items},
            (f"warning {n} ∑",) if n % 2 else (),
        )
        for n in range(7)
    ]
    connection = gradebook.connect(tmp_path / "gradebook.sqlite")
    run_id = gradebook.start_run(connection, RUBRIC, RUBRIC.source_text)
    assert gradebook.store_submissions(connection, run_id, RUBRIC.id, results) == 7
    back = list(gradebook.iter_results(connection, gradebook.current_run(run_id, RUBRIC)))
    assert back == results
    rows = connection.execute(
        "SELECT feedback, decision, reading_notes FROM item_results ORDER BY student, item_id"
    ).fetchall()
    expected = sorted((r.student, i.item_id, i) for r in results for i in r.items.values())
    assert rows == [
        tuple(json.dumps(list(v), ensure_ascii=False)
              for v in (i.feedback, i.decision, i.reading_notes))
        for _, _, i in expected
    ]  # fmt: skip
    # a second store of the same results writes nothing: the rows compare equal
    assert gradebook.store_submissions(connection, run_id, RUBRIC.id, results) == 0
    connection.close()


def test_a_long_list_is_stored_and_read_back_without_entering_the_caches():
    long = ("é" * 700, "<" * 700)
    stored = gradebook._json_list(long)
    encoded, decoded = (
        gradebook._remembered_json_list.cache_info().currsize,
        gradebook._decoded_strings.cache_info().currsize,
    )
    assert stored == json.dumps(list(long), ensure_ascii=False)
    assert gradebook._strings(stored, "feedback") == long
    assert gradebook._json_list(long) == stored
    assert gradebook._remembered_json_list.cache_info().currsize == encoded
    assert gradebook._decoded_strings.cache_info().currsize == decoded
