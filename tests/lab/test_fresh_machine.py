"""The example lab on a machine whose Nix was never set up: empty store, no nix.conf, no nixbld group.

A fresh Debian 12 with Debian's nix-bin has no `/nix` until Nix's first use, no `/etc/nix/nix.conf`
and no `nixbld` group; Nix's defaults then ask for build users and the sandbox. The lab's own
settings (`examples/lab/elenta.toml`) must be enough for elenta to build and deploy there, without
anything written to the machine's Nix configuration. This test makes such a machine in a private
mount namespace: a tmpfs on /nix, a copy of /etc/group without `nixbld`, `NIX_CONF_DIR` pointing at
an empty folder. The whole user path runs there: `lab up`, `switch`, `status`, `lab down`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from elenta.lab import lab_unavailable
from elenta.nix import nix_available

EXAMPLE_LAB = Path(__file__).resolve().parents[2] / "examples" / "lab"


def fresh_machine_script(lab: Path, scratch: Path, commands: list[list[str]]) -> str:
    """A shell script that hides this machine's Nix set-up, then runs `elenta` commands."""
    lines = [
        "set -e",
        f"elenta() {{ {shlex.quote(sys.executable)} -c 'from elenta.cli import main; main()' \"$@\"; }}",
        "mount --make-rprivate /",
        "mkdir -p /nix",
        "mount -t tmpfs -o mode=0755 fresh-nix /nix",
        f"grep -v '^nixbld:' /etc/group > {scratch}/group",
        f"mount --bind {scratch}/group /etc/group",
        f"mkdir -p {scratch}/empty-nix-conf",
        f"export NIX_CONF_DIR={scratch}/empty-nix-conf",
        "unset NIX_CONFIG NIX_REMOTE ELENTA_NIX_CONFIG",
        f"export ELENTA_LAB={lab} ELENTA_STATE_DIR={scratch}/state",
        f"export ELENTA_LAB_HOSTS_DIR={scratch}/hosts",
        "trap 'elenta lab down --purge >/dev/null 2>&1 || true' EXIT",
    ]
    for argv in commands:
        words = " ".join(shlex.quote(a) for a in argv)
        lines += [f"echo {shlex.quote('$ elenta ' + words)}", f"elenta {words}"]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_example_lab_deploys_where_nix_was_never_set_up(tmp_path: Path) -> None:
    reason = lab_unavailable() or (None if nix_available() else "nix is not installed")
    if reason:
        pytest.skip(reason)
    lab = tmp_path / "lab"
    shutil.copytree(EXAMPLE_LAB, lab, ignore=shutil.ignore_patterns(".elenta", "result*"))
    script = fresh_machine_script(
        lab,
        tmp_path,
        [
            ["lab", "up"],
            ["switch", "--canon", "toto.canon", "--no-dns"],
            ["status", "--canon", "toto.canon", "--no-dns"],
        ],
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "nixbld" not in out and "sandbox" not in out, out
    status = out.split("$ elenta status", 1)[1]
    toto = next(line for line in status.splitlines() if line.startswith("toto.canon"))
    assert "in compliance" in toto or "yes" in toto, status
    # Nothing of it reached this machine's Nix configuration.
    assert not Path(tmp_path / "empty-nix-conf" / "nix.conf").exists()
