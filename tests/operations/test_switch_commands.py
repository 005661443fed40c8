"""Switch operation, data-driven as pyinfra's own operation tests: running config in, commands out.

Each `switch/*.json` holds a running configuration (as read from fake-switches), a desired one,
the ports elenta owns besides the desired ones (`owned_ports`, ranges) and the exact lines the
single `send_config_set` must carry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hier_config import get_hconfig

from elenta.model.lab import load_lab
from elenta.operations.switch import desired_text, push_lines, remediation_commands
from elenta.switch.diff import Scope, SwitchChange, default_scope, plan_change, restore_lines
from elenta.switch.drivers import CISCO_IOS
from elenta.switch.naming import expand_ports

CASES = sorted((Path(__file__).parent / "switch").glob("*.json"))


def planned(data: dict) -> tuple[str, str, SwitchChange]:
    """Running and desired text of a case, and the change inside its scope."""
    running, desired = "\n".join(data["running"]), "\n".join(data["desired"])
    scope = default_scope(desired, CISCO_IOS)
    owned = {p for spec in data.get("owned_ports", []) for p in expand_ports(spec, "cisco_ios")}
    scope = Scope(scope.vlans, scope.ports | owned)
    return running, desired, plan_change(running, desired, CISCO_IOS, scope, data["shutdown_unused"])


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_commands(case: Path) -> None:
    data = json.loads(case.read_text())
    assert push_lines(planned(data)[2].remediation) == data["commands"]
    if not data.get("owned_ports"):
        running, desired = "\n".join(data["running"]), "\n".join(data["desired"])
        assert remediation_commands(running, desired, CISCO_IOS, data["shutdown_unused"]) == data["commands"]


def test_cases_cover_the_example_lab() -> None:
    data = json.loads((Path(__file__).parent / "switch" / "blank_to_example_lab.json").read_text())
    assert "\n".join(data["desired"]) + "\n" == desired_text(load_lab("examples/lab"), "sw1")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_push_then_rollback_predicts_desired_then_running(case: Path) -> None:
    """hier-config's `future` plays the lines on the running config: desired, then back."""
    data = json.loads(case.read_text())
    running, _desired, change = planned(data)

    def played(config: str, lines: tuple[str, ...]) -> str:
        tree = get_hconfig(CISCO_IOS.hier_driver(), config)
        return "\n".join(tree.future(get_hconfig(CISCO_IOS.hier_driver(), "\n".join(lines))).dump_simple())

    after = played(running, change.remediation)
    assert planned({**data, "running": after.split("\n")})[2].empty
    assert restore_lines(played(after, change.rollback), running, CISCO_IOS, change.sections) == ()


def test_push_lines_drop_indentation_and_blanks() -> None:
    assert push_lines(["vlan 10", "  name lab", "", " "]) == ["vlan 10", "name lab"]
