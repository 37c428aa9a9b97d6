"""/api/v1/subscriptions: follow an enterprise, a region or an industry by e-mail.

The same service as the portal's form; the answer is the same 202 whatever the address
already follows (a confirmation mail is queued), so nobody learns another's subscriptions.
"""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from core.db import get_session
from credit.notify.models import EVENTS, FREQUENCIES
from credit.notify.subscriptions import SubscriptionInput, subscribe
from openapi.tipoffs import NO_STORE, counted

blp = Blueprint(
    "api_subscriptions",
    __name__,
    url_prefix="/api/v1",
    description="邮件订阅 / E-mail alerts on an enterprise, a region or an industry",
)


class SubscriptionInSchema(ma.Schema):
    """One address and exactly one of enterprise_uscc, region_code or industry_code."""

    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    enterprise_uscc = fields.String(
        validate=validate.Length(max=18), metadata={"example": "91620100MA71234567"}
    )
    region_code = fields.String(
        validate=validate.Length(max=6),
        metadata={"example": "620100", "description": "GB/T 2260; its districts are included"},
    )
    industry_code = fields.String(
        validate=validate.Length(max=5),
        metadata={"example": "C26", "description": "GB/T 4754-2017; sub-industries included"},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS)),
        validate=validate.Length(min=1, max=len(EVENTS)),
        metadata={
            "description": "penalty (new penalties), rating (level changes), disclosure "
            "(missed mandatory disclosures); default all"
        },
    )
    frequency = fields.String(
        load_default="instant",
        validate=validate.OneOf(FREQUENCIES),
        metadata={"description": "instant: one mail per event; weekly: one digest a week"},
    )


class SubscriptionAcceptedSchema(ma.Schema):
    status = fields.String(
        required=True, metadata={"description": "pending: confirm with the mailed link"}
    )


@blp.route("/subscriptions")
class SubscriptionCollection(MethodView):
    decorators: ClassVar[list[Any]] = [counted("subscribe")]

    @blp.arguments(SubscriptionInSchema)
    @blp.response(202, SubscriptionAcceptedSchema)
    @blp.alt_response(404, description="no enterprise has this USCC; nothing stored")
    @blp.alt_response(422, description="bad address, target, events or frequency; nothing stored")
    @blp.alt_response(429, description="too many subscription requests from this address")
    def post(self, body: dict[str, Any]) -> Any:
        """Subscribe an address; a confirmation mail is queued (double opt-in)."""
        data = SubscriptionInput(
            email=body["email"],
            enterprise_uscc=body.get("enterprise_uscc"),
            region_code=body.get("region_code"),
            industry_code=body.get("industry_code"),
            events=tuple(body["events"]) if body.get("events") else None,
            frequency=body["frequency"],
        )
        subscribe(get_session(), data)
        return {"status": "pending"}, 202, NO_STORE
