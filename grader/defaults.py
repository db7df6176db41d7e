"""The defaults and names the command line shows in its help: the bounds a check runs under,
the cores it may use, the LMS layouts and the gradebook's name. Kept in a module that imports
only the standard library, so that `grader --help`, a command's help and a wrong command line
answer without the grader's maths (sympy alone takes most of a second to import); the modules
that apply them import them from here."""

from __future__ import annotations

import os

DEFAULT_TIMEOUT = 10.0  # seconds of computing time for one answer
DEFAULT_MEMORY_MB = 1024  # memory of one worker (`workers.bound_memory`)
WALL_FACTOR = 10  # the wall-clock backstop, in multiples of the computing-time limit
LMS_FORMATS = ("canvas", "moodle", "blackboard", "gradescope")  # grader/lms_csv.py's layouts
DB_NAME = "gradebook.sqlite"  # the gradebook `grader grade --out DIR` keeps in DIR
EXIT_STRICT = 5  # `grader grade --strict`: a file skipped or conflicted, or an override lapsed


def usable_cores() -> int:
    """The cores this process may run on (its affinity), not all the machine has."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
