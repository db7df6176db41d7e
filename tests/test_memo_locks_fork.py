"""The checks' memos are shared by threads under locks (grader/kinds/count/terms.py,
grader/kinds/formula/layer.py). A process forked while another thread holds one of them (a
worker, a page child or the reader started while a thread of the caller is in the middle of a
check) has the lock held for ever: the thread that held it is not in the child. The locks are
made new in every child (`os.register_at_fork`), so its checks go on, with the same results.

Each test holds a lock in a thread, forks a child that checks answers going through every
memo, and waits for it with a backstop (a hang guard, not a speed assertion): a child still
running then is killed and the test fails."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from grader.grade import grade_answer
from grader.kinds.count import terms
from grader.kinds.formula import layer
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")

# A wrong count (its sides compared, the other parts' counts looked at) and a formula with a
# part missing (its frame, its terms, their facts and classes): every memo with a lock.
ANSWERS = [
    ("b.params", "8CD + 2D"),
    ("c.params", "CD + 2D"),
    (
        "b.formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{l=1}^{C} w_{u,v,l,k} x_{i+u,j+v,l}",
    ),
]
BACKSTOP = 60  # seconds: the child checks these in well under one on a loaded machine

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork"
)


def _check(connection) -> None:
    connection.send([grade_answer(RUBRIC, RUBRIC.items[item], text) for item, text in ANSWERS])


@pytest.mark.parametrize(
    "lock",
    [
        pytest.param(lambda: terms._side_lock, id="a count's sides"),
        pytest.param(lambda: terms._other_counts_lock, id="the other parts' counts"),
        pytest.param(lambda: layer._frame_lock, id="a formula's frames"),
        pytest.param(lambda: layer._term_memo.lock, id="a formula's terms"),
        pytest.param(lambda: layer._facts_memo.lock, id="a formula's facts"),
        pytest.param(lambda: layer._classes_memo.lock, id="a formula's classes"),
    ],
)
def test_a_child_forked_while_another_thread_holds_a_memo_lock_checks_all_the_same(lock):
    expected = [grade_answer(RUBRIC, RUBRIC.items[item], text) for item, text in ANSWERS]
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock():
            held.set()
            release.wait()

    thread = threading.Thread(target=hold)
    thread.start()
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    child = context.Process(target=_check, args=(theirs,))
    answered = False
    try:
        held.wait()
        child.start()
        theirs.close()
        answered = ours.poll(BACKSTOP)
        checked = ours.recv() if answered else None
    finally:
        release.set()
        thread.join()
        if child.pid is not None:
            if not answered:
                child.kill()
            child.join()
    assert answered, "the child waited for a lock no thread of it holds"
    assert checked == expected
    assert child.exitcode == 0
