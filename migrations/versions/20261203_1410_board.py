"""board: the public message board (厅长我留言)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("display_name", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_reasons", sa.String(length=64), nullable=True),
        sa.Column("moderation_note", sa.String(length=500), nullable=True),
        sa.Column("moderated_by", sa.Integer(), nullable=True),
        sa.Column("moderated_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer_due_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answer_office", sa.String(length=60), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tipoff_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "answer IS NULL OR status = 'published'",
            name=op.f("ck_board_messages_answered_is_published"),
        ),
        sa.CheckConstraint(
            "category IN ('question', 'suggestion', 'criticism')",
            name=op.f("ck_board_messages_category"),
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR moderation_note IS NOT NULL",
            name=op.f("ck_board_messages_rejected_has_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'held', 'published', 'rejected')",
            name=op.f("ck_board_messages_status"),
        ),
        sa.CheckConstraint(
            "(answer IS NULL) = (answered_at IS NULL) AND (answer IS NULL) = (answer_office IS NULL)",
            name=op.f("ck_board_messages_answer_complete"),
        ),
        sa.CheckConstraint(
            "length(body) >= 10 AND length(body) <= 2000",
            name=op.f("ck_board_messages_body_length"),
        ),
        sa.CheckConstraint(
            "length(title) >= 4 AND length(title) <= 100",
            name=op.f("ck_board_messages_title_length"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name=op.f("fk_board_messages_answered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["supervision_cases.id"],
            name=op.f("fk_board_messages_case_id_supervision_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["moderated_by"], ["users.id"], name=op.f("fk_board_messages_moderated_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_board_messages_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["tipoff_id"], ["tipoffs.id"], name=op.f("fk_board_messages_tipoff_id_tipoffs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_messages")),
        sa.UniqueConstraint("case_id", name=op.f("uq_board_messages_case_id")),
        sa.UniqueConstraint("tipoff_id", name=op.f("uq_board_messages_tipoff_id")),
    )
    with op.batch_alter_table("board_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_board_messages_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_board_messages_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_board_messages_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("board_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_messages_status"))
        batch_op.drop_index(batch_op.f("ix_board_messages_region_code"))
        batch_op.drop_index(batch_op.f("ix_board_messages_created_at"))

    op.drop_table("board_messages")
