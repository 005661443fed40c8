"""Desired switch state from the cadaster, and its Cisco IOS rendering (pure)."""

from __future__ import annotations

import pytest

from elenta.compile.artifacts import registered_builders
from elenta.model.cadaster import Cadaster
from elenta.model.errors import ModelError
from elenta.model.lab import load_lab
from elenta.switch.render import PortSpec, VlanSpec, desired_switch, render_switch, switches, vlan_ranges

LAB = "examples/lab"


@pytest.fixture(scope="module")
def lab():
    return load_lab(LAB)


def _cadaster(**switch_extra: object) -> Cadaster:
    switch = {"platform": "cisco_ios", "ports": {}, **switch_extra}
    return Cadaster.model_validate(
        {
            "networks": {
                "lab": {"cidr": "127.0.1.0/24", "vlan": 10},
                "flat": {"cidr": "127.0.9.0/24"},
            },
            "machines": {
                "a": {"interfaces": {"eth0": {"network": "lab", "ip": "127.0.1.2"}}},
                "b": {"interfaces": {"eth0": {"network": "flat", "ip": "127.0.9.2"}}},
                "sw": {
                    "kind": "switch",
                    "interfaces": {"mgmt": {"network": "lab", "ip": "127.0.1.250"}},
                    "switch": switch,
                },
            },
        }
    )


def test_example_lab_desired_state(lab) -> None:
    state = desired_switch(lab.cadaster, "sw1", lab.cadaster_file)
    assert state.vlans == (VlanSpec(10, "lab"), VlanSpec(20, "home"), VlanSpec(30, "wifi"))
    ports = {p.name: p for p in state.ports}
    assert ports["FastEthernet0/1"] == PortSpec("FastEthernet0/1", "toto:enp2s0", "access", access_vlan=10)
    assert ports["FastEthernet0/4"].description == "ifrit:lan0"
    assert ports["GigabitEthernet0/1"] == PortSpec(
        "GigabitEthernet0/1", "wrt:lan", "trunk", allowed_vlans=(10, 30), native_vlan=10
    )


def test_example_lab_renders_cisco_ios(lab) -> None:
    text = render_switch(desired_switch(lab.cadaster, "sw1"))
    assert "vlan 30\n name wifi\n!" in text
    assert (
        "interface FastEthernet0/2\n description nancy:enp3s0\n switchport access vlan 10\n"
        " switchport mode access\n!"
    ) in text
    assert (
        "interface GigabitEthernet0/1\n description wrt:lan\n switchport trunk native vlan 10\n"
        " switchport trunk allowed vlan 10,30\n switchport mode trunk\n!"
    ) in text
    assert "shutdown" not in text


def test_switches_and_artifact(lab) -> None:
    assert switches(lab.cadaster) == ["sw1"]
    artifacts = list(registered_builders()["switch"](lab))
    assert [(a.subsystem, a.machine, a.path) for a in artifacts] == [("switch", "sw1", "switches/sw1.cfg")]
    assert artifacts[0].content.decode() == render_switch(desired_switch(lab.cadaster, "sw1"))


@pytest.mark.parametrize(
    ("vlans", "text"),
    [([], "none"), ([10], "10"), ([10, 11], "10,11"), ([3, 1, 2, 7, 9, 8, 20], "1-3,7-9,20")],
)
def test_vlan_ranges(vlans: list[int], text: str) -> None:
    assert vlan_ranges(vlans) == text


def test_unused_ports_shut_down_only_when_asked() -> None:
    ports = {"Fa0/1": {"machine": "a"}, "Fa0/2": {}, "Fa0/3": {"shutdown": False}}
    state = desired_switch(_cadaster(shutdown_unused=True, ports=ports), "sw")
    assert [(p.name, p.shutdown) for p in state.ports] == [
        ("Fa0/1", False),
        ("Fa0/2", True),
        ("Fa0/3", False),
    ]
    assert "interface Fa0/2\n shutdown\n!" in render_switch(state)
    kept = desired_switch(_cadaster(shutdown_unused=False, ports=ports), "sw")
    assert not any(p.shutdown for p in kept.ports)


def test_explicit_network_and_description_win() -> None:
    ports = {"Fa0/1": {"machine": "a", "network": "lab", "description": "uplink of a"}}
    (port,) = desired_switch(_cadaster(ports=ports), "sw").ports
    assert (port.description, port.mode, port.access_vlan) == ("uplink of a", "access", 10)


def test_access_port_on_a_network_without_vlan_names_the_key() -> None:
    with pytest.raises(ModelError) as err:
        desired_switch(_cadaster(ports={"Fa0/7": {"machine": "b"}}), "sw", "c.toml")
    assert str(err.value).startswith('c.toml: machines.sw.switch.ports."Fa0/7".network: access port needs')


def test_unknown_platform_template() -> None:
    state = desired_switch(_cadaster(platform="junos"), "sw")
    with pytest.raises(KeyError, match="no switch template for platform 'junos'"):
        render_switch(state)
