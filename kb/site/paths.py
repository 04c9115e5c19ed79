"""The site's learning paths (kb.paths): a page per top-level domain, and per domain and audience where
that path has at least 2 steps, listing the steps by stage as cards with what each needs, its format and
hours, under a picture of the graph (path_picture.py); an index of them; and the entry pages' "Path to
this entry". Reached from build_pages, nav and entry in pages.py through `site.paths`."""
from __future__ import annotations

from functools import cache, cached_property

from kb.model import Entry, bulk_load
from kb.paths import LearningPath, PrerequisiteCycle, PrerequisiteGraph, hours_text, path_for_domain, path_to_entry

from . import path_picture
from .pages import card, listing_head, progress
from .safe import page_title, text
from .view import Site, domain_page, entry_page, href

PATHS_INDEX = "paths/index.md"
MIN_AUDIENCE_STEPS = 2  # an audience's own page only when its path has at least this many steps
# Pages stay readable and the build fast however large the KB: a path page lists at most LISTED steps
# (the first, in order), an entry page lists its path when it has at most ENTRY_LISTED steps before it.
LISTED = 150
ENTRY_LISTED = 30


def path_page(domain_id: str, audience_id: str | None = None) -> str:
    return f"paths/{domain_id}/{audience_id}.md" if audience_id else f"paths/{domain_id}/index.md"


@cache
def from_entry_pages(target: str) -> str:
    """href(entry page, target) for any entry page: they all sit in one folder (`entries/<id>/`), so a
    link to a page is the same from each (computed once per target, not once per link: 10,000 entry
    pages hold tens of thousands of these links). `-` is no entry id, so the target is never the page."""
    return href(entry_page("-"), target)


class SitePaths:
    """Every path the site shows, computed once per generation."""

    def __init__(self, site: Site):
        self.site = site
        self.cycle: PrerequisiteCycle | None = None  # which leaves no order: pages say so instead of paths
        self._cards: dict[tuple[str, str], str] = {}
        with bulk_load():  # the graph's many small objects would set the collector scanning the whole KB
            self.graph = PrerequisiteGraph(site.connections, site.taxonomy)
            try:
                self.graph.check()
            except PrerequisiteCycle as exc:
                self.cycle = exc

    @cached_property
    def domain_paths(self) -> dict[tuple[str, str | None], LearningPath]:
        """(top-level domain, audience or None) -> its path: every domain's, and the audiences' with at
        least MIN_AUDIENCE_STEPS steps. Empty when the prerequisites form a cycle."""
        if self.cycle:
            return {}
        paths = {}
        with bulk_load():
            for term in self.site.taxonomy.top_domains():
                paths[term.id, None] = path_for_domain(self.graph, term.id)
                for audience_id in self.site.taxonomy.audiences:
                    narrowed = path_for_domain(self.graph, term.id, audience_id)
                    if len(narrowed.ids) >= MIN_AUDIENCE_STEPS:
                        paths[term.id, audience_id] = narrowed
        return paths

    def pages(self) -> dict[str, str]:
        pages = {PATHS_INDEX: self.index()}
        for term in self.site.taxonomy.top_domains():
            pages[path_page(term.id)] = self.path_page(term.id, None)
        pages.update({path_page(d, a): self.path_page(d, a) for d, a in self.domain_paths if a})
        return pages

    def nav(self) -> list:
        return [PATHS_INDEX, *({page_title(t.title): path_page(t.id)} for t in self.site.taxonomy.top_domains())]

    # --- pages ---------------------------------------------------------------------------------------

    def index(self) -> str:
        rows = []
        for term in self.site.taxonomy.top_domains():
            path = self.domain_paths.get((term.id, None))
            summary = text(path.total_text()) if path and path.ids else "no entries yet"
            rows.append(f'<li><a href="{href(PATHS_INDEX, path_page(term.id))}">{text(term.title)}</a>: {summary}'
                        f"{self._audience_links(PATHS_INDEX, term.id, None)}</li>")
        return (f"{listing_head('Learning paths')}\n{self._cycle_note()}"
                "<p class=\"kb-lead\">What to take first: each domain's entries with everything they require, "
                "each step after the steps it needs, the earlier audience levels first.</p>\n\n"
                f"<ul class=\"kb-paths\">{''.join(rows)}</ul>\n")

    def path_page(self, domain_id: str, audience_id: str | None) -> str:
        taxonomy, page = self.site.taxonomy, path_page(domain_id, audience_id)
        term = taxonomy.domains[domain_id]
        audience = taxonomy.audiences[audience_id].title if audience_id else None
        parts = [listing_head(f"{term.title} path" + (f" for {audience.lower()}" if audience else "")),
                 self._cycle_note()]
        path = self.domain_paths.get((domain_id, audience_id))
        domain_link = f'<a href="{href(page, domain_page(domain_id))}">{text(term.title)}</a>'
        parts.append(f"<p class=\"kb-lead\">The entries of {domain_link}"
                     + (f" for {text(audience.lower())}" if audience else "")
                     + ", with everything they require from any domain, in the order to take them. The steps of a "
                     "stage need only steps of earlier stages, so they can be taken in any order.</p>\n"
                     + self._audience_links(page, domain_id, audience_id))
        if not path or not path.ids:
            parts.append("<p>No entries yet.</p>\n" if not self.cycle else "")
            return "\n".join(parts)
        parts.append(f'<p class="kb-path-total">{text(path.total_text())}.</p>\n')
        parts.append(progress([step.entry for step in path.first(LISTED)]))  # "n of m done", in the browser
        if path.assumed:
            parts.append(f'<p class="kb-path-assumed">Assumed: {text("; ".join(path.assumed))}.</p>\n')
        count = len(path.ids)
        if count <= path_picture.MAX_DRAWN:
            parts.append(f'<div class="kb-path-graph">\n{path_picture.draw(path, page)}\n</div>\n')
        else:
            listed = "Its steps are listed below" if count <= LISTED else \
                f"The first {LISTED} steps are listed below (<code>kb path {text(domain_id)}</code> prints them all)"
            parts.append(f'<p class="kb-path-too-large">This path has {count:,} steps: too many to draw (the '
                         f"picture is drawn up to {path_picture.MAX_DRAWN}). {listed}.</p>\n")
        titles = {step.id: step.entry.title for step in path.first(LISTED)}
        for number, stage in enumerate(path.stages(limit=LISTED), 1):
            steps = "\n".join(self._step(page, step, titles) for step in stage)
            parts.append(f"## Stage {number} {{#stage-{number}}}\n\n"
                         f"<div class=\"kb-cards kb-stage\">\n{steps}\n</div>\n")
        parts.append(f'## Total {{#total}}\n\n<p class="kb-path-total">{text(path.total_text())}.</p>\n')
        return "\n".join(parts)

    def _step(self, page: str, step, titles: dict[str, str]) -> str:
        needs = ", ".join(f'<a href="#step-{text(r)}">{text(titles[r])}</a>' for r in step.requires)
        facts = [f"Needs {needs}" if needs else "Needs no earlier step", text(hours_text(step.entry.hours))]
        return (f'<div class="kb-step" id="step-{text(step.id)}">{self._card(page, step.entry)}'
                f'<p class="kb-step__facts">{" · ".join(f for f in facts if f)}</p></div>')

    def _card(self, page: str, entry: Entry) -> str:
        """pages.card() for a path page, made once per entry and depth: the paths of a KB share most of
        their first steps (35 pages of a 10,000-entry KB list 5,250 steps, 800 of them different), and a
        card links only to pages outside paths/ (its entry's), so its links are the same from every path
        page as far from the site's root."""
        key = (href(page, "index.md"), entry.id)
        if key not in self._cards:
            self._cards[key] = card(self.site, page, entry)
        return self._cards[key]

    def _audience_links(self, page: str, domain_id: str, current: str | None) -> str:
        links = [f'<a href="{href(page, path_page(domain_id))}">all audiences</a>'] if current else []
        for audience_id, term in self.site.taxonomy.audiences.items():
            path = self.domain_paths.get((domain_id, audience_id))
            if path and audience_id != current:
                links.append(f'<a href="{href(page, path_page(domain_id, audience_id))}">{text(term.title)}</a> '
                             f'<span class="kb-count">{len(path.ids)} steps</span>')
        return f'<p class="kb-path-audiences">By audience: {" · ".join(links)}</p>\n' if links else ""

    @cached_property
    def _listed(self) -> dict[str, frozenset[str]]:
        """Top-level domain -> the steps its path page lists."""
        return {domain: frozenset(path.ids[:LISTED]) for (domain, audience), path in self.domain_paths.items()
                if audience is None}

    def _cycle_note(self) -> str:
        if not self.cycle:
            return ""
        return (f'<p class="kb-path-cycle">No path can be given: the {text(self.cycle)}, so none of them can '
                "come first. <code>kb validate</code> reports it.</p>\n")

    # --- entry pages ---------------------------------------------------------------------------------

    def entry_section(self, item: Entry) -> str:
        """"Path to this entry", for its page: its prerequisites in order with the total hours (or, beyond
        ENTRY_LISTED, how many there are), and a link to it on the path of its first top-level domain.
        Nothing for an entry that requires no other."""
        entry_id = item.id
        if self.cycle or not self.site.connections.requires(entry_id):
            return ""
        top = next((d.split("/")[0] for d in item.domains if d.split("/")[0] in self.site.taxonomy.domains), None)
        anchor = f"#step-{text(entry_id)}" if entry_id in self._listed.get(top, ()) else ""
        whole = (f'<p>See it on the <a href="{from_entry_pages(path_page(top))}{anchor}">'
                 f"{text(self.site.taxonomy.domains[top].title)} path</a>, with each step's stage.</p>" if top else "")
        before = self.graph.count_prerequisites(entry_id)
        if before > ENTRY_LISTED:
            return (f"## Path to this entry\n\n<div class=\"kb-path-to\"><p>{before:,} steps come before this "
                    f"one: too many to list here (<code>kb path {text(entry_id)}</code> prints them with their hours)."
                    f"</p>{whole}</div>\n")
        path = path_to_entry(self.graph, entry_id)
        items = "".join(f'<li><a href="{from_entry_pages(entry_page(s.id))}">{text(s.entry.title)}</a> · '
                        f"{text(hours_text(s.entry.hours))}</li>" for s in path.steps[:-1])
        items += f"<li><strong>This entry</strong> · {text(hours_text(item.hours))}</li>"
        return (f"## Path to this entry\n\n<div class=\"kb-path-to\"><p>{text(path.total_text())}, in this order:"
                f"</p><ol>{items}</ol>{whole}</div>\n")
