"""RFC 9162 Merkle trees (SHA-256): hashes, roots, inclusion and consistency proofs.

The tree hash of RFC 9162 section 2.1.1: a leaf is ``SHA-256(0x00 || data)``,
an interior node ``SHA-256(0x01 || left || right)``, the tree of ``n > 1``
leaves splits at ``k``, the largest power of two smaller than ``n``; the
empty tree's hash is ``SHA-256("")``. Proofs are those of sections 2.1.3
(inclusion: PATH) and 2.1.4 (consistency: PROOF/SUBPROOF), and the checks are
the verification algorithms of sections 2.1.3.2 and 2.1.4.2.

:class:`Frontier` appends leaves one by one and gives the root of any prefix
in O(log n) memory: it keeps the roots of the perfect subtrees the leaves so
far decompose into (a "compact range" starting at 0).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return _sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n > 1``)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """A tree grown leaf by leaf: its root at every size, in O(log n) memory."""

    __slots__ = ("_stack", "size")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._stack: list[bytes] = []  # roots of perfect subtrees, largest (leftmost) first
        self.size = 0
        self.extend(leaf_hashes)

    def append(self, leaf: bytes) -> None:
        stack = self._stack
        size = self.size
        node = leaf
        while size & 1:
            node = _sha256(NODE_PREFIX + stack.pop() + node).digest()
            size >>= 1
        stack.append(node)
        self.size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for leaf in leaf_hashes:
            self.append(leaf)

    def root(self) -> bytes:
        """The RFC 9162 tree hash of the leaves appended so far."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        node = stack[-1]
        for left in reversed(stack[:-1]):
            node = _sha256(NODE_PREFIX + left + node).digest()
        return node

    def copy(self) -> Frontier:
        other = Frontier()
        other._stack = list(self._stack)
        other.size = self.size
        return other


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the given leaf hashes (``SHA-256("")`` for none)."""
    return Frontier(leaf_hashes).root()


def _subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    return Frontier(leaf_hashes[start:end]).root()


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) for the tree of ``leaf_hashes`` (n = their number)."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        msg = f"leaf index {index} is outside a tree of size {n}"
        raise ValueError(msg)
    proof: list[bytes] = []
    start, end = 0, n
    while end - start > 1:  # walk down; sibling subtrees are collected top first
        k = _split(end - start)
        if index < start + k:
            proof.append(_subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            proof.append(_subtree_root(leaf_hashes, start, start + k))
            start += k
    proof.reverse()  # RFC 9162 lists them bottom up
    return proof


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) between the tree of the first ``old_size`` leaves and all of them."""
    n = len(leaf_hashes)
    if not 0 <= old_size <= n:
        msg = f"old size {old_size} is outside 0..{n}"
        raise ValueError(msg)
    if old_size in (0, n):
        return []
    proof: list[bytes] = []
    m, start, end, complete = old_size, 0, n, True
    while True:  # SUBPROOF(m, D[start:end], complete), iteratively
        size = end - start
        if m == size:
            if not complete:
                proof.append(_subtree_root(leaf_hashes, start, end))
            break
        k = _split(size)
        if m <= k:
            proof.append(_subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            proof.append(_subtree_root(leaf_hashes, start, start + k))
            start += k
            m -= k
            complete = False
    proof.reverse()
    return proof


def verify_inclusion(index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does ``proof`` put ``leaf_hash`` at ``index`` under ``root``?"""
    if not 0 <= index < tree_size:
        return False
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree ``new_root`` an extension of ``old_root``?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
