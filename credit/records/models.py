"""Enterprises and the records that make up their credit file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, enum_check, utcnow

PERMIT_CATEGORIES = ("key", "simplified", "registration")  # 重点管理 简化管理 登记管理
ENTERPRISE_STATUSES = ("operating", "suspended", "closed")  # 在营 停产 关闭
PERMIT_STATUSES = ("valid", "revoked")
INSPECTION_KINDS = ("routine", "random", "complaint", "special")
INSPECTION_OUTCOMES = ("compliant", "issues_found", "refused")
SEVERITIES = ("minor", "general", "grave")  # 轻微 一般 严重

Tonnes = Numeric(16, 4)
Ratio = Numeric(6, 4)


class Enterprise(Base):
    """An enterprise identified by its 统一社会信用代码."""

    __tablename__ = "enterprises"
    #: the change-log entity and public name of this kind of record
    entity: ClassVar[str] = "enterprise"
    __table_args__ = (
        enum_check("permit_category", PERMIT_CATEGORIES, nullable=True),
        enum_check("status", ENTERPRISE_STATUSES),
        CheckConstraint(
            "latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude_range"
        ),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude_range"
        ),
        CheckConstraint("length(uscc) = 18", name="uscc_length"),
        #: the near-me and bbox prefilter (credit.records.nearby): a latitude band, then
        #: longitude checked in the index
        Index("ix_enterprises_latitude_longitude", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: earlier registered names, ";"-separated, so searches for an old name still find it
    former_names: Mapped[str | None] = mapped_column(Text)
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("regions.code"), index=True)
    industry_code: Mapped[str] = mapped_column(String(5), ForeignKey("industries.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    #: 排污许可管理类别; None when the enterprise has no discharge to manage
    permit_category: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="operating")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    permits: Mapped[list[Permit]] = relationship(back_populates="enterprise")


class Permit(Base):
    """A pollutant discharge permit (排污许可证), HJ 608-2017 numbered."""

    __tablename__ = "permits"
    #: the change-log entity and public name of this kind of record
    entity: ClassVar[str] = "permit"
    __table_args__ = (
        enum_check("category", PERMIT_CATEGORIES),
        enum_check("status", PERMIT_STATUSES),
        CheckConstraint("valid_until >= valid_from", name="validity_order"),
        CheckConstraint("length(permit_no) = 22", name="permit_no_length"),
        CheckConstraint("status = 'revoked' OR revoked_at IS NULL", name="revoked_has_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    permit_no: Mapped[str] = mapped_column(String(22), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="valid")
    revoked_at: Mapped[dt.date | None] = mapped_column(Date)

    enterprise: Mapped[Enterprise] = relationship(back_populates="permits")
    limits: Mapped[list[PermitLimit]] = relationship(
        back_populates="permit", cascade="all, delete-orphan", order_by="PermitLimit.pollutant"
    )


class PermitLimit(Base):
    """A permitted annual quantity (许可排放量) of one pollutant."""

    __tablename__ = "permit_limits"
    __table_args__ = (CheckConstraint("annual_limit_tonnes >= 0", name="limit_not_negative"),)

    permit_id: Mapped[int] = mapped_column(
        ForeignKey("permits.id", ondelete="CASCADE"), primary_key=True
    )
    pollutant: Mapped[str] = mapped_column(String(32), primary_key=True)
    annual_limit_tonnes: Mapped[Decimal] = mapped_column(Tonnes)

    permit: Mapped[Permit] = relationship(back_populates="limits")


class EmissionAccount(Base):
    """Accounted emissions of one pollutant in one year: E = G × (1 − η × k)."""

    __tablename__ = "emission_accounts"
    #: the change-log entity and public name of this kind of record
    entity: ClassVar[str] = "emission"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "pollutant"),
        CheckConstraint("year >= 1990 AND year <= 2100", name="year_range"),
        CheckConstraint("generated_tonnes >= 0", name="generated_not_negative"),
        CheckConstraint(
            "removal_efficiency >= 0 AND removal_efficiency <= 1", name="efficiency_range"
        ),
        CheckConstraint("operating_rate >= 0 AND operating_rate <= 1", name="operating_range"),
        CheckConstraint("emitted_tonnes >= 0", name="emitted_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    pollutant: Mapped[str] = mapped_column(String(32))
    generated_tonnes: Mapped[Decimal] = mapped_column(Tonnes)
    #: η, average removal efficiency of the treatment technology (0–1)
    removal_efficiency: Mapped[Decimal] = mapped_column(Ratio)
    #: k, actual operating rate of the treatment facility (0–1)
    operating_rate: Mapped[Decimal] = mapped_column(Ratio)
    #: computed by the service from the three columns above, never imported
    emitted_tonnes: Mapped[Decimal] = mapped_column(Tonnes)


class Inspection(Base):
    """An on-site inspection (现场检查) and its outcome."""

    __tablename__ = "inspections"
    #: the change-log entity and public name of this kind of record
    entity: ClassVar[str] = "inspection"
    __table_args__ = (
        enum_check("kind", INSPECTION_KINDS),
        enum_check("outcome", INSPECTION_OUTCOMES),
        Index(
            "uq_inspections_natural",
            "enterprise_id",
            "date",
            "agency",
            unique=True,
            sqlite_where=text("ref IS NULL"),
            postgresql_where=text("ref IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    #: external reference from the regulator's case system; the natural key when given
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    agency: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    findings: Mapped[str | None] = mapped_column(Text)
    #: the tip-off whose substantiated outcome produced this inspection
    tipoff_id: Mapped[int | None] = mapped_column(ForeignKey("tipoffs.id"))
    #: withdrawn after an upheld objection: no longer counts or shows
    withdrawn_at: Mapped[dt.date | None] = mapped_column(Date)


class Penalty(Base):
    """An administrative penalty decision, with the 双公示 field set."""

    __tablename__ = "penalties"
    #: the change-log entity and public name of this kind of record
    entity: ClassVar[str] = "penalty"
    __table_args__ = (
        enum_check("severity", SEVERITIES),
        CheckConstraint("fine_amount_fen >= 0", name="fine_not_negative"),
        CheckConstraint("confiscated_amount_fen >= 0", name="confiscated_not_negative"),
        CheckConstraint("publish_until >= decision_date", name="publish_after_decision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    #: 行政处罚决定书文号 (CF_WSH)
    decision_no: Mapped[str] = mapped_column(String(100), unique=True)
    #: 违法行为类型 (CF_WFXW)
    violation_type: Mapped[str] = mapped_column(String(200))
    #: 违法事实 (CF_SY)
    facts: Mapped[str] = mapped_column(Text)
    #: 处罚依据 (CF_YJ)
    legal_basis: Mapped[str] = mapped_column(Text)
    #: 处罚类别 (CF_CFLB), ";"-separated
    penalty_kinds: Mapped[str] = mapped_column(String(300))
    #: 处罚内容 (CF_NR)
    content: Mapped[str | None] = mapped_column(Text)
    #: 罚款金额 in fen (CF_NR_FK is in 万元)
    fine_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: 没收违法所得、没收非法财物的金额 in fen (CF_NR_WFFF)
    confiscated_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: 暂扣或吊销证照名称及编号 (CF_NR_ZKDX)
    licence_affected: Mapped[str | None] = mapped_column(String(300))
    decision_date: Mapped[dt.date] = mapped_column(Date, index=True)
    #: 处罚机关 (CF_CFJG)
    authority: Mapped[str] = mapped_column(String(200))
    #: 处罚机关统一社会信用代码 (CF_CFJGDM)
    authority_uscc: Mapped[str | None] = mapped_column(String(18))
    #: 数据来源单位 (CF_SJLY) and its code (CF_SJLYDM)
    data_source: Mapped[str | None] = mapped_column(String(200))
    data_source_uscc: Mapped[str | None] = mapped_column(String(18))
    severity: Mapped[str] = mapped_column(String(16))
    #: 移送公安 / 涉嫌环境犯罪
    criminal_transfer: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 公示截止期 (CF_GSJZQ); defaults by severity
    publish_until: Mapped[dt.date] = mapped_column(Date)
    #: credit repair approved on this date: stops counting and showing from then
    repaired_at: Mapped[dt.date | None] = mapped_column(Date)
    #: revoked by the authority or withdrawn after an upheld objection
    revoked_at: Mapped[dt.date | None] = mapped_column(Date)
    #: 备注 (BZ)
    remarks: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    enterprise: Mapped[Enterprise] = relationship()

    @property
    def kinds(self) -> list[str]:
        return [k for k in self.penalty_kinds.split(";") if k]


class DisclosureReport(Base):
    """An annual 企业环境信息依法披露 report (due 15 March of the following year)."""

    __tablename__ = "disclosure_reports"
    #: the change-log entity and public name of this kind of record
    entity: ClassVar[str] = "disclosure"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year"),
        CheckConstraint("year >= 1990 AND year <= 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[dt.date] = mapped_column(Date)
    #: where the report is published, or its text
    url_or_text: Mapped[str | None] = mapped_column(Text)


#: an enterprise's records: each public snapshot embeds its enterprise's name and region
RECORD_MODELS: tuple[
    type[Penalty]
    | type[Inspection]
    | type[Permit]
    | type[DisclosureReport]
    | type[EmissionAccount],
    ...,
] = (
    Penalty,
    Inspection,
    Permit,
    DisclosureReport,
    EmissionAccount,
)


class ReportVerification(Base):
    """A 企业环境信用报告 as issued: its verification code and the SHA-256 of what it stated.

    Not public data (nothing here is published or fed to partners): it only lets
    ``/verify/{code}`` tell a real report from an edited one. One row per enterprise, China
    day and content: the same report asked for again on the same day keeps its code.
    """

    __tablename__ = "report_verifications"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "generated_on", "content_sha256"),
        CheckConstraint("length(content_sha256) = 64", name="sha256_hex"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 16 Crockford base32 characters, e.g. ``7K3M-QX2A-9P4D-H8WN`` (80 random bits)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    #: the enterprise's name, level and score as the report stated them
    enterprise_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[int | None] = mapped_column(Integer)
    rulebook: Mapped[str | None] = mapped_column(String(64))
    #: the China date printed on the report
    generated_on: Mapped[dt.date] = mapped_column(Date)
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_sha256: Mapped[str] = mapped_column(String(64))
