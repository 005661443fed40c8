"""`elenta deploy|switch` check the plan before any host is touched and record it in the history."""

from __future__ import annotations

import subprocess

import pytest

from elenta.compile.checks import CheckError
from elenta.compile.history import History
from elenta.compile.plan import build_plan
from elenta.compile.rollout import recorded_deploy
from elenta.inventory import Selection
from elenta.model.lab import load_lab
from tests.cli import run_elenta

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("quiet_warnings")]


def _deploys(lab) -> list[str]:
    folder = lab.state_dir / "deploys"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_whole_lab_deploy_is_recorded_as_its_plan(lab_hosts):
    lab = lab_hosts.lab
    recorded_deploy(lab, "test", Selection(), no_dns=True, echo=lambda line: None)
    history = History(lab.state_dir)
    last = history.runs()[-1]
    assert (last.result, last.started.action, last.started.mode) == ("ok", "deploy", "test")
    assert last.plan == build_plan(lab).hash
    # narrowed to a role, or overriding the constellation's config: not the plan, not recorded
    before = len(history.runs())
    recorded_deploy(lab, "test", Selection(roles=("dns",)), no_dns=True, echo=lambda line: None)
    recorded_deploy(lab, "test", Selection(), config=".#dns", no_dns=True, echo=lambda line: None)
    assert len(History(lab.state_dir).runs()) == before
    # the hosts go back to what the constellation says
    recorded_deploy(lab, "test", Selection(), no_dns=True, echo=lambda line: None)


def test_a_failing_check_touches_no_host(lab_hosts):
    path = lab_hosts.path / "constellations" / "homelab.toml"
    original = path.read_text()
    path.write_text(original.replace('cores = 2, memory = "2G"', 'cores = 64, memory = "2G"'))
    try:
        lab = load_lab(lab_hosts.path)
        deploys = _deploys(lab)
        running = lab_hosts.hosts["archimedes"].ssh("readlink /run/current-system || true")
        with pytest.raises(CheckError, match="archimedes"):
            recorded_deploy(lab, "switch", Selection(), no_dns=True, echo=lambda line: None)
        assert _deploys(lab) == deploys
        assert lab_hosts.hosts["archimedes"].ssh("readlink /run/current-system || true") == running
    finally:
        path.write_text(original)


def test_cli_rollback_without_canon_applies_the_previous_plan(lab_hosts):
    path = lab_hosts.path / "constellations" / "homelab.toml"
    original = path.read_text()
    env_lab = ["--lab", str(lab_hosts.path)]

    def elenta(*args: str) -> subprocess.CompletedProcess[str]:
        return run_elenta(*args, *env_lab)

    try:
        assert elenta("switch", "--no-dns").returncode == 0
        path.write_text(original.replace('hostConfig = ".#nfs"', 'hostConfig = ".#web"'))
        result = elenta("switch", "--no-dns")
        assert result.returncode == 0, result.stderr
        assert "nixos-system-web" in lab_hosts.hosts["nancy"].ssh("readlink /run/current-system")
        result = elenta("rollback", "--no-dns")
        assert result.returncode == 0, result.stderr
        assert "rolled back to plan" in result.stdout
        assert "nixos-system-nfs" in lab_hosts.hosts["nancy"].ssh("readlink /run/current-system")
    finally:
        path.write_text(original)


RESTORE = 'rm -rf /var/lib/elenta-dns && tar xzf "$ELENTA_BACKUP" -C / var/lib/elenta-dns'
DATA_ROLE = f"""
[roles.zonedata.backup]
paths = ["/var/lib/elenta-dns"]
restore = '{RESTORE}'

[domains."example.lab".services.ns]
role = "zonedata"
host = "toto"
"""


@pytest.fixture
def data_plans(lab_hosts):
    """Plan A (toto: .#dns) and plan B (toto: .#cache), both with toto's zone data backed up, B
    applied over A with A's data and B's data written by each plan's turn; the original after."""
    path = lab_hosts.path / "constellations" / "homelab.toml"
    original = path.read_text()
    toto = lab_hosts.hosts["toto"]
    quiet = {"no_dns": True, "echo": lambda line: None}
    try:
        path.write_text(original + DATA_ROLE)
        plan_a = load_lab(lab_hosts.path)
        recorded_deploy(plan_a, "switch", Selection(), **quiet)
        toto.ssh("mkdir -p /var/lib/elenta-dns && echo zone-A > /var/lib/elenta-dns/z")
        path.write_text(original.replace('hostConfig = ".#dns"', 'hostConfig = ".#cache"') + DATA_ROLE)
        plan_b = load_lab(lab_hosts.path)
        recorded_deploy(plan_b, "switch", Selection(), **quiet)
        assert "nixos-system-cache" in toto.ssh("readlink /run/current-system")
        toto.ssh("echo zone-B > /var/lib/elenta-dns/z")
        yield plan_b, toto
    finally:
        path.write_text(original)
        recorded_deploy(load_lab(lab_hosts.path), "switch", Selection(), **quiet)


def test_manual_rollback_restores_the_data_backed_up_before_the_last_deploy(data_plans):
    from elenta.pipeline.run import raise_for_report, run_deploy

    plan_b, toto = data_plans
    report = run_deploy(
        plan_b, "rollback", Selection(canons=("toto.canon",)), no_dns=True, echo=lambda _: None
    )
    raise_for_report(report)
    assert "nixos-system-dns" in toto.ssh("readlink /run/current-system")
    assert toto.ssh("cat /var/lib/elenta-dns/z") == "zone-A\n"


def test_plan_rollback_restores_the_data_of_the_plan_rolled_back_to(data_plans):
    from elenta.compile.rollout import rollback_plan

    plan_b, toto = data_plans
    rollback_plan(plan_b, subsystems=("nixos",), no_dns=True)
    assert "nixos-system-dns" in toto.ssh("readlink /run/current-system")
    assert toto.ssh("cat /var/lib/elenta-dns/z") == "zone-A\n"
    # the data rolled away from is kept: the rollback's own pre-deploy backup holds zone-B
    newest = toto.ssh("ls -1t /var/lib/elenta/backups/*.tar.gz | head -n 1").strip()
    assert toto.ssh(f"tar xzOf {newest} var/lib/elenta-dns/z") == "zone-B\n"


def test_host_data_is_installed_for_discovery_and_drift_sees_a_hand_edit(lab_hosts):
    import json

    from elenta.compile.drift import check_drift

    lab = lab_hosts.lab
    hosts = lab_hosts.hosts
    # Every subsystem whose files drift compares (host data, ifrit's DHCP configuration) is deployed.
    deploy = {"subsystems": ("nixos", "hostdata", "dhcp"), "no_dns": True, "echo": lambda line: None}
    try:
        recorded_deploy(lab, "switch", Selection(), **deploy)
        own = json.loads(hosts["toto"].ssh("cat /etc/elenta/host.json"))
        assert (own["self"], own["canon"]) == ("toto", "toto.canon")
        discovery = json.loads(hosts["nancy"].ssh("cat /etc/elenta/discovery.json"))
        assert discovery["services"]["www.example.lab"]["host"] == "archimedes"
        assert discovery["roles"]["dns"] == ["toto"]
        assert check_drift(lab).drifts == []
        hosts["nancy"].ssh("""echo '{"self": "nancy"}' > /etc/elenta/host.json""")
        found = [str(d) for d in check_drift(lab).drifts]
        assert found and all(line.startswith("nancy: hostdata: ") for line in found), found
        recorded_deploy(lab, "switch", Selection(), **deploy)  # puts it back
        assert check_drift(lab).drifts == []
    finally:
        for host in hosts.values():
            host.ssh("rm -f /etc/elenta/host.json /etc/elenta/discovery.json")
