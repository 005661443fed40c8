"""The cadaster: every device that touches the network, its interfaces, addresses and ports.

Shape and syntax are checked by pydantic (`Cadaster.model_validate`); references between entries
(an interface's network, a switch port's machine, duplicates) by `check_cadaster`.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator

from elenta.model.errors import FaultCollector, ModelError, key_path
from elenta.model.fields import (
    PLAIN_PATH,
    DnsServer,
    DomainName,
    Label,
    Line,
    NetworkName,
    SizeMiB,
    StrictModel,
)
from elenta.model.names import (
    check_domain,
    check_interface_name,
    label_of,
    network_label,
    normalise_mac,
)
from elenta.model.text import check_dns_name_length

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MachineKind = Literal["nixos", "router", "switch", "modem", "other"]
LinkType = Literal["lan", "wifi"]


MAX_CORES = 4096


def _ip(value: object) -> IPAddress:
    if isinstance(value, bool) or not isinstance(value, str | int | IPAddress):
        raise ValueError(f'{value!r} is not an IP address (write it as text: "127.0.1.2")')
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address") from None


def _cidr(value: object) -> IPNetwork:
    if not isinstance(value, str | IPNetwork):
        raise ValueError(f"{value!r} is not a CIDR network such as 127.0.1.0/24 (write it as text)")
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a CIDR network such as 127.0.1.0/24 ({exc})") from None


EUI64 = "eui64"


def eui64(prefix: IPNetwork, mac: str) -> ipaddress.IPv6Address:
    """The modified EUI-64 address of `mac` in a /64 `prefix` (RFC 4291 appendix A).

    >>> str(eui64(ipaddress.ip_network("fd00:1::/64"), "52:54:00:00:01:02"))
    'fd00:1::5054:ff:fe00:102'
    """
    octets = bytes(int(part, 16) for part in mac.split(":"))
    interface_id = bytes([octets[0] ^ 0x02]) + octets[1:3] + b"\xff\xfe" + octets[3:]
    return ipaddress.IPv6Address(int(prefix.network_address) | int.from_bytes(interface_id, "big"))


Address = Annotated[IPAddress, BeforeValidator(_ip)]
Network_ = Annotated[IPNetwork, BeforeValidator(_cidr)]
Mac = Annotated[str, BeforeValidator(normalise_mac)]


class NetworkDhcp(StrictModel):
    """How DHCP serves a network: `NetworkDhcp(range=("127.0.1.100", "127.0.1.199"), lease=3600)`.

    Without `range` only the cadaster's MACs get an address (unknown clients get none); `dns`
    names machines, aliases or addresses (default: the addresses of the lab's DNS role); `search`
    is the domain search list (default: the canon domain).
    """

    range: tuple[Address, Address] | None = None
    range6: tuple[Address, Address] | None = None
    lease: int = Field(default=3600, ge=60, le=31_536_000)
    dns: list[str] = Field(default_factory=list)
    search: list[str] = Field(default_factory=list)

    @field_validator("search")
    @classmethod
    def _search(cls, value: list[str]) -> list[str]:
        return [check_domain(name) for name in value]


class Network(StrictModel):
    """A layer-2 network: `Network(cidr="127.0.1.0/24", vlan=10, link="lan")`.

    `prefix6` is an IPv6 prefix beside an IPv4 `cidr` (dual stack); `gateway` names the router
    (a machine on the network, or an address); `dhcp` says how DHCP serves the network.
    """

    cidr: Network_
    prefix6: Network_ | None = None
    vlan: int | None = Field(default=None, ge=1, le=4094)
    link: LinkType = "lan"
    subdomain: Label | None = None
    gateway: Line | None = None
    dhcp: NetworkDhcp | None = None
    description: Line = ""

    def label(self, name: str) -> str | None:
        """The DNS label this network gives names of hosts on it (`lab.ifrit.canon`), if any."""
        return network_label(name, self.subdomain)

    @field_validator("prefix6")
    @classmethod
    def _prefix6(cls, value: IPNetwork | None) -> IPNetwork | None:
        if value is not None and value.version != 6:
            raise ValueError(f"prefix6 {value} is not an IPv6 prefix (such as fd00:1::/64)")
        return value

    def cidrs(self) -> list[IPNetwork]:
        """The network's prefixes, IPv4 then IPv6: `[IPv4Network('127.0.1.0/24'), …]`."""
        return [self.cidr] + ([self.prefix6] if self.prefix6 is not None else [])


class Alias(StrictModel):
    """A second address on a physical interface (`enp2s0_dns` on `enp2s0`)."""

    ip: Address
    name: Label | None = None


class Interface(StrictModel):
    """A physical interface: its MAC, the network it sits on and its one IP there."""

    mac: Mac | None = None
    network: str
    ip: Address
    ip6: str | None = None
    aliases: dict[str, Alias] = Field(default_factory=dict)
    primary: bool = False

    @field_validator("ip6")
    @classmethod
    def _ip6(cls, value: str | None) -> str | None:
        if value is None or value == EUI64:
            return value
        try:
            address = ipaddress.ip_address(str(value))
        except ValueError:
            raise ValueError(f"ip6 {value!r} is neither an IPv6 address nor {EUI64!r}") from None
        if address.version != 6:
            raise ValueError(f"ip6 {value!r} is not an IPv6 address")
        return str(address)

    def address6(self, network: Network | None) -> ipaddress.IPv6Address | None:
        """The interface's IPv6 address: given, or EUI-64 from its MAC in the network's `prefix6`.

        `Interface(mac="52:54:00:00:01:02", network="lab", ip="127.0.1.2", ip6="eui64")
        .address6(Network(cidr="127.0.1.0/24", prefix6="fd00:1::/64"))` -> `fd00:1::5054:ff:fe00:102`
        """
        if self.ip6 is None:
            return None
        if self.ip6 != EUI64:
            return ipaddress.IPv6Address(self.ip6)
        if network is None or network.prefix6 is None or self.mac is None:
            return None
        return eui64(network.prefix6, self.mac)

    @field_validator("aliases")
    @classmethod
    def _alias_names(cls, value: dict[str, Alias]) -> dict[str, Alias]:
        for name in value:
            check_interface_name(name)
        return value


class Resources(StrictModel):
    """What a machine has: `Resources(cores=4, memory="16G", disk="500G")` (sizes in MiB)."""

    cores: int = Field(default=0, ge=0, le=MAX_CORES)
    memory: SizeMiB = 0
    disk: SizeMiB = 0


# What reaches `ssh` as one word: no leading dash (an option), no spaces or shell metacharacters.
_SSH_HOST = r"^[A-Za-z0-9_][A-Za-z0-9._-]*$"
_SSH_JUMP = r"^([a-z_][a-z0-9_-]*@)?([A-Za-z0-9_][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$"


def _key_blob_type(blob: str) -> str:
    """The key type written inside an OpenSSH public key blob ("" when it is not one)."""
    import base64
    import binascii

    try:
        data = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return ""
    size = int.from_bytes(data[:4], "big")
    return data[4 : 4 + size].decode("ascii", errors="replace") if 0 < size < len(data) - 4 else ""


class Ssh(StrictModel):
    """How the deployer reaches a machine; what is left out comes from the user's ssh config.

    `ssh = { host = "toto-lan", user = "deploy", proxy_jump = "bastion", host_key = "ssh-ed25519 AAAA…" }`
    A switch uses `port` and `host_key` (its address and login are in `switch`).
    """

    user: str = Field(default="root", pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    port: int = Field(default=22, ge=1, le=65535)
    host_key: str | None = Field(default=None, pattern=r"^(ssh-|ecdsa-)[a-z0-9-]+ [A-Za-z0-9+/=]+$")
    host: str | None = Field(default=None, pattern=_SSH_HOST, max_length=253)
    identity_file: str | None = Field(default=None, pattern=PLAIN_PATH, max_length=4096)
    proxy_jump: str | None = Field(default=None, max_length=1024)
    sudo: bool | None = None

    @field_validator("host_key")
    @classmethod
    def _public_key(cls, value: str | None) -> str | None:
        if value is not None:
            key_type, blob = value.split()
            if key_type != _key_blob_type(blob):
                raise ValueError(f"not an OpenSSH {key_type} public key (as in a .pub file or known_hosts)")
        return value

    @field_validator("proxy_jump")
    @classmethod
    def _jump_hosts(cls, value: str | None) -> str | None:
        if value is not None:
            for hop in value.split(","):
                if not re.match(_SSH_JUMP, hop):
                    raise ValueError(f"{hop!r} is not a jump host [user@]host[:port]")
        return value


class Credentials(StrictModel):
    """Where a switch's secret comes from; the cadaster never holds the secret itself."""

    username: Line = "admin"
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    password_file: Line | None = None
    enable_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class SwitchPort(StrictModel):
    """What is plugged into one switch port, and how the port is configured."""

    machine: Line | None = None
    interface: Line | None = None
    mode: Literal["access", "trunk"] | None = None
    network: Line | None = None
    networks: list[Line] = Field(default_factory=list)
    native: Line | None = None
    description: str | None = None  # checked for the switch CLI by elenta.switch.check
    shutdown: bool | None = None
    # Access-port profile (None: the switch's default): edge port, BPDU guard, voice VLAN.
    portfast: bool | None = None
    bpduguard: bool | None = None
    voice: str | None = None  # network whose VLAN is the port's voice VLAN
    # Link aggregation: ports with the same `channel` form one LACP port-channel.
    channel: int | None = Field(default=None, ge=1, le=4096)


class Switch(StrictModel):
    """A managed switch: platform (cisco_ios, arista_eos, juniper_junos), credentials and ports."""

    platform: str = "cisco_ios"
    model: str | None = None  # hardware model: its port list (`elenta check` refuses other ports)
    credentials: Credentials = Field(default_factory=Credentials)
    ports: dict[str, SwitchPort] = Field(default_factory=dict)
    # Ranges elenta owns besides the listed ports (`"FastEthernet0/1-24"`): an unlisted port in a
    # range is reset to the default (and shut down with `shutdown_unused`).
    owned_ports: list[str] = Field(default_factory=list)
    shutdown_unused: bool = False
    management_network: str | None = None
    # Access ports get `portfast` and `bpduguard` unless a port says otherwise.
    portfast: bool = True
    bpduguard: bool = True
    # Seconds to wait for the switch: connection, login, each reply.
    timeout: float = Field(default=15.0, gt=0, le=600)
    # Minutes after which the switch reverts by itself (IOS `reload in`) an apply touching its
    # management VLAN that elenta cannot confirm; 0: no timer.
    revert_minutes: int = Field(default=5, ge=0, le=60)


class Machine(StrictModel):
    """Any device on the network: a NixOS host, a router, a switch, a modem."""

    kind: MachineKind = "nixos"
    interfaces: dict[str, Interface] = Field(default_factory=dict)
    resources: Resources = Field(default_factory=Resources)
    ssh: Ssh = Field(default_factory=Ssh)
    tags: list[Label] = Field(default_factory=list)
    netboot: bool = False
    switch: Switch | None = None
    description: Line = ""

    @field_validator("interfaces")
    @classmethod
    def _interface_names(cls, value: dict[str, Interface]) -> dict[str, Interface]:
        for name in value:
            check_interface_name(name)
        return value

    def primary_interface(self) -> tuple[str, Interface] | None:
        """The interface the plain canon name points at (marked `primary`, else the first)."""
        for name, iface in self.interfaces.items():
            if iface.primary:
                return name, iface
        return next(iter(self.interfaces.items()), None)


class DnsSettings(StrictModel):
    """Where the lab's own DNS servers answer (`"127.0.1.53:53"`), used by `elenta lookup`."""

    servers: list[DnsServer] = Field(default_factory=list)
    admin: DomainName = "hostmaster"
    ttl: int = Field(default=3600, ge=0, le=2**31 - 1)


class Cadaster(StrictModel):
    """Every device of a lab: `Cadaster.model_validate(tomllib.load(f))`."""

    domain: str = "canon"
    dns: DnsSettings = Field(default_factory=DnsSettings)
    networks: dict[NetworkName, Network] = Field(default_factory=dict)
    machines: dict[Label, Machine] = Field(default_factory=dict)

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return check_domain(value)

    # -- names ---------------------------------------------------------------------------

    def canon(self, machine: str) -> str:
        """The canon name of a machine: `cadaster.canon("toto") == "toto.canon"`."""
        return f"{machine}.{self.domain}"

    def resolve(self, name: str) -> CanonRef:
        """Find a machine by short name, canon name or link-type form.

        `cadaster.resolve("toto.canon.lan")` gives `CanonRef("toto", "lan", None)`;
        `cadaster.resolve("lab.ifrit.canon")` gives `CanonRef("ifrit", None, "lab")`.
        Raises `KeyError` with close matches when nothing fits.
        """
        text = name.rstrip(".").lower()
        if text in self.machines:
            return CanonRef(text, None, None)
        suffix = "." + self.domain
        for link in ("lan", "wifi"):
            if text.endswith(f"{suffix}.{link}"):
                short = text[: -len(f"{suffix}.{link}")]
                if short in self.machines:
                    return CanonRef(short, link, None)
        if text.endswith(suffix):
            head = text[: -len(suffix)]
            if head in self.machines:
                return CanonRef(head, None, None)
            if "." in head:
                sub, short = head.split(".", 1)
                if short in self.machines and self.network_by_subdomain(short, sub):
                    return CanonRef(short, None, sub)
                if short in self.machines and (alias := self.alias_by_label(short, sub)):
                    return CanonRef(short, None, None, alias)
        known = [self.canon(m) for m in self.machines]
        close = difflib.get_close_matches(text, known + list(self.machines), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise KeyError(f"no machine named {name!r} in the cadaster{hint}")

    def network_by_subdomain(self, machine: str, sub: str) -> str | None:
        """The network of `machine` whose subdomain (or name) is `sub`, if any."""
        for iface in self.machines[machine].interfaces.values():
            net = self.networks.get(iface.network)
            if net and net.label(iface.network) == sub:
                return iface.network
        return None

    def alias_by_label(self, machine: str, label: str) -> str | None:
        """The alias interface of `machine` whose DNS label is `label` (`dns` for `dns.toto.canon`)."""
        for iface in self.machines[machine].interfaces.values():
            for alias_name, alias in iface.aliases.items():
                if alias_label(alias_name, alias) == label:
                    return alias_name
        return None

    def address(self, name: str) -> IPAddress:
        """The IP a name stands for in the cadaster: `cadaster.address("toto.canon")`."""
        ref = self.resolve(name)
        machine = self.machines[ref.machine]
        for iface in machine.interfaces.values():
            if ref.alias:
                if ref.alias in iface.aliases:
                    return iface.aliases[ref.alias].ip
                continue
            net = self.networks.get(iface.network)
            if ref.subdomain and self.network_by_subdomain(ref.machine, ref.subdomain) != iface.network:
                continue
            if ref.link and (net is None or net.link != ref.link):
                continue
            if not ref.subdomain and not ref.link:
                primary = machine.primary_interface()
                if primary is None:
                    break
                return primary[1].ip
            return iface.ip
        raise KeyError(f"{name!r} has no address in the cadaster")

    def mac(self, name: str) -> str:
        """The MAC of a machine's primary (or link-type) interface: `cadaster.mac("toto.canon")`."""
        ref = self.resolve(name)
        machine = self.machines[ref.machine]
        candidates = [
            iface
            for iface in machine.interfaces.values()
            if iface.mac
            and (ref.alias is None or ref.alias in iface.aliases)
            and (ref.link is None or self.networks[iface.network].link == ref.link)
            and (
                ref.subdomain is None
                or self.network_by_subdomain(ref.machine, ref.subdomain) == iface.network
            )
        ]
        primary = machine.primary_interface()
        if primary and primary[1] in candidates:
            candidates.insert(0, primary[1])
        if not candidates or candidates[0].mac is None:
            raise KeyError(f"{name!r} has no MAC in the cadaster")
        return candidates[0].mac

    def addresses(self) -> Iterator[AddressRecord]:
        """Every address in the cadaster with the names that point at it, for zones and checks."""
        for short, machine in self.machines.items():
            multi = len({i.network for i in machine.interfaces.values()}) > 1
            primary = machine.primary_interface()
            links_named: set[str] = set()
            networks_named: set[str] = set()
            for if_name, iface in machine.interfaces.items():
                net = self.networks.get(iface.network)
                names: list[str] = []
                if primary and primary[0] == if_name:
                    names.append(self.canon(short))
                if iface.network in networks_named:
                    # A second interface on one network (a bond member): named by its interface.
                    if label := label_of(if_name):
                        names.append(f"{label}.{self.canon(short)}")
                elif multi and net is not None and (label := net.label(iface.network)):
                    names.append(f"{label}.{self.canon(short)}")
                networks_named.add(iface.network)
                if net is not None and net.link not in links_named:
                    # The link-type form names the first interface of that link type.
                    links_named.add(net.link)
                    names.append(f"{self.canon(short)}.{net.link}")
                key = ("machines", short, "interfaces", if_name)
                yield AddressRecord(short, if_name, iface.network, iface.ip, tuple(names), iface.mac, key)
                ip6 = iface.address6(net)
                if ip6 is not None:
                    # Same names and origin as the IPv4 record: the AAAA beside the A.
                    yield AddressRecord(short, if_name, iface.network, ip6, tuple(names), iface.mac, key)
                for alias_name, alias in iface.aliases.items():
                    label = alias_label(alias_name, alias)
                    yield AddressRecord(
                        short,
                        alias_name,
                        iface.network,
                        alias.ip,
                        (f"{label}.{self.canon(short)}",),
                        None,
                        (*key, "aliases", alias_name),
                        physical=if_name,
                    )


def alias_label(alias_name: str, alias: Alias) -> str:
    """The DNS label of an alias interface: its `name`, else what follows the last `_`.

    >>> alias_label("enp2s0_dns", Alias(ip="127.0.1.53"))
    'dns'
    """
    return alias.name or alias_name.split("_")[-1]


@dataclass(frozen=True)
class CanonRef:
    """What a name points at: a machine, and optionally a link type or a network subdomain."""

    machine: str
    link: str | None
    subdomain: str | None
    alias: str | None = None


@dataclass(frozen=True)
class AddressRecord:
    """One address of one machine and the DNS names for it."""

    machine: str
    interface: str
    network: str
    ip: IPAddress
    names: tuple[str, ...]
    mac: str | None
    key: tuple[str, ...]
    physical: str | None = None


def check_cadaster(cadaster: Cadaster, file: str) -> None:
    """Check references and uniqueness across the cadaster; raise ModelError naming each fault.

    `check_cadaster(cadaster, "examples/lab/cadaster.toml")`
    """
    faults = FaultCollector(file)
    seen_ip: dict[IPAddress, tuple[str, ...]] = {}
    seen_mac: dict[str, tuple[str, ...]] = {}
    seen_vlan: dict[int, str] = {}
    if not cadaster.machines:
        faults.add(
            ("machines",),
            "the cadaster lists no machines: describe every device of the lab under [machines.<name>]",
        )
    _check_networks(cadaster, faults)
    for net_name, net in cadaster.networks.items():
        if net.vlan is not None:
            if net.vlan in seen_vlan:
                faults.add(
                    ("networks", net_name, "vlan"),
                    f"VLAN {net.vlan} is already used by network {seen_vlan[net.vlan]!r}",
                )
            seen_vlan[net.vlan] = net_name
        _check_network_dhcp(cadaster, net_name, net, faults)
    for short, machine in cadaster.machines.items():
        on_network: dict[str, str] = {}
        for if_name, iface in machine.interfaces.items():
            base = ("machines", short, "interfaces", if_name)
            net = cadaster.networks.get(iface.network)
            if net is None:
                faults.add(
                    (*base, "network"),
                    f"unknown network {iface.network!r} (known: {', '.join(cadaster.networks) or 'none'})",
                )
            elif iface.network in on_network and label_of(if_name) is None:
                faults.add(
                    (*base, "network"),
                    f"{short} is already on network {iface.network!r} through {on_network[iface.network]}: "
                    f"a second interface there is named {if_name}.{cadaster.canon(short)} in DNS, and "
                    f"{if_name!r} is no DNS label; rename it, or make the address an alias of "
                    f"{on_network[iface.network]} (aliases.<name> = {{ ip = ..., name = ... }})",
                )
            on_network.setdefault(iface.network, if_name)
            ips = [((*base, "ip"), iface.ip)] + [
                ((*base, "aliases", a, "ip"), alias.ip) for a, alias in iface.aliases.items()
            ]
            for loc, ip in ips:
                if net is not None and ip not in net.cidr:
                    faults.add(loc, f"{ip} is outside network {iface.network!r} ({net.cidr})")
                if ip in seen_ip:
                    faults.add(loc, f"IP {ip} is already given to {key_path(seen_ip[ip])}")
                else:
                    seen_ip[ip] = loc
            if net is not None and iface.ip6 is not None:
                _check_ip6(iface, net, (*base, "ip6"), seen_ip, faults)
            if iface.mac:
                if iface.mac in seen_mac:
                    faults.add(
                        (*base, "mac"),
                        f"MAC {iface.mac} is already given to {key_path(seen_mac[iface.mac])}",
                    )
                else:
                    seen_mac[iface.mac] = (*base, "mac")
        if machine.netboot and not any(i.mac for i in machine.interfaces.values()):
            primary = machine.primary_interface()
            where = ("machines", short, "interfaces", *((primary[0], "mac") if primary else ()))
            faults.add(
                where,
                f"{short} boots from the network (netboot = true): its boot image is found by MAC, "
                "so an interface needs a `mac`",
            )
        if machine.kind == "switch" and machine.switch is None:
            faults.add(("machines", short, "switch"), "a machine of kind 'switch' needs a [switch] table")
        if machine.switch is not None:
            _check_switch(cadaster, short, machine.switch, faults)
    faults.raise_if_any()
    _check_dns_names(cadaster, faults)
    faults.raise_if_any()


def _check_networks(cadaster: Cadaster, faults: FaultCollector) -> None:
    """No two networks overlap: an address must belong to one network only."""
    seen: list[tuple[str, IPNetwork]] = []
    for name, net in cadaster.networks.items():
        for other, cidr in seen:
            if net.cidr.version == cidr.version and net.cidr.overlaps(cidr):
                faults.add(
                    ("networks", name, "cidr"),
                    f"{net.cidr} overlaps network {other!r} ({cidr}): an address must belong to one network",
                )
                break
        seen.append((name, net.cidr))


def _check_dns_names(cadaster: Cadaster, faults: FaultCollector) -> None:
    """Every name the cadaster gives fits DNS, is given once, and each host name can be formed."""
    seen: dict[str, tuple[str, ...]] = {}
    for record in cadaster.addresses():
        for dns_name in record.names:
            try:
                check_dns_name_length(dns_name)
            except ValueError as exc:
                faults.add(record.key, str(exc))
            if dns_name in seen and seen[dns_name] != record.key:  # one interface's A and AAAA: fine
                faults.add(record.key, f"DNS name {dns_name} is already given to {key_path(seen[dns_name])}")
            else:
                seen[dns_name] = record.key
    for short, machine in cadaster.machines.items():
        networks = {i.network for i in machine.interfaces.values()}
        if len(networks) < 2:
            continue
        for net_name in sorted(networks):
            net = cadaster.networks.get(net_name)
            if net is not None and net.label(net_name) is None:
                faults.add(
                    ("networks", net_name),
                    f"{short} is on several networks, so its address on {net_name!r} is named "
                    f"<network>.{cadaster.canon(short)}; {net_name!r} is no DNS label: give the network "
                    "a `subdomain`",
                )


def _check_ip6(
    iface: Interface,
    net: Network,
    loc: tuple[str, ...],
    seen_ip: dict[IPAddress, tuple[str, ...]],
    faults: FaultCollector,
) -> None:
    if net.prefix6 is None:
        faults.add(loc, f"network {iface.network!r} has no prefix6: give it one for IPv6 addresses")
        return
    if iface.ip6 == EUI64 and (iface.mac is None or net.prefix6.prefixlen != 64):
        faults.add(loc, f"eui64 needs the interface's MAC and a /64 prefix6 (network has {net.prefix6})")
        return
    ip6 = iface.address6(net)
    if ip6 is None:
        return
    if ip6 not in net.prefix6:
        faults.add(loc, f"{ip6} is outside the prefix6 of network {iface.network!r} ({net.prefix6})")
    elif ip6 in seen_ip:
        faults.add(loc, f"IP {ip6} is already given to {key_path(seen_ip[ip6])}")
    else:
        seen_ip[ip6] = loc


def network_router(cadaster: Cadaster, net_name: str) -> IPAddress | None:
    """The router's address on a network: its `gateway`, a machine name or an address, or None.

    `network_router(cadaster, "lab")` -> `IPv4Address('127.0.1.254')` (ifrit's address on lab).
    Raises KeyError when the gateway names nothing on that network.
    """
    net = cadaster.networks[net_name]
    if net.gateway is None:
        return None
    try:
        return ipaddress.ip_address(net.gateway)
    except ValueError:
        pass
    ref = cadaster.resolve(net.gateway)
    for iface in cadaster.machines[ref.machine].interfaces.values():
        if iface.network == net_name:
            return iface.ip
    raise KeyError(f"gateway {net.gateway!r} has no interface on network {net_name!r}")


def _check_network_dhcp(cadaster: Cadaster, net_name: str, net: Network, faults: FaultCollector) -> None:
    base = ("networks", net_name)
    try:
        router = network_router(cadaster, net_name)
    except KeyError as exc:
        faults.add((*base, "gateway"), exc.args[0])
        router = None
    if router is not None and router not in net.cidr:
        faults.add((*base, "gateway"), f"gateway {router} is outside network {net_name!r} ({net.cidr})")
    if net.dhcp is None:
        return
    for i, name in enumerate(net.dhcp.dns):
        try:
            ipaddress.ip_address(name)
        except ValueError:
            try:
                cadaster.address(name)
            except KeyError as exc:
                faults.add((*base, "dhcp", "dns", i), f"{exc.args[0]} (give a machine name or an address)")
    for field, pool, prefix in (
        ("range", net.dhcp.range, net.cidr),
        ("range6", net.dhcp.range6, net.prefix6),
    ):
        if pool is None:
            continue
        start, end = pool
        if prefix is None or start not in prefix or end not in prefix:
            faults.add((*base, "dhcp", field), f"{start}-{end} is not inside network {net_name!r} ({prefix})")
        elif int(start) > int(end):
            faults.add((*base, "dhcp", field), f"the range starts ({start}) after it ends ({end})")
        else:
            _check_pool_free(cadaster, net_name, (field, start, end), faults)


def _check_pool_free(
    cadaster: Cadaster, net_name: str, pool: tuple[str, IPAddress, IPAddress], faults: FaultCollector
) -> None:
    """A cadaster address inside a dynamic range could be leased to another client: refuse it."""
    field, start, end = pool
    for record in cadaster.addresses():
        ip = record.ip
        if ip.version == start.version and int(start) <= int(ip) <= int(end):
            faults.add(
                ("networks", net_name, "dhcp", field),
                f"{ip} of {key_path(record.key)} is inside the dynamic range {start}-{end}: the "
                "server could lease it to another client; move the range or the address",
            )


def _check_switch(cadaster: Cadaster, short: str, switch: Switch, faults: FaultCollector) -> None:
    on = sorted({i.network for i in cadaster.machines[short].interfaces.values()})
    if not on:
        faults.add(
            ("machines", short, "interfaces"),
            f"{short} is a managed switch: elenta reaches it on an interface's IP, and it has none",
        )
    managed = switch.management_network
    if managed is not None and managed not in cadaster.networks:
        faults.add(("machines", short, "switch", "management_network"), f"unknown network {managed!r}")
    elif managed is not None and on and managed not in on:
        faults.add(
            ("machines", short, "switch", "management_network"),
            f"{short} has no interface on network {managed!r} (its interfaces are on: {', '.join(on)})",
        )
    for port_name, port in switch.ports.items():
        base = ("machines", short, "switch", "ports", port_name)
        try:
            check_interface_name(port_name)
        except ValueError as exc:
            faults.add(base, str(exc))
        if port.machine is not None:
            try:
                ref = cadaster.resolve(port.machine)
            except KeyError as exc:
                faults.add((*base, "machine"), exc.args[0])
                continue
            ifaces = cadaster.machines[ref.machine].interfaces
            if port.interface is not None and port.interface not in ifaces:
                faults.add(
                    (*base, "interface"),
                    f"machine {ref.machine!r} has no interface "
                    f"{port.interface!r} (it has: {', '.join(ifaces) or 'none'})",
                )
        for field, names in (
            ("network", [port.network]),
            ("networks", port.networks),
            ("native", [port.native]),
            ("voice", [port.voice]),
        ):
            for name in names:
                if name is not None and name not in cadaster.networks:
                    faults.add((*base, field), f"unknown network {name!r}")
                elif name is not None and cadaster.networks[name].vlan is None:
                    faults.add((*base, field), f"network {name!r} has no VLAN id")


def ensure_known(cadaster: Cadaster, name: str, file: str, key: tuple[str | int, ...]) -> str:
    """Resolve `name` to a machine's short name, or raise ModelError at `file`/`key`.

    `ensure_known(cadaster, "toto.canon", "lab.toml", ("machines", "toto.canon"))` -> "toto"
    """
    try:
        return cadaster.resolve(name).machine
    except KeyError as exc:
        raise ModelError.one(file, key, exc.args[0]) from None
