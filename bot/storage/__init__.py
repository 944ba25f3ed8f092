"""Redis storage: one keys module, a market store, and the embedded Valkey server."""
