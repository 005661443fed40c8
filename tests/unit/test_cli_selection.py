"""`--on`, `--only` and finding the lab, as a user types them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elenta.inventory import SelectionError, inventory_machines
from elenta.model.lab import load_lab
from elenta.selectors import expand_on
from tests.cli import run_elenta
from tests.conftest import EXAMPLE_LAB, REPO


@pytest.fixture(scope="module")
def lab():
    return load_lab(EXAMPLE_LAB)


def test_on_mixes_names_roles_tags_and_globs(lab) -> None:
    pool = inventory_machines(lab)
    assert expand_on(lab, ["@dns,nancy.canon", "arch*"], pool) == ["toto", "nancy", "archimedes"]
    assert expand_on(lab, ["#core"], pool) == expand_on(lab, ["tag:core"], pool) == ["toto", "nancy", "ifrit"]
    assert expand_on(lab, ["role:web"], pool) == ["archimedes"]
    assert expand_on(lab, ["*.canon"], pool) == pool
    assert expand_on(lab, ["lab.ifrit.canon", "toto.canon.lan"], pool) == ["toto", "ifrit"]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("totto", "unknown machine (machines: archimedes.canon, ifrit.canon, nancy.canon, toto.canon)"),
        ("@nope", "no machine here carries role 'nope' (roles: db, dns, firewall, hypervisor, nfs, web)"),
        ("#nope", "no machine here is tagged 'nope' (tags: compute, core, firewall, storage)"),
        ("zz*", "matches no machine"),
        ("sw1", "sw1.canon is a switch this command does not act on"),
    ],
)
def test_on_refuses_what_names_nothing_with_the_known_names(lab, value: str, says: str) -> None:
    with pytest.raises(SelectionError) as caught:
        expand_on(lab, [value], inventory_machines(lab))
    assert says in str(caught.value)
    assert caught.value.exit_code == 2


def test_on_and_only_on_the_command_line(example_lab_copy: Path) -> None:
    lab = str(example_lab_copy)
    unknown = run_elenta("status", "--on", "toto,nancy,totto", "--lab", lab, timeout=60)
    assert unknown.returncode == 2 and "--on totto: unknown machine" in unknown.stderr
    only = run_elenta("deploy", "--only", "nixos,dnss", "--lab", lab, timeout=60)
    assert only.returncode == 2
    assert "--only nixos,dnss: no subsystem is named 'dnss' (registered: nixos, hostdata, dns" in only.stderr
    canon = run_elenta("deploy", "--canon", "toto.canon,nope", "--lab", lab, timeout=60)
    assert (
        canon.returncode == 2
        and "no machine named 'nope'" in canon.stderr
        and "(machines: archimedes.canon" in canon.stderr
    )


def test_the_lab_is_found_upward_like_git(example_lab_copy: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ELENTA_LAB": ""}
    inside = example_lab_copy / "constellations"
    found = run_elenta("check", cwd=inside, env=env, timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith(f"ok: {example_lab_copy}/cadaster.toml")
    # elenta.toml alone marks a lab folder (its cadaster may be named by it later).
    (example_lab_copy / "elenta.toml").write_text("")
    assert run_elenta("machines", cwd=inside, env=env, timeout=60).returncode == 0
    # Nothing upward: $ELENTA_LAB, then an error naming what to do.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    via_env = run_elenta(
        "machines", cwd=outside, env={**env, "ELENTA_LAB": str(example_lab_copy)}, timeout=60
    )
    assert via_env.returncode == 0 and "toto.canon" in via_env.stdout
    nothing = run_elenta("machines", cwd=outside, env=env, timeout=60)
    assert nothing.returncode == 2 and "no lab here" in nothing.stderr and "--lab" in nothing.stderr
    # An explicit --lab beats the folder one is in.
    explicit = run_elenta("check", "--lab", str(EXAMPLE_LAB), cwd=inside, env=env, timeout=60)
    assert explicit.stdout.startswith(f"ok: {EXAMPLE_LAB}/cadaster.toml")
    assert REPO  # the repository root itself is not a lab folder
