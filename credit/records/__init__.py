"""Enterprises and their records: models, validation and import, upserts, public snapshots,
the publication rule, listings and exports."""
