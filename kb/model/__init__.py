"""The data model: entries on disk, the taxonomy, the schema, and safe YAML loading.

Public surface: find_root, load_entries, read_entry, get_entry, entry_files, entry_type, Entry, TYPES,
load_taxonomy, Taxonomy, domain_matches, entry_schema, fields, required_fields, the editor schemas (editor_schema,
schema_comment, write_editor_schemas), KbError and friends, Connections (who requires and compares with
whom, both ways) and describe (kb show's text).
"""
from .changes import GitError, changed_entry_files
from .connections import Comparison, Connections, by_title, cycle_text
from .describe import describe
from .entries import (
    ENTRIES_DIR,
    ID_PATTERN,
    TYPES,
    Entry,
    EntryNotFound,
    RootNotFound,
    bulk_load,
    entry_files,
    entry_type,
    find_root,
    get_entry,
    is_entry_file,
    link_outside,
    list_entries,
    load_entries,
    read_entry,
    relative_path,
    scalars,
    select,
)
from .errors import KbError, UsageError, closest, did_you_mean
from .files import CannotWrite, atomic_write, output_file
from .identity import DOI_PATTERN, arxiv_id, arxiv_url, bare_doi, doi_url, normalize_doi
from .schema import (
    EDITOR_SCHEMA_DIR,
    editor_schema,
    editor_schema_texts,
    entry_schema,
    field_reference,
    fields,
    format_values,
    modeline_schema,
    required_fields,
    schema_comment,
    schema_text,
    schema_version,
    type_schema,
    write_editor_schemas,
)
from .selection import PathNotFound, Selection, select_entry_files
from .stats import TYPE_PLURALS, Counts, count
from .taxonomy import (
    TAXONOMY_FILE,
    Taxonomy,
    TaxonomyBroken,
    Term,
    UnknownTerm,
    closest_term,
    domain_matches,
    load_taxonomy,
    require_taxonomy,
    unknown_term,
)
from .yamlfile import Document, LoadError, YamlDate, load_bytes, load_text

__all__ = [
    "arxiv_id", "arxiv_url", "atomic_write", "bare_doi", "bulk_load", "by_title", "CannotWrite", "changed_entry_files",
    "closest", "closest_term", "Comparison", "Connections", "count", "Counts", "cycle_text", "describe", "did_you_mean",
    "Document",
    "DOI_PATTERN", "doi_url", "domain_matches", "editor_schema", "EDITOR_SCHEMA_DIR", "editor_schema_texts",
    "ENTRIES_DIR", "Entry", "entry_files", "entry_schema", "entry_type", "EntryNotFound", "field_reference", "fields",
    "find_root", "format_values", "get_entry", "GitError", "ID_PATTERN", "is_entry_file", "KbError", "link_outside",
    "list_entries",
    "load_bytes", "load_entries", "load_taxonomy", "load_text", "LoadError", "modeline_schema", "normalize_doi",
    "output_file", "PathNotFound", "read_entry", "relative_path", "require_taxonomy", "required_fields", "RootNotFound",
    "scalars", "schema_comment", "schema_text", "schema_version", "select", "select_entry_files", "Selection",
    "Taxonomy", "TYPE_PLURALS", "TAXONOMY_FILE", "TaxonomyBroken", "Term", "type_schema", "TYPES", "unknown_term",
    "UnknownTerm", "UsageError", "write_editor_schemas", "YamlDate",
]
