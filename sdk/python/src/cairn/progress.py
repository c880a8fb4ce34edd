"""Transfer progress as plain lines (``uploading 3/10 files, 1.2 MiB/4.0 MiB, 3.1 MiB/s``).

Plain lines, not a redrawn bar: they read the same in a terminal, a notebook cell and a CI log,
and need nothing beyond the standard library.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Optional, TextIO, Union

#: What the ``progress=`` argument of transfers takes: None (lines only for transfers that take a
#: while), True (always, to stderr), False (never), or a stream to write to.
ProgressArg = Union[None, bool, TextIO]

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def format_bytes(count: float) -> str:
    """``1.50 GiB``: binary units, three significant figures."""
    value = float(count)
    unit = 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    return f"{int(value)} B" if unit == 0 else f"{value:.3g} {_UNITS[unit]}"


class Progress:
    """Counts files and bytes from any thread, and prints a line every ``interval`` seconds.

    With ``progress=None`` a transfer that ends before the first interval prints nothing at all,
    so small pushes in a notebook stay quiet; one that printed lines also prints the last one.
    """

    def __init__(
        self,
        label: str,
        total_files: int,
        total_bytes: int,
        progress: ProgressArg = None,
        interval: float = 2.0,
    ) -> None:
        self.label = label
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.files = 0
        self.bytes = 0
        self._interval = interval
        self._always = progress is True or (progress not in (None, False, True))
        self._sink: Optional[TextIO] = None
        if progress is None or progress is True:
            self._sink = sys.stderr
        elif progress is not False:
            self._sink = progress  # type: ignore[assignment]
        self._started = time.monotonic()
        self._last_line = self._started
        self._printed = False
        self._finished = False
        self._lock = threading.Lock()

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self.bytes += count
        self._maybe_print()

    def file_done(self) -> None:
        with self._lock:
            self.files += 1
        self._maybe_print()

    def skip(self, size: int) -> None:
        """A file counted as done without moving its bytes: already stored, or already local."""
        with self._lock:
            self.bytes += size
            self.files += 1
        self._maybe_print()

    def line(self) -> str:
        seconds = max(0.001, time.monotonic() - self._started)
        return (
            f"{self.label} {self.files}/{self.total_files} files, "
            f"{format_bytes(self.bytes)}/{format_bytes(self.total_bytes)}, "
            f"{format_bytes(self.bytes / seconds)}/s"
        )

    def finish(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
            wanted = self._always or self._printed
        if wanted:
            self._write(self.line())

    def _maybe_print(self) -> None:
        if self._sink is None:
            return
        now = time.monotonic()
        with self._lock:
            if self._finished or now - self._last_line < self._interval:
                return
            self._last_line = now
            self._printed = True
        self._write(self.line())

    def _write(self, text: str) -> None:
        if self._sink is None:
            return
        try:
            self._sink.write(text + "\n")
            self._sink.flush()
        except (OSError, ValueError):
            pass  # A closed stream must not fail the transfer it reports on.
