"""The switch step of a full deploy: which switches, checked before the hosts, held back on failure."""

from __future__ import annotations

import pytest

from elenta.inventory import Selection
from elenta.model.lab import load_lab
from elenta.switch.credentials import CredentialsError
from elenta.switch.deploy_step import check_switches, push_switches, selected_switches
from tests.conftest import EXAMPLE_LAB


@pytest.fixture
def lab():
    return load_lab(EXAMPLE_LAB)


def test_a_whole_lab_deploy_includes_every_switch_a_narrowed_one_none(lab):
    assert selected_switches(lab, Selection()) == ["sw1"]
    assert selected_switches(lab, Selection(canons=("toto.canon",))) == []
    assert selected_switches(lab, Selection(roles=("dns",))) == []


def test_a_missing_switch_password_is_refused_before_anything_runs(lab, monkeypatch):
    monkeypatch.delenv("ELENTA_SW1_PASSWORD", raising=False)
    with pytest.raises(
        CredentialsError, match=r"machines\.sw1\.switch\.credentials\.password_env: .*ELENTA_SW1_PASSWORD"
    ):
        check_switches(lab, ["sw1"])
    monkeypatch.setenv("ELENTA_SW1_PASSWORD", "secret")
    check_switches(lab, ["sw1"])


def test_switches_are_not_pushed_when_hosts_failed(lab, monkeypatch):
    # Nothing listens on sw1's address: had the step tried, the outcome would be "failed".
    monkeypatch.setenv("ELENTA_SW1_PASSWORD", "secret")
    lines: list[str] = []
    outcomes = push_switches(lab, ["sw1"], lines.append, hosts_failed=True)
    assert [(o.canon, o.result) for o in outcomes] == [("sw1.canon", "skipped")]
    assert lines == ["sw1.canon: switch not pushed: hosts failed"]
    assert push_switches(lab, [], lines.append) == []
