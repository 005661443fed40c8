"""Switch configuration from the cadaster: desired VLANs and ports, rendered per platform.

`desired_switch(cadaster, "sw1", file)` gives the platform-neutral desired state (VLANs, and
for each port listed in the cadaster its mode, VLANs, description and admin state);
`render_switch(state)` turns it into the platform's configuration text with the jinja2 template
`templates/switch/<platform>.j2`. A new platform is one template here and one driver in
`elenta.switch.drivers`. Pure: no I/O besides reading the packaged templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from elenta.compile.artifacts import Artifact
from elenta.model.cadaster import Cadaster, Switch, SwitchPort
from elenta.model.errors import FaultCollector, ModelError
from elenta.model.lab import Lab
from elenta.switch.check import switch_table_faults, vlan_name_faults
from elenta.switch.hardware import MODELS, PLATFORMS
from elenta.switch.junos import quote
from elenta.switch.naming import canonical_interface
from elenta.switch.platforms import DRIVERS

if TYPE_CHECKING:
    import jinja2  # imported when a switch is rendered: `elenta check` stays quick


@dataclass(frozen=True)
class VlanSpec:
    """One VLAN the switch must carry: `VlanSpec(10, "lab")`."""

    id: int
    name: str


@dataclass(frozen=True)
class PortSpec:
    """One port's desired configuration (mode None: left at the platform default)."""

    name: str
    description: str | None = None
    mode: str | None = None
    access_vlan: int | None = None
    allowed_vlans: tuple[int, ...] = ()
    native_vlan: int | None = None
    shutdown: bool = False
    voice_vlan: int | None = None
    portfast: bool = False
    bpduguard: bool = False
    encapsulation: str | None = None  # trunk encapsulation, on models that need it ("dot1q")
    channel: int | None = None  # member of this LACP port-channel


@dataclass(frozen=True)
class SwitchState:
    """The desired state of one switch: `desired_switch(cadaster, "sw1").ports[0].access_vlan`."""

    name: str
    platform: str
    vlans: tuple[VlanSpec, ...]
    ports: tuple[PortSpec, ...]
    shutdown_unused: bool = False
    channels: tuple[PortSpec, ...] = ()  # one port-channel per bond, members in `ports`
    dialect: str = ""  # the model's flavour of the platform's syntax (Junos: "ex" or ELS)


def switches(cadaster: Cadaster) -> list[str]:
    """Short names of the machines that are managed switches: `switches(cadaster) == ["sw1"]`."""
    return [name for name, m in cadaster.machines.items() if m.switch is not None]


def vlan_ranges(vlans: Iterable[int]) -> str:
    """IOS notation for a VLAN list, runs of three or more collapsed.

    >>> vlan_ranges([30, 10, 11, 12, 20])
    '10-12,20,30'
    """
    ordered = sorted(set(vlans))
    runs: list[list[int]] = []
    for vlan in ordered:
        if runs and runs[-1][-1] + 1 == vlan:
            runs[-1].append(vlan)
        else:
            runs.append([vlan])
    parts = [f"{r[0]}-{r[-1]}" if len(r) >= 3 else ",".join(map(str, r)) for r in runs]
    return ",".join(parts) if parts else "none"


def desired_switch(cadaster: Cadaster, name: str, file: str = "cadaster") -> SwitchState:
    """The desired state of switch `name`; raise ModelError naming `file` and the key at fault.

    `desired_switch(lab.cadaster, "sw1", lab.cadaster_file)`
    """
    machine = cadaster.machines[name]
    switch = machine.switch
    if switch is None:
        raise ModelError.one(file, ("machines", name, "switch"), "this machine has no [switch] table")
    faults = FaultCollector(file)
    for key, message in switch_table_faults(switch):
        faults.add(("machines", name, "switch", *key), message)
    for key, message in vlan_name_faults(cadaster.networks):
        faults.add(key, message)
    if switch.platform not in PLATFORMS:
        faults.raise_if_any()
    vlans = tuple(
        VlanSpec(net.vlan, net_name) for net_name, net in cadaster.networks.items() if net.vlan is not None
    )
    hardware = MODELS.get(switch.model or "")
    ports = []
    for port_name, port in switch.ports.items():
        spec = _port_spec(cadaster, name, port_name, port, switch, faults)
        if spec is not None:
            if spec.mode == "trunk" and hardware is not None and hardware.trunk_encapsulation:
                spec = replace(spec, encapsulation="dot1q")
            ports.append(spec)
    channels = _channels(name, switch, ports, faults)
    faults.raise_if_any()
    dialect = hardware.dialect if hardware is not None else ""
    return SwitchState(name, switch.platform, vlans, tuple(ports), switch.shutdown_unused, channels, dialect)


def _channels(
    name: str, switch: Switch, ports: list[PortSpec], faults: FaultCollector
) -> tuple[PortSpec, ...]:
    """One port-channel per bond: it carries its members' VLANs; members must agree on them."""
    driver_channel = DRIVERS[switch.platform].port_channel
    out = []
    for channel in sorted({p.channel for p in ports if p.channel is not None}):
        members = [p for p in ports if p.channel == channel]
        first = members[0]
        vlans = (first.mode, first.access_vlan, first.allowed_vlans, first.native_vlan)
        for other in members[1:]:
            if (other.mode, other.access_vlan, other.allowed_vlans, other.native_vlan) != vlans:
                faults.add(
                    ("machines", name, "switch", "ports", _listed_name(switch, other.name), "channel"),
                    f"ports of channel {channel} carry different VLANs ({first.name} and {other.name})",
                )
        description = first.description.split(":", 1)[0] + ":bond" if first.description else None
        out.append(
            replace(
                first,
                name=driver_channel.format(id=channel),
                description=description,
                channel=None,
                portfast=first.portfast,
                bpduguard=first.bpduguard,
                shutdown=False,
            )
        )
    return tuple(out)


def _listed_name(switch: Switch, canonical: str) -> str:
    return next((n for n in switch.ports if canonical_interface(n, switch.platform) == canonical), canonical)


def _vlan_of(cadaster: Cadaster, network: str) -> int | None:
    net = cadaster.networks.get(network)
    return net.vlan if net is not None else None


def _port_spec(
    cadaster: Cadaster,
    switch_name: str,
    port_name: str,
    port: SwitchPort,
    switch: Switch,
    faults: FaultCollector,
) -> PortSpec | None:
    key = ("machines", switch_name, "switch", "ports", port_name)
    name = canonical_interface(port_name, switch.platform)
    plugged_network: str | None = None
    description = port.description
    if port.machine is not None:
        short = cadaster.resolve(port.machine).machine
        target = cadaster.machines[short]
        if_name = port.interface or (target.primary_interface() or (None, None))[0]
        if if_name is not None and if_name in target.interfaces:
            plugged_network = target.interfaces[if_name].network
        if description is None:
            description = f"{short}:{if_name}" if if_name else short
    mode = port.mode or (
        "trunk" if port.networks else "access" if (port.network or plugged_network) else None
    )
    unused = port.machine is None and port.network is None and not port.networks
    shutdown = port.shutdown if port.shutdown is not None else (unused and switch.shutdown_unused)
    if mode == "access":
        network = port.network or plugged_network
        vlan = _vlan_of(cadaster, network) if network else None
        if vlan is None:
            faults.add(
                (*key, "network"),
                f"access port needs a network with a VLAN id (plugged interface's network: {network!r})",
            )
            return None
        return PortSpec(
            name,
            description,
            "access",
            access_vlan=vlan,
            shutdown=shutdown,
            voice_vlan=_vlan_of(cadaster, port.voice) if port.voice else None,
            portfast=switch.portfast if port.portfast is None else port.portfast,
            bpduguard=switch.bpduguard if port.bpduguard is None else port.bpduguard,
            channel=port.channel,
        )
    if mode == "trunk":
        allowed = tuple(v for n in port.networks if (v := _vlan_of(cadaster, n)) is not None)
        native = _vlan_of(cadaster, port.native) if port.native else None
        return PortSpec(
            name,
            description,
            "trunk",
            allowed_vlans=allowed,
            native_vlan=native,
            shutdown=shutdown,
            portfast=bool(port.portfast),  # a trunk is no edge port unless the cadaster says so
            bpduguard=bool(port.bpduguard),
            channel=port.channel,
        )
    return PortSpec(name, description, None, shutdown=shutdown, channel=port.channel)


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("elenta.switch", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["vlan_ranges"] = vlan_ranges
    env.filters["junos_quote"] = quote
    return env


def render_switch(state: SwitchState) -> str:
    """The configuration text of `state` for its platform: `render_switch(desired_switch(c, "sw1"))`."""
    import jinja2

    try:
        template = _environment().get_template(f"{state.platform}.j2")
    except jinja2.TemplateNotFound:
        raise KeyError(f"no switch template for platform {state.platform!r}") from None
    return template.render(state=state, vlans=state.vlans, ports=state.channels + state.ports)


def switch_artifacts(lab: Lab) -> Iterable[Artifact]:
    """Each switch's desired configuration: `switches/sw1.cfg`, one artifact per switch."""
    for name in switches(lab.cadaster):
        state = desired_switch(lab.cadaster, name, lab.cadaster_file)
        yield Artifact("switch", name, f"switches/{name}.cfg", render_switch(state).encode())
