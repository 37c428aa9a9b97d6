"""Anyone reports an error in a public record (报告数据错误): the report is a case of the
regulator of the record's enterprise's region, due in working days, and the record shows
核查中 publicly (a change-log row, so mirrors and snapshots follow) until it is answered.

The reporter's contact is optional and private: it is kept for the handling officers and
never written to the audit log, the change log, pages or the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.changelog import record_change
from core.errors import Invalid, NotFound
from core.messages import msg
from core.workdays import add_workdays
from credit.cases.objections import case_text, new_reference
from credit.data_errors.models import RECORD_TYPES, DataErrorReport
from credit.data_errors.public import is_under_review
from credit.kinds import BY_ENTITY, snapshots
from credit.records.models import Enterprise

#: the answer deadline in China working days, unless ``DATA_ERROR_WORKDAYS`` says otherwise
DEFAULT_WORKDAYS = 5
DESCRIPTION_CHARS = 2000
CONTACT_CHARS = 200


def answer_workdays() -> int:
    """The configured answer deadline (``DATA_ERROR_WORKDAYS``, default 5 working days)."""
    value = current_app.config.get("DATA_ERROR_WORKDAYS") if has_app_context() else None
    return int(value) if value is not None else DEFAULT_WORKDAYS


@dataclass(frozen=True)
class PublicRecord:
    """A record as the public sees it, with its enterprise and whether it is 核查中."""

    record_type: str
    record_id: str
    snapshot: dict[str, Any]
    enterprise: Enterprise
    under_review: bool


def public_record(
    session: Session, record_type: str, record_id: str, today: dt.date
) -> PublicRecord:
    """The public record ``record_type``/``record_id``, or NotFound (also when not public)."""
    record_id = (record_id or "").strip().upper()[:64]
    found = None
    numeric = record_id.isdigit() and len(record_id) < 12
    if record_type in RECORD_TYPES and (numeric or record_type == Enterprise.entity):
        found = snapshots(session, record_type, [record_id], today).get(record_id)
    if found is None:
        raise NotFound(msg("未找到这条公开记录"))
    enterprise: Enterprise | None
    if record_type == Enterprise.entity:
        enterprise = session.scalars(select(Enterprise).where(Enterprise.uscc == record_id)).one()
    else:
        record = session.get(BY_ENTITY[record_type].model, int(record_id))
        assert record is not None
        enterprise = session.get(Enterprise, record.enterprise_id)
    assert enterprise is not None
    return PublicRecord(
        record_type,
        record_id,
        found,
        enterprise,
        is_under_review(session, record_type, record_id),
    )


def report_data_error(
    session: Session,
    record_type: str,
    record_id: str,
    *,
    description: str,
    contact: str | None,
    today: dt.date,
) -> DataErrorReport:
    """File a report about a public record; Invalid (nothing stored) for a bad form."""
    record = public_record(session, record_type, record_id, today)
    errors: dict[str, list[str]] = {}
    description = case_text(description, "description", msg("错误说明"), DESCRIPTION_CHARS, errors)
    contact = (contact or "").strip()
    if len(contact) > CONTACT_CHARS:
        errors["contact"] = [msg("联系方式不能超过 %(n)s 字", n=CONTACT_CHARS)]
    if errors:
        raise Invalid(msg("数据错误报告有误"), errors)
    report = DataErrorReport(
        reference=new_reference("SJ"),
        record_type=record.record_type,
        record_id=record.record_id,
        enterprise_id=record.enterprise.id,
        region_code=record.enterprise.region_code,
        description=description,
        contact=contact or None,
        status="open",
        due_on=add_workdays(today, answer_workdays()),
    )
    session.add(report)
    session.flush()
    if not record.under_review:  # the marker goes on: the record's public view changed
        record_change(
            session, record.record_type, record.record_id, enterprise_id=record.enterprise.id
        )
    audit(
        session,
        "public",
        "data_error.report",
        f"data_error:{report.id}",
        {"record": f"{record.record_type}:{record.record_id}"},
    )
    return report
