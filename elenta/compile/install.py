"""`DIR/install`: one command that applies exactly the plan in DIR, from any provisioning machine.

`elenta plan --out DIR` writes it beside the plan. It verifies the plan against the hash it was
written for, then runs `elenta apply --plan DIR` on the lab: the same checks before any host is
touched, the same activation with magic rollback, the same history record as `elenta apply`.
A plan that is not what the lab compiles to now is replayed from its own inputs (as a rollback).

`install_script(plan, lab_root)` -> the script's text (pure).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from elenta.compile.plan import Plan

INSTALL = "install"


def install_script(plan: Plan, lab_root: Path) -> str:
    """The `install` script of a plan compiled from the lab at `lab_root` (see the module doc)."""
    lab = shlex.quote(str(Path(lab_root).resolve()))
    scope = plan.scope or "the whole lab"
    return f"""#!/bin/sh
# elenta plan {plan.hash} ({scope}): `./install [--no-dns] [--only nixos,dns]` applies exactly this plan.
# Needs on this provisioning machine: Python >= 3.11 with elenta (the `elenta` command on PATH),
# Nix with flakes (`nix`), git (a plan older than the lab is replayed from the lab's history),
# SSH access to the lab's machines as elenta reaches them (your agent, ssh config, known_hosts),
# and the lab folder with its flake: $ELENTA_LAB, else {lab}.
# Safety: as `elenta apply`: the plan is verified against its hash, every check runs before any
# host is touched, activation with magic rollback, recorded in the lab's history.
# ELENTA_MODE=test|switch|boot chooses the activation (default switch).
set -eu
plan_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
expected='{plan.hash}'
default_lab={lab}
lab="${{ELENTA_LAB:-$default_lab}}"
for tool in elenta nix; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install: this plan needs \\`$tool\\` on PATH (see the first lines of $0)" >&2
    exit 127
  fi
done
actual=$(cat "$plan_dir/plan.sha256" 2>/dev/null || true)
if [ "$actual" != "$expected" ]; then
  echo "install: $plan_dir holds plan ${{actual:-none}}, not the plan this script applies ($expected)" >&2
  exit 2
fi
exec elenta apply --plan "$plan_dir" --lab "$lab" --mode "${{ELENTA_MODE:-switch}}" "$@"
"""


def write_install(plan: Plan, directory: Path, lab_root: Path) -> Path:
    """Write `directory/install` (mode 0755) beside a written plan: `write_install(plan, out, lab.root)`."""
    target = Path(directory) / INSTALL
    target.write_text(install_script(plan, lab_root))
    target.chmod(0o755)
    return target
