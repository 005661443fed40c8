"""The deployer's own SSH, hermetic like pyinfra's: pinned known_hosts, strict, empty config.

`SshTarget.from_data(host.data)` then `run_ssh(target, "true")` (an OpenSSH process), or
`run_paramiko(target, "true")` (in process, as pyinfra connects: about a tenth of the client CPU
of an `ssh` process, which is what lets fact reads on many hosts at once beat a parallel `ssh`
loop). Every call opens a new connection: the confirmation after an activation must prove that
a NEW connection still works.
"""

from __future__ import annotations

import os
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

    def options(self) -> list[str]:
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
            "-o",
            "ControlMaster=no",
            "-o",
            "ControlPath=none",
        ]
        return opts

    @property
    def destination(self) -> str:
        """`root@127.0.1.2`: what ssh connects to."""
        return f"{self.user}@{self.hostname}"


def run_ssh(target: SshTarget, command: str, *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `command` on the host; never raises on a non-zero exit (check `returncode`).

    `run_ssh(target, "readlink /run/current-system").stdout`
    """
    argv = ["ssh", *target.options(), target.destination, command]
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 255, "", f"ssh timed out after {timeout} s")


def run_paramiko(target: SshTarget, command: str, *, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run `command` over a new in-process SSH connection (paramiko); never raises on failure.

    Host keys must match `target.known_hosts` (unknown or changed keys are refused).
    `run_paramiko(target, "hostname").stdout`
    """
    import paramiko

    argv = ["paramiko", target.destination, command]
    client = paramiko.SSHClient()
    if not os.path.exists(target.known_hosts):
        why = f"no known_hosts file {target.known_hosts}: start the lab (`elenta lab up`) or pin ssh.host_key"
        return subprocess.CompletedProcess(argv, 255, "", why)
    try:
        client.load_host_keys(target.known_hosts)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            target.hostname,
            port=target.port,
            username=target.user,
            key_filename=target.key,
            allow_agent=False,
            look_for_keys=False,
            timeout=min(timeout, 10),
            banner_timeout=timeout,
            auth_timeout=timeout,
        )
        _, stdout, stderr = client.exec_command(command, timeout=timeout)
        out = stdout.read().decode(errors="replace")
        err = stderr.read().decode(errors="replace")
        return subprocess.CompletedProcess(argv, stdout.channel.recv_exit_status(), out, err)
    except paramiko.BadHostKeyException as exc:
        return subprocess.CompletedProcess(argv, 255, "", f"Host key verification failed: {exc}")
    except paramiko.SSHException as exc:
        text = str(exc)
        if "known_hosts" in text:
            text = f"Host key verification failed: {text}"
        return subprocess.CompletedProcess(argv, 255, "", text)
    except (TimeoutError, OSError) as exc:
        return subprocess.CompletedProcess(
            argv, 255, "", f"cannot connect to {target.hostname}:{target.port}: {exc}"
        )
    finally:
        client.close()
