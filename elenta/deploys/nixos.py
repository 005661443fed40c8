"""The NixOS subsystem's deploy: bring each host to its built system (test, switch or boot).

Run by `deploy.py` for hosts with a host configuration. Reads the deploy's settings from the
environment (`elenta.pipeline.deploy_settings`); when run by plain `pyinfra inventories/lab.py deploy.py` it
builds the systems itself (all inventory hosts in one `nix build`) and defaults to `test`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pyinfra import host, state
from pyinfra.api import deploy
from pyinfra.operations import python

from elenta.facts.nixos import NixosSystem
from elenta.model.lab import load_lab
from elenta.nixos.build import build_systems
from elenta.nixos.compliance import pending_change
from elenta.operations import nixos
from elenta.pipeline.backup import backup_for_deploy, host_backup_path, needs_backup, restore_commands
from elenta.pipeline.deploy_settings import DeploySettings, load_systems
from elenta.pipeline.record import note

_built: dict[str, dict[str, Any]] = {}
# pyinfra prepares hosts concurrently (greenlets; gevent makes this lock cooperative): build once.
_build_lock = threading.Lock()


def wanted(host: Any) -> bool:
    """True for hosts with a NixOS host configuration: `"nixos" in host.data.elenta_subsystems`."""
    return "nixos" in (host.data.get("elenta_subsystems") or ())


def desired_system(settings: DeploySettings) -> dict[str, Any]:
    """This host's built system: from the pipeline's systems file, else built now (all hosts at once)."""
    with _build_lock:
        return _desired_locked(settings)


def _desired_locked(settings: DeploySettings) -> dict[str, Any]:
    if not _built:
        _built.update(load_systems(settings.systems_file))
    if host.name not in _built:
        names = [h for h in state.inventory if wanted(h)]
        lab = load_lab(host.data.get("elenta_lab"))
        machines = [h.data.get("elenta_machine") for h in names if h.name not in _built]
        built = build_systems(lab, machines, config=settings.config)
        for h in names:
            machine = h.data.get("elenta_machine")
            if machine in built:
                _built[h.name] = built[machine].as_dict()
    return _built[host.name]


@deploy("NixOS system")
def apply() -> None:
    """Copy, activate, confirm (or roll back) this host's system; nothing when it is already there."""
    settings = DeploySettings.from_env()
    started = time.time()
    roles = list(host.data.get("elenta_roles") or [])
    if settings.action == "rollback":
        restore = restore_commands(host.data.get("elenta_lab"), roles)
        if restore:
            nixos.restore_data(name="Restore the data of the previous deploy", restore=restore)
        nixos.rollback_generation(name="Switch to the previous generation")
        python.call(
            name="Record the result", function=_finish, action="rollback", system="previous", started=started
        )
        return
    wanted_system = desired_system(settings)
    system = wanted_system["path"]
    facts = host.get_fact(NixosSystem, desired=system)
    why = pending_change(settings.action, facts, system)
    if why is None:
        host.noop(f"already {settings.action}: {system}")
        note(host.name, "unchanged", f"already at {system}", result="unchanged")
        return
    note(host.name, "out of date", why)
    restore: list[str] = []
    backup = None
    if needs_backup(settings, host.data.get("elenta_lab"), roles):
        python.call(
            name="Back up before activation",
            function=backup_for_deploy,
            deploy_dir=str(settings.deploy_dir),
            deploy_id=settings.deploy_id,
        )
        restore = restore_commands(host.data.get("elenta_lab"), roles)
        backup = host_backup_path(settings.deploy_id)
    if settings.restore:  # a rollback to an earlier plan puts that plan's data back first
        nixos.restore_data(
            name="Restore the data of the plan rolled back to",
            restore=restore_commands(host.data.get("elenta_lab"), roles),
            skip_deploy_id=settings.deploy_id,
        )
    nixos.copy_closure(name="Copy the system closure", system=system)
    nixos.activate(
        name=f"Activate ({settings.action})",
        system=system,
        action=settings.action,
        deploy_id=settings.deploy_id,
        confirm_timeout=settings.confirm_timeout,
        restore=restore,
        backup=backup,
    )
    nixos.confirm(name="Health checks and confirmation", deploy_id=settings.deploy_id, action=settings.action)
    nixos.record_revision(
        name="Record the lab revision beside the system",
        system=system,
        revision=wanted_system.get("revision") or "unknown",
    )
    python.call(
        name="Record the result", function=_finish, action=settings.action, system=system, started=started
    )


def _finish(action: str, system: str, started: float) -> None:
    note(host.name, "done", f"{action} {system}", result="changed", seconds=round(time.time() - started, 2))
