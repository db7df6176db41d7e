"""Reading rubrics and submissions against the red-team list of issue 12: items 1, 3, 4, 5, 8,
15, 17, 19, 20, 27 and 28. Nothing a student or an instructor writes may hang the grader,
crash it, or cost another student their result; every refusal names the file, line and key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from grader.cli import main
from grader.errors import RubricError, SubmissionError
from grader.grade import grade_paths
from grader.rubric import load_rubric
from grader.submissions import MAX_STUDENT_ID, load_submission
from grader.submissions.yaml_submission import load_yaml_submission

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
RUBRIC = load_rubric(RUBRIC_PATH)
FRONT = "---\nstudent: ann\nquestion: 22-52-Q4\n---\n"


def yaml_submission(student: str, params: str = "'PQD(PQC+1)'", extra: str = "") -> str:
    return (
        f"student: {json.dumps(student)}\nquestion: 22-52-Q4\n"
        f"answers:\n  a:\n    params: {params}\n{extra}"
    )


# --- 1. Reading a submission is linear in its size --------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("## a" + " " * 50_000 + "!", id="a heading with a long run of spaces"),
        pytest.param("## (" + " " * 30_000 + "a" + " " * 30_000 + "!", id="spaces around a part"),
        pytest.param("### Part" + " " * 50_000 + "b" + " " * 50_000 + ")!", id="spaces after Part"),
    ],
)
def test_a_heading_built_to_backtrack_is_read_at_once(tmp_path, line):
    # Before the fix, 1,500 spaces took 81 s and 50,000 would take days: the read runs in a
    # separate process so that a regression fails here instead of hanging the suite.
    path = tmp_path / "s.md"
    path.write_text(FRONT + line + "\n## (b)\nParameters: $9CD + D$\n", encoding="utf-8")
    script = (
        "import sys; from pathlib import Path; from grader.rubric import load_rubric;"
        "from grader.submissions import load_submission;"
        f"s = load_submission(Path({str(path)!r}), load_rubric({str(RUBRIC_PATH)!r}));"
        "print(s.answers['b.Parameters'].text)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.stdout.strip() == "9CD + D", done.stderr


@pytest.mark.parametrize(
    ("script", "key"),
    [
        pytest.param(FRONT + "## (b)\nParameters: $9CD + D$", "b.Parameters", id="markdown"),
        pytest.param("(b) Parameters: $9CD + D$", "b.params", id="transcript"),
    ],
)
def test_words_after_the_maths_built_to_backtrack_are_read_at_once(tmp_path, script, key):
    # The words after a piece of maths are looked at for a denial ("…, but that is wrong",
    # transcript._CHANGED_AFTER): before the fix, `^\s*,?\s*` split a run of 4,000 spaces
    # in as many ways as it has (5 s; 50,000 would take many minutes). Run apart, as above.
    path = tmp_path / "s.md"
    path.write_text(script + " " * 50_000 + "x\n", encoding="utf-8")
    code = (
        "from pathlib import Path; from grader.rubric import load_rubric;"
        "from grader.submissions import load_submission;"
        f"s = load_submission(Path({str(path)!r}), load_rubric({str(RUBRIC_PATH)!r}));"
        f"print(s.answers[{key!r}].text)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.stdout.strip() == "9CD + D", done.stderr


# --- 3. Two files claiming one student ------------------------------------------------------


def test_two_files_claiming_one_student_send_the_student_to_review_naming_both(tmp_path):
    (tmp_path / "aaa-mallory.yaml").write_text(yaml_submission("bob", "'0'"), encoding="utf-8")
    (tmp_path / "bob.yaml").write_text(yaml_submission("bob"), encoding="utf-8")
    (tmp_path / "carol.yaml").write_text(yaml_submission("carol"), encoding="utf-8")
    batch = grade_paths(RUBRIC, [tmp_path])
    bob, carol = batch.results
    assert (bob.student, carol.student) == ("bob", "carol")
    assert carol.items["a.params"].verdict == "correct"
    assert bob.total == 0
    assert {item.verdict for item in bob.items.values()} == {"needs_review"}
    sources = f"{tmp_path / 'aaa-mallory.yaml'} and {tmp_path / 'bob.yaml'}"
    assert bob.items["a.params"].feedback[0] == (
        f"Two submissions claim student 'bob': {sources}. Neither is graded until an "
        "instructor decides which is theirs."
    )
    assert bob.warnings[-1] == (
        f"{tmp_path / 'bob.yaml'} also claims this student (as 'bob'); graded on its own, it "
        "would have 2/25 marks"
    )
    (failure,) = batch.failures
    assert failure.message == (
        f"submission {tmp_path / 'bob.yaml'}: it claims student 'bob', as "
        f"{tmp_path / 'aaa-mallory.yaml'} does; neither is graded until an instructor "
        "decides which is theirs (the student's items are in the review queue)"
    )
    assert "case" not in failure.message


def test_a_claim_found_in_a_later_chunk_replaces_what_was_stored(tmp_path, monkeypatch):
    import grader.grade

    monkeypatch.setattr(grader.grade, "CHUNK", 1)
    (tmp_path / "a.yaml").write_text(yaml_submission("Bob"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yaml_submission("bob", "'0'"), encoding="utf-8")
    stored = {}
    batch = grade_paths(RUBRIC, [tmp_path], on_result=lambda r: stored.update({r.student: r}))
    assert list(stored) == ["Bob"]
    assert stored["Bob"] == batch.results[0]
    assert stored["Bob"].items["a.params"].verdict == "needs_review"
    assert "(written 'bob')" in batch.failures[0].message


# --- 4 and 19: scalars YAML cannot build ----------------------------------------------------


@pytest.mark.parametrize(
    ("written", "verdict"),
    [
        pytest.param("2000-20-40", "incorrect", id="an impossible date is the count written"),
        pytest.param("9" * 5000, "invalid", id="a 5000-digit number is the text written"),
    ],
)
def test_a_scalar_yaml_guesses_wrongly_is_kept_as_text_and_the_rest_is_graded(
    tmp_path, written, verdict
):
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml_submission("s", written, "  b:\n    params: '9CD + D'\n"), encoding="utf-8"
    )
    submission = load_yaml_submission(path)
    assert submission.answers["a.params"].text == written
    result = grade_paths(RUBRIC, [path]).results[0]
    assert result.items["b.params"].verdict == "correct"
    assert result.items["a.params"].verdict == verdict


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!bool abc", "the YAML tag !!bool cannot be given 'abc'"),
        ("!!int abc", "the YAML tag !!int cannot be given 'abc'"),
        ("!!float abc", "the YAML tag !!float cannot be given 'abc'"),
    ],
)
def test_a_bad_tagged_value_is_refused_with_its_line_and_key(tmp_path, value, message):
    path = tmp_path / "s.yaml"
    path.write_text(yaml_submission("s", value), encoding="utf-8")
    with pytest.raises(SubmissionError) as refused:
        load_yaml_submission(path)
    assert str(refused.value) == (
        f"submission {path} has 1 problem:\n  {path}:5: answers.a.params: {message}"
    )


# --- 20 and 17: deep nesting, and rubrics that used to crash --------------------------------


def test_deep_nesting_in_a_submission_gets_the_nesting_limit_message(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml_submission("s", "[" * 1200 + "]" * 1200), encoding="utf-8")
    with pytest.raises(SubmissionError) as refused:
        load_yaml_submission(path)
    assert str(refused.value).endswith(f"{path}:5: values are nested more than 100 deep")


RUBRIC_TEXT = RUBRIC_PATH.read_text(encoding="utf-8")


def _line(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        pytest.param(
            lambda t: t.replace("  a:\n    marks: 5", "  a:\n    marks: " + "5" * 5000, 1),
            lambda t: (
                f"{_line(t, '5555')}: parts.a.marks: expected a number, found the text "
                f"'{'5' * 59}…'"
            ),
            id="5000-digit marks",
        ),
        pytest.param(
            lambda t: t.replace("title: ", "title: !!bool abc\nsubtitle: ", 1),
            lambda t: f"{_line(t, '!!bool')}: title: the YAML tag !!bool cannot be given 'abc'",
            id="a title tagged as a boolean",
        ),
        pytest.param(
            lambda t: t.replace("title: ", "title: 2024-13-45\nsubtitle: ", 1),
            lambda t: f"{_line(t, 'subtitle')}: subtitle: unknown key; did you mean title?",
            id="an impossible date as a title is a title",
        ),
        pytest.param(
            lambda t: t + "extra: " + "[" * 1200 + "]" * 1200 + "\n",
            lambda t: f"{t.count(chr(10))}: values are nested more than 100 deep",
            id="1200 levels of nesting",
        ),
    ],
)
def test_a_rubric_that_used_to_crash_is_refused_with_exit_3_file_line_and_key(
    tmp_path, capsys, edit, problem
):
    text = edit(RUBRIC_TEXT)
    path = tmp_path / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["rubric", "check", str(path)]) == 3
    err = capsys.readouterr().err
    assert f"{path}:{problem(text)}" in err
    assert "Traceback" not in err


# --- 5. An unclosed display block costs nothing else ------------------------------------------


def test_an_unclosed_display_block_is_read_and_reported_where_it_opens(tmp_path):
    path = tmp_path / "s.md"
    path.write_text(
        FRONT
        + "## (a)\nParameters: $PQC \\cdot PQD + PQD$\n"
        + "## (b)\nParameters: $$9CD + D$\n"
        + "## (c)\nParameters: $CD + D$\n",
        encoding="utf-8",
    )
    result = grade_paths(RUBRIC, [path]).results[0]
    verdicts = {key: result.items[key].verdict for key in ("a.params", "b.params", "c.params")}
    assert verdicts == {"a.params": "correct", "b.params": "correct", "c.params": "correct"}
    assert result.warnings == (
        "line 8: the '$$' on this line opens a maths block that is never closed; it was read "
        "as a single '$'",
    )


# --- 8 and 15: student ids ------------------------------------------------------------------


def test_a_student_id_longer_than_the_limit_is_refused_saying_so(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml_submission("x" * 990_000), encoding="utf-8")
    (tmp_path / "ok.yaml").write_text(yaml_submission("ok"), encoding="utf-8")
    batch = grade_paths(RUBRIC, [tmp_path])
    assert [r.student for r in batch.results] == ["ok"]
    (failure,) = batch.failures
    assert failure.message == (
        f"submission {path} has 1 problem:\n  {path}: student: the id is 990000 characters "
        f"long; the limit is {MAX_STUDENT_ID}"
    )


def test_an_id_typed_composed_and_decomposed_is_one_student(tmp_path):
    composed = unicodedata.normalize("NFC", "José")
    decomposed = unicodedata.normalize("NFD", "José")
    assert composed != decomposed
    (tmp_path / "a.yaml").write_text(yaml_submission(composed), encoding="utf-8")
    (tmp_path / "b.md").write_text(
        f"---\nstudent: {decomposed}\nquestion: 22-52-Q4\n---\n", encoding="utf-8"
    )
    assert load_submission(tmp_path / "b.md", RUBRIC).student == composed
    batch = grade_paths(RUBRIC, [tmp_path])
    assert [r.student for r in batch.results] == [composed]
    assert "claims student" in batch.failures[0].message


# --- 27 and 28: folders without submissions, and a linked rubric ----------------------------


def test_a_folder_without_submission_files_says_none_was_found(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("nothing to grade", encoding="utf-8")
    assert main(["grade", str(tmp_path), "--rubric", str(RUBRIC_PATH), "--jobs", "1"]) == 4
    err = capsys.readouterr().err
    assert f"error: {tmp_path} holds no submission file (.yaml, .yml, .md, .tex)" in err
    assert "no submission could be graded" in err


def test_a_rubric_linked_on_purpose_is_followed_but_a_linked_submission_is_not(tmp_path, capsys):
    link = tmp_path / "rubric.yaml"
    os.symlink(RUBRIC_PATH, link)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.yaml").write_text(yaml_submission("ann"), encoding="utf-8")
    os.symlink(folder / "ann.yaml", tmp_path / "linked.yaml")
    assert load_rubric(link).sha256 == RUBRIC.sha256
    code = main(
        ["grade", str(folder), str(tmp_path / "linked.yaml"), "--rubric", str(link), "--jobs", "1"]
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "linked.yaml is a symbolic link; links are not followed" in err


def test_a_rubric_link_to_something_that_is_not_a_file_is_still_refused(tmp_path):
    link = tmp_path / "rubric.yaml"
    os.symlink(tmp_path, link)
    with pytest.raises(RubricError, match="is not a regular file"):
        load_rubric(link)
