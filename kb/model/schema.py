"""The entry JSON Schema shipped in the package (kb/schema/entry.schema.json): the single source of truth
for field names, types and which fields each entry type requires or allows; and the editor schemas made
from it, one per type with the taxonomy's ids as enums, that each entry's first line points editors at."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from .entries import ENTRIES_DIR, TYPES
from .taxonomy import Taxonomy, require_taxonomy

SCHEMA_RESOURCE = ("kb.schema", "entry.schema.json")
EDITOR_SCHEMA_DIR = "kb/schema/editor"  # under the KB root: the modeline's path is relative to the entry
SCHEMA_COMMENT = "# yaml-language-server: $schema=../../" + EDITOR_SCHEMA_DIR + "/{type}.schema.json"
# both spellings of the modeline that yaml-language-server reads (a comment line naming the file's schema)
_MODELINE = re.compile(r"^\s*#\s*(?:yaml-language-server\s*:\s*\$schema\s*=|\$schema\s*:)\s*(\S*)")


def schema_text() -> str:
    from importlib import resources  # 8 ms to import: only commands that read the schema pay it

    return resources.files(SCHEMA_RESOURCE[0]).joinpath(SCHEMA_RESOURCE[1]).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def entry_schema() -> dict:
    return json.loads(schema_text())


def format_values() -> tuple[str, ...]:
    """The `format` vocabulary (video, audio, notes, ...), from the schema: for the filters' choices."""
    return tuple(entry_schema()["$defs"]["common"]["properties"]["format"]["items"]["enum"])


def schema_version() -> int:
    return entry_schema()["x-kb-schema-version"]


@cache
def flat_type_schema(entry_type: str) -> dict:
    """The same constraints as type_schema(entry_type), with every $ref inlined and the shared fields
    merged in (`additionalProperties: false` in place of `allOf` + `unevaluatedProperties`): what the
    validators run, since resolving references per entry costs more than the checks themselves."""
    defs = entry_schema()["$defs"]
    common, own = defs["common"], defs[entry_type]
    merged = {"type": "object", "required": [*common["required"], *own["required"]],
              "properties": {**common["properties"], **own["properties"]}, "additionalProperties": False}
    return _inline(merged, defs)


def _inline(node, defs: dict):
    if isinstance(node, dict):
        if "$ref" in node:
            target = _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
            return {**target, **{k: _inline(v, defs) for k, v in node.items() if k != "$ref"}}
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def type_schema(entry_type: str) -> dict:
    """A schema validating one type of entry: the shared document with its root pointing at the type."""
    schema = dict(entry_schema())
    schema.pop("anyOf")
    schema["$ref"] = f"#/$defs/{entry_type}"
    return schema


def fields(entry_type: str) -> dict[str, dict]:
    """Field name -> property schema for one type, shared fields first, in the schema's order."""
    defs = entry_schema()["$defs"]
    return {**defs["common"]["properties"], **defs[entry_type]["properties"]}


def required_fields(entry_type: str) -> list[str]:
    defs = entry_schema()["$defs"]
    return [*defs["common"]["required"], *defs[entry_type]["required"]]


def field_reference() -> str:
    """The field reference in Markdown (docs/fields.md is this text), generated from the schema."""
    defs = entry_schema()["$defs"]
    out = ["# Entry fields", "", "Generated from `kb/schema/entry.schema.json` by `kb schema --format markdown`;",
           "do not edit by hand. Fields marked **required** must be present. Editors check them as you type",
           "against `kb/schema/editor/<type>.schema.json`, named on line 1 of every entry (`kb schema --editor`).",
           ""]
    for title, props, required in [("All entries", defs["common"]["properties"], defs["common"]["required"]),
                                   *[(f"`{t}` entries", defs[t]["properties"], defs[t]["required"])
                                     for t in entry_schema()["x-kb-types"]]]:
        out += [f"## {title}", ""]
        if title != "All entries":
            out += [defs[title.split("`")[1]]["description"] + " Also has every field above.", ""]
        out += ["| field | type | | description |", "|---|---|---|---|"]
        for name, prop in props.items():
            kind = _kind(prop, defs)
            out.append(f"| `{name}` | {kind} | {'**required**' if name in required else 'optional'} | "
                       f"{prop.get('description', '')} |")
        out.append("")
    return "\n".join(out)


def _kind(prop: dict, defs: dict) -> str:
    if "$ref" in prop:
        target = prop["$ref"].rsplit("/", 1)[-1]
        return {"http-url": "URL", "entry-id": "entry id", "date": "date", "year": "year"}.get(target, target)
    if "anyOf" in prop:
        return " or ".join(_kind(p, defs) for p in prop["anyOf"])
    if "enum" in prop:
        return "one of " + ", ".join(f"`{value}`" for value in prop["enum"])
    if prop.get("type") == "array":
        items = prop.get("items", {})
        if "enum" in items:
            return "list of " + ", ".join(f"`{value}`" for value in items["enum"])
        return "list of " + ("{" + ", ".join(items["properties"]) + "}" if "properties" in items
                             else _kind(items, defs) + "s")
    return prop.get("type", "")


# --- editor schemas ---------------------------------------------------------------------------------------

def schema_comment(entry_type: str) -> str:
    """The first line of an entry file: the yaml-language-server modeline naming its type's editor schema."""
    return SCHEMA_COMMENT.format(type=entry_type)


def modeline_schema(line: str) -> str | None:
    """The schema a comment line points editors at, or None when the line is not such a modeline."""
    match = _MODELINE.match(line)
    return match.group(1) if match else None


def editor_schema(entry_type: str, taxonomy: Taxonomy) -> dict:
    """The schema an editor checks an entry of `entry_type` against as it is typed: flat_type_schema (every
    field at the top, no `$ref`, unknown fields refused, so completion offers only the type's own fields)
    with the taxonomy's domain and audience ids as enums, titles shown beside them. `kb validate` stays the
    authority: it also checks what a schema cannot (references, duplicates, dates, URLs)."""
    schema = json.loads(json.dumps(flat_type_schema(entry_type)))  # a deep copy of the cached schema
    for name, terms in (("domains", taxonomy.domains), ("audience", taxonomy.audiences)):
        items = schema["properties"][name]["items"]
        items["enum"] = list(terms)
        items["enumDescriptions"] = [f"{t.title}: {t.description}" for t in terms.values()]  # VS Code's hover
    source = entry_schema()
    return {"$schema": source["$schema"], "$id": f"{source['$id']}:editor:{entry_type}",
            "title": f"kb {entry_type} entry", "description": source["$defs"][entry_type]["description"],
            "$comment": "Generated from kb/schema/entry.schema.json and entries/taxonomy.yaml by "
                        "`kb schema --editor --write`; do not edit by hand.", **schema}


def editor_schema_texts(root: Path) -> dict[Path, str]:
    """Each editor schema's file (under `root`) and its text, from the KB's taxonomy (TaxonomyBroken when
    it does not load)."""
    taxonomy = require_taxonomy(Path(root) / ENTRIES_DIR)
    return {Path(root) / EDITOR_SCHEMA_DIR / f"{t}.schema.json":
            json.dumps(editor_schema(t, taxonomy), indent=2, ensure_ascii=False) + "\n" for t in TYPES}


@dataclass
class EditorSchemaReport:
    written: list[Path] = field(default_factory=list)  # changed or new
    unchanged: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.written)} editor schemas written, {len(self.unchanged)} unchanged"


def write_editor_schemas(root: Path) -> EditorSchemaReport:
    """Regenerate the editor schemas under ROOT/kb/schema/editor/, writing only those that changed."""
    from .files import atomic_write

    report = EditorSchemaReport()
    for path, text in editor_schema_texts(root).items():
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            report.unchanged.append(path)
        else:
            atomic_write(path, text)
            report.written.append(path)
    return report
