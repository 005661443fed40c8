"""`elenta deploy|switch|boot|rollback`: the deploy pipeline onto the lab's machines.

elenta deploy --config '.#dns' --canon toto.canon --no-dns
elenta switch --role dns            elenta boot --tag core
elenta deploy --only all            elenta rollback --canon toto.canon
"""

from __future__ import annotations

from invoke import task

from elenta.tasks._common import open_lab, reports_errors

# The pipeline (and pyinfra under it) is imported inside the tasks: `elenta --help` stays quick.

SELECTION_HELP = {
    "canon": "a machine's canon name (repeatable)",
    "role": "every machine carrying this role (repeatable)",
    "tag": "every machine with this tag (repeatable)",
    "no-dns": "resolve addresses from the cadaster instead of the lab's DNS server",
    "lab": "lab folder (default $ELENTA_LAB or examples/lab)",
    "config": "flake reference to deploy instead of each machine's hostConfig, e.g. '.#dns'",
    "only": "comma-separated subsystems to run (default nixos; 'all' for every subsystem)",
    "confirm-timeout": "seconds a host waits for confirmation before it rolls itself back",
}
ITERABLE = ["canon", "role", "tag"]
DEPLOY_HELP = SELECTION_HELP
ROLLBACK_HELP = {k: SELECTION_HELP[k] for k in ("canon", "no-dns", "lab", "only")}


def _subsystems(only: str) -> tuple[str, ...] | None:
    """`--only`: empty -> the default ones (None), `all` -> every subsystem (`()`), else those named."""
    return None if not only else (() if only == "all" else tuple(only.split(",")))


def _run(action: str, lab, canon, role, tag, no_dns, config, only, confirm_timeout) -> None:
    from elenta.compile.rollout import recorded_deploy
    from elenta.inventory import Selection

    subsystems = _subsystems(only)
    recorded_deploy(
        open_lab(lab),
        action,
        Selection(tuple(canon or ()), tuple(role or ()), tuple(tag or ())),
        no_dns=no_dns,
        config=config or None,
        subsystems=subsystems,
        confirm_timeout=float(confirm_timeout),
    )


@task(iterable=ITERABLE, help=SELECTION_HELP)
@reports_errors
def deploy(c, canon=None, role=None, tag=None, no_dns=False, config="", only="", confirm_timeout=30, lab=""):
    """Activate the planned systems now (switch-to-configuration test) where they differ."""
    _run("test", lab, canon, role, tag, no_dns, config, only, confirm_timeout)


@task(iterable=ITERABLE, help=SELECTION_HELP)
@reports_errors
def switch(c, canon=None, role=None, tag=None, no_dns=False, config="", only="", confirm_timeout=30, lab=""):
    """Set the system profile, activate and make it the boot default, where it differs."""
    _run("switch", lab, canon, role, tag, no_dns, config, only, confirm_timeout)


@task(iterable=ITERABLE, help=SELECTION_HELP)
@reports_errors
def boot(c, canon=None, role=None, tag=None, no_dns=False, config="", only="", confirm_timeout=30, lab=""):
    """Set the system profile and boot default only (takes effect at the next boot)."""
    _run("boot", lab, canon, role, tag, no_dns, config, only, confirm_timeout)


@task(iterable=["canon"], help=ROLLBACK_HELP)
@reports_errors
def rollback(c, canon=None, no_dns=False, lab="", only=""):
    """Without --canon: apply the previous plan. With --canon: that machine's previous generation."""
    if not canon:
        from elenta.compile.rollout import rollback_plan

        record = rollback_plan(open_lab(lab), no_dns=no_dns, subsystems=_subsystems(only))
        print(f"rolled back to plan {record.plan}")
        return
    from elenta.inventory import Selection
    from elenta.pipeline.run import raise_for_report, run_deploy

    report = run_deploy(open_lab(lab), "rollback", Selection(tuple(canon)), no_dns=no_dns)
    print(report.table())
    raise_for_report(report)
