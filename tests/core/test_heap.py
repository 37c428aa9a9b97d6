"""core.heap.settle: start-up's objects leave the collector's generations (gc.freeze), and
gunicorn's worker hook calls it."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

import pytest

from core.heap import settle


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()  # back into the oldest generation: the rest of the run collects as usual


def test_settle_freezes_what_exists_and_later_objects_are_still_collected(unfrozen):
    class Node:
        pass

    before = Node()
    before.me = before  # a cycle made before settling
    frozen = settle()
    assert frozen == gc.get_freeze_count() > 1000
    later = Node()
    later.me = later
    del later
    assert gc.collect() >= 1  # a cycle made afterwards is collected
    assert before.me is before


def test_the_gunicorn_worker_hook_settles_the_heap(unfrozen):
    conf = runpy.run_path(str(Path(__file__).parents[2] / "deploy" / "gunicorn.conf.py"))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    conf["post_worker_init"](object())
    assert gc.get_freeze_count() > 1000
