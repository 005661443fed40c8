"""What an NFS server exports, read back from the host: `host.get_fact(ExportfsVerbose)`."""

from __future__ import annotations

from typing import Any

from pyinfra.api import FactBase

from elenta.nfs.table import parse_exportfs_verbose


class ExportfsVerbose(FactBase[list[dict[str, Any]] | None]):
    """The export table `exportfs -v` reports, one dict per path and client; None without exportfs.

    `host.get_fact(ExportfsVerbose)` ->
    `[{"path": "/srv/media", "client": "127.0.1.4", "options": ["sync", …, "ro", …]}]`
    """

    def requires_command(self, *args: Any, **kwargs: Any) -> str:
        return "exportfs"

    def command(self) -> str:
        return "exportfs -v"

    def process(self, output: list[str]) -> list[dict[str, Any]]:
        return [
            {"path": e.path, "client": e.client, "options": list(e.options)}
            for e in parse_exportfs_verbose("\n".join(output))
        ]
