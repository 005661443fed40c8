"""Benchmark: a 48-port change pushed in one switch session vs one session per port.

For each platform (a fake-switches Cisco 2960-48TT, and its Arista model completed by the
launcher with 48 of its ports used), starts two emulators on loopback (free ports), renders 48
access ports with elenta's template and computes the change with elenta's own remediation, then
pushes it: to the first switch in ONE session (connect, enable, one `send_config_set`,
`write memory`), to the second with one such session per port. Prints both times and the ratio
per platform (target >= 2x).

    python bench/switch_push.py
"""

from __future__ import annotations

import time

from elenta.facts.switch import RunningConfig, read_fact
from elenta.lab.switch_emulator import SwitchEmulator
from elenta.operations.switch import push_lines, remediation_commands
from elenta.switch.credentials import SwitchCredentials
from elenta.switch.drivers import ARISTA_EOS, CISCO_IOS, SwitchDriver
from elenta.switch.host_keys import TrustedKeys
from elenta.switch.render import PortSpec, SwitchState, VlanSpec, render_switch
from elenta.switch.session import SwitchTarget, open_session

PLATFORMS = (
    ("Cisco IOS", CISCO_IOS, "cisco_2960_48TT_L", "FastEthernet0/{n}"),
    ("Arista EOS", ARISTA_EOS, "arista_7048t", "Ethernet{n}"),
)
PASSWORD = "bench-pw"


def desired(driver: SwitchDriver, port_name: str) -> str:
    """Every one of 48 ports an access port on VLAN 10 with its own description and edge profile."""
    ports = tuple(
        PortSpec(port_name.format(n=n), f"host{n:02d}:eth0", "access", 10, portfast=True, bpduguard=True)
        for n in range(1, 49)
    )
    return render_switch(SwitchState("bench", driver.platform, (VlanSpec(10, "lab"),), ports))


def target(emulator: SwitchEmulator, driver: SwitchDriver) -> SwitchTarget:
    """How elenta reaches the emulator: `target(emulator, CISCO_IOS).port`."""
    credentials = SwitchCredentials("root", PASSWORD, PASSWORD)
    trusted = TrustedKeys((emulator.public_key,), "the emulator")
    return SwitchTarget("bench", emulator.host, emulator.port, driver, credentials, False, trusted=trusted)


def push(switch: SwitchTarget, lines: list[str]) -> None:
    """One session: connect, enable, one `send_config_set`, `write memory`, disconnect."""
    with open_session(switch) as connection:
        connection.send_config_set(lines, error_pattern=switch.driver.error_pattern)
        connection.save_config(cmd=switch.driver.save_command)


def per_port(lines: list[str]) -> list[list[str]]:
    """Split the remediation into one chunk per `interface` section (VLAN lines go with the first)."""
    chunks: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("interface ") and any(x.startswith("interface ") for x in chunks[-1]):
            chunks.append([])
        chunks[-1].append(line)
    return chunks


def run(label: str, driver: SwitchDriver, model: str, port_name: str) -> float:
    """Both pushes on one platform; print the times and return the ratio."""
    wanted = desired(driver, port_name)
    with (
        SwitchEmulator(password=PASSWORD, model=model) as one,
        SwitchEmulator(password=PASSWORD, model=model) as many,
    ):
        with open_session(target(one, driver)) as connection:
            blank = read_fact(connection, RunningConfig(driver))
        lines = remediation_commands(blank, wanted, driver)
        chunks = per_port(lines)
        assert len(chunks) == 48, len(chunks)

        start = time.perf_counter()
        push(target(one, driver), lines)
        single = time.perf_counter() - start

        start = time.perf_counter()
        for chunk in chunks:
            push(target(many, driver), chunk)
        separate = time.perf_counter() - start

        for emulator in (one, many):
            with open_session(target(emulator, driver)) as connection:
                after = read_fact(connection, RunningConfig(driver))
            assert not remediation_commands(after, wanted, driver), "push incomplete"

    print(f"{label}, 48-port change ({model}): {len(push_lines(lines))} lines")
    print(f"  one session:          {single:7.2f} s")
    print(f"  one session per port: {separate:7.2f} s ({len(chunks)} sessions)")
    print(f"  ratio: {separate / single:.1f}x (target >= 2x)")
    return separate / single


def main() -> None:
    """Run both pushes on each platform: `python bench/switch_push.py`."""
    for platform in PLATFORMS:
        run(*platform)


if __name__ == "__main__":
    main()
