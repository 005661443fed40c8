"""Pre-deploy backup: what a host's roles declare is saved on the deployer with the deploy record.

`backup_host(target, ["/var/lib/elenta-dns"], [], deploy_dir / "backups" / "toto.canon.tar.gz")`
streams a tar of the paths (missing ones skipped) plus each command's output over one SSH connection.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

from elenta.model.errors import ElentaError
from elenta.model.lab import load_lab
from elenta.pipeline.deploy_settings import DeploySettings
from elenta.pipeline.record import note
from elenta.pipeline.ssh import SshTarget, ssh_argv


class BackupError(ElentaError):
    """The pre-deploy backup failed: nothing was activated on that host."""


HOST_BACKUPS = "/var/lib/elenta/backups"


def backup_plan(lab_dir: str, roles: list[str]) -> tuple[list[str], list[str]]:
    """`(paths, commands)` the roles ask to save: `backup_plan("/lab", ["dns"])`."""
    lab = load_lab(lab_dir)
    paths: list[str] = []
    commands: list[str] = []
    for role in roles:
        spec = lab.role(role).backup
        if spec:
            paths += [p for p in spec.paths if p not in paths]
            if spec.command:
                commands.append(spec.command)
    return paths, commands


def restore_commands(lab_dir: str, roles: list[str]) -> list[str]:
    """The roles' `backup.restore` commands, run by a rollback with `$ELENTA_BACKUP` set."""
    lab = load_lab(lab_dir)
    specs = [lab.role(role).backup for role in roles]
    return [spec.restore for spec in specs if spec and spec.restore]


def host_backup_path(deploy_id: str) -> str:
    """Where the host keeps its own copy of a deploy's backup (for `restore` on rollback)."""
    return f"{HOST_BACKUPS}/{deploy_id}.tar.gz"


def backup_command(paths: list[str], commands: list[str], deploy_id: str = "manual") -> str:
    """The host-side command: a gzipped tar on stdout (paths relative to /, outputs in `elenta-backup/`).

    The host keeps the same tar at `host_backup_path(deploy_id)` for a restore on rollback.
    """
    keep = host_backup_path(deploy_id)
    lines = ["set -e", "tmp=$(mktemp -d)", "mkdir $tmp/elenta-backup", f"mkdir -p {HOST_BACKUPS}"]
    for i, command in enumerate(commands):
        lines.append(f"( {command} ) > $tmp/elenta-backup/command-{i}.out")
    quoted = " ".join(shlex.quote(p) for p in paths)
    lines.append(f'set --; for p in {quoted}; do [ -e "$p" ] && set -- "$@" "${{p#/}}"; done')
    lines.append('if [ $# -gt 0 ]; then set -- -C / "$@"; fi')
    lines.append(f'tar czf {keep} -C $tmp elenta-backup "$@"')
    lines.append("rm -rf $tmp")
    lines.append(f"cat {keep}")
    return "\n".join(lines)


def backup_host(
    target: SshTarget, paths: list[str], commands: list[str], dest: Path, deploy_id: str = "manual"
) -> int:
    """Save the backup to `dest` on the deployer; returns its size in bytes, raises BackupError."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    argv = ssh_argv(target, backup_command(paths, commands, deploy_id))
    with open(dest, "wb") as out:
        proc = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, check=False, timeout=600)
    if proc.returncode != 0:
        raise BackupError(
            f"{target.name}: backup failed: {proc.stderr.decode(errors='replace').strip()[-300:]}"
        )
    return dest.stat().st_size


def backup_for_deploy(state: Any, host: Any, deploy_dir: str, deploy_id: str) -> None:
    """The pyinfra FunctionCommand body of the pre-deploy backup (runs on the deployer)."""
    paths, commands = backup_plan(host.data.get("elenta_lab"), list(host.data.get("elenta_roles") or []))
    dest = Path(deploy_dir) / "backups" / f"{host.name}.tar.gz"
    size = backup_host(SshTarget.from_data(host.data, host.name), paths, commands, dest, deploy_id)
    note(host.name, "backed up", f"{', '.join(paths + commands)} -> {dest} ({size} bytes)")


def needs_backup(settings: DeploySettings, lab_dir: str, roles: list[str]) -> bool:
    """A backup is taken before test/switch when a role declares one and the deploy has a record."""
    if settings.action not in ("test", "switch") or settings.deploy_dir is None:
        return False
    paths, commands = backup_plan(lab_dir, roles)
    return bool(paths or commands)
