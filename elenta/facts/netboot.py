"""Netboot facts: a live machine's interface MACs, and a remote netboot store's state per MAC."""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Iterable
from typing import Any

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


def store_state_command(store: str, mac_folder: str) -> str:
    """Shell that reports one MAC folder of a store: `current <gen>`, `script-link`, `generation <g>`."""
    d = shlex.quote(posixpath.join(store, mac_folder))
    return (
        f'd={d}; if [ -d "$d" ]; then '
        'printf "current %s\\n" "$(readlink "$d/current" 2>/dev/null)"; '
        '[ -L "$d/boot.ipxe" ] && echo script-link; '
        'for m in "$d"/generations/*/meta.json; do [ -e "$m" ] || continue; '
        'g=${m%/meta.json}; printf "generation %s\\n" "${g##*/}"; done; fi; true'
    )


def parse_store_state(lines: Iterable[str]) -> dict[str, Any]:
    """`parse_store_state(["current generations/ab", "script-link", "generation ab"])` ->
    `{"current": "ab", "script_link": True, "generations": ["ab"]}`."""
    state: dict[str, Any] = {"current": None, "script_link": False, "generations": []}
    for line in lines:
        word, _, rest = line.strip().partition(" ")
        if word == "current" and rest.strip():
            state["current"] = posixpath.basename(rest.strip())
        elif word == "script-link":
            state["script_link"] = True
        elif word == "generation" and rest.strip():
            state["generations"].append(rest.strip())
    state["generations"].sort()
    return state


class NetbootStoreState(FactBase):
    """One MAC's part of a netboot store on the host:
    `host.get_fact(NetbootStoreState, store="/srv/netboot", mac_folder="52-54-00-00-01-05")`."""

    def command(self, store: str, mac_folder: str) -> str:
        return store_state_command(store, mac_folder)

    @staticmethod
    def default() -> dict[str, Any]:
        return parse_store_state([])

    def process(self, output: Iterable[str]) -> dict[str, Any]:
        return parse_store_state(output)
