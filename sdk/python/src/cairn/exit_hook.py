"""Delivering what open runs still buffer when the interpreter exits on its own.

``atexit`` handlers run after Python has joined its non-daemon threads but while daemon threads
(the runs' senders) still run, so a flush here completes. Nothing runs after ``os._exit`` or a
fatal signal: end runs (or use ``with``) before those.
"""

from __future__ import annotations

import atexit
import sys
import threading
from typing import TYPE_CHECKING, Set

if TYPE_CHECKING:
    from .run import Run

#: How long exit waits for one run's delivery; retries of an unreachable server would take longer.
EXIT_FLUSH_SECONDS = 60.0

_open: Set["Run"] = set()
_lock = threading.Lock()
_registered = False


def watch(run: "Run") -> None:
    global _registered
    with _lock:
        _open.add(run)
        if not _registered:
            atexit.register(_flush_open_runs)
            _registered = True


def unwatch(run: "Run") -> None:
    with _lock:
        _open.discard(run)


def _flush_open_runs() -> None:
    with _lock:
        runs = list(_open)
    for run in runs:
        if not run.has_pending:
            continue
        try:
            if not run._wait(EXIT_FLUSH_SECONDS):
                print(
                    f"cairn: run {run.id}: gave up delivering metrics at exit after {EXIT_FLUSH_SECONDS:.0f} s",
                    file=sys.stderr,
                )
                continue
            run._raise_failures()
        except Exception as error:  # noqa: BLE001 - reported; exit goes on
            # A training script that lost data must say so where its output goes.
            print(f"cairn: run {run.id}: metrics could not be delivered before exit: {error}", file=sys.stderr)
