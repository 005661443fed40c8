"""Tasks over plans: plan, diff, history, drift (`rollback` is shared: see `rollback_plan`).

The compiler is imported inside the tasks: `elenta --help` stays quick.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from invoke import Context, task
from invoke.exceptions import Exit

from elenta.command.flags import DRY_RUN_HELP, JSON_HELP
from elenta.command.output import emit_json
from elenta.command.spec import command
from elenta.exitcodes import FAILED
from elenta.report import table
from elenta.tasks._common import open_lab, reports_errors

LAB_HELP = "the lab folder"


def changes_json(changes) -> list[dict]:
    """Plan changes as JSON: `[{"group", "machine", "op", "item", "detail"}]`."""
    return [dataclasses.asdict(change) for change in changes]


@task(
    name="plan",
    help={
        "out": "also write the plan directory here, with DIR/install applying exactly that plan",
        "canon": "only this machine's sub-plan (toto.canon)",
        "json": JSON_HELP,
        "lab": LAB_HELP,
    },
)
@reports_errors
@command(examples=["elenta plan", "elenta plan --canon toto.canon --out /tmp/toto", "elenta plan --json"])
def plan_(c: Context, out: str = "", canon: str = "", json_: bool = False, lab: str = "") -> None:
    """Compile cadaster + constellations into a checked plan; show what changes against the applied one."""
    from elenta.compile.diff import diff_plans, render_changes
    from elenta.compile.install import write_install
    from elenta.compile.plan import build_plan
    from elenta.compile.rollout import applied_plan
    from elenta.compile.store import PlanStore

    loaded = open_lab(lab or None)
    plan = build_plan(loaded, canon or None)
    stored = PlanStore(loaded.state_dir).save(plan)
    if out:
        plan.write(Path(out))
        write_install(plan, Path(out), loaded.root)
    base = applied_plan(loaded, plan.scope)
    against = f"applied plan {base.short}" if base else "nothing applied yet"
    if json_:
        emit_json(
            {
                "plan": plan.hash,
                "scope": plan.scope,
                "stored": str(stored),
                "out": out or None,
                "against": base.hash if base else None,
                "changes": changes_json(diff_plans(base, plan)),
            }
        )
        return
    print(f"plan {plan.short} ({plan.scope or 'whole lab'}) in {out or stored}, against {against}:\n")
    print(render_changes(diff_plans(base, plan)))


@task(
    help={
        "plan": "a stored plan (hash or directory; default: compile the lab now)",
        "mode": "test, switch or boot (default switch)",
        "canon": "without --plan: apply only this machine's sub-plan",
        "only": "comma-separated subsystems to apply (default: every one)",
        "no_dns": "reach hosts by their cadaster addresses instead of the lab's DNS",
        "dry-run": DRY_RUN_HELP + ": the plan and its changes against the applied one",
        "lab": LAB_HELP,
    },
)
@reports_errors
@command(examples=["elenta apply", "elenta apply --plan 1a2b3c --mode boot", "elenta apply --dry-run"])
def apply(
    c: Context,
    plan: str = "",
    mode: str = "switch",
    canon: str = "",
    only: str = "",
    no_dns: bool = False,
    dry_run: bool = False,
    lab: str = "",
) -> None:
    """Apply a plan through the deploy pipeline and record it in the history."""
    from elenta.compile.diff import diff_plans, render_changes
    from elenta.compile.plan import build_plan
    from elenta.compile.rollout import applied_plan, apply_plan
    from elenta.compile.store import PlanStore
    from elenta.tasks.deploy import subsystems_of

    subsystems = subsystems_of(only or "all")  # unknown names refused before anything else
    loaded = open_lab(lab or None)
    target = PlanStore(loaded.state_dir).load(plan) if plan else build_plan(loaded, canon or None)
    if dry_run:
        base = applied_plan(loaded, target.scope)
        print(
            f"dry run: would apply plan {target.short} ({target.scope or 'whole lab'}, {mode}); "
            "nothing is changed\n"
        )
        print(render_changes(diff_plans(base, target)))
        return
    apply_plan(loaded, target, mode=mode, subsystems=subsystems, no_dns=no_dns)
    print(f"applied plan {target.short} ({target.scope or 'whole lab'}, {mode})")


@task(
    positional=["plan_a", "plan_b"],
    help={
        "plan_a": "a plan directory or hash",
        "plan_b": "a plan directory or hash",
        "json": JSON_HELP,
        "lab": LAB_HELP,
    },
)
@reports_errors
@command(examples=["elenta diff 1a2b3c 4d5e6f", "elenta diff 1a2b3c ./plan-dir --json"])
def diff(c: Context, plan_a: str, plan_b: str, json_: bool = False, lab: str = "") -> None:
    """Show every change from PLAN_A to PLAN_B, grouped by subsystem and machine."""
    from elenta.compile.diff import diff_plans, render_changes
    from elenta.compile.store import PlanStore

    store = PlanStore(open_lab(lab or None).state_dir)
    changes = diff_plans(store.load(plan_a), store.load(plan_b))
    if json_:
        emit_json(changes_json(changes))
        return
    print(render_changes(changes))


@task(help={"lab": LAB_HELP, "json": "print the records as JSON lines"})
@reports_errors
@command(examples=["elenta history", "elenta history --json"])
def history(c: Context, lab: str = "", json_: bool = False) -> None:
    """List every apply of a plan: time, action, plan, scope, result, who, revision."""
    from elenta.compile.history import History

    runs = History(open_lab(lab or None).state_dir).runs()
    if json_:
        for run in runs:
            print(json.dumps({**run.started.__dict__, "result": run.result}, sort_keys=True))
        return
    rows = [
        [
            run.started.time,
            run.started.action,
            run.plan.removeprefix("sha256:")[:12],
            run.started.scope or "lab",
            run.result,
            run.started.who,
            (run.started.revision or "-")[:14],
        ]
        for run in runs
    ]
    print(
        table(["time", "action", "plan", "scope", "result", "who", "revision"], rows)
        if rows
        else "no plan applied yet"
    )


@task(
    help={
        "plan": "compare this plan (directory or hash) instead of the applied one",
        "facts": "read the facts from this JSON file instead of the hosts",
        "json": JSON_HELP,
        "lab": LAB_HELP,
    }
)
@reports_errors
@command(examples=["elenta drift", "elenta drift --json", "elenta drift --facts facts.json"])
def drift(c: Context, plan: str = "", facts: str = "", json_: bool = False, lab: str = "") -> None:
    """List every difference between the applied plan and what the hosts report (exit 1 if any)."""
    from elenta.compile.drift import check_drift

    report = check_drift(open_lab(lab or None), plan, facts)
    if json_:
        emit_json(
            {
                "plan": report.plan.hash,
                "hosts": report.hosts,
                "drifts": [dataclasses.asdict(d) for d in report.drifts],
            }
        )
    else:
        for item in report.drifts:
            print(item)
    if report.drifts:
        raise Exit(f"{len(report.drifts)} difference(s) from plan {report.plan.short}", code=FAILED)
    if json_:
        return
    print(f"no drift from plan {report.plan.short} ({report.hosts} host(s) checked)")


@task(
    help={
        "explain": "per item, every machine considered and why it was chosen or refused",
        "lab": LAB_HELP,
    },
)
@reports_errors
def place(c: Context, explain: bool = False, lab: str = "") -> None:
    """Where services and guests declared without a host go (the previous plan is the memory)."""
    from elenta.compile.placement import lab_placement
    from elenta.model.lab import load_lab
    from elenta.tasks._common import lab_path

    # Loading a lab places it and refuses what fits nowhere; `place` shows why, so it loads
    # without placing (placement_memory is only read once placement runs).
    loaded = load_lab(lab_path(lab or None), place=False)
    placed = lab_placement(loaded, explain=explain)
    if not placed.where and not placed.failed:
        print("nothing to place: every service and guest names its host")
    for item, machine in placed.where.items():
        print(f"{item} -> {loaded.canon(machine)}")
        for line in placed.explain.get(item, []) if explain else ():
            print(f"  {line}")
    for item, fault in placed.failed.items():
        print(f"error: {fault}")
        for line in placed.explain.get(item, []) if explain else ():
            print(f"  {line}")
    if placed.failed:
        raise Exit(f"{len(placed.failed)} item(s) fit nowhere", code=2)
