"""Parquet files in the data directory: uploads in, quarantine parts, (later) published parts."""
