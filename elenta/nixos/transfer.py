"""Copying a system closure to a host: the ONE place that runs `nix copy` (a test can replace it).

The deployer's Nix runs with the user's settings plus the lab's (`elenta.toml`); the host's
`nix-daemon --stdio` is reached over the target's SSH options (NIX_SSHOPTS). Who the host's Nix
sees as the sender decides how the copy is checked:

- root, or a user going through `sudo` (`remote-program=sudo -n nix-daemon`): trusted, the
  paths go unsigned (`--no-check-sigs`: the deployer built them itself);
- with `[nix] sign_key` in `elenta.toml`: the paths are signed first (`nix store sign`) and the
  host checks them against its `trusted-public-keys`, as the ssh user (no sudo for the copy);
- `[nix] substitute_on_destination = true`: the host fetches what its caches have itself;
- `[nix] build_on = "target"`: only the derivations are copied, and the host builds them.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from elenta.model.errors import ElentaError
from elenta.model.settings import LabSettings, Timeouts, load_settings, settings_path, settings_root
from elenta.nix import nix_environment
from elenta.pipeline.deploy_settings import DeploySettings, load_systems
from elenta.pipeline.record import note
from elenta.pipeline.ssh import SUDO, SshTarget, run_ssh
from elenta.progress import run_streaming


class CopyError(ElentaError):
    """`nix copy` to a host failed; the message names the host, the cause and the setting that fixes it."""


@dataclass(frozen=True)
class CopyOptions:
    """How a closure goes to a host, from the lab's `[nix]` settings: `CopyOptions.of(settings, root)`."""

    nix_config: str = ""
    substitute: bool = False
    sign_key: str | None = None
    build_on_target: bool = False

    @classmethod
    def of(cls, settings: LabSettings, root: Path) -> CopyOptions:
        """`CopyOptions.of(load_settings(root), root)`."""
        nix = settings.nix
        key = settings_path(root, nix.sign_key) if nix.sign_key else None
        return cls(nix.config, nix.substitute_on_destination, key, nix.build_on == "target")


def store_uri(target: SshTarget, *, signed: bool) -> str:
    """`ssh-ng://deploy@toto?remote-program=sudo%20-n%20--%20nix-daemon` (sudo unless signed copies)."""
    uri = f"ssh-ng://{target.destination}"
    if target.sudo and not signed:
        uri += "?remote-program=" + quote(f"{SUDO} nix-daemon", safe="")
    return uri


def explain_copy_failure(stderr: str, target: SshTarget, options: CopyOptions) -> str:
    """Nix's error, and what fixes it: `explain_copy_failure(proc.stderr, target, options)`."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    tail = " | ".join(lines[-3:]) or "no output"
    if re.search(r"lacks a valid signature|no signature|is not signed", stderr):
        if options.sign_key:
            return (
                f"{tail}: the host does not trust the signing key {options.sign_key}: add its public "
                "key to the host's `trusted-public-keys` (nix.settings.trusted-public-keys)"
            )
        return (
            f"{tail}: the host's Nix does not trust {target.user}: add `trusted-users = {target.user}` "
            "on the host (nix.settings.trusted-users), or name a signing key in elenta.toml "
            "([nix] sign_key) whose public key the host trusts, or let elenta copy through sudo (ssh.sudo)"
        )
    if "sudo:" in stderr:
        refused = f"`{SUDO} nix-daemon --stdio` was refused on the host"
        return f"{tail}: {refused}: {target.user} needs passwordless sudo"
    if re.search(
        r"Permission denied \(publickey|Host key verification failed|Could not resolve|timed out", stderr
    ):
        return f"{tail}: ssh to {target.destination} failed (the same settings as `elenta status` uses)"
    return tail


def _nix(
    argv: list[str], target: SshTarget, options: CopyOptions, timeout: float
) -> subprocess.CompletedProcess[str]:
    words = target.options()
    if any(not word or any(c.isspace() for c in word) for word in words):
        raise CopyError(f"{target.name}: an ssh option has spaces, which Nix cannot pass on: {words}")
    env = nix_environment({"NIX_SSHOPTS": " ".join(words)}, config=options.nix_config)
    try:
        return run_streaming(argv, env=env, label=f"{target.name}: {' '.join(argv[:2])}", timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(
            argv,
            1,
            "",
            f"`{' '.join(argv[:3])}` timed out after {timeout:.0f} s ([timeouts] nix_copy in elenta.toml)",
        )


def copy_command(path: str, target: SshTarget, options: CopyOptions, *, derivation: bool = False) -> list:
    """The `nix copy` argv: `copy_command("/nix/store/…", target, CopyOptions(substitute=True))`.

    Unsigned (`--no-check-sigs`) unless the lab signs its copies; through sudo for a non-root
    user when unsigned; `--substitute-on-destination`, `--derivation` as asked.
    """
    signed = options.sign_key is not None
    argv = ["nix", "copy", *([] if signed else ["--no-check-sigs"])]
    if options.substitute:
        argv.append("--substitute-on-destination")
    if derivation:
        argv.append("--derivation")
    return [*argv, "--to", store_uri(target, signed=signed), path]


def sign_paths(path: str, options: CopyOptions, timeout: float = 600, *, derivation: bool = False) -> None:
    """Sign `path` and its closure with the lab's key: `nix store sign -r -k KEY PATH`."""
    assert options.sign_key
    if not Path(options.sign_key).is_file():
        raise CopyError(f"elenta.toml: nix.sign_key: {options.sign_key} does not exist")
    proc = subprocess.run(
        ["nix", "store", "sign", "-r", *(["--derivation"] * derivation), "-k", options.sign_key, path],
        env=nix_environment(config=options.nix_config),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        why = " | ".join(proc.stderr.strip().splitlines()[-2:])
        raise CopyError(f"nix store sign -k {options.sign_key} {path} failed: {why}")


def copy_closure(
    system: str,
    target: SshTarget,
    timeout: float = 1800,
    *,
    nix_config: str = "",
    options: CopyOptions | None = None,
    derivation: str = "",
) -> None:
    """Copy `system` and its closure to the host: `copy_closure("/nix/store/…", target)`.

    With `derivation` (build on the target), copy that .drv's closure and build it on the host.
    `nix_config`: the lab's extra nix.conf lines when no `options` are given.
    """
    options = options or CopyOptions(nix_config=nix_config)
    path = derivation or system
    if options.sign_key is not None:
        sign_paths(path, options, timeout, derivation=bool(derivation))
    proc = _nix(copy_command(path, target, options, derivation=bool(derivation)), target, options, timeout)
    if proc.returncode != 0:
        raise CopyError(
            f"{target.name}: nix copy of {path} failed: {explain_copy_failure(proc.stderr, target, options)}"
        )
    if derivation:
        build_on_host(target, derivation, system, timeout)


def build_on_host(target: SshTarget, derivation: str, system: str, timeout: float = 3600) -> None:
    """Build a copied derivation on the host (`nix-store --realise`) and check it gives `system`."""
    proc = run_ssh(target, f"nix-store --realise {derivation}", timeout=timeout)
    built = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or system not in built:
        why = " | ".join(proc.stderr.strip().splitlines()[-3:]) or f"it built {built}"
        raise CopyError(f"{target.name}: building {derivation} on the host failed: {why}")


def copy_to_host(state: Any, host: Any, system: str, derivation: str = "") -> None:
    """The pyinfra FunctionCommand body of `nixos.copy_closure` (runs on the deployer)."""
    lab = host.data.get("elenta_lab")
    root = settings_root(Path(lab)) if lab else None
    options = CopyOptions.of(load_settings(root), root) if root else CopyOptions()
    target = SshTarget.from_data(host.data, host.name)
    if options.build_on_target and not derivation:
        built = load_systems(DeploySettings.from_env().systems_file).get(host.name) or {}
        derivation = built.get("drv", "") if built.get("path") == system else ""
    timeout = load_settings(root).timeouts.nix_copy if root else Timeouts().nix_copy
    copy_closure(system, target, timeout, options=options, derivation=derivation)
    note(host.name, "built on the host" if derivation else "copied", system)
