"""Writing files so that a crash or Ctrl-C leaves either the old file or the new one, never half; and
checking the paths a user names for kb to write."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import KbError, UsageError


class CannotWrite(KbError, OSError):
    """A file or folder that cannot be written (read-only file system, no permission, disk full): exit 1.
    Still an OSError, for callers that treat every I/O failure alike."""

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {(self.strerror or 'error').lower()}"


def atomic_write(path: Path, content: str | bytes, encoding: str = "utf-8", durable: bool = True) -> None:
    """Write `content` to a temporary file beside `path`, flush it to disk, then rename it over `path`.
    The file keeps the mode of the one it replaces; a new file gets the usual 0666 less the umask.
    Missing parent folders are made (kb's own folders: check a path the user chose with output_file).
    durable=False skips the flush to disk: still never half a file, for output that can be regenerated
    (syncing each of 10,000 generated pages made site generation ten times slower).
    Raises CannotWrite, naming `path`, when the file system refuses."""
    path = Path(path)
    data = content.encode(encoding) if isinstance(content, str) else content
    tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise CannotWrite(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CannotWrite(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def output_file(path: str | os.PathLike, option: str = "--output") -> Path:
    """A file the user asked kb to write (`option` names where they said so), resolved: a UsageError when
    it is a folder or its folder does not exist (kb does not make folders the user did not ask for)."""
    resolved = Path(path).expanduser().resolve()
    if resolved.is_dir():
        raise UsageError(f"{option} {path}: is a folder; name a file")
    if not resolved.parent.is_dir():
        raise UsageError(f"{option} {path}: the folder {resolved.parent} does not exist; create it first")
    return resolved
