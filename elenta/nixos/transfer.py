"""Copying a system closure to a host: the ONE place that runs `nix copy` (a test can replace it).

The deployer's Nix runs with the user's settings plus the lab's (`elenta.toml`); the host's
`nix-daemon --stdio` is reached over the SSH options given in NIX_SSHOPTS. Signatures are not
checked (`--no-check-sigs`): the deployer built the paths itself.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

from elenta.model.errors import ElentaError
from elenta.model.settings import lab_nix_config
from elenta.nix import nix_environment
from elenta.pipeline.record import note
from elenta.pipeline.ssh import SshTarget


class CopyError(ElentaError):
    """`nix copy` to a host failed; the message names the host and Nix's error."""


def copy_closure(system: str, target: SshTarget, timeout: float = 600, *, nix_config: str = "") -> None:
    """Copy `system` and its closure to the host: `copy_closure("/nix/store/…", target)`.

    `nix_config`: the lab's extra nix.conf lines (`lab_nix_config(lab_folder)`).
    """
    env = nix_environment(
        {"NIX_SSHOPTS": " ".join(shlex.quote(o) for o in target.options())}, config=nix_config
    )
    proc = subprocess.run(
        ["nix", "copy", "--no-check-sigs", "--to", f"ssh-ng://{target.destination}", system],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise CopyError(f"{target.name}: nix copy of {system} failed: {tail}")


def copy_to_host(state: Any, host: Any, system: str) -> None:
    """The pyinfra FunctionCommand body of `nixos.copy_closure` (runs on the deployer)."""
    lab = host.data.get("elenta_lab")
    nix_config = lab_nix_config(Path(lab)) if lab else ""
    copy_closure(system, SshTarget.from_data(host.data, host.name), nix_config=nix_config)
    note(host.name, "copied", system)
