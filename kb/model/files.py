"""Writing files so that a crash or Ctrl-C leaves either the old file or the new one, never half."""
from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: Path, content: str | bytes, encoding: str = "utf-8") -> None:
    """Write `content` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    import tempfile  # kept off start-up: most commands never write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode(encoding) if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
