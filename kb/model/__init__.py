"""The data model: entries on disk, the taxonomy, the schema, and safe YAML loading.

Public surface: find_root, load_entries, read_entry, get_entry, entry_files, entry_type, Entry, TYPES,
load_taxonomy, Taxonomy, domain_matches, entry_schema, fields, required_fields, the editor schemas (editor_schema,
schema_comment, write_editor_schemas), KbError and friends, Connections (who requires and compares with
whom, both ways) and describe (kb show's text).
"""
from .entries import (ENTRIES_DIR, ID_PATTERN, TYPES, Entry, EntryNotFound, RootNotFound, bulk_load, entry_files,
                      entry_type, find_root, get_entry, is_entry_file, list_entries, load_entries, read_entry,
                      relative_path, scalars, select)
from .errors import KbError, UsageError, closest, did_you_mean
from .identity import DOI_PATTERN, arxiv_id, arxiv_url, bare_doi, doi_url, normalize_doi
from .changes import GitError, changed_entry_files
from .connections import Comparison, Connections, by_title
from .describe import describe
from .files import CannotWrite, atomic_write, output_file
from .selection import PathNotFound, Selection, select_entry_files
from .schema import (EDITOR_SCHEMA_DIR, editor_schema, editor_schema_texts, entry_schema, field_reference, fields,
                     format_values, modeline_schema, required_fields, schema_comment, schema_text, schema_version,
                     type_schema, write_editor_schemas)
from .stats import Counts, count
from .taxonomy import (TAXONOMY_FILE, Taxonomy, TaxonomyBroken, Term, UnknownTerm, closest_term, domain_matches,
                       load_taxonomy, require_taxonomy, unknown_term)
from .yamlfile import Document, LoadError, YamlDate, load_bytes, load_text

__all__ = [
    "DOI_PATTERN", "UnknownTerm", "require_taxonomy", "closest_term", "unknown_term", "arxiv_id", "arxiv_url", "bare_doi", "closest", "did_you_mean", "doi_url",
    "normalize_doi", "scalars", "format_values", "Counts", "count",
    "Comparison", "Connections", "by_title", "describe",
    "CannotWrite", "PathNotFound", "Selection", "select_entry_files", "GitError", "atomic_write", "output_file", "changed_entry_files",
    "ENTRIES_DIR", "ID_PATTERN", "TYPES", "TAXONOMY_FILE", "Document", "Entry", "EntryNotFound", "KbError",
    "LoadError", "RootNotFound", "Taxonomy", "UsageError", "Term", "YamlDate", "bulk_load", "domain_matches", "entry_files",
    "entry_schema", "field_reference", "entry_type", "fields", "find_root", "get_entry", "is_entry_file", "load_bytes", "list_entries", "load_entries",
    "load_taxonomy", "load_text", "read_entry", "relative_path", "required_fields", "schema_text", "select", "schema_version",
    "type_schema", "EDITOR_SCHEMA_DIR", "TaxonomyBroken", "editor_schema", "editor_schema_texts", "schema_comment",
    "modeline_schema", "write_editor_schemas",
]
