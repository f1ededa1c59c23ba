"""Column rules shared by every format: names, count, and a batch's match with its dataset."""

import unicodedata
from typing import Any

import pyarrow as pa

from app.errors import InvalidFile, SchemaMismatch


def printable(name: str) -> str:
    """``name`` with control characters (NUL, line breaks, ...) escaped, for messages."""
    if not any(unicodedata.category(char) == "Cc" for char in name):
        return name
    return "".join(
        char.encode("unicode_escape").decode() if unicodedata.category(char) == "Cc" else char
        for char in name
    )


def check_names(names: list[str], max_columns: int) -> None:
    """Refuse more than ``max_columns`` columns, empty names, names holding control characters
    (NUL, line breaks) and duplicates, naming the column (by position when it is unprintable)."""
    if len(names) > max_columns:
        raise InvalidFile(f"the file has {len(names)} columns; at most {max_columns} are allowed")
    seen: set[str] = set()
    for index, name in enumerate(names, start=1):
        if not name.strip():
            raise InvalidFile(f"column {index} has an empty name", column=index)
        if printable(name) != name:
            raise InvalidFile(
                f"column {index} ('{printable(name)}') has control characters in its name",
                column=index,
            )
        if name in seen:
            raise InvalidFile(f"column name '{name}' appears twice", column=name)
        seen.add(name)


def check_batch_names(names: list[str], expected: pa.Schema) -> None:
    """A batch has exactly the dataset's columns (any order)."""
    wanted = set(expected.names)
    for name in expected.names:
        if name not in names:
            raise SchemaMismatch(f"the batch has no column '{name}'", column=name)
    for name in names:
        if name not in wanted:
            raise SchemaMismatch(f"the dataset has no column '{name}'", column=name)


def conform(batch: pa.RecordBatch, expected: pa.Schema) -> pa.RecordBatch:
    """Reorder and cast a batch to the dataset's schema; a misfit names its column."""
    arrays = []
    for field in expected:
        column = batch.column(batch.schema.get_field_index(field.name))
        try:
            arrays.append(column.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SchemaMismatch(
                f"column '{field.name}' holds {column.type} values that do not fit the "
                f"dataset's type {field.type}: {exc}",
                column=field.name,
            ) from exc
    return pa.RecordBatch.from_arrays(arrays, schema=expected)


def describe(schema: pa.Schema) -> list[dict[str, Any]]:
    return [{"name": field.name, "type": str(field.type)} for field in schema]
