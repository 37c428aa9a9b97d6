"""credit_ratings.explanation_digest: rescoring compares digests, not explanation JSON

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from credit.ratings.engine import explanation_digest, json_lines

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("credit_ratings") as batch:
        batch.add_column(sa.Column("explanation_digest", sa.String(length=24), nullable=True))
    # existing ratings get their digest too, so the next rescore still sees them unchanged
    ratings = sa.table("credit_ratings", sa.column("id", sa.Integer),
                       sa.column("explanation", sa.Text),
                       sa.column("explanation_digest", sa.String))
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(
            sa.select(ratings.c.id, sa.cast(ratings.c.explanation, sa.Text))
            .where(ratings.c.id > after).order_by(ratings.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(
            ratings.update().where(ratings.c.id == sa.bindparam("rid"))
            .values(explanation_digest=sa.bindparam("digest")),
            [{"rid": rid, "digest": explanation_digest(json_lines(json.loads(text)))}
             for rid, text in rows])
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("credit_ratings") as batch:
        batch.drop_column("explanation_digest")
