"""Arista EOS: the `arista_eos` platform.

`switchport mode access` is EOS's default and never shown; the self-revert is a configuration
session committed with `commit timer`, confirmed by committing the session again.
"""

from __future__ import annotations

import re

from elenta.switch.platform import HardwareModel, SwitchDriver
from elenta.switch.platforms.cisco_ios import MANAGED_PORT_LINES

DRIVER = SwitchDriver(
    platform="arista_eos",
    netmiko_device_type="arista_eos",
    hier_config_base="arista_eos.driver:HConfigDriverAristaEOS",
    error_pattern=r"^\s*%\s*(Invalid|Incomplete|Ambiguous|Unavailable|Error).*$",
    save_command="write memory",
    show_running="show running-config",
    show_macs="show mac address-table",
    physical_port=re.compile(r"^interface Ethernet\d\S*$"),
    port_section="interface {name}",
    vlan_section="vlan {id}",
    port_channel="Port-Channel{id}",
    managed_port_lines=tuple(line for line in MANAGED_PORT_LINES if line != "switchport voice vlan "),
    revert_session="configure session {session}",
    revert_commit="commit timer 00:{minutes:02d}:00",
    revert_cancel="configure session {session} commit",
    revert_abort="abort",
    revert_note="the switch rolls the change back in {minutes} minute(s) unless "
    "`configure session {session} commit` is sent",
    names={
        "Ethernet": ("e", "et", "eth"),
        "Port-Channel": ("po", "portchannel"),
        "Management": ("ma", "mgmt"),
        "Vlan": ("vl",),
        "Loopback": ("lo",),
    },
    models={
        "arista_7048t": HardwareModel(("Ethernet1-52",)),
        "arista_7010t_48": HardwareModel(("Ethernet1-52",)),
    },
)
