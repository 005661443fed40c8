"""Netboot against real servers: tftpd-hpa and elenta's HTTP server serving a store, a placement
killed mid-copy, and `elenta build-image` in its three forms on the example lab's flake."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import tftpy

from elenta.lab.netboot_server import NetbootServers, start_netboot_servers
from elenta.model.lab import load_lab
from elenta.netboot.place import place_lab
from elenta.netboot.store import NetbootStore
from elenta.nix import nix_available

EXAMPLE_LAB = Path(__file__).resolve().parents[2] / "examples" / "lab"
MACS = ("52:54:00:00:01:05", "52:54:00:00:01:06")
SCRIPT = "#!ipxe\nkernel bzImage init=/nix/store/{tag}/init initrd=initrd ${{cmdline}}\ninitrd initrd\nboot\n"

needs_tftpd = pytest.mark.skipif(
    not shutil.which("in.tftpd") and not Path("/usr/sbin/in.tftpd").exists(),
    reason="tftpd-hpa is not installed",
)
needs_nix = pytest.mark.skipif(not nix_available(), reason="needs Debian's nix-bin")


def write_image(folder: Path, tag: str, kernel: bytes) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bzImage").write_bytes(kernel)
    (folder / "initrd").write_bytes(f"initrd {tag}\n".encode())
    (folder / "netboot.ipxe").write_text(SCRIPT.format(tag=tag))
    return {n: folder / n for n in ("bzImage", "initrd", "netboot.ipxe")}


@pytest.fixture
def served_store(tmp_path: Path) -> Iterator[tuple[NetbootStore, NetbootServers, dict[str, bytes]]]:
    """A store with two MACs (kernels of ~1.5 MB, different bytes), served over TFTP and HTTP."""
    store = NetbootStore(tmp_path / "store")
    kernels = {}
    for i, mac in enumerate(MACS):
        kernels[mac] = os.urandom(1_500_000 + i * 777)
        store.place(mac, write_image(tmp_path / f"img{i}", f"m{i}", kernels[mac]), {"machine": f"m{i}"})
    servers = start_netboot_servers(store.root)
    try:
        yield store, servers, kernels
    finally:
        servers.stop()


def tftp_busybox(servers: NetbootServers, remote: str, local: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["busybox", "tftp", "-g", "-r", remote, "-l", str(local), servers.address, str(servers.tftp_port)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def tftp_tftpy(servers: NetbootServers, remote: str, local: Path) -> bytes:
    tftpy.TftpClient(servers.address, servers.tftp_port).download(remote, str(local), timeout=5)
    return local.read_bytes()


def http_get(servers: NetbootServers, path: str) -> bytes:
    with urllib.request.urlopen(f"{servers.http_url}/{path}", timeout=10) as answer:
        return answer.read()


def kernel_named_in(script: bytes) -> str:
    line = next(line for line in script.decode().splitlines() if line.startswith("kernel "))
    return line.split()[1]


@needs_tftpd
def test_tftp_and_http_serve_each_mac_its_own_script_and_kernel(served_store, tmp_path: Path) -> None:
    store, servers, kernels = served_store
    assert http_get(servers, "boot.ipxe") == tftp_tftpy(servers, "boot.ipxe", tmp_path / "top")
    assert b"chain ${mac:hexhyp}/boot.ipxe" in http_get(servers, "boot.ipxe")
    for mac in MACS:
        folder = mac.replace(":", "-")
        by_http = http_get(servers, f"{folder}/boot.ipxe")
        proc = tftp_busybox(servers, f"{folder}/boot.ipxe", tmp_path / f"{folder}.ipxe")
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / f"{folder}.ipxe").read_bytes() == by_http
        assert tftp_tftpy(servers, f"{folder}/boot.ipxe", tmp_path / f"{folder}.tftpy") == by_http
        assert f"generations/{store.current(mac)}/bzImage".encode() in by_http
        # The kernel the script names, relative to the MAC folder, over both protocols.
        kernel = f"{folder}/{kernel_named_in(by_http)}"
        assert http_get(servers, kernel) == kernels[mac]
        assert tftp_tftpy(servers, kernel, tmp_path / f"{folder}.k1") == kernels[mac]
        assert tftp_busybox(servers, kernel, tmp_path / f"{folder}.k2").returncode == 0
        assert (tmp_path / f"{folder}.k2").read_bytes() == kernels[mac]
    assert kernels[MACS[0]] != kernels[MACS[1]]


@needs_tftpd
def test_missing_files_are_errors_over_both_protocols(served_store, tmp_path: Path) -> None:
    _store, servers, _kernels = served_store
    proc = tftp_busybox(servers, "52-54-00-99-99-99/boot.ipxe", tmp_path / "none")
    assert proc.returncode != 0
    with pytest.raises(urllib.error.HTTPError) as info:
        http_get(servers, "52-54-00-99-99-99/boot.ipxe")
    assert info.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as info:
        http_get(servers, "v1/boot/52:54:00:99:99:99")
    assert info.value.code == 404


@needs_tftpd
def test_pixiecore_api_answers_with_the_current_generation(served_store) -> None:
    store, servers, kernels = served_store
    mac = MACS[1]
    answer = json.loads(http_get(servers, f"v1/boot/{mac}"))
    generation = store.current(mac)
    assert answer["kernel"] == f"{servers.http_url}/52-54-00-00-01-06/generations/{generation}/bzImage"
    assert answer["cmdline"] == "init=/nix/store/m1/init initrd=initrd"
    with urllib.request.urlopen(answer["kernel"], timeout=10) as got:
        assert got.read() == kernels[mac]
    with urllib.request.urlopen(answer["initrd"][0], timeout=10) as got:
        assert got.read() == b"initrd m1\n"


PLACE_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from elenta.netboot.store import NetbootStore
    store, mac, folder = sys.argv[1:4]
    files = {n: Path(folder) / n for n in ("bzImage", "initrd", "netboot.ipxe")}
    NetbootStore(Path(store)).place(mac, files, {"machine": "hermes"})
    print("placed")
    """
)


@needs_tftpd
def test_placement_killed_mid_copy_leaves_current_on_the_old_image(tmp_path: Path) -> None:
    store = NetbootStore(tmp_path / "store")
    mac = MACS[0]
    old_kernel = os.urandom(300_000)
    old = store.place(mac, write_image(tmp_path / "old", "old", old_kernel))
    old_script = (store.mac_dir(mac) / "boot.ipxe").read_bytes()
    new = write_image(tmp_path / "new", "new", b"")
    new["bzImage"].unlink()
    os.mkfifo(new["bzImage"])  # the child copies from a pipe we feed, so we know it is mid-copy
    child = subprocess.Popen(
        [sys.executable, "-c", PLACE_CHILD, str(store.root), mac, str(tmp_path / "new")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    generations = store.mac_dir(mac) / "generations"
    with open(new["bzImage"], "wb") as pipe:
        pipe.write(os.urandom(4 << 20))
        pipe.flush()
        deadline = time.monotonic() + 20
        partial_kernel = None
        while time.monotonic() < deadline:
            partials = [p / "bzImage" for p in generations.glob(".partial-*")]
            if partials and partials[0].exists() and partials[0].stat().st_size > 0:
                partial_kernel = partials[0]
                break
            time.sleep(0.01)
        assert partial_kernel is not None, "the child never started copying"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        assert child.returncode == -signal.SIGKILL
        with pytest.raises(BrokenPipeError):
            pipe.write(b"x" * (1 << 20))
            pipe.flush()
    # current, the per-MAC script and what the servers hand out are all still the old image.
    assert store.current(mac) == old.generation
    assert (store.mac_dir(mac) / "boot.ipxe").read_bytes() == old_script
    assert [g.name for g in store.generations(mac)] == [old.generation]
    servers = start_netboot_servers(store.root)
    try:
        assert http_get(servers, f"52-54-00-00-01-05/{kernel_named_in(old_script)}") == old_kernel
        got = tftp_tftpy(servers, "52-54-00-00-01-05/boot.ipxe", tmp_path / "after-kill.ipxe")
        assert got == old_script
    finally:
        servers.stop()
    # The next placement works and gc clears the abandoned copy once the grace period is over.
    new["bzImage"].unlink()
    new["bzImage"].write_bytes(b"finished kernel")
    placed = store.place(mac, new)
    assert store.current(mac) == placed.generation != old.generation
    assert partial_kernel.parent.exists()
    report = store.gc(keep=2, now=time.time() + 31)
    assert report.removed == [partial_kernel.parent]


def run_elenta(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The `elenta` command as a user runs it (a child process, as pyinfra needs anyway)."""
    return subprocess.run(
        [sys.executable, "-c", "from elenta.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        check=False,
    )


@needs_nix
def test_build_image_out_mac_and_canon_forms_on_the_example_flake(tmp_path: Path) -> None:
    lab = str(EXAMPLE_LAB)
    out = tmp_path / "image"
    proc = run_elenta("build-image", "--config", ".#netboot", "--out", str(out), "--lab", lab)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["bzImage", "initrd", "meta.json", "netboot.ipxe"]
    assert (out / "netboot.ipxe").read_text().startswith("#!ipxe\n")
    assert "nixos-system-netboot" in (out / "netboot.ipxe").read_text()
    store = tmp_path / "store"
    proc = run_elenta(
        "build-image", "--config", ".#netboot", "--mac", MACS[1], "--store", str(store), "--lab", lab
    )
    assert proc.returncode == 0, proc.stderr
    proc = run_elenta("build-image", "--canon", "hermes.canon", "--store", str(store), "--lab", lab)
    assert proc.returncode == 0, proc.stderr
    assert "placed: 52:54:00:00:01:05 hermes netboot" in proc.stdout
    nb = NetbootStore(store)
    assert nb.macs() == ["52:54:00:00:01:05", MACS[1]]
    # Same flake, same content: both MACs carry the same generation, built from --out's bytes.
    assert nb.current(MACS[0]) == nb.current(MACS[1])
    current = nb.mac_dir(MACS[0]) / "current"
    for name in ("bzImage", "initrd", "netboot.ipxe"):
        assert (current / name).read_bytes() == (out / name).read_bytes()
    listing = run_elenta("netboot", "list", "--store", str(store))
    assert listing.returncode == 0, listing.stderr
    assert "52:54:00:00:01:05  hermes   netboot" in listing.stdout
    bad = run_elenta("build-image", "--config", ".#nosuchrole", "--out", str(tmp_path / "x"), "--lab", lab)
    assert bad.returncode == 2  # bad input: no such configuration
    assert "nixosConfigurations.nosuchrole.config.system.build.kernel" in bad.stderr
    assert not (tmp_path / "x").exists()


@needs_nix
def test_deploy_places_only_images_whose_inputs_changed(tmp_path: Path) -> None:
    lab = load_lab(EXAMPLE_LAB)
    first = place_lab(lab, tmp_path / "store")
    assert [(p.target.machine, p.placed is not None) for p in first] == [("hermes", True)]
    second = place_lab(lab, tmp_path / "store")
    assert [(p.target.machine, p.placed) for p in second] == [("hermes", None)]


@needs_nix
def test_build_image_introspect_asks_the_live_machine_over_ssh(lab_hosts, tmp_path: Path) -> None:
    # The lab hosts share this machine's network: toto reports our link that is up.
    up = [
        (d / "address").read_text().strip()
        for d in Path("/sys/class/net").iterdir()
        if (d / "operstate").read_text().strip() == "up" and (d / "address").exists()
    ]
    if len(up) != 1:
        pytest.skip(f"this machine has {len(up)} links up; introspection would rightly refuse")
    store = tmp_path / "store"
    proc = run_elenta(
        "build-image", "--canon", "toto.canon", "--introspect", "--config", ".#netboot",
        "--store", str(store), "--lab", str(lab_hosts.path),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"toto.canon reports MAC {up[0]}; the cadaster says 52:54:00:00:01:02" in proc.stderr
    assert NetbootStore(store).macs() == [up[0]]
    refused = run_elenta(
        "build-image", "--canon", "toto.canon", "--introspect", "--config", ".#netboot", "--store",
        str(store), "--lab", str(lab_hosts.path), "--ssh-port", "1",
    )  # fmt: skip
    assert refused.returncode == 4  # unreachable
    assert "toto.canon: SSH to root@127.0.1.2:1 failed" in refused.stderr


@needs_tftpd
@pytest.mark.parametrize("grace", [30.0, 0.0], ids=["grace-30s", "no-grace"])
def test_gc_grace_period_keeps_a_boot_in_progress_working(tmp_path: Path, grace: float) -> None:
    """A client fetched its script; two new images are placed and gc --keep 1 runs before it asks
    for the kernel. With the 30 s grace period it still gets it; with none, the boot breaks."""
    store = NetbootStore(tmp_path / "store")
    mac = MACS[0]
    first_kernel = os.urandom(100_000)
    store.place(mac, write_image(tmp_path / "g1", "g1", first_kernel))
    servers = start_netboot_servers(store.root)
    try:
        script = http_get(servers, "52-54-00-00-01-05/boot.ipxe")  # the boot starts
        for tag in ("g2", "g3"):
            store.place(mac, write_image(tmp_path / tag, tag, os.urandom(100_000)))
        store.gc(keep=1, grace=grace)
        kernel = f"52-54-00-00-01-05/{kernel_named_in(script)}"
        if grace:
            assert http_get(servers, kernel) == first_kernel
            assert tftp_tftpy(servers, kernel, tmp_path / "k") == first_kernel
        else:
            with pytest.raises(urllib.error.HTTPError) as info:
                http_get(servers, kernel)
            assert info.value.code == 404
    finally:
        servers.stop()


@needs_tftpd
def test_netboot_serve_command_serves_and_stops_on_term(served_store, tmp_path: Path) -> None:
    store, _servers, kernels = served_store
    from elenta.lab.netboot_server import free_udp_port

    tftp_port = free_udp_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from elenta.cli import main; main()", "netboot", "serve",
         "--store", str(store.root), "--http-port", "0", "--tftp-port", str(tftp_port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"serving {store.root}: tftp://127.0.0.1:{tftp_port}/boot.ipxe http://"), line
        http_url = line.split()[-1].rsplit("/", 1)[0]
        folder = MACS[0].replace(":", "-")
        with urllib.request.urlopen(f"{http_url}/{folder}/boot.ipxe", timeout=10) as answer:
            script = answer.read()
        got = tmp_path / "k"
        tftpy.TftpClient("127.0.0.1", tftp_port).download(
            f"{folder}/{kernel_named_in(script)}", str(got), timeout=5
        )
        assert got.read_bytes() == kernels[MACS[0]]
    finally:
        proc.terminate()
        proc.wait(15)
    tftpd = subprocess.run(["pgrep", "-f", f"in.tftpd --foreground --address 127.0.0.1:{tftp_port} "],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert tftpd.stdout.strip() == "", "in.tftpd outlived `elenta netboot serve`"
