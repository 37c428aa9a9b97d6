"""Cross-cutting infrastructure: config, database, change log, audit, users, errors."""
