"""The README's quick start is what CI runs, and what the docs quote the grader saying is what it
says, so neither can silently go stale."""

import re
from pathlib import Path

import pytest

from grader.grade import grade_paths
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_the_quick_start_is_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "grader grade submissions/22-52-q4 --rubric rubrics/22-52-q4.yaml" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_quick_start_commands_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in quick_start_commands():
        assert command in ci


# Examples in the docs quote what the grader says; "…" stands for words left out. The transcript
# example said "(graded incorrect, 0/2)" after the grader had come to say "the machine's
# reading earns 0 of 2".
QUOTED = [
    # (doc, rubric, item, a transcript's line 3, words the doc quotes)
    (
        "getting-answers-in.md",
        "attn-q1",
        "c.count",
        "N x K -> N^2",
        "The steps of your working on line 3 do not agree; … N x K (the machine's reading earns"
        " 0 of 2), then N^2 (the machine's reading earns 2 of 2); provisional until a person"
        " confirms.",
    ),
    (
        "getting-answers-in.md",
        "attn-q1",
        "c.count",
        "N x N -> " * 13 + "N^2",
        "Line 3 has 13 steps of working before its answer, more than are checked: at most 12"
        " steps of a chain are checked.",
    ),
]


@pytest.mark.parametrize(("doc", "name", "item", "line", "quoted"), QUOTED)
def test_the_docs_quote_the_grader_as_it_speaks(tmp_path, doc, name, item, line, quoted):
    written = " ".join((ROOT / "docs" / doc).read_text(encoding="utf-8").split())
    assert quoted in written
    rubric = load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    (tmp_path / "kim.md").write_text(f"Name: kim\n\n({item.split('.')[0]}) {line}\n", "utf-8")
    (result,) = grade_paths(rubric, [tmp_path]).results
    said = " ".join(result.items[item].feedback)
    assert all(piece in said for piece in quoted.split(" … "))
