"""The one pyinfra command line elenta runs: the lab as inventory, every subsystem's deploy as the
deploy file, narrowed by environment variables to the chosen hosts and subsystems.

    argv, env = pyinfra_command(lab, ["toto.canon"], subsystems=("dns",), no_dns=True,
                                data={"elenta_dns_force": "1"})

The deploy pipeline (`elenta.pipeline.run.run_pyinfra`) starts it for `elenta deploy` and for
each subsystem's own command (`elenta dns apply`, `elenta nfs apply`, `elenta dhcp apply`,
`elenta netboot deploy`); run by hand (a test, a user's script) it does what plain
`pyinfra inventories/lab.py deploy.py` does: check the lab and take its deploy lock first.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from elenta.inventory import ENV_LOCAL
from elenta.model.lab import Lab
from elenta.pipeline.deploy_settings import ENV_SUBSYSTEMS, DeploySettings

PACKAGE = Path(__file__).resolve().parent
INVENTORY = PACKAGE / "pyinfra_inventory.py"  # the lab from $ELENTA_LAB, as `inventories/lab.py`
DEPLOY = PACKAGE / "pyinfra_deploy.py"  # the same code as the repository's `deploy.py`


def pyinfra_command(
    lab: Lab,
    canons: Iterable[str],
    *,
    no_dns: bool = False,
    subsystems: tuple[str, ...] = (),
    data: dict[str, str] | None = None,
    local: str | None = None,
    settings: DeploySettings | None = None,
    verbose: bool = False,
    no_wait: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """The pyinfra command line and its environment, for the hosts `canons` of `lab`.

    `subsystems`: the ones that run (`()`: every one, or `settings.subsystems`); `data`: host data
    given to every host (`--data key=value`); `local`: the machine this deployer plays as pyinfra's
    `@local` (its canon may be given as `"@local"`); `settings`: a pipeline deploy's parameters.
    `no_wait`: each host runs through its operations without waiting for the others (pyinfra's
    `--no-wait`); pyinfra then exits 0 even when a host failed, so only the pipeline, which reads
    each host's result from the deploy record, asks for it.
    """
    argv = [sys.executable, "-m", "pyinfra", "-y", *(["--no-wait"] if no_wait else [])]
    argv += ["-v"] if verbose else []
    argv += [str(INVENTORY), str(DEPLOY)]
    for key, value in (data or {}).items():
        argv += ["--data", f"{key}={value}"]
    selected = [lab.canon(local) if c == "@local" and local else c for c in canons]
    env = dict(os.environ)
    env.update(settings.to_env() if settings else {})
    if subsystems:
        env[ENV_SUBSYSTEMS] = ",".join(subsystems)
    env.update(
        {
            "ELENTA_LAB": str(lab.root.resolve()),
            "ELENTA_STATE_DIR": str(lab.state_dir.resolve()),
            "ELENTA_NO_DNS": "1" if no_dns else "",
            "ELENTA_SELECT": json.dumps({"canons": selected}),
            ENV_LOCAL: local or "",
            "PYINFRA_YES": "1",
        }
    )
    return argv, env
