"""Enterprise accounts: an account bound to a USCC, activated with a one-time code."""
