"""Backups of switch running configurations, like Oxidized: one git commit per backup.

The repository is `<state_dir>/switches/` (created on first use, private to the user: folders
0700, files 0600); each switch's configuration is the file `<name>.cfg`, and every backup is a
commit `"<name>: <reason>"` — also when nothing changed, so that each apply has its own
reference. Secrets are scrubbed before anything is written (`scrub`): elenta's rollbacks only
restore VLANs and ports, which hold none.

    save_backup(lab.state_dir, "sw1", running, "before-apply")  # -> Backup(sw1@1a2b3c4d5e)
    history(lab.state_dir, "sw1")                               # `git log -p` of sw1.cfg

Needs the `git` program.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from elenta.model.errors import ElentaError

_SECRET_LINES = (
    # (line pattern, group holding the secret)
    re.compile(r"^(\s*enable (?:secret|password)(?: \d+)? )(\S+)"),
    re.compile(r"^(\s*username \S+(?: privilege \d+)? (?:secret|password)(?: \d+)? )(\S+)"),
    re.compile(r"^(\s*snmp-server community )(\S+)"),
    re.compile(r"^(\s*(?:tacacs-server|radius-server) key(?: \d+)? )(\S+)"),
    re.compile(r"^(\s*key(?:-string)?(?: \d+)? )(\S+)"),
    re.compile(r"^(\s*(?:password|secret)(?: \d+)? )(\S+)"),
    re.compile(r"^(\s*(?:pre-shared-key|authentication-key|md5 authentication-key)(?: \d+)? )(\S+)"),
    # Junos `set` lines (not a VLAN's, named after a network): the word after a secret's keyword.
    re.compile(
        r"^(set (?!vlans )(?:(?:\"(?:[^\"\\]|\\.)*\"|[^\s\"]+) )*?(?:encrypted-password|secret"
        r"|authentication-key|ascii-text|hexadecimal|simple-password|community|pre-shared-key) )"
        r"(\"(?:[^\"\\]|\\.)*\"|\S+)"
    ),
)
SCRUBBED = "<secret removed>"


class BackupError(ElentaError):
    """A backup cannot be written or read (git missing, unknown reference)."""

    exit_code = 2


def scrub(config: str) -> str:
    """The configuration with every secret replaced, as Oxidized does.

    >>> scrub("enable secret 5 $1$abc\\nhostname sw1\\n")
    'enable secret 5 <secret removed>\\nhostname sw1\\n'
    >>> scrub('set system login user admin authentication encrypted-password "$6$x.y"\\n')
    'set system login user admin authentication encrypted-password <secret removed>\\n'
    """
    out = []
    for line in config.splitlines(keepends=True):
        for pattern in _SECRET_LINES:
            line = pattern.sub(lambda m: m.group(1) + SCRUBBED, line, count=1)
        out.append(line)
    return "".join(out)


def repository(state_dir: Path) -> Path:
    """The backup repository of a lab: `repository(lab.state_dir)` -> `<state>/switches`."""
    return state_dir / "switches"


@dataclass(frozen=True)
class Backup:
    """One saved configuration: a commit of `<name>.cfg` in the backup repository."""

    repo: Path
    switch: str
    commit: str
    reason: str

    def read_text(self) -> str:
        """The configuration as saved: `backup.read_text()`."""
        return _git(self.repo, "show", f"{self.commit}:{self.switch}.cfg")

    def __str__(self) -> str:
        return f"{self.switch}@{self.commit[:10]} in {self.repo}"


def _git(repo: Path, *args: str) -> str:
    if shutil.which("git") is None:
        raise BackupError("switch backups need the git program (apt install git)")
    command = ["git", "-C", str(repo), "-c", "user.name=elenta", "-c", "user.email=elenta@localhost"]
    command += ["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise BackupError(f"git {args[0]} in {repo}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


@contextmanager
def _locked(repo: Path) -> Iterator[None]:
    """One writer at a time (switches are backed up in parallel threads and processes).

    Privacy comes from the modes set here, never from the umask (threads share it): the
    repository folder and its `.git` are 0700, every configuration file 0600.
    """
    repo.mkdir(parents=True, exist_ok=True, mode=0o700)
    repo.chmod(0o700)
    lock_path = repo / ".elenta-lock"
    with open(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600), "r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (repo / ".git").is_dir():
                _git(repo, "init", "-q")
                (repo / ".git").chmod(0o700)
                (repo / ".gitignore").write_text(".elenta-lock\n*.owned.json\n*.tmp\n")
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save_backup(state_dir: Path, name: str, config: str, reason: str = "backup") -> Backup:
    """Commit `config` (scrubbed) as the newest backup of switch `name`; return its reference."""
    repo = repository(state_dir)
    with _locked(repo):
        path = repo / f"{name}.cfg"
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(scrub(config))
        path.chmod(0o600)  # also when an older file had another mode
        _git(repo, "add", "--", path.name)
        _git(repo, "commit", "-q", "--allow-empty", "-m", f"{name}: {reason}", "--", path.name)
        commit = _git(repo, "rev-parse", "HEAD").strip()
    return Backup(repo, name, commit, reason)


def backups(state_dir: Path, name: str, reason: str | None = None) -> list[Backup]:
    """Backups of switch `name`, oldest first, optionally only those taken for `reason`."""
    repo = repository(state_dir)
    if not (repo / ".git").is_dir():
        return []
    log = _git(repo, "log", "--reverse", "--format=%H%x09%s", f"--grep=^{re.escape(name)}: ")
    found = []
    for line in log.splitlines():
        commit, _, subject = line.partition("\t")
        switch, _, why = subject.partition(": ")
        if switch == name and (reason is None or why == reason):
            found.append(Backup(repo, name, commit, why))
    return found


def find_backup(state_dir: Path, name: str, ref: str) -> Backup:
    """The backup of `name` at a commit (or a unique prefix of one): `find_backup(s, "sw1", "1a2b")`."""
    for backup in reversed(backups(state_dir, name)):
        if backup.commit.startswith(ref.lower()) and len(ref) >= 4:
            return backup
    raise BackupError(
        f"switch {name}: no backup {ref!r} in {repository(state_dir)} (see `elenta net history`)"
    )


def history(state_dir: Path, name: str, limit: int = 20) -> str:
    """The last `limit` backups of `name` with their diffs (`git log -p`), newest first."""
    repo = repository(state_dir)
    if not (repo / ".git").is_dir():
        return ""
    grep = f"--grep=^{re.escape(name)}: "
    return _git(repo, "log", "-p", f"-n{limit}", "--format=%h %ad %s", "--date=iso-strict", grep)
