"""Which entry files changed since a git revision: the pull-request mode of validate and check-links."""
from __future__ import annotations

from pathlib import Path

from .entries import ENTRIES_DIR
from .errors import UsageError


class GitError(UsageError):
    pass


def changed_entry_files(root: Path, ref: str) -> list[Path]:
    """Entry files under entries/ added, modified, renamed or untracked since `ref` (deleted ones are
    left out: there is nothing to check). Raises GitError for an unknown ref or a KB outside git."""
    top = _top(root, ref)
    committed = _git(root, "diff", "--name-only", "--diff-filter=d", "--no-renames", f"{ref}", "--", ENTRIES_DIR)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", ENTRIES_DIR)
    # diff names are relative to the repository top; ls-files names to the working directory (root)
    paths = {top / n for n in committed.splitlines() if n} | {root / n for n in untracked.splitlines() if n}
    return sorted(p.parent.resolve() / p.name for p in paths if p.is_file())  # a symlinked file stays a link


def removed_entry_ids(root: Path, ref: str) -> set[str]:
    """Ids of entry files deleted since `ref`, renames included (a renamed entry's old id is gone), that
    no file of the KB holds any more."""
    _top(root, ref)
    deleted = _git(root, "diff", "--name-only", "--diff-filter=D", "--no-renames", ref, "--", ENTRIES_DIR)
    ids = {Path(name).stem for name in deleted.splitlines() if name.endswith(".yaml")}
    present = {p.stem for p in (root / ENTRIES_DIR).glob("*/*.yaml")}
    return ids - present


def _top(root: Path, ref: str) -> Path:
    """The top of the repository holding `root`; GitError for a KB outside git or a ref that is an option."""
    if ref.startswith("-"):
        raise GitError(f"`{ref}` is not a git revision")
    return Path(_git(root, "rev-parse", "--show-toplevel").strip())


def _git(root: Path, *args: str) -> str:
    import subprocess  # only the pull-request mode needs it; kept off every command's start-up

    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "error"
        if "not a git repository" in result.stderr.lower():
            raise GitError(f"{root} is not a git repository (nor inside one): --changed-since needs one")
        raise GitError(f"git {args[0]} failed: {reason}")
    return result.stdout
