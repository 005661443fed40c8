"""Validation of zone texts by BIND's `named-checkzone`, before any server sees them."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from elenta.model.errors import ElentaError, Fault, key_path
from elenta.model.lab import Lab

# -i local: check in-zone integrity only; without it named-checkzone queries the system resolver.
CHECKZONE_FLAGS = ("-i", "local", "-k", "fail", "-M", "fail", "-S", "fail")


class ZoneCheckError(ElentaError):
    """`named-checkzone` rejected one or more zones; nothing was installed."""

    exit_code = 2


def checkzone_command(zone: str, path: str) -> list[str]:
    """The exact command run per zone: `checkzone_command("canon", "/t/canon.zone")`."""
    return ["named-checkzone", *CHECKZONE_FLAGS, zone, path]


def check_zone_texts(texts: dict[str, str]) -> None:
    """Run `named-checkzone -i local -k fail -M fail -S fail` on every zone, in parallel.

    `check_zone_texts({"canon": text})`; raises ZoneCheckError with its output for each bad zone.
    """
    if shutil.which("named-checkzone") is None:
        raise ZoneCheckError(
            "named-checkzone is not installed (apt-get install bind9-utils); zones not checked"
        )
    with tempfile.TemporaryDirectory(prefix="elenta-checkzone-") as tmp:
        running = []
        for number, (zone, text) in enumerate(texts.items()):
            path = Path(tmp) / f"zone-{number}"  # a zone's name can be longer than a file name
            path.write_text(text)
            command = checkzone_command(zone, str(path))
            running.append(
                (zone, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
            )
        failures = []
        for zone, proc in running:
            out, _ = proc.communicate()
            if proc.returncode != 0:
                detail = "\n    ".join(line for line in out.splitlines() if line.strip())
                failures.append(f"zone {zone}: named-checkzone refused it:\n    {detail}")
    if failures:
        raise ZoneCheckError("\n".join(failures))


_TEMP_FILE = re.compile(r"\S*elenta-checkzone-[^/\s]+/[^:]+:(\d+): ")


def _zone_faults_at(lab: Lab, zone: str, message: str) -> list[Fault]:
    """The fault at each constellation domain inside `zone` (else at the cadaster's networks)."""
    found = [
        Fault(lc.file, key_path(("domains", domain)), message)
        for lc in lab.constellations
        for domain in lc.model.domains
        if domain == zone or domain.endswith("." + zone)
    ]
    return found or [Fault(str(lab.cadaster_file), "networks", message)]


def zone_faults(lab: Lab) -> list[Fault]:
    """Every zone of the lab through `named-checkzone -i local`, each refusal named at the domains
    (file and key) that make the zone: `zone_faults(lab)` -> `[]` when all pass or the tool is
    missing here (`elenta check` offline; a deploy refuses without it, see `Dns.deploy_check`)."""
    from elenta.dns.render import dns_hosts, lab_zone_texts

    if shutil.which("named-checkzone") is None or not dns_hosts(lab):
        return []  # no tool here, or nobody serves the zones: nothing rendered to validate
    faults: list[Fault] = []
    for zone, text in lab_zone_texts(lab).items():
        try:
            check_zone_texts({zone: text})
        except ZoneCheckError as exc:
            lines = [line.strip() for line in str(exc).splitlines()[1:] if line.strip()]
            detail = _TEMP_FILE.sub(r"line \1: ", lines[0] if lines else str(exc))
            faults += _zone_faults_at(lab, zone, f"zone {zone} is refused by named-checkzone: {detail}")
    return faults
