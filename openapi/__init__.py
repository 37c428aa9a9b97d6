"""What machines use: /api/v1, the OpenAPI document, change feed, exports, webhooks."""
