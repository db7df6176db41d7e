"""A class's files read in a reader process beside the main one (`grader.reading`, issue 20):
the same results and failures, in the same order, as when the main process reads them; a file
that kills, spins or hangs the reader costs that file alone, with a message naming it.

Module-level load functions, so that a forked reader can run them."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import reading
from grader.grade import CHUNK, grade_paths
from grader.model import Batch, FileFailure
from grader.reading import AHEAD, BesideReader, ReadBeside
from grader.rubric import load_rubric
from grader.submissions import load_submissions
from grader.workers import BoundedChecker

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
SEED = ROOT / "submissions" / "22-52-q4"
MARKS = "GRADER_TEST_READ"  # a folder where the test reader leaves a file for each file read


_ALIAS_BOMB = (
    'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    + "student: bomb\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: *i\n"
)


def _write_class(folder: Path, count: int) -> Path:
    """`count` files of every sort a class folder holds: good YAML, Markdown and transcripts,
    broken YAML, another question's file, a wrong question, and a student two files claim."""
    folder.mkdir()
    seeds = [SEED / "seed-student-1.yaml", SEED / "markdown" / "seed-student-2.md"]
    for n in range(count):
        name = f"s{n:03d}"
        sort = n % 9
        if sort == 0:
            seed = seeds[(n // 9) % 2]
            text = seed.read_text(encoding="utf-8").replace("seed-student", f"{name}-seed")
            (folder / f"{name}{seed.suffix}").write_text(text, encoding="utf-8")
        elif sort == 1:
            (folder / f"{name}.yaml").write_text("student: [unclosed\n", encoding="utf-8")
        elif sort == 2:
            (folder / f"{name}.tex").write_text(
                f"(a) $N = 8CD + D$ \\\\ (b) parameters: ${n}CD + D$\n", encoding="utf-8"
            )
        elif sort == 3:
            (folder / f"{name}.yaml").write_text(
                f"student: {name}\nquestion: other-q\nanswers:\n  b:\n    params: '1'\n",
                encoding="utf-8",
            )
        elif sort == 4:
            (folder / f"{name}.yaml").write_text(
                f"student: {name}\nquestion: 99-99-Q9\nanswers:\n  b:\n    params: '1'\n",
                encoding="utf-8",
            )
        elif sort == 5:  # claims the student of the file before the last 9
            claimed = f"S{max(0, n - 9):03d}"
            (folder / f"{name}.yaml").write_text(
                f"student: {claimed}\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: CD\n",
                encoding="utf-8",
            )
        elif n == 7:  # hostile: an alias bomb, refused by the loader alike in either process
            (folder / f"{name}.yaml").write_text(_ALIAS_BOMB, encoding="utf-8")
        elif n == 16:  # hostile: deep nesting
            (folder / f"{name}.yaml").write_text(
                "student: deep\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: "
                + "[" * 3000
                + "]" * 3000
                + "\n",
                encoding="utf-8",
            )
        else:
            (folder / f"{name}.yaml").write_text(
                f"student: s{n:03d}\nquestion: 22-52-Q4\nanswers:\n  b:\n"
                f"    params: '{n % 7}CD + D'\n  a:\n    count: {n % 5}\n",
                encoding="utf-8",
            )
    return folder


def _grade(folder: Path, read_beside: ReadBeside | None, **options) -> Batch:
    return grade_paths(
        RUBRIC, [folder], other_questions=frozenset({"other-q"}), read_beside=read_beside, **options
    )


@pytest.mark.parametrize(
    "count, threshold",
    [
        (1, 1),  # one file, read beside all the same
        (CHUNK - 1, 1),
        (2 * CHUNK + 5, 1),
        ((AHEAD + 2) * CHUNK + 1, 1),  # more chunks than are asked ahead
        (2 * CHUNK + 5, 10**6),  # below the threshold: read here
    ],
)
def test_a_class_read_beside_is_graded_as_when_read_here(tmp_path, count, threshold):
    folder = _write_class(tmp_path / "class", count)
    here = _grade(folder, None)
    beside = _grade(folder, ReadBeside(threshold=threshold))
    assert beside.results == here.results
    assert beside.failures == here.failures
    assert len(here.results) > 0 or count == 1
    hostile = [f.message for f in here.failures if f.source.endswith(("s007.yaml", "s016.yaml"))]
    assert len(hostile) == (count > 7) + (count > 16)
    assert all("more than 50000 values" in m or "nested more than" in m for m in hostile)


def test_stored_a_chunk_at_a_time_with_a_roster_and_recall_as_when_read_here(tmp_path):
    folder = _write_class(tmp_path / "class", 3 * CHUNK)

    def run(read_beside):
        chunks: list[list] = []
        stored: dict[int, object] = {}

        def placed(entries):
            stored.update((entry.place, entry.result) for entry in entries)

        batch = _grade(
            folder,
            read_beside,
            on_chunk=chunks.append,
            on_placed=placed,
            recall=lambda place, _student: stored[place],
            identify=lambda submission: submission,
        )
        return batch, chunks, stored

    assert run(ReadBeside(threshold=1)) == run(None)


def test_the_workers_and_the_reader_together_grade_as_in_this_process(tmp_path):
    folder = _write_class(tmp_path / "class", 2 * CHUNK + 3)
    here = _grade(folder, None)
    with BoundedChecker(RUBRIC, jobs=2) as bounded:
        beside = _grade(folder, ReadBeside(threshold=1), checker=bounded)
    assert beside.results == here.results
    assert beside.failures == here.failures


def troublesome(path: Path, rubric, columns):
    """Reads a file as the grader does, unless its name says to kill, spin, hang or fail."""
    name = path.stem
    if name.startswith("kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    if name.startswith("spin"):
        while True:
            pass
    if name.startswith("hang"):
        time.sleep(3600)
    if name.startswith("memory"):
        raise MemoryError
    if name.startswith("bug"):
        raise ValueError(name)
    return load_submissions(path, rubric, columns)


def _good(folder: Path, name: str) -> None:
    (folder / f"{name}.yaml").write_text(
        f"student: {name}\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: 8CD + D\n",
        encoding="utf-8",
    )


def test_a_file_that_kills_spins_or_hangs_the_reader_costs_that_file_alone(tmp_path, capfd):
    folder = tmp_path / "class"
    folder.mkdir()
    # Sorted by name, the troublesome files fall among good ones, across three chunks.
    names = [f"a{n:03d}" for n in range(CHUNK + 10)]
    for name in names:
        _good(folder, name)
    for name in ("a005-bad", "a070-bad"):
        (folder / f"{name}.yaml").write_text("answers: [\n", encoding="utf-8")
    trouble = ["bug-1", "hang-1", "kill-1", "kill-2", "memory-1", "spin-1"]
    for name in trouble:
        _good(folder, name)
    for n in range(CHUNK):
        _good(folder, f"z{n:03d}")
    # The wall-clock backstop is ten times the CPU limit, so that under load (a test run
    # sharing two cores with others) the spinning reader still meets its CPU limit first.
    settings = ReadBeside(threshold=1, timeout=0.5, wall_timeout=5.0, load=troublesome)
    capfd.readouterr()
    batch = _grade(folder, settings)
    # a file that kills the reader is read again by a new one, which it kills too: said once
    assert capfd.readouterr().err.splitlines() == [
        reader_died(folder / f"{name}.yaml") for name in ("kill-1", "kill-2")
    ]
    students = [result.student for result in batch.results]
    assert students == names + [f"z{n:03d}" for n in range(CHUNK)]
    here = _grade(folder, None)
    assert batch.results == [r for r in here.results if r.student in students]
    broken = [f for f in here.failures if "-bad" in f.source]
    path = {name: folder / f"{name}.yaml" for name in trouble}
    crashed = "ran out of its 2048 MB of memory or crashed the reader, so it was stopped"
    assert batch.failures == [
        *broken,
        FileFailure(
            str(path["bug-1"]), f"submission {path['bug-1']}: the grader failed on it (ValueError)"
        ),
        FileFailure(
            str(path["hang-1"]),
            f"submission {path['hang-1']}: reading it took longer than 5 s, so it was stopped",
        ),
        FileFailure(str(path["kill-1"]), f"submission {path['kill-1']}: reading it {crashed}"),
        FileFailure(str(path["kill-2"]), f"submission {path['kill-2']}: reading it {crashed}"),
        FileFailure(
            str(path["memory-1"]),
            f"submission {path['memory-1']}: reading it needed more than its 2048 MB of "
            "memory, so it was not read",
        ),
        FileFailure(
            str(path["spin-1"]),
            f"submission {path['spin-1']}: reading it needed more than 0.5 s of computing "
            "time, so it was stopped",
        ),
    ]


KILLS = "GRADER_TEST_KILL"  # a folder naming the files on which the reader kills itself, once


def killed_once(path: Path, rubric, columns):
    """Reads a file as the grader does; but the reader, as it reaches a file named in the
    folder KILLS, is killed with SIGKILL the first time (as the OOM killer or an admin's
    `kill -9` would): the file is innocent. The state crosses the fork in files."""
    kills = Path(os.environ[KILLS])
    if (kills / path.name).exists() and not (kills / f"{path.name}.killed").exists():
        (kills / f"{path.name}.killed").touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return load_submissions(path, rubric, columns)


def reader_died(path: Path) -> str:
    return (
        f"warning: the process reading the submissions stopped (killed by SIGKILL) on {path}; "
        "a new one reads it again, and it fails only if that one stops too"
    )


@pytest.mark.parametrize(
    "killed",
    [
        pytest.param([0], id="on the first file"),
        pytest.param([7], id="on a hostile file"),
        pytest.param([CHUNK - 1], id="on the last file of a chunk"),
        pytest.param([CHUNK], id="on the first file of the next chunk"),
        pytest.param([CHUNK + 3, CHUNK + 4], id="on two files in a row"),
        pytest.param([5, 2 * CHUNK + 2], id="twice, chunks apart"),
        pytest.param([2 * CHUNK + 4], id="on the last file"),
    ],
)
def test_a_reader_killed_from_outside_blames_no_file(tmp_path, monkeypatch, capfd, killed):
    folder = _write_class(tmp_path / "class", 2 * CHUNK + 5)
    files = sorted(folder.iterdir())
    here = _grade(folder, None)
    kills = tmp_path / "kills"
    kills.mkdir()
    for index in killed:
        (kills / files[index].name).touch()
    monkeypatch.setenv(KILLS, str(kills))
    capfd.readouterr()
    beside = _grade(folder, ReadBeside(threshold=1, load=killed_once))
    assert beside.results == here.results
    assert beside.failures == here.failures  # none for an innocent file
    assert capfd.readouterr().err.splitlines() == [reader_died(files[i]) for i in killed]


def test_a_reader_killed_from_outside_between_chunks_blames_no_file(tmp_path, capfd):
    folder = _write_class(tmp_path / "class", (AHEAD + 2) * CHUNK + 1)
    files = sorted(folder.iterdir())
    here = _grade(folder, None)
    killed = []

    def kill_the_reader(_results):
        # as each chunk is stored, the reader (reading ahead, or idle with every file asked
        # for read) is killed, while there is one: the last chunks are stored after it ends
        for child in multiprocessing.active_children():
            if child.name == "grader-reader" and child.pid not in killed:  # not yet reaped
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    capfd.readouterr()
    beside = _grade(folder, ReadBeside(threshold=1), on_chunk=kill_the_reader)
    assert beside.results == here.results
    assert beside.failures == here.failures
    assert killed  # how many depends on how far ahead each reader was
    # each death said once, on the file the reader was on or was to read next, when there
    # was one (a reader killed with no file left to read is not missed)
    said = capfd.readouterr().err.splitlines()
    named = [file for file in files if reader_died(file) in said]
    assert said == [reader_died(file) for file in named]
    assert 1 <= len(named) <= len(killed)


def test_a_reader_that_cannot_start_leaves_the_files_to_this_process(tmp_path):
    folder = _write_class(tmp_path / "class", CHUNK + 9)
    here = _grade(folder, None)
    # One megabyte is less than the forked reader already holds: it exits before it is ready.
    beside = _grade(folder, ReadBeside(threshold=1, memory_mb=1))
    assert beside.results == here.results
    assert beside.failures == here.failures


def test_no_process_to_be_had_leaves_the_files_to_this_process(tmp_path, monkeypatch):
    import multiprocessing.process

    def refused(self):
        raise OSError(11, "Resource temporarily unavailable")

    folder = _write_class(tmp_path / "class", CHUNK + 9)
    here = _grade(folder, None)
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refused)
    beside = _grade(folder, ReadBeside(threshold=1))
    assert beside.results == here.results
    assert beside.failures == here.failures


def marking(path: Path, rubric, columns):
    (Path(os.environ[MARKS]) / path.name).write_text("", encoding="utf-8")
    return load_submissions(path, rubric, columns)


def test_the_reader_reads_each_file_once_and_a_bounded_number_of_chunks_ahead(
    tmp_path, monkeypatch
):
    folder = tmp_path / "class"
    folder.mkdir()
    files = []
    for n in range(40):
        _good(folder, f"s{n:03d}")
        files.append(folder / f"s{n:03d}.yaml")
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv(MARKS, str(marks))
    chunk = 4
    taken = []
    with BesideReader(RUBRIC, files, chunk, None, ReadBeside(threshold=1, load=marking)) as reader:
        for start in range(0, len(files), chunk):
            outcomes = reader.take(start)
            taken += [path for path, _ in outcomes]
            assert [o[0].student for _, o in outcomes] == [p.stem for p in files[start:][:chunk]]
            # never asked for more than AHEAD chunks from the one taken, so never read more
            read = len(list(marks.iterdir()))
            assert start + chunk <= read <= start + AHEAD * chunk
    assert taken == files
    assert sorted(p.name for p in marks.iterdir()) == [p.name for p in files]


def test_the_threshold_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(reading.ENV_THRESHOLD, "7")
    assert ReadBeside().threshold == 7
    assert not ReadBeside().wanted(6)
    assert ReadBeside().wanted(7)
    monkeypatch.setenv(reading.ENV_THRESHOLD, "not a number")
    assert ReadBeside().threshold == reading.READ_BESIDE_FROM
    monkeypatch.delenv(reading.ENV_THRESHOLD)
    assert ReadBeside().threshold == reading.READ_BESIDE_FROM


@pytest.mark.parametrize("threshold", ["1", "1000000"])
def test_grader_grade_says_the_same_read_beside_or_here(tmp_path, threshold):
    folder = _write_class(tmp_path / "class", CHUNK + 20)
    outputs = []
    for run, value in enumerate(("1000000", threshold)):
        out = tmp_path / f"out{run}"
        done = subprocess.run(
            [sys.executable, "-m", "grader", "grade", str(folder), "--rubric",
             str(ROOT / "rubrics" / "22-52-q4.yaml"), "--out", str(out), "--jobs", "1"],
            capture_output=True, text=True, env={**os.environ, reading.ENV_THRESHOLD: value},
            timeout=600,
        )  # fmt: skip
        outputs.append((done.returncode, done.stdout, done.stderr.replace(str(out), "OUT")))
    assert outputs[0] == outputs[1]
    assert "could not be graded" in outputs[0][2]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_the_reader_dies_with_grader_grade(tmp_path, monkeypatch, sent):
    from processes import wait_until_gone
    from test_interrupts import _spinning_workers, _start

    monkeypatch.setenv(reading.ENV_THRESHOLD, "1")  # two files: read beside all the same
    process = _start(tmp_path, quick=0, spinning=2, jobs=1)
    try:
        _spinning_workers(process, tmp_path / "pids", 1)
        children = _children(process.pid)
        assert len(children) == 2  # the worker and the reader, idle with every file read
        os.kill(process.pid, sent)  # to grader alone, not to its process group
        process.wait(timeout=300)
        assert wait_until_gone(children) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def read_in_new_memory(path: Path, rubric, columns):
    """Reads a file as the grader does, after mapping new memory: 768 MB for a file whose name
    starts with `big`, 64 MB for any other (a long transcript may need that much)."""
    block = bytearray((768 if path.stem.startswith("big") else 64) * 2**20)
    return load_submissions(path, rubric, columns) if block else None


def test_the_reader_may_use_its_memory_whatever_its_parent_reserved(tmp_path):
    # The reader's bound (`workers.bound_memory`, as a worker's) is the memory it may use
    # beyond what it had mapped when forked: a parent that had reserved more than the bound,
    # never using it, left a reader that could map nothing. A file needing more than the
    # bound is still refused, that file alone.
    import mmap

    folder = tmp_path / "class"
    folder.mkdir()
    names = ["a1", "a2", "big-1", "z1"]
    for name in names:
        _good(folder, name)
    reserved = mmap.mmap(-1, 1536 * 2**20)  # 1.5 GB mapped, never touched: no memory used
    try:
        settings = ReadBeside(threshold=1, memory_mb=512, timeout=30, load=read_in_new_memory)
        batch = _grade(folder, settings)
    finally:
        reserved.close()
    assert [result.student for result in batch.results] == ["a1", "a2", "z1"]
    assert batch.results == [r for r in _grade(folder, None).results if r.student != "big-1"]
    big = folder / "big-1.yaml"
    message = (
        f"submission {big}: reading it needed more than its 512 MB of memory, so it was not read"
    )
    assert batch.failures == [FileFailure(str(big), message)]
