"""The deployer's own SSH (OpenSSH), hermetic like pyinfra's: pinned known_hosts, empty config.

`SshTarget.from_data(host.data)` then `run_ssh(target, "true", fresh=True)`. Connections are
multiplexed (ControlMaster, kept 60 s) unless `fresh=True`, which always opens a new one.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SshTarget:
    """Where and how to reach one host."""

    name: str
    hostname: str
    port: int
    user: str
    key: str
    known_hosts: str
    config: str

    @classmethod
    def from_data(cls, data: Any, name: str = "") -> SshTarget:
        """From pyinfra host data or an inventory dict: `SshTarget.from_data(host.data, host.name)`."""
        get = data.get
        return cls(
            name=name or get("ssh_hostname"),
            hostname=get("ssh_hostname"),
            port=int(get("ssh_port") or 22),
            user=get("ssh_user") or "root",
            key=get("ssh_key"),
            known_hosts=get("ssh_known_hosts_file"),
            config=get("ssh_config_file") or "/dev/null",
        )

    def options(self, *, fresh: bool = False) -> list[str]:
        """ssh options (no destination): strict host keys, the lab key, no agent, no user config."""
        opts = [
            "-F",
            self.config,
            "-i",
            self.key,
            "-p",
            str(self.port),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "LogLevel=ERROR",
        ]
        if fresh:
            opts += ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
        else:
            # A changed pin (known_hosts) or key never reuses a connection made under the old one.
            tag = hashlib.sha256(
                f"{self.known_hosts}|{self.key}|{_pins(self.known_hosts)}".encode()
            ).hexdigest()[:10]
            opts += [
                "-o",
                "ControlMaster=auto",
                "-o",
                f"ControlPath=/tmp/elenta-{tag}-%C",
                "-o",
                "ControlPersist=60",
            ]
        return opts

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.hostname}"


def _pins(known_hosts: str) -> str:
    try:
        with open(known_hosts, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return ""


def run_ssh(
    target: SshTarget, command: str, *, fresh: bool = False, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `command` on the host; never raises on a non-zero exit (check `returncode`).

    `run_ssh(target, "readlink /run/current-system", fresh=True).stdout`
    """
    argv = ["ssh", *target.options(fresh=fresh), target.destination, command]
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 255, "", f"ssh timed out after {timeout} s")
