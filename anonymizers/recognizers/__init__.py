"""Presidio recognizers for the entities Pazhou detects, and their explicit registry.

The registry is loaded lazily so that importing the light-weight data modules of this
package (``lexicon``, ``places``) never pulls in presidio.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anonymizers.recognizers.registry import RECOGNIZERS, default_recognizers

__all__ = ["RECOGNIZERS", "default_recognizers"]


def __getattr__(name: str) -> Any:
    """Resolve the registry names on first use (PEP 562)."""
    if name in __all__:
        return getattr(importlib.import_module("anonymizers.recognizers.registry"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
