"""The artifacts of a plan: the files every registered subsystem renders from the lab.

Each subsystem gives them through `Subsystem.artifacts(lab)` (see `elenta.subsystem`):

    def artifacts(self, lab):
        yield Artifact("dns", "toto", "zones/canon.zone", zone_text.encode())

`build_artifacts(lab)` gathers them all; nothing here names a subsystem.
"""

from __future__ import annotations

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


def registered_builders() -> dict[str, ArtifactBuilder]:
    """Each registered subsystem's artifact builder, by name: `registered_builders()["nfs"](lab)`."""
    from elenta.subsystem import registered

    return {s.name: s.artifacts for s in sorted(registered(), key=lambda s: s.name)}


def build_artifacts(lab: Lab) -> list[Artifact]:
    """All artifacts of all subsystems, sorted by path: `build_artifacts(load_lab("examples/lab"))`."""
    out: list[Artifact] = []
    for builder in registered_builders().values():
        out.extend(builder(lab))
    return sorted(out, key=lambda a: (a.subsystem, a.path))
