"""Supervision cases (问题线索) and patrols: one flow from discovery to a verified result."""
