"""A submission file of the usual shape is read straight from PyYAML's nodes
(`yaml_submission._usual_submission`), without making located nodes: for any file, what it
reads is what the general reading (`yaml_source.located` and `Fields`) reads, and any file it
declines the general reading reads or reports on."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.errors import SubmissionError
from grader.submissions import yaml_submission
from grader.submissions.yaml_submission import load_yaml_submission
from grader.yaml_source import compose_yaml, located

PATH = Path("student.yaml")


def _general(text: str):
    """The general reading of `text`: the submission, or the error's message."""
    try:
        node = compose_yaml(PATH, text, SubmissionError)
        return yaml_submission._submission(located(PATH, node, SubmissionError), PATH)
    except SubmissionError as error:
        return str(error)


def _usual(text: str):
    try:
        node = compose_yaml(PATH, text, SubmissionError)
    except SubmissionError:
        return None
    return yaml_submission._usual_submission(node, PATH)


# Scalars as a student may write them: texts in every style, what YAML 1.1 types by itself
# (numbers, octal, base 60, booleans, dates, nulls); and, now and then, what the usual reading
# declines: explicit and unknown tags, long numbers, collections, anchors and aliases.
SCALARS = [
    "9CD + D", "'9CD + D'", '"P·Q·C"', "''", '""', "~", "null", "", "600", "0123", "1:30",
    "1e3", "-7", "3.5", ".inf", "yes", "No", "2000-01-01", "2000-20-40", "!!str 5", "!!int 5",
    "|\n    a\n    b", ">\n    folded\n    text", "'  padded  '", "  spaced", "x" * 70,
]  # fmt: skip
ODD_SCALARS = [
    "!!int abc", "!!float '1'", "!!int '0x10'", "!custom x", "!!null x", "!!bool 5", "1" * 70,
    "[1, 2]", "{p: 1}", "&s shared", "*s",
]  # fmt: skip
NAMES = ["a", "b", "params", "formula", "'quoted'", "1", "A", "a b"]
ODD_NAMES = ["&k a", "*k", "a"]


def _sometimes(draw, usual: list[str], odd: list[str]) -> str:
    return draw(st.sampled_from(odd if draw(st.integers(0, 19)) == 13 else usual))


@st.composite
def documents(draw) -> str:
    """A submission file: mostly of the usual shape, with now and then a key missing, given
    twice or unknown, a part or an answer of another shape, anchors and aliases."""
    lines = []
    keys = ["student", "question", "answers"]
    if draw(st.integers(0, 4)) == 3:
        keys = draw(st.permutations(keys + draw(st.sampled_from([[], ["notes"], ["student"]]))))
        keys = keys[: draw(st.integers(len(keys) - 1, len(keys)))]
    for key in keys:
        if key == "answers":
            if draw(st.integers(0, 19)) == 13:
                lines.append(f"answers: {draw(st.sampled_from(SCALARS[:8]))}")
                continue
            lines.append("answers:")
            for part in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True)):
                if draw(st.integers(0, 19)) == 13:
                    lines.append(f"  {part}: {draw(st.sampled_from(SCALARS))}")
                    continue
                lines.append(f"  {part}:")
                unique = draw(st.integers(0, 9)) != 7  # else perhaps an item given twice
                items = draw(
                    st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=unique)
                )
                for item in items:
                    value = _sometimes(draw, SCALARS, ODD_SCALARS).replace("\n", "\n    ")
                    lines.append(f"    {_sometimes(draw, [item], ODD_NAMES)}: {value}")
        else:
            value = _sometimes(draw, ["ada", "'ada'", "22-52-Q4"], ["' '", "12345", "~"])
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


@settings(max_examples=400, deadline=None)
@given(documents())
def test_the_usual_reading_is_the_general_one(text):
    usual = _usual(text)
    if usual is not None:
        assert usual == _general(text)


def test_the_documents_drawn_are_mostly_usual():
    """The property above is about files the usual reading reads: most drawn must be."""
    read = []

    @settings(max_examples=200, deadline=None, database=None)
    @given(documents())
    def draw(text):
        read.append(_usual(text) is not None)

    draw()
    assert sum(read) > len(read) // 3


@pytest.mark.parametrize(
    "text",
    [
        "student: ada\nquestion: 22-52-Q4\nanswers:\n  a:\n    params: 9CD + D\n",
        "question: Q\nanswers:\n  a:\n    params: 0123\n    formula: ~\nstudent: ' ada '\n",
        "student: ada\nquestion: Q\nanswers:\n  a:\n    x: yes\n    y: 2000-20-40\n    z: '7'\n",
        "student: ada\nquestion: Q\nanswers: {}\n",
        "student: ada\nquestion: Q\nanswers:\n  a: &p\n    x: 1\n  b: *p\n",
    ],
)
def test_usual_files_are_read_the_usual_way_and_as_before(tmp_path, text):
    assert _usual(text) is not None
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    expected = _general(text)
    read = load_yaml_submission(path)
    assert (read.student, read.question, read.answers) == (
        expected.student, expected.question, expected.answers
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "student: ada\nquestion: Q\nanswers:\n  a:\n    x: 1\n    x: 2\n",  # given twice
        "student: ada\nquestion: Q\nanswers:\n  a:\n    x: !!int abc\n",  # a tag refused
        "student: 12345\nquestion: Q\nanswers:\n  a:\n    x: 1\n",  # not a text
        "student: ' '\nquestion: Q\nanswers:\n  a:\n    x: 1\n",  # blank
        "student: ada\nquestion: Q\nanswers:\n  a:\n    x: [1]\n",  # not an answer
        "student: ada\nquestion: Q\nanswers:\n  a: 5\n",  # a part that is not a mapping
        "student: ada\nquestion: Q\nnotes: hi\nanswers:\n  a:\n    x: 1\n",  # unknown key
        "student: ada\nanswers:\n  a:\n    x: 1\n",  # no question
        "student: ada\nquestion: Q\nanswers:\n  a:\n    x: !!float '1'\n",  # explicit tag
        "student: ada\nquestion: Q\nanswers:\n  a:\n    x: !!int '0x10'\n",  # read as 16
    ],
)
def test_other_files_are_left_to_the_general_reading(tmp_path, text):
    assert _usual(text) is None
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    expected = _general(text)
    if isinstance(expected, str):
        with pytest.raises(SubmissionError) as raised:
            load_yaml_submission(path)
        assert str(raised.value).replace(str(path), str(PATH)) == expected
    else:
        assert load_yaml_submission(path).answers == expected.answers
