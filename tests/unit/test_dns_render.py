"""Zones rendered from the example lab: names, reverse zones, constellation domains, lint, TLD caution."""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elenta.compile.artifacts import build_artifacts
from elenta.dns.check import check_zone_texts
from elenta.dns.knot import knot_conf
from elenta.dns.render import (
    Origin,
    Record,
    Soa,
    Zone,
    ZoneError,
    _ptr_address,
    build_zones,
    lab_zone_texts,
    lint_zones,
    public_suffix,
    resolver_rules,
    reverse_name,
    reverse_zone,
    tld_warnings,
    zone_of,
)
from elenta.model.errors import ModelError
from elenta.model.lab import load_lab

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lab"


@pytest.fixture(scope="module")
def lab():
    return load_lab(EXAMPLE)


def copy_lab(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "lab", ignore=shutil.ignore_patterns(".elenta")))


def records(zones, zone):
    return {(r.name, r.rtype, r.value) for r in zones[zone].records}


def test_zones_of_the_example_lab(lab):
    zones = build_zones(lab)
    assert list(zones) == [
        "canon",
        "canon.lan",
        "canon.wifi",
        "1.0.127.in-addr.arpa",
        "2.0.127.in-addr.arpa",
        "3.0.127.in-addr.arpa",
        "example.lab",
    ]
    canon = records(zones, "canon")
    assert ("toto.canon", "A", "127.0.1.2") in canon
    assert ("dns.toto.canon", "A", "127.0.1.53") in canon  # alias interface
    assert ("lab.ifrit.canon", "A", "127.0.1.254") in canon  # one name per network
    assert ("home.ifrit.canon", "A", "127.0.2.254") in canon
    assert ("canon", "NS", "dns.toto.canon.") in canon
    assert ("toto.canon.lan", "A", "127.0.1.2") in records(zones, "canon.lan")
    assert ("archimedes.canon.wifi", "A", "127.0.3.4") in records(zones, "canon.wifi")
    rev = records(zones, "1.0.127.in-addr.arpa")
    assert ("2.1.0.127.in-addr.arpa", "PTR", "toto.canon.") in rev
    assert ("53.1.0.127.in-addr.arpa", "PTR", "dns.toto.canon.") in rev
    assert ("254.2.0.127.in-addr.arpa", "PTR", "home.ifrit.canon.") in records(zones, "2.0.127.in-addr.arpa")
    web = records(zones, "example.lab")
    assert ("www.example.lab", "CNAME", "archimedes.canon.") in web
    assert ("db-a.example.lab", "CNAME", "nancy.canon.") in web
    assert ("example.lab", "A", "127.0.1.4") in web  # bare domain follows redirect_bare_to = "www"
    assert zones["example.lab"].soa == Soa("dns.toto.canon.", "hostmaster.example.lab.")
    assert zones["1.0.127.in-addr.arpa"].soa.rname == "hostmaster.canon."


def test_every_cadaster_name_is_served_and_resolves_to_its_machine(lab):
    """Zones and `Cadaster.resolve` agree: each name of each address lives in a zone and names its machine."""
    zones = build_zones(lab)
    for entry in lab.cadaster.addresses():
        for name in entry.names:
            zone = zone_of(name, zones)
            assert zone is not None, name
            assert (name, "A", str(entry.ip)) in records(zones, zone)
            if entry.physical is None:  # Cadaster.resolve does not know alias names (dns.toto.canon)
                assert lab.cadaster.resolve(name).machine == entry.machine


@pytest.mark.parametrize(
    ("cidr", "zone"),
    [
        ("127.0.1.0/24", "1.0.127.in-addr.arpa"),
        ("127.0.0.0/16", "0.127.in-addr.arpa"),
        ("127.16.0.0/20", "16.127.in-addr.arpa"),
        ("127.0.1.64/26", "1.0.127.in-addr.arpa"),
        ("127.0.0.0/8", "127.in-addr.arpa"),
        ("fd00:1::/64", "0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa"),
    ],
)
def test_reverse_zone_on_octet_boundaries(cidr, zone):
    assert reverse_zone(ipaddress.ip_network(cidr)) == zone


def test_rendered_zones_pass_named_checkzone(lab):
    texts = lab_zone_texts(lab, serial=2026112600)
    assert "    2026112600 ; serial" in texts["canon"]
    assert "toto IN A 127.0.1.2" in texts["canon"]
    assert "2 IN PTR toto.canon." in texts["1.0.127.in-addr.arpa"]
    check_zone_texts(texts)  # raises on any refusal


def test_plan_artifacts_per_dns_host(lab):
    artifacts = [a for a in build_artifacts(lab) if a.subsystem == "dns"]
    paths = {a.path for a in artifacts}
    assert {a.machine for a in artifacts} == {"toto"}
    assert {"dns/zones/canon.zone", "dns/zones/example.lab.zone", "dns/knot.conf"} <= paths
    conf = next(a for a in artifacts if a.path == "dns/knot.conf").content.decode()
    assert 'listen: [ "127.0.1.53@53" ]' in conf
    dnsmasq = next(a for a in artifacts if a.path == "dns/resolver/dnsmasq.conf").content.decode()
    assert "server=/canon/127.0.1.53" in dnsmasq


def _add_constellation(path: Path, name: str, text: str) -> None:
    (path / "constellations" / name).write_text(text)


def test_a_name_two_constellations_claim_names_both(tmp_path):
    path = copy_lab(tmp_path)
    _add_constellation(
        path,
        "shop.toml",
        '[domains."example.lab".services.www]\nrole = "web"\nhost = "nancy"\n',
    )
    with pytest.raises(ZoneError) as caught:
        lab_zone_texts(load_lab(path))
    text = str(caught.value)
    assert 'homelab.toml: domains."example.lab".services.www: name www.example.lab is also claimed by' in text
    assert 'shop.toml: domains."example.lab".services.www' in text


def test_a_cname_beside_a_machine_name_names_the_cadaster_entry(tmp_path):
    path = copy_lab(tmp_path)
    _add_constellation(path, "clash.toml", '[domains.canon.services.toto]\nrole = "web"\nhost = "nancy"\n')
    with pytest.raises(ZoneError) as caught:
        lab_zone_texts(load_lab(path))
    fault = caught.value.faults[0]
    assert fault.file.endswith("clash.toml")
    assert fault.key == "domains.canon.services.toto"
    assert "CNAME toto.canon -> nancy.canon. sits beside other data" in fault.message
    assert "cadaster.toml: machines.toto.interfaces.enp2s0" in fault.message


def test_an_alias_named_like_a_network_subdomain_is_a_name_claimed_twice(tmp_path):
    path = copy_lab(tmp_path)
    cadaster = path / "cadaster.toml"
    cadaster.write_text(
        cadaster.read_text().replace(
            'ip = "127.0.1.254"\nprimary = true\n',
            'ip = "127.0.1.254"\nprimary = true\naliases.lan0_lab = { ip = "127.0.1.99", name = "lab" }\n',
        )
    )
    # The cadaster check finds it, before any zone is rendered.
    with pytest.raises(ModelError) as caught:
        load_lab(path)
    (fault,) = caught.value.faults
    assert fault.key == "machines.ifrit.interfaces.lan0.aliases.lan0_lab"
    assert "lab.ifrit.canon is already given to machines.ifrit.interfaces.lan0" in fault.message


def test_a_ptr_without_its_a():
    o = Origin("cadaster.toml", "machines.x.interfaces.eth0")
    soa = Soa("ns.canon.", "hostmaster.canon.")
    zones = {
        "canon": Zone("canon", 60, soa, [Record("x.canon", "A", "127.0.1.7", o)]),
        "1.0.127.in-addr.arpa": Zone(
            "1.0.127.in-addr.arpa", 60, soa, [Record("8.1.0.127.in-addr.arpa", "PTR", "x.canon.", o)]
        ),
    }
    faults = lint_zones(zones)
    assert [f.key for f in faults] == ["machines.x.interfaces.eth0"]
    assert faults[0].message == "PTR 8.1.0.127.in-addr.arpa -> x.canon has no A/AAAA 127.0.1.8"
    zones["canon"].records.append(Record("x.canon", "A", "127.0.1.8", o))
    assert lint_zones(zones) == []


def test_tld_caution(lab):
    assert public_suffix("canon") == "canon"
    assert public_suffix("lab.example.com") == "com"
    assert public_suffix("canon.home.arpa") is None
    assert public_suffix("canon.lan") is None
    warnings = tld_warnings(lab)
    assert len(warnings) == 1
    assert "zone canon is the public top-level domain .canon" in warnings[0]


def test_resolver_rules_keep_the_names_inside():
    rules = resolver_rules(["canon", "1.0.127.in-addr.arpa"], ["127.0.1.53"])
    assert "server=/canon/127.0.1.53" in rules["dnsmasq.conf"]
    assert 'name: "canon."' in rules["unbound.conf"] and "stub-first: no" in rules["unbound.conf"]
    assert "stub-addr: 127.0.1.53" in rules["unbound.conf"]


@pytest.mark.skipif(shutil.which("knotc") is None and not Path("/usr/sbin/knotc").exists(), reason="no knotc")
def test_knot_conf_passes_knots_own_check(tmp_path):
    import subprocess

    conf = tmp_path / "knot.conf"
    conf.write_text(knot_conf(["canon", "1.0.127.in-addr.arpa"], ["127.0.0.1@5353"], str(tmp_path)))
    knotc = shutil.which("knotc") or "/usr/sbin/knotc"
    proc = subprocess.run([knotc, "-c", str(conf), "conf-check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@given(
    st.one_of(
        st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1)),
        st.builds(ipaddress.IPv6Address, st.integers(0, 2**128 - 1)),
    ),
    st.integers(0, 128),
)
def test_ptr_owner_round_trips_and_sits_in_its_networks_reverse_zone(ip, prefix):
    prefix = min(prefix, ip.max_prefixlen)
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    owner = reverse_name(ip)
    assert _ptr_address(owner) == str(ip)
    zone = reverse_zone(network)
    assert owner == zone or owner.endswith("." + zone)
