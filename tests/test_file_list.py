"""A class's files held packed (`submissions.FileList`): the same files, in the same order, as
the list of `Path` objects it replaces, without an object per file."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.submissions import FileList, collect_submission_files

# Paths as a folder walk gives them: their names of any character a file name may hold (not
# NUL, not a slash), non-ASCII ones too; no name empty, "." or "..".
NAMES = st.text(st.characters(blacklist_characters="\x00/"), min_size=1, max_size=12).filter(
    lambda name: name not in (".", "..")
)
PATHS = st.lists(st.lists(NAMES, min_size=1, max_size=4).map(lambda parts: Path(*parts)))


@given(PATHS)
def test_a_file_list_gives_what_the_list_gave(paths):
    files = FileList(paths)
    assert len(files) == len(paths)
    assert list(files) == paths
    assert [files[i] for i in range(len(paths))] == paths
    assert [files[-i] for i in range(1, len(paths) + 1)] == [
        paths[-i] for i in range(1, len(paths) + 1)
    ]
    assert [files.text(i) for i in range(len(paths))] == [str(p) for p in paths]
    for start, stop, step in [(0, 2, 1), (1, None, 1), (None, None, 2), (-3, None, 1), (5, 2, 1)]:
        assert files[start:stop:step] == paths[start:stop:step]
    assert bool(files) == bool(paths)


@pytest.mark.parametrize("index", [3, 100, -4])
def test_past_either_end_is_an_index_error_as_a_list_s(index):
    files = FileList([Path("a.yaml"), Path("b/c.md"), Path("d.csv")])
    with pytest.raises(IndexError):
        files[index]
    with pytest.raises(IndexError):
        [Path("a.yaml"), Path("b/c.md"), Path("d.csv")][index]


def test_an_empty_file_list():
    files = FileList([])
    assert len(files) == 0 and list(files) == [] and files[:5] == [] and not files


def test_a_path_holding_a_nul_is_refused():
    with pytest.raises(ValueError):
        FileList([Path("a.yaml"), Path("b\0c.yaml")])


def test_a_class_s_files_are_held_without_an_object_each(tmp_path):
    """Collected from a folder, a class's files are one string and one array, whatever its
    size (a `Path` each cost about 400 bytes, and twice that once children were forked)."""
    for n in range(50):
        (tmp_path / f"s{n:02d}.yaml").write_text("student: a\n", encoding="utf-8")
    files, unusable = collect_submission_files([tmp_path])
    assert not unusable and len(files) == 50
    held = [thing for thing in gc.get_referents(files) if not isinstance(thing, type)]
    assert len(held) == 2 and not any(isinstance(thing, Path) for thing in held)
    assert list(files) == sorted(tmp_path / f"s{n:02d}.yaml" for n in range(50))


def test_a_walk_s_order_is_the_paths_order_not_the_texts(tmp_path):
    """`a/b.yaml` comes before `a-b/c.yaml` as paths (their first parts `a` < `a-b`), though
    not as texts ('/' > '-'): the packed list keeps the order of the paths."""
    for name in ("a/b.yaml", "a-b/c.yaml", "a/a.yaml", "A.yaml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("student: a\n", encoding="utf-8")
    files, _ = collect_submission_files([tmp_path])
    expected = [tmp_path / n for n in ("A.yaml", "a/a.yaml", "a/b.yaml", "a-b/c.yaml")]
    assert list(files) == expected
