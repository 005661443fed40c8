"""A switch's `ssh` table: only what elenta uses to reach a switch is accepted."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli import run_elenta

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lab"


def _lab_with_sw1_ssh(tmp_path: Path, ssh: str) -> Path:
    lab = tmp_path / "lab"
    shutil.copytree(EXAMPLE, lab, ignore=shutil.ignore_patterns(".elenta"))
    cadaster = lab / "cadaster.toml"
    text = cadaster.read_text()
    assert text.count("ssh = { port = 2222 }") == 1
    cadaster.write_text(text.replace("ssh = { port = 2222 }", ssh))
    return lab


def test_ssh_keys_a_switch_would_ignore_are_refused_naming_each(tmp_path: Path) -> None:
    lab = _lab_with_sw1_ssh(tmp_path, 'ssh = { port = 2222, user = "admin", proxy_jump = "bastion" }')
    done = run_elenta("check", str(lab))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for key in ("user", "proxy_jump"):
        assert f"cadaster.toml: machines.sw1.ssh.{key}: a switch takes only ssh.port and ssh.host_key" in (
            done.stderr
        )
    assert "machines.sw1.ssh.port" not in done.stderr


def test_port_and_host_key_are_what_a_switch_takes(tmp_path: Path) -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx3ErQeJbXGe5vEbF8Gq1Ck2tLk5r8G3oWqQm9n1e7Z"
    lab = _lab_with_sw1_ssh(tmp_path, f'ssh = {{ port = 2222, host_key = "{key}" }}')
    done = run_elenta("check", str(lab))
    assert done.returncode == 0, done.stdout + done.stderr
