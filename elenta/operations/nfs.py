"""Install an exports file on an NFS server and load it: `nfs.exports(content=text)` in a deploy.

The operation reads two facts (the installed file's SHA-256, and `exportfs -v`) and yields
commands only for what differs, so a second run is a no-op:

- the file differs: upload it beside the target, check it with the host's own `exportfs -ra` in
  a private mount and network namespace (a tmpfs over /var/lib/nfs and the candidate bound over
  the target, so the live table is not touched), then move it into place and `exportfs -ra`;
- the file is in place but what it declares is not loaded (or loaded with other options):
  `exportfs -ra`;
- otherwise nothing.

A faulty text (unknown option, space before `(`, a client exported twice with different
options) is refused before any command is yielded.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import shlex

from pyinfra import host
from pyinfra.api import FileUploadCommand, OperationError, OperationValueError, operation
from pyinfra.facts.files import Directory, Sha256File

from elenta.facts.nfs import ExportfsVerbose
from elenta.nfs.table import ExportEntry, missing_from, parse_exports

# exportfs also reads /etc/exports.d/*.exports: elenta's file there does not fight a NixOS-managed
# /etc/exports (a link into /etc/static).
DEFAULT_PATH = "/etc/exports.d/elenta.exports"
NFS_STATE = "/var/lib/nfs"


def staging_path(path: str) -> str:
    """Where the candidate waits while it is checked (a name exportfs does not read)."""
    return f"{path}.elenta-new"


def check_command(candidate: str, path: str) -> str:
    """The shell command that checks `candidate` as if it were `path`, with the host's exportfs.

    Runs in a private mount and network namespace: /var/lib/nfs is a tmpfs (etab stays untouched)
    and `candidate` is bound over `path`; exportfs reads it with the rest of /etc/exports{,.d},
    stats every path, and exits non-zero on an unknown option, a missing directory or an
    incompatible duplicate. The candidate is removed when the check fails.
    """
    inner = (
        f"mount -t tmpfs elenta-nfs-check {NFS_STATE} && "
        f"mount --bind {shlex.quote(candidate)} {shlex.quote(path)} && exportfs -ra"
    )
    sandbox = f"unshare --mount --net --propagation private sh -c {shlex.quote(inner)}"
    return f"{sandbox} || {{ rm -f {shlex.quote(candidate)}; exit 1; }}"


@operation()
def exports(content: str, path: str = DEFAULT_PATH, check: bool = True, create_directories: bool = False):
    """Make `path` hold `content` and the host export exactly that.

    + content: the exports(5) text (e.g. `elenta.nfs.render.exports_text(lab, "nancy")`)
    + path: the file to install (default `/etc/exports.d/elenta.exports`)
    + check: check the candidate with the host's exportfs before installing it
    + create_directories: create exported directories that do not exist (else the check refuses
      them, as exportfs cannot stat them)

    `nfs.exports(name="NFS exports", content=text)`
    """
    parsed = parse_exports(content)
    if parsed.faults:
        raise OperationValueError(
            "refusing to install NFS exports: "
            + "; ".join(f"line {number}: {message}" for number, message in parsed.faults)
        )
    if not path.startswith("/"):
        raise OperationValueError(f"exports path {path!r} must be absolute")
    live = host.get_fact(ExportfsVerbose)
    if live is None:
        raise OperationError("exportfs is not installed on this host (nfs-utils; NixOS: services.nfs.server)")
    if create_directories:
        missing = sorted({e.path for e in parsed.entries if host.get_fact(Directory, path=e.path) is None})
        if missing:
            yield "mkdir -p " + " ".join(shlex.quote(p) for p in missing)
    installed = host.get_fact(Sha256File, path=path)
    wanted = hashlib.sha256(content.encode()).hexdigest()
    if installed != wanted:
        candidate = staging_path(path)
        yield f"mkdir -p {shlex.quote(posixpath.dirname(path))} {NFS_STATE}"
        yield FileUploadCommand(io.BytesIO(content.encode()), candidate)
        if check:
            if installed is None:
                yield f": > {shlex.quote(path)}"  # an empty exports file exports nothing
            yield check_command(candidate, path)
        yield f"mv -f {shlex.quote(candidate)} {shlex.quote(path)}"
        yield "exportfs -ra"
        return
    loaded = [ExportEntry(e["path"], e["client"], tuple(e["options"])) for e in live]
    if missing_from(parsed.entries, loaded):
        yield "exportfs -ra"
        return
    host.noop(f"NFS exports in {path} are installed and loaded")
