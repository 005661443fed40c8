"""What the completed Cisco and Arista emulators share: extra port lines and MAC notation."""

from __future__ import annotations

from typing import Any


def keep_extra(port: Any, line: str, negated: bool) -> None:
    """Store a port line the emulator does not model (`spanning-tree portfast`), or drop it (`no …`).

    One line per kind (its first two words): `spanning-tree bpduguard enable` replaces
    `spanning-tree bpduguard disable`.
    """
    extras = port.vendor_specific.setdefault("extra", [])
    kind = " ".join(line.split()[:2])
    extras[:] = [e for e in extras if " ".join(e.split()[:2]) != kind]
    if not negated:
        extras.append(line)


def dotted_mac(mac: str) -> str:
    """A MAC as switches print it: `dotted_mac("52:54:00:00:01:02") == "5254.0000.0102"`."""
    digits = mac.replace(":", "").replace("-", "").lower()
    return ".".join(digits[i : i + 4] for i in (0, 4, 8))
