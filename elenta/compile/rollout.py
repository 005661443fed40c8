"""Rolling out a plan: store it, record the run in the history, hand it to the deploy pipeline.

The runner is the deploy pipeline (`elenta.pipeline.run`); a test or another pipeline puts its
own in place:

    from elenta.compile.rollout import ApplyRequest, apply_runner

    @apply_runner
    def run_deploy(request: ApplyRequest) -> None:   # raise an ElentaError on failure
        ...  # request.lab, request.plan, request.plan_dir, request.mode, request.restore

A pipeline that is entered some other way (`elenta deploy`) records its run with
`with applying(lab, plan, action="deploy", mode="test"): ...`.

`apply_plan(lab, plan)` applies a compiled plan; `rollback_plan(lab)` applies the previous one
(with `restore=True`: the pipeline restores the pre-deploy backups of roles that declare one).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elenta.compile.history import ROLLBACK, History, Record
from elenta.compile.plan import Plan
from elenta.compile.store import PlanStore
from elenta.model.lab import Lab

if TYPE_CHECKING:
    from elenta.inventory import Selection


@dataclass(frozen=True)
class ApplyRequest:
    """What the deploy pipeline is asked to do."""

    lab: Lab
    plan: Plan
    plan_dir: Path
    mode: str = "switch"  # test | switch | boot
    restore: bool = False  # True on rollback: restore pre-deploy backups where a role declares one
    action: str = "apply"
    subsystems: tuple[str, ...] | None = ()  # which to apply; () = every one, None = the default ones
    no_dns: bool = False  # reach hosts by their cadaster addresses instead of the lab's DNS


ApplyRunner = Callable[[ApplyRequest], None]
_RUNNER: list[ApplyRunner] = []


def apply_runner(runner: ApplyRunner) -> ApplyRunner:
    """Use another runner than the deploy pipeline (decorator): `@apply_runner def run(request): ...`."""
    _RUNNER[:] = [runner]
    return runner


def registered_runner() -> ApplyRunner:
    """The runner put in place with `apply_runner`, else the deploy pipeline (`pipeline_runner`)."""
    return _RUNNER[0] if _RUNNER else pipeline_runner


def pipeline_runner(request: ApplyRequest) -> None:
    """Apply a plan with `elenta.pipeline.run.run_deploy`, every subsystem, on the plan's machines.

    When the plan is not what the lab compiles to now (a rollback to an older plan), the pipeline
    runs on `replay_lab`: the plan's own inputs with the flake at the revision recorded for it.
    """
    from elenta.compile.plan import build_plan
    from elenta.compile.replay import replay_lab
    from elenta.inventory import Selection
    from elenta.pipeline.run import raise_for_report, run_deploy

    lab = request.lab
    scope = request.plan.scope
    if build_plan(lab, scope).hash != request.plan.hash:
        lab = replay_lab(lab, request.plan, History(lab.state_dir).revision_of(request.plan.hash))
    selection = Selection(canons=(lab.canon(scope),)) if scope else Selection()
    saved = os.environ.get("ELENTA_STATE_DIR")
    os.environ["ELENTA_STATE_DIR"] = str(request.lab.state_dir)
    try:
        report = run_deploy(
            lab,
            request.mode,
            selection,
            subsystems=request.subsystems,
            no_dns=request.no_dns,
            restore=request.restore,
        )
    finally:
        if saved is None:
            os.environ.pop("ELENTA_STATE_DIR", None)
        else:
            os.environ["ELENTA_STATE_DIR"] = saved
    print(report.table())
    raise_for_report(report)


def lab_revision(lab: Lab) -> str | None:
    """The lab's git revision as the deploy pipeline records it beside systems (None outside git).

    `lab_revision(lab)` -> `'1af1e40…'` or `'1af1e40…-dirty'`; drift compares it with what hosts report.
    """
    from elenta.compile.revision import git_revision

    revision = git_revision(lab.flake_dir)
    return None if revision == "unknown" else revision


@contextlib.contextmanager
def applying(lab: Lab, plan: Plan, *, action: str = "apply", mode: str | None = None) -> Iterator[Record]:
    """Store the plan and record a run around the block: `started`, then `ok` or `failed`.

    `with applying(lab, plan, action="deploy", mode="test"): run_pyinfra(...)`
    """
    store = PlanStore(lab.state_dir)
    store.save(plan, latest=False)
    history = History(lab.state_dir)
    started = history.start(plan.hash, plan.scope, action, revision=lab_revision(lab), mode=mode)
    try:
        yield started
    except BaseException as exc:
        history.finish(started, ok=False, detail=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    history.finish(started, ok=True)


def apply_plan(
    lab: Lab,
    plan: Plan,
    *,
    mode: str = "switch",
    action: str = "apply",
    restore: bool = False,
    subsystems: tuple[str, ...] | None = (),
    no_dns: bool = False,
    runner: ApplyRunner | None = None,
) -> Record:
    """Apply a plan through the deploy pipeline and record it: `apply_plan(lab, build_plan(lab))`.

    Returns the `started` record of the run; raises what the pipeline raised (recorded `failed`).
    """
    run = runner or registered_runner()
    plan_dir = PlanStore(lab.state_dir).path(plan.hash)
    with applying(lab, plan, action=action, mode=mode) as started:
        run(ApplyRequest(lab, plan, plan_dir, mode, restore, action, subsystems, no_dns))
    return started


def rollback_plan(
    lab: Lab,
    *,
    mode: str = "switch",
    subsystems: tuple[str, ...] | None = (),
    no_dns: bool = False,
    runner: ApplyRunner | None = None,
) -> Record:
    """Apply the plan before the current one (`elenta rollback` without `--canon`).

    `rollback_plan(load_lab("examples/lab"))`; raises HistoryError when there is none.
    """
    store = PlanStore(lab.state_dir)
    target = History(lab.state_dir).previous()
    plan = store.load(target)
    return apply_plan(
        lab,
        plan,
        mode=mode,
        action=ROLLBACK,
        restore=True,
        subsystems=subsystems,
        no_dns=no_dns,
        runner=runner,
    )


def applied_plan(lab: Lab, scope: str | None = None) -> Plan | None:
    """The plan applied now (for `scope`: the last whole-lab or that machine's plan), or None.

    `applied_plan(lab)` is what `elenta plan` diffs against.
    """
    current = History(lab.state_dir).current(scope)
    return PlanStore(lab.state_dir).load(current) if current else None


def recorded_deploy(
    lab: Lab,
    action: str,
    selection: Selection,
    *,
    config: str | None = None,
    echo: Callable[[str], None] = print,
    on_report: Callable[[Any], None] | None = None,
    **options: Any,
) -> None:
    """`elenta deploy|switch|boot`: check the lab, deploy, print the table, record the plan applied.

    `recorded_deploy(lab, "switch", Selection(), no_dns=True)`; the plan's checks refuse a bad lab
    before any host is touched. A deploy of the whole lab (or of one machine) is recorded in the
    history as that plan applied; one narrowed to roles or tags, or with `--config` overriding the
    constellation, is not the plan and is not recorded. Raises DeployFailed naming failed hosts.
    """
    from elenta.compile.plan import build_plan
    from elenta.pipeline.run import raise_for_report, run_deploy

    single = (
        selection.canons[0]
        if len(selection.canons) == 1 and not (selection.roles or selection.tags)
        else None
    )
    plan = build_plan(lab, single)
    record = config is None and (selection.empty or single is not None)

    def deploy() -> None:
        report = run_deploy(lab, action, selection, config=config, echo=echo, **options)
        if on_report:
            on_report(report)  # the command line shows the table (or JSON) itself
        else:
            echo(report.table())
        echo(f"record: {report.folder}")
        raise_for_report(report)

    if not record:
        deploy()
        return
    with applying(lab, plan, action="deploy", mode=action):
        deploy()
