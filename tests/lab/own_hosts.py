"""Machines `elenta lab up` did not start: a user's own hosts, as a test sets them up by hand.

`OwnHosts.start(folder)` starts, on loopback addresses 127.0.0.x with free ports:
  - `bastion`: an sshd for root, logging the connections it forwards (LogLevel DEBUG1);
  - `alpha`:   a stand-in NixOS host reached as root, only through the bastion (ProxyJump);
  - `beta`:    the same reached as `deploy`, a non-root user with passwordless sudo (root may
               not log in there at all).
Each is an sshd in its own mount namespace (the lab's machinery: own /nix, /run, overlays over
/etc …), but nothing of the lab's keys or known_hosts: the deployer's key lives only in an
ssh-agent the fixture starts (`agent_env`), the hosts' keys in a known_hosts file of the user's
(`known_hosts`), the Host aliases in an ssh config the test writes (`ssh_config`).
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from elenta.lab.hosts import (
    HostRecord,
    _namespace_script,
    _sshd_config,
    _wait_listening,
    ensure_mount_points,
    free_port,
    stop_host,
)
from elenta.lab.keys import ensure_host_key, host_public_key, known_hosts_entry

DEPLOY_USER = """\
echo "127.0.0.1 $(hostname)" >> /etc/hosts
echo 'deploy:x:4242:4242:deployer:/home/deploy:/bin/sh' >> /etc/passwd
echo 'deploy:x:4242:' >> /etc/group
echo 'deploy:*:19000:0:99999:7:::' >> /etc/shadow
mkdir -p /home/deploy && chown deploy:deploy /home/deploy
mkdir -p /etc/sudoers.d
printf 'Defaults !secure_path\\ndeploy ALL=(ALL:ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/elenta-deploy
chmod 0440 /etc/sudoers.d/elenta-deploy
"""


@dataclass
class OwnHost:
    """One hand-made host: its alias in the user's ssh config, address, port and process."""

    alias: str
    address: str
    port: int
    user: str
    folder: Path
    record: HostRecord | None = None

    @property
    def log(self) -> Path:
        """sshd's own log (stderr)."""
        return self.folder / "sshd.log"

    def public_key(self) -> str:
        """`ssh-ed25519 AAAA…` of the host."""
        return host_public_key(self.folder)


@dataclass
class OwnHosts:
    """The hand-made hosts, the agent and the user's ssh files (see the module docstring)."""

    root: Path
    hosts: dict[str, OwnHost] = field(default_factory=dict)
    agent_env: dict[str, str] = field(default_factory=dict)
    agent_pid: int = 0

    @property
    def ssh_config(self) -> Path:
        """The user's ssh config (Host aliases, ProxyJump through the bastion)."""
        return self.root / "ssh_config"

    @property
    def known_hosts(self) -> Path:
        """The user's known_hosts, as after a first `ssh` to each host."""
        return self.root / "known_hosts"

    @classmethod
    def start(cls, root: Path) -> OwnHosts:
        """Start the agent, the bastion and both targets; write the user's ssh files."""
        ensure_mount_points()
        own = cls(root)
        try:
            own._start_agent()
            base = random.randint(20, 200)
            specs = [("bastion", "root"), ("alpha", "root"), ("beta", "deploy")]
            for offset, (alias, user) in enumerate(specs):
                address = f"127.0.0.{base + offset}"
                folder = root / "hosts" / alias
                folder.mkdir(parents=True)
                own.hosts[alias] = OwnHost(alias, address, free_port(address), user, folder)
            for host in own.hosts.values():
                own._start_host(host)
            own.write_known_hosts()
            own.write_ssh_config()
        except BaseException:
            own.stop()
            raise
        return own

    def _start_agent(self) -> None:
        sock = self.root / "agent.sock"
        out = subprocess.run(["ssh-agent", "-a", str(sock)], capture_output=True, text=True, check=True)
        self.agent_pid = int(out.stdout.split("SSH_AGENT_PID=")[1].split(";")[0])
        self.agent_env = {"SSH_AUTH_SOCK": str(sock)}
        key = self.root / "id_deployer"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        subprocess.run(["ssh-add", "-q", str(key)], env={**os.environ, **self.agent_env}, check=True)
        key.unlink()  # the private key now lives only in the agent

    def _start_host(self, host: OwnHost) -> None:
        h = host.folder
        ensure_host_key(h)
        (h / "authorized_keys").write_text((self.root / "id_deployer.pub").read_text())
        extra = ["LogLevel DEBUG1"] if host.alias == "bastion" else []
        if host.user != "root":
            extra += ["PermitRootLogin no", f"AllowUsers {host.user}"]
        # sshd keeps the first value of a keyword: these come before the lab's defaults.
        (h / "sshd_config").write_text("\n".join(extra) + "\n" + _sshd_config(host.address, host.port))
        script = _namespace_script(h, host.alias)
        if host.user != "root":
            head, _, tail = script.rpartition("exec /usr/sbin/sshd")
            script = head + DEPLOY_USER + "exec /usr/sbin/sshd" + tail
        with open(host.log, "wb") as log:
            proc = subprocess.Popen(
                ["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c", script],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        _wait_listening(host.address, host.port, proc, host.log, host.alias)
        host.record = HostRecord(
            host.alias, host.address, host.port, proc.pid, os.readlink(f"/proc/{proc.pid}/ns/mnt")
        )

    def write_known_hosts(self, override: dict[str, str] | None = None) -> None:
        """The user's known_hosts: every host's key (or `override[alias]` instead)."""
        keys = {alias: (override or {}).get(alias) or h.public_key() for alias, h in self.hosts.items()}
        lines = [known_hosts_entry(h.address, h.port, keys[a]) for a, h in self.hosts.items()]
        self.known_hosts.write_text("".join(line + "\n" for line in lines))

    def write_ssh_config(self) -> None:
        """Host aliases for the three hosts; the targets through `ProxyJump bastion`."""
        lines = []
        for alias, host in self.hosts.items():
            lines += [
                f"Host {alias}",
                f"  HostName {host.address}",
                f"  Port {host.port}",
                f"  User {host.user}",
            ]
            if alias != "bastion":
                lines.append("  ProxyJump bastion")
            lines += [f"  UserKnownHostsFile {self.known_hosts}", ""]
        self.ssh_config.write_text("\n".join(lines))

    def forwarded_to(self, alias: str) -> int:
        """How many connections the bastion forwarded to a target (from its DEBUG1 log)."""
        host = self.hosts[alias]
        text = self.hosts["bastion"].log.read_text(errors="replace")
        return text.count(f"target {host.address} port {host.port}")

    def stop(self) -> None:
        """Stop every host (and what runs in its namespace) and the agent."""
        for host in self.hosts.values():
            if host.record is not None:
                stop_host(host.record)
        if self.agent_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.agent_pid, 15)
