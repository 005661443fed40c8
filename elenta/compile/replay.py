"""Replaying a stored plan: a lab folder rebuilt from the plan's own inputs, for the deploy pipeline.

A plan carries its validated cadaster and constellations (`inputs/`). To apply an older plan
(a rollback), `replay_lab(lab, plan, revision)` writes a lab folder under
`<state>/replay/<hash>/`: the plan's inputs, plus the lab's other files (the flake and what it
imports) taken from git at the revision recorded when the plan was applied, or copied from the
lab folder as it is now when that revision is unknown or was dirty. The deploy pipeline then
runs on that folder exactly as on the lab itself.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from elenta.compile.plan import INPUTS, Plan, PlanError
from elenta.model.lab import Lab, load_lab
from elenta.model.loading import SUFFIXES

_SKIP = {".elenta", "constellations", ".git"}


def _is_input(name: str) -> bool:
    return name in _SKIP or name.startswith("result") or any(name == f"cadaster{s}" for s in SUFFIXES)


def _export_revision(root: Path, revision: str, target: Path) -> bool:
    """Extract the lab folder at a clean git revision into `target`; False when that is not possible."""
    if not revision or revision.endswith("dirty") or revision == "unknown":
        return False
    prefix = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--show-prefix"], capture_output=True, text=True, check=False
    )
    if prefix.returncode != 0:
        return False
    tree = f"{revision}:{prefix.stdout.strip()}"
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", tree], capture_output=True)
    if archive.returncode != 0:
        return False
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        members = [m for m in tar.getmembers() if not _is_input(m.name.split("/", 1)[0])]
        tar.extractall(target, members=members, filter="data")
    return True


def _copy_current(root: Path, target: Path) -> None:
    for entry in sorted(root.iterdir()):
        if _is_input(entry.name):
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, target / entry.name, follow_symlinks=False)


def replay_lab(lab: Lab, plan: Plan, revision: str | None = None) -> Lab:
    """A Lab loaded from a folder holding `plan`'s inputs and the lab's flake files.

    `replay_lab(lab, store.load("b222df97"), "1af1e40…")`; its state stays the lab's own
    (`ELENTA_STATE_DIR` must point there while the pipeline runs: see `rollout.pipeline_runner`).
    """
    inputs = {
        rel[len(INPUTS) + 1 :]: data for rel, data in plan.files.items() if rel.startswith(f"{INPUTS}/")
    }
    if not any(rel.startswith("cadaster.") for rel in inputs):
        raise PlanError(f"plan {plan.short} holds no inputs (made by an older elenta); it cannot be replayed")
    target = lab.state_dir / "replay" / plan.hash.removeprefix("sha256:")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if not _export_revision(lab.root, revision or "", target):
        _copy_current(lab.root, target)
    for rel, data in inputs.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # What the plan placed stays placed (placement is stable only against a memory).
    return load_lab(target, placement_memory=dict(plan.manifest.get("placement") or {}))
