"""The file evidence store: write-once, safe names, chosen by URI scheme."""

from __future__ import annotations

from pathlib import Path

import pytest

from takedown.evidence.store import FileStore, StoreError, open_store, register_store


def test_write_once_read_append(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    store.write_new("ev-1", "media/a.png", b"one")
    with pytest.raises(StoreError, match="never overwritten"):
        store.write_new("ev-1", "media/a.png", b"two")
    assert store.read("ev-1", "media/a.png") == b"one"
    store.append("ev-1", "custody.jsonl", b"a\n")
    store.append("ev-1", "custody.jsonl", b"b\n")
    assert store.read("ev-1", "custody.jsonl") == b"a\nb\n"
    assert store.names("ev-1") == ["custody.jsonl", "media/a.png"]
    assert store.names("ev-none") == []
    with pytest.raises(StoreError, match="missing"):
        store.read("ev-1", "nothing")


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "", ".hidden", "a//b", "a."])
def test_unsafe_names_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(StoreError, match="unsafe"):
        FileStore(tmp_path).write_new("ev-1", name, b"x")
    with pytest.raises(StoreError, match="unsafe"):
        FileStore(tmp_path).write_new(name or "..", "a", b"x")


def test_open_store_by_uri(tmp_path: Path) -> None:
    assert isinstance(open_store(tmp_path), FileStore)
    store = open_store(tmp_path.as_uri())
    assert isinstance(store, FileStore) and store.root == tmp_path
    with pytest.raises(StoreError, match="no evidence store for scheme 'zz'"):
        open_store("zz://bucket/prefix")
    with pytest.raises(StoreError, match="remote host"):
        open_store("file://elsewhere/srv")
    register_store("mem", lambda uri: FileStore(tmp_path / "mem"))
    assert open_store("mem://x").uri == (tmp_path / "mem").as_uri()
