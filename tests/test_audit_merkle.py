"""The Merkle tree and proofs against RFC 6962's recursive definitions, written here anew,
and every corruption probe of the issue rejected by the RFC 9162 verifiers."""

import hashlib

import pytest

from app.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    nodes_for,
    range_hash,
)
from app.audit.proofs import ProofError, verify_consistency, verify_inclusion

SIZES = range(1, 34)


def _event_hash(i: int) -> str:
    return hashlib.sha256(f"event {i}".encode()).hexdigest()


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, recursively, with no shared code."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


LEAVES = [hashlib.sha256(b"\x00" + bytes.fromhex(_event_hash(i))).digest() for i in range(40)]


def _stored(count: int) -> dict[tuple[int, int], bytes]:
    frontier, nodes = Frontier(), {}
    for leaf in LEAVES[:count]:
        for level, idx, value in frontier.append(leaf):
            nodes[(level, idx)] = value
    return nodes


def test_leaf_hash_is_the_contracts_formula() -> None:
    assert leaf_hash(_event_hash(0)) == LEAVES[0]
    assert EMPTY_ROOT.hex().startswith("e3b0c442")


@pytest.mark.parametrize("size", SIZES)
def test_frontier_and_stored_nodes_give_the_rfc_root(size: int) -> None:
    frontier = Frontier()
    for leaf in LEAVES[:size]:
        frontier.append(leaf)
    assert frontier.root() == _mth(LEAVES[:size])
    assert range_hash(0, size, _stored(size)) == _mth(LEAVES[:size])
    resumed = Frontier(size, [_stored(size)[key] for key in Frontier.keys(size)])
    resumed.append(LEAVES[size])
    assert resumed.root() == _mth(LEAVES[: size + 1])


def _inclusion(m: int, n: int) -> list[bytes]:
    nodes = _stored(n)
    return [range_hash(a, b, nodes) for a, b in inclusion_ranges(m, n)]


def _consistency(m: int, n: int) -> list[bytes]:
    nodes = _stored(n)
    ranges = consistency_ranges(m, n)
    assert nodes_for(ranges) <= set(nodes)
    return [range_hash(a, b, nodes) for a, b in ranges]


@pytest.mark.parametrize("size", SIZES)
def test_every_inclusion_proof_matches_rfc_and_verifies(size: int) -> None:
    root = _mth(LEAVES[:size])
    for m in range(size):
        path = _inclusion(m, size)
        assert path == _path(m, LEAVES[:size])
        verify_inclusion(m, size, LEAVES[m], path, root)


@pytest.mark.parametrize("second", SIZES)
def test_every_consistency_proof_matches_rfc_and_verifies(second: int) -> None:
    for first in range(1, second + 1):
        proof = _consistency(first, second)
        assert proof == _subproof(first, LEAVES[:second], True)
        verify_consistency(first, second, _mth(LEAVES[:first]), _mth(LEAVES[:second]), proof)


def _flip(value: bytes, bit: int) -> bytes:
    raw = bytearray(value)
    raw[bit // 8] ^= 1 << (bit % 8)
    return bytes(raw)


def _inclusion_probes(m: int, n: int) -> list[tuple[str, tuple[object, ...]]]:
    path, root, leaf = _inclusion(m, n), _mth(LEAVES[:n]), LEAVES[m]
    probes: list[tuple[str, tuple[object, ...]]] = [
        ("index+1", (m + 1, n, leaf, path, root)),
        ("index-1", (m - 1, n, leaf, path, root)),
        ("size*2", (m, n * 2, leaf, path, root)),
        ("size/2", (m, n // 2, leaf, path, root)),
        ("wrong root", (m, n, leaf, path, _mth(LEAVES[: n + 1]))),
        ("empty root", (m, n, leaf, path, b"")),
        ("extra hash", (m, n, leaf, [*path, LEAVES[0]], root)),
        ("flipped leaf", (m, n, _flip(leaf, 7), path, root)),
    ]
    if path:
        probes.append(("missing hash", (m, n, leaf, path[:-1], root)))
    for i in range(len(path)):
        for bit in (0, 131, 255):
            changed = [_flip(h, bit) if j == i else h for j, h in enumerate(path)]
            probes.append((f"bit {bit} of element {i}", (m, n, leaf, changed, root)))
    return probes


@pytest.mark.parametrize(("m", "n"), [(0, 1), (0, 2), (5, 7), (6, 7), (12, 13), (31, 32), (16, 33)])
def test_corrupted_inclusion_proofs_are_rejected(m: int, n: int) -> None:
    probes = _inclusion_probes(m, n)
    assert len(probes) >= 8
    for name, args in probes:
        with pytest.raises(ProofError):
            verify_inclusion(*args)  # type: ignore[arg-type]
            pytest.fail(f"accepted: {name}")


@pytest.mark.parametrize(("m", "n"), [(1, 2), (3, 7), (4, 8), (6, 8), (7, 33), (16, 33), (32, 33)])
def test_corrupted_consistency_proofs_are_rejected(m: int, n: int) -> None:
    proof, r1, r2 = _consistency(m, n), _mth(LEAVES[:m]), _mth(LEAVES[:n])
    probes = [
        (m + 1, n, r1, r2, proof),
        (m - 1, n, r1, r2, proof),
        (m, n * 2, r1, r2, proof),
        (m, n // 2, r1, r2, proof),
        (m, n, r1, _mth(LEAVES[: n - 1]), proof),
        (m, n, _mth(LEAVES[: m + 1]), r2, proof),
        (m, n, b"", r2, proof),
        (m, n, r1, r2, [*proof, LEAVES[0]]),
        (m, n, r1, r2, proof[:-1]),
        (m, n, r1, r2, []),
    ]
    for i in range(len(proof)):
        for bit in (0, 100, 255):
            probes.append(
                (m, n, r1, r2, [_flip(h, bit) if j == i else h for j, h in enumerate(proof)])
            )
    for args in probes:
        with pytest.raises(ProofError):
            verify_consistency(*args)  # type: ignore[arg-type]
