"""What partner systems get: the public change feed, webhooks and their delivery."""
