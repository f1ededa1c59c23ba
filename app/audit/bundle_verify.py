"""``pazhou audit verify-bundle``: check an exported bundle with no server and no database.

Checks every checkpoint signature (with a pinned key, or the bundle's keys), every
consistency step between consecutive checkpoints, the hash chain of the events, the root of
every checkpoint inside the window recomputed from the events, the inclusion of the last
event in the checkpoints after the window, and that no checkpoint signed before the window
ended counts more events than the bundle holds.
"""

import io
import itertools
import json
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.chain import GENESIS_HASH
from app.audit.merkle import leaf_hash
from app.audit.proofs import ProofError, hex_list, verify_consistency, verify_inclusion
from app.audit.signing import key_id, load_public_pem, raw_public_key
from app.audit.walk import Start, Verdict, truncated, walk


class BundleError(ValueError):
    """Not a bundle: unreadable, a member missing, or malformed JSON."""


def verify_bundle(
    path: Path,
    pinned: Ed25519PublicKey | None = None,
    extra_checkpoints: Sequence[Mapping[str, Any]] = (),
) -> Verdict:
    """The verdict on the bundle at ``path``; ``first_bad_seq`` names the first bad event."""
    try:
        return _verify(path, pinned, extra_checkpoints)
    except (OSError, zipfile.BadZipFile, KeyError, TypeError, ValueError) as exc:
        raise BundleError(str(exc) or type(exc).__name__) from exc


def _verify(
    path: Path, pinned: Ed25519PublicKey | None, extra_checkpoints: Sequence[Mapping[str, Any]]
) -> Verdict:
    with zipfile.ZipFile(path) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        keys = _keys(bundle, pinned)
        own = list(_lines(bundle, "checkpoints.jsonl"))
        heads = [*own, *extra_checkpoints]
        problem = _consistency_problem(list(_lines(bundle, "consistency.jsonl")), own)
        if problem:
            return Verdict(ok=False, reason=problem)
        events = zip(_lines(bundle, "events.jsonl"), _stored_leaves(bundle), strict=False)
        verdict, beyond = walk(_start(bundle, manifest), events, heads, keys)
        closing = list(_lines(bundle, "closing.jsonl"))
    if not verdict.ok:
        return verdict
    last_seq = int(manifest["first_seq"]) + verdict.checked - 1
    return _check_beyond(verdict, beyond, closing, last_seq, str(manifest["until"]))


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint the auditor kept (the JSON of ``GET /v1/audit/checkpoint``)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{path}: {exc}") from exc
    if not isinstance(value, dict):
        raise BundleError(f"{path} is not a checkpoint")
    return value


def _keys(bundle: zipfile.ZipFile, pinned: Ed25519PublicKey | None) -> dict[str, Ed25519PublicKey]:
    if pinned is not None:
        return {key_id(raw_public_key(pinned)): pinned}
    listed = json.loads(bundle.read("keys.json"))
    keys = {entry["key_id"]: load_public_pem(entry["pem"]) for entry in listed}
    return {kid: key for kid, key in keys.items() if key_id(raw_public_key(key)) == kid}


def _lines(bundle: zipfile.ZipFile, name: str) -> Iterator[dict[str, Any]]:
    with bundle.open(name) as member:
        for line in io.TextIOWrapper(member, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


def _stored_leaves(bundle: zipfile.ZipFile) -> Iterator[bytes | None]:
    with bundle.open("leaves.txt") as member:
        for line in io.TextIOWrapper(member, encoding="ascii"):
            yield bytes.fromhex(line.strip())
    while True:
        yield None


def _start(bundle: zipfile.ZipFile, manifest: Mapping[str, Any]) -> Start:
    frontier = json.loads(bundle.read("frontier.json"))
    first = int(manifest["first_seq"])
    return Start(
        seq=first,
        prev_hash=GENESIS_HASH if first == 1 else None,
        frontier=[bytes.fromhex(value) for value in frontier["hashes"]],
    )


def _consistency_problem(steps: list[dict[str, Any]], heads: list[dict[str, Any]]) -> str | None:
    """Every consecutive pair of the bundle's checkpoints is proved consistent."""
    roots = {(int(h["tree_size"]), str(h["root_hash"])) for h in heads}
    for step in steps:
        first, second = int(step["first"]), int(step["second"])
        if (first, step["first_root"]) not in roots or (second, step["second_root"]) not in roots:
            return f"the consistency step {first} → {second} does not join two checkpoints"
        try:
            first_root, second_root = hex_list([step["first_root"], step["second_root"]])
            verify_consistency(first, second, first_root, second_root, hex_list(step["proof"]))
        except ProofError as exc:
            return f"the log of {second} events does not extend that of {first}: {exc}"
    sizes = sorted({int(h["tree_size"]) for h in heads if int(h["tree_size"]) > 0})
    proved = {(int(s["first"]), int(s["second"])) for s in steps}
    missing = [pair for pair in itertools.pairwise(sizes) if pair not in proved]
    return f"no consistency proof joins checkpoints {missing[0]}" if missing else None


def _check_beyond(
    verdict: Verdict,
    beyond: list[Mapping[str, Any]],
    closing: list[dict[str, Any]],
    last_seq: int,
    until: str,
) -> Verdict:
    """Checkpoints after the window: the last event is in them, and none predates its end."""
    proofs = {int(p["tree_size"]): p for p in closing}
    for head in beyond:
        size = int(head["tree_size"])
        problem = _closing_problem(proofs.get(size), head, last_seq, verdict.last_hash)
        if problem:
            return _failed(verdict, verdict.stored_leaf_mismatch or last_seq, problem)
        if str(head["timestamp"]) < until:
            return truncated(verdict, [head], last_seq)
        verdict.checkpoints_checked += 1
    return verdict


def _failed(verdict: Verdict, seq: int, reason: str) -> Verdict:
    verdict.ok, verdict.first_bad_seq, verdict.reason = False, seq, reason
    return verdict


def _closing_problem(
    proof: Mapping[str, Any] | None, head: Mapping[str, Any], last: int, last_hash: str | None
) -> str | None:
    if proof is None or int(proof["seq"]) != last or last_hash is None:
        return f"no inclusion proof of event {last} in the checkpoint of {head['tree_size']}"
    try:
        verify_inclusion(
            last - 1,
            int(head["tree_size"]),
            leaf_hash(last_hash),
            hex_list(proof["audit_path"]),
            bytes.fromhex(str(head["root_hash"])),
        )
    except (ProofError, ValueError) as exc:
        return f"event {last} is not in the checkpoint of {head['tree_size']} events: {exc}"
    return None
