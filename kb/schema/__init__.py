"""Package data: the entry JSON Schema (entry.schema.json), the single source of truth for fields, which
kb.model.schema reads."""
