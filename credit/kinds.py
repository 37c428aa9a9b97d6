"""The registry of public entities: every kind of record (and the rating) once, with what each
layer needs of it — model, import name and columns, natural key, upsert, public snapshot,
label, and whether a change can move a rating. A kind with ``public=False`` (the point-source
ledger) is importable only: it is not an entity of the change feed, exports or webhooks.

Every layer reads this instead of repeating entity names: the importer and the records API
(``import_kinds``), the change feed and exports (``snapshots``), rescoring
(``RATED_ENTITIES``), the API's schemas and the portal's record labels. Adding a record kind
means its model (``credit.records.models``), its columns, upsert and snapshot view, and one
entry here. The search index reads only enterprises and penalties (``search.documents``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from credit.grids.models import GRID_ENTITY
from credit.grids.snapshots import grid_snapshots
from credit.monitoring import importing as monitoring_imports
from credit.monitoring.hotspot_models import HOTSPOT_ENTITY
from credit.monitoring.hotspot_store import hotspot_snapshots
from credit.monitoring.models import OUTLET_ENTITY, STATION_ENTITY, Outlet, Station
from credit.monitoring.snapshots import outlet_snapshots, station_snapshots
from credit.obligations.importing import check_obligations, upsert_obligations
from credit.obligations.models import DisclosureObligation
from credit.places.imports import with_places
from credit.pledges.models import PLEDGE_ENTITY
from credit.pledges.public import pledge_snapshots
from credit.ratings.models import CreditRating
from credit.ratings.snapshots import rating_snapshots
from credit.records import upserts
from credit.records.columns import SPECS
from credit.records.models import (
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
)
from credit.records.rows import check_codes
from credit.records.snapshots import (
    disclosure_snapshots,
    emission_snapshots,
    enterprise_snapshots,
    inspection_snapshots,
    penalty_snapshots,
    permit_snapshots,
)
from credit.replies.models import REPLY_ENTITY
from credit.replies.public import reply_snapshots
from credit.sources.importing import check_sources, upsert_sources
from credit.sources.models import PointSource
from credit.temporary_reports.models import TEMPORARY_REPORT_ENTITY
from credit.temporary_reports.public import temporary_report_snapshots

Snapshots = Callable[[Session, Iterable[str], dt.date], dict[str, Any]]


@dataclass(frozen=True)
class RecordKind:
    """One public entity of the change log and the API."""

    #: change-log entity and API name, e.g. "penalty"
    entity: str
    #: zh-CN label (pages translate it), e.g. 行政处罚
    label: str
    #: public snapshots by public id: (session, ids, today) → {id: snapshot or None}
    snapshots: Snapshots
    model: Any = None
    #: `records import --kind` / `POST /records/{kind}` name; None: not importable
    import_name: str | None = None
    #: natural key of idempotent imports (columns of the import format)
    natural_key: tuple[str, ...] = ()
    upsert: Callable[..., None] | None = None
    #: checks across rows before the upsert (e.g. that codes exist)
    check: Callable[..., Any] | None = None
    #: a change of this entity can move its enterprise's rating
    rated: bool = True
    #: an upheld objection withdraws it (the record no longer counts or shows)
    withdrawable: bool = False
    #: public: in the change feed, exports and webhooks (False: regulator data, import only)
    public: bool = True

    @property
    def columns(self) -> list[tuple[str, bool, Callable[[str], Any]]]:
        """The import columns: (name, required, parser)."""
        return SPECS[self.import_name] if self.import_name else []


KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        Enterprise.entity,
        "企业",
        enterprise_snapshots,
        Enterprise,
        "enterprises",
        ("uscc",),
        upserts.upsert_enterprises,
        with_places(check_codes),
    ),
    RecordKind(CreditRating.entity, "信用评价", rating_snapshots, rated=False),
    RecordKind(
        Penalty.entity,
        "行政处罚",
        penalty_snapshots,
        Penalty,
        "penalties",
        ("decision_no",),
        upserts.upsert_penalties,
        withdrawable=True,
    ),
    RecordKind(
        Inspection.entity,
        "现场检查",
        inspection_snapshots,
        Inspection,
        "inspections",
        ("ref",),
        upserts.upsert_inspections,
        withdrawable=True,
    ),
    RecordKind(
        Permit.entity,
        "排污许可",
        permit_snapshots,
        Permit,
        "permits",
        ("permit_no",),
        upserts.upsert_permits,
    ),
    RecordKind(
        DisclosureReport.entity,
        "依法披露",
        disclosure_snapshots,
        DisclosureReport,
        "disclosures",
        ("uscc", "year"),
        upserts.upsert_disclosures,
    ),
    RecordKind(
        EmissionAccount.entity,
        "排放核算",
        emission_snapshots,
        EmissionAccount,
        "emissions",
        ("uscc", "year", "pollutant"),
        upserts.upsert_emissions,
    ),
    RecordKind(
        "obligation",
        "依法披露名单",
        lambda _session, ids, _today: dict.fromkeys(ids),  # shown on /disclosures
        DisclosureObligation,
        "obligations",
        ("uscc", "year"),
        upsert_obligations,
        check_obligations,
        rated=False,  # its change-log rows are the enterprise's (which is rated)
        public=False,
    ),
    RecordKind(
        "source",
        "污染源",
        lambda _session, ids, _today: dict.fromkeys(ids),  # never public
        PointSource,
        "sources",
        ("code",),
        upsert_sources,
        check_sources,
        rated=False,
        public=False,
    ),
    RecordKind(GRID_ENTITY, "网格", grid_snapshots, rated=False),
    RecordKind(
        STATION_ENTITY,
        "监测站点",
        station_snapshots,
        Station,
        "stations",
        ("mn",),
        monitoring_imports.upsert_stations,
        monitoring_imports.check_stations,
        rated=False,
    ),
    RecordKind(
        OUTLET_ENTITY,
        "排放口",
        outlet_snapshots,
        Outlet,
        "outlets",
        ("mn",),
        monitoring_imports.upsert_outlets,
        monitoring_imports.check_outlets,
    ),
    RecordKind(
        "reading",
        "监测数据",
        lambda _session, ids, _today: dict.fromkeys(ids),  # served by the readings API
        None,
        "readings",
        ("mn", "pollutant", "hour"),
        monitoring_imports.upsert_readings,
        monitoring_imports.check_readings,
        rated=False,
        public=False,
    ),
    RecordKind(HOTSPOT_ENTITY, "热点网格", hotspot_snapshots, rated=False),
    RecordKind(REPLY_ENTITY, "企业说明", reply_snapshots, rated=False),
    RecordKind(PLEDGE_ENTITY, "信用承诺", pledge_snapshots),
    RecordKind(TEMPORARY_REPORT_ENTITY, "临时环境信息依法披露报告", temporary_report_snapshots),
)
BY_ENTITY: dict[str, RecordKind] = {k.entity: k for k in KINDS if k.public}
BY_IMPORT_NAME: dict[str, RecordKind] = {k.import_name: k for k in KINDS if k.import_name}
#: the entities of the change feed, exports and webhooks
ENTITIES: tuple[str, ...] = tuple(BY_ENTITY)
#: the `records import --kind` names
IMPORT_KINDS: tuple[str, ...] = tuple(BY_IMPORT_NAME)
#: change-log entities whose change can move an enterprise's rating
RATED_ENTITIES: frozenset[str] = frozenset(k.entity for k in KINDS if k.rated)


def import_kind(name: str) -> RecordKind:
    """The importable kind called ``name``; ValueError naming the known ones."""
    try:
        return BY_IMPORT_NAME[name]
    except KeyError:
        raise ValueError(f"unknown kind {name!r}; one of {', '.join(IMPORT_KINDS)}") from None


def snapshots(session: Session, entity: str, ids: Iterable[str], today: dt.date) -> dict[str, Any]:
    """Public snapshots of one entity type, by public id (None = not public)."""
    ids = list(ids)
    kind = BY_ENTITY.get(entity)
    if kind is None:
        return dict.fromkeys(ids)
    return kind.snapshots(session, ids, today)
