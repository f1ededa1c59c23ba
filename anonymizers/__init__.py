"""Detection and masking of personal information: a pure library on Arrow data.

It never imports ``app``, FastAPI or SQLAlchemy (``tests/test_layers.py`` enforces it).
"""
