"""The hash chain: canonical JSON of an event, its SHA-256, and verification of a sequence."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app import clock

GENESIS_HASH = "0" * 64
EVENT_FIELDS = (
    "seq",
    "time",
    "actor",
    "role",
    "action",
    "resource",
    "dataset_id",
    "outcome",
    "client",
    "request_id",
    "details",
    "prev_hash",
)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8, non-ASCII unescaped (the contract's canonical form)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(event: Mapping[str, Any]) -> str:
    """Hex SHA-256 over the canonical JSON of every field except ``hash``."""
    body = {name: event[name] for name in EVENT_FIELDS}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def canonical_sha256(value: Any) -> str:
    """Hex SHA-256 of the canonical JSON of ``value`` (query hashes, result digests)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def rfc3339_now() -> str:
    """The service clock's UTC time with microseconds, fixed width (strings sort like instants)."""
    return clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_instant(value: str) -> str:
    """Any ISO 8601 instant with a zone, in the stored fixed-width UTC form (ValueError else)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise ValueError("needs a time zone (for example 'Z')")
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class ChainVerdict:
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None = None


def verify_events(events: Iterable[Mapping[str, Any]]) -> ChainVerdict:
    """Walk events in ``seq`` order; the first gap, broken link or bad hash is reported."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for event in events:
        problem = chain_problem(event, expected_seq, prev_hash)
        if problem:
            bad_seq = min(expected_seq, int(event["seq"]))
            return ChainVerdict(False, checked, bad_seq, problem)
        checked += 1
        expected_seq, prev_hash = expected_seq + 1, event["hash"]
    return ChainVerdict(True, checked, None)


def chain_problem(event: Mapping[str, Any], expected_seq: int, prev_hash: str) -> str | None:
    """Why ``event`` cannot follow ``prev_hash`` at ``expected_seq``, or None if it can."""
    if event["seq"] != expected_seq:
        return f"expected sequence number {expected_seq}, found {event['seq']}"
    if event["prev_hash"] != prev_hash:
        return f"event {expected_seq} does not link to the hash of event {expected_seq - 1}"
    if event_hash(event) != event["hash"]:
        return f"event {expected_seq} does not match its hash (its content was changed)"
    return None
