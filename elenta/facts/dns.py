"""pyinfra facts of the DNS role's host: installed zone files, the server config, whether Knot runs."""

from __future__ import annotations

import base64
import shlex

from pyinfra.api import FactBase


class ZoneFiles(FactBase):
    """`{zone: text}` of the `<zone>.zone` files in a directory: `host.get_fact(ZoneFiles, directory=d)`."""

    def command(self, directory: str) -> str:
        d = shlex.quote(directory)
        return (
            f'for f in {d}/*.zone; do [ -f "$f" ] || continue; '
            'printf "%s %s\\n" "$(basename "$f" .zone)" "$(base64 -w0 < "$f")"; done; true'
        )

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def process(self, output: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for line in output:
            name, _, encoded = line.strip().partition(" ")
            if name:
                out[name] = base64.b64decode(encoded).decode()
        return out


class FileText(FactBase):
    """The text of one file, or None if absent: `host.get_fact(FileText, path="/d/knot.conf")`."""

    def command(self, path: str) -> str:
        p = shlex.quote(path)
        return f"if [ -f {p} ]; then printf 'present '; base64 -w0 < {p}; echo; else echo absent; fi"

    def process(self, output: list[str]) -> str | None:
        line = "".join(output).strip()
        if not line.startswith("present"):
            return None
        return base64.b64decode(line[len("present") :].strip()).decode()


class KnotRunning(FactBase):
    """Whether a Knot server answers on its control socket: `host.get_fact(KnotRunning, socket=s)`."""

    def command(self, socket: str) -> str:
        s = shlex.quote(socket)
        return f"if knotc -s {s} status >/dev/null 2>&1; then echo running; else echo stopped; fi"

    def process(self, output: list[str]) -> bool:
        return "".join(output).strip() == "running"
