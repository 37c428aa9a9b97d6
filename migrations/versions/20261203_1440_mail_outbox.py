"""mail outbox (delivery log) and e-mail subscriptions with their weekly-digest items

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_code", sa.String(length=18), nullable=False),
        sa.Column("events", sa.String(length=64), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=100), nullable=True),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        _at("created_at", nullable=False),
        _at("confirmed_at"),
        _at("digest_at"),
        sa.CheckConstraint("frequency IN ('instant', 'weekly')", name=op.f("ck_subscriptions_frequency")),
        sa.CheckConstraint("status IN ('pending', 'confirmed')", name=op.f("ck_subscriptions_status")),
        sa.CheckConstraint(
            "target_type IN ('enterprise', 'region', 'industry')",
            name=op.f("ck_subscriptions_target_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "email", "target_type", "target_code", "status",
            name=op.f("uq_subscriptions_email_target_type_target_code_status"),
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_subscriptions_token_hash")),
    )
    op.create_index("ix_subscriptions_target", "subscriptions",
                    ["target_type", "target_code", "status"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        _at("last_attempt_at"),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        _at("created_at", nullable=False),
        _at("sent_at"),
        sa.CheckConstraint("kind IN ('confirmation', 'notification', 'digest')",
                           name=op.f("ck_mail_outbox_kind")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'cancelled')",
                           name=op.f("ck_mail_outbox_status")),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"],
                                name=op.f("fk_mail_outbox_subscription_id_subscriptions"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_mail_outbox_dedupe_key")),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_mail_outbox_subscription_id"), "mail_outbox", ["subscription_id"])
    op.create_table(
        "subscription_digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=80), nullable=False),
        sa.Column("line_zh", sa.String(length=500), nullable=False),
        sa.Column("line_en", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        _at("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name=op.f("fk_subscription_digest_items_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_digest_items")),
        sa.UniqueConstraint(
            "subscription_id", "event_key",
            name=op.f("uq_subscription_digest_items_subscription_id_event_key"),
        ),
    )
    op.create_index(op.f("ix_subscription_digest_items_subscription_id"),
                    "subscription_digest_items", ["subscription_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_subscription_digest_items_subscription_id"),
                  table_name="subscription_digest_items")
    op.drop_table("subscription_digest_items")
    op.drop_index(op.f("ix_mail_outbox_subscription_id"), table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index("ix_subscriptions_target", table_name="subscriptions")
    op.drop_table("subscriptions")
