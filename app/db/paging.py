"""Keyset paging: fetch ``limit + 1`` rows, keep ``limit``, and the cursor only when more exist."""

from collections.abc import Callable
from typing import TypeVar

Row = TypeVar("Row")
Key = TypeVar("Key")


def keyset_page(
    rows: list[Row], limit: int, key: Callable[[Row], Key]
) -> tuple[list[Row], Key | None]:
    """``rows`` was fetched with ``limit + 1``: the page, and the next cursor (None at the end)."""
    page = rows[:limit]
    return page, (key(page[-1]) if len(rows) > limit and page else None)
