"""Install a DHCP server's configuration, check it with the server itself, reload, verify.

`dhcp.config(content=text, filename="kea-dhcp4.conf")` in a deploy. The operation reads the
installed file's SHA-256 and the server's state, and yields commands only when they differ:

- upload the candidate beside the target (`<path>.elenta-new`) and check it with the host's own
  parser (`kea-dhcp4 -t`, `kea-dhcp6 -t`, `dnsmasq --test`); with `sandbox_interfaces` the check
  runs in a private network namespace holding stand-in interfaces of those names (for hosts that
  do not have the served interfaces themselves, such as elenta's loopback lab);
- keep the installed file as `<path>.elenta-old`, move the candidate into place;
- reload the server (systemd: `systemctl reload-or-restart <unit>`; else a running Kea gets
  SIGHUP); when the reload fails, put the old file back, reload again and fail;
- verify: the unit is active (systemd) or the process still runs.

A host without the server installed is refused before anything is uploaded.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import shlex

from pyinfra import host
from pyinfra.api import FileUploadCommand, OperationError, OperationValueError, operation
from pyinfra.facts.files import Sha256File

from elenta.dhcp.render import INSTALL_PATHS, SERVICES
from elenta.dhcp.validate import CHECKERS, check_command
from elenta.facts.dhcp import DhcpServer


def host_check_command(filename: str, candidate: str, sandbox_interfaces: list[str] | None) -> str:
    """The shell command checking `candidate` on the host; removes it when refused."""
    check = shlex.join(check_command(filename, candidate))
    if sandbox_interfaces:
        steps = [
            f"ip link add {shlex.quote(n)} type veth peer name elenta-peer{i}"
            for i, n in enumerate(sandbox_interfaces)
        ]
        steps.append(check)
        check = f"unshare --net sh -c {shlex.quote(' && '.join(steps))}"
    return f"{check} || {{ rm -f {shlex.quote(candidate)}; exit 1; }}"


def reload_command(filename: str, path: str, state: dict) -> str | None:
    """How the running server takes the new file, with the old file put back if it cannot."""
    binary = CHECKERS[filename][0]
    unit = SERVICES[filename]
    old = shlex.quote(f"{path}.elenta-old")
    target = shlex.quote(path)
    if state.get("systemd"):
        reload = f"systemctl reload-or-restart {unit}"
        verify = f"systemctl is-active --quiet {unit}"
    elif binary in state.get("running", {}) and binary.startswith("kea"):
        pids = " ".join(str(p) for p in state["running"][binary])
        reload = f"kill -HUP {pids}"
        verify = f"sleep 1 && kill -0 {pids}"
    else:
        return None
    restore = f"if [ -f {old} ]; then mv -f {old} {target}; {reload}; fi"
    refused = f"echo 'elenta: {unit} refused the new file' >&2"
    return f"{{ {reload} && {verify}; }} || {{ {restore}; {refused}; exit 1; }}"


@operation()
def config(
    content: str,
    filename: str,
    path: str = "",
    check: bool = True,
    sandbox_interfaces: list[str] | None = None,
):
    """Make `path` (default: the server's usual file) hold `content`, checked, loaded and verified.

    + content: the configuration text (`elenta.dhcp.render.server_files(server)[filename]`)
    + filename: `kea-dhcp4.conf`, `kea-dhcp6.conf` or `dnsmasq.conf`: which server it is for
    + path: where to install it (default `/etc/kea/<filename>`, `/etc/dnsmasq.d/elenta-dhcp.conf`)
    + check: check the candidate with the host's own parser before installing it
    + sandbox_interfaces: check in a network namespace holding stand-in interfaces of these names
    """
    if filename not in CHECKERS:
        raise OperationValueError(f"unknown DHCP file {filename!r} (one of {', '.join(CHECKERS)})")
    path = path or INSTALL_PATHS[filename]
    if not path.startswith("/") or posixpath.normpath(path) != path:
        raise OperationValueError(f"DHCP configuration path {path!r} must be absolute and normalised")
    state = host.get_fact(DhcpServer)
    binary = CHECKERS[filename][0]
    if binary not in state.get("installed", []):
        raise OperationError(f"{binary} is not installed on this host ({CHECKERS[filename][1]})")
    installed = host.get_fact(Sha256File, path=path)
    if installed == hashlib.sha256(content.encode()).hexdigest():
        host.noop(f"{filename} is installed at {path}")
        return
    candidate = f"{path}.elenta-new"
    yield f"mkdir -p {shlex.quote(posixpath.dirname(path))}"
    yield FileUploadCommand(io.BytesIO(content.encode()), candidate)
    if check:
        yield host_check_command(filename, candidate, sandbox_interfaces)
    if installed is not None:
        yield f"cp -p {shlex.quote(path)} {shlex.quote(path + '.elenta-old')}"
    yield f"mv -f {shlex.quote(candidate)} {shlex.quote(path)}"
    reload = reload_command(filename, path, state)
    if reload is not None:
        yield reload
