"""Writing files so that a crash or Ctrl-C leaves either the old file or the new one, never half."""
from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: Path, content: str | bytes, encoding: str = "utf-8", durable: bool = True) -> None:
    """Write `content` to a temporary file beside `path`, flush it to disk, then rename it over `path`.
    The file keeps the mode of the one it replaces; a new file gets the usual 0666 less the umask.
    durable=False skips the flush to disk: still never half a file, for output that can be regenerated
    (syncing each of 10,000 generated pages made site generation ten times slower)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode(encoding) if isinstance(content, str) else content
    tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
