"""`elenta plan --out DIR` writes DIR/install, which applies that plan as `elenta apply --plan DIR` does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from elenta.compile.history import History
from elenta.compile.plan import read_plan
from elenta.facts.nixos import nixos_system_command, parse_nixos_system
from elenta.lab import lab_up
from elenta.model.lab import load_lab
from tests.cli import run_elenta
from tests.lab.conftest import running_copy

pytestmark = [pytest.mark.lab, pytest.mark.nix, pytest.mark.slow]
MACHINES = ["toto", "nancy", "archimedes", "ifrit"]


@pytest.fixture(scope="module")
def lab_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with running_copy(tmp_path_factory, "install") as path:
        yield path


def systems(lab_dir: Path) -> dict[str, str | None]:
    hosts = lab_up(load_lab(lab_dir))
    return {
        m: parse_nixos_system(hosts[m].ssh(nixos_system_command()).splitlines())["current"] for m in MACHINES
    }


def env_with(path: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ELENTA_LAB", "ELENTA_STATE_DIR")}
    env.update({"PATH": path, "ELENTA_MODE": "test"})
    return env


def test_install_applies_exactly_the_plan_like_elenta_apply(lab_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    made = run_elenta("plan", "--out", str(out), "--lab", str(lab_dir))
    assert made.returncode == 0, made.stderr
    install = out / "install"
    assert os.access(install, os.X_OK)
    head = install.read_text().splitlines()[:8]
    assert any("Needs on this provisioning machine" in line for line in head)
    plan = read_plan(out)

    venv_path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    ran = subprocess.run(
        [str(install), "--no-dns", "--only", "nixos"], env=env_with(venv_path), capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    by_install = systems(lab_dir)
    assert all(path and "nixos-system" in path for path in by_install.values()), by_install
    last = History(load_lab(lab_dir).state_dir).runs()[-1]
    assert last.plan == plan.hash and last.result == "ok"

    applied = run_elenta(
        "apply", "--plan", str(out), "--lab", str(lab_dir), "--mode", "test", "--no-dns", "--only", "nixos"
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert systems(lab_dir) == by_install  # the same result: nothing left to change
    assert "unchanged" in applied.stdout and "changed " not in applied.stdout.replace("unchanged", "")
    assert History(load_lab(lab_dir).state_dir).runs()[-1].plan == plan.hash


def test_install_refuses_another_plan_and_names_what_it_needs(lab_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert run_elenta("plan", "--out", str(out), "--lab", str(lab_dir)).returncode == 0
    install = out / "install"
    missing = subprocess.run([str(install)], env=env_with("/usr/bin:/bin"), capture_output=True, text=True)
    assert missing.returncode == 127 and "needs `elenta` on PATH" in missing.stderr
    (out / "plan.sha256").write_text("sha256:0000\n")
    venv_path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    other = subprocess.run([str(install)], env=env_with(venv_path), capture_output=True, text=True)
    assert other.returncode == 2 and "not the plan this script applies" in other.stderr
