"""The body of `deploy.py`: run each subsystem deploy that wants this host, under the deploy lock."""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
from pathlib import Path

from pyinfra import host
from pyinfra.operations import python

from elenta.model.lab import load_lab
from elenta.pipeline.deploy_settings import ENV_DEPLOY_DIR, ENV_LOCK_HELD, DeploySettings
from elenta.pipeline.lock import deploy_lock
from elenta.pipeline.record import host_events, note
from elenta.subsystem import registered

_lock: contextlib.ExitStack | None = None


def _hold_lock() -> None:
    """Plain `pyinfra … deploy.py` checks the lab and takes its deploy lock itself (the pipeline
    has done both already)."""
    global _lock
    if _lock is not None or os.environ.get(ENV_LOCK_HELD):
        return
    # Taken once per process, though every host's deploy.py comes here: marked held before anything
    # that can yield to another host's greenlet (validation runs named-checkzone), which would
    # otherwise open the lock a second time and find it held by this very process.
    _lock = contextlib.ExitStack()
    atexit.register(_lock.close)
    from elenta.compile.checks import validate_lab

    lab = load_lab(Path(host.data.get("elenta_lab")))
    _lock.enter_context(deploy_lock(lab.state_dir))
    validate_lab(lab)  # the one validation, before pyinfra runs any operation on any host


def run_subsystem_deploys() -> None:
    """Run `apply()` of every subsystem deploy whose `wanted(host)` is true (and that is selected).

    Every host ends with a result in the deploy record: a host no subsystem applies to is
    `unchanged`; one whose subsystems recorded nothing themselves is `done` once they all ran.
    The last step marks the host `settled`: a host without it failed somewhere (pyinfra stops a
    host's operations at its first error), whatever an earlier subsystem recorded.
    """
    settings = DeploySettings.from_env()
    _hold_lock()
    ran = []
    # pyinfra tells operations apart by the line numbers of their call stack alone: every
    # subsystem is applied from the one line below, so `host.loop` adds the module's place in the
    # (same for every host) list, and two subsystems' operations never share an identity.
    for subsystem in host.loop([s for s in registered() if s.deploy]):
        if settings.subsystems and subsystem.name not in settings.subsystems:
            continue
        module = importlib.import_module(subsystem.deploy)
        if module.wanted(host):
            module.apply()
            ran.append(subsystem.name)
    if not ran:
        note(host.name, "unchanged", "no selected subsystem applies to this host", result="unchanged")
        note(host.name, "settled", echo=False, settled=True)
        return
    python.call(name="Settle the host's result", function=_settle, host_name=host.name, subsystems=ran)


def _settle(host_name: str, subsystems: list[str]) -> None:
    folder = os.environ.get(ENV_DEPLOY_DIR)
    if folder and not any("result" in e for e in host_events(Path(folder), host_name)):
        note(host_name, "done", f"ran {', '.join(subsystems)}", result="done")
    note(host_name, "settled", echo=False, settled=True)
