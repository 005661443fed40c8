"""A plan: the compiled lab as a directory of canonical bytes with one content hash.

Layout of a plan directory:

    manifest.json                         machines (configuration, vms, containers, data, ...)
                                          and, per subsystem, every artifact's sha256
    plan.sha256                           the plan's hash: sha256 of manifest.json
    inputs/cadaster.json, inputs/constellations/<name>.json
                                          the validated inputs, a lab folder `load_lab` reads:
                                          a plan is self-contained, so it can be applied again
    artifacts/<subsystem>/lab/<path>      lab-wide artifacts
    artifacts/<subsystem>/machines/<m>/<path>   artifacts for one machine

No timestamps, sorted keys: the same inputs give byte-identical directories and the same hash.
`plan = build_plan(lab)`; `plan.write(Path("out"))`; `read_plan(Path("out")).hash`.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elenta.compile.artifacts import Artifact
from elenta.compile.canonical import canonical_bytes, sha256
from elenta.compile.checks import validate_lab
from elenta.model.errors import ElentaError, ModelError
from elenta.model.lab import Lab

FORMAT = 1
MANIFEST = "manifest.json"
HASH_FILE = "plan.sha256"
INPUTS = "inputs"


class PlanError(ElentaError):
    """A plan cannot be built, read or written (a bad artifact path, a damaged plan directory)."""


def artifact_file(subsystem: str, machine: str | None, path: str) -> str:
    """Where an artifact lives inside a plan: `artifact_file("dns", None, "canon.zone")`.

    -> `'artifacts/dns/lab/canon.zone'`
    """
    where = "lab" if machine is None else f"machines/{machine}"
    return f"artifacts/{subsystem}/{where}/{path}"


def _check_artifact(artifact: Artifact) -> None:
    path = artifact.path
    normal = posixpath.normpath(path) if path else ""
    if not path or path.startswith("/") or normal != path or normal.startswith("..") or "\\" in path:
        raise PlanError(
            f"subsystem {artifact.subsystem!r} built an artifact with path {path!r} for "
            f"{artifact.machine or 'the lab'}: artifact paths must be relative, normalised, without '..'"
        )
    if not isinstance(artifact.content, bytes):
        raise PlanError(f"subsystem {artifact.subsystem!r}: artifact {path!r} content must be bytes")


@dataclass(frozen=True)
class Plan:
    """A compiled plan in memory: the manifest and the files of its directory."""

    manifest: dict[str, Any]
    files: dict[str, bytes]

    @property
    def manifest_bytes(self) -> bytes:
        return self.files[MANIFEST]

    @property
    def hash(self) -> str:
        """The content hash: sha256 of the canonical manifest (which holds every artifact's hash)."""
        return sha256(self.manifest_bytes)

    @property
    def short(self) -> str:
        """The first 12 hex digits of the hash, as `elenta history` shows it."""
        return self.hash.removeprefix("sha256:")[:12]

    @property
    def scope(self) -> str | None:
        """The machine of a sub-plan (`elenta plan --canon X`), None for the whole lab."""
        return self.manifest.get("scope")

    def artifact(self, subsystem: str, machine: str | None, path: str) -> bytes:
        """The bytes of one artifact: `plan.artifact("hostdata", "toto", "host.json")`."""
        return self.files[artifact_file(subsystem, machine, path)]

    def write(self, directory: Path) -> Path:
        """Write the plan directory atomically (into a sibling temp dir, then rename).

        An existing directory is replaced only if it is a plan directory itself.
        """
        directory = Path(directory)
        if directory.exists() and any(directory.iterdir()) and not (directory / MANIFEST).exists():
            raise PlanError(f"{directory} exists and is not a plan directory; not overwriting it")
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        tmp.chmod(0o755)
        try:
            for rel, data in sorted(self.files.items()):
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            (tmp / HASH_FILE).write_text(self.hash + "\n")
            if directory.exists():
                old = directory.with_name(f".{directory.name}.old.{os.getpid()}")
                directory.rename(old)
                tmp.rename(directory)
                shutil.rmtree(old)
            else:
                tmp.rename(directory)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        return directory


def _install(installed: dict[str, dict[str, str]], artifact: Artifact) -> None:
    """Record where a machine's artifact is installed; two artifacts at one host path collide."""
    where = artifact.installed_at or ""
    if artifact.machine is None or not where.startswith("/") or posixpath.normpath(where) != where:
        raise PlanError(
            f"subsystem {artifact.subsystem!r}: artifact {artifact.path!r} is installed at {where!r}: "
            "only a machine's artifact has an install path, and it must be absolute and normalised"
        )
    table = installed.setdefault(artifact.machine, {})
    name = f"{artifact.subsystem}/{artifact.path}"
    if where in table:
        raise PlanError(f"{artifact.machine}: {where} would be written by both {table[where]} and {name}")
    table[where] = name


def assemble_plan(
    machines: dict[str, dict[str, Any]],
    artifacts: Iterable[Artifact],
    scope: str | None,
    inputs: dict[str, bytes] | None = None,
    placement: dict[str, str] | None = None,
) -> Plan:
    """Build a Plan from machine entries, artifacts and inputs (pure): `assemble_plan({...}, [], None)`."""
    files: dict[str, bytes] = {f"{INPUTS}/{rel}": data for rel, data in (inputs or {}).items()}
    subsystems: dict[str, dict[str, Any]] = {}
    installed: dict[str, dict[str, str]] = {}
    for artifact in artifacts:
        _check_artifact(artifact)
        rel = artifact_file(artifact.subsystem, artifact.machine, artifact.path)
        if rel in files:
            raise PlanError(
                f"subsystem {artifact.subsystem!r} built {artifact.path!r} for "
                f"{artifact.machine or 'the lab'} twice"
            )
        files[rel] = artifact.content
        table = subsystems.setdefault(artifact.subsystem, {"lab": {}, "machines": {}})
        where = (
            table["lab"] if artifact.machine is None else table["machines"].setdefault(artifact.machine, {})
        )
        where[artifact.path] = sha256(artifact.content)
        if artifact.installed_at is not None:
            _install(installed, artifact)
    manifest = {
        "elenta_plan": FORMAT,
        "scope": scope,
        "machines": machines,
        "subsystems": subsystems,
        "inputs": {rel: sha256(data) for rel, data in sorted((inputs or {}).items())},
    }
    if installed:
        manifest["installed"] = installed
    if placement:
        # What elenta placed (`elenta place`): the memory the next plan keeps placements from.
        manifest["placement"] = dict(sorted(placement.items()))
    files[MANIFEST] = canonical_bytes(manifest)
    return Plan(manifest, files)


def build_plan(lab: Lab, canon: str | None = None) -> Plan:
    """Check and compile the lab into a plan; with `canon`, the sub-plan of that one machine.

    `build_plan(load_lab("examples/lab"), canon="toto.canon").scope` -> `'toto'`
    Raises CheckError (every fault, naming both sides) before any artifact is built.
    """
    valid = validate_lab(lab)
    scope = None
    if canon is not None:
        try:
            scope = lab.machine_name(canon)
        except KeyError as exc:
            raise ModelError.one(lab.cadaster_file, ("machines",), exc.args[0]) from None
    artifacts = [a for a in valid.artifacts if scope is None or a.machine in (None, scope)]
    entries = {name: entry.config for name, entry in valid.machines.items() if scope is None or name == scope}
    return assemble_plan(entries, artifacts, scope, plan_inputs(lab), lab.placement.where)


def plan_inputs(lab: Lab) -> dict[str, bytes]:
    """The cadaster and constellation files, byte for byte, as a lab folder inside `inputs/`.

    `plan_inputs(lab)` -> `{"cadaster.toml": b"...", "constellations/homelab.toml": b"..."}`.
    A `.nix` input is stored as the JSON it evaluated to (it may import files of its own).
    """
    out: dict[str, bytes] = {}
    sources = [(Path(lab.cadaster_file), "", lab.cadaster)] + [
        (Path(c.file), "constellations/", c.model) for c in lab.constellations
    ]
    for path, folder, model in sources:
        if path.suffix.lower() == ".nix":
            data = json.dumps(model.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=1)
            rel, content = f"{folder}{path.stem}.json", (data + "\n").encode()
        else:
            rel, content = f"{folder}{path.name}", path.read_bytes()
        if rel in out:
            raise PlanError(f"two input files would both be {INPUTS}/{rel}; rename one")
        out[rel] = content
    return out


def read_plan(directory: Path) -> Plan:
    """Read and verify a plan directory: `read_plan(Path(".elenta/plans/ab12…"))`.

    Raises PlanError when the manifest, the hash or any artifact does not match.
    """
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise PlanError(f"{directory} is not a plan directory (no {MANIFEST})")
    manifest_bytes = manifest_path.read_bytes()
    try:
        manifest = json.loads(manifest_bytes)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{manifest_path}: not JSON ({exc})") from None
    if manifest.get("elenta_plan") != FORMAT:
        raise PlanError(f"{manifest_path}: unknown plan format {manifest.get('elenta_plan')!r}")
    files = {MANIFEST: manifest_bytes}
    for subsystem, table in manifest.get("subsystems", {}).items():
        listed = [(None, table.get("lab", {})), *list(table.get("machines", {}).items())]
        for machine, paths in listed:
            for path, digest in paths.items():
                rel = artifact_file(subsystem, machine, path)
                target = directory / rel
                if not target.is_file():
                    raise PlanError(f"{directory}: artifact {rel} is missing")
                data = target.read_bytes()
                if sha256(data) != digest:
                    raise PlanError(f"{directory}: artifact {rel} does not match its hash in {MANIFEST}")
                files[rel] = data
    for rel, digest in manifest.get("inputs", {}).items():
        target = directory / INPUTS / rel
        if not target.is_file() or sha256(target.read_bytes()) != digest:
            raise PlanError(f"{directory}: input {INPUTS}/{rel} is missing or does not match {MANIFEST}")
        files[f"{INPUTS}/{rel}"] = target.read_bytes()
    plan = Plan(manifest, files)
    hash_path = directory / HASH_FILE
    if hash_path.is_file() and hash_path.read_text().strip() != plan.hash:
        raise PlanError(f"{hash_path} does not match {MANIFEST}")
    return plan
