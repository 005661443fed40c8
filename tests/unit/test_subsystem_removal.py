"""Each built-in subsystem left out (`ELENTA_PLUGINS=-name`): the plan is still made, without its
artifacts and without its parts of the others' artifacts, and nothing else changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elenta.subsystem import ENV_PLUGINS, SubsystemError, registered
from tests.cli import run_elenta
from tests.conftest import EXAMPLE_LAB, REPO

BUILT_IN = ["nixos", "hostdata", "dns", "dhcp", "nfs", "netboot", "firewall", "switch", "topology", "doctor"]
# What a subsystem adds to the others' artifacts in the example lab, and so what its removal changes.
CONTRIBUTES = {
    "dns": {"nixos/machines/toto/module.json", "dhcp/machines/ifrit/dhcp/ifrit/kea-dhcp4.conf",
            "dhcp/machines/ifrit/dhcp/ifrit/dhcp.nix"},
    "nfs": {"nixos/machines/nancy/module.json"},
    "firewall": {f"nixos/machines/{m}/module.json" for m in ("toto", "nancy", "ifrit", "hermes",
                                                              "archimedes")},
    "switch": {"topology/lab/topology/lab.dot", "topology/lab/topology/lab.svg"},  # the port map drawn
    "dhcp": {"topology/lab/topology/lab.dot", "topology/lab/topology/lab.svg"},  # ifrit's card lists it
}  # fmt: skip


def plan(out: Path, plugins: str = "") -> dict[str, bytes]:
    """`elenta plan --out` of the example lab; every artifact by its path under `artifacts/`."""
    env = {**os.environ, ENV_PLUGINS: plugins, "PYTHONPATH": str(REPO)}
    result = run_elenta("plan", "--lab", str(EXAMPLE_LAB), "--out", str(out), cwd=REPO, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    root = out / "artifacts"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> dict[str, bytes]:
    return plan(tmp_path_factory.mktemp("full") / "plan")


def test_every_built_in_subsystem_is_covered(monkeypatch):
    monkeypatch.delenv(ENV_PLUGINS, raising=False)
    assert [s.name for s in registered()] == BUILT_IN


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_plan_without_one_subsystem(name, full, tmp_path):
    without = plan(tmp_path / "plan", f"-{name}")
    assert not [p for p in without if p.startswith(f"{name}/")]
    assert [p for p in full if p.startswith(f"{name}/")] or name == "doctor"  # it had artifacts
    others = {p for p in full if not p.startswith(f"{name}/")}
    assert set(without) == others
    changed = {p for p in others if without[p] != full[p]}
    assert changed == CONTRIBUTES.get(name, set())


def test_the_removed_parts_are_the_subsystem_s_own(tmp_path):
    toto = plan(tmp_path / "nodns", "-dns")["nixos/machines/toto/module.json"]
    assert b'"knot"' not in toto and b'"firewall"' in toto
    kea = plan(tmp_path / "nodns2", "-dns")["dhcp/machines/ifrit/dhcp/ifrit/kea-dhcp4.conf"]
    assert b"domain-name-servers" not in kea
    nancy = plan(tmp_path / "nofw", "-firewall")["nixos/machines/nancy/module.json"]
    assert b'"firewall"' not in nancy and b'"nfs"' in nancy


def test_leaving_out_an_unknown_subsystem_is_refused(monkeypatch):
    monkeypatch.setenv(ENV_PLUGINS, "-nosuch")
    with pytest.raises(SubsystemError, match="no subsystem is named 'nosuch'"):
        registered()
    env = {**os.environ, ENV_PLUGINS: "-nosuch"}
    result = run_elenta("check", str(EXAMPLE_LAB), cwd=REPO, env=env, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_another_subsystem_may_provide_a_fact_in_place_of_the_first(tmp_path, monkeypatch):
    rival = "tests.plugins.rival.subsystem"
    monkeypatch.setenv(ENV_PLUGINS, rival)
    with pytest.raises(SubsystemError, match="two subsystems provide 'dns_servers': dns, rival"):
        registered()
    kea = plan(tmp_path / "rival", f"-dns,{rival}")["dhcp/machines/ifrit/dhcp/ifrit/kea-dhcp4.conf"]
    assert b'"data": "127.0.1.5",\n            "name": "domain-name-servers"' in kea
