"""Encryption at rest: data keys (KEKs) outside the database, envelope-encrypted files and
secrets (AES-256-GCM), key rotation."""
