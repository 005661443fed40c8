"""NFS exports on a real lab host: nancy's sshd in its own mount namespace, pyinfra over SSH.

There is no NFS server in this kernel: `exportfs` parses the exports files, stats every path and
writes /var/lib/nfs/etab (nancy's own, under its /var overlay); `exportfs -v` reads that back. The
kernel's export table is never touched (see docs/nfs.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from elenta.facts.nfs import ExportfsVerbose
from elenta.nfs.push import apply_command
from elenta.nfs.render import exports_text
from tests.cli import run_elenta

EXPORTS = "/etc/exports.d/elenta.exports"
pytestmark = pytest.mark.skipif(
    not (shutil.which("exportfs") or Path("/usr/sbin/exportfs").exists()),
    reason="needs exportfs (nfs-kernel-server / nfs-utils)",
)


def deploy_nfs(lab_hosts, workdir: Path, **data: str) -> subprocess.CompletedProcess[str]:
    """Run `elenta nfs apply`'s pyinfra command (inventories/lab.py + elenta.deploys.nfs) on the lab."""
    command, env = apply_command(lab_hosts.lab, no_dns=True, data=data)
    workdir.mkdir(exist_ok=True)
    return subprocess.run(
        command, env=env, cwd=workdir, capture_output=True, text=True, timeout=180, check=False
    )


def outcome(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    """The NFS operation's row of pyinfra's results table: hosts, success, error, no change."""
    text = result.stdout + result.stderr
    for line in text.splitlines():
        tail = line.split()[-4:]
        if "Install and load NFS exports" in line and all(c == "-" or c.isdigit() for c in tail):
            cells = [0 if c == "-" else int(c) for c in tail]
            return dict(zip(("hosts", "success", "error", "no change"), cells, strict=True))
    raise AssertionError(f"no result row for the NFS operation in:\n{text}")


def loaded(nancy) -> list[tuple[str, str, str]]:
    """What nancy exports, through the same parser as the fact: `(path, client, ro|rw)`."""
    fact = ExportfsVerbose().process(nancy.ssh(ExportfsVerbose().command()).splitlines())
    assert fact is not None, "exportfs is missing on the lab host"
    return sorted((e["path"], e["client"], "rw" if "rw" in e["options"] else "ro") for e in fact)


def test_deploy_installs_loads_and_then_is_a_no_op(lab_hosts, tmp_path):
    nancy = lab_hosts.hosts["nancy"]
    nancy.ssh(f"rm -f {EXPORTS}; exportfs -ua; rm -rf /srv/media /srv/backup; mkdir -p /srv/media")

    # /srv/backup is missing and may not be created: the host's exportfs refuses the candidate,
    # nothing is installed or loaded.
    failed = deploy_nfs(lab_hosts, tmp_path / "run0", elenta_nfs_create_dirs="0")
    assert failed.returncode != 0, failed.stdout
    assert "Failed to stat /srv/backup" in failed.stdout + failed.stderr
    assert nancy.ssh(f"test -e {EXPORTS}.elenta-new && echo left || echo clean").strip() == "clean"
    assert nancy.ssh(f"cat {EXPORTS}") == ""  # the empty placeholder exports nothing
    assert loaded(nancy) == []

    # The example lab lets the deploy create missing directories (nancy's placement data).
    first = deploy_nfs(lab_hosts, tmp_path / "run1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert nancy.ssh("test -d /srv/backup && echo made").strip() == "made"
    assert nancy.ssh(f"cat {EXPORTS}") == exports_text(lab_hosts.lab, "nancy")
    assert loaded(nancy) == [
        ("/srv/backup", "127.0.1.2", "rw"),
        ("/srv/media", "127.0.1.0/24", "ro"),
        ("/srv/media", "127.0.1.4", "ro"),
    ]
    # What other hosts see is untouched: each host has its own /etc and /var.
    assert lab_hosts.hosts["toto"].ssh(f"test -e {EXPORTS} && echo yes || echo no").strip() == "no"

    assert outcome(first) == {"hosts": 1, "success": 1, "error": 0, "no change": 0}

    etab = nancy.ssh("stat -c %i.%Y /var/lib/nfs/etab")
    second = deploy_nfs(lab_hosts, tmp_path / "run2")
    assert second.returncode == 0, second.stdout + second.stderr
    assert outcome(second) == {"hosts": 1, "success": 0, "error": 0, "no change": 1}
    assert nancy.ssh("stat -c %i.%Y /var/lib/nfs/etab") == etab  # exportfs did not run

    # Unloaded behind elenta's back: the next run only reloads.
    nancy.ssh("exportfs -ua")
    assert loaded(nancy) == []
    third = deploy_nfs(lab_hosts, tmp_path / "run3")
    assert third.returncode == 0, third.stdout + third.stderr
    assert outcome(third)["success"] == 1
    assert len(loaded(nancy)) == 3


def test_nfs_apply_runs_through_the_deploy_pipeline(lab_hosts):
    """`elenta nfs apply` is `elenta deploy --only nfs` on the NFS hosts: checks, the user's SSH
    targets, a table, a record, deploy's exit codes (1 and the host named when it fails)."""
    nancy = lab_hosts.hosts["nancy"]
    command = ("nfs", "apply", "--no-dns", "--lab", str(lab_hosts.path))
    nancy.ssh(f"rm -f {EXPORTS}; exportfs -ua; rm -rf /srv/backup; touch /srv/backup")
    try:
        failed = run_elenta(*command, timeout=300)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "Traceback" not in failed.stderr
        assert (
            "nancy.canon failed: Install and load NFS exports: exportfs: /srv/backup is not a directory"
            in (failed.stderr)
        )  # the error names the host and why, in the failing command's words
        assert "nancy.canon  switch  failed" in failed.stderr  # the table, on stderr
        assert loaded(nancy) == []
    finally:
        nancy.ssh("rm -f /srv/backup")
    done = run_elenta(*command, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nancy.canon  switch  done" in done.stdout and "ran nfs" in done.stdout
    folder = Path(done.stdout.split("record: ")[1].split()[0])
    record = json.loads((folder / "record.json").read_text())
    assert [(r["canon"], r["result"]) for r in record["results"]] == [("nancy.canon", "done")]
    assert "Install and load NFS exports" in (folder / "pyinfra.log").read_text()
    assert len(loaded(nancy)) == 3
