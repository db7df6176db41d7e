"""The gradebook is written a chunk of students per transaction, and a re-run leaves alone the
rows and pages it would write unchanged (issue 20). Behaviour only: the speed is measured by
`bench/class_of_1000.py`."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from grader import gradebook
from grader.cli import main
from grader.grade import CHUNK, InlineChecker, grade_paths
from grader.report import FolderWriter, OutputError, write_if_changed
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(RUBRIC_PATH)


def write_class(folder: Path, students: int, params=lambda n: "9CD + D") -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for n in range(students):
        path = folder / f"s{n:03d}.yaml"
        path.write_text(
            f"student: s{n:03d}\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: '{params(n)}'\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT s.student, s.run_id, i.item_id, i.run_id, i.verdict, i.marks FROM submissions"
            " AS s JOIN item_results AS i USING (question, student) ORDER BY s.student, i.item_id"
        ).fetchall()


def shown(result) -> tuple:
    """What the gradebook keeps of a result (not the values a check computes on the way)."""
    items = {
        item_id: (item.verdict, item.marks, item.max_marks, item.feedback, item.answer)
        for item_id, item in result.items.items()
    }
    return result.student, result.source, result.warnings, items


def test_a_chunk_is_stored_in_one_transaction_and_an_identical_rerun_writes_nothing(
    rubric, tmp_path
):
    batch = grade_paths(rubric, write_class(tmp_path / "class", 3))
    connection = gradebook.connect(tmp_path / "gb.sqlite")
    first = gradebook.start_run(connection, rubric, rubric.source_text)
    assert gradebook.store_submissions(connection, first, rubric.id, batch.results) == 3
    assert not connection.in_transaction
    second = gradebook.start_run(connection, rubric, rubric.source_text)
    assert gradebook.store_submissions(connection, second, rubric.id, batch.results) == 0
    # the rows are the first run's still
    assert {row[1] for row in rows(tmp_path / "gb.sqlite")} == {first}

    changed = replace(batch.results[1], warnings=("line 3: something new",))
    results = [batch.results[0], changed, batch.results[2]]
    assert gradebook.store_submissions(connection, second, rubric.id, results) == 1
    runs = {(student, run) for student, run, *_ in rows(tmp_path / "gb.sqlite")}
    assert runs == {("s000", first), ("s001", second), ("s002", first)}
    back = gradebook.load_batch(connection, gradebook.current_run(second, rubric))
    assert [shown(r) for r in back.results] == [shown(r) for r in results]
    connection.close()


def test_rows_graded_under_another_rubric_are_rewritten_even_when_equal(rubric, tmp_path):
    batch = grade_paths(rubric, write_class(tmp_path / "class", 2))
    connection = gradebook.connect(tmp_path / "gb.sqlite")
    first = gradebook.start_run(connection, rubric, rubric.source_text)
    gradebook.store_submissions(connection, first, rubric.id, batch.results)
    edited = replace(rubric, sha256="0" * 64)  # the same results, another version of the rubric
    second = gradebook.start_run(connection, edited, rubric.source_text + "\n# edited\n")
    assert gradebook.store_submissions(connection, second, rubric.id, batch.results) == 2
    assert gradebook.rubric_versions(connection, rubric.id) == {"s000": "0" * 64, "s001": "0" * 64}
    connection.close()


def test_a_student_given_twice_in_a_chunk_keeps_the_last(rubric, tmp_path):
    batch = grade_paths(rubric, write_class(tmp_path / "class", 1))
    (result,) = batch.results
    later = replace(result, source="later.yaml")
    connection = gradebook.connect(tmp_path / "gb.sqlite")
    run = gradebook.start_run(connection, rubric, rubric.source_text)
    assert gradebook.store_submissions(connection, run, rubric.id, [result, later]) == 1
    back = gradebook.load_batch(connection, gradebook.current_run(run, rubric))
    assert [shown(r) for r in back.results] == [shown(later)]
    connection.close()


class StopInSecondChunk(InlineChecker):
    """Checks in this process, and is interrupted (as by Ctrl-C) in the second chunk."""

    calls = 0

    def check(self, tasks):
        self.calls += 1
        if self.calls == 2:
            raise KeyboardInterrupt
        return super().check(tasks)


def test_an_interruption_loses_the_chunk_being_graded_and_keeps_those_stored(rubric, tmp_path):
    paths = write_class(tmp_path / "class", CHUNK + 5, params=lambda n: f"{n + 9}CD + D")
    connection = gradebook.connect(tmp_path / "gb.sqlite")
    run = gradebook.start_run(connection, rubric, rubric.source_text)
    chunks = []

    def store(results):
        gradebook.store_submissions(connection, run, rubric.id, results)
        chunks.append([result.student for result in results])

    with pytest.raises(KeyboardInterrupt):
        grade_paths(rubric, paths, on_chunk=store, checker=StopInSecondChunk(rubric))
    assert chunks == [[f"s{n:03d}" for n in range(CHUNK)]]
    stored = {row[0] for row in rows(tmp_path / "gb.sqlite")}
    assert stored == {f"s{n:03d}" for n in range(CHUNK)}
    connection.close()


def test_on_chunk_gets_every_result_in_file_order_a_chunk_at_a_time(rubric, tmp_path):
    paths = write_class(tmp_path / "class", CHUNK + 3)
    chunks = []
    batch = grade_paths(rubric, paths, on_chunk=lambda results: chunks.append(list(results)))
    assert [len(chunk) for chunk in chunks] == [CHUNK, 3]
    assert [r for chunk in chunks for r in chunk] == batch.results


def test_a_rerun_rewrites_only_the_pages_that_changed_and_removes_stale_ones(capsys, tmp_path):
    folder, out = tmp_path / "class", tmp_path / "out"
    write_class(folder, 2)
    argv = ["grade", str(folder), "--rubric", str(RUBRIC_PATH), "--out", str(out), "--jobs", "1"]
    assert main(argv) == 0
    kept, changed = sorted((out / "students").glob("*.html"))  # s000's page, s001's
    before = {page.name: page.stat().st_ino for page in (kept, changed)}
    # a page of ours for a student the gradebook no longer holds
    stale = out / "students" / "gone-0123456789.html"
    stale.write_bytes(kept.read_bytes())
    # s001 answers differently
    (folder / "s001.yaml").write_text(
        "student: s001\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: '9CD'\n", "utf-8"
    )
    assert main(argv) == 0
    after = {page.name: page.stat().st_ino for page in (out / "students").glob("*.html")}
    assert set(after) == {kept.name, changed.name}
    assert after[kept.name] == before[kept.name]  # the very same file: not written again
    assert after[changed.name] != before[changed.name]
    assert "9CD" in changed.read_text("utf-8")
    capsys.readouterr()


@pytest.mark.parametrize(
    "existing, expected_write",
    [
        (None, True),
        (b"<p>page</p>", False),
        (b"<p>page</p>\n", True),  # longer
        (b"<p>pag", True),  # shorter
        (b"<p>PAGE</p>", True),
    ],
)
def test_write_if_changed_writes_only_other_content(tmp_path, existing, expected_write):
    path = tmp_path / "page.html"
    if existing is not None:
        path.write_bytes(existing)
    assert write_if_changed(path, "<p>page</p>") is expected_write
    assert path.read_bytes() == b"<p>page</p>"


def test_write_if_changed_replaces_a_symbolic_link_even_to_the_same_content(tmp_path):
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_text("<p>page</p>")
    path = tmp_path / "page.html"
    path.symlink_to(elsewhere)
    assert write_if_changed(path, "<p>page</p>") is True
    assert not path.is_symlink()
    assert path.read_text() == "<p>page</p>"


def test_a_folder_writer_writes_changed_files_leaves_equal_ones_and_tidies_once(tmp_path):
    folder = tmp_path / "students"
    folder.mkdir()
    (folder / "same-0123456789.html").write_text("<p>same</p>")
    (folder / "other-0123456789.html").write_text("<p>old</p>")
    stale = folder / ".gone-0123456789.html.qqqqqqqq"  # a killed run's temporary
    stale.write_text("")
    not_ours = folder / ".notes.txt.abcdefgh"
    not_ours.write_text("")
    same_inode = (folder / "same-0123456789.html").stat().st_ino
    with FolderWriter(folder) as writer:
        for n in range(40):
            writer.write(f"new{n}-0123456789.html", f"<p>{n}</p>")
        writer.write("same-0123456789.html", "<p>same</p>")
        writer.write("other-0123456789.html", "<p>new</p>")
    assert (folder / "same-0123456789.html").stat().st_ino == same_inode
    assert (folder / "other-0123456789.html").read_text() == "<p>new</p>"
    assert [(folder / f"new{n}-0123456789.html").read_text() for n in range(40)] == [
        f"<p>{n}</p>" for n in range(40)
    ]
    assert not stale.exists() and not_ours.exists()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [not_ours.name]


def test_a_folder_writer_names_the_file_it_could_not_write_and_replaces_nothing(tmp_path):
    folder = tmp_path / "students"
    (folder / "taken-0123456789.html").mkdir(parents=True)  # a folder where a page goes
    (folder / "fine-0123456789.html").write_text("<p>old</p>")
    with pytest.raises(OutputError) as raised, FolderWriter(folder) as writer:
        writer.write("fine-0123456789.html", "<p>new</p>")
        writer.write("taken-0123456789.html", "<p>page</p>")
    assert str(raised.value) == f"cannot write {folder / 'taken-0123456789.html'}: it is a folder"
    # all or nothing: the old page stands, no temporary file is left
    assert (folder / "fine-0123456789.html").read_text() == "<p>old</p>"
    assert sorted(p.name for p in folder.iterdir()) == [
        "fine-0123456789.html",
        "taken-0123456789.html",
    ]


def test_a_folder_writer_left_by_an_interruption_replaces_nothing(tmp_path):
    folder = tmp_path / "students"
    folder.mkdir()
    (folder / "a-0123456789.html").write_text("<p>old</p>")
    with pytest.raises(KeyboardInterrupt), FolderWriter(folder) as writer:
        writer.write("a-0123456789.html", "<p>new</p>")
        writer.write("b-0123456789.html", "<p>new</p>")
        raise KeyboardInterrupt
    assert [(p.name, p.read_text()) for p in folder.iterdir()] == [
        ("a-0123456789.html", "<p>old</p>")
    ]


def test_grade_writes_its_outputs_with_the_rubric_it_loaded_not_a_second_load(
    capsys, tmp_path, monkeypatch
):
    folder, out = tmp_path / "class", tmp_path / "out"
    write_class(folder, 2)

    def refuse(text, path):
        raise AssertionError("the rubric was loaded again from the gradebook")

    monkeypatch.setattr(gradebook, "load_rubric_text", refuse)
    argv = ["grade", str(folder), "--rubric", str(RUBRIC_PATH), "--out", str(out), "--jobs", "1"]
    assert main(argv) == 0
    assert len(list((out / "students").glob("*.html"))) == 2
    capsys.readouterr()


class CountingChecker(InlineChecker):
    """Checks in this process, and keeps every answer it was asked to check, in order."""

    def __init__(self, rubric):
        super().__init__(rubric)
        self.asked: list[str] = []

    def check(self, tasks):
        self.asked += [task.text for task in tasks]
        return super().check(tasks)


def test_a_run_remembers_a_bounded_number_of_answers_and_checks_a_forgotten_one_again(
    rubric, tmp_path, monkeypatch
):
    # Memory stays bounded in a class of distinct answers (issue 20): the run keeps the
    # results of the last REMEMBERED distinct answers met. With one student a chunk and room
    # for two: 9CD + D is met again while remembered (not checked again), then again after
    # three others pushed it out (checked again, to the same result).
    import grader.grade

    monkeypatch.setattr(grader.grade, "CHUNK", 1)
    monkeypatch.setattr(grader.grade, "REMEMBERED", 2)
    answers = ["9CD + D", "CD", "9CD + D", "CD + D", "9CD", "D", "9CD + D"]
    paths = write_class(tmp_path / "class", len(answers), params=lambda n: answers[n])
    checker = CountingChecker(rubric)
    bounded = grade_paths(rubric, paths, checker=checker)
    assert checker.asked == ["9CD + D", "CD", "CD + D", "9CD", "D", "9CD + D"]
    whole = grade_paths(rubric, paths)  # every answer remembered (64 a chunk, room for 20,000)
    assert [shown(r) for r in bounded.results] == [shown(r) for r in whole.results]


def test_a_run_remembers_answers_of_a_bounded_number_of_characters(rubric, tmp_path, monkeypatch):
    # A class of long distinct answers (explanations in the students' own words) keeps fewer
    # of them. With room for 12 characters: 9CD + D (7), CD (2), then CD + D (6) make 15, so
    # the answer met longest ago, 9CD + D, is let go (CD was met again since, and is kept),
    # and is checked again when met again.
    import grader.grade

    monkeypatch.setattr(grader.grade, "CHUNK", 1)
    monkeypatch.setattr(grader.grade, "REMEMBERED_CHARACTERS", 12)
    answers = ["9CD + D", "CD", "9CD + D", "CD + D", "CD", "9CD + D"]
    paths = write_class(tmp_path / "class", len(answers), params=lambda n: answers[n])
    checker = CountingChecker(rubric)
    bounded = grade_paths(rubric, paths, checker=checker)
    assert checker.asked == ["9CD + D", "CD", "CD + D", "9CD + D"]
    whole = grade_paths(rubric, paths)
    assert [shown(r) for r in bounded.results] == [shown(r) for r in whole.results]
