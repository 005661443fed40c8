"""Netboot images placed on a remote store over SSH: pyinfra on archimedes (a real lab host)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from elenta.netboot.apply import deploy_command, store_servers
from elenta.netboot.build import build_image
from elenta.netboot.store import image_generation
from elenta.nix import nix_available

pytestmark = pytest.mark.skipif(not nix_available(), reason="needs Debian's nix-bin")
MAC_DIR = "/srv/netboot/52-54-00-00-01-05"


def run_deploy(lab_hosts, workdir: Path) -> subprocess.CompletedProcess[str]:
    command, env = deploy_command(lab_hosts.lab, store_servers(lab_hosts.lab), no_dns=True)
    workdir.mkdir(exist_ok=True)
    return subprocess.run(
        command, env=env, cwd=workdir, capture_output=True, text=True, timeout=300, check=False
    )


def test_deploy_places_hermes_image_on_archimedes_then_is_a_no_op(lab_hosts, tmp_path: Path) -> None:
    assert store_servers(lab_hosts.lab) == ["archimedes"]
    archimedes = lab_hosts.hosts["archimedes"]
    built = build_image(".#netboot", lab_hosts.lab.flake_dir)
    generation = image_generation(built.files)

    # Through the deploy pipeline (`elenta deploy --only netboot`): placed, recorded as a change.
    first = subprocess.run(
        [sys.executable, "-c", "from elenta.cli import main; main()", "deploy", "--only", "netboot",
         "--canon", "archimedes.canon", "--no-dns", "--lab", str(lab_hosts.path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    assert "archimedes.canon  test    changed" in first.stdout, first.stdout
    assert f"placed hermes {generation[:12]}" in first.stdout
    assert archimedes.ssh(f"readlink {MAC_DIR}/current").strip() == f"generations/{generation}"
    script = archimedes.ssh(f"cat {MAC_DIR}/boot.ipxe")
    assert f"kernel generations/{generation}/bzImage init=" in script
    for name, path in built.files.items():
        assert archimedes.ssh(f"cat {MAC_DIR}/current/{name}") == path.read_text()
    assert "${mac:hexhyp}/boot.ipxe" in archimedes.ssh("cat /srv/netboot/boot.ipxe")
    assert archimedes.ssh(f"ls -A {MAC_DIR}/generations").split() == [generation]
    activated = archimedes.ssh(f"stat -c %Y {MAC_DIR}/generations/{generation}/activated")
    # The other hosts do not serve a store: nothing was placed there.
    assert lab_hosts.hosts["toto"].ssh("test -e /srv/netboot && echo yes || echo no").strip() == "no"

    # Through `elenta netboot deploy`'s pyinfra command: nothing to upload, nothing to switch.
    second = run_deploy(lab_hosts, tmp_path / "run2")
    assert second.returncode == 0, second.stdout + second.stderr
    rows = [
        line.split()
        for line in (second.stdout + second.stderr).splitlines()
        if "Netboot image of hermes" in line
    ]
    assert rows and rows[-1][-4:] == ["1", "-", "-", "1"], second.stdout  # hosts, success, error, no change
    assert archimedes.ssh(f"stat -c %Y {MAC_DIR}/generations/{generation}/activated") == activated
    assert archimedes.ssh(f"ls -A {MAC_DIR}/generations").split() == [generation]
