"""``pazhou audit export``: a zip that an auditor verifies offline (``verify-bundle``).

Members: ``manifest.json``; ``events.jsonl`` (the events of the window, as the API shows
them); ``leaves.txt`` (the server's stored leaf hashes of those events, hex, one a line);
``checkpoints.jsonl`` (every checkpoint signed inside the window, and the first one after it);
``consistency.jsonl`` (a proof between each consecutive pair); ``closing.jsonl`` (inclusion
proofs of the window's last event in the checkpoints after it); ``frontier.json`` (the
perfect subtrees of every event before the window); ``keys.json`` (the public keys).
Everything is written as it is read, so a log of any length exports in bounded memory.
"""

import itertools
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from app.audit import tree
from app.audit.chain import rfc3339_now
from app.audit.checkpoints import as_dict as checkpoint_dict
from app.audit.heads import checkpoint
from app.audit.merkle import Frontier
from app.config import Settings
from app.db.session import Database
from app.repositories import audit_tree as repo
from app.repositories.audit import EventFilter, as_dict, stream_events

FORMAT = "pazhou-audit-bundle/1"
PAGE = 5000


def export(
    db: Database, settings: Settings, out: Path, since: str | None, until: str | None
) -> dict[str, Any]:
    """Write the bundle of events with ``since ≤ time < until``; returns its manifest."""
    size = tree.catch_up(db)
    with db.reading() as session:
        first, last = repo.window(session, since, until)
        newest = repo.latest_checkpoint(session)
    if newest is None or newest.tree_size < last:
        checkpoint(db, settings, force=True)
        size = tree.catch_up(db)
    manifest = {
        "format": FORMAT,
        "origin": settings.audit_origin,
        "created": rfc3339_now(),
        "since": since,
        "until": until,
        "first_seq": first,
        "last_seq": last,
        "tree_size_at_export": size,
    }
    manifest["until"] = until or manifest["created"]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        _write_tree_files(db, bundle, first, last)
        _write_lines(bundle, "events.jsonl", _events(db, first, last))
        _write_lines(bundle, "leaves.txt", _leaves(db, first, last))
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2))
    return manifest


def _write_tree_files(db: Database, bundle: zipfile.ZipFile, first: int, last: int) -> None:
    with db.reading() as session:
        rows = repo.checkpoints_between(session, first - 1, last)
        heads = sorted((checkpoint_dict(row) for row in rows), key=lambda c: c["tree_size"])
        frontier_nodes = repo.nodes(session, Frontier.keys(first - 1))
        frontier = [frontier_nodes[key].hex() for key in Frontier.keys(first - 1)]
        steps = [
            tree.consistency_proof(session, a["tree_size"], b["tree_size"])
            for a, b in itertools.pairwise(heads)
            if a["tree_size"] > 0
        ]
        closing = [
            tree.inclusion_proof(session, last, head["tree_size"])
            for head in heads
            if head["tree_size"] > last and last > 0
        ]
        keys = repo.keys(session, {head["key_id"] for head in heads})
    key_list = [{"key_id": key.key_id, "pem": key.public_key_pem} for key in keys]
    bundle.writestr("frontier.json", json.dumps({"tree_size": first - 1, "hashes": frontier}))
    bundle.writestr("keys.json", json.dumps(key_list, indent=2))
    _write_lines(bundle, "checkpoints.jsonl", (_line(head) for head in heads))
    _write_lines(bundle, "consistency.jsonl", (_line(step) for step in steps))
    _write_lines(bundle, "closing.jsonl", (_line(proof) for proof in closing))


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _write_lines(bundle: zipfile.ZipFile, name: str, lines: Iterable[str]) -> None:
    with bundle.open(name, "w", force_zip64=True) as member:
        _copy(lines, member)


def _copy(lines: Iterable[str], member: IO[bytes]) -> None:
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= 1000:
            member.write(("\n".join(buffer) + "\n").encode())
            buffer.clear()
    if buffer:
        member.write(("\n".join(buffer) + "\n").encode())


def _events(db: Database, first: int, last: int) -> Iterator[str]:
    with db.reading() as session:
        flt = EventFilter(after_seq=first - 1, until_seq=last)
        for event in stream_events(session, flt, PAGE):
            yield _line(as_dict(event))


def _leaves(db: Database, first: int, last: int) -> Iterator[str]:
    with db.reading() as session:
        after = first - 1
        while after < last:
            page = repo.stored_leaves(session, after, min(PAGE, last - after))
            yield from (value.hex() for _, value in page)
            if not page:
                return
            after = page[-1][0] + 1
