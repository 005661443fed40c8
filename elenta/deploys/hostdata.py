"""The host data deploy: `/etc/elenta/host.json` and `discovery.json` on every host.

Roles find their peers without DNS by reading the compiled lab (`discovery.json`) and their own
entry (`host.json`); a NixOS configuration may instead import `discovery.nix` from a plan (see
docs/plan.md). Installed with `elenta deploy --only hostdata` (or `--only all`); `elenta drift`
compares what hosts hold with the applied plan.
"""

from __future__ import annotations

import io
from typing import Any

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import files

from elenta.hostdata.render import DISCOVERY_JSON, HOST_JSON, host_files
from elenta.model.lab import load_lab


def wanted(host: Any) -> bool:
    """Every machine of the lab reached over SSH gets its host data."""
    return bool(host.data.get("elenta_machine"))


@deploy("Service discovery data")
def apply() -> None:
    """Install this host's `host.json` and the lab's `discovery.json` (unchanged files: no-op)."""
    lab = load_lab(host.data.get("elenta_lab"))
    data = host_files(lab, host.data.get("elenta_machine"))
    if not data:
        host.noop("this machine has no host data in the plan")
        return
    # One call site per file: pyinfra orders operations by where they are called, not by loops.
    files.put(name=f"Install {HOST_JSON}", src=io.BytesIO(data[HOST_JSON]), dest=HOST_JSON, mode="644")
    files.put(
        name=f"Install {DISCOVERY_JSON}",
        src=io.BytesIO(data[DISCOVERY_JSON]),
        dest=DISCOVERY_JSON,
        mode="644",
    )
