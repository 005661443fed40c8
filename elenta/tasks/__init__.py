"""The task collection behind both `elenta` and `inv`: every module here adds its tasks.

A subsystem plugs in by adding a module to this package; nothing else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil

from invoke import Collection, Task


def build_collection() -> Collection:
    """Collect every `@task` defined in the modules of `elenta.tasks`: `build_collection()`."""
    collection = Collection()
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Task) and value.body.__module__ == module.__name__:
                value.auto_shortflags = False  # short flags mean one thing everywhere: elenta.command.flags
                collection.add_task(value)
    return collection


namespace = build_collection()
