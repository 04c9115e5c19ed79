"""Contributing entries: scaffolding (`kb new`), canonical formatting (`kb fmt`), metadata fetches from
arXiv and Crossref/doi.org, BibTeX import, and exports (BibTeX, CSL-JSON, versioned JSON).

Modules, each imported on demand (ruamel.yaml, requests, defusedxml and bibtexparser are not loaded
when kb starts):
- canonical: format_text(text, type), render_entry(type, data), format_paths(root, paths, write) ->
  FormatReport; WIDTH = 120 columns for lists written inline; PARALLEL_FROM = 200 files before the work
  is spread over the cores (MAX_WORKERS = 4). Its doc defines the canonical form.
- scaffold: new_entry(root, type, data, today=None, dry_run=False): fills `added` (default today) and
  `id` (default: from the title and year), refuses what is missing (MissingFields), duplicates
  (EntryExists, naming the entry) and anything `kb validate` rejects (EntryInvalid); validates the
  exact text in a staging folder, then writes it atomically, never over a file. PROSE_WIDTH = 100.
- fetch: fetch_arxiv(id), fetch_doi(doi) -> entry fields; FetchSettings (base URLs, timeout 15 s,
  Retry-After honoured up to 30 s; environment variables KB_ARXIV_API, KB_CROSSREF_API,
  KB_DOI_RESOLVER, KB_FETCH_TIMEOUT, KB_FETCH_MAX_WAIT, KB_CONTACT_EMAIL); FetchError, NotFound.
- bibtex: BibTeX both ways: entry_to_bibtex(entry) and bibliography(entries) write (export, the site's
  Cite blocks); import_bibtex_file(root, path, domains, audience, dry_run=False) -> ImportReport reads
  (MAX_BYTES = 50 MB).
- export: export_text(root, format) for `bibtex`, `csl-json` and `json` (EXPORT_VERSION = 1).
- naming: option_name(field), the `kb new` option for a field.
"""
