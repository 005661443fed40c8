"""The DNS subsystem's part of a NixOS machine's module: Knot serving every zone of the lab.

`knot_options(lab, "toto")` -> `[Contribution(<the machine's roles>, {"services": {"knot": …},
"systemd": {…}})]` on a machine whose roles set `dns = true`, `[]` elsewhere. The zone files
themselves are installed by elenta's DNS deploy under `/var/lib/elenta-dns/zones` (the fast path
for a zone-only change: installed and reloaded directly, no rebuild).
"""

from __future__ import annotations

from typing import Any

from elenta.compile.machines import machine_sources
from elenta.compile.memo import once_per_lab
from elenta.compile.merge import Contribution, Source
from elenta.dns.knot import DEFAULT_DIR, layout
from elenta.dns.render import dns_hosts, server_addresses, zone_names
from elenta.model.lab import Lab

# Where elenta's DNS deploy installs zone files (the fast path for a zone-only change).
ZONE_DIR = layout()["zones"]
KNOT_STATE = DEFAULT_DIR


def _served(lab: Lab) -> tuple[frozenset[str], tuple[str, ...]]:
    """The DNS machines and the lab's zones, computed once per lab (not once per machine)."""

    def compute() -> tuple[frozenset[str], tuple[str, ...]]:
        hosts = frozenset(dns_hosts(lab))
        return hosts, tuple(zone_names(lab)) if hosts else ()

    return once_per_lab(lab, "dns:served", compute)


def knot_settings(lab: Lab, machine: str, zones: tuple[str, ...]) -> dict[str, Any]:
    """`services.knot` and the systemd parts it needs: `knot_settings(lab, "toto", ("canon",))`.

    NixOS starts knotd with `--socket=/run/knot/knot.sock`; a link at elenta's socket path lets
    `elenta dns apply` find this Knot running and reload it instead of starting its own.
    """
    paths = layout()
    knot = {
        "enable": True,
        "settings": {
            "server": {"listen": [f"{ip}@53" for ip in server_addresses(lab, machine)]},
            "database": {"storage": paths["db"]},
            "template": {
                "default": {
                    "storage": ZONE_DIR,
                    "file": "%s.zone",
                    "semantic-checks": True,
                    "zonefile-sync": "-1",
                    "zonefile-load": "whole",
                    "journal-content": "none",
                }
            },
            "zone": {f"{zone}.": {"template": "default"} for zone in zones},
        },
    }
    systemd = {
        "services": {"knot": {"serviceConfig": {"ReadWritePaths": [paths["db"]]}}},
        "tmpfiles": {
            "rules": [
                f"d {KNOT_STATE} 0755 root root -",
                f"d {paths['zones']} 0755 root root -",
                f"d {paths['run']} 0755 root root -",
                f"L+ {paths['socket']} - - - - /run/knot/knot.sock",
                f"d {paths['db']} 0750 knot knot -",
            ]
        },
    }
    return {"services": {"knot": knot}, "systemd": systemd}


def knot_options(lab: Lab, machine: str) -> list[Contribution]:
    """Knot on a DNS machine, as a part of its NixOS module (nothing on the others)."""
    hosts, zones = _served(lab)
    if machine not in hosts:
        return []
    _, placed = machine_sources(lab, machine)
    where = Source(placed.file, (*placed.key, "roles"), "servers of the machine's roles")
    return [Contribution(where, knot_settings(lab, machine, zones))]


def dns_servers(lab: Lab) -> dict[str, list[str]]:
    """The fact `dns_servers`: each DNS machine's listening addresses, in cadaster order.

    `dns_servers(lab) == {"toto": ["127.0.1.53"]}` (DHCP hands them out to its clients).
    """
    return {machine: server_addresses(lab, machine) for machine in dns_hosts(lab)}
