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

from elenta.model.lab import load_lab
from elenta.render.hostdata import host_files


def wanted(host: Any) -> bool:
    """Every machine of the lab reached over SSH gets its host data."""
    return bool(host.data.get("elenta_machine"))


@deploy("Service discovery data")
def apply() -> None:
    """Install this host's `host.json` and the lab's `discovery.json` (unchanged files: no-op)."""
    lab = load_lab(host.data.get("elenta_lab"))
    for dest, content in host_files(lab, host.data.get("elenta_machine")).items():
        files.put(
            name=f"Install {dest}",
            src=io.BytesIO(content),
            dest=dest,
            mode="644",
            create_remote_dir=True,
        )
