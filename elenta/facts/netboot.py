"""What a live netbooting machine tells about itself: the MAC of each network interface."""

from __future__ import annotations

from collections.abc import Iterable

from pyinfra.api import FactBase

# One line per interface: "<name> <mac> <operstate>"; interfaces without a MAC print none.
MACS_COMMAND = (
    "for d in /sys/class/net/*; do "
    'a=$(cat "$d/address" 2>/dev/null) && [ -n "$a" ] && '
    'printf "%s %s %s\\n" "${d##*/}" "$a" "$(cat "$d/operstate" 2>/dev/null)"; '
    "done; true"
)
_NO_MAC = {"00:00:00:00:00:00", ""}


def parse_interface_macs(lines: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """Interfaces with a MAC, and whether each is up.

    `parse_interface_macs(["lo 00:00:00:00:00:00 unknown", "eth0 52:54:00:00:01:05 up"])`
    -> `{"eth0": ("52:54:00:00:01:05", True)}`.
    """
    out: dict[str, tuple[str, bool]] = {}
    for line in lines:
        parts = line.split()
        if len(parts) in (2, 3) and parts[1].lower() not in _NO_MAC and parts[1].count(":") == 5:
            out[parts[0]] = (parts[1].lower(), len(parts) == 3 and parts[2] == "up")
    return out


class InterfaceMacs(FactBase):
    """`host.get_fact(InterfaceMacs)` -> `{"eth0": ("52:54:00:00:01:05", True)}` (no loopback)."""

    def command(self) -> str:
        return MACS_COMMAND

    def process(self, output: Iterable[str]) -> dict[str, tuple[str, bool]]:
        return parse_interface_macs(output)
