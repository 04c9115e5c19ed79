"""The `kb` command line: a thin layer that finds the KB, calls the library, and turns its results
and named exceptions into output and exit codes (the table in docs/commands.md).

Each capability's commands live in their own module in this package and register on `main` from
app.py; every module here except app is imported. Heavy libraries are imported inside the commands,
so `kb --help` and `kb search` start fast.
"""
from __future__ import annotations

import importlib
import pkgutil

from .app import main

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "app":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["main"]
