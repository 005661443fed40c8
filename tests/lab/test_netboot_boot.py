"""One real network boot: two QEMU machines boot from the store, each to its own image.

In a network namespace this test creates (a bridge, one tap per machine, 10.77.0.0/24 that
exists only there), dnsmasq answers DHCP and serves the store's top-level `boot.ipxe` over TFTP
(`port=0`: no DNS); that script chains to elenta's HTTP server by `${mac:hexhyp}`, which hands
each MAC its generation's script, kernel and initrd. `qemu-system-x86_64 -boot n` (its iPXE ROM)
boots a Debian kernel with a busybox initrd that prints its image's name on the serial console.
Kernel and busybox come from `.ci/deps/netboot.sh`; about 20-35 s under software emulation.
"""

from __future__ import annotations

import glob
import gzip
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from elenta.netboot.store import NetbootStore

CACHE = Path("/var/cache/elenta-netboot")
KERNELS = sorted(glob.glob(str(CACHE / "kernel/boot/vmlinuz-*")) + glob.glob("/boot/vmlinuz-*"))
BUSYBOX = CACHE / "busybox-static/bin/busybox"
MACHINES = {"52:54:00:00:01:05": "alpha", "52:54:00:00:01:06": "beta"}
SERVER_IP = "10.77.0.1"
HTTP_PORT = 8080
BOOT_TIMEOUT = 240


def missing_for_boot() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces and taps need root"
    for tool in ("qemu-system-x86_64", "dnsmasq", "ip"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            return f"{tool} is not installed"
    if not Path("/dev/net/tun").exists():
        return "no /dev/net/tun (taps for the machines)"
    if not Path("/usr/lib/ipxe/qemu/efi-virtio.rom").exists():
        return "ipxe-qemu is not installed"
    if not KERNELS:
        return f"no kernel in {CACHE}/kernel/boot or /boot (run .ci/deps/netboot.sh)"
    if not BUSYBOX.exists():
        return f"no static busybox at {BUSYBOX} (run .ci/deps/netboot.sh)"
    return None


def cpio_newc(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """An initramfs archive ('newc' cpio) of (name, mode, data, rdev major, rdev minor)."""
    out = bytearray()
    for ino, (name, mode, data, major, minor) in enumerate([*entries, ("TRAILER!!!", 0, b"", 0, 0)], 1):
        encoded = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(encoded), 0)
        out += b"070701" + "".join(f"{v:08x}" for v in fields).encode() + encoded
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def tiny_initrd(name: str) -> bytes:
    """A gzipped initramfs whose /init prints `ELENTA-IMAGE: <name>` and powers off."""
    init = (
        "#!/bin/busybox sh\n"
        "/bin/busybox mkdir -p /proc && /bin/busybox mount -t proc proc /proc\n"
        f'echo "ELENTA-IMAGE: {name}"\n'
        'echo "ELENTA-CMDLINE: $(/bin/busybox cat /proc/cmdline)"\n'
        "/bin/busybox poweroff -f\n"
    )
    entries = [
        ("dev", 0o040755, b"", 0, 0),
        ("dev/console", 0o020600, b"", 5, 1),
        ("bin", 0o040755, b"", 0, 0),
        ("bin/busybox", 0o100755, BUSYBOX.read_bytes(), 0, 0),
        ("init", 0o100755, init.encode(), 0, 0),
    ]
    return gzip.compress(cpio_newc(entries), 6)


def ns(namespace: str, *argv: str) -> list[str]:
    return ["ip", "netns", "exec", namespace, *argv]


@pytest.fixture
def boot_network(tmp_path: Path) -> Iterator[tuple[str, list[str], bool]]:
    """A namespace with a bridge at 10.77.0.1 and one tap per machine; removed afterwards."""
    namespace = f"elenta-nb-{os.getpid()}"
    subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
    made = subprocess.run(["ip", "netns", "add", namespace], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {made.stderr.strip()}")
    taps = [f"tap{i}" for i in range(len(MACHINES))]
    try:
        steps = [
            ["link", "set", "lo", "up"],
            ["link", "add", "br0", "type", "bridge"],
            ["addr", "add", f"{SERVER_IP}/24", "dev", "br0"],
            ["link", "set", "br0", "up"],
        ]
        for tap in taps:
            steps += [["tuntap", "add", tap, "mode", "tap"], ["link", "set", tap, "master", "br0", "up"]]
        for step in steps:
            subprocess.run(["ip", "-n", namespace, *step], check=True)
        # Router advertisements end iPXE's IPv6 autoconfiguration at once (else it waits ~10 s);
        # where IPv6 is off the boots only take longer.
        ipv6 = subprocess.run(
            ["ip", "-n", namespace, "addr", "add", "fd77::1/64", "dev", "br0", "nodad"],
            capture_output=True,
            check=False,
        )
        yield namespace, taps, ipv6.returncode == 0
    finally:
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)


def dnsmasq_argv(store_root: Path, work: Path, log: Path, ipv6: bool) -> list[str]:
    """dnsmasq as DHCP and TFTP server only (`--port=0`: no DNS), handing out `boot.ipxe`."""
    ra = ["--enable-ra", "--dhcp-range=::,constructor:br0,ra-only"] if ipv6 else []
    return [
        "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--user=root", "--port=0",
        "--interface=br0", "--bind-interfaces", "--dhcp-range=10.77.0.10,10.77.0.99,255.255.255.0,1h",
        "--enable-tftp", f"--tftp-root={store_root}", "--dhcp-boot=boot.ipxe",
        f"--dhcp-leasefile={work / 'leases'}", f"--pid-file={work / 'dnsmasq.pid'}",
        "--log-dhcp", f"--log-facility={log}", *ra,
    ]  # fmt: skip


def http_argv(store_root: Path, access_log: Path) -> list[str]:
    """elenta's HTTP server over the store, in a child process (it must run in the namespace)."""
    code = (
        "import sys, time; from pathlib import Path; from elenta.netboot.http import serve_http; "
        "serve_http(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])); time.sleep(3600)"
    )
    return [sys.executable, "-c", code, str(store_root), SERVER_IP, str(HTTP_PORT), str(access_log)]


def qemu_argv(tap: str, mac: str, serial: Path) -> list[str]:
    """A diskless PC booting from its NIC (iPXE ROM), serial console into a file."""
    return [
        "qemu-system-x86_64", "-accel", os.environ.get("ELENTA_QEMU_ACCEL", "tcg"), "-m", "256",
        "-display", "none", "-monitor", "none", "-no-reboot", "-serial", f"file:{serial}", "-boot", "n",
        "-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no",
        "-device", f"virtio-net-pci,netdev=n0,mac={mac}",
    ]  # fmt: skip


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
@pytest.mark.skipif(missing_for_boot() is not None, reason=str(missing_for_boot()))
def test_two_macs_netboot_each_to_its_own_image(boot_network, tmp_path: Path) -> None:
    namespace, taps, ipv6 = boot_network
    store = NetbootStore(tmp_path / "store")
    store.init(http_base=f"http://{SERVER_IP}:{HTTP_PORT}")
    generations = {}
    for mac, name in MACHINES.items():
        image = tmp_path / f"image-{name}"
        image.mkdir()
        (image / "initrd").write_bytes(tiny_initrd(name))
        (image / "netboot.ipxe").write_text(
            f"#!ipxe\nkernel bzImage console=ttyS0 quiet panic=-1 elenta.image={name} initrd=initrd\n"
            "initrd initrd\nboot\n"
        )
        files = {
            "bzImage": Path(KERNELS[-1]),
            "initrd": image / "initrd",
            "netboot.ipxe": image / "netboot.ipxe",
        }
        generations[mac] = store.place(mac, files, {"machine": name, "role": "worker"}).generation
    assert len(set(generations.values())) == len(MACHINES)

    access_log = tmp_path / "http.log"
    dnsmasq_log = tmp_path / "dnsmasq.log"
    servers = [
        subprocess.Popen(ns(namespace, *dnsmasq_argv(store.root, tmp_path, dnsmasq_log, ipv6))),
        subprocess.Popen(ns(namespace, *http_argv(store.root, access_log))),
    ]
    machines = []
    try:
        time.sleep(1)
        for server in servers:
            assert server.poll() is None, "a netboot server did not start"
        for tap, (mac, name) in zip(taps, MACHINES.items(), strict=True):
            serial = tmp_path / f"serial-{name}.log"
            qemu = subprocess.Popen(ns(namespace, *qemu_argv(tap, mac, serial)), stderr=subprocess.PIPE)
            machines.append((name, serial, qemu))
        deadline = time.monotonic() + BOOT_TIMEOUT
        for _name, _serial, qemu in machines:
            try:
                qemu.wait(max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                break
    finally:
        for _name, _serial, qemu in machines:
            stop(qemu)
        for server in servers:
            stop(server)

    consoles = {
        name: serial.read_text(errors="replace") if serial.exists() else "" for name, serial, _ in machines
    }
    for name, console in consoles.items():
        other = next(n for n in MACHINES.values() if n != name)
        assert f"ELENTA-IMAGE: {name}" in console, f"{name} console:\n{console[-2000:]}"
        assert f"ELENTA-IMAGE: {other}" not in console
        assert f"elenta.image={name}" in console
    # The first stage came over TFTP, the rest over HTTP: each MAC's script, its generation's files.
    assert "sent " + str(store.root / "boot.ipxe") in dnsmasq_log.read_text()
    requests = access_log.read_text().splitlines()
    for mac, generation in generations.items():
        folder = mac.replace(":", "-")
        fetched = {line.split()[1] for line in requests if line.endswith(" 200")}
        assert f"/{folder}/boot.ipxe" in fetched
        assert f"/{folder}/generations/{generation}/bzImage" in fetched
        assert f"/{folder}/generations/{generation}/initrd" in fetched
