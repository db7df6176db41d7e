"""The `grader` command, driven in-process through `grader.cli.main`, plus one real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

from grader.cli import main  # noqa: E402
from grader.report import page_name  # noqa: E402

RUBRIC = str(ROOT / "rubrics" / "22-52-q4.yaml")
EXAMPLES = ROOT / "submissions" / "22-52-q4"
YAML_STUDENTS = ("seed-student-1", "seed-student-2", "model-answer", "typical-mistakes")
ITEMS = (
    "a.formula",
    "a.params",
    "b.formula",
    "b.params",
    "c.formula",
    "c.params",
    "d.formula",
    "d.params",
    "e.formula",
    "e.explanation",
)
VERDICTS = {"correct", "partial", "incorrect", "invalid", "missing", "needs_review", "error"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check(capsys, item: str, answer: str, *extra: str) -> str:
    code, out, err = run(capsys, "check", RUBRIC, item, answer, *extra)
    assert code == 0, err
    assert "Traceback" not in err
    return out


def submission(student: str, params: str = "9CD + D") -> str:
    return (
        f"student: {json.dumps(student)}\nquestion: 22-52-Q4\n"
        f"answers:\n  b:\n    params: '{params}'\n"
    )


# --- grader check ----------------------------------------------------------------------------


def test_check_explains_the_seed_students_fully_connected_count(capsys):
    out = check(capsys, "a.params", "P×P×C×D + P×Q×D")
    first = out.splitlines()[0]
    assert first == "a.params: incorrect (0/2 marks)"
    assert "read as: P·P·C·D + P·Q·D" in out
    assert "You counted P×P×C×D weights" in out and "not P·P" in out
    assert "With P=4, Q=3, C=2, D=5" in out
    assert "your count gives 220; the correct count is 1500" in out


@pytest.mark.parametrize(
    "answer",
    [
        "PQCPQD+PQD",
        "PQD(PQC+1)",
        "P^2 Q^2 C D + P Q D",
        r"P \times Q \times C \times P \times Q \times D + P \times Q \times D",
        "P²Q²CD + PQD",
    ],
    ids=["letters run together", "factored", "carets", "LaTeX times", "superscripts"],
)
def test_check_accepts_every_way_of_writing_the_fully_connected_count(capsys, answer):
    out = check(capsys, "a.params", answer)
    assert out.splitlines()[0] == "a.params: correct (2/2 marks)"
    assert "Correct." in out


def test_check_names_the_missing_bias_of_a_3x3_convolution(capsys):
    out = check(capsys, "b.params", "9CD")
    verdict = out.splitlines()[0]
    assert verdict.startswith(("b.params: partial", "b.params: incorrect")), out
    assert "leaves out the biases" in out and "D learnable biases" in out
    assert "your count gives 90; the correct count is 95" in out


def test_check_prints_json_with_the_verdict_marks_feedback_and_reading(capsys):
    out = check(capsys, "b.params", "9CD", "--json")
    result = json.loads(out)
    assert {"verdict", "marks", "max_marks", "feedback", "interpretation"} <= set(result)
    assert result["verdict"] == "incorrect"  # the criterion: 9CD for b.params is wrong
    assert result["marks"] == 0 and result["max_marks"] == 2
    assert result["diagnosis"] == "bias_missing"
    assert isinstance(result["feedback"], list) and result["feedback"]
    assert all(isinstance(line, str) for line in result["feedback"])
    assert result["interpretation"] == "9·C·D"
    assert result["item"] == "b.params"


def test_check_json_of_an_unreadable_answer_has_no_reading(capsys):
    result = json.loads(check(capsys, "a.params", "PQ(", "--json"))
    assert result["verdict"] == "invalid"
    assert result["marks"] == 0
    assert result["interpretation"] is None
    assert isinstance(result["error_position"], int)


ACTIVATIONS = str(ROOT / "rubrics" / "activations-q1.yaml")


@pytest.mark.parametrize(
    ("answer", "verdict", "notes"),
    [
        (
            "σ(x)(1-σ(x)) where σ is the sigmoid",
            "correct",
            ['set aside "where σ is the sigmoid", words after the answer'],
        ),
        (
            "I think it is σ(x)(1+σ(x))",
            "partial",
            ['set aside "I think it is", words before the answer'],
        ),
        (
            "Derivative of σ: σ(x)(1-σ(x)) since σ is the sigmoid.",
            "correct",
            [
                'set aside "Derivative of σ:", words before the answer',
                'set aside "since σ is the sigmoid.", words after the answer',
            ],
        ),
        # maths alone, its definition after it, is read as written: the check sets it aside
        (
            "σ(x)(1-σ(x)), where σ = 1/(1+e^{-x})",
            "correct",
            ['set aside "where σ = 1/(1+e^{-x})", a definition'],
        ),
        # maths and one word, unreadable as written, read as a transcript's line next is
        ("so σ(x)(1-σ(x))", "correct", ['set aside "so", words before the answer']),
        ("I get σ(x)(1-σ(x))", "correct", ['set aside "I get", words before the answer']),
        ("Answer: σ(x)(1-σ(x))", "correct", ['set aside "Answer:", words before the answer']),
        ("σ(x)(1-σ(x)) I think", "correct", ['set aside "I think", words after the answer']),
        ("so not σ(x)(1-σ(x))", "invalid", []),
        (
            "σ(x)(1-σ(x)) (chain rule)",
            "correct",
            ['set aside "(chain rule)", words after the answer'],
        ),
        ("σ(x)(1-σ(x)) (times 2)", "invalid", []),
        ("σ(x)(1-σ(x)) (wrong)", "invalid", []),
        ("σ(x)(1-σ(x)) if x > 0, otherwise 0", "invalid", []),
        ("σ(x)(1-σ(x)) for x ≥ 0 and 1 + σ(x) for x < 0", "invalid", []),
        ("σ(x)(1-σ(x)) when x is positive", "invalid", []),
        (
            "σ(x)(1-σ(x)) where \\sigma is the sigmoid",
            "correct",
            ['set aside "where \\sigma is the sigmoid", words after the answer'],
        ),
        (
            "σ(x)(1-σ(x)) for a sigmoid",
            "correct",
            ['set aside "for a sigmoid", words after the answer'],
        ),
        ("sech2x", "invalid", []),
    ],
    ids=[
        "words after",
        "words before",
        "a label and words after",
        "a definition",
        "one word before",
        "a pronoun and a word before",
        "a label alone",
        "a hedge after",
        "a denial is not set aside",
        "a remark in brackets, whatever its first word",
        "a remark that changes the maths is not set aside",
        "a remark that denies the maths is not set aside",
        "a condition and a second case after the maths are not set aside",
        "a case split after the maths is not set aside",
        "a condition after the maths in words is not set aside",
        "a name in LaTeX after the maths is no maths: set aside",
        "for and an article after the maths is no condition: set aside",
        "a function's name run into a digit is no word to set aside (was read 2x)",
    ],
)
def test_check_sets_words_around_the_maths_aside_as_a_transcript_does(
    capsys, answer, verdict, notes
):
    code, out, err = run(capsys, "check", ACTIVATIONS, "a.derivative", answer, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["verdict"], result["reading_notes"]) == (verdict, notes)


ATTN = str(ROOT / "rubrics" / "attn-q1.yaml")
WORKING = 'read N^2 as the answer: it follows "{}"; {} before it is working'


# An arrow or a word of conclusion between maths and the last piece makes it the answer, the
# maths before it working, said in a note, as a transcript reads `$N \times N$ → $N^2$`.
@pytest.mark.parametrize(
    ("answer", "verdict", "notes"),
    [
        pytest.param(
            "N × N → N^2",
            "correct",
            [WORKING.format("→", "N × N")],
            id="an arrow before the last piece (was invalid: character → not allowed)",
        ),
        pytest.param(
            "N x N -> N^2",
            "correct",
            [WORKING.format("->", "N x N")],
            id="-> before the last piece (was invalid: > not allowed)",
        ),
        pytest.param(
            "N x N, so N^2",
            "correct",
            [WORKING.format("so", "N x N")],
            id="so before the last piece (was invalid: words after a comma)",
        ),
        pytest.param(
            "N × N → N^2 entries",
            "correct",
            [
                'read N^2 entries as the answer: it follows "→"; N × N before it is working',
                'set aside "entries"',
            ],
            id="an arrow, then a count and its unit (was invalid)",
        ),
        pytest.param(
            "N × N → N^2 or N K",
            "invalid",
            [],
            id="two answers after the arrow: not read",
        ),
        pytest.param(
            "QK^T is N × N → N^2",
            "correct",
            [WORKING.format("→", "QK^T is N × N")],
            id="words and maths before the arrow (was invalid: → not allowed)",
        ),
        pytest.param(
            "QK^T is N × N ⇒ N^2",
            "correct",
            [WORKING.format("⇒", "QK^T is N × N")],
            id="words and maths before ⇒ (was invalid: ⇒ not allowed)",
        ),
        pytest.param(
            "QK^T is N x N => N^2",
            "correct",
            [WORKING.format("=>", "QK^T is N x N")],
            id="words and maths before => (was invalid: > not allowed)",
        ),
        pytest.param(
            "QK^T is N × N, so N^2",
            "correct",
            [WORKING.format("so", "QK^T is N × N")],
            id="words and maths before so (was invalid: words after a comma)",
        ),
    ],
)
def test_check_reads_the_answer_a_conclusion_gives(capsys, answer, verdict, notes):
    code, out, err = run(capsys, "check", ATTN, "c.count", answer, "--json", "--no-warm")
    assert code == 0, err
    result = json.loads(out)
    assert (result["verdict"], result["reading_notes"]) == (verdict, notes)


R = "RUBRIC"  # stands for the rubric's path in the tables below


@pytest.mark.parametrize(
    ("argv", "answer"),
    [
        ([R, "a.params", "-PQD", "--json"], "-PQD"),
        (["--json", R, "a.params", "-PQD"], "-PQD"),
        ([R, "a.params", "--json", "--", "-PQD"], "-PQD"),
        ([R, "a.params", "-", "--json"], "-"),
        (["--timeout", "5", R, "a.params", "-(PQD)", "--json"], "-(PQD)"),
        ([R, "a.params", r"-\frac{PQD}{2}", "--json", "--no-warm"], r"-\frac{PQD}{2}"),
    ],
    ids=["an option after", "an option before", "after --", "a lone minus", "a value", "LaTeX"],
)
def test_check_takes_an_answer_that_starts_with_a_minus(capsys, argv, answer):
    # Found by a new user: `grader check R a.derivative "-\sigma(x)(1-\sigma(x))"` said the
    # answer was missing, argparse taking it for an option.
    code, out, err = run(capsys, "check", *(RUBRIC if word == R else word for word in argv))
    assert code == 0, err
    result = json.loads(out)
    assert (result["item"], result["answer"]) == ("a.params", answer)


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["-PQD", R, "a.params"], "the following arguments are required"),
        ([R, "-PQD", "a.params"], "the following arguments are required"),
        ([R, "a.params", "-PQD", "x"], "unrecognized arguments: x"),
        ([R, "a.params", "--jsn", "-PQD"], "unrecognized arguments: --jsn"),
    ],
    ids=["in the rubric's place", "in the item's place", "a word too many", "an unknown option"],
)
def test_only_the_answer_may_start_with_a_minus(capsys, argv, error):
    with pytest.raises(SystemExit) as exited:
        main(["check", *(RUBRIC if word == R else word for word in argv)])
    assert exited.value.code == 2
    assert error in capsys.readouterr().err


def test_code_in_an_answer_is_invalid_and_never_runs(capsys):
    sentinel = Path("/tmp/x_grader_test")
    sentinel.unlink(missing_ok=True)
    out = check(capsys, "a.params", "__import__('os').system('touch /tmp/x_grader_test')")
    assert out.splitlines()[0] == "a.params: invalid (0/2 marks)"
    assert "could not read your answer" in out
    assert not sentinel.exists()


def test_an_unknown_item_exits_2_listing_the_items(capsys):
    code, out, err = run(capsys, "check", RUBRIC, "z.params", "CD")
    assert code == 2
    assert out == ""
    assert "no item 'z.params'" in err
    assert ", ".join(ITEMS) in err
    assert "Traceback" not in err


def test_a_wrong_command_line_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["check", RUBRIC])
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("id: X\nsymbols: {}\nparts: {}\nextra: 1\n", 4, "extra: unknown key"),
        ("id: X\nsymbols:\n  C: {meaning: c}\nparts: [\n", 5, "parts: is not valid YAML"),
        ("id: X\nextra: &loop [*loop]\n", 2, ""),
    ],
    ids=["an unknown key", "invalid YAML", "a self-referencing alias"],
)
def test_a_broken_rubric_exits_3_with_file_and_line_and_no_traceback(
    capsys, tmp_path, text, line, fragment
):
    rubric = tmp_path / "bad.yaml"
    rubric.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "check", str(rubric), "a.params", "CD")
    assert code == 3, err
    assert f"{rubric}:{line}: {fragment}" in err, err
    assert "Traceback" not in err
    assert out == ""


def test_a_missing_rubric_exits_3(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "none.yaml"), "a.params", "CD")
    assert code == 3
    assert f"{tmp_path / 'none.yaml'}: cannot read it" in err


# --- grader grade ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """`grader grade` of the bundled examples with --json and --out, run once."""
    base = tmp_path_factory.mktemp("graded")
    out_json, out_dir = base / "results.json", base / "out"
    code = main(
        ["grade", str(EXAMPLES), "--rubric", RUBRIC, "--json", str(out_json), "--out", str(out_dir)]
    )
    return code, json.loads(out_json.read_text(encoding="utf-8")), out_dir


def test_grade_prints_a_table_of_the_students(capsys, tmp_path):
    code, out, err = run(capsys, "grade", str(EXAMPLES), "--rubric", RUBRIC)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["student", "a/5", "b/5", "c/5", "d/5", "e/5", "total/25", "review"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    for student in YAML_STUDENTS:
        assert student in rows
    assert len(rows["seed-student-1"]) == len(lines[0].split())
    assert "Traceback" not in err


def test_grade_writes_json_of_the_documented_shape(graded):
    code, data, _ = graded
    assert code == 0
    assert set(data) >= {"results", "errors"}
    assert data["errors"] == []
    students = [result["student"] for result in data["results"]]
    assert set(YAML_STUDENTS) <= set(students)
    assert len(students) == len(set(students))
    for result in data["results"]:
        assert {"student", "source", "total", "max_total", "items"} <= set(result)
        assert Path(result["source"]).is_file()
        assert result["max_total"] == 25
        assert list(result["items"]) == list(ITEMS)
        assert result["total"] == sum(item["marks"] for item in result["items"].values())
        for item in result["items"].values():
            assert {"verdict", "marks", "max_marks", "feedback", "interpretation"} <= set(item)
            assert item["verdict"] in VERDICTS
            assert 0 <= item["marks"] <= item["max_marks"]
            assert isinstance(item["feedback"], list)
    first = next(r for r in data["results"] if r["student"] == "seed-student-1")
    assert first["items"]["a.params"]["verdict"] == "incorrect"
    assert first["items"]["b.params"]["verdict"] == "correct"
    assert first["items"]["c.params"]["verdict"] == "missing"


def test_grade_out_writes_a_page_per_student_and_the_json(graded):
    _, data, out_dir = graded
    results = out_dir / "instructor" / "results.json"
    assert json.loads(results.read_text(encoding="utf-8"))["results"] == sorted(
        data["results"], key=lambda r: r["source"]
    )
    pages = sorted(p.name for p in (out_dir / "students").glob("*.html"))
    assert pages == sorted(page_name(r["student"]) for r in data["results"])
    for student in YAML_STUDENTS:
        assert (out_dir / "students" / page_name(student)).is_file()
    page = (out_dir / "students" / page_name("seed-student-1")).read_text(encoding="utf-8")
    assert "seed-student-1" in page and "1500" in page


def test_grade_exits_4_when_no_file_can_be_graded(capsys, tmp_path):
    (tmp_path / "bad.yaml").write_text("student: [\n", encoding="utf-8")
    code, out, err = run(capsys, "grade", str(tmp_path), "--rubric", RUBRIC)
    assert code == 4
    assert f"{tmp_path / 'bad.yaml'}:" in err and "is not valid YAML" in err
    assert "no submission could be graded" in err
    assert out == ""


def test_grade_of_one_bad_and_one_good_file_grades_the_good_one(capsys, tmp_path):
    (tmp_path / "bad.yaml").write_text("- not\n- a mapping\n", encoding="utf-8")
    (tmp_path / "good.yaml").write_text(submission("gina"), encoding="utf-8")
    out_json = tmp_path / "r.json"
    code, out, err = run(
        capsys, "grade", str(tmp_path), "--rubric", RUBRIC, "--json", str(out_json)
    )
    assert code == 0, err
    assert "gina" in out
    assert f"error: submission {tmp_path / 'bad.yaml'}" in err
    assert "expected a mapping" in err
    assert "Traceback" not in err
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert [r["student"] for r in data["results"]] == ["gina"]
    assert data["results"][0]["items"]["b.params"]["verdict"] == "correct"
    assert [e["source"] for e in data["errors"]] == [str(tmp_path / "bad.yaml")]
    assert "expected a mapping" in data["errors"][0]["message"]


@pytest.mark.parametrize(
    "student",
    ["../../escaped", "<script>alert(1)</script>", "../<img src=x onerror=alert(1)>/../x", ".."],
    ids=["dot-dot slashes", "an HTML script tag", "slashes and HTML", "only dots"],
)
def test_a_hostile_student_id_writes_a_safe_file_inside_the_output_folder(
    capsys, tmp_path, student
):
    subs, out_dir = tmp_path / "in" / "deep", tmp_path / "in" / "deep" / "out"
    subs.mkdir(parents=True)
    (subs / "s.yaml").write_text(submission(student), encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    code, out, err = run(
        capsys, "grade", str(subs / "s.yaml"), "--rubric", RUBRIC, "--out", str(out_dir)
    )
    assert code == 0, err
    created = {p for p in tmp_path.rglob("*")} - before
    assert created, "nothing was written"
    for path in created:
        assert path.resolve().is_relative_to(out_dir.resolve()), path
    pages = list((out_dir / "students").glob("*.html"))
    assert len(pages) == 1
    assert "/" not in pages[0].name and "<" not in pages[0].name and ">" not in pages[0].name
    assert not pages[0].name.startswith(".")
    for page in out_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html
    data = json.loads((out_dir / "instructor" / "results.json").read_text(encoding="utf-8"))
    assert data["results"][0]["student"] == student


def test_paths_work_from_any_working_directory(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["check", RUBRIC, "c.params", "CD + D"]) == 0
    assert capsys.readouterr().out.startswith("c.params: correct")


# --- the entry point, as a real process ------------------------------------------------------


def test_python_m_grader_runs_as_a_separate_process(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "check", RUBRIC, "b.params", "9CD", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["verdict"] == "incorrect"
    assert completed.stderr == ""


def test_grade_puts_the_loaded_rubric_out_of_the_collectors_way_and_back_when_done(
    tmp_path, monkeypatch, capsys
):
    # Issue 20: what lives for the whole run is frozen once the rubric is loaded (the
    # collector no longer walks it), and unfrozen when `grade` ends, so that a library or a
    # test calling `main` again keeps nothing frozen.
    import gc

    from grader import cli, grade

    frozen_at_grading: list[int] = []
    grade_paths = grade.grade_paths

    def grading(*args, **kwargs):
        frozen_at_grading.append(gc.get_freeze_count())
        return grade_paths(*args, **kwargs)

    monkeypatch.setattr(cli, "grade_paths", grading)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "s1.yaml").write_text(
        "student: s1\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: '9CD + D'\n",
        encoding="utf-8",
    )
    assert gc.get_freeze_count() == 0
    assert main(["grade", str(folder), "--rubric", RUBRIC, "--jobs", "1"]) == 0
    capsys.readouterr()
    assert len(frozen_at_grading) == 1 and frozen_at_grading[0] > 0
    assert gc.get_freeze_count() == 0
