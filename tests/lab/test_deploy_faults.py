"""Deploys under faults, against real lab hosts whose stand-in activation is slowed, restarts
sshd, fails or hangs (knobs in /etc/elenta-standin/): every test asserts what the hosts really
run and boot afterwards, the exit code and the report's lines.

The module brings up its own copy of the example lab (the `deploy_lab` fixture).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from elenta.compile.history import History
from elenta.compile.rollout import recorded_deploy
from elenta.facts.nixos import nixos_system_command, parse_nixos_system
from elenta.inventory import Selection
from elenta.lab import LabHost
from elenta.lab.state import lab_state
from elenta.pipeline.lock import DeployLocked, deploy_lock
from tests.lab.deploylab import DeployLab, lock_is_free, processes_of, results

pytestmark = [pytest.mark.lab, pytest.mark.nix, pytest.mark.slow]
MACHINES = ("toto", "nancy", "archimedes", "ifrit")
CANONS = [f"{m}.canon" for m in MACHINES]
TOTO = Selection(canons=("toto.canon",))
ELENTA = [sys.executable, "-c", "from elenta.cli import main; main()"]


@contextmanager
def knobs(hosts: list[LabHost], **files: str) -> Iterator[None]:
    """Turn stand-in activation knobs on for the block: `knobs([toto], fail="cache")`."""
    for host in hosts:
        host.ssh("mkdir -p /etc/elenta-standin")
        for name, text in files.items():
            host.ssh(f"printf %s {text!r} > /etc/elenta-standin/{name.replace('_', '-')}")
    try:
        yield
    finally:
        for host in hosts:
            host.ssh("rm -rf /etc/elenta-standin")


def deploy_state(lab: DeployLab, machine: str, deploy_id: str) -> dict:
    """A host's facts with where `deploy_id` stands on it (`["deploy"]`)."""
    command = nixos_system_command(None, deploy_id)
    return parse_nixos_system(lab.hosts()[machine].ssh(command).splitlines())


def loader_default(host: LabHost) -> str:
    return host.ssh("sed -n 's/^default //p' /boot/loader/loader.conf").strip()


def newest_deploy(lab: DeployLab, before: set[Path]) -> Path | None:
    found = sorted(set((lab.lab.state_dir / "deploys").glob("*")) - before)
    return found[-1] if found else None


def wait_for_event(lab: DeployLab, before: set[Path], event: str, timeout: float = 90) -> Path:
    """The new deploy's folder, once one of its hosts recorded `event`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        folder = newest_deploy(lab, before)
        if folder is not None:
            for events in (folder / "hosts").glob("*.jsonl") if (folder / "hosts").is_dir() else []:
                if f'"event": "{event}"' in events.read_text():
                    return folder
        time.sleep(0.05)
    raise AssertionError(f"no host recorded {event!r} within {timeout} s")


def start_cli(lab: DeployLab, *args: str) -> subprocess.Popen[str]:
    """`elenta ARGS --lab … --no-dns` as a user runs it: its own session (a terminal's job)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ELENTA_STATE_DIR", "ELENTA_LAB")}
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from elenta.cli import main; main()",
            *args,
            "--no-dns",
            "--lab",
            str(lab.path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def table_rows(stdout: str) -> dict[str, list[str]]:
    """`{canon: [action, result, time, detail…]}` from the final table of the output."""
    rows = {}
    for line in stdout.splitlines():
        parts = line.split()
        if parts and parts[0] in CANONS and len(parts) >= 4 and parts[1] in ("test", "switch", "boot"):
            rows[parts[0]] = parts[1:]
    return rows


def test_nixos_state_is_what_nixos_writes_and_a_second_switch_is_a_noop(deploy_lab: DeployLab) -> None:
    report = deploy_lab.deploy("switch", selection=TOTO)
    assert results(report)["toto.canon"] in ("changed", "unchanged"), report.table()
    toto = deploy_lab.hosts()["toto"]
    facts = deploy_lab.facts("toto")
    dns = deploy_lab.desired("toto")
    generation = facts["profile_generation"]
    assert (facts["current"], facts["profile_system"], facts["next_boot"]) == (dns, dns, dns)
    assert loader_default(toto) == f"nixos-generation-{generation}.conf"
    entry = toto.ssh(f"cat /boot/loader/entries/nixos-generation-{generation}.conf")
    assert f"init={dns}/init" in entry
    assert toto.ssh("test -e /boot/elenta && echo marker || echo none").strip() == "none"
    again = deploy_lab.deploy("switch", selection=TOTO)
    assert results(again) == {"toto.canon": "unchanged"}, again.table()
    assert not (again.folder / "pyinfra.log").exists()


def test_a_failed_switch_is_rolled_back_with_the_boot_default(deploy_lab: DeployLab) -> None:
    deploy_lab.deploy("switch", selection=TOTO)
    toto = deploy_lab.hosts()["toto"]
    before = deploy_lab.facts("toto")
    default = loader_default(toto)
    with knobs([toto], fail="cache"):
        report = deploy_lab.deploy("switch", selection=TOTO, config=".#cache")
    assert results(report) == {"toto.canon": "rolled-back"}, report.table()
    detail = report.results[0].detail
    assert "activation failed (exit 1)" in detail and "elenta-cache.service failed" in detail, detail
    after = deploy_lab.facts("toto")
    for key in ("current", "profile_system", "next_boot", "profile_generation", "generations"):
        assert after[key] == before[key], key
    assert loader_default(toto) == default
    assert set(toto.ssh("ls /boot/loader/entries").split()) == {
        f"nixos-generation-{g}.conf" for g in before["generations"]
    }


def test_an_activation_that_restarts_sshd_and_outlasts_the_timeout_is_confirmed(
    deploy_lab: DeployLab,
) -> None:
    deploy_lab.deploy("test", selection=TOTO)
    toto = deploy_lab.hosts()["toto"]
    web = deploy_lab.desired("toto", ".#web")
    with knobs([toto], activation_seconds="6", restart_sshd=""):
        started = time.monotonic()
        report = deploy_lab.deploy("test", selection=TOTO, config=".#web", confirm_timeout=2)
    assert time.monotonic() - started > 6
    assert results(report) == {"toto.canon": "changed"}, report.table()
    assert deploy_lab.facts("toto")["current"] == web
    assert deploy_state(deploy_lab, "toto", report.deploy_id)["deploy"] == "confirmed"
    events = (report.folder / "hosts" / "toto.canon.jsonl").read_text()
    assert '"connection lost"' in events  # the restart cut the connection that followed it


def test_a_cut_connection_and_a_late_confirmation_end_rolled_back_and_say_so(deploy_lab: DeployLab) -> None:
    """The health check outlasts the watchdog: the host rolls back by itself, the table says so."""
    deploy_lab.deploy("test", selection=TOTO)
    toto = deploy_lab.hosts()["toto"]
    before = deploy_lab.facts("toto")["current"]
    path = deploy_lab.path / "constellations" / "homelab.toml"
    original = path.read_text()
    deploy_lab.edit(
        "constellations/homelab.toml",
        'health = [{ command = "test -L /run/current-system" }]\nbackup',
        'health = [{ command = "sleep 4" }]\nbackup',
    )
    try:
        with knobs([toto], activation_seconds="2", restart_sshd=""):
            report = deploy_lab.deploy("test", selection=TOTO, config=".#web", confirm_timeout=1)
    finally:
        path.write_text(original)
    assert results(report) == {"toto.canon": "rolled-back"}, report.table()
    assert "no confirmation within 1 s of the end of activation" in report.results[0].detail
    assert deploy_lab.facts("toto")["current"] == before
    assert deploy_state(deploy_lab, "toto", report.deploy_id)["deploy"] == "rolled-back"


def test_a_hanging_activation_is_stopped_and_rolled_back(deploy_lab: DeployLab) -> None:
    deploy_lab.deploy("test", selection=TOTO)
    toto = deploy_lab.hosts()["toto"]
    before = deploy_lab.facts("toto")["current"]
    with knobs([toto], hang="web"):
        report = deploy_lab.deploy("test", selection=TOTO, config=".#web", activation_timeout=3)
    assert results(report) == {"toto.canon": "rolled-back"}, report.table()
    assert "activation did not finish within 3 s" in report.results[0].detail
    assert deploy_lab.facts("toto")["current"] == before
    # nothing of the stopped activation runs on (a zombie left to this machine's init does not)
    web = deploy_lab.desired("toto", ".#web").removeprefix("/")
    pattern = f"/{web}/bin/[s]witch-to-configuration"
    assert toto.ssh(f"pgrep -f {pattern} || echo none").strip() == "none"


def test_kill_9_of_the_deployer_leaves_no_child_and_the_next_deploy_reports_it(deploy_lab: DeployLab) -> None:
    deploy_lab.deploy("test")
    hosts = [deploy_lab.hosts()[m] for m in MACHINES]
    web = {m: deploy_lab.desired(m, ".#web") for m in MACHINES}
    before = set((deploy_lab.lab.state_dir / "deploys").glob("*"))
    with knobs(hosts, activation_seconds="3"):
        # A long watchdog: what the killed deploy activated waits for its confirmation (15 s)
        # while the next deploy starts, finds it and waits for it.
        proc = start_cli(deploy_lab, "deploy", "--config", ".#web", "--confirm-timeout", "15")
        folder = wait_for_event(deploy_lab, before, "activating")
        first = folder.name
        time.sleep(1)  # the activation is launched on the host
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 5
        while processes_of(first) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_of(first) == []  # the pyinfra child died with the deployer
        assert lock_is_free(deploy_lab.lab.state_dir)
        lines: list[str] = []
        report = deploy_lab.deploy("test", config=".#web", confirm_timeout=3, echo=lines.append)
    text = "\n".join(lines)
    assert re.search(rf"deploy {first} \(pid {proc.pid}\) ended without finishing", text), text
    assert re.search(rf"\[\w+\.canon\] deploy {first} is still (activating|awaiting-confirmation)", text), (
        text
    )
    got = results(report)
    for machine in MACHINES:
        facts = deploy_state(deploy_lab, machine, first)
        assert facts["current"] == web[machine]
        # the killed deploy's activations were never confirmed: their watchdogs rolled them back
        assert facts["deploy"] in (None, "rolled-back"), machine
        assert got[f"{machine}.canon"] == "changed", report.table()
        assert deploy_state(deploy_lab, machine, report.deploy_id)["deploy"] == "confirmed"


def _interrupt(deploy_lab: DeployLab, times: int) -> tuple[subprocess.CompletedProcess[str], str, dict]:
    deploy_lab.deploy("test")
    hosts = [deploy_lab.hosts()[m] for m in MACHINES]
    old = {m: deploy_lab.facts(m)["current"] for m in MACHINES}
    before = set((deploy_lab.lab.state_dir / "deploys").glob("*"))
    with knobs(hosts, activation_seconds="3"):
        proc = start_cli(deploy_lab, "deploy", "--config", ".#web", "--confirm-timeout", "3")
        folder = wait_for_event(deploy_lab, before, "activating")
        for _ in range(times):
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C at the terminal: the whole foreground group
            time.sleep(0.3)
        out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), folder.name, old


def test_ctrl_c_once_lets_activations_end_and_reports_the_truth(deploy_lab: DeployLab) -> None:
    proc, deploy_id, old = _interrupt(deploy_lab, 1)
    assert proc.returncode == 130, proc.stdout + proc.stderr
    assert "interrupted: no new host is started" in proc.stderr
    rows = table_rows(proc.stdout)
    assert set(rows) == set(CANONS), proc.stdout
    assert any(row[1] == "changed" for row in rows.values()), proc.stdout
    for machine in MACHINES:
        facts = deploy_state(deploy_lab, machine, deploy_id)
        result = rows[f"{machine}.canon"][1]
        if result == "changed":
            assert facts["deploy"] == "confirmed" and facts["current"] == deploy_lab.desired(machine, ".#web")
        else:
            assert result == "skipped" and facts["deploy"] is None and facts["current"] == old[machine]
    assert not processes_of(deploy_id)


def test_ctrl_c_twice_aborts_at_once_naming_hosts_mid_activation(deploy_lab: DeployLab) -> None:
    proc, deploy_id, old = _interrupt(deploy_lab, 2)
    assert proc.returncode == 130, proc.stdout + proc.stderr
    assert "aborting" in proc.stderr
    named = re.search(r"aborted; possibly mid-activation: (.*)", proc.stderr)  # a note: stderr
    assert named and "canon" in named.group(1), proc.stderr
    rows = table_rows(proc.stdout)  # the table: stdout
    assert any(row[1] == "aborted" for row in rows.values()), proc.stdout
    assert not processes_of(deploy_id)
    deadline = time.monotonic() + 30  # unconfirmed: each watchdog rolls its host back by itself
    for machine in MACHINES:
        while time.monotonic() < deadline:
            facts = deploy_state(deploy_lab, machine, deploy_id)
            if facts["deploy"] in (None, "rolled-back"):
                break
            time.sleep(0.5)
        debug = deploy_lab.hosts()[machine].ssh(
            f"cd /run/elenta; for f in {deploy_id}.*; do echo == $f; cat $f 2>/dev/null; done; "
            "cat /var/log/elenta-activation.log"
        )
        assert facts["deploy"] in (None, "rolled-back") and facts["current"] == old[machine], debug


def test_a_zone_fault_with_only_all_changes_no_host(deploy_lab: DeployLab) -> None:
    deploy_lab.deploy("test")
    snapshot = {m: deploy_lab.facts(m) for m in MACHINES}
    before = set((deploy_lab.lab.state_dir / "deploys").glob("*"))
    path = deploy_lab.path / "constellations" / "homelab.toml"
    original = path.read_text()
    domain = ".".join(["a" * 60] * 3 + ["b" * 50]) + ".example.lab"  # valid, but its SOA is too long
    path.write_text(
        original.replace(
            '[domains."example.lab"]',
            f'[domains."{domain}"]\n[domains."{domain}".services.{"s" * 20}]\nrole = "web"\n'
            f'host = "archimedes"\n\n[domains."example.lab"]',
            1,
        )
    )
    env = {k: v for k, v in os.environ.items() if k not in ("ELENTA_STATE_DIR", "ELENTA_LAB")}
    base = ELENTA
    try:
        deploy = subprocess.run(
            [*base, "switch", "--only", "all", "--no-dns", "--lab", str(deploy_lab.path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        check = subprocess.run(
            [*base, "check", str(deploy_lab.path)], capture_output=True, text=True, env=env, timeout=300
        )
    finally:
        path.write_text(original)
    for proc in (deploy, check):
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f'{path}: domains."{domain}": zone {domain} is refused by named-checkzone' in proc.stderr
    assert set((deploy_lab.lab.state_dir / "deploys").glob("*")) == before  # no deploy began
    assert {m: deploy_lab.facts(m) for m in MACHINES} == snapshot


def test_a_full_disk_on_one_target_names_the_cause(deploy_lab: DeployLab) -> None:
    deploy_lab.deploy("test")
    archimedes = deploy_lab.hosts()["archimedes"]
    before = deploy_lab.facts("archimedes")["current"]
    # A full /nix/store on archimedes: a small tmpfs holding a copy of its store, filled up.
    archimedes.ssh(
        "mkdir -p /tmp/store && cp -a /nix/store/. /tmp/store/ && "
        "mount -t tmpfs -o size=2m elenta-full /nix/store && cp -a /tmp/store/. /nix/store/ && "
        "(dd if=/dev/zero of=/nix/store/.fill bs=4k 2>/dev/null || true)"
    )
    try:
        report = deploy_lab.deploy("test", config=".#nfs")
    finally:
        archimedes.ssh("umount /nix/store")
    got = results(report)
    assert got["archimedes.canon"] == "failed", report.table()
    detail = next(r.detail for r in report.results if r.canon == "archimedes.canon")
    assert re.search(r"no space left|disk|I/O error", detail, re.I), detail
    assert "executed 0 commands" not in detail and "No changes" not in detail
    assert {got[c] for c in CANONS if c != "archimedes.canon"} <= {"changed", "unchanged"}, report.table()
    assert detail.startswith("nix copy of /nix/store/") and "No space left on device" in detail, detail
    assert deploy_lab.facts("archimedes")["current"] == before


def test_a_wrong_pinned_host_key_on_a_lab_host_is_refused(deploy_lab: DeployLab) -> None:
    deploy_lab.deploy("test", selection=TOTO)
    state = lab_state(deploy_lab.lab)
    nancy_key = " ".join((state.host_dir("nancy") / "ssh_host_ed25519_key.pub").read_text().split()[:2])
    toto_key = " ".join((state.host_dir("toto") / "ssh_host_ed25519_key.pub").read_text().split()[:2])
    before = deploy_lab.facts("toto")["current"]
    cadaster = deploy_lab.path / "cadaster.toml"
    original = cadaster.read_text()
    pin = '[machines.toto]\nkind = "nixos"\nssh = {{ host_key = "{}" }}'
    assert '[machines.toto]\nkind = "nixos"' in original
    try:
        cadaster.write_text(original.replace('[machines.toto]\nkind = "nixos"', pin.format(nancy_key)))
        wrong = deploy_lab.deploy("test", selection=TOTO, config=".#web")
        cadaster.write_text(original.replace('[machines.toto]\nkind = "nixos"', pin.format(toto_key)))
        right = deploy_lab.deploy("test", selection=TOTO, config=".#web")
    finally:
        cadaster.write_text(original)
    assert results(wrong) == {"toto.canon": "failed"}, wrong.table()
    assert re.search("host key", wrong.results[0].detail, re.I), wrong.results[0].detail
    assert results(right) == {"toto.canon": "changed"}, right.table()
    assert before != deploy_lab.facts("toto")["current"]  # only the right pin let it through


def test_a_refused_deploy_is_recorded_as_refused(deploy_lab: DeployLab) -> None:
    lab = deploy_lab.lab
    with deploy_lock(lab.state_dir), pytest.raises(DeployLocked):
        recorded_deploy(lab, "test", Selection(), no_dns=True, echo=lambda line: None)
    last = History(lab.state_dir).runs()[-1]
    assert last.result == "refused"
