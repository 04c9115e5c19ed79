"""Contributing entries: scaffolding (`kb new`), canonical formatting (`kb fmt`), metadata fetches from
arXiv and Crossref/doi.org, BibTeX import, and exports (BibTeX, CSL-JSON, versioned JSON).

Modules, each imported on demand (ruamel.yaml, requests and bibtexparser are not needed to start kb):
- canonical: format_text(text, type), render_entry(type, data), format_paths(root, paths, write);
  WIDTH = 120 columns for lists written inline; see its doc for the canonical form.
- scaffold: new_entry(root, type, data, today=None, dry_run=False): fills `added` (default today) and
  `id` (default: from the title and year), refuses what is missing (MissingFields), duplicates
  (EntryExists) and anything `kb validate` rejects (EntryInvalid); writes atomically, never over a file.
- fetch: fetch_arxiv(id), fetch_doi(doi), FetchSettings (base URLs, timeout 15 s, Retry-After honoured
  up to 30 s; environment variables KB_ARXIV_API, KB_CROSSREF_API, KB_DOI_RESOLVER, KB_FETCH_TIMEOUT,
  KB_FETCH_MAX_WAIT, KB_CONTACT_EMAIL).
- bibtex: import_bibtex(root, text, domains, audience, dry_run=False) and to_bibtex(entries).
- export: export_text(root, format) for `bibtex`, `csl-json` and `json` (EXPORT_VERSION 1).
"""
