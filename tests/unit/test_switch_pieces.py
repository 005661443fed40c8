"""Switch drivers, credentials, the running-config fact, backups and the remediation scope (pure)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from elenta.facts.switch import RunningConfig, read_fact
from elenta.model.cadaster import Credentials
from elenta.switch.backups import backups, find_backup, history, save_backup, scrub
from elenta.switch.credentials import CredentialsError, load_credentials
from elenta.switch.diff import Scope, plan_change, restore_lines, touched_sections
from elenta.switch.drivers import CISCO_IOS, driver_for
from elenta.switch.naming import canonical_interface, expand_ports

BLANK = (
    "version 12.1\n!\nhostname switch\n!\nvlan 1\n!\n"
    + "".join(f"interface FastEthernet0/{i}\n!\n" for i in range(1, 5))
    + "interface Vlan1\n no ip address\n!\nend\n"
)

DESIRED = """vlan 10
 name lab
!
interface FastEthernet0/1
 description toto:enp2s0
 switchport access vlan 10
 switchport mode access
!
"""

CONFIGURED = BLANK.replace(
    "vlan 1\n!\n", "vlan 1\n!\nvlan 10\n name lab\n!\nvlan 99\n name other\n!\n"
).replace(
    "interface FastEthernet0/1\n!",
    "interface FastEthernet0/1\n description toto:enp2s0\n switchport access vlan 10\n"
    " switchport mode access\n!",
)


def test_error_pattern_catches_device_refusals_only() -> None:
    pattern = re.compile(CISCO_IOS.error_pattern, re.M)
    for reply in (
        "% Invalid input detected at '^' marker.",
        "% Incomplete command.",
        "No such command : end",
        "Command rejected: Bad VLAN list",
    ):
        assert pattern.search(f"switch(config)#x\n{reply}\nswitch(config)#"), reply
    assert not pattern.search("switch(config-if)#description 100% up\nswitch(config-if)#")


def test_driver_lookup_and_physical_ports() -> None:
    assert driver_for("cisco_ios") is CISCO_IOS
    with pytest.raises(KeyError, match="unsupported switch platform 'junos'"):
        driver_for("junos")
    assert CISCO_IOS.canonical("Gi0/1") == "GigabitEthernet0/1"
    assert CISCO_IOS.vlan_of_section("vlan 10") == 10 and CISCO_IOS.vlan_of_section("vlan x") is None
    assert CISCO_IOS.is_port_section("interface Port-channel1")
    assert not CISCO_IOS.is_port_section("interface Vlan10")
    assert CISCO_IOS.is_physical_port("interface GigabitEthernet0/1")
    assert not CISCO_IOS.is_physical_port("interface Vlan10")
    assert not CISCO_IOS.is_physical_port("interface Port-channel1")


def test_credentials_from_env_and_file_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SW_PW", "s3cret-env")
    creds = load_credentials(Credentials(username="admin", password_env="SW_PW"), "k", tmp_path)
    assert (creds.username, creds.password, creds.secret) == ("admin", "s3cret-env", "s3cret-env")
    assert "s3cret" not in repr(creds) and "s3cret" not in str(creds)
    (tmp_path / "pw").write_text("s3cret-file\n")
    monkeypatch.setenv("SW_EN", "enable-me")
    creds = load_credentials(Credentials(password_file="pw", enable_env="SW_EN"), "k", tmp_path)
    assert (creds.password, creds.secret) == ("s3cret-file", "enable-me")


def test_missing_credentials_name_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SW_NOPE", raising=False)
    with pytest.raises(
        CredentialsError, match=r"^c.toml: machines.sw1.switch.credentials.password_env: .*SW_NOPE"
    ):
        load_credentials(
            Credentials(password_env="SW_NOPE"), "c.toml: machines.sw1.switch.credentials", tmp_path
        )
    with pytest.raises(CredentialsError, match="password_file: cannot read"):
        load_credentials(Credentials(password_file="absent"), "k", tmp_path)


class _Recorded:
    def __init__(self, reply: str) -> None:
        self.reply, self.sent = reply, []

    def send_command(self, command_string: str, **kwargs: object) -> str:
        self.sent.append(command_string)
        return self.reply


def test_running_config_fact_strips_the_banner() -> None:
    reply = (
        "Building configuration...\r\n\r\nCurrent configuration : 42 bytes\r\nversion 12.1\r\n!\r\nend\r\n"
    )
    connection = _Recorded(reply)
    assert read_fact(connection, RunningConfig(CISCO_IOS)) == "version 12.1\n!\nend\n"
    assert connection.sent == ["show running-config"]


def test_backups_are_commits_scrubbed_and_private(tmp_path: Path) -> None:
    first = save_backup(tmp_path, "sw1", "one\n", "before-apply")
    second = save_backup(tmp_path, "sw1", "one\n", "before-apply")  # unchanged: still its own commit
    other = save_backup(tmp_path, "sw1", "enable secret 5 $1$xyz\nusername root secret 5 $1$abc\n", "backup")
    assert len({first.commit, second.commit, other.commit}) == 3
    assert [b.commit for b in backups(tmp_path, "sw1", "before-apply")] == [first.commit, second.commit]
    assert backups(tmp_path, "sw1")[-1].commit == other.commit
    assert first.read_text() == "one\n"
    assert "$1$" not in other.read_text() and "enable secret 5 <secret removed>" in other.read_text()
    assert find_backup(tmp_path, "sw1", first.commit[:8]).commit == first.commit
    assert backups(tmp_path, "sw9") == []
    repo = tmp_path / "switches"
    assert (repo / "sw1.cfg").stat().st_mode & 0o777 == 0o600
    assert (repo / ".git").stat().st_mode & 0o077 == 0
    log = history(tmp_path, "sw1")
    assert log.count("sw1: before-apply") == 2 and "+enable secret 5 <secret removed>" in log
    assert scrub("snmp-server community public RO\n") == "snmp-server community <secret removed> RO\n"


def test_interface_names_are_canonical() -> None:
    assert canonical_interface("Fa0/1", "cisco_ios") == "FastEthernet0/1"
    assert canonical_interface("gi0/2", "cisco_ios") == "GigabitEthernet0/2"
    assert canonical_interface("Po1", "cisco_ios") == "Port-channel1"
    assert canonical_interface("FastEthernet0/1", "cisco_ios") == "FastEthernet0/1"
    assert canonical_interface("Et3", "arista_eos") == "Ethernet3"
    assert canonical_interface("ge-0/0/1", "juniper_junos") == "ge-0/0/1"
    assert expand_ports("Fa0/1-3", "cisco_ios") == [f"FastEthernet0/{i}" for i in (1, 2, 3)]
    with pytest.raises(ValueError):
        expand_ports("Fa0/3-1", "cisco_ios")


def test_blank_switch_gets_everything_and_a_rollback() -> None:
    change = plan_change(BLANK, DESIRED, CISCO_IOS)
    assert [line.strip() for line in change.remediation] == [
        "vlan 10",
        "name lab",
        "interface FastEthernet0/1",
        "switchport mode access",
        "description toto:enp2s0",
        "switchport access vlan 10",
    ]
    assert "no vlan 10" in [line.strip() for line in change.rollback]


def test_scope_leaves_foreign_vlans_and_svis_alone_and_is_idempotent() -> None:
    change = plan_change(CONFIGURED, DESIRED, CISCO_IOS)
    assert change.empty and not change.rollback


def test_unowned_ports_are_never_touched_owned_ones_are_reset() -> None:
    moved = DESIRED.replace("FastEthernet0/1", "FastEthernet0/3")
    # Fa0/1 is not in the scope (elenta never configured it): left as it is.
    assert [line.strip() for line in plan_change(CONFIGURED, moved, CISCO_IOS).remediation] == [
        "interface FastEthernet0/3",
        "switchport mode access",
        "description toto:enp2s0",
        "switchport access vlan 10",
    ]
    owned = Scope(frozenset({10}), frozenset({"FastEthernet0/1", "FastEthernet0/3"}))
    change = plan_change(CONFIGURED, moved, CISCO_IOS, owned)
    assert [line.strip() for line in change.remediation] == [
        "interface FastEthernet0/3",
        "switchport mode access",
        "description toto:enp2s0",
        "switchport access vlan 10",
        "interface FastEthernet0/1",
        "no description toto:enp2s0",
        "no switchport access vlan 10",
        "no switchport mode access",
    ]
    assert change.sections == {"interface FastEthernet0/1", "interface FastEthernet0/3"}
    ranged = Scope(frozenset({10}), frozenset(f"FastEthernet0/{i}" for i in range(1, 5)))
    shut = plan_change(CONFIGURED, DESIRED, CISCO_IOS, ranged, shutdown_unused=True)
    assert [line.strip() for line in shut.remediation] == [
        x for i in (2, 3, 4) for x in (f"interface FastEthernet0/{i}", "shutdown")
    ]


def test_vlans_elenta_created_and_dropped_are_removed_others_stay() -> None:
    without_vlan = DESIRED.replace("vlan 10\n name lab\n!\n", "")
    # VLAN 10 not in the desired text, not recorded as elenta's: left alone (as VLAN 99).
    assert plan_change(CONFIGURED, without_vlan, CISCO_IOS).empty
    created = Scope(frozenset({10}), frozenset({"FastEthernet0/1"}))
    change = plan_change(CONFIGURED, without_vlan, CISCO_IOS, created)
    assert [line.strip() for line in change.remediation] == ["no vlan 10"]


def test_settings_elenta_does_not_manage_are_kept_on_a_managed_port() -> None:
    hand = CONFIGURED.replace(
        " switchport mode access\n", " switchport mode access\n storm-control broadcast level 20.00\n"
    )
    assert plan_change(hand, DESIRED, CISCO_IOS).empty
    moved = plan_change(hand, DESIRED.replace("access vlan 10", "access vlan 20"), CISCO_IOS)
    assert [line.strip() for line in moved.remediation] == [
        "interface FastEthernet0/1",
        "switchport access vlan 20",
    ]


def test_unknown_port_is_reported() -> None:
    change = plan_change(BLANK, DESIRED.replace("FastEthernet0/1", "FastEthernet0/9"), CISCO_IOS)
    assert change.unknown_ports == ("FastEthernet0/9",)


def test_restore_lines_only_inside_the_sections() -> None:
    sections = {"vlan 10", "interface FastEthernet0/1"}
    assert [line.strip() for line in restore_lines(CONFIGURED, BLANK, CISCO_IOS, sections)] == [
        "no vlan 10",
        "interface FastEthernet0/1",
        "no description toto:enp2s0",
        "no switchport access vlan 10",
        "no switchport mode access",
    ]  # vlan 99 (not elenta's) survives
    assert restore_lines(BLANK, BLANK, CISCO_IOS, sections) == ()
    assert touched_sections(["vlan 10", " name lab", "no vlan 40"]) == {"vlan 10", "vlan 40"}


def test_mac_table_and_lldp_facts_parse_ios_replies() -> None:
    from elenta.facts.switch import LldpNeighbors, MacTable

    macs = (
        "          Mac Address Table\n-------------------------------------------\n\n"
        "Vlan    Mac Address       Type        Ports\n----    -----------       --------    -----\n"
        "  10    5254.0000.0102    DYNAMIC     Fa0/1\n"
        "  30    52:54:00:00:03:01 DYNAMIC     Gi0/1\n"
        "Total Mac Addresses for this criterion: 2\n"
    )
    assert MacTable(CISCO_IOS).process(macs) == [
        (10, "52:54:00:00:01:02", "FastEthernet0/1"),
        (30, "52:54:00:00:03:01", "GigabitEthernet0/1"),
    ]
    lldp = (
        "Capability codes:\n    (R) Router, (B) Bridge, (T) Telephone\n\n"
        "Device ID           Local Intf     Hold-time  Capability      Port ID\n"
        "wrt.canon           Gi0/1          120        B,R             lan\n"
        "toto                Fa0/1          120                        enp2s0\n\n"
        "Total entries displayed: 2\n"
    )
    assert LldpNeighbors(CISCO_IOS).process(lldp) == [
        ("GigabitEthernet0/1", "wrt.canon", "lan"),
        ("FastEthernet0/1", "toto", "enp2s0"),
    ]
