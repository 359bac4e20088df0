"""The application layer: one module per use case, called by every door (HTTP, web, CLI).

Functions are keyword-only, take the session and never commit (the door owns the transaction)."""
