"""In-process SSH connections (paramiko) to a resolved `SshTarget`, with errors that name the cause.

`client, error = connect(target, timeout=10)`: a connected `paramiko.SSHClient`, or None and a
message: an unknown or changed host key (with the line that pins the key the host offered), an
identity file that does not exist or needs a passphrase no agent holds, a refused login, a host
that does not answer. `scan_host_keys(target)` reads the keys a host offers without logging in.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
import socket
from typing import Any

import paramiko

from elenta.pipeline.ssh import SshTarget

KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512")


class UnknownHostKey(paramiko.SSHException):
    """The host offered a key no known_hosts file of the target holds."""

    def __init__(self, hostname: str, key: paramiko.PKey) -> None:
        super().__init__(f"unknown host key for {hostname}")
        self.hostname = hostname
        self.key = key


class _Refuse(paramiko.MissingHostKeyPolicy):
    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise UnknownHostKey(hostname, key)


class ElentaClient(paramiko.SSHClient):
    """An SSH client that also closes the ProxyJump hops it went through."""

    def __init__(self) -> None:
        super().__init__()
        self.hops: list[paramiko.SSHClient] = []

    def close(self) -> None:
        """Close the connection, then each hop, the nearest first."""
        super().close()
        for hop in reversed(self.hops):
            hop.close()
        self.hops.clear()


def public_key_line(key: paramiko.PKey) -> str:
    """`"ssh-ed25519 AAAA…"`: a key as the cadaster's `ssh.host_key` takes it."""
    return f"{key.get_name()} {key.get_base64()}"


def pin_line(target: SshTarget, key: paramiko.PKey) -> str:
    """What to write in the cadaster to trust `key` for this host."""
    where = target.pin_hint or f"the cadaster, [machines.<{target.name}>] ssh"
    return f'pin it in {where}: host_key = "{public_key_line(key)}"'


def _sock(target: SshTarget, timeout: float, opened: list[paramiko.SSHClient]) -> Any:
    """A connected socket or channel to the host: through its ProxyJump hops (each an SSH client
    of its own, host key checked, opening a `direct-tcpip` channel to the next), its
    ProxyCommand, or straight. The hops' clients are added to `opened` (close them after)."""
    if target.jumps:
        sock: Any = None
        hops = [*target.jumps, {"hostname": target.hostname, "port": target.port}]
        for hop, following in itertools.pairwise(hops):
            client = paramiko.SSHClient()
            _load_known_hosts(client, hop["known_hosts"])
            client.set_missing_host_key_policy(_Refuse())
            keys = [path for path in hop["identity_files"] if os.path.exists(path)]
            client.connect(
                hop["hostname"],
                port=int(hop["port"]),
                username=hop["user"],
                key_filename=keys or None,
                allow_agent=target.agent,
                look_for_keys=False,
                timeout=timeout,
                sock=sock,
            )
            transport = client.get_transport()
            assert transport is not None
            opened.append(client)
            to = (following["hostname"], int(following["port"]))
            sock = transport.open_channel("direct-tcpip", to, ("127.0.0.1", 0), timeout=timeout)
        return sock
    if target.proxy_command:
        return paramiko.ProxyCommand(target.proxy_command)
    return socket.create_connection((target.hostname, target.port), timeout=timeout)


def _load_known_hosts(client: paramiko.SSHClient, known_hosts: Any) -> None:
    """Give the client the keys of these files, parsed once per process for the same contents
    (fact reads on many hosts at once would otherwise parse every file once per host)."""
    client._host_keys = _known_hosts(known_hosts)  # read only: unknown keys are refused


def _known_hosts(paths: Any) -> paramiko.HostKeys:
    texts = []
    for path in paths:
        with contextlib.suppress(OSError), open(path, encoding="utf-8", errors="replace") as f:
            texts.append(f.read())
    return _parsed_known_hosts("\n".join(texts))


def known_host_keys(paths: Any, name: str) -> list[str]:
    """The keys these known_hosts files hold for `name` (hashed names too), missing files skipped.

    `known_host_keys(["~/.ssh/known_hosts"], "[127.0.1.250]:2222")` -> `["ssh-ed25519 AAAA…"]`
    """
    found = _known_hosts([os.path.expanduser(p) for p in paths]).lookup(name) or {}
    return [public_key_line(key) for key in found.values()]


@functools.lru_cache(maxsize=64)
def _parsed_known_hosts(text: str) -> paramiko.HostKeys:
    keys = paramiko.HostKeys()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            with contextlib.suppress(paramiko.SSHException, ValueError):
                entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
                if entry is not None:
                    keys._entries.append(entry)
    return keys


def _missing_identity(target: SshTarget) -> str | None:
    """An identity file the cadaster names (-i) that is not there."""
    for flag, value in itertools.pairwise(target.args):
        if flag == "-i" and not os.path.exists(value):
            return value
    return None


def connect(target: SshTarget, timeout: float = 10) -> tuple[paramiko.SSHClient | None, str]:
    """Connect and log in: `(client, "")`, or `(None, why)` naming the cause (never raises)."""
    missing = _missing_identity(target)
    if missing:
        return (
            None,
            f"{target.name}: identity file {missing} does not exist",
        )
    if target.pinned and not os.path.exists(target.known_hosts[0]):
        return None, (
            f"{target.name}: no known_hosts file {target.known_hosts[0]}: "
            "start the lab (`elenta lab up`) or pin ssh.host_key in the cadaster"
        )
    client = ElentaClient()
    _load_known_hosts(client, target.known_hosts)
    client.set_missing_host_key_policy(_Refuse())
    keys = [path for path in target.identity_files if os.path.exists(path)]
    try:
        client.connect(
            target.hostname,
            port=target.port,
            username=target.user,
            key_filename=keys or None,
            allow_agent=target.agent,
            look_for_keys=False,
            timeout=min(timeout, 10),
            banner_timeout=timeout,
            auth_timeout=timeout,
            sock=_sock(target, min(timeout, 10), client.hops),
        )
        return client, ""
    except UnknownHostKey as exc:
        why = (
            f"{target.name}: host key of {target.address} is not known "
            f"(it offers {public_key_line(exc.key)}; checked {', '.join(target.known_hosts) or 'no file'}); "
            f"if that is the host's key, {pin_line(target, exc.key)}"
        )
    except paramiko.BadHostKeyException as exc:
        why = (
            f"{target.name}: host key of {target.address} CHANGED: it offers {public_key_line(exc.key)}, "
            f"the known one is {public_key_line(exc.expected_key)}; refused. If the host was "
            f"reinstalled, check the new key on its console, then {pin_line(target, exc.key)}"
        )
    except paramiko.PasswordRequiredException as exc:
        why = f"{target.name}: a private key needs its passphrase and no ssh-agent holds it ({exc})"
    except paramiko.AuthenticationException as exc:
        offered = ", ".join(keys) or "none"
        agent = "the ssh-agent's keys" if target.agent and os.environ.get("SSH_AUTH_SOCK") else "no agent"
        who = f"{target.user}@{target.address}"
        why = f"{target.name}: {who} refused the login ({exc}; keys: {offered}; {agent})"
    except (TimeoutError, OSError, EOFError, paramiko.SSHException) as exc:
        via = f" via `{target.proxy_command}`" if target.proxy_command else ""
        why = f"{target.name}: cannot connect to {target.address}{via}: {exc or type(exc).__name__}"
    client.close()
    return None, why


@functools.cache
def quiet_log() -> str:
    """A logger for handshakes expected to fail (paramiko logs them as errors with a traceback)."""
    name = "elenta.ssh.scan"
    logger = logging.getLogger(name)
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    return name


def scan_host_keys(target: SshTarget, timeout: float = 10) -> list[str]:
    """The host keys a host offers (`"ssh-ed25519 AAAA…"`, one per key type), without logging in.

    Goes through the target's ProxyJump like a deploy does. Raises OSError/SSHException.
    `scan_host_keys(target)` -> `["ssh-ed25519 AAAA…", "ecdsa-sha2-nistp256 AAAA…"]`
    """
    found: list[str] = []
    for key_type in KEY_TYPES:
        hops: list[paramiko.SSHClient] = []
        transport = paramiko.Transport(_sock(target, timeout, hops))
        transport.set_log_channel(quiet_log())  # a key type the host lacks is no error to print
        try:
            transport.get_security_options().key_types = [key_type]
            transport.start_client(timeout=timeout)
            found.append(public_key_line(transport.get_remote_server_key()))
        except paramiko.SSHException:
            continue  # the host has no key of this type
        finally:
            transport.close()
            for hop in reversed(hops):
                hop.close()
    return found
