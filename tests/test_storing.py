"""A large class's results stored by a writer process beside the main process
(grader/storing.py): the same gradebook and outputs as storing them in the main process,
nothing lost when the writer dies, its errors said as the main process's own."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import types
from pathlib import Path

import pytest
from test_grade_streaming import write  # one student's file: its answer to b.params

from grader import cli, grade, gradebook, storing

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_PATH = ROOT / "rubrics" / "22-52-q4.yaml"
MAIN_PID = os.getpid()  # the test's process: grader's main process in these tests


def first_class(folder: Path) -> None:
    for n in range(9):
        write(folder, f"s{n:03d}.yaml", f"s{n:03d}", "9CD + D" if n % 2 else f"{n} C D + D")


def second_class(folder: Path) -> None:
    """The first class edited: answers changed, s004 claimed again by a file two chunks
    later (recalled from the gradebook), a file that cannot be read, a new student."""
    first_class(folder)
    write(folder, "s002.yaml", "s002", "9CD")
    write(folder, "s003.yaml", "s003", "K^2 C D + D")
    write(folder, "z-late.yaml", "s004", "K C D")
    write(folder, "s010.yaml", "s010", "9CD + D", extra="  c:\n    count: '3'\n")
    (folder / "s003x.yaml").write_text("student: [unclosed\n", encoding="utf-8")


def stored(db: Path) -> dict[str, list[tuple]]:
    """What a gradebook holds of the students' results and checks, run ids aside."""
    with sqlite3.connect(db) as connection:
        return {
            "submissions": connection.execute(
                "SELECT question, student, source, warnings FROM submissions ORDER BY 1, 2"
            ).fetchall(),
            "item_results": connection.execute(
                f"SELECT question, student, {gradebook._ITEM_COLUMNS} FROM item_results"
                " ORDER BY 1, 2, 3"
            ).fetchall(),
            "check_cache": connection.execute(
                "SELECT item_id, answer, result FROM check_cache ORDER BY 1, 2"
            ).fetchall(),
            "regrade_changes": connection.execute(
                "SELECT * FROM regrade_changes ORDER BY 1, 2, 3, 4"
            ).fetchall(),
        }


def grade_twice(tmp_path: Path, name: str, monkeypatch, capsys) -> dict:
    """The first class graded, overrides recorded, then the second class graded again into
    the same gradebook, two files a chunk: what each run printed, the outputs and the
    gradebook. The classes' folders are named relative to `tmp_path` (the current folder),
    as the results name them."""
    monkeypatch.chdir(tmp_path)
    first_class(Path("first"))
    second_class(Path("second"))
    out = Path(name)
    monkeypatch.setattr(grade, "CHUNK", 2)
    printed = []
    for folder in ("first", "second"):
        code = cli.main(["grade", folder, "--rubric", str(RUBRIC_PATH), "--out", name])
        printed.append((code, capsys.readouterr().err))
        if folder == "first":
            connection = gradebook.connect(out / "gradebook.sqlite")
            gradebook.record_override(connection, "22-52-Q4", "s001", "b.params", 1.0, "", "ta")
            connection.close()
    files = {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and not path.name.startswith("gradebook.sqlite")
    }
    return {"printed": printed, "files": files, "stored": stored(out / "gradebook.sqlite")}


@pytest.fixture
def here(tmp_path_factory, monkeypatch, capsys):
    """The two runs with every result stored by the main process."""
    monkeypatch.setenv(storing.ENV_THRESHOLD, str(10**9))
    return grade_twice(tmp_path_factory.mktemp("here"), "out", monkeypatch, capsys)


def beside(tmp_path: Path, monkeypatch, capsys) -> dict:
    monkeypatch.setenv(storing.ENV_THRESHOLD, "1")
    return grade_twice(tmp_path, "out", monkeypatch, capsys)


def test_a_class_stored_beside_gives_what_storing_it_here_gives(
    here, tmp_path, monkeypatch, capsys
):
    ended = []  # each writer's exit status once closed
    close = storing.StoreBeside.close

    def closing(self):  # closed once the class is graded, then again (nothing) on leaving
        process = self._process
        close(self)
        if process is not None:
            ended.append(process.exitcode)

    monkeypatch.setattr(storing.StoreBeside, "close", closing)
    ours = beside(tmp_path, monkeypatch, capsys)
    # A writer for each run, each ending by itself when closed: not killed once the wait for
    # it ran out (every child forked since holds a copy of the parent's end).
    assert ended == [0, 0]
    for key, rows in here["stored"].items():
        assert ours["stored"][key] == rows, key
    assert ours == here
    assert here["printed"][1][0] == 0
    assert len(here["stored"]["submissions"]) == 10  # s000 to s008 and s010, none twice


def assert_the_same_but_noted(ours: dict, here: dict, note: str) -> None:
    """Both runs as when stored here, each saying `note` first."""
    for (code, err), (expected_code, expected_err) in zip(
        ours["printed"], here["printed"], strict=True
    ):
        assert code == expected_code == 0
        assert err.splitlines() == [note, *expected_err.splitlines()]
    assert ours["files"] == here["files"]
    assert ours["stored"] == here["stored"]


def in_the_writer() -> bool:
    return os.getpid() != MAIN_PID


def test_a_writer_killed_mid_class_loses_nothing(here, tmp_path, monkeypatch, capsys):
    write_chunk = storing._write
    written = []

    def write_then_die(connection, chunk):
        if in_the_writer() and chunk[0] == 2:  # the third chunk of a run: killed before it
            os.kill(os.getpid(), signal.SIGKILL)
        written.append(chunk[0])  # the main process's own list: only what it wrote
        write_chunk(connection, chunk)

    monkeypatch.setattr(storing, "_write", write_then_die)
    ours = beside(tmp_path, monkeypatch, capsys)
    note = (
        "note: the gradebook's writer process is gone (it was killed by signal 9); the rest"
        " of the class is stored by the main process"
    )
    assert_the_same_but_noted(ours, here, note)
    # Each run: the chunks from the third on were stored here (the first two by the writer).
    assert written and min(written) == 2


def test_a_chunk_committed_but_not_said_stored_is_left_alone_when_stored_again(
    here, tmp_path, monkeypatch, capsys
):
    write_chunk = storing._write

    def write_then_die(connection, chunk):
        write_chunk(connection, chunk)
        if in_the_writer() and chunk[0] == 1:  # committed, and killed before saying so
            os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(storing, "_write", write_then_die)
    store_rows = gradebook.store_rows
    rewritten = []

    def counting(connection, run_id, question, rows):
        written = store_rows(connection, run_id, question, rows)
        if not in_the_writer():
            rewritten.append(written)
        return written

    monkeypatch.setattr(gradebook, "store_rows", counting)
    ours = beside(tmp_path, monkeypatch, capsys)
    assert ours["files"] == here["files"]
    assert ours["stored"] == here["stored"]
    # In each run the main process stored chunk 1 again (found as it was: none written),
    # then the chunks after it.
    assert rewritten[0] == 0 and all(count > 0 for count in rewritten[1:2])


def test_a_chunk_the_writer_cannot_store_stops_the_run_with_its_error(
    tmp_path, monkeypatch, capsys
):
    write_chunk = storing._write

    def full_disk(connection, chunk):
        if in_the_writer() and chunk[0] == 1:
            raise sqlite3.OperationalError("database or disk is full")
        write_chunk(connection, chunk)

    monkeypatch.setattr(storing, "_write", full_disk)
    monkeypatch.setenv(storing.ENV_THRESHOLD, "1")
    monkeypatch.setattr(grade, "CHUNK", 2)
    first_class(tmp_path / "class")
    code = cli.main(
        ["grade", str(tmp_path / "class"), "--rubric", str(RUBRIC_PATH), "--db",
         str(tmp_path / "g.sqlite")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines()[-1] == "error: the gradebook cannot be used: database or disk is full"
    # The first chunk was stored; the second, which failed, not at all (one transaction).
    students = [row[1] for row in stored(tmp_path / "g.sqlite")["submissions"]]
    assert students[:2] == ["s000", "s001"] and "s002" not in students


def test_a_writer_that_cannot_be_forked_leaves_the_storing_here(
    here, tmp_path, monkeypatch, capsys
):
    fork = multiprocessing.get_context("fork")

    class NoProcess:  # the writer's processes only: the workers are forked as ever
        Pipe = fork.Pipe

        def Process(self, **kwargs):  # noqa: N802 (multiprocessing's name)
            process = fork.Process(**kwargs)

            def refused():
                raise OSError(11, "Resource temporarily unavailable")

            process.start = refused
            return process

    monkeypatch.setattr(
        storing,
        "multiprocessing",
        types.SimpleNamespace(get_context=lambda _method: NoProcess()),
    )
    ours = beside(tmp_path, monkeypatch, capsys)
    note = (
        "note: the gradebook's writer process is gone (it could not be started (Resource"
        " temporarily unavailable)); the rest of the class is stored by the main process"
    )
    assert_the_same_but_noted(ours, here, note)


@pytest.mark.parametrize(
    ("threshold", "files", "wanted"),
    [("", 2047, False), ("", 2048, True), ("5", 5, True), ("5", 4, False), ("x", 2048, True),
     ("0", 1, True), ("0", 0, False)],
)  # fmt: skip
def test_a_class_is_stored_beside_from_the_threshold(monkeypatch, threshold, files, wanted):
    monkeypatch.setenv(storing.ENV_THRESHOLD, threshold)
    assert storing.wanted(files) is wanted


@pytest.mark.parametrize(("threshold", "forked"), [(None, False), ("0", True), ("9", True)])
def test_a_class_of_nine_is_stored_beside_from_the_threshold(
    tmp_path, monkeypatch, threshold, forked
):
    if threshold is None:  # the default: 2048 files
        monkeypatch.delenv(storing.ENV_THRESHOLD, raising=False)
    else:
        monkeypatch.setenv(storing.ENV_THRESHOLD, threshold)
    started = []
    start = storing.StoreBeside.__init__

    def counted_start(self, *args):
        started.append(args)
        start(self, *args)

    monkeypatch.setattr(storing.StoreBeside, "__init__", counted_start)
    first_class(tmp_path / "class")
    args = ["grade", str(tmp_path / "class"), "--rubric", str(RUBRIC_PATH)]
    assert cli.main([*args, "--db", str(tmp_path / "g.sqlite")]) == 0
    assert len(started) == forked
    assert len(stored(tmp_path / "g.sqlite")["submissions"]) == 9


def a_tree(root: Path) -> list[Path]:
    """Submission files in folders and subfolders, beside files that are not submissions,
    hidden ones and a link: what `collect_submission_files` finds in it is five files."""
    for name in ("a.yaml", "b.md", "sub/c.yml", "sub/deeper/d.txt", "e.csv", ".hidden.yaml",
                 ".hid/f.yaml", "notes.pdf"):  # fmt: skip
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("student: x\n", encoding="utf-8")
    (root / "link.yaml").symlink_to(root / "a.yaml")
    return [root, root / "a.yaml", root / "missing.yaml", root / "link.yaml"]


@pytest.mark.parametrize("at_most", [1, 2, 4, 5, 6, 100])
def test_a_class_is_counted_as_collected_up_to_a_bound(tmp_path, at_most):
    from grader.submissions import collect_submission_files, count_submission_files

    given = a_tree(tmp_path)
    files, _ = collect_submission_files(given)
    assert count_submission_files(given, at_most) == min(len(files), at_most)


def test_ctrl_c_while_a_chunk_is_sent_leaves_the_writer_a_whole_chunk(tmp_path, monkeypatch):
    from multiprocessing.connection import Connection

    from grader.rubric import load_rubric

    rubric = load_rubric(RUBRIC_PATH)
    first_class(tmp_path / "class")
    results = grade.grade_paths(rubric, [tmp_path / "class"]).results
    # A chunk larger than the socket's buffer: it is sent in two writes at least.
    rows = [
        (student, (source * 50_000, warnings), items)
        for student, (source, warnings), items in gradebook.submission_rows(results)
    ]
    counted = []
    db = tmp_path / "g.sqlite"
    writer = storing.StoreBeside(db, counted.append)  # before the gradebook is opened
    connection = gradebook.connect(db)
    run_id = gradebook.start_run(connection, rubric, rubric.source_text)
    send = Connection._send

    def send_then_ctrl_c(self, buffer, *args):
        send(self, buffer, *args)
        if not sent:  # Ctrl-C after the first write of the chunk
            sent.append(len(buffer))
            os.kill(os.getpid(), signal.SIGINT)

    sent: list[int] = []
    monkeypatch.setattr(Connection, "_send", send_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        writer.store(connection, rubric.id, run_id, rows, [])
    monkeypatch.setattr(Connection, "_send", send)

    def hung(*_args):
        raise AssertionError("no reply: the writer waits for the rest of a chunk cut short")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)  # a hang guard, not a speed assertion
    try:
        writer.wait(connection)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    writer.close()
    assert counted == [9]
    assert [row[1] for row in stored(db)["submissions"]] == [f"s{n:03d}" for n in range(9)]
    connection.close()


def test_the_writer_has_ended_before_the_reports_are_made(tmp_path, monkeypatch, capsys):
    """Every chunk is stored once the class is graded: the writer (and the memory it holds)
    is let go before the reports are made, not kept beside the page children."""
    children_then = []
    write_outputs = cli._write_outputs

    def writing(*args, **kwargs):
        children_then.append(sorted(p.name for p in multiprocessing.active_children()))
        return write_outputs(*args, **kwargs)

    monkeypatch.setattr(cli, "_write_outputs", writing)
    monkeypatch.setenv(storing.ENV_THRESHOLD, "1")
    monkeypatch.setattr(grade, "CHUNK", 2)
    first_class(tmp_path / "class")
    out = tmp_path / "out"
    assert (
        cli.main(
            ["grade", str(tmp_path / "class"), "--rubric", str(RUBRIC_PATH), "--out", str(out)]
        )
        == 0
    )
    assert children_then == [[]]
    assert len(stored(out / "gradebook.sqlite")["submissions"]) == 9
