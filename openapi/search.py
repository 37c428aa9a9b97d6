"""/api/v1/search: enterprises and penalty notices, with highlights and facet counts."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from search.backend import MAX_PAGE, MAX_PER_PAGE
from search.service import LEVELS, TYPES, make_query, run_search

blp = Blueprint(
    "search",
    __name__,
    url_prefix="/api/v1/search",
    description="检索 / Full-text search (Chinese, pinyin, codes)",
)


class SearchArgs(ma.Schema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={
            "description": "words, a company name in Chinese or pinyin, a USCC, a permit or "
            "decision number",
            "example": "兰州 化工",
        },
    )
    type = fields.String(validate=validate.OneOf(TYPES))
    region = fields.String(
        validate=validate.Regexp(r"^[0-9]{2,6}$"), metadata={"example": "620100"}
    )
    industry = fields.String(
        validate=validate.Regexp(r"^[A-Ta-t]([0-9]{2,4})?$"), metadata={"example": "C26"}
    )
    level = fields.String(validate=validate.OneOf(LEVELS))
    year = fields.Integer(validate=validate.Range(1990, 2100))
    sort = fields.String(load_default="relevance", validate=validate.OneOf(["relevance", "date"]))
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PER_PAGE))


class HitSchema(ma.Schema):
    id = fields.String(required=True, metadata={"example": "enterprise:91350100M000100Y43"})
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    uscc = fields.String(required=True)
    title = fields.String(required=True)
    title_html = fields.String(
        required=True, metadata={"description": "title, HTML-escaped, matches in <mark>"}
    )
    snippet = fields.String(
        required=True, metadata={"description": "HTML-escaped text with <mark> highlights"}
    )
    level = fields.String(allow_none=True)
    region_code = fields.String(required=True)
    date = fields.Date(allow_none=True)
    score = fields.Float(required=True)


class SearchResultSchema(ma.Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    hits = fields.List(fields.Nested(HitSchema), required=True)
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        metadata={
            "description": "counts by document type, region (4-digit prefix), industry "
            "section, level, year"
        },
    )


@blp.route("")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, SearchResultSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search enterprises and published penalty notices."""
        query = make_query(args)
        results, hits = run_search(query)
        return {
            "total": results.total,
            "page": results.page,
            "per_page": query.per_page,
            "hits": hits,
            "facets": results.facets,
        }
