"""What a live netbooting machine tells about itself: the MAC of each network interface."""

from __future__ import annotations

from collections.abc import Iterable

from pyinfra.api import FactBase

# One line per interface: "<name> <mac>"; interfaces without a MAC (sit, wireguard) print none.
MACS_COMMAND = (
    "for d in /sys/class/net/*; do "
    'a=$(cat "$d/address" 2>/dev/null) && [ -n "$a" ] && printf "%s %s\\n" "${d##*/}" "$a"; '
    "done; true"
)
_NO_MAC = {"00:00:00:00:00:00", ""}


def parse_interface_macs(lines: Iterable[str]) -> dict[str, str]:
    """`parse_interface_macs(["lo 00:00:00:00:00:00", "eth0 52:54:00:00:01:05"])` -> `{"eth0": "52:54:…"}`."""
    out: dict[str, str] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[1].lower() not in _NO_MAC and parts[1].count(":") == 5:
            out[parts[0]] = parts[1].lower()
    return out


class InterfaceMacs(FactBase):
    """`host.get_fact(InterfaceMacs)` -> `{"eth0": "52:54:00:00:01:05"}` (loopback left out)."""

    def command(self) -> str:
        return MACS_COMMAND

    def process(self, output: Iterable[str]) -> dict[str, str]:
        return parse_interface_macs(output)
