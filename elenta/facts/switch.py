"""Facts read from a switch over its CLI (netmiko), in pyinfra's fact shape.

A switch is not a shell host, so these are not pyinfra `FactBase`s run over a host's shell; they
keep the same two halves — `command()` says what to send, `process(output)` turns the reply into
a value — so that they are tested with recorded replies, and `read_fact(connection, fact)` runs
one over an open netmiko session.
"""

from __future__ import annotations

import re
from typing import Generic, Protocol, TypeVar

from elenta.switch.drivers import SwitchDriver

T = TypeVar("T", covariant=True)

_HEADER = re.compile(r"^(Building configuration|Current configuration|\s*$)")


class SwitchFact(Protocol, Generic[T]):
    """What a switch fact provides: the CLI command and the parser of its reply."""

    def command(self) -> str:
        """The CLI command to send: `fact.command() == "show running-config"`."""
        ...

    def process(self, output: str) -> T:
        """The value the device's reply stands for: `fact.process(reply)`."""
        ...


class RunningConfig:
    """The running configuration as text: `read_fact(conn, RunningConfig(CISCO_IOS))`."""

    def __init__(self, driver: SwitchDriver) -> None:
        self.driver = driver

    def command(self) -> str:
        """`RunningConfig(CISCO_IOS).command() == "show running-config"`."""
        return self.driver.show_running

    def process(self, output: str) -> str:
        """Drop the banner lines before the configuration proper; end with one newline."""
        lines = output.replace("\r\n", "\n").split("\n")
        while lines and _HEADER.match(lines[0]):
            lines.pop(0)
        return "\n".join(line.rstrip() for line in lines).rstrip("\n") + "\n"


_MAC_ROW = re.compile(
    r"^\s*(?P<vlan>\d+)\s+(?P<mac>[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}|(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2})"
    r"\s+\S+\s+(?P<port>\S+)"
)


class MacTable:
    """Learned MACs: `read_fact(conn, MacTable(CISCO_IOS))` -> [(10, "52:54:…", "FastEthernet0/1")]."""

    def __init__(self, driver: SwitchDriver) -> None:
        self.driver = driver

    def command(self) -> str:
        """`MacTable(CISCO_IOS).command() == "show mac address-table"`."""
        return self.driver.show_macs

    def process(self, output: str) -> list[tuple[int, str, str]]:
        """One (VLAN, MAC as aa:bb:…, canonical port) per row of the table."""
        rows = []
        for line in output.splitlines():
            match = _MAC_ROW.match(line)
            if match:
                digits = re.sub(r"[^0-9a-f]", "", match["mac"].lower())
                mac = ":".join(digits[i : i + 2] for i in range(0, 12, 2))
                rows.append((int(match["vlan"]), mac, self.driver.canonical(match["port"])))
        return rows


_LLDP_ROW = re.compile(
    r"^(?P<device>\S+)\s+(?P<local>[A-Za-z][A-Za-z-]*\d\S*)\s+(?P<hold>\d+)\s+"
    r"(?P<caps>[A-Za-z, ]*?)\s*(?P<port>\S+)\s*$"
)


class LldpNeighbors:
    """LLDP neighbours: `read_fact(conn, LldpNeighbors(CISCO_IOS))` -> [(port, device, port id)]."""

    def __init__(self, driver: SwitchDriver) -> None:
        self.driver = driver

    def command(self) -> str:
        """`LldpNeighbors(CISCO_IOS).command() == "show lldp neighbors"`."""
        return "show lldp neighbors"

    def process(self, output: str) -> list[tuple[str, str, str]]:
        """One (local port in canonical form, neighbour's system name, its port) per neighbour."""
        rows = []
        for line in output.splitlines():
            match = _LLDP_ROW.match(line)
            if match and match["device"] not in ("Device", "Port"):
                rows.append((self.driver.canonical(match["local"]), match["device"], match["port"]))
        return rows


class CommandRunner(Protocol):
    """The part of a netmiko connection a fact needs."""

    def send_command(self, command_string: str, **kwargs: object) -> str:
        """Send one command and return the reply: `conn.send_command("show version")`."""
        ...


def read_fact(connection: CommandRunner, fact: SwitchFact[T]) -> T:
    """Run a fact over an open session: `read_fact(conn, RunningConfig(driver))`."""
    output = connection.send_command(fact.command(), read_timeout=30)
    return fact.process(str(output))
