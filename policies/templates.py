"""Built-in policy templates, usable as ``{"template": "<name>"}`` with optional overrides."""

from typing import Any

TEMPLATES: dict[str, dict[str, Any]] = {
    "open-data": {
        "name": "open-data",
        "epsilon_total": 10.0,
        "delta_total": 0.0,
        "grant_default_epsilon": 1.0,
        "max_query_epsilon": 1.0,
        "min_group_size": 10,
        "extracts": {"k_anonymity": 5},
    },
    "pipl-sensitive": {
        "name": "pipl-sensitive",
        "epsilon_total": 3.0,
        "delta_total": 0.0,
        "grant_default_epsilon": 0.5,
        "max_query_epsilon": 0.25,
        "min_group_size": 20,
        "extracts": {"k_anonymity": 10, "l_diversity": 2},
    },
}
