"""The NixOS operations and fact, pyinfra fixture style: facts in, commands out.

Each `nixos.<operation>/<case>.json` holds `kwargs`, the `facts` the operation reads (by fact name),
and the `commands` it must yield (a string, or `["function", name, args]` for a step that runs on
the deployer), or `noop` (the no-op message) or `exception` (class name and message fragment).
Each `nixos.NixosSystem/<case>.json` holds the fact command's output lines and the fact it gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyinfra.api import OperationError

from elenta.facts.nixos import NixosSystem, nixos_system_command, parse_nixos_system
from elenta.nixos.decision import confirm_command, rollback_now_command
from elenta.operations import nixos
from tests.operations.harness import FakeHost, run_operation

HERE = Path(__file__).parent
OPERATIONS = ("copy_closure", "activate", "confirm", "rollback_generation", "restore_data")
CASES = sorted(p for op in OPERATIONS for p in (HERE / f"nixos.{op}").glob("*.json"))
FACT_CASES = sorted((HERE / "nixos.NixosSystem").glob("*.json"))


def run_case(path: Path) -> tuple[dict[str, Any], list[Any], FakeHost]:
    case = json.loads(path.read_text())
    operation = getattr(nixos, path.parent.name.split(".", 1)[1])
    host = FakeHost(case.get("facts", {}), "toto.canon")
    return case, run_operation(operation, host, **case["kwargs"]), host


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_operation(path: Path) -> None:
    case = json.loads(path.read_text())
    if "exception" in case:
        with pytest.raises(OperationError, match=case["exception"]["match"]):
            run_case(path)
        return
    _, commands, host = run_case(path)
    assert commands == case.get("commands", [])
    if "noop" in case:
        assert host.noop_description == case["noop"]
    else:
        assert host.noop_description is None


@pytest.mark.parametrize("path", FACT_CASES, ids=lambda p: p.stem)
def test_fact(path: Path) -> None:
    case = json.loads(path.read_text())
    assert NixosSystem().process(case["output"]) == case["fact"]
    assert parse_nixos_system(case["output"]) == case["fact"]


def test_fact_command_is_one_round_trip_and_quotes_the_path() -> None:
    command = nixos_system_command("/nix/store/abc-x")
    assert "\n" not in command
    assert "test -e /nix/store/abc-x" in command
    assert "desired_present" not in nixos_system_command(None)


def test_every_operation_has_cases() -> None:
    for op in OPERATIONS:
        assert list((HERE / f"nixos.{op}").glob("*.json")), f"no fixture for nixos.{op}"


@pytest.mark.parametrize(
    ("action", "sets_profile", "activates", "watchdog"),
    [("test", False, "test", True), ("switch", True, "switch", True), ("boot", True, "boot", False)],
)
def test_activate_command_shape(action: str, sets_profile: bool, activates: str, watchdog: bool) -> None:
    system = "/nix/store/aaaa-nixos-system-dns"
    command = nixos.activate_command(system, action, "d1", 30)
    assert ("nix-env -p /nix/var/nix/profiles/system --set " + system in command) is sets_profile
    assert f"{system}/bin/switch-to-configuration {activates}" in command
    assert "setsid nohup sh -c 'exec sh /run/elenta/d1.activate'" in command  # detached from SSH
    assert "systemd-run" in command  # on a host that runs systemd, as nixos-rebuild does
    script = "\n".join(nixos.activation_script(system, action, 30))
    assert ('[ "$n" -lt 30 ]' in script) is watchdog  # the watchdog counts from the END of activation
    assert script.index("switch-to-configuration") < script.index('echo 0 > "$D.status"')
    assert 'sh "$D.rollback"' in script  # activation failure rolls back at once
    rollback = " ".join(nixos.rollback_script(action))
    assert ("--switch-generation" in rollback) is sets_profile
    # the previous generation's boot entry is made the default again
    assert ('/nix/var/nix/profiles/system)/bin/switch-to-configuration" boot' in rollback) is sets_profile
    assert ('switch-to-configuration" test' in rollback) is (action != "boot")


def test_confirm_command_checks_then_claims_or_rolls_back() -> None:
    command = confirm_command("d9", [("test -L /run/current-system", 10.0)])
    assert "timeout 10 sh -c 'test -L /run/current-system'" in command
    assert command.index("timeout 10") < command.index("touch /run/elenta/d9.confirmed")
    assert "exec sh /run/elenta/d9.rollback" in command and "exit 4" in command
    assert "exit 3" in command  # the watchdog won the race
    assert "timeout" not in confirm_command("d9")


def test_a_refused_unit_starts_no_activation_but_a_rollback_still_runs() -> None:
    """Only systemd-run can fail to launch (tests/lab/test_activation_systemd.py shows it for real)."""
    activate = nixos.activate_command("/nix/store/aaaa-nixos-system-dns", "test", "d1", 30)
    refused = activate.split("--unit=elenta-activate-d1", 1)[1]
    assert "|| { rc=$?; why=$(journalctl --sync" in refused  # the why, from the journal
    assert "systemctl stop elenta-activate-d1.service" in refused and 'rm -f "$D.activate"' in refused
    assert "[ -e /run/elenta/d1.activate ] &&" in nixos.follow_command("d1")  # `none` at once
    for command in (rollback_now_command("d1"), confirm_command("d1", [("false", 1)])):
        fallback = command.split("--unit=elenta-rollback-d1", 1)[1].split(" || ", 1)[1]
        assert fallback.startswith("{ setsid nohup sh -c 'exec sh /run/elenta/d1.rollback"), fallback


def test_compliance_columns() -> None:
    from elenta.nixos.compliance import compliance, pending_change

    a, b = "/nix/store/a-sys", "/nix/store/b-sys"
    assert compliance({"current": a, "next_boot": b}, a) == {
        "running_ok": True,
        "boot_ok": False,
        "compliant": True,
    }
    assert compliance({"current": b, "profile_system": a}, a)["boot_ok"] is True
    assert compliance(None, a)["compliant"] is False
    assert pending_change("switch", {"current": a, "profile_system": a, "next_boot": b}, a) == f"boots {b}"
    with pytest.raises(ValueError, match="unknown action"):
        pending_change("reboot", {}, a)


def test_rollback_restores_data_before_the_previous_system() -> None:
    backup = "/var/lib/elenta/backups/d.tar.gz"
    lines = nixos.rollback_script("switch", ["tar xzf $ELENTA_BACKUP -C /"], backup)
    text = " ".join(lines)
    assert "ELENTA_BACKUP=/var/lib/elenta/backups/d.tar.gz sh -c" in text
    assert text.index("ELENTA_BACKUP=") < text.index("switch-to-configuration")


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_boot_entry_system_reads_the_default_entry_with_builtins(tmp_path: Path, shell: str) -> None:
    """What the host boots next, read as systemd-boot writes it; nothing (and success, even under
    `set -e`, as the lab's boot script runs it) without a loader or an entry."""
    import subprocess

    from elenta.nixos.paths import BOOT_ENTRY_SYSTEM, LOADER

    loader = tmp_path / "loader"
    script = BOOT_ENTRY_SYSTEM.replace(LOADER, str(loader))

    def read() -> str:
        run = subprocess.run(
            [shell, "-ec", f'sys=$({script}); echo "[$sys]"'], capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert read() == "[]"
    (loader / "entries").mkdir(parents=True)
    (loader / "loader.conf").write_text("timeout 5\ndefault nixos-generation-3.conf\n")
    assert read() == "[]"
    (loader / "entries" / "nixos-generation-3.conf").write_text(
        # no newline at the end
        "title NixOS\nlinux /x\noptions init=/nix/store/abc-nixos-system-dns/init loglevel=4"
    )
    assert read() == "[/nix/store/abc-nixos-system-dns]"
