"""`elenta nfs plan|apply` below the task: what each NFS host will export, and the pyinfra run.

`plan_report(lab)` shows, per NFS host, the exports file and the NixOS form's artifact path;
`apply(lab)` runs `elenta.deploys.nfs` on those hosts in a child process (pyinfra's gevent must
not share invoke's process) and returns pyinfra's output, or raises NfsApplyError.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.nfs.render import exports_text, nfs_hosts
from elenta.progress import run_streaming

REPO = Path(__file__).resolve().parents[2]
DEPLOY_FILE = """from pyinfra import host

from elenta.deploys import nfs

if nfs.wanted(host):
    nfs.apply()
"""


class NfsApplyError(ElentaError):
    """The NFS deploy failed on a host; the message carries pyinfra's output."""


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
    """The pyinfra command line and environment for `elenta nfs apply`.

    Hosts come from `inventories/lab.py` narrowed to the machines carrying an NFS role; `data`
    overrides host data (`{"elenta_nfs_create_dirs": "0"}`).
    """
    deploy_file = lab.state_dir / "nfs" / "deploy_nfs.py"
    deploy_file.parent.mkdir(parents=True, exist_ok=True)
    deploy_file.write_text(DEPLOY_FILE)
    env = dict(os.environ, ELENTA_LAB=str(lab.root.resolve()))
    env["ELENTA_SELECT"] = json.dumps({"canons": [lab.canon(m) for m in nfs_hosts(lab)]})
    if no_dns:
        env["ELENTA_NO_DNS"] = "1"
    command = [sys.executable, "-m", "pyinfra", "-y", str(REPO / "inventories" / "lab.py"), str(deploy_file)]
    overrides = dict(data or {})
    if path:
        overrides["elenta_nfs_exports_path"] = path
    for key, value in overrides.items():
        command += ["--data", f"{key}={value}"]
    return command, env


def apply(lab: Lab, no_dns: bool = False, path: str = "") -> str:
    """Install and load every NFS host's exports: `apply(lab, no_dns=True)` -> pyinfra's output."""
    if not nfs_hosts(lab):
        return "no machine carries a role with NFS exports: nothing to do"
    for machine in nfs_hosts(lab):
        exports_text(lab, machine)  # refuse a faulty model before any host is touched
    command, env = apply_command(lab, no_dns=no_dns, path=path)
    proc = run_streaming(command, env=env, label="pyinfra nfs", merge_output=True)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise NfsApplyError(f"NFS apply failed (pyinfra exit {proc.returncode}):\n{output}")
    return output
