"""`grader grade` works a chunk at a time end to end and keeps no student's result for the whole
run (issue 20): each chunk is overridden, compared with the class as stored before the run,
stored, written out (table rows, `--json` lines) and counted, then let go. What it prints and
writes is what holding the whole batch gave: these tests grade a class with overrides (kept
and lapsed), a re-grade change, students two or three files claim (in one chunk and across
chunks) and a file that cannot be read, a chunk of two students and a chunk of the whole
class, and compare both with the batch graded whole by the library. Memory itself is measured
by `bench/class_of_1000.py --students 50000`."""

from __future__ import annotations

import gc
import json
import shutil
import weakref
from pathlib import Path

import pytest

from grader import grade, gradebook, regrade
from grader.cli import main
from grader.errors import printable
from grader.exam import load_exam
from grader.grade import Placed, ResultSpool, grade_paths
from grader.html_report import summarise
from grader.overrides import apply_overrides
from grader.report import batch_json, format_table
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
RUBRIC = load_rubric(RUBRIC_PATH)


def write(folder: Path, name: str, student: str, params: str, extra: str = "") -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(
        f"student: {student}\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: '{params}'\n" + extra,
        encoding="utf-8",
    )


def first_class(folder: Path) -> None:
    for n in range(7):
        write(folder, f"s{n:03d}.yaml", f"s{n:03d}", "9CD + D" if n % 2 else "K C D + D")


def second_class(folder: Path) -> None:
    """The class again, edited: s002's answer changed (its override lapses), s003's changed
    (its marks move); s000 claimed again in the same chunk of two (s000b); s004 (its override
    kept) claimed by two files at the end, one writing the id in capitals, and s005 by one
    (its marks move); a file that cannot be read, and a new student."""
    first_class(folder)
    write(folder, "s002.yaml", "s002", "9CD")
    write(folder, "s003.yaml", "s003", "K^2 C D + D")
    write(folder, "s000b.yaml", "s000", "9CD + D")
    write(folder, "z-late.yaml", "S004", "9CD")
    write(folder, "z-later.yaml", "s004", "K C D")
    write(folder, "z-zz.yaml", "s005", "K C D")
    write(folder, "s007.yaml", "s007", "9CD + D", extra="  c:\n    count: '3'\n")
    (folder / "s003x.yaml").write_text("student: [unclosed\n", encoding="utf-8")


@pytest.fixture(scope="module")
def regraded(tmp_path_factory):
    """A gradebook graded from the first class, with three overrides; and the second class."""
    where = tmp_path_factory.mktemp("streaming")
    first_class(where / "first")
    second_class(where / "second")
    out = where / "out"
    command = ["grade", str(where / "first"), "--rubric", str(RUBRIC_PATH), "--out", str(out)]
    assert main(command) == 0
    connection = gradebook.connect(out / "gradebook.sqlite")
    for student, marks in (("s001", 1.0), ("s002", 2.0), ("s004", 1.5)):
        gradebook.record_override(connection, RUBRIC.id, student, "b.params", marks, "seen", "ta")
    connection.close()
    return where


def grade_again(where: Path, name: str, chunk: int, monkeypatch, capsys) -> dict:
    """`grader grade` of the second class into a copy of the gradebook, `chunk` files a chunk."""
    out = where / name
    shutil.copytree(where / "out", out)
    monkeypatch.setattr(grade, "CHUNK", chunk)
    capsys.readouterr()
    code = main(
        [
            "grade", str(where / "second"), "--rubric", str(RUBRIC_PATH), "--out", str(out),
            "--json", str(where / f"{name}.json"), "--changes", str(where / f"{name}.csv"),
            "--strict",
        ]
    )  # fmt: skip
    printed = capsys.readouterr()
    return {
        "code": code,
        "stdout": printed.out,
        "stderr": printed.err.replace(str(out), "OUT"),
        "json": (where / f"{name}.json").read_text("utf-8"),
        "csv": (where / f"{name}.csv").read_text("utf-8"),
        "results.json": (out / "instructor" / "results.json").read_text("utf-8"),
    }


def held_whole(where: Path, chunk: int, monkeypatch) -> tuple:
    """What the second run gives when the batch is held whole, as `grader grade` did before
    it streamed: the library's batch (read `chunk` files a chunk, which orders the failures),
    with the overrides and the changes of the gradebook as it was before the run."""
    monkeypatch.setattr(grade, "CHUNK", chunk)
    connection = gradebook.connect(where / "out" / "gradebook.sqlite")
    overrides = gradebook.load_overrides(connection, RUBRIC.id)
    before = regrade.snapshot(connection, RUBRIC.id, overrides)
    connection.close()
    batch = apply_overrides(grade_paths(RUBRIC, [where / "second"]), overrides)
    return batch, regrade.compare(before, batch, overrides)


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_a_chunk_at_a_time_prints_and_writes_what_the_whole_batch_gave(
    regraded, chunk, monkeypatch, capsys
):
    batch, changes = held_whole(regraded, chunk, monkeypatch)
    got = grade_again(regraded, f"chunk-{chunk}", chunk, monkeypatch, capsys)
    assert got["code"] == 5  # --strict: files skipped or conflicted, an override lapsed
    assert got["stdout"] == format_table(RUBRIC, batch) + "\n"
    assert json.loads(got["json"]) == batch_json(RUBRIC, batch)
    assert got["json"].count("\n") == len(batch.results) + 2  # one line a student
    assert got["results.json"] == got["json"]  # the report's, read back from the gradebook
    assert got["csv"] == regrade.changes_csv(changes.changes)
    assert [(c.student, c.kind) for c in changes.changes] == [
        ("s002", "lapsed"),
        ("s003", "marks"),
        ("s005", "marks"),  # claimed by a file of a later chunk: 0 marks until decided
    ]
    assert changes.kept == 2  # s001's and s004's (claimed twice, the answer judged kept)
    errors = [f"error: {printable(f.message, keep_newlines=True)}" for f in batch.failures]
    wrote, *rest = got["stderr"].splitlines()
    assert wrote.startswith("wrote 15 files to OUT")
    assert rest == [
        *"\n".join(errors).splitlines(),
        "gradebook: OUT/gradebook.sqlite",
        *changes.lines(),
        "graded 8 submissions; 5 could not be graded (see above)",
        summarise(batch).describe(RUBRIC.max_total),
        "strict: 5 files skipped or conflicted and 1 override lapsed (exit code 5)",
    ]
    # s004 is three files' student: both later claims are noted on the first file's result
    (s004,) = (r for r in batch.results if r.student == "s004")
    assert [w.split(" also claims")[0] for w in s004.warnings] == [
        str(regraded / "second" / "z-late.yaml"),
        str(regraded / "second" / "z-later.yaml"),
    ]


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_without_a_gradebook_the_outputs_are_those_of_the_whole_batch(
    regraded, chunk, monkeypatch, capsys
):
    monkeypatch.setattr(grade, "CHUNK", chunk)
    json_path = regraded / f"alone-{chunk}.json"
    code = main(
        ["grade", str(regraded / "second"), "--rubric", str(RUBRIC_PATH), "--json",
         str(json_path)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    batch = grade_paths(RUBRIC, [regraded / "second"])
    assert (code, out) == (0, format_table(RUBRIC, batch) + "\n")
    assert json.loads(json_path.read_text("utf-8")) == batch_json(RUBRIC, batch)
    assert err.splitlines()[-2:] == [
        "graded 8 submissions; 5 could not be graded (see above)",
        summarise(batch).describe(RUBRIC.max_total),
    ]


class Tracked:
    """Wraps `gradebook.store_submissions` to see, at each chunk stored, whether any result
    of an earlier chunk is still held by anyone."""

    def __init__(self, monkeypatch):
        self.earlier: list[weakref.ref] = []
        self.held: list[int] = []
        store = gradebook.store_submissions

        def tracked(connection, run_id, question, results):
            gc.collect()
            self.held.append(sum(1 for ref in self.earlier if ref() is not None))
            self.earlier.extend(weakref.ref(result) for result in results)
            return store(connection, run_id, question, results)

        monkeypatch.setattr(gradebook, "store_submissions", tracked)


def test_grade_lets_each_chunk_go_before_the_next(regraded, tmp_path, monkeypatch, capsys):
    tracked = Tracked(monkeypatch)
    monkeypatch.setattr(grade, "CHUNK", 2)
    out = tmp_path / "out"
    shutil.copytree(regraded / "out", out)
    main(["grade", str(regraded / "second"), "--rubric", str(RUBRIC_PATH), "--out", str(out)])
    assert tracked.held == [0] * 7  # 13 files, two a chunk


def placed_view(rubric, paths, recall=None, spool=None):
    """The class as `on_placed` gives it, and every `Placed` given."""
    places, given = [], []

    def take(placed):
        given.extend(placed)
        if spool is not None:
            spool.store(placed)
        for entry in placed:
            if entry.place == len(places):
                places.append(entry.result)
            else:
                assert entry.replaces is None or entry.replaces == places[entry.place]
                places[entry.place] = entry.result

    batch = grade_paths(rubric, paths, on_placed=take, recall=recall)
    return batch, places, given


def test_with_recall_grade_paths_keeps_no_result_and_places_them_as_the_batch(
    regraded, monkeypatch
):
    monkeypatch.setattr(grade, "CHUNK", 2)
    whole = grade_paths(RUBRIC, [regraded / "second"])
    spool = ResultSpool()
    recalled = []

    def recall(place, student):
        recalled.append((place, student))
        return spool.recall(place, student)

    try:
        batch, places, given = placed_view(RUBRIC, [regraded / "second"], recall, spool)
    finally:
        spool.close()
    assert batch.results == []
    assert batch.failures == whole.failures
    assert places == whole.results
    # s004 (place 4) is recalled once, by the exact id its first file wrote: its third file
    # is in the chunk of its second
    assert recalled == [(4, "s004"), (5, "s005")]
    replacing = [(entry.place, entry.replaces.student) for entry in given if entry.replaces]
    assert replacing == [(4, "s004"), (5, "s005")]
    # s000's second file is in the chunk of its first: the chunk gives its place once
    assert [entry.place for entry in given].count(0) == 1


def test_without_recall_grade_paths_holds_the_batch_and_places_the_same(regraded, monkeypatch):
    monkeypatch.setattr(grade, "CHUNK", 2)
    batch, places, given = placed_view(RUBRIC, [regraded / "second"])
    assert places == batch.results
    assert all(isinstance(entry, Placed) for entry in given)


def test_a_student_first_written_in_capitals_is_recalled_as_written(tmp_path, monkeypatch):
    monkeypatch.setattr(grade, "CHUNK", 1)
    write(tmp_path, "a.yaml", "Alice", "9CD + D")
    write(tmp_path, "b.yaml", "alice", "9CD")
    recalled = []
    spool = ResultSpool()

    def recall(place, student):
        recalled.append((place, student))
        return spool.recall(place)

    try:
        _, places, _ = placed_view(RUBRIC, [tmp_path], recall, spool)
    finally:
        spool.close()
    assert recalled == [(0, "Alice")]
    assert [result.student for result in places] == ["Alice"]


def test_an_exams_json_holds_each_questions_as_the_whole_batch_gave(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(grade, "CHUNK", 1)
    exam, rubrics = load_exam(ROOT / "exams" / "midterm.yaml")
    out = tmp_path / "exam.json"
    assert main(["grade", "--exam", str(ROOT / "exams" / "midterm.yaml"), "--json", str(out)]) == 0
    stdout = capsys.readouterr().out
    text = out.read_text("utf-8")
    expected, tables = [], []
    for question in exam.questions:
        rubric = rubrics[question.question]
        batch = grade_paths(rubric, list(question.submissions))
        expected.append(batch_json(rubric, batch))
        tables.append(f"{rubric.id}: {rubric.title}\n{format_table(rubric, batch)}\n\n")
    assert json.loads(text) == {"questions": expected}
    students = sum(len(question["results"]) for question in expected)
    assert text.startswith('{"questions": [\n{"question": "22-52-Q4"')
    assert '\n]},\n{"question": "DW-SEP-Q1"' in text
    assert text.endswith("\n]}\n]}\n")
    assert text.count("\n") == 2 + students + 2 * len(expected)  # a line a student
    assert stdout == "".join(tables)
