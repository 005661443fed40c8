"""Deploying to hosts `elenta lab up` did not start, reached as the user reaches them.

The hosts (`tests/lab/own_hosts.py`): a bastion and two stand-in NixOS targets on loopback; the
deployer's key is held only by an ssh-agent; the user's ssh config names the targets by Host
alias with `ProxyJump bastion`; `beta` is reached as `deploy`, a non-root user with passwordless
sudo (root cannot log in there). The `elenta` command runs as a user runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from elenta.lab import lab_unavailable
from elenta.nix import nix_available
from tests.cli import run_elenta
from tests.lab.own_hosts import OwnHosts

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_LAB = REPO / "examples" / "lab"
pytestmark = [pytest.mark.lab, pytest.mark.nix, pytest.mark.slow]


@dataclass
class OwnLab:
    path: Path
    own: OwnHosts
    env: dict[str, str]

    def elenta(self, *args: str) -> tuple[int, str]:
        proc = run_elenta(*args, "--lab", str(self.path), env=self.env, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    def on(self, alias: str, command: str) -> str:
        """Run a command on a host as root, from inside its namespace (not over SSH)."""
        pid = self.own.hosts[alias].record.pid  # type: ignore[union-attr]
        out = os.popen(f"nsenter -t {pid} -m sh -c {command!r}").read()
        return out.strip()


def write_lab(folder: Path, own: OwnHosts) -> Path:
    """A lab of the two targets, named by their ssh config aliases."""
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLE_LAB / "flake.nix", folder / "flake.nix")
    shutil.copytree(EXAMPLE_LAB / "nix", folder / "nix")
    settings = (EXAMPLE_LAB / "elenta.toml").read_text()
    (folder / "elenta.toml").write_text(settings + f'\n[ssh]\nconfig = "{own.ssh_config}"\n')
    cadaster = ['domain = "own"', "", "[networks.lo]", 'cidr = "127.0.0.0/24"', ""]
    constellation = ['name = "own"', ""]
    for i, (alias, role) in enumerate((("alpha", "dns"), ("beta", "nfs"))):
        host = own.hosts[alias]
        cadaster += [
            f"[machines.{alias}]",
            f'ssh = {{ host = "{alias}" }}',
            f"[machines.{alias}.interfaces.eth0]",
            f'mac = "52:54:00:00:0b:{i + 2:02x}"',
            'network = "lo"',
            f'ip = "{host.address}"',
            "",
        ]
        constellation += [f"[machines.{alias}]", f'hostConfig = ".#{role}"', ""]
    (folder / "cadaster.toml").write_text("\n".join(cadaster))
    (folder / "constellations").mkdir()
    (folder / "constellations" / "own.toml").write_text("\n".join(constellation))
    return folder


@pytest.fixture(scope="module")
def own_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnLab]:
    reason = lab_unavailable() or (None if nix_available() else "nix is not installed")
    if not reason and not shutil.which("sudo"):
        reason = "sudo is not installed"
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("own-hosts")
    own = OwnHosts.start(root)
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("ELENTA_STATE_DIR", "SSH_AUTH_SOCK")}
        env.update(own.agent_env)
        yield OwnLab(write_lab(root / "lab", own), own, env)
    finally:
        own.stop()


def test_deploy_switch_status_rollback_through_the_users_ssh(own_lab: OwnLab) -> None:
    code, out = own_lab.elenta("deploy", "--no-dns")
    assert code == 0, out
    assert re.search(r"alpha\.own\s+test\s+changed", out) and re.search(r"beta\.own\s+test\s+changed", out), (
        out
    )
    code, out = own_lab.elenta("switch", "--no-dns")
    assert code == 0, out
    code, out = own_lab.elenta("status", "--no-dns")
    assert code == 0 and out.count("in compliance") == 2, out
    first = {alias: own_lab.on(alias, "readlink /run/current-system") for alias in ("alpha", "beta")}
    # Every connection went through the bastion; none reached a target directly.
    assert own_lab.own.forwarded_to("alpha") >= 3 and own_lab.own.forwarded_to("beta") >= 3
    # A second configuration, then back with `rollback --canon`, on both.
    code, out = own_lab.elenta("switch", "--no-dns", "--config", ".#web")
    assert code == 0, out
    for alias in ("alpha", "beta"):
        assert own_lab.on(alias, "readlink /run/current-system") != first[alias]
        code, out = own_lab.elenta("rollback", "--no-dns", "--canon", f"{alias}.own")
        assert code == 0, out
        assert own_lab.on(alias, "readlink /run/current-system") == first[alias], alias
    # On beta, root never logged in: sudo did the work (the profile is root's).
    assert own_lab.on("beta", "stat -c %U /nix/var/nix/profiles/system-2-link") == "root"
    assert "Accepted publickey for root" not in own_lab.own.hosts["beta"].log.read_text(errors="replace")


def test_a_changed_host_key_is_refused_with_the_line_that_pins_it(own_lab: OwnLab) -> None:
    own = own_lab.own
    real = own.hosts["alpha"].public_key()
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFq7nN0kQ4wS0VdPm0n1B5fQbd2dM7GQ9yYpW3c4kQ2c"
    own.write_known_hosts({"alpha": other})
    try:
        code, out = own_lab.elenta("status", "--no-dns", "--canon", "alpha.own")
        assert code != 0, out
        assert "CHANGED" in out and f'host_key = "{real}"' in out, out
        code, out = own_lab.elenta("deploy", "--no-dns", "--canon", "alpha.own")
        assert code != 0 and "CHANGED" in out, out
        # `hostkeys scan` shows the key the host offers, through the bastion.
        code, out = own_lab.elenta("hostkeys", "scan", "--no-dns", "--canon", "alpha.own")
        assert code == 0 and f'ssh.host_key = "{real}"' in out, out
        # Pinned in the cadaster, the key is trusted whatever the user's known_hosts says.
        cadaster = own_lab.path / "cadaster.toml"
        text = cadaster.read_text()
        cadaster.write_text(
            text.replace('ssh = { host = "alpha" }', f'ssh = {{ host = "alpha", host_key = "{real}" }}')
        )
        try:
            code, out = own_lab.elenta("status", "--no-dns", "--canon", "alpha.own")
            assert code == 0 and "in compliance" in out, out
        finally:
            cadaster.write_text(text)
    finally:
        own.write_known_hosts()


def test_an_unknown_host_is_refused_with_the_line_that_pins_it(own_lab: OwnLab) -> None:
    own = own_lab.own
    lines = own.known_hosts.read_text().splitlines()
    beta = own.hosts["beta"]
    own.known_hosts.write_text("".join(line + "\n" for line in lines if f"[{beta.address}]" not in line))
    try:
        code, out = own_lab.elenta("status", "--no-dns", "--canon", "beta.own")
        assert code != 0 and "is not known" in out and f'host_key = "{beta.public_key()}"' in out, out
    finally:
        own.write_known_hosts()


def test_build_on_the_target_with_signed_copies(own_lab: OwnLab, tmp_path: Path) -> None:
    key = tmp_path / "deploy.sec"
    generated = subprocess.run(
        [
            "nix",
            "--extra-experimental-features",
            "nix-command",
            "key",
            "generate-secret",
            "--key-name",
            "own-1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    key.write_text(generated.stdout)
    settings, flake = own_lab.path / "elenta.toml", own_lab.path / "flake.nix"
    old_settings, old_flake = settings.read_text(), flake.read_text()
    settings.write_text(
        old_settings.replace("[nix]\n", f'[nix]\nbuild_on = "target"\nsign_key = "{key}"\n', 1)
    )
    # A system no machine has built yet: the deployer only evaluates it, alpha builds it.
    token = os.urandom(6).hex()
    flake.write_text(old_flake.replace("authoritative DNS for the lab", f"authoritative DNS {token}"))
    try:
        code, out = own_lab.elenta("deploy", "--no-dns", "--canon", "alpha.own")
        assert code == 0 and "built on the host" in out, out
        system = own_lab.on("alpha", "readlink /run/current-system")
        assert system.endswith("-nixos-system-dns-elenta"), system
        assert not Path(system).exists()  # never built on the deployer
        drv = own_lab.on("alpha", f"nix-store -q --deriver {system}")
        assert "own-1:" in own_lab.on(
            "alpha", f"nix --extra-experimental-features nix-command path-info --derivation --sigs {drv}"
        )
    finally:
        settings.write_text(old_settings)
        flake.write_text(old_flake)


def test_a_user_without_sudo_fails_naming_the_command_and_the_cause(own_lab: OwnLab) -> None:
    cadaster = own_lab.path / "cadaster.toml"
    text = cadaster.read_text()
    cadaster.write_text(text.replace('ssh = { host = "beta" }', 'ssh = { host = "beta", sudo = false }'))
    try:
        code, out = own_lab.elenta("deploy", "--no-dns", "--canon", "beta.own", "--config", ".#cache")
        assert code != 0, out
        row = next(line for line in out.splitlines() if line.startswith("beta.own"))
        # The lab's stand-in has no daemon: an untrusted user's copy opens the store and is refused.
        assert "nix copy" in row and re.search(r"Permission denied|Operation not permitted", row), out
        assert "executed 0 commands" not in out, out
    finally:
        cadaster.write_text(text)
