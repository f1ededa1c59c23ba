"""Every error an operation can answer, declared in ``/openapi.json`` in one place.

The routers declare their success responses; this module walks the app's routes once the
document is built and adds to each operation the errors it can give, all with one
``ErrorBody`` schema (the contract's ``{"error", "detail", field?, line?, column?}``):

- ``401`` and ``429`` where a key is needed (the rate limit is charged with the key);
- ``403`` where a role is required; ``404`` where the path names a resource;
- ``400``, ``413`` and ``422`` where there is a body (``422`` also for parameters);
- ``415`` for dataset uploads; ``503`` on every ``/v1`` call (the audit log fails closed);
- the domain errors only the service knows of, from ``EXTRA`` (by route name).

Routes that return plain dicts get their answer's schema from ``app.api.openapi_answers``.

FastAPI's own ``422`` (``HTTPValidationError``) is replaced: our handler never sends it.
"""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.api.openapi_answers import declare_answer
from app.auth.deps import current_actor
from app.http.body_limit import UPLOAD_PATHS

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
ERROR_BODY: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "the error's name, e.g. NotFound"},
        "detail": {"type": "string", "description": "what is wrong, for a person"},
        "field": {"type": "string", "description": "the request field at fault"},
        "line": {"type": "integer", "description": "the line of an uploaded file"},
        "column": {"type": ["string", "integer"], "description": "a file's column"},
        "retry_after": {"type": "integer", "description": "seconds, with 429"},
    },
    "additionalProperties": True,
}
MEANINGS = {
    400: "Malformed request (a body that does not parse)",
    401: "No key, or an invalid or revoked key",
    403: "The role or the grant does not allow it",
    404: "Does not exist, or belongs to another organisation",
    409: "Conflict with the resource's state (budget exhausted, wrong state)",
    413: "Body too large",
    415: "Unsupported file type",
    422: "Valid syntax, invalid values",
    429: "Too many requests for this key",
    503: "Storage, the engine or the audit log is unavailable; nothing was done",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
}
EXTRA: dict[str, set[int]] = {
    "orgs.create": {409},
    "principals.create": {404},
    "datasets.create": {409},
    "datasets.upload_version": {409},
    "datasets.append_batch": {409},
    "classification.override": {409},
    "policy.put": {409},
    "publish": {409},
    "access_requests.create": {404},
    "access_requests.approve": {409},
    "access_requests.deny": {409},
    "grants.create": {404},
    "grants.revoke": {409},
    "queries.run": {409},
    "queries.preview": {409},
    "extracts.create": {409},
    "extracts.download": {409},
    "audit.checkpoint": {404},
    "audit.public_key": {404},
    "audit.proofs.inclusion": {404},
    "audit.report": {404},
    "health.ready": {503},
}
BEARER = {"type": "http", "scheme": "bearer", "description": "an API key: Bearer <key>"}


def declare_error_responses(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare every operation's error responses (call after routers)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()  # FastAPI's, cached until the routes change
        if "ErrorBody" not in document.get("components", {}).get("schemas", {}):
            _declare(document, app)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _declare(document: dict[str, Any], app: FastAPI) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ERROR_BODY
    document["components"].setdefault("securitySchemes", {})["bearer"] = BEARER
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format].get(method.lower())
            if operation is not None:
                _declare_operation(operation, route)
                declare_answer(operation, route.name or "", schemas)
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused not in str(document["paths"]):
            schemas.pop(unused, None)


def _declare_operation(operation: dict[str, Any], route: RouteContext) -> None:
    responses = operation.setdefault("responses", {})
    statuses = error_statuses(route, has_body="requestBody" in operation)
    if 401 in statuses:
        operation["security"] = [{"bearer": []}]
    for status in sorted(statuses):
        response: dict[str, Any] = {
            "description": MEANINGS[status],
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        if status in HEADERS:
            response["headers"] = HEADERS[status]
        responses[str(status)] = response
    operation["responses"] = dict(sorted(responses.items()))


def error_statuses(route: RouteContext, has_body: bool) -> set[int]:
    """The error statuses ``route`` can answer (whether it has a body is known to the caller)."""
    path, dependant = route.path_format or "", route.dependant
    calls = set(_calls(dependant))
    statuses = set(EXTRA.get(route.name or "", set()))
    if path.startswith("/v1"):
        statuses.add(503)
    if current_actor in calls:
        statuses |= {401, 429}
    if any(_is_role_check(call) for call in calls):
        statuses.add(403)
    if dependant.path_params:
        statuses |= {404, 422}
    if dependant.query_params:
        statuses.add(422)
    if has_body:
        statuses |= {400, 413, 422}
    if UPLOAD_PATHS.match(path):
        statuses.add(415)
    return statuses


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _is_role_check(call: Callable[..., Any]) -> bool:
    return getattr(call, "__qualname__", "").startswith("require_roles.")
