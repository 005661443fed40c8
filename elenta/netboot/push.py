"""`elenta netboot deploy`: place the netbooting machines' images on the hosts serving a store.

Runs `elenta.deploys.netboot` through the deploy pipeline (`elenta.pipeline.subsystem_run`), on
the machines whose data names `elenta_netboot_store` (or those given).
"""

from __future__ import annotations

from elenta.model.lab import Lab
from elenta.netboot.errors import NetbootError
from elenta.pipeline.pyinfra_command import pyinfra_command
from elenta.pipeline.subsystem_run import apply_subsystem


def store_servers(lab: Lab) -> list[str]:
    """Machines whose constellation data names a netboot store: `store_servers(lab) == ["archimedes"]`."""
    return [
        machine
        for machine in lab.cadaster.machines
        if any(hp.placement.data.get("elenta_netboot_store") for hp in lab.placements.get(machine, []))
    ]


def deploy_command(
    lab: Lab, servers: list[str], no_dns: bool = False, data: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The pyinfra command line and environment, to run by hand: `deploy_command(lab, ["archimedes"])`."""
    canons = [lab.canon(m) for m in servers]
    return pyinfra_command(lab, canons, no_dns=no_dns, subsystems=("netboot",), data=data)


def deploy(lab: Lab, servers: list[str] | None = None, no_dns: bool = False, store: str = "") -> str:
    """Place every netbooting machine's image on the store servers; returns the table of results.

    `deploy(load_lab("examples/lab"), no_dns=True)`; raises NetbootError when no host serves a
    store, DeployFailed naming each host where placing failed.
    """
    chosen = servers or store_servers(lab)
    if not chosen:
        raise NetbootError(
            f"{lab.root}: no machine serves a netboot store (set elenta_netboot_store in its "
            "constellation data, or name one with --on)"
        )
    data = {"elenta_netboot_store": store} if store else {}
    return apply_subsystem(lab, "netboot", chosen, no_dns=no_dns, data=data)
