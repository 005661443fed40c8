"""Values computed once per loaded lab, kept on the `Lab` object itself (a new load starts afresh).

zones = once_per_lab(lab, "dns:zones", lambda: zone_names(lab))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from elenta.model.lab import Lab


def once_per_lab(lab: Lab, key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` the first time `key` is asked of this `lab`, the same value afterwards."""
    memo = vars(lab).setdefault("_elenta_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]
