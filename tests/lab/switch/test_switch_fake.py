"""Switches over real SSH against the third-party fake-switches Cisco emulator (on loopback).

Each test starts its own emulator(s) on the switch's cadaster address (127.0.1.250, .251) and a
free port, with a private copy of the example lab's cadaster pointing there.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

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
from elenta.switch.backups import backups
from elenta.switch.session import SwitchConnectionError
from tests.lab.switch.helpers import PASSWORD, move_toto_to_fa07, running, section, write_lab

ACCESS_PROFILE = [" spanning-tree portfast", " spanning-tree bpduguard enable"]


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
        *ACCESS_PROFILE,
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
    assert [b.reason for b in backups(lab.state_dir, "sw1")] == ["before-apply", "after-apply"]
    assert plan_switch(lab, "sw1").change.empty and plan_switch(lab, "sw1", live=True).change.empty


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
        "spanning-tree portfast",
        "spanning-tree bpduguard enable",
        "interface FastEthernet0/1",
        "no description toto:enp2s0",
        "no switchport access vlan 10",
        "no switchport mode access",
        "no spanning-tree portfast",
        "no spanning-tree bpduguard enable",
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
    lines = push_lines(plan_switch(broken, "sw1", live=True).change.remediation)
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
    assert "reload" not in running(broken, "sw1", "show startup-config")  # nothing saved, timer off
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
    assert not plan_switch(lab, "sw1").change.empty


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
        del data["machines"]["sw1"]["switch"]["model"]  # no model: checked against the switch itself
        data["machines"]["sw1"]["switch"]["ports"]["FastEthernet0/99"] = {"machine": "hermes"}

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, bad_port)
    blank = running(lab, "sw1")
    with pytest.raises(ModelError, match=r'machines.sw1.switch.ports."FastEthernet0/99": switch sw1 has no'):
        apply_switch(lab, "sw1")
    with pytest.raises(ModelError, match=r"switch sw1 has no such port"):
        plan_switch(lab, "sw1", live=True)
    assert running(lab, "sw1") == blank and backups(lab.state_dir, "sw1") == []


def test_unused_ports_shut_down_when_the_switch_asks(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")

    def shut(data: dict) -> None:
        data["machines"]["sw1"]["switch"]["shutdown_unused"] = True
        data["machines"]["sw1"]["switch"]["owned_ports"] = ["Fa0/1-24", "Gi0/1-2"]

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

    offline = net("plan", "--switch", "sw1")
    assert offline.startswith("sw1: 35 line(s) to push (against nothing: no backup yet")
    plan = net("plan", "--switch", "sw1", "--live")
    assert plan.startswith("sw1: 35 line(s) to push (against the running configuration):\n    vlan 10\n")
    assert "  rollback:\n    no vlan 10\n" in plan
    assert net("apply").startswith("sw1: pushed 35 line(s), confirmed, saved (backup: sw1@")
    assert net("apply", "--serial") == "sw1: no change\n"
    assert net("plan").startswith("sw1: no change (against the last backup, sw1@")
    assert net("plan", "--live") == "sw1: no change (against the running configuration)\n"
    assert net("backup").startswith("sw1: saved sw1@")
    dry = net("rollback", "--dry-run")
    assert dry.startswith("sw1: would send 32 line(s) (dry run, nothing sent):\n    no vlan 10\n")
    assert net("plan", "--live") == "sw1: no change (against the running configuration)\n"
    assert net("rollback").startswith("sw1: restored 32 line(s), confirmed, saved")
    assert net("rollback") == "sw1: no change\n"
    assert net("apply").startswith("sw1: pushed 35 line(s)")
    lab = load_lab(tmp_path / "lab")
    blank = backups(lab.state_dir, "sw1", "before-apply")[0]
    assert net("rollback", "--to", blank.commit[:10]).startswith("sw1: restored 32 line(s), confirmed, saved")
    assert net("plan", "--live").startswith("sw1: 35 line(s) to push")
    history = net("history")
    assert "sw1: after-rollback" in history and "-interface FastEthernet0/1\n" not in history
    assert "- description toto:enp2s0" in history


def test_the_switch_step_of_a_full_deploy(tmp_path: Path, emulators) -> None:
    from elenta.switch.deploy_step import check_switches, push_switches

    sw1 = emulators("sw1")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    check_switches(lab, ["sw1"])
    lines: list[str] = []
    first = push_switches(lab, ["sw1"], lines.append)
    assert [(o.canon, o.result) for o in first] == [("sw1.canon", "changed")]
    assert "backup sw1@" in first[0].detail and lines == ["sw1.canon: switch changed (35 lines pushed)"]
    again = push_switches(lab, ["sw1"], lines.append)
    assert [(o.canon, o.result) for o in again] == [("sw1.canon", "unchanged")]


def test_rollback_of_a_switch_elenta_never_applied_changes_nothing(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    blank = running(lab, "sw1")
    result = rollback_switch(lab, "sw1")
    assert not result.pushed and result.change.empty and running(lab, "sw1") == blank
