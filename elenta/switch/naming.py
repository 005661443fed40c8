"""Interface names in a platform's canonical form, and port ranges.

A switch answers `interface Fa0/1` for `interface FastEthernet0/1`, but its running
configuration only ever shows the long form: elenta compares and sends the long form, so the
two spellings can never be taken for two ports. Each platform's short forms are in its module
(`elenta/switch/platforms/`), after NAPALM's `napalm/base/canonical_map.py`.

    >>> canonical_interface("Fa0/1", "cisco_ios")
    'FastEthernet0/1'
    >>> canonical_interface("et3", "arista_eos")
    'Ethernet3'
    >>> expand_ports("FastEthernet0/1-3", "cisco_ios")
    ['FastEthernet0/1', 'FastEthernet0/2', 'FastEthernet0/3']
"""

from __future__ import annotations

import re

from elenta.switch.platforms import DRIVERS

_RANGE = re.compile(r"^(?P<head>.*?)(?P<first>\d+)-(?P<last>\d+)$")


def canonical_interface(name: str, platform: str) -> str:
    """The platform's long form of an interface name; unknown kinds and platforms stay as given.

    `canonical_interface("Gi0/2", "cisco_ios") == "GigabitEthernet0/2"`; Junos names
    (`ge-0/0/1`, `ae0`) have one spelling and stay as they are.
    """
    driver = DRIVERS.get(platform)
    return driver.canonical(name) if driver is not None else name


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
