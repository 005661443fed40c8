"""The switch step of a full deploy: which switches a selection names, checked first, pushed last.

Switches are not shell hosts: they are driven through netmiko (`elenta.operations.switch`), in
parallel, after the hosts. Their names and credentials are checked before any host is touched,
so a missing password never leaves a deploy half-applied.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from elenta.inventory import Selection
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.subsystem import DeployRun


@dataclass(frozen=True)
class SwitchOutcome:
    """One switch's row in the deploy table."""

    canon: str
    result: str  # changed, unchanged, failed
    seconds: float
    detail: str


def selected_switches(lab: Lab, selection: Selection) -> list[str]:
    """The managed switches a deploy includes: all for an empty selection, else those with a named tag.

    `selected_switches(lab, Selection())` -> `["sw1"]` (switches are named with `elenta net --switch`).
    """
    return [
        name
        for name, machine in lab.cadaster.machines.items()
        if machine.switch is not None and (selection.empty or set(selection.tags) & set(machine.tags))
    ]


def check_switches(lab: Lab, names: list[str]) -> None:
    """Raise the first cadaster, rendering, credential or host key fault of the switches, before a change."""
    if not names:
        return  # and netmiko stays unimported
    from elenta.operations.switch import check_host_keys, check_switch

    for name in names:
        check_switch(lab, name)
    check_host_keys(lab, names)  # an untrusted switch key refuses the deploy before any host
    # (a switch that cannot be reached now is reported by its push, after the hosts)


def push_switches(
    lab: Lab, names: list[str], echo: Callable[[str], None] = print, *, hosts_failed: bool = False
) -> list[SwitchOutcome]:
    """Apply each switch in parallel; one outcome per switch, failures included (never raises).

    With `hosts_failed`, nothing is pushed (network changes on top of a failed deploy would make
    its recovery harder): each switch is `skipped`.
    """
    if hosts_failed:
        for name in names:
            echo(f"{lab.canon(name)}: switch not pushed: hosts failed")
        return [SwitchOutcome(lab.canon(n), "skipped", 0.0, "not pushed: hosts failed") for n in names]
    if not names:
        return []  # and netmiko stays unimported
    from elenta.operations.switch import apply_switch, each_switch

    def one(lab: Lab, name: str) -> SwitchOutcome:
        started = time.monotonic()
        canon = lab.canon(name)
        try:
            result = apply_switch(lab, name)
        except ElentaError as exc:
            echo(f"{canon}: switch failed: {exc}")
            return SwitchOutcome(canon, "failed", time.monotonic() - started, str(exc))
        lines = len(result.change.remediation)
        outcome = "changed" if result.pushed else "unchanged"
        echo(f"{canon}: switch {outcome}" + (f" ({lines} lines pushed)" if result.pushed else ""))
        detail = f"{lines} lines pushed, backup {result.backup}" if result.pushed else "no change"
        return SwitchOutcome(canon, outcome, time.monotonic() - started, detail)

    return each_switch(lab, names, one)


def check(run: DeployRun) -> None:
    """Before any host: the switches the run includes, their names and credentials checked."""
    names = [] if run.action == "rollback" else selected_switches(run.lab, run.selection)
    check_switches(run.lab, names)
    run.state["switch"] = names


def finish(run: DeployRun) -> None:
    """After the hosts: push the switches (held back when a host failed), one table row each."""
    from elenta.pipeline.run import HostResult

    names = run.state.get("switch", [])
    for outcome in push_switches(run.lab, names, run.echo, hosts_failed=run.hosts_failed):
        run.results.append(HostResult(outcome.canon, "net", outcome.result, outcome.seconds, outcome.detail))
