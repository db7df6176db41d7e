"""The worker processes under the red team's faults (issue 12): workers killed while they start,
computing time instead of wall time under load, a memory limit too small for the rubric, a
check that runs out of memory, and no more workers than there is work and cores for.

Module-level work functions, so that a worker can run them; each misbehaves on the answers
named for it and checks every other answer with the real check. No test asserts how long
anything takes: a busy loop measures its own computing time."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import grader.kinds.count
from grader import workers
from grader.grade import InlineChecker, Task, grade_paths
from grader.rubric import load_rubric
from grader.workers import BoundedChecker, WorkerStartError, usable_cores

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
COUNT = "a.params"
CORRECT = "PQD(PQC+1)"


def burn(seconds: float) -> None:
    """Compute for `seconds` of this process's CPU time (forever for math.inf)."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


def compute_forever(task: Task):
    if task.text == "misbehave":
        burn(math.inf)
    return workers._check_in_worker(task)


def wait_forever(task: Task):
    if task.text == "misbehave":
        while True:
            time.sleep(1)
    return workers._check_in_worker(task)


def crash(task: Task):
    if task.text == "misbehave":
        os.kill(os.getpid(), signal.SIGKILL)
    return workers._check_in_worker(task)


# The wall-clock backstop is generous where it must not fire (computing forever is stopped by
# computing time however loaded the machine is) and short only where it is what is tested.
@pytest.mark.parametrize(
    ("work", "wall", "message"),
    [
        pytest.param(
            compute_forever,
            60,
            "checking it needed more than 0.5 s of computing time, so it was stopped",
            id="a check that computes forever is stopped after its computing time",
        ),
        pytest.param(
            wait_forever,
            3,
            "checking it took longer than 3 s, so it was stopped",
            id="a check that waits forever is stopped by the wall-clock backstop",
        ),
    ],
)
def test_a_check_is_bounded_by_computing_time_with_a_wall_clock_backstop(work, wall, message):
    with BoundedChecker(RUBRIC, jobs=1, timeout=0.5, wall_timeout=wall, work=work) as checker:
        stopped, following = checker.check([Task(COUNT, "misbehave"), Task(COUNT, CORRECT)])
    assert stopped.verdict == "error"
    assert message in stopped.feedback[0], stopped.feedback
    assert following.verdict == "correct"


# --- item 2: a worker killed while it starts -------------------------------------------------

STARTS = Path(os.environ.get("TMPDIR", "/tmp"))  # replaced per test by `dying_starts`
DYING: set[int] | range = set()


def start_or_die(loaded, text, path):
    """Take the rubric as a starting worker does, unless this start (counted in STARTS) is one
    of DYING: then die as the OOM killer kills, with SIGKILL."""
    number = len(os.listdir(STARTS)) + 1
    (STARTS / str(number)).touch()
    if number in DYING:
        os.kill(os.getpid(), signal.SIGKILL)
    return worker_rubric(loaded, text, path)


worker_rubric = workers._worker_rubric


@pytest.fixture
def dying_starts(tmp_path, monkeypatch):
    """Make the worker starts numbered in the set given die; the workers are forked, so they
    run the patched loader."""
    monkeypatch.setattr(sys.modules[__name__], "STARTS", tmp_path)
    monkeypatch.setattr(workers, "_worker_rubric", start_or_die)

    def die_on(starts):
        monkeypatch.setattr(sys.modules[__name__], "DYING", starts)

    return die_on


@pytest.mark.parametrize(
    ("dying", "work", "expected"),
    [
        pytest.param(
            {2},
            compute_forever,
            ["needed more than 0.5 s of computing time", "correct", "correct"],
            id="the worker restarted after a timeout is killed while it starts: replaced",
        ),
        pytest.param(
            {2, 3},
            crash,
            ["ran out of its 1024 MB of memory or crashed", "correct", "correct"],
            id="two restarts in a row killed after a crash: replaced again",
        ),
        pytest.param(
            range(2, 1000),
            crash,
            [
                "ran out of its 1024 MB of memory or crashed",
                "no worker process could be started to check it: the last one was killed "
                "by SIGKILL; it was not checked",
                "no worker process could be started to check it",
            ],
            id="every restart killed: each answer left says so, and the check ends",
        ),
    ],
)
def test_a_worker_killed_while_it_starts_does_not_break_the_batch(
    dying_starts, dying, work, expected
):
    dying_starts(dying)
    tasks = [Task(COUNT, "misbehave"), Task(COUNT, CORRECT), Task("b.params", "9CD + D")]
    with BoundedChecker(RUBRIC, jobs=1, timeout=0.5, work=work) as checker:
        results = checker.check(tasks)
    for result, want in zip(results, expected, strict=True):
        if want == "correct":
            assert result.verdict == "correct", result.feedback
        else:
            assert result.verdict == "error"
            assert want in result.feedback[0], result.feedback


def test_a_rubric_that_kills_every_worker_is_said_once_before_any_check(dying_starts, new_children):
    dying_starts(range(1, 1000))
    with pytest.raises(WorkerStartError) as raised, BoundedChecker(RUBRIC, jobs=2):
        pass
    assert "no worker process could load the rubric" in str(raised.value)
    assert "killed by SIGKILL" in str(raised.value)
    assert raised.value.exit_code == 3
    assert new_children() == []


# --- item 12: verdicts independent of --jobs and of the machine's load -----------------------

BURN = {"PQD(PQC+1)": 0.5, "PQCPQD + PQD": 0.5, "CD + D": 0.5, "9CD + D": 0.5, "9CD": 0.5}
RUNAWAY = "P*P*C*D + P*Q*D"


def burn_then_check(task: Task):
    """A slow but legitimate check: half of its 1 s of computing time, then the real check;
    RUNAWAY never ends."""
    burn(math.inf if task.text == RUNAWAY else BURN.get(task.text, 0))
    return workers._check_in_worker(task)


@pytest.fixture
def loaded_machine():
    """One process computing without end on every core, for as long as the test runs."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(usable_cores())
    ]
    yield
    for burner in burners:
        burner.kill()
        burner.wait()


def _write_class(folder: Path, answers: list[tuple[str, str]]) -> None:
    folder.mkdir()
    for number, (a, b) in enumerate(answers):
        (folder / f"s{number}.yaml").write_text(
            f"student: s{number}\nquestion: 22-52-Q4\nanswers:\n"
            f"  a:\n    params: {json.dumps(a)}\n  b:\n    params: {json.dumps(b)}\n",
            encoding="utf-8",
        )


def test_slow_answers_get_the_same_verdicts_with_1_and_4_jobs_on_a_loaded_machine(
    tmp_path, loaded_machine
):
    answers = [
        ("PQD(PQC+1)", "9CD + D"),
        ("PQCPQD + PQD", "9CD"),
        (RUNAWAY, "9CD + D"),
        ("CD + D", "9CD"),
        ("PQD(PQC+1)", "9CD"),
    ]
    _write_class(tmp_path / "class", answers)
    batches = {}
    for jobs in (1, 4):
        with BoundedChecker(RUBRIC, jobs=jobs, timeout=1, work=burn_then_check) as checker:
            batches[jobs] = grade_paths(RUBRIC, [tmp_path / "class"], checker=checker)
    assert batches[1] == batches[4]
    # And they are the verdicts the budget implies: every slow answer checked as if nothing
    # bounded it, the runaway stopped for its computing time.
    unbounded = grade_paths(RUBRIC, [tmp_path / "class"], checker=InlineChecker(RUBRIC))
    for bounded, expected in zip(batches[4].results, unbounded.results, strict=True):
        for item_id, result in bounded.items.items():
            if result.answer == RUNAWAY:
                assert result.verdict == "error"
                assert "needed more than 1 s of computing time" in result.feedback[0]
            else:
                assert result == expected.items[item_id]


# --- item 23: a check that runs out of memory is told which limit ----------------------------


def allocate_inside_the_check(*_args, **_kwargs):
    blocks = []
    while True:
        blocks.append(bytearray(64 * 2**20))


def run_out_of_memory_in_the_real_check(task: Task):
    """The real grading path, whose count check allocates without bound: the check's own
    `except Exception` catches the MemoryError."""
    grader.kinds.count.check_count = allocate_inside_the_check
    return workers._check_in_worker(task)


def test_a_check_that_runs_out_of_memory_is_told_its_limit():
    with BoundedChecker(
        RUBRIC, jobs=1, memory_mb=1024, work=run_out_of_memory_in_the_real_check
    ) as checker:
        (result,) = checker.check([Task(COUNT, CORRECT)])
    assert result.verdict == "error"
    assert "the check needed more than its 1024 MB of memory" in result.feedback[0]
    assert "(MemoryError)" not in result.feedback[0]


# --- extra: no more workers than the work and the cores --------------------------------------


@pytest.mark.parametrize(
    ("jobs", "answers", "most"),
    [
        pytest.param(64, 9, min(usable_cores(), 9), id="64 jobs for 9 answers: the cores"),
        pytest.param(64, 1, 1, id="64 jobs for 1 answer: one worker"),
        pytest.param(1, 9, 1, id="1 job for 9 answers: one worker"),
    ],
)
def test_the_workers_started_are_capped_by_the_work_and_the_cores(
    jobs, answers, most, new_children
):
    tasks = [Task("b.params", f"{n + 9}CD + D") for n in range(answers)]
    with BoundedChecker(RUBRIC, jobs=jobs) as checker:
        results = checker.check(tasks)
        running = len(new_children())
    assert 1 <= running <= most
    assert [r.verdict for r in results] == ["correct"] + ["incorrect"] * (answers - 1)


# --- item 22: a memory limit too small to load the rubric ------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            ["grade", str(ROOT / "submissions" / "22-52-q4"), "--rubric"], id="grader grade"
        ),
        pytest.param(["check"], id="grader check"),
    ],
)
def test_a_memory_limit_too_small_for_the_rubric_is_said_before_grading(command, tmp_path):
    rubric = str(ROOT / "rubrics" / "22-52-q4.yaml")
    argv = [*command, rubric] + (["a.params", CORRECT] if command == ["check"] else [])
    # A forked worker takes the rubric its parent loaded (issue 20): a limit is too small
    # when it is below what the worker holds when it starts, about 80 MB here (100 MB was
    # too small to load the rubric a second time, and is now enough to check this answer).
    done = subprocess.run(
        [sys.executable, "-m", "grader", *argv, "--memory", "50"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # no table, no result
    assert done.stderr.startswith("error: --memory 50 is too small"), done.stderr
    assert "to load the rubric" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
