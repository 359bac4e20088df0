"""Service functions: keyword-only, take the session, never commit (the route owns the transaction)."""
