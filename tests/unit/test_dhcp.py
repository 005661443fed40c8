"""DHCP from the cadaster, pure: scopes, the Kea and dnsmasq files, and the faults the model refuses."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from elenta.compile.plan import build_plan
from elenta.dhcp.apply import plan_report
from elenta.dhcp.dnsmasq import dnsmasq_text
from elenta.dhcp.kea import kea4_config, kea6_config
from elenta.dhcp.render import server_files
from elenta.dhcp.scopes import dhcp_services
from elenta.inventory import machine_subsystems
from elenta.model.errors import ModelError
from elenta.model.lab import load_lab
from tests.conftest import EXAMPLE_LAB


def edit(lab_dir: Path, cadaster: str = "", constellation: str = "") -> Path:
    """Append TOML to the copy's cadaster or constellation."""
    if cadaster:
        path = lab_dir / "cadaster.toml"
        path.write_text(path.read_text() + "\n" + cadaster)
    if constellation:
        path = lab_dir / "constellations" / "homelab.toml"
        path.write_text(path.read_text() + "\n" + constellation)
    return lab_dir


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_example_lab_scope() -> None:
    lab = load_lab(EXAMPLE_LAB)
    (server,) = dhcp_services(lab)
    assert (server.machine, server.kind) == ("ifrit", "kea")
    (scope,) = server.scopes
    assert (scope.network, scope.interface, str(scope.server_ip)) == ("lab", "lan0", "127.0.1.254")
    assert str(scope.router) == "127.0.1.254"  # gateway = "ifrit"
    assert [str(ip) for ip in scope.dns] == ["127.0.1.53"]  # the DNS role's alias address
    assert scope.search == ("canon",)
    by_mac = {r.mac: r for r in scope.reservations}
    assert by_mac["52:54:00:00:01:02"].hostname == "toto.canon"
    assert str(by_mac["52:54:00:00:01:02"].ip) == "127.0.1.2"
    assert by_mac["52:54:00:00:01:05"].netboot  # hermes
    # Only the lab network's interfaces: archimedes' wifi MAC is not served here.
    assert "52:54:00:00:03:04" not in by_mac
    assert scope.boot is not None and str(scope.boot.next_server) == "127.0.1.4"  # archimedes' store
    assert "dhcp" in machine_subsystems(lab, "ifrit")


def test_kea_config_reservations_options_pool() -> None:
    (server,) = dhcp_services(load_lab(EXAMPLE_LAB))
    config = kea4_config(server)["Dhcp4"]
    (subnet,) = config["subnet4"]
    assert subnet["subnet"] == "127.0.1.0/24" and subnet["interface"] == "lan0"
    assert subnet["pools"] == [{"pool": "127.0.1.200 - 127.0.1.239"}]
    options = {o["name"]: o["data"] for o in subnet["option-data"]}
    assert options == {
        "routers": "127.0.1.254",
        "domain-name-servers": "127.0.1.53",
        "domain-name": "canon",
        "domain-search": "canon",
    }
    hermes = next(r for r in subnet["reservations"] if r["hw-address"] == "52:54:00:00:01:05")
    assert hermes == {
        "hw-address": "52:54:00:00:01:05",
        "ip-address": "127.0.1.5",
        "hostname": "hermes.canon",
        "client-classes": ["elenta-netboot"],
    }
    classes = {c["name"]: c for c in config["client-classes"]}
    assert classes["elenta-ipxe"]["boot-file-name"] == "http://127.0.1.4/boot.ipxe"
    assert classes["elenta-bios"]["boot-file-name"] == "undionly.kpxe"
    assert kea6_config(server) is None  # no IPv6 prefix on lab


def test_dnsmasq_text(example_lab_copy: Path) -> None:
    replace(example_lab_copy / "constellations" / "homelab.toml", 'server = "kea"', 'server = "dnsmasq"')
    (server,) = dhcp_services(load_lab(example_lab_copy))
    text = dnsmasq_text(server)
    lines = text.splitlines()
    assert "port=0" in lines and "interface=lan0" in lines
    assert "dhcp-range=set:elenta-lab,127.0.1.200,127.0.1.239,255.255.255.0,3600" in lines
    assert "dhcp-option=tag:elenta-lab,option:router,127.0.1.254" in lines
    assert "dhcp-host=52:54:00:00:01:02,127.0.1.2,toto.canon" in lines
    assert "dhcp-host=52:54:00:00:01:05,set:elenta-netboot,127.0.1.5,hermes.canon" in lines
    assert list(server_files(server)) == ["dnsmasq.conf"]


def test_no_range_means_static_only(example_lab_copy: Path) -> None:
    replace(example_lab_copy / "cadaster.toml", 'range = ["127.0.1.200", "127.0.1.239"], ', "")
    (server,) = dhcp_services(load_lab(example_lab_copy))
    assert kea4_config(server)["Dhcp4"]["subnet4"][0]["pools"] == []
    replace(example_lab_copy / "constellations" / "homelab.toml", 'server = "kea"', 'server = "dnsmasq"')
    (server,) = dhcp_services(load_lab(example_lab_copy))
    assert "dhcp-range=set:elenta-lab,127.0.1.0,static,255.255.255.0,3600" in dnsmasq_text(server)


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ('dhcp = { range = ["127.0.1.200", "127.0.1.239"]', 'dhcp = { range = ["127.0.2.100", "127.0.2.199"]',
         "networks.lab.dhcp.range", "is not inside network 'lab'"),
        ('dhcp = { range = ["127.0.1.200", "127.0.1.239"]', 'dhcp = { range = ["127.0.1.239", "127.0.1.200"]',
         "networks.lab.dhcp.range", "starts (127.0.1.239) after it ends"),
        ('dhcp = { range = ["127.0.1.200", "127.0.1.239"]', 'dhcp = { range = ["127.0.1.2", "127.0.1.9"]',
         "networks.lab.dhcp.range", "127.0.1.2 of machines.toto.interfaces.enp2s0 is inside"),
        ('gateway = "ifrit"', 'gateway = "modem"', "networks.lab.gateway", "has no interface on"),
        ('gateway = "ifrit"', 'gateway = "127.0.2.1"', "networks.lab.gateway", "outside network 'lab'"),
        ("lease = 3600 }", 'lease = 3600, dns = ["127.0.1.53", "tot"] }', "networks.lab.dhcp.dns[1]",
         "no machine named 'tot'"),
    ],
)  # fmt: skip
def test_cadaster_dhcp_faults(example_lab_copy: Path, old: str, new: str, where: str, message: str) -> None:
    replace(example_lab_copy / "cadaster.toml", old, new)
    with pytest.raises(ModelError) as caught:
        load_lab(example_lab_copy)
    assert any(f.key == where and message in f.message for f in caught.value.faults), caught.value


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('networks = ["lab"]', 'networks = ["nowhere"]', "unknown network 'nowhere'"),
        (
            'networks = ["lab"]',
            'networks = ["wifi"]',
            "ifrit serves DHCP on 'wifi' but has no interface there",
        ),
    ],
)
def test_role_dhcp_faults(example_lab_copy: Path, old: str, new: str, message: str) -> None:
    replace(example_lab_copy / "constellations" / "homelab.toml", old, new)
    with pytest.raises(ModelError) as caught:
        dhcp_services(load_lab(example_lab_copy))
    (fault,) = caught.value.faults
    assert fault.file.endswith("homelab.toml") and fault.key == "roles.firewall.dhcp.networks[0]"
    assert message in fault.message


def test_two_servers_on_one_network_refused(example_lab_copy: Path) -> None:
    replace(
        example_lab_copy / "constellations" / "homelab.toml",
        "[roles.nfs]\nnfs = true",
        '[roles.nfs]\nnfs = true\ndhcp = { server = "dnsmasq", networks = ["lab"] }',
    )
    with pytest.raises(ModelError, match=r"network 'lab' is served by nancy already"):
        dhcp_services(load_lab(example_lab_copy))


@pytest.mark.parametrize("base", ['"http://x/a b"', '"http://x/\\",evil"', '"ftp://x"', "3"])
def test_netboot_http_base_is_checked(example_lab_copy: Path, base: str) -> None:
    replace(
        example_lab_copy / "constellations" / "homelab.toml",
        'data = { elenta_netboot_store = "/srv/netboot" }',
        f'data = {{ elenta_netboot_store = "/srv/netboot", elenta_netboot_http_base = {base} }}',
    )
    with pytest.raises(ModelError) as caught:
        dhcp_services(load_lab(example_lab_copy))
    assert caught.value.faults[0].key == "machines.archimedes.data.elenta_netboot_http_base"


def test_dual_stack_scope_renders_kea6_and_dnsmasq(example_lab_copy: Path) -> None:
    replace(
        example_lab_copy / "cadaster.toml",
        'cidr = "127.0.1.0/24"',
        'cidr = "127.0.1.0/24"\nprefix6 = "fd00:1::/64"',
    )
    replace(example_lab_copy / "cadaster.toml", 'ip = "127.0.1.2"', 'ip = "127.0.1.2"\nip6 = "eui64"')
    lab = load_lab(example_lab_copy)
    (server,) = dhcp_services(lab)
    v6 = kea6_config(server)
    assert v6 is not None
    (subnet,) = v6["Dhcp6"]["subnet6"]
    assert subnet["subnet"] == "fd00:1::/64"
    assert subnet["reservations"] == [
        {
            "hw-address": "52:54:00:00:01:02",
            "ip-addresses": ["fd00:1::5054:ff:fe00:102"],
            "hostname": "toto.canon",
        }
    ]
    assert set(server_files(server)) == {"kea-dhcp4.conf", "kea-dhcp6.conf"}
    replace(example_lab_copy / "constellations" / "homelab.toml", 'server = "kea"', 'server = "dnsmasq"')
    (server,) = dhcp_services(load_lab(example_lab_copy))
    text = dnsmasq_text(server)
    assert "dhcp-range=set:elenta-lab,fd00:1::,static,64,3600" in text
    assert "dhcp-host=52:54:00:00:01:02,127.0.1.2,[fd00:1::5054:ff:fe00:102],toto.canon" in text


def test_plan_carries_dhcp_artifacts_and_report() -> None:
    lab = load_lab(EXAMPLE_LAB)
    plan = build_plan(lab)
    config = json.loads(plan.artifact("dhcp", "ifrit", "dhcp/ifrit/kea-dhcp4.conf"))
    assert config["Dhcp4"]["subnet4"][0]["subnet"] == "127.0.1.0/24"
    assert plan.manifest["installed"]["ifrit"]["/etc/kea/kea-dhcp4.conf"] == "dhcp/dhcp/ifrit/kea-dhcp4.conf"
    nix = plan.artifact("dhcp", "ifrit", "dhcp/ifrit/dhcp.nix").decode()
    assert "services.kea.dhcp4.configFile" in nix
    report = plan_report(lab)
    assert "52:54:00:00:01:05  127.0.1.5  hermes.canon (netboot)" in report


def test_dhcp_role_parses_in_constellation() -> None:
    data = tomllib.loads((EXAMPLE_LAB / "constellations" / "homelab.toml").read_text())
    assert data["roles"]["firewall"]["dhcp"] == {"server": "kea", "networks": ["lab"]}


@pytest.mark.skipif(shutil.which("kea-dhcp4") is None, reason="kea-dhcp4 is not installed")
def test_example_lab_passes_the_servers_parsers(example_lab_copy: Path) -> None:
    from elenta.dhcp.apply import check

    assert check(load_lab(EXAMPLE_LAB)) == ["ifrit.canon: kea-dhcp4.conf accepted by its server's parser"]
    replace(example_lab_copy / "constellations" / "homelab.toml", 'server = "kea"', 'server = "dnsmasq"')
    assert check(load_lab(example_lab_copy)) == ["ifrit.canon: dnsmasq.conf accepted by its server's parser"]


@pytest.mark.parametrize("server", ["kea", "dnsmasq"])
def test_reservation_diff(example_lab_copy: Path, server: str) -> None:
    from elenta.dhcp.diff import diff_configs, read_config

    homelab = example_lab_copy / "constellations" / "homelab.toml"
    replace(homelab, 'server = "kea"', f'server = "{server}"')
    (before,) = dhcp_services(load_lab(example_lab_copy))
    old = read_config(server_files(before))
    assert diff_configs(old, old) == []
    cadaster = example_lab_copy / "cadaster.toml"
    replace(cadaster, 'ip = "127.0.1.3"', 'ip = "127.0.1.13"')  # nancy moves
    replace(cadaster, 'mac = "52:54:00:00:01:05"', 'mac = "52:54:00:00:01:06"')  # hermes' new card
    replace(cadaster, 'range = ["127.0.1.200", "127.0.1.239"], ', "")
    (after,) = dhcp_services(load_lab(example_lab_copy))
    lines = diff_configs(old, read_config(server_files(after)))
    network = {"kea": "127.0.1.0/24", "dnsmasq": "lab"}[server]
    rng = {"kea": "127.0.1.200-127.0.1.239", "dnsmasq": "127.0.1.200-127.0.1.239"}[server]
    assert f"~ {network}: range {rng} -> none" in lines
    assert f"~ {network}: 52:54:00:00:01:03 127.0.1.3 nancy.canon -> 127.0.1.13 nancy.canon" in lines
    assert f"- {network}: 52:54:00:00:01:05 127.0.1.5 hermes.canon" in lines
    assert f"+ {network}: 52:54:00:00:01:06 127.0.1.5 hermes.canon" in lines


def test_plan_report_shows_the_change_against_the_applied_plan(example_lab_copy: Path, monkeypatch) -> None:
    lab = load_lab(example_lab_copy)
    assert "nothing applied yet" in plan_report(lab)
    # The applied plan is this lab's own plan (the history's lookup is not what is tested here).
    monkeypatch.setattr("elenta.compile.rollout.applied_plan", lambda lab, scope=None: build_plan(lab))
    assert plan_report(lab).endswith(": no change")
