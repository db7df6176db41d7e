"""Benchmark: time to grade one distinct layer formula (parse, instantiate, compare, score).

Run from the repository root:

    .venv/bin/python bench/formulas.py

It grades a set of distinct formulas for every formula item of rubrics/22-52-q4.yaml, and for
the layers with index arithmetic, strides and groups of rubrics/conv1d-q1.yaml,
strided-q1.yaml, grouped-q1.yaml (also with the output channel written as a sum, (g-1)D/G+n),
dense-tanh-q1.yaml (an activation), pool-q1.yaml (average pooling, and max pooling with the
window's ranges left out), attn-columns-q1.yaml (a projection with one token per column) and
rnn-q1.yaml (one step of a recurrence: two inputs, in index and vector form)
(right and wrong answers, in several notations, with
renamed indices), each once, as a new answer in a
class would be: the reference's structure is cached across answers, the student's is not. It
prints the median and the slowest time per part and over all, and the machine it ran on. The
target is a median of at most 20 ms per distinct formula.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe_machine  # noqa: E402

from grader.grade import grade_answer  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402

INDEX_NAMES = [
    ("i", "j", "k", "l"),
    ("a", "b", "c", "d"),
    ("p", "q", "r", "s"),
    ("r", "s", "t", "z"),
]
KERNEL = [("u", "v"), ("e", "f"), ("g", "h")]

TEMPLATES = {
    "a.formula": [
        r"y_{{{i},{j},{k}}} = \sum_{{m=1}}^{{P}}\sum_{{n=1}}^{{Q}}\sum_{{{l}=1}}^{{C}} w_{{m,n,{l},{i},{j},{k}}} x_{{m,n,{l}}} + b_{{{i},{j},{k}}}",
        r"y_{{{i}{j}{k}}} = \sum_{{{l}=1}}^C \sum_{{m=1}}^P \sum_{{n=1}}^P W_{{mn{l}{k}}} X_{{{i}{j}{l}}} + b_{{{i}{j}{k}}}",
        r"y_{{{i},{j},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{j},{l}}}",
        r"y[{i},{j},{k}] = sum_{{n=1}}^{{Q}} sum_{{m=1}}^{{P}} sum_{{{l}=1}}^{{C}} W[{k},{j},{i},{l},n,m]*x[m,n,{l}]",
    ],
    "b.formula": [
        r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},{l}}} + b_{{{k}}}",
        r"y_{{{i},{j},{k}}} = \sum_{{{u}=1}}^{{3}}\sum_{{{v}=1}}^{{3}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}}\, x_{{{i}+{u}-2,{j}+{v}-2,{l}}} + b_{{{k}}}",
        r"y_{{{i}{j}{k}}} = \sum_{{{l}=1}}^C \sum_{{{u}=1}}^P \sum_{{{v}=1}}^Q W_{{{u}{v}{l}}} x_{{{i}-{u}, {j}-{v}, {l}}}",
        r"y_{{{i},{j},{k}}} = \sum_{{{u}=-2}}^{{2}}\sum_{{{v}=-2}}^{{2}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}} x_{{{i}-{u},{j}-{v},{l}}}",
    ],
    "c.formula": [
        r"y_{{{i},{j},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{j},{l}}} + b_{{{k}}}",
        r"y[{i},{j},{k}] = sum_{{{l}=1}}^{{C}} w[{i},{j},{l},{k}]*x[{i},{j},{l}] + b[{k}]",
        r"y_{{{i}{j}{k}}} = Σ_{l} W_{{{k}{l}}} · x_{{{i}{j}{l}}}",
    ],
    "d.formula": [
        r"y_{{{i},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{l}}}",
        r"y_{{{i},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{l}}} + b_{{{k}}}",
        r"y_{{{i},{k}}} = \sum_{{{j}=1}}^{{PQ}}\sum_{{{l}=1}}^{{C}} w_{{{j},{l},{k}}} x_{{{j},{l}}}",
    ],
}
# Layers with index arithmetic (issue 17): rubric file, item, templates.
ARITHMETIC = {
    ("conv1d-q1.yaml", "a.formula"): [
        r"y_{{{i},{k}}} = \sum_{{{u}=-(K-1)/2}}^{{(K-1)/2}}\sum_{{{l}=1}}^{{C}} w_{{{u},{l},{k}}} x_{{{i}+{u},{l}}} + b_{{{k}}}",
        r"y_{{{i},{k}}} = \sum_{{{u}=1}}^{{K}}\sum_{{{l}=1}}^{{C}} w_{{{u},{l},{k}}} x_{{{i}+{u}-\frac{{K+1}}{{2}},{l}}} + b_{{{k}}}",
        r"y_{{{i},{k}}} = \sum_{{{u}=-(K+1)/2}}^{{(K+1)/2}}\sum_{{{l}=1}}^{{C}} w_{{{u},{l},{k}}} x_{{{i}+{u},{l}}} + b_{{{k}}}",
        r"y_{{{i},{k}}} = \sum_{{{u}=-K/2}}^{{K/2}}\sum_{{{l}=1}}^{{C}} w_{{{u},{l},{k}}} x_{{{i}+{u},{l}}}",
    ],
    ("strided-q1.yaml", "b.formula"): [
        r"y_{{{i},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{u},{l},{k}}} x_{{2{i}-1+{u},{l}}} + b_{{{k}}}",
        r"y_{{{i},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{l}=0}}^{{C-1}} w_{{{u},{l},{k}}} x_{{2{i}+{u},{l}}} + b_{{{k}}}",
        r"y_{{{i},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{u},{l},{k}}} x_{{3{i}-1+{u},{l}}} + b_{{{k}}}",
        r"y_{{{i},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{i},{u},{l},{k}}} x_{{2{i}-1+{u},{l}}} + b_{{{k}}}",
    ],
    ("grouped-q1.yaml", "a.formula"): [
        r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C/G}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},(\lceil {k}G/D \rceil - 1)C/G+{l}}} + b_{{{k}}}",
        r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C/G}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},\lfloor ({k}-1)G/D \rfloor C/G+{l}}} + b_{{{k}}}",
        r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},{l}}} + b_{{{k}}}",
        r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C/G}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},\lfloor {k}G/D \rfloor C/G+{l}}} + b_{{{k}}}",
        # The output channel as a sum of the group {k} and the place n, the window's ranges
        # left out; then blocks of C/G channels where D/G belongs (a channel named twice).
        r"y_{{{i},{j},({k}-1)D/G+n}} = \sum_{{{u},{v}}}\sum_{{{l}=1}}^{{C/G}} w_{{{u},{v},{l},{k},n}} x_{{{i}+{u},{j}+{v},({k}-1)C/G+{l}}} + b_{{{k},n}}",
        r"y_{{{i},{j},({k}-1)C/G+n}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C/G}} w_{{{u},{v},{l},{k},n}} x_{{{i}+{u},{j}+{v},({k}-1)C/G+{l}}} + b_{{{k},n}}",
    ],
    ("dense-tanh-q1.yaml", "a.formula"): [
        r"h_{{{k}}} = \tanh(\sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{l}}} + b_{{{k}}})",
        r"h_{{{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{l}}} + b_{{{k}}}",
        r"h_{{{k}}} = \sigma(\sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{l}}} + b_{{{k}}})",
    ],
    ("pool-q1.yaml", "a.formula"): [
        r"y_{{{i},{j},{k}}} = \frac{{1}}{{4}}\sum_{{{u}=0}}^{{1}}\sum_{{{v}=0}}^{{1}} x_{{2{i}-1+{u},2{j}-1+{v},{k}}}",
        r"y_{{{i},{j},{k}}} = \sum_{{{u}=0}}^{{1}}\sum_{{{v}=0}}^{{1}} x_{{2{i}-1+{u},2{j}-1+{v},{k}}}",
        r"y_{{{i},{j},{k}}} = \frac{{1}}{{4}}\sum_{{{u}=0}}^{{1}}\sum_{{{v}=0}}^{{1}} x_{{{i}+{u},{j}+{v},{k}}}",
    ],
    # One step of a recurrence: two inputs, x_t and the previous state h_{t-1} (i is time).
    ("rnn-q1.yaml", "a.formula"): [
        r"h_{{{i},{k}}} = \tanh(\sum_{{{l}=1}}^{{E}} u_{{{k},{l}}} x_{{{i},{l}}} + \sum_{{{u}=1}}^{{H}} w_{{{k},{u}}} h_{{{i}-1,{u}}} + b_{{{k}}})",
        r"h_{{{i},{k}}} = \tanh(\sum_{{{l}}} u_{{{k},{l}}} x_{{{i},{l}}} + \sum_{{{u}}} w_{{{k},{u}}} h_{{{i},{u}}} + b_{{{k}}})",
        r"h_{{{i},{k}}} = \tanh(\sum_{{{l}=1}}^{{E}} u_{{{i},{k},{l}}} x_{{{i},{l}}} + \sum_{{{u}=1}}^{{H}} w_{{{i},{k},{u}}} h_{{{i}-1,{u}}} + b_{{{k}}})",
        r"h_{{{i}}} = \tanh(W_x x_{{{i}}} + W_h h_{{{i}-1}} + b)",
        r"h_{{{i}}} = \tanh(W_h x_{{{i}}} + W_x h_{{{i}-1}} + b)",
        r"h_{{{i}}} = \tanh(W_x x_{{{i}}} + b)",
    ],
    # Max pooling with the window's ranges left out (taken from the question's window).
    ("pool-q1.yaml", "d.formula"): [
        r"z_{{{i},{j},{k}}} = \max_{{{u},{v}}} x_{{2{i}+{u},2{j}+{v},{k}}}",
        r"z_{{{i},{j},{k}}} = \max_{{{u},{v}}} x_{{2{i}-1+{u},2{j}-1+{v},{k}}}",
        r"z_{{{i},{j},{k}}} = \max_{{{u},{v}}} x_{{{i}+{u},{j}+{v},{k}}}",
    ],
    # A projection with one token per column (X: E×N, Q: K×N).
    ("attn-columns-q1.yaml", "a.formula"): [
        r"q_{{{k},{i}}} = \sum_{{{l}=1}}^{{E}} w_{{{k},{l}}} x_{{{l},{i}}} + b_{{{k}}}",
        r"q_{{{k},{i}}} = \sum_{{{l}=1}}^{{E}} w_{{{k},{l},{i}}} x_{{{l},{i}}} + b_{{{k}}}",
    ],
}
MATRIX_FORMS = [
    "Y = XW",
    "Y = X W",
    r"Y = X \cdot W",
    "Y^T = W^T X^T",
    "Y = WX",
    "Y = X^T W",
    "Y = XW + b",
]

COLUMN_FORMS = ["Q = W_Q X + b_Q", "Q = W_Q X", "Q = XW_Q + b_Q", "Q^T = X^T W_Q^T + b_Q"]


def distinct_formulas() -> list[tuple[str, str, str]]:
    """(rubric file, item, formula), each distinct."""
    answers = []
    templates = [(("22-52-q4.yaml", item), t) for item, ts in TEMPLATES.items() for t in ts]
    templates += [(key, t) for key, ts in ARITHMETIC.items() for t in ts]
    for ((rubric, item_id), template), (i, j, k, l), (u, v) in itertools.product(
        templates, INDEX_NAMES, KERNEL
    ):
        text = template.format(i=i, j=j, k=k, l=l, u=u, v=v)
        if (rubric, item_id, text) not in answers:
            answers.append((rubric, item_id, text))
    answers += [("22-52-q4.yaml", "e.formula", text) for text in MATRIX_FORMS]
    answers += [("attn-columns-q1.yaml", "a.formula", text) for text in COLUMN_FORMS]
    return answers


def main() -> None:
    answers = distinct_formulas()
    rubrics = {name: load_rubric(ROOT / "rubrics" / name) for name, _, _ in answers}
    for name, item_id in {(name, item_id) for name, item_id, _ in answers}:
        item = rubrics[name].items[item_id]  # the references, as a run caches them
        grade_answer(rubrics[name], item, item.answer_text)
    timings: dict[str, list[float]] = {}
    verdicts: dict[str, int] = {}
    for name, item_id, text in answers:
        started = time.perf_counter()
        result = grade_answer(rubrics[name], rubrics[name].items[item_id], text)
        key = f"{name.removesuffix('.yaml')} {item_id}"
        timings.setdefault(key, []).append(time.perf_counter() - started)
        verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
    everything = [t for times in timings.values() for t in times]
    print(describe_machine())
    print(f"{len(answers)} distinct formulas; verdicts: {dict(sorted(verdicts.items()))}")
    print(f"{'item':<28} {'formulas':>8} {'median ms':>10} {'max ms':>8}")
    for key in sorted(timings):
        times = timings[key]
        print(
            f"{key:<28} {len(times):>8} {statistics.median(times) * 1000:>10.1f} "
            f"{max(times) * 1000:>8.1f}"
        )
    print(
        f"{'all':<28} {len(everything):>8} {statistics.median(everything) * 1000:>10.1f} "
        f"{max(everything) * 1000:>8.1f}"
    )
    print("target: median at most 20 ms per distinct formula")


if __name__ == "__main__":
    main()
