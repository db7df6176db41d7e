"""The `grader` command as a user types it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import main

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = str(ROOT / "rubrics" / "22-52-q4.yaml")
EXAMPLES = ROOT / "submissions" / "22-52-q4"


def check(capsys, item: str, answer: str, *extra: str) -> str:
    assert main(["check", RUBRIC, item, answer, *extra]) == 0
    return capsys.readouterr().out


def test_the_seed_students_fully_connected_count_is_incorrect_with_feedback(capsys):
    out = check(capsys, "a.params", "P×P×C×D + P×Q×D")
    assert out.startswith("a.params: incorrect (0/2 marks)")
    assert "read as: P·P·C·D + P·Q·D" in out
    assert "not P·P" in out
    assert "With P=4, Q=3, C=2, D=5 your count gives 220; the correct count is 1500." in out


@pytest.mark.parametrize(
    "answer",
    [
        "PQCPQD+PQD",
        "PQD(PQC+1)",
        "P^2 Q^2 C D + P Q D",
        r"P \times Q \times C \times P \times Q \times D + P \times Q \times D",
        "P²Q²CD + PQD",
    ],
)
def test_the_correct_fully_connected_counts(capsys, answer):
    assert check(capsys, "a.params", answer).startswith("a.params: correct (2/2 marks)")


def test_a_count_without_its_bias_names_the_missing_bias(capsys):
    out = check(capsys, "b.params", "9CD")
    assert "b.params: incorrect (0/2 marks)" in out
    assert "leaves out the biases" in out and "D learnable biases" in out


def test_check_prints_json(capsys):
    result = json.loads(check(capsys, "b.params", "9CD+D", "--json"))
    assert result["verdict"] == "correct"
    assert result["marks"] == result["max_marks"] == 2
    assert result["interpretation"] == "9·C·D + D"
    assert result["feedback"] == ["Correct."]


def test_code_in_an_answer_is_invalid_and_never_runs(capsys, tmp_path):
    sentinel = Path("/tmp/x_grader_cli_test")
    sentinel.unlink(missing_ok=True)
    out = check(capsys, "a.params", f"__import__('os').system('touch {sentinel}')")
    assert out.startswith("a.params: invalid (0/2 marks)")
    assert not sentinel.exists()


def test_an_unknown_item_is_a_usage_error(capsys):
    assert main(["check", RUBRIC, "z.params", "1"]) == 2
    err = capsys.readouterr().err
    assert "no item 'z.params'" in err and "a.params" in err


def test_a_broken_rubric_exits_3_with_file_and_line_and_no_traceback(capsys, tmp_path):
    rubric = tmp_path / "bad.yaml"
    rubric.write_text("id: X\nsymbols: {}\nparts: {}\nextra: 1\n", encoding="utf-8")
    assert main(["check", str(rubric), "a.params", "1"]) == 3
    err = capsys.readouterr().err
    assert f"{rubric}:4: extra: unknown key" in err
    assert "Traceback" not in err


def test_grade_prints_a_table_and_writes_json(capsys, tmp_path):
    out_json = tmp_path / "results.json"
    assert main(["grade", str(EXAMPLES), "--rubric", RUBRIC, "--json", str(out_json)]) == 0
    table = capsys.readouterr().out
    for student in ("seed-student-1", "seed-student-2", "model-answer", "typical-mistakes"):
        assert student in table
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["errors"] == []
    result = next(r for r in data["results"] if r["student"] == "seed-student-1")
    assert set(result) >= {"student", "source", "total", "max_total", "items"}
    assert result["total"] == 16.5 and result["max_total"] == 25
    item = result["items"]["a.params"]
    assert set(item) >= {"verdict", "marks", "max_marks", "feedback", "interpretation"}
    verdicts = {i["verdict"] for r in data["results"] for i in r["items"].values()}
    assert verdicts <= {
        "correct",
        "partial",
        "incorrect",
        "invalid",
        "missing",
        "needs_review",
        "error",
    }


def test_the_seed_students_mistakes_are_caught(tmp_path):
    out_json = tmp_path / "r.json"
    assert main(["grade", str(EXAMPLES), "--rubric", RUBRIC, "--json", str(out_json)]) == 0
    results = {r["student"]: r["items"] for r in json.loads(out_json.read_text())["results"]}
    first, second = results["seed-student-1"], results["seed-student-2"]
    assert first["a.params"]["verdict"] == "incorrect"
    assert "P·Q positions" in first["a.params"]["feedback"][0]
    assert first["b.params"]["verdict"] == "correct"
    assert first["c.params"]["verdict"] == "missing"
    assert second["a.params"]["verdict"] == "incorrect"
    assert "1x1 convolution" in second["a.params"]["feedback"][0]
    # Their formulas are judged by the layer they define.
    assert first["a.formula"]["verdict"] == "incorrect"
    assert "not a fully connected layer" in first["a.formula"]["feedback"][0]
    assert any("where Q belongs" in line for line in first["a.formula"]["feedback"])
    assert second["a.formula"]["diagnosis"] == "misconception 1"
    assert "1x1 convolution" in second["a.formula"]["feedback"][0]
    second_b = " ".join(second["b.formula"]["feedback"])
    assert "spans the whole image" in second_b and "do not depend on the output channel" in second_b
    for item_id in ("b.formula", "c.formula", "d.formula", "e.formula"):
        assert first[item_id]["verdict"] == "correct", item_id
    assert second["e.formula"]["verdict"] == "correct"


def test_one_bad_file_does_not_stop_the_batch(capsys, tmp_path):
    (tmp_path / "good.yaml").write_text(
        "student: g\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: 9CD + D\n", encoding="utf-8"
    )
    (tmp_path / "bad.yaml").write_text("student: [\n", encoding="utf-8")
    (tmp_path / "other.yaml").write_text(
        "student: o\nquestion: 99-XX\nanswers: {}\n", encoding="utf-8"
    )
    (tmp_path / "dup.yaml").write_text(
        "student: g\nquestion: 22-52-Q4\nanswers: {}\n", encoding="utf-8"
    )
    assert main(["grade", str(tmp_path), "--rubric", RUBRIC]) == 0
    captured = capsys.readouterr()
    assert "g " in captured.out
    assert "bad.yaml" in captured.err and "is not valid YAML" in captured.err
    assert "the rubric is for '22-52-Q4'" in captured.err
    assert "it claims student 'g', as" in captured.err


def test_no_readable_submission_exits_4(capsys, tmp_path):
    (tmp_path / "bad.yaml").write_text("- a list\n", encoding="utf-8")
    assert main(["grade", str(tmp_path), "--rubric", RUBRIC]) == 4
    assert "no submission could be graded" in capsys.readouterr().err


def test_hostile_files_in_a_folder_are_skipped_one_by_one(capsys, tmp_path):
    (tmp_path / "good.yaml").write_text(
        "student: g\nquestion: 22-52-Q4\nanswers: {}\n", encoding="utf-8"
    )
    os.symlink("/etc/passwd", tmp_path / "alice.yaml")
    os.mkfifo(tmp_path / "carol.yaml")
    (tmp_path / "dave.yaml").write_bytes(b"student: \xff\xfe x\n")
    (tmp_path / "erin.yaml").write_bytes(
        "\ufeffstudent: e\nquestion: 22-52-Q4\nanswers: {}\n".encode("utf-8")
    )
    assert main(["grade", str(tmp_path), "--rubric", RUBRIC]) == 0
    captured = capsys.readouterr()
    assert "symbolic link" in captured.err and "not a regular file" in captured.err
    assert "not valid UTF-8" in captured.err
    assert "e " in captured.out and "g " in captured.out  # a BOM is fine


def test_a_plain_yaml_number_in_a_submission_stays_as_written(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "student: s\nquestion: 22-52-Q4\nanswers:\n  d:\n    params: 0123\n"
        "  b:\n    params: [9CD]\n  c:\n    params:\n",
        encoding="utf-8",
    )
    out_json = tmp_path / "r.json"
    assert main(["grade", str(path), "--rubric", RUBRIC, "--json", str(out_json)]) == 0
    items = json.loads(out_json.read_text())["results"][0]["items"]
    assert items["d.params"]["answer"] == "0123"
    assert items["b.params"]["verdict"] == "invalid"
    assert "found a list" in items["b.params"]["feedback"][0]
    assert items["c.params"]["verdict"] == "missing"


def test_the_console_script_runs():
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "check", RUBRIC, "c.params", "CD + D"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert completed.stdout.startswith("c.params: correct")


@pytest.mark.parametrize(
    "argv",
    [
        ["check", RUBRIC, "c.params", "CD + D"],
        ["grade", str(EXAMPLES), "--rubric", RUBRIC],
    ],
    ids=["check", "grade"],
)
def test_output_read_by_a_reader_that_stops_ends_quietly(argv, tmp_path):
    # `grader grade ... | head`: the reader gone, the command printed "error: Broken pipe"
    # and exited 1, as if it had failed. Now it ends as a program killed by SIGPIPE does.
    read, write = os.pipe()
    os.close(read)  # the reader has gone before anything is printed
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "grader",
                *argv,
                *(["--out", str(tmp_path / "out")] if argv[0] == "grade" else []),
            ],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
    finally:
        os.close(write)
    assert completed.returncode == 141
    assert "error" not in completed.stderr and "Traceback" not in completed.stderr
    if argv[0] == "grade":  # everything but the table was written
        assert (tmp_path / "out" / "instructor" / "grades.csv").is_file()
