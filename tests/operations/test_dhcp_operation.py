"""The DHCP operation and fact, pyinfra fixture style: facts in, commands out."""

from __future__ import annotations

import hashlib

import pytest
from pyinfra.api import OperationError, OperationValueError

from elenta.facts.dhcp import DhcpLeases, DhcpServer
from elenta.operations import dhcp
from tests.operations.harness import FakeHost, run_operation

TEXT = '{"Dhcp4": {}}\n'
SHA = hashlib.sha256(TEXT.encode()).hexdigest()
KEA_INSTALLED = {"installed": ["kea-dhcp4"], "running": {}, "systemd": True}


def run(facts: dict, **kwargs) -> tuple[list, FakeHost]:
    host = FakeHost(facts, "ifrit")
    return run_operation(dhcp.config, host, **kwargs), host


def test_first_install_checks_then_moves_then_reloads() -> None:
    commands, _ = run(
        {"dhcp.DhcpServer": KEA_INSTALLED, "files.Sha256File": None}, content=TEXT, filename="kea-dhcp4.conf"
    )
    assert commands == [
        "mkdir -p /etc/kea",
        ["upload", TEXT, "/etc/kea/kea-dhcp4.conf.elenta-new"],
        "kea-dhcp4 -t /etc/kea/kea-dhcp4.conf.elenta-new || "
        "{ rm -f /etc/kea/kea-dhcp4.conf.elenta-new; exit 1; }",
        "mv -f /etc/kea/kea-dhcp4.conf.elenta-new /etc/kea/kea-dhcp4.conf",
        "{ systemctl reload-or-restart kea-dhcp4-server && "
        "systemctl is-active --quiet kea-dhcp4-server; } || "
        "{ if [ -f /etc/kea/kea-dhcp4.conf.elenta-old ]; then mv -f /etc/kea/kea-dhcp4.conf.elenta-old "
        "/etc/kea/kea-dhcp4.conf; systemctl reload-or-restart kea-dhcp4-server; fi; "
        "echo 'elenta: kea-dhcp4-server refused the new file' >&2; exit 1; }",
    ]


def test_changed_file_keeps_the_old_one_and_running_kea_gets_sighup() -> None:
    facts = {
        "dhcp.DhcpServer": {"installed": ["kea-dhcp4"], "running": {"kea-dhcp4": [812]}, "systemd": False},
        "files.Sha256File": "0" * 64,
    }
    commands, _ = run(facts, content=TEXT, filename="kea-dhcp4.conf", sandbox_interfaces=["lan0"])
    assert commands[2] == (
        "unshare --net sh -c 'ip link add lan0 type veth peer name elenta-peer0 && kea-dhcp4 -t "
        "/etc/kea/kea-dhcp4.conf.elenta-new' || { rm -f /etc/kea/kea-dhcp4.conf.elenta-new; exit 1; }"
    )
    assert commands[3] == "cp -p /etc/kea/kea-dhcp4.conf /etc/kea/kea-dhcp4.conf.elenta-old"
    assert commands[5].startswith("{ kill -HUP 812 && sleep 1 && kill -0 812; } ||")


def test_dnsmasq_without_a_manager_is_installed_not_reloaded() -> None:
    facts = {
        "dhcp.DhcpServer": {"installed": ["dnsmasq"], "running": {}, "systemd": False},
        "files.Sha256File": None,
    }
    commands, _ = run(facts, content="port=0\n", filename="dnsmasq.conf", check=False)
    assert commands == [
        "mkdir -p /etc/dnsmasq.d",
        ["upload", "port=0\n", "/etc/dnsmasq.d/elenta-dhcp.conf.elenta-new"],
        "mv -f /etc/dnsmasq.d/elenta-dhcp.conf.elenta-new /etc/dnsmasq.d/elenta-dhcp.conf",
    ]


def test_up_to_date_is_a_noop() -> None:
    commands, host = run(
        {"dhcp.DhcpServer": KEA_INSTALLED, "files.Sha256File": SHA}, content=TEXT, filename="kea-dhcp4.conf"
    )
    assert commands == []
    assert host.noop_description == "kea-dhcp4.conf is installed at /etc/kea/kea-dhcp4.conf"


def test_refusals() -> None:
    with pytest.raises(OperationError, match="kea-dhcp4 is not installed"):
        run(
            {"dhcp.DhcpServer": {"installed": [], "running": {}, "systemd": True}},
            content=TEXT,
            filename="kea-dhcp4.conf",
        )
    with pytest.raises(OperationValueError, match="unknown DHCP file"):
        run({}, content=TEXT, filename="dhcpd.conf")
    with pytest.raises(OperationValueError, match="absolute and normalised"):
        run({}, content=TEXT, filename="kea-dhcp4.conf", path="etc/../kea.conf")


def test_server_fact() -> None:
    fact = DhcpServer()
    assert "pidof" in fact.command()
    assert fact.process(["installed kea-dhcp4", "running kea-dhcp4 812 813", "systemd"]) == {
        "installed": ["kea-dhcp4"],
        "running": {"kea-dhcp4": [812, 813]},
        "systemd": True,
    }
    assert DhcpLeases().process(["a", " ", "b"]) == ["a", "b"]
