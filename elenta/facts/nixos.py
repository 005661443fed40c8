"""What a NixOS host runs and will boot, read in ONE command (one round trip per host).

`host.get_fact(NixosSystem, desired="/nix/store/…-nixos-system-dns")` ->
`{"current": "/nix/store/…", "booted": …, "next_boot": …, "profile_system": …,
"profile_generation": 3, "generations": [1, 2, 3], "revision": "abc123", "desired_present": True,
"deploys": {"20260101-…": "awaiting-confirmation"}, "deploy": "confirmed", "reason": ""}`.
Paths that do not exist come back as None.

What a NixOS host boots next is read as NixOS writes it: the default entry of a systemd-boot
loader (`/boot/loader/loader.conf` names an entry whose `init=` is `<system>/init`); without one,
the system profile's current generation (what `switch-to-configuration boot` installs).

`deploys` holds the elenta deploys left undecided on the host (activation running, waiting for
its confirmation, rolling back, or whose activation died); with `deploy_id`, `deploy` is that
deploy's state and `reason` why it was rolled back (see `DEPLOY_STATES`).
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from elenta.nixos.decision import DEPLOY_STATE_FUNCTION, RUN_DIR, UNDECIDED
from elenta.nixos.paths import BOOT_ENTRY_SYSTEM, BOOTED, CURRENT, PROFILE, PROFILES

# The lab revision each system was deployed from, one file per system (`<dir>/<store basename>`):
# recorded beside the system by the deploy, so builds stay pure and a rollback finds its revision.
REVISIONS = "/var/lib/elenta/revisions"

KEYS = ("current", "booted", "next_boot", "profile_link", "version", "deployed_revision")


def nixos_system_command(desired: str | None = None, deploy_id: str | None = None) -> str:
    """The shell snippet behind NixosSystem: `nixos_system_command("/nix/store/x")`.

    The deploys' states are read FIRST: a state read as decided (rolled back, confirmed) is then
    matched by the systems read after it, never by those of a moment before.
    """
    lines = [
        DEPLOY_STATE_FUNCTION,
        f'for f in {RUN_DIR}/*.activate; do [ -e "$f" ] || continue; i=${{f##*/}}; i=${{i%.activate}}; '
        'echo "pending=$i $(st $i)"; done',
    ]
    if deploy_id:
        d = shlex.quote(deploy_id)
        lines += [
            f"if [ -e {RUN_DIR}/{d}.activate ]; then echo deploy=$(st {d}); fi",
            f'r=; {{ read -r r < {RUN_DIR}/{d}.reason; }} 2>/dev/null; echo "reason=$r"',
        ]
    lines += [
        f"c=$(readlink {CURRENT} 2>/dev/null); echo current=$c",
        # booted, the profile and each generation's link, named, in one program started
        f"find {BOOTED} {PROFILES} -maxdepth 1 -type l \\( -path {BOOTED} -printf 'booted=%l\\n' "
        f"-o -path {PROFILE} -printf 'profile_link=%l\\n' "
        "-o -name 'system-*-link' -printf 'link=%f %l\\n' \\) 2>/dev/null",
        f"echo next_boot=$({BOOT_ENTRY_SYSTEM})",
        f'v=; {{ read -r v < "{REVISIONS}/${{c##*/}}"; }} 2>/dev/null; echo "deployed_revision=$v"',
        # what NixOS itself records, asked only when no deploy of elenta recorded the revision
        "if [ -z \"$v\" ]; then echo version=$(nixos-version --json 2>/dev/null | tr -d '\\n'); fi",
    ]
    if desired:
        quoted = shlex.quote(desired)
        lines.append(f"if test -e {quoted}; then echo desired_present=yes; else echo desired_present=no; fi")
    return "; ".join(lines)


def parse_nixos_system(output: list[str]) -> dict[str, Any]:
    """Turn the command's `key=value` lines into the fact's dict (see the module docstring)."""
    raw = {k: "" for k in (*KEYS, "desired_present", "deploy", "reason")}
    deploys: dict[str, str] = {}
    links: dict[str, str] = {}  # the profile's generations: `system-3-link` -> its system
    for line in output:
        key, sep, value = line.partition("=")
        if sep and key == "pending":
            deploy, _, state = value.strip().partition(" ")
            if state in UNDECIDED:
                deploys[deploy] = state
        elif sep and key == "link":
            name, _, target = value.strip().partition(" ")
            links[name] = target
        elif sep and key in raw:
            raw[key] = value.strip()
    numbers = [n[7:-5] for n in links if n.startswith("system-") and n.endswith("-link")]
    generations = sorted(int(n) for n in numbers if n.isdigit())
    link = raw["profile_link"]
    # What the profile resolves to (`readlink -f`): its generation's system, or the path it names.
    profile_system = links.get(link.removeprefix(f"{PROFILES}/"), link)
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
        "profile_system": profile_system if profile_system.startswith("/nix/store/") else None,
        "profile_generation": generation,
        "generations": generations,
        "revision": revision,
        "desired_present": {"yes": True, "no": False}.get(raw["desired_present"]),
        "deploys": deploys,
        "deploy": raw["deploy"] or None,
        "reason": raw["reason"],
    }


def _fact_class() -> type:
    from pyinfra.api.facts import FactBase

    class NixosSystem(FactBase):
        """The running, booted and next-boot systems, the profile generation and the revision."""

        def command(self, desired: str | None = None, deploy_id: str | None = None) -> str:
            """See `nixos_system_command`."""
            return nixos_system_command(desired, deploy_id)

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
