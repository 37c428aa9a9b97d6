"""Record import: readers for CSV/JSON Lines/XLSX, the 双公示 CF_* mapping and the CLI."""
