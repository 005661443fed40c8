"""One machine's NixOS module as data: what the plan says about the machine, as NixOS options.

`machine_module(lab, "toto")` ->

    {"machine": "toto", "hostConfig": "dns",            # the flake's nixosConfigurations.<attr>, or None
     "config": {"networking": {...}, "services": {"knot": {...}}, ...},   # plain NixOS option values
     "guests": {"containers": {...}, "vms": {...}},      # what only Nix can finish (guest systems)
     "elenta": {"self": {...}, "services": {...}}}       # read as config.elenta.* (+ discovery)

`config` merges, like `lib.mkMerge` and with every conflict naming both sides: the literal
`hostConfig` and the guests' host-side support (compiled per machine), the networking from the
cadaster (host name, static addresses with the aliases on their physical interface, default route,
name servers), the static half of each guest, and what the other registered subsystems add to a
machine (`Subsystem.nixos_options`: the firewall per physical interface, Knot with the zones, the
NFS server with the exports). Everything is JSON,
read in Nix with `builtins.fromJSON`: no string from the lab ever becomes Nix source.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from elenta.compile.discovery import discovery_data
from elenta.compile.machines import compiled_machines, machine_sources
from elenta.compile.merge import Contribution, Source, merge_collect
from elenta.model.errors import ModelError
from elenta.model.lab import Lab
from elenta.model.names import flake_attr
from elenta.subsystem import nixos_options

# microvm.nix keeps each VM's state here (`microvm.stateDir`).
MICROVM_STATE = "/var/lib/microvms"


def _prefix(lab: Lab, network: str) -> int:
    return lab.cadaster.networks[network].cidr.prefixlen


def networking_options(lab: Lab, machine: str) -> dict[str, Any]:
    """Host name, static addresses per physical interface (aliases included), route, name servers.

    `networking_options(lab, "toto")["networking"]["interfaces"]["enp2s0"]["ipv4"]["addresses"]`
    -> `[{"address": "127.0.1.2", "prefixLength": 24}, {"address": "127.0.1.53", "prefixLength": 24}]`
    """
    spec = lab.cadaster.machines[machine]
    interfaces: dict[str, Any] = {}
    for name, iface in spec.interfaces.items():
        prefix = _prefix(lab, iface.network)
        family: dict[str, list[dict[str, Any]]] = {}
        for ip in [iface.ip, *(alias.ip for alias in iface.aliases.values())]:
            key = "ipv4" if ip.version == 4 else "ipv6"
            family.setdefault(key, []).append({"address": str(ip), "prefixLength": prefix})
        interfaces[name] = {key: {"addresses": addrs} for key, addrs in family.items()}
    networking: dict[str, Any] = {
        "hostName": machine,
        "domain": lab.cadaster.domain,
        "useDHCP": False,
        "interfaces": interfaces,
    }
    route = _default_gateway(lab, machine)
    if route:
        networking["defaultGateway"] = route
    servers = _nameservers(lab)
    if servers:
        networking["nameservers"] = servers
    return {"networking": networking}


def _default_gateway(lab: Lab, machine: str) -> dict[str, str] | None:
    """The primary interface's network gateway (a machine name or an address), unless it is us."""
    primary = lab.cadaster.machines[machine].primary_interface()
    if primary is None:
        return None
    name, iface = primary
    gateway = lab.cadaster.networks[iface.network].gateway
    if not gateway:
        return None
    address = _gateway_address(lab, machine, iface.network, gateway)
    if address is None:
        return None
    if address == str(iface.ip):
        return None
    return {"address": address, "interface": name}


def _gateway_address(lab: Lab, machine: str, network: str, gateway: str) -> str | None:
    """A gateway given as an address, or as a machine: its address on `network` (None: it is us)."""
    try:
        return str(ipaddress.ip_address(gateway))
    except ValueError:
        pass
    key = ("networks", network, "gateway")
    try:
        target = lab.machine_name(gateway)
    except KeyError:
        target = None
    if target is None:
        raise ModelError.one(lab.cadaster_file, key, f"no machine or address {gateway!r}")
    if target == machine:
        return None
    on_net = [i for i in lab.cadaster.machines[target].interfaces.values() if i.network == network]
    if not on_net:
        raise ModelError.one(
            lab.cadaster_file, key, f"gateway {gateway!r} has no interface on network {network!r}"
        )
    return str(on_net[0].ip)


def _nameservers(lab: Lab) -> list[str]:
    """The cadaster's DNS servers that answer on port 53 (NixOS name servers carry no port)."""
    out = []
    for server in lab.cadaster.dns.servers:
        host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "53")
        if port in ("", "53") and host not in out:
            out.append(host.strip("[]"))
    return out


def _guest_ref(lab: Lab, machine: str, kind: str, name: str, ref: str) -> str:
    """A guest's flake reference must point into the lab's own flake (`.#web`): its attribute."""
    base = ref.split("#", 1)[0]
    if base not in ("", "."):
        raise ModelError.one(
            lab.cadaster_file,
            ("machines", machine, kind, name, "config"),
            f"{ref!r}: a guest's configuration must be in the lab's flake ('.#name') or a literal table",
        )
    return flake_attr(ref)


def guest_options(lab: Lab, machine: str, entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The static NixOS options of a machine's guests, and what Nix completes (guest systems).

    Containers are NixOS `containers.<name>` (systemd-nspawn; cores and memory become the unit's
    `CPUQuota` and `MemoryMax`); VMs are microvm.nix `microvm.vms.<name>` with `microvm.vcpu`,
    `microvm.mem` (MiB) and a `/var` volume of the declared disk size.
    """
    static: dict[str, Any] = {}
    guests: dict[str, Any] = {"containers": {}, "vms": {}}
    for name, guest in sorted(entry.get("containers", {}).items()):
        flags = []
        if guest.get("cores"):
            flags.append(f"--property=CPUQuota={guest['cores'] * 100}%")
        if guest.get("memory"):
            flags.append(f"--property=MemoryMax={guest['memory']}M")
        container: dict[str, Any] = {"autoStart": True}
        if flags:
            container["extraFlags"] = flags
        config = guest.get("config")
        if isinstance(config, dict):
            container["config"] = config
        elif config:
            guests["containers"][name] = {"flake": _guest_ref(lab, machine, "containers", name, config)}
        static.setdefault("containers", {})[name] = container
    for name, guest in sorted(entry.get("vms", {}).items()):
        resources: dict[str, Any] = {"networking": {"hostName": name}, "microvm": {}}
        if guest.get("cores"):
            resources["microvm"]["vcpu"] = guest["cores"]
        if guest.get("memory"):
            resources["microvm"]["mem"] = guest["memory"]
        volumes = []
        if guest.get("disk"):
            volumes.append(
                {"image": f"{MICROVM_STATE}/{name}/var.img", "mountPoint": "/var", "size": guest["disk"]}
            )
        volumes += [
            {"image": disk, "mountPoint": None, "autoCreate": False} for disk in guest.get("disks", [])
        ]
        if volumes:
            resources["microvm"]["volumes"] = volumes
        vm: dict[str, Any] = {"autostart": True}
        config = guest.get("config")
        if isinstance(config, dict):
            merged, faults = merge_collect(
                [
                    Contribution(
                        Source(lab.cadaster_file, ("machines", machine, "vms", name, "config")), config
                    ),
                    Contribution(Source(lab.cadaster_file, ("machines", machine, "vms", name)), resources),
                ]
            )
            if faults:
                raise ModelError(faults)
            vm["config"] = merged
        else:
            ref = _guest_ref(lab, machine, "vms", name, config) if config else None
            guests["vms"][name] = {"flake": ref, "resources": resources}
        static.setdefault("microvm", {}).setdefault("vms", {})[name] = vm
    return static, guests


def discovery_view(lab: Lab) -> dict[str, Any]:
    """What every machine may know of the others: names, addresses, roles, services, shared data.

    Deliberately not the others' guests, data or settings, so that a change to one machine's
    guests changes that machine's module only. The full document stays `/etc/elenta/discovery.json`.
    """
    data = discovery_data(lab)
    machines = {
        name: {key: m[key] for key in ("canon", "ip", "addresses", "roles")}
        for name, m in data["machines"].items()
    }
    return {
        "domain": data["domain"],
        "machines": machines,
        "roles": data["roles"],
        "services": data["services"],
        "constellations": data["constellations"],
    }


def machine_module(lab: Lab, machine: str) -> dict[str, Any]:
    """The module data of one NixOS machine (see the module docstring); raises ModelError on a conflict.

    The parts other subsystems contribute (Knot, the NFS server, the firewall) come from the
    registry (`elenta.subsystem.nixos_options`): a subsystem not registered adds nothing.
    The discovery view is lab-wide (`discovery_view`, one file beside the entry point), not repeated here.
    """
    entry_obj = compiled_machines(lab).machines.get(machine)
    entry = entry_obj.config if entry_obj is not None else {}
    where, placed = machine_sources(lab, machine)
    static, guests = guest_options(lab, machine, entry)
    contributions = [
        Contribution(
            Source(placed.file, (*placed.key, "hostConfig"), "hostConfig"), entry.get("nixos") or {}
        ),
        Contribution(
            Source(where.file, (*where.key, "interfaces"), "networking from the cadaster"),
            networking_options(lab, machine),
        ),
        *nixos_options(lab, machine),
        Contribution(Source(placed.file, (*placed.key, "guests"), "guests"), static),
    ]
    merged, faults = merge_collect(contributions)
    config: dict[str, Any] = merged or {}
    if faults:
        raise ModelError(faults)
    ref = entry.get("configuration")
    return {
        "machine": machine,
        "hostConfig": flake_attr(ref) if ref else None,
        "config": config,
        "guests": guests,
        "elenta": {
            "self": {
                "name": machine,
                "canon": lab.canon(machine),
                "roles": entry.get("roles", lab.roles_of(machine)),
                "tags": entry.get("tags", []),
                "data": entry.get("data", {}),
            },
            "services": entry.get("services", {}),
        },
    }
