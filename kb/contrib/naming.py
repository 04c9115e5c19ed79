"""Field names as `kb new` spells them on the command line (kept light: the CLI imports it at start-up)."""
from __future__ import annotations

_SINGULAR = {"domains": "domain", "authors": "author", "lecturers": "lecturer", "tags": "tag",
             "prerequisites": "prerequisite"}


def option_name(field_name: str) -> str:
    """The `kb new` option for a field, without dashes: `domain` for domains, `for-whom` for for_whom."""
    return _SINGULAR.get(field_name, field_name).replace("_", "-")
