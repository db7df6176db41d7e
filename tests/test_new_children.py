"""The `new_children` fixture (tests/conftest.py): a test asks whether it left a child running,
not whether any test in its process ever did."""

import multiprocessing
import time


def _stay():
    time.sleep(60)


def test_a_child_alive_before_the_test_is_not_the_tests_and_one_it_starts_is(request):
    before = multiprocessing.get_context("fork").Process(target=_stay, daemon=True)
    before.start()
    try:
        new_children = request.getfixturevalue("new_children")  # snapshot taken now
        assert before in multiprocessing.active_children()
        assert new_children() == []
        started = multiprocessing.get_context("fork").Process(target=_stay, daemon=True)
        started.start()
        try:
            assert new_children() == [started]
        finally:
            started.kill()
            started.join()
        assert new_children() == []  # ended and reaped
    finally:
        before.kill()
        before.join()
