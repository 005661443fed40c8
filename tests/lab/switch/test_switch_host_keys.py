"""Switch SSH host keys, against the emulators (Cisco IOS, Arista EOS, Dell DNOS 6, Junos/NETCONF).

A key pinned in the cadaster or found in the user's known_hosts is trusted; an unknown or changed
key is refused with exit 3, naming the switch, the key seen and the line to pin, and the emulator's
log proves that the password never reached it (it logs every password check).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest

from elenta.lab import switch_emulator
from elenta.lab.hosts import free_port
from elenta.lab.keys import ensure_switch_key, ensure_switch_keys, switch_public_key
from elenta.lab.state import lab_state_of
from elenta.lab.switch_emulator import SwitchEmulator
from elenta.model.lab import load_lab
from elenta.operations.switch import plan_switch
from elenta.switch.deploy_step import check_switches
from elenta.switch.host_keys import SwitchHostKeyError
from tests.cli import run_elenta
from tests.lab.switch.helpers import ADDRESSES, PASSWORD, write_lab
from tests.lab.switch.test_switch_dell import dell
from tests.lab.switch.test_switch_junos import on_junos
from tests.lab.switch.test_switch_trust import arista

PLATFORMS = {
    "cisco_2960_24TT_L": None,
    "arista_7048t": arista,
    "dell_n4032": dell,
    "juniper_ex2300_24t": on_junos("juniper_ex2300_24t"),
}
LOGIN = "login attempt for user"


def user_lab(tmp_path: Path, sw: SwitchEmulator, model: str, host_key: str | None = None) -> Path:
    """A lab whose sw1 is `sw`, with the user's own ssh config and known_hosts (both empty at first).

    The ssh config (the lab's `ssh.config`) names the lab's known_hosts file, so nothing of this
    machine's ~/.ssh takes part; `host_key` pins a key in the cadaster.
    """
    root = tmp_path / "lab"

    def mutate(data: dict) -> None:
        if PLATFORMS[model]:
            PLATFORMS[model](data)
        if host_key:
            data["machines"]["sw1"]["ssh"]["host_key"] = host_key

    write_lab(root, {"sw1": sw.port}, mutate)
    (root / "known_hosts").write_text("")
    (root / "ssh_config").write_text(
        f"UserKnownHostsFile {root / 'known_hosts'}\nGlobalKnownHostsFile /dev/null\n"
    )
    (root / "elenta.toml").write_text('[ssh]\nconfig = "ssh_config"\n')
    return root


def read_live(root: Path) -> tuple[int, str]:
    """`elenta net plan --live` (reads the switch over SSH or NETCONF): exit code and output."""
    result = run_elenta("net", "plan", "--live", "--switch", "sw1", "--lab", str(root), timeout=120)
    return result.returncode, result.stdout + result.stderr


def logins(log: Path) -> int:
    """How many password checks the emulator saw (then forget them)."""
    seen = log.read_text().count(LOGIN)
    log.write_text("")
    return seen


def other_key(tmp_path: Path) -> str:
    """A key of the right form that is not the switch's (its key as an attacker would not have it)."""
    key = switch_public_key(lab_state_of(tmp_path / "other"), "sw1")
    if key is None:
        ensure_switch_key(lab_state_of(tmp_path / "other"), "sw1")
        key = switch_public_key(lab_state_of(tmp_path / "other"), "sw1")
    assert key is not None
    return key


@pytest.mark.parametrize("model", list(PLATFORMS))
def test_a_pinned_key_is_trusted_and_a_changed_one_refused_before_the_password(
    tmp_path: Path, emulators, model: str
) -> None:
    sw = emulators("sw1", model=model, lab_root=tmp_path / "elsewhere")  # the lab has no key for it
    log = tmp_path / "sw1.log"
    root = user_lab(tmp_path, sw, model, host_key=sw.public_key)
    code, out = read_live(root)
    assert code == 0, out
    assert logins(log) >= 1  # the counter-proof: a trusted switch gets the login

    root = user_lab(tmp_path, sw, model, host_key=other_key(tmp_path))
    code, out = read_live(root)
    assert code == 3, out
    assert "switch sw1" in out and "host key CHANGED" in out
    assert f'host_key = "{sw.public_key}"' in out  # the key seen, as the line to pin
    assert "refused before the password was sent" in out and "Traceback" not in out
    assert logins(log) == 0  # the password never reached the switch


@pytest.mark.parametrize("model", list(PLATFORMS))
def test_an_unknown_key_is_refused_and_a_known_hosts_entry_is_honoured(
    tmp_path: Path, emulators, model: str
) -> None:
    sw = emulators("sw1", model=model, lab_root=tmp_path / "elsewhere")
    log = tmp_path / "sw1.log"
    root = user_lab(tmp_path, sw, model)
    code, out = read_live(root)
    assert code == 3, out
    assert "switch sw1" in out and "host key not known" in out
    assert str(root / "known_hosts") in out  # where it looked
    assert f'pin it in {root / "cadaster.json"} [machines.sw1] ssh: host_key = "{sw.public_key}"' in out
    assert logins(log) == 0

    (root / "known_hosts").write_text(f"[{ADDRESSES['sw1']}]:{sw.port} {sw.public_key}\n")
    code, out = read_live(root)
    assert code == 0, out
    assert logins(log) >= 1

    # A known_hosts entry with another key for the switch: changed, refused before the password.
    (root / "known_hosts").write_text(f"[{ADDRESSES['sw1']}]:{sw.port} {other_key(tmp_path)}\n")
    code, out = read_live(root)
    assert code == 3 and "host key CHANGED" in out, out
    assert logins(log) == 0


def test_host_key_alias_and_hashed_known_hosts_as_openssh_reads_them(tmp_path: Path, emulators) -> None:
    sw = emulators("sw1", lab_root=tmp_path / "elsewhere")
    root = user_lab(tmp_path, sw, "cisco_2960_24TT_L")
    hashed = paramiko.HostKeys.hash_host("core-switch")
    (root / "known_hosts").write_text(f"{hashed} {sw.public_key}\n")
    config = (root / "ssh_config").read_text()
    (root / "ssh_config").write_text(f"Host {ADDRESSES['sw1']}\n  HostKeyAlias core-switch\n\n" + config)
    code, out = read_live(root)
    assert code == 0, out


def test_the_lab_key_of_a_switch_is_trusted_and_the_pin_wins_over_it(tmp_path: Path, emulators) -> None:
    sw = emulators("sw1")  # serves the key the lab in tmp_path / "lab" made for sw1
    root = user_lab(tmp_path, sw, "cisco_2960_24TT_L")  # and the user's known_hosts is empty
    assert read_live(root)[0] == 0
    root = user_lab(tmp_path, sw, "cisco_2960_24TT_L", host_key=other_key(tmp_path))
    code, out = read_live(root)
    assert code == 3 and "host key CHANGED" in out, out


@pytest.mark.parametrize("model", ["cisco_2960_24TT_L", "juniper_ex2300_24t"])
def test_hostkeys_scan_prints_the_switch_key_to_pin(tmp_path: Path, emulators, model: str) -> None:
    sw = emulators("sw1", model=model, lab_root=tmp_path / "elsewhere")
    root = user_lab(tmp_path, sw, model)
    result = run_elenta("hostkeys", "scan", "--canon", "sw1.canon", "--lab", str(root), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[machines.sw1]" in result.stdout
    assert f'ssh.host_key = "{sw.public_key}"' in result.stdout
    assert logins(tmp_path / "sw1.log") == 0  # read without logging in
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr, result.stderr


def test_the_demo_way_lab_keys_then_the_emulator_program_with_host_key(tmp_path: Path) -> None:
    """As scripts/demo.sh: the lab makes sw1's key (`lab up` does), the emulator program serves it."""
    port = free_port(ADDRESSES["sw1"])
    root = tmp_path / "lab"
    keys = ensure_switch_keys(write_lab(root, {"sw1": port}))
    assert keys == {"sw1": lab_state_of(root).switch_key("sw1")}
    command = [sys.executable, switch_emulator.__file__, "--host", ADDRESSES["sw1"], "--port", str(port)]
    command += ["--host-key", str(keys["sw1"])]
    env = dict(os.environ, ELENTA_FAKE_SWITCH_PASSWORD=PASSWORD)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            code, out = read_live(root)
            if "connection refused" not in out:
                break
            time.sleep(0.2)
        assert code == 0, out
        assert load_lab(root).cadaster.machines["sw1"].ssh.host_key is None  # trusted through the lab state
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_one_untrusted_switch_refuses_the_run_before_any_switch_is_touched(tmp_path: Path, emulators) -> None:
    sw1, sw2 = emulators("sw1"), emulators("sw2")  # both serve the lab's keys…
    root = tmp_path / "lab"

    def pin_sw2(data: dict) -> None:  # …but the cadaster pins another key for sw2
        data["machines"]["sw2"]["ssh"]["host_key"] = other_key(tmp_path)

    lab = write_lab(root, {"sw1": sw1.port, "sw2": sw2.port}, pin_sw2)
    result = run_elenta("net", "apply", "--lab", str(root), timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode == 3, out
    assert "switch sw2" in out and "host key CHANGED" in out and "sw1" not in out.replace("sw1.", "")
    assert logins(tmp_path / "sw1.log") == 0  # sw1 was not logged into, let alone changed
    assert logins(tmp_path / "sw2.log") == 0
    # The deploy's switch step checks the same before any host is touched.
    with pytest.raises(SwitchHostKeyError, match="switch sw2"):
        check_switches(lab, ["sw1", "sw2"])


def test_a_frozen_switch_fails_once_within_its_timeout_and_the_others_are_applied(
    tmp_path: Path, emulators
) -> None:
    """The key check before the run does not make a frozen switch wait twice (check, then session)."""
    sw1, sw2 = emulators("sw1"), emulators("sw2")
    write_lab(tmp_path / "lab", {"sw1": sw1.port, "sw2": sw2.port})  # timeout = 10 s for sw1
    os.kill(sw1.process.pid, signal.SIGSTOP)  # frozen: the kernel still accepts the connection
    try:
        started = time.monotonic()
        result = run_elenta("net", "apply", "--lab", str(tmp_path / "lab"), timeout=120)
        took = time.monotonic() - started
    finally:
        os.kill(sw1.process.pid, signal.SIGCONT)
    out = result.stdout + result.stderr
    assert result.returncode == 4, out
    assert "switch sw1" in out and "no SSH session within 10 s" in out and took < 20, (took, out)
    assert logins(tmp_path / "sw2.log") >= 1  # the reachable switch was applied


@pytest.mark.parametrize("model", ["cisco_2960_24TT_L", "juniper_ex2300_24t"])
def test_a_pin_of_another_key_type_is_a_changed_key(tmp_path: Path, emulators, model: str) -> None:
    """Only the pinned key's type is negotiated; a switch without it offers a changed key."""
    sw = emulators("sw1", model=model, lab_root=tmp_path / "elsewhere")  # serves ed25519 only
    rsa = paramiko.RSAKey.generate(2048)
    root = user_lab(tmp_path, sw, model, host_key=f"ssh-rsa {rsa.get_base64()}")
    with pytest.raises(SwitchHostKeyError, match="host key CHANGED") as err:
        plan_switch(load_lab(root), "sw1", live=True)  # the session alone, no check before it
    assert f'host_key = "{sw.public_key}"' in str(err.value)
    assert logins(tmp_path / "sw1.log") == 0
