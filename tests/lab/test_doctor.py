"""`elenta doctor` against a live network the test builds in namespaces (192.0.2.0/24, a
documentation prefix that exists only inside them).

The segment: `gw` runs Kea with elenta's configuration; `toto` and `nancy` run sshd (the doctor
reads their interfaces over SSH); `ns` runs dnsmasq as the lab's DNS server; the doctor runs in
`obs` (probing ARP on its `eth0`). The planted lab has a stale lease in Kea's lease file, a
stranger that took a lease from the range, a second machine answering for toto's address,
nancy with another network card than the cadaster's, and a DNS answer that differs; each must
give its line. The clean lab must give none (exit 0).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from elenta.lab.keys import ensure_root_key, known_hosts_entry
from elenta.lab.state import lab_state
from elenta.model.lab import load_lab
from tests.lab.test_dhcp_servers import ask, start_server, tool_missing
from tests.netns import Segment, wait_for

CADASTER = """
domain = "canon"
[dns]
servers = ["192.0.2.53:53"]
[networks.lab]
cidr = "192.0.2.0/24"
prefix6 = "2001:db8:1::/64"
gateway = "gw"
dhcp = {{ range = ["192.0.2.100", "192.0.2.110"] }}
[machines.gw]
kind = "router"
interfaces.lan0 = {{ mac = "52:54:00:aa:00:01", network = "lab", ip = "192.0.2.1" }}
[machines.obs]
kind = "other"
interfaces.eth0 = {{ mac = "52:54:00:aa:00:02", network = "lab", ip = "192.0.2.2" }}
[machines.toto]
interfaces.eth0 = {{ mac = "52:54:00:aa:00:10", network = "lab", ip = "192.0.2.10", ip6 = "eui64" }}
[machines.nancy]
interfaces.eth0 = {{ mac = "52:54:00:aa:00:11", network = "lab", ip = "192.0.2.11" }}
[machines.printer]
kind = "other"
interfaces.eth0 = {{ mac = "52:54:00:aa:00:20", network = "lab", ip = "192.0.2.20" }}
[machines.ns]
kind = "other"
interfaces.eth0 = {{ mac = "52:54:00:aa:00:53", network = "lab", ip = "192.0.2.53" }}
"""

CONSTELLATION = """
name = "t"
[machines.gw]
hostConfig = ".#router"
[machines.toto]
hostConfig = ".#box"
[machines.nancy]
hostConfig = ".#box"
[roles.router]
dhcp = { server = "kea", networks = ["lab"] }
"""

SSHD = """ListenAddress {address}:22
HostKey {key}
PidFile none
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile {authorized}
StrictModes no
LogLevel ERROR
"""


def unavailable() -> str | None:
    for tool in ("/usr/sbin/sshd", "ssh-keygen", "dnsmasq"):
        if shutil.which(tool) is None and not Path(tool).exists():
            return f"{tool} is not installed"
    return tool_missing("kea")


def make_lab(folder: Path) -> Path:
    (folder / "constellations").mkdir(parents=True)
    (folder / "cadaster.toml").write_text(CADASTER.format())
    (folder / "constellations" / "t.toml").write_text(CONSTELLATION)
    return folder


def start_sshd(seg: Segment, ns: str, address: str, work: Path, lab_dir: Path, machine: str) -> None:
    """sshd inside `ns` on address:22 (a port of the test's own namespace), key pinned in the lab.

    The machine gets a lab host folder, so elenta reaches it as a lab host (the lab's key and
    known_hosts, root) rather than through this machine's own ssh configuration.
    """
    state = lab_state(load_lab(lab_dir))
    state.root.mkdir(parents=True, exist_ok=True)
    ensure_root_key(state.key)
    state.host_dir(machine).mkdir(parents=True, exist_ok=True)
    host_key = work / f"host-{address}"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    authorized = work / "authorized_keys"
    authorized.write_text(Path(f"{state.key}.pub").read_text())
    config = work / f"sshd-{address}"
    config.write_text(SSHD.format(address=address, key=host_key, authorized=authorized))
    public = " ".join(Path(f"{host_key}.pub").read_text().split()[:2])
    with state.known_hosts.open("a") as known:
        known.write(known_hosts_entry(address, 22, public) + "\n")
    Path("/run/sshd").mkdir(exist_ok=True)
    seg.start_in(ns, "/usr/sbin/sshd", "-D", "-e", "-f", str(config), log=work / f"sshd-{address}.log")


def start_dns(seg: Segment, ns: str, work: Path, answers: dict[str, str]) -> None:
    """dnsmasq as the lab's DNS server on 192.0.2.53:53 (inside `ns`), answering `answers` only."""
    records = [f"--host-record={name},{ips}" for name, ips in answers.items()]
    seg.start_in(
        ns, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--port=53",
        "--listen-address=192.0.2.53", "--bind-interfaces", f"--pid-file={work / 'dns.pid'}",
        "--log-facility=-", *records, log=work / "dns.log",
    )  # fmt: skip
    assert wait_for(lambda: "started" in (work / "dns.log").read_text(), 10)


def cadaster_answers(lab_dir: Path) -> dict[str, str]:
    """`--host-record` values per name: `"192.0.2.10,2001:db8:1:0:5054:ff:feaa:10"` (IPv4, IPv6)."""
    out: dict[str, list[str]] = {}
    for record in load_lab(lab_dir).cadaster.addresses():
        for name in record.names:
            out.setdefault(name, []).append(str(record.ip))
    return {name: ",".join(ips) for name, ips in out.items()}


def doctor(seg: Segment, ns: str, lab_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return seg.run_in(
        ns, sys.executable, "-c", "from elenta.cli import main; main()", "doctor", "--lab", str(lab_dir),
        "--interface", "eth0", *args, timeout=120, env=env,
    )  # fmt: skip


def build(seg: Segment, lab_dir: Path, work: Path, *, nancy_mac: str) -> str:
    """The segment every test shares; returns the observer's namespace."""
    gw = seg.member("gw", "lan0", "52:54:00:aa:00:01", "192.0.2.1/24")
    start_server(seg, gw, "kea", lab_dir, work)
    toto = seg.member("toto", "eth0", "52:54:00:aa:00:10", "192.0.2.10/24")
    start_sshd(seg, toto, "192.0.2.10", work, lab_dir, "toto")
    nancy = seg.member("nancy", "eth0", nancy_mac, "192.0.2.11/24")
    start_sshd(seg, nancy, "192.0.2.11", work, lab_dir, "nancy")
    dns_ns = seg.member("ns", "eth0", "52:54:00:aa:00:53", "192.0.2.53/24")
    obs = seg.member("obs", "eth0", "52:54:00:aa:00:02", "192.0.2.2/24")
    return obs, dns_ns  # type: ignore[return-value]


@pytest.fixture
def lab_dir(tmp_path: Path) -> Path:
    if reason := unavailable():
        pytest.skip(reason)
    return make_lab(tmp_path / "lab")


def test_clean_lab_reports_nothing(lab_dir: Path, tmp_path: Path) -> None:
    with Segment("doctor") as seg:
        obs, dns_ns = build(seg, lab_dir, tmp_path, nancy_mac="52:54:00:aa:00:11")
        start_dns(seg, dns_ns, tmp_path, cadaster_answers(lab_dir))
        proc = doctor(seg, obs, lab_dir, "--leases", str(tmp_path / "kea-leases4.csv"))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.startswith("clean: the live network matches the cadaster")
        assert "2 machines over ssh" in proc.stdout and "14 dns names" in proc.stdout
        # Every live cadaster address answered the probe: gw, toto, nancy, ns (printer is off; obs asks).
        report = json.loads(
            doctor(seg, obs, lab_dir, "--json", "--leases", str(tmp_path / "kea-leases4.csv")).stdout
        )
        assert report == {
            "findings": [],
            "checked": {"leases": 0, "neighbours": report["checked"]["neighbours"], "probed_addresses": 4,
                        "machines_over_ssh": 2, "dns_names": 14, "switch_ports": 0},
            "skipped": {},  # the lab has no switch
        }  # fmt: skip


def test_planted_problems_each_give_their_line(lab_dir: Path, tmp_path: Path) -> None:
    leases = tmp_path / "kea-leases4.csv"
    with Segment("doctor") as seg:
        obs, dns_ns = build(seg, lab_dir, tmp_path, nancy_mac="52:54:00:aa:00:12")  # nancy's card changed
        answers = cadaster_answers(lab_dir) | {"toto.canon": "192.0.2.99,2001:db8:1::99"}  # wrong, both
        start_dns(seg, dns_ns, tmp_path, answers)
        # A stranger takes an address from the range (a real lease in Kea's file).
        stranger = ask(seg, "stranger", "52:54:00:aa:00:99", tmp_path)
        assert stranger is not None
        # A stale lease: the printer's address still leased to an old MAC.
        assert wait_for(leases.exists, 5)
        with leases.open("a") as f:
            f.write(f"192.0.2.20,52:54:00:aa:00:77,,3600,{int(time.time()) + 3600},1,0,0,old-laptop,0,\n")
        # A second machine holding toto's address.
        seg.member("dup", "eth0", "52:54:00:aa:00:66", "192.0.2.10/24")
        proc = doctor(seg, obs, lab_dir, "--leases", str(leases))
        lines = proc.stdout.splitlines()
        assert proc.returncode == 1, proc.stdout + proc.stderr

        def line(prefix: str) -> str:
            found = [x for x in lines if x.startswith(prefix)]
            assert len(found) == 1, f"{prefix!r} not found once in:\n{proc.stdout}"
            return found[0]

        stale = line("stale-lease: 192.0.2.20: ")
        assert "leases it to 52:54:00:aa:00:77 (old-laptop)" in stale
        assert "the cadaster gives it to printer:eth0 (52:54:00:aa:00:20)" in stale
        assert "; delete that lease on the DHCP server" in stale
        unknown = line("unknown-device: 52:54:00:aa:00:99: ")
        assert f"leases {stranger['ip']} to it" in unknown and "; add the device to the cadaster" in unknown
        dup = line("duplicate-address: 192.0.2.10: ")
        assert "2 MACs answer an ARP probe for it (52:54:00:aa:00:10, 52:54:00:aa:00:66)" in dup
        assert "; find 52:54:00:aa:00:66 and give it another address" in dup
        mac = line("interface-mismatch: nancy:eth0: ")
        assert "the machine reports MAC 52:54:00:aa:00:12, the cadaster says 52:54:00:aa:00:11" in mac
        assert "; write 52:54:00:aa:00:12 in the cadaster (machines.nancy.interfaces.eth0.mac)" in mac
        assert "52:54:00:aa:00:12 answers for it" in line("address-mac: 192.0.2.11: ")
        dns_line = line("dns-mismatch: toto.canon: ")
        assert "192.0.2.53:53 answers 192.0.2.99, the cadaster says 192.0.2.10" in dns_line
        aaaa = line("dns-mismatch: toto.canon AAAA: ")
        assert "answers 2001:db8:1::99, the cadaster says 2001:db8:1:0:5054:ff:feaa:10" in aaaa
        # SSH to toto may reach the duplicate (whichever ARP answer wins): the user's hanging SSH.
        # It then reports toto unreachable too; nothing else may appear.
        others = [x for x in lines if not x.startswith("unreachable: toto.canon: over SSH")]
        assert len(others) == 7, proc.stdout

        report = json.loads(doctor(seg, obs, lab_dir, "--json", "--leases", str(leases)).stdout)
        kinds = sorted(
            f["kind"]
            for f in report["findings"]
            if f["subject"] != "toto.canon" or f["kind"] != "unreachable"
        )
        assert kinds == sorted(
            [
                "stale-lease",
                "unknown-device",
                "duplicate-address",
                "interface-mismatch",
                "address-mac",
                "dns-mismatch",
                "dns-mismatch",
            ]
        )
