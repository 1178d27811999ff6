"""The plugin's notion of time: real time plus an offset that tests can move.

Token ages, rate-limit resets and error-budget hours all read `now()`, so a test can move the
plugin's clock in step with the sandbox's instead of sleeping. The default offset is zero.
"""
import time

_offset = 0.0


def now():
    """Epoch seconds."""
    return time.time() + _offset


def set_offset(seconds):
    global _offset
    _offset = float(seconds)


def sleep(seconds):
    """Wait real time (resets are in the future by the same amount on both clocks)."""
    if seconds > 0:
        time.sleep(seconds)
