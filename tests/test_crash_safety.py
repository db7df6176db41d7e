"""Killing `grader grade` with SIGKILL in the middle of a batch loses no committed row and,
after a re-run, duplicates none (hostile-inputs test plan, G2)."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = 200


def _write_class(folder: Path) -> None:
    """200 students whose answers all differ, so that every one of them must be checked."""
    folder.mkdir()
    for n in range(STUDENTS):
        answers = {
            "a": {"params": f"{n + 2}PQCD + PQD", "formula": f"y_{{i,j,k}} = {n + 2} x_{{i,j,k}}"},
            "b": {"params": f"9CD + {n + 2}D"},
            "c": {"params": f"{n + 2}CD + D"},
            "d": {
                "params": f"{n + 2}CD",
                "formula": f"y_{{i,k}} = \\sum_{{l=1}}^{{C}} {n + 2} w_{{l,k}} x_{{i,l}}",
            },
            "e": {"explanation": f"Answer number {n}: pixels are tokens."},
        }
        lines = [f"student: s{n:03d}", "question: 22-52-Q4", "answers:"]
        for part, items in answers.items():
            lines.append(f"  {part}:")
            lines += [f"    {item}: {json.dumps(text)}" for item, text in items.items()]
        (folder / f"s{n:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rows(db: Path) -> dict[tuple[str, str], tuple]:
    with sqlite3.connect(db) as connection:
        return {
            (student, item): rest
            for student, item, *rest in connection.execute(
                "SELECT student, item_id, verdict, marks, feedback, answer FROM item_results"
            )
        }


def _grade(folder: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(folder),
            "--rubric",
            str(ROOT / "rubrics" / "22-52-q4.yaml"),
            "--db",
            str(db),
            "--jobs",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes its workers too
    )


def test_sigkill_mid_batch_loses_no_committed_row_and_a_rerun_duplicates_none(tmp_path):
    folder, db = tmp_path / "class", tmp_path / "gradebook.sqlite"
    _write_class(folder)
    process = _grade(folder, db)
    committed: dict = {}
    try:
        # Wait for the first committed submissions, then kill everything at once.
        for _ in range(6000):
            if process.poll() is not None:
                break
            if db.exists():
                try:
                    committed = _rows(db)
                except sqlite3.OperationalError:
                    committed = {}
                if committed:
                    break
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert committed, "the batch ended before any row was committed: nothing was tested"
    assert process.returncode == -signal.SIGKILL, "the batch finished before it could be killed"

    after_kill = _rows(db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = connection.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    assert students < STUDENTS  # it really was cut off mid-batch
    for key, row in committed.items():
        assert after_kill[key] == row  # nothing committed was lost
    assert len(after_kill) % 10 == 0  # never half a submission: one transaction each

    rerun = _grade(folder, db)
    assert rerun.wait(timeout=600) == 0
    final = _rows(db)
    assert len(final) == STUDENTS * 10  # every student once, no duplicates
    for key, row in committed.items():
        assert final[key] == row
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == STUDENTS
