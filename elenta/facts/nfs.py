"""What an NFS server exports, read back from the host: `host.get_fact(ExportfsVerbose)`."""

from __future__ import annotations

from typing import Any

from pyinfra.api import FactBase

from elenta.nfs.table import parse_exportfs_verbose

# pyinfra hands `process` nothing when a command prints nothing, and `requires_command` answers
# the same default for "not installed" as for "no output": a first line tells them apart.
PRESENT = "elenta-exportfs: present"
ABSENT = "elenta-exportfs: absent"


class ExportfsVerbose(FactBase[list[dict[str, Any]] | None]):
    """The export table `exportfs -v` reports, one dict per path and client; None without exportfs.

    `host.get_fact(ExportfsVerbose)` ->
    `[{"path": "/srv/media", "client": "127.0.1.4", "options": ["sync", …, "ro", …]}]`
    """

    def command(self) -> str:
        return (
            f"if command -v exportfs >/dev/null 2>&1; then echo '{PRESENT}' && exportfs -v; "
            f"else echo '{ABSENT}'; fi"
        )

    def process(self, output: list[str]) -> list[dict[str, Any]] | None:
        if not output or output[0].strip() != PRESENT:
            return None
        return [
            {"path": e.path, "client": e.client, "options": list(e.options)}
            for e in parse_exportfs_verbose("\n".join(output[1:]))
        ]
