"""The body of `deploy.py`: run each subsystem deploy that wants this host, under the deploy lock."""

from __future__ import annotations

import atexit
import contextlib
import os
from pathlib import Path

from pyinfra import host

from elenta.apply.lock import deploy_lock
from elenta.apply.settings import ENV_LOCK_HELD, DeploySettings
from elenta.deploys import subsystem_deploys
from elenta.model.lab import load_lab

_lock: contextlib.ExitStack | None = None


def _hold_lock() -> None:
    """Plain `pyinfra … deploy.py` takes the lab's deploy lock itself (the pipeline already holds it)."""
    global _lock
    if _lock is not None or os.environ.get(ENV_LOCK_HELD):
        return
    stack = contextlib.ExitStack()
    stack.enter_context(deploy_lock(load_lab(Path(host.data.get("elenta_lab"))).state_dir))
    atexit.register(stack.close)
    _lock = stack


def run_subsystem_deploys() -> None:
    """Run `apply()` of every subsystem deploy whose `wanted(host)` is true (and that is selected)."""
    settings = DeploySettings.from_env()
    _hold_lock()
    for module in subsystem_deploys():
        name = module.__name__.rsplit(".", 1)[-1]
        if settings.subsystems and name not in settings.subsystems:
            continue
        if module.wanted(host):
            module.apply()
