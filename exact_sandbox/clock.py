"""The sandbox's notion of time.

Every time rule (token lifetimes, rate-limit windows, error-block hours) reads
``state.clock.now()`` so tests can move time forward instead of sleeping.
"""
import threading
import time


class Clock:
    """Wall-clock time plus an adjustable offset, in epoch seconds."""

    def __init__(self, offset: float = 0.0):
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset = seconds

    @property
    def offset(self) -> float:
        return self._offset
