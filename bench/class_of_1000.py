"""Benchmark: grade a generated class of 1000 submissions with the real command line and all
reports (HTML pages, CSV, JSON, gradebook), cold and re-run.

Run from the repository root:

    .venv/bin/python bench/class_of_1000.py
    .venv/bin/python bench/class_of_1000.py --profile      # and where the time goes
    .venv/bin/python bench/class_of_1000.py --students 10000 --cold-only --own-words
                                                     # explanations in the students' own words
    nice .venv/bin/python bench/class_of_1000.py --students 50000 --keep /tmp/class-50k --cold-only
                                                     # memory at 50,000: the class is written
                                                     # once into the --keep folder and reused

It writes a class of submissions to 22-52-Q4 (rubrics/22-52-q4.yaml; ten items each) as YAML
files in a temporary folder. The answers are drawn with a seeded random generator (the same
class every time for the same --seed) from realistic variants: right answers in several
notations (LaTeX, Unicode, plain text, renamed indices), the seed students' mistakes
(submissions/22-52-q4/seed-student-*.yaml), typical mistakes (the count pairs of
bench/counts.py and wrong layers), now and then an unreadable, empty or absent answer, and
explanations of varying quality built sentence by sentence from lists of sentences, so that
most explanations are distinct as in a real class, though their sentences are not: 10,000
students write 64 distinct sentence texts, and the grader keeps what it read of a text. With
--own-words each explanation is then reworded as students write (`in_own_words`: synonyms,
clauses in another order, asides, fillers, slips, case), saying the same, so that nearly every
sentence text is distinct; all else is drawn the same. The header says how many distinct
sentence texts the class's explanations hold, both ways.

Then it runs, as a subprocess and with the default number of worker processes (one per core),
with Python's bytecode cache as an installed grader has it (see bench/machine.py):

    .venv/bin/grader grade DIR --rubric rubrics/22-52-q4.yaml --out OUTDIR

twice: cold, into a new output folder, and again into the same folder, where the gradebook
already holds every check. For each run it prints the wall time, submissions per second and
peak memory: the peak of the whole process tree (the grader and its workers), sampled from
/proc every 50 ms as the sum of resident sizes (shared pages counted in each) and every 250 ms
as proportional set size (shared pages split between the processes that share them: Linux
walks each process's memory to count it, which read every 50 ms took 12% of a core), and the largest
single process (ru_maxrss from wait4); "main" is the grader's own process alone. CPU s is
the user and system time of the grader and its workers (from wait4), which other load on the
machine does not inflate. A measured run that creates files starts at least 120 s after the
benchmark last deleted files, and once creating a file costs no more than 100 us of system
time (see `settle`: ext4 without a journal is slow to create files for minutes after
thousands were deleted). Issue 20's targets, printed at the end: at least 80% of the floor
and 1,000 submissions per second with all reports, and under 300 MB (tree PSS) at 50,000
students (`--students 50000 --cold-only`).

With --compare it then measures, side by side, the CPU time of each stage of the main
process's work on the class just graded (`--stage-rounds`, best of 3 by default, two
alternating processes per version): reading the submission files, storing the results in a
new gradebook and again unchanged, reading them back, rendering the pages; these are the
main process's share of a run, measured without the workers, the files or other load.

With --profile it also profiles a cold run in this process (`cProfile`, the same command line
as `grader.cli.main`, with --jobs 1 so that the checks run in a worker that is not profiled)
and then the checks themselves, every distinct answer of the class graded in this process as a
worker would, and prints the top lines of each by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from counts import PAIRS  # noqa: E402  the count answers and their truth
from machine import as_installed, describe_machine, version_folder  # noqa: E402

RUBRIC = ROOT / "rubrics" / "22-52-q4.yaml"
SEED_STUDENTS = sorted((ROOT / "submissions" / "22-52-q4").glob("seed-student-*.yaml"))
GRADER = ROOT / ".venv" / "bin" / "grader"
ITEMS = [
    "a.formula",
    "a.params",
    "b.formula",
    "b.params",
    "c.formula",
    "c.params",
    "d.formula",
    "d.params",
    "e.formula",
    "e.explanation",
]

# Index names students use: (i, j, k) for the output, l for the input channel, m, n for a
# fully connected layer's input position, u, v for a kernel offset.
INDEX_NAMES = [
    dict(i="i", j="j", k="k", l="l", m="m", n="n", u="u", v="v"),
    dict(i="i", j="j", k="k", l="c", m="p", n="q", u="a", v="b"),
    dict(i="p", j="q", k="d", l="c", m="s", n="t", u="u", v="v"),
    dict(i="x", j="y", k="o", l="c", m="m", n="n", u="s", v="t"),
]

# Formula answers: (weight, template). Right ones first, then mistakes, then unreadable ones.
FORMULAS: dict[str, list[tuple[float, str]]] = {
    "a.formula": [
        (
            14,
            r"y_{{{i},{j},{k}}} = \sum_{{{m}=1}}^{{P}}\sum_{{{n}=1}}^{{Q}}\sum_{{{l}=1}}^{{C}} w_{{{m},{n},{l},{i},{j},{k}}} x_{{{m},{n},{l}}} + b_{{{i},{j},{k}}}",
        ),
        (
            6,
            r"y[{i},{j},{k}] = sum_{{{m}=1}}^{{P}} sum_{{{n}=1}}^{{Q}} sum_{{{l}=1}}^{{C}} w[{m},{n},{l},{i},{j},{k}]*x[{m},{n},{l}] + b[{i},{j},{k}]",
        ),
        (
            5,
            r"y_{{{i}{j}{k}}} = Σ_{m} Σ_{n} Σ_{l} w_{{{m}{n}{l}{i}{j}{k}}} · x_{{{m}{n}{l}}} + b_{{{i}{j}{k}}}",
        ),
        (
            8,
            r"y_{{ijk}} = \sum_{{l=1}}^C \sum_{{m=1}}^P \sum_{{n=1}}^P W_{{mnlk}} X_{{ijl}} + b_{{ijk}} (1 \leq k \leq D)",
        ),
        (6, r"y_{{ijk}} = \sum_{{n=1}}^C W_{{kn}} \cdot x_{{ijn}}"),
        (
            5,
            r"y_{{{i},{j},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{j},{l}}} + b_{{{k}}}",
        ),
        (
            5,
            r"y_{{{i},{j},{k}}} = \sum_{{{m}=1}}^{{P}}\sum_{{{n}=1}}^{{Q}}\sum_{{{l}=1}}^{{C}} w_{{{m},{n},{l},{i},{j},{k}}} x_{{{m},{n},{l}}}",
        ),
        (1, r"y = Wx + b"),
        (1, r"y_{{{i},{j},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{j},{l}"),
    ],
    "b.formula": [
        (
            14,
            r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},{l}}} + b_{{{k}}}",
        ),
        (
            8,
            r"y_{{i,j,k}} = \sum_{{u=-1}}^1 \sum_{{v=-1}}^1 \sum_{{l=1}}^C w_{{u,v,l,k}} x_{{i-u,j-v,l}} + b_k",
        ),
        (
            5,
            r"y_{{{i},{j},{k}}} = \sum_{{{u}=1}}^{{3}}\sum_{{{v}=1}}^{{3}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}}\, x_{{{i}+{u}-2,{j}+{v}-2,{l}}} + b_{{{k}}}",
        ),
        (
            4,
            r"y_{{{i},{j},{k}}} = Σ_{{{u}=-1}}^{{1}} Σ_{{{v}=-1}}^{{1}} Σ_{l} w_{{{u},{v},{l},{k}}} · x_{{{i}+{u},{j}+{v},{l}}} + b_{{{k}}}",
        ),
        (
            6,
            r"y_{{ijk}} = \sum_{{n=1}}^C \sum_{{p=1}}^P \sum_{{q=1}}^Q W_{{pqn}} x_{{i-p, j-q, n}}",
        ),
        (
            4,
            r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},{l}}}",
        ),
        (
            2,
            r"y_{{{i},{j},{k}}} = \sum_{{{u}=-2}}^{{2}}\sum_{{{v}=-2}}^{{2}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},{l}}} + b_{{{k}}}",
        ),
        (
            2,
            r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l}}} x_{{{i}+{u},{j}+{v},{l}}} + b_{{{k}}}",
        ),
        (
            1,
            r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}} w_{{{u},{v}}} x_{{{i}+{u},{j}+{v},{l}",
        ),
    ],
    "c.formula": [
        (
            16,
            r"y_{{{i},{j},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{j},{l}}} + b_{{{k}}}",
        ),
        (6, r"y[{i},{j},{k}] = sum_{{{l}=1}}^{{C}} w[{l},{k}]*x[{i},{j},{l}] + b[{k}]"),
        (4, r"y_{{{i}{j}{k}}} = Σ_{l} W_{{{k}{l}}} · x_{{{i}{j}{l}}} + b_{{{k}}}"),
        (6, r"y_{{ijk}} = \sum_{{n=1}}^C W_{{kn}} \cdot x_{{ijn}}"),
        (
            3,
            r"y_{{{i},{j},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{i},{j},{l},{k}}} x_{{{i},{j},{l}}} + b_{{{k}}}",
        ),
        (
            2,
            r"y_{{{i},{j},{k}}} = \sum_{{{u}=-1}}^{{1}}\sum_{{{v}=-1}}^{{1}}\sum_{{{l}=1}}^{{C}} w_{{{u},{v},{l},{k}}} x_{{{i}+{u},{j}+{v},{l}}} + b_{{{k}}}",
        ),
        (1, r"y = w x + b"),
    ],
    "d.formula": [
        (16, r"y_{{{i},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{l}}}"),
        (5, r"y_{{{i},{k}}} = Σ_{l} w_{{{l},{k}}} x_{{{i},{l}}}"),
        (3, r"y[{i},{k}] = sum_{{{l}=1}}^{{C}} w[{l},{k}]*x[{i},{l}]"),
        (5, r"y_{{{i},{k}}} = \sum_{{{l}=1}}^{{C}} w_{{{l},{k}}} x_{{{i},{l}}} + b_{{{k}}}"),
        (4, r"y_{{ijk}} = \sum_{{n=1}}^C W_{{kn}} \cdot x_{{ijn}}"),
        (
            2,
            r"y_{{{i},{k}}} = \sum_{{{j}=1}}^{{PQ}}\sum_{{{l}=1}}^{{C}} w_{{{j},{l},{k}}} x_{{{j},{l}}}",
        ),
        (1, r"y_{{{i},{k}}} = W^T x_{i}"),
    ],
    "e.formula": [
        (20, "Y = XW"),
        (4, "Y = X W"),
        (4, r"Y = X \cdot W"),
        (3, r"$Y = XW$"),
        (2, "Y^T = W^T X^T"),
        (4, "Y = WX"),
        (3, "Y = XW + b"),
        (1, "Y = W^T X"),
        (1, "Y = X^T W"),
    ],
}

# Counts: the pairs of bench/counts.py, right and wrong, plus answers that cannot be read.
UNREADABLE_COUNTS = {
    "a.params": ["P2Q2CD + PQD", "PQC·PQD + PQD)", "(PQC)(PQD + PQD", "fully connected"],
    "b.params": ["9CD + D biases", "(9C + 1)D)", "idk", "3x3xCxD + D"],
    "c.params": ["CD + D biases", "C D + D)", "1x1xCxD + D"],
    "d.params": ["C × D weights", "CD)", "no bias so CD"],
}

# Explanations, built sentence by sentence: each concept of the rubric said in several ways.
POSITION_WISE = [
    "A 1x1 convolution applies the same weights at every pixel.",
    "Y = XW is a position-wise linear layer.",
    "The same matrix W is shared by all PQ positions.",
    "It is the same linear map at each location, a pointwise dense layer.",
    "The weights are shared across positions, so it is a per-position linear transformation.",
    "Every pixel is transformed by one common weight matrix, like a token-wise linear layer.",
]
TOKENS_CHANNELS = [
    "Pixels are like tokens and channels are like the embedding dimension.",
    "If we see the PQ positions as tokens, the channels play the role of the embedding dimension.",
    "Each position corresponds to a token and the channels correspond to the hidden features.",
    "Treat pixels as tokens; the C channels are then the embedding dimension.",
]
PROJECTIONS = [
    "This is exactly the Q = XW_Q projection of a Transformer.",
    "Transformers use the same linear projections for queries, keys and values, e.g. K = XW_K.",
    "The feed-forward layer of a Transformer is the same operation.",
    "In a Transformer the value projection V = XW_V is this layer.",
]
MIXING = [
    "Attention mixes all positions with data-dependent weights, while a convolution uses fixed local weights.",
    "The difference is that attention combines all tokens with input-dependent weights, whereas convolution is local.",
    "Attention aggregates information from all positions dynamically; a convolution has a fixed receptive field.",
]
VAGUE = [
    "Both architectures apply matrix multiplications to process input.",
    "CNNs and Transformers are related.",
    "Both use learnable weights.",
    "So they are similar in some way.",
    "This shows the connection between the two models.",
]
WRONG = [
    "CNNs and Transformers are unrelated architectures.",
    "The 1x1 convolution uses different weights for each position, like a linear layer applied to each token.",
    "Channels play the role of tokens and pixels the role of the embedding dimension.",
    "A CNN cannot be written as a matrix product, unlike a Transformer.",
]
KEYWORDS = [
    "token pixel channel embedding transformer linear",
    "weights shared, tokens, attention",
    "linear layer; tokens = pixels",
]


def seed_answers() -> dict[str, list[str]]:
    """Every answer the seed students wrote, by item id."""
    answers: dict[str, list[str]] = {}
    for path in SEED_STUDENTS:
        data = yaml.safe_load(path.read_text("utf-8"))
        for part, items in data["answers"].items():
            for name, text in items.items():
                answers.setdefault(f"{part}.{name}", []).append(str(text))
    return answers


def explanation(rng: random.Random, seeds: list[str]) -> str:
    quality = rng.choices(
        ["excellent", "good", "weak", "vague", "wrong", "keywords", "seed"],
        weights=[15, 30, 25, 10, 8, 4, 8],
    )[0]
    if quality == "seed":
        return rng.choice(seeds)
    if quality == "keywords":
        return rng.choice(KEYWORDS)
    concepts = [POSITION_WISE, TOKENS_CHANNELS, PROJECTIONS, MIXING]
    if quality == "excellent":
        chosen = concepts
    elif quality == "good":
        chosen = rng.sample(concepts, rng.choice([2, 3]))
    elif quality == "weak":
        chosen = rng.sample(concepts, 1) + [VAGUE]
    elif quality == "vague":
        chosen = rng.sample([VAGUE, VAGUE, WRONG[:1]], 2)
    else:
        chosen = [WRONG] + rng.sample(concepts + [VAGUE], 1)
    sentences = [rng.choice(group) for group in chosen]
    if rng.random() < 0.3:
        sentences.insert(0, rng.choice(VAGUE))
    return " ".join(dict.fromkeys(sentences))


# --- Explanations in the students' own words (--own-words) ------------------------------------

# `explanation` draws whole sentences from the lists above: a class of 10,000 writes 64
# distinct sentence texts, and the grader, which keeps what it read of a text, reads each one
# once. With --own-words each explanation so drawn is then reworded as students write, from a
# random generator of its own (`wording_generator`: the class's other draws stay the same):
# synonyms, clauses in another order, asides, now and then a filler sentence, a spelling slip,
# a small letter at a sentence's start. Each change keeps what the sentence says: a synonym is
# one the rubric's concept lists beside the word (weights and parameters; pixel, position and
# location), a clause moves only where the sentence means the same, and a slip falls only on a
# word that no pattern of the rubric and nothing the text reader looks for is made of.

# A phrase and what a student may write for it (the phrase among them). Where two phrases
# begin at the same place, the first listed is used; words are whole ("position" is not the
# start of "position-wise"). Lower case where a sentence may begin with it: a sentence's first
# letter is lowered before, and its case chosen after (`_reworded`).
SYNONYMS: dict[str, list[str]] = {
    "transformer:": ["transformer:", "Transformer:", "in a Transformer:", "for a Transformer:",
                     "Transformers:"],
    "tokens embedded with position": ["tokens embedded with position",
                                      "tokens embedded with their position",
                                      "the tokens embedded with position",
                                      "tokens with position embedded"],
    "pixels of all channels": ["pixels of all channels", "pixels with all their channels",
                               "the pixels of all channels", "pixels over all channels"],
    "Q = XW_Q, K = XW_K, V = XW_V": ["Q = XW_Q, K = XW_K, V = XW_V",
                                     "Q = XW_Q, K = XW_K and V = XW_V",
                                     "Q = XW_Q, K = XW_K, and V = XW_V"],
    "~": ["~", "~", "↔", "<->", "="],
    "the Q = XW_Q projection": ["the Q = XW_Q projection", "the query projection Q = XW_Q",
                                "the projection Q = XW_Q", "the Q = XW_Q query projection"],
    "of a Transformer": ["of a Transformer", "of a transformer", "in a Transformer",
                         "in Transformers", "of the Transformer", "used in a Transformer"],
    "in a Transformer": ["in a Transformer", "in a transformer", "in Transformers",
                         "in the Transformer"],
    "use the same": ["use the same", "apply the same", "rely on the same", "use exactly the same"],
    "for queries, keys and values": ["for queries, keys and values",
                                     "for the queries, keys and values",
                                     "for queries, keys, and values",
                                     "for the queries, the keys and the values"],
    "the same weights": ["the same weights", "the same parameters", "shared weights",
                         "identical weights", "one shared set of weights",
                         "the same weight matrix"],
    "one common weight matrix": ["one common weight matrix", "one shared weight matrix",
                                 "the same weight matrix", "one common matrix of parameters"],
    "the same linear map": ["the same linear map", "the same linear transformation",
                            "one shared linear map", "an identical linear map"],
    "weights are shared": ["weights are shared", "parameters are shared", "weights are the same",
                           "weights are identical"],
    "is shared by": ["is shared by", "is used by", "is reused by", "is common to"],
    "fixed local weights": ["fixed local weights", "fixed, local weights", "local, fixed weights",
                            "fixed local kernels", "fixed local filters"],
    "fixed receptive field": ["fixed receptive field", "fixed, local receptive field",
                              "small fixed receptive field", "fixed local window"],
    "convolution is local": ["convolution is local", "a convolution is local",
                             "a CNN only looks at a local window", "conv stays local",
                             "convolution is only local"],
    "at every pixel": ["at every pixel", "at each pixel", "at every position", "at each location",
                       "at every spatial position", "for every pixel", "to every pixel"],
    "at each location": ["at each location", "at every location", "at each position",
                         "at every pixel", "for each position"],
    "across positions": ["across positions", "across all positions", "across locations",
                         "across pixels", "over all positions"],
    "all PQ positions": ["all PQ positions", "all the PQ positions", "all positions",
                         "every one of the PQ positions", "all PQ pixels", "all P Q locations"],
    "position-wise": ["position-wise", "positionwise", "pointwise", "per-position", "token-wise"],
    "per-position": ["per-position", "position-wise", "pointwise"],
    "pointwise": ["pointwise", "point-wise", "position-wise"],
    "linear transformation": ["linear transformation", "linear map", "linear layer"],
    "linear layer": ["linear layer", "dense layer", "linear map", "fully connected layer"],
    "linear projections": ["linear projections", "projections", "linear maps",
                           "projection matrices"],
    "feed-forward layer": ["feed-forward layer", "feedforward layer", "FFN", "MLP block",
                           "feed-forward network"],
    "play the role of the embedding dimension": [
        "play the role of the embedding dimension", "act as the embedding dimension",
        "correspond to the embedding dimension", "are the embedding dimension",
        "play the role of the embedding size"],
    "are like": ["are like", "play the role of", "correspond to", "act as", "are analogous to"],
    "corresponds to": ["corresponds to", "is like", "plays the role of", "acts as"],
    "correspond to": ["correspond to", "are like", "play the role of", "act as"],
    "embedding dimension": ["embedding dimension", "embedding size", "embedding dim",
                            "embedding vector", "embedding dimensions"],
    "hidden features": ["hidden features", "features", "hidden dimensions", "feature dimension"],
    "if we see": ["if we see", "if we view", "if we think of", "if you treat", "if we regard"],
    "treat": ["treat", "think of", "view", "regard"],
    "pixels": ["pixels", "positions", "locations", "spatial positions"],
    "pixel": ["pixel", "position", "location", "spatial position"],
    "positions": ["positions", "locations", "pixels"],
    "position": ["position", "location", "pixel"],
    "weight matrix": ["weight matrix", "parameter matrix", "matrix of weights"],
    "weights": ["weights", "parameters"],
    "mixes": ["mixes", "combines", "aggregates"],
    "combines": ["combines", "mixes", "aggregates"],
    "data-dependent": ["data-dependent", "input-dependent", "content-dependent"],
    "input-dependent": ["input-dependent", "data-dependent", "content-dependent"],
    "dynamically": ["dynamically", "in a data-dependent way", "depending on the input"],
    "transformers": ["transformers", "Transformers", "Transformer models"],
    "Transformers": ["Transformers", "transformers", "Transformer models"],
    "Transformer": ["Transformer", "transformer"],
    "a convolution": ["a convolution", "a conv", "a CNN", "convolution"],
    "a 1x1 convolution": ["a 1x1 convolution", "a 1x1 conv", "the 1x1 convolution"],
    "architectures": ["architectures", "models", "networks"],
    "exactly": ["exactly", "precisely", "really", "just"],
    "matrix multiplications": ["matrix multiplications", "matrix products",
                               "matrix multiplication"],
    "process input": ["process input", "process their input", "process the input",
                      "transform inputs"],
    "unrelated architectures": ["unrelated architectures", "unrelated models",
                                "totally unrelated architectures", "unrelated networks",
                                "completely unrelated models", "two unrelated architectures"],
    "similar in some way": ["similar in some way", "somehow similar", "alike in some way",
                            "kind of similar"],
    "connection": ["connection", "link", "relation", "relationship"],
    "learnable": ["learnable", "trainable", "learned"],
    "operation": ["operation", "computation", "thing"],
    "applies": ["applies", "uses"],
    "is transformed by": ["is transformed by", "is multiplied by", "goes through"],
    "e.g.": ["e.g.", "for example", "for instance", "say", "like", "such as"],
    "x_1 ... x_P": ["x_1 ... x_P", "x_1 … x_P", "x_1, …, x_P", "x_1, x_2, …, x_P"],
    "x_1 ... x_N": ["x_1 ... x_N", "x_1 … x_N", "x_1, …, x_N", "x_1, x_2, …, x_N"],
    "the value projection": ["the value projection", "the projection of the values",
                             "the values' projection", "the value projection matrix"],
    "is this layer": ["is this layer", "is exactly this layer", "is the same layer",
                      "is this kind of layer", "is the same as this layer"],
    "it is similar to": ["it is similar to", "it is like", "it resembles", "it is much like",
                         "it is quite similar to"],
    "used in": ["used in", "of", "in", "found in"],
    "are transformed via": ["are transformed via", "are transformed by", "are multiplied by",
                            "go through"],
    "weight matrices": ["weight matrices", "parameter matrices", "matrices of weights"],
    "cannot be written as": ["cannot be written as", "cannot be expressed as",
                             "cannot be seen as", "can not be written as"],
    "a matrix product": ["a matrix product", "a product of matrices", "a matrix multiplication",
                         "one matrix product"],
    "both architectures": ["both architectures", "both models", "the two architectures",
                           "both of them", "CNNs and Transformers both"],
    "apply": ["apply", "use", "rely on", "are built on"],
    "both use": ["both use", "both models use", "both of them use", "the two models use",
                 "both networks have", "both rely on", "both contain"],
    "so they are": ["so they are", "therefore they are", "so the two are", "thus they are",
                    "so both are", "in the end they are"],
    "this shows": ["this shows", "this illustrates", "this demonstrates", "this reveals",
                   "we can see", "this is"],
    "the two models": ["the two models", "both models", "the two architectures",
                       "these two models", "the two"],
    "are related": ["are related", "are closely related", "are connected", "are linked",
                    "are closely linked", "are similar", "are related to each other"],
}  # fmt: skip
_PHRASE = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(phrase) for phrase in SYNONYMS) + r")(?![\w-])"
)

# A sentence's clauses in another order, saying the same: (the sentence, its other orders),
# each `{1}`, `{2}` … a clause of the sentence (`_clause` puts its first letter in the case
# of its new place). The lists above are the sentences these are written for.
REORDERINGS: list[tuple[str, list[str]]] = [
    (r"(Attention .+), (while|whereas) (a convolution .+)",
     ["{3}, {2} {1}", "{2} {3}, {1}"]),
    (r"(Attention .+); (a convolution .+)",
     ["{2}; {1}", "{1}, while {2}", "{2}, while {1}"]),
    (r"The difference is that (attention .+), whereas (convolution .+)",
     ["The difference is that {2}, whereas {1}", "{1}, whereas {2}"]),
    (r"(.+), so (it is .+)", ["Since {1}, {2}", "As {1}, {2}"]),
    (r"If (.+?), (.+)", ["{2} if {1}"]),
    (r"In a Transformer (.+)", ["{1} in a Transformer", "In a Transformer, {1}"]),
    (r"(.+), like (an? .+)", ["Like {2}, {1}"]),
    (r"(.+? (?:are like|corresponds to) .+?) and (the channels .+|channels .+)",
     ["{2} and {1}", "{1}, and {2}", "{1}; {2}"]),
    (r"The same (.+?) is shared by all (.+)", ["All {2} share the same {1}",
                                               "All {2} use the same {1}"]),
    (r"(.+?) (at (?:every|each) \w+)", ["{2}, {1}"]),
    (r"It is (the same linear map at each location), (a pointwise dense layer)",
     ["It is {2}, {1}"]),
    (r"(CNNs) and (Transformers) (are .+)", ["{2} and {1} {3}"]),
    (r"(A CNN cannot .+), (unlike a Transformer)", ["{2}, {1}"]),
    (r"This is (exactly )?(the .+ projection of a Transformer)", ["{2} is {1}this"]),
    (r"The feed-forward layer of a Transformer (is the same operation)",
     ["A Transformer's feed-forward layer {1}",
      "It is the same operation as the feed-forward layer of a Transformer"]),
]  # fmt: skip
_REORDERINGS = [(re.compile(pattern + r"\.$"), orders) for pattern, orders in REORDERINGS]
REORDERED = 0.5  # how often a sentence that can be reordered is

# Asides: before a sentence (its first letter then lowered) or before its full stop.
ASIDES_BEFORE = [
    "I think", "I think that", "basically,", "basically", "in short,", "essentially,",
    "in my opinion,", "simply put,", "as we saw in class,", "roughly speaking,", "note that",
    "I believe", "so,", "well,", "also,", "in other words,", "to put it simply,",
    "if I understand correctly,", "as far as I can tell,", "first of all,", "importantly,",
    "in summary,", "intuitively,",
]  # fmt: skip
ASIDES_AFTER = [
    " (see part d)", " (see part c)", " (as in part d)", ", I think", ", basically",
    ", as far as I know", " (see the formula above)", ", if I remember correctly", " (I think)",
    ", as in the lecture", " here", " in this case", " (part d)", ", in my view",
    ", as explained above", ", roughly", " in practice", " (see above)", ", at least here",
]  # fmt: skip
ASIDE_BEFORE, ASIDE_AFTER = 0.3, 0.25
# An adverb after a sentence's first "is" or "are", now and then.
ADVERBS = ["really", "clearly", "basically", "essentially", "in fact", "indeed", "kind of",
           "simply", "actually", "obviously"]  # fmt: skip
ADVERB = 0.3
_FIRST_COPULA = re.compile(r"(?<![\w-])(is|are)(?![\w-])")

FILLERS = [
    "Hope this makes sense.", "This was a hard question.", "See my formula in part d.",
    "We saw this in the lecture.", "That is the main idea.", "Let me explain.",
    "Here is how I see it.", "This took me a while to see.", "I will try to explain below.",
    "This follows from the formulas above.", "The formula in part d shows this.",
    "I hope this is what the question asks.",
]  # fmt: skip
FILLER_OPENINGS = ["", "anyway, ", "overall, ", "OK so ", "well, ", "also, ", "to be honest, "]
FILLER = 0.12  # how often an explanation has a filler sentence
# A filler only in an explanation shorter than this: one of more than 60 words of which few
# match goes to review (`LONG_ANSWER_WORDS`), as the filler alone would then make a seed's do.
FILLED_WORDS = 40
# Words a slip may fall on: none is, or begins, a word of the rubric's explanation item's
# patterns, and none is a word the text reader looks for (negations, denials, comparisons,
# analogies, attributions such as "think").
_SLIPPABLE_LIST = """
    applies information architectures multiplications process learnable trainable
    connection between similar exactly precisely operation computation difference explain
    question lecture models networks essentially basically opinion remember formula formulas
    product products relationship honest overall anyway simply speaking roughly makes sense
    hope
"""
SLIPPABLE = frozenset(_SLIPPABLE_LIST.split())
SLIP = 0.08  # how often a sentence has a slip (where it has a word for one)
LOWER_START = 0.2  # how often a sentence begins with a small letter
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])(?<!e\.g\.)(?<!\.\.\.)\s+")  # not "e.g. K", "x_1 ... x_P"
_LIST_MARKER = re.compile(r"(\(\d\)\s*)?(.*)", re.DOTALL)
_REFERRING_BACK = re.compile(r"(?:it|its|they|their|these|those)\b", re.IGNORECASE)
_KEYWORD_SEPARATORS = [" ", ", ", "; ", " / ", ", "]


OWN_WORDS = "in the students' own words"


def wording_generator(seed: int) -> random.Random:
    """The random generator that rewords a class's explanations (--own-words), apart from the
    class's own: the same seed draws the same class with or without the option."""
    return random.Random(f"{seed} in the students' own words")


def in_own_words(text: str, rng: random.Random) -> str:
    """An explanation drawn by `explanation`, reworded sentence by sentence as a student would
    write it, saying the same (see `SYNONYMS`); a list of keywords stays a list of keywords."""
    if text in KEYWORDS:
        return _keywords_reworded(text, rng)
    sentences = [_reworded(sentence, rng) for sentence in _SENTENCE_BREAK.split(text.strip())]
    if rng.random() < FILLER and len(text.split()) < FILLED_WORDS:
        opening, filler = rng.choice(FILLER_OPENINGS), rng.choice(FILLERS)
        filler = opening + (_lowered_start(filler) if opening else filler)
        sentences.insert(rng.randrange(len(sentences) + 1), _reworded(filler, rng))
    return " ".join(sentences)


def _reworded(sentence: str, rng: random.Random) -> str:
    marker, body = _LIST_MARKER.match(sentence).groups()  # "(1) …" keeps its "(1)" first
    body = _lowered_start(_reordered(body, rng))
    body = _PHRASE.sub(lambda m: rng.choice(SYNONYMS[m.group(0)]), body)
    if rng.random() < ADVERB:
        body = _FIRST_COPULA.sub(lambda m: f"{m.group(0)} {rng.choice(ADVERBS)}", body, count=1)
    body = _with_aside(body, rng)
    body = _with_slip(body, rng)
    if rng.random() >= LOWER_START:
        body = body[:1].upper() + body[1:]
    return (marker or "") + body


def _reordered(sentence: str, rng: random.Random) -> str:
    for pattern, orders in _REORDERINGS:
        found = pattern.match(sentence)
        if found:
            if rng.random() >= REORDERED:
                return sentence
            return _in_order(rng.choice(orders), found)
    return sentence


def _in_order(order: str, found: re.Match) -> str:
    """The sentence `order` writes with the clauses `found`, each with its first letter lowered
    unless it begins the sentence."""
    clauses = ["", *(found.group(i) or "" for i in range(1, found.re.groups + 1))]
    placed = re.sub(
        r"\{(\d)\}",
        lambda m: clauses[int(m[1])] if m.start() == 0 else _lowered_start(clauses[int(m[1])]),
        order,
    )
    return placed[:1].upper() + placed[1:] + "."


def _lowered_start(text: str) -> str:
    """The text with its first letter lowered where its first word is an ordinary one ("A",
    "Pixels"; not "I", "CNNs", "Y", "PQ")."""
    first = text.split(" ", 1)[0]
    ordinary = first == "A" or (len(first) > 1 and first.isalpha() and first[1:].islower())
    return text[:1].lower() + text[1:] if ordinary else text


def _with_aside(sentence: str, rng: random.Random) -> str:
    """An aside before the sentence or before its full stop, now and then; none before a
    sentence that begins with "it", "they" …, which the grader reads as speaking of the
    subject of the sentence before."""
    roll = rng.random()
    if roll < ASIDE_BEFORE and not _REFERRING_BACK.match(sentence):
        return f"{rng.choice(ASIDES_BEFORE)} {_lowered_start(sentence)}"
    if roll < ASIDE_BEFORE + ASIDE_AFTER and re.search(r"[a-z]\.$", sentence):
        return sentence[:-1] + rng.choice(ASIDES_AFTER) + sentence[-1]
    return sentence


def _with_slip(sentence: str, rng: random.Random) -> str:
    """A slip of the keyboard in one word of `SLIPPABLE`, now and then: two letters swapped, one
    left out or one doubled."""
    words = [m for m in re.finditer(r"[A-Za-z]+", sentence) if m.group(0).lower() in SLIPPABLE]
    if not words or rng.random() >= SLIP:
        return sentence
    word = rng.choice(words)
    text, at = word.group(0), rng.randrange(1, len(word.group(0)) - 2)
    slipped = rng.choice(
        [
            text[:at] + text[at + 1] + text[at] + text[at + 2 :],
            text[:at] + text[at + 1 :],
            text[:at] + text[at] + text[at:],
        ]
    )
    return sentence[: word.start()] + slipped + sentence[word.end() :]


def _keywords_reworded(text: str, rng: random.Random) -> str:
    """A list of keywords in another order, with other separators."""
    terms = re.split(r"[,;]\s*", text) if re.search(r"[,;]", text) else text.split()
    rng.shuffle(terms)
    return rng.choice(_KEYWORD_SEPARATORS).join(terms)


def count_answer(rng: random.Random, item_id: str, seeds: list[str]) -> str:
    pairs = [pair for pair in PAIRS if pair.item_id == item_id]
    kind = rng.choices(
        ["right", "seed", "mistake", "case", "unreadable"], weights=[62, 10, 22, 2, 4]
    )[0]
    if kind == "seed":
        return rng.choice(seeds)
    if kind == "unreadable":
        return rng.choice(UNREADABLE_COUNTS[item_id])
    if kind == "right":
        # the plain spellings are the common ones
        right = [pair for pair in pairs if pair.equivalent]
        weights = [3 if pair.notation == "plain" else 1 for pair in right]
        return rng.choices(right, weights=weights)[0].answer
    return rng.choice([pair for pair in pairs if pair.kind == kind]).answer


def formula_answer(rng: random.Random, item_id: str) -> str:
    variants = FORMULAS[item_id]
    template = rng.choices([t for _, t in variants], weights=[w for w, _ in variants])[0]
    return template.format(**rng.choice(INDEX_NAMES))


def submission(
    rng: random.Random,
    number: int,
    seeds: dict[str, list[str]],
    wording: random.Random | None = None,
) -> dict:
    """A student's submission; with `wording` (`wording_generator`), the explanation in the
    student's own words (`in_own_words`), drawn from it and not from `rng`."""
    answers: dict[str, dict[str, str]] = {}
    for item_id in ITEMS:
        part, name = item_id.split(".")
        roll = rng.random()
        if roll < 0.03:
            continue  # not answered at all
        if roll < 0.05:
            text = ""  # answered with nothing
        elif item_id == "e.explanation":
            text = explanation(rng, seeds["e.explanation"])
            if wording is not None:
                text = in_own_words(text, wording)
        elif item_id.endswith(".params"):
            text = count_answer(rng, item_id, seeds.get(item_id, []) or ["CD"])
        else:
            text = formula_answer(rng, item_id)
        answers.setdefault(part, {})[name] = text
    return {"student": f"student-{number:04d}", "question": "22-52-Q4", "answers": answers}


def distinct_submission(
    rng: random.Random,
    number: int,
    seeds: dict[str, list[str]],
    wording: random.Random | None = None,
) -> dict:
    """A submission whose formulas and counts no other student of the class writes (each
    carries the student's number), so that every one of them must be checked."""
    data = submission(rng, number, seeds, wording)
    k = number + 1
    data["answers"] = {
        "a": {
            "params": f"{k}PQCD + PQD",
            "formula": f"y_{{i,j,k}} = \\sum_{{l=1}}^{{C}} {k} w_{{i,j,k,l}} x_{{i,j,l}} + b_{{k}}",
        },
        "b": {
            "params": f"9CD + {k}D",
            "formula": f"y_{{i,j,k}} = \\sum_{{l=1}}^{{C}} {k} w_{{l,k}} x_{{i,j,l}} + b_{{k}}",
        },
        "c": {"params": f"{k}CD + D", "formula": f"y_{{i,j,k}} = {k} x_{{i,j,k}} + b_{{k}}"},
        "d": {
            "params": f"{k}CD",
            "formula": f"y_{{i,k}} = \\sum_{{l=1}}^{{C}} {k} w_{{l,k}} x_{{i,l}}",
        },
        "e": {
            "formula": f"y_{{i,k}} = {k} x_{{i,k}}",
            "explanation": data["answers"].get("e", {}).get("explanation", ""),
        },
    }
    return data


def varied_submission(
    rng: random.Random,
    number: int,
    seeds: dict[str, list[str]],
    wording: random.Random | None = None,
) -> dict:
    """A submission whose formulas and counts no other student writes, drawn as the class's
    are (right and wrong, in every notation and naming of indices) and then made distinct by
    the student's number as a factor: of the right-hand side of a formula, of the whole of a
    count. Unlike `distinct_submission`, whose formulas all share one shape per item, these
    vary in shape as a real class's distinct answers do, so that what a check remembers of a
    shape helps only where the class repeats one."""
    data = submission(rng, number, seeds, wording)
    k = number + 1
    for items in data["answers"].values():
        for name, text in items.items():
            if not text or name == "explanation":
                continue
            if name == "params":
                items[name] = f"{k}({text})"
            else:
                left, equals, right = text.partition("=")
                items[name] = f"{left}= {k} {right.lstrip()}" if equals else f"{k} {text}"
    return data


DISTINCT = {"factor": distinct_submission, "varied": varied_submission}


def class_submissions(
    students: int, seed: int, distinct: str | None = None, own_words: bool = False
) -> Iterator[dict]:
    """The class's submissions, in order. `distinct`: None (the class as drawn), "factor"
    (`distinct_submission`) or "varied" (`varied_submission`); `own_words`: explanations in
    the students' own words (`in_own_words`), all else the same."""
    rng = random.Random(seed)
    seeds = seed_answers()
    wording = wording_generator(seed) if own_words else None
    make = DISTINCT[distinct] if distinct else submission
    for number in range(1, students + 1):
        yield make(rng, number, seeds, wording)


def write_class(
    folder: Path, students: int, seed: int, distinct: str | None = None, own_words: bool = False
) -> None:
    """The class of `class_submissions`, one YAML file a student."""
    for number, data in enumerate(class_submissions(students, seed, distinct, own_words), 1):
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        (folder / f"student-{number:04d}.yaml").write_text(text, "utf-8")


def class_explanations(students: int, seed: int, own_words: bool = False) -> list[str]:
    """The class's distinct, non-empty explanations, in the order it first writes them."""
    texts = (
        data["answers"].get("e", {}).get("explanation")
        for data in class_submissions(students, seed, own_words=own_words)
    )
    return [text for text in dict.fromkeys(texts) if text]


def sentence_texts(explanations: list[str]) -> tuple[int, int]:
    """How many sentences the explanations hold, and how many distinct texts, as the grader's
    text reader splits them (`sentences`: the texts it keeps what it read of)."""
    from grader.kinds.text.concepts import sentences

    texts = [sentence.text for text in explanations for sentence in sentences(text)]
    return len(texts), len(set(texts))


def describe_explanations(students: int, seed: int, own_words: bool) -> str:
    """How many distinct sentence texts the class's explanations hold, drawn from the lists and
    in the students' own words, marking the class's (a grader that keeps what it read of a
    text reads each distinct text once)."""
    lines = ["explanations, as the grader's text reader splits them into sentences:"]
    for own in (False, True):
        texts = class_explanations(students, seed, own)
        sentences, distinct = sentence_texts(texts)
        lines.append(
            f"  {OWN_WORDS if own else 'drawn from the sentence lists'}: "
            f"{len(texts)} distinct explanations, {sentences} sentences, {distinct} distinct "
            f"sentence texts ({distinct / max(sentences, 1):.0%})"
            + ("  <- this class" if own == own_words else "")
        )
    return "\n".join(lines)


# --- Measuring -------------------------------------------------------------------------------


# Linux keeps each thread's list of children where built with CONFIG_PROC_CHILDREN
CHILDREN_LISTS = Path(f"/proc/self/task/{os.getpid()}/children").exists()


def _descendants(root: int) -> list[int]:
    """`root` and every process below it: from each process's lists of children where Linux
    keeps them (cheap: the sampler must not take much of the grader's CPU), else from all of
    /proc."""
    if not CHILDREN_LISTS:
        return _descendants_from_all(root)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.scandir(f"/proc/{pid}/task"):
                todo.extend(int(child) for child in Path(task.path, "children").read_text().split())
        except OSError:
            pass  # it ended meanwhile
    return found


def _descendants_from_all(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _resident_kb(pid: int) -> int:
    """The resident set size of one process, in kB (from statm: cheap); 0 if it is gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _proportional_kb(pid: int) -> int:
    """The proportional set size of one process, in kB; 0 if it is gone. Costly: Linux walks
    the process's memory for it, 1.2 ms for one of 150 MB here (2026-12-06)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the memory of a process and all its descendants until stopped; keeps the peak.
    Resident sizes every `interval`, proportional ones every `pss_every` samples: read every
    50 ms, they took 12% of a core, which on two cores the grader's run paid for."""

    def __init__(self, root: int, interval: float = 0.05, pss_every: int = 5):
        self.root, self.interval, self.pss_every = root, interval, pss_every
        self.peak_pss_kb = self.peak_rss_kb = self.peak_processes = 0
        self.main_pss_kb = self.main_rss_kb = 0  # the peaks of the root process alone
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        samples = 0
        while not self._stop.is_set():
            pids = _descendants(self.root)
            resident = [_resident_kb(pid) for pid in pids]
            self.main_rss_kb = max(self.main_rss_kb, resident[0])
            self.peak_rss_kb = max(self.peak_rss_kb, sum(resident))
            self.peak_processes = max(self.peak_processes, len(pids))
            if samples % self.pss_every == 0:
                proportional = [_proportional_kb(pid) for pid in pids]
                self.main_pss_kb = max(self.main_pss_kb, proportional[0])
                self.peak_pss_kb = max(self.peak_pss_kb, sum(proportional))
            samples += 1
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_grader(submissions: Path, out: Path, extra: list[str], code: str | None = None) -> dict:
    """Run the command line once; its wall time and the peak memory of its process tree.
    `code`: a folder holding another version of the grader package, run instead of ours."""
    command = [str(GRADER), "grade", str(submissions), "--rubric", str(RUBRIC), "--out", str(out)]
    command += extra
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        environment = as_installed(code)
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=ROOT, env=environment)
        memory = TreeMemory(process.pid)
        # wait4, not Popen.wait: it also gives the resource usage of the grader and of the
        # workers it reaped (ru_maxrss is the largest of them)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        memory.stop()
        stdout.seek(0)
        stderr.seek(0)
        printed, complaints = stdout.read(), stderr.read()
    if process.returncode != 0:
        raise SystemExit(f"the grader failed (exit {process.returncode}):\n{complaints}")
    return {
        "wall": wall,
        "stdout": printed,
        "stderr": complaints,
        "peak_pss_mb": memory.peak_pss_kb / 1024,
        "peak_rss_mb": memory.peak_rss_kb / 1024,
        "main_pss_mb": memory.main_pss_kb / 1024,
        "main_rss_mb": memory.main_rss_kb / 1024,
        "processes": memory.peak_processes,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "cpu": usage.ru_utime + usage.ru_stime,
    }


def verdict_counts(out: Path) -> Counter:
    """The verdicts of results.json, read a line (a student) at a time: at 50,000 students the
    whole document would cost this process a gigabyte."""
    counts: Counter = Counter()
    with open(out / "instructor" / "results.json", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("  {"):
                result = json.loads(line.strip().rstrip(","))
                counts.update(item["verdict"] for item in result["items"].values())
    return counts


# --- Deleting files, and letting it settle ---------------------------------------------------

# This machine's disk is ext4 without a journal, which avoids reusing an inode freed
# recently: for every file it creates it skips each such inode one by one
# (`recently_deleted` in `find_inode_bit`). Measured here after deleting 10,000 files
# (2026-12-06): creating a file cost 37 us of system time before, 64 us right after, then
# 1,268 us 15 s after, 1,088 at 31 s, 901 at 46 s, 676 at 62 s, 577 at 77 s, and 41 us again
# from 92 s on; after deleting about 100,000, 31 us for two minutes, then 212 to 1,016 us from
# 160 s to 260 s after. A cold run after the benchmark had deleted a class's pages paid for
# it (a third of the page children's time in one `perf` profile of a report of 10,000), which
# a class graded into a new folder does not. So the benchmark notes when it deletes a folder,
# waits until that is SETTLE_S old, and then, before a measured run that creates files (a
# cold run, the floor's pages), creates a few files itself until a file costs no more than
# SETTLED_US of system time (`settle`), for at most SETTLE_MAX_S.
SETTLE_S = 120
SETTLED_US = 100  # system time to create a file, once settled (about 30-40 us here)
SETTLE_MAX_S = 900
DELETED_AT = Path(tempfile.gettempdir()) / "grader-bench-deleted-at"
PROBES = Path(tempfile.gettempdir()) / "grader-bench-probes"  # kept: deleting them would count


def remove_tree(path: Path) -> None:
    """`path` and all it holds deleted, if it is there; the time noted for `settle`."""
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
        DELETED_AT.write_text(repr(time.time()), "utf-8")


def settle() -> None:
    """Wait until the benchmark's last deletion of files (in any run) is SETTLE_S old, then
    until creating a file costs no more than SETTLED_US of system time (`file_cost_us`)."""
    try:
        wait = SETTLE_S - (time.time() - float(DELETED_AT.read_text("utf-8")))
    except (OSError, ValueError):
        wait = 0
    if wait > 0:
        print(f"(waiting {wait:.0f} s for the files just deleted to settle: see SETTLE_S)")
        time.sleep(wait)
    started = time.monotonic()
    while (cost := file_cost_us()) > SETTLED_US:
        if time.monotonic() - started > SETTLE_MAX_S:
            print(f"(creating a file still costs {cost:.0f} us: measuring anyway)")
            return
        print(f"(creating a file costs {cost:.0f} us of system time: waiting 15 s)", flush=True)
        time.sleep(15)


def file_cost_us(files: int = 100) -> float:
    """The system time, in microseconds, of creating one small file (of `files` made in a new
    folder of PROBES, kept)."""
    PROBES.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=PROBES))
    before = os.times()
    for number in range(files):
        (folder / str(number)).write_bytes(b"x" * 9000)
    return (os.times().system - before.system) / files * 1e6


# --- The floor -------------------------------------------------------------------------------


def measure_floor(submissions: Path, out: Path, work: Path) -> dict:
    """What a class costs at the least, measured here in this process on the class just graded:
    each file read and parsed by libyaml's safe loader, each student's page rendered by the
    grader's own template and written to a new file, and each student's rows inserted into a
    gradebook of the same schema and pragmas, all students in one transaction. No checking,
    no overview: the work any grader of this class has to do per student. Seconds each."""
    from grader import gradebook
    from grader.html_report import render_student

    connection = gradebook.connect(out / "gradebook.sqlite")
    run = gradebook.latest_run(connection)

    def results():  # read back a chunk at a time, not timed: the class is never held whole
        return gradebook.iter_results(connection, run)

    files = sorted(submissions.glob("*.yaml"))
    started = time.perf_counter()
    for path in files:
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    parse = time.perf_counter() - started

    pages = work / "floor-pages"
    remove_tree(pages)
    settle()
    pages.mkdir(parents=True)
    render = 0.0
    students = 0
    for number, result in enumerate(results()):
        started = time.perf_counter()
        (pages / f"{number}.html").write_text(render_student(run.rubric, result), "utf-8")
        render += time.perf_counter() - started
        students += 1

    floor_db = work / "floor.sqlite"
    for leftover in work.glob("floor.sqlite*"):
        leftover.unlink()
    floor = gradebook.connect(floor_db)
    run_id = gradebook.start_run(floor, run.rubric, run.rubric.source_text)
    store = 0.0
    with floor:
        for result in results():
            started = time.perf_counter()
            floor.execute(
                "INSERT INTO submissions (question, student, source, warnings, run_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (run.rubric.id, result.student, result.source, "[]", run_id),
            )
            floor.executemany(
                f"INSERT INTO item_results (question, student, run_id, {gradebook._ITEM_COLUMNS})"
                f" VALUES (?, ?, ?{', ?' * 16})",
                [
                    (run.rubric.id, result.student, run_id, *gradebook._item_row(item))
                    for item in result.items.values()
                ],
            )
            store += time.perf_counter() - started
        started = time.perf_counter()
    store += time.perf_counter() - started  # the commit
    connection.close()
    floor.close()
    remove_tree(pages)
    return {"parse": parse, "render": render, "store": store, "students": students}


# --- The main process's stages, side by side --------------------------------------------------

# Run in a process of its own, with the grader package of the version measured first on its
# path: the CPU time of each stage of the main process's work on the class just graded, the
# best of --stage-rounds rounds.
STAGES_CODE = """
import json, sys, time
from pathlib import Path
from grader import gradebook
from grader.html_report import render_student
from grader.rubric import load_rubric
from grader.submissions import load_submissions

rubric_path, submissions, stored, scratch, rounds = sys.argv[1:6]
rubric = load_rubric(Path(rubric_path))
files = sorted(Path(submissions).glob("*.yaml"))
source = gradebook.connect(Path(stored))
run = gradebook.current_run(gradebook.latest_run(source).id, rubric)
results = list(gradebook.iter_results(source, run))
for leftover in Path(scratch).parent.glob(Path(scratch).name + "*"):
    leftover.unlink()
target = gradebook.connect(Path(scratch))
run_id = gradebook.start_run(target, rubric, rubric.source_text)


def store():
    for start in range(0, len(results), 64):
        gradebook.store_submissions(target, run_id, rubric.id, results[start : start + 64])


def best(work, rounds):
    times = []
    for _ in range(rounds):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


figures = {"store, new gradebook": best(store, 1)}  # the first store is the only new one
rounds = int(rounds)
figures["store, unchanged"] = best(store, rounds)
figures["read submissions"] = best(lambda: [load_submissions(p, rubric) for p in files], rounds)
figures["read back"] = best(lambda: list(gradebook.iter_results(source, run)), rounds)
figures["render pages"] = best(lambda: [render_student(rubric, r) for r in results], rounds)
print(json.dumps({name: seconds / len(files) for name, seconds in figures.items()}))
"""


def measure_stages(submissions: Path, out: Path, work: Path, rounds: int, code: str | None) -> dict:
    """CPU seconds a student of each stage of the main process (`STAGES_CODE`), for our
    grader or the one in `code`."""
    environment = {**os.environ, "PYTHONPATH": code} if code else None
    printed = subprocess.run(
        [sys.executable, "-c", STAGES_CODE, str(RUBRIC), str(submissions),
         str(out / "gradebook.sqlite"), str(work / "stages.sqlite"), str(rounds)],
        cwd=work,  # not the repository: `-c` puts the working folder first on the path
        env=environment, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(printed)


def compare_stages(submissions: Path, out: Path, work: Path, code: str, rounds: int) -> None:
    """The stages of ours and of the version in `code`, alternating, each its best round."""
    ours: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    for _ in range(2):
        for figures, version in ((theirs, code), (ours, None)):
            for name, seconds in measure_stages(submissions, out, work, rounds, version).items():
                figures.setdefault(name, []).append(seconds)
    print(
        f"\nthe main process's stages, CPU us a student (best of {rounds} rounds, twice, "
        "alternating with the compared version)"
    )
    print(f"{'stage':<24} {'ours':>8} {'compared':>9} {'ratio':>7}")
    for name in ours:
        mine, other = min(ours[name]) * 1e6, min(theirs[name]) * 1e6
        print(f"{name:<24} {mine:>8.0f} {other:>9.0f} {mine / other:>6.2f}x")
    mine = sum(min(v) for k, v in ours.items() if k != "store, unchanged") * 1e6
    other = sum(min(v) for k, v in theirs.items() if k != "store, unchanged") * 1e6
    print(f"{'cold: all but unchanged':<24} {mine:>8.0f} {other:>9.0f} {mine / other:>6.2f}x")


# --- Profiling -------------------------------------------------------------------------------


def profile_class(submissions: Path, work: Path, lines: int) -> None:
    """Where a cold run spends its time: the command line's own process, then the checks."""
    from grader import cli
    from grader.grade import grade_task, plan_submission
    from grader.rubric import load_rubric
    from grader.submissions import collect_submission_files, load_submission

    out = work / "profile-out"
    arguments = ["grade", str(submissions), "--rubric", str(RUBRIC), "--out", str(out)]
    profiler = cProfile.Profile()
    saved_stdout = sys.stdout
    sys.stdout = io.StringIO()  # the marks table
    started = time.perf_counter()
    try:
        profiler.runcall(cli.main, [*arguments, "--jobs", "1"])
    except SystemExit:
        pass
    finally:
        sys.stdout = saved_stdout
    print(
        f"\nprofile 1: `grader {' '.join(arguments)} --jobs 1` in this process, "
        f"{time.perf_counter() - started:.1f} s (the checks run in a worker, not profiled here)"
    )
    _print_stats(profiler, lines)

    rubric = load_rubric(RUBRIC)
    files, _ = collect_submission_files([submissions])
    tasks = list(
        dict.fromkeys(
            task
            for path in files
            for task in plan_submission(rubric, load_submission(path, rubric)).tasks()
        )
    )
    by_item = Counter(task.item_id for task in tasks)
    seconds: Counter = Counter()
    profiler = cProfile.Profile()
    profiler.enable()
    for task in tasks:
        started = time.perf_counter()
        grade_task(rubric, task)
        seconds[task.item_id] += time.perf_counter() - started
    profiler.disable()
    print(
        f"\nprofile 2: the checks, {len(tasks)} distinct answers graded in this process as a "
        f"worker grades them, {sum(seconds.values()):.1f} s under the profiler"
    )
    print(f"{'item':<14} {'distinct':>8} {'total s':>8} {'mean ms':>8}")
    for item_id in ITEMS:
        if by_item[item_id]:
            print(
                f"{item_id:<14} {by_item[item_id]:>8} {seconds[item_id]:>8.2f} "
                f"{seconds[item_id] / by_item[item_id] * 1000:>8.1f}"
            )
    _print_stats(profiler, lines)


def _print_stats(profiler: cProfile.Profile, lines: int) -> None:
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats("cumulative").print_stats(lines)
    body = text.getvalue()
    # drop pstats' preamble up to the column header
    print(body[body.index("   ncalls") :] if "   ncalls" in body else body)


# --- Main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2252)
    parser.add_argument("--jobs", type=int, help="passed to grader grade (default: its own)")
    parser.add_argument("--keep", metavar="DIR", help="write the class and reports here, kept")
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="every student writes formulas and counts no other student writes",
    )
    parser.add_argument(
        "--varied",
        action="store_true",
        help="with --distinct: the distinct answers vary in shape as a class's do "
        "(`varied_submission`), not only in a number",
    )
    parser.add_argument(
        "--compare",
        metavar="DIR",
        type=version_folder,
        help="also run, in the same way, the grader package in DIR (another version, e.g. "
        "from `git archive`), alternating with ours",
    )
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="no re-run: a cold run alone (and --compare's), e.g. for memory at 50,000",
    )
    parser.add_argument(
        "--own-words",
        action="store_true",
        help="the explanations in the students' own words (`in_own_words`): nearly every "
        "sentence text distinct, as a real class writes them; all else the same",
    )
    parser.add_argument("--profile", action="store_true", help="also profile a cold run")
    parser.add_argument(
        "--stage-rounds",
        type=int,
        default=3,
        help="with --compare: rounds of each stage of the main process's work, side by side",
    )
    parser.add_argument("--profile-lines", type=int, default=30)
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="class-of-1000-"))
    try:
        submissions, out = work / "submissions", work / "out"
        # With --keep, a class written there before for the same options is used again:
        # writing 50,000 files takes longer than grading them.
        stamp = work / "class.json"
        mode = ("varied" if args.varied else "factor") if args.distinct else None
        wanted = {"students": args.students, "seed": args.seed, "distinct": mode or False}
        if args.own_words:
            wanted["own_words"] = True
        reused = stamp.is_file() and json.loads(stamp.read_text("utf-8")) == wanted
        remove_tree(out)
        if not reused:
            stamp.unlink(missing_ok=True)
            remove_tree(submissions)
            submissions.mkdir(parents=True)
            write_class(submissions, args.students, args.seed, mode, args.own_words)
            stamp.write_text(json.dumps(wanted), "utf-8")
        extra = ["--jobs", str(args.jobs)] if args.jobs else []
        jobs = args.jobs or os.cpu_count()

        print(describe_machine())
        print(
            f"class: {args.students} submissions x {len(ITEMS)} items, seed {args.seed}, "
            f"{'all formulas and counts distinct, ' if args.distinct else ''}"
            f"{'varied in shape, ' if mode == 'varied' else ''}"
            f"{f'explanations {OWN_WORDS}, ' if args.own_words else ''}"
            f"in {submissions}" + (" (written by an earlier run, reused)" if reused else "")
        )
        print(describe_explanations(args.students, args.seed, args.own_words))
        runs = []
        if args.compare:
            other = work / "out-compared"
            remove_tree(other)
        settle()
        if args.compare:
            runs.append(("compared: cold", run_grader(submissions, other, extra, args.compare)))
        runs.append(("cold (new output folder)", run_grader(submissions, out, extra)))
        verdicts = verdict_counts(out)
        if args.compare and not args.cold_only:
            runs.append(("compared: re-run", run_grader(submissions, other, extra, args.compare)))
        if not args.cold_only:
            runs.append(("re-run (same folder, gradebook)", run_grader(submissions, out, extra)))
        runs = [run for run in runs if not run[0].startswith("compared")] + [
            run for run in runs if run[0].startswith("compared")
        ]
        reports = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
        html = sum(1 for p in out.rglob("*.html"))

        print(f"verdicts: {dict(verdicts.most_common())}")
        print(
            f"reports: {html} HTML pages, "
            + ", ".join(n for n in reports if not n.endswith(".html"))
        )
        print(
            f"command: grader grade DIR --rubric {RUBRIC.relative_to(ROOT)} --out OUTDIR "
            + " ".join(extra)
            + f"  (worker processes: {jobs})"
        )
        print()
        header = (
            f"{'run':<32} {'wall s':>7} {'subs/s':>7} {'CPU s':>7} {'tree PSS MB':>12} "
            f"{'tree RSS MB':>12} {'main PSS MB':>12} {'main RSS MB':>12} {'largest MB':>11} "
            f"{'procs':>6}"
        )
        print(header)
        for label, run in runs:
            print(
                f"{label:<32} {run['wall']:>7.2f} {args.students / run['wall']:>7.0f} "
                f"{run['cpu']:>7.1f} "
                f"{run['peak_pss_mb']:>12.0f} {run['peak_rss_mb']:>12.0f} "
                f"{run['main_pss_mb']:>12.0f} {run['main_rss_mb']:>12.0f} "
                f"{run['maxrss_mb']:>11.0f} {run['processes']:>6}"
            )
        print(
            "memory: peaks sampled every 50 ms (PSS every 250 ms); tree = the grader and its "
            "workers, main = the grader's own process; largest = ru_maxrss of the largest process"
        )
        floor = measure_floor(submissions, out, work)
        floor_s = floor["parse"] + floor["render"] + floor["store"]
        each = {k: floor[k] / floor["students"] * 1e6 for k in ("parse", "render", "store")}
        print(
            f"floor, measured just now in this process: {floor_s:.2f} s = libyaml parse "
            f"{floor['parse']:.2f} s ({each['parse']:.0f} us a file) + page render and write "
            f"{floor['render']:.2f} s ({each['render']:.0f} us) + SQLite, one transaction "
            f"{floor['store']:.2f} s ({each['store']:.0f} us a student) -> "
            f"{floor['students'] / floor_s:.0f} submissions/s"
        )
        floor_rate = floor["students"] / floor_s
        for label, run in runs:
            rate = args.students / run["wall"]
            print(f"{label:<32} {rate:>7.0f}/s = {rate / floor_rate:>4.0%} of the floor")
        print(f"load average while measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        cold = args.students / runs[0][1]["wall"]
        print(
            f"targets: at least 80% of the floor and 1000 submissions/s with all reports: "
            f"cold {cold:.0f}/s ({cold / floor_rate:.0%}) -> "
            f"{'met' if cold >= 1000 and cold >= 0.8 * floor_rate else 'NOT met'}"
            + ("" if args.cold_only else f"; re-run {args.students / runs[1][1]['wall']:.0f}/s")
        )
        tree = max(run["peak_pss_mb"] for label, run in runs if not label.startswith("compared"))
        if args.students >= 50000:
            verdict = "met" if tree < 300 else "NOT met"
        else:
            verdict = "not settled here: measure with --students 50000"
        print(
            f"memory: under 300 MB at 50,000 students (tree PSS): {tree:.0f} MB at "
            f"{args.students} -> {verdict}"
        )
        if args.compare and args.stage_rounds > 0:
            compare_stages(submissions, out, work, args.compare, args.stage_rounds)
        if args.profile:
            profile_class(submissions, work, args.profile_lines)
    finally:
        if not args.keep:
            remove_tree(work)


if __name__ == "__main__":
    main()
