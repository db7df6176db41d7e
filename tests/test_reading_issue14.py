"""Issue 14, as a whole: every answer the issue quotes is read as a marker reads it, with the
note shown, and gets the same result from YAML, from Markdown and from a transcript of a
written script. The maths of part 3 (floor and ceiling, //, 2^C, symbols with digits, LaTeX
fraction shorthand, bracketed numbers) and the conventions of part 4 (answer lists,
index_base, relations) have their own tables in tests/test_reading_conventions.py."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from grader.grade import grade_paths
from grader.model import Rubric
from grader.rubric import load_rubric, load_rubric_text

ROOT = Path(__file__).resolve().parent.parent

# Items the bundled rubrics do not have: a kernel of size K, a pooling layer (0 parameters),
# masks over C channels (2^C), pairs of tokens, a third of the weights, two layers x1 and x2.
READING = """\
id: READING
title: Answers as a marker reads them
symbols:
  K: {meaning: the kernel size, example: 3}
  C: {meaning: the number of input channels, example: 2}
  D: {meaning: the number of output channels, example: 5}
  N: {meaning: the number of tokens, example: 6}
  x1: {meaning: the width of the first layer, example: 4}
  x2: {meaning: the width of the second layer, example: 7}
parts:
  a:
    marks: 2
    prompt: A 1D convolution with a kernel of size K.
    items:
      params: {type: count, marks: 2, label: Parameters, answer: 'KCD + D', bias: 'D'}
  b:
    marks: 2
    prompt: Max pooling.
    items:
      pooling: {type: count, marks: 2, label: Pooling, answer: '0'}
  c:
    marks: 2
    prompt: Masks over the channels.
    items:
      masks: {type: count, marks: 2, label: Masks, answer: '2^C'}
  d:
    marks: 2
    prompt: Pairs of tokens.
    items:
      pairs: {type: count, marks: 2, label: Pairs, answer: 'N(N+1)/2'}
  e:
    marks: 2
    prompt: A third of the weights are kept after pruning.
    items:
      kept: {type: count, marks: 2, label: Kept, answer: 'KCD/3'}
  f:
    marks: 2
    prompt: A linear layer from x1 to x2 units.
    items:
      params: {type: count, marks: 2, label: Parameters, answer: 'x1 x2 + x2'}
"""


@cache
def rubric(name: str) -> Rubric:
    if name == "reading":
        return load_rubric_text(READING, "reading.yaml")
    return load_rubric(ROOT / "rubrics" / f"{name}.yaml")


# (rubric, part, item, label, the answer as typed, the same answer in a written script,
#  verdict, marks, notes from YAML and Markdown, notes from the script).
# In a script, words outside `$...$` are not part of the maths, so no step needs to set them
# aside; every other note is the same.
QUOTED = {
    "words after a count, 'params'": (
        "22-52-q4", "b", "params", "Parameters", "9CD + D params",
        "parameters: $9CD + D$ params",
        "correct", 2.0, ('set aside "params"',), (),
    ),
    "words after a count, 'parameters'": (
        "reading", "a", "params", "Parameters", "KCD + D parameters",
        "$KCD + D$ parameters",
        "correct", 2.0, ('set aside "parameters"',), (),
    ),
    "a zero with a remark in brackets": (
        "reading", "b", "pooling", "Pooling", "0 (no weights)",
        "Pooling: $0$ (no weights)",
        "correct", 2.0, ('set aside "(no weights)"',), (),
    ),
    "'none' where the reference is 0": (
        "reading", "b", "pooling", "Pooling", "none",
        "Pooling: none",
        "correct", 2.0, ('read "none" as 0',), ('read "none" as 0',),
    ),
    "'none' where the reference is not 0 goes to a person, from every format": (
        "22-52-q4", "b", "params", "Parameters", "none",
        "Parameters: none",
        "invalid", 0.0, (), (),
    ),
    "lower case for the question's upper-case symbols": (
        "reading", "a", "params", "Parameters", "kcd + d",
        "parameters: $kcd + d$",
        "correct", 2.0, ("read k as K, c as C, d as D",), ("read k as K, c as C, d as D",),
    ),
    "mathematical italic letters copied from Word or a PDF": (
        "22-52-q4", "a", "params", "Parameters", "𝑃𝑄𝐶𝑃𝑄𝐷+𝑃𝑄𝐷",
        "parameters: $𝑃𝑄𝐶𝑃𝑄𝐷+𝑃𝑄𝐷$",
        "correct", 2.0, ("read 𝑃 as P, 𝑄 as Q, 𝐶 as C, 𝐷 as D",),
        ("read 𝑃 as P, 𝑄 as Q, 𝐶 as C, 𝐷 as D",),
    ),
    "floor in LaTeX": (
        "strided-q1", "a", "length", "Length", r"\lfloor (P+2-3)/2 \rfloor + 1",
        r"the number of outputs is $\lfloor (P+2-3)/2 \rfloor + 1$",
        "correct", 2.0, (), (),
    ),
    "ceil() as a function": (
        "strided-q1", "a", "length", "Length", "ceil(P/2)",
        "the number of outputs is $ceil(P/2)$",
        "correct", 2.0, (), (),
    ),
    "integer division where the rubric allows it": (
        "strided-q1", "a", "length", "Length", "(P-1)//2 + 1",
        "the number of outputs is $(P-1)//2 + 1$",
        "correct", 2.0, (), (),
    ),
    "a symbolic exponent": (
        "reading", "c", "masks", "Masks", "2^C",
        "the number of masks is $2^C$",
        "correct", 2.0, (), (),
    ),
    "symbols with a digit": (
        "reading", "f", "params", "Parameters", "x1x2 + x2",
        "parameters: $x1x2 + x2$",
        "correct", 2.0, (), (),
    ),
    "a bracketed number": (
        "22-52-q4", "b", "params", "Parameters", "3(3)CD + D",
        "parameters: $3(3)CD + D$",
        "correct", 2.0, (), (),
    ),
    "\\frac13 as LaTeX reads it": (
        "reading", "e", "kept", "Kept", r"\frac13 KCD",
        r"the number kept is $\frac13 KCD$",
        "correct", 2.0, (), (),
    ),
    "\\dfrac12": (
        "reading", "d", "pairs", "Pairs", r"\dfrac12 N(N+1)",
        r"the number of pairs is $\dfrac12 N(N+1)$",
        "correct", 2.0, (), (),
    ),
    "\\tfrac with braces": (
        "reading", "d", "pairs", "Pairs", r"\tfrac{N(N+1)}{2}",
        r"the number of pairs is $\tfrac{N(N+1)}{2}$",
        "correct", 2.0, (), (),
    ),
    "a count written with d_k where the rubric uses d/h": (
        "mha-q1", "a", "params", "Parameters", "3h(d d_k + d_k)",
        "parameters: $3h(d d_k + d_k)$",
        "correct", 2.0, (), (),
    ),
    "a strided formula indexed from 0 against a rubric indexed from 1, index_base: any": (
        "strided-q1", "b", "formula", "Formula",
        r"y_{i,k} = \sum_{u=-1}^{1}\sum_{l=0}^{C-1} w_{u,l,k} x_{2i+u,l} + b_k",
        r"$$y_{i,k} = \sum_{u=-1}^{1}\sum_{l=0}^{C-1} w_{u,l,k} x_{2i+u,l} + b_k$$",
        "correct", 3.0, ("read the indices as counted from 0",),
        ("read the indices as counted from 0",),
    ),
    "a centred kernel of general size: division in a sum's bounds": (
        "conv1d-q1", "a", "formula", "Formula",
        r"y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k",
        r"$$y_{t,k} = \sum_{u=-(K-1)/2}^{(K-1)/2}\sum_{l=1}^{C} w_{u,l,k} x_{t+u,l} + b_k$$",
        "correct", 3.0, (), (),
    ),
    "a grouped convolution: C/G in a sum's bound and in an input index": (
        "grouped-q1", "a", "formula", "Formula",
        r"y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} "
        r"x_{i+u,j+v,\lfloor (k-1)G/D \rfloor C/G+m} + b_k",
        r"$$y_{i,j,k} = \sum_{u=-1}^{1}\sum_{v=-1}^{1}\sum_{m=1}^{C/G} w_{u,v,m,k} "
        r"x_{i+u,j+v,\lfloor (k-1)G/D \rfloor C/G+m} + b_k$$",
        "correct", 3.0, (), (),
    ),
    "a wrong count read leniently is still wrong, with its note": (
        "reading", "a", "params", "Parameters", "kcd",
        "parameters: $kcd$",
        "incorrect", 0.0, ("read k as K, c as C, d as D",), ("read k as K, c as C, d as D",),
    ),
}  # fmt: skip


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write(folder: Path, form: str, row: tuple) -> Path:
    name, part, key, label, typed, scripted = row[:6]
    question = rubric(name).id
    if form == "yaml":
        path = folder / "typed.yaml"
        path.write_text(
            f"student: s\nquestion: {question}\nanswers:\n  {part}:\n    {key}: {_quoted(typed)}\n",
            encoding="utf-8",
        )
    elif form == "markdown":
        path = folder / "typed.md"
        path.write_text(
            f"---\nstudent: s\nquestion: {question}\n---\n## ({part})\n{label}: {typed}\n",
            encoding="utf-8",
        )
    else:
        path = folder / "s.md"  # a script without front matter: the student is its file name
        path.write_text(f"({part}) my answer\n\n{scripted}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("form", ["yaml", "markdown", "transcript"])
@pytest.mark.parametrize("row", QUOTED.values(), ids=QUOTED.keys())
def test_every_quoted_answer_is_read_as_a_marker_reads_it_in_every_format(tmp_path, row, form):
    name, part, key = row[:3]
    verdict, marks, typed_notes, script_notes = row[6:]
    loaded = rubric(name)
    batch = grade_paths(loaded, [_write(tmp_path, form, row)])
    assert batch.failures == []
    (result,) = batch.results
    assert result.student == "s"
    item = result.items[f"{part}.{key}"]
    notes = script_notes if form == "transcript" else typed_notes
    assert (item.verdict, item.marks, item.reading_notes) == (verdict, marks, notes), item.feedback


EXAMPLES = {
    "strided-q1": {
        "ana": (7.0, {"b.formula": ("read the indices as counted from 0",),
                      "c.params": ('set aside "parameters"',)}),
        "ben": (4.0, {"c.params": ("read c as C, d as D",)}),
        "cy": (5.0, {"c.params": ("read 𝟑 as 3, 𝐶 as C, 𝐷 as D",)}),
    },
    "mha-q1": {
        "dana": (5.0, {}),
        "eli": (5.0, {}),
    },
}  # fmt: skip


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_bundled_examples_grade_as_a_marker_would(name):
    batch = grade_paths(rubric(name), [ROOT / "submissions" / name])
    assert batch.failures == []
    graded = {
        result.student: (
            result.total,
            {i: r.reading_notes for i, r in result.items.items() if r.reading_notes},
        )
        for result in batch.results
    }
    assert graded == EXAMPLES[name]
