"""Each public dataset's freshness: when it last changed and the date of its newest record,
and the one date every page's footer shows (数据更新至 …).

A dataset's last update is its change-log entities' newest row (``ix_change_log_entity_at``
answers it from the index); the datasets the change log does not carry (monitoring readings,
tip-offs' public summaries) count from their own newest row. Every query is one indexed
``max``: the page asks about a dozen, the footer three.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.changelog import ChangeLog, last_change_at
from core.clock import local_date
from credit.freshness.import_log import LastImport, last_imports
from credit.grids.models import GRID_ENTITY
from credit.monitoring.hotspot_models import HOTSPOT_ENTITY
from credit.monitoring.models import CN_HOURLY, Reading
from credit.pledges.models import PLEDGE_ENTITY
from credit.ratings.models import CreditRating
from credit.records.models import (
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
)
from credit.records.publication import public_on
from credit.replies.models import REPLY_ENTITY
from credit.tipoffs.models import TipOff

Newest = Callable[[Session, dt.date], Any]


@dataclass(frozen=True)
class Dataset:
    """A public dataset: its key, zh-CN label, change-log entities and newest record."""

    key: str
    label: str
    #: change-log entities whose rows are this dataset's updates (none: ``own_update``)
    entities: tuple[str, ...]
    #: the newest record's date (a date, or a year for yearly records), None when empty
    newest: Newest | None = None
    #: the dataset's last update when the change log does not carry it
    own_update: Callable[[Session], dt.datetime | None] | None = None


def _max(column: Any, *where: Any) -> Newest:
    return lambda session, _today: session.scalar(select(func.max(column)).where(*where))


def _max_created(session: Session, _today: dt.date) -> dt.date | None:
    at = session.scalar(select(func.max(Enterprise.created_at)))
    return local_date(at) if at else None


def _newest_reading(session: Session) -> dt.datetime | None:
    return session.scalar(select(func.max(Reading.time)).where(Reading.cn == CN_HOURLY))


def _newest_tipoff(session: Session) -> dt.datetime | None:
    return session.scalar(select(func.max(TipOff.created_at)))


def _local(moment: Callable[[Session], dt.datetime | None]) -> Newest:
    def newest(session: Session, _today: dt.date) -> dt.date | None:
        at = moment(session)
        return local_date(at) if at else None

    return newest


DATASETS: tuple[Dataset, ...] = (
    Dataset("enterprises", "企业", (Enterprise.entity,), _max_created),
    Dataset(
        "ratings",
        "信用评价",
        (CreditRating.entity,),
        _max(CreditRating.as_of, CreditRating.is_current.is_(True)),
    ),
    Dataset(
        "penalties",
        "行政处罚",
        (Penalty.entity,),
        lambda session, today: session.scalar(
            select(func.max(Penalty.decision_date)).where(public_on(today))
        ),
    ),
    Dataset(
        "inspections",
        "现场检查",
        (Inspection.entity,),
        _max(Inspection.date, Inspection.withdrawn_at.is_(None)),
    ),
    Dataset("permits", "排污许可", (Permit.entity,), _max(Permit.valid_from)),
    Dataset(
        "disclosures", "依法披露", (DisclosureReport.entity,), _max(DisclosureReport.submitted_at)
    ),
    Dataset("emissions", "排放核算", (EmissionAccount.entity,), _max(EmissionAccount.year)),
    Dataset("monitoring", "监测站点和排放口", ("station", "outlet")),
    Dataset("readings", "监测数据", (), _local(_newest_reading), _newest_reading),
    Dataset("tipoffs", "举报公开摘要", (), _local(_newest_tipoff), _newest_tipoff),
    Dataset("replies", "企业说明和信用承诺", (REPLY_ENTITY, PLEDGE_ENTITY)),
    Dataset("grids", "网格和热点网格", (GRID_ENTITY, HOTSPOT_ENTITY)),
)
BY_KEY = {d.key: d for d in DATASETS}


@dataclass(frozen=True)
class DatasetFreshness:
    key: str
    label: str
    #: when the dataset last changed (UTC), None if never
    updated_at: dt.datetime | None
    #: its newest record's date (or year), None when it holds none
    newest: Any

    @property
    def newest_text(self) -> str | None:
        """The newest record's date as ISO 8601 (a year as its number), None when empty."""
        if self.newest is None:
            return None
        return self.newest.isoformat() if hasattr(self.newest, "isoformat") else str(self.newest)


@dataclass(frozen=True)
class Freshness:
    """What ``/data`` shows: every dataset, every import source, and the footer's date."""

    datasets: list[DatasetFreshness]
    imports: list[LastImport]

    @property
    def updated_at(self) -> dt.datetime | None:
        """The newest of the datasets' updates."""
        return max((d.updated_at for d in self.datasets if d.updated_at), default=None)


def _entity_update(session: Session, entities: tuple[str, ...]) -> dt.datetime | None:
    moments = [
        session.scalar(select(func.max(ChangeLog.at)).where(ChangeLog.entity == entity))
        for entity in entities
    ]
    return max((m for m in moments if m is not None), default=None)


def dataset_updated_at(session: Session, dataset: Dataset) -> dt.datetime | None:
    """When one dataset last changed."""
    if dataset.own_update is not None:
        return dataset.own_update(session)
    return _entity_update(session, dataset.entities)


def freshness(session: Session, today: dt.date) -> Freshness:
    """Each dataset's last update and newest record, and each import source's last import."""
    datasets = [
        DatasetFreshness(
            d.key,
            d.label,
            dataset_updated_at(session, d),
            d.newest(session, today) if d.newest else None,
        )
        for d in DATASETS
    ]
    return Freshness(datasets, last_imports(session))


def data_updated_at(session: Session) -> dt.datetime | None:
    """The footer's 数据更新至: the newest update of any dataset (the same as the newest
    ``updated_at`` on ``/data``, in three queries: the change log's newest row and the
    datasets it does not carry)."""
    moments = [last_change_at(session)]
    moments += [d.own_update(session) for d in DATASETS if d.own_update is not None]
    return max((m for m in moments if m is not None), default=None)


def data_updated_on(session: Session) -> dt.date | None:
    """The footer's date: :func:`data_updated_at` as a China date."""
    at = data_updated_at(session)
    return local_date(at) if at is not None else None
