"""Credit ratings: rulebooks (types and loading), facts, the pure engine, persisted ratings,
rescoring, time travel, simulation and publication expiry."""
