"""The one registration point through which each subsystem adds artifacts to a plan.

A subsystem (DNS, NFS, netboot, switch, per-host data) defines, in its `elenta/<subsystem>/render.py` module,
a pure function from the lab to artifacts and registers it:

    @artifact_builder("dns")
    def dns_artifacts(lab: Lab) -> Iterable[Artifact]:
        yield Artifact("dns", "toto", "zones/canon.zone", zone_text.encode())

`build_artifacts(lab)` imports the `render` module of every package of `elenta` so that each
registers itself;
nothing else needs editing when a subsystem is added.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from elenta.model.lab import Lab


@dataclass(frozen=True)
class Artifact:
    """One file of a plan: which subsystem, for which machine (None: lab-wide), where, what.

    `installed_at`, when a machine's artifact is installed as one file on it (e.g.
    `/etc/exports.d/elenta.exports`), lets the plan refuse two artifacts at one host path and lets
    `elenta drift` compare the installed file's hash with the plan.
    """

    subsystem: str
    machine: str | None
    path: str
    content: bytes
    installed_at: str | None = None


ArtifactBuilder = Callable[[Lab], Iterable[Artifact]]
_BUILDERS: dict[str, ArtifactBuilder] = {}


def artifact_builder(subsystem: str) -> Callable[[ArtifactBuilder], ArtifactBuilder]:
    """Register a builder for `subsystem`: `@artifact_builder("nfs")`."""

    def register(builder: ArtifactBuilder) -> ArtifactBuilder:
        _BUILDERS[subsystem] = builder
        return builder

    return register


def registered_builders() -> dict[str, ArtifactBuilder]:
    """Import every subsystem's render module (each registers itself); the builders by subsystem."""
    import elenta

    for info in pkgutil.iter_modules(elenta.__path__):
        if info.ispkg and importlib.util.find_spec(f"elenta.{info.name}.render") is not None:
            importlib.import_module(f"elenta.{info.name}.render")
    return dict(sorted(_BUILDERS.items()))


def build_artifacts(lab: Lab) -> list[Artifact]:
    """All artifacts of all subsystems, sorted by path: `build_artifacts(load_lab("examples/lab"))`."""
    out: list[Artifact] = []
    for builder in registered_builders().values():
        out.extend(builder(lab))
    return sorted(out, key=lambda a: (a.subsystem, a.path))
