"""`elenta init`: a starting lab folder that `elenta check` accepts, and refusals that name the fault."""

from __future__ import annotations

from pathlib import Path

from elenta.model.lab import load_lab
from tests.cli import run_elenta


def test_init_writes_a_lab_that_elenta_check_loads(tmp_path: Path) -> None:
    folder = tmp_path / "homelab"
    init = run_elenta(
        "init", str(folder), "--machine", "toto", "--address", "192.168.1.10", "--user", "deploy"
    )
    assert init.returncode == 0, init.stderr
    assert {p.name for p in folder.rglob("*") if p.is_file()} == {
        "elenta.toml",
        "cadaster.toml",
        "homelab.toml",
        "flake.nix",
    }
    check = run_elenta("check", str(folder))
    assert check.returncode == 0 and "1 machines, 1 networks, 1 constellation(s)" in check.stdout, (
        check.stderr
    )
    lab = load_lab(folder)
    assert lab.host_config("toto") == ".#toto"
    assert lab.cadaster.machines["toto"].ssh.user == "deploy"
    assert str(lab.cadaster.address("toto")) == "192.168.1.10"
    flake = (folder / "flake.nix").read_text()
    assert 'inputs.machines.url = "git+file:///etc/nixos";' in flake
    assert "nixosConfigurations = machines.nixosConfigurations;" in flake


def test_init_never_overwrites_and_refuses_bad_values(tmp_path: Path) -> None:
    folder = tmp_path / "homelab"
    assert run_elenta("init", str(folder)).returncode == 0
    again = run_elenta("init", str(folder))
    assert again.returncode == 2 and "already exist; nothing written" in again.stderr
    for flag, value in (("--machine", "a;b"), ("--address", "10.0.0.300"), ("--flake", 'x"; evil')):
        bad = run_elenta("init", str(tmp_path / "other"), flag, value)
        assert bad.returncode == 2 and value in bad.stderr, (flag, bad.stderr)
        assert not (tmp_path / "other").exists()
