"""From document sources (raw text) to indexable documents: jieba segmentation and pinyin.

A *source* is a search document whose text is not yet analysed: ``name_text`` and
``body_text`` instead of the segmented ``name`` and ``body``, and ``pinyin_names`` (the names
to spell in pinyin) instead of ``pinyin``. Segmentation is nearly all of the cost of indexing,
so a rebuild runs it in worker processes while the calling process feeds the index.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from typing import Any

from search.analysis import pinyin_terms, segmented

Doc = dict[str, Any]
RAW = ("name_text", "body_text", "pinyin_names")
#: below this many documents in the first chunk a rebuild segments in-process (no pool start-up)
POOL_MIN = 5000
PIECE = 250


def analyse(source: Doc) -> Doc:
    """The indexable document for ``source``."""
    doc = {k: v for k, v in source.items() if k not in RAW}
    doc["name"] = segmented(source["name_text"])
    doc["body"] = segmented(source["body_text"])
    doc["pinyin"] = sorted({t for n in source["pinyin_names"] for t in pinyin_terms(n)})
    return doc


def analyse_chunk(sources: list[Doc]) -> list[Doc]:
    return [analyse(s) for s in sources]


def _pieces(chunks: Iterable[list[Doc]]) -> Iterator[list[Doc]]:
    for chunk in chunks:
        for start in range(0, len(chunk), PIECE):
            yield chunk[start : start + PIECE]


def workers() -> int:
    """Segmentation processes: one per CPU (``SEARCH_WORKERS`` overrides; 0 = in-process)."""
    value = os.environ.get("SEARCH_WORKERS")
    return int(value) if value else (os.cpu_count() or 1)


def analysed(chunks: Iterable[list[Doc]], procs: int | None = None) -> Iterator[list[Doc]]:
    """Analysed documents, in order; in a pool of worker processes for large inputs.

    At most a few pieces per worker are in flight, so sources are read from the database
    only as fast as they are indexed.
    """
    procs = workers() if procs is None else procs
    pieces = _pieces(chunks)
    head: list[list[Doc]] = []
    while sum(map(len, head)) < POOL_MIN and (piece := next(pieces, None)) is not None:
        head.append(piece)
    if procs < 1 or sum(map(len, head)) < POOL_MIN:  # an incremental batch or a test
        for piece in itertools.chain(head, pieces):
            yield analyse_chunk(piece)
        return
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["search.pipeline_ready"])
    with ctx.Pool(procs) as pool:
        pending: collections.deque[Any] = collections.deque()
        for piece in itertools.chain(head, pieces):
            pending.append(pool.apply_async(analyse_chunk, (piece,)))
            if len(pending) >= procs * 4:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
