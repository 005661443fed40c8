"""Benchmark: a 48-port change pushed in one switch session vs one session per port.

Starts two fake-switches 2960-48TT emulators on loopback (free ports), computes the change with
elenta's own remediation (every port gets an access VLAN and a description), then pushes it:
to the first switch in ONE session (connect, enable, one `send_config_set`, `write memory`), to
the second with one such session per port. Prints both times and the ratio (target >= 2x).

    python bench/switch_push.py
"""

from __future__ import annotations

import time

from elenta.facts.switch import RunningConfig, read_fact
from elenta.lab.switch_emulator import SwitchEmulator
from elenta.operations.switch import push_lines, remediation_commands
from elenta.switch.credentials import SwitchCredentials
from elenta.switch.drivers import CISCO_IOS
from elenta.switch.session import SwitchTarget, open_session

PORTS = [f"FastEthernet0/{n}" for n in range(1, 49)]
PASSWORD = "bench-pw"


def desired() -> str:
    """Every one of the 48 ports an access port on VLAN 10 with its own description."""
    out = ["vlan 10", " name lab", "!"]
    for n, port in enumerate(PORTS, start=1):
        out += [f"interface {port}", f" description host{n:02d}:eth0", " switchport access vlan 10"]
        out += [" switchport mode access", "!"]
    return "\n".join(out) + "\n"


def target(emulator: SwitchEmulator) -> SwitchTarget:
    """How elenta reaches the emulator: `target(emulator).port`."""
    credentials = SwitchCredentials("root", PASSWORD, PASSWORD)
    return SwitchTarget("bench", emulator.host, emulator.port, CISCO_IOS, credentials, False)


def push(switch: SwitchTarget, lines: list[str]) -> None:
    """One session: connect, enable, one `send_config_set`, `write memory`, disconnect."""
    with open_session(switch) as connection:
        connection.send_config_set(lines, error_pattern=CISCO_IOS.error_pattern)
        connection.save_config(cmd=CISCO_IOS.save_command)


def per_port(lines: list[str]) -> list[list[str]]:
    """Split the remediation into one chunk per `interface` section (VLAN lines go with the first)."""
    chunks: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("interface ") and any(x.startswith("interface ") for x in chunks[-1]):
            chunks.append([])
        chunks[-1].append(line)
    return chunks


def main() -> None:
    """Run both pushes and print the times and their ratio: `python bench/switch_push.py`."""
    with (
        SwitchEmulator(password=PASSWORD, model="cisco_2960_48TT_L") as one,
        SwitchEmulator(password=PASSWORD, model="cisco_2960_48TT_L") as many,
    ):
        with open_session(target(one)) as connection:
            blank = read_fact(connection, RunningConfig(CISCO_IOS))
        lines = remediation_commands(blank, desired(), CISCO_IOS)
        chunks = per_port(lines)
        assert len(chunks) == len(PORTS), len(chunks)

        start = time.perf_counter()
        push(target(one), lines)
        single = time.perf_counter() - start

        start = time.perf_counter()
        for chunk in chunks:
            push(target(many), chunk)
        separate = time.perf_counter() - start

        for emulator in (one, many):
            with open_session(target(emulator)) as connection:
                after = read_fact(connection, RunningConfig(CISCO_IOS))
            assert not remediation_commands(after, desired(), CISCO_IOS), "push incomplete"

    print(f"48-port change: {len(push_lines(lines))} lines")
    print(f"one session:          {single:7.2f} s")
    print(f"one session per port: {separate:7.2f} s ({len(chunks)} sessions)")
    print(f"ratio: {separate / single:.1f}x (target >= 2x)")


if __name__ == "__main__":
    main()
