"""Per-platform knowledge of a managed switch: one small driver per platform.

A driver says how netmiko talks to the device, which hier-config platform parses its
configuration, which replies are errors, how to save, and which interfaces are physical ports.
Adding a platform is this class plus a template `elenta/switch/templates/<platform>.j2`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from hier_config import MatchRule
from hier_config.models import IdempotentCommandsRule
from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules


class HConfigDriverCiscoIOSSwitch(HConfigDriverCiscoIOS):
    """hier-config's IOS rules, plus: a port's VLAN settings are replaced in place.

    Without this, moving a port from VLAN 10 to 20 would push `no switchport access vlan 10`
    first, dropping the port into VLAN 1 for a moment.
    """

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        rules = HConfigDriverCiscoIOS._instantiate_rules()
        for setting in (
            "switchport access vlan ",
            "switchport trunk native vlan ",
            "switchport trunk allowed vlan ",
        ):
            rules.idempotent_commands.append(
                IdempotentCommandsRule(
                    match_rules=(MatchRule(startswith="interface "), MatchRule(startswith=setting))
                )
            )
        return rules


@dataclass(frozen=True)
class SwitchDriver:
    """How to manage one platform: `driver_for("cisco_ios").netmiko_device_type == "cisco_ios"`."""

    platform: str
    netmiko_device_type: str
    hier_driver: Callable[[], HConfigDriverBase]  # parses configuration text for hier-config
    # A device reply that means the line was refused (matched per line, multi-line mode).
    error_pattern: str
    save_command: str
    show_running: str
    physical_port: re.Pattern[str]
    port_section: str  # "interface {name}": how a port's section starts in the configuration
    vlan_section: str  # "vlan {id}"

    def is_physical_port(self, section: str) -> bool:
        """Whether a top-level section text names a physical port: `is_physical_port("interface Fa0/1")`."""
        return self.physical_port.match(section) is not None


CISCO_IOS = SwitchDriver(
    platform="cisco_ios",
    netmiko_device_type="cisco_ios",
    hier_driver=HConfigDriverCiscoIOSSwitch,
    error_pattern=r"^\s*%\s*(Invalid|Incomplete|Ambiguous|Unknown|Error|Bad).*$|^No such command.*$"
    r"|^Command rejected.*$",
    save_command="write memory",
    show_running="show running-config",
    physical_port=re.compile(r"^interface (FastEthernet|GigabitEthernet|TenGigabitEthernet|Ethernet)\d\S*$"),
    port_section="interface {name}",
    vlan_section="vlan {id}",
)

DRIVERS: dict[str, SwitchDriver] = {CISCO_IOS.platform: CISCO_IOS}


def driver_for(platform: str) -> SwitchDriver:
    """The driver of a platform named in the cadaster, or KeyError listing the known ones."""
    try:
        return DRIVERS[platform]
    except KeyError:
        raise KeyError(
            f"unsupported switch platform {platform!r} (supported: {', '.join(DRIVERS)})"
        ) from None
