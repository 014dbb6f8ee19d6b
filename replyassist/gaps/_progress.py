"""A minimal stderr progress bar (no dependency), one line per stage, throttled."""
from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

__all__ = ["Progress", "make_progress"]


class Progress:
    """``Progress("encoding", total)(done)`` redraws ``[gaps] encoding  ####----  1200/5000  24%  eta 41s``."""

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, width: int = 24,
                 min_interval: float = 0.25) -> None:
        self.label, self.total, self.width = label, max(0, int(total)), width
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = min_interval
        self.start = time.monotonic()
        self._last = 0.0
        self._closed = False
        #: on a terminal the bar is redrawn in place; in a log file only the "done" lines are written
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = int(total)
        now = time.monotonic()
        if done < self.total and now - self._last < self.min_interval:
            return
        self._last = now
        if not self.live:
            if done >= self.total:
                self.close()
            return
        tot = max(self.total, 1)
        frac = min(1.0, done / tot)
        bar = "#" * int(frac * self.width) + "-" * (self.width - int(frac * self.width))
        el = now - self.start
        eta = f"  eta {el / frac - el:4.0f}s" if 0 < frac < 1 and el > 1 else ""
        self.stream.write(f"\r[gaps] {self.label:<10} {bar} {done}/{self.total} {frac * 100:3.0f}%{eta}   ")
        self.stream.flush()
        if done >= self.total:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            lead = "\r" if self.live else ""
            self.stream.write(f"{lead}[gaps] {self.label:<10} done: {self.total} in {time.monotonic() - self.start:.1f}s"
                              + (" " * 30 if self.live else "") + "\n")
            self.stream.flush()


def _noop(done: int, total: int | None = None) -> None:
    return None


def make_progress(enabled: bool | Callable[[str, int, int], None]) -> Callable[[str, int], Callable[..., None]]:
    """A factory ``(label, total) -> callback(done, total=None)``.

    ``enabled`` is ``True`` (stderr bar), ``False`` (silent) or a callable ``(label, done, total)``.
    """
    if callable(enabled) and not isinstance(enabled, bool):
        user = enabled

        def factory(label: str, total: int) -> Callable[..., None]:
            state = {"total": total}

            def cb(done: int, total_: int | None = None) -> None:
                if total_ is not None:
                    state["total"] = total_
                user(label, done, state["total"])
            return cb
        return factory
    if enabled:
        return lambda label, total: Progress(label, total)
    return lambda label, total: _noop
