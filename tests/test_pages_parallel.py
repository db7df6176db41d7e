"""Students' pages rendered and written in child processes (`grader.page_processes`): the
files are byte for byte those written in one process, a re-run leaves unchanged pages alone,
a child that raises or dies fails the report with a clear error and leaves the old files
whole and no temporary file, Ctrl-C stops `grader report` at once, and the children are
always reaped. Tests force the children on a small class (`processes_from=0`, or
`page_processes.PROCESSES_FROM` in a harness); the speed is measured by
`bench/class_of_1000.py`, not asserted here."""

from __future__ import annotations

import contextlib
import errno
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from processes import wait_until_gone
from report_files import fail_on, files, kill_self, raise_error, temporaries

from grader import html_report, page_processes
from grader.cli import main
from grader.html_report import write_html_report
from grader.model import Batch, FileFailure, ItemResult, SubmissionResult
from grader.page_processes import decode, encode
from grader.report import OutputError

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"

needs_fork = pytest.mark.skipif(not page_processes.can_fork(), reason="needs fork")


def mixed_class(batch: Batch, seed: int, size: int) -> list[SubmissionResult]:
    """A class of `size` whose every item result is drawn from a random student of the example
    class, each student under a name of their own; some answer nothing to an item, some carry
    a note."""
    rng = random.Random(seed)
    results = []
    for number in range(size):
        items = {
            item_id: donor.items[item_id]
            for item_id in batch.results[0].items
            if item_id in (donor := rng.choice(batch.results)).items and rng.random() > 0.05
        }
        warnings = ("a line no item took",) if rng.random() < 0.1 else ()
        results.append(
            SubmissionResult(f"student-{number:03d}", f"s{number:03d}.yaml", items, warnings)
        )
    return results


def reports(out: Path) -> dict[str, bytes]:
    """The report's files (`files`) in `out`: not the gradebook's, nor temporary files."""
    return {
        name: data
        for name, data in files(out).items()
        if name.startswith(("students/", "instructor/")) and "/." not in name
    }


def children_of_this_process() -> list[int]:
    """Our child processes that are alive or not yet reaped."""
    pids = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        text = (task / "children").read_text() if (task / "children").exists() else ""
        pids.extend(int(pid) for pid in text.split())
    return pids


FULL_ITEM = ItemResult(
    item_id="b",
    verdict="partial",
    marks=1.5,
    max_marks=3.0,
    feedback=("one", "two <b>"),
    answer="9CD + D",
    interpretation="9*C*D + D",
    diagnosis="misconception 1",
    error_position=4,
    error_caret="9CD +\n    ^",
    reading_mathml="<math><mi>C</mi></math>",
    answer_group="g1",
    decision=("step",),
    count_values=(1, None),
    nominal_values=(2,),
    count_shown="2",
    nominal_shown="3",
    found="from line 14: b",
    reading_notes=("read p as P",),
    instructor_decision="Marks set by an instructor: 2/3",
)


@pytest.mark.parametrize(
    "result",
    [
        pytest.param(SubmissionResult("s", "s.yaml", {}), id="a result with no item"),
        pytest.param(
            SubmissionResult(
                "ß é", "a/b.yaml", {"b": FULL_ITEM, "a": replace(FULL_ITEM, item_id="a")}, ("note",)
            ),
            id="every field of a result and its items set, items out of the rubric's order",
        ),
        pytest.param(
            SubmissionResult("s", "s.yaml", {"b": ItemResult("b", "missing", 0.0, 3.0, ())}),
            id="an item with its defaults",
        ),
    ],
)  # fmt: skip
def test_a_result_sent_to_a_child_is_rebuilt_equal_with_its_items_in_order(result):
    rebuilt = decode(encode(result))
    assert rebuilt == result
    assert list(rebuilt.items) == list(result.items)


def test_a_result_is_rebuilt_without_its_init_because_none_checks_anything():
    # `decode` sets the fields of each object at once, as pickle does: a check added to
    # either class's construction would be skipped there
    for cls in (ItemResult, SubmissionResult):
        assert not hasattr(cls, "__post_init__"), f"{cls.__name__}: decode must run it"


def test_every_student_of_the_example_class_is_rebuilt_equal(seed_class):
    _, batch = seed_class
    assert [decode(encode(result)) for result in batch.results] == batch.results


def write(rubric, results, out: Path, **kwargs) -> tuple[int, list[str]]:
    failures = [FileFailure("broken.yaml", "broken.yaml: not YAML, line 1")]
    versions = {results[0].student: "0" * 64} if results else {}
    return write_html_report(rubric, iter(results), failures, out, versions, **kwargs)


@needs_fork
@pytest.mark.parametrize(
    ("size", "processes", "processes_from"),
    [
        pytest.param(50, 1, 0, id="one child, every page, chunks and a remainder"),
        pytest.param(50, 2, 0, id="two children, every page"),
        pytest.param(50, 3, 7, id="three children after seven pages in process"),
        pytest.param(16, 2, 0, id="one whole chunk"),
        pytest.param(1, 2, 0, id="one student"),
        pytest.param(0, 2, 0, id="no student: no child started"),
    ],
)
def test_pages_written_by_children_are_the_files_written_in_one_process(
    seed_class, tmp_path, size, processes, processes_from
):
    run, batch = seed_class
    rubric = run.rubric
    results = mixed_class(batch, size, size)
    alone = write(rubric, results, tmp_path / "alone", processes=0)
    beside = write(
        rubric, results, tmp_path / "beside", processes=processes, processes_from=processes_from
    )
    assert beside == alone
    assert files(tmp_path / "beside") == files(tmp_path / "alone")
    assert len(list((tmp_path / "beside" / "students").glob("*.html"))) == size
    assert temporaries(tmp_path) == []
    assert children_of_this_process() == []


def test_a_small_class_starts_no_process(seed_class, tmp_path, monkeypatch):
    run, batch = seed_class
    rubric = run.rubric

    def no_process(*_args):
        raise AssertionError("a process was started for a small class")

    monkeypatch.setattr(html_report, "PageProcesses", no_process)
    results = mixed_class(batch, 3, 40)
    write(rubric, results, tmp_path / "default", processes=2)
    write(rubric, results, tmp_path / "alone", processes=0)
    assert files(tmp_path / "default") == files(tmp_path / "alone")


@needs_fork
@pytest.mark.parametrize("processes_from", [0, 10])  # 10: pages written here are waiting
def test_pages_are_written_here_when_no_child_can_be_started(
    seed_class, tmp_path, monkeypatch, processes_from
):
    run, batch = seed_class
    rubric = run.rubric
    started = []

    def cannot_fork(process):
        started.append(process)
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", cannot_fork)
    results = mixed_class(batch, 5, 40)
    write(rubric, results, tmp_path / "fallback", processes=2, processes_from=processes_from)
    write(rubric, results, tmp_path / "alone", processes=0)
    assert len(started) == 1
    assert files(tmp_path / "fallback") == files(tmp_path / "alone")
    assert temporaries(tmp_path) == []


@needs_fork
def test_a_rerun_leaves_unchanged_pages_alone_rewrites_changed_ones_and_removes_stale_ones(
    seed_class, tmp_path
):
    run, batch = seed_class
    rubric = run.rubric
    results = mixed_class(batch, 11, 40)
    out = tmp_path / "out"
    write(rubric, results, out, processes=2, processes_from=0)
    pages = out / "students"
    before = {path.name: os.stat(path) for path in pages.glob("*.html")}

    changed = replace(results[5], warnings=("something new",))
    again = [*results[:5], changed, *results[6:-1]]  # the last student is gone
    write(rubric, again, out, processes=2, processes_from=0)
    after = {path.name: os.stat(path) for path in pages.glob("*.html")}

    names = html_report.page_names(Batch(results=results))
    gone, rewritten = names[results[-1].student], names[changed.student]
    assert set(after) == set(before) - {gone}
    untouched = {
        name
        for name in after
        if (after[name].st_ino, after[name].st_mtime_ns)
        == (before[name].st_ino, before[name].st_mtime_ns)
    }
    assert untouched == set(after) - {rewritten}
    write(rubric, again, tmp_path / "alone", processes=0)
    assert files(out / "students") == files(tmp_path / "alone" / "students")
    assert temporaries(tmp_path) == []


def die():
    os._exit(3)


@needs_fork
@pytest.mark.parametrize(
    ("how", "message"),
    [
        pytest.param(
            raise_error,
            "cannot write the students' pages in {students}: {page} could not be rendered "
            "(RuntimeError: the template broke)",
            id="a child raising",
        ),
        pytest.param(
            die,
            "cannot write the students' pages in {students}: a process writing them stopped "
            "(exit status 3)",
            id="a child exiting",
        ),
        pytest.param(
            kill_self,
            "cannot write the students' pages in {students}: a process writing them stopped "
            "(killed by SIGKILL)",
            id="a child killed",
        ),
    ],
)
def test_a_child_failing_fails_the_report_and_leaves_the_old_files_whole(
    seed_class, tmp_path, monkeypatch, how, message, new_children
):
    run, batch = seed_class
    rubric = run.rubric
    old = mixed_class(batch, 1, 60)
    out = tmp_path / "out"
    write(rubric, old, out, processes=0)
    before = files(out)

    new = mixed_class(batch, 2, 60)  # other results under the same names: every page changes
    failing = new[37]
    monkeypatch.setattr(html_report, "render_student", fail_on(failing.student, how))
    with pytest.raises(OutputError) as raised:
        write(rubric, new, out, processes=2, processes_from=0)
    page = html_report.page_names(Batch(results=new))[failing.student]
    assert str(raised.value) == message.format(students=out / "students", page=page)
    assert files(out) == before
    assert temporaries(tmp_path) == []
    assert children_of_this_process() == []
    assert new_children() == []


@needs_fork
def test_an_error_in_the_main_process_stops_the_children_and_leaves_the_old_files_whole(
    seed_class, tmp_path
):
    run, batch = seed_class
    rubric = run.rubric
    out = tmp_path / "out"
    write(rubric, mixed_class(batch, 1, 60), out, processes=0)
    before = files(out)

    def broken_after(count):
        yield from mixed_class(batch, 2, count)
        raise OutputError("the gradebook went away")

    with pytest.raises(OutputError, match="the gradebook went away"):
        write_html_report(rubric, broken_after(45), [], out, processes=2, processes_from=0)
    assert files(out) == before
    assert temporaries(tmp_path) == []
    assert children_of_this_process() == []


HARNESS = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path

    from grader import cli, html_report, page_processes

    PIDS = Path(sys.argv[1])
    page = html_report.ClassRenderer.page


    def spin_on_last(renderer, result):
        (PIDS / str(os.getpid())).touch()  # every page is rendered in a child
        if result.student == "s039":
            (PIDS / "spinning").touch()
            while True:
                time.sleep(0.01)
        return page(renderer, result)


    page_processes.PROCESSES_FROM = 0
    html_report.ClassRenderer.page = spin_on_last
    sys.exit(cli.main(sys.argv[2:]))
    """
)


def start_spinning(tmp_path: Path, harness: str, command: list[str]) -> subprocess.Popen:
    """`command` run by `harness` (HARNESS, or one made from it) in a process group of its
    own, as a shell runs a command; its stderr goes to tmp_path/stderr."""
    pids = tmp_path / "pids"
    pids.mkdir()
    (tmp_path / "harness.py").write_text(harness, encoding="utf-8")
    with (tmp_path / "stderr").open("w") as err:
        return subprocess.Popen(
            [sys.executable, str(tmp_path / "harness.py"), str(pids), *command],
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )


def spinning_children(tmp_path: Path, process: subprocess.Popen) -> list[int]:
    """Wait until a child of `start_spinning`'s spins on the last page; the children's pids."""
    pids = tmp_path / "pids"
    for _ in range(1200):  # a hang guard, not a speed assertion
        if (pids / "spinning").exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    assert (pids / "spinning").exists(), (tmp_path / "stderr").read_text()
    return [int(path.name) for path in pids.iterdir() if path.name.isdigit()]


@pytest.fixture(scope="module")
def graded_40(tmp_path_factory):
    """A gradebook of 40 students, and a report folder whose every page differs from what
    the gradebook would give (an old page of ours), as a report of an earlier grading."""
    base = tmp_path_factory.mktemp("graded")
    folder = base / "class"
    folder.mkdir()
    for number in range(40):
        (folder / f"s{number:03d}.yaml").write_text(
            f"student: s{number:03d}\nquestion: 22-52-Q4\nanswers:\n  b:\n    params: '9CD + D'\n",
            encoding="utf-8",
        )
    out = base / "out"
    command = ["grade", str(folder), "--rubric", str(RUBRIC), "--out", str(out), "--jobs", "1"]
    assert main(command) == 0
    for page in (out / "students").glob("*.html"):
        page.write_text(page.read_text("utf-8") + "<!-- an earlier grading -->", "utf-8")
    return out


@needs_fork
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize(
    ("sent", "to_group", "exit_code", "said"),
    [
        pytest.param(signal.SIGINT, True, 130, ["interrupted"], id="Ctrl-C"),
        pytest.param(signal.SIGTERM, False, 143, ["interrupted"], id="SIGTERM to grader"),
        pytest.param(signal.SIGKILL, False, -signal.SIGKILL, [], id="SIGKILL to grader"),
    ],
)
def test_a_signal_stops_grader_report_while_children_render_and_the_children_with_it(
    graded_40, tmp_path, sent, to_group, exit_code, said
):
    out = tmp_path / "out"
    shutil.copytree(graded_40, out)
    before = reports(out)
    report = ["report", "--db", str(out / "gradebook.sqlite"), "--out", str(out)]
    process = start_spinning(tmp_path, HARNESS, report)
    try:
        children = spinning_children(tmp_path, process)
        (os.killpg if to_group else os.kill)(process.pid, sent)
        process.wait(timeout=300)
        assert process.returncode == exit_code, (tmp_path / "stderr").read_text()
        assert (tmp_path / "stderr").read_text().splitlines() == said
        assert children and wait_until_gone(children) == []
    finally:  # whatever is left of the process group, once the test has looked
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert reports(out) == before  # not one page replaced
    if sent != signal.SIGKILL:
        assert temporaries(out) == []
    # the next report puts every page right and leaves no temporary file, a killed run's too
    assert main(report) == 0
    assert temporaries(out) == []
    assert reports(out) != before


REFUSING_HARNESS = HARNESS.replace(
    "sys.exit(",
    textwrap.dedent(
        """
        import errno
        from grader import report

        remove = report._remove_stale_temporaries


        def refuse_strays(folder, target, keep=None):
            if keep is None:  # a writer entering the folder: tidied
                return remove(folder, target)
            raise PermissionError(errno.EACCES, "Permission denied")  # the strays: refused


        report._remove_stale_temporaries = refuse_strays
        sys.exit(""",
    ),
)


@needs_fork
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_stays_ctrl_c_when_the_stopped_childrens_pages_cannot_be_tidied(graded_40, tmp_path):
    # Tidying the pages of the stopped children fails (the folder refuses to let a file
    # go): said, and still exit status 130 with "interrupted" (tests/test_report_cleanup.py
    # has the writer's side).
    out = tmp_path / "out"
    shutil.copytree(graded_40, out)
    before = reports(out)
    report = ["report", "--db", str(out / "gradebook.sqlite"), "--out", str(out)]
    process = start_spinning(tmp_path, REFUSING_HARNESS, report)
    try:
        children = spinning_children(tmp_path, process)
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=300)
        stderr = (tmp_path / "stderr").read_text()
        assert process.returncode == 130, stderr
        assert stderr.splitlines() == [
            f"warning: cannot tidy {out / 'students'} (temporary files of the stopped report "
            "may be left there): Permission denied",
            "interrupted",
        ]
        assert wait_until_gone(children) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert reports(out) == before  # not one page replaced
    assert main(report) == 0  # the next report tidies what was left
    assert temporaries(out) == []


def test_no_child_is_forked_while_another_thread_runs(seed_class, tmp_path, monkeypatch):
    # `grader serve` rebuilds the pages in a thread of its threaded server
    run, batch = seed_class
    rubric = run.rubric

    def no_process(*_args):
        raise AssertionError("a process was forked beside another thread")

    monkeypatch.setattr(html_report, "PageProcesses", no_process)
    results = mixed_class(batch, 4, 30)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        write(rubric, results, tmp_path / "threaded", processes=2, processes_from=0)
    finally:
        stop.set()
        other.join()
    write(rubric, results, tmp_path / "alone", processes=0)
    assert files(tmp_path / "threaded") == files(tmp_path / "alone")
