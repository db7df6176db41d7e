"""Benchmark: accuracy and time per distinct count check, side by side with HuggingFace
math-verify on the same answer pairs.

Run from the repository root:

    .venv/bin/python bench/counts.py              # the grader only
    /tmp/mvenv/bin/python bench/counts.py         # the grader and math-verify

math-verify is not a dependency of the project; to compare with it, make a separate virtual
environment with math-verify and the grader's own dependencies (this script puts the
repository on `sys.path`, so the grader itself needs no install there):

    python3 -m venv /tmp/mvenv
    /tmp/mvenv/bin/pip install 'math-verify[antlr4_13_2]' sympy pyyaml jinja2 lark numpy pebble

When `math_verify` cannot be imported, the script says so and prints the grader's column only.

The table below holds answer pairs for the four count items of rubrics/22-52-q4.yaml
(a.params PQC·PQD + PQD, b.params 9CD + D, c.params CD + D, d.params CD), each with the truth:
equivalent to the reference or not, written in plain text, LaTeX and Unicode. The correct
variants are the ways a class writes the right count; the mistakes are the seed students'
and the typical ones. Symbols are case-sensitive in the rubric (P, Q, C, D are declared), but a
marker reads `pqcpqd + pqd` as PQCPQD + PQD, and so does the grader since issue 14 (its `case`
lenient step, with a note): those rows are marked `case`, are equivalent, and the accuracy is
also given without them, since a reader may judge them differently.

Each pair is checked as a new answer, from cold caches: before each one, sympy's cache and
every cache either tool keeps of answers are cleared (the grader's conversions, values at the
sample points and splits of letters into symbols; math-verify's parse caches), and then the
item's reference is checked untimed, as a run has it at hand: the grader grades it (the
reference itself was parsed when the rubric loaded; what the grader derives from the rubric,
such as a reference's variants for the diagnoses, is kept within a round), and math-verify
verifies it against itself, so that it sits parsed in its lru_cache. Then the pair is timed:
the grader's `grade_answer` (verdict "correct" means equivalent), and math-verify's
`verify(parse(gold), parse(answer))`, given the rubric's reference and the student's answer
exactly as written, wrapped in `$…$` unless the answer already is (its default extraction reads
no maths from plain text without the dollars). math-verify is also timed cold, with nothing
warmed (the reference parsed every time). The headline ratio uses the first, warmer figure.

There are five rounds; each pair's best time over them is reported, since on a shared machine
other work only ever slows a check down. The grader's and math-verify's rounds alternate, so
that a slow spell of the machine falls on both. Times are the CPU time of this process.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe_machine  # noqa: E402

from grader.grade import grade_answer  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402

try:
    from math_verify import parse as mv_parse
    from math_verify import verify as mv_verify
except ImportError:
    mv_parse = mv_verify = None


@dataclass(frozen=True)
class Pair:
    item_id: str
    answer: str
    equivalent: bool  # the truth: the same count as the rubric's reference
    notation: str  # plain | latex | unicode
    kind: str  # right | mistake | case (lower-case symbols, read as the declared upper-case ones)


def _rows(item_id: str, equivalent: bool, kind: str, **by_notation: list[str]) -> list[Pair]:
    return [
        Pair(item_id, answer, equivalent, notation, kind)
        for notation, answers in by_notation.items()
        for answer in answers
    ]


PAIRS: list[Pair] = [
    # (a) fully connected: PQC·PQD + PQD
    *_rows(
        "a.params",
        True,
        "right",
        plain=[
            "PQCPQD+PQD",
            "PQD(PQC+1)",
            "P^2 Q^2 C D + P Q D",
            "P*Q*C*P*Q*D + P*Q*D",
            "PQD*(PQC + 1)",
            "(PQ)^2 CD + PQD",
            "P**2*Q**2*C*D + P*Q*D",
            "PQ(PQCD + D)",
            "D*P*Q*(1 + C*P*Q)",
            "PQC*PQD + PQD",
        ],
        latex=[
            r"$PQC \cdot PQD + PQD$",
            r"P \times Q \times C \times P \times Q \times D + P \times Q \times D",
            r"P^{2}Q^{2}CD + PQD",
            r"$P^{2} Q^{2} C D + P Q D$",
            r"PQD \left( PQC + 1 \right)",
            r"$(P \cdot Q)^{2} \cdot C \cdot D + P \cdot Q \cdot D$",
            r"PQC \times PQD + PQD = PQD(PQC+1)",
            r"\frac{2 P^2 Q^2 C D + 2 P Q D}{2}",
        ],
        unicode=[
            "P²Q²CD + PQD",
            "PQC × PQD + PQD",
            "PQC·PQD + PQD",
            "P·Q·D·(P·Q·C + 1)",
            "(PQ)²CD + PQD",
            "P×Q×C×P×Q×D + P×Q×D",
        ],
    ),
    *_rows(
        "a.params",
        False,
        "mistake",
        plain=[
            "P*P*C*D + P*Q*D",
            "CD + D",
            "PQCD + D",
            "P^2Q^2CD",
            "PQCPQD + D",
            "PQCD + PQD",
            "PQCPQD+PQC",
        ],
        latex=[
            r"P \times P \times C \times D + P \times Q \times D",
            r"C \times D",
            r"PQC \cdot PQD",
            r"$P^{2} C D + P Q D$",
        ],
        unicode=["P×P×C×D + P×Q×D", "P²CD + PQD", "C·D", "P²Q²CD", "P²Q²CD − PQD"],
    ),
    *_rows("a.params", True, "case", plain=["pqcpqd + pqd"], latex=[r"pqc \cdot pqd + pqd"]),
    # (b) 3x3 convolution: 9CD + D
    *_rows(
        "b.params",
        True,
        "right",
        plain=[
            "9CD + D",
            "9CD+D",
            "D(9C+1)",
            "9*C*D + D",
            "3^2 CD + D",
            "(9C + 1)D",
            "D + 9DC",
            "(3*3*C + 1)*D",
        ],
        latex=[
            r"3 \times 3 \times C \times D + D",
            r"3 \times 3 \times C \times D + D = 9 \times C \times D + D",
            r"$9CD + D$",
            r"3^{2} C D + D",
            r"9 \cdot C \cdot D + D",
            r"D \left(9C + 1\right)",
        ],
        unicode=["3×3×C×D + D", "3·3·C·D + D", "9·C·D + D", "3²CD + D"],
    ),
    *_rows(
        "b.params",
        False,
        "mistake",
        plain=["9CD", "9D + D", "9PQCD + PQD", "9DC + C", "9CD + 9D", "3CD + D", "CD + D", "9CD+1"],
        latex=[
            r"9 \times C \times D",
            r"3 \times 3 \times D + D",
            r"3 \times 3 \times C \times D + D = 9CD",
        ],
        unicode=["9·C·D", "3×3×C×D", "9CD − D"],
    ),
    *_rows("b.params", True, "case", plain=["9cd + d"]),
    # (c) 1x1 convolution: CD + D
    *_rows(
        "c.params",
        True,
        "right",
        plain=["CD + D", "D(C+1)", "(C + 1)D", "C*D + D", "D + CD", "DC + D"],
        latex=[
            r"C \cdot D + D",
            r"$CD + D$",
            r"1 \times 1 \times C \times D + D",
            r"\left(C+1\right) D",
        ],
        unicode=["C·D + D", "C×D + D", "1×1×C×D + D"],
    ),
    *_rows(
        "c.params",
        False,
        "mistake",
        plain=["CD", "CD + PQD", "9CD + D", "CD + C", "C + D", "PQCD + PQD", "C^2 D + D"],
        latex=[r"C \times D", r"C^{2} D + D"],
        unicode=["C·D", "CD − D"],
    ),
    *_rows("c.params", True, "case", plain=["cd + d"]),
    # (d) the same 1x1 convolution without bias: CD
    *_rows(
        "d.params",
        True,
        "right",
        plain=["CD", "C*D", "DC", "D C"],
        latex=[r"C \times D", r"$C \cdot D$", r"1 \times 1 \times C \times D", r"$CD$"],
        unicode=["C×D", "C·D"],
    ),
    *_rows(
        "d.params",
        False,
        "mistake",
        plain=["CD + D", "PQCD", "C + D", "C^2D", "CD + PQD"],
        latex=[r"C \times D + D", r"PQC \cdot D"],
        unicode=["C·D + D", "C²D"],
    ),
    *_rows("d.params", True, "case", plain=["cd"]),
]


def as_math_verify_input(text: str) -> str:
    """The answer as math-verify needs it: LaTeX in `$…$` (left alone if already there)."""
    stripped = text.strip()
    return stripped if stripped.startswith("$") else f"${stripped}$"


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass
class Column:
    name: str
    seconds: list[float]
    said_equivalent: list[bool]

    def accuracy(self, pairs: list[Pair], keep=lambda pair: True) -> tuple[int, int]:
        marked = [
            said == pair.equivalent
            for pair, said in zip(pairs, self.said_equivalent, strict=True)
            if keep(pair)
        ]
        return sum(marked), len(marked)


def _grader_caches():
    """The grader's caches: those that hold what it derived from one answer, and those that
    hold what it derived from the rubric (its references, misconceptions and biases)."""
    import importlib

    from grader.kinds.count import check, polynomials

    reading = importlib.import_module("grader.kinds.count.parse")
    per_answer = (
        polynomials.as_fraction,
        check.show_fraction,
        polynomials.integer_terms,
        polynomials.integer_values,
        reading._declared_pieces,
    )
    per_rubric = (check._rubric_fraction, check._renamed, check._terms)
    return per_answer, per_rubric


def forget_answers() -> None:
    """Forget every answer seen: sympy's cache and the grader's caches of answers. What the
    grader derived from the rubric is kept, as in a run; so is what a process makes once (the
    lark parser, polynomial rings, sample points)."""
    import sympy.core.cache

    sympy.core.cache.clear_cache()
    for cached in _grader_caches()[0]:
        cached.cache_clear()


def run_grader(rubric, pairs: list[Pair]) -> Column:
    """Each pair as a new answer: every answer forgotten, then the reference graded (untimed,
    as a run has it at hand), then the answer timed."""
    for cached in _grader_caches()[1]:  # the rubric's, made again in each round
        cached.cache_clear()
    column = Column("grader", [], [])
    for pair in pairs:
        item = rubric.items[pair.item_id]
        forget_answers()
        grade_answer(rubric, item, item.answer_text)
        started = time.process_time()
        result = grade_answer(rubric, item, pair.answer)
        column.seconds.append(time.process_time() - started)
        column.said_equivalent.append(result.verdict == "correct")
    return column


def clear_math_verify_caches() -> None:
    import sympy.core.cache
    from math_verify import parser

    sympy.core.cache.clear_cache()
    parser.parse_latex_cached.cache_clear()
    parser.parse_expr_cached.cache_clear()


def run_math_verify(rubric, pairs: list[Pair]) -> tuple[Column, list[float]]:
    """math-verify's verdicts and times, each pair as a new answer: its caches and sympy's
    cleared, then the reference verified against itself (untimed: so it is parsed and in its
    lru_cache), then the pair timed. And its times cold: caches cleared, nothing warmed, so
    the reference is parsed too."""
    golds = {
        pair.item_id: as_math_verify_input(rubric.items[pair.item_id].answer_text) for pair in pairs
    }
    column = Column("math-verify", [], [])
    for pair in pairs:
        gold, answer = golds[pair.item_id], as_math_verify_input(pair.answer)
        clear_math_verify_caches()
        mv_verify(mv_parse(gold), mv_parse(gold))
        started = time.process_time()
        said = mv_verify(mv_parse(gold), mv_parse(answer))
        column.seconds.append(time.process_time() - started)
        column.said_equivalent.append(bool(said))
    cold: list[float] = []
    for pair in pairs:
        gold, answer = golds[pair.item_id], as_math_verify_input(pair.answer)
        clear_math_verify_caches()
        started = time.process_time()
        mv_verify(mv_parse(gold), mv_parse(answer))
        cold.append(time.process_time() - started)
    return column, cold


ROUNDS = 5


def fastest(columns) -> Column:
    """Each pair's best time over the rounds: on a shared machine a check is slowed by other
    work, never sped up, so the minimum is the figure that repeats (every round starts with
    cold caches, so none of them is a warm re-run)."""
    columns = list(columns)
    times = [min(ts) for ts in zip(*(c.seconds for c in columns), strict=True)]
    return Column(columns[0].name, times, columns[0].said_equivalent)


def ms(seconds: float) -> str:
    milliseconds = seconds * 1000
    return f"{milliseconds:.2f}" if milliseconds < 10 else f"{milliseconds:.1f}"


def main() -> None:
    rubric = load_rubric(ROOT / "rubrics" / "22-52-q4.yaml")
    pairs = PAIRS
    print(describe_machine())
    equivalent = sum(pair.equivalent for pair in pairs)
    print(
        f"{len(pairs)} distinct answer pairs over {len({p.item_id for p in pairs})} count items: "
        f"{equivalent} equivalent, {len(pairs) - equivalent} not "
        f"({sum(p.kind == 'case' for p in pairs)} of them in lower case)"
    )
    if mv_verify is None:
        print(
            "math-verify is not importable in this Python, so its column is skipped; see this "
            "script's docstring (or docs/performance.md) to set up /tmp/mvenv for it"
        )
    else:
        import importlib.metadata

        version = importlib.metadata.version("math-verify")
        print(f"math-verify {version}: fed each answer as written, wrapped in $…$ if it was not")
    # The rounds alternate between the two, so that a slow spell of a shared machine falls
    # on both rather than on one.
    grader_runs, mv_runs = [], []
    for _ in range(ROUNDS):
        grader_runs.append(run_grader(rubric, pairs))
        if mv_verify is not None:
            mv_runs.append(run_math_verify(rubric, pairs))
    columns = [fastest(grader_runs)]
    mv_cold = None
    if mv_runs:
        columns.append(fastest(column for column, _ in mv_runs))
        mv_cold = [min(times) for times in zip(*(cold for _, cold in mv_runs), strict=True)]

    print()
    print(f"{'accuracy against the truth':<34}" + "".join(f"{c.name:>16}" for c in columns))
    groups = [
        ("all pairs", lambda p: True),
        ("without lower-case rows", lambda p: p.kind != "case"),
        ("equivalent (right) pairs", lambda p: p.equivalent),
        ("not equivalent (mistakes)", lambda p: p.kind == "mistake"),
        ("lower-case rows", lambda p: p.kind == "case"),
        ("plain text", lambda p: p.notation == "plain"),
        ("LaTeX", lambda p: p.notation == "latex"),
        ("Unicode", lambda p: p.notation == "unicode"),
    ]
    for label, keep in groups:
        cells = []
        for column in columns:
            right, total = column.accuracy(pairs, keep)
            cells.append(f"{right}/{total} {100 * right / total:5.1f}%")
        print(f"{label:<34}" + "".join(f"{cell:>16}" for cell in cells))

    print()
    print(f"{'time per distinct check':<34}" + "".join(f"{c.name:>16}" for c in columns))
    for label, summary in [
        ("median ms", statistics.median),
        ("p90 ms", lambda s: percentile(s, 0.9)),
        ("max ms", max),
        ("total s", sum),
    ]:
        cells = [
            f"{summary(c.seconds):.2f}" if label == "total s" else ms(summary(c.seconds))
            for c in columns
        ]
        print(f"{label:<34}" + "".join(f"{cell:>16}" for cell in cells))
    for label, keep in [
        ("median ms, equivalent pairs", lambda p: p.equivalent),
        ("median ms, not equivalent pairs", lambda p: not p.equivalent),
    ]:
        cells = [
            ms(statistics.median(t for p, t in zip(pairs, c.seconds, strict=True) if keep(p)))
            for c in columns
        ]
        print(f"{label:<34}" + "".join(f"{cell:>16}" for cell in cells))
    if mv_cold is not None:
        grader, mv = columns
        print(
            f"math-verify cold (its caches and sympy's cleared, nothing warmed): median "
            f"{ms(statistics.median(mv_cold))} ms, p90 "
            f"{ms(percentile(mv_cold, 0.9))} ms"
        )
        print()
        median_ratio = statistics.median(mv.seconds) / statistics.median(grader.seconds)
        p90_ratio = percentile(mv.seconds, 0.9) / percentile(grader.seconds, 0.9)
        cold_ratio = statistics.median(mv_cold) / statistics.median(grader.seconds)
        print(
            f"speed ratio (math-verify / grader): median {median_ratio:.1f}x, p90 "
            f"{p90_ratio:.1f}x; {cold_ratio:.1f}x at the median against math-verify cold"
        )
        disagreements = [
            (pair, g, m)
            for pair, g, m in zip(pairs, grader.said_equivalent, mv.said_equivalent, strict=True)
            if g != pair.equivalent or m != pair.equivalent
        ]
        if disagreements:
            print()
            print("pairs either got wrong (truth, grader, math-verify; True = equivalent):")
            for pair, g, m in disagreements:
                print(
                    f"  {pair.item_id:<9} {pair.notation:<8} {pair.answer!r:<58} "
                    f"{pair.equivalent!s:<6} {g!s:<6} {m!s:<6}"
                )
        grader_right, total = grader.accuracy(pairs)
        mv_right, _ = mv.accuracy(pairs)
        print()
        print(
            "target: count checks at least 10x faster than math-verify (median) with at least "
            f"its accuracy: {median_ratio:.1f}x, {grader_right}/{total} against {mv_right}/{total}"
            f" -> {'met' if median_ratio >= 10 and grader_right >= mv_right else 'NOT met'}"
        )
    else:
        grader_right, total = columns[0].accuracy(pairs)
        for pair, said in zip(pairs, columns[0].said_equivalent, strict=True):
            if said != pair.equivalent:
                print(f"  grader wrong: {pair.item_id} {pair.answer!r} (truth {pair.equivalent})")


if __name__ == "__main__":
    main()
