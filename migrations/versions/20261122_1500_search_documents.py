"""search documents for the PostgreSQL search backend

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("industry_code", sa.String(length=5), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("year", sa.String(length=4), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("tsv", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
    )
    op.create_index(op.f("ix_search_documents_type"), "search_documents", ["type"])
    op.create_index(op.f("ix_search_documents_region_code"), "search_documents",
                    ["region_code"])
    op.create_index(op.f("ix_search_documents_industry_code"), "search_documents",
                    ["industry_code"])
    op.create_index("ix_search_documents_tsv", "search_documents", ["tsv"],
                    postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_search_documents_tsv", table_name="search_documents",
                  postgresql_using="gin")
    op.drop_index(op.f("ix_search_documents_industry_code"), table_name="search_documents")
    op.drop_index(op.f("ix_search_documents_region_code"), table_name="search_documents")
    op.drop_index(op.f("ix_search_documents_type"), table_name="search_documents")
    op.drop_table("search_documents")
