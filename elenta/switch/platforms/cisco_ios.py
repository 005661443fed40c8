"""Cisco IOS (Catalyst 2960, 3560, 3750…): the `cisco_ios` platform.

Abbreviations after NAPALM's `napalm/base/canonical_map.py`; the self-revert is `reload in N`.
"""

from __future__ import annotations

import re

from elenta.switch.platform import HardwareModel, SwitchDriver

MANAGED_PORT_LINES = (
    "description ",
    "switchport access vlan ",
    "switchport mode ",
    "switchport trunk native vlan ",
    "switchport trunk allowed vlan ",
    "switchport voice vlan ",
    "spanning-tree portfast",
    "spanning-tree bpduguard ",
    "channel-group ",
    "shutdown",
)

DRIVER = SwitchDriver(
    platform="cisco_ios",
    netmiko_device_type="cisco_ios",
    hier_config_base="cisco_ios.driver:HConfigDriverCiscoIOS",
    error_pattern=r"^\s*%\s*(Invalid|Incomplete|Ambiguous|Unknown|Error|Bad).*$|^No such command.*$"
    r"|^Command rejected.*$",
    save_command="write memory",
    show_running="show running-config",
    show_macs="show mac address-table",
    physical_port=re.compile(
        r"^interface (FastEthernet|GigabitEthernet|TwoGigabitEthernet|FiveGigabitEthernet"
        r"|TenGigabitEthernet|TwentyFiveGigE|FortyGigabitEthernet|HundredGigE|Ethernet)\d\S*$"
    ),
    port_section="interface {name}",
    vlan_section="vlan {id}",
    port_channel="Port-channel{id}",
    managed_port_lines=MANAGED_PORT_LINES,
    revert_schedule="reload in {minutes}",
    revert_cancel="reload cancel",
    revert_note="the switch reloads to its saved configuration in {minutes} minute(s) "
    "unless `reload cancel` is sent",
    names={
        "FastEthernet": ("fa", "fas", "fast", "faste", "fasteth", "fe"),
        "GigabitEthernet": ("gi", "gig", "gige", "gigeth", "ge"),
        "TwoGigabitEthernet": ("tw", "two"),
        "FiveGigabitEthernet": ("fi", "five"),
        "TenGigabitEthernet": ("te", "ten", "tengig", "tengige"),
        "TwentyFiveGigE": ("twe", "twentyfivegigabitethernet"),
        "FortyGigabitEthernet": ("fo", "forty", "fortygig", "fortygige"),
        "HundredGigE": ("hu", "hundredgig", "hundredgigabitethernet"),
        "Ethernet": ("e", "et", "eth"),
        "Port-channel": ("po", "portchannel"),
        "Vlan": ("vl",),
        "Loopback": ("lo",),
        "Tunnel": ("tu",),
    },
    models={
        "cisco_2960_24TT_L": HardwareModel(("FastEthernet0/1-24", "GigabitEthernet0/1-2")),
        "cisco_2960_48TT_L": HardwareModel(("FastEthernet0/1-48", "GigabitEthernet0/1-2")),
        "cisco_3560_24TS": HardwareModel(
            ("FastEthernet0/1-24", "GigabitEthernet0/1-2"), trunk_encapsulation=True
        ),
        "cisco_3750x_48": HardwareModel(
            ("GigabitEthernet1/0/1-48", "GigabitEthernet1/1/1-4"), trunk_encapsulation=True
        ),
    },
)
