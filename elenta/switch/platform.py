"""The one platform interface of the switches: `SwitchDriver`, and the hardware models it knows.

A platform is one module in `elenta/switch/platforms/` defining a `SwitchDriver` (netmiko device
type, hier-config driver, how a refusal reads, how to save, interface names and their short
forms, which lines of a port elenta manages, the self-revert commands, the hardware models and
their ports) plus its template `elenta/switch/templates/<platform>.j2`; one line in
`elenta/switch/platforms/__init__.py` registers it.

Pure: hier-config is imported only when a configuration is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hier_config.platforms.driver_base import HConfigDriverBase

    from elenta.model.cadaster import SwitchPort

_SPLIT = re.compile(r"^(?P<kind>[A-Za-z][A-Za-z-]*?)\s*(?P<number>\d[\d/.:]*)$")

# Inside a port, these settings are replaced in place (`switchport access vlan 20` over 10):
# without it, moving a port from VLAN 10 to 20 would push `no switchport access vlan 10` first,
# dropping the port into VLAN 1 for a moment.
IN_PLACE = (
    "switchport access vlan ",
    "switchport trunk native vlan ",
    "switchport trunk allowed vlan ",
    "switchport voice vlan ",
    "switchport mode ",
    "channel-group ",
)


@cache
def _hier_driver(
    base: str, preprocessor: Callable[[str], str] | None = None, bare_negations: tuple[str, ...] = ()
) -> Callable[[], HConfigDriverBase]:
    """hier-config's driver `base` ("cisco_ios.driver:HConfigDriverCiscoIOS"), VLANs in place.

    `preprocessor` turns the platform's text into hier-config's indented form before parsing;
    a port line of a kind in `bare_negations` is negated without its value.
    """
    from hier_config import MatchRule
    from hier_config.models import IdempotentCommandsRule, NegationSubRule

    module, _, name = base.partition(":")
    parent = getattr(import_module(f"hier_config.platforms.{module}"), name)

    class Switch(parent):  # type: ignore[misc, valid-type]
        @staticmethod
        def _instantiate_rules():  # type: ignore[no-untyped-def]
            rules = parent._instantiate_rules()
            for setting in IN_PLACE:
                rules.idempotent_commands.append(
                    IdempotentCommandsRule(
                        match_rules=(MatchRule(startswith="interface "), MatchRule(startswith=setting))
                    )
                )
            for kind in bare_negations:
                rules.negation_sub.append(
                    NegationSubRule(
                        match_rules=(MatchRule(startswith="interface "), MatchRule(startswith=f"{kind} ")),
                        search=rf"^no {re.escape(kind)} .*$",
                        replace=f"no {kind}",
                    )
                )
            return rules

    if preprocessor is not None:
        Switch.config_preprocessor = staticmethod(preprocessor)  # type: ignore[method-assign]
    Switch.__name__ = f"{name}Switch"
    return Switch


@dataclass(frozen=True)
class HardwareModel:
    """A switch model: its ports (as ranges) and whether trunks name an encapsulation."""

    ports: tuple[str, ...]
    trunk_encapsulation: bool = False  # `switchport trunk encapsulation dot1q` before `mode trunk`
    dialect: str = ""  # a flavour of the platform's syntax, for its template (Junos: "ex" or ELS)


@dataclass(frozen=True)
class SwitchDriver:
    """How to manage one platform: `driver_for("cisco_ios").netmiko_device_type == "cisco_ios"`.

    The one platform interface: template (`elenta/switch/templates/<platform>.j2`),
    interface naming (`canonical`), how a refusal reads, how to save, which lines of a port
    elenta manages, and the self-revert timer protecting the management path.
    """

    platform: str
    netmiko_device_type: str
    # The hier-config driver that parses its configuration, built on first use (hier-config is
    # imported by the commands that compare, not by `elenta check`).
    hier_config_base: str  # "cisco_ios.driver:HConfigDriverCiscoIOS" under hier_config.platforms
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
    # A save that asks before it writes (DNOS 6: `Are you sure you want to save? (y/n)`): the
    # question's pattern, answered `y` the moment it shows instead of after a quiet spell.
    save_question: str | None = None
    revert_schedule: str | None = None  # "reload in {minutes}"
    revert_cancel: str | None = None  # "reload cancel" / "configure session {session} commit"
    revert_session: str | None = None  # "configure session {session}"
    revert_commit: str | None = None  # "commit timer 00:{minutes:02d}:00"
    revert_abort: str | None = None  # "abort"
    revert_note: str | None = None  # what an armed timer will do, for error messages
    # Short forms of interface names, lower-case, by long form: {"FastEthernet": ("fa", …)}.
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    models: dict[str, HardwareModel] = field(default_factory=dict)  # hardware models, by name
    # Platforms whose CLI differs from IOS's shape (Dell DNOS 6: `tengigabitethernet 1/0/1`,
    # flat sections closed by `exit`, ports at their defaults not shown):
    name_separator: str = ""  # between an interface kind and its number
    # Turns the configuration text (as read, or as rendered) into hier-config's indented form.
    config_preprocessor: Callable[[str], str] | None = None
    section_exit: str | None = None  # sent after a section's lines ("exit")
    # Prompt text of every configuration sub-mode, where netmiko's driver checks for the top one
    # only, and by waiting for silence (its Dell driver): then checked by this text, at once.
    config_prompt: str | None = None
    lists_default_ports: bool = True  # whether a port at its defaults shows in the configuration
    bare_negations: tuple[str, ...] = ()  # port lines negated without their value
    # Faults of a cadaster port the platform cannot configure: (key under the port, message).
    port_faults: Callable[[SwitchPort], list[tuple[tuple[str, ...], str]]] | None = None
    # NETCONF instead of a CLI (Junos): the configuration is read as XML and compared and shown
    # as `set` lines (`elenta.switch.junos`), changed in the candidate and committed.
    netconf: bool = False

    def hier_driver(self) -> HConfigDriverBase:
        """The hier-config driver for this platform, with VLAN settings replaced in place."""
        return _hier_driver(self.hier_config_base, self.config_preprocessor, self.bare_negations)()

    def is_physical_port(self, section: str) -> bool:
        """Whether a top-level section text names a physical port: `is_physical_port("interface Fa0/1")`."""
        return self.physical_port.match(section) is not None

    def canonical(self, name: str) -> str:
        """An interface name in this platform's long form: `CISCO_IOS.canonical("Fa0/1")`.

        Unknown kinds stay as given; so do names with one spelling (Junos `ge-0/0/1`).
        """
        match = _SPLIT.match(name.strip())
        if match is None:
            return name
        long = self.short_forms().get(match["kind"].lower())
        return f"{long}{self.name_separator}{match['number']}" if long else name

    def short_forms(self) -> dict[str, str]:
        """Every accepted spelling (lower-case) of an interface kind, to its long form."""
        return {short: long for long, shorts in self.names.items() for short in (*shorts, long.lower())}

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
