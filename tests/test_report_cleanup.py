"""What a report's writers do when they are left by an exception (Ctrl-C, a failed write) and
tidying fails too (a folder that refuses to let a file go: EACCES, a read-only mount): the
exception on its way stays the one raised (Ctrl-C stays KeyboardInterrupt, so exit status
130), what could not be removed is said on stderr, the folder's lock is let go, the old files
stay whole, and the next writer of the folder removes what was left. The refusal is made by
replacing `os.unlink` for our (hidden) temporary files alone: the tests run as root, whom no
folder's permissions refuse."""

from __future__ import annotations

import errno
import fcntl
import multiprocessing
import os
from pathlib import Path

import pytest
from report_files import temporaries

from grader import report
from grader.page_processes import PageProcesses
from grader.report import FolderWriter, OutputError, page_name, write_atomically, write_beside
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")

DENIED = "Permission denied"


class Refusal:
    """`start`: from then on `os.unlink` (as report.py calls it) refuses every hidden file, as
    our temporary files are, and `refused` names them, in order; `stop` ends it."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.refused: list[str] = []
        self.unlink = os.unlink

    def _unlink(self, path, *args, **kwargs):
        if Path(path).name.startswith("."):
            self.refused.append(Path(path).name)
            raise PermissionError(errno.EACCES, DENIED, str(path))
        return self.unlink(path, *args, **kwargs)

    def start(self) -> list[str]:
        self.monkeypatch.setattr(report.os, "unlink", self._unlink)
        return self.refused

    def stop(self) -> None:
        self.monkeypatch.setattr(report.os, "unlink", self.unlink)


@pytest.fixture
def refusal(monkeypatch):
    refusal = Refusal(monkeypatch)
    yield refusal
    refusal.stop()


def lock_is_free(folder: Path) -> bool:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def left_there(path: Path) -> str:
    return f"warning: cannot tidy {path} (a temporary file, left there): {DENIED}"


def test_a_writer_left_by_ctrl_c_whose_files_cannot_be_removed_still_raises_ctrl_c(
    tmp_path, refusal, capfd
):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "old.html").write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), FolderWriter(folder) as writer:
        writer.write("old.html", "new")
        writer.stream("grades.csv").write("a,b\n")
        left = sorted(path.name for path in temporaries(folder))
        refused = refusal.start()
        raise KeyboardInterrupt
    assert sorted(refused) == left and len(left) == 2
    assert capfd.readouterr().err.splitlines() == [left_there(folder / n) for n in refused]
    assert (folder / "old.html").read_text(encoding="utf-8") == "old"
    assert lock_is_free(folder)  # let go, though removing the files failed


def refuse_replace(source, target, **_dir_fds):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_an_output_error_stays_the_error_when_the_files_cannot_be_removed(
    tmp_path, refusal, capfd, monkeypatch
):
    folder = tmp_path / "out"
    with pytest.raises(OutputError) as raised, FolderWriter(folder) as writer:
        writer.write("index.html", "new")
        refused = refusal.start()
        monkeypatch.setattr(report.os, "replace", refuse_replace)
    assert str(raised.value) == f"cannot write {folder / 'index.html'}: No space left on device"
    (name,) = refused
    assert capfd.readouterr().err == left_there(folder / name) + "\n"
    assert lock_is_free(folder)


def test_write_atomically_interrupted_raises_ctrl_c_when_its_file_cannot_be_removed(
    tmp_path, refusal, capfd
):
    path = tmp_path / "results.json"
    path.write_text("old", encoding="utf-8")
    refused = refusal.start()

    def pieces():
        yield "new"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, pieces())
    (name,) = refused
    assert capfd.readouterr().err == left_there(tmp_path / name) + "\n"
    assert path.read_text(encoding="utf-8") == "old"


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_ctrl_c_stays_ctrl_c_when_the_stopped_childrens_pages_cannot_be_tidied(
    tmp_path, refusal, capfd, seed_class, new_children
):
    _, batch = seed_class
    folder = tmp_path / "students"
    folder.mkdir()
    (folder / "old.html").write_text("old", encoding="utf-8")
    with (
        pytest.raises(KeyboardInterrupt),
        FolderWriter(folder) as pages,
        PageProcesses(RUBRIC, pages, 2) as children,
    ):
        for result in batch.results:
            children.write(page_name(result.student), result)
        children.finish()  # every page written: adopted by the writer, not a stray
        # what a child stopped before its reply leaves: written, never adopted
        stray = write_beside(folder, page_name("stopped"), b"a page")
        refused = refusal.start()
        raise KeyboardInterrupt
    refusal.stop()
    err = capfd.readouterr().err.splitlines()
    assert refused[0] == Path(stray).name
    assert err[0] == (
        f"warning: cannot tidy {folder} (temporary files of the stopped report may be left "
        f"there): {DENIED}"
    )
    # then each of the writer's own files
    assert len(refused) == len(batch.results) + 1
    assert err[1:] == [left_there(folder / name) for name in refused[1:]]
    assert [path.name for path in folder.iterdir() if not path.name.startswith(".")] == ["old.html"]
    assert (folder / "old.html").read_text(encoding="utf-8") == "old"
    assert new_children() == []  # every child stopped and reaped
    assert lock_is_free(folder)
    with FolderWriter(folder):  # the next writer of the folder removes what was left
        assert temporaries(folder) == []


def test_a_stale_file_that_cannot_be_removed_is_a_clear_output_error(tmp_path, refusal):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / ".index.html.abcd1234").write_text("a killed run's", encoding="utf-8")
    refusal.start()
    with pytest.raises(OutputError) as raised, FolderWriter(folder):
        pass
    assert str(raised.value) == f"cannot tidy {folder}: {DENIED}"
    assert lock_is_free(folder)
