"""fake-switches' Arista EOS model, completed into a switch elenta can manage over SSH.

fake-switches 1.5 ships an Arista model written for its eAPI: over SSH its `show
running-config` lists VLANs only, an access port cannot be configured (`switchport mode`
accepts `trunk` alone; no access VLAN, description, native VLAN, port-channel or shutdown),
configuration mode has no `end`, and the unprivileged prompt knows no `terminal` command. This
module keeps its command tree and adds those, in EOS syntax and with EOS's three-space
indentation, plus the same extras as the Cisco launcher (`write memory` saves, `show
startup-config`, `show mac address-table`, spanning-tree and storm-control lines kept as given,
`--reject` and `--cut` faults), and configuration sessions with `commit timer` (EOS's
commit-confirm: reverted unless `configure session NAME commit` comes in time; simplified: the
session's lines apply at once, where EOS stages them until the commit).

`arista_core(ports, behaviour)` is used by `switch_emulator.py` for the `arista_*` models.
"""

from __future__ import annotations

import re
from typing import Any

if __package__:
    from .fake_common import keep_extra, mac_rows, negation, saved_state
else:  # imported by switch_emulator.py run as a file: this folder is on sys.path
    from fake_common import keep_extra, mac_rows, negation, saved_state  # type: ignore[no-redef]

EXTRA_LINES = re.compile(
    r"^(spanning-tree (portfast|bpduguard|bpdufilter|cost|port-priority)|storm-control )"
)


def arista_core(port_names: list[str], behaviour: Any, save: Any, saved: Any, snapshot: Any) -> type:
    """A core class for fake-switches' SSH service: EOS with `port_names` (e.g. Ethernet1-52)."""
    from fake_switches.arista import arista_core as base
    from fake_switches.arista.command_processor.config import ConfigCommandProcessor
    from fake_switches.arista.command_processor.config_interface import ConfigInterfaceCommandProcessor
    from fake_switches.arista.command_processor.config_vlan import ConfigVlanCommandProcessor
    from fake_switches.arista.command_processor.default import DefaultCommandProcessor
    from fake_switches.arista.command_processor.enabled import EnabledCommandProcessor
    from fake_switches.dell.command_processor.enabled import to_vlan_ranges
    from fake_switches.switch_configuration import AggregatedPort, Port, VlanPort

    reject = re.compile(behaviour.reject) if behaviour.reject else None
    cut = re.compile(behaviour.cut) if behaviour.cut else None
    macs = dict(behaviour.macs)
    sessions: dict[str, Any] = {}  # name -> [state before the session, revert timer]

    def restore(conf: Any, name: str) -> None:
        """The session's changes undone: the configuration it started from, again."""
        vlans, ports = sessions.pop(name)[0]
        conf.vlans[:], conf.ports[:] = vlans, ports
        conf.elenta_session = None

    def in_config(processor: Any) -> bool:
        while processor.sub_processor is not None:
            processor = processor.sub_processor
            if isinstance(processor, ConfigCommandProcessor):
                return True
        return False

    def running_interface(port: Any) -> list[str]:
        out = [f"interface {port.name}"]
        if port.description:
            out.append(f"   description {port.description}")
        if port.access_vlan:
            out.append(f"   switchport access vlan {port.access_vlan}")
        if port.trunk_native_vlan:
            out.append(f"   switchport trunk native vlan {port.trunk_native_vlan}")
        if port.trunk_vlans is not None:
            out.append(f"   switchport trunk allowed vlan {to_vlan_ranges(port.trunk_vlans)}")
        if port.mode and port.mode != "access":  # access is EOS's default: not shown
            out.append(f"   switchport mode {port.mode}")
        if port.aggregation_membership:
            number = re.sub(r"\D", "", port.aggregation_membership)
            out.append(f"   channel-group {number} mode active")
        out += [f"   {line}" for line in port.vendor_specific.get("extra", [])]
        if port.shutdown:
            out.append("   shutdown")
        if isinstance(port, VlanPort):
            out += [f"   ip address {ip}" for ip in port.ips[:1]]
        return out

    class Default(DefaultCommandProcessor):
        """The unprivileged prompt, with `terminal width|length` as netmiko sends them."""

        def do_terminal(self, *args: str) -> None:
            """`terminal width 511` / `terminal length 0`."""
            self.write_line("Width set to 511 columns." if args[:1] == ("width",) else "Pagination disabled.")

    class Enabled(EnabledCommandProcessor):
        """Enabled mode: the whole running configuration, saving, MACs."""

        def do_terminal(self, *args: str) -> None:
            """`terminal width|length` as netmiko sends them."""
            self.write_line("Width set to 511 columns." if args[:1] == ("width",) else "Pagination disabled.")

        def _show_running_config(self, *args: str) -> None:
            if args and "interfaces".startswith(args[0]):
                super()._show_running_config(*args)
                return
            conf = self.switch_configuration
            self._show_header()
            for vlan in sorted(conf.vlans, key=lambda v: v.number):
                if vlan.number == 1:
                    continue
                self.write_line(f"vlan {vlan.number}")
                if vlan.name:
                    self.write_line(f"   name {vlan.name}")
                self.write_line("!")
            ports = sorted(conf.ports, key=_port_order)
            for port in ports:
                for line in running_interface(port):
                    self.write_line(line)
                self.write_line("!")
            self.write_line("end")

        def do_configure(self, *args: str) -> None:
            """`configure [terminal]`, `configure session NAME`, `configure session NAME commit`."""
            conf = self.switch_configuration
            if args[:1] == ("session",) and len(args) == 3 and args[2] == "commit":
                entry = sessions.pop(args[1], None)
                if entry is not None and entry[1] is not None and entry[1].active():
                    entry[1].cancel()
                return
            if args[:1] == ("session",) and len(args) == 2:
                # Simplification: the lines apply at once (EOS stages them until `commit`).
                sessions[args[1]] = [snapshot(conf), None]
                conf.elenta_session = args[1]
            self.move_to(self.config_processor)

        def do_write(self, *args: str) -> None:
            """`write memory`."""
            save(self.switch_configuration)
            self.write_line("Copy completed successfully.")

        def do_show(self, *args: str) -> None:
            """`show startup-config`, `show mac address-table`, else as fake-switches."""
            if args[:1] == ("startup-config",):
                with saved_state(self.switch_configuration, saved):
                    self._show_running_config()
            elif args[:2] == ("mac", "address-table"):
                self.write_line("          Mac Address Table")
                self.write_line("------------------------------------------------------------------")
                self.write_line("")
                self.write_line("Vlan    Mac Address       Type        Ports      Moves   Last Move")
                self.write_line("----    -----------       ----        -----      -----   ---------")
                for vlan, mac, port_name in mac_rows(self.switch_configuration, macs):
                    self.write_line(
                        f"{vlan:>4}    {mac}    DYNAMIC     {port_name}       1       0:00:10 ago"
                    )
                self.write_line(f"Total Mac Addresses for this criterion: {len(macs)}")
            else:
                super().do_show(*args)

    class Config(ConfigCommandProcessor):
        """Configuration mode with `end`, port-channels and configuration sessions."""

        def do_end(self, *_: str) -> None:
            """`end`: back to the enabled prompt."""
            self.is_done = True

        def do_commit(self, *args: str) -> None:
            """`commit` or `commit timer HH:MM:SS` (reverted unless committed again in time)."""
            from twisted.internet import reactor

            conf = self.switch_configuration
            name = getattr(conf, "elenta_session", None)
            if name is None or name not in sessions:
                self.display.invalid_command(self, "Invalid input (not in a configuration session)")
                return
            if args[:1] == ("timer",) and len(args) == 2:
                h, m, sec = (int(x) for x in args[1].split(":"))
                delay = (h * 3600 + m * 60 + sec) / 60 * behaviour.minute
                sessions[name][1] = reactor.callLater(delay, restore, conf, name)  # type: ignore[attr-defined]
            else:
                sessions.pop(name, None)
            conf.elenta_session = None
            self.is_done = True

        def do_abort(self, *_: str) -> None:
            """`abort`: the session's changes discarded."""
            conf = self.switch_configuration
            name = getattr(conf, "elenta_session", None)
            if name in sessions:
                restore(conf, name)
            self.is_done = True

        def do_interface(self, *args: str) -> None:
            """`interface Ethernet1`, `interface Port-Channel1` (created), `interface Vlan10`."""
            text = "".join(args)
            match = re.match(r"(?i)^(port-channel|po)(\d+)$", text)
            if match:
                name = f"Port-Channel{match[2]}"
                port = self.switch_configuration.get_port(name)
                if port is None:
                    port = AggregatedPort(name)
                    self.switch_configuration.add_port(port)
                self.move_to(self.config_interface_processor, port)
                return
            if re.match(r"(?i)^(et|ethernet)\d+$", text):
                number = re.sub(r"\D", "", text)
                port = self.switch_configuration.get_port(f"Ethernet{number}")
                if port is None:
                    self.display.invalid_command(self, "Invalid input")
                    return
                self.move_to(self.config_interface_processor, port)
                return
            super().do_interface(*args)

        def do_no_interface(self, *args: str) -> None:
            """`no interface Port-Channel1` removes it; a physical port cannot be removed."""
            text = "".join(args)
            match = re.match(r"(?i)^(port-channel|po)(\d+)$", text)
            if match:
                port = self.switch_configuration.get_port(f"Port-Channel{match[2]}")
                if port is not None:
                    self.switch_configuration.remove_port(port)
                return
            super().do_no_interface(*args)

    class Interface(ConfigInterfaceCommandProcessor):
        """Interface mode with what an access or trunk port of a homelab needs."""

        def parse_and_execute_command(self, line: str) -> bool:
            body, negated = negation(line)
            port = self.port
            words = body.split()
            if EXTRA_LINES.match(body):
                keep_extra(port, body, negated)
            elif words[:1] == ["description"]:
                port.description = None if negated else body[len("description ") :]
            elif words[:3] == ["switchport", "access", "vlan"]:
                port.access_vlan = None if negated else int(words[3])
            elif words[:2] == ["switchport", "mode"]:
                port.mode = None if negated else words[2]
            elif words[:4] == ["switchport", "trunk", "native", "vlan"]:
                port.trunk_native_vlan = None if negated else int(words[4])
            elif words[:4] == ["switchport", "trunk", "allowed", "vlan"] and len(words) == 5:
                return super().parse_and_execute_command(line)
            elif words[:1] == ["channel-group"]:
                if negated:
                    port.aggregation_membership = None
                else:
                    port.aggregation_membership = f"Port-Channel{words[1]}"
            elif words == ["shutdown"]:
                port.shutdown = not negated
            else:
                return super().parse_and_execute_command(line)
            return True

    class Session(base.AristaShellSession):
        """Answers a configuration line matching the reject pattern with an EOS error."""

        def receive(self, line: str) -> bool:
            configuring = in_config(self.command_processor)
            if reject is not None and configuring and reject.search(line):
                self.command_processor.terminal_controller.write("% Invalid input\n")
                self.command_processor.show_prompt()
                return True
            still = super().receive(line)
            if cut is not None and configuring and cut.search(line):
                conf = self.command_processor.switch_configuration
                name = getattr(conf, "elenta_session", None)
                if name in sessions and sessions[name][1] is None:
                    restore(conf, name)  # a session never committed is dropped with its connection
                return False  # the change cut the session it came on
            return still

    class Core(base.AristaSwitchCore):
        """fake-switches' Arista core with the completed command tree."""

        @staticmethod
        def get_default_ports() -> list[Any]:
            return [Port(name) for name in port_names]

        def processor_stack(self, display: Any) -> Any:
            common = (display,)
            return Default(
                *common,
                enabled=Enabled(
                    *common,
                    config=Config(
                        *common,
                        config_vlan=ConfigVlanCommandProcessor(*common),
                        config_interface=Interface(*common),
                    ),
                ),
            )

        def launch(self, protocol: str, terminal_controller: Any) -> Any:
            session = super().launch(protocol, terminal_controller)
            return Session(session.command_processor)

    return Core


def _port_order(port: Any) -> tuple[int, int]:
    kind = 0 if port.name.startswith("Ethernet") else 1 if port.name.startswith("Port-Channel") else 2
    number = re.sub(r"\D", "", port.name)
    return kind, int(number or 0)
