"""Bounded, deduplicated and cached checks: each distinct answer is checked once per run, in a
worker that can be killed, and a gradebook remembers checks across runs."""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import gradebook
from grader.grade import InlineChecker, Task, grade_paths
from grader.rubric import load_rubric
from grader.workers import BoundedChecker, _check_in_worker

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")


class CountingChecker:
    """Checks in this process and remembers every task it was given."""

    def __init__(self):
        self.inner = InlineChecker(RUBRIC)
        self.seen: list[Task] = []

    def check(self, tasks):
        self.seen.extend(tasks)
        return self.inner.check(tasks)


def _write_class(folder: Path, answers: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, parts in enumerate(answers):
        lines = [f"student: s{number:03d}", "question: 22-52-Q4", "answers:"]
        for part, items in parts.items():
            lines.append(f"  {part}:")
            lines += [f"    {item}: {json.dumps(text)}" for item, text in items.items()]
        (folder / f"s{number:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_each_distinct_answer_is_checked_once_per_run(tmp_path):
    same = {"a": {"params": "PQCPQD + PQD"}, "b": {"params": "9CD"}}
    other = {"a": {"params": "CD + D"}, "b": {"params": "9CD"}}
    _write_class(tmp_path / "class", [same, same, other, same])
    checker = CountingChecker()
    batch = grade_paths(RUBRIC, [tmp_path / "class"], checker=checker)
    assert len(batch.results) == 4
    assert sorted((t.item_id, t.text) for t in checker.seen) == [
        ("a.params", "CD + D"),
        ("a.params", "PQCPQD + PQD"),
        ("b.params", "9CD"),
    ]
    verdicts = [r.items["a.params"].verdict for r in batch.results]
    assert verdicts == ["correct", "correct", "incorrect", "correct"]


def test_a_formula_is_checked_once_and_compared_with_each_students_own_count(tmp_path):
    formula = "y_{i,j,k} = \\sum_{l=1}^{C} w_{l,k} x_{i,j,l} + b_k"
    _write_class(
        tmp_path / "class",
        [
            {"c": {"formula": formula, "params": "CD + D"}},
            {"c": {"formula": formula, "params": "9CD + D"}},
            {"c": {"formula": formula, "params": "D + C \\times D"}},
        ],
    )
    checker = CountingChecker()
    batch = grade_paths(RUBRIC, [tmp_path / "class"], checker=checker)
    assert [t.item_id for t in checker.seen].count("c.formula") == 1
    notes = [
        [line for line in r.items["c.formula"].feedback if "does not match" in line]
        for r in batch.results
    ]
    assert notes == [
        [],
        ["Your count (9·C·D + D) does not match your own formula, which has C·D + D parameters."],
        [],
    ]


def test_the_gradebook_caches_checks_across_runs_but_never_errors(tmp_path):
    connection = gradebook.connect(tmp_path / "g.sqlite")
    tasks = [Task("a.params", "PQCPQD + PQD"), Task("b.params", "9CD + D")]

    class Failing:
        def check(self, tasks):
            results = InlineChecker(RUBRIC).check(tasks)
            return [r if r.item_id == "a.params" else _as_error(r) for r in results]

    first = gradebook.CachedChecker(Failing(), connection, RUBRIC).check(tasks)
    assert [r.verdict for r in first] == ["correct", "error"]
    counting = CountingChecker()
    cached = gradebook.CachedChecker(counting, connection, RUBRIC)
    second = cached.check(tasks)
    assert counting.seen == [tasks[1]]  # the error was checked again, the rest came from cache
    assert cached.hits == 1
    assert second[0] == first[0] and second[1].verdict == "correct"


def _as_error(result):
    from dataclasses import replace

    return replace(result, verdict="error", marks=0.0, feedback=("stopped",))


def test_a_cached_check_is_not_reused_by_a_changed_rubric(tmp_path):
    connection = gradebook.connect(tmp_path / "g.sqlite")
    task = [Task("b.params", "9CD + D")]
    gradebook.CachedChecker(InlineChecker(RUBRIC), connection, RUBRIC).check(task)
    changed_text = RUBRIC.source_text.replace("answer: '9CD + D'", "answer: '9DC + D'")
    changed = load_rubric_text(changed_text)
    counting = CountingChecker()
    gradebook.CachedChecker(counting, connection, changed).check(task)
    assert counting.seen == task


def load_rubric_text(text):
    from grader.rubric import load_rubric_text as load

    return load(text, "changed.yaml")


def sleep_forever(task):
    time.sleep(3600)


def exit_hard(task):
    os._exit(3)


def allocate_without_bound(task):
    hoard = []
    while True:
        hoard.append(bytearray(50 * 2**20))


@pytest.mark.parametrize(
    "work, message, timeout",
    [
        (sleep_forever, "took longer than 5 s, so it was stopped", 0.5),
        (exit_hard, "ran out of its 512 MB of memory or crashed", 0.5),
        # filling 512 MB takes about half a second of computing: the memory runs out first
        (allocate_without_bound, "needed more than its 512 MB of memory", 3),
    ],
    ids=["a check that never ends", "a worker that dies", "a check that eats memory"],
)
def test_a_runaway_check_is_stopped_and_the_next_one_still_runs(work, message, timeout):
    with BoundedChecker(RUBRIC, jobs=1, timeout=timeout, memory_mb=512, work=work) as bounded:
        (stopped,) = bounded.check([Task("a.params", "PQCPQD + PQD")])
    assert stopped.verdict == "error" and stopped.marks == 0
    assert message in stopped.feedback[0]
    with BoundedChecker(RUBRIC, jobs=1, timeout=30) as bounded:
        (normal,) = bounded.check([Task("a.params", "PQCPQD + PQD")])
    assert normal.verdict == "correct"


def test_parallel_grading_gives_the_same_results_in_the_same_order(tmp_path):
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"r{jobs}.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grader",
                "grade",
                str(ROOT / "submissions" / "22-52-q4"),
                "--rubric",
                str(ROOT / "rubrics" / "22-52-q4.yaml"),
                "--jobs",
                jobs,
                "--json",
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        outputs.append(json.loads(out.read_text(encoding="utf-8"))["results"])
    assert outputs[0] == outputs[1]


def test_a_rerun_takes_its_checks_from_the_gradebook(tmp_path):
    db = tmp_path / "g.sqlite"
    command = [
        sys.executable,
        "-m",
        "grader",
        "grade",
        str(ROOT / "submissions" / "22-52-q4"),
        "--rubric",
        str(ROOT / "rubrics" / "22-52-q4.yaml"),
        "--db",
        str(db),
    ]
    first = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    second = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    assert first.stdout == second.stdout
    with sqlite3.connect(db) as connection:
        cached = connection.execute("SELECT COUNT(*) FROM check_cache").fetchone()[0]
        rows = connection.execute("SELECT COUNT(*) FROM item_results").fetchone()[0]
    assert cached > 0
    assert rows == 10 * len(list((ROOT / "submissions" / "22-52-q4").rglob("*.*")))


def check_in_new_memory(task):
    """The check, with 64 MB the worker has to map first (a check of a long answer may)."""
    block = bytearray(64 * 2**20)
    return _check_in_worker(task) if block else None


def test_address_space_the_parent_reserved_and_never_used_costs_a_worker_nothing():
    # A worker forked from a process that had reserved more address space than the bound
    # (a test runner late in a run, a grading process grown) could map nothing: every check
    # "needed more memory", or raised SystemError where a C library met the failure. The
    # bound is the memory the worker may use beyond what it had mapped when forked.
    import mmap

    reserved = mmap.mmap(-1, 1536 * 2**20)  # 1.5 GB mapped, never touched: no memory used
    try:
        with BoundedChecker(
            RUBRIC, jobs=1, timeout=30, memory_mb=512, work=check_in_new_memory
        ) as bounded:
            checked = bounded.check([Task("a.params", "PQCPQD + PQD"), Task("b.params", "K")])
        assert [item.verdict for item in checked] == ["correct", "invalid"]
        with BoundedChecker(
            RUBRIC, jobs=1, timeout=30, memory_mb=512, work=allocate_without_bound
        ) as bounded:
            (stopped,) = bounded.check([Task("a.params", "PQCPQD + PQD")])
        assert "needed more than its 512 MB of memory" in stopped.feedback[0]  # still bounded
    finally:
        reserved.close()


BOUND_UNDER_A_HARD_LIMIT = """
import resource
from grader.workers import _memory, bound_memory
mapped, _ = _memory()
hard = mapped + 300 * 2**20  # `ulimit -v`: less than the bound asked for
resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
bound_memory(1024 * 2**20)
print(resource.getrlimit(resource.RLIMIT_AS) == (hard, hard))
"""


def test_a_process_given_a_hard_memory_limit_keeps_it_as_its_bound():
    # The bound (its address space and 1024 MB more, less what it holds) is above the hard
    # limit of a process run under `ulimit -v`: setting it raised ValueError, and no worker
    # or reader could start. The hard limit is the bound then.
    completed = subprocess.run(
        [sys.executable, "-c", BOUND_UNDER_A_HARD_LIMIT], capture_output=True, text=True
    )
    assert (completed.returncode, completed.stdout) == (0, "True\n"), completed.stderr[-500:]
