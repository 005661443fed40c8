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
from hier_config.platforms.arista_eos.driver import HConfigDriverAristaEOS
from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules

from elenta.switch.naming import canonical_interface


def _vlans_in_place(rules: HConfigDriverRules) -> HConfigDriverRules:
    """A port's VLAN settings are replaced in place (`switchport access vlan 20` over 10).

    Without this, moving a port from VLAN 10 to 20 would push `no switchport access vlan 10`
    first, dropping the port into VLAN 1 for a moment.
    """
    for setting in (
        "switchport access vlan ",
        "switchport trunk native vlan ",
        "switchport trunk allowed vlan ",
        "switchport voice vlan ",
        "switchport mode ",
        "channel-group ",
    ):
        rules.idempotent_commands.append(
            IdempotentCommandsRule(
                match_rules=(MatchRule(startswith="interface "), MatchRule(startswith=setting))
            )
        )
    return rules


class HConfigDriverCiscoIOSSwitch(HConfigDriverCiscoIOS):
    """hier-config's IOS rules, plus VLAN settings replaced in place."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        return _vlans_in_place(HConfigDriverCiscoIOS._instantiate_rules())


class HConfigDriverAristaEOSSwitch(HConfigDriverAristaEOS):
    """hier-config's EOS rules, plus VLAN settings replaced in place."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        return _vlans_in_place(HConfigDriverAristaEOS._instantiate_rules())


@dataclass(frozen=True)
class SwitchDriver:
    """How to manage one platform: `driver_for("cisco_ios").netmiko_device_type == "cisco_ios"`.

    The one platform interface: template (`elenta/switch/templates/<platform>.j2`),
    interface naming (`canonical`), how a refusal reads, how to save, which lines of a port
    elenta manages, and the self-revert timer protecting the management path.
    """

    platform: str
    netmiko_device_type: str
    hier_driver: Callable[[], HConfigDriverBase]  # parses configuration text for hier-config
    # A device reply that means the line was refused (matched per line, multi-line mode).
    error_pattern: str
    save_command: str
    show_running: str
    show_macs: str  # the learned MAC table
    physical_port: re.Pattern[str]
    port_section: str  # "interface {name}": how a port's section starts in the configuration
    vlan_section: str  # "vlan {id}"
    port_channel: str  # "Port-channel{id}": the name of a link aggregation
    # Line kinds elenta manages inside a port section; any other line there is left alone.
    managed_port_lines: tuple[str, ...]
    managed_vlan_lines: tuple[str, ...] = ("name ",)  # and inside a VLAN section
    # Self-revert timer: armed before a push, disarmed once the change is confirmed; a switch
    # whose session is cut by the change goes back by itself. IOS: `reload in N` / `reload cancel`.
    # EOS: the push goes into a configuration session committed with `commit timer`, confirmed
    # by committing the session again (`revert_cancel`), discarded with `abort` on a refusal.
    revert_schedule: str | None = None  # "reload in {minutes}"
    revert_cancel: str | None = None  # "reload cancel" / "configure session {session} commit"
    revert_session: str | None = None  # "configure session {session}"
    revert_commit: str | None = None  # "commit timer 00:{minutes:02d}:00"
    revert_abort: str | None = None  # "abort"
    revert_note: str | None = None  # what an armed timer will do, for error messages

    def is_physical_port(self, section: str) -> bool:
        """Whether a top-level section text names a physical port: `is_physical_port("interface Fa0/1")`."""
        return self.physical_port.match(section) is not None

    def canonical(self, name: str) -> str:
        """An interface name in this platform's long form: `CISCO_IOS.canonical("Fa0/1")`."""
        return canonical_interface(name, self.platform)

    def port_of_section(self, section: str) -> str | None:
        """The interface a section configures: `"interface Fa0/1"` -> `"Fa0/1"`; else None."""
        head = self.port_section.split("{", 1)[0]
        return section[len(head) :] if section.startswith(head) else None

    def is_port_section(self, section: str) -> bool:
        """Whether a section configures a port or a port-channel (not an SVI such as Vlan10)."""
        name = self.port_of_section(section)
        channel = self.port_channel.split("{", 1)[0]
        return name is not None and (self.is_physical_port(section) or name.startswith(channel))

    def vlan_of_section(self, section: str) -> int | None:
        """The VLAN id a section declares: `"vlan 10"` -> 10; else None."""
        head = self.vlan_section.split("{", 1)[0]
        rest = section[len(head) :] if section.startswith(head) else ""
        return int(rest) if rest.isdigit() else None


IOS_MANAGED_PORT_LINES = (
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

CISCO_IOS = SwitchDriver(
    platform="cisco_ios",
    netmiko_device_type="cisco_ios",
    hier_driver=HConfigDriverCiscoIOSSwitch,
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
    managed_port_lines=IOS_MANAGED_PORT_LINES,
    revert_schedule="reload in {minutes}",
    revert_cancel="reload cancel",
    revert_note="the switch reloads to its saved configuration in {minutes} minute(s) "
    "unless `reload cancel` is sent",
)

ARISTA_EOS = SwitchDriver(
    platform="arista_eos",
    netmiko_device_type="arista_eos",
    hier_driver=HConfigDriverAristaEOSSwitch,
    error_pattern=r"^\s*%\s*(Invalid|Incomplete|Ambiguous|Unavailable|Error).*$",
    save_command="write memory",
    show_running="show running-config",
    show_macs="show mac address-table",
    physical_port=re.compile(r"^interface Ethernet\d\S*$"),
    port_section="interface {name}",
    vlan_section="vlan {id}",
    port_channel="Port-Channel{id}",
    managed_port_lines=tuple(line for line in IOS_MANAGED_PORT_LINES if line != "switchport voice vlan "),
    revert_session="configure session {session}",
    revert_commit="commit timer 00:{minutes:02d}:00",
    revert_cancel="configure session {session} commit",
    revert_abort="abort",
    revert_note="the switch rolls the change back in {minutes} minute(s) unless "
    "`configure session {session} commit` is sent",
)

DRIVERS: dict[str, SwitchDriver] = {d.platform: d for d in (CISCO_IOS, ARISTA_EOS)}


def driver_for(platform: str) -> SwitchDriver:
    """The driver of a platform named in the cadaster, or KeyError listing the known ones."""
    try:
        return DRIVERS[platform]
    except KeyError:
        raise KeyError(
            f"unsupported switch platform {platform!r} (supported: {', '.join(DRIVERS)})"
        ) from None
