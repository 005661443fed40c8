"""`elenta nfs plan|apply` below the task: what each NFS host will export, and the pyinfra run.

`plan_report(lab)` shows, per NFS host, the exports file and the NixOS form's artifact path;
`apply(lab)` runs `elenta.deploys.nfs` on those hosts through the deploy pipeline
(`elenta.pipeline.subsystem_run`) and returns the table of results, or raises DeployFailed.
"""

from __future__ import annotations

from elenta.model.lab import Lab
from elenta.nfs.render import exports_text, nfs_hosts
from elenta.pipeline.pyinfra_command import pyinfra_command
from elenta.pipeline.subsystem_run import apply_subsystem


def plan_report(lab: Lab) -> str:
    """Each NFS host's exports file, checked: `print(plan_report(load_lab("examples/lab")))`."""
    hosts = nfs_hosts(lab)
    if not hosts:
        return "no machine carries a role with NFS exports"
    parts = []
    for machine in hosts:
        text = exports_text(lab, machine)
        parts.append(
            f"{lab.canon(machine)}: exports (NixOS form: artifact nfs/{machine}/exports.nix)\n{text}"
        )
    return "\n".join(parts)


def apply_command(
    lab: Lab, no_dns: bool = False, path: str = "", data: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The pyinfra command line and environment `elenta nfs apply` runs, to run by hand.

    The NFS hosts of the lab; `data` overrides host data (`{"elenta_nfs_create_dirs": "0"}`).
    """
    canons = [lab.canon(m) for m in nfs_hosts(lab)]
    return pyinfra_command(lab, canons, no_dns=no_dns, subsystems=("nfs",), data=_data(path, data))


def _data(path: str, data: dict[str, str] | None = None) -> dict[str, str]:
    return {**(data or {}), **({"elenta_nfs_exports_path": path} if path else {})}


def apply(lab: Lab, no_dns: bool = False, path: str = "") -> str:
    """Install and load every NFS host's exports: `apply(lab, no_dns=True)` -> the table of results."""
    if not nfs_hosts(lab):
        return "no machine carries a role with NFS exports: nothing to do"
    for machine in nfs_hosts(lab):
        exports_text(lab, machine)  # refuse a faulty model before any host is touched
    return apply_subsystem(lab, "nfs", nfs_hosts(lab), no_dns=no_dns, data=_data(path))
