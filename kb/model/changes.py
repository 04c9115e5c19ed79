"""Which entry files changed since a git revision: the pull-request mode of validate and check-links."""
from __future__ import annotations

from pathlib import Path

from .entries import ENTRIES_DIR, UsageError


class GitError(UsageError):
    pass


def changed_entry_files(root: Path, ref: str) -> list[Path]:
    """Entry files under entries/ added, modified, renamed or untracked since `ref` (deleted ones are
    left out: there is nothing to check). Raises GitError for an unknown ref or a KB outside git."""
    if ref.startswith("-"):
        raise GitError(f"`{ref}` is not a git revision")
    committed = _git(root, "diff", "--name-only", "--diff-filter=d", "--no-renames", f"{ref}", "--", ENTRIES_DIR)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", ENTRIES_DIR)
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    # diff names are relative to the repository top; ls-files names to the working directory (root)
    paths = {top / n for n in committed.splitlines() if n} | {root / n for n in untracked.splitlines() if n}
    return sorted(p.resolve() for p in paths if p.is_file())


def _git(root: Path, *args: str) -> str:
    import subprocess  # only the pull-request mode needs it; kept off every command's start-up

    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "error"
        raise GitError(f"git {args[0]} failed: {reason}")
    return result.stdout
