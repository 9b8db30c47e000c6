"""Logs that cannot flood: the same message at most a few times a minute per logger.

A server under attack, or out of file descriptors, can log one traceback per connection
(asyncio once wrote 185 MB of them here). :class:`RepeatFilter` lets the first few copies of
a message through in each window, drops the rest, and says how many it dropped on the next
copy it lets through.
"""

from __future__ import annotations

import logging
import time

#: The loggers a flood comes through: uvicorn's errors and warnings, asyncio's own.
NOISY = ("uvicorn.error", "asyncio", "convplay.api")


class RepeatFilter(logging.Filter):
    """At most ``burst`` records with the same message template per ``window`` seconds.

    >>> f = RepeatFilter(burst=2, window=60)
    >>> record = lambda: logging.makeLogRecord({"msg": "socket.accept() out of system resource"})
    >>> [f.filter(record()) for _ in range(4)]
    [True, True, False, False]
    """

    def __init__(self, burst: int = 5, window: float = 60.0) -> None:
        super().__init__()
        self.burst, self.window = burst, window
        self._seen: dict[str, tuple[float, int, int]] = {}  # msg → window start, kept, dropped

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        key = str(record.msg)
        start, kept, dropped = self._seen.get(key, (now, 0, 0))
        if now - start >= self.window:
            start, kept = now, 0
        if kept >= self.burst:
            self._seen[key] = (start, kept, dropped + 1)
            return False
        if dropped:
            record.msg = f"{record.msg} ({dropped} more like this were not logged)"
        self._seen[key] = (start, kept + 1, 0)
        if len(self._seen) > 1000:  # many distinct messages: forget the oldest windows
            self._seen = dict(list(self._seen.items())[-500:])
        return True


def install(names: tuple[str, ...] = NOISY) -> None:
    """Put one :class:`RepeatFilter` on each of these loggers (once)."""
    for name in names:
        log = logging.getLogger(name)
        if not any(isinstance(f, RepeatFilter) for f in log.filters):
            log.addFilter(RepeatFilter())
