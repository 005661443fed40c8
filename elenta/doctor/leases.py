"""Lease files read back: Kea's memfile CSV and dnsmasq's lease file, one `Lease` per live lease.

`parse_leases(text)` recognises the format by its content: Kea's CSV starts with the header
`address,hwaddr,…`; dnsmasq writes `<expiry> <mac> <ip> <hostname> <client-id>` lines. Kea
appends a new line for every change of a lease, so the last line of an address wins; an expired
lease (Kea `expire` or dnsmasq expiry in the past, or Kea state 1 = declined, 2 = expired-reclaimed)
is dropped when `now` is given.
"""

from __future__ import annotations

import csv
import io
import ipaddress
from dataclasses import dataclass

from elenta.model.names import normalise_mac


@dataclass(frozen=True)
class Lease:
    """One lease: `Lease("192.0.2.10", "52:54:00:aa:00:10", "toto", expires=1796028853)`."""

    ip: str
    mac: str
    hostname: str = ""
    expires: int = 0


def _mac(text: str) -> str | None:
    try:
        return normalise_mac(text)
    except ValueError:
        return None


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def parse_kea_csv(text: str, now: float | None = None) -> list[Lease]:
    """Kea's `kea-leases4.csv` (memfile): the current lease per address."""
    current: dict[str, Lease | None] = {}
    for row in csv.DictReader(io.StringIO(text)):
        ip, mac = _ip(row.get("address") or ""), _mac(row.get("hwaddr") or "")
        if ip is None:
            continue
        expires = int(row.get("expire") or 0) if (row.get("expire") or "").isdigit() else 0
        state = row.get("state") or "0"
        gone = state != "0" or mac is None or (now is not None and expires and expires < now)
        current[ip] = None if gone else Lease(ip, mac, (row.get("hostname") or "").rstrip("."), expires)  # type: ignore[arg-type]
    return [lease for lease in current.values() if lease is not None]


def parse_dnsmasq(text: str, now: float | None = None) -> list[Lease]:
    """dnsmasq's lease file (`/var/lib/misc/dnsmasq.leases`); DHCPv6 lines (`duid …`) are skipped."""
    out = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 4 or words[0] == "duid":
            continue
        ip, mac = _ip(words[2]), _mac(words[1])
        expires = int(words[0]) if words[0].isdigit() else 0
        if ip is None or mac is None or (now is not None and expires and expires < now):
            continue
        out.append(Lease(ip, mac, "" if words[3] == "*" else words[3], expires))
    return out


def parse_leases(text: str, now: float | None = None) -> list[Lease]:
    """Either format, recognised by its first line: `parse_leases(open(path).read(), time.time())`."""
    if text.lstrip().startswith("address,"):
        return parse_kea_csv(text, now)
    return parse_dnsmasq(text, now)
