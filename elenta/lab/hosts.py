"""Start and stop lab hosts: one `sshd` per machine, each in its own mount (and UTS) namespace.

Inside a host's namespace `/nix` and `/boot` are the host's own folders (its disk: a store that
starts empty, profiles that survive `lab down`/`lab up`), `/run` and `/tmp` are fresh tmpfs (lost
on "reboot", as on a real machine), and `/etc`, `/var`, `/srv`, `/root`, `/home` are overlays
whose upper layers live in `LabState.host_dir(machine)` (under /tmp/elenta-lab, linked from
`<state>/lab/hosts`: never inside the lab folder, which Nix copies whole for a `path:` flake).
At start a host "boots" what its boot loader's default entry names (systemd-boot style:
`/boot/loader/loader.conf` -> `/boot/loader/entries/<default>` -> `init=<system>/init`), like a
NixOS machine does: that system becomes `/run/current-system` and `/run/booted-system`.
A host started with `init="systemd"` runs a real systemd as PID 1 of its own PID namespace, sshd
as one of its units (`elenta.lab.systemd_init`).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from elenta.lab import systemd_init
from elenta.lab.keys import ensure_host_key, ensure_root_key, ensure_switch_keys, write_known_hosts
from elenta.lab.state import HostRecord, LabState, lab_state
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.nixos.paths import BOOT_ENTRY_SYSTEM
from elenta.pipeline.ssh import SshTarget

OVERLAID = ("etc", "var", "srv", "root", "home")
# A lab host's own /etc/nix/nix.conf: offline, no build users (the deployer's machine may have no
# `nixbld` group), the features elenta's commands use.
HOST_NIX_CONF = (
    "substituters =\nbuild-users-group =\nsandbox = false\nexperimental-features = nix-command flakes\n"
)
# A NixOS-like PATH: the running system's tools first.
HOST_PATH = "/run/current-system/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# Boot: the boot loader's default entry names the system that runs and is booted.
BOOT_SCRIPT = (
    f"sys=$({BOOT_ENTRY_SYSTEM})",
    'if [ -n "$sys" ] && [ -e "$sys" ]; then',
    '  ln -sfn "$sys" /run/current-system',
    '  ln -sfn "$sys" /run/booted-system',
    "fi",
)


class LabError(ElentaError):
    """A lab host could not be started or stopped; the message names the machine and why."""


@dataclass(frozen=True)
class LabHost:
    """A running lab host as the deployer sees it: `host.ssh("readlink /run/current-system")`."""

    machine: str
    address: str
    port: int
    pid: int
    state: LabState

    def ssh_command(self, command: str) -> list[str]:
        """The hermetic `ssh` argv that runs `command` on this host as root."""
        target = lab_target(self.state, self.machine, self.address, self.port)
        return ["ssh", *target.options(), target.destination, command]

    def ssh(self, command: str, *, check: bool = True, timeout: float = 30) -> str:
        """Run `command` on the host over a fresh SSH connection and return its stdout."""
        proc = subprocess.run(
            self.ssh_command(command), capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and proc.returncode != 0:
            raise LabError(f"{self.machine}: `{command}` exited {proc.returncode}: {proc.stderr.strip()}")
        return proc.stdout

    @property
    def upper(self) -> Path:
        """The host's own files, seen from outside: `host.upper / "etc" / "nix" / "nix.conf"`."""
        return self.state.host_dir(self.machine)


def lab_target(state: LabState, machine: str, address: str, port: int) -> SshTarget:
    """How the deployer reaches a lab host as root: the lab key and the lab's pinned host keys."""
    return SshTarget.lab(
        machine, address, port, str(state.key), str(state.known_hosts), str(state.ssh_config)
    )


def free_port(address: str) -> int:
    """A TCP port free on `address` right now: `free_port("127.0.1.2")`."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def _sshd_config(address: str, port: int) -> str:
    return "\n".join(
        [
            f"ListenAddress {address}:{port}",
            "HostKey /run/elenta-lab/ssh_host_ed25519_key",
            "PidFile none",
            "UsePAM no",
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "AuthorizedKeysFile /run/elenta-lab/authorized_keys",
            "StrictModes no",
            "PrintMotd no",
            "MaxStartups 200:30:400",
            "MaxSessions 50",
            "Subsystem sftp internal-sftp",
            f"SetEnv PATH={HOST_PATH}",
            "LogLevel ERROR",
            "",
        ]
    )


def _namespace_script(host_dir: Path, machine: str, init: str = "sh") -> str:
    h = shlex.quote(str(host_dir))
    lines = [
        "set -e",
        "mount --make-rprivate /",
        f"hostname {shlex.quote(machine)}",
        f"mkdir -p {h}/nix {h}/boot {h}/run.new /boot",
        f"mount --bind {h}/nix /nix",
        f"mount --bind {h}/boot /boot",
    ]
    for name in OVERLAID:
        lines += [
            f"mkdir -p {h}/{name}.upper {h}/{name}.work /{name}",
            f"mount -t overlay elenta-{name} -o lowerdir=/{name},upperdir={h}/{name}.upper,"
            f"workdir={h}/{name}.work /{name}",
        ]
    lines += [
        # A fresh /run, filled before it hides the old one (the host folder may live under /run).
        f"mount -t tmpfs -o mode=0755 elenta-run {h}/run.new",
        f"mkdir -p {h}/run.new/sshd {h}/run.new/elenta-lab {h}/run.new/lock",
        f"cp {h}/sshd_config {h}/authorized_keys {h}/ssh_host_ed25519_key {h}/run.new/elenta-lab/",
        f"chmod 600 {h}/run.new/elenta-lab/ssh_host_ed25519_key",
        *(systemd_init.fill_run(host_dir) if init == "systemd" else []),
        f"mount -n --move {h}/run.new /run",
        "mount -t tmpfs -o mode=1777 elenta-tmp /tmp",
        "mkdir -p /etc/nix /nix/var/nix/profiles",
        f"printf %s {shlex.quote(HOST_NIX_CONF)} > /etc/nix/nix.conf",
        *BOOT_SCRIPT,
    ]
    if init == "systemd":
        lines += systemd_init.boot_lines(machine)
    else:
        lines += [
            # The listener's pid (this shell execs sshd): the stand-in's "restart sshd" spares it.
            "echo $$ > /run/elenta-lab/sshd.pid",
            "exec /usr/sbin/sshd -D -e -f /run/elenta-lab/sshd_config",
        ]
    return "\n".join(lines) + "\n"


def _wait_listening(address: str, port: int, proc: subprocess.Popen, log: Path, machine: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"{machine}: sshd exited {proc.returncode}: {log.read_text().strip()[-400:]}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((address, port)) == 0:
                return
        time.sleep(0.02)
    raise LabError(f"{machine}: sshd did not listen on {address}:{port} within 15 s")


def ensure_mount_points() -> None:
    """Create `/nix` when this machine has none yet, as Nix itself does on first use.

    Each host bind-mounts its own store on `/nix` inside its namespace; a fresh machine (Debian's
    nix-bin before its first build, or no Nix at all) has no such folder to mount on.
    `ensure_mount_points()`
    """
    Path("/nix").mkdir(mode=0o755, exist_ok=True)


def _start_host(state: LabState, machine: str, address: str, port: int, init: str = "sh") -> HostRecord:
    ensure_mount_points()
    host_dir = state.host_dir(machine)
    host_dir.mkdir(parents=True, exist_ok=True)
    ensure_host_key(host_dir)
    (host_dir / "authorized_keys").write_text(state.key.with_suffix(".pub").read_text())
    (host_dir / "sshd_config").write_text(_sshd_config(address, port))
    _clean_root_home(host_dir)
    log = host_dir / "sshd.log"
    namespaces = ["unshare", "--mount", "--uts", "--propagation", "private"]
    if init == "systemd":
        namespaces = [*systemd_init.prepare(host_dir), *namespaces, "--pid", "--fork", "--mount-proc"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*namespaces, "sh", "-c", _namespace_script(host_dir, machine, init)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    _wait_listening(address, port, proc, log, machine)
    return HostRecord(machine, address, port, proc.pid, os.readlink(f"/proc/{proc.pid}/ns/mnt"), init)


def _clean_root_home(host_dir: Path) -> None:
    """A lab host is a NixOS machine, not this box: root's shell start files stay empty there."""
    home = host_dir / "root.upper"
    home.mkdir(parents=True, exist_ok=True)
    for name in (".bashrc", ".profile"):
        if not (home / name).exists():
            (home / name).write_text("# root on an elenta lab host\n")


def _start_on_free_port(
    state: LabState, machine: str, address: str, init: str = "sh", attempts: int = 3
) -> HostRecord:
    """Start a host on a free port; another lab starting at the same moment may take the port
    between our probe and sshd's bind, so a lost race is retried on a new port."""
    for attempt in range(attempts):
        try:
            return _start_host(state, machine, address, free_port(address), init)
        except LabError as exc:
            if "Address already in use" not in str(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _alive(record: HostRecord) -> bool:
    try:
        return os.readlink(f"/proc/{record.pid}/ns/mnt") == record.mnt_ns
    except OSError:
        return False


def _refused(argv: list[str], what: str) -> str | None:
    probe = subprocess.run(argv, capture_output=True, text=True, check=False)
    return None if probe.returncode == 0 else f"cannot make {what} here: {probe.stderr.strip()[:200]}"


def lab_unavailable(init: str = "sh") -> str | None:
    """Why lab hosts cannot run here (not root, a tool missing), or None: `if lab_unavailable(): ...`.

    `init="systemd"`: why hosts booted by systemd cannot (`systemd_init.systemd_unavailable`).
    """
    if os.geteuid() != 0:
        return "lab hosts need root (mount namespaces, sshd)"
    for tool in ("unshare", "ssh", "ssh-keygen"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if not Path("/usr/sbin/sshd").exists():
        return "sshd (openssh-server) is not installed"
    mount = ["unshare", "--mount", "--uts", "sh", "-c", "mount -t tmpfs elenta-probe /mnt"]
    reason = _refused(mount, "a mount namespace")
    if reason or init != "systemd":
        return reason
    pid = ["unshare", "--pid", "--fork", "--mount", "--mount-proc", "true"]
    return systemd_init.systemd_unavailable() or _refused(pid, "a PID namespace")


def lab_machines(lab: Lab) -> list[str]:
    """The machines `lab up` starts: every NixOS machine deployed over SSH (not netbooted)."""
    return [m for m, spec in lab.cadaster.machines.items() if spec.kind == "nixos" and not spec.netboot]


def lab_up(lab: Lab, machines: list[str] | None = None, *, init: str = "sh") -> dict[str, LabHost]:
    """Start the lab's hosts (those not already running) and return every running one.

    `hosts = lab_up(load_lab("examples/lab"))`; `hosts["toto"].ssh("hostname")` -> `"toto\\n"`.
    With `init="systemd"` the hosts started now boot a real systemd (`elenta.lab.systemd_init`).
    """
    if init not in systemd_init.INITS:
        raise LabError(f"unknown init {init!r} (one of {', '.join(systemd_init.INITS)})")
    reason = lab_unavailable(init)
    if reason:
        raise LabError(f"cannot start lab hosts: {reason}")
    state = lab_state(lab)
    state.root.mkdir(parents=True, exist_ok=True)
    state.ssh_config.write_text("")
    state.hosts_root.mkdir(parents=True, exist_ok=True)
    link = state.root / "hosts"
    if link.is_symlink() and link.readlink() != state.hosts_root:
        link.unlink()
    if not link.is_symlink():
        link.symlink_to(state.hosts_root)
    ensure_root_key(state.key)
    ensure_switch_keys(lab)  # what the lab's switch emulators serve (`switch_emulator.py --host-key`)
    records = {name: rec for name, rec in state.records().items() if _alive(rec)}
    wanted = machines if machines is not None else lab_machines(lab)
    for machine in wanted:
        if machine in records:
            continue
        address = str(lab.cadaster.address(machine))
        records[machine] = _start_on_free_port(state, machine, address, init)
        state.save(records)
    state.save(records)
    write_known_hosts(state, records)
    return {name: LabHost(name, r.address, r.port, r.pid, state) for name, r in records.items()}


def lab_status(lab: Lab) -> dict[str, LabHost]:
    """The lab hosts running now (dead records are dropped): `lab_status(lab)["toto"].port`."""
    state = lab_state(lab)
    records = state.records()
    return {n: LabHost(n, r.address, r.port, r.pid, state) for n, r in records.items() if _alive(r)}


def _namespace_pids(mnt_ns: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/mnt") == mnt_ns:
                    pids.append(int(entry))
            except OSError:
                continue
    return pids


def _namespace_init(pid: int) -> bool:
    """Whether `pid` is PID 1 of a PID namespace of its own (a systemd-booted host's systemd)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    nspids = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [])
    return len(nspids) > 1 and nspids[-1] == "1"


def stop_host(record: HostRecord, *, timeout: float = 5, host_dir: Path | None = None) -> None:
    """Stop a host and every process left in its namespace (daemons started over SSH too).

    A systemd-booted host's PID 1 is killed first (its whole PID namespace goes with it: systemd
    takes SIGTERM as "re-execute"); then its cgroups (`host_dir`'s) are removed.
    """
    try:
        _stop_namespace(record, timeout)
    finally:
        if record.init == "systemd" and host_dir is not None:
            systemd_init.remove_cgroups(host_dir)


def _stop_namespace(record: HostRecord, timeout: float) -> None:
    if not _alive(record):
        return
    for pid in _namespace_pids(record.mnt_ns):
        if _namespace_init(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _namespace_pids(record.mnt_ns):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _namespace_pids(record.mnt_ns):
            time.sleep(0.05)
        if not _namespace_pids(record.mnt_ns):
            return


def lab_down(lab: Lab, machines: list[str] | None = None, *, purge: bool = False) -> list[str]:
    """Stop the lab's hosts (all, or the named machines); return the machines stopped.

    Their disks (`/nix`, `/boot`, overlay layers) stay for the next `lab_up`, unless `purge`.
    `lab_down(load_lab("examples/lab"))`
    """
    state = lab_state(lab)
    records = state.records()
    stopped = []
    for name in list(records):
        if machines is not None and name not in machines:
            continue
        stop_host(records.pop(name), host_dir=state.host_dir(name))
        stopped.append(name)
    state.save(records)
    if purge:
        for machine in machines if machines is not None else lab_machines(lab):
            shutil.rmtree(state.host_dir(machine), ignore_errors=True)
        with contextlib.suppress(OSError):
            state.hosts_root.rmdir()
    return stopped
