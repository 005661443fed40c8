"""Plans against real lab hosts: apply through the deploy pipeline, drift over SSH, rollback."""

from __future__ import annotations

import shlex

import pytest

from elenta.compile.drift import find_drift, gather_facts
from elenta.compile.history import History
from elenta.compile.plan import build_plan
from elenta.compile.rollout import apply_plan, rollback_plan
from elenta.model.lab import load_lab

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("quiet_warnings")]


def test_drift_reads_every_nixos_host_in_one_round_trip(lab_hosts):
    plan = build_plan(lab_hosts.lab)
    facts = gather_facts(lab_hosts.lab, plan)
    reachable = {m for m, f in facts.items() if f.get("reachable")}
    assert set(lab_hosts.hosts) <= reachable, facts
    for machine in lab_hosts.hosts:
        assert "current" in facts[machine]["nixos"]
    # The example flake does not import discovery.module, so no host has its host data.
    found = [str(d) for d in find_drift(plan, facts)]
    assert "toto: hostdata: /etc/elenta/host.json: plan has the plan's host data, host has none" in found


def test_drift_compares_installed_artifacts_by_hash(lab_hosts, monkeypatch):
    from tests.plugins.motd.render import MOTD, motd_text

    monkeypatch.setenv("ELENTA_PLUGINS", "tests.plugins.motd.subsystem")  # installs MOTD per host
    plan = build_plan(lab_hosts.lab)
    for name, host in lab_hosts.hosts.items():
        text = "edited by hand\n" if name == "nancy" else motd_text(lab_hosts.lab, name)
        host.ssh(f"printf %s {shlex.quote(text)} > {MOTD}")
    try:
        found = [d for d in find_drift(plan, gather_facts(lab_hosts.lab, plan)) if d.subsystem == "motd"]
    finally:
        for host in lab_hosts.hosts.values():
            host.ssh(f"rm -f {MOTD}")
    assert [(d.machine, d.item) for d in found] == [("nancy", "motd")]
    assert found[0].expected == plan.manifest["subsystems"]["motd"]["machines"]["nancy"]["motd"]


def test_apply_then_rollback_through_the_pipeline(lab_hosts):
    lab = lab_hosts.lab
    path = lab_hosts.path / "constellations" / "homelab.toml"
    original = path.read_text()
    try:
        first = build_plan(lab)
        apply_plan(lab, first, mode="test", subsystems=("nixos",), no_dns=True)
        path.write_text(original.replace('hostConfig = ".#nfs"', 'hostConfig = ".#web"'))
        changed = load_lab(lab_hosts.path)
        second = build_plan(changed)
        apply_plan(changed, second, mode="test", subsystems=("nixos",), no_dns=True)
        assert "nixos-system-web" in lab_hosts.hosts["nancy"].ssh("readlink /run/current-system")
        rollback_plan(changed, mode="test", subsystems=("nixos",), no_dns=True)
        assert "nixos-system-nfs" in lab_hosts.hosts["nancy"].ssh("readlink /run/current-system")
        history = History(lab.state_dir)
        assert [r.result for r in history.runs()][-3:] == ["ok", "ok", "ok"]
        assert history.current() == first.hash
    finally:
        path.write_text(original)
