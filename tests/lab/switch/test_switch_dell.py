"""Dell DNOS 6 (`dell_os6`) against fake-switches' Dell 10G model, completed as an N4032.

The same cases as the other platforms: apply, a second apply that changes nothing, a port move,
`net rollback`, a hand-made VLAN and VLAN interface that survive both, a refused line rolled
back before anything is saved, a bond, and `check` refusing a port the model does not have.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elenta.lab.switch_emulator import Behaviour
from elenta.model.errors import ModelError
from elenta.operations.switch import (
    SwitchPushError,
    apply_switch,
    plan_switch,
    rollback_switch,
    verify_switch,
)
from elenta.switch.ownership import load_ownership
from elenta.switch.plan import planned_switch
from elenta.switch.session import SwitchConnectionError
from tests.cli import run_elenta
from tests.lab.switch.helpers import PASSWORD, configure, running, write_lab

MODEL = "dell_n4032"
HAND_MADE = [
    "vlan 99",
    "name mgmt-by-hand",
    "exit",
    "interface vlan 99",
    "ip address 127.0.99.1 255.255.255.0",
]


def dell(data: dict) -> None:
    """sw1 as a Dell N4032: the example lab's ports on Te1/0/1-5, a bond on Te1/0/2 and Te1/0/12."""
    switch = data["machines"]["sw1"]["switch"]
    switch["platform"], switch["model"] = "dell_os6", MODEL
    old = switch["ports"]
    switch["ports"] = {f"Te1/0/{i}": port for i, port in enumerate(old.values(), start=1)}


def bonded(data: dict) -> None:
    dell(data)
    ports = data["machines"]["sw1"]["switch"]["ports"]
    data["machines"]["nancy"]["interfaces"]["enp4s0"] = {"network": "lab", "ip": "127.0.1.13"}
    ports["Te1/0/2"]["channel"] = 1
    ports["Te1/0/12"] = {"machine": "nancy", "interface": "enp4s0", "channel": 1}


def moved(data: dict) -> None:
    """toto moves from Te1/0/1 to Te1/0/7."""
    dell(data)
    ports = data["machines"]["sw1"]["switch"]["ports"]
    ports["Te1/0/7"] = ports.pop("Te1/0/1")


def block(config: str, header: str) -> list[str]:
    """The lines of one section of a DNOS 6 configuration (flat, closed by `exit`)."""
    lines = config.splitlines()
    start = lines.index(header)
    return lines[start + 1 : lines.index("exit", start)]


def _env() -> dict[str, str]:
    return dict(os.environ, ELENTA_SW1_PASSWORD=PASSWORD)


def test_apply_no_op_move_and_rollback(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1", model=MODEL)
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, dell)
    blank = running(lab, "sw1", "show running-config")
    result = apply_switch(lab, "sw1")
    assert result.pushed
    config = running(lab, "sw1", "show running-config")
    assert block(config, "interface tengigabitethernet 1/0/1") == [
        'description "toto:enp2s0"',
        "switchport access vlan 10",
        "spanning-tree portfast",
    ]
    assert block(config, "interface tengigabitethernet 1/0/5") == [
        'description "wrt:lan"',
        "switchport mode trunk",
        "switchport trunk native vlan 10",
        "switchport trunk allowed vlan 10,30",
    ]
    assert block(config, "vlan 10") == ["name lab"]
    saved = running(lab, "sw1", "show startup-config")
    assert 'description "toto:enp2s0"' in saved  # confirmed, then saved
    assert apply_switch(lab, "sw1").change.empty
    # A port move: the old port goes back to its defaults, the new one gets the machine.
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, moved)
    move = apply_switch(lab, "sw1")
    assert [line.strip() for line in move.change.remediation] == [
        "interface tengigabitethernet 1/0/7",
        'description "toto:enp2s0"',
        "switchport access vlan 10",
        "spanning-tree portfast",
        "interface tengigabitethernet 1/0/1",
        "no description",
        "no switchport access vlan",
        "no spanning-tree portfast",
    ]
    config = running(lab, "sw1", "show running-config")
    assert "interface tengigabitethernet 1/0/1\n" not in config
    assert block(config, "interface tengigabitethernet 1/0/7")[0] == 'description "toto:enp2s0"'
    assert apply_switch(lab, "sw1").change.empty
    # `net rollback` undoes the move, then the first apply is undone by hand with its backup.
    assert rollback_switch(lab, "sw1").pushed
    config = running(lab, "sw1", "show running-config")
    assert "interface tengigabitethernet 1/0/7\n" not in config
    assert block(config, "interface tengigabitethernet 1/0/1")[0] == 'description "toto:enp2s0"'
    assert blank.count("interface ") == 0


def test_hand_made_vlan_and_svi_survive_apply_and_rollback(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1", model=MODEL)
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, dell)
    apply_switch(lab, "sw1")
    configure(lab, "sw1", HAND_MADE)
    assert plan_switch(lab, "sw1", live=True).change.empty
    assert apply_switch(lab, "sw1").change.empty
    dry = run_elenta("net", "rollback", "--dry-run", "--lab", str(tmp_path / "lab"), env=_env())
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing sent" in dry.stdout and "99" not in dry.stdout
    assert rollback_switch(lab, "sw1").pushed
    config = running(lab, "sw1", "show running-config")
    assert block(config, "vlan 99") == ["name mgmt-by-hand"]
    assert block(config, "interface vlan 99") == ["ip address 127.0.99.1 255.255.255.0"]
    assert "vlan 10\n" not in config and "interface tengigabitethernet" not in config
    assert load_ownership(lab.state_dir, "sw1").vlans == frozenset()


def test_a_refused_line_rolls_back_before_anything_is_saved(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1", model=MODEL, reject="^switchport trunk native vlan")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, dell)
    configure(lab, "sw1", HAND_MADE)
    before = running(lab, "sw1", "show running-config")
    with pytest.raises(SwitchPushError) as err:
        apply_switch(lab, "sw1")
    assert err.value.restored, str(err.value)
    assert "line 'switchport trunk native vlan 10' refused" in str(err.value)
    assert running(lab, "sw1", "show running-config") == before
    assert "toto" not in running(lab, "sw1", "show startup-config")


def test_bond_is_a_port_channel_whose_rollback_restores_the_members(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1", model=MODEL)
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, dell)
    configure(lab, "sw1", ["interface Te1/0/12", 'description "spare"', "storm-control broadcast level 20"])
    apply_switch(lab, "sw1")
    before = running(lab, "sw1", "show running-config")
    bond = write_lab(tmp_path / "lab", {"sw1": sw1.port}, bonded)
    result = apply_switch(bond, "sw1")
    assert result.change.remediation[0] == "interface port-channel 1"
    config = running(bond, "sw1", "show running-config")
    assert block(config, "interface port-channel 1") == [
        'description "nancy:bond"',
        "switchport access vlan 10",
        "spanning-tree portfast",
    ]
    for member in ("tengigabitethernet 1/0/2", "tengigabitethernet 1/0/12"):
        assert "channel-group 1 mode active" in block(config, f"interface {member}")
    assert "storm-control broadcast level 20" in block(config, "interface tengigabitethernet 1/0/12")
    assert apply_switch(bond, "sw1").change.empty
    assert rollback_switch(bond, "sw1").pushed
    assert running(bond, "sw1", "show running-config") == before


def test_check_refuses_what_the_model_or_dnos6_cannot_do(tmp_path: Path) -> None:
    def far(data: dict) -> None:
        dell(data)
        ports = data["machines"]["sw1"]["switch"]["ports"]
        ports["Te1/0/30"] = {"network": "lab"}
        ports["Te1/0/3"]["bpduguard"] = True

    write_lab(tmp_path / "lab", {"sw1": 1}, far)
    checked = run_elenta("check", str(tmp_path / "lab"))
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert "model dell_n4032 has no port tengigabitethernet 1/0/30" in checked.stderr
    fault = 'machines.sw1.switch.ports."Te1/0/3".bpduguard: DNOS 6 has no per-port BPDU guard'
    assert fault in checked.stderr
    write_lab(tmp_path / "lab", {"sw1": 1}, dell)
    assert run_elenta("check", str(tmp_path / "lab")).returncode == 0
    assert run_elenta("plan", "--lab", str(tmp_path / "lab")).returncode == 0
    planned = run_elenta("net", "plan", "--lab", str(tmp_path / "lab"))
    assert planned.returncode == 0, planned.stderr
    assert "interface tengigabitethernet 1/0/5" in planned.stdout


def test_wrong_password_or_enable_secret_is_refused_naming_the_switch(
    tmp_path: Path, emulators, monkeypatch
) -> None:
    sw1 = emulators("sw1", model=MODEL)

    def enable(data: dict) -> None:
        dell(data)
        data["machines"]["sw1"]["switch"]["credentials"]["enable_env"] = "ELENTA_SW1_ENABLE"

    write_lab(tmp_path / "lab", {"sw1": sw1.port}, enable)
    done = run_elenta(
        "net", "apply", "--lab", str(tmp_path / "lab"), env=dict(_env(), ELENTA_SW1_ENABLE="bad-en")
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "bad-en" not in done.stdout + done.stderr
    assert "switch sw1 (127.0.1.250:" in done.stderr and "enable refused" in done.stderr
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, dell)
    monkeypatch.setenv("ELENTA_SW1_PASSWORD", "wrong")
    with pytest.raises(SwitchConnectionError, match=r"sw1 .*login refused"):
        apply_switch(lab, "sw1")


def test_planned_text_is_the_switch_s_own_syntax(tmp_path: Path) -> None:
    lab = write_lab(tmp_path / "lab", {"sw1": 1}, bonded)
    text = planned_switch(lab, "sw1").text
    assert 'interface port-channel 1\ndescription "nancy:bond"\n' in text
    assert "vlan 10\nname lab\nexit\n" in text

    def quoted(data: dict) -> None:
        dell(data)
        data["machines"]["sw1"]["switch"]["ports"]["Te1/0/1"]["description"] = 'a "b"'

    with pytest.raises(ModelError, match="no quotes"):
        planned_switch(write_lab(tmp_path / "lab", {"sw1": 1}, quoted), "sw1")


def test_a_lost_session_is_not_reverted_by_the_switch_and_net_rollback_undoes_it(
    tmp_path: Path, emulators
) -> None:
    sw1 = emulators("sw1", model=MODEL, behaviour=Behaviour(cut="^switchport trunk native vlan"))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, dell)
    with pytest.raises(SwitchPushError) as err:
        apply_switch(lab, "sw1")
    assert not err.value.restored and "NOT rolled back" in str(err.value)
    assert "reload" not in str(err.value)  # DNOS 6 has no timer to promise
    assert "toto" in running(lab, "sw1", "show running-config")
    assert "toto" not in running(lab, "sw1", "show startup-config")  # nothing saved
    assert rollback_switch(lab, "sw1").pushed
    config = running(lab, "sw1", "show running-config")
    assert "interface tengigabitethernet" not in config and "vlan 10\n" not in config


def test_verify_reads_the_dell_mac_table(tmp_path: Path, emulators) -> None:
    macs = (("Te1/0/1", "52:54:00:00:01:02"), ("Te1/0/7", "52:54:00:00:01:03"))
    sw1 = emulators("sw1", model=MODEL, behaviour=Behaviour(macs=macs))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, dell)
    report = verify_switch(lab, "sw1")
    texts = [f.text() for f in report.findings]
    assert (
        "tengigabitethernet 1/0/2: nancy:enp3s0 (52:54:00:00:01:03) is on tengigabitethernet 1/0/7" in texts
    )
    assert not any(t.startswith("tengigabitethernet 1/0/1:") for t in texts)
