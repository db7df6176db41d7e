"""Whether a process of ours still runs, for tests that make sure no child outlives its
command (worker, reader, page process, warm checker): read from /proc, never timed."""

from __future__ import annotations

import time
from pathlib import Path


def alive(pid: int) -> bool:
    """Running or able to run: not gone, and not a zombie waiting for a reaper."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_until_gone(pids: list[int]) -> list[int]:
    """The pids still alive after a generous wait (a hang guard, not a speed assertion)."""
    for _ in range(600):
        if not any(alive(pid) for pid in pids):
            return []
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]
