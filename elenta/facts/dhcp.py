"""What a DHCP server host has and runs: `host.get_fact(DhcpServer)`, `host.get_fact(DhcpLeases, …)`."""

from __future__ import annotations

import shlex
from typing import Any

from pyinfra.api import FactBase

BINARIES = ("kea-dhcp4", "kea-dhcp6", "dnsmasq")


class DhcpServer(FactBase[dict[str, Any]]):
    """Which DHCP servers are installed and running, and whether systemd manages services.

    `host.get_fact(DhcpServer)` -> `{"installed": ["kea-dhcp4"], "running": {"kea-dhcp4": [812]},
    "systemd": True}`
    """

    def command(self) -> str:
        names = " ".join(BINARIES)
        return (
            f"for b in {names}; do "
            'if command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ]; then echo "installed $b"; fi; '
            'pids=$(pidof "$b" 2>/dev/null) && echo "running $b $pids"; done; '
            "if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; "
            "then echo systemd; fi; true"
        )

    @staticmethod
    def default() -> dict[str, Any]:
        return {"installed": [], "running": {}, "systemd": False}

    def process(self, output: list[str]) -> dict[str, Any]:
        out = self.default()
        for line in output:
            words = line.split()
            if words[:1] == ["installed"] and len(words) == 2:
                out["installed"].append(words[1])
            elif words[:1] == ["running"] and len(words) >= 3:
                out["running"][words[1]] = [int(w) for w in words[2:] if w.isdigit()]
            elif words == ["systemd"]:
                out["systemd"] = True
        return out


class DhcpLeases(FactBase[list[str]]):
    """The lines of a lease file (Kea's CSV or dnsmasq's), empty when there is none.

    `host.get_fact(DhcpLeases, path="/var/lib/kea/kea-leases4.csv")`
    """

    def command(self, path: str) -> str:
        p = shlex.quote(path)
        return f"if [ -f {p} ]; then cat {p}; fi; true"

    @staticmethod
    def default() -> list[str]:
        return []

    def process(self, output: list[str]) -> list[str]:
        return [line for line in output if line.strip()]
