"""One synced commit a chunk: the checks a chunk met for the first time go into the gradebook's
cache in the transaction that stores the chunk's results (`CachedChecker(deferred=True)`,
`write_checks`), not in a commit of their own, each of which waits for the disk."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from grader import cli, grade, gradebook
from grader.grade import Task
from grader.model import ItemResult
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")


class Made:
    """A checker that makes a result from each answer without checking it."""

    def check(self, tasks):
        return [
            ItemResult(t.item_id, "correct", 1.0, 2.0, (f"read {t.text}",), t.text) for t in tasks
        ]


def _cached(path: Path) -> list[tuple[str, str]]:
    """The cache as another connection sees it: what was committed."""
    other = sqlite3.connect(path)
    try:
        return sorted(other.execute("SELECT item_id, answer FROM check_cache"))
    finally:
        other.close()


def test_deferred_checks_are_written_with_the_callers_commit(tmp_path):
    path = tmp_path / "g.sqlite"
    connection = gradebook.connect(path)
    checker = gradebook.CachedChecker(Made(), connection, RUBRIC, deferred=True)
    tasks = [Task("a.params", "CD"), Task("b.params", "9CD + D")]
    assert checker.check(tasks) == Made().check(tasks)
    assert _cached(path) == []  # kept, not committed
    checker.write_checks()
    assert _cached(path) == []  # written in the open transaction, not committed
    connection.commit()
    assert _cached(path) == [("a.params", "CD"), ("b.params", "9CD + D")]
    checker.write_checks()  # nothing left to write
    checker.check([Task("c.params", "C")])
    checker.flush()
    assert ("c.params", "C") in _cached(path)


def test_checks_not_deferred_are_committed_at_once(tmp_path):
    path = tmp_path / "g.sqlite"
    checker = gradebook.CachedChecker(Made(), gradebook.connect(path), RUBRIC)
    checker.check([Task("a.params", "CD")])
    assert _cached(path) == [("a.params", "CD")]


def test_a_chunks_new_checks_are_committed_with_its_results(tmp_path, monkeypatch):
    statements: list[str] = []
    connect = gradebook.connect

    def traced(path, *args, **kwargs):
        connection = connect(path, *args, **kwargs)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(gradebook, "connect", traced)
    monkeypatch.setattr(grade, "CHUNK", 2)  # several chunks from the example class
    code = cli.main(
        ["grade", str(ROOT / "submissions" / "22-52-q4"), "--rubric",
         str(ROOT / "rubrics" / "22-52-q4.yaml"), "--db", str(tmp_path / "g.sqlite"),
         "--jobs", "1"]
    )  # fmt: skip
    assert code == 0
    transactions, current = [], []
    for statement in statements:
        current.append(statement)
        if statement.strip().upper() == "COMMIT":
            transactions.append(current)
            current = []
    caching = [t for t in transactions if any("INTO check_cache" in s for s in t)]
    storing = [t for t in transactions if any("INTO submissions" in s for s in t)]
    assert len(storing) >= 3  # the class took several chunks
    assert caching  # and met new checks
    # Every commit that caches checks is one that stores a chunk's results.
    assert all(any("INTO submissions" in s for s in t) for t in caching)
