"""Lab hosts booted by a real systemd: PID 1 of the host's own PID namespace, as systemd-nspawn runs it.

Opt-in per host (`lab_up(lab, ["toto"], init="systemd")`): the host's namespace script ends by
exec'ing `/lib/systemd/systemd` as PID 1 (`container=elenta`, so systemd knows it is a container)
instead of `sshd`; sshd then runs as the unit `elenta-lab-sshd.service` (KillMode=process, as on
NixOS) and `systemd-journald` keeps the units' logs. `/run/systemd/system` exists there, so elenta's
activation takes its `systemd-run` branch, exactly as on a real NixOS host.

Only a few units of this machine are loaded (`SYSTEMD_UNIT_PATH`, no generators): the targets a
service depends on by default, journald and the host's own units. The machine's enabled services
(DHCP, DNS, databases…) are never started inside a lab host. systemd gets its own cgroup subtree
(`<hierarchy>/elenta-lab/<tag>-<machine>` in every hierarchy it tracks processes in), removed when
the host stops.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import time
from pathlib import Path

SYSTEMD = Path("/lib/systemd/systemd")
SYSTEMD_UNITS = Path("/lib/systemd/system")
INITS = ("sh", "systemd")
RUN_UNITS = "/run/elenta-lab/units"
SSHD_UNIT = "elenta-lab-sshd.service"
# What a service's default dependencies (sysinit.target, basic.target, shutdown.target) need, and
# journald; nothing else of this machine's units.
BORROWED_UNITS = (
    "sysinit.target",
    "basic.target",
    "sockets.target",
    "timers.target",
    "paths.target",
    "slices.target",
    "local-fs.target",
    "swap.target",
    "shutdown.target",
    "umount.target",
    "final.target",
    "emergency.target",
    "emergency.service",
    "systemd-journald.service",
    "systemd-journald.socket",
    "systemd-journald-dev-log.socket",
)
OWN_UNITS = {
    "elenta-lab.target": (
        "[Unit]\nDescription=elenta lab host\nRequires=basic.target\nAfter=basic.target\n"
        f"Wants=systemd-journald.service {SSHD_UNIT}\n"
    ),
    # The listener's pid (in the host's PID namespace) goes where the stand-in's "restart sshd"
    # finds it, as the plain host's shell writes it.
    SSHD_UNIT: (
        "[Unit]\nDescription=OpenSSH server of the elenta lab host\n"
        "[Service]\nExecStart=/bin/sh /run/elenta-lab/sshd.sh\nKillMode=process\nRestart=always\n"
    ),
}
SSHD_SCRIPT = "echo $$ > /run/elenta-lab/sshd.pid\nexec /usr/sbin/sshd -D -e -f /run/elenta-lab/sshd_config\n"


def systemd_unavailable() -> str | None:
    """Why a systemd-booted lab host cannot run here, or None: `if systemd_unavailable(): skip`."""
    if not SYSTEMD.exists():
        return f"{SYSTEMD} is not installed (Debian package systemd)"
    for name in BORROWED_UNITS:
        if not (SYSTEMD_UNITS / name).exists():
            return f"{SYSTEMD_UNITS / name} is missing"
    hierarchies = cgroup_hierarchies()
    if not hierarchies:
        return "no cgroup hierarchy systemd can track processes in (cgroup2 or name=systemd)"
    for hierarchy in hierarchies:
        if not os.access(hierarchy, os.W_OK):
            return f"cgroup hierarchy {hierarchy} is read-only here: systemd cannot make its own cgroups"
    return None


def cgroup_hierarchies() -> list[Path]:
    """The cgroup mounts systemd tracks processes in: the unified (cgroup2) one, and on a legacy or
    hybrid layout the `name=systemd` one: `[Path("/sys/fs/cgroup/systemd"), …/unified]`."""
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        _, mount, kind, options = line.split()[:4]
        if not mount.startswith("/sys/fs/cgroup"):
            continue
        if kind == "cgroup2" or (kind == "cgroup" and "name=systemd" in options.split(",")):
            found.append(Path(mount))
    return found


def host_cgroups(host_dir: Path) -> list[Path]:
    """The host's own cgroup in each hierarchy: `<hierarchy>/elenta-lab/<lab tag>-<machine>`."""
    name = f"{host_dir.parent.name}-{host_dir.name}"
    return [root / "elenta-lab" / name for root in cgroup_hierarchies()]


def prepare(host_dir: Path) -> list[str]:
    """Write the host's units under `host_dir/units` and make its cgroups; return the argv prefix
    that moves the namespace's first process into them (`sh -c … exec "$@"`)."""
    units = host_dir / "units"
    units.mkdir(parents=True, exist_ok=True)
    for name in BORROWED_UNITS:
        (units / name).write_bytes((SYSTEMD_UNITS / name).read_bytes())
    for name, text in OWN_UNITS.items():
        (units / name).write_text(text)
    (host_dir / "sshd.sh").write_text(SSHD_SCRIPT)
    moves = []
    for cgroup in host_cgroups(host_dir):
        cgroup.mkdir(parents=True, exist_ok=True)
        moves.append(f"echo $$ > {shlex.quote(str(cgroup / 'cgroup.procs'))}")
    return ["sh", "-c", "; ".join([*moves, 'exec "$@"']), "elenta-lab-cgroup"]


def fill_run(host_dir: Path) -> list[str]:
    """Lines of the host's namespace script that put its units into its fresh /run (still at
    `<host_dir>/run.new`, before it hides the host folder)."""
    h = shlex.quote(str(host_dir))
    return [
        f"cp -r {h}/units {h}/sshd.sh {h}/run.new/elenta-lab/",
        f"mkdir {h}/run.new/elenta-lab/generators",
    ]


def boot_lines(machine: str) -> list[str]:
    """The end of the host's namespace script: systemd as PID 1, with only the host's own units.

    systemd names the host after `/etc/hostname` (in the host's own /etc, as on NixOS); its own
    messages go to the host's journal (`journalctl -u <unit>` shows a unit's start and result).
    """
    return [
        f"printf '%s\\n' {shlex.quote(machine)} > /etc/hostname",
        "export container=elenta",
        f"export SYSTEMD_UNIT_PATH={RUN_UNITS}",
        "export SYSTEMD_GENERATOR_PATH=/run/elenta-lab/generators",
        "export SYSTEMD_ENVIRONMENT_GENERATOR_PATH=/run/elenta-lab/generators",
        f"exec {SYSTEMD} --unit=elenta-lab.target --log-target=journal",
    ]


def remove_cgroups(host_dir: Path, timeout: float = 5) -> None:
    """Remove the host's cgroups, deepest first, once its last processes have left them (the
    namespace's first process may still be exiting when the host counts as stopped)."""
    deadline = time.monotonic() + timeout
    for cgroup in host_cgroups(host_dir):
        while cgroup.exists():
            for folder, _, _ in sorted(os.walk(cgroup), key=lambda entry: -len(entry[0])):
                with contextlib.suppress(OSError):
                    os.rmdir(folder)
            if not cgroup.exists() or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        with contextlib.suppress(OSError):
            cgroup.parent.rmdir()  # other labs' hosts may still be there
