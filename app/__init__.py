"""Pazhou: the service layer (FastAPI, SQLAlchemy, storage, audit). The only layer with I/O."""
