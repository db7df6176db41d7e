"""The `grader` command's entry point. `grader check --warm ...`, and `grader check` of an
answer at a terminal, go to the thin client of the warm checker (grader/warm.py), which imports
only the standard library; every other command line goes to grader.cli, which imports what the
command needs."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        argv = sys.argv[1:]
        from grader import warm

        if warm.wants_warm(argv) or warm.wants_stop(argv):
            return warm.run_client(argv)
        from grader.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        # Ctrl-C before a command took charge of it (while the grader is imported, the
        # arguments read, the warm checker asked): what a command says, not a traceback.
        print("interrupted", file=sys.stderr)
        return 130
