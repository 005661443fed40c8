"""`elenta dns plan|apply` as a user runs it: output, exit codes, and the pyinfra command it builds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from elenta.dns.push import apply_command, plan_report
from elenta.dns.render import lab_zone_texts
from elenta.model.lab import load_lab

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "lab"


def elenta(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from elenta.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ELENTA_STATE_DIR": str(state),
        },
        timeout=120,
    )


def test_dns_plan_of_the_example_lab(tmp_path):
    result = elenta("dns", "plan", "--lab", str(EXAMPLE), state=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert result.stderr.startswith("warning: zone canon is the public top-level domain .canon")
    assert "warning" not in out  # stdout holds the plan alone
    assert "7 zones valid (named-checkzone -i local, elenta lint); served by toto" in out
    assert "  zone canon: 16 new, 0 changed, 0 removed" in out
    assert "    + toto A 127.0.1.2" in out


def test_dns_plan_diffs_against_the_zones_last_verified(tmp_path, monkeypatch):
    monkeypatch.setenv("ELENTA_STATE_DIR", str(tmp_path))
    lab = load_lab(EXAMPLE)

    served = tmp_path / "dns" / "toto"
    served.mkdir(parents=True)
    for zone, text in lab_zone_texts(lab, serial=2026010100).items():
        (served / f"{zone}.zone").write_text(text.replace("hermes IN A 127.0.1.5", "hermes IN A 127.0.1.6"))
    report = plan_report(lab)
    assert (
        "  zone canon: 0 new, 1 changed, 0 removed\n    - hermes A 127.0.1.6\n    + hermes A 127.0.1.5"
        in report
    )
    bumped = report.split("new serials: ")[1].splitlines()[0]
    assert [entry.split()[0] for entry in bumped.split(", ")] == ["canon", "canon.lan"]  # the PTR kept .5


def test_unknown_action(tmp_path):
    result = elenta("dns", "frobnicate", "--lab", str(EXAMPLE), state=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate' (choose from 'plan', 'apply')" in result.stderr


def test_apply_command_targets_the_dns_role_by_cadaster_address(tmp_path, monkeypatch):
    from elenta.pipeline.pyinfra_command import DEPLOY, INVENTORY

    monkeypatch.setenv("ELENTA_STATE_DIR", str(tmp_path))
    command, env = apply_command(load_lab(EXAMPLE), force=True)
    assert command[1:4] == ["-m", "pyinfra", "-y"]  # no --no-wait: pyinfra's exit code tells a failure
    assert command[4:6] == [str(INVENTORY), str(DEPLOY)]  # the pipeline's own inventory and deploy file
    assert "elenta_dns_force=1" in command
    assert json.loads(env["ELENTA_SELECT"]) == {"canons": ["toto.canon"]}
    assert env["ELENTA_SUBSYSTEMS"] == "dns" and env["ELENTA_NO_DNS"] == "1" and env["ELENTA_LOCAL"] == ""
    local, local_env = apply_command(load_lab(EXAMPLE), local=True, directory="/d", listen="127.0.0.1@5353")
    assert local_env["ELENTA_LOCAL"] == "toto"
    assert json.loads(local_env["ELENTA_SELECT"]) == {"canons": ["toto.canon"]}
    assert {"elenta_dns_dir=/d", "elenta_dns_listen=127.0.0.1@5353"} <= set(local)
