"""The service's query complexity limits and engine timeout, from settings."""

from app.config import Settings
from policies.query import QueryLimits


def query_limits(settings: Settings) -> QueryLimits:
    """``PAZHOU_MAX_QUERY_*`` as the policy layer's ``QueryLimits``."""
    return QueryLimits(
        aggregations=settings.max_query_aggregations,
        group_by=settings.max_query_group_by,
        conditions=settings.max_query_conditions,
        bins=settings.max_query_bins,
        in_values=settings.max_query_in_values,
        groups=settings.max_query_groups,
    )
