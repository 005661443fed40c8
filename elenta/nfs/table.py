"""Export entries, and the two texts they are read from: an exports(5) file and `exportfs -v`.

`parse_exports("/srv 127.0.1.4(ro)\n")` gives the entries of a file and the faults found in it;
`parse_exportfs_verbose(output)` reads what the host has loaded.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from elenta.nfs.options import check_options, contradicted_by

WORLD = "*"


@dataclass(frozen=True)
class ExportEntry:
    """One path exported to one client with its options: `ExportEntry("/srv", "127.0.1.4", ("ro",))`."""

    path: str
    client: str
    options: tuple[str, ...] = ()


@dataclass
class ParsedExports:
    """What `parse_exports` found: the entries, and faults as `(line number, message)`."""

    entries: list[ExportEntry] = field(default_factory=list)
    faults: list[tuple[int, str]] = field(default_factory=list)


def quote_path(path: str) -> str:
    """A path as exports(5) wants it, quoted when it holds a space: `quote_path("/a b") == '"/a b"'`."""
    return f'"{path}"' if any(c.isspace() for c in path) else path


def render_line(path: str, clients: Iterable[tuple[str, Iterable[str]]]) -> str:
    """One exports(5) line, never with a space before `(`.

    `render_line("/srv", [("127.0.1.4", ["ro"])]) == "/srv 127.0.1.4(ro)"`
    """
    parts = [quote_path(path)]
    for client, options in clients:
        opts = ",".join(options)
        parts.append(f"{client}({opts})" if opts else client)
    return " ".join(parts)


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    pending = ""
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def _tokens(body: str) -> list[str]:
    """Split a line into path and client specs; shlex only when quotes or escapes need it (slow).

    No comment handling: exportfs takes `#` as a comment only at the start of a line.
    """
    if '"' in body or "'" in body or "\\" in body:
        return shlex.split(body, comments=False, posix=True)
    return body.split()


_CLIENT = re.compile(r"^(?P<client>[^()\s]*)(?:\((?P<options>[^()\s]*)\))?$")


def parse_exports(text: str) -> ParsedExports:
    """Read an exports(5) text; flag what exportfs would take silently or reject.

    Faults include a space before `(` (which exports to the world), unknown or contradictory
    options, relative paths, and one client given twice for a path with different options.
    `parse_exports('/srv 127.0.1.4 (ro)\n').faults` -> `[(1, "space before '(' …")]`
    """
    out = ParsedExports()
    seen: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = {}
    for number, line in _logical_lines(text):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        try:
            tokens = _tokens(body)
        except ValueError as exc:
            out.faults.append((number, f"cannot read line: {exc}"))
            continue
        path, specs = tokens[0], tokens[1:]
        if not path.startswith("/"):
            out.faults.append((number, f"export path {path!r} is not absolute"))
        defaults: list[str] = []
        if specs and specs[0].startswith("-"):
            defaults = specs.pop(0)[1:].split(",")
        if not specs:
            out.faults.append((number, f"{path}: no client given, which exports to the world; write *(…)"))
            continue
        previous: str | None = None
        for spec in specs:
            if "#" in spec:
                out.faults.append(
                    (
                        number,
                        f"{path}: '#' starts a comment only at the start of a line; exportfs fails on "
                        f"{spec!r}",
                    )
                )
                break
            match = _CLIENT.match(spec)
            if match is None:
                out.faults.append((number, f"{path}: cannot read client {spec!r}"))
                continue
            client, options = match["client"], match["options"]
            if not client:
                where = f"after {previous!r}" if previous else f"after {path!r}"
                out.faults.append(
                    (
                        number,
                        f"{path}: space before '(' {where}: {spec!r} would be exported to the world "
                        f"and {previous or 'the client'} would get default options",
                    )
                )
                continue
            opts = tuple(defaults + (options.split(",") if options else []))
            for fault in check_options(list(opts)):
                out.faults.append((number, f"{path} {client}: {fault}"))
            key = (path, client)
            if key in seen and seen[key][1] != opts:
                out.faults.append(
                    (
                        number,
                        f"{path} is exported to {client} twice with different options "
                        f"(line {seen[key][0]}: {','.join(seen[key][1])}; line {number}: {','.join(opts)})",
                    )
                )
            seen.setdefault(key, (number, opts))
            out.entries.append(ExportEntry(path, client, opts))
            previous = client
    return out


def parse_exportfs_verbose(output: str) -> list[ExportEntry]:
    """Read `exportfs -v`: `<path>` then `<client>(<options>)`, on one line or two when the path is long.

    A line starting with `/` names a path (maybe followed by a tab and a client); any other line
    is a client of the last path, so leading whitespace may be lost. `<world>` is reported as `*`.
    `parse_exportfs_verbose("/srv  \t127.0.1.4(ro)\n")` -> `[ExportEntry("/srv", "127.0.1.4", ("ro",))]`
    """
    entries: list[ExportEntry] = []
    path: str | None = None
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            continue
        rest = line
        if line.startswith("/"):
            head, sep, tail = line.rpartition("\t")
            if not sep:
                path = line
                continue
            path, rest = head.rstrip(), tail.strip()
        match = re.fullmatch(r"(?P<client>[^()\s]+)\((?P<options>[^()]*)\)", rest)
        if path is None or match is None:
            continue
        client = WORLD if match["client"] == "<world>" else match["client"]
        options = tuple(o for o in match["options"].split(",") if o)
        entries.append(ExportEntry(path, client, options))
    return entries


def missing_from(wanted: Iterable[ExportEntry], live: Iterable[ExportEntry]) -> list[ExportEntry]:
    """Wanted entries that are not loaded, or loaded with contradicting options.

    `missing_from(parse_exports(text).entries, parse_exportfs_verbose(out))` is empty when the
    host exports what the file says.
    """
    loaded = {(e.path, e.client): e for e in live}
    out = []
    for entry in wanted:
        have = loaded.get((entry.path, entry.client))
        if have is None or contradicted_by(list(entry.options), list(have.options)):
            out.append(entry)
    return out
