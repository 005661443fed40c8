"""What subsystem deploys share: reading a setting from host data or the machine's placement data."""

from __future__ import annotations

from typing import Any

from pyinfra import host


def setting(key: str) -> Any:
    """Host data first (inventory, `--data`), then the machine's constellation placement `data`.

    `setting("elenta_dhcp_sandbox")` -> `True` for the example lab's ifrit.
    """
    value = host.data.get(key)
    if value is None:
        value = (host.data.get("elenta_data") or {}).get(key)
    return value


def truthy(value: Any, default: bool) -> bool:
    """A flag from data that may be a bool or a string: `truthy("yes", False) is True`."""
    return default if value is None else str(value).lower() in ("1", "true", "yes")
