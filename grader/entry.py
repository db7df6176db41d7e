"""The `grader` command's entry point. `grader check --warm ...`, and `grader check` of an
answer at a terminal, go to the thin client of the warm checker (grader/warm.py), which imports
only the standard library; every other command line is read by grader.command_line, light too,
and run by grader.cli, which imports what the command needs."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        argv = sys.argv[1:]
        from grader import warm

        if warm.wants_warm(argv) or warm.wants_stop(argv):
            return warm.run_client(argv)
        # The command line is read before the command is imported: its help, `--version`
        # and a usage error answer at once (grader/command_line.py imports nothing heavy).
        from grader.command_line import parse_args

        args = parse_args(argv)
        from grader.cli import main as cli_main

        return cli_main(args=args)
    except KeyboardInterrupt:
        # Ctrl-C before a command took charge of it (while the grader is imported, the
        # arguments read, the warm checker asked): what a command says, not a traceback.
        print("interrupted", file=sys.stderr)
        return 130
