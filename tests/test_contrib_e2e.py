"""A contributor's path end to end, in a temporary copy of the repository: `kb new` (flags only, and
answering prompts on a pseudo-terminal) -> `kb validate` passes -> `kb search` finds the entries ->
`kb site generate` + `mkdocs build --strict` give each its page."""
from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kb.site import SITE_SOURCES

from test_contrib_new import KB, WHY, run_in_terminal

REPO = Path(__file__).resolve().parents[1]


def repository_copy(dest: Path) -> Path:
    shutil.copytree(REPO / "entries", dest / "entries")
    for name in SITE_SOURCES:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, dest / name)
    return dest


def kb(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([KB, "--root", str(root), *args], capture_output=True, text=True, timeout=120)


def test_contributor_path(tmp_path):
    root = repository_copy(tmp_path / "repo")
    added = kb(root, "new", "lecture-series", "--title", "Quokka Ecology Field Lectures (2022)",
               "--url", "https://example.org/quokka-ecology", "--lecturer", "Jane Doe", "--year", "2022",
               "--domain", "mathematics/probability", "--audience", "undergraduate", "--why", WHY,
               "--for-whom", "Students who like fieldwork and statistics.", "--tag", "fieldwork")
    assert added.returncode == 0, added.stderr
    code, seen = run_in_terminal(
        [KB, "--root", str(root), "new", "research-guide", "--published", "2019"],
        [("title", "Wombat Burrow Surveying: A Guide"), ("url", "https://example.org/wombat-guide"),
         ("domains", "research-skills/doing-research"), ("audience", "graduate"), ("why", WHY),
         ("for whom", "Field researchers planning a survey."), ("authors", "John Roe")])
    assert code == 0, seen
    ids = {"quokka-ecology-field-lectures-2022": "Quokka Ecology Field Lectures (2022)",
           "wombat-burrow-surveying-guide-2019": "Wombat Burrow Surveying: A Guide"}
    assert all(f"{i}.yaml" in added.stdout + seen for i in ids)

    validated = kb(root, "validate")
    assert validated.returncode == 0, validated.stdout + validated.stderr

    for entry_id, words in (("quokka-ecology-field-lectures-2022", "quokka ecology"),
                            ("wombat-burrow-surveying-guide-2019", "wombat burrow")):
        found = kb(root, "search", words, "--json")
        assert found.returncode == 0, found.stderr
        assert json.loads(found.stdout)["results"][0]["id"] == entry_id

    assert kb(root, "site", "generate").returncode == 0
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(root / "mkdocs.yml")],
                           cwd=root, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stdout + built.stderr
    for entry_id, title in ids.items():
        page = (root / "site" / "entries" / entry_id / "index.html").read_text(encoding="utf-8")
        assert html.escape(title, quote=False) in page
