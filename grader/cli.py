"""The `grader` command. User mistakes are caught here, in one place, and exit with a code:

0  the command did its job (whatever the marks)
2  the command line is wrong (unknown option, unknown item)
3  the rubric cannot be used
4  no submission could be read
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader import __version__
from grader.errors import GraderError
from grader.grade import grade_answer, grade_paths
from grader.report import batch_json, format_item, format_table, item_json, write_outputs
from grader.rubric import load_rubric

EXIT_USAGE = 2
EXIT_NO_SUBMISSIONS = 4


class UsageError(GraderError):
    exit_code = EXIT_USAGE


def _check(args: argparse.Namespace) -> int:
    rubric = load_rubric(args.rubric)
    items = rubric.items
    if args.item not in items:
        raise UsageError(
            f"the rubric {args.rubric} has no item {args.item!r}; its items are " + ", ".join(items)
        )
    result = grade_answer(rubric, items[args.item], args.answer)
    if args.json:
        print(json.dumps({"item": args.item, **item_json(result)}, indent=2, ensure_ascii=False))
    else:
        print(format_item(result))
    return 0


def _grade(args: argparse.Namespace) -> int:
    rubric = load_rubric(args.rubric)
    batch = grade_paths(rubric, [Path(p) for p in args.paths])
    for failure in batch.failures:
        print(f"error: {failure.message}", file=sys.stderr)
    if batch.results:
        print(format_table(rubric, batch))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(
            json.dumps(batch_json(rubric, batch), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    if args.out:
        written = write_outputs(rubric, batch, Path(args.out))
        print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    graded, failed = len(batch.results), len(batch.failures)
    print(
        f"graded {graded} submission{'s' if graded != 1 else ''}"
        + (f"; {failed} could not be graded (see above)" if failed else ""),
        file=sys.stderr,
    )
    if not batch.results:
        print("error: no submission could be graded", file=sys.stderr)
        return EXIT_NO_SUBMISSIONS
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Grade written maths and machine-learning answers against a YAML rubric.",
    )
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="grade one answer to one item and explain the verdict",
        description="Grade one answer, e.g.: grader check rubrics/22-52-q4.yaml a.params '9CD+D'",
    )
    check.add_argument("rubric", metavar="RUBRIC", help="the rubric YAML file")
    check.add_argument("item", metavar="ITEM", help="the item id, e.g. a.params")
    check.add_argument("answer", metavar="ANSWER", help="the answer as the student wrote it")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(run=_check)

    grade = commands.add_parser(
        "grade",
        help="grade submission files and folders and print a table of marks",
        description="Grade every submission (*.yaml, *.yml) in the given files and folders.",
    )
    grade.add_argument("paths", nargs="+", metavar="PATH", help="submission files or folders")
    grade.add_argument("--rubric", required=True, metavar="RUBRIC", help="the rubric YAML file")
    grade.add_argument(
        "--out",
        metavar="DIR",
        help="write each student's feedback (DIR/<student>.txt) and DIR/results.json",
    )
    grade.add_argument("--json", metavar="FILE", help="write all results as JSON to FILE")
    grade.set_defaults(run=_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except GraderError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # e.g. an output folder we may not write to
        print(
            f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
