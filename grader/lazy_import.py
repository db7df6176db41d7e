"""A module imported when it is first used, not when the module naming it is imported.

numpy is needed only to check a formula or a matrix, yet the kinds that use it are imported by
every command: `grader check` of a count would pay for importing numpy (about a tenth of a
second) and never use it. `np = lazy_import("numpy")` is used as `np` always is; the first
attribute read imports numpy, and copies its names into the stand-in, so that later reads cost
what reading a module's attribute costs.
"""

from __future__ import annotations

import importlib
from typing import Any


class _Lazy:
    """A stand-in for the module `_lazy_name`, which it imports on the first attribute read."""

    def __init__(self, name: str):
        self._lazy_name = name

    def __getattr__(self, attribute: str) -> Any:
        # Reached only for names not copied yet: the first read, or a submodule the module
        # itself imports on first use (numpy.linalg).
        module = importlib.import_module(self._lazy_name)
        vars(self).update(vars(module))
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<module {self._lazy_name!r}, imported on first use>"


def lazy_import(name: str) -> Any:
    """The module `name`, imported when one of its attributes is first read."""
    return _Lazy(name)
