"""API keys, the current principal, and role checks."""
