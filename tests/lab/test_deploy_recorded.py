"""`elenta deploy|switch` check the plan before any host is touched and record it in the history."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from elenta.compile.apply import recorded_deploy
from elenta.compile.checks import CheckError
from elenta.compile.history import History
from elenta.compile.plan import build_plan
from elenta.inventory import Selection
from elenta.model.lab import load_lab

pytestmark = pytest.mark.lab


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


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
        return subprocess.run(
            [sys.executable, "-c", "from elenta.cli import main; main()", *args, *env_lab],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

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
