"""Helpers of the switch tests: lab copies pointing at the emulators, reading and changing a switch.

`write_lab(root, {"sw1": port}, mutate)` writes a copy of the example cadaster whose switches
listen where the emulators (fixture `emulators` in conftest.py) do.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

from elenta.facts.switch import RunningConfig, read_fact
from elenta.model.lab import Lab, load_lab
from elenta.switch.session import open_session, switch_target

REPO = Path(__file__).resolve().parents[3]
PASSWORD = "fake-switch-test-pw"
ADDRESSES = {"sw1": "127.0.1.250", "sw2": "127.0.1.251"}


def write_lab(root: Path, ports: dict[str, int], mutate: Callable[[dict], None] | None = None) -> Lab:
    """A copy of the example cadaster (as JSON) whose switches listen on `ports`."""
    data = tomllib.loads((REPO / "examples" / "lab" / "cadaster.toml").read_text())
    machines = data["machines"]
    machines["sw1"]["ssh"] = {"port": ports["sw1"]}
    machines["sw1"]["switch"]["timeout"] = 10
    if "sw2" in ports:
        machines["sw2"] = {
            "kind": "switch",
            "ssh": {"port": ports["sw2"]},
            "interfaces": {"vlan10": {"mac": "52:54:00:00:01:fb", "network": "lab", "ip": ADDRESSES["sw2"]}},
            "switch": {
                "platform": "cisco_ios",
                "credentials": {"username": "root", "password_env": "ELENTA_SW2_PASSWORD"},
                "ports": {"FastEthernet0/1": {"machine": "hermes", "interface": "eth0"}},
            },
        }
    if mutate:
        mutate(data)
    root.mkdir(exist_ok=True)
    (root / "cadaster.json").write_text(json.dumps(data))
    return load_lab(root)


def running(lab: Lab, name: str, command: str | None = None) -> str:
    """The switch's running configuration (or the reply to `command`), read over SSH."""
    target = switch_target(lab, name)
    with open_session(target) as connection:
        if command:
            return str(connection.send_command(command))
        return read_fact(connection, RunningConfig(target.driver))


def configure(lab: Lab, name: str, lines: list[str], save: bool = False) -> None:
    """Change the switch by hand, as its owner would at its console."""
    target = switch_target(lab, name)
    with open_session(target) as connection:
        connection.send_config_set(lines)
        if save:
            connection.save_config()


def section(config: str, header: str) -> list[str]:
    """The lines of one top-level section of a running configuration."""
    lines = config.splitlines()
    start = lines.index(header)
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    return lines[start + 1 : end]


def move_toto_to_fa07(data: dict) -> None:
    ports = data["machines"]["sw1"]["switch"]["ports"]
    toto = ports.pop("FastEthernet0/1")
    data["machines"]["sw1"]["switch"]["ports"] = {"FastEthernet0/7": toto, **ports}
