"""What a NixOS host runs and will boot, read in ONE command (one round trip per host).

`host.get_fact(NixosSystem, desired="/nix/store/…-nixos-system-dns")` ->
`{"current": "/nix/store/…", "booted": …, "next_boot": …, "profile_system": …,
"profile_generation": 3, "generations": [1, 2, 3], "revision": "abc123", "desired_present": True}`.
Paths that do not exist come back as None.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

PROFILE = "/nix/var/nix/profiles/system"
CURRENT = "/run/current-system"
BOOTED = "/run/booted-system"
# Where the lab's boot loader records the default entry (a real NixOS: the profile's newest
# generation installed by switch-to-configuration).
BOOT_DEFAULT = "/boot/elenta/default-system"

# The lab revision each system was deployed from, one file per system (`<dir>/<store basename>`):
# recorded beside the system by the deploy, so builds stay pure and a rollback finds its revision.
REVISIONS = "/var/lib/elenta/revisions"

KEYS = (
    "current",
    "booted",
    "next_boot",
    "profile_system",
    "profile_link",
    "generations",
    "version",
    "deployed_revision",
)


def nixos_system_command(desired: str | None = None) -> str:
    """The shell snippet behind NixosSystem: `nixos_system_command("/nix/store/x")`."""
    lines = [
        f"echo current=$(readlink {CURRENT} 2>/dev/null)",
        f"echo booted=$(readlink {BOOTED} 2>/dev/null)",
        f"echo next_boot=$(readlink {BOOT_DEFAULT} 2>/dev/null)",
        f"echo profile_system=$(readlink -f {PROFILE} 2>/dev/null)",
        f"echo profile_link=$(readlink {PROFILE} 2>/dev/null)",
        "echo generations=$(ls /nix/var/nix/profiles 2>/dev/null"
        " | sed -n 's/^system-\\([0-9]*\\)-link$/\\1/p' | sort -n | tr '\\n' ' ')",
        "echo version=$(nixos-version --json 2>/dev/null | tr -d '\\n')",
        f'echo deployed_revision=$(cat {REVISIONS}/"$(basename "$(readlink {CURRENT})")" 2>/dev/null)',
    ]
    if desired:
        quoted = shlex.quote(desired)
        lines.append(f"if test -e {quoted}; then echo desired_present=yes; else echo desired_present=no; fi")
    return "; ".join(lines)


def parse_nixos_system(output: list[str]) -> dict[str, Any]:
    """Turn the command's `key=value` lines into the fact's dict (see the module docstring)."""
    raw = {k: "" for k in KEYS}
    raw["desired_present"] = ""
    for line in output:
        key, sep, value = line.partition("=")
        if sep and key in raw:
            raw[key] = value.strip()
    generations = [int(g) for g in raw["generations"].split() if g.isdigit()]
    link = raw["profile_link"]
    generation = None
    if link.startswith("system-") and link.endswith("-link") and link[7:-5].isdigit():
        generation = int(link[7:-5])
    revision = raw["deployed_revision"] or None
    if revision is None and raw["version"]:
        try:
            revision = json.loads(raw["version"]).get("configurationRevision")
        except (ValueError, AttributeError):
            revision = None
    return {
        "current": raw["current"] or None,
        "booted": raw["booted"] or None,
        "next_boot": raw["next_boot"] or None,
        "profile_system": raw["profile_system"] if raw["profile_system"].startswith("/nix/store/") else None,
        "profile_generation": generation,
        "generations": generations,
        "revision": revision,
        "desired_present": {"yes": True, "no": False}.get(raw["desired_present"]),
    }


def _fact_class() -> type:
    from pyinfra.api.facts import FactBase

    class NixosSystem(FactBase):
        """The running, booted and next-boot systems, the profile generation and the revision."""

        def command(self, desired: str | None = None) -> str:
            """See `nixos_system_command`."""
            return nixos_system_command(desired)

        def process(self, output: list[str]) -> dict[str, Any]:
            """See `parse_nixos_system`."""
            return parse_nixos_system(list(output))

    NixosSystem.__module__ = __name__
    NixosSystem.__qualname__ = "NixosSystem"
    return NixosSystem


def __getattr__(name: str) -> Any:
    """`NixosSystem`, the pyinfra fact, made on first use: the in-process status read (a no-op
    deploy, `elenta status`) uses the command and parser alone and never imports pyinfra."""
    if name == "NixosSystem":
        globals()[name] = _fact_class()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
