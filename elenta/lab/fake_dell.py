"""fake-switches' Dell N-series model (`dell10g_generic`, DNOS 6 CLI), completed for elenta.

fake-switches 1.5 ships a Dell 10G model with four ports whose configuration mode has no `end`
(netmiko leaves configuration mode with it), whose `switchport trunk native vlan` is accepted and
ignored, whose `channel-group` creates a Cisco-named `Port-channel1` and is never shown, and
whose `show running-config` shows no VLAN interface address. This module keeps its command tree
(flat configuration text closed by `exit`, `description "…"`, `copy running-config
startup-config` asking `(y/n)`) and adds those, in DNOS 6 syntax, plus the extras of the Cisco
launcher: the model's real port list (`tengigabitethernet 1/0/1-24`, …), `copy` saves what
`show startup-config` shows, `show mac address-table` lists `--mac`, storm-control lines are
kept as given, and the `--reject`, `--ignore` and `--cut` faults. DNOS 6 has no self-revert
timer (no `reload in`, no commit confirmed): neither has this model.

`dell_core(ports, behaviour, save, saved)` is used by `switch_emulator.py` for the `dell_*` models.
"""

from __future__ import annotations

import logging
import re
from typing import Any

if __package__:
    from .fake_common import Faults, keep_extra, mac_rows, negation, saved_state
else:  # imported by switch_emulator.py run as a file: this folder is on sys.path
    from fake_common import Faults, keep_extra, mac_rows, negation, saved_state  # type: ignore[no-redef]

EXTRA_LINES = re.compile(r"^storm-control ")


def dell_core(port_names: list[str], behaviour: Any, save: Any, saved: Any) -> type:
    """A core class for fake-switches' SSH service: a DNOS 6 switch with `port_names`."""
    from fake_switches.brocade.command_processor.config_vrf import ConfigVrfCommandProcessor
    from fake_switches.brocade.command_processor.piping import PipingProcessor
    from fake_switches.dell.dell_core import DellShellSession
    from fake_switches.dell10g.command_processor.config import Dell10GConfigCommandProcessor
    from fake_switches.dell10g.command_processor.config_interface import (
        Dell10GConfigInterfaceCommandProcessor,
    )
    from fake_switches.dell10g.command_processor.config_vlan import Dell10GConfigureVlanCommandProcessor
    from fake_switches.dell10g.command_processor.default import Dell10GDefaultCommandProcessor
    from fake_switches.dell10g.command_processor.enabled import Dell10GEnabledCommandProcessor
    from fake_switches.dell10g.dell_core import Dell10GSwitchCore
    from fake_switches.switch_configuration import AggregatedPort, Port, VlanPort
    from fake_switches.terminal import LoggingTerminalController

    macs = dict(behaviour.macs)

    class Enabled(Dell10GEnabledCommandProcessor):
        """Enabled mode: trunk native VLANs, channel groups, SVI addresses shown; saving; MACs."""

        def get_port_configuration(self, port: Any) -> list[str]:
            """A port's lines as DNOS 6 shows them, in its running configuration."""
            conf = super().get_port_configuration(port)
            if port.mode == "trunk" and port.trunk_native_vlan:
                pvid = f"switchport general pvid {port.trunk_native_vlan}"
                native = f"switchport trunk native vlan {port.trunk_native_vlan}"
                conf = [native if c == pvid else c for c in conf]
            if port.aggregation_membership:
                number = port.aggregation_membership.split()[-1]
                conf.append(f"channel-group {number} mode active")
            conf += list(port.vendor_specific.get("extra", []))
            if isinstance(port, VlanPort):
                conf += [f"ip address {ip.ip} {ip.netmask}" for ip in port.ips[:1]]
            return conf

        def do_show(self, *args: str) -> None:
            """`show startup-config`, `show mac address-table`, else as fake-switches."""
            if args[:1] and "startup-config".startswith(args[0]) and args[0].startswith("st"):
                with saved_state(self.switch_configuration, saved):
                    super().do_show("running-config")
            elif args[:2] == ("mac", "address-table"):
                self.write_line("")
                self.write_line("Aging time is 300 Sec")
                self.write_line("")
                self.write_line("Vlan     Mac Address           Type        Port")
                self.write_line("-------- --------------------- ----------- ---------------------")
                for vlan, mac, port_name in mac_rows(self.switch_configuration, macs):
                    self.write_line(f"{vlan:<8} {mac.upper():<21} {'Dynamic':<11} {port_name}")
                self.write_line("")
            else:
                super().do_show(*args)

        def continue_validate_copy(self, character: str) -> None:
            """`copy running-config startup-config` answered `y`: saved, as the reply says."""
            if character == "y":
                save(self.switch_configuration)
            super().continue_validate_copy(character)

    class Config(Dell10GConfigCommandProcessor):
        """Configuration mode with `end` (sub-modes hand unknown lines to this mode)."""

        def do_end(self, *_: str) -> None:
            """`end`: back to the enabled prompt, from any sub-mode."""
            self.is_done = True

    class Interface(Dell10GConfigInterfaceCommandProcessor):
        """Interface mode with trunk native VLANs, DNOS channel groups and storm control."""

        def parse_and_execute_command(self, line: str) -> bool:
            """The lines fake-switches lacks; others as before."""
            body, negated = negation(line)
            words = body.split()
            port = self.port
            if EXTRA_LINES.match(body):
                keep_extra(port, body, negated)
            elif words[:4] == ["switchport", "trunk", "native", "vlan"]:
                if negated:
                    port.trunk_native_vlan = None
                elif len(words) == 5 and words[4].isdigit():
                    if self.switch_configuration.get_vlan(int(words[4])) is None:
                        self.write_line("VLAN ID not found.")
                    else:
                        port.trunk_native_vlan = int(words[4])
                else:
                    self.write_line("% Invalid input detected at '^' marker.")
            elif words[:1] == ["channel-group"]:
                if negated:
                    port.aggregation_membership = None
                elif len(words) == 4 and words[1].isdigit() and words[2:] == ["mode", "active"]:
                    name = f"port-channel {words[1]}"
                    if self.switch_configuration.get_port(name) is None:  # DNOS: they always exist
                        self.switch_configuration.add_port(AggregatedPort(name))
                    port.aggregation_membership = name
                else:
                    self.write_line("% Invalid input detected at '^' marker.")
            else:
                return super().parse_and_execute_command(line)
            return True

    faults = Faults(behaviour, Config, ("          ^", "% Invalid input detected at '^' marker.", ""))

    class Session(DellShellSession):
        """A DNOS session answering the faults first."""

        def receive(self, line: str) -> bool:
            """One typed line: refused, ignored or cut when it matches in configuration mode."""
            return faults.receive(self, line, super().receive)

    class Core(Dell10GSwitchCore):
        """fake-switches' Dell 10G core with the completed command tree and the model's ports."""

        @staticmethod
        def get_default_ports() -> list[Any]:
            return [Port(name) for name in port_names]

        def launch(self, protocol: str, terminal_controller: Any) -> Any:
            """A new CLI session for one SSH connection."""
            self.last_connection_id += 1
            name = self.switch_configuration.name
            self.logger = logging.getLogger(f"fake_switches.dell.{name}.{self.last_connection_id}.{protocol}")
            processor = Dell10GDefaultCommandProcessor(
                enabled=Enabled(
                    config=Config(
                        config_vlan=Dell10GConfigureVlanCommandProcessor(),
                        config_vrf=ConfigVrfCommandProcessor(),
                        config_interface=Interface(),
                    )
                )
            )
            processor.init(
                switch_configuration=self.switch_configuration,
                terminal_controller=LoggingTerminalController(self.logger, terminal_controller),
                piping_processor=PipingProcessor(self.logger),
                logger=self.logger,
            )
            return Session(processor)

    return Core
