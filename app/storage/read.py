"""Reading a version's Parquet parts: a bounded random sample, or the whole table."""

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def sample(paths: Sequence[Path], rows: int, seed: int = 7) -> pa.Table:
    """A reservoir sample of ``rows`` rows over all parts, never loading the whole version."""
    files = [str(path) for path in paths]
    with duckdb.connect() as conn:
        # The sample clause takes no parameters; both numbers are ints, never caller text.
        query = (
            "SELECT * FROM read_parquet($files) "  # noqa: S608
            f"USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE ({int(seed)})"
        )
        table: pa.Table = conn.sql(query, params={"files": files}).to_arrow_table()
    return table


def whole(paths: Sequence[Path]) -> pa.Table:
    """Every row of every part, in order."""
    return pa.concat_tables([pq.read_table(path) for path in paths])
