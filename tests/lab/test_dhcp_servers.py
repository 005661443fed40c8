"""Real DHCP servers (Kea, dnsmasq) serving elenta's configuration to a real client (busybox udhcpc).

Each test builds a small lab whose network is 192.0.2.0/24 (a documentation prefix), renders the
server's configuration with elenta, checks it with the server's own parser, and runs the server
in a network namespace the test creates (interface `lan0`, as in the cadaster). Clients are
other namespaces on the same bridge, with the MAC under test: a cadaster MAC must receive its
cadaster address, host name, router, DNS server and search list; an unknown MAC an address from
the range, or nothing when the network has no range; a netbooting MAC its iPXE boot file.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from elenta.dhcp.dnsmasq import dnsmasq_text
from elenta.dhcp.kea import config_text, kea4_config, kea6_config
from elenta.dhcp.scopes import dhcp_services
from elenta.dhcp.validate import check_config
from elenta.model.lab import load_lab
from tests.netns import Segment, wait_for

SERVERS = ("kea", "dnsmasq")
TOTO_MAC = "52:54:00:aa:00:10"
HERMES_MAC = "52:54:00:aa:00:20"
UNKNOWN_MAC = "52:54:00:aa:00:99"

CADASTER = """
domain = "canon"
[networks.lab]
cidr = "192.0.2.0/24"
gateway = "gw"
{dhcp}
[machines.gw.interfaces.lan0]
mac = "52:54:00:aa:00:01"
network = "lab"
ip = "192.0.2.1"
[machines.toto.interfaces.eth0]
mac = "52:54:00:aa:00:10"
network = "lab"
ip = "192.0.2.10"
[machines.store.interfaces.eth0]
mac = "52:54:00:aa:00:04"
network = "lab"
ip = "192.0.2.4"
[machines.hermes]
netboot = true
[machines.hermes.interfaces.eth0]
mac = "52:54:00:aa:00:20"
network = "lab"
ip = "192.0.2.20"
"""

CONSTELLATION = """
name = "t"
[machines.gw]
hostConfig = ".#router"
[machines.store]
hostConfig = ".#store"
data = {{ elenta_netboot_store = "/srv/netboot", elenta_netboot_http_base = "http://192.0.2.4:8080" }}
[machines.hermes]
hostConfig = ".#netboot"
[roles.router]
dhcp = {{ server = "{server}", networks = ["lab"] }}
"""

SCRIPT = """#!/bin/sh
[ "$1" = bound ] || exit 0
for v in ip hostname domain dns router search boot_file siaddr; do
  eval "printf '%s=%s\\n' $v \\"\\$$v\\""
done > "{out}"
"""


def tool_missing(server: str) -> str | None:
    needs = {"kea": "kea-dhcp4", "dnsmasq": "dnsmasq"}[server]
    if shutil.which(needs) is None and not Path(f"/usr/sbin/{needs}").exists():
        return f"{needs} is not installed (.ci/deps/dhcp.apt)"
    if shutil.which("busybox") is None:
        return "busybox (udhcpc) is not installed"
    return None


def make_lab(folder: Path, server: str, dhcp: str) -> Path:
    (folder / "constellations").mkdir(parents=True)
    (folder / "cadaster.toml").write_text(CADASTER.format(dhcp=dhcp))
    (folder / "constellations" / "t.toml").write_text(CONSTELLATION.format(server=server))
    return folder


def start_server(seg: Segment, ns: str, server: str, lab_dir: Path, work: Path) -> None:
    """Render, check and start the lab's DHCP server in namespace `ns`; wait until it listens."""
    (service,) = dhcp_services(load_lab(lab_dir))
    log = work / f"{server}.log"
    if server == "kea":
        text = config_text(kea4_config(service, lease_dir=str(work), socket_dir=str(work)))
        check_config("kea", {"kea-dhcp4.conf": text}, ["lan0"])
        conf = work / "kea-dhcp4.conf"
        conf.write_text(text)
        env = dict(os.environ, KEA_PIDFILE_DIR=str(work), KEA_LOCKFILE_DIR=str(work))
        seg.start_in(ns, "kea-dhcp4", "-c", str(conf), log=log, env=env)
        ready = "DHCP4_STARTED"
    else:
        text = dnsmasq_text(service, lease_file=str(work / "dnsmasq.leases"))
        check_config("dnsmasq", {"dnsmasq.conf": text})
        conf = work / "dnsmasq.conf"
        conf.write_text(text)
        seg.start_in(
            ns, "dnsmasq", "--keep-in-foreground", "--log-dhcp", "--log-facility=-",
            f"--conf-file={conf}", f"--pid-file={work / 'dnsmasq.pid'}", log=log,
        )  # fmt: skip
        ready = "DHCP, sockets bound"
    assert wait_for(lambda: ready in log.read_text(), timeout=15), log.read_text()


def ask(seg: Segment, name: str, mac: str, work: Path, *options: str) -> dict[str, str] | None:
    """Run udhcpc with `mac` in a new namespace on the segment; the lease it bound, or None."""
    ns = seg.member(name, "eth0", mac)
    out = work / f"{name}.lease"
    script = work / f"{name}.sh"
    script.write_text(SCRIPT.format(out=out))
    script.chmod(0o755)
    proc = seg.run_in(
        ns, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "4", "-T", "2", "-A", "1",
        "-s", str(script), "-O", "search", "-O", "hostname", *options, timeout=40,
    )  # fmt: skip
    if proc.returncode != 0 or not out.exists():
        return None
    return dict(line.split("=", 1) for line in out.read_text().splitlines())


@contextlib.contextmanager
def serving(server: str, work: Path, dhcp: str) -> Iterator[Segment]:
    """A segment whose `srv` namespace runs `server` with the test lab's configuration."""
    if reason := tool_missing(server):
        pytest.skip(reason)
    lab_dir = make_lab(work / "lab", server, dhcp)
    with Segment("dhcp") as seg:
        ns = seg.member("srv", "lan0", "52:54:00:aa:00:01", "192.0.2.1/24")
        start_server(seg, ns, server, lab_dir, work)
        yield seg


@pytest.mark.parametrize("server", SERVERS)
def test_cadaster_mac_gets_its_address_name_router_and_dns(server: str, tmp_path: Path) -> None:
    dhcp = 'dhcp = { range = ["192.0.2.100", "192.0.2.110"], dns = ["toto"] }'
    with serving(server, tmp_path, dhcp) as seg:
        lease = ask(seg, "toto", TOTO_MAC, tmp_path)
        assert lease is not None, (tmp_path / f"{server}.log").read_text()
        assert lease["ip"] == "192.0.2.10"
        # Kea sends the canon name whole; dnsmasq its first label, the domain beside it.
        assert lease["hostname"] == {"kea": "toto.canon", "dnsmasq": "toto"}[server]
        assert lease["domain"] == "canon"
        assert lease["router"] == "192.0.2.1"
        assert lease["dns"].split() == ["192.0.2.10"]  # dhcp.dns = ["toto"]: its cadaster address
        assert lease["search"] == "canon"
        assert lease["boot_file"] == ""  # not a netbooting machine

        unknown = ask(seg, "stranger", UNKNOWN_MAC, tmp_path)
        assert unknown is not None, "a network with a range serves unknown MACs from it"
        address = ipaddress.ip_address(unknown["ip"])
        assert ipaddress.ip_address("192.0.2.100") <= address <= ipaddress.ip_address("192.0.2.110")


@pytest.mark.parametrize("server", SERVERS)
def test_unknown_mac_gets_nothing_without_a_range(server: str, tmp_path: Path) -> None:
    with serving(server, tmp_path, "dhcp = { lease = 600 }") as seg:
        assert ask(seg, "stranger", UNKNOWN_MAC, tmp_path) is None
        known = ask(seg, "toto", TOTO_MAC, tmp_path)
        assert known is not None and known["ip"] == "192.0.2.10"


@pytest.mark.parametrize("server", SERVERS)
def test_netbooting_mac_gets_ipxe_options(server: str, tmp_path: Path) -> None:
    with serving(server, tmp_path, "dhcp = { lease = 600 }") as seg:
        # PXE firmware on BIOS (client architecture 0): the iPXE binary from the store host.
        pxe = ask(seg, "pxe", HERMES_MAC, tmp_path, "-x", "0x5d:0000")
        assert pxe is not None and pxe["ip"] == "192.0.2.20"
        assert pxe["boot_file"] == "undionly.kpxe"
        assert pxe["siaddr"] == "192.0.2.4"
        # x86-64 EFI firmware (architecture 7).
        efi = ask(seg, "efi", HERMES_MAC, tmp_path, "-x", "0x5d:0007")
        assert efi is not None and efi["boot_file"] == "ipxe.efi"
        # iPXE itself (user class "iPXE"): the store's top-level script over HTTP.
        ipxe = ask(seg, "ipxe", HERMES_MAC, tmp_path, "-x", "0x4d:69505845")
        assert ipxe is not None and ipxe["boot_file"] == "http://192.0.2.4:8080/boot.ipxe"
        # A machine that does not netboot gets no boot file even when it asks like PXE.
        plain = ask(seg, "plain", TOTO_MAC, tmp_path, "-x", "0x5d:0000")
        assert plain is not None and plain["boot_file"] == ""


def test_refused_configuration_names_the_server(tmp_path: Path) -> None:
    if reason := tool_missing("kea"):
        pytest.skip(reason)
    from elenta.dhcp.validate import DhcpConfigError

    with pytest.raises(DhcpConfigError, match="kea-dhcp4"):
        check_config("kea", {"kea-dhcp4.conf": '{"Dhcp4": {"subnet4": [{"subnet": "192.0.2.0/33"}]}}'})
    with pytest.raises(DhcpConfigError, match="dnsmasq"):
        check_config("dnsmasq", {"dnsmasq.conf": "dhcp-range=nonsense-here\n"})


DHCLIENT_SCRIPT = """#!/bin/sh
[ "$reason" = BOUND6 ] || exit 0
printf 'ip6=%s\\ndns6=%s\\nsearch=%s\\n' "$new_ip6_address" "$new_dhcp6_name_servers" \\
  "$new_dhcp6_domain_search" > "{out}"
"""


@pytest.mark.parametrize("server", SERVERS)
def test_dhcp6_gives_the_cadaster_ipv6_address(server: str, tmp_path: Path) -> None:
    """Dual stack: the DHCPv6 side, with ISC dhclient -6 as the client (busybox has no udhcpc6)."""
    if reason := tool_missing(server) or (
        None if shutil.which("kea-dhcp6") else "kea-dhcp6 is not installed"
    ):
        pytest.skip(reason)
    if shutil.which("dhclient") is None:
        pytest.skip("dhclient (isc-dhcp-client) is not installed")
    lab_dir = make_lab(
        tmp_path / "lab",
        server,
        'prefix6 = "2001:db8:1::/64"\ndhcp = { lease = 600, dns = ["2001:db8:1::53"] }',
    )
    cadaster = lab_dir / "cadaster.toml"
    cadaster.write_text(cadaster.read_text().replace('ip = "192.0.2.10"', 'ip = "192.0.2.10"\nip6 = "eui64"'))
    (service,) = dhcp_services(load_lab(lab_dir))
    with Segment("dhcp6") as seg:
        srv = seg.member("srv", "lan0", "52:54:00:aa:00:01", "192.0.2.1/24", "2001:db8:1::1/64")
        log = tmp_path / f"{server}.log"
        if server == "dnsmasq":  # one configuration serves both families
            start_server(seg, srv, server, lab_dir, tmp_path)
        else:
            text = config_text(kea6_config(service, lease_dir=str(tmp_path), socket_dir=str(tmp_path)))
            check_config("kea", {"kea-dhcp6.conf": text}, ["lan0"])
            conf = tmp_path / "kea-dhcp6.conf"
            conf.write_text(text)
            env = dict(os.environ, KEA_PIDFILE_DIR=str(tmp_path), KEA_LOCKFILE_DIR=str(tmp_path))
            seg.start_in(srv, "kea-dhcp6", "-c", str(conf), log=log, env=env)
            assert wait_for(lambda: "DHCP6_STARTED" in log.read_text(), timeout=15), log.read_text()
        client = seg.member("toto", "eth0", TOTO_MAC)
        out = tmp_path / "lease6"
        script = tmp_path / "dhclient.sh"
        script.write_text(DHCLIENT_SCRIPT.format(out=out))
        script.chmod(0o755)
        proc = seg.run_in(
            client, "dhclient", "-6", "-1", "-sf", str(script), "-lf", str(tmp_path / "dhclient.leases"),
            "-pf", str(tmp_path / "dhclient.pid"), "eth0", timeout=60,
        )  # fmt: skip
        assert out.exists(), proc.stdout + proc.stderr + log.read_text()
        lease = dict(line.split("=", 1) for line in out.read_text().splitlines())
        assert lease["ip6"] == "2001:db8:1:0:5054:ff:feaa:10"  # EUI-64 of toto's MAC, reserved
        assert lease["dns6"] == "2001:db8:1::53"
        assert lease["search"] == "canon."
