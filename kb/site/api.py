"""The site's open data: `api/entries.json`, the same versioned document as `kb export --format json`
(kb.contrib.export), and `api/taxonomy.json`, its taxonomy on its own (what the "My list" page reads).

The export's `generated` time is the last change of a file under entries/ (or SOURCE_DATE_EPOCH), so an
unchanged KB gives the same files and `kb site serve` does not rebuild for nothing.
"""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from kb.model import ENTRIES_DIR

from .serve import snapshot

ENTRIES = "api/entries.json"
TAXONOMY = "api/taxonomy.json"
TAXONOMY_FORMAT, TAXONOMY_VERSION = "kb-taxonomy", 1


def api_files(root: Path) -> dict[str, str]:
    from kb.contrib.export import export_text

    document, _ = export_text(root, "json", now=_data_time(root))
    taxonomy = json.loads(document)["taxonomy"]
    return {ENTRIES: document,
            TAXONOMY: json.dumps({"format": TAXONOMY_FORMAT, "version": TAXONOMY_VERSION, **taxonomy},
                                 indent=1, ensure_ascii=False, allow_nan=False) + "\n"}


def _data_time(root: Path) -> datetime.datetime:
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():  # reproducible builds' convention
        seconds = int(os.environ["SOURCE_DATE_EPOCH"])
    else:
        seconds = max((mtime for mtime, _ in snapshot([Path(root) / ENTRIES_DIR]).values()), default=0) / 1e9
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)
