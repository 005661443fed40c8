"""A user's machine as OpenSSH itself would reach it: `ssh -G`, resolved once per host.

`resolve_target("toto.canon", "toto", pins)` asks `ssh -G [-F config] <pins> toto` what the
user's ssh config says (Host aliases, HostName, Port, User, IdentityFile, ProxyJump or
ProxyCommand, UserKnownHostsFile) with the cadaster's pins given as ssh arguments, so the
OpenSSH processes (`ssh`, `nix copy`) and the in-process connections (paramiko, pyinfra) use the
same settings. The user's ssh-agent (`$SSH_AUTH_SOCK`) is offered unless the config says
`IdentityAgent none`.
"""

from __future__ import annotations

import os
import pwd
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from elenta.model.errors import ElentaError
from elenta.pipeline.ssh import SshTarget


class SshConfigError(ElentaError):
    """`ssh -G` refused the user's ssh config or the cadaster's ssh settings."""

    exit_code = 2


@dataclass(frozen=True)
class SshPins:
    """What the cadaster (and the lab's settings) fix for one machine; None defers to the ssh config."""

    destination: str  # an ssh config Host alias, a DNS name or an address
    config: str = ""  # `ssh -F`; "" is the user's own config
    user: str | None = None
    port: int | None = None
    identity_file: str | None = None
    proxy_jump: str | None = None
    known_hosts: str | None = None  # a file holding the cadaster's pinned key for this host
    sudo: bool | None = None  # None: sudo when the user is not root
    pin_hint: str = ""

    def args(self) -> list[str]:
        """The pins as ssh arguments: `["-l", "deploy", "-p", "2222", "-J", "bastion"]`."""
        out: list[str] = []
        if self.user:
            out += ["-l", self.user]
        if self.port:
            out += ["-p", str(self.port)]
        if self.identity_file:
            out += ["-i", self.identity_file]
        if self.proxy_jump:
            out += ["-J", self.proxy_jump]
        return out


def _home() -> str:
    """The home OpenSSH uses (the password database's, not $HOME)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return os.path.expanduser("~")


def expand(value: str, *, hostname: str = "", port: int = 22, user: str = "", alias: str = "") -> str:
    """OpenSSH's `~` and `%` tokens in a path or command: `expand("~/.ssh/id_%r", user="deploy")`."""
    home = _home()
    if value.startswith("~/") or value == "~":
        value = home + value[1:]
    tokens = {"h": hostname, "p": str(port), "r": user, "n": alias, "d": home, "u": _local_user(), "%": "%"}
    out, i = [], 0
    while i < len(value):
        if value[i] == "%" and i + 1 < len(value) and value[i + 1] in tokens:
            out.append(tokens[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _local_user() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get("USER", "root")


def ssh_g(pins: SshPins) -> dict[str, list[str]]:
    """`ssh -G` for the pinned destination: `{"hostname": ["127.0.0.5"], "identityfile": [...], ...}`."""
    argv = ["ssh", "-G", *(["-F", pins.config] if pins.config else []), *pins.args(), pins.destination]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SshConfigError(f"`{shlex.join(argv)}` failed: {proc.stderr.strip()[-300:]}")
    resolved: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        key, _, value = line.partition(" ")
        resolved.setdefault(key.lower(), []).append(value.strip())
    return resolved


def split_hop(hop: str) -> tuple[str, str, str]:
    """`split_hop("jump@127.0.0.9:2200")` -> `("jump", "127.0.0.9", "2200")` (empty when not given)."""
    user, _, hostport = hop.rpartition("@")
    host, port = hostport, ""
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest.removeprefix(":")
    elif hostport.count(":") == 1:
        host, port = hostport.split(":")
    return user, host, port


def resolve_jumps(proxy_jump: str, config: str) -> tuple[dict[str, object], ...]:
    """Each ProxyJump hop as `ssh -G` resolves it (for clients that jump themselves, like pyinfra)."""
    hops = []
    for hop in (h for h in proxy_jump.split(",") if h):
        user, host, port = split_hop(hop)
        pins = SshPins(destination=host, config=config, user=user or None, port=int(port) if port else None)
        got = ssh_g(pins)
        hostname, jport, juser = got["hostname"][0], int(got["port"][0]), got["user"][0]
        fill = {"hostname": hostname, "port": jport, "user": juser, "alias": host}
        files = " ".join(got.get("userknownhostsfile", []) + got.get("globalknownhostsfile", []))
        hops.append(
            {
                "hostname": hostname,
                "port": jport,
                "user": juser,
                "identity_files": [expand(p, **fill) for p in got.get("identityfile", [])],
                "known_hosts": [expand(p, **fill) for p in files.split() if p != "none"],
            }
        )
    return tuple(hops)


def jump_command(proxy_jump: str, hostname: str, port: int, config: str) -> str:
    """The ProxyCommand OpenSSH runs for `ProxyJump`: `ssh [-F c] [-l u] [-p p] [-J a] -W [h]:p last`."""
    hops = [hop for hop in proxy_jump.split(",") if hop]
    user, host, jport = split_hop(hops[-1])
    argv = ["ssh", *(["-F", config] if config else [])]
    argv += ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR"]
    argv += ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
    if user:
        argv += ["-l", user]
    if jport:
        argv += ["-p", jport]
    if len(hops) > 1:
        argv += ["-J", ",".join(hops[:-1])]
    argv += ["-W", f"[{hostname}]:{port}", host]
    return shlex.join(argv)


def resolve_target(name: str, pins: SshPins) -> SshTarget:
    """The target OpenSSH would connect to, with the pins applied: `resolve_target("toto.canon", pins)`."""
    got = ssh_g(pins)

    def one(key: str, default: str = "") -> str:
        return (got.get(key) or [default])[0]

    hostname = one("hostname", pins.destination)
    port = int(one("port", "22"))
    user = one("user", _local_user())
    fill = {"hostname": hostname, "port": port, "user": user, "alias": pins.destination}
    identities = tuple(expand(p, **fill) for p in got.get("identityfile", []))
    if pins.known_hosts:
        known: tuple[str, ...] = (pins.known_hosts,)
    else:
        files = " ".join(got.get("userknownhostsfile", []) + got.get("globalknownhostsfile", []))
        known = tuple(expand(p, **fill) for p in files.split() if p != "none")
    proxy, jumps = "", ()
    if one("proxycommand") and one("proxycommand") != "none":
        proxy = expand(one("proxycommand"), **fill)
    elif one("proxyjump") and one("proxyjump") != "none":
        proxy = jump_command(one("proxyjump"), hostname, port, pins.config)
        jumps = resolve_jumps(one("proxyjump"), pins.config)
    agent = one("identityagent", "SSH_AUTH_SOCK").lower() != "none"
    args = list(pins.args())
    if "-l" not in args:
        args += ["-l", user]  # the same user for every process, even if the config changes meanwhile
    return SshTarget(
        name=name,
        hostname=hostname,
        port=port,
        user=user,
        identity_files=identities,
        known_hosts=known,
        config=pins.config,
        alias=pins.destination,
        args=tuple(args),
        pinned=bool(pins.known_hosts),
        proxy_command=proxy,
        jumps=jumps,
        agent=agent,
        sudo=(user != "root") if pins.sudo is None else pins.sudo,
        pin_hint=pins.pin_hint,
    )


def pyinfra_config(target: SshTarget, folder: Path) -> Path:
    """Write the resolved target as an ssh config pyinfra (paramiko) reads; returns its path.

    pyinfra parses ssh configs itself (no Include, no Match): it gets the result of `ssh -G`
    instead, so it connects exactly as `ssh` does. ProxyJump hops become `elenta-jump-N` hosts
    that pyinfra reaches itself (a ProxyCommand process would block its gevent loop).
    """
    lines = []
    for number, hop in enumerate(target.jumps):
        lines += [f"Host elenta-jump-{number}", *_host_lines(hop, target.agent)]
        if number:
            lines.append(f"  ProxyJump elenta-jump-{number - 1}")
    lines += ["Host * !elenta-jump-*", *_host_lines(target.as_data(), target.agent)]
    if target.jumps:
        lines.append(f"  ProxyJump elenta-jump-{len(target.jumps) - 1}")
    elif target.proxy_command:
        lines.append(f"  ProxyCommand {target.proxy_command.replace('%', '%%')}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{target.name}.pyinfra.conf"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path


def _host_lines(host: dict, agent: bool) -> list[str]:
    lines = [f"  HostName {host['hostname']}", f"  Port {host['port']}", f"  User {host['user']}"]
    lines += [f"  IdentityFile {path}" for path in host["identity_files"] if os.path.exists(path)]
    if host["known_hosts"]:
        lines.append(f"  UserKnownHostsFile {' '.join(host['known_hosts'])}")
    if not agent:
        lines.append("  IdentityAgent none")
    return lines
