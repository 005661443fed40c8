"""The example lab built through a standard multi-user Nix: a `nix-daemon` with build users and the
sandbox on, reached by root and by a non-root user (`NIX_REMOTE=daemon`).

A private mount namespace makes that machine: a fresh store (tmpfs on /nix), a `nixbld` group
with four build users and two login users (`alice`, trusted; `bob`, not) in bind-mounted copies
of /etc/group and /etc/passwd, and the daemon's own nix.conf (`NIX_CONF_DIR`):
`build-users-group = nixbld`, `sandbox = true`, `trusted-users = root alice`, no substituters.
The example lab's own settings (`examples/lab/elenta.toml`: `sandbox = false` for its stand-in
systems, built by the machine's /bin/sh) are client settings: the daemon honours them for
trusted users, and builds an untrusted user's derivations in its sandbox, where the stand-ins
cannot build. elenta's own build path (`elenta.nixos.build.build_systems`) does the builds.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from elenta.lab import lab_unavailable
from elenta.nix import nix_available

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_LAB = REPO / "examples" / "lab"
pytestmark = [pytest.mark.nix, pytest.mark.slow]

DAEMON_CONF = """\
build-users-group = nixbld
sandbox = true
trusted-users = root alice
substituters =
experimental-features = nix-command flakes
"""

BUILD = (
    "from elenta.nixos.build import build_systems; from elenta.model.lab import load_lab; "
    "import sys; lab = load_lab(sys.argv[1]); "
    "built = build_systems(lab, ['toto', 'nancy']); "
    "print('\\n'.join(f'built {m} {b.path}' for m, b in built.items()))"
)


def closed_ancestors() -> list[Path]:
    """Folders on the way to the venv's Python and to this checkout that others may not enter."""
    targets = [Path(sys.executable), Path(os.path.realpath(sys.executable)), Path(__file__).resolve()]
    out: list[Path] = []
    for target in targets:
        for folder in reversed(target.absolute().parents):
            if folder != Path("/") and not folder.stat().st_mode & 0o001 and folder not in out:
                out.append(folder)
    return out


def open_for_users(scratch: Path, folders: list[Path]) -> list[str]:
    """Shell lines overlaying each folder (outermost first) with an upper layer of mode 0755."""
    lines = []
    for i, folder in enumerate(folders):
        upper, work = (
            shlex.quote(str(scratch / f"open{i}.upper")),
            shlex.quote(str(scratch / f"open{i}.work")),
        )
        lines += [
            f"mkdir -p {upper} {work} && chmod 0755 {upper}",
            f"mount -t overlay mu-open{i} -o lowerdir={shlex.quote(str(folder))},upperdir={upper},"
            f"workdir={work} {shlex.quote(str(folder))}",
        ]
    return lines


def daemon_script(scratch: Path, lab: Path, other: Path) -> str:
    """Make the multi-user machine, start its daemon, build `lab` as root and alice, `other` as bob."""
    s = shlex.quote(str(scratch))
    build = f"{shlex.quote(sys.executable)} -c {shlex.quote(BUILD)} {shlex.quote(str(lab))}"
    build_other = f"{shlex.quote(sys.executable)} -c {shlex.quote(BUILD)} {shlex.quote(str(other))}"
    users = [
        "nixbld:x:30000:" + ",".join(f"nixbld{i}" for i in range(1, 5)),
        "alice:x:31001:",
        "bob:x:31002:",
    ]
    passwd = [
        f"nixbld{i}:x:3000{i}:30000:Nix build user {i}:/var/empty:/usr/sbin/nologin" for i in range(1, 5)
    ]
    passwd += [
        f"{name}:x:{uid}:{uid}::{scratch}/{name}:/bin/sh" for name, uid in (("alice", 31001), ("bob", 31002))
    ]
    as_user = "setpriv --reuid {uid} --regid {uid} --clear-groups env HOME={s}/{name} TMPDIR={s}/{name}"
    lines = [
        "set -e",
        "mount --make-rprivate /",
        "mkdir -p /nix && mount -t tmpfs -o mode=0755 mu-nix /nix",
        f"cp /etc/group {s}/group && cp /etc/passwd {s}/passwd",
        *(f"echo {shlex.quote(line)} >> {s}/group" for line in users),
        *(f"echo {shlex.quote(line)} >> {s}/passwd" for line in passwd),
        f"mount --bind {s}/group /etc/group && mount --bind {s}/passwd /etc/passwd",
        # The venv, its Python and this checkout may sit below folders only root may enter (/root,
        # a 0700 temporary folder): each is overlaid with an open upper layer, in this namespace only.
        *open_for_users(scratch, closed_ancestors()),
        f"mkdir -p {s}/alice {s}/bob && chown 31001:31001 {s}/alice && chown 31002:31002 {s}/bob",
        f"export NIX_CONF_DIR={s}/nix-conf",
        "unset NIX_CONFIG ELENTA_NIX_CONFIG ELENTA_STATE_DIR",
        f"nix-daemon > {s}/daemon.log 2>&1 & daemon=$!",
        "for i in $(seq 100); do [ -S /nix/var/nix/daemon-socket/socket ] && break; sleep 0.1; done",
        "export NIX_REMOTE=daemon",
        "echo '== root'",
        build,
        "echo '== alice'",
        as_user.format(uid=31001, s=s, name="alice") + f" {build}",
        "echo '== bob'",
        as_user.format(uid=31002, s=s, name="bob") + f" {build_other} || echo 'bob: refused'",
        "echo '== store'",
        "stat -c '%U %n' /nix/store/*-nixos-system-dns-elenta",
        "kill $daemon",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder every user of the namespace can read (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="elenta-real-daemon-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_example_lab_builds_through_a_multi_user_nix_daemon(scratch: Path) -> None:
    reason = lab_unavailable() or (None if nix_available() else "nix is not installed")
    if not reason and not (shutil.which("nix-daemon") and shutil.which("setpriv")):
        reason = "nix-daemon or setpriv is missing"
    if reason:
        pytest.skip(reason)
    lab, other = scratch / "lab", scratch / "other"
    for folder in (lab, other):
        shutil.copytree(EXAMPLE_LAB, folder, ignore=shutil.ignore_patterns(".elenta", "result*"))
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    # bob's systems are new derivations (nothing in the store to reuse): the daemon builds them.
    flake = other / "flake.nix"
    flake.write_text(flake.read_text().replace("authoritative DNS for the lab", "authoritative DNS, bob's"))
    (scratch / "nix-conf").mkdir()
    (scratch / "nix-conf" / "nix.conf").write_text(DAEMON_CONF)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", daemon_script(scratch, lab, other)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out + (scratch / "daemon.log").read_text(errors="replace")
    root, rest = out.split("== alice", 1)
    alice, rest = rest.split("== bob", 1)
    bob, store = rest.split("== store", 1)
    assert "built toto /nix/store/" in root and "built nancy /nix/store/" in root, out
    # The trusted non-root user gets the same systems, built by the daemon.
    assert sorted(line for line in alice.splitlines() if line.startswith("built")) == sorted(
        line for line in root.splitlines() if line.startswith("built")
    ), out
    # The daemon keeps its sandbox for an untrusted user: the stand-ins cannot build there.
    assert "bob: refused" in bob and "built toto" not in bob, out
    assert re.search(r"BuildError: building .*toto.* failed: builder for", out), out
    assert store.split()[0] == "root", out  # the store is the daemon's
