"""Places: coordinate systems, administrative boundaries, reverse geocoding and addresses."""
