"""The NixOS step of the deploy pipeline: build the selected systems, then read every host once.

Before pyinfra runs: one `nix build` for every selected machine with a host configuration (the
systems go to `<deploy>/systems.json` for the deploy on each host), then the `NixosSystem` fact
of every host in parallel (each host connected to while Nix builds): an unreachable host is
reported and skipped, and in a NixOS-only deploy a host already running its system is
`unchanged` and never handed to pyinfra; a deploy an earlier (killed) run left undecided on a
host is reported and waited for.

After pyinfra (`finish`): every touched host's state is read again, the same one round trip, and
the table says what the hosts say (`elenta.nixos.settle`).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from elenta.nixos.build import BuiltSystem, build_systems
from elenta.nixos.settle import read_settled, truthful, wait_for_leftovers
from elenta.nixos.status import read_status
from elenta.pipeline.run import HostResult
from elenta.pipeline.ssh_ahead import ConnectionsAhead
from elenta.subsystem import DeployRun

if TYPE_CHECKING:
    from elenta.inventory import Selection
    from elenta.model.lab import Lab


def with_config(run: DeployRun) -> list[str]:
    """The run's hosts that have a system to build (a host configuration, or `--config`)."""
    return [c for c in run.canons if run.config or run.lab.has_system(run.machines[c])]


def build_step(run: DeployRun) -> dict[str, BuiltSystem]:
    """Build the systems of the run's hosts, record them in `systems.json`: `build_step(run)`."""
    canons = with_config(run)
    started = time.monotonic()
    built = build_systems(run.lab, [run.machines[c] for c in canons], config=run.config, limit=run.limit)
    systems = {c: built[run.machines[c]] for c in canons}
    count = len({s.path for s in systems.values()})
    run.echo(f"built {count} system(s) in {time.monotonic() - started:.1f}s")
    (run.folder / "systems.json").write_text(
        json.dumps({c: s.as_dict() for c, s in systems.items()}, indent=2)
    )
    return systems


def precheck_step(
    run: DeployRun, systems: dict[str, BuiltSystem], nixos_only: bool, ahead: ConnectionsAhead | None = None
) -> None:
    """Read facts once per host: report what an earlier deploy left undecided on a host (and wait
    for it), settle the unreachable and (NixOS-only deploys) the compliant. With `ahead`, on the
    connections opened while the systems were built."""
    statuses = read_status({c: run.targets[c] for c in systems}, systems, ahead=ahead)
    blocked = wait_for_leftovers(run.targets, systems, statuses, run.confirm_timeout + 30, run.echo)
    todo = []
    for canon in run.canons:
        st = statuses.get(canon)
        if canon in blocked:
            run.echo(f"[{canon}] not touched: {blocked[canon]}")
            run.results.append(HostResult(canon, run.action, "failed", 0.0, f"not touched: {blocked[canon]}"))
        elif st is not None and st.facts is None:
            # The error names its cause (a key, a host key, a refused login, no answer).
            why = (st.error or "no answer").removeprefix(f"{canon}: ")
            run.echo(f"[{canon}] not deployed: {why}")
            run.results.append(HostResult(canon, run.action, "failed", st.seconds, why))
        elif st is not None and nixos_only and st.pending(run.action) is None:
            run.echo(f"[{canon}] unchanged: already at {st.desired.path}")
            run.results.append(HostResult(canon, run.action, "unchanged", st.seconds, "already there"))
        else:
            todo.append(canon)
    run.canons = todo
    run.state["nixos"] = {"systems": systems, "touched": list(todo)}


def prepare(run: DeployRun) -> None:
    """The step as a whole: a NixOS-only deploy keeps the hosts with a system, then build and read."""
    nixos_only = run.subsystems == ("nixos",)
    if nixos_only:
        run.canons = with_config(run)
    if run.action == "rollback":
        return
    # Every host is connected to (and logged in to) while Nix builds: the read after costs one command.
    with ConnectionsAhead({c: run.targets[c] for c in with_config(run)}) as ahead:
        precheck_step(run, build_step(run), nixos_only, ahead)


def finish(run: DeployRun) -> None:
    """After pyinfra: read every touched host's state again (one round trip each, waiting for
    watchdogs that have not decided) and rewrite its row from what the host says."""
    mine = run.state.get("nixos") or {}
    systems: dict[str, BuiltSystem] = mine.get("systems") or {}
    touched = [c for c in mine.get("touched") or [] if c in systems]
    if not touched or run.interrupted == "aborted":
        return
    deploy_id = run.folder.name
    targets = {c: run.targets[c] for c in touched}
    statuses = read_settled(targets, systems, deploy_id, run.confirm_timeout + 30, run.echo)
    for row in run.results:
        if row.canon in statuses:
            row.result, row.detail = truthful(run.action, statuses[row.canon], row.result, row.detail)


def preview(
    lab: Lab, action: str, selection: Selection, *, no_dns: bool, config: str | None
) -> dict[str, str]:
    """`--dry-run`: per host `unchanged`, `would <action>`, or why it is unreachable (facts only)."""
    from elenta.nixos.status import compliance_status

    out: dict[str, str] = {}
    for canon, status in compliance_status(lab, selection, no_dns=no_dns, config=config).items():
        if status.facts is None:
            out[canon] = f"unreachable: {status.error}"
        else:
            out[canon] = "unchanged" if status.pending(action) is None else f"would {action}"
    return out
