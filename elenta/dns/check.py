"""Validation of zone texts by BIND's `named-checkzone`, before any server sees them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from elenta.model.errors import ElentaError

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
        for zone, text in texts.items():
            path = Path(tmp) / f"{zone}.zone"
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
