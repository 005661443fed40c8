"""What a deploy reports is what the hosts say: read each host's state (the same one round trip as
the no-op) before acting and before the final table, and wait for what is still undecided.

`wait_for_leftovers(...)` before acting: deploys an earlier (killed) run left undecided on a host
are reported per host and waited for. `read_settled(...)` after acting: every touched host's state,
once its watchdog decided (up to a timeout). `truthful(...)`: a table row from that state.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from elenta.facts.nixos import UNDECIDED
from elenta.nixos.build import BuiltSystem
from elenta.nixos.compliance import next_boot, pending_change
from elenta.nixos.status import HostStatus, read_status, short_path
from elenta.pipeline.ssh import SshTarget


def _where(st: HostStatus) -> str:
    facts = st.facts or {}
    return f"runs {short_path(facts.get('current'))}, boots {short_path(next_boot(facts))}"


def _poll(
    targets: dict[str, SshTarget],
    desired: dict[str, BuiltSystem],
    statuses: dict[str, HostStatus],
    waiting: Callable[[HostStatus], bool],
    timeout: float,
    deploy_id: str | None = None,
) -> dict[str, HostStatus]:
    """Re-read the hosts `waiting` holds for, once a second, until none does or `timeout` passes."""
    deadline = time.monotonic() + timeout
    pending = [c for c, st in statuses.items() if waiting(st)]
    while pending and time.monotonic() < deadline:
        time.sleep(1)
        fresh = read_status({c: targets[c] for c in pending}, desired, deploy_id=deploy_id)
        statuses.update(fresh)
        pending = [c for c in pending if waiting(statuses[c])]
    return statuses


def wait_for_leftovers(
    targets: dict[str, SshTarget],
    desired: dict[str, BuiltSystem],
    statuses: dict[str, HostStatus],
    timeout: float,
    echo: Callable[[str], None],
) -> dict[str, str]:
    """Report, per host, the deploys an earlier run left undecided, and wait for them to end.

    Returns `{canon: why}` for hosts still undecided after `timeout` (they must not be touched).
    """

    def left(st: HostStatus) -> dict[str, str]:
        return {i: s for i, s in ((st.facts or {}).get("deploys") or {}).items() if s != "interrupted"}

    found = {c: (st.facts or {}).get("deploys") or {} for c, st in statuses.items()}
    for canon, deploys in found.items():
        for deploy_id, state in deploys.items():
            if state == "interrupted":
                echo(
                    f"[{canon}] deploy {deploy_id} left an activation that died without a result; "
                    f"the host {_where(statuses[canon])}"
                )
            else:
                echo(f"[{canon}] deploy {deploy_id} is still {state} here (an earlier run); waiting for it")
    if not any(left(st) for st in statuses.values()):
        return {}
    _poll(targets, desired, statuses, lambda st: bool(left(st)), timeout)
    still = {}
    for canon, deploys in found.items():
        if not deploys:
            continue
        now = left(statuses[canon])
        if now:
            still[canon] = "; ".join(f"deploy {i} still {s} after {int(timeout)} s" for i, s in now.items())
        elif any(s != "interrupted" for s in deploys.values()):
            echo(f"[{canon}] the earlier deploy ended: the host {_where(statuses[canon])}")
    return still


def read_settled(
    targets: dict[str, SshTarget],
    desired: dict[str, BuiltSystem],
    deploy_id: str,
    timeout: float,
    echo: Callable[[str], None],
) -> dict[str, HostStatus]:
    """Every host's state after the deploy; hosts whose watchdog has not decided yet are waited for."""
    statuses = read_status(targets, desired, deploy_id=deploy_id)

    def undecided(st: HostStatus) -> bool:
        return st.facts is not None and st.facts.get("deploy") in UNDECIDED

    for canon, st in statuses.items():
        if undecided(st):
            state = (st.facts or {}).get("deploy")
            what = "rolling back (watchdog)" if state != "activating" else "still activating"
            echo(f"[{canon}] {what}: waiting up to {int(timeout)} s for the host to decide")
    return _poll(targets, desired, statuses, undecided, timeout, deploy_id)


def truthful(action: str, st: HostStatus, result: str, detail: str) -> tuple[str, str]:
    """The row a host earns from its own state: `(result, detail)`, given what the events said.

    A host confirmed on the new system is `changed` whatever the run's events say; one the deploy
    never activated keeps its result, with what it runs now; one rolled back gives the host's
    reason; one still undecided is `undecided` (its watchdog decides by itself).
    """
    if st.facts is None:
        return result, f"{detail}; state now unknown: {st.error}" if detail else f"state unknown: {st.error}"
    state = st.facts.get("deploy")
    if state is None:
        return result, f"{detail} (the host {_where(st)})" if detail else f"the host {_where(st)}"
    if state == "confirmed":
        if pending_change(action, st.facts, st.desired.path) is None:
            return "changed", detail if result == "changed" and detail else f"confirmed: {_where(st)}"
        return "failed", f"confirmed, but the host {_where(st)}"
    if state == "rolled-back":
        return "rolled-back", f"{st.facts.get('reason') or detail or 'rolled back'}; {_where(st)}"
    return "undecided", f"{state}: its watchdog decides by itself; the host {_where(st)}"
