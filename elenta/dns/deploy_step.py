"""The DNS step of the deploy pipeline: before any host is touched, the zones can be validated."""

from __future__ import annotations

import shutil

from elenta.model.errors import ModelError
from elenta.subsystem import DeployRun


def check(run: DeployRun) -> None:
    """A deploy validates its zones before any host is touched: it needs `named-checkzone`.

    `check(run)` raises a ModelError naming the missing tool when a selected host serves DNS.
    """
    from elenta.dns.subsystem import subsystem

    serving = any(subsystem.wants(run.lab, m) for m in run.machines.values())
    if serving and shutil.which("named-checkzone") is None:
        why = "not installed (apt-get install bind9-utils): zones cannot be checked"
        raise ModelError.one("(this machine)", "named-checkzone", why)
