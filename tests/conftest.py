"""Hypothesis draws new examples on every run on a developer's machine, where a new failure is
worth finding; in CI (`CI` set, as `.ci/run` sets it) it draws the same ones every time, so
that a run lands or not on the code, not on luck. A failure found locally is replayed from
Hypothesis's example database."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
