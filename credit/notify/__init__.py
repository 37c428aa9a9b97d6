"""E-mail people can trust: an outbox sent by a consumer, and subscriptions (double opt-in,
one-click unsubscribe) to an enterprise, a region or an industry."""
