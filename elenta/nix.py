"""Running `nix` as the user has it: one place that knows the flags and environment elenta adds.

elenta adds only what its commands need (the `nix-command` and `flakes` features) to the user's
own configuration (`/etc/nix/nix.conf`, `~/.config/nix/nix.conf`, `$NIX_CONFIG`, a daemon if
`NIX_REMOTE` says so). A lab's own settings (`elenta.toml`, `[nix] config`) and
`$ELENTA_NIX_CONFIG` come after, so a lab or a test can run offline without touching the
machine's Nix.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from elenta.model.errors import ElentaError

# What elenta's own commands need, added to (never replacing) the user's settings.
NIX_CONFIG = "extra-experimental-features = nix-command flakes\nwarn-dirty = false\n"


class NixError(ElentaError):
    """A `nix` command failed; the message carries its stderr."""


def nix_available() -> bool:
    """True when a `nix` binary is on PATH: `if nix_available(): ...`."""
    return shutil.which("nix") is not None


def nix_environment(extra: dict[str, str] | None = None, *, config: str = "") -> dict[str, str]:
    """The environment every `nix` call gets, with a lab's extra nix.conf lines in `config`.

    `subprocess.run(["nix", ...], env=nix_environment(config=lab.settings.nix.config))`
    """
    env = dict(os.environ)
    parts = [env.get("NIX_CONFIG", ""), NIX_CONFIG, config, env.get("ELENTA_NIX_CONFIG", "")]
    env["NIX_CONFIG"] = "\n".join(part.strip("\n") for part in parts if part.strip()) + "\n"
    if extra:
        env.update(extra)
    return env


def run_nix(args: list[str], *, cwd: Path | None = None, what: str = "", config: str = "") -> str:
    """Run `nix ARGS` and return stdout, raising NixError with stderr on failure.

    `run_nix(["eval", "--json", "--file", "cadaster.nix"], config=lab_nix_config(folder))`
    """
    if not nix_available():
        raise NixError(f"{what or 'this step'} needs `nix` on PATH (Debian's nix-bin or a Nix install)")
    proc = subprocess.run(
        ["nix", *args],
        cwd=cwd,
        env=nix_environment(config=config),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        # `nix eval` may print partial JSON before failing: never parse stdout of a failed call.
        raise NixError(f"{what or 'nix ' + ' '.join(args)} failed: {summarise_nix_error(proc.stderr)}")
    return proc.stdout


def nix_eval_json(target: list[str], *, cwd: Path | None = None, what: str = "", config: str = "") -> Any:
    """Evaluate to JSON: `nix_eval_json(["--file", "lab.nix"])` or `(["path:/lab#cadaster"])`."""
    return json.loads(run_nix(["eval", "--json", *target], cwd=cwd, what=what, config=config))


# What a `path:` flake must never copy into the (world-readable) store: elenta's state (keys,
# deploy records, backups, lab hosts), build results and git's own folder.
SNAPSHOT_IGNORE = (".elenta", ".git", "result", "result-*")


@contextmanager
def flake_snapshot(flake_dir: Path) -> Iterator[Path]:
    """A copy of a flake folder without elenta's state, to evaluate or build from.

    A `path:` flake copies its whole folder into the Nix store at each evaluation, secrets
    included; `with flake_snapshot(lab.flake_dir) as src: run_nix(["build", flake_uri(ref, src)])`.
    """
    root = flake_dir.resolve()
    ignore = list(SNAPSHOT_IGNORE)
    state = os.environ.get("ELENTA_STATE_DIR")
    if state and Path(state).resolve().is_relative_to(root) and Path(state).resolve() != root:
        ignore.append(Path(state).resolve().relative_to(root).parts[0])
    with tempfile.TemporaryDirectory(prefix="elenta-flake-") as tmp:
        target = Path(tmp) / root.name
        shutil.copytree(root, target, symlinks=True, ignore=shutil.ignore_patterns(*ignore))
        yield target


def flake_uri(ref: str, flake_dir: Path) -> str:
    """Turn a lab-relative flake reference into one Nix can read outside git.

    `flake_uri(".#dns", Path("/lab"))` -> `"path:/lab#dns"` (a `path:` flake sees files that git
    has not added yet).
    """
    base, attr = ref.split("#", 1)
    if base in ("", "."):
        base = f"path:{flake_dir.resolve()}"
    elif base.startswith(("./", "../", "/")):
        base = f"path:{(flake_dir / base).resolve()}"
    return f"{base}#{attr}"


def summarise_nix_error(stderr: str) -> str:
    """The error line and its source location from Nix's multi-line report, on one line.

    >>> summarise_nix_error("error: undefined variable 'x'\\n\\n       at /l.nix:6:12:\\n  5| {")
    "undefined variable 'x' (at /l.nix:6:12)"
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    places = [line.removeprefix("at ").rstrip(":") for line in lines if line.startswith("at ")]
    message = errors[-1] if errors else (lines[-1] if lines else "no output")
    if errors and not errors[-1] and len(lines) > 1:
        message = lines[lines.index("error:") + 1]
    return f"{message} (at {places[0]})" if places else message
