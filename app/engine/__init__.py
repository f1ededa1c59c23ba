"""Exact aggregates computed by DuckDB over Parquet; noise is added elsewhere."""
