"""Every artifact of the selected subsystems, rendered and validated before any host is touched.

`elenta check` and every deploy call the same function, so a lab that passes `check` cannot fail
a deploy for a reason `check` could have known:

    validate_artifacts(lab)                          # elenta check: every subsystem
    validate_artifacts(lab, ("nixos", "dns"))        # a deploy's scope; () means every subsystem

It runs the model's checks (`check_lab`), each selected subsystem's artifact builder (a render
fault is an ElentaError naming file and key), then the validators of what was rendered: zones
through `named-checkzone`. One fault raises CheckError (exit 2) naming the file and key behind it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable

from elenta.compile.artifacts import Artifact, registered_builders
from elenta.compile.checks import CheckError, check_lab
from elenta.model.errors import ElentaError, Fault, ModelError, key_path
from elenta.model.lab import Lab

ZONE_PREFIX = "dns/zones/"


def _zone_faults(lab: Lab, zone: str, message: str) -> list[Fault]:
    """The fault at each constellation domain inside `zone` (else at the cadaster's networks)."""
    found = [
        Fault(lc.file, key_path(("domains", domain)), message)
        for lc in lab.constellations
        for domain in lc.model.domains
        if domain == zone or domain.endswith("." + zone)
    ]
    return found or [Fault(str(lab.cadaster_file), "networks", message)]


_TEMP_FILE = re.compile(r"\S*elenta-checkzone-[^/\s]+/[^:]+:(\d+): ")


def check_zones(lab: Lab, artifacts: list[Artifact]) -> None:
    """Every rendered zone through `named-checkzone -i local`; CheckError names the domain's file."""
    from elenta.dns.check import ZoneCheckError, check_zone_texts

    if shutil.which("named-checkzone") is None:
        raise CheckError(
            [Fault("(this machine)", "named-checkzone", "not installed (apt-get install bind9-utils)")]
        )
    texts = {
        a.path.removeprefix(ZONE_PREFIX).removesuffix(".zone"): a.content.decode()
        for a in artifacts
        if a.subsystem == "dns" and a.path.startswith(ZONE_PREFIX)
    }
    faults: list[Fault] = []
    for zone, text in texts.items():
        try:
            check_zone_texts({zone: text})
        except ZoneCheckError as exc:
            lines = [line.strip() for line in str(exc).splitlines()[1:] if line.strip()]
            detail = _TEMP_FILE.sub(r"line \1: ", lines[0] if lines else str(exc))
            faults += _zone_faults(lab, zone, f"zone {zone} is refused by named-checkzone: {detail}")
    if faults:
        raise CheckError(faults)


# What each subsystem's rendered artifacts are validated with, beyond rendering them.
VALIDATORS: dict[str, Callable[[Lab, list[Artifact]], None]] = {"dns": check_zones}


def validate_artifacts(
    lab: Lab, subsystems: tuple[str, ...] = (), *, skip_missing_tools: bool = False
) -> list[Artifact]:
    """Check the lab, render the selected subsystems' artifacts and validate them; return them.

    `skip_missing_tools` (offline `elenta check`): a validator whose tool is not installed is
    skipped (`validators_missing()` names them) instead of refusing.
    """
    check_lab(lab)
    artifacts: list[Artifact] = []
    for name, builder in registered_builders().items():
        if subsystems and name not in subsystems:
            continue
        try:
            rendered = list(builder(lab))
        except ModelError:
            raise
        except ElentaError as exc:
            raise CheckError([Fault(str(lab.root), name, str(exc))]) from None
        validator = VALIDATORS.get(name)
        if validator and rendered and not (skip_missing_tools and MISSING_TOOL.get(name, bool)()):
            validator(lab, rendered)
        artifacts += rendered
    return artifacts


def validators_missing() -> list[str]:
    """Tools a validator needs that this machine lacks: `["named-checkzone"]` (check says so)."""
    return [] if shutil.which("named-checkzone") else ["named-checkzone"]


# Per subsystem: is the tool its validator runs missing here?
MISSING_TOOL: dict[str, Callable[[], bool]] = {"dns": lambda: shutil.which("named-checkzone") is None}
