"""A pytest plugin for runs under libfaketime (scripts/test-other-dates.sh loads it with -p).

libfaketime 0.9.10 (Debian 12's) breaks `time.sleep` of Python >= 3.11 when the monotonic clock is
left real (FAKETIME_DONT_FAKE_MONOTONIC=1): Python sleeps with
clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ...), libfaketime shifts that absolute deadline by
the fake offset anyway and the kernel answers EINVAL (libfaketime issue #426). subprocess's wait
loop sleeps like that, so a test that runs the CLI in a child process fails for a reason that has
nothing to do with the date. Here `time.sleep` waits on a lock with a timeout instead, which
libfaketime leaves alone. The product itself never calls time.sleep.
"""

from __future__ import annotations

import threading
import time
from typing import SupportsIndex

_real_sleep = time.sleep


def _sleep(seconds: float | SupportsIndex) -> None:
    if float(seconds) < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(float(seconds))


def pytest_configure() -> None:
    try:
        _real_sleep(0.001)
    except OSError:  # the libfaketime bug is there: work around it
        time.sleep = _sleep
