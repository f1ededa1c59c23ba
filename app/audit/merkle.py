"""RFC 6962 Merkle tree hashing over the audit log (RFC 9162 §2.1).

Leaf ``i`` is the event with sequence number ``i + 1``; its leaf hash is
SHA-256(0x00 ‖ the 32 raw bytes of the event's hash). The tree is stored as its perfect
subtrees, keyed by ``(level, index)``: node ``(level, idx)`` covers leaves
``idx * 2**level`` to ``(idx + 1) * 2**level - 1``. Any subtree hash the RFC needs is
assembled from at most ``log2(n)`` of them.
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping

EMPTY_ROOT = hashlib.sha256(b"").digest()
NodeKey = tuple[int, int]


def leaf_hash(event_hash_hex: str) -> bytes:
    """SHA-256(0x00 ‖ raw event hash)."""
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size`` ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_nodes(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees whose hashes make up ``MTH(D[start:end])``, left to right.

    ``[start, end)`` must be a subtree of an RFC 6962 tree (as every range in a proof is).
    """
    size = end - start
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        return [(level, start >> level)]
    k = split_point(size)
    return perfect_nodes(start, start + k) + perfect_nodes(start + k, end)


def range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """``MTH(D[start:end])`` from stored perfect subtrees (``EMPTY_ROOT`` when empty)."""
    if start == end:
        return EMPTY_ROOT
    size = end - start
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        return nodes[(level, start >> level)]
    k = split_point(size)
    return node_hash(range_hash(start, start + k, nodes), range_hash(start + k, end, nodes))


def inclusion_ranges(index: int, size: int, offset: int = 0) -> list[tuple[int, int]]:
    """The subtrees of RFC 6962's PATH(index, D[size]), leaf side first."""
    if size <= 1:
        return []
    k = split_point(size)
    if index < k:
        return [*inclusion_ranges(index, k, offset), (offset + k, offset + size)]
    return [*inclusion_ranges(index - k, size - k, offset + k), (offset, offset + k)]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The subtrees of RFC 6962's PROOF(first, D[second]) (``0 < first ≤ second``)."""
    return _subproof(first, second, 0, True)


def _subproof(m: int, n: int, offset: int, whole: bool) -> list[tuple[int, int]]:
    if m == n:
        return [] if whole else [(offset, offset + n)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, k, offset, whole), (offset + k, offset + n)]
    return [*_subproof(m - k, n - k, offset + k, False), (offset, offset + k)]


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[NodeKey]:
    """Every stored node needed to hash ``ranges``."""
    return {key for start, end in ranges if end > start for key in perfect_nodes(start, end)}


class Frontier:
    """The right edge of a growing tree: one perfect subtree per set bit of ``size``.

    Appending a leaf returns the perfect subtrees it completes, so a caller can store them;
    ``root()`` is the RFC 6962 root of the leaves so far. Memory is O(log n).
    """

    def __init__(self, size: int = 0, hashes: list[bytes] | None = None) -> None:
        self.size = size
        self.hashes = list(hashes or [])  # left to right: the largest subtree first
        if len(self.hashes) != size.bit_count():
            raise ValueError("a frontier needs one hash per set bit of its size")

    @staticmethod
    def keys(size: int) -> list[NodeKey]:
        """The perfect subtrees that make up a tree of ``size`` leaves, left to right."""
        keys, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                keys.append((level, start >> level))
                start += 1 << level
        return keys

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf; returns the new perfect subtrees as ``(level, idx, hash)``."""
        index, made = self.size, [(0, self.size, leaf)]
        current, level = leaf, 0
        while index >> level & 1:
            current = node_hash(self.hashes.pop(), current)
            level += 1
            made.append((level, index >> level, current))
        self.hashes.append(current)
        self.size += 1
        return made

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        current = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            current = node_hash(left, current)
        return current


def root_from_lookup(size: int, lookup: Callable[[set[NodeKey]], Mapping[NodeKey, bytes]]) -> bytes:
    """The root of the first ``size`` leaves, from a node store."""
    nodes = lookup(nodes_for([(0, size)]))
    return range_hash(0, size, nodes)
