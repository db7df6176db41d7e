"""A small mutation tester: do our tests notice when the decision logic is changed?

    nice -n 19 .venv/bin/python tools/mutate.py grader/kinds/count/check.py \
        --tests tests/test_count_feedback.py tests/test_mutation_killers_count.py \
        [--sample 80 --seed 1] [--timeout SECONDS] [--list] [--only LINE]

It parses one module, makes mutants of it (one small change each: a comparison flipped, `and`
for `or`, a `not` removed, `+` for `-`, a constant off by one, a return value replaced by
None, a statement or a condition removed, a string changed), and for each mutant runs the
chosen test files in a child process with a timeout. A mutant is killed when a test fails (or
the run times out); it survives when every test passes. The score is killed / (mutants -
documented equivalent mutants).

The source tree is never written to. Each mutant's module is written into a temporary copy
of the `grader` package, which the child process imports first (`sys.path`), and which any
process a test starts finds too (`PYTHONPATH`). Children are forked from a parent that has
already imported the heavy libraries (sympy, numpy, lark, pytest), so a mutant costs little
more than its tests.

Equivalent mutants (changes no test can notice because the behaviour is the same) are listed
in `tools/equivalent_mutants.txt`, one per line with the reason:

    grader/kinds/count/check.py:123 | `a < b` -> `a <= b` | a and b are never equal here

Lines starting with `#` are comments. An entry whose line moved (an edit above it) is matched
to the one mutant left with its description, and reported as moved with its new place; an
entry that names no mutant is reported as stale, so the list cannot silently go stale.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tools" / "equivalent_mutants.txt"
PACKAGE = "grader"


# --- Making mutants --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    index: int  # the mutation site's number in a walk of a fresh parse of the module
    line: int
    column: int  # tells apart two alike changes on one line (`1` -> `2` of two ones)
    operator: str  # the kind of change, e.g. "comparison"
    description: str  # `before` -> `after`

    def key(self, module: str) -> tuple[str, int, int, str]:
        return module, self.line, self.column, self.description

    def where(self, module: str) -> str:
        return f"{module}:{self.line}:{self.column}"


Apply = Callable[[], None]

_COMPARISON_FLIPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_ARITHMETIC_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
}
_REMOVABLE = (ast.Expr, ast.AugAssign, ast.Assign, ast.Continue, ast.Break)
_ANNOTATION_FIELDS = {"annotation", "returns"}


def _short(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 70 else text[:67] + "..."


def _is_docstring(body: list[ast.stmt], statement: ast.stmt) -> bool:
    return (
        body
        and body[0] is statement
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _children(node: ast.AST) -> Iterator[tuple[str, ast.AST | list]]:
    for field, value in ast.iter_fields(node):
        if field in _ANNOTATION_FIELDS:
            continue  # annotations are never evaluated (`from __future__ import annotations`)
        if isinstance(node, ast.Assert) and field == "msg":
            continue  # an assertion's message shows only when the code is already wrong
        if isinstance(node, ast.keyword) and node.arg in ("maxsize", "strict"):
            # a cache's size changes how fast, never what is computed; zip's `strict` is an
            # assertion that lengths agree, which no test of correct code can trip
            continue
        yield field, value


def _sites(tree: ast.Module) -> Iterator[tuple[tuple[int, int], str, str, Apply]]:
    """Every mutation of the tree as (line, operator, description, apply), in a fixed order:
    a fresh parse of the same source gives the same sites in the same order."""

    docstrings: set[int] = set()

    def visit(
        node: ast.AST, in_function: bool
    ) -> Iterator[tuple[tuple[int, int], str, str, Apply]]:
        at = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        yield from _node_sites(node, at, docstrings)
        function = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for _field, value in _children(node):
            if isinstance(value, list):
                statements = [v for v in value if isinstance(v, ast.stmt)]
                if statements and len(statements) == len(value):
                    if _is_docstring(value, value[0]):
                        docstrings.add(id(value[0].value))
                    yield from _statement_sites(value, function, docstrings)
                for child in value:
                    if isinstance(child, ast.AST):
                        yield from visit(child, function)
            elif isinstance(value, ast.AST):
                yield from visit(value, function)

    yield from visit(tree, False)


def _statement_sites(body: list, in_function: bool, docstrings: set[int]):
    for statement in list(body):
        if (
            not isinstance(statement, _REMOVABLE)
            or id(getattr(statement, "value", None)) in docstrings
        ):
            continue
        if isinstance(statement, ast.Assign) and not in_function:
            continue  # module constants: removing one fails at import, which says nothing

        def remove(body=body, statement=statement) -> None:
            body[body.index(statement)] = ast.Pass()

        at = (statement.lineno, statement.col_offset)
        yield at, "statement removed", f"remove `{_short(statement)}`", remove


def _node_sites(node: ast.AST, line: tuple[int, int], docstrings: set[int]):
    if isinstance(node, ast.Compare):
        for position, op in enumerate(node.ops):
            flipped = _COMPARISON_FLIPS.get(type(op))
            if flipped is None:
                continue
            mutated = copy.deepcopy(node)
            mutated.ops[position] = flipped()

            def flip(node=node, position=position, flipped=flipped) -> None:
                node.ops[position] = flipped()

            yield line, "comparison", f"`{_short(node)}` -> `{_short(mutated)}`", flip
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        mutated = ast.BoolOp(other(), node.values)

        def swap(node=node, other=other) -> None:
            node.op = other()

        yield line, "boolean", f"`{_short(node)}` -> `{_short(mutated)}`", swap
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):

        def drop_not(node=node) -> None:
            node.unwrap = True  # replaced by its operand before unparsing (`_Unwrap`)

        yield line, "not removed", f"`{_short(node)}` -> `{_short(node.operand)}`", drop_not
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        swapped = _ARITHMETIC_SWAPS.get(type(node.op))
        if swapped is not None and not _is_string_format(node):
            mutated = copy.deepcopy(node)
            mutated.op = swapped()

            def swap_op(node=node, swapped=swapped) -> None:
                node.op = swapped()

            yield line, "arithmetic", f"`{_short(node)}` -> `{_short(mutated)}`", swap_op
    elif isinstance(node, ast.Constant):
        yield from _constant_sites(node, line, docstrings)
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):

            def return_none(node=node) -> None:
                node.value = ast.Constant(None)

            yield line, "return value", f"`{_short(node)}` -> `return None`", return_none
    elif isinstance(node, (ast.If, ast.IfExp)):
        for value in (True, False):

            def fix(node=node, value=value) -> None:
                node.test = ast.Constant(value)

            yield line, "condition", f"`{_short(node.test)}` -> `{value}`", fix


def _is_string_format(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and (
        isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
    )


def _constant_sites(node: ast.Constant, line: tuple[int, int], docstrings: set[int]):
    value = node.value
    if isinstance(value, bool):

        def negate(node=node) -> None:
            node.value = not node.value

        yield line, "constant", f"`{value}` -> `{not value}`", negate
    elif isinstance(value, (int, float)):
        for step in (1, -1):
            changed = value + step

            def shift(node=node, changed=changed) -> None:
                node.value = changed

            yield line, "constant", f"`{value!r}` -> `{changed!r}`", shift
    elif isinstance(value, str) and value and id(node) not in docstrings:

        def mangle(node=node) -> None:
            node.value = "XX" + node.value + "XX"

        shown = value if len(value) <= 40 else value[:37] + "..."
        yield line, "string", f"`{shown!r}` -> `'XX...XX'`", mangle


class _Unwrap(ast.NodeTransformer):
    """`not x` whose `not` was removed becomes `x`."""

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return node.operand if getattr(node, "unwrap", False) else node


def mutants(source: str) -> list[Mutant]:
    return [
        Mutant(index, line, column, operator, description)
        for index, ((line, column), operator, description, _) in enumerate(
            _sites(ast.parse(source))
        )
    ]


def mutated_source(source: str, index: int | None) -> str:
    """The module with mutation `index` applied (None: unchanged, as the tool compiles it)."""
    tree = ast.parse(source)
    if index is not None:
        for number, (_, _, _, apply) in enumerate(_sites(tree)):
            if number == index:
                apply()
                break
        else:
            raise IndexError(index)
    tree = ast.fix_missing_locations(_Unwrap().visit(tree))
    return ast.unparse(tree)


# --- Equivalent mutants ----------------------------------------------------------------------


def read_equivalent(path: Path) -> dict[tuple[str, int, int, str], str]:
    """`module:line:column | description | reason` lines, as {(module, line, column,
    description): reason}."""
    known = {}
    if not path.exists():
        return known
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        parts = [p.strip() for p in text.split(" | ", 2)]
        place = re.fullmatch(r"(.+):(\d+):(\d+)", parts[0])
        if len(parts) != 3 or not parts[2] or place is None:
            raise SystemExit(
                f"{path}:{number}: expected 'module:line:column | description | reason'"
            )
        module, line, column = place.groups()
        known[(module, int(line), int(column), parts[1])] = parts[2]
    return known


def place_equivalent(
    equivalent: dict[tuple[str, int, int, str], str], everything: list[Mutant], module: str
) -> tuple[dict[int, str], list[tuple[tuple[str, int, int, str], Mutant]], list[tuple]]:
    """Which of `module`'s mutants the list names: {mutant index: reason}, the entries that
    moved (with the mutant each now names) and the stale ones.

    An entry names the mutant at its place with its description. An edit above it moves
    the line: an entry whose place holds no such mutant names the one mutant of the module
    with its description that no other entry names (at the same column first), and is
    reported as moved; where none or several are left, it is stale."""
    entries = {k: v for k, v in equivalent.items() if k[0] == module}
    by_key = {m.key(module): m for m in everything}
    named = {by_key[k].index: reason for k, reason in entries.items() if k in by_key}
    moved, stale = [], []
    for key in sorted(k for k in entries if k not in by_key):
        _, _, column, description = key
        free = [m for m in everything if m.description == description and m.index not in named]
        same_column = [m for m in free if m.column == column]
        for candidates in (same_column, free):
            if len(candidates) == 1:
                named[candidates[0].index] = entries[key]
                moved.append((key, candidates[0]))
                break
        else:
            stale.append(key)
    return named, moved, stale


# --- Running the tests against a mutant ------------------------------------------------------


def _warm_up() -> None:
    """Import what every child would import, once, before forking."""
    import lark  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import sympy  # noqa: F401
    import yaml  # noqa: F401
    from hypothesis import strategies  # noqa: F401


def _child(copy_root: Path, tests: list[str], workdir: Path) -> None:
    """In the forked child: import `grader` from the copy, run the tests, exit with pytest's
    code. Output goes to a log file in the temporary folder."""
    sys.dont_write_bytecode = True
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(copy_root))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(copy_root), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    os.environ["CI"] = "1"  # Hypothesis's derandomised profile (tests/conftest.py)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.chdir(workdir)
    log = os.open(workdir / "pytest.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    import pytest

    # pytest's own temporary folders go under this mutant's folder too, not the shared
    # /tmp/pytest-of-<user>, where other pytest sessions prune each other's folders.
    code = pytest.main(
        [
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT),
            "--basetemp",
            str(workdir / "basetemp"),
            *tests,
        ]
    )
    os._exit(int(code))


def run_tests(module: str, source: str, tests: list[str], timeout: float) -> tuple[str, float]:
    """("passed" | "failed" | "timeout" | "exit N", seconds) for the tests with `module`'s
    source replaced by `source`, in a temporary copy of the package (`module` is its path
    from the repository's root, e.g. grader/score.py)."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as temp:
        temp_path = Path(temp)
        copy_root = temp_path / "src"
        shutil.copytree(
            ROOT / PACKAGE,
            copy_root / PACKAGE,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        (copy_root / module).write_text(source)
        workdir = temp_path / "work"
        workdir.mkdir()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                os.setpgid(0, 0)
                _child(copy_root, tests, workdir)
            finally:
                os._exit(70)
        with contextlib.suppress(OSError):  # the child may have done it already
            os.setpgid(pid, pid)
        deadline = start + timeout

        def stop(signum, frame, pid=pid):  # the tool stopped: its child stops too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            raise SystemExit(128 + signum)

        previous = signal.signal(signal.SIGTERM, stop)
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                signal.signal(signal.SIGTERM, previous)
                return "timeout", time.monotonic() - start
            time.sleep(0.05)
        signal.signal(signal.SIGTERM, previous)
        elapsed = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        if os.environ.get("MUTATE_SHOW_LOG"):
            print((workdir / "pytest.log").read_text(errors="replace")[-3000:])
        # 1: a test failed; 2: collection failed (the mutant breaks the import): both notice it
        return ("passed" if code == 0 else "failed" if code == 1 else f"exit {code}"), elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="a module of the package, e.g. grader/score.py")
    parser.add_argument("--tests", nargs="+", required=True, help="test files to run per mutant")
    parser.add_argument("--sample", type=int, help="run only this many mutants, drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="for --sample")
    parser.add_argument("--only", type=int, nargs="+", help="only mutants on these lines")
    parser.add_argument(
        "--timeout", type=float, help="seconds per mutant (default: from the baseline run)"
    )
    parser.add_argument("--equivalent", type=Path, default=EQUIVALENT)
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument(
        "--again",
        type=Path,
        metavar="LOG",
        help="run only the survivors of an earlier run (its output) and the mutants it killed "
        "by the timeout, and give the score of that run's sample with what is killed now",
    )
    args = parser.parse_args(argv)

    module_path = (ROOT / args.module).resolve()
    module_path.relative_to(ROOT / PACKAGE)  # a module of the package, or ValueError
    module = shown_module = module_path.relative_to(ROOT).as_posix()
    source = module_path.read_text()
    everything = mutants(source)
    equivalent = read_equivalent(args.equivalent)
    if args.list:
        for mutant in everything:
            print(f"{mutant.where(shown_module)} | {mutant.description}  [{mutant.operator}]")
        print(f"{len(everything)} mutants")
        return 0
    chosen = everything
    earlier = _read_log(args.again, shown_module) if args.again else None
    if earlier is not None:
        # As many mutants of each place and description as the earlier run listed (older runs
        # named a line without its column, which may hold two alike).
        wanted = Counter(earlier.survivors)
        again = []
        for mutant in chosen:
            for key in (
                (mutant.line, mutant.column, mutant.description),
                (mutant.line, None, mutant.description),
            ):
                if wanted[key] > 0:
                    wanted[key] -= 1
                    again.append(mutant)
                    break
        chosen = again
    if args.only:
        chosen = [m for m in chosen if m.line in set(args.only)]
    if args.sample is not None and args.sample < len(chosen):
        chosen = sorted(random.Random(args.seed).sample(chosen, args.sample), key=lambda m: m.index)
    tests = [str((ROOT / t).resolve()) for t in args.tests]
    named, moved, stale = place_equivalent(equivalent, everything, shown_module)

    _warm_up()
    outcome, baseline = run_tests(module, mutated_source(source, None), tests, timeout=3600)
    if outcome != "passed":
        print(f"the tests do not pass on the unmutated module ({outcome}); nothing to measure")
        return 2
    # Generous: on a loaded machine a slow run must not pass for a mutant that loops.
    timeout = args.timeout or max(90.0, 5 * baseline + 30)
    print(
        f"{shown_module}: {len(everything)} mutants, running {len(chosen)}; "
        f"baseline {baseline:.1f} s, timeout {timeout:.0f} s",
        flush=True,
    )

    survivors, killed, skipped, timed_out = [], 0, 0, 0
    for number, mutant in enumerate(chosen, 1):
        if mutant.index in named:
            skipped += 1
            continue
        outcome, seconds = run_tests(module, mutated_source(source, mutant.index), tests, timeout)
        where = mutant.where(shown_module)
        if outcome == "passed":
            survivors.append(mutant)
            print(f"[{number}/{len(chosen)}] SURVIVED {where} | {mutant.description}", flush=True)
        else:
            killed += 1
            timed_out += outcome == "timeout"
            print(
                f"[{number}/{len(chosen)}] killed ({outcome}, {seconds:.1f} s) {where} | "
                f"{mutant.description}",
                flush=True,
            )

    for (_, line, column, description), mutant in moved:
        print(
            f"moved entry in {args.equivalent.name}: {shown_module}:{line}:{column} is now "
            f"{mutant.where(shown_module)} | {description}"
        )
    for _, line, column, description in stale:
        print(
            f"stale entry in {args.equivalent.name}: {shown_module}:{line}:{column} | {description}"
        )
    counted = killed + len(survivors)
    score = 100.0 * killed / counted if counted else 100.0
    print(
        f"\n{shown_module}: {killed} killed, {len(survivors)} survived, {skipped} equivalent "
        f"(documented) of {len(chosen)} run: score {score:.1f}%"
    )
    if timed_out:
        print(f"  ({timed_out} of the killed by the timeout of {timeout:.0f} s)")
    for mutant in survivors:
        print(f"  survivor {mutant.where(shown_module)} | {mutant.description}")
    if earlier is not None:
        gone = len(earlier.survivors) - len(chosen)  # the module or the tool changed since
        total_killed = earlier.killed + killed
        counted = total_killed + len(survivors)
        print(
            f"\nwith the earlier run ({args.again.name}: {earlier.killed} killed, "
            f"{len(earlier.survivors)} survived or timed out, {earlier.equivalent} equivalent of "
            f"{earlier.run}): {total_killed} killed, {len(survivors)} survived, "
            f"{earlier.equivalent + skipped} equivalent, {gone} no longer made: "
            f"score {100.0 * total_killed / counted if counted else 100.0:.1f}%"
        )
    return 0 if not survivors else 1


@dataclass(frozen=True)
class _Log:
    killed: int
    equivalent: int
    run: int
    survivors: tuple[tuple[int, int | None, str], ...]  # (line, column, description)


def _read_log(path: Path, module: str) -> _Log:
    """The summary and the survivors of an earlier run of this tool on `module`."""
    text = path.read_text()
    summary = re.search(
        re.escape(module) + r": (\d+) killed, \d+ survived, (\d+) equivalent "
        r"\(documented\) of (\d+) run",
        text,
    )
    if summary is None:
        raise SystemExit(f"{path}: no finished run of {module}")
    place = re.escape(module) + r":(\d+)(?::(\d+))? \| (.+)$"  # older runs gave no column
    survivors = re.findall(r"^  survivor " + place, text, re.M)
    # Mutants killed only by the timeout are run again too: a loaded machine may have made
    # a passing run slow.
    timed_out = re.findall(r"killed \(timeout, [\d.]+ s\) " + place, text, re.M)
    killed, equivalent, run = map(int, summary.groups())
    killed -= len(timed_out)
    return _Log(
        killed,
        equivalent,
        run,
        tuple(
            (int(line), int(column) if column else None, description)
            for line, column, description in (*survivors, *timed_out)
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
