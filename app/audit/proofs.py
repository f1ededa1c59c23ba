"""Verifying inclusion and consistency proofs with the algorithms of RFC 9162 §2.1.3.2 and
§2.1.4.2. Pure functions: the offline bundle verifier and the tests use them as they are."""

from collections.abc import Sequence

from app.audit.merkle import node_hash


class ProofError(ValueError):
    """A proof that does not verify; the message says which check failed."""


def _shift_until_set_or_zero(fn: int, sn: int) -> tuple[int, int]:
    while fn & 1 == 0 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def root_from_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes]
) -> bytes:
    """The root that ``path`` leads to from ``leaf`` (RFC 9162 §2.1.3.2, steps 1-5)."""
    if leaf_index < 0 or leaf_index >= tree_size:
        raise ProofError(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    fn, sn, result = leaf_index, tree_size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ProofError("the audit path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            fn, sn = _shift_until_set_or_zero(fn, sn)
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the audit path is shorter than the tree is deep")
    return result


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """Raise ``ProofError`` unless ``leaf`` sits at ``leaf_index`` of the tree with ``root``."""
    _check_hashes([leaf, root, *path])
    if root_from_inclusion(leaf_index, tree_size, leaf, path) != root:
        raise ProofError("the audit path does not lead to the root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ``ProofError`` unless the tree of ``second`` leaves extends that of ``first``."""
    _check_hashes([first_root, second_root, *proof])
    if first < 1 or first > second:
        raise ProofError(f"no consistency proof exists from size {first} to size {second}")
    if first == second:
        if proof or first_root != second_root:
            raise ProofError("equal sizes need an empty proof and equal roots")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_until_set_or_zero(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than needed")
    if fr != first_root:
        raise ProofError("the proof does not lead to the first root")
    if sr != second_root:
        raise ProofError("the proof does not lead to the second root")


def _check_hashes(hashes: Sequence[bytes]) -> None:
    if any(len(value) != 32 for value in hashes):
        raise ProofError("every hash must be 32 bytes")


def hex_list(values: Sequence[str]) -> list[bytes]:
    """Decode lowercase-hex hashes from a proof's JSON; a malformed one is a ``ProofError``."""
    try:
        return [bytes.fromhex(value) for value in values]
    except (TypeError, ValueError) as exc:
        raise ProofError("a proof element is not hex") from exc
