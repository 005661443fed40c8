"""The deployer's own SSH: one resolved target per host, the same for OpenSSH and in-process clients.

A target is either a lab host (`elenta lab up`: the lab key, the lab's pinned known_hosts, an
empty ssh config, root) or a machine of the user's (`elenta.pipeline.ssh_resolve`: their ssh config
with its Host aliases, ProxyJump and per-host options, their agent and keys, their known_hosts,
plus what the cadaster pins). Either way host keys are checked strictly, and a non-root user runs
every command through `sudo` (`remote_command`).

`run_ssh(target, "true")` runs an OpenSSH process; `run_paramiko(target, "true")` connects in
process (about a tenth of the client CPU of an `ssh` process, which is what lets fact reads on
many hosts at once beat a parallel `ssh` loop). Every call opens a new connection: the
confirmation after an activation must prove that a NEW connection still works.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import asdict, dataclass
from typing import Any

SUDO = "sudo -n --"


@dataclass(frozen=True)
class SshTarget:
    """Where and how to reach one host, resolved once (see the module docstring)."""

    name: str
    hostname: str  # what is connected to, after the ssh config's HostName
    port: int
    user: str
    identity_files: tuple[str, ...] = ()
    known_hosts: tuple[str, ...] = ()  # every file whose keys are trusted for this host
    config: str = "/dev/null"  # `ssh -F`; "" is the user's own (~/.ssh/config, /etc/ssh/ssh_config)
    alias: str = ""  # the destination given to ssh (a Host alias); "" is `hostname`
    args: tuple[str, ...] = ()  # what the cadaster pins, as ssh arguments (-p, -l, -i, -J)
    pinned: bool = True  # known_hosts replaces the user's files (lab hosts, cadaster `host_key`)
    proxy_command: str = ""  # for in-process connections: how OpenSSH would reach the host
    jumps: tuple[dict[str, Any], ...] = ()  # ProxyJump hops as resolved (hostname, port, user, keys…)
    agent: bool = False  # offer the keys of the ssh-agent at $SSH_AUTH_SOCK
    sudo: bool = False  # run commands through `sudo -n` (a non-root user)
    pin_hint: str = ""  # where to pin this host's key: "cadaster.toml [machines.toto] ssh"

    @classmethod
    def lab(cls, name: str, hostname: str, port: int, key: str, known_hosts: str, config: str) -> SshTarget:
        """A lab host as root: `SshTarget.lab("toto", "127.0.1.2", 2201, key, known_hosts, config)`."""
        return cls(
            name=name,
            hostname=hostname,
            port=port,
            user="root",
            identity_files=(key,),
            known_hosts=(known_hosts,),
            config=config,
            args=("-i", key, "-o", "IdentitiesOnly=yes", "-p", str(port)),
        )

    @classmethod
    def from_data(cls, data: Any, name: str = "") -> SshTarget:
        """From pyinfra host data or an inventory dict: `SshTarget.from_data(host.data, host.name)`."""
        raw = dict(data.get("elenta_ssh") or {})
        if not raw:  # plain pyinfra data (a lab host written by hand)
            return cls.lab(
                name or data.get("ssh_hostname"),
                data.get("ssh_hostname"),
                int(data.get("ssh_port") or 22),
                data.get("ssh_key"),
                data.get("ssh_known_hosts_file"),
                data.get("ssh_config_file") or "/dev/null",
            )
        for key in ("identity_files", "known_hosts", "args", "jumps"):
            raw[key] = tuple(raw.get(key) or ())
        raw["name"] = name or raw.get("name") or raw["hostname"]
        return cls(**raw)

    def as_data(self) -> dict[str, Any]:
        """The target as plain data (`host.data.elenta_ssh`), read back by `from_data`."""
        return asdict(self)

    def options(self) -> list[str]:
        """ssh options (no destination): the config, the cadaster's pins, strict host keys, batch mode.

        Every word is free of spaces (Nix splits `NIX_SSHOPTS` on whitespace).
        """
        opts = ["-F", self.config] if self.config else []
        opts += list(self.args)
        opts += ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
        if self.pinned:
            opts += [
                "-o",
                f"UserKnownHostsFile={self.known_hosts[0]}",
                "-o",
                "GlobalKnownHostsFile=/dev/null",
            ]
        opts += ["-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"]
        # Never reuse a multiplexed connection: a confirmation must prove a NEW one works.
        opts += ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
        return opts

    @property
    def destination(self) -> str:
        """`root@127.0.1.2` or `deploy@toto-alias`: what ssh (and `ssh-ng://`) connects to."""
        return f"{self.user}@{self.alias or self.hostname}"

    @property
    def address(self) -> str:
        """`[127.0.1.2]:2201` or `127.0.1.2`: how known_hosts names this host."""
        return self.hostname if self.port == 22 else f"[{self.hostname}]:{self.port}"


def remote_command(target: SshTarget, command: str) -> str:
    """The command as the host runs it: through `sudo -n` for a non-root user.

    `remote_command(target, "nix-env -p /nix/var/nix/profiles/system --list-generations")`
    """
    if not target.sudo:
        return command
    return f"{SUDO} sh -c {shlex.quote(command)}"


def ssh_argv(target: SshTarget, command: str) -> list[str]:
    """The OpenSSH argv running `command` on the host (through sudo when the target needs it)."""
    return ["ssh", *target.options(), target.destination, remote_command(target, command)]


def run_ssh(target: SshTarget, command: str, *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `command` on the host; never raises on a non-zero exit (check `returncode`).

    `run_ssh(target, "readlink /run/current-system").stdout`
    """
    argv = ssh_argv(target, command)
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 255, "", f"ssh timed out after {timeout} s")


def run_paramiko(target: SshTarget, command: str, *, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run `command` over a new in-process SSH connection (paramiko); never raises on failure.

    Host keys must match `target.known_hosts` (an unknown or changed key is refused, and the
    message gives the line that pins the key the host offered). `run_paramiko(target, "hostname").stdout`
    """
    from elenta.pipeline.ssh_client import connect

    client, error = connect(target, timeout)
    return run_on_client(target, client, error, command, timeout=timeout)


def run_on_client(
    target: SshTarget, client: Any, error: str, command: str, *, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """Run `command` on a connection `connect` opened (or report its `error`), then close it.

    `run_on_client(target, *connect(target), "hostname")`; never raises.
    """
    argv = ["paramiko", target.destination, command]
    if client is None:
        return subprocess.CompletedProcess(argv, 255, "", error)
    try:
        _, stdout, stderr = client.exec_command(remote_command(target, command), timeout=timeout)
        out = stdout.read().decode(errors="replace")
        err = stderr.read().decode(errors="replace")
        return subprocess.CompletedProcess(argv, stdout.channel.recv_exit_status(), out, err)
    except (TimeoutError, OSError, EOFError) as exc:
        return subprocess.CompletedProcess(argv, 255, "", f"{target.name}: connection lost: {exc}")
    except Exception as exc:  # paramiko.SSHException and friends: reported, never raised
        return subprocess.CompletedProcess(argv, 255, "", f"{target.name}: {type(exc).__name__}: {exc}")
    finally:
        client.close()
