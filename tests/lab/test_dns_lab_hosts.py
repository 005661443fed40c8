"""The DNS role deployed over SSH to the example lab's DNS host (toto), a real sshd in its own
mount namespace: `elenta dns apply` through `inventories/lab.py`, Knot started on toto, answers
checked from here with dnspython against toto's DNS alias address."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import dns.message
import dns.query
import pytest

KNOT_DIR = "/var/lib/elenta-dns"

pytestmark = [
    pytest.mark.lab,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("knotd") is None and not Path("/usr/sbin/knotd").exists(), reason="no knotd"
    ),
]


def free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind((address, 0))
        return udp.getsockname()[1]


def ask(address: str, port: int, name: str, rtype: str) -> set[str]:
    response = dns.query.udp(dns.message.make_query(name, rtype), address, port=port, timeout=3)
    return {r.to_text() for rrset in response.answer for r in rrset}


def test_dns_apply_over_ssh_to_the_dns_host(lab_hosts):
    toto = lab_hosts.hosts["toto"]
    port = free_port("127.0.1.53")
    try:
        applied = subprocess.run(
            [sys.executable, "-c", "from elenta.cli import main; main()", "dns", "apply",
             "--lab", str(lab_hosts.path), "--listen", f"127.0.1.53@{port}"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "[toto.canon] DNS verified: 7 zones answer as planned" in applied.stdout + applied.stderr
        assert ask("127.0.1.53", port, "toto.canon", "A") == {"127.0.1.2"}
        assert ask("127.0.1.53", port, "53.1.0.127.in-addr.arpa", "PTR") == {"dns.toto.canon."}
        assert ask("127.0.1.53", port, "www.example.lab", "CNAME") == {"archimedes.canon."}
        # The zones live on toto's own /var, not on the machine running the test.
        assert "toto IN A 127.0.1.2" in toto.ssh(f"cat {KNOT_DIR}/zones/canon.zone")
        assert not Path(f"{KNOT_DIR}/zones/canon.zone").exists()
    finally:
        toto.ssh(f"knotc -s {KNOT_DIR}/run/knot.sock stop || true", check=False)
