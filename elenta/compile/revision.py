"""The lab's git revision: what the history records with each run and builds stamp on systems."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def git_revision(folder: Path) -> str:
    """The last commit that touched the folder (`-dirty` if it has changes since), or "unknown".

    Scoped to the lab folder so that commits elsewhere in the repository redeploy nothing.
    `git_revision(Path("examples/lab"))` -> `"5a8670d…-dirty"`
    """

    if shutil.which("git") is None:
        return "unknown"

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=False)

    head = git("log", "-1", "--format=%H", "--", ".")
    if head.returncode != 0 or not head.stdout.strip():
        return "unknown"
    dirty = git("status", "--porcelain", "--", ".").stdout.strip()
    return head.stdout.strip() + ("-dirty" if dirty else "")
