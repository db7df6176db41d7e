"""Submissions: reading one file, refusing malformed ones, grading a folder, the seed students."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

from grader.errors import SubmissionError  # noqa: E402
from grader.grade import grade_paths, grade_submission  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402
from grader.submissions.yaml_submission import load_yaml_submission as load_submission  # noqa: E402

RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
EXAMPLES = ROOT / "submissions" / "22-52-q4"
SEED_1 = EXAMPLES / "seed-student-1.yaml"
SEED_2 = EXAMPLES / "seed-student-2.yaml"
VERDICTS = {"correct", "partial", "incorrect", "invalid", "missing", "needs_review", "error"}

GOOD = """\
student: s-1
question: 22-52-Q4
answers:
  b:
    params: 9CD + D
  c:
    params: CD + D
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `needle`."""
    return [n for n, line in enumerate(text.splitlines(), 1) if needle in line][nth - 1]


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def run_in_child(code: str, *args: str) -> str:
    """Run `code` in a fresh Python and return what it printed.

    For calls that would block forever if reading a FIFO ever regressed: the child's generous
    timeout only stops a hang from stalling the test run; nothing here measures speed.
    """
    completed = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


# --- the bundled files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["seed-student-1", "seed-student-2", "model-answer", "typical-mistakes"]
)
def test_the_bundled_submissions_load(name):
    submission = load_submission(EXAMPLES / f"{name}.yaml")
    assert submission.student == name
    assert submission.question == "22-52-Q4"
    assert submission.source == str(EXAMPLES / f"{name}.yaml")
    assert submission.answers
    for key, answer in submission.answers.items():
        assert key.count(".") == 1
        assert answer.problem is None
        assert answer.line >= 1


def test_the_seed_students_answers_are_kept_exactly_as_written():
    first = load_submission(SEED_1)
    assert first.answers["a.params"].text == r"P \times P \times C \times D + P \times Q \times D"
    assert first.answers["b.params"].text == (
        r"3 \times 3 \times C \times D + D = 9 \times C \times D + D"
    )
    assert "c.params" not in first.answers
    assert first.answers["c.formula"].text.startswith("y_{i,j,k}")
    seed_text = SEED_1.read_text(encoding="utf-8")
    assert first.answers["a.params"].line == line_of(seed_text, "params: 'P")
    # A folded block keeps the words, without the trailing line break.
    explanation = first.answers["e.explanation"].text
    assert explanation.startswith("(1) Both architectures") and not explanation.endswith("\n")
    second = load_submission(SEED_2)
    assert second.answers["a.params"].text == "CD + D"
    assert second.answers["d.params"].text == "CD"


# --- malformed submissions -------------------------------------------------------------------


@dataclass(frozen=True)
class Malformed:
    content: str | bytes
    needle: str | None  # text on the reported line; None when the file has no line to name
    key: str  # the key path named, "" for the file as a whole
    message: str
    nth: int = 1  # which line containing `needle` is reported


MALFORMED = {
    "a list instead of a mapping": Malformed(
        "- student: s-1\n- question: 22-52-Q4\n", "- student", "", "expected a mapping"
    ),
    "a bare string instead of a mapping": Malformed(
        "just some text\n", "just some text", "", "expected a mapping of keys to values"
    ),
    "a missing student": Malformed(
        GOOD.replace("student: s-1\n", ""), "question:", "student", "is required"
    ),
    "an empty student": Malformed(
        GOOD.replace("student: s-1", "student: ''"), "student:", "student", "is empty"
    ),
    "a missing question": Malformed(
        GOOD.replace("question: 22-52-Q4\n", ""), "student:", "question", "is required"
    ),
    "missing answers": Malformed(
        "student: s-1\nquestion: 22-52-Q4\n", "student:", "answers", "is required"
    ),
    "answers that are a list": Malformed(
        "student: s-1\nquestion: 22-52-Q4\nanswers:\n  - 9CD + D\n",
        "answers:",
        "answers",
        "expected a mapping, found a list",
    ),
    "answers that are text": Malformed(
        "student: s-1\nquestion: 22-52-Q4\nanswers: 9CD + D\n",
        "answers:",
        "answers",
        "expected a mapping, found the text '9CD + D'",
    ),
    "a part that is not a mapping": Malformed(
        GOOD.replace("  b:\n    params: 9CD + D\n", "  b: 9CD + D\n"),
        "  b: 9CD",
        "answers.b",
        "expected the part's items",
    ),
    "an unknown top-level key": Malformed(
        GOOD.replace("student: s-1\n", "student: s-1\nstudnet: s-2\n"),
        "studnet",
        "studnet",
        "unknown key; did you mean student?",
    ),
    "a duplicate answer": Malformed(
        GOOD.replace("    params: 9CD + D\n", "    params: 9CD + D\n    params: 9CD\n"),
        "params:",
        "answers.b.params",
        "duplicate key (first given at line 5)",
        nth=2,
    ),
    "a python object tag": Malformed(
        GOOD.replace("params: 9CD + D", 'params: !!python/object/apply:os.system ["true"]'),
        "python/object",
        "answers.b.params",
        "is not allowed",
    ),
    "a file that is not UTF-8": Malformed(
        GOOD.replace("s-1", "Ren\xe9e").encode("latin-1"),
        "student:",
        "",
        "is not valid UTF-8",
    ),
    "invalid YAML": Malformed(
        GOOD.replace("question: 22-52-Q4", "question: [22-52-Q4"),
        "question:",
        "question",
        "is not valid YAML: the [ opened on this line is not closed",
    ),
    "a file over 1 MB": Malformed(
        GOOD + "# " + "x" * 1_000_000 + "\n", None, "", "the limit is 1000000"
    ),
    "an empty file": Malformed("", None, "", "is empty"),
    "a file of only comments": Malformed("# to do\n", None, "", "is empty"),
}


@pytest.mark.parametrize("case", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_submission_is_refused_naming_file_line_and_key(tmp_path, case):
    path = write(tmp_path, "s.yaml", case.content)
    with pytest.raises(SubmissionError) as caught:
        load_submission(path)
    report = str(caught.value)
    assert report.startswith(f"submission {path} has "), report
    assert case.message in report, report
    if case.needle is None:
        where = f"  {path}: "
    else:
        text = case.content.decode("latin-1") if isinstance(case.content, bytes) else case.content
        where = f"  {path}:{line_of(text, case.needle, case.nth)}: "
    prefix = f"{where}{case.key}:" if case.key else where
    assert any(line.startswith(prefix) and case.message in line for line in report.splitlines()), (
        prefix,
        report,
    )
    assert caught.value.exit_code == 4


def test_a_symbolic_link_is_refused_even_to_a_good_file(tmp_path):
    target = write(tmp_path, "real.yaml", GOOD)
    link = tmp_path / "link.yaml"
    os.symlink(target, link)
    with pytest.raises(SubmissionError, match="symbolic link; links are not followed"):
        load_submission(link)


LOAD_ONE = """
import sys
from grader.errors import SubmissionError
from grader.submissions.yaml_submission import load_yaml_submission as load_submission
try:
    load_submission(sys.argv[1])
except SubmissionError as error:
    print(error)
else:
    print("loaded without an error")
"""


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    # Nobody ever writes to the FIFO: a loader that opened it would wait forever.
    report = run_in_child(LOAD_ONE, str(fifo))
    assert "is not a regular file" in report
    assert str(fifo) in report


def test_a_missing_file_and_a_folder_are_refused(tmp_path):
    with pytest.raises(SubmissionError, match="cannot read it: No such file"):
        load_submission(tmp_path / "absent.yaml")
    with pytest.raises(SubmissionError, match="is not a regular file"):
        load_submission(tmp_path)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path, "bom.yaml", b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    submission = load_submission(path)
    assert submission.student == "s-1"
    assert submission.answers["b.params"].text == "9CD + D"


# --- answers as written ----------------------------------------------------------------------

AS_WRITTEN = """\
student: s-2
question: 22-52-Q4
answers:
  a:
    params: [PQCPQD, PQD]
  b:
    params: 600
  c:
    params:
  d:
    params: 0123
    formula: yes
  e:
    formula: 1:30
"""


def test_plain_yaml_scalars_stay_the_text_the_student_wrote(tmp_path):
    answers = load_submission(write(tmp_path, "s.yaml", AS_WRITTEN)).answers
    assert answers["d.params"].text == "0123"  # not YAML 1.1's octal 83
    assert answers["b.params"].text == "600"
    assert answers["d.formula"].text == "yes"  # not True
    assert answers["e.formula"].text == "1:30"  # not 90
    assert answers["c.params"].text is None and answers["c.params"].problem is None
    assert answers["a.params"].text is None
    assert answers["a.params"].problem == "expected the answer as text, found a list"
    assert answers["a.params"].line == line_of(AS_WRITTEN, "[PQCPQD")


def test_a_list_answer_is_invalid_while_the_other_items_are_graded(tmp_path):
    submission = load_submission(write(tmp_path, "s.yaml", AS_WRITTEN))
    items = grade_submission(RUBRIC, submission).items
    assert set(items) == set(RUBRIC.items)
    assert items["a.params"].verdict == "invalid" and items["a.params"].marks == 0
    assert f"Line {line_of(AS_WRITTEN, '[PQCPQD')}" in items["a.params"].feedback[0]
    assert "found a list" in items["a.params"].feedback[0]
    assert items["c.params"].verdict == "missing"
    assert items["b.params"].verdict == "incorrect"  # 600 is a number, not 9CD + D
    assert items["b.params"].answer == "600"
    assert items["d.params"].answer == "0123"
    assert items["d.params"].verdict in ("incorrect", "partial")
    assert items["d.formula"].answer == "yes"  # the text as written, not YAML's true
    assert items["d.formula"].verdict == "invalid"  # and it is no formula


# --- a batch ---------------------------------------------------------------------------------


def _student(name: str, question: str = "22-52-Q4") -> str:
    return f"student: {name}\nquestion: {question}\nanswers:\n  c:\n    params: CD + D\n"


@pytest.fixture
def folder(tmp_path):
    """Good, malformed, wrong-question, duplicate and hidden files, created in no order."""
    root = tmp_path / "class"
    write(root, "zed-duplicate.yaml", _student("alice"))
    write(root, "sub/carol.yaml", _student("carol"))
    write(root, "other-question.yaml", _student("olga", question="99-XX"))
    write(root, "broken.yaml", "student: [alice\nquestion: 22-52-Q4\n")
    write(root, ".hidden.yaml", _student("hidden"))
    write(root, ".secret/dave.yaml", _student("dave"))
    write(root, "notes.txt", "not a submission\n")
    write(root, "bob.yml", _student("bob"))
    write(root, "alice.yaml", _student("alice"))
    return root


def test_a_folder_grades_the_good_files_and_records_each_bad_one(folder):
    batch = grade_paths(RUBRIC, [folder])
    assert [r.student for r in batch.results] == ["alice", "bob", "carol"]
    assert [Path(r.source).name for r in batch.results] == ["alice.yaml", "bob.yml", "carol.yaml"]
    alice, *others = batch.results
    for result in others:
        assert result.items["c.params"].verdict == "correct"
        assert result.total == 2 and result.max_total == 25
    # zed-duplicate.yaml claims alice too: neither file is graded until someone decides.
    assert alice.items["c.params"].verdict == "needs_review" and alice.total == 0
    failures = {Path(f.source).name: f.message for f in batch.failures}
    assert list(failures) == ["broken.yaml", "other-question.yaml", "zed-duplicate.yaml"]
    assert f"{folder / 'broken.yaml'}:1: student: is not valid YAML" in failures["broken.yaml"]
    assert "is not valid YAML" in failures["broken.yaml"]
    assert "is '99-XX', but the rubric is for '22-52-Q4'" in failures["other-question.yaml"]
    assert "it claims student 'alice', as" in failures["zed-duplicate.yaml"]
    assert str(folder / "alice.yaml") in failures["zed-duplicate.yaml"]
    everything = [r.source for r in batch.results] + [f.source for f in batch.failures]
    assert not any("hidden" in s or "secret" in s or "notes" in s for s in everything)


def test_the_batch_order_is_sorted_by_path_and_repeatable(folder):
    first = grade_paths(RUBRIC, [folder])
    second = grade_paths(RUBRIC, [folder])
    assert first == second
    sources = [Path(r.source) for r in first.results]
    assert sources == sorted(sources)
    failed = [Path(f.source) for f in first.failures]
    assert failed == sorted(failed)


def test_a_path_that_does_not_exist_is_a_recorded_failure(tmp_path):
    batch = grade_paths(RUBRIC, [tmp_path / "nowhere"])
    assert batch.results == []
    assert [f.message for f in batch.failures] == [f"{tmp_path / 'nowhere'} does not exist"]


GRADE_FOLDER = """
import json, sys
from pathlib import Path
from grader.grade import grade_paths
from grader.rubric import load_rubric
batch = grade_paths(load_rubric(sys.argv[1]), [Path(sys.argv[2])])
print(json.dumps({
    "students": [r.student for r in batch.results],
    "failures": [f.message for f in batch.failures],
}))
"""


def test_a_fifo_and_a_link_in_a_folder_do_not_stop_the_batch(tmp_path):
    write(tmp_path, "good.yaml", _student("gina"))
    os.mkfifo(tmp_path / "pipe.yaml")
    os.symlink(tmp_path / "good.yaml", tmp_path / "link.yaml")
    printed = run_in_child(GRADE_FOLDER, str(ROOT / "rubrics" / "22-52-q4.yaml"), str(tmp_path))
    batch = json.loads(printed)
    assert batch["students"] == ["gina"]
    messages = " ".join(batch["failures"])
    assert "is not a regular file" in messages and "symbolic link" in messages


# --- the seed students -----------------------------------------------------------------------


def grade_file(path: Path):
    return grade_submission(RUBRIC, load_submission(path)).items


def _explanation_is_bounded(items):
    # e.explanation is scored by the rubric's concepts (README: "How explanations are
    # scored"); whatever the concepts find, it never earns more than its 3 marks, and an
    # answer sent for review earns nothing until a person decides.
    explanation = items["e.explanation"]
    assert explanation.verdict in VERDICTS
    assert 0 <= explanation.marks <= 3
    if explanation.verdict == "needs_review":
        assert explanation.marks == 0


def test_seed_student_1_is_graded_as_the_transcript_expects():
    items = grade_file(SEED_1)
    a = items["a.params"]
    assert a.verdict == "incorrect" and a.marks == 0 and a.max_marks == 2
    feedback = "\n".join(a.feedback)
    assert "P·P" in feedback or "P×P" in feedback
    assert "With P=4, Q=3, C=2, D=5 your count gives 220; the correct count is 1500." in feedback
    b = items["b.params"]
    assert b.verdict == "correct" and b.marks == 2
    assert b.interpretation == "3·3·C·D + D = 9·C·D + D"
    c = items["c.params"]
    assert c.verdict == "missing" and c.marks == 0
    d = items["d.params"]
    assert d.verdict == "correct" and d.marks == 2
    # Formulas: (a) reads only each output's own position, with P where Q belongs (the sum
    # over n runs to P); (b)-(e) are right, (b) with the kernel flipped.
    a_formula = "\n".join(items["a.formula"].feedback)
    assert items["a.formula"].verdict == "incorrect"
    assert "not a fully connected layer" in a_formula and "where Q belongs" in a_formula
    assert "only P·Q·D + C·D of them act independently" in a_formula
    for item_id in ("b.formula", "c.formula", "d.formula", "e.formula"):
        assert items[item_id].verdict == "correct", item_id
    _explanation_is_bounded(items)


def test_seed_student_2_is_graded_as_the_transcript_expects():
    items = grade_file(SEED_2)
    a = items["a.params"]
    assert a.verdict == "incorrect" and a.marks == 0
    assert "1x1 convolution" in a.feedback[0]
    assert any("your count gives" in line for line in a.feedback)
    for item_id in ("b.params", "c.params", "d.params"):
        assert items[item_id].verdict == "correct", item_id
        assert items[item_id].marks == 2, item_id
    # Formulas: (a) is the rubric's 1x1-convolution misconception; (b) sums over the whole
    # image with weights that ignore the output channel; (c) lacks its bias; (d) keeps three
    # indices where the part asks for two.
    assert items["a.formula"].diagnosis == "misconception 1"
    assert "1x1 convolution" in items["a.formula"].feedback[0]
    b_formula = "\n".join(items["b.formula"].feedback)
    assert "spans the whole image" in b_formula
    assert "do not depend on the output channel" in b_formula
    assert "does not match your own formula" in b_formula
    c = items["c.formula"]
    assert (c.verdict, c.marks, c.diagnosis) == ("partial", 2, "bias_missing")
    assert items["d.formula"].verdict == "invalid"
    assert "y has 2 indices" in items["d.formula"].feedback[0]
    assert items["e.formula"].verdict == "correct"
    _explanation_is_bounded(items)


def test_a_submission_for_another_question_is_refused_by_the_grader(tmp_path):
    path = write(tmp_path, "s.yaml", _student("olga", question="99-XX"))
    with pytest.raises(SubmissionError, match="but the rubric is for '22-52-Q4'"):
        grade_submission(RUBRIC, load_submission(path))


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("usual.yaml", "student: s\nquestion: 99-XX\nanswers:\n  a:\n    params: CD\n", 2),
        # a list for an answer: read the general way, not the fast one
        ("general.yaml", "student: s\n\nquestion: 99-XX\nanswers:\n  a:\n    params: [CD]\n", 3),
        ("answers.md", "---\nstudent: s\nquestion: 99-XX\n---\n## (a)\nparams: CD\n", 3),
        ("script.md", "---\nstudent: s\n# q\nquestion: 99-XX\n---\n(a)\nparameters $CD$\n", 4),
    ],
)
def test_a_submission_for_another_question_is_refused_at_the_line_naming_it(
    tmp_path, name, text, line
):
    # Found by a rubric author: the README says such a file is reported with its line and
    # key; the line was missing.
    from grader.submissions import load_submission as load_any

    path = write(tmp_path, name, text)
    with pytest.raises(SubmissionError) as refused:
        grade_submission(RUBRIC, load_any(path, RUBRIC))
    assert [(p.line, p.key) for p in refused.value.problems] == [(line, "question")]


def test_an_answer_to_an_item_the_rubric_lacks_is_a_warning(tmp_path):
    text = _student("ted") + "  z:\n    params: CD\n"
    result = grade_submission(RUBRIC, load_submission(write(tmp_path, "s.yaml", text)))
    assert result.items["c.params"].verdict == "correct"
    assert any("no item 'params' in part 'z'" in w for w in result.warnings)
    assert f"line {line_of(text, 'params: CD', nth=2)}:" in " ".join(result.warnings)


# A submission that answers no item at all (an unfilled template, a YAML file whose answers are
# empty) was every item `missing`, 0, with no warning: as for an empty file, a person checks it
# was not a failed upload or the wrong file.
@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "tmpl.md",
            "---\nstudent: tmpl\nquestion: 22-52-Q4\n---\n## (a)\n\n## (b)\n\n## (c)\n\n"
            "## (d)\n\n## (e)\n",
        ),
        ("tmpl.yaml", "student: tmpl\nquestion: 22-52-Q4\nanswers: {}\n"),
    ],
    ids=["a Markdown template of headings only", "YAML with no answers"],
)
def test_a_submission_that_answers_no_item_goes_to_a_person_saying_so(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    rubric = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    assert {item.verdict for item in result.items.values()} == {"needs_review"}
    assert all("No answer was read" in item.feedback[0] for item in result.items.values())
    assert result.warnings == (
        "no item is answered: nothing was graded, and every item goes to an instructor",
    )


def test_a_submission_that_answers_one_item_leaves_the_others_missing(tmp_path):
    (tmp_path / "one.yaml").write_text(
        "student: one\nquestion: 22-52-Q4\nanswers:\n  c:\n    params: 'CD + D'\n",
        encoding="utf-8",
    )
    rubric = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
    (result,) = grade_paths(rubric, [tmp_path]).results
    assert result.items["c.params"].verdict == "correct"
    assert result.items["a.params"].verdict == "missing"
