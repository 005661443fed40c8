"""`elenta deploy|switch|boot|rollback`: the deploy pipeline onto the lab's machines.

elenta deploy --config '.#dns' --on toto.canon --no-dns
elenta switch --on @dns             elenta boot --on '#core'
elenta deploy --only all --json     elenta rollback --canon toto.canon
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from invoke import task

from elenta.command.flags import DRY_RUN_HELP, JSON_HELP, LAB_HELP
from elenta.command.output import emit_json, note
from elenta.command.spec import command
from elenta.progress import Progress
from elenta.tasks._common import open_lab, reports_errors

if TYPE_CHECKING:
    from elenta.model.lab import Lab

# The pipeline (and pyinfra under it) is imported inside the tasks: `elenta --help` stays quick.

SELECTION_HELP = {
    "on": "hosts to act on: a comma list of canon names, @role, #tag and globs "
    "(--on '@dns,nancy.canon,arch*'; repeatable)",
    "canon": "a machine's canon name (repeatable; comma lists too)",
    "role": "every machine carrying this role (repeatable)",
    "tag": "every machine with this tag (repeatable)",
    "no-dns": "resolve addresses from the cadaster instead of the lab's DNS server",
    "config": "flake reference to deploy instead of each machine's hostConfig, e.g. '.#dns'",
    "only": "comma-separated subsystems to run (default nixos; 'all' for every subsystem)",
    "confirm-timeout": "seconds a host waits for confirmation before it rolls itself back",
    "dry-run": DRY_RUN_HELP + ": the plan's changes and which hosts would be activated",
    "json": JSON_HELP,
    "lab": LAB_HELP,
}
ITERABLE = ["on", "canon", "role", "tag"]
ROLLBACK_HELP = {k: SELECTION_HELP[k] for k in ("canon", "no-dns", "only", "dry-run", "json", "lab")}


def subsystems_of(only: str) -> tuple[str, ...] | None:
    """`--only`: empty -> the default ones (None: NixOS), `all` -> every subsystem (`()`), else the
    names given, each checked against the registry.

    >>> subsystems_of("nixos,dns")
    ('nixos', 'dns')
    """
    from elenta.subsystem import SubsystemError, check_names

    if not only:
        return None
    if only == "all":
        return ()
    try:
        return check_names(s.strip() for s in only.split(",") if s.strip()) or check_names([""])
    except SubsystemError as exc:
        raise SubsystemError(f"--only {only}: {exc}; or 'all'") from None


def selection_of(lab: Lab, on: Any, canon: Any = None, role: Any = None, tag: Any = None):
    """The Selection the options name: `--on` expanded, `--canon` comma lists split."""
    from elenta.inventory import Selection, inventory_machines
    from elenta.selectors import expand_on, split_patterns

    canons = [lab.canon(m) for m in expand_on(lab, on or [], inventory_machines(lab))] if on else []
    canons += split_patterns(canon or [])
    return Selection(tuple(dict.fromkeys(canons)), tuple(role or ()), tuple(tag or ()))


def _dry_run(lab: Lab, action: str, selection, no_dns: bool, config: str, subsystems, json_: bool) -> None:
    """What a deploy would do: the plan's changes, and per host whether it would be activated."""
    from elenta.compile.diff import diff_plans, render_changes
    from elenta.compile.plan import build_plan
    from elenta.compile.rollout import applied_plan
    from elenta.inventory import select_machines
    from elenta.subsystem import default_names, registered

    select_machines(lab, selection)  # unknown names refused before anything else
    single = (
        selection.canons[0]
        if len(selection.canons) == 1 and not (selection.roles or selection.tags)
        else None
    )
    plan = build_plan(lab, single)
    changes = diff_plans(applied_plan(lab, plan.scope), plan)
    hosts: dict[str, str] = {}
    chosen = default_names() if subsystems is None else subsystems
    for subsystem in registered():
        if not chosen or subsystem.name in chosen:
            previews = subsystem.deploy_preview(lab, action, selection, no_dns=no_dns, config=config or None)
            for canon, what in previews.items():
                hosts[canon] = f"{hosts[canon]}; {what}" if canon in hosts else what
    if json_:
        emit_json(
            {
                "dry_run": True,
                "action": action,
                "plan": plan.hash,
                "hosts": hosts,
                "changes": render_changes(changes),
            }
        )
        return
    print(f"dry run: {action}, plan {plan.short}; nothing is changed\n")
    print(render_changes(changes))
    for canon, what in hosts.items():
        print(f"{canon}: {what}")


def _run(
    action: str,
    lab: str,
    selected: dict[str, Any],
    no_dns: bool,
    config: str,
    only: str,
    confirm_timeout: float,
    dry_run: bool,
    json_: bool,
) -> None:
    """deploy|switch|boot: `--on` and `--only` checked, then a dry run or the recorded deploy."""
    from elenta.command.report import deploy_report_json
    from elenta.compile.rollout import recorded_deploy
    from elenta.inventory import select_machines

    opened = open_lab(lab)
    subsystems = subsystems_of(only)
    selection = selection_of(opened, **selected)
    select_machines(opened, selection)  # unknown names refused before the plan is compiled
    if dry_run:
        _dry_run(opened, action, selection, no_dns, config, subsystems, json_)
        return

    def show(report) -> None:
        progress.close()
        if json_:
            emit_json(deploy_report_json(report))
        else:
            print(report.table())
        note(f"record: {report.folder}")

    with Progress() as progress:
        recorded_deploy(
            opened,
            action,
            selection,
            no_dns=no_dns,
            config=config or None,
            subsystems=subsystems,
            confirm_timeout=float(confirm_timeout),
            echo=progress,
            on_report=show,
        )


def _deploy_task(action: str, doc: str, examples: list[str]):
    """One of deploy|switch|boot: the same options, a different activation."""

    @reports_errors
    def body(
        c,
        on=None,
        canon=None,
        role=None,
        tag=None,
        no_dns=False,
        config="",
        only="",
        confirm_timeout=30,
        dry_run=False,
        json_=False,
        lab="",
    ) -> None:
        selected = {"on": on, "canon": canon, "role": role, "tag": tag}
        _run(action, lab, selected, no_dns, config, only, confirm_timeout, dry_run, json_)

    body.__doc__ = doc
    body.__module__ = __name__
    body.__qualname__ = body.__name__ = {"test": "deploy"}.get(action, action)
    body = command(examples=examples)(body)
    return task(iterable=ITERABLE, help=dict(SELECTION_HELP), name=body.__name__)(body)


deploy = _deploy_task(
    "test",
    "Activate the planned systems now (switch-to-configuration test) where they differ.",
    [
        "elenta deploy",
        "elenta deploy --on @dns,nancy.canon --only nixos,dns",
        "elenta deploy --dry-run --json",
    ],
)
switch = _deploy_task(
    "switch",
    "Set the system profile, activate and make it the boot default, where it differs.",
    ["elenta switch --on '#core'", "elenta switch --only all", "elenta switch -n"],
)
boot = _deploy_task(
    "boot",
    "Set the system profile and boot default only (takes effect at the next boot).",
    ["elenta boot --on 'web*'"],
)


@task(iterable=["canon"], help=ROLLBACK_HELP)
@reports_errors
@command(examples=["elenta rollback", "elenta rollback --canon toto.canon", "elenta rollback --dry-run"])
def rollback(c, canon=None, no_dns=False, only="", dry_run=False, json_=False, lab=""):
    """Without --canon: apply the previous plan. With --canon: that machine's previous generation."""
    opened = open_lab(lab)
    subsystems = subsystems_of(only)
    if not canon:
        from elenta.compile.history import History
        from elenta.compile.rollout import rollback_plan

        if dry_run:
            target = History(opened.state_dir).previous()
            if json_:
                emit_json({"dry_run": True, "rollback_to": target})
            else:
                print(f"dry run: would apply the previous plan {target}; nothing is changed")
            return
        record = rollback_plan(opened, no_dns=no_dns, subsystems=subsystems)
        if json_:
            emit_json({"rolled_back_to": record.plan})
        else:
            print(f"rolled back to plan {record.plan}")
        return
    from elenta.command.report import deploy_report_json
    from elenta.pipeline.run import raise_for_report, run_deploy

    selection = selection_of(opened, None, canon)
    if dry_run:
        from elenta.inventory import select_machines

        names = [opened.canon(m) for m in select_machines(opened, selection)]
        message = "would roll back to the previous generation"
        if json_:
            emit_json({"dry_run": True, "hosts": dict.fromkeys(names, message)})
        else:
            print("\n".join(f"{n}: {message} (dry run: nothing is changed)" for n in names))
        return
    with Progress() as progress:
        report = run_deploy(opened, "rollback", selection, no_dns=no_dns, echo=progress)
    if json_:
        emit_json(deploy_report_json(report))
    else:
        print(report.table())
    raise_for_report(report)
