"""Build the selected machines' systems on the deployer, each role once, in one `nix build` run.

`build_systems(lab, ["toto", "nancy"])` -> `{"toto": BuiltSystem("/nix/store/…-dns", "abc123", ".#dns")}`.
Nix builds the derivations in parallel up to `--max-jobs limit`; the flake's git revision is given
to the evaluation (`ELENTA_REVISION`, read with `--impure`) and recorded with each system.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from elenta.compile.revision import git_revision
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.model.names import flake_attr
from elenta.nix import NixError, flake_snapshot, flake_uri, nix_environment, summarise_nix_error


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


@contextmanager
def flake_source(lab: Lab) -> Iterator[Path]:
    """The folder to build from: a snapshot of the lab's flake without its state (`flake_snapshot`)."""
    with flake_snapshot(lab.flake_dir) as source:
        yield source


def toplevel_installable(lab: Lab, ref: str, source: Path | None = None) -> str:
    """`.#dns` -> `path:/abs/lab#nixosConfigurations.dns.config.system.build.toplevel`."""
    base = flake_uri(ref, source or lab.flake_dir).split("#", 1)[0]
    return f"{base}#nixosConfigurations.{flake_attr(ref)}.config.system.build.toplevel"


def build_systems(
    lab: Lab, machines: list[str], *, config: str | None = None, limit: int = 4, timeout: float = 600
) -> dict[str, BuiltSystem]:
    """Build each machine's host configuration (or `config` for all) once per reference."""
    refs: dict[str, str] = {}
    for machine in machines:
        ref = config or lab.host_config(machine)
        if not ref:
            raise BuildError(f"{lab.cadaster_file}: machines.{machine}: no hostConfig in any constellation")
        refs[machine] = ref
    if not refs:
        return {}
    revision = git_revision(lab.flake_dir)
    unique = sorted(set(refs.values()))
    with flake_source(lab) as source:
        installables = [toplevel_installable(lab, ref, source) for ref in unique]
        try:
            proc = subprocess.run(
                ["nix", "build", "--impure", "--no-link", "--json", "--max-jobs", str(limit), *installables],
                env=nix_environment({"ELENTA_REVISION": revision}, config=lab.settings.nix.config),
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(f"building {', '.join(unique)} took longer than {timeout} s") from None
    if proc.returncode != 0:
        users = {ref: ", ".join(m for m, r in refs.items() if r == ref) for ref in unique}
        what = ", ".join(f"{r} (for {users[r]})" for r in unique)
        raise BuildError(f"building {what} failed: {summarise_nix_error(proc.stderr)}")
    try:
        outputs = [entry["outputs"]["out"] for entry in json.loads(proc.stdout)]
    except (ValueError, KeyError, TypeError) as exc:
        raise NixError(f"nix build printed no store paths ({exc})") from None
    by_ref = dict(zip(unique, outputs, strict=True))
    return {m: BuiltSystem(by_ref[r], revision, r) for m, r in refs.items()}
