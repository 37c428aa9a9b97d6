"""The search indexer: a change-log consumer that keeps the index equal to the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from sqlalchemy.orm import Session

from core.changelog import ChangeLog, last_seq, set_watermark
from core.clock import today as china_today
from core.consumers import Consumer
from search.backend import Backend
from search.documents import enterprise_docs, enterprise_sources, penalty_docs, penalty_sources
from search.pipeline import Doc, analysed

NAME = "search"


class SearchIndexer(Consumer):
    """Applies change-log rows to the index; the watermark moves only after the index commit.

    A crash between the index commit and the database commit re-applies the batch next time,
    which is harmless: documents are replaced by id.
    """

    name = NAME
    batch_size = 2000

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def process(self, session: Session, changes: Sequence[ChangeLog]) -> None:
        usccs: set[str] = set()
        penalties: set[int] = set()
        for change in changes:
            if change.entity in ("enterprise", "rating"):
                usccs.add(change.entity_id)
            elif change.entity == "penalty":
                penalties.add(int(change.entity_id))
        docs, delete = [], []
        if usccs:
            for chunk in enterprise_docs(session, usccs):
                docs += chunk
            found = {d["uscc"] for d in docs}
            delete += [f"enterprise:{u}" for u in usccs - found]
        if penalties:
            for chunk, gone in penalty_docs(session, penalties, china_today()):
                docs += chunk
                delete += gone
        self.backend.upsert(docs, delete)


def rebuild(
    session: Session, backend: Backend, advance: Callable[[int], None] | None = None
) -> int:
    """Recreate the index from the database; returns the number of documents.

    The watermark is set to the change-log head read *before* reading the documents, so
    changes committed during the rebuild are applied again by the indexer afterwards.
    """
    head = last_seq(session)
    # no clear() first: bulk_load replaces everything at its commit, so searches keep
    # answering from the old index meanwhile and a killed rebuild leaves it as it was
    total = load(backend, _all_sources(session), advance)
    set_watermark(session, NAME, head)
    return total


def _all_sources(session: Session) -> Iterator[list[Doc]]:
    yield from enterprise_sources(session)
    for sources, _gone in penalty_sources(session, None, china_today()):
        yield sources


def load(
    backend: Backend, sources: Iterable[list[Doc]], advance: Callable[[int], None] | None = None
) -> int:
    """Segment ``sources`` (in worker processes when there are many) and bulk-load them.

    Everything a rebuild does after reading the database; bench/search times exactly this.
    Returns the number of documents loaded.
    """
    total = 0

    def docs() -> Iterator[list[Doc]]:
        nonlocal total
        for chunk in analysed(sources):
            yield chunk
            total += len(chunk)
            if advance:
                advance(len(chunk))

    backend.bulk_load(docs())
    return total
