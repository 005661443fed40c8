"""Network namespaces the tests create and delete: one server namespace, clients joined by veth.

`with Segment("dhcp") as seg:` creates `el-net-<pid>-<n>-s` (the "server side": a bridge `br0`
holding one veth end per member) and gives `seg.member("srv", "lan0", mac, "192.0.2.1/24")`, a
namespace `el-net-<pid>-<n>-srv` whose interface `lan0` sits on that bridge. Every address lives
inside these namespaces (documentation prefixes 192.0.2.0/24, 2001:db8::/32) and everything is
deleted on exit, processes started with `seg.run_in(...)`/`seg.start_in(...)` included.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

_COUNTER = itertools.count()
PREFIX = "el-net"


def netns_unavailable() -> str | None:
    """Why namespaces cannot be made here (not root, no `ip`), or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    probe = f"{PREFIX}-probe-{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], check=False)
    return None


def ip(*args: str) -> None:
    """Run `ip ARGS`, raising with its message on failure."""
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {proc.stderr.strip()}")


class Segment:
    """One layer-2 segment (a bridge in its own namespace) and the member namespaces on it."""

    def __init__(self, tag: str) -> None:
        number = next(_COUNTER)
        self.base = f"{PREFIX}-{os.getpid() % 100000}-{number}"
        self.short = f"eln{os.getpid() % 100000}{number}"  # veth names: at most 15 characters
        self.tag = tag
        self.hub = f"{self.base}-s"
        self.namespaces: list[str] = []
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Segment:
        reason = netns_unavailable()
        if reason:
            pytest.skip(reason)
        ip("netns", "add", self.hub)
        self.namespaces.append(self.hub)
        ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        ip("-n", self.hub, "link", "set", "br0", "up")
        return self

    def member(self, name: str, interface: str, mac: str, *addresses: str) -> str:
        """A namespace on the segment with `interface` (MAC `mac`, given addresses, up); its name."""
        ns = f"{self.base}-{name}"
        ip("netns", "add", ns)
        self.namespaces.append(ns)
        index = len(self.namespaces)
        outer, inner = f"{self.short}h{index}", f"{self.short}m{index}"
        ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        ip("link", "set", outer, "netns", self.hub)
        ip("link", "set", inner, "netns", ns)
        ip("-n", self.hub, "link", "set", outer, "master", "br0")
        ip("-n", self.hub, "link", "set", outer, "up")
        ip("-n", ns, "link", "set", inner, "name", interface)
        ip("-n", ns, "link", "set", interface, "address", mac)
        # No duplicate address detection: link-local addresses are usable at once (DHCPv6).
        subprocess.run(
            ["ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{interface}.accept_dad=0"],
            check=False,
        )
        for address in addresses:
            ip("-n", ns, "addr", "add", address, "dev", interface, *(["nodad"] if ":" in address else []))
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "link", "set", interface, "up")
        return ns

    def run_in(self, ns: str, *command: str, timeout: float = 30, **kwargs) -> subprocess.CompletedProcess:
        """Run a command inside a member namespace and wait for it."""
        return subprocess.run(
            ["ip", "netns", "exec", ns, *command],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            **kwargs,
        )

    def start_in(
        self, ns: str, *command: str, log: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """Start a long-running command inside a member namespace (stopped on exit)."""
        handle = log.open("w")
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, *command], stdout=handle, stderr=subprocess.STDOUT, env=env
        )
        self.processes.append(proc)
        return proc

    def __exit__(self, *exc: object) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for ns in reversed(self.namespaces):
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=False)
            for pid in pids.stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), 9)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def wait_for(predicate, timeout: float = 10, step: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    """Poll `predicate()` until it is true or `timeout` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
