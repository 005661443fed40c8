"""The Dell DNOS 6 platform's pure pieces: flat text, names, pushes with `exit`, scope (no switch)."""

from __future__ import annotations

from elenta.operations.switch import push_lines
from elenta.switch.diff import Scope, plan_change, restore_lines
from elenta.switch.drivers import CISCO_IOS, driver_for
from elenta.switch.hardware import model_ports
from elenta.switch.naming import canonical_interface, expand_ports
from elenta.switch.platforms.dell_os6 import dnos6_indented

DELL = driver_for("dell_os6")

# As a real N-series shows it: short names, quoted names, VLAN lists collapsed their own way.
SHOWN = """!Current Configuration:
!System Description "Dell Networking N4032"
!
configure
vlan 10,20,99
exit
vlan 10
name "lab"
exit
hostname "sw1"
interface Te1/0/1
description 'toto:enp2s0'
switchport access vlan 10
storm-control broadcast level 20
exit
!
interface Te1/0/5
switchport mode trunk
switchport trunk allowed vlan 10-11,20
exit
!
interface vlan 99
ip address 127.0.99.1 255.255.255.0
exit
exit
"""

DESIRED = """vlan 10
name lab
exit
interface tengigabitethernet 1/0/1
description "toto:enp2s0"
switchport access vlan 10
exit
interface tengigabitethernet 1/0/7
description "nancy:enp3s0"
switchport access vlan 10
exit
"""


def test_flat_sections_become_indented_with_one_spelling() -> None:
    assert dnos6_indented(SHOWN).splitlines() == [
        "vlan 10,20,99",
        "vlan 10",
        " name lab",
        'hostname "sw1"',
        "interface tengigabitethernet 1/0/1",
        ' description "toto:enp2s0"',
        " switchport access vlan 10",
        " storm-control broadcast level 20",
        "interface tengigabitethernet 1/0/5",
        " switchport mode trunk",
        " switchport trunk allowed vlan 10,11,20",
        "interface vlan 99",
        " ip address 127.0.99.1 255.255.255.0",
    ]
    odd = dnos6_indented("interface Te1/0/2\nswitchport trunk allowed vlan 10--,\nexit\n")
    assert odd.splitlines()[1] == " switchport trunk allowed vlan 10--,"  # left as it is, no crash
    # Indented text (a backup in hier-config's form) is taken as it is.
    indented = dnos6_indented(SHOWN)
    assert dnos6_indented(indented) == indented


def test_names_ranges_and_model_ports() -> None:
    assert canonical_interface("Te1/0/3", "dell_os6") == "tengigabitethernet 1/0/3"
    assert canonical_interface("gi1/0/48", "dell_os6") == "gigabitethernet 1/0/48"
    assert canonical_interface("Po7", "dell_os6") == "port-channel 7"
    assert expand_ports("Te1/0/1-3", "dell_os6")[-1] == "tengigabitethernet 1/0/3"
    assert model_ports("dell_n4032")[-1] == "fortygigabitethernet 1/1/2"
    assert canonical_interface("Fa0/1", "cisco_ios") == "FastEthernet0/1"  # others unchanged


def test_pushes_close_each_section_with_exit() -> None:
    lines = ["vlan 10", "  name lab", "no vlan 40", "interface Te1/0/1", "  shutdown"]
    assert push_lines(lines, DELL.section_exit) == [
        "vlan 10",
        "name lab",
        "exit",
        "no vlan 40",
        "interface Te1/0/1",
        "shutdown",
        "exit",
    ]
    assert push_lines(lines, CISCO_IOS.section_exit) == [line.strip() for line in lines]


def test_a_port_move_negates_without_values_and_a_default_port_is_not_unknown() -> None:
    scope = Scope(frozenset({10}), frozenset({"tengigabitethernet 1/0/1", "tengigabitethernet 1/0/7"}))
    moved = DESIRED.replace("interface tengigabitethernet 1/0/1\n", "interface tengigabitethernet 1/0/9\n")
    change = plan_change(SHOWN, moved, DELL, scope)
    assert change.unknown_ports == ()  # 1/0/7 and 1/0/9 are at their defaults: not shown, not unknown
    assert [line.strip() for line in change.remediation] == [
        "interface tengigabitethernet 1/0/9",
        'description "toto:enp2s0"',
        "switchport access vlan 10",
        "interface tengigabitethernet 1/0/7",
        'description "nancy:enp3s0"',
        "switchport access vlan 10",
        "interface tengigabitethernet 1/0/1",
        "no description",
        "no switchport access vlan",
    ]  # storm control was set by hand: left alone
    only_toto = DESIRED.split("interface tengigabitethernet 1/0/7")[0]
    assert plan_change(SHOWN, only_toto, DELL).remediation == ()  # as desired: nothing to push


def test_restoring_a_port_missing_from_the_backup_empties_it() -> None:
    after = SHOWN.replace(
        "interface Te1/0/5\n", 'interface Te1/0/6\ndescription "x"\nexit\ninterface Te1/0/5\n'
    )
    lines = restore_lines(after, SHOWN, DELL, {"interface tengigabitethernet 1/0/6", "vlan 99"})
    assert [line.strip() for line in lines] == ["interface tengigabitethernet 1/0/6", "no description"]


def test_an_owned_range_shuts_down_ports_the_switch_does_not_show() -> None:
    scope = Scope(frozenset({10}), frozenset({"tengigabitethernet 1/0/1", "tengigabitethernet 1/0/2"}))
    only_toto = DESIRED.split("interface tengigabitethernet 1/0/7")[0]
    change = plan_change(SHOWN, only_toto, DELL, scope, shutdown_unused=True)
    assert [line.strip() for line in change.remediation] == ["interface tengigabitethernet 1/0/2", "shutdown"]


def test_a_port_name_may_carry_the_separator_only_between_kind_and_number() -> None:
    from elenta.model.cadaster import Switch
    from elenta.switch.check import switch_table_faults

    good = Switch(platform="dell_os6", model="dell_n4032", ports={"Te1/0/1": {}, "Fo1/1/2": {}})
    assert switch_table_faults(good) == []
    bad = Switch(platform="dell_os6", ports={"Te1/0/1 x": {}, "Te1/0/2\nexit": {}})
    assert [key for key, _ in switch_table_faults(bad)] == [
        ("ports", "Te1/0/1 x"),
        ("ports", "Te1/0/2\nexit"),
    ]
