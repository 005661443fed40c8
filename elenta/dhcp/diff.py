"""What a new DHCP configuration changes, as a person reads it: reservations and network settings.

`read_config(files)` reads either server's files back into `{network: Served}` (Kea's JSON, or
dnsmasq's tagged lines as elenta writes them); `diff_configs(old, new)` gives lines such as

    + lab: 52:54:00:00:01:09 127.0.1.9 newbox.canon
    ~ lab: 52:54:00:00:01:03 127.0.1.3 nancy.canon -> 127.0.1.13 nancy.canon
    - lab: 52:54:00:00:01:05 127.0.1.5 hermes.canon
    ~ lab: range 127.0.1.100-127.0.1.199 -> none

so that `elenta dhcp plan` shows what the next deploy changes against the applied plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Served:
    """One network as a server configuration serves it: settings and reservations by MAC."""

    settings: dict[str, str] = field(default_factory=dict)
    reservations: dict[str, str] = field(default_factory=dict)  # MAC -> "address name"


def _kea(text: str) -> dict[str, Served]:
    config = json.loads(text)
    root = config.get("Dhcp4") or config.get("Dhcp6") or {}
    out: dict[str, Served] = {}
    for subnet in root.get("subnet4", []) + root.get("subnet6", []):
        served = out.setdefault(subnet["subnet"], Served())
        pools = [p["pool"].replace(" ", "") for p in subnet.get("pools", [])]
        served.settings["range"] = ", ".join(pools) or "none"
        served.settings["lease"] = str(subnet.get("valid-lifetime", ""))
        for option in subnet.get("option-data", []):
            served.settings[option["name"]] = option["data"]
        for r in subnet.get("reservations", []):
            address = r.get("ip-address") or " ".join(r.get("ip-addresses", []))
            served.reservations[r["hw-address"]] = f"{address} {r.get('hostname', '')}".strip()
    return out


def _dnsmasq(text: str) -> dict[str, Served]:
    out: dict[str, Served] = {}
    current = "all"
    for line in text.splitlines():
        if line.startswith("# network "):
            current = line.split()[2]
        key, _, value = line.partition("=")
        served = out.setdefault(current, Served())
        if key == "dhcp-range":
            parts = value.split(",")[1:]
            served.settings["range" if "." in parts[0] else "range6"] = (
                "none" if "static" in parts else f"{parts[0]}-{parts[1]}"
            )
            served.settings["lease"] = parts[-1]
        elif key == "dhcp-option":
            name, _, data = value.split(",", 1)[1].partition(",")
            served.settings[name] = data
        elif key == "dhcp-host":
            mac, *rest = value.split(",")
            served.reservations[mac] = " ".join(p for p in rest if not p.startswith("set:"))
    return {k: v for k, v in out.items() if v.settings or v.reservations}


def read_config(files: dict[str, str]) -> dict[str, Served]:
    """`{network: Served}` from a server's files: `read_config({"kea-dhcp4.conf": text})`."""
    out: dict[str, Served] = {}
    for name, text in sorted(files.items()):
        out.update(_dnsmasq(text) if name == "dnsmasq.conf" else _kea(text))
    return out


def diff_configs(old: dict[str, Served], new: dict[str, Served]) -> list[str]:
    """Lines for every reservation and setting that differs (empty when nothing does)."""
    lines: list[str] = []
    for network in sorted(set(old) | set(new)):
        before, after = old.get(network, Served()), new.get(network, Served())
        for key in sorted(set(before.settings) | set(after.settings)):
            a, b = before.settings.get(key, "none"), after.settings.get(key, "none")
            if a != b:
                lines.append(f"~ {network}: {key} {a} -> {b}")
        for mac in sorted(set(before.reservations) | set(after.reservations)):
            a, b = before.reservations.get(mac), after.reservations.get(mac)
            if a is None:
                lines.append(f"+ {network}: {mac} {b}")
            elif b is None:
                lines.append(f"- {network}: {mac} {a}")
            elif a != b:
                lines.append(f"~ {network}: {mac} {a} -> {b}")
    return lines
