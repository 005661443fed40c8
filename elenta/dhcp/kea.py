"""Kea configurations (`kea-dhcp4.conf`, `kea-dhcp6.conf`) from a DHCP server's scopes (pure).

`kea4_config(server)` is the dict `kea-dhcp4 -t` accepts; `kea_texts(server)` the files, as
canonical JSON. Reservations are global per subnet (`reservations` in each subnet, matched by
`hw-address`); without a `range` a subnet has no pool, so an unknown client gets no lease.
Netbooting reservations join the class `elenta-netboot`; the classes `elenta-ipxe` (iPXE's
user class, option 77), `elenta-efi` (option 93 = 7 or 9) and `elenta-bios` give them the
store's HTTP script, `ipxe.efi` or `undionly.kpxe`, and the store host as `next-server`.
"""

from __future__ import annotations

import json
from typing import Any

from elenta.dhcp.scopes import EFI_ARCHES, Scope, Server

# Where the server keeps its leases and control socket on a Debian/NixOS host; a deploy may
# override them (host data `elenta_dhcp_lease_dir`), the tests use their own folder.
LEASE_DIR = "/var/lib/kea"
SOCKET_DIR = "/run/kea"
NETBOOT_CLASS = "elenta-netboot"


def _subnet_id(scope: Scope, index: int) -> int:
    # Stable per network order; Kea needs ids > 0 and keeps leases by subnet id.
    return index + 1


def _options4(scope: Scope) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = []
    if scope.router is not None:
        options.append({"name": "routers", "data": str(scope.router)})
    if scope.dns4:
        options.append({"name": "domain-name-servers", "data": ", ".join(str(ip) for ip in scope.dns4)})
    options.append({"name": "domain-name", "data": scope.domain})
    if scope.search:
        options.append({"name": "domain-search", "data": ", ".join(scope.search)})
    return options


def _netboot_classes(scopes: tuple[Scope, ...]) -> list[dict[str, Any]]:
    boot = next((s.boot for s in scopes if s.boot is not None), None)
    if boot is None:
        return []
    not_ipxe = "not substring(option[77].hex, 0, 4) == 'iPXE'"
    arches = " or ".join(f"option[93].hex == 0x{arch:04x}" for arch in EFI_ARCHES)
    member = f"member('{NETBOOT_CLASS}')"
    common = {"next-server": str(boot.next_server)}
    return [
        {"name": NETBOOT_CLASS},
        {
            "name": "elenta-ipxe",
            "test": f"{member} and substring(option[77].hex, 0, 4) == 'iPXE'",
            "boot-file-name": boot.http_script,
            **common,
        },
        {
            "name": "elenta-efi",
            "test": f"{member} and {not_ipxe} and ({arches})",
            "boot-file-name": boot.efi_file,
            **common,
        },
        {
            "name": "elenta-bios",
            "test": f"{member} and {not_ipxe} and option[93].hex == 0x0000",
            "boot-file-name": boot.bios_file,
            **common,
        },
    ]


def _subnet4(scope: Scope, index: int) -> dict[str, Any]:
    reservations = []
    for r in scope.reservations:
        entry: dict[str, Any] = {"hw-address": r.mac, "ip-address": str(r.ip), "hostname": r.hostname}
        if r.netboot and scope.boot is not None:
            entry["client-classes"] = [NETBOOT_CLASS]
        reservations.append(entry)
    subnet: dict[str, Any] = {
        "id": _subnet_id(scope, index),
        "subnet": str(scope.cidr),
        "interface": scope.interface,
        "valid-lifetime": scope.lease,
        "option-data": _options4(scope),
        "reservations": reservations,
        "pools": [{"pool": f"{scope.range[0]} - {scope.range[1]}"}] if scope.range else [],
    }
    return subnet


def kea4_config(
    server: Server,
    lease_dir: str = LEASE_DIR,
    socket_dir: str = SOCKET_DIR,
    interfaces: list[str] | None = None,
) -> dict[str, Any]:
    """The `Dhcp4` configuration of one server: `kea4_config(dhcp_services(lab)[0])["Dhcp4"]`.

    `interfaces` overrides the interfaces Kea listens on (default: each scope's interface).
    """
    listen = interfaces if interfaces is not None else list(dict.fromkeys(s.interface for s in server.scopes))
    config: dict[str, Any] = {
        "interfaces-config": {"interfaces": listen},
        "control-socket": {"socket-type": "unix", "socket-name": f"{socket_dir}/kea4-ctrl-socket"},
        "lease-database": {
            "type": "memfile",
            "persist": True,
            "name": f"{lease_dir}/kea-leases4.csv",
            "lfc-interval": 3600,
        },
        # Reservations are the cadaster: only their addresses and hardware addresses are used.
        "host-reservation-identifiers": ["hw-address"],
        "reservations-out-of-pool": False,
        "authoritative": server.authoritative,
        "valid-lifetime": min((s.lease for s in server.scopes), default=3600),
        "subnet4": [_subnet4(s, i) for i, s in enumerate(server.scopes)],
        "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "stdout"}], "severity": "INFO"}],
    }
    classes = _netboot_classes(server.scopes)
    if classes:
        config["client-classes"] = classes
    return {"Dhcp4": config}


def kea6_config(
    server: Server,
    lease_dir: str = LEASE_DIR,
    socket_dir: str = SOCKET_DIR,
    interfaces: list[str] | None = None,
) -> dict[str, Any] | None:
    """The `Dhcp6` configuration for scopes with an IPv6 prefix, or None when there is none.

    Reservations match the DUID-less hardware address (Kea takes it from the client's link-local
    address or the relay); addresses are the interfaces' `ip6`, the pool is `dhcp.range6`.
    """
    scopes = [s for s in server.scopes if s.prefix6 is not None]
    if not scopes:
        return None
    listen = interfaces if interfaces is not None else list(dict.fromkeys(s.interface for s in scopes))
    subnets = []
    for i, scope in enumerate(scopes):
        options = []
        if scope.dns6:
            options.append({"name": "dns-servers", "data": ", ".join(str(ip) for ip in scope.dns6)})
        if scope.search:
            options.append({"name": "domain-search", "data": ", ".join(scope.search)})
        subnets.append(
            {
                "id": _subnet_id(scope, i),
                "subnet": str(scope.prefix6),
                "interface": scope.interface,
                "valid-lifetime": scope.lease,
                # Kea's default preferred lifetime (3600 s) must not exceed a shorter lease.
                "preferred-lifetime": scope.lease * 5 // 8,
                "option-data": options,
                "reservations": [
                    {"hw-address": r.mac, "ip-addresses": [str(r.ip6)], "hostname": r.hostname}
                    for r in scope.reservations
                    if r.ip6 is not None
                ],
                "pools": [{"pool": f"{scope.range6[0]} - {scope.range6[1]}"}] if scope.range6 else [],
            }
        )
    return {
        "Dhcp6": {
            "data-directory": lease_dir,  # where Kea keeps its server DUID
            "interfaces-config": {"interfaces": listen},
            "control-socket": {"socket-type": "unix", "socket-name": f"{socket_dir}/kea6-ctrl-socket"},
            "lease-database": {"type": "memfile", "persist": True, "name": f"{lease_dir}/kea-leases6.csv"},
            "host-reservation-identifiers": ["hw-address", "duid"],
            "subnet6": subnets,
            "loggers": [{"name": "kea-dhcp6", "output_options": [{"output": "stdout"}], "severity": "INFO"}],
        }
    }


def config_text(config: dict[str, Any]) -> str:
    """Kea reads JSON: sorted keys, two-space indent, one trailing newline (reproducible bytes)."""
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def kea_texts(server: Server, lease_dir: str = LEASE_DIR, socket_dir: str = SOCKET_DIR) -> dict[str, str]:
    """File name -> text: `{"kea-dhcp4.conf": …, "kea-dhcp6.conf": …}` (the v6 one when needed)."""
    out = {"kea-dhcp4.conf": config_text(kea4_config(server, lease_dir, socket_dir))}
    v6 = kea6_config(server, lease_dir, socket_dir)
    if v6 is not None:
        out["kea-dhcp6.conf"] = config_text(v6)
    return out
