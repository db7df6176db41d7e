"""The `grader` command line: its parser, and the command line read. Imports only the standard
library and grader's light modules, so that `grader --help`, a command's `--help`, `--version`
and a wrong command line answer at once; grader/cli.py runs the command it names (each
subcommand's `handler` is the name cli.COMMANDS knows it by)."""

from __future__ import annotations

import argparse

from grader import __version__
from grader.defaults import (
    DB_NAME,
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    EXIT_STRICT,
    LMS_FORMATS,
    WALL_FACTOR,
    usable_cores,
)
from grader.errors import printable, writable_as_utf8
from grader.warm import answers_as_words


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _add_bounds(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--timeout",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="stop checking one answer after this much computing (CPU) time, or after "
        f"{WALL_FACTOR} times as long on the clock (default {DEFAULT_TIMEOUT:g})",
    )
    command.add_argument(
        "--memory",
        type=_positive_int,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help=f"memory for checking one answer (default {DEFAULT_MEMORY_MB})",
    )


def _add_roster(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--roster",
        metavar="FILE",
        help="the class roster (CSV: id, name, email, section, LMS ids); grades.csv carries "
        "its columns (see docs/lms-exports.md)",
    )


def _add_question(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--question",
        metavar="ID",
        help="only this question of the exam (default: every question)",
    )


def _add_mixed_rubrics(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--mixed-rubrics",
        action="store_true",
        help="write the outputs even when students were graded under different versions of "
        "the rubric (each row names its version); without it, that is refused",
    )


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
        # Options in full only: the thin client of the warm checker (grader/warm.py) reads the
        # command line without argparse, and must read it as this parser does.
        allow_abbrev=False,
    )
    check.add_argument("rubric", metavar="RUBRIC", help="the rubric YAML file")
    check.add_argument("item", metavar="ITEM", help="the item id, e.g. a.params")
    check.add_argument("answer", metavar="ANSWER", help="the answer as the student wrote it")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    where = check.add_mutually_exclusive_group()
    where.add_argument(
        "--warm",
        action="store_true",
        help="ask the warm checker, a process of yours that keeps the grader imported (started "
        "if none runs, it stops after 15 minutes unused): the same output, in a blink. The "
        "default when the output goes to a terminal, unless GRADER_WARM=0 or CI is set. "
        "`grader check --warm --stop` stops it",
    )
    where.add_argument(
        "--no-warm",
        action="store_true",
        help="check in this process, without the warm checker (the default when the output "
        "does not go to a terminal)",
    )
    _add_bounds(check)
    check.set_defaults(handler="check")

    grade = commands.add_parser(
        "grade",
        help="grade submission files and folders and print a table of marks",
        description="Grade every submission (*.yaml, *.yml, *.md, *.tex) in the given files and "
        "folders, and the LMS exports (*.csv, *.xlsx) named.",
    )
    grade.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="submission files or folders, or LMS quiz exports (.csv, .xlsx) named here "
        "(with --exam, by default the submissions the exam file names)",
    )
    grade.add_argument(
        "--rubric",
        action="append",
        metavar="RUBRIC",
        help="the rubric YAML file; give it once per question to grade an exam of several",
    )
    grade.add_argument(
        "--exam",
        metavar="FILE",
        help="an exam file naming its questions' rubrics, weights and submissions "
        "(see docs/exams.md)",
    )
    _add_question(grade)
    grade.add_argument(
        "--out",
        metavar="DIR",
        help="write the students' pages to DIR/students/, the class overview, grades.csv and "
        f"results.json to DIR/instructor/, and the gradebook DIR/{DB_NAME}",
    )
    grade.add_argument("--db", metavar="FILE", help=f"the SQLite gradebook (default DIR/{DB_NAME})")
    grade.add_argument("--json", metavar="FILE", help="write all results as JSON to FILE")
    grade.add_argument(
        "--jobs",
        type=_positive_int,
        default=usable_cores(),
        metavar="N",
        help="check answers in up to N worker processes, no more than the cores or the answers "
        "(default: the number of cores)",
    )
    grade.add_argument(
        "--no-cache",
        action="store_true",
        help="check every answer again instead of reusing the gradebook's earlier checks",
    )
    grade.add_argument(
        "--columns",
        metavar="FILE",
        help="a mapping file naming the column of each item in an LMS export "
        "(see docs/lms-exports.md)",
    )
    grade.add_argument(
        "--changes",
        metavar="FILE",
        help="write what this re-grade changed (marks that moved, overrides that lapsed) as "
        "CSV to FILE, one row per student and item",
    )
    grade.add_argument(
        "--strict",
        action="store_true",
        help=f"exit with code {EXIT_STRICT} when a file was skipped or conflicted (two files "
        "claiming one student) or an override lapsed",
    )
    _add_roster(grade)
    _add_mixed_rubrics(grade)
    _add_bounds(grade)
    grade.set_defaults(handler="grade")

    report = commands.add_parser(
        "report", help="re-render the HTML pages and CSV from a gradebook without re-grading"
    )
    report.add_argument("--db", required=True, metavar="FILE", help="the SQLite gradebook")
    report.add_argument("--out", required=True, metavar="DIR", help="where to write the pages")
    _add_question(report)
    _add_roster(report)
    _add_mixed_rubrics(report)
    report.set_defaults(handler="report")

    rubric = commands.add_parser("rubric", help="write a new rubric or check one")
    rubric_commands = rubric.add_subparsers(dest="rubric_command", required=True, metavar="ACTION")
    new = rubric_commands.add_parser("new", help="write a commented rubric skeleton")
    new.add_argument("id", metavar="ID", help="the question id, e.g. 23-10-Q2")
    new.add_argument("--out", required=True, metavar="FILE", help="the rubric file to write")
    new.set_defaults(handler="rubric new")
    check_rubric_parser = rubric_commands.add_parser(
        "check", help="validate a rubric and run its self-tests"
    )
    check_rubric_parser.add_argument("file", metavar="FILE", help="the rubric YAML file")
    check_rubric_parser.set_defaults(handler="rubric check")

    override = commands.add_parser(
        "override",
        help="set an answer's marks by hand; kept across re-grades while the answer is unchanged",
    )
    override.add_argument("--db", required=True, metavar="FILE", help="the SQLite gradebook")
    override.add_argument(
        "target",
        nargs="+",
        metavar="STUDENT ITEM MARKS",
        help="the student, the item id (e.g. e.explanation) and the marks; with "
        "--answer-group, the marks only",
    )
    override.add_argument(
        "--answer-group",
        metavar="ID",
        help="decide every student of this answer group waiting for review (the ids are in "
        "`grader review --json`), as `grader serve` does",
    )
    override.add_argument("--note", default="", help="why, shown to the student")
    override.add_argument(
        "--question",
        help="the question id (default: the only question that has this student and item)",
    )
    override.add_argument(
        "--reviewer", metavar="NAME", help="who decides, for the audit trail (default: OS user)"
    )
    override.set_defaults(handler="override")

    review = commands.add_parser(
        "review", help="list the answers that need review, grouped by identical answer"
    )
    review.add_argument("--db", required=True, metavar="FILE", help="the SQLite gradebook")
    review.add_argument(
        "--json",
        action="store_true",
        help="print the queue as JSON: each group's id, item, answer, reasons and students",
    )
    _add_question(review)
    review.set_defaults(handler="review")

    serve = commands.add_parser(
        "serve", help="review and override answers in the browser (on 127.0.0.1, with a token)"
    )
    serve.add_argument("--db", required=True, metavar="FILE", help="the SQLite gradebook")
    serve.add_argument("--reviewer", metavar="NAME", help="who decides (default: OS user)")
    serve.add_argument("--port", type=int, default=8765, help="default 8765; 0 picks a free one")
    serve.add_argument(
        "--host",
        metavar="ADDRESS",
        default="127.0.0.1",
        help="the address to listen on and the only other name requests may be addressed to "
        "(default 127.0.0.1); another than the local one needs --reviewers",
    )
    serve.add_argument(
        "--reviewers",
        metavar="NAME,NAME,...",
        help="several TAs: one URL with its own token per name, printed at start; each TA's "
        "decisions are signed with their name",
    )
    serve.add_argument("--out", metavar="DIR", help="the folder the rebuild button writes")
    serve.add_argument(
        "--question",
        metavar="ID",
        help="the question to review, in a gradebook of several (default: the latest graded)",
    )
    serve.set_defaults(handler="serve")

    export = commands.add_parser(
        "export", help="write the marks CSV from a gradebook, ours or in an LMS's import layout"
    )
    export.add_argument("--db", required=True, metavar="FILE", help="the SQLite gradebook")
    export.add_argument("--csv", required=True, metavar="FILE", help="the CSV file to write")
    export.add_argument(
        "--format",
        choices=("grades", *LMS_FORMATS),
        default="grades",
        help="grades (ours, the default), or the import layout of canvas, moodle, blackboard "
        "or gradescope (these need --roster, but gradescope)",
    )
    export.add_argument(
        "--refuse-pending",
        action="store_true",
        help="write nothing while any mark awaits review (by default such a mark is left "
        "empty and flagged)",
    )
    _add_question(export)
    _add_roster(export)
    _add_mixed_rubrics(export)
    export.set_defaults(handler="export")

    release = commands.add_parser(
        "release",
        help="write the students' pages only, for release, with a manifest for the upload",
    )
    release.add_argument("--db", required=True, metavar="FILE", help="the SQLite gradebook")
    release.add_argument(
        "--to", required=True, metavar="DIR", help="the folder to write the pages and manifest"
    )
    release.add_argument(
        "--include-pending",
        action="store_true",
        help="release students with answers awaiting review too (those answers shown as "
        "awaiting review); by default such students are withheld",
    )
    _add_question(release)
    _add_roster(release)
    release.set_defaults(handler="release")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line read, an answer to `grader check` that starts with `-` among its
    words (`warm.answers_as_words`). A text the gradebook keeps must be UTF-8: a byte that
    is not (Python reads it as half a UTF-16 pair) is a usage error, not a traceback."""
    parser = build_parser()
    args = parser.parse_args(answers_as_words(argv))
    for option, name in _KEPT_TEXTS:
        for value in _texts(getattr(args, name, None)):
            if not writable_as_utf8(value):
                parser.error(f"{option} {printable(value)}: not valid UTF-8 text")
    return args


# The texts of a command line that a gradebook keeps: (as named in a message, attribute).
_KEPT_TEXTS = (
    ("--note", "note"),
    ("--reviewer", "reviewer"),
    ("--reviewers", "reviewers"),
    ("--answer-group", "answer_group"),
    ("STUDENT ITEM MARKS", "target"),
)


def _texts(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or ())
