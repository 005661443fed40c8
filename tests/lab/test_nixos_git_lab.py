"""A lab kept in git, as every real lab is: a commit redeploys only the machines it changes.

The lab's git revision is recorded beside each system (`/var/lib/elenta/revisions/<system>`,
the deploy record), never inside it: a commit changing `vms.web1` changes archimedes' system,
and the other machines report unchanged. A machine whose hostConfig is a literal table is
built from elenta's module alone and deployed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from elenta.facts.nixos import nixos_system_command, parse_nixos_system
from elenta.inventory import Selection
from elenta.lab import lab_up
from elenta.model.lab import Lab, load_lab
from elenta.pipeline.run import DeployReport, run_deploy
from tests.lab.conftest import running_copy

pytestmark = [pytest.mark.lab, pytest.mark.nix, pytest.mark.slow]
HOSTS = ["toto.canon", "nancy.canon", "archimedes.canon", "ifrit.canon"]


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=elenta test", "-c", "user.email=test@elenta.invalid", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


class GitLab:
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def lab(self) -> Lab:
        return load_lab(self.path)

    def commit(self, relative: str, old: str, new: str, message: str) -> str:
        file = self.path / relative
        text = file.read_text()
        assert old in text, f"{old!r} not in {relative}"
        file.write_text(text.replace(old, new, 1))
        git(self.path, "commit", "-qam", message)
        return git(self.path, "rev-parse", "HEAD")

    def deploy(self, selection: Selection | None = None) -> DeployReport:
        return run_deploy(self.lab, "test", selection, no_dns=True, confirm_timeout=20, echo=lambda _: None)

    def facts(self, machine: str) -> dict:
        host = lab_up(self.lab)[machine]
        return parse_nixos_system(host.ssh(nixos_system_command()).splitlines())


def results(report: DeployReport) -> dict[str, str]:
    return {r.canon: r.result for r in report.results}


def _in_git(path: Path) -> None:
    (path / ".gitignore").write_text(".elenta/\n/plan/\n")
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "the lab")


@pytest.fixture(scope="module")
def git_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitLab]:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    with running_copy(tmp_path_factory, "git-lab", _in_git) as path:
        yield GitLab(path)


def test_a_commit_changing_a_vm_redeploys_its_host_only(git_lab: GitLab) -> None:
    first = git(git_lab.path, "rev-parse", "HEAD")
    assert results(git_lab.deploy()) == dict.fromkeys(HOSTS, "changed")
    assert git_lab.facts("toto")["revision"] == first  # recorded beside the system
    second = git_lab.commit(
        "constellations/homelab.toml", 'memory = "2G"', 'memory = "3G"', "web1: more memory"
    )
    report = git_lab.deploy()
    assert results(report) == {
        "toto.canon": "unchanged",
        "nancy.canon": "unchanged",
        "archimedes.canon": "changed",
        "ifrit.canon": "unchanged",
    }, report.table()
    assert git_lab.facts("archimedes")["revision"] == second
    assert git_lab.facts("toto")["revision"] == first  # toto still runs what the first commit built
    # An uncommitted edit elsewhere in the lab folder changes nothing either.
    (git_lab.path / "notes.txt").write_text("an untracked note\n")
    assert set(results(git_lab.deploy()).values()) == {"unchanged"}


def test_a_machine_with_a_literal_host_config_only_is_deployed(git_lab: GitLab) -> None:
    revision = git_lab.commit(
        "constellations/homelab.toml",
        'hostConfig = ".#firewall"',
        "hostConfig = { services = { openssh = { enable = true } } }",
        "ifrit: a literal configuration",
    )
    report = git_lab.deploy(Selection(canons=("ifrit.canon",)))
    assert results(report) == {"ifrit.canon": "changed"}, report.table()
    facts = git_lab.facts("ifrit")
    assert facts["revision"].startswith(revision)
    host = lab_up(git_lab.lab)["ifrit"]
    module = host.ssh("cat /run/current-system/elenta-module.json")
    assert '"openssh":{"enable":true}' in module and '"hostName":"ifrit"' in module
