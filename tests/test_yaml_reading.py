"""Reading a YAML submission after issue 20 made it cheaper (a text scalar taken as it is, a
scalar not marked open, the tags of short plain texts remembered, a file read at its own
size): every kind of error still names the file's line and key in the same words, the
values and lines are those of PyYAML's own safe loader, and a file is read whole or refused
whatever its size did since it was looked at."""

import codecs
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import yaml_source
from grader.errors import Problem, SubmissionError
from grader.model import SubmittedAnswer
from grader.rubric import load_rubric
from grader.submissions import load_submissions
from grader.submissions.yaml_submission import load_yaml_submission
from grader.yaml_source import MAX_FILE_BYTES, Mapping, Scalar, Sequence, load_yaml

HEAD = "student: s1\nquestion: 22-52-Q4\n"
BOMB = (
    HEAD
    + "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 7))
    + "answers: {}\n"
)
DEEP = "[" * 101 + "]" * 101

ERRORS = [
    (
        "a duplicate item",
        HEAD + "answers:\n  a:\n    formula: x\n    formula: y\n",
        [Problem(6, "answers.a.formula", "duplicate key (first given at line 5)")],
    ),
    (
        "a duplicate part",
        HEAD + "answers:\n  a:\n    formula: x\n  a:\n    params: y\n",
        [Problem(6, "answers.a", "duplicate key (first given at line 4)")],
    ),
    (
        "a misspelt key",
        "studnet: s1\nquestion: 22-52-Q4\nanswers: {}\n",
        [
            Problem(1, "student", "is required"),
            Problem(1, "studnet", "unknown key; did you mean student?"),
        ],
    ),
    (
        "a list for a name",
        "student: [a, b]\nquestion: 22-52-Q4\nanswers: {}\n",
        [Problem(1, "student", "expected text, found a list")],
    ),
    (
        "a python tag",
        HEAD + "answers:\n  a:\n    formula: !!python/object/apply:os.system [ls]\n",
        [
            Problem(
                5,
                "answers.a.formula",
                "YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
            )
        ],
    ),
    (
        "an int tag on text",
        HEAD + "answers:\n  a:\n    params: !!int nine\n",
        [Problem(5, "answers.a.params", "the YAML tag !!int cannot be given 'nine'")],
    ),
    (
        "an unclosed bracket",
        HEAD + "answers:\n  a: [x, y\n  b: z\n",
        [
            Problem(
                4,
                "answers.a",
                "is not valid YAML: the [ opened on this line is not closed (at line 5: "
                "expected ',' or ']', but got ':')",
            )
        ],
    ),
    (
        "an unclosed brace in a list",
        HEAD + "answers:\n  a:\n    list:\n      - {x: 1\n      - {x: 2}\n",
        [
            Problem(
                6,
                "answers.a.list[0]",
                "is not valid YAML: the { opened on this line is not closed (at line 7: "
                "expected ',' or '}', but got '{')",
            )
        ],
    ),
    (
        "a tab for indentation",
        HEAD + "answers:\n\ta: x\n",
        [
            Problem(
                4,
                "",
                "is not valid YAML: while scanning for the next token: found character '\\t' "
                "that cannot start any token (indent with spaces: YAML does not allow tabs)",
            )
        ],
    ),
    (
        # Found by a new user: an unclosed quote was reported lines later, with no key.
        "an unclosed quote",
        HEAD + "answers:\n  a:\n    params: '9CD + D\n    formula: x\n  b:\n    params: 'CD'\n",
        [
            Problem(
                5,
                "answers.a.params",
                "is not valid YAML: this line opens a quote it does not close (YAML then reads "
                "on, and at line 8 finds: while parsing a block mapping (from line 5): expected "
                "<block end>, but found '<scalar>')",
            )
        ],
    ),
    (
        "an unclosed double quote at the end",
        HEAD + 'answers:\n  a:\n    params: "9CD + D\n',
        [
            Problem(
                5,
                "answers.a.params",
                "is not valid YAML: this line opens a quote it does not close (YAML then reads "
                "on, and at line 6 finds: while scanning a quoted scalar (from line 5): found "
                "unexpected end of stream)",
            )
        ],
    ),
    (
        "a key indented less than its neighbours",
        HEAD + "answers:\n  a:\n    params: 9CD\n   formula: x\n",
        [
            Problem(
                6,
                "answers.a.formula",
                "is not valid YAML: while parsing a block mapping (from line 4): expected "
                "<block end>, but found '<block mapping start>' (is this line indented as the "
                "keys beside it?)",
            )
        ],
    ),
    (
        # Found by a rubric author: a key indented less than the lines on both sides was
        # reported at the line after it, with a key path that line does not have.
        "a key indented less than the lines on both sides of it",
        HEAD + "answers:\n  a:\n    params: 9CD\n  formula: x\n    explanation: y\n",
        [
            Problem(
                6,
                "answers.a.formula",
                "is not valid YAML: this line is indented less than the lines on both sides of "
                "it (5 and 7); indent `formula` as they are",
            )
        ],
    ),
    (
        "a key indented under a key that has its value",
        HEAD + "answers:\n  a:\n    params: 9CD\n      formula: x\n",
        [
            Problem(
                6,
                "answers.a.formula",
                "is not valid YAML: this line is indented more than line 5 above it, whose key "
                "`params` already has its value there, so nothing can be nested under it; "
                "indent this line as the keys beside it",
            )
        ],
    ),
    (
        "a key of a list's entry indented past the entry's first key",
        HEAD + "answers:\n  a:\n    - params: 9CD\n       formula: x\n",
        [
            Problem(
                6,
                "answers.a[0].formula",
                "is not valid YAML: this line is indented more than line 5 above it, whose key "
                "`params` already has its value there, so nothing can be nested under it; "
                "indent this line as the keys beside it",
            )
        ],
    ),
    (
        "words with ': ' under a value: more likely a value to quote",
        HEAD + "answers:\n  a:\n    params: 9CD is\n      my answer: yes\n",
        [
            Problem(
                6,
                "answers.a.params.my answer",
                "is not valid YAML: mapping values are not allowed here (a value that holds "
                "': ' must be quoted; or a line above lacks its ':')",
            )
        ],
    ),
    (
        "a key without its colon",
        HEAD + "answers:\n  a\n    params: 9CD\n",
        [
            Problem(
                5,
                "answers.params",
                "is not valid YAML: mapping values are not allowed here (a value that holds "
                "': ' must be quoted; or a line above lacks its ':')",
            )
        ],
    ),
    (
        # Found by a hostile-input sweep: a half pair reached the gradebook, whose writing
        # failed, and the whole batch with it.
        "half of a UTF-16 pair in the student",
        'student: "s1\\ud800"\nquestion: 22-52-Q4\nanswers:\n  a:\n    params: 9CD\n',
        [Problem(1, "student", yaml_source._HALF_A_PAIR)],
    ),
    (
        "half of a UTF-16 pair in an answer",
        HEAD + 'answers:\n  a:\n    params: "9CD\\udc00"\n',
        [Problem(5, "answers.a.params", yaml_source._HALF_A_PAIR)],
    ),
    (
        "half of a UTF-16 pair in a key",
        HEAD + 'answers:\n  a:\n    "p\\ud800": 9CD\n',
        [Problem(5, "answers.a", yaml_source._HALF_A_PAIR)],
    ),
    (
        "an alias to itself",
        HEAD + "answers: &x\n  a: *x\n",
        [Problem(3, "answers.a", "an alias refers to a value containing it")],
    ),
    (
        "a part that is not a mapping",
        HEAD + "answers:\n  a: 5\n  b:\n    formula: x\n",
        [Problem(4, "answers.a", "expected the part's items, e.g. a: {params: your answer}")],
    ),
    (
        "an empty student",
        "student: '  '\nquestion: 22-52-Q4\nanswers: {}\n",
        [Problem(1, "student", "is empty")],
    ),
    (
        "lists nested too deep",
        HEAD + f"answers:\n  a:\n    formula: {DEEP}\n",
        [Problem(5, "answers.a.formula" + "[0]" * 97, "values are nested more than 100 deep")],
    ),
    (
        "a YAML bomb",
        BOMB,
        [
            Problem(
                3,
                "l4[3][3][8][8][6]",
                "the document has more than 50000 values (aliases expanding?)",
            )
        ],
    ),
    ("no answers", HEAD, [Problem(1, "answers", "is required")]),
    ("an empty file", "", [Problem(None, "", "is empty")]),
    (
        "a list, not a mapping",
        "- a\n- b\n",
        [Problem(1, "", "expected a mapping of keys to values, found a list")],
    ),
]


@pytest.mark.parametrize(("text", "problems"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_every_kind_of_error_names_its_line_and_key(text, problems, tmp_path):
    path = tmp_path / "s1.yaml"
    path.write_text(text, "utf-8")
    for _ in range(2):  # and again, with the tags of its texts remembered
        with pytest.raises(SubmissionError) as raised:
            load_yaml_submission(path)
        assert raised.value.path == path
        assert raised.value.problems == problems


def test_a_file_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "s1.yaml"
    path.write_bytes(HEAD.encode() + b"answers:\n  a:\n    formula: caf\xe9\n")
    with pytest.raises(SubmissionError) as raised:
        load_yaml_submission(path)
    assert raised.value.problems == [
        Problem(5, "", "is not valid UTF-8 (byte 61); save it as UTF-8")
    ]


@pytest.mark.parametrize(
    ("mark", "encoding"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
    ids=["little-endian", "big-endian"],
)
def test_a_utf16_file_is_said_to_be_utf16(tmp_path, mark, encoding):
    # Excel saves an export as "Unicode text": UTF-16 with its byte-order mark, in a .txt.
    path = tmp_path / "export.txt"
    path.write_bytes(mark + "Name\tResponse 1\nann\tx\n".encode(encoding))
    with pytest.raises(SubmissionError) as raised:
        load_yaml_submission(path)
    [problem] = raised.value.problems
    assert problem.message.startswith("is UTF-16 text, not UTF-8: save it as UTF-8")
    assert "named .csv" in problem.message


@pytest.mark.parametrize("inner", ["x", "[]", "{}"], ids=["a text", "a list", "a mapping"])
@pytest.mark.parametrize(("lists", "refused"), [(96, False), (97, True)])
def test_the_depth_limit_holds_for_a_scalar_as_for_a_collection(inner, lists, refused):
    # the root, answers and a are three levels: 96 lists and what is inside make 100
    text = "answers:\n  a:\n    formula: " + "[" * lists + inner + "]" * lists + "\n"
    if not refused:
        assert isinstance(load_yaml("f.yaml", text, SubmissionError), Mapping)
        return
    with pytest.raises(SubmissionError) as raised:
        load_yaml("f.yaml", text, SubmissionError)
    assert raised.value.problems == [
        Problem(3, "answers.a.formula" + "[0]" * 97, "values are nested more than 100 deep")
    ]


def test_answers_are_kept_as_written_with_their_lines(tmp_path):
    path = tmp_path / "s1.yaml"
    path.write_text(
        HEAD
        + "answers:\n"
        + "  a:\n    formula: 9CD + D\n    params: 0123\n"
        + "  b:\n    formula: '1:30'\n    params: yes\n"
        + "  c:\n    formula: 1e3\n    params: 600\n"
        + "  d:\n    formula: >\n      y = W x\n    params:\n"
        + '  e:\n    formula: !!str 12\n    explanation: "a \\u00e9"\n',
        "utf-8",
    )
    submission = load_yaml_submission(path)
    assert submission.answers == {
        "a.formula": SubmittedAnswer("9CD + D", 5),
        "a.params": SubmittedAnswer("0123", 6),
        "b.formula": SubmittedAnswer("1:30", 8),
        "b.params": SubmittedAnswer("yes", 9),
        "c.formula": SubmittedAnswer("1e3", 11),
        "c.params": SubmittedAnswer("600", 12),
        "d.formula": SubmittedAnswer("y = W x", 14),
        "d.params": SubmittedAnswer(None, 16),
        "e.formula": SubmittedAnswer("12", 18),
        "e.explanation": SubmittedAnswer("a é", 19),
    }


def plain(node):
    """What a located node holds, as PyYAML's safe_load gives it."""
    if isinstance(node, Mapping):
        return {key: plain(value) for key, (_, value) in node.entries.items()}
    if isinstance(node, Sequence):
        return [plain(item) for item in node.items]
    return node.value


def lines(node, composed):
    """Pairs (our line, PyYAML's pure-Python composer's line) for every node."""
    pairs = [(node.line, composed.start_mark.line + 1)]
    if isinstance(node, Mapping):
        for (key, (key_line, value)), (key_node, value_node) in zip(
            node.entries.items(), composed.value, strict=True
        ):
            assert key == key_node.value
            pairs.append((key_line, key_node.start_mark.line + 1))
            pairs += lines(value, value_node)
    elif isinstance(node, Sequence):
        for item, item_node in zip(node.items, composed.value, strict=True):
            pairs += lines(item, item_node)
    return pairs


scalars = st.one_of(
    st.text(max_size=80),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.sampled_from(["0123", "1:30", "yes", "off", "1e3", "~", "2001-12-14", ".inf", "0x1F"]),
)
documents = st.dictionaries(
    st.text(min_size=1, max_size=12),
    st.one_of(
        scalars,
        st.lists(scalars, max_size=4),
        st.dictionaries(st.text(max_size=5), scalars, max_size=3),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(documents, st.sampled_from([None, False, True]))
def test_values_and_lines_are_those_of_pyyamls_safe_loader(document, flow):
    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    expected = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506  the pure-Python safe loader
    composed = yaml.compose(text, Loader=yaml.SafeLoader)
    for _ in range(2):  # and again, with the tags of its texts remembered
        node = load_yaml("f.yaml", text, SubmissionError)
        assert plain(node) == expected
        pairs = lines(node, composed)
        assert [ours for ours, _ in pairs] == [theirs for _, theirs in pairs]


@given(st.text(max_size=yaml_source._REMEMBERED_LENGTH + 2), st.booleans(), st.booleans())
def test_a_remembered_tag_is_the_one_yaml_resolves(text, plain_style, quoted):
    resolver = yaml.resolver.Resolver()
    implicit = (plain_style, quoted)
    assert yaml_source._scalar_tag(text, implicit) == resolver.resolve(
        yaml.ScalarNode, text, implicit
    )


def test_a_file_grown_since_it_was_looked_at_is_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "s1.yaml"
    text = HEAD + "answers:\n  a:\n    formula: " + "x" * 5000 + "\n"
    path.write_text(text, "utf-8")
    small = os.stat_result((0o100644, 0, 0, 1, 0, 0, 10, 0, 0, 0))
    monkeypatch.setattr(os, "fstat", lambda fd: small)
    assert yaml_source.read_bounded_text(path, SubmissionError) == text


def test_a_file_grown_past_the_limit_since_it_was_looked_at_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "s1.yaml"
    path.write_bytes(b"x" * (MAX_FILE_BYTES + 5))
    small = os.stat_result((0o100644, 0, 0, 1, 0, 0, 10, 0, 0, 0))
    monkeypatch.setattr(os, "lstat", lambda p: small)
    monkeypatch.setattr(os, "fstat", lambda fd: small)
    with pytest.raises(SubmissionError) as raised:
        yaml_source.read_bounded_text(path, SubmissionError)
    assert raised.value.problems == [Problem(None, "", f"is larger than {MAX_FILE_BYTES} bytes")]


@pytest.mark.parametrize("size", [0, 1, 8191, 8192, MAX_FILE_BYTES])
def test_a_file_up_to_the_limit_is_read_whole(size, tmp_path):
    path = tmp_path / "s1.yaml"
    path.write_bytes(b"a" * size)
    assert yaml_source.read_bounded_text(path, SubmissionError) == "a" * size


def test_a_scalar_keeps_its_raw_text_and_style():
    node = load_yaml("f.yaml", "a: '0123'\nb: 0123\nc: !!str 5\n", SubmissionError)
    assert node.entries["a"][1] == Scalar(1, "0123", "0123", False)
    assert node.entries["b"][1] == Scalar(2, 83, "0123", True)
    assert node.entries["c"][1] == Scalar(3, "5", "5", True)


@settings(max_examples=300)
@given(
    st.lists(
        st.text(alphabet=" -:'\"#{}[],ab\t", max_size=12).map(lambda line: line.rstrip("\n")),
        max_size=12,
    )
)
def test_any_text_is_read_or_refused_with_problems_and_nothing_else(lines_):
    # Where a text that is not YAML is said to go wrong (its quote, its key) is found from
    # its lines alone: it must never fail in a way of its own.
    text = "\n".join(lines_) + "\n"
    try:
        load_yaml("f.yaml", text, SubmissionError)
    except SubmissionError as error:
        for problem in error.problems:
            assert problem.line is None or 1 <= problem.line <= len(lines_) + 1
            assert isinstance(problem.key, str)


@pytest.mark.parametrize(
    ("rubric", "answers", "example"),
    [
        ("strided-q1", "  a.length: ⌈P/2⌉\n", "a: {length: your answer}"),
        ("strided-q1", "  c: 3CD + D\n", "c: {params: your answer}"),
        ("strided-q1", "  z: 3\n", "a: {length: your answer}"),
        ("22-52-q4", "  b: 9CD + D\n", "b: {formula: your answer}"),
    ],
    ids=["an item in its part's place", "a part's answer with no item", "a part not in the rubric",
         "another rubric's names"],
)  # fmt: skip
def test_a_nesting_error_is_shown_in_the_rubric_s_own_names(tmp_path, rubric, answers, example):
    # An example from another question (22-52-Q4's `params: 9CD + D` given for STRIDED-Q1)
    # names items the student's question does not have, and gives away that question's answer.
    loaded = load_rubric(Path(__file__).resolve().parent.parent / "rubrics" / f"{rubric}.yaml")
    path = tmp_path / "s.yaml"
    path.write_text(f"student: s1\nquestion: {loaded.id}\nanswers:\n{answers}", encoding="utf-8")
    (error,) = load_submissions(path, loaded)
    assert isinstance(error, SubmissionError)
    assert error.problems[0].message == f"expected the part's items, e.g. {example}"
