"""The worker's heap after start-up: what the cyclic garbage collector need not walk again.

A worker that has loaded the app holds some 400,000 long-lived objects (SQLAlchemy's mappers
and compiled statements, Jinja's templates, the messages catalogue, the boundaries' index).
Every full (generation 2) collection walks all of them: about 110 ms on this 2-core machine,
a pause that lands on whichever request allocated last — ``bench/maps`` saw it as the map's
p95 right after a write (p50 25 ms, p95 140 ms). :func:`settle` moves what exists at that
moment to the permanent generation (``gc.freeze``, the documented way to keep a pre-loaded
server's heap out of collections); objects made later are collected as before, and frozen
objects whose last reference goes are still freed by reference counting.

Called once per server process after the app is built: gunicorn's ``post_worker_init``
(``deploy/gunicorn.conf.py``) and the benches that stand in for a worker. Not in
``create_app``: a test run builds hundreds of apps, and freezing each would keep their
reference cycles alive to the end of the run.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect once, then freeze what survives; returns how many objects are now frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
