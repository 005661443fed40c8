"""The driver of a platform named in the cadaster: `driver_for("cisco_ios")`.

Each platform is one module in `elenta/switch/platforms/` (see `elenta.switch.platform`).
"""

from __future__ import annotations

from elenta.switch.platform import SwitchDriver
from elenta.switch.platforms import DRIVERS

CISCO_IOS = DRIVERS["cisco_ios"]
ARISTA_EOS = DRIVERS["arista_eos"]

__all__ = ["ARISTA_EOS", "CISCO_IOS", "DRIVERS", "SwitchDriver", "driver_for"]


def driver_for(platform: str) -> SwitchDriver:
    """The driver of a platform named in the cadaster, or KeyError listing the known ones."""
    try:
        return DRIVERS[platform]
    except KeyError:
        raise KeyError(
            f"unsupported switch platform {platform!r} (supported: {', '.join(DRIVERS)})"
        ) from None
