"""Check DHCP configurations with the servers' own parsers before any host sees them.

`check_config("kea", {"kea-dhcp4.conf": text}, interfaces=["lan0"])` runs `kea-dhcp4 -t` (and
`kea-dhcp6 -t`) on this machine, inside a private network namespace holding stand-in interfaces of
the served names (Kea refuses a configuration naming an interface the system lacks);
`check_config("dnsmasq", {"dnsmasq.conf": text})` runs `dnsmasq --test`. A refused configuration
raises DhcpConfigError with the parser's words; a missing parser is an error too, since the
promise is that nothing reaches a host unchecked.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from elenta.model.errors import ElentaError

CHECKERS = {
    "kea-dhcp4.conf": ("kea-dhcp4", "kea-dhcp4-server (NixOS: pkgs.kea)"),
    "kea-dhcp6.conf": ("kea-dhcp6", "kea-dhcp6-server (NixOS: pkgs.kea)"),
    "dnsmasq.conf": ("dnsmasq", "dnsmasq-base (NixOS: pkgs.dnsmasq)"),
}


class DhcpConfigError(ElentaError):
    """A DHCP configuration its server refuses (or that cannot be checked here)."""

    exit_code = 2


def check_command(name: str, path: str) -> list[str]:
    """The parser's command line for one file: `check_command("dnsmasq.conf", "/tmp/x")`."""
    binary = CHECKERS[name][0]
    if binary == "dnsmasq":
        return [binary, "--test", f"--conf-file={path}"]
    return [binary, "-t", path]


def _binary(name: str) -> str:
    binary, package = CHECKERS[name]
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")
    if found is None:
        raise DhcpConfigError(
            f"{binary} is not installed on this machine: elenta checks every DHCP configuration with "
            f"its server's parser before any host is touched (install {package})"
        )
    return found


def _in_namespace(command: list[str], interfaces: Iterable[str]) -> list[str]:
    """`command` in a new network namespace holding a stand-in (veth) interface per name (root or not)."""
    steps = [
        f"ip link add {shlex.quote(n)} type veth peer name elenta-peer{i} && ip link set {shlex.quote(n)} up"
        for i, n in enumerate(interfaces)
    ]
    steps.append(shlex.join(command))
    private = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--map-root-user", "--net"]
    return [*private, "sh", "-c", " && ".join(steps)]


def check_config(kind: str, texts: dict[str, str], interfaces: Iterable[str] = (), where: str = "") -> None:
    """Run the server's parser over each file; raise DhcpConfigError naming `where` on a refusal."""
    wanted = list(dict.fromkeys(interfaces))
    with tempfile.TemporaryDirectory(prefix="elenta-dhcp-check-") as folder:
        for name, text in texts.items():
            path = Path(folder) / name
            path.write_text(text)
            command = check_command(name, str(path))
            command[0] = _binary(name)
            if kind == "kea":
                command = _in_namespace(command, wanted)
            env = dict(os.environ, KEA_LOCKFILE_DIR=folder, KEA_PIDFILE_DIR=folder)
            proc = subprocess.run(command, capture_output=True, text=True, check=False, env=env, timeout=60)
            if proc.returncode != 0:
                said = _errors(proc.stdout + proc.stderr)
                raise DhcpConfigError(f"{where or kind}: {name} is refused by {CHECKERS[name][0]}: {said}")


def _errors(output: str) -> str:
    """The lines of a parser's output that say what is wrong (Kea logs a lot around them)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    picked = [line for line in lines if "ERROR" in line or "rror" in line or "bad" in line.lower()]
    return " | ".join(picked or lines[-3:])[:2000]
