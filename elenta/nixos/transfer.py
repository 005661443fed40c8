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
from elenta.model.settings import Timeouts, lab_nix_config, load_settings, settings_root
from elenta.nix import nix_environment
from elenta.pipeline.record import note
from elenta.pipeline.ssh import SshTarget
from elenta.progress import run_streaming


class CopyError(ElentaError):
    """`nix copy` to a host failed; the message names the host and Nix's error."""


def copy_closure(system: str, target: SshTarget, timeout: float = 1800, *, nix_config: str = "") -> None:
    """Copy `system` and its closure to the host: `copy_closure("/nix/store/…", target)`.

    `nix_config`: the lab's extra nix.conf lines (`lab_nix_config(lab_folder)`).
    """
    env = nix_environment(
        {"NIX_SSHOPTS": " ".join(shlex.quote(o) for o in target.options())}, config=nix_config
    )
    try:
        proc = run_streaming(
            ["nix", "copy", "--no-check-sigs", "--to", f"ssh-ng://{target.destination}", system],
            env=env,
            label=f"{target.name}: nix copy",
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise CopyError(
            f"{target.name}: nix copy of {system} took longer than {timeout:.0f} s ([timeouts] nix_copy)"
        ) from None
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise CopyError(f"{target.name}: nix copy of {system} failed: {tail}")


def copy_to_host(state: Any, host: Any, system: str) -> None:
    """The pyinfra FunctionCommand body of `nixos.copy_closure` (runs on the deployer)."""
    lab = host.data.get("elenta_lab")
    nix_config = lab_nix_config(Path(lab)) if lab else ""
    root = settings_root(Path(lab)) if lab else None
    timeout = load_settings(root).timeouts.nix_copy if root else Timeouts().nix_copy
    copy_closure(system, SshTarget.from_data(host.data, host.name), timeout, nix_config=nix_config)
    note(host.name, "copied", system)
