"""Activation on hosts that run systemd: `switch-to-configuration` runs as a transient unit
(`systemd-run --collect`), as nixos-rebuild runs it, and the deployer follows it over fresh
connections.

The module's lab hosts boot a real systemd as PID 1 of their own PID namespace
(`lab_up(..., init="systemd")`, elenta/lab/systemd_init.py); their stand-in activation is slowed,
restarts sshd, fails or hangs through the knobs of tests/lab/test_deploy_faults.py. Each test
reads the unit's fate from the host's journal and systemd's own state, and what the host runs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from elenta.inventory import Selection
from elenta.lab import LabHost, lab_down, lab_up
from elenta.lab.state import lab_state
from elenta.lab.systemd_init import host_cgroups
from tests.lab.deploylab import DeployLab, results
from tests.lab.test_deploy_faults import deploy_state, knobs, start_cli, wait_for_event

pytestmark = [pytest.mark.lab, pytest.mark.nix, pytest.mark.slow]
TOTO = Selection(canons=("toto.canon",))
HEALTH = 'health = [{ command = "test -L /run/current-system" }]\nbackup'


@pytest.fixture(scope="module")
def systemd_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployLab]:
    from tests.lab.conftest import running_copy

    with running_copy(tmp_path_factory, "systemd", init="systemd") as path:
        yield DeployLab(path)


def journal(host: LabHost, unit: str) -> str:
    """What systemd logged about `unit` (its start, its end and result), and what it printed."""
    return host.ssh(f"journalctl --no-pager -o cat -u {unit}.service")


def load_state(host: LabHost, unit: str) -> str:
    return host.ssh(f"systemctl show -p LoadState --value {unit}.service").strip()


def wait_collected(host: LabHost, unit: str, timeout: float = 30) -> None:
    """Wait until `unit` ended and was unloaded (its watchdog sleeps out the confirmation time)."""
    deadline = time.monotonic() + timeout
    while load_state(host, unit) != "not-found":
        assert time.monotonic() < deadline, host.ssh(f"systemctl status --no-pager {unit}.service; true")
        time.sleep(0.2)


@contextmanager
def refused_units(host: LabHost, prefix: str) -> Iterator[None]:
    """Make systemd fail every unit named `<prefix>*` at start (a drop-in naming a user that does
    not exist) for the block: `with refused_units(toto, "elenta-rollback-"): ...`."""
    dropin = f"/run/elenta-lab/units/{prefix}.service.d"
    host.ssh(
        f"mkdir -p {dropin} && printf '[Service]\\nUser=elenta-nobody\\n' > {dropin}/user.conf && "
        "systemctl daemon-reload"
    )
    try:
        yield
    finally:
        host.ssh(f"rm -rf {dropin} && systemctl daemon-reload")


@contextmanager
def failing_health(lab: DeployLab) -> Iterator[None]:
    """toto's role gets a health check that fails, for the block."""
    path = lab.path / "constellations" / "homelab.toml"
    original = path.read_text()
    lab.edit("constellations/homelab.toml", HEALTH, 'health = [{ command = "false" }]\nbackup')
    try:
        yield
    finally:
        path.write_text(original)


def failed_units(host: LabHost) -> str:
    return host.ssh("systemctl list-units --failed --all --plain --no-legend").strip()


def watch_units(host: LabHost, pattern: str, seen: dict[str, str], stop: threading.Event) -> None:
    """Record `systemctl show` of the units matching `pattern` while they run (until `stop`).

    Connections cut by the activation's sshd restart are expected: that round is skipped."""
    show = (
        f"for u in $(systemctl list-units '{pattern}' --plain --no-legend | cut -d ' ' -f 1); do "
        "systemctl show -p Id -p ActiveState -p ControlGroup -p Environment $u; echo; done"
    )
    while not stop.is_set():
        try:
            out = host.ssh(show, check=False, timeout=10)
        except subprocess.TimeoutExpired:  # a cut round: the next one sees the unit
            out = ""
        for block in out.split("\n\n"):
            fields = dict(line.partition("=")[::2] for line in block.splitlines() if "=" in line)
            if fields.get("Id"):
                seen.setdefault(fields["Id"], "")
                seen[fields["Id"]] = block if fields.get("ActiveState") == "active" else seen[fields["Id"]]
        time.sleep(0.3)


def deploy_watched(lab: DeployLab, pattern: str, **kwargs: Any) -> tuple[Any, dict[str, str]]:
    """`lab.deploy(**kwargs)` while `watch_units` records toto's units matching `pattern`."""
    seen: dict[str, str] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=watch_units, args=(lab.hosts()["toto"], pattern, seen, stop))
    watcher.start()
    try:
        report = lab.deploy(**kwargs)
    finally:
        stop.set()
        watcher.join()
    return report, seen


def test_the_lab_host_runs_systemd_as_pid_1(systemd_lab: DeployLab) -> None:
    toto = systemd_lab.hosts()["toto"]
    assert toto.ssh("cat /proc/1/comm; hostname; systemctl is-system-running").split() == [
        "systemd",
        "toto",
        "running",
    ]
    assert toto.ssh("systemctl show -p ActiveState --value elenta-lab-sshd.service").strip() == "active"
    assert toto.ssh("test -d /run/systemd/system && echo yes").strip() == "yes"


def test_an_activation_that_restarts_sshd_runs_as_a_unit_and_ends_confirmed(systemd_lab: DeployLab) -> None:
    systemd_lab.deploy("test", selection=TOTO)
    toto = systemd_lab.hosts()["toto"]
    web = systemd_lab.desired("toto", ".#web")
    with knobs([toto], activation_seconds="6", restart_sshd=""):
        report, seen = deploy_watched(
            systemd_lab, "elenta-activate-*", action="test", selection=TOTO, config=".#web", confirm_timeout=2
        )
    assert results(report) == {"toto.canon": "changed"}, report.table()
    assert systemd_lab.facts("toto")["current"] == web
    assert deploy_state(systemd_lab, "toto", report.deploy_id)["deploy"] == "confirmed"
    events = (report.folder / "hosts" / "toto.canon.jsonl").read_text()
    assert '"connection lost"' in events  # the restart cut the connection that followed it
    unit = f"elenta-activate-{report.deploy_id}"
    shown = seen.get(f"{unit}.service", "")
    # While it ran: its own cgroup (not the SSH session's), the session's PATH (the running
    # system's tools first, as switch-to-configuration needs them).
    cgroup = f"/elenta-lab/{toto.upper.parent.name}-toto/system.slice/{unit}.service"
    assert f"ControlGroup={cgroup}" in shown, seen
    assert "PATH=/run/current-system/sw/bin:" in shown, shown
    wait_collected(toto, unit)
    logged = journal(toto, unit)
    assert f"Started {unit}.service" in logged and "Deactivated successfully" in logged, logged
    assert failed_units(toto) == ""


def test_a_switch_and_its_rollback_by_hand_run_as_units(systemd_lab: DeployLab) -> None:
    systemd_lab.deploy("switch", selection=TOTO)
    toto = systemd_lab.hosts()["toto"]
    dns, web = systemd_lab.desired("toto"), systemd_lab.desired("toto", ".#web")
    generation = systemd_lab.facts("toto")["profile_generation"]
    switched = systemd_lab.deploy("switch", selection=TOTO, config=".#web")
    assert results(switched) == {"toto.canon": "changed"}, switched.table()
    facts = systemd_lab.facts("toto")
    assert (facts["current"], facts["profile_system"], facts["next_boot"]) == (web, web, web)
    back = systemd_lab.deploy("rollback", selection=TOTO)  # `elenta rollback --canon toto.canon`
    assert results(back) == {"toto.canon": "changed"}, back.table()
    facts = systemd_lab.facts("toto")
    assert (facts["current"], facts["profile_system"], facts["next_boot"]) == (dns, dns, dns)
    assert facts["profile_generation"] == generation
    for report in (switched, back):
        unit = f"elenta-activate-{report.deploy_id}"
        wait_collected(toto, unit)
        logged = journal(toto, unit)
        assert f"Started {unit}.service" in logged and "Deactivated successfully" in logged, logged
    assert failed_units(toto) == ""


def test_a_failed_activation_is_rolled_back_and_its_failed_unit_collected(systemd_lab: DeployLab) -> None:
    systemd_lab.deploy("test", selection=TOTO)
    toto = systemd_lab.hosts()["toto"]
    before = systemd_lab.facts("toto")["current"]
    with knobs([toto], fail="cache"):
        report = systemd_lab.deploy("test", selection=TOTO, config=".#cache")
    assert results(report) == {"toto.canon": "rolled-back"}, report.table()
    assert "activation failed (exit 1)" in report.results[0].detail
    assert systemd_lab.facts("toto")["current"] == before
    unit = f"elenta-activate-{report.deploy_id}"
    assert "Failed with result 'exit-code'" in journal(toto, unit)
    # `--collect`: a failed transient unit is unloaded, not left for `systemctl --failed`
    assert load_state(toto, unit) == "not-found"
    assert failed_units(toto) == ""


def test_a_failing_health_check_rolls_back_in_a_unit_of_its_own(systemd_lab: DeployLab) -> None:
    systemd_lab.deploy("test", selection=TOTO)
    toto = systemd_lab.hosts()["toto"]
    before = systemd_lab.facts("toto")["current"]
    with failing_health(systemd_lab):
        report = systemd_lab.deploy("test", selection=TOTO, config=".#web", confirm_timeout=20)
    assert results(report) == {"toto.canon": "rolled-back"}, report.table()
    assert "health check failed" in report.results[0].detail
    assert systemd_lab.facts("toto")["current"] == before
    assert deploy_state(systemd_lab, "toto", report.deploy_id)["deploy"] == "rolled-back"
    # the activation's watchdog (20 s) ends with the decision, and its unit with it
    wait_collected(toto, f"elenta-activate-{report.deploy_id}", timeout=10)
    logged = journal(toto, f"elenta-rollback-{report.deploy_id}")
    assert f"Started elenta-rollback-{report.deploy_id}.service" in logged, logged
    assert "Deactivated successfully" in logged, logged
    assert failed_units(toto) == ""


def test_a_hanging_activation_unit_is_stopped_and_rolled_back_in_a_unit(systemd_lab: DeployLab) -> None:
    systemd_lab.deploy("test", selection=TOTO)
    toto = systemd_lab.hosts()["toto"]
    before = systemd_lab.facts("toto")["current"]
    with knobs([toto], hang="web"):
        report = systemd_lab.deploy("test", selection=TOTO, config=".#web", activation_timeout=3)
    assert results(report) == {"toto.canon": "rolled-back"}, report.table()
    assert "activation did not finish within 3 s" in report.results[0].detail
    assert systemd_lab.facts("toto")["current"] == before
    for unit in (f"elenta-activate-{report.deploy_id}", f"elenta-rollback-{report.deploy_id}"):
        wait_collected(toto, unit)
        # the activation was stopped by SIGTERM to its process group: a clean end for systemd
        assert "Deactivated successfully" in journal(toto, unit), unit
    units = "'elenta-activate-*' 'elenta-rollback-*'"
    assert toto.ssh(f"systemctl list-units {units} --plain --no-legend").strip() == ""
    assert toto.ssh("pgrep -f '[s]witch-to-configuration' || echo none").strip() == "none"
    assert failed_units(toto) == ""


def test_a_deployer_killed_mid_activation_leaves_the_unit_to_finish_and_roll_back(
    systemd_lab: DeployLab,
) -> None:
    """Every connection is gone (kill -9 of the deployer): the unit ends the activation, its
    watchdog rolls the unconfirmed host back, and the next deploy says what happened."""
    systemd_lab.deploy("test", selection=TOTO)
    toto = systemd_lab.hosts()["toto"]
    before = systemd_lab.facts("toto")["current"]
    web = systemd_lab.desired("toto", ".#web")
    started = set((systemd_lab.lab.state_dir / "deploys").glob("*"))
    with knobs([toto], activation_seconds="4"):
        proc = start_cli(
            systemd_lab, "deploy", "--canon", "toto.canon", "--config", ".#web", "--confirm-timeout", "2"
        )
        first = wait_for_event(systemd_lab, started, "activating").name
        unit = f"elenta-activate-{first}"
        deadline = time.monotonic() + 10
        while load_state(toto, unit) != "loaded" and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 30
        while deploy_state(systemd_lab, "toto", first)["deploy"] != "rolled-back":
            assert time.monotonic() < deadline, toto.ssh(f"cat /run/elenta/{first}.* 2>&1; true")
            time.sleep(0.5)
    assert systemd_lab.facts("toto")["current"] == before != web
    assert "no confirmation within 2 s" in toto.ssh(f"cat /run/elenta/{first}.reason")
    assert "Deactivated successfully" in journal(toto, unit)
    lines: list[str] = []
    report = systemd_lab.deploy("test", selection=TOTO, echo=lines.append)
    text = "\n".join(lines)
    assert re.search(rf"deploy {first} \(pid {proc.pid}\) ended without finishing", text), text
    assert results(report)["toto.canon"] in ("changed", "unchanged"), report.table()
    assert failed_units(toto) == ""


def test_a_unit_systemd_refuses_to_start_fails_at_once_naming_why(systemd_lab: DeployLab) -> None:
    """`systemd-run` itself fails (here: a drop-in for every `elenta-activate-*` unit names a user
    that does not exist): nothing was activated, the report says so with systemd's words."""
    systemd_lab.deploy("test", selection=TOTO)
    toto = systemd_lab.hosts()["toto"]
    before = systemd_lab.facts("toto")["current"]
    with refused_units(toto, "elenta-activate-"):
        started = time.monotonic()
        report = systemd_lab.deploy("test", selection=TOTO, config=".#web")
        seconds = time.monotonic() - started
    assert results(report) == {"toto.canon": "failed"}, report.table()
    detail = report.results[0].detail
    assert detail.startswith("activation not started: elenta-activate-"), detail
    assert "Failed to determine user credentials" in detail, detail  # the why, from the journal
    assert systemd_lab.facts("toto")["current"] == before
    assert deploy_state(systemd_lab, "toto", report.deploy_id)["deploy"] is None
    assert "status=217/USER" in journal(toto, f"elenta-activate-{report.deploy_id}")
    assert failed_units(toto) == ""
    assert seconds < 30, seconds  # not "activating" until the launch grace (30 s) runs out


def test_a_rollback_systemd_refuses_to_start_still_runs(systemd_lab: DeployLab) -> None:
    """A rollback must happen: when systemd refuses its unit, it runs in its own session instead."""
    systemd_lab.deploy("test", selection=TOTO)
    toto = systemd_lab.hosts()["toto"]
    before = systemd_lab.facts("toto")["current"]
    with failing_health(systemd_lab), refused_units(toto, "elenta-rollback-"):
        report = systemd_lab.deploy("test", selection=TOTO, config=".#web", confirm_timeout=20)
    assert results(report) == {"toto.canon": "rolled-back"}, report.table()
    assert "health check failed" in report.results[0].detail
    assert systemd_lab.facts("toto")["current"] == before
    assert deploy_state(systemd_lab, "toto", report.deploy_id)["deploy"] == "rolled-back"
    assert "Failed at step USER" in journal(toto, f"elenta-rollback-{report.deploy_id}")
    assert failed_units(toto) == ""


def in_namespace(pid: str, mnt_ns: str) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt") == mnt_ns
    except OSError:  # gone, or a zombie
        return False


def test_a_stopped_systemd_host_leaves_no_process_nor_cgroup(systemd_lab: DeployLab) -> None:
    lab = systemd_lab.lab
    state = lab_state(lab)
    record = state.records()["nancy"]
    cgroups = host_cgroups(state.host_dir("nancy"))
    assert record.init == "systemd" and cgroups and all(c.is_dir() for c in cgroups)
    assert lab_down(lab, ["nancy"]) == ["nancy"]
    assert not any(in_namespace(pid, record.mnt_ns) for pid in os.listdir("/proc") if pid.isdigit())
    assert [c for c in cgroups if c.exists()] == []
    again = lab_up(lab, ["nancy"], init="systemd")["nancy"]  # boots again, as after a reboot
    assert again.ssh("hostname; systemctl is-system-running").split() == ["nancy", "running"]
