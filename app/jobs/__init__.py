"""Background jobs with their state in the database (scan, publish)."""
