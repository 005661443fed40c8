"""knot.conf for the DNS role, pure. The only Knot-specific rendering: an NSD renderer would sit beside it.

Layout under one directory (default `/var/lib/elenta-dns`, the DNS role's backup path):
`knot.conf`, `zones/<zone>.zone`, `run/` (pid file, control socket `run/knot.sock`), `db/` (journal,
timers). Zone files are read whole and never written back by Knot, so the files elenta installs are
exactly what is served. Runs unprivileged when no `user` is given (tests bind 127.0.0.1@<free port>).
"""

from __future__ import annotations

DEFAULT_DIR = "/var/lib/elenta-dns"


def layout(directory: str = DEFAULT_DIR) -> dict[str, str]:
    """Paths of the server's files: `layout("/d")["socket"] == "/d/run/knot.sock"`."""
    return {
        "conf": f"{directory}/knot.conf",
        "zones": f"{directory}/zones",
        "run": f"{directory}/run",
        "socket": f"{directory}/run/knot.sock",
        "db": f"{directory}/db",
    }


def knot_conf(
    zones: list[str], listen: list[str], directory: str = DEFAULT_DIR, user: str | None = None
) -> str:
    """The server configuration: `knot_conf(["canon"], ["127.0.0.1@5353"], "/tmp/d")`.

    `listen` entries are `address@port`. Zones are authoritative only (Knot never recurses), so
    queries for anything else are refused, never forwarded.
    """
    paths = layout(directory)
    lines = [
        "# rendered by elenta from the lab model: do not edit",
        "# Authoritative only: Knot never recurses or forwards, so the lab's names are answered here",
        "# and nothing else is (REFUSED); see dns/resolver/* for the lab's resolvers.",
        "server:",
        f'    rundir: "{paths["run"]}"',
        f'    pidfile: "{paths["run"]}/knot.pid"',
        "    listen: [ " + ", ".join(f'"{a}"' for a in listen) + " ]",
        '    identity: ""',
        '    version: ""',
    ]
    if user:
        lines.append(f"    user: {user}")
    lines += [
        "",
        "control:",
        f'    listen: "{paths["socket"]}"',
        "",
        "log:",
        "  - target: stderr",
        "    any: info",
        "",
        "database:",
        f'    storage: "{paths["db"]}"',
        "",
        "template:",
        "  - id: default",
        f'    storage: "{paths["zones"]}"',
        '    file: "%s.zone"',
        "    semantic-checks: on",
        "    zonefile-sync: -1",
        "    zonefile-load: whole",
        "    journal-content: none",
        "",
        "zone:",
    ]
    for zone in zones:
        lines.append(f'  - domain: "{zone}."')
    return "\n".join(lines) + "\n"
