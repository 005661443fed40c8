"""Resolving a canon name to an address: through the lab's own DNS server, or the cadaster."""

from __future__ import annotations

from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.model.names import parse_dns_server


class LookupError_(ElentaError):
    """A name could not be resolved; the message says where it was asked and what came back."""

    exit_code = 2


def parse_server(text: str) -> tuple[str, int]:
    """Split `"127.0.1.53:5353"` into `("127.0.1.53", 5353)`; the port defaults to 53.

    A server given on the command line (`--server`) is checked here; the cadaster's were checked
    when it was loaded. Raises LookupError_ naming what is wrong.
    """
    try:
        return parse_dns_server(text)
    except ValueError as exc:
        raise LookupError_(str(exc)) from None


def resolve_name(name: str, servers: list[str], *, rdtype: str = "A", timeout: float = 3.0) -> list[str]:
    """Ask the given DNS servers (never the system resolver) for `name`'s addresses.

    `resolve_name("toto.canon", ["127.0.0.1:5353"])` -> `["127.0.1.2"]`
    """
    if not servers:
        raise LookupError_("no DNS server is named in the cadaster ([dns] servers = [...])")
    import dns.exception  # here: a deploy with --no-dns never loads dnspython
    import dns.resolver

    errors: list[str] = []
    for server in servers:
        host, port = parse_server(server)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port
        resolver.lifetime = timeout
        try:
            answer = resolver.resolve(name.rstrip(".") + ".", rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            raise LookupError_(f"{name}: no such name on DNS server {server}") from None
        except (dns.exception.DNSException, OSError) as exc:
            errors.append(f"{server}: {exc.__class__.__name__}: {exc}")
            continue
        return sorted(rr.to_text() for rr in answer)
    raise LookupError_(f"{name}: no DNS server answered ({'; '.join(errors)})")


def lookup_address(lab: Lab, name: str, *, no_dns: bool = False, servers: list[str] | None = None) -> str:
    """The IP of a canon name: from the lab's DNS server, or the cadaster with `no_dns=True`.

    `lookup_address(lab, "toto.canon", no_dns=True)` -> `"127.0.1.2"`
    """
    try:
        cadaster_ip = str(lab.cadaster.address(name))
    except KeyError as exc:
        raise LookupError_(f"{lab.cadaster_file}: machines: {exc.args[0]}") from None
    if no_dns:
        return cadaster_ip
    fqdn = name if "." in name else lab.cadaster.canon(name)
    return resolve_name(fqdn, servers if servers is not None else lab.cadaster.dns.servers)[0]


def lookup_mac(lab: Lab, name: str) -> str:
    """The MAC of a canon name from the cadaster: `lookup_mac(lab, "toto.canon")`."""
    try:
        return lab.cadaster.mac(name)
    except KeyError as exc:
        raise LookupError_(f"{lab.cadaster_file}: machines: {exc.args[0]}") from None
