"""Desired switch state from the cadaster, and its Cisco IOS rendering (pure)."""

from __future__ import annotations

from dataclasses import replace

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
    assert ports["FastEthernet0/1"] == PortSpec(
        "FastEthernet0/1", "toto:enp2s0", "access", access_vlan=10, portfast=True, bpduguard=True
    )
    assert ports["FastEthernet0/4"].description == "ifrit:lan0"
    assert ports["GigabitEthernet0/1"] == PortSpec(
        "GigabitEthernet0/1", "wrt:lan", "trunk", allowed_vlans=(10, 30), native_vlan=10
    )


def test_example_lab_renders_cisco_ios(lab) -> None:
    text = render_switch(desired_switch(lab.cadaster, "sw1"))
    assert "vlan 30\n name wifi\n!" in text
    assert (
        "interface FastEthernet0/2\n description nancy:enp3s0\n switchport access vlan 10\n"
        " switchport mode access\n spanning-tree portfast\n spanning-tree bpduguard enable\n!"
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
        ("FastEthernet0/1", False),
        ("FastEthernet0/2", True),
        ("FastEthernet0/3", False),
    ]
    assert "interface FastEthernet0/2\n shutdown\n!" in render_switch(state)
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


def test_unknown_platform_is_a_fault_naming_the_key() -> None:
    with pytest.raises(
        ModelError, match=r"c.toml: machines.sw.switch.platform: unsupported switch platform 'junos'"
    ):
        desired_switch(_cadaster(platform="junos"), "sw", "c.toml")
    state = desired_switch(_cadaster(), "sw")
    with pytest.raises(KeyError, match="no switch template for platform 'junos'"):
        render_switch(replace(state, platform="junos"))


def test_short_port_names_render_in_the_platform_long_form() -> None:
    (port,) = desired_switch(_cadaster(ports={"Gi0/1": {"machine": "a"}}), "sw").ports
    assert port.name == "GigabitEthernet0/1"


def test_access_profile_defaults_can_be_turned_off_and_voice_vlan() -> None:
    ports = {
        "Fa0/1": {"machine": "a", "voice": "lab"},
        "Fa0/2": {"machine": "a", "portfast": False},
        "Fa0/3": {"network": "lab", "bpduguard": False},
    }
    text = render_switch(desired_switch(_cadaster(ports=ports), "sw"))
    assert " switchport voice vlan 10\n spanning-tree portfast\n spanning-tree bpduguard enable\n" in text
    fa2 = text.split("interface FastEthernet0/2\n", 1)[1].split("!", 1)[0]
    assert "portfast" not in fa2 and "bpduguard enable" in fa2
    fa3 = text.split("interface FastEthernet0/3\n", 1)[1].split("!", 1)[0]
    assert "portfast" in fa3 and "bpduguard" not in fa3
    no_defaults = render_switch(desired_switch(_cadaster(ports=ports, portfast=False, bpduguard=False), "sw"))
    assert "spanning-tree" not in no_defaults.split("interface FastEthernet0/2")[1]


def test_trunk_encapsulation_where_the_model_needs_it() -> None:
    ports = {"Gi0/1": {"networks": ["lab"], "native": "lab"}}
    needs = render_switch(desired_switch(_cadaster(model="cisco_3560_24TS", ports=ports), "sw"))
    assert " switchport trunk encapsulation dot1q\n" in needs
    plain = render_switch(desired_switch(_cadaster(model="cisco_2960_24TT_L", ports=ports), "sw"))
    assert "encapsulation" not in plain and "portfast" not in plain


def test_bond_renders_a_port_channel_and_its_members() -> None:
    ports = {
        "Fa0/1": {"machine": "a", "channel": 1},
        "Fa0/2": {"machine": "a", "channel": 1},
    }
    state = desired_switch(_cadaster(ports=ports), "sw")
    text = render_switch(state)
    assert text.index("interface Port-channel1\n") < text.index("interface FastEthernet0/1\n")
    assert "interface Port-channel1\n description a:bond\n switchport access vlan 10\n" in text
    assert text.count(" channel-group 1 mode active\n") == 2
    ports["Fa0/2"] = {"network": "lab", "mode": "trunk", "networks": ["lab"], "channel": 1}
    with pytest.raises(ModelError, match=r'ports."Fa0/2".channel: ports of channel 1 carry different VLANs'):
        desired_switch(_cadaster(ports=ports), "sw", "c.toml")


def test_bond_is_in_the_host_data_of_its_machine(tmp_path) -> None:
    import shutil

    from elenta.hostdata.render import discovery_data, host_json
    from elenta.switch.bonds import machine_bonds

    shutil.copytree(LAB, tmp_path / "lab")
    cadaster = tmp_path / "lab" / "cadaster.toml"
    fa2 = '[machines.sw1.switch.ports."FastEthernet0/2"]\nmachine = "nancy"\ninterface = "enp3s0"\n'
    fa12 = fa2.replace("0/2", "0/12").replace("enp3s0", "enp4s0")
    text = cadaster.read_text().replace(fa2, f"{fa2}channel = 3\n{fa12}channel = 3\n")
    text = text.replace(
        "[machines.archimedes]",
        '[machines.nancy.interfaces.enp4s0]\nnetwork = "lab"\nip = "127.0.1.13"\n\n[machines.archimedes]',
    )
    cadaster.write_text(text)
    lab = load_lab(tmp_path / "lab")
    bond = {"interfaces": ["enp3s0", "enp4s0"], "mode": "802.3ad", "switch": "sw1", "channel": 3}
    assert machine_bonds(lab.cadaster) == {"nancy": {"bond3": bond}}
    data = discovery_data(lab)
    assert data["machines"]["nancy"]["bonds"] == {"bond3": bond}
    assert b'"bonds"' in host_json(data, "nancy") and "bonds" not in data["machines"]["toto"]
    assert "interface Port-channel3\n description nancy:bond\n" in render_switch(
        desired_switch(lab.cadaster, "sw1")
    )
