"""Service discovery: the per-host and lab-wide JSON, and the Nix function a flake imports."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from elenta.compile.plan import build_plan
from elenta.hostdata.render import discovery_data, hostdata_artifacts
from elenta.model.lab import load_lab
from tests.nixeval import instantiate

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lab():
    return load_lab(REPO / "examples" / "lab")


def test_discovery_finds_a_primary_without_dns(lab):
    data = discovery_data(lab)
    db = data["services"]["db-a.example.lab"]
    assert db == {"role": "db", "host": "nancy", "ip": "127.0.1.3", "extraOpts": {"primary": True}}
    assert data["roles"]["web"] == ["archimedes"]
    assert data["machines"]["toto"]["addresses"]["enp2s0_dns"] == {
        "ip": "127.0.1.53",
        "network": "lab",
        "physical": "enp2s0",
    }
    assert data["constellations"] == {"homelab": {}}


def test_one_host_file_per_placed_machine_and_the_lab_files(lab):
    found = {(a.machine, a.path): a.content for a in hostdata_artifacts(lab)}
    assert (None, "discovery.json") in found and (None, "discovery.nix") in found
    assert {m for m, _ in found if m} == {"toto", "nancy", "archimedes", "hermes", "ifrit"}
    host = json.loads(found[("archimedes", "host.json")])
    assert host["self"] == "archimedes" and host["host"]["vms"]["web1"]["config"] == ".#web"


NIX_EXPR = """
let
  d = import ./discovery.nix { host = "archimedes"; };
  lib = { mkMerge = xs: xs; optionalAttrs = c: a: if c then a else { }; };
  m = (d.module { inherit lib; }).config;
in {
  primary = d.ipOf "db-a.example.lab";
  toto = d.ipOf "toto";
  web = map (x: x.canon) (d.withRole "web");
  self = d.self.canon;
  microvmHost = (builtins.elemAt m 0).microvm.host.enable;
  host = builtins.fromJSON (builtins.elemAt m 2).environment.etc."elenta/host.json".text;
}
"""


@pytest.mark.nix
@pytest.mark.skipif(shutil.which("nix-instantiate") is None, reason="needs Debian's nix-bin")
def test_the_nix_function_reads_the_plan(lab, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = build_plan(lab)
    folder = plan.write(tmp_path / "plan") / "artifacts" / "hostdata" / "lab"
    out = instantiate(NIX_EXPR, folder)
    assert out["primary"] == "127.0.1.3" and out["toto"] == "127.0.1.2"
    assert out["web"] == ["archimedes.canon"] and out["self"] == "archimedes.canon"
    assert out["microvmHost"] is True
    # The host file the module installs is what drift compares with the plan's host.json.
    assert out["host"] == json.loads(plan.artifact("hostdata", "archimedes", "host.json"))
