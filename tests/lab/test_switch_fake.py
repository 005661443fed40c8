"""Switches over real SSH against the third-party fake-switches Cisco emulator (on loopback).

Each test starts its own emulator(s) on the switch's cadaster address (127.0.1.250, .251) and a
free port, with a private copy of the example lab's cadaster pointing there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from elenta.facts.switch import RunningConfig, read_fact
from elenta.lab.switch_emulator import SwitchEmulator
from elenta.model.errors import ModelError
from elenta.model.lab import Lab, load_lab
from elenta.operations.switch import (
    SwitchPushError,
    apply_switch,
    apply_switches,
    each_switch,
    plan_switch,
    push_lines,
    rollback_switch,
)
from elenta.switch.history import backups
from elenta.switch.session import SwitchConnectionError, open_session, switch_target

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "fake-switch-test-pw"
ADDRESSES = {"sw1": "127.0.1.250", "sw2": "127.0.1.251"}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELENTA_SW1_PASSWORD", PASSWORD)
    monkeypatch.setenv("ELENTA_SW2_PASSWORD", PASSWORD)
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)


@pytest.fixture
def emulators(tmp_path: Path) -> Iterator[Callable[..., SwitchEmulator]]:
    """Start emulators on demand: `emulators("sw1", reject="...")`; all stopped at the end."""
    started: list[SwitchEmulator] = []

    def start(name: str, reject: str | None = None) -> SwitchEmulator:
        emulator = SwitchEmulator(
            host=ADDRESSES[name],
            password=PASSWORD,
            hostname=name,
            reject=reject,
            log=tmp_path / f"{name}.log",
        )
        started.append(emulator.start())
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


def write_lab(root: Path, ports: dict[str, int], mutate: Callable[[dict], None] | None = None) -> Lab:
    """A copy of the example cadaster (as JSON) whose switches listen on `ports`."""
    data = tomllib.loads((REPO / "examples" / "lab" / "cadaster.toml").read_text())
    machines = data["machines"]
    machines["sw1"]["ssh"] = {"port": ports["sw1"]}
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


def running(lab: Lab, name: str) -> str:
    target = switch_target(lab, name)
    with open_session(target) as connection:
        return read_fact(connection, RunningConfig(target.driver))


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


def test_blank_switch_gets_the_example_lab_then_second_apply_is_a_no_op(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    result = apply_switch(lab, "sw1")
    assert result.pushed and result.backup is not None
    assert "vlan 10" not in result.backup.read_text()  # the backup is the blank switch
    config = running(lab, "sw1")
    assert section(config, "vlan 10") == [" name lab"]
    assert section(config, "vlan 30") == [" name wifi"]
    assert section(config, "interface FastEthernet0/1") == [
        " description toto:enp2s0",
        " switchport access vlan 10",
        " switchport mode access",
    ]
    assert section(config, "interface GigabitEthernet0/1") == [
        " description wrt:lan",
        " switchport trunk native vlan 10",
        " switchport trunk allowed vlan 10,30",
        " switchport mode trunk",
    ]
    assert section(config, "interface FastEthernet0/5") == []
    again = apply_switch(lab, "sw1")
    assert not again.pushed and again.change.empty
    assert len(backups(lab.state_dir, "sw1")) == 1
    assert plan_switch(lab, "sw1").empty


def test_moving_one_machine_pushes_exactly_that_change(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")
    apply_switch(write_lab(tmp_path / "lab", {"sw1": sw1.port}), "sw1")
    moved = write_lab(tmp_path / "lab", {"sw1": sw1.port}, move_toto_to_fa07)
    result = apply_switch(moved, "sw1")
    assert push_lines(result.change.remediation) == [
        "interface FastEthernet0/7",
        "switchport mode access",
        "description toto:enp2s0",
        "switchport access vlan 10",
        "interface FastEthernet0/1",
        "no description toto:enp2s0",
        "no switchport access vlan 10",
        "no switchport mode access",
    ]
    config = running(moved, "sw1")
    assert section(config, "interface FastEthernet0/1") == []
    assert section(config, "interface FastEthernet0/7")[0] == " description toto:enp2s0"
    assert apply_switch(moved, "sw1").change.empty


def test_refused_line_rolls_back_to_the_backup(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1", reject=r"^description wrt:BROKEN")
    apply_switch(write_lab(tmp_path / "lab", {"sw1": sw1.port}), "sw1")

    def break_it(data: dict) -> None:
        move_toto_to_fa07(data)  # pushed first, so the failure happens half-way
        data["machines"]["sw1"]["switch"]["ports"]["GigabitEthernet0/1"]["description"] = "wrt:BROKEN"

    broken = write_lab(tmp_path / "lab", {"sw1": sw1.port}, break_it)
    lines = push_lines(plan_switch(broken, "sw1").remediation)
    assert lines.index("interface FastEthernet0/7") < lines.index("description wrt:BROKEN")
    with pytest.raises(SwitchPushError) as err:
        apply_switch(broken, "sw1")
    assert (err.value.line, err.value.reply) == (
        "description wrt:BROKEN",
        "% Invalid input detected at '^' marker.",
    )
    assert err.value.restored and err.value.exit_code != 0
    assert err.value.backup is not None
    assert running(broken, "sw1") == err.value.backup.read_text()
    # The command line names the line and the reply, and exits non-zero.
    cli = subprocess.run(
        [
            sys.executable,
            "-c",
            "from elenta.cli import main; main()",
            "net",
            "apply",
            "--lab",
            str(tmp_path / "lab"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1, cli.stdout + cli.stderr  # a failure on a switch
    assert "'description wrt:BROKEN' refused" in cli.stderr
    assert "% Invalid input detected" in cli.stderr and "rolled back" in cli.stderr
    assert PASSWORD not in cli.stdout + cli.stderr


def test_rollback_restores_the_backup_taken_before_apply(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    blank = running(lab, "sw1")
    apply_switch(lab, "sw1")
    assert running(lab, "sw1") != blank
    result = rollback_switch(lab, "sw1")
    assert result.pushed
    assert running(lab, "sw1") == blank
    assert not plan_switch(lab, "sw1").empty


def test_two_switches_configured_in_parallel(tmp_path: Path, emulators) -> None:
    sw1, sw2 = emulators("sw1"), emulators("sw2")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port, "sw2": sw2.port})
    spans: dict[str, tuple[float, float]] = {}
    lock = threading.Lock()

    def timed_apply(lab: Lab, name: str):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        result = apply_switch(lab, name)
        with lock:
            spans[name] = (start, time.monotonic())
        return result

    results = each_switch(lab, None, timed_apply)
    assert [(r.name, r.pushed) for r in results] == [("sw1", True), ("sw2", True)]
    (a0, a1), (b0, b1) = spans["sw1"], spans["sw2"]
    assert a0 < b1 and b0 < a1, "the two switch sessions did not overlap"
    assert section(running(lab, "sw2"), "interface FastEthernet0/1")[0] == " description hermes:eth0"
    assert section(running(lab, "sw1"), "interface FastEthernet0/1")[0] == " description toto:enp2s0"
    assert [r.pushed for r in apply_switches(lab)] == [False, False]


def test_wrong_password_is_refused_without_showing_it(tmp_path: Path, emulators, monkeypatch) -> None:
    sw1 = emulators("sw1")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    monkeypatch.setenv("ELENTA_SW1_PASSWORD", "not-the-password")
    with pytest.raises(SwitchConnectionError) as err:
        apply_switch(lab, "sw1")
    assert "sw1 (127.0.1.250:" in str(err.value) and "not-the-password" not in str(err.value)


def test_unknown_port_is_a_cadaster_error_and_nothing_is_pushed(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")

    def bad_port(data: dict) -> None:
        data["machines"]["sw1"]["switch"]["ports"]["FastEthernet0/99"] = {"machine": "hermes"}

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, bad_port)
    blank = running(lab, "sw1")
    with pytest.raises(ModelError, match=r'machines.sw1.switch.ports."FastEthernet0/99": switch sw1 has no'):
        apply_switch(lab, "sw1")
    assert running(lab, "sw1") == blank and backups(lab.state_dir, "sw1") == []


def test_unused_ports_shut_down_when_the_switch_asks(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")

    def shut(data: dict) -> None:
        data["machines"]["sw1"]["switch"]["shutdown_unused"] = True

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, shut)
    apply_switch(lab, "sw1")
    config = running(lab, "sw1")
    assert section(config, "interface FastEthernet0/5") == [" shutdown"]
    assert section(config, "interface GigabitEthernet0/2") == [" shutdown"]
    assert " shutdown" not in section(config, "interface FastEthernet0/1")
    assert apply_switch(lab, "sw1").change.empty


def test_net_command_plan_apply_backup_rollback(tmp_path: Path, emulators, capsys) -> None:
    """The `elenta net` task, run in this process (the CLI's exit code is checked above)."""
    from elenta.cli import program

    sw1 = emulators("sw1")
    write_lab(tmp_path / "lab", {"sw1": sw1.port})

    def net(*args: str) -> str:
        capsys.readouterr()
        program.run(["elenta", "net", *args, "--lab", str(tmp_path / "lab")], exit=False)
        out, err = capsys.readouterr()
        assert err == "" and PASSWORD not in out
        return out

    plan = net("plan", "--switch", "sw1")
    assert plan.startswith("sw1: 27 line(s) to push:\n    vlan 10\n      name lab\n")
    assert "  rollback:\n    no vlan 10\n" in plan
    assert net("apply").startswith("sw1: pushed 27 line(s), saved, confirmed (backup: ")
    assert net("apply", "--serial") == "sw1: no change\n"
    assert net("plan") == "sw1: no change\n"
    assert net("backup").startswith(f"saved {tmp_path / 'lab' / '.elenta' / 'switches' / 'sw1'}/")
    assert net("rollback").startswith("sw1: restored 24 line(s), saved, confirmed")
    assert net("plan").startswith("sw1: 27 line(s) to push:")
