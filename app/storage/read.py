"""Reading a version's Parquet parts: a bounded random sample, or the whole table.

Quarantine parts are sealed (``app.storage.sealed``): they are read through pyarrow, row
group by row group, so memory stays bounded. Plain files (local ``pazhou scan`` inputs)
are sampled by DuckDB as before.
"""

from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from app.crypto.source import source_for_path
from app.storage.sealed import is_sealed, open_parquet


def sample(paths: Sequence[Path], rows: int, seed: int = 7) -> pa.Table:
    """A uniform sample of ``rows`` rows over all parts, never loading the whole version."""
    if any(is_sealed(path) or source_for_path(path) for path in paths):
        return _sample_row_groups(paths, rows, seed)
    files = [str(path) for path in paths]
    with duckdb.connect() as conn:
        # The sample clause takes no parameters; both numbers are ints, never caller text.
        query = (
            "SELECT * FROM read_parquet($files) "  # noqa: S608
            f"USING SAMPLE reservoir({int(rows)} ROWS) REPEATABLE ({int(seed)})"
        )
        table: pa.Table = conn.sql(query, params={"files": files}).to_arrow_table()
    return table


def _sample_row_groups(paths: Sequence[Path], rows: int, seed: int) -> pa.Table:
    """Pick ``rows`` row numbers (seeded) from the footers' counts, then read only the row
    groups holding them, one at a time, keeping the chosen rows."""
    with ExitStack() as stack:
        files = [stack.enter_context(open_parquet(path)) for path in paths]
        groups = [
            (file, group, file.metadata.row_group(group).num_rows)
            for file in files
            for group in range(file.metadata.num_row_groups)
        ]
        total = sum(count for *_, count in groups)
        chosen = np.sort(np.random.default_rng(seed).choice(total, min(rows, total), replace=False))
        pieces, start = [], 0
        for file, group, count in groups:
            low, high = np.searchsorted(chosen, [start, start + count])
            if high > low:
                table = file.read_row_group(group)
                pieces.append(table.take(pa.array(chosen[low:high] - start)))
            start += count
        schema = files[0].schema_arrow
    return pa.concat_tables(pieces) if pieces else schema.empty_table()


def whole(paths: Sequence[Path]) -> pa.Table:
    """Every row of every part, in order."""
    tables = []
    for path in paths:
        with open_parquet(path) as file:
            tables.append(file.read())
    return pa.concat_tables(tables)


def schema(path: Path) -> pa.Schema:
    """The Arrow schema of one part (its footer only)."""
    with open_parquet(path) as file:
        found: pa.Schema = file.schema_arrow
    return found
