"""Is a host where the plan wants it? Pure decisions on the NixosSystem fact, shared by status,
the no-op fast path and the operations."""

from __future__ import annotations

from typing import Any

ACTIONS = ("test", "switch", "boot")


def pending_change(action: str, facts: dict[str, Any], desired: str) -> str | None:
    """Why `action` would change the host, or None when it is already done (a no-op).

    `pending_change("test", {"current": "/nix/store/a"}, "/nix/store/a")` -> None
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    reasons = []
    if action in ("test", "switch") and facts.get("current") != desired:
        reasons.append(f"running {facts.get('current') or 'nothing'}")
    if action in ("switch", "boot"):
        if facts.get("profile_system") != desired:
            reasons.append(f"profile at {facts.get('profile_system') or 'nothing'}")
        elif facts.get("next_boot") != desired:
            reasons.append(f"boots {facts.get('next_boot') or 'nothing'}")
    return "; ".join(reasons) or None


def compliance(facts: dict[str, Any] | None, desired: str) -> dict[str, Any]:
    """Status columns for one host: running/boot match, and `compliant` (running the plan).

    `compliance({"current": "/a", "next_boot": "/b"}, "/a")["compliant"]` -> True
    """
    if facts is None:
        return {"running_ok": False, "boot_ok": False, "compliant": False}
    boots = facts.get("next_boot") or facts.get("profile_system")
    running_ok = facts.get("current") == desired
    return {"running_ok": running_ok, "boot_ok": boots == desired, "compliant": running_ok}
