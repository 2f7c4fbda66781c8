import gc
import threading

from core.gcpause import frozen_gc, paused_gc


def test_paused_gc_disables_the_collector_and_restores_it() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gc_stays_off_until_the_last_concurrent_block_ends() -> None:
    entered, inner_done, outer_may_finish = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def outer() -> None:
        with paused_gc():
            entered.set()
            inner_done.wait(5)
            seen.append(gc.isenabled())  # the other block ended first: still paused for this one
            outer_may_finish.set()

    thread = threading.Thread(target=outer)
    thread.start()
    assert entered.wait(5)
    with paused_gc():
        pass
    inner_done.set()
    outer_may_finish.wait(5)
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_paused_gc_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_paused_gc_re_enables_after_an_error() -> None:
    try:
        with paused_gc():
            raise KeyError("boom")
    except KeyError:
        pass
    assert gc.isenabled()


def test_frozen_gc_freezes_for_the_block_only() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_gc():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_frozen_gc_does_not_undo_an_earlier_freeze() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with frozen_gc():
            pass
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
