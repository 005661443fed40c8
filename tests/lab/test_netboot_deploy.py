"""Netboot images placed on a remote store over SSH: pyinfra on archimedes (a real lab host)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from elenta.netboot.build import build_image
from elenta.netboot.push import deploy_command, store_servers
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


IMAGE_DEPLOY = """import json, os
from elenta.operations import netboot
spec = json.loads(os.environ["ELENTA_TEST_NETBOOT_IMAGE"])
netboot.image(name="test image", store=spec["store"], mac=spec["mac"], files=spec["files"])
"""


def test_remote_placement_killed_mid_upload_leaves_current_on_the_old_image(
    lab_hosts, tmp_path: Path
) -> None:
    archimedes = lab_hosts.hosts["archimedes"]
    store, mac_dir = "/srv/netboot-kill", "/srv/netboot-kill/52-54-00-00-01-07"
    deploy_file = tmp_path / "deploy_image.py"
    deploy_file.write_text(IMAGE_DEPLOY)
    command, env = deploy_command(lab_hosts.lab, ["archimedes"], no_dns=True)
    command[-1] = str(deploy_file)

    def image(tag: str, kernel_size: int) -> tuple[dict[str, str], str]:
        folder = tmp_path / tag
        folder.mkdir()
        with open(folder / "bzImage", "wb") as out:
            for _ in range(kernel_size >> 20):
                out.write(os.urandom(1 << 20))
            out.write(os.urandom(kernel_size & ((1 << 20) - 1)))
        (folder / "initrd").write_text(f"initrd {tag}\n")
        (folder / "netboot.ipxe").write_text("#!ipxe\nkernel bzImage initrd=initrd\ninitrd initrd\nboot\n")
        files = {n: str(folder / n) for n in ("bzImage", "initrd", "netboot.ipxe")}
        return files, image_generation({n: Path(p) for n, p in files.items()})

    def start(files: dict[str, str]) -> subprocess.Popen[str]:
        spec = {"store": store, "mac": "52:54:00:00:01:07", "files": files}
        return subprocess.Popen(
            command,
            env={**env, "ELENTA_TEST_NETBOOT_IMAGE": json.dumps(spec)},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    old_files, old = image("old", 1000)
    first = start(old_files)
    output = first.communicate(timeout=120)[0]
    assert first.returncode == 0, output
    assert archimedes.ssh(f"readlink {mac_dir}/current").strip() == f"generations/{old}"
    old_script = archimedes.ssh(f"cat {mac_dir}/boot.ipxe")

    new_files, new = image("new", 150 << 20)
    killed = start(new_files)
    partial = f"{mac_dir}/generations/.partial-{new}"
    deadline, uploading = time.monotonic() + 60, False
    while time.monotonic() < deadline and killed.poll() is None and not uploading:
        uploading = archimedes.ssh(f"test -d {partial} && echo yes || echo no").strip() == "yes"
        time.sleep(0.05)
    assert uploading and killed.poll() is None, "the upload finished before it could be interrupted"
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(10)
    assert archimedes.ssh(f"readlink {mac_dir}/current").strip() == f"generations/{old}"
    assert archimedes.ssh(f"cat {mac_dir}/boot.ipxe") == old_script
    assert archimedes.ssh(f"test -d {mac_dir}/generations/{new} && echo yes || echo no").strip() == "no"

    again = start(new_files)
    output = again.communicate(timeout=300)[0]
    assert again.returncode == 0, output
    assert archimedes.ssh(f"readlink {mac_dir}/current").strip() == f"generations/{new}"
    listing = archimedes.ssh(f"ls -A {mac_dir}/generations").split()
    assert sorted(listing) == sorted([old, new])
    assert (
        archimedes.ssh(f"sha256sum {mac_dir}/current/bzImage").split()[0]
        == hashlib.sha256(Path(new_files["bzImage"]).read_bytes()).hexdigest()
    )
