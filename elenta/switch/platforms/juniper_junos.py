"""Juniper Junos (EX, QFX): the `juniper_junos` platform, driven over NETCONF.

Interface names have one spelling (`ge-0/0/1`, `xe-0/1/0`, `ae7` for a bond). The configuration
is read with `get-config` and shown as `set` lines; a change goes into the candidate and is
committed with `commit confirmed`, then confirmed by a second `commit` once read back (see
`elenta.switch.junos` and `elenta.operations.switch_netconf`). Models name their dialect: "ex" for
the EX `port-mode` syntax (EX2200/3300/4200), else ELS's `interface-mode` (EX2300 and later, QFX).
"""

from __future__ import annotations

import re

from elenta.switch.platform import HardwareModel, SwitchDriver

DRIVER = SwitchDriver(
    platform="juniper_junos",
    netmiko_device_type="juniper_junos",
    hier_config_base="juniper_junos.driver:HConfigDriverJuniperJUNOS",  # unused: `netconf` compares
    error_pattern=r"^\s*(error|syntax error).*$",
    save_command="commit",
    show_running="show configuration | display set",
    show_macs="show ethernet-switching table",
    physical_port=re.compile(r"^interface (ge|xe|et|mge|fe)-\d+/\d+/\d+$"),
    port_section="interface {name}",
    vlan_section="vlan {id}",
    port_channel="ae{id}",
    managed_port_lines=(
        "description ",
        "disable",
        "unit 0 family ethernet-switching",
        "native-vlan-id ",
        "ether-options 802.3ad ",
        "aggregated-ether-options lacp ",
    ),
    managed_vlan_lines=("vlan-id ",),
    revert_note="the switch rolls the commit back by itself in {minutes} minute(s) unless it is confirmed",
    models={
        "juniper_ex2200_24t": HardwareModel(("ge-0/0/0-23", "ge-0/1/0-3"), dialect="ex"),
        "juniper_ex2300_24t": HardwareModel(("ge-0/0/0-23", "xe-0/1/0-3"), dialect="els"),
    },
    netconf=True,
)
