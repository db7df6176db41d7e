"""Re-point the entries of tools/equivalent_mutants.txt after edits to the modules they name.

    .venv/bin/python tools/repoint_mutants.py BASE

BASE is a commit at which the list was right (e.g. the commit before your edits). Each entry's
line is followed from that commit's version of its module to the working tree's: where the
line itself is unchanged (it is in a block of lines the two versions share, by `difflib`), the
entry is rewritten at its new number, its column, description and reason kept. An entry whose
line was changed or removed is left as it is and printed: its code changed, so its reason must
be read again (and the entry re-pointed or dropped by hand). Nothing else is written.
`tests/test_mutate_tool.py` then says whether every entry names its mutant.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tools" / "equivalent_mutants.txt"
_ENTRY = re.compile(r"(?P<module>\S+?):(?P<line>\d+):(?P<column>\d+)(?P<rest> \| .*)")


def moved_lines(old: str, new: str) -> dict[int, int]:
    """{line number in `old`: its number in `new`} for each line the two texts share in a block
    of unchanged lines (1-based); a changed or removed line has none."""
    before, after = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return {
        a + k + 1: b + k + 1 for a, b, size in matcher.get_matching_blocks() for k in range(size)
    }


def repoint(listing: str, old_source, new_source) -> tuple[str, list[str]]:
    """`listing` (the list's text) with each entry's line followed from `old_source(module)` to
    `new_source(module)`, and the entries whose line has no place in the new version."""
    maps: dict[str, dict[int, int]] = {}
    lines, unplaced = [], []
    for raw in listing.splitlines(keepends=True):
        entry = _ENTRY.fullmatch(raw.rstrip("\n"))
        if entry is None:
            lines.append(raw)
            continue
        module = entry["module"]
        if module not in maps:
            maps[module] = moved_lines(old_source(module), new_source(module))
        line = maps[module].get(int(entry["line"]))
        if line is None:
            unplaced.append(raw.rstrip("\n"))
            lines.append(raw)
            continue
        lines.append(f"{module}:{line}:{entry['column']}{entry['rest']}\n")
    return "".join(lines), unplaced


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="a commit at which the list named each mutant")
    parser.add_argument("--equivalent", type=Path, default=EQUIVALENT)
    args = parser.parse_args(argv)

    def old_source(module: str) -> str:
        shown = subprocess.run(
            ["git", "show", f"{args.base}:{module}"], cwd=ROOT, capture_output=True, text=True
        )
        if shown.returncode != 0:
            raise SystemExit(f"git show {args.base}:{module}: {shown.stderr.strip()}")
        return shown.stdout

    def new_source(module: str) -> str:
        return (ROOT / module).read_text()

    listing, unplaced = repoint(args.equivalent.read_text(), old_source, new_source)
    args.equivalent.write_text(listing)
    for raw in unplaced:
        print(f"its line changed, read it again: {raw}")
    return 1 if unplaced else 0


if __name__ == "__main__":
    sys.exit(main())
