"""Real TFTP and HTTP servers over a netboot store, on 127.0.0.1 and free ports (tests, demo).

`servers = start_netboot_servers(store_root)` starts tftpd-hpa (`in.tftpd`, chrooted into the
store) and elenta's HTTP server; `servers.stop()` ends both.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

from elenta.netboot.errors import NetbootError
from elenta.netboot.http import serve_http


def free_udp_port(address: str = "127.0.0.1") -> int:
    """A UDP port nobody holds right now: `free_udp_port()`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def _udp_port_bound(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((address, port))
        except OSError:
            return True
    return False


def start_tftpd(
    root: Path, address: str = "127.0.0.1", port: int | None = None
) -> tuple[subprocess.Popen, int]:
    """Start tftpd-hpa serving `root` read-only: `proc, port = start_tftpd(Path("/srv/netboot"))`."""
    binary = shutil.which("in.tftpd") or "/usr/sbin/in.tftpd"
    if not Path(binary).exists():
        raise NetbootError("the TFTP server needs tftpd-hpa (`in.tftpd`), which is not installed")
    for _attempt in range(5):
        chosen = port or free_udp_port(address)
        proc = subprocess.Popen(
            [
                binary,
                "--foreground",
                "--address",
                f"{address}:{chosen}",
                "--secure",
                "--user",
                "nobody",
                str(root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and proc.poll() is None:
            if _udp_port_bound(address, chosen):
                return proc, chosen
            time.sleep(0.02)
        proc.kill()
        proc.wait()
        if port:
            break
    raise NetbootError(
        f"in.tftpd did not start on {address}: {proc.stderr.read().decode() if proc.stderr else ''}"
    )


@dataclass
class NetbootServers:
    """A running TFTP + HTTP pair over one store."""

    root: Path
    address: str
    tftp_port: int
    http_port: int
    tftpd: subprocess.Popen
    http: ThreadingHTTPServer

    @property
    def http_url(self) -> str:
        return f"http://{self.address}:{self.http_port}"

    def stop(self) -> None:
        """Stop both servers: `servers.stop()`."""
        self.http.shutdown()
        self.http.server_close()
        if self.tftpd.poll() is None:
            self.tftpd.terminate()
            try:
                self.tftpd.wait(5)
            except subprocess.TimeoutExpired:
                self.tftpd.kill()
                self.tftpd.wait()


def start_netboot_servers(root: Path, address: str = "127.0.0.1") -> NetbootServers:
    """Serve `root` over TFTP and HTTP on free ports: `s = start_netboot_servers(p); s.stop()`."""
    tftpd, tftp_port = start_tftpd(root, address)
    try:
        http = serve_http(root, address, 0)
    except OSError:
        tftpd.kill()
        tftpd.wait()
        raise
    return NetbootServers(root, address, tftp_port, http.server_port, tftpd, http)
