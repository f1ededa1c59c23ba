"""The words a classification report may use: categories and entity names."""

from functools import lru_cache

from anonymizers import hints
from anonymizers.validators import CELL_VALIDATORS

CATEGORIES = ("direct_identifier", "quasi_identifier", "sensitive", "free_text", "other")


@lru_cache
def known_entities() -> frozenset[str]:
    """Every entity a column may be labelled with: detectable ones and header-only kinds."""
    return frozenset(CELL_VALIDATORS) | frozenset(hints.ENTITY_KINDS)
