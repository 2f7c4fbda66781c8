"""Pausing Python's cyclic garbage collector around bulk work that creates no reference cycles.

CPython runs a collection every 700 new container objects, and a full one whenever the long-lived objects grew by a
quarter: building hundreds of thousands of row tuples or result objects makes it walk them over and over, for
nothing when they cannot form cycles. Reference counting still frees everything as usual while paused.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # blocks in progress, in any thread
_was_enabled = True  # the collector's state before the first of them


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block; re-enabled after the last concurrent block, if it was on before."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()


@contextmanager
def frozen_gc() -> Iterator[None]:
    """Move every object alive now out of the collector's sight for the block (`gc.freeze`), then back.

    For one job after its imports: the objects they made stay alive through it, so full collections need not walk
    them each time the job's own objects pile up. Frozen objects are still freed by reference counting. A no-op
    when something else froze objects already (freezing does not nest).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
