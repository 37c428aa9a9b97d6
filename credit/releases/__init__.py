"""Open-data releases: dated, immutable folders of every public dataset (CSV and NDJSON) under
``instance/releases/``, each with a Frictionless data package, checksums and a changelog entry;
the DCAT-AP catalog and the data dictionary read the same column definitions."""
