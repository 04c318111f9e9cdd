"""What every Arrow adapter runs under (ziya_data.adapters): the paced cycle collector."""

import gc
import weakref

import pytest

from ziya_data.adapters import paced_collection


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cycle collector frees it


def test_the_collector_is_paused_within_a_batch_and_frees_its_cycles_before_the_next():
    seen = []

    def adapter(batches):
        for batch in batches:
            node = Node()
            seen.append((batch, gc.isenabled(), weakref.ref(node)))
            del node
            if len(seen) == 2:
                # batch 1's cycle was freed between the batches; this one is still held
                assert seen[0][2]() is None and seen[1][2]() is not None
            yield batch * 10

    assert gc.isenabled()
    assert list(paced_collection(adapter)(iter([1, 2, 3]))) == [10, 20, 30]
    assert [(batch, enabled) for batch, enabled, _ in seen] == [(1, False), (2, False), (3, False)]
    assert all(ref() is None for _, _, ref in seen)
    assert gc.isenabled()


def test_the_collector_comes_back_when_an_adapter_fails_or_its_output_is_left_unread():
    def failing(batches):
        for batch in batches:
            if batch == 2:
                raise ValueError("bad batch")
            yield batch

    with pytest.raises(ValueError, match="bad batch"):
        list(paced_collection(failing)(iter([1, 2])))
    assert gc.isenabled()

    unread = paced_collection(lambda batches: iter(batches))(iter([1, 2, 3]))
    assert next(unread) == 1 and not gc.isenabled()
    unread.close()  # Spark stops reading early, e.g. for a limit
    assert gc.isenabled()


def test_a_process_that_runs_without_the_collector_keeps_it_off():
    gc.disable()
    try:
        assert list(paced_collection(lambda batches: iter(batches))(iter([1]))) == [1]
        assert not gc.isenabled()
    finally:
        gc.enable()
