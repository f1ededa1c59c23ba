"""Every SELECT, INSERT and UPDATE lives here; repositories flush but never commit."""
