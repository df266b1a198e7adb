"""Model files: hashed once and remembered, joined atomically, refused when damaged or too big."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from mockflow.errors import MockflowError
from mockflow.localmodels.files import (
    HashCache,
    ModelHashMismatch,
    ModelMissing,
    NotEnoughMemory,
    check_memory,
    join_parts,
    sha256_of,
    verify,
)

MB = 1_000_000


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_the_hash_is_the_files_sha256_and_is_remembered_beside_the_models(tmp_path: Path) -> None:
    model = write(tmp_path / "m.gguf", b"weights" * 1000)
    cache = HashCache(tmp_path / "hashes.json")
    assert sha256_of(model, cache) == hashlib.sha256(model.read_bytes()).hexdigest()
    assert (tmp_path / "hashes.json").is_file()
    # same size and time stamp: the remembered value is used, the file is not read again
    stamp = model.stat()
    write(model, b"WEIGHTS" * 1000)
    os.utime(model, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert (
        sha256_of(model, HashCache(tmp_path / "hashes.json"))
        == hashlib.sha256(b"weights" * 1000).hexdigest()
    )


def test_a_changed_file_is_hashed_again(tmp_path: Path) -> None:
    model = write(tmp_path / "m.gguf", b"weights")
    cache = HashCache(tmp_path / "hashes.json")
    sha256_of(model, cache)
    write(model, b"truncated")
    os.utime(model, ns=(1, 1))
    assert sha256_of(model, cache) == hashlib.sha256(b"truncated").hexdigest()


def test_a_damaged_cache_file_only_costs_a_rehash(tmp_path: Path) -> None:
    model = write(tmp_path / "m.gguf", b"weights")
    write(tmp_path / "hashes.json", b"{not json")
    assert (
        sha256_of(model, HashCache(tmp_path / "hashes.json"))
        == hashlib.sha256(b"weights").hexdigest()
    )


def test_a_mismatch_is_refused_naming_the_file(tmp_path: Path) -> None:
    model = write(tmp_path / "qwen.gguf", b"not the model")
    with pytest.raises(ModelHashMismatch, match="qwen.gguf") as caught:
        verify(model, "0" * 64)
    assert isinstance(caught.value, MockflowError)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="gone.gguf"):
        sha256_of(tmp_path / "gone.gguf")


def test_parts_are_joined_in_order_with_progress_and_verified(tmp_path: Path) -> None:
    parts = [write(tmp_path / f"p{n}", bytes([n]) * (n * 1000)) for n in (1, 2, 3)]
    whole = b"".join(p.read_bytes() for p in parts)
    seen: list[tuple[int, int]] = []
    dest = tmp_path / "models" / "joined.gguf"
    cache = HashCache(tmp_path / "models" / "hashes.json")
    joined = join_parts(
        parts, dest, hashlib.sha256(whole).hexdigest(), lambda *a: seen.append(a), cache
    )
    assert joined == dest and dest.read_bytes() == whole
    assert seen[-1] == (len(whole), len(whole))
    assert sorted(p.name for p in dest.parent.iterdir()) == ["hashes.json", "joined.gguf"]
    assert cache.get(dest) == hashlib.sha256(whole).hexdigest()


def test_a_join_that_does_not_match_leaves_no_file_under_any_name(tmp_path: Path) -> None:
    parts = [write(tmp_path / "p1", b"a" * 100), write(tmp_path / "p2", b"b" * 100)]
    dest = tmp_path / "models" / "joined.gguf"
    with pytest.raises(ModelHashMismatch, match="joined.gguf"):
        join_parts(parts, dest, "0" * 64)
    assert list(dest.parent.iterdir()) == []


def test_a_missing_part_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="p2"):
        join_parts([write(tmp_path / "p1", b"a"), tmp_path / "p2"], tmp_path / "j.gguf", None)


def test_a_model_too_big_for_memory_is_refused_with_both_figures() -> None:
    with pytest.raises(NotEnoughMemory) as caught:
        check_memory(1000 * MB, "/models/big.gguf", available=1200 * MB)
    message = str(caught.value)
    assert "/models/big.gguf" in message
    assert "1800 MB" in message  # 1000 × 1.5 + 300
    assert "1200 MB" in message


def test_a_model_that_fits_is_accepted() -> None:
    check_memory(491 * MB, "qwen.gguf", available=1100 * MB)
