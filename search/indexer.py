"""The search indexer: a change-log consumer that keeps the index equal to the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from core.changelog import ChangeLog, last_seq, set_watermark
from core.clock import today as china_today
from core.consumers import Consumer
from search.backend import Backend
from search.documents import enterprise_docs, penalty_docs

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


def rebuild(session: Session, backend: Backend, advance: Callable[[int], None] | None = None
            ) -> int:
    """Recreate the index from the database; returns the number of documents.

    The watermark is set to the change-log head read *before* reading the documents, so
    changes committed during the rebuild are applied again by the indexer afterwards.
    """
    head = last_seq(session)
    backend.clear()
    total = 0
    for docs in enterprise_docs(session):
        backend.upsert(docs, [])
        total += len(docs)
        if advance:
            advance(len(docs))
    for docs, _gone in penalty_docs(session, None, china_today()):
        backend.upsert(docs, [])
        total += len(docs)
        if advance:
            advance(len(docs))
    set_watermark(session, NAME, head)
    return total
