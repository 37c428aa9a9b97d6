"""freshness and data errors: the import log, data error reports, change_log (entity, at)

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-08 01:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('file', 'api')", name=op.f("ck_import_runs_channel")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index(
        "ix_import_runs_kind_channel", "import_runs", ["kind", "channel", "id"], unique=False
    )
    op.create_table(
        "data_error_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(description) > 0", name=op.f("ck_data_error_reports_description_required")
        ),
        sa.CheckConstraint(
            "record_type IN ('enterprise', 'penalty', 'inspection', 'permit', 'disclosure')",
            name=op.f("ck_data_error_reports_record_type"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'corrected', 'no_error')",
            name=op.f("ck_data_error_reports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["users.id"],
            name=op.f("fk_data_error_reports_answered_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_data_error_reports_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_error_reports")),
        sa.UniqueConstraint("reference", name=op.f("uq_data_error_reports_reference")),
    )
    op.create_index(
        op.f("ix_data_error_reports_enterprise_id"),
        "data_error_reports",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        "ix_data_error_reports_record",
        "data_error_reports",
        ["record_type", "record_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_data_error_reports_region_status",
        "data_error_reports",
        ["region_code", "status"],
        unique=False,
    )
    # each dataset's last update on /data: max(at) of one entity, from the index alone
    op.create_index("ix_change_log_entity_at", "change_log", ["entity", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_change_log_entity_at", table_name="change_log")
    op.drop_index("ix_data_error_reports_region_status", table_name="data_error_reports")
    op.drop_index("ix_data_error_reports_record", table_name="data_error_reports")
    op.drop_index(op.f("ix_data_error_reports_enterprise_id"), table_name="data_error_reports")
    op.drop_table("data_error_reports")
    op.drop_index("ix_import_runs_kind_channel", table_name="import_runs")
    op.drop_table("import_runs")
