"""The mutation tester of tools/mutate.py makes the mutants it says, one change each, and
reads its list of equivalent mutants strictly (docs/testing.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_tool(name: str = "mutate"):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


mutate = _load_tool()
repoint_mutants = _load_tool("repoint_mutants")

SOURCE = '''"""Module docstring."""
from functools import lru_cache


@lru_cache(maxsize=8)
def decide(marks: float, limit: float = 2) -> str:
    """Docstring."""
    if marks >= limit and not marks < 0:
        total = marks + 1
        return "full"
    return None
'''


def test_every_mutant_of_a_small_module_is_listed_with_its_line():
    assert [(m.line, m.operator, m.description) for m in mutate.mutants(SOURCE)] == [
        (6, "constant", "`2` -> `3`"),
        (6, "constant", "`2` -> `1`"),
        (8, "condition", "`marks >= limit and (not marks < 0)` -> `True`"),
        (8, "condition", "`marks >= limit and (not marks < 0)` -> `False`"),
        (8, "boolean", "`marks >= limit and (not marks < 0)` -> `marks >= limit or not marks < 0`"),
        (8, "comparison", "`marks >= limit` -> `marks > limit`"),
        (8, "not removed", "`not marks < 0` -> `marks < 0`"),
        (8, "comparison", "`marks < 0` -> `marks <= 0`"),
        (8, "constant", "`0` -> `1`"),
        (8, "constant", "`0` -> `-1`"),
        (9, "statement removed", "remove `total = marks + 1`"),
        (9, "arithmetic", "`marks + 1` -> `marks - 1`"),
        (9, "constant", "`1` -> `2`"),
        (9, "constant", "`1` -> `0`"),
        (10, "return value", "`return 'full'` -> `return None`"),
        (10, "string", "`'full'` -> `'XX...XX'`"),
    ]


@pytest.mark.parametrize(
    ("description", "changed_line"),
    [
        ("`marks >= limit` -> `marks > limit`", "if marks > limit and (not marks < 0):"),
        ("`not marks < 0` -> `marks < 0`", "if marks >= limit and marks < 0:"),
        ("remove `total = marks + 1`", "pass"),
        ("`return 'full'` -> `return None`", "return None"),
        ("`'full'` -> `'XX...XX'`", "return 'XXfullXX'"),
    ],
)
def test_a_mutant_changes_its_one_place_and_nothing_else(description, changed_line):
    mutant = next(m for m in mutate.mutants(SOURCE) if m.description == description)
    unchanged = mutate.mutated_source(SOURCE, None).splitlines()
    changed = mutate.mutated_source(SOURCE, mutant.index).splitlines()
    differing = [(a.strip(), b.strip()) for a, b in zip(unchanged, changed, strict=True) if a != b]
    assert [after for _, after in differing] == [changed_line]


def test_the_equivalent_list_is_read_as_place_description_and_reason(tmp_path):
    listed = tmp_path / "equivalent.txt"
    listed.write_text(
        "# a comment\n\ngrader/score.py:23:49 | `0` -> `-1` | marks are never negative\n"
    )
    assert mutate.read_equivalent(listed) == {
        ("grader/score.py", 23, 49, "`0` -> `-1`"): "marks are never negative"
    }


@pytest.mark.parametrize(
    "line",
    [
        "grader/score.py:23:49 | `0` -> `-1`",
        "grader/score.py:23 | `0` -> `-1` | why",
        "grader/score.py | `0` -> `-1` | why",
        "no bars at all",
    ],
    ids=["without a reason", "without a column", "without a line", "not an entry"],
)
def test_an_equivalent_mutant_without_its_reason_or_line_is_refused(tmp_path, line):
    listed = tmp_path / "equivalent.txt"
    listed.write_text(line + "\n")
    with pytest.raises(SystemExit, match="equivalent.txt:1: expected"):
        mutate.read_equivalent(listed)


def test_the_projects_equivalent_list_reads():
    entries = mutate.read_equivalent(ROOT / "tools" / "equivalent_mutants.txt")
    assert entries and all(reason for reason in entries.values())


PROJECT_EQUIVALENT = mutate.read_equivalent(ROOT / "tools" / "equivalent_mutants.txt")


@pytest.mark.parametrize("module", sorted({key[0] for key in PROJECT_EQUIVALENT}))
def test_the_projects_equivalent_list_names_a_mutant_with_each_entry(module):
    """An entry that names no mutant any more (its code changed or went) fails here, as the
    tool would report it stale: the list is rewritten at once, its reason reread against the
    code, instead of drifting. An entry whose line only moved (an edit above it) is matched by
    the tool to the one mutant left with its description, and is no failure: the modules on
    the list are edited often, and each such edit would otherwise fail until the list is."""
    everything = mutate.mutants((ROOT / module).read_text())
    _, _, stale = mutate.place_equivalent(PROJECT_EQUIVALENT, everything, module)
    # To fix: `python tools/repoint_mutants.py BASE` (BASE: a commit before the edit), then
    # read again the reason of each entry it could not place.
    assert [f"{line}:{column} | {d}" for _, line, column, d in stale] == []


def test_two_alike_changes_on_one_line_are_told_apart_by_their_column():
    source = "def f(a):\n    return a + 1 if a == 1 else 0\n"
    ones = [m for m in mutate.mutants(source) if m.description == "`1` -> `2`"]
    assert sorted((m.line, m.column) for m in ones) == [(2, 15), (2, 25)]


def test_a_mutants_tests_keep_their_temporary_folders_in_the_mutants_own_folder(tmp_path):
    """Not in the shared /tmp/pytest-of-<user>, where other pytest sessions prune them."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "def test_where(tmp_path):\n"
        "    assert '/mutant-' in str(tmp_path) and '/basetemp/' in str(tmp_path), tmp_path\n"
    )
    source = (ROOT / "grader" / "score.py").read_text()
    outcome, _ = mutate.run_tests("grader/score.py", source, [str(probe)], timeout=300)
    assert outcome == "passed"


MOVED = '''def decide(marks):
    """Docstring."""
    if marks < 0:
        return 0
    return 1 if marks == 1 else 2
'''


def _entry(line, column, description):
    return {("m.py", line, column, description): "why"}


@pytest.mark.parametrize(
    ("entry", "named_line", "moved"),
    [
        (_entry(3, 7, "`marks < 0` -> `marks <= 0`"), 3, False),
        (_entry(9, 7, "`marks < 0` -> `marks <= 0`"), 3, True),  # the line moved
        (_entry(9, 1, "`marks < 0` -> `marks <= 0`"), 3, True),  # and its column
        (_entry(9, 15, "`0` -> `1`"), None, False),  # two `0`s at column 15: which one?
        (_entry(9, 4, "`0` -> `1`"), None, False),  # nor at another column
        (_entry(9, 4, "`marks > 1` -> `marks >= 1`"), None, False),  # no such mutant
    ],
    ids=["at its place", "moved", "moved and shifted", "two alike", "two alike elsewhere", "gone"],
)
def test_an_equivalent_entry_whose_line_moved_names_the_one_mutant_left(entry, named_line, moved):
    everything = mutate.mutants(MOVED)
    named, moved_entries, stale = mutate.place_equivalent(entry, everything, "m.py")
    lines = [m.line for m in everything if m.index in named]
    assert lines == ([named_line] if named_line else [])
    assert bool(moved_entries) == moved
    assert bool(stale) == (named_line is None)


def test_a_moved_entry_does_not_take_a_mutant_another_entry_names():
    everything = mutate.mutants(MOVED)
    zeros = sorted((m.line, m.column) for m in everything if m.description == "`0` -> `1`")
    (line, column), _ = zeros
    entries = {
        ("m.py", line, column, "`0` -> `1`"): "first",
        ("m.py", 99, 1, "`0` -> `1`"): "the other one, moved",
    }
    named, moved, stale = mutate.place_equivalent(entries, everything, "m.py")
    assert sorted(named.values()) == ["first", "the other one, moved"]
    assert [m.line for _, m in moved] == [zeros[1][0]] and not stale


def test_repointing_follows_unchanged_lines_and_leaves_changed_ones():
    old = "a = 1\nb = 2\nc = 3\n"
    new = "x = 0\na = 1\nb = 2\nc = 4\n"
    assert repoint_mutants.moved_lines(old, new) == {1: 2, 2: 3}
    listing = "# a comment stays\nm.py:2:4 | `2` -> `3` | why\nm.py:3:4 | `3` -> `4` | gone\n"
    written, unplaced = repoint_mutants.repoint(listing, {"m.py": old}.get, {"m.py": new}.get)
    assert written == (
        "# a comment stays\nm.py:3:4 | `2` -> `3` | why\nm.py:3:4 | `3` -> `4` | gone\n"
    )
    assert unplaced == ["m.py:3:4 | `3` -> `4` | gone"]
