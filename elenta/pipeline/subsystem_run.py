"""One subsystem's deploy on its own hosts, through the deploy pipeline: the code path behind
`elenta dns apply`, `elenta nfs apply`, `elenta dhcp apply` and `elenta netboot deploy`.

    print(apply_subsystem(lab, "nfs", ["nancy"], no_dns=True))

It is `run_deploy` with `--only <subsystem>` on those machines: the lab's deploy lock, the
subsystem's checks before any host is touched, the user's SSH targets, per-host progress on
stderr, the deploy record (`<state>/deploys/<id>/`), the table of results and the exit codes of
`elenta deploy`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from elenta.model.lab import Lab


def apply_subsystem(
    lab: Lab,
    name: str,
    machines: Iterable[str],
    *,
    no_dns: bool = False,
    data: dict[str, str] | None = None,
    local: str | None = None,
) -> str:
    """Run subsystem `name`'s deploy on `machines` (short names); return the table and the record.

    `data`: host data for every host (`{"elenta_nfs_exports_path": "/etc/exports"}`); `local`:
    the machine this deployer plays as pyinfra's `@local`. When a host fails, the table goes to
    stderr and DeployFailed (exit 1) names each failed host and why; Ctrl-C: DeployInterrupted (130).
    """
    from elenta.inventory import Selection
    from elenta.pipeline.run import raise_for_report, run_deploy
    from elenta.progress import Progress

    selection = Selection(canons=tuple(lab.canon(m) for m in machines))
    with Progress() as progress:
        report = run_deploy(
            lab,
            "switch",
            selection,
            no_dns=no_dns,
            subsystems=(name,),
            data=data,
            local=local,
            echo=progress,
        )
    summary = f"{report.table()}\nrecord: {report.folder}"
    if report.failed or report.interrupted:
        print(summary, file=sys.stderr)
        raise_for_report(report)
    return summary
