"""Interface names in a platform's canonical form, and port ranges.

A switch answers `interface Fa0/1` for `interface FastEthernet0/1`, but its running
configuration only ever shows the long form: elenta compares and sends the long form, so the
two spellings can never be taken for two ports. The abbreviation tables follow NAPALM's
`napalm/base/canonical_map.py` (the long names and the short forms the CLIs accept).

    >>> canonical_interface("Fa0/1", "cisco_ios")
    'FastEthernet0/1'
    >>> canonical_interface("et3", "arista_eos")
    'Ethernet3'
    >>> expand_ports("FastEthernet0/1-3", "cisco_ios")
    ['FastEthernet0/1', 'FastEthernet0/2', 'FastEthernet0/3']

Pure: no third-party imports, so `elenta check` can use it.
"""

from __future__ import annotations

import re

# Long names of each platform, and the short forms (lowercase) that mean them.
_IOS_NAMES = {
    "FastEthernet": ("fa", "fas", "fast", "faste", "fasteth", "fastethernet", "fe"),
    "GigabitEthernet": ("gi", "gig", "gige", "gigeth", "gigabitethernet", "ge"),
    "TwoGigabitEthernet": ("tw", "two", "twogigabitethernet"),
    "FiveGigabitEthernet": ("fi", "five", "fivegigabitethernet"),
    "TenGigabitEthernet": ("te", "ten", "tengig", "tengige", "tengigabitethernet"),
    "TwentyFiveGigE": ("twe", "twentyfivegige", "twentyfivegigabitethernet"),
    "FortyGigabitEthernet": ("fo", "forty", "fortygig", "fortygige", "fortygigabitethernet"),
    "HundredGigE": ("hu", "hundredgig", "hundredgige", "hundredgigabitethernet"),
    "Ethernet": ("e", "et", "eth", "ethernet"),
    "Port-channel": ("po", "port-channel", "portchannel"),
    "Vlan": ("vl", "vlan"),
    "Loopback": ("lo", "loopback"),
    "Tunnel": ("tu", "tunnel"),
}
_EOS_NAMES = {
    "Ethernet": ("e", "et", "eth", "ethernet"),
    "Port-Channel": ("po", "port-channel", "portchannel"),
    "Management": ("ma", "mgmt", "management"),
    "Vlan": ("vl", "vlan"),
    "Loopback": ("lo", "loopback"),
}

_TABLES: dict[str, dict[str, str]] = {
    platform: {short: long for long, shorts in names.items() for short in shorts}
    for platform, names in (("cisco_ios", _IOS_NAMES), ("arista_eos", _EOS_NAMES))
}

_SPLIT = re.compile(r"^(?P<kind>[A-Za-z][A-Za-z-]*?)\s*(?P<number>\d[\d/.:]*)$")
_RANGE = re.compile(r"^(?P<head>.*?)(?P<first>\d+)-(?P<last>\d+)$")


def canonical_interface(name: str, platform: str) -> str:
    """The platform's long form of an interface name; unknown kinds and platforms stay as given.

    `canonical_interface("Gi0/2", "cisco_ios") == "GigabitEthernet0/2"`; Junos names
    (`ge-0/0/1`, `ae0`) have one spelling and stay as they are.
    """
    table = _TABLES.get(platform)
    match = _SPLIT.match(name.strip())
    if table is None or match is None:
        return name
    long = table.get(match["kind"].lower())
    return f"{long}{match['number']}" if long else name


def expand_ports(spec: str, platform: str) -> list[str]:
    """Port names of a range `FastEthernet0/1-24` (or one name), in canonical form.

    `expand_ports("Gi0/1-2", "cisco_ios") == ["GigabitEthernet0/1", "GigabitEthernet0/2"]`;
    raises ValueError for a reversed or too large range.
    """
    match = _RANGE.match(spec.strip())
    if match is None:
        return [canonical_interface(spec, platform)]
    first, last = int(match["first"]), int(match["last"])
    if last < first or last - first > 4096:
        raise ValueError(f"port range {spec!r}: {first}-{last} is not an increasing range")
    return [canonical_interface(f"{match['head']}{n}", platform) for n in range(first, last + 1)]
