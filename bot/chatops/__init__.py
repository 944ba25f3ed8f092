"""Chat operations: subscriptions, digests, alerts and per-chat settings."""
