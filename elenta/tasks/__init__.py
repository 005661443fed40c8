"""The task collection behind both `elenta` and `inv`: the core's tasks and each subsystem's.

The core's task modules are listed here; a subsystem adds its own through its registration
(`Subsystem.tasks`, see `elenta.subsystem`), so adding one needs no edit here.
"""

from __future__ import annotations

import importlib

from invoke import Collection, Task

CORE = (
    "elenta.tasks.model",
    "elenta.tasks.plan",
    "elenta.tasks.deploy",
    "elenta.tasks.lab",
    "elenta.tasks.init",
    "elenta.tasks.hostkeys",
)


def task_modules() -> list[str]:
    """The core's task modules, then every registered subsystem's: `task_modules()`."""
    from elenta.subsystem import registered

    return [*CORE, *(s.tasks for s in registered() if s.tasks and s.tasks not in CORE)]


def build_collection() -> Collection:
    """Collect every `@task` defined in the task modules: `build_collection()`."""
    collection = Collection()
    for name in task_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Task) and value.body.__module__ == module.__name__:
                value.auto_shortflags = False  # short flags mean one thing everywhere: elenta.command.flags
                collection.add_task(value)
    return collection


namespace = build_collection()
