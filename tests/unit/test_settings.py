"""A lab's own settings (`elenta.toml`): defaults, the Nix lines, and faults named by file and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elenta.model.errors import ModelError
from elenta.model.lab import load_lab
from elenta.model.settings import lab_nix_config, load_settings, settings_root
from elenta.nix import nix_environment

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lab"


def test_example_lab_carries_its_offline_nix_settings() -> None:
    config = load_settings(EXAMPLE).nix.config
    assert "substituters =" in config and "build-users-group =" in config
    assert load_lab(EXAMPLE).settings.nix.config == config
    assert settings_root(EXAMPLE / "constellations" / "homelab.toml") == EXAMPLE.resolve()


def test_a_lab_without_settings_uses_the_machines_nix_as_it_is(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ELENTA_NIX_CONFIG", raising=False)
    monkeypatch.setenv("NIX_CONFIG", "substituters = https://cache.example.org")
    assert lab_nix_config(tmp_path) == ""
    conf = nix_environment(config=lab_nix_config(tmp_path))["NIX_CONFIG"]
    assert conf.startswith("substituters = https://cache.example.org\n")  # the user's own first
    assert "extra-experimental-features = nix-command flakes" in conf
    assert "substituters =\n" not in conf and "NIX_REMOTE" not in nix_environment()


def test_lab_settings_come_after_the_users_and_before_the_override(monkeypatch) -> None:
    monkeypatch.setenv("NIX_CONFIG", "max-jobs = 2")
    monkeypatch.setenv("ELENTA_NIX_CONFIG", "max-jobs = 8")
    lines = nix_environment(config="max-jobs = 4")["NIX_CONFIG"].splitlines()
    jobs = [line for line in lines if line.startswith("max-jobs")]
    assert jobs == ["max-jobs = 2", "max-jobs = 4", "max-jobs = 8"]


@pytest.mark.parametrize(
    ("text", "key", "fault"),
    [
        ('[nix]\nconfg = ""\n', "nix.confg", "unknown key"),
        ('[nix]\nconfig = "substituters\\nsandbox = false"\n', "nix.config", "line 1 is not a nix.conf"),
        ('[nix]\nconfig = "sandbox = false\\u0007"\n', "nix.config", "line 1 is not a nix.conf"),
        ("nix = 3\n", "nix", "valid dictionary"),
    ],
)
def test_bad_settings_name_the_file_and_key(tmp_path: Path, text: str, key: str, fault: str) -> None:
    lab = tmp_path / "lab"
    shutil.copytree(EXAMPLE, lab, ignore=shutil.ignore_patterns(".elenta", "result*"))
    (lab / "elenta.toml").write_text(text)
    with pytest.raises(ModelError) as caught:
        load_lab(lab)
    (only,) = caught.value.faults
    assert only.file == str(lab / "elenta.toml") and only.key == key and fault in only.message
