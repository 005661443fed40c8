"""Juniper Junos over NETCONF against fake-switches' Juniper models (EX port-mode, ELS interface-mode).

apply, a second apply that changes nothing, a port move, rollback, a hand-added VLAN that
survives both, a refused change that leaves the switch as it was, a bond as aeN, commit
confirmed that the switch reverts by itself when the session is cut, and `net verify`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from elenta.lab.switch_emulator import Behaviour
from elenta.model.errors import ModelError
from elenta.model.lab import Lab
from elenta.operations.switch import (
    SwitchPushError,
    apply_switch,
    backup_switch,
    plan_switch,
    rollback_switch,
    verify_switch,
)
from elenta.operations.switch_netconf import CandidateBusyError, read_running
from elenta.switch import junos
from elenta.switch.backups import backups, repository
from elenta.switch.netconf_session import open_netconf
from elenta.switch.session import SwitchConnectionError, switch_target
from tests.cli import run_elenta
from tests.lab.switch.helpers import PASSWORD, write_lab

MODELS = ["juniper_ex2300_24t", "juniper_ex2200_24t"]  # ELS, then EX


def on_junos(model: str, **ports: dict):  # type: ignore[no-untyped-def]
    """sw1 as a Junos switch: the example lab's ports on ge-0/0/1-5, a bond of ge-0/0/2 and ge-0/0/12."""

    def mutate(data: dict) -> None:
        switch = data["machines"]["sw1"]["switch"]
        switch["platform"], switch["model"] = "juniper_junos", model
        old = switch["ports"]
        switch["ports"] = {f"ge-0/0/{i}": port for i, port in enumerate(old.values(), start=1)}
        data["machines"]["nancy"]["interfaces"]["enp4s0"] = {"network": "lab", "ip": "127.0.1.13"}
        switch["ports"]["ge-0/0/2"]["channel"] = 7
        switch["ports"]["ge-0/0/12"] = {"machine": "nancy", "interface": "enp4s0", "channel": 7}
        for name, port in ports.items():
            switch["ports"][name.replace("_", "/").replace("ge/", "ge-")] = port

    return mutate


def running(lab: Lab) -> str:
    return read_running(switch_target(lab, "sw1"))


def by_hand(lab: Lab, lines: list[str]) -> None:
    """Change the switch as its owner would: load `set` lines into the candidate and commit."""
    with open_netconf(switch_target(lab, "sw1")) as session:
        session.edit_config(target="candidate", config=junos.edit_config(lines))
        session.commit()


def lines_of(config: str, head: str) -> list[str]:
    return [line for line in config.splitlines() if line.startswith(head + " ")]


@pytest.mark.parametrize("model", MODELS)
def test_junos_apply_no_op_move_and_rollback(tmp_path: Path, emulators, model: str) -> None:
    sw1 = emulators("sw1", model=model)
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, on_junos(model))
    assert running(lab) == ""
    result = apply_switch(lab, "sw1")
    assert result.pushed and result.backup is not None
    config = running(lab)
    mode = "interface-mode" if model == "juniper_ex2300_24t" else "port-mode"
    switching = "unit 0 family ethernet-switching"
    assert lines_of(config, "set interfaces ge-0/0/1") == [
        "set interfaces ge-0/0/1 description toto:enp2s0",
        f"set interfaces ge-0/0/1 {switching} {mode} access",
        f"set interfaces ge-0/0/1 {switching} vlan members 10",
    ]
    assert f"set interfaces ge-0/0/5 {switching} {mode} trunk" in config
    assert f"set interfaces ge-0/0/5 {switching} vlan members 30" in config
    assert "set vlans lab vlan-id 10" in config and "set vlans wifi vlan-id 30" in config
    # The bond: an aggregate ae7 carrying the VLAN, its members bundled.
    assert "set interfaces ge-0/0/2 ether-options 802.3ad ae7" in config
    assert "set interfaces ge-0/0/12 ether-options 802.3ad ae7" in config
    assert "set interfaces ae7 aggregated-ether-options lacp active" in config
    assert f"set interfaces ae7 {switching} vlan members 10" in config
    edge = "ge-0/0/1" if model == "juniper_ex2300_24t" else "ge-0/0/1.0"
    assert f"set protocols rstp interface {edge} edge" in config
    # Second apply: nothing to do; the switch is not even written to.
    assert apply_switch(lab, "sw1").change.empty
    assert running(lab) == config
    # A hand-added VLAN (and a port elenta does not own) survive apply and rollback.
    hand = ["set vlans mgmt-by-hand vlan-id 99", f"set interfaces ge-0/0/20 {switching} vlan members 99"]
    hand.append("set interfaces ge-0/0/3 mtu 9000")  # on a port elenta owns: a line it does not manage
    by_hand(lab, hand)
    assert apply_switch(lab, "sw1").change.empty
    # Moving toto from ge-0/0/1 to ge-0/0/7: the old port is reset, the new one configured.
    moved = on_junos(model, **{"ge-0/0/7": {"machine": "toto", "interface": "enp2s0"}})

    def move(data: dict) -> None:
        moved(data)
        del data["machines"]["sw1"]["switch"]["ports"]["ge-0/0/1"]

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, move)
    plan = plan_switch(lab, "sw1", live=True).change
    assert "delete interfaces ge-0/0/1" in plan.remediation
    assert f"set interfaces ge-0/0/7 {switching} vlan members 10" in plan.remediation
    assert apply_switch(lab, "sw1").pushed
    config = running(lab)
    assert lines_of(config, "set interfaces ge-0/0/1") == []
    assert "set interfaces ge-0/0/7 description toto:enp2s0" in config
    assert "set vlans mgmt-by-hand vlan-id 99" in config
    # Rollback undoes the move only.
    assert rollback_switch(lab, "sw1").pushed
    config = running(lab)
    assert "set interfaces ge-0/0/1 description toto:enp2s0" in config
    assert lines_of(config, "set interfaces ge-0/0/7") == []
    assert "set vlans mgmt-by-hand vlan-id 99" in config
    assert f"set interfaces ge-0/0/20 {switching} vlan members 99" in config
    # Rolling back the first apply too (to the empty switch's backup): the hand-made part stays.
    first = backups(lab.state_dir, "sw1", "before-apply")[0]
    assert rollback_switch(lab, "sw1", to=first.commit).pushed
    config = running(lab)
    assert "vlans lab " not in config and "interfaces ae7 " not in config and "ge-0/0/2 " not in config
    assert "set vlans mgmt-by-hand vlan-id 99" in config
    assert f"set interfaces ge-0/0/20 {switching} vlan members 99" in config
    assert lines_of(config, "set interfaces ge-0/0/3") == ["set interfaces ge-0/0/3 mtu 9000"]


def test_a_refused_change_leaves_the_junos_switch_as_it_was(tmp_path: Path, emulators) -> None:
    model = "juniper_ex2300_24t"
    sw1 = emulators("sw1", model=model, behaviour=Behaviour(reject="BROKEN", minute=0.2))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, on_junos(model))
    apply_switch(lab, "sw1")
    configured = running(lab)
    broken = on_junos(model, **{"ge-0/0/5": {"machine": "wrt", "interface": "lan", "description": "BROKEN"}})

    def change(data: dict) -> None:
        broken(data)
        data["machines"]["sw1"]["switch"]["ports"]["ge-0/0/1"]["description"] = "moved"

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, change)
    with pytest.raises(SwitchPushError) as err:
        apply_switch(lab, "sw1")
    assert err.value.restored and "the running configuration was not changed" in str(err.value)
    assert running(lab) == configured
    time.sleep(1.5)  # no confirmed commit is pending either
    assert running(lab) == configured
    # The commit's validation refuses too (a port on a VLAN the switch does not have): discarded.
    by_hand(lab, ["set interfaces ge-0/0/20 unit 0 family ethernet-switching vlan members 10"])
    with_hand = running(lab)

    def drop_lab_vlan(data: dict) -> None:
        on_junos(model)(data)
        data["machines"]["sw1"]["switch"]["ports"] = {"ge-0/0/3": {"network": "wifi"}}
        del data["networks"]["lab"]["vlan"]

    with pytest.raises(SwitchPushError) as err:
        apply_switch(write_lab(tmp_path / "lab", {"sw1": sw1.port}, drop_lab_vlan), "sw1")
    assert "No vlan matches vlan tag 10" in str(err.value)
    assert running(lab) == with_hand


def test_junos_commit_confirmed_reverts_a_change_that_cuts_the_session(tmp_path: Path, emulators) -> None:
    model = "juniper_ex2300_24t"
    # 5 lab minutes of 0.6 s: a window of 3 s that a loaded machine still reads the commit in.
    sw1 = emulators("sw1", model=model, behaviour=Behaviour(cut="ge-0/0/4", minute=0.6))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, on_junos(model))
    with pytest.raises(SwitchPushError) as err:
        apply_switch(lab, "sw1")
    assert "session lost" in str(err.value)
    assert "rolls the commit back by itself in 5 minute" in str(err.value)
    assert "ge-0/0/4" in running(lab)  # committed, not confirmed…
    deadline = time.monotonic() + 15  # …until the 5 lab minutes are over
    while running(lab) != "" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert running(lab) == ""
    with open_netconf(switch_target(lab, "sw1")) as session:  # the lost session's lock went with it
        session.lock("candidate")
        session.unlock("candidate")
    # A confirmed apply stays.
    sw2 = emulators("sw2", model=model, behaviour=Behaviour(minute=0.6), lab_root=tmp_path / "lab2")

    def on_sw2(data: dict) -> None:
        on_junos(model)(data)
        data["machines"]["sw2"]["switch"] = data["machines"].pop("sw1")["switch"]

    lab2 = write_lab(tmp_path / "lab2", {"sw1": sw1.port, "sw2": sw2.port}, on_sw2)
    assert apply_switch(lab2, "sw2").pushed
    configured = read_running(switch_target(lab2, "sw2"))
    time.sleep(3.5)  # past the 5 lab minutes of 0.6 s
    assert read_running(switch_target(lab2, "sw2")) == configured != ""


def test_junos_backups_plans_errors_and_verify(tmp_path: Path, emulators) -> None:
    model = "juniper_ex2300_24t"
    macs = (("ge-0/0/1", "52:54:00:00:01:02"), ("ge-0/0/9", "52:54:00:00:01:03"))
    lldp = (("ge-0/0/4", "archimedes:eno1"),)
    sw1 = emulators("sw1", model=model, behaviour=Behaviour(macs=macs, lldp=lldp))
    root = tmp_path / "lab"
    lab = write_lab(root, {"sw1": sw1.port}, on_junos(model))
    env = {"ELENTA_SW1_PASSWORD": PASSWORD}
    offline = run_elenta("net", "plan", "--lab", str(root), env=env)
    assert offline.returncode == 0
    assert "set interfaces ae7 aggregated-ether-options lacp active" in offline.stdout
    planned = run_elenta("plan", "--lab", str(root))
    assert planned.returncode == 0, planned.stderr
    done = run_elenta("net", "apply", "--lab", str(root), env=env)
    assert done.returncode == 0, done.stderr
    assert "confirmed" in done.stdout
    again = run_elenta("net", "plan", "--lab", str(root), env=env)
    assert "sw1: no change" in again.stdout
    history = run_elenta("net", "history", "--lab", str(root), env=env)
    assert "sw1: after-apply" in history.stdout and "+set vlans lab vlan-id 10" in history.stdout
    kept = backup_switch(lab, "sw1")
    saved = repository(lab.state_dir) / "sw1.cfg"
    assert saved.stat().st_mode & 0o777 == 0o600 and kept.read_text() == running(lab)
    report = verify_switch(lab, "sw1")
    texts = [f.text() for f in report.findings]
    assert "ge-0/0/2: nancy:enp3s0 (52:54:00:00:01:03) is on ge-0/0/9" in texts
    assert "ge-0/0/4: LLDP neighbour is archimedes, the cadaster says ifrit:lan0" in texts
    assert not any(t.startswith("ge-0/0/1:") for t in texts)
    # A port the switch does not have is refused before anything is sent.
    with pytest.raises(ModelError, match="has no such port"):
        ghost = on_junos(None, **{"ge-0/0/40": {"network": "lab"}})  # type: ignore[arg-type]
        apply_switch(write_lab(root, {"sw1": sw1.port}, ghost), "sw1")
    # Someone else holds the candidate: refused, nothing done.
    with open_netconf(switch_target(lab, "sw1")) as session:
        session.lock("candidate")
        with pytest.raises(CandidateBusyError, match="cannot be locked") as busy:
            apply_switch(
                write_lab(root, {"sw1": sw1.port}, on_junos(model, ge_0_0_8={"network": "lab"})), "sw1"
            )
        assert busy.value.exit_code == 3
        session.unlock("candidate")
    # A wrong password: refused login, named, exit 4, never printed.
    bad = run_elenta("net", "apply", "--lab", str(root), env={"ELENTA_SW1_PASSWORD": "wrong-pw"})
    assert bad.returncode == 4 and "login refused" in bad.stderr and "wrong-pw" not in bad.stderr
    sw1.stop()
    with pytest.raises(SwitchConnectionError, match="connection refused"):
        read_running(switch_target(lab, "sw1"))


def test_junos_bond_renders_as_ae_and_its_rollback_restores_the_members(tmp_path: Path, emulators) -> None:
    model = "juniper_ex2200_24t"
    sw1 = emulators("sw1", model=model)
    root = tmp_path / "lab"
    bonded = on_junos(model)

    def unbonded(data: dict) -> None:
        bonded(data)
        ports = data["machines"]["sw1"]["switch"]["ports"]
        del ports["ge-0/0/2"]["channel"], ports["ge-0/0/12"]

    lab = write_lab(root, {"sw1": sw1.port}, unbonded)
    apply_switch(lab, "sw1")
    before = running(lab)
    switching = "unit 0 family ethernet-switching"
    assert f"set interfaces ge-0/0/2 {switching} port-mode access" in before
    assert "set protocols rstp interface ge-0/0/2.0 edge" in before
    lab = write_lab(root, {"sw1": sw1.port}, bonded)
    change = apply_switch(lab, "sw1").change
    assert "delete interfaces ge-0/0/2 unit 0" in change.remediation
    config = running(lab)
    assert lines_of(config, "set interfaces ge-0/0/2") == [
        "set interfaces ge-0/0/2 description nancy:enp3s0",
        "set interfaces ge-0/0/2 ether-options 802.3ad ae7",
    ]
    assert "set interfaces ae7 aggregated-ether-options lacp active" in config
    assert "set protocols rstp interface ae7.0 edge" in config
    dry = run_elenta(
        "net", "rollback", "--dry-run", "--lab", str(root), env={"ELENTA_SW1_PASSWORD": PASSWORD}
    )
    assert dry.returncode == 0 and "delete interfaces ae7" in dry.stdout and "dry run" in dry.stdout
    assert running(lab) == config
    assert rollback_switch(lab, "sw1").pushed
    assert running(lab) == before
    assert apply_switch(write_lab(root, {"sw1": sw1.port}, unbonded), "sw1").change.empty
