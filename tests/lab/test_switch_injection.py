"""A switch port description with a line break never reaches a switch: against the fake-switches
Cisco emulator (on loopback), `elenta net apply` and `elenta deploy --only switch` are refused by the
check before any connection, and the switch's running configuration stays as it was.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from elenta.facts.switch import RunningConfig, read_fact
from elenta.lab.keys import ensure_switch_key
from elenta.lab.state import lab_state_of
from elenta.lab.switch_emulator import SwitchEmulator
from elenta.model.lab import Lab, load_lab
from elenta.switch.session import open_session, switch_target
from tests.cli import run_elenta
from tests.conftest import EXAMPLE_LAB

PASSWORD = "injection-test-pw"
INJECTED = "uplink\ninterface Vlan1\n shutdown\nusername evil privilege 15 secret x"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELENTA_SW1_PASSWORD", PASSWORD)
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)


@pytest.fixture
def sw1(tmp_path: Path) -> Iterator[SwitchEmulator]:
    key = ensure_switch_key(lab_state_of(tmp_path / "lab"), "sw1")  # the lab the tests connect with
    emulator = SwitchEmulator(
        host="127.0.1.250", password=PASSWORD, hostname="sw1", log=tmp_path / "sw1.log", host_key=key
    )
    emulator.start()
    yield emulator
    emulator.stop()


def write_lab(root: Path, port: int, description: str | None) -> Path:
    """The example cadaster (as JSON) with sw1 on `port` and FastEthernet0/1 described as given."""
    data = tomllib.loads((EXAMPLE_LAB / "cadaster.toml").read_text())
    switch = data["machines"]["sw1"]
    switch["ssh"] = {"port": port}
    if description is not None:
        switch["switch"]["ports"]["FastEthernet0/1"]["description"] = description
    root.mkdir(parents=True, exist_ok=True)
    (root / "cadaster.json").write_text(json.dumps(data))
    return root


def running(lab: Lab) -> str:
    target = switch_target(lab, "sw1")
    with open_session(target) as connection:
        return read_fact(connection, RunningConfig(target.driver))


def test_a_description_with_a_line_break_is_refused_before_any_connection(tmp_path: Path, sw1) -> None:
    env = dict(os.environ)
    bad = write_lab(tmp_path / "bad", sw1.port, INJECTED)
    clean = load_lab(write_lab(tmp_path / "lab", sw1.port, None))
    before = running(clean)
    key = 'machines.sw1.switch.ports."FastEthernet0/1".description'
    for args in (("check", str(bad)), ("net", "apply", "--lab", str(bad)), ("plan", "--lab", str(bad))):
        result = run_elenta(*args, env=env)
        output = result.stdout + result.stderr
        assert result.returncode == 2, output
        assert f"{bad / 'cadaster.json'}: {key}: " in output and "no line break" in output, output
        assert "Traceback" not in output
    assert running(clean) == before  # nothing was pushed
    assert "username evil" not in before and "username evil" not in running(clean)
    assert not (bad / ".elenta").exists()  # no plan, no backup, no state


def test_the_same_switch_takes_a_clean_description(tmp_path: Path, sw1) -> None:
    """The counter-proof: the refusal above is the check's, not a switch that cannot be reached."""
    env = dict(os.environ)
    lab = write_lab(tmp_path / "lab", sw1.port, "uplink to toto")
    result = run_elenta("net", "apply", "--lab", str(lab), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " description uplink to toto" in running(load_lab(lab))
