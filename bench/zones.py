"""Benchmark: render + validate a zone of 10,000 A records and its reverse zone of 10,000 PTR records.

    python bench/zones.py          # 10000
    python bench/zones.py 50000    # another size

Measured in one run and printed as ratios (never asserted):
  1. elenta, from records: lint (names claimed twice, CNAME beside data, PTR without A) + render both
     zone texts + `named-checkzone -i local -k fail -M fail -S fail` on both (in parallel). Target < 1 s.
  2. dnspython's zone API building the same two zones (`dns.zone.Zone`, `find_rdataset`) and
     writing them as text: the reference the ratio is printed against.
  3. for context, elenta from the model: a cadaster of that many machines -> records -> zones.
"""

from __future__ import annotations

import ipaddress
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone

from elenta.dns.check import check_zone_texts
from elenta.dns.render import Origin, Record, Soa, Zone, build_zones, lint_zones, render_zone, reverse_name
from elenta.model.cadaster import Cadaster
from elenta.model.constellation import Constellation
from elenta.model.lab import Lab, LoadedConstellation

NET = ipaddress.ip_network("127.16.0.0/16")
REVERSE = "16.127.in-addr.arpa"


def addresses(n: int) -> list[ipaddress.IPv4Address]:
    hosts = NET.hosts()
    return [next(hosts) for _ in range(n)]


def elenta_zones(n: int) -> dict[str, Zone]:
    soa = Soa("ns.canon.", "hostmaster.canon.")
    origin = Origin("cadaster.toml", "machines")
    canon = Zone("canon", 3600, soa, [Record("canon", "NS", "ns.canon.", origin)])
    canon.records.append(Record("ns.canon", "A", "127.0.0.53", origin))
    rev = Zone(REVERSE, 3600, soa, [Record(REVERSE, "NS", "ns.canon.", origin)])
    for i, ip in enumerate(addresses(n)):
        o = Origin("cadaster.toml", f"machines.m{i}.interfaces.eth0")
        canon.records.append(Record(f"m{i}.canon", "A", str(ip), o))
        rev.records.append(Record(reverse_name(ip), "PTR", f"m{i}.canon.", o))
    return {"canon": canon, REVERSE: rev}


def run_elenta(zones: dict[str, Zone]) -> tuple[float, float, float]:
    start = time.perf_counter()
    faults = lint_zones(zones)
    assert not faults, faults[:3]
    linted = time.perf_counter()
    texts = {name: render_zone(zone, 2026112600) for name, zone in zones.items()}
    rendered = time.perf_counter()
    check_zone_texts(texts)
    checked = time.perf_counter()
    return linted - start, rendered - linted, checked - rendered


def run_dnspython(n: int) -> float:
    """The same two zones through dnspython's zone API (`find_rdataset(create=True)`, its fastest
    way to build a zone; a writer transaction is about three times slower), then `to_text()`."""
    start = time.perf_counter()
    ips = addresses(n)
    IN = dns.rdataclass.IN
    for origin_text in ("canon", REVERSE):
        zone = dns.zone.Zone(dns.name.from_text(origin_text))

        def add(name: str, rtype: str, value: str, zone: dns.zone.Zone = zone) -> None:
            rdtype = dns.rdatatype.from_text(rtype)
            rdataset = zone.find_rdataset(dns.name.from_text(name, None), rdtype, create=True)
            rdataset.add(dns.rdata.from_text(IN, rdtype, value), 3600)

        add("@", "SOA", "ns.canon. hostmaster.canon. 2026112600 3600 600 1209600 300")
        add("@", "NS", "ns.canon.")
        if origin_text == "canon":
            add("ns", "A", "127.0.0.53")
        for i, ip in enumerate(ips):
            if origin_text == "canon":
                add(f"m{i}", "A", str(ip))
            else:
                add(reverse_name(ip)[: -len(REVERSE) - 1], "PTR", f"m{i}.canon.")
        zone.to_text()
    return time.perf_counter() - start


def run_model(n: int) -> float:
    """Cadaster of `n` machines (already validated) -> zones: what `elenta dns plan` does per lab."""
    ips = addresses(n)
    cadaster = Cadaster.model_validate(
        {
            "networks": {"lab": {"cidr": str(NET)}},
            "machines": {
                f"m{i}": {"interfaces": {"eth0": {"network": "lab", "ip": str(ip)}}}
                for i, ip in enumerate(ips)
            },
        }
    )
    roles = Constellation.model_validate(
        {"machines": {"m0": {"hostConfig": ".#dns"}}, "roles": {"dns": {"dns": True}}}
    )
    lab = Lab(Path("."), cadaster, "cadaster.toml", [LoadedConstellation(roles, "lab.toml")])
    start = time.perf_counter()
    zones = build_zones(lab)
    lint_zones(zones)
    for zone in zones.values():
        render_zone(zone)
    return time.perf_counter() - start


def main(n: int) -> None:
    zones = elenta_zones(n)
    lint, render, check = run_elenta(zones)
    total = lint + render + check
    reference = run_dnspython(n)
    model = run_model(n)
    print(f"zones of {n:,} A + {n:,} PTR records")
    print(f"  elenta lint              {lint * 1000:8.1f} ms")
    print(f"  elenta render            {render * 1000:8.1f} ms")
    print(f"  named-checkzone (both)   {check * 1000:8.1f} ms")
    verdict = "met" if total < 1 else "MISSED"
    print(f"  elenta total             {total * 1000:8.1f} ms   target < 1000 ms: {verdict}")
    print(f"  dnspython zone API       {reference * 1000:8.1f} ms   (build + to_text, no validation)")
    print(f"  ratio elenta total / dnspython          {total / reference:6.2f}")
    print(f"  ratio elenta lint+render / dnspython    {(lint + render) / reference:6.2f}")
    print(f"  from the model: {n:,} machines -> 3 zones (canon, canon.lan, reverse) {model * 1000:8.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
