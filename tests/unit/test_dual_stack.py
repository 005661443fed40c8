"""Dual stack: a network's IPv6 prefix and interfaces' IPv6 addresses through zones, exports, host
data, the firewall and the model's checks. The lab is the example lab with the lab network given
the documentation prefix 2001:db8:1::/64 (data only: nothing connects to it)."""

from __future__ import annotations

import ipaddress
import json
import shutil
from pathlib import Path

import dns.zone
import pytest

from elenta.compile.plan import build_plan
from elenta.dns.check import check_zone_texts
from elenta.dns.render import lab_zone_texts
from elenta.model.cadaster import eui64
from elenta.model.errors import ModelError
from elenta.model.lab import Lab, load_lab
from elenta.nfs.render import exports_text, resolve_clients

PREFIX = "2001:db8:1::/64"
TOTO6 = "2001:db8:1:0:5054:ff:fe00:102"  # EUI-64 of 52:54:00:00:01:02


def dual_stack(lab_dir: Path, extra: dict[str, str] | None = None) -> Path:
    """Give the lab network a prefix6, toto and nancy EUI-64 addresses, ifrit a given one."""
    path = lab_dir / "cadaster.toml"
    text = path.read_text()
    edits = {
        'cidr = "127.0.1.0/24"\n': f'cidr = "127.0.1.0/24"\nprefix6 = "{PREFIX}"\n',
        'ip = "127.0.1.2"\n': 'ip = "127.0.1.2"\nip6 = "eui64"\n',
        'ip = "127.0.1.3"\n': 'ip = "127.0.1.3"\nip6 = "eui64"\n',
        'ip = "127.0.1.254"\n': 'ip = "127.0.1.254"\nip6 = "2001:db8:1::fe"\n',
        **(extra or {}),
    }
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)
    return lab_dir


@pytest.fixture
def lab(example_lab_copy: Path) -> Lab:
    return load_lab(dual_stack(example_lab_copy))


def test_eui64() -> None:
    assert str(eui64(ipaddress.ip_network(PREFIX), "52:54:00:00:01:02")) == TOTO6
    # The universal/local bit flips: 02:… becomes 00:…
    assert str(eui64(ipaddress.ip_network("fd00::/64"), "02:00:00:00:00:01")) == "fd00::ff:fe00:1"


def test_zones_carry_aaaa_and_ip6_arpa_ptrs(lab: Lab) -> None:
    texts = lab_zone_texts(lab)
    reverse6 = "0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
    assert reverse6 in texts
    canon = dns.zone.from_text(texts["canon"], origin="canon", relativize=False)
    aaaa = canon.find_rdataset("toto.canon.", "AAAA")
    assert [r.address for r in aaaa] == [TOTO6]
    assert [r.address for r in canon.find_rdataset("toto.canon.", "A")] == ["127.0.1.2"]
    assert [r.address for r in canon.find_rdataset("ifrit.canon.", "AAAA")] == ["2001:db8:1::fe"]
    rev = dns.zone.from_text(texts[reverse6], origin=reverse6, relativize=False)
    owner = ipaddress.ip_address(TOTO6).reverse_pointer + "."
    assert [str(r.target) for r in rev.find_rdataset(owner, "PTR")] == ["toto.canon."]
    # Only the three interfaces given an ip6 have a PTR in the IPv6 reverse zone.
    assert sum(1 for _ in rev.iterate_rdatas("PTR")) == 3


@pytest.mark.skipif(shutil.which("named-checkzone") is None, reason="named-checkzone (bind9-utils) missing")
def test_dual_stack_zones_pass_named_checkzone(lab: Lab) -> None:
    check_zone_texts(lab_zone_texts(lab))  # -i local -k fail -M fail -S fail; raises on a refusal


def test_exports_cover_ipv6_clients(lab: Lab) -> None:
    assert resolve_clients(lab, "lab") == ["127.0.1.0/24", PREFIX]
    assert resolve_clients(lab, "toto") == ["127.0.1.2", TOTO6]
    assert resolve_clients(lab, "archimedes") == ["127.0.1.4"]  # no ip6 on its interface
    text = exports_text(lab, "nancy")
    assert f"/srv/backup 127.0.1.2(rw,sync,no_subtree_check) {TOTO6}(rw,sync,no_subtree_check)" in text
    assert f"{PREFIX}(ro,no_subtree_check)" in text


def test_host_data_and_firewall(lab: Lab) -> None:
    plan = build_plan(lab)
    discovery = json.loads(plan.artifact("hostdata", None, "discovery.json"))
    assert discovery["machines"]["toto"]["addresses"]["enp2s0"] == {
        "ip": "127.0.1.2",
        "ip6": TOTO6,
        "network": "lab",
    }
    # The firewall opens ports per interface: NixOS applies them to IPv4 and IPv6 alike.
    firewall = json.loads(plan.artifact("firewall", "ifrit", "firewall/ifrit.json"))
    assert firewall["networking"]["firewall"]["interfaces"]["lan0"]["allowedUDPPorts"] == [67]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('ip6 = "2001:db8:1::fe"', 'ip6 = "2001:db8:2::fe"', "outside the prefix6 of network 'lab'"),
        ('ip6 = "2001:db8:1::fe"', 'ip6 = "127.0.0.9"', "is not an IPv6 address"),
        ('ip6 = "2001:db8:1::fe"', 'ip6 = "fe::fe::1"', "neither an IPv6 address nor 'eui64'"),
        (
            'ip6 = "2001:db8:1::fe"',
            f'ip6 = "{TOTO6}"',
            "is already given to machines.toto.interfaces.enp2s0.ip6",
        ),
        (f'prefix6 = "{PREFIX}"', 'prefix6 = "127.0.0.0/8"', "is not an IPv6 prefix"),
        (f'prefix6 = "{PREFIX}"', 'prefix6 = "2001:db8:1::/56"', "eui64 needs the interface's MAC and a /64"),
    ],
)
def test_ipv6_faults(example_lab_copy: Path, old: str, new: str, message: str) -> None:
    dual_stack(example_lab_copy)
    path = example_lab_copy / "cadaster.toml"
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(ModelError) as caught:
        load_lab(example_lab_copy)
    assert message in str(caught.value)


def test_ip6_without_a_prefix_is_refused(example_lab_copy: Path) -> None:
    path = example_lab_copy / "cadaster.toml"
    path.write_text(path.read_text().replace('ip = "127.0.1.2"\n', 'ip = "127.0.1.2"\nip6 = "eui64"\n', 1))
    with pytest.raises(ModelError, match="network 'lab' has no prefix6"):
        load_lab(example_lab_copy)
