"""What a class's own path (reading each student's files, planning their answers) does once
for a rubric is done once, not once a student (issue 20, branch classperf): the same
submissions read, each piece made once and remembered, bounded and keyed by what it is of."""

from __future__ import annotations

from pathlib import Path

import pytest

import grader.submissions as submissions
from grader.rubric import load_rubric
from grader.submissions import MOST_READERS, load_submission, transcript_items

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "submissions" / "22-52-q4").glob("seed-student-*.yaml"))


@pytest.fixture
def made(monkeypatch):
    """The transcript readers (`TranscriptItem`s) made from here on, counted."""
    count = []
    original = submissions.TranscriptItem

    def counted(*args):
        count.append(args[0])
        return original(*args)

    monkeypatch.setattr(submissions, "TranscriptItem", counted)
    return count


def test_a_rubrics_readers_are_made_once_for_all_its_students_files(made):
    rubric = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
    items = len(rubric.items)
    read = [load_submission(path, rubric) for path in SEEDS * 3]
    assert len(SEEDS) * 3 == len(read) > 3
    assert len(made) == items  # once for the rubric, not once a file (items x 3 x files)
    # and each file reads as it does with readers made afresh
    transcript_items.made.clear()
    assert [load_submission(path, rubric) for path in SEEDS * 3] == read


def test_the_readers_are_kept_for_the_rubric_itself_and_a_few_rubrics(made):
    path = ROOT / "rubrics" / "22-52-q4.yaml"
    first, again = load_rubric(path), load_rubric(path)
    assert transcript_items(first) is transcript_items(first)
    assert transcript_items(again) is not transcript_items(first)  # another rubric object
    many = [load_rubric(path) for _ in range(MOST_READERS + 2)]
    for rubric in many:
        transcript_items(rubric)
    assert len(transcript_items.made) == MOST_READERS
    assert [known for known, _ in transcript_items.made] == many[::-1][:MOST_READERS]
