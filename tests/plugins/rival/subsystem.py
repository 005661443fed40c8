"""Another DNS: `ELENTA_PLUGINS=-dns,tests.plugins.rival.subsystem` (it provides `dns_servers`)."""

from __future__ import annotations

from elenta.model.lab import Lab
from elenta.subsystem import Subsystem


def dns_servers(lab: Lab) -> dict[str, list[str]]:
    """hermes answers DNS on its cadaster address: `{"hermes": ["127.0.1.5"]}`."""
    return {"hermes": [str(lab.cadaster.address("hermes"))]}


class Rival(Subsystem):
    """Renders and deploys nothing; tells DHCP which machines answer DNS."""

    name = "rival"
    provides = {"dns_servers": "tests.plugins.rival.subsystem:dns_servers"}


subsystem = Rival()
