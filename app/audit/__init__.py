"""The tamper-evident access log."""
