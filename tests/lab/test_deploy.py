"""Deploys to real lab hosts: sshd per machine in its own mount namespace, real nix build/copy.

The module brings up its own copy of the example lab (`deploy_lab`), so that what these tests do to
hosts does not disturb other tests using the session's `lab_hosts`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from elenta.facts.nixos import nixos_system_command, parse_nixos_system
from elenta.inventory import Selection, inventory_groups
from elenta.lab import LabHost, lab_down, lab_up
from elenta.lab.state import lab_state
from elenta.model.lab import Lab, load_lab
from elenta.nixos.build import build_systems
from elenta.nixos.decision import confirm_command
from elenta.nixos.status import compliance_status
from elenta.nixos.transfer import copy_closure
from elenta.operations.nixos import activate_command
from elenta.pipeline.lock import DeployLocked, deploy_lock
from elenta.pipeline.run import DeployFailed, DeployReport, raise_for_report, run_deploy
from elenta.pipeline.ssh import SshTarget
from tests.cli import run_elenta
from tests.lab.conftest import running_copy

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_LAB = REPO / "examples" / "lab"
pytestmark = [pytest.mark.lab, pytest.mark.nix, pytest.mark.slow]


@dataclass
class DeployLab:
    path: Path

    @property
    def lab(self) -> Lab:
        return load_lab(self.path)

    def hosts(self) -> dict[str, LabHost]:
        return lab_up(self.lab)

    def facts(self, machine: str) -> dict:
        return parse_nixos_system(self.hosts()[machine].ssh(nixos_system_command()).splitlines())

    def deploy(self, action: str = "test", **kwargs) -> DeployReport:
        kwargs.setdefault("no_dns", True)
        kwargs.setdefault("confirm_timeout", 20)
        return run_deploy(self.lab, action, kwargs.pop("selection", None), **kwargs)

    def desired(self, machine: str, config: str | None = None) -> str:
        return build_systems(self.lab, [machine], config=config)[machine].path

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.path / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new))


def results(report: DeployReport) -> dict[str, str]:
    return {r.canon: r.result for r in report.results}


@pytest.fixture(scope="module")
def deploy_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployLab]:
    with running_copy(tmp_path_factory, "deploy") as path:
        yield DeployLab(path)


def test_lab_hosts_are_isolated_real_ssh_hosts(lab_hosts) -> None:
    toto, nancy = lab_hosts.hosts["toto"], lab_hosts.hosts["nancy"]
    assert toto.ssh("hostname").strip() == "toto"
    assert toto.address == "127.0.1.2" and nancy.address == "127.0.1.3"
    toto.ssh("echo from-toto > /etc/elenta-probe && mkdir -p /nix/store && touch /nix/store/probe /tmp/probe")
    assert (
        nancy.ssh("cat /etc/elenta-probe /nix/store/probe /tmp/probe 2>&1 || true").count("No such file") == 3
    )
    assert (toto.upper / "etc.upper" / "elenta-probe").read_text() == "from-toto\n"
    assert not Path("/etc/elenta-probe").exists()
    nix_conf = toto.ssh("cat /etc/nix/nix.conf")
    assert re.search(r"^substituters =\s*$", nix_conf, re.M)
    data = dict(lab_hosts.inventory()["all"])["toto.canon"]
    assert data["ssh_port"] == toto.port


def test_deploy_then_a_second_deploy_is_a_noop(deploy_lab: DeployLab) -> None:
    deploy_lab.hosts()["toto"].ssh("mkdir -p /var/lib/elenta-dns && echo zone-data > /var/lib/elenta-dns/z")
    report = deploy_lab.deploy("test")
    assert results(report) == dict.fromkeys(
        ["toto.canon", "nancy.canon", "archimedes.canon", "ifrit.canon"], "changed"
    ), report.table()
    for machine in ("toto", "nancy", "archimedes", "ifrit"):
        facts = deploy_lab.facts(machine)
        assert facts["current"] == deploy_lab.desired(machine)
        assert facts["profile_generation"] is None  # test does not touch the profile
        assert facts["revision"] == "unknown"  # the lab copy is not in git
    backup = report.folder / "backups" / "toto.canon.tar.gz"
    listing = subprocess.run(["tar", "tzf", str(backup)], capture_output=True, text=True, check=True).stdout
    assert "var/lib/elenta-dns/z" in listing
    again = deploy_lab.deploy("test")
    assert set(results(again).values()) == {"unchanged"}, again.table()
    assert not (again.folder / "pyinfra.log").exists()  # a no-op reads facts and stops there
    statuses = compliance_status(deploy_lab.lab, no_dns=True)
    assert all(st.columns["compliant"] for st in statuses.values())


def test_switch_boot_reboot_and_rollback_change_exactly_their_state(deploy_lab: DeployLab) -> None:
    toto = Selection(canons=("toto.canon",))
    dns, web = deploy_lab.desired("toto"), deploy_lab.desired("toto", ".#web")
    assert results(deploy_lab.deploy("switch", selection=toto)).get("toto.canon") in ("changed", "unchanged")
    facts = deploy_lab.facts("toto")
    first_generation = facts["profile_generation"]
    assert (facts["current"], facts["profile_system"], facts["next_boot"]) == (dns, dns, dns)
    assert results(deploy_lab.deploy("boot", selection=toto, config=".#web")) == {"toto.canon": "changed"}
    facts = deploy_lab.facts("toto")
    assert facts["current"] == dns  # boot leaves the running system alone
    assert (facts["profile_system"], facts["next_boot"]) == (web, web)
    assert facts["profile_generation"] == first_generation + 1
    assert deploy_lab.facts("nancy")["profile_generation"] is None  # only toto was selected
    lab_down(deploy_lab.lab, ["toto"])  # a reboot boots what the boot loader names
    deploy_lab.hosts()
    facts = deploy_lab.facts("toto")
    assert (facts["current"], facts["booted"]) == (web, web)
    assert results(deploy_lab.deploy("rollback", selection=toto)) == {"toto.canon": "changed"}
    facts = deploy_lab.facts("toto")
    assert (facts["current"], facts["profile_system"], facts["next_boot"]) == (dns, dns, dns)
    assert facts["profile_generation"] == first_generation


def test_a_changed_role_redeploys_only_its_machines(deploy_lab: DeployLab) -> None:
    deploy_lab.deploy("test")
    deploy_lab.edit("flake.nix", '"NFS server for media and backups"', '"NFS server, now with quotas"')
    report = deploy_lab.deploy("test")
    assert results(report) == {
        "toto.canon": "unchanged",
        "nancy.canon": "changed",
        "archimedes.canon": "unchanged",
        "ifrit.canon": "unchanged",
    }, report.table()
    assert deploy_lab.facts("nancy")["current"] == deploy_lab.desired("nancy")


def test_a_failing_health_check_rolls_back_system_and_data_and_fails(deploy_lab: DeployLab) -> None:
    toto = Selection(canons=("toto.canon",))
    deploy_lab.deploy("test", selection=toto)
    host = deploy_lab.hosts()["toto"]
    host.ssh("mkdir -p /var/lib/elenta-dns && echo zone-v1 > /var/lib/elenta-dns/z")
    before = deploy_lab.facts("toto")["current"]
    constellation = "constellations/homelab.toml"
    original = (deploy_lab.path / constellation).read_text()
    # The check breaks the data, then fails: the rollback must put both system and data back.
    deploy_lab.edit(
        constellation,
        'health = [{ command = "test -L /run/current-system" }]\n'
        'backup = { paths = ["/var/lib/elenta-dns"] }',
        'health = [{ command = "echo broken > /var/lib/elenta-dns/z; test -e /etc/elenta-healthy" }]\n'
        'backup = { paths = ["/var/lib/elenta-dns"], '
        "restore = 'tar xzf \"$ELENTA_BACKUP\" -C / var/lib/elenta-dns' }",
    )
    try:
        report = deploy_lab.deploy("test", selection=toto, config=".#cache")
    finally:
        (deploy_lab.path / constellation).write_text(original)
    assert results(report) == {"toto.canon": "rolled-back"}, report.table()
    assert "health check failed" in report.results[0].detail
    assert deploy_lab.facts("toto")["current"] == before
    assert host.ssh("cat /var/lib/elenta-dns/z") == "zone-v1\n"
    assert (report.folder / "backups" / "toto.canon.tar.gz").exists()
    with pytest.raises(DeployFailed, match=r"toto.canon rolled-back: .*test -e /etc/elenta-healthy"):
        raise_for_report(report)


def test_an_unconfirmed_host_rolls_itself_back(deploy_lab: DeployLab) -> None:
    host = deploy_lab.hosts()["ifrit"]
    target = SshTarget.from_data(dict(inventory_groups(deploy_lab.lab, no_dns=True)["all"])["ifrit.canon"])
    before = deploy_lab.facts("ifrit")["current"]
    other = deploy_lab.desired("ifrit", ".#web")
    copy_closure(other, target)
    host.ssh(activate_command(other, "test", "unconfirmed-1", 1))
    assert deploy_lab.facts("ifrit")["current"] == other
    deadline = time.monotonic() + 10
    while deploy_lab.facts("ifrit")["current"] != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert deploy_lab.facts("ifrit")["current"] == before
    late = subprocess.run(host.ssh_command(confirm_command("unconfirmed-1")), capture_output=True, text=True)
    assert late.returncode == 3 and "no confirmation within 1 s" in late.stderr


def test_a_down_host_is_reported_while_the_others_finish(deploy_lab: DeployLab) -> None:
    lab_down(deploy_lab.lab, ["nancy"])
    try:
        report = deploy_lab.deploy("test", config=".#web")
    finally:
        deploy_lab.hosts()
    assert results(report) == {
        "toto.canon": "changed",
        "nancy.canon": "failed",
        "archimedes.canon": "changed",
        "ifrit.canon": "changed",
    }, report.table()
    with pytest.raises(DeployFailed, match=r"nancy.canon failed: cannot connect to 127\.0\.1\.3"):
        raise_for_report(report)


def test_a_host_stopped_mid_run_is_reported_while_the_others_finish(deploy_lab: DeployLab) -> None:
    deploy_lab.edit(
        "constellations/homelab.toml",
        "[roles.hypervisor]\n",
        ('[roles.hypervisor]\nhealth = [{ command = "sleep 4" }]\n'),
    )
    state_dir = deploy_lab.lab.state_dir
    before = set((state_dir / "deploys").glob("*"))
    outcome: dict[str, DeployReport] = {}
    # A system no host has yet (archimedes' own system carries `.#cache` and `.#web`: its guests).
    worker = threading.Thread(target=lambda: outcome.update(r=deploy_lab.deploy("test", config=".#firewall")))
    worker.start()
    try:
        deadline = time.monotonic() + 60
        copied = False
        while not copied and time.monotonic() < deadline:
            for folder in set((state_dir / "deploys").glob("*")) - before:
                events = folder / "hosts" / "archimedes.canon.jsonl"
                copied = events.exists() and '"copied"' in events.read_text()
            time.sleep(0.05)
        assert copied, "archimedes never got its closure"
        lab_down(deploy_lab.lab, ["archimedes"])
        worker.join(120)
    finally:
        deploy_lab.edit("constellations/homelab.toml", 'health = [{ command = "sleep 4" }]\n', "")
        deploy_lab.hosts()
    got = results(outcome["r"])
    assert got["archimedes.canon"] in ("failed", "rolled-back"), outcome["r"].table()
    assert {got[c] for c in ("toto.canon", "nancy.canon", "ifrit.canon")} == {"changed"}, outcome["r"].table()
    with pytest.raises(DeployFailed, match=r"archimedes\.canon"):
        raise_for_report(outcome["r"])


def test_a_wrong_host_key_refuses_to_connect(deploy_lab: DeployLab) -> None:
    state = lab_state(deploy_lab.lab)
    good = state.known_hosts.read_text()
    toto = deploy_lab.hosts()["toto"]
    before = deploy_lab.facts("toto")["current"]
    nancy_key = (state.host_dir("nancy") / "ssh_host_ed25519_key.pub").read_text().split()[:2]
    bad = re.sub(
        rf"^(\[{re.escape(toto.address)}\]:{toto.port}) .*$", rf"\1 {' '.join(nancy_key)}", good, flags=re.M
    )
    assert bad != good
    state.known_hosts.write_text(bad)
    try:
        report = deploy_lab.deploy("test", selection=Selection(canons=("toto.canon",)), config=".#nfs")
        env = {**os.environ, "ELENTA_LAB": str(deploy_lab.path), "ELENTA_NO_DNS": "1"}
        pyinfra = subprocess.run(
            [sys.executable, "-m", "pyinfra", "-y", "inventories/lab.py", "exec", "--", "true"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        state.known_hosts.write_text(good)
    assert results(report) == {"toto.canon": "failed"}
    assert re.search("host key", report.results[0].detail, re.I), report.results[0].detail
    assert pyinfra.returncode != 0
    assert "toto.canon" in pyinfra.stdout + pyinfra.stderr
    assert deploy_lab.facts("toto")["current"] == before  # nothing was activated


def test_a_concurrent_deploy_is_refused(deploy_lab: DeployLab) -> None:
    with deploy_lock(deploy_lab.lab.state_dir), pytest.raises(DeployLocked, match="another deploy"):
        deploy_lab.deploy("test")


def test_pyinfra_cli_and_elenta_status_go_through_the_same_code(deploy_lab: DeployLab) -> None:
    deploy_lab.deploy("test")
    env = {
        **os.environ,
        "ELENTA_LAB": str(deploy_lab.path),
        "ELENTA_NO_DNS": "1",
        "ELENTA_SUBSYSTEMS": "nixos",
    }
    env.pop("ELENTA_STATE_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pyinfra", "-y", "inventories/lab.py", "deploy.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for canon in ("toto.canon", "nancy.canon", "archimedes.canon", "ifrit.canon"):
        assert f"[{canon}] unchanged: already at /nix/store/" in out
    status = run_elenta("status", "--no-dns", "--lab", str(deploy_lab.path), env=env, timeout=120)
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.count("in compliance") == 4
    assert "running rev" in status.stdout and "unknown" in status.stdout  # the copy is not in git
    hosts = run_elenta("lab", "status", "--lab", str(deploy_lab.path), env=env, timeout=120)
    assert hosts.returncode == 0 and f"127.0.1.2:{deploy_lab.hosts()['toto'].port}" in hosts.stdout


def test_cli_with_a_relative_lab_path_reports_why_a_rollback_cannot_run(deploy_lab: DeployLab) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ELENTA_STATE_DIR", "ELENTA_LAB")}
    proc = subprocess.run(
        ["elenta", "rollback", "--canon", "nancy.canon", "--no-dns", "--lab", deploy_lab.path.name],
        cwd=deploy_lab.path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "nancy.canon" in proc.stderr and "no generation before" in proc.stderr, proc.stderr
    assert not (deploy_lab.path / deploy_lab.path.name).exists()  # nothing written under a doubled path
