"""Subsystem deploys run by `deploy.py` on each host: one module per subsystem, found by name.

Each module in this package defines

    def wanted(host) -> bool:          # from host.data, e.g. "dns" in host.data.elenta_subsystems
        ...

    @deploy("DNS zones")               # pyinfra.api.deploy
    def apply() -> None:
        ...                            # operations of elenta.operations.<subsystem>

`subsystem_deploys()` returns them in a fixed order; adding a subsystem needs no other edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

# Order matters where one subsystem serves another: DNS before NFS (clients named by DNS).
ORDER = ("nixos", "hostdata", "dns", "dhcp", "nfs", "netboot", "switch")


def subsystem_deploys() -> list[ModuleType]:
    """The deploy modules of every subsystem, `ORDER` first then by name: `subsystem_deploys()`."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    names.sort(key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    return [importlib.import_module(f"{__name__}.{n}") for n in names]
