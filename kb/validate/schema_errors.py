"""Run the JSON Schema on one entry and turn each jsonschema error into a Problem a curator can act on."""
from __future__ import annotations

from functools import cache

import fastjsonschema

from kb.model import TYPES, Entry, YamlDate, closest, fields
from kb.model.schema import flat_type_schema

_JSON_TYPES = {"array": "a list", "object": "a mapping", "string": "a string", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "empty"}


@cache
def _fast_check(entry_type: str):
    return fastjsonschema.compile(flat_type_schema(entry_type), use_formats=False)


@cache
def _full_check(entry_type: str):
    from jsonschema import Draft202012Validator  # imported only when an entry is invalid: it is slow to load

    return Draft202012Validator(flat_type_schema(entry_type))


def schema_problems(entry: Entry):
    """Yield (path-in-document, code, message, hint) for every schema violation of `entry`.

    fastjsonschema (compiled code, stops at the first error) clears the valid majority quickly;
    only an entry it rejects goes through jsonschema, which lists every error."""
    try:
        _fast_check(entry.type)(entry.data)
        return
    except fastjsonschema.JsonSchemaValueException:
        pass
    for error in _full_check(entry.type).iter_errors(entry.data):
        yield from _explain(entry, error)


def _explain(entry: Entry, error):
    where = tuple(error.absolute_path)
    name = _field_name(where)
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1]
        description = _describe(entry.type, where, missing)
        yield where, "missing-field", f"missing required field `{missing}`", description
    elif kind in ("unevaluatedProperties", "additionalProperties"):
        allowed = _allowed_keys(entry.type, where, error.schema)
        for key in error.instance:
            if key not in allowed:
                yield where + (key,), "unknown-field", f"unknown field `{key}`", _unknown_hint(entry.type, where,
                                                                                            key, allowed)
    elif kind == "type":
        yield where, "wrong-type", f"{name} must be {_expected(error.validator_value)}, not " \
                                   f"{_describe_value(error.instance)}", _type_hint(error.instance,
                                                                                    error.validator_value)
    elif kind == "anyOf":  # `published`: a date or a year
        yield where, "wrong-type", f"{name} must be a date (YYYY-MM-DD) or a year, not " \
                                   f"{_describe_value(error.instance)}", None
    elif kind == "pattern":
        if error.schema.get("format") == "uri":
            return  # URL fields get precise messages from the url check in checks.py
        yield where, "invalid-format", f"{name} `{error.instance}` is not in the expected form", \
            error.schema.get("description") or f"it must match {error.validator_value}"
    elif kind in ("minimum", "maximum", "exclusiveMinimum"):
        yield where, "out-of-range", f"{name} {error.message.split(' is ', 1)[-1]}", None
    elif kind in ("minLength", "minItems", "maxLength", "maxItems"):
        yield where, *_size_problem(name, kind, error.instance, error.validator_value)
    elif kind == "uniqueItems":
        yield where, "duplicate-item", f"{name} lists the same item twice", "remove the repeat"
    else:  # a keyword added to the schema later still reports, with jsonschema's own words
        yield where, "schema", f"{name}: {error.message}", None


def _size_problem(name: str, kind: str, value, bound: int) -> tuple[str, str, str | None]:
    """(code, message, hint) for text or a list outside its length bounds, with both numbers."""
    unit = "characters" if kind.endswith("Length") else "items"
    if kind.startswith("min"):
        return "too-short", f"{name} has {len(value)} {unit}; at least {bound} are needed", None
    return "too-long", f"{name} has {len(value)} {unit}; at most {bound} are allowed", None


def _field_name(where: tuple) -> str:
    if not where:
        return "the entry"
    return "`" + "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p)
                         for i, p in enumerate(where)) + "`"


def _expected(types) -> str:
    types = [types] if isinstance(types, str) else types
    return " or ".join(_JSON_TYPES.get(t, t) for t in types)


def _describe_value(value) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, YamlDate):
        return f"the date {value}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if value is None:
        return "empty"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "a mapping"


def _type_hint(value, expected) -> str | None:
    expected = [expected] if isinstance(expected, str) else expected
    if "string" in expected and isinstance(value, bool):
        return "YAML reads yes/no/on/off/true/false as booleans: put the value in quotes"
    if "string" in expected and isinstance(value, (int, float)):
        return "put the value in quotes so YAML keeps it as text"
    if "array" in expected and isinstance(value, (str, int, float)):
        return f"write a list: [{value}] or one `- item` per line"
    if value is None:
        return "give a value or remove the field"
    return None


def _describe(entry_type: str, where: tuple, field: str) -> str | None:
    if where:
        return None
    description = fields(entry_type).get(field, {}).get("description")
    return description.rstrip(".") if description else None


def _allowed_keys(entry_type: str, where: tuple, schema: dict) -> set[str]:
    return set(fields(entry_type)) if not where else set(schema.get("properties", {}))


def _unknown_hint(entry_type: str, where: tuple, key: str, allowed: set[str]) -> str:
    close = closest(str(key), allowed)
    if close:
        return f"did you mean `{close}`?"
    if not where:
        for other in TYPES:
            if other != entry_type and key in fields(other):
                return f"`{key}` belongs to {other} entries; this file is in entries/{entry_type}/"
    return "allowed fields: " + ", ".join(sorted(allowed))
