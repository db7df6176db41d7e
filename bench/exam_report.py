"""Benchmark: the outputs of an exam of two questions read back from its gradebook
(`grader report` and `grader release`), their time and memory, beside another version.

Run from the repository root:

    .venv/bin/python bench/exam_report.py                            # 3,000 students
    .venv/bin/python bench/exam_report.py --students 10000 --keep /tmp/exam-10k
    .venv/bin/python bench/exam_report.py --compare /tmp/other       # beside another version

It writes an exam of two questions for the same students: 22-52-Q4 as `class_of_1000.py`
draws it, and DW-SEP-Q1 from the bundled answers of submissions/exam-midterm/dw-sep-q1 (each
student one of the four, in turn); grades it once into a gradebook (`grader grade` with both
rubrics, all reports; its time is printed too); then, for `--rounds` rounds, alternating with
the version of `--compare DIR` (the folder holding its `grader/`, e.g. a `git archive` of it),
runs `grader report --db GRADEBOOK --out NEW` and `grader release --db GRADEBOOK --to NEW
--include-pending` into new folders, and prints for each the best wall time, the CPU time of the
command and its children (wait4) and the peak memory of its process tree (proportional set size,
and the largest process's ru_maxrss). With `--compare` it also says whether both versions
wrote the same files: every page and CSV byte for byte, each JSON file as data. With `--keep DIR`
the exam and its gradebook are written into DIR once and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from class_of_1000 import TreeMemory, write_class  # noqa: E402  (found through the path above)
from machine import as_installed, describe_machine, version_folder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GRADER = ROOT / ".venv" / "bin" / "grader"
DW_ANSWERS = ROOT / "submissions" / "exam-midterm" / "dw-sep-q1"


def write_exam(folder: Path, students: int, seed: int) -> None:
    """The two questions' files, one a student each, in `folder/q4` and `folder/dw`."""
    (folder / "q4").mkdir(parents=True)
    (folder / "dw").mkdir()
    write_class(folder / "q4", students, seed)
    answers = [path.read_text("utf-8") for path in sorted(DW_ANSWERS.glob("*.yaml"))]
    for number in range(1, students + 1):
        lines = answers[number % len(answers)].split("\n")
        lines[0] = f"student: student-{number:04d}"  # each file's first line names its student
        (folder / "dw" / f"student-{number:04d}.yaml").write_text("\n".join(lines), "utf-8")


def run(command: list[str], code: str | None = None) -> dict:
    """One command's wall time, CPU time (its own and its reaped children's) and peak memory."""
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=output, stderr=output, cwd=ROOT, env=as_installed(code)
        )
        memory = TreeMemory(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        memory.stop()
        if os.waitstatus_to_exitcode(status) != 0:
            output.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{output.read()}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "pss": memory.peak_pss_kb / 1024,
        "maxrss": usage.ru_maxrss / 1024,
    }


def files(folder: Path) -> dict[str, object]:
    """Every file under `folder`: its bytes, or its data for a JSON file."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            name = str(path.relative_to(folder))
            data = path.read_bytes()
            found[name] = json.loads(data) if name.endswith(".json") else data
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2252)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="write the exam and its gradebook here, once")
    parser.add_argument("--compare", type=version_folder, help="another version's folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="exam-report-"))
    base = args.keep or work / "exam"
    gradebook = base / "graded" / "gradebook.sqlite"
    print(describe_machine())
    if not gradebook.is_file():
        shutil.rmtree(base, ignore_errors=True)
        write_exam(base, args.students, args.seed)
        rubrics = ["--rubric", "rubrics/22-52-q4.yaml", "--rubric", "rubrics/dw-sep-q1.yaml"]
        command = [str(GRADER), "grade", str(base / "q4"), str(base / "dw"), *rubrics]
        graded = run([*command, "--out", str(base / "graded")])
        print(
            f"graded {args.students} students x 2 questions: {graded['wall']:.1f} s, "
            f"{graded['cpu']:.1f} s CPU, tree PSS {graded['pss']:.0f} MB"
        )
    else:
        print(f"the exam graded by an earlier run, in {base} (reused)")
    versions = {"ours": None, **({"compare": args.compare} if args.compare else {})}
    best: dict[tuple[str, str], dict] = {}
    written: dict[tuple[str, str], Path] = {}
    try:
        for round_ in range(args.rounds):
            for name, code in versions.items():
                for what in ("report", "release"):
                    out = work / f"{what}-{name}-{round_}"
                    where = ["--out", str(out)] if what == "report" else ["--to", str(out)]
                    extra = [] if what == "report" else ["--include-pending"]
                    figures = run([str(GRADER), what, "--db", str(gradebook), *where, *extra], code)
                    key = (what, name)
                    if key not in best or figures["wall"] < best[key]["wall"]:
                        best[key] = figures
                    if key in written:
                        shutil.rmtree(out)
                    else:
                        written[key] = out
        print(f"\n{args.students} students, best of {args.rounds} rounds")
        print(
            f"{'command':10} {'version':8} {'wall s':>8} {'CPU s':>8} {'tree PSS MB':>12} {'largest MB':>11}"
        )
        for (what, name), figures in best.items():
            print(
                f"{what:10} {name:8} {figures['wall']:8.2f} {figures['cpu']:8.2f} "
                f"{figures['pss']:12.0f} {figures['maxrss']:11.0f}"
            )
        if args.compare:
            for what in ("report", "release"):
                same = files(written[(what, "ours")]) == files(written[(what, "compare")])
                print(f"{what}: the same files in both versions: {same}")
        print("load average:", " ".join(f"{load:.2f}" for load in os.getloadavg()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
