"""Benchmark: the pages of `grader serve` as a TA goes through the review queue, beside another
version of the grader.

Run from the repository root, on a gradebook a class was graded into:

    .venv/bin/python bench/class_of_1000.py --students 10000 --cold-only --keep /tmp/class-10k
    .venv/bin/python bench/serve_pages.py --db /tmp/class-10k/out/gradebook.sqlite
    .venv/bin/python bench/serve_pages.py --db ... --compare /tmp/main   # the folder holding its grader/

Each version runs in a process of its own, on a copy of the gradebook (the decisions are
written to the copy, never to --db), through Flask's test client (no network): the queue
(the first page, then again), the students, one student's page, then --decisions times the
TA's loop: a group's page, the decision on it (its waiting students, 0 marks), and the page
it leads to (the next group's). It prints each page's wall time (for the loop, the median and
the slowest), the process's peak resident size, and with --compare the other version's beside
it; the versions alternate for --rounds rounds, each figure the smallest of its rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, re, resource, shutil, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from grader.review_app import create_app

source, copy, decisions = Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
shutil.copyfile(source, copy)
for suffix in ("-wal", "-shm"):
    if Path(str(source) + suffix).exists():
        shutil.copyfile(str(source) + suffix, str(copy) + suffix)
client = create_app(copy, "bench", token="t").test_client()
client.get("/queue?token=t")
times = {}

def timed(name, method, path, **kwargs):
    start = time.perf_counter()
    response = getattr(client, method)(path, **kwargs)
    times.setdefault(name, []).append(time.perf_counter() - start)
    assert response.status_code in (200, 303), (path, response.status_code)
    return response

queue = timed("queue, first", "get", "/queue").get_data(as_text=True)
timed("queue, again", "get", "/queue")
students = timed("students", "get", "/students").get_data(as_text=True)
page = re.search(r'href="(/student/[^"#]+)"', students).group(1)
timed("a student", "get", page)
target = "/group/" + re.search(r'href="/group/([0-9a-f]{16})"', queue).group(1)
for _ in range(decisions):
    shown = timed("group page", "get", target).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', shown).group(1)
    chosen = re.findall(r'name="student" value="([^"]+)"[^>]* checked>', shown)
    form = {"csrf": csrf, "marks": "0", "student": chosen}
    location = timed("decision", "post", target, data=form).headers["Location"]
    times.setdefault("decided students", []).append(len(chosen))
    target = location.split("?")[0]
    if not target.startswith("/group/"):
        break
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"times": times, "peak_mb": peak}))
"""


def run(grader_root: Path, db: Path, decisions: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "gradebook.sqlite"
        command = [sys.executable, "-c", CHILD, str(grader_root), str(db), str(copy)]
        output = subprocess.run(
            [*command, str(decisions)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        ).stdout
    return json.loads(output.splitlines()[-1])


def figures(runs: list[dict]) -> dict[str, str]:
    """Each page's smallest wall time over the rounds (the loop's: median and slowest)."""
    shown = {}
    for name in runs[0]["times"]:
        if name == "decided students":
            continue
        rounds = [r["times"][name] for r in runs]
        if len(rounds[0]) == 1:
            shown[name] = f"{min(r[0] for r in rounds):.3f} s"
        else:
            median = min(statistics.median(r) for r in rounds)
            slowest = min(max(r) for r in rounds)
            shown[name] = f"{median:.3f} s (slowest {slowest:.3f} s, {len(rounds[0])} of them)"
    shown["peak memory"] = f"{min(r['peak_mb'] for r in runs)} MB"
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a graded class's gradebook")
    parser.add_argument("--decisions", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--compare", type=Path, help="the folder of another version's grader/")
    arguments = parser.parse_args()
    if not arguments.db.is_file():
        parser.error(f"no gradebook at {arguments.db}")
    versions = {"ours": ROOT}
    if arguments.compare:
        if not (arguments.compare / "grader").is_dir():
            parser.error(f"no grader/ in {arguments.compare}")
        versions["compared"] = arguments.compare
    runs: dict[str, list[dict]] = {name: [] for name in versions}
    for _ in range(arguments.rounds):
        for name, root in versions.items():
            runs[name].append(run(root, arguments.db, arguments.decisions))
    shown = {name: figures(found) for name, found in runs.items()}
    decided = runs["ours"][0]["times"].get("decided students", [])
    print(f"gradebook: {arguments.db} ({arguments.db.stat().st_size / 1e6:.0f} MB)")
    print(f"decisions: {len(decided)} groups decided, {sum(decided)} students")
    width = max(len(name) for name in shown["ours"])
    print(f"{'page':{width}}  " + "  ".join(f"{name:>40}" for name in shown))
    for page in shown["ours"]:
        print(f"{page:{width}}  " + "  ".join(f"{shown[v][page]:>40}" for v in shown))
    shutil.rmtree(ROOT / "bench" / "__pycache__", ignore_errors=True)


if __name__ == "__main__":
    main()
