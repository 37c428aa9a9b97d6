"""The multi-host backend: documents in PostgreSQL, a GIN-indexed tsvector of jieba tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert

from core.db import Database
from search.analysis import FUZZY_MARK
from search.backend import FACETS, Hit, Query, Results, page_shown
from search.models import SearchDocument


def _row(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "type": doc["type"],
        "uscc": doc["uscc"],
        "title": doc["title"],
        "text": doc["text"],
        "codes": " ".join(doc["codes"]),
        "region_code": doc["region_code"],
        "industry_code": max(doc["industry"], key=len) if doc["industry"] else "",
        "level": doc["level"],
        "year": doc["year"],
        "date": doc["date"],
        "_names": f"{doc['name']} {' '.join(doc['pinyin'])}",
        "_body": doc["body"],
    }


def _tsv(names: Any, body: Any, codes: Any) -> Any:
    """Names (weight A), body (B) and the exact codes (D: what makes an exact lookup a GIN
    lookup; text queries match only A and B, like the other backends)."""
    return (
        func.setweight(func.to_tsvector("simple", names), literal_column("'A'"))
        .op("||")(func.setweight(func.to_tsvector("simple", body), literal_column("'B'")))
        .op("||")(func.setweight(func.to_tsvector("simple", codes), literal_column("'D'")))
    )


def _has_code(code: str) -> Any:
    """Documents holding exact code ``code``: the GIN index finds the candidates (the code's
    lexemes), the codes column confirms the whole code."""
    return and_(
        SearchDocument.tsv.op("@@")(func.plainto_tsquery("simple", code)),
        func.strpos(literal(" ") + SearchDocument.codes + literal(" "), literal(f" {code} ")) > 0,
    )


class PostgresBackend:
    """Shared by every app host; writes join the caller's own connection pool."""

    name = "postgres"

    def __init__(self, db: Database) -> None:
        if db.engine.dialect.name != "postgresql":
            raise RuntimeError(
                "SEARCH_BACKEND=postgres 需要 PostgreSQL 数据库 / needs a PostgreSQL DATABASE_URL"
            )
        self.db = db

    def upsert(self, docs: list[dict[str, Any]], delete_ids: list[str]) -> None:
        with self.db.engine.begin() as conn:
            self._write(conn, docs, delete_ids)

    def bulk_load(self, chunks: Iterable[list[dict[str, Any]]]) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(delete(SearchDocument))
            for docs in chunks:
                self._write(conn, docs, [])

    def _write(self, conn: Any, docs: list[dict[str, Any]], delete_ids: list[str]) -> None:
        if delete_ids:
            conn.execute(delete(SearchDocument).where(SearchDocument.id.in_(delete_ids)))
        for start in range(0, len(docs), 1000):
            rows = [_row(d) for d in docs[start : start + 1000]]
            stmt = insert(SearchDocument).values(
                [
                    {
                        **{k: v for k, v in r.items() if not k.startswith("_")},
                        "tsv": _tsv(literal(r["_names"]), literal(r["_body"]), literal(r["codes"])),
                    }
                    for r in rows
                ]
            )
            update = {
                c: stmt.excluded[c]
                for c in (
                    "type",
                    "uscc",
                    "title",
                    "text",
                    "codes",
                    "region_code",
                    "industry_code",
                    "level",
                    "year",
                    "date",
                    "tsv",
                )
            }
            conn.execute(
                stmt.on_conflict_do_update(index_elements=[SearchDocument.id], set_=update)
            )

    def clear(self) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(delete(SearchDocument))

    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(SearchDocument)) or 0)

    def ids(self) -> set[str]:
        with self.db.engine.connect() as conn:
            return set(conn.scalars(select(SearchDocument.id)))

    def lookup(self, code: str) -> list[Hit]:
        if not code:
            return []
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(SearchDocument.__table__).where(_has_code(code)).order_by(SearchDocument.id)
            ).all()
            return [
                Hit(r.id, r.type, r.uscc, r.title, r.text, r.level, r.region_code, r.date, 100.0)
                for r in rows
            ]

    def _match(self, q: Query) -> tuple[Any, Any]:
        """(WHERE clause, exact-code flag) for the query text."""
        if not q.text:
            return true(), literal(False)
        if q.pinyin:  # the typo fallback: names spelt alike
            prefix = func.to_tsquery("simple", f"{FUZZY_MARK}{q.pinyin}:*A")
            return SearchDocument.tsv.op("@@")(prefix), literal(False)
        exact = _has_code(q.code) if q.code else literal(False)
        parts = []
        for term in q.terms:
            if term.isascii() and term.isalnum():
                parts.append(func.to_tsquery("simple", f"{term}:*AB"))
            else:
                parts.append(func.plainto_tsquery("simple", term))
        if not parts:
            return exact, exact
        tsquery = parts[0]
        for part in parts[1:]:
            tsquery = tsquery.op("&&")(part)
        return or_(exact, SearchDocument.tsv.op("@@")(tsquery)), exact

    def _filters(self, q: Query) -> list[Any]:
        out = []
        if q.type:
            out.append(SearchDocument.type == q.type)
        if q.region:
            out.append(SearchDocument.region_code.startswith(q.region))
        if q.industry:
            out.append(SearchDocument.industry_code.startswith(q.industry))
        if q.level:
            out.append(SearchDocument.level == q.level)
        if q.year:
            out.append(SearchDocument.year == q.year)
        return out

    def search(self, q: Query) -> Results:
        match, exact = self._match(q)
        where = and_(match, *self._filters(q))
        score = case((exact, 100.0), else_=0.0)
        if q.terms:
            terms = " ".join(q.terms)
            score = score + func.ts_rank(SearchDocument.tsv, func.plainto_tsquery("simple", terms))
        order = (
            [SearchDocument.date.desc().nulls_last(), SearchDocument.id]
            if q.sort == "date"
            else [score.desc(), SearchDocument.id]
        )
        with self.db.engine.connect() as conn:
            total = int(
                conn.scalar(select(func.count()).select_from(SearchDocument).where(where)) or 0
            )
            page = page_shown(q, total)
            rows = conn.execute(
                select(SearchDocument, score.label("score"))
                .where(where)
                .order_by(*order)
                .limit(q.per_page)
                .offset((page - 1) * q.per_page)
            ).all()
            facets = self._facets(conn, where) if q.facets else {}
        hits = [
            Hit(
                r.id,
                r.type,
                r.uscc,
                r.title,
                r.text,
                r.level,
                r.region_code,
                r.date,
                float(r.score),
            )
            for r in rows
        ]
        return Results(total, hits, facets, page)

    def _facets(self, conn: Any, where: Any) -> dict[str, dict[str, int]]:
        columns = {
            "type": SearchDocument.type,
            "region": func.substr(SearchDocument.region_code, 1, 4),
            "industry": func.substr(SearchDocument.industry_code, 1, 1),
            "level": SearchDocument.level,
            "year": SearchDocument.year,
        }
        out: dict[str, dict[str, int]] = {}
        for name in FACETS:
            column = cast(columns[name], String)
            out[name] = {
                str(k): int(n)
                for k, n in conn.execute(select(column, func.count()).where(where).group_by(column))
                if k
            }
        return out
