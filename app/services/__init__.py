"""Use cases: each takes a session and an actor, flushes, never commits."""
