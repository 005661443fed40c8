"""The motd deploy: `/etc/elenta-motd` on each host that wants it (pyinfra)."""

from __future__ import annotations

import io
from typing import Any

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import files

from elenta.model.lab import load_lab
from tests.plugins.motd.render import MOTD, motd_text


def wanted(host: Any) -> bool:
    """True for hosts whose `elenta_subsystems` name motd."""
    return "motd" in (host.data.get("elenta_subsystems") or ())


@deploy("Message of the day")
def apply() -> None:
    """Install the host's motd (an unchanged file is a no-op)."""
    lab = load_lab(host.data.get("elenta_lab"))
    text = motd_text(lab, host.data.get("elenta_machine"))
    files.put(name=f"Install {MOTD}", src=io.BytesIO(text.encode()), dest=MOTD, mode="644")
