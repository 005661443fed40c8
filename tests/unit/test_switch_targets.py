"""Which switch, where, with which secret; gathering failures across switches (no network)."""

from __future__ import annotations

import threading

import pytest

from elenta.model.errors import ElentaError, ModelError
from elenta.model.lab import load_lab
from elenta.operations import switch as switch_operations
from elenta.operations.switch import SwitchErrors, SwitchPushError, each_switch
from elenta.switch.credentials import CredentialsError
from elenta.switch.drivers import CISCO_IOS
from elenta.switch.session import switch_target


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ELENTA_SW1_PASSWORD", "pw-in-env")
    return load_lab("examples/lab")


def test_example_switch_target(lab) -> None:
    target = switch_target(lab, "sw1")
    assert (target.host, target.port, target.driver, target.credentials.username) == (
        "127.0.1.250",
        2222,
        CISCO_IOS,
        "root",
    )
    assert "pw-in-env" not in repr(target) and str(target) == "sw1 (127.0.1.250:2222)"


def test_not_a_switch_names_the_key(lab) -> None:
    with pytest.raises(
        ModelError, match=r"cadaster.toml: machines.toto.switch: 'toto' is not a managed switch"
    ):
        switch_target(lab, "toto")


def test_missing_secret_is_checked_before_any_switch_is_touched(lab, monkeypatch) -> None:
    monkeypatch.delenv("ELENTA_SW1_PASSWORD")
    touched: list[str] = []
    with pytest.raises(CredentialsError, match="ELENTA_SW1_PASSWORD is not set"):
        each_switch(lab, None, lambda lb, name: touched.append(name))
    assert touched == []


def test_each_switch_runs_all_and_gathers_every_failure(lab, monkeypatch) -> None:
    names = ["sw1", "sw1", "sw1"]
    seen: list[str] = []
    # No switch listens here: the host key check before the run (tested against the emulators in
    # tests/lab/switch/test_switch_host_keys.py) is left out of this test of the gathering.
    monkeypatch.setattr(switch_operations, "check_host_keys", lambda lab, names: {})
    lock = threading.Lock()

    def action(lb, name: str) -> str:
        with lock:
            seen.append(name)
            n = len(seen)
        if n > 1:
            raise ElentaError(f"failure {n}")
        return "ok"

    with pytest.raises(SwitchErrors) as err:
        each_switch(lab, names, action)
    assert len(seen) == 3 and sorted(str(e) for e in err.value.errors) == ["failure 2", "failure 3"]
    assert each_switch(lab, ["sw1"], lambda lb, n: n.upper()) == ["SW1"]


def test_push_error_names_line_reply_and_state() -> None:
    refused = SwitchPushError("sw1", "description x", "% Invalid input detected at '^' marker.", (), None)
    assert "line 'description x' refused" in str(refused) and "rolled back to the backup" in str(refused)
    assert refused.restored
    pending = CISCO_IOS.revert_note.format(minutes=5)  # type: ignore[union-attr]
    lost = SwitchPushError("sw1", None, "EOFError: ", None, None, pending)
    assert "session lost during the apply" in str(lost) and "NOT rolled back" in str(lost)
    assert "reloads to its saved configuration in 5 minute(s)" in str(lost) and not lost.restored
    half = SwitchPushError("sw1", "x", "% Invalid", ("interface Fa0/1", " no description a"), None)
    assert "rollback INCOMPLETE, 2 line(s) remain: 'interface Fa0/1', 'no description a'" in str(half)
    assert "rolled back to" not in str(half) and not half.restored
    assert refused.exit_code == lost.exit_code == half.exit_code == 1  # a failure on a switch
