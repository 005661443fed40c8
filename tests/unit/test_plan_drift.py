"""Drift: the pure comparison of a plan with host facts, parsing the gathering command's output."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import pytest

from elenta.cli import program
from elenta.compile.drift import find_drift, gather_facts, parse_drift_output
from elenta.compile.plan import build_plan
from elenta.model.lab import load_lab

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lab():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_lab(REPO / "examples" / "lab")


@pytest.fixture(scope="module")
def plan(lab):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_plan(lab)


def facts_matching(plan) -> dict:
    """What hosts that run the plan exactly would report."""
    out = {}
    for machine, entry in plan.manifest["machines"].items():
        installed = {}
        for subsystem, table in plan.manifest["subsystems"].items():
            for path, digest in table["machines"].get(machine, {}).items():
                installed[f"{subsystem}/{path}"] = digest
        out[machine] = {
            "reachable": True,
            "host": json.loads(plan.artifact("hostdata", machine, "host.json")),
            "nixos": {"revision": "abc"},
            "guests": {"vms": list(entry["vms"]), "containers": list(entry["containers"])},
            "artifacts": installed,
        }
    return out


def test_hosts_running_the_plan_show_no_drift(plan):
    assert find_drift(plan, facts_matching(plan), revision="abc") == []


def test_every_kind_of_difference_is_listed(plan):
    facts = facts_matching(plan)
    facts["toto"]["host"]["host"]["data"]["zone_admin"] = "someone"
    facts["nancy"]["host"] = None
    facts["ifrit"] = {"reachable": False, "error": "Connection refused"}
    facts["archimedes"]["guests"] = {"vms": [], "containers": ["cache", "intruder"]}
    facts["hermes"]["nixos"]["revision"] = None
    facts["toto"]["artifacts"]["hostdata/host.json"] = None
    facts["wrt"] = {"reachable": True}
    found = [str(d) for d in find_drift(plan, facts, revision="abc")]
    assert found == [
        "archimedes: vms: web1: plan has running, host has not running",
        "archimedes: containers: intruder: plan has absent, host has running",
        "hermes: nixos: revision: plan has abc, host has none (not deployed by elenta)",
        "ifrit: host: (reachable): plan has a reachable host, host has Connection refused",
        "nancy: hostdata: /etc/elenta/host.json: plan has the plan's host data, host has none",
        'toto: hostdata: host.data.zone_admin: plan has "hostmaster", host has "someone"',
        "toto: hostdata: host.json: plan has "
        + plan.manifest["subsystems"]["hostdata"]["machines"]["toto"]["host.json"]
        + ", host has missing",
        "wrt: plan: (machine): plan has nothing for it, host has reports facts",
    ]


def test_facts_not_gathered_are_not_compared(plan):
    facts = {"toto": {"reachable": True}, "nancy": {"reachable": True, "guests": {"vms": None}}}
    assert find_drift(plan, facts, revision="abc") == []


def test_comparison_does_not_change_its_inputs(plan):
    facts = facts_matching(plan)
    facts["toto"]["host"]["host"]["roles"] = []
    before = copy.deepcopy(facts)
    find_drift(plan, facts)
    assert facts == before


def test_parse_drift_output():
    text = "\n".join(
        [
            "@@elenta-drift@@nixos",
            "current=/nix/store/aaa-nixos-system-dns",
            "booted=",
            "next_boot=",
            "profile_system=/nix/store/aaa-nixos-system-dns",
            "profile_link=system-3-link",
            "generations=1 2 3",
            'version={"configurationRevision": "abc"}',
            "@@elenta-drift@@host",
            '{"self": "toto", "host": {"roles": ["dns"]}}',
            "@@elenta-drift@@vms",
            "@@none",
            "@@elenta-drift@@containers",
            "cache",
        ]
    )
    facts = parse_drift_output(text)
    assert facts["nixos"]["revision"] == "abc" and facts["nixos"]["profile_generation"] == 3
    assert facts["host"] == {"self": "toto", "host": {"roles": ["dns"]}}
    assert facts["guests"] == {"vms": None, "containers": ["cache"]}


def test_parse_drift_output_without_host_data():
    facts = parse_drift_output("@@elenta-drift@@nixos\n@@elenta-drift@@host\n@@elenta-drift@@vms\n")
    assert facts["host"] is None and facts["guests"] == {"vms": [], "containers": None}


def test_gather_facts_reads_each_ssh_deployed_machine_of_the_plan(lab, plan):
    seen = []

    def reader(lab_, machine, installed):
        seen.append(machine)
        return {"reachable": True}

    facts = gather_facts(lab, plan, reader=reader)
    netbooted = {m for m in plan.manifest["machines"] if lab.cadaster.machines[m].netboot}
    assert netbooted == {"hermes"}  # no SSH: its image is checked by the netboot store, not here
    assert sorted(seen) == sorted(facts) == sorted(set(plan.manifest["machines"]) - netbooted)


def test_drift_task_with_a_facts_file(example_lab_copy, tmp_path, plan, capsys):
    out_dir = plan.write(tmp_path / "plan")
    facts = facts_matching(plan)
    facts_file = tmp_path / "facts.json"
    argv = [
        "elenta",
        "drift",
        "--lab",
        str(example_lab_copy),
        "--plan",
        str(out_dir),
        "--facts",
        str(facts_file),
    ]
    facts_file.write_text(json.dumps(facts))
    program.run(argv, exit=False)
    assert "no drift from plan" in capsys.readouterr().out
    facts["toto"]["host"]["host"]["configuration"] = ".#old"
    facts_file.write_text(json.dumps(facts))
    with pytest.raises(SystemExit) as exit_:
        program.run(argv)
    assert exit_.value.code == 1
    assert 'toto: hostdata: host.configuration: plan has ".#dns", host has ".#old"' in capsys.readouterr().out


def test_parse_installed_artifact_hashes():
    text = "@@elenta-drift@@installed\nabc123  /etc/a.conf\n- /etc/b.conf\ndef456 */etc/c d\n"
    facts = parse_drift_output(text + "@@elenta-drift@@nixos\n")
    assert facts["installed"] == {
        "/etc/a.conf": "sha256:abc123",
        "/etc/b.conf": None,
        "/etc/c d": "sha256:def456",
    }


def test_gather_passes_each_machine_its_installed_paths(lab, plan):
    from elenta.compile.plan import Plan

    manifest = dict(plan.manifest, installed={"nancy": {"/etc/exports.d/elenta.exports": "nfs/exports"}})
    seen = {}

    def reader(lab_, machine, installed):
        seen[machine] = installed
        return {"reachable": True}

    gather_facts(lab, Plan(manifest, plan.files), reader=reader)
    assert seen["nancy"] == {"/etc/exports.d/elenta.exports": "nfs/exports"} and seen["toto"] == {}
