"""Asking a live machine over SSH for the MAC it boots from (`build-image --introspect`)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from elenta.facts.netboot import MACS_COMMAND, parse_interface_macs
from elenta.netboot.errors import NetbootError, NetbootUnreachable


@dataclass(frozen=True)
class SshTarget:
    """Where and how to reach a machine: `SshTarget("127.0.1.5", port=2222, key=Path("id"))`."""

    address: str
    port: int = 22
    user: str = "root"
    key: Path | None = None
    known_hosts: Path | None = None

    def argv(self, command: str) -> list[str]:
        """The `ssh` argv running `command` (batch mode: never prompts)."""
        argv = ["ssh", "-p", str(self.port), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
        if self.key:
            argv += ["-i", str(self.key), "-o", "IdentitiesOnly=yes"]
        if self.known_hosts:
            argv += ["-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=accept-new"]
        return [*argv, f"{self.user}@{self.address}", command]


def choose_mac(macs: dict[str, tuple[str, bool]], interface: str | None, where: str) -> str:
    """The MAC to boot by: the cadaster's interface if the machine has it, else its only link up.

    `choose_mac({"eth0": ("52:54:00:00:01:05", True)}, "eth0", "hermes")` -> `"52:54:00:00:01:05"`.
    """
    if interface and interface in macs:
        return macs[interface][0]
    up = [mac for mac, is_up in macs.values() if is_up]
    if len(up) == 1:
        return up[0]
    if len(macs) == 1:
        return next(iter(macs.values()))[0]
    listed = ", ".join(f"{k}={v[0]}{'' if v[1] else ' (down)'}" for k, v in sorted(macs.items())) or "none"
    raise NetbootError(
        f"{where}: cannot tell which interface boots: the cadaster names {interface or 'none'}, "
        f"the machine has {listed}"
    )


def introspect_mac(target: SshTarget, interface: str | None, where: str) -> str:
    """Ask the live machine for its interfaces' MACs and pick the booting one.

    `introspect_mac(SshTarget("127.0.1.5", 2222), "eth0", "hermes.canon")`.
    """
    try:
        proc = subprocess.run(
            target.argv(MACS_COMMAND), capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        raise NetbootUnreachable(f"{where}: no answer over SSH from {target.address}:{target.port}") from None
    if proc.returncode != 0:
        raise NetbootUnreachable(
            f"{where}: SSH to {target.user}@{target.address}:{target.port} failed "
            f"(exit {proc.returncode}): {proc.stderr.strip()[-300:]}"
        )
    return choose_mac(parse_interface_macs(proc.stdout.splitlines()), interface, where)
