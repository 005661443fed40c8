"""The motd of each machine: its placement data's `motd`, else a line naming the machine."""

from __future__ import annotations

from collections.abc import Iterator

from elenta.compile.artifacts import Artifact
from elenta.compile.merge import Contribution, Source
from elenta.model.errors import Fault
from elenta.model.lab import Lab

MOTD = "/etc/elenta-motd"
LIMIT = 200


def motd_machines(lab: Lab) -> list[str]:
    """The machines that get a motd: those with a NixOS host configuration."""
    return [m for m in lab.cadaster.machines if lab.host_config(m)]


def motd_text(lab: Lab, machine: str) -> str:
    """`motd_text(lab, "toto")` -> `"toto.canon: managed by elenta\\n"` unless the data says otherwise."""
    for hp in lab.placements.get(machine, []):
        if isinstance(hp.placement.data.get("motd"), str):
            return hp.placement.data["motd"] + "\n"
    return f"{lab.canon(machine)}: managed by elenta\n"


def motd_faults(lab: Lab) -> list[Fault]:
    """A motd is one line of printable text, at most LIMIT characters."""
    faults = []
    for machine in lab.cadaster.machines:
        for hp in lab.placements.get(machine, []):
            value = hp.placement.data.get("motd")
            if value is None:
                continue
            key = f"machines.{hp.key}.data.motd"
            if not isinstance(value, str) or not value.isprintable() or len(value) > LIMIT:
                faults.append(
                    Fault(
                        hp.constellation.file, key, f"a motd is one printable line of at most {LIMIT} chars"
                    )
                )
    return faults


def motd_artifacts(lab: Lab) -> Iterator[Artifact]:
    """One `motd` per machine (installed at MOTD), and the lab-wide `index.txt` of them all."""
    index = []
    for machine in motd_machines(lab):
        text = motd_text(lab, machine)
        index.append(f"{machine}: {text}")
        yield Artifact("motd", machine, "motd", text.encode(), installed_at=MOTD)
    yield Artifact("motd", None, "index.txt", "".join(index).encode())


def motd_options(lab: Lab, machine: str) -> list[Contribution]:
    """Its part of a NixOS machine's module where the data sets a motd: `users.motd` (`nixos_part`)."""
    return [
        Contribution(
            Source(hp.constellation.file, ("machines", hp.key, "data", "motd"), "motd"),
            {"users": {"motd": hp.placement.data["motd"]}},
        )
        for hp in lab.placements.get(machine, [])
        if isinstance(hp.placement.data.get("motd"), str)
    ]
