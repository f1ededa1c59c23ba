"""Release policies and DP rules: a pure library.

It never imports ``app``, FastAPI or SQLAlchemy (``tests/test_layers.py`` enforces it).
"""
