"""`elenta netboot deploy`: place the netbooting machines' images on the hosts serving a store.

Runs `elenta.deploys.netboot` with pyinfra in a child process (pyinfra's gevent must not share
invoke's process), on the machines whose data names `elenta_netboot_store` (or those given).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from elenta.model.lab import Lab
from elenta.netboot.errors import NetbootDeployFailed, NetbootError
from elenta.progress import run_streaming

REPO = Path(__file__).resolve().parents[2]
DEPLOY_FILE = """from pyinfra import host

from elenta.deploys import netboot

if netboot.wanted(host):
    netboot.apply()
"""


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
    """The pyinfra command line and environment: `deploy_command(lab, ["archimedes"], True)`."""
    deploy_file = lab.state_dir / "netboot" / "deploy_netboot.py"
    deploy_file.parent.mkdir(parents=True, exist_ok=True)
    deploy_file.write_text(DEPLOY_FILE)
    env = dict(os.environ, ELENTA_LAB=str(lab.root.resolve()))
    env["ELENTA_SELECT"] = json.dumps({"canons": [lab.canon(m) for m in servers]})
    if no_dns:
        env["ELENTA_NO_DNS"] = "1"
    command = [sys.executable, "-m", "pyinfra", "-y", str(REPO / "inventories" / "lab.py"), str(deploy_file)]
    for key, value in (data or {}).items():
        command += ["--data", f"{key}={value}"]
    return command, env


def deploy(lab: Lab, servers: list[str] | None = None, no_dns: bool = False, store: str = "") -> str:
    """Place every netbooting machine's image on the store servers; returns pyinfra's output.

    `deploy(load_lab("examples/lab"), no_dns=True)`; raises NetbootError when pyinfra fails.
    """
    chosen = servers or store_servers(lab)
    if not chosen:
        raise NetbootError(
            f"{lab.root}: no machine serves a netboot store (set elenta_netboot_store in its "
            "constellation data, or name one with --on)"
        )
    data = {"elenta_netboot_store": store} if store else {}
    command, env = deploy_command(lab, chosen, no_dns=no_dns, data=data)
    proc = run_streaming(command, env=env, label="pyinfra netboot", merge_output=True)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise NetbootDeployFailed(f"netboot deploy failed (pyinfra exit {proc.returncode}):\n{output}")
    return output
