"""What a command loads: start-up time is mostly imports, so the heavy libraries stay out of the
commands that do not use them (`bench/startup.py` and `bench/deploy_noop.py` measure the time).

Each probe runs in a new process, the way a user runs the command, and reports `sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Loaded only where they run: the in-process SSH client, pyinfra (the deploy's child process), the
# switch drivers, the template engine (switch configs).
SSH = {"paramiko", "cryptography", "nacl", "bcrypt", "elenta.pipeline.ssh_client"}
HEAVY = SSH | {"pyinfra", "gevent", "netmiko", "jinja2", "ncclient"}


def loaded_by(code: str) -> set[str]:
    """The modules in `sys.modules` once `code` ran (SystemExit included) in a new interpreter."""
    probe = (
        "import sys, json\ntry:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "except SystemExit:\n    pass\nsys.stderr.write('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def command(*argv: str) -> set[str]:
    """The modules `elenta <argv>` loads: `command("check", "examples/lab")`."""
    return loaded_by(f"from elenta.cli import main\nsys.argv = ['elenta', *{list(argv)!r}]\nmain()")


def top_level(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules} | modules


def test_check_loads_no_ssh_pyinfra_or_switch_driver() -> None:
    modules = command("check", "examples/lab")
    assert "elenta.compile.checks" in modules  # the probe did run the check
    assert not HEAVY & top_level(modules)


def test_a_command_help_loads_no_model_and_no_ssh() -> None:
    modules = command("deploy", "--help")
    assert "elenta.tasks.deploy" in modules
    assert not (HEAVY | {"pydantic"}) & top_level(modules)


def test_no_op_deploy_path_loads_no_pyinfra_and_ssh_only_when_connecting() -> None:
    """What `elenta deploy` runs in its own process before any host is connected to: the model, the
    plan, the checks, the pipeline and the NixOS status read. pyinfra runs in the child process
    (only for hosts out of compliance); paramiko is loaded once connections are opened."""
    before = loaded_by(
        "import elenta.tasks, elenta.compile.rollout, elenta.pipeline.run\n"
        "import elenta.nixos.deploy_step, elenta.nixos.status, elenta.pipeline.ssh_ahead"
    )
    assert "elenta.nixos.status" in before
    assert not HEAVY & top_level(before)
    connecting = loaded_by("import elenta.pipeline.ssh_ahead, elenta.pipeline.ssh_client")
    assert SSH - {"bcrypt"} <= top_level(connecting)
    assert not {"pyinfra", "gevent"} & top_level(connecting)
