"""atomic_write: the old content or the new, never half; modes as a normal write would leave them."""
from __future__ import annotations

import os
import stat

import pytest

from kb.model import atomic_write


def test_writes_and_replaces_keeping_the_mode(tmp_path):
    path = tmp_path / "sub" / "file.yaml"
    atomic_write(path, "one\n")
    umask = os.umask(0)
    os.umask(umask)
    assert path.read_text() == "one\n" and stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    atomic_write(path, b"two\n")
    assert path.read_bytes() == b"two\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in path.parent.iterdir()] == ["file.yaml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "file.yaml"
    path.write_text("old\n")

    class Unencodable(str):
        def encode(self, *args):
            raise KeyboardInterrupt  # as if Ctrl-C arrived mid-write

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, Unencodable("new"))
    with pytest.raises(TypeError):
        atomic_write(path, 12345)  # not text or bytes: nothing written
    assert path.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["file.yaml"]
