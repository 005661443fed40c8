"""Build the selected machines' systems on the deployer, in one pure `nix build` run.

`build_systems(lab, ["toto", "nancy"])` -> `{"toto": BuiltSystem("/nix/store/…-dns", "abc123", ".#dns")}`.
Each machine's system is `elentaHosts.<machine>` of the lab's flake: its host configuration with
the machine's module from the plan (docs/nixos.md), which the build writes into the copy of the
flake it builds (`plan/artifacts/nixos/`). A flake that does not adopt the module yet is built as
before, one system per `hostConfig` reference. Nix builds in parallel up to `--max-jobs limit`.

Builds are pure: the lab's git revision is recorded beside each system (deploy records, history,
`/var/lib/elenta/system-revision` on the host), never inside it, so a commit changes no store path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.model.names import flake_attr
from elenta.nix import NixError, flake_snapshot, flake_uri, nix_environment, summarise_nix_error
from elenta.nixos.artifacts import FLAKE_FOLDER, nixos_files

# What `BuiltSystem.config` says for a machine whose hostConfig is a literal table only.
LITERAL = "hostConfig (table)"
HOSTS_OUTPUT = "elentaHosts"


class BuildError(ElentaError):
    """A machine's system did not build; the message names the machine, its config and Nix's error."""


@dataclass(frozen=True)
class BuiltSystem:
    """What a machine should run: store path, the flake revision and the reference built."""

    path: str
    revision: str
    config: str

    def as_dict(self) -> dict[str, str]:
        """`{"path": …, "revision": …, "config": …}` for the deploy record's systems.json."""
        return asdict(self)


def git_revision(folder: Path) -> str:
    """The last commit that touched the folder (`-dirty` if it has changes since), or "unknown".

    Scoped to the lab folder so that commits elsewhere in the repository redeploy nothing.
    `git_revision(Path("examples/lab"))` -> `"5a8670d…-dirty"`
    """

    if shutil.which("git") is None:
        return "unknown"

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=False)

    head = git("log", "-1", "--format=%H", "--", ".")
    if head.returncode != 0 or not head.stdout.strip():
        return "unknown"
    dirty = git("status", "--porcelain", "--", ".").stdout.strip()
    return head.stdout.strip() + ("-dirty" if dirty else "")


@contextmanager
def flake_source(lab: Lab) -> Iterator[Path]:
    """The folder to build from: a snapshot of the lab's flake without its state (`flake_snapshot`),
    with this lab's NixOS modules in `plan/artifacts/nixos/` (replacing any older ones there)."""
    with flake_snapshot(lab.flake_dir) as source:
        target = source / FLAKE_FOLDER
        if target.exists():
            shutil.rmtree(target)
        for rel, data in nixos_files(lab).items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        yield source


def toplevel_installable(lab: Lab, ref: str, source: Path | None = None) -> str:
    """`.#dns` -> `path:/abs/lab#nixosConfigurations.dns.config.system.build.toplevel`."""
    base = flake_uri(ref, source or lab.flake_dir).split("#", 1)[0]
    return f"{base}#nixosConfigurations.{flake_attr(ref)}.config.system.build.toplevel"


def host_installable(lab: Lab, machine: str, source: Path | None = None) -> str:
    """`toto` -> `path:/abs/lab#elentaHosts.toto.config.system.build.toplevel` (its module applied)."""
    base = flake_uri(".#x", source or lab.flake_dir).split("#", 1)[0]
    return f"{base}#{HOSTS_OUTPUT}.{machine}.config.system.build.toplevel"


def _nix_build(
    installables: list[str], limit: int, timeout: float, what: str
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["nix", "build", "--no-link", "--json", "--max-jobs", str(limit), *installables],
            env=nix_environment(),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"building {what} took longer than {timeout} s") from None


def _outputs(proc: subprocess.CompletedProcess[str]) -> list[str]:
    try:
        return [entry["outputs"]["out"] for entry in json.loads(proc.stdout)]
    except (ValueError, KeyError, TypeError) as exc:
        raise NixError(f"nix build printed no store paths ({exc})") from None


def _without_hosts_output(stderr: str) -> bool:
    """True when Nix says the flake has no `elentaHosts` (it has not adopted elenta's module)."""
    return "does not provide attribute" in stderr and f"'{HOSTS_OUTPUT}." in stderr


def build_systems(
    lab: Lab, machines: list[str], *, config: str | None = None, limit: int = 4, timeout: float = 600
) -> dict[str, BuiltSystem]:
    """Build each machine's system (`elentaHosts.<machine>`), or `config` as it is for all of them.

    Raises BuildError naming the machines whose system failed and Nix's error.
    """
    if not machines:
        return {}
    revision = git_revision(lab.flake_dir)
    if config is not None:
        return _build_refs(lab, dict.fromkeys(machines, config), revision, limit, timeout)
    for machine in machines:
        if not lab.has_system(machine):
            raise BuildError(f"{lab.cadaster_file}: machines.{machine}: no hostConfig in any constellation")
    with flake_source(lab) as source:
        installables = [host_installable(lab, m, source) for m in machines]
        proc = _nix_build(installables, limit, timeout, ", ".join(machines))
    if proc.returncode != 0 and _without_hosts_output(proc.stderr):
        refs = {m: lab.host_config(m) for m in machines}
        literal = sorted(m for m, r in refs.items() if not r)
        if literal:
            raise BuildError(
                f"{', '.join(literal)}: a hostConfig table needs elenta's module, and the lab's flake has no "
                f"{HOSTS_OUTPUT} output (docs/nixos.md shows the two lines that add it)"
            )
        return _build_refs(lab, {m: r for m, r in refs.items() if r}, revision, limit, timeout)
    if proc.returncode != 0:
        raise BuildError(f"building {', '.join(machines)} failed: {summarise_nix_error(proc.stderr)}")
    paths = dict(zip(machines, _outputs(proc), strict=True))
    return {m: BuiltSystem(paths[m], revision, lab.host_config(m) or LITERAL) for m in machines}


def _build_refs(
    lab: Lab, refs: dict[str, str], revision: str, limit: int, timeout: float
) -> dict[str, BuiltSystem]:
    """Build flake references as they are (no module), each reference once."""
    unique = sorted(set(refs.values()))
    with flake_source(lab) as source:
        installables = [toplevel_installable(lab, ref, source) for ref in unique]
        proc = _nix_build(installables, limit, timeout, ", ".join(unique))
    if proc.returncode != 0:
        users = {ref: ", ".join(m for m, r in refs.items() if r == ref) for ref in unique}
        what = ", ".join(f"{r} (for {users[r]})" for r in unique)
        raise BuildError(f"building {what} failed: {summarise_nix_error(proc.stderr)}")
    by_ref = dict(zip(unique, _outputs(proc), strict=True))
    return {m: BuiltSystem(by_ref[r], revision, r) for m, r in refs.items()}
