"""Deterministic, realistic demo data: `flask demo load --enterprises N --seed S`."""
