"""Reading the audit log: pages, exports, and verification of the whole chain."""

import csv
import io
import json
from collections.abc import Iterator

from anonymizers.spreadsheet import neutralize_cell
from app.audit.chain import EVENT_FIELDS, ChainVerdict, verify_events
from app.db.session import Database
from app.repositories.audit import EventFilter, as_dict, stream_events

CSV_FIELDS = (*EVENT_FIELDS, "hash")


def verify_chain(db: Database) -> ChainVerdict:
    """Recompute every hash and link from the stored rows, oldest first."""
    with db.reading() as session:
        return verify_events(as_dict(event) for event in stream_events(session, EventFilter()))


def export_jsonl(db: Database, flt: EventFilter, limit: int | None) -> Iterator[bytes]:
    for event in _events(db, flt, limit):
        yield json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def export_csv(db: Database, flt: EventFilter, limit: int | None) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for event in _events(db, flt, limit):
        event["details"] = json.dumps(event["details"], ensure_ascii=False, sort_keys=True)
        writer.writerow({name: neutralize_cell(value) for name, value in event.items()})
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _events(db: Database, flt: EventFilter, limit: int | None) -> Iterator[dict[str, object]]:
    with db.reading() as session:
        for count, event in enumerate(stream_events(session, flt), start=1):
            yield as_dict(event)
            if limit is not None and count >= limit:
                return
