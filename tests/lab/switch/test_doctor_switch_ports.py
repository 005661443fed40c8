"""`elenta doctor` reads where each machine is plugged from the switch, as `elenta net verify` does.

The fake-switches emulator learns MACs on the ports the test gives it: toto on its cadaster port,
nancy on another one, archimedes on none, and an LLDP neighbour that is another machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from elenta.lab.switch_emulator import Behaviour
from elenta.operations.switch import verify_switch
from tests.cli import run_elenta
from tests.lab.switch.helpers import PASSWORD, write_lab

MACS = (("Fa0/1", "52:54:00:00:01:02"), ("Fa0/7", "52:54:00:00:01:03"), ("Gi0/1", "52:54:00:00:01:f0"))
LLDP = (("Fa0/1", "toto.canon:enp2s0"), ("Fa0/4", "archimedes:eno1"))
ON_THEIR_PORTS = (
    ("Fa0/1", "52:54:00:00:01:02"),
    ("Fa0/2", "52:54:00:00:01:03"),
    ("Fa0/3", "52:54:00:00:01:04"),
    ("Fa0/4", "52:54:00:00:01:fe"),
    ("Gi0/1", "52:54:00:00:01:f0"),
)


def _doctor(lab: Path, *args: str, password: bool = True) -> tuple[int, list[str], str]:
    env = dict(os.environ)
    env.pop("ELENTA_SW1_PASSWORD", None)
    if password:
        env["ELENTA_SW1_PASSWORD"] = PASSWORD
    done = run_elenta("doctor", "--no-ssh", "--no-dns", "--lab", str(lab), *args, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout.splitlines(), done.stderr


def test_doctor_names_both_sides_of_a_machine_on_another_port(tmp_path: Path, emulators) -> None:
    sw1 = emulators("sw1", behaviour=Behaviour(macs=MACS, lldp=LLDP, minute=1.0))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    code, lines, stderr = _doctor(tmp_path / "lab")
    assert code == 1 and "switch ports" not in stderr, stderr
    ports = [line for line in lines if line.startswith("switch-port: ")]
    cadaster = f"{tmp_path / 'lab'}/cadaster.json"
    assert ports == [
        f"switch-port: sw1:FastEthernet0/2: {cadaster} (machines.sw1.switch.ports.FastEthernet0/2) plugs "
        "nancy:enp3s0 (52:54:00:00:01:03) there; sw1 sees 52:54:00:00:01:03 on FastEthernet0/7; move the "
        "cable back to FastEthernet0/2, or write the port it is on in the cadaster "
        "(machines.sw1.switch.ports)",
        f"switch-port: sw1:FastEthernet0/3: {cadaster} (machines.sw1.switch.ports.FastEthernet0/3) plugs "
        "archimedes:eno1 (52:54:00:00:01:04) there; sw1 sees 52:54:00:00:01:04 on no port; check that "
        "archimedes is up and cabled to FastEthernet0/3 (a switch learns a MAC from its traffic), or fix "
        "machines.sw1.switch.ports.FastEthernet0/3",
        f"switch-port: sw1:FastEthernet0/4: {cadaster} (machines.sw1.switch.ports.FastEthernet0/4) plugs "
        "ifrit:lan0 (52:54:00:00:01:fe) there; sw1's LLDP neighbour on it is archimedes; plug ifrit back "
        "into FastEthernet0/4, or write the port each machine is on in the cadaster",
    ]
    # One code path: the ports doctor names are the ones `net verify` names.
    assert [f"sw1:{f.port}" for f in verify_switch(lab, "sw1").findings] == [
        line.split(": ")[1] for line in ports
    ]
    code, lines, _ = _doctor(tmp_path / "lab", "--json")
    report = json.loads("\n".join(lines))
    assert code == 1 and report["checked"]["switch_ports"] == 5 and report["skipped"] == {}
    found = [f for f in report["findings"] if f["kind"] == "switch-port"]
    assert [f["subject"] for f in found] == [
        "sw1:FastEthernet0/2",
        "sw1:FastEthernet0/3",
        "sw1:FastEthernet0/4",
    ]
    assert "plugs nancy:enp3s0 (52:54:00:00:01:03) there" in found[0]["message"]
    assert found[0]["details"] == {
        "cadaster": {"file": cadaster, "key": "machines.sw1.switch.ports.FastEthernet0/2", "machine": "nancy",
                     "interface": "enp3s0", "mac": "52:54:00:00:01:03"},
        "switch": {"name": "sw1", "port": "FastEthernet0/2", "mac_seen_on": ["FastEthernet0/7"],
                   "lldp_neighbour": None},
    }  # fmt: skip
    assert found[2]["details"]["switch"]["lldp_neighbour"] == "archimedes"


def test_doctor_is_quiet_about_ports_on_their_cadaster_port(tmp_path: Path, emulators) -> None:
    macs = (*ON_THEIR_PORTS, ("Gi0/1", "52:54:00:00:01:05"))  # hermes behind the uplink: no claim
    sw1 = emulators("sw1", behaviour=Behaviour(macs=macs, minute=1.0))
    write_lab(tmp_path / "lab", {"sw1": sw1.port})
    _, lines, stderr = _doctor(tmp_path / "lab", "--json")
    report = json.loads("\n".join(lines))
    assert [f for f in report["findings"] if f["kind"] == "switch-port"] == []
    assert report["checked"]["switch_ports"] == 5 and "switch ports" not in stderr


def test_doctor_tells_where_a_machine_on_no_cadaster_port_is_plugged(tmp_path: Path, emulators) -> None:
    """hermes is on no port in the cadaster (`elenta check` warns); the switch learned it alone on Fa0/9."""
    macs = (*ON_THEIR_PORTS, ("Fa0/9", "52:54:00:00:01:05"))
    sw1 = emulators("sw1", behaviour=Behaviour(macs=macs, minute=1.0))
    lab = write_lab(tmp_path / "lab", {"sw1": sw1.port})
    (finding,) = verify_switch(lab, "sw1").findings
    assert finding.text() == (
        "FastEthernet0/9: hermes:eth0 (52:54:00:00:01:05) is plugged here, and the cadaster puts it on "
        "no port"
    )
    _, lines, _ = _doctor(tmp_path / "lab")
    assert [line for line in lines if line.startswith("switch-port: ")] == [
        f"switch-port: sw1:FastEthernet0/9: {tmp_path / 'lab'}/cadaster.json "
        "(machines.hermes.interfaces.eth0) puts hermes:eth0 (52:54:00:00:01:05) on no switch port; sw1 sees "
        '52:54:00:00:01:05 on FastEthernet0/9, alone; write it in the cadaster: machines.sw1.switch.ports."'
        'FastEthernet0/9" = { machine = "hermes", interface = "eth0" }'
    ]


def test_doctor_skips_the_ports_with_a_note_when_no_switch_answers(tmp_path: Path) -> None:
    write_lab(tmp_path / "lab", {"sw1": 9})  # nothing listens on 127.0.1.250:9
    code, lines, stderr = _doctor(tmp_path / "lab", "--json")
    report = json.loads("\n".join(lines))
    assert code in (0, 1)  # this machine's own neighbour table may hold devices the lab lacks
    assert not any(f["kind"] == "switch-port" for f in report["findings"])
    assert report["checked"]["switch_ports"] == 0
    assert report["skipped"]["switch ports"].startswith("no switch could be read (sw1: ")
    assert "note: switch ports: no switch could be read (sw1: " in stderr
    _, _, stderr = _doctor(tmp_path / "lab", password=False)
    assert "ELENTA_SW1_PASSWORD is not set" in stderr
    _, lines, stderr = _doctor(tmp_path / "lab", "--offline", "--json")
    assert json.loads("\n".join(lines))["skipped"] == {"SSH, DNS and switch ports": "not checked (--offline)"}
    assert "note: SSH, DNS and switch ports: not checked (--offline)" in stderr
