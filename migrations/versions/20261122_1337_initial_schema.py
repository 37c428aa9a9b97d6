"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 13:37:26.525064
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_prefix', sa.String(length=12), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('quota_per_minute', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_clients_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_api_clients_name'))
    )
    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_events'))
    )
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('change_counter',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_change_counter_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_counter'))
    )
    op.create_table('change_log',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f('ck_change_log_op')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_log'))
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_log_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('industries',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('parent_code', sa.String(length=5), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['industries.code'], name=op.f('fk_industries_parent_code_industries')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_industries'))
    )
    op.create_table('regions',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('parent_code', sa.String(length=6), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['regions.code'], name=op.f('fk_regions_parent_code_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    op.create_table('rulebooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rulebooks')),
    sa.UniqueConstraint('name', 'version', name=op.f('uq_rulebooks_name_version'))
    )
    op.create_table('watermarks',
    sa.Column('consumer', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', name=op.f('pk_watermarks'))
    )
    op.create_table('enterprises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('former_names', sa.Text(), nullable=True),
    sa.Column('legal_representative', sa.String(length=100), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('industry_code', sa.String(length=5), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('permit_category', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("permit_category IS NULL OR permit_category IN ('key', 'simplified', 'registration')", name=op.f('ck_enterprises_permit_category')),
    sa.CheckConstraint("status IN ('operating', 'suspended', 'closed')", name=op.f('ck_enterprises_status')),
    sa.CheckConstraint('latitude IS NULL OR (latitude >= -90 AND latitude <= 90)', name=op.f('ck_enterprises_latitude_range')),
    sa.CheckConstraint('length(uscc) = 18', name=op.f('ck_enterprises_uscc_length')),
    sa.CheckConstraint('longitude IS NULL OR (longitude >= -180 AND longitude <= 180)', name=op.f('ck_enterprises_longitude_range')),
    sa.ForeignKeyConstraint(['industry_code'], ['industries.code'], name=op.f('fk_enterprises_industry_code_industries')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_enterprises_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprises')),
    sa.UniqueConstraint('uscc', name=op.f('uq_enterprises_uscc'))
    )
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprises_industry_code'), ['industry_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_region_code'), ['region_code'], unique=False)

    op.create_table('inspection_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('count > 0', name=op.f('ck_inspection_plans_count_positive')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_inspection_plans_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_plans'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('regulator', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_users_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('webhooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_client_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('entities', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_clients.id'], name=op.f('fk_webhooks_api_client_id_api_clients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhooks'))
    )
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhooks_api_client_id'), ['api_client_id'], unique=False)

    op.create_table('disclosure_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.Date(), nullable=False),
    sa.Column('url_or_text', sa.Text(), nullable=True),
    sa.CheckConstraint('year >= 1990 AND year <= 2100', name=op.f('ck_disclosure_reports_year_range')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_disclosure_reports_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_reports')),
    sa.UniqueConstraint('enterprise_id', 'year', name=op.f('uq_disclosure_reports_enterprise_id_year'))
    )
    with op.batch_alter_table('disclosure_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_reports_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('emission_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('pollutant', sa.String(length=32), nullable=False),
    sa.Column('generated_tonnes', sa.Numeric(precision=16, scale=4), nullable=False),
    sa.Column('removal_efficiency', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('operating_rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('emitted_tonnes', sa.Numeric(precision=16, scale=4), nullable=False),
    sa.CheckConstraint('emitted_tonnes >= 0', name=op.f('ck_emission_accounts_emitted_not_negative')),
    sa.CheckConstraint('generated_tonnes >= 0', name=op.f('ck_emission_accounts_generated_not_negative')),
    sa.CheckConstraint('operating_rate >= 0 AND operating_rate <= 1', name=op.f('ck_emission_accounts_operating_range')),
    sa.CheckConstraint('removal_efficiency >= 0 AND removal_efficiency <= 1', name=op.f('ck_emission_accounts_efficiency_range')),
    sa.CheckConstraint('year >= 1990 AND year <= 2100', name=op.f('ck_emission_accounts_year_range')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_emission_accounts_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emission_accounts')),
    sa.UniqueConstraint('enterprise_id', 'year', 'pollutant', name=op.f('uq_emission_accounts_enterprise_id_year_pollutant'))
    )
    with op.batch_alter_table('emission_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emission_accounts_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('inspection_plan_items',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_inspection_plan_items_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plans.id'], name=op.f('fk_inspection_plan_items_plan_id_inspection_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'position', name=op.f('pk_inspection_plan_items'))
    )
    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('claim', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name=op.f('ck_objections_status')),
    sa.CheckConstraint("target_type IN ('penalty', 'inspection', 'permit', 'disclosure', 'emission', 'rating')", name=op.f('ck_objections_target_type')),
    sa.CheckConstraint('length(claim) > 0', name=op.f('ck_objections_claim_required')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_objections_decided_by_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_objections_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections')),
    sa.UniqueConstraint('reference', name=op.f('uq_objections_reference'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('penalties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('decision_no', sa.String(length=100), nullable=False),
    sa.Column('violation_type', sa.String(length=200), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('penalty_kinds', sa.String(length=300), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('fine_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('confiscated_amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('licence_affected', sa.String(length=300), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('authority_uscc', sa.String(length=18), nullable=True),
    sa.Column('data_source', sa.String(length=200), nullable=True),
    sa.Column('data_source_uscc', sa.String(length=18), nullable=True),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('criminal_transfer', sa.Boolean(), nullable=False),
    sa.Column('publish_until', sa.Date(), nullable=False),
    sa.Column('repaired_at', sa.Date(), nullable=True),
    sa.Column('revoked_at', sa.Date(), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("severity IN ('minor', 'general', 'grave')", name=op.f('ck_penalties_severity')),
    sa.CheckConstraint('confiscated_amount_fen >= 0', name=op.f('ck_penalties_confiscated_not_negative')),
    sa.CheckConstraint('fine_amount_fen >= 0', name=op.f('ck_penalties_fine_not_negative')),
    sa.CheckConstraint('publish_until >= decision_date', name=op.f('ck_penalties_publish_after_decision')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_penalties_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_penalties')),
    sa.UniqueConstraint('decision_no', name=op.f('uq_penalties_decision_no'))
    )
    with op.batch_alter_table('penalties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_penalties_decision_date'), ['decision_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_penalties_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('permits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('permit_no', sa.String(length=22), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revoked_at', sa.Date(), nullable=True),
    sa.CheckConstraint("category IN ('key', 'simplified', 'registration')", name=op.f('ck_permits_category')),
    sa.CheckConstraint("status = 'revoked' OR revoked_at IS NULL", name=op.f('ck_permits_revoked_has_status')),
    sa.CheckConstraint("status IN ('valid', 'revoked')", name=op.f('ck_permits_status')),
    sa.CheckConstraint('length(permit_no) = 22', name=op.f('ck_permits_permit_no_length')),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_permits_validity_order')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_permits_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permits')),
    sa.UniqueConstraint('permit_no', name=op.f('uq_permits_permit_no'))
    )
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permits_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('rating_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.String(length=8), nullable=False),
    sa.Column('to_level', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('proposed_by', sa.Integer(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("from_level IN ('green', 'blue', 'yellow', 'red', 'black')", name=op.f('ck_rating_adjustments_from_level')),
    sa.CheckConstraint("status IN ('proposed', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_rating_adjustments_status')),
    sa.CheckConstraint("to_level IN ('green', 'blue', 'yellow', 'red', 'black')", name=op.f('ck_rating_adjustments_to_level')),
    sa.CheckConstraint('approved_by IS NULL OR approved_by <> proposed_by', name=op.f('ck_rating_adjustments_four_eyes')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_rating_adjustments_reason_required')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_rating_adjustments_approved_by_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_rating_adjustments_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_rating_adjustments_proposed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_adjustments'))
    )
    with op.batch_alter_table('rating_adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_adjustments_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('tipoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=20), nullable=False),
    sa.Column('secret_hash', sa.String(length=255), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('reporter_name', sa.String(length=100), nullable=True),
    sa.Column('reporter_phone', sa.String(length=40), nullable=True),
    sa.Column('reporter_email', sa.String(length=254), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('accept_due_at', sa.Date(), nullable=False),
    sa.Column('due_at', sa.Date(), nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('assigned_to', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('public_outcome', sa.Text(), nullable=True),
    sa.Column('substantiated', sa.Boolean(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('reward_eligible', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("category IN ('air', 'water', 'noise', 'solid_waste', 'soil', 'radiation', 'ecology', 'other')", name=op.f('ck_tipoffs_category')),
    sa.CheckConstraint("severity IS NULL OR severity IN ('routine', 'general', 'major', 'critical')", name=op.f('ck_tipoffs_severity')),
    sa.CheckConstraint("source IN ('web', 'api', 'open311')", name=op.f('ck_tipoffs_source')),
    sa.CheckConstraint("status IN ('received', 'accepted', 'rejected', 'assigned', 'investigating', 'closed')", name=op.f('ck_tipoffs_status')),
    sa.CheckConstraint('duplicate_of_id IS NULL OR duplicate_of_id <> id', name=op.f('ck_tipoffs_not_self_dup')),
    sa.CheckConstraint('latitude IS NULL OR (latitude >= -90 AND latitude <= 90)', name=op.f('ck_tipoffs_latitude_range')),
    sa.CheckConstraint('length(description) >= 10 AND length(description) <= 4000', name=op.f('ck_tipoffs_description_length')),
    sa.CheckConstraint('longitude IS NULL OR (longitude >= -180 AND longitude <= 180)', name=op.f('ck_tipoffs_longitude_range')),
    sa.ForeignKeyConstraint(['assigned_to'], ['users.id'], name=op.f('fk_tipoffs_assigned_to_users')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['tipoffs.id'], name=op.f('fk_tipoffs_duplicate_of_id_tipoffs')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_tipoffs_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_tipoffs_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoffs')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_tipoffs_tracking_code'))
    )
    with op.batch_alter_table('tipoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tipoffs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tipoffs_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tipoffs_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tipoffs_status'), ['status'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webhook_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=op.f('ck_webhook_deliveries_status')),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], name=op.f('fk_webhook_deliveries_webhook_id_webhooks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_webhook_id'), ['webhook_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tipoff_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_attachments_size_positive')),
    sa.ForeignKeyConstraint(['tipoff_id'], ['tipoffs.id'], name=op.f('fk_attachments_tipoff_id_tipoffs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('storage_name', name=op.f('uq_attachments_storage_name'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_tipoff_id'), ['tipoff_id'], unique=False)

    op.create_table('credit_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('rulebook_version', sa.String(length=100), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('computed_level', sa.String(length=8), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('adjustment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.CheckConstraint("computed_level IN ('green', 'blue', 'yellow', 'red', 'black')", name=op.f('ck_credit_ratings_computed_level')),
    sa.CheckConstraint("level IN ('green', 'blue', 'yellow', 'red', 'black')", name=op.f('ck_credit_ratings_level')),
    sa.CheckConstraint('score >= -1000 AND score <= 1000', name=op.f('ck_credit_ratings_score_range')),
    sa.ForeignKeyConstraint(['adjustment_id'], ['rating_adjustments.id'], name=op.f('fk_credit_ratings_adjustment_id_rating_adjustments')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_credit_ratings_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_ratings'))
    )
    with op.batch_alter_table('credit_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_credit_ratings_history', ['enterprise_id', 'as_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_ratings_level'), ['level'], unique=False)
        batch_op.create_index('uq_credit_ratings_current', ['enterprise_id'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))

    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('agency', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('tipoff_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('routine', 'random', 'complaint', 'special')", name=op.f('ck_inspections_kind')),
    sa.CheckConstraint("outcome IN ('compliant', 'issues_found', 'refused')", name=op.f('ck_inspections_outcome')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_inspections_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['tipoff_id'], ['tipoffs.id'], name=op.f('fk_inspections_tipoff_id_tipoffs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    sa.UniqueConstraint('ref', name=op.f('uq_inspections_ref'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('uq_inspections_natural', ['enterprise_id', 'date', 'agency'], unique=True, sqlite_where=sa.text('ref IS NULL'), postgresql_where=sa.text('ref IS NULL'))

    op.create_table('permit_limits',
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('pollutant', sa.String(length=32), nullable=False),
    sa.Column('annual_limit_tonnes', sa.Numeric(precision=16, scale=4), nullable=False),
    sa.CheckConstraint('annual_limit_tonnes >= 0', name=op.f('ck_permit_limits_limit_not_negative')),
    sa.ForeignKeyConstraint(['permit_id'], ['permits.id'], name=op.f('fk_permit_limits_permit_id_permits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('permit_id', 'pollutant', name=op.f('pk_permit_limits'))
    )
    op.create_table('repair_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('penalty_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('commitment', sa.Text(), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_repair_applications_status')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_repair_applications_reason_required')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_repair_applications_decided_by_users')),
    sa.ForeignKeyConstraint(['penalty_id'], ['penalties.id'], name=op.f('fk_repair_applications_penalty_id_penalties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_applications')),
    sa.UniqueConstraint('reference', name=op.f('uq_repair_applications_reference'))
    )
    with op.batch_alter_table('repair_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_applications_penalty_id'), ['penalty_id'], unique=False)

    op.create_table('tipoff_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tipoff_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('public_note', sa.Text(), nullable=True),
    sa.Column('internal_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tipoff_id'], ['tipoffs.id'], name=op.f('fk_tipoff_events_tipoff_id_tipoffs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoff_events'))
    )
    with op.batch_alter_table('tipoff_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tipoff_events_tipoff_id'), ['tipoff_id'], unique=False)


    op.execute("INSERT INTO change_counter (id, seq) VALUES (1, 0)")
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")


def downgrade() -> None:
    with op.batch_alter_table('tipoff_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tipoff_events_tipoff_id'))

    op.drop_table('tipoff_events')
    with op.batch_alter_table('repair_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_applications_penalty_id'))

    op.drop_table('repair_applications')
    op.drop_table('permit_limits')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index('uq_inspections_natural', sqlite_where=sa.text('ref IS NULL'), postgresql_where=sa.text('ref IS NULL'))
        batch_op.drop_index(batch_op.f('ix_inspections_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_date'))

    op.drop_table('inspections')
    with op.batch_alter_table('credit_ratings', schema=None) as batch_op:
        batch_op.drop_index('uq_credit_ratings_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_credit_ratings_level'))
        batch_op.drop_index('ix_credit_ratings_history')

    op.drop_table('credit_ratings')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_tipoff_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_webhook_id'))
        batch_op.drop_index('ix_webhook_deliveries_due')

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('tipoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tipoffs_status'))
        batch_op.drop_index(batch_op.f('ix_tipoffs_region_code'))
        batch_op.drop_index(batch_op.f('ix_tipoffs_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_tipoffs_created_at'))

    op.drop_table('tipoffs')
    with op.batch_alter_table('rating_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_adjustments_enterprise_id'))

    op.drop_table('rating_adjustments')
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_permits_enterprise_id'))

    op.drop_table('permits')
    with op.batch_alter_table('penalties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_penalties_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_penalties_decision_date'))

    op.drop_table('penalties')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_enterprise_id'))

    op.drop_table('objections')
    op.drop_table('inspection_plan_items')
    with op.batch_alter_table('emission_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emission_accounts_enterprise_id'))

    op.drop_table('emission_accounts')
    with op.batch_alter_table('disclosure_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_reports_enterprise_id'))

    op.drop_table('disclosure_reports')
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhooks_api_client_id'))

    op.drop_table('webhooks')
    op.drop_table('users')
    op.drop_table('inspection_plans')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_region_code'))
        batch_op.drop_index(batch_op.f('ix_enterprises_name'))
        batch_op.drop_index(batch_op.f('ix_enterprises_industry_code'))

    op.drop_table('enterprises')
    op.drop_table('watermarks')
    op.drop_table('rulebooks')
    op.drop_table('regions')
    op.drop_table('industries')
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_log_enterprise_id'))

    op.drop_table('change_log')
    op.drop_table('change_counter')
    op.drop_table('audit_head')
    op.drop_table('audit_events')
    op.drop_table('api_clients')
