"""Running the `elenta` command from a test, the way a user does: one helper for every test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_elenta(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`run_elenta("check", "examples/lab")`: exit code, stdout and stderr of the real command."""
    return subprocess.run(
        [sys.executable, "-c", "from elenta.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
