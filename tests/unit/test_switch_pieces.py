"""Switch drivers, credentials, the running-config fact, backups and the remediation scope (pure)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from elenta.facts.switch import RunningConfig, read_fact
from elenta.model.cadaster import Credentials
from elenta.switch.backups import backups, save_backup
from elenta.switch.credentials import CredentialsError, load_credentials
from elenta.switch.diff import plan_change, restore_lines
from elenta.switch.drivers import CISCO_IOS, driver_for

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


def test_backups_never_overwrite_and_filter_by_reason(tmp_path: Path) -> None:
    first = save_backup(tmp_path, "sw1", "one\n", "before-apply")
    second = save_backup(tmp_path, "sw1", "two\n", "before-apply")
    other = save_backup(tmp_path, "sw1", "three\n", "backup")
    assert len({first, second, other}) == 3
    assert backups(tmp_path, "sw1", "before-apply") == [first, second]
    assert backups(tmp_path, "sw1")[-1] == other
    assert second.read_text() == "two\n"
    assert backups(tmp_path, "sw9") == []


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


def test_unlisted_port_is_reset_and_optionally_shut_down() -> None:
    moved = DESIRED.replace("FastEthernet0/1", "FastEthernet0/3")
    change = plan_change(CONFIGURED, moved, CISCO_IOS)
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
    shut = plan_change(CONFIGURED, DESIRED, CISCO_IOS, shutdown_unused=True)
    assert [line.strip() for line in shut.remediation] == [
        x for i in (2, 3, 4) for x in (f"interface FastEthernet0/{i}", "shutdown")
    ]


def test_unknown_port_is_reported() -> None:
    change = plan_change(BLANK, DESIRED.replace("FastEthernet0/1", "FastEthernet0/9"), CISCO_IOS)
    assert change.unknown_ports == ("FastEthernet0/9",)


def test_restore_lines_back_to_a_backup() -> None:
    assert [line.strip() for line in restore_lines(CONFIGURED, BLANK, CISCO_IOS)] == [
        "no vlan 10",
        "no vlan 99",
        "interface FastEthernet0/1",
        "no description toto:enp2s0",
        "no switchport access vlan 10",
        "no switchport mode access",
    ]
    assert restore_lines(BLANK, BLANK, CISCO_IOS) == ()
