"""The entry JSON Schema shipped in the package (kb/schema/entry.schema.json): the single source of truth
for field names, types and which fields each entry type requires or allows."""
from __future__ import annotations

import json
from functools import lru_cache

SCHEMA_RESOURCE = ("kb.schema", "entry.schema.json")


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


@lru_cache(maxsize=None)
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
           "do not edit by hand. Fields marked **required** must be present.", ""]
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
