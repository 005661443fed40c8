"""Issue 14 against fake-switches: scope, names, order of safety, errors, profiles, bonds, verify.

Every case runs on the 24-port model, and the scope and name cases on the 48-port
`cisco_2960_48TT_L` as well (46 access ports and two trunks over three VLANs).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from elenta.lab.switch_emulator import Behaviour
from elenta.model.cadaster import Switch
from elenta.model.errors import ModelError
from elenta.operations.switch import (
    SwitchConfirmError,
    SwitchPushError,
    apply_switch,
    plan_switch,
    rollback_switch,
    verify_switch,
)
from elenta.switch.backups import backups, repository
from elenta.switch.ownership import load_ownership
from elenta.switch.plan import planned_switch
from elenta.switch.session import SwitchConnectionError
from tests.cli import run_elenta
from tests.lab.switch.helpers import PASSWORD, configure, running, section, write_lab

HAND_MADE = ["vlan 99", "name mgmt-by-hand", "interface Vlan99", "ip address 127.0.99.1 255.255.255.0"]
MODELS = ["cisco_2960_24TT_L", "cisco_2960_48TT_L"]


def forty_eight_ports(data: dict) -> None:
    """The 48-port switch of the issue: 46 access ports over the lab's VLANs and two trunks."""
    switch = data["machines"]["sw1"]["switch"]
    switch["model"] = "cisco_2960_48TT_L"
    networks = ["lab", "home", "wifi"]
    ports = {f"Fa0/{i}": {"network": networks[i % 3], "description": f"desk {i}"} for i in range(1, 47)}
    ports["Gi0/1"] = {"machine": "wrt", "interface": "lan", "networks": ["lab", "wifi"], "native": "lab"}
    ports["Gi0/2"] = {"networks": ["lab", "home", "wifi"], "description": "uplink"}
    switch["ports"] = ports


def cadaster_for(model: str):  # type: ignore[no-untyped-def]
    return forty_eight_ports if model == "cisco_2960_48TT_L" else None


def describe(first: str, last: str, model: str):  # type: ignore[no-untyped-def]
    """A cadaster change: new descriptions on the first and the last listed port."""

    def mutate(data: dict) -> None:
        if model == "cisco_2960_48TT_L":
            forty_eight_ports(data)
        ports = data["machines"]["sw1"]["switch"]["ports"]
        names = list(ports)
        ports[names[0]]["description"] = first
        ports[names[-1]]["description"] = last

    return mutate


@pytest.mark.parametrize("model", MODELS)
def test_hand_made_vlan_and_svi_survive_apply_and_every_rollback(tmp_path: Path, emulators, model) -> None:
    sw1 = emulators("sw1", model=model, reject="^description BROKEN")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, cadaster_for(model))
    apply_switch(lab, "sw1")
    configure(lab, "sw1", HAND_MADE, save=True)
    assert plan_switch(lab, "sw1", live=True).change.empty  # not elenta's: no change
    assert apply_switch(lab, "sw1").change.empty
    dry = run_elenta("net", "rollback", "--dry-run", "--lab", str(tmp_path / "lab"), env=_env())
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing sent" in dry.stdout and "99" not in dry.stdout
    assert "interface FastEthernet0/1\n description" in running(lab, "sw1")  # the dry run sent nothing
    assert rollback_switch(lab, "sw1").pushed
    config = running(lab, "sw1")
    assert section(config, "vlan 99") == [" name mgmt-by-hand"]
    assert section(config, "interface Vlan99") == [" ip address 127.0.99.1 255.255.255.0"]
    assert "vlan 10\n" not in config  # elenta's VLANs went back
    # The automatic rollback after a refused line keeps them too.
    apply_switch(lab, "sw1")
    broken = write_lab(tmp_path / "lab", {"sw1": sw1.port}, describe("first", "BROKEN", model))
    with pytest.raises(SwitchPushError) as err:
        apply_switch(broken, "sw1")
    assert err.value.restored
    config = running(lab, "sw1")
    assert section(config, "interface Vlan99") == [" ip address 127.0.99.1 255.255.255.0"]
    assert "vlan 99\n" in config and " description first" not in config


def _env() -> dict[str, str]:
    return dict(os.environ, ELENTA_SW1_PASSWORD=PASSWORD, ELENTA_SW2_PASSWORD=PASSWORD)


def test_vlans_elenta_created_are_removed_when_dropped_others_stay(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")

    def with_iot(data: dict) -> None:
        data["networks"]["iot"] = {"cidr": "127.0.4.0/24", "vlan": 40}
        data["networks"]["cams"] = {"cidr": "127.0.5.0/24", "vlan": 50}

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    configure(lab, "sw1", ["vlan 50", "name cams"])  # was there before elenta
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, with_iot)
    apply_switch(lab, "sw1")
    assert load_ownership(lab.state_dir, "sw1").vlans == {10, 20, 30, 40}
    dropped = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    change = apply_switch(dropped, "sw1").change
    assert [line.strip() for line in change.remediation] == ["no vlan 40"]
    config = running(dropped, "sw1")
    assert "vlan 40\n" not in config and section(config, "vlan 50") == [" name cams"]


@pytest.mark.parametrize("model", MODELS)
def test_short_port_names_configure_the_real_port_once(tmp_path: Path, emulators, model) -> None:
    sw1 = emulators("sw1", model=model)

    def short(data: dict) -> None:
        if model == "cisco_2960_48TT_L":
            forty_eight_ports(data)
        ports = data["machines"]["sw1"]["switch"]["ports"]
        ports.pop("FastEthernet0/1", None)
        ports["Fa0/1"] = {"machine": "toto", "interface": "enp2s0"}

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, short)
    result = apply_switch(lab, "sw1")
    assert "interface Fa0/1" not in result.change.remediation
    assert section(running(lab, "sw1"), "interface FastEthernet0/1")[0] == " description toto:enp2s0"
    assert apply_switch(lab, "sw1").change.empty  # no flip on the next apply


def test_check_refuses_a_port_the_model_does_not_have(tmp_path: Path) -> None:
    def bad(data: dict) -> None:
        forty_eight_ports(data)
        data["machines"]["sw1"]["switch"]["ports"]["Fa0/49"] = {"machine": "hermes"}
        data["machines"]["sw1"]["switch"]["ports"]["FastEthernet0/2"] = {"machine": "hermes"}

    lab = write_lab(tmp_path / "lab", {"sw1": 1}, bad)
    with pytest.raises(ModelError) as err:
        planned_switch(lab, "sw1")
    text = str(err.value)
    assert 'machines.sw1.switch.ports."Fa0/49": model cisco_2960_48TT_L has no port FastEthernet0/49' in text
    assert "'FastEthernet0/2' is the same port as 'Fa0/2'" in text
    checked = run_elenta("check", str(tmp_path / "lab"))
    assert checked.returncode == 2 and "FastEthernet0/49" in checked.stderr + checked.stdout


def first_description(model: str) -> str:
    """The description elenta gives the first port of the model's cadaster."""
    return "desk 1" if model == "cisco_2960_48TT_L" else "toto:enp2s0"


@pytest.mark.parametrize("model", MODELS)
def test_failed_confirmation_rolls_back_before_anything_is_saved(tmp_path: Path, emulators, model) -> None:
    ignored = f"^description {first_description(model)}$"
    sw1 = emulators("sw1", model=model, behaviour=Behaviour(ignore=ignored, minute=1.0))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, cadaster_for(model))
    blank = running(lab, "sw1")
    with pytest.raises(SwitchConfirmError) as err:
        apply_switch(lab, "sw1")
    assert "still differ" in str(err.value) and "nothing saved" in str(err.value)
    assert "rolled back to the backup" in str(err.value)
    assert running(lab, "sw1") == blank
    startup = running(lab, "sw1", "show startup-config")
    assert "vlan 10" not in startup  # never saved


@pytest.mark.parametrize("model", MODELS)
def test_a_rollback_that_cannot_complete_names_what_remains(tmp_path: Path, emulators, model) -> None:
    first = first_description(model)
    sw1 = emulators("sw1", model=model, reject=f"^no description {first}$")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, cadaster_for(model))
    apply_switch(lab, "sw1")
    done = run_elenta("net", "rollback", "--lab", str(tmp_path / "lab"), env=_env())
    assert done.returncode == 1, done.stdout + done.stderr  # a failure on a switch
    remain = f"rollback INCOMPLETE, 2 line(s) remain: 'interface FastEthernet0/1', 'no description {first}'"
    assert remain in done.stderr
    assert "restored" not in done.stdout and "rolled back to" not in done.stderr
    assert "put back as it was before the rollback" in done.stderr
    assert section(running(lab, "sw1"), "interface FastEthernet0/1")[0] == f" description {first}"


@pytest.mark.parametrize("model", MODELS)
def test_a_push_that_cuts_its_session_is_reverted_by_the_switch(tmp_path: Path, emulators, model) -> None:
    sw1 = emulators("sw1", model=model, behaviour=Behaviour(cut="^switchport access vlan 10", minute=0.2))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, cadaster_for(model))
    blank = running(lab, "sw1")
    with pytest.raises(SwitchPushError) as err:
        apply_switch(lab, "sw1")
    assert "session lost" in str(err.value) and "reloads to its saved configuration in 5" in str(err.value)
    assert running(lab, "sw1") != blank  # half-applied…
    time.sleep(1.5)  # …until the timer (5 lab minutes of 0.2 s) fires
    assert running(lab, "sw1") == blank


@pytest.mark.parametrize("model", MODELS)
def test_wrong_enable_secret_exits_4_naming_the_switch_and_the_other_is_reported(
    tmp_path: Path, emulators, model
) -> None:
    sw1, sw2 = emulators("sw1", model=model), emulators("sw2", model=model)

    def enable(data: dict) -> None:
        if model == "cisco_2960_48TT_L":
            forty_eight_ports(data)
        data["machines"]["sw2"]["switch"]["credentials"]["enable_env"] = "ELENTA_SW2_ENABLE"

    write_lab(tmp_path / "lab", {"sw1": sw1.port, "sw2": sw2.port}, enable)
    done = run_elenta(
        "net", "apply", "--lab", str(tmp_path / "lab"), env=dict(_env(), ELENTA_SW2_ENABLE="wrong-enable")
    )
    assert done.returncode == 4, done.stdout + done.stderr  # the login was refused
    assert "Traceback" not in done.stderr and "wrong-enable" not in done.stdout + done.stderr
    assert "switch sw2 (127.0.1.251:" in done.stderr and "enable refused" in done.stderr
    assert done.stdout.startswith("sw1: pushed ")


@pytest.mark.parametrize("model", MODELS)
def test_refused_and_frozen_switches_fail_fast_and_differently(tmp_path: Path, emulators, model) -> None:
    sw1 = emulators("sw1", model=model)
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, cadaster_for(model))
    os.kill(sw1.process.pid, signal.SIGSTOP)  # frozen: the kernel still accepts the connection
    try:
        started = time.monotonic()
        with pytest.raises(SwitchConnectionError) as err:
            apply_switch(lab, "sw1")
        took = time.monotonic() - started
    finally:
        os.kill(sw1.process.pid, signal.SIGCONT)
    assert "no SSH session within 10 s" in str(err.value) and took < 25
    sw1.stop()
    with pytest.raises(SwitchConnectionError, match=r"sw1 \(127.0.1.250:\d+\): connection refused"):
        apply_switch(lab, "sw1")
    assert Switch().timeout <= 20  # the default bound


def test_port_profile_keeps_hand_settings_and_voice_vlan(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")

    def voice(data: dict) -> None:
        data["machines"]["sw1"]["switch"]["ports"]["FastEthernet0/2"]["voice"] = "wifi"
        data["machines"]["sw1"]["switch"]["ports"]["FastEthernet0/3"]["portfast"] = False

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, voice)
    apply_switch(lab, "sw1")
    configure(lab, "sw1", ["interface FastEthernet0/1", "storm-control broadcast level 20.00"])
    config = running(lab, "sw1")
    assert " switchport voice vlan 30" in section(config, "interface FastEthernet0/2")
    assert " spanning-tree portfast" not in section(config, "interface FastEthernet0/3")
    assert " spanning-tree bpduguard enable" in section(config, "interface FastEthernet0/3")

    def moved_vlan(data: dict) -> None:
        voice(data)
        data["machines"]["sw1"]["switch"]["ports"]["FastEthernet0/1"]["network"] = "home"

    result = apply_switch(write_lab(tmp_path / "lab", {"sw1": sw1.port}, moved_vlan), "sw1")
    assert [line.strip() for line in result.change.remediation] == [
        "interface FastEthernet0/1",
        "switchport access vlan 20",
    ]
    assert " storm-control broadcast level 20.00" in section(running(lab, "sw1"), "interface FastEthernet0/1")


def test_bond_of_two_ports_is_a_port_channel_whose_rollback_restores_the_members(
    tmp_path: Path, emulators
) -> None:
    sw1 = emulators("sw1")

    def bond(data: dict) -> None:
        ports = data["machines"]["sw1"]["switch"]["ports"]
        data["machines"]["nancy"]["interfaces"]["enp4s0"] = {
            "mac": "52:54:00:00:01:13",
            "network": "lab",
            "ip": "127.0.1.13",
        }
        ports["FastEthernet0/2"]["channel"] = 1
        ports["FastEthernet0/12"] = {"machine": "nancy", "interface": "enp4s0", "channel": 1}

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    configure(lab, "sw1", ["interface FastEthernet0/12", "description spare", "switchport access vlan 20"])
    before = running(lab, "sw1")
    apply_switch(lab, "sw1")  # the plain lab first
    bonded = write_lab(tmp_path / "lab", {"sw1": sw1.port}, bond)
    result = apply_switch(bonded, "sw1")
    lines = [line.strip() for line in result.change.remediation]
    assert lines[:2] == ["interface Port-channel1", "switchport mode access"]
    config = running(bonded, "sw1")
    assert section(config, "interface Port-channel1")[:3] == [
        " description nancy:bond",
        " switchport access vlan 10",
        " switchport mode access",
    ]
    for member in ("FastEthernet0/2", "FastEthernet0/12"):
        assert " channel-group 1 mode active" in section(config, f"interface {member}")
    assert apply_switch(bonded, "sw1").change.empty
    rollback_switch(bonded, "sw1")
    config = running(bonded, "sw1")
    assert "interface Port-channel1" not in config
    assert section(config, "interface FastEthernet0/12") == section(before, "interface FastEthernet0/12")
    assert " channel-group 1 mode active" not in section(config, "interface FastEthernet0/2")
    assert section(config, "interface FastEthernet0/2")[0] == " description nancy:enp3s0"


def test_backups_are_private_commits_and_history_shows_diffs(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    configure(lab, "sw1", ["username admin privilege 15 secret 5 $1$hidden"])
    apply_switch(lab, "sw1")
    repo = repository(lab.state_dir)
    assert (repo / "sw1.cfg").stat().st_mode & 0o777 == 0o600
    assert all("$1$hidden" not in b.read_text() for b in backups(lab.state_dir, "sw1"))
    shown = run_elenta("net", "history", "--lab", str(tmp_path / "lab"))
    assert shown.returncode == 0 and "sw1: after-apply" in shown.stdout
    assert "+ description toto:enp2s0" in shown.stdout


def test_offline_plan_needs_neither_the_switch_nor_its_password(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    apply_switch(lab, "sw1")
    sw1.stop()
    env = {k: v for k, v in _env().items() if k != "ELENTA_SW1_PASSWORD"}
    write_lab(tmp_path / "lab", {"sw1": sw1.port}, describe("toto moved", "wrt:lan", "cisco_2960_24TT_L"))
    done = run_elenta("net", "plan", "--lab", str(tmp_path / "lab"), env=env)
    assert done.returncode == 0, done.stderr
    assert "sw1: 2 line(s) to push (against the last backup" in done.stdout
    assert "description toto moved" in done.stdout
    live = run_elenta("net", "plan", "--live", "--lab", str(tmp_path / "lab"), env=env)
    assert live.returncode == 2 and "ELENTA_SW1_PASSWORD is not set" in live.stderr


def test_verify_finds_a_machine_on_the_wrong_port(tmp_path: Path, emulators) -> None:
    macs = (("Fa0/1", "52:54:00:00:01:02"), ("Fa0/7", "52:54:00:00:01:03"), ("Gi0/1", "52:54:00:00:01:f0"))
    lldp = (("Fa0/1", "toto.canon:enp2s0"), ("Fa0/4", "archimedes:eno1"))
    sw1 = emulators("sw1", behaviour=Behaviour(macs=macs, lldp=lldp, minute=1.0))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    report = verify_switch(lab, "sw1")
    assert not report.ok and report.checked == 5
    texts = [f.text() for f in report.findings]
    assert texts == [
        "FastEthernet0/2: nancy:enp3s0 (52:54:00:00:01:03) is on FastEthernet0/7",
        "FastEthernet0/3: archimedes:eno1 (52:54:00:00:01:04) is not seen on this switch",
        "FastEthernet0/4: LLDP neighbour is archimedes, the cadaster says ifrit:lan0",
    ]
    done = run_elenta("net", "verify", "--lab", str(tmp_path / "lab"), env=_env())
    assert done.returncode == 5 and "is on FastEthernet0/7" in done.stdout
    assert "sw1: 3 of 5 port(s) differ from the cadaster:" in done.stdout


def arista(data: dict) -> None:
    """sw1 as an Arista 7048T: the example lab's ports on Ethernet1-5, a bond on Ethernet11-12."""
    switch = data["machines"]["sw1"]["switch"]
    switch["platform"], switch["model"] = "arista_eos", "arista_7048t"
    old = switch["ports"]
    switch["ports"] = {f"Et{i}": port for i, port in enumerate(old.values(), start=1)}
    data["machines"]["nancy"]["interfaces"]["enp4s0"] = {"network": "lab", "ip": "127.0.1.13"}
    switch["ports"]["Et2"]["channel"] = 7
    switch["ports"]["Ethernet12"] = {"machine": "nancy", "interface": "enp4s0", "channel": 7}


def test_arista_apply_no_op_and_rollback(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1", model="arista_7048t")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, arista)
    blank = running(lab, "sw1")
    result = apply_switch(lab, "sw1")
    assert result.pushed
    config = running(lab, "sw1")
    assert section(config, "interface Ethernet1") == [
        "   description toto:enp2s0",
        "   switchport access vlan 10",
        "   spanning-tree portfast",
        "   spanning-tree bpduguard enable",
    ]
    assert section(config, "interface Ethernet5") == [
        "   description wrt:lan",
        "   switchport trunk native vlan 10",
        "   switchport trunk allowed vlan 10,30",
        "   switchport mode trunk",
    ]
    assert "   channel-group 7 mode active" in section(config, "interface Ethernet12")
    assert section(config, "interface Port-Channel7")[0] == "   description nancy:bond"
    assert apply_switch(lab, "sw1").change.empty
    configure(lab, "sw1", ["vlan 99", "name by-hand", "interface Vlan99", "ip address 127.0.99.1/24"])
    assert apply_switch(lab, "sw1").change.empty
    assert rollback_switch(lab, "sw1").pushed
    config = running(lab, "sw1")
    assert "interface Port-Channel7" not in config and "vlan 10\n" not in config
    assert section(config, "vlan 99") == ["   name by-hand"]
    assert section(config, "interface Vlan99") == ["   ip address 127.0.99.1/24"]
    assert section(config, "interface Ethernet1") == section(blank, "interface Ethernet1")


def test_plan_and_check_on_every_platform(tmp_path: Path) -> None:
    write_lab(tmp_path / "lab", {"sw1": 1}, arista)
    planned = run_elenta("plan", "--lab", str(tmp_path / "lab"))
    assert planned.returncode == 0, planned.stderr
    offline = run_elenta("net", "plan", "--lab", str(tmp_path / "lab"))
    assert offline.returncode == 0 and "interface Port-Channel7" in offline.stdout

    def unknown(data: dict) -> None:
        data["machines"]["sw1"]["switch"]["platform"] = "mikrotik_routeros"

    write_lab(tmp_path / "lab", {"sw1": 1}, unknown)
    refused = run_elenta("plan", "--lab", str(tmp_path / "lab"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "machines.sw1.switch.platform: unsupported switch platform 'mikrotik_routeros'" in refused.stderr
    checked = run_elenta("check", str(tmp_path / "lab"))
    assert checked.returncode == 2 and "unsupported switch platform 'mikrotik_routeros'" in checked.stderr


def test_after_a_lost_session_net_rollback_undoes_that_apply(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1", behaviour=Behaviour(cut="^switchport access vlan 10", minute=1.0))

    def no_timer(data: dict) -> None:
        data["machines"]["sw1"]["switch"]["revert_minutes"] = 0

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, no_timer)
    blank = running(lab, "sw1")
    with pytest.raises(SwitchPushError) as err:
        apply_switch(lab, "sw1")
    assert "NOT rolled back" in str(err.value) and "reload" not in str(err.value)
    assert running(lab, "sw1") != blank
    assert rollback_switch(lab, "sw1").pushed
    assert running(lab, "sw1") == blank


def test_every_switch_is_checked_before_any_is_touched(tmp_path: Path, emulators) -> None:
    sw1, sw2 = emulators("sw1"), emulators("sw2")

    def bad_sw2(data: dict) -> None:
        data["networks"]["flat"] = {"cidr": "127.0.9.0/24"}
        data["machines"]["flatbox"] = {"interfaces": {"eth0": {"network": "flat", "ip": "127.0.9.2"}}}
        data["machines"]["sw2"]["switch"]["ports"]["FastEthernet0/2"] = {"machine": "flatbox"}

    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port, "sw2": sw2.port}, bad_sw2)
    blank = running(lab, "sw1")
    done = run_elenta("net", "apply", "--lab", str(tmp_path / "lab"), env=_env())
    assert done.returncode == 2 and 'machines.sw2.switch.ports."FastEthernet0/2".network' in done.stderr
    assert running(lab, "sw1") == blank and backups(lab.state_dir, "sw1") == []


def test_a_description_with_a_line_break_never_reaches_the_switch(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1")
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    blank = running(lab, "sw1")

    def inject(data: dict) -> None:
        port = data["machines"]["sw1"]["switch"]["ports"]["FastEthernet0/1"]
        port["description"] = "toto\ninterface Vlan1\nshutdown"
        data["networks"]["a-network-name-too-long-for-a-vlan-name"] = {"cidr": "127.0.7.0/24", "vlan": 70}

    write_lab(tmp_path / "lab", {"sw1": sw1.port}, inject)
    done = run_elenta("net", "apply", "--lab", str(tmp_path / "lab"), env=_env())
    assert done.returncode == 2, done.stdout + done.stderr
    assert 'machines.sw1.switch.ports."FastEthernet0/1".description: a port description is' in done.stderr
    assert "networks.a-network-name-too-long-for-a-vlan-name: becomes the VLAN name" in done.stderr
    assert running(lab, "sw1") == blank


def test_arista_commit_timer_reverts_a_change_that_cuts_the_session(tmp_path: Path, emulators) -> None:
    # The commit itself cuts the session (the change took the management path away).
    sw1 = emulators("sw1", model="arista_7048t", behaviour=Behaviour(cut="^commit timer", minute=0.2))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, arista)
    blank = running(lab, "sw1")
    with pytest.raises(SwitchPushError) as err:
        apply_switch(lab, "sw1")
    assert "session lost" in str(err.value) and "in 5 minute(s)" in str(err.value)
    assert running(lab, "sw1") != blank  # committed…
    time.sleep(1.5)  # …until the timer (5 lab minutes of 0.2 s) fires
    assert running(lab, "sw1") == blank
    # Cut before the commit: the session never reaches the running configuration.
    sw2 = emulators(
        "sw2",
        model="arista_7048t",
        behaviour=Behaviour(cut="^switchport access vlan 10"),
        lab_root=tmp_path / "lab2",
    )

    def on_sw2(data: dict) -> None:
        arista(data)
        data["machines"]["sw2"]["switch"] = data["machines"].pop("sw1")["switch"]

    lab2 = write_lab(tmp_path / "lab2", {"sw1": sw1.port, "sw2": sw2.port}, on_sw2)
    blank2 = running(lab2, "sw2")
    with pytest.raises(SwitchPushError):
        apply_switch(lab2, "sw2")
    assert running(lab2, "sw2") == blank2


def test_arista_push_is_a_session_with_commit_timer_confirmed(tmp_path: Path, emulators) -> None:
    sw1 = emulators(
        "sw1", model="arista_7048t", behaviour=Behaviour(reject="^description BROKEN", minute=0.2)
    )
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port}, arista)
    blank = running(lab, "sw1")
    apply_switch(lab, "sw1")
    configured = running(lab, "sw1")
    time.sleep(1.5)  # past the 5 lab minutes of the timer: the session was confirmed
    assert running(lab, "sw1") == configured != blank

    def broken(data: dict) -> None:
        arista(data)
        data["machines"]["sw1"]["switch"]["ports"]["Et1"]["description"] = "moved"
        data["machines"]["sw1"]["switch"]["ports"]["Et5"]["description"] = "BROKEN"

    with pytest.raises(SwitchPushError) as err:
        apply_switch(write_lab(tmp_path / "lab", {"sw1": sw1.port}, broken), "sw1")
    assert err.value.restored and "reload" not in str(err.value)
    assert running(lab, "sw1") == configured
    time.sleep(1.5)
    assert running(lab, "sw1") == configured  # aborted: no timer left to fire
