"""place_mismatches: a given region code its coordinates contradict, for a regulator to settle

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:17:40.155857
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('place_mismatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('given_code', sa.String(length=6), nullable=False),
    sa.Column('coordinates_code', sa.String(length=6), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('found_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.CheckConstraint("entity IN ('tipoff', 'enterprise')", name=op.f('ck_place_mismatches_entity')),
    sa.CheckConstraint("resolution IS NULL OR resolution IN ('given', 'coordinates')", name=op.f('ck_place_mismatches_resolution')),
    sa.ForeignKeyConstraint(['coordinates_code'], ['regions.code'], name=op.f('fk_place_mismatches_coordinates_code_regions')),
    sa.ForeignKeyConstraint(['given_code'], ['regions.code'], name=op.f('fk_place_mismatches_given_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_mismatches'))
    )
    with op.batch_alter_table('place_mismatches', schema=None) as batch_op:
        batch_op.create_index('ix_place_mismatches_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_mismatches_given_code'), ['given_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('place_mismatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_mismatches_given_code'))
        batch_op.drop_index('ix_place_mismatches_entity')

    op.drop_table('place_mismatches')
