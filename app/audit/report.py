"""The auditor's report on one dataset, computed from its audit events alone.

Per actor: the purposes seen, ε spent per day (non-cached ``queries.run`` answered 200),
extracts downloaded (``extracts.download`` answered 200, with their SHA-256), denied attempts
(401, 403, 404, 409, 429) and a count of every action.
"""

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from anonymizers.spreadsheet import neutralize_cell

DENIED = (401, 403, 404, 409, 429)
CSV_COLUMNS = (
    *("kind", "actor", "role", "day", "time", "seq", "action", "outcome"),
    *("purpose", "epsilon", "count", "sha256", "grant_id", "detail"),
)


@dataclass
class ActorUsage:
    actor: str | None
    role: str | None
    purposes: list[str] = field(default_factory=list)
    epsilon_by_day: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    queries: int = 0
    cached_queries: int = 0
    extracts_downloaded: list[dict[str, Any]] = field(default_factory=list)
    denied: list[dict[str, Any]] = field(default_factory=list)
    actions: Counter[str] = field(default_factory=Counter)

    def add(self, event: Mapping[str, Any]) -> None:
        details, action, outcome = event["details"] or {}, event["action"], event["outcome"]
        self.actions[action] += 1
        purpose = details.get("purpose")
        if isinstance(purpose, str) and purpose not in self.purposes:
            self.purposes.append(purpose)
        if action == "queries.run" and outcome == 200:
            self._query(event, details)
        if action == "extracts.download" and outcome == 200 and details.get("sha256"):
            self.extracts_downloaded.append(
                {**_where(event), "sha256": details["sha256"], "grant_id": details.get("grant_id")}
            )
        if outcome in DENIED:
            self.denied.append(
                {
                    **_where(event),
                    "action": action,
                    "outcome": outcome,
                    "error": details.get("error"),
                }
            )

    def _query(self, event: Mapping[str, Any], details: Mapping[str, Any]) -> None:
        self.queries += 1
        if details.get("cached"):
            self.cached_queries += 1
            return
        spent = details.get("epsilon_spent")
        if isinstance(spent, int | float):
            self.epsilon_by_day[str(event["time"])[:10]] += float(spent)

    def as_dict(self) -> dict[str, Any]:
        days = sorted(self.epsilon_by_day.items())
        return {
            "actor": self.actor,
            "role": self.role,
            "purposes": self.purposes,
            "queries": self.queries,
            "cached_queries": self.cached_queries,
            "epsilon_spent": round(sum(self.epsilon_by_day.values()), 12),
            "epsilon_by_day": [{"day": day, "epsilon": round(eps, 12)} for day, eps in days],
            "extracts_downloaded": self.extracts_downloaded,
            "denied_attempts": self.denied,
            "actions": dict(sorted(self.actions.items())),
        }


def _where(event: Mapping[str, Any]) -> dict[str, Any]:
    return {"seq": event["seq"], "time": event["time"]}


def build(dataset_id: str, events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One pass over the dataset's events, in order."""
    usage: dict[str | None, ActorUsage] = {}
    count, first, last = 0, None, None
    for event in events:
        actor = event["actor"]
        if actor not in usage:
            usage[actor] = ActorUsage(actor, event["role"])
        usage[actor].add(event)
        count, first, last = count + 1, first or event["seq"], event["seq"]
    return {
        "dataset_id": dataset_id,
        "events": count,
        "first_seq": first,
        "last_seq": last,
        "actors": [entry.as_dict() for entry in usage.values()],
    }


def csv_rows(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in report["actors"]:
        who = {"actor": entry["actor"], "role": entry["role"]}
        for purpose in entry["purposes"]:
            yield {"kind": "purpose", **who, "purpose": purpose}
        for day in entry["epsilon_by_day"]:
            yield {"kind": "epsilon", **who, "day": day["day"], "epsilon": day["epsilon"]}
        for extract in entry["extracts_downloaded"]:
            yield {"kind": "extract_download", **who, **extract}
        for denied in entry["denied_attempts"]:
            yield {"kind": "denied", **who, **{**denied, "detail": denied["error"]}}
        for action, total in entry["actions"].items():
            yield {"kind": "action_count", **who, "action": action, "count": total}


def to_csv(report: Mapping[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: neutralize_cell(v) for k, v in row.items()} for row in csv_rows(report))
    return buffer.getvalue()
