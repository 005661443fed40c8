"""DNS zones from the model, pure: cadaster + constellations -> records -> zones -> zone texts.

Which zones a lab gets (see docs/dns.md):

- the canon domain (`canon`): every machine's canon name, per-network names of multi-homed machines
  (`lab.ifrit.canon`), alias names (`dns.toto.canon`);
- one zone per link type for the link-type forms (`canon.lan` holds `toto.canon.lan`, `canon.wifi`
  holds `archimedes.canon.wifi`) — exactly the names `Cadaster.resolve` accepts;
- one reverse zone per network, on the octet boundary at or above its prefix
  (`127.0.1.0/24` -> `1.0.127.in-addr.arpa`), PTR to the address's first name;
- every constellation domain (`example.lab`): each service a CNAME to its host's canon name, the bare
  domain carrying the addresses of the service named by `redirect_bare_to` (an apex cannot be a
  CNAME). A constellation domain at or under a zone above is served inside that zone.

Every record remembers the cadaster or constellation entry it came from, so that `lint_zones` can
name them. The SOA serial is stamped at apply time (`elenta.dns.serial`); rendered here it is the
reproducible `1` unless given.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from elenta.compile.artifacts import Artifact
from elenta.model.cadaster import AddressRecord
from elenta.model.constellation import Domain
from elenta.model.dnsrecords import txt_rdata
from elenta.model.errors import Fault, ModelError, key_path
from elenta.model.lab import Lab

TYPE_ORDER = {
    "SOA": 0,
    "NS": 1,
    "A": 2,
    "AAAA": 3,
    "CNAME": 4,
    "PTR": 5,
    "MX": 6,
    "TXT": 7,
    "SRV": 8,
    "CAA": 9,
}


@dataclass(frozen=True, order=True)
class Origin:
    """The model entry a record comes from: `Origin("cadaster.toml", "machines.toto.interfaces.enp2s0")`."""

    file: str
    key: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}"


@dataclass(frozen=True)
class Record:
    """One resource record; `name` absolute without the trailing dot, `value` as zone-file rdata."""

    name: str
    rtype: str
    value: str
    origin: Origin


@dataclass(frozen=True)
class Soa:
    """The SOA fields other than the serial."""

    mname: str
    rname: str
    refresh: int = 3600
    retry: int = 600
    expire: int = 1209600
    minimum: int = 300


@dataclass
class Zone:
    """A zone ready to render: `Zone("canon", 3600, Soa("dns.toto.canon.", "hostmaster.canon."))`."""

    name: str
    ttl: int
    soa: Soa
    records: list[Record] = field(default_factory=list)


class ZoneError(ModelError):
    """A zone elenta refuses to serve; each fault names the model entries behind it."""


# -- names -----------------------------------------------------------------------------------


def reverse_name(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """The PTR owner of an address: `reverse_name(ip_address("127.0.1.2")) == "2.1.0.127.in-addr.arpa"`."""
    return ip.reverse_pointer


def reverse_zone(cidr: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """The reverse zone serving a network, on the octet (nibble) boundary at or above its prefix.

    `reverse_zone(ip_network("127.0.1.0/24")) == "1.0.127.in-addr.arpa"`;
    a /20 is served by its /16 zone, a /26 by its /24 zone.
    """
    step = 8 if cidr.version == 4 else 4
    if cidr.prefixlen < step:  # wider than one first octet (nibble): only the whole tree holds it
        return "in-addr.arpa" if cidr.version == 4 else "ip6.arpa"
    prefix = cidr.prefixlen - cidr.prefixlen % step
    net = cidr.supernet(new_prefix=prefix) if prefix < cidr.prefixlen else cidr
    labels = net.network_address.reverse_pointer.split(".")
    # reverse_pointer names the whole address; keep the labels of the prefix and the arpa suffix.
    keep = prefix // step
    suffix = 2  # in-addr.arpa / ip6.arpa
    return ".".join(labels[len(labels) - suffix - keep :])


def relative(name: str, zone: str) -> str:
    """A record name as written in its zone file: `relative("toto.canon", "canon") == "toto"`."""
    if name == zone:
        return "@"
    return name[: -len(zone) - 1]


def zone_of(name: str, zones: Iterable[str]) -> str | None:
    """The most specific zone holding `name`: `zone_of("toto.canon.lan", ["canon", "canon.lan"])`."""
    best: str | None = None
    for zone in zones:
        if (name == zone or name.endswith("." + zone)) and (best is None or len(zone) > len(best)):
            best = zone
    return best


# -- records from the model --------------------------------------------------------------------


def address_records(lab: Lab, entries: list[AddressRecord] | None = None) -> Iterator[Record]:
    """A/AAAA and PTR records of every cadaster address: `list(address_records(lab))`."""
    for entry in lab.cadaster.addresses() if entries is None else entries:
        origin = Origin(lab.cadaster_file, key_path(entry.key))
        rtype = "A" if entry.ip.version == 4 else "AAAA"
        for name in entry.names:
            yield Record(name, rtype, str(entry.ip), origin)
        if entry.names:
            yield Record(reverse_name(entry.ip), "PTR", entry.names[0] + ".", origin)


def service_target(lab: Lab, host: str) -> str:
    """The name a service's CNAME points at: the canon name, or the link/subdomain form as written."""
    text = host.rstrip(".").lower()
    if text in lab.cadaster.machines:
        return lab.canon(text)
    return text


def record_target(lab: Lab, host: str, origin: Origin) -> str:
    """An MX or SRV target: a machine's name (as `service_target`), or an outside name kept as given.

    Never a service's CNAME (RFC 2181 10.3: MX and SRV must name a host with addresses).
    """
    if host.endswith("."):
        return host
    try:
        lab.machine_name(host)
    except KeyError as exc:
        raise ZoneError(
            [Fault(origin.file, origin.key, f"{exc.args[0]} (an outside name ends with '.')")]
        ) from None
    return service_target(lab, host) + "."


def published_records(lab: Lab, file: str, domain_name: str, domain: Domain) -> Iterator[Record]:
    """The MX, TXT, SRV and CAA records a domain (and its services) publish."""
    base = ("domains", domain_name)
    for i, mx in enumerate(domain.mx):
        origin = Origin(file, key_path((*base, "mx", i)))
        yield Record(domain_name, "MX", mx.rdata(record_target(lab, mx.host, origin)), origin)
    for owner, texts in domain.txt.items():
        name = domain_name if owner == "@" else f"{owner}.{domain_name}"
        for text in texts:
            yield Record(name, "TXT", txt_rdata(text), Origin(file, key_path((*base, "txt", owner))))
    services = [(("srv",), None, domain.srv)]
    services += [(("services", n, "srv"), s.host, s.srv) for n, s in domain.services.items()]
    for where, default_host, records in services:
        for i, srv in enumerate(records):
            origin = Origin(file, key_path((*base, *where, i)))
            host = srv.host or default_host
            if host is None:
                raise ZoneError([Fault(origin.file, origin.key, "an SRV record of a domain needs a host")])
            target = record_target(lab, host, origin)
            yield Record(f"{srv.name}.{domain_name}", "SRV", srv.rdata(target), origin)
    for i, caa in enumerate(domain.caa):
        yield Record(domain_name, "CAA", caa.rdata(), Origin(file, key_path((*base, "caa", i))))


def domain_records(lab: Lab) -> Iterator[Record]:
    """Records of every constellation domain: service CNAMEs and the bare domain's addresses."""
    for loaded in lab.constellations:
        for domain_name, domain in loaded.model.domains.items():
            base = ("domains", domain_name)
            for service_name, service in domain.services.items():
                origin = Origin(loaded.file, key_path((*base, "services", service_name)))
                target = service_target(lab, lab.service_host(domain_name, service_name, service.host))
                yield Record(f"{service_name}.{domain_name}", "CNAME", target + ".", origin)
            yield from published_records(lab, loaded.file, domain_name, domain)
            bare = domain.redirect_bare_to
            if bare is not None and bare in domain.services:
                ip = lab.cadaster.address(lab.service_host(domain_name, bare, domain.services[bare].host))
                origin = Origin(loaded.file, key_path((*base, "redirect_bare_to")))
                yield Record(domain_name, "A" if ip.version == 4 else "AAAA", str(ip), origin)


def dns_hosts(lab: Lab) -> list[str]:
    """Machines carrying a role with `dns = true`, in cadaster order: `dns_hosts(lab) == ["toto"]`."""
    roles = {name for c in lab.constellations for name, role in c.model.roles.items() if role.dns}
    return [m for m in lab.cadaster.machines if roles.intersection(lab.roles_of(m))]


def dns_role_interfaces(lab: Lab, machine: str) -> list[str]:
    """Interfaces (or aliases) the DNS role's ports name on `machine`, in declaration order."""
    out: list[str] = []
    for role_name in lab.roles_of(machine):
        role = lab.role(role_name)
        if role.dns:
            for port in role.ports:
                if port.interface and port.interface not in out:
                    out.append(port.interface)
    return out


def server_names(lab: Lab, entries: list[AddressRecord] | None = None) -> list[str]:
    """NS names: each DNS host's name on the interface its role listens on (`dns.toto.canon`)."""
    names: list[str] = []
    entries = list(lab.cadaster.addresses()) if entries is None else entries
    for machine in dns_hosts(lab):
        wanted = dns_role_interfaces(lab, machine)
        picked = [
            e.names[0] for e in entries if e.machine == machine and e.interface in wanted and e.names
        ] or [lab.canon(machine)]
        names.extend(n for n in picked if n not in names)
    return names


def server_addresses(lab: Lab, machine: str) -> list[str]:
    """Addresses the DNS role listens on for `machine`: `server_addresses(lab, "toto") == ["127.0.1.53"]`."""
    wanted = dns_role_interfaces(lab, machine)
    out = [str(e.ip) for e in lab.cadaster.addresses() if e.machine == machine and e.interface in wanted]
    if not out:
        out = [str(lab.cadaster.address(machine))]
    return out


def zone_names(lab: Lab) -> list[str]:
    """Every zone a lab serves, canon first: `["canon", "canon.lan", "canon.wifi", "1.0.127…", …]`."""
    cad = lab.cadaster
    zones = [cad.domain]
    for link in dict.fromkeys(net.link for net in cad.networks.values()):
        zones.append(f"{cad.domain}.{link}")
    for net in cad.networks.values():
        for cidr in net.cidrs():  # the IPv4 reverse zone, and the ip6.arpa one of a dual-stack network
            rev = reverse_zone(cidr)
            if rev not in zones:
                zones.append(rev)
    for loaded in lab.constellations:
        for domain_name in loaded.model.domains:
            if zone_of(domain_name, zones) is None:
                zones.append(domain_name)
    return zones


def rname(admin: str, zone: str) -> str:
    """The SOA mailbox: `rname("hostmaster", "canon") == "hostmaster.canon."`; `a@b.c` -> `a.b.c.`."""
    if "@" in admin:
        local, _, domain = admin.partition("@")
        return f"{local.replace('.', chr(92) + '.')}.{domain.rstrip('.')}."
    return f"{admin}.{zone}."


def build_zones(lab: Lab) -> dict[str, Zone]:
    """All zones of a lab with their records (unlinted): `build_zones(load_lab("examples/lab"))`."""
    cad = lab.cadaster
    names = zone_names(lab)
    entries = list(cad.addresses())
    ns = server_names(lab, entries)
    if not ns:
        raise ModelError.one(
            lab.cadaster_file,
            "(constellations)",
            "no machine carries a role with dns = true: nobody serves zones",
        )
    ttls = {d: dom.ttl for c in lab.constellations for d, dom in c.model.domains.items() if dom.ttl}
    domains = {d for c in lab.constellations for d in c.model.domains}
    zones = {
        # The lab's own zones share the canon domain's mailbox; a constellation domain has its own.
        z: Zone(
            z,
            ttls.get(z, cad.dns.ttl),
            Soa(ns[0] + ".", rname(cad.dns.admin, z if z in domains else cad.domain)),
        )
        for z in names
    }
    ns_origin = Origin(lab.cadaster_file, "dns")
    for zone in zones.values():
        zone.records.extend(Record(zone.name, "NS", n + ".", ns_origin) for n in ns)
    for record in [*address_records(lab, entries), *domain_records(lab)]:
        home = zone_of(record.name, names)
        if home is not None:
            zones[home].records.append(record)
    return zones


# -- lint ----------------------------------------------------------------------------------------


def lint_zones(zones: dict[str, Zone]) -> list[Fault]:
    """elenta's own checks; each fault is reported at the model entry behind it.

    A name that two entries claim (A/AAAA/CNAME from different origins), a CNAME beside other data,
    a PTR whose target has no A/AAAA with that address in a zone served here.
    """
    faults: list[Fault] = []
    by_name: dict[str, list[Record]] = {}
    for zone in zones.values():
        for r in zone.records:
            by_name.setdefault(r.name, []).append(r)
    for name, records in by_name.items():
        if len(records) == 1:
            continue  # one record cannot clash with itself
        types = {r.rtype for r in records}
        claims = sorted({r.origin for r in records if r.rtype in ("A", "AAAA", "CNAME")})
        if "CNAME" in types and len(types) > 1:
            cname = [r for r in records if r.rtype == "CNAME"]
            others = sorted({f"{r.rtype} from {r.origin}" for r in records if r.rtype != "CNAME"})
            for r in cname:
                faults.append(
                    Fault(
                        r.origin.file,
                        r.origin.key,
                        f"CNAME {name} -> {r.value} sits beside other data at the same name: "
                        + "; ".join(others),
                    )
                )
        elif len(claims) > 1:
            for origin in claims:
                rivals = ", ".join(str(o) for o in claims if o != origin)
                faults.append(Fault(origin.file, origin.key, f"name {name} is also claimed by {rivals}"))
    addresses = {(r.name, r.value) for recs in by_name.values() for r in recs if r.rtype in ("A", "AAAA")}
    served = list(zones)
    for zone in zones.values():
        for r in zone.records:
            if r.rtype != "PTR":
                continue
            target = r.value.rstrip(".")
            ip = _ptr_address(r.name)
            if zone_of(target, served) is not None and (target, ip) not in addresses:
                faults.append(
                    Fault(r.origin.file, r.origin.key, f"PTR {r.name} -> {target} has no A/AAAA {ip}")
                )
    return sorted(faults, key=lambda f: (f.file, f.key, f.message))


def _ptr_address(owner: str) -> str:
    labels = owner.split(".")
    if owner.endswith(".in-addr.arpa"):
        return ".".join(reversed(labels[:-2]))
    nibbles = "".join(reversed(labels[:-2]))
    return str(ipaddress.IPv6Address(int(nibbles, 16)))


def check_zones(zones: dict[str, Zone]) -> dict[str, Zone]:
    """Raise ZoneError naming the model entries if `lint_zones` finds anything; else return `zones`."""
    faults = lint_zones(zones)
    if faults:
        raise ZoneError(faults)
    return zones


# -- zone text -----------------------------------------------------------------------------------


def _sort_key(record: Record) -> tuple:
    # Labels from the right, numbers in numeric order (zero-padded digits sort before letters).
    labels = [x.zfill(12) if x.isdigit() else x for x in reversed(record.name.split("."))]
    return (labels, TYPE_ORDER.get(record.rtype, 9), record.value)


def render_zone(zone: Zone, serial: int = 1) -> str:
    """The zone file text, records sorted, names relative: `render_zone(zones["canon"], 2026112600)`.

    The serial sits alone on the line ending `; serial` (`elenta.dns.serial` restamps it).
    """
    soa = zone.soa
    lines = [
        f"; zone {zone.name}, rendered by elenta from the lab model: do not edit",
        f"$ORIGIN {zone.name}.",
        f"$TTL {zone.ttl}",
        f"@ IN SOA {soa.mname} {soa.rname} (",
        f"    {serial} ; serial",
        f"    {soa.refresh} ; refresh",
        f"    {soa.retry} ; retry",
        f"    {soa.expire} ; expire",
        f"    {soa.minimum} ; minimum",
        ")",
    ]
    seen: set[tuple[str, str, str]] = set()
    for r in sorted(zone.records, key=_sort_key):
        key = (r.name, r.rtype, r.value)
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"{relative(r.name, zone.name)} IN {r.rtype} {r.value}")
    return "\n".join(lines) + "\n"


def lab_zone_texts(lab: Lab, serial: int = 1) -> dict[str, str]:
    """Every zone of a lab, linted, as text: `lab_zone_texts(lab)["canon"]`; raises ZoneError."""
    zones = check_zones(build_zones(lab))
    return {name: render_zone(zone, serial) for name, zone in zones.items()}


# -- TLD caution ---------------------------------------------------------------------------------

# Delegated TLDs people pick by accident for a home network, plus every two-letter label (ccTLDs).
PUBLIC_TLDS = frozenset(
    (
        "com",
        "net",
        "org",
        "info",
        "biz",
        "io",
        "dev",
        "app",
        "ai",
        "co",
        "me",
        "tv",
        "cc",
        "xyz",
        "online",
        "site",
        "tech",
        "cloud",
        "host",
        "page",
        "blog",
        "shop",
        "canon",
        "google",
        "apple",
        "amazon",
        "microsoft",
        "android",
        "box",
        "zip",
        "mov",
        "network",
        "systems",
        "services",
        "solutions",
        "center",
        "company",
        "email",
        "domains",
        "digital",
        "media",
        "studio",
        "world",
        "live",
        "life",
        "lol",
        "fun",
        "top",
        "link",
    )
)
# Reserved for private use, never delegated (RFC 2606, RFC 6761, RFC 8375, ICANN's .internal).
PRIVATE_SUFFIXES = ("home.arpa", "internal", "test", "example", "invalid", "localhost")


def public_suffix(name: str) -> str | None:
    """The public TLD `name` is or sits under, or None: `public_suffix("canon") == "canon"`."""
    tld = name.rstrip(".").lower().rsplit(".", 1)[-1]
    if any(name == s or name.endswith("." + s) for s in PRIVATE_SUFFIXES):
        return None
    if tld in PUBLIC_TLDS or (len(tld) == 2 and tld.isalpha()):
        return tld
    return None


def tld_warnings(lab: Lab) -> list[str]:
    """Warnings for served zones under a real public TLD (split-horizon risk): `tld_warnings(lab)`."""
    out: list[str] = []
    for zone in zone_names(lab):
        tld = public_suffix(zone)
        if tld is None or zone.endswith(".arpa"):
            continue
        where = "is" if zone == tld else "sits under"
        out.append(
            f"warning: zone {zone} {where} the public top-level domain .{tld}: the same names exist "
            f"(or may be registered) on the Internet. Only clients asking the lab's servers see the lab's "
            f"answers; a client or resolver that forwards {zone} upstream leaks its queries and gets "
            f"the public answers (split horizon). Install the resolver rule from dns/resolver/* on the "
            f"lab's resolvers, or pick a private name such as {zone.split('.')[0]}.home.arpa."
        )
    return out


def resolver_rules(zones: Iterable[str], servers: Iterable[str]) -> dict[str, str]:
    """The rule keeping the lab's names inside: forward them only to the lab's servers, never upstream.

    `resolver_rules(["canon"], ["127.0.1.53"])` -> `{"dnsmasq.conf": ..., "unbound.conf": ...}`.
    Both refuse to recurse to the Internet for these zones (dnsmasq: `server=/zone/ip` plus
    `rebind-domain-ok`; Unbound: `stub-zone` with `stub-first: no` and a transparent local-zone).
    """
    zones = list(zones)
    servers = list(servers)
    dnsmasq = ["# elenta: the lab's zones are answered by the lab's servers only, never upstream"]
    unbound = ["# elenta: the lab's zones are answered by the lab's servers only, never upstream", "server:"]
    for zone in zones:
        for server in servers:
            dnsmasq.append(f"server=/{zone}/{server}")
        dnsmasq.append(f"rebind-domain-ok=/{zone}/")
        unbound.append(f'    domain-insecure: "{zone}"')
        unbound.append(f'    local-zone: "{zone}." transparent')
        if zone.endswith(".arpa"):
            unbound.append(f'    private-domain: "{zone}"')
    for zone in zones:
        unbound += ["stub-zone:", f'    name: "{zone}."', "    stub-first: no"]
        unbound += [f"    stub-addr: {server}" for server in servers]
    return {"dnsmasq.conf": "\n".join(dnsmasq) + "\n", "unbound.conf": "\n".join(unbound) + "\n"}


# -- plan artifacts --------------------------------------------------------------------------------


def dns_artifacts(lab: Lab) -> Iterator[Artifact]:
    """Per DNS host: `dns/zones/<zone>.zone` (serial 1: stamped at apply), `dns/knot.conf`, resolver rules."""
    from elenta.dns.knot import knot_conf

    hosts = dns_hosts(lab)
    if not hosts:
        return
    texts = lab_zone_texts(lab)
    servers = [ip for m in hosts for ip in server_addresses(lab, m)]
    rules = resolver_rules(texts, servers)
    for machine in hosts:
        for zone, text in texts.items():
            yield Artifact("dns", machine, f"dns/zones/{zone}.zone", text.encode())
        listen = [f"{ip}@53" for ip in server_addresses(lab, machine)]
        yield Artifact("dns", machine, "dns/knot.conf", knot_conf(list(texts), listen).encode())
        for name, text in rules.items():
            yield Artifact("dns", machine, f"dns/resolver/{name}", text.encode())
