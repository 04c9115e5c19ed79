"""The Pages workflow builds the site as the issue asks: `kb validate` first, then `kb site build` with the
edit URL of the repository it runs in and site_url at the Pages address (what those give the built site
is checked in test_site_feeds.py, which builds with both)."""
from __future__ import annotations

import yaml

from test_site import REPO


def steps(workflow: str, job: str) -> list[dict]:
    return yaml.safe_load((REPO / ".github" / "workflows" / workflow).read_text())["jobs"][job]["steps"]


def test_pages_build_validates_then_builds_with_edit_and_site_urls():
    build = steps("weekly-links-and-pages.yml", "build")
    runs = [step.get("run", "") for step in build]
    assert runs.index("kb validate") < runs.index("kb site build")
    pages = next(step for step in build if step.get("uses", "").startswith("actions/configure-pages@"))
    site = next(step for step in build if step.get("run") == "kb site build")
    assert build.index(pages) < build.index(site)
    assert site["env"]["KB_SITE_URL"] == "${{ steps." + pages["id"] + ".outputs.base_url }}"
    assert site["env"]["KB_EDIT_URL"] == ("${{ github.server_url }}/${{ github.repository }}/edit/"
                                          "${{ github.event.repository.default_branch }}/")
    upload = next(step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "site" and build.index(site) < build.index(upload)


def test_pull_requests_build_the_site_with_both_engines():
    runs = [step.get("run", "") for step in steps("pull-request.yml", "site")]
    assert "kb validate" in runs and "kb site build && kb site build --engine zensical" in runs
