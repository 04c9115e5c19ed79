"""Contributing entries: scaffolding (`kb new`), canonical formatting (`kb fmt`), paper metadata from arXiv
and Crossref/doi.org, BibTeX both ways, and exports (BibTeX, CSL-JSON, versioned JSON).

Modules, each imported on demand (ruamel.yaml, requests, defusedxml and bibtexparser are not loaded when
kb starts):
- canonical: the canonical form of an entry file (its docstring defines it): format_text, render_entry,
  format_paths -> FormatReport.
- scaffold: new_entry (complete, check against the KB and the validator, then write atomically, never
  over a file), with_metadata (a paper's fetched fields; given values win), MissingFields, EntryExists,
  EntryInvalid.
- metadata: fetch_arxiv, fetch_doi -> entry fields; FetchSettings from the KB_* variables its SETTINGS
  table names; FetchError, NotFound.
- bibtex: entry_to_bibtex and bibliography write (export and the site's Cite blocks); import_bibtex_file
  reads -> ImportReport, which renders itself and owns its exit code.
- export: export_text(root, format) for `bibtex`, `csl-json` and `json`.
- naming: option_name(field), the `kb new` option for a field.
"""
