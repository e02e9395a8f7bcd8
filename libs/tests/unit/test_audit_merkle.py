"""The audit tree is RFC 9162's: checked against the standard test vectors.

The vectors (8 leaves, the root of each prefix, inclusion paths and
consistency proofs) are those of Certificate Transparency's reference
implementations, as published in transparency-dev/merkle
``proof/verify_test.go`` (``leaves``, ``roots``, ``inclusionProofs``,
``consistencyProofs``; also google/certificate-transparency-go ``merkle``).
Their inclusion vectors number leaves from 1; ours from 0.
"""

from __future__ import annotations

import random

import pytest

from lienthong.audit import merkle

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def _h(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


#: (leaf number counted from 1, tree size, path)
INCLUSION = [
    (1, 1, []),
    (1, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (3, 3, _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (2, 5, _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]

#: (old size, new size, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]

HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert merkle.root([]) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_the_root_of_each_prefix_is_the_reference_root(size: int) -> None:
    assert merkle.root(HASHES[:size]) == ROOTS[size - 1]
    frontier = merkle.Frontier()
    for leaf in HASHES[:size]:
        frontier.append(leaf)
    assert frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_paths_are_the_reference_paths_and_verify(leaf: int, size: int,
                                                            path: list[bytes]) -> None:
    index = leaf - 1
    assert merkle.inclusion_proof(index, HASHES[:size]) == path
    assert merkle.verify_inclusion(index, size, HASHES[index], path, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_are_the_reference_proofs_and_verify(old: int, new: int,
                                                                proof: list[bytes]) -> None:
    assert merkle.consistency_proof(old, HASHES[:new]) == proof
    assert merkle.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def _flipped(proof: list[bytes], i: int) -> list[bytes]:
    wrong = list(proof)
    wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
    return wrong


@pytest.mark.parametrize(("leaf", "size", "path"), [v for v in INCLUSION if v[2]])
def test_a_corrupted_inclusion_proof_fails(leaf: int, size: int, path: list[bytes]) -> None:
    index, root = leaf - 1, ROOTS[size - 1]
    leaf_hash = HASHES[index]
    probes = [
        (index - 1, size, leaf_hash, path, root), (index + 1, size, leaf_hash, path, root),
        (index ^ 2, size, leaf_hash, path, root), (index, size * 2, leaf_hash, path, root),
        (index, size // 2, leaf_hash, path, root), (index, size, b"WrongLeaf", path, root),
        (index, size, leaf_hash, path, EMPTY_ROOT), (index, size, leaf_hash, [*path, root], root),
        (index, size, leaf_hash, [root, *path], root), (index, size, leaf_hash, path[:-1], root),
        *[(index, size, leaf_hash, _flipped(path, i), root) for i in range(len(path))],
    ]
    for probe in probes:
        assert not merkle.verify_inclusion(*probe), probe


@pytest.mark.parametrize(("old", "new", "proof"), [v for v in CONSISTENCY if v[2]])
def test_a_corrupted_consistency_proof_fails(old: int, new: int, proof: list[bytes]) -> None:
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    probes = [
        (old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof), (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof), (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof), (old, new, r2, r1, proof), (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, b""]), (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [r2, *proof]), (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
        *[(old, new, r1, r2, _flipped(proof, i)) for i in range(len(proof))],
    ]
    for probe in probes:
        assert not merkle.verify_consistency(*probe), probe


def test_every_proof_of_trees_up_to_70_leaves_verifies_and_a_wrong_one_fails() -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(70)]
    roots = [merkle.root(hashes[:n]) for n in range(71)]
    for size in range(1, 71):
        tree = hashes[:size]
        for index in range(size):
            proof = merkle.inclusion_proof(index, tree)
            assert merkle.verify_inclusion(index, size, tree[index], proof, roots[size])
            other = (index + 1) % size
            if other != index:
                assert not merkle.verify_inclusion(other, size, tree[index], proof, roots[size])
        for old in range(size + 1):
            proof = merkle.consistency_proof(old, tree)
            assert merkle.verify_consistency(old, size, roots[old], roots[size], proof)
            if 0 < old < size:
                assert not merkle.verify_consistency(old, size, roots[old - 1], roots[size],
                                                     proof)
                assert not merkle.verify_consistency(old, size, roots[old], roots[size - 1],
                                                     proof)


def test_random_large_trees_prove_inclusion_and_consistency() -> None:
    rng = random.Random(9162)
    hashes = [merkle.leaf_hash(rng.randbytes(8)) for _ in range(3000)]
    frontier = merkle.Frontier()
    roots = {0: merkle.EMPTY_ROOT}
    for n, leaf in enumerate(hashes, start=1):
        frontier.append(leaf)
        roots[n] = frontier.root()
    for _ in range(40):
        size = rng.randint(1, 3000)
        old = rng.randint(0, size)
        index = rng.randrange(size)
        tree = hashes[:size]
        assert merkle.root(tree) == roots[size]
        proof = merkle.inclusion_proof(index, tree)
        assert merkle.verify_inclusion(index, size, tree[index], proof, roots[size])
        consistency = merkle.consistency_proof(old, tree)
        assert merkle.verify_consistency(old, size, roots[old], roots[size], consistency)
        if consistency:
            bad = _flipped(consistency, rng.randrange(len(consistency)))
            assert not merkle.verify_consistency(old, size, roots[old], roots[size], bad)
