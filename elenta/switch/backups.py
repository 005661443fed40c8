"""Backups of switch running configurations, kept in the lab's state folder.

`<state_dir>/switches/<name>/<UTC time>-<reason>.cfg`; the newest `before-apply` backup is what
`elenta net rollback` restores.
"""

from __future__ import annotations

import time
from pathlib import Path


def backup_dir(state_dir: Path, name: str) -> Path:
    """The folder holding switch `name`'s backups: `backup_dir(lab.state_dir, "sw1")`."""
    return state_dir / "switches" / name


def save_backup(state_dir: Path, name: str, config: str, reason: str = "backup") -> Path:
    """Write `config` as a new backup of switch `name` and return its path (never overwrites)."""
    folder = backup_dir(state_dir, name)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for n in range(1000):
        path = folder / (f"{stamp}-{reason}.cfg" if n == 0 else f"{stamp}.{n}-{reason}.cfg")
        try:
            with path.open("x") as out:
                out.write(config)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"too many backups of {name} in the same second in {folder}")


def backups(state_dir: Path, name: str, reason: str | None = None) -> list[Path]:
    """Backups of switch `name`, oldest first, optionally only those taken for `reason`."""
    folder = backup_dir(state_dir, name)
    if not folder.is_dir():
        return []
    found = sorted(folder.glob("*.cfg"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [p for p in found if reason is None or p.stem.endswith(f"-{reason}")]
