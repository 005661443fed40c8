"""Time to place and serve a 200 MB netboot image over HTTP against TFTP (why iPXE chains to HTTP).

    python bench/netboot.py [--size-mb 200]

Places an image with a kernel of SIZE random bytes in a fresh store (content hashing, copy,
fsync, atomic switch), serves the store with tftpd-hpa and elenta's HTTP server on 127.0.0.1,
fetches the kernel by MAC with an HTTP client and with busybox's TFTP client (512-byte blocks,
the TFTP default, and 1432-byte blocks, what iPXE asks for), checks the bytes, prints ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from elenta.lab.netboot_server import start_netboot_servers
from elenta.netboot.store import NetbootStore

MAC = "52:54:00:00:01:05"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="elenta-bench-netboot-") as tmp:
        work = Path(tmp)
        image = work / "image"
        image.mkdir()
        with open(image / "bzImage", "wb") as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(1 << 20))
        (image / "initrd").write_bytes(b"initrd\n")
        (image / "netboot.ipxe").write_text("#!ipxe\nkernel bzImage initrd=initrd\ninitrd initrd\nboot\n")
        expected = sha256(image / "bzImage")

        store = NetbootStore(work / "store")
        start = time.perf_counter()
        placed = store.place(MAC, {n: image / n for n in ("bzImage", "initrd", "netboot.ipxe")})
        place_s = time.perf_counter() - start
        start = time.perf_counter()
        store.place(MAC, {n: image / n for n in ("bzImage", "initrd", "netboot.ipxe")})
        replace_s = time.perf_counter() - start

        remote = f"52-54-00-00-01-05/generations/{placed.generation}/bzImage"
        servers = start_netboot_servers(store.root)
        try:
            timings: dict[str, float] = {}
            got = work / "http.bin"
            start = time.perf_counter()
            with urllib.request.urlopen(f"{servers.http_url}/{remote}") as answer, open(got, "wb") as out:
                while chunk := answer.read(1 << 20):
                    out.write(chunk)
            timings["HTTP"] = time.perf_counter() - start
            assert sha256(got) == expected, "HTTP served other bytes"
            for label, blksize in (("TFTP blksize 1432 (iPXE)", 1432), ("TFTP blksize 512 (default)", 512)):
                got = work / f"tftp-{blksize}.bin"
                argv = ["busybox", "tftp", "-g", "-r", remote, "-l", str(got)]
                if blksize != 512:
                    argv += ["-b", str(blksize)]
                start = time.perf_counter()
                proc = subprocess.run(
                    [*argv, servers.address, str(servers.tftp_port)], capture_output=True, text=True
                )
                timings[label] = time.perf_counter() - start
                if proc.returncode != 0 or sha256(got) != expected:
                    print(f"{label}: failed ({proc.returncode}): {proc.stderr.strip()[-200:]}")
                    timings.pop(label)
        finally:
            servers.stop()

    size = args.size_mb
    print(f"image: kernel of {size} MB, generation {placed.generation[:12]}")
    print(f"place (hash + copy + fsync + switch): {place_s:6.2f} s   ({size / place_s:7.1f} MB/s)")
    print(f"place again (same content, no switch): {replace_s:6.2f} s")
    for label, seconds in timings.items():
        print(f"serve over {label:27s}: {seconds:6.2f} s   ({size / seconds:7.1f} MB/s)")
    http = timings["HTTP"]
    for label, seconds in timings.items():
        if label != "HTTP":
            print(f"ratio {label} / HTTP: {seconds / http:6.1f}x slower")
    tftp_default = timings.get("TFTP blksize 512 (default)")
    if tftp_default is not None:
        ratio = (place_s + tftp_default) / (place_s + http)
        print(f"ratio place+serve, TFTP default / HTTP: {ratio:.1f}x")


if __name__ == "__main__":
    main()
