"""The generated pages, as Markdown with raw HTML blocks: `build_pages(site, extra_pages) -> {path: text}`.

Headings are Markdown (for the table of contents and search sections); everything built from entry
values is HTML made with kb.site.safe, so it is escaped once, here, and passed through by Markdown.
Links inside HTML blocks are relative URLs computed by view.href (MkDocs does not rewrite them).
"""
from __future__ import annotations

from kb.contrib.bibtex import entry_to_bibtex
from kb.model import TYPE_PLURALS, TYPES, Comparison, Entry, arxiv_url, count, doi_url, field_reference

from . import jsonld
from .feeds import feed_path, feed_title, feeds_of
from .safe import front_matter, link, markdown_html, md_text, page_title, summary, text
from .view import (
    TYPE_TITLES,
    Site,
    access_title,
    audience_page,
    domain_page,
    entry_page,
    format_titles,
    href,
    tag_page,
    type_page,
)

RECENT = 10  # entries under "Recently added" on the home page
MY_LIST = "my-list.md"  # hand-written (docs/site-pages): the reader's saved and done entries
CARD_PEOPLE = 4  # people named on a card before "et al."


def build_pages(site: Site, extra_pages: dict[str, str]) -> dict[str, str]:
    """Every page of the site (path under the generated folder -> Markdown), with hand-written pages."""
    pages = {"index.md": home(site, "contribute.md" in extra_pages), "domains/index.md": domains_index(site),
             "audiences/index.md": audiences_index(site), "types/index.md": types_index(site),
             "tags.md": tags_index(site), "fields.md": field_reference()}
    pages.update({tag_page(t): tag_listing(t) for t in site.all_tags()})
    pages.update({domain_page(d): domain(site, d) for d in site.taxonomy.domains})
    pages.update({audience_page(a): audience(site, a) for a in site.taxonomy.audiences})
    pages.update({type_page(t): type_listing(site, t) for t in TYPES})
    pages.update({entry_page(e.id): entry(site, e) for e in site.entries})
    pages.update(site.paths.pages())
    pages.update(extra_pages)
    return pages


def nav(site: Site, pages: dict[str, str]) -> list:
    """The navigation: listing pages only, with top-level domains (each domain page lists and links its
    sub-domains); entries, and sub-domains, stay out because Material renders the whole navigation into
    every page (see docs/site.md). The hand-written contribute page is included when there is one."""
    return [{"Home": "index.md"},
            {"Domains": ["domains/index.md", *({page_title(t.title): domain_page(t.id)}
                                               for t in site.taxonomy.top_domains())]},
            {"Paths": site.paths.nav()},
            {"Audiences": ["audiences/index.md", *({page_title(t.title): audience_page(t.id)}
                                                   for t in site.taxonomy.audiences.values())]},
            {"Types": ["types/index.md", *({TYPE_PLURALS[t]: type_page(t)} for t in TYPES)]},
            {"Tags": "tags.md"}, *([{"My list": MY_LIST}] if MY_LIST in pages else []),
            *([{"Contribute": "contribute.md"}] if "contribute.md" in pages else []),
            {"Entry fields": "fields.md"}]


# --- listing pages ---------------------------------------------------------------------------------

def listing_head(title: str, **options) -> str:
    """Front matter and heading of a listing page (the search index holds entries only: kb.site.search)."""
    return front_matter(title, **options) + f"# {md_text(title)}\n"


def feed_links(site: Site, top_domains: list[str]) -> dict:
    """Front matter naming the feeds of these top-level domains, which main.html links from <head>."""
    return {"kb_feeds": [[feed_path(d), page_title(feed_title(site, d))] for d in top_domains]} if top_domains else {}


def progress(entries: list[Entry]) -> str:
    """The "n of m done" line: assets/kb-progress.js counts the listed ids and shows it (docs/site.md)."""
    ids = " ".join(text(e.id) for e in entries)
    return f'<p class="kb-progress" data-kb-progress="{ids}" hidden></p>\n' if entries else ""


def home(site: Site, has_contribute: bool) -> str:
    recent = "\n".join(card(site, "index.md", e) for e in site.recently_added(RECENT))
    return (front_matter("Home", hide=["toc"])
            + "# The best research resources, with why and for whom\n\n"
            f"<p class=\"kb-lead\">A curated knowledge base of lecture series, research guides and papers. Every "
            f"entry says what the resource is, <em>why</em> it is recommended over the alternatives, and "
            f"<em>for whom</em> it is meant.</p>\n\n"
            f"<p class=\"kb-counts\">{text(count(site.entries, site.taxonomy).sentence())}.</p>\n\n"  # as the README's
            f"## Browse by domain and audience\n\n{grid(site)}\n\n"
            f"## Recently added\n\n<div class=\"kb-cards\">\n{recent}\n</div>\n\n"
            f"<p class=\"kb-feeds\">New entries as an <a href=\"{feed_path()}\" type=\"application/atom+xml\">Atom "
            f"feed</a>; each domain's page links its own.</p>\n\n"
            f"## Contribute\n\nKnow a resource that belongs here? Each entry is one YAML file; "
            + ("[how to contribute](contribute.md) explains how to add one, and " if has_contribute else "")
            + "[entry fields](fields.md) lists every field.\n")


def grid(site: Site) -> str:
    """Top domains x audiences: a cell counts the domain's entries (sub-domains included) whose first
    level is that audience, and links to that section of the domain page, so each row adds up to the
    domain's total and the last row to the number of entries."""
    audiences = list(site.taxonomy.audiences.values())
    head = "".join(f'<th><a href="{href("index.md", audience_page(a.id))}">{text(a.title)}</a></th>'
                   for a in audiences)
    rows = []
    for term in site.taxonomy.top_domains():
        levels, page = site.by_first_level(site.in_domain(term.id)), domain_page(term.id)
        cells = "".join(_count_cell(len(levels.get(a.id, [])), href("index.md", page, a.id)) for a in audiences)
        rows.append(f'<tr><th scope="row"><a href="{href("index.md", page)}">{text(term.title)}</a></th>{cells}'
                    f'{_count_cell(len(site.in_domain(term.id)), href("index.md", page), "kb-all")}</tr>')
    levels = site.by_first_level(site.entries)
    totals = "".join(_count_cell(len(levels.get(a.id, [])), "") for a in audiences)
    rows.append(f'<tr class="kb-total"><th scope="row">All domains</th>{totals}'
                f'{_count_cell(len(site.entries), href("index.md", "domains/index.md"), "kb-all")}</tr>')
    return (f'<div class="kb-grid"><table class="kb-grid__table">\n<thead><tr><th>Domain</th>'
            f'{head}<th>All</th></tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody></table></div>")


def _count_cell(count: int, url: str, css: str = "") -> str:
    attrs = f' class="{css}"' if css else ""
    shown = f'<a href="{url}">{count}</a>' if count and url else count or "·"
    return f'<td{attrs} data-count="{count}">{shown}</td>'


def domains_index(site: Site) -> str:
    def item(term) -> str:
        children = "".join(item(c) for c in site.taxonomy.children(term.id))
        count = len(site.in_domain(term.id))
        return (f'<li><a href="{href("domains/index.md", domain_page(term.id))}">{text(term.title)}</a> '
                f'<span class="kb-count">{count}</span> — {text(term.description)}'
                + (f"<ul>{children}</ul>" if children else "") + "</li>")

    items = "".join(item(t) for t in site.taxonomy.top_domains())
    return f"{listing_head('Domains')}\n<ul class=\"kb-domains\">{items}</ul>\n"


def domain(site: Site, domain_id: str) -> str:
    """A domain's entries (sub-domains included), each once, under its first level: the first audience
    it suits in the taxonomy's order (general, beginner, ... researcher, practitioner)."""
    term, page = site.taxonomy.domains[domain_id], domain_page(domain_id)
    trail = site.taxonomy.ancestors(domain_id)
    crumbs = " › ".join(f'<a href="{href(page, domain_page(t.id))}">{text(t.title)}</a>' for t in trail[:-1])
    children = site.taxonomy.children(domain_id)
    parts = [listing_head(term.title, **feed_links(site, [trail[0].id]))]
    if crumbs:
        parts.append(f'<nav class="kb-crumbs">{crumbs}</nav>\n')
    parts.append(f"<p class=\"kb-lead\">{text(term.description)}</p>\n")
    if children:
        links = "".join(f'<li><a href="{href(page, domain_page(c.id))}">{text(c.title)}</a> '
                        f'<span class="kb-count">{len(site.in_domain(c.id))}</span></li>' for c in children)
        parts.append(f"<ul class=\"kb-subdomains\">{links}</ul>\n")
    entries = site.in_domain(domain_id)
    parts.append(progress(entries) or "<p>No entries yet.</p>\n")
    levels = site.by_first_level(entries)
    for audience_term in site.taxonomy.audiences.values():
        if audience_term.id in levels:
            parts.append(f"## {md_text(audience_term.title)} {{#{audience_term.id}}}\n\n"
                         f"{cards(site, page, levels[audience_term.id])}\n")
    if None in levels:
        parts.append(f"## Other audiences {{#other}}\n\n{cards(site, page, levels[None])}\n")
    return "\n".join(parts)


def tags_index(site: Site) -> str:
    counts = site.all_tags()
    items = "".join(f'<li><a href="{href("tags.md", tag_page(t))}">{text(t)}</a> <span class="kb-count">{n}</span></li>'
                    for t, n in counts.items())
    return f"{listing_head('Tags')}\n<ul class=\"kb-tags\">{items}</ul>\n"


def tag_listing(tag: str) -> str:
    """One tag's page, listed by the tags plugin. One listing per tag rather than one for all: Zensical
    0.0.73's memory grows with the square of a listing's size (1 GB for 1,000 entries in one listing)."""
    return f"{listing_head(tag)}\n<!-- material/tags {{ include: [{tag}] }} -->\n"


def audiences_index(site: Site) -> str:
    items = "".join(f'<li><a href="{href("audiences/index.md", audience_page(t.id))}">{text(t.title)}</a> '
                    f'<span class="kb-count">{len(site.for_audience(site.entries, t.id))}</span> — '
                    f'{text(t.description)}</li>' for t in site.taxonomy.audiences.values())
    return f"{listing_head('Audiences')}\n<ul class=\"kb-audiences\">{items}</ul>\n"


def audience(site: Site, audience_id: str) -> str:
    term, page = site.taxonomy.audiences[audience_id], audience_page(audience_id)
    entries = site.for_audience(site.entries, audience_id)
    return (f"{listing_head(term.title)}\n<p class=\"kb-lead\">{text(term.description)}</p>\n\n"
            + progress(entries) + "\n" + by_top_domain(site, page, entries))


def types_index(site: Site) -> str:
    items = "".join(f'<li><a href="{href("types/index.md", type_page(t))}">{TYPE_PLURALS[t]}</a> '
                    f'<span class="kb-count">{len(site.of_type(t))}</span></li>' for t in TYPES)
    return f"{listing_head('Types')}\n<ul class=\"kb-types\">{items}</ul>\n"


def type_listing(site: Site, type_: str) -> str:
    return f"{listing_head(TYPE_PLURALS[type_])}\n" + by_top_domain(site, type_page(type_),
                                                                              site.of_type(type_))


def by_top_domain(site: Site, page: str, entries: list[Entry]) -> str:
    """Entries grouped under their top-level domains (an entry in two appears in both)."""
    parts = []
    for term in site.taxonomy.top_domains():
        in_domain = {e.id for e in site.in_domain(term.id)}
        group = [e for e in entries if e.id in in_domain]
        if group:
            parts.append(f"## {md_text(term.title)} {{#{term.id}}}\n\n{cards(site, page, group)}\n")
    return "\n".join(parts) or "<p>No entries yet.</p>\n"


def cards(site: Site, page: str, entries: list[Entry]) -> str:
    return '<div class="kb-cards">\n' + "\n".join(card(site, page, e) for e in entries) + "\n</div>"


def card(site: Site, page: str, entry: Entry) -> str:
    """An entry in a listing: title linked to the resource, type, people, year, audiences, why. Lean
    markup (a few tags): listings hold most of the site's HTML, and MkDocs' build time grows with it."""
    people = entry.people[:CARD_PEOPLE]
    names = ", ".join(people) + (" et al." if len(entry.people) > CARD_PEOPLE else "")
    meta = [TYPE_TITLES.get(entry.type, text(entry.type)), text(names), str(entry.year or ""),
            text(", ".join(format_titles(entry))), text(access_title(entry))]
    status = site.link_status.get(entry.url)
    warning = ' <span class="kb-badge kb-badge--broken">link broken</span>' if status and status.broken else ""
    return (f'<div class="kb-card" data-entry="{text(entry.id)}">{link(entry.url, entry.title, "kb-card__title")}'
            f'{warning}<div class="kb-card__meta">{" · ".join(m for m in meta if m)} {badges(site, entry)}</div>'
            f'<p>{text(summary(entry.data.get("why")))} <a href="{href(page, entry_page(entry.id))}">'
            f"Details, why and for whom</a></p></div>")


def badges(site: Site, entry: Entry) -> str:
    audiences = site.taxonomy.audiences
    titles = [text(audiences[a].title if a in audiences else a) for a in entry.audience]
    return f'<span class="kb-badges">{" · ".join(titles)}</span>' if titles else ""


# --- entry pages -----------------------------------------------------------------------------------

def entry(site: Site, item: Entry) -> str:
    """One entry: every field, why and for whom in full, breadcrumbs, links both ways, JSON-LD."""
    page, data = entry_page(item.id), item.data
    tags = site.tags(item)
    options = {**({"tags": tags} if tags else {}), **feed_links(site, feeds_of(site, item))}
    sections = [f"{front_matter(item.title, **options)}# {md_text(item.title)}\n", header(site, page, item)]
    for name, heading in (("why", "Why"), ("for_whom", "For whom"), ("caveats", "Caveats")):
        if data.get(name):
            sections.append(f"## {heading}\n\n<div class=\"kb-{name.replace('_', '-')}\">\n"
                            f"{markdown_html(data[name])}\n</div>\n")
    sections.append(f"## Details\n\n{details(item)}\n")
    sections.append(site.paths.entry_section(item))
    sections += connections(site, page, item)
    if data.get("recommended_by"):
        sections.append(f"## Recommended by\n\n{recommenders(data['recommended_by'])}\n")
    # Material adds its copy button to a code block in a .highlight
    sections.append(f'## Cite\n\n<div class="highlight kb-bibtex" data-search-exclude><pre><code>'
                    f"{text(entry_to_bibtex(item))}</code></pre></div>\n")
    sections.append(edit_line(site, item))
    sections.append(jsonld.script(item, site.taxonomy))
    return "\n".join(sections)


def header(site: Site, page: str, item: Entry) -> str:
    crumbs = []
    for domain_id in item.domains:
        trail = site.taxonomy.ancestors(domain_id) if domain_id in site.taxonomy.domains else []
        crumbs.append(" › ".join(f'<a href="{href(page, domain_page(t.id))}">{text(t.title)}</a>' for t in trail)
                      if trail else text(domain_id))
    type_link = (f'<a href="{href(page, type_page(item.type))}">{TYPE_TITLES[item.type]}</a>'
                 if item.type in TYPE_TITLES else text(item.type))
    meta = [type_link, text(", ".join(item.people)), str(item.year or ""), text(", ".join(format_titles(item))),
            text(access_title(item))]
    audiences = [_term_link(page, site.taxonomy.audiences, a, audience_page) for a in item.audience]
    actions = [link(item.url, "Open the resource", "md-button md-button--primary kb-open")]
    actions += [link(extra.get("url"), extra.get("label") or extra.get("url"), "md-button")
                for extra in item.data.get("links") or [] if isinstance(extra, dict)]
    if item.data.get("archive_url"):
        actions.append(link(item.data["archive_url"], "Archived copy", "md-button"))
    return (f'<div class="kb-entry-head" data-entry="{text(item.id)}">\n'
            + "".join(f'<nav class="kb-crumbs">{c}</nav>' for c in crumbs)
            + f'<p class="kb-card__meta">{" · ".join(m for m in meta if m)} '
            f'<span class="kb-badges">{" · ".join(audiences)}</span></p>'
            + f'<p class="kb-actions">{" ".join(actions)}</p>'
            + link_status_line(site, item) + "\n</div>\n")


def link_status_line(site: Site, item: Entry) -> str:
    """When the last link check saw the resource working, or that it is broken (with the archive copy)."""
    status = site.link_status.get(item.url)
    if status is None:
        return ""
    if status.working:
        seen = text(status.last_ok or status.checked_at)
        return f'<p class="kb-link kb-link--ok">Link last seen working on {seen}.</p>'
    seen = f" It was last seen working on {text(status.last_ok)}." if status.last_ok else ""
    if status.broken:
        archive = item.data.get("archive_url")
        fallback = f" Try the {link(archive, 'archived copy')}." if archive else ""
        since = f", failing since {text(status.first_failed)}" if status.first_failed else ""
        return (f'<p class="kb-link kb-link--broken">The link looked broken at the last check '
                f"({text(status.checked_at)}{since}).{seen}{fallback}</p>")
    return (f'<p class="kb-link kb-link--unknown">The last link check could not verify this link '
            f"({text(status.status)}, {text(status.checked_at)}).{seen}</p>")


DETAIL_FIELDS = (("institution", "Institution"), ("course_code", "Course code"), ("term", "Term"),
                 ("lectures", "Lectures"), ("hours", "Hours"), ("venue", "Venue"), ("published", "Published"),
                 ("language", "Language"), ("added", "Added to the KB"))


def details(item: Entry) -> str:
    """The fields the page header does not already show (type, people, year, domains, audiences)."""
    data = item.data
    rows = [(label, text(data[name])) for name, label in DETAIL_FIELDS if data.get(name) not in (None, "")]
    if data.get("arxiv"):
        rows.append(("arXiv", link(arxiv_url(str(data["arxiv"])), data["arxiv"])))
    if data.get("doi"):
        rows.append(("DOI", link(doi_url(str(data["doi"])), data["doi"])))
    rows.append(("Address", link(item.url, item.url)))
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="kb-details" data-search-exclude><tbody>{body}</tbody></table>'


def _term_link(page: str, vocabulary: dict, term_id: str, page_of) -> str:
    term = vocabulary.get(term_id)
    return f'<a href="{href(page, page_of(term_id))}">{text(term.title)}</a>' if term else text(term_id)


def connections(site: Site, page: str, item: Entry) -> list[str]:
    """Builds on (prerequisites), leads to (entries that build on this one), compared with (alternatives
    named by this entry or naming it, with every note), related (both ways)."""
    def entry_links(entries: list[Entry]) -> str:
        return "<ul>" + "".join(f'<li><a href="{href(page, entry_page(e.id))}">{text(e.title)}</a> '
                                f'<span class="kb-type">{TYPE_TITLES.get(e.type, text(e.type))}</span></li>'
                                for e in entries) + "</ul>"

    builds_on = [f'<li><a href="{href(page, entry_page(p))}">{text(site.by_id[p].title)}</a></li>'
                 if p in site.by_id else f"<li>{text(p)}</li>" for p in item.prerequisites]
    sections = [f"## Builds on\n\n<ul class=\"kb-builds-on\">{''.join(builds_on)}</ul>\n"] if builds_on else []
    if site.connections.leads_to(item.id):
        sections.append(f"## Leads to\n\n<div class=\"kb-leads-to\">{entry_links(site.connections.leads_to(item.id))}"
                        "</div>\n")
    comparisons = site.connections.compared_with(item.id)
    if comparisons:
        sections.append(f"## Compared with\n\n<ul class=\"kb-compared-with\">{compared_with(page, item, comparisons)}"
                        "</ul>\n")
    related = site.related(item)
    if related:
        sections.append(f"## Related\n\n<div class=\"kb-related\">{entry_links(related)}</div>\n")
    return sections


def compared_with(page: str, item: Entry, comparisons: list[Comparison]) -> str:
    """Each overlapping entry with the notes on when to prefer which: this entry's, then the other's."""
    def paragraph(noted_on: str, note: str) -> str:
        return f'<p class="kb-note">{"" if noted_on == item.id else "<em>Its entry says:</em> "}{text(note)}</p>'

    return "".join(f'<li><a href="{href(page, entry_page(other.id))}">{text(other.title)}</a> '
                   f'<span class="kb-type">{TYPE_TITLES.get(other.type, text(other.type))}</span>'
                   + "".join(paragraph(*note) for note in notes) + "</li>" for other, notes in comparisons)


def recommenders(recommended_by) -> str:
    items = []
    for rec in recommended_by if isinstance(recommended_by, list) else []:
        if not isinstance(rec, dict):
            continue
        source = f" ({link(rec['source'], 'source')})" if rec.get("source") else ""
        note = f": {text(rec['note'])}" if rec.get("note") else ""
        items.append(f"<li><strong>{text(rec.get('name', ''))}</strong>{source}{note}</li>")
    return f'<ul class="kb-recommended-by">{"".join(items)}</ul>'


def edit_line(site: Site, item: Entry) -> str:
    path = item.path.as_posix()
    if site.edit_url:
        return f'<p class="kb-edit">{link(site.edit_url + path, "Edit this entry")} (<code>{text(path)}</code>)</p>\n'
    return f'<p class="kb-edit">This entry is the file <code>{text(path)}</code> in the repository.</p>\n'
