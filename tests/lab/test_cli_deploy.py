"""The deploy commands as a user scripts them, against the lab's real hosts: --dry-run, --json, --on."""

from __future__ import annotations

import json

import pytest

from elenta.compile.history import History
from tests.cli import run_elenta

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("quiet_warnings")]


def _systems(lab_hosts) -> dict[str, str]:
    return {name: host.ssh("readlink /run/current-system || true") for name, host in lab_hosts.hosts.items()}


def test_dry_run_changes_nothing_then_json_reports_the_deploy(lab_hosts) -> None:
    lab = ["--lab", str(lab_hosts.path), "--no-dns"]
    nancy = lab_hosts.path / "constellations" / "homelab.toml"
    original = nancy.read_text()
    nancy.write_text(original.replace('hostConfig = ".#nfs"', 'hostConfig = ".#web"'))
    try:
        before, runs = _systems(lab_hosts), len(History(lab_hosts.lab.state_dir).runs())
        dry = run_elenta("switch", "--dry-run", "--json", "--on", "nancy.canon,@dns", *lab)
        assert dry.returncode == 0, dry.stderr
        preview = json.loads(dry.stdout)
        assert preview["dry_run"] is True and preview["hosts"]["nancy.canon"] == "would switch"
        assert set(preview["hosts"]) == {"nancy.canon", "toto.canon"}
        assert _systems(lab_hosts) == before and len(History(lab_hosts.lab.state_dir).runs()) == runs

        real = run_elenta("switch", "--json", "--on", "nancy.canon", *lab)
        assert real.returncode == 0, real.stderr
        report = json.loads(real.stdout)  # stdout holds the JSON alone; progress went to stderr
        assert report["ok"] is True and [h["host"] for h in report["hosts"]] == ["nancy.canon"]
        assert report["hosts"][0]["result"] == "changed"
        assert "[nancy.canon]" in real.stderr and "record: " in real.stderr
        assert "nixos-system-web" in lab_hosts.hosts["nancy"].ssh("readlink /run/current-system")

        status = run_elenta("status", "--json", "--on", "nancy", *lab)
        rows = json.loads(status.stdout)
        assert [r["host"] for r in rows] == ["nancy.canon"] and rows[0]["reachable"] is True
    finally:
        nancy.write_text(original)
        run_elenta("switch", "--on", "nancy.canon", *lab)
