"""Plans: byte-identical directories and hashes, one-line changes in the diff, sub-plans, artifacts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest_plan import edit_constellation

from elenta.compile.artifacts import Artifact
from elenta.compile.diff import MACHINES, diff_plans, render_changes
from elenta.compile.plan import PlanError, assemble_plan, build_plan, read_plan
from elenta.model.errors import ModelError
from elenta.model.lab import load_lab

pytestmark = pytest.mark.filterwarnings("ignore")  # other subsystems' builders may warn


@pytest.fixture
def lab_dir(example_lab_copy: Path) -> Path:
    return example_lab_copy


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


def test_same_inputs_give_byte_identical_directories_and_hashes(lab_dir, tmp_path):
    first = build_plan(load_lab(lab_dir))
    second = build_plan(load_lab(lab_dir))
    assert first.hash == second.hash
    first.write(tmp_path / "a")
    second.write(tmp_path / "b")
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a == b
    assert "manifest.json" in a and (tmp_path / "a" / "plan.sha256").read_text().strip() == first.hash
    assert read_plan(tmp_path / "a").hash == first.hash


def test_the_manifest_holds_machines_and_every_artifact_hash(lab_dir):
    plan = build_plan(load_lab(lab_dir))
    manifest = json.loads(plan.manifest_bytes)
    assert manifest["machines"]["toto"]["configuration"] == ".#dns"
    assert manifest["machines"]["archimedes"]["vms"]["web1"]["cores"] == 2
    hostdata = manifest["subsystems"]["hostdata"]
    assert set(hostdata["lab"]) == {"discovery.json", "discovery.nix"}
    assert hostdata["machines"]["toto"]["host.json"].startswith("sha256:")
    assert b'"elenta_plan": 1' in plan.manifest_bytes and plan.manifest_bytes.endswith(b"}\n")


def test_a_one_line_change_changes_the_hash_and_shows_exactly_that_change(lab_dir):
    before = build_plan(load_lab(lab_dir))
    edit_constellation(lab_dir, 'zone_admin = "hostmaster"', 'zone_admin = "root"')
    after = build_plan(load_lab(lab_dir))
    assert before.hash != after.hash
    changes = diff_plans(before, after)
    (machine_change,) = [c for c in changes if c.group == MACHINES]
    assert (machine_change.machine, machine_change.op, machine_change.item) == (
        "toto",
        "~",
        "data.zone_admin",
    )
    assert machine_change.detail == ('"hostmaster" -> "root"',)
    # Every other change is an artifact carrying that same value, and says only that.
    (source,) = [c for c in changes if c.group == "inputs"]
    assert source.item == "constellations/homelab.toml"
    assert source.detail == ('-data = { zone_admin = "hostmaster" }', '+data = { zone_admin = "root" }')
    for change in changes:
        assert change.op == "~"
        if change.group in (MACHINES, "inputs"):
            continue
        for line in change.detail:
            assert "zone_admin" in line and '"hostmaster" -> "root"' in line
    text = render_changes(changes)
    assert '~ data.zone_admin: "hostmaster" -> "root"' in text
    assert text.splitlines()[-1].startswith("Plan: 0 to add,")


def test_adding_a_machine_and_a_vm_shows_additions(lab_dir):
    before = build_plan(load_lab(lab_dir))
    edit_constellation(
        lab_dir,
        'containers.cache = { config = ".#cache", cores = 1, memory = "1G" }',
        'containers.cache = { config = ".#cache", cores = 1, memory = "1G" }\nvms.web2 = ".#web"',
    )
    after = build_plan(load_lab(lab_dir))
    added = [c for c in diff_plans(before, after) if c.group == MACHINES]
    assert {c.item for c in added} >= {"vms.web2.config", "vms.web2.cores"}
    assert all(c.op == "+" and c.machine == "archimedes" for c in added)
    back = [c for c in diff_plans(after, before) if c.group == MACHINES]
    assert all(c.op == "-" for c in back) and len(back) == len(added)


def test_no_changes_between_equal_plans(lab_dir):
    plan = build_plan(load_lab(lab_dir))
    assert diff_plans(plan, plan) == []
    assert render_changes([]) == "No changes."


def test_sub_plan_holds_one_machine_and_lab_wide_artifacts(lab_dir):
    lab = load_lab(lab_dir)
    whole = build_plan(lab)
    sub = build_plan(lab, "toto.canon")
    assert sub.scope == "toto" and sub.hash != whole.hash
    assert list(sub.manifest["machines"]) == ["toto"]
    for table in sub.manifest["subsystems"].values():
        assert set(table["machines"]) <= {"toto"}
    assert sub.artifact("hostdata", "toto", "host.json") == whole.artifact("hostdata", "toto", "host.json")
    # Diffing the whole plan against the sub-plan, restricted to toto, shows nothing.
    assert diff_plans(whole, sub) == []


def test_sub_plan_of_an_unknown_machine_names_it(lab_dir):
    with pytest.raises(ModelError, match=r"no machine named 'nobody\.canon'"):
        build_plan(load_lab(lab_dir), "nobody.canon")


def test_a_subsystem_registered_by_a_test_plugs_in(lab_dir, monkeypatch):
    monkeypatch.setenv("ELENTA_PLUGINS", "tests.plugins.motd.subsystem")
    plan = build_plan(load_lab(lab_dir))
    assert plan.artifact("motd", "toto", "motd") == b"toto.canon: managed by elenta\n"
    assert list(plan.manifest["subsystems"]["motd"]["lab"]) == ["index.txt"]

    edit_constellation(
        lab_dir, 'data = { zone_admin = "hostmaster" }', 'data = { zone_admin = "hostmaster", motd = "hi" }'
    )
    other = build_plan(load_lab(lab_dir))
    changes = [c for c in diff_plans(plan, other) if c.group == "motd"]
    assert [(c.machine, c.op, c.item) for c in changes] == [
        ("(lab)", "~", "index.txt"),
        ("toto", "~", "motd"),
    ]
    assert changes[1].detail == ("-toto.canon: managed by elenta", "+hi")


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x", "", "a//b"])
def test_artifact_paths_must_stay_inside_the_plan(path):
    with pytest.raises(PlanError, match="zz"):
        assemble_plan({}, [Artifact("zz", None, path, b"")], None)


def test_an_artifact_built_twice_is_an_error():
    with pytest.raises(PlanError, match="twice"):
        assemble_plan({}, [Artifact("zz", "a", "x", b"1"), Artifact("zz", "a", "x", b"2")], None)


def test_reading_a_tampered_plan_fails(lab_dir, tmp_path):
    plan = build_plan(load_lab(lab_dir))
    target = plan.write(tmp_path / "p")
    (target / "artifacts" / "hostdata" / "machines" / "toto" / "host.json").write_text("{}")
    with pytest.raises(PlanError, match="does not match its hash"):
        read_plan(target)


def test_writing_over_a_folder_that_is_not_a_plan_is_refused(lab_dir, tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.tex").write_text("x")
    with pytest.raises(PlanError, match="not a plan directory"):
        build_plan(load_lab(lab_dir)).write(tmp_path / "precious")
    assert (tmp_path / "precious" / "thesis.tex").read_text() == "x"


def test_rewriting_a_plan_directory_replaces_it(lab_dir, tmp_path):
    plan = build_plan(load_lab(lab_dir))
    plan.write(tmp_path / "p")
    (tmp_path / "p" / "stale").write_text("old")
    plan.write(tmp_path / "p")
    assert not (tmp_path / "p" / "stale").exists()
    assert read_plan(tmp_path / "p").hash == plan.hash


def test_json_artifacts_diff_key_by_key(lab_dir):
    before = build_plan(load_lab(lab_dir))
    edit_constellation(lab_dir, "extraOpts = { primary = true }", "extraOpts = { primary = false }")
    after = build_plan(load_lab(lab_dir))
    discovery = [c for c in diff_plans(before, after) if c.item == "discovery.json"]
    assert discovery[0].detail == (
        '~ machines.nancy.services."db-a.example.lab".extraOpts.primary: true -> false',
        '~ services."db-a.example.lab".extraOpts.primary: true -> false',
    )


def test_two_artifacts_installed_at_one_host_path_collide():
    one = Artifact("nfs", "nancy", "exports", b"a", installed_at="/etc/exports.d/elenta.exports")
    two = Artifact("zz", "nancy", "x", b"b", installed_at="/etc/exports.d/elenta.exports")
    with pytest.raises(PlanError, match="both nfs/exports and zz/x"):
        assemble_plan({}, [one, two], None)
    elsewhere = Artifact("zz", "toto", "x", b"b", installed_at="/etc/exports.d/elenta.exports")
    plan = assemble_plan({}, [one, elsewhere], None)
    assert plan.manifest["installed"] == {
        "nancy": {"/etc/exports.d/elenta.exports": "nfs/exports"},
        "toto": {"/etc/exports.d/elenta.exports": "zz/x"},
    }


@pytest.mark.parametrize(("machine", "where"), [(None, "/etc/x"), ("toto", "etc/x"), ("toto", "/etc/../x")])
def test_install_paths_belong_to_a_machine_and_are_absolute(machine, where):
    with pytest.raises(PlanError, match="installed at"):
        assemble_plan({}, [Artifact("zz", machine, "x", b"", installed_at=where)], None)


def test_two_processes_with_different_hash_seeds_write_identical_plans(lab_dir, tmp_path):
    import os
    import subprocess
    import sys

    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, ELENTA_STATE_DIR=str(tmp_path / f"state{seed}"))
        argv = ["plan", "--lab", str(lab_dir), "--out", str(tmp_path / seed)]
        proc = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", "from elenta.cli import main; main()", *argv],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "1" / "manifest.json").is_file()
    assert tree(tmp_path / "1") == tree(tmp_path / "2")
