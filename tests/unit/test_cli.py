"""The `elenta` command as a new user meets it: help, check, lookup, and one-line errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.cli import run_elenta
from tests.conftest import EXAMPLE_LAB, REPO


def elenta(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return run_elenta(*args, cwd=cwd, timeout=60)


def test_check_example_lab_exits_0() -> None:
    result = elenta("check", str(EXAMPLE_LAB))
    assert result.returncode == 0, result.stderr
    assert "8 machines" in result.stdout


def test_check_bad_lab_exits_2_with_one_line(example_lab_copy: Path) -> None:
    cadaster = example_lab_copy / "cadaster.toml"
    cadaster.write_text(cadaster.read_text().replace('ip = "127.0.1.3"', 'ip = "127.0.1.2"'))
    result = elenta("check", str(example_lab_copy))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {cadaster}: machines.nancy.interfaces.enp3s0.ip: IP 127.0.1.2")


def test_lookup_no_dns_reads_the_cadaster() -> None:
    result = elenta("lookup", "toto.canon", "--no-dns", "--lab", str(EXAMPLE_LAB))
    assert (result.returncode, result.stdout) == (0, "127.0.1.2\n")
    result = elenta("lookup", "home.ifrit.canon", "--no-dns", "--lab", str(EXAMPLE_LAB))
    assert result.stdout == "127.0.2.254\n"
    result = elenta("lookup", "toto.canon", "--mac", "--lab", str(EXAMPLE_LAB))
    assert result.stdout == "52:54:00:00:01:02\n"


def test_lookup_unknown_name_exits_2_naming_the_cadaster() -> None:
    result = elenta("lookup", "totto.canon", "--no-dns", "--lab", str(EXAMPLE_LAB))
    assert result.returncode == 2
    assert "cadaster.toml" in result.stderr and "did you mean toto.canon" in result.stderr


def test_check_takes_any_number_of_paths_and_defaults_to_the_lab(tmp_path: Path) -> None:
    files = [str(EXAMPLE_LAB / "cadaster.toml"), str(EXAMPLE_LAB / "constellations" / "homelab.toml")]
    result = elenta("check", *files)
    assert result.returncode == 0, result.stderr
    assert "1 constellation(s)" in result.stdout
    assert elenta("check").returncode == 0  # the default lab, from the repository root
    missing = run_elenta("check", cwd=tmp_path, env={**os.environ, "ELENTA_LAB": ""}, timeout=60)
    assert missing.returncode == 2
    assert missing.stderr.startswith(f"error: {tmp_path}: (lab): no lab here: no elenta.toml or cadaster")
