"""What `elenta check` asks of the switches, offline: tables, ports, names, desired states.

`switch_table_faults(switch)` and `vlan_name_faults(networks)` run whenever a switch's desired
state is built (`desired_switch`), so `check`, `plan`, `net` and every deploy refuse the same
things before any connection; each fault is `(key, message)` relative to the switch's table:

    >>> from elenta.model.cadaster import Switch
    >>> switch_table_faults(Switch(model="cisco_2960_24TT_L", ports={"Fa0/30": {}}))[0][1][:52]
    'model cisco_2960_24TT_L has no port FastEthernet0/30'

`switch_faults(lab)` builds every switch's desired state (the subsystem's `check`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from elenta.model.errors import Fault, ModelError
from elenta.switch.hardware import MODEL_PLATFORM, MODELS, PLATFORMS, model_ports
from elenta.switch.naming import canonical_interface, expand_ports
from elenta.switch.platforms import DRIVERS

if TYPE_CHECKING:
    from elenta.model.cadaster import Network, Switch
    from elenta.model.lab import Lab


def switch_faults(lab: Lab) -> list[Fault]:
    """Every switch's desired state checked against the cadaster (nothing rendered, nothing reached)."""
    from elenta.switch.render import desired_switch, switches

    faults: list[Fault] = []
    for name in switches(lab.cadaster):
        try:
            desired_switch(lab.cadaster, name, lab.cadaster_file)
        except ModelError as exc:
            faults += exc.faults
        faults += [
            Fault(str(lab.cadaster_file), f"machines.{name}.ssh.{key}", message)
            for key, message in ignored_ssh_keys(lab.cadaster.machines[name].ssh.model_fields_set)
        ]
    return list(dict.fromkeys(faults))  # a network's fault is found once per switch


# What a switch's `ssh` table may hold: elenta reaches a switch at its management address with
# its `switch.credentials`, through no jump host and no key file.
SWITCH_SSH_KEYS = ("port", "host_key")


def ignored_ssh_keys(given: set[str]) -> list[tuple[str, str]]:
    """The keys of a switch's `ssh` table that would be ignored: `ignored_ssh_keys({"user"})`."""
    return [
        (
            key,
            f"a switch takes only ssh.{' and ssh.'.join(SWITCH_SSH_KEYS)}; it is reached at its "
            "management address with switch.credentials, so this key would be ignored: remove it",
        )
        for key in sorted(given - set(SWITCH_SSH_KEYS))
    ]


Key = tuple[str | int, ...]
# An interface name as every platform writes it (`FastEthernet0/1`, `Ethernet3`, `ge-0/0/1`, `ae7`):
# it reaches configuration lines and Junos `set` lines unquoted.
PORT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9/.:-]{0,63}$")
MAX_DESCRIPTION = 200  # IOS-XE's limit, the smallest of the platforms
# What a switch CLI takes as one description: printable ASCII, no line break, not blank at the ends.
DESCRIPTION = re.compile(rf"^[!-~](?:[ -~]{{0,{MAX_DESCRIPTION - 2}}}[!-~])?$")


def switch_table_faults(switch: Switch) -> list[tuple[Key, str]]:
    """What is wrong with one switch table, offline (empty: nothing)."""
    faults: list[tuple[Key, str]] = []
    if switch.platform not in PLATFORMS:
        return [
            (
                ("platform",),
                f"unsupported switch platform {switch.platform!r} (supported: {', '.join(PLATFORMS)})",
            )
        ]
    known: set[str] | None = None
    if switch.model is not None:
        hardware = MODELS.get(switch.model)
        if hardware is None:
            names = ", ".join(m for m, p in MODEL_PLATFORM.items() if p == switch.platform)
            faults.append(
                (("model",), f"unknown model {switch.model!r} (known for {switch.platform}: {names})")
            )
        elif MODEL_PLATFORM[switch.model] != switch.platform:
            faults.append(
                (
                    ("model",),
                    f"model {switch.model} is a {MODEL_PLATFORM[switch.model]} switch, not {switch.platform}",
                )
            )
        else:
            known = set(model_ports(switch.model))
    seen: dict[str, str] = {}
    for name, port in switch.ports.items():
        if port.description is not None and not DESCRIPTION.match(port.description):
            faults.append(
                (
                    ("ports", name, "description"),
                    f"a port description is 1 to {MAX_DESCRIPTION} printable ASCII characters, no line break "
                    f"(got {port.description[:40]!r})",
                )
            )
        if port.voice is not None and switch.platform != "cisco_ios":
            faults.append((("ports", name, "voice"), f"a voice VLAN is not supported on {switch.platform}"))
        driver = DRIVERS[switch.platform]
        if driver.port_faults is not None:
            faults += [(("ports", name, *key), message) for key, message in driver.port_faults(port)]
        canonical = canonical_interface(name, switch.platform)
        if not _port_name(canonical, driver.name_separator):
            faults.append(
                (("ports", name), f"{name!r} is not an interface name (letters, digits, '/', '.', ':', '-')")
            )
            continue
        if canonical in seen:
            faults.append(
                (("ports", name), f"{name!r} is the same port as {seen[canonical]!r} ({canonical})")
            )
        seen.setdefault(canonical, name)
        if known is not None and canonical not in known:
            faults.append((("ports", name), _no_such_port(switch, canonical)))
    for index, spec in enumerate(switch.owned_ports):
        try:
            ports = expand_ports(spec, switch.platform)
        except ValueError as exc:
            faults.append((("owned_ports", index), str(exc)))
            continue
        missing = [p for p in ports if known is not None and p not in known]
        if missing:
            faults.append((("owned_ports", index), _no_such_port(switch, missing[0])))
    return faults


def _port_name(name: str, separator: str) -> bool:
    """Whether `name` is an interface name, with the platform's separator after its kind.

    `_port_name("tengigabitethernet 1/0/1", " ")`; `"Te1/0/1 x"` is none.
    """
    if PORT_NAME.match(name):
        return True
    kind, _, number = name.partition(separator) if separator else (name, "", "")
    return (
        bool(number)
        and re.fullmatch(r"[A-Za-z][A-Za-z-]*", kind) is not None
        and (re.fullmatch(r"\d[\d/.:]*", number) is not None)
    )


def _no_such_port(switch: Switch, port: str) -> str:
    assert switch.model is not None
    ranges = ", ".join(MODELS[switch.model].ports)
    return f"model {switch.model} has no port {port} (its ports: {ranges})"


VLAN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def vlan_name_faults(networks: dict[str, Network]) -> list[tuple[Key, str]]:
    """Networks with a VLAN id whose name cannot be a switch's VLAN name (`name lab`), if any.

    >>> from elenta.model.cadaster import Network
    >>> vlan_name_faults({"my lab": Network(cidr="127.0.1.0/24", vlan=10)})[0][1][:40]
    'becomes the VLAN name on the switches: 1'
    """
    return [
        (
            ("networks", name),
            "becomes the VLAN name on the switches: 1 to 32 letters, digits, '_', '.' or '-'",
        )
        for name, network in networks.items()
        if network.vlan is not None and not VLAN_NAME.match(name)
    ]
