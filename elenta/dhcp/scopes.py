"""What each DHCP server serves, from the cadaster and the constellations' DHCP roles (pure).

A role with `dhcp = {server = "kea", networks = ["lab"]}` makes every machine carrying it a DHCP
server for those networks. Per network the server hands out (`Scope`):

- one reservation per cadaster interface with a MAC on that network: MAC -> the cadaster address,
  host name = the address's canon name (`toto.canon`, `lab.ifrit.canon`);
- the network's `gateway` as router, its `dhcp.dns` (default: the DNS role's addresses) as DNS
  servers, `dhcp.search` (default: the canon domain) as domain search list, the canon domain as
  domain name;
- a dynamic range for unknown clients only when the network's `dhcp.range` sets one;
- iPXE options for netbooting machines (`netboot = true`): `next-server` and a boot file per
  client architecture for the firmware's PXE, and the store's HTTP script once iPXE runs. The
  store is the one `elenta netboot deploy` fills: the machine whose data sets
  `elenta_netboot_store` (its `elenta_netboot_http_base`, else `http://<its address>/`).

`dhcp_services(lab)` gives every server with its scopes; it raises ModelError naming the
constellation file and key of a role that names an unknown network or a network its host is not on.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from elenta.model.cadaster import IPAddress, network_router
from elenta.model.constellation import DhcpService
from elenta.model.errors import FaultCollector, ModelError
from elenta.model.lab import Lab

# Boot files a PXE firmware fetches over TFTP to become iPXE (the names Debian's `ipxe` package
# and iPXE's own builds use); an iPXE client is then sent to the store's top-level script.
BIOS_BOOT_FILE = "undionly.kpxe"
EFI_BOOT_FILE = "ipxe.efi"
# RFC 4578 option 93 client architectures that take the EFI binary (x86-64 EFI, EFI BC).
EFI_ARCHES = (7, 9)


@dataclass(frozen=True)
class Reservation:
    """One cadaster interface's lease: `Reservation("toto", "enp2s0", "52:54:…", ip, "toto.canon")`."""

    machine: str
    interface: str
    mac: str
    ip: ipaddress.IPv4Address
    hostname: str
    ip6: ipaddress.IPv6Address | None = None
    netboot: bool = False


@dataclass(frozen=True)
class Boot:
    """The iPXE options of a network: where PXE firmware and iPXE find the netboot store."""

    next_server: IPAddress
    http_script: str
    bios_file: str = BIOS_BOOT_FILE
    efi_file: str = EFI_BOOT_FILE


@dataclass(frozen=True)
class Scope:
    """One network as one server serves it (see the module docstring)."""

    network: str
    cidr: ipaddress.IPv4Network
    interface: str
    server_ip: ipaddress.IPv4Address
    router: IPAddress | None
    dns: tuple[IPAddress, ...]
    domain: str
    search: tuple[str, ...]
    lease: int
    range: tuple[IPAddress, IPAddress] | None
    reservations: tuple[Reservation, ...]
    prefix6: ipaddress.IPv6Network | None = None
    range6: tuple[IPAddress, IPAddress] | None = None
    boot: Boot | None = None

    @property
    def dns4(self) -> tuple[IPAddress, ...]:
        """The IPv4 DNS servers (DHCPv4 option 6)."""
        return tuple(ip for ip in self.dns if ip.version == 4)

    @property
    def dns6(self) -> tuple[IPAddress, ...]:
        """The IPv6 DNS servers (DHCPv6 option 23)."""
        return tuple(ip for ip in self.dns if ip.version == 6)


@dataclass(frozen=True)
class Server:
    """A machine serving DHCP: `Server("ifrit", "kea", (Scope(…),), authoritative=True)`."""

    machine: str
    kind: str
    scopes: tuple[Scope, ...] = field(default_factory=tuple)
    authoritative: bool = True
    source: str = ""

    @property
    def serves_v6(self) -> bool:
        """True when a scope has an IPv6 prefix (Kea's dhcp6 server, dnsmasq's DHCPv6)."""
        return any(s.prefix6 is not None for s in self.scopes)


def _role_services(lab: Lab, machine: str) -> list[tuple[str, str, DhcpService]]:
    out = []
    for role in lab.roles_of(machine):
        for loaded in lab.constellations:
            declared = loaded.model.roles.get(role)
            if declared is not None and declared.dhcp is not None:
                out.append((loaded.file, role, declared.dhcp))
                break
    return out


def dhcp_machines(lab: Lab) -> list[str]:
    """Machines carrying a role with `dhcp`, in cadaster order: `dhcp_machines(lab) == ["ifrit"]`."""
    return [m for m in lab.cadaster.machines if _role_services(lab, m)]


def dhcp_services(lab: Lab) -> list[Server]:
    """Every DHCP server of the lab with its scopes; raises ModelError naming file and key.

    `dhcp_services(load_lab("examples/lab"))[0].scopes[0].reservations[0].hostname == "toto.canon"`
    """
    servers: list[Server] = []
    faults = []
    claimed: dict[str, str] = {}
    for machine in dhcp_machines(lab):
        for file, role, spec in _role_services(lab, machine):
            collector = FaultCollector(file)
            own = {i.network: (n, i) for n, i in lab.cadaster.machines[machine].interfaces.items()}
            networks = spec.networks or list(own)
            scopes = []
            for i, net_name in enumerate(networks):
                key = ("roles", role, "dhcp", "networks", i)
                if net_name not in lab.cadaster.networks:
                    known = ", ".join(lab.cadaster.networks)
                    collector.add(key, f"unknown network {net_name!r} (known: {known})")
                    continue
                if net_name not in own:
                    collector.add(
                        key,
                        f"{machine} serves DHCP on {net_name!r} but has no interface there "
                        f"({lab.cadaster_file}: machines.{machine}.interfaces)",
                    )
                    continue
                other = claimed.setdefault(net_name, machine)
                if other != machine:
                    collector.add(
                        key,
                        f"network {net_name!r} is served by {other} already; two authoritative DHCP "
                        "servers on one network hand out conflicting leases",
                    )
                    continue
                scopes.append(build_scope(lab, net_name, machine, own[net_name][0], netboot=spec.netboot))
            faults.extend(collector.faults)
            servers.append(Server(machine, spec.server, tuple(scopes), spec.authoritative, file))
    if faults:
        raise ModelError(faults)
    return servers


def build_scope(lab: Lab, net_name: str, machine: str, interface: str, *, netboot: bool = True) -> Scope:
    """One network served from a machine's interface: `build_scope(lab, "lab", "ifrit", "lan0")`."""
    cad = lab.cadaster
    net = cad.networks[net_name]
    server_iface = cad.machines[machine].interfaces[interface]
    settings = net.dhcp
    reservations = []
    for record in cad.addresses():
        if record.network != net_name or record.mac is None or record.physical or record.ip.version != 4:
            continue
        spec = cad.machines[record.machine]
        iface = spec.interfaces[record.interface]
        hostname = record.names[0] if record.names else cad.canon(record.machine)
        reservations.append(
            Reservation(
                record.machine,
                record.interface,
                record.mac,
                record.ip,  # type: ignore[arg-type]
                hostname,
                iface.address6(net),
                netboot=spec.netboot,
            )
        )
    search = tuple(settings.search) if settings and settings.search else (cad.domain,)
    return Scope(
        network=net_name,
        cidr=net.cidr,  # type: ignore[arg-type]
        interface=interface,
        server_ip=server_iface.ip,  # type: ignore[arg-type]
        router=network_router(cad, net_name),
        dns=scope_dns(lab, net_name),
        domain=cad.domain,
        search=search,
        lease=settings.lease if settings else 3600,
        range=settings.range if settings else None,
        reservations=tuple(reservations),
        prefix6=net.prefix6,  # type: ignore[arg-type]
        range6=settings.range6 if settings else None,
        boot=netboot_options(lab, net_name) if netboot and any(r.netboot for r in reservations) else None,
    )


def scope_dns(lab: Lab, net_name: str) -> tuple[IPAddress, ...]:
    """DNS servers for a network: its `dhcp.dns` (names or addresses), else the DNS role's addresses
    (the `dns_servers` fact of the DNS subsystem; none when it is not registered).

    `scope_dns(lab, "lab") == (IPv4Address("127.0.1.53"),)`
    """
    from elenta.subsystem import provided

    settings = lab.cadaster.networks[net_name].dhcp
    out: list[IPAddress] = []
    if settings and settings.dns:
        for name in settings.dns:
            try:
                out.append(ipaddress.ip_address(name))
            except ValueError:
                out.append(lab.cadaster.address(name))
    else:
        for addresses in provided(lab, "dns_servers", {}).values():
            out.extend(ipaddress.ip_address(ip) for ip in addresses)
    return tuple(dict.fromkeys(out))


_HTTP_BASE = re.compile(r"^https?://[A-Za-z0-9.\[\]:_/${}-]+$")


def netboot_store_host(lab: Lab) -> tuple[str, str | None] | None:
    """The machine serving the netboot store and its `elenta_netboot_http_base`, if one does.

    Raises ModelError when the HTTP base holds characters that do not belong in a URL handed to
    DHCP clients (quotes, commas, spaces: they would break the server's configuration).
    """
    for machine in lab.cadaster.machines:
        for hp in lab.placements.get(machine, []):
            if hp.placement.data.get("elenta_netboot_store"):
                base = hp.placement.data.get("elenta_netboot_http_base")
                if base is not None and not (isinstance(base, str) and _HTTP_BASE.match(base)):
                    raise ModelError.one(
                        hp.constellation.file,
                        ("machines", hp.key, "data", "elenta_netboot_http_base"),
                        f"{base!r} is not an http(s) URL of letters, digits and . : / - _ [ ]",
                    )
                return machine, base
    return None


def netboot_options(lab: Lab, net_name: str) -> Boot | None:
    """Where netbooting clients on a network find the store: `Boot(next_server, http_script)`.

    The store host's address on that network (else its primary address) is the TFTP next-server;
    iPXE is chained to `<http base>/boot.ipxe`, the store's top-level script.
    """
    found = netboot_store_host(lab)
    if found is None:
        return None
    machine, http_base = found
    spec = lab.cadaster.machines[machine]
    ip = next((i.ip for i in spec.interfaces.values() if i.network == net_name), None)
    if ip is None:
        ip = lab.cadaster.address(machine)
    base = http_base or f"http://{ip}"
    if "${" in base:  # the store's base may use iPXE's own variables; DHCP hands out a plain URL
        base = base.replace("${next-server}", str(ip))
    return Boot(ip, f"{base.rstrip('/')}/boot.ipxe")
