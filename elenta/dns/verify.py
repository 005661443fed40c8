"""After a reload: ask the serving server for every record set of a zone and compare with the plan."""

from __future__ import annotations

import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

from elenta.dns.diff import rrsets
from elenta.dns.serial import serial_of
from elenta.lookup import parse_server


def query(server: str, name: str, rtype: str, timeout: float = 2.0) -> dns.message.Message:
    """One UDP query (TCP on truncation) to a given server: `query("127.0.0.1:5353", "toto.canon", "A")`."""
    host, port = parse_server(server)
    request = dns.message.make_query(dns.name.from_text(name), rtype)
    response, _tcp = dns.query.udp_with_fallback(request, host, timeout=timeout, port=port)
    return response


def served_serial(server: str, zone: str, timeout: float = 2.0) -> int | None:
    """The SOA serial the server answers for `zone`, or None: `served_serial("127.0.0.1:5353", "canon")`."""
    try:
        response = query(server, zone, "SOA", timeout)
    except (dns.exception.DNSException, OSError):
        return None
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return int(rrset[0].serial)
    return None


def verify_zone(server: str, zone: str, text: str, wait: float = 10.0, timeout: float = 2.0) -> list[str]:
    """Every mismatch between the zone text and what `server` answers; empty when all records match.

    `verify_zone("127.0.0.1:5353", "canon", text)`. Waits up to `wait` seconds for the served SOA
    serial to reach the text's, then queries each record set and compares the data.
    """
    expected_serial = serial_of(text)
    deadline = time.monotonic() + wait
    served = served_serial(server, zone, timeout)
    while served != expected_serial and time.monotonic() < deadline:
        time.sleep(0.1)
        served = served_serial(server, zone, timeout)
    if served != expected_serial:
        return [f"{zone}: served SOA serial is {served}, expected {expected_serial}"]
    problems = []
    for (name, rtype), values in sorted(rrsets(text, zone).items()):
        owner = zone if name == "@" else f"{name}.{zone}"
        try:
            response = query(server, owner, rtype, timeout)
        except (dns.exception.DNSException, OSError) as exc:
            problems.append(f"{owner} {rtype}: no answer ({type(exc).__name__}: {exc})")
            continue
        if response.rcode() != dns.rcode.NOERROR or not response.flags & dns.flags.AA:
            problems.append(f"{owner} {rtype}: {dns.rcode.to_text(response.rcode())}, not authoritative")
            continue
        got = {
            rdata.to_text()
            for rrset in response.answer
            if rrset.rdtype == dns.rdatatype.from_text(rtype) and rrset.name.to_text().rstrip(".") == owner
            for rdata in rrset
        }
        if got != set(values):
            problems.append(f"{owner} {rtype}: served {sorted(got)}, planned {sorted(values)}")
    return problems
