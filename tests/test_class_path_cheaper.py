"""What a class's own path (reading each student's files, planning their answers) does once
for a rubric is done once, not once a student (issue 20, branch classperf): the same
submissions read, each piece made once and remembered, bounded and keyed by what it is of."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import grader.submissions as submissions
from grader import model
from grader.model import Submission, SubmittedAnswer
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


# --- Answers as written, remembered as read as they are (branch mainrd) ---------------------

RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"


def _class_file(folder: Path, number: int, answers: dict[str, str]) -> Path:
    """A student's YAML file giving `answers` ("part.key" -> text, lines and all)."""
    lines = [f"student: s{number}", "question: 22-52-Q4", "answers:"]
    for part in dict.fromkeys(key.split(".")[0] for key in answers):
        lines.append(f"  {part}:")
        for key, text in answers.items():
            if key.startswith(part + "."):
                lines.append(f"    {key.split('.')[1]}: |")
                lines.extend(f"      {line}" for line in text.splitlines())
    path = folder / f"s{number}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Each class: the files' answers, in order; a later file repeats an earlier file's text, to
# the same item or another, so that it is read from what was remembered, if anything.
CLASSES = {
    "one line, twice": [{"a.params": "CD + D"}, {"a.params": "CD + D"}],
    "working on one line, twice": [{"c.params": "C x D -> CD + D"}] * 2,
    "two lines, twice": [{"b.params": "9CD + D\n9CD + D"}] * 2,
    "two different lines, twice": [{"d.params": "CD\nCD + D"}] * 2,
    "an explanation's two lines, then as a count's": [
        {"e.explanation": "CD + D\n9CD"},
        {"a.params": "CD + D\n9CD"},
    ],
    "a count's one line, then as an explanation's": [
        {"a.params": "CD + D"},
        {"e.explanation": "CD + D"},
    ],
    "a key no item has, then one it has": [{"a.weights": "CD\nD"}, {"a.params": "CD\nD"}],
}


@pytest.mark.parametrize("answers", CLASSES.values(), ids=CLASSES.keys())
def test_a_class_reads_each_answer_as_it_reads_it_alone(tmp_path, monkeypatch, answers):
    rubric = load_rubric(RUBRIC)
    paths = [_class_file(tmp_path, n, each) for n, each in enumerate(answers)]
    in_class = [load_submission(path, rubric) for path in paths]
    alone = []
    for path in paths:  # each read by a reader that remembers nothing yet
        submissions.read_as_written.made.clear()
        alone.append(load_submission(path, rubric))
    assert in_class == alone
    assert [s.answers for s in in_class] == [s.answers for s in alone]


def test_the_answers_read_as_written_that_are_remembered_are_few_and_short(monkeypatch):
    monkeypatch.setattr(submissions, "MOST_AS_WRITTEN", 3)
    rubric = load_rubric(RUBRIC)
    read = [load_submission(path, rubric) for path in SEEDS]
    remembered = submissions.read_as_written(rubric)
    assert 0 < len(remembered) <= 3
    assert all(len(text) <= submissions.LONGEST_AS_WRITTEN for _, text in remembered)
    submissions.read_as_written.made.clear()
    monkeypatch.setattr(submissions, "MOST_AS_WRITTEN", 0)
    assert [load_submission(path, rubric) for path in SEEDS] == read
    assert not submissions.read_as_written(rubric)


NOT_PLAIN = {
    "found in a script": {"found": "from line 3"},
    "already unread": {"unread": "could not be read"},
    "not an answer": {"problem": "a list"},
}


@pytest.mark.parametrize("fields", NOT_PLAIN.values(), ids=NOT_PLAIN.keys())
def test_an_answer_left_as_it_is_for_what_it_holds_besides_its_text_is_not_remembered(fields):
    rubric = load_rubric(RUBRIC)
    text = "CD\nCD + D"  # two different lines: read by lines where the answer is plain

    def given(**more):
        answer = SubmittedAnswer(text, 4, **more)
        return Submission("s1", "22-52-Q4", "s1.yaml", {"d.params": answer})

    submissions.read_as_written.made.clear()
    plain = submissions.written_answer_lines(rubric, "d.params", SubmittedAnswer(text, 4))
    assert plain.alternatives  # two answers, for a person to choose between
    kept = given(**fields)
    assert submissions._lines_read(kept, rubric) is kept
    assert submissions._lines_read(given(), rubric).answers["d.params"] == plain


KEYS = ["a.params", "A.Params", "a.PARAMS", "a. params", "a.no such item", "z.params", "params", ""]


@pytest.mark.parametrize("key", KEYS)
def test_an_answers_key_names_the_items_it_named_before_it_was_remembered(key):
    rubric = load_rubric(RUBRIC)
    part, _, name = key.partition(".")
    assert rubric.items_named(key) == rubric.items_for(part, name)
    assert rubric.items_named(key) == rubric.items_for(part, name)  # from what is remembered


def test_the_keys_a_rubric_remembers_are_bounded(monkeypatch):
    monkeypatch.setattr(model, "MOST_KEYS", 2)
    rubric = load_rubric(RUBRIC)
    assert [rubric.items_named(key) for key in KEYS] == [
        rubric.items_for(*key.partition(".")[::2]) for key in KEYS
    ]
    assert len(rubric._named_keys) == 2


# Each field an answer may carry besides its text and line, set (and a plain answer's text
# empty or None): each crosses from the reader process to the main one whole.
ANSWERS = {
    "plain": SubmittedAnswer("PQCPQD+PQD", 6),
    "left empty": SubmittedAnswer(None, 3),
    "empty text": SubmittedAnswer("", 3),
    "not an answer": SubmittedAnswer(None, 2, problem="a list"),
    "found in a script": SubmittedAnswer("CD", 4, found="from line 4: CD"),
    "with other answers": SubmittedAnswer("CD", 4, alternatives=(("D", 5, "D"),)),
    "answers beyond": SubmittedAnswer("CD", 4, unchecked_answers=2),
    "chains beyond": SubmittedAnswer("CD", 4, unchecked_chains=1),
    "a chain": SubmittedAnswer("CD", 4, chains=((4, ("C D", "CD")),)),
    "unsure": SubmittedAnswer("CD", 4, unsure="two items"),
    "by place": SubmittedAnswer("CD", 4, by_place=True),
    "with notes": SubmittedAnswer("CD", 4, reading_notes=("set aside a word",)),
    "unread": SubmittedAnswer("CD", 4, unread="could not be read", unread_why="why"),
    "its own lines": SubmittedAnswer("CD", 4, lines_within=True),
    "a photo beside": SubmittedAnswer("CD", 4, attachment="an image (a.jpg)"),
    "retracted": SubmittedAnswer("CD", 4, retracted=(5, "this is wrong")),
}


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
def test_an_answer_is_unpickled_whole(answer):
    again = pickle.loads(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(again) is SubmittedAnswer
    assert again == answer and hash(again) == hash(answer)
    assert vars(again) == vars(answer)


def test_a_plain_answer_is_pickled_as_its_text_and_line():
    plain = pickle.dumps(ANSWERS["plain"], protocol=pickle.HIGHEST_PROTOCOL)
    noted = pickle.dumps(ANSWERS["unsure"], protocol=pickle.HIGHEST_PROTOCOL)
    assert len(plain) * 3 < len(noted)


@pytest.mark.parametrize("text", ["PQCPQD+PQD", "", None], ids=["text", "empty", "none"])
def test_an_answer_written_is_the_answer_made_from_its_text_and_line(text):
    made = model.written_answer(text, 7)
    assert type(made) is SubmittedAnswer
    assert vars(made) == vars(SubmittedAnswer(text, 7))
    assert list(vars(made)) == list(vars(SubmittedAnswer(text, 7)))  # the fields' order, too
