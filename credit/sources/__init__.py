"""The point-source ledger (污染源台账): every supervised place — building sites, restaurants,
coal depots, boilers, small workshops, enterprises — with its type, location, grid and optional
link to an enterprise. Regulator data: not in the public API, the change feed or exports."""
