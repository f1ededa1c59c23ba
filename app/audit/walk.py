"""One pass over the log that checks everything an auditor can check.

The hash chain (sequence, links, hashes), the Merkle root of every signed checkpoint
recomputed from the events, and every checkpoint's signature. The server's ``/verify`` feeds
it rows from the database; the offline bundle verifier feeds it the bundle's files.

When the chain holds but a signed root does not (events rewritten with a recomputed chain),
the stored leaf hashes name the first rewritten event, provided they reproduce the signed
root themselves; otherwise the first event after the last good checkpoint is named.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.chain import GENESIS_HASH, chain_problem
from app.audit.checkpoints import CheckpointError, verify_checkpoint
from app.audit.merkle import Frontier, leaf_hash


@dataclass
class Verdict:
    ok: bool = True
    checked: int = 0
    first_bad_seq: int | None = None
    reason: str | None = None
    checkpoints_checked: int = 0
    last_hash: str | None = None
    stored_leaf_mismatch: int | None = None  # first event whose leaf differs from the stored one


@dataclass
class Start:
    """Where the walked events begin: seq 1 from genesis, or a window after ``seq - 1``."""

    seq: int = 1
    prev_hash: str | None = GENESIS_HASH  # None: take the first event's link on trust
    frontier: list[bytes] = field(default_factory=list)


class Failure(Exception):
    def __init__(self, seq: int | None, reason: str) -> None:
        super().__init__(reason)
        self.seq, self.reason = seq, reason


class Walk:
    """Feed events in order with ``step``; ``finish`` checks checkpoints past the last one."""

    def __init__(self, start: Start) -> None:
        self.verdict = Verdict()
        self.expected, self.prev_hash = start.seq, start.prev_hash
        self.tree = Frontier(start.seq - 1, start.frontier)
        self.stored: Frontier | None = Frontier(start.seq - 1, start.frontier)
        self.first_leaf_mismatch: int | None = None
        self.last_good = start.seq - 1
        self.pending: list[Mapping[str, Any]] = []

    def begin(
        self, checkpoints: Iterable[Mapping[str, Any]], keys: Mapping[str, Ed25519PublicKey]
    ) -> None:
        """Check every signature, then the roots of checkpoints at the starting size."""
        ordered = sorted(_signed(checkpoints, keys), key=lambda c: int(c["tree_size"]))
        self.pending = [c for c in ordered if int(c["tree_size"]) >= self.tree.size]
        self._check_roots()

    def step(self, event: Mapping[str, Any], stored_leaf: bytes | None) -> None:
        seq = self.expected
        problem = _problem(event, seq, self.prev_hash or str(event.get("prev_hash")))
        if problem:
            raise Failure(min(seq, _int(event.get("seq"), seq)), problem)
        leaf = leaf_hash(str(event["hash"]))
        self.tree.append(leaf)
        self._step_stored(seq, leaf, stored_leaf)
        self.verdict.checked += 1
        self.expected, self.prev_hash = seq + 1, str(event["hash"])
        self.verdict.last_hash = self.prev_hash
        self._check_roots()

    def _step_stored(self, seq: int, leaf: bytes, stored_leaf: bytes | None) -> None:
        if self.stored is None or stored_leaf is None:
            self.stored = None
            return
        self.stored.append(stored_leaf)
        if stored_leaf != leaf and self.first_leaf_mismatch is None:
            self.first_leaf_mismatch = self.verdict.stored_leaf_mismatch = seq

    def _check_roots(self) -> None:
        while self.pending and int(self.pending[0]["tree_size"]) == self.tree.size:
            checkpoint = self.pending.pop(0)
            if self.tree.root().hex() != checkpoint["root_hash"]:
                raise Failure(self._culprit(checkpoint), self._mismatch(checkpoint))
            self.last_good = self.tree.size
            self.verdict.checkpoints_checked += 1

    def _culprit(self, checkpoint: Mapping[str, Any]) -> int:
        stored_ok = self.stored is not None and self.stored.root().hex() == checkpoint["root_hash"]
        if stored_ok and self.first_leaf_mismatch is not None:
            return self.first_leaf_mismatch
        return self.last_good + 1

    def _mismatch(self, checkpoint: Mapping[str, Any]) -> str:
        size = checkpoint["tree_size"]
        return (
            f"the events do not hash to the root signed at {checkpoint['timestamp']} for "
            f"{size} events (events were rewritten, inserted or reordered)"
        )

    def finish(self) -> list[Mapping[str, Any]]:
        """The checkpoints that lie beyond the last event walked (not yet checked)."""
        return self.pending


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) else default


def _problem(event: Mapping[str, Any], seq: int, prev_hash: str) -> str | None:
    try:
        return chain_problem(event, seq, prev_hash)
    except (KeyError, TypeError, ValueError) as exc:
        return f"event {seq} is malformed: {exc}"


def _signed(
    checkpoints: Iterable[Mapping[str, Any]], keys: Mapping[str, Ed25519PublicKey]
) -> Iterator[Mapping[str, Any]]:
    for checkpoint in checkpoints:
        key = keys.get(str(checkpoint.get("key_id")))
        if key is None:
            raise Failure(None, f"no trusted public key {checkpoint.get('key_id')}")
        try:
            verify_checkpoint(checkpoint, key)
        except CheckpointError as exc:
            size = checkpoint.get("tree_size")
            raise Failure(None, f"checkpoint for {size} events: {exc}") from exc
        yield checkpoint


def walk(
    start: Start,
    events: Iterable[tuple[Mapping[str, Any], bytes | None]],
    checkpoints: Iterable[Mapping[str, Any]],
    keys: Mapping[str, Ed25519PublicKey],
) -> tuple[Verdict, list[Mapping[str, Any]]]:
    """Walk ``(event, stored leaf)`` pairs; returns the verdict and the unchecked checkpoints."""
    state = Walk(start)
    try:
        state.begin(checkpoints, keys)
        for event, stored in events:
            state.step(event, stored)
    except Failure as failure:
        verdict = state.verdict
        verdict.ok, verdict.first_bad_seq, verdict.reason = False, failure.seq, failure.reason
        return verdict, []
    return state.verdict, state.finish()


def truncated(verdict: Verdict, beyond: list[Mapping[str, Any]], last_seq: int) -> Verdict:
    """A checkpoint signed for more events than there are: the tail was cut off (and maybe
    replaced: the stored leaves then name the first replaced event)."""
    if verdict.ok and beyond:
        largest = max(int(c["tree_size"]) for c in beyond)
        verdict.ok, verdict.first_bad_seq = (
            False,
            min(last_seq + 1, verdict.stored_leaf_mismatch or last_seq + 1),
        )
        verdict.reason = (
            f"a checkpoint was signed for {largest} events but the log ends at event {last_seq} "
            "(events were deleted from its end)"
        )
    return verdict
